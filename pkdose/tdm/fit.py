r"""One patient's Bayesian fit: MAP parameters, their uncertainty, predictions beside the levels.

:func:`fit` is the entry point: it builds the posterior of a
:class:`~pkdose.tdm.TDMCase` (:func:`~pkdose.tdm.build_problem`), refuses
levels that only make sense in another unit, finds the MAP
(:func:`~pkdose.tdm.map_estimate`) and its Laplace covariance, samples the
posterior by importance sampling around it (:func:`~pkdose.tdm.sir_posterior`),
and returns a :class:`TDMFit` that says, for every analyte of the product, the
individual clearance and volume with their 90 % credible intervals, whether
the analyte was measured, and if not, what its estimate rests on.

Why the posterior mean as well as the MAP
    With two or three levels and a proportional residual error the posterior
    of the random effects is asymmetric, so its mode (the MAP) sits above
    its mean in clearance: +3 to +9 % in pkdose's simulation-estimation
    study (``docs/tdm.md``), larger with a larger residual SD. The
    log-variance term of the proportional error is in both (it belongs to
    the exact likelihood: without it the MAP bias moves to -5 to +1 % but
    the posterior mean becomes 4-11 % low, a check made in review). The posterior mean of the random effects has no such
    bias and the importance-sampling intervals cover the truth at their
    nominal rate, so they are what the dose advice uses; the MAP is reported
    beside them (it is what NONMEM's POSTHOC and mapbayr report).
"""

import math
from dataclasses import dataclass

import numpy as np

from ..errors import InputError
from .estimate import laplace_covariance, map_estimate, sir_posterior
from .model import build_problem, prior_predictive_check

__all__ = ["TDMFit", "fit", "CREDIBLE_LEVEL", "INTERVAL_SAMPLES", "MIN_ESS"]

