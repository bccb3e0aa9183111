r"""Label regimen tables: ``models/regimens/<product>.toml`` -> :class:`RegimenTable`.

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.
"""

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import UnknownDrugError
from .bibliography import load_sources
from .products import available_products
from .reading import (
    _BOUNDS,
    _RENAL_STATES,
    _check_number,
    _check_value_range,
    _fail,
    _table_list,
    _text,
    check_keys,
    check_schema_version,
    check_source,
    models_dir,
    read_range,
    read_toml,
    unit_of,
)

__all__ = [
    "RegimenRow",
    "RegimenTable",
    "load_regimen_table",
]

# Regimen tables (models/regimens/<product>.toml)
# ---------------------------------------------------------------------------

_REGIMEN_HEADER_REQUIRED = ("schema_version", "product", "display_name", "analytes", "regimen")
_REGIMEN_HEADER_OPTIONAL = ("crcl_bounds", "effluent_bounds", "note", "vial")
_VIAL_KEYS = ("component", "dose_mg", "source", "locator", "note")
_ROW_REQUIRED = ("component", "jurisdiction", "renal_state", "dose_mg", "interval_h",
                 "infusion_h", "max_daily_dose_mg", "source", "locator")
_ROW_OPTIONAL = ("crcl_ml_per_min", "crcl_bounds", "effluent_l_per_h", "effluent_bounds",
                 "analyte_dose_mg", "loading_dose_mg", "post_hd_supplement_mg",
                 "give_after_hd", "note")
_ROW_NUMBERS = ("dose_mg", "interval_h", "infusion_h", "max_daily_dose_mg",
                "loading_dose_mg", "post_hd_supplement_mg")


@dataclass(frozen=True)
class RegimenRow:
    """One labelled regimen for a range of CrCL or CRRT effluent rate.

    Parameters
    ----------
    component : str
        What is given (a product or one component of a combination) [-].
    jurisdiction : tuple of str
        Labels the row comes from, e.g. ``("US", "EU")`` [-].
    renal_state : str
        ``"native"``, ``"ihd"`` or ``"crrt"`` [-].
    axis : str
        ``"crcl_ml_per_min"`` or ``"effluent_l_per_h"`` [-].
    lo, hi : float
        Range on ``axis``; ``hi`` may be ``inf`` [mL/min or L/h].
    bounds : str
        Closed ends: ``"[)"``, ``"(]"``, ``"[]"`` or ``"()"`` [-].
    dose_mg, interval_h, infusion_h, loading_dose_mg, post_hd_supplement_mg, max_daily_dose_mg : float
        Regimen as labelled [mg, h, h, mg, mg, mg].
    analyte_dose_mg : Mapping[str, float]
        Dose of each analyte [mg].
    give_after_hd : bool
        Dose after the dialysis session on dialysis days [-].
    source, locator, note : str
        Citation [-].
    """

    component: str
    jurisdiction: tuple
    renal_state: str
    axis: str
    lo: float
    hi: float
    bounds: str
    dose_mg: float
    interval_h: float
    infusion_h: float
    max_daily_dose_mg: float
    source: str
    locator: str
    analyte_dose_mg: object = field(default_factory=lambda: MappingProxyType({}))
    loading_dose_mg: float = 0.0
    post_hd_supplement_mg: float = 0.0
    give_after_hd: bool = False
    note: str = ""

    def contains(self, x):
        r"""Whether a CrCL or effluent rate falls in this row's range.

        Parameters
        ----------
        x : float
            Value on the row's axis [mL/min or L/h].

        Returns
        -------
        inside : bool
            True if ``x`` lies in the range with its closed/open ends.

        References
        ----------
        .. [1] pkdose design contract, ``docs/design.md``, "Regimen tables".
        """
        above = x >= self.lo if self.bounds[0] == "[" else x > self.lo
        below = x <= self.hi if self.bounds[1] == "]" else x < self.hi
        return bool(above and below)


