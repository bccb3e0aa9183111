r"""The local web calculator: a FastAPI application over :mod:`pkdose.recommend`.

One page (``/``, files in ``static/``) and a JSON API behind it:

=========================  ==================================================
``POST /api/dose``         :func:`pkdose.report.advice_to_dict` — the same
                           JSON as ``pkdose dose --json``
``POST /api/recommend``    :func:`pkdose.report.recommendation_to_dict` — as
                           ``pkdose recommend --json``
``POST /api/dose/plot``    typical concentration–time course at steady state
                           as SVG (:func:`pkdose.plotting.plot_concentration`)
``GET /api/products``      products, mechanisms, sites, severities, limits
``GET /api/openapi.json``  the OpenAPI document of all of the above
=========================  ==================================================

Request bodies are pydantic models that enforce the input limits of
:mod:`pkdose.patient` on the server; the renal input is turned into a
:class:`~pkdose.patient.Patient` and a renal state exactly as the command line
does it (``pkdose.cli._patient``). Every input error — a pydantic validation
error or a :class:`~pkdose.errors.PkdoseError` — is answered with status 422
and ``{"detail": message, "field": name or null, "errors": [...]}``; anything
else is a bug and is answered with a 500 that carries no traceback.

Safety: nothing is stored; uvicorn's access log is off and the application
logs no request bodies; responses are ``Cache-Control: no-store``; the page
loads nothing from outside the machine (``Content-Security-Policy:
default-src 'self'``); only loopback host names are accepted in the ``Host``
header (against DNS rebinding); request bodies are limited to 16 KiB.

References
----------
.. [1] Ramírez S. FastAPI. https://fastapi.tiangolo.com (accessed 2026-11-23).
.. [2] OpenAPI Initiative. OpenAPI Specification 3.1.0.
   https://spec.openapis.org/oas/v3.1.0
"""

import json
import logging
import re
import threading
import traceback
from functools import lru_cache
from pathlib import Path
from typing import Literal

from fastapi import FastAPI, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import InputError, ModelFileError, PkdoseError, UnknownDrugError
from ..guidelines import SEVERITIES, SITES, load_guidelines
from ..library import available_products, load_regimen_table
from ..patient import CRRT, HDSchedule, Haemodialysis, Native, patient_from_inputs
from ..recommend import advise_dose, recommend
from ..report import DISCLAIMER, advice_to_dict, recommendation_to_dict

__all__ = ["create_app", "concentration_svg", "uvicorn_log_config", "LOOPBACK_HOSTS", "MAX_BODY_BYTES"]

log = logging.getLogger("pkdose.web")

STATIC_DIR = Path(__file__).parent / "static"
#: Host names accepted in the Host header by default (DNS-rebinding guard).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
#: Largest request body accepted [bytes].
MAX_BODY_BYTES = 16 * 1024

_PRODUCTS = tuple(available_products())
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# --- request models ------------------------------------------------------------------------

# strict: a JSON boolean or string is not a number, 1000.0 is not an integer
_STRICT = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class HDInput(BaseModel):
    """Intermittent haemodialysis schedule (as ``--hd DAYS --hd-start --hd-hours``)."""

    model_config = _STRICT
    days: list[Literal[_WEEKDAYS]] = Field(default=["Mon", "Wed", "Fri"], min_length=1, max_length=7,
                                           description="dialysis days, unique")
    start_h: float = Field(8.0, ge=0, lt=24, description="clock hour each session starts [h]")
    session_h: float = Field(4.0, ge=1, le=12, description="session length [h]")


class CRRTInput(BaseModel):
    """Continuous renal replacement therapy (as ``--crrt-effluent --crrt-modality``)."""

    model_config = _STRICT
    effluent_l_per_h: float = Field(gt=0, le=10, description="effluent rate [L/h]")
    modality: Literal["CVVH", "CVVHD", "CVVHDF"] = "CVVHDF"


