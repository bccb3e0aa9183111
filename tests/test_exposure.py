"""Wiring of pkdose.exposure: dialysis weeks, CRRT, periods, joint PTA, populations, errors.

The numbers themselves are tested at layer 1 (test_pk, test_pd, test_pta,
test_extracorporeal) and against published values (tests/validation); here we
check that exposure.py connects them as its docstrings say.
"""

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

import pkdose.exposure as exposure
from pkdose.errors import InputError
from pkdose.exposure import Covariates, analyte_courses, pk_check
from pkdose.extracorporeal import calibrate_hd_clearance, crrt_clearance, hd_sessions
from pkdose.library import load_crrt_assumptions, load_product, load_regimen_table
from pkdose.patient import CRRT, HDSchedule, Haemodialysis, Native
from pkdose.regimens import Regimen, select_regimens
from pkdose.schedule import WEEK_H, hd_dose_times

N = 300  # virtual patients: enough for the invariants, fast


def label(product, crcl=None, state="native", effluent=None):
    """Label regimens of a product (US) for a CrCL or an effluent rate."""
    return select_regimens(load_regimen_table(product), crcl_ml_per_min=crcl, renal_state=state,
                           effluent_l_per_h=effluent)


# --- haemodialysis week -------------------------------------------------------------

HD_CASES = [
    # product, schedule, residual CrCL
    ("aztreonam", HDSchedule(("Mon", "Wed", "Fri"), 8.0, 4.0), 5.0),
    ("cefiderocol", HDSchedule(("Tue", "Thu", "Sat"), 13.5, 3.5), 5.0),
    ("ceftazidime-avibactam", HDSchedule(("Mon", "Wed", "Fri"), 7.0, 4.0), 3.0),
    ("aztreonam-avibactam", HDSchedule(("Mon", "Thu", "Sat"), 18.0, 4.0), 10.0),
]


@pytest.mark.parametrize("product, schedule, residual", HD_CASES, ids=[c[0] for c in HD_CASES])
def test_hd_week_doses_sessions_and_supplements(product, schedule, residual):
    prod = load_product(product)
    regs = label(product, residual, "ihd")
    cov = Covariates(residual, Haemodialysis(schedule, residual))
    courses = analyte_courses(prod, regs, cov)
    start, end = hd_sessions(schedule, 0.0, WEEK_H)
    ends = np.unique(end % WEEK_H)
    reg = regs[0]
    for analyte, c in courses.items():
        assert c.period_h == WEEK_H
        # sessions of the week are the ExtraClearance windows, at the calibrated clearance
        assert_allclose(c.extra.start_h, start)
        assert_allclose(c.extra.end_h, np.minimum(end, WEEK_H))
        model = prod.pk_models[analyte]
        if not model.assumption_on("hd_calibration"):  # measured dialyser clearance (aztreonam, Gerig 1984)
            cl_hd = model.hd_cl_l_per_h
        elif c.structure == "one_compartment":  # calibrated on the uninfected reference subject with kidney failure
            ref = {k: v for k, v in model.reference_covariates().items() if k != "dialysis"}
            p = model.typical_parameters(5.0, dialysis=True, **ref)
            cl_hd = calibrate_hd_clearance(model.hd_fraction_removed, model.hd_session_h,
                                           float(sum(p[v] for v in ("v1", "v2", "v3") if v in p)),
                                           float(p["cl"]))
        else:
            cl_hd = exposure._hd_clearance(model, "published")  # checked in test_hd_calibration_*
        assert_allclose(c.extra.cl_l_per_h, cl_hd, rtol=1e-12)
        assert c.extracorporeal_cl_l_per_h == pytest.approx(cl_hd, rel=1e-12)
        # maintenance doses where schedule.hd_dose_times puts them: a dose starts at every session end
        share = reg.analyte_dose_mg[analyte]
        maintenance = np.isclose(c.dosing.amount_mg, share)
        assert_allclose(np.sort(c.dosing.start_h[maintenance]), hd_dose_times(reg.interval_h, ends))
        assert set(np.round(ends, 9)) <= set(np.round(c.dosing.start_h[maintenance], 9))
        assert np.all(c.dosing.duration_h == reg.infusion_h)
        # no maintenance dose starts inside a session
        inside = (c.dosing.start_h[:, None] > start) & (c.dosing.start_h[:, None] < end)
        assert not inside.any()


