r"""Regimen tables: ``models/regimens/<product>.toml`` -> :class:`RegimenTable`.

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.

A table holds three kinds of rows:

* ``[[component]]``: what is given (a product, or one component of a
  combination), with its cited label maximum, vial, label infusion time,
  in-use stability of an infusion bag and, where a cited study tested
  concentrated syringes for continuous infusion, the syringe stability, and
  its loading dose;
* ``[[regimen]]``: the labelled regimens, one per band of CrCL or CRRT
  effluent (and per exposure: ``exposure = "high"`` rows are the label's
  high dose for an MIC in the "susceptible, increased exposure" or
  intermediate category), written in the regimen language of
  :func:`pkdose.regimens.parse_regimen` (``"2.5 g (ceftazidime 2 g +
  avibactam 0.5 g) q8h over 2 h"``);
* ``[[published]]``: regimens from the literature where the label is silent
  (CRRT), each with an evidence grade, or a pointer to another
  jurisdiction's label table (``label_of = "US"``); a row may hold only
  below an MIC (``mic_below_mg_per_l``) and at given infection sites
  (``sites``).
"""

import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from ..errors import InputError, UnknownDrugError
from ..regimens import band_contains, parse_regimen
from .bibliography import load_sources
from .products import available_products
from .reading import (
    _BOUNDS,
    _RENAL_STATES,
    _check_number,
    _fail,
    _table_list,
    _text,
    check_keys,
    documents_root,
    model_file,
    read_citation,
    read_citations,
    read_model_file,
    read_param,
    read_range,
)

__all__ = [
    "EVIDENCE_GRADES",
    "EXPOSURES",
    "SITES",
    "ComponentSpec",
    "PublishedRow",
    "RegimenRow",
    "RegimenTable",
    "load_regimen_table",
]

#: Evidence grades of a published regimen, strongest first. ``label-dose``: a
#: dose the label gives another population (e.g. the usual serious-infection
#: dose), used where no study of this renal state exists.
EVIDENCE_GRADES = ("label", "guideline", "pk-study", "case-series", "case-report", "handbook", "label-dose")

#: Exposure levels of a regimen row: the standard dose, or the label's high
#: dose for an MIC in the "susceptible, increased exposure" (EUCAST) or
#: intermediate (CLSI) category.
EXPOSURES = ("standard", "high")

#: Infection sites a published row may be restricted to (as in ``models/guidelines.toml``).
SITES = ("bloodstream", "urinary", "pneumonia", "intra-abdominal", "other")

_HEADER_REQUIRED = ("schema_version", "product", "display_name", "analytes", "component", "regimen")
_HEADER_OPTIONAL = ("crcl_bounds", "effluent_bounds", "note", "source", "published", "vial")
_VIAL_KEYS = ("component", "dose_mg", "source", "locator", "note")
_COMPONENT_PARAMS = ("max_daily_dose_mg", "infusion_h", "stability_h")
_COMPONENT_OPTIONAL = ("syringe_stability_h", "loading_dose_mg", "loading_infusion_h", "note")
_ROW_REQUIRED = ("jurisdiction", "renal_state", "regimen", "locator")
_ROW_OPTIONAL = ("component", "source", "crcl_ml_per_min", "crcl_bounds", "effluent_l_per_h",
                 "effluent_bounds", "note", "caution", "exposure")
_PUBLISHED_REQUIRED = ("jurisdiction", "renal_state", "grade", "evidence", "sources")
_PUBLISHED_OPTIONAL = ("component", "regimen", "label_of", "crcl_ml_per_min", "crcl_bounds",
                       "effluent_l_per_h", "effluent_bounds", "note", "caution", "exposure",
                       "mic_below_mg_per_l", "sites")


