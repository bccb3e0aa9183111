"""Published numbers of gerig1984 that need only CL, V or half-life (tests/data/published/gerig1984__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("gerig1984"))
def test_gerig1984(row):
    check(row)