def test_hd_supplement_starts_at_each_session_end():
    """Aztreonam (Azactam PI): 1/8 of the initial dose after each session, on top of the q8h doses."""
    schedule = HDSchedule(("Mon", "Wed", "Fri"), 8.0, 4.0)
    reg = label("aztreonam", 5.0, "ihd")[0]
    assert reg.post_hd_supplement_mg == 250
    c = analyte_courses(load_product("aztreonam"), [reg], Covariates(5.0, Haemodialysis(schedule, 5.0)))["aztreonam"]
    ends = hd_sessions(schedule, 0.0, WEEK_H)[1]
    supplement = c.dosing.amount_mg == 250
    assert_allclose(np.sort(c.dosing.start_h[supplement]), ends)
    assert np.sum(c.dosing.amount_mg == 500) == len(hd_dose_times(8, ends)) == 21
    assert np.all(np.diff(c.dosing.start_h) >= 0)  # sorted


def test_no_supplement_without_dialysis():
    reg = Regimen("aztreonam", 500, 8, 0.5, analyte_dose_mg={"aztreonam": 500}, post_hd_supplement_mg=250)
    c = analyte_courses(load_product("aztreonam"), [reg], Covariates(20.0, Native()))["aztreonam"]
    assert c.extra is None and c.extracorporeal_cl_l_per_h == 0
    assert c.period_h == 8.0
    assert_allclose(c.dosing.amount_mg, [500.0])  # one q8h dose per 8-h period, no supplement


# --- CRRT ---------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["low", "central", "high"])
@pytest.mark.parametrize("product, effluent, modality", [
    ("cefiderocol", 3.0, "CVVHDF"), ("ceftazidime-avibactam", 2.0, "CVVH"), ("aztreonam-avibactam", 1.5, "CVVHD")])
def test_crrt_clearance_is_coefficient_times_delivered_effluent(product, effluent, modality, scenario):
    """models/crrt.toml: CL_CRRT = coefficient x delivered fraction x prescribed effluent, per scenario."""
    prod = load_product(product)
    reg = Regimen(product, 2000, 8, 3, analyte_dose_mg={a: 1000.0 for a in prod.pk_models})
    cov = Covariates(5.0, CRRT(effluent, modality), crrt_scenario=scenario)
    courses = analyte_courses(prod, [reg], cov)
    assumptions = load_crrt_assumptions()
    for analyte, c in courses.items():
        coefficient, delivered = assumptions.values(analyte, scenario)
        expected = crrt_clearance(effluent * delivered, coefficient, modality)
        assert c.extracorporeal_cl_l_per_h == pytest.approx(expected, rel=1e-12)
        assert expected == pytest.approx(coefficient * delivered * effluent)
        assert_allclose(c.extra.start_h, [0.0])
        assert_allclose(c.extra.end_h, [c.period_h])
        assert c.period_h == 8.0


def test_crrt_clearance_range_is_ordered_and_high_end_is_effluent():
    """Low < central < high clearance for every analyte; the high end removes the whole effluent flow."""
    prod = load_product("ceftazidime-avibactam+aztreonam")
    reg = [Regimen("ceftazidime-avibactam", 2500, 8, 3, {"ceftazidime": 2000, "avibactam": 500}),
           Regimen("aztreonam", 2000, 8, 3, {"aztreonam": 2000})]
    cls = {s: {a: c.extracorporeal_cl_l_per_h for a, c in
               analyte_courses(prod, reg, Covariates(5.0, CRRT(2.5), crrt_scenario=s)).items()}
           for s in ("low", "central", "high")}
    for a in cls["low"]:
        assert cls["low"][a] < cls["central"][a] < cls["high"][a] == pytest.approx(2.5)
    with pytest.raises(InputError, match="crrt_scenario"):
        Covariates(5.0, CRRT(2.5), crrt_scenario="worst")


def test_crrt_label_regimen_clearance_lowers_exposure():
    """Cefiderocol US CRRT table: more effluent, more clearance, lower AUC per dose."""
    prod = load_product("cefiderocol")
    reg = label("cefiderocol", state="crrt", effluent=2.0)
    low = pk_check(prod, reg, Covariates(5.0, CRRT(1.0)), mic_mg_per_l=4, n=10, rng=1, mics=())
    high = pk_check(prod, reg, Covariates(5.0, CRRT(2.0)), mic_mg_per_l=4, n=10, rng=1, mics=())
    cl_own = float(prod.pk_models["cefiderocol"].value("cl_floor_l_per_h"))  # on CRRT: the declared floor
    coefficient, delivered = load_crrt_assumptions().values("cefiderocol", "central")
    for chk, eff in [(low, 1.0), (high, 2.0)]:
        row = chk.typical.iloc[0]
        assert row["extracorporeal_cl_l_per_h"] == pytest.approx(coefficient * delivered * eff)
        assert row["auc24_mg_h_per_l"] == pytest.approx(3000 / (cl_own + coefficient * delivered * eff), rel=1e-9)


