r"""How a regimen performs in the published PK models: typical exposure, %fT, PTA, cohorts.

This module connects the pieces (pvlib's ModelChain idea, kept small): for a
product's regimen(s) and a patient's covariates and renal state it builds each
analyte's dosing over one *period*, the extracorporeal clearance, the typical
patient and a virtual population, and evaluates the product's PD target.

Structure
    ``structure="published"`` (the default) simulates each model as published
    (two or three compartments, :func:`pkdose.pk.simulate` with
    ``peripheral=``). ``structure="one_compartment"`` uses the documented
    reduction: the patient's own CL and :math:`V = V_{ss}`, the sum of the
    patient's compartment volumes (typical or individual). Because the
    individual volumes carry the published random effects, the reduction keeps
    the published CL-volume covariances; only the distribution phase is lost.
    Every :class:`PKCheck` says which structure was used.

Population
    Every covariate of the published models reaches them: infection site,
    weight, BSA (models on BSA-normalised CrCL), albumin, race, ventilation,
    APACHE II (:class:`Covariates`). A covariate not given takes the model's
    *default population* (``models/pk/*.toml``, ``[default_population]``): the
    infection site the paper simulated as its conservative case. The default
    is stated in every :class:`PKCheck`.

Variability
    Random effects are drawn jointly from each model's full OMEGA matrix
    (multivariate normal, the published covariances kept), and across models
    where a model declares covariances with a partner (aztreonam-avibactam,
    Xie 2025). Ceftazidime and avibactam of Li 2019 were fitted separately and
    are drawn independently.

Period and steady state
    Native kidneys or CRRT: the period is the least common multiple of the
    components' dosing intervals (24 h for q8h + q12h). Intermittent
    haemodialysis: one week (168 h), doses placed by
    :func:`pkdose.schedule.hd_dose_times`. Every evaluation is at the periodic
    steady state over the whole period. The loading dose matters for the first
    day only: the typical patient's %fT over the first 24 h of therapy, from an
    empty body, is reported separately (``typical_first_24h_ft_percent``).

Dialysis clearance
    Where the model file gives a measured dialyser clearance
    (``hd_cl_l_per_h``, aztreonam: Gerig 1984) it is used as is. Otherwise the
    session clearance is a declared assumption calibrated so that one session
    of the published length removes the published fraction of the body amount
    from the kind of subject it was measured in: the model's uninfected
    reference subject with kidney failure (residual CrCL 5 mL/min, the model's
    ESRD rule), in the structure being simulated, the session starting in the
    terminal (post-distribution) phase. It is a property of the dialyser and
    the drug, so every virtual patient gets the same value.
    CRRT clearance is ``coefficient x delivered fraction x prescribed effluent``,
    with a cited low, central and high value of each factor in
    ``models/crrt.toml`` (:func:`pkdose.library.load_crrt_assumptions`); the
    covariate ``crrt_scenario`` chooses the end of that range.

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
.. [3] Kawaguchi N, Katsube T, Echols R, Wajima T. Population pharmacokinetic
   and pharmacokinetic/pharmacodynamic analyses of cefiderocol, a parenteral
   siderophore cephalosporin, in patients with pneumonia, bloodstream
   infection/sepsis, or complicated urinary tract infection. Antimicrob Agents
   Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20
.. [4] Holmgren WF, Hansen CW, Mikofski MA. pvlib python: a python package for
   modeling solar energy systems. J Open Source Softw. 2018;3(29):884.
   doi:10.21105/joss.00884 (the ModelChain pattern).
"""

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from .covariates import INFECTION_SITES, RACES
from .errors import InputError
from .extracorporeal import calibrate_hd_clearance, crrt_clearance, hd_sessions
from .library import CRRT_SCENARIOS, as_product, load_crrt_assumptions
from .patient import CRRT, Haemodialysis, Native
from .pd import ft_above_percent
from .pk import Dosing, ExtraClearance, auc, peak, simulate, trough
from .pta import attainment, covariance_etas
from .schedule import WEEK_H, hd_dose_times

__all__ = [
    "Covariates",
    "AnalyteCourse",
    "PKCheck",
    "HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN",
    "MIC_GRID_MG_PER_L",
    "STRUCTURES",
    "DEFAULT_STRUCTURE",
    "analyte_courses",
    "simulate_structure",
    "pk_check",
    "population_pta",
    "exposure_summary",
    "with_target",
    "default_population",
]

#: Residual CrCL of the reference patient used to calibrate dialysis clearance [mL/min].
HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN = 5.0

#: Doubling MIC grid for PTA tables [mg/L].
MIC_GRID_MG_PER_L = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0)

#: Structures a course can be simulated in.
STRUCTURES = ("published", "one_compartment")

#: Default structure: the published one.
DEFAULT_STRUCTURE = "published"

_VOLUMES = ("v1", "v2", "v3")
_PERIPHERAL = (("q2", "v2"), ("q3", "v3"))


