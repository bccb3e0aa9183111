r"""Patient and renal-state dataclasses (frozen, validated) and the renal assessment.

The dataclasses check every value when they are built (STYLE B1.4, B6). An
error message names the argument (as a ``{field}`` placeholder that each
interface says in its own words, see :class:`pkdose.errors.InputError`),
echoes the value, gives the valid range and says how to fix it.
:func:`renal_assessment` turns a patient and a renal state into the
creatinine clearance used for dosing, and records how that clearance was
obtained. Building them from a form or the command line is
:mod:`pkdose.inputs`' job.

Accepted ranges
---------------
Every clinical range is read from ``models/clinical.toml``, where each
carries its source and the reason for it (most are declared entry-error
guards):

==========================  =================  ==============================================
argument                    accepted           why
==========================  =================  ==============================================
age_y                       18–120 years       adult labels only; CG derived at 18–92 years
weight_kg                   20–350 kg          adults; below 20 or above 350 kg is a unit or entry error
height_cm                   130–250 cm         Devine IBW is meaningless below ~130 cm
scr (+ scr_unit)            0.1–20 mg/dL       see :mod:`pkdose.units`
crcl_ml_per_min             0–400 mL/min       above 400 is not physiological
residual_crcl_ml_per_min    0–30 mL/min        maintenance RRT is not expected above 30
effluent_l_per_h            > 0 and ≤ 10 L/h   ≈ 140 mL/kg/h at 70 kg, five times the usual dose
HDSchedule.session_h        1–12 h             conventional to extended-hours HD (technical)
HDSchedule.start_h          0 ≤ h < 24         clock hour (technical)
==========================  =================  ==============================================

Residual clearance on renal replacement therapy
-----------------------------------------------
A patient on intermittent haemodialysis or CRRT keeps some native
clearance. When it is not given, pkdose assumes
:data:`DEFAULT_RESIDUAL_CRCL_ML_PER_MIN` = 5 mL/min. This is a declared
assumption, not a published value. It lies within kidney failure (GFR
category G5, < 15 mL/min; KDIGO 2012), and it keeps power-law clearance
models (CL ∝ CrCL^θ) finite, where 0 would remove all renal clearance. Give the measured residual clearance
when it is known; for an anuric patient give 0, if the PK model allows it.

Augmented renal clearance
-------------------------
One definition (``models/clinical.toml``, ``[arc]``): Udy et al.'s measured
CrCL ≥ 130 mL/min/1.73 m², compared with the CrCL indexed to 1.73 m² by the
Du Bois BSA. Without a height the BSA is unknown, the reference 1.73 m² is
assumed (the raw CrCL is then the indexed one) and a note says so.
"""

import math
import numbers
from dataclasses import dataclass, field

from pkdose.errors import InputError, OutOfRangeError, UnitError
from pkdose.extracorporeal import CRRT_MODALITIES, WEEKDAYS, weekday
from pkdose.library.clinical import clinical
from pkdose.renal import (
    REFERENCE_BSA_M2,
    SEX_ABBREVIATIONS,
    SEXES,
    WEIGHT_RULES,
    bsa_du_bois,
    bsa_normalised_crcl,
    ckd_epi_2021,
    cockcroft_gault,
    deindex_egfr,
    is_augmented,
    select_cg_weight,
)
from pkdose.units import normalise_scr_unit, scr_to_mg_per_dl

__all__ = [
    "DEFAULT_RESIDUAL_CRCL_ML_PER_MIN",
    "CRCL_RANGE_ML_PER_MIN",
    "RENAL_METHODS",
    "Patient",
    "Native",
    "HDSchedule",
    "Haemodialysis",
    "CRRT",
    "RenalState",
    "RenalAssessment",
    "renal_assessment",
    "crcl_assessment",
]

_C = clinical()
#: Residual native CrCL assumed on HD or CRRT when none is given [mL/min] (``models/clinical.toml``).
DEFAULT_RESIDUAL_CRCL_ML_PER_MIN = _C.value("default_residual_crcl_ml_per_min")
#: Accepted creatinine clearance, inclusive [mL/min] (``models/clinical.toml``).
CRCL_RANGE_ML_PER_MIN = _C.range("crcl")
AGE_RANGE_Y = _C.range("age")
WEIGHT_RANGE_KG = _C.range("weight")
HEIGHT_RANGE_CM = _C.range("height")
RESIDUAL_CRCL_RANGE_ML_PER_MIN = _C.range("residual_crcl")
EFFLUENT_MAX_L_PER_H = _C.value("effluent_max_l_per_h")
_CG_AGE_RANGE_Y = _C.range("cg_age")
#: Hemodialysis session length, a technical entry guard [h]: conventional (3–5 h) to extended (8 h) sessions.
SESSION_RANGE_H = (1.0, 12.0)
#: How the CrCL for dosing may be obtained: Cockcroft–Gault from SCr, CKD-EPI 2021 eGFR from SCr
#: (de-indexed to mL/min with the Du Bois BSA), or a measured CrCL (timed urine collection).
RENAL_METHODS = ("cg", "ckd-epi-2021", "measured")


