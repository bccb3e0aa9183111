r"""Dose advice for one patient: the label regimen, its PK check, and a model-informed alternative.

:func:`advise_dose` is what a pharmacist asks pkdose: *this patient, this drug,
maybe this MIC — what dose?* It

1. assesses renal function (:func:`pkdose.patient.renal_assessment`), or takes
   a CrCL as given;
2. looks the regimen up in the product's cited label table
   (:func:`pkdose.regimens.select_regimens`), one per component;
3. checks it in the PK model for this patient at the user's MIC, or at the
   breakpoint when no MIC is given (:func:`pkdose.exposure.pk_check`);
4. when the population PTA is below 90 % — or the label has no row for the
   renal state (CRRT for most products) — searches doses in whole or half
   vials, intervals 6/8/12/24 h and infusions of 0.5, 2, 3 h or continuous,
   never above the labelled single or daily maximum, for the lowest daily dose
   reaching 90 %, and returns it labelled *model-informed, not labelled dosing*.

:func:`recommend` starts from a resistance mechanism instead of a drug: it
lists what each guideline (and the two seed documents) ranks for that
mechanism, with dates, the pitfalls, and dose advice for each ranked product
pkdose models.

References
----------
.. [1] Paul M, Carrara E, Retamar P, et al. European Society of Clinical
   Microbiology and Infectious Diseases (ESCMID) guidelines for the treatment
   of infections caused by multidrug-resistant Gram-negative bacilli (endorsed
   by European Society of Intensive Care Medicine). Clin Microbiol Infect.
   2022;28(4):521-547. doi:10.1016/j.cmi.2021.11.025
.. [2] Tamma PD, et al. Infectious Diseases Society of America 2026 guidance on
   the treatment of antimicrobial-resistant gram-negative infections. Clin
   Infect Dis. 2026. doi:10.1093/cid/ciag481
.. [3] Roberts JA, Abdul-Aziz MH, Lipman J, et al. Individualised antibiotic
   dosing for patients who are critically ill: challenges and potential
   solutions. Lancet Infect Dis. 2014;14(6):498-509.
   doi:10.1016/S1473-3099(14)70036-2
"""

from dataclasses import dataclass, field, replace

import numpy as np

from .errors import InputError, OutOfRangeError
from .exposure import Covariates, pk_check
from .guidelines import canonical_mechanism, recommendations, warnings_for
from types import MappingProxyType

from .library import load_pk_model, load_product, load_regimen_table, load_sources
from .patient import CRRT, Haemodialysis, Native, renal_assessment
from .regimens import Regimen, exceeds_label_maximum, select_regimens
from .sources import format_citation

__all__ = [
    "PTA_GOAL",
    "DoseAdvice",
    "Recommendation",
    "advise_dose",
    "recommend",
    "search_regimens",
    "default_mic",
    "renal_summary",
    "with_pk_models",
]

#: PTA a regimen must reach to be called adequate [-].
from .library.clinical import PTA_GOAL  # noqa: E402 (models/clinical.toml: constants.pta_goal_fraction)

#: Candidate intervals and infusion times of the model-informed search [h].
SEARCH_INTERVALS_H = (6.0, 8.0, 12.0, 24.0)
SEARCH_INFUSIONS_H = (0.5, 2.0, 3.0)

#: Breakpoint body used for the default MIC in each jurisdiction.
BREAKPOINT_BODY = {"US": "CLSI", "EU": "EUCAST"}


@dataclass(frozen=True)
class RenalSummary:
    """How the creatinine clearance used for dosing was obtained.

    Parameters
    ----------
    crcl_ml_per_min : float
        CrCL used for the label bands (residual CrCL on dialysis) [mL/min].
    method : str
        How it was obtained [-].
    renal_state : str
        ``"native"``, ``"ihd"`` or ``"crrt"`` [-].
    state : Native, Haemodialysis or CRRT
        The renal-state object [-].
    weight_explanation : str or None
        Which body weight went into Cockcroft–Gault, and why [-].
    notes : tuple of str
        Caveats (e.g. augmented renal clearance) [-].
    assessment : RenalAssessment or None
        Full assessment when a patient was given [-].
    """

    crcl_ml_per_min: float
    method: str
    renal_state: str
    state: object
    weight_explanation: str | None = None
    notes: tuple = ()
    assessment: object = None


