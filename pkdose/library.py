r"""Load and validate the data files in ``models/``: PK models, targets, breakpoints, regimens, sources.

Data is not code (STYLE B1): every population-PK parameter, PD target, MIC
breakpoint, label regimen and bibliography entry lives in a TOML file under
``models/``, each number with its unit in its key, a source key and a locator.
This module reads those files with the standard-library :mod:`tomllib`,
checks them, and returns frozen dataclasses.  A malformed file raises
:class:`~pkdose.errors.ModelFileError` with one message that names the file,
the key and the reason.  The file formats are documented in
``models/README.md``.

Rules enforced for every file:

* ``schema_version`` is known (:data:`SCHEMA_VERSIONS`);
* no unknown key;
* every quantity key ends in a unit suffix of :data:`UNIT_SUFFIXES`;
* every number is finite (``+inf`` only as the upper end of a range);
* every ``source`` resolves in the bibliography (``models/sources/*.toml``);
* every parameter has a non-empty ``locator``;
* regimen ranges of one (jurisdiction, renal state, component) tile
  ``[0, +inf)`` with no gap and no overlap.

The small helpers :func:`read_toml`, :func:`check_schema_version`,
:func:`check_keys`, :func:`check_source`, :func:`unit_of`,
:func:`read_param` and :func:`read_range` are public so that other modules
(e.g. ``pkdose.guidelines``) load their own files with the same rules.

References
----------
.. [1] Python Software Foundation. tomllib: parse TOML files. Python 3.11
   standard library documentation. https://docs.python.org/3/library/tomllib.html
.. [2] Kawaguchi N, Katsube T, Echols R, Wajima T. Population pharmacokinetic
   and pharmacokinetic/pharmacodynamic analyses of cefiderocol, a parenteral
   siderophore cephalosporin, in patients with pneumonia, bloodstream
   infection/sepsis, or complicated urinary tract infection. Antimicrob Agents
   Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20
"""

import copy
import dataclasses
import functools
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .errors import InputError, ModelFileError, UnknownDrugError
from .sources import EVIDENCE_TIERS, KINDS, Source

__all__ = [
    "BSA_REF_M2",
    "SCHEMA_VERSIONS",
    "UNIT_SUFFIXES",
    "Param",
    "PKModel",
    "TargetComponent",
    "Target",
    "Breakpoint",
    "RegimenRow",
    "RegimenTable",
    "Product",
    "models_dir",
    "read_toml",
    "check_schema_version",
    "check_keys",
    "check_source",
    "unit_of",
    "read_param",
    "read_range",
    "load_sources",
    "load_pk_model",
    "available_pk_models",
    "load_targets",
    "load_breakpoints",
    "load_regimen_table",
    "available_products",
    "load_product",
]

#: Known values of the top-level ``schema_version`` key.
SCHEMA_VERSIONS = (1,)

#: Unit suffix of a quantity key -> unit.  The longest matching suffix wins,
#: so ``_per_ml_per_min`` is read before ``_ml_per_min`` and ``_l_per_h``
#: before ``_h``.  Dimensionless quantities: ``_fraction`` (0-1),
#: ``_percent``, ``_ratio`` (a multiplier), ``_exponent`` (a power),
#: ``_correlation`` (-1 to 1).
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
})

#: Body-surface area to which creatinine clearance is normalised [m2]
#: (Du Bois adult reference; the convention of Xie 2025 nCrCL).
BSA_REF_M2 = 1.73

_NONNEGATIVE_UNITS = {"mg", "h", "L", "L/h", "mL/min", "mg/L", "kg", "%"}
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

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, "Model-file location".

    Examples
    --------
    >>> (models_dir() / "pk").is_dir()
    True
    """
    package = Path(__file__).resolve().parent
    wheel_dir = package / "_models"
    return wheel_dir if wheel_dir.is_dir() else package.parent / "models"


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
        If the file is missing or is not valid TOML.

    References
    ----------
    .. [1] Python Software Foundation. tomllib: parse TOML files.
       https://docs.python.org/3/library/tomllib.html

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
    # Parsed once per file version (path, mtime, size); callers get their own copy.
    return copy.deepcopy(_parse_toml(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def _parse_toml(path, mtime_ns, size):
    """Parse a TOML file; cached by :func:`read_toml` on the file's version."""
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ModelFileError(f"{path}: file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: not valid TOML: {exc}") from None


