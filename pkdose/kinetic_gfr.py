r"""Kinetic creatinine clearance from a changing serum creatinine (Chen 2013).

Cockcroft–Gault and CKD-EPI assume a creatinine at steady state.  While the
creatinine rises (acute kidney injury) a static estimate overstates the
clearance; while it falls (recovery) it understates it.  Chen's kinetic GFR
[1]_ corrects each pair of consecutive creatinines for the change between
them, using the patient's baseline (steady-state) creatinine and clearance
and the maximal rate at which creatinine could rise.

This module holds the science as plain functions over arrays:

* :func:`parse_scr_series` reads the command line's ``"0:1.1,24:2.0"`` form;
* :func:`kinetic_gfr_chen` is the published equation;
* :func:`max_scr_rise_mass_balance` derives the maximal daily rise from the
  baseline creatinine production and the creatinine volume;
* :func:`kinetic_crcl_trajectory` turns a series into a piecewise-constant
  CrCL trajectory (:class:`KineticCrclTrajectory`, with a tidy table);
* :func:`clearance_steps` maps the trajectory through a PK model's
  clearance–CrCL relation, giving the piecewise-constant clearance the engine
  takes.

Clinical constants (creatinine volume, the 48-h window of [3]_, re-check
intervals) live in ``models/kinetics.toml`` and are read by
:func:`load_kinetics_constants`.  The advice built on the trajectory is in
:mod:`pkdose.changing_renal`.

Time is in hours from an origin the caller chooses (admission, or the first
sample); creatinine is carried in mg/dL after conversion with
:func:`pkdose.units.scr_to_mg_per_dl`.

References
----------
.. [1] Chen S. Retooling the creatinine clearance equation to estimate kinetic
   GFR when the plasma creatinine is changing acutely. J Am Soc Nephrol.
   2013;24(6):877-888. doi:10.1681/ASN.2012070653
.. [2] Chen S, Chiaramonte R. In creatinine kinetics, the glomerular
   filtration rate always moves the serum creatinine in the opposite
   direction. Physiol Rep. 2021;9(16):e14957. doi:10.14814/phy2.14957
.. [3] Crass RL, Rodvold KA, Mueller BA, Pai MP. Renal dosing of antibiotics:
   are we jumping the gun? Clin Infect Dis. 2019;68(9):1596-1602.
"""

import functools
import math
import re
from dataclasses import dataclass, field

import numpy as np

from .errors import InputError, ModelFileError
from .library.bibliography import load_sources
from .library.reading import check_keys, documents_root, model_file, read_citation, read_model_file, read_param
from .units import scr_to_mg_per_dl

__all__ = [
    "HOURS_PER_DAY",
    "MonitoringStatement",
    "KineticsConstants",
    "load_kinetics_constants",
    "parse_scr_series",
    "kinetic_gfr_chen",
    "max_scr_rise_mass_balance",
    "KineticCrclTrajectory",
    "kinetic_crcl_trajectory",
    "clearance_steps",
]

#: Hours per day: the 24 in Chen's equation turns a rise per day into one per hour.
HOURS_PER_DAY = 24.0
#: mg/dL × mL/min × min/day → mg/day, divided by dL per L: SCr·CrCL·1440/100/10.
_RISE_FACTOR = 1440.0 / 100.0 / 10.0
_FIELD = "scr_series"
_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)"
_PAIR = re.compile(rf"^\s*({_NUMBER})\s*:\s*({_NUMBER})\s*$")


# ---------------------------------------------------------------------------
# Constants file
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class MonitoringStatement:
    r"""What a product's label says about re-checking renal function while it changes.

    Parameters
    ----------
    product : str
        Product (regimen-table name) [-].
    jurisdiction : str
        "US" or "EU" [-].
    text : str
        The statement, paraphrased from the label [-].
    recheck_interval_h : float or None
        Re-check interval the label gives; None when it gives none [h].
    source : str
        Bibliography key [-].
    locator : str
        Section of the label [-].

    References
    ----------
    .. [1] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Dosage and Administration, renal impairment.

    Examples
    --------
    >>> s = load_kinetics_constants().statement("cefiderocol", "US")
    >>> s.recheck_interval_h is None
    True
    """

    product: str
    jurisdiction: str
    text: str
    recheck_interval_h: float | None
    source: str
    locator: str


