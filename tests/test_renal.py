"""Tests for pkdose.renal: equations against hand arithmetic, independent code, and properties.

No table of published Cockcroft–Gault or CKD-EPI 2021 outputs was available, so the
"worked examples" are the published equations evaluated by hand (each case says so),
plus an independent scalar re-implementation written from the papers (math module only).
"""


import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pkdose.errors import InputError
from pkdose.renal import (
    CGWeight,
    adjusted_body_weight,
    body_mass_index,
    bsa_du_bois,
    bsa_mosteller,
    bsa_normalised_crcl,
    ckd_epi_2021,
    cockcroft_gault,
    deindex_egfr,
    ideal_body_weight_devine,
    is_augmented,
    select_cg_weight,
)

ages = st.floats(min_value=18, max_value=100)
weights = st.floats(min_value=30, max_value=300)
scrs = st.floats(min_value=0.1, max_value=20)
sexes = st.sampled_from(["female", "male"])


def _cg_ref(age, weight, scr, female):
    """Cockcroft & Gault 1976, abstract: (140 - age) * wt / (72 * Scr), 15 % less in females."""
    return (140 - age) * weight / (72 * scr) * (0.85 if female else 1.0)


def _ckd_epi_ref(scr, age, female):
    """Inker 2021 creatinine equation without race, written out with if/else."""
    kappa, alpha = (0.7, -0.241) if female else (0.9, -0.302)
    r = scr / kappa
    low, high = (r, 1.0) if r < 1 else (1.0, r)
    return 142 * low**alpha * high**-1.2 * 0.9938**age * (1.012 if female else 1.0)


# --- Cockcroft–Gault -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "age, weight, scr, sex, expected",
    [
        (60, 72.0, 1.0, "male", 80.0),      # (140-60)*72/(72*1.0)
        (60, 72.0, 1.0, "female", 68.0),    # 0.85 * 80
        (40, 70.0, 1.0, "male", 97.2222),   # 100*70/72
        (80, 70.0, 2.0, "male", 29.1667),   # 60*70/144
        (30, 60.0, 0.7, "female", 111.3095),  # 110*60/(72*0.7)*0.85
    ],
)
def test_cockcroft_gault_hand_arithmetic(age, weight, scr, sex, expected):
    assert cockcroft_gault(age, weight, scr, sex) == pytest.approx(expected, rel=1e-5)


def test_cockcroft_gault_scalar_returns_float():
    assert isinstance(cockcroft_gault(60, 72.0, 1.0, "male"), float)


def test_cockcroft_gault_broadcasts_and_accepts_sex_array():
    age = np.array([[30.0], [60.0], [90.0]])  # (3, 1)
    scr = np.array([0.8, 1.0, 2.0, 4.0])      # (4,)
    out = cockcroft_gault(age, 70.0, scr, "male")
    assert out.shape == (3, 4)
    assert_allclose(out[1, 1], 80 * 70 / 72, rtol=1e-12)
    mixed = cockcroft_gault(60, 72.0, 1.0, np.array(["female", "male", "Female "]))
    assert_allclose(mixed, [68.0, 80.0, 68.0], rtol=1e-12)


@settings(deadline=None)
@given(ages, weights, scrs, sexes)
def test_cockcroft_gault_matches_independent_implementation(age, weight, scr, sex):
    assert cockcroft_gault(age, weight, scr, sex) == pytest.approx(
        _cg_ref(age, weight, scr, sex == "female"), rel=1e-12)


@settings(deadline=None)
@given(ages, weights, scrs, scrs, sexes)
def test_crcl_decreases_with_scr(age, weight, s1, s2, sex):
    assume(s2 - s1 > 1e-6)
    assert cockcroft_gault(age, weight, s1, sex) > cockcroft_gault(age, weight, s2, sex)


@settings(deadline=None)
@given(ages, weights, weights, scrs, sexes)
def test_crcl_increases_with_weight(age, w1, w2, scr, sex):
    assume(w2 - w1 > 1e-6)
    assert cockcroft_gault(age, w1, scr, sex) < cockcroft_gault(age, w2, scr, sex)


