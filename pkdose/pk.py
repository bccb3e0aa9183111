r"""Closed-form one-compartment model with zero-order infusions and piecewise-constant clearance.

Between two consecutive *breakpoints* (an infusion starting or stopping, a
dialysis session starting or ending) the infusion rate :math:`R` and the
clearance :math:`CL` are constant, so the one-compartment model

.. math::  V \frac{dC}{dt} = R(t) - CL(t)\, C

has the exact solution

.. math::  C(t) = C_\infty + (C_0 - C_\infty)\, e^{-k (t - t_0)},
           \qquad k = CL/V,\quad C_\infty = R/CL

on every interval. :func:`simulate` walks the intervals once (vectorised over
virtual patients) and stores :math:`C_0`, :math:`k` and :math:`C_\infty` per
interval in a :class:`Profile`; every other function evaluates that closed form.
No ODE solver and no time grid is involved.

Internal units: h, L, L/h, mg, mg/L.

References
----------
.. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. New York: Marcel Dekker;
   1982. Chapter 1 (one-compartment model), Chapter 3 (multiple dosing).
.. [2] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics:
   Concepts and Applications. 4th ed. Philadelphia: Lippincott Williams &
   Wilkins; 2011. Chapter 10 (constant-rate input), Chapter 11 (multiple dosing).
"""

from dataclasses import dataclass

import numpy as np

from .errors import InputError

__all__ = [
    "Dosing",
    "ExtraClearance",
    "Profile",
    "regimen_dosing",
    "combine_dosing",
    "simulate",
    "concentration",
    "auc",
    "time_above",
    "peak",
    "trough",
    "steady_state_auc_tau",
    "BOLUS_MAX_H",
]

#: Infusions shorter than this are given as an instantaneous bolus [h] (3.6 ms):
#: the exact infusion solution would need rates beyond floating-point range.
BOLUS_MAX_H = 1e-6


def _as_1d(name, value):
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1:
        raise InputError(f"{name} must be a scalar or a 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite, got {value!r}")
    return arr


@dataclass(frozen=True)
class Dosing:
    """A list of zero-order infusions (or boluses) shared by all virtual patients.

    Parameters
    ----------
    start_h : array_like
        Start time of each infusion [h].
    amount_mg : array_like
        Amount given by each infusion [mg].
    duration_h : array_like
        Duration of each infusion; 0 (or below ``BOLUS_MAX_H``) means an IV bolus [h].
    """

    start_h: np.ndarray
    amount_mg: np.ndarray
    duration_h: np.ndarray

    def __post_init__(self):
        start, amount, duration = (
            _as_1d("start_h", self.start_h),
            _as_1d("amount_mg", self.amount_mg),
            _as_1d("duration_h", self.duration_h),
        )
        try:
            start, amount, duration = np.broadcast_arrays(start, amount, duration)
        except ValueError:
            raise InputError("start_h, amount_mg and duration_h must have the same length") from None
        if np.any(amount < 0):
            raise InputError(f"amount_mg must be >= 0 mg, got {amount.min()}")
        if np.any(duration < 0):
            raise InputError(f"duration_h must be >= 0 h, got {duration.min()}")
        object.__setattr__(self, "start_h", start.copy())
        object.__setattr__(self, "amount_mg", amount.copy())
        object.__setattr__(self, "duration_h", duration.copy())

    @property
    def end_h(self):
        """End time of each infusion [h]."""
        return self.start_h + self.duration_h


def regimen_dosing(dose_mg, interval_h, infusion_h, n_doses, *, loading_dose_mg=None, start_h=0.0):
    """Build the infusions of a regular regimen, optionally with a loading dose.

    Parameters
    ----------
    dose_mg : float
        Maintenance dose [mg].
    interval_h : float
        Dosing interval tau [h].
    infusion_h : float
        Infusion duration; 0 for a bolus [h].
    n_doses : int
        Number of doses, the loading dose included [-].
    loading_dose_mg : float, optional
        First dose, replacing the first maintenance dose [mg].
    start_h : float, optional
        Time of the first dose [h].

    Returns
    -------
    Dosing

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11.

    Examples
    --------
    >>> d = regimen_dosing(2000, 8, 3, 3, loading_dose_mg=3000)
    >>> d.start_h.tolist(), d.amount_mg.tolist()
    ([0.0, 8.0, 16.0], [3000.0, 2000.0, 2000.0])
    """
    if int(n_doses) != n_doses or n_doses < 1:
        raise InputError(f"n_doses must be a whole number >= 1, got {n_doses!r}")
    if not interval_h > 0:
        raise InputError(f"interval_h must be > 0 h, got {interval_h!r}")
    n = int(n_doses)
    amount = np.full(n, float(dose_mg))
    if loading_dose_mg:
        amount[0] = float(loading_dose_mg)
    return Dosing(start_h + interval_h * np.arange(n), amount, np.full(n, float(infusion_h)))


