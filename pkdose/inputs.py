r"""The one input adapter: patient, renal state and regimen options from a plain mapping.

The command line (:mod:`pkdose.cli`), the web calculator (:mod:`pkdose.web`)
and the Python API turn what a user typed into pkdose's objects here, and
only here:

>>> inp = parse_inputs({"drug": "Fetroja", "crcl_ml_per_min": 45})
>>> inp.product, inp.renal_state, inp.crcl_ml_per_min
('cefiderocol', Native(), 45.0)

The mapping uses the field names of :data:`FIELDS` (those of the web API);
nested inputs are a mapping (``{"hd": {"start_h": 9}}``) or a dotted key
(``{"hd": True, "hd.start_h": 9}``). What the adapter guarantees:

* **Every input error names its field.** It is a
  :class:`~pkdose.errors.InputError` whose ``field`` is the input at fault
  and whose message names inputs as ``{field}`` placeholders, so the command
  line says ``--scr-unit`` and the web page shows the message under its form
  field (:meth:`~pkdose.errors.InputError.render`).
* **Every limit is defined once**: the clinical ones in
  ``models/clinical.toml`` (read by :mod:`pkdose.patient`), the technical ones
  (virtual patients, seed, MIC entry guard) below. :data:`FIELDS` carries each
  field's bounds for the OpenAPI document.
* **Conflicts and unused inputs are refused**, naming both inputs
  (:data:`RULES`): a CrCL with haemodialysis, a residual CrCL without renal
  replacement, a session start without a session, a weight rule without a
  serum creatinine…
* **Types are strict.** A number is an ``int`` or ``float`` (never a ``bool``
  or a string: the command line converts its text with :func:`number_from_text`,
  which takes ASCII decimals only); a choice is one of its spellings (any case
  unless ``strict=True``, as the web API is); a name given twice is refused.
* ``--weight-rule`` and ``--renal-method`` travel with the
  :class:`~pkdose.patient.Patient`, so that ``dose``, ``recommend``,
  ``simulate``, ``pta`` and the web page use the CrCL ``crcl`` shows.
"""

import math
import numbers
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from .errors import InputError, OutOfRangeError
from .exposure import DEFAULT_STRUCTURE, STRUCTURES
from .extracorporeal import CRRT_MODALITIES, WEEKDAYS
from .guidelines import SEVERITIES, SITES, load_guidelines, parse_mechanisms
from .library import available_products, load_regimen_table, load_sources
from .library.clinical import clinical, normalise_product_name
from .paths import writable_file
from .patient import (
    AGE_RANGE_Y,
    CRCL_RANGE_ML_PER_MIN,
    CRRT,
    DEFAULT_RESIDUAL_CRCL_ML_PER_MIN,
    EFFLUENT_MAX_L_PER_H,
    HEIGHT_RANGE_CM,
    RENAL_METHODS,
    RESIDUAL_CRCL_RANGE_ML_PER_MIN,
    SESSION_RANGE_H,
    WEIGHT_RANGE_KG,
    HDSchedule,
    Haemodialysis,
    Native,
    Patient,
    crcl_assessment,
    renal_assessment,
)
from .hd_timing import parse_local_time, read_session_log, session_records
from .kinetic_gfr import kinetic_crcl_trajectory, parse_scr_series
from .population_inputs import RACE_WORDS, models_reading, pk_sites, race_levels
from .pta import DEFAULT_SEED
from .recommend import ORGANISMS
from .renal import SEX_ABBREVIATIONS, SEXES, WEIGHT_RULES
from .units import ALBUMIN_UNITS, albumin_to_g_per_dl

__all__ = [
    "FIELDS",
    "COMMANDS",
    "COMPONENTS",
    "RULES",
    "Field",
    "Rule",
    "Inputs",
    "parse_inputs",
    "resolve_product",
    "resolve_mechanism",
    "mechanism_spellings",
    "number_from_text",
    "integer_from_text",
    "mic_from_text",
    "times_from_text",
    "days_from_text",
    "check_plot_path",
    "dosing_renal_methods",
    "products_needing_mic",
    "N_RANGE",
    "SEED_RANGE",
    "SCR_SERIES_MAX_SAMPLES",
    "SCR_SERIES_MAX_SPAN_H",
    "SCR_SERIES_PATTERN",
    "MIC_RANGE_MG_PER_L",
    "DEFAULT_N",
    "PLOT_FORMATS",
]

#: Virtual patients per PTA: 100 keeps the Monte Carlo error of a 90 % PTA under ±6 points (3 SD);
#: 100,000 takes seconds per regimen and bounds a model-informed search to minutes (technical).
N_RANGE = (100, 100_000)
#: Virtual patients when none is chosen.
DEFAULT_N = 1000
#: Seeds accepted: what every numpy generator takes, and what fits in 32 bits for the web page.
SEED_RANGE = (0, 2**32 - 1)
#: MIC entry guard [mg/L]: from below the lowest dilution any panel reports (0.002) to 512; a smaller
#: number is a typing error, and below ~1e-306 the engine's crossing-time ratio would overflow.
MIC_RANGE_MG_PER_L = (0.001, 512.0)
#: A creatinine series: at most this many samples over at most this many hours (technical: a kinetic CrCL
#: follows an acute change over days, and the first days of therapy are simulated over the series' span).
SCR_SERIES_MAX_SAMPLES = 30
SCR_SERIES_MAX_SPAN_H = 168.0
#: ECMA-262 and Python pattern of a creatinine series the web API states ('0:1.1, 24:2.0'); the parser
#: (:func:`pkdose.kinetic_gfr.parse_scr_series`) then checks order, duplicates and the values.
SCR_SERIES_PATTERN = r"^ *[0-9]+(\.[0-9]+)? *: *[0-9]+(\.[0-9]+)? *(, *[0-9]+(\.[0-9]+)? *: *[0-9]+(\.[0-9]+)? *)+$"
#: Figure formats the plot commands write.
PLOT_FORMATS = ("png", "pdf", "svg")
#: Accepted spellings of a serum-creatinine unit (strict mode: exactly these).
SCR_UNITS = ("mg/dL", "µmol/L", "umol/L", "μmol/L")
JURISDICTIONS = ("US", "EU")
#: Organisms ``recommend`` covers: its mechanism tables are those of carbapenem-resistant Enterobacterales
#: (ESCMID 2022 CRE section; IDSA 2026 Section 3), as :func:`pkdose.recommend.recommend` says.
RECOMMEND_ORGANISMS = ("Enterobacterales",)
#: How organisms are typed on the command line -> the organism group.
_ORGANISM_SPELLINGS = {"entero": "Enterobacterales", "enterobacterales": "Enterobacterales",
                       "enterobacteriaceae": "Enterobacterales", "p aeruginosa": "Pseudomonas aeruginosa",
                       "pseudomonas": "Pseudomonas aeruginosa", "pa": "Pseudomonas aeruginosa",
                       "pseudomonas aeruginosa": "Pseudomonas aeruginosa"}
#: Mechanisms that stand alone: a mixture with a carbapenemase contradicts them
#: (:func:`pkdose.guidelines.parse_mechanisms`).
_ALONE = ("carbapenemase-negative", "not yet typed")


@dataclass(frozen=True)
class Field:
    r"""One input: its kind, what it means, its bounds and which commands take it.

    Parameters
    ----------
    name : str
        Field name, dotted when nested (``"hd.start_h"``) [-]
    kind : str
        ``"number"``, ``"integer"``, ``"choice"``, ``"flag"``, ``"days"``,
        ``"mic"``, ``"object"``, ``"path"``, ``"paths"``, ``"windows"``
        (time windows, ``"25-29,73-77"``) or ``"records"`` (a CSV file, or
        rows of a table) [-]
    text : str
        What it is, one line, with its unit [-]
    bounds : tuple, optional
        ``(lo, hi)`` inclusive unless `exclusive` says otherwise [unit of the field]
    exclusive : tuple of bool, optional
        Whether ``lo`` and ``hi`` are excluded [-]
    choices : tuple of str, optional
        Accepted spellings (a choice) [-]
    default : object, optional
        What is used when the field is not given [-]
    commands : tuple of str, optional
        Commands that take the field [-]

    Examples
    --------
    >>> FIELDS["crcl_ml_per_min"].bounds
    (0.0, 400.0)
    """

    name: str
    kind: str
    text: str
    bounds: tuple = ()
    exclusive: tuple = (False, False)
    choices: tuple = ()
    default: object = None
    commands: tuple = ()


