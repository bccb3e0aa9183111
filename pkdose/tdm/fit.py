r"""One patient's Bayesian fit: MAP parameters, their uncertainty, predictions beside the levels.

:func:`fit` is the entry point: it builds the posterior of a
:class:`~pkdose.tdm.TDMCase` (:func:`~pkdose.tdm.build_problem`), refuses
levels that only make sense in another unit, finds the MAP
(:func:`~pkdose.tdm.map_estimate`) and its Laplace covariance, and returns a
:class:`TDMFit` that says, for every analyte of the product, the individual
clearance and volume with their 90 % credible intervals, whether the analyte
was measured, and if not, what its estimate rests on.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .estimate import laplace_covariance, map_estimate
from .model import build_problem, prior_predictive_check

__all__ = ["TDMFit", "fit", "CREDIBLE_LEVEL", "INTERVAL_SAMPLES"]

#: Credible level of the intervals reported [-].
CREDIBLE_LEVEL = 0.90
#: Draws from the Laplace posterior behind the intervals of derived quantities (technical) [-].
INTERVAL_SAMPLES = 4000
_Z90 = 1.6448536269514722  # standard normal 95th percentile
_VOLUMES = ("v1", "v2", "v3")


@dataclass(frozen=True)
class TDMFit:
    r"""Result of :func:`fit`.

    Attributes
    ----------
    case : TDMCase
        What was fitted [-].
    problem : Problem
        The posterior [-].
    eta : numpy.ndarray
        MAP random effects, (k,) [-].
    cov : numpy.ndarray
        Laplace posterior covariance of the random effects, (k, k) [-].
    ofv : float
        Objective at the MAP [-].
    converged : bool
        The MAP iteration converged [-].
    laplace_ok : bool
        The Hessian at the MAP was positive definite [-].
    warnings : tuple of str
        Levels far outside the prior, convergence problems [-].
    rng_seed : int
        Seed of the interval draws [-].
    """

    case: object
    problem: object
    eta: np.ndarray
    cov: np.ndarray
    ofv: float
    converged: bool
    laplace_ok: bool
    warnings: tuple = ()
    rng_seed: int = 2026
    _draws: np.ndarray = field(default=None, repr=False)

    @property
    def analytes(self):
        """Every analyte of the product given to the patient [-]."""
        return self.problem.analytes

    @property
    def measured(self):
        """Analytes with at least one level [-]."""
        return tuple(a for a in self.analytes if np.any(self.problem.obs_analyte == a))

    def ipred(self):
        """Individual (MAP) predictions at the levels, (n_obs,) [mg/L]."""
        return self.problem.predict(self.eta[None, None])[0, 0]

    def pred(self):
        """Population (typical-patient) predictions at the levels, (n_obs,) [mg/L]."""
        return self.problem.predict(np.zeros((1, 1, self.problem.k)))[0, 0]

    def draws(self):
        """Random effects drawn from the Laplace posterior, (:data:`INTERVAL_SAMPLES`, k), seeded [-]."""
        if self._draws is None:
            gen = np.random.default_rng(self.rng_seed)
            object.__setattr__(self, "_draws", gen.multivariate_normal(self.eta, self.cov, INTERVAL_SAMPLES,
                                                                       method="cholesky"))
        return self._draws

    def individual_parameters(self, eta=None, step=-1):
        r"""Individual structural parameters at one CrCL step (default the latest).

        Parameters
        ----------
        eta : array_like, optional
            Random effects, (k,) or (n, k); default the MAP [-].
        step : int, optional
            Index of the CrCL step [-].

        Returns
        -------
        dict
            Analyte -> parameter -> value (scalar, or (n,) for n draws) [L/h, L].

        References
        ----------
        .. [1] Owen JS, Fiedler-Kelly J. Introduction to Population
           Pharmacokinetic/Pharmacodynamic Analysis with Nonlinear Mixed
           Effects Models. Wiley; 2014. Chapter 2.
        """
        e = self.eta if eta is None else np.asarray(eta, dtype=float)
        batch = np.atleast_2d(e)[None]
        p = self.problem.parameters(batch)
        out = {}
        for a, params in p.items():
            vals = {k: (v[0, :, step] if k == "cl" else v[0]) for k, v in params.items()}
            out[a] = {k: (float(v[0]) if e.ndim == 1 else v) for k, v in vals.items()}
        return out

    def posterior_cv_percent(self, analyte, name):
        r"""Posterior and prior CV of one parameter's random effect (100 x SD on the log scale).

        Parameters
        ----------
        analyte, name : str
            The analyte and parameter (``"cl"``, ``"v1"``, ...) [-].

        Returns
        -------
        tuple of float
            (posterior, prior) [%]; (0, 0) when the parameter has no IIV.

        References
        ----------
        .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
           Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 ('CV %'
           as omega x 100).
        """
        i = self.problem.index.get((analyte, name))
        if i is None:
            return 0.0, 0.0
        return 100 * math.sqrt(self.cov[i, i]), 100 * math.sqrt(self.problem.omega[i, i])

    def inference_note(self, analyte):
        r"""How an analyte's estimate was obtained, and how uncertain it is.

        Parameters
        ----------
        analyte : str
            An analyte of the product [-].

        Returns
        -------
        str

        Notes
        -----
        A measured analyte: its own levels. An unmeasured one: the shared
        covariates and, where the published model has one, the correlation of
        its random effects with the measured analyte's (Xie 2025: aztreonam
        and avibactam clearances, r 0.98); the posterior CV says how much
        that narrowed its prior.

        References
        ----------
        .. [1] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents
           Chemother. 2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (Table S3,
           OMEGA block over both analytes).
        """
        post, prior = self.posterior_cv_percent(analyte, "cl")
        if analyte in self.measured:
            n = int(np.sum(self.problem.obs_analyte == analyte))
            return f"{analyte}: {n} level(s); clearance CV {prior:.0f} % before the levels, {post:.0f} % after"
        i = self.problem.index.get((analyte, "cl"))
        others = [j for (a, _), j in self.problem.index.items() if a in self.measured]
        om = self.problem.omega
        r = max((abs(om[i, j]) / math.sqrt(om[i, i] * om[j, j]) for j in others), default=0.0) if i is not None else 0.0
        if r > 0:
            how = (f"not measured: inferred from the shared covariates and the published correlation of its random "
                   f"effects with the measured analyte's (|r| up to {r:.2f})")
        else:
            how = ("not measured: the published models give no correlation with the measured analyte, so only the "
                   "shared covariates inform it (its prior uncertainty is kept)")
        return f"{analyte}: {how}; clearance CV {prior:.0f} % before the levels, {post:.0f} % after"

    def individual(self):
        r"""One row per analyte: individual CL and Vss with 90 % credible intervals, and how they were inferred.

        Returns
        -------
        list of dict
            ``analyte``, ``measured``, ``cl_l_per_h``, ``cl_90_l_per_h`` ([lo,
            hi]), ``v_l`` (steady-state volume, the sum of the compartments),
            ``v_90_l``, the structural parameters (``v1_l``, ``q2_l_per_h``,
            ...), ``typical_cl_l_per_h`` (the prior's), ``cl_cv_prior_percent``,
            ``cl_cv_posterior_percent``, ``extracorporeal_cl_l_per_h`` and
            ``basis`` (:meth:`inference_note`) [L/h, L, %].

        References
        ----------
        .. [1] Le Louedec F, et al. CPT Pharmacometrics Syst Pharmacol.
           2021;10(10):1208-1220. doi:10.1002/psp4.12689
        """
        best = self.individual_parameters()
        draws = self.individual_parameters(self.draws())
        typical = self.individual_parameters(np.zeros(self.problem.k))
        q = [(1 - CREDIBLE_LEVEL) / 2, (1 + CREDIBLE_LEVEL) / 2]
        rows = []
        for a in self.analytes:
            p, d = best[a], draws[a]
            vss = sum(p[v] for v in _VOLUMES if v in p)
            vss_d = sum(d[v] for v in _VOLUMES if v in d)
            i = self.problem.index.get((a, "cl"))
            sd = math.sqrt(self.cov[i, i]) if i is not None else 0.0
            post, prior = self.posterior_cv_percent(a, "cl")
            row = {"analyte": a, "measured": a in self.measured, "cl_l_per_h": p["cl"],
                   "cl_90_l_per_h": [p["cl"] * math.exp(-_Z90 * sd), p["cl"] * math.exp(_Z90 * sd)],
                   "v_l": vss, "v_90_l": [float(x) for x in np.quantile(vss_d, q)]}
            row.update({(f"{k}_l" if k.startswith("v") else f"{k}_l_per_h"): v for k, v in p.items() if k != "cl"})
            row.update({"typical_cl_l_per_h": typical[a]["cl"], "cl_cv_prior_percent": prior,
                        "cl_cv_posterior_percent": post,
                        "extracorporeal_cl_l_per_h": self.problem.extracorporeal_cl[a],
                        "basis": self.inference_note(a)})
            rows.append(row)
        return rows


def fit(case, *, rng=2026, check_units=True):
    r"""Bayesian (MAP) fit of one patient's levels with the published model as prior.

    Parameters
    ----------
    case : TDMCase
        Doses, levels, covariates and renal state [-].
    rng : int, optional
        Seed of the prior-predictive check and of the interval draws (SPEC 7);
        fixed by default so that a report is repeatable [-].
    check_units : bool, optional
        Refuse a level that only makes sense in another unit
        (:func:`~pkdose.tdm.prior_predictive_check`) [-].

    Returns
    -------
    TDMFit

    Raises
    ------
    UnitError
        A level in µg/L, ng/mL or g/L instead of mg/L (``field="levels"``).
    InputError
        Every check of :class:`~pkdose.tdm.TDMCase` and
        :func:`~pkdose.tdm.build_problem`.

    Notes
    -----
    The objective and its assumptions are stated in :mod:`pkdose.tdm.model`;
    the optimiser and the Laplace covariance in :mod:`pkdose.tdm.estimate`.

    References
    ----------
    .. [1] Le Louedec F, Puisset F, Thomas F, Chatelut E, White-Koning M.
       CPT Pharmacometrics Syst Pharmacol. 2021;10(10):1208-1220.
       doi:10.1002/psp4.12689
    .. [2] Sheiner LB, Beal S, Rosenberg B, Marathe VV. Forecasting individual
       pharmacokinetics. Clin Pharmacol Ther. 1979;26(3):294-305.
       doi:10.1002/cpt1979263294

    Examples
    --------
    >>> from pkdose.exposure import Covariates
    >>> from pkdose.patient import Native
    >>> from pkdose.tdm import TDMCase, dose_history, levels
    >>> case = TDMCase(dose_history("cefiderocol", [0, 8, 16, 24, 32], [2000] * 5, [3] * 5),
    ...                levels("cefiderocol", [35.0, 39.9], [80.0, 30.0]), Covariates(60.0, Native(), weight_kg=70))
    >>> f = fit(case)
    >>> round(f.individual()[0]["cl_l_per_h"], 2)
    4.69
    """
    if not isinstance(rng, (int, np.integer)):
        raise InputError(f"rng must be an integer seed so that the report is repeatable, got {rng!r}", field="seed")
    problem = build_problem(case)
    warnings = list(prior_predictive_check(problem, rng) if check_units else [])
    result = map_estimate(problem)
    cov, positive = laplace_covariance(problem, result.eta)
    if not result.converged[0]:
        warnings.append(f"the MAP search did not converge (largest gradient {result.gradient_norm[0]:.2g}): "
                        "treat the individual estimates with caution")
    if not positive[0]:
        warnings.append("the posterior is not locally normal at the MAP (Hessian not positive definite): the "
                        "credible intervals are approximate")
    return TDMFit(case, problem, result.eta[0], cov[0], float(result.ofv[0]), bool(result.converged[0]),
                  bool(positive[0]), tuple(warnings), int(rng))
