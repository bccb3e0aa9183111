r"""PD targets and MIC breakpoints: ``models/targets.toml``.

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.
"""

from dataclasses import dataclass, field
from types import MappingProxyType

from ..errors import InputError
from .bibliography import load_sources
from .pkmodels import _param_tables, available_pk_models
from .reading import (
    _check_number,
    _check_value_range,
    _fail,
    _table_list,
    _text,
    check_keys,
    documents_root,
    model_file,
    read_citation,
    read_citations,
    read_model_file,
)

__all__ = [
    "Breakpoint",
    "Ceiling",
    "Target",
    "TargetComponent",
    "load_breakpoints",
    "load_ceilings",
    "load_targets",
]

# PD targets and MIC breakpoints (models/targets.toml)
# ---------------------------------------------------------------------------

_METRICS = ("ft_above_mic", "ft_above_threshold")
_COMPONENT_KEYS = ("analyte", "metric", "ft_percent", "threshold_mg_per_l", "source",
                   "locator", "note", "alternatives")
_PRODUCT_KEYS = ("display_name", "mic_analyte", "pk_models", "component", "note", "breakpoint_from",
                 "breakpoint_from_note", "breakpoint_from_sources")
_CEILING_STATUSES = ("ceiling", "none_published")
_CEILING_KEYS = ("analyte", "status", "cmin_mg_per_l", "source", "locator", "note")
_BREAKPOINT_STATUSES = ("breakpoint", "insufficient_evidence", "none")
_BREAKPOINT_KEYS = ("product", "organism", "body", "status", "s_le_mg_per_l",
                    "r_gt_mg_per_l", "r_ge_mg_per_l", "inhibitor_fixed_mg_per_l",
                    "source", "locator", "note")


@dataclass(frozen=True)
class TargetComponent:
    """One PK/PD target that must be met (joint targets: all of them).

    Read from ``[products.<name>]`` of ``models/targets.toml`` by
    :func:`load_targets`; :func:`pkdose.exposure.pk_check` judges a regimen by it.

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
    breakpoint_from_note : str
        What borrowing those breakpoints means, shown with every MIC reading [-].
    breakpoint_from_citations : tuple of (str, str)
        ``(source, locator)`` of that note [-].
    """

    product: str
    display_name: str
    mic_analyte: str
    components: tuple
    pk_models: object
    note: str = ""
    breakpoint_from: str = ""
    breakpoint_from_note: str = ""
    breakpoint_from_citations: tuple = ()


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


@dataclass(frozen=True)
class Ceiling:
    """An exposure ceiling (toxicity) of one analyte, or the statement that none is published.

    Parameters
    ----------
    analyte : str
        Drug whose concentration is limited [-].
    status : str
        ``"ceiling"`` or ``"none_published"`` [-].
    cmin_mg_per_l : float or None
        Upper limit of the total trough (intermittent dosing) or steady-state
        concentration (continuous infusion) [mg/L].
    source, locator, note : str
        Citation [-].
    """

    analyte: str
    status: str
    cmin_mg_per_l: object
    source: str
    locator: str
    note: str = ""


def _targets_data(root):
    path = model_file(root, "targets.toml")
    return path, read_model_file(path, keys=("breakpoint", "ceiling"), required=("products",))


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
    source, locator, note = read_citation(table, sources, path, key_path)
    alts = _param_tables(table.get("alternatives", {}), source, sources, path, f"{key_path}.alternatives")
    return TargetComponent(
        analyte=_text(table["analyte"], path, f"{key_path}.analyte"),
        metric=table["metric"], ft_percent=ft, threshold_mg_per_l=threshold,
        source=source, locator=locator, note=note, alternatives=alts)


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
    cites = read_citations(table.get("breakpoint_from_sources", []), sources, path,
                           f"{key_path}.breakpoint_from_sources", at_least_one=False)
    return Target(product=name, display_name=table["display_name"],
                  mic_analyte=table["mic_analyte"], components=components,
                  pk_models=MappingProxyType(pk_models),
                  note=_text(table.get("note", ""), path, f"{key_path}.note", allow_empty=True),
                  breakpoint_from=_text(table.get("breakpoint_from", ""), path,
                                        f"{key_path}.breakpoint_from", allow_empty=True),
                  breakpoint_from_note=_text(table.get("breakpoint_from_note", ""), path,
                                             f"{key_path}.breakpoint_from_note", allow_empty=True),
                  breakpoint_from_citations=cites)


