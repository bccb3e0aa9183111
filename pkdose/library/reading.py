r"""Generic reading and validation of the TOML files in ``models/`` (rules shared by every loader).

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.
"""

import functools
import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from stat import S_ISDIR, S_ISREG
from types import MappingProxyType

from ..errors import ModelFileError

__all__ = [
    "BSA_REF_M2",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "SCHEMA_VERSIONS",
    "UNIT_SUFFIXES",
    "Param",
    "check_keys",
    "check_schema_version",
    "check_source",
    "model_file",
    "models_dir",
    "read_citation",
    "read_citations",
    "read_model_file",
    "read_param",
    "read_range",
    "read_toml",
    "unit_of",
]


SCHEMA_VERSIONS = (1,)

#: Unit suffix of a quantity key -> unit.  The longest matching suffix wins,
#: so ``_per_ml_per_min`` is read before ``_ml_per_min`` and ``_l_per_h``
#: before ``_h``.  Dimensionless quantities: ``_fraction`` (0-1),
#: ``_percent``, ``_ratio`` (a multiplier), ``_shift`` (a proportional shift:
#: factor 1 + shift), ``_exponent`` (a power), ``_correlation`` (-1 to 1).
UNIT_SUFFIXES = MappingProxyType({
    "_mg": "mg",
    "_h": "h",
    "_l": "L",
    "_l_per_h": "L/h",
    "_ml_per_min": "mL/min",
    "_mg_per_l": "mg/L",
    "_kg": "kg",
    "_fraction": "1",
    "_percent": "%",
    "_exponent": "1",
    "_ratio": "1",
    "_per_ml_per_min": "1/(mL/min)",
    "_correlation": "1",
    "_shift": "1",
    "_g_per_dl": "g/dL",
    "_ng_per_ml": "ng/mL",
    "_y": "years",
    "_cm": "cm",
    "_mg_per_dl": "mg/dL",
    "_ml_per_min_per_1_73m2": "mL/min/1.73 m²",
    "_points": "points",
})

#: Body-surface area to which creatinine clearance is normalised [m2]
#: (Du Bois adult reference; the convention of Xie 2025 nCrCL).
BSA_REF_M2 = 1.73

_NONNEGATIVE_UNITS = {"mg", "h", "L", "L/h", "mL/min", "mg/L", "kg", "%", "g/dL", "ng/mL", "years", "cm", "mg/dL",
                      "mL/min/1.73 m²", "points"}
_PARAM_FIELDS = ("value", "source", "locator", "note")
_SOURCE_FIELDS = (
    "kind", "evidence", "authors", "title", "container", "year", "volume",
    "pages", "doi", "url", "accessed", "version", "sections", "note",
)
_BOUNDS = ("[)", "(]", "[]", "()")
_RENAL_STATES = ("native", "ihd", "crrt")
_RENAL_COVARIATES = ("crcl_raw", "crcl_bsa_normalised")


# ---------------------------------------------------------------------------
# Generic helpers (public: reused by other loaders)
# ---------------------------------------------------------------------------

def models_dir():
    r"""Return the directory that holds the shipped model files.

    Returns
    -------
    path : pathlib.Path
        ``pkdose/_models`` in a built wheel, else the repository's ``models/``.

    Notes
    -----
    Hatchling's ``force-include`` copies the repository's ``models/`` into
    the wheel as ``pkdose/_models`` (``pyproject.toml``); an editable install
    reads the repository directory directly.

    Examples
    --------
    >>> (models_dir() / "pk").is_dir()
    True
    """
    return _models_dir()


@functools.lru_cache(maxsize=1)
def _models_dir():
    package = Path(__file__).resolve().parent.parent  # pkdose/
    wheel_dir = package / "_models"
    return wheel_dir if wheel_dir.is_dir() else package.parent / "models"


#: The ``root`` parameter of every loader, documented once: a loader's docstring says ``{root}``.
ROOT_DOC = ("root : str or pathlib.Path, optional\n"
            "        Models directory; defaults to :func:`pkdose.library.models_dir` [-].")


