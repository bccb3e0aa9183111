r"""The exact piecewise solution: :func:`simulate` and the :class:`Profile` it returns.

Between two consecutive *breakpoints* (an infusion starting or stopping, a
dialysis session starting or ending, the patient's own clearance changing) the
infusion rate :math:`R` and the clearance :math:`CL` are constant. The state,
the concentrations of all compartments, then moves along the disposition modes
of :mod:`pkdose.pk.modes`, each relaxing towards its share of the plateau
:math:`R/CL`:

.. math::  z_j(t_i + s) = z_j e^{-\lambda_j s} + \frac{u_{1j} R}{u_j^T M u_j}
           \frac{1 - e^{-\lambda_j s}}{\lambda_j},

with the modal coordinates :math:`z_j = u_j^T M c / u_j^T M u_j`. The central
concentration on interval :math:`i` is therefore

.. math::  C(t_i + s) = \sum_j a_{ij} e^{-\lambda_j s} - b_{ij} (e^{-\lambda_j s} - 1),

with the amplitudes :math:`a_{ij} = u_{1j} z_j(t_i)` that :func:`simulate`
stores and :math:`b_{ij} = R_i\, g_j` (:math:`\sum_j b_{ij} = R_i/CL`). Written
this way (``expm1``) it stays exact even for a very short, very fast
infusion. :func:`simulate` walks the intervals once (vectorised over virtual
patients), changing basis only where the clearance changes; every other
function evaluates that closed form. For one compartment, :math:`u = 1`,
:math:`a` is the concentration at the start of the interval and
:math:`C = C_0 e^{-k s} - (R/CL)(e^{-k s} - 1)`, the textbook solution.

Internal units: h, L, L/h, mg, mg/L.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .dosing import ClearanceSteps, Dosing, combine_dosing, sorted_unique
from .modes import disposition_modes

__all__ = ["Profile", "simulate"]


@dataclass(frozen=True, eq=False)
class Profile:
    r"""Exact piecewise solution of a linear mammillary model for many patients.

    On interval ``i`` (from ``t_h[i]`` to ``t_h[i + 1]``, in state ``s = state[i]``)
    patient ``p`` has the central concentration, with ``e_j = exp(-lam_per_h[s, j, p] (t - t_h[i]))``,
    ``C(t) = sum_j amp_mg_per_l[i, j, p] e_j - rate_mg_per_h[i] gain_h_per_l[s, j, p] (e_j - 1)``.
    Arrays are interval-major, so one interval is one contiguous block.

    Attributes
    ----------
    t_h : ndarray, shape (n_intervals + 1,)
        Breakpoints [h].
    state : ndarray of int, shape (n_intervals,)
        Clearance state of each interval (index into the per-state arrays) [-].
    rate_mg_per_h : ndarray, shape (n_intervals,)
        Infusion rate into the central compartment [mg/h].
    cl_state_l_per_h : ndarray, shape (n_states, n_patients)
        Total clearance (own plus added) in each clearance state [L/h].
    lam_per_h : ndarray, shape (n_states, n_compartments, n_patients)
        Disposition rate constants of each state, largest first [1/h].
    gain_h_per_l : ndarray, shape (n_states, n_compartments, n_patients)
        Central amplitude each mode approaches per unit infusion rate; the
        modes' shares of the plateau, summing to 1/CL [h/L].
    amp_mg_per_l : ndarray, shape (n_intervals, n_compartments, n_patients)
        Amplitude of each mode in the central concentration at the start of
        each interval, after any bolus there [mg/L].
    v_l : ndarray, shape (n_patients,)
        Central volume [L].
    x_start_mg_per_l, x_end_mg_per_l : ndarray, shape (n_compartments, n_patients)
        Concentration of every compartment at the first breakpoint (before a
        bolus given there) and at the last [mg/L].
    """

    t_h: np.ndarray
    state: np.ndarray
    rate_mg_per_h: np.ndarray
    cl_state_l_per_h: np.ndarray
    lam_per_h: np.ndarray
    gain_h_per_l: np.ndarray
    amp_mg_per_l: np.ndarray
    v_l: np.ndarray
    x_start_mg_per_l: np.ndarray
    x_end_mg_per_l: np.ndarray

    @property
    def n_patients(self):
        """Number of virtual patients [-]."""
        return self.amp_mg_per_l.shape[2]

    @property
    def n_compartments(self):
        """Number of compartments of the model (1, 2 or 3) [-]."""
        return self.amp_mg_per_l.shape[1]

    @property
    def cl_l_per_h(self):
        """Total clearance on each interval, shape (n_patients, n_intervals) [L/h]."""
        return self.cl_state_l_per_h[self.state].T

    @property
    def k_per_h(self):
        """Elimination rate constant from the central compartment, CL/V1, shape (n_patients, n_intervals) [1/h]."""
        return self.cl_l_per_h / self.v_l[:, None]

    @property
    def c_inf(self):
        """Concentration every compartment approaches on each interval, R/CL, shape (n_patients, n_intervals) [mg/L]."""
        return (self.rate_mg_per_h[:, None] / self.cl_state_l_per_h[self.state]).T

    @property
    def c_start(self):
        """Central concentration at the start of each interval (after any bolus), shape (n_patients, n_intervals) [mg/L]."""
        return self.amp_mg_per_l.sum(axis=1).T

    @property
    def c_end(self):
        """Central concentration at the end of each interval, shape (n_patients, n_intervals) [mg/L]."""
        x = -self.lam_per_h[self.state] * np.diff(self.t_h)[:, None, None]
        plateau = self.rate_mg_per_h[:, None, None] * self.gain_h_per_l[self.state]
        return (self.amp_mg_per_l * np.exp(x) - plateau * np.expm1(x)).sum(axis=1).T

    @property
    def periodic(self):
        """Per patient: whether the profile ends in the state it starts from, so it can repeat forever [-].

        True for one period simulated with ``steady_state=True``, and for a
        profile from an empty body whose drug is all gone by its end.
        """
        scale = np.maximum(np.abs(self.x_start_mg_per_l).max(axis=0), np.abs(self.x_end_mg_per_l).max(axis=0))
        gap = np.abs(self.x_end_mg_per_l - self.x_start_mg_per_l).max(axis=0)
        return gap <= 1e-8 * np.maximum(scale, 1e-300)

    def select(self, patients):
        """The profile of some of the patients only.

        Parameters
        ----------
        patients : int, slice or array_like of int
            Which patients to keep [-].

        Returns
        -------
        Profile
        """
        sel = np.atleast_1d(np.arange(self.n_patients)[patients])
        return Profile(self.t_h, self.state, self.rate_mg_per_h, self.cl_state_l_per_h[:, sel],
                       self.lam_per_h[:, :, sel], self.gain_h_per_l[:, :, sel], self.amp_mg_per_l[:, :, sel],
                       self.v_l[sel], self.x_start_mg_per_l[:, sel], self.x_end_mg_per_l[:, sel])


def _patients(name, value):
    arr = np.asarray(value, dtype=float)
    if arr.ndim > 1:
        raise InputError(f"{name} must be a scalar or a 1-D array over patients, got shape {arr.shape}", field=name)
    if arr.size and not (arr.min() > 0 and np.isfinite(arr.max())):  # two reductions, no temporaries
        raise InputError(f"{name} must be finite and > 0 for every patient, got {value!r}", field=name)
    return np.atleast_1d(arr)


_ONE_STEP = np.zeros(1)
_ONE_STEP.flags.writeable = False


def _parameters(cl_l_per_h, v_l, peripheral):
    """Own clearance as steps (start_h (m,), cl (P, m)), central volume and peripheral pairs, broadcast to P."""
    if isinstance(cl_l_per_h, ClearanceSteps):
        steps_h, own = cl_l_per_h.start_h, cl_l_per_h.cl_l_per_h
    else:
        steps_h, own = _ONE_STEP, _patients("cl_l_per_h", cl_l_per_h)[:, None]
    if len(peripheral) > 2:
        raise InputError(f"peripheral takes at most two compartments (three in all), got {len(peripheral)}",
                         field="peripheral")
    arrays = [own[:, 0], _patients("v_l", v_l)]
    for k, pair in enumerate(peripheral, start=2):
        if len(pair) != 2:
            raise InputError(f"each peripheral compartment is a pair (q_l_per_h, v_l), got {pair!r}",
                             field="peripheral")
        arrays += [_patients(f"q{k}_l_per_h", pair[0]), _patients(f"v{k}_l", pair[1])]
    if all(a.shape == arrays[0].shape for a in arrays):  # one value per patient everywhere: nothing to broadcast
        return steps_h, own, arrays[1], tuple(zip(arrays[2::2], arrays[3::2]))
    try:
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
    except ValueError:
        raise InputError("clearance, volumes and peripheral parameters must have one value per patient "
                         f"(or one for all), got shapes {[a.shape for a in arrays]}", field="cl_l_per_h") from None
    own = np.broadcast_to(own, shape + own.shape[1:])
    v1, *rest = (np.broadcast_to(a, shape) for a in arrays[1:])
    return steps_h, own, v1, tuple(zip(rest[::2], rest[1::2]))


def _wrap_period(dosing, t_start, period):
    """Add the tails of infusions that start in the period and run past its end at the period start.

    A dose that starts at or after the period end belongs to the next period and is left out.
    """
    spill = (dosing.end_h > t_start + period) & (dosing.start_h < t_start + period)
    if not np.any(spill):
        return dosing
    tails = Dosing(dosing.start_h[spill] - period, dosing.amount_mg[spill], dosing.duration_h[spill])
    return combine_dosing(dosing, tails)


def _breakpoints(dosing, extra, steps_h, t_start, t_end, window=None):
    pts = [np.array([t_start, t_end] + list(window or ())), dosing.start_h, dosing.end_h, steps_h]
    if extra is not None:
        pts += [extra.start_h, extra.end_h]
    t = sorted_unique(np.concatenate(pts))
    return t[(t >= t_start) & (t <= t_end)]


def _interval_sums(t_b, starts, ends, values):
    """Sum of ``values`` over windows [start, end) that cover each interval's midpoint."""
    mid = 0.5 * (t_b[:-1] + t_b[1:])
    cover = (starts[:, None] <= mid[None, :]) & (mid[None, :] < ends[:, None])
    return values @ cover.astype(float)