_C = clinical()
_DRUG = ("dose", "simulate", "pta", "tdm")
_DOSING = ("dose", "recommend", "simulate", "pta", "tdm")
_ALL = ("crcl", *_DOSING)
_HD_TIMING = ("hd-timing",)
_TIMED = ("dose", "simulate", "pta", "tdm", "hd-timing")
_PRODUCTS = tuple(available_products())
_ANALYTES = tuple(dict.fromkeys(a for p in _PRODUCTS for a in load_regimen_table(p).analytes))
#: Components of the products (what a combination's dose times are given for).
COMPONENTS = tuple(sorted({c for p in _PRODUCTS for c in load_regimen_table(p).components}))


def _fields():
    f = [
        Field("drug", "choice", "product (or a brand name or abbreviation: fetroja, avycaz, CZA, ATM-AVI …)",
              choices=_PRODUCTS + tuple(_C.aliases) + tuple(a.upper() for a in _C.aliases), commands=_TIMED),
        Field("mechanism", "choice", "resistance mechanism: KPC, OXA-48, MBL (NDM, VIM, IMP) or untyped",
              commands=("recommend",)),
        Field("site", "choice", "infection site: reaches the PK models (each paper's site factors; a site a paper did "
              "not study is taken as its most conservative one) and filters recommend's guideline options; "
              "default: each model's default population", choices=tuple(dict.fromkeys(SITES + pk_sites())),
              commands=_DOSING),
        Field("severity", "choice", "severity filter", choices=SEVERITIES, commands=("recommend",)),
        Field("age_y", "number", "age [years], adults only", AGE_RANGE_Y, commands=_ALL),
        Field("sex", "choice", "female or male (F / M)", choices=("female", "male", "F", "M"), commands=_ALL),
        Field("weight_kg", "number", "total body weight [kg]", WEIGHT_RANGE_KG, commands=_ALL),
        Field("height_cm", "number", "height [cm]; gives ideal and adjusted weight, BSA", HEIGHT_RANGE_CM,
              commands=_ALL),
        Field("scr", "number", "serum creatinine, in scr_unit (0.1–20 mg/dL = 8.8–1768 µmol/L)",
              (0.0, math.inf), (True, False), commands=_ALL),
        Field("scr_unit", "choice", "unit of scr: mg/dL or µmol/L", choices=SCR_UNITS, commands=_ALL),
        Field("crcl_ml_per_min", "number", "measured or known creatinine clearance [mL/min], not indexed",
              CRCL_RANGE_ML_PER_MIN, commands=_ALL),
        Field("weight_rule", "choice", "body weight in Cockcroft–Gault (auto: by BMI, see docs)",
              choices=WEIGHT_RULES, default="auto", commands=_ALL),
        Field("renal_method", "choice", "how the CrCL for dosing is obtained: cg (Cockcroft–Gault, the labels' "
              "method), ckd-epi-2021 (de-indexed eGFR; crcl only, no label doses by it) or measured",
              choices=RENAL_METHODS, commands=_ALL),
        Field("hd", "object", "intermittent haemodialysis on a weekly schedule", commands=_ALL + _HD_TIMING),
        Field("hd.days", "days", "dialysis days, e.g. Mon, Wed, Fri", choices=WEEKDAYS,
              default=("Mon", "Wed", "Fri"), commands=_ALL + _HD_TIMING),
        Field("hd.start_h", "number", "clock hour each session starts [h], 13.5 = 13:30", (0.0, 24.0),
              (False, True), default=8.0, commands=_ALL + _HD_TIMING),
        Field("hd.session_h", "number", "session length [h]", SESSION_RANGE_H, default=4.0,
              commands=_ALL + _HD_TIMING),
        Field("crrt", "object", "continuous renal replacement therapy", commands=_ALL),
        Field("crrt.effluent_l_per_h", "number", "CRRT effluent rate [L/h]", (0.0, EFFLUENT_MAX_L_PER_H),
              (True, False), commands=_ALL),
        Field("crrt.modality", "choice", "CRRT modality", choices=CRRT_MODALITIES, default="CVVHDF",
              commands=_ALL),
        Field("residual_crcl_ml_per_min", "number", "residual native CrCL on HD or CRRT [mL/min] (default "
              f"{DEFAULT_RESIDUAL_CRCL_ML_PER_MIN:g}, an assumption)", RESIDUAL_CRCL_RANGE_ML_PER_MIN,
              default=DEFAULT_RESIDUAL_CRCL_ML_PER_MIN, commands=_ALL),
        Field("scr_series", "series", "serum creatinines that are changing, 'hours:value,hours:value,…' in "
              "scr_unit (at least two, oldest first, e.g. 0:1.1,24:2.0,48:2.6): the kinetic CrCL (Chen 2013) "
              "replaces the steady-state estimate", commands=_ALL),
        Field("baseline_scr", "number", "steady-state serum creatinine before the change, in scr_unit (with "
              "scr_series)", (0.0, math.inf), (True, False), commands=_ALL),
        Field("baseline_crcl_ml_per_min", "number", "CrCL at that steady state, when measured or known [mL/min] "
              "(default: Cockcroft–Gault from baseline_scr)", CRCL_RANGE_ML_PER_MIN, commands=_ALL),
        Field("albumin", "number", "serum albumin, in albumin_unit (0.5–6.5 g/dL = 5–65 g/L); the cefiderocol "
              "model reads it", (0.0, math.inf), (True, False), commands=_DOSING),
        Field("albumin_unit", "choice", "unit of albumin: g/dL or g/L", choices=ALBUMIN_UNITS, commands=_DOSING),
        Field("ventilated", "flag", "mechanically ventilated (the Li 2019 ceftazidime-avibactam models read it)",
              commands=_DOSING),
        Field("apache_ii", "integer", "APACHE II score [points] (the Li 2019 avibactam model reads 'above 10')",
              tuple(int(x) for x in _C.range("apache_ii")), commands=_DOSING),
        Field("race", "choice", "population group, for products whose published PK model distinguishes it ("
              + "; ".join(f"{k}: {RACE_WORDS[k]}" for k in race_levels()) + ")", choices=race_levels(),
              commands=_DOSING),
        Field("structure", "choice", "PK model structure: published (the papers' 2 or 3 compartments) or "
              "one_compartment (the reduction, V = Vss)", choices=STRUCTURES, default=DEFAULT_STRUCTURE,
              commands=tuple(c for c in _DOSING if c != "tdm")),  # a TDM fit uses the published structures
        Field("mic_mg_per_l", "mic", "MIC of the isolate [mg/L] (default: the susceptible breakpoint)",
              MIC_RANGE_MG_PER_L, commands=_DOSING),
        Field("jurisdiction", "choice", "label: US (FDA) or EU (EMA)", choices=JURISDICTIONS, default="US",
              commands=_DOSING + _HD_TIMING),
        Field("last_dose_at", "times", "when the last maintenance dose was started, local time YYYY-MM-DD HH:MM; "
              "for a combination one time for both, or one per component", commands=_HD_TIMING),
        Field("now", "time", "the time of the advice, local YYYY-MM-DD HH:MM (default: this computer's clock)",
              commands=_HD_TIMING),
        Field("last_supplement_at", "times", "when the last post-session supplement was started (aztreonam), "
              "local time", commands=_HD_TIMING),
        Field("sessions", "sessions", "the sessions that differ from the schedule (late, early, running, missed, "
              "extra): scheduled_start, start, end, missed", commands=_HD_TIMING),
        Field("hd_log", "path", "session-log CSV: scheduled_start,start,end,missed (docs/changing-renal-function.md)",
              commands=_HD_TIMING),
        Field("organism", "choice", "organism group: which breakpoints apply (recommend covers "
              "Enterobacterales)", choices=ORGANISMS, default=ORGANISMS[0], commands=_DOSING),
        Field("n", "integer", "virtual patients for the PTA", N_RANGE, default=DEFAULT_N, commands=_DOSING),
        Field("seed", "integer", "random seed of the virtual population", SEED_RANGE, default=DEFAULT_SEED,
              commands=_DOSING),
        Field("search", "flag", f"search a model-informed regimen when the PTA is below "
              f"{_C.value('pta_goal_fraction'):.0%}", default=True, commands=("dose", "recommend", "tdm")),
        Field("model_informed", "flag", "use the model-informed regimen instead of the label regimen",
              default=False, commands=("simulate", "pta")),
        Field("plot", "path", f"figure file ({', '.join(PLOT_FORMATS)})", commands=("simulate", "pta", "tdm")),
        Field("doses", "records", "doses given: DOSES.csv with time_h,amount_mg,infusion_h[,component] (amount of "
              "the product as labelled; infusion_h 24 for a day of continuous infusion)", commands=("tdm",)),
        Field("levels", "records", "measured levels: LEVELS.csv with time_h,conc_mg_per_l[,analyte][,free]",
              commands=("tdm",)),
        Field("analyte", "choice", "analyte of levels that name none (two-analyte products)",
              choices=_ANALYTES, commands=("tdm",)),
        Field("hd_sessions", "windows", "actual haemodialysis sessions as start-end hours on the dose record's "
              "clock, e.g. 25-29,73-77", commands=("tdm",)),
        Field("crrt_periods", "windows", "periods on CRRT as start-end hours on the dose record's clock (default: "
              "throughout)", commands=("tdm",)),
        Field("pk_model", "paths", "your own PK model files replacing the defaults of their analytes",
              default=(), commands=_DRUG),
    ]
    return MappingProxyType({x.name: x for x in f})


