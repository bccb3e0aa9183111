"""Published numbers of li2019 that need only CL, V or half-life (tests/data/published/li2019__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("li2019"))
def test_li2019(row):
    check(row)
