"""Simulation-based checks of published leroy1984 numbers (tests/data/published/simulation/leroy1984__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("leroy1984"))
def test_sim_leroy1984(row):
    check(row)
