"""The installed package finds its model files, from a wheel as from a source checkout."""

import os
from pathlib import Path

import pytest

import pkdose


def test_models_directory_is_found_and_holds_toml():
    from pkdose.library import models_dir

    d = models_dir()
    assert d.is_dir()
    assert sorted(p.name for p in (d / "pk").glob("*.toml"))
    assert sorted(p.name for p in (d / "regimens").glob("*.toml"))


def test_wheel_run_uses_the_installed_copy():
    """In CI's wheel stage the package and its models must come from site-packages."""
    if not os.environ.get("PKDOSE_EXPECT_WHEEL"):
        pytest.skip("only in CI's wheel stage (PKDOSE_EXPECT_WHEEL=1)")
    from pkdose.library import models_dir

    assert "site-packages" in Path(pkdose.__file__).parts
    assert models_dir() == Path(pkdose.__file__).parent / "_models"
