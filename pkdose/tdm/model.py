r"""The Bayesian model of one TDM case: published prior, actual dosing, measured levels.

A :class:`TDMCase` holds what the pharmacist knows: the product, the doses
actually given, the measured levels, the covariates and renal state
(:class:`pkdose.exposure.Covariates`), the actual dialysis sessions, the
CRRT periods and, when renal function changes, the kinetic CrCL steps.

:func:`build_problem` turns it into the pieces of the posterior

.. math::  -2 \log p(\eta \mid y) = \sum_j \left[ \frac{(y_j - f_j(\eta))^2}{\sigma_j^2(\eta)}
           + \log \sigma_j^2(\eta) \right] + \eta^T \Omega^{-1} \eta + \mathrm{const},

with :math:`\theta_i = \theta_{typ}(\text{covariates}, t)\, e^{\eta_i}` for
every parameter with between-subject variability, :math:`\Omega` the joint
published OMEGA of every analyte of the product (partner covariances
included, :func:`pkdose.exposure.analyte_courses`' populations use the same
matrix), :math:`f_j` the exact concentration of the published structure at
the sampling time (:func:`pkdose.pk.simulate`, ``fu`` times it for a free
level) and :math:`\sigma_j^2 = (\sigma_{prop} f_j)^2 + \sigma_{add}^2` the
published residual error of the patients' stratum (``models/tdm.toml``).
This is the objective function of NONMEM's MAP estimation (POSTHOC) and of
mapbayr [1]_.

References
----------
.. [1] Le Louedec F, et al. CPT Pharmacometrics Syst Pharmacol.
   2021;10(10):1208-1220. doi:10.1002/psp4.12689 (the MAP objective)
.. [2] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Forecasting individual
   pharmacokinetics. Clin Pharmacol Ther. 1979;26(3):294-305.
   doi:10.1002/cpt1979263294
"""

import math
from dataclasses import dataclass, field
from types import MappingProxyType, SimpleNamespace

import numpy as np

from ..errors import InputError, UnitError
from ..exposure import Covariates, _extra, _hd_clearance, _joint_omega, _site_default
from ..library import load_product
from ..patient import CRRT, SESSION_RANGE_H, Haemodialysis
from ..pk import ClearanceSteps, Dosing, ExtraClearance, concentration, simulate
from ..pta import covariance_etas
from .data import DoseHistory, Levels
from .settings import load_tdm_settings

__all__ = ["TDMCase", "Problem", "build_problem", "UNIT_RATIO", "PRIOR_PREDICTIVE_N"]

#: A level this many times the prior-predictive median (or this fraction of it), beyond the whole
#: prior-predictive range, is read as a unit error: mg/L entered as µg/L or ng/mL, or as g/L (technical).
UNIT_RATIO = 100.0
#: µg/L (ng/mL) per mg/L, and mg/L per g/L: the unit slips a level is checked for.
_PER_MG = 1000.0
#: Virtual patients of the prior-predictive plausibility check (technical; seed fixed, repeatable).
PRIOR_PREDICTIVE_N = 2000
#: Tails of the prior-predictive range a level is compared with [-].
PRIOR_PREDICTIVE_TAILS = (0.001, 0.999)
#: Random effects beyond this are refused by the objective (e^30-fold the typical value; technical) [-].
ETA_LIMIT = 30.0
_PERIPHERAL = (("q2", "v2"), ("q3", "v3"))
_VOLUMES = ("v1", "v2", "v3")


def _windows(name, value):
    """(n, 2) array of [start, end) windows in hours, checked; None stays None."""
    if value is None:
        return None
    w = np.asarray(value, dtype=float).reshape(-1, 2) if np.size(value) else np.zeros((0, 2))
    if not np.all(np.isfinite(w)) or np.any(w[:, 0] < 0) or np.any(w[:, 1] <= w[:, 0]):
        raise InputError(f"{{{name}}} must be (start_h, end_h) pairs with 0 <= start < end, got {w.tolist()}",
                         field=name)
    order = np.argsort(w[:, 0])
    w = w[order]
    if np.any(w[1:, 0] < w[:-1, 1]):
        raise InputError(f"{{{name}}} overlap: {w.tolist()}", field=name)
    return w


