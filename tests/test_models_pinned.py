"""Regression pins: every models/pk file against the published constants (catches silent edits).

Expected values are written out from the papers' printed numbers, so that a pin
fails both when a data file changes and when the arithmetic of a covariate form
is wrong.
"""

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from pkdose.library import available_pk_models, load_crrt_assumptions, load_pk_model

NONE = {"infection_site": "none"}

# key: (structure, typical uninfected reference parameters as printed)
REFERENCE = {
    "cefiderocol_kawaguchi2021": ("three_compartment",   # Kawaguchi 2021 Table 2 (CrCL 83, 72.6 kg, alb 3.9)
                                  dict(cl=4.04, v1=7.78, q2=6.19, v2=5.77, q3=0.127, v3=0.798)),
    "ceftazidime_li2019": ("two_compartment", dict(cl=6.95, v1=10.5, q2=31.5, v2=7.57)),   # Table 1
    "avibactam_li2019": ("two_compartment", dict(cl=10.2, v1=11.1, q2=5.44, v2=6.91)),     # Table 2
    "aztreonam_xie2025": ("two_compartment", dict(cl=5.00, v1=7.01, q2=9.41, v2=6.12)),    # Table S3
    "avibactam_xie2025": ("two_compartment", dict(cl=10.3, v1=12.6, q2=4.82, v2=6.95)),    # Table S3
}
REFERENCE_CRCL = {"cefiderocol_kawaguchi2021": 83.0, "ceftazidime_li2019": 1 / 0.0103036,
                  "avibactam_li2019": 80.0, "aztreonam_xie2025": 80.0, "avibactam_xie2025": 80.0}

# key: (crcl, weight, covariates, expected CL, expected V1) written out from the published forms
PINS = {
    "cefiderocol_kawaguchi2021": (40.0, 90.0, {"infection_site": "bloodstream", "albumin_g_per_dl": 2.5},
                                  4.04 * (40 / 83.0) ** 0.682 * 1.08,
                                  7.78 * (90 / 72.6) ** 0.580 * (2.5 / 3.9) ** -0.617 * 1.39),
    "ceftazidime_li2019": (60.0, 80.0, {"infection_site": "intra-abdominal", "race": "chinese",
                                        "ventilated": True},
                           6.95 * 0.0103036 * 60.0 * 1.16 * (1 - 0.0855),
                           10.5 * (80 / 70) ** 1.01 * 1.14 * (1 - 0.27) * 1.297),
    "avibactam_li2019": (40.0, 80.0, {"infection_site": "urinary", "apache_ii_above_10": True, "race": "asian"},
                         10.2 * 0.5 ** 1.05 * (1 - 0.197) * (1 - 0.0865),
                         11.1 * (80 / 70) ** 1.08 * 1.434),
    "aztreonam_xie2025": (40.0, 90.0, {"infection_site": "intra-abdominal", "bsa_m2": 2.0},
                          5.00 * (40 * 1.73 / 2.0 / 80) ** 0.502 * (90 / 70) ** 0.75 * 1.279,
                          7.01 * (90 / 70) * 1.931),
    "avibactam_xie2025": (200.0, 60.0, {"infection_site": "urinary", "race": "chinese", "bsa_m2": 1.6},
                          10.3 * (1 + 0.00313 * (200 * 1.73 / 1.6 - 80)) * (60 / 70) ** 0.75 * 1.222,
                          12.6 * (60 / 70) * 2.5 * (1 - 0.145)),
}

# key: (fu, omega SDs of the published diagonal, HD fraction, HD session h, CRRT coefficient)
ATTRIBUTES = {
    "cefiderocol_kawaguchi2021": (0.422, dict(cl=0.375, v1=0.569, v2=0.336), 0.60, 3.5, 0.63),
    "ceftazidime_li2019": (0.85, dict(cl=math.sqrt(0.179), v1=math.sqrt(1.10), v2=math.sqrt(1.21),
                                      q2=math.sqrt(6.70)), 0.63, 4.0, 0.85),
    "avibactam_li2019": (0.92, dict(cl=math.sqrt(0.349), v1=math.sqrt(1.147), v2=math.sqrt(1.494),
                                    q2=math.sqrt(6.359)), 0.55, 4.0, 0.92),
    "aztreonam_xie2025": (0.616, dict(cl=0.402, v1=0.608), 0.382, 4.0, 0.616),
    "avibactam_xie2025": (0.92, dict(cl=0.435, v1=0.652, q2=0.314, v2=0.177), 0.55, 4.0, 0.92),
}