@dataclass(frozen=True)
class ComponentSpec:
    """What pkdose may do with one component: label limits, infusion, stability, loading.

    Parameters
    ----------
    name : str
        Component name (a product, or one component of a combination) [-].
    max_daily_dose_mg : Param
        Label maximum per day, cited [mg].
    infusion_h : Param
        Infusion time of an intermittent dose (the label's, or the
        combination's cited practice) [h].
    stability_h : Param
        In-use stability of an infusion bag of the label's dilution at room
        temperature: the bag-change interval of any infusion that outlasts it,
        continuous infusions included [h].
    syringe_stability_h : Param or None
        Stability of concentrated syringes for a syringe driver at room
        temperature, at the concentration the cited study tested (its
        ``note`` says which); it is the syringe-change interval only for such
        syringes. A continuous infusion is searched only where such a study
        exists; None: no continuous infusion [h].
    loading_dose_mg, loading_infusion_h : Param or None
        Loading dose before an extended or continuous infusion, and its
        infusion time [mg], [h].
    note : str
        Comment [-].
    """

    name: str
    max_daily_dose_mg: object
    infusion_h: object
    stability_h: object
    syringe_stability_h: object = None
    loading_dose_mg: object = None
    loading_infusion_h: object = None
    note: str = ""

    def citations(self):
        r"""Every ``(source, locator)`` the specification cites.

        Returns
        -------
        tuple of (str, str)
        """
        params = (self.max_daily_dose_mg, self.infusion_h, self.stability_h,
                  self.syringe_stability_h, self.loading_dose_mg, self.loading_infusion_h)
        return tuple(dict.fromkeys((p.source, p.locator) for p in params if p is not None))


@dataclass(frozen=True)
class _Band:
    """A row with a range ``lo``-``hi`` on its axis and closed/open ``bounds``
    (fields as documented on :class:`RegimenRow` and :class:`PublishedRow`)."""

    component: str
    jurisdiction: tuple
    renal_state: str
    axis: str
    lo: float
    hi: float
    bounds: str

    def contains(self, x):
        r"""Whether a CrCL or effluent rate falls in this row's range.

        Parameters
        ----------
        x : float
            Value on the row's axis [mL/min or L/h].

        Returns
        -------
        inside : bool
            True if ``x`` lies in the range with its closed/open ends
            (:func:`pkdose.regimens.band_contains`, the lookup
            :func:`pkdose.regimens.select_regimens` uses).
        """
        return band_contains(self.lo, self.hi, self.bounds, x)