class _PatientInput(BaseModel):
    model_config = _STRICT
    crcl_ml_per_min: float | None = Field(None, ge=0, le=400,
                                          description="measured or known creatinine clearance [mL/min]")
    age_y: float | None = Field(None, ge=18, le=120, description="age [years], adults only")
    sex: Literal["female", "male"] | None = None
    # ≥ 1 kg: no adult weighs less; a weight-scaled volume of ~1e-313 L overflows the engine's
    # elimination rate (found by tests/test_web_fuzz.py)
    weight_kg: float | None = Field(None, ge=1, le=350, description="total body weight [kg], 1–350")
    height_cm: float | None = Field(None, ge=130, le=250, description="height [cm]")
    scr: float | None = Field(None, gt=0, le=2000,
                              description="serum creatinine in scr_unit (plausibility checked per unit)")
    scr_unit: Literal["mg/dL", "µmol/L", "umol/L"] | None = Field(None, description="required with scr")
    hd: HDInput | None = Field(None, description="intermittent haemodialysis; not with crrt")
    crrt: CRRTInput | None = Field(None, description="continuous renal replacement; not with hd")
    residual_crcl_ml_per_min: float = Field(5.0, ge=0, le=30,
                                            description="residual CrCL on HD or CRRT [mL/min] (an assumption)")
    # 0.001 mg/L: below the lowest dilution any panel reports; smaller numbers are typing errors
    # (and below ~1e-306 the engine's crossing-time ratio overflows: found by tests/test_web_fuzz.py)
    mic_mg_per_l: float | None = Field(None, ge=0.001, le=512,
                                       description="MIC of the isolate [mg/L], 0.001–512; default the breakpoint")
    jurisdiction: Literal["US", "EU"] = "US"
    organism: Literal["Enterobacterales", "Pseudomonas aeruginosa"] = Field(
        "Enterobacterales", description="organism group: which breakpoints apply")
    n: int = Field(1000, ge=100, le=5000, description="virtual patients for the PTA")
    seed: int = Field(2026, ge=0, le=2**32 - 1, description="random seed")
    search: bool = Field(True, description="search a model-informed regimen when PTA < 90 %")


class DoseRequest(_PatientInput):
    """Body of ``POST /api/dose`` and ``POST /api/dose/plot`` (as ``pkdose dose``)."""

    drug: Literal[_PRODUCTS] = Field(description="product")

    model_config = ConfigDict(**_STRICT, json_schema_extra={"examples": [
        {"drug": "cefiderocol", "crcl_ml_per_min": 45},
        {"drug": "cefiderocol", "age_y": 72, "sex": "female", "weight_kg": 58, "height_cm": 160,
         "scr": 1.6, "scr_unit": "mg/dL", "mic_mg_per_l": 2}]})


class RecommendRequest(_PatientInput):
    """Body of ``POST /api/recommend`` (as ``pkdose recommend``)."""

    mechanism: str = Field(min_length=1, max_length=64,
                           description="KPC, OXA-48, MBL (NDM, VIM, IMP), carbapenemase-negative or untyped; "
                                       "aliases and mixtures (NDM+OXA-48) accepted")
    site: Literal[SITES] | None = Field(None, description="infection site filter")
    severity: Literal[SEVERITIES] | None = Field(None, description="severity filter")

    model_config = ConfigDict(**_STRICT, json_schema_extra={"examples": [
        {"mechanism": "NDM", "crcl_ml_per_min": 45, "mic_mg_per_l": 2}]})


class FieldError(BaseModel):
    field: str | None
    message: str


class ErrorResponse(BaseModel):
    """Every 4xx/5xx answer of the API."""

    detail: str = Field(description="what is wrong and how to fix it")
    field: str | None = Field(None, description="request field at fault, dotted (e.g. 'hd.days')")
    errors: list[FieldError] = Field(default_factory=list, description="every problem found")


# --- request -> domain objects (mirrors pkdose.cli) ------------------------------------------


