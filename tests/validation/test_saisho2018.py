"""Published numbers of saisho2018 that need only CL, V or half-life (tests/data/published/saisho2018__*.csv)."""

import pytest
from _pk_published import cases, check


@pytest.mark.parametrize("row", cases("saisho2018"))
def test_saisho2018(row):
    check(row)
