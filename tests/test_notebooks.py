"""Execute every teaching notebook and check that the committed copies carry no outputs.

The notebooks live in ``notebooks/`` next to ``tests/`` (in the repository, and in
CI's wheel stage, which copies both directories to a temporary directory). Each
one is executed with nbclient in a fresh ``python3`` kernel, with ``notebooks/``
as the working directory; any error fails the test, and so does anything
written to stderr (warnings included: STYLE B6/B7 treat warnings as errors).
"""

from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) if NOTEBOOK_DIR.is_dir() else []
CELL_TIMEOUT_S = 120

pytestmark = pytest.mark.skipif(
    not NOTEBOOKS,
    reason=f"no notebooks found in {NOTEBOOK_DIR} (copy notebooks/ next to tests/ to run them)",
)


def _read(path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def _ids(paths):
    return [p.stem for p in paths]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_has_no_outputs(path):
    nb = _read(path)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} carry outputs or execution counts; "
                       "regenerate with `python notebooks/_build_notebooks.py` or strip them")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes(path):
    pytest.importorskip("ipykernel")
    nbclient = pytest.importorskip("nbclient")
    nb = _read(path)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()   # raises CellExecutionError (with the traceback) on any error
    stderr = [(i, out.get("text", "")) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
              for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    assert not stderr, f"{path.name} wrote to stderr: " + "; ".join(f"cell {i}: {t[:300]}" for i, t in stderr)
