"""The ``pkdose`` command line.

Subcommands: ``crcl``, ``dose``, ``recommend``, ``simulate``, ``pta``,
``atlas``, ``models`` and ``serve``; ``pkdose COMMAND --help`` describes each, with
examples. Readable text by default, ``--json`` for the documented schema
(``docs/json-schema.md``).

Every option is read as text and handed to the one input adapter
(:mod:`pkdose.inputs`), which the web calculator and the Python API share:
numbers are plain ASCII decimals, an option given twice is refused, and any
input error prints one line naming the flags at fault (``--crcl``,
``--scr-unit``) to stderr and exits with status 2, before any computation.
Anything else is a bug and shows its traceback.
"""

import argparse
import dataclasses
import json
import re
import sys

import numpy as np

from . import __version__
from .errors import InputError, PkdoseError
from .extracorporeal import HOURS_PER_WEEK, WEEKDAYS
from .inputs import (
    FIELDS,
    PLOT_FORMATS,
    days_from_text,
    integer_from_text,
    mic_from_text,
    number_from_text,
    parse_inputs,
    times_from_text,
)
from .library import available_products, load_pk_model, load_regimen_table, models_dir
from .library.clinical import clinical
from .answers import dose_answer, with_kinetic_renal
from .recommend import recommend
from .report import DISCLAIMER, advice_text, advice_to_dict, recommendation_text, recommendation_to_dict
from .units import normalise_scr_unit

__all__ = ["main", "build_parser", "EXAMPLES", "FLAGS", "OUTPUT_FORMATS"]

#: What ``pkdose dose --format`` writes (``--json`` is ``--format json``).
OUTPUT_FORMATS = ("text", "json", "note", "card")

#: Built-in example patients for ``--example`` (input fields as in :data:`pkdose.inputs.FIELDS`).
EXAMPLES = {
    "ckd": dict(description="72-year-old woman, 58 kg, 160 cm, SCr 1.6 mg/dL, NDM K. pneumoniae "
                            "bacteraemia, cefiderocol MIC 2 mg/L",
                drug="cefiderocol", mechanism="NDM", mic_mg_per_l=2.0,
                patient=dict(age_y=72, sex="female", weight_kg=58, height_cm=160, scr=1.6, scr_unit="mg/dL")),
    "hd": dict(description="64-year-old man, 80 kg, 175 cm, on haemodialysis Mon/Wed/Fri 08:00 for 4 h, "
                           "NDM K. pneumoniae, aztreonam MIC 1 mg/L",
               drug="ceftazidime-avibactam+aztreonam", mechanism="NDM", mic_mg_per_l=1.0,
               patient=dict(age_y=64, sex="male", weight_kg=80, height_cm=175, hd=True)),
    "crrt": dict(description="55-year-old man, 95 kg, 182 cm, on CVVHDF at 2.5 L/h effluent",
                 drug="cefiderocol", mechanism="MBL",
                 patient={"age_y": 55, "sex": "male", "weight_kg": 95, "height_cm": 182,
                          "crrt.effluent_l_per_h": 2.5}),
    "arc": dict(description="31-year-old man after trauma, 85 kg, 185 cm, measured CrCL 180 mL/min, "
                            "aztreonam-avibactam MIC 2 mg/L",
                drug="aztreonam-avibactam", mechanism="NDM", mic_mg_per_l=2.0,
                patient=dict(age_y=31, sex="male", weight_kg=85, height_cm=185, crcl_ml_per_min=180)),
}

#: Input field -> the flag that sets it (error messages name the flag).
FLAGS = {
    "drug": "--drug", "mechanism": "--mechanism", "site": "--site", "severity": "--severity",
    "age_y": "--age", "sex": "--sex", "weight_kg": "--weight", "height_cm": "--height", "scr": "--scr",
    "scr_unit": "--scr-unit", "crcl_ml_per_min": "--crcl", "weight_rule": "--weight-rule",
    "renal_method": "--renal-method", "hd": "--hd", "hd.days": "--hd", "hd.start_h": "--hd-start",
    "hd.session_h": "--hd-hours", "crrt": "--crrt-effluent", "crrt.effluent_l_per_h": "--crrt-effluent",
    "crrt.modality": "--crrt-modality", "residual_crcl_ml_per_min": "--residual-crcl",
    "mic_mg_per_l": "--mic", "jurisdiction": "--jurisdiction", "organism": "--organism", "n": "--n",
    "seed": "--seed",
    "search": "--no-search", "model_informed": "--model-informed", "plot": "--plot", "pk_model": "--pk-model",
    "example": "--example", "scr_series": "--scr-series", "baseline_scr": "--baseline-scr",
    "baseline_crcl_ml_per_min": "--baseline-crcl", "albumin": "--albumin", "albumin_unit": "--albumin-unit",
    "ventilated": "--ventilated", "apache_ii": "--apache-ii", "race": "--race", "structure": "--structure",
    "last_dose_at": "--last-dose", "now": "--now", "last_supplement_at": "--last-supplement", "hd_log": "--hd-log",
    "sessions": "--hd-log", "doses": "--doses", "levels": "--levels", "analyte": "--analyte",
    "hd_sessions": "--hd-sessions", "crrt_periods": "--crrt-periods",
}
_DEST = {flag[2:].replace("-", "_"): field for field, flag in FLAGS.items() if field != "sessions"}
_DEST["hd"] = "hd"
_DEST["crrt_effluent"] = "crrt.effluent_l_per_h"
_PATIENT_DESTS = ("age", "sex", "weight", "height", "scr", "scr_unit", "crcl", "weight_rule", "renal_method",
                  "hd", "hd_start", "hd_hours", "crrt_effluent", "crrt_modality", "residual_crcl", "scr_series",
                  "baseline_scr", "baseline_crcl")
#: Longest message printed on the one error line [characters].
MAX_ERROR_CHARS = 600


class _Parser(argparse.ArgumentParser):
    """argparse that ends with one line and status 2 (its default status) on bad usage."""

    def error(self, message):
        self.exit(2, f"pkdose: error: {' '.join(message.split())}\n")


class _Once(argparse.Action):
    """Store an option's text, refusing the option a second time (argparse would keep the last)."""

    def __call__(self, parser, namespace, values, option_string=None):
        if getattr(namespace, f"_{self.dest}_seen", False):
            parser.error(f"{option_string} was given twice; give it once")
        setattr(namespace, f"_{self.dest}_seen", True)
        setattr(namespace, self.dest, True if values is None and self.const is True else values)


class _OnceTrue(_Once):
    """A flag that may be given once."""

    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, default=None, **kw)

    def __call__(self, parser, namespace, values, option_string=None):
        super().__call__(parser, namespace, True, option_string)


