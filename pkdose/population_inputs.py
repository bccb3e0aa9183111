r"""How the patient's covariate inputs reach the published PK models, said for the pharmacist.

The input adapter (:mod:`pkdose.inputs`) accepts the covariates the shipped
population-PK models read: infection site, serum albumin, mechanical
ventilation, APACHE II and, only where a published model uses it, a population
group ("race" in the papers). This module reads from the model files which
model uses which covariate, and says for one product:

* for every covariate given, what it does in each of the product's models
  (the published factor on CL or V1 with its locator; a site the paper did not
  study, taken as another by a declared assumption; a covariate a model does
  not read, "not applied");
* for every covariate not given, the model's default population (the paper's
  conservative simulation population) and why.

Nothing here changes a number: the factors are computed with the models' own
covariate effects (:class:`pkdose.library.pkmodels.CovariateEffect`).

References
----------
.. [1] Kawaguchi N, Katsube T, Echols R, Wajima T. Antimicrob Agents Chemother.
   2021;65(3):e01437-20. doi:10.1128/AAC.01437-20 (Table 2: site and albumin).
.. [2] Li J, Lovern M, Green ML, et al. Clin Transl Sci. 2019;12(2):151-163.
   doi:10.1111/cts.12585 (Tables 1-2: site, race, ventilation, APACHE II).
.. [3] Xie R, Rogers H, Chow JW, Soto E, Raber SR. Antimicrob Agents Chemother.
   2025;69(8):e01950-24. doi:10.1128/aac.01950-24 (Table S3: site, China).
"""

import functools

import numpy as np

from .covariates import INFECTION_SITES, RACES
from .library import available_products, load_product

__all__ = ["PK_COVARIATES", "RACE_WORDS", "pk_sites", "race_levels", "models_reading", "covariate_use",
           "population_lines"]

#: Input field of the adapter -> the covariate name in the model files (``models/pk/*.toml``).
PK_COVARIATES = {"infection_site": "infection_site", "albumin_g_per_dl": "albumin", "race": "race",
                 "ventilated": "ventilated", "apache_ii": "apache_ii_above_10"}

#: How each population group of the papers is shown: neutral wording of the papers' categories
#: (Li 2019: non-Chinese non-Japanese Asian, Chinese, Japanese; Xie 2025: participants enrolled in China).
RACE_WORDS = {"asian": "Asian, not Chinese or Japanese", "chinese": "Chinese", "japanese": "Japanese",
              "other": "none of these groups, or not recorded (the models' reference group)"}

_NAMES = {"infection_site": "infection site", "albumin_g_per_dl": "albumin", "race": "population group",
          "ventilated": "mechanical ventilation", "apache_ii": "APACHE II"}
_APACHE_CUT = 10  # Li 2019 reads APACHE II as 'above 10' (models/pk/avibactam_li2019.toml, cl_apache)


def _shipped_models():
    return [m for p in available_products() for m in load_product(p).pk_models.values()]


@functools.lru_cache(maxsize=1)
def pk_sites():
    r"""Infection sites the shipped PK models take: studied levels, declared stand-ins and defaults.

    Returns
    -------
    tuple of str
        In the order of :data:`pkdose.covariates.INFECTION_SITES`, without
        ``"none"`` (an uninfected subject is a model's reference, not a
        patient) [-]

    Examples
    --------
    >>> pk_sites()
    ('pneumonia', 'bloodstream', 'urinary', 'intra-abdominal', 'other')
    """
    seen = set()
    for m in _shipped_models():
        seen |= {lv for e in m.effects if e.covariate == "infection_site" for lv in e.levels}
        a = m.assumptions.get("unstudied_site")
        if a:
            seen |= {a["level"], *a["sites"]}
        seen.add(m.default_site)
    return tuple(s for s in INFECTION_SITES if s in seen and s != "none")


@functools.lru_cache(maxsize=1)
def race_levels():
    r"""Population groups some shipped model distinguishes, with the reference group last.

    Returns
    -------
    tuple of str
        Levels of the ``race`` effects of the shipped models, then ``"other"``
        (every model's reference) [-]

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci.
       2019;12(2):151-163. doi:10.1111/cts.12585 (Tables 1-2).

    Examples
    --------
    >>> race_levels()
    ('asian', 'chinese', 'japanese', 'other')
    """
    used = {lv for m in _shipped_models() for e in m.effects if e.covariate == "race" for lv in e.levels}
    return tuple(r for r in RACES if r in used) + ("other",)


