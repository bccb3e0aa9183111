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
.. [3] Chen S. Retooling the creatinine clearance equation to estimate kinetic
   GFR when the plasma creatinine is changing acutely. J Am Soc Nephrol.
   2013;24(6):877-888. doi:10.1681/ASN.2012070653
"""

import math
from dataclasses import dataclass

import numpy as np

from .errors import InputError
from .kinetic_gfr import HOURS_PER_DAY, KineticCrclTrajectory, kinetic_gfr_chen, load_kinetics_constants
from .library import as_product, load_regimen_table
from .regimens import format_regimen, select_regimens

__all__ = ["BandChange", "ChangingRenalAdvice", "BandProjection", "ChangingCourse", "ChangingPKCheck",
           "ChangingRenalSummary", "label_band", "changing_renal_advice", "band_projection", "changing_renal_pk_check",
           "changing_renal_summary", "trajectory_lines", "trajectory_rows"]


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
    .. [1] Crass RL, et al. Clin Infect Dis. 2019;68(9):1596-1602 (the 48-h window in
       which the renal dose reduction may be deferred).
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
    .. [1] Crass RL, et al. Clin Infect Dis. 2019;68(9):1596-1602 (the 48-h early-AKI window and its deferral option).
    .. [2] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic CrCL whose bands it reads).
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


# ---------------------------------------------------------------------------
# When the band is expected to change: the last creatinine trend, projected
# ---------------------------------------------------------------------------

#: Days ahead a creatinine trend is projected: beyond the daily re-check the labels ask for, a projection is
#: only a reason to measure (technical).
PROJECTION_DAYS = 3


@dataclass(frozen=True)
class BandProjection:
    r"""Where the label band goes if the last creatinine trend continues (a projection, not a measurement).

    Parameters
    ----------
    slope_mg_per_dl_per_day : float
        Creatinine change over the last interval, per day [mg/dL/day]
    start_h : tuple of float
        Start of each projected day, from the last sample [h]
    crcl_ml_per_min : tuple of float
        Kinetic CrCL of each projected day (Chen's equation on the projected
        creatinines), clipped at 0 [mL/min]
    change_h : float or None
        Start of the first projected day whose label band differs from the
        current one; None if none within the projection [h]
    regimen_after : str
        The label regimen(s) of that band, or "" [-]
    direction : str
        "lower", "higher", "different" or "" [-]

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic CrCL of the projected creatinines).
    """

    slope_mg_per_dl_per_day: float
    start_h: tuple
    crcl_ml_per_min: tuple
    change_h: float | None
    regimen_after: str
    direction: str


def band_projection(trajectory, product, *, jurisdiction="US", days=PROJECTION_DAYS, table=None):
    r"""When the label band would change if the creatinine kept its last trend: day-by-day kinetic CrCL ahead.

    Parameters
    ----------
    trajectory : pkdose.kinetic_gfr.KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    product : str
        Product name of ``models/regimens/`` [-]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]
    days : int, optional
        Days projected after the last sample [d]
    table : pkdose.library.RegimenTable, optional
        Regimen table; default the shipped one [-]

    Returns
    -------
    BandProjection

    Notes
    -----
    The creatinine is continued linearly with the slope of the last interval
    (kept within the plausible range, 0.1–20 mg/dL), one creatinine per day
    after the last sample, and Chen's equation [1]_ gives each day's kinetic
    CrCL with the trajectory's baseline and maximal rise.  It answers "when
    is the band expected to change?" under that stated assumption only:
    creatinine trends bend, and the answer is a reason to measure, never a
    dose change.

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic CrCL of the projected creatinines).

    Examples
    --------
    >>> from pkdose.kinetic_gfr import kinetic_crcl_trajectory
    >>> tr = kinetic_crcl_trajectory([0, 24, 48], [1.1, 2.0, 2.6], "mg/dL", baseline_scr=1.0,
    ...                              baseline_scr_unit="mg/dL", baseline_crcl_ml_per_min=90, weight_kg=70)
    >>> p = band_projection(tr, "cefiderocol")
    >>> p.slope_mg_per_dl_per_day, p.change_h
    (0.6, 48.0)
    """
    from .units import SCR_PLAUSIBLE_MG_PER_DL

    table = load_regimen_table(product) if table is None else table
    t, s = trajectory.t_h, trajectory.scr_mg_per_dl
    slope = float((s[-1] - s[-2]) * HOURS_PER_DAY / (t[-1] - t[-2]))
    lo, hi = SCR_PLAUSIBLE_MG_PER_DL
    scr = np.clip(s[-1] + slope * np.arange(days + 1), lo, hi)
    crcl = np.maximum(kinetic_gfr_chen(scr[:-1], scr[1:], HOURS_PER_DAY, trajectory.baseline_scr_mg_per_dl,
                                       trajectory.baseline_crcl_ml_per_min,
                                       trajectory.max_rise_mg_per_dl_per_day), 0.0)
    starts = float(t[-1]) + HOURS_PER_DAY * np.arange(days)
    current, _ = label_band(table, trajectory.latest_crcl_ml_per_min, jurisdiction)
    for start, c in zip(starts, np.atleast_1d(crcl)):
        regs, _ = label_band(table, float(c), jurisdiction)
        if _key(regs) != _key(current):
            return BandProjection(round(slope, 6), tuple(starts.tolist()), tuple(np.atleast_1d(crcl).tolist()),
                                  float(start), _text(regs), _direction(current, regs))
    return BandProjection(round(slope, 6), tuple(starts.tolist()), tuple(np.atleast_1d(crcl).tolist()), None, "", "")


# ---------------------------------------------------------------------------
# The first days of therapy with a clearance that follows the kinetic CrCL
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ChangingCourse:
    r"""One way of dosing through the first days, simulated with the changing clearance.

    Parameters
    ----------
    name : str
        What the course is, e.g. "label band of the kinetic CrCL at each dose" [-]
    doses : pandas.DataFrame
        One row per dose: ``component, start_h, dose_mg, infusion_h, regimen`` [h, mg]
    windows : pandas.DataFrame
        One row per day of therapy: ``start_h, end_h``, typical
        ``ft_<analyte>_percent``, ``cmax_<analyte>_mg_per_l`` and
        ``auc_<analyte>_mg_h_per_l``, joint ``pta_fraction`` with its 95 %
        Monte Carlo interval ``pta_lower``/``pta_upper`` [h, %, mg/L, mg·h/L, -]

    References
    ----------
    .. [1] Crass RL, et al. Clin Infect Dis. 2019;68(9):1596-1602 (the course that defers the dose reduction).
    """

    name: str
    doses: "pandas.DataFrame"
    windows: "pandas.DataFrame"


@dataclass(frozen=True)
class ChangingPKCheck:
    r"""The PK check of the first days of therapy with a clearance that changes with the kinetic CrCL.

    Parameters
    ----------
    simulated : str
        What exactly is simulated, one paragraph [-]
    clearance : pandas.DataFrame
        ``start_h, crcl_ml_per_min, cl_<analyte>_l_per_h``: the typical
        patient's own clearance in each step [h, mL/min, L/h]
    courses : tuple of ChangingCourse
        The label course, and the early-AKI option when it applies [-]
    mic_mg_per_l : float
        MIC of the check [mg/L]
    target : str
        PD target [-]
    n_patients : int
        Virtual patients [-]
    structure : str
        ``"published"`` or ``"one_compartment"`` [-]

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888.
       doi:10.1681/ASN.2012070653
    """

    simulated: str
    clearance: "pandas.DataFrame"
    courses: tuple
    mic_mg_per_l: float
    target: str
    n_patients: int
    structure: str


def _dose_plan(table, trajectory, jurisdiction, t0, end, defer_until=None, baseline=None):
    """Doses of every component from t0 to end, each by the band in force when it starts."""
    rows = []
    for comp in table.components:
        t, first = t0, True
        while t < end - 1e-9:
            if defer_until is not None and t < defer_until:
                regs = baseline
            else:
                regs, _ = label_band(table, float(trajectory.crcl_at(t)), jurisdiction)
            r = next(x for x in regs if x.component == comp)
            loading = first and bool(r.loading_dose_mg)
            rows.append({"component": comp, "start_h": float(t),
                         "dose_mg": float(r.loading_dose_mg if loading else r.dose_mg),
                         "infusion_h": float((getattr(r, "loading_infusion_h", None) or r.infusion_h) if loading
                                             else r.infusion_h),
                         "regimen": format_regimen(r), "_regimen": r})
            t += r.interval_h
            first = False
    import pandas as pd  # only with a creatinine series: `pkdose dose` starts without pandas

    return pd.DataFrame(rows)


def _analyte_dosing(plan, analyte):
    """Dosing of one analyte from a plan (its share of each product dose)."""
    from .pk import Dosing

    starts, amounts, durations = [], [], []
    for row in plan.to_dict("records"):
        r = row["_regimen"]
        if analyte not in (r.analyte_dose_mg or {r.component: r.dose_mg}):
            continue
        share = r.analyte_dose_mg.get(analyte, r.dose_mg) / r.dose_mg
        starts.append(row["start_h"])
        amounts.append(row["dose_mg"] * share)
        durations.append(row["infusion_h"])
    order = np.argsort(starts, kind="stable")
    return Dosing(np.asarray(starts)[order], np.asarray(amounts)[order], np.asarray(durations)[order])


def _windows(t0, end):
    """Days of therapy from t0, the last one ending at `end`."""
    edges = list(np.arange(t0, end, HOURS_PER_DAY)) + [end]
    return [(float(a), float(b)) for a, b in zip(edges, edges[1:]) if b - a > 1e-9]


def _step_parameters(product, trajectory, covariates, structure):
    """Typical parameters of each analyte at each step's kinetic CrCL; only CL may change with CrCL."""
    from .exposure import Covariates, analyte_courses
    from .patient import Native

    table = load_regimen_table(product.name)
    out = []
    for crcl in trajectory.crcl_ml_per_min:
        regs = select_regimens(table, crcl_ml_per_min=float(crcl))
        courses = analyte_courses(product, regs, Covariates(float(crcl), Native(), **covariates), structure=structure)
        out.append(courses)
    for a, c in out[0].items():
        for other in out[1:]:
            moved = [k for k in c.params if k != "cl" and not np.isclose(c.params[k], other[a].params[k])]
            if moved:
                raise InputError(f"{c.model.key}: {', '.join(moved)} depend on CrCL; pkdose can change only the "
                                 "clearance over time (ClearanceSteps)", field="scr_series")
    return out


