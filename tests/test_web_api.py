"""The web calculator's JSON API, in-process: same answers as the CLI, clear 4xx, no leaks."""

import asyncio
import json
import logging
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
httpx = pytest.importorskip("httpx", reason="httpx is not installed")

from pkdose import cli  # noqa: E402
from pkdose.web import app as web_app  # noqa: E402
from pkdose.web import create_app  # noqa: E402

APP = create_app()
STATIC = Path(web_app.__file__).parent / "static"


def call(method, url, app=APP, raise_app_exceptions=True, **kw):
    """One request to the ASGI app over httpx's in-process transport."""

    async def go():
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
            return await client.request(method, url, **kw)

    return asyncio.run(asyncio.wait_for(go(), timeout=120))


def cli_json(capsys, argv):
    assert cli.main(argv) == 0
    return json.loads(capsys.readouterr().out)


# --- same answers as the command line ------------------------------------------------------

SAME_AS_CLI = [
    (["dose", "--drug", "cefiderocol", "--crcl", "45"], {"drug": "cefiderocol", "crcl_ml_per_min": 45}),
    (["dose", "--drug", "cefiderocol", "--age", "72", "--sex", "female", "--weight", "58", "--height", "160",
      "--scr", "1.6", "--scr-unit", "mg/dL", "--mic", "2"],
     {"drug": "cefiderocol", "age_y": 72, "sex": "female", "weight_kg": 58, "height_cm": 160, "scr": 1.6,
      "scr_unit": "mg/dL", "mic_mg_per_l": 2}),
    (["dose", "--drug", "ceftazidime-avibactam+aztreonam", "--hd", "Mon,Wed,Fri", "--mic", "1", "--age", "64",
      "--sex", "male", "--weight", "80", "--height", "175"],
     {"drug": "ceftazidime-avibactam+aztreonam", "hd": {"days": ["Mon", "Wed", "Fri"]}, "mic_mg_per_l": 1,
      "age_y": 64, "sex": "male", "weight_kg": 80, "height_cm": 175}),
    (["dose", "--drug", "cefiderocol", "--crrt-effluent", "2.5", "--crrt-modality", "CVVH", "--jurisdiction", "EU"],
     {"drug": "cefiderocol", "crrt": {"effluent_l_per_h": 2.5, "modality": "CVVH"}, "jurisdiction": "EU"}),
    (["dose", "--drug", "aztreonam-avibactam", "--crcl", "180", "--mic", "2", "--no-search", "--seed", "7"],
     {"drug": "aztreonam-avibactam", "crcl_ml_per_min": 180, "mic_mg_per_l": 2, "search": False, "seed": 7}),
    (["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic", "2"],
     {"mechanism": "NDM", "crcl_ml_per_min": 45, "mic_mg_per_l": 2}),
    (["recommend", "--mechanism", "KPC", "--crcl", "25", "--site", "bloodstream", "--severity", "severe"],
     {"mechanism": "KPC", "crcl_ml_per_min": 25, "site": "bloodstream", "severity": "severe"}),
]


@pytest.mark.parametrize("argv, body", SAME_AS_CLI, ids=lambda x: " ".join(x[:3]) if isinstance(x, list) else "")
def test_api_answers_exactly_as_the_cli_json(capsys, argv, body):
    expected = cli_json(capsys, [*argv, "--json", "--n", "200"])
    r = call("POST", f"/api/{argv[0]}", json={**body, "n": 200})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == expected


def test_cefiderocol_at_crcl_45_is_the_label_row_with_its_source():
    r = call("POST", "/api/dose", json={"drug": "cefiderocol", "crcl_ml_per_min": 45})
    d = r.json()
    assert d["schema"] == "pkdose.dose/1"
    assert d["regimens"][0]["text"] == "1.5 g IV q8h, infused over 3 h"
    assert d["regimens"][0]["citations"][0]["source"] == "fetroja-uspi"
    assert d["renal"]["method"] == "CrCL given"


