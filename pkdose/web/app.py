r"""The local web calculator: a FastAPI application over :mod:`pkdose.recommend`.

One page (``/``, files in ``static/``) and a JSON API behind it:

=========================  ==================================================
``POST /api/dose``         :func:`pkdose.report.advice_to_dict` — the same
                           JSON as ``pkdose dose --json``
``POST /api/recommend``    :func:`pkdose.report.recommendation_to_dict` — as
                           ``pkdose recommend --json``
``POST /api/dose/plot``    typical concentration–time course at steady state
                           as SVG (:func:`pkdose.plotting.plot_pk_check`)
``POST /api/hd-timing``    :meth:`pkdose.hd_timing.ProductHDTiming.to_dict` — as
                           ``pkdose hd-timing --json``: give now / give at
``POST /api/dose/print``   the note and the dosing card of
                           :class:`pkdose.answers.DoseAnswer` (``--format note|card``)
``POST /api/tdm``          :func:`pkdose.tdm.tdm_to_dict` — as ``pkdose tdm
                           --json`` (dose record and levels as rows)
``POST /api/tdm/plot``     the fit and forecast as SVG (:func:`pkdose.tdm.plot_tdm`)
``GET /api/products``      products, mechanisms, sites, severities, limits
``GET /api/openapi.json``  the OpenAPI document of all of the above
=========================  ==================================================

A request body is read by the one input adapter (:func:`pkdose.inputs.parse_inputs`,
``strict=True``) that the command line and the Python API use: the same
fields, limits and cross-field rules, and every refusal names its field.
The request schemas of the OpenAPI document are written from the adapter's
:data:`~pkdose.inputs.FIELDS` and :data:`~pkdose.inputs.RULES` (with
``dependentRequired``, ``not``/``required`` for conflicts and ``if``/``then``
for value-dependent rules), so that a client generated from the document builds
only requests the server accepts. Every input error is answered with status
422 and ``{"detail": message, "field": name or null, "errors": [...]}``; any
other refusal (a body too large or too slow, a Host not allowed, a wrong
method) is a 4xx of the same shape; anything else is a bug and is answered with
a 500 that carries no traceback.

Safety: nothing is stored; uvicorn's access log is off and the application
logs no request bodies; responses are ``Cache-Control: no-store``; the page
loads nothing from outside the machine (``Content-Security-Policy:
default-src 'self'``); only the allowed host names are accepted in the
``Host`` header (loopback names by default, against DNS rebinding); request
bodies are limited to 16 KiB and must arrive within :data:`BODY_TIMEOUT_S`.
"""

import asyncio
import json
import logging
import threading
import traceback
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import InputError, ModelFileError, PkdoseError
from ..guidelines import SEVERITIES, load_guidelines
from ..answers import dose_answer, with_kinetic_renal
from ..inputs import (COMPONENTS, FIELDS, RECOMMEND_ORGANISMS, RULES, SCR_SERIES_MAX_SAMPLES,
                      SCR_SERIES_MAX_SPAN_H, SCR_SERIES_PATTERN, dosing_renal_methods, mechanism_spellings,
                      parse_inputs, products_needing_mic)
from ..hd_timing import LOCAL_TIME_PATTERN, LOG_COLUMNS, product_hd_timing
from ..population_inputs import RACE_WORDS, models_reading
from ..regimens import select_regimens
from ..library import available_products, load_product, load_regimen_table
from ..library.clinical import clinical
from ..patient import WEIGHT_RANGE_KG
from ..recommend import advise_dose, recommend
from ..units import ALBUMIN_PLAUSIBLE_G_PER_DL
from ..report import DISCLAIMER, recommendation_to_dict
from ..tdm import plot_tdm, tdm_to_dict
from ..tdm.frontend import tdm_from_inputs
from ..units import SCR_PLAUSIBLE_MG_PER_DL, SCR_PLAUSIBLE_UMOL_PER_L

__all__ = ["create_app", "concentration_svg", "tdm_svg", "uvicorn_log_config", "request_schema", "unstated_refusal",
           "LOOPBACK_HOSTS", "MAX_BODY_BYTES", "BODY_TIMEOUT_S", "LABELS", "UNSTATED_RULES"]

log = logging.getLogger("pkdose.web")

STATIC_DIR = Path(__file__).parent / "static"
#: Host names accepted in the Host header by default (DNS-rebinding guard).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
#: Largest request body accepted [bytes].
MAX_BODY_BYTES = 16 * 1024
#: Time a request body may take to arrive, from the first read [s]: a slow body, or one shorter
#: than its Content-Length, is answered 408 and the connection closed.
BODY_TIMEOUT_S = 10.0

_PRODUCTS = tuple(available_products())


