"""Closed-form engine: cross-checked against scipy's ODE solver, and property tests, for 1, 2 and 3 compartments.

The ODE solver appears only here (mrgsolve's test-iv-po.R idea in reverse):
the engine itself never integrates numerically. Tests that hold for every
structure are parametrised over ``STRUCTURES``.

Realistic structures (typical values):
- Li 2019 ceftazidime, two compartments: CL 6.95 L/h, Vc 10.5 L, Q 31.5 L/h,
  Vp 7.57 L (Li J, et al. Clin Transl Sci. 2019;12(2):151-163.
  doi:10.1111/cts.12585, Table 2);
- Kawaguchi 2021 cefiderocol, three compartments: CL 4.04 L/h, V1 7.78 L,
  Q2 6.19 L/h, V2 5.77 L, Q3 0.127 L/h, V3 0.798 L (Kawaguchi N, et al.
  Antimicrob Agents Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20,
  Table 2).
"""

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.integrate import solve_ivp

from pkdose.errors import InputError
from pkdose.pd import ft_above_percent
from pkdose.pk import (
    ClearanceSteps,
    Dosing,
    ExtraClearance,
    above_intervals,
    auc,
    combine_dosing,
    concentration,
    dose_intervals,
    peak,
    regimen_dosing,
    simulate,
    steady_state_auc_tau,
    time_above,
    trough,
)

#: Peripheral compartments ((Q, V), ...) and the central volume of each structure; one-compartment
#: cases keep their own volume.
STRUCTURES = {
    "one": ((), None),
    "ceftazidime 2-cmt": (((31.5, 7.57),), 10.5),
    "cefiderocol 3-cmt": (((6.19, 5.77), (0.127, 0.798)), 7.78),
}
MULTI = [s for s in STRUCTURES if s != "one"]


def _volume(structure, v_one):
    """Central volume of a structure; the one-compartment case keeps its own."""
    return v_one if STRUCTURES[structure][1] is None else STRUCTURES[structure][1]


