"""Issue 8, "Safe dose advice": one test per defect the issue lists, each failing on the code before the fix.

Main before this branch: on CRRT the model-informed search proposed 3-8x less than any labelled
or published CRRT dose, without a loading dose; EU cefiderocol on CRRT hid the US table; the
search chose 30-min infusions and once-daily combination doses; the text dropped guideline
conditions, label cautions, the drug on each combination line and the HD week's amounts, and
headed the combination "(US label)"; the seeds stood beside IDSA and ESCMID as "first-line,
strong"; the verdict flipped with the seed; resistant MICs were searched; the references left
out sources the computation used.
"""

from collections import Counter

import numpy as np
import pytest

from pkdose.errors import InputError
from pkdose.guidelines import recommendations
from pkdose.library import load_crrt_assumptions, load_product, load_regimen_table
from pkdose.patient import CRRT, Haemodialysis
from pkdose.recommend import (
    BORDERLINE_BAND,
    PTA_GOAL,
    _candidates,
    _ordered_combinations,
    advise_dose,
    recommend,
)
from pkdose.regimens import format_regimen, select_published, select_regimens
from pkdose.report import advice_text, advice_to_dict, recommendation_text

N = 300
NO_CRRT_LABEL = ["ceftazidime-avibactam", "aztreonam", "aztreonam-avibactam", "ceftazidime-avibactam+aztreonam"]


def hd_daily(product, jurisdiction):
    """Labelled daily dose on haemodialysis (anuric row) per component [mg]."""
    regs = select_regimens(load_regimen_table(product), 0.0, "ihd", jurisdiction=jurisdiction)
    return {r.component: r.daily_dose_mg for r in regs}


def published_daily(product, effluent, jurisdiction):
    regs = select_published(load_regimen_table(product), effluent_l_per_h=effluent, jurisdiction=jurisdiction)
    return {r.component: r.daily_dose_mg for r in regs}


# --- CRRT: published regimen first, never below published practice or the HD dose -------------


@pytest.mark.parametrize("jurisdiction", ["US", "EU"])
@pytest.mark.parametrize("product", NO_CRRT_LABEL)
def test_crrt_answer_is_the_published_regimen_never_below_published_practice_or_the_hd_dose(product, jurisdiction):
    """Before: aztreonam-avibactam at 2.5 L/h got 1 g per 24 h (below even the HD dose), no loading dose."""
    a = advise_dose(product, renal_state=CRRT(2.5), jurisdiction=jurisdiction, n=N)
    assert a.basis == "published" and a.regimens and a.check is not None
    floor_pub, floor_hd = published_daily(product, 2.5, jurisdiction), hd_daily(product, jurisdiction)
    for r in a.regimens + a.alternative:
        assert r.daily_dose_mg >= floor_pub[r.component] - 1e-6
        assert r.daily_dose_mg >= floor_hd[r.component] - 1e-6
        if r.continuous:
            assert r.loading_dose_mg is not None and r.loading_infusion_h is not None
    for r in a.regimens:
        assert r.evidence.split(":")[0] in ("pk-study", "case-report", "handbook", "case-series", "guideline",
                                            "label-dose")
        assert r.citations and r.note.startswith("Off-label")
    assert (a.verdict.meets and not a.alternative) or a.alternative_verdict.meets


def test_aztreonam_avibactam_crrt_is_the_published_cvvhdf_regimen_with_its_loading_dose():
    a = advise_dose("aztreonam-avibactam", renal_state=CRRT(2.5), n=N)
    (r,) = a.regimens
    assert (r.loading_dose_mg, r.loading_infusion_h, r.daily_dose_mg, r.continuous) == (2670, 3, 4000, True)
    assert dict(r.analyte_dose_mg) == {"aztreonam": 3000, "avibactam": 1000}
    assert r.bag_change_h == 8 and r.evidence.startswith("case-report")
    assert {k for k, _ in r.citations} >= {"fresan2025", "emblaveo-smpc"}
    assert r.daily_dose_mg > 2 * hd_daily("aztreonam-avibactam", "US")["aztreonam-avibactam"]
    text = advice_text(a)
    assert "published practice on CRRT" in text and "loading dose over 3 h" in text
    assert "first 24 h of therapy" in text


