r"""Population-PK model files: ``models/pk/<analyte>_<sourcekey>.toml`` -> :class:`PKModel`.

Part of :mod:`pkdose.library`; the file format (schema 2: the published
structure, covariate effects in their published form, the full OMEGA matrix,
residual error, declared assumptions) is documented in ``models/README.md``.
"""

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

import numpy as np

from .. import covariates as cov_forms
from ..errors import InputError, UnknownDrugError
from .bibliography import _read_source_tables, load_sources
from .reading import (
    BSA_REF_M2,
    Param,
    _check_number,
    _fail,
    _join,
    _text,
    check_keys,
    check_source,
    documents_root,
    model_file,
    read_citation,
    read_model_file,
    read_param,
)

__all__ = [
    "PK_SCHEMA_VERSIONS",
    "STRUCTURES",
    "CovariateEffect",
    "PKModel",
    "available_pk_models",
    "load_pk_model",
]

#: Schema versions of PK model files this loader reads.
PK_SCHEMA_VERSIONS = (2,)

#: Published structures: structure name -> structural parameters, in order.
STRUCTURES = MappingProxyType({
    "two_compartment": ("cl", "v1", "q2", "v2"),
    "three_compartment": ("cl", "v1", "q2", "v2", "q3", "v3"),
})

_PARAM_KEYS = {"cl": "cl_l_per_h", "v1": "v1_l", "q2": "q2_l_per_h", "v2": "v2_l",
               "q3": "q3_l_per_h", "v3": "v3_l"}
_VOLUMES = ("v1", "v2", "v3")

_HEADER_REQUIRED = (
    "schema_version", "analyte", "structure", "source", "verification", "population",
    "parameters", "covariates", "omega", "default_population",
)
_HEADER_OPTIONAL = ("note", "correlated_with", "residual", "fitted_range", "assumptions",
                    "extracorporeal", "alternatives", "not_applied", "sources")
_EXTRACORPOREAL_REQUIRED = ("hd_removed_fraction", "hd_session_h")
_EXTRACORPOREAL_OPTIONAL = ("hd_cl_l_per_h",)  # CRRT assumptions: models/crrt.toml
_ASSUMPTIONS = ("cl_floor_l_per_h", "esrd_crcl_max_ml_per_min", "unstudied_site", "bsa_from_weight",
                "hd_calibration")
#: Declared rules without a number of their own (source, locator and note only).
_RULES = ("bsa_from_weight", "hd_calibration")
_FLOOR_DOMAINS = ("dialysis_or_below_fitted_range", "everywhere")
_OMEGA_SCALES = ("variance", "sd", "cv_percent")
_RESIDUAL_SCALES = ("variance", "sd")

#: Covariate -> (argument of :meth:`PKModel.typical_parameters`, unit suffix of its numbers).
_CONTINUOUS = {"crcl": "ml_per_min", "ncrcl": "ml_per_min", "weight": "kg",
               "albumin": "g_per_dl"}

#: Keys of every patient covariate a model can be given (see :meth:`PKModel.typical_parameters`).
_COVARIATE_ARGS = ("crcl_ml_per_min", "weight_kg", "bsa_m2", "albumin_g_per_dl",
                   "infection_site", "race", "ventilated", "apache_ii_above_10",
                   "acute_pyelonephritis", "esrd", "dialysis")

#: Yes/no covariates: argument -> its level name when true (the categorical forms read ``"true"``).
_FLAGS = ("ventilated", "apache_ii_above_10", "acute_pyelonephritis")


@dataclass(frozen=True)
class CovariateEffect:
    """One covariate effect on one structural parameter, as published.

    One ``[covariates.<name>]`` table of a model file; :meth:`factor` evaluates
    it with the form of :mod:`pkdose.covariates`.

    Parameters
    ----------
    name : str
        Key of the effect in the file, e.g. ``"cl_crcl"`` [-].
    parameter : str
        Structural parameter it scales (``"cl"``, ``"v1"``, ...) [-].
    covariate : str
        Patient covariate, a key of :data:`pkdose.covariates.COVARIATES` [-].
    form : str
        Functional form, a key of :data:`pkdose.covariates.FORMS` [-].
    args : Mapping[str, Param]
        Numeric arguments of the form (``reference``, ``exponent``, ...) [-].
    levels : Mapping[str, Param]
        Categorical forms: the published value of each non-reference level [-].
    replaces : str
        Name of the effect this one replaces for the patients it applies to,
        or ``""`` [-].
    """

    name: str
    parameter: str
    covariate: str
    form: str
    args: object = field(default_factory=lambda: MappingProxyType({}))
    levels: object = field(default_factory=lambda: MappingProxyType({}))
    replaces: str = ""

    def factor(self, x):
        r"""Covariate factor for covariate values ``x``.

        Parameters
        ----------
        x : array_like
            Covariate values (numbers, or level names for categorical forms)
            [unit of the covariate].

        Returns
        -------
        numpy.ndarray
            Multiplicative factor [-].
        """
        func, names = cov_forms.FORMS[self.form]
        if names:
            return func(x, *(self.args[n].value for n in names))
        return func(x, {k: p.value for k, p in self.levels.items()})

    def applies(self, x):
        """Boolean mask of the patients a categorical effect applies to [-]."""
        lv = np.asarray(x, dtype=object)
        lv = np.vectorize(lambda v: str(v).lower(), otypes=[object])(lv) if lv.size else lv
        return np.isin(lv, list(self.levels))


