r"""Unit constants, serum-creatinine conversion and plausibility checks.

Inside pkdose, time is in h, volume in L, clearance in L/h, amount in mg and
concentration in mg/L. Creatinine clearance is in mL/min at the interface and
is converted with :data:`ML_PER_MIN_TO_L_PER_H`. Serum creatinine (SCr) is
carried in mg/dL. Laboratories report it in mg/dL (USA) or µmol/L (most other
countries), so :func:`scr_to_mg_per_dl` needs the unit stated explicitly. It
refuses a value that only makes sense in the other unit.

Plausible SCr range
-------------------
A SCr is accepted when it lies in 0.1–20 mg/dL (8.8–1768 µmol/L). These
bounds are a design choice of pkdose, declared with their reasons in
``models/clinical.toml`` (``limits.scr_min_mg_per_dl``,
``limits.scr_max_mg_per_dl``); no source defines them:

* lower bound 0.1 mg/dL: about a fifth of the lower adult reference limit
  (≈ 0.5 mg/dL in women, ≈ 0.6 mg/dL in men). A smaller value is far more
  likely to be a unit or transcription error than a real result.
* upper bound 20 mg/dL: about twice a typical pre-dialysis SCr in end-stage
  kidney disease (≈ 8–12 mg/dL). Values this high do occur (untreated uraemia,
  rhabdomyolysis), but Cockcroft–Gault means nothing there. Such a patient
  needs a dialysis or measured-clearance assessment, not a SCr estimate.

The two ranges overlap between 8.8 and 20. A value in that overlap (for
example 10) is accepted in either unit, because it cannot be shown to be
wrong: 10 mg/dL is end-stage kidney disease and 10 µmol/L is a very low but
possible result. Outside the overlap, a value that is plausible only in the
other unit raises :class:`~pkdose.errors.UnitError`, with a message that
suggests the other unit. A value that is implausible in both units raises
:class:`~pkdose.errors.OutOfRangeError`.
"""

import numpy as np

from pkdose.errors import InputError, OutOfRangeError, UnitError
from pkdose.library.clinical import clinical

__all__ = [
    "ML_PER_MIN_TO_L_PER_H",
    "L_PER_H_TO_ML_PER_MIN",
    "SCR_UMOL_PER_L_PER_MG_PER_DL",
    "SCR_PLAUSIBLE_MG_PER_DL",
    "SCR_PLAUSIBLE_UMOL_PER_L",
    "ml_per_min_to_l_per_h",
    "l_per_h_to_ml_per_min",
    "scr_umol_per_l_to_mg_per_dl",
    "scr_mg_per_dl_to_umol_per_l",
    "normalise_scr_unit",
    "scr_to_mg_per_dl",
    "ALBUMIN_UNITS",
    "ALBUMIN_PLAUSIBLE_G_PER_DL",
    "albumin_to_g_per_dl",
]

#: mL/min → L/h: 1 mL/min × 60 min/h ÷ 1000 mL/L.
ML_PER_MIN_TO_L_PER_H = 0.06
#: L/h → mL/min, the inverse of :data:`ML_PER_MIN_TO_L_PER_H`.
L_PER_H_TO_ML_PER_MIN = 1.0 / ML_PER_MIN_TO_L_PER_H
#: µmol/L per mg/dL of creatinine: 10 (dL/L) × 1000 (µg/mg) ÷ M, with
#: M ≈ 113.1 g/mol. Clinical tables round it to 88.4 (see [2] in
#: :func:`scr_umol_per_l_to_mg_per_dl`). pkdose fixes 88.42 (docs/design.md);
#: the two differ by 0.02 %.
SCR_UMOL_PER_L_PER_MG_PER_DL = 88.42
#: Plausible serum creatinine [mg/dL], inclusive (``models/clinical.toml``; see the module docstring).
SCR_PLAUSIBLE_MG_PER_DL = clinical().range("scr")
#: The same range in µmol/L: (8.842, 1768.4).
SCR_PLAUSIBLE_UMOL_PER_L = (
    SCR_PLAUSIBLE_MG_PER_DL[0] * SCR_UMOL_PER_L_PER_MG_PER_DL,
    SCR_PLAUSIBLE_MG_PER_DL[1] * SCR_UMOL_PER_L_PER_MG_PER_DL,
)

