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

Attainment on dialysis
    The papers define %fT over a dosing interval (Li 2019 and Kawaguchi 2021,
    Methods; Mouton 2005). On native kidneys and CRRT every interval of the
    period is alike at steady state. A dialysis week is not: its 24-, 48- and
    72-h intervals and the sessions make each interval different. By default
    (:data:`DEFAULT_HD_CRITERION` ``"every_interval"``, the conservative
    reading) a virtual patient on intermittent haemodialysis attains a target
    only if every dosing interval of the week meets it, each over its own
    length (:func:`pkdose.pd.ft_by_dose_interval`); the typical %fT reported is
    that of the worst interval, and the first-24-h check judges each dosing
    interval that starts in the first 24 h of therapy over its whole length.
    ``hd_criterion="week"`` averages %fT over the whole 168-h week instead.
    Every :class:`PKCheck` states the criterion (``attainment_criterion``).

Dialysis clearance
    Where a model declares the assumption ``hd_calibration`` (cefiderocol,
    ceftazidime, avibactam), the session clearance is calibrated so that one
    session of the published length removes the published fraction of the
    body amount from the kind of subject it was measured in: the model's
    uninfected reference subject with kidney failure (residual CrCL 5 mL/min,
    the model's ESRD rule), in the structure being simulated, the session
    starting in the terminal (post-distribution) phase.
    ``PKModel.without_assumption("hd_calibration")`` switches it off; the
    model's published dialyser clearance (``hd_cl_l_per_h``: avibactam 9.0 L/h,
    label) is then used as is, and a model without one cannot simulate
    haemodialysis. Aztreonam declares no calibration: Gerig 1984's measured
    dialyser clearance is used, because its published fraction is the amount
    recovered from the dialysate, not the fall of the body amount. Either way
    the value is a property of the dialyser and the drug, so every virtual
    patient gets the same one, and every PKCheck states its basis
    (``typical["extracorporeal_basis"]``).
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
import functools
import math
from dataclasses import dataclass, field

import numpy as np

from .covariates import INFECTION_SITES, RACES
from .errors import InputError
from .extracorporeal import calibrate_hd_clearance, crrt_clearance, hd_sessions
from .library import CRRT_SCENARIOS, as_product, load_crrt_assumptions
from .patient import CRRT, Haemodialysis, Native
from .pd import ft_above_percent, ft_attains, ft_by_dose_interval
from .pk import Dosing, ExtraClearance, auc, peak, simulate, trough
from .pk.dosing import sorted_unique
from .pta import DEFAULT_CHUNK, DEFAULT_SEED, attainment, covariance_etas
from .schedule import WEEK_H, hd_dose_times

__all__ = [
    "Covariates",
    "AnalyteCourse",
    "PKCheck",
    "HD_CALIBRATION_RESIDUAL_CRCL_ML_PER_MIN",
    "MIC_GRID_MG_PER_L",
    "STRUCTURES",
    "DEFAULT_STRUCTURE",
    "HD_CRITERIA",
    "DEFAULT_HD_CRITERION",
    "analyte_courses",
    "simulate_structure",
    "pk_check",
    "population_attainment",
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

#: How a patient on intermittent haemodialysis is judged against a %fT target (module Notes).
HD_CRITERIA = ("every_interval", "week")

#: Default: every dosing interval of the dialysis week meets the target (the conservative reading).
DEFAULT_HD_CRITERION = "every_interval"

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
        Body-surface area (Du Bois, from the height); None: models on
        BSA-normalised CrCL estimate it from the weight alone (declared
        assumption ``bsa_from_weight``, Livingston 2001), or use 1.73 m2
        without a weight [m2].
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
    acute_pyelonephritis : bool, optional
        A urinary infection with acute pyelonephritis (Li 2019 ceftazidime:
        Vc x 0.815); needs ``infection_site="urinary"``; None reads as not [-].
    esrd : bool, optional
        End-stage renal disease: the avibactam models' ESRD flag (Li 2019,
        Xie 2025) whatever the CrCL; always set on dialysis; None reads as
        not (the models' declared CrCL thresholds still apply) [-].
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
    acute_pyelonephritis: bool | None = None
    esrd: bool | None = None

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
        if self.acute_pyelonephritis and self.infection_site != "urinary":
            raise InputError("acute_pyelonephritis applies to a urinary infection: give "
                             "infection_site='urinary'", field="acute_pyelonephritis")

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
                "acute_pyelonephritis": self.acute_pyelonephritis, "esrd": self.esrd,
                "dialysis": isinstance(self.renal_state, (Haemodialysis, CRRT))}