@dataclass(frozen=True)
class TDMCase:
    r"""Everything a Bayesian TDM fit needs about one patient.

    All times are hours on the dose record's clock (0 = any origin before
    the first dose): doses, levels, dialysis sessions, CRRT periods and
    CrCL steps alike.

    Parameters
    ----------
    doses : DoseHistory
        Doses actually given (:func:`pkdose.tdm.dose_history`) [-].
    levels : Levels
        Measured concentrations (:func:`pkdose.tdm.levels`) [-].
    covariates : pkdose.exposure.Covariates
        CrCL (the latest; the residual CrCL on dialysis), renal state,
        weight, BSA, infection site, albumin, ... Missing covariates take the
        model's default population [-].
    hd_sessions_h : array_like, optional
        Actual haemodialysis sessions as (start, end) pairs on the dose
        record's clock; required on haemodialysis [h].
    crrt_periods_h : array_like, optional
        Periods on CRRT as (start, end) pairs; default: throughout [h].
    crcl_steps : tuple, optional
        ``(start_h, crcl_ml_per_min)``: the patient's own CrCL changing in
        steps (e.g. :func:`pkdose.kinetic_gfr.kinetic_crcl_trajectory`'s
        ``start_h`` and ``crcl_ml_per_min``); the first value also applies
        before its start, the last one after [h, mL/min].
    pk_models : Mapping[str, PKModel], optional
        Models replacing the product's defaults, by analyte [-].

    Raises
    ------
    InputError
        A level before the first dose of its analyte; dialysis sessions
        missing on haemodialysis, or given without it; windows that are not
        ordered (start, end) pairs or overlap; a session outside 1-12 h;
        CrCL steps that do not increase or are negative.

    References
    ----------
    .. [1] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Clin Pharmacol Ther.
       1979;26(3):294-305. doi:10.1002/cpt1979263294
    """

    doses: DoseHistory
    levels: Levels
    covariates: Covariates
    hd_sessions_h: np.ndarray | None = None
    crrt_periods_h: np.ndarray | None = None
    crcl_steps: tuple | None = None
    pk_models: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self):
        state = self.covariates.renal_state
        sessions = _windows("hd_sessions", self.hd_sessions_h)
        if isinstance(state, Haemodialysis) and (sessions is None or not len(sessions)):
            raise InputError("{hd_sessions} are needed on haemodialysis: the actual start and end of each session "
                             "on the dose record's clock (hours)", field="hd_sessions")
        if sessions is not None and len(sessions) and not isinstance(state, Haemodialysis):
            raise InputError("{hd_sessions} were given but the renal state is not haemodialysis", field="hd_sessions")
        if sessions is not None and len(sessions):
            length = sessions[:, 1] - sessions[:, 0]
            if np.any(length < SESSION_RANGE_H[0]) or np.any(length > SESSION_RANGE_H[1]):
                raise InputError(f"{{hd_sessions}}: a session lasts {SESSION_RANGE_H[0]:g}-{SESSION_RANGE_H[1]:g} h, "
                                 f"got {length.tolist()} h", field="hd_sessions")
        periods = _windows("crrt_periods", self.crrt_periods_h)
        if periods is not None and not isinstance(state, CRRT):
            raise InputError("{crrt_periods} were given but the renal state is not CRRT", field="crrt_periods")
        object.__setattr__(self, "hd_sessions_h", sessions)
        object.__setattr__(self, "crrt_periods_h", periods)
        object.__setattr__(self, "crcl_steps", _steps(self.crcl_steps))
        object.__setattr__(self, "pk_models", MappingProxyType(dict(self.pk_models or {})))
        for i, (t, a) in enumerate(zip(self.levels.time_h, self.levels.analyte)):
            first = self.doses.first_dose_h(a)
            if not t > first:
                when = "no dose contains it" if math.isinf(first) else f"its first dose starts at {first:g} h"
                raise InputError(f"{{levels}} row {i + 1}: the {a} level at {t:g} h is not after a dose ({when}); "
                                 "check the clock of both files", field="levels")

    @property
    def product(self):
        """Product CLI name [-]."""
        return self.doses.product

    @property
    def latest_crcl_ml_per_min(self):
        """CrCL in force after the last step (the current renal function) [mL/min]."""
        return float(self.crcl_steps[1][-1]) if self.crcl_steps is not None else self.covariates.crcl_ml_per_min


