r"""Exact measures of a :class:`~pkdose.pk.solution.Profile`: concentration, AUC, peak, trough, time above.

Each interval of the profile holds :math:`C(s) = c_\infty + \sum_j w_j
e^{-\lambda_j s}` in the time :math:`s` since the interval's start. Areas are
integrated term by term; peaks and troughs are taken over the ends of the
pieces and the turning points inside them; the time above a threshold adds up
the monotone stretches between turning points, each crossing the threshold at
most once (:mod:`pkdose.pk.expsum`). No time grid is involved.

Internal units: h, mg/L, mg·h/L.
"""

import numpy as np

from ..errors import InputError
from . import expsum
from .dosing import _as_1d, sorted_unique

__all__ = ["concentration", "auc", "time_above", "above_intervals", "peak", "trough", "dose_intervals",
           "steady_state_auc_tau"]


def _check_window(profile, t0, t1):
    lo, hi = profile.t_h[0], profile.t_h[-1]
    if not (lo <= t0 <= t1 <= hi):
        raise InputError(f"window [{t0}, {t1}] h must lie inside the simulation [{lo}, {hi}] h", field="t1_h")


class _Pieces:
    """The intervals overlapping [t0, t1], clipped to it, flattened over (interval, patient).

    Attributes (N = n_pieces * n_patients, n terms): ``a``, ``b`` local start
    and end [h]; ``lam``, ``w`` (n, N); ``c`` (N,) the constant; ``patient``
    (N,); ``t_ref`` (n_pieces,) absolute time of local 0 [h].
    """

    def __init__(self, profile, t0, t1, patients=slice(None)):
        _check_window(profile, t0, t1)
        t_b = profile.t_h
        lo, hi = np.maximum(t_b[:-1], t0), np.minimum(t_b[1:], t1)
        idx = np.nonzero(hi > lo)[0]
        state = profile.state[idx]
        lam = profile.lam_per_h[:, :, patients][state]  # (k, n, P)
        plateau = profile.rate_mg_per_h[idx, None, None] * profile.gain_h_per_l[:, :, patients][state]
        k, n, p = lam.shape
        self.n_patients, self.k = p, k
        self.lam = lam.transpose(1, 0, 2).reshape(n, k * p)
        self.w = (profile.amp_mg_per_l[idx, :, patients] - plateau).transpose(1, 0, 2).reshape(n, k * p)
        self.c = (plateau[:, 0] if n == 1 else plateau.sum(axis=1)).reshape(k * p)
        self.a = (lo[idx] - t_b[idx]).repeat(p)
        self.b = (hi[idx] - t_b[idx]).repeat(p)
        self.t_ref = t_b[idx]
        self.patient = np.concatenate([np.arange(p)] * k) if k else np.zeros(0, dtype=np.intp)

    def value(self, s, at=slice(None)):
        return expsum.value(self.c[at], self.w[:, at], self.lam[:, at], s)

    def turning_points(self):
        """Turning points strictly inside each piece, shape (n - 1, N), sorted, NaN-padded."""
        n, size = self.w.shape
        out = np.full((n - 1, size), np.nan)
        if n == 1:
            return out
        cand = np.nonzero(expsum.may_turn(self.w))[0]
        if cand.size:
            out[:, cand] = expsum.zeros(*expsum.slope_terms(self.w[:, cand], self.lam[:, cand]),
                                        self.a[cand], self.b[cand])
        return out

    def monotone(self):
        """The monotone stretches of all pieces (cut at the turning points)."""
        fa = self.c + self.w.sum(axis=0) if not self.a.any() else self.value(self.a)
        fb = self.value(self.b)
        if self.w.shape[0] == 1:  # one exponential: monotone on every piece
            return _Stretches(self, None, self.a, self.b, fa, fb)
        tp = self.turning_points()
        has = ~np.isnan(tp)
        if not has.any():
            return _Stretches(self, None, self.a, self.b, fa, fb)
        cuts = [np.nonzero(h)[0] for h in has]  # pieces with a first, second... turning point
        parent = np.concatenate([np.arange(self.a.size)] + cuts)
        start = np.concatenate([self.a] + [tp[i][c] for i, c in enumerate(cuts)])
        order = np.lexsort((start, parent))
        parent, start = parent[order], start[order]
        last = np.append(parent[1:] != parent[:-1], True)
        first = np.append(True, last[:-1])
        end = np.where(last, self.b[parent], np.roll(start, -1))
        f_start = fa[parent]
        inner = np.nonzero(~first)[0]
        f_start[inner] = self.value(start[inner], parent[inner])
        f_end = np.where(last, fb[parent], np.roll(f_start, -1))
        return _Stretches(self, parent, start, end, f_start, f_end)


