"""Tests for pkdose.library and pkdose.sources: every shipped file loads, bad files fail clearly."""

import math
import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pkdose.errors import InputError, ModelFileError, UnknownDrugError
from pkdose.library import (
    UNIT_SUFFIXES,
    Breakpoint,
    available_pk_models,
    available_products,
    load_breakpoints,
    load_pk_model,
    load_product,
    load_regimen_table,
    load_sources,
    load_targets,
    models_dir,
    unit_of,
)
from pkdose.sources import EVIDENCE_TIERS, KINDS, Source, format_citation

CLI_PRODUCTS = [
    "aztreonam",
    "aztreonam-avibactam",
    "cefiderocol",
    "ceftazidime-avibactam",
    "ceftazidime-avibactam+aztreonam",
]
PK_FILE = models_dir() / "pk" / "cefiderocol_kawaguchi2021.toml"


# ---------------------------------------------------------------------------
# Every shipped file loads
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("key", available_pk_models())
def test_every_pk_model_loads_and_cites_resolved_sources(key):
    analyte, source = key.split("_", 1)
    model = load_pk_model(analyte, source=source)
    bibliography = load_sources()
    assert model.key == key and model.analyte == analyte and model.source == source
    for name, param in {**model.params, **model.alternatives}.items():
        assert param.source in bibliography, name
        assert param.locator.strip(), f"{key}: {name} has no locator"
        assert math.isfinite(param.value)
    assert model.cite()[0].key == source


def test_the_five_brief_models_are_shipped():
    assert set(available_pk_models()) >= {
        "cefiderocol_kawaguchi2021", "ceftazidime_li2019", "avibactam_li2019",
        "aztreonam_xie2025", "avibactam_xie2025",
    }


def test_every_source_is_well_formed_and_formats():
    sources = load_sources()
    for key, src in sources.items():
        assert src.kind in KINDS and src.evidence in EVIDENCE_TIERS, key
        assert src.doi or (src.url and src.accessed), key
        text = format_citation(src, "Table 2")
        assert text.endswith("Table 2.") and src.title.rstrip(".") in text


def test_brief_keys_are_in_the_bibliography():
    keys = set(load_sources())
    assert keys >= {"kawaguchi2021", "kawaguchi2018", "katsube2017jcp", "katsube2017aac",
                    "li2019", "xie2025", "xu2017", "gerig1984", "eucast-breakpoints",
                    "clsi-m100"}


def test_targets_load_for_every_cli_product():
    targets = load_targets()
    assert sorted(targets) == CLI_PRODUCTS == available_products()
    for name, target in targets.items():
        assert target.components, name
        for comp in target.components:
            assert comp.source in load_sources() and comp.locator
        product = load_product(name)
        assert set(product.pk_models) == set(target.pk_models)


def test_joint_targets_of_the_brief():
    t = load_targets()
    spec = {
        "cefiderocol": [("cefiderocol", 75, None)],
        "ceftazidime-avibactam": [("ceftazidime", 50, None), ("avibactam", 50, 1.0)],
        "aztreonam": [("aztreonam", 60, None)],
        "aztreonam-avibactam": [("aztreonam", 60, None), ("avibactam", 50, 2.5)],
        "ceftazidime-avibactam+aztreonam": [("aztreonam", 60, None), ("avibactam", 50, 2.5)],
    }
    for product, comps in spec.items():
        got = [(c.analyte, c.ft_percent, c.threshold_mg_per_l) for c in t[product].components]
        assert got == comps, product
    combo = t["ceftazidime-avibactam+aztreonam"]
    assert combo.mic_analyte == "aztreonam"
    assert combo.components[1].alternatives["threshold_mg_per_l"].value == 1.0


def test_breakpoints_cover_every_product_body_and_organism():
    rows = load_breakpoints()
    for product in CLI_PRODUCTS:
        for body in ("EUCAST", "CLSI"):
            for organism in ("Enterobacterales", "Pseudomonas aeruginosa"):
                match = [b for b in rows if (b.product, b.body, b.organism)
                         == (product, body, organism)]
                assert len(match) == 1, (product, body, organism)