def _ode_reference(cl, v1, peripheral, dosing, extra, t_eval, t_end, *, steps=None, x0=None, t_start=0.0):
    """Integrate the mammillary model in amounts for one patient with tight tolerances.

    Returns the central concentration at ``t_eval`` and every compartment's concentration at ``t_end``.
    """
    vols = np.array([v1] + [v for _, v in peripheral])
    qs = [q for q, _ in peripheral]

    def rate(t):
        on = (dosing.start_h <= t) & (t < dosing.end_h) & (dosing.duration_h > 1e-6)
        return np.sum(dosing.amount_mg[on] / dosing.duration_h[on])

    def cl_at(t):
        own = cl if steps is None else steps[1][max(np.searchsorted(steps[0], t, side="right") - 1, 0)]
        if extra is None:
            return own
        on = (extra.start_h <= t) & (t < extra.end_h)
        return own + np.sum(np.atleast_1d(extra.cl_l_per_h)[on])

    def rhs(t, a):
        c = a / vols
        d = np.zeros_like(a)
        d[0] = rate(t) - cl_at(t) * c[0]
        for i, q in enumerate(qs, start=1):
            d[0] -= q * (c[0] - c[i])
            d[i] = q * (c[0] - c[i])
        return d

    pts = [[t_start, t_end], dosing.start_h, dosing.end_h]
    pts += [extra.start_h, extra.end_h] if extra is not None else []
    pts += [steps[0]] if steps is not None else []
    stops = np.unique(np.concatenate(pts))
    stops = stops[(stops >= t_start) & (stops <= t_end)]
    a = np.zeros(vols.size) if x0 is None else np.asarray(x0, float) * vols
    out = np.empty_like(t_eval)
    for lo, hi in zip(stops[:-1], stops[1:]):
        a[0] += dosing.amount_mg[(dosing.duration_h <= 1e-6) & (dosing.start_h == lo)].sum()
        sel = (t_eval >= lo) & (t_eval < hi)
        sol = solve_ivp(rhs, (lo, hi), a, t_eval=t_eval[sel], rtol=1e-11, atol=1e-12, method="LSODA")
        out[sel] = sol.y[0] / v1
        a = solve_ivp(rhs, (lo, hi), a, rtol=1e-11, atol=1e-12, method="LSODA").y[:, -1]
    return out, a / vols


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


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_closed_form_matches_ode_solver(case, structure):
    cl, v, dosing, extra, t_end = CASES[case]
    periph, v1 = STRUCTURES[structure][0], _volume(structure, v)
    t = np.linspace(0, t_end, 97)[:-1] + 0.013
    exact = concentration(simulate(cl, v1, dosing, extra, peripheral=periph, t_end_h=t_end), t)[0]
    assert_allclose(exact, _ode_reference(cl, v1, periph, dosing, extra, t, t_end)[0], rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_clearance_trajectory_with_dialysis_matches_ode_solver(structure):
    """A kinetic clearance trajectory (AKI, then recovery) in steps, with a dialysis session on top."""
    periph, v1 = STRUCTURES[structure][0], _volume(structure, 16.0)
    steps = ClearanceSteps([0.0, 10.0, 20.0, 30.0], [5.0, 2.0, 0.8, 3.5])
    dosing = combine_dosing(regimen_dosing(1000, 8, 1, 5, loading_dose_mg=2000), Dosing([13.0], [500.0], [0.0]))
    extra = ExtraClearance([12.0], [16.0], [5.0])
    t = np.linspace(0, 40, 97)[:-1] + 0.013
    exact = concentration(simulate(steps, v1, dosing, extra, peripheral=periph, t_end_h=40), t)[0]
    ref = _ode_reference(None, v1, periph, dosing, extra, t, 40, steps=(steps.start_h, steps.cl_l_per_h[0]))[0]
    assert_allclose(exact, ref, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_steady_state_week_on_dialysis_matches_ode_solver(structure):
    """The periodic start integrated over one week by the ODE solver comes back to itself."""
    periph, v1 = STRUCTURES[structure][0], _volume(structure, 18.0)
    start = np.array([8.0, 56.0, 104.0])
    extra = ExtraClearance(start, start + 4.0, 6.0)
    dosing = regimen_dosing(750, 12, 3, 14)
    p = simulate(0.6, v1, dosing, extra, peripheral=periph, t_end_h=168, steady_state=True)
    t = np.linspace(0, 168, 170)[:-1] + 0.01
    ref, x_end = _ode_reference(0.6, v1, periph, dosing, extra, t, 168, x0=p.x_start_mg_per_l[:, 0])
    assert_allclose(concentration(p, t)[0], ref, rtol=1e-6)
    assert_allclose(x_end, p.x_start_mg_per_l[:, 0], rtol=1e-6)
    assert p.periodic.all()


@pytest.mark.parametrize("structure", STRUCTURES)
@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_time_above_auc_peak_trough_match_a_fine_grid(case, structure):
    """Exact time above, AUC, peak and trough agree with brute force on a 1-s grid (a check, not the method)."""
    cl, v, dosing, extra, t_end = CASES[case]
    periph, v1 = STRUCTURES[structure][0], _volume(structure, v)
    p = simulate(cl, v1, dosing, extra, peripheral=periph, t_end_h=t_end)
    t = np.linspace(0, t_end, int(t_end * 3600) + 1)
    c = concentration(p, t)[0]
    threshold = np.median(c)
    dt = t[1] - t[0]
    assert_allclose(time_above(p, threshold, 0, t_end)[0], np.sum(c[:-1] > threshold) * dt, atol=4 * dt)
    assert_allclose(auc(p, 0, t_end)[0], np.trapezoid(c, t), rtol=1e-5)
    assert peak(p, 0, t_end)[0] >= c.max() * (1 - 1e-12)
    assert_allclose(peak(p, 0, t_end)[0], c.max(), rtol=1e-6)
    late = t >= 1.0
    assert trough(p, 1.0, t_end)[0] <= c[late].min() * (1 + 1e-12)
    assert_allclose(trough(p, 1.0, t_end)[0], c[late].min(), rtol=1e-4)  # a left limit before a bolus


def test_single_infusion_textbook_formula():
    """C at the end of an infusion: R/CL (1 - exp(-k T)) (Rowland & Tozer, ch. 10)."""
    cl, v, dose, T = 5.0, 20.0, 2000.0, 3.0
    p = simulate(cl, v, regimen_dosing(dose, 24, T, 1), t_end_h=24)
    expected = dose / T / cl * (1 - np.exp(-cl / v * T))
    assert_allclose(concentration(p, [T])[0, 0], expected, rtol=1e-12)


def test_two_compartment_bolus_textbook_biexponential():
    """Bolus into a two-compartment model: C = A e^-alpha t + B e^-beta t (Gibaldi & Perrier, ch. 2)."""
    cl, v1, q, v2, dose = 6.95, 10.5, 31.5, 7.57, 1000.0
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s, prod = k10 + k12 + k21, k10 * k21
    alpha = (s + np.sqrt(s * s - 4 * prod)) / 2
    beta = prod / alpha
    a = dose / v1 * (alpha - k21) / (alpha - beta)
    b = dose / v1 * (k21 - beta) / (alpha - beta)
    t = np.array([0.0, 0.1, 1.0, 5.0, 23.0])
    p = simulate(cl, v1, regimen_dosing(dose, 24, 0, 1), peripheral=((q, v2),), t_end_h=24)
    assert_allclose(concentration(p, t)[0], a * np.exp(-alpha * t) + b * np.exp(-beta * t), rtol=1e-12)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_steady_state_matches_long_run_and_dose_over_cl(structure):
    periph = STRUCTURES[structure][0]
    cl, v = np.array([3.0, 5.0, 8.0]), np.array([12.0, 18.0, 25.0])
    ss = simulate(cl, v, regimen_dosing(2000, 8, 3, 1), peripheral=periph, t_end_h=8, steady_state=True)
    long = simulate(cl, v, regimen_dosing(2000, 8, 3, 60), peripheral=periph, t_end_h=480)
    t = np.linspace(0, 8, 17)[:-1]
    assert_allclose(concentration(ss, t), concentration(long, 472 + t), rtol=1e-9)
    assert_allclose(auc(ss, 0, 8), steady_state_auc_tau(2000, cl), rtol=1e-12)


def test_steady_state_wraps_infusions_across_the_period():
    """A continuous infusion started at 0 and a q24h infusion crossing midnight."""
    ss = simulate(4.0, 16.0, Dosing([20.0], [1000.0], [8.0]), t_end_h=24, steady_state=True)
    long = simulate(4.0, 16.0, regimen_dosing(1000, 24, 8, 32, start_h=20.0), t_end_h=24 * 33)
    t = np.array([0.5, 3.0, 10.0, 21.0])
    assert_allclose(concentration(ss, t), concentration(long, 24 * 30 + t), rtol=1e-9)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_vectorised_equals_per_patient(structure):
    rng = np.random.default_rng(1)
    cl, v = rng.lognormal(1.5, 0.3, 50), rng.lognormal(2.8, 0.25, 50)
    periph = tuple((q * rng.lognormal(0, 0.3, 50), vp * rng.lognormal(0, 0.3, 50))
                   for q, vp in STRUCTURES[structure][0])
    extra = ExtraClearance([10.0], [14.0], [3.0])
    dosing = regimen_dosing(1500, 8, 3, 4)
    together = simulate(cl, v, dosing, extra, peripheral=periph, t_end_h=32)
    mic = np.array([1.0, 8.0, 32.0])
    for i in (0, 17, 49):
        alone = simulate(cl[i], v[i], dosing, extra, peripheral=tuple((q[i], vp[i]) for q, vp in periph), t_end_h=32)
        assert_allclose(time_above(together, mic, 24, 32)[:, i], time_above(alone, mic, 24, 32)[:, 0])
        assert_allclose(auc(together, 0, 32)[i], auc(alone, 0, 32)[0])
        assert_allclose(peak(together, 20, 32)[i], peak(alone, 20, 32)[0])


def test_per_patient_extra_clearance():
    p = simulate([2.0, 2.0], [10.0, 10.0], regimen_dosing(1000, 24, 0, 1),
                 ExtraClearance([0.0], [24.0], [[0.0], [2.0]]), t_end_h=24)
    assert_allclose(concentration(p, [5.0])[:, 0], [100 * np.exp(-1.0), 100 * np.exp(-2.0)])


@pytest.mark.parametrize("structure", STRUCTURES)
def test_window_keeps_the_same_profile(structure):
    """``window_h`` keeps part of the profile; the state there carries every dose since the start."""
    periph, v1 = STRUCTURES[structure][0], _volume(structure, 14.0)
    dosing, extra = regimen_dosing(2000, 8, 3, 9), ExtraClearance([30.0], [34.0], [5.0])
    full = simulate(4.4, v1, dosing, extra, peripheral=periph, t_end_h=72)
    part = simulate(4.4, v1, dosing, extra, peripheral=periph, t_end_h=72, window_h=(60.5, 72))
    t = np.linspace(60.5, 72, 40)
    assert part.t_h[0] == 60.5 and part.t_h[-1] == 72
    assert_allclose(concentration(part, t), concentration(full, t), rtol=1e-12)
    assert_allclose(time_above(part, [5, 50], 64, 72), time_above(full, [5, 50], 64, 72), rtol=1e-12)
    with pytest.raises(InputError, match="inside the simulation"):
        auc(part, 50, 72)


def test_tiny_peripheral_volume_reduces_to_one_compartment():
    """V2 = 1e-7 V1: the peripheral compartment holds no drug and the model is one compartment."""
    dosing = combine_dosing(regimen_dosing(2000, 8, 3, 3), Dosing([4.0], [500.0], [0.0]))
    one = simulate(4.0, 15.0, dosing, ExtraClearance([10.0], [14.0], [3.0]), t_end_h=24)
    two = simulate(4.0, 15.0, dosing, ExtraClearance([10.0], [14.0], [3.0]), peripheral=((2.0, 15e-7),), t_end_h=24)
    t = np.linspace(0, 24, 101)
    assert_allclose(concentration(two, t), concentration(one, t), rtol=1e-6)
    assert_allclose(time_above(two, [10, 60], 0, 24), time_above(one, [10, 60], 0, 24), atol=1e-5)


def test_two_identical_peripherals_act_as_one():
    """Equal rate constants (Q/V) repeat an eigenvalue: the same drug as one peripheral with summed Q and V."""
    dosing = regimen_dosing(1000, 12, 1, 3)
    three = simulate(3.0, 8.0, dosing, peripheral=((2.0, 4.0), (1.0, 2.0)), t_end_h=36)
    two = simulate(3.0, 8.0, dosing, peripheral=((3.0, 6.0),), t_end_h=36)
    t = np.linspace(0, 36, 73)
    assert_allclose(concentration(three, t), concentration(two, t), rtol=1e-10)
    assert_allclose(time_above(three, [5.0, 30.0], 0, 36), time_above(two, [5.0, 30.0], 0, 36), atol=1e-9)


def test_constant_clearance_steps_equal_a_constant_clearance():
    dosing = regimen_dosing(1000, 8, 1, 3)
    steps = simulate(ClearanceSteps([0.0, 5.0], [[3.0, 3.0], [6.0, 6.0]]), 10.0, dosing, t_end_h=24)
    plain = simulate([3.0, 6.0], 10.0, dosing, t_end_h=24)
    t = np.linspace(0, 24, 25)
    assert_allclose(concentration(steps, t), concentration(plain, t), rtol=1e-12)
    ss = simulate(ClearanceSteps([0.0], [3.0]), 10.0, dosing, t_end_h=8, steady_state=True)
    assert_allclose(auc(ss, 0, 8), 1000 / 3.0, rtol=1e-12)


@pytest.mark.parametrize("structure", STRUCTURES)
def test_peak_and_trough_inside_an_interval(structure):
    """A bolus on a running infusion: the central level falls (distribution) then rises; trough inside."""
    periph, v1 = STRUCTURES[structure][0], _volume(structure, 12.0)
    dosing = combine_dosing(Dosing([0.0], [3000.0], [0.0]), Dosing([0.0], [2400.0], [24.0]))
    p = simulate(2.0, v1, dosing, peripheral=periph, t_end_h=24)
    t = np.linspace(0, 24, 240001)
    c = concentration(p, t)[0]
    assert_allclose(trough(p, 0, 24)[0], c.min(), rtol=1e-9)
    assert_allclose(peak(p, 0.5, 24)[0], c[t >= 0.5].max(), rtol=1e-9)


def test_dose_intervals_wrap_in_a_periodic_week():
    d = Dosing([12.0, 60.0, 108.0], 187.5, 2.0)
    p = simulate(0.69, 21.7, d, t_end_h=168, steady_state=True)
    assert [(a, b) for a, b, _ in dose_intervals(p, d, periodic=True)] == [(12, 60), (60, 108), (108, 168)]
    assert [(a, b) for a, b, _ in dose_intervals(p, d, periodic=False)] == [(12, 60), (60, 108)]
    assert dose_intervals(p, d, 0, 100, periodic=True) == [(12.0, 60.0, ((12.0, 60.0),))]


@pytest.mark.parametrize("bad", [
    dict(cl_l_per_h=-1.0), dict(cl_l_per_h=0.0), dict(v_l=np.nan), dict(t_end_h=0.0),
    dict(peripheral=((1.0, 2.0), (1.0, 2.0), (1.0, 2.0))), dict(peripheral=((1.0,),)),
    dict(peripheral=((-1.0, 2.0),)), dict(peripheral=((1.0, 0.0),)), dict(window_h=(4.0, 9.0)),
    dict(cl_l_per_h=ClearanceSteps([0.0, 4.0], [2.0, 1.0]), steady_state=True),
    dict(cl_l_per_h=[1.0, 2.0], v_l=[1.0, 2.0, 3.0]),
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
    with pytest.raises(InputError, match="increase strictly"):
        ClearanceSteps([0.0, 0.0], [1.0, 2.0])
    with pytest.raises(InputError, match="n_steps"):
        ClearanceSteps([0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="> 0"):
        ClearanceSteps([0.0], [0.0])
    p = simulate(1.0, 10.0, regimen_dosing(100, 8, 1, 1), t_end_h=8.0)
    with pytest.raises(InputError, match="inside the simulation"):
        time_above(p, 1.0, 0, 9)
    with pytest.raises(InputError, match="fu_fraction"):
        ft_above_percent(p, 1.0, 1.5, 0, 8)


# --- property tests (hypothesis), for every structure ------------------------------

pos = st.floats(0.2, 30.0)
regimens = st.tuples(st.floats(50, 4000), st.sampled_from([6.0, 8.0, 12.0, 24.0]), st.floats(0.0, 6.0))
scales = st.tuples(st.floats(0.2, 5.0), st.floats(0.2, 5.0), st.floats(0.2, 5.0), st.floats(0.2, 5.0))


def _reg(r, n=3):
    dose, tau, inf = r
    return regimen_dosing(dose, tau, min(inf, tau), n)


def _periph(structure, f):
    """The structure's peripheral compartments with their Q and V scaled by hypothesis factors."""
    return tuple((q * f[2 * i], v * f[2 * i + 1]) for i, (q, v) in enumerate(STRUCTURES[structure][0]))


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, hd=st.floats(0, 10), f=scales)
def test_concentration_is_never_negative(structure, cl, v, r, hd, f):
    d = _reg(r)
    t_end = float(d.end_h.max() + 24)
    p = simulate(cl, v, d, ExtraClearance([5.0], [9.0], [hd]), peripheral=_periph(structure, f), t_end_h=t_end)
    assert np.all(concentration(p, np.linspace(0, t_end, 50)) >= 0)


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, factor=st.floats(0.1, 10), f=scales)
def test_dose_linearity(structure, cl, v, r, factor, f):
    d = _reg(r)
    scaled = Dosing(d.start_h, d.amount_mg * factor, d.duration_h)
    periph = _periph(structure, f)
    t = np.linspace(0, 30, 31)
    assert_allclose(concentration(simulate(cl, v, scaled, peripheral=periph, t_end_h=30), t),
                    factor * concentration(simulate(cl, v, d, peripheral=periph, t_end_h=30), t),
                    rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, hd=st.floats(0, 10), f=scales)
def test_superposition_of_single_doses(structure, cl, v, r, hd, f):
    d = _reg(r, n=4)
    extra = ExtraClearance([7.0], [11.0], [hd])
    periph = _periph(structure, f)
    t_end = float(d.end_h.max() + 12)
    t = np.linspace(0, t_end, 40)
    whole = concentration(simulate(cl, v, d, extra, peripheral=periph, t_end_h=t_end), t)
    parts = sum(concentration(simulate(cl, v, Dosing(d.start_h[i:i + 1], d.amount_mg[i:i + 1], d.duration_h[i:i + 1]),
                                       extra, peripheral=periph, t_end_h=t_end), t)
                for i in range(len(d.start_h)))
    assert_allclose(whole, parts, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, f=scales)
def test_steady_state_auc_over_tau_equals_dose_over_cl(structure, cl, v, r, f):
    dose, tau, inf = r
    p = simulate(cl, v, regimen_dosing(dose, tau, min(inf, tau), 1), peripheral=_periph(structure, f), t_end_h=tau,
                 steady_state=True)
    assert_allclose(auc(p, 0, tau), dose / cl, rtol=1e-9)


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, mics=st.lists(st.floats(0.01, 256), min_size=2, max_size=8), f=scales)
def test_ft_above_mic_is_non_increasing_in_mic(structure, cl, v, r, mics, f):
    dose, tau, inf = r
    p = simulate(cl, v, regimen_dosing(dose, tau, min(inf, tau), 1), peripheral=_periph(structure, f), t_end_h=tau,
                 steady_state=True)
    ft = ft_above_percent(p, np.sort(mics), 0.5, 0, tau)[:, 0]
    assert np.all(np.diff(ft) <= 1e-9)
    assert np.all((ft >= 0) & (ft <= 100))
    shuffled = ft_above_percent(p, np.asarray(mics), 0.5, 0, tau)[:, 0]  # any order of thresholds
    assert_allclose(np.sort(shuffled)[::-1], ft, atol=1e-9)


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, dcl=st.floats(0.01, 10), v=st.floats(3, 80), r=regimens, mic=st.floats(0.05, 64), f=scales)
def test_ft_above_mic_is_non_increasing_in_clearance(structure, cl, dcl, v, r, mic, f):
    dose, tau, inf = r
    d = regimen_dosing(dose, tau, min(inf, tau), 1)
    p = simulate([cl, cl + dcl], [v, v], d, peripheral=_periph(structure, f), t_end_h=tau, steady_state=True)
    ft = ft_above_percent(p, mic, 0.6, 0, tau)
    assert ft[1] <= ft[0] + 1e-9


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, mic=st.floats(0.05, 64), extra_dose=st.floats(0, 2000), f=scales)
def test_ft_above_mic_does_not_decrease_with_dose(structure, cl, v, r, mic, extra_dose, f):
    dose, tau, inf = r
    periph = _periph(structure, f)
    lo = simulate(cl, v, regimen_dosing(dose, tau, min(inf, tau), 1), peripheral=periph, t_end_h=tau,
                  steady_state=True)
    hi = simulate(cl, v, regimen_dosing(dose + extra_dose, tau, min(inf, tau), 1), peripheral=periph, t_end_h=tau,
                  steady_state=True)
    assert ft_above_percent(hi, mic, 0.6, 0, tau)[0] >= ft_above_percent(lo, mic, 0.6, 0, tau)[0] - 1e-9


