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

import sys
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from .errors import InputError, OutOfRangeError
from .exposure import Covariates, pk_check
from .guidelines import guideline_reasons, mechanism_options, warnings_for
from .library import (
    CRRT_SCENARIOS,
    as_product,
    load_crrt_assumptions,
    load_pk_model,
    load_product,
    load_regimen_table,
    load_sources,
    TargetComponent,
)
from .library.regimen_tables import SITES
from .patient import CRCL_RANGE_ML_PER_MIN, CRRT, Haemodialysis, Native, renal_assessment
from .pta import DEFAULT_SEED, pta_interval
from .renal import ARC_THRESHOLD_ML_PER_MIN_PER_1_73M2, is_augmented
from .regimens import Regimen, exceeds_label_maximum, format_regimen, select_published, select_regimens

__all__ = [
    "PTA_GOAL",
    "BORDERLINE_BAND",
    "N_PATIENTS_MAX",
    "ORGANISMS",
    "Verdict",
    "Susceptibility",
    "CeilingCheck",
    "WeightBand",
    "IncreasedExposure",
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
    "ceiling_checks",
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
ORGANISMS = ("Enterobacterales", "Pseudomonas aeruginosa", "Acinetobacter baumannii complex")

#: Breakpoint body used in each jurisdiction.
BREAKPOINT_BODY = {"US": "CLSI", "EU": "EUCAST"}

#: Every breakpoint body a jurisdiction's laboratories may report, the one
#: pkdose reads first leading; the others are shown beside it where they differ
#: (US: the FDA-identified criteria the labels refer to).
JURISDICTION_BODIES = {"US": ("CLSI", "FDA"), "EU": ("EUCAST",)}

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

    Made by :func:`assess`, which reads the interval against a band around the
    goal (see its Notes).

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

    Made by :func:`susceptibility` from the breakpoint rows of
    ``models/targets.toml``.

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
    others : tuple
        ``(body, category, text, source, locator)`` of the jurisdiction's
        other bodies that read the MIC differently (US: FDA beside CLSI) [-].
    note : str
        What the reading rests on when it is borrowed (the CZA + aztreonam
        combination reads the aztreonam-avibactam breakpoint as a stand-in) [-].
    """

    category: str
    body: str
    organism: str
    text: str
    source: str = ""
    locator: str = ""
    others: tuple = ()
    note: str = ""

    @property
    def resistant_by_any(self):
        """True when any body of the jurisdiction calls the isolate resistant [-]."""
        return self.category == "R" or any(o[1] == "R" for o in self.others)


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
    ceilings : tuple of CeilingCheck
        Exposure ceilings of the regimen offered first, per analyte, or the
        statement that none is published [-].
    alternative_ceilings : tuple of CeilingCheck
        The same for the model-informed alternative [-].
    bands : tuple
        ``(component, lo, hi, bounds)`` of the label band each component was
        dosed in (native and HD) [mL/min].
    weight_bands : tuple of WeightBand
        CrCL and regimen with each Cockcroft–Gault body weight when the
        weight rule changes the band; empty otherwise [-].
    site : str or None
        Infection site, where given (it decides the CZA regimen on CRRT) [-].
    choice_note : str
        How the published regimen was chosen (MIC, site) and any fall-back [-].
    high_exposure : IncreasedExposure or None
        With no MIC given and an "increased exposure"/intermediate range in
        the breakpoints: the high dose that range needs, checked at its top [-].
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
    ceilings: tuple = ()
    alternative_ceilings: tuple = ()
    bands: tuple = ()
    weight_bands: tuple = ()
    site: str | None = None
    choice_note: str = ""
    high_exposure: object = None

    def __repr__(self):
        from .report import summary_line

        return summary_line(self)

    def _repr_html_(self):
        from .report import summary_html

        return summary_html(self)


@dataclass(frozen=True)
class CeilingCheck:
    """One analyte's exposure against its published ceiling (toxicity), or the statement that none exists.

    Made by :func:`ceiling_checks` from the ``[[ceiling]]`` rows of
    ``models/targets.toml``.

    Parameters
    ----------
    analyte : str
        Drug [-].
    ceiling_mg_per_l : float or None
        Upper limit of the total Cmin (intermittent) or Css (continuous);
        None: no published ceiling [mg/L].
    cmin_mg_per_l : float or None
        Typical patient's total trough (steady state; a continuous infusion's
        Css) where the ceiling is judged [mg/L].
    share_above : float or None
        Fraction of virtual patients whose trough is at or above the ceiling [-].
    n_patients : int
        Virtual patients behind ``share_above`` [-].
    where : str
        Where it was judged: ``"patient"``, or on CRRT ``"low-clearance end of
        the CRRT range"`` (the most exposure) [-].
    source, locator, note : str
        Citation of the ceiling (or of its absence) [-].
    """

    analyte: str
    ceiling_mg_per_l: float | None
    cmin_mg_per_l: float | None
    share_above: float | None
    n_patients: int
    where: str
    source: str
    locator: str
    note: str = ""

    @property
    def exceeded(self):
        """True when the typical patient's trough is above the ceiling [-]."""
        return self.ceiling_mg_per_l is not None and self.cmin_mg_per_l > self.ceiling_mg_per_l

    def text(self):
        r"""The check as a pharmacist reads it.

        Returns
        -------
        str
            The analyte, its typical Cmin or Css against the ceiling, and the
            share of virtual patients at or above it; or that none is published.

        References
        ----------
        .. [1] Guilhaumou R, et al. Crit Care. 2019;23(1):104.
           doi:10.1186/s13054-019-2378-9 (Table 2)
        """
        if self.ceiling_mg_per_l is None:
            return (f"{self.analyte}: no published exposure ceiling ({self.source}: {self.locator}); pkdose "
                    "sets none")
        flag = "ABOVE" if self.exceeded else "below"
        where = "" if self.where == "patient" else f" at the {self.where}"
        return (f"{self.analyte}: typical Cmin/Css{where} {self.cmin_mg_per_l:.0f} mg/L, {flag} the ceiling "
                f"{self.ceiling_mg_per_l:g} mg/L (Cmin or Css, total; {self.source}: {self.locator}); "
                f"{100 * self.share_above:.0f} % of {self.n_patients} virtual patients at or above it")