def _read_pk_model_map(table, path, key_path, root):
    """``{analyte = "sourcekey"}``; each pair must name a shipped PK file."""
    check_keys(table, table.keys() if isinstance(table, dict) else (), path, key_path)
    shipped = set(available_pk_models(root))
    for analyte, source in table.items():
        if f"{analyte}_{source}" not in shipped:
            _fail(path, f"{key_path}.{analyte}",
                  f"no PK model file models/pk/{analyte}_{source}.toml")
    return dict(table)


@documents_root
def load_targets(root=None):
    r"""Load the PD targets of every product from ``models/targets.toml``.

    Each product's target components name analytes, and each analyte needs a
    PK model file (``pk_models``).

    Parameters
    ----------
    {root}

    Returns
    -------
    targets : Mapping[str, Target]
        Product CLI name -> :class:`Target`.

    Raises
    ------
    ModelFileError
        An unknown metric or key, a threshold where the metric takes none (or
        none where it needs one), an analyte without a PK model file.

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
    source, locator, note = read_citation(table, sources, path, key_path)
    return Breakpoint(product=table["product"], status=table["status"], source=source, locator=locator,
                      organism=_text(table["organism"], path, f"{key_path}.organism"),
                      body=_text(table["body"], path, f"{key_path}.body"), note=note, **values)


@documents_root
def load_breakpoints(root=None):
    r"""Load the MIC breakpoints (EUCAST, CLSI, FDA) from ``models/targets.toml``.

    Each row keeps its body's form: EUCAST 'S <= / R >', CLSI and FDA
    'S <= / R >='.

    Parameters
    ----------
    {root}

    Returns
    -------
    breakpoints : tuple of Breakpoint
        One row per product, organism and body.

    Raises
    ------
    ModelFileError
        An unknown product, body or status, a breakpoint without its S and R
        values, an unresolved source.

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




def _read_ceiling(table, sources, path, key_path):
    """Validate one ``[[ceiling]]`` row."""
    check_keys(table, _CEILING_KEYS, path, key_path, required=("analyte", "status", "source", "locator"))
    if table["status"] not in _CEILING_STATUSES:
        _fail(path, f"{key_path}.status", f"use one of {_CEILING_STATUSES}")
    value = _optional_number(table, "cmin_mg_per_l", path, key_path)
    if (value is None) == (table["status"] == "ceiling"):
        _fail(path, f"{key_path}.cmin_mg_per_l", "required with status 'ceiling' and only there")
    source, locator, note = read_citation(table, sources, path, key_path)
    return Ceiling(analyte=_text(table["analyte"], path, f"{key_path}.analyte"), status=table["status"],
                   cmin_mg_per_l=value, source=source, locator=locator, note=note)


@documents_root
def load_ceilings(root=None):
    r"""Load the exposure ceilings (toxicity) per analyte from ``models/targets.toml``.

    An analyte without a published ceiling has a row that says so (status
    ``none_published``).

    Parameters
    ----------
    {root}

    Returns
    -------
    ceilings : Mapping[str, Ceiling]
        Analyte -> its ceiling, or the statement that none is published.

    Raises
    ------
    ModelFileError
        Any rule of the file format is broken, or an analyte is listed twice.

    References
    ----------
    .. [1] Guilhaumou R, Benaboud S, Bennis Y, et al. Optimization of the
       treatment with beta-lactam antibiotics in critically ill patients:
       guidelines from the SFPT and the SFAR. Crit Care. 2019;23(1):104.
       doi:10.1186/s13054-019-2378-9 (Table 2)

    Examples
    --------
    >>> c = load_ceilings()
    >>> c["ceftazidime"].cmin_mg_per_l, c["cefiderocol"].status
    (80.0, 'none_published')
    """
    path, data = _targets_data(root)
    sources = load_sources(root)
    out = {}
    for i, row in enumerate(_table_list(data.get("ceiling", []), path, "ceiling")):
        c = _read_ceiling(row, sources, path, f"ceiling[{i}]")
        if c.analyte in out:
            _fail(path, f"ceiling[{i}].analyte", f"{c.analyte!r} is listed twice")
        out[c.analyte] = c
    return MappingProxyType(out)
