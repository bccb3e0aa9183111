"""What a pharmacist pastes and prints, and an API that needs no guessing (issue 13, items 1 and 4).

The note (``pkdose dose --format note``) and the dosing card (``--format card``) contain every required
element; the card prints on one page for every product on native kidneys, haemodialysis and CRRT; the
package exposes its entry points without importing pandas; results have short reprs; a product name,
alias or Product is accepted everywhere; plotting takes ``ax=``.
"""

import asyncio
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import pkdose
from pkdose import cli
from pkdose.answers import dose_answer
from pkdose.inputs import parse_inputs
from pkdose.recommend import advise_dose
from pkdose.report import DISCLAIMER, administration_plan, dose_times, note_text

WHEN = datetime.datetime(2026, 12, 1, 9, 30, tzinfo=datetime.timezone.utc)
PRODUCTS = ("cefiderocol", "ceftazidime-avibactam", "aztreonam", "ceftazidime-avibactam+aztreonam",
            "aztreonam-avibactam")
STATES = {"native": {"crcl_ml_per_min": 25}, "ihd": {"hd": {}}, "crrt": {"crrt": {"effluent_l_per_h": 2.5}}}
CHROMIUM = os.environ.get("PKDOSE_CHROMIUM", "/usr/bin/chromium")


def _inputs(product, state, **extra):
    return parse_inputs({"drug": product, "n": 200, **STATES[state], **extra})


def _advice(inp):
    return advise_dose(inp.product, **inp.advise_kwargs())


@pytest.fixture(scope="module")
def hd_example():
    inp = parse_inputs({"drug": "CZA+ATM", "age_y": 64, "sex": "M", "weight_kg": 80, "height_cm": 175, "hd": {},
                        "mic_mg_per_l": 1, "n": 300})
    return inp, _advice(inp)


# --- the note ----------------------------------------------------------------------------------


def test_note_restates_inputs_time_version_regimens_crcl_sources_and_the_disclaimer_once(hd_example):
    inp, advice = hd_example
    note = note_text(advice, patient=inp.patient, seed=inp.seed, when=WHEN)
    lines = note.splitlines()
    assert lines[0] == f"pkdose {pkdose.__version__} dose note, 2026-12-01 09:30+00:00"
    assert "Patient: 64 y, male, 80 kg, 175 cm" in note
    assert "Renal: intermittent haemodialysis Mon/Wed/Fri, 08:00 for 4 h; residual CrCL 5 mL/min" in note
    assert "MIC 1 mg/L (given)" in note and "seed 2026" in note
    assert re.search(r"^CrCL: 5 mL/min, residual CrCL on intermittent haemodialysis", note, re.M)
    # each regimen line names its drug
    regimen_lines = [x for x in lines if x.startswith("    ") and ": " in x]
    assert regimen_lines and all(x.split(":")[0].strip() in ("ceftazidime-avibactam", "aztreonam")
                                 or x.strip()[0].isdigit() for x in regimen_lines)
    assert "  ceftazidime-avibactam: 0.94 g (ceftazidime 0.75 g + avibactam 0.19 g) IV after each dialysis" in note
    assert "Give together: start ceftazidime-avibactam and aztreonam at the same time" in note
    assert "Mon 12:00 after HD: ceftazidime-avibactam 0.94 g + aztreonam 0.5 g + 0.25 g post-HD" in note
    assert "aztreonam: loading: 2 g of aztreonam over 3 h, once, as the first dose" in note
    assert "Model-informed alternative (NOT labelled dosing):" in note
    assert "bag changes: a new bag at least every 12 h" in note.replace("bag change:", "bag changes:")
    assert "[avycaz-uspi]" in note and "[azactam-uspi]" in note and "doi:10.1093/cid/ciae403" in note
    assert note.count(DISCLAIMER) == 1 and lines[-1] == DISCLAIMER