class _Stretches:
    """Monotone stretches [p, q] of the pieces, with the values at both ends (flat arrays)."""

    def __init__(self, pieces, parent, p, q, fp, fq):
        self.pieces, self.parent, self.p, self.q, self.fp, self.fq = pieces, parent, p, q, fp, fq
        self.patient = pieces.patient if parent is None else pieces.patient[parent]
        self._signed_data = None

    def _of_parent(self, arr, k):
        return np.take(arr, k if self.parent is None else np.take(self.parent, k), axis=-1)

    def crossing(self, k, m):
        """Local time at which stretch k crosses level m (one value per element of k and m) [h]."""
        pc = self.pieces
        p, q = np.take(self.p, k), np.take(self.q, k)
        c = self._of_parent(pc.c, k) - m
        if pc.w.shape[0] == 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.log(self._of_parent(pc.w[0], k) / -c) / self._of_parent(pc.lam[0], k)
            return np.minimum(np.maximum(s, p), q)
        w, lam = self._of_parent(pc.w, k), self._of_parent(pc.lam, k)
        fp, fq = np.take(self.fp, k) - m, np.take(self.fq, k) - m
        turns = expsum.may_turn(w)
        if not turns.any():
            return expsum.solve_log(c, w, lam, p, q, fp, fq)
        out = np.empty(k.size)
        one = ~turns
        out[one] = expsum.solve_log(c[one], w[:, one], lam[:, one], p[one], q[one], fp[one], fq[one])
        out[turns] = expsum.solve(c[turns], w[:, turns], lam[:, turns], p[turns], q[turns], fp[turns], fq[turns])
        return out

    def crossings(self, m, lo, count, rising, n_pat, scale, select=None):
        """Scaled time above the thresholds each stretch crosses, summed per (threshold, patient), flat.

        Stretch k crosses the sorted thresholds ``m[lo[k]] .. m[lo[k] + count[k] - 1]``.
        The crossings are laid out in layers, layer r holding every stretch
        that crosses more than r thresholds; with the stretches ordered by
        their number of crossings each layer is a prefix, so the crossing
        arrays are concatenated prefixes (no gather per crossing).
        ``select`` (bool, flat over (threshold, patient)): solve only the
        crossings of these pairs; the others are left at 0.
        """
        out = np.zeros(m.size * n_pat)
        if not count.any():
            return out
        turns = self._turns()
        self._one_signed(self._signed(m, lo, np.where(turns, 0, count), rising, n_pat), scale, out, select)
        if turns.any():
            self._turning(m, lo, np.where(turns, count, 0), rising, n_pat, scale, out, select)
        return out

    def brackets(self, m, lo, count, rising, n_pat, scale):
        r"""Lower and upper bounds of :meth:`crossings`, without solving for any crossing, flat.

        On a stretch of one-signed modes, :math:`h(s) = \ln|f(s) - c|` is convex and
        decreasing (module :mod:`pkdose.pk.expsum`), so its tangents at both ends
        lie below it and its chord above it: the crossing of level :math:`y` lies
        between the tangents' roots and the chord's root, and before
        :math:`p + (h(p) - y)/\lambda_{min}` (no mode decays more slowly than the
        slowest). A stretch between turning points has only [p, q].
        """
        low, high = np.zeros(m.size * n_pat), np.zeros(m.size * n_pat)
        if not count.any():
            return low, high
        turns = self._turns()
        sg = self._signed(m, lo, np.where(turns, 0, count), rising, n_pat)
        if sg.sizes:
            if sg.upper is None:
                span = sg.y_q - sg.y_p  # < 0
                sg.at_q = sg.q - span * sg.d_q  # tangent at q: s = at_q + dy d_q, dy = y - y_p
                with np.errstate(divide="ignore", invalid="ignore"):
                    chord = (sg.q - sg.p) / span
                # chord s = p + dy L/span, slowest mode s = p - dy/lam_min; with dy <= 0 the smaller is
                # p + dy max(L/span, -1/lam_min). Rates are sorted, largest first.
                sg.upper = np.fmax(chord, -1.0 / sg.lam[-1])
                sg.length = sg.q - sg.p
            total = sum(sg.sizes)
            index, part_lo, part_hi = np.empty(total, dtype=np.intp), np.empty(total), np.empty(total)
            k = 0
            for r, size in enumerate(sg.sizes):
                at, dst = slice(0, size), slice(k, k + size)
                k += size
                p, length = sg.p[at], sg.length[at]
                dy = m.take(sg.lo[at] + r)
                dy -= sg.c[at]
                np.abs(dy, out=dy)
                np.log(dy, out=dy)
                dy -= sg.y_p[at]  # <= 0
                with np.errstate(invalid="ignore", over="ignore"):
                    s_lo = dy * sg.d_p[at]  # tangent at p, from p
                    t = dy * sg.d_q[at]
                    t += sg.at_q[at]
                    t -= p  # tangent at q, from p
                    np.fmax(s_lo, t, out=s_lo)
                    np.multiply(dy, sg.upper[at], out=t)  # chord or slowest mode, from p
                np.clip(s_lo, 0.0, length, out=s_lo)  # a NaN stays: the pair is left open (_time_above_block)
                np.clip(t, 0.0, length, out=t)
                up = sg.up[at]  # rising: above from the crossing to q; falling: from p to the crossing
                np.copyto(part_lo[dst], s_lo)
                np.copyto(part_hi[dst], t)
                np.subtract(length, t, out=part_lo[dst], where=up)
                np.subtract(length, s_lo, out=part_hi[dst], where=up)
                np.add(sg.base[at], r * n_pat, out=index[dst])
            low += np.bincount(index, part_lo, minlength=low.size)
            high += np.bincount(index, part_hi, minlength=high.size)
        if turns.any():
            order, sizes = self._layers(np.where(turns, count, 0))
            for r, size in enumerate(sizes):
                k = order[:size]
                high += np.bincount((lo.take(k).astype(np.intp) + r) * n_pat + self.patient.take(k),
                                    self.q.take(k) - self.p.take(k), minlength=high.size)
        low *= scale
        high *= scale
        return low, high

    def _turns(self):
        w = self.pieces.w
        return expsum.may_turn(w if self.parent is None else w.take(self.parent, axis=1))

    @staticmethod
    def _layers(count):
        """Stretch order (most crossings first, stable radix sort) and the size of each layer."""
        sizes = np.bincount(count, minlength=2)[:0:-1].cumsum()[::-1].tolist()  # stretches with > r crossings
        sizes = [n for n in sizes if n]
        return np.argsort(-count.astype(np.int8), kind="stable")[:sizes[0] if sizes else 0], sizes

    def _signed(self, m, lo, count, rising, n_pat):
        """The crossing stretches of one-signed pieces, ordered by layer, with their end levels (computed once)."""
        if self._signed_data is not None:
            return self._signed_data
        order, sizes = self._layers(count)
        sg = self._signed_data = _Signed()
        sg.sizes, sg.m, sg.n_pat = sizes, m, n_pat
        if not sizes:
            return sg
        pc = self.pieces
        parent = order if self.parent is None else self.parent.take(order)
        aw, lam, sg.c = np.abs(pc.w.take(parent, axis=1)), pc.lam.take(parent, axis=1), pc.c.take(parent)
        sg.p, sg.q, sg.lo = self.p.take(order), self.q.take(order), lo.take(order).astype(np.intp)
        sg.aw, sg.lam = aw, lam
        sg.y_p, sg.d_p = expsum.log_level(aw, lam, sg.p)
        sg.y_q, sg.d_q = expsum.log_level(aw, lam, sg.q)
        sg.solver = sg.upper = None  # built when needed (_one_signed, brackets)
        sg.up = rising.take(order)
        sg.sign = np.where(sg.up, -1.0, 1.0)  # time above: q - s rising, s - p falling
        sg.offset = np.where(sg.up, sg.q, -sg.p)
        sg.base = sg.lo * n_pat
        sg.base += self.patient.take(order)
        return sg

    def _one_signed(self, sg, scale, out, select=None):
        """Stretches of pieces whose modes share a sign: two Halley steps in log space on every crossing.

        Layer r (the first ``sizes[r]`` stretches, most crossings first)
        crosses the thresholds ``lo + r``: each layer is a prefix of the
        ordered stretches, so its crossings are solved on slices of the
        per-stretch arrays (no copy per crossing), in blocks of at most
        ``expsum.BLOCK``, by :class:`pkdose.pk.expsum.LogCrossings`; with
        ``select``, only the crossings of the selected pairs, gathered.
        """
        if not sg.sizes:
            return
        if select is not None:  # the selected crossings, gathered: stretch and layer of each
            picked = [(np.flatnonzero(select[sg.base[:size] + r * sg.n_pat]), r) for r, size in enumerate(sg.sizes)]
            at = np.concatenate([k for k, _ in picked])
            if not at.size:
                return
            layer = np.concatenate([np.full(k.size, r) for k, r in picked])
            solver = expsum.LogCrossings(sg.aw[:, at], sg.lam[:, at], sg.p[at], sg.q[at], sg.y_p[at], sg.y_q[at],
                                         sg.d_p[at], sg.d_q[at])
            s = np.concatenate([solver.solve(y, slice(b0, b0 + expsum.BLOCK))
                                for b0, y in self._levels(sg, at, layer)])
            s *= sg.sign[at]
            s += sg.offset[at]
            s *= scale
            out += np.bincount(sg.base[at] + layer * sg.n_pat, s, minlength=out.size)
            return
        total = sum(sg.sizes)
        index, part = np.empty(total, dtype=np.intp), np.empty(total)
        if sg.solver is None:
            sg.solver = expsum.LogCrossings(sg.aw, sg.lam, sg.p, sg.q, sg.y_p, sg.y_q, sg.d_p, sg.d_q)
        k = 0
        for r, size in enumerate(sg.sizes):
            for b0 in range(0, size, expsum.BLOCK):
                at = slice(b0, min(b0 + expsum.BLOCK, size))
                dst = slice(k, k + at.stop - b0)
                k = dst.stop
                s = sg.solver.solve(self._level(sg, at, r), at)
                s *= sg.sign[at]
                np.add(s, sg.offset[at], out=part[dst])
                np.add(sg.base[at], r * sg.n_pat, out=index[dst])
        part *= scale
        out += np.bincount(index, part, minlength=out.size)

    @staticmethod
    def _level(sg, at, r):
        """Log-distance of the thresholds ``lo + r`` from the plateau, for the stretches ``at``."""
        level = sg.m.take(sg.lo[at] + r)
        level -= sg.c[at]
        np.abs(level, out=level)
        return np.log(level, out=level)

    @classmethod
    def _levels(cls, sg, at, layer):
        """:meth:`_level` of gathered crossings (stretches ``at``, layers ``layer``), in blocks: (start, levels)."""
        for b0 in range(0, at.size, expsum.BLOCK):
            b = slice(b0, b0 + expsum.BLOCK)
            yield b0, cls._level(sg, at[b], layer[b])

    def _turning(self, m, lo, count, rising, n_pat, scale, out, select=None):
        """Stretches between turning points: the safeguarded Newton iteration, every crossing at once."""
        order, sizes = self._layers(count)
        if not sizes:
            return

        def layered(per_stretch):  # one value per crossing, from one per ordered stretch
            return np.concatenate([per_stretch[:n] for n in sizes])

        k = layered(order)
        lo_o = lo.take(order)
        j = np.concatenate([lo_o[:n] + r for r, n in enumerate(sizes)]).astype(np.intp)
        index = j * n_pat + self.patient.take(k)
        if select is not None:
            keep = np.flatnonzero(select[index])
            k, j, index = k[keep], j[keep], index[keep]
            if not k.size:
                return
        s = self.crossing(k, m.take(j))
        up = rising.take(k)
        part = np.where(up, self.q.take(k) - s, s - self.p.take(k))
        part *= scale
        out += np.bincount(index, part, minlength=out.size)


