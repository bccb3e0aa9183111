r"""Pharmacodynamic exposure indices: free time above the MIC or above a threshold.

A β-lactam's effect follows the fraction of the dosing interval during which the
*unbound* concentration exceeds the MIC (%fT>MIC); a β-lactamase inhibitor's
follows the fraction of time its unbound concentration exceeds a threshold
concentration (%fT>C_T). Both are computed exactly from the closed-form profile:
the free concentration is :math:`f_u C`, so the free level exceeds :math:`M`
exactly when the total level exceeds :math:`M / f_u`.

References
----------
.. [1] Craig WA. Pharmacokinetic/pharmacodynamic parameters: rationale for
   antibacterial dosing of mice and men. Clin Infect Dis. 1998;26(1):1-10.
   doi:10.1086/516284
.. [2] Nichols WW, Newell P, Critchley IA, Riccobene T, Das S. Avibactam
   pharmacokinetic/pharmacodynamic targets. Antimicrob Agents Chemother.
   2018;62(6):e02446-17. doi:10.1128/AAC.02446-17
"""

import numpy as np

from .errors import InputError
from .pk import concentration, dose_intervals, time_above
from .pk.measures import time_above_sorted

__all__ = ["ft_above_percent", "ft_attains", "free_concentration", "ft_by_dose_interval"]


def free_concentration(profile, t_h, fu_fraction):
    r"""Unbound concentration at any times: :math:`C_u = f_u\,C`.

    Parameters
    ----------
    profile, t_h
        The profile and times of :func:`pkdose.pk.concentration` [-], [h].
    fu_fraction : float
        Unbound fraction in plasma [-].

    Returns
    -------
    ndarray, shape (n_patients, n_times)
        Free concentration [mg/L].

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 4 (binding).

    Examples
    --------
    >>> from pkdose.pk import simulate, regimen_dosing
    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> free_concentration(p, [0.0], 0.42).round(3).tolist()
    [[42.0]]
    """
    if not 0 < fu_fraction <= 1:
        raise InputError(f"fu_fraction must be in (0, 1], got {fu_fraction!r}")
    return fu_fraction * concentration(profile, t_h)


def ft_above_percent(profile, threshold_free_mg_per_l, fu_fraction, t0_h, t1_h):
    r"""Percentage of a window during which the free concentration exceeds a threshold.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` (total concentrations) [-].
    threshold_free_mg_per_l : array_like
        MIC or threshold concentration on the free drug; an array gives one row
        per value [mg/L].
    fu_fraction : float
        Unbound fraction in plasma [-].
    t0_h, t1_h : float
        Window, usually one dosing interval at steady state [h].

    Returns
    -------
    ndarray
        %fT>threshold, shape (n_patients,) or (n_thresholds, n_patients) [%].

    Notes
    -----
    :math:`\%fT_{>M} = 100\, T(C > M/f_u) / (t_1 - t_0)` with the time above
    from :func:`pkdose.pk.time_above` [1]_.

    References
    ----------
    .. [1] Craig WA. Pharmacokinetic/pharmacodynamic parameters: rationale for
       antibacterial dosing of mice and men. Clin Infect Dis. 1998;26(1):1-10.
       doi:10.1086/516284

    Examples
    --------
    Bolus 1000 mg, V 10 L, CL 1 L/h, fu 0.5: free level 50 mg/L at t = 0,
    above 25 mg/L for 10 ln 2 = 6.93 h of 24 h.

    >>> from pkdose.pk import simulate, regimen_dosing
    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> round(float(ft_above_percent(p, 25.0, 0.5, 0, 24)[0]), 2)
    28.88
    """
    thr, total = _total_thresholds(threshold_free_mg_per_l, fu_fraction)
    scale = 100.0 / (t1_h - t0_h)
    if np.all(total[1:] >= total[:-1]):  # sorted (an MIC series): no reordering, scaled in the kernel
        return time_above_sorted(profile, total, t0_h, t1_h, scale).reshape(thr.shape + (profile.n_patients,))
    return scale * time_above(profile, total.reshape(thr.shape), t0_h, t1_h)


def _total_thresholds(threshold_free_mg_per_l, fu_fraction):
    """The free thresholds as an array and the total-concentration thresholds, flat; checked."""
    if not 0 < fu_fraction <= 1:
        raise InputError(f"fu_fraction must be in (0, 1], got {fu_fraction!r}")
    thr = np.asarray(threshold_free_mg_per_l, dtype=float)
    if np.any(~np.isfinite(thr)) or np.any(thr < 0):
        raise InputError(f"threshold must be finite and >= 0 mg/L, got {threshold_free_mg_per_l!r}")
    return thr, thr.ravel() / fu_fraction