@dataclass(frozen=True)
class KineticsConstants:
    r"""The cited constants of ``models/kinetics.toml``.

    Parameters
    ----------
    vd_body_weight_fraction : pkdose.library.Param
        Creatinine volume of distribution per kg of body weight [L/kg as a fraction].
    no_dose_reduction_window_h : pkdose.library.Param
        Hours after the start of AKI during which deferring a renal dose
        reduction is suggested [h].
    resolved_by_48h_percent : pkdose.library.Param
        AKI on admission that had resolved by 48 h [%].
    default_recheck_interval_h : pkdose.library.Param
        Re-check interval used when the label gives none [h].
    statements : tuple of MonitoringStatement
        Label statements on monitoring changing renal function [-].

    References
    ----------
    .. [1] Crass RL, Rodvold KA, Mueller BA, Pai MP. Renal dosing of
       antibiotics: are we jumping the gun? Clin Infect Dis.
       2019;68(9):1596-1602.

    Examples
    --------
    >>> load_kinetics_constants().no_dose_reduction_window_h.value
    48.0
    """

    vd_body_weight_fraction: object
    no_dose_reduction_window_h: object
    resolved_by_48h_percent: object
    default_recheck_interval_h: object
    statements: tuple = field(default_factory=tuple)

    def statement(self, product, jurisdiction="US"):
        r"""The label's monitoring statement for a product, or None.

        Parameters
        ----------
        product : str
            Product name [-].
        jurisdiction : str, optional
            "US" or "EU" [-].

        Returns
        -------
        MonitoringStatement or None
            None when the file has no statement for that label.
        """
        hits = [s for s in self.statements if s.product == product and s.jurisdiction == jurisdiction]
        return hits[0] if hits else None


_STATEMENT_KEYS = ("product", "jurisdiction", "text", "recheck_interval_h", "source", "locator")


def _statement(row, sources, path, key_path):
    """Validate one [[monitoring.statement]] row."""
    check_keys(row, _STATEMENT_KEYS, path, key_path,
               required=("product", "jurisdiction", "text", "source", "locator"))
    interval = row.get("recheck_interval_h")
    if interval is not None and (isinstance(interval, bool) or not isinstance(interval, (int, float))
                                 or not interval > 0):
        raise ModelFileError(f"{path}: key '{key_path}.recheck_interval_h': expected a number > 0 [h]")
    source, locator, _ = read_citation(row, sources, path, key_path)
    return MonitoringStatement(str(row["product"]), str(row["jurisdiction"]), str(row["text"]),
                               None if interval is None else float(interval), source, locator)


@functools.lru_cache(maxsize=8)
def _load(root, mtime_ns):
    """Read and validate ``kinetics.toml`` under ``root`` (cached per file version)."""
    path = model_file(root, "kinetics.toml")
    data, sources = read_model_file(path, required=("creatinine", "aki", "monitoring")), load_sources(root)
    check_keys(data["creatinine"], (), path, "creatinine", required=("vd_body_weight_fraction",))
    check_keys(data["aki"], (), path, "aki", required=("no_dose_reduction_window_h", "resolved_by_48h_percent"))
    check_keys(data["monitoring"], ("statement",), path, "monitoring", required=("default_recheck_interval_h",))

    def param(section, name):
        return read_param(data[section][name], name=name, default_source="", sources=sources,
                          file=path, key_path=f"{section}.{name}")

    rows = data["monitoring"].get("statement", [])
    return KineticsConstants(
        vd_body_weight_fraction=param("creatinine", "vd_body_weight_fraction"),
        no_dose_reduction_window_h=param("aki", "no_dose_reduction_window_h"),
        resolved_by_48h_percent=param("aki", "resolved_by_48h_percent"),
        default_recheck_interval_h=param("monitoring", "default_recheck_interval_h"),
        statements=tuple(_statement(r, sources, path, f"monitoring.statement[{i}]") for i, r in enumerate(rows)))


@documents_root
def load_kinetics_constants(root=None):
    r"""Load the cited constants for changing renal function from ``models/kinetics.toml``.

    Parameters
    ----------
    {root}

    Returns
    -------
    KineticsConstants
        The constants, each a :class:`pkdose.library.Param` with its source
        and locator.

    Raises
    ------
    ModelFileError
        A missing or unknown key, a number without a unit suffix, source or
        locator, or an unknown source.

    References
    ----------
    .. [1] Bjornsson TD. Clin Pharmacokinet. 1979;4(3):200-222.
       doi:10.2165/00003088-197904030-00003 (creatinine volume of distribution).
    .. [2] Crass RL, Rodvold KA, Mueller BA, Pai MP. Clin Infect Dis.
       2019;68(9):1596-1602 (the first 48 hours of acute kidney injury).
    .. [3] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Dosage and Administration, renal impairment (re-check
       interval).

    Examples
    --------
    >>> c = load_kinetics_constants()
    >>> c.vd_body_weight_fraction.value, c.vd_body_weight_fraction.source
    (0.6, 'bjornsson1979')
    """
    path = model_file(root, "kinetics.toml").resolve()
    return _load(str(path.parent), path.stat().st_mtime_ns if path.exists() else -1)