def test_recommend_ndm_on_crrt_offers_no_regimen_below_published_practice():
    """Before: recommend --mechanism NDM --crrt-effluent 2.5 proposed 1 g/day aztreonam-avibactam."""
    rec = recommend("NDM", renal_state=CRRT(3.0), n=N)
    assert rec.products == ("aztreonam-avibactam", "cefiderocol", "ceftazidime-avibactam+aztreonam")
    for a in rec.advice:
        assert a.regimens and a.basis in ("label", "published")
        floor = (published_daily(a.product, 3.0, "US") if a.basis == "published" else
                 {r.component: r.daily_dose_mg for r in a.regimens})
        for r in a.regimens + a.alternative:
            assert r.daily_dose_mg >= floor[r.component] - 1e-6


@pytest.mark.parametrize("effluent, regimen", [(1.5, "1.5 g IV q12h, infused over 3 h"),
                                                (2.5, "2 g IV q12h, infused over 3 h"),
                                                (3.5, "1.5 g IV q8h, infused over 3 h"),
                                                (4.5, "2 g IV q8h, infused over 3 h")])
def test_eu_cefiderocol_on_crrt_gets_the_only_labelled_crrt_table(effluent, regimen):
    """Before: EU + CRRT hid the FETROJA US table and proposed 0.5 g per 24 h."""
    a = advise_dose("cefiderocol", renal_state=CRRT(effluent), jurisdiction="EU", n=N)
    (r,) = a.regimens
    assert a.basis == "label-other-jurisdiction" and format_regimen(r) == regimen
    assert "the only labelled CRRT table (US label" in a.basis_text
    assert r.citations[0][0] == "fetroja-uspi" and ("fetcroja-smpc", "Section 4.2 (no CRRT recommendation)") in r.citations
    assert "the only labelled CRRT table (US label" in advice_text(a)


def test_crrt_regimen_is_judged_at_the_high_clearance_end_and_shows_the_range():
    a = advise_dose("ceftazidime-avibactam+aztreonam", renal_state=CRRT(3.5), n=N)
    assumptions = load_crrt_assumptions()
    typ = a.check.typical.set_index("analyte")["extracorporeal_cl_l_per_h"]
    for analyte, cl in typ.items():
        coefficient, delivered = assumptions.values(analyte, "high")
        assert cl == pytest.approx(coefficient * delivered * 3.5)
    scenarios = {s: (v, cls) for s, v, cls in a.crrt_range}
    assert list(scenarios) == ["low", "central", "high"]
    assert scenarios["high"][0].pta == pytest.approx(a.verdict.pta, abs=0.02)
    for analyte in typ.index:
        assert scenarios["low"][1][analyte] < scenarios["central"][1][analyte] < scenarios["high"][1][analyte]
    d = advice_to_dict(a)
    assert [x["scenario"] for x in d["crrt_range"]] == ["low", "central", "high"]
    assert "high-clearance end" in advice_text(a)


# --- infusion times, loading doses, co-administration ---------------------------------------


@pytest.mark.parametrize("product", ["cefiderocol", "ceftazidime-avibactam", "ceftazidime-avibactam+aztreonam",
                                     "aztreonam-avibactam"])
def test_search_uses_only_label_or_stability_backed_infusion_times(product):
    """Before: 30-min infusions of ceftazidime-avibactam (label 2 h) and of cefiderocol (label 3 h)."""
    table = load_regimen_table(product)
    for component, spec in table.components.items():
        for c in _candidates(table, component, False):
            if c.continuous:
                assert spec.syringe_stability_h is not None
                assert c.bag_change_h == min(spec.stability_h.value, 24)
                assert c.syringe_change_h == spec.syringe_stability_h.value
                assert c.loading_dose_mg == spec.loading_dose_mg.value
                assert c.loading_infusion_h == spec.loading_infusion_h.value
            else:
                assert c.infusion_h == spec.infusion_h.value >= 2
    if product == "aztreonam-avibactam":  # no cited stability for a continuous infusion
        assert not any(c.continuous for c in _candidates(table, product, False))


