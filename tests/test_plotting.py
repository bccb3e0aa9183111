"""Plotting: returned Axes, units on the axes, and exact shading of the time above the MIC."""

import io
import re
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from numpy.testing import assert_allclose  # noqa: E402

from pkdose import plotting  # noqa: E402
from pkdose.errors import InputError  # noqa: E402
from pkdose.pd import ft_above_percent  # noqa: E402
from pkdose.pk import (  # noqa: E402
    Dosing,
    ExtraClearance,
    combine_dosing,
    concentration,
    regimen_dosing,
    simulate,
    time_above,
)
from pkdose.plotting import (  # noqa: E402
    plot_concentration,
    plot_exposure_by_crcl,
    plot_population_band,
    plot_pta,
    plot_pta_heatmap,
)
from pkdose.pta import pta_table  # noqa: E402
from pkdose.schedule import WEEK_H, hd_dose_times  # noqa: E402

UNIT = re.compile(r"\[[^\]]+\]")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def cefiderocol():
    """CL 4.7 L/h, V 14.4 L, 2 g q8h over 3 h at steady state (24 h shown)."""
    d = regimen_dosing(2000, 8, 3, 3)
    return simulate(4.7, 14.4, d, t_end_h=24, steady_state=True), d


@pytest.fixture
def hd_week():
    """CL 0.5 L/h, V 18 L, 0.75 g q12h over 3 h; HD Mon/Wed/Fri 4 h adding 3 L/h; steady-state week."""
    start = np.array([8.0, 56.0, 104.0])
    extra = ExtraClearance(start, start + 4.0, 3.0)
    d = regimen_dosing(750, 12, 3, 14)
    return simulate(0.5, 18.0, d, extra, t_end_h=168, steady_state=True), d, extra


@pytest.fixture
def avibactam_hd_week():
    """Avibactam-like (CL 0.69 L/h, V 21.7 L, fu 0.92), 187.5 mg over 2 h after each HD session.

    HD Mon/Wed/Fri 08:00-12:00 adding 2.9 L/h; q48h placed by hd_dose_times: doses at 12, 60 and
    108 h, so the Friday dose's interval is the 72-h weekend gap to Monday 12:00 (180 h).
    """
    start = np.array([8.0, 56.0, 104.0])
    extra = ExtraClearance(start, start + 4.0, 2.9)
    d = Dosing(hd_dose_times(48, start + 4.0), 187.5, 2.0)
    return simulate(0.69, 21.7, d, extra, t_end_h=WEEK_H, steady_state=True), d, extra


def _pta_frames():
    mics = 2.0 ** np.arange(-2, 5)
    att_a = np.array([[True] * 10] * 4 + [[True] * 7 + [False] * 3, [True] * 2 + [False] * 8, [False] * 10])
    att_b = np.array([[True] * 10] * 5 + [[True] * 6 + [False] * 4, [False] * 10])
    return {"2 g q8h over 3 h": pta_table(mics, att_a, regimen="2 g q8h over 3 h", target="75 % fT>MIC"),
            "2 g q6h over 3 h": pta_table(mics, att_b, regimen="2 g q6h over 3 h", target="75 % fT>MIC")}


def _span_widths(ax, gid):
    """(start, end) of every axvspan with this gid [h], whatever Matplotlib's patch type."""
    out = []
    for p in ax.patches:
        if p.get_gid() != gid:
            continue
        if hasattr(p, "get_width"):
            out.append((p.get_x(), p.get_x() + p.get_width()))
        else:  # Matplotlib < 3.9 returned a Polygon
            xs = p.get_xy()[:, 0]
            out.append((xs.min(), xs.max()))
    return np.array(out).reshape(-1, 2)


def _all_figures(cefiderocol):
    p, d = cefiderocol
    return [
        plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d),
        plot_population_band(p, fu_fraction=0.42, mic_mg_per_l=16),
        plot_pta(_pta_frames(), breakpoints={"EUCAST S≤2": 2, "CLSI S≤4": 4}),
        plot_pta_heatmap([30, 60, 90], [1, 2, 4, 8],
                         np.array([[1, 1, .95, .5], [1, .97, .8, .2], [1, .9, .6, .1]])),
        plot_exposure_by_crcl(np.linspace(10, 150, 50), np.linspace(900, 300, 50),
                              bands=[(0, 50, "1.5 g q8h"), (50, np.inf, "2 g q8h")]),
    ]


# --- every function ---------------------------------------------------------------------------


def test_each_function_returns_axes_with_units_and_a_legend(cefiderocol):
    for ax in _all_figures(cefiderocol):
        assert isinstance(ax, Axes)
        assert UNIT.search(ax.get_xlabel()), ax.get_xlabel()
        assert UNIT.search(ax.get_ylabel()), ax.get_ylabel()
        assert ax.get_legend() is not None
        assert tuple(ax.figure.get_size_inches()) == plotting.FIGSIZE_IN


