"""pkdose.tdm: records and their checks, the posterior, MAP parity with an independent brute force,
Laplace against importance sampling, the advice's safety rules, the report.

The brute force is independent of pkdose's engine and optimiser: concentrations by the matrix exponential
of the compartment system on every constant-input interval (scipy.linalg.expm), the objective written
out here from the model files, and scipy's Powell search from the prior mode.
"""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.linalg import expm
from scipy.optimize import minimize

from pkdose.errors import InputError, UnitError
from pkdose.exposure import Covariates
from pkdose.library import load_pk_model, load_regimen_table
from pkdose.patient import CRRT, HDSchedule, Haemodialysis, Native
from pkdose.tdm import (
    SCHEMA_TDM,
    TDMCase,
    build_problem,
    dose_history,
    fit,
    individual_models,
    laplace_covariance,
    levels,
    map_estimate,
    read_doses_csv,
    read_levels_csv,
    sir_posterior,
    tdm_advice,
    tdm_text,
    tdm_to_dict,
)
from pkdose.tdm.settings import load_tdm_settings

NATIVE60 = Covariates(60.0, Native(), weight_kg=70)


def cefiderocol_case(conc=(80.0, 30.0), crcl=60.0, times=(35.0, 39.9), **kw):
    d = dose_history("cefiderocol", [0, 8, 16, 24, 32], [2000] * 5, [3] * 5)
    return TDMCase(d, levels("cefiderocol", list(times), list(conc)), Covariates(crcl, Native(), weight_kg=70), **kw)


# --- records ------------------------------------------------------------------------------------


def test_labelled_amounts_split_as_the_label_splits_them():
    d = dose_history("ceftazidime-avibactam", [0, 8, 16], [2500, 940, 2000], [2, 2, 2])
    assert d.analyte_mg["ceftazidime"].tolist() == [2000.0, 750.0, 1600.0]
    assert d.analyte_mg["avibactam"].tolist() == [500.0, 187.5, 400.0]


def test_a_combination_needs_the_component_of_each_row():
    with pytest.raises(InputError, match="component"):
        dose_history("ceftazidime-avibactam+aztreonam", [0, 0], [2500, 2000], [3, 3])
    d = dose_history("ceftazidime-avibactam+aztreonam", [0, 0], [2500, 2000], [3, 3],
                     ["ceftazidime-avibactam", "aztreonam"])
    assert d.analyte_mg["aztreonam"].tolist() == [0.0, 2000.0]
    assert d.analyte_mg["avibactam"].tolist() == [500.0, 0.0]


@pytest.mark.parametrize("product, t, amount, infusion, match, err", [
    ("cefiderocol", [-1], [2000], [3], "negative", InputError),
    ("cefiderocol", [0], [2], [3], "grams", UnitError),
    ("cefiderocol", [0], [9000], [3], "daily maximum", InputError),
    ("cefiderocol", [0], [2000], [1 / 60], "1 min", InputError),
    ("aztreonam", [0], [2000], [1 / 60], "implausible", InputError),
    ("cefiderocol", [0], [2000], [30], "one row per day", InputError),
    ("cefiderocol", [0, 0], [2000, 2000], [3, 3], "listed twice", InputError),
    ("cefiderocol", [0, 8], [2000], [3], "as many", InputError),
])
def test_implausible_dose_records_are_refused_naming_the_field(product, t, amount, infusion, match, err):
    with pytest.raises(err, match=match) as exc:
        dose_history(product, t, amount, infusion)
    assert exc.value.field == "doses"


def test_an_aztreonam_injection_over_5_min_is_accepted():
    d = dose_history("aztreonam", [0], [1000], [5 / 60])
    assert d.infusion_h[0] == pytest.approx(5 / 60)


@pytest.mark.parametrize("kw, match", [
    (dict(time_h=[1.0], conc_mg_per_l=[0.0]), "limit of quantification"),
    (dict(time_h=[-1.0], conc_mg_per_l=[5.0]), "negative"),
    (dict(time_h=[1.0], conc_mg_per_l=[5.0], analyte=["meropenem"]), "not part of"),
    (dict(time_h=[1.0], conc_mg_per_l=[5.0], free=["yes"]), "true or false"),
])
def test_implausible_levels_are_refused(kw, match):
    with pytest.raises(InputError, match=match) as exc:
        levels("cefiderocol", **kw)
    assert exc.value.field == "levels"


