r"""From a patient's posterior to the next regimen: individual %fT, ceilings, model-informed advice.

The posterior of a fit becomes an *individual model* per analyte
(:func:`individual_models`): the published file with every structural
parameter set to the patient's posterior-mean value at the current renal
function and its OMEGA replaced by the posterior covariance (cross-analyte
covariances kept). Handed to the dose advice (:func:`pkdose.recommend.advise_dose`
takes the product with these models, :func:`individual_product`), the machinery that checks a regimen in a virtual
population, searches a safer one and enforces the label floors, maxima,
infusion times and stability then works on the patient's posterior instead
of the population: its "PTA" is the posterior probability that this patient
reaches the target at his MIC, its "typical patient" the MAP individual. The
answer is labelled as model-informed.

References
----------
.. [1] Roberts JA, et al. Lancet Infect Dis. 2014;14(6):498-509.
   doi:10.1016/S1473-3099(14)70036-2 (individualised dosing in the ICU)
.. [2] Guilhaumou R, Benaboud S, Bennis Y, et al. Optimization of the treatment
   with beta-lactam antibiotics in critically ill patients - guidelines from
   the SFPT and the SFAR. Crit Care. 2019;23:104. doi:10.1186/s13054-019-2378-9
"""

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..exposure import Covariates, pk_check
from ..library import Param, load_regimen_table
from ..patient import CRRT, Haemodialysis
from ..recommend import PTA_GOAL, advise_dose, assess, ceiling_checks
from ..regimens import Regimen, format_regimen
from .data import dose_history
from .model import build_problem

__all__ = ["TDMAdvice", "Forecast", "individual_models", "individual_product", "current_regimens", "forecast",
           "tdm_advice", "ceiling_rows", "MODEL_INFORMED"]

#: How every TDM regimen is labelled.
MODEL_INFORMED = ("Model-informed from this patient's levels (Bayesian estimation with the published model as "
                  "prior), not labelled dosing")
_LOCATOR = "individual MAP estimate from the patient's levels (pkdose.tdm)"
_PARAM_KEYS = {"cl": "cl_l_per_h", "v1": "v1_l", "q2": "q2_l_per_h", "v2": "v2_l", "q3": "q3_l_per_h", "v3": "v3_l"}


def individual_models(fit):
    r"""The patient's posterior as one PK model per analyte, for the dose-advice machinery.

    Parameters
    ----------
    fit : TDMFit
        From :func:`pkdose.tdm.fit`: its posterior mean and covariance [-].

    Returns
    -------
    dict
        Analyte -> :class:`~pkdose.library.PKModel` whose typical values are
        the patient's posterior-mean parameters at the latest CrCL, without
        covariate effects or declared assumptions, whose OMEGA is the posterior
        covariance and whose partner covariances are the posterior
        cross-analyte covariances [-].

    Notes
    -----
    With :math:`\theta = \theta_{typ} e^{\eta}` and :math:`\eta \mid y \approx
    N(\bar\eta, \Sigma)` (the posterior's moments, :class:`~pkdose.tdm.TDMFit`), the posterior of :math:`\theta` is that of a
    "population" with typical value :math:`\theta_{typ} e^{\bar\eta}` and
    OMEGA :math:`\Sigma`: a virtual population drawn from this model is a
    sample of the patient's posterior, and its PTA the posterior probability
    of target attainment. On haemodialysis the model carries the dialyser
    clearance the fit used, so that the advice removes drug as the fit did.

    References
    ----------
    .. [1] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Forecasting individual
       pharmacokinetics. Clin Pharmacol Ther. 1979;26(3):294-305.
       doi:10.1002/cpt1979263294
    """
    pb = fit.problem
    best = fit.individual_parameters()
    out = {}
    for a in pb.analytes:
        m = pb.product.pk_models[a] if a not in fit.case.pk_models else fit.case.pk_models[a]
        idx = [pb.index[(a, n)] for n in m.omega_names]
        params = dict(m.params)
        for name, value in best[a].items():
            params[_PARAM_KEYS[name]] = Param(float(value), m.params[_PARAM_KEYS[name]].unit, m.source, _LOCATOR)
        partner = {}
        for b in pb.analytes:
            other = pb.product.pk_models[b]
            if b != a and other.key == m.correlated_with:
                for own in m.omega_names:
                    for theirs in other.omega_names:
                        partner[(own, theirs)] = Param(float(fit.cov[pb.index[(a, own)], pb.index[(b, theirs)]]), "1",
                                                       m.source, _LOCATOR)
        extra = dict(m.extracorporeal)
        if isinstance(fit.case.covariates.renal_state, Haemodialysis):
            extra["hd_cl_l_per_h"] = Param(pb.extracorporeal_cl[a], "L/h", m.source,
                                           "dialyser clearance used by the fit (pkdose.exposure)")
        omega = np.array(fit.cov[np.ix_(idx, idx)])
        omega = (omega + omega.T) / 2
        omega.flags.writeable = False
        out[a] = dataclasses.replace(
            m, params=MappingProxyType(params), effects=(), assumptions=MappingProxyType({}), disabled=frozenset(),
            omega=omega, partner_covariance=MappingProxyType(partner if m.correlated_with else {}),
            extracorporeal=MappingProxyType(extra),
            population="one patient: posterior of the published model given the patient's levels",
            note=f"Individual model from pkdose.tdm ({MODEL_INFORMED}).")
    return out


