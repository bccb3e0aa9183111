"""Simulation-based checks of published emblaveo-smpc numbers (tests/data/published/simulation/emblaveo-smpc__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("emblaveo-smpc"))
def test_sim_emblaveo_smpc(row):
    check(row)