@dataclass(frozen=True)
class DoseAdvice:
    """Answer of :func:`advise_dose`.

    Attributes
    ----------
    product, display_name, jurisdiction : str
        What was asked [-].
    renal : RenalSummary
        CrCL used and how [-].
    regimens : tuple of Regimen
        Label regimen, one per component (empty when the label has none) [-].
    label_note : str
        Why there is no label regimen, if there is none [-].
    mic_mg_per_l : float
        MIC used for the PK check [mg/L].
    mic_basis : str
        ``"user"`` or the breakpoint it came from [-].
    check : PKCheck or None
        PK check of the label regimen [-].
    alternative : tuple of Regimen
        Model-informed regimen (empty if not needed or none found) [-].
    alternative_check : PKCheck or None
        Its PK check [-].
    alternative_note : str
        Outcome of the search [-].
    warnings : tuple of str
        Safety flags (label maximum exceeded, HD timing, missing label rows) [-].
    citations : tuple of str
        Formatted references of every regimen and target [-].
    """

    product: str
    display_name: str
    jurisdiction: str
    renal: RenalSummary
    regimens: tuple
    label_note: str
    mic_mg_per_l: float
    mic_basis: str
    check: object
    alternative: tuple = ()
    alternative_check: object = None
    alternative_note: str = ""
    warnings: tuple = ()
    citations: tuple = ()
    target_text: str = ""
    pk_models: tuple = field(default_factory=tuple)


def _state_name(state):
    if isinstance(state, Haemodialysis):
        return "ihd"
    if isinstance(state, CRRT):
        return "crrt"
    return "native"


def renal_summary(patient=None, renal_state=None, *, crcl_ml_per_min=None, weight_rule="auto"):
    """Resolve the renal input (a patient or a CrCL) into the CrCL used for dosing.

    Parameters
    ----------
    patient : Patient, optional
        Patient with SCr and demographics or a measured CrCL [-].
    renal_state : Native, Haemodialysis or CRRT, optional
        Default native kidneys [-].
    crcl_ml_per_min : float, optional
        CrCL given directly, when no patient is given [mL/min].
    weight_rule : str, optional
        Cockcroft–Gault weight rule (see :func:`pkdose.renal.select_cg_weight`) [-].

    Returns
    -------
    RenalSummary

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum
       creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580
    """
    state = Native() if renal_state is None else renal_state
    if patient is not None:
        a = renal_assessment(patient, state, weight_rule=weight_rule)
        return RenalSummary(a.crcl_ml_per_min, a.method, _state_name(state), state,
                            a.weight_explanation, tuple(a.notes), a)
    if isinstance(state, (Haemodialysis, CRRT)):
        crcl = state.residual_crcl_ml_per_min
        return RenalSummary(crcl, f"residual CrCL on {_state_name(state).upper()}: {crcl:g} mL/min",
                            _state_name(state), state)
    if crcl_ml_per_min is None:
        raise InputError("give a patient (age, sex, weight, SCr with unit) or a CrCL in mL/min")
    crcl = float(crcl_ml_per_min)
    if not (np.isfinite(crcl) and 0 <= crcl <= 400):
        raise OutOfRangeError(f"CrCL {crcl_ml_per_min!r} mL/min is outside 0-400 mL/min; "
                              "check the value and unit (mL/min, not mL/s or L/h)")
    notes = ("CrCL ≥ 130 mL/min: possible augmented renal clearance",) if crcl >= 130 else ()
    return RenalSummary(crcl, "CrCL given", "native", state, None, notes)


