r"""Dose advice for one patient: the cited regimen, its PK check, and a model-informed alternative.

:func:`advise_dose` is what a pharmacist asks pkdose: *this patient, this drug,
maybe this MIC — what dose?* It

1. assesses renal function (:func:`pkdose.patient.renal_assessment`), or takes
   a CrCL as given;
2. looks the regimen up in the product's cited label table
   (:func:`pkdose.regimens.select_regimens`), one per component; where the
   label is silent (CRRT for most products) the first answer is the published
   regimen, shown as such with its evidence grade
   (:func:`pkdose.regimens.select_published`);
3. interprets the MIC against the jurisdiction's breakpoints (CLSI for the US,
   EUCAST for the EU): at a resistant MIC nothing is searched and the answer
   says the isolate is resistant;
4. checks the regimen in the PK model for this patient at the user's MIC, or
   at the susceptible breakpoint (:func:`pkdose.exposure.pk_check`), with the
   Monte Carlo interval of the PTA and a verdict that escalates the number of
   virtual patients until it is stable (:func:`assess`); on CRRT at the
   low, central and high end of the extracorporeal clearance range, the
   verdict at the high end;
5. when the verdict is not "meets", searches a model-informed regimen that can
   only intensify (:func:`search_regimens`): never below the label's daily
   dose, on CRRT never below the published CRRT regimen nor the labelled HD
   dose, infusion times only as the label or cited stability data allow,
   continuous infusions with a loading dose, the first 24 hours on target,
   combination components given together.

:func:`recommend` starts from a resistance mechanism instead of a drug: what
each guideline ranks for that mechanism, with its conditions and date, the
AI-generated seed summaries apart, the pitfalls, and dose advice for each
product pkdose models, with the reason it is offered.

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
from types import MappingProxyType

import numpy as np

from .errors import InputError, OutOfRangeError
from .exposure import Covariates, pk_check
from .guidelines import guideline_reasons, mechanism_options, warnings_for
from .library import (
    CRRT_SCENARIOS,
    load_crrt_assumptions,
    load_pk_model,
    load_product,
    load_regimen_table,
    load_sources,
)
from .patient import CRRT, Haemodialysis, Native, renal_assessment
from .pta import pta_interval
from .regimens import Regimen, exceeds_label_maximum, select_published, select_regimens

__all__ = [
    "PTA_GOAL",
    "BORDERLINE_BAND",
    "N_PATIENTS_MAX",
    "ORGANISMS",
    "Verdict",
    "Susceptibility",
    "DoseAdvice",
    "Recommendation",
    "advise_dose",
    "assess",
    "recommend",
    "search_regimens",
    "default_mic",
    "susceptibility",
    "renal_summary",
    "with_pk_models",
]

#: PTA a regimen must reach to be called adequate [-].
from .library.clinical import PTA_GOAL  # noqa: E402 (models/clinical.toml: constants.pta_goal_fraction)

#: Half-width of the band around the goal in which the verdict is "borderline" [-].
#: A technical constant of the Monte Carlo decision, not a clinical one: true PTAs
#: within one percentage point of the goal are not told apart from it, so the
#: verdict does not flip with the random seed (:func:`assess`).
BORDERLINE_BAND = 0.01

#: Most virtual patients :func:`assess` escalates to [-].
N_PATIENTS_MAX = 32_000

#: Organism groups with breakpoints in ``models/targets.toml``.
ORGANISMS = ("Enterobacterales", "Pseudomonas aeruginosa")

#: Breakpoint body used in each jurisdiction.
BREAKPOINT_BODY = {"US": "CLSI", "EU": "EUCAST"}

#: Candidate intervals of the model-informed search [h].
SEARCH_INTERVALS_H = (6.0, 8.0, 12.0, 24.0)


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
class Verdict:
    """Whether a regimen reaches the PTA goal, with its Monte Carlo interval.

    Parameters
    ----------
    verdict : str
        ``"meets"``, ``"borderline"`` or ``"BELOW"`` [-].
    pta : float
        Joint PTA at the MIC [-].
    lower, upper : float
        95 % Monte Carlo interval of the PTA [-].
    n_patients : int
        Virtual patients behind the estimate [-].
    """

    verdict: str
    pta: float
    lower: float
    upper: float
    n_patients: int

    @property
    def meets(self):
        """True when the goal is met beyond Monte Carlo doubt [-]."""
        return self.verdict == "meets"

    def text(self):
        r"""The verdict as a pharmacist reads it.

        Returns
        -------
        str

        References
        ----------
        .. [1] Wilson EB. J Am Stat Assoc. 1927;22(158):209-212.
        """
        what = {"meets": f"meets the {100 * PTA_GOAL:g} % goal",
                "BELOW": f"BELOW the {100 * PTA_GOAL:g} % goal",
                "borderline": f"borderline: within {100 * BORDERLINE_BAND:g} point of the {100 * PTA_GOAL:g} % "
                              "goal, not shown to meet it"}[self.verdict]
        return (f"{100 * self.pta:.1f} % (95 % Monte Carlo interval {100 * self.lower:.1f}–"
                f"{100 * self.upper:.1f} %, n = {self.n_patients}): {what}")


@dataclass(frozen=True)
class Susceptibility:
    """The MIC read against the jurisdiction's breakpoint.

    Parameters
    ----------
    category : str
        ``"S"``, ``"I"``, ``"R"`` or ``""`` when no breakpoint exists [-].
    body : str
        ``"CLSI"`` or ``"EUCAST"`` [-].
    organism : str
        Organism group [-].
    text : str
        What it means, with the breakpoint, e.g. "RESISTANT by CLSI for
        Enterobacterales (S ≤ 4, R ≥ 16 mg/L)" [-].
    source, locator : str
        Citation of the breakpoint row [-].
    """

    category: str
    body: str
    organism: str
    text: str
    source: str = ""
    locator: str = ""


@dataclass(frozen=True)
class DoseAdvice:
    """Answer of :func:`advise_dose`.

    Attributes
    ----------
    product, display_name, jurisdiction, organism : str
        What was asked [-].
    renal : RenalSummary
        CrCL used and how [-].
    regimens : tuple of Regimen
        The regimen offered first, one per component: the label's, or the
        published one where the label is silent (empty when there is none) [-].
    basis : str
        ``"label"``, ``"combination"``, ``"published"``, ``"label-other-jurisdiction"``
        or ``"none"`` [-].
    basis_text : str
        The heading of the regimen, e.g. ``"US label"`` or ``"published practice
        on CRRT (off-label)"`` [-].
    label_note : str
        Why there is no label regimen, if there is none [-].
    mic_mg_per_l : float
        MIC used for the PK check [mg/L].
    mic_basis : str
        ``"user"`` or the breakpoint it came from [-].
    susceptibility : Susceptibility
        The MIC read against the breakpoint [-].
    check : PKCheck or None
        PK check of the regimen (on CRRT at the high-clearance end) [-].
    verdict : Verdict or None
        PTA verdict of the regimen [-].
    crrt_range : tuple
        On CRRT, ``(scenario, Verdict, {analyte: extracorporeal CL})`` at the
        low, central and high end of the clearance range [-].
    threshold_check : tuple or None
        ``(TargetComponent, alternative Param, Verdict)``: the regimen's PTA
        with the alternative of an unsettled threshold [-].
    alternative : tuple of Regimen
        Model-informed regimen (empty if not needed or none found) [-].
    alternative_check : PKCheck or None
        Its PK check [-].
    alternative_verdict : Verdict or None
        Its verdict [-].
    alternative_note : str
        Outcome of the search [-].
    alternative_reason : str
        One line: why it is offered and what it assumes [-].
    warnings : tuple of str
        Safety flags (resistance, label cautions, maxima, dialysis timing) [-].
    sources : tuple of Source
        Every bibliography entry the answer used [-].
    target_text : str
        The PD target [-].
    pk_models : tuple of str
        ``analyte: model key`` [-].
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
    sources: tuple = ()
    target_text: str = ""
    pk_models: tuple = field(default_factory=tuple)
    basis: str = "label"
    basis_text: str = ""
    organism: str = "Enterobacterales"
    susceptibility: object = None
    verdict: object = None
    crrt_range: tuple = ()
    threshold_check: object = None
    alternative_verdict: object = None
    alternative_reason: str = ""


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


