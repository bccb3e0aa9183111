r"""Patient and renal-state dataclasses (frozen, validated) and the renal assessment.

The dataclasses check every value when they are built (STYLE B1.4, B6). An
error message names the argument, echoes the value, gives the valid range
and says how to fix it. :func:`renal_assessment` turns a patient and a renal
state into the creatinine clearance used for dosing, and records how that
clearance was obtained.

Accepted ranges (design choices of pkdose, with reasons)
--------------------------------------------------------
==========================  =================  ==============================================
argument                    accepted           why
==========================  =================  ==============================================
age_y                       18–120 years       adult labels only; CG derived at 18–92 years
weight_kg                   20–350 kg          adults; below 20 or above 350 kg is a unit or entry error
height_cm                   130–250 cm         Devine IBW is meaningless below ~130 cm
scr (+ scr_unit)            0.1–20 mg/dL       see :mod:`pkdose.units`
crcl_ml_per_min             0–400 mL/min       above 400 is not physiological
residual_crcl_ml_per_min    0–30 mL/min        maintenance RRT is not expected above 30
effluent_l_per_h            > 0 and ≤ 10 L/h   ≈ 140 mL/kg/h at 70 kg, twice the highest dose
HDSchedule.session_h        1–12 h             conventional to extended-hours HD
HDSchedule.start_h          0 ≤ h < 24         clock hour
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
"""

import math
import numbers
from dataclasses import dataclass, field

from pkdose.errors import InputError, OutOfRangeError, UnitError
from pkdose.extracorporeal import CRRT_MODALITIES, WEEKDAYS
from pkdose.renal import (
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
    "patient_from_inputs",
    "DEFAULT_RESIDUAL_CRCL_ML_PER_MIN",
    "CRCL_RANGE_ML_PER_MIN",
    "Patient",
    "Native",
    "HDSchedule",
    "Haemodialysis",
    "CRRT",
    "RenalState",
    "RenalAssessment",
    "renal_assessment",
]

#: Residual native CrCL assumed on HD or CRRT when none is given [mL/min].
DEFAULT_RESIDUAL_CRCL_ML_PER_MIN = 5.0
#: Accepted creatinine clearance, inclusive [mL/min].
CRCL_RANGE_ML_PER_MIN = (0.0, 400.0)
AGE_RANGE_Y = (18.0, 120.0)
WEIGHT_MIN_KG = 20.0
WEIGHT_MAX_KG = 350.0
HEIGHT_RANGE_CM = (130.0, 250.0)
RESIDUAL_CRCL_RANGE_ML_PER_MIN = (0.0, 30.0)
EFFLUENT_MAX_L_PER_H = 10.0
SESSION_RANGE_H = (1.0, 12.0)
_CG_AGE_RANGE_Y = (18, 92)  # Cockcroft & Gault 1976 derivation cohort


