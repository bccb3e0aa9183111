r"""How a regimen performs in the PK model for one patient: typical exposure, %fT and PTA.

This module connects the pieces (pvlib's ModelChain idea, kept small): for a
product's regimen(s) and a patient's renal state it builds each analyte's
dosing over one *period*, the extracorporeal clearance, the typical patient and
a virtual population, and evaluates the product's PD target.

Period and steady state
    Native kidneys or CRRT: the period is the least common multiple of the
    components' dosing intervals (24 h for q8h + q12h). Intermittent
    haemodialysis: one week (168 h), doses placed by
    :func:`pkdose.schedule.hd_dose_times`. Every evaluation is at the periodic
    steady state (closed form, :func:`pkdose.pk.simulate`) over the whole
    period. The loading dose matters for the first day only: the typical
    patient's %fT over the first 24 h of therapy, from an empty body, is
    reported separately (``typical_first_24h_ft_percent``).

Dialysis clearance
    Where the model file gives a measured dialyser clearance
    (``hd_cl_l_per_h``, aztreonam: Gerig 1984) it is used as is. Otherwise the
    session clearance is calibrated so that one session of the published
    length removes the published fraction from the kind of subject it was
    measured in: the model's *reference* (uninfected) subject with kidney
    failure (residual CrCL 5 mL/min, the model's ESRD rule where it has one),
    using :func:`pkdose.extracorporeal.calibrate_hd_clearance`. It is a
    property of the dialyser and the drug, so every virtual patient gets the
    same value.
    CRRT clearance is ``coefficient x delivered fraction x prescribed effluent``,
    with a cited low, central and high value of each factor in
    ``models/crrt.toml`` (:func:`pkdose.library.load_crrt_assumptions`); the
    covariate ``crrt_scenario`` chooses the end of that range.

Variability
    Log-normal CL and V per analyte from the model file; where a model declares
    a correlation with its partner (aztreonam-avibactam, Xie 2025) the random
    effects are drawn jointly, otherwise independently (a stated assumption for
    ceftazidime and avibactam, which Li 2019 modelled separately).

References
----------
.. [1] Li J, Lovern M, Green ML, et al. Ceftazidime-avibactam population
   pharmacokinetic modeling and pharmacodynamic target attainment across adult
   indications and patient subgroups. Clin Transl Sci. 2019;12(2):151-163.
   doi:10.1111/cts.12585
.. [2] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Population
   pharmacokinetic/pharmacodynamic modeling to optimize aztreonam-avibactam dose
   regimens for adult patients. Antimicrob Agents Chemother.
   2025;69(8):e01950-24. doi:10.1128/aac.01950-24
.. [3] Holmgren WF, Hansen CW, Mikofski MA. pvlib python: a python package for
   modeling solar energy systems. J Open Source Softw. 2018;3(29):884.
   doi:10.21105/joss.00884 (the ModelChain pattern).
"""

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import InputError
from .extracorporeal import calibrate_hd_clearance, crrt_clearance, hd_sessions
from .library import CRRT_SCENARIOS, load_crrt_assumptions
from .patient import CRRT, Haemodialysis
from .pd import ft_above_percent
from .pk import Dosing, ExtraClearance, auc, peak, simulate, trough
from .pta import attainment, lognormal_etas
from .schedule import WEEK_H, hd_dose_times

__all__ = [
    "Covariates",
    "AnalyteCourse",
    "PKCheck",
    "HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN",
    "MIC_GRID_MG_PER_L",
    "analyte_courses",
    "pk_check",
    "sample_covariates",
    "population_pta",
]

#: Residual CrCL of the reference patient used to calibrate dialysis clearance [mL/min].
HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN = 5.0

#: Doubling MIC grid for PTA tables [mg/L].
MIC_GRID_MG_PER_L = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)