def _opt(group, *names, **kw):
    """An option read as text once, with no default (the adapter applies defaults)."""
    kw.setdefault("action", _Once)
    return group.add_argument(*names, default=None, **kw)


def _help(field, extra=""):
    f = FIELDS[field]
    text = f.text + (f"; default {', '.join(f.default) if isinstance(f.default, tuple) else f.default}"
                     if f.default not in (None, (), True, False) else "")
    # the adapter's texts name other inputs by their field names; on the command line they are flags
    text = re.sub(r"\b[a-z]+(?:_[a-z0-9]+)+\b", lambda m: FLAGS.get(m.group(0), m.group(0)), text)
    return text + (f" {extra}" if extra else "")


def _add_renal(p):
    g = p.add_argument_group("renal function: --crcl, or --age --sex --weight [--height] --scr --scr-unit, "
                             "or --hd / --crrt-effluent")
    _opt(g, "--crcl", metavar="ML_PER_MIN", help=_help("crcl_ml_per_min"))
    _opt(g, "--age", metavar="YEARS", help=_help("age_y"))
    _opt(g, "--sex", metavar="F|M", help=_help("sex"))
    _opt(g, "--weight", metavar="KG", help=_help("weight_kg"))
    _opt(g, "--height", metavar="CM", help=_help("height_cm"))
    _opt(g, "--scr", metavar="VALUE", help=_help("scr_unit").replace("unit of scr", "serum creatinine, with "
                                                                           "--scr-unit"))
    _opt(g, "--scr-unit", metavar="UNIT", help="mg/dL or umol/L (required with --scr)")
    rules = "|".join(FIELDS["weight_rule"].choices)
    _opt(g, "--weight-rule", metavar=rules, help=_help("weight_rule", "(with --scr)"))
    methods = "|".join(FIELDS["renal_method"].choices)
    _opt(g, "--renal-method", metavar=methods,
         help="cg: Cockcroft–Gault from --scr (every label pkdose ships doses by it); measured: a measured "
              "--crcl; ckd-epi-2021: the de-indexed eGFR, shown by crcl (no label doses by it)")
    k = p.add_argument_group("a changing creatinine: --scr-series with --scr-unit, --baseline-scr and --age --sex "
                             "--weight (instead of --scr or --crcl)")
    _opt(k, "--scr-series", metavar="H:SCR,H:SCR,…",
         help="creatinines that are changing, hours:value oldest first, in --scr-unit (e.g. "
              "\"0:1.1,24:2.0,48:2.6\"): the kinetic CrCL (Chen 2013) of each interval, the label band now and "
              "when it is expected to change, the re-check time, and the first days simulated with a clearance "
              "that follows it")
    _opt(k, "--baseline-scr", metavar="VALUE", help=_help("baseline_scr"))
    _opt(k, "--baseline-crcl", metavar="ML_PER_MIN", help=_help("baseline_crcl_ml_per_min"))
    r = p.add_argument_group("renal replacement therapy (one of them)")
    _opt(r, "--hd", nargs="?", const=True, metavar="DAYS",
         help="intermittent haemodialysis, optional days (default Mon,Wed,Fri)")
    _opt(r, "--hd-start", metavar="HOUR", help=_help("hd.start_h", "(with --hd)"))
    _opt(r, "--hd-hours", metavar="H", help=_help("hd.session_h", "(with --hd)"))
    _opt(r, "--crrt-effluent", metavar="L_PER_H", help=_help("crrt.effluent_l_per_h"))
    _opt(r, "--crrt-modality", metavar="|".join(FIELDS["crrt.modality"].choices),
         help=_help("crrt.modality", "(with --crrt-effluent)"))
    _opt(r, "--residual-crcl", metavar="ML_PER_MIN", help=_help("residual_crcl_ml_per_min", "(with --hd or "
                                                                                         "--crrt-effluent)"))


def _add_covariates(p, structure=True):
    from .population_inputs import RACE_WORDS

    g = p.add_argument_group("PK model covariates (optional; not given: each model's default population, stated in "
                             "the output)")
    _opt(g, "--site", metavar="|".join(FIELDS["site"].choices), help=_help("site"))
    _opt(g, "--albumin", metavar="VALUE", help=_help("albumin", "(with --albumin-unit)"))
    _opt(g, "--albumin-unit", metavar="g/dL|g/L", help="unit of --albumin (required with it)")
    g.add_argument("--ventilated", action=_OnceTrue, help=FIELDS["ventilated"].text)
    _opt(g, "--apache-ii", metavar="POINTS", help=_help("apache_ii", "(0–71)"))
    _opt(g, "--race", metavar="GROUP",
         help="population group, only for products whose published model distinguishes it (ceftazidime-"
              "avibactam and its combination: Li 2019; aztreonam-avibactam: Xie 2025): "
              + "; ".join(f"{k} = {RACE_WORDS[k]}" for k in FIELDS["race"].choices)
              + ". The papers estimated different volumes or clearances for these groups; the output shows each "
                "factor and its source")
    if structure:
        _opt(g, "--structure", metavar="|".join(FIELDS["structure"].choices), help=_help("structure"))


def _add_common(p, example=True):
    _opt(p, "--mic", metavar="MG_PER_L", help=_help("mic_mg_per_l"))
    _opt(p, "--jurisdiction", metavar="US|EU", help=_help("jurisdiction"))
    _opt(p, "--organism", metavar="NAME", help=_help("organism", "(also 'P. aeruginosa')"))
    _opt(p, "--n", metavar="N", help=_help("n", "(100–100,000)"))
    _opt(p, "--seed", metavar="SEED", help=_help("seed"))
    p.add_argument("--json", action=_OnceTrue, help="machine-readable output (docs/json-schema.md)")
    if example:
        _opt(p, "--example", nargs="?", const="ckd", choices=sorted(EXAMPLES),
             help="run a built-in example patient: " + "; ".join(f"{k}: {v['description']}"
                                                                  for k, v in EXAMPLES.items()))


def _add_drug(p, pk_model=True):
    _opt(p, "--drug", metavar="NAME", help="cefiderocol | ceftazidime-avibactam | aztreonam | "
                                           "ceftazidime-avibactam+aztreonam | aztreonam-avibactam, or a brand "
                                           "name or abbreviation (fetroja, avycaz, zavicefta, azactam, emblaveo, "
                                           "CZA, ATM, ATM-AVI, CZA+ATM …)")
    if not pk_model:
        return
    p.add_argument("--pk-model", action="append", default=None, metavar="FILE",
                   help="your own PK model file replacing the default for its analyte (repeatable, one per "
                        "analyte; format in models/README.md)")