def test_at_equal_daily_dose_the_longer_infusion_comes_first():
    table = load_regimen_table("cefiderocol")
    cands = _candidates(table, "cefiderocol", False)
    by_daily = {}
    for c in cands:
        by_daily.setdefault(round(c.daily_dose_mg), []).append(c.infusion_h / c.interval_h)
    assert any(len(v) > 1 for v in by_daily.values())
    for fractions in by_daily.values():
        assert fractions == sorted(fractions, reverse=True)


def test_combination_candidates_are_co_administered():
    """Before: once-daily 30-min infusions of each, though pkdose warned they must be given together."""
    table = load_regimen_table("ceftazidime-avibactam+aztreonam")
    grids = [_candidates(table, c, False) for c in table.components]
    combos = _ordered_combinations(grids)
    assert combos
    for cza, atm in combos[:500]:
        assert (cza.interval_h, cza.infusion_h, cza.loading_infusion_h) == (
            atm.interval_h, atm.infusion_h, atm.loading_infusion_h)
        assert cza.infusion_h >= 3


def test_search_proposals_start_on_target_in_the_first_24_hours():
    a = advise_dose("ceftazidime-avibactam", crcl_ml_per_min=300, mic_mg_per_l=8, n=N)  # Li 2019: meets at 200
    t = a.alternative_check.targets
    assert (t["typical_first_24h_ft_percent"] >= t["required_ft_percent"]).all()
    (r,) = a.alternative
    if r.continuous:
        assert r.loading_dose_mg == 2500 and r.loading_infusion_h == 2
    assert "first 24 h of therapy" in advice_text(a)


# --- resistant MICs -------------------------------------------------------------------------------


@pytest.mark.parametrize("product, mic, jurisdiction", [
    ("cefiderocol", 16, "US"), ("ceftazidime-avibactam", 16, "US"), ("cefiderocol", 4, "EU"),
    ("aztreonam", 8, "EU"), ("ceftazidime-avibactam+aztreonam", 8, "EU"),
])
def test_resistant_mic_gets_no_searched_dose_and_says_resistant(product, mic, jurisdiction):
    """Before: cefiderocol 16 and CZA 16 got intensified or continuous regimens."""
    a = advise_dose(product, crcl_ml_per_min=90, mic_mg_per_l=mic, jurisdiction=jurisdiction, n=N)
    assert a.susceptibility.category == "R"
    assert a.susceptibility.body == {"US": "CLSI", "EU": "EUCAST"}[jurisdiction]
    assert a.alternative == () and "Not searched" in a.alternative_note
    text = advice_text(a)
    assert "RESISTANT" in text and "no dose was searched" in text
    assert advice_to_dict(a)["susceptibility"]["category"] == "R"


# --- the verdict does not flip with the seed --------------------------------------------------------


@pytest.mark.parametrize("product, crcl, mic, expected", [
    ("ceftazidime-avibactam+aztreonam", 90, 8, "borderline"),  # published models: 90.1/90.2/90.7 % on seeds 1-3
    ("cefiderocol", 45, 4, "meets"),
    ("cefiderocol", 105, 8, "BELOW"),
])
def test_verdict_is_the_same_for_20_seeds(product, crcl, mic, expected):
    verdicts = Counter()
    for seed in range(1, 21):
        a = advise_dose(product, crcl_ml_per_min=crcl, mic_mg_per_l=mic, rng=seed, search=False)
        verdicts[a.verdict.verdict] += 1
        assert a.verdict.lower <= a.verdict.pta <= a.verdict.upper
    assert verdicts == Counter({expected: 20})


def test_borderline_combination_gets_the_same_alternative_for_20_seeds():
    alts = {tuple(format_regimen(r) for r in advise_dose("ceftazidime-avibactam+aztreonam", crcl_ml_per_min=25,
                                                         mic_mg_per_l=4, rng=seed).alternative)
            for seed in range(1, 21)}
    assert len(alts) == 1 and all(alts.pop())


