r"""Zeros of a constant plus a sum of decaying exponentials, vectorised, without a time grid.

On every interval of constant input and clearance the central concentration of
an :math:`n`-compartment model is

.. math::  f(s) = c + \sum_{j=1}^{n} w_j e^{-\lambda_j s}.

Such a function has at most :math:`n` zeros, and its derivative
:math:`f'(s) = -\sum_j \lambda_j w_j e^{-\lambda_j s}` at most :math:`n - 1`
(Descartes' rule of signs holds for exponential sums: no more zeros than sign
changes in the coefficients ordered by rate [1]_). Multiplying :math:`f'` by
:math:`e^{\lambda_n s}` (the smallest rate) gives again a constant plus
:math:`n - 1` exponentials with the same zeros, so the turning points are found
by the same method one level down, and one exponential is solved in closed
form. Between consecutive turning points :math:`f` is monotone: a sign change
there brackets exactly one zero, which a safeguarded Newton iteration
(bisection whenever a Newton step leaves the bracket or stalls [2]_) solves
to :data:`ROOT_TOL_H`.

When all :math:`w_j` share a sign (no turning point: the usual case),
:math:`h(s) = \ln|\sum_j w_j e^{-\lambda_j s}| - \ln|c|` is convex and
decreasing (a log-sum-exp of linear functions [3]_) and nearly linear, exactly
so for one exponential. Newton's method on :math:`h` from a point left of the
zero then climbs monotonically onto it, and any Newton step lands left of it;
it is solved by Halley's method (Newton's where Halley's step would be
long), converging in two or three steps from the exponential-interpolation
start (:func:`solve_log`). Many crossings at once (every threshold a
population's stretches cross) start from the inverse cubic Hermite through
both stretch ends and take two Halley steps each (:class:`LogCrossings`).

Arrays: coefficient arrays ``w`` and rates ``lam`` have the term index first,
shape (m, ...); ``c``, ``p``, ``q`` broadcast against the rest.

References
----------
.. [1] Pólya G, Szegő G. Problems and Theorems in Analysis II. Berlin:
   Springer; 1976. Part V, Problem 75 (zeros of exponential sums, the
   generalised rule of signs).
.. [2] Press WH, Teukolsky SA, Vetterling WT, Flannery BP. Numerical Recipes.
   3rd ed. Cambridge University Press; 2007. Section 9.4 (rtsafe: Newton's
   method safeguarded by bisection).
.. [3] Boyd S, Vandenberghe L. Convex Optimization. Cambridge University
   Press; 2004. Section 3.1.5 (log-sum-exp is convex).
"""

import numpy as np

__all__ = ["ROOT_TOL_H"]

#: Convergence tolerance of the crossing and turning-point times [h]; the engine promises 1e-9 h.
ROOT_TOL_H = 1e-11

#: Newton iterations at most: bisection alone halves a 10^4-h bracket to 1e-11 h in 50 [-].
_MAXITER = 100

#: Elements solved at once: keeps each work array small (cache-resident, no fresh pages) [-].
BLOCK = 8192

#: The log-Halley iteration stops after a Halley step below the first (cubic convergence: the
#: error left is of order K step^3 with K ~ lambda^2 < 100 / h^2, below 1e-10 h) or a Newton step
#: below the second (quadratic: error of order lambda step^2) [h].
_HALLEY_STOP_H, _NEWTON_STOP_H = 1e-4, 1e-6


def _blocked(solver):
    """Run an element-wise solver on consecutive blocks of at most ``BLOCK`` elements."""
    def run(c, w, lam, p, q, fp, fq, tol=ROOT_TOL_H):
        c, p, q, fp, fq = np.broadcast_arrays(c, p, q, fp, fq)
        if p.size <= BLOCK:
            return solver(c, w, lam, p, q, fp, fq, tol)
        out = np.empty(p.shape)
        for s in range(0, p.size, BLOCK):
            b = slice(s, s + BLOCK)
            out[b] = solver(c[b], w[:, b], lam[:, b], p[b], q[b], fp[b], fq[b], tol)
        return out
    run.__doc__, run.__name__ = solver.__doc__, solver.__name__
    return run