def _course(name, plan, product, steps, pop, start_h, windows, mic, structure):
    """Simulate one dose plan (typical and population) and summarise each day."""
    import pandas as pd

    from .exposure import simulate_structure
    from .pd import ft_above_percent
    from .pk import ClearanceSteps, auc, peak
    from .pta import attainment, pta_interval

    t0, end = windows[0][0], windows[-1][1]
    ref = steps[0]
    rows = [{"start_h": a, "end_h": b} for a, b in windows]
    joint = None
    for analyte, course in ref.items():
        dosing = _analyte_dosing(plan, analyte)
        cl_typ = np.array([s[analyte].params["cl"] for s in steps])
        typical = dict(course.params, cl=ClearanceSteps(start_h, cl_typ))
        indiv = dict(pop[analyte], cl=ClearanceSteps(start_h, pop[analyte]["cl"][:, None] * (cl_typ / cl_typ[0])))
        p_typ = simulate_structure(typical, dosing, structure=structure, t_end_h=end, t_start_h=t0)
        p_pop = simulate_structure(indiv, dosing, structure=structure, t_end_h=end, t_start_h=t0)
        fu = course.model.fu_fraction
        comps = [c for c in product.target.components if c.analyte == analyte]
        for row, (a, b) in zip(rows, windows):
            row[f"cmax_{analyte}_mg_per_l"] = float(peak(p_typ, a, b)[0])
            row[f"auc_{analyte}_mg_h_per_l"] = float(auc(p_typ, a, b)[0])
            for comp in comps:
                thr = mic if comp.metric == "ft_above_mic" else comp.threshold_mg_per_l
                row[f"ft_{analyte}_percent"] = float(ft_above_percent(p_typ, thr, fu, a, b)[0])
        met = np.array([[attainment(ft_above_percent(p_pop, mic if c.metric == "ft_above_mic" else
                                                        c.threshold_mg_per_l, fu, a, b), c.ft_percent)
                         for c in comps] for a, b in windows])  # (windows, components, n)
        if comps:
            met = met.all(axis=1)
            joint = met if joint is None else joint & met
    n = joint.shape[1]
    pta = joint.mean(axis=1)
    lower, upper = pta_interval(pta, n)
    for row, p, lo, hi in zip(rows, pta, np.atleast_1d(lower), np.atleast_1d(upper)):
        row.update(pta_fraction=float(p), pta_lower=float(lo), pta_upper=float(hi))
    return ChangingCourse(name, plan.drop(columns="_regimen"), pd.DataFrame(rows))


