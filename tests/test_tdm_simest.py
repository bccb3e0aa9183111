"""Simulation-estimation of pkdose.tdm: virtual patients from every shipped prior, fitted as real patients are.

The fast subset runs in the suite (two designs, 150 virtual patients, tolerances widened by the Monte
Carlo error of that n). The full study (every design, 500 patients) is ``benchmarks/tdm_simest.py``
and the slow test below (``PKDOSE_SLOW=1``); its figures are in docs/tdm.md.

Criteria (issue 14): bias of the clearance < 5 % and 90 % intervals covering 85-95 % of the true
clearances. pkdose reports and doses with the posterior mean (importance sampling); the MAP (the
posterior mode) is reported beside it and measured here too: under the published proportional error
its bias reaches +9 % for the 34-40 % residual strata (docs/tdm.md explains why), so the < 5 % criterion
is asserted for the posterior estimate and the MAP's bias is bounded by what the residual variance implies.
"""

import math
import os

import numpy as np
import pytest

from pkdose.tdm.simest import DESIGNS, Design, simulate_estimate, summarise

FAST = {d.name: d for d in DESIGNS}


def _within(summary, n, prefix=""):
    se = math.sqrt(0.9 * 0.1 / n)
    assert abs(summary["post_bias_percent"]) < 5.0
    assert 0.85 - 2 * se < summary["coverage_90"] < 0.95 + 2 * se
    assert summary["converged"] == 1.0


@pytest.mark.parametrize("name", ["cefiderocol_kawaguchi2021 intermittent", "aztreonam_xie2025 intermittent"])
def test_simulation_estimation_fast_subset(name):
    n = 150
    frame = simulate_estimate(FAST[name], n=n, rng=11, n_proposal=2000)
    s = summarise(frame)
    _within(s, n)
    assert s["post_rmse_percent"] < 35.0
    if "partner_cl_true_l_per_h" in frame:  # avibactam, not measured, inferred through the published correlation
        _within(summarise(frame, "partner_"), n)


def test_the_map_is_pulled_above_the_posterior_mean_by_the_proportional_error():
    # The posterior mode under y = f (1 + eps) sits where f is about y / (1 + sigma^2): the MAP clearance is
    # biased upward, by less than sigma^2 because the prior shares the weight; the posterior mean is not.
    frame = simulate_estimate(FAST["ceftazidime_li2019 intermittent"], n=150, rng=5, n_proposal=2000)
    s = summarise(frame)
    sigma2 = 0.114  # Li 2019 Table 1, proportional variance of phase II/III (models/tdm.toml)
    assert s["post_bias_percent"] < s["map_bias_percent"] < 100 * sigma2


def test_a_design_is_a_label_regimen_sampled_at_peak_and_trough():
    case = Design("x", "cefiderocol", "cefiderocol").case()
    assert case.doses.amount_mg[0] == 2000.0 and case.doses.infusion_h[0] == 3.0
    t = case.levels.time_h
    assert t.size == 2 and t[1] - t[0] > 4
    ci = Design("x", "cefiderocol", "cefiderocol", continuous=True).case()
    assert ci.levels.time_h.size == 1 and ci.doses.infusion_h[-1] == 24.0


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("PKDOSE_SLOW") != "1", reason="the full 500-patient study: set PKDOSE_SLOW=1")
@pytest.mark.parametrize("design", DESIGNS, ids=[d.name for d in DESIGNS])
def test_simulation_estimation_full_study(design):
    frame = simulate_estimate(design, n=500, rng=2026)
    s = summarise(frame)
    assert abs(s["post_bias_percent"]) < 5.0
    assert 0.85 <= s["coverage_90"] <= 0.95
    assert np.isfinite(s["post_rmse_percent"])