@dataclass(frozen=True)
class Covariates:
    """What the PK models need to know about the patient.

    Parameters
    ----------
    crcl_ml_per_min : float
        Native (or residual, on dialysis) creatinine clearance [mL/min].
    renal_state : Native, Haemodialysis or CRRT
        Renal state from :mod:`pkdose.patient` [-].
    weight_kg : float, optional
        Total body weight; None uses each model's reference weight [kg].
    bsa_m2 : float, optional
        Body-surface area; None uses 1.73 m2 in BSA-normalised models [m2].
    crrt_scenario : {"low", "central", "high"}, optional
        End of the CRRT clearance range (``models/crrt.toml``) [-].
    """

    crcl_ml_per_min: float
    renal_state: object
    weight_kg: float | None = None
    bsa_m2: float | None = None
    crrt_scenario: str = "central"

    def __post_init__(self):
        if self.crrt_scenario not in CRRT_SCENARIOS:
            raise InputError(f"crrt_scenario={self.crrt_scenario!r}: use one of {', '.join(CRRT_SCENARIOS)}")

    @property
    def on_hd(self):
        """True on intermittent haemodialysis [-]."""
        return isinstance(self.renal_state, Haemodialysis)


@dataclass(frozen=True)
class AnalyteCourse:
    """One analyte's dosing over one period and its typical-patient parameters.

    Parameters
    ----------
    analyte : str
        Drug [-].
    model : PKModel
        Population-PK model used [-].
    dosing : Dosing
        Infusions within one period (maintenance and HD supplements) [-].
    period_h : float
        Length of the repeating schedule [h].
    extra : ExtraClearance or None
        Dialysis or CRRT clearance windows within the period [-].
    cl_l_per_h : float
        Typical patient's own clearance (without dialysis) [L/h].
    v_l : float
        Typical volume [L].
    extracorporeal_cl_l_per_h : float
        Clearance added during a session (HD) or throughout (CRRT); 0 if none [L/h].
    first_dose_mg : float
        Amount of the first dose (the loading dose when there is one) [mg].
    first_dose_h : float
        Infusion time of the first dose; NaN: as the maintenance doses [h].
    first_dose_added : bool
        The loading dose comes before a continuous infusion, which starts
        when it ends (instead of the loading dose replacing the first dose) [-].
    """

    analyte: str
    model: object
    dosing: Dosing
    period_h: float
    extra: ExtraClearance | None
    cl_l_per_h: float
    v_l: float
    extracorporeal_cl_l_per_h: float
    first_dose_mg: float = float("nan")
    first_dose_h: float = float("nan")
    first_dose_added: bool = False


def _period_h(regimens, on_hd):
    if on_hd:
        return WEEK_H
    taus = [r.interval_h for r in regimens]
    if any(t != round(t) for t in taus):
        raise InputError(f"dosing intervals must be whole hours to combine components, got {taus}")
    return float(math.lcm(*(int(round(t)) for t in taus)))


def _dose_starts(regimen, period_h, session_end_h):
    if session_end_h is not None:
        return hd_dose_times(regimen.interval_h, session_end_h)
    return np.arange(0.0, period_h, regimen.interval_h)


def _period_dosing(regimen, analyte, period_h, session_end_h):
    """Maintenance doses of one analyte in one period, plus post-dialysis supplements."""
    share = regimen.analyte_dose_mg.get(analyte, regimen.dose_mg) / regimen.dose_mg
    starts = _dose_starts(regimen, period_h, session_end_h)
    amounts = np.full(starts.size, regimen.dose_mg * share)
    durations = np.full(starts.size, regimen.infusion_h)
    if session_end_h is not None and regimen.post_hd_supplement_mg:
        starts = np.concatenate([starts, session_end_h])
        amounts = np.concatenate([amounts, np.full(session_end_h.size, regimen.post_hd_supplement_mg * share)])
        durations = np.concatenate([durations, np.full(session_end_h.size, regimen.infusion_h)])
    order = np.argsort(starts, kind="stable")
    return Dosing(starts[order], amounts[order], durations[order])


#: Parameters swapped for their reference-subject alternatives when calibrating dialysis:
#: the published removal fractions come from stable ESRD subjects, not infected patients.
_REFERENCE_SUBJECT = (("cl_site_ratio", "cl_site_reference_ratio"),
                      ("v_weight_scaled_l", "v_weight_scaled_reference_l"))


def _hd_clearance(model):
    """Session clearance: measured, or calibrated to the published fraction removed (module Notes)."""
    if model.hd_cl_l_per_h is not None:
        return float(model.hd_cl_l_per_h)
    ref = model
    for name, alternative in _REFERENCE_SUBJECT:
        if alternative in model.alternatives:
            ref = ref.with_alternative(name, alternative)
    v_ref = float(ref.volume_l())
    cl_res = float(ref.clearance_l_per_h(HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN, esrd=True))
    return calibrate_hd_clearance(model.hd_fraction_removed, model.hd_session_h, v_ref, cl_res)