def changing_renal_pk_check(trajectory, product, *, advice=None, covariates=None, mic_mg_per_l, jurisdiction="US",
                            n=1000, rng=2026, structure=None):
    r"""The first days of therapy simulated with a clearance that follows the kinetic CrCL.

    Parameters
    ----------
    trajectory : pkdose.kinetic_gfr.KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    product : Product
        From :func:`pkdose.library.load_product` (its PK models and target) [-]
    advice : ChangingRenalAdvice, optional
        From :func:`changing_renal_advice` (re-check time, early-AKI window);
        computed when not given [-]
    covariates : Mapping[str, object], optional
        Keyword arguments of :class:`pkdose.exposure.Covariates` other than
        the CrCL and renal state: ``weight_kg``, ``bsa_m2``,
        ``infection_site``, ``albumin_g_per_dl``, ``race``, ``ventilated``,
        ``apache_ii`` [-]
    mic_mg_per_l : float
        MIC of the check [mg/L]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]
    n : int, optional
        Virtual patients [-]
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-]
    structure : {"published", "one_compartment"}, optional
        PK model structure [-]

    Returns
    -------
    ChangingPKCheck

    Raises
    ------
    InputError
        A model whose volumes depend on CrCL (the engine changes only the
        clearance over time).

    Notes
    -----
    What is simulated, exactly: therapy starts, from an empty body, at the
    first creatinine sample and runs to the re-check time.  Each dose is the
    label regimen of the band of the kinetic CrCL in force when it starts
    (the loading dose first, where the label has one).  Each analyte's own
    clearance is a step function: in every interval between creatinines the
    published model's clearance at that interval's kinetic CrCL (weight,
    site and other covariates as given), held after the last sample
    (:class:`pkdose.pk.ClearanceSteps`); the volumes stay as they are.
    Virtual patients keep their random effects from the published OMEGA
    throughout, so each one's clearance moves by the same factor as the
    typical patient's.  When the early-AKI window applies
    (:func:`changing_renal_advice`), a second course keeps the baseline
    band's regimen until the window ends, as Crass et al. suggest [1]_; it
    never replaces the label course.  Each day of therapy is summarised
    (typical %fT, Cmax and AUC, joint PTA at the MIC with its 95 % Monte
    Carlo interval, :func:`pkdose.pta.pta_interval`).

    References
    ----------
    .. [1] Crass RL, et al. Clin Infect Dis. 2019;68(9):1596-1602 (the course that defers the dose reduction).
    .. [2] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (each analyte's clearance follows the kinetic CrCL interval by interval).
    """
    from .exposure import DEFAULT_STRUCTURE, _population

    structure = DEFAULT_STRUCTURE if structure is None else structure
    table = load_regimen_table(product.name)
    advice = changing_renal_advice(trajectory, product.name, jurisdiction=jurisdiction) if advice is None else advice
    t0, end = float(trajectory.t_h[0]), float(max(advice.recheck_due_h, advice.now_h))
    windows = _windows(t0, end)
    steps = _step_parameters(product, trajectory, dict(covariates or {}), structure)
    pop = _population(steps[0], n, rng)
    start_h = np.asarray(trajectory.start_h, dtype=float)
    plans = [("label regimen of the kinetic CrCL's band at each dose", _dose_plan(table, trajectory, jurisdiction,
                                                                                  t0, end))]
    if advice.defer_reduction_until_h is not None:
        plans.append((f"dose reduction deferred until {advice.defer_reduction_until_h:g} h (the baseline band's "
                      "regimen until then; Crass 2019 option)",
                      _dose_plan(table, trajectory, jurisdiction, t0, end, advice.defer_reduction_until_h,
                                 advice.baseline_regimens)))
    courses = tuple(_course(name, plan, product, steps, pop, start_h, windows, mic_mg_per_l, structure)
                    for name, plan in plans)
    import pandas as pd

    clearance = pd.DataFrame({"start_h": start_h, "crcl_ml_per_min": trajectory.crcl_ml_per_min,
                              **{f"cl_{a}_l_per_h": [s[a].params["cl"] for s in steps] for a in steps[0]}})
    simulated = (f"Therapy from the first creatinine ({t0:g} h), from an empty body, to the re-check ({end:g} h); "
                 "each dose is the label regimen of the band of the kinetic CrCL in force when it starts (loading "
                 "dose first where the label has one); each analyte's own clearance follows the kinetic CrCL "
                 "interval by interval through its published model (held after the last creatinine), the volumes "
                 f"unchanged; {n} virtual patients keep their published random effects throughout; structure "
                 f"{structure}.")
    target = " AND ".join(f"{c.analyte} {c.ft_percent:g} % fT>"
                          + ("MIC" if c.metric == "ft_above_mic" else f"{c.threshold_mg_per_l:g} mg/L")
                          for c in product.target.components)
    return ChangingPKCheck(simulated, clearance, courses, float(mic_mg_per_l), target, n, structure)