def test_pta_is_printed_with_its_monte_carlo_interval():
    a = advise_dose("ceftazidime-avibactam+aztreonam", crcl_ml_per_min=90, mic_mg_per_l=8, n=1000)
    v = a.verdict
    assert v.verdict == "borderline" and v.n_patients > 1000
    assert v.lower < PTA_GOAL + BORDERLINE_BAND and v.upper > PTA_GOAL - BORDERLINE_BAND
    assert "95 % Monte Carlo interval" in advice_text(a)
    grid = advice_to_dict(a)["pk_check"]["pta_by_mic"]
    assert all(g["lower_95"] <= g["pta"] <= g["upper_95"] for g in grid)


# --- targets: the unsettled avibactam threshold --------------------------------------------------------


def test_unsettled_avibactam_threshold_is_shown_with_its_alternative():
    """Before: the guideline regimen on HD was flagged 'BELOW' without saying the threshold is unsettled."""
    a = advise_dose("ceftazidime-avibactam+aztreonam", renal_state=Haemodialysis(), mic_mg_per_l=4, n=N)
    comp, alt, v = a.threshold_check
    assert (comp.analyte, comp.threshold_mg_per_l, alt.value) == ("avibactam", 2.5, 1.0)
    assert (comp.source, alt.source) == ("xie2025", "li2019")
    assert a.verdict.verdict == "BELOW" and v.verdict == "meets"
    text = advice_text(a)
    assert "unsettled threshold" in text and "alternative 1 mg/L" in text
    assert "not the alternative 1 mg/L" in a.alternative_reason
    d = advice_to_dict(a)["threshold_alternative"]
    assert d["alternative_mg_per_l"] == 1.0 and d["verdict_with_alternative"]["verdict"] == "meets"


# --- nothing hidden -------------------------------------------------------------------------------------


def test_untyped_shows_that_idsa_2026_preferred_rows_are_for_complicated_uti_only():
    rec = recommend("untyped", crcl_ml_per_min=60, n=N, search=False)
    text = recommendation_text(rec)
    assert "only for: urinary infection; CRE complicated UTI" in text
    for product in ("aztreonam-avibactam", "cefiderocol"):
        assert any("only for: urinary" in line for line in rec.reasons[product])


def test_ndm_shows_the_availability_condition():
    text = recommendation_text(recommend("NDM", crcl_ml_per_min=60, n=N, search=False))
    assert "When aztreonam-avibactam is not available." in text


def test_seeds_are_labelled_ai_generated_with_dates_and_never_in_the_grade_column():
    """Before: the seeds stood beside IDSA and ESCMID as 'first-line, strong'."""
    rec = recommend("NDM", crcl_ml_per_min=60, n=N, search=False)
    text = recommendation_text(rec)
    guidelines, _, rest = text.partition("AI-generated summaries")
    assert "Seed:" not in guidelines and "strong" not in guidelines.split("Pitfalls")[0]
    assert "pending human review" in rest and "2026-02-04" in rest and "2025-11-21" in rest
    assert "not a GRADE rating" in rest
    seeds = rec.options[rec.options.kind == "ai-summary"]
    assert len(seeds) and (seeds[["tier", "strength", "certainty"]] == "").all().all()
    for product, lines in rec.reasons.items():
        for line in lines:
            if line.startswith("Seed"):
                assert "AI-generated summary, pending human review, not a guideline" in line


@pytest.mark.parametrize("product, kwargs, caution", [
    ("aztreonam-avibactam", dict(crcl_ml_per_min=10, jurisdiction="EU"), "unless haemodialysis or another renal"),
    ("ceftazidime-avibactam", dict(renal_state=Haemodialysis(residual_crcl_ml_per_min=20)), "outside the label's HD"),
])
def test_label_cautions_are_warnings_in_text_json_and_the_regimen(product, kwargs, caution):
    a = advise_dose(product, n=N, search=False, **kwargs)
    assert any(caution in w for w in a.warnings)
    assert caution in advice_text(a)
    assert caution in advice_to_dict(a)["regimens"][0]["caution"]