#: Every input pkdose accepts, by field name.
FIELDS = _fields()
#: Fields each command takes.
COMMANDS = MappingProxyType({c: tuple(n for n, f in FIELDS.items() if c in f.commands) for c in _ALL + _HD_TIMING})


@dataclass(frozen=True)
class Rule:
    r"""A cross-field rule: a conflict, a requirement, or "at least one of".

    Parameters
    ----------
    kind : str
        ``"conflict"`` (`field` and every one of `others` not together),
        ``"requires"`` (`field` needs all of `others`), ``"requires_any"``
        (`field` needs one of `others`) or ``"one_of"`` (at least one of
        `field` and `others`) [-]
    field : str
        The input the rule is about (named first in the message) [-]
    others : tuple of str
        The other inputs [-]
    why : str
        The reason, with ``{field}`` placeholders [-]
    value : str, optional
        The rule applies only when `field` has this value [-]
    commands : tuple of str, optional
        The commands the rule applies to; empty: all [-]
    blame : {"self", "missing"}, optional
        Which input the error is shown at: `field` (an input that is unused
        or conflicts), or the first missing one of `others` (an input that
        still has to be filled in) [-]

    Examples
    --------
    >>> RULES[0].kind, RULES[0].field, RULES[0].others
    ('conflict', 'crcl_ml_per_min', ('scr',))
    """

    kind: str
    field: str
    others: tuple
    why: str
    value: str | None = None
    commands: tuple = ()
    blame: str = "self"


_RRT = "on renal replacement therapy the native clearance is the residual CrCL: give it as " \
       "{residual_crcl_ml_per_min} (default 5 mL/min, an assumption)"
_RENAL = ("crcl_ml_per_min", "scr", "hd", "crrt", "scr_series")
_KINETIC = "the kinetic CrCL from {scr_series} (Chen 2013) replaces it"
_NO_KINETIC_ON_RRT = "a kinetic CrCL assumes no dialysis (dialysis removes creatinine); " + _RRT

#: The cross-field rules, in the order they are checked; the web page states them in its OpenAPI document.
RULES = (
    Rule("conflict", "crcl_ml_per_min", ("scr",), "give either a measured CrCL or a serum creatinine, not both"),
    Rule("conflict", "crcl_ml_per_min", ("hd",), _RRT),
    Rule("conflict", "crcl_ml_per_min", ("crrt",), _RRT),
    Rule("conflict", "hd", ("crrt",), "choose intermittent haemodialysis or CRRT, not both"),
    Rule("conflict", "scr_series", ("crcl_ml_per_min",), _KINETIC),
    Rule("conflict", "scr_series", ("scr",), "give the steady-state creatinine before the change as "
                                           "{baseline_scr} and the changing ones in {scr_series}"),
    Rule("conflict", "scr_series", ("hd",), _NO_KINETIC_ON_RRT),
    Rule("conflict", "scr_series", ("crrt",), _NO_KINETIC_ON_RRT),
    Rule("conflict", "renal_method", ("scr_series",), "with a creatinine series the method is the kinetic CrCL "
                                                      "(Chen 2013)"),
    Rule("conflict", "scr", ("hd",), "SCr-based estimates are not valid on dialysis; " + _RRT),
    Rule("conflict", "scr", ("crrt",), "SCr-based estimates are not valid on CRRT; " + _RRT),
    Rule("requires_any", "scr_unit", ("scr", "scr_series"), "a unit was given without a serum creatinine value"),
    Rule("requires", "scr", ("scr_unit",), "a serum creatinine needs its explicit unit (mg/dL or µmol/L)",
         blame="missing"),
    Rule("requires", "scr", ("age_y", "sex", "weight_kg"), "Cockcroft–Gault needs age, sex and weight",
         blame="missing"),
    Rule("requires", "scr_series", ("scr_unit",), "the creatinine series needs its explicit unit (mg/dL or "
                                                  "µmol/L)", blame="missing"),
    Rule("requires", "scr_series", ("baseline_scr",), "the kinetic CrCL needs the patient's steady-state "
         "creatinine before the change (an earlier result, or a normal value you assume and state)",
         blame="missing"),
    Rule("requires", "scr_series", ("age_y", "sex", "weight_kg"), "the kinetic CrCL needs the weight (creatinine "
         "volume) and Cockcroft–Gault the age and sex for the baseline CrCL", blame="missing"),
    Rule("requires", "baseline_scr", ("scr_series",), "a baseline creatinine is used only with a creatinine "
                                                     "series"),
    Rule("requires", "baseline_crcl_ml_per_min", ("scr_series",), "a baseline CrCL is used only with a "
                                                                  "creatinine series"),
    Rule("requires", "albumin", ("albumin_unit",), "a serum albumin needs its explicit unit (g/dL or g/L)",
         blame="missing"),
    Rule("requires", "albumin_unit", ("albumin",), "a unit was given without a serum albumin value"),
    Rule("requires", "age_y", ("sex", "weight_kg"), "age, sex and weight describe the patient together: "
                                                    "give all three or none", blame="missing"),
    Rule("requires", "sex", ("age_y", "weight_kg"), "age, sex and weight describe the patient together: "
                                                    "give all three or none", blame="missing"),
    Rule("requires", "weight_kg", ("age_y", "sex"), "age, sex and weight describe the patient together: "
                                                    "give all three or none", blame="missing"),
    Rule("requires", "height_cm", ("age_y", "sex", "weight_kg"), "a height belongs to a patient: give age, "
                                                                 "sex and weight too", blame="missing"),
    Rule("requires_any", "residual_crcl_ml_per_min", ("hd", "crrt"),
         "the residual CrCL is used only on renal replacement therapy"),
    Rule("requires", "hd.days", ("hd",), "dialysis days are used only with haemodialysis"),
    Rule("requires", "hd.start_h", ("hd",), "the session start is used only with haemodialysis"),
    Rule("requires", "hd.session_h", ("hd",), "the session length is used only with haemodialysis"),
    Rule("requires", "crrt.modality", ("crrt",), "the modality is used only with CRRT"),
    Rule("requires", "crrt", ("crrt.effluent_l_per_h",), "CRRT needs its effluent rate", blame="missing"),
    Rule("requires_any", "weight_rule", ("scr", "baseline_scr"), "the weight rule chooses the weight in "
                                                                "Cockcroft–Gault, which needs a serum creatinine"),
    Rule("requires", "renal_method", ("crcl_ml_per_min",), "a measured CrCL is needed", value="measured"),
    Rule("requires", "renal_method", ("scr",), "Cockcroft–Gault estimates CrCL from a serum creatinine",
         value="cg"),
    Rule("requires", "renal_method", ("scr", "height_cm"), "CKD-EPI 2021 needs a serum creatinine, and a "
         "height to de-index the eGFR to mL/min", value="ckd-epi-2021"),
    Rule("conflict", "renal_method", ("weight_rule",), "CKD-EPI 2021 uses no body weight",
         value="ckd-epi-2021"),
    Rule("requires", "hd_sessions", ("hd",), "dialysis sessions are used only with haemodialysis",
         commands=("tdm",)),
    Rule("requires", "hd", ("hd_sessions",), "a fit on haemodialysis needs the actual start and end of each session "
         "(hours on the dose record's clock)", commands=("tdm",), blame="missing"),
    Rule("requires", "crrt_periods", ("crrt",), "CRRT periods are used only with CRRT", commands=("tdm",)),
    Rule("one_of", "hd", (), "the dose timing on dialysis needs the schedule: {hd} with its days, start and "
         "session length", commands=_HD_TIMING),
    Rule("requires", "hd", ("last_dose_at",), "the next dose is timed from the last one: give when it was started",
         commands=_HD_TIMING, blame="missing"),
    Rule("conflict", "hd_log", ("sessions",), "give the sessions as a log file or in the request, not both",
         commands=_HD_TIMING),
    Rule("one_of", "crcl_ml_per_min", _RENAL[1:], "no renal function given: give a CrCL, or a serum creatinine "
         "with its unit, age, sex and weight, or a creatinine series, or haemodialysis, or CRRT",
         commands=("crcl", *_DRUG)),
    Rule("requires_any", "age_y", _RENAL, "without renal function recommend lists the options without doses, "
         "for which the patient is not used", commands=("recommend",)),
    Rule("requires_any", "mic_mg_per_l", _RENAL, "without renal function recommend lists the options without "
         "doses, which the MIC does not change", commands=("recommend",)),
)