def _extra(model, cov, period_h):
    state = cov.renal_state
    if isinstance(state, Haemodialysis):
        start, end = hd_sessions(state.schedule, 0.0, period_h)
        cl = _hd_clearance(model)
        return ExtraClearance(start, np.minimum(end, period_h), np.full(start.size, cl)), cl
    if isinstance(state, CRRT):
        coefficient, delivered = load_crrt_assumptions().values(model.analyte, cov.crrt_scenario)
        cl = crrt_clearance(state.effluent_l_per_h * delivered, coefficient, state.modality)
        return ExtraClearance([0.0], [period_h], [cl]), float(cl)
    return None, 0.0


def analyte_courses(product, regimens, cov):
    """Build every analyte's one-period course for a product's regimens.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` (target and PK models) [-].
    regimens : sequence of Regimen
        One regimen per component, from :func:`pkdose.regimens.select_regimens`
        or a model-informed candidate [-].
    cov : Covariates
        Patient covariates and renal state [-].

    Returns
    -------
    dict
        Analyte name -> :class:`AnalyteCourse` [-].

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 3 (multiple dosing).
    """
    period = _period_h(regimens, cov.on_hd)
    ends = None
    if cov.on_hd:
        ends = np.unique(hd_sessions(cov.renal_state.schedule, 0.0, WEEK_H)[1] % WEEK_H)
    courses = {}
    for regimen in regimens:
        for analyte in (regimen.analyte_dose_mg or {regimen.component: regimen.dose_mg}):
            if analyte not in product.pk_models:
                continue
            model = product.pk_models[analyte]
            extra, cl_extra = _extra(model, cov, period)
            cl = float(model.clearance_l_per_h(cov.crcl_ml_per_min, weight_kg=cov.weight_kg,
                                               bsa_m2=cov.bsa_m2, esrd=cov.on_hd))
            if not cl > 0:
                raise InputError(f"model {model.key} gives {analyte} clearance {cl:g} L/h at CrCL "
                                 f"{cov.crcl_ml_per_min:g} mL/min; it needs a clearance floor or ESRD rule "
                                 "(cl_floor_l_per_h) to simulate an anuric patient")
            share = regimen.analyte_dose_mg.get(analyte, regimen.dose_mg) / regimen.dose_mg
            first = (regimen.loading_dose_mg or regimen.dose_mg) * share
            first_h = getattr(regimen, "loading_infusion_h", None)
            added = bool(regimen.loading_dose_mg) and regimen.infusion_h >= regimen.interval_h
            courses[analyte] = AnalyteCourse(
                analyte, model, _period_dosing(regimen, analyte, period, ends), period, extra,
                cl, float(model.volume_l(weight_kg=cov.weight_kg)), cl_extra, first,
                float("nan") if first_h is None else float(first_h), added)
    missing = set(c.analyte for c in product.target.components) - set(courses)
    if missing:
        raise InputError(f"regimens give no dose of {sorted(missing)} needed by the "
                         f"{product.name} target")
    return courses


def _population(courses, n, rng, typical=None):
    """Per-analyte (CL, V) arrays for n virtual patients, correlated where the model says so.

    ``typical`` maps an analyte to per-patient typical (CL, V) arrays when the
    covariates vary between patients; otherwise the course's typical values are used.
    """
    names = list(courses)
    omegas, corr_pairs = [], []
    for i, a in enumerate(names):
        m = courses[a].model
        omegas += [m.cl_omega, m.v_omega]
        partner = next((j for j, b in enumerate(names) if courses[b].model.key == m.correlated_with), None)
        if partner is not None:
            corr_pairs += [(2 * i, 2 * partner, m.value("partner_cl_correlation")),
                           (2 * i + 1, 2 * partner + 1, m.value("partner_v_correlation"))]
    corr = np.eye(len(omegas))
    for i, j, r in corr_pairs:
        corr[i, j] = corr[j, i] = r
    eta = lognormal_etas(n, omegas, corr, rng=rng)
    typical = typical or {a: (courses[a].cl_l_per_h, courses[a].v_l) for a in names}
    return {a: (typical[a][0] * np.exp(eta[:, 2 * i]), typical[a][1] * np.exp(eta[:, 2 * i + 1]))
            for i, a in enumerate(names)}


