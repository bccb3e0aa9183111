"""New inputs wired through the one adapter to the command line, the web API and the Python API.

Covariates of the published PK models (issue 9, item 3: the site reaches the PK model; the population is
stated) and a changing creatinine (issue 14, item 3: kinetic CrCL, bands over time, re-check, the first days
simulated with the changing clearance).
"""

import json

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from pkdose import cli
from pkdose.answers import dose_answer
from pkdose.changing_renal import band_projection, changing_renal_pk_check
from pkdose.errors import InputError, UnitError
from pkdose.inputs import FIELDS, parse_inputs
from pkdose.library import load_product
from pkdose.population_inputs import covariate_use, pk_sites, race_levels

SERIES = {"drug": "cefiderocol", "age_y": 70, "sex": "M", "weight_kg": 80, "scr_series": "0:1.1,24:2.0,48:2.6",
          "scr_unit": "mg/dL", "baseline_scr": 1.0, "n": 200}


def cli_json(capsys, argv):
    assert cli.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


# --- covariates -------------------------------------------------------------------------------------------

def test_site_reaches_the_pk_model_on_the_command_line(capsys):
    base = ["dose", "--drug", "cefiderocol", "--crcl", "45", "--n", "200"]
    default = cli_json(capsys, base)
    urinary = cli_json(capsys, [*base, "--site", "urinary"])
    cl = lambda d: d["pk_check"]["typical"][0]["cl_l_per_h"]  # noqa: E731
    # Kawaguchi 2021 Table 2: CL x 1.08 in BSI/sepsis (the default population), x 0.872 in cUTI
    assert cl(urinary) / cl(default) == pytest.approx(0.872 / 1.08, rel=1e-3)  # JSON: 4 significant figures
    assert "infection site bloodstream (default population" in default["pk_check"]["population"]
    assert urinary["pk_check"]["population"].startswith("infection site urinary")
    assert urinary["population_inputs"]["given"] == {"infection_site": "urinary"}


def test_recommend_passes_the_site_to_every_products_pk_model(capsys):
    out = cli_json(capsys, ["recommend", "--mechanism", "NDM", "--crcl", "40", "--site", "pneumonia", "--n", "200"])
    assert all(a["pk_check"]["population"].startswith("infection site pneumonia") for a in out["advice"])


def test_covariates_reach_the_models_that_read_them_and_are_said_not_applied_elsewhere(capsys):
    inp = parse_inputs({"drug": "CZA", "crcl_ml_per_min": 60, "race": "chinese", "ventilated": True, "apache_ii": 14,
                        "albumin": 25, "albumin_unit": "g/L"})
    assert inp.pk_covariates == {"race": "chinese", "ventilated": True, "apache_ii": 14, "albumin_g_per_dl": 2.5}
    rows = {r["input"]: r for r in covariate_use(load_product("ceftazidime-avibactam"), inp.pk_covariates)}
    applied = {r: {m["model"]: m["applied"] for m in rows[r]["models"]} for r in rows if rows[r]["given"]}
    assert applied["apache_ii"] == {"ceftazidime_li2019": "not read by this model", "avibactam_li2019": "modelled"}
    assert applied["albumin_g_per_dl"] == {"ceftazidime_li2019": "not read by this model",
                                           "avibactam_li2019": "not read by this model"}
    cl = [m for m in rows["race"]["models"] if m["model"] == "ceftazidime_li2019"][0]["effects"]
    assert {e["parameter"]: round(e["factor"], 4) for e in cl} == {"cl": 0.9145, "v1": 0.73}  # Li 2019 Table 1
    text = cli.main(["dose", "--drug", "CZA", "--crcl", "60", "--race", "chinese", "--apache-ii", "14", "--n", "100"])
    out = capsys.readouterr().out
    assert text == 0 and "Covariates (PK models)" in out and "population group Chinese (given)" in out
    assert "APACHE II 14 points (above 10) (given): avibactam CL ×0.803 [li2019 Table 2]" in out