def test_a_two_analyte_product_needs_the_analyte_named():
    with pytest.raises(InputError, match="name the one measured"):
        levels("ceftazidime-avibactam", [1.0], [5.0])
    assert levels("ceftazidime-avibactam", [1.0], [5.0], ["avibactam"]).analyte == ("avibactam",)


def test_a_level_before_the_first_dose_is_refused():
    d = dose_history("cefiderocol", [10, 18], [2000, 2000], [3, 3])
    with pytest.raises(InputError, match="not after a dose") as exc:
        TDMCase(d, levels("cefiderocol", [5.0], [40.0]), NATIVE60)
    assert exc.value.field == "levels"


@pytest.mark.parametrize("conc, hint", [((80000.0, 30000.0), "divide by 1000"), ((0.08, 0.03), "multiply by 1000")])
def test_a_level_that_only_makes_sense_in_another_unit_is_a_unit_error(conc, hint):
    with pytest.raises(UnitError, match=hint) as exc:
        fit(cefiderocol_case(conc))
    assert exc.value.field == "levels"


def test_a_level_far_outside_the_prior_but_not_a_unit_error_is_a_warning():
    f = fit(cefiderocol_case((900.0, 30.0)))
    assert any("infusion line" in w for w in f.warnings)


def test_haemodialysis_needs_the_actual_sessions_and_they_must_be_sessions():
    hd = Covariates(5.0, Haemodialysis(HDSchedule()), weight_kg=70)
    d = dose_history("cefiderocol", [0, 12], [750, 750], [3, 3])
    lv = levels("cefiderocol", [20.0], [30.0])
    with pytest.raises(InputError, match="actual start and end") as exc:
        TDMCase(d, lv, hd)
    assert exc.value.field == "hd_sessions"
    with pytest.raises(InputError, match="1-12 h"):
        TDMCase(d, lv, hd, hd_sessions_h=[(14, 14.5)])
    with pytest.raises(InputError, match="not haemodialysis"):
        TDMCase(d, lv, NATIVE60, hd_sessions_h=[(14, 18)])
    with pytest.raises(InputError, match="overlap"):
        TDMCase(d, lv, hd, hd_sessions_h=[(14, 18), (17, 20)])


def test_csv_records_are_read_strictly(tmp_path):
    doses = tmp_path / "doses.csv"
    doses.write_text("# cefiderocol, 3-h infusions\ntime_h,amount_mg,infusion_h\n0,2000,3\n8,2000,3\n")
    assert read_doses_csv(doses, "cefiderocol").time_h.tolist() == [0.0, 8.0]
    lv = tmp_path / "levels.csv"
    lv.write_text("time_h,conc_mg_per_l,free\n7.9,20.5,false\n10,30,true\n")
    assert read_levels_csv(lv, "cefiderocol").free.tolist() == [False, True]
    bad = tmp_path / "bad.csv"
    for text, match in (("time,amount_mg,infusion_h\n0,2000,3\n", "header"), ("time_h,amount_mg,infusion_h\n0,٢٠٠٠,3\n",
                        "plain decimal"), ("time_h,amount_mg,infusion_h\n0,2000\n", "2 values for 3 columns"), ("", "empty")):
        bad.write_text(text)
        with pytest.raises(InputError, match=match):
            read_doses_csv(bad, "cefiderocol")
    with pytest.raises(InputError, match="not found"):
        read_levels_csv(tmp_path / "nope.csv", "cefiderocol")


# --- the posterior: predictions by an independent engine ------------------------------------------


