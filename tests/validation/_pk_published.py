"""Shared reader for the published CL / V / half-life numbers in tests/data/published.

Each CSV ``<sourcekey>__<locator>.csv`` has the columns ``quantity, value,
unit, model, crcl_ml_per_min, weight_kg, esrd, subject, tolerance_rel, note``.
``quantity`` is ``cl_l_per_h``, ``v_l`` or ``half_life_h``; ``subject`` is
``typical`` (the model file's typical patient) or ``reference`` (the
published reference subject: ``cl_site_reference_ratio`` and
``v_weight_scaled_reference_l`` from the file's alternatives).  Simulation
based validations (AUC, dialysis removal) live in other test files.
"""

import csv
from pathlib import Path

import pytest

from pkdose.library import load_pk_model

DATA = Path(__file__).resolve().parents[1] / "data" / "published"
QUANTITIES = ("cl_l_per_h", "v_l", "half_life_h")


def cases(source_key):
    """Return one pytest.param per CSV row of a source, id = locator-quantity-row."""
    params = []
    for path in sorted(DATA.glob(f"{source_key}__*.csv")):
        locator = path.stem.split("__", 1)[1]
        with path.open(newline="") as fh:
            for i, row in enumerate(csv.DictReader(fh)):
                params.append(pytest.param(row, id=f"{locator}-{row['quantity']}-{i}"))
    assert params, f"no published data for {source_key}"
    return params


def model_for(row):
    """Load the row's model, switched to the reference subject if asked."""
    analyte, source = row["model"].split("_", 1)
    model = load_pk_model(analyte, source=source)
    if row["subject"] == "reference":
        model = model.with_alternative("cl_site_ratio", "cl_site_reference_ratio")
        model = model.with_alternative("v_weight_scaled_l", "v_weight_scaled_reference_l")
    return model


def predict(row):
    """The model's value of the row's quantity at the row's inputs."""
    model = model_for(row)
    kwargs = {"weight_kg": float(row["weight_kg"])}
    crcl = float(row["crcl_ml_per_min"])
    esrd = row["esrd"].strip().lower() == "true"
    if row["quantity"] == "cl_l_per_h":
        return float(model.clearance_l_per_h(crcl, esrd=esrd, **kwargs))
    if row["quantity"] == "v_l":
        return float(model.volume_l(**kwargs))
    return float(model.half_life_h(crcl, esrd=esrd, **kwargs))


def check(row):
    """Assert the prediction within the row's justified relative tolerance."""
    assert row["quantity"] in QUANTITIES
    assert row["note"].strip(), "every tolerance is justified in note"
    expected = float(row["value"])
    assert predict(row) == pytest.approx(expected, rel=float(row["tolerance_rel"]))
