r"""Population-PK model files: ``models/pk/<analyte>_<sourcekey>.toml`` -> :class:`PKModel`.

Part of :mod:`pkdose.library`; the file formats are documented in ``models/README.md``.
"""

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from ..errors import InputError, UnknownDrugError
from .bibliography import _read_source_tables, load_sources
from .reading import (
    _RENAL_COVARIATES,
    BSA_REF_M2,
    _fail,
    _join,
    _text,
    check_keys,
    check_schema_version,
    check_source,
    models_dir,
    read_param,
    read_toml,
)

__all__ = [
    "PKModel",
    "available_pk_models",
    "load_pk_model",
]

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