#: Credible level of the intervals reported [-].
CREDIBLE_LEVEL = 0.90
#: Draws from the Laplace posterior behind the intervals when importance sampling fails (technical) [-].
INTERVAL_SAMPLES = 4000
#: Least effective sample size of the importance sampling for its posterior to be used (technical) [-].
MIN_ESS = 200
#: A level whose log ratio to the individual prediction exceeds this many proportional residual SDs is
#: reported as not described by the fit (technical) [-].
MISFIT_SD = 3.0
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
    eta_map : numpy.ndarray
        MAP random effects, (k,) [-].
    cov_laplace : numpy.ndarray
        Laplace covariance at the MAP, (k, k) [-].
    ofv : float
        Objective at the MAP [-].
    converged : bool
        The MAP iteration converged [-].
    laplace_ok : bool
        The Hessian at the MAP was positive definite [-].
    eta : numpy.ndarray
        Posterior mean of the random effects (importance sampling; the MAP
        when the sampling failed), (k,): the estimate the advice uses [-].
    cov : numpy.ndarray
        Posterior covariance (importance sampling, else Laplace), (k, k) [-].
    samples : numpy.ndarray
        Draws from the posterior, (n, k) [-].
    ess : float
        Effective sample size of the importance sampling (0 when not used) [-].
    posterior : str
        ``"importance sampling"`` or ``"Laplace"`` [-].
    warnings : tuple of str
        Levels far outside the prior, convergence problems [-].
    rng_seed : int
        Seed of the sampling [-].
    """

    case: object
    problem: object
    eta_map: np.ndarray
    cov_laplace: np.ndarray
    ofv: float
    converged: bool
    laplace_ok: bool
    eta: np.ndarray
    cov: np.ndarray
    samples: np.ndarray
    ess: float
    posterior: str
    warnings: tuple = ()
    rng_seed: int = 2026

    @property
    def analytes(self):
        """Every analyte of the product given to the patient [-]."""
        return self.problem.analytes

    @property
    def measured(self):
        """Analytes with at least one level [-]."""
        return tuple(a for a in self.analytes if np.any(self.problem.obs_analyte == a))

    def ipred(self):
        """Individual predictions at the levels (posterior-mean parameters), (n_obs,) [mg/L]."""
        return self.problem.predict(self.eta[None, None])[0, 0]

    def ipred_map(self):
        """Individual predictions at the levels with the MAP parameters, (n_obs,) [mg/L]."""
        return self.problem.predict(self.eta_map[None, None])[0, 0]

    def pred(self):
        """Population (typical-patient) predictions at the levels, (n_obs,) [mg/L]."""
        return self.problem.predict(np.zeros((1, 1, self.problem.k)))[0, 0]

    def draws(self):
        """Draws from the posterior, (n, k) [-]."""
        return self.samples

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
            ``analyte``, ``measured``, ``cl_l_per_h`` (posterior geometric
            mean), ``cl_90_l_per_h`` ([lo, hi]), ``cl_map_l_per_h`` (the MAP),
            ``v_l`` (steady-state volume, the sum of the compartments),
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
        mode = self.individual_parameters(self.eta_map)
        draws = self.individual_parameters(self.draws())
        typical = self.individual_parameters(np.zeros(self.problem.k))
        q = [(1 - CREDIBLE_LEVEL) / 2, (1 + CREDIBLE_LEVEL) / 2]
        rows = []
        for a in self.analytes:
            p, d = best[a], draws[a]
            vss = sum(p[v] for v in _VOLUMES if v in p)
            vss_d = sum(d[v] for v in _VOLUMES if v in d)
            post, prior = self.posterior_cv_percent(a, "cl")
            row = {"analyte": a, "measured": a in self.measured, "cl_l_per_h": p["cl"],
                   "cl_90_l_per_h": [float(x) for x in np.quantile(d["cl"], q)], "cl_map_l_per_h": mode[a]["cl"],
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
    >>> row = fit(case).individual()[0]
    >>> round(row["cl_l_per_h"], 2), round(row["cl_map_l_per_h"], 2), f"{row['cl_cv_posterior_percent']:.0f} %"
    (4.48, 4.69, '15 %')
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
        warnings.append("the posterior is not locally normal at the MAP (Hessian not positive definite)")
    sir = sir_posterior(problem, result.eta, cov, rng=rng)
    if sir.ess[0] >= MIN_ESS:
        eta, post, samples, method = sir.mean[0], sir.cov[0], sir.samples[0], "importance sampling"
    else:
        gen = np.random.default_rng(rng)
        eta, post, method = result.eta[0], cov[0], "Laplace"
        samples = gen.multivariate_normal(eta, post, INTERVAL_SAMPLES, method="cholesky")
        warnings.append(f"importance sampling of the posterior was inefficient (effective sample size "
                        f"{sir.ess[0]:.0f} < {MIN_ESS}): the Laplace approximation at the MAP is used")
    warnings += _misfit(problem, eta)
    return TDMFit(case, problem, result.eta[0], cov[0], float(result.ofv[0]), bool(result.converged[0]),
                  bool(positive[0]), eta, post, samples, float(sir.ess[0]), method, tuple(warnings), int(rng))


def _misfit(problem, eta):
    """Warnings for levels the fit does not describe: prior-data conflict or a wrong record."""
    f = problem.predict(eta[None, None])[0, 0]
    out = []
    for j, (y, p, sd) in enumerate(zip(problem.y[0], f, problem.prop_sd)):
        if abs(math.log(y / p)) > MISFIT_SD * max(sd, 0.05):
            out.append(f"level row {j + 1} ({problem.obs_analyte[j]} {y:g} mg/L at {problem.obs_time_h[j]:g} h) is "
                       f"not described by the fit (individual prediction {p:.3g} mg/L): the levels conflict with the "
                       "prior for this patient; check the dose and sampling times and the renal inputs (a CrCL that "
                       "differs from the patient's, or residual renal function on dialysis or CRRT higher than "
                       "entered) before using the advice")
    return out