def _steps(steps):
    if steps is None:
        return None
    start, crcl = (np.atleast_1d(np.asarray(x, dtype=float)) for x in steps)
    if start.shape != crcl.shape or not start.size or np.any(np.diff(start) <= 0):
        raise InputError("{crcl_steps} must be increasing start times with one CrCL each", field="crcl_steps")
    if not np.all(np.isfinite(crcl)) or np.any(crcl < 0) or not np.all(np.isfinite(start)):
        raise InputError(f"{{crcl_steps}}: CrCL must be finite and >= 0 mL/min, got {crcl.tolist()}",
                         field="crcl_steps")
    return start, crcl


@dataclass(eq=False)
class Problem:
    r"""The posterior of one case (or of P virtual patients sharing its design), ready to evaluate.

    Attributes
    ----------
    product : Product
        With the case's PK models [-].
    analytes : tuple of str
        Every analyte given, in the order of the random effects [-].
    names : tuple of (str, str)
        (analyte, parameter) of each random effect [-].
    omega : numpy.ndarray
        Joint prior covariance of the random effects, (k, k) [-].
    typical : dict
        Analyte -> parameter -> typical value, shape (P,) or, for ``cl``,
        (P, m) over the CrCL steps [L/h, L].
    steps_h : numpy.ndarray
        Start of each CrCL step, (m,) [h].
    dosing, extra : dict
        Analyte -> :class:`~pkdose.pk.Dosing` and :class:`~pkdose.pk.ExtraClearance` (or None) [-].
    extracorporeal_cl : dict
        Analyte -> clearance added in each window (dialyser or CRRT) [L/h].
    obs_time_h, obs_analyte, obs_free : numpy.ndarray
        The levels' design [h, -, -].
    y : numpy.ndarray
        Measured levels, (P, n_obs) [mg/L].
    prop_sd, add_sd : numpy.ndarray
        Residual error of each level, (n_obs,) [-, mg/L].
    fu : dict
        Analyte -> unbound fraction [-].
    """

    product: object
    analytes: tuple
    names: tuple
    omega: np.ndarray
    typical: dict
    steps_h: np.ndarray
    dosing: dict
    extra: dict
    extracorporeal_cl: dict
    obs_time_h: np.ndarray
    obs_analyte: np.ndarray
    obs_free: np.ndarray
    y: np.ndarray
    prop_sd: np.ndarray
    add_sd: np.ndarray
    fu: dict
    t_start_h: dict

    def __post_init__(self):
        self.omega_inv = np.linalg.inv(self.omega)
        self.index = {n: i for i, n in enumerate(self.names)}

    @property
    def k(self):
        """Number of random effects [-]."""
        return len(self.names)

    @property
    def n_patients(self):
        """Patients sharing the design [-]."""
        return self.y.shape[0]

    def parameters(self, eta, patients=None):
        r"""Individual structural parameters for random effects ``eta``.

        Parameters
        ----------
        eta : array_like
            Random effects, shape (P, M, k): M sets for each of P patients [-].
        patients : array_like of int, optional
            Which of the problem's patients the P rows are [-].

        Returns
        -------
        dict
            Analyte -> parameter -> values, shape (P, M) (``cl``: (P, M, m)) [L/h, L].

        References
        ----------
        .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
           Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed
           Effects Models. Wiley; 2014. Chapter 2.
        """
        eta = np.asarray(eta, dtype=float)
        sel = slice(None) if patients is None else np.asarray(patients)
        out = {}
        for a in self.analytes:
            p = {}
            for name, typ in self.typical[a].items():
                typ = typ[sel]
                i = self.index.get((a, name))
                factor = np.exp(eta[..., i]) if i is not None else np.ones(eta.shape[:2])
                p[name] = typ[:, None, :] * factor[..., None] if name == "cl" else typ[:, None] * factor
            out[a] = p
        return out

    def predict(self, eta, patients=None, times_h=None, free=None, analytes=None):
        r"""Concentrations for random effects ``eta``: at the levels, or at other times.

        Parameters
        ----------
        eta : array_like
            Random effects, shape (P, M, k) [-].
        patients : array_like of int, optional
            Which of the problem's patients the P rows are [-].
        times_h, free, analytes : array_like, optional
            Other sampling times, free flags and analytes (default: the
            levels') [h, -, -].

        Returns
        -------
        numpy.ndarray
            Shape (P, M, n) [mg/L].

        References
        ----------
        .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker;
           1982. Chapters 2-3.
        """
        times = self.obs_time_h if times_h is None else np.asarray(times_h, dtype=float)
        which = self.obs_analyte if analytes is None else np.asarray(analytes)
        free = self.obs_free if free is None else np.asarray(free, dtype=bool)
        eta = np.asarray(eta, dtype=float)
        params = self.parameters(eta, patients)
        out = np.zeros(eta.shape[:2] + (times.size,))
        for a in self.analytes:
            at = np.nonzero(which == a)[0]
            if not at.size:
                continue
            p = {k: v.reshape((-1,) + v.shape[2:]) for k, v in params[a].items()}
            cl = p["cl"][:, 0] if self.steps_h.size == 1 else ClearanceSteps(self.steps_h, p["cl"])
            periph = tuple((p[q], p[v]) for q, v in _PERIPHERAL if q in p)
            prof = simulate(cl, p["v1"], self.dosing[a], self.extra[a], peripheral=periph,
                            t_start_h=self.t_start_h[a], t_end_h=float(times[at].max()))
            c = concentration(prof, times[at]) * np.where(free[at], self.fu[a], 1.0)
            out[..., at] = c.reshape(eta.shape[:2] + (at.size,))
        return out

    def ofv(self, eta, patients=None):
        r"""Minus twice the log posterior (up to a constant) of random effects ``eta``.

        Parameters
        ----------
        eta, patients : array_like
            As for :meth:`predict`: random effects (P, M, k) and, optionally,
            the problem's patients the P rows are [-].

        Returns
        -------
        numpy.ndarray
            Shape (P, M) [-].

        Notes
        -----
        :math:`\sum_j (y_j - f_j)^2/\sigma_j^2 + \log\sigma_j^2 + \eta^T\Omega^{-1}\eta`
        with :math:`\sigma_j^2 = (\sigma_{prop} f_j)^2 + \sigma_{add}^2` (module docstring).

        References
        ----------
        .. [1] Le Louedec F, et al. CPT Pharmacometrics Syst Pharmacol.
           2021;10(10):1208-1220. doi:10.1002/psp4.12689
        """
        eta = np.asarray(eta, dtype=float)
        y = self.y if patients is None else self.y[np.asarray(patients)]
        absurd = np.any(np.abs(eta) > ETA_LIMIT, axis=-1)  # e^30-fold: far outside any prior, objective inf
        eta = np.clip(eta, -ETA_LIMIT, ETA_LIMIT)
        with np.errstate(all="ignore"):  # extreme proposals (SIR tails) may overflow: their objective is inf
            f = self.predict(eta, patients)
            var = np.maximum((self.prop_sd * f) ** 2 + self.add_sd ** 2, 1e-300)
            data = ((y[:, None, :] - f) ** 2 / var + np.log(var)).sum(axis=-1)
            prior = np.einsum("pmi,ij,pmj->pm", eta, self.omega_inv, eta)
            out = data + prior
        return np.where(np.isfinite(out) & ~absurd, out, np.inf)

    def with_observations(self, y, typical=None):
        """A copy for other measured levels (and typical values) of P patients (simulation-estimation)."""
        new = Problem(**{f: getattr(self, f) for f in self.__dataclass_fields__})
        new.y = np.atleast_2d(np.asarray(y, dtype=float))
        if typical is not None:
            new.typical = typical
        return new