_EPILOG = {
    "crcl": """examples:
  pkdose crcl --age 70 --sex M --weight 110 --height 175 --scr 1.4 --scr-unit mg/dL
  pkdose crcl --age 70 --sex F --weight 60 --height 160 --scr 88 --scr-unit umol/L --renal-method ckd-epi-2021
  pkdose crcl --crcl 200
  pkdose crcl --age 70 --sex M --weight 80 --scr-series "0:1.1,24:2.0,48:2.6" --scr-unit mg/dL --baseline-scr 1.0
With a height, Cockcroft–Gault is shown with each body weight (total, adjusted, ideal) side by side.""",
    "dose": """examples:
  pkdose dose --example
  pkdose dose --drug cefiderocol --crcl 45
  pkdose dose --drug avycaz --age 72 --sex F --weight 58 --height 160 --scr 1.6 --scr-unit mg/dL
  pkdose dose --drug CZA+ATM --hd Mon,Wed,Fri --hd-start 8 --hd-hours 4 --mic 1
  pkdose dose --drug fetroja --crrt-effluent 2.5 --json
  pkdose dose --example hd --format note             # to paste into the record
  pkdose dose --example hd --format card --out card.pdf   # one printable page (.html needs no browser)
  pkdose dose --drug avycaz --crcl 60 --site pneumonia --ventilated --apache-ii 18
  pkdose dose --drug fetroja --crcl 45 --albumin 22 --albumin-unit g/L --structure one_compartment
  pkdose dose --drug fetroja --age 70 --sex M --weight 80 --scr-series "0:1.1,24:2.0,48:2.6" --scr-unit mg/dL \\
              --baseline-scr 1.0       # creatinine rising: kinetic CrCL, bands over time, re-check, first days
Without --site and the other covariates, each PK model uses its paper's default population (stated).""",
    "recommend": """examples:
  pkdose recommend --mechanism NDM --crcl 25 --mic 4
  pkdose recommend --mechanism "NDM + OXA-48" --crcl 40
  pkdose recommend --mechanism KPC                   # the options without doses
  pkdose recommend --mechanism KPC --crcl 60 --site bloodstream --severity severe   # the site reaches the PK models
  pkdose recommend --mechanism MBL --crcl 40 --mic cefiderocol=2,atm-avi=0.5""",
    "simulate": """examples:
  pkdose simulate --drug cefiderocol --crcl 45
  pkdose simulate --example hd --plot week.png
  pkdose simulate --drug CZA --crcl 40 --site urinary --structure one_compartment
Time 0 is the start of a dose at steady state, or Monday 00:00 of a dialysis week.""",
    "tdm": """examples:
  pkdose tdm --drug cefiderocol --crrt-effluent 2.3 --crrt-modality CVVH --site pneumonia \\
      --doses examples/tdm/cefiderocol_cvvh_doses.csv --levels examples/tdm/cefiderocol_cvvh_levels.csv --mic 2
  pkdose tdm --drug CZA --age 68 --sex M --weight 80 --scr 1.9 --scr-unit mg/dL --analyte ceftazidime \\
      --doses examples/tdm/cza_doses.csv --levels examples/tdm/cza_levels.csv --mic 8 --json
  pkdose tdm --drug cefiderocol --hd --hd-sessions 25-29,73-77 --doses D.csv --levels L.csv
DOSES.csv: time_h,amount_mg,infusion_h[,component]  (amount of the product as labelled, e.g. 2500 for
  ceftazidime-avibactam 2.5 g; infusion_h 24 for one day of continuous infusion).
LEVELS.csv: time_h,conc_mg_per_l[,analyte][,free]  (free: true for an unbound-concentration assay).
All times are hours on one clock (e.g. 0 = first dose): doses, levels, sessions, creatinines (--scr-series).""",
    "pta": """examples:
  pkdose pta --drug cefiderocol --crcl 100 --plot pta.png
  pkdose pta --drug ATM-AVI --crcl 25 --n 5000""",
    "hd-timing": """examples:
  pkdose hd-timing --drug fetroja --hd Mon,Wed,Fri --hd-start 8 --hd-hours 4 --last-dose "2026-12-06 20:00" \\
                   --now "2026-12-07 14:10" --hd-log sessions.csv
  pkdose hd-timing --drug CZA+ATM --hd --last-dose "cza=2026-12-05 14:00,atm=2026-12-07 06:00" \\
                   --last-supplement "atm=2026-12-05 12:15" --now "2026-12-07 14:10" --hd-log sessions.csv
sessions.csv lists only the sessions that differ from the schedule (docs/changing-renal-function.md):
  scheduled_start,start,end,missed
  2026-12-07 08:00,2026-12-07 10:00,2026-12-07 14:10,        (late)
  2026-12-09 08:00,,,true                                    (missed)
  ,2026-12-10 09:00,2026-12-10 12:00,                        (extra)
Times are local wall-clock times (no time zone; on the night of a daylight-saving change count the hours).""",
    "atlas": """examples:
  pkdose atlas --out atlas.csv --plot atlas.png
  pkdose atlas --n 2000 --structure one_compartment --out atlas.parquet --workers 2
  pkdose atlas --drug cefiderocol --jurisdiction EU --out cefiderocol.csv
Cells run on every core (--workers); the table is the same for a --seed whatever the workers.""",
    "models": """examples:
  pkdose models
  pkdose models check my_models/meropenem_smith2020.toml""",
    "serve": """examples:
  pkdose serve                         # http://127.0.0.1:8765/, this computer only
  pkdose serve --port 9000
  pkdose serve --host 0.0.0.0 --allow-remote   # colleagues on the network: no login, no encryption""",
}

