"""Closed-form engine: cross-checked against scipy's ODE solver, and property tests.

The ODE solver appears only here (mrgsolve's test-iv-po.R idea in reverse):
the engine itself never integrates numerically.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.integrate import solve_ivp

from pkdose.errors import InputError
from pkdose.pd import ft_above_percent
from pkdose.pk import (
    Dosing,
    ExtraClearance,
    auc,
    combine_dosing,
    concentration,
    peak,
    regimen_dosing,
    simulate,
    steady_state_auc_tau,
    time_above,
    trough,
)


def _ode_reference(cl, v, dosing, extra, t_eval, t_end):
    """Integrate V dC/dt = R(t) - CL(t) C with tight tolerances, one patient."""

    def rate(t):
        on = (dosing.start_h <= t) & (t < dosing.end_h) & (dosing.duration_h > 1e-6)
        return np.sum(dosing.amount_mg[on] / dosing.duration_h[on])

    def cl_at(t):
        if extra is None:
            return cl
        on = (extra.start_h <= t) & (t < extra.end_h)
        return cl + np.sum(np.atleast_1d(extra.cl_l_per_h)[on])

    stops = np.unique(np.concatenate([[0.0, t_end], dosing.start_h, dosing.end_h]
                                     + ([extra.start_h, extra.end_h] if extra is not None else [])))
    stops = stops[(stops >= 0) & (stops <= t_end)]
    c, out = 0.0, np.empty_like(t_eval)
    for a, b in zip(stops[:-1], stops[1:]):
        c += dosing.amount_mg[(dosing.duration_h <= 1e-6) & (dosing.start_h == a)].sum() / v
        sel = (t_eval >= a) & (t_eval < b)
        sol = solve_ivp(lambda t, y: [(rate(t) - cl_at(t) * y[0]) / v], (a, b), [c],
                        t_eval=t_eval[sel], rtol=1e-10, atol=1e-12, method="LSODA")
        out[sel] = sol.y[0]
        c = solve_ivp(lambda t, y: [(rate(t) - cl_at(t) * y[0]) / v], (a, b), [c],
                      rtol=1e-10, atol=1e-12, method="LSODA").y[0, -1]
    return out


CASES = {
    "cefiderocol 2 g q8h 3-h": (4.7, 14.4, regimen_dosing(2000, 8, 3, 4), None, 32.0),
    "loading dose + 0.5-h infusions": (5.0, 13.0, regimen_dosing(1000, 8, 0.5, 3, loading_dose_mg=2000), None, 24.0),
    "bolus then continuous infusion": (
        6.0, 18.0, combine_dosing(Dosing([0.0], [1000.0], [0.0]), Dosing([0.0], [6000.0], [24.0])), None, 30.0),
    "HD session 4 h from 20 h": (
        0.4, 18.0, regimen_dosing(750, 12, 3, 4), ExtraClearance([20.0], [24.0], [3.5]), 48.0),
    "CRRT whole time, effluent 3 L/h x 0.8": (
        0.5, 20.0, regimen_dosing(2000, 12, 3, 3), ExtraClearance([0.0], [36.0], [2.4]), 36.0),
    "dose during a dialysis session": (
        0.3, 15.0, regimen_dosing(1000, 8, 3, 3), ExtraClearance([6.0, 14.0], [10.0, 16.0], [4.0, 2.0]), 24.0),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_closed_form_matches_ode_solver(case):
    cl, v, dosing, extra, t_end = CASES[case]
    t = np.linspace(0, t_end, 97)[:-1] + 0.013
    exact = concentration(simulate(cl, v, dosing, extra, t_end_h=t_end), t)[0]
    assert_allclose(exact, _ode_reference(cl, v, dosing, extra, t, t_end), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_time_above_and_auc_match_a_fine_grid(case):
    """Exact time above and AUC agree with brute force on a 1-s grid (a check, not the method)."""
    cl, v, dosing, extra, t_end = CASES[case]
    p = simulate(cl, v, dosing, extra, t_end_h=t_end)
    t = np.linspace(0, t_end, int(t_end * 3600) + 1)
    c = concentration(p, t)[0]
    threshold = np.median(c)
    dt = t[1] - t[0]
    assert_allclose(time_above(p, threshold, 0, t_end)[0], np.sum(c[:-1] > threshold) * dt, atol=2 * dt)
    assert_allclose(auc(p, 0, t_end)[0], np.trapezoid(c, t), rtol=1e-5)
    assert_allclose(peak(p, 0, t_end)[0], c.max(), rtol=1e-6)
    assert_allclose(trough(p, 1.0, t_end)[0], c[t >= 1.0].min(), rtol=1e-6)


def test_single_infusion_textbook_formula():
    """C at the end of an infusion: R/CL (1 - exp(-k T)) (Rowland & Tozer, ch. 10)."""
    cl, v, dose, T = 5.0, 20.0, 2000.0, 3.0
    p = simulate(cl, v, regimen_dosing(dose, 24, T, 1), t_end_h=24)
    expected = dose / T / cl * (1 - np.exp(-cl / v * T))
    assert_allclose(concentration(p, [T])[0, 0], expected, rtol=1e-12)


def test_steady_state_matches_long_run_and_dose_over_cl():
    cl, v = np.array([3.0, 5.0, 8.0]), np.array([12.0, 18.0, 25.0])
    ss = simulate(cl, v, regimen_dosing(2000, 8, 3, 1), t_end_h=8, steady_state=True)
    long = simulate(cl, v, regimen_dosing(2000, 8, 3, 60), t_end_h=480)
    t = np.linspace(0, 8, 17)[:-1]
    assert_allclose(concentration(ss, t), concentration(long, 472 + t), rtol=1e-9)
    assert_allclose(auc(ss, 0, 8), steady_state_auc_tau(2000, cl), rtol=1e-12)


def test_steady_state_wraps_infusions_across_the_period():
    """A continuous infusion started at 0 and a q24h infusion crossing midnight."""
    ss = simulate(4.0, 16.0, Dosing([20.0], [1000.0], [8.0]), t_end_h=24, steady_state=True)
    long = simulate(4.0, 16.0, regimen_dosing(1000, 24, 8, 32, start_h=20.0), t_end_h=24 * 33)
    t = np.array([0.5, 3.0, 10.0, 21.0])
    assert_allclose(concentration(ss, t), concentration(long, 24 * 30 + t), rtol=1e-9)


def test_vectorised_equals_per_patient():
    rng = np.random.default_rng(1)
    cl, v = rng.lognormal(1.5, 0.3, 50), rng.lognormal(2.8, 0.25, 50)
    extra = ExtraClearance([10.0], [14.0], [3.0])
    dosing = regimen_dosing(1500, 8, 3, 4)
    together = simulate(cl, v, dosing, extra, t_end_h=32)
    mic = np.array([1.0, 8.0, 32.0])
    for i in (0, 17, 49):
        alone = simulate(cl[i], v[i], dosing, extra, t_end_h=32)
        assert_allclose(time_above(together, mic, 24, 32)[:, i], time_above(alone, mic, 24, 32)[:, 0])
        assert_allclose(auc(together, 0, 32)[i], auc(alone, 0, 32)[0])


def test_per_patient_extra_clearance():
    p = simulate([2.0, 2.0], [10.0, 10.0], regimen_dosing(1000, 24, 0, 1),
                 ExtraClearance([0.0], [24.0], [[0.0], [2.0]]), t_end_h=24)
    assert_allclose(concentration(p, [5.0])[:, 0], [100 * np.exp(-1.0), 100 * np.exp(-2.0)])


@pytest.mark.parametrize("bad", [
    dict(cl_l_per_h=-1.0), dict(cl_l_per_h=0.0), dict(v_l=np.nan), dict(t_end_h=0.0),
])
def test_bad_inputs_raise_input_error(bad):
    kwargs = dict(cl_l_per_h=1.0, v_l=10.0, dosing=regimen_dosing(100, 8, 1, 1), t_end_h=8.0) | bad
    with pytest.raises(InputError):
        simulate(**kwargs)


def test_bad_dosing_and_windows():
    with pytest.raises(InputError, match="amount_mg"):
        Dosing([0.0], [-5.0], [1.0])
    with pytest.raises(InputError, match="duration_h"):
        Dosing([0.0], [5.0], [-1.0])
    with pytest.raises(InputError, match="same length"):
        Dosing([0.0, 1.0], [5.0, 1.0, 2.0], [1.0])
    with pytest.raises(InputError, match="n_doses"):
        regimen_dosing(100, 8, 1, 0)
    p = simulate(1.0, 10.0, regimen_dosing(100, 8, 1, 1), t_end_h=8.0)
    with pytest.raises(InputError, match="inside the simulation"):
        time_above(p, 1.0, 0, 9)
    with pytest.raises(InputError, match="fu_fraction"):
        ft_above_percent(p, 1.0, 1.5, 0, 8)


# --- property tests (hypothesis) -------------------------------------------------

pos = st.floats(0.2, 30.0)
regimens = st.tuples(st.floats(50, 4000), st.sampled_from([6.0, 8.0, 12.0, 24.0]), st.floats(0.0, 6.0))


def _reg(r, n=3):
    dose, tau, inf = r
    return regimen_dosing(dose, tau, min(inf, tau), n)


@settings(max_examples=60, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, hd=st.floats(0, 10))
def test_concentration_is_never_negative(cl, v, r, hd):
    d = _reg(r)
    t_end = float(d.end_h.max() + 24)
    p = simulate(cl, v, d, ExtraClearance([5.0], [9.0], [hd]), t_end_h=t_end)
    assert np.all(concentration(p, np.linspace(0, t_end, 50)) >= 0)


@settings(max_examples=60, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, factor=st.floats(0.1, 10))
def test_dose_linearity(cl, v, r, factor):
    d = _reg(r)
    scaled = Dosing(d.start_h, d.amount_mg * factor, d.duration_h)
    t = np.linspace(0, 30, 31)
    assert_allclose(concentration(simulate(cl, v, scaled, t_end_h=30), t),
                    factor * concentration(simulate(cl, v, d, t_end_h=30), t), rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, hd=st.floats(0, 10))
def test_superposition_of_single_doses(cl, v, r, hd):
    d = _reg(r, n=4)
    extra = ExtraClearance([7.0], [11.0], [hd])
    t_end = float(d.end_h.max() + 12)
    t = np.linspace(0, t_end, 40)
    whole = concentration(simulate(cl, v, d, extra, t_end_h=t_end), t)
    parts = sum(concentration(simulate(cl, v, Dosing(d.start_h[i:i + 1], d.amount_mg[i:i + 1],
                                                     d.duration_h[i:i + 1]), extra, t_end_h=t_end), t)
                for i in range(len(d.start_h)))
    assert_allclose(whole, parts, rtol=1e-9, atol=1e-10)


@settings(max_examples=60, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens)
def test_steady_state_auc_over_tau_equals_dose_over_cl(cl, v, r):
    dose, tau, inf = r
    p = simulate(cl, v, regimen_dosing(dose, tau, min(inf, tau), 1), t_end_h=tau, steady_state=True)
    assert_allclose(auc(p, 0, tau), dose / cl, rtol=1e-9)


@settings(max_examples=60, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, mics=st.lists(st.floats(0.01, 256), min_size=2, max_size=8))
def test_ft_above_mic_is_non_increasing_in_mic(cl, v, r, mics):
    dose, tau, inf = r
    p = simulate(cl, v, regimen_dosing(dose, tau, min(inf, tau), 1), t_end_h=tau, steady_state=True)
    ft = ft_above_percent(p, np.sort(mics), 0.5, 0, tau)[:, 0]
    assert np.all(np.diff(ft) <= 1e-9)
    assert np.all((ft >= 0) & (ft <= 100))


@settings(max_examples=60, deadline=None)
@given(cl=pos, dcl=st.floats(0.01, 10), v=st.floats(3, 80), r=regimens, mic=st.floats(0.05, 64))
def test_ft_above_mic_is_non_increasing_in_clearance(cl, dcl, v, r, mic):
    dose, tau, inf = r
    d = regimen_dosing(dose, tau, min(inf, tau), 1)
    p = simulate([cl, cl + dcl], [v, v], d, t_end_h=tau, steady_state=True)
    ft = ft_above_percent(p, mic, 0.6, 0, tau)
    assert ft[1] <= ft[0] + 1e-9


@settings(max_examples=60, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, mic=st.floats(0.05, 64), extra_dose=st.floats(0, 2000))
def test_ft_above_mic_does_not_decrease_with_dose(cl, v, r, mic, extra_dose):
    dose, tau, inf = r
    lo = simulate(cl, v, regimen_dosing(dose, tau, min(inf, tau), 1), t_end_h=tau, steady_state=True)
    hi = simulate(cl, v, regimen_dosing(dose + extra_dose, tau, min(inf, tau), 1), t_end_h=tau, steady_state=True)
    assert ft_above_percent(hi, mic, 0.6, 0, tau)[0] >= ft_above_percent(lo, mic, 0.6, 0, tau)[0] - 1e-9