def combine_dosing(*dosings):
    """Merge several dosing lists into one (e.g. maintenance plus post-dialysis supplements).

    Parameters
    ----------
    *dosings : Dosing
        The lists to merge [-].

    Returns
    -------
    Dosing
        All infusions, sorted by start time.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Superposition, Chapter 3.
    """
    start = np.concatenate([d.start_h for d in dosings])
    order = np.argsort(start, kind="stable")
    return Dosing(
        start[order],
        np.concatenate([d.amount_mg for d in dosings])[order],
        np.concatenate([d.duration_h for d in dosings])[order],
    )


@dataclass(frozen=True)
class ExtraClearance:
    """Clearance added to the patients' own clearance during time windows.

    Used for intermittent haemodialysis (one window per session) and CRRT (one
    window spanning the simulation).

    Parameters
    ----------
    start_h : array_like
        Start of each window [h].
    end_h : array_like
        End of each window [h].
    cl_l_per_h : array_like
        Added clearance in each window, shape (n_windows,) or
        (n_patients, n_windows) [L/h].
    """

    start_h: np.ndarray
    end_h: np.ndarray
    cl_l_per_h: np.ndarray

    def __post_init__(self):
        start, end = _as_1d("start_h", self.start_h), _as_1d("end_h", self.end_h)
        cl = np.asarray(self.cl_l_per_h, dtype=float)
        if start.shape != end.shape or np.any(end < start):
            raise InputError("extra clearance windows need start_h <= end_h, with equal lengths")
        if cl.ndim == 0:
            cl = np.full(start.shape, float(cl))
        if cl.shape[-1:] != start.shape or cl.ndim > 2 or not np.all(np.isfinite(cl)) or np.any(cl < 0):
            raise InputError(f"cl_l_per_h must be finite, >= 0 L/h, with one value per window; got shape {cl.shape}")
        object.__setattr__(self, "start_h", start)
        object.__setattr__(self, "end_h", end)
        object.__setattr__(self, "cl_l_per_h", cl)


@dataclass(frozen=True)
class Profile:
    """Exact piecewise solution of the one-compartment model for many patients.

    On interval ``i`` (from ``t_h[i]`` to ``t_h[i+1]``) patient ``p`` has
    ``C(t) = c_inf[p, i] + (c_start[p, i] - c_inf[p, i]) * exp(-k[p, i] (t - t_h[i]))``.

    Attributes
    ----------
    t_h : ndarray, shape (n_intervals + 1,)
        Breakpoints [h].
    c_start : ndarray, shape (n_patients, n_intervals)
        Total concentration at the start of each interval (after any bolus) [mg/L].
    c_end : ndarray, shape (n_patients, n_intervals)
        Total concentration at the end of each interval [mg/L].
    k_per_h : ndarray, shape (n_patients, n_intervals)
        Elimination rate constant CL/V [1/h].
    c_inf : ndarray, shape (n_patients, n_intervals)
        Concentration approached on the interval, R/CL [mg/L].
    cl_l_per_h : ndarray, shape (n_patients, n_intervals)
        Total clearance on each interval [L/h].
    """

    t_h: np.ndarray
    c_start: np.ndarray
    c_end: np.ndarray
    k_per_h: np.ndarray
    c_inf: np.ndarray
    cl_l_per_h: np.ndarray

    @property
    def n_patients(self):
        """Number of virtual patients [-]."""
        return self.c_start.shape[0]