def _number(name, value):
    """Return `value` as float, or raise InputError naming `name` if it is not a finite real."""
    if (
        isinstance(value, (bool, str, bytes))
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
    ):
        raise InputError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def _in_range(name, value, lo, hi, unit, hint="", lo_open=False, hi_open=False):
    """Return float(value) or raise OutOfRangeError with the range and `hint`."""
    v = _number(name, value)
    below = v <= lo if lo_open else v < lo
    above = v >= hi if hi_open else v > hi
    if below or above:
        lo_txt = f"> {lo:g}" if lo_open else f"≥ {lo:g}"
        hi_txt = f"< {hi:g}" if hi_open else f"≤ {hi:g}"
        raise OutOfRangeError(
            f"{name} {v:g} is outside the accepted range ({lo_txt} and {hi_txt} {unit})"
            + (f"; {hint}" if hint else "")
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
        "female" or "male", case-insensitive; stored lower-case [-]
    weight_kg : float
        Total body weight, 20-350 [kg]
    height_cm : float, optional
        Height, 130–250; needed for IBW, BSA and indexed values [cm]
    scr : float, optional
        Serum creatinine at steady state, in `scr_unit` [mg/dL or µmol/L]
    scr_unit : str, optional
        "mg/dL" or "µmol/L" ("umol/L" accepted); required with `scr` [-]
    crcl_ml_per_min : float, optional
        Measured creatinine clearance (timed urine collection), 0–400 [mL/min]

    Attributes
    ----------
    scr_mg_per_dl : float or None
        `scr` converted to mg/dL (set during validation).

    Raises
    ------
    InputError
        If a value is not a finite number, `sex` is not female/male, neither
        `scr` nor `crcl_ml_per_min` is given, or `scr_unit` is given without
        `scr`.
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
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580

    Examples
    --------
    >>> p = Patient(age_y=70, sex="female", weight_kg=60, height_cm=160, scr=90, scr_unit="umol/L")
    >>> round(p.scr_mg_per_dl, 3)
    1.018
    """

    age_y: float
    sex: str
    weight_kg: float
    height_cm: float | None = None
    scr: float | None = None
    scr_unit: str | None = None
    crcl_ml_per_min: float | None = None
    scr_mg_per_dl: float | None = field(init=False, default=None)

    def __post_init__(self):
        age_hint = "pkdose covers adult labels only; use a paediatric reference under 18"
        _set(self, "age_y", _in_range("age_y", self.age_y, *AGE_RANGE_Y, "years", age_hint))
        _set(self, "sex", _check_sex(self.sex))
        lb_hint = "check the value and that it is in kg, not lb (1 kg = 2.2046 lb)"
        _set(self, "weight_kg", _in_range("weight_kg", self.weight_kg, WEIGHT_MIN_KG, WEIGHT_MAX_KG, "kg",
                                          lb_hint))
        if self.height_cm is not None:
            _set(self, "height_cm", _check_height(self.height_cm))
        self._check_renal_inputs()

    def _check_renal_inputs(self):
        """Validate scr/scr_unit/crcl_ml_per_min and set scr_mg_per_dl."""
        if self.scr is None and self.scr_unit is not None:
            raise InputError(f"scr_unit {self.scr_unit!r} was given without scr; give scr too or drop scr_unit")
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
                "renal function is missing: give scr with scr_unit (serum creatinine, e.g. "
                "scr=1.1, scr_unit='mg/dL') or crcl_ml_per_min (a measured creatinine clearance)"
            )


def _check_sex(sex):
    """Return 'female' or 'male', or raise InputError saying what is accepted."""
    norm = sex.strip().lower() if isinstance(sex, str) else None
    if norm not in SEXES:
        raise InputError(
            f"sex {sex!r} is not accepted; use 'female' or 'male' (the renal equations "
            "are sex-specific: choose the set of coefficients the estimate should use)"
        )
    return norm


def _check_height(height_cm):
    """Return the height as float; UnitError if it looks like inches, else OutOfRangeError."""
    lo, hi = HEIGHT_RANGE_CM
    v = _number("height_cm", height_cm)
    if not lo <= v <= hi and lo <= v * 2.54 <= hi:
        raise UnitError(
            f"height_cm {height_cm!r} is implausible (expected {lo:g}–{hi:g} cm); "
            f"did you mean {v:g} in ({v * 2.54:.1f} cm)? Give the height in cm."
        )
    hint = "omit height_cm for a patient outside this range (total body weight is then used)"
    return _in_range("height_cm", v, lo, hi, "cm", hint)


@dataclass(frozen=True)
class Native:
    r"""Native kidney function: no renal replacement therapy.

    Notes
    -----
    The creatinine clearance for dosing is the patient's measured or
    Cockcroft–Gault clearance (:func:`renal_assessment`).

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580

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

    References
    ----------
    .. [1] Neri M, Villa G, Garzotto F, et al. Nomenclature for renal
       replacement therapy in acute kidney injury: basic principles. Crit
       Care. 2016;20(1):318. doi:10.1186/s13054-016-1489-9

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
    accepted = f"use 1–7 unique names from {WEEKDAYS}, e.g. ('Mon', 'Wed', 'Fri')"
    if isinstance(days, str) or not hasattr(days, "__iter__"):
        raise InputError(f"days {days!r} is not accepted; {accepted}")
    names = [d.strip().title() if isinstance(d, str) else d for d in days]
    unknown = [d for d in names if d not in WEEKDAYS]
    if unknown or not 1 <= len(names) <= 7 or len(set(names)) != len(names):
        raise InputError(f"days {tuple(days)!r} is not accepted; {accepted}")
    return tuple(sorted(names, key=WEEKDAYS.index))


def _residual(value):
    """Validate a residual CrCL on renal replacement therapy."""
    hint = "a patient with more native clearance is not expected to need maintenance RRT; use Native()?"
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
       doi:10.1038/kisup.2012.73

    Examples
    --------
    >>> Haemodialysis().residual_crcl_ml_per_min
    5.0
    """

    schedule: HDSchedule = field(default_factory=HDSchedule)
    residual_crcl_ml_per_min: float = DEFAULT_RESIDUAL_CRCL_ML_PER_MIN

    def __post_init__(self):
        if not isinstance(self.schedule, HDSchedule):
            raise InputError(f"schedule must be an HDSchedule, got {self.schedule!r}")
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
       Care. 2016;20(1):318. doi:10.1186/s13054-016-1489-9

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
            raise InputError(f"modality {self.modality!r} is not accepted; use one of {CRRT_MODALITIES}")
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
        Augmented renal clearance flag (native kidneys only) [-]
    notes : tuple of str
        Caveats a pharmacist should read [-]

    Notes
    -----
    Built by :func:`renal_assessment`; not validated again here.

    References
    ----------
    .. [1] Udy AA, Baptista JP, Lim NL, et al. Augmented renal clearance in
       the ICU: results of a multicenter observational study of renal function
       in critically ill patients with normal plasma creatinine
       concentrations. Crit Care Med. 2014;42(3):520-527.
       doi:10.1097/CCM.0000000000000029

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


def _scr_estimates(patient, weight_rule, bsa):
    """Cockcroft–Gault and CKD-EPI estimates from SCr (dict of RenalAssessment fields)."""
    if patient.scr_mg_per_dl is None:
        return {}
    chosen = select_cg_weight(patient.weight_kg, patient.height_cm, patient.sex, rule=weight_rule)
    egfr = ckd_epi_2021(patient.scr_mg_per_dl, patient.age_y, patient.sex)
    return {
        "weight_kg": chosen.weight_kg,
        "weight_explanation": chosen.explanation,
        "crcl_cockcroft_gault_ml_per_min": cockcroft_gault(
            patient.age_y, chosen.weight_kg, patient.scr_mg_per_dl, patient.sex),
        "egfr_ckd_epi_2021_ml_per_min_per_1_73m2": egfr,
        "egfr_ckd_epi_2021_ml_per_min": None if bsa is None else deindex_egfr(egfr, bsa),
    }


def _native_crcl(patient, est):
    """(crcl, method) for native kidneys: measured if given, else Cockcroft–Gault."""
    if patient.crcl_ml_per_min is not None:
        return patient.crcl_ml_per_min, "measured"
    crcl = est["crcl_cockcroft_gault_ml_per_min"]
    method = f"Cockcroft–Gault with {est['weight_explanation']}"
    lo, hi = CRCL_RANGE_ML_PER_MIN
    if not lo <= crcl <= hi:
        raise OutOfRangeError(
            f"estimated CrCL {crcl:.0f} mL/min ({method}, SCr {patient.scr_mg_per_dl:.2f} mg/dL) is "
            f"outside the accepted range {lo:g}–{hi:g} mL/min; a very low SCr inflates "
            "Cockcroft–Gault: measure CrCL and pass crcl_ml_per_min"
        )
    return crcl, method


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


def _notes(patient, state, est, augmented):
    """Caveats for the pharmacist."""
    notes = []
    native = isinstance(state, Native)
    if est and not native:
        notes.append("SCr-based estimates (Cockcroft–Gault, CKD-EPI) are not valid on renal "
                     "replacement therapy; shown for information only")
    if est and native and patient.crcl_ml_per_min is None and not (
            _CG_AGE_RANGE_Y[0] <= patient.age_y <= _CG_AGE_RANGE_Y[1]):
        notes.append("age is outside the Cockcroft–Gault derivation range (18–92 years)")
    if patient.height_cm is None:
        notes.append("height not given: BSA, de-indexed eGFR and BSA-normalised CrCL not computed")
    if augmented and patient.crcl_ml_per_min is None:
        notes.append("augmented renal clearance flagged from an SCr estimate; Udy et al. defined "
                     "it on measured urinary CrCL (≥ 130 mL/min/1.73 m²): measure to confirm")
    return tuple(notes)


def renal_assessment(patient, renal_state=Native(), weight_rule="auto"):
    r"""Assess renal function for dosing: CrCL, how it was obtained, eGFR, BSA, ARC flag.

    Parameters
    ----------
    patient : Patient
        The patient [-]
    renal_state : Native or Haemodialysis or CRRT, optional
        Native kidneys (default) or a renal replacement therapy [-]
    weight_rule : {"auto", "total", "ideal", "adjusted"}, optional
        Weight for Cockcroft–Gault (:func:`pkdose.renal.select_cg_weight`) [-]

    Returns
    -------
    RenalAssessment
        Frozen record of the assessment.

    Raises
    ------
    InputError
        If `patient` or `renal_state` has the wrong type or `weight_rule` is unknown.
    OutOfRangeError
        If a Cockcroft–Gault estimate falls outside 0–400 mL/min.

    Notes
    -----
    Native kidneys: a measured CrCL is used when given. Otherwise the
    Cockcroft–Gault estimate [1]_ with the weight of `weight_rule`. On HD or
    CRRT: the state's residual CrCL (default 5 mL/min, see the module
    docstring); SCr estimates are still reported, with a note. BSA is Du Bois.
    The ARC flag [2]_ uses the BSA-normalised CrCL when the height is known,
    else the raw CrCL. It is never set on renal replacement therapy.

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from
       serum creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580
    .. [2] Udy AA, Baptista JP, Lim NL, et al. Augmented renal clearance in
       the ICU: results of a multicenter observational study of renal function
       in critically ill patients with normal plasma creatinine
       concentrations. Crit Care Med. 2014;42(3):520-527.
       doi:10.1097/CCM.0000000000000029

    Examples
    --------
    >>> p = Patient(age_y=60, sex="male", weight_kg=110, height_cm=165, scr=1.2, scr_unit="mg/dL")
    >>> a = renal_assessment(p)
    >>> a.method
    'Cockcroft–Gault with adjusted body weight 80.8 kg (TBW 110.0 kg, BMI 40.4 kg/m², IBW 61.4 kg; BMI ≥ 25: overweight or obese)'
    >>> round(a.crcl_ml_per_min, 1)
    74.9
    >>> renal_assessment(p, Haemodialysis()).crcl_ml_per_min
    5.0
    """
    if not isinstance(patient, Patient):
        raise InputError(f"patient must be a Patient, got {patient!r}")
    if not isinstance(renal_state, (Native, Haemodialysis, CRRT)):
        raise InputError(f"renal_state must be Native(), Haemodialysis(...) or CRRT(...), got {renal_state!r}")
    if weight_rule not in WEIGHT_RULES:
        raise InputError(f"weight_rule {weight_rule!r} is not accepted; use one of {WEIGHT_RULES}")
    bsa = None if patient.height_cm is None else bsa_du_bois(patient.weight_kg, patient.height_cm)
    est = _scr_estimates(patient, weight_rule, bsa)
    native = isinstance(renal_state, Native)
    crcl, method = _native_crcl(patient, est) if native else _rrt_crcl(renal_state)
    crcl_norm = None if bsa is None else bsa_normalised_crcl(crcl, bsa)
    augmented = native and is_augmented(crcl if crcl_norm is None else crcl_norm)
    return RenalAssessment(
        crcl_ml_per_min=float(crcl), method=method, renal_state=renal_state, bsa_m2=bsa,
        crcl_bsa_normalised_ml_per_min_per_1_73m2=crcl_norm, augmented=bool(augmented),
        notes=_notes(patient, renal_state, est, augmented), **est,
    )


def patient_from_inputs(*, age_y=None, sex=None, weight_kg=None, height_cm=None, scr=None, scr_unit=None,
                        crcl_ml_per_min=None, renal_state=None):
    r"""The patient an input form (or the command line) describes, or None when only a CrCL is known.

    Parameters
    ----------
    age_y : float, optional
        Age [years].
    sex : str, optional
        ``"female"`` or ``"male"`` [-].
    weight_kg : float, optional
        Total body weight [kg].
    height_cm : float, optional
        Height [cm].
    scr : float, optional
        Serum creatinine, in ``scr_unit`` [mg/dL or µmol/L].
    scr_unit : str, optional
        ``"mg/dL"`` or ``"µmol/L"`` [-].
    crcl_ml_per_min : float, optional
        Measured or known creatinine clearance [mL/min].
    renal_state : Native, Haemodialysis or CRRT, optional
        On renal replacement the residual CrCL stands in for a measured one [-].

    Returns
    -------
    Patient or None
        None when the demographics are incomplete and no SCr was given: the
        CrCL (or the renal-replacement state) is then used on its own.

    Raises
    ------
    InputError
        SCr without the demographics Cockcroft–Gault needs, SCr together with a
        CrCL, or a unit without a value; ``field`` names the input at fault.
    OutOfRangeError
        An age or weight that is given but would otherwise go unused is out of
        range: nothing given is silently ignored.

    Notes
    -----
    Rules: an SCr needs age, sex and weight and excludes a CrCL; a CrCL (or a
    renal-replacement state) with complete demographics gives a patient whose
    weight and height the PK models use; otherwise no patient.

    References
    ----------
    .. [1] Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum
       creatinine. Nephron. 1976;16(1):31-41. doi:10.1159/000180580

    Examples
    --------
    >>> patient_from_inputs(crcl_ml_per_min=45) is None
    True
    >>> patient_from_inputs(age_y=70, sex="male", weight_kg=80, scr=1.2, scr_unit="mg/dL").weight_kg
    80.0
    """
    demographics = {"age_y": age_y, "sex": sex, "weight_kg": weight_kg}
    missing = [k for k, v in demographics.items() if v is None]
    if scr is not None or scr_unit is not None:
        if missing:
            raise InputError("with a serum creatinine give age, sex and weight too (Cockcroft–Gault needs them)",
                             field=missing[0])
        if crcl_ml_per_min is not None:
            raise InputError("give either a CrCL or a serum creatinine, not both", field="crcl_ml_per_min")
        if scr is None:
            raise InputError(f"a unit ({scr_unit}) was given without a serum creatinine value", field="scr")
        return Patient(age_y=age_y, sex=sex, weight_kg=weight_kg, height_cm=height_cm, scr=scr, scr_unit=scr_unit)
    on_rrt = isinstance(renal_state, (Haemodialysis, CRRT))
    if not missing and (crcl_ml_per_min is not None or on_rrt):
        crcl = renal_state.residual_crcl_ml_per_min if crcl_ml_per_min is None else crcl_ml_per_min
        return Patient(age_y=age_y, sex=sex, weight_kg=weight_kg, height_cm=height_cm, crcl_ml_per_min=crcl)
    if age_y is not None:
        _in_range("age_y", age_y, *AGE_RANGE_Y, "years", "pkdose covers adult labels only")
    if weight_kg is not None:
        _in_range("weight_kg", weight_kg, WEIGHT_MIN_KG, WEIGHT_MAX_KG, "kg", "give the weight in kg")
    return None