@dataclass(frozen=True)
class Inputs:
    r"""What a user asked, as pkdose's objects (built by :func:`parse_inputs`).

    Parameters
    ----------
    command : str
        ``"crcl"``, ``"dose"``, ``"recommend"``, ``"simulate"`` or ``"pta"`` [-]
    renal_state : Native or Haemodialysis or CRRT or None
        The renal state; None for ``recommend`` without renal function (the
        options without doses) [-]
    patient : Patient or None
        The patient, when age, sex and weight were given; it carries the
        weight rule and the renal method [-]
    crcl_ml_per_min : float or None
        A CrCL given without a patient [mL/min]
    product : str or None
        Product CLI name (aliases resolved) [-]
    mechanism : str or None
        Canonical mechanism [-]
    site, severity : str or None
        Guideline filters [-]
    mic_mg_per_l : float or dict or None
        One MIC, or ``{product: MIC}`` for ``recommend`` [mg/L]
    jurisdiction : str
        ``"US"`` or ``"EU"`` [-]
    organism : str
        ``"Enterobacterales"`` or ``"Pseudomonas aeruginosa"``: which breakpoints apply [-]
    n : int
        Virtual patients [-]
    seed : int
        Random seed [-]
    search : bool
        Search a model-informed regimen when needed [-]
    model_informed : bool
        Simulate the model-informed regimen [-]
    plot : pathlib.Path or None
        Figure to write, already checked [-]
    pk_model_files : tuple of str
        User PK model files [-]
    doses, levels : str or list or None
        TDM records: a CSV file name, or the rows of a table (the web page) [-]
    analyte : str or None
        Analyte of levels that name none [-]
    hd_sessions, crrt_periods : tuple of (float, float) or None
        Actual dialysis sessions and CRRT periods, (start, end) pairs [h]
    given : frozenset of str
        The fields the user gave [-]
    pk_covariates : dict
        Covariates for the PK models that were given: ``infection_site``,
        ``albumin_g_per_dl`` (converted from ``albumin`` and its unit),
        ``race``, ``ventilated``, ``apache_ii`` [-]
    structure : str
        PK model structure, ``"published"`` or ``"one_compartment"`` [-]
    scr_unit : str or None
        The serum-creatinine unit as given [-]
    timing : dict
        ``hd-timing``: ``last_dose_at``, ``now`` (None: this computer's
        clock), ``sessions`` (from ``sessions`` or the ``hd_log`` file) and
        ``last_supplement_at`` [-]
    kinetic : KineticCrclTrajectory or None
        The kinetic CrCL trajectory of a creatinine series
        (:func:`pkdose.kinetic_gfr.kinetic_crcl_trajectory`); the patient then
        carries its latest value as the CrCL for dosing [-]

    Examples
    --------
    >>> parse_inputs({"drug": "cza", "hd": {}}).advise_kwargs()["renal_state"]
    Haemodialysis(schedule=HDSchedule(days=('Mon', 'Wed', 'Fri'), start_h=8.0, session_h=4.0), residual_crcl_ml_per_min=5.0)
    """

    command: str
    renal_state: object
    patient: Patient | None = None
    crcl_ml_per_min: float | None = None
    product: str | None = None
    mechanism: str | None = None
    site: str | None = None
    severity: str | None = None
    mic_mg_per_l: object = None
    jurisdiction: str = "US"
    organism: str = "Enterobacterales"
    n: int = DEFAULT_N
    seed: int = DEFAULT_SEED
    search: bool = True
    model_informed: bool = False
    plot: Path | None = None
    pk_model_files: tuple = ()
    doses: object = None
    levels: object = None
    analyte: str | None = None
    hd_sessions: tuple | None = None
    crrt_periods: tuple | None = None
    given: frozenset = field(default_factory=frozenset)
    pk_covariates: dict = field(default_factory=dict)
    structure: str = DEFAULT_STRUCTURE
    scr_unit: str | None = None
    kinetic: object = None
    timing: dict = field(default_factory=dict)

    def advise_kwargs(self):
        """Keyword arguments of :func:`pkdose.recommend.advise_dose` (after the product) [-]."""
        out = self._common()
        out["pk_model_files"] = self.pk_model_files
        out["site"] = self.site  # chooses between published CRRT regimens; also in pk_covariates (the PK models)
        return out

    def recommend_kwargs(self):
        """Keyword arguments of :func:`pkdose.recommend.recommend` (after the mechanism) [-]."""
        return {**self._common(), "site": self.site, "severity": self.severity}

    def _common(self):
        return dict(patient=self.patient, renal_state=self.renal_state, crcl_ml_per_min=self.crcl_ml_per_min,
                    mic_mg_per_l=self.mic_mg_per_l, jurisdiction=self.jurisdiction, n=self.n, rng=self.seed,
                    search=self.search, organism=self.organism, pk_covariates=dict(self.pk_covariates) or None,
                    structure=self.structure)

    def assessment(self):
        """The :class:`~pkdose.patient.RenalAssessment` of the renal input (what ``crcl`` shows) [-]."""
        if self.patient is not None:
            return renal_assessment(self.patient, self.renal_state)
        crcl = self.crcl_ml_per_min
        return crcl_assessment(self.renal_state.residual_crcl_ml_per_min if crcl is None else crcl,
                               self.renal_state)


# --- reading values ----------------------------------------------------------------------------

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INTEGER = re.compile(r"[+-]?[0-9]+")


def _shown(value, width=40):
    """``repr(value)`` cut to `width` characters."""
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def number_from_text(text, name):
    r"""A number typed as text: ASCII decimal digits, an optional sign and point, nothing else.

    Parameters
    ----------
    text : str
        What was typed, e.g. ``"45"`` or ``"0.5"`` [-]
    name : str
        The field, for the error [-]

    Returns
    -------
    float

    Raises
    ------
    InputError
        Anything else: other digits (``"٤٥"``), separators (``"4_5"``,
        ``"4,5"``), exponents, ``nan``, ``inf``, blanks inside.

    Notes
    -----
    Python's ``float()`` reads Arabic-Indic digits and underscores; a dose
    calculator must not guess what ``4_5`` meant.

    Examples
    --------
    >>> number_from_text(" 4.5 ", "crcl_ml_per_min")
    4.5
    """
    stripped = text.strip() if isinstance(text, str) else None
    if stripped is None or not _DECIMAL.fullmatch(stripped):
        raise InputError(f"{{{name}}} must be a plain decimal number written with the digits 0-9 and a "
                         f"point (e.g. 45 or 0.5), got {_shown(text)}", field=name)
    return float(stripped)


def integer_from_text(text, name):
    r"""A whole number typed as text: ASCII digits and an optional sign only.

    Parameters
    ----------
    text : str
        What was typed [-]
    name : str
        The field, for the error [-]

    Returns
    -------
    int

    Raises
    ------
    InputError
        Anything but ASCII digits with an optional sign.

    Examples
    --------
    >>> integer_from_text("1000", "n")
    1000
    """
    stripped = text.strip() if isinstance(text, str) else None
    if stripped is None or not _INTEGER.fullmatch(stripped) or len(stripped) > 30:
        raise InputError(f"{{{name}}} must be a whole number written with the digits 0-9, got {_shown(text)}",
                         field=name)
    return int(stripped)


