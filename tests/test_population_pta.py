"""Cohorts: covariates sampled per patient, regimen rules, PTA and exposure by group, target changes."""

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from pkdose.errors import InputError, ModelFileError
from pkdose.exposure import (
    Covariates,
    default_population,
    exposure_summary,
    pk_check,
    population_pta,
    with_target,
)
from pkdose.library import available_products, load_population_design, load_product, load_regimen_table
from pkdose.patient import Native
from pkdose.pta import covariance_etas, sample_cohort
from pkdose.regimens import select_regimens

STRUCTURE = "one_compartment"  # cohort wiring; the published structure is covered in tests/validation


@pytest.fixture(scope="module")
def cefiderocol():
    return load_product("cefiderocol"), load_regimen_table("cefiderocol")


def test_sample_cohort_band_design_and_seed():
    design = load_population_design("kawaguchi2021")
    c = sample_cohort(20_000, (30, 60), design, rng=4, infection_site="pneumonia")
    assert c.crcl_ml_per_min.min() >= 30 and c.crcl_ml_per_min.max() < 60
    assert_allclose(c.weight_kg.mean(), 72.6, rtol=0.02)          # arithmetic mean, as published
    assert_allclose(c.weight_kg.std() / c.weight_kg.mean(), 0.30, rtol=0.05)
    assert_allclose(c.albumin_g_per_dl.mean(), 2.8, rtol=0.02)
    assert (c.infection_site == "pneumonia").all()
    again = sample_cohort(20_000, (30, 60), design, rng=4, infection_site="pneumonia")
    pd.testing.assert_frame_equal(c, again)


def test_sample_cohort_truncates_mixes_and_derives_bsa():
    xie = sample_cohort(5000, (50, 80), load_population_design("xie2025"), rng=2)
    assert xie.weight_kg.between(33, 130).all() and xie.height_cm.between(145, 200).all()
    assert_allclose(xie.bsa_m2, 0.007184 * xie.weight_kg ** 0.425 * xie.height_cm ** 0.725)
    li = sample_cohort(20_000, (50, 80), load_population_design("li2019"), rng=3, infection_site="urinary")
    assert_allclose((li.race == "chinese").mean(), 262 / 1764, atol=0.01)


@pytest.mark.parametrize("bad", [(60, 30), (-5, 10), (0, 900)])
def test_sample_cohort_refuses_bad_bands(bad):
    with pytest.raises(InputError, match="CrCL band"):
        sample_cohort(10, bad)


def test_unknown_design_is_a_model_file_error():
    with pytest.raises(ModelFileError, match="unknown design"):
        load_population_design("nobody2020")


def test_covariance_etas_reproduce_a_published_block():
    """Kawaguchi 2021 Table 2 OMEGA (CV% = omega x 100): correlations 0.415, 0.629, 0.784."""
    omega = np.array([[0.140625, 0.0886, 0.0792], [0.0886, 0.323761, 0.150], [0.0792, 0.150, 0.112896]])
    eta = covariance_etas(100_000, omega, rng=5)
    assert_allclose(np.cov(eta.T), omega, atol=0.006)


def test_fixed_covariates_reproduce_pk_check(cefiderocol):
    """All patients at one CrCL/weight: population_pta equals pk_check with the same seed."""
    prod, table = cefiderocol
    regs = select_regimens(table, crcl_ml_per_min=45)
    mics = (1.0, 4.0, 16.0)
    cohort = pd.DataFrame({"crcl_ml_per_min": np.full(500, 45.0), "weight_kg": 70.0})
    by_band = population_pta(prod, cohort, regs, mics=mics, rng=11, structure=STRUCTURE)
    single = pk_check(prod, regs, Covariates(45.0, Native(), 70.0), mic_mg_per_l=4.0, n=500, rng=11, mics=mics,
                      structure=STRUCTURE)
    assert_allclose(by_band["pta_fraction"], single.pta["pta_fraction"])


def test_one_call_spans_renal_bands_with_the_label_rule(cefiderocol):
    """A cohort across several bands: each patient gets his band's label regimen; PTA reported by band."""
    prod, table = cefiderocol
    design = load_population_design("kawaguchi2021")
    bands = {"moderate": (30, 60), "normal": (90, 120)}
    cohort = pd.concat([sample_cohort(400, b, design, rng=i).assign(band=name)
                        for i, (name, b) in enumerate(bands.items())], ignore_index=True)
    pta = population_pta(prod, cohort, "label", by="band", mics=(4.0, 16.0), rng=3, structure=STRUCTURE)
    assert set(pta.band) == set(bands) and (pta.n_patients == 400).all()
    for name, b in bands.items():  # the same as giving that band's label regimen to its patients alone
        regs = select_regimens(table, crcl_ml_per_min=b[0])
        sub = cohort[cohort.band == name]
        alone = population_pta(prod, sub, regs, mics=(4.0, 16.0), rng=3, structure=STRUCTURE)
        assert (alone.pta_fraction.to_numpy() > 0).all()
    assert (pta.mc_se_fraction <= 0.03).all()


def test_regimen_rule_callable_and_errors(cefiderocol):
    prod, table = cefiderocol
    cohort = pd.DataFrame({"crcl_ml_per_min": [40.0, 100.0]})
    calls = []

    def rule(crcl):
        calls.append(crcl)
        return select_regimens(table, crcl_ml_per_min=crcl)

    population_pta(prod, cohort, rule, mics=(4.0,), structure=STRUCTURE)
    assert calls == [40.0, 100.0]
    with pytest.raises(InputError, match="crcl_ml_per_min"):
        population_pta(prod, pd.DataFrame({"weight_kg": [70.0]}), "label")
    with pytest.raises(InputError, match="regimens"):
        population_pta(prod, cohort, "guess")
    with pytest.raises(InputError, match="by column"):
        population_pta(prod, cohort, "label", by="band", structure=STRUCTURE)