def _models(case):
    prod = load_product(case.product)
    models = {a: case.pk_models.get(a, m) for a, m in prod.pk_models.items()}
    unknown = set(case.pk_models) - set(models)
    if unknown:
        raise InputError(f"model(s) for {sorted(unknown)} are not part of {case.product}", field="pk_model")
    given = [a for a in models if case.doses.analyte_mg.get(a, np.zeros(1)).sum() > 0]
    return prod, {a: models[a] for a in given}


def _typical(case, prod, model):
    """Typical parameters of one analyte over the CrCL steps: cl (1, m), others (1,)."""
    cov = case.covariates
    crcl = case.crcl_steps[1] if case.crcl_steps is not None else np.array([cov.crcl_ml_per_min])
    p = model.typical_parameters(crcl, **_site_default(prod, cov.model_covariates()))
    out = {}
    for name in model.parameter_names:
        v = np.broadcast_to(np.asarray(p[name], dtype=float), crcl.shape)
        if name != "cl":
            if not np.allclose(v, v[0]):
                raise InputError(f"{model.key}: {name} depends on CrCL; a changing CrCL is supported only for "
                                 "models whose volumes do not", field="crcl_steps")
            out[name] = np.array([v[0]])
        else:
            if not np.all(v > 0):
                raise InputError(f"{model.key} gives {model.analyte} clearance 0 at CrCL {crcl.min():g} mL/min; it "
                                 "needs a declared clearance floor to fit an anuric patient", field="crcl_ml_per_min")
            out[name] = v[None, :]
    return out