@dataclass(frozen=True)
class AnalyteCourse:
    """One analyte's dosing over one period and its typical-patient parameters.

    Made by :func:`analyte_courses` from a product's regimens and a patient's
    covariates; :func:`pk_check` simulates it.

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
    extracorporeal_basis : str
        Where the extracorporeal clearance comes from (calibrated to a
        published fraction removed, a published dialyser clearance, or the
        CRRT assumptions); empty without one [-].
    on_hd : bool
        The period is a week of intermittent haemodialysis [-].
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
    extracorporeal_basis: str = ""
    on_hd: bool = False

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


#: Results computed from a model and hashable arguments, kept with the model they belong to
#: (:func:`_per_model`); a few hundred entries at most (models x conditions of an atlas).
_MODEL_MEMO = {}
_MODEL_MEMO_SIZE = 512


def _per_model(model, args, make):
    """``make()`` for this model and these (hashable) arguments, computed once and reused.

    Models are frozen but hold dicts, so they are not hashable: the entry is keyed by
    the model's identity and keeps the model itself, so the identity cannot be reused
    by another object while the entry lives.
    """
    try:
        key = (id(model), args)
        hit = _MODEL_MEMO.get(key)
    except TypeError:  # an argument that cannot be hashed: no reuse
        return make()
    if hit is not None and hit[0] is model:
        return hit[1]
    value = make()
    if len(_MODEL_MEMO) >= _MODEL_MEMO_SIZE:
        _MODEL_MEMO.pop(next(iter(_MODEL_MEMO)))
    _MODEL_MEMO[key] = (model, value)
    return value


def _typical(model, crcl_ml_per_min, covariates):
    """The typical patient's structural parameters as floats (a new dict each call)."""
    def make():
        return {k: float(v) for k, v in model.typical_parameters(crcl_ml_per_min, **covariates).items()}
    return dict(_per_model(model, ("typical", crcl_ml_per_min, tuple(sorted(covariates.items()))), make))


def _hd_clearance(model, structure):
    """Session clearance: calibrated to the published fraction removed (declared ``hd_calibration``),
    else the published dialyser clearance (module Notes)."""
    return _per_model(model, ("hd_clearance", structure), lambda: _hd_clearance_of(model, structure))


def _hd_clearance_of(model, structure):
    if not model.assumption_on("hd_calibration"):
        if model.hd_cl_l_per_h is None:
            raise InputError(f"{model.key} has no published dialyser clearance (extracorporeal.hd_cl_l_per_h) "
                             "and its hd_calibration assumption is off: it cannot simulate haemodialysis",
                             field="renal_state")
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

    from scipy.optimize import brentq

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


def _hd_basis(model):
    """Which dialysis clearance a model uses, and on what evidence (stated in every PKCheck)."""
    src = model.extracorporeal
    if model.assumption_on("hd_calibration"):
        return (f"calibrated: one {model.hd_session_h:g}-h session removes {model.hd_fraction_removed:.0%} of the "
                f"body amount ({src['hd_removed_fraction'].source}; declared assumption hd_calibration)")
    return f"published dialyser clearance ({src['hd_cl_l_per_h'].source}, {src['hd_cl_l_per_h'].locator})"


