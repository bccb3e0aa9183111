"""Published numbers of kawaguchi2021 that need only CL, V or half-life (tests/data/published/kawaguchi2021__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("kawaguchi2021"))
def test_kawaguchi2021(row):
    check(row)