def _first_seen(keys):
    """Number each distinct row of a small list of hashable keys in order of first appearance."""
    ids = {}
    return np.array([ids.setdefault(k, len(ids)) for k in keys], dtype=np.intp), list(ids)


class _Schedule:
    """The patient-independent time structure of a simulation: breakpoints, inputs, clearance states.

    A clearance state is a combination of the own-clearance step and the
    added-clearance windows in force; ``state_step`` (S,) and ``state_on``
    (n_windows, S) describe each. Built once and reused for every chunk of
    patients.
    """

    def __init__(self, dosing, extra, steps_h, t_start, t_end, window, steady_state):
        if steady_state:
            dosing = _wrap_period(dosing, t_start, t_end - t_start)
        t_b = _breakpoints(dosing, extra, steps_h, t_start, t_end, window)
        mid = 0.5 * (t_b[:-1] + t_b[1:])
        step = np.searchsorted(steps_h, mid, side="right") - 1
        np.maximum(step, 0, out=step)
        if extra is None:
            cover = np.zeros((0, mid.size), dtype=bool)
        else:
            cover = (extra.start_h[:, None] <= mid[None, :]) & (mid[None, :] < extra.end_h[:, None])
        if extra is None and steps_h.size == 1:
            self.state, self.state_step = np.zeros(mid.size, dtype=np.intp), np.zeros(1, dtype=np.intp)
        else:
            self.state, keys = _first_seen(zip(step.tolist(), map(bytes, np.packbits(cover, axis=0).T)))
            self.state_step = np.array([k[0] for k in keys])
        first = np.unique(self.state, return_index=True)[1]
        self.state_on = cover[:, first].astype(float)  # (W, S)
        infusing = ~dosing.is_bolus
        self.rate = _interval_sums(t_b, dosing.start_h[infusing], dosing.end_h[infusing],
                                   dosing.amount_mg[infusing] / dosing.duration_h[infusing])
        boluses = dosing.is_bolus & (dosing.start_h >= t_start) & (dosing.start_h < t_end)
        self.bolus = np.bincount(np.searchsorted(t_b, dosing.start_h[boluses]), dosing.amount_mg[boluses],
                                 minlength=t_b.size)[:-1]
        self.t_b, self.dt, self.steady_state = t_b, np.diff(t_b), steady_state
        self.key = _first_seen(zip(self.state.tolist(), self.rate.tolist(), self.bolus.tolist(),
                                   self.dt.tolist()))[0].tolist()
        self.i0, self.i1 = (0, t_b.size - 1) if window is None else np.searchsorted(t_b, window).tolist()
        for arr in (self.t_b, self.dt, self.state, self.state_step, self.state_on, self.rate, self.bolus):
            arr.flags.writeable = False

    def clearance(self, own, extra_cl):
        """Total clearance of each state for each patient, shape (S, P) [L/h]."""
        cl = own[:, self.state_step].T
        if extra_cl is not None and self.state_on.size:
            added = np.asarray(extra_cl, float) @ self.state_on  # (S,) or (P, S)
            cl = cl + (added[:, None] if added.ndim == 1 else added.T)
        return np.ascontiguousarray(cl)

    def solve(self, own, v1, periph, extra_cl=None):
        """The profile of these patients: own clearance steps (P, m), central volume (P,), peripheral pairs."""
        cl = self.clearance(own, extra_cl)
        walk = _Walk(self, cl, v1, periph)
        z = walk.periodic_start() if self.steady_state else np.zeros(walk.lam.shape[1:])
        i0, i1 = self.i0, self.i1
        z = walk.advance(z, 0, i0)
        amp, z_end = walk.record(z, i0, i1)
        sel = slice(i0, i1)
        return Profile(self.t_b[i0:i1 + 1], self.state[sel], self.rate[sel], cl, walk.lam, walk.gain, amp, v1,
                       walk.concentrations(i0, z), walk.concentrations(i1 - 1, z_end))