#: Field -> the label of its form field: error messages name inputs as the page does.
LABELS = {
    "drug": "Drug", "mechanism": "Resistance mechanism", "site": "Infection site", "severity": "Severity",
    "age_y": "Age", "sex": "Sex", "weight_kg": "Weight", "height_cm": "Height", "scr": "Serum creatinine",
    "scr_unit": "the creatinine unit", "crcl_ml_per_min": "Creatinine clearance",
    "weight_rule": "Weight for Cockcroft–Gault", "renal_method": "Renal function from",
    "hd": "Haemodialysis", "hd.days": "Dialysis days", "hd.start_h": "Session start",
    "hd.session_h": "Session length", "crrt": "CRRT", "crrt.effluent_l_per_h": "Effluent rate",
    "crrt.modality": "Modality", "residual_crcl_ml_per_min": "Residual CrCL", "mic_mg_per_l": "MIC",
    "jurisdiction": "Label", "organism": "Organism", "n": "Virtual patients", "seed": "Random seed",
    "search": "Search a model-informed regimen", "scr_series": "Creatinine series",
    "baseline_scr": "Baseline creatinine", "baseline_crcl_ml_per_min": "Baseline CrCL", "albumin": "Albumin",
    "albumin_unit": "the albumin unit", "ventilated": "Mechanically ventilated", "apache_ii": "APACHE II",
    "race": "Population group", "structure": "Model structure", "last_dose_at": "Last dose started",
    "now": "Now", "last_supplement_at": "Last supplement started", "sessions": "Sessions",
    "doses": "Doses given", "levels": "Measured levels", "analyte": "Analyte measured",
    "hd_sessions": "Dialysis sessions", "crrt_periods": "CRRT periods",
}

#: Rules JSON Schema cannot state, as (field, how the refusal's message starts): a request that breaks one
#: is answered 422 naming the field. The fuzz tests set such requests aside, as the schema's description says.
UNSTATED_RULES = (
    ("scr", "estimated CrCL"),
    ("baseline_scr", "estimated CrCL"),
    ("scr_series", "{scr_series}"),
    ("last_dose_at", "{last_dose_at}"),
    ("now", "{now}"),
    ("last_supplement_at", "{last_supplement_at}"),
    ("sessions", "{sessions}"),
)
_TIME = {"type": "string", "pattern": LOCAL_TIME_PATTERN, "description": "local wall-clock time, YYYY-MM-DD HH:MM"}