def _renal_state(req):
    if req.hd is not None and req.crrt is not None:
        raise InputError("choose intermittent haemodialysis or CRRT, not both", field="crrt")
    if req.hd is not None:
        try:
            schedule = HDSchedule(days=tuple(req.hd.days), start_h=req.hd.start_h, session_h=req.hd.session_h)
        except InputError as exc:
            raise InputError(str(exc), field=_guess_field(str(exc), prefix="hd.") or "hd.days") from None
        return Haemodialysis(schedule=schedule, residual_crcl_ml_per_min=req.residual_crcl_ml_per_min)
    if req.crrt is not None:
        return CRRT(effluent_l_per_h=req.crrt.effluent_l_per_h, modality=req.crrt.modality,
                    residual_crcl_ml_per_min=req.residual_crcl_ml_per_min)
    return Native()


def _patient(req, state):
    return patient_from_inputs(age_y=req.age_y, sex=req.sex, weight_kg=req.weight_kg, height_cm=req.height_cm,
                               scr=req.scr, scr_unit=req.scr_unit, crcl_ml_per_min=req.crcl_ml_per_min,
                               renal_state=state)


def _dose_kwargs(req):
    state = _renal_state(req)
    if req.crcl_ml_per_min is None and req.scr is None and isinstance(state, Native):
        raise InputError("no renal function given: enter a serum creatinine (with unit, age, sex and "
                         "weight), or a CrCL, or choose haemodialysis or CRRT", field="crcl_ml_per_min")
    patient = _patient(req, state)
    return dict(patient=patient, renal_state=state,
                crcl_ml_per_min=None if patient else req.crcl_ml_per_min,
                mic_mg_per_l=req.mic_mg_per_l, jurisdiction=req.jurisdiction, n=req.n, rng=req.seed,
                search=req.search, organism=req.organism)


def _advice(req):
    return advise_dose(req.drug, **_dose_kwargs(req))


# --- errors ----------------------------------------------------------------------------------

#: Message beginnings of pkdose's own errors -> request field.
_MESSAGE_FIELDS = (
    (r"^(serum creatinine )?scr_unit\b", "scr_unit"),
    (r"^(serum creatinine )?scr\b|^serum creatinine\b", "scr"),
    (r"^age(_y)?\b", "age_y"),
    (r"^weight(_kg)?\b", "weight_kg"),
    (r"^height(_cm)?\b", "height_cm"),
    (r"^residual_crcl", "residual_crcl_ml_per_min"),
    (r"^(crcl_ml_per_min|CrCL)\b", "crcl_ml_per_min"),
    (r"^sex\b", "sex"),
    (r"^effluent", "crrt.effluent_l_per_h"),
    (r"^modality", "crrt.modality"),
    (r"^(days)\b", "hd.days"),
    (r"^start_h\b", "hd.start_h"),
    (r"^session_h\b", "hd.session_h"),
    (r"^MIC\b|^no susceptible breakpoint", "mic_mg_per_l"),
    (r"^(mechanism|unknown mechanism)", "mechanism"),
    (r"^site\b", "site"),
    (r"^severity\b", "severity"),
)


def _guess_field(message, prefix=""):
    for pattern, field in _MESSAGE_FIELDS:
        if re.search(pattern, message, flags=re.IGNORECASE):
            if prefix and not field.startswith(prefix):
                continue
            return field
    return None


_WORDING = (
    ("give --mic", "enter the MIC of the isolate"),
    ("serum creatinine scr=", "serum creatinine "),
    ("Check scr_unit.", "Check the unit."),
)


def _web_wording(message):
    """Core messages name CLI flags and argument names; say them in the page's words."""
    for old, new in _WORDING:
        message = message.replace(old, new)
    return message