def _interval_sums(t_b, starts, ends, values):
    """Sum of ``values`` over windows [start, end) that cover each interval's midpoint."""
    mid = 0.5 * (t_b[:-1] + t_b[1:])
    cover = (starts[:, None] <= mid[None, :]) & (mid[None, :] < ends[:, None])
    return values @ cover.astype(float)


def _breakpoints(dosing, extra, t_start, t_end):
    pts = [np.array([t_start, t_end]), dosing.start_h, dosing.end_h]
    if extra is not None:
        pts += [extra.start_h, extra.end_h]
    t = np.unique(np.concatenate(pts))
    return t[(t >= t_start) & (t <= t_end)]


def _wrap_period(dosing, t_start, period):
    """Add the tails of infusions that run past the period end at the period start."""
    spill = dosing.end_h > t_start + period
    if not np.any(spill):
        return dosing
    tails = Dosing(dosing.start_h[spill] - period, dosing.amount_mg[spill], dosing.duration_h[spill])
    return combine_dosing(dosing, tails)


def simulate(cl_l_per_h, v_l, dosing, extra=None, *, t_end_h, t_start_h=0.0, steady_state=False):
    r"""Solve the one-compartment model exactly for many patients at once.

    Parameters
    ----------
    cl_l_per_h : array_like
        Each patient's own clearance, shape (n_patients,) or scalar [L/h].
    v_l : array_like
        Each patient's volume of distribution, same shape [L].
    dosing : Dosing
        Infusions shared by all patients [-].
    extra : ExtraClearance, optional
        Time-windowed clearance added to every patient (dialysis) [-].
    t_end_h : float
        End of the simulation [h].
    t_start_h : float, optional
        Start of the simulation; the body is empty then unless
        ``steady_state`` [h].
    steady_state : bool, optional
        If true, ``[t_start_h, t_end_h)`` is one period of a schedule that has
        repeated forever: the initial concentration is the periodic steady
        state and infusions running past ``t_end_h`` wrap to the start [-].

    Returns
    -------
    Profile

    Raises
    ------
    InputError
        If a clearance or volume is not positive and finite, or the window is empty.

    Notes
    -----
    On interval :math:`i` of length :math:`\Delta_i`,
    :math:`C_{\mathrm{end},i} = C_{\infty,i} + (C_{\mathrm{start},i} - C_{\infty,i})
    e^{-k_i \Delta_i}` and :math:`C_{\mathrm{start},i+1} = C_{\mathrm{end},i} + B_{i+1}/V`
    (bolus :math:`B`). The map from the initial to the final concentration is
    affine, :math:`C(T) = a\,C(0) + b`, so the periodic steady state is
    :math:`C(0) = b / (1 - a)` [1]_.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 3, multiple dosing to steady state.

    Examples
    --------
    A 1 g bolus, V 10 L, CL 1 L/h: C(0) = 100 mg/L and C(ln 2 * 10 h) = 50 mg/L.

    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> concentration(p, [0.0, 10 * np.log(2)]).round(6).tolist()
    [[100.0, 50.0]]
    """
    cl, v = np.broadcast_arrays(_as_1d("cl_l_per_h", cl_l_per_h), _as_1d("v_l", v_l))
    if np.any(cl <= 0) or np.any(v <= 0):
        raise InputError("clearance and volume must be > 0 (L/h and L) for every patient")
    if not t_end_h > t_start_h:
        raise InputError(f"t_end_h ({t_end_h}) must be after t_start_h ({t_start_h})")
    if steady_state:
        dosing = _wrap_period(dosing, t_start_h, t_end_h - t_start_h)
    t_b = _breakpoints(dosing, extra, t_start_h, t_end_h)
    infusing = dosing.duration_h > BOLUS_MAX_H
    rate = _interval_sums(t_b, dosing.start_h[infusing], dosing.end_h[infusing],
                          dosing.amount_mg[infusing] / dosing.duration_h[infusing])
    bolus_mg = np.array([dosing.amount_mg[~infusing & (dosing.start_h == t)].sum() for t in t_b[:-1]])
    # Work interval-major, shape (n_intervals, n_patients), so the march below reads
    # contiguous rows; the Profile exposes patient-major views of the same memory.
    cl_total = np.repeat(cl[None, :], len(t_b) - 1, axis=0)
    if extra is not None:
        added = _interval_sums(t_b, extra.start_h, extra.end_h, extra.cl_l_per_h)
        cl_total = cl_total + (added[:, None] if added.ndim == 1 else added.T)
    k = cl_total / v[None, :]
    c_inf = rate[:, None] / cl_total
    k_dt = k * np.diff(t_b)[:, None]
    rise = -np.expm1(-k_dt)  # 1 - exp(-k dt), exact even for tiny k dt
    decay = 1.0 - rise  # absolute error ~1e-16, harmless where decay is tiny
    jump = bolus_mg[:, None] / v[None, :]
    c0 = np.zeros_like(cl)
    if steady_state:
        c0 = _periodic_start(decay, rise, c_inf, jump, k_dt.sum(axis=0))
    c_start, c_end = _walk(c0, decay, rise, c_inf, jump)
    return Profile(t_b, c_start.T, c_end.T, k.T, c_inf.T, cl_total.T)