@dataclass(frozen=True)
class Covariates:
    """What the PK models need to know about the patient.

    Parameters
    ----------
    crcl_ml_per_min : float
        Native (or residual, on dialysis) Cockcroft-Gault creatinine clearance [mL/min].
    renal_state : Native, Haemodialysis or CRRT
        Renal state from :mod:`pkdose.patient` [-].
    weight_kg : float, optional
        Total body weight; None uses each model's reference weight [kg].
    bsa_m2 : float, optional
        Body-surface area; None uses 1.73 m2 in BSA-normalised models [m2].
    infection_site : str, optional
        One of :data:`pkdose.covariates.INFECTION_SITES`; None uses the
        product's default population (the paper's conservative site) [-].
    albumin_g_per_dl : float, optional
        Serum albumin; None uses the model's default population (cefiderocol:
        2.8 g/dL) [g/dL].
    race : str, optional
        ``"asian"`` (non-Chinese, non-Japanese), ``"chinese"``,
        ``"japanese"`` or ``"other"`` (None) [-].
    ventilated : bool, optional
        Mechanically ventilated (Li 2019 'NPv'); None reads as not [-].
    apache_ii : float, optional
        APACHE II score; the Li 2019 avibactam model lowers CL above 10;
        None reads as not above 10 [points].
    crrt_scenario : {"low", "central", "high"}, optional
        End of the CRRT clearance range (``models/crrt.toml``) [-].
    """

    crcl_ml_per_min: float
    renal_state: object
    weight_kg: float | None = None
    bsa_m2: float | None = None
    infection_site: str | None = None
    albumin_g_per_dl: float | None = None
    race: str | None = None
    ventilated: bool | None = None
    apache_ii: float | None = None
    crrt_scenario: str = "central"

    def __post_init__(self):
        if self.crrt_scenario not in CRRT_SCENARIOS:
            raise InputError(f"crrt_scenario={self.crrt_scenario!r}: use one of {', '.join(CRRT_SCENARIOS)}")
        if self.infection_site is not None and self.infection_site not in INFECTION_SITES:
            raise InputError(f"infection_site {self.infection_site!r} is not known; use one of "
                             f"{', '.join(INFECTION_SITES)}", field="infection_site")
        if self.race is not None and self.race not in RACES:
            raise InputError(f"race {self.race!r} is not known; use one of {', '.join(RACES)}",
                             field="race")
        if self.albumin_g_per_dl is not None and not 0.5 <= self.albumin_g_per_dl <= 6.5:
            raise InputError(f"albumin {self.albumin_g_per_dl!r} g/dL is outside 0.5-6.5 g/dL; "
                             "check the unit (g/dL, not g/L)", field="albumin_g_per_dl")
        if self.apache_ii is not None and not 0 <= self.apache_ii <= 71:
            raise InputError(f"APACHE II {self.apache_ii!r} is outside 0-71 points", field="apache_ii")

    @property
    def on_hd(self):
        """True on intermittent haemodialysis [-]."""
        return isinstance(self.renal_state, Haemodialysis)

    def model_covariates(self):
        """Keyword arguments for :meth:`pkdose.library.PKModel.typical_parameters` [-]."""
        return {"weight_kg": self.weight_kg, "bsa_m2": self.bsa_m2,
                "albumin_g_per_dl": self.albumin_g_per_dl, "infection_site": self.infection_site,
                "race": self.race, "ventilated": self.ventilated,
                "apache_ii_above_10": None if self.apache_ii is None else self.apache_ii > 10,
                "dialysis": isinstance(self.renal_state, (Haemodialysis, CRRT))}


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
    params : dict
        Typical patient's structural parameters (``cl``, ``v1``, ``q2``, ...),
        own clearance without dialysis [L/h, L].
    structure : str
        ``"published"`` or ``"one_compartment"`` [-].
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
    params: dict
    structure: str
    extracorporeal_cl_l_per_h: float
    first_dose_mg: float = float("nan")
    first_dose_h: float = float("nan")
    first_dose_added: bool = False

    @property
    def cl_l_per_h(self):
        """Typical patient's own clearance [L/h]."""
        return float(self.params["cl"])

    @property
    def v_l(self):
        """Typical steady-state volume, the one-compartment reduction's V [L]."""
        return float(_vss(self.params))

    def typical_profile(self):
        """Typical patient's steady-state profile over one period, in the course's structure.

        Returns
        -------
        Profile
            From :func:`pkdose.pk.simulate` [-].

        References
        ----------
        .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker;
           1982. Chapter 3 (multiple dosing).
        """
        return _run(self, self.params, steady_state=True)


def _vss(p):
    return sum(p[v] for v in _VOLUMES if v in p)


