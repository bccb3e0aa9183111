r"""Virtual-cohort designs of the published PTA simulations: ``models/populations.toml``.

Part of :mod:`pkdose.library`; the format is documented in ``models/README.md``.
"""

from types import MappingProxyType

from ..covariates import INFECTION_SITES
from .bibliography import load_sources
from .reading import (
    _check_number,
    _fail,
    check_keys,
    documents_root,
    model_file,
    read_citation,
    read_model_file,
    read_toml,
)

__all__ = ["available_population_designs", "load_population_design"]

_DISTRIBUTIONS = {"lognormal_mean_cv": ("mean", "cv_percent"), "lognormal_median_cv": ("median", "cv_percent"),
                  "normal": ("mean", "sd"), "uniform": ("low", "high")}


def _conditional(spec, mix, path, kp):
    """``sites`` and ``otherwise``: a level drawn only for some infection sites, a fixed level elsewhere."""
    if ("sites" in spec) != ("otherwise" in spec):
        _fail(path, kp, "give both sites (where the mix is drawn) and otherwise (the level elsewhere)")
    if "sites" not in spec:
        return {}
    bad = [s for s in spec["sites"] if s not in INFECTION_SITES]
    if bad or not spec["sites"]:
        _fail(path, f"{kp}.sites", f"list infection sites from {', '.join(INFECTION_SITES)}")
    if spec["otherwise"] not in mix:
        _fail(path, f"{kp}.otherwise", f"use a level of the mix ({', '.join(mix)})")
    return {"sites": tuple(spec["sites"]), "otherwise": spec["otherwise"]}


@documents_root
def available_population_designs(root=None):
    r"""Names of the shipped virtual-cohort designs.

    Parameters
    ----------
    {root}

    Returns
    -------
    list of str
        Design names, the bibliography keys of the papers.

    Examples
    --------
    >>> available_population_designs()
    ['kawaguchi2021', 'li2019', 'xie2025']
    """
    return sorted(read_toml(model_file(root, "populations.toml"))["designs"])


@documents_root
def load_population_design(name, root=None):
    r"""Load one virtual-cohort design: covariate -> distribution, validated and cited.

    The distributions from which a paper's Monte Carlo simulation drew its
    virtual patients, each with its source and locator.

    Parameters
    ----------
    name : str
        Design name, e.g. ``"kawaguchi2021"`` [-].
    {root}

    Returns
    -------
    Mapping
        Covariate column (``weight_kg``, ``albumin_g_per_dl``, ``height_cm``,
        ``race``...) -> ``{"distribution", parameters, "range", "source",
        "locator"}`` or ``{"mix": {level: weight}, ...}`` (with ``sites`` and
        ``otherwise`` when the mix is drawn only for some infection sites); pass it to
        :func:`pkdose.pta.sample_cohort` [-].

    Raises
    ------
    ModelFileError
        Unknown design, unknown distribution, missing parameter or locator,
        unresolved source.

    References
    ----------
    .. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents
       Chemother. 2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Materials
       and Methods, Monte Carlo simulation).

    Examples
    --------
    >>> d = load_population_design("kawaguchi2021")
    >>> d["weight_kg"]["distribution"], d["weight_kg"]["mean"]
    ('lognormal_mean_cv', 72.6)
    """
    path = model_file(root, "populations.toml")
    data = read_model_file(path, required=("designs",))
    if name not in data["designs"]:
        _fail(path, f"designs.{name}", f"unknown design; known: {', '.join(sorted(data['designs']))}")
    sources = load_sources(root)
    out = {}
    for cov, spec in data["designs"][name].items():
        kp = f"designs.{name}.{cov}"
        if cov == "note":
            continue
        base = ("source", "locator", "note")
        if "mix" in spec:
            check_keys(spec, base + ("mix", "sites", "otherwise"), path, kp, required=("mix", "source", "locator"))
            mix = {k: _check_number(v, path, f"{kp}.mix.{k}") for k, v in spec["mix"].items()}
            entry = {"mix": MappingProxyType(mix), **_conditional(spec, mix, path, kp)}
        else:
            kind = spec.get("distribution")
            if kind not in _DISTRIBUTIONS:
                _fail(path, f"{kp}.distribution", f"use one of {', '.join(_DISTRIBUTIONS)}")
            params = _DISTRIBUTIONS[kind]
            check_keys(spec, base + ("distribution", "range") + params, path, kp,
                       required=("distribution", "source", "locator") + params)
            entry = {"distribution": kind, **{p: _check_number(spec[p], path, f"{kp}.{p}") for p in params}}
            if "range" in spec:
                entry["range"] = tuple(_check_number(v, path, f"{kp}.range") for v in spec["range"])
        entry["source"], entry["locator"], _ = read_citation(spec, sources, path, kp)
        out[cov] = MappingProxyType(entry)
    return MappingProxyType(out)
