r"""What goes into the engine: infusions and boluses, added clearance windows, a changing own clearance.

All three are frozen dataclasses checked once, at construction; the kernels of
:mod:`pkdose.pk` trust them.

Internal units: h, L, L/h, mg.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import InputError

__all__ = ["Dosing", "ExtraClearance", "ClearanceSteps", "regimen_dosing", "combine_dosing", "BOLUS_MAX_H"]

#: Infusions shorter than this are given as an instantaneous bolus [h] (3.6 ms):
#: the exact infusion solution would need rates beyond floating-point range.
BOLUS_MAX_H = 1e-6


def sorted_unique(values):
    """Sorted distinct values of a finite 1-D array (``np.unique`` without its lazy import of ``numpy.ma``)."""
    t = np.sort(np.asarray(values).ravel())
    if t.size > 1:
        t = t[np.concatenate(([True], t[1:] != t[:-1]))]
    return t


def _as_1d(name, value):
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1:
        raise InputError(f"{name} must be a scalar or a 1-D array, got shape {arr.shape}", field=name)
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite, got {value!r}", field=name)
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
            raise InputError(f"amount_mg must be >= 0 mg, got {amount.min()}", field="amount_mg")
        if np.any(duration < 0):
            raise InputError(f"duration_h must be >= 0 h, got {duration.min()}", field="duration_h")
        object.__setattr__(self, "start_h", start.copy())
        object.__setattr__(self, "amount_mg", amount.copy())
        object.__setattr__(self, "duration_h", duration.copy())

    @property
    def end_h(self):
        """End time of each infusion [h]."""
        return self.start_h + self.duration_h

    @property
    def is_bolus(self):
        """Whether each dose is given as an instantaneous bolus (shorter than ``BOLUS_MAX_H``) [-]."""
        return self.duration_h <= BOLUS_MAX_H


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
        raise InputError(f"n_doses must be a whole number >= 1, got {n_doses!r}", field="n_doses")
    if not interval_h > 0:
        raise InputError(f"interval_h must be > 0 h, got {interval_h!r}", field="interval_h")
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
            raise InputError("extra clearance windows need start_h <= end_h, with equal lengths", field="end_h")
        if cl.ndim == 0:
            cl = np.full(start.shape, float(cl))
        if cl.shape[-1:] != start.shape or cl.ndim > 2 or not np.all(np.isfinite(cl)) or np.any(cl < 0):
            raise InputError(f"cl_l_per_h must be finite, >= 0 L/h, with one value per window; got shape {cl.shape}",
                             field="cl_l_per_h")
        object.__setattr__(self, "start_h", start)
        object.__setattr__(self, "end_h", end)
        object.__setattr__(self, "cl_l_per_h", cl)


@dataclass(frozen=True)
class ClearanceSteps:
    """A patient's own clearance that changes over time, as a step function.

    The clearance is ``cl_l_per_h[..., k]`` from ``start_h[k]`` to
    ``start_h[k + 1]``; the first value also applies before ``start_h[0]`` and
    the last one after ``start_h[-1]``. Pass it to
    :func:`pkdose.pk.simulate` in place of a constant clearance, e.g. for a
    renal clearance following a kinetic creatinine-clearance trajectory, held
    constant over each step. Windows of :class:`ExtraClearance` add on top.

    Parameters
    ----------
    start_h : array_like
        Start of each step, strictly increasing, shape (n_steps,) [h].
    cl_l_per_h : array_like
        The patients' own clearance in each step, shape (n_steps,) shared by
        all patients or (n_patients, n_steps); finite and > 0 [L/h].

    Examples
    --------
    Clearance 6 L/h until day 1, then 3 L/h (acute kidney injury):

    >>> steps = ClearanceSteps([0.0, 24.0], [6.0, 3.0])
    >>> steps.cl_l_per_h.shape
    (1, 2)
    """

    start_h: np.ndarray
    cl_l_per_h: np.ndarray

    def __post_init__(self):
        start = _as_1d("start_h", self.start_h)
        if start.size == 0 or np.any(np.diff(start) <= 0):
            raise InputError(f"start_h must hold at least one step and increase strictly, got {start.tolist()}",
                             field="start_h")
        cl = np.asarray(self.cl_l_per_h, dtype=float)
        if cl.ndim == 1:
            cl = cl[None, :]
        if cl.ndim != 2 or cl.shape[1] != start.size:
            raise InputError(f"cl_l_per_h must have shape (n_steps,) or (n_patients, n_steps) with n_steps = "
                             f"{start.size}, got {np.shape(self.cl_l_per_h)}", field="cl_l_per_h")
        if not np.all(np.isfinite(cl)) or np.any(cl <= 0):
            raise InputError("cl_l_per_h must be finite and > 0 L/h in every step", field="cl_l_per_h")
        object.__setattr__(self, "start_h", start)
        object.__setattr__(self, "cl_l_per_h", cl)