def _check_organism(organism):
    if organism not in ORGANISMS:
        raise InputError(f"organism={organism!r}: use one of {', '.join(ORGANISMS)}", field="organism")
    return organism


def _breakpoint_rows(product, jurisdiction, organism):
    """The product's breakpoint rows for the organism, the jurisdiction's body first."""
    body = BREAKPOINT_BODY.get(jurisdiction, "EUCAST")
    rows = [b for b in product.breakpoints if b.organism == organism]
    return sorted(rows, key=lambda b: b.body != body), body


def default_mic(product, jurisdiction="US", organism="Enterobacterales"):
    """The breakpoint used as MIC when the user gives none.

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

    Raises
    ------
    InputError
        No breakpoint exists for the organism: give a measured MIC.

    Notes
    -----
    The susceptible breakpoint; where EUCAST has no susceptible category at
    the standard dose (S ≤ 0.001 mg/L, aztreonam and P. aeruginosa) the
    highest MIC that is not resistant ("susceptible, increased exposure").

    References
    ----------
    .. [1] EUCAST. Breakpoint tables for interpretation of MICs and zone diameters.
    .. [2] CLSI. Performance Standards for Antimicrobial Susceptibility Testing. M100.
    """
    rows, _ = _breakpoint_rows(product, jurisdiction, _check_organism(organism))
    rows = [b for b in rows if b.s_le_mg_per_l is not None]
    if not rows:
        raise InputError(f"no breakpoint for {product.name} in {organism} (EUCAST and CLSI): give the "
                         "isolate's measured MIC with --mic; its susceptibility cannot be interpreted",
                         field="mic_mg_per_l")
    b = rows[0]
    if b.s_le_mg_per_l <= 0.001 and b.r_gt_mg_per_l is not None:
        return (b.r_gt_mg_per_l, f"{b.body} breakpoint for {organism}: no susceptible category at the standard "
                f"dose, susceptible with increased exposure up to {b.r_gt_mg_per_l:g} mg/L")
    return b.s_le_mg_per_l, f"{b.body} susceptible breakpoint for {organism} (S ≤ {b.s_le_mg_per_l:g} mg/L)"