def mic_from_text(text):
    r"""An MIC as typed on the command line: ``4``, or ``PRODUCT=MIC,PRODUCT=MIC`` for ``recommend``.

    Parameters
    ----------
    text : str
        ``"4"`` or ``"cefiderocol=2,atm-avi=0.5"`` [-]

    Returns
    -------
    float or dict
        One MIC, or ``{product name as typed: MIC}`` (resolved by :func:`parse_inputs`) [mg/L]

    Raises
    ------
    InputError
        A malformed pair, a number that is not a plain decimal, or a product named twice.

    References
    ----------
    .. [1] CLSI. M100, Performance Standards for Antimicrobial Susceptibility Testing (MIC in mg/L).

    Examples
    --------
    >>> mic_from_text("cefiderocol=2, ATM-AVI=0.5")
    {'cefiderocol': 2.0, 'ATM-AVI': 0.5}
    """
    if "=" not in text:
        return number_from_text(text, "mic_mg_per_l")
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise InputError(f"{{mic_mg_per_l}} {_shown(part)} is not PRODUCT=MIC (e.g. cefiderocol=2)",
                             field="mic_mg_per_l")
        if name.strip() in out:
            raise InputError(f"{{mic_mg_per_l}} names {name.strip()!r} twice; give each product's MIC once",
                             field="mic_mg_per_l")
        out[name.strip()] = number_from_text(value, "mic_mg_per_l")
    return out


def days_from_text(text):
    r"""Dialysis days as typed: ``"Mon,Wed,Fri"`` (case-insensitive; full names accepted).

    Parameters
    ----------
    text : str
        Comma-separated day names [-]

    Returns
    -------
    list of str
        The names as typed, cut to three letters (checked by :class:`~pkdose.patient.HDSchedule`) [-]

    Examples
    --------
    >>> days_from_text("monday, Wed,FRI")
    ['Mon', 'Wed', 'Fri']
    """
    full = {name.lower(): name[:3] for name in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                                 "Saturday", "Sunday")}
    return [full.get(d.strip().lower(), d.strip().title()) for d in text.split(",") if d.strip()]


def _choice(f, value, strict):
    """One of the field's spellings (exactly, when strict), returned as given."""
    if not isinstance(value, str):
        raise InputError(f"{{{f.name}}} must be text, one of {', '.join(f.choices)}; got {_shown(value)}",
                         field=f.name)
    if strict:
        if value in f.choices:
            return value
    else:
        low = {c.lower(): c for c in f.choices}
        if value.strip().lower() in low:
            return low[value.strip().lower()]
    raise InputError(f"{{{f.name}}} {_shown(value)} is not accepted; use one of {', '.join(f.choices)}",
                     field=f.name)


def _real(f, value):
    """A finite int or float (never a bool or text), within the field's bounds if the adapter owns them."""
    problem = InputError(f"{{{f.name}}} must be a number, got {_shown(value)}", field=f.name)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise problem
    if f.kind == "integer":
        whole = isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer())
        if not whole:  # 1000.0 is a whole number (JSON Schema's "integer"), 1000.5 is not
            raise InputError(f"{{{f.name}}} must be a whole number, got {_shown(value)}", field=f.name)
        return _bounded(f, int(value))
    try:
        number = float(value)
    except OverflowError:
        raise problem from None
    if not math.isfinite(number):
        raise InputError(f"{{{f.name}}} must be a finite number, got {_shown(value)}", field=f.name)
    return number


def _bounded(f, value):
    """Check the bounds of a field the adapter owns (n, seed, MIC); others are checked by their dataclass."""
    lo, hi = f.bounds
    if not lo <= value <= hi:
        shown = f"{value:g}" if isinstance(value, float) else _shown(value, 24)
        span = f"{lo:g}–{hi:g}" if f.kind == "mic" else f"{lo:,}–{hi:,}"
        raise OutOfRangeError(f"{{{f.name}}} {shown} is outside the accepted range {span}"
                              + (" mg/L" if f.kind == "mic" else ""), field=f.name)
    return value


def _value(f, raw, strict):
    """Read one raw value according to its field's kind."""
    if f.kind in ("number", "integer"):
        return _real(f, raw)
    if f.name == "drug":
        if not isinstance(raw, str):
            raise InputError(f"{{drug}} must be text, got {_shown(raw)}", field="drug")
        return resolve_product(raw, strict=strict)
    if f.kind == "choice" and f.name == "mechanism":
        return _mechanism(raw, strict)
    if f.name == "organism" and not strict and isinstance(raw, str):
        raw = _ORGANISM_SPELLINGS.get(re.sub(r"[\s.]+", " ", raw.strip().lower()), raw)
    if f.kind == "choice":
        return _choice(f, raw, strict)
    if f.kind == "flag":
        if not isinstance(raw, bool):
            raise InputError(f"{{{f.name}}} must be true or false, got {_shown(raw)}", field=f.name)
        return raw
    if f.kind == "days":
        if isinstance(raw, str) or not isinstance(raw, (list, tuple)) or not all(isinstance(d, str) for d in raw):
            raise InputError(f"{{{f.name}}} must be a list of day names, got {_shown(raw)}", field=f.name)
        if strict and any(d not in WEEKDAYS for d in raw):
            raise InputError(f"{{{f.name}}} {_shown(raw)} is not accepted; use names from "
                             f"{', '.join(WEEKDAYS)}", field=f.name)
        return list(raw)
    if f.kind == "mic":
        if strict and isinstance(raw, dict):
            raise InputError("{mic_mg_per_l} must be one number here", field=f.name)
        return _mic(f, raw)
    if f.kind in ("time", "times"):
        return _times(f, raw, strict)
    if f.kind == "sessions":
        if isinstance(raw, (str, dict)) or not isinstance(raw, (list, tuple)) or len(raw) > 50:
            raise InputError(f"{{{f.name}}} must be a list of at most 50 sessions, each with scheduled_start, "
                             f"start, end and missed, got {_shown(raw)}", field=f.name)
        if strict and any(isinstance(r, dict) and (None in r.values() or not isinstance(r.get("missed", False), bool))
                          for r in raw):
            raise InputError(f"{{{f.name}}}: leave out a time that is not known (no null), and give missed as true "
                             "or false", field=f.name)
        return session_records(list(raw), f.name)
    if f.kind == "series":
        if not isinstance(raw, str) or len(raw) > 40 * SCR_SERIES_MAX_SAMPLES:
            raise InputError(f"{{{f.name}}} must be text, 'hours:value,hours:value,…' (e.g. 0:1.1,24:2.0), got "
                             f"{_shown(raw)}", field=f.name)
        return raw
    if f.kind == "records":
        if isinstance(raw, (str, Path)) and str(raw).strip() and not strict:  # a file: the command line only
            return str(raw)
        if isinstance(raw, list) and all(isinstance(r, dict) for r in raw):
            return raw
        what = "a list of rows (objects)" if strict else "a CSV file name or a list of rows"
        raise InputError(f"{{{f.name}}} must be {what}, got {_shown(raw)}", field=f.name)
    if f.kind == "windows":
        return _windows(f, raw)
    if f.kind == "path":
        if not isinstance(raw, (str, Path)) or not str(raw).strip():
            raise InputError(f"{{{f.name}}} must be a file name, got {_shown(raw)}", field=f.name)
        return raw
    if f.kind == "paths":
        if isinstance(raw, (str, Path)):
            raw = [raw]
        return tuple(str(p) for p in raw)
    return raw


def _windows(f, raw):
    """(start, end) pairs from "25-29,73-77" or [[25, 29], [73, 77]]."""
    if isinstance(raw, str):
        pairs = []
        for part in raw.split(","):
            a, sep, b = part.strip().partition("-")
            if not sep:
                raise InputError(f"{{{f.name}}} {_shown(part)} is not start-end in hours (e.g. 25-29)", field=f.name)
            pairs.append((number_from_text(a, f.name), number_from_text(b, f.name)))
        return tuple(pairs)
    if isinstance(raw, (list, tuple)) and all(isinstance(p, (list, tuple)) and len(p) == 2 for p in raw):
        return tuple((_real(f, a), _real(f, b)) for a, b in raw)
    raise InputError(f"{{{f.name}}} must be start-end pairs in hours, got {_shown(raw)}", field=f.name)