def _simulate(course, cl, v):
    return simulate(cl, v, course.dosing, course.extra, t_end_h=course.period_h, steady_state=True)


def _first_day(course, cl, v):
    """Profile of the first 24 h of therapy, from an empty body, loading dose first.

    Therapy starts at the first dose of the period's schedule (on dialysis: the
    first dose of the week); the schedule and the extracorporeal clearance are
    repeated as far as needed. A loading dose replaces the first dose, over its
    own infusion time where it has one; before a continuous infusion it is
    given first and the infusion starts when it ends.
    """
    d, period = course.dosing, course.period_h
    t0 = float(d.start_h[0])
    reps = int(np.ceil((t0 + 24.0) / period)) + 1
    shifts = np.repeat(np.arange(reps) * period, d.start_h.size)
    starts = np.tile(d.start_h, reps) + shifts
    amounts, durations = np.tile(d.amount_mg, reps), np.tile(d.duration_h, reps)
    if course.first_dose_added:
        starts = np.concatenate([[t0], starts + course.first_dose_h])
        amounts = np.concatenate([[course.first_dose_mg], amounts])
        durations = np.concatenate([[course.first_dose_h], durations])
    else:
        amounts[0] = course.first_dose_mg
        if np.isfinite(course.first_dose_h):
            durations[0] = course.first_dose_h
    dosing = Dosing(starts, amounts, durations)
    extra = course.extra
    if extra is not None:
        n = extra.start_h.size
        extra = ExtraClearance(np.tile(extra.start_h, reps) + np.repeat(np.arange(reps) * period, n),
                               np.tile(extra.end_h, reps) + np.repeat(np.arange(reps) * period, n),
                               np.tile(extra.cl_l_per_h, reps))
    return simulate(cl, v, dosing, extra, t_start_h=t0, t_end_h=t0 + 24.0), t0


def _component_attainment(comp, course, cl_v, grid):
    """Thresholds over the MIC grid and, per virtual patient, whether one target component is met."""
    thr = _thresholds(comp, grid)
    ft = ft_above_percent(_simulate(course, *cl_v), thr, course.model.fu_fraction, 0, course.period_h)
    return thr, attainment(ft, comp.ft_percent)


def _thresholds(component, mics):
    if component.metric == "ft_above_mic":
        return np.asarray(mics, dtype=float)
    return np.full(len(mics), float(component.threshold_mg_per_l))


@dataclass(frozen=True)
class PKCheck:
    """Result of :func:`pk_check`.

    Attributes
    ----------
    courses : dict
        Analyte -> :class:`AnalyteCourse` [-].
    typical : pandas.DataFrame
        One row per analyte: CL, extracorporeal CL, V, half-life, AUC24, Cmax,
        Cmin of the typical patient at steady state [units in column names].
    targets : pandas.DataFrame
        One row per target component at the requested MIC: typical %fT and the
        component's own PTA [-].
    pta : pandas.DataFrame
        Joint PTA (``pta_fraction``) and each component's own PTA
        (``pta_<analyte>_fraction``) over the MIC grid and the requested MIC [-].
    mic_mg_per_l : float
        The MIC the check was made at [mg/L].
    pta_at_mic : float
        Joint PTA at that MIC [-].
    n_patients : int
        Virtual patients [-].
    """

    courses: dict
    typical: pd.DataFrame
    targets: pd.DataFrame
    pta: pd.DataFrame
    mic_mg_per_l: float
    pta_at_mic: float
    n_patients: int
    ft_typical_percent: float = field(default=float("nan"))


def _typical_rows(courses, profiles):
    rows = []
    for a, c in courses.items():
        p = profiles[a]
        rows.append({"analyte": a, "model": c.model.key, "cl_l_per_h": c.cl_l_per_h,
                     "extracorporeal_cl_l_per_h": c.extracorporeal_cl_l_per_h, "v_l": c.v_l,
                     "half_life_h": math.log(2) * c.v_l / c.cl_l_per_h,
                     "auc24_mg_h_per_l": float(auc(p, 0, c.period_h)[0]) * 24.0 / c.period_h,
                     "cmax_mg_per_l": float(peak(p, 0, c.period_h)[0]),
                     "cmin_mg_per_l": float(trough(p, 0, c.period_h)[0]),
                     "fu_fraction": c.model.fu_fraction})
    return pd.DataFrame(rows)


