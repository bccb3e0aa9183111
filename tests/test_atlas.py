"""The PTA atlas: a map over independent cells, the same table whatever the workers, the CLI's errors.

Speed is measured in ``benchmarks/bench_atlas.py``, not here.
"""

import math

import numpy as np
import pandas as pd
import pytest

from pkdose.atlas import (
    ATLAS_COLUMNS,
    ATLAS_MICS_MG_PER_L,
    atlas,
    atlas_cell,
    atlas_cells,
    atlas_conditions,
    check_out_path,
    plot_atlas,
    write_atlas,
)
from pkdose.cli import main
from pkdose.errors import InputError
from pkdose.exposure import Covariates, pk_check
from pkdose.library import load_product

SMALL = dict(products=["cefiderocol", "ceftazidime-avibactam+aztreonam"],
             conditions=atlas_conditions([0, 50, 130], [2.5]))


@pytest.fixture(scope="module")
def table():
    return atlas(200, workers=1, **SMALL)


def test_every_regimen_in_every_condition(table):
    cells = atlas_cells(200, **SMALL)
    assert len(table) == len(cells) * len(ATLAS_MICS_MG_PER_L)
    assert list(table.columns[:len(ATLAS_COLUMNS)]) == list(ATLAS_COLUMNS)
    per = table.groupby(["product", "jurisdiction", "regimen"])["condition"].nunique()
    assert (per == len(SMALL["conditions"])).all()  # each regimen evaluated in every condition
    own = table[table.label_for_condition].groupby(["product", "jurisdiction", "condition"])["regimen"].nunique()
    assert (own == 1).all() and len(own) == 2 * 2 * len(SMALL["conditions"])  # one label regimen per condition
    crrt = table[(table.renal_state == "crrt") & table.label_for_condition]
    assert set(table.regimen_basis) <= {"label", "combination", "label-other-jurisdiction", "published"}
    eu = crrt[(crrt["product"] == "cefiderocol") & (crrt.jurisdiction == "EU")]
    assert set(eu.regimen_basis) == {"label-other-jurisdiction"}  # the EU SmPC has no CRRT table
    assert ((table.pta_lower_95 <= table.pta) & (table.pta <= table.pta_upper_95)).all()
    assert np.all(np.diff(table.pta.to_numpy().reshape(-1, len(ATLAS_MICS_MG_PER_L)), axis=1) <= 0)


def test_same_table_whatever_the_workers(table):
    pd.testing.assert_frame_equal(atlas(200, workers=2, **SMALL), table)


def test_a_cell_is_the_pk_check_of_its_seed():
    """A cell's PTA is pk_check's population PTA for the same random source (one computation, two callers)."""
    cell = atlas_cells(300, products=["cefiderocol"], jurisdictions=["EU"],
                       conditions=atlas_conditions([40], []), mics=[2, 8, 32])[0]
    rows = atlas_cell(cell)
    from pkdose.atlas import _regimens

    regs, _ = _regimens("cefiderocol", "EU", cell.regimen_of)
    chk = pk_check(load_product("cefiderocol"), regs, Covariates(40.0, cell.condition.state()), mic_mg_per_l=2.0,
                   n=300, rng=np.random.default_rng(cell.seed), mics=[2, 8, 32])
    assert [r["pta"] for r in rows] == [r["pta_fraction"] for r in chk.rows("pta")]


def test_a_condition_the_model_cannot_simulate_is_a_row_that_says_so(monkeypatch):
    cell = atlas_cells(50, products=["cefiderocol"], jurisdictions=["US"], conditions=atlas_conditions([30], []))[0]
    import pkdose.atlas as mod

    def refuse(*a, **k):
        raise InputError("no clearance floor")

    monkeypatch.setattr(mod, "analyte_courses", refuse)
    rows = atlas_cell(cell)
    assert all(math.isnan(r["pta"]) and r["note"] == "no clearance floor" for r in rows)


def test_bad_arguments_are_refused():
    with pytest.raises(InputError, match="n_patients"):
        atlas_cells(0)
    with pytest.raises(InputError, match="structure"):
        atlas_cells(10, structure="two")
    with pytest.raises(InputError, match="products"):
        atlas_cells(10, products=["meropenem"])
    with pytest.raises(InputError, match=r"\.csv or \.parquet"):
        check_out_path("atlas.xlsx")


def test_writes_csv_and_heatmaps(table, tmp_path):
    write_atlas(table, tmp_path / "a.csv")
    back = pd.read_csv(tmp_path / "a.csv")
    assert len(back) == len(table) and set(ATLAS_COLUMNS) <= set(back.columns)
    fig = plot_atlas(table)
    assert len([ax for ax in fig.axes if ax.get_visible() and ax.get_title()]) == 4
    import matplotlib.pyplot as plt

    plt.close(fig)


@pytest.mark.parametrize("argv, flag", [
    (["atlas"], "--out"),
    (["atlas", "--out", "a.txt"], "--out"),
    (["atlas", "--out", "a.csv", "--n", "0"], "--n"),
    (["atlas", "--out", "a.csv", "--n", "ten"], "--n"),
    (["atlas", "--out", "a.csv", "--workers", "0", "--drug", "aztreonam", "--n", "5"], "--workers"),
    (["atlas", "--out", "a.csv", "--structure", "pbpk"], "--structure"),
    (["atlas", "--out", "a.csv", "--jurisdiction", "JP"], "--jurisdiction"),
    (["atlas", "--plot", "a.gif"], "--plot"),
])
def test_cli_errors_name_the_flag_and_exit_2(argv, flag, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("pkdose: error:") and flag in err[0]


def test_cli_writes_the_table(tmp_path, capsys):
    out = tmp_path / "atlas.csv"
    assert main(["atlas", "--drug", "fetroja", "--jurisdiction", "us", "--n", "50", "--workers", "1",
                 "--structure", "one_compartment", "--out", str(out)]) == 0
    t = pd.read_csv(out)
    assert set(t["product"]) == {"cefiderocol"} and set(t["jurisdiction"]) == {"US"}
    assert set(t["structure"]) == {"one_compartment"}
    assert "Table written to" in capsys.readouterr().out


def test_the_same_regimen_in_the_same_condition_is_computed_once(monkeypatch):
    """US and EU labels give cefiderocol 2 g q8h at CrCL 90: one simulation, the same PTA in both rows."""
    import pkdose.atlas as mod

    calls = []
    real = mod.atlas_cell
    monkeypatch.setattr(mod, "atlas_cell", lambda cell: calls.append(cell) or real(cell))
    t = mod.atlas(200, products=["cefiderocol"], jurisdictions=["US", "EU"],
                  conditions=mod.atlas_conditions([90], [], hd_days=None), mics=[4, 16], workers=1)
    assert len(calls) == 1 and sorted(t["jurisdiction"].unique()) == ["EU", "US"]
    us, eu = (t[t["jurisdiction"] == j].reset_index(drop=True) for j in ("US", "EU"))
    assert us["pta"].tolist() == eu["pta"].tolist() and us["regimen"].tolist() == eu["regimen"].tolist()
    assert us["label_for_condition"].all() and eu["label_for_condition"].all()