def test_combination_names_the_drug_on_every_line_and_is_never_headed_as_a_label():
    a = advise_dose("ceftazidime-avibactam+aztreonam", crcl_ml_per_min=25, n=N, search=False)
    text = advice_text(a)
    assert "(US label)" not in text and "no label covers it" in text.splitlines()[2]
    lines = [line.strip() for line in text.splitlines()]
    assert any(line.startswith("ceftazidime-avibactam: 0.94 g") for line in lines)
    assert any(line.startswith("aztreonam: 2 g IV loading dose, then 1 g IV q8h") for line in lines)
    assert a.basis == "combination"


def test_hd_regimen_is_written_as_the_plan_gives_it_with_amounts_in_the_week():
    """Before: CZA on HD read 'q48h' while the plan dosed after every Mon/Wed/Fri session; the aztreonam
    post-HD supplement was invisible in the week plan."""
    a = advise_dose("ceftazidime-avibactam+aztreonam", renal_state=Haemodialysis(), mic_mg_per_l=1, n=N,
                    search=False)
    text = advice_text(a)
    assert "ceftazidime-avibactam: 0.94 g (ceftazidime 0.75 g + avibactam 0.19 g) IV after each dialysis session " \
           "(Mon/Wed/Fri)" in text
    assert "q48h" not in text.split("Regimen")[1].split("label interval")[0]
    assert "Mon  04:00: aztreonam 0.5 g | 12:00 after HD: ceftazidime-avibactam 0.94 g + aztreonam 0.75 g " \
           "(0.5 g + 0.25 g post-HD supplement)" in text
    week = advice_to_dict(a)["pk_check"]["hd_week"]
    supp = [w for w in week if w.get("supplement_mg")]
    assert len(supp) == 3 and all(w["component"] == "aztreonam" and w["supplement_mg"] == 250 for w in supp)
    cza = [w for w in week if w.get("component") == "ceftazidime-avibactam"]
    assert len(cza) == 3 and all(w["after_hd"] and w["amount_mg"] == 940 for w in cza)


def test_json_totals_are_unambiguous_per_component_and_per_analyte():
    a = advise_dose("ceftazidime-avibactam+aztreonam", crcl_ml_per_min=80, n=N, search=False)
    d = advice_to_dict(a)
    assert d["totals"]["daily_dose_mg_by_component"] == {"ceftazidime-avibactam": 7500, "aztreonam": 6000}
    assert d["totals"]["daily_dose_mg_by_analyte"] == {"ceftazidime": 6000, "avibactam": 1500, "aztreonam": 6000}
    cza = d["regimens"][0]
    assert cza["dose_basis"] == "product" and cza["analyte_dose_mg"] == {"ceftazidime": 2000, "avibactam": 500}
    assert cza["daily_analyte_dose_mg"] == {"ceftazidime": 6000, "avibactam": 1500}


# --- citations: every source the computation used -------------------------------------------------------


def test_references_list_every_source_the_computation_used():
    """Before: CZA on HD omitted the HD removal study."""
    hd = {s.key for s in advise_dose("ceftazidime-avibactam", renal_state=Haemodialysis(), n=N).sources}
    assert {"avycaz-uspi", "li2019", "leroy1984", "merdjan2017", "clsi-m100"} <= hd
    crrt = {s.key for s in advise_dose("ceftazidime-avibactam", renal_state=CRRT(2.0), n=N).sources}
    assert {"ojeanson2025", "pistolesi2019", "bouman2006", "kdigo2012-aki", "griffin2019"} <= crrt
    native = advise_dose("cefiderocol", crcl_ml_per_min=105, mic_mg_per_l=8, n=N)
    keys = [s.key for s in native.sources]
    assert {"fetroja-uspi", "kawaguchi2021", "katsube2019", "clsi-m100", "loeuille2022", "loeuille2023"} <= set(keys)
    assert "merdjan2017" not in keys and "bouman2006" not in keys  # HD/CRRT sources only where used
    assert all(hasattr(s, "key") and hasattr(s, "doi") for s in native.sources)  # Source objects


# --- mechanisms and organisms ------------------------------------------------------------------------------