def simulate_structure(params, dosing, extra=None, *, structure, t_end_h, t_start_h=0.0, steady_state=False):
    r"""Simulate structural parameters in the published structure or its one-compartment reduction.

    Parameters
    ----------
    params : Mapping[str, array_like]
        ``cl``, ``v1``, ``q2``, ``v2`` (``q3``, ``v3``), e.g. from
        :meth:`pkdose.library.PKModel.typical_parameters`; scalars or (n,) [L/h, L].
    dosing : Dosing
        Infusions [-].
    extra : ExtraClearance, optional
        Dialysis or CRRT clearance windows [-].
    structure : {"published", "one_compartment"}
        ``"one_compartment"``: CL and :math:`V = V_{ss}`, the sum of the volumes [-].
    t_end_h : float
        End of the simulation (the period at steady state) [h].
    t_start_h : float, optional
        Start [h].
    steady_state : bool, optional
        Periodic steady state over ``[t_start_h, t_end_h]`` [-].

    Returns
    -------
    Profile
        From :func:`pkdose.pk.simulate` [-].

    Raises
    ------
    InputError
        Unknown structure.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 2 (multicompartment models), Chapter 3 (multiple dosing).
    """
    _check_structure(structure)
    kw = dict(t_end_h=t_end_h, t_start_h=t_start_h, steady_state=steady_state)
    if structure == "one_compartment":
        return simulate(params["cl"], _vss(params), dosing, extra, **kw)
    periph = tuple((params[q], params[v]) for q, v in _PERIPHERAL if q in params)
    return simulate(params["cl"], params["v1"], dosing, extra, peripheral=periph, **kw)


def _run(course, p, dosing=None, extra=None, *, steady_state=False, t_start_h=0.0, t_end_h=None):
    """Simulate structural parameters ``p`` on a course (its dosing/extra unless given)."""
    if dosing is None:
        dosing, extra = course.dosing, course.extra
    t_end = course.period_h if t_end_h is None else t_end_h
    return simulate_structure(p, dosing, extra, structure=course.structure, t_end_h=t_end,
                              t_start_h=t_start_h, steady_state=steady_state)


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


def _hd_clearance(model, structure):
    """Session clearance: measured, or calibrated to the published fraction removed (module Notes)."""
    if model.hd_cl_l_per_h is not None:
        return float(model.hd_cl_l_per_h)
    p = {k: float(v) for k, v in model.typical_parameters(
        HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN, dialysis=True, **_reference(model)).items()}
    f, t = model.hd_fraction_removed, model.hd_session_h
    if structure == "one_compartment":
        return float(calibrate_hd_clearance(f, t, _vss(p), p["cl"]))

    def removed(cl_hd):
        a = _rate_matrix(dict(p, cl=p["cl"] + cl_hd))
        w, vec = np.linalg.eig(_rate_matrix(p))
        x0 = np.real(vec[:, np.argmax(np.real(w))])  # terminal-phase distribution
        w2, v2 = np.linalg.eig(a)
        x1 = np.real(v2 @ (np.exp(w2 * t) * np.linalg.solve(v2, x0)))
        return 1.0 - x1.sum() / x0.sum() - f

    if removed(0.0) >= 0:
        raise InputError(f"{model.key}: the residual clearance alone removes more than {f:g} in {t:g} h")
    return float(brentq(removed, 0.0, 1e4, xtol=1e-9))


def _reference(model):
    ref = model.reference_covariates()
    ref.pop("dialysis")
    return ref


def _rate_matrix(p):
    """Amounts' rate matrix of a mammillary model (elimination from the central compartment)."""
    pairs = [(p[q], p[v]) for q, v in _PERIPHERAL if q in p]
    n = 1 + len(pairs)
    a = np.zeros((n, n))
    a[0, 0] = -(p["cl"] + sum(q for q, _ in pairs)) / p["v1"]
    for i, (q, v) in enumerate(pairs, start=1):
        a[0, i], a[i, 0], a[i, i] = q / v, q / p["v1"], -q / v
    return a


def _extra(model, cov, period_h, structure):
    state = cov.renal_state
    if isinstance(state, Haemodialysis):
        start, end = hd_sessions(state.schedule, 0.0, period_h)
        cl = _hd_clearance(model, structure)
        return ExtraClearance(start, np.minimum(end, period_h), np.full(start.size, cl)), cl
    if isinstance(state, CRRT):
        coefficient, delivered = load_crrt_assumptions().values(model.analyte, cov.crrt_scenario)
        cl = crrt_clearance(state.effluent_l_per_h * delivered, coefficient, state.modality)
        return ExtraClearance([0.0], [period_h], [cl]), float(cl)
    return None, 0.0


def _check_structure(structure):
    if structure not in STRUCTURES:
        raise InputError(f"structure {structure!r} is not known; use one of {', '.join(STRUCTURES)}",
                         field="structure")