def _times(f, raw, strict=False):
    """A local time, or (kind "times") one per component: {component: time} (strict: exact component names)."""
    if f.kind == "times" and isinstance(raw, dict):
        if not 1 <= len(raw) <= 2:
            raise InputError(f"{{{f.name}}} must name one or two components", field=f.name)
        out = {}
        for name, value in raw.items():
            if strict and name not in COMPONENTS:
                raise InputError(f"{{{f.name}}} names {_shown(name)}; components: {', '.join(COMPONENTS)}",
                                 field=f.name)
            product = resolve_product(name) if isinstance(name, str) else None
            if product in out:
                raise InputError(f"{{{f.name}}} names {product} twice", field=f.name)
            out[product] = parse_local_time(value, f.name)
        return out
    return parse_local_time(raw, f.name)


def times_from_text(text):
    r"""A time as typed on the command line: ``2026-12-07 14:10``, or ``COMPONENT=TIME,COMPONENT=TIME``.

    Parameters
    ----------
    text : str
        One local time, or pairs for the components of a combination
        (``cza=2026-12-05 14:00,atm=2026-12-07 06:00``) [-]

    Returns
    -------
    str or dict
        The text, or ``{component as typed: time text}`` (read by :func:`parse_inputs`) [-]

    Examples
    --------
    >>> times_from_text("cza=2026-12-05 14:00, atm=2026-12-07 06:00")
    {'cza': '2026-12-05 14:00', 'atm': '2026-12-07 06:00'}
    """
    if "=" not in text:
        return text
    out = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        out[name.strip()] = value.strip()
    return out


def _mechanism(raw, strict):
    """A mechanism: any text (resolved later), or in strict mode one of the listed spellings."""
    if not isinstance(raw, str):
        raise InputError(f"{{mechanism}} must be text, got {_shown(raw)}", field="mechanism")
    if strict:
        names, pattern = mechanism_spellings()
        if not re.fullmatch(pattern, raw):
            raise InputError(f"{{mechanism}} {_shown(raw)} is not known; use one of {', '.join(names[:4])} "
                             "or an alias (NDM, VIM, IMP, OXA-48, KPC, untyped…)", field="mechanism")
    return raw


def _mic(f, raw):
    """One MIC, or {product as given: MIC}."""
    if isinstance(raw, dict):
        if not raw:
            raise InputError("{mic_mg_per_l} names no product", field=f.name)
        return {k: _bounded(f, _real(f, v)) for k, v in raw.items()}
    return _bounded(f, _real(f, raw))


def _flatten(values, strict):
    """A flat {field: value}: nested hd/crrt mappings become dotted keys; None is 'not given' unless strict."""
    if not isinstance(values, dict):
        raise InputError(f"the inputs must be a mapping of field names to values, got {_shown(values)}")
    flat = {}
    for key, value in values.items():
        if not isinstance(key, str):
            raise InputError(f"input names must be text, got {_shown(key)}")
        if value is None and not strict:
            continue
        if key in ("hd", "crrt"):
            if isinstance(value, dict):
                flat[key] = True
                for sub, v in value.items():
                    if v is None and not strict:
                        continue
                    flat[f"{key}.{sub}" if isinstance(sub, str) else sub] = v
                continue
            if strict or not isinstance(value, bool):
                raise InputError(f"{{{key}}} must be an object (its settings), got {_shown(value)}", field=key)
            if not value:
                continue
        flat[key] = value
    if "crrt.effluent_l_per_h" in flat:
        flat.setdefault("crrt", True)
    return flat


def _check_known(given, command):
    """Refuse a field pkdose does not know, or one this command does not use."""
    for name in given:
        if name not in FIELDS:
            raise InputError(f"unknown input {_shown(name)}; accepted: {', '.join(COMMANDS[command])}",
                             field=name)
        if command not in FIELDS[name].commands:
            raise InputError(f"{{{name}}} is not used by {command}", field=name)


def _applies(rule, v):
    return rule.field in v and (rule.value is None or v[rule.field] == rule.value)


def _check_rules(v, command):
    """Apply :data:`RULES` in order; the first that fails is the error, naming both inputs."""
    for rule in RULES:
        if rule.commands and command not in rule.commands:
            continue
        if rule.kind == "one_of":
            if not any(x in v for x in (rule.field, *rule.others)):
                raise InputError(rule.why.replace("give a CrCL", "give a CrCL ({crcl_ml_per_min})"),
                                 field=rule.field)
            continue
        if not _applies(rule, v):
            continue
        what = f"{{{rule.field}}}" + (f" {rule.value!r}" if rule.value else "")
        if rule.kind == "conflict":
            other = next((x for x in rule.others if x in v), None)
            if other is not None:
                raise InputError(f"{what} and {{{other}}} conflict: {rule.why}", field=rule.field)
        elif rule.kind == "requires":
            missing = [x for x in rule.others if x not in v]
            if missing:
                names = " and ".join(f"{{{x}}}" for x in missing)
                raise InputError(f"{what} needs {names}: {rule.why}",
                                 field=missing[0] if rule.blame == "missing" else rule.field)
        elif rule.kind == "requires_any" and not any(x in v for x in rule.others):
            names = " or ".join(f"{{{x}}}" for x in rule.others)
            raise InputError(f"{what} is used only with {names}: {rule.why}", field=rule.field)


# --- resolving names ---------------------------------------------------------------------------

def resolve_product(name, *, strict=False):
    r"""The product a name, brand name or abbreviation stands for.

    Parameters
    ----------
    name : str
        ``"cefiderocol"``, ``"Fetroja"``, ``"CZA + ATM"``, … (any case unless
        `strict`) [-]
    strict : bool, optional
        Accept only the product names and the aliases of
        ``models/clinical.toml``, in lower case or in capitals, exactly (the
        web API) [-]

    Returns
    -------
    str
        The product's CLI name.

    Raises
    ------
    InputError
        Unknown name (``field="drug"``); the message lists the products and their aliases.

    Examples
    --------
    >>> resolve_product("Zavicefta"), resolve_product("cza+atm")
    ('ceftazidime-avibactam', 'ceftazidime-avibactam+aztreonam')
    """
    key = name if strict else normalise_product_name(name) if isinstance(name, str) else None
    if strict and key not in FIELDS["drug"].choices:  # the spellings the web API lists, exactly
        key = None
    elif strict:
        key = key.lower()
    if key in _PRODUCTS:
        return key
    if key in _C.aliases:
        return _C.aliases[key]
    by_product = {}
    for alias, product in _C.aliases.items():
        by_product.setdefault(product, []).append(alias)
    listed = "; ".join(f"{p} ({', '.join(by_product.get(p, []))})" if by_product.get(p) else p for p in _PRODUCTS)
    raise InputError(f"{{drug}} {_shown(name)} is not a product pkdose knows; products (and aliases): {listed}",
                     field="drug")


def resolve_mechanism(name):
    r"""The canonical resistance mechanism(s) for a name, an alias or a mixture (``NDM-5`` -> ``MBL``).

    Parameters
    ----------
    name : str
        Mechanism, any case, allele numbers ignored; a mixture joined by
        ``+`` (``NDM + OXA-48``) [-]

    Returns
    -------
    str
        Canonical names joined by " + ".

    Raises
    ------
    InputError
        Unknown mechanism, or a contradictory mixture (``field="mechanism"``).

    Examples
    --------
    >>> resolve_mechanism("ndm-5")
    'MBL'
    """
    try:
        return " + ".join(parse_mechanisms(name))
    except InputError as exc:
        text = str(exc)
        if "is not known; " in text:
            text = f"{{mechanism}} {_shown(name)} is not known; " + text.split("is not known; ", 1)[1]
        else:
            text = f"{{mechanism}} {_shown(name)}: " + text.split(": ", 1)[-1]
        raise InputError(text, field="mechanism") from None


def _escaped(text):
    """`text` as a regular expression that both Python and ECMA-262 read literally."""
    return re.sub(r"([\\.^$*+?()\[\]{}|])", r"\\\1", text)