# ---------------------------------------------------------------------------
# Parsing "0:1.1,24:2.0,48:2.6"
# ---------------------------------------------------------------------------

def _parse_pair(item, index, field_name):
    """Return (time, value) of one 'hours:value' item, or raise InputError."""
    match = _PAIR.match(item)
    if not match:
        raise InputError(f"{field_name}: item {index + 1} {item.strip()!r} is not 'hours:value' "
                         "(e.g. '24:2.0')", field=field_name)
    t, v = (float(g) for g in match.groups())
    if t < 0:
        raise InputError(f"{field_name}: time {match.group(1)} h is negative; give hours from the first "
                         "sample or from admission (>= 0)", field=field_name)
    if not v > 0:
        raise InputError(f"{field_name}: creatinine {match.group(2)} at {t:g} h must be > 0",
                         field=field_name)
    return t, v


def _check_times(t, field_name):
    """Raise InputError on duplicate or non-increasing times."""
    seen = set()
    for x in t:
        if x in seen:
            raise InputError(f"{field_name}: time {x:g} h appears twice; give one creatinine per time",
                             field=field_name)
        seen.add(x)
    for a, b in zip(t, t[1:]):
        if not b > a:
            raise InputError(f"{field_name}: times must increase, but {b:g} h follows {a:g} h; "
                             "list the samples in time order", field=field_name)


def parse_scr_series(text, *, field_name=_FIELD):
    r"""Parse a creatinine series written ``"hours:value,hours:value,..."``.

    Parameters
    ----------
    text : str
        Comma-separated ``hours:value`` pairs, e.g. ``"0:1.1,24:2.0,48:2.6"``;
        plain ASCII digits, blanks around items allowed [-]
    field_name : str, optional
        Name of the input, shown in messages and set as ``InputError.field`` [-]

    Returns
    -------
    t_h : numpy.ndarray
        Sample times, strictly increasing [h]
    values : numpy.ndarray
        Creatinine values, in whatever unit the caller states separately
        [mg/dL or µmol/L]

    Raises
    ------
    InputError
        Not a string, empty, fewer than two samples, non-ASCII characters
        (e.g. Arabic-Indic or full-width digits, a Unicode minus), an item
        that is not ``hours:value``, a negative time, a value ≤ 0, a
        duplicate time, or times out of order.  ``field`` names the input.

    Notes
    -----
    The value's unit is not part of the text: the caller passes it (the
    command line's ``--scr-unit``) to :func:`kinetic_crcl_trajectory`, which
    converts and checks plausibility with :func:`pkdose.units.scr_to_mg_per_dl`.
    Python's ``float`` accepts non-ASCII digits; this parser does not, so
    that a look-alike character can never be read as a number.

    Examples
    --------
    >>> t, v = parse_scr_series("0:1.1, 24:2.0, 48:2.6")
    >>> t.tolist(), v.tolist()
    ([0.0, 24.0, 48.0], [1.1, 2.0, 2.6])
    >>> parse_scr_series("0:1.1,24:2.0,24:2.6")
    Traceback (most recent call last):
    ...
    pkdose.errors.InputError: scr_series: time 24 h appears twice; give one creatinine per time
    """
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{field_name} is empty; give 'hours:value' pairs, e.g. '0:1.1,24:2.0'",
                         field=field_name)
    if not text.isascii():
        odd = sorted({c for c in text if not c.isascii()})
        raise InputError(f"{field_name} contains non-ASCII characters {''.join(odd)!r}; use the digits "
                         "0-9, '.', ':' and ',' only", field=field_name)
    pairs = [_parse_pair(item, i, field_name) for i, item in enumerate(text.split(","))]
    t = [p[0] for p in pairs]
    _check_times(t, field_name)
    if len(pairs) < 2:
        raise InputError(f"{field_name} has one sample; a kinetic estimate needs at least two",
                         field=field_name)
    return np.array(t), np.array([p[1] for p in pairs])


# ---------------------------------------------------------------------------
# The equation
# ---------------------------------------------------------------------------

