"""Shared reader for the published CL / V / half-life numbers in tests/data/published.

Each CSV ``<sourcekey>__<locator>.csv`` has the columns ``quantity, value,
unit, model, crcl_ml_per_min, weight_kg, esrd, subject, tolerance_rel, note``.
``quantity`` is ``cl_l_per_h``, ``v_l`` (the steady-state volume, sum of the
compartments) or ``half_life_h`` (of the one-compartment reduction);
``subject`` is ``typical`` (the model's default population) or ``reference``
(the published reference subject: uninfected, every covariate at its reference,
:meth:`pkdose.library.PKModel.reference_covariates`); ``esrd`` true means a
patient on dialysis (the model's ESRD rule and the domain of a declared floor).
Simulation-based validations live in ``_sim_published.py``.
"""

import csv
from pathlib import Path

import pytest

from pkdose.library import load_pk_model, load_sources

DATA = Path(__file__).resolve().parents[1] / "data" / "published"
QUANTITIES = ("cl_l_per_h", "v_l", "half_life_h")


def cases():
    """One pytest.param per CSV row of every PK-parameter source (files with a ``model`` column)."""
    params = []
    for path in sorted(DATA.glob("*__*.csv")):
        source, locator = path.stem.split("__", 1)
        assert source in load_sources(), f"{source} is not in models/sources"
        with path.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if "model" not in reader.fieldnames:  # another kind of published constant (e.g. kinetics)
                continue
            for i, row in enumerate(reader):
                params.append(pytest.param(row, id=f"{source}-{locator}-{row['quantity']}-{i}"))
    assert params
    return params


def model_for(row):
    """The row's model and covariates (reference subject or the model's default population)."""
    analyte, source = row["model"].split("_", 1)
    model = load_pk_model(analyte, source=source)
    cov = model.reference_covariates() if row["subject"] == "reference" else {}
    assert row["subject"] in ("reference", "typical"), row["subject"]
    cov["dialysis"] = row["esrd"].strip().lower() == "true"
    return model, cov


def predict(row):
    """The model's value of the row's quantity at the row's inputs."""
    model, cov = model_for(row)
    crcl = float(row["crcl_ml_per_min"])
    kwargs = dict(cov, weight_kg=float(row["weight_kg"]))
    if row["quantity"] == "cl_l_per_h":
        return float(model.clearance_l_per_h(crcl, **kwargs))
    if row["quantity"] == "v_l":
        return float(model.volume_l(crcl, **kwargs))
    return float(model.half_life_h(crcl, **kwargs))


def check(row):
    """Assert the prediction within the row's justified relative tolerance."""
    assert row["quantity"] in QUANTITIES
    assert row["note"].strip(), "every tolerance is justified in note"
    expected = float(row["value"])
    assert predict(row) == pytest.approx(expected, rel=float(row["tolerance_rel"]))