@pytest.mark.parametrize("structure", STRUCTURES)
@settings(max_examples=40, deadline=None)
@given(cl=pos, v=st.floats(3, 80), r=regimens, q=st.floats(0.05, 0.95), hd=st.floats(0, 10), f=scales)
def test_crossing_times_bracket_the_sign_changes(structure, cl, v, r, q, hd, f):
    """Every span end inside a smooth stretch is a crossing: the level is on either side 1e-9 h around it."""
    d = combine_dosing(_reg(r), Dosing([5.0], [300.0], [0.0]))
    t_end = float(d.end_h.max() + 12)
    p = simulate(cl, v, d, ExtraClearance([7.0], [11.0], [hd]), peripheral=_periph(structure, f), t_end_h=t_end)
    grid = concentration(p, np.linspace(0, t_end, 200))[0]
    m = float(np.quantile(grid, q))
    assume(m > 0)
    spans = above_intervals(p, m, 0, t_end)[0]
    assert_allclose(np.sum(spans[:, 1] - spans[:, 0]), time_above(p, m, 0, t_end)[0], atol=1e-9)
    ends = spans.ravel()
    smooth = np.array([np.min(np.abs(p.t_h - x)) > 1e-6 for x in ends], dtype=bool)
    for x in ends[smooth]:
        below, after = concentration(p, [x - 1e-9, x + 1e-9])[0] - m
        slope = abs(after - below) / 2e-9
        assert below * after <= 0 or min(abs(below), abs(after)) <= 1e-12 * max(m, 1.0) + slope * 1e-10