_LABELS = {
    "age_y": ("Age", "years", "pkdose covers adult labels only"),
    "weight_kg": ("Weight", "kg", "give the weight in kg, not lb"),
    "height_cm": ("Height", "cm", "give the height in cm, not inches; or leave it empty"),
    "crcl_ml_per_min": ("CrCL", "mL/min", "de-index an indexed value (mL/min/1.73 m²) first"),
    "scr": ("Serum creatinine", "", "check the value and its unit"),
    "residual_crcl_ml_per_min": ("Residual CrCL", "mL/min", "maintenance RRT is not expected above 30 mL/min"),
    "mic_mg_per_l": ("MIC", "mg/L", "enter the MIC in mg/L, 0.001–512"),
    "n": ("Virtual patients", "", "the web calculator runs 100–5000"),
    "seed": ("Seed", "", ""),
    "hd.start_h": ("Session start", "h", "use the 24-h clock, e.g. 13.5 for 13:30"),
    "hd.session_h": ("Session length", "h", ""),
    "crrt.effluent_l_per_h": ("Effluent rate", "L/h", "give the total effluent in L/h"),
}

_BOUND_WORDS = {"greater_than_equal": ("ge", "≥"), "greater_than": ("gt", ">"),
                "less_than_equal": ("le", "≤"), "less_than": ("lt", "<")}


def _pydantic_message(err):
    loc = [str(x) for x in err.get("loc", ()) if x != "body"]
    # drop list indices and the Literal[...] wrapper names pydantic puts in loc
    field = ".".join(x for x in loc if not x.isdigit() and not x.startswith(("literal[", "function-")))
    kind = err.get("type", "")
    value = err.get("input")
    label, unit, hint = _LABELS.get(field, (field or "request body", "", ""))
    if kind in _BOUND_WORDS:
        key, sign = _BOUND_WORDS[kind]
        limit = err.get("ctx", {}).get(key)
        limit = f"{limit:g}" if isinstance(limit, (int, float)) else limit
        shown = f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else repr(value)
        text = f"{label} {shown} must be {sign} {limit}{' ' + unit if unit else ''}"
        return field, text + (f"; {hint}" if hint else "")
    if kind == "missing":
        return field, f"{label} is required"
    if kind == "extra_forbidden":
        return field, f"unknown field '{field}'; see /api/openapi.json for the accepted fields"
    if kind in ("json_invalid", "model_attributes_type", "dict_type", "model_type") and not field:
        return None, "the request body must be a JSON object (Content-Type: application/json)"
    if kind == "finite_number":
        return field, f"{label} must be a finite number"
    return field or None, f"{label}: {err.get('msg', 'invalid value')}"


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
    message = _web_wording(str(exc))
    field = getattr(exc, "field", None) or _guess_field(message)
    if isinstance(exc, UnknownDrugError) and field is None:
        field = "drug"
    return _error(422, message, field)