def test_breakpoint_category():
    eucast = Breakpoint("aztreonam", "Enterobacterales", "EUCAST", "breakpoint",
                        1.0, 4.0, None, None, "eucast-breakpoints", "v15.0")
    assert [eucast.category(m) for m in (1, 2, 4, 8)] == ["S", "I", "I", "R"]
    none = Breakpoint("x", "Enterobacterales", "EUCAST", "none", None, None, None, None,
                      "eucast-breakpoints", "v15.0")
    with pytest.raises(InputError, match="no x breakpoint"):
        none.category(1.0)


@pytest.mark.parametrize("path", sorted((models_dir() / "regimens").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_shipped_regimen_tables_load(path):
    table = load_regimen_table(path.stem)
    assert table.rows and all(r.source and r.locator for r in table.rows)


def test_every_models_file_is_toml_or_readme():
    for path in models_dir().rglob("*"):
        if path.is_file():
            assert path.suffix == ".toml" or path.name == "README.md", path


# ---------------------------------------------------------------------------
# PKModel behaviour
# ---------------------------------------------------------------------------

def test_clearance_broadcasts_over_virtual_patients():
    model = load_pk_model("cefiderocol")
    crcl = np.array([10.0, 60.0, 120.0])
    weights = np.array([[50.0], [90.0]])
    cl = model.clearance_l_per_h(crcl, weight_kg=weights)
    assert cl.shape == (2, 3)
    assert_allclose(cl[0], cl[1], rtol=1e-12)  # weight is not on cefiderocol CL
    v = model.volume_l(weight_kg=weights)
    assert v.shape == (2, 1) and v[1, 0] > v[0, 0]
    assert np.ndim(model.clearance_l_per_h(50.0)) == 0


def test_cefiderocol_clearance_is_flat_above_150():
    model = load_pk_model("cefiderocol")
    assert_allclose(model.clearance_l_per_h([150.0, 200.0, 300.0]),
                    model.clearance_l_per_h(150.0), rtol=1e-12)


def test_esrd_rule_by_threshold_and_by_dialysis():
    model = load_pk_model("avibactam", source="li2019")
    cl = model.clearance_l_per_h([3.0, 5.0, 5.01, 40.0], dialysis=[False, False, False, True],
                                 infection_site="none")
    assert_allclose(cl[[0, 1, 3]], 10.2 * 0.0678, rtol=1e-12)
    assert_allclose(cl[2], 10.2 * (5.01 / 80) ** 1.05, rtol=1e-12)


def test_esrd_threshold_uses_raw_crcl_in_normalised_model():
    # the paper's group definition (alternative): raw CrCL 14 is ESRD whatever the BSA; raw 16 is not
    model = load_pk_model("avibactam", source="xie2025").with_alternative(
        "esrd_crcl_max_ml_per_min", "esrd_crcl_max_groups_ml_per_min")
    assert_allclose(model.clearance_l_per_h(14.0, bsa_m2=1.2, infection_site="none"), 10.3 * 0.077,
                    rtol=1e-12)
    assert model.clearance_l_per_h(16.0, bsa_m2=1.2, infection_site="none") > 10.3 * 0.077


def test_xie_esrd_term_only_where_its_population_is_defined():
    """pmx review 1, item 1: Xie 2025's ESRD term applies on dialysis, to a flagged patient and below the
    fitted CrCL (4.6 mL/min); between 4.6 and 15 the nCrCL arm applies, as in the paper's simulation."""
    model = load_pk_model("avibactam", source="xie2025")
    none = {"infection_site": "none", "weight_kg": 70.0, "bsa_m2": 1.73}
    arm = 10.3 * (np.array([5.0, 10.0, 14.9, 15.1]) / 80) ** 1.06
    assert_allclose(model.clearance_l_per_h([5.0, 10.0, 14.9, 15.1], **none), arm, rtol=1e-12)
    assert_allclose(model.clearance_l_per_h([10.0, 10.0, 4.6, 0.0], dialysis=[True, False, False, False],
                                            esrd=[False, True, False, False], **none), 10.3 * 0.077, rtol=1e-12)
    # continuous at the paper's group edge (the former rule jumped x 2.2 there)
    lo, hi = model.clearance_l_per_h([14.999, 15.001], **none)
    assert hi / lo == pytest.approx(1.0, abs=1e-3)
    # typical cIAI 70-kg patient at CrCL 10: 0.88 L/h under the former rule, the arm now
    cl = float(model.clearance_l_per_h(10.0, infection_site="intra-abdominal", weight_kg=70.0, bsa_m2=1.73))
    assert cl == pytest.approx(10.3 * (10 / 80) ** 1.06 * 1.115)
    old = model.with_alternative("esrd_crcl_max_ml_per_min", "esrd_crcl_max_groups_ml_per_min")
    assert float(old.clearance_l_per_h(10.0, infection_site="intra-abdominal", weight_kg=70.0,
                                       bsa_m2=1.73)) == pytest.approx(0.884, abs=0.001)
    # switched off: dialysis and the flag only
    off = model.without_assumption("esrd_crcl_max_ml_per_min")
    assert_allclose(off.clearance_l_per_h(4.0, **none), 10.3 * (4 / 80) ** 1.06, rtol=1e-12)
    assert_allclose(off.clearance_l_per_h(4.0, esrd=True, **none), 10.3 * 0.077, rtol=1e-12)


def test_bsa_normalisation():
    model = load_pk_model("aztreonam")
    at_ref = model.clearance_l_per_h(80.0 * 2.0 / 1.73, bsa_m2=2.0, infection_site="none")
    assert_allclose(at_ref, 5.00, rtol=1e-12)


def test_clearance_floor():
    caz = load_pk_model("ceftazidime")
    assert_allclose(caz.clearance_l_per_h([0.0, 1.0]), 0.40, rtol=1e-12)
    atm = load_pk_model("aztreonam")
    assert_allclose(atm.clearance_l_per_h(0.0), 1.46, rtol=1e-12)


def test_clearance_rejects_bad_inputs():
    model = load_pk_model("cefiderocol")
    with pytest.raises(InputError, match="crcl_ml_per_min"):
        model.clearance_l_per_h(-1.0)
    with pytest.raises(InputError, match="weight_kg"):
        model.clearance_l_per_h(50.0, weight_kg=0.0)
    with pytest.raises(InputError, match="crcl_ml_per_min"):
        model.clearance_l_per_h(float("nan"))
    with pytest.raises(InputError, match="broadcast"):
        model.clearance_l_per_h([1.0, 2.0], weight_kg=[60.0, 70.0, 80.0])
    with pytest.raises(InputError, match="infection_site 'lung'"):
        model.clearance_l_per_h(50.0, infection_site="lung")
    with pytest.raises(InputError, match="unknown covariate"):
        model.clearance_l_per_h(50.0, height_cm=170.0)


def test_variability_and_extracorporeal_attributes():
    model = load_pk_model("cefiderocol")
    assert model.fu_fraction == 0.422
    assert_allclose(model.omega_sd("cl"), 0.375, rtol=1e-12)  # published 'CV %' = omega x 100
    assert model.omega_sd("q2") == 0.0  # no IIV on Q2
    assert (model.hd_fraction_removed, model.hd_session_h) == (0.60, 3.5)
    assert "crrt_sieving_fraction" not in model.extracorporeal  # CRRT assumptions live in models/crrt.toml


def test_aztreonam_fu_conflict_is_visible():
    model = load_pk_model("aztreonam")
    assert model.fu_fraction == 0.616
    assert model.params["fu_fraction"].source == "xie2025"
    label = model.alternatives["fu_label_fraction"]
    assert (label.value, label.source) == (0.44, "azactam-uspi")
    assert model.with_alternative("fu_fraction", "fu_label_fraction").fu_fraction == 0.44
    assert model.fu_fraction == 0.616  # original unchanged


def test_partner_covariance_of_xie_avibactam():
    model = load_pk_model("avibactam", source="xie2025")
    assert model.correlated_with == "aztreonam_xie2025"
    assert model.partner_covariance[("cl", "cl")].value == 0.171
    assert model.partner_covariance[("v1", "v1")].value == 0.391


def test_with_alternative_rejects_unknown_names():
    model = load_pk_model("ceftazidime")
    with pytest.raises(InputError, match="no alternative"):
        model.with_alternative("fu_fraction", "nope_fraction")
    with pytest.raises(InputError, match="no number"):
        model.with_alternative("nope_ratio", "fu_label_fraction")
    azt = load_pk_model("aztreonam")
    with pytest.raises(InputError, match="no number"):
        azt.with_alternative("cl_site_ratio", "fu_label_fraction")
    with pytest.raises(InputError, match="declares no assumption"):
        model.without_assumption("esrd_crcl_max_ml_per_min")


def test_unknown_and_ambiguous_analytes():
    with pytest.raises(UnknownDrugError, match="known analytes: .*cefiderocol"):
        load_pk_model("meropenem")
    with pytest.raises(InputError, match="li2019, xie2025"):
        load_pk_model("avibactam")
    with pytest.raises(UnknownDrugError, match="known products"):
        load_regimen_table("meropenem")
    with pytest.raises(UnknownDrugError, match="known products"):
        load_product("meropenem")


def test_unit_suffixes():
    assert unit_of("crcl_slope_above_breakpoint_per_ml_per_min", "f", "k") == "1/(mL/min)"
    assert unit_of("hd_session_h", "f", "k") == "h"
    assert unit_of("cl_ref_l_per_h", "f", "k") == "L/h"
    assert set(UNIT_SUFFIXES) >= {"_mg", "_h", "_l", "_l_per_h", "_ml_per_min",
                                  "_mg_per_l", "_kg", "_fraction", "_percent"}


def test_format_citation_of_a_label():
    label = Source(key="x", kind="label", evidence="label", title="XDRUG for injection. PI",
                   year=2024, authors=("Acme Inc.",), container="Acme Inc., NJ",
                   version="2024-03", url="https://example.org/x", accessed="2026-01-01")
    text = format_citation(label, "Section 2.2")
    assert text == ("Acme Inc. XDRUG for injection. PI. Acme Inc., NJ; 2024-03. "
                    "https://example.org/x (accessed 2026-01-01). Section 2.2.")


def test_format_citation_truncates_long_author_lists():
    src = load_sources()["li2019"]
    text = format_citation(src)
    assert text.startswith("Li J, Lovern M, Green ML, Chiu J, Zhou D, Comisar C, et al. ")
    assert "Clin Transl Sci. 2019;12(2):151-163. doi:10.1111/cts.12585." in text


# ---------------------------------------------------------------------------
# Loading your own file by path; bad files raise one clear ModelFileError
# ---------------------------------------------------------------------------

def write_variant(tmp_path, replace=(), append="", name="cefiderocol_mine2026.toml"):
    """Copy the shipped cefiderocol file with text replacements into tmp_path."""
    text = PK_FILE.read_text()
    for old, new in replace:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text + append)
    return path


def test_load_own_model_by_path_with_inline_source(tmp_path):
    own = """
[sources.mine2026]
kind = "paper"
evidence = "population-pk"
authors = ["Doe J"]
title = "My model"
container = "J Test"
year = 2026
doi = "10.0000/test"
"""
    path = write_variant(tmp_path, replace=[('source = "kawaguchi2021"', 'source = "mine2026"')],
                         append=own)
    model = load_pk_model(path)
    assert model.key == "cefiderocol_mine2026" and model.source == "mine2026"
    assert model.cite()[0].title == "My model"
    assert_allclose(model.clearance_l_per_h(83.0, infection_site="pneumonia"), 4.04 * 0.981)


def bad_file_cases():
    cl = '[parameters.cl_l_per_h]\nvalue = 4.04\nlocator = "Table 2, CL (RSE 1.8 %); footnote b"'
    return {
        "unknown_top_key": ([("schema_version = 2", 'schema_version = 2\ncolour = "red"')], "",
                            "'colour'", "unknown key"),
        "unknown_param_field": ([("value = 4.04\n", "value = 4.04\nvalu = 1\n")], "",
                                "parameters.cl_l_per_h.valu", "unknown key"),
        "unknown_param_name": ([], '\n[parameters.cl_extra_ratio]\nvalue = 1.0\nlocator = "x"\n',
                               "parameters.cl_extra_ratio", "unknown key"),
        "missing_param": ([(cl, "")], "", "parameters.cl_l_per_h", "required key is missing"),
        "missing_header_source": ([('source = "kawaguchi2021"\n', "")], "", "'source'",
                                  "required key is missing"),
        "missing_verification": ([("verification = ", "verificatio = ")], "", "verificatio", "unknown key"),
        "unresolved_source": ([('source = "katsube2017jcp"', 'source = "nosuch2099"')], "",
                              "assumptions.cl_floor_l_per_h.source", "not in the bibliography"),
        "missing_locator": ([('locator = "Table 2, CL (RSE 1.8 %); footnote b"\n', "")],
                            "", "parameters.cl_l_per_h.locator", "required key is missing"),
        "nan_value": ([("value = 4.04", "value = nan")], "", "parameters.cl_l_per_h.value", "finite"),
        "inf_exponent": ([("value = 0.682", "value = inf")], "", "covariates.cl_crcl.power_exponent.value",
                         "finite"),
        "wrong_suffix": ([("[parameters.cl_l_per_h]", "[parameters.cl_l_per_hour]")], "",
                         "parameters.cl_l_per_hour", "unknown key"),
        "wrong_suffix_alternative": ([], '\n[alternatives.v_big_litres]\nvalue = 1.0\nlocator = "x"\n',
                                     "alternatives.v_big_litres", "no known unit suffix"),
        "fraction_above_one": ([("value = 0.422", "value = 1.422")], "",
                               "parameters.fu_fraction.value", "fraction"),
        "negative_volume": ([("value = 0.798", "value = -0.798")], "", "parameters.v3_l.value", ">= 0"),
        "bad_schema_version": ([("schema_version = 2", "schema_version = 1")], "",
                               "schema_version", "unknown version"),
        "bad_structure": ([('structure = "three_compartment"', 'structure = "one_compartment_iv_infusion"')],
                          "", "structure", "unknown structure"),
        "param_of_another_structure": ([('structure = "three_compartment"', 'structure = "two_compartment"')],
                                       "", "parameters.q3_l_per_h", "unknown key"),
        "unknown_form": ([('form = "capped_power"', 'form = "sigmoid"')], "", "covariates.cl_crcl.form",
                         "unknown form"),
        "unknown_covariate": ([('covariate = "albumin"', 'covariate = "bilirubin"')], "",
                              "covariates.v1_albumin.covariate", "unknown covariate"),
        "form_does_not_fit": ([('form = "capped_power"', 'form = "categorical_ratio"')], "",
                              "covariates.cl_crcl.form", "does not fit"),
        "wrong_form_argument": ([("cap_ml_per_min = ", "hinge_ml_per_min = ")], "", "covariates.cl_crcl",
                                "takes exactly"),
        "unknown_level": ([("levels.bloodstream = ", "levels.blood = ")], "", "covariates.cl_site.levels.blood",
                          "unknown level"),
        "non_positive_ratio": ([("value = 0.981", "value = -0.981")], "",
                               "covariates.cl_site.levels.pneumonia.value", "positive factor"),
        "omega_scale": ([('scale = "cv_percent"', 'scale = "cv"')], "", "omega.scale", "unknown scale"),
        "omega_not_positive_definite": ([("covariance.v1__v2 = { value = 0.150", "covariance.v1__v2 = { value = 0.30")],
                                        "", "'omega'", "not positive definite"),
        "omega_pair": ([("covariance.cl__v1 =", "covariance.cl__q2 =")], "", "omega.covariance.cl__q2",
                       "name two different parameters"),
        "floor_without_domain": ([('applies = "dialysis_or_below_fitted_range"\n', "")], "",
                                 "assumptions.cl_floor_l_per_h.applies", "say where the floor applies"),
        "not_applied_without_reason": ([('note = "Study-specific cUTI factor', 'locator2 = "Study-specific cUTI factor')],
                                       "", "not_applied.cl_cuti_apeks_ratio.locator2", "unknown key"),
        "default_site": ([('infection_site = "bloodstream"', 'infection_site = "lung"')], "",
                         "default_population.infection_site", "use one of"),
    }


@pytest.mark.parametrize("case", sorted(bad_file_cases()))
def test_bad_pk_file_names_file_key_and_reason(tmp_path, case):
    replace, append, key, reason = bad_file_cases()[case]
    path = write_variant(tmp_path, replace=replace, append=append)
    with pytest.raises(ModelFileError) as info:
        load_pk_model(path)
    message = str(info.value)
    assert str(path) in message and key in message and reason in message, message


def test_invalid_toml_and_missing_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("schema_version = = 1\n")
    with pytest.raises(ModelFileError, match="not valid TOML"):
        load_pk_model(path)
    with pytest.raises(ModelFileError, match="file not found"):
        load_pk_model(tmp_path / "absent.toml")


# --- files inside a copied models/ tree ------------------------------------

@pytest.fixture
def models_copy(tmp_path):
    root = tmp_path / "models"
    shutil.copytree(models_dir(), root)
    return root


def test_duplicate_source_key_across_files(models_copy):
    extra = models_copy / "sources" / "zz_extra.toml"
    extra.write_text('[li2019]\nkind = "paper"\nevidence = "review"\ntitle = "x"\n'
                     'year = 2019\ndoi = "10.0/x"\n')
    with pytest.raises(ModelFileError, match=r"zz_extra\.toml: key 'li2019': .*defined twice"):
        load_sources(models_copy)


def test_bad_source_entry(models_copy):
    extra = models_copy / "sources" / "extra.toml"
    extra.write_text('[zz2020]\nkind = "paper"\nevidence = "gossip"\ntitle = "x"\n'
                     'year = 2020\ndoi = "10.0/x"\n')
    with pytest.raises(ModelFileError, match=r"key 'zz2020.evidence': unknown evidence tier"):
        load_sources(models_copy)
    extra.write_text('[zz2020]\nkind = "paper"\nevidence = "review"\ntitle = "x"\n'
                     'year = 2020\nurl = "https://example.org"\n')
    with pytest.raises(ModelFileError, match=r"key 'zz2020.accessed'"):
        load_sources(models_copy)


def test_bad_targets_file(models_copy):
    path = models_copy / "targets.toml"
    text = path.read_text()
    path.write_text(text.replace('metric = "ft_above_mic"', 'metric = "auc_over_mic"', 1))
    with pytest.raises(ModelFileError, match=r"products\.cefiderocol\.component\[0\]\.metric"):
        load_targets(models_copy)
    path.write_text(text.replace("threshold_mg_per_l = 1.0\n", "", 1))
    with pytest.raises(ModelFileError, match="threshold_mg_per_l"):
        load_targets(models_copy)
    path.write_text(text.replace("s_le_mg_per_l = 2\n", "", 1))
    with pytest.raises(ModelFileError, match=r"breakpoint\[0\]"):
        load_breakpoints(models_copy)
    path.write_text(text.replace('cefiderocol = "kawaguchi2021"', 'cefiderocol = "smith1999"'))
    with pytest.raises(ModelFileError, match="no PK model file"):
        load_targets(models_copy)


REGIMEN_HEADER = """schema_version = 1
product = "cefiderocol"
display_name = "Cefiderocol"
analytes = ["cefiderocol"]
crcl_bounds = "[)"

[[component]]
name = "cefiderocol"
max_daily_dose_mg = { value = 8000, source = "fetroja-uspi", locator = "Section 2.2, Table 1" }
infusion_h = { value = 3, source = "fetroja-uspi", locator = "Section 2.1" }
stability_h = { value = 6, source = "loeuille2023", locator = "Introduction" }
"""

VIAL = """
[[vial]]
component = "cefiderocol"
dose_mg = 1000
source = "fetroja-uspi"
locator = "Section 3"
"""


def regimen_row(lo, hi, bounds=None, state="native", axis="crcl_ml_per_min"):
    bounds_line = f'{axis.split("_")[0]}_bounds = "{bounds}"\n' if bounds else ""
    return f"""
[[regimen]]
component = "cefiderocol"
jurisdiction = ["US"]
renal_state = "{state}"
{axis} = [{lo}, {hi}]
{bounds_line}regimen = "1 g q8h over 3 h"
source = "fetroja-uspi"
locator = "Section 2.2, Table 1"
"""


def write_regimens(root, rows, vial=VIAL):
    path = root / "regimens" / "cefiderocol.toml"
    path.write_text(REGIMEN_HEADER + "".join(rows) + vial)
    return path


def test_minimal_regimen_table_tiles(models_copy):
    write_regimens(models_copy, [regimen_row(0, 30), regimen_row(30, "inf"),
                                 regimen_row(0, 2, "[]", "crrt", "effluent_l_per_h"),
                                 regimen_row(2, "inf", "(]", "crrt", "effluent_l_per_h")])
    table = load_regimen_table("cefiderocol", root=models_copy)
    assert [r.contains(30.0) for r in table.rows[:2]] == [False, True]
    assert [r.contains(2.0) for r in table.rows[2:]] == [True, False]
    assert table.vial_mg["cefiderocol"] == 1000.0
    assert table.vial_citations["cefiderocol"] == ("fetroja-uspi", "Section 3")


@pytest.mark.parametrize("vial, key, reason", [
    ("", "vial", "no [[vial]] row for component(s) ['cefiderocol']"),
    (VIAL.replace("dose_mg = 1000", "dose_mg = 0"), "vial[0].dose_mg", "must be > 0"),
    (VIAL.replace('component = "cefiderocol"', 'component = "meropenem"'), "vial[0].component",
     "not a component"),
    (VIAL.replace('source = "fetroja-uspi"\n', ""), "vial[0]", "source"),
])
def test_bad_vial_rows(models_copy, vial, key, reason):
    path = write_regimens(models_copy, [regimen_row(0, "inf")], vial=vial)
    with pytest.raises(ModelFileError) as info:
        load_regimen_table("cefiderocol", root=models_copy)
    message = str(info.value)
    assert str(path) in message and f"'{key}" in message and reason in message, message


@pytest.mark.parametrize("rows, key, reason", [
    ([regimen_row(0, 30), regimen_row(31, "inf")], "regimen[1].crcl_ml_per_min",
     "gap between 30 and 31"),
    ([regimen_row(0, 30), regimen_row(20, "inf")], "regimen[1].crcl_ml_per_min", "overlaps row 0"),
    ([regimen_row(0, 30, "[]"), regimen_row(30, "inf")], "regimen[1].crcl_ml_per_min",
     "both include the shared edge 30"),
    ([regimen_row(0, 30, "()"), regimen_row(30, "inf", "(]")], "regimen[0].crcl_ml_per_min",
     "start at 0 and include it"),
    ([regimen_row(0, 30), regimen_row(30, 200)], "regimen[1].crcl_ml_per_min",
     "must end at +inf"),
    ([regimen_row(5, "inf")], "regimen[0].crcl_ml_per_min", "start at 0"),
    ([regimen_row("inf", "inf")], "regimen[0].crcl_ml_per_min[0]", "finite"),
    ([regimen_row(0, "nan")], "regimen[0].crcl_ml_per_min[1]", "finite"),
    ([regimen_row(0, "inf", "[>")], "regimen[0].crcl_bounds", "use one of"),
    ([regimen_row(0, "inf", state="crrt")], "regimen[0].effluent_l_per_h", "needs"),
])
def test_bad_regimen_tables(models_copy, rows, key, reason):
    path = write_regimens(models_copy, rows)
    with pytest.raises(ModelFileError) as info:
        load_regimen_table("cefiderocol", root=models_copy)
    message = str(info.value)
    assert str(path) in message and f"'{key}'" in message and reason in message, message


def test_regimen_rows_are_grouped_by_jurisdiction(models_copy):
    eu_only = regimen_row(0, "inf").replace('["US"]', '["EU"]')
    write_regimens(models_copy, [regimen_row(0, 30), regimen_row(30, "inf"), eu_only])
    assert len(load_regimen_table("cefiderocol", root=models_copy).rows) == 3



def test_bsa_from_weight_when_no_height():
    """pmx review 1, item 5: without a BSA the Xie models estimate it from the weight
    (Livingston 2001) instead of 1.73 m2; switchable; the height-based BSA wins when given."""
    from pkdose.renal import bsa_livingston

    model = load_pk_model("avibactam", source="xie2025")
    for weight, bsa in ((50.0, 1.4718), (120.0, 2.5924)):
        assert bsa_livingston(weight) == pytest.approx(bsa, abs=1e-4)
        cl = model.clearance_l_per_h(60.0, weight_kg=weight, infection_site="none")
        ncrcl = 60.0 * 1.73 / bsa_livingston(weight)
        assert_allclose(cl, 10.3 * (ncrcl / 80) ** 1.06 * (weight / 70) ** 0.75, rtol=1e-12)
        assert_allclose(cl, model.clearance_l_per_h(60.0, weight_kg=weight, bsa_m2=bsa_livingston(weight),
                                                    infection_site="none"), rtol=1e-12)
    small = model.clearance_l_per_h(60.0, weight_kg=50.0, infection_site="intra-abdominal")
    assert small == pytest.approx(7.81, abs=0.01)  # 6.58 L/h with the 1.73 m2 default before the fix
    off = model.without_assumption("bsa_from_weight")
    assert_allclose(off.clearance_l_per_h(60.0, weight_kg=50.0, infection_site="none"),
                    10.3 * (60 / 80) ** 1.06 * (50 / 70) ** 0.75, rtol=1e-12)
    # no weight: the reference 1.73 m2 (raw CrCL read as indexed)
    assert_allclose(model.clearance_l_per_h(60.0, infection_site="none"), 10.3 * (60 / 80) ** 1.06, rtol=1e-12)
    # the reference subject keeps the printed typical values
    ref = model.reference_covariates()
    assert ref["bsa_m2"] == 1.73
    assert_allclose(model.clearance_l_per_h(80.0, weight_kg=100.0, **ref), 10.3 * (100 / 70) ** 0.75, rtol=1e-12)
    # models on raw CrCL are not affected
    cef = load_pk_model("cefiderocol")
    assert "bsa_from_weight" not in cef.assumptions and "bsa_m2" not in cef.reference_covariates()


@pytest.mark.parametrize("analyte,source", [("cefiderocol", None), ("ceftazidime", None), ("aztreonam", None),
                                            ("avibactam", "li2019"), ("avibactam", "xie2025")])
@pytest.mark.parametrize("dialysis", [False, True])
@given(weight=st.floats(40, 160), lo=st.floats(0, 30), step=st.floats(0, 30))
@settings(max_examples=40, deadline=None)
def test_clearance_never_rises_as_crcl_falls(analyte, source, dialysis, weight, lo, step):
    """A declared floor must not make CL jump up below the fitted range (cefiderocol: 1.1 L/h at CrCL 3.9
    against 0.55 at 4 before the floor was capped at the model's own CL at the edge)."""
    m = load_pk_model(analyte, source=source) if source else load_pk_model(analyte)
    if "esrd_crcl_max_ml_per_min" in m.assumptions:
        # Li 2019's categorical ESRD term at CrCL <= 5 (0.69 L/h) sits 3 % above the power model just
        # above 5 (0.67 L/h): a step of the published covariate model, not of a pkdose floor
        m = m.without_assumption("esrd_crcl_max_ml_per_min")
    cl = m.clearance_l_per_h(np.array([lo, lo + step]), weight_kg=weight, dialysis=dialysis)
    assert cl[0] <= cl[1] * (1 + 1e-12)