def test_note_cli_matches_the_python_note(capsys):
    assert cli.main(["dose", "--drug", "fetroja", "--crcl", "45", "--n", "200", "--format", "note"]) == 0
    out = capsys.readouterr().out.rstrip("\n")
    inp = parse_inputs({"drug": "fetroja", "crcl_ml_per_min": 45, "n": 200})
    assert out.splitlines()[1:] == dose_answer(inp).note().splitlines()[1:]  # all but the time stamp
    # the note of pkdose.report, with the PK models' population and structure added before the sources
    python = note_text(_advice(inp), patient=inp.patient, seed=inp.seed).splitlines()[1:]
    added = [x for x in out.splitlines()[1:] if x not in python]
    assert [x for x in out.splitlines()[1:] if x in python] == python
    assert added[0] == "PK models' population and structure:" and added[-1].startswith("  model structure: as published")
    assert re.fullmatch(r"pkdose \S+ dose note, \d{4}-\d\d-\d\d \d\d:\d\d[+-]\d\d:\d\d", out.splitlines()[0])


def test_cefiderocol_volume_and_rate_come_from_the_cited_preparation():
    plan = administration_plan(_advice(_inputs("cefiderocol", "crrt")))[0]
    # CRRT 2.5 L/h: 2 g q12h; 2 vials of 11.2 mL into a 100-mL bag over 3 h
    assert plan["vials"] == "2 × 1 g vial"
    assert plan["volume_ml"] == pytest.approx(122.4) and plan["rate_ml_per_h"] == pytest.approx(40.8)
    assert any(k == "fetroja-uspi" and "100 mL" in loc for k, loc in plan["citations"])
    other = administration_plan(_advice(_inputs("aztreonam", "native")))[0]
    assert other["rate_ml_per_h"] is None and "check the label's preparation instructions" in other["rate_text"]


def test_part_vials_say_what_part_and_to_discard_the_rest():
    plan = administration_plan(_advice(_inputs("ceftazidime-avibactam", "native")))[0]  # 0.94 g q12h
    assert plan["vials"] == ("0.94 g = 38% of a 2.5 g vial (ceftazidime 2 g + avibactam 0.5 g) (discard the rest)")


def test_native_dose_times_cover_a_day_and_align_the_combination():
    times = dose_times(_advice(_inputs("ceftazidime-avibactam+aztreonam", "native")))
    assert not times["weekly"] and times["period_h"] == 24
    first = times["rows"][0]
    assert first["when"] == "+0 h" and {c for c, _ in first["doses"]} == {"ceftazidime-avibactam", "aztreonam"}


# --- the card ------------------------------------------------------------------------------------


@pytest.mark.parametrize("state", sorted(STATES))
@pytest.mark.parametrize("product", PRODUCTS)
def test_card_has_every_required_element(product, state):
    from pkdose.card import card_html

    inp = _inputs(product, state)
    advice = _advice(inp)
    page = card_html(advice, patient=inp.patient, seed=inp.seed, when=WHEN)
    assert page.startswith("<!doctype html>") and "<style>" in page and "<script" not in page
    assert page.count("Decision support for healthcare professionals") == 1
    assert "2026-12-01 09:30+00:00" in page and f"pkdose {pkdose.__version__}" in page
    for r in advice.regimens:
        assert f'<th scope="row">{r.component}</th>' in page
    assert "<b>Vials</b>" in page and "<b>Infusion</b>" in page and "Dose times" in page
    assert ("mL/h" in page) == (product == "cefiderocol")
    assert ("Give together" in page) == (product == "ceftazidime-avibactam+aztreonam")
    if state == "ihd":
        assert "(HD days)" in page and "after HD" in page
    if any(r.loading_dose_mg for r in advice.regimens):
        assert "<b>Loading dose</b>" in page
    if any(r.bag_change_h for r in advice.regimens + advice.alternative):
        assert "a new bag at least every" in page
    assert "Checked by (pharmacist)" in page and "[" + advice.regimens[0].citations[0][0] + "]" in page


