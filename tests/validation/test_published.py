"""Every published number in tests/data/published (CL/V/half-life) and tests/data/published/simulation.

One parametrised test per kind: the data files carry the source, locator, justified tolerance and, where a
number is not reproduced, the reason (strict xfail). Simulation rows run in both structures (the papers'
published compartments and pkdose's one-compartment reduction).
"""

import pytest
from _pk_published import cases as pk_cases
from _pk_published import check as pk_check
from _sim_published import cases as sim_cases
from _sim_published import check as sim_check


@pytest.mark.parametrize("row", pk_cases())
def test_published_parameter(row):
    pk_check(row)


@pytest.mark.parametrize("row, structure", sim_cases())
def test_published_simulation(row, structure):
    sim_check(row, structure)
