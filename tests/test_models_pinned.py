"""Regression pins: every models/pk file at one reference patient (catches silent edits).

Expected values are written out from the published constants so that a pin
fails both when a data file changes and when the arithmetic of a derived
typical value (e.g. V1 x infection factor x albumin factor + V2) is wrong.
"""

import math

import pytest
from numpy.testing import assert_allclose

from pkdose.library import available_pk_models, load_pk_model

# key: (crcl_ml_per_min, weight_kg, expected CL [L/h], expected V [L])
PINS = {
    # Kawaguchi 2021 Table 2 / footnote b: CL 4.04 x pneumonia 0.981 at CrCL 83;
    # V1 7.78 x (2.7/3.9)^-0.617 x 1.39 + V2 5.77 + V3 0.798
    "cefiderocol_kawaguchi2021": (83.0, 72.6, 4.04 * 0.981,
                                  7.78 * (2.7 / 3.9) ** -0.617 * 1.39 + 5.77 + 0.798),
    # Li 2019 Table 1 / Data S1: 6.95 x 0.0103036 x 60 x NP 0.999; Vc 10.5 x 1.14 + Vp 7.57
    "ceftazidime_li2019": (60.0, 70.0, 6.95 * 0.0103036 * 60.0 * 0.999, 10.5 * 1.14 + 7.57),
    # Li 2019 Table 2: 10.2 x (40/80)^1.05; Vc 11.1 x 1.329 + Vp 6.91
    "avibactam_li2019": (40.0, 70.0, 10.2 * 0.5 ** 1.05, 11.1 * 1.329 + 6.91),
    # Xie 2025 Table S3: 5.00 x (40/80)^0.502; Vc 7.01 x 1.931 + Vp 6.12
    "aztreonam_xie2025": (40.0, 70.0, 5.00 * 0.5 ** 0.502, 7.01 * 1.931 + 6.12),
    # Xie 2025 Table S3: 10.3 x (40/80)^1.06; Vc 12.6 x 1.931 + Vp 6.95
    "avibactam_xie2025": (40.0, 70.0, 10.3 * 0.5 ** 1.06, 12.6 * 1.931 + 6.95),
}

# key: (fu, CL CV %, V CV %, HD fraction, HD session h, CRRT coefficient)
ATTRIBUTES = {
    "cefiderocol_kawaguchi2021": (0.422, 38.9, 48.0, 0.60, 3.5, 0.63),
    "ceftazidime_li2019": (0.85, 44.3, 60.0, 0.63, 4.0, 0.85),
    "avibactam_li2019": (0.92, 64.6, 91.0, 0.55, 4.0, 0.92),
    "aztreonam_xie2025": (0.616, 41.9, 43.0, 0.382, 4.0, 0.616),
    "avibactam_xie2025": (0.92, 45.6, 53.0, 0.55, 4.0, 0.92),
}


def _model(key):
    analyte, source = key.split("_", 1)
    return load_pk_model(analyte, source=source)


def test_every_shipped_model_is_pinned():
    assert sorted(PINS) == sorted(available_pk_models()) == sorted(ATTRIBUTES)


@pytest.mark.parametrize("key", sorted(PINS))
def test_typical_clearance_and_volume(key):
    crcl, weight, cl, v = PINS[key]
    model = _model(key)
    # rtol 1e-4: derived typical values are stored to 4-6 significant figures
    assert_allclose(model.clearance_l_per_h(crcl, weight_kg=weight), cl, rtol=1e-4)
    assert_allclose(model.volume_l(weight_kg=weight), v, rtol=1e-4)


@pytest.mark.parametrize("key", sorted(ATTRIBUTES))
def test_variability_and_extracorporeal_pins(key):
    model = _model(key)
    got = (model.fu_fraction, model.cl_cv_percent, model.v_cv_percent,
           model.hd_fraction_removed, model.hd_session_h, model.crrt_sieving_fraction)
    assert got == ATTRIBUTES[key]


def test_cl_cv_matches_published_omega():
    # published IIV as omega (Kawaguchi 2021 CL 37.5 %, Xie 2025 40.2 % / 43.5 %) or
    # variance (Li 2019 0.179 / 0.349); the files store the log-normal CV to 3 s.f.
    omegas = {"cefiderocol_kawaguchi2021": 0.375, "aztreonam_xie2025": 0.402,
              "avibactam_xie2025": 0.435, "ceftazidime_li2019": math.sqrt(0.179),
              "avibactam_li2019": math.sqrt(0.349)}
    for key, omega in omegas.items():
        assert_allclose(_model(key).cl_omega, omega, rtol=2e-3, err_msg=key)


def test_li2019_ceftazidime_spline_matches_data_s1():
    model = _model("ceftazidime_li2019").with_alternative("cl_site_ratio",
                                                          "cl_site_reference_ratio")
    for crcl in (20.0, 100.0, 150.0, 300.0):
        factor = (0.0103036 * crcl if crcl < 100
                  else 0.0103036 * 100 + 0.00125182 * (crcl - 100))
        assert_allclose(model.clearance_l_per_h(crcl), 6.95 * factor, rtol=1e-6)


def test_esrd_and_floor_pins():
    assert_allclose(_model("avibactam_li2019").clearance_l_per_h(4.0), 10.2 * 0.0678)
    assert_allclose(_model("avibactam_xie2025").clearance_l_per_h(12.0, weight_kg=90.0),
                    10.3 * 0.077 * (90 / 70) ** 0.75)
    assert_allclose(_model("ceftazidime_li2019").clearance_l_per_h(2.0), 0.40)
    assert_allclose(_model("aztreonam_xie2025").clearance_l_per_h(2.0), 1.46)