@settings(deadline=None)
@given(ages, ages, weights, scrs, sexes)
def test_crcl_decreases_with_age(a1, a2, weight, scr, sex):
    assume(a2 - a1 > 1e-6)
    assert cockcroft_gault(a1, weight, scr, sex) > cockcroft_gault(a2, weight, scr, sex)


@pytest.mark.parametrize("bad", ["X", "other", "", None, 1, ["female", "unknown"]])
def test_sex_other_than_female_male_is_refused(bad):
    with pytest.raises(InputError, match=r"sex .* is not accepted; use 'female' or 'male'"):
        cockcroft_gault(60, 70.0, 1.0, bad)
    with pytest.raises(InputError, match="'female' or 'male'"):
        ckd_epi_2021(1.0, 60, bad)
    with pytest.raises(InputError, match="'female' or 'male'"):
        ideal_body_weight_devine(170, bad)


def test_sex_abbreviations_f_and_m_mean_female_and_male():
    assert cockcroft_gault(60, 70.0, 1.0, "F") == cockcroft_gault(60, 70.0, 1.0, "female")
    assert cockcroft_gault(60, 70.0, 1.0, " m") == cockcroft_gault(60, 70.0, 1.0, "male")
    assert_allclose(ideal_body_weight_devine(170, ["M", "f"]), ideal_body_weight_devine(170, ["male", "female"]))


# --- body size ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "height_cm, sex, expected",
    [
        (152.4, "male", 50.0),      # 5 ft: the base weights of Devine 1974
        (152.4, "female", 45.5),
        (177.8, "male", 73.0),      # 5 ft 10 in: 50 + 2.3*10
        (165.1, "female", 57.0),    # 5 ft 5 in: 45.5 + 2.3*5
    ],
)
def test_devine_ibw_definition(height_cm, sex, expected):
    assert ideal_body_weight_devine(height_cm, sex) == pytest.approx(expected, abs=1e-9)


def test_devine_ibw_arrays_and_slope():
    ibw = ideal_body_weight_devine(np.array([160.0, 170.0, 180.0]), "male")
    assert_allclose(np.diff(ibw), 2.3 * 10 / 2.54, rtol=1e-12)  # 2.3 kg per inch
    both = ideal_body_weight_devine(170.0, np.array(["male", "female"]))
    assert_allclose(both[0] - both[1], 4.5, rtol=1e-12)


def test_adjusted_body_weight():
    assert adjusted_body_weight(110.0, 60.0) == pytest.approx(80.0)
    assert adjusted_body_weight(110.0, 60.0, factor=0.3) == pytest.approx(75.0)
    assert_allclose(adjusted_body_weight([100.0, 150.0], 60.0, factor=[0.0, 1.0]), [60.0, 150.0])
    assert adjusted_body_weight(110.0, 60.0, 0.4) == pytest.approx(60.0 + 0.4 * 50.0)


def test_bmi():
    assert body_mass_index(80.0, 200.0) == pytest.approx(20.0)
    assert_allclose(body_mass_index([50.0, 100.0], 100.0), [50.0, 100.0])


def test_bsa_formulas():
    # Mosteller: sqrt(180 * 80 / 3600) = 2 exactly
    assert bsa_mosteller(80.0, 180.0) == pytest.approx(2.0, rel=1e-12)
    # Du Bois as printed in 1916: A [cm²] = W^0.425 * H^0.725 * 71.84
    assert bsa_du_bois(70.0, 170.0) == pytest.approx(70**0.425 * 170**0.725 * 71.84 / 1e4, rel=1e-12)
    w = np.array([55.0, 65.0, 75.0])
    h = np.array([[165.0], [180.0]])
    assert bsa_du_bois(w, h).shape == (2, 3)
    # in normal-sized adults (BMI 17–28 here) the two formulas agree within 3 %;
    # Du Bois runs lower in obesity (90 kg at 160 cm: 3.6 % lower)
    assert_allclose(bsa_du_bois(w, h), bsa_mosteller(w, h), rtol=0.03)


@settings(deadline=None)
@given(st.floats(min_value=1, max_value=400), st.floats(min_value=0.5, max_value=3.5))
def test_deindex_and_normalise_are_inverse(x, bsa):
    assert bsa_normalised_crcl(deindex_egfr(x, bsa), bsa) == pytest.approx(x, rel=1e-12)
    assert deindex_egfr(x, 1.73) == pytest.approx(x, rel=1e-12)