# ---------------------------------------------------------------------------
# What the front ends show (command line, web page, JSON)
# ---------------------------------------------------------------------------


def _scr_shown(values_mg_per_dl, unit):
    """Creatinines in the user's unit, as text."""
    from .units import SCR_UMOL_PER_L_PER_MG_PER_DL

    if unit == "mg/dL":
        return [f"{v:.2f}" for v in values_mg_per_dl]
    return [f"{v * SCR_UMOL_PER_L_PER_MG_PER_DL:.0f}" for v in values_mg_per_dl]


def trajectory_rows(trajectory, scr_unit="mg/dL", table=None, jurisdiction="US"):
    r"""The kinetic CrCL trajectory, one row of display texts per interval (the table of text, note and card).

    Parameters
    ----------
    trajectory : pkdose.kinetic_gfr.KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    scr_unit : {"mg/dL", "µmol/L"}, optional
        Unit the creatinines are shown in (the one they were given in) [-]
    table : pkdose.library.RegimenTable, optional
        When given, each interval's label band regimen is given [-]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]

    Returns
    -------
    list of dict
        ``t_h`` ("0–24"), ``scr`` ("1.10 → 2.00"), ``change_per_day``
        ("+0.90"), ``kinetic_crcl`` and ``static_crcl`` ("31 mL/min"),
        ``flag`` (" (clipped at 0)" or ""), ``band`` (the regimen, or "") [-]

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic CrCL of each interval).
    """
    unit = "mg/dL" if scr_unit == "mg/dL" else "µmol/L"
    scr = _scr_shown(trajectory.scr_mg_per_dl, unit)
    factor = 1.0 if unit == "mg/dL" else float(_scr_shown([1.0], unit)[0])
    rows = []
    for i, row in enumerate(trajectory.table().to_dict("records")):
        change = row["scr_change_mg_per_dl_per_day"] * factor
        rows.append({"t_h": f"{row['start_h']:g}–{row['end_h']:g}", "scr": f"{scr[i]} → {scr[i + 1]}",
                     "change_per_day": f"{change:+.{2 if unit == 'mg/dL' else 0}f}",
                     "kinetic_crcl": f"{row['crcl_kinetic_ml_per_min']:.0f} mL/min",
                     "static_crcl": f"{row['crcl_static_ml_per_min']:.0f} mL/min",
                     "flag": " (clipped at 0)" if row["clipped"] else "",
                     "band": "" if table is None else _text(label_band(table, row["crcl_kinetic_ml_per_min"],
                                                                        jurisdiction)[0])})
    return rows


