"""The layers of docs/design.md, checked against the imports of the code.

Every module of the package belongs to one layer (:data:`LAYERS`, bottom
first). A module imports only from its own layer or the layers below it, at
module level and inside functions alike, so that knowledge flows up: data and
science at the bottom, orchestration above them, what renders and what reads
the user's input on top. The few imports that run the other way are declared
in :data:`UPWARD` with the reason, and must stay inside a function (a lazy
import), so that importing a lower layer never loads a higher one.
"""

import ast
from pathlib import Path

import pytest

import pkdose

#: Layers, bottom first: (name, modules). docs/design.md, "Layers", shows the same table.
LAYERS = (
    ("foundation", ("pkdose", "pkdose.errors", "pkdose.sources", "pkdose.paths")),
    ("data files", ("pkdose.library.reading", "pkdose.library.bibliography", "pkdose.library.clinical")),
    ("science", ("pkdose.units", "pkdose.renal", "pkdose.covariates", "pkdose.extracorporeal", "pkdose.schedule",
                 "pkdose.regimens", "pkdose.pk", "pkdose.pk.dosing", "pkdose.pk.modes", "pkdose.pk.expsum",
                 "pkdose.pk.solution", "pkdose.pk.measures", "pkdose.pd", "pkdose.pta")),
    ("model library and inputs", ("pkdose.library", "pkdose.library.pkmodels", "pkdose.library.crrt",
                                  "pkdose.library.populations", "pkdose.library.preparation",
                                  "pkdose.library.targets", "pkdose.library.products",
                                  "pkdose.library.regimen_tables", "pkdose.guidelines", "pkdose.patient",
                                  "pkdose.kinetic_gfr")),
    ("orchestration", ("pkdose.exposure", "pkdose.recommend", "pkdose.atlas", "pkdose.changing_renal",
                       "pkdose.hd_timing", "pkdose.tdm", "pkdose.tdm.data", "pkdose.tdm.estimate",
                       "pkdose.tdm.model", "pkdose.tdm.fit", "pkdose.tdm.advice", "pkdose.tdm.simest",
                       "pkdose.tdm.settings")),
    ("presentation", ("pkdose.report", "pkdose.card", "pkdose.plotting", "pkdose.population_inputs",
                      "pkdose.tdm.report")),
    ("front ends", ("pkdose.inputs", "pkdose.answers", "pkdose.cli", "pkdose.__main__", "pkdose.web",
                    "pkdose.web.app", "pkdose.tdm.frontend")),
)

#: Imports that run upward, each inside a function: (importer, imported) -> why.
UPWARD = {
    ("pkdose.exposure", "pkdose.report"): "PKCheck's repr and HTML repr are report.summary_line/summary_html",
    ("pkdose.recommend", "pkdose.report"): "DoseAdvice's and Recommendation's reprs are report's renderers",
    ("pkdose.atlas", "pkdose.plotting"): "atlas.plot_atlas draws the atlas table with plotting.plot_pta_heatmap",
    ("pkdose.library.clinical", "pkdose.library.products"): "the aliases of clinical.toml must name products",
    ("pkdose.tdm.data", "pkdose.inputs"): "the records' numbers are read by the input adapter's number_from_text",
    ("pkdose.tdm", "pkdose.tdm.report"): "pkdose.tdm re-exports its renderers, loaded on first use",
}

ROOT = Path(pkdose.__file__).parent


def _module_names():
    out = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _module_names()
LAYER_OF = {m: i for i, (_, mods) in enumerate(LAYERS) for m in mods}


def _target(module, node):
    """The pkdose modules an import statement names (``from .x import y`` may name module x.y)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        base = module.split(".")
        if MODULES[module].name != "__init__.py":
            base = base[:-1]
        if node.level:
            base = base[:len(base) - node.level + 1]
            stem = ".".join(base + ([node.module] if node.module else []))
        else:
            stem = node.module or ""
        names = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in MODULES else stem for a in node.names]
    out = set()
    for name in names:
        while name and name not in MODULES:
            name = name.rpartition(".")[0]
        if name and name != module:
            out.add(name)
    return out


def _imports():
    """(importer, imported, lazy) for every import of a pkdose module inside the package."""
    edges = set()
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for n in ast.walk(f)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges |= {(module, t, id(node) in inside) for t in _target(module, node)}
    return edges


EDGES = _imports()


def test_every_module_has_a_layer():
    assert sorted(set(MODULES) - set(LAYER_OF)) == [], "place the new module in a layer of LAYERS (and docs/design.md)"
    assert sorted(set(LAYER_OF) - set(MODULES)) == [], "a module of LAYERS no longer exists"


@pytest.mark.parametrize("importer, imported, lazy", sorted(EDGES), ids=[f"{a}->{b}" for a, b, _ in sorted(EDGES)])
def test_imports_go_down_or_sideways(importer, imported, lazy):
    if LAYER_OF[imported] <= LAYER_OF[importer]:
        return
    assert (importer, imported) in UPWARD, (
        f"{importer} ({LAYERS[LAYER_OF[importer]][0]}) imports {imported} ({LAYERS[LAYER_OF[imported]][0]}): "
        "move the code to the layer that owns it, or declare the exception in UPWARD with its reason")
    assert lazy, f"the upward import {importer} -> {imported} must stay inside a function"


def test_declared_exceptions_are_still_needed():
    upward = {(a, b) for a, b, _ in EDGES if LAYER_OF[b] > LAYER_OF[a]}
    assert set(UPWARD) <= upward, f"no longer imported upward: {sorted(set(UPWARD) - upward)}"


def test_the_layers_of_the_design_document_are_these():
    """docs/design.md's table, row by row: the layer's name and each of its modules."""
    text = (Path(__file__).resolve().parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ") and ". " in line}
    for i, (name, modules) in enumerate(LAYERS):
        row = rows.get(f"{i}. {name}")
        assert row is not None, f"docs/design.md has no row '| {i}. {name} |' in its table of layers"
        for m in modules:
            short = "pkdose/__init__" if m == "pkdose" else m.removeprefix("pkdose.")
            assert f"`{short}`" in row or f"`{short.rpartition('.')[2]}`" in row, (
                f"docs/design.md does not place {m} in the layer {name!r}")