def individual_product(fit):
    r"""The product with the patient's individual models in place of the population's.

    Parameters
    ----------
    fit : TDMFit
        The patient's fit, whose posterior gives the models [-].

    Returns
    -------
    Product
        Target, breakpoints and ceilings of the product; PK models from
        :func:`individual_models` [-].

    References
    ----------
    .. [1] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Clin Pharmacol Ther.
       1979;26(3):294-305. doi:10.1002/cpt1979263294
    """
    prod = fit.problem.product
    return dataclasses.replace(prod, pk_models=MappingProxyType({**prod.pk_models, **individual_models(fit)}))


def current_regimens(doses):
    r"""The regimen each component is on now, read from the last two doses of the record.

    Parameters
    ----------
    doses : DoseHistory
        The dose record [-].

    Returns
    -------
    tuple of Regimen
        One per component with at least two doses: the last dose, its
        infusion time and the interval since the dose before it (a
        continuous infusion when the infusion fills the interval) [-].

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11 (the dosing
       interval of a multiple-dose regimen).

    Examples
    --------
    >>> from pkdose.tdm import dose_history
    >>> r = current_regimens(dose_history("cefiderocol", [0, 8, 16], [2000, 2000, 1500], [3, 3, 3]))[0]
    >>> r.dose_mg, r.interval_h, r.infusion_h
    (1500.0, 8.0, 3.0)
    """
    out = []
    for c in dict.fromkeys(doses.component):
        rows = [i for i, x in enumerate(doses.component) if x == c]
        if len(rows) < 2:
            continue
        last, before = rows[-1], rows[-2]
        tau = float(doses.time_h[last] - doses.time_h[before])
        infusion = min(float(doses.infusion_h[last]), tau)
        split = {a: float(mg[last]) for a, mg in doses.analyte_mg.items() if mg[last] > 0}
        out.append(Regimen(c, float(doses.amount_mg[last]), tau, infusion, analyte_dose_mg=split,
                           evidence="the patient's current regimen (dose record)"))
    return tuple(out)


@dataclass(frozen=True)
class Forecast:
    r"""Predicted concentrations from the first dose to after the next dose, with a credible band.

    Attributes
    ----------
    t_h : numpy.ndarray
        Times [h].
    analytes : tuple of str
        Analytes forecast [-].
    map_mg_per_l : numpy.ndarray
        MAP prediction, total, (n_analytes, n_times) [mg/L].
    lower_mg_per_l, upper_mg_per_l : numpy.ndarray
        Central 90 % credible band of the prediction from the parameters'
        uncertainty (Laplace posterior; residual error not included) [mg/L].
    population_mg_per_l : numpy.ndarray
        Prediction of the typical patient with the patient's covariates (the
        prior), same doses [mg/L].
    future_doses_h : numpy.ndarray
        Start of the doses assumed after the record (the current regimen
        continued) [h].
    """

    t_h: np.ndarray
    analytes: tuple
    map_mg_per_l: np.ndarray
    lower_mg_per_l: np.ndarray
    upper_mg_per_l: np.ndarray
    future_doses_h: np.ndarray
    population_mg_per_l: np.ndarray