def trajectory_lines(trajectory, scr_unit="mg/dL", table=None, jurisdiction="US"):
    r"""The kinetic CrCL trajectory as a table a pharmacist reads, one line per interval.

    Parameters
    ----------
    trajectory, scr_unit, table, jurisdiction
        As for :func:`trajectory_rows`, whose rows this aligns under a header [-]

    Returns
    -------
    list of str
        The baseline and how the maximal rise was obtained, a header, one
        row per interval (times, creatinines, change per day, kinetic and
        static CrCL, band) [-]

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888. doi:10.1681/ASN.2012070653
       (the kinetic CrCL of each interval).
    """
    unit = "mg/dL" if scr_unit == "mg/dL" else "µmol/L"
    lines = [*trajectory.assumptions,
             f"{'t [h]':>11}  {'SCr [' + unit + ']':>17}  {'change/day':>10}  {'kinetic CrCL':>12}  "
             f"{'static CrCL':>11}" + ("  label band (" + jurisdiction + ")" if table is not None else "")]
    for r in trajectory_rows(trajectory, scr_unit, table, jurisdiction):
        start, end = r["t_h"].split("–")
        lines.append(f"{start:>5}–{end:<5}  {r['scr']:>17}  {r['change_per_day']:>10}  {r['kinetic_crcl']:>13}"
                     f"  {r['static_crcl']:>11}{r['flag']}" + (f"  {r['band']}" if r["band"] else ""))
    return lines


