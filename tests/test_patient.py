"""Tests for pkdose.patient: validation at the boundary, renal states, renal_assessment."""

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pkdose.errors import InputError, OutOfRangeError, UnitError
from pkdose.patient import (
    CRRT,
    DEFAULT_RESIDUAL_CRCL_ML_PER_MIN,
    HDSchedule,
    Haemodialysis,
    Native,
    Patient,
    RenalAssessment,
    renal_assessment,
)
from pkdose.renal import (
    adjusted_body_weight,
    bsa_du_bois,
    ckd_epi_2021,
    cockcroft_gault,
    ideal_body_weight_devine,
)

BASE = dict(age_y=60, sex="male", weight_kg=80.0, height_cm=175.0, scr=1.0, scr_unit="mg/dL")


def make(**changes):
    return Patient(**{**BASE, **changes})


# --- Patient ------------------------------------------------------------------------------------

def test_patient_normalises_and_converts():
    p = make(sex=" Female", scr=88.42, scr_unit="umol/L")
    assert p.sex == "female"
    assert p.scr_unit == "µmol/L"
    assert p.scr_mg_per_dl == pytest.approx(1.0, rel=1e-12)
    assert isinstance(p.age_y, float) and isinstance(p.weight_kg, float)
    assert make(height_cm=None).height_cm is None


def test_sex_f_and_m_are_female_and_male():
    assert make(sex="F").sex == "female" and make(sex=" m ").sex == "male"


def test_patient_with_measured_crcl_only():
    p = Patient(age_y=45, sex="male", weight_kg=90, crcl_ml_per_min=120)
    assert p.crcl_ml_per_min == 120.0 and p.scr is None and p.scr_mg_per_dl is None


def test_patient_is_frozen():
    p = make()
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.weight_kg = 90.0


@pytest.mark.parametrize(
    "changes",
    [dict(age_y=18), dict(age_y=120), dict(weight_kg=350), dict(weight_kg=20), dict(height_cm=130),
     dict(height_cm=250), dict(crcl_ml_per_min=0), dict(crcl_ml_per_min=400), dict(scr=20.0),
     dict(scr=0.1), dict(age_y=np.float64(40.0)), dict(weight_kg=np.int64(70))],
)
def test_boundaries_accepted(changes):
    make(**changes)


@pytest.mark.parametrize(
    "changes, error, match",
    [
        (dict(age_y=17), OutOfRangeError, r"age_y 17 is outside the accepted range \(≥ 18 and ≤ 120 years\); .*adult"),
        (dict(age_y=121), OutOfRangeError, r"age_y 121 .*≤ 120 years"),
        (dict(age_y="40"), InputError, r"age_y must be a finite number, got '40'"),
        (dict(age_y=math.nan), InputError, r"age_y must be a finite number"),
        (dict(age_y=None), InputError, r"age_y must be a finite number, got None"),
        (dict(sex="X"), InputError, r"sex 'X' is not accepted; use 'female' or 'male'"),
        (dict(sex="other"), InputError, r"sex 'other' is not accepted"),
        (dict(sex=None), InputError, r"sex None is not accepted"),
        (dict(weight_kg=0), OutOfRangeError, r"weight_kg 0 is outside the accepted range \(≥ 20 and ≤ 350 kg\)"),
        (dict(weight_kg=19.9), OutOfRangeError, r"weight_kg 19.9 is outside the accepted range"),
        (dict(weight_kg=-5), OutOfRangeError, r"weight_kg -5 is outside"),
        (dict(weight_kg=351), OutOfRangeError, r"weight_kg 351 .*not lb"),
        (dict(weight_kg=True), InputError, r"weight_kg must be a finite number, got True"),
        (dict(height_cm=129), OutOfRangeError, r"height_cm 129 is outside the accepted range \(≥ 130 and ≤ 250 cm\)"),
        (dict(height_cm=251), OutOfRangeError, r"height_cm 251 .*omit height_cm"),
        (dict(height_cm=70), UnitError, r"height_cm 70 is implausible .*did you mean 70 in \(177\.8 cm\)"),
        (dict(scr_unit=None), UnitError, r"scr_unit is missing"),
        (dict(scr_unit="mmol/L"), UnitError, r"scr_unit 'mmol/L' is not accepted"),
        (dict(scr=80), UnitError, r"scr 80 mg/dL is implausible .*did you mean 80 µmol/L \(0\.90 mg/dL\)"),
        (dict(scr=1.1, scr_unit="µmol/L"), UnitError, r"scr 1\.1 µmol/L is implausible .*did you mean 1\.1 mg/dL"),
        (dict(scr=5000, scr_unit="µmol/L"), OutOfRangeError, r"scr 5000 µmol/L is implausible"),
        (dict(scr="1.0"), InputError, r"scr must be a finite number"),
        (dict(scr=None), InputError, r"scr_unit 'mg/dL' was given without scr"),
        (dict(scr=None, scr_unit=None), InputError, r"give scr with scr_unit .* or crcl_ml_per_min"),
        (dict(crcl_ml_per_min=401), OutOfRangeError, r"crcl_ml_per_min 401 is outside the accepted range \(≥ 0 and ≤ 400 mL/min\)"),
        (dict(crcl_ml_per_min=-1), OutOfRangeError, r"crcl_ml_per_min -1 is outside"),
        (dict(crcl_ml_per_min="90"), InputError, r"crcl_ml_per_min must be a finite number"),
    ],
)
def test_bad_patient_inputs_raise_specific_errors(changes, error, match):
    with pytest.raises(error, match=match):
        make(**changes)