def test_each_function_draws_on_a_passed_axes_without_new_figures(cefiderocol):
    p, d = cefiderocol
    fig, axs = plt.subplots(2, 3, figsize=(12, 6))
    n_figures = len(plt.get_fignums())
    calls = [
        lambda ax: plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d, ax=ax),
        lambda ax: plot_population_band(p, ax=ax),
        lambda ax: plot_pta(_pta_frames(), ax=ax),
        lambda ax: plot_pta_heatmap([30, 90], [1, 2], np.array([[1, .5], [.95, .2]]), ax=ax),
        lambda ax: plot_exposure_by_crcl([10, 50, 90], [800, 500, 300], ax=ax),
    ]
    for call, ax in zip(calls, axs.flat):
        assert call(ax) is ax
    assert len(plt.get_fignums()) == n_figures


def test_no_show_and_no_global_style_changes(cefiderocol, monkeypatch):
    def refuse():
        raise AssertionError("plotting must never call plt.show()")

    monkeypatch.setattr(plt, "show", refuse)
    before = dict(matplotlib.rcParams)
    _all_figures(cefiderocol)
    after = dict(matplotlib.rcParams)
    assert {k for k in before if before[k] != after[k]} == set()


def test_figures_render_headless(cefiderocol, tmp_path):
    for n, ax in enumerate(_all_figures(cefiderocol)):
        ax.figure.savefig(tmp_path / f"{n}.png", dpi=100)
        assert (tmp_path / f"{n}.png").stat().st_size > 5_000


# --- plot_concentration -------------------------------------------------------------------------


@pytest.mark.parametrize("mic", [0.5, 4.0, 16.0, 30.0, 45.0])
def test_shaded_time_equals_exact_time_above_cefiderocol(cefiderocol, mic):
    p, d = cefiderocol
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=mic, dosing=d)
    spans = _span_widths(ax, "time_above_mic")
    assert_allclose(np.sum(spans[:, 1] - spans[:, 0]), time_above(p, mic / 0.42, 0, 24)[0], atol=1e-6)
    assert np.all(np.diff(spans.ravel()) > 0)  # disjoint, ordered spans


@pytest.mark.parametrize("mic", [8.0, 16.0, 20.0])
@pytest.mark.parametrize("window", [None, (0.0, 48.0), (10.0, 61.5)])
def test_shaded_time_equals_exact_time_above_dialysis_week(hd_week, mic, window):
    p, d, extra = hd_week
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=mic, dosing=d, hd_sessions=extra,
                            t_window_h=window)
    t0, t1 = window or (0.0, 168.0)
    spans = _span_widths(ax, "time_above_mic")
    assert spans.size  # the case crosses the MIC
    assert_allclose(np.sum(spans[:, 1] - spans[:, 0]), time_above(p, mic / 0.42, t0, t1)[0], atol=1e-6)
    assert spans.min() >= t0 and spans.max() <= t1


def test_shading_is_exact_at_each_crossing():
    """Bolus 1000 mg, V 10 L, CL 1 L/h: total above 50 mg/L for exactly 10 ln 2 h."""
    d = regimen_dosing(1000, 24, 0, 1)
    p = simulate(1.0, 10.0, d, t_end_h=24)
    ax = plot_concentration(p, mic_mg_per_l=50.0, dosing=d)
    assert_allclose(_span_widths(ax, "time_above_mic"), [[0.0, 10 * np.log(2)]], atol=1e-12)
    assert [t.get_text() for t in ax.texts if t.get_gid() == "ft_label"] == ["29% T>MIC"]


def test_shading_of_one_patient_in_a_population():
    rng = np.random.default_rng(2)
    d = regimen_dosing(2000, 8, 3, 3)
    p = simulate(4.7 * rng.lognormal(0, 0.35, 20), 14.4 * rng.lognormal(0, 0.2, 20), d, t_end_h=24,
                 steady_state=True)
    for patient in (0, 7, 19):
        ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=12, dosing=d, patient=patient)
        spans = _span_widths(ax, "time_above_mic")
        assert_allclose(np.sum(np.diff(spans, axis=1)), time_above(p, 12 / 0.42, 0, 24)[patient], atol=1e-6)


def test_no_shading_when_never_above_mic(cefiderocol):
    p, d = cefiderocol
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=64, dosing=d)
    assert _span_widths(ax, "time_above_mic").size == 0
    assert [t.get_text() for t in ax.texts if t.get_gid() == "ft_label"] == ["0% fT>MIC"] * 3


def test_ft_labels_match_pd_per_dosing_interval(cefiderocol):
    p, d = cefiderocol
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d)
    texts = [t for t in ax.texts if t.get_gid() == "ft_label"]
    expected = [ft_above_percent(p, 16, 0.42, a, a + 8)[0] for a in (0, 8, 16)]
    assert [t.get_text() for t in texts] == [f"{v:.0f}% fT>MIC" for v in expected]
    assert_allclose([t.get_position()[0] for t in texts], [4, 12, 20])