@dataclass(frozen=True)
class PKModel:
    r"""A published population-PK model: structure, covariates, variability, assumptions.

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
    structure : str
        ``"two_compartment"`` or ``"three_compartment"`` [-].
    params : Mapping[str, Param]
        Typical structural parameters (``cl_l_per_h``, ``v1_l``, ...) and
        ``fu_fraction`` [-].
    effects : tuple of CovariateEffect
        Covariate effects, in file order [-].
    omega_names : tuple of str
        Structural parameters with between-subject variability [-].
    omega : numpy.ndarray
        Covariance matrix of the log-normal random effects (variance scale),
        shape (k, k) with k = ``len(omega_names)`` [-].
    partner_covariance : Mapping[tuple, Param]
        ``(own, partner)`` parameter names -> covariance with the random
        effects of the model ``correlated_with`` [-].
    residual : Mapping[str, tuple]
        Stratum -> (proportional SD [-], additive SD [mg/L]) [-].
    fitted_range : Mapping[str, Param]
        ``crcl_min_ml_per_min`` / ``crcl_max_ml_per_min`` of the fitted data [-].
    default_population : Mapping[str, object]
        ``infection_site`` and other covariate defaults, with the reason [-].
    assumptions : Mapping[str, object]
        Declared assumptions not in the paper (``cl_floor_l_per_h``,
        ``esrd_crcl_max_ml_per_min``, ``unstudied_site``, ``bsa_from_weight``,
        ``hd_calibration``) [-].
    extracorporeal : Mapping[str, Param]
        Dialysis and CRRT data (not part of the popPK model) [-].
    alternatives, not_applied : Mapping[str, Param]
        Values not used by default; published effects pkdose does not apply [-].
    verification, population, note, correlated_with : str
        Free-text header [-].
    floor_applies : str
        Domain of the declared clearance floor, e.g.
        ``"dialysis_or_below_fitted_range"`` [-].
    disabled : frozenset of str
        Assumptions switched off with :meth:`without_assumption` [-].
    bibliography : Mapping[str, Source]
        Sources the file was validated against [-].

    Notes
    -----
    Each typical structural parameter is its published value times the
    factors of its covariate effects (:mod:`pkdose.covariates`); an effect
    with ``replaces`` (the ESRD terms) sets the replaced factor to 1 for the
    patients it applies to. Individual parameters are
    :math:`\theta_i = \theta_{typ} e^{\eta_i}`, :math:`\eta \sim N(0, \Omega)`
    with the published :math:`\Omega`.

    The one-compartment reduction (:meth:`volume_l`) uses :math:`V = V_{ss}`,
    the sum of the compartment volumes at the patient's covariates (and, in a
    population, of the patient's individual volumes, which carries the
    published CL-volume covariances into the reduction).

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20
    .. [2] Li J, Lovern M, Green ML, et al. Clin Transl Sci. 2019;12(2):151-163.
       doi:10.1111/cts.12585
    .. [3] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents
       Chemother. 2025;69(8):e01950-24. doi:10.1128/aac.01950-24
    """

    analyte: str
    key: str
    source: str
    path: Path
    structure: str
    params: object
    effects: tuple
    omega_names: tuple
    omega: object
    partner_covariance: object
    residual: object
    fitted_range: object
    default_population: object
    assumptions: object
    extracorporeal: object
    alternatives: object
    not_applied: object
    verification: str = ""
    population: str = ""
    note: str = ""
    correlated_with: str = ""
    floor_applies: str = ""
    disabled: frozenset = frozenset()
    bibliography: object = field(default_factory=lambda: MappingProxyType({}), repr=False)

    # --- numbers -----------------------------------------------------------------

    def value(self, name):
        r"""Return the value of a parameter, extracorporeal datum or numeric assumption.

        Parameters
        ----------
        name : str
            Key, e.g. ``"fu_fraction"``, ``"hd_session_h"`` or
            ``"cl_floor_l_per_h"`` [-].

        Returns
        -------
        value : float
            Value in the unit of its suffix.

        Raises
        ------
        InputError
            Unknown key.
        """
        for table in (self.params, self.extracorporeal, self.assumptions):
            if name in table and isinstance(table[name], Param):
                return table[name].value
        raise InputError(f"{self.key} has no number {name!r}")

    def reads(self, covariate):
        r"""Whether a covariate effect of the model reads this covariate.

        Parameters
        ----------
        covariate : str
            Covariate name of the model's effects, e.g. ``"albumin"``,
            ``"ncrcl"``, ``"apache_ii_above_10"`` [-].

        Returns
        -------
        bool

        Examples
        --------
        >>> load_pk_model("cefiderocol").reads("albumin")
        True
        """
        return any(e.covariate == covariate for e in self.effects)

    @property
    def parameter_names(self):
        """Structural parameters of the published structure, in order [-]."""
        return STRUCTURES[self.structure]

    @property
    def fu_fraction(self):
        """Unbound fraction in plasma used for fT>MIC [-]."""
        return self.value("fu_fraction")

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
        """Published dialyser clearance when the file gives one, else None [L/h].

        Used as is for dialysis sessions unless the model declares (and keeps on)
        the ``hd_calibration`` assumption (``models/README.md``).
        """
        p = self.extracorporeal.get("hd_cl_l_per_h")
        return None if p is None else p.value

    @property
    def default_site(self):
        """Infection site of the model's default population [-]."""
        return self.default_population["infection_site"]

    def omega_sd(self, name):
        r"""Standard deviation of one log-normal random effect.

        Parameters
        ----------
        name : str
            Structural parameter, e.g. ``"cl"`` [-].

        Returns
        -------
        float
            :math:`\omega`, 0 when the parameter has no IIV [-].
        """
        if name not in self.omega_names:
            return 0.0
        i = self.omega_names.index(name)
        return math.sqrt(self.omega[i, i])

    # --- covariates --------------------------------------------------------------

    def default_covariates(self):
        r"""Covariate values used where the caller gives none.

        Returns
        -------
        dict
            ``infection_site`` (the default population's), ``race`` "other",
            ``ventilated``, ``apache_ii_above_10``, ``acute_pyelonephritis``
            and ``dialysis`` False, ``albumin_g_per_dl`` where the default
            population gives one.
        """
        out = {"infection_site": self.default_site, "race": "other", "dialysis": False, "esrd": False,
               **dict.fromkeys(_FLAGS, False)}
        if "albumin_g_per_dl" in self.default_population:
            out["albumin_g_per_dl"] = self.default_population["albumin_g_per_dl"].value
        return out

    def reference_covariates(self):
        r"""Covariates of the published reference subject (uninfected, every factor 1).

        Returns
        -------
        dict
            ``infection_site`` "none", race "other", not ventilated, APACHE II
            not above 10, no acute pyelonephritis, albumin at the reference of
            its effect, BSA 1.73 m2 in models on BSA-normalised CrCL.
        """
        out = {"infection_site": "none", "race": "other", "dialysis": False, "esrd": False,
               **dict.fromkeys(_FLAGS, False)}
        for e in self.effects:
            if e.covariate == "albumin":
                out["albumin_g_per_dl"] = e.args["reference"].value
            if e.covariate == "ncrcl":  # the reference subject's CrCL is the indexed one
                out["bsa_m2"] = BSA_REF_M2
        return out

    def typical_parameters(self, crcl_ml_per_min, **covariates):
        r"""Typical structural parameters for patients' covariates; broadcasts.

        Parameters
        ----------
        crcl_ml_per_min : array_like
            Cockcroft-Gault creatinine clearance, raw (not BSA-indexed) [mL/min].
        **covariates
            ``weight_kg`` [kg] (default: each effect's reference weight),
            ``bsa_m2`` [m2] (models on BSA-normalised CrCL; when not given,
            estimated from ``weight_kg`` where the model declares
            ``bsa_from_weight``, else 1.73: CrCL read as already indexed),
            ``albumin_g_per_dl`` [g/dL], ``infection_site`` (one of
            :data:`pkdose.covariates.INFECTION_SITES`), ``race``,
            ``ventilated``, ``apache_ii_above_10``, ``acute_pyelonephritis``
            (a cUTI patient with acute pyelonephritis: needs
            ``infection_site="urinary"``), ``esrd`` (the models' end-stage
            renal disease flag, as nlmixr2lib's ``RENALIMP_ESRD``) and
            ``dialysis`` (on
            intermittent haemodialysis or CRRT: the model's ESRD rule and the
            domain of its clearance floor); missing ones take
            :meth:`default_covariates` [-].

        Returns
        -------
        dict
            Structural parameter name -> typical value, broadcast shape of the
            inputs [L/h or L].

        Raises
        ------
        InputError
            Unknown covariate, negative or non-finite CrCL, non-positive
            weight, BSA or albumin, unknown site or race, acute
            pyelonephritis outside a urinary infection, shapes that do not
            broadcast.

        Notes
        -----
        ``ncrcl`` (models on BSA-normalised CrCL) is
        :math:`CrCL \cdot 1.73 / BSA`. The ESRD term (where the model has one)
        applies to the patients its population defines: on dialysis, or
        flagged ``esrd``; and, as a declared assumption, at raw CrCL at or
        below ``esrd_crcl_max_ml_per_min`` (Li 2019: the label's ESRD band,
        5 mL/min; Xie 2025: below its fitted range, 4.6 mL/min). A declared clearance floor applies only in its domain
        (``applies``): on dialysis or below the fitted CrCL range.

        References
        ----------
        .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
           Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Table 2
           footnote b).

        Examples
        --------
        From Kawaguchi 2021, Table 2: an uninfected subject at CrCL 83 mL/min,
        72.6 kg and albumin 3.9 g/dL has the published typical values:

        >>> m = load_pk_model("cefiderocol")
        >>> p = m.typical_parameters(83.0, weight_kg=72.6, **m.reference_covariates())
        >>> [round(float(p[k]), 3) for k in ("cl", "v1", "q2", "v2", "q3", "v3")]
        [4.04, 7.78, 6.19, 5.77, 0.127, 0.798]
        """
        x = self._covariate_values(crcl_ml_per_min, covariates)
        out = self._unfloored(x)
        out["cl"] = self._floored(out["cl"], x, lambda edge: self._unfloored(
            self._covariate_values(np.maximum(x["crcl"], edge), covariates))["cl"])
        return out

    def _unfloored(self, x):
        """Typical parameters of the published covariate model, before any declared floor."""
        out = {}
        for name in self.parameter_names:
            effects = [e for e in self.effects if e.parameter == name]
            factors = {e.name: np.broadcast_to(e.factor(x[e.covariate]), x["shape"]) for e in effects}
            for e in effects:  # e.g. the ESRD rule replaces the renal-function factor
                if e.replaces:
                    factors[e.replaces] = np.where(e.applies(x[e.covariate]), 1.0, factors[e.replaces])
            out[name] = self.params[_PARAM_KEYS[name]].value * np.prod(
                [np.ones(x["shape"]), *factors.values()], axis=0)
        return out

    def clearance_l_per_h(self, crcl_ml_per_min, **covariates):
        r"""Typical total clearance for patients' covariates; broadcasts.

        Parameters
        ----------
        crcl_ml_per_min, **covariates
            As in :meth:`typical_parameters` [mL/min], [-].

        Returns
        -------
        numpy.ndarray
            Typical clearance [L/h].

        References
        ----------
        .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci.
           2019;12(2):151-163. doi:10.1111/cts.12585 (Table 1, Data S1).

        Examples
        --------
        From Li 2019, Table 1: ceftazidime CL is 6.95 L/h at CrCL 97.05 mL/min
        in the healthy reference and x 1.16 in cIAI (the default population):

        >>> m = load_pk_model("ceftazidime")
        >>> round(float(m.clearance_l_per_h(97.0535, infection_site="none")), 2)
        6.95
        >>> round(float(m.clearance_l_per_h(97.0535)), 2)
        8.06
        """
        return self.typical_parameters(crcl_ml_per_min, **covariates)["cl"]

    def volume_l(self, crcl_ml_per_min=80.0, **covariates):
        r"""Steady-state volume (sum of the compartment volumes), the one-compartment V; broadcasts.

        Parameters
        ----------
        crcl_ml_per_min : array_like, optional
            Raw CrCL (no shipped model has a renal effect on a volume) [mL/min].
        **covariates
            As in :meth:`typical_parameters` [-].

        Returns
        -------
        numpy.ndarray
            :math:`V_{ss} = V_1 + V_2 (+ V_3)` [L].

        References
        ----------
        .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and
           Pharmacodynamics. 4th ed. Lippincott Williams & Wilkins; 2011.
           Chapter 19 (distribution kinetics, Vss).

        Examples
        --------
        Li 2019, Table 1: Vc 10.5 L x 1.14 (cIAI) plus Vp 7.57 L:

        >>> round(float(load_pk_model("ceftazidime").volume_l()), 2)
        19.54
        """
        p = self.typical_parameters(crcl_ml_per_min, **covariates)
        return sum(p[v] for v in _VOLUMES if v in p)

    def half_life_h(self, crcl_ml_per_min, **covariates):
        r"""Half-life of the one-compartment reduction, ln 2 x Vss / CL; broadcasts.

        Parameters
        ----------
        crcl_ml_per_min : array_like
            Raw CrCL [mL/min].
        **covariates
            As in :meth:`typical_parameters` [-].

        Returns
        -------
        numpy.ndarray
            Half-life [h].

        References
        ----------
        .. [1] Rowland M, Tozer TN. Clinical Pharmacokinetics and
           Pharmacodynamics. 4th ed. Lippincott Williams & Wilkins; 2011.
           Chapter 3.
        """
        p = self.typical_parameters(crcl_ml_per_min, **covariates)
        return math.log(2.0) * sum(p[v] for v in _VOLUMES if v in p) / p["cl"]

    def one_compartment_omega(self, crcl_ml_per_min=80.0, **covariates):
        r"""Covariance of (ln CL, ln Vss) mapped from the published OMEGA (first order).

        Parameters
        ----------
        crcl_ml_per_min : array_like, optional
            Raw CrCL of the typical patient (scalar) [mL/min].
        **covariates
            As in :meth:`typical_parameters` [-].

        Returns
        -------
        numpy.ndarray
            2 x 2 covariance matrix of the log-normal random effects of the
            one-compartment reduction (CL, Vss), variance scale [-].

        Notes
        -----
        With :math:`V_{ss} = \sum_k V_k e^{\eta_k}`, to first order in
        :math:`\eta`: :math:`\ln V_{ss} \approx \ln V_{ss,typ} + \sum_k w_k \eta_k`,
        :math:`w_k = V_k / V_{ss}` at the typical patient (delta method). Hence
        :math:`\mathrm{var}(\eta_V) = w^T \Omega_{VV} w` and
        :math:`\mathrm{cov}(\eta_{CL}, \eta_V) = \sum_k w_k \Omega_{CL,V_k}`.
        pkdose's populations do not use this approximation (each virtual
        patient's Vss is the exact sum of his individual volumes); it states
        the covariance a one-compartment model would need.

        References
        ----------
        .. [1] Oehlert GW. A note on the delta method. Am Stat. 1992;46(1):27-29.
           doi:10.1080/00031305.1992.10475842

        Examples
        --------
        Li 2019, avibactam: the published CL-volume covariances give a
        CL-Vss correlation of about 0.67:

        >>> om = load_pk_model("avibactam", source="li2019").one_compartment_omega()
        >>> round(float(om[0, 1] / (om[0, 0] * om[1, 1]) ** 0.5), 2)
        0.67
        """
        p = {k: float(np.asarray(v).ravel()[0])
             for k, v in self.typical_parameters(crcl_ml_per_min, **covariates).items()}
        vss = sum(p[v] for v in _VOLUMES if v in p)
        g = np.zeros((2, len(self.omega_names)))
        for i, name in enumerate(self.omega_names):
            g[0, i] = name == "cl"
            g[1, i] = p[name] / vss if name in _VOLUMES else 0.0
        return g @ self.omega @ g.T

    # --- variants ----------------------------------------------------------------

    def with_alternative(self, name, alternative):
        r"""Return a copy in which one number takes an alternative's value.

        Parameters
        ----------
        name : str
            Parameter or extracorporeal key to replace, e.g. ``"fu_fraction"`` [-].
        alternative : str
            Key in :attr:`alternatives`, e.g. ``"fu_label_fraction"`` [-].

        Returns
        -------
        model : PKModel
            New model; the original is unchanged.

        Raises
        ------
        InputError
            Unknown key or alternative, or units that differ.

        Examples
        --------
        >>> m = load_pk_model("aztreonam")
        >>> m.with_alternative("fu_fraction", "fu_label_fraction").fu_fraction
        0.44
        """
        tables = {"params": self.params, "extracorporeal": self.extracorporeal,
                  "assumptions": self.assumptions}
        where = next((t for t, tab in tables.items() if isinstance(tab.get(name), Param)), None)
        if where is None:
            raise InputError(f"{self.key} has no number {name!r}")
        if alternative not in self.alternatives:
            raise InputError(f"{self.key} has no alternative {alternative!r}; "
                             f"alternatives: {', '.join(sorted(self.alternatives))}")
        alt = self.alternatives[alternative]
        if alt.unit != tables[where][name].unit:
            raise InputError(f"alternative {alternative!r} is in {alt.unit}, "
                             f"{name!r} in {tables[where][name].unit}")
        table = MappingProxyType(dict(tables[where], **{name: alt}))
        return dataclasses.replace(self, **{where: table})

    def without_assumption(self, name):
        r"""Return a copy with one declared assumption switched off.

        Parameters
        ----------
        name : str
            Key in :attr:`assumptions`, e.g. ``"cl_floor_l_per_h"`` [-].

        Returns
        -------
        model : PKModel
            New model that applies the published model without it.

        Raises
        ------
        InputError
            The model declares no such assumption.

        Examples
        --------
        >>> m = load_pk_model("cefiderocol")
        >>> round(float(m.clearance_l_per_h(2.0, dialysis=True)), 2)
        1.1
        >>> round(float(m.without_assumption("cl_floor_l_per_h").clearance_l_per_h(2.0, dialysis=True)), 2)
        0.34
        """
        if name not in self.assumptions:
            raise InputError(f"{self.key} declares no assumption {name!r}; "
                             f"assumptions: {', '.join(sorted(self.assumptions)) or 'none'}")
        return dataclasses.replace(self, disabled=self.disabled | {name})

    def assumption_on(self, name):
        """Whether a declared assumption exists and is switched on [-]."""
        return name in self.assumptions and name not in self.disabled

    def cite(self):
        r"""Return every source the model's numbers cite, the model's own first.

        Returns
        -------
        sources : list of Source
            Distinct bibliography entries.
        """
        keys = [self.source]
        for table in (self.params, self.extracorporeal, self.alternatives, self.not_applied):
            keys += [p.source for p in table.values()]
        keys += [a["source"] if isinstance(a, dict) else a.source for a in self.assumptions.values()]
        keys += [self.default_population["source"]]
        return [self.bibliography[k] for k in dict.fromkeys(keys) if k in self.bibliography]

    # --- internals ---------------------------------------------------------------

    def _covariate_values(self, crcl_ml_per_min, given):
        unknown = set(given) - set(_COVARIATE_ARGS)
        if unknown:
            raise InputError(f"unknown covariate(s) {sorted(unknown)}; known: "
                             f"{', '.join(_COVARIATE_ARGS)}", field=sorted(unknown)[0])
        merged = dict(self.default_covariates())
        merged.update({k: v for k, v in given.items() if v is not None})
        crcl = _array("crcl_ml_per_min", crcl_ml_per_min, "mL/min")
        if np.any(crcl < 0):
            raise InputError(f"crcl_ml_per_min must be >= 0 [mL/min], got {crcl_ml_per_min!r}",
                             field="crcl_ml_per_min")
        arrays = {"crcl": crcl,
                  "bsa": self._bsa(merged),
                  "weight": _positive("weight_kg", merged["weight_kg"], "kg")
                  if "weight_kg" in merged else None,
                  "albumin": _positive("albumin_g_per_dl", merged["albumin_g_per_dl"], "g/dL")
                  if "albumin_g_per_dl" in merged else None,
                  "infection_site": _levels("infection_site", merged["infection_site"],
                                            cov_forms.INFECTION_SITES),
                  "race": _levels("race", merged["race"], cov_forms.RACES),
                  **{name: np.asarray(merged[name], dtype=bool) for name in _FLAGS},
                  "esrd": np.asarray(merged["esrd"], dtype=bool),
                  "dialysis": np.asarray(merged["dialysis"], dtype=bool)}
        present = {k: v for k, v in arrays.items() if v is not None}
        try:
            shape = np.broadcast_shapes(*(v.shape for v in present.values()))
        except ValueError:
            raise InputError("covariates must broadcast to one shape, got shapes "
                             f"{ {k: v.shape for k, v in present.items()} }") from None
        x = {"shape": shape, **arrays}
        from ..renal import bsa_normalised_crcl  # pkdose.renal reads the library: imported when needed

        x["ncrcl"] = np.asarray(bsa_normalised_crcl(crcl, arrays["bsa"]))
        x["esrd"] = np.where(self._esrd(crcl, arrays["dialysis"] | arrays["esrd"]), "true", "false")
        x["infection_site"] = self._site_as_modelled(arrays["infection_site"])
        if np.any(arrays["acute_pyelonephritis"] & (arrays["infection_site"] != "urinary")):
            raise InputError("acute_pyelonephritis applies to a urinary infection (Li 2019: a cUTI "
                             "subgroup); give infection_site='urinary'", field="acute_pyelonephritis")
        for name in _FLAGS:
            x[name] = np.where(arrays[name], "true", "false")
        for name in ("weight", "albumin"):
            if x[name] is None:  # missing: every effect of it at its reference (factor 1)
                x[name] = self._reference_of(name)
        return x

    def _bsa(self, merged):
        """Given BSA; else from the weight alone (declared ``bsa_from_weight``); else 1.73 m2."""
        if "bsa_m2" in merged:
            return _positive("bsa_m2", merged["bsa_m2"], "m2")
        if "weight_kg" in merged and self.assumption_on("bsa_from_weight"):
            from ..renal import bsa_livingston  # pkdose.renal reads the library: imported when needed
            return np.asarray(bsa_livingston(_positive("weight_kg", merged["weight_kg"], "kg")))
        return np.asarray(BSA_REF_M2)

    def _reference_of(self, covariate):
        refs = {e.args["reference"].value for e in self.effects
                if e.covariate == covariate and "reference" in e.args}
        if len(refs) > 1:
            raise InputError(f"{self.key}: give {covariate} (its effects have different references)")
        return np.asarray(refs.pop() if refs else 1.0)

    def _esrd(self, crcl, dialysis):
        if not self.assumption_on("esrd_crcl_max_ml_per_min"):
            return np.asarray(dialysis, dtype=bool)
        return np.asarray(dialysis, dtype=bool) | (crcl <= self.value("esrd_crcl_max_ml_per_min"))

    def _site_as_modelled(self, site):
        if not self.assumption_on("unstudied_site"):
            return site
        a = self.assumptions["unstudied_site"]
        return np.where(np.isin(site, a["sites"]), a["level"], site)

    def _floored(self, cl, x, cl_at_crcl):
        """The declared floor in its domain; below the fitted range (off dialysis) never above the
        model's own CL at the range's lower edge, so that CL stays non-decreasing in CrCL."""
        if not self.assumption_on("cl_floor_l_per_h"):
            return cl
        floor = np.broadcast_to(self.value("cl_floor_l_per_h"), x["shape"])
        if self.floor_applies != "dialysis_or_below_fitted_range":
            return np.maximum(cl, floor)
        dialysis = np.broadcast_to(x["dialysis"], x["shape"])
        if "crcl_min_ml_per_min" not in self.fitted_range:
            return np.where(dialysis, np.maximum(cl, floor), cl)
        edge = self.fitted_range["crcl_min_ml_per_min"].value
        below = np.broadcast_to(x["crcl"] < edge, x["shape"]) & ~dialysis
        if np.any(below):
            floor = np.where(below, np.minimum(floor, cl_at_crcl(edge)), floor)
        return np.where(dialysis | below, np.maximum(cl, floor), cl)


