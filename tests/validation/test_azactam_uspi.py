"""Published numbers of azactam-uspi that need only CL, V or half-life (tests/data/published/azactam-uspi__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("azactam-uspi"))
def test_azactam_uspi(row):
    check(row)
