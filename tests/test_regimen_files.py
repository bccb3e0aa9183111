"""The regimen-file format (rows in the regimen language, [[component]], [[published]]) and models/crrt.toml."""

import math
import shutil

import numpy as np
import pytest

from pkdose.errors import InputError, ModelFileError
from pkdose.library import (
    EVIDENCE_GRADES,
    available_products,
    load_crrt_assumptions,
    load_regimen_table,
    models_dir,
)
from pkdose.regimens import band_contains, format_regimen, parse_regimen, select_published, select_regimens


@pytest.fixture
def models_copy(tmp_path):
    root = tmp_path / "models"
    shutil.copytree(models_dir(), root)
    return root


def edit(root, name, old, new, count=1):
    path = root / "regimens" / f"{name}.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, count))
    return path


def fails(root, product, key, reason):
    with pytest.raises(ModelFileError) as info:
        load_regimen_table(product, root=root)
    message = str(info.value)
    assert f"'{key}" in message and reason in message, message


# --- the shipped files ------------------------------------------------------------------------


@pytest.mark.parametrize("product", available_products())
def test_every_row_reads_as_the_label_prints_it_and_round_trips(product):
    table = load_regimen_table(product)
    for row in table.rows:
        parsed = parse_regimen(row.text, component=row.component)
        assert (parsed.dose_mg, parsed.interval_h, parsed.infusion_h) == (row.dose_mg, row.interval_h, row.infusion_h)
        assert dict(parsed.analyte_dose_mg) == dict(row.analyte_dose_mg)
    for spec in table.components.values():
        assert spec.max_daily_dose_mg.value > 0 and spec.infusion_h.value > 0 and spec.stability_h.value > 0
        assert all(k and loc for k, loc in spec.citations())


@pytest.mark.parametrize("product", available_products())
def test_every_product_has_a_crrt_answer_in_every_jurisdiction(product):
    """A label CRRT row, or a published one with a grade (issue 8: never only a model search)."""
    table = load_regimen_table(product)
    for jurisdiction in ("US", "EU"):
        for effluent in (0.5, 1.5, 2.5, 3.5, 4.5, 8.0):
            try:
                regs = select_regimens(table, renal_state="crrt", effluent_l_per_h=effluent, jurisdiction=jurisdiction)
            except Exception:
                regs = select_published(table, effluent_l_per_h=effluent, jurisdiction=jurisdiction)
                assert all(r.evidence.split(":")[0] in EVIDENCE_GRADES for r in regs)
            assert [r.component for r in regs] == list(table.components)


def test_one_band_lookup_used_by_rows_and_selection():
    table = load_regimen_table("ceftazidime-avibactam")
    rows = [r for r in table.rows if r.renal_state == "native" and "US" in r.jurisdiction]
    for x in np.round(np.arange(0, 60.01, 0.05), 2):
        hits = [r for r in rows if r.contains(x)]
        assert len(hits) == 1
        assert all(r.contains(x) == band_contains(r.lo, r.hi, r.bounds, x) for r in rows)
        (selected,) = select_regimens(table, float(x))
        assert (selected.dose_mg, selected.interval_h) == (hits[0].dose_mg, hits[0].interval_h)


def test_published_rows_cite_and_grade_every_regimen():
    for product in available_products():
        for row in load_regimen_table(product).published:
            assert row.grade in EVIDENCE_GRADES and row.evidence and row.citations
            assert (row.regimen is None) == bool(row.label_of)


# --- loader errors ----------------------------------------------------------------------------


def test_regimen_text_that_does_not_parse(models_copy):
    edit(models_copy, "cefiderocol", 'regimen = "2 g q6h over 3 h"', 'regimen = "2 g every 6 hours"')
    fails(models_copy, "cefiderocol", "regimen[0].regimen", "cannot read the regimen")


def test_split_must_name_the_files_analytes(models_copy):
    edit(models_copy, "ceftazidime-avibactam", 'regimen = "2.5 g (ceftazidime 2 g + avibactam 0.5 g) q8h over 2 h"',
         'regimen = "2.5 g (ceftazidime 2 g + tazobactam 0.5 g) q8h over 2 h"')
    fails(models_copy, "ceftazidime-avibactam", "regimen[0].regimen", "not analytes of this file")