def mechanism_spellings():
    r"""The exact spellings of a resistance mechanism the web API accepts: one mechanism or a mixture.

    Returns
    -------
    tuple
        ``(names, pattern)``: the canonical names and aliases (also in
        capitals), and an ECMA-262 pattern that also takes allele numbers
        (``NDM-5``, ``kpc3``) and mixtures of carbapenemases joined by ``+``
        (``NDM-1 + OXA-48``); "carbapenemase-negative" and "not yet typed"
        stand alone [-]

    Examples
    --------
    >>> names, pattern = mechanism_spellings()
    >>> "NDM" in names and "MBL" in names and re.fullmatch(pattern, "NDM-1 + OXA-48") is not None
    True
    """
    g = load_guidelines()
    names, carb, alone = [], [], []
    for m in g.mechanisms:
        spellings = list(dict.fromkeys([m.name, *m.aliases, *(a.upper() for a in m.aliases)]))
        names += spellings
        alts = [_escaped(x) for x in spellings]
        alts += [f"{_escaped(x)}-?[0-9]{{1,4}}" for x in spellings if re.fullmatch(r"[a-zA-Z]+", x)]
        (alone if m.name in _ALONE else carb).extend(alts)
    one = f"(?:{'|'.join(carb)})"
    return tuple(dict.fromkeys(names)), f"^(?:{'|'.join(alone)}|{one}(?: ?\\+ ?{one})*)$"


def products_needing_mic(organism):
    r"""The products with no breakpoint for an organism: a dose for them needs the isolate's measured MIC.

    Parameters
    ----------
    organism : str
        ``"Enterobacterales"`` or ``"Pseudomonas aeruginosa"`` [-]

    Returns
    -------
    tuple of str
        Product CLI names [-]

    Notes
    -----
    Read from :func:`pkdose.recommend.default_mic`, which uses the breakpoint
    as the MIC when none is given and refuses when there is none (EUCAST and
    CLSI).

    Examples
    --------
    >>> products_needing_mic("Enterobacterales")
    ()
    """
    return tuple(p for p in _PRODUCTS if _needs_mic(p, organism))


def _needs_mic(product, organism):
    """Whether the product has no breakpoint for the organism (:func:`products_needing_mic`, one product)."""
    from .library import load_product
    from .recommend import default_mic

    try:
        default_mic(load_product(product), "US", organism)
    except InputError:
        return True
    return False


def dosing_renal_methods(product, jurisdiction="US"):
    r"""The renal methods the product's labels allow for dosing, and the labels that decide.

    Parameters
    ----------
    product : str
        Product CLI name [-]
    jurisdiction : str, optional
        ``"US"`` or ``"EU"`` [-]

    Returns
    -------
    tuple
        ``(methods, labels)``: the ``renal_method`` values allowed, and
        ``{label: (method, locator, note)}`` of the labels the product's
        regimen table cites in that jurisdiction [-]

    Notes
    -----
    A label that estimates CrCL by Cockcroft–Gault allows ``cg`` and a
    measured CrCL (the quantity Cockcroft–Gault estimates); one that doses by
    eGFR allows ``ckd-epi-2021``. Every label pkdose ships uses
    Cockcroft–Gault (``models/clinical.toml``), so CKD-EPI 2021 is shown by
    ``pkdose crcl`` but not used for a dose.

    Examples
    --------
    >>> dosing_renal_methods("cefiderocol")[0]
    ('cg', 'measured')
    """
    sources = load_sources()
    table = load_regimen_table(product)
    labels = {r.source for r in table.rows
              if jurisdiction in r.jurisdiction and sources[r.source].kind == "label"}
    known = {k: _C.label_renal_function[k] for k in sorted(labels) if k in _C.label_renal_function}
    kinds = {m for m, _, _ in known.values()}
    methods = []
    if kinds <= {"cockcroft-gault"}:
        methods += ["cg", "measured"]
    if kinds == {"egfr"}:
        methods += ["ckd-epi-2021", "measured"]
    return tuple(methods), known


def _check_label_method(method, products, jurisdiction):
    """Refuse a renal method a product's label does not dose by."""
    for product in products:
        allowed, labels = dosing_renal_methods(product, jurisdiction)
        if method not in allowed:
            said = "; ".join(f"{k}: {'Cockcroft–Gault' if m == 'cockcroft-gault' else m} ({loc})"
                             for k, (m, loc, _) in labels.items())
            raise InputError(f"{{renal_method}} {method!r} is not how the {product} label doses ({said}); use "
                             f"{' or '.join(allowed)}. pkdose crcl shows the CKD-EPI 2021 eGFR for comparison",
                             field="renal_method")


# --- building the objects ----------------------------------------------------------------------

#: A field the renal-state dataclasses check -> its name here.
_STATE_FIELDS = {"days": "hd.days", "start_h": "hd.start_h", "session_h": "hd.session_h",
                 "effluent_l_per_h": "crrt.effluent_l_per_h", "modality": "crrt.modality"}


def _renamed(exc, names):
    """The same error with its field and placeholders renamed."""
    template = re.sub(r"\{([a-z_]+)\}", lambda m: "{" + names.get(m.group(1), m.group(1)) + "}", exc.template)
    return type(exc)(template, field=names.get(exc.field, exc.field))


def _renal_state(v):
    """Native, Haemodialysis or CRRT from the validated values."""
    residual = v.get("residual_crcl_ml_per_min", DEFAULT_RESIDUAL_CRCL_ML_PER_MIN)
    try:
        if "hd" in v:
            schedule = HDSchedule(days=tuple(v.get("hd.days", FIELDS["hd.days"].default)),
                                  start_h=v.get("hd.start_h", FIELDS["hd.start_h"].default),
                                  session_h=v.get("hd.session_h", FIELDS["hd.session_h"].default))
            return Haemodialysis(schedule=schedule, residual_crcl_ml_per_min=residual)
        if "crrt" in v:
            return CRRT(effluent_l_per_h=v["crrt.effluent_l_per_h"],
                        modality=v.get("crrt.modality", FIELDS["crrt.modality"].default),
                        residual_crcl_ml_per_min=residual)
    except InputError as exc:
        raise _renamed(exc, _STATE_FIELDS) from None
    return Native()


def _patient(v, state):
    """The Patient (with weight rule and renal method), or None when no demographics were given."""
    if "age_y" not in v or state is None:
        return None
    kw = dict(age_y=v["age_y"], sex=v["sex"], weight_kg=v["weight_kg"], height_cm=v.get("height_cm"),
              weight_rule=v.get("weight_rule", "auto"), renal_method=v.get("renal_method"))
    if "scr" in v:
        return Patient(**kw, scr=v["scr"], scr_unit=v["scr_unit"])
    crcl = v.get("crcl_ml_per_min", getattr(state, "residual_crcl_ml_per_min", None))
    return Patient(**kw, crcl_ml_per_min=crcl)


def _mic_by_product(mic, command):
    """Resolve the product names of a per-product MIC (recommend only)."""
    if not isinstance(mic, dict):
        return mic
    if command != "recommend":
        raise InputError("{mic_mg_per_l} PRODUCT=MIC is for recommend; give one number for one drug",
                         field="mic_mg_per_l")
    out = {}
    for name, value in mic.items():
        product = resolve_product(name)
        if product in out:
            raise InputError(f"{{mic_mg_per_l}} gives {product}'s MIC twice ({name!r})", field="mic_mg_per_l")
        out[product] = value
    return out