def _walk(c0, decay, rise, c_inf, jump):
    """March the exact interval solution from the initial concentration (interval-major arrays)."""
    c_start = np.empty_like(decay)
    c_end = np.empty_like(decay)
    c = c0
    for i in range(decay.shape[0]):
        c_start[i] = c + jump[i]
        c = c_start[i] * decay[i] + c_inf[i] * rise[i]
        c_end[i] = c
    return c_start, c_end


def _periodic_start(decay, rise, c_inf, jump, k_dt_total):
    """Initial concentration that the schedule reproduces after one period: b / (1 - a)."""
    _, c_end = _walk(np.zeros(decay.shape[1]), decay, rise, c_inf, jump)
    return c_end[-1] / -np.expm1(-k_dt_total)


def _check_window(profile, t0, t1):
    lo, hi = profile.t_h[0], profile.t_h[-1]
    if not (lo <= t0 <= t1 <= hi):
        raise InputError(f"window [{t0}, {t1}] h must lie inside the simulation [{lo}, {hi}] h")


def _segments(profile, t0, t1):
    """Intervals overlapping [t0, t1]: indices, concentration at both ends of the overlap, length."""
    _check_window(profile, t0, t1)
    t_b = profile.t_h
    lo = np.maximum(t_b[:-1], t0)
    hi = np.minimum(t_b[1:], t1)
    idx = np.nonzero(hi > lo)[0]
    lo, hi = lo[idx], hi[idx]
    k, c_inf, c_s = profile.k_per_h[:, idx], profile.c_inf[:, idx], profile.c_start[:, idx]
    return idx, _solution(c_s, c_inf, k, lo - t_b[idx]), _solution(c_s, c_inf, k, hi - t_b[idx]), hi - lo


def _solution(c0, c_inf, k, dt):
    """C(t0 + dt) on one interval, written to stay exact for very short infusions."""
    return c0 * np.exp(-k * dt) - c_inf * np.expm1(-k * dt)


def concentration(profile, t_h):
    """Total concentration at any times, from the exact solution.

    Parameters
    ----------
    profile : Profile
        Result of :func:`simulate` [-].
    t_h : array_like
        Times inside the simulated window [h].

    Returns
    -------
    ndarray, shape (n_patients, n_times)
        Total (bound + unbound) concentration; right-limit at a bolus [mg/L].

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 10.
    """
    t = _as_1d("t_h", t_h)
    if t.size:
        _check_window(profile, t.min(), t.max())
    t_b = profile.t_h
    i = np.clip(np.searchsorted(t_b, t, side="right") - 1, 0, len(t_b) - 2)
    return _solution(profile.c_start[:, i], profile.c_inf[:, i], profile.k_per_h[:, i], t - t_b[i])


def auc(profile, t0_h, t1_h):
    r"""Exact area under the total concentration curve between two times.

    Parameters
    ----------
    profile : Profile
        Result of :func:`simulate` [-].
    t0_h, t1_h : float
        Window [h].

    Returns
    -------
    ndarray, shape (n_patients,)
        AUC over the window [mg·h/L].

    Notes
    -----
    On each piece of length :math:`L` starting at :math:`C_0`:
    :math:`\int C\,dt = C_\infty L + (C_0 - C_\infty)(1 - e^{-kL})/k`.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Appendix C (areas).
    """
    idx, u0, _, length = _segments(profile, t0_h, t1_h)
    k, c_inf = profile.k_per_h[:, idx], profile.c_inf[:, idx]
    return np.sum(c_inf * length + (u0 - c_inf) * -np.expm1(-k * length) / k, axis=1)