def default_mic(product, jurisdiction="US", organism="Enterobacterales"):
    """The susceptible breakpoint used as MIC when the user gives none.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    jurisdiction : str, optional
        ``"US"`` uses CLSI, ``"EU"`` uses EUCAST [-].
    organism : str, optional
        Organism group of the breakpoint [-].

    Returns
    -------
    tuple
        (MIC [mg/L], text saying which breakpoint) [-].

    References
    ----------
    .. [1] EUCAST. Breakpoint tables for interpretation of MICs and zone diameters.
    .. [2] CLSI. Performance Standards for Antimicrobial Susceptibility Testing. M100.
    """
    body = BREAKPOINT_BODY.get(jurisdiction, "EUCAST")
    rows = [b for b in product.breakpoints if b.organism == organism and b.s_le_mg_per_l is not None]
    rows.sort(key=lambda b: b.body != body)
    if not rows:
        raise InputError(f"no susceptible breakpoint for {product.name} in {organism}; give --mic")
    b = rows[0]
    return b.s_le_mg_per_l, f"{b.body} susceptible breakpoint for {organism} (S ≤ {b.s_le_mg_per_l:g} mg/L)"


def _covariates(renal, patient):
    a = renal.assessment
    weight = None if patient is None or patient.weight_kg is None else patient.weight_kg
    bsa = None if a is None else a.bsa_m2
    return Covariates(renal.crcl_ml_per_min, renal.state, weight, bsa)


def _label_regimens(table, renal, jurisdiction):
    kw = dict(renal_state=renal.renal_state, jurisdiction=jurisdiction)
    if renal.renal_state == "crrt":
        kw["effluent_l_per_h"] = renal.state.effluent_l_per_h
    else:
        kw["crcl_ml_per_min"] = renal.crcl_ml_per_min
    try:
        return tuple(select_regimens(table, **kw)), ""
    except OutOfRangeError as exc:
        if renal.renal_state == "crrt":
            return (), f"No {jurisdiction} label dose for CRRT: {exc}"
        raise


def _citations(regimens, product):
    sources = load_sources()
    keys = [k for r in regimens for k, _ in r.citations]
    keys += [c.source for c in product.target.components]
    keys += [m.source for m in product.pk_models.values()]
    seen = dict.fromkeys(k for k in keys if k in sources)
    return tuple(f"[{k}] {format_citation(sources[k])}" for k in seen)


def _warnings(regimens, renal):
    out = []
    for r in regimens:
        if exceeds_label_maximum(r):
            out.append(f"!!! {r.component}: {r.daily_dose_mg:g} mg/day is ABOVE the labelled maximum "
                       f"of {r.max_daily_dose_mg:g} mg/day — not a label dose; specialist review")
    if renal.renal_state == "ihd":
        out.append("Dialysis days: start the dose(s) marked 'after HD' when the session ends.")
    a = renal.assessment
    if renal.renal_state != "native" and a is not None and a.crcl_cockcroft_gault_ml_per_min is not None:
        out.append("SCr-based CrCL is not valid on renal replacement; the residual CrCL was used.")
    return tuple(out)


def with_pk_models(prod, paths):
    """Replace a product's default PK models by user model files.

    Parameters
    ----------
    prod : Product
        From :func:`pkdose.library.load_product` [-].
    paths : sequence of str or pathlib.Path
        Model files (format in ``models/README.md``); each replaces the
        product's model of the same analyte [-].

    Returns
    -------
    Product

    Raises
    ------
    ModelFileError
        A file is malformed.
    InputError
        A file's analyte is not part of the product.

    References
    ----------
    .. [1] ``models/README.md``, "Your own model file".
    """
    models = dict(prod.pk_models)
    for path in paths:
        model = load_pk_model(path)
        if model.analyte not in models:
            raise InputError(f"model file {path} is for {model.analyte!r}, which {prod.name} does not "
                             f"contain (analytes: {', '.join(models)})")
        models[model.analyte] = model
    return replace(prod, pk_models=MappingProxyType(models))