def susceptibility(product, mic_mg_per_l, jurisdiction="US", organism="Enterobacterales"):
    """Read an MIC against the jurisdiction's breakpoint: S, I, R, or not interpretable.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    mic_mg_per_l : float
        MIC of the isolate [mg/L].
    jurisdiction : str, optional
        ``"US"`` reads CLSI, ``"EU"`` EUCAST [-].
    organism : str, optional
        Organism group [-].

    Returns
    -------
    Susceptibility

    References
    ----------
    .. [1] EUCAST. Breakpoint tables for interpretation of MICs and zone diameters.
       Version 15.0; 2025.
    .. [2] CLSI. Performance Standards for Antimicrobial Susceptibility Testing. M100.

    Examples
    --------
    >>> s = susceptibility(load_product("cefiderocol"), 16, "US")
    >>> s.category, s.body
    ('R', 'CLSI')
    """
    rows, body = _breakpoint_rows(product, jurisdiction, _check_organism(organism))
    rows = [b for b in rows if b.body == body]
    if not rows or rows[0].status != "breakpoint":
        why = rows[0].status.replace("_", " ") if rows else "no row"
        return Susceptibility("", body, organism, f"{body} has no {product.name} breakpoint for {organism} "
                              f"({why}): the MIC cannot be interpreted", *(
                                  (rows[0].source, rows[0].locator) if rows else ("", "")))
    b = rows[0]
    cat = b.category(mic_mg_per_l)
    limit = (f"R > {b.r_gt_mg_per_l:g}" if b.r_gt_mg_per_l is not None else f"R ≥ {b.r_ge_mg_per_l:g}")
    words = {"S": "susceptible", "I": ("susceptible, increased exposure" if body == "EUCAST" else "intermediate"),
             "R": "RESISTANT"}[cat]
    text = f"{words} by {body} for {organism} (S ≤ {b.s_le_mg_per_l:g}, {limit} mg/L)"
    return Susceptibility(cat, body, organism, text, b.source, b.locator)


def _covariates(renal, patient, scenario="central", pk_covariates=None):
    a = renal.assessment
    weight = None if patient is None or patient.weight_kg is None else patient.weight_kg
    bsa = None if a is None else a.bsa_m2
    return Covariates(renal.crcl_ml_per_min, renal.state, weight, bsa, crrt_scenario=scenario,
                      **(pk_covariates or {}))


def _axis(renal):
    kw = {"renal_state": renal.renal_state}
    if renal.renal_state == "crrt":
        kw["effluent_l_per_h"] = renal.state.effluent_l_per_h
    else:
        kw["crcl_ml_per_min"] = renal.crcl_ml_per_min
    return kw


def _primary(table, renal, jurisdiction):
    """(regimens, basis, heading, label note): the label's, else the published regimen."""
    kw = _axis(renal)
    combination = len(table.components) > 1
    try:
        regs = tuple(select_regimens(table, jurisdiction=jurisdiction, **kw))
        if combination:
            return regs, "combination", ("combination regimen: no label covers it; each component dosed by "
                                         f"its own {jurisdiction} label, given together"), ""
        return regs, "label", f"{jurisdiction} label", ""
    except OutOfRangeError:
        if renal.renal_state != "crrt":
            raise
        note = (f"No {jurisdiction} label dose for CRRT ({table.display_name}: "
                f"{'none of the component labels has one' if combination else 'the label has none'}).")
    try:
        regs = tuple(select_published(table, jurisdiction=jurisdiction, **kw))
    except OutOfRangeError:
        return (), "none", "no label or published regimen", note
    if any(r.evidence.startswith("label:") for r in regs):
        other = "; ".join(r.evidence.partition(": ")[2] for r in regs)
        return regs, "label-other-jurisdiction", other, note
    return regs, "published", "published practice on CRRT (off-label; evidence grade per component)", note


def _citations_keys(regimens, product, extra=()):
    keys = [k for r in regimens for k, _ in r.citations]
    keys += [c.source for c in product.target.components]
    return keys + list(extra)


def _model_keys(prod, renal_state):
    """Bibliography keys of the PK-model numbers a computation in this renal state used."""
    keys = []
    for m in prod.pk_models.values():
        keys.append(m.source)
        keys += [p.source for p in m.params.values()]
        keys += [a["source"] if isinstance(a, dict) else a.source for name, a in m.assumptions.items()
                 if name != "cl_floor_l_per_h" or renal_state != "native"]  # the floor: on dialysis
        if renal_state == "ihd":
            keys += [p.source for name, p in m.extracorporeal.items() if name.startswith("hd_")]
    return keys


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


# --- the verdict --------------------------------------------------------------------


def _classify(p, n):
    lo, hi = (float(x) for x in pta_interval(p, n))
    low_edge, high_edge = PTA_GOAL - BORDERLINE_BAND, PTA_GOAL + BORDERLINE_BAND
    if lo >= high_edge:
        return "meets", lo, hi, True
    if hi < low_edge:
        return "BELOW", lo, hi, True
    settled = low_edge <= lo and hi <= high_edge  # inside the band: borderline, more patients cannot change it
    return "borderline", lo, hi, settled