def analyte_courses(product, regimens, cov, *, structure=None):
    """Build every analyte's one-period course for a product's regimens.

    Parameters
    ----------
    product : str or Product
        A product name or alias (``"cefiderocol"``, ``"CZA"``), or a Product from
        :func:`pkdose.library.load_product` (target and PK models) [-].
    regimens : sequence of Regimen
        One regimen per component, from :func:`pkdose.regimens.select_regimens`
        or a model-informed candidate [-].
    cov : Covariates
        Patient covariates and renal state [-].
    structure : {"published", "one_compartment"}, optional
        Model structure; default :data:`DEFAULT_STRUCTURE` [-].

    Returns
    -------
    dict
        Analyte name -> :class:`AnalyteCourse` [-].

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 3 (multiple dosing).
    """
    product = as_product(product)
    structure = DEFAULT_STRUCTURE if structure is None else structure
    _check_structure(structure)
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
            extra, cl_extra = _extra(model, cov, period, structure)
            params = {k: float(v) for k, v in model.typical_parameters(
                cov.crcl_ml_per_min, **_site_default(product, cov.model_covariates())).items()}
            if not params["cl"] > 0:
                raise InputError(f"model {model.key} gives {analyte} clearance {params['cl']:g} L/h at CrCL "
                                 f"{cov.crcl_ml_per_min:g} mL/min; it needs a clearance floor or ESRD rule "
                                 "(cl_floor_l_per_h) to simulate an anuric patient")
            share = regimen.analyte_dose_mg.get(analyte, regimen.dose_mg) / regimen.dose_mg
            first = (regimen.loading_dose_mg or regimen.dose_mg) * share
            first_h = getattr(regimen, "loading_infusion_h", None)
            added = bool(regimen.loading_dose_mg) and regimen.infusion_h >= regimen.interval_h
            courses[analyte] = AnalyteCourse(
                analyte, model, _period_dosing(regimen, analyte, period, ends), period, extra,
                params, structure, cl_extra, first,
                float("nan") if first_h is None else float(first_h), added)
    missing = set(c.analyte for c in product.target.components) - set(courses)
    if missing:
        raise InputError(f"regimens give no dose of {sorted(missing)} needed by the "
                         f"{product.name} target")
    return courses


def default_population(product):
    r"""The default population of a product's PK models: site and the paper's reason.

    Parameters
    ----------
    product : str or Product
        A product name or alias (``"cefiderocol"``, ``"CZA"``), or a Product from
        :func:`pkdose.library.load_product` [-].

    Returns
    -------
    dict
        ``infection_site`` and ``reason`` (whose simulations it follows and
        why, with locators) [-].

    Raises
    ------
    InputError
        The product's models default to different sites.

    References
    ----------
    .. [1] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents
       Chemother. 2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (cIAI the
       conservative simulation population).

    Examples
    --------
    >>> from pkdose.library import load_product
    >>> default_population(load_product("aztreonam-avibactam"))["infection_site"]
    'intra-abdominal'
    """
    product = as_product(product)
    models = list(product.pk_models.values())
    sites = {m.default_site for m in models}
    if len(sites) != 1:
        raise InputError(f"{product.name}: PK models default to different sites {sorted(sites)}")
    site = sites.pop()
    first = {}
    for m in models:  # one reason per paper
        first.setdefault(m.default_population["source"], m.default_population["locator"])
    why = "; ".join(f"{src} {loc}" for src, loc in first.items())
    return {"infection_site": site, "reason": why}


def _site_default(product, kwargs):
    """Covariates for one product: an unset site takes the product's default population."""
    if kwargs.get("infection_site") is None:
        kwargs = dict(kwargs, infection_site=default_population(product)["infection_site"])
    return kwargs


# --- populations --------------------------------------------------------------------


def _joint_omega(courses):
    """Joint covariance of every analyte's random effects, partners' covariances included."""
    names = list(courses)
    blocks, offsets, k = [], {}, 0
    for a in names:
        m = courses[a].model
        offsets[a] = k
        k += len(m.omega_names)
        blocks.append(m.omega)
    cov = np.zeros((k, k))
    for a, b in zip(names, blocks):
        o = offsets[a]
        cov[o:o + b.shape[0], o:o + b.shape[0]] = b
    keys = {courses[a].model.key: a for a in names}
    for a in names:
        m = courses[a].model
        partner = keys.get(m.correlated_with)
        if partner is None:
            continue
        pm = courses[partner].model
        for (own, other), p in m.partner_covariance.items():
            i = offsets[a] + m.omega_names.index(own)
            j = offsets[partner] + pm.omega_names.index(other)
            cov[i, j] = cov[j, i] = p.value
    return cov, offsets


