r"""Teaching figures: concentration–time curves, population bands, PTA curves and maps.

Every function draws on a Matplotlib ``Axes``: pass one with ``ax=...`` to place
the plot in your own figure, or leave ``ax=None`` and a new 7 × 4 inch figure
(700 px wide at 100 dpi, a README's width) is created. The function returns the
``Axes``; it never calls ``plt.show()`` and never changes ``rcParams``.
Legends sit in rows above the axes, where they cannot hide a curve; in your own
figures use ``layout="constrained"`` (or ``bbox_inches="tight"`` when saving)
so that they are not cut off. On a y axis that already holds data (a second call
on the same axes, or ``sharey`` with a panel drawn before) the y limits are set to
fit both, never narrowed, and a log-scaled y axis stays log-scaled, with positive
limits.

Plotting draws what the engine computes and holds no pharmacokinetics of its
own. Curves are :func:`pkdose.pk.concentration` evaluated between consecutive
breakpoints of the :class:`pkdose.pk.Profile` (both one-sided limits at each),
so a bolus is a true vertical jump and every infusion start or stop is a true
kink; only the line drawing uses a time grid. The spans above the MIC that
:func:`plot_concentration` shades are :func:`pkdose.pk.above_intervals` (exact
crossing times), the per-interval %fT labels :func:`pkdose.pd.ft_by_dose_interval`,
and the steady-state periodicity :attr:`pkdose.pk.Profile.periodic`. Profiles of
one-, two- and three-compartment models are drawn alike.

Internal units: h, L, L/h, mg, mg/L; creatinine clearance in mL/min.

References
----------
.. [1] Okabe M, Ito K. Color Universal Design (CUD): how to make figures and
   presentations that are friendly to colorblind people. J*Fly; 2008.
   https://jfly.uni-koeln.de/color/ (accessed 2026-11-23).
"""

import warnings

import numpy as np
from matplotlib import rcParams
from matplotlib.collections import LineCollection
from matplotlib.colors import TwoSlopeNorm
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.textpath import TextToPath
from matplotlib.ticker import (FixedFormatter, FixedLocator, MaxNLocator, MultipleLocator, NullFormatter, NullLocator,
                               PercentFormatter)

from .errors import InputError
from .extracorporeal import HOURS_PER_WEEK as _WEEK_H
from .extracorporeal import WEEKDAYS as _WEEKDAYS
from .library.clinical import PTA_GOAL
from .pd import ft_above_percent, ft_by_dose_interval
from .pk import BOLUS_MAX_H, above_intervals, concentration

__all__ = [
    "plot_concentration",
    "plot_population_band",
    "plot_pta",
    "plot_pta_heatmap",
    "plot_exposure_by_crcl",
    "plot_pk_check",
    "FIGSIZE_IN",
]

#: Size of a figure created when no ``ax`` is passed: 700 × 400 px at 100 dpi [in].
FIGSIZE_IN = (7.0, 4.0)

# Okabe–Ito colour-blind-safe palette [2]_.
_BLUE, _VERMILION, _GREEN, _ORANGE = "#0072B2", "#D55E00", "#009E73", "#E69F00"
_SKY, _PURPLE, _GREY = "#56B4E9", "#CC79A7", "#7F7F7F"
_LINE_COLOURS = (_BLUE, _VERMILION, _GREEN, _PURPLE, _ORANGE, _SKY, "#000000")

#: Most heat-map rows that each get a tick label; beyond, every k-th row is labelled [-].
_HEATMAP_MAX_ROW_LABELS = 20

#: Points per interval between breakpoints used only to *draw* the curves [-].
_POINTS_PER_INTERVAL = 48
#: The attainment line drawn on PTA plots: the PTA goal of models/clinical.toml [%].
_PTA_TARGET_PERCENT = round(100.0 * PTA_GOAL, 6)
#: Share of an axes' width left to it once a layout engine has made room for its labels [-].
_LAYOUT_WIDTH_SHARE = 0.85


def _new_axes(ax):
    """Return ``ax``, or the axes of a new README-width figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt  # deferred: importing pkdose never picks a backend

    _, ax = plt.subplots(figsize=FIGSIZE_IN, layout="constrained")
    return ax


def _window(profile, t_window_h):
    lo, hi = float(profile.t_h[0]), float(profile.t_h[-1])
    if t_window_h is None:
        return lo, hi
    t0, t1 = (float(x) for x in t_window_h)
    if not lo <= t0 < t1 <= hi:
        raise InputError(f"t_window_h must satisfy {lo} <= t0 < t1 <= {hi} h (the simulated "
                         f"window), got {t_window_h!r}; simulate a longer t_end_h or narrow the window")
    return t0, t1


def _curve(profile, t0, t1):
    """Exact concentrations (n_patients, n_times) on a drawing grid from :func:`pkdose.pk.concentration`.

    Every breakpoint is drawn with both one-sided limits, so that a bolus is a
    vertical jump and an infusion start or stop a true kink.
    """
    t_b = profile.t_h
    edges = t_b[(t_b > t0) & (t_b < t1)]
    bounds = np.concatenate([[t0], edges, [t1]])
    t = np.concatenate([np.linspace(a, b, _POINTS_PER_INTERVAL) for a, b in zip(bounds[:-1], bounds[1:])])
    # the last point of each stretch is its left limit: just before the next breakpoint
    ends = np.arange(1, bounds.size - 1) * _POINTS_PER_INTERVAL - 1
    t_eval = t.copy()
    t_eval[ends] = np.nextafter(t[ends], -np.inf)
    return t, concentration(profile, t_eval)


def _log_y(ax):
    """True if the y axis is log-scaled (e.g. shared with a log panel): limits must stay positive."""
    return ax.get_yscale() == "log"


def _drawn_y(ax):
    """What is already drawn on this y axis or one sharing it: (lowest positive y, highest y, limits).

    ``None`` if nothing is drawn yet. Read before drawing, so that a second
    call on the same axes, or a panel sharing y with one drawn before, widens
    the limits to fit both instead of cutting the first one off.
    """
    boxes = [a.dataLim for a in ax.get_shared_y_axes().get_siblings(ax) if a.has_data()]
    boxes = [b for b in boxes if np.isfinite(b.y1)]
    if not boxes:
        return None
    pos = [b.minposy for b in boxes if np.isfinite(b.minposy)]
    return min(pos) if pos else np.inf, max(b.y1 for b in boxes), ax.get_ylim()


def _set_ylim(ax, lo, hi, drawn):
    """Set the y limits, never narrower than those of what was already drawn (see :func:`_drawn_y`)."""
    if drawn is not None:
        lo, hi = min(lo, min(drawn[2])), max(hi, max(drawn[2]))
    ax.set_ylim(lo, hi)


def _log_limits(lo, hi, top_frac=0.0, bottom_frac=0.0):
    """Log-axis limits that put the positive data range [lo, hi] between the two reserved fractions.

    ``top_frac`` and ``bottom_frac`` are the fractions of the axes height kept
    free above and below the data, measured on the log scale [-].
    """
    lo = min(lo, hi / 1.5)  # at least a factor 1.5 of range
    span = np.log(hi / lo) / (1.0 - top_frac - bottom_frac)
    return lo * np.exp(-bottom_frac * span), hi * np.exp(top_frac * span)


def _positive_floor(values, hi, decades=4.0):
    """Smallest positive value, but at most ``decades`` below ``hi``: a log axis's lower data bound."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    floor = hi * 10.0 ** -decades
    return max(float(v.min()), floor) if v.size else floor