def models_reading(models, field):
    r"""The models (of a product) that read one covariate input.

    Parameters
    ----------
    models : Mapping[str, PKModel]
        Analyte -> model, as ``Product.pk_models`` [-]
    field : str
        Adapter field: a key of :data:`PK_COVARIATES` [-]

    Returns
    -------
    list of PKModel

    Examples
    --------
    >>> [m.key for m in models_reading(load_product("ceftazidime-avibactam").pk_models, "apache_ii")]
    ['avibactam_li2019']
    """
    cov = PK_COVARIATES[field]
    return [m for m in models.values() if m.reads(cov)]


def _as_modelled(model, site):
    """(level the model applies, the declared assumption that maps it there or None)."""
    a = model.assumptions.get("unstudied_site")
    if a and model.assumption_on("unstudied_site") and site in a["sites"]:
        return a["level"], {"taken_as": a["level"], "paper": model.source, "source": a["source"],
                            "locator": a["locator"], "note": a["note"]}
    return site, None


def _level(field, value):
    """The value as the model files spell it."""
    if field == "ventilated":
        return "true" if value else "false"
    if field == "apache_ii":
        return "true" if value > _APACHE_CUT else "false"
    return value


def _effects(model, field, value):
    """[{parameter, factor, source, locator}] of one covariate value in one model, and the stand-in site used."""
    cov, note = PK_COVARIATES[field], None
    x = value
    if field == "infection_site":
        x, note = _as_modelled(model, value)
    x = _level(field, x)
    out = []
    for e in (e for e in model.effects if e.covariate == cov):
        if e.levels and str(x).lower() not in e.levels:
            continue
        p = e.levels[str(x).lower()] if e.levels else next(iter(e.args.values()))
        factor = float(np.asarray(e.factor(np.asarray([x]))).ravel()[0])
        locators = [p.locator] if e.levels else list(dict.fromkeys(a.locator for a in e.args.values()))
        out.append({"parameter": e.parameter, "factor": factor, "source": p.source or model.source,
                    "locator": "; ".join(locators)})
    return out, note


def _shown(field, value):
    if field == "albumin_g_per_dl":
        return f"{value:g} g/dL"
    if field == "race":
        return RACE_WORDS.get(value, value)
    if field == "ventilated":
        return "yes" if value else "no"
    if field == "apache_ii":
        return f"{value:g} points ({'above' if value > _APACHE_CUT else 'not above'} {_APACHE_CUT})"
    return str(value)


def covariate_use(product, pk_covariates=None):
    r"""What each covariate does in each of a product's PK models: given values and defaults.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` (its ``pk_models`` are the
        models used, user files included) [-]
    pk_covariates : Mapping[str, object], optional
        Given covariates: keys of :data:`PK_COVARIATES` (``albumin_g_per_dl``
        in g/dL) [-]

    Returns
    -------
    list of dict
        One record per covariate given, then per default used: ``input``,
        ``value``, ``shown``, ``given`` and ``models``: each ``{model,
        applied, effects, stand_in}`` (given) or ``{model, applied,
        effects, note}`` (a default, with its reason); ``applied`` is
        "modelled", "no effect at this value", "not read by this model" or
        "default population"; ``stand_in`` is the declared assumption by
        which a site the paper did not study is taken as another [-]

    Examples
    --------
    >>> rows = covariate_use(load_product("cefiderocol"), {"infection_site": "urinary", "apache_ii": 14})
    >>> [(r["input"], r["models"][0]["applied"]) for r in rows if r["given"]]
    [('infection_site', 'modelled'), ('apache_ii', 'not read by this model')]
    """
    given = {k: v for k, v in (pk_covariates or {}).items() if v is not None}
    rows = []
    for field, value in given.items():
        models = []
        for a, m in product.pk_models.items():
            effects, note = _effects(m, field, value)
            read = m in models_reading({a: m}, field)
            applied = "modelled" if effects else ("no effect at this value" if read else "not read by this model")
            models.append({"model": m.key, "applied": applied, "effects": effects, "stand_in": note})
        rows.append({"input": field, "value": value, "shown": _shown(field, value), "given": True,
                     "models": models})
    if "infection_site" not in given:
        for m in product.pk_models.values():
            d = m.default_population
            rows.append({"input": "infection_site", "value": m.default_site, "shown": m.default_site,
                         "given": False, "models": [{"model": m.key, "applied": "default population",
                                                     "effects": _effects(m, "infection_site", m.default_site)[0],
                                                     "note": f"{d['source']} {d['locator']}"}]})
    if "albumin_g_per_dl" not in given:
        for m in product.pk_models.values():
            p = m.default_population.get("albumin_g_per_dl")
            if p is not None:
                rows.append({"input": "albumin_g_per_dl", "value": p.value, "shown": f"{p.value:g} g/dL",
                             "given": False, "models": [{"model": m.key, "applied": "default population",
                                                         "effects": [], "note": f"{p.source} {p.locator}"}]})
    return rows


