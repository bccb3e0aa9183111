"""Published numbers of leroy1984 that need only CL, V or half-life (tests/data/published/leroy1984__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("leroy1984"))
def test_leroy1984(row):
    check(row)