def test_ft_labels_shorten_then_disappear_as_intervals_narrow(hd_week):
    p, d, extra = hd_week
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d, hd_sessions=extra)
    labels = [t.get_text() for t in ax.texts if t.get_gid() == "ft_label"]
    assert len(labels) == 14 and all(re.fullmatch(r"\d+%", t) for t in labels)
    assert any("top: %fT>MIC" in t for t in ax.get_legend_handles_labels()[1])
    _, tiny = plt.subplots(figsize=(2.5, 2))
    plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d, ax=tiny)
    assert not [t for t in tiny.texts if t.get_gid() == "ft_label"]


def _ft_labels(ax):
    return [t.get_text() for t in ax.texts if t.get_gid() == "ft_label"]


def test_weekend_gap_interval_wraps_round_the_periodic_week(avibactam_hd_week):
    """The Friday dose's interval runs to Monday's dose next week (72 h), not 48 h."""
    p, d, extra = avibactam_hd_week
    # Independent truth: the same schedule repeated over two weeks, where 108-180 h lies inside.
    d2 = combine_dosing(d, Dosing(d.start_h + WEEK_H, d.amount_mg, d.duration_h))
    e2 = ExtraClearance(np.append(extra.start_h, extra.start_h + WEEK_H),
                        np.append(extra.end_h, extra.end_h + WEEK_H), 2.9)
    p2 = simulate(0.69, 21.7, d2, e2, t_end_h=2 * WEEK_H, steady_state=True)
    intervals = [(12, 60), (60, 108), (108, 180)]
    truth = [float(ft_above_percent(p2, 1.0, 0.92, a, b)[0]) for a, b in intervals]
    assert round(truth[2]) == 95 and float(ft_above_percent(p, 1.0, 0.92, 108, 156)[0]) == 100  # old label
    # The same from the one-week profile: [108, 168] plus [0, 12], weighted by length.
    wrapped = (60 * ft_above_percent(p, 1.0, 0.92, 108, 168)[0]
               + 12 * ft_above_percent(p, 1.0, 0.92, 0, 12)[0]) / 72
    assert_allclose(wrapped, truth[2], rtol=1e-9)

    ax = plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=1.0, dosing=d, hd_sessions=extra)
    texts = [t for t in ax.texts if t.get_gid() == "ft_label"]
    assert [t.get_text() for t in texts] == [f"{v:.0f}% fT>MIC" for v in truth]
    assert _ft_labels(ax)[2] == "95% fT>MIC"
    assert_allclose([t.get_position()[0] for t in texts], [36, 84, 138])  # the last over 108-168 h
    head = [t for t in ax.texts if t.get_gid() == "ft_label_wrapped"]  # its part before Monday's dose
    assert [t.get_text() for t in head] == ["(95%)"] and head[0].get_position()[0] == 6
    # A window that stops before the end of the week cannot show the wrapped interval.
    ax = plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=1.0, dosing=d, t_window_h=(0, 160))
    assert len(_ft_labels(ax)) == 2


@pytest.mark.parametrize("mic", [0.5, 1.0, 2.0, 4.0])
def test_every_interval_label_matches_pd_on_the_hd_week(avibactam_hd_week, mic):
    p, d, _ = avibactam_hd_week
    ax = plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=mic, dosing=d)
    last = (60 * ft_above_percent(p, mic, 0.92, 108, 168)[0] + 12 * ft_above_percent(p, mic, 0.92, 0, 12)[0]) / 72
    expected = [ft_above_percent(p, mic, 0.92, 12, 60)[0], ft_above_percent(p, mic, 0.92, 60, 108)[0], last]
    assert _ft_labels(ax) == [f"{v:.0f}% fT>MIC" for v in expected]


def test_unequal_intervals_use_consecutive_dose_starts():
    """Doses at 0, 6 and 18 h of a 24-h steady-state day: intervals 6, 12 and 6 h."""
    d = Dosing([0.0, 6.0, 18.0], 1000.0, 0.5)
    p = simulate(3.0, 15.0, d, t_end_h=24, steady_state=True)
    ax = plot_concentration(p, mic_mg_per_l=20.0, dosing=d)
    expected = [ft_above_percent(p, 20.0, 1.0, a, b)[0] for a, b in ((0, 6), (6, 18), (18, 24))]
    assert _ft_labels(ax) == [f"{v:.0f}% T>MIC" for v in expected]


def test_without_periodicity_only_complete_intervals_are_labelled(avibactam_hd_week):
    p, d, extra = avibactam_hd_week
    from_empty = simulate(0.69, 21.7, d, extra, t_end_h=WEEK_H)  # first week of therapy: not periodic
    ax = plot_concentration(from_empty, fu_fraction=0.92, mic_mg_per_l=1.0, dosing=d)
    assert _ft_labels(ax) == [f"{ft_above_percent(from_empty, 1.0, 0.92, a, b)[0]:.0f}% fT>MIC"
                              for a, b in ((12, 60), (60, 108))]
    assert len(_ft_labels(plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=1.0, dosing=d,
                                             periodic=False))) == 2
    with pytest.raises(InputError, match="periodic"):
        plot_concentration(from_empty, fu_fraction=0.92, mic_mg_per_l=1.0, dosing=d, periodic=True)