#: Schedules kept for reuse (a regimen simulated again for other patients: PTA, atlas cells) [-].
_SCHEDULE_CACHE_SIZE = 64
_schedules = {}


def _schedule(dosing, extra, steps_h, t_start, t_end, window, steady_state):
    """The :class:`_Schedule` of these inputs, built once and reused while it stays among the recent ones.

    The key holds the bytes of every input the schedule depends on (the
    added clearance's values enter later, per patient), so equal inputs share
    a schedule; its arrays are read-only, so no caller can change a shared one.
    """
    key = (dosing.start_h.tobytes(), dosing.amount_mg.tobytes(), dosing.duration_h.tobytes(),
           None if extra is None else (extra.start_h.tobytes(), extra.end_h.tobytes()),
           steps_h.tobytes(), float(t_start), float(t_end), window, bool(steady_state))
    sched = _schedules.get(key)
    if sched is None:
        sched = _Schedule(dosing, extra, steps_h, t_start, t_end, window, steady_state)
        if len(_schedules) >= _SCHEDULE_CACHE_SIZE:
            _schedules.pop(next(iter(_schedules)))
        _schedules[key] = sched
    return sched


def _check_window(t_start_h, t_end_h, window_h):
    if not t_end_h > t_start_h:
        raise InputError(f"t_end_h ({t_end_h}) must be after t_start_h ({t_start_h})", field="t_end_h")
    if window_h is None:
        return None
    window_h = (float(window_h[0]), float(window_h[1]))
    if not t_start_h <= window_h[0] < window_h[1] <= t_end_h:
        raise InputError(f"window_h {window_h} must lie inside [t_start_h, t_end_h] = [{t_start_h}, {t_end_h}] h "
                         "and not be empty", field="window_h")
    return window_h