def forecast(fit, hours_ahead=24.0, n_points=400, n_draws=400):
    r"""MAP concentration curve over the record and the next hours, current regimen continued.

    Parameters
    ----------
    fit : TDMFit
        From :func:`pkdose.tdm.fit` [-].
    hours_ahead : float, optional
        Hours after the later of the last dose and the last level [h].
    n_points : int, optional
        Points of the curve (the levels' and doses' times are added) [-].
    n_draws : int, optional
        Posterior draws behind the band (the first of the fit's seeded draws) [-].

    Returns
    -------
    Forecast

    Notes
    -----
    Native kidneys and CRRT: the current regimen (:func:`current_regimens`)
    continues after the last dose. Haemodialysis: no further dose or
    session is assumed (their timing is the unit's).

    References
    ----------
    .. [1] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Clin Pharmacol Ther.
       1979;26(3):294-305. doi:10.1002/cpt1979263294
    """
    case = fit.case
    d = case.doses
    end = max(float((d.time_h + d.infusion_h).max()), float(case.levels.time_h.max())) + float(hours_ahead)
    t, amount, infusion, comp = list(d.time_h), list(d.amount_mg), list(d.infusion_h), list(d.component)
    future = []
    if not isinstance(case.covariates.renal_state, Haemodialysis):
        for r in current_regimens(d):
            last = max(x for x, c in zip(d.time_h, d.component) if c == r.component)
            nxt = last + r.interval_h
            while nxt < end:
                t.append(nxt), amount.append(r.dose_mg), infusion.append(r.infusion_h), comp.append(r.component)
                future.append(nxt)
                nxt += r.interval_h
    doses = dose_history(case.product, t, amount, infusion, comp)
    ext = dataclasses.replace(case, doses=doses)
    pb = build_problem(ext, t_end_h=end)
    grid = np.union1d(np.linspace(min(pb.t_start_h.values()), end, n_points), case.levels.time_h)
    analytes = pb.analytes
    times = np.concatenate([grid] * len(analytes))
    which = np.repeat(np.array(analytes), grid.size)
    free = np.zeros(times.size, dtype=bool)
    keep = times >= np.array([pb.t_start_h[a] for a in which])
    kw = dict(times_h=times[keep], free=free[keep], analytes=which[keep])
    best, pop = np.full(times.size, np.nan), np.full(times.size, np.nan)
    best[keep] = pb.predict(fit.eta[None, None], **kw)[0, 0]
    pop[keep] = pb.predict(np.zeros((1, 1, pb.k)), **kw)[0, 0]
    band = np.full((2, times.size), np.nan)
    draws = pb.predict(fit.draws()[:n_draws][None], **kw)[0]
    band[:, keep] = np.quantile(draws, [0.05, 0.95], axis=0)
    shape = (len(analytes), grid.size)
    return Forecast(grid, analytes, best.reshape(shape), band[0].reshape(shape), band[1].reshape(shape),
                    np.array(sorted(set(future))), pop.reshape(shape))


def ceiling_rows(checks, regimen):
    r"""The dose advice's ceiling checks on the individual models, as rows a pharmacist reads.

    Parameters
    ----------
    checks : sequence of CeilingCheck
        From :func:`pkdose.recommend.ceiling_checks` run on the individual
        models: ``cmin_mg_per_l`` is this patient's predicted steady-state
        Cmin/Css (posterior mean), ``share_above`` the posterior probability
        above the ceiling [-].
    regimen : str
        ``"current"``, ``"label"`` or ``"recommended"`` [-].

    Returns
    -------
    list of dict
        ``regimen``, ``analyte``, ``cmin_mg_per_l``, ``ceiling_mg_per_l``
        (None: none published), ``p_above_ceiling``, ``above``, ``where``,
        ``source``, ``locator``, ``text`` [mg/L, -].

    Notes
    -----
    Ceftazidime: Cmin (intermittent) or Css (continuous) < 80 mg/L, total
    [1]_, from ``models/targets.toml``. No ceiling is published for
    cefiderocol, aztreonam or avibactam; the row says so.

    References
    ----------
    .. [1] Guilhaumou R, Benaboud S, Bennis Y, et al. Crit Care. 2019;23:104.
       doi:10.1186/s13054-019-2378-9 (Table 2).
    """
    rows = []
    for c in checks:
        row = {"regimen": regimen, "analyte": c.analyte, "cmin_mg_per_l": c.cmin_mg_per_l,
               "ceiling_mg_per_l": c.ceiling_mg_per_l, "p_above_ceiling": c.share_above, "above": c.exceeded,
               "where": c.where, "source": c.source, "locator": c.locator}
        if c.ceiling_mg_per_l is None:
            row["text"] = (f"{c.analyte}: no exposure ceiling is published ({c.source}: {c.locator}); pkdose flags "
                           "none")
        else:
            where = "" if c.where == "patient" else f" at the {c.where}"
            row["text"] = (f"{'!!! ' if c.exceeded else ''}{c.analyte}: predicted Cmin/Css{where} {c.cmin_mg_per_l:.1f} "
                           f"mg/L in this patient, {'ABOVE' if c.exceeded else 'below'} the ceiling "
                           f"{c.ceiling_mg_per_l:g} mg/L ({c.source}: {c.locator}); posterior probability above it "
                           f"{100 * c.share_above:.0f} %")
        rows.append(row)
    return rows