def test_combination_rows_must_name_their_component(models_copy):
    path = models_copy / "regimens" / "ceftazidime-avibactam+aztreonam.toml"
    text = path.read_text()
    path.write_text(text.replace('[[regimen]]\ncomponent = "aztreonam"\n', "[[regimen]]\n", 1))
    fails(models_copy, "ceftazidime-avibactam+aztreonam", "regimen[16].component", "several [[component]]")


@pytest.mark.parametrize("old, new, key, reason", [
    ('grade = "pk-study"', 'grade = "anecdote"', "published[0].grade", "use one of"),
    ('regimen = "2.5 g (ceftazidime 2 g + avibactam 0.5 g) q8h over 2 h"\ngrade',
     'label_of = "US"\nregimen = "2.5 g (ceftazidime 2 g + avibactam 0.5 g) q8h over 2 h"\ngrade',
     "published[0]", "not both"),
    ('{ source = "ojeanson2025"', '{ source = "nobody2030"', "published[0].sources[0].source", "not in the bibliography"),
    ('effluent_l_per_h = [0, inf]\neffluent_bounds = "[]"\nregimen = "2.5',
     'effluent_l_per_h = [1, inf]\neffluent_bounds = "[]"\nregimen = "2.5', "published[0].effluent_l_per_h",
     "start at 0"),
])
def test_bad_published_rows(models_copy, old, new, key, reason):
    edit(models_copy, "ceftazidime-avibactam", old, new)
    fails(models_copy, "ceftazidime-avibactam", key, reason)


def test_label_of_must_point_at_label_rows(models_copy):
    edit(models_copy, "cefiderocol", 'renal_state = "crrt"\nlabel_of = "US"', 'renal_state = "crrt"\nlabel_of = "EU"')
    fails(models_copy, "cefiderocol", "published[0].label_of", "no EU crrt label rows")


def test_component_loading_dose_needs_its_infusion_time(models_copy):
    edit(models_copy, "cefiderocol", 'loading_infusion_h = { value = 3, source = "fetroja-uspi", '
         'locator = "Section 2.1 (3-hour infusion)" }\n', "")
    fails(models_copy, "cefiderocol", "component[0]", "go together")


def test_component_maximum_must_be_cited(models_copy):
    edit(models_copy, "aztreonam", 'max_daily_dose_mg = { value = 8000, source = "azactam-uspi", ',
         'max_daily_dose_mg = { value = 8000, ')
    fails(models_copy, "aztreonam", "component[0].max_daily_dose_mg.source", "source")


# --- models/crrt.toml --------------------------------------------------------------------------


def test_crrt_assumptions_are_ordered_cited_and_bounded():
    a = load_crrt_assumptions()
    assert set(a.coefficients) == {"cefiderocol", "ceftazidime", "avibactam", "aztreonam"}
    for analyte in a.coefficients:
        low, central, high = (a.values(analyte, s) for s in ("low", "central", "high"))
        assert low[0] * low[1] < central[0] * central[1] < high[0] * high[1] == 1.0
    keys = {k for k, _ in a.cite(["avibactam"])}
    assert {"ojeanson2025", "li2019", "pistolesi2019", "kdigo2012-aki", "griffin2019"} <= keys
    with pytest.raises(InputError, match="no CRRT clearance assumption"):
        a.values("meropenem")
    with pytest.raises(InputError, match="scenario"):
        a.values("avibactam", "worst")


def test_crrt_file_rejects_an_unordered_range(models_copy):
    path = models_copy / "crrt.toml"
    text = path.read_text()
    path.write_text(text.replace("coefficient_low_fraction = { value = 0.70,", "coefficient_low_fraction = { value = 0.95,"))
    with pytest.raises(ModelFileError, match="low <= central <= high"):
        load_crrt_assumptions(models_copy)


def test_published_and_label_regimens_format_as_written():
    table = load_regimen_table("aztreonam-avibactam")
    (r,) = select_published(table, effluent_l_per_h=2.5)
    assert format_regimen(r).startswith("2.67 g (aztreonam 2 g + avibactam 0.67 g) IV loading dose over 3 h, then 4 g")
    assert r.bag_change_h == 8 and r.continuous and math.isclose(r.daily_dose_mg, 4000)
