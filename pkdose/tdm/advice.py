r"""From a patient's posterior to the next regimen: individual %fT, ceilings, model-informed advice.

The posterior of a fit becomes an *individual model* per analyte
(:func:`individual_models`): the published file with every structural
parameter set to the patient's MAP value at the current renal function and
its OMEGA replaced by the Laplace posterior covariance (cross-analyte
covariances kept). Handed to the dose advice (:func:`pkdose.recommend.advise_dose`
through ``pk_model_files``), the machinery that checks a regimen in a virtual
population, searches a safer one and enforces the label floors, maxima,
infusion times and stability then works on the patient's posterior instead
of the population: its "PTA" is the posterior probability that this patient
reaches the target at his MIC, its "typical patient" the MAP individual. The
answer is labelled as model-informed.

References
----------
.. [1] Roberts JA, Abdul-Aziz MH, Lipman J, et al. Individualised antibiotic
   dosing for patients who are critically ill: challenges and potential
   solutions. Lancet Infect Dis. 2014;14(6):498-509.
   doi:10.1016/S1473-3099(14)70036-2
.. [2] Guilhaumou R, Benaboud S, Bennis Y, et al. Optimization of the treatment
   with beta-lactam antibiotics in critically ill patients - guidelines from
   the SFPT and the SFAR. Crit Care. 2019;23:104. doi:10.1186/s13054-019-2378-9
"""

import dataclasses
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from ..exposure import Covariates, pk_check, simulate_structure
from ..library import Param, load_regimen_table
from ..patient import CRRT, Haemodialysis
from ..pk import trough
from ..recommend import PTA_GOAL, advise_dose, with_pk_models
from ..regimens import Regimen, format_regimen
from .data import dose_history
from .model import build_problem
from .settings import load_tdm_settings

__all__ = ["TDMAdvice", "Forecast", "individual_models", "current_regimens", "forecast", "tdm_advice",
           "ceiling_rows", "MODEL_INFORMED"]

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
        From :func:`pkdose.tdm.fit` [-].

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
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11.

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


def ceiling_rows(fit, regimens, check, *, n_draws=1000):
    r"""Predicted Cmin/Css of a regimen against the published exposure ceilings, analyte by analyte.

    Parameters
    ----------
    fit : TDMFit
        The patient's fit [-].
    regimens : sequence of Regimen
        The regimen, one per component [-].
    check : PKCheck
        Its PK check with the individual models (its courses give the dosing
        over one period at steady state) [-].
    n_draws : int, optional
        Posterior draws for the probability above the ceiling [-].

    Returns
    -------
    list of dict
        ``analyte``, ``cmin_mg_per_l`` (MAP, total, steady state),
        ``cmin_90_mg_per_l``, ``ceiling_mg_per_l`` (None: none published),
        ``p_above_ceiling``, ``above`` and ``text`` [mg/L, -].

    Notes
    -----
    Ceftazidime: Cmin (intermittent) or Css (continuous) < 80 mg/L, total
    [1]_. No ceiling is published for cefiderocol, aztreonam or avibactam;
    the row says so.

    References
    ----------
    .. [1] Guilhaumou R, Benaboud S, Bennis Y, et al. Crit Care. 2019;23:104.
       doi:10.1186/s13054-019-2378-9 (Table 2).
    """
    ceilings = load_tdm_settings().ceilings
    draws = fit.individual_parameters(fit.draws()[:n_draws])
    best = fit.individual_parameters()
    rows = []
    for a, c in check.courses.items():
        kw = dict(structure=c.structure, t_end_h=c.period_h, steady_state=True)
        cmin = float(trough(simulate_structure(best[a], c.dosing, c.extra, **kw), 0, c.period_h)[0])
        sample = trough(simulate_structure(draws[a], c.dosing, c.extra, **kw), 0, c.period_h)
        ceiling = ceilings.get(a)
        row = {"analyte": a, "cmin_mg_per_l": cmin,
               "cmin_90_mg_per_l": [float(x) for x in np.quantile(sample, [0.05, 0.95])],
               "ceiling_mg_per_l": None if ceiling is None else ceiling.value}
        if ceiling is None:
            row.update(p_above_ceiling=None, above=False,
                       text=f"{a}: predicted Cmin/Css {cmin:.1f} mg/L; no exposure ceiling is published for {a} "
                            "(none in the SFPT/SFAR guidance, guilhaumou2019 Table 2): pkdose flags none")
        else:
            p = float(np.mean(sample > ceiling.value))
            above = cmin > ceiling.value
            flag = "ABOVE" if above else "below"
            row.update(p_above_ceiling=p, above=above,
                       text=f"{'!!! ' if above else ''}{a}: predicted Cmin/Css {cmin:.1f} mg/L (90 % credible "
                            f"{row['cmin_90_mg_per_l'][0]:.1f}-{row['cmin_90_mg_per_l'][1]:.1f}), {flag} the ceiling "
                            f"{ceiling.value:g} mg/L ({ceiling.source}: {ceiling.locator}); posterior probability "
                            f"above it {100 * p:.0f} %")
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
                f"The {what} regimen reaches the target in this patient: posterior probability "
                f"{advice.verdict.text()} ({goal_text}). {MODEL_INFORMED}.")
    if advice.alternative:
        return (advice.alternative, advice.alternative_check,
                f"Model-informed regimen: {advice.alternative_verdict.text()} ({goal_text}). {advice.alternative_reason} "
                f"{MODEL_INFORMED}.")
    return ((), None, f"No regimen within the labelled maxima and allowed infusion times reaches the target with "
                      f"{100 * PTA_GOAL:g} % posterior probability in this patient. {advice.alternative_note}")


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
    indiv = individual_models(fit)
    advice = advise_dose(case.product, jurisdiction=jurisdiction, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng,
                         search=search, organism=organism, pk_model_files=tuple(indiv.values()), **_renal_kwargs(case))
    prod = with_pk_models(fit.problem.product, tuple(indiv.values()))
    cov = Covariates(case.latest_crcl_ml_per_min, case.covariates.renal_state)
    current = current_regimens(case.doses)
    current_check = None
    if current and not isinstance(case.covariates.renal_state, Haemodialysis) \
            and {r.component for r in current} == set(load_regimen_table(case.product).components):
        current_check = pk_check(prod, current, cov, mic_mg_per_l=advice.mic_mg_per_l, n=n, rng=rng, mics=())
    goal = f"target {advice.target_text} at MIC {advice.mic_mg_per_l:g} mg/L"
    recommended, rec_check, line = _recommendation(advice, goal)
    ceilings = []
    for label, regs, chk in (("current", current, current_check), ("recommended", recommended, rec_check)):
        if chk is not None:
            ceilings += [dict(r, regimen=label) for r in ceiling_rows(fit, regs, chk)]
    changing = None
    if trajectory is not None:
        from ..changing_renal import changing_renal_advice
        changing = changing_renal_advice(trajectory, case.product, jurisdiction=jurisdiction)
    return TDMAdvice(fit, advice, current, current_check, tuple(recommended), rec_check, line, tuple(ceilings),
                     _notes(fit, changing), forecast(fit))


def regimen_text(regimens):
    """One line per component, as a pharmacist writes it [-]."""
    return "; ".join(f"{r.component}: {format_regimen(r)}" for r in regimens)