def test_periodicity_is_detected_with_a_bolus_at_the_start():
    d = regimen_dosing(1000, 8, 0, 3)
    p = simulate(4.0, 20.0, d, t_end_h=24, steady_state=True)
    ax = plot_concentration(p, mic_mg_per_l=5.0, dosing=d)
    assert _ft_labels(ax) == [f"{ft_above_percent(p, 5.0, 1.0, 0, 8)[0]:.0f}% T>MIC"] * 3
    assert len(_ft_labels(plot_concentration(simulate(4.0, 20.0, d, t_end_h=24), mic_mg_per_l=5.0,
                                             dosing=d))) == 2


def test_threshold_label_for_a_beta_lactamase_inhibitor(avibactam_hd_week):
    p, d, extra = avibactam_hd_week
    ax = plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=2.5, dosing=d, hd_sessions=extra,
                            threshold_label="avibactam threshold", ft_label="2.5 mg/L")
    labels = ax.get_legend_handles_labels()[1]
    assert "avibactam threshold 2.5 mg/L" in labels and "free > avibactam threshold" in labels
    assert not any("MIC" in t for t in labels + _ft_labels(ax))
    assert _ft_labels(ax) and all(t.endswith("% fT>2.5 mg/L") for t in _ft_labels(ax))
    ax = plot_concentration(p, fu_fraction=0.92, mic_mg_per_l=2.5, dosing=d, threshold_label="C$_T$")
    assert "C$_T$ 2.5 mg/L" in ax.get_legend_handles_labels()[1]
    assert all(t.endswith("% fT>C$_T$") for t in _ft_labels(ax))
    ax.figure.canvas.draw()  # the mathtext renders
    band = plot_population_band(p, fu_fraction=0.92, mic_mg_per_l=2.5, threshold_label="avibactam threshold")
    assert "avibactam threshold 2.5 mg/L" in band.get_legend_handles_labels()[1]


def test_mic_line_curves_and_legend_entries(cefiderocol):
    p, d = cefiderocol
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d, label="2 g q8h")
    mic = [ln for ln in ax.lines if ln.get_gid() == "mic"]
    assert len(mic) == 1 and mic[0].get_ydata()[0] == 16
    labels = ax.get_legend_handles_labels()[1]
    assert {"2 g q8h: total", "2 g q8h: free ($f_u$ = 0.42)", "MIC 16 mg/L", "free > MIC",
            "2000 mg infusion over 3 h"} <= set(labels)
    assert ax.get_legend().get_texts()


def test_drawn_curve_is_the_closed_form_with_both_limits_at_a_bolus():
    d = regimen_dosing(1000, 12, 0, 2)
    p = simulate(1.0, 10.0, d, t_end_h=24)
    ax = plot_concentration(p, fu_fraction=0.5, dosing=d)
    total = next(ln for ln in ax.lines if ln.get_gid() == "total")
    free = next(ln for ln in ax.lines if ln.get_gid() == "free")
    t, c = total.get_xdata(), total.get_ydata()
    interior = (t > 0) & (t < 24) & (t != 12)
    assert_allclose(c[interior], concentration(p, t[interior])[0], rtol=1e-12)
    assert_allclose(free.get_ydata(), 0.5 * c)
    at_dose = np.nonzero(t == 12)[0]
    assert_allclose(c[at_dose], [100 * np.exp(-1.2), 100 * np.exp(-1.2) + 100], rtol=1e-12)


def test_dose_markers_and_dialysis_sessions(hd_week):
    p, d, extra = hd_week
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=4, dosing=d, t_window_h=(0, 48),
                            hd_sessions=(extra.start_h, extra.end_h))
    doses = _span_widths(ax, "dose")
    assert_allclose(doses, [[0, 3], [12, 15], [24, 27], [36, 39]])
    assert_allclose(_span_widths(ax, "hd_session"), [[8, 12]])
    labels = ax.get_legend_handles_labels()[1]
    assert labels.count("HD session") == 1 and labels.count("750 mg infusion over 3 h") == 1
    assert ax.get_xlim() == (0.0, 48.0)
    assert ax.get_ylim()[0] < 0 and min(ax.get_yticks()) == 0  # dose strip below zero, no negative ticks


def test_bolus_doses_are_marked():
    d = regimen_dosing(1000, 12, 0, 2)
    ax = plot_concentration(simulate(1.0, 10.0, d, t_end_h=24), mic_mg_per_l=30, dosing=d)
    marks = [ln for ln in ax.lines if ln.get_gid() == "dose"]
    assert [float(m.get_xdata()[0]) for m in marks] == [0.0, 12.0]


def test_bad_window_and_fu_are_refused(cefiderocol):
    p, _ = cefiderocol
    with pytest.raises(InputError, match="t_window_h"):
        plot_concentration(p, t_window_h=(0, 30))
    with pytest.raises(InputError, match="fu_fraction"):
        plot_concentration(p, fu_fraction=42)


