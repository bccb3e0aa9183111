"""Advice along a kinetic CrCL trajectory: label bands, re-check time, the early-AKI window."""

import pytest

from pkdose.changing_renal import changing_renal_advice, label_band
from pkdose.errors import InputError, UnknownDrugError
from pkdose.kinetic_gfr import kinetic_crcl_trajectory
from pkdose.library import available_products, load_regimen_table
from pkdose.regimens import format_regimen, select_regimens


def _aki(series=((0, 1.1), (24, 2.0), (48, 2.6)), **kw):
    t, v = zip(*series)
    args = dict(baseline_scr=1.0, baseline_scr_unit="mg/dL", baseline_crcl_ml_per_min=90, weight_kg=70)
    args.update(kw)
    return kinetic_crcl_trajectory(t, v, "mg/dL", **args)


def test_label_band_matches_select_regimens_and_reports_edges():
    table = load_regimen_table("ceftazidime-avibactam")
    regimens, edges = label_band(table, 41.0)
    assert [format_regimen(r) for r in regimens] == [format_regimen(r) for r in select_regimens(table, 41.0)]
    assert edges == (30.0, 50.0)
    assert label_band(table, 120.0)[1] == (50.0, float("inf"))


@pytest.mark.parametrize("product", available_products())
def test_every_product_gets_advice(product):
    a = changing_renal_advice(_aki(), product)
    assert a.label_regimens and a.baseline_regimens and a.recheck_interval_h == 24
    assert all(src for src, _ in a.citations)


def test_band_changes_along_an_aki_trajectory():
    tr = _aki(series=((0, 1.0), (24, 1.3), (48, 2.2), (72, 3.0)))
    a = changing_renal_advice(tr, "cefiderocol")
    crcl = tr.crcl_ml_per_min
    assert 60 <= crcl[0] < 120 and 30 <= crcl[1] < 60 and 15 <= crcl[2] < 30   # three bands
    assert [c.time_h for c in a.band_changes] == [24.0, 48.0]
    assert all(c.direction == "lower" for c in a.band_changes)
    assert a.band_changes[0].regimen_before == "2 g IV q8h, infused over 3 h"
    assert a.band_changes[-1].regimen_after == "1 g IV q8h, infused over 3 h"
    assert a.band_edges_ml_per_min == (15.0, 30.0)


def test_recovery_raises_the_band():
    tr = _aki(series=((0, 3.0), (24, 2.2), (48, 1.4)))
    a = changing_renal_advice(tr, "ceftazidime-avibactam", aki_start_h=-72)
    assert a.band_changes[-1].direction == "higher"
    assert a.defer_reduction_until_h is None


def test_early_aki_window_shows_the_baseline_band_as_an_option():
    tr = _aki(series=((0, 1.1), (24, 2.0)))
    a = changing_renal_advice(tr, "ceftazidime-avibactam")
    assert a.defer_reduction_until_h == 48.0
    assert format_regimen(a.baseline_regimens[0]).startswith("2.5 g")
    assert format_regimen(a.label_regimens[0]).startswith("1.25 g")   # the label choice stays the label's
    note = next(n for n in a.notes if "Crass" in n)
    assert "57.2 %" in note and "not a trial or a label statement" in note
    assert ("crass2019", "Abstract ('the first 48 hours of therapy'; deferred renal dose reduction)") in a.citations


def test_no_deferral_after_48_h_or_when_the_band_does_not_fall():
    late = changing_renal_advice(_aki(), "ceftazidime-avibactam", now_h=50, aki_start_h=0)
    assert late.defer_reduction_until_h is None
    stable = changing_renal_advice(_aki(series=((0, 1.0), (24, 1.05))), "aztreonam")
    assert stable.defer_reduction_until_h is None and not stable.band_changes


def test_recheck_follows_the_label_interval_and_says_when_it_is_overdue():
    tr = _aki()
    a = changing_renal_advice(tr, "ceftazidime-avibactam", now_h=80)
    assert a.recheck_due_h == 72.0 and "(overdue)" in a.notes[0] and "avycaz-uspi" in a.notes[0]
    f = changing_renal_advice(tr, "cefiderocol")
    assert "no interval" in f.notes[0] and "declared choice" in f.notes[0]
    assert f.recheck_due_h == 72.0


def test_static_comparison_is_shown_when_it_selects_another_band():
    # falling creatinine: the static estimate lags below the kinetic one and selects a lower band
    tr = _aki(series=((0, 2.6), (24, 1.5)))
    a = changing_renal_advice(tr, "cefiderocol", aki_start_h=-100)
    assert format_regimen(a.static_regimens[0]) != format_regimen(a.label_regimens[0])
    assert any("static estimate" in n for n in a.notes)


def test_eu_jurisdiction_and_custom_table():
    table = load_regimen_table("cefiderocol")
    a = changing_renal_advice(_aki(), "cefiderocol", jurisdiction="EU", table=table)
    assert a.jurisdiction == "EU" and a.label_regimens[0].citations[0][0] == "fetcroja-smpc"


def test_bad_inputs():
    with pytest.raises(InputError) as info:
        changing_renal_advice("not a trajectory", "cefiderocol")
    assert info.value.field == "trajectory"
    with pytest.raises(InputError) as info:
        changing_renal_advice(_aki(), "cefiderocol", now_h=-5)
    assert info.value.field == "now_h"
    with pytest.raises(UnknownDrugError):
        changing_renal_advice(_aki(), "meropenem")