def value(c, w, lam, s):
    """``c + sum_j w[j] exp(-lam[j] s)``."""
    out = c + w[0] * np.exp(-lam[0] * s)
    for j in range(1, len(w)):
        out = out + w[j] * np.exp(-lam[j] * s)
    return out


def slope_terms(w, lam):
    """Constant and terms whose zeros are the turning points of ``c + sum w exp(-lam s)``.

    ``lam`` must be sorted, largest first: f'(s) exp(lam[-1] s) / -1 is
    ``lam[-1] w[-1] + sum_{j<m} lam[j] w[j] exp(-(lam[j] - lam[-1]) s)``.
    """
    return lam[-1] * w[-1], lam[:-1] * w[:-1], lam[:-1] - lam[-1]


def may_turn(w):
    """Whether ``c + sum w exp(-lam s)`` can have a turning point: the coefficients change sign."""
    return np.any(w > 0, axis=0) & np.any(w < 0, axis=0)


def zeros(c, w, lam, p, q):
    """All zeros strictly inside (p, q), sorted, NaN-padded: shape (m, ...) for m terms.

    Only zeros where the function changes sign are returned (a zero that only
    touches is not a turning point of the next level up, nor a crossing).
    """
    m = len(w)
    c, p, q = np.broadcast_arrays(c, p, q)
    if m == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.log(-w[0] / c) / lam[0]
        return np.where((s > p) & (s < q), s, np.nan)[None]
    edges = np.concatenate([p[None], zeros(*slope_terms(w, lam), p, q), q[None]])
    edges = np.where(np.isnan(edges), q, edges)
    f = value(c, w, lam, edges)
    out = np.full((m,) + c.shape, np.nan)
    for k in range(m):
        change = f[k] * f[k + 1] < 0
        if np.any(change):
            at = np.nonzero(change)
            out[(k,) + at] = solve(c[at], w[(slice(None),) + at], lam[(slice(None),) + at], edges[k][at],
                                   edges[k + 1][at], f[k][at], f[k + 1][at])
    return np.sort(out, axis=0)


def guess(c, w, lam, p, q, fp, fq):
    """Starting point inside [p, q]: exact for one exponential, else regula falsi.

    The deviation ``f - c`` is interpolated as one exponential through both
    ends, ``(fp - c) exp(-mu (s - p))``, when the two ends and the target
    deviation ``-c`` share a sign.
    """
    dp, dq = fp - c, fq - c
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.log(dp / -c) / np.log(dp / dq)
        linear = fp / (fp - fq)
    frac = np.where((frac >= 0) & (frac <= 1), frac, linear)
    return p + (q - p) * np.where(np.isfinite(frac), frac, 0.5)