# --- plot_population_band -----------------------------------------------------------------------


def test_population_band_is_the_pointwise_percentiles():
    rng = np.random.default_rng(4)
    cl = 4.7 * rng.lognormal(0, 0.34, 500)
    p = simulate(cl, 14.4, regimen_dosing(2000, 8, 3, 3), t_end_h=24, steady_state=True)
    ax = plot_population_band(p, fu_fraction=0.42, mic_mg_per_l=4)
    median = next(ln for ln in ax.lines if ln.get_gid() == "median")
    t = median.get_xdata()
    inner = (t > 0.1) & (t < 23.9) & (np.abs(t - np.round(t)) > 1e-9)
    assert_allclose(median.get_ydata()[inner], np.median(0.42 * concentration(p, t[inner]), axis=0),
                    rtol=1e-12)
    assert any(ln.get_gid() == "mic" for ln in ax.lines)
    assert ax.get_ylabel() == "Free concentration [mg/L]"
    assert "5th–95th percentile" in ax.get_legend_handles_labels()[1]


def test_population_band_total_and_bad_percentiles(cefiderocol):
    p, _ = cefiderocol
    assert plot_population_band(p).get_ylabel() == "Total concentration [mg/L]"
    with pytest.raises(InputError, match="percentiles"):
        plot_population_band(p, percentiles=(95, 50, 5))


# --- plot_pta -----------------------------------------------------------------------------------


def test_pta_log2_axis_lines_90_percent_and_breakpoints():
    ax = plot_pta(_pta_frames(), breakpoints={"EUCAST S≤2": 2, "CLSI S≤4": 4},
                  target_label="≥75 % fT>MIC")
    assert ax.get_xscale() == "log"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.25", "0.5", "1", "2", "4", "8", "16"]
    lines = [ln for ln in ax.lines if ln.get_gid() == "pta"]
    assert [ln.get_label() for ln in lines] == ["2 g q8h over 3 h", "2 g q6h over 3 h"]
    assert_allclose(lines[0].get_ydata(), [100, 100, 100, 100, 70, 20, 0])
    assert [ln.get_ydata()[0] for ln in ax.lines if ln.get_gid() == "pta90"] == [90]
    assert sorted(ln.get_xdata()[0] for ln in ax.lines if ln.get_gid() == "breakpoint") == [2, 4]
    assert {"EUCAST S≤2", "CLSI S≤4"} <= {t.get_text().strip() for t in ax.texts}
    assert ax.get_legend().get_title().get_text() == "Target: ≥75 % fT>MIC"
    assert ax.get_ylabel() == "Probability of target attainment [%]"


@pytest.mark.parametrize("width_in", [3.2, 5.0, 10.0])
def test_pta_mic_tick_labels_never_overlap(width_in):
    # Issue 13: in a narrow axes the labels ran together ("0.1250.250.5").
    import matplotlib.pyplot as plt

    mics = 2.0 ** np.arange(-3, 7)
    frame = pd.DataFrame({"mic_mg_per_l": mics, "pta_fraction": np.linspace(1, 0, mics.size)})
    fig, ax = plt.subplots(figsize=(width_in, 4.6), layout="constrained")
    plot_pta(frame, ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels()]
    assert [t.get_text() for t in ax.get_xticklabels()][:3] == ["0.125", "0.25", "0.5"]
    assert all(a.x1 <= b.x0 for a, b in zip(boxes, boxes[1:])), width_in
    plt.close(fig)


def _pta_three_regimens():
    mics = 2.0 ** np.arange(-2, 7)
    curves = {"2 g q8h over 1 h": [1, 1, 1, .99, .9, .5, .1, 0, 0],
              "2 g q8h over 3 h": [1, 1, 1, 1, .97, .8, .3, .02, 0],
              "2 g q6h over 3 h": [1, 1, 1, 1, 1, .95, .7, .2, 0]}
    return {name: pd.DataFrame({"mic_mg_per_l": mics, "pta_fraction": pta, "target": "75 % fT>MIC"})
            for name, pta in curves.items()}


def test_pta_legend_can_still_be_moved_by_the_caller():
    ax = plot_pta(_pta_three_regimens(), breakpoints={"EUCAST S≤2": 2})
    legend = ax.get_legend()
    legend.set_loc("upper left")
    legend.set_bbox_to_anchor((1.01, 1.0))
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in legend.get_texts()]
    assert not any(a.overlaps(b) for n, a in enumerate(boxes) for b in boxes[n + 1:])


def test_pta_legend_never_covers_a_breakpoint_label_or_a_curve():
    ax = plot_pta(_pta_three_regimens(), breakpoints={"EUCAST S≤2": 2, "CLSI S≤4": 4, "CLSI R≥16": 16})
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    legend = ax.get_legend().get_window_extent(renderer)
    inside = ax.get_window_extent(renderer)
    assert legend.y0 >= inside.y1 - 0.5  # above the axes, where the curves are clipped
    for text in ax.texts:
        assert not legend.overlaps(text.get_window_extent(renderer)), text.get_text()
    assert len(ax.get_legend().get_texts()) == 4  # three regimens and the 90 % line
    assert ax.get_legend().get_title().get_text() == "Target: 75 % fT>MIC"
    # Nothing of the figure is cut off at README width.
    assert ax.figure.get_tightbbox(renderer).y1 <= ax.figure.bbox.y1 / ax.figure.dpi + 1e-6