@dataclass(frozen=True)
class RegimenTable:
    """All labelled regimens of one product.

    Parameters
    ----------
    product : str
        CLI name [-].
    display_name : str
        Name for output [-].
    analytes : tuple of str
        Analytes the product delivers [-].
    rows : tuple of RegimenRow
        Regimen rows in file order [-].
    path : pathlib.Path
        File read [-].
    vial_mg : Mapping[str, float]
        Component -> product amount in one vial, the step of model-informed
        doses (half vials) [mg].
    vial_citations : Mapping[str, tuple]
        Component -> (source, locator) of the vial size [-].
    """

    product: str
    display_name: str
    analytes: tuple
    rows: tuple
    path: Path
    vial_mg: object = field(default_factory=lambda: MappingProxyType({}))
    vial_citations: object = field(default_factory=lambda: MappingProxyType({}))


def _row_range(row, defaults, path, key_path):
    """Return (axis, lo, hi, bounds) of a regimen row."""
    axis = "effluent_l_per_h" if row["renal_state"] == "crrt" else "crcl_ml_per_min"
    other = "crcl_ml_per_min" if axis == "effluent_l_per_h" else "effluent_l_per_h"
    if axis not in row or other in row:
        _fail(path, f"{key_path}.{axis}",
              f"a {row['renal_state']} row needs '{axis}' (and not '{other}')")
    lo, hi = read_range(row[axis], path, f"{key_path}.{axis}")
    bounds_key = axis.split("_")[0] + "_bounds"
    bounds = row.get(bounds_key, defaults.get(bounds_key, "[)"))
    if bounds not in _BOUNDS:
        _fail(path, f"{key_path}.{bounds_key}", f"use one of {_BOUNDS}, got {bounds!r}")
    return axis, lo, hi, bounds


def _row_numbers(row, path, key_path):
    """Validate the numeric fields of a regimen row."""
    out = {}
    for key in _ROW_NUMBERS:
        if key in row:
            out[key] = _check_number(row[key], path, f"{key_path}.{key}")
            _check_value_range(out[key], unit_of(key, path, key_path), key, path,
                               f"{key_path}.{key}")
    if out["interval_h"] <= 0:
        _fail(path, f"{key_path}.interval_h", "must be > 0 [h]")
    return out


def _read_regimen_row(row, defaults, analytes, sources, path, key_path):
    """Validate one ``[[regimen]]`` row."""
    check_keys(row, _ROW_OPTIONAL, path, key_path, required=_ROW_REQUIRED)
    if row["renal_state"] not in _RENAL_STATES:
        _fail(path, f"{key_path}.renal_state", f"use one of {_RENAL_STATES}")
    axis, lo, hi, bounds = _row_range(row, defaults, path, key_path)
    doses = row.get("analyte_dose_mg", {})
    check_keys(doses, analytes, path, f"{key_path}.analyte_dose_mg")
    doses = {a: _check_number(v, path, f"{key_path}.analyte_dose_mg.{a}")
             for a, v in doses.items()}
    if not isinstance(row.get("give_after_hd", False), bool):
        _fail(path, f"{key_path}.give_after_hd", "expected true or false")
    jurisdiction = row["jurisdiction"]
    if not isinstance(jurisdiction, list) or not jurisdiction:
        _fail(path, f"{key_path}.jurisdiction", "expected a non-empty list, e.g. [\"US\"]")
    return RegimenRow(
        component=row["component"], jurisdiction=tuple(jurisdiction),
        renal_state=row["renal_state"], axis=axis, lo=lo, hi=hi, bounds=bounds,
        source=check_source(row["source"], sources, path, f"{key_path}.source"),
        locator=_text(row["locator"], path, f"{key_path}.locator"),
        analyte_dose_mg=MappingProxyType(doses),
        give_after_hd=row.get("give_after_hd", False), note=row.get("note", ""),
        **_row_numbers(row, path, key_path))