@dataclass(frozen=True)
class WeightBand:
    """CrCL and label regimen with one Cockcroft–Gault body weight.

    One per weight rule, when the rule changes the label band; made by
    :func:`advise_dose` for a patient with SCr and height.

    Parameters
    ----------
    rule : str
        ``"total"``, ``"adjusted"`` or ``"ideal"`` [-].
    crcl_ml_per_min : float
        Cockcroft–Gault CrCL with that weight [mL/min].
    weight_explanation : str
        The weight [-].
    regimens : tuple of str
        The label regimen of every component in that band [-].
    used : bool
        True for the rule the advice was dosed with [-].
    """

    rule: str
    crcl_ml_per_min: float
    weight_explanation: str
    regimens: tuple
    used: bool = False


@dataclass(frozen=True)
class IncreasedExposure:
    """The high dose an MIC in the increased-exposure (or intermediate) range needs.

    Parameters
    ----------
    mic_mg_per_l : float
        Top of that MIC range, where the high dose is checked [mg/L].
    low_mg_per_l : float
        Its bottom (the susceptible breakpoint it lies above) [mg/L].
    regimens : tuple of Regimen
        The high-dose regimen [-].
    verdict : Verdict
        Its PTA verdict at ``mic_mg_per_l`` [-].
    text : str
        One line for the pharmacist [-].
    """

    mic_mg_per_l: float
    low_mg_per_l: float
    regimens: tuple
    verdict: object
    text: str


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
    lo, hi = CRCL_RANGE_ML_PER_MIN
    if not (np.isfinite(crcl) and lo <= crcl <= hi):
        raise OutOfRangeError(f"CrCL {crcl_ml_per_min!r} mL/min is outside {lo:g}-{hi:g} mL/min; "
                              "check the value and unit (mL/min, not mL/s or L/h)")
    arc = (f"CrCL ≥ {ARC_THRESHOLD_ML_PER_MIN_PER_1_73M2:g} mL/min: possible augmented renal clearance "
           "(compared as if the BSA were 1.73 m²; Udy et al. defined it on measured, indexed CrCL)")
    notes = (arc,) if is_augmented(crcl) else ()
    return RenalSummary(crcl, "CrCL given", "native", state, None, notes)


def _check_organism(organism):
    if organism not in ORGANISMS:
        raise InputError(f"organism={organism!r}: use one of {', '.join(ORGANISMS)}", field="organism")
    return organism