def test_weight_choice_is_reported():
    body = {"drug": "cefiderocol", "age_y": 50, "sex": "male", "weight_kg": 140, "height_cm": 175, "scr": 90,
            "scr_unit": "umol/L", "n": 100}
    r = call("POST", "/api/dose", json=body)
    renal = r.json()["renal"]
    assert "adjusted" in (renal["weight_explanation"] + renal["method"]).lower()


# --- input errors: 422 with the field at fault -------------------------------------------------

BAD = [
    ({"drug": "cefiderocol", "age_y": 12, "sex": "male", "weight_kg": 40, "scr": 1, "scr_unit": "mg/dL"},
     "age_y", "adult"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 700, "scr": 1, "scr_unit": "mg/dL"},
     "weight_kg", "lb"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 2e-313, "scr": 1, "scr_unit": "mg/dL"},
     "weight_kg", "≥ 20"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 70, "height_cm": 70, "crcl_ml_per_min": 50},
     "height_cm", "did you mean 70 in (177.8 cm)"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 70, "scr": 106, "scr_unit": "mg/dL"},
     "scr", "µmol/L"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 70, "scr": 1.1}, "scr_unit", "unit"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 70, "scr": 1, "scr_unit": "mmol/L"},
     "scr_unit", "mg/dL"),
    ({"drug": "cefiderocol", "scr": 1.1, "scr_unit": "mg/dL"}, "age_y", "age, sex and weight"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 70, "scr": 1.1, "scr_unit": "mg/dL",
      "crcl_ml_per_min": 50}, "crcl_ml_per_min", "not both"),
    ({"drug": "cefiderocol"}, "crcl_ml_per_min", "no renal function"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 401}, "crcl_ml_per_min", "≤ 400"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": -1}, "crcl_ml_per_min", "≥ 0"),
    ({"drug": "cefiderocol", "hd": {}, "crrt": {"effluent_l_per_h": 2}}, "hd", "not both"),
    ({"drug": "cefiderocol", "hd": {"days": ["Mon", "Mon"]}}, "hd.days", "unique"),
    ({"drug": "cefiderocol", "hd": {"days": ["Funday"]}}, "hd.days", ""),
    ({"drug": "cefiderocol", "hd": {"start_h": 24}}, "hd.start_h", "< 24"),
    ({"drug": "cefiderocol", "crrt": {"effluent_l_per_h": 12}}, "crrt.effluent_l_per_h", "≤ 10"),
    ({"drug": "cefiderocol", "crrt": {"effluent_l_per_h": 0}}, "crrt.effluent_l_per_h", "> 0"),
    ({"drug": "cefiderocol", "hd": {}, "residual_crcl_ml_per_min": 31}, "residual_crcl_ml_per_min", "≤ 30"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "mic_mg_per_l": 0}, "mic_mg_per_l", "0.001–512 mg/L"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "mic_mg_per_l": 5e-324}, "mic_mg_per_l", "0.001–512"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "mic_mg_per_l": 1024}, "mic_mg_per_l", "0.001–512"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "n": 50}, "n", "100–100,000"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "n": 200_000}, "n", "100–100,000"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "n": 10**400}, "n", "100–100,000"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "seed": -(10**400)}, "seed", "4,294,967,295"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "weight": 70}, "weight", "unknown input"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "hd": {}}, "crcl_ml_per_min", "Haemodialysis conflict"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "residual_crcl_ml_per_min": 3}, "residual_crcl_ml_per_min",
     "only with"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "weight_rule": "ideal"}, "weight_rule", "needs"),
    ({"drug": "cefiderocol", "age_y": 60, "sex": "female", "weight_kg": 140, "scr": 1, "scr_unit": "mg/dL"},
     "height_cm", "overweight or obese"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": 45, "renal_method": "ckd-epi-2021"}, "renal_method", "needs"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": None}, "crcl_ml_per_min", "number"),
    ({"drug": "Fetroja", "crcl_ml_per_min": 45}, "drug", "not a product"),
    ({"drug": "meropenem", "crcl_ml_per_min": 45}, "drug", "cefiderocol"),
    ({"crcl_ml_per_min": 45}, "drug", "required"),
    ({"drug": "cefiderocol", "crcl_ml_per_min": "forty"}, "crcl_ml_per_min", ""),
]