def _population(courses, n, rng, typical=None):
    """Per-analyte individual structural parameters of n virtual patients.

    ``typical`` maps an analyte to per-patient typical parameters when the
    covariates vary between patients; otherwise the course's typical values
    are used. Random effects are drawn once, jointly (:func:`_joint_omega`).
    """
    cov, offsets = _joint_omega(courses)
    eta = covariance_etas(n, cov, rng=rng)
    out = {}
    for a, c in courses.items():
        base = c.params if typical is None else typical[a]
        p = {k: np.broadcast_to(np.asarray(v, dtype=float), (n,)) for k, v in base.items()}
        for i, name in enumerate(c.model.omega_names):
            p[name] = p[name] * np.exp(eta[:, offsets[a] + i])
        out[a] = p
    return out


def _first_day(course, p):
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
    return _run(course, p, dosing, extra, t_start_h=t0, t_end_h=t0 + 24.0), t0


def _thresholds(component, mics):
    if component.metric == "ft_above_mic":
        return np.asarray(mics, dtype=float)
    return np.full(len(mics), float(component.threshold_mg_per_l))


def _component_attainment(comp, course, profile, grid):
    """Thresholds over the MIC grid and, per virtual patient, whether one target component is met."""
    thr = _thresholds(comp, grid)
    ft = ft_above_percent(profile, thr, course.model.fu_fraction, 0, course.period_h)
    return thr, attainment(ft, comp.ft_percent)


def with_target(product, *, ft_percent=None, threshold_mg_per_l=None, analyte=None):
    r"""Return a product whose PD target components use another %fT or threshold.

    Parameters
    ----------
    product : str or Product
        A product name or alias (``"cefiderocol"``, ``"CZA"``), or a Product from
        :func:`pkdose.library.load_product` [-].
    ft_percent : float, optional
        Required %fT of every component (e.g. 100 for 100 % fT>MIC) [%].
    threshold_mg_per_l : float, optional
        Threshold of ``ft_above_threshold`` components (avibactam) [mg/L].
    analyte : str, optional
        Change only this analyte's component [-].

    Returns
    -------
    Product
        Copy with the new target; the original is unchanged.

    Raises
    ------
    InputError
        %fT outside (0, 100], non-positive threshold, unknown analyte.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Tables 3-4:
       75 % and 100 % fT>MIC).

    Examples
    --------
    >>> from pkdose.library import load_product
    >>> with_target(load_product("cefiderocol"), ft_percent=100).target.components[0].ft_percent
    100.0
    """
    product = as_product(product)
    if ft_percent is not None and not 0 < ft_percent <= 100:
        raise InputError(f"ft_percent must be in (0, 100], got {ft_percent!r}", field="ft_percent")
    if threshold_mg_per_l is not None and not threshold_mg_per_l > 0:
        raise InputError(f"threshold must be > 0 mg/L, got {threshold_mg_per_l!r}", field="threshold_mg_per_l")
    comps = product.target.components
    if analyte is not None and analyte not in {c.analyte for c in comps}:
        raise InputError(f"{product.name} has no target component for {analyte!r}", field="analyte")
    new = []
    for c in comps:
        if analyte is None or c.analyte == analyte:
            if ft_percent is not None:
                c = dataclasses.replace(c, ft_percent=float(ft_percent))
            if threshold_mg_per_l is not None and c.metric == "ft_above_threshold":
                c = dataclasses.replace(c, threshold_mg_per_l=float(threshold_mg_per_l))
        new.append(c)
    return dataclasses.replace(product, target=dataclasses.replace(product.target, components=tuple(new)))


@dataclass(frozen=True)
class PKCheck:
    """Result of :func:`pk_check`.

    Attributes
    ----------
    courses : dict
        Analyte -> :class:`AnalyteCourse` [-].
    typical : pandas.DataFrame
        One row per analyte: CL, extracorporeal CL, structural volumes, Vss,
        half-life of the reduction, AUC24, Cmax, Cmin of the typical patient at
        steady state [units in column names].
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
    ft_typical_percent : float
        Typical %fT of the first target component [%].
    structure : str
        ``"published"`` or ``"one_compartment"`` [-].
    population : str
        The covariates the check was made for, saying which came from the
        default population and why [-].
    """

    courses: dict
    typical: pd.DataFrame
    targets: pd.DataFrame
    pta: pd.DataFrame
    mic_mg_per_l: float
    pta_at_mic: float
    n_patients: int
    ft_typical_percent: float = field(default=float("nan"))
    structure: str = ""
    population: str = ""

    def __repr__(self):
        from .report import summary_line

        return summary_line(self)

    def _repr_html_(self):
        from .report import summary_html

        return summary_html(self)