def _breakpoint_rows(product, jurisdiction, organism):
    """The product's breakpoint rows for the organism from the jurisdiction's bodies, its first body first."""
    bodies = JURISDICTION_BODIES.get(jurisdiction, ("EUCAST",))
    rows = [b for b in product.breakpoints if b.organism == organism and b.body in bodies]
    return sorted(rows, key=lambda b: bodies.index(b.body)), bodies[0]


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
    _check_organism(organism)
    bodies = JURISDICTION_BODIES.get(jurisdiction, ("EUCAST",))
    # the jurisdiction's bodies first; where they have none (EUCAST "IE" for Acinetobacter), another body's
    # breakpoint is the MIC checked, and the text names that body
    rows = sorted((b for b in product.breakpoints if b.organism == organism and b.s_le_mg_per_l is not None),
                  key=lambda b: bodies.index(b.body) if b.body in bodies else len(bodies))
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
    first = [b for b in rows if b.body == body]
    borrowed = product.target.breakpoint_from
    note = product.target.breakpoint_from_note if borrowed else ""
    if not first or first[0].status != "breakpoint":
        why = first[0].status.replace("_", " ") if first else "no row"
        return Susceptibility("", body, organism, f"{body} has no {product.name} breakpoint for {organism} "
                              f"({why}): the MIC cannot be interpreted", *(
                                  (first[0].source, first[0].locator) if first else ("", "")), note=note)
    cat, text = _reading(first[0], mic_mg_per_l, borrowed)
    others = []
    for b in rows:
        if b.body == body or b.status != "breakpoint":
            continue
        other_cat, other_text = _reading(b, mic_mg_per_l, borrowed)
        if other_cat != cat:
            others.append((b.body, other_cat, other_text, b.source, b.locator))
    if others:
        text += "; " + "; ".join(o[2] for o in others) + (
            f" — the {' and '.join([body] + [o[0] for o in others])} criteria disagree at this MIC: ask the "
            "laboratory which it reports")
    return Susceptibility(cat, body, organism, text, first[0].source, first[0].locator, tuple(others), note)


def _reading(b, mic, borrowed=""):
    """(category, text) of an MIC read against one breakpoint row."""
    cat = b.category(mic)
    limit = (f"R > {b.r_gt_mg_per_l:g}" if b.r_gt_mg_per_l is not None else f"R ≥ {b.r_ge_mg_per_l:g}")
    words = {"S": "susceptible", "I": ("susceptible, increased exposure" if b.body == "EUCAST" else "intermediate"),
             "R": "RESISTANT"}[cat]
    what = (f"the {b.body} {borrowed} breakpoint for {b.organism}, used as a stand-in" if borrowed
            else f"{b.body} for {b.organism}")
    return cat, f"{words} by {what} (S ≤ {b.s_le_mg_per_l:g}, {limit} mg/L)"


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


def _primary(table, renal, jurisdiction, exposure="standard", mic=None, site=None):
    """(regimens, basis, heading, label note): the label's, else the published regimen."""
    kw = _axis(renal)
    combination = len(table.components) > 1
    try:
        regs = tuple(select_regimens(table, jurisdiction=jurisdiction, exposure=exposure, **kw))
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
        regs = tuple(select_published(table, jurisdiction=jurisdiction, exposure=exposure, mic_mg_per_l=mic,
                                      site=site, **kw))
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


