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


# --- fuzzing: schemathesis cannot model TDMRequest (tests/test_web_fuzz.py says why), so bodies are drawn here --

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from pkdose.library import available_products, load_regimen_table  # noqa: E402

_PRODUCTS = tuple(available_products())
_NUMBER = st.floats(-10, 1e5, allow_nan=False) | st.sampled_from([0, 1 / 60, 0.5, 3, 24, 48])


def _mostly(good):
    """Plausible values, and one time in four anything (negative, zero, huge, 1 min)."""
    return st.integers(0, 3).flatmap(lambda k: _NUMBER if k == 0 else good)


@st.composite
def _tdm_bodies(draw):
    drug = draw(st.sampled_from(_PRODUCTS))
    table = load_regimen_table(drug)
    body = {"drug": drug, "n": 100, "mic_mg_per_l": draw(st.sampled_from([0.5, 2, 8]))}
    mode = draw(st.sampled_from(["crcl", "crrt", "hd"]))
    if mode == "crcl":
        body["crcl_ml_per_min"] = draw(st.floats(5, 250))
    elif mode == "crrt":
        body["crrt"] = {"effluent_l_per_h": draw(st.floats(0.5, 5)), "modality": "CVVHDF"}
    else:
        body["hd"] = {"days": ["Mon", "Wed", "Fri"], "start_h": 8.0, "session_h": 4.0}
        s = draw(st.floats(0, 60))
        body["hd_sessions"] = [[s, s + 4]]
    n_doses = draw(st.integers(1, 5))
    start = draw(st.sampled_from([0.0, 2.0]))
    interval = draw(st.sampled_from([6.0, 8.0, 12.0, 24.0]))
    amount = draw(_mostly(st.sampled_from([250.0, 1000.0, 2000.0, 2500.0])))
    infusion = draw(_mostly(st.sampled_from([0.5, 2.0, 3.0])))
    components = table.components
    body["doses"] = [{"time_h": start + i * interval, "amount_mg": amount, "infusion_h": infusion,
                      **({"component": c} if len(components) > 1 else {})}
                     for i in range(n_doses) for c in components]
    analytes = table.analytes
    end = start + n_doses * interval
    body["levels"] = [{"time_h": draw(_mostly(st.floats(start + 0.5, end))),
                       "conc_mg_per_l": draw(_mostly(st.floats(1, 100))),
                       "analyte": draw(st.sampled_from(analytes)), "free": draw(st.booleans())}
                      for _ in range(draw(st.integers(1, 3)))]
    return body


@given(body=_tdm_bodies())
@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_drawn_records_get_an_answer_or_a_named_field(body):
    r = call("/api/tdm", body)
    assert r.status_code in (200, 422), (body, r.text)
    d = r.json()
    if r.status_code == 422:
        assert isinstance(d["detail"], str) and d["detail"] and "Traceback" not in d["detail"], (body, d)
        assert d["field"], (body, d)
        return
    assert d["schema"] == "pkdose.tdm/1"
    assert all(x["cl_l_per_h"] > 0 and x["v_l"] > 0 for x in d["individual"]), body