def expm_concentration(p, doses, times, windows=(), steps=None):
    """Central concentration of a mammillary model by the matrix exponential on each constant-input interval."""
    pairs = [(p[q], p[v]) for q, v in (("q2", "v2"), ("q3", "v3")) if q in p]
    vols = [p["v1"]] + [v for _, v in pairs]
    n = len(vols)
    steps = steps or ([0.0], [p["cl"]])
    pts = {t for s, _, d in doses for t in (s, s + d)} | set(times) | {w for a, b, _ in windows for w in (a, b)}
    pts |= set(steps[0])
    t0 = min(s for s, _, _ in doses)
    grid = sorted(x for x in pts if x >= t0)
    x = np.zeros(n)
    out, cache = {}, {}
    for a, b in zip(grid[:-1], grid[1:]):
        mid = 0.5 * (a + b)
        own = steps[1][max(0, int(np.searchsorted(steps[0], mid, side="right")) - 1)]
        cl = own + sum(c for s, e, c in windows if s <= mid < e)
        rate = sum(amt / d for s, amt, d in doses if s <= mid < s + d)
        key = (cl, rate, round(b - a, 12))
        if key not in cache:  # a regular regimen repeats the same few intervals
            m = np.zeros((n + 1, n + 1))
            m[0, 0] = -(cl + sum(q for q, _ in pairs)) / vols[0]
            for i, (q, v) in enumerate(pairs, start=1):
                m[0, i], m[i, 0], m[i, i] = q / v, q / vols[0], -q / v
            m[0, n] = rate
            cache[key] = expm(m * (b - a))
        if a in times:
            out[a] = x[0] / vols[0]
        x = (cache[key] @ np.append(x, 1.0))[:n]
    out[grid[-1]] = x[0] / vols[0]
    return np.array([out[t] for t in times])


def brute_objective(case):
    """The MAP objective written out from the model files, predictions by expm (no pkdose.tdm code).

    Over the random effects of the measured analytes and of the analytes their priors correlate with;
    an uncorrelated unmeasured analyte's are 0 at the optimum (checked separately).
    """
    models = {a: load_pk_model(a, source=s) for a, s in case_models(case).items()}
    measured = set(case.levels.analyte)
    models = {a: m for a, m in models.items()
              if a in measured or m.correlated_with in {models[b].key for b in measured}
              or any(models[b].correlated_with == m.key for b in measured)}
    names = [(a, n) for a, m in models.items() for n in m.omega_names]
    inv = np.linalg.inv(joint_omega(models, names))
    cov = case.covariates
    parts = []
    for a, m in models.items():
        sel = [i for i, x in enumerate(case.levels.analyte) if x == a]
        if not sel:
            continue
        typ = {k: float(v) for k, v in m.typical_parameters(
            cov.crcl_ml_per_min, weight_kg=cov.weight_kg, infection_site=cov.infection_site or m.default_site,
            dialysis=not isinstance(cov.renal_state, Native)).items()}
        doses = [(s, amt, d) for s, amt, d in zip(case.doses.time_h, case.doses.analyte_mg[a], case.doses.infusion_h)
                 if amt > 0]
        parts.append((a, m, typ, doses, list(case.levels.time_h[sel]), case.levels.conc_mg_per_l[sel],
                      m.residual[STRATA[m.key]], brute_windows(case, m)))

    def ofv(eta):
        total = float(eta @ inv @ eta)
        for a, m, typ, doses, t, y, (prop, add), windows in parts:
            p = dict(typ)
            for n in m.omega_names:
                p[n] *= math.exp(eta[names.index((a, n))])
            f = expm_concentration(p, doses, t, windows=windows)
            var = (prop * f) ** 2 + add ** 2
            total += float(np.sum((y - f) ** 2 / var + np.log(var)))
        return total
    ofv.names = names
    return ofv


STRATA = {"cefiderocol_kawaguchi2021": "all", "ceftazidime_li2019": "phase2_3", "avibactam_li2019": "phase3",
          "aztreonam_xie2025": "phase3", "avibactam_xie2025": "all"}


def case_models(case):
    from pkdose.library import load_product

    prod = load_product(case.product)
    return {a: m.key.split("_", 1)[1] for a, m in prod.pk_models.items() if case.doses.analyte_mg[a].sum() > 0}