class _Signed:
    """Per-stretch data of the one-signed crossing stretches (:meth:`_Stretches._signed`)."""


def _count_below(m, values):
    """How many of the sorted thresholds m lie strictly below each value (int8 for a short series)."""
    if m.size > 100:
        return np.searchsorted(m, values)
    return (values > m[:, None]).sum(axis=0, dtype=np.int8)


def concentration(profile, t_h):
    r"""Central (total) concentration at any times, from the exact solution.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
    t_h : array_like
        Times inside the simulated window [h].

    Returns
    -------
    ndarray, shape (n_patients, n_times)
        Total (bound + unbound) concentration in the central compartment
        (plasma); right-limit at a bolus [mg/L].

    Notes
    -----
    On interval :math:`i`,
    :math:`C = \sum_j a_{ij} e^{-\lambda_j s} - R_i g_j (e^{-\lambda_j s} - 1)`
    (module :mod:`pkdose.pk.solution`): exact, also within a very short
    infusion. Floating-point rounding can leave a value of order
    :math:`10^{-16}` of the peak below zero; it is returned as zero.

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapters 10 and 19.
    """
    t = _as_1d("t_h", t_h)
    if t.size:
        _check_window(profile, t.min(), t.max())
    t_b = profile.t_h
    i = np.clip(np.searchsorted(t_b, t, side="right") - 1, 0, len(t_b) - 2)
    state = profile.state[i]
    amp, lam = profile.amp_mg_per_l[i], profile.lam_per_h[state]
    plateau = profile.rate_mg_per_h[i, None, None] * profile.gain_h_per_l[state]
    x = -lam * (t - t_b[i])[:, None, None]
    c = (amp * np.exp(x) - plateau * np.expm1(x)).sum(axis=1)
    return np.maximum(c, 0.0).T  # rounding of order 1e-16 of the peak below zero is clamped