def test_deindex_broadcasts():
    out = deindex_egfr(np.array([60.0, 90.0]), np.array([[1.5], [2.0]]))
    assert_allclose(out, [[60 * 1.5 / 1.73, 90 * 1.5 / 1.73], [60 * 2 / 1.73, 90 * 2 / 1.73]])


# --- weight selection ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "weight, height, sex, kind, note",
    [
        (48.0, 170.0, "male", "total body weight", "BMI < 18.5"),           # BMI 16.6
        (66.5, 170.0, "male", "ideal body weight", "BMI 18.5–24.9"),      # BMI 23.0, IBW 65.9
        (70.0, 170.0, "male", "ideal body weight", "BMI 18.5–24.9"),       # BMI 24.2, IBW 65.9
        (70.0, 190.0, "male", "total body weight", "TBW ≤ IBW"),           # BMI 19.4, IBW 79.4
        (80.0, 170.0, "male", "adjusted body weight", "BMI ≥ 25"),         # BMI 27.7
        (110.0, 165.0, "female", "adjusted body weight", "BMI ≥ 25"),      # BMI 40.4
    ],
)
def test_auto_rule_table(weight, height, sex, kind, note):
    ibw = ideal_body_weight_devine(height, sex)
    chosen = select_cg_weight(weight, height, sex)
    assert chosen.explanation.startswith(kind)
    assert note in chosen.explanation
    expected = {"total body weight": weight, "ideal body weight": ibw,
                "adjusted body weight": ibw + 0.4 * (weight - ibw)}[kind]
    assert chosen.weight_kg == pytest.approx(expected)


def test_auto_rule_never_exceeds_total_body_weight():
    # 65 kg at 170 cm (male): BMI 22.5 is "normal" but IBW 65.9 kg > TBW, so TBW is used
    chosen = select_cg_weight(65.0, 170.0, "male")
    assert chosen.weight_kg == 65.0 and "TBW ≤ IBW" in chosen.explanation


@settings(deadline=None)
@given(st.floats(min_value=30, max_value=300), st.floats(min_value=130, max_value=250), sexes)
def test_auto_weight_between_ibw_and_tbw(weight, height, sex):
    w = select_cg_weight(weight, height, sex).weight_kg
    ibw = ideal_body_weight_devine(height, sex)
    assert w <= weight + 1e-9
    assert w >= min(weight, ibw) - 1e-9


def test_bmi_category_boundaries():
    h = 170.0
    below = select_cg_weight(24.99 * 1.7**2, h, "male")
    above = select_cg_weight(25.01 * 1.7**2, h, "male")
    assert below.explanation.startswith("ideal") and above.explanation.startswith("adjusted")
    under = select_cg_weight(18.49 * 1.7**2, h, "male")
    assert under.explanation.startswith("total") and "BMI < 18.5" in under.explanation


def test_explicit_rules_and_missing_height():
    assert select_cg_weight(110.0, 165.0, "male", rule="total") == CGWeight(110.0, "total body weight 110.0 kg (rule 'total')")
    ibw = ideal_body_weight_devine(165.0, "male")
    assert select_cg_weight(110.0, 165.0, "male", rule="ideal").weight_kg == pytest.approx(ibw)
    assert select_cg_weight(110.0, 165.0, "male", rule="adjusted").weight_kg == pytest.approx(ibw + 0.4 * (110 - ibw))
    auto = select_cg_weight(99.0, None, "male")
    assert auto.weight_kg == 99.0 and "height not given" in auto.explanation
    weight, why = select_cg_weight(70.0, 175.0, "female")  # unpacks as a pair
    assert isinstance(weight, float) and isinstance(why, str)


@pytest.mark.parametrize("weight", [100.0, 140.0, 350.0])
def test_auto_rule_without_height_refuses_a_weight_where_obesity_cannot_be_ruled_out(weight):
    """Issue 8: a 140-kg patient without a height was dosed on total body weight with only a note."""
    with pytest.raises(InputError, match=r"without height_cm: the patient may be overweight or obese") as err:
        select_cg_weight(weight, None, "female")
    assert err.value.field == "height_cm" and "weight_rule" in err.value.fields
    assert select_cg_weight(weight, None, "female", rule="total").weight_kg == weight  # the explicit choice