def _check_tiling(rows, indices, path):
    """Rows of one group must tile [0, inf): shared edges, one closed side each."""
    order = sorted(zip(rows, indices), key=lambda ri: ri[0].lo)
    first, i0 = order[0]
    if first.lo != 0 or first.bounds[0] != "[":
        _fail(path, f"regimen[{i0}].{first.axis}", "the lowest range must start at 0 "
              "and include it")
    for (a, ia), (b, ib) in zip(order, order[1:]):
        key = f"regimen[{ib}].{b.axis}"
        if b.lo > a.hi:
            _fail(path, key, f"gap between {a.hi:g} and {b.lo:g} (rows {ia} and {ib})")
        if b.lo < a.hi:
            _fail(path, key, f"overlaps row {ia} ({a.lo:g}-{a.hi:g})")
        if (a.bounds[1] == "]") == (b.bounds[0] == "["):
            what = "both include" if a.bounds[1] == "]" else "neither includes"
            _fail(path, key, f"rows {ia} and {ib} {what} the shared edge {a.hi:g}")
    last, il = order[-1]
    if last.hi != math.inf:
        _fail(path, f"regimen[{il}].{last.axis}", f"ranges stop at {last.hi:g}; the "
              "highest range must end at +inf")


def _check_all_tilings(rows, path):
    """Group rows by (jurisdiction, renal_state, component) and check each group."""
    groups = {}
    for i, row in enumerate(rows):
        for j in row.jurisdiction:
            groups.setdefault((j, row.renal_state, row.component), []).append(i)
    for indices in groups.values():
        _check_tiling([rows[i] for i in indices], indices, path)


def load_regimen_table(product, root=None):
    r"""Load and validate the labelled regimens of one product.

    Parameters
    ----------
    product : str
        CLI name, e.g. ``"cefiderocol"`` [-].
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    table : RegimenTable
        Validated rows.

    Raises
    ------
    UnknownDrugError
        Unknown product (the message lists the known ones).
    ModelFileError
        Missing file, unknown key, unresolved source, or ranges of one
        (jurisdiction, renal state, component) that do not tile [0, +inf).

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, "Regimen tables".
    """
    known = available_products(root)
    if product not in known:
        raise UnknownDrugError(f"unknown product {product!r}; known products: "
                               f"{', '.join(known)}")
    path = Path(root or models_dir()) / "regimens" / f"{product}.toml"
    data = read_toml(path)
    check_schema_version(data, path)
    check_keys(data, _REGIMEN_HEADER_OPTIONAL, path, "", required=_REGIMEN_HEADER_REQUIRED)
    if data["product"] != product:
        _fail(path, "product", f"{data['product']!r} does not match the file name")
    sources = load_sources(root)
    if not isinstance(data["analytes"], list) or not data["analytes"]:
        _fail(path, "analytes", "expected a non-empty list of analyte names")
    raw_rows = _table_list(data["regimen"], path, "regimen")
    rows = tuple(_read_regimen_row(r, data, data["analytes"], sources, path, f"regimen[{i}]")
                 for i, r in enumerate(raw_rows))
    _check_all_tilings(rows, path)
    vials = _read_vials(data.get("vial", []), {r.component for r in rows}, sources, path)
    return RegimenTable(product=product, display_name=data["display_name"],
                        analytes=tuple(data["analytes"]), rows=rows, path=path,
                        vial_mg=MappingProxyType({c: v[0] for c, v in vials.items()}),
                        vial_citations=MappingProxyType({c: v[1] for c, v in vials.items()}))


def _read_vials(tables, components, sources, path):
    """``[[vial]]`` rows: one vial size per component, cited."""
    out = {}
    for i, row in enumerate(_table_list(tables, path, "vial") if tables else ()):
        key = f"vial[{i}]"
        check_keys(row, _VIAL_KEYS, path, key, required=("component", "dose_mg", "source", "locator"))
        if row["component"] not in components:
            _fail(path, f"{key}.component", f"{row['component']!r} is not a component of this table")
        dose = _check_number(row["dose_mg"], path, f"{key}.dose_mg")
        if dose <= 0:
            _fail(path, f"{key}.dose_mg", "must be > 0 [mg]")
        out[row["component"]] = (dose, (check_source(row["source"], sources, path, f"{key}.source"),
                                        _text(row["locator"], path, f"{key}.locator")))
    missing = sorted(components - set(out))
    if missing:
        _fail(path, "vial", f"no [[vial]] row for component(s) {missing}: every component needs "
              "a cited vial size (the step of model-informed doses)")
    return out