def ft_attains(profile, threshold_free_mg_per_l, fu_fraction, t0_h, t1_h, target_percent):
    r"""Whether the free concentration stays above a threshold for at least a target percentage of a window.

    The same answer as ``ft_above_percent(...) >= target_percent`` (ties count
    as met), found with less work: only where the target lies between cheap,
    exact bounds on a patient's %fT are the crossing times solved.

    Parameters
    ----------
    profile : Profile
        Total concentrations, from :func:`pkdose.pk.simulate` [-].
    threshold_free_mg_per_l : array_like
        Free-drug MIC(s) or threshold(s); one row of the result per value [mg/L].
    fu_fraction : float
        Fraction unbound [-].
    t0_h, t1_h : float
        Start and end of the window (a dosing interval at steady state) [h].
    target_percent : float
        %fT>threshold a patient needs [%].

    Returns
    -------
    ndarray of bool
        Shape (n_patients,) or (n_thresholds, n_patients) [-].

    Notes
    -----
    On a stretch of the profile between turning points whose modes share a
    sign, :math:`\ln|C - c_\infty|` is convex in time, so its tangents at both
    ends and its chord bound the crossing time of each threshold; the slowest
    mode bounds it too. Summed over the stretches these give a lower and an
    upper bound of each patient's %fT. A patient whose bounds lie on one side
    of the target (by a margin far above the solver's tolerance) is decided by
    them; the others get the exact %fT of :func:`ft_above_percent` [1]_ [2]_.

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. Standardization
       of pharmacodynamic (PD) terminology for anti-infective drugs: an update.
       J Antimicrob Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079
    .. [2] Boyd S, Vandenberghe L. Convex Optimization. Cambridge University
       Press; 2004. Section 3.1.3 (first-order condition: a convex function lies
       above its tangents) and 3.1.5 (log-sum-exp is convex).

    Examples
    --------
    >>> from pkdose.pk import simulate, regimen_dosing
    >>> p = simulate(4.0, 8.0, regimen_dosing(2000, 8, 3, 1), peripheral=((6.0, 6.0),), t_end_h=8,
    ...              steady_state=True)
    >>> ft_attains(p, [1.0, 16.0, 64.0], 0.5, 0, 8, 75).ravel().tolist()
    [True, True, False]
    """
    thr, total = _total_thresholds(threshold_free_mg_per_l, fu_fraction)
    scale = 100.0 / (t1_h - t0_h)
    order = np.argsort(total, kind="stable")
    out = np.empty((total.size, profile.n_patients), dtype=bool)
    out[order] = time_above_sorted(profile, total[order], t0_h, t1_h, scale, need=float(target_percent))
    return out.reshape(thr.shape + (profile.n_patients,))


def ft_by_dose_interval(profile, threshold_free_mg_per_l, fu_fraction, dosing, t0_h=None, t1_h=None, *,
                        periodic=None, target_percent=None):
    r"""%fT above a threshold over each dosing interval of a profile.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
    threshold_free_mg_per_l : array_like
        MIC or threshold concentration on the free drug; an array gives one
        row per value [mg/L].
    fu_fraction : float
        Unbound fraction in plasma [-].
    dosing : Dosing
        The doses of the simulation; consecutive dose starts bound the
        intervals [-].
    t0_h, t1_h : float, optional
        Window; only intervals wholly inside it are returned; default the
        whole profile [h].
    periodic : bool, optional
        Whether the profile is one period of a periodic steady state, so that
        the last dose's interval wraps round to the first dose of the next
        period; by default :attr:`pkdose.pk.Profile.periodic` of every patient
        decides [-].
    target_percent : float, optional
        If given, return instead whether each interval's %fT reaches it (ties
        count as met), decided as :func:`ft_attains` does where the interval
        is one window [%].

    Returns
    -------
    intervals : list of tuple
        ``(start_h, end_h, pieces)`` per dosing interval, from
        :func:`pkdose.pk.dose_intervals` [h].
    ft_percent : ndarray, shape (n_intervals, n_patients) or (n_intervals, n_thresholds, n_patients)
        %fT>threshold over each whole interval (over all its pieces) [%]; with
        ``target_percent``, bool: whether it reaches the target [-].

    Notes
    -----
    An interval made of several pieces (the wrapped last interval of a
    periodic week) gets the time above summed over its pieces divided by their
    total length: a 72-h weekend gap counts as 72 h. %fT is defined over a
    dosing interval [1]_.

    References
    ----------
    .. [1] Mouton JW, Dudley MN, Cars O, Derendorf H, Drusano GL. Standardization
       of pharmacodynamic (PD) terminology for anti-infective drugs: an update.
       J Antimicrob Chemother. 2005;55(5):601-607. doi:10.1093/jac/dki079 (%fT
       defined over a dosing interval).

    Examples
    --------
    Doses at 12, 60 and 108 h of a steady-state week: the Friday dose's
    interval runs to Monday 12:00 of the next week (72 h).

    >>> from pkdose.pk import simulate, Dosing
    >>> d = Dosing([12.0, 60.0, 108.0], 187.5, 2.0)
    >>> p = simulate(0.69, 21.7, d, t_end_h=168, steady_state=True)
    >>> intervals, ft = ft_by_dose_interval(p, 1.0, 0.92, d)
    >>> [round(b - a + sum(e - s for s, e in w[1:])) for a, b, w in intervals]
    [48, 48, 72]
    """
    if periodic is None:
        periodic = bool(np.all(profile.periodic))
    intervals = dose_intervals(profile, dosing, t0_h, t1_h, periodic=periodic)
    ft = np.empty((len(intervals),) + np.shape(threshold_free_mg_per_l) + (profile.n_patients,),
                  dtype=float if target_percent is None else bool)
    for i, (_, _, pieces) in enumerate(intervals):
        if target_percent is not None and len(pieces) == 1:
            ft[i] = ft_attains(profile, threshold_free_mg_per_l, fu_fraction, *pieces[0], target_percent)
            continue
        length = sum(b - a for a, b in pieces)
        value = sum(ft_above_percent(profile, threshold_free_mg_per_l, fu_fraction, a, b) * (b - a)
                    for a, b in pieces) / length
        ft[i] = value if target_percent is None else value >= target_percent
    return intervals, ft