_DESCRIPTION = {
    "crcl": "Creatinine clearance for dosing and how it was obtained: Cockcroft–Gault with the stated "
            "body weight, the CKD-EPI 2021 eGFR (indexed and de-indexed), BSA, and the augmented renal "
            "clearance flag (Udy 2014: ≥ 130 mL/min/1.73 m²).",
    "dose": "The label regimen of one drug for this patient's renal state, with its source and locator, "
            "its PK check (typical %fT>MIC, PTA over MICs) and, when the PTA is below the goal or the label "
            "is silent, a model-informed alternative clearly labelled as such.",
    "recommend": "The guideline options for a resistance mechanism (ESCMID, IDSA and the seed documents, "
                 "with dates and grades), the pitfalls, and a PK-checked dose of each ranked product.",
    "simulate": "The typical patient's concentration–time course at steady state over one dosing period "
                "(a week on haemodialysis), total and free, with clock times.",
    "tdm": "Bayesian TDM: the patient's own PK parameters from the measured levels (MAP and posterior with the "
           "published model as prior), individual predictions beside the levels, the individual %fT>MIC of the "
           "current regimen, and the next regimen that reaches the target at the MIC with at least 90 % posterior "
           "probability within the label limits (model-informed).",
    "pta": "Probability of target attainment of the label (or model-informed) regimen over a doubling MIC "
           "grid, in a virtual population.",
    "hd-timing": "When to give the next dose on intermittent haemodialysis from the sessions as they happened "
                 "(late, early, running, missed, extra): 'give now' or 'give at …', the dose after that, the "
                 "post-session supplement, and the reason with the label rule or pkdose's declared rule.",
    "atlas": "PTA of every label regimen of every product (US and EU; published practice on CRRT where the "
             "label is silent) in every renal condition (native CrCL 0-200 mL/min in steps of 5, haemodialysis "
             "Mon/Wed/Fri, CRRT 1.5-4.5 L/h) at 11 MICs (0.125-128 mg/L), as a tidy table (CSV, or Parquet "
             "with pyarrow) and a heatmap; published model structures unless --structure one_compartment.",
    "models": "List the products and PK models pkdose ships, or check your own PK model file.",
    "serve": "Start the local web calculator (needs the 'web' extra: pip install 'pkdose[web]'). It "
             "answers on this computer only unless --allow-remote is given.",
}


def _sub(sub, name, help_):
    return sub.add_parser(name, help=help_, description=_DESCRIPTION[name], epilog=_EPILOG[name],
                          formatter_class=argparse.RawDescriptionHelpFormatter)