# --- period ---------------------------------------------------------------------------


@pytest.mark.parametrize("crcl, taus, period", [
    (20.0, (12, 8), 24.0),   # CZA q12h + aztreonam q8h
    (3.0, (48, 8), 48.0),    # CZA q48h + aztreonam q8h
    (100.0, (8, 8), 8.0),
])
def test_period_is_lcm_of_component_intervals(crcl, taus, period):
    regs = label("ceftazidime-avibactam+aztreonam", crcl)
    assert tuple(r.interval_h for r in regs) == taus
    courses = analyte_courses(load_product("ceftazidime-avibactam+aztreonam"), regs, Covariates(crcl, Native()))
    assert set(courses) == {"ceftazidime", "avibactam", "aztreonam"}
    assert {c.period_h for c in courses.values()} == {period} == {float(math.lcm(*taus))}
    # every analyte gets period / its own interval doses
    tau = {"ceftazidime": taus[0], "avibactam": taus[0], "aztreonam": taus[1]}
    for analyte, c in courses.items():
        assert c.dosing.start_h.size == period / tau[analyte]


def test_intervals_that_are_not_whole_hours_cannot_be_combined():
    regs = [Regimen("ceftazidime-avibactam", 2500, 7.5, 2, analyte_dose_mg={"ceftazidime": 2000, "avibactam": 500}),
            Regimen("aztreonam", 2000, 8, 2, analyte_dose_mg={"aztreonam": 2000})]
    with pytest.raises(InputError, match="whole hours"):
        analyte_courses(load_product("ceftazidime-avibactam+aztreonam"), regs, Covariates(80.0, Native()))


# --- steady-state exposure ----------------------------------------------------------


@pytest.mark.parametrize("product, crcl", [
    ("cefiderocol", 150.0), ("cefiderocol", 45.0), ("ceftazidime-avibactam", 40.0),
    ("ceftazidime-avibactam", 3.0), ("aztreonam", 20.0), ("aztreonam-avibactam", 60.0),
    ("ceftazidime-avibactam+aztreonam", 20.0)])
def test_native_steady_state_auc24_is_daily_dose_over_cl(product, crcl):
    regs = label(product, crcl)
    chk = pk_check(load_product(product), regs, Covariates(crcl, Native()), mic_mg_per_l=2, n=10, rng=0, mics=())
    daily = {a: d * 24.0 / r.interval_h for r in regs for a, d in r.analyte_dose_mg.items()}
    typ = chk.typical.set_index("analyte")
    for analyte, row in typ.iterrows():
        assert row["auc24_mg_h_per_l"] == pytest.approx(daily[analyte] / row["cl_l_per_h"], rel=1e-9)
        assert row["half_life_h"] == pytest.approx(math.log(2) * row["v_l"] / row["cl_l_per_h"])
        assert row["cmin_mg_per_l"] <= row["cmax_mg_per_l"]


def test_typical_uses_the_patients_weight():
    prod = load_product("aztreonam")
    regs = label("aztreonam", 60.0)
    light = pk_check(prod, regs, Covariates(60.0, Native(), 50.0), mic_mg_per_l=2, n=5, rng=0, mics=())
    heavy = pk_check(prod, regs, Covariates(60.0, Native(), 110.0), mic_mg_per_l=2, n=5, rng=0, mics=())
    assert heavy.typical["v_l"].iloc[0] > light.typical["v_l"].iloc[0]
    assert heavy.typical["cl_l_per_h"].iloc[0] > light.typical["cl_l_per_h"].iloc[0]  # allometric CL


# --- PTA --------------------------------------------------------------------------------

PTA_CASES = [
    ("ceftazidime-avibactam", 20.0, Native(), 8.0),
    ("aztreonam-avibactam", 100.0, Native(), 8.0),
    ("ceftazidime-avibactam+aztreonam", 40.0, Native(), 4.0),
    ("ceftazidime-avibactam", 5.0, Haemodialysis(), 8.0),
]


