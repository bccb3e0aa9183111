"""Published numbers of xie2025 that need only CL, V or half-life (tests/data/published/xie2025__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("xie2025"))
def test_xie2025(row):
    check(row)