def _typical_rows(courses, profiles):
    rows = []
    for a, c in courses.items():
        p = profiles[a]
        row = {"analyte": a, "model": c.model.key, "structure": c.structure, "cl_l_per_h": c.cl_l_per_h,
               "extracorporeal_cl_l_per_h": c.extracorporeal_cl_l_per_h, "v_l": c.v_l}
        row.update({f"{k}_l": float(c.params[k]) for k in _VOLUMES if k in c.params})
        row.update({
            "half_life_h": math.log(2) * c.v_l / c.cl_l_per_h,
            "auc24_mg_h_per_l": float(auc(p, 0, c.period_h)[0]) * 24.0 / c.period_h,
            "cmax_mg_per_l": float(peak(p, 0, c.period_h)[0]),
            "cmin_mg_per_l": float(trough(p, 0, c.period_h)[0]),
            "fu_fraction": c.model.fu_fraction})
        rows.append(row)
    return pd.DataFrame(rows)


def _population_text(product, cov):
    given = cov.infection_site is not None
    site = default_population(product) if not given else {"infection_site": cov.infection_site}
    parts = [f"infection site {site['infection_site']}"
             + ("" if given else f" (default population: {site['reason']})")]
    for label, value in (("albumin", cov.albumin_g_per_dl), ("race", cov.race),
                         ("ventilated", cov.ventilated), ("APACHE II", cov.apache_ii)):
        if value is not None:
            parts.append(f"{label} {value:g}" if isinstance(value, float) else f"{label} {value}")
    missing = [m.key for m in product.pk_models.values()
               if "albumin_g_per_dl" in m.default_population and cov.albumin_g_per_dl is None]
    if missing:
        parts.append("albumin: default population of " + ", ".join(missing))
    return "; ".join(parts)


def pk_check(product, regimens, cov, *, mic_mg_per_l, n=1000, rng=2026, mics=MIC_GRID_MG_PER_L,
             structure=None):
    r"""Typical %fT and population PTA of a product's regimen(s) for one patient.

    Parameters
    ----------
    product : str or Product
        A product name or alias (``"cefiderocol"``, ``"CZA"``), or a Product from
        :func:`pkdose.library.load_product` (:func:`with_target` changes
        its PD target) [-].
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
    structure : {"published", "one_compartment"}, optional
        Model structure; default :data:`DEFAULT_STRUCTURE` [-].

    Returns
    -------
    PKCheck

    Notes
    -----
    A patient attains the product's target when *every* component is met in
    that patient (joint target): e.g. ceftazidime 50 % fT>MIC and avibactam
    50 % fT>1 mg/L [1]_. %fT is evaluated over one full period at steady state.
    The virtual patients share the patient's covariates; their random effects
    come from the published OMEGA matrices.

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci. 2019;12(2):151-163.
       doi:10.1111/cts.12585
    """
    product = as_product(product)
    if not (np.isfinite(mic_mg_per_l) and mic_mg_per_l > 0):
        raise InputError(f"MIC must be a positive number of mg/L, got {mic_mg_per_l!r}")
    courses = analyte_courses(product, regimens, cov, structure=structure)
    grid = np.unique(np.append(np.asarray(mics, dtype=float), mic_mg_per_l))
    pop = _population(courses, n, rng)
    typical = {a: c.typical_profile() for a, c in courses.items()}  # simulated once, used twice
    joint = np.ones((grid.size, n), dtype=bool)
    rows, per_component = [], {}
    k = int(np.searchsorted(grid, mic_mg_per_l))
    for comp in product.target.components:
        c = courses[comp.analyte]
        thr, met = _component_attainment(comp, c, _run(c, pop[comp.analyte], steady_state=True), grid)
        joint &= met
        per_component[f"pta_{comp.analyte}_fraction"] = met.mean(axis=1)
        typ = ft_above_percent(typical[comp.analyte], thr, c.model.fu_fraction, 0, c.period_h)[:, 0]
        day1, t0 = _first_day(c, c.params)
        first = ft_above_percent(day1, thr[k], c.model.fu_fraction, t0, t0 + 24.0)[0]
        rows.append({"analyte": comp.analyte, "metric": comp.metric,
                     "threshold_mg_per_l": float(thr[k]), "required_ft_percent": comp.ft_percent,
                     "typical_ft_percent": float(typ[k]), "typical_first_24h_ft_percent": float(first),
                     "pta_fraction": float(met[k].mean()), "source": comp.source, "locator": comp.locator})
    table = pd.DataFrame({"mic_mg_per_l": grid, "pta_fraction": joint.mean(axis=1), "n_patients": n,
                          **per_component})
    targets = pd.DataFrame(rows)
    structure = next(iter(courses.values())).structure
    return PKCheck(courses, _typical_rows(courses, typical), targets, table, float(mic_mg_per_l),
                   float(joint[k].mean()), n, float(targets["typical_ft_percent"].iloc[0]),
                   structure, _population_text(product, cov))


# --- cohorts: one call over patients whose covariates (and regimens) differ ----------

_COHORT_COLUMNS = ("crcl_ml_per_min", "weight_kg", "bsa_m2", "albumin_g_per_dl", "infection_site",
                   "race", "ventilated", "apache_ii")


