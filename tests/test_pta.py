"""Populations, PTA and CFR: reproducibility (SPEC 7), invariants and known values."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pkdose.errors import InputError
from pkdose.pk import regimen_dosing
from pkdose.pta import (
    attainment,
    cfr,
    ft_population,
    lognormal_etas,
    omega_from_cv,
    pta_table,
)


def test_same_seed_same_numbers_and_generator_accepted():
    a = lognormal_etas(1000, [0.3, 0.25], rng=42)
    assert np.array_equal(a, lognormal_etas(1000, [0.3, 0.25], rng=42))
    assert not np.array_equal(a, lognormal_etas(1000, [0.3, 0.25], rng=43))
    g = np.random.default_rng(42)
    assert np.array_equal(a, lognormal_etas(1000, [0.3, 0.25], rng=g))


def test_lognormal_cv_and_correlation_are_reproduced():
    """CV of exp(eta) and the correlation of eta within Monte Carlo error (n = 200,000)."""
    corr = np.array([[1, 0.976], [0.976, 1]])
    eta = lognormal_etas(200_000, omega_from_cv([40.2, 43.5]), corr, rng=3)
    cv = np.std(np.exp(eta), axis=0) / np.mean(np.exp(eta), axis=0)
    assert_allclose(cv, [0.402, 0.435], rtol=0.02)
    assert_allclose(np.corrcoef(eta.T)[0, 1], 0.976, atol=0.002)


def test_bad_correlation_is_refused():
    with pytest.raises(InputError, match="positive semi-definite"):
        lognormal_etas(10, [0.3, 0.3], [[1, 1.5], [1.5, 1]])
    with pytest.raises(InputError, match="symmetric"):
        lognormal_etas(10, [0.3, 0.3], [[1, 0.5], [0.2, 1]])


def test_chunking_does_not_change_the_result():
    rng = np.random.default_rng(5)
    cl, v = rng.lognormal(1.4, 0.3, 1001), rng.lognormal(2.9, 0.25, 1001)
    d = regimen_dosing(2000, 8, 3, 1)
    one = ft_population(cl, v, d, 0.42, [1, 8, 16], (0, 8), steady_state=True)
    many = ft_population(cl, v, d, 0.42, [1, 8, 16], (0, 8), steady_state=True, chunk=97)
    assert_allclose(one, many)


def test_pta_table_standard_error_and_labels():
    att = np.array([[True] * 75 + [False] * 25])
    df = pta_table([4.0], att, regimen="2 g q8h", target="75% fT>MIC")
    assert df.loc[0, "pta_fraction"] == 0.75
    assert_allclose(df.loc[0, "mc_se_fraction"], np.sqrt(0.75 * 0.25 / 100))
    assert list(df.columns) == ["mic_mg_per_l", "pta_fraction", "n_patients", "mc_se_fraction",
                                "regimen", "target"]
    with pytest.raises(InputError, match="shape"):
        pta_table([1.0, 2.0], att)


def test_cfr_known_value_and_errors():
    assert cfr([1.0, 0.5], [1, 1]) == 0.75
    with pytest.raises(InputError):
        cfr([1.0, 0.5], [1])
    with pytest.raises(InputError):
        cfr([1.2, 0.5], [1, 1])


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), dose=st.floats(250, 4000), tau=st.sampled_from([6.0, 8.0, 12.0]),
       target=st.floats(0, 100))
def test_pta_lies_in_unit_interval_and_does_not_increase_with_mic(seed, dose, tau, target):
    eta = lognormal_etas(300, omega_from_cv([35, 30]), rng=seed)
    cl, v = 4.0 * np.exp(eta[:, 0]), 18.0 * np.exp(eta[:, 1])
    mics = np.array([0.125, 0.5, 2, 8, 32, 128])
    ft = ft_population(cl, v, regimen_dosing(dose, tau, 3.0, 1), 0.5, mics, (0, tau), steady_state=True)
    pta = pta_table(mics, attainment(ft, target))["pta_fraction"].to_numpy()
    assert np.all((pta >= 0) & (pta <= 1))
    assert np.all(np.diff(pta) <= 0)


def test_chunking_does_not_change_a_three_compartment_trajectory():
    """Per-patient peripheral parameters, a per-patient clearance trajectory and per-patient dialysis."""
    from pkdose.pk import ClearanceSteps, ExtraClearance, simulate
    from pkdose.pd import ft_above_percent

    rng = np.random.default_rng(8)
    n = 301
    steps = ClearanceSteps([0.0, 20.0], np.column_stack([rng.lognormal(1.4, 0.3, n), rng.lognormal(0.5, 0.3, n)]))
    v1 = rng.lognormal(2.0, 0.25, n)
    periph = ((6.19 * rng.lognormal(0, 0.3, n), 5.77), (0.127, 0.798 * rng.lognormal(0, 0.3, n)))
    extra = ExtraClearance([30.0], [34.0], rng.uniform(2, 6, (n, 1)))
    d = regimen_dosing(2000, 8, 3, 6)
    kw = dict(extra=extra, t_end_h=48.0, peripheral=periph)
    one = ft_population(steps, v1, d, 0.42, [1, 8, 16], (40, 48), **kw)
    many = ft_population(steps, v1, d, 0.42, [1, 8, 16], (40, 48), chunk=37, **kw)
    assert_allclose(one, many)
    direct = ft_above_percent(simulate(steps, v1, d, extra, peripheral=periph, t_end_h=48.0), [1, 8, 16], 0.42, 40, 48)
    assert_allclose(one, direct, atol=1e-9)


def test_module_docstring_states_the_model_files_cv_convention():
    """pmx review 1, item 7: the files' 'CV %' is omega x 100 (Kawaguchi, Xie), not ln(1 + CV^2)."""
    import pkdose.pta
    from pkdose.library import load_pk_model

    assert "\\omega \\times 100" in pkdose.pta.__doc__ and "not applied to the\nmodel files" in pkdose.pta.__doc__
    assert load_pk_model("cefiderocol").omega_sd("cl") == pytest.approx(0.375)  # 37.5 % read as omega 0.375


@pytest.mark.parametrize("seed", [0, 1, 2026])
def test_etas_are_numpys_multivariate_normal(seed):
    """lognormal_etas draws exactly what Generator.multivariate_normal(method="eigh") draws for the seed."""
    gen = np.random.default_rng(seed)
    a = gen.normal(size=(5, 5))
    for cov in (a @ a.T / 5, np.diag([0.1, 0.0, 0.3, 0.2, 0.05])):  # full, and singular (a fixed effect)
        sd = np.sqrt(np.diag(cov))
        corr = np.where(np.outer(sd, sd) > 0, cov / np.where(np.outer(sd, sd) > 0, np.outer(sd, sd), 1), np.eye(5))
        ours = lognormal_etas(1000, sd, corr, rng=seed)
        ref = np.random.default_rng(seed).multivariate_normal(np.zeros(5), corr * np.outer(sd, sd), size=1000,
                                                              method="eigh")
        assert np.array_equal(ours, ref)
