"""Tests for pkdose.guidelines and models/guidelines.toml."""

import shutil

import pandas as pd
import pytest

from pkdose.errors import InputError, ModelFileError
from pkdose.guidelines import (
    COLUMNS,
    canonical_mechanism,
    load_guidelines,
    recommendations,
    warnings_for,
)
from pkdose.library import load_sources, models_dir

MECHANISMS = ("KPC", "OXA-48-like", "MBL", "not yet typed")
PKDOSE_PRODUCTS = {"cefiderocol", "ceftazidime-avibactam", "aztreonam",
                   "ceftazidime-avibactam+aztreonam", "aztreonam-avibactam"}
CZA_ATM = "ceftazidime-avibactam+aztreonam"


def first(table, key):
    """Products ranked first by one guideline."""
    rows = table[table.guideline_key == key]
    return set(rows[rows["rank"] == rows["rank"].min()]["product"])


@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_table_for_each_mechanism(mechanism):
    t = recommendations(mechanism)
    assert isinstance(t, pd.DataFrame) and len(t) > 0
    assert tuple(t.columns) == COLUMNS
    assert t["citation"].str.contains(": ").all()
    assert set(t.loc[t.in_pkdose, "product"]) <= PKDOSE_PRODUCTS
    assert not set(t.loc[~t.in_pkdose, "product"]) & PKDOSE_PRODUCTS
    for _, group in t.groupby("guideline_key", sort=False):  # ranks sorted within a guideline
        assert group["rank"].is_monotonic_increasing


def test_every_guideline_has_rows_for_the_typed_mechanisms():
    for mech in ("KPC", "OXA-48-like", "MBL"):
        keys = set(recommendations(mech)["guideline_key"])
        assert {"escmid2022", "idsa2023", "idsa2024", "idsa2026"} <= keys


def test_ndm_escmid_and_seeds_put_cza_plus_aztreonam_first():
    t = recommendations("NDM")
    for key in ("escmid2022", "seed-ndm-klebsiella-2026", "seed-cefiderocol-cre-2025"):
        assert first(t, key) == {CZA_ATM}, key
    escmid = t[t.guideline_key == "escmid2022"].iloc[0]
    assert (escmid.strength, escmid.certainty) == ("conditional", "moderate")


def test_ndm_idsa_2026_prefers_aztreonam_avibactam_or_cefiderocol():
    t = recommendations("NDM")
    assert first(t, "idsa2026") == {"aztreonam-avibactam", "cefiderocol"}
    combo = t[(t.guideline_key == "idsa2026") & (t["product"] == CZA_ATM)].iloc[0]
    assert combo.tier == "alternative"
    assert "not available" in combo.condition
    for key in ("idsa2023", "idsa2024"):  # earlier IDSA: CZA + ATM co-preferred
        assert first(t, key) == {CZA_ATM, "cefiderocol"}


def test_seed_grade_deviation_is_recorded():
    """The seeds are AI-generated summaries: no grade column, their wording quoted as theirs (issue 8)."""
    t = recommendations("MBL")
    seeds = t[t.guideline_key.str.startswith("seed-") & (t["product"] == CZA_ATM)]
    assert len(seeds) == 2 and (seeds.kind == "ai-summary").all()
    assert (seeds.strength == "").all() and (seeds.certainty == "").all() and (seeds.tier == "").all()
    assert seeds.note.str.contains("own words").all() and seeds.note.str.contains("not a GRADE rating").all()
    assert seeds.note.str.contains("conditional").all()
    assert (t[~t.guideline_key.str.startswith("seed-")].kind == "guideline").all()


@pytest.mark.parametrize("alias", ["NDM", "ndm", "NDM-5", "VIM", "vim-2", "IMP", "IMP-4",
                                   "metallo-beta-lactamase", " mbl "])
def test_mbl_aliases(alias):
    assert canonical_mechanism(alias) == "MBL"
    pd.testing.assert_frame_equal(recommendations(alias), recommendations("MBL"))


@pytest.mark.parametrize("alias, name", [
    ("kpc-3", "KPC"), ("OXA-48", "OXA-48-like"), ("oxa-181", "OXA-48-like"),
    ("OXA_232", "OXA-48-like"), ("Not Yet Typed", "not yet typed"), ("untyped", "not yet typed"),
])
def test_other_aliases(alias, name):
    assert canonical_mechanism(alias) == name


@pytest.mark.parametrize("bad", ["OXA-23", "ESBL", "", None, 48])
def test_unknown_mechanism_lists_accepted_names(bad):
    with pytest.raises(InputError, match="accepted names") as err:
        recommendations(bad)
    for name in MECHANISMS:
        assert name in str(err.value)


def test_kpc_idsa_2026_order_and_escmid_grades():
    t = recommendations("KPC")
    idsa = t[t.guideline_key == "idsa2026"]
    assert list(idsa["product"][:3]) == ["meropenem-vaborbactam", "ceftazidime-avibactam",
                                        "imipenem-relebactam"]
    assert not idsa.iloc[0].in_pkdose
    escmid = t[(t.guideline_key == "escmid2022") & (t["rank"] == 1)].set_index("product")
    assert escmid.loc["ceftazidime-avibactam", "certainty"] == "low"
    assert escmid.loc["meropenem-vaborbactam", "certainty"] == "moderate"