def assess(product, regimens, cov, *, mic_mg_per_l, n=1000, rng=DEFAULT_SEED, mics=None, structure=None):
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
                jurisdiction="US", weight_rule="auto", n=1000, rng=DEFAULT_SEED, search=True, pk_model_files=(),
                organism="Enterobacterales", pk_covariates=None, structure=None, site=None):
    r"""Cited regimen for one patient, how it performs in the PK model, and a safer one if needed.

    Parameters
    ----------
    product : str or Product
        Product CLI name (``"cefiderocol"``, ``"ceftazidime-avibactam"``,
        ``"aztreonam"``, ``"ceftazidime-avibactam+aztreonam"``,
        ``"aztreonam-avibactam"``), a brand name or abbreviation
        (``"Fetroja"``, ``"CZA+ATM"``), or a Product [-].
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
        Search a model-informed regimen when the verdict is "BELOW" (a
        "borderline" regimen is kept: the gap lies inside the Monte Carlo
        interval) [-].
    pk_model_files : sequence of str, optional
        User PK model files replacing the defaults of their analytes [-].
    organism : str, optional
        One of :data:`ORGANISMS` (breakpoints) [-].
    pk_covariates : dict, optional
        Further covariates of the published PK models, passed to
        :class:`pkdose.exposure.Covariates`: ``infection_site``,
        ``albumin_g_per_dl``, ``race``, ``ventilated``, ``apache_ii``;
        missing ones take the product's default population [-].
    structure : {"published", "one_compartment"}, optional
        PK model structure (:data:`pkdose.exposure.DEFAULT_STRUCTURE`) [-].
    site : str, optional
        Infection site (``bloodstream``, ``urinary``, ``pneumonia``,
        ``intra-abdominal``, ``other``); it chooses between published CRRT
        regimens (ceftazidime-avibactam: 1.25 g q8h only at MIC < 4 mg/L in
        bloodstream or urinary infection; unknown: the higher regimen) and,
        unless ``pk_covariates`` gives one, is the PK models' infection site [-].

    Returns
    -------
    DoseAdvice

    Raises
    ------
    UnknownDrugError, InputError, OutOfRangeError, UnitError
        Unknown product or invalid input.

    Notes
    -----
    An MIC in the "susceptible, increased exposure" (EUCAST) or intermediate
    (CLSI) category selects the label's high-dose rows where the table has
    them, so the regimen line itself is the high dose. Every regimen offered
    is checked against the exposure ceilings of ``models/targets.toml``
    (:func:`ceiling_checks`).

    References
    ----------
    .. [1] Shionogi Inc. FETROJA (cefiderocol) for injection. US prescribing
       information. Section 2.2.
    .. [2] Guilhaumou R, et al. Crit Care. 2019;23(1):104.
       doi:10.1186/s13054-019-2378-9 (Table 2: exposure ceilings)

    Examples
    --------
    >>> a = advise_dose("cefiderocol", crcl_ml_per_min=45, n=200)
    >>> a.regimens[0].dose_mg, a.regimens[0].interval_h, a.regimens[0].infusion_h
    (1500.0, 8.0, 3.0)
    >>> a.verdict.verdict
    'meets'
    """
    prod = with_pk_models(as_product(product), pk_model_files)
    product = prod.name
    table = load_regimen_table(product)
    organism = _check_organism(organism)
    site = _check_site(site)
    if site is not None:  # the infection site is also the PK models' site unless given apart
        pk_covariates = {"infection_site": site, **(pk_covariates or {})}
    renal = renal_summary(patient, renal_state, crcl_ml_per_min=crcl_ml_per_min, weight_rule=weight_rule)
    if mic_mg_per_l is None:
        mic, basis_mic = default_mic(prod, jurisdiction, organism)
    else:
        mic, basis_mic = float(mic_mg_per_l), "user"
        if not (np.isfinite(mic) and 0 < mic <= 512):
            raise OutOfRangeError(f"MIC {mic_mg_per_l!r} mg/L is outside (0, 512] mg/L", field="mic_mg_per_l")
    sus = susceptibility(prod, mic, jurisdiction, organism)
    exposure = "high" if sus.category == "I" else "standard"
    regimens, basis, heading, label_note = _primary(table, renal, jurisdiction, exposure, mic, site)
    on_crrt = renal.renal_state == "crrt"
    cov = _covariates(renal, patient, "high" if on_crrt else "central", pk_covariates)
    check = verdict = threshold = None
    crrt_range, ceilings, choice_note = (), (), ""
    if regimens:
        check, verdict = assess(prod, regimens, cov, mic_mg_per_l=mic, n=n, rng=rng, structure=structure)
        if basis == "published":
            regimens, check, verdict, choice_note = _published_choice(
                prod, table, renal, jurisdiction, exposure, mic, site, (regimens, check, verdict), cov, n, rng,
                structure)
        crrt_range = _crrt_range(prod, regimens, cov, mic, verdict.n_patients, rng, structure) if on_crrt else ()
        threshold = _threshold_check(prod, regimens, cov, mic, verdict.n_patients, rng, structure)
        ceilings = ceiling_checks(prod, regimens, cov, n=n, rng=rng, structure=structure)
    alt, alt_check, alt_verdict, alt_note, alt_reason, alt_ceilings = (), None, None, "", "", ()
    if sus.resistant_by_any:
        which = sus.text if sus.category == "R" else next(o[2] for o in sus.others if o[1] == "R")
        alt_note = (f"Not searched: MIC {mic:g} mg/L is {which}. {table.display_name} is not expected to "
                    "work at any dose pkdose may propose; choose another agent.")
    elif search and verdict is not None and verdict.verdict == "borderline":
        alt_note = (f"Not searched: the regimen's joint PTA ({verdict.text()}) is within the Monte Carlo band of "
                    "the goal. pkdose keeps this regimen rather than raise exposure to close a gap no larger than "
                    "the simulation's own uncertainty; confirm exposure with therapeutic drug monitoring where "
                    "available.")
    elif search and (verdict is None or not verdict.meets):
        floors = _floors(table, renal, jurisdiction, regimens)
        alt, alt_check, alt_verdict, alt_note = search_regimens(prod, table, cov, mic, floors, n=n, rng=rng,
                                                                jurisdiction=jurisdiction, structure=structure)
        if alt:
            alt = _with_ceiling_caution(prod, alt)
            alt_reason = _reason(table, regimens, verdict, check, renal, cov, prod, threshold)
            alt_ceilings = ceiling_checks(prod, alt, cov, n=n, rng=rng)
    high = (_increased_exposure(prod, table, renal, jurisdiction, organism, site, cov, n, rng, structure)
            if mic_mg_per_l is None else None)
    bands = _bands(table, renal, jurisdiction, exposure)
    weight_bands = _weight_bands(table, patient, renal, jurisdiction, exposure)
    crrt_keys = [k for k, _ in load_crrt_assumptions().cite(prod.pk_models)] if on_crrt else []
    spec_keys = [k for c in table.components.values() for k, _ in c.citations()] if alt else []
    ceiling_keys = [c.source for c in ceilings + alt_ceilings]
    keys = _citations_keys(regimens + alt + (high.regimens if high else ()), prod,
                           _model_keys(prod, renal.renal_state) + crrt_keys + spec_keys + ceiling_keys)
    keys += [sus.source] if sus.source else []
    keys += [o[3] for o in sus.others]
    keys += [k for k, _ in prod.target.breakpoint_from_citations] if sus.note else []
    keys += [threshold[1].source] if threshold else []
    warnings = _warnings(regimens, renal, sus, mic, check, ceilings, weight_bands, exposure)
    return DoseAdvice(
        product, table.display_name, jurisdiction, renal, regimens, label_note, mic, basis_mic, check,
        alt, alt_check, alt_note, warnings, _sources(keys),
        _target_text(prod), tuple(f"{a}: {m.key}" for a, m in prod.pk_models.items()),
        basis, heading, organism, sus, verdict, crrt_range, threshold, alt_verdict, alt_reason,
        ceilings, alt_ceilings, bands, weight_bands, site, choice_note, high)