def assess(product, regimens, cov, *, mic_mg_per_l, n=1000, rng=2026, mics=None, structure=None):
    r"""PK check of a regimen with a PTA verdict that does not flip with the random seed.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    regimens : sequence of Regimen
        One per component [-].
    cov : Covariates
        Patient covariates and renal state [-].
    mic_mg_per_l : float
        MIC [mg/L].
    n : int, optional
        Virtual patients to start with [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    mics : sequence of float, optional
        MIC grid of the PTA table; default :data:`pkdose.exposure.MIC_GRID_MG_PER_L` [mg/L].
    structure : {"published", "one_compartment"}, optional
        PK model structure (:data:`pkdose.exposure.DEFAULT_STRUCTURE`) [-].

    Returns
    -------
    tuple
        (:class:`~pkdose.exposure.PKCheck`, :class:`Verdict`) [-].

    Notes
    -----
    The joint PTA at the MIC is a binomial proportion over :math:`n` virtual
    patients; its 95 % Monte Carlo interval is the Wilson score interval
    (:func:`pkdose.pta.pta_interval`). With the band
    :math:`[g - b, g + b]` around the goal :math:`g` (:data:`PTA_GOAL`,
    :data:`BORDERLINE_BAND`):

    * "meets" when the interval lies above :math:`g + b`;
    * "BELOW" when it lies under :math:`g - b`;
    * "borderline" when it lies inside the band;
    * otherwise the interval straddles an edge: :math:`n` is multiplied by 4
      (up to :data:`N_PATIENTS_MAX`) and the check repeated; an edge still
      straddled at the cap is reported "borderline".

    A regimen whose true PTA is within the band is therefore "borderline"
    whatever the seed, and a verdict changes between seeds only when the true
    PTA sits within a few Monte Carlo standard errors (at the cap about 0.2
    percentage points) of an edge of the band [1]_.

    References
    ----------
    .. [1] Brown LD, Cai TT, DasGupta A. Interval estimation for a binomial
       proportion. Stat Sci. 2001;16(2):101-133. doi:10.1214/ss/1009213286
    """
    kw = {"structure": structure} if mics is None else {"mics": mics, "structure": structure}
    n = int(n)
    while True:
        chk = pk_check(product, regimens, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, **kw)
        verdict, lo, hi, settled = _classify(chk.pta_at_mic, n)
        if settled or n >= N_PATIENTS_MAX:
            return chk, Verdict(verdict, chk.pta_at_mic, lo, hi, n)
        n = min(4 * n, N_PATIENTS_MAX)


def _first_day_ok(check):
    """Every target component met by the typical patient over the first 24 h of therapy."""
    return all(t["typical_first_24h_ft_percent"] >= t["required_ft_percent"] - 1e-9 for t in check.rows("targets"))


def _crrt_range(prod, regimens, cov, mic, n, rng, structure=None):
    """PTA verdict and extracorporeal clearance at every end of the CRRT clearance range."""
    out = []
    for scenario in CRRT_SCENARIOS:
        chk, v = assess(prod, regimens, replace(cov, crrt_scenario=scenario), mic_mg_per_l=mic, n=n, rng=rng,
                        mics=(), structure=structure)
        cls = {t["analyte"]: t["extracorporeal_cl_l_per_h"] for t in chk.rows("typical")}
        out.append((scenario, v, cls))
    return tuple(out)


def _threshold_check(prod, regimens, cov, mic, n, rng, structure=None):
    """The regimen's verdict with the alternative of an unsettled threshold, if the target has one."""
    for i, comp in enumerate(prod.target.components):
        alt = comp.alternatives.get("threshold_mg_per_l")
        if alt is None:
            continue
        comps = list(prod.target.components)
        comps[i] = replace(comp, threshold_mg_per_l=alt.value)
        other = replace(prod, target=replace(prod.target, components=tuple(comps)))
        _, v = assess(other, regimens, cov, mic_mg_per_l=mic, n=n, rng=rng, mics=(), structure=structure)
        return comp, alt, v
    return None


# --- advise_dose ----------------------------------------------------------------------