def _shown(value, width=40):
    """``repr(value)`` cut to `width` characters, so that a message stays one short line."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _number(name, value):
    """Return `value` as float, or raise InputError naming `name` if it is not a finite real."""
    problem = InputError(f"{{{name}}} must be a finite number, got {_shown(value)}", field=name)
    if isinstance(value, (bool, str, bytes)) or not isinstance(value, numbers.Real):
        raise problem
    try:
        number = float(value)
    except OverflowError:  # an integer beyond the float range
        raise problem from None
    if not math.isfinite(number):
        raise problem
    return number


def _in_range(name, value, lo, hi, unit, hint="", lo_open=False, hi_open=False):
    """Return float(value) or raise OutOfRangeError with the range and `hint`."""
    v = _number(name, value)
    below = v <= lo if lo_open else v < lo
    above = v >= hi if hi_open else v > hi
    if below or above:
        lo_txt = f"> {lo:g}" if lo_open else f"≥ {lo:g}"
        hi_txt = f"< {hi:g}" if hi_open else f"≤ {hi:g}"
        raise OutOfRangeError(
            f"{{{name}}} {v:g} is outside the accepted range ({lo_txt} and {hi_txt} {unit})"
            + (f"; {hint}" if hint else ""), field=name
        )
    return v


def _set(obj, name, value):
    """Assign on a frozen dataclass during __post_init__ (normalisation)."""
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Patient:
    r"""An adult patient: demographics and either a serum creatinine or a measured CrCL.

    Parameters
    ----------
    age_y : float
        Age, 18–120 (adult labels only) [years]
    sex : str
        "female" or "male" (or F / M), case-insensitive; stored as "female"
        or "male" [-]
    weight_kg : float
        Total body weight, 20–350 [kg]
    height_cm : float, optional
        Height, 130–250; needed for IBW, BSA and indexed values [cm]
    scr : float, optional
        Serum creatinine at steady state, in `scr_unit` [mg/dL or µmol/L]
    scr_unit : str, optional
        "mg/dL" or "µmol/L" ("umol/L" accepted); required with `scr` [-]
    crcl_ml_per_min : float, optional
        Measured creatinine clearance (timed urine collection), 0–400 [mL/min]
    weight_rule : {"auto", "total", "ideal", "adjusted"}, optional
        Body weight put into Cockcroft–Gault
        (:func:`pkdose.renal.select_cg_weight`); travels with the patient so
        that every answer for this patient uses the same CrCL [-]
    renal_method : {"cg", "ckd-epi-2021", "measured"}, optional
        How the CrCL for dosing is obtained; default: the measured CrCL when
        one is given, else Cockcroft–Gault [-]

    Attributes
    ----------
    scr_mg_per_dl : float or None
        `scr` converted to mg/dL (set during validation).

    Raises
    ------
    InputError
        If a value is not a finite number, `sex` is not female/male, neither
        `scr` nor `crcl_ml_per_min` is given, `scr_unit` is given without
        `scr`, `renal_method` lacks the input it needs, or Cockcroft–Gault
        cannot choose a weight (an ideal or adjusted weight without a height;
        a weight from which obesity cannot be ruled out, without a height and
        with the rule "auto").
    OutOfRangeError
        If a value is outside its range (see the module docstring).
    UnitError
        If `scr_unit` is missing or unknown, the SCr is plausible only in the
        other unit, or the height is plausible only in inches.

    Notes
    -----
    Either `scr` with `scr_unit`, or `crcl_ml_per_min`, or both. When both
    are given, the measured CrCL is used for dosing and the SCr for eGFR.

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580 (the
       inputs of the equation: age, weight, sex and a steady-state creatinine).

    Examples
    --------
    >>> p = Patient(age_y=70, sex="F", weight_kg=60, height_cm=160, scr=90, scr_unit="umol/L")
    >>> p.sex, round(p.scr_mg_per_dl, 3)
    ('female', 1.018)
    """

    age_y: float
    sex: str
    weight_kg: float
    height_cm: float | None = None
    scr: float | None = None
    scr_unit: str | None = None
    crcl_ml_per_min: float | None = None
    weight_rule: str = "auto"
    renal_method: str | None = None
    scr_mg_per_dl: float | None = field(init=False, default=None)

    def __post_init__(self):
        age_hint = "pkdose covers adult labels only; use a paediatric reference under 18"
        _set(self, "age_y", _in_range("age_y", self.age_y, *AGE_RANGE_Y, "years", age_hint))
        _set(self, "sex", _check_sex(self.sex))
        lb_hint = "check the value and that it is in kg, not lb (1 kg = 2.2046 lb)"
        _set(self, "weight_kg", _in_range("weight_kg", self.weight_kg, *WEIGHT_RANGE_KG, "kg", lb_hint))
        if self.height_cm is not None:
            _set(self, "height_cm", _check_height(self.height_cm))
        self._check_renal_inputs()
        self._check_method()

    def _check_renal_inputs(self):
        """Validate scr/scr_unit/crcl_ml_per_min and set scr_mg_per_dl."""
        if self.scr is None and self.scr_unit is not None:
            raise InputError(f"{{scr_unit}} {_shown(self.scr_unit)} was given without {{scr}}; give the serum "
                             "creatinine too, or drop the unit", field="scr_unit")
        if self.scr is not None:
            unit = normalise_scr_unit(self.scr_unit)
            _set(self, "scr", _number("scr", self.scr))
            _set(self, "scr_unit", unit)
            _set(self, "scr_mg_per_dl", scr_to_mg_per_dl(self.scr, unit, name="scr"))
        if self.crcl_ml_per_min is not None:
            hint = "if it is indexed (mL/min/1.73 m²), de-index it first; check the value"
            _set(self, "crcl_ml_per_min", _in_range("crcl_ml_per_min", self.crcl_ml_per_min,
                                                    *CRCL_RANGE_ML_PER_MIN, "mL/min", hint))
        if self.scr is None and self.crcl_ml_per_min is None:
            raise InputError(
                "renal function is missing: give {scr} with {scr_unit} (serum creatinine, e.g. "
                "1.1 mg/dL) or {crcl_ml_per_min} (a measured creatinine clearance)", field="crcl_ml_per_min"
            )

    def _check_method(self):
        """Validate weight_rule and renal_method against what was given."""
        if self.weight_rule not in WEIGHT_RULES:
            raise InputError(f"{{weight_rule}} {_shown(self.weight_rule)} is not accepted; use one of "
                             f"{', '.join(WEIGHT_RULES)}", field="weight_rule")
        method = self.renal_method
        if method is not None and method not in RENAL_METHODS:
            raise InputError(f"{{renal_method}} {_shown(method)} is not accepted; use one of "
                             f"{', '.join(RENAL_METHODS)}", field="renal_method")
        if method == "measured" and self.crcl_ml_per_min is None:
            raise InputError("{renal_method} 'measured' needs the measured {crcl_ml_per_min}",
                             field="renal_method")
        if method in ("cg", "ckd-epi-2021") and self.scr is None:
            raise InputError(f"{{renal_method}} {method!r} estimates renal function from a serum creatinine: "
                             "give {scr} with {scr_unit}", field="renal_method")
        if method == "ckd-epi-2021" and self.height_cm is None:
            raise InputError("{renal_method} 'ckd-epi-2021' needs {height_cm}: the eGFR (per 1.73 m²) is "
                             "de-indexed to mL/min with the patient's body-surface area", field="height_cm")
        if self.scr is not None and self.dosing_method == "cg":
            select_cg_weight(self.weight_kg, self.height_cm, self.sex, rule=self.weight_rule)  # can it choose?

    @property
    def dosing_method(self):
        """How the CrCL for dosing is obtained: ``renal_method``, or its default [-]."""
        if self.renal_method is not None:
            return self.renal_method
        return "measured" if self.crcl_ml_per_min is not None else "cg"


def _check_sex(sex):
    """Return 'female' or 'male' (F / M accepted), or raise InputError saying what is accepted."""
    norm = sex.strip().lower() if isinstance(sex, str) else None
    norm = SEX_ABBREVIATIONS.get(norm, norm)
    if norm not in SEXES:
        raise InputError(
            f"{{sex}} {_shown(sex)} is not accepted; use 'female' or 'male' (or F / M; the renal equations "
            "are sex-specific: choose the set of coefficients the estimate should use)", field="sex"
        )
    return norm


def _check_height(height_cm):
    """Return the height as float; UnitError if it looks like inches, else OutOfRangeError."""
    lo, hi = HEIGHT_RANGE_CM
    v = _number("height_cm", height_cm)
    if not lo <= v <= hi and lo <= v * 2.54 <= hi:
        raise UnitError(
            f"{{height_cm}} {v:g} is implausible (expected {lo:g}–{hi:g} cm); "
            f"did you mean {v:g} in ({v * 2.54:.1f} cm)? Give the height in cm.", field="height_cm"
        )
    hint = "omit {height_cm} for a patient outside this range (total body weight is then used)"
    return _in_range("height_cm", v, lo, hi, "cm", hint)


@dataclass(frozen=True)
class Native:
    r"""Native kidney function: no renal replacement therapy.

    Notes
    -----
    The creatinine clearance for dosing is the patient's measured or
    Cockcroft–Gault clearance (:func:`renal_assessment`).

    Examples
    --------
    >>> Native()
    Native()
    """


@dataclass(frozen=True)
class HDSchedule:
    r"""A weekly intermittent-haemodialysis schedule.

    Parameters
    ----------
    days : tuple of str, optional
        Dialysis days, 1–7 unique names from ("Mon", …, "Sun"),
        case-insensitive; stored in week order [-]
    start_h : float, optional
        Clock hour at which each session starts, 0 ≤ start_h < 24
        (8.0 = 08:00) [h]
    session_h : float, optional
        Duration of each session, 1–12 [h]

    Raises
    ------
    InputError
        If `days` is not a sequence of known, unique day names (1–7 of them),
        or a number is not finite.
    OutOfRangeError
        If `start_h` or `session_h` is out of range.

    Notes
    -----
    :func:`pkdose.extracorporeal.hd_sessions` turns the schedule into session
    times. By default t = 0 is Monday 00:00.

    Examples
    --------
    >>> HDSchedule(days=("fri", "Mon", "wed"))
    HDSchedule(days=('Mon', 'Wed', 'Fri'), start_h=8.0, session_h=4.0)
    """

    days: tuple = ("Mon", "Wed", "Fri")
    start_h: float = 8.0
    session_h: float = 4.0

    def __post_init__(self):
        _set(self, "days", _check_days(self.days))
        _set(self, "start_h", _in_range("start_h", self.start_h, 0.0, 24.0, "h (clock hour)",
                                        "use the 24-h clock, e.g. 13.5 for 13:30", hi_open=True))
        _set(self, "session_h", _in_range("session_h", self.session_h, *SESSION_RANGE_H, "h",
                                          "give the session length in hours"))


def _check_days(days):
    """Return days as a week-ordered tuple of 'Mon'..'Sun', or raise InputError."""
    accepted = f"use 1–7 unique names from {', '.join(WEEKDAYS)}, e.g. Mon, Wed, Fri"
    if isinstance(days, str) or not hasattr(days, "__iter__"):
        raise InputError(f"{{days}} {_shown(days)} is not accepted; {accepted}", field="days")
    names = [weekday(d) for d in list(days)[:8]]
    if None in names or not 1 <= len(names) <= 7 or len(set(names)) != len(names):
        raise InputError(f"{{days}} {_shown(tuple(days))} is not accepted; {accepted}", field="days")
    return tuple(sorted(names, key=WEEKDAYS.index))


def _residual(value):
    """Validate a residual CrCL on renal replacement therapy."""
    hint = "a patient with more native clearance is not expected to need maintenance RRT"
    return _in_range("residual_crcl_ml_per_min", value, *RESIDUAL_CRCL_RANGE_ML_PER_MIN, "mL/min", hint)


@dataclass(frozen=True)
class Haemodialysis:
    r"""Intermittent haemodialysis on a weekly schedule, with residual native clearance.

    Parameters
    ----------
    schedule : HDSchedule, optional
        Weekly session schedule [-]
    residual_crcl_ml_per_min : float, optional
        Residual native creatinine clearance, 0–30; default 5 (a declared
        assumption, see the module docstring) [mL/min]

    Raises
    ------
    InputError
        If `schedule` is not an :class:`HDSchedule`.
    OutOfRangeError
        If `residual_crcl_ml_per_min` is outside 0–30 mL/min.

    Notes
    -----
    Serum-creatinine estimates are not valid on dialysis. The native
    clearance used for dosing and PK is the residual CrCL.

    References
    ----------
    .. [1] Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group.
       KDIGO 2012 clinical practice guideline for the evaluation and
       management of chronic kidney disease. Kidney Int Suppl. 2013;3(1):1-150.
       doi:10.1038/kisup.2012.73 (GFR category G5, kidney failure).

    Examples
    --------
    >>> Haemodialysis().residual_crcl_ml_per_min
    5.0
    """

    schedule: HDSchedule = field(default_factory=HDSchedule)
    residual_crcl_ml_per_min: float = DEFAULT_RESIDUAL_CRCL_ML_PER_MIN

    def __post_init__(self):
        if not isinstance(self.schedule, HDSchedule):
            raise InputError(f"{{schedule}} must be an HDSchedule, got {_shown(self.schedule)}", field="schedule")
        _set(self, "residual_crcl_ml_per_min", _residual(self.residual_crcl_ml_per_min))


@dataclass(frozen=True)
class CRRT:
    r"""Continuous renal replacement therapy at a given effluent flow.

    Parameters
    ----------
    effluent_l_per_h : float
        Effluent flow rate, > 0 and ≤ 10 (definition per modality in
        :func:`pkdose.extracorporeal.crrt_clearance`) [L/h]
    modality : str, optional
        "CVVHDF", "CVVH" or "CVVHD", case-insensitive; stored upper-case [-]
    residual_crcl_ml_per_min : float, optional
        Residual native creatinine clearance, 0–30; default 5 (a declared
        assumption, see the module docstring) [mL/min]

    Raises
    ------
    InputError
        If `modality` is unknown or a value is not a finite number.
    OutOfRangeError
        If `effluent_l_per_h` or `residual_crcl_ml_per_min` is out of range.

    Notes
    -----
    Effluent flow of 20–25 mL/kg/h is the usual prescription, i.e.
    1.4–1.75 L/h at 70 kg. The cefiderocol label doses by effluent flow. A
    value above 10 L/h is most likely in mL/h or in mL/kg/h, and the error
    message says so.

    References
    ----------
    .. [1] Neri M, Villa G, Garzotto F, et al. Nomenclature for renal
       replacement therapy in acute kidney injury: basic principles. Crit
       Care. 2016;20(1):318. doi:10.1186/s13054-016-1489-9 (the modalities
       CVVH, CVVHD and CVVHDF and their effluent).

    Examples
    --------
    >>> CRRT(2.0, modality="cvvh")
    CRRT(effluent_l_per_h=2.0, modality='CVVH', residual_crcl_ml_per_min=5.0)
    """

    effluent_l_per_h: float
    modality: str = "CVVHDF"
    residual_crcl_ml_per_min: float = DEFAULT_RESIDUAL_CRCL_ML_PER_MIN

    def __post_init__(self):
        hint = ("if this is mL/h divide by 1000; if it is mL/kg/h multiply by the weight "
                "in kg and divide by 1000 (25 mL/kg/h × 70 kg = 1.75 L/h)")
        _set(self, "effluent_l_per_h", _in_range("effluent_l_per_h", self.effluent_l_per_h, 0.0,
                                                 EFFLUENT_MAX_L_PER_H, "L/h", hint, lo_open=True))
        mod = self.modality.strip().upper() if isinstance(self.modality, str) else None
        if mod not in CRRT_MODALITIES:
            raise InputError(f"{{modality}} {_shown(self.modality)} is not accepted; use one of "
                             f"{', '.join(CRRT_MODALITIES)}", field="modality")
        _set(self, "modality", mod)
        _set(self, "residual_crcl_ml_per_min", _residual(self.residual_crcl_ml_per_min))


RenalState = Native | Haemodialysis | CRRT


@dataclass(frozen=True)
class RenalAssessment:
    r"""The renal function used for dosing, with how it was obtained and related estimates.

    Parameters
    ----------
    crcl_ml_per_min : float
        Creatinine clearance used for dosing and for the native clearance in
        PK models: measured or Cockcroft–Gault (native), residual (on RRT)
        [mL/min]
    method : str
        How `crcl_ml_per_min` was obtained, e.g. "measured" or
        "Cockcroft–Gault with adjusted body weight 80.8 kg (…)" [-]
    renal_state : Native or Haemodialysis or CRRT
        The renal state assessed [-]
    weight_kg : float or None
        Weight put into Cockcroft–Gault; None without SCr [kg]
    weight_explanation : str or None
        Which weight and why (:func:`pkdose.renal.select_cg_weight`) [-]
    crcl_cockcroft_gault_ml_per_min : float or None
        Cockcroft–Gault estimate when SCr is given, also on RRT, for
        information [mL/min]
    egfr_ckd_epi_2021_ml_per_min_per_1_73m2 : float or None
        CKD-EPI 2021 eGFR when SCr is given [mL/min/1.73 m²]
    egfr_ckd_epi_2021_ml_per_min : float or None
        The same eGFR de-indexed with the Du Bois BSA; needs height [mL/min]
    bsa_m2 : float or None
        Du Bois body-surface area; needs height [m²]
    crcl_bsa_normalised_ml_per_min_per_1_73m2 : float or None
        `crcl_ml_per_min` indexed to 1.73 m²; needs height [mL/min/1.73 m²]
    augmented : bool
        Augmented renal clearance flag (native kidneys only; the one
        definition of ``models/clinical.toml``) [-]
    notes : tuple of str
        Caveats a pharmacist should read [-]
    crcl_by_weight_ml_per_min : dict or None
        Cockcroft–Gault with each body weight, ``{"total": …, "adjusted":
        …, "ideal": …}``, when SCr and height are given: shows whether the
        dose band depends on the weight chosen [mL/min]

    Notes
    -----
    Built by :func:`renal_assessment`; not validated again here.

    Examples
    --------
    >>> a = renal_assessment(Patient(50, "male", 80, crcl_ml_per_min=90))
    >>> a.method, a.crcl_ml_per_min
    ('measured', 90.0)
    """

    crcl_ml_per_min: float
    method: str
    renal_state: RenalState
    weight_kg: float | None = None
    weight_explanation: str | None = None
    crcl_cockcroft_gault_ml_per_min: float | None = None
    egfr_ckd_epi_2021_ml_per_min_per_1_73m2: float | None = None
    egfr_ckd_epi_2021_ml_per_min: float | None = None
    bsa_m2: float | None = None
    crcl_bsa_normalised_ml_per_min_per_1_73m2: float | None = None
    augmented: bool = False
    notes: tuple = ()
    crcl_by_weight_ml_per_min: dict | None = None


def _scr_estimates(patient, weight_rule, bsa, used_for_dosing):
    """Cockcroft–Gault and CKD-EPI estimates from SCr (dict of RenalAssessment fields)."""
    if patient.scr_mg_per_dl is None:
        return {}
    try:
        chosen = select_cg_weight(patient.weight_kg, patient.height_cm, patient.sex, rule=weight_rule)
    except InputError:
        if used_for_dosing:
            raise
        chosen = select_cg_weight(patient.weight_kg, patient.height_cm, patient.sex, rule="total")
    egfr = ckd_epi_2021(patient.scr_mg_per_dl, patient.age_y, patient.sex)
    return {
        "weight_kg": chosen.weight_kg,
        "weight_explanation": chosen.explanation,
        "crcl_cockcroft_gault_ml_per_min": cockcroft_gault(
            patient.age_y, chosen.weight_kg, patient.scr_mg_per_dl, patient.sex),
        "egfr_ckd_epi_2021_ml_per_min_per_1_73m2": egfr,
        "egfr_ckd_epi_2021_ml_per_min": None if bsa is None else deindex_egfr(egfr, bsa),
        "crcl_by_weight_ml_per_min": None if patient.height_cm is None else {
            rule: cockcroft_gault(patient.age_y, select_cg_weight(patient.weight_kg, patient.height_cm,
                                                                   patient.sex, rule=rule).weight_kg,
                                  patient.scr_mg_per_dl, patient.sex)
            for rule in ("total", "adjusted", "ideal")},
    }


def _check_estimate(crcl, method, patient):
    """Refuse an SCr-based estimate outside the accepted CrCL range."""
    lo, hi = CRCL_RANGE_ML_PER_MIN
    if not lo <= crcl <= hi:
        raise OutOfRangeError(
            f"estimated CrCL {crcl:.0f} mL/min ({method}, SCr {patient.scr_mg_per_dl:.2f} mg/dL) is "
            f"outside the accepted range {lo:g}–{hi:g} mL/min; a very low SCr inflates the estimate: "
            "measure the CrCL and give it as {crcl_ml_per_min}", field="scr"
        )
    return crcl


def _native_crcl(patient, est, bsa):
    """(crcl, method) for native kidneys: measured, Cockcroft–Gault or de-indexed CKD-EPI 2021."""
    method = patient.dosing_method
    if method == "measured":
        return patient.crcl_ml_per_min, "measured"
    if method == "ckd-epi-2021":
        egfr = est["egfr_ckd_epi_2021_ml_per_min_per_1_73m2"]
        text = (f"CKD-EPI 2021 eGFR {egfr:.0f} mL/min/1.73 m², de-indexed with the Du Bois BSA "
                f"{bsa:.2f} m²")
        return _check_estimate(est["egfr_ckd_epi_2021_ml_per_min"], text, patient), text
    text = f"Cockcroft–Gault with {est['weight_explanation']}"
    return _check_estimate(est["crcl_cockcroft_gault_ml_per_min"], text, patient), text


def _rrt_crcl(state):
    """(crcl, method) on renal replacement therapy: the residual CrCL."""
    crcl = state.residual_crcl_ml_per_min
    origin = ("pkdose default assumption; give residual_crcl_ml_per_min if known"
              if crcl == DEFAULT_RESIDUAL_CRCL_ML_PER_MIN else "as given")
    if isinstance(state, Haemodialysis):
        what = f"intermittent haemodialysis ({'/'.join(state.schedule.days)})"
    else:
        what = f"CRRT ({state.modality}, effluent {state.effluent_l_per_h:g} L/h)"
    return crcl, f"residual CrCL on {what}: {crcl:g} mL/min ({origin})"


def _arc(crcl, crcl_norm, native):
    """The augmented-renal-clearance flag of models/clinical.toml's one definition."""
    if not native:
        return False
    indexed = _C.arc_crcl == "bsa-indexed" and crcl_norm is not None
    return bool(is_augmented(crcl_norm if indexed else crcl))