def _check_site(site):
    if site is None:
        return None
    if site not in SITES:
        raise InputError(f"site={site!r}: use one of {', '.join(SITES)}", field="site")
    return site


def _texts(regimens):
    return tuple(format_regimen(r) for r in regimens)


def _published_choice(prod, table, renal, jurisdiction, exposure, mic, site, chosen, cov, n, rng, structure=None):
    """The published regimen chosen by MIC and site, falling back to the unconditional one when it misses.

    Returns (regimens, check, verdict, note). The note says why the regimen
    was chosen; it is empty for a product whose published rows have no MIC
    or site condition.
    """
    regimens, check, verdict = chosen
    state = renal.renal_state
    conditional = [p for p in table.published if p.conditional and jurisdiction in p.jurisdiction
                   and p.renal_state == state and p.exposure == exposure]
    if not conditional:
        return regimens, check, verdict, ""
    row = conditional[0]
    kw = _axis(renal)
    default = tuple(select_published(table, jurisdiction=jurisdiction, exposure=exposure, **kw))
    option = format_regimen(row.regimen)
    where = " or ".join(row.sites)
    cites = ", ".join(dict.fromkeys(k for k, _ in row.citations))
    if _texts(regimens) == _texts(default):
        why = []
        if row.mic_below_mg_per_l is not None and not mic < row.mic_below_mg_per_l:
            why.append(f"MIC {mic:g} mg/L is not below {row.mic_below_mg_per_l:g} mg/L")
        if row.sites and site not in row.sites:
            why.append("the site is not given" if site is None else f"the site is {site}")
        return regimens, check, verdict, (
            f"The higher published regimen: {'; '.join(why)}. {row.component} {option} is the published option "
            f"only at MIC below {row.mic_below_mg_per_l:g} mg/L in {where} infection ({cites}).")
    if verdict.meets:
        return regimens, check, verdict, (
            f"{row.component} {option} chosen: MIC {mic:g} mg/L below {row.mic_below_mg_per_l:g} mg/L and a "
            f"{site} infection ({cites}); it meets the goal at the high-clearance end of the CRRT range.")
    check2, verdict2 = assess(prod, default, cov, mic_mg_per_l=mic, n=n, rng=rng, structure=structure)
    return default, check2, verdict2, (
        f"{row.component} {option} (MIC below {row.mic_below_mg_per_l:g} mg/L, {site} infection; {cites}) does "
        f"not meet the goal at the high-clearance end of the CRRT range ({verdict.text()}): pkdose gives the "
        "higher published regimen.")