def _pages(pdf):
    return len(re.findall(rb"/Type\s*/Page(?![a-z])", pdf))


@pytest.fixture(scope="module")
def chromium():
    pytest.importorskip("playwright", reason="a PDF card needs playwright (the test extra)")
    if not Path(CHROMIUM).is_file() and not shutil.which(CHROMIUM):
        if os.environ.get("PKDOSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no Chromium at {CHROMIUM} (PKDOSE_REQUIRE_BROWSER=1)")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return CHROMIUM


@pytest.mark.browser
@pytest.mark.parametrize("product, state, jurisdiction", [
    ("ceftazidime-avibactam+aztreonam", "ihd", "US"), ("ceftazidime-avibactam+aztreonam", "ihd", "EU"),
    ("ceftazidime-avibactam+aztreonam", "crrt", "US"), ("cefiderocol", "ihd", "US"),
    ("aztreonam-avibactam", "native", "EU"), ("ceftazidime-avibactam", "crrt", "EU")])
def test_pdf_card_is_one_page_of_the_jurisdictions_paper(chromium, tmp_path, product, state, jurisdiction):
    from pkdose.card import write_card

    inp = _inputs(product, state, jurisdiction=jurisdiction, mic_mg_per_l=1)
    path = write_card(_advice(inp), tmp_path / "card.pdf", patient=inp.patient, seed=inp.seed, chromium=chromium)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF") and _pages(pdf) == 1
    width = {"US": b"612", "EU": b"595"}[jurisdiction]  # Letter 612 x 792 pt, A4 595.9 x 842.9 pt
    assert re.search(rb"/MediaBox\s*\[\s*0\s+0\s+" + width, pdf)