def test_pta_accepts_one_table_with_a_regimen_column_or_a_list():
    frames = _pta_frames()
    one = pd.concat(frames.values(), ignore_index=True)
    for arg in (one, list(frames.values())):
        ax = plot_pta(arg)
        assert [ln.get_label() for ln in ax.lines if ln.get_gid() == "pta"] == list(frames)
        assert ax.get_legend().get_title().get_text() == "Target: 75 % fT>MIC"
    bare = one.drop(columns=["regimen", "target"]).iloc[:7]
    assert [ln.get_label() for ln in plot_pta(bare).lines if ln.get_gid() == "pta"] == ["regimen 1"]


def test_pta_refuses_a_table_without_its_columns():
    with pytest.raises(InputError, match="mic_mg_per_l"):
        plot_pta(pd.DataFrame({"mic": [1, 2], "pta": [1, 0]}))


# --- plot_pta_heatmap ---------------------------------------------------------------------------


def test_heatmap_colourbar_annotations_and_90_percent_boundary():
    pta = np.array([[1.0, 0.95, 0.40], [1.0, 0.70, 0.10]])
    ax = plot_pta_heatmap([30, 90], [1, 2, 4], pta)
    cbar_axes = [a for a in ax.figure.axes if a is not ax]
    assert len(cbar_axes) == 1 and cbar_axes[0].get_ylabel() == "PTA [%]"
    cells = [t.get_text() for t in ax.texts if t.get_gid() == "cell_label"]
    assert cells == ["100", "95", "40", "100", "70", "10"]
    boundary = next(c for c in ax.collections if c.get_gid() == "pta90_contour")
    segments = {tuple(map(tuple, np.round(s, 6))) for s in boundary.get_segments()}
    # >= 90 %: cells (0,0), (0,1), (1,0); edges to (0,2) and (1,1), and (0,1)|(1,1) horizontally
    assert segments == {((1.5, -0.5), (1.5, 0.5)), ((0.5, 0.5), (0.5, 1.5)), ((0.5, 0.5), (1.5, 0.5))}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2", "4"]
    assert ax.get_legend() is not None


def test_heatmap_large_grid_has_no_cell_labels_and_thinned_ticks():
    crcl, mic = np.arange(5.0, 201, 5), 2.0 ** np.arange(-4, 8)
    pta = np.clip(1 - np.log2(mic)[None, :] / 6 - crcl[:, None] / 400, 0, 1)
    ax = plot_pta_heatmap(crcl, mic, pta)
    assert not [t for t in ax.texts if t.get_gid() == "cell_label"]
    assert_allclose(ax.get_yticks(), np.arange(0, 40, 2))  # 40 rows: every 2nd, at most 20 labels
    assert [t.get_text() for t in ax.get_yticklabels()][:3] == ["5", "15", "25"]
    assert ax.get_xticklabels()[0].get_text() == "0.0625"


def _tick_labels_do_not_overlap(ax):
    ax.figure.canvas.draw()
    renderer = ax.figure.canvas.get_renderer()
    boxes = sorted((t.get_window_extent(renderer) for t in ax.get_yticklabels()), key=lambda b: b.y0)
    return all(lower.y1 <= upper.y0 + 0.5 for lower, upper in zip(boxes, boxes[1:]))


@pytest.mark.parametrize("n_row", [13, 15, 20])
def test_heatmap_labels_every_row_up_to_twenty(n_row):
    crcl, mic = np.linspace(10, 150, n_row).round(), 2.0 ** np.arange(-2, 6)
    pta = np.clip(1 - np.log2(mic)[None, :] / 6 - crcl[:, None] / 400, 0, 1)
    ax = plot_pta_heatmap(crcl, mic, pta)
    assert_allclose(ax.get_yticks(), np.arange(n_row))
    assert [t.get_text() for t in ax.get_yticklabels()] == [f"{c:g}" for c in crcl]
    assert _tick_labels_do_not_overlap(ax)


def test_heatmap_beyond_twenty_rows_labels_every_kth_row():
    crcl = np.arange(21.0)
    ax = plot_pta_heatmap(crcl, [1, 2], np.ones((21, 2)))
    assert_allclose(ax.get_yticks(), np.arange(0, 21, 2))
    assert _tick_labels_do_not_overlap(ax)


def test_heatmap_without_a_crossing_draws_no_boundary():
    ax = plot_pta_heatmap([30, 90], [1, 2], np.ones((2, 2)))
    boundary = next(c for c in ax.collections if c.get_gid() == "pta90_contour")
    assert len(boundary.get_segments()) == 0


