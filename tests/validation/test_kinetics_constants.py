"""Published numbers behind models/kinetics.toml (tests/data/published/{crass2019,avycaz-uspi}__*.csv).

Each row names the constant it checks: a ``section.key`` parameter of the file, or
``monitoring.statement[product/jurisdiction]`` for a label's re-check interval.
"""

import csv
from pathlib import Path

import pytest

from pkdose.kinetic_gfr import load_kinetics_constants

DATA = Path(__file__).resolve().parents[1] / "data" / "published"
FILES = ("crass2019__abstract.csv", "avycaz-uspi__dosage-renal-impairment.csv")


def _rows():
    params = []
    for name in FILES:
        with (DATA / name).open(newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                params.append(pytest.param(row, id=f"{name.split('__')[0]}-{row['quantity']}-{i}"))
    return params


def _constant(name):
    c = load_kinetics_constants()
    if name.startswith("monitoring.statement["):
        product, jurisdiction = name[len("monitoring.statement["):-1].split("/")
        return c.statement(product, jurisdiction).recheck_interval_h
    return getattr(c, name.split(".", 1)[1]).value


@pytest.mark.parametrize("row", _rows())
def test_models_file_carries_the_published_value(row):
    assert _constant(row["constant"]) == pytest.approx(float(row["value"]), rel=float(row["tolerance_rel"]))