@dataclass(frozen=True)
class RegimenRow(_Band):
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
    loading_infusion_h : float or None
        Infusion time of the loading dose when it differs [h].
    caution : str
        Label caution to show as a warning [-].
    text : str
        The regimen as written in the file [-].
    exposure : str
        ``"standard"``, or ``"high"`` for the label's high dose (see
        :data:`EXPOSURES`) [-].
    """

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
    loading_infusion_h: float | None = None
    caution: str = ""
    text: str = ""
    exposure: str = "standard"


@dataclass(frozen=True)
class PublishedRow(_Band):
    """A regimen from the literature (or another jurisdiction's label) where the label is silent.

    Parameters
    ----------
    component : str
        Component it doses [-].
    jurisdiction : tuple of str
        Jurisdictions in which it is offered [-].
    renal_state : str
        ``"native"``, ``"ihd"`` or ``"crrt"`` [-].
    axis : str
        ``"crcl_ml_per_min"`` or ``"effluent_l_per_h"`` [-].
    lo, hi : float
        Range on ``axis`` [mL/min or L/h].
    bounds : str
        Closed ends [-].
    regimen : Regimen or None
        The published regimen; None when ``label_of`` points to a label table [-].
    label_of : str
        Jurisdiction whose label rows are offered here (e.g. ``"US"``) [-].
    grade : str
        One of :data:`EVIDENCE_GRADES` [-].
    evidence : str
        What the regimen rests on (design, n, modality) [-].
    citations : tuple of (str, str)
        ``(source, locator)`` pairs [-].
    note, caution : str
        Comment, and a caution to show as a warning [-].
    exposure : str
        ``"standard"`` or ``"high"`` (:data:`EXPOSURES`) [-].
    mic_below_mg_per_l : float or None
        The row holds only for an MIC below this; None: any MIC [mg/L].
    sites : tuple of str
        The row holds only at these infection sites; empty: any site [-].
    """

    regimen: object
    label_of: str
    grade: str
    evidence: str
    citations: tuple
    note: str = ""
    caution: str = ""
    exposure: str = "standard"
    mic_below_mg_per_l: float | None = None
    sites: tuple = ()

    @property
    def conditional(self):
        r"""True when the row holds only below an MIC or at some sites [-]."""
        return self.mic_below_mg_per_l is not None or bool(self.sites)

    def applies(self, mic_mg_per_l=None, site=None):
        r"""Whether the row's MIC and site conditions hold.

        Parameters
        ----------
        mic_mg_per_l : float, optional
            The isolate's MIC; unknown: a conditional MIC row does not hold [mg/L].
        site : str, optional
            Infection site; unknown: a site-restricted row does not hold [-].

        Returns
        -------
        bool
        """
        if self.mic_below_mg_per_l is not None and (mic_mg_per_l is None
                                                     or not mic_mg_per_l < self.mic_below_mg_per_l):
            return False
        return not self.sites or site in self.sites



@dataclass(frozen=True)
class RegimenTable:
    """All labelled and published regimens of one product.

    Read from ``models/regimens/<product>.toml`` by :func:`load_regimen_table`;
    :func:`pkdose.regimens.select_regimens` looks a patient up in it.

    Parameters
    ----------
    product : str
        CLI name [-].
    display_name : str
        Name for output [-].
    analytes : tuple of str
        Analytes the product delivers [-].
    rows : tuple of RegimenRow
        Label regimen rows in file order [-].
    path : pathlib.Path
        File read [-].
    vial_mg : Mapping[str, float]
        Component -> product amount in one vial, the step of model-informed
        doses (half vials) [mg].
    vial_citations : Mapping[str, tuple]
        Component -> (source, locator) of the vial size [-].
    components : Mapping[str, ComponentSpec]
        Component -> its specification [-].
    published : tuple of PublishedRow
        Published regimens where the label is silent [-].
    """

    product: str
    display_name: str
    analytes: tuple
    rows: tuple
    path: Path
    vial_mg: object = field(default_factory=lambda: MappingProxyType({}))
    vial_citations: object = field(default_factory=lambda: MappingProxyType({}))
    components: object = field(default_factory=lambda: MappingProxyType({}))
    published: tuple = ()


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


def _component_of(row, components, path, key_path):
    """The row's component: given, or the only one of the file."""
    if "component" in row:
        if row["component"] not in components:
            _fail(path, f"{key_path}.component", f"{row['component']!r} is not a [[component]] "
                  f"of this file ({', '.join(components)})")
        return row["component"]
    if len(components) != 1:
        _fail(path, f"{key_path}.component", "required when the file has several [[component]] tables")
    return next(iter(components))


def _parse_text(text, component, analytes, path, key_path):
    """Parse a regimen text; its analytes must be the file's."""
    try:
        regimen = parse_regimen(_text(text, path, key_path), component=component)
    except InputError as exc:
        _fail(path, key_path, str(exc))
    unknown = sorted(set(regimen.analyte_dose_mg) - set(analytes))
    if unknown:
        _fail(path, key_path, f"doses {unknown}, which are not analytes of this file ({', '.join(analytes)}); "
              "write the split, e.g. '(ceftazidime 2 g + avibactam 0.5 g)'")
    return regimen


def _jurisdiction(row, path, key_path):
    value = row["jurisdiction"]
    if not isinstance(value, list) or not value or not all(isinstance(j, str) for j in value):
        _fail(path, f"{key_path}.jurisdiction", "expected a non-empty list, e.g. [\"US\"]")
    return tuple(value)


def _row_head(row, ctx, key_path, optional, required):
    """Keys, renal state and component shared by [[regimen]] and [[published]] rows."""
    data, components, _, path = ctx
    check_keys(row, optional, path, key_path, required=required)
    if row["renal_state"] not in _RENAL_STATES:
        _fail(path, f"{key_path}.renal_state", f"use one of {_RENAL_STATES}")
    component = _component_of(row, components, path, key_path)
    regimen = (_parse_text(row["regimen"], component, data["analytes"], path, f"{key_path}.regimen")
               if "regimen" in row else None)
    return component, _jurisdiction(row, path, key_path), regimen


def _read_regimen_row(row, ctx, key_path):
    """Validate one ``[[regimen]]`` row; ctx = (data, components, sources, path)."""
    data, components, sources, path = ctx
    component, jurisdiction, r = _row_head(row, ctx, key_path, _ROW_OPTIONAL, _ROW_REQUIRED)
    axis, lo, hi, bounds = _row_range(row, data, path, key_path)
    source, locator, note = read_citation(row, sources, path, key_path, default_source=data.get("source"))
    return RegimenRow(
        component=component, jurisdiction=jurisdiction,
        renal_state=row["renal_state"], axis=axis, lo=lo, hi=hi, bounds=bounds,
        dose_mg=r.dose_mg, interval_h=r.interval_h, infusion_h=r.infusion_h,
        max_daily_dose_mg=components[component].max_daily_dose_mg.value,
        source=source, locator=locator,
        analyte_dose_mg=r.analyte_dose_mg, loading_dose_mg=r.loading_dose_mg or 0.0,
        post_hd_supplement_mg=r.post_hd_supplement_mg, give_after_hd=r.give_after_hd,
        note=note, loading_infusion_h=r.loading_infusion_h,
        caution=_text(row.get("caution", ""), path, f"{key_path}.caution", allow_empty=True),
        text=row["regimen"], exposure=_exposure(row, path, key_path))


def _exposure(row, path, key_path):
    """The row's exposure level, ``"standard"`` by default."""
    value = row.get("exposure", "standard")
    if value not in EXPOSURES:
        _fail(path, f"{key_path}.exposure", f"use one of {', '.join(EXPOSURES)}")
    return value


def _conditions(row, path, key_path):
    """``(mic_below_mg_per_l, sites)`` of a published row."""
    mic = None
    if "mic_below_mg_per_l" in row:
        mic = _check_number(row["mic_below_mg_per_l"], path, f"{key_path}.mic_below_mg_per_l")
        if mic <= 0:
            _fail(path, f"{key_path}.mic_below_mg_per_l", "must be > 0 [mg/L]")
    sites = row.get("sites", [])
    if not isinstance(sites, list) or any(x not in SITES for x in sites):
        _fail(path, f"{key_path}.sites", f"expected a list of sites from {', '.join(SITES)}")
    return mic, tuple(sites)


def _read_published_row(row, ctx, key_path):
    """Validate one ``[[published]]`` row: a regimen text, or ``label_of`` a jurisdiction."""
    data, components, sources, path = ctx
    component, jurisdiction, regimen = _row_head(row, ctx, key_path, _PUBLISHED_OPTIONAL, _PUBLISHED_REQUIRED)
    if row["grade"] not in EVIDENCE_GRADES:
        _fail(path, f"{key_path}.grade", f"use one of {', '.join(EVIDENCE_GRADES)}")
    if ("regimen" in row) == ("label_of" in row):
        _fail(path, key_path, "give either 'regimen' (a published regimen) or 'label_of' "
              "(another jurisdiction's label rows), not both or neither")
    mic, sites = _conditions(row, path, key_path)
    axis, lo, hi, bounds = (_row_range(row, data, path, key_path) if "regimen" in row else
                            ("effluent_l_per_h" if row["renal_state"] == "crrt" else "crcl_ml_per_min",
                             0.0, math.inf, "[]"))
    return PublishedRow(
        component=component, jurisdiction=jurisdiction,
        renal_state=row["renal_state"], axis=axis, lo=lo, hi=hi, bounds=bounds, regimen=regimen,
        label_of=_text(row.get("label_of", ""), path, f"{key_path}.label_of", allow_empty=True),
        grade=row["grade"], evidence=_text(row["evidence"], path, f"{key_path}.evidence"),
        citations=read_citations(row["sources"], sources, path, f"{key_path}.sources"),
        note=_text(row.get("note", ""), path, f"{key_path}.note", allow_empty=True),
        caution=_text(row.get("caution", ""), path, f"{key_path}.caution", allow_empty=True),
        exposure=_exposure(row, path, key_path), mic_below_mg_per_l=mic, sites=sites)


def _read_component(row, default_source, sources, path, key_path):
    """Validate one ``[[component]]`` table."""
    params = _COMPONENT_PARAMS + _COMPONENT_OPTIONAL[:-1]
    check_keys(row, _COMPONENT_OPTIONAL, path, key_path, required=("name",) + _COMPONENT_PARAMS)
    read = {k: read_param(row[k], name=k, default_source=default_source, sources=sources, file=path,
                          key_path=f"{key_path}.{k}") for k in params if k in row}
    for k in _COMPONENT_PARAMS:
        if read[k].value <= 0:
            _fail(path, f"{key_path}.{k}.value", "must be > 0")
    if ("loading_dose_mg" in read) != ("loading_infusion_h" in read):
        _fail(path, key_path, "loading_dose_mg and loading_infusion_h go together")
    return ComponentSpec(name=_text(row["name"], path, f"{key_path}.name"),
                         note=_text(row.get("note", ""), path, f"{key_path}.note", allow_empty=True),
                         **read)


def _check_tiling(rows, indices, path, kind):
    """Rows of one group must tile [0, inf): shared edges, one closed side each."""
    order = sorted(zip(rows, indices), key=lambda ri: ri[0].lo)
    first, i0 = order[0]
    if first.lo != 0 or first.bounds[0] != "[":
        _fail(path, f"{kind}[{i0}].{first.axis}", "the lowest range must start at 0 and include it")
    for (a, ia), (b, ib) in zip(order, order[1:]):
        key = f"{kind}[{ib}].{b.axis}"
        if b.lo > a.hi:
            _fail(path, key, f"gap between {a.hi:g} and {b.lo:g} (rows {ia} and {ib})")
        if b.lo < a.hi:
            _fail(path, key, f"overlaps row {ia} ({a.lo:g}-{a.hi:g})")
        if (a.bounds[1] == "]") == (b.bounds[0] == "["):
            what = "both include" if a.bounds[1] == "]" else "neither includes"
            _fail(path, key, f"rows {ia} and {ib} {what} the shared edge {a.hi:g}")
    last, il = order[-1]
    if last.hi != math.inf:
        _fail(path, f"{kind}[{il}].{last.axis}", f"ranges stop at {last.hi:g}; the "
              "highest range must end at +inf")


def _check_all_tilings(rows, path, kind="regimen"):
    """Group rows by (jurisdiction, renal_state, component, exposure, conditions) and check each group."""
    groups = {}
    for i, row in enumerate(rows):
        condition = (getattr(row, "mic_below_mg_per_l", None), getattr(row, "sites", ()))
        for j in row.jurisdiction:
            groups.setdefault((j, row.renal_state, row.component, row.exposure, condition), []).append(i)
    for indices in groups.values():
        _check_tiling([rows[i] for i in indices], indices, path, kind)


def _check_label_of(published, rows, path):
    """A ``label_of`` row must point at label rows of the same state and component."""
    for i, p in enumerate(published):
        if p.label_of and not any(p.label_of in r.jurisdiction and r.renal_state == p.renal_state
                                  and r.component == p.component for r in rows):
            _fail(path, f"published[{i}].label_of", f"no {p.label_of} {p.renal_state} label rows "
                  f"for {p.component!r}")


@documents_root
def load_regimen_table(product, root=None):
    r"""Load and validate the labelled and published regimens of one product.

    Every row is parsed from the regimen language and checked, and the bands
    of each jurisdiction, renal state and component tile [0, +inf).

    Parameters
    ----------
    product : str
        CLI name, e.g. ``"cefiderocol"`` [-].
    {root}

    Returns
    -------
    table : RegimenTable
        Validated rows.

    Raises
    ------
    UnknownDrugError
        Unknown product (the message lists the known ones).
    ModelFileError
        Missing file, unknown key, a regimen text that does not parse,
        unresolved source, or ranges of one (jurisdiction, renal state,
        component) that do not tile [0, +inf).

    Examples
    --------
    >>> t = load_regimen_table("ceftazidime-avibactam")
    >>> t.rows[0].text
    '2.5 g (ceftazidime 2 g + avibactam 0.5 g) q8h over 2 h'
    """
    known = available_products(root)
    if product not in known:
        raise UnknownDrugError(f"unknown product {product!r}; known products: "
                               f"{', '.join(known)}")
    path = model_file(root, "regimens", f"{product}.toml")
    data = read_model_file(path, keys=_HEADER_OPTIONAL, required=_HEADER_REQUIRED)
    if data["product"] != product:
        _fail(path, "product", f"{data['product']!r} does not match the file name")
    sources = load_sources(root)
    if not isinstance(data["analytes"], list) or not data["analytes"]:
        _fail(path, "analytes", "expected a non-empty list of analyte names")
    specs = [_read_component(c, data.get("source"), sources, path, f"component[{i}]")
             for i, c in enumerate(_table_list(data["component"], path, "component"))]
    components = MappingProxyType({c.name: c for c in specs})
    ctx = (data, components, sources, path)
    rows = tuple(_read_regimen_row(r, ctx, f"regimen[{i}]")
                 for i, r in enumerate(_table_list(data["regimen"], path, "regimen")))
    _check_all_tilings(rows, path)
    published = tuple(_read_published_row(r, ctx, f"published[{i}]")
                      for i, r in enumerate(_table_list(data.get("published", []), path, "published")))
    _check_all_tilings(published, path, "published")
    _check_label_of(published, rows, path)
    vials = _read_vials(data.get("vial", []), set(components), sources, path)
    return RegimenTable(product=product, display_name=data["display_name"],
                        analytes=tuple(data["analytes"]), rows=rows, path=path,
                        vial_mg=MappingProxyType({c: v[0] for c, v in vials.items()}),
                        vial_citations=MappingProxyType({c: v[1] for c, v in vials.items()}),
                        components=components, published=published)


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
        out[row["component"]] = (dose, read_citation(row, sources, path, key)[:2])
    missing = sorted(components - set(out))
    if missing:
        _fail(path, "vial", f"no [[vial]] row for component(s) {missing}: every component needs "
              "a cited vial size (the step of model-informed doses)")
    return out