class FieldError(BaseModel):
    field: str | None
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer of the API."""

    detail: str = Field(description="what is wrong and how to fix it")
    field: str | None = Field(None, description="request field at fault, dotted (e.g. 'hd.days')")
    errors: list[FieldError] = Field(default_factory=list, description="every problem found")


# --- request bodies: the adapter's fields and rules as JSON Schema ----------------------------------


def _property(f, command):
    """The JSON Schema of one (top-level or nested) field."""
    desc = f.text
    if f.name == "drug":
        return {"type": "string", "enum": list(f.choices), "description": desc}
    if f.name == "mechanism":
        return {"type": "string", "pattern": mechanism_spellings()[1], "description": desc}
    if f.name == "renal_method":  # what every label pkdose ships doses by
        methods = [m for m in f.choices if all(m in dosing_renal_methods(p, j)[0]
                                               for p in _PRODUCTS for j in ("US", "EU"))]
        return {"type": "string", "enum": methods, "description": desc}
    if f.name == "organism" and command == "recommend":
        return {"type": "string", "enum": list(RECOMMEND_ORGANISMS), "description": desc}
    if f.kind == "choice":
        return {"type": "string", "enum": list(f.choices), "description": desc}
    if f.kind == "flag":
        return {"type": "boolean", "description": desc}
    if f.kind == "time":
        return {**_TIME, "description": desc}
    if f.kind == "times":
        return {"oneOf": [_TIME, {"type": "object", "minProperties": 1, "maxProperties": 2,
                                  "propertyNames": {"enum": list(COMPONENTS)}, "additionalProperties": _TIME}],
                "description": desc + " ({component: time} for a combination)"}
    if f.kind == "sessions":
        row = {"type": "object", "additionalProperties": False,
               "properties": {**{k: _TIME for k in LOG_COLUMNS[:3]}, "missed": {"type": "boolean"}}}
        return {"type": "array", "maxItems": 50, "items": row, "description": desc}
    if f.kind == "series":
        return {"type": "string", "pattern": SCR_SERIES_PATTERN, "maxLength": 40 * SCR_SERIES_MAX_SAMPLES,
                "description": desc}
    if f.kind == "windows":
        pair = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
        return {"oneOf": [{"type": "string"}, {"type": "array", "items": pair, "minItems": 1}], "description": desc}
    if f.kind == "records":
        cols = _RECORD_COLUMNS[f.name]
        row = {"type": "object", "additionalProperties": False, "required": list(cols[0]),
               "properties": {c: _RECORD_TYPES.get(c, {"type": "number"}) for c in cols[0] + cols[1]}}
        return {"type": "array", "items": row, "minItems": 1, "description": desc}
    if f.kind == "days":
        return {"type": "array", "items": {"type": "string", "enum": list(f.choices)}, "minItems": 1,
                "maxItems": 7, "uniqueItems": True, "description": desc}
    out = {"type": "integer" if f.kind == "integer" else "number", "description": desc}
    lo, hi = f.bounds
    out["exclusiveMinimum" if f.exclusive[0] else "minimum"] = lo
    if hi != float("inf"):
        out["exclusiveMaximum" if f.exclusive[1] else "maximum"] = hi
    return out


def _tdm_columns():
    from ..tdm.data import DOSE_COLUMNS, LEVEL_COLUMNS, MAX_ROW_INFUSION_H
    types = {"component": {"type": "string"}, "analyte": {"type": "string"}, "free": {"type": "boolean"},
             "time_h": {"type": "number", "minimum": 0}, "amount_mg": {"type": "number", "exclusiveMinimum": 0},
             "infusion_h": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_ROW_INFUSION_H},
             "conc_mg_per_l": {"type": "number", "exclusiveMinimum": 0}}
    return {"doses": DOSE_COLUMNS, "levels": LEVEL_COLUMNS}, types


_RECORD_COLUMNS, _RECORD_TYPES = _tdm_columns()


def _nested(prefix, command, required=()):
    props = {n.split(".", 1)[1]: _property(f, command) for n, f in FIELDS.items()
             if n.startswith(prefix + ".") and command in f.commands}
    out = {"type": "object", "additionalProperties": False, "properties": props,
           "description": FIELDS[prefix].text}
    if required:
        out["required"] = list(required)
    return out


def _rule_schema(rule):
    """One adapter rule as a JSON Schema assertion (None for rules about nested fields)."""
    if "." in rule.field or any("." in o for o in rule.others):
        return None
    when = {"required": [rule.field]}
    if rule.value is not None:
        when["properties"] = {rule.field: {"const": rule.value}}
    if rule.kind == "conflict":
        return {"allOf": [{"not": {**when, "required": [rule.field, o]}} for o in rule.others],
                "description": f"{rule.field} and {'/'.join(rule.others)} conflict: {rule.why}"}
    if rule.kind == "requires" and rule.value is None:
        return {"dependentRequired": {rule.field: list(rule.others)}, "description": rule.why}
    if rule.kind == "requires":
        return {"if": when, "then": {"required": list(rule.others)}, "description": rule.why}
    if rule.kind == "requires_any":
        return {"if": when, "then": {"anyOf": [{"required": [o]} for o in rule.others]}, "description": rule.why}
    fields = (rule.field, *rule.others)
    conflicts = {frozenset((r.field, o)) for r in RULES if r.kind == "conflict" and r.value is None for o in r.others}
    exclusive = all(frozenset((a, b)) in conflicts for i, a in enumerate(fields) for b in fields[i + 1:])
    key = "oneOf" if exclusive else "anyOf"  # every pair conflicts: exactly one of them
    return {key: [{"required": [f]} for f in fields], "description": rule.why}


def _all_or_none(rules):
    """Rules where each of a few fields requires all the others, stated once as 'all of them or none', last.

    The same assertions with fewer branches, placed last: the canonical form
    that schemathesis expands to generate requests (jsonschema_rs) stays within
    its limit on intersections (measured: two more two-way rules fit).
    """
    deps = {}  # (field, the fields it requires) -> its rule
    for r in rules:
        if set(r) == {"dependentRequired", "description"} and len(r["dependentRequired"]) == 1:
            (field, others), = r["dependentRequired"].items()
            deps[(field, frozenset(others))] = r
    merged, groups = set(), []
    for field, others in list(deps):
        group = others | {field}
        members = [(g, group - {g}) for g in sorted(group)]
        if (field, others) in merged or not all(m in deps for m in members):
            continue
        merged |= set(members)
        groups.append({"anyOf": [{"required": sorted(group)},
                                 {"not": {"anyOf": [{"required": [g]} for g in sorted(group)]}}],
                       "description": "; ".join(dict.fromkeys(deps[m]["description"] for m in members))})
    gone = [id(deps[m]) for m in merged]
    return [r for r in rules if id(r) not in gone] + groups


def _product_of(name):
    """The product a drug spelling of the web API stands for."""
    return clinical().aliases.get(name.lower(), name.lower())


def _patient_rules():
    """Rules the patient dataclasses apply, stated for the schema (values from models/clinical.toml)."""
    # one assertion per range (its unit spellings in an enum), both creatinines in it: fewer branches keep
    # the whole schema within what JSON Schema canonicalisers (schemathesis) can expand
    scr = [{"if": {"required": ["scr_unit"], "properties": {"scr_unit": {"enum": list(units)}}},
            "then": {"properties": {k: {"minimum": lo, "maximum": hi} for k in ("scr", "baseline_scr")}}}
           for units, (lo, hi) in ((("mg/dL",), SCR_PLAUSIBLE_MG_PER_DL),
                                   (("µmol/L", "umol/L", "μmol/L"), SCR_PLAUSIBLE_UMOL_PER_L))]
    alb_lo, alb_hi = ALBUMIN_PLAUSIBLE_G_PER_DL
    albumin = [{"if": {"required": ["albumin_unit"], "properties": {"albumin_unit": {"const": unit}}},
                "then": {"properties": {"albumin": {"minimum": alb_lo * k, "maximum": alb_hi * k}}}}
               for unit, k in (("g/dL", 1), ("g/L", 10))]
    race = [n for n in FIELDS["drug"].choices
            if models_reading(load_product(_product_of(n)).pk_models, "race")]
    heavy = clinical().value("no_height_weight_max_kg")
    mic = []
    for organism in FIELDS["organism"].choices:
        needing = products_needing_mic(organism)
        names = [n for n in FIELDS["drug"].choices if n in needing or clinical().aliases.get(n.lower()) in needing]
        if names:
            mic.append({"if": {"required": ["drug", "organism"],
                               "properties": {"drug": {"enum": names}, "organism": {"const": organism}}},
                        "then": {"required": ["mic_mg_per_l"]},
                        "description": f"no breakpoint for these products in {organism}: give the MIC"})
    return mic + [
        {"allOf": scr, "description": "serum creatinine plausible in its unit (0.1–20 mg/dL, 8.8–1768 µmol/L)"},
        {"allOf": albumin, "description": f"albumin plausible in its unit ({alb_lo:g}–{alb_hi:g} g/dL)"},
        {"if": {"required": ["race", "drug"]}, "then": {"properties": {"drug": {"enum": race}}},
         "description": "a population group only for products whose published PK model distinguishes it"},
        {"if": {"required": ["weight_rule"], "properties": {"weight_rule": {"enum": ["ideal", "adjusted"]}}},
         "then": {"required": ["height_cm"]}, "description": "ideal and adjusted weight need the height"},
        {"not": {"required": ["scr", "weight_kg"],
                 "properties": {"weight_kg": {"minimum": heavy}, "weight_rule": {"not": {"const": "total"}}},
                 "not": {"required": ["height_cm"]}},
         "description": f"from {heavy:g} kg, Cockcroft–Gault needs the height or weight_rule 'total'"},
    ]


def request_schema(command):
    r"""The JSON Schema of a request body, written from the input adapter's fields and rules.

    Parameters
    ----------
    command : {"dose", "recommend", "tdm", "hd-timing"}
        Which request [-].

    Returns
    -------
    dict
        A JSON Schema (2020-12, as OpenAPI 3.1 uses) [-].

    Notes
    -----
    One rule cannot be written in JSON Schema: a Cockcroft–Gault estimate
    (from age, weight and SCr) must fall within the accepted CrCL range; such
    a request is answered 422 naming ``scr``.
    """
    fields = [f for n, f in FIELDS.items() if command in f.commands and "." not in n
              and f.kind not in ("path", "paths")]
    props = {}
    for f in fields:
        if f.name in ("hd", "crrt"):
            props[f.name] = _nested(f.name, command, required=("effluent_l_per_h",) if f.name == "crrt" else ())
        elif f.kind == "mic":
            props[f.name] = {**_property(f, command), "type": "number"}
        else:
            props[f.name] = _property(f, command)
    rules = [r for r in (_rule_schema(x) for x in RULES if (not x.commands or command in x.commands)
                         and all(n in props for n in (x.field, *x.others))) if r is not None]
    lo, hi = FIELDS["crcl_ml_per_min"].bounds
    series = (f"a creatinine series (scr_series) must have strictly increasing times, values > 0 and plausible in "
              f"scr_unit, at most {SCR_SERIES_MAX_SAMPLES} samples over at most {SCR_SERIES_MAX_SPAN_H:g} h, and "
              f"give a kinetic CrCL within {lo:g}–{hi:g} mL/min (else 422, field scr_series)")
    if command == "hd-timing":
        return {"title": "HDTimingRequest", "type": "object", "additionalProperties": False, "properties": props,
                "required": ["drug"], "allOf": _all_or_none(rules),
                "description": "As `pkdose hd-timing`: the same fields and rules. Not expressible here: times must "
                               "exist and be in order (the last dose not after now, a session's end after its start "
                               "and not in the future, components of the product named), else 422 naming the "
                               "field."}
    records = ("; nor the rules on the records' contents: a level before the first dose, a dose above the daily "
               "maximum, an infusion implausibly short for the product, a concentration plausible only in another "
               "unit (422, field doses or levels)") if command == "tdm" else ""
    return {
        "title": {"dose": "DoseRequest", "recommend": "RecommendRequest", "tdm": "TDMRequest"}[command],
        "type": "object", "additionalProperties": False, "properties": props,
        "required": {"dose": ["drug"], "recommend": ["mechanism"], "tdm": ["drug", "doses", "levels"]}[command],
        "allOf": _all_or_none(rules + _patient_rules()),
        "description": (f"As `pkdose {command}`: the same fields, limits and rules. Give one renal input: "
                        "crcl_ml_per_min; or scr with scr_unit, age_y, sex and weight_kg; or hd; or crrt. Not "
                        "expressible here: a Cockcroft–Gault estimate must lie within "
                        f"{lo:g}–{hi:g} mL/min (else 422, field scr, or baseline_scr with a series); {series}"
                        f"{records}."),
    }


# --- request -> the adapter ---------------------------------------------------------------------


def _reject_constant(name):
    raise InputError(f"the request body holds {name}, which is not a JSON number; send finite numbers")


def _pairs(pairs):
    seen = {}
    for key, value in pairs:
        if key in seen:
            raise InputError(f"{{{key}}} is given twice in the request body; give it once", field=key)
        seen[key] = value
    return seen


async def _body(request):
    """The request body as a JSON object (refusing duplicate keys, NaN and Infinity)."""
    raw = await request.body()
    if not raw.strip():
        raise InputError("the request body is empty: send a JSON object with Content-Type: application/json")
    try:
        data = json.loads(raw, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError("the request body is not valid JSON: send a JSON object with Content-Type: "
                         "application/json") from None
    if not isinstance(data, dict):
        raise InputError("the request body must be a JSON object (Content-Type: application/json)")
    return data


async def _inputs(request, command):
    return parse_inputs(await _body(request), command, strict=True)


def _hd_timing(inp):
    t = inp.timing
    return product_hd_timing(inp.product, inp.renal_state.schedule, last_dose_at=t["last_dose_at"], now=t["now"],
                             sessions=t["sessions"], last_supplement_at=t["last_supplement_at"],
                             jurisdiction=inp.jurisdiction)


def unstated_refusal(command, body):
    r"""Whether a request is refused for a rule its JSON Schema cannot state (:data:`UNSTATED_RULES`).

    Parameters
    ----------
    command : {"dose", "recommend", "hd-timing"}
        Which request [-].
    body : Mapping
        The request body [-].

    Returns
    -------
    bool
        True when the adapter (and, for ``hd-timing``, the timing itself)
        refuses the body naming a field of :data:`UNSTATED_RULES` [-].
    """
    try:
        inp = parse_inputs(body, command, strict=True)
        if command == "hd-timing":
            _hd_timing(inp)
        else:
            inp.assessment()
    except InputError as exc:
        return any(exc.field == field and exc.template.startswith(head) for field, head in UNSTATED_RULES)
    return False


def _recommendation_dict(rec, inp):
    """``pkdose.recommend/1`` with the kinetic renal method, the covariates given and the kinetic CrCL table."""
    import dataclasses

    from ..changing_renal import json_records

    rec = dataclasses.replace(rec, advice=tuple(with_kinetic_renal(a, inp) for a in rec.advice))
    out = recommendation_to_dict(rec)
    out["population_inputs"] = {"structure": inp.structure, "given": dict(inp.pk_covariates)}
    out["kinetic_crcl"] = None if inp.kinetic is None else json_records(inp.kinetic.table())
    return out


def _advice(inp):
    return with_kinetic_renal(advise_dose(inp.product, **inp.advise_kwargs()), inp)


# --- errors ----------------------------------------------------------------------------------

def _shown(value):
    """A short, safe rendering of a value for a message (a huge integer must not overflow a format)."""
    if isinstance(value, float):
        return f"{value:g}"
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _pydantic_message(err):
    """A query-parameter problem (the only inputs FastAPI itself validates) in the page's words."""
    loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query")]
    field = ".".join(loc) or None
    bounds = {"greater_than_equal": ("ge", "≥"), "greater_than": ("gt", ">"), "less_than_equal": ("le", "≤"),
              "less_than": ("lt", "<")}
    kind = err.get("type", "")
    if kind in bounds:
        key, sign = bounds[kind]
        return field, f"{field} {_shown(err.get('input'))} must be {sign} {_shown(err.get('ctx', {}).get(key))}"
    return field, f"{field or 'request'}: {err.get('msg', 'invalid value')}"


