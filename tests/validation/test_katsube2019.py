"""Published numbers of katsube2019 that need only CL, V or half-life (tests/data/published/katsube2019__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("katsube2019"))
def test_katsube2019(row):
    check(row)