def _extracorporeal(case, model, t_end):
    """(ExtraClearance or None, clearance added in each window) for one analyte."""
    state = case.covariates.renal_state
    if isinstance(state, Haemodialysis):
        cl = _hd_clearance(model, "published")
        w = case.hd_sessions_h
    elif isinstance(state, CRRT):
        cl = float(_extra(model, case.covariates, 1.0, "published")[1])
        w = case.crrt_periods_h if case.crrt_periods_h is not None else np.array([[0.0, max(t_end, 1.0)]])
    else:
        return None, 0.0
    return ExtraClearance(w[:, 0], w[:, 1], np.full(len(w), cl)), float(cl)


def build_problem(case, t_end_h=None):
    r"""The posterior of a TDM case, ready for MAP estimation.

    Parameters
    ----------
    case : TDMCase
        The patient [-].
    t_end_h : float, optional
        End of the time the problem will be evaluated over (the default
        CRRT period runs to it); default the last level [h].

    Returns
    -------
    Problem

    Raises
    ------
    InputError
        A model without residual error, a clearance of 0, a CrCL effect on a
        volume with changing CrCL.

    Notes
    -----
    On haemodialysis the dialyser clearance of each session is the one the
    dose advice uses (measured, or calibrated to the published fraction
    removed, :mod:`pkdose.exposure`); on CRRT the central clearance of
    ``models/crrt.toml``. The patient's own clearance is estimated on top of
    it: the levels measure the total.

    References
    ----------
    .. [1] Le Louedec F, et al. CPT Pharmacometrics Syst Pharmacol.
       2021;10(10):1208-1220. doi:10.1002/psp4.12689
    """
    prod, models = _models(case)
    lv, settings = case.levels, load_tdm_settings()
    t_end = float(lv.time_h.max()) if t_end_h is None else float(t_end_h)
    typical, dosing, extra, extra_cl, t0 = {}, {}, {}, {}, {}
    for a, m in models.items():
        typical[a] = _typical(case, prod, m)
        mg = case.doses.analyte_mg[a]
        given = mg > 0
        dosing[a] = Dosing(case.doses.time_h[given], mg[given], case.doses.infusion_h[given])
        t0[a] = float(case.doses.time_h[given].min())
        extra[a], extra_cl[a] = _extracorporeal(case, m, t_end)
    omega, offsets = _joint_omega({a: SimpleNamespace(model=m) for a, m in models.items()})
    names = tuple((a, n) for a, m in models.items() for n in m.omega_names)
    analyte = np.array(lv.analyte)
    missing = sorted(set(analyte) - set(models))
    if missing:
        raise InputError(f"{{levels}}: no dose of {missing} was given", field="levels")
    sd = {a: settings.residual_sd(models[a]) for a in set(analyte)}
    steps = case.crcl_steps[0] if case.crcl_steps is not None else np.zeros(1)
    return Problem(prod, tuple(models), names, omega, typical, steps, dosing, extra, extra_cl,
                   lv.time_h.copy(), analyte, lv.free.copy(), lv.conc_mg_per_l[None, :].copy(),
                   np.array([sd[a][0] for a in analyte]), np.array([sd[a][1] for a in analyte]),
                   {a: m.fu_fraction for a, m in models.items()}, t0)