def _error(status, detail, field=None, errors=None, headers=None):
    errors = errors if errors is not None else [{"field": field, "message": detail}]
    return JSONResponse(status_code=status, content={"detail": detail, "field": field, "errors": errors},
                        headers={**(headers or {}), "Cache-Control": "no-store"})


async def _on_validation_error(request, exc):
    errors = []
    for err in exc.errors():
        field, message = _pydantic_message(err)
        if not any(e["field"] == field and e["message"] == message for e in errors):
            errors.append({"field": field, "message": message})
    first = errors[0] if errors else {"field": None, "message": "invalid request"}
    return _error(422, first["message"], first["field"], errors)


async def _on_pkdose_error(request, exc):
    if isinstance(exc, ModelFileError):  # not the user's fault: a broken installation
        log.error("model file error: %s", exc)
        return _error(500, f"pkdose's model files are invalid (reinstall pkdose): {exc}")
    if isinstance(exc, InputError):
        return _error(422, exc.render(LABELS.get), exc.field)
    return _error(422, str(exc), "drug" if "product" in str(exc) else None)


async def _on_http_error(request, exc):
    detail = str(exc.detail)
    return _error(exc.status_code, detail, headers=getattr(exc, "headers", None))  # keeps 405's Allow


async def _on_unexpected(request, exc):
    # A bug. Log where it happened, never the request body or the exception message (which may
    # echo patient values); answer without a traceback.
    frames = "".join(traceback.format_tb(exc.__traceback__))
    log.error("internal error %s in %s %s\n%s", type(exc).__name__, request.method, request.url.path, frames)
    return _error(500, "internal error in pkdose (a bug; nothing was stored). Please report what you "
                       "entered to the maintainers.")