def ceiling_checks(product, regimens, cov, *, n=1000, rng=DEFAULT_SEED, structure=None):
    r"""Each analyte's exposure against its published ceiling, or the statement that none exists.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product`; its ``ceilings`` [-].
    regimens : sequence of Regimen
        One per component [-].
    cov : Covariates
        Patient covariates and renal state; on CRRT the ceiling is judged at
        the low-clearance end of the CRRT range (the most exposure) [-].
    n : int, optional
        Virtual patients for the share above the ceiling [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    structure : {"published", "one_compartment"}, optional
        PK model structure (:data:`pkdose.exposure.DEFAULT_STRUCTURE`) [-].

    Returns
    -------
    tuple of CeilingCheck
        One per analyte with a ``[[ceiling]]`` row, in the product's analyte order.

    Notes
    -----
    The share of virtual patients whose total trough stays at or above the
    ceiling is the share whose free concentration exceeds ``fu × ceiling``
    for 100 % of the dosing period at steady state, computed by
    :func:`pkdose.exposure.pk_check` with that as the only target. The
    ceilings are cited data (:func:`pkdose.library.load_ceilings`) [1]_.

    References
    ----------
    .. [1] Guilhaumou R, et al. Crit Care. 2019;23(1):104.
       doi:10.1186/s13054-019-2378-9 (Table 2: ceftazidime Cmin or Css < 80 mg/L)
    """
    on_crrt = isinstance(cov.renal_state, CRRT)
    tox = replace(cov, crrt_scenario="low") if on_crrt else cov
    where = "low-clearance end of the CRRT range" if on_crrt else "patient"
    out = []
    for c in product.ceilings:
        if c.cmin_mg_per_l is None:
            out.append(CeilingCheck(c.analyte, None, None, None, 0, where, c.source, c.locator, c.note))
            continue
        fu = product.pk_models[c.analyte].fu_fraction
        comp = TargetComponent(analyte=c.analyte, metric="ft_above_threshold", ft_percent=100.0,
                               threshold_mg_per_l=c.cmin_mg_per_l * fu, source=c.source, locator=c.locator)
        variant = replace(product, target=replace(product.target, components=(comp,)))
        chk = pk_check(variant, regimens, tox, mic_mg_per_l=1.0, n=n, rng=rng, mics=(), structure=structure)
        cmin = float(next(t["cmin_mg_per_l"] for t in chk.rows("typical") if t["analyte"] == c.analyte))
        out.append(CeilingCheck(c.analyte, c.cmin_mg_per_l, cmin, chk.pta_at_mic, n, where, c.source,
                                c.locator, c.note))
    return tuple(out)


def _ceiling_caution(product):
    """The caution every model-informed regimen of an analyte with a ceiling carries."""
    return " ".join(f"{c.analyte.capitalize()} neurotoxicity: keep Cmin or Css below {c.cmin_mg_per_l:g} mg/L "
                    f"({c.source}: {c.locator}); watch for encephalopathy and seizures and measure concentrations "
                    "(TDM) where available." for c in product.ceilings if c.cmin_mg_per_l is not None)


def _with_ceiling_caution(product, regimens):
    """Model-informed regimens delivering an analyte with a ceiling, with its caution attached."""
    caution = _ceiling_caution(product)
    capped = {c.analyte for c in product.ceilings if c.cmin_mg_per_l is not None}
    return tuple(replace(r, caution=" ".join(x for x in (r.caution, caution) if x))
                 if capped & set(r.analyte_dose_mg) else r for r in regimens)


def _increased_exposure(prod, table, renal, jurisdiction, organism, site, cov, n, rng, structure=None):
    """The high dose an MIC in the I range needs, checked at the top of that range (no MIC given)."""
    rows, body = _breakpoint_rows(prod, jurisdiction, organism)
    first = [b for b in rows if b.body == body and b.status == "breakpoint"]
    if not first or first[0].s_le_mg_per_l <= 0.001:
        return None
    b = first[0]
    top = b.r_gt_mg_per_l if b.r_gt_mg_per_l is not None else b.r_ge_mg_per_l / 2
    if not top > b.s_le_mg_per_l:
        return None
    regs, *_ = _primary(table, renal, jurisdiction, "high", top, site)
    if not regs or all(r.exposure == "standard" for r in regs):
        return None
    _, verdict = assess(prod, regs, cov, mic_mg_per_l=top, n=n, rng=rng, mics=(), structure=structure)
    words = "susceptible, increased exposure" if body == "EUCAST" else "intermediate"
    text = (f"No MIC given: checked at the {body} susceptible breakpoint {b.s_le_mg_per_l:g} mg/L. An isolate with "
            f"MIC above {b.s_le_mg_per_l:g} up to {top:g} mg/L is '{words}' by {body} and needs the high dose: "
            + "; ".join(f"{r.component}: {format_regimen(r)}" for r in regs)
            + f" — joint PTA at {top:g} mg/L {verdict.text()}.")
    return IncreasedExposure(top, b.s_le_mg_per_l, regs, verdict, text)