@pytest.mark.parametrize("product, crcl, state, mic", PTA_CASES, ids=[f"{c[0]}-{c[1]:g}" for c in PTA_CASES])
def test_joint_pta_is_at_most_each_component(product, crcl, state, mic):
    state_name = "ihd" if isinstance(state, Haemodialysis) else "native"
    regs = label(product, crcl, state_name)
    chk = pk_check(load_product(product), regs, Covariates(crcl, state), mic_mg_per_l=mic, n=N, rng=11)
    assert len(chk.targets) == 2
    assert chk.pta_at_mic <= chk.targets["pta_fraction"].min() + 1e-12
    assert chk.pta["pta_fraction"].between(0, 1).all()
    at_mic = chk.pta.loc[chk.pta["mic_mg_per_l"] == mic, "pta_fraction"]
    assert at_mic.iloc[0] == chk.pta_at_mic


@pytest.mark.parametrize("product, crcl, state, mic", PTA_CASES + [("cefiderocol", 120.0, Native(), 3.0)],
                         ids=[f"{c[0]}-{c[1]:g}" for c in PTA_CASES] + ["cefiderocol-off-grid-mic"])
def test_pta_does_not_increase_over_the_mic_grid(product, crcl, state, mic):
    state_name = "ihd" if isinstance(state, Haemodialysis) else "native"
    chk = pk_check(load_product(product), label(product, crcl, state_name), Covariates(crcl, state),
                   mic_mg_per_l=mic, n=N, rng=3)
    grid = chk.pta.sort_values("mic_mg_per_l")
    assert mic in set(grid["mic_mg_per_l"])  # the requested MIC is added to the grid
    assert set(exposure.MIC_GRID_MG_PER_L) <= set(grid["mic_mg_per_l"])
    assert np.all(np.diff(grid["pta_fraction"].to_numpy()) <= 1e-12)
    assert (grid["n_patients"] == N).all()


def test_same_rng_same_numbers():
    prod = load_product("aztreonam-avibactam")
    regs = label("aztreonam-avibactam", 35.0)
    cov = Covariates(35.0, Native())
    a = pk_check(prod, regs, cov, mic_mg_per_l=8, n=N, rng=123)
    b = pk_check(prod, regs, cov, mic_mg_per_l=8, n=N, rng=123)
    c = pk_check(prod, regs, cov, mic_mg_per_l=8, n=N, rng=np.random.default_rng(123))
    assert a.pta.equals(b.pta) and a.targets.equals(b.targets)
    assert a.pta.equals(c.pta)
    d = pk_check(prod, regs, cov, mic_mg_per_l=8, n=N, rng=124)
    assert not np.array_equal(a.pta["pta_fraction"].to_numpy(), d.pta["pta_fraction"].to_numpy())


def _drawn_cls(monkeypatch, product, regs, cov, n):
    """Run pk_check and capture the per-patient CL arrays it simulates, per analyte."""
    drawn = {}
    original = exposure._run

    def spy(course, p, *args, **kwargs):
        if np.ndim(p["cl"]) and np.size(p["cl"]) == n:
            drawn[course.analyte] = np.array(p["cl"])
        return original(course, p, *args, **kwargs)

    monkeypatch.setattr(exposure, "_run", spy)
    pk_check(load_product(product), regs, cov, mic_mg_per_l=4, n=n, rng=5, mics=())
    return drawn


def test_aztreonam_avibactam_clearances_are_correlated(monkeypatch):
    """Xie 2025: correlation of the between-subject CL effects 0.976 (avibactam_xie2025.toml)."""
    n = 4000
    drawn = _drawn_cls(monkeypatch, "aztreonam-avibactam", label("aztreonam-avibactam", 60.0),
                       Covariates(60.0, Native()), n)
    r = np.corrcoef(np.log(drawn["aztreonam"]), np.log(drawn["avibactam"]))[0, 1]
    # SE of r near 0.976 is (1 - r^2)/sqrt(n) = 0.0007; 4 SE
    assert r == pytest.approx(0.976, abs=0.003)
    model = load_product("aztreonam-avibactam").pk_models["aztreonam"]
    assert np.std(np.log(drawn["aztreonam"])) == pytest.approx(model.omega_sd("cl"), rel=0.05)


def test_combination_keeps_atm_avi_correlation_and_ceftazidime_independent(monkeypatch):
    n = 4000
    drawn = _drawn_cls(monkeypatch, "ceftazidime-avibactam+aztreonam",
                       label("ceftazidime-avibactam+aztreonam", 60.0), Covariates(60.0, Native()), n)
    # ceftazidime carries no target component here, so it is not simulated for PTA
    assert set(drawn) == {"aztreonam", "avibactam"}
    r = np.corrcoef(np.log(drawn["aztreonam"]), np.log(drawn["avibactam"]))[0, 1]
    assert r == pytest.approx(0.976, abs=0.003)