@pytest.mark.parametrize("rule", ["ideal", "adjusted"])
def test_rules_needing_height_raise(rule):
    with pytest.raises(InputError, match=rf"height_cm is required for weight_rule '{rule}'"):
        select_cg_weight(80.0, None, "male", rule=rule)


def test_unknown_rule_and_sex_raise():
    with pytest.raises(InputError, match=r"weight_rule 'lean' is not accepted"):
        select_cg_weight(80.0, 170.0, "male", rule="lean")
    with pytest.raises(InputError, match=r"sex 'x' is not accepted"):
        select_cg_weight(80.0, 170.0, "x", rule="total")


# --- CKD-EPI 2021 -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "scr, age, sex, expected",
    [
        # 142 * (1.0/0.9)^-1.200 * 0.9938^50, by hand
        (1.0, 50, "male", 142 * (1 / 0.9) ** -1.2 * 0.9938**50),
        # at the knot Scr = kappa both spline terms are 1
        (0.9, 40, "male", 142 * 0.9938**40),
        (0.7, 40, "female", 142 * 0.9938**40 * 1.012),
        # below the knot: alpha branch, 142 * (0.5/0.7)^-0.241 * 0.9938^30 * 1.012
        (0.5, 30, "female", 142 * (0.5 / 0.7) ** -0.241 * 0.9938**30 * 1.012),
    ],
)
def test_ckd_epi_2021_hand_arithmetic(scr, age, sex, expected):
    assert ckd_epi_2021(scr, age, sex) == pytest.approx(expected, rel=1e-12)


def test_ckd_epi_2021_worked_value_rounded():
    # printed to one decimal: man 50 y, SCr 1.0 mg/dL -> 91.7; woman 55 y, SCr 0.9 -> 75.5
    assert round(ckd_epi_2021(1.0, 50, "male"), 1) == 91.7
    assert round(ckd_epi_2021(0.9, 55, "female"), 1) == 75.5


@settings(deadline=None)
@given(scrs, ages, sexes)
def test_ckd_epi_matches_independent_implementation(scr, age, sex):
    assert ckd_epi_2021(scr, age, sex) == pytest.approx(_ckd_epi_ref(scr, age, sex == "female"), rel=1e-12)


@settings(deadline=None)
@given(scrs, scrs, ages, sexes)
def test_ckd_epi_monotone_decreasing_in_scr(s1, s2, age, sex):
    assume(s2 - s1 > 1e-6)
    assert ckd_epi_2021(s1, age, sex) > ckd_epi_2021(s2, age, sex)


@settings(deadline=None)
@given(scrs, ages, ages, sexes)
def test_ckd_epi_decreasing_in_age(scr, a1, a2, sex):
    assume(a2 - a1 > 1e-6)
    assert ckd_epi_2021(scr, a1, sex) > ckd_epi_2021(scr, a2, sex)


def test_ckd_epi_continuous_at_knot_and_broadcasts():
    for sex, kappa in (("female", 0.7), ("male", 0.9)):
        lo, hi = ckd_epi_2021([kappa - 1e-9, kappa + 1e-9], 50, sex)
        assert lo == pytest.approx(hi, rel=1e-7)
    out = ckd_epi_2021(np.array([0.6, 1.0, 3.0]), np.array([[30.0], [70.0]]), np.array(["female", "male", "male"]))
    assert out.shape == (2, 3)
    assert_allclose(out[1, 2], _ckd_epi_ref(3.0, 70.0, False), rtol=1e-12)


# --- ARC ----------------------------------------------------------------------------------------

def test_is_augmented_threshold_inclusive_udy_2014():
    # Udy 2014: ARC = CrCL >= 130 mL/min/1.73 m²
    assert is_augmented(130.0) is True
    assert is_augmented(129.99) is False
    assert_allclose(is_augmented([90.0, 130.0, 200.0]), [False, True, True])
    assert is_augmented(120.0, threshold=100.0) is True