#: Serum albumin units accepted, and g/L per g/dL (1 dL = 0.1 L).
ALBUMIN_UNITS = ("g/dL", "g/L")
_G_PER_L_PER_G_PER_DL = 10.0
#: Plausible serum albumin [g/dL], inclusive (``models/clinical.toml``, an entry-error guard).
ALBUMIN_PLAUSIBLE_G_PER_DL = clinical().range("albumin")

_MG_PER_DL = "mg/dL"
_UMOL_PER_L = "µmol/L"  # U+00B5 MICRO SIGN
# accepted spellings (case-insensitive, surrounding blanks ignored) -> canonical
_SCR_UNITS = {
    "mg/dl": _MG_PER_DL,
    "umol/l": _UMOL_PER_L,
    "µmol/l": _UMOL_PER_L,  # micro sign U+00B5
    "μmol/l": _UMOL_PER_L,  # Greek small mu U+03BC, looks identical
}
_RANGE_TEXT = {
    _MG_PER_DL: f"{SCR_PLAUSIBLE_MG_PER_DL[0]:g}–{SCR_PLAUSIBLE_MG_PER_DL[1]:g} mg/dL",
    _UMOL_PER_L: f"{SCR_PLAUSIBLE_UMOL_PER_L[0]:.1f}–{SCR_PLAUSIBLE_UMOL_PER_L[1]:.0f} µmol/L",
}


def _out(x):
    """Return a Python float for a 0-d result and the array otherwise."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def ml_per_min_to_l_per_h(cl_ml_per_min):
    r"""Convert a clearance from mL/min to L/h.

    Parameters
    ----------
    cl_ml_per_min : array_like
        Clearance [mL/min]

    Returns
    -------
    cl_l_per_h : float or numpy.ndarray
        Clearance [L/h]

    Notes
    -----
    :math:`CL_{L/h} = 0.06\,CL_{mL/min}`, the definition of the units.

    References
    ----------
    .. [1] Bureau International des Poids et Mesures. The International System
       of Units (SI). 9th ed. BIPM; 2019. Table 8 (litre, minute, hour).

    Examples
    --------
    >>> ml_per_min_to_l_per_h(100.0)
    6.0
    """
    return _out(np.asarray(cl_ml_per_min, dtype=float) * ML_PER_MIN_TO_L_PER_H)


def l_per_h_to_ml_per_min(cl_l_per_h):
    r"""Convert a clearance from L/h to mL/min.

    Parameters
    ----------
    cl_l_per_h : array_like
        Clearance [L/h]

    Returns
    -------
    cl_ml_per_min : float or numpy.ndarray
        Clearance [mL/min]

    Notes
    -----
    :math:`CL_{mL/min} = CL_{L/h} / 0.06`.

    References
    ----------
    .. [1] Bureau International des Poids et Mesures. The International System
       of Units (SI). 9th ed. BIPM; 2019. Table 8 (litre, minute, hour).

    Examples
    --------
    >>> l_per_h_to_ml_per_min(6.0)
    100.0
    """
    return _out(np.asarray(cl_l_per_h, dtype=float) / ML_PER_MIN_TO_L_PER_H)


def scr_umol_per_l_to_mg_per_dl(scr_umol_per_l):
    r"""Convert serum creatinine from µmol/L to mg/dL, without plausibility checks.

    Parameters
    ----------
    scr_umol_per_l : array_like
        Serum creatinine [µmol/L]

    Returns
    -------
    scr_mg_per_dl : float or numpy.ndarray
        Serum creatinine [mg/dL]

    Notes
    -----
    :math:`S_{cr,\,mg/dL} = S_{cr,\,µmol/L} / 88.42`. Use
    :func:`scr_to_mg_per_dl` for user input; this function only converts.

    References
    ----------
    .. [1] Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group.
       KDIGO 2012 clinical practice guideline for the evaluation and
       management of chronic kidney disease. Kidney Int Suppl. 2013;3(1):1-150.
       doi:10.1038/kisup.2012.73 (conversion factor 88.4).

    Examples
    --------
    >>> round(scr_umol_per_l_to_mg_per_dl(88.42), 6)
    1.0
    """
    return _out(np.asarray(scr_umol_per_l, dtype=float) / SCR_UMOL_PER_L_PER_MG_PER_DL)


def scr_mg_per_dl_to_umol_per_l(scr_mg_per_dl):
    r"""Convert serum creatinine from mg/dL to µmol/L, without plausibility checks.

    Parameters
    ----------
    scr_mg_per_dl : array_like
        Serum creatinine [mg/dL]

    Returns
    -------
    scr_umol_per_l : float or numpy.ndarray
        Serum creatinine [µmol/L]

    Notes
    -----
    :math:`S_{cr,\,µmol/L} = 88.42\,S_{cr,\,mg/dL}`.

    References
    ----------
    .. [1] Kidney Disease: Improving Global Outcomes (KDIGO) CKD Work Group.
       KDIGO 2012 clinical practice guideline for the evaluation and
       management of chronic kidney disease. Kidney Int Suppl. 2013;3(1):1-150.
       doi:10.1038/kisup.2012.73 (conversion factor 88.4).

    Examples
    --------
    >>> scr_mg_per_dl_to_umol_per_l(1.0)
    88.42
    """
    return _out(np.asarray(scr_mg_per_dl, dtype=float) * SCR_UMOL_PER_L_PER_MG_PER_DL)


def normalise_scr_unit(unit):
    r"""Return the canonical spelling of a serum-creatinine unit, or raise UnitError.

    Parameters
    ----------
    unit : str
        "mg/dL", or "µmol/L" (also spelled "umol/L" or with the Greek mu);
        case and surrounding blanks are ignored [-]

    Returns
    -------
    unit : str
        "mg/dL" or "µmol/L".

    Raises
    ------
    UnitError
        If `unit` is missing or not one of the accepted spellings.

    Notes
    -----
    Only these two units are accepted; mmol/L (10⁻³ of µmol/L) in particular
    is refused rather than guessed.

    Examples
    --------
    >>> normalise_scr_unit("umol/L")
    'µmol/L'
    """
    accepted = "'mg/dL' or 'µmol/L' (also written 'umol/L')"
    if unit is None:
        raise UnitError(f"{{scr_unit}} is missing; serum creatinine needs an explicit unit: {accepted}",
                        field="scr_unit")
    if not isinstance(unit, str) or unit.strip().lower() not in _SCR_UNITS:
        raise UnitError(f"{{scr_unit}} {_shown(unit)} is not accepted; use {accepted}", field="scr_unit")
    return _SCR_UNITS[unit.strip().lower()]


def _shown(value, width=40):
    """``repr(value)``, cut to `width` characters: an error message stays one short line."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _as_float_array(value, name):
    """Convert `value` to a float array, refusing strings, booleans and NaN/inf."""
    problem = InputError(f"{{{name}}} must be a finite number, got {_shown(value)}", field=name)
    if isinstance(value, (str, bytes, bool, np.bool_)) or value is None:
        raise problem
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        raise problem from None
    if not np.all(np.isfinite(arr)):
        raise problem
    return arr