def _extra(model, cov, period_h, structure):
    state = cov.renal_state
    if isinstance(state, Haemodialysis):
        start, end = hd_sessions(state.schedule, 0.0, period_h)
        cl = _hd_clearance(model, structure)
        return ExtraClearance(start, np.minimum(end, period_h), np.full(start.size, cl)), cl, _hd_basis(model)
    if isinstance(state, CRRT):
        coefficient, delivered = load_crrt_assumptions().values(model.analyte, cov.crrt_scenario)
        cl = crrt_clearance(state.effluent_l_per_h * delivered, coefficient, state.modality)
        return (ExtraClearance([0.0], [period_h], [cl]), float(cl),
                f"CRRT: coefficient x delivered effluent ({cov.crrt_scenario} scenario, models/crrt.toml)")
    return None, 0.0, ""


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
        ends = sorted_unique(hd_sessions(cov.renal_state.schedule, 0.0, WEEK_H)[1] % WEEK_H)
    courses = {}
    for regimen in regimens:
        for analyte in (regimen.analyte_dose_mg or {regimen.component: regimen.dose_mg}):
            if analyte not in product.pk_models:
                continue
            model = product.pk_models[analyte]
            extra, cl_extra, basis = _extra(model, cov, period, structure)
            params = _typical(model, cov.crcl_ml_per_min, _site_default(product, cov.model_covariates()))
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
                float("nan") if first_h is None else float(first_h), added, basis, cov.on_hd)
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