def test_cli_card_formats_and_refusals(tmp_path, capsys):
    out = tmp_path / "card.html"
    assert cli.main(["dose", "--drug", "cefiderocol", "--crcl", "45", "--n", "200", "--format", "card",
                     "--out", str(out)]) == 0
    assert "Dosing card written to" in capsys.readouterr().out and out.read_text().startswith("<!doctype html>")
    for argv, words in ((["--format", "card", "--out", "card.png"], "--out 'card.png'"),
                        (["--out", "card.pdf"], "--out writes a dosing card"),
                        (["--json", "--format", "note"], "--json and --format note conflict")):
        assert cli.main(["dose", "--drug", "cefiderocol", "--crcl", "45", *argv]) == 2
        assert words in capsys.readouterr().err
    assert cli.main(["dose", "--drug", "cefiderocol", "--crcl", "45", "--n", "200", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["schema"] == "pkdose.dose/1"


# --- the API -------------------------------------------------------------------------------------


def test_import_pkdose_is_light_and_every_public_name_resolves():
    code = ("import sys, pkdose; heavy = [m for m in ('numpy', 'pandas', 'scipy', 'matplotlib') if m in sys.modules];"
            "print(heavy); [getattr(pkdose, n) for n in pkdose.__all__]; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["[]", "ok"]
    assert {"advise_dose", "recommend", "parse_inputs", "Patient", "Native", "Haemodialysis", "CRRT", "pk_check",
            "population_pta", "simulate", "note_text", "card_html", "plot_pk_check"} <= set(pkdose.__all__)
    with pytest.raises(AttributeError, match="public names"):
        pkdose.no_such_name  # noqa: B018


def test_pkdose_recommend_is_the_module_and_calls_recommend():
    import pkdose.recommend as module

    rec = pkdose.recommend("NDM")
    assert type(rec).__name__ == "Recommendation" and module.advise_dose is pkdose.advise_dose
    assert "NDM is read as MBL" in rec.mechanism_note and "Ambler class B" in rec.mechanism_note


def test_product_name_alias_or_object_everywhere():
    import pandas as pd

    from pkdose.exposure import Covariates, with_target
    from pkdose.library import load_product
    from pkdose.regimens import Regimen

    cohort = pd.DataFrame({"crcl_ml_per_min": [40.0, 90.0]})
    by_name = pkdose.population_pta("cefiderocol", cohort, mics=[4])
    by_alias = pkdose.population_pta("Fetroja", cohort, mics=[4])
    by_object = pkdose.population_pta(load_product("cefiderocol"), cohort, mics=[4])
    assert by_name.equals(by_alias) and by_name.equals(by_object)
    assert pkdose.exposure_summary("fetcroja", cohort)["analyte"].tolist() == ["cefiderocol"]
    check = pkdose.pk_check("cefiderocol", [Regimen("cefiderocol", 2000, 8, 3)],
                            Covariates(90.0, pkdose.Native()), mic_mg_per_l=4, n=100)
    assert 0 <= check.pta_at_mic <= 1
    assert with_target("Fetroja", ft_percent=100).target.components[0].ft_percent == 100
    assert advise_dose("CZA", crcl_ml_per_min=60, n=100).product == "ceftazidime-avibactam"
    with pytest.raises(pkdose.UnknownDrugError, match="known products"):
        pkdose.population_pta("meropenem", cohort)


def test_reprs_are_short_and_html_is_a_small_table(hd_example):
    _, advice = hd_example
    line = repr(advice)
    assert line.startswith("<DoseAdvice ceftazidime-avibactam+aztreonam") and "\n" not in line and len(line) < 400
    assert "PTA" in line and "model-informed" in line
    html = advice._repr_html_()
    assert html.startswith("<table>") and len(html) < 4000
    assert len(repr(advice.check)) < 300 and advice.check._repr_html_().startswith("<table>")
    rec = pkdose.recommend("KPC", crcl_ml_per_min=60, n=100, search=False)
    assert len(repr(rec)) < 600 and "\n" not in repr(rec) and len(rec._repr_html_()) < 4000


def test_plot_pk_check_takes_ax_and_warns_on_axes(hd_example):
    from matplotlib.figure import Figure

    _, advice = hd_example
    axes = Figure().subplots(3, 1)
    assert pkdose.plot_pk_check(advice.check, ax=axes) == list(axes)
    assert [t.get_text() for t in axes[0].get_xticklabels(minor=True)] == ["Mon", "Tue", "Wed", "Thu", "Fri",
                                                                         "Sat", "Sun"]
    with pytest.warns(DeprecationWarning, match="use ax="):
        pkdose.plot_pk_check(advice.check, axes=Figure().subplots(3, 1))
    one = advise_dose("cefiderocol", crcl_ml_per_min=45, n=100)
    assert len(pkdose.plot_pk_check(one.check, ax=Figure().subplots())) == 1
    with pytest.raises(pkdose.InputError, match="unexpected keyword"):
        pkdose.plot_pk_check(one.check, axs=None)


def test_pta_figure_names_regimen_crcl_structure_and_n(tmp_path, capsys):
    path = tmp_path / "pta.svg"
    assert cli.main(["pta", "--drug", "cefiderocol", "--crcl", "100", "--n", "200", "--plot", str(path)]) == 0
    svg = path.read_text()
    for words in ("cefiderocol: 2 g IV q8h, infused over 3 h", "CrCL 100 mL/min (native)", "published PK structure",
                  "n = 200 virtual patients"):
        assert f"<!-- {words}" in svg or words in svg


def test_api_print_gives_the_note_and_the_card_of_the_cli():
    pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
    httpx = pytest.importorskip("httpx")
    from pkdose.web import create_app

    async def go():
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
            return await client.post("/api/dose/print", json={"drug": "cefiderocol", "crcl_ml_per_min": 45,
                                                              "n": 200})

    r = asyncio.run(go())
    assert r.status_code == 200
    d = r.json()
    assert d["note"].splitlines()[1] == "Drug: Cefiderocol (US label) — native kidneys"
    assert d["card_html"].startswith('<article class="pk-card"') and "<style>" not in d["card_html"]