# --- renal states -------------------------------------------------------------------------------

def test_hd_schedule_defaults_and_normalisation():
    assert HDSchedule() == HDSchedule(days=("Mon", "Wed", "Fri"), start_h=8.0, session_h=4.0)
    hd = HDSchedule(days=["sat", " Tue", "THU"], start_h=13.5, session_h=3)
    assert hd.days == ("Tue", "Thu", "Sat") and hd.session_h == 3.0
    assert len(HDSchedule(days=("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")).days) == 7
    assert HDSchedule(start_h=0.0).start_h == 0.0 and HDSchedule(start_h=23.99).start_h == 23.99
    assert HDSchedule(session_h=1).session_h == 1.0 and HDSchedule(session_h=12).session_h == 12.0
    hash(HDSchedule())  # frozen, usable as a key


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(days=("Mon", "Mon")), InputError, r"days \('Mon', 'Mon'\) is not accepted; use 1–7 unique names"),
        (dict(days=("Monday",)), InputError, r"days \('Monday',\) is not accepted"),
        (dict(days=()), InputError, r"days \(\) is not accepted"),
        (dict(days="Mon"), InputError, r"days 'Mon' is not accepted"),
        (dict(days=5), InputError, r"days 5 is not accepted"),
        (dict(days=("Mon", 3)), InputError, r"days .* is not accepted"),
        (dict(session_h=0.5), OutOfRangeError, r"session_h 0.5 is outside the accepted range \(≥ 1 and ≤ 12 h\)"),
        (dict(session_h=13), OutOfRangeError, r"session_h 13 is outside"),
        (dict(start_h=-1), OutOfRangeError, r"start_h -1 is outside the accepted range \(≥ 0 and < 24 h"),
        (dict(start_h=24), OutOfRangeError, r"start_h 24 is outside"),
        (dict(start_h="8:00"), InputError, r"start_h must be a finite number"),
    ],
)
def test_bad_hd_schedule(kwargs, error, match):
    with pytest.raises(error, match=match):
        HDSchedule(**kwargs)


def test_haemodialysis_and_crrt_defaults():
    hd = Haemodialysis()
    assert hd.schedule == HDSchedule() and hd.residual_crcl_ml_per_min == DEFAULT_RESIDUAL_CRCL_ML_PER_MIN == 5.0
    c = CRRT(2.0, modality="cvvh")
    assert c.modality == "CVVH" and c.residual_crcl_ml_per_min == 5.0
    assert CRRT(effluent_l_per_h=10).effluent_l_per_h == 10.0
    assert Haemodialysis(residual_crcl_ml_per_min=0).residual_crcl_ml_per_min == 0.0


