"""Simulation-based checks of published gross2018 numbers (tests/data/published/simulation/gross2018__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("gross2018"))
def test_sim_gross2018(row):
    check(row)