def joint_omega(models, names):
    om = np.zeros((len(names), len(names)))
    for i, (a, n) in enumerate(names):
        for j, (b, k) in enumerate(names):
            if a == b:
                m = models[a]
                om[i, j] = m.omega[m.omega_names.index(n), m.omega_names.index(k)]
            else:
                for own, other in ((a, b), (b, a)):
                    m = models[own]
                    key = (n, k) if own == a else (k, n)
                    if m.correlated_with == models[other].key and key in m.partner_covariance:
                        om[i, j] = m.partner_covariance[key].value
    return om


def brute_windows(case, model):
    state = case.covariates.renal_state
    if isinstance(state, Haemodialysis):
        from pkdose.exposure import _hd_clearance
        return [(s, e, _hd_clearance(model, "published")) for s, e in case.hd_sessions_h]
    if isinstance(state, CRRT):
        from pkdose.extracorporeal import crrt_clearance
        from pkdose.library import load_crrt_assumptions
        coef, delivered = load_crrt_assumptions().values(model.analyte, "central")
        return [(0.0, 1e4, float(crrt_clearance(state.effluent_l_per_h * delivered, coef, state.modality)))]
    return []


PARITY_CASES = {
    "cefiderocol native, peak and trough": lambda: cefiderocol_case(),
    "ceftazidime on CVVHDF 2 L/h (avibactam unmeasured)": lambda: TDMCase(
        dose_history("ceftazidime-avibactam", [0, 8, 16, 24], [2500] * 4, [2] * 4),
        levels("ceftazidime-avibactam", [26.5, 31.9], [70.0, 35.0], default_analyte="ceftazidime"),
        Covariates(5.0, CRRT(effluent_l_per_h=2.0, modality="CVVHDF"), weight_kg=80)),
    "aztreonam-avibactam, aztreonam measured (correlated priors)": lambda: TDMCase(
        dose_history("aztreonam-avibactam", [0, 8, 16, 24], [2000] * 4, [3] * 4),
        levels("aztreonam-avibactam", [27.5, 31.8], [55.0, 14.0], default_analyte="aztreonam"),
        Covariates(50.0, Native(), weight_kg=70)),
    "cefiderocol on haemodialysis, a level after the session": lambda: TDMCase(
        dose_history("cefiderocol", [0, 12, 24, 36], [750] * 4, [3] * 4), levels("cefiderocol", [23.5, 30.0], [28.0, 9.0]),
        Covariates(5.0, Haemodialysis(HDSchedule()), weight_kg=70), hd_sessions_h=[(25.0, 29.0)]),
}


@pytest.mark.parametrize("name", list(PARITY_CASES))
def test_predictions_match_an_independent_matrix_exponential(name):
    case = PARITY_CASES[name]()
    pb = build_problem(case)
    eta = np.random.default_rng(1).normal(0, 0.3, pb.k)
    f = pb.predict(eta[None, None])[0, 0]
    objective = brute_objective(case)
    dims = [pb.index[n] for n in objective.names]
    eta[[j for j in range(pb.k) if j not in dims]] = 0.0
    ref = objective(eta[dims])
    assert float(pb.ofv(eta[None, None])[0, 0]) == pytest.approx(ref, rel=1e-9, abs=1e-9)
    assert np.all(f > 0)


@pytest.mark.parametrize("name", list(PARITY_CASES))
def test_map_equals_an_independent_brute_force_optimisation(name):
    case = PARITY_CASES[name]()
    pb = build_problem(case)
    res = map_estimate(pb)
    objective = brute_objective(case)
    dims = [pb.index[n] for n in objective.names]
    brute = minimize(objective, np.zeros(len(dims)), method="Powell", options=dict(xtol=1e-5, ftol=1e-10))
    assert res.converged[0]
    others = [j for j in range(pb.k) if j not in dims]
    assert np.all(np.abs(res.eta[0, others]) < 1e-4)
    assert res.ofv[0] - float(pb.ofv(np.zeros((1, 1, pb.k)))[0, 0]) <= brute.fun - objective(np.zeros(len(dims))) + 1e-6
    assert np.max(np.abs(res.eta[0, dims] - brute.x)) < 2e-3
    i = objective.names.index((case.levels.analyte[0], "cl"))
    assert math.exp(res.eta[0, dims[i]] - brute.x[i]) == pytest.approx(1.0, abs=1e-3)  # CL within 0.1 %