def simulate(cl_l_per_h, v_l, dosing, extra=None, *, peripheral=(), t_end_h, t_start_h=0.0, steady_state=False,
             window_h=None):
    r"""Solve a one-, two- or three-compartment model exactly for many patients at once.

    Parameters
    ----------
    cl_l_per_h : array_like or ClearanceSteps
        Each patient's own clearance, shape (n_patients,) or scalar; or a
        :class:`ClearanceSteps` for a clearance that changes over time [L/h].
    v_l : array_like
        Each patient's central volume (the only volume when ``peripheral`` is
        empty), shape (n_patients,) or scalar [L].
    dosing : Dosing
        Infusions and boluses into the central compartment, shared by all
        patients [-].
    extra : ExtraClearance, optional
        Time-windowed clearance added to the patients' own (dialysis, CRRT) [-].
    peripheral : tuple of tuple, optional
        ``()`` for one compartment, ``((q2_l_per_h, v2_l),)`` for two,
        ``((q2, v2), (q3, v3))`` for three; each intercompartmental clearance
        and volume a scalar or shape (n_patients,) [L/h, L].
    t_end_h : float
        End of the simulation [h].
    t_start_h : float, optional
        Start of the simulation; the body is empty then unless
        ``steady_state`` [h].
    steady_state : bool, optional
        If true, ``[t_start_h, t_end_h)`` is one period of a schedule that has
        repeated forever: the initial state is the periodic steady state and
        infusions running past ``t_end_h`` wrap to the start [-].
    window_h : tuple of float, optional
        ``(t0, t1)`` inside ``[t_start_h, t_end_h]``: keep only this part of
        the profile (its state still carries every dose since
        ``t_start_h``). Saves time and memory when only a window is evaluated,
        e.g. the last dosing interval of a course [h].

    Returns
    -------
    Profile

    Raises
    ------
    InputError
        If a clearance or volume is not positive and finite, the window is
        empty, there are more than two peripheral compartments, or
        ``steady_state`` is asked of a :class:`ClearanceSteps` that changes
        (a changing clearance has no periodic steady state; one constant step
        is accepted).

    Notes
    -----
    The walk works in modal coordinates :math:`z_j = u_j^T M c / u_j^T M u_j`
    (module docstring): on an interval of length :math:`\Delta` at infusion
    rate :math:`R` each mode moves to
    :math:`z_j e^{-\lambda_j \Delta} + R\, u_{1j} (1 - e^{-\lambda_j \Delta}) /
    (\lambda_j u_j^T M u_j)`; a bolus :math:`B` adds :math:`u_{1j} B / u_j^T M u_j`;
    a change of clearance changes basis. The map from the state at the start
    of a period to the state at its end is affine, :math:`z(T) = A z(0) + b`,
    so the periodic steady state is :math:`z(0) = (I - A)^{-1} b` [1]_
    (:math:`A = e^{-\Lambda T}`, diagonal, when the clearance does not change
    within the period). A block of intervals that repeats :math:`N` times
    under one clearance (a regular regimen) is crossed in one step,
    :math:`z \leftarrow A^N z + b (1 - A^N)/(1 - A)`, the geometric sum of the
    carried-over drug [2]_.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 2 (multicompartment models) and Chapter 3 (multiple dosing to
       steady state).
    .. [2] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapters 10-11 and 19.

    Examples
    --------
    A 1 g bolus, V 10 L, CL 1 L/h: C(0) = 100 mg/L and C(ln 2 * 10 h) = 50 mg/L.

    >>> from pkdose.pk import regimen_dosing, concentration
    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> concentration(p, [0.0, 10 * np.log(2)]).round(6).tolist()
    [[100.0, 50.0]]

    Li 2019 ceftazidime (two compartments), 2 g over 2 h: the peak falls
    faster at first (distribution), then with beta = 0.37/h.

    >>> p = simulate(6.95, 10.5, regimen_dosing(2000, 8, 2, 1), peripheral=((31.5, 7.57),), t_end_h=8)
    >>> concentration(p, [2.0, 8.0]).round(1).tolist()
    [[78.0, 7.8]]
    """
    steps_h, own, v1, periph = _parameters(cl_l_per_h, v_l, peripheral)
    window_h = _check_window(t_start_h, t_end_h, window_h)
    if steady_state and np.any(own != own[:, :1]):
        raise InputError("steady_state=True needs a clearance that does not change over time: a ClearanceSteps "
                         "trajectory has no periodic steady state; simulate from t_start_h instead",
                         field="steady_state")
    sched = _schedule(dosing, extra, steps_h, t_start_h, t_end_h, window_h, steady_state)
    return sched.solve(own, v1, periph, None if extra is None else extra.cl_l_per_h)