def advise_dose(product, patient=None, renal_state=None, *, crcl_ml_per_min=None, mic_mg_per_l=None,
                jurisdiction="US", weight_rule="auto", n=1000, rng=2026, search=True, pk_model_files=()):
    r"""Adjusted regimen for one patient, its sources, and how it performs in the PK model.

    Parameters
    ----------
    product : str
        Product CLI name (``"cefiderocol"``, ``"ceftazidime-avibactam"``,
        ``"aztreonam"``, ``"ceftazidime-avibactam+aztreonam"``,
        ``"aztreonam-avibactam"``) [-].
    patient : Patient, optional
        Patient (SCr and demographics, or measured CrCL) [-].
    renal_state : Native, Haemodialysis or CRRT, optional
        Renal state; default native kidneys [-].
    crcl_ml_per_min : float, optional
        CrCL given directly when no patient is given [mL/min].
    mic_mg_per_l : float, optional
        MIC of the isolate; default the susceptible breakpoint [mg/L].
    jurisdiction : str, optional
        ``"US"`` or ``"EU"`` label [-].
    weight_rule : str, optional
        Cockcroft–Gault weight rule [-].
    n : int, optional
        Virtual patients for PTA [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    search : bool, optional
        Search a model-informed regimen when PTA < 90 % or no label row exists [-].
    pk_model_files : sequence of str, optional
        User PK model files replacing the defaults of their analytes [-].

    Returns
    -------
    DoseAdvice

    Raises
    ------
    UnknownDrugError, InputError, OutOfRangeError, UnitError
        Unknown product or invalid patient input.

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) for injection. US prescribing
       information. Section 2.2.

    Examples
    --------
    >>> a = advise_dose("cefiderocol", crcl_ml_per_min=45, n=200)
    >>> a.regimens[0].dose_mg, a.regimens[0].interval_h, a.regimens[0].infusion_h
    (1500.0, 8.0, 3.0)
    """
    prod = with_pk_models(load_product(product), pk_model_files)
    table = load_regimen_table(product)
    renal = renal_summary(patient, renal_state, crcl_ml_per_min=crcl_ml_per_min, weight_rule=weight_rule)
    if mic_mg_per_l is None:
        mic, basis = default_mic(prod, jurisdiction)
    else:
        mic, basis = float(mic_mg_per_l), "user"
        if not (np.isfinite(mic) and 0 < mic <= 512):
            raise OutOfRangeError(f"MIC {mic_mg_per_l!r} mg/L is outside (0, 512] mg/L")
    regimens, label_note = _label_regimens(table, renal, jurisdiction)
    cov = _covariates(renal, patient)
    check = pk_check(prod, regimens, cov, mic_mg_per_l=mic, n=n, rng=rng) if regimens else None
    alt, alt_check, alt_note = (), None, ""
    if search and (check is None or check.pta_at_mic < PTA_GOAL):
        alt, alt_check, alt_note = search_regimens(prod, table, cov, mic, regimens, n=n, rng=rng)
    return DoseAdvice(
        product, table.display_name, jurisdiction, renal, regimens, label_note, mic, basis, check,
        alt, alt_check, alt_note, _warnings(regimens, renal),
        _citations(regimens + alt, prod), _target_text(prod),
        tuple(f"{a}: {m.key}" for a, m in prod.pk_models.items()))


def _target_text(prod):
    parts = []
    for c in prod.target.components:
        thr = "MIC" if c.metric == "ft_above_mic" else f"{c.threshold_mg_per_l:g} mg/L"
        parts.append(f"{c.analyte} {c.ft_percent:g} % fT>{thr}")
    return " AND ".join(parts)


# --- model-informed search -----------------------------------------------------------


def _component_limits(table, component):
    """Vial, largest labelled single dose and labelled daily maximum of one component."""
    rows = [r for r in table.rows if r.component == component]
    vial = table.vial_mg[component]  # the loader requires a cited vial for every component
    split = max(rows, key=lambda r: r.dose_mg).analyte_dose_mg
    return vial, max(r.dose_mg for r in rows), min(r.max_daily_dose_mg for r in rows), split