# --- uncertainty ---------------------------------------------------------------------------------


#: The check of the Laplace approximation, measured: SD of the clearance's random effect by importance
#: sampling over the Laplace SD, and the shift of the posterior mean from the MAP in Laplace SDs.  Close to
#: 1 and 0 where the posterior is nearly normal.  Li 2019 on CRRT: two levels cannot separate the own
#: clearance (small beside the CRRT clearance) from the very variable Vc, Vp and Q (OMEGA variances up to
#: 6.7); the posterior is skewed and wider than the Laplace normal.  Haemodialysis: the Hessian at the MAP
#: overstates the spread.  This is why the advice uses the sampled posterior (pkdose.tdm.fit).
LAPLACE_CHECK = {"cefiderocol native, peak and trough": ((0.95, 1.15), (-0.5, 0.0)),
                 "ceftazidime on CVVHDF 2 L/h (avibactam unmeasured)": ((1.2, 1.55), (0.8, 1.5)),
                 "aztreonam-avibactam, aztreonam measured (correlated priors)": ((0.95, 1.15), (-0.5, 0.0)),
                 "cefiderocol on haemodialysis, a level after the session": ((0.6, 0.8), (-0.4, 0.0))}


@pytest.mark.parametrize("name", list(PARITY_CASES))
def test_laplace_is_checked_against_importance_sampling(name):
    pb = build_problem(PARITY_CASES[name]())
    res = map_estimate(pb)
    cov, ok = laplace_covariance(pb, res.eta)
    sir = sir_posterior(pb, res.eta, cov, n_proposal=20_000, rng=7)
    i = pb.index[(pb.obs_analyte[0], "cl")]
    assert ok[0]
    assert sir.ess[0] > 2_000
    (lo, hi), (s_lo, s_hi) = LAPLACE_CHECK[name]
    sd = math.sqrt(cov[0, i, i])
    assert lo < math.sqrt(sir.cov[0, i, i]) / sd < hi
    assert s_lo < (sir.mean[0, i] - res.eta[0, i]) / sd < s_hi


def test_levels_narrow_the_measured_clearance_and_leave_an_uncorrelated_analyte_at_its_prior():
    pb = build_problem(TDMCase(dose_history("ceftazidime-avibactam", [0, 8, 16, 24], [2500] * 4, [2] * 4),
                               levels("ceftazidime-avibactam", [26.0, 31.9], [60.0, 12.0], default_analyte="ceftazidime"),
                               NATIVE60))
    res = map_estimate(pb)
    cov, _ = laplace_covariance(pb, res.eta)
    caz, avi = pb.index[("ceftazidime", "cl")], pb.index[("avibactam", "cl")]
    assert cov[0, caz, caz] < 0.5 * pb.omega[caz, caz]
    assert cov[0, avi, avi] == pytest.approx(pb.omega[avi, avi], rel=1e-3)
    assert abs(res.eta[0, avi]) < 1e-3


def test_a_correlated_unmeasured_analyte_is_inferred_from_the_published_correlation():
    f = fit(PARITY_CASES["aztreonam-avibactam, aztreonam measured (correlated priors)"]())
    post, prior = f.posterior_cv_percent("avibactam", "cl")
    assert post < 0.7 * prior
    note = f.inference_note("avibactam")
    assert "not measured" in note and "correlation" in note and "0.98" in note
    li = fit(PARITY_CASES["ceftazidime on CVVHDF 2 L/h (avibactam unmeasured)"]())
    assert "no correlation" in li.inference_note("avibactam")


@settings(max_examples=15, deadline=None)
@given(st.floats(0.5, 2.0))
def test_linear_pharmacokinetics_scaling_doses_and_levels_leaves_the_estimate_unchanged(scale):
    base = map_estimate(build_problem(cefiderocol_case())).eta[0]
    d = dose_history("cefiderocol", [0, 8, 16, 24, 32], [2000 * scale] * 5, [3] * 5)
    case = TDMCase(d, levels("cefiderocol", [35.0, 39.9], [80.0 * scale, 30.0 * scale]), NATIVE60)
    np.testing.assert_allclose(map_estimate(build_problem(case)).eta[0], base, atol=2e-4)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.0, 100.0))