def _array(name, value, unit):
    """Float array of finite values, or InputError naming the argument."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be numeric [{unit}], got {value!r}", field=name) from None
    if not np.all(np.isfinite(arr)):
        raise InputError(f"{name} must be finite [{unit}], got {value!r}", field=name)
    return arr


def _positive(name, value, unit):
    arr = _array(name, value, unit)
    if np.any(arr <= 0):
        raise InputError(f"{name} must be > 0 [{unit}], got {value!r}", field=name)
    return arr


def _levels(name, value, allowed):
    arr = np.asarray(value, dtype=object)
    lower = np.vectorize(lambda v: str(v).lower(), otypes=[object])(arr) if arr.size else arr
    bad = sorted(set(np.asarray(lower).ravel()) - set(allowed))
    if bad:
        raise InputError(f"{name} {bad[0]!r} is not known; use one of {', '.join(allowed)}",
                         field=name)
    return np.asarray(lower, dtype=object)


# ---------------------------------------------------------------------------
# Finding and loading files
# ---------------------------------------------------------------------------

def _pk_candidates(root):
    return sorted(model_file(root, "pk").glob("*_*.toml"))


@documents_root
def available_pk_models(root=None):
    r"""List the shipped PK model keys (``<analyte>_<sourcekey>``).

    Parameters
    ----------
    {root}

    Returns
    -------
    keys : list of str
        Sorted model keys.

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


