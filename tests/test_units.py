"""Tests for pkdose.units: constants, SCr conversion, unit and plausibility checks."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pkdose.errors import InputError, OutOfRangeError, UnitError
from pkdose.units import (
    L_PER_H_TO_ML_PER_MIN,
    ML_PER_MIN_TO_L_PER_H,
    SCR_PLAUSIBLE_MG_PER_DL,
    SCR_PLAUSIBLE_UMOL_PER_L,
    SCR_UMOL_PER_L_PER_MG_PER_DL,
    l_per_h_to_ml_per_min,
    ml_per_min_to_l_per_h,
    normalise_scr_unit,
    scr_mg_per_dl_to_umol_per_l,
    scr_to_mg_per_dl,
    scr_umol_per_l_to_mg_per_dl,
)

LO_MG, HI_MG = SCR_PLAUSIBLE_MG_PER_DL
LO_UM, HI_UM = SCR_PLAUSIBLE_UMOL_PER_L


def test_constants_fixed_by_design_contract():
    # docs/design.md fixes these two numbers
    assert ML_PER_MIN_TO_L_PER_H == 0.06
    assert SCR_UMOL_PER_L_PER_MG_PER_DL == 88.42
    assert_allclose(L_PER_H_TO_ML_PER_MIN * ML_PER_MIN_TO_L_PER_H, 1.0, rtol=1e-15)
    assert SCR_PLAUSIBLE_MG_PER_DL == (0.1, 20.0)
    assert_allclose(SCR_PLAUSIBLE_UMOL_PER_L, (8.842, 1768.4), rtol=1e-12)


def test_creatinine_factor_matches_molar_mass():
    # 10 dL/L * 1000 ug/mg / M(creatinine, C4H7N3O = 113.12 g/mol) = 88.40 umol/L per mg/dL;
    # the project's 88.42 agrees to 0.05 %, far below assay imprecision
    assert_allclose(SCR_UMOL_PER_L_PER_MG_PER_DL, 1e4 / 113.12, rtol=5e-4)


def test_clearance_conversion_scalar_and_array():
    assert ml_per_min_to_l_per_h(100.0) == pytest.approx(6.0, rel=1e-12)
    assert isinstance(ml_per_min_to_l_per_h(100.0), float)
    assert_allclose(ml_per_min_to_l_per_h([0.0, 50.0, 120.0]), [0.0, 3.0, 7.2], rtol=1e-12)
    assert_allclose(l_per_h_to_ml_per_min(np.array([[6.0], [3.0]])), [[100.0], [50.0]], rtol=1e-12)


def test_scr_conversion_known_values():
    assert scr_mg_per_dl_to_umol_per_l(1.0) == pytest.approx(88.42, rel=1e-12)
    assert scr_umol_per_l_to_mg_per_dl(176.84) == pytest.approx(2.0, rel=1e-12)
    assert_allclose(scr_umol_per_l_to_mg_per_dl([88.42, 442.1]), [1.0, 5.0], rtol=1e-12)


@settings(deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e4, allow_nan=False))
def test_scr_conversion_round_trip(x):
    assert_allclose(scr_umol_per_l_to_mg_per_dl(scr_mg_per_dl_to_umol_per_l(x)), x, rtol=1e-12)
    assert_allclose(scr_mg_per_dl_to_umol_per_l(scr_umol_per_l_to_mg_per_dl(x)), x, rtol=1e-12)


@settings(deadline=None)
@given(st.floats(min_value=1e-3, max_value=1e4, allow_nan=False))
def test_clearance_conversion_round_trip(x):
    assert_allclose(l_per_h_to_ml_per_min(ml_per_min_to_l_per_h(x)), x, rtol=1e-12)


@pytest.mark.parametrize(
    "unit, canonical",
    [("mg/dL", "mg/dL"), ("mg/dl", "mg/dL"), (" MG/DL ", "mg/dL"), ("umol/L", "µmol/L"),
     ("µmol/L", "µmol/L"), ("\u03bcmol/L", "µmol/L"), ("UMOL/L", "µmol/L")],
)
def test_accepted_unit_spellings(unit, canonical):
    assert normalise_scr_unit(unit) == canonical


@pytest.mark.parametrize("unit", [None, "", "mmol/L", "mg/L", "µmol", "mg%", 5])
def test_other_units_refused_with_unit_error(unit):
    with pytest.raises(UnitError, match="scr_unit"):
        scr_to_mg_per_dl(1.0, unit)


def test_stated_unit_is_used():
    assert scr_to_mg_per_dl(1.2, "mg/dL") == pytest.approx(1.2)
    assert scr_to_mg_per_dl(80, "µmol/L") == pytest.approx(80 / 88.42, rel=1e-12)
    assert isinstance(scr_to_mg_per_dl(80, "umol/L"), float)
    assert_allclose(scr_to_mg_per_dl([88.42, 176.84], "umol/L"), [1.0, 2.0], rtol=1e-12)


def test_mg_per_dl_value_plausible_only_in_umol_suggests_other_unit():
    msg = r"scr 80 mg/dL is implausible \(expected 0\.1–20 mg/dL\); did you mean 80 µmol/L \(0\.90 mg/dL\)\?"
    with pytest.raises(UnitError, match=msg):
        scr_to_mg_per_dl(80, "mg/dL")


def test_umol_value_plausible_only_in_mg_suggests_other_unit():
    msg = r"scr 1\.2 µmol/L is implausible \(expected 8\.8–1768 µmol/L\); did you mean 1\.2 mg/dL \(106 µmol/L\)\?"
    with pytest.raises(UnitError, match=msg):
        scr_to_mg_per_dl(1.2, "umol/L")


@pytest.mark.parametrize("value, unit", [(5000, "µmol/L"), (0.05, "mg/dL"), (2000, "mg/dL"),
                                         (0.0, "mg/dL"), (-1.0, "µmol/L")])
def test_value_implausible_in_both_units_is_out_of_range(value, unit):
    with pytest.raises(OutOfRangeError, match=r"scr .*in the other unit"):
        scr_to_mg_per_dl(value, unit)


@pytest.mark.parametrize("value", [10.0, 8.842, 20.0, 15.0])
def test_overlap_of_ranges_is_accepted_in_either_unit(value):
    assert scr_to_mg_per_dl(value, "mg/dL") == pytest.approx(value)
    assert scr_to_mg_per_dl(value, "µmol/L") == pytest.approx(value / 88.42)


def test_bounds_are_inclusive():
    assert scr_to_mg_per_dl(LO_MG, "mg/dL") == LO_MG
    assert scr_to_mg_per_dl(HI_MG, "mg/dL") == HI_MG
    assert scr_to_mg_per_dl(HI_UM, "µmol/L") == pytest.approx(HI_MG)


@pytest.mark.parametrize("value", [np.nan, np.inf, "1.2", True, None, [1.0, np.nan], object()])
def test_non_numbers_raise_input_error_naming_argument(value):
    with pytest.raises(InputError, match="scr must be a finite number"):
        scr_to_mg_per_dl(value, "mg/dL")


def test_array_reports_first_bad_element_and_custom_name():
    with pytest.raises(UnitError, match=r"scr_baseline 80 mg/dL"):
        scr_to_mg_per_dl([1.0, 80.0, 90.0], "mg/dL", name="scr_baseline")


def test_error_hierarchy():
    assert issubclass(UnitError, InputError) and issubclass(OutOfRangeError, InputError)
    with pytest.raises(ValueError):  # callers catching ValueError still work
        scr_to_mg_per_dl(80, "mg/dL")


@settings(deadline=None)
@given(st.floats(min_value=LO_MG, max_value=HI_MG))
def test_every_plausible_mg_value_is_accepted(x):
    assert scr_to_mg_per_dl(x, "mg/dL") == x


@settings(deadline=None)
@given(st.floats(min_value=HI_MG, max_value=HI_UM, exclude_min=True))
def test_mg_values_between_ranges_raise_unit_error(x):
    with pytest.raises(UnitError, match="µmol/L"):
        scr_to_mg_per_dl(x, "mg/dL")


@settings(deadline=None)
@given(st.one_of(st.floats(max_value=LO_MG, exclude_max=True, allow_nan=False, allow_infinity=False),
                 st.floats(min_value=HI_UM, exclude_min=True, allow_nan=False, allow_infinity=False)))
def test_mg_values_outside_both_ranges_raise_out_of_range(x):
    with pytest.raises(OutOfRangeError):
        scr_to_mg_per_dl(x, "mg/dL")
