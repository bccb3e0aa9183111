r"""Dose advice while renal function changes: label bands along a kinetic CrCL trajectory.

Given a :class:`pkdose.kinetic_gfr.KineticCrclTrajectory`, this module says

* which label band (regimen row of ``models/regimens/<product>.toml``) the
  kinetic CrCL selects in each interval, where the band changed, and how
  far the current CrCL is from the edges of its band;
* when renal function must be re-checked: the label's interval where it
  gives one (AVYCAZ: at least daily), else pkdose's declared default;
* whether the patient is inside the first 48 h of acute kidney injury, in
  which Crass et al. [1]_ suggest deferring the renal dose reduction of
  wide-therapeutic-index antibiotics (57.2 % of AKI present on admission
  had resolved by 48 h); the baseline band's regimen is then shown as an
  option beside the label regimen for the current CrCL.

It never lowers a label dose and never selects a regimen by itself: the
result is a record of facts with their sources (:class:`ChangingRenalAdvice`)
for the dose-advice layer and the front ends.  Band look-ups go through
:func:`pkdose.regimens.select_regimens`; the tables are not edited here.

References
----------
.. [1] Crass RL, Rodvold KA, Mueller BA, Pai MP. Renal dosing of antibiotics:
   are we jumping the gun? Clin Infect Dis. 2019;68(9):1596-1602.
.. [2] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
   information. Dosage and Administration, renal impairment ("monitor CrCl
   at least daily" in patients with changing renal function).
"""

import math
from dataclasses import dataclass

from .errors import InputError
from .kinetic_gfr import KineticCrclTrajectory, load_kinetics_constants
from .library import as_product, load_regimen_table
from .regimens import format_regimen, select_regimens

__all__ = ["BandChange", "ChangingRenalAdvice", "label_band", "changing_renal_advice"]


@dataclass(frozen=True)
class BandChange:
    r"""A change of label band between two consecutive intervals of a trajectory.

    Parameters
    ----------
    time_h : float
        Start of the first interval in the new band [h]
    crcl_before_ml_per_min : float
        Kinetic CrCL of the interval before [mL/min]
    crcl_after_ml_per_min : float
        Kinetic CrCL of the interval from `time_h` [mL/min]
    regimen_before : str
        Label regimen(s) before, as written on a chart [-]
    regimen_after : str
        Label regimen(s) after [-]
    direction : str
        "lower", "higher" or "different" daily dose [-]

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, "Regimen tables".
    """

    time_h: float
    crcl_before_ml_per_min: float
    crcl_after_ml_per_min: float
    regimen_before: str
    regimen_after: str
    direction: str


@dataclass(frozen=True)
class ChangingRenalAdvice:
    r"""Label bands, re-check time and the early-AKI option along a kinetic CrCL trajectory.

    Parameters
    ----------
    product : str
        Product [-]
    jurisdiction : str
        "US" or "EU" [-]
    now_h : float
        Time the advice refers to [h]
    current_crcl_ml_per_min : float
        Kinetic CrCL in force at `now_h` [mL/min]
    label_regimens : tuple of pkdose.regimens.Regimen
        Label regimen(s) for the current kinetic CrCL [-]
    baseline_regimens : tuple of pkdose.regimens.Regimen
        Label regimen(s) for the baseline (steady-state) CrCL [-]
    static_regimens : tuple of pkdose.regimens.Regimen
        Label regimen(s) a static estimate on the latest creatinine would
        select, for comparison [-]
    band_changes : tuple of BandChange
        Band changes along the trajectory, including from the baseline band
        to the first interval [-]
    band_edges_ml_per_min : tuple of float
        Lower and upper edge of the current band (of the first component
        whose band is narrowest) [mL/min]
    recheck_due_h : float
        When renal function should be re-checked [h]
    recheck_interval_h : float
        Interval used for `recheck_due_h` [h]
    defer_reduction_until_h : float or None
        End of the early-AKI window when the current band is a reduction
        from the baseline band and `now_h` is inside the window; else None [h]
    notes : tuple of str
        Sentences for the pharmacist, each with its source key [-]
    citations : tuple of (str, str)
        ``(source, locator)`` of every statement used [-]

    References
    ----------
    .. [1] Crass RL, Rodvold KA, Mueller BA, Pai MP. Renal dosing of
       antibiotics: are we jumping the gun? Clin Infect Dis.
       2019;68(9):1596-1602.
    """

    product: str
    jurisdiction: str
    now_h: float
    current_crcl_ml_per_min: float
    label_regimens: tuple
    baseline_regimens: tuple
    static_regimens: tuple
    band_changes: tuple
    band_edges_ml_per_min: tuple
    recheck_due_h: float
    recheck_interval_h: float
    defer_reduction_until_h: float | None
    notes: tuple = ()
    citations: tuple = ()


def _text(regimens):
    """All components on one line."""
    return " + ".join(format_regimen(r) for r in regimens)


