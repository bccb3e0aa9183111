"""Docs as contract (STYLE B5/B7): every public function and class of every module.

Parameters must match the signature and end in a bracketed unit; every public
callable has a References section (after fluids' test_check_signatures).
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import pkdose

_SECTION = re.compile(r"^\s*([A-Z][A-Za-z ]+)\n\s*-{3,}\s*$", re.M)
_HEAD = re.compile(r"^\*{0,2}(\w+(?:\s*,\s*\*{0,2}\w+)*)\s*(?::|$)")  # numpydoc: "name : type" or "*args"
SKIP_MODULES = {"pkdose.__main__"}


def _modules():
    names = ["pkdose"] + [m.name for m in pkgutil.walk_packages(pkdose.__path__, "pkdose.")]
    return [n for n in names if n not in SKIP_MODULES]


def _public_callables():
    for modname in _modules():
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", ()):
            obj = getattr(mod, name)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == modname:
                yield f"{modname}.{name}", obj


def _sections(doc):
    doc = inspect.cleandoc(doc)
    marks = [(m.group(1).strip(), m.start(), m.end()) for m in _SECTION.finditer(doc)]
    return {t: doc[e:(marks[i + 1][1] if i + 1 < len(marks) else len(doc))] for i, (t, _, e) in enumerate(marks)}


def _documented_params(body):
    params, current = [], None
    for line in body.splitlines():
        head = _HEAD.match(line)
        if head:
            current = [[n.strip().lstrip("*") for n in head.group(1).split(",")], ""]
            params.append(current)
        elif current is not None and line.strip():
            current[1] += " " + line.strip()
    return [(n, desc) for names, desc in params for n in names]


CALLABLES = list(_public_callables())


def test_the_contract_covers_the_package():
    assert len(CALLABLES) > 80


@pytest.mark.parametrize("qualname, obj", CALLABLES, ids=[q for q, _ in CALLABLES])
def test_docstring_parameters_units_and_references(qualname, obj):
    doc = obj.__doc__ or ""
    sections = _sections(doc)
    if inspect.isfunction(obj):
        assert "References" in sections, f"{qualname} has no References section"
    if inspect.isclass(obj) and issubclass(obj, BaseException):
        return  # exceptions take a message; documented in pkdose.errors
    sig = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
    if not sig or (inspect.isclass(obj) and "Parameters" not in sections and "Attributes" in sections):
        return
    documented = _documented_params(sections.get("Parameters", ""))
    names = [n for n, _ in documented]
    if inspect.isclass(obj):  # dataclass fields: defaults force an order that documentation need not follow
        assert sorted(names) == sorted(sig), f"{qualname}: Parameters do not match the fields"
    else:
        assert names == sig, f"{qualname}: Parameters do not match the signature"
    for name, desc in documented:
        assert re.search(r"\[[^\]]+\]\.?$", desc.strip()), f"{qualname}({name}) lacks a bracketed unit"