def test_ndm_plus_oxa48_gets_mbl_advice():
    rec = recommend("NDM + OXA-48", crcl_ml_per_min=60, n=N, search=False)
    assert rec.mechanism == "MBL + OXA-48-like"
    assert rec.products == ("aztreonam-avibactam", "cefiderocol", "ceftazidime-avibactam+aztreonam")
    assert "metallo-beta-lactamase is present" in rec.mechanism_note
    keys = {w.key for w in rec.warnings}
    assert {"no-cza-alone-for-mbl", "oxa48-no-vaborbactam-relebactam"} <= keys


def test_kpc_plus_oxa48_gets_the_products_ranked_for_both():
    rec = recommend("KPC, OXA-48", crcl_ml_per_min=60, n=N, search=False)
    assert set(rec.products) == {"ceftazidime-avibactam", "aztreonam-avibactam", "cefiderocol"}
    assert "no guideline addresses this mixture" in rec.mechanism_note


def test_carbapenemase_negative_cre():
    rec = recommend("carbapenemase-negative", crcl_ml_per_min=60, n=N, search=False)
    assert rec.mechanism == "carbapenemase-negative"
    assert rec.products == ("aztreonam-avibactam", "ceftazidime-avibactam")
    t = recommendations("non-carbapenemase")
    assert "meropenem (extended infusion)" in set(t["product"])
    with pytest.raises(InputError, match="cannot be combined"):
        recommend("carbapenemase-negative + NDM", crcl_ml_per_min=60)


def test_pseudomonas_is_refused_by_recommend_and_uses_its_own_breakpoints_in_dose():
    with pytest.raises(InputError, match="Enterobacterales") as exc:
        recommend("NDM", crcl_ml_per_min=60, organism="Pseudomonas aeruginosa")
    assert exc.value.field == "organism"
    a = advise_dose("cefiderocol", crcl_ml_per_min=60, organism="Pseudomonas aeruginosa", n=N)
    assert a.organism == "Pseudomonas aeruginosa" and "Pseudomonas aeruginosa" in a.mic_basis
    with pytest.raises(InputError, match="no breakpoint"):
        advise_dose("aztreonam-avibactam", crcl_ml_per_min=60, organism="Pseudomonas aeruginosa", n=N)
    b = advise_dose("aztreonam-avibactam", crcl_ml_per_min=60, mic_mg_per_l=4, organism="Pseudomonas aeruginosa",
                    n=N, search=False)
    assert b.susceptibility.category == "" and any("cannot be interpreted" in w for w in b.warnings)
    eu = advise_dose("aztreonam", crcl_ml_per_min=60, organism="Pseudomonas aeruginosa", jurisdiction="EU", n=N,
                     search=False)
    assert eu.mic_mg_per_l == 16 and "increased exposure" in eu.mic_basis and eu.susceptibility.category == "I"
    with pytest.raises(InputError, match="organism"):
        advise_dose("cefiderocol", crcl_ml_per_min=60, organism="Acinetobacter")


def test_product_model_keeps_the_crrt_floor_of_the_labelled_hd_dose():
    """The floor list of the search includes the labelled HD dose on CRRT."""
    from pkdose.recommend import _floors, renal_summary

    table = load_regimen_table("aztreonam-avibactam")
    renal = renal_summary(renal_state=CRRT(2.5))
    floors = _floors(table, renal, "US", ())
    assert floors == {"aztreonam-avibactam": pytest.approx(1800.0)}
    assert np.isfinite(load_product("aztreonam-avibactam").pk_models["aztreonam"].fu_fraction)


def test_recommend_without_renal_function_lists_options_and_pitfalls_without_doses():
    """Before: the recommend command refused to answer without renal input, although the
    options, their conditions and the pitfalls do not depend on it."""
    rec = recommend("NDM")
    assert rec.advice == () and "No renal function given" in rec.doses_note
    assert "ceftazidime-avibactam+aztreonam" in rec.products and rec.warnings
    text = recommendation_text(rec)
    assert "No renal function given" in text and "aztreonam alone" in text
    assert "=" * 78 not in text  # no per-product dose section
    import json
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "pkdose", "recommend", "--mechanism", "NDM", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["advice"] == [] and data["doses_note"]