def build_parser():
    """The argparse parser of the ``pkdose`` command.

    Returns
    -------
    argparse.ArgumentParser
    """
    parser = _Parser(prog="pkdose", description=f"pkdose {__version__}: renal dose adjustment of last-line "
                                                f"β-lactams with cited label regimens and a PK check. "
                                                f"{DISCLAIMER}",
                     epilog="Run 'pkdose COMMAND --help' for a command's options and examples.")
    parser.add_argument("--version", action="version", version=f"pkdose {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, metavar="COMMAND")

    p = _sub(sub, "crcl", "creatinine clearance and how it was estimated")
    _add_renal(p)
    p.add_argument("--json", action=_OnceTrue, help="machine-readable output")

    p = _sub(sub, "dose", "adjusted regimen, its sources, and its PK check")
    _add_drug(p)
    _add_renal(p)
    _add_covariates(p)
    _add_common(p)
    p.add_argument("--no-search", action=_OnceTrue, help="skip the model-informed search")
    _opt(p, "--format", metavar="|".join(OUTPUT_FORMATS), choices=OUTPUT_FORMATS,
         help="text (default); json (as --json); note: plain text to paste into the record (inputs, time, "
              "version, sources); card: a one-page printable dosing card as HTML, or PDF with --out FILE.pdf")
    _opt(p, "--out", metavar="FILE", help="write the card to FILE.html or FILE.pdf (with --format card)")

    p = _sub(sub, "recommend", "options for a resistance mechanism, with PK-checked doses")
    _opt(p, "--mechanism", metavar="NAME", help="KPC | OXA-48 | MBL | NDM | VIM | IMP | carbapenemase-negative | "
                                                "untyped; allele numbers (NDM-5) and mixtures (NDM+OXA-48) accepted")
    _opt(p, "--severity", metavar="SEVERITY", help=f"severity filter: {', '.join(FIELDS['severity'].choices)}")
    _add_renal(p)
    _add_covariates(p)
    _add_common(p)
    p.add_argument("--no-search", action=_OnceTrue, help="skip the model-informed search")

    for name, text in (("simulate", "typical concentration–time course of the label regimen"),
                       ("pta", "probability of target attainment over MICs")):
        p = _sub(sub, name, text)
        _add_drug(p)
        _add_renal(p)
        _add_covariates(p)
        _add_common(p)
        _opt(p, "--plot", metavar="FILE", help=f"write a figure ({', '.join('.' + f for f in PLOT_FORMATS)})")
        p.add_argument("--model-informed", action=_OnceTrue,
                       help="use the model-informed regimen instead of the label regimen")

    p = _sub(sub, "tdm", "Bayesian TDM from measured levels: the patient's PK and the next regimen")
    _add_drug(p)
    _add_renal(p)
    _add_covariates(p, structure=False)  # a TDM fit uses the published structures
    _add_common(p, example=False)
    t = p.add_argument_group("TDM records (times in hours on one clock)")
    _opt(t, "--doses", metavar="DOSES.csv", help=_help("doses"))
    _opt(t, "--levels", metavar="LEVELS.csv", help=_help("levels"))
    _opt(t, "--analyte", metavar="NAME", help=_help("analyte"))
    _opt(t, "--hd-sessions", metavar="START-END,...", help=_help("hd_sessions", "(with --hd)"))
    _opt(t, "--crrt-periods", metavar="START-END,...", help=_help("crrt_periods", "(with --crrt-effluent)"))
    _opt(p, "--plot", metavar="FILE", help=f"write the fit and forecast ({', '.join('.' + f for f in PLOT_FORMATS)})")
    p.add_argument("--no-search", action=_OnceTrue, help="skip the model-informed search")

    p = _sub(sub, "hd-timing", "next dose on haemodialysis from the actual sessions")
    _add_drug(p, pk_model=False)
    g = p.add_argument_group("dialysis")
    _opt(g, "--hd", nargs="?", const=True, metavar="DAYS",
         help="the weekly schedule (required): dialysis days, default Mon,Wed,Fri")
    _opt(g, "--hd-start", metavar="HOUR", help=_help("hd.start_h"))
    _opt(g, "--hd-hours", metavar="H", help=_help("hd.session_h"))
    _opt(g, "--hd-log", metavar="FILE.csv", help=FIELDS["hd_log"].text + "; only the sessions that differ from "
                                                  "the schedule (unlogged past sessions are taken as on time, "
                                                  "and the answer says so)")
    t = p.add_argument_group("times (local wall-clock, YYYY-MM-DD HH:MM)")
    _opt(t, "--last-dose", metavar="TIME", help=FIELDS["last_dose_at"].text + " (required; e.g. \"2026-12-06 "
                                                                           "20:00\", or \"cza=…,atm=…\")")
    _opt(t, "--now", metavar="TIME", help=FIELDS["now"].text)
    _opt(t, "--last-supplement", metavar="TIME", help=FIELDS["last_supplement_at"].text)
    _opt(p, "--jurisdiction", metavar="US|EU", help=_help("jurisdiction"))
    p.add_argument("--json", action=_OnceTrue, help="machine-readable output (docs/json-schema.md)")
    p = _sub(sub, "atlas", "PTA of every label regimen over renal conditions and MICs, on all cores")
    _opt(p, "--out", metavar="FILE", help="the table: FILE.csv, or FILE.parquet (needs pyarrow)")
    _opt(p, "--plot", metavar="FILE", help=f"heatmaps ({', '.join('.' + f for f in PLOT_FORMATS)})")
    _opt(p, "--n", metavar="N", help="virtual patients per cell; default 10000")
    _opt(p, "--workers", metavar="K", help="worker processes; default every core")
    _opt(p, "--structure", metavar="NAME", help="published (default) | one_compartment")
    _opt(p, "--seed", metavar="SEED", help="root seed of the cells; default 2026")
    _opt(p, "--drug", metavar="NAME", help="one product only (name or alias)")
    _opt(p, "--jurisdiction", metavar="US|EU", help="one jurisdiction only")

    p = _sub(sub, "serve", "start the local web calculator (needs the 'web' extra)")
    _opt(p, "--host", metavar="ADDRESS", help="address to bind (default 127.0.0.1, loopback only); another "
                                              "address needs --allow-remote")
    _opt(p, "--port", metavar="PORT", help="port (default 8765)")
    p.add_argument("--allow-remote", action=_OnceTrue,
                   help="serve other computers: the calculator has no login and no encryption")
    p.add_argument("--allowed-host", action="append", default=None, metavar="NAME",
                   help="another name this computer is reached by (DNS alias), with --allow-remote")

    p = _sub(sub, "models", "list or check model files")
    p.add_argument("action", nargs="?", default="list", choices=("list", "check"))
    p.add_argument("file", nargs="?", help="model file to check (with 'check')")
    p.add_argument("--json", action=_OnceTrue, help="machine-readable output")
    return parser


# --- arguments -> the adapter's mapping ----------------------------------------------------


def _convert(field, text):
    """The typed value of one option's text (numbers: ASCII decimals only)."""
    kind = FIELDS[field].kind
    if kind == "number":
        return number_from_text(text, field)
    if kind == "integer":
        return integer_from_text(text, field)
    if kind == "mic":
        return mic_from_text(text)
    if kind == "days":
        return days_from_text(text)
    if kind == "times":
        return times_from_text(text)
    return text


def _mapping(args):
    """{field: value} of every option the user gave (never argparse defaults)."""
    out = {}
    for dest, value in vars(args).items():
        if value is None or dest.startswith("_") or dest not in _DEST or dest == "example":
            continue
        field = _DEST[dest]
        if dest == "hd":
            out["hd"] = True
            if value is not True:
                out["hd.days"] = days_from_text(value)
        elif dest == "no_search":
            out["search"] = False
        elif dest in ("model_informed", "ventilated"):
            out[dest] = True
        elif dest == "pk_model":
            out["pk_model"] = tuple(value)
        else:
            out[field] = _convert(field, value)
    return out


def _with_example(args, values):
    """Fill the example patient in; an example and explicit renal or patient options conflict."""
    name = getattr(args, "example", None)
    if name is None:
        return values, None
    given = [d for d in _PATIENT_DESTS if getattr(args, d, None) is not None]
    if given:
        raise InputError(f"{{example}} and {{{_DEST[given[0]]}}} conflict: the example sets the patient; "
                         "drop one of them", field="example")
    ex = EXAMPLES[name]
    filled = dict(values)
    for key in ("drug", "mechanism", "mic_mg_per_l"):
        if key in ex and FIELDS[key].commands and args.command in FIELDS[key].commands:
            filled.setdefault(key, ex[key])
    filled.update(ex["patient"])
    return filled, ex["description"]


def _inputs(args):
    values, header = _with_example(args, _mapping(args))
    return parse_inputs(values, args.command), header


# --- subcommands --------------------------------------------------------------------------


def _cmd_crcl(args):
    inp, _ = _inputs(args)
    if inp.kinetic is not None:
        return _kinetic_crcl(inp, args.json)
    a = inp.assessment()
    fields = {k: getattr(a, k) for k in ("crcl_ml_per_min", "method", "weight_kg", "weight_explanation",
                                         "crcl_cockcroft_gault_ml_per_min", "crcl_by_weight_ml_per_min",
                                         "egfr_ckd_epi_2021_ml_per_min_per_1_73m2", "egfr_ckd_epi_2021_ml_per_min",
                                         "bsa_m2", "crcl_bsa_normalised_ml_per_min_per_1_73m2", "augmented")}
    if args.json:
        return {"schema": "pkdose.crcl/1", "disclaimer": DISCLAIMER, **fields, "notes": list(a.notes)}
    lines = [DISCLAIMER, "", f"CrCL for dosing: {a.crcl_ml_per_min:.0f} mL/min ({a.method})"]
    if a.weight_explanation and a.weight_explanation not in a.method:
        lines.append(f"  weight used: {a.weight_explanation}")
    if a.crcl_by_weight_ml_per_min:
        by = a.crcl_by_weight_ml_per_min
        lines.append("  Cockcroft–Gault by body weight: " + "   ".join(
            f"{w} {by[k]:.0f} mL/min" for k, w in (("total", "TBW"), ("adjusted", "AdjBW"), ("ideal", "IBW"))))
    if a.egfr_ckd_epi_2021_ml_per_min_per_1_73m2 is not None:
        lines.append(f"  CKD-EPI 2021 eGFR: {a.egfr_ckd_epi_2021_ml_per_min_per_1_73m2:.0f} mL/min/1.73 m²"
                     + (f", de-indexed {a.egfr_ckd_epi_2021_ml_per_min:.0f} mL/min"
                        if a.egfr_ckd_epi_2021_ml_per_min is not None else ""))
    if a.bsa_m2 is not None:
        lines.append(f"  BSA {a.bsa_m2:.2f} m²; CrCL normalised to 1.73 m²: "
                     f"{a.crcl_bsa_normalised_ml_per_min_per_1_73m2:.0f} mL/min/1.73 m²")
    threshold = clinical().value("arc_threshold_ml_per_min_per_1_73m2")
    lines.append(f"  augmented renal clearance (≥ {threshold:g} mL/min/1.73 m²): {'yes' if a.augmented else 'no'}")
    lines += [f"  note: {n}" for n in a.notes]
    return "\n".join(lines)


def _kinetic_crcl(inp, as_json):
    """``pkdose crcl --scr-series``: the kinetic CrCL trajectory."""
    from .changing_renal import json_records, trajectory_lines

    tr = inp.kinetic
    if as_json:
        return {"schema": "pkdose.crcl/1", "disclaimer": DISCLAIMER, "crcl_ml_per_min": tr.latest_crcl_ml_per_min,
                "method": "kinetic CrCL (Chen 2013) of the last interval", "kinetic_crcl": json_records(tr.table()),
                "assumptions": list(tr.assumptions), "notes": list(tr.notes)}
    lines = [DISCLAIMER, "", f"CrCL for dosing: {tr.latest_crcl_ml_per_min:.0f} mL/min (kinetic CrCL, Chen 2013, of the "
                             f"last interval {tr.start_h[-1]:g}–{tr.end_h[-1]:g} h; t in hours from the first "
                             "creatinine)"]
    lines += ["  " + x for x in trajectory_lines(tr, normalise_scr_unit(inp.scr_unit))]
    lines += [f"  note: {n}" for n in tr.notes]
    return "\n".join(lines)


def _advise(args, search):
    """The inputs, the example's description and the dose advice of the drug commands."""
    inp, header = _inputs(args)
    return inp, header, dose_answer(inp, search=search(inp)).advice


def _before_references(text, blocks):
    """Insert blocks of lines before the References of a report (at the end if there are none)."""
    extra = "\n".join(line for block in blocks for line in block)
    if not extra:
        return text
    head, sep, tail = text.rpartition("\nReferences\n")
    return f"{head}\n{extra}{sep}{tail}" if sep else f"{text}\n{extra}"


def _with_references(text, shown, keys):
    """Append the references of `keys` that the report does not list yet."""
    from .library import load_sources
    from .sources import format_citation

    bib = load_sources()
    extra = [f"  [{k}] {format_citation(bib[k])}" for k in dict.fromkeys(keys) if k in bib and k not in shown]
    return "\n".join([text, *extra]) if extra else text


def _covariate_block(answer):
    """The covariates block, shown when a covariate or the structure was given."""
    if not answer.show_population:
        return []
    return ["Covariates (PK models)"] + [f"          {x}" for x in answer.population]


def _with_header(text, header):
    return f"Example patient: {header}\n\n{text}" if header else text


def _output_format(args):
    """The --format asked for (--json is --format json), checked before any computation."""
    fmt = args.format or ("json" if args.json else "text")
    if args.json and fmt != "json":
        raise InputError(f"{{json}} and {{format}} {fmt} conflict: --json is --format json; give one of them",
                         field="format")
    if args.out is not None and fmt != "card":
        raise InputError("{out} writes a dosing card: add --format card (other formats print to the screen)",
                         field="out")
    if args.out is not None:
        from .card import CARD_SUFFIXES

        if not args.out.lower().endswith(CARD_SUFFIXES):
            raise InputError(f"{{out}} {args.out!r}: a dosing card is written as .html or .pdf", field="out")
    return fmt


def _cmd_dose(args):
    fmt = _output_format(args)
    inp, header = _inputs(args)
    answer = dose_answer(inp)
    advice = answer.advice
    if fmt == "json":
        out = answer.to_dict()
        if header:
            out["example"] = header
        return out
    if fmt == "note":
        return _with_header(answer.note(), header)
    if fmt == "card":
        return answer.card() if args.out is None else f"Dosing card written to {answer.write_card(args.out)}"
    changing = answer.changing
    text = _before_references(advice_text(advice), [changing.lines() if changing else [], _covariate_block(answer)])
    if changing is not None:
        text = _with_references(text, {s.key for s in advice.sources}, changing.source_keys())
    return _with_header(text, header)


def _cmd_recommend(args):
    from .changing_renal import trajectory_lines

    inp, header = _inputs(args)
    rec = recommend(inp.mechanism, **inp.recommend_kwargs())
    rec = dataclasses.replace(rec, advice=tuple(with_kinetic_renal(a, inp) for a in rec.advice))
    kinetic = []
    if inp.kinetic is not None:
        kinetic = ["Changing renal function: kinetic CrCL (Chen 2013), t in hours from the first creatinine; every "
                   "dose above uses the last interval's value (dose one product for its bands over time and the "
                   "first days simulated)"]
        kinetic += ["  " + x for x in trajectory_lines(inp.kinetic, normalise_scr_unit(inp.scr_unit))]
    if args.json:
        out = recommendation_to_dict(rec)
        out["population_inputs"] = {"structure": inp.structure, "given": dict(inp.pk_covariates)}
        out["kinetic_crcl"] = _kinetic_records(inp)
        return out
    given = ([f"Covariates (PK models) given: {', '.join(f'{k} {v}' for k, v in inp.pk_covariates.items())}; the "
              "others take each model's default population; pkdose dose --drug … shows what each does"]
             if inp.pk_covariates else [])
    return _with_header(_before_references(recommendation_text(rec), [kinetic, given]), header)


def _steady_state_of_series(inp):
    """What simulate and pta do with a creatinine series: the steady state at its last kinetic CrCL."""
    if inp.kinetic is None:
        return []
    return ["  creatinine series: the steady state at the last interval's kinetic CrCL; the trajectory, the bands "
            "over time, the re-check and the first days with the changing clearance: pkdose dose with the same "
            "inputs"]


def _kinetic_records(inp):
    from .changing_renal import json_records

    return None if inp.kinetic is None else json_records(inp.kinetic.table())


def _regimens_for(advice, model_informed):
    """The regimens to simulate and their PK check, or an error that says why there are none."""
    regs = advice.alternative if model_informed else advice.regimens
    check = advice.alternative_check if model_informed else advice.check
    if regs:
        return regs, check
    if not model_informed:
        raise InputError(f"no label regimen for this patient: {advice.label_note or 'the label has no row'}; "
                         "{model_informed} simulates the model-informed regimen", field="model_informed")
    if advice.check is not None and advice.check.pta_at_mic >= clinical().value("pta_goal_fraction"):
        why = (f"the label regimen already reaches the PTA goal ({advice.check.pta_at_mic:.1%} at MIC "
               f"{advice.mic_mg_per_l:g} mg/L ≥ {clinical().value('pta_goal_fraction'):.0%}), so none is searched; "
               "drop {model_informed} to simulate the label regimen")
    else:
        why = advice.alternative_note or "the search found no regimen within the labelled maxima"
    raise InputError(f"no model-informed regimen for this patient: {why}", field="model_informed")


def _clock(t_h, weekly):
    """'Mon 06:45' on a dialysis week, else '+06:45' after the dose at t = 0."""
    minutes = int(round(t_h * 60))
    if weekly:
        day, rest = divmod(minutes % int(HOURS_PER_WEEK * 60), 24 * 60)
        return f"{WEEKDAYS[day]} {rest // 60:02d}:{rest % 60:02d}"
    return f"+{minutes // 60:02d}:{minutes % 60:02d}"


def _grid(period_h, rows=40):
    """Evenly spaced times over one period at the smallest tidy step giving at most `rows` rows [h]."""
    step = next((s for s in (0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24) if period_h / s + 1 <= rows), period_h / rows)
    return np.arange(0.0, period_h + 1e-9, step)


def _cmd_simulate(args):
    from .pk import concentration
    from .regimens import format_regimen

    inp, header, advice = _advise(args, lambda inp: inp.model_informed)
    regs, check = _regimens_for(advice, inp.model_informed)
    first = next(iter(check.courses.values()))
    weekly = first.extra is not None and first.period_h == HOURS_PER_WEEK
    origin = ("t = 0 h is Monday 00:00 of a dialysis week at steady state (doses and sessions as in the week "
              "plan)" if weekly else "t = 0 h is the start of a dose at steady state; the course repeats every "
              f"{first.period_h:g} h")
    curves = {}
    for analyte, c in check.courses.items():
        curves[analyte] = (c, c.typical_profile())
    if inp.plot:
        _plot_simulation(inp.plot, advice, check, origin)
    if args.json:
        out = {"schema": "pkdose.simulate/1", "disclaimer": DISCLAIMER, "product": advice.product,
               "structure": check.structure, "population": check.population,
               "kinetic_crcl": _kinetic_records(inp),
               "regimens": [advice_to_dict(advice)["regimens" if not inp.model_informed else "model_informed"]],
               "steady_state_period_h": first.period_h, "time_origin": origin, "analytes": {}}
        for a, (c, profile) in curves.items():
            t = np.union1d(np.linspace(0, c.period_h, int(c.period_h * 4) + 1), profile.t_h)
            total = concentration(profile, t)[0]
            out["analytes"][a] = {"fu_fraction": c.model.fu_fraction, "t_h": t.round(4).tolist(),
                                  "clock": [_clock(x, weekly) for x in t],
                                  "total_mg_per_l": total.round(4).tolist(),
                                  "free_mg_per_l": (total * c.model.fu_fraction).round(4).tolist()}
        return out
    lines = [DISCLAIMER, ""] + ([f"Example patient: {header}", ""] if header else [])
    lines.append(f"{advice.display_name}: typical patient at steady state, CrCL {advice.renal.crcl_ml_per_min:.0f} "
                 f"mL/min ({advice.renal.renal_state}; {advice.renal.method})")
    lines += [f"  {r.component}: {format_regimen(r)}" for r in regs]
    lines.append(f"  time origin: {origin}")
    lines.append(f"  PK model structure: {check.structure}; population: {check.population}")
    lines += _steady_state_of_series(inp)
    for a, (c, profile) in curves.items():
        t = _grid(c.period_h)
        total = concentration(profile, t)[0]
        lines.append(f"  {a} (fu {c.model.fu_fraction:g}):   t [h]  {'clock' if weekly else 'since t0'}   "
                     "total [mg/L]  free [mg/L]")
        for ti, ci in zip(t, total):
            lines.append(f"    {ti:9.2f}  {_clock(ti, weekly):>9}   {ci:11.2f}  {ci * c.model.fu_fraction:10.2f}")
    if inp.plot:
        lines.append(f"Figure written to {inp.plot}")
    return "\n".join(lines)


def _plot_simulation(path, advice, check, origin):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_pk_check

    axes = plot_pk_check(check)
    fig = axes[0].figure
    fig.suptitle(f"{advice.display_name}, typical patient at steady state "
                 f"(CrCL {advice.renal.crcl_ml_per_min:.0f} mL/min, {advice.renal.renal_state}); {origin}",
                 fontsize=9, wrap=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _cmd_pta(args):
    from .regimens import format_regimen

    inp, header, advice = _advise(args, lambda inp: inp.model_informed)
    regs, check = _regimens_for(advice, inp.model_informed)
    if inp.plot:
        _plot_pta(inp.plot, check, advice, regs)
    table = check.pta
    if args.json:
        return {"schema": "pkdose.pta/1", "disclaimer": DISCLAIMER, "product": advice.product,
                "target": advice.target_text, "n_patients": check.n_patients, "structure": check.structure,
                "population": check.population, "kinetic_crcl": _kinetic_records(inp),
                "rows": json.loads(table.to_json(orient="records"))}
    lines = [DISCLAIMER, ""] + ([f"Example patient: {header}", ""] if header else [])
    lines.append(f"{advice.display_name}, CrCL {advice.renal.crcl_ml_per_min:.0f} mL/min "
                 f"({advice.renal.renal_state}; {advice.renal.method}); target {advice.target_text}; "
                 f"n = {check.n_patients}")
    lines.append(f"  PK model structure: {check.structure}; population: {check.population}")
    lines += _steady_state_of_series(inp)
    lines += [f"  {r.component}: {format_regimen(r)}" for r in regs]
    cols = [c for c in table.columns if c.startswith("pta_") and c != "pta_fraction"]
    if len(cols) <= 1:  # one analyte: its PTA is the joint PTA, shown once
        lines.append("  MIC [mg/L]   PTA")
        lines += [f"  {row['mic_mg_per_l']:9g}   {100 * row['pta_fraction']:5.1f} %" for row in table.to_dict("records")]
    else:
        lines.append("  MIC [mg/L]   joint PTA" + "".join(f"   {c[4:-9]}" for c in cols))
        for row in table.to_dict("records"):
            lines.append(f"  {row['mic_mg_per_l']:9g}   {100 * row['pta_fraction']:7.1f} %"
                         + "".join(f"   {100 * row[c]:7.1f} %" for c in cols))
    if inp.plot:
        lines.append(f"Figure written to {inp.plot}")
    return "\n".join(lines)


def _plot_pta(path, check, advice, regimens=()):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_pta
    from .regimens import format_regimen

    fig, ax = plt.subplots(figsize=(7, 4.6), layout="constrained")
    r = advice.renal
    fig.suptitle("\n".join([f"{advice.display_name}: probability of target attainment over MICs"]
                           + [f"{x.component}: {format_regimen(x)}" for x in regimens]
                           + [f"CrCL {r.crcl_ml_per_min:.0f} mL/min ({r.renal_state}); {check.structure} PK "
                              f"structure; n = {check.n_patients} virtual patients"]), fontsize=8.5)
    df = check.pta.assign(regimen=advice.display_name)
    by_value = {}  # bodies that agree share one line (CLSI and FDA often do)
    for b in _breakpoints(advice):
        if b.s_le_mg_per_l is not None:
            by_value.setdefault(b.s_le_mg_per_l, []).append(b.body)
    bps = {f"{'/'.join(dict.fromkeys(bodies))} S≤{v:g}": v for v, bodies in by_value.items()}
    plot_pta(df, breakpoints=bps, target_label=advice.target_text, ax=ax)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _breakpoints(advice, organism="Enterobacterales"):
    from .library import load_product

    return [b for b in load_product(advice.product).breakpoints if b.organism == organism]


def _cmd_models(args):
    if args.action == "check":
        if not args.file:
            raise InputError("models check needs a FILE")
        m = load_pk_model(args.file)
        out = {"file": args.file, "analyte": m.analyte, "key": m.key, "valid": True,
               "parameters": {k: p.value for k, p in m.params.items()}}
        return out if args.json else f"{args.file}: valid model for {m.analyte} ({len(m.params)} parameters)"
    if args.file:
        raise InputError(f"models list takes no FILE (got {args.file!r}); use 'models check FILE'")
    rows = []
    for product in available_products():
        table = load_regimen_table(product)
        rows.append({"product": product, "display_name": table.display_name, "analytes": list(table.analytes),
                     "regimen_rows": len(table.rows)})
    pk = sorted(p.stem for p in (models_dir() / "pk").glob("*.toml"))
    if args.json:
        return {"models_dir": str(models_dir()), "products": rows, "pk_models": pk}
    lines = [f"models: {models_dir()}", "products:"]
    lines += [f"  {r['product']:<34} {', '.join(r['analytes'])} ({r['regimen_rows']} label rows)" for r in rows]
    lines += ["PK models:"] + [f"  {k}" for k in pk]
    return "\n".join(lines)


def _cmd_serve(args):
    try:
        from .web import serve
    except ImportError as exc:  # fastapi/uvicorn are optional
        raise InputError(f"the web calculator needs the 'web' extra: pip install 'pkdose[web]' ({exc.name} "
                         "is missing)") from None
    port = 8765 if args.port is None else integer_from_text(args.port, "port")
    serve(host="127.0.0.1" if args.host is None else args.host, port=port, allow_remote=bool(args.allow_remote),
          extra_hosts=tuple(args.allowed_host or ()))
    return ""


def _cmd_tdm(args):
    from .tdm import plot_tdm, tdm_text, tdm_to_dict
    from .tdm.frontend import tdm_from_inputs

    inp, _ = _inputs(args)
    answer = tdm_from_inputs(inp)
    if inp.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        ax = plot_tdm(answer)
        ax.figure.savefig(inp.plot, dpi=110)
        plt.close(ax.figure)
    if args.json:
        return tdm_to_dict(answer)
    return tdm_text(answer) + (f"\nFigure written to {inp.plot}" if inp.plot else "")


def _cmd_hd_timing(args):
    from .hd_timing import product_hd_timing

    inp, _ = _inputs(args)
    t = inp.timing
    answer = product_hd_timing(inp.product, inp.renal_state.schedule, last_dose_at=t["last_dose_at"], now=t["now"],
                               sessions=t["sessions"], last_supplement_at=t["last_supplement_at"],
                               jurisdiction=inp.jurisdiction)
    if args.json:
        return {"schema": "pkdose.hd_timing/1", "disclaimer": DISCLAIMER, **answer.to_dict()}
    return "\n".join([DISCLAIMER, "", *answer.lines()])


def _cmd_atlas(args):
    import time

    from .atlas import atlas, check_out_path, plot_atlas, write_atlas
    from .inputs import check_plot_path, resolve_product

    if args.out is None and args.plot is None:
        raise InputError("{out} or {plot} is needed: where should the atlas go (FILE.csv, FILE.parquet, "
                         "FILE.png)?", field="out")
    out = None if args.out is None else check_out_path(args.out)
    plot = None if args.plot is None else check_plot_path(args.plot)
    n = 10_000 if args.n is None else integer_from_text(args.n, "n")
    workers = None if args.workers is None else integer_from_text(args.workers, "workers")
    seed = 2026 if args.seed is None else integer_from_text(args.seed, "seed")
    structure = args.structure
    if structure is not None and structure not in ("published", "one_compartment"):
        raise InputError(f"{{structure}} {structure!r}: use published or one_compartment", field="structure")
    products = None if args.drug is None else [resolve_product(args.drug)]
    juris = ("US", "EU") if args.jurisdiction is None else (args.jurisdiction.strip().upper(),)
    if juris[0] not in ("US", "EU"):
        raise InputError(f"{{jurisdiction}} {args.jurisdiction!r}: use US or EU", field="jurisdiction")
    start = time.perf_counter()
    table = atlas(n, products=products, jurisdictions=juris, structure=structure, seed=seed, workers=workers)
    elapsed = time.perf_counter() - start
    lines = [DISCLAIMER, "",
             f"PTA atlas: {table.groupby(['product', 'jurisdiction', 'regimen', 'condition']).ngroups} cells, "
             f"{len(table)} rows, {n:,} virtual patients per cell, {table['structure'].iloc[0]} structure, "
             f"seed {seed}; {elapsed:.1f} s"]
    if out is not None:
        write_atlas(table, out)
        lines.append(f"Table written to {out}")
    if plot is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = plot_atlas(table)
        fig.savefig(plot, dpi=90)
        plt.close(fig)
        lines.append(f"Figure written to {plot}")
    return "\n".join(lines)


COMMANDS = {"serve": _cmd_serve, "crcl": _cmd_crcl, "dose": _cmd_dose, "recommend": _cmd_recommend,
            "simulate": _cmd_simulate, "pta": _cmd_pta, "tdm": _cmd_tdm, "atlas": _cmd_atlas,
            "models": _cmd_models, "hd-timing": _cmd_hd_timing}
_SERVE_FLAGS = {"port": "--port", "host": "--host", "allow_remote": "--allow-remote", "allowed_host": "--allowed-host",
                "out": "--out", "workers": "--workers", "structure": "--structure", "n_patients": "--n",
                "products": "--drug", "jurisdictions": "--jurisdiction"}


def _one_line(exc):
    """The error as one line of at most MAX_ERROR_CHARS, inputs named by their flags."""
    names = {**FLAGS, **_SERVE_FLAGS, "format": "--format", "out": "--out", "json": "--json"}
    text = exc.render(names.get) if isinstance(exc, InputError) else str(exc)
    text = " ".join(text.split())
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 1] + "…"


def main(argv=None):
    """Run the ``pkdose`` command.

    Parameters
    ----------
    argv : list of str, optional
        Arguments; default ``sys.argv[1:]`` [-].

    Returns
    -------
    int
        Exit status: 0 on success, 2 on an input error [-].
    """
    args = build_parser().parse_args(argv)
    try:
        out = COMMANDS[args.command](args)
    except PkdoseError as exc:
        print(f"pkdose: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    if isinstance(out, dict):
        print(json.dumps(out, indent=2, ensure_ascii=False, allow_nan=False))
    elif out:
        print(out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