def pk_check(product, regimens, cov, *, mic_mg_per_l, n=1000, rng=2026, mics=MIC_GRID_MG_PER_L):
    r"""Typical %fT and population PTA of a product's regimen(s) for one patient.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    regimens : sequence of Regimen
        One per component [-].
    cov : Covariates
        Patient covariates and renal state [-].
    mic_mg_per_l : float
        MIC of the organism for the product's β-lactam (user's MIC or breakpoint) [mg/L].
    n : int, optional
        Virtual patients [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7); the default seed makes results repeatable [-].
    mics : sequence of float, optional
        MIC grid for the PTA table [mg/L].

    Returns
    -------
    PKCheck

    Notes
    -----
    A patient attains the product's target when *every* component is met in
    that patient (joint target): e.g. ceftazidime 50 % fT>MIC and avibactam
    50 % fT>1 mg/L [1]_. %fT is evaluated over one full period at steady state.

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci. 2019;12(2):151-163.
       doi:10.1111/cts.12585
    """
    if not (np.isfinite(mic_mg_per_l) and mic_mg_per_l > 0):
        raise InputError(f"MIC must be a positive number of mg/L, got {mic_mg_per_l!r}")
    courses = analyte_courses(product, regimens, cov)
    grid = np.unique(np.append(np.asarray(mics, dtype=float), mic_mg_per_l))
    pop = _population(courses, n, rng)
    typical = {a: _simulate(c, c.cl_l_per_h, c.v_l) for a, c in courses.items()}  # simulated once, used twice
    joint = np.ones((grid.size, n), dtype=bool)
    rows, per_component = [], {}
    for comp in product.target.components:
        c = courses[comp.analyte]
        thr, met = _component_attainment(comp, c, pop[comp.analyte], grid)
        joint &= met
        per_component[f"pta_{comp.analyte}_fraction"] = met.mean(axis=1)
        typ = ft_above_percent(typical[comp.analyte], thr, c.model.fu_fraction, 0, c.period_h)[:, 0]
        k = int(np.searchsorted(grid, mic_mg_per_l))
        day1, t0 = _first_day(c, c.cl_l_per_h, c.v_l)
        first = ft_above_percent(day1, thr[k], c.model.fu_fraction, t0, t0 + 24.0)[0]
        rows.append({"analyte": comp.analyte, "metric": comp.metric,
                     "threshold_mg_per_l": float(thr[k]), "required_ft_percent": comp.ft_percent,
                     "typical_ft_percent": float(typ[k]), "typical_first_24h_ft_percent": float(first),
                     "pta_fraction": float(met[k].mean()), "source": comp.source, "locator": comp.locator})
    table = pd.DataFrame({"mic_mg_per_l": grid, "pta_fraction": joint.mean(axis=1), "n_patients": n,
                          **per_component})
    k = int(np.searchsorted(grid, mic_mg_per_l))
    targets = pd.DataFrame(rows)
    return PKCheck(courses, _typical_rows(courses, typical), targets, table, float(mic_mg_per_l),
                   float(joint[k].mean()), n, float(targets["typical_ft_percent"].iloc[0]))