@dataclass(frozen=True)
class TDMAdvice:
    r"""The TDM answer: fit, current regimen, next regimen, ceilings, notes.

    Attributes
    ----------
    fit : TDMFit
        The patient's fit [-].
    advice : DoseAdvice
        The dose advice computed on the individual models: its ``regimens``
        (label or published) with the posterior ``verdict``, and its
        model-informed ``alternative`` when the label regimen falls short [-].
    current : tuple of Regimen
        The regimen the record shows the patient is on [-].
    current_check : PKCheck or None
        Its check on the individual models (``typical``: the MAP individual;
        PTA: posterior probability of target attainment) [-].
    recommended : tuple of Regimen
        The next regimen: the label (or published) regimen when it reaches
        the target with at least 90 % posterior probability, else the
        model-informed alternative; empty when none does [-].
    recommended_check : PKCheck or None
        Its check [-].
    recommendation : str
        One line saying what to give and why [-].
    ceilings : tuple of dict
        :func:`ceiling_rows` of the current and the recommended regimen [-].
    notes : tuple of str
        CRRT and dialysis, changing renal function (how each analyte was
        inferred is in the fit's ``individual()`` rows, its warnings in
        ``fit.warnings``) [-].
    forecast : Forecast
        Predictions over the record and the next hours [-].
    """

    fit: object
    advice: object
    current: tuple
    current_check: object
    recommended: tuple
    recommended_check: object
    recommendation: str
    ceilings: tuple
    notes: tuple
    forecast: object


def _renal_kwargs(case):
    state = case.covariates.renal_state
    if isinstance(state, (Haemodialysis, CRRT)):
        return {"renal_state": state}
    return {"renal_state": state, "crcl_ml_per_min": case.latest_crcl_ml_per_min}


def _notes(fit, changing):
    notes = []
    state = fit.case.covariates.renal_state
    if isinstance(state, CRRT):
        notes.append("CRRT: the levels measured the total clearance; the fit put the central CRRT clearance of "
                     "models/crrt.toml on top of the patient's own. The dose advice still judges each regimen at "
                     "the high end of the CRRT clearance range (under-dosing is the worse error), which adds "
                     "clearance the levels may already contain: conservative.")
    if isinstance(state, Haemodialysis):
        notes.append("Haemodialysis: fitted with the actual session times; the next doses follow the dialysis days "
                     "(after each session); use pkdose.hd_timing for 'give now, next at ...' from the real session "
                     "end.")
    if fit.case.crcl_steps is not None:
        start, crcl = fit.case.crcl_steps
        notes.append(f"Renal function changed during the record (CrCL {', '.join(f'{c:.0f}' for c in crcl)} mL/min "
                     f"from {', '.join(f'{s:g}' for s in start)} h): the fit followed it; the advice uses the "
                     f"latest CrCL ({crcl[-1]:.0f} mL/min). Re-check the levels after the next change.")
    if changing is not None:
        notes += list(changing.notes)
    return tuple(notes)