def profiles_in_chunks(cl_l_per_h, v_l, dosing, extra=None, *, peripheral=(), t_end_h, t_start_h=0.0,
                       steady_state=False, window_h=None, chunk):
    """:func:`simulate` for consecutive chunks of patients, the schedule built once.

    Returns the number of patients and an iterator of (slice, Profile).
    """
    steps_h, own, v1, periph = _parameters(cl_l_per_h, v_l, peripheral)
    window_h = _check_window(t_start_h, t_end_h, window_h)
    if steady_state and np.any(own != own[:, :1]):
        raise InputError("steady_state=True needs a clearance that does not change over time", field="steady_state")
    sched = _schedule(dosing, extra, steps_h, t_start_h, t_end_h, window_h, steady_state)
    extra_cl = None if extra is None else np.asarray(extra.cl_l_per_h, float)
    per_patient = extra_cl is not None and extra_cl.ndim == 2
    n = max(v1.size, extra_cl.shape[0] if per_patient else 1)
    if per_patient and extra_cl.shape[0] != n or v1.size not in (1, n):
        raise InputError(f"extra.cl_l_per_h has {extra_cl.shape[0]} patients, the other inputs {v1.size}",
                         field="extra")

    def cut(x, part):
        return x[part] if x.shape[0] == n else x

    def chunks():
        for s in range(0, n, int(chunk)):
            part = slice(s, min(s + int(chunk), n))
            yield part, sched.solve(cut(own, part), cut(v1, part), tuple((cut(q, part), cut(v, part))
                                                                         for q, v in periph),
                                    cut(extra_cl, part) if per_patient else extra_cl)
    return n, chunks()