def test_shifting_the_clock_leaves_the_estimate_unchanged(shift):
    base = map_estimate(build_problem(cefiderocol_case())).eta[0]
    d = dose_history("cefiderocol", list(np.arange(5) * 8.0 + shift), [2000] * 5, [3] * 5)
    case = TDMCase(d, levels("cefiderocol", [35.0 + shift, 39.9 + shift], [80.0, 30.0]), NATIVE60)
    np.testing.assert_allclose(map_estimate(build_problem(case)).eta[0], base, atol=2e-4)


def test_a_changing_crcl_changes_the_clearance_in_steps():
    steps = ([0.0, 24.0], [80.0, 25.0])
    d = dose_history("cefiderocol", [0, 8, 16, 24, 32, 40], [2000] * 6, [3] * 6)
    case = TDMCase(d, levels("cefiderocol", [42.9, 47.9], [90.0, 45.0]), Covariates(25.0, Native(), weight_kg=70),
                   crcl_steps=steps)
    pb = build_problem(case)
    m = load_pk_model("cefiderocol")
    typ = m.typical_parameters(np.array(steps[1]), weight_kg=70, infection_site="bloodstream")
    np.testing.assert_allclose(pb.typical["cefiderocol"]["cl"][0], typ["cl"])
    p = {k: float(np.asarray(v).ravel()[-1]) for k, v in typ.items()}
    ref = expm_concentration(p, [(s, 2000.0, 3.0) for s in d.time_h], [42.9, 47.9], steps=(steps[0], list(typ["cl"])))
    np.testing.assert_allclose(pb.predict(np.zeros((1, 1, pb.k)))[0, 0], ref, rtol=1e-9)
    f = fit(case)
    assert f.individual()[0]["cl_l_per_h"] < pb.typical["cefiderocol"]["cl"][0, 0]
    assert case.latest_crcl_ml_per_min == 25.0


# --- the advice ----------------------------------------------------------------------------------


def test_individual_models_carry_the_posterior():
    f = fit(PARITY_CASES["aztreonam-avibactam, aztreonam measured (correlated priors)"]())
    models = individual_models(f)
    best = f.individual_parameters()
    atm, avi = models["aztreonam"], models["avibactam"]
    assert float(atm.clearance_l_per_h(80.0)) == pytest.approx(best["aztreonam"]["cl"])
    assert float(avi.clearance_l_per_h(5.0, dialysis=True)) == pytest.approx(best["avibactam"]["cl"])
    i = f.problem.index[("aztreonam", "cl")]
    assert atm.omega[0, 0] == pytest.approx(f.cov[i, i])
    j = f.problem.index[("avibactam", "cl")]
    assert avi.partner_covariance[("cl", "cl")].value == pytest.approx(f.cov[i, j])
    assert avi.key == "avibactam_xie2025" and avi.correlated_with == "aztreonam_xie2025"


def test_the_next_regimen_is_never_below_the_label_even_with_high_levels():
    # clearance about a third of typical: the label regimen is more than enough; pkdose keeps it.
    case = TDMCase(dose_history("ceftazidime-avibactam", [0, 8, 16, 24], [1250] * 4, [2] * 4),
                   levels("ceftazidime-avibactam", [26.0, 31.9], [150.0, 120.0], default_analyte="ceftazidime"),
                   Covariates(40.0, Native(), weight_kg=70))
    a = tdm_advice(fit(case), mic_mg_per_l=4, n=500)
    label = load_regimen_table("ceftazidime-avibactam")
    assert a.recommended and a.recommended[0].daily_dose_mg >= 3750.0 - 1e-9
    assert a.advice.regimens[0].dose_mg == 1250.0 and label.components
    caz = [r for r in a.ceilings if r["analyte"] == "ceftazidime" and r["regimen"] == "current"][0]
    assert caz["above"] and caz["ceiling_mg_per_l"] == 80.0 and "!!!" in caz["text"]
    avi = [r for r in a.ceilings if r["analyte"] == "avibactam"][0]
    assert avi["ceiling_mg_per_l"] is None and "no exposure ceiling is published" in avi["text"]