def _bands(table, renal, jurisdiction, exposure="standard"):
    """(component, lo, hi, bounds) of the label band each component is dosed in (native and HD; not a row for any CrCL)."""
    if renal.renal_state == "crrt":
        return ()
    rows = [r for r in table.rows if jurisdiction in r.jurisdiction and r.renal_state == renal.renal_state
            and r.exposure == "standard" and r.contains(renal.crcl_ml_per_min)
            and not (r.lo == 0 and r.hi == float("inf"))]  # a row for every CrCL is no band
    return tuple((r.component, r.lo, r.hi, r.bounds) for r in rows)


def _weight_bands(table, patient, renal, jurisdiction, exposure="standard"):
    """CrCL and label regimen with each body weight, when the weight rule changes the band."""
    a = renal.assessment
    if (patient is None or a is None or renal.renal_state != "native" or patient.crcl_ml_per_min is not None
            or patient.scr_mg_per_dl is None):
        return ()
    out = []
    for rule in ("ideal", "adjusted", "total"):
        try:
            b = renal_assessment(patient, renal.state, weight_rule=rule)
        except InputError:  # no height: only total body weight can be used
            continue
        regs = select_regimens(table, b.crcl_ml_per_min, "native", jurisdiction=jurisdiction, exposure=exposure)
        out.append(WeightBand(rule, b.crcl_ml_per_min, b.weight_explanation,
                              tuple(f"{r.component}: {format_regimen(r)}" for r in regs),
                              abs(b.crcl_ml_per_min - renal.crcl_ml_per_min) < 1e-9))
    return tuple(out) if len({w.regimens for w in out}) > 1 else ()


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