def _cohort(cohort):
    if not isinstance(cohort, pd.DataFrame) or "crcl_ml_per_min" not in cohort:
        raise InputError("cohort must be a pandas DataFrame with a crcl_ml_per_min column "
                         f"(optional: {', '.join(_COHORT_COLUMNS[1:])})", field="cohort")
    if len(cohort) == 0:
        raise InputError("cohort has no patients", field="cohort")
    return cohort.reset_index(drop=True)


def _cohort_kwargs(product, frame):
    kw = {c: frame[c].to_numpy() for c in _COHORT_COLUMNS[1:] if c in frame}
    if "apache_ii" in kw:
        kw["apache_ii_above_10"] = kw.pop("apache_ii") > 10
    if "ventilated" in kw:
        kw["ventilated"] = kw["ventilated"].astype(bool)
    return _site_default(product, kw)


def _regimen_key(regs):
    return tuple((r.component, r.dose_mg, r.interval_h, r.infusion_h, r.loading_dose_mg) for r in regs)


def _regimen_groups(product, frame, regimens, renal_state):
    """Rows of the cohort grouped by the regimens they receive."""
    if callable(regimens) or isinstance(regimens, str):
        if isinstance(regimens, str):
            if regimens != "label":
                raise InputError(f"regimens must be 'label', a callable or a sequence of Regimen, "
                                 f"got {regimens!r}", field="regimens")
            from .library import load_regimen_table
            from .regimens import select_regimens
            table = load_regimen_table(product.name)
            state = {Native: "native", Haemodialysis: "ihd"}.get(type(renal_state), "crrt")
            if state == "crrt":
                raise InputError("regimens='label' in a cohort covers native kidneys and IHD; pass the "
                                 "CRRT regimens explicitly", field="regimens")

            def rule(crcl):
                return select_regimens(table, crcl_ml_per_min=crcl, renal_state=state)
        else:
            rule = regimens
        per_row = [tuple(rule(float(c))) for c in frame["crcl_ml_per_min"]]
    else:
        per_row = [tuple(regimens)] * len(frame)
    groups = {}
    for i, regs in enumerate(per_row):
        groups.setdefault(_regimen_key(regs), (regs, []))[1].append(i)
    return [(regs, np.asarray(idx)) for regs, idx in groups.values()]


def _simulate_cohort(product, cohort, regimens, renal_state, structure, rng):
    """Yield (rows, courses, {analyte: profile}) per regimen group; etas drawn once for all rows."""
    frame = _cohort(cohort)
    state = Native() if renal_state is None else renal_state
    n = len(frame)
    groups = _regimen_groups(product, frame, regimens, state)
    template = Covariates(float(frame["crcl_ml_per_min"].median()), state)
    eta_courses = analyte_courses(product, groups[0][0], template, structure=structure)
    cov, offsets = _joint_omega(eta_courses)
    eta = covariance_etas(n, cov, rng=rng)
    kw = _cohort_kwargs(product, frame)
    kw["dialysis"] = isinstance(state, (Haemodialysis, CRRT))
    for regs, idx in groups:
        courses = analyte_courses(product, regs, template, structure=structure)
        profiles = {}
        for a, c in courses.items():
            sub = {k: (v[idx] if isinstance(v, np.ndarray) and v.ndim else v) for k, v in kw.items()}
            p = c.model.typical_parameters(frame["crcl_ml_per_min"].to_numpy()[idx], **sub)
            p = {k: np.broadcast_to(v, idx.shape).astype(float) for k, v in p.items()}
            for i, name in enumerate(c.model.omega_names):
                p[name] = p[name] * np.exp(eta[idx, offsets[a] + i])
            profiles[a] = _run(c, p, steady_state=True)
        yield regs, idx, courses, profiles


def _by(frame, by):
    if by is None:
        return pd.Series(np.zeros(len(frame), dtype=int)), []
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in frame]
    if missing:
        raise InputError(f"by column(s) {missing} are not in the cohort", field="by")
    return frame.groupby(cols, sort=True).ngroup(), cols


