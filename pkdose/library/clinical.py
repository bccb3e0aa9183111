r"""Clinical limits and constants of pkdose's inputs: ``models/clinical.toml``.

Part of :mod:`pkdose.library`; the file format is documented in
``models/README.md`` ("Clinical limits and constants"). Every range an input
may take (adult age, weight and height, SCr, CrCL, residual CrCL, CRRT
effluent), the augmented-renal-clearance threshold and its definition, the
PTA goal, the default residual CrCL, how each label estimates renal function
and the product names pharmacists use (brands, abbreviations) are read here,
once, with their sources. :mod:`pkdose.patient`, :mod:`pkdose.units`,
:mod:`pkdose.renal` and the input adapter :mod:`pkdose.inputs` use them.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from .bibliography import load_sources
from .reading import _fail, check_keys, check_source, model_file, read_model_file, read_param

__all__ = [
    "ARC_DEFINITIONS",
    "RENAL_METHODS",
    "Clinical",
    "load_clinical",
    "clinical",
    "normalise_product_name",
    "PTA_GOAL",
]

#: Which creatinine clearance the ARC threshold may be compared with.
ARC_DEFINITIONS = ("bsa-indexed", "raw")
#: How a label may estimate renal function.
RENAL_METHODS = ("cockcroft-gault", "egfr")
_LIMIT_KEYS = (
    "age_min_y", "age_max_y", "cg_age_min_y", "cg_age_max_y", "weight_min_kg", "weight_max_kg",
    "no_height_weight_max_kg", "height_min_cm", "height_max_cm", "scr_min_mg_per_dl", "scr_max_mg_per_dl",
    "crcl_min_ml_per_min", "crcl_max_ml_per_min", "residual_crcl_min_ml_per_min",
    "residual_crcl_max_ml_per_min", "effluent_max_l_per_h", "albumin_min_g_per_dl", "albumin_max_g_per_dl",
    "apache_ii_min_points", "apache_ii_max_points",
)
_CONSTANT_KEYS = ("default_residual_crcl_ml_per_min", "arc_threshold_ml_per_min_per_1_73m2", "pta_goal_fraction")
_RANGES = (("age_min_y", "age_max_y"), ("cg_age_min_y", "cg_age_max_y"), ("weight_min_kg", "weight_max_kg"),
           ("height_min_cm", "height_max_cm"), ("scr_min_mg_per_dl", "scr_max_mg_per_dl"),
           ("crcl_min_ml_per_min", "crcl_max_ml_per_min"),
           ("residual_crcl_min_ml_per_min", "residual_crcl_max_ml_per_min"),
           ("albumin_min_g_per_dl", "albumin_max_g_per_dl"), ("apache_ii_min_points", "apache_ii_max_points"))


@dataclass(frozen=True)
class Clinical:
    r"""The clinical limits and constants of ``models/clinical.toml``.

    Parameters
    ----------
    params : Mapping[str, Param]
        Every limit and constant by key (``"crcl_max_ml_per_min"``), each
        with its value, unit, source, locator and note [-].
    arc_crcl : str
        Which CrCL the ARC threshold is compared with: ``"bsa-indexed"`` or
        ``"raw"`` [-].
    arc_note : str
        Why, and what happens without a height [-].
    label_renal_function : Mapping[str, tuple]
        Label key -> (method, locator, note): how that label estimates renal
        function [-].
    aliases : Mapping[str, str]
        Normalised alias -> product CLI name [-].
    path : pathlib.Path
        The file read [-].

    Notes
    -----
    ``value(key)`` gives a number; ``range(name)`` the ``(min, max)`` pair of
    ``name_min_<unit>`` and ``name_max_<unit>``.

    Examples
    --------
    >>> clinical().range("crcl")
    (0.0, 400.0)
    """

    params: MappingProxyType
    arc_crcl: str
    arc_note: str
    label_renal_function: MappingProxyType
    aliases: MappingProxyType
    path: Path

    def value(self, key):
        """The value of one limit or constant, in the unit of its key [unit of the key]."""
        return self.params[key].value

    def range(self, name):
        """``(min, max)`` of the limit pair ``<name>_min_<unit>``, ``<name>_max_<unit>`` [unit of the keys]."""
        lo = next(k for k in self.params if k.startswith(f"{name}_min_"))
        return self.params[lo].value, self.params[lo.replace("_min_", "_max_", 1)].value


def normalise_product_name(name):
    r"""Spell a product name or alias the way ``models/clinical.toml`` keys it.

    Parameters
    ----------
    name : str
        A product name, brand name or abbreviation, in any case [-].

    Returns
    -------
    str
        Lower case; blanks around ``+`` removed; other blanks, ``/`` and ``_``
        written ``-``.

    Examples
    --------
    >>> normalise_product_name(" CAZ/AVI + ATM ")
    'caz-avi+atm'
    """
    text = re.sub(r"\s*\+\s*", "+", str(name).strip().lower())
    return re.sub(r"[\s/_]+", "-", text)


def _read_limits(data, sources, file):
    """Every ``[limits.*]`` and ``[constants.*]`` table as a Param, checked for unknown keys."""
    params = {}
    for group, keys in (("limits", _LIMIT_KEYS), ("constants", _CONSTANT_KEYS)):
        check_keys(data.get(group), (), file, group, required=keys)
        for key in keys:
            params[key] = read_param(data[group][key], name=key, default_source="", sources=sources, file=file,
                                     key_path=f"{group}.{key}")
    for lo, hi in _RANGES:
        if not params[lo].value < params[hi].value:
            _fail(file, f"limits.{hi}", f"must be larger than {lo}")
    return params


def _read_labels(table, sources, file):
    """``[label_renal_function.<label>]`` -> {label: (method, locator, note)}."""
    out = {}
    check_keys(table, table or (), file, "label_renal_function")
    for label, row in table.items():
        path = f"label_renal_function.{label}"
        check_keys(row, ("note",), file, path, required=("method", "locator"))
        check_source(label, sources, file, path)
        if sources[label].kind != "label":
            _fail(file, path, f"'{label}' is not a label in the bibliography")
        if row["method"] not in RENAL_METHODS:
            _fail(file, f"{path}.method", f"unknown method {row['method']!r}; use one of {RENAL_METHODS}")
        out[label] = (row["method"], str(row["locator"]), str(row.get("note", "")))
    return out


def _read_aliases(table, sources, file):
    """``[aliases]`` -> {normalised alias: product}; products are checked by the caller."""
    out = {}
    if not isinstance(table, dict) or not table:
        _fail(file, "aliases", "expected a table of alias = { product = ... }")
    for alias, row in table.items():
        check_keys(row, ("source",), file, f"aliases.{alias}", required=("product",))
        if "source" in row:
            check_source(row["source"], sources, file, f"aliases.{alias}.source")
        key = normalise_product_name(alias)
        if key != alias or key in out:
            _fail(file, f"aliases.{alias}", "write the alias normalised (lower case, '-' between words) "
                                            "and only once")
        out[key] = row["product"]
    return out


@functools.lru_cache(maxsize=8)
def load_clinical(path=None):
    r"""Load and validate ``models/clinical.toml``.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        File to read; default the shipped ``models/clinical.toml`` [-].

    Returns
    -------
    Clinical

    Raises
    ------
    ModelFileError
        A missing or unknown key, a number without its source and locator, a
        minimum not below its maximum, an unknown ARC definition or label
        method, or an alias that does not name a product.

    Examples
    --------
    >>> load_clinical().value("pta_goal_fraction")
    0.9
    """
    from .products import available_products  # products reads targets.toml: only when called

    file = Path(path) if path is not None else model_file(None, "clinical.toml")
    data = read_model_file(file, keys=("label_renal_function",), required=("limits", "constants", "arc", "aliases"))
    sources = load_sources()
    params = _read_limits(data, sources, file)
    arc = data["arc"]
    check_keys(arc, ("note",), file, "arc", required=("crcl", "source", "locator"))
    check_source(arc["source"], sources, file, "arc.source")
    if arc["crcl"] not in ARC_DEFINITIONS:
        _fail(file, "arc.crcl", f"unknown definition {arc['crcl']!r}; use one of {ARC_DEFINITIONS}")
    aliases = _read_aliases(data["aliases"], sources, file)
    products = set(available_products())
    for alias, product in aliases.items():
        if product not in products:
            _fail(file, f"aliases.{alias}.product", f"unknown product {product!r}; products: {sorted(products)}")
        if alias in products:
            _fail(file, f"aliases.{alias}", "is already a product name")
    return Clinical(MappingProxyType(params), arc["crcl"], str(arc.get("note", "")),
                    MappingProxyType(_read_labels(data.get("label_renal_function", {}), sources, file)),
                    MappingProxyType(aliases), file)


def clinical():
    r"""The shipped clinical limits and constants (cached).

    Returns
    -------
    Clinical

    Examples
    --------
    >>> clinical().value("default_residual_crcl_ml_per_min")
    5.0
    """
    return load_clinical()


#: The PTA at the MIC that pkdose calls adequate [-] (``constants.pta_goal_fraction``).
PTA_GOAL = clinical().value("pta_goal_fraction")