def test_a_kinetic_crcl_trajectory_drives_the_engine():
    """pkdose.kinetic_gfr.clearance_steps gives (start_h, cl) that ClearanceSteps takes as it is."""
    from pkdose.kinetic_gfr import clearance_steps, kinetic_crcl_trajectory
    from pkdose.library import load_pk_model

    tr = kinetic_crcl_trajectory([0, 24, 48], [1.0, 2.0, 2.6], "mg/dL", baseline_scr=1.0, baseline_scr_unit="mg/dL",
                                 baseline_crcl_ml_per_min=90, weight_kg=70)
    start, cl = clearance_steps(tr, load_pk_model("cefiderocol"), weight_kg=[60.0, 90.0])
    dosing = regimen_dosing(2000, 8, 3, 9)
    p = simulate(ClearanceSteps(start, cl), 7.78, dosing, peripheral=STRUCTURES["cefiderocol 3-cmt"][0], t_end_h=72)
    t = np.linspace(0, 72, 50)[:-1] + 0.01
    for i in range(2):
        ref = _ode_reference(None, 7.78, STRUCTURES["cefiderocol 3-cmt"][0], dosing, None, t, 72,
                             steps=(start, cl[i]))[0]
        assert_allclose(concentration(p, t)[i], ref, rtol=1e-6)