def test_ceftazidime_avibactam_drawn_independently(monkeypatch):
    """Li 2019 modelled the two separately: no correlation declared, none drawn (|r| < 4/sqrt(n))."""
    n = 4000
    drawn = _drawn_cls(monkeypatch, "ceftazidime-avibactam", label("ceftazidime-avibactam", 60.0),
                       Covariates(60.0, Native()), n)
    r = np.corrcoef(np.log(drawn["ceftazidime"]), np.log(drawn["avibactam"]))[0, 1]
    assert abs(r) < 4 / math.sqrt(n)


# --- errors -------------------------------------------------------------------------


def test_error_when_a_target_analyte_gets_no_dose():
    prod = load_product("aztreonam-avibactam")
    only_atm = Regimen("aztreonam", 1500, 6, 3, analyte_dose_mg={"aztreonam": 1500})
    with pytest.raises(InputError, match="avibactam"):
        analyte_courses(prod, [only_atm], Covariates(60.0, Native()))
    cza_only = label("ceftazidime-avibactam+aztreonam", 60.0)[:1]
    with pytest.raises(InputError, match="aztreonam"):
        pk_check(load_product("ceftazidime-avibactam+aztreonam"), cza_only, Covariates(60.0, Native()),
                 mic_mg_per_l=4, n=10)


@pytest.mark.parametrize("mic", [0.0, -1.0, float("nan"), float("inf")])
def test_pk_check_refuses_a_non_positive_mic(mic):
    with pytest.raises(InputError, match="MIC"):
        pk_check(load_product("cefiderocol"), label("cefiderocol", 60.0), Covariates(60.0, Native()),
                 mic_mg_per_l=mic, n=10)


def test_covariates_on_hd_flag():
    assert Covariates(5.0, Haemodialysis()).on_hd
    assert not Covariates(5.0, CRRT(2.0)).on_hd
    assert not Covariates(50.0, Native()).on_hd


# --- covariates, structure, population -----------------------------------------------


def test_covariates_refuse_unknown_values():
    with pytest.raises(InputError, match="infection_site"):
        Covariates(50.0, Native(), infection_site="lung")
    with pytest.raises(InputError, match="race"):
        Covariates(50.0, Native(), race="martian")
    with pytest.raises(InputError, match="g/dL"):
        Covariates(50.0, Native(), albumin_g_per_dl=35.0)  # g/L given as g/dL
    with pytest.raises(InputError, match="APACHE"):
        Covariates(50.0, Native(), apache_ii=90)
    with pytest.raises(InputError, match="structure"):
        analyte_courses(load_product("cefiderocol"), label("cefiderocol", 50.0), Covariates(50.0, Native()),
                        structure="three")


def test_site_and_covariates_reach_the_models():
    """The patient's site, albumin, race, ventilation and APACHE II change the typical parameters."""
    prod = load_product("ceftazidime-avibactam")
    regs = label("ceftazidime-avibactam", 60.0)
    base = analyte_courses(prod, regs, Covariates(60.0, Native()))
    assert base["ceftazidime"].params["cl"] == pytest.approx(6.95 * 0.0103036 * 60 * 1.16)  # default cIAI
    np_ = analyte_courses(prod, regs, Covariates(60.0, Native(), infection_site="pneumonia", ventilated=True,
                                                 apache_ii=15, race="asian"))
    assert np_["ceftazidime"].params["cl"] == pytest.approx(6.95 * 0.0103036 * 60 * 0.999 * (1 - 0.161))
    assert np_["avibactam"].params["cl"] == pytest.approx(10.2 * (60 / 80) ** 1.05 * 0.803 * (1 - 0.0865))
    assert np_["avibactam"].params["v1"] == pytest.approx(11.1 * 1.329 * 1.175)
    cef = load_product("cefiderocol")
    lo, hi = (analyte_courses(cef, label("cefiderocol", 60.0), Covariates(60.0, Native(), albumin_g_per_dl=a))
              ["cefiderocol"].params["v1"] for a in (2.0, 4.0))
    assert lo / hi == pytest.approx((2.0 / 4.0) ** -0.617)


