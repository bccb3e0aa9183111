"""Simulation-based checks of published katsube2017aac numbers (tests/data/published/simulation/katsube2017aac__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("katsube2017aac"))
def test_sim_katsube2017aac(row):
    check(row)
