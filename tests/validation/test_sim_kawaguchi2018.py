"""Simulation-based checks of published kawaguchi2018 numbers (tests/data/published/simulation/kawaguchi2018__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("kawaguchi2018"))
def test_sim_kawaguchi2018(row):
    check(row)