def check_schema_version(data, file, required=True):
    r"""Check the top-level ``schema_version`` of a parsed file.

    Parameters
    ----------
    data : dict
        Parsed TOML document [-].
    file : str or pathlib.Path
        File name, for the error message [-].
    required : bool, optional
        Whether a missing ``schema_version`` is an error [-].

    Raises
    ------
    ModelFileError
        If the version is missing (when required) or not in
        :data:`SCHEMA_VERSIONS`.

    References
    ----------
    .. [1] pkdose style guide, STYLE B3 ("schema_version is known").
    """
    if "schema_version" not in data:
        if required:
            _fail(file, "schema_version", f"missing; use one of {SCHEMA_VERSIONS}")
        return
    if data["schema_version"] not in SCHEMA_VERSIONS:
        _fail(file, "schema_version",
              f"unknown version {data['schema_version']!r}; known: {SCHEMA_VERSIONS}")


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

    References
    ----------
    .. [1] pkdose style guide, STYLE B3 and B6.
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
    file : str or pathlib.Path
        File name, for the error message [-].
    key_path : str
        Dotted path of the key, for the error message [-].

    Returns
    -------
    unit : str
        Unit string from :data:`UNIT_SUFFIXES` (``"1"`` for dimensionless).

    Raises
    ------
    ModelFileError
        If the key ends in no whitelisted suffix.

    References
    ----------
    .. [1] pkdose style guide, STYLE B3 ("every quantity key ends in a
       whitelisted unit suffix") and B4.

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
    return float(value)


def _check_value_range(value, unit, key, file, key_path):
    """Check the physical range implied by the unit suffix."""
    if unit in _NONNEGATIVE_UNITS and value < 0:
        _fail(file, key_path, f"must be >= 0 [{unit}], got {value!r}")
    if key.endswith("_fraction") and not 0 <= value <= 1:
        _fail(file, key_path, f"a fraction must lie in [0, 1], got {value!r}")
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
    file : str or pathlib.Path
        File name, for the error message [-].
    key_path : str
        Dotted path of the ``source`` key, for the error message [-].

    Returns
    -------
    key : str
        The key, unchanged.

    Raises
    ------
    ModelFileError
        If the key is not a non-empty string or is not in ``sources``.

    References
    ----------
    .. [1] pkdose style guide, STYLE B3 ("every source resolves").
    """
    if not isinstance(key, str) or not key:
        _fail(file, key_path, f"source must be a non-empty string, got {key!r}")
    if key not in sources:
        _fail(file, key_path, f"source '{key}' is not in the bibliography "
              "(models/sources/*.toml)")
    return key


@dataclass(frozen=True)
class Param:
    """One cited number.

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
    file : str or pathlib.Path
        File name, for the error message [-].
    key_path : str
        Dotted path of the parameter, for the error message [-].

    Returns
    -------
    param : Param
        Validated parameter.

    Raises
    ------
    ModelFileError
        Unknown key, missing value or locator, non-finite or out-of-range
        value, unknown unit suffix or unresolved source.

    References
    ----------
    .. [1] pkdose style guide, STYLE B1 ("every number has a source and a
       locator") and B3.
    """
    check_keys(table, _PARAM_FIELDS, file, key_path, required=("value", "locator"))
    unit = unit_of(name, file, key_path)
    value = _check_number(table["value"], file, _join(key_path, "value"))
    _check_value_range(value, unit, name, file, _join(key_path, "value"))
    source = check_source(table.get("source", default_source), sources, file,
                          _join(key_path, "source"))
    locator = _text(table["locator"], file, _join(key_path, "locator"))
    note = _text(table.get("note", ""), file, _join(key_path, "note"), allow_empty=True)
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
    file : str or pathlib.Path
        File name, for the error message [-].
    key_path : str
        Dotted path of the range, for the error message [-].

    Returns
    -------
    lo, hi : float
        Bounds with ``0 <= lo < hi <= inf`` [unit of the key].

    Raises
    ------
    ModelFileError
        Not two numbers, NaN, ``-inf``, ``+inf`` as the lower end, negative,
        or not increasing.

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, "Regimen tables".
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
# Bibliography
# ---------------------------------------------------------------------------

def _read_source(key, table, file):
    """Validate one bibliography table and return a Source."""
    check_keys(table, _SOURCE_FIELDS, file, key,
               required=("kind", "evidence", "title", "year"))
    if table["kind"] not in KINDS:
        _fail(file, f"{key}.kind", f"unknown kind {table['kind']!r}; use one of {KINDS}")
    if table["evidence"] not in EVIDENCE_TIERS:
        _fail(file, f"{key}.evidence",
              f"unknown evidence tier {table['evidence']!r}; use one of {EVIDENCE_TIERS}")
    if not isinstance(table["year"], int) or isinstance(table["year"], bool):
        _fail(file, f"{key}.year", f"expected an integer year, got {table['year']!r}")
    if not (table.get("doi") or table.get("url")):
        _fail(file, key, "needs a 'doi', or a 'url' with 'accessed'")
    if table.get("url") and not table.get("doi") and not table.get("accessed"):
        _fail(file, f"{key}.accessed", "a 'url' needs the date it was 'accessed'")
    return _make_source(key, table)


def _make_source(key, table):
    """Build the Source dataclass from a validated table."""
    text = {k: str(table.get(k, "")) for k in
            ("container", "volume", "pages", "doi", "url", "accessed", "version", "note")}
    return Source(key=key, kind=table["kind"], evidence=table["evidence"],
                  title=str(table["title"]), year=table["year"],
                  authors=tuple(table.get("authors", ())),
                  sections=tuple(table.get("sections", ())), **text)


def _read_source_tables(data, file, into):
    """Add every source table of a parsed file to ``into`` (no duplicates)."""
    for key, table in data.items():
        if key == "schema_version":
            continue
        if key in into:
            _fail(file, key, "source key defined twice in the bibliography")
        into[key] = _read_source(key, table, file)


def load_sources(root=None):
    r"""Load the whole bibliography from ``models/sources/*.toml``.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    sources : Mapping[str, Source]
        Read-only mapping from key to :class:`~pkdose.sources.Source`.

    Raises
    ------
    ModelFileError
        Malformed entry, unknown field, or a key defined twice (all files
        share one key space).

    Notes
    -----
    ``schema_version`` is optional in bibliography files (one table per key
    plus, optionally, ``schema_version = 1``).

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, "Bibliography".

    Examples
    --------
    >>> load_sources()["li2019"].year
    2019
    """
    directory = Path(root or models_dir()) / "sources"
    sources = {}
    for path in sorted(directory.glob("*.toml")):
        data = read_toml(path)
        check_schema_version(data, path, required=False)
        _read_source_tables(data, path, sources)
    return MappingProxyType(sources)


# ---------------------------------------------------------------------------
# Population-PK models
# ---------------------------------------------------------------------------

_PK_HEADER_REQUIRED = (
    "schema_version", "analyte", "structure", "source", "population",
    "renal_covariate", "reduction", "typical_patient", "parameters",
)
_PK_HEADER_OPTIONAL = ("note", "correlated_with", "alternatives", "sources")
_PK_STRUCTURES = ("one_compartment_iv_infusion",)
_PK_PARAMS_REQUIRED = (
    "cl_ref_l_per_h", "crcl_ref_ml_per_min", "crcl_breakpoint_ml_per_min",
    "crcl_exponent", "crcl_slope_above_breakpoint_per_ml_per_min",
    "cl_site_ratio", "wt_ref_kg", "cl_wt_exponent",
    "v_weight_scaled_l", "v_fixed_l", "v_wt_exponent",
    "fu_fraction", "cl_cv_percent", "v_cv_percent",
    "hd_removed_fraction", "hd_session_h", "crrt_sieving_fraction",
)
_PK_PARAMS_OPTIONAL = (
    "esrd_cl_ratio", "esrd_crcl_max_ml_per_min", "cl_floor_l_per_h", "hd_cl_l_per_h",
    "partner_cl_correlation", "partner_v_correlation",
    "crcl_min_observed_ml_per_min", "crcl_max_observed_ml_per_min",
)
_PK_PARAM_PAIRS = (
    ("esrd_cl_ratio", "esrd_crcl_max_ml_per_min"),
    ("partner_cl_correlation", "partner_v_correlation"),
)


@dataclass(frozen=True)
class PKModel:
    r"""A published population-PK model reduced to one compartment.

    Parameters
    ----------
    analyte : str
        Drug whose concentration the model predicts [-].
    key : str
        Model key, the file stem ``<analyte>_<sourcekey>`` [-].
    source : str
        Bibliography key of the publication [-].
    path : pathlib.Path
        File the model was read from [-].
    params : Mapping[str, Param]
        Parameters used by :meth:`clearance_l_per_h` and :meth:`volume_l` [-].
    alternatives : Mapping[str, Param]
        Published or assumed values *not* used by default, kept visible [-].
    renal_covariate : str
        ``"crcl_raw"`` (Cockcroft-Gault mL/min) or ``"crcl_bsa_normalised"``
        (mL/min/1.73 m2) [-].
    population, reduction, typical_patient, note : str
        Free-text documentation from the file header [-].
    correlated_with : str
        Key of the model whose between-subject CL and V this model's are
        correlated with (``partner_*_correlation``), or ``""`` [-].
    bibliography : Mapping[str, Source]
        Sources the file was validated against [-].

    Notes
    -----
    Typical clearance (every model, see ``models/README.md``):

    .. math::

        CL = CL_{ref}\, f_{site} \left(\frac{WT}{WT_{ref}}\right)^{e_{WT}}
             \left(\frac{\min(x, x_{bp})}{x_{ref}}\right)^{e}
             \bigl(1 + s \max(x - x_{bp}, 0)\bigr)

    with :math:`x` the raw Cockcroft-Gault CrCL or
    :math:`x = CrCL \cdot 1.73 / BSA`.  Where the file has an ESRD rule the
    renal factor is replaced by ``esrd_cl_ratio`` at raw
    :math:`CrCL \le` ``esrd_crcl_max_ml_per_min`` or when ``esrd=True``;
    a declared ``cl_floor_l_per_h`` bounds CL from below.  Volume:
    :math:`V = V_{scaled} (WT/WT_{ref})^{e_V} + V_{fixed}`, the published
    steady-state volume (sum of compartments) at the typical patient.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20
       (the general form covers its capped power model, Table 2 footnote b).
    """

    analyte: str
    key: str
    source: str
    path: Path
    params: object
    alternatives: object
    renal_covariate: str
    population: str = ""
    reduction: str = ""
    typical_patient: str = ""
    note: str = ""
    correlated_with: str = ""
    bibliography: object = field(default_factory=lambda: MappingProxyType({}), repr=False)

    def value(self, name):
        r"""Return the value of one parameter.

        Parameters
        ----------
        name : str
            Parameter key, e.g. ``"fu_fraction"`` [-].

        Returns
        -------
        value : float
            Parameter value in the unit of its suffix.

        References
        ----------
        .. [1] ``models/README.md``, "PK model files".
        """
        return self.params[name].value

    @property
    def fu_fraction(self):
        """Unbound fraction in plasma used for fT>MIC [-]."""
        return self.value("fu_fraction")

    @property
    def cl_cv_percent(self):
        """Between-subject CV of CL, log-normal, sqrt(exp(omega^2)-1) [%]."""
        return self.value("cl_cv_percent")

    @property
    def v_cv_percent(self):
        """Between-subject CV of V, log-normal [%]."""
        return self.value("v_cv_percent")

    @property
    def cl_omega(self):
        """Standard deviation of log CL, sqrt(ln(1 + CV^2)) [-]."""
        return math.sqrt(math.log1p((self.cl_cv_percent / 100.0) ** 2))

    @property
    def v_omega(self):
        """Standard deviation of log V, sqrt(ln(1 + CV^2)) [-]."""
        return math.sqrt(math.log1p((self.v_cv_percent / 100.0) ** 2))

    @property
    def hd_fraction_removed(self):
        """Published fraction of drug removed by one haemodialysis session [-]."""
        return self.value("hd_removed_fraction")

    @property
    def hd_session_h(self):
        """Length of the session ``hd_fraction_removed`` refers to [h]."""
        return self.value("hd_session_h")

    @property
    def hd_cl_l_per_h(self):
        """Measured dialyser clearance when the file gives one, else None [L/h]."""
        return self.value("hd_cl_l_per_h") if "hd_cl_l_per_h" in self.params else None

    @property
    def crrt_sieving_fraction(self):
        """Sieving/saturation coefficient: CL_CRRT = coefficient x effluent [-]."""
        return self.value("crrt_sieving_fraction")

    def clearance_l_per_h(self, crcl_ml_per_min, *, weight_kg=None, bsa_m2=None,
                          esrd=False):
        r"""Typical total clearance for a creatinine clearance; broadcasts.

        Parameters
        ----------
        crcl_ml_per_min : array_like
            Cockcroft-Gault creatinine clearance, raw (not indexed) [mL/min].
        weight_kg : array_like, optional
            Body weight; default the model's reference weight [kg].
        bsa_m2 : array_like, optional
            Body-surface area, used only by BSA-normalised models; default
            1.73 (CrCL used as if already indexed) [m2].
        esrd : bool or array_like of bool, optional
            Apply the model's ESRD rule regardless of CrCL (e.g. patients on
            dialysis between sessions); no effect for models without one [-].

        Returns
        -------
        cl_l_per_h : numpy.ndarray
            Typical clearance, broadcast shape of the inputs [L/h].

        Raises
        ------
        InputError
            Negative or non-finite CrCL, non-positive weight or BSA, or
            shapes that do not broadcast.

        Notes
        -----
        See the class Notes for the equation.  ESRD thresholds always refer
        to raw CrCL, also in BSA-normalised models.

        References
        ----------
        .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci.
           2019;12(2):151-163. doi:10.1111/cts.12585 (Table 1, Data S1).

        Examples
        --------
        From Li 2019, Table 1: ceftazidime CL is 6.95 L/h at CrCL 97.1 mL/min
        (the typical nosocomial-pneumonia factor 0.999 applies):

        >>> m = load_pk_model("ceftazidime")
        >>> round(float(m.clearance_l_per_h(97.0535)), 2)
        6.94
        >>> m.clearance_l_per_h([30.0, 60.0]).shape
        (2,)
        """
        crcl, wt, bsa, esrd = self._inputs(crcl_ml_per_min, weight_kg, bsa_m2, esrd)
        marker = crcl * (BSA_REF_M2 / bsa) if self._normalised else crcl
        scale = (self.value("cl_ref_l_per_h") * self.value("cl_site_ratio")
                 * (wt / self.value("wt_ref_kg")) ** self.value("cl_wt_exponent"))
        cl = scale * self._renal_factor(marker)
        if "esrd_cl_ratio" in self.params:
            is_esrd = esrd | (crcl <= self.value("esrd_crcl_max_ml_per_min"))
            cl = np.where(is_esrd, scale * self.value("esrd_cl_ratio"), cl)
        if "cl_floor_l_per_h" in self.params:
            cl = np.maximum(cl, self.value("cl_floor_l_per_h"))
        return np.asarray(cl, dtype=float)

    def volume_l(self, *, weight_kg=None):
        r"""Typical one-compartment volume (published Vss); broadcasts.

        Parameters
        ----------
        weight_kg : array_like, optional
            Body weight; default the model's reference weight [kg].

        Returns
        -------
        v_l : numpy.ndarray
            Typical volume of distribution [L].

        Raises
        ------
        InputError
            Non-positive or non-finite weight.

        References
        ----------
        .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci.
           2019;12(2):151-163. doi:10.1111/cts.12585 (Table 1: Vc, Vp).

        Examples
        --------
        From Li 2019, Table 1 (Vc 10.5 L x 1.14 for pneumonia, plus Vp 7.57 L):

        >>> round(float(load_pk_model("ceftazidime").volume_l()), 2)
        19.54
        """
        wt = self._weight(weight_kg)
        scaled = self.value("v_weight_scaled_l") * (
            wt / self.value("wt_ref_kg")) ** self.value("v_wt_exponent")
        return np.asarray(scaled + self.value("v_fixed_l"), dtype=float)

    def half_life_h(self, crcl_ml_per_min, *, weight_kg=None, bsa_m2=None, esrd=False):
        r"""Typical elimination half-life, ln 2 x V / CL; broadcasts.

        Parameters
        ----------
        crcl_ml_per_min : array_like
            Cockcroft-Gault creatinine clearance, raw [mL/min].
        weight_kg : array_like, optional
            Body weight [kg].
        bsa_m2 : array_like, optional
            Body-surface area (BSA-normalised models only) [m2].
        esrd : bool or array_like of bool, optional
            Force the ESRD rule [-].

        Returns
        -------
        t_half_h : numpy.ndarray
            Half-life of the one-compartment reduction [h].

        References
        ----------
        .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and
           Pharmacodynamics. 4th ed. Lippincott Williams & Wilkins; 2011.
           Chapter 3.
        """
        cl = self.clearance_l_per_h(crcl_ml_per_min, weight_kg=weight_kg,
                                    bsa_m2=bsa_m2, esrd=esrd)
        return math.log(2.0) * self.volume_l(weight_kg=weight_kg) / cl

    def with_alternative(self, name, alternative):
        r"""Return a copy in which one parameter takes an alternative's value.

        Parameters
        ----------
        name : str
            Parameter to replace, e.g. ``"fu_fraction"`` [-].
        alternative : str
            Key in :attr:`alternatives`, e.g. ``"fu_label_fraction"`` [-].

        Returns
        -------
        model : PKModel
            New model; the original is unchanged.

        Raises
        ------
        InputError
            Unknown parameter or alternative, or units that differ.

        References
        ----------
        .. [1] ``models/README.md``, "Alternatives".

        Examples
        --------
        >>> m = load_pk_model("ceftazidime")
        >>> m.with_alternative("cl_site_ratio", "cl_site_ciai_ratio").value("cl_site_ratio")
        1.16
        """
        if name not in self.params:
            raise InputError(f"{self.key} has no parameter {name!r}; parameters: "
                             f"{', '.join(sorted(self.params))}")
        if alternative not in self.alternatives:
            raise InputError(f"{self.key} has no alternative {alternative!r}; "
                             f"alternatives: {', '.join(sorted(self.alternatives))}")
        alt = self.alternatives[alternative]
        if alt.unit != self.params[name].unit:
            raise InputError(f"alternative {alternative!r} is in {alt.unit}, "
                             f"parameter {name!r} in {self.params[name].unit}")
        params = dict(self.params, **{name: alt})
        return dataclasses.replace(self, params=MappingProxyType(params))

    def cite(self):
        r"""Return every source the model's parameters cite, the model's own first.

        Returns
        -------
        sources : list of Source
            Distinct bibliography entries.

        References
        ----------
        .. [1] pkdose style guide, STYLE B1 ("every number has a source").
        """
        keys = [self.source] + [p.source for p in self.params.values()]
        keys += [p.source for p in self.alternatives.values()]
        unique = list(dict.fromkeys(keys))
        return [self.bibliography[k] for k in unique if k in self.bibliography]

    @property
    def _normalised(self):
        return self.renal_covariate == "crcl_bsa_normalised"

    def _renal_factor(self, marker):
        """Capped power below the breakpoint times a linear rise above it."""
        bp = self.value("crcl_breakpoint_ml_per_min")
        below = (np.minimum(marker, bp) / self.value("crcl_ref_ml_per_min")) ** self.value(
            "crcl_exponent")
        slope = self.value("crcl_slope_above_breakpoint_per_ml_per_min")
        return below * (1.0 + slope * np.maximum(marker - bp, 0.0))

    def _weight(self, weight_kg):
        if weight_kg is None:
            return np.asarray(self.value("wt_ref_kg"))
        return _positive_array("weight_kg", weight_kg, "kg")

    def _inputs(self, crcl_ml_per_min, weight_kg, bsa_m2, esrd):
        crcl = _array("crcl_ml_per_min", crcl_ml_per_min, "mL/min")
        if np.any(crcl < 0):
            raise InputError(f"crcl_ml_per_min must be >= 0 [mL/min], got {crcl_ml_per_min!r}")
        wt = self._weight(weight_kg)
        bsa = (np.asarray(BSA_REF_M2) if bsa_m2 is None
               else _positive_array("bsa_m2", bsa_m2, "m2"))
        try:
            return np.broadcast_arrays(crcl, wt, bsa, np.asarray(esrd, dtype=bool))
        except ValueError:
            raise InputError("crcl_ml_per_min, weight_kg, bsa_m2 and esrd must "
                             "broadcast to one shape") from None


def _array(name, value, unit):
    """Float array of finite values, or InputError naming the argument."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric [{unit}], got {value!r}") from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite [{unit}], got {value!r}")
    return arr


def _positive_array(name, value, unit):
    arr = _array(name, value, unit)
    if np.any(arr <= 0):
        raise InputError(f"{name} must be > 0 [{unit}], got {value!r}")
    return arr


def _pk_candidates(root):
    return sorted((Path(root or models_dir()) / "pk").glob("*_*.toml"))


def available_pk_models(root=None):
    r"""List the shipped PK model keys (``<analyte>_<sourcekey>``).

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    keys : list of str
        Sorted model keys.

    References
    ----------
    .. [1] ``models/README.md``, "PK model files".

    Examples
    --------
    >>> "cefiderocol_kawaguchi2021" in available_pk_models()
    True
    """
    return [p.stem for p in _pk_candidates(root)]


def _find_pk_path(analyte, source, root):
    """Resolve an analyte name (and optional source key) to one file."""
    files = [p for p in _pk_candidates(root) if p.stem.split("_", 1)[0] == analyte]
    if not files:
        known = sorted({p.stem.split("_", 1)[0] for p in _pk_candidates(root)})
        raise UnknownDrugError(f"no PK model for analyte {analyte!r}; known analytes: "
                               f"{', '.join(known)}; or pass the path of a model file")
    if source is not None:
        files = [p for p in files if p.stem.split("_", 1)[1] == source]
    if len(files) != 1:
        options = ", ".join(p.stem.split("_", 1)[1] for p in _pk_candidates(root)
                            if p.stem.split("_", 1)[0] == analyte)
        raise InputError(f"analyte {analyte!r} with source={source!r} matches "
                         f"{len(files)} models; pass source= one of: {options}")
    return files[0]


def _looks_like_path(value):
    text = str(value)
    return isinstance(value, Path) or text.endswith(".toml") or "/" in text or "\\" in text


def load_pk_model(analyte_or_path, *, source=None, root=None):
    r"""Load and validate one population-PK model file.

    Parameters
    ----------
    analyte_or_path : str or pathlib.Path
        An analyte name (``"cefiderocol"``) or the path of a model file,
        e.g. your own model written as described in ``models/README.md`` [-].
    source : str, optional
        Source key choosing among several models of one analyte, e.g.
        ``"li2019"`` or ``"xie2025"`` for avibactam [-].
    root : str or pathlib.Path, optional
        Models directory (bibliography and shipped models); defaults to
        :func:`models_dir` [-].

    Returns
    -------
    model : PKModel
        The validated model.

    Raises
    ------
    UnknownDrugError
        No model for the analyte (the message lists the known ones).
    InputError
        Several models match and ``source`` does not choose one.
    ModelFileError
        The file breaks a rule (unknown key, missing or unresolved source,
        missing locator, non-finite value, wrong unit suffix, unknown
        ``schema_version``).

    Notes
    -----
    A user file may carry its own ``[sources.<key>]`` tables; they join the
    shipped bibliography for that file only.

    References
    ----------
    .. [1] ``models/README.md``, "Adding or loading your own model".

    Examples
    --------
    >>> load_pk_model("avibactam", source="li2019").key
    'avibactam_li2019'
    """
    if _looks_like_path(analyte_or_path):
        path = Path(analyte_or_path)
    else:
        path = _find_pk_path(str(analyte_or_path), source, root)
    return _read_pk_file(path, load_sources(root))


def _read_pk_file(path, sources):
    """Parse and validate a PK model file."""
    data = read_toml(path)
    check_schema_version(data, path)
    check_keys(data, _PK_HEADER_OPTIONAL, path, "", required=_PK_HEADER_REQUIRED)
    sources = _with_inline_sources(data, sources, path)
    header = _pk_header(data, sources, path)
    params = _read_param_tables(data["parameters"], header["source"], sources, path,
                                "parameters")
    _check_pk_param_names(params, data, path)
    alternatives = _read_param_tables(data.get("alternatives", {}), header["source"],
                                      sources, path, "alternatives")
    return PKModel(key=path.stem, path=path, params=MappingProxyType(params),
                   alternatives=MappingProxyType(alternatives),
                   bibliography=sources, **header)


def _with_inline_sources(data, sources, path):
    """Merge a file's own ``[sources]`` tables into the bibliography."""
    if "sources" not in data:
        return sources
    merged = dict(sources)
    _read_source_tables(data["sources"], path, merged)
    return MappingProxyType(merged)


def _pk_header(data, sources, path):
    """Validate the text header of a PK file."""
    if data["structure"] not in _PK_STRUCTURES:
        _fail(path, "structure", f"unknown structure {data['structure']!r}; "
              f"supported: {_PK_STRUCTURES}")
    if data["renal_covariate"] not in _RENAL_COVARIATES:
        _fail(path, "renal_covariate", f"unknown value {data['renal_covariate']!r}; "
              f"use one of {_RENAL_COVARIATES}")
    text_keys = ("analyte", "population", "reduction", "typical_patient")
    header = {k: _text(data[k], path, k) for k in text_keys}
    header["note"] = _text(data.get("note", ""), path, "note", allow_empty=True)
    header["correlated_with"] = _text(data.get("correlated_with", ""), path,
                                      "correlated_with", allow_empty=True)
    header["source"] = check_source(data["source"], sources, path, "source")
    header["renal_covariate"] = data["renal_covariate"]
    return header


def _read_param_tables(tables, default_source, sources, path, key_path):
    """Read every ``[<key_path>.<name>]`` parameter table."""
    check_keys(tables, tables.keys() if isinstance(tables, dict) else (), path, key_path)
    return {name: read_param(table, name=name, default_source=default_source,
                             sources=sources, file=path, key_path=_join(key_path, name))
            for name, table in tables.items()}


def _check_pk_param_names(params, data, path):
    """Required, optional and paired parameters of a PK file."""
    allowed = set(_PK_PARAMS_REQUIRED) | set(_PK_PARAMS_OPTIONAL)
    check_keys(params, allowed, path, "parameters", required=_PK_PARAMS_REQUIRED)
    for first, second in _PK_PARAM_PAIRS:
        if (first in params) != (second in params):
            missing = second if first in params else first
            _fail(path, f"parameters.{missing}", f"'{first}' and '{second}' go together")
    if "partner_cl_correlation" in params and not data.get("correlated_with"):
        _fail(path, "correlated_with", "partner correlations need the partner model key")


# ---------------------------------------------------------------------------
# PD targets and MIC breakpoints (models/targets.toml)
# ---------------------------------------------------------------------------

_METRICS = ("ft_above_mic", "ft_above_threshold")
_COMPONENT_KEYS = ("analyte", "metric", "ft_percent", "threshold_mg_per_l", "source",
                   "locator", "note", "alternatives")
_PRODUCT_KEYS = ("display_name", "mic_analyte", "pk_models", "component", "note", "breakpoint_from")
_BREAKPOINT_STATUSES = ("breakpoint", "insufficient_evidence", "none")
_BREAKPOINT_KEYS = ("product", "organism", "body", "status", "s_le_mg_per_l",
                    "r_gt_mg_per_l", "r_ge_mg_per_l", "inhibitor_fixed_mg_per_l",
                    "source", "locator", "note")


@dataclass(frozen=True)
class TargetComponent:
    """One PK/PD target that must be met (joint targets: all of them).

    Parameters
    ----------
    analyte : str
        Drug whose free concentration is compared [-].
    metric : str
        ``"ft_above_mic"`` (free drug above the isolate's MIC) or
        ``"ft_above_threshold"`` (free drug above a fixed concentration) [-].
    ft_percent : float
        Required percentage of the dosing interval above the threshold [%].
    threshold_mg_per_l : float or None
        Fixed free-concentration threshold (``ft_above_threshold`` only) [mg/L].
    source, locator, note : str
        Citation of the target [-].
    alternatives : Mapping[str, Param]
        Alternative values not used by default, e.g. another threshold [-].
    """

    analyte: str
    metric: str
    ft_percent: float
    threshold_mg_per_l: object
    source: str
    locator: str
    note: str = ""
    alternatives: object = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Target:
    """The PD target of one product (keyed by its CLI name).

    Parameters
    ----------
    product : str
        CLI name, e.g. ``"aztreonam-avibactam"`` [-].
    display_name : str
        Name for output [-].
    mic_analyte : str
        The analyte whose MIC the pharmacist enters (the beta-lactam that
        counts against the organism) [-].
    components : tuple of TargetComponent
        Targets that must all be met [-].
    pk_models : Mapping[str, str]
        Analyte -> source key of the default PK model for this product [-].
    note : str
        Rationale and caveats [-].
    breakpoint_from : str
        Product whose breakpoints apply when this one has none of its own
        (the CZA + aztreonam combination reads aztreonam-avibactam's) [-].
    """

    product: str
    display_name: str
    mic_analyte: str
    components: tuple
    pk_models: object
    note: str = ""
    breakpoint_from: str = ""


@dataclass(frozen=True)
class Breakpoint:
    """One MIC breakpoint row (EUCAST "S <= / R >", CLSI "S <= / R >=").

    Parameters
    ----------
    product : str
        CLI product name [-].
    organism : str
        ``"Enterobacterales"`` or ``"Pseudomonas aeruginosa"`` [-].
    body : str
        ``"EUCAST"``, ``"CLSI"`` or ``"FDA"`` [-].
    status : str
        ``"breakpoint"``, ``"insufficient_evidence"`` or ``"none"`` [-].
    s_le_mg_per_l : float or None
        Susceptible if MIC <= this [mg/L].
    r_gt_mg_per_l : float or None
        Resistant if MIC > this (EUCAST form) [mg/L].
    r_ge_mg_per_l : float or None
        Resistant if MIC >= this (CLSI/FDA form) [mg/L].
    inhibitor_fixed_mg_per_l : float or None
        Fixed inhibitor concentration of the test (avibactam 4 mg/L) [mg/L].
    source, locator, note : str
        Citation (document version and table) [-].
    """

    product: str
    organism: str
    body: str
    status: str
    s_le_mg_per_l: object
    r_gt_mg_per_l: object
    r_ge_mg_per_l: object
    inhibitor_fixed_mg_per_l: object
    source: str
    locator: str
    note: str = ""

    def category(self, mic_mg_per_l):
        r"""Interpret an MIC as ``"S"``, ``"I"`` or ``"R"``.

        Parameters
        ----------
        mic_mg_per_l : float
            Minimum inhibitory concentration of the isolate [mg/L].

        Returns
        -------
        category : str
            ``"S"``, ``"I"`` (EUCAST: susceptible, increased exposure) or ``"R"``.

        Raises
        ------
        InputError
            If the row has no breakpoint (status other than ``"breakpoint"``).

        References
        ----------
        .. [1] EUCAST. Breakpoint tables for interpretation of MICs and zone
           diameters. Version 15.0; 2025. https://www.eucast.org/

        Examples
        --------
        >>> bp = Breakpoint("x", "Enterobacterales", "CLSI", "breakpoint",
        ...                 4.0, None, 16.0, None, "clsi-m100", "Table 2A")
        >>> [bp.category(m) for m in (4, 8, 16)]
        ['S', 'I', 'R']
        """
        if self.status != "breakpoint":
            raise InputError(f"{self.body} has no {self.product} breakpoint for "
                             f"{self.organism} (status {self.status!r})")
        if mic_mg_per_l <= self.s_le_mg_per_l:
            return "S"
        resistant = (mic_mg_per_l > self.r_gt_mg_per_l if self.r_gt_mg_per_l is not None
                     else mic_mg_per_l >= self.r_ge_mg_per_l)
        return "R" if resistant else "I"


def _targets_data(root):
    path = Path(root or models_dir()) / "targets.toml"
    data = read_toml(path)
    check_schema_version(data, path)
    check_keys(data, ("products", "breakpoint"), path, "",
               required=("schema_version", "products"))
    return path, data


def _read_component(table, sources, path, key_path):
    """Validate one ``[[products.<p>.component]]`` table."""
    check_keys(table, _COMPONENT_KEYS, path, key_path,
               required=("analyte", "metric", "ft_percent", "source", "locator"))
    if table["metric"] not in _METRICS:
        _fail(path, f"{key_path}.metric", f"unknown metric {table['metric']!r}; use {_METRICS}")
    needs_threshold = table["metric"] == "ft_above_threshold"
    if needs_threshold != ("threshold_mg_per_l" in table):
        _fail(path, f"{key_path}.threshold_mg_per_l",
              "required for ft_above_threshold and only there")
    ft = _check_number(table["ft_percent"], path, f"{key_path}.ft_percent")
    if not 0 < ft <= 100:
        _fail(path, f"{key_path}.ft_percent", f"must lie in (0, 100] [%], got {ft!r}")
    threshold = None
    if needs_threshold:
        threshold = _check_number(table["threshold_mg_per_l"], path,
                                  f"{key_path}.threshold_mg_per_l")
    source = check_source(table["source"], sources, path, f"{key_path}.source")
    alts = _read_param_tables(table.get("alternatives", {}), source, sources, path,
                              f"{key_path}.alternatives")
    return TargetComponent(
        analyte=_text(table["analyte"], path, f"{key_path}.analyte"),
        metric=table["metric"], ft_percent=ft, threshold_mg_per_l=threshold,
        source=source, locator=_text(table["locator"], path, f"{key_path}.locator"),
        note=_text(table.get("note", ""), path, f"{key_path}.note", allow_empty=True),
        alternatives=MappingProxyType(alts))


def _read_product_target(name, table, sources, path, root):
    """Validate one ``[products.<name>]`` table."""
    key_path = f"products.{name}"
    check_keys(table, _PRODUCT_KEYS, path, key_path,
               required=("display_name", "mic_analyte", "pk_models", "component"))
    pk_models = _read_pk_model_map(table["pk_models"], path, f"{key_path}.pk_models", root)
    rows = _table_list(table["component"], path, f"{key_path}.component")
    components = tuple(_read_component(c, sources, path, f"{key_path}.component[{i}]")
                       for i, c in enumerate(rows))
    for i, comp in enumerate(components):
        if comp.analyte not in pk_models:
            _fail(path, f"{key_path}.component[{i}].analyte",
                  f"{comp.analyte!r} has no entry in pk_models")
    if table["mic_analyte"] not in pk_models:
        _fail(path, f"{key_path}.mic_analyte", f"{table['mic_analyte']!r} not in pk_models")
    return Target(product=name, display_name=table["display_name"],
                  mic_analyte=table["mic_analyte"], components=components,
                  pk_models=MappingProxyType(pk_models),
                  note=_text(table.get("note", ""), path, f"{key_path}.note", allow_empty=True),
                  breakpoint_from=_text(table.get("breakpoint_from", ""), path,
                                        f"{key_path}.breakpoint_from", allow_empty=True))


def _read_pk_model_map(table, path, key_path, root):
    """``{analyte = "sourcekey"}``; each pair must name a shipped PK file."""
    check_keys(table, table.keys() if isinstance(table, dict) else (), path, key_path)
    shipped = set(available_pk_models(root))
    for analyte, source in table.items():
        if f"{analyte}_{source}" not in shipped:
            _fail(path, f"{key_path}.{analyte}",
                  f"no PK model file models/pk/{analyte}_{source}.toml")
    return dict(table)


def load_targets(root=None):
    r"""Load the PD targets of every product from ``models/targets.toml``.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    targets : Mapping[str, Target]
        Product CLI name -> :class:`Target`.

    Raises
    ------
    ModelFileError
        Any rule of the file format is broken.

    References
    ----------
    .. [1] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents
       Chemother. 2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (joint
       aztreonam-avibactam target).

    Examples
    --------
    >>> t = load_targets()["aztreonam-avibactam"]
    >>> [(c.analyte, c.ft_percent) for c in t.components]
    [('aztreonam', 60.0), ('avibactam', 50.0)]
    """
    path, data = _targets_data(root)
    sources = load_sources(root)
    if not isinstance(data["products"], dict):
        _fail(path, "products", "expected a table of products")
    targets = {name: _read_product_target(name, table, sources, path, root)
               for name, table in data["products"].items()}
    return MappingProxyType(targets)


def _optional_number(table, key, path, key_path):
    if key not in table:
        return None
    value = _check_number(table[key], path, f"{key_path}.{key}")
    _check_value_range(value, "mg/L", key, path, f"{key_path}.{key}")
    return value


def _read_breakpoint(table, products, sources, path, key_path):
    """Validate one ``[[breakpoint]]`` row."""
    check_keys(table, _BREAKPOINT_KEYS, path, key_path,
               required=("product", "organism", "body", "status", "source", "locator"))
    if table["product"] not in products:
        _fail(path, f"{key_path}.product", f"unknown product {table['product']!r}")
    if table["status"] not in _BREAKPOINT_STATUSES:
        _fail(path, f"{key_path}.status", f"use one of {_BREAKPOINT_STATUSES}")
    values = {k: _optional_number(table, k, path, key_path) for k in
              ("s_le_mg_per_l", "r_gt_mg_per_l", "r_ge_mg_per_l", "inhibitor_fixed_mg_per_l")}
    if table["status"] == "breakpoint":
        has_r = (values["r_gt_mg_per_l"] is None) != (values["r_ge_mg_per_l"] is None)
        if values["s_le_mg_per_l"] is None or not has_r:
            _fail(path, key_path, "a breakpoint needs s_le_mg_per_l and exactly one of "
                  "r_gt_mg_per_l / r_ge_mg_per_l")
    source = check_source(table["source"], sources, path, f"{key_path}.source")
    return Breakpoint(product=table["product"], status=table["status"], source=source,
                      organism=_text(table["organism"], path, f"{key_path}.organism"),
                      body=_text(table["body"], path, f"{key_path}.body"),
                      locator=_text(table["locator"], path, f"{key_path}.locator"),
                      note=table.get("note", ""), **values)


def load_breakpoints(root=None):
    r"""Load the MIC breakpoints (EUCAST, CLSI, FDA) from ``models/targets.toml``.

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    breakpoints : tuple of Breakpoint
        One row per product, organism and body.

    Raises
    ------
    ModelFileError
        Any rule of the file format is broken.

    References
    ----------
    .. [1] EUCAST. Breakpoint tables for interpretation of MICs and zone
       diameters. Version 15.0; 2025.
    .. [2] CLSI. Performance Standards for Antimicrobial Susceptibility
       Testing. 35th ed. CLSI supplement M100; 2025.

    Examples
    --------
    >>> rows = [b for b in load_breakpoints() if b.product == "cefiderocol"
    ...         and b.body == "EUCAST" and b.organism == "Enterobacterales"]
    >>> rows[0].s_le_mg_per_l
    2.0
    """
    path, data = _targets_data(root)
    sources = load_sources(root)
    rows = _table_list(data.get("breakpoint", []), path, "breakpoint")
    return tuple(_read_breakpoint(row, data["products"], sources, path, f"breakpoint[{i}]")
                 for i, row in enumerate(rows))


def available_products(root=None):
    r"""List the product CLI names known to pkdose (those with a PD target).

    Parameters
    ----------
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    products : list of str
        Sorted CLI names.

    References
    ----------
    .. [1] ``models/README.md``, "Targets and breakpoints".

    Examples
    --------
    >>> available_products()[:2]
    ['aztreonam', 'aztreonam-avibactam']
    """
    _, data = _targets_data(root)
    return sorted(data["products"])


@dataclass(frozen=True)
class Product:
    """A product with its target, default PK models and breakpoints.

    Parameters
    ----------
    name : str
        CLI name [-].
    target : Target
        PD target [-].
    pk_models : Mapping[str, PKModel]
        Analyte -> default PK model [-].
    breakpoints : tuple of Breakpoint
        Breakpoint rows of this product [-].
    """

    name: str
    target: Target
    pk_models: object
    breakpoints: tuple


def load_product(product, root=None):
    r"""Load a product's target, default PK models and breakpoints.

    Parameters
    ----------
    product : str
        CLI name, e.g. ``"ceftazidime-avibactam+aztreonam"`` [-].
    root : str or pathlib.Path, optional
        Models directory; defaults to :func:`models_dir` [-].

    Returns
    -------
    product : Product
        The assembled product (regimens: :func:`load_regimen_table`).

    Raises
    ------
    UnknownDrugError
        Unknown product; the message lists the known ones.

    References
    ----------
    .. [1] pkdose design contract, ``docs/design.md``, module map.
    """
    targets = load_targets(root)
    if product not in targets:
        raise UnknownDrugError(f"unknown product {product!r}; known products: "
                               f"{', '.join(sorted(targets))}")
    target = targets[product]
    models = {a: load_pk_model(a, source=s, root=root) for a, s in target.pk_models.items()}
    source_product = target.breakpoint_from or product
    if source_product not in targets:
        raise ModelFileError(f"targets.toml: 'products.{product}.breakpoint_from': unknown product "
                             f"{source_product!r}")
    rows = tuple(b for b in load_breakpoints(root) if b.product == source_product)
    return Product(name=product, target=target, pk_models=MappingProxyType(models),
                   breakpoints=rows)


# ---------------------------------------------------------------------------
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