def _key(regimens):
    """What identifies a band: every component's dose, interval and row."""
    return tuple((r.component, r.dose_mg, r.interval_h, r.infusion_h, r.citations) for r in regimens)


def _direction(before, after):
    """'lower', 'higher' or 'different' daily dose, component by component."""
    diffs = [b.daily_dose_mg - a.daily_dose_mg for b, a in zip(before, after)]
    if all(d >= 0 for d in diffs) and any(d > 0 for d in diffs):
        return "lower"
    if all(d <= 0 for d in diffs) and any(d < 0 for d in diffs):
        return "higher"
    return "different"


def label_band(table, crcl_ml_per_min, jurisdiction="US"):
    r"""Label regimen(s) for native kidneys at a CrCL, with the band's edges.

    Parameters
    ----------
    table : pkdose.library.RegimenTable
        Regimen table of one product [-]
    crcl_ml_per_min : float
        Creatinine clearance [mL/min]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]

    Returns
    -------
    regimens : tuple of pkdose.regimens.Regimen
        One per component (:func:`pkdose.regimens.select_regimens`).
    edges : tuple of float
        ``(lo, hi)`` of the narrowest band among the components [mL/min]

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, "Regimen tables".

    Examples
    --------
    >>> regimens, edges = label_band(load_regimen_table("cefiderocol"), 45.0)
    >>> edges
    (30.0, 60.0)
    """
    regimens = tuple(select_regimens(table, crcl_ml_per_min=crcl_ml_per_min, jurisdiction=jurisdiction))
    rows = [r for r in table.rows if jurisdiction in r.jurisdiction and r.renal_state == "native"
            and r.contains(crcl_ml_per_min)]
    lo = max(r.lo for r in rows)
    hi = min(r.hi for r in rows)
    return regimens, (float(lo), float(hi))


def _band_changes(trajectory, table, jurisdiction, baseline):
    """Band changes from the baseline through every interval."""
    changes, previous, crcl_prev = [], baseline, trajectory.baseline_crcl_ml_per_min
    for start, crcl in zip(trajectory.start_h, trajectory.crcl_ml_per_min):
        regimens, _ = label_band(table, float(crcl), jurisdiction)
        if _key(regimens) != _key(previous):
            changes.append(BandChange(float(start), float(crcl_prev), float(crcl), _text(previous),
                                      _text(regimens), _direction(previous, regimens)))
        previous, crcl_prev = regimens, crcl
    return tuple(changes)


def _recheck(constants, product, jurisdiction, last_sample_h):
    """(due_h, interval_h, note, citation) for re-checking renal function."""
    statement = constants.statement(product, jurisdiction)
    default = constants.default_recheck_interval_h
    if statement is not None and statement.recheck_interval_h is not None:
        interval, cite = statement.recheck_interval_h, (statement.source, statement.locator)
        note = f"{statement.text} [{statement.source}]"
    else:
        interval, cite = default.value, (default.source, default.locator)
        label = (f"{statement.text} [{statement.source}]; " if statement is not None
                 else f"models/kinetics.toml holds no re-check statement for the {product} label; ")
        note = (label + f"pkdose re-checks every {interval:g} h as the AVYCAZ label asks "
                f"[{default.source}] (a declared choice)")
    return last_sample_h + interval, interval, note, cite


def _deferral(constants, aki_start_h, now_h, direction):
    """(defer_until_h or None, notes, citations) for the early-AKI window."""
    window, resolved = constants.no_dose_reduction_window_h, constants.resolved_by_48h_percent
    end = aki_start_h + window.value
    if direction != "lower" or not now_h < end:
        return None, (), ()
    note = (f"Within {window.value:g} h of the start of AKI (until {end:g} h): Crass et al. suggest deferring "
            "the renal dose reduction of wide-therapeutic-index antibiotics, as AKI present on admission had "
            f"resolved by 48 h in {resolved.value:g} % of cases [{window.source}; a review with a database "
            "analysis, not a trial or a label statement]. The baseline band's regimen is an option until "
            "then; the label regimen for the current CrCL is the labelled choice.")
    return end, (note,), ((window.source, window.locator), (resolved.source, resolved.locator))


def _check_inputs(trajectory, now_h, aki_start_h):
    """(now_h, aki_start_h) as floats, defaults filled."""
    if not isinstance(trajectory, KineticCrclTrajectory):
        raise InputError("trajectory must be a KineticCrclTrajectory (pkdose.kinetic_gfr)", field="trajectory")
    first, last = float(trajectory.t_h[0]), float(trajectory.t_h[-1])
    now = last if now_h is None else float(now_h)
    start = first if aki_start_h is None else float(aki_start_h)
    if not (math.isfinite(now) and now >= last):
        raise InputError(f"now_h {now_h!r} is before the last creatinine ({last:g} h); advice at a time uses "
                         "only the samples up to it: drop the later samples", field="now_h")
    if not math.isfinite(start):
        raise InputError(f"aki_start_h {aki_start_h!r} must be a finite time [h]", field="aki_start_h")
    return now, start


