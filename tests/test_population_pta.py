"""Population PTA with covariates that vary between patients (renal bands)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from pkdose.errors import InputError
from pkdose.exposure import Covariates, pk_check, population_pta, sample_covariates
from pkdose.library import load_product, load_regimen_table
from pkdose.patient import Native
from pkdose.regimens import select_regimens


@pytest.fixture(scope="module")
def cefiderocol():
    return load_product("cefiderocol"), load_regimen_table("cefiderocol")


def test_sample_covariates_band_weight_and_seed():
    crcl, wt = sample_covariates(20_000, (30, 60), weight_kg=72.6, weight_cv_percent=30, rng=4)
    assert crcl.min() >= 30 and crcl.max() < 60
    assert_allclose(np.median(wt), 72.6, rtol=0.02)
    assert_allclose(np.std(np.log(wt)), np.sqrt(np.log1p(0.09)), rtol=0.03)
    again = sample_covariates(20_000, (30, 60), weight_kg=72.6, weight_cv_percent=30, rng=4)
    assert np.array_equal(crcl, again[0]) and np.array_equal(wt, again[1])


@pytest.mark.parametrize("bad", [(60, 30), (-5, 10), (0, 900)])
def test_sample_covariates_refuses_bad_bands(bad):
    with pytest.raises(InputError, match="CrCL band"):
        sample_covariates(10, bad)


def test_fixed_covariates_reproduce_pk_check(cefiderocol):
    """All patients at one CrCL/weight: population_pta equals pk_check with the same seed."""
    prod, table = cefiderocol
    regs = select_regimens(table, crcl_ml_per_min=45)
    mics = (1.0, 4.0, 16.0)
    by_band = population_pta(prod, regs, np.full(500, 45.0), 70.0, mics=mics, rng=11)
    single = pk_check(prod, regs, Covariates(45.0, Native(), 70.0), mic_mg_per_l=4.0, n=500, rng=11, mics=mics)
    assert_allclose(by_band["pta_fraction"], single.pta["pta_fraction"])


def test_label_bands_reach_90_percent_at_mic_4(cefiderocol):
    """Katsube 2017 AAC: label regimens give >90 % PTA (75 % fT>MIC) at MIC <= 4 mg/L in each band."""
    prod, table = cefiderocol
    for band in [(120, 150), (90, 120), (60, 90), (30, 60), (15, 30), (5, 15)]:
        regs = select_regimens(table, crcl_ml_per_min=band[0])
        crcl, wt = sample_covariates(1000, band, weight_kg=72.6, weight_cv_percent=30, rng=1)
        pta = population_pta(prod, regs, crcl, wt, mics=(4.0,))["pta_fraction"].iloc[0]
        assert pta > 0.90, (band, pta)
