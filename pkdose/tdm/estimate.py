r"""MAP estimation, its Laplace uncertainty, and a sampling-importance-resampling check.

:func:`map_estimate` minimises the objective of :meth:`Problem.ofv` for many
patients at once (they share the design, so every evaluation is one
vectorised call of the exact engine): a damped Newton iteration on the
random effects with finite-difference gradient and Hessian, the Hessian's
eigenvalues made positive (so every step descends), a step capped in size
and a batched backtracking line search. The curvature at the optimum gives
the Laplace approximation of the posterior,
:math:`\eta \mid y \approx N(\hat\eta, 2 H^{-1})` (the objective is
:math:`-2 \log p`), the quantity mapbayr and NONMEM report as the
covariance of the MAP estimate [1]_. :func:`sir_posterior` checks it by
sampling-importance-resampling from a multivariate t proposal [2]_ [3]_.

References
----------
.. [1] Le Louedec F, Puisset F, Thomas F, Chatelut E, White-Koning M. Easy and
   reliable maximum a posteriori Bayesian estimation of pharmacokinetic
   parameters with the open-source R package mapbayr. CPT Pharmacometrics
   Syst Pharmacol. 2021;10(10):1208-1220. doi:10.1002/psp4.12689
.. [2] Rubin DB. Using the SIR algorithm to simulate posterior distributions.
   In: Bernardo JM, et al., eds. Bayesian Statistics 3. Oxford University
   Press; 1988:395-402.
.. [3] Dosne AG, Bergstrand M, Harling K, Karlsson MO. Improving the
   estimation of parameter uncertainty distributions in nonlinear mixed
   effects models using sampling importance resampling. J Pharmacokinet
   Pharmacodyn. 2016;43(6):583-596. doi:10.1007/s10928-016-9487-8
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

from ..pta import covariance_etas

__all__ = ["MAPResult", "SIRResult", "map_estimate", "laplace_covariance", "sir_posterior", "FD_STEP", "MAX_STEP",
           "SIR_PROPOSALS"]

#: Finite-difference step on the random effects (log scale) for gradient and Hessian (technical) [-].
FD_STEP = 1e-3
#: Largest change of any random effect in one Newton step: e^3 = 20-fold (technical) [-].
MAX_STEP = 3.0
#: Step lengths tried at once along each Newton direction (technical) [-].
_ALPHAS = 0.5 ** np.arange(10)
#: Convergence: gradient of the objective [-], objective change [-] and step [-] (technical).
GTOL, FTOL, XTOL = 1e-4, 1e-9, 1e-7
#: SIR: proposal draws and resampled draws per patient, t degrees of freedom, share drawn from the
#: prior (defensive mixture), engine rows per call (memory) (technical) [-].
SIR_PROPOSALS, SIR_RESAMPLES, SIR_DF, SIR_DEFENSIVE, SIR_ROWS_PER_CALL = 10_000, 4_000, 5.0, 0.2, 100_000


@dataclass(frozen=True)
class MAPResult:
    r"""Maximum a posteriori random effects of P patients.

    Attributes
    ----------
    eta : numpy.ndarray
        MAP random effects, (P, k) [-].
    ofv : numpy.ndarray
        Objective at the MAP, (P,) [-].
    gradient_norm : numpy.ndarray
        Largest gradient component at the MAP, (P,) [-].
    converged : numpy.ndarray of bool
        Gradient below tolerance, or no further decrease possible at a flat
        minimum, (P,) [-].
    iterations : int
        Newton iterations used [-].
    """

    eta: np.ndarray
    ofv: np.ndarray
    gradient_norm: np.ndarray
    converged: np.ndarray
    iterations: int


@dataclass(frozen=True)
class SIRResult:
    r"""A sampling-importance-resampling posterior of P patients.

    Attributes
    ----------
    samples : numpy.ndarray
        Resampled random effects, (P, n_resample, k) [-].
    mean : numpy.ndarray
        Posterior mean of the random effects (weighted), (P, k) [-].
    cov : numpy.ndarray
        Posterior covariance (weighted), (P, k, k) [-].
    ess : numpy.ndarray
        Effective sample size of the importance weights, :math:`1/\sum w^2`, (P,) [-].
    n_proposal : int
        Proposal draws per patient [-].
    """

    samples: np.ndarray
    mean: np.ndarray
    cov: np.ndarray
    ess: np.ndarray
    n_proposal: int


def _points(x, h):
    """Evaluation points of the central-difference gradient and Hessian, (P, 1 + k + k^2, k)."""
    p, k = x.shape
    eye = np.eye(k) * h
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    steps = [np.zeros(k)] + list(eye) + list(-eye) + [eye[i] + eye[j] for i, j in pairs] \
        + [-eye[i] - eye[j] for i, j in pairs]
    return x[:, None, :] + np.array(steps)[None], pairs


def _derivatives(problem, x, patients, h=FD_STEP):
    """Objective, gradient and Hessian by central differences, batched over patients."""
    p, k = x.shape
    pts, pairs = _points(x, h)
    f = problem.ofv(pts, patients)
    f0, fp, fm = f[:, 0], f[:, 1:1 + k], f[:, 1 + k:1 + 2 * k]
    g = (fp - fm) / (2 * h)
    hess = np.empty((p, k, k))
    hess[:, np.arange(k), np.arange(k)] = (fp - 2 * f0[:, None] + fm) / h ** 2
    base = 1 + 2 * k
    for n, (i, j) in enumerate(pairs):
        fpp, fmm = f[:, base + n], f[:, base + len(pairs) + n]
        hess[:, i, j] = hess[:, j, i] = (fpp - fp[:, i] - fp[:, j] + 2 * f0 - fm[:, i] - fm[:, j] + fmm) / (2 * h ** 2)
    return f0, g, hess


def _positive_definite(hess):
    """Eigen-decomposition with eigenvalues replaced by their magnitude, floored (saddle-free Newton)."""
    w, v = np.linalg.eigh(hess)
    floor = 1e-8 * np.maximum(1.0, np.abs(w).max(axis=1, keepdims=True))
    return np.maximum(np.abs(w), floor), v


def map_estimate(problem, starts=None, max_iter=100):
    r"""Maximum a posteriori random effects of every patient of a problem.

    Parameters
    ----------
    problem : Problem
        From :func:`pkdose.tdm.build_problem` (P patients sharing a design) [-].
    starts : array_like, optional
        Starting random effects, (S, k) shared by all patients or (P, S, k);
        default the prior mode 0 and, for each clearance, +-1 prior SD [-].
    max_iter : int, optional
        Most Newton iterations [-].

    Returns
    -------
    MAPResult
        The best of the starts for each patient.

    Notes
    -----
    Damped Newton with a positive-definite modification of the
    finite-difference Hessian (|eigenvalues|), steps capped at
    :data:`MAX_STEP` per random effect, and a line search over the step
    lengths :math:`2^{-i}`, all patients and step lengths in one engine call.
    Several starts guard against a local minimum of a sparse, non-linear
    problem (e.g. a trough that could come from a small volume or a large
    clearance).

    References
    ----------
    .. [1] Nocedal J, Wright SJ. Numerical Optimization. 2nd ed. Springer;
       2006. Chapter 3 (line search Newton with Hessian modification) and
       Chapter 8 (finite-difference derivatives).
    .. [2] Le Louedec F, et al. CPT Pharmacometrics Syst Pharmacol.
       2021;10(10):1208-1220. doi:10.1002/psp4.12689
    """
    p, k = problem.n_patients, problem.k
    x0 = _default_starts(problem) if starts is None else np.asarray(starts, dtype=float)
    x0 = np.broadcast_to(x0, (p,) + x0.shape[-2:]) if x0.ndim == 2 else x0
    s = x0.shape[1]
    who = np.repeat(np.arange(p), s)
    x = x0.reshape(p * s, k).copy()
    f = problem.ofv(x[:, None, :], who)[:, 0]
    gnorm = np.full(p * s, np.inf)
    done = np.zeros(p * s, dtype=bool)
    it = 0
    for it in range(1, max_iter + 1):
        act = np.nonzero(~done)[0]
        if not act.size:
            break
        f0, g, hess = _derivatives(problem, x[act], who[act])
        gnorm[act] = np.abs(g).max(axis=1)
        w, v = _positive_definite(hess)
        d = -np.einsum("pij,pj->pi", v, np.einsum("pji,pj->pi", v, g) / w)
        d *= np.minimum(1.0, MAX_STEP / np.maximum(np.abs(d).max(axis=1), 1e-300))[:, None]
        trial = x[act, None, :] + _ALPHAS[None, :, None] * d[:, None, :]
        ft = problem.ofv(trial, who[act])
        best = np.argmin(ft, axis=1)
        fbest = ft[np.arange(act.size), best]
        better = fbest < f0
        step = np.abs(_ALPHAS[best][:, None] * d).max(axis=1)
        x[act[better]] = trial[better, best[better]]
        f[act] = np.where(better, fbest, f0)
        small = (gnorm[act] < GTOL) | ~better | ((f0 - fbest < FTOL * (1 + np.abs(f0))) & (step < XTOL))
        done[act[small]] = True
    x = x.reshape(p, s, k)
    f = f.reshape(p, s)
    pick = np.argmin(f, axis=1)
    eta = x[np.arange(p), pick]
    _, g, hess = _derivatives(problem, eta, np.arange(p))
    gn = np.abs(g).max(axis=1)
    converged = (gn < 100 * GTOL) | (np.linalg.eigvalsh(hess).min(axis=1) > 0) & (gn < 1e-2)
    return MAPResult(eta, f[np.arange(p), pick], gn, converged, it)


def _default_starts(problem):
    """The prior mode and +-1 prior SD of each clearance, the other random effects at 0."""
    starts = [np.zeros(problem.k)]
    for (a, name), i in problem.index.items():
        if name == "cl" and np.any(problem.obs_analyte == a):
            for sign in (1.0, -1.0):
                s = np.zeros(problem.k)
                s[i] = sign * np.sqrt(problem.omega[i, i])
                starts.append(s)
    return np.array(starts)


def laplace_covariance(problem, eta, patients=None):
    r"""Posterior covariance of the random effects by the Laplace approximation at the MAP.

    Parameters
    ----------
    problem : Problem
        The posterior [-].
    eta : array_like
        MAP random effects, (P, k) [-].
    patients : array_like of int, optional
        Which of the problem's patients the rows are [-].

    Returns
    -------
    cov : numpy.ndarray
        :math:`2 H^{-1}`, (P, k, k) [-].
    positive : numpy.ndarray of bool
        Whether the Hessian was positive definite; where it is not, its
        eigenvalues' magnitudes are used (P,) [-].

    Notes
    -----
    The objective is :math:`-2 \log p(\eta \mid y)`, so the Hessian of
    :math:`-\log p` is :math:`H/2` and the normal approximation's covariance
    :math:`2 H^{-1}`.

    References
    ----------
    .. [1] Tierney L, Kadane JB. Accurate approximations for posterior moments
       and marginal densities. J Am Stat Assoc. 1986;81(393):82-86.
       doi:10.1080/01621459.1986.10478240
    """
    eta = np.atleast_2d(np.asarray(eta, dtype=float))
    who = np.arange(eta.shape[0]) if patients is None else np.asarray(patients)
    _, _, hess = _derivatives(problem, eta, who)
    w = np.linalg.eigvalsh(hess)
    positive = w.min(axis=1) > 0
    wm, v = _positive_definite(hess)
    cov = 2.0 * np.einsum("pij,pj,pkj->pik", v, 1.0 / wm, v)
    return cov, positive


def _mvt_logpdf(z, df):
    """Log density of a standard multivariate t at whitened points z, (..., k)."""
    k = z.shape[-1]
    return (gammaln((df + k) / 2) - gammaln(df / 2) - k / 2 * np.log(df * np.pi)
            - (df + k) / 2 * np.log1p((z ** 2).sum(axis=-1) / df))


def _mvn_logpdf(x, cov):
    """Log density of N(0, cov) at x, (..., k)."""
    chol = np.linalg.cholesky(cov)
    z = np.linalg.solve(chol, np.moveaxis(x, -1, 0).reshape(cov.shape[0], -1)).T.reshape(x.shape)
    return -0.5 * (z ** 2).sum(axis=-1) - np.log(np.diag(chol)).sum() - x.shape[-1] / 2 * np.log(2 * np.pi)


def sir_posterior(problem, eta_map, cov, patients=None, *, n_proposal=SIR_PROPOSALS, n_resample=SIR_RESAMPLES,
                  df=SIR_DF, defensive=SIR_DEFENSIVE, rng=2026, chunk=None):
    r"""Sampling-importance-resampling posterior of the random effects, batched over patients.

    Parameters
    ----------
    problem : Problem
        The posterior [-].
    eta_map : array_like
        MAP random effects, (P, k) (or (k,) for one patient) [-].
    cov : array_like
        Laplace covariances, (P, k, k) (or (k, k)): the proposal's scale [-].
    patients : array_like of int, optional
        Which of the problem's patients the rows are; default all [-].
    n_proposal : int, optional
        Proposal draws per patient [-].
    n_resample : int, optional
        Samples kept per patient, drawn with replacement in proportion to the
        weights [-].
    df : float, optional
        Degrees of freedom of the multivariate t proposal (heavier tails than
        the Laplace normal) [-].
    defensive : float, optional
        Share of the proposal drawn from the prior (defensive mixture), so
        that a posterior the Laplace normal misses is still reached [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    chunk : int, optional
        Patients per engine call (memory) [-].

    Returns
    -------
    SIRResult

    Notes
    -----
    Proposal :math:`q = (1 - d)\, t_\nu(\hat\eta, \Sigma_L) + d\, N(0, \Omega)`;
    weights :math:`w_m \propto p(\eta^{(m)} \mid y) / q(\eta^{(m)})` with
    :math:`\log p = -\mathrm{OFV}/2`; posterior mean and covariance are the
    weighted moments; resampling in proportion to :math:`w`. The effective
    sample size :math:`1/\sum w_m^2` says how well the proposal covered the
    posterior [1]_ [2]_ [3]_.

    References
    ----------
    .. [1] Rubin DB. Using the SIR algorithm to simulate posterior
       distributions. Bayesian Statistics 3. Oxford University Press;
       1988:395-402.
    .. [2] Dosne AG, Bergstrand M, Harling K, Karlsson MO. J Pharmacokinet
       Pharmacodyn. 2016;43(6):583-596. doi:10.1007/s10928-016-9487-8
    .. [3] Hesterberg T. Weighted average importance sampling and defensive
       mixture distributions. Technometrics. 1995;37(2):185-194.
       doi:10.1080/00401706.1995.10484303
    """
    gen = np.random.default_rng(rng)
    eta_map = np.atleast_2d(np.asarray(eta_map, dtype=float))
    cov = np.asarray(cov, dtype=float).reshape((-1,) + (eta_map.shape[1],) * 2)
    who = np.arange(eta_map.shape[0]) if patients is None else np.asarray(patients)
    p, k = eta_map.shape
    chunk = chunk or max(1, SIR_ROWS_PER_CALL // n_proposal)
    mean, covs, ess = np.empty((p, k)), np.empty((p, k, k)), np.empty(p)
    samples = np.empty((p, n_resample, k))
    for s in range(0, p, chunk):
        idx = np.arange(s, min(p, s + chunk))
        m = idx.size
        chol = np.linalg.cholesky(cov[idx])
        z = gen.standard_normal((m, n_proposal, k)) / np.sqrt(gen.chisquare(df, (m, n_proposal, 1)) / df)
        eta = eta_map[idx, None, :] + np.einsum("pij,pmj->pmi", chol, z)
        n_prior = gen.binomial(n_proposal, defensive)
        if n_prior:
            eta[:, :n_prior] = covariance_etas(m * n_prior, problem.omega, rng=gen).reshape(m, n_prior, k)
        white = np.linalg.solve(chol[:, None], (eta - eta_map[idx, None, :])[..., None])[..., 0]
        logt = _mvt_logpdf(white, df) - np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1)[:, None]
        logq = np.logaddexp(np.log1p(-defensive) + logt, np.log(defensive) + _mvn_logpdf(eta, problem.omega))
        logw = -0.5 * problem.ofv(eta, who[idx]) - logq
        logw -= np.max(np.where(np.isfinite(logw), logw, -np.inf), axis=1, keepdims=True)
        w = np.where(np.isfinite(logw), np.exp(logw), 0.0)
        w /= w.sum(axis=1, keepdims=True)
        mean[idx] = np.einsum("pm,pmk->pk", w, eta)
        d = eta - mean[idx, None, :]
        covs[idx] = np.einsum("pm,pmi,pmj->pij", w, d, d)
        ess[idx] = 1.0 / (w ** 2).sum(axis=1)
        for j, i in enumerate(idx):
            samples[i] = eta[j, gen.choice(n_proposal, size=n_resample, replace=True, p=w[j])]
    return SIRResult(samples, mean, covs, ess, n_proposal)