def test_a_short_fall_gets_a_model_informed_intensification_within_the_label_maximum():
    case = TDMCase(dose_history("cefiderocol", [0, 8, 16, 24, 32], [1500] * 5, [3] * 5),
                   levels("cefiderocol", [35.5, 39.9], [35.0, 3.0]), Covariates(45.0, Native(), weight_kg=70))
    a = tdm_advice(fit(case), mic_mg_per_l=4, n=500)
    assert a.advice.verdict.verdict != "meets"
    assert a.recommended, a.recommendation
    r = a.recommended[0]
    assert 4500.0 <= r.daily_dose_mg <= 8000.0 + 1e-9
    assert "Model-informed" in a.recommendation
    assert a.current_check.pta_at_mic < 0.9


def test_a_regimen_that_works_and_is_not_below_the_label_is_continued_with_the_label_named_as_an_option():
    # the published CVVH patient on 2 g q8h; the label for effluent 2.1-3 L/h is 2 g q12h
    case = TDMCase(dose_history("cefiderocol", np.arange(0.0, 80.01, 8.0), [2000] * 11, [3] * 11),
                   levels("cefiderocol", [75.0, 79.99], [104.94, 57.95]),
                   Covariates(5.0, CRRT(effluent_l_per_h=2.3, modality="CVVH"), infection_site="pneumonia"))
    a = tdm_advice(fit(case), mic_mg_per_l=2, n=300)
    assert a.recommended == a.current and a.recommendation.startswith("Continue the current regimen")
    assert a.advice.regimens[0].dose_mg == 2000.0 and a.advice.regimens[0].interval_h == 12.0
    assert "2 g IV q12h" in a.recommendation and "also reaches the target" in a.recommendation


def test_a_regimen_below_the_label_is_not_continued_even_when_it_reaches_the_target():
    # 1 g q8h at CrCL 60 (label 2 g q8h) with high levels: the target is met, the label floor is not
    case = TDMCase(dose_history("cefiderocol", [0, 8, 16, 24, 32], [1000] * 5, [3] * 5),
                   levels("cefiderocol", [35.0, 39.9], [70.0, 45.0]), NATIVE60)
    a = tdm_advice(fit(case), mic_mg_per_l=1, n=300)
    assert a.current_check.pta_at_mic > 0.9
    assert a.recommended[0].daily_dose_mg >= a.advice.regimens[0].daily_dose_mg == 6000.0
    assert a.recommendation.startswith("The current regimen gives less per day than the label regimen")


def test_a_ceftazidime_trough_near_the_ceiling_is_not_continued():
    case = TDMCase(dose_history("ceftazidime-avibactam", [0, 8, 16, 24], [2500] * 4, [2] * 4),
                   levels("ceftazidime-avibactam", [25.0, 31.9], [150.0, 75.0], default_analyte="ceftazidime"),
                   Covariates(60.0, Native(), weight_kg=70))
    a = tdm_advice(fit(case), mic_mg_per_l=4, n=300)
    assert "too close to the published ceiling" in a.recommendation and "was not measured" not in a.recommendation
    assert a.recommended != a.current


def test_a_resistant_mic_gets_no_regimen():
    a = tdm_advice(fit(cefiderocol_case()), mic_mg_per_l=32, n=200)
    assert a.recommended == () and "RESISTANT" in a.recommendation


def test_crrt_and_haemodialysis_cases_give_an_answer_with_their_notes():
    crrt = tdm_advice(fit(PARITY_CASES["ceftazidime on CVVHDF 2 L/h (avibactam unmeasured)"]()), mic_mg_per_l=8, n=300)
    assert any("CRRT" in n for n in crrt.notes)
    assert crrt.fit.problem.extracorporeal_cl["ceftazidime"] > 0
    hd = tdm_advice(fit(PARITY_CASES["cefiderocol on haemodialysis, a level after the session"]()), mic_mg_per_l=2,
                    n=300)
    assert any("Haemodialysis" in n for n in hd.notes)
    assert hd.current_check is None and hd.forecast.future_doses_h.size == 0
    assert individual_models(hd.fit)["cefiderocol"].hd_cl_l_per_h == pytest.approx(
        hd.fit.problem.extracorporeal_cl["cefiderocol"])