@pytest.mark.parametrize(
    "build, error, match",
    [
        (lambda: Haemodialysis(schedule=("Mon", "Wed")), InputError, r"schedule must be an HDSchedule"),
        (lambda: Haemodialysis(residual_crcl_ml_per_min=31), OutOfRangeError,
         r"residual_crcl_ml_per_min 31 is outside the accepted range \(≥ 0 and ≤ 30 mL/min\)"),
        (lambda: Haemodialysis(residual_crcl_ml_per_min=-1), OutOfRangeError, r"residual_crcl_ml_per_min -1"),
        (lambda: CRRT(0), OutOfRangeError, r"effluent_l_per_h 0 is outside the accepted range \(> 0 and ≤ 10 L/h\)"),
        (lambda: CRRT(2000), OutOfRangeError, r"effluent_l_per_h 2000 .*mL/h divide by 1000"),
        (lambda: CRRT(25), OutOfRangeError, r"effluent_l_per_h 25 .*mL/kg/h"),
        (lambda: CRRT(2, modality="SLED"), InputError, r"modality 'SLED' is not accepted; use one of"),
        (lambda: CRRT(2, modality=None), InputError, r"modality None is not accepted"),
        (lambda: CRRT(2, residual_crcl_ml_per_min=50), OutOfRangeError, r"residual_crcl_ml_per_min 50"),
    ],
)
def test_bad_renal_states(build, error, match):
    with pytest.raises(error, match=match):
        build()


# --- renal_assessment ----------------------------------------------------------------------------

def test_measured_crcl_is_used_and_scr_still_gives_egfr():
    p = make(crcl_ml_per_min=95.0)
    a = renal_assessment(p)
    assert a.method == "measured" and a.crcl_ml_per_min == 95.0
    assert a.egfr_ckd_epi_2021_ml_per_min_per_1_73m2 == pytest.approx(ckd_epi_2021(1.0, 60, "male"))
    assert a.crcl_cockcroft_gault_ml_per_min is not None
    assert a.renal_state == Native()


def test_cockcroft_gault_with_adjusted_weight_for_obese_patient():
    p = Patient(age_y=60, sex="male", weight_kg=110, height_cm=165, scr=1.2, scr_unit="mg/dL")
    a = renal_assessment(p)
    ibw = ideal_body_weight_devine(165, "male")
    abw = adjusted_body_weight(110, ibw)
    assert a.weight_kg == pytest.approx(abw)
    assert a.crcl_ml_per_min == pytest.approx(cockcroft_gault(60, abw, 1.2, "male"))
    assert a.method.startswith("Cockcroft–Gault with adjusted body weight 80.8 kg (TBW 110.0 kg")
    assert "BMI ≥ 25" in a.method and a.weight_explanation in a.method
    bsa = bsa_du_bois(110, 165)
    assert a.bsa_m2 == pytest.approx(bsa)
    assert a.egfr_ckd_epi_2021_ml_per_min == pytest.approx(ckd_epi_2021(1.2, 60, "male") * bsa / 1.73)
    assert a.crcl_bsa_normalised_ml_per_min_per_1_73m2 == pytest.approx(a.crcl_ml_per_min * 1.73 / bsa)
    assert a.augmented is False and a.notes == ()


def test_weight_rule_total_and_unit_independence():
    mg = make(weight_kg=110.0, height_cm=165.0, scr=1.2)
    um = make(weight_kg=110.0, height_cm=165.0, scr=1.2 * 88.42, scr_unit="µmol/L")
    a_mg, a_um = renal_assessment(mg, weight_rule="total"), renal_assessment(um, weight_rule="total")
    assert a_mg.crcl_ml_per_min == pytest.approx(cockcroft_gault(60, 110.0, 1.2, "male"))
    assert a_um.crcl_ml_per_min == pytest.approx(a_mg.crcl_ml_per_min, rel=1e-12)
    assert "rule 'total'" in a_mg.method


def test_no_height_uses_total_weight_and_says_so():
    a = renal_assessment(make(height_cm=None))
    assert a.weight_kg == 80.0 and "height not given" in a.method
    assert a.bsa_m2 is None and a.egfr_ckd_epi_2021_ml_per_min is None
    assert a.crcl_bsa_normalised_ml_per_min_per_1_73m2 is None
    assert a.egfr_ckd_epi_2021_ml_per_min_per_1_73m2 is not None
    assert any("height not given" in n for n in a.notes)


def test_haemodialysis_uses_residual_clearance():
    p = make(scr=8.0)
    a = renal_assessment(p, Haemodialysis())
    assert a.crcl_ml_per_min == 5.0
    assert a.method == ("residual CrCL on intermittent haemodialysis (Mon/Wed/Fri): 5 mL/min "
                        "(pkdose default assumption; give residual_crcl_ml_per_min if known)")
    assert a.crcl_cockcroft_gault_ml_per_min == pytest.approx(cockcroft_gault(60, a.weight_kg, 8.0, "male"))
    assert any("not valid on renal replacement therapy" in n for n in a.notes)
    given_ = renal_assessment(p, Haemodialysis(residual_crcl_ml_per_min=2.5))
    assert given_.crcl_ml_per_min == 2.5 and given_.method.endswith("2.5 mL/min (as given)")
    assert isinstance(given_.renal_state, Haemodialysis)


