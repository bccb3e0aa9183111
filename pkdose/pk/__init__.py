r"""Closed-form linear PK: one-, two- and three-compartment IV models with piecewise-constant inputs.

The engine solves mammillary models (elimination from the central compartment)
exactly for any sequence of zero-order infusions and boluses and any
piecewise-constant clearance: windows of added clearance (haemodialysis
sessions, CRRT: :class:`ExtraClearance`) on top of the patient's own clearance,
itself constant or changing in steps (:class:`ClearanceSteps`). On every
interval between breakpoints the solution is a sum of exponentials (the
disposition modes, :mod:`pkdose.pk.modes`); :func:`simulate` stores their
amplitudes, vectorised over virtual patients, and the measures evaluate them:
concentration at any time, AUC, peak and trough, time above a threshold and
the spans above it, all exact, without an ODE solver or a time grid.

* :mod:`pkdose.pk.dosing`: inputs (:class:`Dosing`, :class:`ExtraClearance`, :class:`ClearanceSteps`);
* :mod:`pkdose.pk.modes`: rate constants and modes of the 1-, 2- and 3-compartment models;
* :mod:`pkdose.pk.solution`: :func:`simulate` and :class:`Profile`, the periodic steady state;
* :mod:`pkdose.pk.measures`: :func:`concentration`, :func:`auc`, :func:`time_above`,
  :func:`above_intervals`, :func:`peak`, :func:`trough`, :func:`dose_intervals`;
* :mod:`pkdose.pk.expsum`: zeros of sums of exponentials (turning points, crossings).

Internal units: h, L, L/h, mg, mg/L.

References
----------
.. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. New York: Marcel Dekker;
   1982. Chapters 1-3 (one- and multicompartment models, multiple dosing).
.. [2] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics:
   Concepts and Applications. 4th ed. Philadelphia: Lippincott Williams &
   Wilkins; 2011. Chapters 10, 11 and 19.
"""

from .dosing import BOLUS_MAX_H, ClearanceSteps, Dosing, ExtraClearance, combine_dosing, regimen_dosing
from .measures import (
    above_intervals,
    auc,
    concentration,
    dose_intervals,
    peak,
    steady_state_auc_tau,
    time_above,
    trough,
)
from .solution import Profile, simulate

__all__ = [
    "Dosing",
    "ExtraClearance",
    "ClearanceSteps",
    "Profile",
    "regimen_dosing",
    "combine_dosing",
    "simulate",
    "concentration",
    "auc",
    "time_above",
    "above_intervals",
    "peak",
    "trough",
    "dose_intervals",
    "steady_state_auc_tau",
    "BOLUS_MAX_H",
]