class RedactExceptions(logging.Filter):
    """Logging filter: keep an exception's type and frames, drop its message (it may echo patient values)."""

    def filter(self, record):
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None:
            frames = "".join(traceback.format_tb(exc.__traceback__))
            record.msg = (f"{record.getMessage()} {type(exc).__name__} (message withheld: it may hold "
                          f"patient values)\n{frames}")
            record.args, record.exc_info, record.exc_text = (), None, None
        return True


def uvicorn_log_config():
    """Uvicorn's default logging, with :class:`RedactExceptions` on every handler.

    Returns
    -------
    dict
        A :func:`logging.config.dictConfig` dictionary [-].
    """
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": RedactExceptions}
    for handler in config.get("handlers", {}).values():
        handler["filters"] = [*handler.get("filters", []), "redact"]
    return config


# --- middleware -------------------------------------------------------------------------------

_SECURITY_HEADERS = [
    (b"content-security-policy", b"default-src 'self'; img-src 'self' blob: data:; style-src 'self'; "
                                 b"script-src 'self'; connect-src 'self'; object-src 'none'; "
                                 b"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class _Guard:
    """ASGI middleware: allowed Host names only, bounded and timely bodies, security headers, no caching."""

    def __init__(self, app, hosts=LOOPBACK_HOSTS, body_timeout_s=BODY_TIMEOUT_S):
        self.app = app
        self.hosts = {h.lower() for h in hosts}
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1").lower()
        name = host if host.endswith("]") else host.rsplit(":", 1)[0]
        if self.hosts and name not in self.hosts:
            return await _send_json(send, 400, f"host {host[:80]!r} is not accepted: the calculator answers on "
                                               f"{', '.join(sorted(self.hosts))} only")
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return await _send_json(send, 413, _TOO_LARGE)
        received, deadline = 0, None
        loop = asyncio.get_running_loop()

        async def bounded_receive():
            nonlocal received, deadline
            deadline = deadline or loop.time() + self.body_timeout_s
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.001))
            except asyncio.TimeoutError:
                raise StarletteHTTPException(408, _TOO_SLOW, headers={"Connection": "close"}) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise StarletteHTTPException(413, _TOO_LARGE, headers={"Connection": "close"})
            return message

        no_store = scope["path"].startswith("/api/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = list(_SECURITY_HEADERS) + ([(b"cache-control", b"no-store")] if no_store else [])
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, bounded_receive, send_with_headers)