def _recommendation(advice, goal_text):
    if advice.susceptibility is not None and advice.susceptibility.category == "R":
        return ((), None, f"No regimen: the MIC is {advice.susceptibility.text}. {advice.alternative_note}")
    if advice.regimens and advice.verdict is not None and advice.verdict.meets:
        what = "label" if advice.basis == "label" else advice.basis_text
        return (advice.regimens, advice.check,
                f"Regimen of the dose advice ({what}): it reaches the target in this patient, posterior probability "
                f"{advice.verdict.text()} ({goal_text}). Only this probability is model-informed (from this "
                "patient's levels, Bayesian estimation with the published model as prior); the regimen is not.")
    if advice.alternative:
        return (advice.alternative, advice.alternative_check,
                f"Model-informed regimen: {advice.alternative_verdict.text()} ({goal_text}). {advice.alternative_reason} "
                f"{MODEL_INFORMED}.")
    return ((), None, f"No regimen within the labelled maxima and allowed infusion times reaches the target with "
                      f"{100 * PTA_GOAL:g} % posterior probability in this patient. {advice.alternative_note}")


def _daily(regimens):
    return {r.component: r.daily_dose_mg for r in regimens}


def _continue_current(advice, current, current_check, current_ceilings, prod, cov, goal_text, n, rng,
                      measured=()):
    """((regimens, check, line) or None, why not): whether the current regimen may simply continue.

    It continues when it reaches the goal in this patient (the dose advice's verdict, on CRRT at the
    high-clearance end as the advice judges), is not below the dose advice's regimen for this renal
    state (the label floor) nor above its cited daily maximum, and its predicted Cmin/Css stays below
    every published ceiling with a posterior probability above it below 1 - PTA_GOAL.
    """
    if current_check is None or not advice.regimens or (
            advice.susceptibility is not None and advice.susceptibility.category == "R"):
        return None, ""
    what = "label" if advice.basis == "label" else advice.basis_text
    floor, now = _daily(advice.regimens), _daily(current)
    if set(floor) != set(now):
        return None, ""
    if any(now[c] < floor[c] - 1e-9 for c in floor):
        return None, f"The current regimen gives less per day than the {what} regimen for this renal function."
    if any(r.max_daily_dose_mg is not None and now[r.component] > r.max_daily_dose_mg + 1e-9
           for r in advice.regimens):
        return None, "The current regimen is above the cited daily maximum."
    high = [r for r in current_ceilings if r["above"] or (r["p_above_ceiling"] or 0.0) >= 1 - PTA_GOAL]
    if high:
        return None, (f"The current regimen's predicted {high[0]['analyte']} Cmin/Css "
                      f"({high[0]['cmin_mg_per_l']:.0f} mg/L; posterior probability above "
                      f"{high[0]['ceiling_mg_per_l']:g} mg/L {100 * high[0]['p_above_ceiling']:.0f} %) is too close "
                      "to the published ceiling to continue it"
                      + ("." if high[0]["analyte"] in measured else
                         f" ({high[0]['analyte']} was not measured: its prediction rests on the prior; a "
                         f"{high[0]['analyte']} level would narrow it)."))
    judged = dataclasses.replace(cov, crrt_scenario="high") if isinstance(cov.renal_state, CRRT) else cov
    check, verdict = assess(prod, current, judged, mic_mg_per_l=advice.mic_mg_per_l, n=n, rng=rng, mics=())
    if not verdict.meets:
        return None, f"The current regimen does not reach the goal in this patient: {verdict.text()}."
    if all(abs(now[c] - floor[c]) < 1e-9 for c in floor):
        other = f"It gives the same daily amount as the {what} regimen for this renal function."
    elif advice.verdict is not None and advice.verdict.meets:
        other = (f"The {what} regimen for this renal function ({regimen_text(advice.regimens)}) gives less per day "
                 f"and also reaches the target (posterior probability {100 * advice.verdict.pta:.1f} %): an option "
                 "if exposure is a concern.")
    else:
        other = (f"The {what} regimen for this renal function ({regimen_text(advice.regimens)}) gives less per day "
                 "and would not reach the target in this patient"
                 + (f" (posterior probability {100 * advice.verdict.pta:.1f} %)" if advice.verdict is not None
                    else "") + ".")
    line = (f"Continue the current regimen: it reaches the target in this patient, posterior probability "
            f"{verdict.text()} ({goal_text}); it is not below the {what} regimen, within the cited daily maximum, "
            f"and below every published exposure ceiling. {other} The probability is model-informed from this "
            "patient's levels (Bayesian estimation with the published model as prior).")
    return (tuple(current), check, line), ""