def changing_renal_advice(trajectory, product, *, jurisdiction="US", now_h=None, aki_start_h=None,
                          table=None):
    r"""Label bands, re-check time and early-AKI advice for a kinetic CrCL trajectory.

    Parameters
    ----------
    trajectory : pkdose.kinetic_gfr.KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    product : str or Product
        Product name of ``models/regimens/``, a brand name or abbreviation
        (``"Zavicefta"``), or a Product [-]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]
    now_h : float, optional
        Time of the advice, not before the last creatinine sample (the
        default) [h]
    aki_start_h : float, optional
        Start of the acute kidney injury (or of therapy, for AKI present on
        admission); default the first creatinine sample [h]
    table : pkdose.library.RegimenTable, optional
        Regimen table; default the shipped one for `product` [-]

    Returns
    -------
    ChangingRenalAdvice
        Bands (current, baseline, static comparison), band changes, band
        edges, re-check time, early-AKI window and notes with sources.

    Raises
    ------
    InputError
        A trajectory of the wrong type, or `now_h` before the last sample.
    UnknownDrugError
        Unknown product.

    Notes
    -----
    Rules, each with its source:

    1. The label band is selected on the kinetic CrCL in force at `now_h`
       (the regimen tables' Cockcroft–Gault bands; kinetic CrCL stands in for
       a steady-state one, as Chen proposes its use [2]_).
    2. Re-check renal function after the label's interval, counted from the
       last creatinine: AVYCAZ asks for CrCL at least daily [3]_; FETROJA asks
       for monitoring without an interval [4]_, and pkdose then uses the
       daily interval (declared in ``models/kinetics.toml``).
    3. If the current band lowers the daily dose compared with the baseline
       band and `now_h` is within 48 h of `aki_start_h`, the deferral
       suggested by Crass et al. [1]_ is shown with the baseline band's
       regimen as an option.  pkdose never replaces the label regimen by it.

    References
    ----------
    .. [1] Crass RL, Rodvold KA, Mueller BA, Pai MP. Renal dosing of
       antibiotics: are we jumping the gun? Clin Infect Dis.
       2019;68(9):1596-1602.
    .. [2] Chen S. Retooling the creatinine clearance equation to estimate
       kinetic GFR when the plasma creatinine is changing acutely. J Am Soc
       Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
    .. [3] Allergan USA. AVYCAZ (ceftazidime and avibactam) prescribing
       information. Dosage and Administration, renal impairment.
    .. [4] Shionogi Inc. FETROJA (cefiderocol) prescribing information.
       Section 2.2.

    Examples
    --------
    >>> from pkdose.kinetic_gfr import kinetic_crcl_trajectory
    >>> tr = kinetic_crcl_trajectory([0, 24], [1.1, 2.0], "mg/dL", baseline_scr=1.0,
    ...                              baseline_scr_unit="mg/dL", baseline_crcl_ml_per_min=90,
    ...                              weight_kg=70)
    >>> a = changing_renal_advice(tr, "ceftazidime-avibactam")
    >>> round(a.current_crcl_ml_per_min, 1), a.recheck_due_h, a.defer_reduction_until_h
    (41.1, 48.0, 48.0)
    """
    now, aki_start = _check_inputs(trajectory, now_h, aki_start_h)
    product = as_product(product).name
    table = load_regimen_table(product) if table is None else table
    constants = load_kinetics_constants()
    crcl_now = float(trajectory.crcl_at(now))
    current, edges = label_band(table, crcl_now, jurisdiction)
    baseline, _ = label_band(table, trajectory.baseline_crcl_ml_per_min, jurisdiction)
    static, _ = label_band(table, float(trajectory.crcl_static_ml_per_min[-1]), jurisdiction)
    due, interval, recheck_note, recheck_cite = _recheck(constants, product, jurisdiction,
                                                        float(trajectory.t_h[-1]))
    defer, defer_notes, defer_cites = _deferral(constants, aki_start, now, _direction(baseline, current))
    notes = [recheck_note + (f"; due at {due:g} h" + (" (overdue)" if now > due else ""))]
    if _key(static) != _key(current):
        notes.append(f"A static estimate on the latest creatinine "
                     f"({trajectory.crcl_static_ml_per_min[-1]:.0f} mL/min) would select {_text(static)}; "
                     f"the kinetic CrCL ({crcl_now:.0f} mL/min) selects {_text(current)}.")
    return ChangingRenalAdvice(
        product=product, jurisdiction=jurisdiction, now_h=now, current_crcl_ml_per_min=crcl_now,
        label_regimens=current, baseline_regimens=baseline, static_regimens=static,
        band_changes=_band_changes(trajectory, table, jurisdiction, baseline), band_edges_ml_per_min=edges,
        recheck_due_h=due, recheck_interval_h=interval, defer_reduction_until_h=defer,
        notes=tuple(notes) + defer_notes + tuple(trajectory.notes),
        citations=(recheck_cite,) + defer_cites + tuple(c for r in current for c in r.citations))
