"""Simulation-based checks of published azactam-uspi numbers (tests/data/published/simulation/azactam-uspi__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("azactam-uspi"))
def test_sim_azactam_uspi(row):
    check(row)