def check_plot_path(path):
    r"""Check a figure path before any work: supported extension, existing writable directory, not a directory.

    Parameters
    ----------
    path : str or pathlib.Path
        Where the figure will be written [-]

    Returns
    -------
    pathlib.Path
        ``path``, for the figure writer [-].

    Raises
    ------
    InputError
        The extension is not one of :data:`PLOT_FORMATS`, the path is a
        directory, its directory does not exist or is not a directory, or it
        cannot be written (``field="plot"``).

    Examples
    --------
    >>> check_plot_path("week.png").name
    'week.png'
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{{plot}} {str(p)!r} is a directory; give a file name such as {str(p / 'figure.png')!r}",
                         field="plot")
    suffix = p.suffix.lower().lstrip(".")
    if suffix not in PLOT_FORMATS:
        raise InputError(f"{{plot}} {str(p)!r}: the figure format is chosen by the extension; use "
                         f"{', '.join('.' + f for f in PLOT_FORMATS)}", field="plot")
    return writable_file(p, "plot")


def _pk_covariates(v, product, pk_files):
    """The covariates given for the PK models, albumin in g/dL; a population group only where a model reads it."""
    out = {}
    if "site" in v:
        out["infection_site"] = v["site"]
    if "albumin" in v:
        out["albumin_g_per_dl"] = albumin_to_g_per_dl(v["albumin"], v["albumin_unit"], name="albumin")
    for name in ("race", "ventilated", "apache_ii"):
        if name in v:
            out[name] = v[name]
    if "race" in v and product is not None:
        from .library import load_product
        from .recommend import with_pk_models

        models = with_pk_models(load_product(product), pk_files).pk_models
        if not models_reading(models, "race"):
            keys = ", ".join(m.key for m in models.values())
            raise InputError(f"{{race}} is not used for {product}: its published PK model ({keys}) has no "
                             "population-group covariate, so the group changes nothing; leave it out",
                             field="race")
    return out


def _timing(v):
    """The inputs of ``hd-timing``; the session log file is read here."""
    sessions = read_session_log(v["hd_log"]) if "hd_log" in v else v.get("sessions", ())
    return {"last_dose_at": v["last_dose_at"], "now": v.get("now"), "sessions": sessions,
            "last_supplement_at": v.get("last_supplement_at")}


def _series_error(exc, name="scr_series"):
    """An error of :func:`parse_scr_series` with the field named as a placeholder."""
    text = exc.template
    if text.startswith(name):
        text = "{" + name + "}" + text[len(name):]
    return type(exc)(text, field=name)


def _kinetic(v):
    """(trajectory, patient for dosing): the kinetic CrCL of a creatinine series, its latest value for dosing."""
    try:
        t, values = parse_scr_series(v["scr_series"])
    except InputError as exc:
        raise _series_error(exc) from None
    if t.size > SCR_SERIES_MAX_SAMPLES or t[-1] - t[0] > SCR_SERIES_MAX_SPAN_H:
        raise InputError(f"{{scr_series}} holds {t.size} creatinines over {t[-1] - t[0]:g} h; give at most "
                         f"{SCR_SERIES_MAX_SAMPLES} over at most {SCR_SERIES_MAX_SPAN_H:g} h (the recent ones: a "
                         "kinetic CrCL follows an acute change)", field="scr_series")
    kw = dict(age_y=v["age_y"], sex=v["sex"], weight_kg=v["weight_kg"], height_cm=v.get("height_cm"),
              weight_rule=v.get("weight_rule", "auto"))
    try:
        if "baseline_crcl_ml_per_min" in v:
            Patient(**kw, crcl_ml_per_min=v["baseline_crcl_ml_per_min"])  # the demographics' own checks
            tr = kinetic_crcl_trajectory(t, values, v["scr_unit"], baseline_scr=v["baseline_scr"],
                                         baseline_scr_unit=v["scr_unit"],
                                         baseline_crcl_ml_per_min=v["baseline_crcl_ml_per_min"],
                                         weight_kg=v["weight_kg"])
        else:
            tr = kinetic_crcl_trajectory(t, values, v["scr_unit"],
                                         patient=Patient(**kw, scr=v["baseline_scr"], scr_unit=v["scr_unit"]))
    except InputError as exc:
        raise _renamed(exc, {"scr": "baseline_scr"}) from None
    latest = tr.latest_crcl_ml_per_min
    lo, hi = CRCL_RANGE_ML_PER_MIN
    if not lo <= latest <= hi:
        raise OutOfRangeError(f"{{scr_series}}: the kinetic CrCL of the last interval is {latest:.0f} mL/min, "
                              f"outside {lo:g}–{hi:g} mL/min; check the series, {{baseline_scr}} and the unit",
                              field="scr_series")
    kw.pop("weight_rule")
    return tr, Patient(**kw, crcl_ml_per_min=latest)


def parse_inputs(values, command="dose", *, strict=False):
    r"""Turn a mapping of inputs into pkdose's objects, refusing anything invalid, unused or conflicting.

    Parameters
    ----------
    values : Mapping
        Field name -> value (see :data:`FIELDS`); ``hd`` and ``crrt`` may be
        nested mappings [-]
    command : {"crcl", "dose", "recommend", "simulate", "pta", "tdm", "hd-timing"}, optional
        What the inputs are for: which fields are taken and which are
        required [-]
    strict : bool, optional
        The web API's rules: choices spelled exactly, ``None`` is a value
        (refused), days exactly as listed [-]

    Returns
    -------
    Inputs

    Raises
    ------
    InputError, UnitError, OutOfRangeError
        The first problem found; ``field`` names the input at fault and the
        message names every input involved as a ``{field}`` placeholder.

    Notes
    -----
    Order: unknown or unused fields; each value's type and, for the adapter's
    own fields, range; the cross-field :data:`RULES`; names (product,
    mechanism, site, severity); the renal state and the patient (their
    dataclasses check the clinical ranges of ``models/clinical.toml``); the
    labels' renal method.

    Examples
    --------
    >>> parse_inputs({"drug": "cefiderocol", "crcl_ml_per_min": 45, "hd": {}})
    Traceback (most recent call last):
    ...
    pkdose.errors.InputError: crcl_ml_per_min and hd conflict: on renal replacement therapy the native clearance is the residual CrCL: give it as residual_crcl_ml_per_min (default 5 mL/min, an assumption)
    """
    if command not in COMMANDS:
        raise InputError(f"unknown command {command!r}; use one of {', '.join(COMMANDS)}")
    given = _flatten(values, strict)
    _check_known(given, command)
    v = {name: _value(FIELDS[name], raw, strict) for name, raw in given.items()}
    _check_rules(v, command)
    if command == "tdm":
        for name in ("doses", "levels"):
            if name not in v:
                raise InputError(f"{{{name}}} is required: a TDM fit needs the dose record and the measured levels",
                                 field=name)
    if command in _DRUG + _HD_TIMING and "drug" not in v:
        raise InputError(f"{{drug}} is required; choose one of: {', '.join(_PRODUCTS)}", field="drug")
    if command == "recommend" and "mechanism" not in v:
        raise InputError("{mechanism} is required: KPC, OXA-48, MBL (NDM, VIM, IMP) or untyped", field="mechanism")
    product = v.get("drug")
    mechanism = v.get("mechanism")
    if mechanism is not None:
        resolve_mechanism(mechanism)  # known, and not a contradictory mixture; recommend reads it itself
    organism = v.get("organism", FIELDS["organism"].default)
    if command == "recommend" and organism not in RECOMMEND_ORGANISMS:
        raise InputError(f"{{organism}} {organism!r}: the mechanism tables cover carbapenem-resistant "
                         "Enterobacterales (ESCMID 2022 CRE section; IDSA 2026 Section 3); for Pseudomonas "
                         "aeruginosa with difficult-to-treat resistance see IDSA 2026 Section 4 and dose a chosen "
                         "product with dose", field="organism")
    site, severity = v.get("site"), v.get("severity")
    state = _renal_state(v) if any(x in v for x in _RENAL) or command != "recommend" else None
    kinetic, patient = _kinetic(v) if "scr_series" in v else (None, _patient(v, state))
    pk_covariates = _pk_covariates(v, product, v.get("pk_model", ()))
    jurisdiction = v.get("jurisdiction", "US")
    if "mic_mg_per_l" not in v and product in _PRODUCTS and _needs_mic(product, organism):
        raise InputError(f"{{mic_mg_per_l}} is needed: there is no breakpoint for {product} in {organism} (EUCAST "
                         "and CLSI) to stand in for it; give the isolate's measured MIC", field="mic_mg_per_l")
    if "renal_method" in v and command != "crcl":
        products = [product] if product else _PRODUCTS
        _check_label_method(v["renal_method"], products, jurisdiction)
    if patient is None and "crcl_ml_per_min" in v:
        crcl_assessment(v["crcl_ml_per_min"])  # the range check, naming the field
    return Inputs(
        command=command, renal_state=state, patient=patient,
        crcl_ml_per_min=v.get("crcl_ml_per_min") if patient is None else None,
        product=product, mechanism=mechanism, site=site, severity=severity,
        mic_mg_per_l=_mic_by_product(v.get("mic_mg_per_l"), command), jurisdiction=jurisdiction, organism=organism,
        n=v.get("n", DEFAULT_N), seed=v.get("seed", DEFAULT_SEED), search=v.get("search", True),
        model_informed=v.get("model_informed", False),
        plot=check_plot_path(v["plot"]) if "plot" in v else None,
        pk_model_files=v.get("pk_model", ()), doses=v.get("doses"), levels=v.get("levels"),
        analyte=v.get("analyte"), hd_sessions=v.get("hd_sessions"), crrt_periods=v.get("crrt_periods"),
        given=frozenset(given), pk_covariates=pk_covariates,
        structure=v.get("structure", DEFAULT_STRUCTURE), scr_unit=v.get("scr_unit"), kinetic=kinetic,
        timing=_timing(v) if command == "hd-timing" else {},
    )