def _scr_error(v, unit, name):
    """Build the error for one implausible serum creatinine `v` in canonical `unit`."""
    other = _UMOL_PER_L if unit == _MG_PER_DL else _MG_PER_DL
    lo, hi = SCR_PLAUSIBLE_MG_PER_DL if other == _MG_PER_DL else SCR_PLAUSIBLE_UMOL_PER_L
    head = f"{{{name}}} {v:g} {unit} is implausible (expected {_RANGE_TEXT[unit]})"
    if lo <= v <= hi:  # plausible in the other unit: the unit is probably wrong
        if other == _UMOL_PER_L:
            alt = f"{v:g} µmol/L ({v / SCR_UMOL_PER_L_PER_MG_PER_DL:.2f} mg/dL)"
        else:
            alt = f"{v:g} mg/dL ({v * SCR_UMOL_PER_L_PER_MG_PER_DL:.0f} µmol/L)"
        return UnitError(f"{head}; did you mean {alt}? Check {{scr_unit}}.", field=name)
    return OutOfRangeError(
        f"{head}, and also outside {_RANGE_TEXT[other]} in the other unit; "
        "check the value (a SCr outside these ranges cannot be used for a dose estimate)", field=name
    )


def scr_to_mg_per_dl(value, unit, *, name="scr"):
    r"""Convert a serum creatinine given with its unit to mg/dL, checking plausibility.

    Parameters
    ----------
    value : array_like
        Serum creatinine in `unit` [mg/dL or µmol/L]
    unit : str
        "mg/dL" or "µmol/L" ("umol/L" accepted); required, case-insensitive [-]
    name : str, optional
        Argument name to show in error messages [-]

    Returns
    -------
    scr_mg_per_dl : float or numpy.ndarray
        Serum creatinine [mg/dL]

    Raises
    ------
    UnitError
        If `unit` is missing or unknown, or if a value is implausible in `unit`
        but plausible in the other unit. The message shows the converted
        value.
    OutOfRangeError
        If a value is implausible in both units.
    InputError
        If a value is not a finite number.

    Notes
    -----
    Plausible: 0.1–20 mg/dL, i.e. 8.8–1768 µmol/L (inclusive). The module
    docstring explains these bounds and the overlap (8.8–20), where both
    units are accepted. Conversion: :func:`scr_umol_per_l_to_mg_per_dl`, which
    cites the factor.

    Examples
    --------
    >>> scr_to_mg_per_dl(1.2, "mg/dL")
    1.2
    >>> round(scr_to_mg_per_dl(80, "µmol/L"), 3)
    0.905
    >>> scr_to_mg_per_dl(80, "mg/dL")
    Traceback (most recent call last):
    ...
    pkdose.errors.UnitError: scr 80 mg/dL is implausible (expected 0.1–20 mg/dL); did you mean 80 µmol/L (0.90 mg/dL)? Check scr_unit.
    """
    unit = normalise_scr_unit(unit)
    arr = _as_float_array(value, name)
    lo, hi = SCR_PLAUSIBLE_MG_PER_DL if unit == _MG_PER_DL else SCR_PLAUSIBLE_UMOL_PER_L
    bad = (arr < lo) | (arr > hi)
    if np.any(bad):
        raise _scr_error(float(arr[bad].flat[0]), unit, name)
    if unit == _UMOL_PER_L:
        return scr_umol_per_l_to_mg_per_dl(arr)
    return _out(arr)



