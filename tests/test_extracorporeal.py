"""Tests for pkdose.extracorporeal: HD session times, HD clearance calibration, CRRT clearance."""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.integrate import solve_ivp

from pkdose.errors import InputError
from pkdose.extracorporeal import WEEKDAYS, calibrate_hd_clearance, crrt_clearance, hd_sessions
from pkdose.patient import HDSchedule

MWF = HDSchedule(days=("Mon", "Wed", "Fri"), start_h=8.0, session_h=4.0)


# --- hd_sessions --------------------------------------------------------------------------------

def test_first_week_monday_origin():
    start, end = hd_sessions(MWF, 0.0, 168.0)
    assert_array_equal(start, [8.0, 56.0, 104.0])  # Mon 08:00, Wed 08:00, Fri 08:00
    assert_array_equal(end, [12.0, 60.0, 108.0])


@pytest.mark.parametrize(
    "window, starts",
    [
        ((160.0, 200.0), [176.0]),               # across the week boundary: next Monday 08:00
        ((100.0, 180.0), [104.0, 176.0]),        # Friday, then next Monday
        ((10.0, 20.0), [8.0]),                   # session running at t_start is included
        ((12.0, 20.0), []),                      # session ending exactly at t_start is not
        ((0.0, 8.0), []),                        # session starting exactly at t_end is not
        ((-168.0, 0.0), [-160.0, -112.0, -64.0]),  # the week before the origin
        ((0.0, 3 * 168.0), [8, 56, 104, 176, 224, 272, 344, 392, 440]),
    ],
)
def test_windows(window, starts):
    start, end = hd_sessions(MWF, *window)
    assert_allclose(start, starts)
    assert_allclose(end - start, 4.0)
    assert start.dtype == float and end.dtype == float


def test_week_start_moves_the_origin():
    # t = 0 at Wednesday 08:00: Wed, Fri (+48 h), Mon (+120 h)
    start, _ = hd_sessions(MWF, 0.0, 168.0, week_start="Wed 08:00")
    assert_array_equal(start, [0.0, 48.0, 120.0])
    start, _ = hd_sessions(MWF, 0.0, 24.0, week_start="sun 22:30")
    assert_array_equal(start, [9.5])  # Monday 08:00 is 9.5 h after Sunday 22:30


def test_session_crossing_midnight_and_sunday_week_boundary():
    late = HDSchedule(days=("Sun",), start_h=22.0, session_h=6.0)
    start, end = hd_sessions(late, 165.0, 170.0)  # Sunday 22:00 -> Monday 04:00 of week 2
    assert_array_equal(start, [166.0])
    assert_array_equal(end, [172.0])
    start, _ = hd_sessions(late, 0.0, 2.0)  # last week's Sunday session still running at t = 0
    assert_array_equal(start, [-2.0])


def test_daily_schedule_sessions_do_not_overlap():
    daily = HDSchedule(days=WEEKDAYS, start_h=20.0, session_h=12.0)
    start, end = hd_sessions(daily, 0.0, 2 * 168.0)
    assert np.all(start[1:] >= end[:-1])
    assert len(start) == 15  # last Sunday's session running at t = 0 plus 14


@settings(deadline=None)
@given(
    days=st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True),
    start_h=st.floats(min_value=0, max_value=23.9),
    session_h=st.floats(min_value=1, max_value=12),
    t0=st.floats(min_value=-500, max_value=500),
    width=st.floats(min_value=0.1, max_value=700),
    origin_day=st.sampled_from(WEEKDAYS),
    origin_hour=st.integers(min_value=0, max_value=23),
)
def test_sessions_match_brute_force(days, start_h, session_h, t0, width, origin_day, origin_hour):
    sched = HDSchedule(days=tuple(days), start_h=start_h, session_h=session_h)
    t1 = t0 + width
    offset = 24 * WEEKDAYS.index(origin_day) + origin_hour
    brute = sorted(
        168 * k + 24 * WEEKDAYS.index(d) + start_h - offset
        for k in range(-6, 8) for d in sched.days
        if 168 * k + 24 * WEEKDAYS.index(d) + start_h - offset < t1
        and 168 * k + 24 * WEEKDAYS.index(d) + start_h - offset + session_h > t0
    )
    start, end = hd_sessions(sched, t0, t1, week_start=f"{origin_day} {origin_hour:02d}:00")
    assert_allclose(start, brute, atol=1e-9)
    assert np.all(np.diff(start) > 0)
    assert np.all((start < t1) & (end > t0))


@pytest.mark.parametrize(
    "args, match",
    [
        ((MWF, 10.0, 5.0), r"t_end_h \(5.0\) must be after t_start_h \(10.0\)"),
        ((MWF, 10.0, 10.0), r"t_end_h"),
        ((MWF, 0.0, 10.0, "Monday 8am"), r"week_start 'Monday 8am' is not accepted; use 'Ddd HH:MM'"),
        ((MWF, 0.0, 10.0, "Mon 25:00"), r"week_start 'Mon 25:00'"),
        ((MWF, 0.0, 10.0, "Mon"), r"week_start 'Mon'"),
    ],
)
def test_hd_sessions_bad_arguments(args, match):
    with pytest.raises(InputError, match=match):
        hd_sessions(*args)


# --- calibrate_hd_clearance -----------------------------------------------------------------------

def test_calibration_hand_arithmetic():
    # V (-ln(1 - f)) / T - CL_res = 18 * 0.916291 / 4 - 0.7
    assert calibrate_hd_clearance(0.6, 4.0, 18.0, 0.7) == pytest.approx(18 * -np.log(0.4) / 4 - 0.7, rel=1e-12)
    assert isinstance(calibrate_hd_clearance(0.6, 4.0, 18.0, 0.7), float)