def test_apache_ii_changes_avibactam_clearance_only_above_10():
    def cl(**cov):
        a = dose_answer(parse_inputs({"drug": "CZA", "crcl_ml_per_min": 60, "n": 100, "search": False, **cov}))
        return dict(zip(a.advice.check.typical["analyte"], a.advice.check.typical["cl_l_per_h"]))

    base, ten, eleven = cl(), cl(apache_ii=10), cl(apache_ii=11)
    assert ten == base and eleven["ceftazidime"] == base["ceftazidime"]
    assert eleven["avibactam"] / base["avibactam"] == pytest.approx(1 - 0.197)  # Li 2019 Table 2, theta15


def test_structure_is_chosen_and_said(capsys):
    out = cli_json(capsys, ["dose", "--drug", "cefiderocol", "--crcl", "45", "--structure", "one_compartment",
                            "--n", "100"])
    assert out["pk_check"]["structure"] == "one_compartment"
    assert out["population_inputs"]["structure"] == "one_compartment"
    assert cli.main(["pta", "--drug", "cefiderocol", "--crcl", "45", "--n", "100"]) == 0
    assert "PK model structure: published" in capsys.readouterr().out


def test_the_choices_come_from_the_models():
    assert set(pk_sites()) <= set(FIELDS["site"].choices) and "none" not in FIELDS["site"].choices
    assert race_levels() == FIELDS["race"].choices == ("asian", "chinese", "japanese", "other")


def test_albumin_unit_is_explicit_and_checked():
    assert parse_inputs({"drug": "fetroja", "crcl_ml_per_min": 45, "albumin": 28, "albumin_unit": "g/L"}) \
        .pk_covariates["albumin_g_per_dl"] == pytest.approx(2.8)
    with pytest.raises(UnitError, match="did you mean 28 g/L") as e:
        parse_inputs({"drug": "fetroja", "crcl_ml_per_min": 45, "albumin": 28, "albumin_unit": "g/dL"})
    assert e.value.field == "albumin"


def test_a_population_group_is_refused_for_a_product_whose_model_has_none():
    with pytest.raises(InputError, match="no population-group covariate") as e:
        parse_inputs({"drug": "cefiderocol", "crcl_ml_per_min": 45, "race": "asian"})
    assert e.value.field == "race"


# --- a changing creatinine ------------------------------------------------------------------------------

def test_series_gives_the_kinetic_crcl_as_the_crcl_for_dosing():
    inp = parse_inputs(SERIES)
    # baseline: Cockcroft–Gault 70 y, 80 kg, 1.0 mg/dL = 77.8 mL/min; Chen 2013 on each interval
    assert inp.kinetic.baseline_crcl_ml_per_min == pytest.approx(140 - 70 + 0.0 and (140 - 70) * 80 / 72)
    assert inp.patient.crcl_ml_per_min == pytest.approx(inp.kinetic.crcl_ml_per_min[-1])
    a = dose_answer(inp)
    assert a.advice.renal.method.startswith("kinetic CrCL (Chen 2013) of the last interval, 24–48 h")
    assert a.advice.regimens[0].dose_mg == 1000  # FETROJA Table 1, CrCL 15 to 29 mL/min


