"""Simulation-based checks of published gerig1984 numbers (tests/data/published/simulation/gerig1984__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("gerig1984"))
def test_sim_gerig1984(row):
    check(row)