@_blocked
def solve(c, w, lam, p, q, fp, fq, tol=ROOT_TOL_H):
    """The zero in [p, q] of ``c + sum w exp(-lam s)``, where ``fp`` and ``fq`` (the values at p, q) differ in sign.

    Vectorised safeguarded Newton (rtsafe): a Newton step that leaves the
    bracket, or does not halve the step before last, is replaced by bisection;
    the bracket shrinks every iteration. Elements stop at ``|step| < tol``.
    Converged elements are dropped from the work arrays once they are the
    majority, so that a few slow elements do not cost a full pass each.
    """
    p, q, fp, fq = (np.array(a, dtype=float) for a in np.broadcast_arrays(p, q, fp, fq))
    c = np.broadcast_to(c, p.shape)
    out = np.empty(p.shape)
    idx = np.arange(p.size)
    t = guess(c, w, lam, p, q, fp, fq)
    dx_old = q - p
    done = np.zeros(p.shape, bool)
    for _ in range(_MAXITER):
        e = w * np.exp(-lam * t)
        f = c + e.sum(axis=0)
        df = -(lam * e).sum(axis=0)
        left = f * fp > 0  # t is on p's side: the zero lies beyond it
        p = np.where(left, t, p)
        fp = np.where(left, f, fp)
        q = np.where(left, q, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            dx = f / df
        t_new = t - dx
        newton = (t_new > p) & (t_new < q) & (np.abs(2.0 * dx) <= np.abs(dx_old))
        dx = np.where(newton, dx, 0.5 * (q - p))
        t_new = np.where(newton, t_new, 0.5 * (p + q))
        dx_old = np.where(done, dx_old, dx)
        finished = (np.abs(dx) < tol) | (f == 0)
        t = np.where(done, t, np.where(f == 0, t, t_new))
        done |= finished
        if done.all():
            break
        if done.sum() * 2 > done.size:  # compact: keep the unfinished
            out[idx[done]] = t[done]
            keep = ~done
            idx, t, p, q, fp, dx_old = idx[keep], t[keep], p[keep], q[keep], fp[keep], dx_old[keep]
            c, w, lam = c[keep], w[:, keep], lam[:, keep]
            done = done[keep]
    out[idx] = t
    return out


@_blocked
def solve_log(c, w, lam, p, q, fp, fq, tol=ROOT_TOL_H):
    """The zero in [p, q] of ``c + sum w exp(-lam s)`` when every ``w`` shares one sign.

    Halley's method on the convex, decreasing, nearly linear
    ``h(s) = ln|sum w exp(-lam s)| - ln|c|`` from the exponential-interpolation
    guess (:func:`halley_log`).
    """
    p, q = np.broadcast_arrays(p, q)
    c = np.broadcast_to(c, p.shape)
    return halley_log(np.log(np.abs(c)), w, lam, p, q, guess(c, w, lam, p, q, fp, fq), tol)


def halley_log(target, w, lam, p, q, t, tol=ROOT_TOL_H):
    """Solve ``ln|sum w exp(-lam s)| = target`` on [p, q] from ``t``, all ``w`` of one sign.

    Halley's method (cubic convergence; Newton's step where Halley's would be
    more than twice as long), kept inside [p, q]. Elements stop once a Halley
    step is below ``_HALLEY_STOP_H`` (the error left is then of order its
    cube) or a Newton step below ``_NEWTON_STOP_H``; converged ones are
    dropped once they are the majority.
    """
    out = np.empty(p.shape)
    idx = np.arange(p.size)
    for _ in range(_MAXITER):
        g = g1 = g2 = 0.0
        for wj, lj in zip(w, lam):  # g, -g' and g'' term by term
            e = np.exp(-lj * t)
            e *= wj
            g = g + e
            e *= lj
            g1 = g1 + e
            e *= lj
            g2 = g2 + e
        h = np.log(np.abs(g))
        h -= target
        a = g1 / g  # -h'
        curv = g2 / g - a * a  # h'' >= 0
        den = 2.0 * a * a - h * curv
        halley = den > a * a
        step = np.where(halley, 2.0 * h * a / den, h / a)
        t_new = np.minimum(np.maximum(t + step, p), q)
        done = np.abs(t_new - t) < np.where(halley, max(tol, _HALLEY_STOP_H), max(tol, _NEWTON_STOP_H))
        t = t_new
        if done.all():
            break
        if 2 * np.count_nonzero(done) > done.size:
            out[idx[done]] = t[done]
            keep = ~done
            idx, t, p, q, target, w, lam = idx[keep], t[keep], p[keep], q[keep], target[keep], w[:, keep], lam[:, keep]
    out[idx] = t
    return out


def log_level(aw, lam, s):
    """``ln sum aw exp(-lam s)`` and its inverse slope ``ds/dy`` at ``s``, for positive ``aw`` (n, N) and s (N,)."""
    g = g1 = 0.0
    zero = not s.any()
    for wj, lj in zip(aw, lam):
        e = wj if zero else wj * np.exp(-lj * s)
        g = g + e
        g1 = g1 + lj * e
    return np.log(g), -g / g1


class LogCrossings:
    r"""Crossings ``ln sum aw exp(-lam s) = y`` of many one-signed stretches [p, q], solved in blocks.

    Parameters are per stretch: ``aw`` and ``lam`` (n, S), the rest (S,);
    ``y_p``, ``y_q`` are the log-levels at the stretch ends and ``d_p``,
    ``d_q`` the inverse slopes ds/dy there (:func:`log_level`). Everything
    that depends on the stretch alone (the cubic of the start, ``-lam``,
    ``lam**2``) is computed once here; :meth:`solve` then takes the levels
    of one crossing per stretch of a contiguous range of stretches, so a
    caller that lays crossings out by stretch needs no copy per crossing.

    The start is the inverse cubic Hermite through both ends (values and
    slopes), :math:`s = p + x(A + x(B + xC))` with :math:`x = (y - y_p)/(y_q - y_p)`;
    two Halley steps follow on every crossing, without a convergence test in
    between, and :func:`halley_log` finishes the few whose second step is not
    below its stopping rule.
    """

    def __init__(self, aw, lam, p, q, y_p, y_q, d_p, d_q):
        self.aw, self.lam, self.p, self.q, self.y_p = aw, lam, p, q, y_p
        self.neg = -lam
        self.lam2 = lam * lam
        span = y_q - y_p
        self.inv_span = 1.0 / span
        length = q - p
        self.c1 = span * d_p  # Hermite basis h10 = x - 2x^2 + x^3, h11 = x^3 - x^2, h01 = 3x^2 - 2x^3
        d_q = span * d_q
        self.c2 = 3.0 * length - 2.0 * self.c1 - d_q
        self.c3 = self.c1 + d_q - 2.0 * length

    def solve(self, y, at, tol=ROOT_TOL_H):
        """Local crossing times [h] of levels ``y`` (one per stretch of the slice ``at``); ``y`` is overwritten."""
        p, q = self.p[at], self.q[at]
        t = y - self.y_p[at]
        t *= self.inv_span[at]
        x = t.copy()
        t *= self.c3[at]
        t += self.c2[at]
        t *= x
        t += self.c1[at]
        t *= x
        t += p
        np.minimum(np.maximum(t, p, out=t), q, out=t)
        aw, neg, lam, lam2 = self.aw[:, at], self.neg[:, at], self.lam[:, at], self.lam2[:, at]
        for _ in range(2):
            step, newton = _halley_step(t, y, aw, neg, lam, lam2)
            t += step
            np.minimum(np.maximum(t, p, out=t), q, out=t)
        np.abs(step, out=step)
        stop = max(tol, _HALLEY_STOP_H)
        late = step >= stop
        if newton.any():
            late |= newton & (step >= max(tol, _NEWTON_STOP_H))
        late = np.flatnonzero(late)
        if late.size:
            t[late] = halley_log(y[late], aw[:, late], lam[:, late], p[late], q[late], t[late], tol)
        return t


def _halley_step(t, y, aw, neg, lam, lam2):
    r"""Halley's step for ``ln sum aw exp(-lam t) = y``, and where it is Newton's instead.

    With :math:`a = -h'` and :math:`\kappa = h''` of :math:`h = \ln g - y`, Halley's
    step is Newton's :math:`h/a` divided by :math:`1 - \rho`, :math:`\rho = h\kappa/(2a^2)`;
    where :math:`\rho \ge 1/2` (Halley's step would be more than twice Newton's) it is
    Newton's.
    """
    g = g1 = g2 = None
    for wj, nj, lj, l2 in zip(aw, neg, lam, lam2):
        e = nj * t
        np.exp(e, out=e)
        e *= wj
        if g is None:
            g, g1, g2 = e, lj * e, l2 * e
        else:
            g += e
            np.multiply(lj, e, out=e)
            g1 += e
            e *= lj
            g2 += e
    g1 /= g  # a = -h'
    g2 /= g
    h = np.log(g, out=g)
    h -= y
    a2 = g1 * g1
    g2 -= a2  # curvature h'' >= 0
    g2 *= h
    g2 /= a2  # 2 rho
    newton = g2 >= 1.0
    h /= g1  # Newton's step
    np.subtract(1.0, g2 * 0.5, out=g2)
    g2[newton] = 1.0
    h /= g2
    return h, newton