def _notes(patient, state, est, augmented):
    """Caveats for the pharmacist."""
    notes = []
    native = isinstance(state, Native)
    if est and not native:
        notes.append("SCr-based estimates (Cockcroft–Gault, CKD-EPI) are not valid on renal "
                     "replacement therapy; shown for information only")
    lo, hi = _CG_AGE_RANGE_Y
    if est and native and patient.dosing_method == "cg" and not lo <= patient.age_y <= hi:
        notes.append(f"age is outside the Cockcroft–Gault derivation range ({lo:g}–{hi:g} years)")
    if patient.height_cm is None:
        notes.append("height not given: BSA, de-indexed eGFR and BSA-normalised CrCL not computed")
    if augmented and patient.height_cm is None:
        notes.append(f"augmented renal clearance: height unknown, so the CrCL is compared with the "
                     f"threshold per 1.73 m² as if the BSA were {REFERENCE_BSA_M2:g} m²")
    if augmented and patient.dosing_method != "measured":
        notes.append("augmented renal clearance flagged from an SCr estimate; Udy et al. defined "
                     "it on measured urinary CrCL (≥ 130 mL/min/1.73 m²): measure to confirm")
    return tuple(notes)


def _rule(patient, weight_rule):
    """The weight rule in force: the patient's, unless an argument overrides the default 'auto'."""
    if weight_rule is None or weight_rule == "auto" or weight_rule == patient.weight_rule:
        return patient.weight_rule
    if weight_rule not in WEIGHT_RULES:
        raise InputError(f"{{weight_rule}} {_shown(weight_rule)} is not accepted; use one of "
                         f"{', '.join(WEIGHT_RULES)}", field="weight_rule")
    if patient.weight_rule != "auto":
        raise InputError(f"{{weight_rule}} {weight_rule!r} conflicts with the patient's rule "
                         f"{patient.weight_rule!r}", field="weight_rule")
    return weight_rule


