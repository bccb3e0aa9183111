r"""Extracorporeal clearance: haemodialysis session times and clearance, CRRT clearance.

Pure functions with no dependency on the PK engine. Their outputs feed
:class:`pkdose.pk.ExtraClearance` (piecewise-constant clearance added during
each haemodialysis session, or for the whole time on CRRT).

Time origin
-----------
Simulation time *t* is in hours. By default t = 0 is **Monday 00:00** of the
first simulated week, so Wednesday 08:00 is t = 56 h and the next Monday
00:00 is t = 168 h. :func:`hd_sessions` takes another origin as
``week_start="Wed 08:00"``.

References
----------
.. [1] Pea F, Viale P, Pavan F, Furlanut M. Pharmacokinetic considerations for
   antimicrobial therapy in patients receiving renal replacement therapy. Clin
   Pharmacokinet. 2007;46(12):997-1038. doi:10.2165/00003088-200746120-00003
"""

import numpy as np

from pkdose.errors import InputError

__all__ = [
    "WEEKDAYS",
    "HOURS_PER_WEEK",
    "CRRT_MODALITIES",
    "weekday",
    "hd_sessions",
    "calibrate_hd_clearance",
    "crrt_clearance",
]

#: Accepted day names, in week order; index × 24 h is the day's offset from Monday 00:00.
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
HOURS_PER_WEEK = 168.0
#: CRRT modalities and what their effluent flow is made of (see :func:`crrt_clearance`).
CRRT_MODALITIES = ("CVVH", "CVVHD", "CVVHDF")


def weekday(name):
    r"""The day name of :data:`WEEKDAYS` that a three-letter name stands for, in any case.

    Parameters
    ----------
    name : object
        A day name such as ``"wed"`` or ``" Fri "`` [-].

    Returns
    -------
    str or None
        ``"Mon"`` ... ``"Sun"``; None for anything else (a full name, a number).

    Examples
    --------
    >>> weekday(" wed"), weekday("Wednesday")
    ('Wed', None)
    """
    day = name.strip().title() if isinstance(name, str) else None
    return day if day in WEEKDAYS else None


def _out(x):
    """Return a Python float for a 0-d result and the array otherwise."""
    x = np.asarray(x, dtype=float)
    return float(x) if x.ndim == 0 else x


def _parse_week_start(week_start):
    """Parse 'Ddd HH:MM' into hours after Monday 00:00; InputError if malformed."""
    msg = f"week_start {week_start!r} is not accepted; use 'Ddd HH:MM' with Ddd in {WEEKDAYS}, e.g. 'Mon 00:00'"
    try:
        day, clock = str(week_start).split()
        hh, mm = (int(p) for p in clock.split(":"))
    except ValueError:
        raise InputError(msg) from None
    if weekday(day) is None or not (0 <= hh < 24 and 0 <= mm < 60):
        raise InputError(msg)
    return 24.0 * WEEKDAYS.index(weekday(day)) + hh + mm / 60.0


def hd_sessions(schedule, t_start_h, t_end_h, week_start="Mon 00:00"):
    r"""List every haemodialysis session of a weekly schedule that overlaps a time window.

    Parameters
    ----------
    schedule : pkdose.patient.HDSchedule
        Weekly schedule: ``days`` (names from :data:`WEEKDAYS`), ``start_h``
        (clock hour of session start) and ``session_h`` (duration) [-]
    t_start_h : float
        Start of the window, in simulation time [h]
    t_end_h : float
        End of the window, after `t_start_h` [h]
    week_start : str, optional
        Weekday and clock time that simulation time t = 0 refers to,
        "Ddd HH:MM" [-]

    Returns
    -------
    start_h : numpy.ndarray
        Session start times in simulation time, ascending [h]
    end_h : numpy.ndarray
        Session end times, ``start_h + schedule.session_h`` [h]

    Raises
    ------
    InputError
        If `t_end_h` ≤ `t_start_h` or `week_start` is malformed.

    Notes
    -----
    A session on weekday index *d* (Mon = 0) of week *k* starts at

    .. math:: t = 168\,k + 24\,d + h_{start} - t_0

    where :math:`t_0` is the offset of `week_start` from Monday 00:00. A
    session is returned when it overlaps the half-open window
    :math:`[t_{start}, t_{end})`, i.e. when
    :math:`t < t_{end}` and :math:`t + T > t_{start}`. Sessions are returned
    whole, not clipped to the window. A session that starts late in the day
    may cross midnight. Sessions never overlap each other, because
    ``session_h`` ≤ 12 h and days are unique.

    Examples
    --------
    >>> from pkdose.patient import HDSchedule
    >>> hd = HDSchedule(days=("Mon", "Wed", "Fri"), start_h=8.0, session_h=4.0)
    >>> start, end = hd_sessions(hd, 0.0, 168.0)
    >>> start
    array([  8.,  56., 104.])
    >>> hd_sessions(hd, 160.0, 200.0)[0]  # across the week boundary
    array([176.])
    """
    if not t_end_h > t_start_h:
        raise InputError(f"t_end_h ({t_end_h}) must be after t_start_h ({t_start_h})")
    t0 = _parse_week_start(week_start)
    offsets = np.array([24.0 * WEEKDAYS.index(d) + schedule.start_h for d in schedule.days]) - t0
    k_lo = int(np.floor((t_start_h - HOURS_PER_WEEK) / HOURS_PER_WEEK)) - 1
    k_hi = int(np.ceil(t_end_h / HOURS_PER_WEEK)) + 1
    weeks = np.arange(k_lo, k_hi + 1) * HOURS_PER_WEEK
    start = np.sort((weeks[:, None] + offsets[None, :]).ravel())
    end = start + schedule.session_h
    keep = (start < t_end_h) & (end > t_start_h)
    return start[keep], end[keep]