def test_crrt_uses_residual_clearance_and_never_flags_arc():
    young = Patient(age_y=25, sex="male", weight_kg=80, height_cm=180, scr=0.6, scr_unit="mg/dL")
    a = renal_assessment(young, CRRT(2.5, "CVVHDF", residual_crcl_ml_per_min=0))
    assert a.crcl_ml_per_min == 0.0 and a.augmented is False
    assert a.method == "residual CrCL on CRRT (CVVHDF, effluent 2.5 L/h): 0 mL/min (as given)"


def test_augmented_renal_clearance_flag():
    young = Patient(age_y=25, sex="male", weight_kg=80, height_cm=180, scr=0.6, scr_unit="mg/dL")
    a = renal_assessment(young)
    assert a.crcl_bsa_normalised_ml_per_min_per_1_73m2 >= 130 and a.augmented is True
    assert any("Udy" in n and "measure" in n for n in a.notes)
    measured = renal_assessment(Patient(age_y=30, sex="female", weight_kg=60, height_cm=165, crcl_ml_per_min=140))
    assert measured.augmented is True and not any("Udy" in n for n in measured.notes)
    no_height = renal_assessment(Patient(age_y=30, sex="male", weight_kg=70, crcl_ml_per_min=129))
    assert no_height.augmented is False  # raw CrCL used when BSA is unknown


def test_age_outside_cg_derivation_range_is_noted():
    a = renal_assessment(make(age_y=95))
    assert any("18–92" in n for n in a.notes)


def test_estimate_outside_crcl_range_raises():
    p = Patient(age_y=18, sex="male", weight_kg=150, height_cm=200, scr=0.2, scr_unit="mg/dL")
    with pytest.raises(OutOfRangeError, match=r"estimated CrCL 1271 mL/min .* outside the accepted range 0–400 mL/min"):
        renal_assessment(p, weight_rule="total")
    # the same patient on dialysis is fine: the SCr estimate is informational there
    assert renal_assessment(p, Haemodialysis()).crcl_ml_per_min == 5.0


@pytest.mark.parametrize(
    "args, match",
    [
        ((dict(age_y=60, sex="male", weight_kg=80, crcl_ml_per_min=60),), r"patient must be a Patient"),
        ((make(), "native"), r"renal_state must be Native\(\), Haemodialysis\(...\) or CRRT\(...\)"),
        ((make(), Native(), "lean"), r"weight_rule 'lean' is not accepted"),
    ],
)
def test_renal_assessment_bad_arguments(args, match):
    with pytest.raises(InputError, match=match):
        renal_assessment(*args)


def test_renal_assessment_is_frozen():
    a = renal_assessment(make())
    assert isinstance(a, RenalAssessment)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.crcl_ml_per_min = 1.0


@settings(deadline=None, max_examples=200)
@given(
    age=st.floats(min_value=18, max_value=120),
    sex=st.sampled_from(["female", "male"]),
    weight=st.floats(min_value=30, max_value=350),
    height=st.one_of(st.none(), st.floats(min_value=130, max_value=250)),
    scr=st.floats(min_value=0.1, max_value=20),
)
def test_any_valid_patient_is_assessed_or_refused_with_range(age, sex, weight, height, scr):
    try:
        p = Patient(age_y=age, sex=sex, weight_kg=weight, height_cm=height, scr=scr, scr_unit="mg/dL")
    except InputError as err:  # obesity cannot be ruled out without a height: refused at the boundary
        assert height is None and weight >= 100 and err.field == "height_cm"
        return
    try:
        a = renal_assessment(p)
    except OutOfRangeError as err:
        assert "0–400 mL/min" in str(err)
        return
    assert 0.0 <= a.crcl_ml_per_min <= 400.0
    assert a.weight_kg <= weight + 1e-9
    assert a.method.startswith("Cockcroft–Gault with ")


# --- weight rule, renal method, ARC definition, CrCL by weight ----------------------------------