def _out(x):
    """Return a Python float for a 0-d result and the array otherwise."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def kinetic_gfr_chen(scr_start_mg_per_dl, scr_end_mg_per_dl, dt_h, baseline_scr_mg_per_dl,
                     baseline_crcl_ml_per_min, max_rise_mg_per_dl_per_day):
    r"""Kinetic GFR (creatinine clearance) over one interval between two creatinines.

    Parameters
    ----------
    scr_start_mg_per_dl : array_like
        Creatinine at the start of the interval [mg/dL]
    scr_end_mg_per_dl : array_like
        Creatinine at the end of the interval [mg/dL]
    dt_h : array_like
        Length of the interval, > 0 [h]
    baseline_scr_mg_per_dl : array_like
        Steady-state creatinine before the change (SSPCr) [mg/dL]
    baseline_crcl_ml_per_min : array_like
        Creatinine clearance at that steady state (CrCl), e.g.
        Cockcroft–Gault [mL/min]
    max_rise_mg_per_dl_per_day : array_like
        Maximal rise of creatinine per day, the rise with no clearance at
        all (MaxΔPCr/Δt) [mg/dL/day]

    Returns
    -------
    kinetic_crcl_ml_per_min : float or numpy.ndarray
        Kinetic clearance over the interval, in the unit of
        `baseline_crcl_ml_per_min`; negative when the creatinine rose faster
        than `max_rise_mg_per_dl_per_day` allows [mL/min]

    Notes
    -----
    Equation of [1]_:

    .. math::

        KeGFR = \frac{SSP_{Cr} \cdot CrCl}{\overline{P}_{Cr}}
                \left(1 - \frac{24\,\Delta P_{Cr}}{\Delta t \cdot
                \mathrm{Max}\Delta P_{Cr}/\Delta t}\right)

    with :math:`\overline{P}_{Cr}` the mean and :math:`\Delta P_{Cr}` the
    change of the two creatinines, :math:`\Delta t` in hours and the
    maximal rise per day.  It is the finite-difference form of the
    creatinine mass balance :math:`V\,dP/dt = G - K\,P` with the production
    :math:`G = SSP_{Cr}\cdot CrCl` (steady state before the change), the
    derivative :math:`\Delta P/\Delta t`, the level :math:`\overline{P}` and
    :math:`\mathrm{Max}\Delta P_{Cr}/\Delta t = 24\,G/V`: solving for
    :math:`K` gives the expression above term by term.  Hence the result
    equals the baseline clearance when the creatinine stays at its baseline,
    exceeds the static estimate :math:`SSP_{Cr}\,CrCl/P` while it falls and
    is below it while it rises; the kinetic GFR and the creatinine move in
    opposite directions [2]_.  It assumes an unchanged creatinine production
    and volume.  The published equation is returned unclipped;
    :func:`kinetic_crcl_trajectory` clips negative values at 0 and flags them.

    Only the opening of [1]_ was read for this project; the equation was
    taken from recall and checked against independent implementations and
    the mass balance above (``models/sources/kinetics.toml``, ``chen2013``).

    References
    ----------
    .. [1] Chen S. Retooling the creatinine clearance equation to estimate
       kinetic GFR when the plasma creatinine is changing acutely. J Am Soc
       Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
    .. [2] Chen S, Chiaramonte R. In creatinine kinetics, the glomerular
       filtration rate always moves the serum creatinine in the opposite
       direction. Physiol Rep. 2021;9(16):e14957. doi:10.14814/phy2.14957

    Examples
    --------
    An illustration (not a published example): baseline 1.0 mg/dL with CrCL
    100 mL/min, creatinine 1.0 → 1.5 mg/dL over 24 h, maximal rise
    3.0 mg/dL/day:

    >>> round(kinetic_gfr_chen(1.0, 1.5, 24, 1.0, 100, 3.0), 1)
    66.7
    >>> kinetic_gfr_chen(1.0, 1.0, 24, 1.0, 100, 3.0)  # no change: the baseline
    100.0
    """
    s0 = np.asarray(scr_start_mg_per_dl, dtype=float)
    s1 = np.asarray(scr_end_mg_per_dl, dtype=float)
    static = (np.asarray(baseline_scr_mg_per_dl, dtype=float)
              * np.asarray(baseline_crcl_ml_per_min, dtype=float) / ((s0 + s1) / 2.0))
    rise_per_day = (s1 - s0) * HOURS_PER_DAY / np.asarray(dt_h, dtype=float)
    return _out(static * (1.0 - rise_per_day / np.asarray(max_rise_mg_per_dl_per_day, dtype=float)))


def max_scr_rise_mass_balance(baseline_scr_mg_per_dl, baseline_crcl_ml_per_min, weight_kg,
                              vd_body_weight_fraction=None):
    r"""Maximal daily creatinine rise: baseline production over the creatinine volume.

    Parameters
    ----------
    baseline_scr_mg_per_dl : array_like
        Steady-state creatinine [mg/dL]
    baseline_crcl_ml_per_min : array_like
        Creatinine clearance at that steady state [mL/min]
    weight_kg : array_like
        Total body weight [kg]
    vd_body_weight_fraction : array_like, optional
        Creatinine volume per kg of body weight; default from
        ``models/kinetics.toml`` (0.6, total body water) [L/kg]

    Returns
    -------
    max_rise_mg_per_dl_per_day : float or numpy.ndarray
        Rise of creatinine per day if clearance stopped and production
        stayed at its baseline [mg/dL/day]

    Notes
    -----
    At steady state production equals excretion, :math:`G = SSP_{Cr}\cdot
    CrCl` (mg/day after units), and with no clearance the creatinine rises
    at :math:`G/V` with :math:`V = f\,W` the total body water [1]_:

    .. math::

        \mathrm{Max}\Delta P_{Cr}/\Delta t\ [\mathrm{mg/dL/day}] =
        \frac{SSP_{Cr}\ [\mathrm{mg/dL}] \cdot CrCl\ [\mathrm{mL/min}]
        \cdot 1440/100}{10\,f\,W}

    This is the physical meaning of the maximal rise in [2]_; it is an upper
    bound on the observed rise, since creatinine production may fall in
    critical illness (then the kinetic clearance of a rising creatinine is
    overstated less than the static one, but still overstated).  Give a
    measured rise (e.g. between dialysis sessions) when one is known.

    References
    ----------
    .. [1] Bjornsson TD. Use of serum creatinine concentrations to determine
       renal function. Clin Pharmacokinet. 1979;4(3):200-222.
       doi:10.2165/00003088-197904030-00003
    .. [2] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the maximal daily rise: the baseline production over the creatinine volume).

    Examples
    --------
    Baseline 1.0 mg/dL and 100 mL/min (1440 mg/day) in 70 kg (42 L):

    >>> round(max_scr_rise_mass_balance(1.0, 100, 70), 2)
    3.43
    """
    if vd_body_weight_fraction is None:
        vd_body_weight_fraction = load_kinetics_constants().vd_body_weight_fraction.value
    production = (np.asarray(baseline_scr_mg_per_dl, dtype=float)
                  * np.asarray(baseline_crcl_ml_per_min, dtype=float) * _RISE_FACTOR)
    return _out(production / (np.asarray(vd_body_weight_fraction, dtype=float)
                              * np.asarray(weight_kg, dtype=float)))


# ---------------------------------------------------------------------------
# Trajectory
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class KineticCrclTrajectory:
    r"""A piecewise-constant kinetic CrCL trajectory between creatinine samples.

    Parameters
    ----------
    t_h : numpy.ndarray
        Sample times, shape (n,) [h]
    scr_mg_per_dl : numpy.ndarray
        Creatinine at the samples, shape (n,) [mg/dL]
    start_h : numpy.ndarray
        Start of each interval, ``t_h[:-1]``, shape (n-1,) [h]
    end_h : numpy.ndarray
        End of each interval, ``t_h[1:]`` [h]
    crcl_ml_per_min : numpy.ndarray
        Kinetic CrCL in each interval, clipped at 0 [mL/min]
    crcl_static_ml_per_min : numpy.ndarray
        Steady-state estimate at each interval's end creatinine,
        ``baseline_scr · baseline_crcl / scr_end`` (Cockcroft–Gault's value
        when the baseline CrCL is Cockcroft–Gault), for comparison [mL/min]
    clipped : numpy.ndarray of bool
        Intervals where the published equation was negative and 0 is shown [-]
    baseline_scr_mg_per_dl : float
        Steady-state creatinine [mg/dL]
    baseline_crcl_ml_per_min : float
        Clearance at that steady state [mL/min]
    max_rise_mg_per_dl_per_day : float
        Maximal daily rise used [mg/dL/day]
    assumptions : tuple of str
        How the baseline and the maximal rise were obtained [-]
    notes : tuple of str
        Caveats for the pharmacist [-]

    Notes
    -----
    The value of the last interval is the latest estimate; after the last
    sample pkdose holds it (a forecast assumption, stated in ``notes``)
    until a new creatinine is measured.

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (one kinetic GFR for each pair of consecutive creatinines).

    Examples
    --------
    >>> tr = kinetic_crcl_trajectory([0, 24], [1.0, 1.5], "mg/dL", baseline_scr=1.0,
    ...                              baseline_scr_unit="mg/dL", baseline_crcl_ml_per_min=100,
    ...                              max_rise_mg_per_dl_per_day=3.0)
    >>> tr.crcl_ml_per_min.round(1).tolist()
    [66.7]
    """

    t_h: np.ndarray
    scr_mg_per_dl: np.ndarray
    start_h: np.ndarray
    end_h: np.ndarray
    crcl_ml_per_min: np.ndarray
    crcl_static_ml_per_min: np.ndarray
    clipped: np.ndarray
    baseline_scr_mg_per_dl: float
    baseline_crcl_ml_per_min: float
    max_rise_mg_per_dl_per_day: float
    assumptions: tuple = ()
    notes: tuple = ()

    @property
    def latest_crcl_ml_per_min(self):
        """Kinetic CrCL of the last interval, the current estimate [mL/min]."""
        return float(self.crcl_ml_per_min[-1])

    def crcl_at(self, t_h):
        r"""Kinetic CrCL in force at given times (piecewise constant, held after the last sample).

        Parameters
        ----------
        t_h : array_like
            Times, not before the first sample [h]

        Returns
        -------
        crcl_ml_per_min : float or numpy.ndarray
            CrCL of the interval containing each time [mL/min]

        Raises
        ------
        InputError
            A time before the first sample.
        """
        t = np.asarray(t_h, dtype=float)
        if np.any(t < self.start_h[0]):
            raise InputError(f"t_h before the first creatinine sample ({self.start_h[0]:g} h) has no "
                             "kinetic estimate", field="t_h")
        return _out(self.crcl_ml_per_min[np.searchsorted(self.start_h, t, side="right") - 1])

    def table(self):
        r"""One row per interval, for display and export.

        Returns
        -------
        pandas.DataFrame
            Columns ``start_h, end_h, scr_start_mg_per_dl, scr_end_mg_per_dl,
            scr_change_mg_per_dl_per_day, crcl_kinetic_ml_per_min,
            crcl_static_ml_per_min, clipped``.
        """
        import pandas as pd

        s = self.scr_mg_per_dl
        return pd.DataFrame({
            "start_h": self.start_h, "end_h": self.end_h,
            "scr_start_mg_per_dl": s[:-1], "scr_end_mg_per_dl": s[1:],
            "scr_change_mg_per_dl_per_day": (s[1:] - s[:-1]) * HOURS_PER_DAY / (self.end_h - self.start_h),
            "crcl_kinetic_ml_per_min": self.crcl_ml_per_min,
            "crcl_static_ml_per_min": self.crcl_static_ml_per_min,
            "clipped": self.clipped,
        })


def _scr(values, unit, field_name):
    """Creatinine in mg/dL, re-raising unit errors with the field named."""
    try:
        return np.atleast_1d(np.asarray(scr_to_mg_per_dl(values, unit, name=field_name), dtype=float))
    except InputError as exc:
        raise type(exc)(exc.template, field=field_name) from None


def _positive_number(name, value, unit):
    """A finite float > 0, or InputError naming `name`."""
    if isinstance(value, (bool, str)) or value is None:
        raise InputError(f"{name} must be a number > 0 [{unit}], got {value!r}", field=name)
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise InputError(f"{name} must be a finite number > 0 [{unit}], got {value!r}", field=name)
    return v


def _baseline(patient, baseline_scr, baseline_scr_unit, baseline_crcl, weight_rule):
    """(scr_mg_per_dl, crcl_ml_per_min, weight_kg or None, explanation) of the steady state."""
    from .patient import Patient, renal_assessment  # patient imports renal, not this module
    if patient is not None:
        if not isinstance(patient, Patient) or patient.scr is None:
            raise InputError("patient must be a Patient with its steady-state scr (the baseline)",
                             field="patient")
        if baseline_scr is not None or baseline_crcl is not None:
            raise InputError("give the baseline either as a patient or as baseline_scr with "
                             "baseline_crcl_ml_per_min, not both", field="baseline_scr")
        a = renal_assessment(patient, weight_rule=weight_rule)
        return (patient.scr_mg_per_dl, a.crcl_ml_per_min, patient.weight_kg,
                f"baseline SCr {_scr_text(patient.scr, patient.scr_unit, patient.scr_mg_per_dl)}; baseline CrCL "
                f"{a.crcl_ml_per_min:.0f} mL/min ({a.method})")
    if baseline_scr is None or baseline_crcl is None:
        raise InputError("the baseline is missing: give patient=Patient(...) with its steady-state SCr, "
                         "or baseline_scr, baseline_scr_unit and baseline_crcl_ml_per_min",
                         field="baseline_scr")
    scr = float(_scr(baseline_scr, baseline_scr_unit, "baseline_scr")[0])
    crcl = _positive_number("baseline_crcl_ml_per_min", baseline_crcl, "mL/min")
    return (scr, crcl, None, f"baseline SCr {_scr_text(baseline_scr, baseline_scr_unit, scr)}; baseline CrCL "
                             f"{crcl:.0f} mL/min (given)")


def _scr_text(value, unit, mg_per_dl):
    """The SCr as entered, with mg/dL beside it when it was entered in another unit."""
    from .units import normalise_scr_unit

    if normalise_scr_unit(unit) == "mg/dL":
        return f"{mg_per_dl:.2f} mg/dL"
    return f"{float(value):g} {normalise_scr_unit(unit)} ({mg_per_dl:.2f} mg/dL)"


def _max_rise(given, scr0, crcl0, weight_kg, vd_fraction):
    """(max rise mg/dL/day, explanation)."""
    if given is not None:
        rise = _positive_number("max_rise_mg_per_dl_per_day", given, "mg/dL/day")
        return rise, f"maximal creatinine rise {rise:.2f} mg/dL/day (given)"
    if weight_kg is None:
        raise InputError("the maximal creatinine rise needs the body weight: give weight_kg (or a "
                         "patient), or max_rise_mg_per_dl_per_day", field="weight_kg")
    weight = _positive_number("weight_kg", weight_kg, "kg")
    const = load_kinetics_constants().vd_body_weight_fraction
    frac = const.value if vd_fraction is None else _positive_number(
        "vd_body_weight_fraction", vd_fraction, "L/kg")
    rise = max_scr_rise_mass_balance(scr0, crcl0, weight, frac)
    origin = (f"[{const.source}] {const.locator}" if vd_fraction is None else "given")
    return rise, (f"maximal creatinine rise {rise:.2f} mg/dL/day = baseline production "
                  f"({scr0 * crcl0 * 14.4:.0f} mg/day) / creatinine volume {frac:g} L/kg × {weight:g} kg "
                  f"({origin})")


def _trajectory_notes(crcl, static, clipped):
    """Caveats for a computed trajectory."""
    notes = ["the last interval's kinetic CrCL is held after the last sample until a new creatinine "
             "is measured (a forecast assumption)",
             "kinetic CrCL assumes an unchanged creatinine production and volume (fluid overload, "
             "muscle wasting or dialysis violate it)"]
    if np.any(clipped):
        notes.append("creatinine rose faster than the assumed maximal rise in "
                     f"{int(np.sum(clipped))} interval(s): the equation went negative and 0 mL/min is "
                     "shown; the maximal rise is probably underestimated")
    if np.any(crcl < static):
        notes.append("while creatinine rises the kinetic CrCL is below the static (steady-state) estimate")
    return tuple(notes)


def kinetic_crcl_trajectory(t_h, scr, scr_unit, *, patient=None, baseline_scr=None,
                            baseline_scr_unit=None, baseline_crcl_ml_per_min=None, weight_kg=None,
                            max_rise_mg_per_dl_per_day=None, vd_body_weight_fraction=None,
                            weight_rule="auto"):
    r"""Kinetic CrCL between consecutive creatinines: a piecewise-constant trajectory.

    Parameters
    ----------
    t_h : array_like
        Sample times, strictly increasing, at least two [h]
    scr : array_like
        Creatinine at those times, in `scr_unit` [mg/dL or µmol/L]
    scr_unit : str
        "mg/dL" or "µmol/L" ("umol/L" accepted) [-]
    patient : pkdose.patient.Patient, optional
        The patient with the **baseline** (steady-state) SCr; its CrCL
        (measured, or Cockcroft–Gault by `weight_rule`) is the baseline
        clearance and its weight feeds the creatinine volume [-]
    baseline_scr : float, optional
        Baseline SCr when no `patient` is given [mg/dL or µmol/L]
    baseline_scr_unit : str, optional
        Unit of `baseline_scr` [-]
    baseline_crcl_ml_per_min : float, optional
        Baseline CrCL when no `patient` is given [mL/min]
    weight_kg : float, optional
        Total body weight for the creatinine volume when no `patient` is
        given and no maximal rise is [kg]
    max_rise_mg_per_dl_per_day : float, optional
        Maximal daily creatinine rise; default the mass balance of
        :func:`max_scr_rise_mass_balance` [mg/dL/day]
    vd_body_weight_fraction : float, optional
        Creatinine volume per kg, overriding ``models/kinetics.toml`` [L/kg]
    weight_rule : {"auto", "total", "ideal", "adjusted"}, optional
        Cockcroft–Gault weight for the baseline CrCL of a `patient` [-]

    Returns
    -------
    KineticCrclTrajectory
        Per-interval kinetic CrCL with the static comparison, the
        assumptions used and caveats; ``.table()`` gives a DataFrame.

    Raises
    ------
    InputError
        Fewer than two samples, times not strictly increasing, lengths that
        differ, a missing or doubly given baseline, a missing weight when
        the maximal rise must be derived.  ``field`` names the input.
    UnitError, OutOfRangeError
        A creatinine implausible in its stated unit.

    Notes
    -----
    Each interval :math:`[t_{i-1}, t_i)` gets :func:`kinetic_gfr_chen` of its
    two creatinines [1]_, clipped at 0.  The baseline must be a creatinine
    at steady state before the change (an earlier value, or an assumed
    normal one, which the caller states).

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic GFR of each interval, from the baseline steady-state creatinine and clearance).

    Examples
    --------
    The command line's example series with a baseline of 1.0 mg/dL at CrCL
    90 mL/min, 70 kg:

    >>> t, v = parse_scr_series("0:1.1,24:2.0,48:2.6")
    >>> tr = kinetic_crcl_trajectory(t, v, "mg/dL", baseline_scr=1.0, baseline_scr_unit="mg/dL",
    ...                              baseline_crcl_ml_per_min=90, weight_kg=70)
    >>> round(tr.max_rise_mg_per_dl_per_day, 2)
    3.09
    >>> tr.crcl_ml_per_min.round(1).tolist()
    [41.1, 31.5]
    """
    t = np.atleast_1d(np.asarray(t_h, dtype=float))
    values = np.atleast_1d(np.asarray(scr, dtype=float))
    if t.ndim != 1 or t.shape != values.shape or t.size < 2:
        raise InputError(f"t_h and scr need the same length, at least 2; got {t.size} and {values.size}",
                         field=_FIELD)
    if not np.all(np.isfinite(t)) or not np.all(np.diff(t) > 0):
        raise InputError("t_h must be finite and strictly increasing [h]", field=_FIELD)
    s = _scr(values, scr_unit, _FIELD)
    scr0, crcl0, weight, base_text = _baseline(patient, baseline_scr, baseline_scr_unit,
                                               baseline_crcl_ml_per_min, weight_rule)
    rise, rise_text = _max_rise(max_rise_mg_per_dl_per_day, scr0, crcl0,
                                weight if weight_kg is None else weight_kg, vd_body_weight_fraction)
    raw = np.atleast_1d(kinetic_gfr_chen(s[:-1], s[1:], np.diff(t), scr0, crcl0, rise))
    static = scr0 * crcl0 / s[1:]
    clipped = raw < 0
    crcl = np.where(clipped, 0.0, raw)
    return KineticCrclTrajectory(
        t_h=t, scr_mg_per_dl=s, start_h=t[:-1], end_h=t[1:], crcl_ml_per_min=crcl,
        crcl_static_ml_per_min=static, clipped=clipped, baseline_scr_mg_per_dl=float(scr0),
        baseline_crcl_ml_per_min=float(crcl0), max_rise_mg_per_dl_per_day=float(rise),
        assumptions=(base_text, rise_text), notes=_trajectory_notes(crcl, static, clipped))


def clearance_steps(trajectory, model, *, weight_kg=None, bsa_m2=None):
    r"""Piecewise-constant drug clearance that follows a kinetic CrCL trajectory.

    Parameters
    ----------
    trajectory : KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    model : pkdose.library.PKModel
        Population-PK model whose clearance depends on CrCL [-]
    weight_kg : array_like, optional
        Body weight of each (virtual) patient, shape (n,) or scalar [kg]
    bsa_m2 : array_like, optional
        Body-surface area, for models on BSA-normalised CrCL; same shape as
        `weight_kg` [m²]

    Returns
    -------
    start_h : numpy.ndarray
        Start of each step, shape (m,); each step lasts until the next, the
        last one indefinitely [h]
    cl_l_per_h : numpy.ndarray
        Typical clearance in each step, shape (m,) for scalar covariates or
        (n, m) for n patients [L/h]

    Notes
    -----
    Each step's clearance is ``model.clearance_l_per_h`` at the step's
    kinetic CrCL, i.e. the published covariate model evaluated with the
    kinetic instead of a static CrCL.  This is what the engine's
    piecewise-constant clearance (``pkdose.pk``) takes; between-subject
    variability is applied by the caller, as for a constant CrCL.

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic CrCL put in place of a static one).

    Examples
    --------
    >>> from pkdose.library import load_pk_model
    >>> tr = kinetic_crcl_trajectory([0, 24, 48], [1.0, 2.0, 2.6], "mg/dL", baseline_scr=1.0,
    ...                              baseline_scr_unit="mg/dL", baseline_crcl_ml_per_min=90,
    ...                              weight_kg=70)
    >>> start, cl = clearance_steps(tr, load_pk_model("cefiderocol"))
    >>> start.tolist(), cl.shape
    ([0.0, 24.0], (2,))
    """
    crcl = np.asarray(trajectory.crcl_ml_per_min, dtype=float)
    kwargs = {}
    if weight_kg is not None:
        kwargs["weight_kg"] = np.asarray(weight_kg, dtype=float)[..., None]
    if bsa_m2 is not None:
        kwargs["bsa_m2"] = np.asarray(bsa_m2, dtype=float)[..., None]
    cl = np.asarray(model.clearance_l_per_h(crcl, **kwargs), dtype=float)
    return np.asarray(trajectory.start_h, dtype=float).copy(), cl