def documents_root(loader):
    """Write :data:`ROOT_DOC` where a loader's docstring says ``{root}``."""
    if loader.__doc__:  # None under python -OO
        loader.__doc__ = loader.__doc__.replace("{root}", ROOT_DOC)
    return loader


def model_file(root, *parts):
    r"""Path of a file in a models directory.

    Parameters
    ----------
    root : str or pathlib.Path or None
        Models directory; None: :func:`models_dir` [-].
    *parts : str
        Path below it, e.g. ``"regimens", "cefiderocol.toml"`` [-].

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> model_file(None, "crrt.toml").name
    'crrt.toml'
    """
    return Path(root or models_dir()).joinpath(*parts)


def read_model_file(path, *, keys=(), required=(), versions=SCHEMA_VERSIONS):
    r"""Read a model file and check its ``schema_version`` and top-level keys.

    Every loader starts here, so every file obeys the same rules: a known
    schema version and no unknown key at the top level.

    Parameters
    ----------
    path : str or pathlib.Path
        The file [-].
    keys : iterable of str, optional
        Top-level keys it may have besides ``schema_version`` [-].
    required : iterable of str, optional
        Top-level keys it must have [-].
    versions : tuple of int, optional
        Schema versions this kind of file accepts [-].

    Returns
    -------
    data : dict
        The parsed document.

    Raises
    ------
    ModelFileError
        Unreadable file, unknown schema version, unknown or missing key.

    Examples
    --------
    >>> sorted(read_model_file(model_file(None, "crrt.toml"), required=("effluent", "analyte")))
    ['analyte', 'effluent', 'schema_version']
    """
    data = read_toml(path)
    check_schema_version(data, path, versions=versions)
    check_keys(data, ("schema_version", *keys), path, "", required=required)
    return data


def tree_version(root):
    """The versions (path, mtime, size) of every TOML file under ``root``: equal while no file changed."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".toml"):
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except OSError:
                    continue
                out.append((dirpath, name, st.st_mtime_ns, st.st_size))
    return tuple(out)


def _fail(file, key_path, reason):
    """Raise the one ModelFileError format: file, key, reason."""
    raise ModelFileError(f"{file}: key '{key_path}': {reason}")


def read_toml(path):
    r"""Read a TOML file into a dict, turning every failure into a ModelFileError.

    Parameters
    ----------
    path : str or pathlib.Path
        File to read [-].

    Returns
    -------
    data : dict
        Parsed TOML document.

    Raises
    ------
    ModelFileError
        If the file is missing, is not a regular file (a directory, a device
        such as ``/dev/zero``, a pipe), is larger than :data:`MAX_FILE_BYTES`,
        nests tables or arrays deeper than :data:`MAX_NESTING`, or is not valid
        TOML.

    Notes
    -----
    This is the one reader of model files, shipped or the user's own: a file
    named on the command line or in a notebook is untrusted input, so it is
    opened without following it into a device, read to a bounded size and
    refused before a deep structure can exhaust the interpreter's stack.

    Examples
    --------
    >>> read_toml(models_dir() / "targets.toml")["schema_version"]
    1
    """
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise ModelFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    _check_regular(path, stat)
    # Parsed once per file version (path, mtime, size); callers get their own copy.
    return _copy_tree(_parse_toml(str(path), stat.st_mtime_ns, stat.st_size))


def _copy_tree(data):
    """Copy of parsed TOML: new dicts and lists, the immutable leaves (str, numbers, dates) shared."""
    if isinstance(data, dict):
        return {k: _copy_tree(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy_tree(v) for v in data]
    return data


#: Largest model file read [bytes]; the largest shipped file is about 30 kB.
MAX_FILE_BYTES = 1 << 20
#: Deepest nesting of tables and arrays accepted in a model file (the shipped files use 4).
MAX_NESTING = 12
#: Largest magnitude of a number in a model file: larger ones only overflow the engine.
MAX_MAGNITUDE = 1e6
#: Largest magnitude of a covariate exponent (published ones lie within ±2).
MAX_EXPONENT = 10.0


def _check_regular(path, stat):
    """Refuse anything but a regular file of at most MAX_FILE_BYTES."""
    if not S_ISREG(stat.st_mode):
        what = "a directory" if S_ISDIR(stat.st_mode) else "not a regular file (a device, pipe or socket)"
        raise ModelFileError(f"{path}: is {what}; give a .toml model file")
    if stat.st_size > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: {stat.st_size} bytes is larger than a model file can be "
                             f"({MAX_FILE_BYTES} bytes)")


def _read_bounded(path):
    """The bytes of a regular file, opened without blocking and read to at most MAX_FILE_BYTES."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ModelFileError(f"{path}: file not found") from None
    except OSError as exc:
        raise ModelFileError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from None
    with os.fdopen(fd, "rb") as fh:
        _check_regular(path, os.fstat(fh.fileno()))  # the file opened, not the name checked earlier
        raw = fh.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ModelFileError(f"{path}: larger than a model file can be ({MAX_FILE_BYTES} bytes)")
    return raw