def _check_calibration_inputs(f, t, v, cl_res):
    """Raise InputError naming the first invalid argument of calibrate_hd_clearance."""
    if np.any((f <= 0) | (f >= 1)):
        hint = " (a fraction: 0.6 for 60 %)" if np.any(f > 1) else ""
        raise InputError(f"fraction_removed must be in (0, 1){hint}, got {f.tolist()}")
    for name, x in (("session_h", t), ("v_l", v)):
        if np.any(x <= 0):
            raise InputError(f"{name} must be > 0, got {x.tolist()}")
    if np.any(cl_res < 0):
        raise InputError(f"cl_residual_l_per_h must be ≥ 0 L/h, got {cl_res.tolist()}")


def calibrate_hd_clearance(fraction_removed, session_h, v_l, cl_residual_l_per_h):
    r"""Dialyser clearance that removes a given fraction of the body amount in one session.

    Parameters
    ----------
    fraction_removed : array_like
        Fraction of the amount in the body at the start of the session that
        is gone at its end, by all routes, in (0, 1) [-]
    session_h : array_like
        Session duration [h]
    v_l : array_like
        One-compartment volume of distribution [L]
    cl_residual_l_per_h : array_like
        Clearance outside the dialyser during the session (non-renal plus
        residual renal) [L/h]

    Returns
    -------
    cl_hd_l_per_h : float or numpy.ndarray
        Effective dialyser clearance to add during the session [L/h]

    Raises
    ------
    InputError
        If `fraction_removed` is not in (0, 1), `session_h` or `v_l` is not
        positive, `cl_residual_l_per_h` is negative, or the result is ≤ 0,
        which means the residual clearance alone already removes at least
        `fraction_removed`.

    Notes
    -----
    In a one-compartment model without dosing during the session, the amount
    falls as :math:`A(T) = A(0)\,e^{-(CL_{HD} + CL_{res})\,T/V}`. Setting
    :math:`1 - A(T)/A(0) = f` and solving gives

    .. math:: CL_{HD} = \frac{V\,\bigl(-\ln(1 - f)\bigr)}{T} - CL_{res}

    The clearance is *effective*: it reproduces the published removal
    fraction in a one-compartment model. Redistribution (post-dialysis
    rebound) is ignored. Use `f` as the fall in plasma concentration
    (pre- to post-dialysis) or the fraction of the body amount removed.
    Do not use the fraction of a dose recovered in the dialysate: that one
    excludes the residual clearance.

    References
    ----------
    .. [1] Pea F, Viale P, Pavan F, Furlanut M. Clin Pharmacokinet. 2007;46(12):997-1038.
       doi:10.2165/00003088-200746120-00003 (the fraction of drug removed by a
       session as the measure of dialytic removal).

    Examples
    --------
    Illustrative numbers: 60 % removed in a 4-h session, V = 18 L, residual
    clearance 0.7 L/h:

    >>> round(calibrate_hd_clearance(0.60, 4.0, 18.0, 0.7), 2)
    3.42
    """
    f = np.asarray(fraction_removed, dtype=float)
    t = np.asarray(session_h, dtype=float)
    v = np.asarray(v_l, dtype=float)
    cl_res = np.asarray(cl_residual_l_per_h, dtype=float)
    _check_calibration_inputs(f, t, v, cl_res)
    cl_hd = v * -np.log1p(-f) / t - cl_res
    if np.any(cl_hd <= 0):
        f_res = 1.0 - np.exp(-cl_res * t / v)
        raise InputError(
            f"fraction_removed {fraction_removed} cannot be reached: the residual clearance "
            f"cl_residual_l_per_h alone removes {np.max(f_res):.0%} in {session_h} h; "
            "check fraction_removed (a fraction, not %), v_l and cl_residual_l_per_h"
        )
    return _out(cl_hd)