def tdm_advice(fit, *, mic_mg_per_l=None, jurisdiction="US", organism="Enterobacterales", n=1000, rng=2026,
               search=True, trajectory=None):
    r"""The next regimen for a fitted patient: at his MIC, with 90 % posterior probability, within the label.

    Parameters
    ----------
    fit : TDMFit
        From :func:`pkdose.tdm.fit` [-].
    mic_mg_per_l : float, optional
        MIC of the isolate; default the susceptible breakpoint [mg/L].
    jurisdiction : {"US", "EU"}, optional
        Label [-].
    organism : str, optional
        ``"Enterobacterales"`` or ``"Pseudomonas aeruginosa"`` (breakpoints) [-].
    n : int, optional
        Posterior draws to start with (the verdict adds more when needed) [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    search : bool, optional
        Search a model-informed regimen when the label one falls short [-].
    trajectory : KineticCrclTrajectory, optional
        The kinetic CrCL behind ``case.crcl_steps``: adds the label bands, the
        re-check time and the early-AKI advice
        (:func:`pkdose.changing_renal.changing_renal_advice`) [-].

    Returns
    -------
    TDMAdvice

    Raises
    ------
    InputError
        Invalid MIC, organism or jurisdiction (from the dose advice).

    Notes
    -----
    The dose advice runs on the individual models (:func:`individual_models`):
    the label (or published) regimen for the current renal state is checked
    against the product's target at the MIC; its "PTA" is the posterior
    probability that this patient attains it, judged against the 90 % goal
    with its Monte Carlo interval; when it falls short, the search proposes
    the least intensification that meets it under the hard constraints of the
    dose advice (never below the label or the published CRRT regimen, cited
    maxima, infusion times and stability, loading dose before a continuous
    infusion). pkdose never proposes less than the label, even when the levels
    are high: a predicted Cmin above a published ceiling is flagged for the
    prescriber instead.

    References
    ----------
    .. [1] Roberts JA, Abdul-Aziz MH, Lipman J, et al. Lancet Infect Dis.
       2014;14(6):498-509. doi:10.1016/S1473-3099(14)70036-2
    .. [2] Guilhaumou R, Benaboud S, Bennis Y, et al. Crit Care. 2019;23:104.
       doi:10.1186/s13054-019-2378-9 (Table 2).
    """
    case = fit.case
    prod = individual_product(fit)
    advice = advise_dose(prod, jurisdiction=jurisdiction, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, search=search,
                         organism=organism, **_renal_kwargs(case))
    cov = Covariates(case.latest_crcl_ml_per_min, case.covariates.renal_state)
    current = current_regimens(case.doses)
    current_check = None
    ceilings = []
    if current and not isinstance(case.covariates.renal_state, Haemodialysis) \
            and {r.component for r in current} == set(load_regimen_table(case.product).components):
        current_check = pk_check(prod, current, cov, mic_mg_per_l=advice.mic_mg_per_l, n=n, rng=rng, mics=())
        ceilings += ceiling_rows(ceiling_checks(prod, current, cov, n=n, rng=rng), "current")
    goal = f"target {advice.target_text} at MIC {advice.mic_mg_per_l:g} mg/L"
    kept, why_not = _continue_current(advice, current, current_check, ceilings, prod, cov, goal, n, rng,
                                      measured=fit.measured)
    if kept is not None:
        recommended, rec_check, line = kept
        ceilings += [dict(r, regimen="recommended") for r in ceilings]
    else:
        recommended, rec_check, line = _recommendation(advice, goal)
        line = " ".join(x for x in (why_not, line) if x)
        if recommended:
            chosen = advice.ceilings if tuple(recommended) == tuple(advice.regimens) else advice.alternative_ceilings
            ceilings += ceiling_rows(chosen, "recommended")
    changing = None
    if trajectory is not None:
        from ..changing_renal import changing_renal_advice
        changing = changing_renal_advice(trajectory, case.product, jurisdiction=jurisdiction)
    return TDMAdvice(fit, advice, current, current_check, tuple(recommended), rec_check, line, tuple(ceilings),
                     _notes(fit, changing), forecast(fit))


def regimen_text(regimens):
    """One line per component, as a pharmacist writes it [-]."""
    return "; ".join(f"{r.component}: {format_regimen(r)}" for r in regimens)