def auc(profile, t0_h, t1_h):
    r"""Exact area under the central concentration curve between two times.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
    t0_h, t1_h : float
        Window [h].

    Returns
    -------
    ndarray, shape (n_patients,)
        AUC over the window [mg·h/L].

    Notes
    -----
    On each piece from local time :math:`a` to :math:`b = a + L`:
    :math:`\int C\,ds = c_\infty L + \sum_j w_j e^{-\lambda_j a}(1 - e^{-\lambda_j L})/\lambda_j`.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Appendix C (areas).

    Examples
    --------
    Bolus 1000 mg, V 10 L, CL 1 L/h: AUC to 24 h = 1000 (1 - e^-2.4) mg·h/L.

    >>> from pkdose.pk import simulate, regimen_dosing
    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> round(float(auc(p, 0, 24)[0]), 4)
    909.2820
    """
    pc = _Pieces(profile, t0_h, t1_h)
    length = pc.b - pc.a
    area = pc.c * length
    for j in range(pc.w.shape[0]):
        lam = pc.lam[j]
        area = area + pc.w[j] * np.exp(-lam * pc.a) * -np.expm1(-lam * length) / lam
    return np.bincount(pc.patient, area, minlength=pc.n_patients)


def time_above(profile, threshold_mg_per_l, t0_h, t1_h):
    r"""Exact time the central (total) concentration spends above a threshold in a window.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
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
    Each interval is cut at its turning points into monotone stretches, which
    cross a threshold :math:`M` at most once. A stretch whose ends are both
    above :math:`M` counts whole; one whose ends lie on either side counts from
    or up to the crossing time, found (and only there) in closed form for one
    compartment, :math:`s^* = \ln\big(w/(M - c_\infty)\big)/\lambda`, or by the
    safeguarded Newton iteration of :mod:`pkdose.pk.expsum` to 1e-11 h.

    References
    ----------
    .. [1] Turnidge JD. The pharmacodynamics of beta-lactams. Clin Infect Dis.
       1998;27(1):10-22. doi:10.1086/514622 (time above the MIC, the PK/PD
       index of the beta-lactams).

    Examples
    --------
    Bolus 1000 mg, V 10 L, CL 1 L/h: above 50 mg/L for exactly 10 ln 2 h.

    >>> from pkdose.pk import simulate, regimen_dosing
    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> float(time_above(p, 50.0, 0, 24)[0] / np.log(2))
    10.0
    """
    thr = np.asarray(threshold_mg_per_l, dtype=float)
    flat = thr.ravel()
    if np.all(flat[1:] >= flat[:-1]):
        return time_above_sorted(profile, flat, t0_h, t1_h).reshape(thr.shape + (profile.n_patients,))
    order = np.argsort(flat, kind="stable")
    result = np.empty((flat.size, profile.n_patients))
    result[order] = time_above_sorted(profile, flat[order], t0_h, t1_h)
    return result.reshape(thr.shape + (profile.n_patients,))