def _first_schedule(course):
    """Dosing and extracorporeal clearance of the start of therapy, from an empty body, loading dose first.

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
    return dosing, extra, t0


def _first_day_ft(course, threshold, criterion):
    """Typical %fT of the first 24 h of therapy (module Notes: on dialysis, every interval starting then)."""
    dosing, extra, t0 = _first_schedule(course)
    fu = course.model.fu_fraction
    if not (course.on_hd and criterion == "every_interval"):
        prof = _run(course, course.params, dosing, extra, t_start_h=t0, t_end_h=t0 + 24.0)
        return float(ft_above_percent(prof, threshold, fu, t0, t0 + 24.0)[0])
    starts = np.unique(dosing.start_h)
    first = starts[starts < t0 + 24.0]
    ends = starts[np.searchsorted(starts, first, side="right")]
    prof = _run(course, course.params, dosing, extra, t_start_h=t0, t_end_h=float(ends[-1]))
    return min(float(ft_above_percent(prof, threshold, fu, a, b)[0]) for a, b in zip(first, ends))


def _criterion_ft(course, profile, thresholds, criterion):
    """%fT deciding attainment at steady state: over the period, or the worst interval of a dialysis week."""
    fu = course.model.fu_fraction
    if course.on_hd and criterion == "every_interval":
        return ft_by_dose_interval(profile, thresholds, fu, course.dosing, 0.0, course.period_h,
                                   periodic=True)[1].min(axis=0)
    return ft_above_percent(profile, thresholds, fu, 0, course.period_h)


def _hd_criterion(criterion):
    criterion = DEFAULT_HD_CRITERION if criterion is None else criterion
    if criterion not in HD_CRITERIA:
        raise InputError(f"hd_criterion {criterion!r} is not known; use one of {', '.join(HD_CRITERIA)}",
                         field="hd_criterion")
    return criterion


def _criterion_text(courses, criterion):
    """The attainment criterion a check used, in words (stated in every PKCheck)."""
    if not any(c.on_hd for c in courses.values()):
        return "%fT over a dosing interval at steady state (every interval of the period alike)"
    if criterion == "every_interval":
        return ("dialysis week: a patient attains the target only if every dosing interval of the week meets it, "
                "each over its own length (hd_criterion='every_interval')")
    return "dialysis week: %fT averaged over the whole 168-h week (hd_criterion='week')"


def _thresholds(component, mics):
    if component.metric == "ft_above_mic":
        return np.asarray(mics, dtype=float)
    return np.full(len(mics), float(component.threshold_mg_per_l))


def population_attainment(product, courses, n, rng, mics, *, chunk=DEFAULT_CHUNK, criterion=None):
    r"""Whether each of ``n`` virtual patients attains the product's target, at every MIC.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product`; its target is evaluated [-].
    courses : dict
        Analyte -> :class:`AnalyteCourse`, from :func:`analyte_courses` [-].
    n : int
        Virtual patients [-].
    rng : None, int, numpy.random.Generator or numpy.random.SeedSequence
        Random source of the random effects (SPEC 7) [-].
    mics : array_like
        MIC grid, sorted [mg/L].
    chunk : int, optional
        Patients simulated at once: memory stays flat in ``n`` [-].
    criterion : {"every_interval", "week"}, optional
        On intermittent haemodialysis, whether every dosing interval of the
        week must meet the target (default) or the week's average [-].

    Returns
    -------
    joint : ndarray of bool, shape (n_mics, n)
        Every target component met [-].
    met : dict
        Analyte -> ndarray of bool, shape (n_mics, n): its own component met [-].

    Notes
    -----
    The random effects of all ``n`` patients are drawn first, jointly from
    the published OMEGA matrices (:func:`_joint_omega`); the patients are then
    simulated at steady state over one period in chunks of ``chunk``. Each
    patient's result depends only on his own parameters, so it is the same
    whatever the chunk.

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. Standardization
       of pharmacodynamic (PD) terminology for anti-infective drugs: an update.
       J Antimicrob Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079
    """
    grid = np.asarray(mics, dtype=float)
    criterion = _hd_criterion(criterion)
    pop = _population(courses, n, rng)
    joint = np.ones((grid.size, n), dtype=bool)
    met_by = {}
    for comp in product.target.components:
        c = _own_interval(courses[comp.analyte])
        met = np.empty((grid.size, n), dtype=bool)
        for s in range(0, n, int(chunk)):
            part = slice(s, min(s + int(chunk), n))
            p = pop[comp.analyte] if part.stop - part.start == n else {k: v[part] for k, v in pop[comp.analyte].items()}
            met[:, part] = _component_attainment(comp, c, _run(c, p, steady_state=True), grid, criterion)[1]
        joint &= met
        met_by[comp.analyte] = met
    return joint, met_by


def _own_interval(course):
    """The course over one of its own dosing intervals, when its period repeats that interval.

    Off dialysis a period is the least common multiple of the components' intervals
    (48 h for a q48h partner of a q8h drug), but at the periodic steady state each
    component repeats its own interval, under a clearance that does not change: the
    %fT over the period is the %fT over one interval (the same number to rounding),
    at a fraction of the work.
    """
    d, extra = course.dosing, course.extra
    n = d.start_h.size
    if course.on_hd or n < 2:
        return course
    tau = course.period_h / n
    regular = (np.array_equal(d.start_h, np.arange(n) * tau) and np.all(d.amount_mg == d.amount_mg[0])
               and np.all(d.duration_h == d.duration_h[0]) and d.duration_h[0] <= tau)
    if extra is not None:
        regular = regular and (extra.start_h.size == 1 and extra.cl_l_per_h.ndim == 1 and extra.start_h[0] == 0.0
                               and extra.end_h[0] == course.period_h)
        extra = ExtraClearance([0.0], [tau], extra.cl_l_per_h)
    if not regular:
        return course
    return dataclasses.replace(course, dosing=Dosing(d.start_h[:1], d.amount_mg[:1], d.duration_h[:1]),
                               period_h=tau, extra=extra)


def _component_attainment(comp, course, profile, grid, criterion):
    """Thresholds over the MIC grid and, per virtual patient, whether one target component is met."""
    thr = _thresholds(comp, grid)
    if thr.size > 1 and np.all(thr == thr[0]):  # a fixed threshold (avibactam): one row, the same at every MIC
        return thr, np.repeat(_criterion_met(course, profile, thr[:1], criterion, comp.ft_percent), thr.size, axis=0)
    return thr, _criterion_met(course, profile, thr, criterion, comp.ft_percent)


def _criterion_met(course, profile, thresholds, criterion, target):
    """Whether each patient meets a %fT target by the criterion (:func:`_criterion_ft`), decided exactly."""
    fu = course.model.fu_fraction
    if course.on_hd and criterion == "every_interval":
        return ft_by_dose_interval(profile, thresholds, fu, course.dosing, 0.0, course.period_h, periodic=True,
                                   target_percent=target)[1].all(axis=0)
    return ft_attains(profile, thresholds, fu, 0, course.period_h, target)


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


@dataclass(frozen=True, eq=False)
class PKCheck:
    """Result of :func:`pk_check`.

    The three tables are pandas DataFrames, built when first read (so that
    the command line's dose advice runs without importing pandas);
    :meth:`rows` gives the same rows as dicts.

    Attributes
    ----------
    courses : dict
        Analyte -> :class:`AnalyteCourse` [-].
    typical_rows : tuple of dict
        The rows of :attr:`typical` [-].
    target_rows : tuple of dict
        The rows of :attr:`targets`: typical %fT, the component's own PTA and
        the attainment ``criterion`` [-].
    pta_columns : dict
        The columns of :attr:`pta` [-].
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
    attainment_criterion : str
        How %fT was judged: over a dosing interval at steady state, or, on
        dialysis, every interval of the week (default) or the week's average [-].
    """

    courses: dict
    typical_rows: tuple
    target_rows: tuple
    pta_columns: dict
    mic_mg_per_l: float
    pta_at_mic: float
    n_patients: int
    ft_typical_percent: float = field(default=float("nan"))
    structure: str = ""
    population: str = ""
    attainment_criterion: str = ""

    @functools.cached_property
    def typical(self):
        """One row per analyte: CL, extracorporeal CL, structural volumes, Vss, half-life of the reduction,
        AUC24, Cmax, Cmin of the typical patient at steady state (pandas.DataFrame; units in column names)."""
        import pandas as pd

        return pd.DataFrame(list(self.typical_rows))

    @functools.cached_property
    def targets(self):
        """One row per target component at the requested MIC: typical %fT and the component's own PTA
        (pandas.DataFrame)."""
        import pandas as pd

        return pd.DataFrame(list(self.target_rows))

    @functools.cached_property
    def pta(self):
        """Joint PTA (``pta_fraction``) and each component's own PTA (``pta_<analyte>_fraction``) over the MIC
        grid and the requested MIC (pandas.DataFrame)."""
        import pandas as pd

        return pd.DataFrame(dict(self.pta_columns))

    def rows(self, table):
        """The rows of a table as dicts, without pandas.

        Parameters
        ----------
        table : {"typical", "targets", "pta"}
            Which table [-].

        Returns
        -------
        list of dict
            One dict per row, column -> value, in column order [-].
        """
        if table == "pta":
            cols = {k: np.broadcast_to(v, np.shape(self.pta_columns["mic_mg_per_l"])).tolist()
                    for k, v in self.pta_columns.items()}
            return [dict(zip(cols, values)) for values in zip(*cols.values())]
        rows = {"typical": self.typical_rows, "targets": self.target_rows}.get(table)
        if rows is None:
            raise InputError(f"table {table!r} is not known; use typical, targets or pta", field="table")
        return [dict(r) for r in rows]

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
               "extracorporeal_cl_l_per_h": c.extracorporeal_cl_l_per_h,
               "extracorporeal_basis": c.extracorporeal_basis, "v_l": c.v_l}
        row.update({f"{k}_l": float(c.params[k]) for k in _VOLUMES if k in c.params})
        row.update({
            "half_life_h": math.log(2) * c.v_l / c.cl_l_per_h,
            "auc24_mg_h_per_l": float(auc(p, 0, c.period_h)[0]) * 24.0 / c.period_h,
            "cmax_mg_per_l": float(peak(p, 0, c.period_h)[0]),
            "cmin_mg_per_l": float(trough(p, 0, c.period_h)[0]),
            "fu_fraction": c.model.fu_fraction})
        rows.append(row)
    return tuple(rows)


def _population_text(product, cov):
    given = cov.infection_site is not None
    site = default_population(product) if not given else {"infection_site": cov.infection_site}
    parts = [f"infection site {site['infection_site']}"
             + ("" if given else f" (default population: {site['reason']})")]
    for label, value, covariate, unit in (
            ("albumin", cov.albumin_g_per_dl, "albumin", " g/dL"), ("race", cov.race, "race", ""),
            ("ventilated", cov.ventilated, "ventilated", ""), ("APACHE II", cov.apache_ii, "apache_ii_above_10", ""),
            ("acute pyelonephritis", cov.acute_pyelonephritis, "acute_pyelonephritis", ""),
            ("ESRD flag", cov.esrd, "esrd", "")):
        if value is None:
            continue
        if isinstance(value, bool):
            value = "yes" if value else "no"
        text = f"{label} {value:g}{unit}" if isinstance(value, float) else f"{label} {value}"
        readers = [m.key for m in product.pk_models.values() if m.reads(covariate)]
        parts.append(f"{text} ({'used by ' + ', '.join(readers) if readers else 'not a covariate of these models'})")
    missing = [m.key for m in product.pk_models.values()
               if "albumin_g_per_dl" in m.default_population and cov.albumin_g_per_dl is None]
    if missing:
        parts.append("albumin: default population of " + ", ".join(missing))
    bsa = _bsa_text(product, cov)
    return "; ".join(parts + ([bsa] if bsa else []))


def _bsa_text(product, cov):
    """How the BSA of models on BSA-normalised CrCL was obtained, when it was not given."""
    models = [m for m in product.pk_models.values() if m.reads("ncrcl")]
    if not models or cov.bsa_m2 is not None:
        return ""
    keys = ", ".join(m.key for m in models)
    estimated = [m for m in models if m.assumption_on("bsa_from_weight")]
    if cov.weight_kg is None or len(estimated) < len(models):
        return f"BSA 1.73 m² assumed for the CrCL/1.73 m² of {keys} (no height or weight given)"
    from .renal import bsa_livingston
    src = estimated[0].assumptions["bsa_from_weight"]["source"]
    return (f"BSA {bsa_livingston(cov.weight_kg):.2f} m² estimated from the weight alone ({src}, no height "
            f"given; declared assumption bsa_from_weight) for the CrCL/1.73 m² of {keys}")


def pk_check(product, regimens, cov, *, mic_mg_per_l, n=1000, rng=DEFAULT_SEED, mics=MIC_GRID_MG_PER_L,
             structure=None, hd_criterion=None):
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
    hd_criterion : {"every_interval", "week"}, optional
        On intermittent haemodialysis: every dosing interval of the week must
        meet the target, or %fT averaged over the week; default
        :data:`DEFAULT_HD_CRITERION` [-].

    Returns
    -------
    PKCheck

    Notes
    -----
    A patient attains the product's target when *every* component is met in
    that patient (joint target): e.g. ceftazidime 50 % fT>MIC and avibactam
    50 % fT>1 mg/L [1]_. %fT is evaluated at steady state over a dosing
    interval; on dialysis, by default, over each dosing interval of the week,
    all of which must meet the target (module Notes, "Attainment on dialysis").
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
    criterion = _hd_criterion(hd_criterion)
    courses = analyte_courses(product, regimens, cov, structure=structure)
    judged = _criterion_text(courses, criterion)
    grid = sorted_unique(np.append(np.asarray(mics, dtype=float), mic_mg_per_l))
    joint, met_by = population_attainment(product, courses, n, rng, grid, criterion=criterion)
    typical = {a: c.typical_profile() for a, c in courses.items()}  # simulated once, used twice
    rows, per_component = [], {}
    k = int(np.searchsorted(grid, mic_mg_per_l))
    for comp in product.target.components:
        c = courses[comp.analyte]
        thr, met = _thresholds(comp, grid), met_by[comp.analyte]
        per_component[f"pta_{comp.analyte}_fraction"] = met.mean(axis=1)
        typ = _criterion_ft(c, typical[comp.analyte], thr, criterion)[:, 0]
        first = _first_day_ft(c, thr[k], criterion)
        rows.append({"analyte": comp.analyte, "metric": comp.metric,
                     "threshold_mg_per_l": float(thr[k]), "required_ft_percent": comp.ft_percent,
                     "typical_ft_percent": float(typ[k]), "typical_first_24h_ft_percent": float(first),
                     "pta_fraction": float(met[k].mean()), "criterion": judged, "source": comp.source,
                     "locator": comp.locator})
    table = {"mic_mg_per_l": grid, "pta_fraction": joint.mean(axis=1), "n_patients": n, **per_component}
    structure = next(iter(courses.values())).structure
    return PKCheck(courses, _typical_rows(courses, typical), tuple(rows), table, float(mic_mg_per_l),
                   float(joint[k].mean()), n, float(rows[0]["typical_ft_percent"]),
                   structure, _population_text(product, cov), judged)


# --- cohorts: one call over patients whose covariates (and regimens) differ ----------

_COHORT_COLUMNS = ("crcl_ml_per_min", "weight_kg", "bsa_m2", "albumin_g_per_dl", "infection_site",
                   "race", "ventilated", "apache_ii", "apache_ii_above_10", "acute_pyelonephritis", "esrd")


def _cohort(cohort):
    import pandas as pd

    if not isinstance(cohort, pd.DataFrame) or "crcl_ml_per_min" not in cohort:
        raise InputError("cohort must be a pandas DataFrame with a crcl_ml_per_min column "
                         f"(optional: {', '.join(_COHORT_COLUMNS[1:])})", field="cohort")
    if len(cohort) == 0:
        raise InputError("cohort has no patients", field="cohort")
    return cohort.reset_index(drop=True)


def _cohort_kwargs(product, frame):
    kw = {c: frame[c].to_numpy() for c in _COHORT_COLUMNS[1:] if c in frame}
    if "apache_ii" in kw:
        if "apache_ii_above_10" in kw:
            raise InputError("give apache_ii or apache_ii_above_10, not both", field="apache_ii")
        kw["apache_ii_above_10"] = kw.pop("apache_ii") > 10
    for name in ("ventilated", "apache_ii_above_10", "acute_pyelonephritis", "esrd"):
        if name in kw:
            kw[name] = _flags(name, kw[name])
    return _site_default(product, kw)


def _flags(name, values):
    """A yes/no cohort column (bool, 0/1, or the design's level names "true"/"false") -> bool array."""
    text = np.asarray([str(v).strip().lower() for v in values], dtype=object)
    ok = np.isin(text, ("true", "false", "1", "0", "1.0", "0.0"))
    if not ok.all():
        raise InputError(f"cohort column {name} holds {values[~ok][0]!r}; use true/false", field=name)
    return np.isin(text, ("true", "1", "1.0"))


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
        import pandas as pd

        return pd.Series(np.zeros(len(frame), dtype=int)), []
    cols = [by] if isinstance(by, str) else list(by)
    missing = [c for c in cols if c not in frame]
    if missing:
        raise InputError(f"by column(s) {missing} are not in the cohort", field="by")
    return frame.groupby(cols, sort=True).ngroup(), cols


def population_pta(product, cohort, regimens="label", *, renal_state=None, by=None, mics=MIC_GRID_MG_PER_L,
                   structure=None, rng=DEFAULT_SEED, hd_criterion=None):
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
        ``race``, ``ventilated``, ``apache_ii`` (or ``apache_ii_above_10``),
        ``acute_pyelonephritis``, ``esrd`` and any grouping columns, e.g.
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
    hd_criterion : {"every_interval", "week"}, optional
        On intermittent haemodialysis, as in :func:`pk_check`; default
        :data:`DEFAULT_HD_CRITERION` [-].

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
    criterion = _hd_criterion(hd_criterion)
    grid = np.asarray(mics, dtype=float)
    joint = np.ones((grid.size, len(frame)), dtype=bool)
    comp_met = {}
    for _, idx, courses, profiles in _simulate_cohort(product, frame, regimens, renal_state, structure, rng):
        for comp in product.target.components:
            c = courses[comp.analyte]
            _, met = _component_attainment(comp, c, profiles[comp.analyte], grid, criterion)
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
    import pandas as pd

    return pd.DataFrame(rows)


def exposure_summary(product, cohort, regimens="label", *, renal_state=None, by=None, structure=None,
                     rng=DEFAULT_SEED):
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
    import pandas as pd

    return pd.DataFrame(rows)