def _short(effects):
    """'CL ×0.981, V1 ×1.39 [kawaguchi2021 Table 2]'."""
    where = dict.fromkeys(f"{e['source']} {e['locator'].split(',')[0].split(' (')[0]}" for e in effects)
    return ", ".join(f"{e['parameter'].upper()} ×{e['factor']:.3g}" for e in effects) + f" [{'; '.join(where)}]"


def population_lines(product, pk_covariates=None, structure=None):
    r"""The covariates and structure of a PK check as lines a pharmacist reads.

    Parameters
    ----------
    product : Product
        From :func:`pkdose.library.load_product` [-]
    pk_covariates : Mapping[str, object], optional
        Given covariates (keys of :data:`PK_COVARIATES`) [-]
    structure : str, optional
        ``"published"`` (default) or ``"one_compartment"`` [-]

    Returns
    -------
    list of str
        One line per covariate given (its published factors in each model,
        or "not applied"), one per default used, then the structure [-]

    References
    ----------
    .. [1] Li J, Lovern M, Green ML, et al. Clin Transl Sci.
       2019;12(2):151-163. doi:10.1111/cts.12585

    Examples
    --------
    >>> population_lines(load_product("cefiderocol"), {"infection_site": "pneumonia"})[0]
    'infection site pneumonia (given): cefiderocol CL ×0.981, V1 ×1.39 [kawaguchi2021 Table 2]'
    """
    lines, analyte = [], {m.key: a for a, m in product.pk_models.items()}
    defaults = {}
    for r in covariate_use(product, pk_covariates):
        if not r["given"]:
            m = r["models"][0]
            defaults.setdefault((r["input"], r["shown"], m["note"]), []).append(analyte[m["model"]])
            continue
        used = [f"{analyte[m['model']]} {_short(m['effects'])}" for m in r["models"] if m["effects"]]
        stand_in = {}
        for m in r["models"]:
            if m["stand_in"]:
                stand_in.setdefault(m["stand_in"]["taken_as"], []).append(m["stand_in"]["paper"])
        unread = [analyte[m["model"]] for m in r["models"] if m["applied"] == "not read by this model"]
        if not used:
            text = ("not applied: no PK model of this product reads it" if len(unread) == len(r["models"])
                    else "no effect at this value")
        else:
            text = "; ".join(used)
        if unread and len(unread) < len(r["models"]):
            text += f"; not read by the {', '.join(unread)} model{'s' if len(unread) > 1 else ''}"
        for level, papers in stand_in.items():
            text += (f" ({r['shown']} not studied in {', '.join(dict.fromkeys(papers))}: taken as {level}, "
                     "a declared assumption)")
        lines.append(f"{_NAMES[r['input']]} {r['shown']} (given): {text}")
    for (field, shown, why), analytes in defaults.items():
        lines.append(f"{_NAMES[field]} {shown} (not given: default population of the {', '.join(analytes)} "
                     f"model{'s' if len(analytes) > 1 else ''}, {why})")
    if structure == "one_compartment":
        lines.append("model structure: the one-compartment reduction (V = Vss, the distribution phase dropped)")
    else:
        lines.append("model structure: as published ("
                     + ", ".join(f"{a} {m.structure.replace('_', '-')}" for a, m in product.pk_models.items()) + ")")
    return lines
