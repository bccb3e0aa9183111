"""Pharmacodynamic indices: %fT>threshold overall and per dosing interval, for any structure."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pkdose.errors import InputError
from pkdose.pd import free_concentration, ft_above_percent, ft_attains, ft_by_dose_interval
from pkdose.pk import Dosing, ExtraClearance, combine_dosing, concentration, regimen_dosing, simulate, time_above
from pkdose.schedule import WEEK_H, hd_dose_times

PERIPHERAL = {"one": (), "two": ((31.5, 7.57),), "three": ((6.19, 5.77), (0.127, 0.798))}


@pytest.mark.parametrize("structure", PERIPHERAL)
def test_free_threshold_is_total_threshold_over_fu(structure):
    p = simulate(4.0, 12.0, regimen_dosing(2000, 8, 3, 1), peripheral=PERIPHERAL[structure], t_end_h=8,
                 steady_state=True)
    assert_allclose(ft_above_percent(p, [2.0, 8.0], 0.4, 0, 8), 100 * time_above(p, [5.0, 20.0], 0, 8) / 8)
    assert_allclose(free_concentration(p, [1.0], 0.4), 0.4 * concentration(p, [1.0]))


def test_ft_rejects_bad_thresholds_and_fractions():
    p = simulate(4.0, 12.0, regimen_dosing(2000, 8, 3, 1), t_end_h=8)
    for bad in (-1.0, np.nan, np.inf):
        with pytest.raises(InputError, match="threshold"):
            ft_above_percent(p, bad, 0.5, 0, 8)
    with pytest.raises(InputError, match="fu_fraction"):
        ft_above_percent(p, 1.0, 0.0, 0, 8)


@pytest.mark.parametrize("structure", PERIPHERAL)
def test_per_interval_ft_wraps_the_weekend_gap(structure):
    """q48h after HD Mon/Wed/Fri: the Friday dose's interval is 72 h, checked against a two-week profile."""
    start = np.array([8.0, 56.0, 104.0])
    extra = ExtraClearance(start, start + 4.0, 2.9)
    d = Dosing(hd_dose_times(48, start + 4.0), 187.5, 2.0)
    periph = PERIPHERAL[structure]
    week = simulate(0.69, 12.0, d, extra, peripheral=periph, t_end_h=WEEK_H, steady_state=True)
    d2 = combine_dosing(d, Dosing(d.start_h + WEEK_H, d.amount_mg, d.duration_h))
    e2 = ExtraClearance(np.append(start, start + WEEK_H), np.append(start, start + WEEK_H) + 4.0, 2.9)
    two = simulate(0.69, 12.0, d2, e2, peripheral=periph, t_end_h=2 * WEEK_H, steady_state=True)
    intervals, ft = ft_by_dose_interval(week, 1.0, 0.92, d)
    assert [(a, b) for a, b, _ in intervals] == [(12.0, 60.0), (60.0, 108.0), (108.0, 168.0)]
    truth = [ft_above_percent(two, 1.0, 0.92, a, b)[0] for a, b in ((12, 60), (60, 108), (108, 180))]
    assert_allclose(ft[:, 0], truth, rtol=1e-9)
    # an array of thresholds gives one row per threshold (the PTA grid of a dialysis week)
    _, grid = ft_by_dose_interval(week, [0.5, 1.0, 4.0], 0.92, d)
    assert grid.shape == (3, 3, 1)
    assert_allclose(grid[:, 1, 0], truth, rtol=1e-9)
    assert_allclose(grid[:, 2, 0], [ft_above_percent(two, 4.0, 0.92, a, b)[0]
                                    for a, b in ((12, 60), (60, 108), (108, 180))], rtol=1e-9)


def test_per_interval_ft_without_periodicity_and_for_a_single_dose():
    d = regimen_dosing(1000, 8, 1, 3)
    p = simulate(3.0, 15.0, d, t_end_h=24)  # from an empty body: not periodic
    intervals, ft = ft_by_dose_interval(p, 10.0, 1.0, d)
    assert [(a, b) for a, b, _ in intervals] == [(0.0, 8.0), (8.0, 16.0)]
    assert_allclose(ft[:, 0], [ft_above_percent(p, 10.0, 1.0, a, b)[0] for a, b in ((0, 8), (8, 16))])
    one = regimen_dosing(1000, 24, 0, 1)
    intervals, ft = ft_by_dose_interval(simulate(1.0, 10.0, one, t_end_h=24), 50.0, 1.0, one)
    assert intervals == [(0.0, 24.0, ((0.0, 24.0),))] and round(float(ft[0, 0]), 2) == 28.88


@settings(max_examples=60, deadline=None)
@given(structure=st.sampled_from(sorted(PERIPHERAL)), tau=st.sampled_from([6.0, 8.0, 12.0, 24.0]),
       infusion=st.sampled_from([0.0, 0.5, 3.0, 1.0]), dose=st.floats(100, 4000), target=st.floats(0, 100),
       fu=st.floats(0.05, 1.0), dialysis=st.booleans(), seed=st.integers(0, 2**16))
def test_ft_attains_is_the_exact_ft_against_the_target(structure, tau, infusion, dose, target, fu, dialysis, seed):
    """ft_attains decides from bounds where it can; its answer is always that of the exact %fT."""
    rng = np.random.default_rng(seed)
    n = 400
    periph = tuple((q * np.exp(rng.normal(0, 0.5, n)), v * np.exp(rng.normal(0, 0.3, n)))
                   for q, v in PERIPHERAL[structure])
    cl, v1 = 4.0 * np.exp(rng.normal(0, 0.6, n)), 12.0 * np.exp(rng.normal(0, 0.3, n))
    extra = ExtraClearance([1.0], [5.0], [6.0]) if dialysis else None
    p = simulate(cl, v1, Dosing([0.0], [dose], [min(infusion * tau, tau)]), extra, peripheral=periph, t_end_h=tau,
                 steady_state=True)
    mics = [0.125, 0.5, 1.0, 2.0, 8.0, 32.0, 128.0]
    for t in (target, 50.0, 100.0):
        assert np.array_equal(ft_attains(p, mics, fu, 0, tau, t), ft_above_percent(p, mics, fu, 0, tau) >= t)
    assert np.array_equal(ft_attains(p, 4.0, fu, 1.0, tau, target), ft_above_percent(p, 4.0, fu, 1.0, tau) >= target)


@pytest.mark.parametrize("structure", PERIPHERAL)
def test_per_interval_attainment_is_the_per_interval_ft_against_the_target(structure):
    """On a dialysis week (the wrapped weekend interval in two windows), decided per interval as ft >= target."""
    rng = np.random.default_rng(4)
    n = 300
    start = np.array([8.0, 56.0, 104.0])
    d = Dosing(hd_dose_times(24, start + 4.0), 500.0, 0.5)
    periph = tuple((q * np.exp(rng.normal(0, 0.4, n)), v) for q, v in PERIPHERAL[structure])
    p = simulate(0.7 * np.exp(rng.normal(0, 0.5, n)), 12.0, d, ExtraClearance(start, start + 4.0, 6.0),
                 peripheral=periph, t_end_h=WEEK_H, steady_state=True)
    mics = [0.5, 2.0, 8.0, 32.0]
    _, ft = ft_by_dose_interval(p, mics, 0.9, d)
    for target in (40.0, 60.0, 100.0):
        intervals, met = ft_by_dose_interval(p, mics, 0.9, d, target_percent=target)
        assert met.dtype == bool and len(intervals) == 7
        assert np.array_equal(met, ft >= target)