def _warnings(regimens, renal, sus, mic, check, ceilings=(), weight_bands=(), exposure="standard"):
    out = []
    if sus.category == "R":
        out.append(f"!!! RESISTANT: MIC {mic:g} mg/L is {sus.text}. Do not rely on this product; no dose was "
                   "searched.")
    elif sus.resistant_by_any:
        out.append(f"!!! MIC {mic:g} mg/L is {sus.text}. One of the criteria calls the isolate RESISTANT: pkdose "
                   "searched no dose; confirm the criteria with the laboratory or choose another agent.")
    elif sus.others:
        out.append(f"! MIC {mic:g} mg/L: {sus.text}.")
    if sus.category == "I":
        high = [r for r in regimens if r.exposure == "high"]
        if high:
            out.append(f"MIC {mic:g} mg/L is {sus.text}: the regimen above is the label's high dose for this "
                       "category (" + ", ".join(f"{r.component} {format_regimen(r)}" for r in high) + ").")
        else:
            out.append(f"! MIC {mic:g} mg/L is {sus.text}: the label has no higher dose than the regimen above for "
                       "this renal function; confirm exposure (TDM) or choose another agent.")
    elif not sus.category:
        out.append(sus.text + ".")
    if sus.note:
        out.append(f"! MIC interpretation: {sus.note}")
    for r in regimens:
        if r.caution:
            out.append(f"! {r.component}: {r.caution}")
        if exceeds_label_maximum(r):
            out.append(f"!!! {r.component}: {r.daily_dose_mg:g} mg/day is ABOVE the labelled maximum "
                       f"of {r.max_daily_dose_mg:g} mg/day — not a label dose; specialist review")
    for c in ceilings:
        if c.exceeded:
            out.append(f"!! {c.text()}: neurotoxicity risk — watch for encephalopathy and seizures, measure "
                       "concentrations (TDM) where available and lower the dose if they are high.")
    if weight_bands:
        used = next((w for w in weight_bands if w.used), None)
        out.append("!! The body-weight rule changes the label band: " + "; ".join(
            f"{w.rule} body weight CrCL {w.crcl_ml_per_min:.1f} mL/min -> {' + '.join(w.regimens)}"
            for w in weight_bands) + (f". Dosed with {used.rule} body weight; check which weight your "
                                      "protocol uses." if used else "."))
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
    if spec.syringe_stability_h is not None and loading is not None:
        bag = min(spec.stability_h.value, 24.0)  # bags of the label dilution; one day's amount at most
        for k in range(1, int(max_daily // (vial / 2)) + 1):
            daily = k * vial / 2
            if daily < min_daily_mg - 1e-9:
                continue
            out.append(Regimen(dose_mg=daily, interval_h=24.0, infusion_h=24.0,
                               analyte_dose_mg={a: daily * s for a, s in share.items()},
                               loading_dose_mg=loading, loading_infusion_h=loading_h,
                               bag_change_h=bag, syringe_change_h=spec.syringe_stability_h.value, **common))
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


def search_regimens(product, table, cov, mic_mg_per_l, floors=None, *, n=1000, rng=DEFAULT_SEED, jurisdiction="US",
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
    cited maximum; the typical patient's trough (a continuous infusion's Css)
    below every published exposure ceiling, judged on CRRT at the
    low-clearance end of the range (``models/targets.toml`` ``[[ceiling]]``); intermittent doses in half vials up to the largest
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
    capped = [c for c in product.ceilings if c.cmin_mg_per_l is not None]
    tox = replace(cov, crrt_scenario="low") if isinstance(cov.renal_state, CRRT) else cov
    over_ceiling = 0
    for combo in _ordered_combinations(grids):
        quick = pk_check(product, combo, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, mics=(), structure=structure)
        if quick.pta_at_mic < PTA_GOAL + BORDERLINE_BAND or not _first_day_ok(quick):
            continue
        if capped and _above_ceiling(product, combo, tox, capped, mic_mg_per_l, rng, structure):
            over_ceiling += 1
            continue
        chk, verdict = assess(product, combo, cov, mic_mg_per_l=mic_mg_per_l, n=n, rng=rng, structure=structure)
        if verdict.meets and _first_day_ok(chk):
            note = (f"Least daily amount that meets the {100 * PTA_GOAL:g} % PTA goal at MIC {mic_mg_per_l:g} mg/L "
                    "within the hard constraints (exposure ceilings included). Model-informed, NOT labelled "
                    "dosing: confirm with a specialist and, where available, therapeutic drug monitoring.")
            return tuple(combo), chk, verdict, note
    ceiling = (f" {over_ceiling} regimen(s) that would meet it put the typical patient above an exposure ceiling "
               f"({', '.join(f'{c.analyte} {c.cmin_mg_per_l:g} mg/L, {c.source}' for c in capped)})."
               if over_ceiling else "")
    return (), None, None, (f"No regimen within the labelled maxima, the allowed infusion times and the exposure "
                            f"ceilings meets the {100 * PTA_GOAL:g} % PTA goal at MIC {mic_mg_per_l:g} mg/L in this "
                            f"model.{ceiling} Consider another agent, or TDM-guided dosing with a specialist.")


def _above_ceiling(product, regimens, cov, capped, mic, rng, structure=None):
    """True when the typical patient's trough of an analyte with a ceiling is above it."""
    chk = pk_check(product, regimens, cov, mic_mg_per_l=mic, n=1, rng=rng, mics=(), structure=structure)
    cmin = {t["analyte"]: t["cmin_mg_per_l"] for t in chk.rows("typical")}
    return any(c.analyte in cmin and cmin[c.analyte] > c.cmin_mg_per_l for c in capped)


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

    def __repr__(self):
        from .report import summary_line

        return summary_line(self)

    def _repr_html_(self):
        from .report import summary_html

        return summary_html(self)


def recommend(mechanism, patient=None, renal_state=None, *, crcl_ml_per_min=None, site=None,
              severity=None, mic_mg_per_l=None, jurisdiction="US", n=1000, rng=DEFAULT_SEED, search=True,
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
        Infection site: filters the guideline rows (``models/guidelines.toml``)
        and chooses between published CRRT regimens (:func:`advise_dose`) [-].
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
                                   search=search, organism=organism, pk_covariates=pk_cov, structure=structure,
                                   site=site) for p in products)
    warns = tuple(dict.fromkeys(w for m in mech.split(" + ") for w in warnings_for(m)))
    return Recommendation(mech, options, products, advice, warns, MappingProxyType(reasons), note, doses_note)


class _CallableModule(type(sys.modules[__name__])):
    """``pkdose.recommend`` is both this module and its main function: calling the module calls :func:`recommend`.

    ``import pkdose`` exposes ``pkdose.recommend``; Python sets that package attribute to this module whenever
    the module is imported, so the module itself answers ``pkdose.recommend("NDM", crcl_ml_per_min=25)``.
    """

    def __call__(self, *args, **kwargs):
        return recommend(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