def test_label_bands_reach_90_percent_at_mic_4(cefiderocol):
    """Katsube 2017 AAC: label regimens give >90 % PTA (75 % fT>MIC) at MIC <= 4 mg/L in each band."""
    prod, _ = cefiderocol
    design = load_population_design("kawaguchi2021")
    bands = [(120, 150), (90, 120), (60, 90), (30, 60), (15, 30), (5, 15)]
    cohort = pd.concat([sample_cohort(1000, b, design, rng=1).assign(band=str(b)) for b in bands],
                       ignore_index=True)
    pta = population_pta(prod, cohort, "label", by="band", mics=(4.0,), structure=STRUCTURE)
    assert (pta.pta_fraction > 0.90).all(), pta


def test_infection_site_reaches_the_model(cefiderocol):
    """BSI/sepsis (CL x 1.08) gives lower PTA than cUTI (CL x 0.872) at the same CrCL: Table 3 order."""
    prod, _ = cefiderocol
    cohort = sample_cohort(2000, (90, 120), load_population_design("kawaguchi2021"), rng=8)
    site = {s: population_pta(prod, cohort.assign(infection_site=s), "label", mics=(16.0,),
                              structure=STRUCTURE).pta_fraction.iloc[0] for s in ("bloodstream", "urinary")}
    assert site["bloodstream"] < site["urinary"] - 0.1


def test_with_target_changes_ft_and_threshold():
    prod = load_product("ceftazidime-avibactam")
    hundred = with_target(prod, ft_percent=100)
    assert all(c.ft_percent == 100 for c in hundred.target.components)
    avi = with_target(prod, threshold_mg_per_l=2.5, analyte="avibactam")
    assert [c.threshold_mg_per_l for c in avi.target.components if c.analyte == "avibactam"] == [2.5]
    assert prod.target.components[0].ft_percent == 50  # original unchanged
    for bad in ({"ft_percent": 0}, {"ft_percent": 120}, {"threshold_mg_per_l": -1}, {"analyte": "x"}):
        with pytest.raises(InputError):
            with_target(prod, **bad)


def test_stricter_target_lowers_pta(cefiderocol):
    prod, table = cefiderocol
    regs = select_regimens(table, crcl_ml_per_min=100)
    cov = Covariates(100.0, Native())
    p75 = pk_check(prod, regs, cov, mic_mg_per_l=8, n=500, structure=STRUCTURE).pta_at_mic
    p100 = pk_check(with_target(prod, ft_percent=100), regs, cov, mic_mg_per_l=8, n=500,
                    structure=STRUCTURE).pta_at_mic
    assert p100 < p75


def test_exposure_summary_geometric_means_by_group():
    prod = load_product("aztreonam-avibactam")
    cohort = pd.concat([sample_cohort(300, b, load_population_design("xie2025"), rng=i).assign(band=n)
                        for i, (n, b) in enumerate({"mild": (50, 80), "normal": (80, 150)}.items())],
                       ignore_index=True)
    s = exposure_summary(prod, cohort, "label", by="band", structure=STRUCTURE)
    assert set(s.analyte) == {"aztreonam", "avibactam"} and set(s.band) == {"mild", "normal"}
    auc = s.set_index(["band", "analyte"]).gm_auc24_mg_h_per_l
    assert auc["mild", "aztreonam"] > auc["normal", "aztreonam"]  # same dose, lower clearance
    assert (s.gm_cmax_mg_per_l > s.gm_cmin_mg_per_l).all()


@pytest.mark.parametrize("product", available_products())
def test_every_product_has_one_default_population(product):
    d = default_population(load_product(product))
    assert d["infection_site"] in ("intra-abdominal", "bloodstream") and d["reason"]


def test_li2019_design_draws_apache_and_ventilation_as_published():
    """pmx review 1, item 6: APACHE II > 10 in 438/1,115 cIAI and NP patients (none in cUTI), ventilation
    = VAP in 138/413 NP patients (none elsewhere), Li 2019 Table 3."""
    design = load_population_design("li2019")
    assert dict(design["apache_ii_above_10"]["mix"]) == {"true": 438, "false": 677}
    assert design["apache_ii_above_10"]["sites"] == ("intra-abdominal", "pneumonia")
    shares = {}
    for site in ("intra-abdominal", "pneumonia", "urinary"):
        c = sample_cohort(20_000, (30, 120), design, rng=3, infection_site=site)
        shares[site] = ((c.apache_ii_above_10 == "true").mean(), (c.ventilated == "true").mean())
    assert shares["intra-abdominal"][0] == pytest.approx(438 / 1115, abs=0.01)
    assert shares["pneumonia"] == pytest.approx((438 / 1115, 138 / 413), abs=0.01)
    assert shares["intra-abdominal"][1] == 0 and shares["urinary"] == (0, 0)
    with pytest.raises(InputError, match="infection_site"):
        sample_cohort(10, (30, 60), design, rng=1)
    # the drawn flags reach the models: APACHE II > 10 lowers avibactam CL, so the cIAI exposure rises
    prod = load_product("ceftazidime-avibactam")
    c = sample_cohort(400, (50, 80), design, rng=4, infection_site="intra-abdominal")
    by = exposure_summary(prod, c, "label", by="apache_ii_above_10", rng=5).query("analyte == 'avibactam'")
    auc = by.set_index("apache_ii_above_10")["gm_auc24_mg_h_per_l"]
    assert auc["true"] > 1.1 * auc["false"]