def _check_crrt(effluent, sc, modality, pre, qb):
    """Validate crrt_clearance inputs; return the canonical modality."""
    mod = str(modality).strip().upper()
    if mod not in CRRT_MODALITIES:
        raise InputError(f"modality {modality!r} is not accepted; use one of {CRRT_MODALITIES}")
    if np.any(effluent < 0):
        raise InputError(f"effluent_l_per_h must be ≥ 0 L/h, got {effluent}")
    if np.any((sc < 0) | (sc > 1)):
        raise InputError(f"sieving_fraction must be in [0, 1], got {sc}")
    if np.any((pre < 0) | (pre > 1)):
        raise InputError(f"predilution_fraction must be in [0, 1], got {pre}")
    if mod == "CVVHD" and np.any(pre > 0):
        raise InputError("predilution_fraction must be 0 for CVVHD, which uses no replacement fluid")
    if np.any(pre > 0) and qb is None:
        raise InputError("blood_flow_l_per_h is required when predilution_fraction > 0")
    if qb is not None and np.any(np.asarray(qb, dtype=float) <= 0):
        raise InputError(f"blood_flow_l_per_h must be > 0 L/h, got {qb}")
    return mod


def crrt_clearance(effluent_l_per_h, sieving_fraction, modality, predilution_fraction=0.0,
                   blood_flow_l_per_h=None):
    r"""Drug clearance by continuous renal replacement therapy from the effluent flow.

    Parameters
    ----------
    effluent_l_per_h : array_like
        Effluent flow rate Q_eff (definition per modality in Notes) [L/h]
    sieving_fraction : array_like
        Sieving coefficient (CVVH), saturation coefficient (CVVHD) or their
        common value (CVVHDF): drug concentration in effluent over plasma
        concentration, often approximated by the unbound fraction [-]
    modality : {"CVVH", "CVVHD", "CVVHDF"}
        CRRT modality, case-insensitive [-]
    predilution_fraction : array_like, optional
        Replacement fluid infused *before* the filter, as a fraction of the
        effluent flow, Q_rep,pre / Q_eff; 0 for post-dilution; must be 0 for
        CVVHD [-]
    blood_flow_l_per_h : array_like, optional
        Blood flow through the filter Q_b; required when
        `predilution_fraction` > 0 [L/h]

    Returns
    -------
    cl_crrt_l_per_h : float or numpy.ndarray
        Extracorporeal drug clearance [L/h]

    Raises
    ------
    InputError
        For an unknown modality, a negative flow, a fraction outside [0, 1],
        pre-dilution with CVVHD, or pre-dilution without `blood_flow_l_per_h`.

    Notes
    -----
    .. math:: CL_{CRRT} = SC \cdot Q_{eff} \cdot
              \frac{Q_b}{Q_b + Q_{rep,pre}}, \qquad
              Q_{rep,pre} = \phi_{pre}\,Q_{eff}

    The last factor is 1 without pre-dilution [1]_, [2]_. Effluent flow
    ([2]_, Table 2), as in the cefiderocol label's CRRT table:

    * CVVH: ultrafiltrate flow (replacement fluid plus net fluid removal);
    * CVVHD: dialysate flow (plus net fluid removal);
    * CVVHDF: ultrafiltrate flow plus dialysate flow.

    Pre-dilution dilutes the blood entering the filter, so the effluent
    concentration falls by :math:`Q_b/(Q_b + Q_{rep,pre})`. Strictly, the
    plasma (water) flow :math:`Q_p \approx Q_b(1 - Hct)` belongs in this
    factor [2]_. Using the blood flow, as the formula is often written [1]_,
    corrects less and so slightly overestimates :math:`CL_{CRRT}`. Pass
    :math:`Q_p` as `blood_flow_l_per_h` for the stricter version. The
    saturation coefficient of a diffusive therapy falls below the unbound
    fraction at high dialysate flow or with a large molecule. The formula
    assumes complete saturation, and filter adsorption is ignored.

    References
    ----------
    .. [1] Pea F, Viale P, Pavan F, Furlanut M. Clin Pharmacokinet. 2007;46(12):997-1038.
       doi:10.2165/00003088-200746120-00003 (CRRT clearance as the sieving or
       saturation coefficient times the effluent flow).
    .. [2] Neri M, Villa G, Garzotto F, et al. Nomenclature for renal
       replacement therapy in acute kidney injury: basic principles. Crit
       Care. 2016;20(1):318. doi:10.1186/s13054-016-1489-9

    Examples
    --------
    Post-dilution CVVHDF, effluent 2.5 L/h, SC 0.9:

    >>> round(crrt_clearance(2.5, 0.9, "CVVHDF"), 3)
    2.25
    >>> round(crrt_clearance(2.0, 0.9, "CVVH", predilution_fraction=1.0, blood_flow_l_per_h=9.0), 3)
    1.473
    """
    effluent = np.asarray(effluent_l_per_h, dtype=float)
    sc = np.asarray(sieving_fraction, dtype=float)
    pre = np.asarray(predilution_fraction, dtype=float)
    _check_crrt(effluent, sc, modality, pre, blood_flow_l_per_h)
    dilution = 1.0
    if blood_flow_l_per_h is not None:
        qb = np.asarray(blood_flow_l_per_h, dtype=float)
        dilution = qb / (qb + pre * effluent)
    return _out(sc * effluent * dilution)