def test_the_weight_rule_travels_with_the_patient():
    """Issue 8: --weight-rule reached crcl only; now it is part of the patient every answer uses."""
    p = Patient(age_y=70, sex="female", weight_kg=110, height_cm=160, scr=1.4, scr_unit="mg/dL", weight_rule="ideal")
    a = renal_assessment(p)
    assert "rule 'ideal'" in a.method
    assert a.crcl_ml_per_min == pytest.approx(a.crcl_by_weight_ml_per_min["ideal"])
    assert renal_assessment(p, weight_rule="auto").crcl_ml_per_min == a.crcl_ml_per_min  # 'auto': keep the patient's
    with pytest.raises(InputError, match="conflicts with the patient's rule 'ideal'") as err:
        renal_assessment(p, weight_rule="total")
    assert err.value.field == "weight_rule"
    default = make(weight_kg=110.0, height_cm=165.0)
    assert "rule 'total'" in renal_assessment(default, weight_rule="total").method  # the argument overrides 'auto'


def test_crcl_by_each_weight_side_by_side_needs_height():
    a = renal_assessment(make(weight_kg=110.0, height_cm=165.0, scr=1.2))
    by = a.crcl_by_weight_ml_per_min
    assert list(by) == ["total", "adjusted", "ideal"] and by["total"] > by["adjusted"] > by["ideal"]
    assert by["adjusted"] == pytest.approx(a.crcl_ml_per_min)  # 'auto' chose the adjusted weight (BMI 40)
    assert renal_assessment(make(height_cm=None)).crcl_by_weight_ml_per_min is None


def test_obese_patient_without_height_is_refused_unless_total_weight_is_chosen():
    with pytest.raises(InputError, match="without height_cm") as err:
        make(weight_kg=140.0, height_cm=None)
    assert err.value.field == "height_cm"
    p = make(weight_kg=140.0, height_cm=None, weight_rule="total")
    assert renal_assessment(p).weight_kg == 140.0
    # with a measured CrCL the weight only scales the PK model: nothing to refuse
    assert Patient(age_y=60, sex="male", weight_kg=140, crcl_ml_per_min=60).weight_kg == 140.0


def test_renal_method_ckd_epi_2021_and_measured():
    p = make(weight_kg=90.0, height_cm=180.0, scr=1.1, renal_method="ckd-epi-2021")
    a = renal_assessment(p)
    assert a.method.startswith("CKD-EPI 2021 eGFR") and "de-indexed" in a.method
    assert a.crcl_ml_per_min == pytest.approx(a.egfr_ckd_epi_2021_ml_per_min)
    m = Patient(age_y=50, sex="male", weight_kg=80, crcl_ml_per_min=70, renal_method="measured")
    assert renal_assessment(m).method == "measured"


@pytest.mark.parametrize("changes, field, words", [
    (dict(renal_method="measured"), "renal_method", "needs the measured crcl_ml_per_min"),
    (dict(renal_method="ckd-epi-2021", height_cm=None), "height_cm", "de-indexed"),
    (dict(renal_method="mdrd"), "renal_method", "not accepted"),
    (dict(renal_method="cg", scr=None, scr_unit=None, crcl_ml_per_min=50), "renal_method", "serum creatinine"),
    (dict(weight_rule="lean"), "weight_rule", "not accepted"),
    (dict(weight_rule="ideal", height_cm=None), "height_cm", "is required for weight_rule 'ideal'"),
])
def test_renal_method_and_weight_rule_need_their_inputs(changes, field, words):
    with pytest.raises(InputError, match=words) as err:
        make(**changes)
    assert err.value.field == field


def test_arc_has_one_definition_indexed_with_the_reference_bsa_when_height_is_unknown():
    from pkdose.library.clinical import clinical

    assert clinical().arc_crcl == "bsa-indexed"
    tall = renal_assessment(Patient(age_y=30, sex="male", weight_kg=100, height_cm=200, crcl_ml_per_min=140))
    assert tall.crcl_bsa_normalised_ml_per_min_per_1_73m2 < 130 and tall.augmented is False  # BSA 2.3 m²
    no_height = renal_assessment(Patient(age_y=30, sex="male", weight_kg=70, crcl_ml_per_min=140))
    assert no_height.augmented is True and any("as if the BSA were 1.73" in n for n in no_height.notes)


def test_every_patient_error_names_its_field():
    cases = [dict(age_y=10), dict(sex="x"), dict(weight_kg=900), dict(height_cm=300), dict(scr=-1),
             dict(scr_unit="mmol/L"), dict(scr=None), dict(crcl_ml_per_min=500)]
    for changes in cases:
        with pytest.raises(InputError) as err:
            make(**changes)
        assert err.value.field, changes
        assert err.value.field in err.value.fields
