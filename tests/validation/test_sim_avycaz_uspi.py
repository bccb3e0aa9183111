"""Simulation-based checks of published avycaz-uspi numbers (tests/data/published/simulation/avycaz-uspi__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("avycaz-uspi"))
def test_sim_avycaz_uspi(row):
    check(row)