def _candidates(table, component, give_after_hd, min_daily_mg=0.0):
    """Every regimen of the search grid for one component, lowest daily dose first."""
    vial, max_single, max_daily, split = _component_limits(table, component)
    total = sum(split.values()) or 1.0
    out = []
    doses = np.arange(1, int(round(2 * max_single / vial)) + 1) * vial / 2
    for tau in SEARCH_INTERVALS_H:
        for dose in doses:
            for inf in SEARCH_INFUSIONS_H:
                out.append((dose, tau, inf))
    for k in range(1, int(max_daily // (vial / 2)) + 1):  # continuous infusion, daily amount in half vials
        out.append((k * vial / 2, 24.0, 24.0))
    regs = []
    for dose, tau, inf in out:
        daily = dose * 24.0 / tau
        if daily > max_daily + 1e-9 or daily < min_daily_mg - 1e-9:
            continue
        regs.append(Regimen(component=component, dose_mg=float(dose), interval_h=tau, infusion_h=inf,
                            analyte_dose_mg={a: float(dose) * d / total for a, d in split.items()},
                            give_after_hd=give_after_hd and inf < tau, max_daily_dose_mg=max_daily,
                            note="model-informed, not labelled dosing"))
    regs.sort(key=lambda r: (r.daily_dose_mg, -r.interval_h, r.infusion_h))
    return regs


def search_regimens(product, table, cov, mic_mg_per_l, label_regimens=(), *, n=1000, rng=2026):
    """Lowest-daily-dose regimen on the vial/interval/infusion grid reaching PTA ≥ 90 %.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    table : RegimenTable
        The product's label table (components, vials, maxima) [-].
    cov : Covariates
        Patient covariates and renal state [-].
    mic_mg_per_l : float
        MIC [mg/L].
    label_regimens : sequence of Regimen, optional
        Label regimens; components not searched keep theirs [-].
    n : int, optional
        Virtual patients (the same population for every candidate) [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].

    Returns
    -------
    tuple
        (regimens, PKCheck or None, note) — empty regimens when nothing on
        the grid reaches the goal within the label maxima [-].

    Notes
    -----
    Candidates: doses in half-vial steps up to the largest labelled single
    dose; intervals 6, 8, 12 and 24 h; infusions of 0.5, 2 and 3 h, or a
    continuous infusion; the labelled daily maximum is never exceeded, and no
    component gets less per day than the label regimen it replaces (a
    regimen that fails is intensified, never thinned out — a continuous
    infusion could otherwise reach the fT target with less drug and lower AUC). For a
    combination the components share interval and infusion (given together)
    and pairs are ordered by total daily amount. The first candidate (lowest daily dose, then longest interval, then
    shortest infusion) with joint PTA ≥ 90 % is returned [1]_.

    References
    ----------
    .. [1] Roberts JA, Abdul-Aziz MH, Lipman J, et al. Individualised antibiotic
       dosing for patients who are critically ill: challenges and potential
       solutions. Lancet Infect Dis. 2014;14(6):498-509.
       doi:10.1016/S1473-3099(14)70036-2
    """
    components = list(dict.fromkeys(r.component for r in table.rows))
    after_hd = cov.on_hd
    label_daily = {r.component: r.daily_dose_mg for r in label_regimens}
    grids = [_candidates(table, c, after_hd, label_daily.get(c, 0.0)) for c in components]
    combos = _ordered_combinations(grids)
    for combo in combos:
        chk = pk_check(product, combo, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, mics=())
        if chk.pta_at_mic >= PTA_GOAL:
            chk = pk_check(product, combo, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng)  # full MIC grid
            note = (f"Lowest daily dose on the search grid with PTA ≥ {PTA_GOAL:.0%} at MIC "
                    f"{mic_mg_per_l:g} mg/L. Model-informed, NOT labelled dosing: confirm with a specialist "
                    "and, where available, therapeutic drug monitoring; check in-use stability for "
                    "prolonged or continuous infusion.")
            return tuple(combo), chk, note
    return (), None, (f"No regimen within the labelled maxima reaches PTA ≥ {PTA_GOAL:.0%} at MIC "
                      f"{mic_mg_per_l:g} mg/L in this model: consider another agent.")


def _ordered_combinations(grids):
    """Candidate tuples (one per component) in order of total daily amount.

    Components of a combination are given together (IDSA: simultaneous
    administration of ceftazidime-avibactam and aztreonam), so a pair shares
    its interval and infusion time.
    """
    if len(grids) == 1:
        return [[g] for g in grids[0]]
    pairs = [(a.daily_dose_mg + b.daily_dose_mg, i, j) for i, a in enumerate(grids[0])
             for j, b in enumerate(grids[1])
             if a.interval_h == b.interval_h and a.infusion_h == b.infusion_h]
    pairs.sort()
    return [[grids[0][i], grids[1][j]] for _, i, j in pairs]


# --- mechanism-first -----------------------------------------------------------------


def _mic_per_product(mic_mg_per_l, products):
    """Expand the MIC argument of :func:`recommend` to one value (or None) per product."""
    if mic_mg_per_l is None:
        return {}
    if isinstance(mic_mg_per_l, dict):
        unknown = sorted(set(mic_mg_per_l) - set(products))
        if unknown:
            raise InputError(f"MIC given for {unknown}, which the guidelines do not rank for this mechanism; "
                             f"ranked products: {', '.join(products)}")
        return dict(mic_mg_per_l)
    return {p: mic_mg_per_l for p in products}


@dataclass(frozen=True)
class Recommendation:
    """Answer of :func:`recommend`.

    Attributes
    ----------
    mechanism : str
        Canonical mechanism name [-].
    options : pandas.DataFrame
        Guideline × option table (guideline, date, rank, product, tier,
        certainty, in_pkdose, citation) [-].
    products : tuple of str
        pkdose products in the order advised (newest guideline first) [-].
    advice : tuple of DoseAdvice
        Dose advice for each product [-].
    warnings : tuple
        Pitfalls with citations [-].
    """

    mechanism: str
    options: object
    products: tuple
    advice: tuple
    warnings: tuple


def recommend(mechanism, patient=None, renal_state=None, *, crcl_ml_per_min=None, site=None,
              severity=None, mic_mg_per_l=None, jurisdiction="US", n=1000, rng=2026, search=True):
    """Guideline options for a resistance mechanism, with PK-checked doses for this patient.

    Parameters
    ----------
    mechanism : str
        ``KPC``, ``OXA-48`` (OXA-48-like), ``MBL`` / ``NDM`` / ``VIM`` / ``IMP``,
        or ``untyped`` [-].
    patient, renal_state, crcl_ml_per_min
        As for :func:`advise_dose` [-].
    site : str, optional
        Infection site filter, as in ``models/guidelines.toml`` [-].
    severity : str, optional
        Severity filter [-].
    mic_mg_per_l : float or dict, optional
        One MIC for every product, or ``{product: MIC}``: the agents' MICs are
        different tests (cefiderocol in iron-depleted broth; aztreonam with
        avibactam 4 mg/L), so give them separately when known; a product
        without one is checked at its susceptible breakpoint [mg/L].
    jurisdiction, n, rng, search
        As for :func:`advise_dose` [-].

    Returns
    -------
    Recommendation

    References
    ----------
    .. [1] Paul M, Carrara E, Retamar P, et al. Clin Microbiol Infect.
       2022;28(4):521-547. doi:10.1016/j.cmi.2021.11.025
    .. [2] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481
    """
    mech = canonical_mechanism(mechanism)
    options = recommendations(mech, site=site, severity=severity)
    modelled = options[options["in_pkdose"].astype(bool)]  # an empty answer has an object column
    ordered = modelled.sort_values(["date", "rank"], ascending=[False, True])
    products = tuple(dict.fromkeys(ordered["product"]))
    mics = _mic_per_product(mic_mg_per_l, products)
    advice = tuple(advise_dose(p, patient, renal_state, crcl_ml_per_min=crcl_ml_per_min,
                               mic_mg_per_l=mics.get(p), jurisdiction=jurisdiction, n=n, rng=rng,
                               search=search) for p in products)
    return Recommendation(mech, options, products, advice, tuple(warnings_for(mech)))