def prior_predictive_check(problem, rng=2026):
    r"""Refuse levels that only make sense in another unit; list those far outside the prior.

    Parameters
    ----------
    problem : Problem
        One patient's posterior [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7); fixed by default so the check is repeatable [-].

    Returns
    -------
    list of str
        Warnings: levels outside the 99.8 % prior-predictive range that are
        not unit errors (a sample drawn from the infusion line, a wrong
        sampling time) [-].

    Raises
    ------
    UnitError
        A level at least :data:`UNIT_RATIO` times the prior-predictive median
        and above the whole range (entered in µg/L or ng/mL, when the level
        divided by 1000 lies in the range), or at most its reciprocal and
        below the range (entered in g/L, when times 1000 it lies in the
        range); otherwise such a level is refused as incompatible with the
        record (sampling time, doses, unit) (``field="levels"``).

    Notes
    -----
    :data:`PRIOR_PREDICTIVE_N` virtual patients from the published OMEGA,
    each with the case's dosing, covariates and residual error; the range is
    their 0.1 %-99.9 % quantiles.

    References
    ----------
    .. [1] Bergstrand M, Hooker AC, Wallin JE, Karlsson MO. Prediction-corrected
       visual predictive checks for diagnosing nonlinear mixed-effects models.
       AAPS J. 2011;13(2):143-151. doi:10.1208/s12248-011-9255-z
    """
    gen = np.random.default_rng(rng)
    eta = covariance_etas(PRIOR_PREDICTIVE_N, problem.omega, rng=gen)[None]
    f = problem.predict(eta)[0]
    sim = f * (1 + problem.prop_sd * gen.standard_normal(f.shape)) + problem.add_sd * gen.standard_normal(f.shape)
    lo, med, hi = np.quantile(np.where(sim > 0, sim, f), [PRIOR_PREDICTIVE_TAILS[0], 0.5, PRIOR_PREDICTIVE_TAILS[1]],
                              axis=0)
    warnings = []
    for j, y in enumerate(problem.y[0]):
        what = f"row {j + 1}: {problem.obs_analyte[j]} {y:g} mg/L at {problem.obs_time_h[j]:g} h"
        predicted = f"({med[j]:.3g} mg/L; 99.8 % range {lo[j]:.3g}-{hi[j]:.3g})"
        if y >= UNIT_RATIO * med[j] and y > hi[j]:
            if not lo[j] <= y / _PER_MG <= hi[j]:  # not explained by a unit slip either
                raise UnitError(f"{{levels}} {what} is far above what the model predicts then {predicted}, and "
                                "not in range read as µg/L either: check the sampling time against the dose record "
                                "(hours on one clock), the doses before it and the unit", field="levels")
            raise UnitError(f"{{levels}} {what} is {y / med[j]:.0f} times what the model predicts {predicted}: is "
                            "it in µg/L or ng/mL? Enter mg/L (divide by 1000)", field="levels")
        if y * UNIT_RATIO <= med[j] and y < lo[j]:
            if not lo[j] <= y * _PER_MG <= hi[j]:
                raise UnitError(f"{{levels}} {what} is far below what the model predicts then {predicted}, and "
                                "not in range read as g/L either: check the sampling time against the dose record "
                                "(hours on one clock) and the unit", field="levels")
            raise UnitError(f"{{levels}} {what} is 1/{med[j] / y:.0f} of what the model predicts {predicted}: is "
                            "it in g/L? Enter mg/L (multiply by 1000)", field="levels")
        if not lo[j] <= y <= hi[j]:
            warnings.append(f"level {what} lies outside the model's 99.8 % prior-predictive range "
                            f"({lo[j]:.3g}-{hi[j]:.3g} mg/L): check the sampling time, the dose record and "
                            "that the sample was not drawn from the infusion line")
    return warnings