_TOO_SLOW = (f"the request body did not arrive within {BODY_TIMEOUT_S:g} s (or was shorter than its "
             "Content-Length); send the whole body at once")
_TOO_LARGE = f"request body larger than {MAX_BODY_BYTES} bytes"


async def _send_json(send, status, detail):
    body = json.dumps({"detail": detail, "field": None, "errors": [{"field": None, "message": detail}]}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            (b"cache-control", b"no-store"), *_SECURITY_HEADERS]})
    await send({"type": "http.response.body", "body": body})


# --- the plot ---------------------------------------------------------------------------------

_PLOT_LOCK = threading.Lock()  # matplotlib's font caches are not documented as thread-safe


def concentration_svg(advice, width_in=7.6):
    """SVG of the typical patient's steady-state concentration–time course.

    Parameters
    ----------
    advice : DoseAdvice
        Result of :func:`pkdose.recommend.advise_dose`; the label regimen is
        drawn, or the model-informed one when there is no label regimen [-].
    width_in : float, optional
        Figure width; the page asks for its own width so that the text is
        drawn near its natural size on a narrow screen [in].

    Returns
    -------
    str
        An SVG document, one panel per analyte, x in h and y in mg/L [-].

    Notes
    -----
    When there is neither a label nor a model-informed regimen, the figure
    says so in words (the dose answer explains why).
    """
    import io

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    from ..plotting import plot_pk_check

    if advice.check is not None:
        check, which = advice.check, "label regimen"
    elif advice.alternative_check is not None:
        check, which = advice.alternative_check, "model-informed regimen (not labelled dosing)"
    else:
        check, which = None, None
    with _PLOT_LOCK, rc_context({"svg.hashsalt": "pkdose", "svg.fonttype": "path", "font.size": 10}):
        if check is None:  # an answer, not an error: the dose itself says there is no regimen
            fig = Figure(figsize=(width_in, 1.2), layout="constrained")
            fig.text(0.5, 0.5, f"{advice.display_name}: no label or model-informed regimen to draw for this "
                               f"patient.\n{advice.label_note or advice.alternative_note}"[:300],
                     ha="center", va="center", wrap=True)
            buf = io.StringIO()
            fig.savefig(buf, format="svg", metadata={"Date": None})
            return buf.getvalue()
        n = len(check.courses)
        narrow = width_in < 6
        fig = Figure(figsize=(width_in, (3.6 if narrow else 3.3) * n + 0.4), layout="constrained")
        plot_pk_check(check, fig.subplots(n, 1, squeeze=False)[:, 0])
        sep = "\n" if narrow else " "
        fig.suptitle(f"{advice.display_name}, {which}:{sep}typical patient at steady state "
                     f"(CrCL {advice.renal.crcl_ml_per_min:.0f} mL/min, {advice.renal.renal_state})",
                     fontsize=10)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def tdm_svg(answer, width_in=7.6):
    """SVG of a TDM answer: the fit beside the levels and the forecast.

    Parameters
    ----------
    answer : TDMAdvice
        From :func:`pkdose.tdm.tdm_advice` [-].
    width_in : float, optional
        Figure width [in].

    Returns
    -------
    str
        An SVG document, one panel per measured analyte [-].
    """
    import io

    from matplotlib import rc_context
    from matplotlib.figure import Figure

    measured = answer.fit.measured
    with _PLOT_LOCK, rc_context({"svg.hashsalt": "pkdose", "svg.fonttype": "path", "font.size": 10}):
        fig = Figure(figsize=(width_in, 3.4 * len(measured) + 0.2), layout="constrained")
        for ax, analyte in zip(fig.subplots(len(measured), 1, squeeze=False)[:, 0], measured):
            plot_tdm(answer, ax=ax, analyte=analyte)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


# --- the application --------------------------------------------------------------------------