# Published correlations the OMEGA entries must reproduce (printed next to the covariances).
CORRELATIONS = {
    "cefiderocol_kawaguchi2021": {("cl", "v1"): 0.415, ("cl", "v2"): 0.629, ("v1", "v2"): 0.784},
    "ceftazidime_li2019": {("cl", "v1"): -0.42, ("cl", "v2"): 0.82, ("v1", "v2"): -0.84,
                           ("cl", "q2"): 0.81, ("v1", "q2"): -0.24, ("v2", "q2"): 0.61},
    "avibactam_li2019": {("cl", "v1"): 0.2, ("cl", "v2"): 0.85, ("v1", "v2"): -0.33,
                         ("cl", "q2"): 0.83, ("v1", "q2"): -0.36, ("v2", "q2"): 0.99},
    "avibactam_xie2025": {("q2", "v2"): 0.56},
}


def _model(key):
    analyte, source = key.split("_", 1)
    return load_pk_model(analyte, source=source)


def test_every_shipped_model_is_pinned():
    assert sorted(PINS) == sorted(available_pk_models()) == sorted(ATTRIBUTES) == sorted(REFERENCE)


@pytest.mark.parametrize("key", sorted(REFERENCE))
def test_reference_subject_has_the_printed_typical_values(key):
    structure, printed = REFERENCE[key]
    model = _model(key)
    assert model.structure == structure
    got = model.typical_parameters(REFERENCE_CRCL[key], weight_kg=72.6 if "kawaguchi" in key else 70.0,
                                   **model.reference_covariates())
    assert set(got) == set(printed)
    for name, value in printed.items():
        assert_allclose(got[name], value, rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("key", sorted(PINS))
def test_covariate_forms_at_a_non_reference_patient(key):
    crcl, weight, cov, cl, v1 = PINS[key]
    p = _model(key).typical_parameters(crcl, weight_kg=weight, **cov)
    assert_allclose(p["cl"], cl, rtol=1e-9)
    assert_allclose(p["v1"], v1, rtol=1e-9)


@pytest.mark.parametrize("key", sorted(ATTRIBUTES))
def test_variability_and_extracorporeal_pins(key):
    model = _model(key)
    fu, sds, hd, session, crrt = ATTRIBUTES[key]
    central_crrt = load_crrt_assumptions().coefficients[model.analyte]["central"].value
    assert (model.fu_fraction, model.hd_fraction_removed, model.hd_session_h,
            central_crrt) == (fu, hd, session, crrt)
    assert set(model.omega_names) == set(sds)
    for name, sd in sds.items():
        assert_allclose(model.omega_sd(name), sd, rtol=1e-12, err_msg=name)
    assert np.all(np.linalg.eigvalsh(model.omega) > 0)


@pytest.mark.parametrize("key", sorted(CORRELATIONS))
def test_omega_reproduces_the_printed_correlations(key):
    model = _model(key)
    for (a, b), r in CORRELATIONS[key].items():
        i, j = model.omega_names.index(a), model.omega_names.index(b)
        got = model.omega[i, j] / math.sqrt(model.omega[i, i] * model.omega[j, j])
        assert_allclose(got, r, atol=0.006, err_msg=f"{a}-{b}")


def test_xie_aztreonam_avibactam_correlations_of_the_discussion():
    """Xie 2025 Discussion: aztreonam-avibactam IIV correlations 0.976 (CL) and 0.986 (Vc)."""
    atm, avi = _model("aztreonam_xie2025"), _model("avibactam_xie2025")
    assert avi.correlated_with == atm.key
    cov = avi.partner_covariance
    assert_allclose(cov[("cl", "cl")].value / (avi.omega_sd("cl") * atm.omega_sd("cl")), 0.976, atol=0.003)
    assert_allclose(cov[("v1", "v1")].value / (avi.omega_sd("v1") * atm.omega_sd("v1")), 0.986, atol=0.003)


def test_li2019_ceftazidime_spline_matches_data_s1():
    model = _model("ceftazidime_li2019")
    for crcl in (20.0, 100.0, 150.0, 300.0):
        factor = (0.0103036 * crcl if crcl < 100
                  else 0.0103036 * 100 + 0.00125182 * (crcl - 100))
        assert_allclose(model.clearance_l_per_h(crcl, **NONE), 6.95 * factor, rtol=1e-9)


def test_esrd_rules_replace_the_renal_factor():
    li = _model("avibactam_li2019")
    assert_allclose(li.clearance_l_per_h(4.0, **NONE), 10.2 * 0.0678)         # CrCL <= 5 (label band)
    assert_allclose(li.clearance_l_per_h(40.0, dialysis=True, **NONE), 10.2 * 0.0678)
    assert_allclose(li.clearance_l_per_h(40.0, esrd=True, **NONE), 10.2 * 0.0678)
    xie = _model("avibactam_xie2025")
    assert_allclose(xie.clearance_l_per_h(12.0, weight_kg=90.0, dialysis=True, **NONE),
                    10.3 * 0.077 * (90 / 70) ** 0.75)
    assert_allclose(xie.clearance_l_per_h(0.0, **NONE), 10.3 * 0.077)          # no 0 x ratio
    # the infection factor still applies on top of the ESRD rule
    assert_allclose(xie.clearance_l_per_h(12.0, infection_site="intra-abdominal", esrd=True),
                    10.3 * 0.077 * 1.115)


def test_floors_apply_only_where_declared():
    """Declared floors: on dialysis and below the fitted CrCL range, never inside it."""
    cef = _model("cefiderocol_kawaguchi2021")
    inside = cef.clearance_l_per_h(8.0, **NONE)                                # ESRD band, fitted range
    assert_allclose(inside, 4.04 * (8 / 83.0) ** 0.682)
    assert inside < 1.1
    assert_allclose(cef.clearance_l_per_h(8.0, dialysis=True, **NONE), 1.1)
    # below the fitted 4 mL/min off dialysis: the floor capped at the model's own CL at 4 mL/min (CL never
    # rises as CrCL falls; it was 1.1 L/h here, twice the 0.55 L/h at 4 mL/min)
    assert_allclose(cef.clearance_l_per_h(3.0, **NONE), 4.04 * (4 / 83.0) ** 0.682)
    assert_allclose(cef.clearance_l_per_h(0.0, dialysis=True, **NONE), 1.1)
    assert_allclose(cef.without_assumption("cl_floor_l_per_h").clearance_l_per_h(3.0, **NONE),
                    4.04 * (3 / 83.0) ** 0.682)
    assert_allclose(_model("ceftazidime_li2019").clearance_l_per_h(2.0), 0.40)
    assert_allclose(_model("aztreonam_xie2025").clearance_l_per_h(2.0), 1.46)
    assert_allclose(_model("aztreonam_xie2025").clearance_l_per_h(5.0, **NONE), 5.0 * (5 / 80) ** 0.502)


def test_unstudied_sites_take_the_declared_level():
    cef = _model("cefiderocol_kawaguchi2021")
    assert_allclose(cef.clearance_l_per_h(60.0, infection_site="intra-abdominal"),
                    cef.clearance_l_per_h(60.0, infection_site="bloodstream"))
    off = cef.without_assumption("unstudied_site")
    assert_allclose(off.clearance_l_per_h(60.0, infection_site="intra-abdominal"),
                    cef.clearance_l_per_h(60.0, infection_site="none"))


def test_xie_avibactam_additive_residual_is_phase1_only():
    """Xie 2025 Table S3: the additive avibactam residual (theta19) belongs to phase 1; the
    proportional 20 % (theta20) to every phase (pmx review 1, item 7)."""
    xie = _model("avibactam_xie2025")
    assert xie.residual["phase1"] == pytest.approx((0.20, 0.00621))
    assert xie.residual["phase2_3"] == pytest.approx((0.20, 0.0))
    assert "all" not in xie.residual


def test_cefiderocol_crrt_central_coefficient_says_it_is_derived():
    """The label-implied 0.63 is pkdose's derivation, not a label number (pmx review 1, item 7)."""
    central = load_crrt_assumptions().coefficients["cefiderocol"]["central"]
    assert central.value == 0.63
    assert central.locator.startswith("Derived by pkdose from")
    assert central.note.startswith("Derived by pkdose")


def test_li2019_ceftazidime_acute_pyelonephritis_stacks_on_the_cuti_factor():
    """Li 2019 Table 1 theta11: Vc x (1 - 0.185) for acute pyelonephritis, on top of cUTI x 1.03
    (pmx review 1, item 3); CL is unchanged and the flag needs a urinary infection."""
    caz = _model("ceftazidime_li2019")
    ap = caz.typical_parameters(60.0, weight_kg=80.0, infection_site="urinary", acute_pyelonephritis=True)
    cuti = caz.typical_parameters(60.0, weight_kg=80.0, infection_site="urinary")
    assert_allclose(ap["v1"], 10.5 * (80 / 70) ** 1.01 * 1.03 * (1 - 0.185), rtol=1e-12)
    assert_allclose(cuti["v1"], 10.5 * (80 / 70) ** 1.01 * 1.03, rtol=1e-12)
    assert_allclose(ap["cl"], cuti["cl"], rtol=1e-12)
    assert_allclose(ap["v2"], cuti["v2"], rtol=1e-12)
    v = caz.typical_parameters(60.0, infection_site="urinary", acute_pyelonephritis=[True, False])["v1"]
    assert_allclose(v[0] / v[1], 0.815, rtol=1e-12)
    from pkdose.errors import InputError
    with pytest.raises(InputError, match="acute_pyelonephritis"):
        caz.typical_parameters(60.0, infection_site="pneumonia", acute_pyelonephritis=True)
    assert "acute_pyelonephritis" not in caz.not_applied  # applied, not listed as left out