def time_above(profile, threshold_mg_per_l, t0_h, t1_h):
    r"""Exact time the total concentration spends above a threshold in a window.

    Parameters
    ----------
    profile : Profile
        Result of :func:`simulate` [-].
    threshold_mg_per_l : array_like
        Threshold(s) on the *total* concentration; an array of shape
        (n_thresholds,) gives one row per threshold [mg/L].
    t0_h, t1_h : float
        Window [h].

    Returns
    -------
    ndarray
        Time above, shape (n_patients,) for a scalar threshold or
        (n_thresholds, n_patients) [h].

    Notes
    -----
    The solution is monotone on each interval, so it crosses a threshold
    :math:`M` at most once, at
    :math:`t^* = t_0 + \ln\big((C_0 - C_\infty)/(M - C_\infty)\big)/k`.
    Summing the pieces gives the time above without any time grid.

    References
    ----------
    .. [1] Turnidge JD. The pharmacodynamics of beta-lactams. Clin Infect Dis.
       1998;27(1):10-22. doi:10.1086/514622

    Examples
    --------
    Bolus 1000 mg, V 10 L, CL 1 L/h: above 50 mg/L for exactly 10 ln 2 h.

    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> float(time_above(p, 50.0, 0, 24)[0] / np.log(2))
    10.0
    """
    thr = np.asarray(threshold_mg_per_l, dtype=float)
    idx, u0, u1, length = _segments(profile, t0_h, t1_h)
    m = thr[..., None, None]
    k, c_inf = profile.k_per_h[:, idx], profile.c_inf[:, idx]
    above0, above1 = u0 > m, u1 > m
    crossing = above0 != above1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # used only where a crossing exists
        t_cross = np.log((u0 - c_inf) / (m - c_inf)) / k
    t_cross = np.where(crossing, np.clip(np.nan_to_num(t_cross), 0.0, length), 0.0)
    piece = np.where(above0 & above1, length, 0.0)
    piece = np.where(crossing & above0, t_cross, piece)
    piece = np.where(crossing & above1, length - t_cross, piece)
    return piece.sum(axis=-1)


def peak(profile, t0_h, t1_h):
    """Highest total concentration in a window (exact: the solution is monotone per interval).

    Parameters
    ----------
    profile : Profile
        Result of :func:`simulate` [-].
    t0_h, t1_h : float
        Window [h].

    Returns
    -------
    ndarray, shape (n_patients,)
        Maximum concentration [mg/L].

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11.
    """
    _, u0, u1, _ = _segments(profile, t0_h, t1_h)
    return np.maximum(u0.max(axis=1), u1.max(axis=1))


def trough(profile, t0_h, t1_h):
    """Lowest total concentration in a window (exact: the solution is monotone per interval).

    Parameters
    ----------
    profile : Profile
        Result of :func:`simulate` [-].
    t0_h, t1_h : float
        Window [h].

    Returns
    -------
    ndarray, shape (n_patients,)
        Minimum concentration [mg/L].

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11.
    """
    _, u0, u1, _ = _segments(profile, t0_h, t1_h)
    return np.minimum(u0.min(axis=1), u1.min(axis=1))


def steady_state_auc_tau(dose_mg, cl_l_per_h):
    r"""Area under the curve over one dosing interval at steady state.

    Parameters
    ----------
    dose_mg : array_like
        Dose given every interval [mg].
    cl_l_per_h : array_like
        Clearance [L/h].

    Returns
    -------
    ndarray
        AUC over tau at steady state, equal to the single-dose AUC to infinity [mg·h/L].

    Notes
    -----
    :math:`AUC_{\tau,ss} = \mathrm{Dose}/CL`, whatever the infusion duration [1]_.

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11.

    Examples
    --------
    >>> float(steady_state_auc_tau(2000, 5.0))
    400.0
    """
    return np.asarray(dose_mg, dtype=float) / np.asarray(cl_l_per_h, dtype=float)
