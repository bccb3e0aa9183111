"""Simulation-based checks of published fetroja-uspi numbers (tests/data/published/simulation/fetroja-uspi__*.csv)."""

import pytest
from _sim_published import cases, check


@pytest.mark.parametrize("row", cases("fetroja-uspi"))
def test_sim_fetroja_uspi(row):
    check(row)