@dataclass(frozen=True)
class ChangingRenalSummary:
    r"""Everything the front ends show for a changing creatinine: trajectory, bands, re-check, first days.

    Parameters
    ----------
    trajectory : pkdose.kinetic_gfr.KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    advice : ChangingRenalAdvice
        Bands, re-check and the early-AKI window [-]
    projection : BandProjection
        When the band would change on the last trend [-]
    pk_check : ChangingPKCheck or None
        The first days simulated with the changing clearance; None with a
        reason in `pk_note` [-]
    scr_unit : str
        Unit the creatinines were given in [-]
    pk_note : str
        Why there is no PK check, or "" [-]

    References
    ----------
    .. [1] Chen S. J Am Soc Nephrol. 2013;24(6):877-888.
       doi:10.1681/ASN.2012070653
    """

    trajectory: object
    advice: ChangingRenalAdvice
    projection: BandProjection
    pk_check: ChangingPKCheck | None
    scr_unit: str = "mg/dL"
    pk_note: str = ""

    def lines(self):
        """The section as lines of text (the command line's "Changing renal function" block) [-]."""
        a, p, tr = self.advice, self.projection, self.trajectory
        table = load_regimen_table(a.product)
        out = ["Changing renal function: kinetic CrCL (Chen 2013), t in hours from the first creatinine"]
        out += ["  " + x for x in trajectory_lines(tr, self.scr_unit, table, a.jurisdiction)]
        lo, hi = a.band_edges_ml_per_min
        band = f"{lo:g} to under {hi:g}" if math.isfinite(hi) else f"{lo:g} or more"
        cites = "; ".join(f"[{s}] {loc}" for r in a.label_regimens for s, loc in r.citations)
        out.append(f"  now ({a.now_h:g} h): kinetic CrCL {a.current_crcl_ml_per_min:.0f} mL/min, label band {band} "
                   f"mL/min: {_text(a.label_regimens)} ({cites})")
        for c in a.band_changes:
            out.append(f"  band change at {c.time_h:g} h: {c.regimen_before} → {c.regimen_after} ({c.direction} "
                       f"daily dose; CrCL {c.crcl_before_ml_per_min:.0f} → {c.crcl_after_ml_per_min:.0f} mL/min)")
        out.append("  expected: " + _projection_text(p, self.scr_unit))
        out.append(f"  re-check renal function by {a.recheck_due_h:g} h: {a.notes[0]}")
        out.append("  early AKI: " + _early_aki_text(a, float(tr.t_h[0])))
        out += [f"  note: {n}" for n in a.notes[1:] if not n.startswith("Within ")]
        out += _pk_lines(self.pk_check, self.pk_note)
        return out

    def source_keys(self):
        """Bibliography keys the section cites: Chen 2013, the kinetics constants, the labels, Crass 2019 [-]."""
        c = load_kinetics_constants()
        keys = ["chen2013", c.vd_body_weight_fraction.source, c.no_dose_reduction_window_h.source]
        return list(dict.fromkeys(keys + [src for src, _ in self.advice.citations]))

    def to_dict(self):
        """JSON-ready dict (the ``changing_renal`` key of ``pkdose dose --json``) [-]."""
        a, p, tr = self.advice, self.projection, self.trajectory
        pk = self.pk_check
        return {
            "scr_unit": self.scr_unit,
            "trajectory": json_records(tr.table()),
            "baseline_scr_mg_per_dl": tr.baseline_scr_mg_per_dl,
            "baseline_crcl_ml_per_min": tr.baseline_crcl_ml_per_min,
            "max_rise_mg_per_dl_per_day": tr.max_rise_mg_per_dl_per_day,
            "assumptions": list(tr.assumptions),
            "now_h": a.now_h,
            "current_crcl_ml_per_min": a.current_crcl_ml_per_min,
            "label_band_ml_per_min": [a.band_edges_ml_per_min[0],
                                      a.band_edges_ml_per_min[1] if math.isfinite(a.band_edges_ml_per_min[1])
                                      else None],
            "label_regimens": [format_regimen(r) for r in a.label_regimens],
            "baseline_regimens": [format_regimen(r) for r in a.baseline_regimens],
            "band_changes": [vars(c) for c in a.band_changes],
            "projection": {**vars(p), "text": _projection_text(p, self.scr_unit)},
            "recheck_due_h": a.recheck_due_h,
            "recheck_interval_h": a.recheck_interval_h,
            "defer_reduction_until_h": a.defer_reduction_until_h,
            "early_aki": _early_aki_text(a, float(tr.t_h[0])),
            "notes": list(a.notes),
            "citations": [{"source": s, "locator": loc} for s, loc in a.citations],
            "pk_check": None if pk is None else {
                "simulated": pk.simulated, "mic_mg_per_l": pk.mic_mg_per_l, "target": pk.target,
                "n_patients": pk.n_patients, "structure": pk.structure, "clearance": json_records(pk.clearance),
                "courses": [{"name": c.name, "doses": json_records(c.doses), "days": json_records(c.windows)}
                            for c in pk.courses]},
            "pk_note": self.pk_note,
            "references": _references(self.source_keys()),
        }