def test_pk_check_states_structure_and_default_population():
    prod = load_product("aztreonam-avibactam")
    regs = label("aztreonam-avibactam", 60.0)
    chk = pk_check(prod, regs, Covariates(60.0, Native()), mic_mg_per_l=8, n=50, structure="one_compartment")
    assert chk.structure == "one_compartment" and set(chk.typical["structure"]) == {"one_compartment"}
    assert "intra-abdominal" in chk.population and "default population" in chk.population
    given = pk_check(prod, regs, Covariates(60.0, Native(), infection_site="pneumonia"), mic_mg_per_l=8, n=50,
                     structure="one_compartment")
    assert given.population.startswith("infection site pneumonia") and "default" not in given.population


def test_one_compartment_volume_is_the_sum_of_individual_volumes(monkeypatch):
    """The reduction keeps the published covariances: Vss_i = V1_i + V2_i (+ V3_i) of the same patient."""
    n = 3000
    seen = {}
    original = exposure.simulate

    def spy(cl, v, *args, **kwargs):
        if np.size(cl) == n:
            seen["cl"], seen["v"] = np.array(cl), np.array(v)
        return original(cl, v, *args, **kwargs)

    monkeypatch.setattr(exposure, "simulate", spy)
    prod = load_product("cefiderocol")
    pk_check(prod, label("cefiderocol", 100.0), Covariates(100.0, Native()), mic_mg_per_l=4, n=n, rng=9,
             mics=(), structure="one_compartment")
    r = np.corrcoef(np.log(seen["cl"]), np.log(seen["v"]))[0, 1]
    om = prod.pk_models["cefiderocol"].one_compartment_omega(100.0, infection_site="bloodstream",
                                                              albumin_g_per_dl=2.8)
    assert r == pytest.approx(om[0, 1] / math.sqrt(om[0, 0] * om[1, 1]), abs=0.05)  # ~0.48, not 0


@pytest.mark.parametrize("key", ["cefiderocol", "ceftazidime-avibactam"])
def test_hd_calibration_removes_the_published_fraction_in_both_structures(key):
    """Published structure: the calibrated session clearance removes the published fraction of the body
    amount from the reference ESRD subject, session starting in the terminal phase (scipy expm cross-check)."""
    from scipy.linalg import expm

    for model in load_product(key).pk_models.values():
        ref = {k: v for k, v in model.reference_covariates().items() if k != "dialysis"}
        p = {k: float(v) for k, v in model.typical_parameters(5.0, dialysis=True, **ref).items()}
        cl_hd = exposure._hd_clearance(model, "published")
        a0, a1 = exposure._rate_matrix(p), exposure._rate_matrix(dict(p, cl=p["cl"] + cl_hd))
        w, vec = np.linalg.eig(a0)
        x0 = np.real(vec[:, np.argmax(np.real(w))])
        x1 = expm(a1 * model.hd_session_h) @ x0
        assert 1 - x1.sum() / x0.sum() == pytest.approx(model.hd_fraction_removed, abs=1e-9)
        one = exposure._hd_clearance(model, "one_compartment")
        assert cl_hd > one  # the peripheral amount returns slowly: more clearance is needed


def test_published_structure_is_the_default():
    prod = load_product("cefiderocol")
    chk = pk_check(prod, label("cefiderocol", 60.0), Covariates(60.0, Native()), mic_mg_per_l=4, n=20)
    assert exposure.DEFAULT_STRUCTURE == "published" and chk.structure == "published"


@pytest.mark.parametrize("product", ["cefiderocol", "ceftazidime-avibactam", "aztreonam-avibactam"])
def test_structures_share_the_auc_and_differ_in_shape(product):
    """AUC = dose / CL in both structures (elimination from the central compartment); peaks differ."""
    prod = load_product(product)
    regs = label(product, 60.0)
    rows = {s: pk_check(prod, regs, Covariates(60.0, Native()), mic_mg_per_l=4, n=20, structure=s)
            .typical.set_index("analyte") for s in exposure.STRUCTURES}
    assert_allclose(rows["published"]["auc24_mg_h_per_l"], rows["one_compartment"]["auc24_mg_h_per_l"], rtol=1e-9)
    assert (rows["published"]["cmax_mg_per_l"] != rows["one_compartment"]["cmax_mg_per_l"]).all()