async def _on_http_error(request, exc):
    detail = str(exc.detail)
    if detail == "There was an error parsing the body":  # FastAPI's words for a body it cannot read
        detail = "the request body could not be read: send a JSON object with Content-Type: application/json"
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

    References
    ----------
    .. [1] Encode. Uvicorn settings: logging. https://www.uvicorn.org/settings/#logging
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
    """ASGI middleware: loopback Host names only, bounded bodies, security headers, no caching."""

    def __init__(self, app, hosts=LOOPBACK_HOSTS):
        self.app = app
        self.hosts = {h.lower() for h in hosts}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host", b"").decode("latin-1").lower()
        name = host if host.endswith("]") else host.rsplit(":", 1)[0]
        if self.hosts and name not in self.hosts:
            return await _send_json(send, 400, f"host {host!r} is not accepted: the calculator answers on "
                                               "loopback names only")
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY_BYTES):
            return await _send_json(send, 413, _TOO_LARGE)
        received = 0

        async def bounded_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise StarletteHTTPException(413, _TOO_LARGE)
            return message

        no_store = scope["path"].startswith("/api/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                extra = list(_SECURITY_HEADERS) + ([(b"cache-control", b"no-store")] if no_store else [])
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, bounded_receive, send_with_headers)


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

    Raises
    ------
    InputError
        There is neither a label nor a model-informed regimen to draw.

    References
    ----------
    .. [1] Hunter JD. Matplotlib: a 2D graphics environment. Comput Sci Eng.
       2007;9(3):90-95. doi:10.1109/MCSE.2007.55
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
        raise InputError("no label or model-informed regimen to plot for this patient: "
                         f"{advice.label_note or advice.alternative_note}")
    with _PLOT_LOCK, rc_context({"svg.hashsalt": "pkdose", "svg.fonttype": "path", "font.size": 10}):
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
_ERRORS = {422: {"model": ErrorResponse, "description": "input error: what is wrong and which field"},
           400: {"model": ErrorResponse, "description": "Host header not loopback"},
           413: {"model": ErrorResponse, "description": "body larger than 16 KiB"}}


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
        "sites": list(SITES),
        "severities": list(SEVERITIES),
        "jurisdictions": ["US", "EU"],
        "organisms": ["Enterobacterales", "Pseudomonas aeruginosa"],
        "limits": {"age_y": [18, 120], "weight_kg": [1, 350], "height_cm": [130, 250],
                   "scr_mg_per_dl": [0.1, 20], "scr_umol_per_l": [8.8, 1768], "crcl_ml_per_min": [0, 400],
                   "residual_crcl_ml_per_min": [0, 30], "crrt_effluent_l_per_h": [0, 10],
                   "mic_mg_per_l": [0.001, 512], "n": [100, 5000]},
    }


def create_app(*, allowed_hosts=LOOPBACK_HOSTS):
    """Build the web calculator's ASGI application.

    Parameters
    ----------
    allowed_hosts : sequence of str, optional
        Host names accepted in the ``Host`` header; default loopback names
        only (a guard against DNS rebinding). Empty accepts any [-].

    Returns
    -------
    fastapi.FastAPI

    References
    ----------
    .. [1] Ramírez S. FastAPI. https://fastapi.tiangolo.com
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
              response_class=JSONResponse)
    def dose(req: DoseRequest):
        """The same answer as ``pkdose dose --json`` (schema ``pkdose.dose/1``)."""
        return JSONResponse(advice_to_dict(_advice(req)))

    @app.post("/api/recommend", tags=["recommend"],
              summary="Guideline options for a resistance mechanism, with PK-checked doses",
              responses={200: {"content": {"application/json": {"schema": _RECOMMEND_SCHEMA}}}, **_ERRORS},
              response_class=JSONResponse)
    def recommend_(req: RecommendRequest):
        """The same answer as ``pkdose recommend --json`` (schema ``pkdose.recommend/1``)."""
        kw = _dose_kwargs(req)
        rec = recommend(req.mechanism, **kw, site=req.site, severity=req.severity)
        return JSONResponse(recommendation_to_dict(rec))

    @app.post("/api/dose/plot", tags=["dose"],
              summary="Typical concentration–time course at steady state (SVG)",
              responses={200: {"content": {"image/svg+xml": {"schema": {"type": "string"}}}}, **_ERRORS},
              response_class=Response)
    def dose_plot(req: DoseRequest,
                  width_in: float = Query(7.6, ge=4, le=12, allow_inf_nan=False,
                                          description="figure width [in]")):
        """Concentration–time curve of the regimen of ``POST /api/dose`` with the MIC and fT>MIC."""
        return Response(concentration_svg(_advice(req), width_in), media_type="image/svg+xml")

    @app.get("/api/products", tags=["catalogue"], summary="Products, mechanisms and input limits")
    def products() -> dict:
        """What the page offers in its selectors, and the server's input limits."""
        return _catalogue()

    @app.get("/", include_in_schema=False)
    def index():
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(_Guard, hosts=tuple(allowed_hosts))
    return app