class _Walk:
    """The interval walk of :func:`simulate` in modal coordinates, vectorised over patients.

    ``z`` (modal coordinates of the concentrations, from zero) has shape
    (n, P) or, to build the period map, (n, k, P) with the affine part in
    column 0 (the only column inputs act on). Runs of identical intervals (a
    regular regimen under one clearance) are crossed in one step with a
    geometric sum instead of interval by interval.
    """

    #: Longest repeating block of intervals looked for [-].
    MAX_BLOCK = 16

    def __init__(self, sched, cl, v1, periph):
        self.dt, self.state, self.rate, self.bolus, self.key = sched.dt, sched.state, sched.rate, sched.bolus, sched.key
        self.n_int = self.dt.size
        self.vols = [v1] + [v for _, v in periph]
        if not periph:  # one compartment: u = 1, lambda = CL/V, gains 1/V (bolus) and 1/CL (infusion)
            self.lam = (cl / v1)[:, None, :]
            ones = np.ones((1,) + v1.shape)
            self.u, self.norm = [ones[None]] * cl.shape[0], [v1[None]] * cl.shape[0]
            self.head, self.unit_head = [ones] * cl.shape[0], [True] * cl.shape[0]
            self.bolus_gain = [(1.0 / v1)[None]] * cl.shape[0]
            self.gain = (1.0 / cl)[:, None, :]
        else:
            modes = [disposition_modes(cl[s], v1, periph) for s in range(cl.shape[0])]
            self.lam = np.stack([m[0] for m in modes])  # (S, n, P)
            self.u = [m[1] for m in modes]  # per state (n, n, P), any scaling
            self.norm = [sum(v * (u[i] * u[i]) for i, v in enumerate(self.vols)) for u in self.u]  # u^T M u, (n, P)
            self.head = [u[0] for u in self.u]  # central component of each mode, (n, P)
            self.unit_head = [m[2] for m in modes]
            self.bolus_gain = [u[0] / nm for u, nm in zip(self.u, self.norm)]  # dz per mg into the centre
            self.gain = np.stack([h * g / lam for h, g, lam in zip(self.head, self.bolus_gain, self.lam)])
        self._cache = {}

    def _cached(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def _decay(self, s, dt):
        """exp(-lambda dt) and the modal input of a unit rate over dt, (1 - exp(-lambda dt)) g / lambda."""
        def make():
            x = -self.lam[s] * dt
            return np.exp(x), -np.expm1(x) * self.bolus_gain[s] / self.lam[s]
        return self._cached(("decay", s, dt), make)

    def basis(self, new, old):
        """(U_new^T M U_old) / norm_new, shape (n, n, P): modal coordinates across a change of clearance."""
        def make():
            cross = np.einsum("ijp,ikp->jkp", self.u[new] * np.stack(self.vols)[:, None], self.u[old])
            return cross / self.norm[new][:, None]
        return self._cached(("basis", new, old), make)

    @staticmethod
    def _add(z, add):
        """Add an input to the affine part of z (all of a 2-D z, column 0 of a 3-D one)."""
        if z.ndim == 2:
            return z + add
        z = z.copy()
        z[:, 0] += add
        return z

    def enter(self, z, a, b):
        """Coordinates in interval b's modes from those at the end of interval a."""
        sa, sb = self.state[a], self.state[b]
        return z if sa == sb else np.einsum("jkp,k...p->j...p", self.basis(sb, sa), z)

    def step(self, z, i, amp=None):
        """Through interval i: bolus, (record the central amplitudes), decay and infusion."""
        s = self.state[i]
        if self.bolus[i]:
            z = self._add(z, self._cached(("bolus", s, self.bolus[i]), lambda: self.bolus_gain[s] * self.bolus[i]))
        if amp is not None:
            if self.unit_head[s]:
                amp[...] = z
            else:
                np.multiply(self.head[s], z, out=amp)
        decay, unit = self._decay(s, self.dt[i])
        z = z * (decay[:, None] if z.ndim == 3 else decay)
        return self._add(z, self.rate[i] * unit) if self.rate[i] else z

    def _block(self, i, j):
        """A block of p intervals repeated N >= 2 times from i, all in one state, ending at interval <= j."""
        key = self.key
        for p in range(1, min(self.MAX_BLOCK, (j - i) // 2) + 1):
            first = key[i:i + p]
            if key[i + p:i + 2 * p] != first:
                continue
            if any(self.state[k] != self.state[i] for k in range(i, i + p + 1)):
                return 0, 0
            n = 2
            while i + (n + 1) * p <= j and key[i + n * p:i + (n + 1) * p] == first:
                n += 1
            return p, n
        return 0, 0

    def advance(self, z, i, j):
        """From the start of interval i to the start of interval j (i <= j), jumping over repeated blocks."""
        while i < j:
            p, n = self._block(i, j)
            if n >= 2:
                b = np.zeros(self.lam.shape[1:])
                for k in range(i, i + p):
                    b = self.step(b, k)
                x = -self.lam[self.state[i]] * self.dt[i:i + p].sum()
                a_n = np.exp(x * n)
                z = self._add(z * (a_n[:, None] if z.ndim == 3 else a_n), b * (np.expm1(x * n) / np.expm1(x)))
                i += n * p
                z = self.enter(z, i - 1, i)
            else:
                z = self.enter(self.step(z, i), i, i + 1)
                i += 1
        return z

    def record(self, z, i, j):
        """Walk intervals i .. j-1 from the start of i, recording amplitudes; z at the end of j-1."""
        amp = np.empty((j - i,) + self.lam.shape[1:])
        for k in range(i, j):
            if k > i:
                z = self.enter(z, k - 1, k)
            z = self.step(z, k, amp[k - i])
        return amp, z

    def periodic_start(self):
        """State at the period start that one period reproduces: z0 = (I - A)^-1 b."""
        n, p = self.lam.shape[1:]
        last = self.n_int - 1
        if np.all(self.state == self.state[0]):  # A is diagonal: exp(-lambda T)
            z_end = self.step(self.advance(np.zeros((n, p)), 0, last), last)
            return z_end / -np.expm1(-self.lam[self.state[0]] * self.dt.sum())
        z = np.zeros((n, 1 + n, p))
        z[:, 1:] = np.eye(n)[:, :, None]
        z_end = self.enter(self.step(self.advance(z, 0, last), last), last, 0)
        return _solve_small(np.eye(n)[:, :, None] - z_end[:, 1:], z_end[:, 0])

    def concentrations(self, i, z):
        """Compartment concentrations (n, P) from modal coordinates in interval i's modes."""
        u = self.u[self.state[i]]
        return sum(u[:, j] * z[j] for j in range(z.shape[0]))


def _solve_small(a, b):
    """Solve a x = b for stacks of 1x1, 2x2 or 3x3 systems, a (n, n, P), b (n, P), by Cramer's rule."""
    n = a.shape[0]
    if n == 1:
        return b / a[0]
    det = np.linalg.det(np.moveaxis(a, -1, 0))
    out = np.empty_like(b)
    for k in range(n):
        ak = a.copy()
        ak[:, k] = b
        out[k] = np.linalg.det(np.moveaxis(ak, -1, 0)) / det
    return out