_DOSE_SCHEMA = {
    "type": "object",
    "description": "pkdose.dose/1, as `pkdose dose --json` (docs/json-schema.md)",
    "required": ["schema", "disclaimer", "product", "renal", "regimens", "pk_check", "references"],
    "properties": {"schema": {"const": "pkdose.dose/1"}},
}
_RECOMMEND_SCHEMA = {
    "type": "object",
    "description": "pkdose.recommend/1, as `pkdose recommend --json` (docs/json-schema.md)",
    "required": ["schema", "disclaimer", "mechanism", "options", "products", "advice", "warnings"],
    "properties": {"schema": {"const": "pkdose.recommend/1"}},
}
_HD_SCHEMA = {
    "type": "object",
    "description": "pkdose.hd_timing/1, as `pkdose hd-timing --json` (docs/json-schema.md)",
    "required": ["schema", "disclaimer", "product", "now", "components", "sessions"],
    "properties": {"schema": {"const": "pkdose.hd_timing/1"}},
}
_TDM_SCHEMA = {
    "type": "object",
    "description": "pkdose.tdm/1, as `pkdose tdm --json` (docs/tdm.md)",
    "required": ["schema", "disclaimer", "model_informed", "product", "individual", "levels", "recommendation"],
    "properties": {"schema": {"const": "pkdose.tdm/1"}},
}
_ERRORS = {422: {"model": ErrorResponse, "description": "input error: what is wrong and which field"},
           400: {"model": ErrorResponse, "description": "Host header not allowed"},
           408: {"model": ErrorResponse, "description": f"body not received within {BODY_TIMEOUT_S:g} s"},
           413: {"model": ErrorResponse, "description": "body larger than 16 KiB"}}


_PRINT_SCHEMA = {
    "type": "object", "required": ["note", "card_html"],
    "properties": {"note": {"type": "string", "description": "as `pkdose dose --format note`"},
                   "card_html": {"type": "string", "description": "the card of `pkdose dose --format card`, as an "
                                                                  "<article class=pk-card> element (style: "
                                                                  "/static/card.css)"}},
}


def _print_outputs(inp):
    """The note and the card of one dose answer, computed once."""
    import datetime

    answer = dose_answer(inp)
    when = datetime.datetime.now()
    return {"note": answer.note(when=when), "card_html": answer.card(when=when, standalone=False)}


def _body_spec(name):
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{name}"}}}}}


@lru_cache(maxsize=1)
def _catalogue():
    g = load_guidelines()
    products = []
    for p in _PRODUCTS:
        t = load_regimen_table(p)
        products.append({"product": p, "display_name": t.display_name, "analytes": list(t.analytes)})
    return {
        "pkdose_version": __version__,
        "disclaimer": DISCLAIMER,
        "products": products,
        "mechanisms": [{"name": m.name, "aliases": list(m.aliases), "description": m.description}
                       for m in g.mechanisms],
        "sites": list(FIELDS["site"].choices),
        "pk_covariates": {p["product"]: {f: bool(models_reading(load_product(p["product"]).pk_models, f))
                                         for f in ("infection_site", "albumin_g_per_dl", "race", "ventilated",
                                                   "apache_ii")} for p in products},
        "race_groups": [{"value": r, "text": RACE_WORDS[r]} for r in FIELDS["race"].choices],
        "structures": list(FIELDS["structure"].choices),
        "hd_components": {p["product"]: [{"component": r.component, "supplement_mg": r.post_hd_supplement_mg or None,
                                          "after_hd": r.give_after_hd}
                                         for r in select_regimens(load_regimen_table(p["product"]), renal_state="ihd")]
                          for p in products},
        "severities": list(SEVERITIES),
        "jurisdictions": list(FIELDS["jurisdiction"].choices),
        "organisms": list(FIELDS["organism"].choices),
        "limits": {**{name.replace(".", "_"): list(f.bounds) for name, f in FIELDS.items()
                      if f.bounds and f.bounds[1] != float("inf")},
                   "scr_mg_per_dl": list(SCR_PLAUSIBLE_MG_PER_DL), "scr_umol_per_l": list(SCR_PLAUSIBLE_UMOL_PER_L)},
        "defaults": {name.replace(".", "_"): f.default for name, f in FIELDS.items()
                     if isinstance(f.default, (int, float)) and not isinstance(f.default, bool)},
        "pta_goal_fraction": clinical().value("pta_goal_fraction"),
        "aliases": dict(clinical().aliases),
    }