def renal_assessment(patient, renal_state=Native(), weight_rule=None):
    r"""Assess renal function for dosing: CrCL, how it was obtained, eGFR, BSA, ARC flag.

    Parameters
    ----------
    patient : Patient
        The patient [-]
    renal_state : Native or Haemodialysis or CRRT, optional
        Native kidneys (default) or a renal replacement therapy [-]
    weight_rule : {None, "auto", "total", "ideal", "adjusted"}, optional
        Weight for Cockcroft–Gault (:func:`pkdose.renal.select_cg_weight`);
        None or "auto" keeps the patient's own ``weight_rule``, another rule
        overrides the patient's default "auto" [-]

    Returns
    -------
    RenalAssessment
        Frozen record of the assessment.

    Raises
    ------
    InputError
        If `patient` or `renal_state` has the wrong type, `weight_rule` is
        unknown or contradicts the patient's own rule.
    OutOfRangeError
        If an SCr-based estimate used for dosing falls outside 0–400 mL/min.

    Notes
    -----
    Native kidneys: the patient's ``renal_method`` — a measured CrCL (the
    default when one is given), the Cockcroft–Gault estimate [1]_ with the
    weight of the rule (the default with an SCr), or the CKD-EPI 2021 eGFR
    [3]_ de-indexed to mL/min with the Du Bois BSA. On HD or CRRT: the
    state's residual CrCL (default 5 mL/min, see the module docstring); SCr
    estimates are still reported, with a note. The ARC flag [2]_ compares the
    CrCL indexed to 1.73 m² (the reference BSA when the height is unknown)
    with the threshold of ``models/clinical.toml``. It is never set on renal
    replacement therapy. With SCr and height, Cockcroft–Gault with each body
    weight is reported side by side.

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580
    .. [2] Udy AA, Baptista JP, Lim NL, et al. Augmented renal clearance in
       the ICU: results of a multicenter observational study of renal function
       in critically ill patients with normal plasma creatinine
       concentrations. Crit Care Med. 2014;42(3):520-527.
       doi:10.1097/CCM.0000000000000029
    .. [3] Inker LA, Eneanya ND, Coresh J, et al. New creatinine- and cystatin
       C-based equations to estimate GFR without race. N Engl J Med.
       2021;385(19):1737-1749. doi:10.1056/NEJMoa2102953

    Examples
    --------
    >>> p = Patient(age_y=60, sex="male", weight_kg=110, height_cm=165, scr=1.2, scr_unit="mg/dL")
    >>> a = renal_assessment(p)
    >>> a.method
    'Cockcroft–Gault with adjusted body weight 80.8 kg (TBW 110.0 kg, BMI 40.4 kg/m², IBW 61.4 kg; BMI ≥ 25: overweight or obese)'
    >>> round(a.crcl_ml_per_min, 1)
    74.9
    >>> {k: round(v) for k, v in a.crcl_by_weight_ml_per_min.items()}
    {'total': 102, 'adjusted': 75, 'ideal': 57}
    >>> renal_assessment(p, Haemodialysis()).crcl_ml_per_min
    5.0
    """
    if not isinstance(patient, Patient):
        raise InputError(f"patient must be a Patient, got {_shown(patient)}")
    if not isinstance(renal_state, (Native, Haemodialysis, CRRT)):
        raise InputError(f"renal_state must be Native(), Haemodialysis(...) or CRRT(...), got {_shown(renal_state)}")
    rule = _rule(patient, weight_rule)
    native = isinstance(renal_state, Native)
    bsa = None if patient.height_cm is None else bsa_du_bois(patient.weight_kg, patient.height_cm)
    est = _scr_estimates(patient, rule, bsa, used_for_dosing=native and patient.dosing_method == "cg")
    crcl, method = _native_crcl(patient, est, bsa) if native else _rrt_crcl(renal_state)
    crcl_norm = None if bsa is None else bsa_normalised_crcl(crcl, bsa)
    augmented = _arc(crcl, crcl_norm, native)
    return RenalAssessment(
        crcl_ml_per_min=float(crcl), method=method, renal_state=renal_state, bsa_m2=bsa,
        crcl_bsa_normalised_ml_per_min_per_1_73m2=crcl_norm, augmented=augmented,
        notes=_notes(patient, renal_state, est, augmented), **est,
    )