@pytest.mark.parametrize("body, field, words", BAD)
def test_bad_input_gets_422_naming_the_field(body, field, words):
    r = call("POST", "/api/dose", json=body)
    assert r.status_code == 422, r.text
    d = r.json()
    assert d["field"] == field
    assert words in d["detail"]
    assert "Traceback" not in r.text
    assert d["errors"][0] == {"field": field, "message": d["detail"]}


def test_recommend_errors_name_mechanism_and_mic():
    r = call("POST", "/api/recommend", json={"mechanism": "XYZ", "crcl_ml_per_min": 45})
    assert (r.status_code, r.json()["field"]) == (422, "mechanism")
    assert "KPC" in r.json()["detail"]
    r = call("POST", "/api/recommend", json={"mechanism": "NDM-5", "crcl_ml_per_min": 45, "n": 100})
    assert r.status_code == 200 and r.json()["mechanism"] == "MBL"
    r = call("POST", "/api/recommend", json={"mechanism": "KPC", "crcl_ml_per_min": 45, "site": "brain"})
    assert (r.status_code, r.json()["field"]) == (422, "site")


def test_errors_carry_their_field_and_name_inputs_in_the_page_words():
    """No regex on messages: the field comes with the error; inputs are named as the form labels them."""
    assert not hasattr(web_app, "_guess_field")
    body = {"drug": "cefiderocol", "age_y": 60, "sex": "male", "weight_kg": 70, "scr": 106, "scr_unit": "mg/dL"}
    d = call("POST", "/api/dose", json=body).json()
    assert d["field"] == "scr" and d["detail"].startswith("Serum creatinine 106 mg/dL is implausible")
    assert d["detail"].endswith("Check the creatinine unit.") and "scr_unit" not in d["detail"]
    d = call("POST", "/api/dose", json={"drug": "cefiderocol", "crcl_ml_per_min": 45, "hd": {}}).json()
    assert "residual_crcl" not in d["detail"] and "Residual CrCL" in d["detail"]


@pytest.mark.parametrize("content", [b"{not json", b"[]", b"null", b"42", b'"text"', b"",
                                     b'{"drug": "cefiderocol", "crcl_ml_per_min": NaN}',
                                     b'{"drug": "cefiderocol", "crcl_ml_per_min": Infinity}',
                                     b'{"drug": "cefiderocol", "crcl_ml_per_min": 1e999}'])
