"""The web calculator's TDM API: the same answer as `pkdose tdm --json`, records as rows, no file access."""

import asyncio
import json

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")

from pkdose import cli  # noqa: E402
from pkdose.web import create_app  # noqa: E402

APP = create_app()
DOSES = [{"time_h": t, "amount_mg": 2000, "infusion_h": 3} for t in range(0, 81, 8)]
LEVELS = [{"time_h": 75, "conc_mg_per_l": 104.94}, {"time_h": 79.99, "conc_mg_per_l": 57.95}]
BODY = {"drug": "cefiderocol", "crrt": {"effluent_l_per_h": 2.3, "modality": "CVVH"}, "site": "pneumonia",
        "mic_mg_per_l": 2, "n": 200, "doses": DOSES, "levels": LEVELS}


def call(url, body):
    async def go():
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
            return await client.post(url, json=body)
    return asyncio.run(asyncio.wait_for(go(), timeout=120))


def test_api_answers_as_the_cli(capsys, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    assert cli.main(["tdm", "--drug", "cefiderocol", "--crrt-effluent", "2.3", "--crrt-modality", "CVVH", "--site",
                     "pneumonia", "--doses", "examples/tdm/cefiderocol_cvvh_doses.csv", "--levels",
                     "examples/tdm/cefiderocol_cvvh_levels.csv", "--mic", "2", "--n", "200", "--json"]) == 0
    expected = json.loads(capsys.readouterr().out)
    r = call("/api/tdm", BODY)
    assert r.status_code == 200, r.text
    assert r.json() == expected


def test_plot_is_an_svg():
    r = call("/api/tdm/plot", BODY)
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in r.content[:400]


@pytest.mark.parametrize("change, field, words", [
    ({"doses": "/etc/passwd"}, "doses", "list of rows"),
    ({"doses": [{"time_h": 0, "amount_mg": 2000, "infusion_h": 3, "route": "iv"}]}, "doses", "unknown column"),
    ({"doses": [{"time_h": 0, "amount_mg": 2000, "infusion_h": 1 / 60}]}, "doses", "1 min"),
    ({"levels": [{"time_h": 75, "conc_mg_per_l": 0}]}, "levels", "limit of quantification"),
    ({"levels": [{"time_h": 75, "conc_mg_per_l": 104940}]}, "levels", "divide by 1000"),
    ({"doses": None}, "doses", ""),
])
def test_bad_records_get_422_naming_the_field(change, field, words):
    r = call("/api/tdm", {**BODY, **change})
    assert r.status_code == 422, r.text
    d = r.json()
    assert d["field"] == field and words in d["detail"] and "Traceback" not in r.text


def test_openapi_describes_the_tdm_request():
    async def go():
        transport = httpx.ASGITransport(app=APP)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
            return await client.get("/api/openapi.json")
    doc = asyncio.run(go()).json()
    schema = doc["components"]["schemas"]["TDMRequest"]
    assert set(schema["required"]) == {"drug", "doses", "levels"}
    row = schema["properties"]["doses"]["items"]
    assert row["required"] == ["time_h", "amount_mg", "infusion_h"] and "component" in row["properties"]
    assert "/api/tdm" in doc["paths"]
