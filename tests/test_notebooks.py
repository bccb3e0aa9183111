"""The teaching notebooks: plain ``.ipynb`` files, executed headless, committed without outputs.

The notebooks live in ``notebooks/`` next to ``tests/`` (in the repository, and in
CI's wheel stage, which copies both directories to a temporary directory). They
are edited as notebooks, in Jupyter: there is no generator script, so what a
student saves is the source.

Each one is executed with nbclient in a fresh ``python3`` kernel, with
``notebooks/`` as the working directory and matplotlib's inline backend (Agg
underneath), so that every figure becomes a PNG output the test can see. Any
error fails the test, and so does anything written to stderr (warnings
included: STYLE B6/B7 treat warnings as errors).

Slider cells carry the cell tag ``sliders``. Without ipywidgets (CI installs
only the ``test`` extra) they fall back to one call of their plain plotting
function with the default values, and that figure must appear in the cell's
outputs. With ipywidgets (the ``notebooks`` extra) nbclient records the
widgets' state, and the figure drawn by the first call of the callback must be
in the interact's output widget, with no error there (an exception inside an
interact callback is shown in the widget, not raised).
"""

import re
from pathlib import Path

import pytest

NOTEBOOK_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb")) if NOTEBOOK_DIR.is_dir() else []
CELL_TIMEOUT_S = 120
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
STRIP_HINT = ("strip them with `jupyter nbconvert --clear-output --inplace notebooks/{name}` (or "
              "`nbstripout notebooks/{name}`): your edits to the cells are kept, only the outputs go")

pytestmark = pytest.mark.skipif(
    not NOTEBOOKS,
    reason=f"no notebooks found in {NOTEBOOK_DIR} (copy notebooks/ next to tests/ to run them)",
)


def _read(path):
    nbformat = pytest.importorskip("nbformat")
    return nbformat.read(path, as_version=4)


def _ids(paths):
    return [p.stem for p in paths]


def _source(cell):
    return "".join(cell.source) if isinstance(cell.source, list) else cell.source


def _images(outputs):
    return sum("image/png" in out.get("data", {}) for out in outputs)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_notebook_has_no_outputs(path):
    nb = _read(path)
    dirty = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, (f"{path.name}: code cells {dirty} carry outputs or execution counts; "
                       + STRIP_HINT.format(name=path.name))
    assert "widgets" not in nb.metadata, (f"{path.name}: saved widget state in the metadata; "
                                          + STRIP_HINT.format(name=path.name))


def test_notebooks_are_their_own_source():
    """No generator script: a notebook saved in Jupyter is the file that is tested."""
    scripts = sorted(p.name for p in NOTEBOOK_DIR.glob("*.py"))
    assert not scripts, f"notebooks/ holds scripts {scripts}; keep the notebooks as plain .ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_follows_the_course_pattern(path):
    """STYLE B8: numbered title, learning goals, a check cell, exercises with hints and hidden solutions."""
    nb = _read(path)
    pytest.importorskip("nbformat").validate(nb)
    markdown = [_source(c) for c in nb.cells if c.cell_type == "markdown"]
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert markdown and markdown[0].startswith(f"# {path.name[:2]} · "), "first cell: '# NN · title'"
    text = "\n".join(markdown)
    for needed in ("**Learning goals**", "<details>", "<summary>Hint"):
        assert needed in text, f"{path.name}: no {needed!r}"
    for section in ("Check", "Exercises", "References"):  # "## Check" or "## 7 · Check"
        assert re.search(rf"^## (\d+ · )?{section}\b", text, re.M), f"{path.name}: no section {section!r}"
    assert any("assert " in _source(c) for c in code), f"{path.name}: no check cell with an assert"
    solutions = [c for c in code if "solution" in c.metadata.get("tags", [])]
    assert solutions, f"{path.name}: no solution cell (tag 'solution')"
    assert all(c.metadata.get("jupyter", {}).get("source_hidden") for c in solutions), \
        f"{path.name}: solution cells must be collapsed (metadata jupyter.source_hidden)"


def _has_ipywidgets():
    """What the kernel will find: it runs this interpreter with the same environment."""
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def _widget_outputs(nb):
    """Outputs recorded in every output widget of the executed notebook."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    return [out for model in state.values() for out in model.get("state", {}).get("outputs", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_executes(path, monkeypatch):
    pytest.importorskip("ipykernel")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("MPLBACKEND", INLINE_BACKEND)  # the kernel inherits it: figures become PNG outputs
    nb = _read(path)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()   # raises CellExecutionError (with the traceback) on any error
    cells = [c for c in nb.cells if c.cell_type == "code"]
    stderr = [(i, out.get("text", "")) for i, cell in enumerate(cells)
              for out in cell.get("outputs", []) if out.get("name") == "stderr"]
    assert not stderr, f"{path.name} wrote to stderr: " + "; ".join(f"cell {i}: {t[:300]}" for i, t in stderr)
    in_widgets = _widget_outputs(nb)
    errors = [f"{o.get('ename')}: {o.get('evalue')}" for o in in_widgets if o.get("output_type") == "error"]
    assert not errors, f"{path.name}: an interact callback failed: {errors}"
    assert sum(_images(c.outputs) for c in cells) + _images(in_widgets) >= 1, f"{path.name}: no figure"
    sliders = [c for c in cells if "sliders" in c.metadata.get("tags", [])]
    if not _has_ipywidgets():   # the static fallback: one figure per slider cell
        blank = [_source(c)[:60] for c in sliders if not _images(c.outputs)]
        assert not blank, f"{path.name}: slider cells drew no static figure: {blank}"
    else:                                                 # the first call of each callback drew one
        assert _images(in_widgets) >= len(sliders), f"{path.name}: slider callbacks drew no figure"