def sample_covariates(n, crcl_ml_per_min, *, weight_kg=72.6, weight_cv_percent=0.0, rng=None):
    r"""Draw virtual patients' CrCL (uniform within a band) and weight (log-normal).

    Parameters
    ----------
    n : int
        Virtual patients [-].
    crcl_ml_per_min : tuple of float or array_like
        ``(lo, hi)`` for CrCL uniform in the band, or an array of length ``n``
        (any distribution the user drew) [mL/min].
    weight_kg : float, optional
        Median body weight [kg].
    weight_cv_percent : float, optional
        Coefficient of variation of weight; 0 keeps everyone at the median [%].
    rng : None, int or numpy.random.Generator
        Random source (SPEC 7) [-].

    Returns
    -------
    tuple of ndarray
        (crcl_ml_per_min, weight_kg), each of length ``n`` [mL/min], [kg].

    Notes
    -----
    This is the design of the published PTA simulations by renal band, e.g.
    CrCL uniform in each band and weight log-normal with mean 72.6 kg and CV
    30 % in Kawaguchi 2021 [1]_.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Population
       pharmacokinetic and pharmacokinetic/pharmacodynamic analyses of
       cefiderocol, a parenteral siderophore cephalosporin, in patients with
       pneumonia, bloodstream infection/sepsis, or complicated urinary tract
       infection. Antimicrob Agents Chemother. 2021;65(3):e01437-20.
       doi:10.1128/AAC.01437-20

    Examples
    --------
    >>> crcl, wt = sample_covariates(4, (30, 60), weight_kg=70, rng=1)
    >>> bool(((crcl >= 30) & (crcl < 60)).all()), wt.tolist()
    (True, [70.0, 70.0, 70.0, 70.0])
    """
    gen = np.random.default_rng(rng)
    if isinstance(crcl_ml_per_min, tuple) and len(crcl_ml_per_min) == 2:
        lo, hi = crcl_ml_per_min
        if not 0 <= lo < hi <= 400:
            raise InputError(f"CrCL band ({lo}, {hi}) must satisfy 0 <= lo < hi <= 400 mL/min")
        crcl = gen.uniform(lo, hi, int(n))
    else:
        crcl = np.asarray(crcl_ml_per_min, dtype=float)
        if crcl.shape != (int(n),) or np.any(~np.isfinite(crcl)) or np.any((crcl < 0) | (crcl > 400)):
            raise InputError(f"crcl_ml_per_min must be a (lo, hi) band or {n} values in 0-400 mL/min")
    if not weight_kg > 0 or weight_cv_percent < 0:
        raise InputError("weight_kg must be > 0 kg and weight_cv_percent >= 0 %")
    sd = np.sqrt(np.log1p((weight_cv_percent / 100.0) ** 2))
    return crcl, weight_kg * np.exp(gen.normal(0.0, sd, int(n))) if sd else np.full(int(n), float(weight_kg))


def population_pta(product, regimens, crcl_ml_per_min, weight_kg, *, renal_state=None, mics=MIC_GRID_MG_PER_L,
                   rng=2026):
    """Joint PTA over MICs for virtual patients whose covariates differ (e.g. a renal band).

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    regimens : sequence of Regimen
        One per component [-].
    crcl_ml_per_min, weight_kg : array_like
        Per-patient CrCL and weight, e.g. from :func:`sample_covariates` [mL/min], [kg].
    renal_state : Native, Haemodialysis or CRRT, optional
        Default native kidneys [-].
    mics : sequence of float, optional
        MIC grid [mg/L].
    rng : None, int or numpy.random.Generator
        Random source for the random effects (SPEC 7) [-].

    Returns
    -------
    pandas.DataFrame
        ``mic_mg_per_l``, ``pta_fraction``, ``n_patients`` and
        ``pta_<analyte>_fraction`` per target component.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (PTA by
       renal-function group, Table 3).
    """
    from .patient import Native

    crcl = np.asarray(crcl_ml_per_min, dtype=float)
    wt = np.broadcast_to(np.asarray(weight_kg, dtype=float), crcl.shape)
    state = Native() if renal_state is None else renal_state
    courses = analyte_courses(product, regimens, Covariates(float(np.median(crcl)), state, float(np.median(wt))))
    typical = {a: (c.model.clearance_l_per_h(crcl, weight_kg=wt, esrd=isinstance(state, Haemodialysis)),
                   c.model.volume_l(weight_kg=wt)) for a, c in courses.items()}
    pop = _population(courses, crcl.size, rng, typical)
    grid = np.asarray(mics, dtype=float)
    joint = np.ones((grid.size, crcl.size), dtype=bool)
    cols = {}
    for comp in product.target.components:
        _, met = _component_attainment(comp, courses[comp.analyte], pop[comp.analyte], grid)
        joint &= met
        cols[f"pta_{comp.analyte}_fraction"] = met.mean(axis=1)
    return pd.DataFrame({"mic_mg_per_l": grid, "pta_fraction": joint.mean(axis=1), "n_patients": crcl.size, **cols})