def test_malformed_bodies_get_422(content):
    r = call("POST", "/api/dose", content=content, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.json()["detail"]


def test_oversized_body_413_wrong_method_405_unknown_path_404():
    big = json.dumps({"drug": "cefiderocol", "crcl_ml_per_min": 45, "pad": "x" * 20_000})
    r = call("POST", "/api/dose", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and "bytes" in r.json()["detail"]
    r = call("GET", "/api/dose")
    assert r.status_code == 405 and r.json()["detail"]
    r = call("GET", "/api/nothing")
    assert r.status_code == 404 and r.json()["detail"]


def test_non_loopback_host_header_is_refused():
    r = call("GET", "/api/products", headers={"host": "evil.example:8765"})
    assert r.status_code == 400
    assert "is not accepted" in r.json()["detail"] and "localhost" in r.json()["detail"]
    for host in ("localhost:8765", "127.0.0.1", "[::1]:8765"):
        assert call("GET", "/api/products", headers={"host": host}).status_code == 200


def test_an_unexpected_error_is_a_500_without_traceback_or_patient_values(monkeypatch, caplog):
    def boom(*args, **kwargs):
        raise RuntimeError(f"secret value {kwargs['crcl_ml_per_min']}")

    import pkdose.answers

    monkeypatch.setattr(web_app, "advise_dose", boom)
    monkeypatch.setattr(pkdose.answers, "advise_dose", boom)  # POST /api/dose answers through pkdose.answers
    with caplog.at_level(logging.DEBUG):
        r = call("POST", "/api/dose", json={"drug": "cefiderocol", "crcl_ml_per_min": 45.0973},
                 raise_app_exceptions=False)
    assert r.status_code == 500
    assert "internal error" in r.json()["detail"]
    assert "secret" not in r.text and "Traceback" not in r.text
    assert "45.0973" not in caplog.text
    assert "RuntimeError" in caplog.text  # the bug is still reported, without its message


def test_nothing_about_the_patient_is_logged(caplog):
    with caplog.at_level(logging.DEBUG):
        call("POST", "/api/dose", json={"drug": "cefiderocol", "age_y": 71.234, "sex": "female",
                                        "weight_kg": 58.321, "scr": 1.234, "scr_unit": "mg/dL", "n": 100})
        call("POST", "/api/dose", json={"drug": "cefiderocol", "age_y": 71.234, "sex": "female",
                                        "weight_kg": 58.321, "scr": 123.4, "scr_unit": "mg/dL"})
    for value in ("71.234", "58.321", "1.234", "123.4"):
        assert value not in caplog.text


# --- headers, page, catalogue, OpenAPI, plot -------------------------------------------------


def test_api_answers_are_not_cached_and_pages_carry_a_strict_csp():
    r = call("POST", "/api/dose", json={"drug": "cefiderocol", "crcl_ml_per_min": 45, "n": 100})
    assert r.headers["cache-control"] == "no-store"
    page = call("GET", "/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"


def test_page_ships_everything_it_needs_and_loads_nothing_from_outside():
    page = call("GET", "/").text
    for asset in ("/static/app.js", "/static/style.css"):
        assert asset in page
        r = call("GET", asset)
        assert r.status_code == 200 and len(r.text) > 1000
    for f in STATIC.iterdir():
        text = f.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text, f.name
        assert "//cdn" not in text and "@import" not in text, f.name
    assert "Decision support for healthcare professionals" in page  # the disclaimer, once
    assert page.count("Decision support") == 1


def test_every_form_control_has_a_label():
    import re

    page = (STATIC / "index.html").read_text(encoding="utf-8")
    ids = re.findall(r'<(?:input|select)[^>]*\bid="([^"]+)"', page)
    assert ids
    for i in ids:
        labelled = f'for="{i}"' in page or re.search(rf'id="{re.escape(i)}"[^>]*aria-label=', page)
        assert labelled, i


def test_products_catalogue():
    d = call("GET", "/api/products").json()
    names = [p["product"] for p in d["products"]]
    assert "cefiderocol" in names and "ceftazidime-avibactam+aztreonam" in names
    assert "MBL" in [m["name"] for m in d["mechanisms"]]
    assert d["limits"]["age_y"] == [18, 120]
    assert d["disclaimer"].startswith("Decision support")


def test_openapi_document_describes_the_api_and_its_limits():
    doc = call("GET", "/api/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert {"/api/dose", "/api/recommend", "/api/dose/plot", "/api/products"} <= set(doc["paths"])
    dose = doc["components"]["schemas"]["DoseRequest"]["properties"]
    age = dose["age_y"]
    assert (age["minimum"], age["maximum"]) == (18, 120)
    assert dose["n"]["minimum"] == 100 and dose["n"]["maximum"] == 100_000
    assert dose["mic_mg_per_l"]["minimum"] == 0.001
    # the cross-field rules are stated (issue 10): exactly one renal input, what each input needs, conflicts
    rules = doc["components"]["schemas"]["DoseRequest"]["allOf"]
    one_of = next(r["oneOf"] for r in rules if "oneOf" in r)
    assert [b["required"] for b in one_of] == [["crcl_ml_per_min"], ["scr"], ["hd"], ["crrt"], ["scr_series"]]
    assert {"dependentRequired": {"scr": ["age_y", "sex", "weight_kg"]}}.items() <= next(
        r for r in rules if r.get("dependentRequired", {}).get("scr") == ["age_y", "sex", "weight_kg"]).items()
    assert any(r.get("allOf", [{}])[0].get("not", {}).get("required") == ["crcl_ml_per_min", "hd"] for r in rules)
    assert doc["paths"]["/api/dose"]["post"]["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/DoseRequest"}
    assert "422" in doc["paths"]["/api/dose"]["post"]["responses"]
    assert call("GET", "/docs").status_code == 404  # Swagger UI would load a CDN


def test_plot_is_an_svg_with_the_mic():
    body = {"drug": "cefiderocol", "crcl_ml_per_min": 45, "n": 100}
    r = call("POST", "/api/dose/plot", json=body)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("image/svg+xml")
    assert r.text.lstrip().startswith("<?xml") and "<svg" in r.text
    narrow = call("POST", "/api/dose/plot?width_in=4.2", json=body)
    assert narrow.status_code == 200 and 'width="302.4pt"' in narrow.text
    assert call("POST", "/api/dose/plot?width_in=40", json=body).status_code == 422


def test_plot_of_a_combination_on_haemodialysis_draws_one_panel_per_analyte():
    r = call("POST", "/api/dose/plot", json={"drug": "ceftazidime-avibactam+aztreonam", "hd": {},
                                             "mic_mg_per_l": 1, "n": 100})
    assert r.status_code == 200
    assert r.text.count('id="axes_') >= 3


def test_plot_without_any_regimen_says_so_in_the_figure():
    """No label, published or model-informed regimen: an answer (a figure saying so), not an error."""
    import dataclasses

    from pkdose.recommend import advise_dose

    advice = advise_dose("cefiderocol", crcl_ml_per_min=45, n=100)
    none = dataclasses.replace(advice, check=None, alternative_check=None)
    svg = web_app.concentration_svg(none, 6.0)
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg and 'id="axes_' not in svg


# --- serve() -------------------------------------------------------------------------------


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _FakeServer:
    """Stands in for uvicorn.Server: records the config and the sockets instead of serving."""

    seen = {}

    def __init__(self, config):
        _FakeServer.seen["config"] = config

    def run(self, sockets=None):
        _FakeServer.seen["sockets"] = sockets


def test_serve_binds_loopback_without_access_log(monkeypatch, capsys):
    import uvicorn

    import pkdose.web

    monkeypatch.setattr(uvicorn, "Server", _FakeServer)
    port = _free_port()
    pkdose.web.serve(port=port)
    config, (sock,) = _FakeServer.seen["config"], _FakeServer.seen["sockets"]
    assert sock.fileno() == -1  # bound by pkdose, handed to uvicorn, closed when it stopped
    assert config.access_log is False
    assert all("redact" in h["filters"] for h in config.log_config["handlers"].values())
    out = capsys.readouterr()
    assert f"http://127.0.0.1:{port}/" in out.out and "WARNING" not in out.err


def test_serving_other_computers_is_an_explicit_choice_with_a_warning_and_a_real_host_list(monkeypatch, capsys):
    import socket

    import uvicorn

    import pkdose.web

    monkeypatch.setattr(uvicorn, "Server", _FakeServer)
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", str(_free_port())]) == 2
    out = capsys.readouterr()
    assert out.out == "" and "--allow-remote" in out.err and len(out.err.strip().splitlines()) == 1
    pkdose.web.serve(host="0.0.0.0", port=_free_port(), allow_remote=True, extra_hosts=("pkdose.ward.example",))
    out = capsys.readouterr()
    assert "WARNING" in out.err and "no login and no encryption" in out.err
    hosts = pkdose.web.allowed_hosts("0.0.0.0", "0.0.0.0", ("pkdose.ward.example",))
    assert socket.gethostname().lower() in hosts and "pkdose.ward.example" in hosts and "localhost" in hosts
    assert "0.0.0.0" not in hosts
    app = create_app(allowed_hosts=hosts)
    r = call("GET", "/api/products", app=app, headers={"host": f"{socket.gethostname()}:8765"})
    assert r.status_code == 200
    assert call("GET", "/api/products", app=app, headers={"host": "evil.example"}).status_code == 400


@pytest.mark.parametrize("argv, words", [
    (["serve", "--host", ""], "--host '' is not an address"),
    (["serve", "--host", "no-such-host.invalid"], "is not an address of this computer"),
    (["serve", "--port", "0"], "--port 0 is outside 1–65535"),
    (["serve", "--port", "80x"], "--port must be a whole number"),
    (["serve", "--allowed-host", "ward"], "--allowed-host is used only with --allow-remote"),
])
def test_serve_refuses_bad_hosts_and_ports_in_one_line_without_a_banner(capsys, argv, words):
    assert cli.main(argv) == 2
    out = capsys.readouterr()
    assert out.out == "" and len(out.err.strip().splitlines()) == 1 and words in out.err


def test_a_port_in_use_is_one_clear_line_without_a_banner(capsys):
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)]) == 2
    out = capsys.readouterr()
    assert out.out == "" and f"--port {port} is in use" in out.err and len(out.err.strip().splitlines()) == 1


def test_cli_serve_rejects_a_bad_port(capsys):
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "port" in capsys.readouterr().err


def test_a_body_slower_than_the_timeout_or_shorter_than_its_length_is_a_408():
    app = create_app(body_timeout_s=0.2)
    sent = []

    async def go():
        first = True

        async def receive():
            nonlocal first
            if first:  # part of the body, then nothing more: the client holds the connection open
                first = False
                return {"type": "http.request", "body": b'{"drug": ', "more_body": True}
            await asyncio.sleep(3600)

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/api/dose", "raw_path": b"/api/dose", "query_string": b"",
                 "root_path": "", "server": ("127.0.0.1", 8765), "client": ("127.0.0.1", 5000),
                 "headers": [(b"host", b"127.0.0.1:8765"), (b"content-type", b"application/json"),
                             (b"content-length", b"100")]}
        await asyncio.wait_for(app(scope, receive, send), timeout=10)

    asyncio.run(go())
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = json.loads(b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"))
    assert start["status"] == 408 and (b"connection", b"close") in start["headers"]
    assert "did not arrive" in body["detail"] and body["field"] is None


def test_duplicate_keys_and_every_4xx_has_detail_and_field():
    r = call("POST", "/api/dose", content=b'{"drug": "cefiderocol", "crcl_ml_per_min": 45, "crcl_ml_per_min": 50}',
             headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["field"] == "crcl_ml_per_min" and "twice" in r.json()["detail"]
    for method, url, kw in [("GET", "/api/dose", {}), ("GET", "/nothing", {}),
                            ("POST", "/api/dose", {"content": b"x" * 20_000}),
                            ("GET", "/api/products", {"headers": {"host": "evil.example"}})]:
        r = call(method, url, **kw)
        assert 400 <= r.status_code < 500 and {"detail", "field"} <= set(r.json()), (url, r.text)


def test_server_log_keeps_where_a_bug_happened_but_not_its_message():
    import logging.config

    from pkdose.web.app import RedactExceptions

    weight = 58 + 0.4321
    try:
        raise ValueError(f"weight {weight} kg")
    except ValueError as exc:
        record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "Exception in ASGI application",
                                   (), (type(exc), exc, exc.__traceback__))
    assert RedactExceptions().filter(record)
    text = logging.Formatter().format(record)
    assert "ValueError" in text and "test_web_api.py" in text
    assert "58.4321" not in text


def test_a_mechanism_with_no_option_at_this_site_and_severity_is_an_empty_answer():
    r = call("POST", "/api/recommend", json={"mechanism": "untyped", "site": "other", "severity": "non-severe",
                                             "crcl_ml_per_min": 75, "n": 100})
    assert r.status_code == 200
    assert r.json()["options"] == [] and r.json()["advice"] == []


def test_a_connection_that_sends_no_request_head_is_closed(monkeypatch):
    """Slow or absent headers would hold a connection for ever; the head has its own deadline."""
    import socket
    import threading
    import time

    import uvicorn

    import pkdose.web

    monkeypatch.setattr(pkdose.web, "HEADER_TIMEOUT_S", 0.5)
    sock, _ = pkdose.web.bind("127.0.0.1", _free_port())
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(), log_level="warning", http=pkdose.web.head_timeout_protocol())
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        for payload in (b"", b"POST /api/dose HTTP/1.1\r\nHost: 127.0.0.1"):
            with socket.create_connection(("127.0.0.1", port)) as client:
                client.settimeout(10)
                client.sendall(payload)
                start = time.monotonic()
                assert client.recv(100) == b""  # closed by the server
                assert time.monotonic() - start < 5
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