def crcl_assessment(crcl_ml_per_min, renal_state=Native(), method="CrCL given"):
    r"""The renal assessment of a creatinine clearance given without a patient.

    Parameters
    ----------
    crcl_ml_per_min : float
        Creatinine clearance, 0–400 (``models/clinical.toml``) [mL/min]
    renal_state : Native or Haemodialysis or CRRT, optional
        On renal replacement therapy the state's residual CrCL is used and
        `crcl_ml_per_min` must be that value [-]
    method : str, optional
        How the CrCL was obtained, e.g. "CrCL given" or "measured" [-]

    Returns
    -------
    RenalAssessment
        Without demographics: no weight, eGFR or BSA; the ARC flag by the one
        definition, with the BSA taken as 1.73 m² (said in a note).

    Raises
    ------
    InputError
        If the CrCL is not a finite number.
    OutOfRangeError
        If it is outside the accepted range.

    References
    ----------
    .. [1] Udy AA, Baptista JP, Lim NL, et al. Augmented renal clearance in
       the ICU. Crit Care Med. 2014;42(3):520-527.
       doi:10.1097/CCM.0000000000000029 (the ARC flag, on the CrCL indexed to
       1.73 m²).

    Examples
    --------
    >>> a = crcl_assessment(200)
    >>> a.augmented, a.notes[0][:40]
    (True, 'augmented renal clearance: height unknow')
    """
    hint = "if it is indexed (mL/min/1.73 m²), de-index it first; check the value"
    crcl = _in_range("crcl_ml_per_min", crcl_ml_per_min, *CRCL_RANGE_ML_PER_MIN, "mL/min", hint)
    native = isinstance(renal_state, Native)
    if not native:
        crcl, method = _rrt_crcl(renal_state)
    augmented = _arc(crcl, None, native)
    notes = ((f"augmented renal clearance: height unknown, so the CrCL is compared with the threshold per "
              f"1.73 m² as if the BSA were {REFERENCE_BSA_M2:g} m²",) if augmented else ())
    return RenalAssessment(crcl_ml_per_min=crcl, method=method, renal_state=renal_state, augmented=augmented,
                           notes=notes)