def _time_ticks(ax, t0, t1):
    """Hour ticks on a clinical clock: every 1, 2, 4, 6, 8, 12, 24 or 48 h."""
    span = t1 - t0
    step = next((s for s in (1, 2, 4, 6, 8, 12, 24, 48) if span / s <= 10), 168)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.set_xlim(t0, t1)


def _axes_width_in(ax):
    """Approximate width of the axes [in] (before any layout engine adjusts it)."""
    return ax.get_position().width * ax.figure.get_figwidth()


def _text_width_in(text, size="small"):
    """Rendered width of a one-line text at a relative font size, without a canvas [in]."""
    prop = FontProperties(size=size)
    ismath = "$" in text and text.count("$") % 2 == 0
    width_pt, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=ismath)
    return width_pt / 72.0


def _legend_above(ax, title=None, expand=True):
    """Legend in rows above the axes, where it cannot hide a curve; as many columns as fit.

    ``expand=False`` anchors it at the top-left corner instead of stretching it
    over the axes width, so that a caller may still move it (``set_loc`` and
    ``set_bbox_to_anchor``) without the columns collapsing.
    """
    _, labels = ax.get_legend_handles_labels()
    for size in ("small", "x-small"):
        em_in = FontProperties(size=size).get_size_in_points() / 72.0
        col_in = max(_text_width_in(t, size) for t in labels) + 4.6 * em_in  # handle, padding, gap
        ncol = int(np.clip(_axes_width_in(ax) // col_in, 1, len(labels)))
        if ncol > 1 or len(labels) <= 3:
            break
    if expand:
        anchor = dict(bbox_to_anchor=(0.0, 1.01, 1.0, 0.1), mode="expand")
    else:
        anchor = dict(bbox_to_anchor=(0.0, 1.01))
    ax.legend(loc="lower left", ncol=ncol, borderaxespad=0.0, frameon=False, fontsize=size, handlelength=1.8,
              title=title, title_fontsize=size, alignment="left", **anchor)


def _draw_doses(ax, dosing, t0, t1, strip):
    """Infusion bars (and bolus triangles) in the strip below zero, ``strip`` axes high."""
    bolus = dosing.duration_h <= BOLUS_MAX_H
    inside = np.where(bolus, (dosing.start_h >= t0) & (dosing.start_h <= t1),
                      (dosing.end_h > t0) & (dosing.start_h < t1))
    amounts, durations = np.unique(dosing.amount_mg[inside]), np.unique(dosing.duration_h[inside])
    if amounts.size == 1 and durations.size == 1:
        what = "bolus" if durations[0] <= BOLUS_MAX_H else f"infusion over {durations[0]:g} h"
        label = f"{amounts[0]:g} mg {what}"
    else:
        label = "doses"
    lo, hi = 0.2 * strip, 0.8 * strip
    for s, e in zip(dosing.start_h[inside], dosing.end_h[inside]):
        if e - s > BOLUS_MAX_H:
            ax.axvspan(max(s, t0), min(e, t1), ymin=lo, ymax=hi, color=_GREEN, lw=0, label=label, gid="dose")
        else:
            ax.plot([s], [0.5 * strip], transform=ax.get_xaxis_transform(), marker="^", ms=7, ls="none",
                    color=_GREEN, clip_on=False, label=label, gid="dose")
        label = None


def _draw_sessions(ax, hd_sessions, t0, t1):
    """Haemodialysis sessions as grey full-height bands."""
    if hasattr(hd_sessions, "start_h"):
        starts, ends = hd_sessions.start_h, hd_sessions.end_h
    else:
        starts, ends = hd_sessions
    label = "HD session"
    for s, e in zip(np.atleast_1d(starts), np.atleast_1d(ends)):
        if e > t0 and s < t1:
            ax.axvspan(max(s, t0), min(e, t1), color=_GREY, alpha=0.4, lw=0, label=label,
                       gid="hd_session", zorder=0.2)
            label = None


def _annotate_ft(ax, intervals, ft, t0, t1, index):
    """Write each dosing interval's %fT (``ft``, from :mod:`pkdose.pd`) at its top.

    Returns the style used: "long", "short" or "none" if the intervals are too narrow.
    """
    if not intervals:
        return "none"
    width_in = min(b - a for a, b, _ in intervals) / (t1 - t0) * _axes_width_in(ax)
    long_in, short_in = _text_width_in(f"100% {index}", "small"), _text_width_in("100%", "x-small")
    style = "long" if width_in >= 1.1 * long_in else "short" if width_in >= 1.15 * short_in else "none"
    for (a, b, pieces), pct in zip(intervals, ft):
        if a > t0:
            ax.axvline(a, color=_GREY, lw=0.6, ls=":", zorder=0.5)
        if style == "none":
            continue
        ax.text(0.5 * (a + b), 0.975, f"{pct:.0f}%" + (f" {index}" if style == "long" else ""),
                transform=ax.get_xaxis_transform(), ha="center", va="top",
                fontsize="small" if style == "long" else "x-small", gid="ft_label")
        for h0, h1 in pieces[1:]:  # a wrapped interval's head, before the first dose: same value in ()
            h0 = max(h0, t0)
            if h1 > h0 and (h1 - h0) / (t1 - t0) * _axes_width_in(ax) >= 1.15 * _text_width_in(
                    f"({pct:.0f}%)", "x-small"):
                ax.text(0.5 * (h0 + h1), 0.975, f"({pct:.0f}%)", transform=ax.get_xaxis_transform(),
                        ha="center", va="top", fontsize="x-small", color="0.3", gid="ft_label_wrapped")
    return style


def plot_concentration(profile, *, fu_fraction=None, mic_mg_per_l=None, dosing=None, hd_sessions=None,
                       t_window_h=None, patient=0, label=None, threshold_label="MIC", ft_label=None,
                       periodic=None, ax=None):
    r"""Plot one patient's concentration–time curve with the time above the MIC (or a threshold) shaded.

    Parameters
    ----------
    profile : pkdose.pk.Profile
        Result of :func:`pkdose.pk.simulate` [-].
    fu_fraction : float, optional
        Unbound fraction; if given, the free curve :math:`f_u C` is drawn too
        and compared with the MIC. Without it the total curve is compared [-].
    mic_mg_per_l : float, optional
        MIC (or threshold concentration, see ``threshold_label``), drawn as a
        horizontal line; the time the free (or total) level is above it is
        shaded and its percentage written for each dosing interval [mg/L].
    dosing : pkdose.pk.Dosing, optional
        Infusions to mark as bars in a strip below zero (boluses as
        triangles); also defines the dosing intervals for the %fT>MIC labels [-].
    hd_sessions : tuple of array_like or pkdose.pk.ExtraClearance, optional
        Haemodialysis sessions as ``(start_h, end_h)`` (or an object with
        ``start_h`` and ``end_h`` attributes), shaded grey [h].
    t_window_h : tuple of float, optional
        ``(t0, t1)`` to show; default the whole simulation [h].
    patient : int, optional
        Which virtual patient of ``profile`` to draw [-].
    label : str, optional
        Prefix for the curve labels in the legend, e.g. the regimen [-].
    threshold_label : str, optional
        Name of the line at ``mic_mg_per_l`` in the legend, followed by its
        value: ``"MIC"`` gives "MIC 4 mg/L"; for a β-lactamase inhibitor use
        e.g. ``"avibactam threshold"`` (legend "avibactam threshold 2.5 mg/L",
        shading "free > avibactam threshold") [-].
    ft_label : str, optional
        Short name of the threshold in the per-interval labels "%fT>…";
        default ``threshold_label``. E.g. ``"2.5 mg/L"`` gives "95% fT>2.5 mg/L"
        and ``"C$_T$"`` gives "95% fT>C$_T$" [-].
    periodic : bool, optional
        Whether ``profile`` is one period of a periodic steady state
        (``simulate(..., steady_state=True)``), so that the last dose's interval
        wraps round to the first dose of the next period. ``None`` (default)
        decides from the profile itself (:attr:`pkdose.pk.Profile.periodic`):
        it is periodic when it ends in the state it starts from (before any
        bolus at its start), every compartment included. ``False`` annotates
        only intervals that end at a dose in ``dosing`` [-].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new 7 × 4 in figure if omitted. A log-scaled y axis
        is kept (limits stay positive, the dose strip is the bottom 7 %) [-].

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x in h and y in mg/L.

    Raises
    ------
    InputError
        If ``t_window_h`` lies outside the simulation, ``fu_fraction`` is not in
        (0, 1], or ``periodic=True`` is passed for a profile that is not periodic.

    Notes
    -----
    The free level exceeds :math:`M` exactly when the total level exceeds
    :math:`M/f_u`. The curve is :func:`pkdose.pk.concentration` on a drawing
    grid; the shaded spans are :func:`pkdose.pk.above_intervals`, from the
    exact crossing times (closed form for one compartment, solved to 1e-11 h
    for two or three), so their widths add up to :func:`pkdose.pk.time_above`
    [1]_. Any structure the engine solves (one, two or three compartments) is
    drawn the same way.

    The %fT>MIC labels come from :func:`pkdose.pd.ft_by_dose_interval`, each
    over its own dosing interval (:func:`pkdose.pk.dose_intervals`), from one
    dose start to the next; without ``dosing`` the whole window counts as one
    interval. The last dose's
    interval needs the next dose: in a periodic profile of period :math:`T`
    (e.g. a dialysis week, 168 h, with doses from
    :func:`pkdose.schedule.hd_dose_times`) it runs from the last dose
    :math:`t_n` to :math:`t_1 + T`, so that a 72-h weekend gap counts as 72 h;
    its %fT is evaluated over :math:`[t_n, t_{end}]` plus
    :math:`[t_{start}, t_1]` of the same profile, and written over
    :math:`[t_n, t_{end}]` (and repeated in parentheses over
    :math:`[t_{start}, t_1]` where it fits). In a profile that is not periodic that interval is
    not labelled, unless there is only one dose (its interval is then the rest
    of the window). An interval is labelled only if its drawn part lies wholly
    inside the window. When the intervals are too narrow for the labels (a
    dialysis week at README width) only the percentage is written, and in a
    very narrow panel nothing.

    References
    ----------
    .. [1] Turnidge JD. The pharmacodynamics of beta-lactams. Clin Infect Dis.
       1998;27(1):10-22. doi:10.1086/514622
    .. [2] Nichols WW, Newell P, Critchley IA, Riccobene T, Das S. Avibactam
       pharmacokinetic/pharmacodynamic targets. Antimicrob Agents Chemother.
       2018;62(6):e02446-17. doi:10.1128/AAC.02446-17

    Examples
    --------
    Cefiderocol-like patient, 2 g q8h over 3 h at steady state, free level
    above an MIC of 4 mg/L:

    >>> from matplotlib.figure import Figure
    >>> from pkdose.pk import regimen_dosing, simulate
    >>> d = regimen_dosing(2000, 8, 3, 3)
    >>> p = simulate(4.7, 14.4, d, t_end_h=24, steady_state=True)
    >>> ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=4, dosing=d, ax=Figure().subplots())
    >>> ax.get_ylabel()
    'Concentration [mg/L]'

    An avibactam-like curve against its threshold concentration of 2.5 mg/L [2]_:

    >>> d = regimen_dosing(500, 8, 2, 3)
    >>> p = simulate(10.0, 22.0, d, t_end_h=24, steady_state=True)
    >>> ax = plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=2.5, dosing=d, ax=Figure().subplots(),
    ...                         threshold_label="avibactam threshold", ft_label="2.5 mg/L")
    >>> ax.get_legend_handles_labels()[1][2]
    'avibactam threshold 2.5 mg/L'
    >>> [t.get_text() for t in ax.texts][0]
    '71% fT>2.5 mg/L'
    """
    ax = _new_axes(ax)
    drawn = _drawn_y(ax)
    t0, t1 = _window(profile, t_window_h)
    fu = 1.0 if fu_fraction is None else float(fu_fraction)
    if not 0 < fu <= 1:
        raise InputError(f"fu_fraction must be in (0, 1], got {fu_fraction!r}")
    one = profile.select(patient)
    if periodic is None:
        periodic = bool(one.periodic[0])
    elif periodic and not one.periodic[0]:
        raise InputError("periodic=True, but the profile does not end in the state it starts from: "
                         "simulate one period with steady_state=True, or pass periodic=False", field="periodic")
    prefix = f"{label}: " if label else ""
    t, c = _curve(one, t0, t1)
    c = c[0]
    ax.plot(t, c, color=_BLUE, lw=1.8, label=f"{prefix}total", gid="total")
    if fu_fraction is not None:
        ax.plot(t, fu * c, color=_VERMILION, lw=1.8, label=f"{prefix}free ($f_u$ = {fu:g})", gid="free")
    if hd_sessions is not None:
        _draw_sessions(ax, hd_sessions, t0, t1)
    strip = 0.07 if dosing is not None else 0.0  # axes fraction below the curves for the dose bars
    hi = max(float(c.max()), float(mic_mg_per_l or 0.0), drawn[1] if drawn else 0.0)
    if _log_y(ax):
        lo = _positive_floor(np.concatenate([fu * c, c, [mic_mg_per_l or 0.0, drawn[0] if drawn else 0.0]]), hi)
        _set_ylim(ax, *_log_limits(lo, hi, top_frac=1 / 6, bottom_frac=strip + 0.02), drawn)
    else:
        top = 1.2 * hi or 1.0
        _set_ylim(ax, -strip / (1 - strip) * top, top, drawn)
        top = ax.get_ylim()[1]
        ax.yaxis.set_major_locator(FixedLocator([v for v in MaxNLocator(6).tick_values(0, top)
                                                 if 0 <= v <= top]))
    if mic_mg_per_l is not None:
        mic = float(mic_mg_per_l)
        name = str(threshold_label)
        short = name if ft_label is None else str(ft_label)
        ax.axhline(mic, color="black", lw=1.1, ls="--", label=f"{name} {mic:g} mg/L", gid="mic")
        which, index = ("free", f"fT>{short}") if fu_fraction is not None else ("total", f"T>{short}")
        if dosing is not None:
            intervals, ft = ft_by_dose_interval(one, mic, fu, dosing, t0, t1, periodic=periodic)
        else:
            intervals, ft = [(t0, t1, ((t0, t1),))], ft_above_percent(one, mic, fu, t0, t1)[None]
        style = _annotate_ft(ax, intervals, ft[:, 0], t0, t1, index)
        shade = f"{which} > {name}" + (f" (top: %{index})" if style == "short" else "")
        for a, b in above_intervals(one, mic / fu, t0, t1)[0]:
            ax.axvspan(a, b, ymin=strip, color=_ORANGE, alpha=0.18, lw=0, label=shade,
                       gid="time_above_mic", zorder=0)
            shade = None
    if dosing is not None:
        if not _log_y(ax):
            ax.axhline(0.0, color="black", lw=0.8)
        _draw_doses(ax, dosing, t0, t1, strip)
    _time_ticks(ax, t0, t1)
    ax.set_xlabel("Time [h]")
    ax.set_ylabel("Concentration [mg/L]")
    _legend_above(ax)
    return ax


def plot_population_band(profile, *, fu_fraction=None, percentiles=(5, 50, 95), mic_mg_per_l=None,
                         threshold_label="MIC", ax=None):
    r"""Plot the median concentration and a percentile band across virtual patients.

    Parameters
    ----------
    profile : pkdose.pk.Profile
        Result of :func:`pkdose.pk.simulate` for many patients [-].
    fu_fraction : float, optional
        Unbound fraction; if given, free concentrations :math:`f_u C` are shown [-].
    percentiles : tuple of float, optional
        (lower, middle, upper) percentiles across patients at each time [%].
    mic_mg_per_l : float, optional
        MIC (or threshold concentration) drawn as a horizontal line [mg/L].
    threshold_label : str, optional
        Name of that line in the legend, e.g. ``"avibactam threshold"`` [-].
    ax : matplotlib.axes.Axes, optional
        As in :func:`plot_concentration` [-].

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with the band and the median over time (h, mg/L).

    Raises
    ------
    InputError
        If ``percentiles`` is not three increasing values in [0, 100].

    Notes
    -----
    Percentiles are taken across patients at each drawing time, so the band
    is a pointwise prediction interval: the 95th-percentile line need not be
    any single patient's curve [1]_.

    References
    ----------
    .. [1] Bergstrand M, Hooker AC, Wallin JE, Karlsson MO. Prediction-corrected
       visual predictive checks for diagnosing nonlinear mixed-effects models.
       AAPS J. 2011;13(2):143-151. doi:10.1208/s12248-011-9255-z

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from pkdose.pk import regimen_dosing, simulate
    >>> rng = np.random.default_rng(1)
    >>> p = simulate(4.7 * rng.lognormal(0, 0.34, 200), 14.4, regimen_dosing(2000, 8, 3, 3),
    ...              t_end_h=24, steady_state=True)
    >>> ax = plot_population_band(p, fu_fraction=0.42, mic_mg_per_l=4, ax=Figure().subplots())
    >>> ax.get_ylabel()
    'Free concentration [mg/L]'
    """
    q = np.asarray(percentiles, dtype=float)
    if q.shape != (3,) or np.any(np.diff(q) <= 0) or q[0] < 0 or q[-1] > 100:
        raise InputError(f"percentiles must be three increasing values in [0, 100] %, got {percentiles!r}")
    ax = _new_axes(ax)
    drawn = _drawn_y(ax)
    fu = 1.0 if fu_fraction is None else float(fu_fraction)
    t0, t1 = _window(profile, None)
    t, c = _curve(profile, t0, t1)
    lo, mid, hi = np.percentile(fu * c, q, axis=0)
    which = "free" if fu_fraction is not None else "total"
    ax.fill_between(t, lo, hi, color=_SKY, alpha=0.45, lw=0, gid="band",
                    label=f"{q[0]:g}th–{q[2]:g}th percentile")
    ax.plot(t, mid, color=_BLUE, lw=2, gid="median",
            label=f"{'median' if q[1] == 50 else f'{q[1]:g}th percentile'}, {which} "
                  f"(n = {profile.n_patients})")
    if mic_mg_per_l is not None:
        ax.axhline(float(mic_mg_per_l), color="black", lw=1.1, ls="--",
                   label=f"{threshold_label} {float(mic_mg_per_l):g} mg/L", gid="mic")
    top = max(float(hi.max()), float(mic_mg_per_l or 0.0), drawn[1] if drawn else 0.0)
    if _log_y(ax):
        floor = _positive_floor(np.append(lo, [mic_mg_per_l or 0.0, drawn[0] if drawn else 0.0]), top)
        _set_ylim(ax, *_log_limits(floor, top, top_frac=0.03, bottom_frac=0.03), drawn)
    else:
        _set_ylim(ax, 0.0, 1.08 * top, drawn)
    _time_ticks(ax, t0, t1)
    ax.set_xlabel("Time [h]")
    ax.set_ylabel(f"{which.capitalize()} concentration [mg/L]")
    _legend_above(ax)
    return ax


def _pta_series(pta_frames):
    """(label, MIC, PTA fraction, target) for each regimen in a DataFrame, dict or list."""
    if isinstance(pta_frames, dict):
        items = list(pta_frames.items())
    elif isinstance(pta_frames, (list, tuple)):
        items = [(None, df) for df in pta_frames]
    elif "regimen" in getattr(pta_frames, "columns", ()):
        items = [(None, df) for _, df in pta_frames.groupby("regimen", sort=False)]
    else:
        items = [(None, pta_frames)]
    out = []
    for n, (name, df) in enumerate(items):
        if not {"mic_mg_per_l", "pta_fraction"} <= set(getattr(df, "columns", ())):
            raise InputError("each PTA table needs columns 'mic_mg_per_l' and 'pta_fraction' "
                             "(as made by pkdose.pta.pta_table)")
        df = df.sort_values("mic_mg_per_l")
        if name is None:
            name = str(df["regimen"].iloc[0]) if "regimen" in df else f"regimen {n + 1}"
        target = str(df["target"].iloc[0]) if "target" in df else None
        out.append((name, df["mic_mg_per_l"].to_numpy(float), df["pta_fraction"].to_numpy(float), target))
    return out


def _mic_label(mic):
    """MIC tick text: 0.25, 0.5, 1, 2, … (no trailing zeros) [mg/L]."""
    return f"{mic:.4f}".rstrip("0").rstrip(".")


def _log2_mic_axis(ax, mics):
    """Log2 MIC x axis with one labelled tick per MIC of the dilution series."""
    mics = np.unique(mics)
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(FixedLocator(mics))
    ax.xaxis.set_major_formatter(lambda v, _: _mic_label(v))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlim(mics[0] / 2**0.3, mics[-1] * 2**0.3)
    # Labels that would run together ("0.1250.250.5") stand upright: the ticks are equally spaced
    # on log2 with 2 x 0.3 dilution of margin, and a layout engine later takes some of the width.
    size = rcParams["xtick.labelsize"]
    em_in = FontProperties(size=size).get_size_in_points() / 72.0
    widest_in = max(_text_width_in(_mic_label(m), size) for m in mics)
    spacing_in = _LAYOUT_WIDTH_SHARE * _axes_width_in(ax) / (mics.size - 1 + 0.6)
    if widest_in + em_in > spacing_in:
        ax.tick_params(axis="x", labelrotation=90)
    elif mics.size > 12:
        ax.tick_params(axis="x", labelrotation=45)


def plot_pta(pta_frames, *, breakpoints=None, target_label=None, ax=None):
    r"""Plot the probability of target attainment against the MIC, one line per regimen.

    Parameters
    ----------
    pta_frames : pandas.DataFrame or dict of str to pandas.DataFrame or list
        PTA table(s) from :func:`pkdose.pta.pta_table`, with columns
        ``mic_mg_per_l`` and ``pta_fraction``. One DataFrame with a
        ``regimen`` column gives one line per regimen; a dict maps legend
        labels to tables [-].
    breakpoints : dict of str to float, optional
        Clinical breakpoints drawn as labelled vertical lines, e.g.
        ``{"EUCAST S≤2": 2, "CLSI S≤4": 4}`` [mg/L].
    target_label : str, optional
        PD target shown as the legend title, e.g. ``"≥75 % fT>MIC"``; by
        default the tables' ``target`` column, if any [-].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new 7 × 4 in figure if omitted. A log-scaled y axis
        is kept, with positive limits (PTA of 0 is then not drawn) [-].

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x the MIC in mg/L (log2 scale) and y the PTA in %.

    Raises
    ------
    InputError
        If a table lacks the ``mic_mg_per_l`` or ``pta_fraction`` column.

    Notes
    -----
    MICs are doubling dilutions, so the x axis is log2 with one tick per
    dilution; the tick labels stand upright when the axes is too narrow for
    them side by side. The dotted line is the PTA goal (:data:`pkdose.library.clinical.PTA_GOAL`,
    90 %, with its source in ``models/clinical.toml``); PTA is computed and cited
    in :mod:`pkdose.pta`. The legend, titled with the
    target, sits in rows above the axes, so that it never covers a curve or
    the breakpoint labels written up from the foot of each breakpoint line.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from pkdose.pta import pta_table
    >>> df = pta_table([1, 2, 4, 8], np.array([[1, 1], [1, 1], [1, 0], [0, 0]], bool), regimen="2 g q8h")
    >>> ax = plot_pta(df, breakpoints={"CLSI S≤4": 4}, ax=Figure().subplots())
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['1', '2', '4', '8']
    """
    ax = _new_axes(ax)
    drawn = _drawn_y(ax)
    series = _pta_series(pta_frames)
    for n, (name, mic, pta, _) in enumerate(series):
        ax.plot(mic, 100.0 * pta, marker="o", ms=4.5, lw=1.8, color=_LINE_COLOURS[n % len(_LINE_COLOURS)],
                label=name, gid="pta")
    ax.axhline(_PTA_TARGET_PERCENT, color=_GREY, lw=1.2, ls=":", label=f"{_PTA_TARGET_PERCENT:g} % PTA", gid="pta90")
    _log2_mic_axis(ax, np.concatenate([s[1] for s in series]))
    for name, mic in (breakpoints or {}).items():
        ax.axvline(mic, color="0.3", lw=1.0, ls=(0, (5, 3)), gid="breakpoint", zorder=1)
        ax.text(mic, 0.03, f" {name} ", transform=ax.get_xaxis_transform(), rotation=90,
                ha="right", va="bottom", fontsize="small", color="0.2",
                bbox=dict(fc="white", ec="none", alpha=0.8, pad=0.5))
    if _log_y(ax):
        pct = np.append(100.0 * np.concatenate([s[2] for s in series]), drawn[0] if drawn else 0.0)
        _set_ylim(ax, *_log_limits(_positive_floor(pct, 100.0), 100.0, top_frac=0.02, bottom_frac=0.02),
                  drawn)
    else:
        _set_ylim(ax, -2, 102, drawn)
        ax.yaxis.set_major_locator(FixedLocator(sorted({0, 20, 40, 60, 80, _PTA_TARGET_PERCENT, 100})))
    ax.set_xlabel("MIC [mg/L]")
    ax.set_ylabel("Probability of target attainment [%]")
    title = target_label or next((s[3] for s in series if s[3]), None)
    _legend_above(ax, title=f"Target: {title}" if title else None, expand=False)
    return ax


def _cell_text_colour(rgba):
    """Black on light cells, white on dark ones (relative luminance, ITU-R BT.709)."""
    r, g, b = rgba[:3]
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "white"


def _threshold_edges(mask):
    """Cell edges separating True from False cells of a 2-D mask, as line segments (x = column)."""
    rows, cols = np.nonzero(mask[:, 1:] != mask[:, :-1])
    vertical = [[(c + 0.5, r - 0.5), (c + 0.5, r + 0.5)] for r, c in zip(rows, cols)]
    rows, cols = np.nonzero(mask[1:, :] != mask[:-1, :])
    horizontal = [[(c - 0.5, r + 0.5), (c + 0.5, r + 0.5)] for r, c in zip(rows, cols)]
    return np.array(vertical + horizontal, dtype=float).reshape(-1, 2, 2)


def plot_pta_heatmap(crcl_ml_per_min, mic_mg_per_l, pta_fraction, *, ax=None):
    r"""Plot PTA over a creatinine-clearance × MIC grid, with the 90 % contour.

    Parameters
    ----------
    crcl_ml_per_min : array_like
        Creatinine clearances of the rows, shape (n_crcl,) [mL/min].
    mic_mg_per_l : array_like
        MICs of the columns, shape (n_mic,), usually doubling dilutions [mg/L].
    pta_fraction : array_like
        PTA, shape (n_crcl, n_mic) [-].
    ax : matplotlib.axes.Axes, optional
        Axes to draw on, with linear x and y scales; a new 7 × 4 in figure if
        omitted [-].

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x the MIC in mg/L and y the CrCL in mL/min; the
        colour bar (PTA in %) is attached to the same figure.

    Raises
    ------
    InputError
        If the shape of ``pta_fraction`` does not match the two axes, a value
        lies outside [0, 1], or ``ax`` has a log (non-linear) scale: cells are
        placed by row and column number, which a log axis cannot show.

    Notes
    -----
    Each cell is one (CrCL, MIC) pair, drawn with equal width whatever the
    spacing of the values. The diverging colour scale is centred on 90 %:
    blue cells reach the PTA goal (``models/clinical.toml``), red ones fall short. The
    black line is the 90 % contour at the grid's resolution: it runs along the
    cell edges that separate cells with PTA ≥ 90 % from the others, so it never
    hides a cell's number and claims nothing between grid points. Cells are
    annotated with their PTA (%) when the grid has at most 16 rows and 14 columns.

    Every row's CrCL is written on the y axis when there are at most 20 rows,
    in a smaller font when the rows are too close for the usual one. Beyond
    20 rows every k-th row is labelled, starting with the first, with
    :math:`k = \lceil n_{crcl} / 20 \rceil`, so that at most 20 labels
    are shown.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> pta = np.array([[1.0, 0.95, 0.4], [1.0, 0.7, 0.1]])
    >>> ax = plot_pta_heatmap([30, 90], [1, 2, 4], pta, ax=Figure().subplots())
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('MIC [mg/L]', 'Creatinine clearance [mL/min]')
    """
    crcl = np.atleast_1d(np.asarray(crcl_ml_per_min, dtype=float))
    mic = np.atleast_1d(np.asarray(mic_mg_per_l, dtype=float))
    pct = 100.0 * np.asarray(pta_fraction, dtype=float)
    if pct.shape != (crcl.size, mic.size):
        raise InputError(f"pta_fraction must have shape (n_crcl, n_mic) = ({crcl.size}, {mic.size}), "
                         f"got {pct.shape}; transpose it if the MICs run down the rows")
    if np.any((pct < 0) | (pct > 100)):
        raise InputError("pta_fraction must lie in [0, 1]; pass a fraction, not a percentage")
    ax = _new_axes(ax)
    if ax.get_xscale() != "linear" or ax.get_yscale() != "linear":
        raise InputError(f"plot_pta_heatmap draws cells by row and column number and needs linear axes, "
                         f"got x {ax.get_xscale()!r} and y {ax.get_yscale()!r}; give it axes of its own "
                         "(not shared with a log-scaled panel)")
    norm = TwoSlopeNorm(vmin=0.0, vcenter=_PTA_TARGET_PERCENT, vmax=100.0)
    n_row, n_col = pct.shape
    small = n_row <= 16 and n_col <= 14
    mesh = ax.pcolormesh(np.arange(n_col + 1) - 0.5, np.arange(n_row + 1) - 0.5, pct, cmap="RdBu", norm=norm,
                         edgecolors="white", linewidth=0.5 if small else 0.0)
    ax.add_collection(LineCollection(_threshold_edges(pct >= _PTA_TARGET_PERCENT), colors="black",
                                     linewidths=2.2, capstyle="projecting", gid="pta90_contour"))
    if small:
        for (i, j), v in np.ndenumerate(pct):
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize="x-small" if n_row > 12 else "small",
                    color=_cell_text_colour(mesh.cmap(norm(v))), gid="cell_label")
    labels = [_mic_label(m) for m in mic]
    ax.set_xticks(np.arange(n_col), labels)
    if n_col * max(len(t) for t in labels) > 60:
        ax.tick_params(axis="x", labelrotation=45)
    step = int(np.ceil(n_row / _HEATMAP_MAX_ROW_LABELS))
    ax.set_yticks(np.arange(0, n_row, step), [f"{c:g}" for c in crcl[::step]])
    ax.tick_params(axis="y", labelsize=_row_label_size(ax, n_row / step))
    ax.set_xlabel("MIC [mg/L]")
    ax.set_ylabel("Creatinine clearance [mL/min]")
    bar = ax.figure.colorbar(mesh, ax=ax, label="PTA [%]", ticks=sorted({0, 25, 50, 75, _PTA_TARGET_PERCENT, 100}))
    bar.ax.axhline(_PTA_TARGET_PERCENT, color="black", lw=2.0)
    bar.ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.legend(handles=[Line2D([], [], color="black", lw=2.0, label=f"PTA ≥ {_PTA_TARGET_PERCENT:g} % boundary")],
              loc="lower left", bbox_to_anchor=(0.0, 1.01), borderaxespad=0.0, frameon=False,
              fontsize="small")
    return ax


def _row_label_size(ax, n_labels):
    """Largest of "small", "x-small" and "xx-small" whose line fits the spacing of ``n_labels`` tick labels."""
    spacing_pt = ax.get_position().height * ax.figure.get_figheight() * 72.0 / max(n_labels, 1)
    for size in ("small", "x-small"):
        if spacing_pt >= 1.25 * FontProperties(size=size).get_size_in_points():
            return size
    return "xx-small"


def _band_label_layout(text, band_in, size="small"):
    """Wrap a band label onto lines, or turn it upright, so that it fits a band ``band_in`` wide."""
    avail = 0.85 * band_in
    if _text_width_in(text, size) <= avail:
        return text, 0
    words = text.split(" ")
    if max(_text_width_in(w, size) for w in words) > avail:
        return text, 90
    lines = [words[0]]
    for w in words[1:]:
        if _text_width_in(f"{lines[-1]} {w}", size) <= avail:
            lines[-1] = f"{lines[-1]} {w}"
        else:
            lines.append(w)
    return "\n".join(lines), 0


def plot_exposure_by_crcl(crcl_ml_per_min, values, *, bands=None, ylabel="AUC24 [mg·h/L]",
                          xlabel="Creatinine clearance [mL/min]", ax=None):
    r"""Plot an exposure (AUC24 or trough) against creatinine clearance, with the label's bands.

    Parameters
    ----------
    crcl_ml_per_min : array_like
        Creatinine clearances, shape (n_crcl,) [mL/min]; or any other x
        quantity named by ``xlabel``, e.g. CRRT effluent rates [L/h].
    values : array_like
        Exposure at each CrCL, shape (n_crcl,) for one line, or
        (n_patients, n_crcl) for a median with a 5th–95th percentile band
        [unit of ``ylabel``].
    bands : list of tuple, optional
        Dose bands as ``(lo, hi, label)``, e.g. ``(30, 60, "1.5 g q8h")``;
        ``hi`` may be ``inf``. They are shaded alternately and labelled at the
        top [mL/min, or the unit of ``xlabel``].
    ylabel : str, optional
        y-axis label with its unit in brackets [-].
    xlabel : str, optional
        x-axis label with its unit in brackets, e.g. ``"CRRT effluent [L/h]"``;
        default creatinine clearance [-].
    ax : matplotlib.axes.Axes, optional
        As in :func:`plot_concentration` [-].

    Returns
    -------
    matplotlib.axes.Axes
        The axes, with x in mL/min (or the unit of ``xlabel``) and y in the unit of ``ylabel``.

    Raises
    ------
    InputError
        If ``values`` does not have n_crcl columns.

    Notes
    -----
    Under a banded label the exposure is a saw-tooth in CrCL: within a band the
    dose is fixed and AUC24 = daily dose / CL falls as CL rises; at a band
    edge the dose steps up [1]_. Plotting it shows where a band edge leaves
    patients under- or over-exposed.

    References
    ----------
    .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and Pharmacodynamics:
       Concepts and Applications. 4th ed. Lippincott Williams & Wilkins; 2011.
       Dose adjustment in renal disease (chapter on disease as a source of variability).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> crcl = np.linspace(10, 150, 141)
    >>> daily_mg = np.where(crcl < 60, 4500, 6000)
    >>> ax = plot_exposure_by_crcl(crcl, daily_mg / (1 + 0.05 * crcl), ax=Figure().subplots(),
    ...                            bands=[(0, 60, "1.5 g q8h"), (60, np.inf, "2 g q8h")])
    >>> ax.get_xlabel()
    'Creatinine clearance [mL/min]'

    Against CRRT effluent instead, with a trough:

    >>> ax = plot_exposure_by_crcl([1, 2, 3, 4], [30, 18, 12, 9], ax=Figure().subplots(),
    ...                            ylabel="Trough, free [mg/L]", xlabel="CRRT effluent [L/h]")
    >>> ax.get_xlabel()
    'CRRT effluent [L/h]'
    """
    crcl = np.atleast_1d(np.asarray(crcl_ml_per_min, dtype=float))
    y = np.asarray(values, dtype=float)
    if y.shape[-1:] != crcl.shape or y.ndim > 2:
        raise InputError(f"values must have shape (n_crcl,) or (n_patients, n_crcl) with "
                         f"n_crcl = {crcl.size}, got {y.shape}")
    ax = _new_axes(ax)
    drawn = _drawn_y(ax)
    name = ylabel.split("[")[0].strip() or "exposure"
    if y.ndim == 2:
        lo, mid, hi = np.percentile(y, [5, 50, 95], axis=0)
        ax.fill_between(crcl, lo, hi, color=_SKY, alpha=0.45, lw=0, label="5th–95th percentile", gid="band")
        ax.plot(crcl, mid, color=_BLUE, lw=2, label=f"{name}, median (n = {y.shape[0]})", gid="exposure")
    else:
        hi = y
        ax.plot(crcl, y, color=_BLUE, lw=2, label=name, gid="exposure")
    x0, x1 = crcl.min(), crcl.max()
    axes_w_in, axes_h_in = _axes_width_in(ax), ax.get_position().height * ax.figure.get_figheight()
    log = _log_y(ax)
    highest = max(float(hi.max()), drawn[1] if drawn else 0.0)
    # Lowest drawn value: a log axis starts just below it; a linear one at 0.
    lowest = np.append(lo if y.ndim == 2 else y, drawn[0] if drawn else 0.0)
    bottom = _log_limits(_positive_floor(lowest, highest), highest, bottom_frac=0.04)[0] if log else 0.0

    def top_for(value, frac):
        """Upper limit that puts ``value`` at ``frac`` of the axes height (log or linear)."""
        return bottom * (value / bottom) ** (1.0 / frac) if log else value / frac

    top = top_for(highest, 1 / 1.08)
    for n, (lo_b, hi_b, text) in enumerate(bands or []):
        a, b = max(lo_b, x0), min(hi_b, x1)
        if b <= a:
            continue
        ax.axvspan(a, b, color=_GREY if n % 2 == 0 else "white", alpha=0.13, lw=0, zorder=0, gid="crcl_band")
        if lo_b > x0:
            ax.axvline(lo_b, color=_GREY, lw=0.8, zorder=0.5)
        shown, rot = _band_label_layout(str(text), (b - a) / (x1 - x0) * axes_w_in)
        ax.text(0.5 * (a + b), 0.97, shown, transform=ax.get_xaxis_transform(), ha="center", va="top",
                rotation=rot, fontsize="small", linespacing=1.1, gid="band_label")
        # Head-room: keep this band's curve below its label.
        em_in = FontProperties(size="small").get_size_in_points() / 72.0
        label_in = _text_width_in(shown) if rot else 1.25 * em_in * (shown.count("\n") + 1)
        in_band = (crcl >= a) & (crcl <= b)
        if np.any(in_band):
            top = max(top, top_for(hi[in_band].max(), max(0.93 - label_in / axes_h_in, 0.3)))
    ax.set_xlim(x0, x1)
    _set_ylim(ax, bottom, top, drawn)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _legend_above(ax)
    return ax


def plot_pk_check(check, ax=None, **kwargs):
    r"""One concentration panel per analyte of a PK check, at steady state, for the typical patient.

    Parameters
    ----------
    check : PKCheck
        Result of :func:`pkdose.exposure.pk_check` [-].
    ax : matplotlib.axes.Axes or sequence of matplotlib.axes.Axes, optional
        One Axes per analyte, in the order of ``check.courses`` (one Axes
        alone for a one-analyte product); a new figure when omitted. The
        former name ``axes=`` still works, with a DeprecationWarning [-].
    **kwargs
        Only ``axes``, the deprecated name of ``ax`` [-].

    Returns
    -------
    list of matplotlib.axes.Axes

    Raises
    ------
    InputError
        The number of Axes is not the number of analytes, or an unknown
        keyword is given.

    Notes
    -----
    Each panel is :func:`plot_concentration` over one period (a week on
    haemodialysis, with the sessions shaded and the x axis labelled by
    weekday, Monday 00:00 = 0 h). An analyte with an MIC target is
    drawn against the MIC; one with a fixed threshold (avibactam) against its
    threshold, labelled as such; one without a target (ceftazidime in the
    ceftazidime-avibactam + aztreonam combination) without a line.
    """
    ax = _renamed_axes_keyword(ax, kwargs)
    courses = check.courses
    if ax is None:
        import matplotlib.pyplot as plt

        _, grid = plt.subplots(len(courses), 1, figsize=(FIGSIZE_IN[0], 3.2 * len(courses)),
                               layout="constrained", squeeze=False)
        ax = grid[:, 0]
    axes = [ax] if hasattr(ax, "plot") else list(ax)
    if len(axes) != len(courses):
        raise InputError(f"plot_pk_check needs one Axes per analyte ({len(courses)}), got {len(axes)}")
    targets = {row["analyte"]: row for row in check.targets.to_dict("records")}
    for one, (analyte, c) in zip(axes, courses.items()):
        profile = c.typical_profile()
        target = targets.get(analyte)
        threshold = None if target is None else target["threshold_mg_per_l"]
        labels = {}
        if target is not None and target["metric"] != "ft_above_mic":
            labels = dict(threshold_label=f"{analyte} threshold", ft_label=f"{threshold:g} mg/L")
        week = c.extra is not None and c.period_h == _WEEK_H
        sessions = (c.extra.start_h, c.extra.end_h) if week else None
        plot_concentration(profile, fu_fraction=c.model.fu_fraction, mic_mg_per_l=threshold, dosing=c.dosing,
                           hd_sessions=sessions, label=analyte, ax=one, **labels)
        if week:
            _weekday_ticks(one)
    return axes




def _weekday_ticks(ax):
    """A dialysis week's x axis: a weekday under each day, ticks at 00:00, minor ticks every 6 h."""
    ax.xaxis.set_major_locator(FixedLocator(np.arange(0.0, _WEEK_H + 1, 24.0)))
    ax.xaxis.set_major_formatter(NullFormatter())
    ax.xaxis.set_minor_locator(FixedLocator(np.arange(12.0, _WEEK_H, 24.0)))
    ax.xaxis.set_minor_formatter(FixedFormatter(_WEEKDAYS))
    ax.tick_params(axis="x", which="minor", length=0)
    ax.set_xlabel("Day of the dialysis week (ticks at 00:00)")


def _renamed_axes_keyword(ax, kwargs):
    """``axes=`` was the name of ``ax`` in plot_pk_check: accept it once more, with a warning."""
    if set(kwargs) - {"axes"}:
        raise InputError(f"plot_pk_check() got unexpected keyword(s) {sorted(set(kwargs) - {'axes'})}; "
                         "it takes check and ax", field=sorted(set(kwargs) - {"axes"})[0])
    if "axes" in kwargs:
        if ax is not None:
            raise InputError("give ax (or the former axes), not both", field="ax")
        warnings.warn("plot_pk_check(axes=...) is deprecated: use ax=, as in every other pkdose plot",
                      DeprecationWarning, stacklevel=3)
        return kwargs["axes"]
    return ax