def population_pta(product, cohort, regimens="label", *, renal_state=None, by=None, mics=MIC_GRID_MG_PER_L,
                   structure=None, rng=2026):
    r"""Joint PTA over MICs for a cohort of virtual patients whose covariates (and regimens) differ.

    Parameters
    ----------
    product : str or Product
        A product name or alias (``"cefiderocol"``, ``"CZA"``), or a Product from
        :func:`pkdose.library.load_product` (:func:`with_target` changes
        its PD target, e.g. 100 % fT>MIC) [-].
    cohort : pandas.DataFrame
        One row per virtual patient: ``crcl_ml_per_min`` and optionally
        ``weight_kg``, ``bsa_m2``, ``albumin_g_per_dl``, ``infection_site``,
        ``race``, ``ventilated``, ``apache_ii`` and any grouping columns, e.g.
        from :func:`pkdose.pta.sample_cohort` [-].
    regimens : "label", callable or sequence of Regimen, optional
        ``"label"``: each patient gets the label regimen for his CrCL
        (:func:`pkdose.regimens.select_regimens`, US); a callable maps a CrCL
        [mL/min] to regimens; a sequence gives everyone the same [-].
    renal_state : Native or Haemodialysis, optional
        Default native kidneys [-].
    by : str or list of str, optional
        Cohort column(s) to report PTA by (e.g. a renal band); None: the whole cohort [-].
    mics : sequence of float, optional
        MIC grid [mg/L].
    structure : {"published", "one_compartment"}, optional
        Model structure; default :data:`DEFAULT_STRUCTURE` [-].
    rng : None, int or numpy.random.Generator
        Random source for the random effects (SPEC 7) [-].

    Returns
    -------
    pandas.DataFrame
        One row per group and MIC: the ``by`` columns, ``mic_mg_per_l``,
        ``pta_fraction`` (joint), ``n_patients``, ``mc_se_fraction`` and
        ``pta_<analyte>_fraction`` per target component.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (PTA by
       renal-function group and infection site, Tables 3-4).
    """
    product = as_product(product)
    frame = _cohort(cohort)
    grid = np.asarray(mics, dtype=float)
    joint = np.ones((grid.size, len(frame)), dtype=bool)
    comp_met = {}
    for _, idx, courses, profiles in _simulate_cohort(product, frame, regimens, renal_state, structure, rng):
        for comp in product.target.components:
            c = courses[comp.analyte]
            _, met = _component_attainment(comp, c, profiles[comp.analyte], grid)
            comp_met.setdefault(comp.analyte, np.ones_like(joint))[:, idx] = met
            joint[:, idx] &= met
    group, cols = _by(frame, by)
    rows = []
    for g in np.unique(group):
        sel = (group == g).to_numpy()
        labels = frame.loc[sel, cols].iloc[0].to_dict() if cols else {}
        p = joint[:, sel].mean(axis=1)
        for i, mic in enumerate(grid):
            rows.append({**labels, "mic_mg_per_l": mic, "pta_fraction": p[i], "n_patients": int(sel.sum()),
                         "mc_se_fraction": math.sqrt(p[i] * (1 - p[i]) / sel.sum()),
                         **{f"pta_{a}_fraction": m[i, sel].mean() for a, m in comp_met.items()}})
    return pd.DataFrame(rows)


def exposure_summary(product, cohort, regimens="label", *, renal_state=None, by=None, structure=None,
                     rng=2026):
    r"""Geometric-mean steady-state Cmax, Cmin and AUC24 per analyte and group of a cohort.

    Parameters
    ----------
    product : str or Product
        A product name or alias (``"cefiderocol"``, ``"CZA"``), or a Product from
        :func:`pkdose.library.load_product` [-].
    cohort : pandas.DataFrame
        One row per virtual patient, as in :func:`population_pta` [-].
    regimens : "label", callable or sequence of Regimen, optional
        As in :func:`population_pta` [-].
    renal_state : Native or Haemodialysis, optional
        Default native kidneys [-].
    by : str or list of str, optional
        Cohort column(s) to summarise by; None: the whole cohort [-].
    structure : {"published", "one_compartment"}, optional
        Model structure; default :data:`DEFAULT_STRUCTURE` [-].
    rng : None, int or numpy.random.Generator
        Random source (SPEC 7) [-].

    Returns
    -------
    pandas.DataFrame
        One row per group and analyte: the ``by`` columns, ``analyte``,
        ``n_patients``, ``gm_cmax_mg_per_l``, ``gm_cmin_mg_per_l``,
        ``gm_auc24_mg_h_per_l`` (total concentrations).

    References
    ----------
    .. [1] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents
       Chemother. 2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (Table S9:
       geometric-mean Cmax and AUC24 by renal group).
    """
    product = as_product(product)
    frame = _cohort(cohort)
    metrics = {}
    for _, idx, courses, profiles in _simulate_cohort(product, frame, regimens, renal_state, structure, rng):
        for a, prof in profiles.items():
            t = courses[a].period_h
            m = metrics.setdefault(a, np.full((3, len(frame)), np.nan))
            m[:, idx] = [peak(prof, 0, t), trough(prof, 0, t), auc(prof, 0, t) * 24.0 / t]
    group, cols = _by(frame, by)
    rows = []
    for g in np.unique(group):
        sel = (group == g).to_numpy()
        labels = frame.loc[sel, cols].iloc[0].to_dict() if cols else {}
        for a, m in metrics.items():
            gm = np.exp(np.log(m[:, sel]).mean(axis=1))
            rows.append({**labels, "analyte": a, "n_patients": int(sel.sum()), "gm_cmax_mg_per_l": gm[0],
                         "gm_cmin_mg_per_l": gm[1], "gm_auc24_mg_h_per_l": gm[2]})
    return pd.DataFrame(rows)