def advise_dose(product, patient=None, renal_state=None, *, crcl_ml_per_min=None, mic_mg_per_l=None,
                jurisdiction="US", weight_rule="auto", n=1000, rng=2026, search=True, pk_model_files=(),
                organism="Enterobacterales", pk_covariates=None, structure=None):
    r"""Cited regimen for one patient, how it performs in the PK model, and a safer one if needed.

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
        Virtual patients to start the PTA with (:func:`assess` adds more
        where the verdict needs them) [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    search : bool, optional
        Search a model-informed regimen when the verdict is not "meets" [-].
    pk_model_files : sequence of str, optional
        User PK model files replacing the defaults of their analytes [-].
    organism : str, optional
        ``"Enterobacterales"`` or ``"Pseudomonas aeruginosa"`` (breakpoints) [-].
    pk_covariates : dict, optional
        Further covariates of the published PK models, passed to
        :class:`pkdose.exposure.Covariates`: ``infection_site``,
        ``albumin_g_per_dl``, ``race``, ``ventilated``, ``apache_ii``;
        missing ones take the product's default population [-].
    structure : {"published", "one_compartment"}, optional
        PK model structure (:data:`pkdose.exposure.DEFAULT_STRUCTURE`) [-].

    Returns
    -------
    DoseAdvice

    Raises
    ------
    UnknownDrugError, InputError, OutOfRangeError, UnitError
        Unknown product or invalid input.

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) for injection. US prescribing
       information. Section 2.2.

    Examples
    --------
    >>> a = advise_dose("cefiderocol", crcl_ml_per_min=45, n=200)
    >>> a.regimens[0].dose_mg, a.regimens[0].interval_h, a.regimens[0].infusion_h
    (1500.0, 8.0, 3.0)
    >>> a.verdict.verdict
    'meets'
    """
    prod = with_pk_models(load_product(product), pk_model_files)
    table = load_regimen_table(product)
    organism = _check_organism(organism)
    renal = renal_summary(patient, renal_state, crcl_ml_per_min=crcl_ml_per_min, weight_rule=weight_rule)
    if mic_mg_per_l is None:
        mic, basis_mic = default_mic(prod, jurisdiction, organism)
    else:
        mic, basis_mic = float(mic_mg_per_l), "user"
        if not (np.isfinite(mic) and 0 < mic <= 512):
            raise OutOfRangeError(f"MIC {mic_mg_per_l!r} mg/L is outside (0, 512] mg/L", field="mic_mg_per_l")
    sus = susceptibility(prod, mic, jurisdiction, organism)
    regimens, basis, heading, label_note = _primary(table, renal, jurisdiction)
    on_crrt = renal.renal_state == "crrt"
    cov = _covariates(renal, patient, "high" if on_crrt else "central", pk_covariates)
    check = verdict = threshold = None
    crrt_range = ()
    if regimens:
        check, verdict = assess(prod, regimens, cov, mic_mg_per_l=mic, n=n, rng=rng, structure=structure)
        crrt_range = _crrt_range(prod, regimens, cov, mic, verdict.n_patients, rng, structure) if on_crrt else ()
        threshold = _threshold_check(prod, regimens, cov, mic, verdict.n_patients, rng, structure)
    alt, alt_check, alt_verdict, alt_note, alt_reason = (), None, None, "", ""
    if sus.category == "R":
        alt_note = (f"Not searched: MIC {mic:g} mg/L is {sus.text}. {table.display_name} is not expected to "
                    "work at any dose pkdose may propose; choose another agent.")
    elif search and (verdict is None or not verdict.meets):
        floors = _floors(table, renal, jurisdiction, regimens)
        alt, alt_check, alt_verdict, alt_note = search_regimens(prod, table, cov, mic, floors, n=n, rng=rng,
                                                                jurisdiction=jurisdiction, structure=structure)
        if alt:
            alt_reason = _reason(table, regimens, verdict, check, renal, cov, prod, threshold)
    crrt_keys = [k for k, _ in load_crrt_assumptions().cite(prod.pk_models)] if on_crrt else []
    spec_keys = [k for c in table.components.values() for k, _ in c.citations()] if alt else []
    keys = _citations_keys(regimens + alt, prod, _model_keys(prod, renal.renal_state) + crrt_keys + spec_keys)
    keys += [sus.source] if sus.source else []
    keys += [threshold[1].source] if threshold else []
    return DoseAdvice(
        product, table.display_name, jurisdiction, renal, regimens, label_note, mic, basis_mic, check,
        alt, alt_check, alt_note, _warnings(regimens, renal, sus, mic, check), _sources(keys),
        _target_text(prod), tuple(f"{a}: {m.key}" for a, m in prod.pk_models.items()),
        basis, heading, organism, sus, verdict, crrt_range, threshold, alt_verdict, alt_reason)


def _sources(keys):
    """Source objects of the keys, in first-use order."""
    bib = load_sources()
    return tuple(bib[k] for k in dict.fromkeys(keys) if k in bib)


def _target_text(prod):
    parts = []
    for c in prod.target.components:
        thr = "MIC" if c.metric == "ft_above_mic" else f"{c.threshold_mg_per_l:g} mg/L"
        parts.append(f"{c.analyte} {c.ft_percent:g} % fT>{thr}")
    return " AND ".join(parts)


def _warnings(regimens, renal, sus, mic, check):
    out = []
    if sus.category == "R":
        out.append(f"!!! RESISTANT: MIC {mic:g} mg/L is {sus.text}. Do not rely on this product; no dose was "
                   "searched.")
    elif sus.category == "I":
        out.append(f"MIC {mic:g} mg/L is {sus.text}: use the highest labelled dose.")
    elif not sus.category:
        out.append(sus.text + ".")
    for r in regimens:
        if r.caution:
            out.append(f"! {r.component}: {r.caution}")
        if exceeds_label_maximum(r):
            out.append(f"!!! {r.component}: {r.daily_dose_mg:g} mg/day is ABOVE the labelled maximum "
                       f"of {r.max_daily_dose_mg:g} mg/day — not a label dose; specialist review")
    if check is not None and not _first_day_ok(check):
        out.append("! The typical patient does not reach the target in the first 24 h of this regimen "
                   "(see the first-24-h %fT): consider a loading dose.")
    if renal.renal_state == "ihd":
        out.append("Dialysis days: start the dose(s) marked 'after HD' when the session ends.")
    a = renal.assessment
    if renal.renal_state != "native" and a is not None and a.crcl_cockcroft_gault_ml_per_min is not None:
        out.append("SCr-based CrCL is not valid on renal replacement; the residual CrCL was used.")
    return tuple(out)