def test_dose_with_a_series_shows_bands_recheck_early_aki_and_the_first_days(capsys):
    argv = ["dose", "--drug", "fetroja", "--age", "70", "--sex", "M", "--weight", "80", "--scr-series",
            "0:1.1,24:2.0,48:2.6", "--scr-unit", "mg/dL", "--baseline-scr", "1.0", "--n", "200"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    for words in ("Changing renal function: kinetic CrCL (Chen 2013)", "1.10 → 2.00", "now (48 h): kinetic CrCL 25",
                  "band change at 24 h: 1.5 g IV q8h, infused over 3 h → 1 g IV q8h", "re-check renal function by 72 h",
                  "early AKI: Crass et al.", "the band would change at about 96 h to 0.75 g IV q12h",
                  "first days of therapy, PK check with the changing clearance", "48–72 h: doses cefiderocol 1 g",
                  "[crass2019] Crass RL", "[chen2013] Chen S"):
        assert words in out, words
    d = cli_json(capsys, argv)["changing_renal"]
    assert [round(r["crcl_kinetic_ml_per_min"], 1) for r in d["trajectory"]] == [30.8, 25.1]
    assert d["recheck_due_h"] == 72 and d["defer_reduction_until_h"] is None
    assert [w["start_h"] for w in d["pk_check"]["courses"][0]["days"]] == [0, 24, 48]


def test_inside_the_early_aki_window_the_deferred_course_is_simulated_beside_the_label():
    inp = parse_inputs({**SERIES, "drug": "CZA", "scr_series": "0:1.1,12:1.6,24:2.0"})
    c = dose_answer(inp).changing
    assert c.advice.defer_reduction_until_h == 48
    label, deferred = c.pk_check.courses
    assert "deferred until 48 h" in deferred.name
    assert set(deferred.doses["dose_mg"]) == {2500.0}  # the baseline band, AVYCAZ CrCL > 50 mL/min
    assert label.doses["dose_mg"].max() < 2500  # the label course follows the kinetic CrCL's band
    # keeping the higher dose can only raise exposure
    assert (deferred.windows["auc_ceftazidime_mg_h_per_l"] > label.windows["auc_ceftazidime_mg_h_per_l"]).all()


def test_the_first_days_profile_matches_an_ode_with_the_same_step_clearance():
    """The typical profile with ClearanceSteps against solve_ivp (tests only), one-compartment reduction."""
    inp = parse_inputs(SERIES)
    prod = load_product("cefiderocol")
    pk = changing_renal_pk_check(inp.kinetic, prod, covariates={"weight_kg": 80}, mic_mg_per_l=4, n=100,
                                 structure="one_compartment")
    cl = pk.clearance["cl_cefiderocol_l_per_h"].to_numpy()
    from pkdose.exposure import Covariates, analyte_courses
    from pkdose.patient import Native
    from pkdose.regimens import select_regimens
    from pkdose.library import load_regimen_table

    regs = select_regimens(load_regimen_table("cefiderocol"), crcl_ml_per_min=30)
    v = analyte_courses(prod, regs, Covariates(30, Native(), weight_kg=80), structure="one_compartment")[
        "cefiderocol"].v_l
    doses = pk.courses[0].doses

    def rate(t, y):
        k = cl[0] if t < 24 else cl[1]
        inf = sum(d / h for s, d, h in zip(doses.start_h, doses.dose_mg, doses.infusion_h) if s <= t < s + h)
        return [inf - k * y[0] / v]

    breaks = sorted({0, 24, 72, *doses.start_h, *(doses.start_h + doses.infusion_h)})
    y, auc = [0.0], 0.0
    for a, b in zip(breaks, breaks[1:]):
        sol = solve_ivp(rate, (a, b), y, rtol=1e-10, atol=1e-10, dense_output=True)
        if a >= 48:
            tt = np.linspace(a, b, 2001)
            auc += np.trapezoid(sol.sol(tt)[0] / v, tt)
        y = sol.y[:, -1]
    assert pk.courses[0].windows["auc_cefiderocol_mg_h_per_l"].iloc[-1] == pytest.approx(auc, rel=1e-5)


def test_band_projection_on_a_falling_creatinine_goes_up():
    inp = parse_inputs({**SERIES, "scr_series": "0:2.6,24:2.0,48:1.5"})
    p = band_projection(inp.kinetic, "cefiderocol")
    assert p.slope_mg_per_dl_per_day < 0 and p.direction in ("", "higher")
    assert all(b >= a for a, b in zip(p.crcl_ml_per_min, p.crcl_ml_per_min[1:]))


def test_crcl_command_shows_the_trajectory(capsys):
    assert cli.main(["crcl", "--age", "70", "--sex", "M", "--weight", "80", "--scr-series", "0:97,24:177,48:230",
                     "--scr-unit", "umol/L", "--baseline-scr", "88"]) == 0
    out = capsys.readouterr().out
    assert "SCr [µmol/L]" in out and "97 → 177" in out and "kinetic CrCL, Chen 2013" in out


def test_api_dose_with_a_series_and_covariates_equals_the_cli(capsys):
    pytest.importorskip("fastapi")
    from test_web_api import call

    body = {**SERIES, "site": "pneumonia", "albumin": 2.5, "albumin_unit": "g/dL"}
    r = call("POST", "/api/dose", json=body)
    assert r.status_code == 200, r.text
    expected = cli_json(capsys, ["dose", "--drug", "cefiderocol", "--age", "70", "--sex", "M", "--weight", "80",
                                 "--scr-series", "0:1.1,24:2.0,48:2.6", "--scr-unit", "mg/dL", "--baseline-scr", "1.0",
                                 "--n", "200", "--site", "pneumonia", "--albumin", "2.5", "--albumin-unit", "g/dL"])
    assert r.json() == expected
    assert r.json()["changing_renal"]["pk_check"]["courses"][0]["days"]


def test_api_refuses_a_series_out_of_order_naming_it():
    pytest.importorskip("fastapi")
    from test_web_api import call

    r = call("POST", "/api/dose", json={**SERIES, "scr_series": "24:2.0,0:1.1"})
    assert r.status_code == 422 and r.json()["field"] == "scr_series"
    assert r.json()["detail"].startswith("Creatinine series: times must increase")



SERIES_ARGS = ["dose", "--drug", "cefiderocol", "--age", "70", "--sex", "M", "--weight", "80", "--scr-series",
               "0:1.1,24:2.0,48:2.6", "--scr-unit", "mg/dL", "--baseline-scr", "1.0", "--n", "200", "--site", "urinary"]


def test_note_states_population_structure_and_the_changing_creatinine(capsys):
    assert cli.main([*SERIES_ARGS, "--format", "note"]) == 0
    note = capsys.readouterr().out
    lines = note.splitlines()
    assert "measured CrCL" not in note  # the kinetic CrCL is not a measured one
    assert lines[2] == "Patient: 70 y, male, 80 kg, height not given, weight rule auto"
    assert "  infection site urinary (given): cefiderocol CL ×0.872, V1 ×1.39 [kawaguchi2021 Table 2]" in lines
    assert "  model structure: as published (cefiderocol three-compartment)" in lines
    assert any(x.startswith("  re-check renal function by 72 h") for x in lines)
    assert any(x.startswith("  early AKI: Crass et al.") for x in lines)
    assert any(x.startswith("  [crass2019] Crass RL") for x in lines) and any("[chen2013]" in x for x in lines)
    assert lines.index("PK models' population and structure:") < lines.index("Sources:") < len(lines) - 1


def test_note_without_covariates_states_the_default_population(capsys):
    assert cli.main(["dose", "--drug", "CZA", "--crcl", "60", "--n", "200", "--no-search", "--format", "note",
                     "--structure", "one_compartment"]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("PK models' population and structure:")
    assert lines[at + 1].startswith("  infection site intra-abdominal (not given: default population of the "
                                    "ceftazidime model, li2019 Table 3")
    assert lines[at + 2].startswith("  infection site intra-abdominal (not given: default population of the "
                                    "avibactam model, li2019 Table 3")
    assert "  model structure: the one-compartment reduction (V = Vss, the distribution phase dropped)" in lines


def test_card_states_population_structure_and_the_changing_creatinine(capsys):
    assert cli.main([*SERIES_ARGS, "--format", "card"]) == 0
    page = capsys.readouterr().out
    assert "measured CrCL" not in page
    assert "<h2>PK models: population and structure</h2>" in page and "three-compartment" in page
    assert '<section class="block changing-renal"><h2>Changing renal function' in page
    assert "re-check renal function by 72 h" in page and page.index("changing-renal") < page.index("<footer>")


def test_print_api_gives_the_cli_note_with_a_series(capsys):
    pytest.importorskip("fastapi")
    from test_web_api import call

    r = call("POST", "/api/dose/print", json={**SERIES, "site": "urinary"})
    assert r.status_code == 200, r.text
    assert cli.main([*SERIES_ARGS, "--format", "note"]) == 0
    assert r.json()["note"].splitlines()[1:] == capsys.readouterr().out.rstrip("\n").splitlines()[1:]
    assert "changing-renal" in r.json()["card_html"] and "population and structure" in r.json()["card_html"]


@pytest.mark.parametrize("command", ["pta", "simulate"])
def test_pta_and_simulate_say_what_they_do_with_a_series(capsys, command):
    argv = [command, *SERIES_ARGS[1:]]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "creatinine series: the steady state at the last interval's kinetic CrCL" in out
    assert "pkdose dose with the same inputs" in out
    assert cli_json(capsys, argv)["kinetic_crcl"][-1]["crcl_kinetic_ml_per_min"] == pytest.approx(25.1, abs=0.1)

# --- haemodialysis in real time ---------------------------------------------------------------------------

LATE = "scheduled_start,start,end,missed\n2026-12-07 08:00,2026-12-07 10:00,2026-12-07 14:10,\n"


def test_hd_timing_late_session_on_cza_and_aztreonam(tmp_path, capsys):
    log = tmp_path / "sessions.csv"
    log.write_text(LATE)
    argv = ["hd-timing", "--drug", "CZA+ATM", "--hd", "Mon,Wed,Fri", "--hd-start", "8", "--hd-hours", "4",
            "--last-dose", "cza=2026-12-05 14:00,atm=2026-12-07 06:00", "--now", "2026-12-07 14:10",
            "--hd-log", str(log)]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("Decision support for healthcare professionals") == 1
    assert "Mon 07 Dec 10:00–14:10 done (scheduled Mon 08:00) (logged)" in out
    cza, atm = out.split("\nceftazidime-avibactam: ")[1].split("\naztreonam: ")
    assert "GIVE NOW; next at Wed 09 Dec 12:00" in cza and "2 h 10 min later than scheduled (12:00)" in cza
    assert "R1 after the session" in cza and "[avycaz-uspi]" in cza
    assert "GIVE NOW; next at Mon 07 Dec 22:10" in atm and "post-session supplement 0.25 g: due now" in atm
    d = cli_json(capsys, argv)
    assert d["schema"] == "pkdose.hd_timing/1"
    assert [c["next_at"] for c in d["components"]] == ["2026-12-09T12:00", "2026-12-07T22:10"]


def test_hd_timing_api_answers_as_the_cli(tmp_path, capsys):
    pytest.importorskip("fastapi")
    from test_web_api import call

    log = tmp_path / "sessions.csv"
    log.write_text(LATE + "2026-12-09 08:00,,,true\n")
    expected = cli_json(capsys, ["hd-timing", "--drug", "fetroja", "--hd", "--last-dose", "2026-12-07 14:10",
                                 "--now", "2026-12-09 09:00", "--hd-log", str(log)])
    body = {"drug": "fetroja", "hd": {}, "last_dose_at": "2026-12-07T14:10", "now": "2026-12-09T09:00",
            "sessions": [{"scheduled_start": "2026-12-07 08:00", "start": "2026-12-07 10:00",
                          "end": "2026-12-07 14:10"}, {"scheduled_start": "2026-12-09 08:00", "missed": True}]}
    r = call("POST", "/api/hd-timing", json=body)
    assert r.status_code == 200, r.text
    assert r.json() == expected
    c = expected["components"][0]
    assert any(x["rule"] == "R2" for x in c["rules"])  # q12h: a missed session moves no dose (R5 is for q48h)
    assert "Wed 09 Dec 08:00 missed" in [s["text"] for s in expected["sessions"]]


def test_hd_timing_now_defaults_to_this_computers_clock(capsys):
    from datetime import datetime, timedelta

    last = (datetime.now() - timedelta(hours=3)).strftime("%Y-%m-%d %H:%M")
    d = cli_json(capsys, ["hd-timing", "--drug", "fetroja", "--hd", "--last-dose", last])
    assert d["now_given"] is False
    assert abs(datetime.fromisoformat(d["now"]) - datetime.now()) < timedelta(minutes=2)


def test_session_log_rows_map_one_to_one_onto_session_records(tmp_path):
    from pkdose.hd_timing import read_session_log

    log = tmp_path / "s.csv"
    log.write_text("\ufeffscheduled_start,start,end,missed\n2026-12-07 08:00,2026-12-07 10:00,,\n"
                   "2026-12-09 08:00,,,TRUE\n,2026-12-10 09:00,2026-12-10 12:00,false\n")
    running, missed, extra = read_session_log(log)
    assert running.end is None and running.start.hour == 10
    assert missed.missed and missed.start is None
    assert extra.scheduled_start is None and extra.end.hour == 12