def test_the_priors_follow_the_esrd_flag_of_the_published_models():
    """Xie 2025's avibactam ESRD term applies where its population is defined (the esrd flag), as in the advice."""
    d = dose_history("aztreonam-avibactam", [0, 8], [2000, 2000], [3, 3])
    lv = levels("aztreonam-avibactam", [10.0], [40.0], default_analyte="aztreonam")
    cl = {}
    for flag in (False, True):
        pb = build_problem(TDMCase(d, lv, Covariates(10.0, Native(), weight_kg=70, esrd=flag)))
        cl[flag] = float(pb.typical["avibactam"]["cl"][0, 0])
        model = load_pk_model("avibactam", source="xie2025")
        expected = model.typical_parameters(10.0, weight_kg=70, esrd=flag, dialysis=False,
                                            infection_site=model.default_site)["cl"]
        assert cl[flag] == pytest.approx(float(np.squeeze(expected)), rel=1e-9)
    assert cl[True] != pytest.approx(cl[False], rel=1e-3)


def test_haemodialysis_without_the_hd_calibration_assumption_uses_the_published_dialyser_clearance():
    hd = Covariates(5.0, Haemodialysis(HDSchedule()), weight_kg=70)
    d = dose_history("aztreonam-avibactam", [0, 24], [2000, 2000], [3, 3])
    lv = levels("aztreonam-avibactam", [30.0], [30.0], default_analyte="aztreonam")
    plain = load_pk_model("avibactam", source="xie2025").without_assumption("hd_calibration")
    pb = build_problem(TDMCase(d, lv, hd, hd_sessions_h=[(26, 30)], pk_models={"avibactam": plain}))
    assert pb.extracorporeal_cl["avibactam"] == pytest.approx(plain.hd_cl_l_per_h)
    calibrated = build_problem(TDMCase(d, lv, hd, hd_sessions_h=[(26, 30)]))
    assert calibrated.extracorporeal_cl["avibactam"] != pytest.approx(plain.hd_cl_l_per_h, rel=1e-2)


# --- the report -----------------------------------------------------------------------------------


def test_json_document_follows_the_contract():
    a = tdm_advice(fit(PARITY_CASES["aztreonam-avibactam, aztreonam measured (correlated priors)"]()),
                   mic_mg_per_l=1, n=300)
    d = json.loads(json.dumps(tdm_to_dict(a), allow_nan=False))
    assert d["schema"] == SCHEMA_TDM == "pkdose.tdm/1"
    rows = {r["analyte"]: r for r in d["individual"]}
    assert set(rows) == {"aztreonam", "avibactam"}
    for r in rows.values():
        assert {"analyte", "cl_l_per_h", "v_l", "cl_90_l_per_h", "v_90_l", "measured", "basis"} <= set(r)
        assert r["v_l"] == pytest.approx(r["v1_l"] + r["v2_l"], rel=1e-3)
    assert rows["aztreonam"]["measured"] and not rows["avibactam"]["measured"]
    assert d["levels"][0]["observed_mg_per_l"] == 55.0
    assert "Model-informed" in d["model_informed"]


def test_text_says_the_disclaimer_once_and_labels_the_answer_model_informed():
    text = tdm_text(tdm_advice(fit(cefiderocol_case()), mic_mg_per_l=2, n=300))
    assert text.count("Decision support for healthcare professionals") == 1
    assert "Model-informed" in text and "cefiderocol" in text and "[leloudec2021]" in text


def test_every_shipped_model_has_a_patient_residual_stratum():
    s = load_tdm_settings()
    for key in STRATA:
        analyte, source = key.split("_")
        prop, _ = s.residual_sd(load_pk_model(analyte, source=source))
        assert 0 < prop < 1