# --- model-informed search -------------------------------------------------------------


def _floors(table, renal, jurisdiction, regimens):
    """Least daily amount per component the search may propose [mg].

    The regimen offered first (label or published), and on CRRT the labelled
    HD dose (an anuric patient's): CRRT removes drug continuously.
    """
    floors = {r.component: r.daily_dose_mg for r in regimens}
    if renal.renal_state == "crrt":
        try:
            for r in select_regimens(table, crcl_ml_per_min=0.0, renal_state="ihd", jurisdiction=jurisdiction):
                floors[r.component] = max(floors.get(r.component, 0.0), r.daily_dose_mg)
        except OutOfRangeError:
            pass
    return floors


def _split(table, component):
    """Analyte split of the largest labelled dose of a component."""
    rows = [r for r in table.rows if r.component == component]
    largest = max(rows, key=lambda r: r.dose_mg)
    total = sum(largest.analyte_dose_mg.values()) or 1.0
    return {a: d / total for a, d in largest.analyte_dose_mg.items()}, largest.dose_mg


def _candidates(table, component, after_hd, min_daily_mg=0.0, supplement_mg=0.0):
    """Every regimen the search may propose for one component, least daily dose first.

    Intermittent doses in half-vial steps up to the largest labelled dose, q6h to
    q24h, over the component's cited infusion time; a continuous infusion (daily
    amount in half vials) only where cited stability data allow one, always with
    the loading dose and the bag changes its stability needs. Daily amounts lie
    between ``min_daily_mg`` and the cited maximum; on dialysis every candidate
    keeps the label's post-dialysis supplement (``supplement_mg``). At equal
    daily dose the longer infusion comes first.
    """
    spec = table.components[component]
    vial, max_daily = table.vial_mg[component], spec.max_daily_dose_mg.value
    share, max_single = _split(table, component)
    infusion = spec.infusion_h.value
    loading = spec.loading_dose_mg.value if spec.loading_dose_mg else None
    loading_h = spec.loading_infusion_h.value if spec.loading_infusion_h else None
    common = {"component": component, "max_daily_dose_mg": max_daily, "note": "model-informed, not labelled dosing",
              "evidence": "model-informed (PK model), not labelled dosing", "post_hd_supplement_mg": supplement_mg,
              "citations": spec.citations()}
    out = []
    steps = np.arange(1, int(round(2 * max_single / vial)) + 1) * vial / 2
    for tau in SEARCH_INTERVALS_H:
        for dose in steps:
            if infusion > tau or not min_daily_mg - 1e-9 <= dose * 24 / tau <= max_daily + 1e-9:
                continue
            load = loading if loading is not None and loading > dose else None
            out.append(Regimen(dose_mg=float(dose), interval_h=tau, infusion_h=infusion,
                               analyte_dose_mg={a: float(dose) * s for a, s in share.items()},
                               loading_dose_mg=load, loading_infusion_h=loading_h if load else None,
                               give_after_hd=after_hd,
                               bag_change_h=spec.stability_h.value if infusion > spec.stability_h.value else None,
                               **common))
    if spec.continuous_stability_h is not None and loading is not None:
        for k in range(1, int(max_daily // (vial / 2)) + 1):
            daily = k * vial / 2
            if daily < min_daily_mg - 1e-9:
                continue
            out.append(Regimen(dose_mg=daily, interval_h=24.0, infusion_h=24.0,
                               analyte_dose_mg={a: daily * s for a, s in share.items()},
                               loading_dose_mg=loading, loading_infusion_h=loading_h,
                               bag_change_h=spec.continuous_stability_h.value, **common))
    out.sort(key=lambda r: (round(r.daily_dose_mg, 6), -r.infusion_h / r.interval_h, -r.interval_h))
    return out


def _ordered_combinations(grids):
    """Candidate tuples (one per component) in order of total daily amount.

    Components of a combination are given together (IDSA: simultaneous
    administration of ceftazidime-avibactam and aztreonam): a tuple shares its
    interval, infusion time and loading-dose infusion time, so every dose of one
    component starts and ends with a dose of the other.
    """
    if len(grids) == 1:
        return [[g] for g in grids[0]]
    key = lambda r: (r.interval_h, r.infusion_h)  # noqa: E731
    pairs = [(a.daily_dose_mg + b.daily_dose_mg, -a.infusion_h / a.interval_h, i, j)
             for i, a in enumerate(grids[0]) for j, b in enumerate(grids[1])
             if key(a) == key(b) and (a.loading_dose_mg is None) == (b.loading_dose_mg is None)
             and a.loading_infusion_h == b.loading_infusion_h]
    pairs.sort()
    return [[grids[0][i], grids[1][j]] for *_, i, j in pairs]


def search_regimens(product, table, cov, mic_mg_per_l, floors=None, *, n=1000, rng=2026, jurisdiction="US",
                    structure=None):
    """Least intensification that reaches the PTA goal, under the hard safety constraints.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-].
    table : RegimenTable
        The product's table (components, vials, maxima, stability) [-].
    cov : Covariates
        Patient covariates and renal state (on CRRT: the high-clearance end) [-].
    mic_mg_per_l : float
        MIC [mg/L].
    floors : Mapping[str, float], optional
        Least daily amount per component: the label's, the published CRRT
        regimen's, the labelled HD dose on CRRT [mg].
    n : int, optional
        Virtual patients to screen each candidate with [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    jurisdiction : str, optional
        Label whose post-dialysis supplements a candidate keeps [-].
    structure : {"published", "one_compartment"}, optional
        PK model structure [-].

    Returns
    -------
    tuple
        (regimens, PKCheck or None, Verdict or None, note) — empty regimens
        when nothing allowed reaches the goal [-].

    Notes
    -----
    Hard constraints, each tested: no component below its floor nor above its
    cited maximum; intermittent doses in half vials up to the largest
    labelled dose, over the component's cited infusion time (label, or the
    combination's practice); a continuous infusion only where cited stability
    data allow it, with a loading dose and the bag changes its stability
    needs; the typical patient on target over the first 24 h; the components
    of a combination given together. Candidates are screened in order of
    daily amount (longer infusion first at equal amount); the first with a
    screened PTA above the goal's band and the first-24-h target met is
    confirmed by :func:`assess` and returned when its verdict is "meets" [1]_.

    References
    ----------
    .. [1] Roberts JA, Abdul-Aziz MH, Lipman J, et al. Individualised antibiotic
       dosing for patients who are critically ill: challenges and potential
       solutions. Lancet Infect Dis. 2014;14(6):498-509.
       doi:10.1016/S1473-3099(14)70036-2
    """
    floors = floors or {}
    supplements = {}
    if cov.on_hd:
        try:
            label = select_regimens(table, crcl_ml_per_min=cov.crcl_ml_per_min, renal_state="ihd",
                                    jurisdiction=jurisdiction)
            supplements = {r.component: r.post_hd_supplement_mg for r in label}
        except OutOfRangeError:
            pass
    grids = [_candidates(table, c, cov.on_hd, floors.get(c, 0.0), supplements.get(c, 0.0))
             for c in table.components]
    for combo in _ordered_combinations(grids):
        quick = pk_check(product, combo, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, mics=(), structure=structure)
        if quick.pta_at_mic < PTA_GOAL + BORDERLINE_BAND or not _first_day_ok(quick):
            continue
        chk, verdict = assess(product, combo, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, structure=structure)
        if verdict.meets and _first_day_ok(chk):
            note = (f"Least daily amount that meets the {100 * PTA_GOAL:g} % PTA goal at MIC {mic_mg_per_l:g} mg/L "
                    "within the hard constraints. Model-informed, NOT labelled dosing: confirm with a "
                    "specialist and, where available, therapeutic drug monitoring.")
            return tuple(combo), chk, verdict, note
    return (), None, None, (f"No regimen within the labelled maxima and the allowed infusion times meets the "
                            f"{100 * PTA_GOAL:g} % PTA goal at MIC {mic_mg_per_l:g} mg/L in this model: consider "
                            "another agent.")


def _reason(table, regimens, verdict, check, renal, cov, prod, threshold):
    """One line: why the alternative is offered and what it assumes."""
    if not regimens:
        why = f"no label or published regimen covers {renal.renal_state.upper()}"
    else:
        what = "the label regimen" if regimens[0].evidence in ("", "label") else "the regimen offered first"
        why = f"{what}'s joint PTA at the MIC is {verdict.text()}"
        if check is not None and not _first_day_ok(check):
            why += ", and it misses the target in the first 24 h"
    assumes = [f"the PK models ({', '.join(sorted({m.source for m in prod.pk_models.values()}))})",
               f"the target {_target_text(prod)}"]
    if renal.renal_state == "crrt":
        assumptions = load_crrt_assumptions()
        coeffs = ", ".join(f"{a} {assumptions.values(a, 'high')[0]:g}" for a in prod.pk_models)
        delivered = assumptions.values(next(iter(prod.pk_models)), "high")[1]
        assumes.append(f"CRRT clearance at the high end of its range (coefficient {coeffs}; "
                       f"{delivered:.0%} of {renal.state.effluent_l_per_h:g} L/h delivered)")
    if threshold is not None:
        comp, alt, _ = threshold
        assumes.append(f"{comp.analyte} threshold {comp.threshold_mg_per_l:g} mg/L ({comp.source}), not the "
                       f"alternative {alt.value:g} mg/L ({alt.source})")
    assumes.append("the cited in-use stability of the infusions")
    return f"Offered because {why}; it assumes {', '.join(assumes)}."


# --- mechanism-first -----------------------------------------------------------------


def _mic_per_product(mic_mg_per_l, products):
    """Expand the MIC argument of :func:`recommend` to one value (or None) per product."""
    if mic_mg_per_l is None:
        return {}
    if isinstance(mic_mg_per_l, dict):
        unknown = sorted(set(mic_mg_per_l) - set(products))
        if unknown:
            raise InputError(f"MIC given for {unknown}, which the guidelines do not rank for this mechanism; "
                             f"ranked products: {', '.join(products)}", field="mic_mg_per_l")
        return dict(mic_mg_per_l)
    return {p: mic_mg_per_l for p in products}


@dataclass(frozen=True)
class Recommendation:
    """Answer of :func:`recommend`.

    Attributes
    ----------
    mechanism : str
        Canonical mechanism name, or the mechanisms of a mixture joined by " + " [-].
    options : pandas.DataFrame
        Guideline × option table (guideline, kind, date, rank, product, tier,
        strength, certainty, condition, sites, in_pkdose, citation, note) [-].
    products : tuple of str
        pkdose products in the order advised (newest guideline first; products
        only an AI-generated summary ranks come last) [-].
    advice : tuple of DoseAdvice
        Dose advice for each product [-].
    warnings : tuple
        Pitfalls with citations [-].
    reasons : Mapping[str, tuple of str]
        Product -> why it is offered: the guideline rows that rank it, with
        their conditions [-].
    mechanism_note : str
        How a mixture of mechanisms was read, else ``""`` [-].
    doses_note : str
        Why there is no dose advice (no renal function given), else ``""`` [-].
    """

    mechanism: str
    options: object
    products: tuple
    advice: tuple
    warnings: tuple
    reasons: object = field(default_factory=lambda: MappingProxyType({}))
    mechanism_note: str = ""
    doses_note: str = ""


def recommend(mechanism, patient=None, renal_state=None, *, crcl_ml_per_min=None, site=None,
              severity=None, mic_mg_per_l=None, jurisdiction="US", n=1000, rng=2026, search=True,
              organism="Enterobacterales", pk_covariates=None, structure=None):
    """Guideline options for a resistance mechanism, with PK-checked doses for this patient.

    Parameters
    ----------
    mechanism : str
        ``KPC``, ``OXA-48`` (OXA-48-like), ``MBL`` / ``NDM`` / ``VIM`` / ``IMP``,
        ``untyped``, ``carbapenemase-negative``, or a mixture such as
        ``NDM+OXA-48`` [-].
    patient, renal_state, crcl_ml_per_min
        As for :func:`advise_dose`; with none of them the answer lists the
        options and pitfalls without doses [-].
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
    organism : str, optional
        The guideline tables are for carbapenem-resistant Enterobacterales;
        ``"Pseudomonas aeruginosa"`` is refused with a message [-].
    pk_covariates, structure
        As for :func:`advise_dose`; ``site`` also reaches the PK models as
        ``infection_site`` unless ``pk_covariates`` gives one [-].

    Returns
    -------
    Recommendation

    Raises
    ------
    InputError
        Unknown mechanism, a contradictory mixture, or an organism the
        mechanism tables do not cover.

    References
    ----------
    .. [1] Paul M, Carrara E, Retamar P, et al. Clin Microbiol Infect.
       2022;28(4):521-547. doi:10.1016/j.cmi.2021.11.025
    .. [2] Tamma PD, et al. Clin Infect Dis. 2026. doi:10.1093/cid/ciag481
    """
    if _check_organism(organism) != "Enterobacterales":
        raise InputError("the mechanism tables cover carbapenem-resistant Enterobacterales (ESCMID 2022 CRE "
                         "section; IDSA 2026 Section 3); for Pseudomonas aeruginosa with difficult-to-treat "
                         "resistance see IDSA 2026 Section 4 and dose a chosen product with "
                         "'pkdose dose --organism \"Pseudomonas aeruginosa\"'", field="organism")
    mech, options, products, note = mechanism_options(mechanism, site=site, severity=severity)
    reasons = guideline_reasons(options, products)
    mics = _mic_per_product(mic_mg_per_l, products)
    doses_note = ""
    if patient is None and renal_state is None and crcl_ml_per_min is None:
        advice = ()
        doses_note = ("No renal function given: the options and pitfalls are listed without doses. Give a CrCL, "
                      "or age, sex, weight and SCr with its unit, or a dialysis or CRRT state, for PK-checked doses.")
    else:
        pk_cov = dict(pk_covariates or {})
        if site is not None:
            pk_cov.setdefault("infection_site", site)
        advice = tuple(advise_dose(p, patient, renal_state, crcl_ml_per_min=crcl_ml_per_min,
                                   mic_mg_per_l=mics.get(p), jurisdiction=jurisdiction, n=n, rng=rng,
                                   search=search, organism=organism, pk_covariates=pk_cov, structure=structure)
                       for p in products)
    warns = tuple(dict.fromkeys(w for m in mech.split(" + ") for w in warnings_for(m)))
    return Recommendation(mech, options, products, advice, warns, MappingProxyType(reasons), note, doses_note)
