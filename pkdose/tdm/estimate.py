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

__all__ = ["MAPResult", "SIRResult", "map_estimate", "laplace_covariance", "sir_posterior", "FD_STEP", "MAX_STEP"]

#: Finite-difference step on the random effects (log scale) for gradient and Hessian (technical) [-].
FD_STEP = 1e-3
#: Largest change of any random effect in one Newton step: e^3 = 20-fold (technical) [-].
MAX_STEP = 3.0
#: Step lengths tried at once along each Newton direction (technical) [-].
_ALPHAS = 0.5 ** np.arange(10)
#: Convergence: gradient of the objective [-], objective change [-] and step [-] (technical).
GTOL, FTOL, XTOL = 1e-4, 1e-9, 1e-7


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
    r"""A sampling-importance-resampling posterior.

    Attributes
    ----------
    samples : numpy.ndarray
        Resampled random effects, (n_resample, k) [-].
    ess : float
        Effective sample size of the importance weights, :math:`1/\sum w^2` [-].
    n_proposal : int
        Proposal draws [-].
    max_weight : float
        Largest normalised importance weight [-].
    """

    samples: np.ndarray
    ess: float
    n_proposal: int
    max_weight: float


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
    """Log density of a standard multivariate t in the whitened coordinates z, (n, k), up to log|L|."""
    k = z.shape[1]
    return (gammaln((df + k) / 2) - gammaln(df / 2) - k / 2 * np.log(df * np.pi)
            - (df + k) / 2 * np.log1p((z ** 2).sum(axis=1) / df))


def sir_posterior(problem, eta_map, cov, n_proposal=20000, n_resample=2000, df=5.0, rng=2026, patient=0):
    r"""Sampling-importance-resampling posterior of one patient's random effects.

    Parameters
    ----------
    problem : Problem
        The posterior [-].
    eta_map : array_like
        MAP random effects, (k,) [-].
    cov : array_like
        Laplace covariance, (k, k): the proposal's scale [-].
    n_proposal : int, optional
        Proposal draws [-].
    n_resample : int, optional
        Samples kept, drawn with replacement in proportion to the weights [-].
    df : float, optional
        Degrees of freedom of the multivariate t proposal (heavier tails than
        the Laplace normal, so that a skewed posterior is still covered) [-].
    rng : None, int or numpy.random.Generator, optional
        Random source (SPEC 7) [-].
    patient : int, optional
        Which of the problem's patients [-].

    Returns
    -------
    SIRResult

    Notes
    -----
    Draws :math:`\eta^{(m)} = \hat\eta + L z^{(m)}`, :math:`z` standard
    multivariate t, :math:`LL^T` the Laplace covariance; weights
    :math:`w_m \propto p(\eta^{(m)} \mid y) / q(\eta^{(m)})` with
    :math:`\log p = -\mathrm{OFV}/2`; resampling in proportion to
    :math:`w`. With an exact posterior the effective sample size
    :math:`1/\sum w_m^2` stays a large fraction of the draws; a small one
    means the Laplace normal misses part of the posterior [1]_ [2]_.

    References
    ----------
    .. [1] Rubin DB. Using the SIR algorithm to simulate posterior
       distributions. Bayesian Statistics 3. Oxford University Press;
       1988:395-402.
    .. [2] Dosne AG, Bergstrand M, Harling K, Karlsson MO. J Pharmacokinet
       Pharmacodyn. 2016;43(6):583-596. doi:10.1007/s10928-016-9487-8
    """
    gen = np.random.default_rng(rng)
    eta_map = np.asarray(eta_map, dtype=float)
    chol = np.linalg.cholesky(np.asarray(cov, dtype=float))
    k = eta_map.size
    z = gen.standard_normal((n_proposal, k)) / np.sqrt(gen.chisquare(df, size=(n_proposal, 1)) / df)
    eta = eta_map + z @ chol.T
    logq = _mvt_logpdf(z, df)
    logp = -0.5 * problem.ofv(eta[None], [patient])[0]
    logw = logp - logq
    logw -= logw[np.isfinite(logw)].max()
    w = np.where(np.isfinite(logw), np.exp(logw), 0.0)
    w /= w.sum()
    idx = gen.choice(n_proposal, size=n_resample, replace=True, p=w)
    return SIRResult(eta[idx], float(1.0 / np.sum(w ** 2)), n_proposal, float(w.max()))
