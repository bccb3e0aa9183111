"""Simulation-based checks of published katsube2017jcp numbers (tests/data/published/simulation/katsube2017jcp__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("katsube2017jcp"))
def test_sim_katsube2017jcp(row):
    check(row)
