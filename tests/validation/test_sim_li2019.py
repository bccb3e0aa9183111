"""Simulation-based checks of published li2019 numbers (tests/data/published/simulation/li2019__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("li2019"))
def test_sim_li2019(row):
    check(row)