def _nesting(data):
    """Depth of nested tables and arrays, counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_NESTING:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((v, depth + 1) for v in children if isinstance(v, (dict, list)))
    return deepest


@functools.lru_cache(maxsize=256)
def _parse_toml(path, mtime_ns, size):
    """Parse a TOML file; cached by :func:`read_toml` on the file's version."""
    raw = _read_bounded(path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise ModelFileError(f"{path}: tables or arrays nested too deeply (more than {MAX_NESTING} "
                             "levels)") from None
    if _nesting(data) > MAX_NESTING:
        raise ModelFileError(f"{path}: tables or arrays nested too deeply (more than {MAX_NESTING} levels)")
    return data


def check_schema_version(data, file, required=True, versions=SCHEMA_VERSIONS):
    r"""Check the top-level ``schema_version`` of a parsed file.

    Parameters
    ----------
    data : dict
        Parsed TOML document [-].
    file : str or pathlib.Path
        File name, for the error message [-].
    required : bool, optional
        Whether a missing ``schema_version`` is an error [-].
    versions : tuple of int, optional
        Versions this kind of file accepts; default :data:`SCHEMA_VERSIONS`
        (PK model files are at version 2) [-].

    Raises
    ------
    ModelFileError
        If the version is missing (when required) or not in ``versions``.
    """
    if "schema_version" not in data:
        if required:
            _fail(file, "schema_version", f"missing; use one of {versions}")
        return
    if data["schema_version"] not in versions:
        _fail(file, "schema_version",
              f"unknown version {data['schema_version']!r}; known: {versions}")


def check_keys(table, allowed, file, key_path, required=()):
    r"""Check that a table has no unknown key and every required key.

    Parameters
    ----------
    table : dict
        Table to check [-].
    allowed : iterable of str
        Keys that may appear (required keys are always allowed) [-].
    file : str or pathlib.Path
        File name, for the error message [-].
    key_path : str
        Dotted path of the table in the file, for the error message [-].
    required : iterable of str, optional
        Keys that must appear [-].

    Raises
    ------
    ModelFileError
        On the first unknown or missing key.
    """
    if not isinstance(table, dict):
        _fail(file, key_path, f"expected a table, got {type(table).__name__}")
    allowed = set(allowed) | set(required)
    for key in table:
        if key not in allowed:
            _fail(file, _join(key_path, key),
                  f"unknown key; allowed keys: {', '.join(sorted(allowed))}")
    for key in required:
        if key not in table:
            _fail(file, _join(key_path, key), "required key is missing")


def _table_list(value, file, key_path):
    """Return an array of tables, or fail naming the key."""
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        _fail(file, key_path, "expected an array of tables ([[...]])")
    return value


def _join(key_path, key):
    """Join a dotted key path."""
    return f"{key_path}.{key}" if key_path else str(key)


def unit_of(key, file, key_path):
    r"""Return the unit of a quantity key from its suffix.

    Parameters
    ----------
    key : str
        Quantity key, e.g. ``"cl_ref_l_per_h"`` [-].
    file, key_path
        The file and the dotted key path, for the error message (:func:`check_keys`) [-].

    Returns
    -------
    unit : str
        Unit string from :data:`UNIT_SUFFIXES` (``"1"`` for dimensionless).

    Raises
    ------
    ModelFileError
        If the key ends in no whitelisted suffix.

    Examples
    --------
    >>> unit_of("crcl_slope_per_ml_per_min", "f.toml", "k")
    '1/(mL/min)'
    >>> unit_of("cl_ref_l_per_h", "f.toml", "k")
    'L/h'
    """
    matches = [s for s in UNIT_SUFFIXES if key.endswith(s)]
    if not matches:
        _fail(file, key_path, "no known unit suffix; end the key in one of "
              + ", ".join(sorted(UNIT_SUFFIXES)))
    return UNIT_SUFFIXES[max(matches, key=len)]


def _check_number(value, file, key_path):
    """Return a finite float, or fail naming the key."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(file, key_path, f"expected a number, got {value!r}")
    if not math.isfinite(value):
        _fail(file, key_path, f"value must be finite, got {value!r}")
    if abs(value) > MAX_MAGNITUDE:
        _fail(file, key_path, f"{value:.3g} is not a plausible model number (at most {MAX_MAGNITUDE:g} in "
                              "magnitude; the shipped files stay below 1e5)")
    return float(value)


def _check_value_range(value, unit, key, file, key_path):
    """Check the physical range implied by the unit suffix."""
    if unit in _NONNEGATIVE_UNITS and value < 0:
        _fail(file, key_path, f"must be >= 0 [{unit}], got {value!r}")
    if key.endswith("_fraction") and not 0 <= value <= 1:
        _fail(file, key_path, f"a fraction must lie in [0, 1], got {value!r}")
    if key.endswith("_exponent") and not -MAX_EXPONENT <= value <= MAX_EXPONENT:
        _fail(file, key_path, f"a covariate exponent must lie in [-{MAX_EXPONENT:g}, {MAX_EXPONENT:g}], "
                              f"got {value!r}")
    if key.endswith("_shift") and not value > -1:
        _fail(file, key_path, f"a proportional shift (factor 1 + shift) must be > -1, got {value!r}")
    if key.endswith("_correlation") and not -1 <= value <= 1:
        _fail(file, key_path, f"a correlation must lie in [-1, 1], got {value!r}")


def check_source(key, sources, file, key_path):
    r"""Check that a source key resolves in the bibliography.

    Parameters
    ----------
    key : str
        Source key, e.g. ``"li2019"`` [-].
    sources : Mapping[str, Source]
        Bibliography from :func:`load_sources` [-].
    file, key_path
        The file and the dotted key path, for the error message (:func:`check_keys`) [-].

    Returns
    -------
    key : str
        The key, unchanged.

    Raises
    ------
    ModelFileError
        If the key is not a non-empty string or is not in ``sources``.
    """
    if not isinstance(key, str) or not key:
        _fail(file, key_path, f"source must be a non-empty string, got {key!r}")
    if key not in sources:
        _fail(file, key_path, f"source '{key}' is not in the bibliography "
              "(models/sources/*.toml)")
    return key


def read_citation(table, sources, file, key_path, *, default_source=None, note_required=False):
    r"""The citation of one cited entry: its ``source``, ``locator`` and ``note``.

    Parameters
    ----------
    table : dict
        The entry, with ``source`` (or a default), ``locator`` and an optional ``note`` [-].
    sources : Mapping[str, Source]
        Bibliography [-].
    file, key_path
        The file and the dotted key path, for the error message (:func:`check_keys`) [-].
    default_source : str, optional
        Source of an entry that names none (the file's source) [-].
    note_required : bool, optional
        Whether the entry must explain itself in a non-empty ``note`` [-].

    Returns
    -------
    source, locator, note : str
        The resolved source key, the locator and the note (``""`` if none).

    Raises
    ------
    ModelFileError
        Unresolved source, empty locator, or a required note missing.
    """
    source = check_source(table.get("source", default_source), sources, file, _join(key_path, "source"))
    locator = _text(table.get("locator"), file, _join(key_path, "locator"))
    note = _text(table.get("note", ""), file, _join(key_path, "note"), allow_empty=not note_required)
    return source, locator, note


def read_citations(value, sources, file, key_path, *, at_least_one=True):
    r"""A list of ``{source, locator}`` tables as ``(source, locator)`` pairs.

    Parameters
    ----------
    value : list of dict
        The list read from the file [-].
    sources : Mapping[str, Source]
        Bibliography [-].
    file, key_path
        The file and the dotted key path, for the error message (:func:`check_keys`) [-].
    at_least_one : bool, optional
        Whether an empty list is an error [-].

    Returns
    -------
    tuple of (str, str)

    Raises
    ------
    ModelFileError
        Not a list of tables, empty (when one is needed), an unknown key, an
        unresolved source or an empty locator.
    """
    if not isinstance(value, list) or (at_least_one and not value):
        _fail(file, key_path, "needs at least one {source, locator}" if at_least_one
              else "expected a list of {source, locator}")
    out = []
    for j, cite in enumerate(value):
        check_keys(cite, (), file, f"{key_path}[{j}]", required=("source", "locator"))
        out.append(read_citation(cite, sources, file, f"{key_path}[{j}]")[:2])
    return tuple(out)


@dataclass(frozen=True)
class Param:
    """One cited number.

    Every number read from ``models/`` is one, made by :func:`read_param`: the
    unit comes from the key's suffix, the source and locator from the file.

    Parameters
    ----------
    value : float
        The number, in ``unit`` [unit].
    unit : str
        Unit read from the key's suffix (``"1"`` if dimensionless) [-].
    source : str
        Bibliography key [-].
    locator : str
        Table, section or equation in the source [-].
    note : str
        Derivation, assumption or caveat [-].
    """

    value: float
    unit: str
    source: str
    locator: str
    note: str = ""


def read_param(table, *, name, default_source, sources, file, key_path):
    r"""Read and validate one ``{value, source, locator, note}`` parameter table.

    Parameters
    ----------
    table : dict
        The parameter's table from the TOML file [-].
    name : str
        Parameter key; its suffix gives the unit [-].
    default_source : str
        Source used when the table has no ``source`` (the file's source) [-].
    sources : Mapping[str, Source]
        Bibliography [-].
    file, key_path
        The file and the dotted key path, for the error message (:func:`check_keys`) [-].

    Returns
    -------
    param : Param
        Validated parameter.

    Raises
    ------
    ModelFileError
        Unknown key, missing value or locator, non-finite or out-of-range
        value, unknown unit suffix or unresolved source.
    """
    check_keys(table, _PARAM_FIELDS, file, key_path, required=("value", "locator"))
    unit = unit_of(name, file, key_path)
    value = _check_number(table["value"], file, _join(key_path, "value"))
    _check_value_range(value, unit, name, file, _join(key_path, "value"))
    source, locator, note = read_citation(table, sources, file, key_path, default_source=default_source)
    return Param(value=value, unit=unit, source=source, locator=locator, note=note)


def _text(value, file, key_path, allow_empty=False):
    """Return a string value, or fail naming the key."""
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        _fail(file, key_path, f"expected a non-empty string, got {value!r}")
    return value


def read_range(pair, file, key_path):
    r"""Read a ``[lo, hi]`` range in which only ``hi`` may be ``+inf``.

    Parameters
    ----------
    pair : list
        Two numbers from the TOML file [-].
    file, key_path
        The file and the dotted key path, for the error message (:func:`check_keys`) [-].

    Returns
    -------
    lo, hi : float
        Bounds with ``0 <= lo < hi <= inf`` [unit of the key].

    Raises
    ------
    ModelFileError
        Not two numbers, NaN, ``-inf``, ``+inf`` as the lower end, negative,
        or not increasing.
    """
    if not isinstance(pair, list) or len(pair) != 2:
        _fail(file, key_path, f"expected [lo, hi], got {pair!r}")
    lo = _check_number(pair[0], file, key_path + "[0]")
    hi = pair[1]
    if isinstance(hi, float) and math.isinf(hi) and hi > 0:
        hi = math.inf
    else:
        hi = _check_number(hi, file, key_path + "[1]")
    if lo < 0 or not lo < hi:
        _fail(file, key_path, f"need 0 <= lo < hi, got {pair!r}")
    return lo, hi


# ---------------------------------------------------------------------------