def time_above_sorted(profile, m, t0_h, t1_h, scale=1.0, need=None):
    """:func:`time_above` for thresholds sorted in increasing order, times ``scale``, shape (n_thr, n_patients).

    Patients are taken in blocks of at most ``_STRETCHES`` stretches, so that
    the work arrays stay small whatever the population and the window. With
    ``need``, whether each (scaled) time above reaches ``need`` instead (bool):
    decided from bounds on the crossing times where they suffice, from the
    exact times elsewhere (:func:`_time_above_block`).
    """
    n_pat = profile.n_patients
    _check_window(profile, t0_h, t1_h)
    if profile.n_compartments == 1:
        out = _one_compartment_time_above(profile, m, t0_h, t1_h, scale)
        return out if need is None else out >= need
    k = max(1, int(np.count_nonzero((profile.t_h[1:] > t0_h) & (profile.t_h[:-1] < t1_h))))
    block = max(1, _STRETCHES // k)
    if block >= n_pat:
        return _time_above_block(profile, m, t0_h, t1_h, scale, slice(None), need)
    out = np.empty((m.size, n_pat), dtype=float if need is None else bool)
    for s in range(0, n_pat, block):
        part = slice(s, min(s + block, n_pat))
        out[:, part] = _time_above_block(profile, m, t0_h, t1_h, scale, part, need)
    return out


#: Stretches (interval x patient) handled at once by :func:`time_above_sorted` [-].
_STRETCHES = 20000

#: Elements (threshold x interval x patient) of one work array of the one-compartment kernel:
#: a few hundred kB, cache-resident [-].
_ONE_CMT_BLOCK = 1 << 17


def _one_compartment_time_above(profile, m, t0_h, t1_h, scale):
    r"""Time above sorted thresholds ``m`` for a one-compartment profile, dense and in closed form.

    On a piece of an interval, :math:`C(s) = c + w e^{-\lambda s}` is monotone,
    so the time above :math:`M` is a clipped closed form, with
    :math:`s^* = (\ln|w| - \ln|M - c|)/\lambda`:

    * no infusion (:math:`c = 0`, :math:`w \ge 0`): :math:`\mathrm{clip}(s^* - a, 0, L)`,
      one logarithm per patient and piece (:math:`\ln M` is shared);
    * infusion, rising (:math:`w \le 0`): :math:`\mathrm{clip}(b - s^*, 0, L)`, zero
      when :math:`M \ge c` (the NaN of a logarithm of a non-positive number
      clips to 0);
    * infusion, falling to its plateau (:math:`w > 0`): :math:`L` minus the
      time below, the same expression with the sign of :math:`M - c` flipped.

    Pieces of one kind are solved together; thresholds (rows) below or above
    every patient's range on them count whole or not at all, without a
    logarithm. Returns shape (n_thresholds, n_patients), times ``scale``.
    """
    n_pat = profile.n_patients
    t_b = profile.t_h
    lo, hi = np.maximum(t_b[:-1], t0_h), np.minimum(t_b[1:], t1_h)
    idx = np.nonzero(hi > lo)[0]
    a_h, b_h = (lo[idx] - t_b[idx])[:, None], (hi[idx] - t_b[idx])[:, None]
    rate = profile.rate_mg_per_h[idx]
    with np.errstate(divide="ignore"):
        ln_m = np.log(m)
    out = np.empty((m.size, n_pat))
    groups = [g for g in (np.nonzero(rate == 0)[0], np.nonzero(rate > 0)[0]) if g.size]
    if not groups:  # an empty window
        out.fill(0.0)
        return out
    block = max(1, _ONE_CMT_BLOCK // (m.size * max(g.size for g in groups)))
    for s in range(0, n_pat, block):
        ps = slice(s, s + block) if block < n_pat else slice(None)
        acc = _RowAccumulator(out[:, ps])
        for g in groups:
            _one_compartment_group(profile, idx[g], a_h[g], b_h[g], rate[g], m, ln_m, scale, ps, acc)
        acc.finish((t1_h - t0_h) * scale)
    return out


class _RowAccumulator:
    """Sums per-row contributions into ``out`` (rows, patients), writing a row the first time it is touched.

    ``whole`` holds per-row constants (a piece spent above the threshold by
    every patient), added at the end; rows never touched are set to them.
    """

    def __init__(self, out):
        self.out, self.touched = out, np.zeros(out.shape[0], dtype=bool)
        self.whole = np.zeros(out.shape[0])
        self.bound = 0.0  # the lengths of one piece per group, added in the order the groups are: a cap on out

    def piece(self, length):
        """Note a group's pieces: one of ``length`` keeps the bound exact, several make it unknown (inf)."""
        self.bound = self.bound + float(length[0, 0]) if length.shape[0] == 1 else np.inf

    def add(self, lo, hi, values):
        """Add ``values`` (hi - lo, patients) to rows lo .. hi - 1."""
        new = ~self.touched[lo:hi]
        if new.all():
            self.out[lo:hi] = values
        elif not new.any():
            self.out[lo:hi] += values
        else:
            for k in range(hi - lo):
                if new[k]:
                    self.out[lo + k] = values[k]
                else:
                    self.out[lo + k] += values[k]
        self.touched[lo:hi] = True

    def target(self, lo, hi):
        """Rows lo .. hi - 1 of ``out`` if none was touched yet (written in place), else None."""
        if self.touched[lo:hi].any():
            return None
        self.touched[lo:hi] = True
        return self.out[lo:hi]

    def finish(self, cap):
        """Add the per-row constants, set untouched rows to them, cap at ``cap`` (rounding only)."""
        out, touched = self.out, self.touched
        for j in np.nonzero(~touched)[0]:
            out[j] = min(self.whole[j], cap)
        rows = np.nonzero(touched)[0]
        for j in rows[self.whole[rows] != 0]:
            out[j] += self.whole[j]
        if rows.size and not self.bound <= cap:  # rounding only: every part lies in its piece
            part = out[rows[0]:rows[-1] + 1]
            np.minimum(part, cap, out=part)


def _one_compartment_group(profile, pieces, a_h, b_h, rate, m, ln_m, scale, ps, acc):
    """Add the scaled time above of one kind of piece (all infusing or none) for patients ``ps``.

    ``a_h``, ``b_h`` (k, 1): local start and end of each piece [h]; ``acc`` a
    :class:`_RowAccumulator` of the block's output.
    """
    state = profile.state[pieces]
    one_state = bool(np.all(state == state[0]))
    at = (state[0] if one_state else state, 0, ps)
    lam = profile.lam_per_h[at][None] if one_state else profile.lam_per_h[at]
    amp = profile.amp_mg_per_l[pieces, 0, ps]
    inv = scale / lam
    length = (b_h - a_h) * scale
    acc.piece(length)
    starts = bool(a_h.any())
    with np.errstate(divide="ignore", invalid="ignore"):
        if rate[0] == 0:  # C = w exp(-lam s), w >= 0: above M until (ln w - ln M) / lam
            ln_w = np.log(amp)
            top = ln_w - lam * a_h if starts else ln_w
            lo_row = int(np.searchsorted(ln_m, np.fmin.reduce(ln_w - lam * b_h, axis=None)))
            hi_row = int(np.searchsorted(ln_m, np.fmax.reduce(top, axis=None)))
            acc.whole[:lo_row] += length.sum()
            if hi_row > lo_row:
                buf = np.empty((hi_row - lo_row,) + amp.shape)
                np.multiply(ln_m[lo_row:hi_row, None, None], inv, out=buf)
                ln_w *= inv
                ln_w -= a_h * scale
                np.subtract(ln_w, buf, out=buf)
                _clip_add(buf, length, acc, lo_row, hi_row, nan_free=ln_m[lo_row] > -np.inf)
            return
        gain = profile.gain_h_per_l[at][None] if one_state else profile.gain_h_per_l[at]
        c = rate[:, None] * gain
        w = amp - c
        f_a = c + w * np.exp(-lam * a_h) if starts else amp
        f_b = c + w * np.exp(-lam * b_h)
        low = min(np.fmin.reduce(f_a, axis=None), np.fmin.reduce(f_b, axis=None))
        high = max(np.fmax.reduce(f_a, axis=None), np.fmax.reduce(f_b, axis=None))
        lo_row, hi_row = int(np.searchsorted(m, low)), int(np.searchsorted(m, high))
        acc.whole[:lo_row] += length.sum()
        if hi_row <= lo_row:
            return
        buf = np.subtract(c, m[lo_row:hi_row, None, None])
        falling = w > 0
        flip = np.where(falling, -1.0, 1.0) if falling.any() else None
        if flip is not None:
            buf *= flip
        np.log(buf, out=buf)
        buf *= inv
        np.abs(w, out=w)
        np.log(w, out=w)
        w *= inv
        np.subtract(b_h * scale, w, out=w)
        buf += w
        if flip is None:  # rows below every patient's plateau take the logarithm of positive numbers only
            split = min(max(int(np.searchsorted(m, np.fmin.reduce(c, axis=None))), lo_row), hi_row)
            if split > lo_row:
                _clip_add(buf[:split - lo_row], length, acc, lo_row, split, nan_free=True)
            if hi_row > split:
                _clip_add(buf[split - lo_row:], length, acc, split, hi_row)
            return
        np.fmax(buf, 0.0, out=buf)
        np.fmin(buf, length, out=buf)
        buf *= flip
        buf += length * falling
        acc.add(lo_row, hi_row, buf.sum(axis=1) if buf.shape[1] > 1 else buf[:, 0])


def _clip_add(buf, length, acc, lo, hi, nan_free=False):
    """Clip ``buf`` (rows, pieces, patients) to [0, length] (NaN to 0); add its sum over pieces to rows lo .. hi - 1.

    ``nan_free``: ``buf`` holds no NaN, so one clipping pass does.
    """
    if buf.shape[1] == 1:
        dest = acc.target(lo, hi)
        if dest is not None:
            if nan_free:
                np.clip(buf[:, 0], 0.0, length[0], out=dest)
            else:
                np.fmin(np.fmax(buf[:, 0], 0.0, out=buf[:, 0]), length[0], out=dest)
            return
    if nan_free:
        np.clip(buf, 0.0, length, out=buf)
    else:
        np.fmin(np.fmax(buf, 0.0, out=buf), length, out=buf)
    acc.add(lo, hi, buf.sum(axis=1) if buf.shape[1] > 1 else buf[:, 0])


def _time_above_block(profile, m, t0_h, t1_h, scale, patients, need=None):
    """Scaled time above sorted thresholds for some patients; with ``need``, whether it reaches ``need``.

    A decision needs the crossing times only where their bounds
    (:meth:`_Stretches.brackets`) leave it open: the pairs (threshold, patient)
    whose bounds lie on both sides of ``need`` (within a margin well above the
    solver's tolerance) are solved exactly, the others are decided by the
    bounds, which hold exactly. The answer is that of the exact time above.
    """
    pc = _Pieces(profile, t0_h, t1_h, patients)
    n_thr, n_pat = m.size, pc.n_patients
    st = pc.monotone()
    below_p, below_q = _count_below(m, st.fp), _count_below(m, st.fq)  # thresholds below each end
    lo = np.minimum(below_p, below_q)
    count = below_q - below_p
    rising = count > 0
    np.abs(count, out=count)
    # Thresholds below both ends count the whole stretch.
    length = st.q - st.p
    length *= scale
    index = lo.astype(np.intp)
    index *= n_pat
    index += st.patient
    short = np.bincount(index, length, minlength=(n_thr + 1) * n_pat).reshape(-1, n_pat)
    whole = np.empty((n_thr, n_pat))
    acc = short[n_thr].copy()
    for j in range(n_thr - 1, -1, -1):  # lengths of the stretches with lo > j
        whole[j] = acc
        acc += short[j]
    cap = (t1_h - t0_h) * scale
    if need is None:
        out = st.crossings(m, lo, count, rising, n_pat, scale).reshape(n_thr, n_pat)
        out += whole
        return np.minimum(out, cap, out=out)  # rounding only: every part lies in its stretch
    low, high = st.brackets(m, lo, count, rising, n_pat, scale)
    low, high = low.reshape(n_thr, n_pat), high.reshape(n_thr, n_pat)
    low += whole
    high += whole
    margin = _DECISION_MARGIN_H * max(t1_h - t0_h, 1.0) * scale
    reached = low >= need + margin
    open_ = high < need - margin
    open_ |= reached
    np.logical_not(open_, out=open_)  # neither reached nor out of reach by the bounds (NaN bounds included)
    if open_.any():
        exact = st.crossings(m, lo, count, rising, n_pat, scale, select=open_.ravel()).reshape(n_thr, n_pat)
        exact += whole
        np.minimum(exact, cap, out=exact)
        reached[open_] = exact[open_] >= need
    return reached


#: Margin of a decision from bounds, per hour of window [h/h]: far above the crossing solver's
#: error (about 1e-10 h per crossing), so a pair decided by bounds gets the exact answer [-].
_DECISION_MARGIN_H = 1e-8


def above_intervals(profile, threshold_mg_per_l, t0_h, t1_h):
    """Exact time spans during which the central (total) concentration exceeds a threshold.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
    threshold_mg_per_l : float
        Threshold on the total concentration [mg/L].
    t0_h, t1_h : float
        Window [h].

    Returns
    -------
    list of ndarray
        One array per patient, shape (n_spans, 2): start and end of each
        maximal span above the threshold, in order; their lengths add up to
        :func:`time_above` [h].

    References
    ----------
    .. [1] Turnidge JD. The pharmacodynamics of beta-lactams. Clin Infect Dis.
       1998;27(1):10-22. doi:10.1086/514622 (the time above the MIC is the
       sum of these spans over the dosing interval).

    Examples
    --------
    >>> from pkdose.pk import simulate, regimen_dosing
    >>> p = simulate(1.0, 10.0, regimen_dosing(1000, 24, 0, 1), t_end_h=24)
    >>> (above_intervals(p, 50.0, 0, 24)[0] / np.log(2)).tolist()
    [[0.0, 10.0]]
    """
    m = float(threshold_mg_per_l)
    pc = _Pieces(profile, t0_h, t1_h)
    st = pc.monotone()
    start, end = st.p.copy(), st.q.copy()
    keep = (st.fp > m) | (st.fq > m)
    cross = np.nonzero((st.fp > m) != (st.fq > m))[0]
    if cross.size:
        s = st.crossing(cross, m)
        rising = st.fq[cross] > m
        start[cross] = np.where(rising, s, st.p[cross])
        end[cross] = np.where(rising, st.q[cross], s)
    piece = np.arange(start.size) // pc.n_patients if st.parent is None else st.parent // pc.n_patients
    t_ref = pc.t_ref[piece]
    patient = st.patient[keep]
    spans = np.column_stack([start[keep] + t_ref[keep], end[keep] + t_ref[keep]])
    out = []
    for i in range(profile.n_patients):
        mine = spans[patient == i]
        mine = mine[np.argsort(mine[:, 0], kind="stable")]
        merged = []
        for a, b in mine:
            if merged and a <= merged[-1][1] + 1e-12:
                merged[-1][1] = max(merged[-1][1], b)
            elif b > a:
                merged.append([a, b])
        out.append(np.array(merged, dtype=float).reshape(-1, 2))
    return out


def _extreme(profile, t0_h, t1_h, pick):
    pc = _Pieces(profile, t0_h, t1_h)
    if pc.k == 0:  # an empty window: the level at that instant
        return concentration(profile, [t0_h])[:, 0]
    values = [pc.value(pc.a), pc.value(pc.b)]
    tp = pc.turning_points()
    for row in tp:
        at = np.nonzero(~np.isnan(row))[0]
        if at.size:
            inner = values[0].copy()
            inner[at] = pc.value(row[at], at)
            values.append(inner)
    best = pick(np.stack(values), axis=0).reshape(pc.k, pc.n_patients)
    return pick(best, axis=0)


def peak(profile, t0_h, t1_h):
    """Highest central (total) concentration in a window, exact (piece ends and turning points).

    Parameters
    ----------
    profile, t0_h, t1_h
        Profile and window, as in :func:`auc` [-], [h].

    Returns
    -------
    ndarray, shape (n_patients,)
        Maximum concentration [mg/L].

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11.
    """
    return _extreme(profile, t0_h, t1_h, np.max)


def trough(profile, t0_h, t1_h):
    """Lowest central (total) concentration in a window, exact.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
    t0_h, t1_h : float
        Window, e.g. the dosing interval ending at the next dose [h].

    Returns
    -------
    ndarray, shape (n_patients,)
        Minimum over the ends of the pieces (left limits before a bolus) and
        the turning points inside them [mg/L].

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 3 (multiple dosing: minimum concentrations).
    """
    return _extreme(profile, t0_h, t1_h, np.min)


def dose_intervals(profile, dosing, t0_h=None, t1_h=None, *, periodic=False):
    r"""The dosing intervals of a profile, from one dose start to the next, inside a window.

    Parameters
    ----------
    profile : Profile
        Result of :func:`pkdose.pk.simulate` [-].
    dosing : Dosing
        The doses of the simulation [-].
    t0_h, t1_h : float, optional
        Window; default the whole profile [h].
    periodic : bool, optional
        Whether the profile is one period of a periodic steady state
        (``simulate(..., steady_state=True)``; see :attr:`Profile.periodic`);
        then the last dose's interval wraps round to the first dose of the
        next period [-].

    Returns
    -------
    list of tuple
        ``(start_h, end_h, pieces)`` per interval wholly inside the window:
        ``[start_h, end_h]`` is the stretch of the profile it covers and
        ``pieces`` the windows [h] that make up the whole interval; two for
        the wrapped interval (from the last dose to the end, and from the
        start to the first dose), one otherwise [h].

    Notes
    -----
    In a profile of period :math:`T` whose doses start at
    :math:`t_1 < \dots < t_n`, the last interval runs from :math:`t_n` to
    :math:`t_1 + T`: a 72-h weekend gap between dialysis doses counts as 72 h.
    In a profile that is not periodic the last dose's interval is unknown and
    left out, except for a single dose, whose interval is the rest of the
    window [1]_.

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics.
       4th ed. Lippincott Williams & Wilkins; 2011. Chapter 11 (the dosing
       interval at steady state).

    Examples
    --------
    >>> from pkdose.pk import simulate, Dosing
    >>> d = Dosing([12.0, 60.0, 108.0], 187.5, 2.0)
    >>> p = simulate(0.69, 21.7, d, t_end_h=168, steady_state=True)
    >>> [(a, b) for a, b, _ in dose_intervals(p, d, periodic=True)]
    [(12.0, 60.0), (60.0, 108.0), (108.0, 168.0)]
    >>> dose_intervals(p, d, periodic=True)[-1][2]
    ((108.0, 168.0), (0.0, 12.0))
    """
    t_s, t_e = float(profile.t_h[0]), float(profile.t_h[-1])
    t0 = t_s if t0_h is None else float(t0_h)
    t1 = t_e if t1_h is None else float(t1_h)
    _check_window(profile, t0, t1)
    starts = sorted_unique(dosing.start_h).tolist()
    out = [(a, b, ((a, b),)) for a, b in zip(starts[:-1], starts[1:])]
    if starts and periodic and t_s <= starts[0] and starts[-1] < t_e:
        head = ((t_s, starts[0]),) if starts[0] > t_s else ()
        out.append((starts[-1], t_e, ((starts[-1], t_e),) + head))
    elif len(starts) == 1:
        out.append((starts[0], t1, ((starts[0], t1),)))
    return [(float(a), float(b), w) for a, b, w in out if a >= t0 - 1e-9 and b <= t1 + 1e-9 and b > a]


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
    :math:`AUC_{\tau,ss} = \mathrm{Dose}/CL`, whatever the infusion duration
    and the number of compartments (linear elimination from the central
    compartment) [1]_.

    References
    ----------
    .. [1] Gibaldi M, Perrier D. Pharmacokinetics. 2nd ed. Marcel Dekker; 1982.
       Chapter 3 (multiple dosing: the area over a dosing interval at steady
       state equals the single-dose area to infinity).

    Examples
    --------
    >>> float(steady_state_auc_tau(2000, 5.0))
    400.0
    """
    return np.asarray(dose_mg, dtype=float) / np.asarray(cl_l_per_h, dtype=float)