def test_acute_pyelonephritis_reaches_the_ceftazidime_model():
    """pmx review 1, item 3: Covariates and cohort columns carry the Li 2019 AP flag to Vc."""
    prod = load_product("ceftazidime-avibactam")
    regs = label("ceftazidime-avibactam", 60.0)
    base = analyte_courses(prod, regs, Covariates(60.0, Native(), infection_site="urinary"))
    ap = analyte_courses(prod, regs, Covariates(60.0, Native(), infection_site="urinary",
                                                acute_pyelonephritis=True))
    assert ap["ceftazidime"].params["v1"] == pytest.approx(0.815 * base["ceftazidime"].params["v1"])
    assert ap["avibactam"].params == base["avibactam"].params  # no AP term in the avibactam model
    with pytest.raises(InputError, match="acute_pyelonephritis"):
        Covariates(60.0, Native(), acute_pyelonephritis=True)
    check = pk_check(prod, regs, Covariates(60.0, Native(), infection_site="urinary", acute_pyelonephritis=True),
                     mic_mg_per_l=8, n=50)
    assert "acute pyelonephritis yes (used by ceftazidime_li2019)" in check.population
    frames = [pd.DataFrame({"id": [0, 1], "crcl_ml_per_min": 60.0, "infection_site": "urinary",
                            "acute_pyelonephritis": flags}) for flags in (["true", "false"], [False, False])]
    ap, none = (exposure.exposure_summary(prod, f, regs, by="id", rng=1).query("analyte == 'ceftazidime'")
                .set_index("id")["gm_cmax_mg_per_l"] for f in frames)
    assert ap[0] != pytest.approx(none[0]) and ap[1] == pytest.approx(none[1])


def test_population_text_says_how_the_bsa_was_obtained():
    """pmx review 1, item 5: the PKCheck says when the BSA of nCrCL was estimated from the weight."""
    prod = load_product("aztreonam-avibactam")
    regs = label("aztreonam-avibactam", 60.0)
    est = pk_check(prod, regs, Covariates(60.0, Native(), weight_kg=50.0), mic_mg_per_l=8, n=50)
    assert "BSA 1.47 m² estimated from the weight alone (livingston2001" in est.population
    given = pk_check(prod, regs, Covariates(60.0, Native(), weight_kg=50.0, bsa_m2=1.5), mic_mg_per_l=8, n=50)
    assert "BSA" not in given.population
    none = pk_check(prod, regs, Covariates(60.0, Native()), mic_mg_per_l=8, n=50)
    assert "BSA 1.73 m² assumed" in none.population
    cef = pk_check(load_product("cefiderocol"), label("cefiderocol", 60.0), Covariates(60.0, Native(), weight_kg=50.0),
                   mic_mg_per_l=4, n=50)
    assert "BSA" not in cef.population  # raw-CrCL model
    # the estimate reaches the typical patient
    c = analyte_courses(prod, regs, Covariates(60.0, Native(), weight_kg=50.0))["avibactam"]
    c2 = analyte_courses(prod, regs, Covariates(60.0, Native(), weight_kg=50.0, bsa_m2=1.4718109))["avibactam"]
    assert c.cl_l_per_h == pytest.approx(c2.cl_l_per_h, rel=1e-6)


def test_hd_calibration_is_a_named_switchable_assumption():
    """pmx review 1, item 4: without_assumption("hd_calibration") falls back to the published dialyser
    clearance (avibactam: label 9.0 L/h); models without one refuse HD; aztreonam uses Gerig's measured
    clearance and declares no calibration; every PKCheck states the basis."""
    state = Haemodialysis(HDSchedule(("Mon", "Wed", "Fri"), 8.0, 4.0), 5.0)
    cov = Covariates(5.0, state)
    prod = load_product("ceftazidime-avibactam")
    regs = label("ceftazidime-avibactam", 5.0, "ihd")
    calibrated = analyte_courses(prod, regs, cov)["avibactam"]
    assert calibrated.extracorporeal_cl_l_per_h == pytest.approx(3.28, abs=0.01)
    assert "calibrated" in calibrated.extracorporeal_basis and "avycaz-uspi" in calibrated.extracorporeal_basis
    models = dict(prod.pk_models, avibactam=prod.pk_models["avibactam"].without_assumption("hd_calibration"))
    label_cl = analyte_courses(dataclasses.replace(prod, pk_models=models), regs, cov)["avibactam"]
    assert label_cl.extracorporeal_cl_l_per_h == 9.0
    assert label_cl.extracorporeal_basis.startswith("published dialyser clearance (avycaz-uspi")
    for key in ("ceftazidime", "cefiderocol"):
        product = load_product("cefiderocol" if key == "cefiderocol" else "ceftazidime-avibactam")
        models = dict(product.pk_models)
        models[key] = models[key].without_assumption("hd_calibration")
        with pytest.raises(InputError, match="no published dialyser clearance"):
            analyte_courses(dataclasses.replace(product, pk_models=models),
                            label(product.name, 5.0, "ihd"), cov)
    atm = load_product("aztreonam")
    with pytest.raises(InputError, match="declares no assumption"):
        atm.pk_models["aztreonam"].without_assumption("hd_calibration")
    chk = pk_check(atm, label("aztreonam", 5.0, "ihd"), cov, mic_mg_per_l=4, n=20)
    assert chk.typical.loc[0, "extracorporeal_cl_l_per_h"] == 2.39
    assert chk.typical.loc[0, "extracorporeal_basis"].startswith("published dialyser clearance (gerig1984")