def albumin_to_g_per_dl(value, unit, *, name="albumin"):
    r"""Convert a serum albumin given with its unit to g/dL, refusing a value only plausible in the other unit.

    Parameters
    ----------
    value : float
        Serum albumin in `unit` [g/dL or g/L]
    unit : str
        "g/dL" or "g/L", exactly as written here (case-insensitive) [-]
    name : str, optional
        Field named in error messages; the unit's field is ``<name>_unit`` [-]

    Returns
    -------
    float
        Serum albumin [g/dL]

    Raises
    ------
    UnitError
        The unit is missing or unknown, or the value is implausible in its
        unit but plausible in the other (28 g/dL: did you mean 28 g/L?).
    OutOfRangeError
        Implausible in both units.
    InputError
        Not a finite number.

    Notes
    -----
    Plausible: 0.5–6.5 g/dL = 5–65 g/L (``models/clinical.toml``, a
    declared entry-error guard). Between 5 and 6.5 both units are plausible
    and the value is taken in the unit given. g/dL × 10 = g/L.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (albumin in
       g/dL on V1).

    Examples
    --------
    >>> albumin_to_g_per_dl(28, "g/L")
    2.8
    >>> albumin_to_g_per_dl(28, "g/dL")
    Traceback (most recent call last):
    ...
    pkdose.errors.UnitError: albumin 28 g/dL is implausible (expected 0.5–6.5 g/dL); did you mean 28 g/L (2.8 g/dL)? Check albumin_unit.
    """
    unit_field = f"{name}_unit"
    units = {u.lower(): u for u in ALBUMIN_UNITS}
    if not isinstance(unit, str) or unit.strip().lower() not in units:
        raise UnitError(f"{{{unit_field}}} {_shown(unit)} is not accepted; use 'g/dL' or 'g/L'", field=unit_field)
    unit = units[unit.strip().lower()]
    v = float(_as_float_array(value, name))
    lo, hi = ALBUMIN_PLAUSIBLE_G_PER_DL
    factor = 1.0 if unit == "g/dL" else _G_PER_L_PER_G_PER_DL
    if lo * factor <= v <= hi * factor:
        return v / factor
    other, other_factor = ("g/L", _G_PER_L_PER_G_PER_DL) if unit == "g/dL" else ("g/dL", 1.0)
    head = f"{{{name}}} {v:g} {unit} is implausible (expected {lo * factor:g}–{hi * factor:g} {unit})"
    if lo * other_factor <= v <= hi * other_factor:
        return_text = f"{v:g} {other} ({v / other_factor:.2g} g/dL)" if other == "g/L" else f"{v:g} g/dL"
        raise UnitError(f"{head}; did you mean {return_text}? Check {{{unit_field}}}.", field=name)
    raise OutOfRangeError(f"{head}, and also outside {lo * other_factor:g}–{hi * other_factor:g} {other}; check "
                          "the value", field=name)
