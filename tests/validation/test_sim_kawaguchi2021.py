"""Simulation-based checks of published kawaguchi2021 numbers (tests/data/published/simulation/kawaguchi2021__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("kawaguchi2021"))
def test_sim_kawaguchi2021(row):
    check(row)