@settings(max_examples=40, deadline=None)
@given(cl=st.lists(pos, min_size=1, max_size=6), r=regimens, hd=st.floats(0, 10), cont=st.floats(0, 3000),
       window=st.tuples(st.floats(0, 1), st.floats(0, 1)), block=st.sampled_from([1 << 17, 7]))
def test_one_compartment_kernel_equals_the_crossing_spans(cl, r, hd, cont, window, block):
    """The dense one-compartment time above (all thresholds at once, in blocks of patients) against the spans.

    The spans come from :func:`above_intervals`, a separate path (one crossing time per monotone stretch);
    the regimen mixes infusions, a bolus, a continuous infusion that can hold the level above or below its
    plateau, and a dialysis window; the thresholds include 0, repeats and levels above every peak.
    """
    import pkdose.pk.measures as measures

    d = combine_dosing(_reg(r), Dosing([5.0], [300.0], [0.0]), Dosing([2.0], [cont], [30.0]))
    t_end = float(d.end_h.max() + 12)
    v = np.linspace(8.0, 40.0, len(cl))
    p = simulate(cl, v, d, ExtraClearance([7.0], [11.0], [hd]), t_end_h=t_end)
    t0, t1 = sorted(w * t_end for w in window)
    sampled = concentration(p, np.linspace(0, t_end, 7)).ravel() * 1.000001  # off a plateau: no tie to rounding
    levels = np.sort(np.concatenate([[0.0, 0.0], sampled, sampled, [1e6]]))
    spans = np.array([[np.sum(s[:, 1] - s[:, 0]) for s in above_intervals(p, m, t0, t1)] for m in levels])
    saved = measures._ONE_CMT_BLOCK
    measures._ONE_CMT_BLOCK = block
    try:
        dense = time_above(p, levels, t0, t1)
    finally:
        measures._ONE_CMT_BLOCK = saved
    assert_allclose(dense, spans, atol=1e-9)