def test_heatmap_refuses_wrong_shape_and_percentages():
    with pytest.raises(InputError, match="transpose"):
        plot_pta_heatmap([30, 60, 90], [1, 2], np.ones((2, 3)))
    with pytest.raises(InputError, match="fraction"):
        plot_pta_heatmap([30], [1, 2], [[100, 90]])


# --- plot_exposure_by_crcl ----------------------------------------------------------------------


def test_exposure_bands_are_shaded_and_labelled():
    crcl = np.linspace(5, 200, 400)
    daily = np.select([crcl < 15, crcl < 30, crcl < 60, crcl < 120], [1500, 3000, 4500, 6000], 8000)
    bands = [(0, 15, "0.75 g q12h"), (15, 30, "1 g q8h"), (30, 60, "1.5 g q8h"), (60, 120, "2 g q8h"),
             (120, np.inf, "2 g q6h")]
    ax = plot_exposure_by_crcl(crcl, daily / (0.5 + 0.045 * crcl), bands=bands)
    assert_allclose(_span_widths(ax, "crcl_band"), [[5, 15], [15, 30], [30, 60], [60, 120], [120, 200]])
    labels = [t for t in ax.texts if t.get_gid() == "band_label"]
    assert [t.get_text().replace("\n", " ") for t in labels] == [b[2] for b in bands]
    assert labels[0].get_rotation() == 90  # too narrow to lie flat at 700 px
    assert ax.get_ylabel() == "AUC24 [mg·h/L]" and ax.get_xlabel() == "Creatinine clearance [mL/min]"


def test_exposure_population_and_trough_label():
    crcl = np.linspace(10, 150, 30)
    values = np.outer(np.exp(np.random.default_rng(1).normal(0, 0.3, 200)), 100 / crcl)
    ax = plot_exposure_by_crcl(crcl, values, ylabel="Trough, free [mg/L]")
    line = next(ln for ln in ax.lines if ln.get_gid() == "exposure")
    assert_allclose(line.get_ydata(), np.median(values, axis=0))
    assert any(c.get_gid() == "band" for c in ax.collections)
    assert "Trough, free, median (n = 200)" in ax.get_legend_handles_labels()[1]


def test_exposure_against_another_x_quantity():
    effluent = np.linspace(1, 4, 31)
    ax = plot_exposure_by_crcl(effluent, 60 / (1.5 + effluent), ylabel="Trough, free [mg/L]",
                               xlabel="CRRT effluent [L/h]", bands=[(1, 2.5, "1 g q8h"), (2.5, np.inf, "2 g q8h")])
    assert ax.get_xlabel() == "CRRT effluent [L/h]"
    assert ax.get_xlim() == (1.0, 4.0)
    assert_allclose(_span_widths(ax, "crcl_band"), [[1, 2.5], [2.5, 4]])


def test_exposure_refuses_mismatched_values():
    with pytest.raises(InputError, match="n_crcl = 3"):
        plot_exposure_by_crcl([10, 20, 30], [1, 2])


# --- log-scaled y axes --------------------------------------------------------------------------


def test_functions_keep_a_shared_log_y_axis_without_warnings(cefiderocol, avibactam_hd_week):
    p, d = cefiderocol
    hd, hd_dosing, extra = avibactam_hd_week
    from_empty = simulate(4.7, 14.4, d, t_end_h=24)  # starts at exactly 0 mg/L
    fig, axs = plt.subplots(2, 3, figsize=(14, 7), sharey="row", layout="constrained")
    axs[0, 0].set_yscale("log")
    axs[1, 0].set_yscale("log")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d, ax=axs[0, 0])
        plot_concentration(from_empty, fu_fraction=0.42, mic_mg_per_l=4, dosing=d, ax=axs[0, 1])
        plot_concentration(hd, fu_fraction=0.92, mic_mg_per_l=1, dosing=hd_dosing, hd_sessions=extra,
                           ax=axs[0, 2])
        plot_population_band(simulate(4.7 * np.array([0.5, 1, 2]), 14.4, d, t_end_h=24), ax=axs[1, 0])
        plot_pta(_pta_three_regimens(), breakpoints={"EUCAST S≤2": 2}, ax=axs[1, 1])
        plot_exposure_by_crcl(np.linspace(10, 150, 30), np.outer([0.5, 1, 2], 900 / np.linspace(1, 5, 30)),
                              bands=[(0, 60, "1.5 g q8h"), (60, np.inf, "2 g q8h")], ax=axs[1, 2])
        fig.savefig(io.BytesIO(), format="png", dpi=50)
    for ax in axs.flat:
        assert ax.get_yscale() == "log"
        assert 0 < ax.get_ylim()[0] < ax.get_ylim()[1]
    # Every panel's curves fit between the dose strip and the interval labels, whichever was drawn last.
    lo, hi = axs[0, 0].get_ylim()
    for ax in (axs[0, 0], axs[0, 2]):
        curve = next(ln for ln in ax.lines if ln.get_gid() == "total").get_ydata()
        frac = np.log(curve / lo) / np.log(hi / lo)
        assert frac.min() >= 0.07 and frac.max() <= 0.84