def _references(keys):
    from .library import load_sources
    from .sources import format_citation

    bib = load_sources()
    return [{"key": k, "reference": format_citation(bib[k])} for k in keys if k in bib]


def json_records(frame):
    """A DataFrame as JSON-ready records (finite floats, no numpy types)."""
    import json

    return json.loads(frame.to_json(orient="records"))


def _projection_text(p, unit):
    if abs(p.slope_mg_per_dl_per_day) < 1e-9:
        return "the creatinine did not change over the last interval: no band change is projected"
    factor, digits = (1.0, 2) if unit == "mg/dL" else (float(_scr_shown([1.0], unit)[0]), 0)
    verb = "rising" if p.slope_mg_per_dl_per_day > 0 else "falling"
    days = ", ".join(f"{c:.0f}" for c in p.crcl_ml_per_min)
    head = (f"if the creatinine keeps {verb} by {abs(p.slope_mg_per_dl_per_day) * factor:.{digits}f} {unit}/day, "
            f"the kinetic CrCL would be {days} mL/min over the next {len(p.crcl_ml_per_min)} days from "
            f"{p.start_h[0]:g} h")
    if p.change_h is None:
        return head + ", within the current band (a projection, not a measurement)"
    return (head + f": the band would change at about {p.change_h:g} h to {p.regimen_after} ({p.direction} "
            "daily dose). A projection, not a measurement: measure the creatinine, do not dose ahead of it")


def _early_aki_text(a, t0):
    c = load_kinetics_constants()
    w, r = c.no_dose_reduction_window_h, c.resolved_by_48h_percent
    evidence = (f"Crass et al. suggest deferring the renal dose reduction of wide-therapeutic-index antibiotics "
                f"during the first {w.value:g} h of AKI ({r.value:g} % of AKI present on admission had resolved by "
                f"48 h; [{w.source}] {w.locator}; a review with a database analysis, not a trial or a label "
                "statement)")
    if a.defer_reduction_until_h is not None:
        return (evidence + f". Until {a.defer_reduction_until_h:g} h the baseline band's regimen "
                f"({_text(a.baseline_regimens)}) is an option; the label regimen for the current CrCL is the "
                "labelled choice. pkdose never gives less than the label regimen for the current CrCL.")
    if _direction(a.baseline_regimens, a.label_regimens) != "lower":
        return evidence + ". The current band does not lower the dose from the baseline band: nothing to defer."
    return (evidence + f"; that window, counted from the first creatinine ({t0:g} h), ended at {t0 + w.value:g} h, so "
            "the label regimen for the current CrCL applies.")