def test_dialysis_week_pta_judges_every_dosing_interval():
    """pmx review 1, item 2: on intermittent HD a virtual patient attains the target only if every dosing
    interval of the week meets it (default, declared, stated in the PKCheck); the weekly average is a
    switch; native kidneys are unaffected."""
    from pkdose.pd import ft_by_dose_interval

    prod = load_product("cefiderocol")
    regs = label("cefiderocol", 5.0, "ihd")
    cov = Covariates(5.0, Haemodialysis(HDSchedule(("Mon", "Wed", "Fri"), 8.0, 3.5), 5.0))
    assert exposure.DEFAULT_HD_CRITERION == "every_interval"
    every = pk_check(prod, regs, cov, mic_mg_per_l=16, n=400, mics=(4, 8, 16))
    week = pk_check(prod, regs, cov, mic_mg_per_l=16, n=400, mics=(4, 8, 16), hd_criterion="week")
    assert "every dosing interval" in every.attainment_criterion and "168-h week" in week.attainment_criterion
    assert (every.pta.pta_fraction <= week.pta.pta_fraction).all()
    assert every.pta.pta_fraction.iloc[-1] < week.pta.pta_fraction.iloc[-1] - 0.1  # MIC 16: > 10 points
    # the typical %fT is the worst interval's, computed independently here
    c = every.courses["cefiderocol"]
    _, ft = ft_by_dose_interval(c.typical_profile(), 16.0, c.model.fu_fraction, c.dosing, periodic=True)
    assert every.targets.loc[0, "typical_ft_percent"] == pytest.approx(ft.min())
    assert week.targets.loc[0, "typical_ft_percent"] > ft.min()
    # first 24 h: every interval that starts then, each over its whole length, from an empty body
    assert every.targets.loc[0, "typical_first_24h_ft_percent"] <= week.targets.loc[0, "typical_first_24h_ft_percent"]
    with pytest.raises(InputError, match="hd_criterion"):
        pk_check(prod, regs, cov, mic_mg_per_l=8, n=10, hd_criterion="weekly")
    native = [pk_check(prod, label("cefiderocol", 60.0), Covariates(60.0, Native()), mic_mg_per_l=8, n=200,
                       hd_criterion=h) for h in ("every_interval", "week")]
    assert_allclose(native[0].pta.pta_fraction, native[1].pta.pta_fraction)
    assert native[0].attainment_criterion.startswith("%fT over a dosing interval")


def test_first_day_on_dialysis_covers_the_whole_first_interval():
    """The q48h-after-HD avibactam dose of ceftazidime-avibactam: its first interval runs 48 h, past the
    first day; the per-interval first-day check judges it whole."""
    from pkdose.pd import ft_above_percent

    prod = load_product("ceftazidime-avibactam")
    regs = label("ceftazidime-avibactam", 5.0, "ihd")
    cov = Covariates(5.0, Haemodialysis(HDSchedule(("Mon", "Wed", "Fri"), 8.0, 4.0), 5.0))
    c = analyte_courses(prod, regs, cov)["ceftazidime"]
    dosing, extra, t0 = exposure._first_schedule(c)
    starts = np.unique(dosing.start_h)
    nxt = starts[starts > t0][0]
    prof = exposure._run(c, c.params, dosing, extra, t_start_h=t0, t_end_h=float(nxt))
    whole = float(ft_above_percent(prof, 16.0, c.model.fu_fraction, t0, float(nxt))[0])
    if nxt - t0 >= 24.0:  # one dose in the first day
        assert exposure._first_day_ft(c, 16.0, "every_interval") == pytest.approx(whole)
    assert exposure._first_day_ft(c, 16.0, "every_interval") <= whole + 1e-9