@settings(deadline=None)
@given(
    f=st.floats(min_value=0.05, max_value=0.95),
    t=st.floats(min_value=1, max_value=12),
    v=st.floats(min_value=5, max_value=100),
    cl_res=st.floats(min_value=0, max_value=5),
)
def test_calibration_round_trip(f, t, v, cl_res):
    assume(v * -np.log1p(-f) / t - cl_res > 1e-6)
    cl_hd = calibrate_hd_clearance(f, t, v, cl_res)
    assert np.exp(-(cl_hd + cl_res) * t / v) == pytest.approx(1 - f, rel=1e-10)


def test_calibration_against_ode_integration():
    f, t, v, cl_res = 0.55, 4.0, 20.0, 0.9
    cl_hd = calibrate_hd_clearance(f, t, v, cl_res)
    sol = solve_ivp(lambda _, a: -(cl_hd + cl_res) / v * a, (0.0, t), [1000.0], rtol=1e-10, atol=1e-10)
    assert 1 - sol.y[0, -1] / 1000.0 == pytest.approx(f, rel=1e-7)


def test_calibration_broadcasts():
    out = calibrate_hd_clearance(np.array([0.4, 0.6]), 4.0, np.array([[15.0], [25.0]]), 0.5)
    assert out.shape == (2, 2)
    assert_allclose(out[1, 0], 25 * -np.log(0.6) / 4 - 0.5, rtol=1e-12)


@pytest.mark.parametrize(
    "args, match",
    [
        ((0.0, 4.0, 18.0, 0.7), r"fraction_removed must be in \(0, 1\), got 0.0"),
        ((1.0, 4.0, 18.0, 0.7), r"fraction_removed must be in \(0, 1\)"),
        ((60.0, 4.0, 18.0, 0.7), r"fraction_removed must be in \(0, 1\) \(a fraction: 0.6 for 60 %\)"),
        ((0.6, 0.0, 18.0, 0.7), r"session_h must be > 0"),
        ((0.6, 4.0, -1.0, 0.7), r"v_l must be > 0"),
        ((0.6, 4.0, 18.0, -0.1), r"cl_residual_l_per_h must be ≥ 0"),
        ((0.1, 4.0, 10.0, 2.0), r"fraction_removed 0.1 cannot be reached: .*cl_residual_l_per_h alone removes 55%"),
    ],
)
def test_calibration_bad_inputs(args, match):
    with pytest.raises(InputError, match=match):
        calibrate_hd_clearance(*args)


# --- crrt_clearance -------------------------------------------------------------------------------

@pytest.mark.parametrize("modality", ["CVVH", "CVVHD", "CVVHDF", "cvvhdf"])
def test_crrt_post_dilution_is_sc_times_effluent(modality):
    assert crrt_clearance(2.5, 0.9, modality) == pytest.approx(2.25, rel=1e-12)


def test_crrt_predilution_correction():
    # Qb / (Qb + Qrep,pre) with Qrep,pre = 1.0 * 2.0 L/h and Qb = 9 L/h (150 mL/min)
    assert crrt_clearance(2.0, 0.9, "CVVH", 1.0, 9.0) == pytest.approx(0.9 * 2.0 * 9 / 11, rel=1e-12)
    assert crrt_clearance(3.0, 0.8, "CVVHDF", 0.5, 12.0) == pytest.approx(0.8 * 3.0 * 12 / 13.5, rel=1e-12)
    # blood flow given without pre-dilution: no correction
    assert crrt_clearance(2.0, 0.9, "CVVH", 0.0, 9.0) == pytest.approx(1.8, rel=1e-12)


def test_crrt_broadcasts():
    out = crrt_clearance(np.array([1.0, 2.0, 3.0]), np.array([[0.5], [1.0]]), "CVVHDF")
    assert_allclose(out, [[0.5, 1.0, 1.5], [1.0, 2.0, 3.0]])


@settings(deadline=None)
@given(
    q=st.floats(min_value=0.1, max_value=10),
    sc=st.floats(min_value=0.01, max_value=1),
    pre=st.floats(min_value=0.01, max_value=1),
    qb1=st.floats(min_value=3, max_value=30),
    qb2=st.floats(min_value=3, max_value=30),
)
def test_crrt_predilution_lowers_clearance_less_at_higher_blood_flow(q, sc, pre, qb1, qb2):
    assume(qb2 - qb1 > 1e-3)
    low, high = crrt_clearance(q, sc, "CVVH", pre, qb1), crrt_clearance(q, sc, "CVVH", pre, qb2)
    assert low < high <= sc * q


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(modality="SLED"), r"modality 'SLED' is not accepted"),
        (dict(effluent_l_per_h=-1.0), r"effluent_l_per_h must be ≥ 0"),
        (dict(sieving_fraction=1.2), r"sieving_fraction must be in \[0, 1\]"),
        (dict(predilution_fraction=1.5, blood_flow_l_per_h=9.0), r"predilution_fraction must be in \[0, 1\]"),
        (dict(modality="CVVHD", predilution_fraction=0.5, blood_flow_l_per_h=9.0),
         r"predilution_fraction must be 0 for CVVHD"),
        (dict(predilution_fraction=0.5), r"blood_flow_l_per_h is required when predilution_fraction > 0"),
        (dict(predilution_fraction=0.5, blood_flow_l_per_h=0.0), r"blood_flow_l_per_h must be > 0"),
    ],
)
def test_crrt_bad_inputs(kwargs, match):
    args = dict(effluent_l_per_h=2.0, sieving_fraction=0.9, modality="CVVH") | kwargs
    with pytest.raises(InputError, match=match):
        crrt_clearance(**args)