def test_a_shared_or_reused_y_axis_is_only_widened(cefiderocol):
    p, d = cefiderocol
    low = simulate(4.7, 14.4, regimen_dosing(500, 8, 3, 3), t_end_h=24, steady_state=True)
    fig, (left, right) = plt.subplots(1, 2, sharey=True)
    plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=16, dosing=d, ax=left)
    high_lim = left.get_ylim()
    plot_concentration(low, fu_fraction=0.42, mic_mg_per_l=4, dosing=d, ax=right)
    assert right.get_ylim() == high_lim  # the first panel's peak is not cut off
    alone = plot_concentration(low, fu_fraction=0.42, mic_mg_per_l=4, dosing=d).get_ylim()
    assert alone[1] < high_lim[1]  # on its own axes the low regimen gets its own scale


def test_heatmap_refuses_a_log_axis():
    _, ax = plt.subplots()
    ax.set_yscale("log")
    with pytest.raises(InputError, match="linear"):
        plot_pta_heatmap([30, 90], [1, 2], np.ones((2, 2)), ax=ax)


def test_plot_pk_check_one_panel_per_analyte_with_threshold_labels():
    """The panels the CLI's simulate --plot and the web page's SVG share."""
    from pkdose.exposure import Covariates, pk_check
    from pkdose.library import load_product, load_regimen_table
    from pkdose.patient import Haemodialysis
    from pkdose.plotting import plot_pk_check
    from pkdose.regimens import select_regimens

    product = "ceftazidime-avibactam+aztreonam"
    regs = select_regimens(load_regimen_table(product), crcl_ml_per_min=5, renal_state="ihd")
    check = pk_check(load_product(product), regs, Covariates(5.0, Haemodialysis()), mic_mg_per_l=1.0, n=100)
    axes = plot_pk_check(check)
    try:
        assert len(axes) == len(check.courses) == 3
        legends = {a: " ".join(t.get_text() for t in ax.get_legend().get_texts())
                   for a, ax in zip(check.courses, axes)}
        assert "avibactam threshold 2.5 mg/L" in legends["avibactam"] and "MIC" not in legends["avibactam"]
        assert "MIC 1 mg/L" in legends["aztreonam"]
        assert "MIC" not in legends["ceftazidime"]  # no target for ceftazidime in the combination
        with pytest.raises(InputError, match="one Axes per analyte"):
            plot_pk_check(check, axes[:2])
    finally:
        plt.close(axes[0].figure)


# --- multi-compartment profiles ------------------------------------------------------------------


@pytest.fixture
def cefiderocol_3cmt():
    """Kawaguchi 2021 typical three-compartment values, 2 g q8h over 3 h at steady state (24 h shown)."""
    d = regimen_dosing(2000, 8, 3, 3)
    return simulate(4.04, 7.78, d, peripheral=((6.19, 5.77), (0.127, 0.798)), t_end_h=24, steady_state=True), d


@pytest.mark.parametrize("mic", [4.0, 16.0, 30.0])
def test_three_compartment_shading_and_labels_come_from_the_engine(cefiderocol_3cmt, mic):
    p, d = cefiderocol_3cmt
    ax = plot_concentration(p, fu_fraction=0.42, mic_mg_per_l=mic, dosing=d)
    spans = _span_widths(ax, "time_above_mic")
    assert_allclose(np.sum(spans[:, 1] - spans[:, 0]), time_above(p, mic / 0.42, 0, 24)[0], atol=1e-6)
    expected = [ft_above_percent(p, mic, 0.42, a, a + 8)[0] for a in (0, 8, 16)]
    assert _ft_labels(ax) == [f"{v:.0f}% fT>MIC" for v in expected]
    total = next(ln for ln in ax.lines if ln.get_gid() == "total")
    x, y = total.get_xdata(), total.get_ydata()
    inside = (x > 0.01) & (x < 23.99)
    assert_allclose(y[inside], concentration(p, x[inside])[0], rtol=1e-12)


def test_two_compartment_hd_week_is_detected_as_periodic():
    start = np.array([8.0, 56.0, 104.0])
    extra = ExtraClearance(start, start + 4.0, 6.0)
    d = Dosing(hd_dose_times(48, start + 4.0), 1000.0, 0.0)  # boluses after each session
    p = simulate(0.5, 10.5, d, extra, peripheral=((31.5, 7.57),), t_end_h=WEEK_H, steady_state=True)
    ax = plot_concentration(p, fu_fraction=0.9, mic_mg_per_l=8.0, dosing=d, hd_sessions=extra)
    assert len(_ft_labels(ax)) == 3  # the weekend interval wraps: the profile is periodic
    spans = _span_widths(ax, "time_above_mic")
    assert_allclose(np.sum(spans[:, 1] - spans[:, 0]), time_above(p, 8.0 / 0.9, 0, WEEK_H)[0], atol=1e-6)
    band = plot_population_band(p, fu_fraction=0.9, mic_mg_per_l=8.0)
    assert band.get_ylabel() == "Free concentration [mg/L]"