@documents_root
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
    {root}

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
        ``schema_version``, unknown form or covariate, OMEGA not positive
        definite).

    Notes
    -----
    A user file may carry its own ``[sources.<key>]`` tables; they join the
    shipped bibliography for that file only.

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Ceftazidime-avibactam population
       pharmacokinetic modeling and pharmacodynamic target attainment across
       adult indications and patient subgroups. Clin Transl Sci.
       2019;12(2):151-163. doi:10.1111/cts.12585 (the avibactam model of the
       example; :class:`PKModel` lists every shipped model's paper).

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


# ---------------------------------------------------------------------------
# Reading a file
# ---------------------------------------------------------------------------

def _read_pk_file(path, sources):
    """Parse and validate a PK model file."""
    data = read_model_file(path, keys=_HEADER_OPTIONAL, required=_HEADER_REQUIRED, versions=PK_SCHEMA_VERSIONS)
    sources = _with_inline_sources(data, sources, path)
    header = _header(data, sources, path)
    src = header["source"]
    names = STRUCTURES[header["structure"]]
    wanted = tuple(_PARAM_KEYS[n] for n in names) + ("fu_fraction",)
    params = _param_tables(data["parameters"], src, sources, path, "parameters", required=wanted,
                           allowed=wanted)
    effects = tuple(_effect(k, t, names, src, sources, path) for k, t in data["covariates"].items())
    _check_replaces(effects, path)
    omega_names, omega, partner = _omega(data["omega"], names, src, sources, path, header)
    fitted = _param_tables(data.get("fitted_range", {}), src, sources, path, "fitted_range",
                           allowed=("crcl_min_ml_per_min", "crcl_max_ml_per_min"))
    extracorporeal = _param_tables(data.get("extracorporeal", {}), src, sources, path, "extracorporeal",
                                   required=_EXTRACORPOREAL_REQUIRED,
                                   allowed=_EXTRACORPOREAL_REQUIRED + _EXTRACORPOREAL_OPTIONAL)
    return PKModel(
        key=path.stem, path=path, params=params, effects=effects, omega_names=omega_names,
        omega=omega, partner_covariance=partner,
        residual=_residual(data.get("residual", {}), src, sources, path),
        fitted_range=fitted,
        default_population=_default_population(data["default_population"], src, sources, path),
        **_assumptions(data.get("assumptions", {}), src, sources, path),
        extracorporeal=extracorporeal,
        alternatives=_param_tables(data.get("alternatives", {}), src, sources, path, "alternatives"),
        not_applied=_param_tables(data.get("not_applied", {}), src, sources, path, "not_applied",
                                  note_required=True),
        bibliography=sources, **header)


def _with_inline_sources(data, sources, path):
    """Merge a file's own ``[sources]`` tables into the bibliography."""
    if "sources" not in data:
        return sources
    merged = dict(sources)
    _read_source_tables(data["sources"], path, merged)
    return MappingProxyType(merged)


def _header(data, sources, path):
    """Validate the text header of a PK file."""
    if data["structure"] not in STRUCTURES:
        _fail(path, "structure", f"unknown structure {data['structure']!r}; "
              f"supported: {', '.join(STRUCTURES)}")
    header = {k: _text(data[k], path, k) for k in ("analyte", "verification", "population")}
    for k in ("note", "correlated_with"):
        header[k] = _text(data.get(k, ""), path, k, allow_empty=True)
    header["source"] = check_source(data["source"], sources, path, "source")
    header["structure"] = data["structure"]
    return header


def _param_tables(tables, default_source, sources, path, key_path, required=(), allowed=None,
                  note_required=False):
    """Read every ``[<key_path>.<name>]`` parameter table (also used by the targets loader)."""
    keys = tables.keys() if allowed is None and isinstance(tables, dict) else (allowed or ())
    check_keys(tables, keys, path, key_path, required=required)
    out = {}
    for name, table in tables.items():
        out[name] = read_param(table, name=name, default_source=default_source, sources=sources,
                               file=path, key_path=_join(key_path, name))
        if note_required and not out[name].note.strip():
            _fail(path, _join(key_path, f"{name}.note"), "say why it is not applied")
    return MappingProxyType(out)


def _effect(name, table, structural, src, sources, path):
    """One ``[covariates.<name>]`` table -> CovariateEffect."""
    kp = f"covariates.{name}"
    check_keys(table, ("parameter", "covariate", "form", "replaces", "levels",
                       "reference_ml_per_min", "reference_kg", "reference_g_per_dl",
                       "cap_ml_per_min", "hinge_ml_per_min", "power_exponent",
                       "slope_per_ml_per_min", "slope_below_per_ml_per_min",
                       "slope_above_per_ml_per_min"),
               path, kp, required=("parameter", "covariate", "form"))
    if table["parameter"] not in structural:
        _fail(path, f"{kp}.parameter", f"{table['parameter']!r} is not a parameter of this "
              f"structure ({', '.join(structural)})")
    covariate, form = table["covariate"], table["form"]
    if covariate not in cov_forms.COVARIATES:
        _fail(path, f"{kp}.covariate", f"unknown covariate {covariate!r}; known: "
              f"{', '.join(cov_forms.COVARIATES)}")
    if form not in cov_forms.FORMS:
        _fail(path, f"{kp}.form", f"unknown form {form!r}; known: {', '.join(cov_forms.FORMS)}")
    categorical = form.startswith("categorical")
    if categorical == (covariate in _CONTINUOUS):
        _fail(path, f"{kp}.form", f"form {form!r} does not fit the "
              f"{'continuous' if covariate in _CONTINUOUS else 'categorical'} covariate {covariate!r}")
    if categorical:
        return CovariateEffect(name, table["parameter"], covariate, form,
                               levels=_levels_of(table, covariate, form, src, sources, path, kp),
                               replaces=_text(table.get("replaces", ""), path, f"{kp}.replaces",
                                              allow_empty=True))
    return CovariateEffect(name, table["parameter"], covariate, form,
                           args=_form_args(table, covariate, form, src, sources, path, kp))


def _form_args(table, covariate, form, src, sources, path, kp):
    """Numeric arguments of a continuous form, each with the covariate's unit suffix."""
    suffix = _CONTINUOUS[covariate]
    keys = {"reference": f"reference_{suffix}", "cap": f"cap_{suffix}", "hinge": f"hinge_{suffix}",
            "exponent": "power_exponent", "slope": f"slope_per_{suffix}",
            "slope_below": f"slope_below_per_{suffix}", "slope_above": f"slope_above_per_{suffix}"}
    names = cov_forms.FORMS[form][1]
    wanted = {keys[n] for n in names}
    given = {k for k in table if k not in ("parameter", "covariate", "form")}
    if given != wanted:
        _fail(path, kp, f"form {form!r} on {covariate!r} takes exactly "
              f"{', '.join(sorted(wanted))}; got {', '.join(sorted(given))}")
    return MappingProxyType({n: read_param(table[keys[n]], name=keys[n], default_source=src,
                                           sources=sources, file=path, key_path=f"{kp}.{keys[n]}")
                             for n in names})


def _levels_of(table, covariate, form, src, sources, path, kp):
    """Published value of each level of a categorical effect."""
    if "levels" not in table or not table["levels"]:
        _fail(path, f"{kp}.levels", "a categorical effect needs at least one level")
    allowed = cov_forms.COVARIATES[covariate]
    out = {}
    for level, entry in table["levels"].items():
        lp = f"{kp}.levels.{level}"
        if level not in allowed:
            _fail(path, lp, f"unknown level of {covariate!r}; use one of {', '.join(allowed)}")
        out[level] = _unitless_param(entry, src, sources, path, lp)
        if (form == "categorical_ratio" and out[level].value <= 0) or (form == "categorical_shift"
                                                                       and out[level].value <= -1):
            _fail(path, f"{lp}.value", f"a {form} value must make a positive factor, got {out[level].value!r}")
    return MappingProxyType(out)


def _unitless_param(entry, src, sources, path, key_path):
    """A cited number whose name carries no unit suffix (a level's value, an OMEGA element) -> Param."""
    check_keys(entry, ("value", "source", "locator", "note"), path, key_path, required=("value", "locator"))
    value = _check_number(entry["value"], path, f"{key_path}.value")
    return Param(value, "1", *read_citation(entry, sources, path, key_path, default_source=src))


def _check_replaces(effects, path):
    by_name = {e.name: e for e in effects}
    for e in effects:
        if e.replaces and (e.replaces not in by_name or by_name[e.replaces].parameter != e.parameter):
            _fail(path, f"covariates.{e.name}.replaces",
                  f"{e.replaces!r} is not an effect on the same parameter ({e.parameter})")


def _omega(table, structural, src, sources, path, header):
    """OMEGA: diagonal and covariances on the printed scale -> variance-scale matrix."""
    check_keys(table, ("scale", "source", "locator", "note", "diagonal", "covariance",
                       "partner_covariance"), path, "omega", required=("scale", "locator", "diagonal"))
    scale = table["scale"]
    if scale not in _OMEGA_SCALES:
        _fail(path, "omega.scale", f"unknown scale {scale!r}; use one of {', '.join(_OMEGA_SCALES)} "
              "('cv_percent' = the printed 'CV %' meaning omega x 100)")
    diag = _omega_entries(table["diagonal"], src, sources, path, "omega.diagonal")
    names = tuple(n for n in structural if n in diag)
    if set(diag) - set(names):
        _fail(path, "omega.diagonal", f"{sorted(set(diag) - set(names))} are not parameters of "
              f"this structure ({', '.join(structural)})")
    to_var = {"variance": lambda v: v, "sd": lambda v: v * v, "cv_percent": lambda v: (v / 100.0) ** 2}
    mat = np.diag([to_var[scale](diag[n].value) for n in names])
    for pair, p in _omega_entries(table.get("covariance", {}), src, sources, path, "omega.covariance").items():
        a, _, b = pair.partition("__")
        if a not in names or b not in names or a == b:
            _fail(path, f"omega.covariance.{pair}", f"name two different parameters of the diagonal "
                  f"({', '.join(names)}) as <a>__<b>")
        i, j = names.index(a), names.index(b)
        mat[i, j] = mat[j, i] = p.value
    if np.any(np.linalg.eigvalsh(mat) <= 0):
        _fail(path, "omega", "the OMEGA matrix is not positive definite")
    partner = {}
    for pair, p in _omega_entries(table.get("partner_covariance", {}), src, sources, path,
                                  "omega.partner_covariance").items():
        a, _, b = pair.partition("__")
        if a not in names or not b:
            _fail(path, f"omega.partner_covariance.{pair}", "name <own parameter>__<partner parameter>")
        partner[(a, b)] = p
    if partner and not header["correlated_with"]:
        _fail(path, "correlated_with", "partner covariances need the partner model key")
    mat.flags.writeable = False
    return names, mat, MappingProxyType(partner)


def _omega_entries(table, src, sources, path, key_path):
    check_keys(table, table.keys() if isinstance(table, dict) else (), path, key_path)
    return {name: _unitless_param(entry, src, sources, path, _join(key_path, name)) for name, entry in table.items()}


def _residual(tables, src, sources, path):
    """Residual error strata -> (proportional SD, additive SD in mg/L)."""
    out = {}
    for stratum, t in tables.items():
        kp = f"residual.{stratum}"
        check_keys(t, ("scale", "source", "locator", "note", "proportional_fraction",
                       "additive_mg_per_l", "additive_ng_per_ml"), path, kp, required=("scale", "locator"))
        if t["scale"] not in _RESIDUAL_SCALES:
            _fail(path, f"{kp}.scale", f"use one of {', '.join(_RESIDUAL_SCALES)}")
        root = (lambda v: v) if t["scale"] == "sd" else math.sqrt
        prop = add = 0.0
        for key in ("proportional_fraction", "additive_mg_per_l", "additive_ng_per_ml"):
            if key in t:
                v = read_param(t[key], name=key, default_source=src, sources=sources, file=path,
                               key_path=f"{kp}.{key}").value
                if key == "proportional_fraction":
                    prop = root(v)
                else:
                    add = root(v) * (1e-3 if key.endswith("ng_per_ml") else 1.0)
        out[stratum] = (prop, add)
    return MappingProxyType(out)


def _default_population(table, src, sources, path):
    kp = "default_population"
    check_keys(table, ("infection_site", "source", "locator", "note", "albumin_g_per_dl"), path, kp,
               required=("infection_site", "locator", "note"))
    if table["infection_site"] not in cov_forms.INFECTION_SITES:
        _fail(path, f"{kp}.infection_site", f"use one of {', '.join(cov_forms.INFECTION_SITES)}")
    out = {"infection_site": table["infection_site"],
           **_cited(table, src, sources, path, kp)}
    if "albumin_g_per_dl" in table:
        out["albumin_g_per_dl"] = read_param(table["albumin_g_per_dl"], name="albumin_g_per_dl",
                                             default_source=src, sources=sources, file=path,
                                             key_path=f"{kp}.albumin_g_per_dl")
    return MappingProxyType(out)


def _cited(table, src, sources, path, key_path):
    """``{source, locator, note}`` of a declared rule: the note, saying what it is, is required."""
    return dict(zip(("source", "locator", "note"),
                    read_citation(table, sources, path, key_path, default_source=src, note_required=True)))


def _assumptions(tables, src, sources, path):
    """Declared assumptions: numbers (with ``applies`` for the floor) and the unstudied-site rule."""
    check_keys(tables, _ASSUMPTIONS, path, "assumptions")
    out = {}
    for name, t in tables.items():
        kp = f"assumptions.{name}"
        if name in _RULES:
            check_keys(t, ("source", "locator", "note"), path, kp, required=("source", "locator", "note"))
            out[name] = _cited(t, None, sources, path, kp)
            continue
        if name == "unstudied_site":
            check_keys(t, ("level", "sites", "source", "locator", "note"), path, kp,
                       required=("level", "sites", "locator", "note"))
            bad = [s for s in [t["level"], *t["sites"]] if s not in cov_forms.INFECTION_SITES]
            if bad:
                _fail(path, kp, f"unknown site {bad[0]!r}; use {', '.join(cov_forms.INFECTION_SITES)}")
            out[name] = {"level": t["level"], "sites": tuple(t["sites"]), **_cited(t, src, sources, path, kp)}
            continue
        entry = dict(t)
        applies = entry.pop("applies", None)
        if name == "cl_floor_l_per_h":
            if applies not in _FLOOR_DOMAINS:
                _fail(path, f"{kp}.applies", f"say where the floor applies: {', '.join(_FLOOR_DOMAINS)}")
            out["_floor_applies"] = applies
        elif applies is not None:
            _fail(path, f"{kp}.applies", "only cl_floor_l_per_h takes 'applies'")
        out[name] = read_param(entry, name=name, default_source=src, sources=sources, file=path,
                               key_path=kp)
        if not out[name].note.strip():
            _fail(path, f"{kp}.note", "a declared assumption says what it is and its evidence")
    applies = out.pop("_floor_applies", "")
    return {"assumptions": MappingProxyType(out), "floor_applies": applies}