def test_oxa48_vaborbactam_and_relebactam_not_suggested():
    t = recommendations("OXA-48")
    idsa = t[t.guideline_key == "idsa2026"].set_index("product")
    assert idsa.loc["ceftazidime-avibactam", "tier"] == "preferred"
    assert idsa.loc["meropenem-vaborbactam", "tier"] == "not suggested"
    assert idsa.loc["imipenem-relebactam", "tier"] == "not suggested"


def test_site_filter_drops_tetracyclines_for_bacteraemia():
    everything = recommendations("MBL")
    blood = recommendations("MBL", site="bloodstream")
    assert {"tigecycline", "eravacycline"} <= set(everything["product"])
    assert not {"tigecycline", "eravacycline"} & set(blood["product"])
    assert len(recommendations("MBL", site="pneumonia")) == len(everything)


def test_site_filter_keeps_site_limited_rows_only_there():
    urinary = recommendations("not yet typed", site="urinary")
    blood = recommendations("not yet typed", site="bloodstream")
    assert "idsa2026" in set(urinary.guideline_key)
    assert "idsa2026" not in set(blood.guideline_key)


def test_severity_filter():
    t = recommendations("MBL", severity="non-severe")
    assert "escmid2022" not in set(t.guideline_key)
    assert "idsa2026" in set(t.guideline_key)


@pytest.mark.parametrize("kwargs", [{"site": "lung"}, {"severity": "critical"}])
def test_bad_filters(kwargs):
    with pytest.raises(InputError):
        recommendations("KPC", **kwargs)


# ---------------------------------------------------------------------------
# Warnings
# ---------------------------------------------------------------------------

def keys(ws):
    return {w.key for w in ws}


def test_mbl_monotherapy_warnings():
    assert "no-aztreonam-alone-for-mbl" in keys(warnings_for("NDM", product="aztreonam"))
    assert "no-cza-alone-for-mbl" in keys(warnings_for("NDM", product="ceftazidime-avibactam"))
    assert "no-cza-alone-for-mbl" not in keys(warnings_for("KPC", product="ceftazidime-avibactam"))


def test_pitfall_warnings_present():
    assert "do-not-wait-for-typing" in keys(warnings_for("not yet typed"))
    for mech in MECHANISMS:
        assert "avoid-polymyxin-first-line" in keys(warnings_for(mech))
    fdc = keys(warnings_for("MBL", product="cefiderocol"))
    assert {"cefiderocol-credible-cr-mortality", "cefiderocol-iron-depleted-broth",
            "cefiderocol-resistance-on-therapy-ndm"} <= fdc
    assert "cza-resistance-on-therapy-kpc" in keys(warnings_for("KPC"))
    combo = keys(warnings_for("MBL", product=CZA_ATM))
    assert {"aztreonam-8g-hepatotoxicity", "cza-atm-give-together"} <= combo


def test_product_filter_excludes_other_products_warnings():
    ws = warnings_for("MBL", product="aztreonam-avibactam")
    assert all(not w.products or "aztreonam-avibactam" in w.products for w in ws)
    assert "cefiderocol-credible-cr-mortality" not in keys(ws)


def test_every_warning_and_row_is_cited():
    g = load_guidelines()
    sources = load_sources()
    for w in g.warnings:
        assert w.citations and all(s in sources and loc for s, loc in w.citations)
    for r in g.recommendations:
        assert r.source in sources and r.locator
    assert {gi.key for gi in g.guidelines} == {
        "escmid2022", "idsa2023", "idsa2024", "idsa2026",
        "seed-ndm-klebsiella-2026", "seed-cefiderocol-cre-2025"}


# ---------------------------------------------------------------------------
# File validation
# ---------------------------------------------------------------------------

@pytest.fixture()
def broken(tmp_path):
    """Copy of guidelines.toml that a test edits; root stays the real models dir."""
    path = tmp_path / "guidelines.toml"
    shutil.copy(models_dir() / "guidelines.toml", path)

    def edit(old, new):
        text = path.read_text()
        assert old in text
        path.write_text(text.replace(old, new, 1))
        return path
    return edit


@pytest.mark.parametrize("old, new, match", [
    ('mechanism = "KPC"\nrank = 1', 'mechanism = "ESBL"\nrank = 1', r"recommendation\[0\]\.mechanism"),
    ('source = "escmid2022"\nlocator', 'source = "nobody2099"\nlocator', "not in the bibliography"),
    ('"meropenem-vaborbactam"\nin_pkdose = false', '"meropenem-vaborbactam"\nin_pkdose = true',
     "in_pkdose"),
    ('certainty = "moderate"', 'certainty = "medium"', "certainty"),
    ('tier = "preferred"', 'tier = "best"', "tier"),
    ('excluded_sites = ["urinary"]', 'excluded_sites = ["bladder"]', "excluded_sites"),
    ('rank = 1', 'rank = 0', "rank"),
    ('date = "2022-04"', 'date = "April 2022"', "date"),
    ('aliases = ["mbl", "ndm"', 'aliases = ["kpc", "ndm"', "another mechanism"),
    ('mechanisms = ["MBL", "not yet typed"]', 'mechanisms = ["NDM"]', "mechanisms"),
    ('condition = ""', 'conditions = ""', "unknown key"),
])
def test_model_file_errors_name_file_key_reason(broken, old, new, match):
    path = broken(old, new)
    with pytest.raises(ModelFileError, match=match) as err:
        load_guidelines(path, root=models_dir())
    assert str(path) in str(err.value)