def _pk_lines(pk, note):
    if pk is None:
        return [f"  first days: no PK check with the changing clearance: {note}"] if note else []
    out = [f"  first days of therapy, PK check with the changing clearance: {pk.simulated}",
           f"    target {pk.target} at MIC {pk.mic_mg_per_l:g} mg/L"]
    analytes = [c[len('cl_'):-len('_l_per_h')] for c in pk.clearance.columns if c.startswith("cl_")]
    out.append("    own clearance: " + "; ".join(
        f"from {r['start_h']:g} h (CrCL {r['crcl_ml_per_min']:.0f}): "
        + ", ".join(f"{a} {r[f'cl_{a}_l_per_h']:.2f} L/h" for a in analytes) for r in pk.clearance.to_dict("records")))
    for course in pk.courses:
        out.append(f"    {course.name}:")
        for w in course.windows.to_dict("records"):
            doses = course.doses[(course.doses.start_h >= w["start_h"]) & (course.doses.start_h < w["end_h"])]
            given = "; ".join(f"{comp} " + " + ".join(f"{d / 1000:g} g" for d in grp.dose_mg)
                              for comp, grp in doses.groupby("component", sort=False))
            typ = ", ".join(f"{a} fT {w[f'ft_{a}_percent']:.0f} %" for a in analytes if f"ft_{a}_percent" in w)
            expo = ", ".join(f"{a} Cmax {w[f'cmax_{a}_mg_per_l']:.0f} mg/L, AUC {w[f'auc_{a}_mg_h_per_l']:.0f} "
                             "mg·h/L" for a in analytes)
            out.append(f"      {w['start_h']:g}–{w['end_h']:g} h: doses {given}; typical {typ}; {expo}; joint PTA "
                       f"{100 * w['pta_fraction']:.1f} % (95 % MC interval {100 * w['pta_lower']:.1f}–"
                       f"{100 * w['pta_upper']:.1f} %)")
    return out


def changing_renal_summary(trajectory, product, *, scr_unit="mg/dL", jurisdiction="US", covariates=None,
                           mic_mg_per_l=None, n=1000, rng=2026, structure=None):
    r"""The changing-renal-function section of a dose answer: trajectory, bands, re-check and the first days.

    Parameters
    ----------
    trajectory : pkdose.kinetic_gfr.KineticCrclTrajectory
        Kinetic CrCL per interval [-]
    product : Product
        From :func:`pkdose.library.load_product` (user PK models included) [-]
    scr_unit : str, optional
        Unit the creatinines were given in, for display [-]
    jurisdiction : {"US", "EU"}, optional
        Whose label [-]
    covariates : Mapping[str, object], optional
        As for :func:`changing_renal_pk_check` [-]
    mic_mg_per_l : float, optional
        MIC of the PK check; None: no PK check [mg/L]
    n : int, optional
        Virtual patients [-]
    rng : None, int or numpy.random.Generator, optional
        Random source [-]
    structure : {"published", "one_compartment"}, optional
        PK model structure [-]

    Returns
    -------
    ChangingRenalSummary

    References
    ----------
    .. [1] Crass RL, et al. Clin Infect Dis. 2019;68(9):1596-1602 (the early-AKI note).
    """
    advice = changing_renal_advice(trajectory, product.name, jurisdiction=jurisdiction)
    projection = band_projection(trajectory, product.name, jurisdiction=jurisdiction)
    pk, note = None, ""
    if mic_mg_per_l is None:
        note = "no MIC"
    else:
        pk = changing_renal_pk_check(trajectory, product, advice=advice, covariates=covariates,
                                     mic_mg_per_l=mic_mg_per_l, jurisdiction=jurisdiction, n=n, rng=rng,
                                     structure=structure)
    return ChangingRenalSummary(trajectory, advice, projection, pk, "mg/dL" if scr_unit == "mg/dL" else "µmol/L",
                                note)