def create_app(*, allowed_hosts=LOOPBACK_HOSTS, body_timeout_s=BODY_TIMEOUT_S):
    """Build the web calculator's ASGI application.

    Parameters
    ----------
    allowed_hosts : sequence of str, optional
        Host names accepted in the ``Host`` header; default loopback names
        only (a guard against DNS rebinding). Empty accepts any [-].
    body_timeout_s : float, optional
        Time a request body may take to arrive [s].

    Returns
    -------
    fastapi.FastAPI
    """
    app = FastAPI(
        title="pkdose web calculator",
        version=__version__,
        description=(f"Renal dose adjustment of last-line β-lactams with cited label regimens and a "
                     f"one-compartment PK check. {DISCLAIMER} Nothing is stored or logged."),
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN: not shipped
        redoc_url=None,
    )
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(PkdoseError, _on_pkdose_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)

    @app.post("/api/dose", tags=["dose"], summary="Adjusted regimen, sources and PK check for one drug",
              responses={200: {"content": {"application/json": {"schema": _DOSE_SCHEMA}}}, **_ERRORS},
              response_class=JSONResponse, openapi_extra=_body_spec("DoseRequest"))
    async def dose(request: Request):
        """The same answer as ``pkdose dose --json`` (schema ``pkdose.dose/1``)."""
        inp = await _inputs(request, "dose")
        return JSONResponse(await run_in_threadpool(lambda: dose_answer(inp).to_dict()))

    @app.post("/api/recommend", tags=["recommend"],
              summary="Guideline options for a resistance mechanism, with PK-checked doses",
              responses={200: {"content": {"application/json": {"schema": _RECOMMEND_SCHEMA}}}, **_ERRORS},
              response_class=JSONResponse, openapi_extra=_body_spec("RecommendRequest"))
    async def recommend_(request: Request):
        """The same answer as ``pkdose recommend --json`` (schema ``pkdose.recommend/1``)."""
        inp = await _inputs(request, "recommend")
        rec = await run_in_threadpool(lambda: recommend(inp.mechanism, **inp.recommend_kwargs()))
        return JSONResponse(_recommendation_dict(rec, inp))

    @app.post("/api/dose/plot", tags=["dose"],
              summary="Typical concentration–time course at steady state (SVG)",
              responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}, **_ERRORS},
              response_class=Response, openapi_extra=_body_spec("DoseRequest"))
    async def dose_plot(request: Request,
                        width_in: float = Query(7.6, ge=4, le=12, allow_inf_nan=False,
                                                description="figure width [in]")):
        """Concentration–time curve of the regimen of ``POST /api/dose`` with the MIC and fT>MIC."""
        inp = await _inputs(request, "dose")
        svg = await run_in_threadpool(lambda: concentration_svg(_advice(inp), width_in))
        return Response(svg, media_type="image/svg+xml")

    @app.post("/api/dose/print", tags=["dose"],
              summary="The note to paste into the record and the one-page dosing card (HTML fragment)",
              responses={200: {"content": {"application/json": {"schema": _PRINT_SCHEMA}}}, **_ERRORS},
              response_class=JSONResponse, openapi_extra=_body_spec("DoseRequest"))
    async def dose_print(request: Request):
        """``pkdose dose --format note`` and the card of ``--format card``, for the page's Copy and Print."""
        inp = await _inputs(request, "dose")
        return JSONResponse(await run_in_threadpool(lambda: _print_outputs(inp)))

    @app.post("/api/hd-timing", tags=["haemodialysis"],
              summary="Next dose on haemodialysis from the sessions as they happened: give now / give at",
              responses={200: {"content": {"application/json": {"schema": _HD_SCHEMA}}}, **_ERRORS},
              response_class=JSONResponse, openapi_extra=_body_spec("HDTimingRequest"))
    async def hd_timing(request: Request):
        """The same answer as ``pkdose hd-timing --json`` (schema ``pkdose.hd_timing/1``)."""
        inp = await _inputs(request, "hd-timing")
        answer = await run_in_threadpool(lambda: _hd_timing(inp))
        return JSONResponse({"schema": "pkdose.hd_timing/1", "disclaimer": DISCLAIMER, **answer.to_dict()})

    @app.post("/api/tdm", tags=["tdm"], summary="Bayesian TDM: the patient's PK from measured levels, the next regimen",
              responses={200: {"content": {"application/json": {"schema": _TDM_SCHEMA}}}, **_ERRORS},
              response_class=JSONResponse, openapi_extra=_body_spec("TDMRequest"))
    async def tdm(request: Request):
        """The same answer as ``pkdose tdm --json`` (schema ``pkdose.tdm/1``); records as rows."""
        answer = await run_in_threadpool(tdm_from_inputs, await _inputs(request, "tdm"))
        return JSONResponse(tdm_to_dict(answer))

    @app.post("/api/tdm/plot", tags=["tdm"], summary="The fit and forecast of POST /api/tdm (SVG)",
              responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}, **_ERRORS},
              response_class=Response, openapi_extra=_body_spec("TDMRequest"))
    async def tdm_plot(request: Request,
                       width_in: float = Query(7.6, ge=4, le=12, allow_inf_nan=False, description="figure width [in]")):
        """Individual prediction with its 90 % band, the population prediction and the levels."""
        inp = await _inputs(request, "tdm")
        svg = await run_in_threadpool(lambda: tdm_svg(tdm_from_inputs(inp), width_in))
        return Response(svg, media_type="image/svg+xml")

    @app.get("/api/products", tags=["catalogue"], summary="Products, mechanisms and input limits")
    def products() -> dict:
        """What the page offers in its selectors, and the server's input limits."""
        return _catalogue()

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(_Guard, hosts=tuple(allowed_hosts), body_timeout_s=body_timeout_s)
    app.openapi = lambda: _openapi(app)
    return app


def _openapi(app):
    """FastAPI's document with the request schemas written from the input adapter."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["DoseRequest"] = request_schema("dose")
        schemas["RecommendRequest"] = request_schema("recommend")
        schemas["HDTimingRequest"] = request_schema("hd-timing")
        schemas["TDMRequest"] = request_schema("tdm")
        app.openapi_schema = doc
    return app.openapi_schema
