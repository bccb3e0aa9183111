"""The bad-input corpus (issue 10): every way a user can get an input wrong, across every subcommand and the API.

Each command-line case must end with status 2, exactly one line on stderr that names the flags at fault (never a
Python field name), nothing on stdout (no dose printed), and no traceback. Each API case must be a 4xx with
``{detail, field}``. Every case listed in issue 10 is here, marked ``issue-10``.

The command-line cases run in-process (``pkdose.cli.main``), so that the corpus stays fast; a sample also runs as a
real ``python -m pkdose`` process. Placeholders in the arguments: ``{tmp}`` is a scratch directory holding the
hostile files built by :func:`hostile_files`.
"""

import json
import re
import subprocess
import sys

import pytest

from pkdose import cli
from pkdose.library import models_dir

D = ["dose", "--drug", "cefiderocol"]
ADULT = ["--age", "70", "--sex", "male", "--weight", "80"]
SCR = [*ADULT, "--scr", "1.2", "--scr-unit", "mg/dL"]
HDT = ["hd-timing", "--drug", "fetroja", "--hd", "--last-dose", "2026-12-06 20:00"]

#: (id, argv, words the one error line must contain)
CLI = [
    # --- names and what is required
    ("unknown drug", ["dose", "--drug", "meropenem", "--crcl", "45"], "not a product"),
    ("no drug", ["dose", "--crcl", "45"], "--drug is required"),
    ("no renal input", D, "no renal function"),
    ("recommend without mechanism", ["recommend", "--crcl", "45"], "--mechanism is required"),
    ("unknown mechanism", ["recommend", "--mechanism", "FOO", "--crcl", "40"], "--mechanism 'FOO' is not known"),
    ("unknown site", ["recommend", "--mechanism", "KPC", "--crcl", "40", "--site", "brain"], "--site 'brain'"),
    ("unknown severity", ["recommend", "--mechanism", "KPC", "--crcl", "40", "--severity", "extreme"],
     "--severity 'extreme'"),
    ("unknown jurisdiction", [*D, "--crcl", "45", "--jurisdiction", "XX"], "--jurisdiction 'XX'"),
    ("unknown sex", [*D, "--age", "70", "--sex", "X", "--weight", "80", "--crcl", "45"], "--sex 'X'"),
    ("unknown option", [*D, "--crcl", "45", "--foo", "1"], "unrecognized arguments"),
    ("no command", [], "the following arguments are required"),
    ("unknown command", ["dosing"], "invalid choice"),
    ("unknown example", ["dose", "--example", "icu"], "invalid choice"),
    # --- numbers: ASCII decimals only
    ("CrCL not a number", [*D, "--crcl", "abc"], "--crcl must be a plain decimal number"),
    ("CrCL nan", [*D, "--crcl", "nan"], "--crcl must be a plain decimal"),
    ("CrCL inf", [*D, "--crcl", "inf"], "--crcl must be a plain decimal"),
    ("issue-10 CrCL in Arabic-Indic digits", [*D, "--crcl", "٤٥"], "digits 0-9"),
    ("issue-10 CrCL with an underscore", [*D, "--crcl", "4_5"], "digits 0-9"),
    ("CrCL with a decimal comma", [*D, "--crcl", "4,5"], "digits 0-9"),
    ("CrCL in full-width digits", [*D, "--crcl", "４５"], "digits 0-9"),
    ("CrCL with an exponent", [*D, "--crcl", "1e2"], "plain decimal"),
    ("CrCL blank", [*D, "--crcl", " "], "plain decimal"),
    ("weight with a unit", [*D, "--age", "70", "--sex", "M", "--weight", "70kg", "--crcl", "45"],
     "--weight must be a plain decimal"),
    ("age in words", [*D, "--age", "seventy", "--sex", "M", "--weight", "70", "--crcl", "45"], "--age must be"),
    ("n not a number", [*D, "--crcl", "45", "--n", "abc"], "--n must be a whole number"),
    ("n with decimals", [*D, "--crcl", "45", "--n", "500.5"], "--n must be a whole number"),
    ("MIC not a number", [*D, "--crcl", "45", "--mic", "two"], "--mic must be a plain decimal"),
    # --- ranges
    ("negative weight", [*D, "--age", "70", "--sex", "male", "--weight", "-80", "--scr", "1", "--scr-unit", "mg/dL"],
     "--weight -80 is outside"),
    ("absurd weight", [*D, "--age", "70", "--sex", "male", "--weight", "900", "--scr", "1", "--scr-unit", "mg/dL"],
     "≤ 350 kg"),
    ("weight of a child", [*D, "--age", "40", "--sex", "male", "--weight", "5", "--scr", "1", "--scr-unit", "mg/dL"],
     "--weight 5 is outside"),
    ("age below 18", [*D, "--age", "15", "--sex", "male", "--weight", "60", "--scr", "0.8", "--scr-unit", "mg/dL"],
     "adult"),
    ("age above 120", [*D, "--age", "130", "--sex", "male", "--weight", "60", "--crcl", "40"], "≤ 120 years"),
    ("height in inches", [*D, *ADULT, "--height", "70", "--crcl", "45"], "did you mean 70 in"),
    ("height too tall", [*D, *ADULT, "--height", "300", "--crcl", "45"], "--height 300 is outside"),
    ("CrCL out of range", [*D, "--crcl", "900"], "≤ 400 mL/min"),
    ("negative CrCL", [*D, "--crcl", "-5"], "≥ 0"),
    ("SCr in the wrong unit", [*D, *ADULT, "--scr", "106", "--scr-unit", "mg/dL"], "did you mean 106 µmol/L"),
    ("SCr implausible in both units", [*D, *ADULT, "--scr", "5000", "--scr-unit", "umol/L"], "in the other unit"),
    ("SCr unit mmol/L", [*D, *ADULT, "--scr", "0.1", "--scr-unit", "mmol/L"], "--scr-unit 'mmol/L'"),
    ("SCr estimate above 400", [*D, "--age", "18", "--sex", "M", "--weight", "95", "--height", "200", "--scr",
                                "0.1", "--scr-unit", "mg/dL"], "estimated CrCL"),
    ("MIC zero", [*D, "--crcl", "40", "--mic", "0"], "--mic 0 is outside"),
    ("MIC negative", [*D, "--crcl", "40", "--mic", "-1"], "--mic -1 is outside"),
    ("MIC too high", [*D, "--crcl", "40", "--mic", "1024"], "0.001–512 mg/L"),
    ("issue-10 seed -1", [*D, "--crcl", "45", "--seed", "-1"], "--seed -1 is outside"),
    ("seed beyond 32 bits", [*D, "--crcl", "45", "--seed", "99999999999999999999"], "--seed"),
    ("n too small", [*D, "--crcl", "45", "--n", "50"], "--n 50 is outside"),
    ("n too large", [*D, "--crcl", "45", "--n", "10000000"], "100–100,000"),
    ("effluent in mL/h", [*D, "--crrt-effluent", "2000"], "mL/h"),
    ("effluent zero", [*D, "--crrt-effluent", "0"], "> 0"),
    ("residual CrCL too high", [*D, "--hd", "--residual-crcl", "40"], "≤ 30 mL/min"),
    ("HD session too short", [*D, "--hd", "--hd-hours", "0.5"], "--hd-hours 0.5 is outside"),
    ("issue-10 HD start 25", [*D, "--hd", "--hd-start", "25"], "--hd-start 25 is outside"),
    ("HD day unknown", [*D, "--hd", "Funday"], "--hd"),
    ("HD day twice", [*D, "--hd", "Mon,Mon"], "unique"),
    ("CRRT modality unknown", [*D, "--crrt-effluent", "2", "--crrt-modality", "SLED"], "--crrt-modality 'SLED'"),
    # --- conflicts and unused inputs: both flags named
    ("issue-10 CrCL with HD", [*D, "--crcl", "45", "--hd"], "--crcl and --hd conflict"),
    ("issue-10 CrCL with CRRT", [*D, "--crcl", "45", "--crrt-effluent", "2"], "--crcl and --crrt-effluent conflict"),
    ("HD and CRRT", [*D, "--hd", "--crrt-effluent", "2"], "--hd and --crrt-effluent conflict"),
    ("CrCL and SCr", [*D, *SCR, "--crcl", "40"], "--crcl and --scr conflict"),
    ("SCr on HD", [*D, *SCR, "--hd"], "--scr and --hd conflict"),
    ("SCr on CRRT", [*D, *SCR, "--crrt-effluent", "2"], "--scr and --crrt-effluent conflict"),
    ("issue-10 HD start without HD", [*D, "--crcl", "45", "--hd-start", "25"], "--hd-start needs --hd"),
    ("HD hours without HD", [*D, "--crcl", "45", "--hd-hours", "3"], "--hd-hours needs --hd"),
    ("issue-10 residual CrCL unused", [*D, "--crcl", "45", "--residual-crcl", "3"],
     "--residual-crcl is used only with --hd or --crrt-effluent"),
    ("issue-10 CRRT modality unused", [*D, "--crcl", "45", "--crrt-modality", "CVVH"],
     "--crrt-modality needs --crrt-effluent"),
    ("issue-10 SCr unit with a CrCL", [*D, "--crcl", "40", "--scr-unit", "mg/dL"],
     "--scr-unit is used only with --scr or --scr-series"),
    ("SCr without unit", [*D, *ADULT, "--scr", "1.2"], "--scr needs --scr-unit"),
    ("SCr without demographics", [*D, "--scr", "1.2", "--scr-unit", "mg/dL"], "--scr needs --age and --sex and "),
    ("age alone with a CrCL", [*D, "--crcl", "45", "--age", "70"], "--age needs --sex and --weight"),
    ("height alone with a CrCL", [*D, "--crcl", "45", "--height", "170"], "--height needs"),
    ("weight rule with a CrCL", [*D, "--crcl", "45", "--weight-rule", "ideal"],
     "--weight-rule is used only with --scr or --baseline-scr"),
    ("weight rule unknown", [*D, *SCR, "--weight-rule", "lean"], "--weight-rule 'lean'"),
    ("ideal weight without height", [*D, *SCR, "--weight-rule", "ideal"], "--height is required"),
    ("obese patient without a height", [*D, "--age", "70", "--sex", "F", "--weight", "140", "--scr", "1",
                                        "--scr-unit", "mg/dL"], "overweight or obese"),
    ("renal method measured with SCr", [*D, *SCR, "--renal-method", "measured"], "needs --crcl"),
    ("renal method CKD-EPI for a dose", [*D, *SCR, "--height", "175", "--renal-method", "ckd-epi-2021"],
     "Cockcroft–Gault"),
    ("renal method unknown", [*D, *SCR, "--renal-method", "mdrd"], "--renal-method 'mdrd'"),
    ("CKD-EPI with a weight rule", ["crcl", *SCR, "--height", "175", "--renal-method", "ckd-epi-2021",
                                    "--weight-rule", "total"], "conflict"),
    ("example with a patient flag", ["dose", "--example", "ckd", "--crcl", "30"], "--example and --crcl conflict"),
    ("per-product MIC for one drug", [*D, "--crcl", "45", "--mic", "cefiderocol=2"], "PRODUCT=MIC is for recommend"),
    # --- repeated options
    ("issue-10 repeated MIC", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic", "cefiderocol=2",
                               "--mic", "cefiderocol=4"], "--mic was given twice"),
    ("MIC names a product twice", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic",
                                   "cefiderocol=2,cefiderocol=4"], "twice"),
    ("MIC names a product twice by alias", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic",
                                            "fetroja=2,cefiderocol=1"], "twice"),
    ("repeated CrCL", [*D, "--crcl", "45", "--crcl", "50"], "--crcl was given twice"),
    ("repeated drug", [*D, "--drug", "aztreonam", "--crcl", "45"], "--drug was given twice"),
    ("repeated weight rule", ["crcl", *SCR, "--weight-rule", "total", "--weight-rule", "ideal"], "given twice"),
    ("repeated json", [*D, "--crcl", "45", "--json", "--json"], "--json was given twice"),
    ("MIC pair without a product", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic", "=2"],
     "is not PRODUCT=MIC"),
    ("MIC pair for an unknown product", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic",
                                         "meropenem=2"], "not a product"),
    ("MIC pair not a number", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--mic", "cefiderocol=abc"],
     "--mic must be a plain decimal"),
    ("recommend CrCL with HD", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--hd"], "conflict"),
    ("recommend MIC without renal input", ["recommend", "--mechanism", "NDM", "--mic", "2"],
     "--mic is used only with --crcl or --scr or --hd or --crrt-effluent"),
    ("recommend patient without renal input", ["recommend", "--mechanism", "NDM", *ADULT], "--age is used only"),
    ("recommend for P. aeruginosa", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--organism",
                                     "P. aeruginosa"], "--organism 'Pseudomonas aeruginosa': the mechanism tables"),
    ("recommend a contradictory mixture", ["recommend", "--mechanism", "untyped + NDM", "--crcl", "45"],
     "cannot be combined with a carbapenemase"),
    ("unknown organism", [*D, "--crcl", "45", "--organism", "Acinetobacter"], "--organism 'Acinetobacter'"),
    ("no breakpoint and no MIC", ["dose", "--drug", "ATM-AVI", "--crcl", "45", "--organism", "pseudomonas"],
     "--mic is needed: there is no breakpoint"),
    ("recommend weight rule with a CrCL", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--weight-rule",
                                           "ideal"], "--weight-rule is used only with --scr"),
    ("recommend takes no drug", ["recommend", "--mechanism", "NDM", "--crcl", "45", "--drug", "cefiderocol"],
     "unrecognized arguments"),
    # --- covariates of the PK models (wiring)
    ("wiring site unknown for a dose", [*D, "--crcl", "45", "--site", "brain"], "--site 'brain' is not accepted"),
    ("wiring albumin without its unit", [*D, "--crcl", "45", "--albumin", "2.8"], "--albumin needs --albumin-unit"),
    ("wiring albumin unit alone", [*D, "--crcl", "45", "--albumin-unit", "g/L"], "--albumin-unit needs --albumin"),
    ("wiring albumin in g/L typed as g/dL", [*D, "--crcl", "45", "--albumin", "28", "--albumin-unit", "g/dL"],
     "did you mean 28 g/L"),
    ("wiring albumin in g/dL typed as g/L", [*D, "--crcl", "45", "--albumin", "2.8", "--albumin-unit", "g/L"],
     "did you mean 2.8 g/dL"),
    ("wiring albumin implausible in both units", [*D, "--crcl", "45", "--albumin", "300", "--albumin-unit", "g/L"],
     "also outside"),
    ("wiring albumin unit mg/dL", [*D, "--crcl", "45", "--albumin", "2.8", "--albumin-unit", "mg/dL"],
     "--albumin-unit 'mg/dL' is not accepted"),
    ("wiring albumin not a number", [*D, "--crcl", "45", "--albumin", "low", "--albumin-unit", "g/dL"],
     "--albumin must be a plain decimal"),
    ("wiring APACHE II above 71", [*D, "--crcl", "45", "--apache-ii", "80"], "--apache-ii 80 is outside"),
    ("wiring APACHE II with decimals", [*D, "--crcl", "45", "--apache-ii", "12.5"], "--apache-ii must be a whole"),
    ("wiring APACHE II negative", [*D, "--crcl", "45", "--apache-ii", "-3"], "--apache-ii -3 is outside"),
    ("wiring race for a model without it", [*D, "--crcl", "45", "--race", "asian"],
     "--race is not used for cefiderocol"),
    ("wiring race for aztreonam alone", ["dose", "--drug", "aztreonam", "--crcl", "45", "--race", "chinese"],
     "--race is not used for aztreonam"),
    ("wiring race group unknown", ["dose", "--drug", "CZA", "--crcl", "45", "--race", "european"],
     "--race 'european' is not accepted"),
    ("wiring structure unknown", [*D, "--crcl", "45", "--structure", "two_compartment"],
     "--structure 'two_compartment' is not accepted"),
    ("wiring ventilated given twice", [*D, "--crcl", "45", "--ventilated", "--ventilated"],
     "--ventilated was given twice"),
    ("wiring ventilated takes no value", [*D, "--crcl", "45", "--ventilated", "yes"], "unrecognized arguments"),
    ("wiring covariates on crcl", ["crcl", "--crcl", "45", "--site", "urinary"], "unrecognized arguments"),
    # --- a changing creatinine (wiring)
    ("wiring series with a CrCL", [*D, *ADULT, "--scr-series", "0:1.1,24:2.0", "--scr-unit", "mg/dL",
                                   "--baseline-scr", "1", "--crcl", "40"], "--scr-series and --crcl conflict"),
    ("wiring series with a single SCr", [*D, *ADULT, "--scr-series", "0:1.1,24:2.0", "--scr-unit", "mg/dL",
                                         "--baseline-scr", "1", "--scr", "1.2"], "--scr-series and --scr conflict"),
    ("wiring series on HD", [*D, "--scr-series", "0:1.1,24:2.0", "--hd"], "--scr-series and --hd conflict"),
    ("wiring series on CRRT", [*D, "--scr-series", "0:1.1,24:2.0", "--crrt-effluent", "2"],
     "--scr-series and --crrt-effluent conflict"),
    ("wiring series without a unit", [*D, *ADULT, "--scr-series", "0:1.1,24:2.0", "--baseline-scr", "1"],
     "--scr-series needs --scr-unit"),
    ("wiring series without a baseline", [*D, *ADULT, "--scr-series", "0:1.1,24:2.0", "--scr-unit", "mg/dL"],
     "--scr-series needs --baseline-scr"),
    ("wiring series without the patient", [*D, "--scr-series", "0:1.1,24:2.0", "--scr-unit", "mg/dL",
                                           "--baseline-scr", "1"], "--scr-series needs --age and --sex and --weight"),
    ("wiring baseline without a series", [*D, *SCR, "--baseline-scr", "1"], "--baseline-scr needs --scr-series"),
    ("wiring baseline CrCL without a series", [*D, "--crcl", "45", "--baseline-crcl", "90"],
     "--baseline-crcl needs --scr-series"),
    ("wiring series with one sample", [*D, *ADULT, "--scr-series", "0:1.1", "--scr-unit", "mg/dL",
                                       "--baseline-scr", "1"], "--scr-series has one sample"),
    ("wiring series out of order", [*D, *ADULT, "--scr-series", "24:2.0,0:1.1", "--scr-unit", "mg/dL",
                                    "--baseline-scr", "1"], "--scr-series: times must increase"),
    ("wiring series with a repeated time", [*D, *ADULT, "--scr-series", "0:1.1,0:2.0", "--scr-unit", "mg/dL",
                                            "--baseline-scr", "1"], "appears twice"),
    ("wiring series with a negative time", [*D, *ADULT, "--scr-series=-6:1.1,0:2.0", "--scr-unit", "mg/dL",
                                            "--baseline-scr", "1"], "is negative"),
    ("wiring series in Arabic-Indic digits", [*D, *ADULT, "--scr-series", "0:١.١,24:2", "--scr-unit", "mg/dL",
                                              "--baseline-scr", "1"], "non-ASCII"),
    ("wiring series item without a colon", [*D, *ADULT, "--scr-series", "0:1.1,24", "--scr-unit", "mg/dL",
                                            "--baseline-scr", "1"], "is not 'hours:value'"),
    ("wiring series in the wrong unit", [*D, *ADULT, "--scr-series", "0:97,24:177", "--scr-unit", "mg/dL",
                                         "--baseline-scr", "1"], "did you mean 97 µmol/L"),
    ("wiring baseline in the wrong unit", [*D, *ADULT, "--scr-series", "0:1.1,24:2.0", "--scr-unit", "mg/dL",
                                           "--baseline-scr", "88"], "--baseline-scr 88 mg/dL is implausible"),
    ("wiring series with a renal method", [*D, *ADULT, "--scr-series", "0:1.1,24:2.0", "--scr-unit", "mg/dL",
                                           "--baseline-scr", "1", "--renal-method", "cg"],
     "--renal-method and --scr-series conflict"),
    ("wiring series with an example", ["dose", "--example", "ckd", "--scr-series", "0:1.1,24:2.0"],
     "--example and --scr-series conflict"),
    # --- haemodialysis in real time (wiring): bad times and session logs
    ("wiring hd-timing without a schedule", [*HDT[:3], "--last-dose", "2026-12-06 20:00"], "needs the schedule: --hd"),
    ("wiring hd-timing without the last dose", HDT[:4], "--hd needs --last-dose"),
    ("wiring hd-timing time without a clock time", [*HDT, "--now", "2026-12-07"], "--now '2026-12-07' is not a local"),
    ("wiring hd-timing time with a zone", [*HDT, "--now", "2026-12-07T14:10+01:00"], "without a time zone"),
    ("wiring hd-timing date that does not exist", [*HDT, "--now", "2026-02-30 10:00"], "is not a date and time that"),
    ("wiring hd-timing time in words", [*HDT, "--now", "now"], "--now 'now' is not a local date and time"),
    ("wiring hd-timing last dose after now", [*HDT, "--now", "2026-12-05 10:00"], "--last-dose Sun 06 Dec 20:00 is "
                                                                                  "after now"),
    ("wiring hd-timing log missing", [*HDT, "--hd-log", "{tmp}/nope.csv"], "--hd-log '"),
    ("wiring hd-timing log is a directory", [*HDT, "--hd-log", "{tmp}"], "is a directory"),
    ("wiring hd-timing log is /dev/zero", [*HDT, "--hd-log", "/dev/zero"], "not a regular file"),
    ("wiring hd-timing log without its header", [*HDT, "--hd-log", "{tmp}/log_noheader.csv"],
     "the first line must be scheduled_start,start,end,missed"),
    ("wiring hd-timing log with a bad time", [*HDT, "--hd-log", "{tmp}/log_badtime.csv"],
     "--hd-log line 2: start '2026-12-07 25:00' is not a date and time"),
    ("wiring hd-timing log end before start", [*HDT, "--hd-log", "{tmp}/log_backwards.csv"],
     "--hd-log line 2: session end"),
    ("wiring hd-timing log missed not true or false", [*HDT, "--hd-log", "{tmp}/log_missed.csv"],
     "missed 'maybe' must be true or false"),
    ("wiring hd-timing log too large", [*HDT, "--hd-log", "{tmp}/large.toml"], "larger than a session log"),
    ("wiring hd-timing log with a short line", [*HDT, "--hd-log", "{tmp}/log_short.csv"], "2 values for 4 columns"),
    ("wiring hd-timing log end in the future", [*HDT, "--now", "2026-12-07 13:00", "--hd-log",
                                                "{tmp}/log_late.csv"], "an actual end cannot be in the future"),
    ("wiring hd-timing component unknown", ["hd-timing", "--drug", "CZA+ATM", "--hd", "--last-dose",
                                            "cefiderocol=2026-12-06 20:00", "--now", "2026-12-07 13:00"],
     "names cefiderocol which is not a component"),
    ("wiring hd-timing one component without a time", ["hd-timing", "--drug", "CZA+ATM", "--hd", "--last-dose",
                                                       "atm=2026-12-06 20:00", "--now", "2026-12-07 13:00"],
     "names ceftazidime-avibactam without a time"),
    ("wiring hd-timing takes no CrCL", [*HDT, "--crcl", "20"], "unrecognized arguments"),
    ("wiring hd-timing last dose twice", [*HDT, "--last-dose", "2026-12-06 21:00"], "--last-dose was given twice"),
    # --- hostile files and paths (issue 10: tracebacks before)
    ("issue-10 PK model is a directory", [*D, "--crcl", "45", "--pk-model", "{tmp}"], "is a directory"),
    ("issue-10 PK model is /dev/zero", [*D, "--crcl", "45", "--pk-model", "/dev/zero"], "not a regular file"),
    ("issue-10 PK model nested 5,000 deep", [*D, "--crcl", "45", "--pk-model", "{tmp}/deep.toml"],
     "nested too deeply"),
    ("issue-10 PK model with a 3,000-level dotted key", [*D, "--crcl", "45", "--pk-model", "{tmp}/dotted.toml"],
     "nested too deeply"),
    ("PK model too large", [*D, "--crcl", "45", "--pk-model", "{tmp}/large.toml"], "larger than a model file"),
    ("PK model missing", [*D, "--crcl", "40", "--pk-model", "nope.toml"], "file not found"),
    ("PK model with nan", [*D, "--crcl", "40", "--pk-model", "{tmp}/nan.toml"], "nan.toml"),
    ("issue-10 PK model with a reference clearance of 1e308", [*D, "--crcl", "45", "--pk-model",
                                                               "{tmp}/cl_1e308.toml"], "not a plausible model number"),
    ("PK model for another analyte", [*D, "--crcl", "45", "--pk-model", "{models}/pk/aztreonam_xie2025.toml"],
     "is for 'aztreonam'"),
    ("issue-10 models check a directory", ["models", "check", "{tmp}"], "is a directory"),
    ("models check /dev/zero", ["models", "check", "/dev/zero"], "not a regular file"),
    ("malformed model file", ["models", "check", "{tmp}/not_a_model.toml"], "not_a_model.toml"),
    ("models check without a file", ["models", "check"], "needs a FILE"),
    ("models list with a file", ["models", "list", "x.toml"], "takes no FILE"),
    ("issue-10 simulate plot into a missing directory", ["simulate", "--drug", "cefiderocol", "--crcl", "45",
                                                         "--plot", "{tmp}/missing-dir/x.png"], "does not exist"),
    ("issue-10 simulate plot under a file", ["simulate", "--drug", "cefiderocol", "--crcl", "45", "--plot",
                                             "{tmp}/a_file/x.png"], "is not a directory"),
    ("issue-10 simulate plot onto a directory", ["simulate", "--drug", "cefiderocol", "--crcl", "45", "--plot",
                                                 "{tmp}"], "is a directory"),
    ("issue-10 pta plot with an unknown extension", ["pta", "--drug", "cefiderocol", "--crcl", "45", "--plot",
                                                     "{tmp}/x.xyz"], "the figure format is chosen by the extension"),
    ("plot without an extension", ["pta", "--drug", "cefiderocol", "--crcl", "45", "--plot", "{tmp}/figure"],
     ".png, .pdf, .svg"),
    # --- simulate / pta specifics
    ("issue-10 simulate model-informed when the label is enough", ["simulate", "--drug", "cefiderocol", "--crcl",
                                                                   "130", "--model-informed"],
     "already reaches the PTA goal"),
    ("issue-10 pta model-informed at CrCL 0", ["pta", "--drug", "cefiderocol", "--crcl", "0", "--model-informed"],
     "no model-informed regimen for this patient: "),
    ("pta model-informed without a drug", ["pta", "--crcl", "0", "--model-informed"], "--drug is required"),
    ("simulate takes no --no-search", ["simulate", "--drug", "cefiderocol", "--crcl", "45", "--no-search"],
     "unrecognized arguments"),
    ("pta MIC too high", ["pta", "--drug", "cefiderocol", "--crcl", "45", "--mic", "1024"], "--mic 1024"),
    ("simulate without renal input", ["simulate", "--drug", "cefiderocol"], "no renal function"),
    # --- crcl
    ("crcl with nothing", ["crcl"], "no renal function"),
    ("crcl SCr without demographics", ["crcl", "--scr", "1", "--scr-unit", "mg/dL"], "--scr needs --age"),
    ("crcl CrCL out of range", ["crcl", "--crcl", "500"], "--crcl 500 is outside"),
    ("crcl CKD-EPI without height", ["crcl", *SCR, "--renal-method", "ckd-epi-2021"], "--height"),
    ("crcl HD start without HD", ["crcl", "--crcl", "45", "--hd-start", "9"], "--hd-start needs --hd"),
    ("crcl takes no MIC", ["crcl", "--crcl", "45", "--mic", "2"], "unrecognized arguments"),
    # --- serve
    ("issue-10 serve on an empty host", ["serve", "--host", ""], "--host '' is not an address"),
    ("issue-10 serve on every interface without --allow-remote", ["serve", "--host", "0.0.0.0"],
     "add --allow-remote"),
    ("serve port zero", ["serve", "--port", "0"], "--port 0 is outside"),
    ("serve port not a number", ["serve", "--port", "http"], "--port must be a whole number"),
    ("serve an alias without --allow-remote", ["serve", "--allowed-host", "ward"], "--allowed-host is used only"),
]

#: Python field names that must never reach a command-line user.
PYTHON_NAMES = re.compile(r"(?<![-\w.])(age_y|weight_kg|height_cm|scr_unit|crcl_ml_per_min|residual_crcl_ml_per_min|"
                          r"effluent_l_per_h|mic_mg_per_l|start_h|session_h|weight_rule|renal_method|hd\.days|"
                          r"scr_series|baseline_scr|baseline_crcl_ml_per_min|albumin_unit|apache_ii|"
                          r"albumin_g_per_dl|last_dose_at|last_supplement_at|hd_log)\b")


@pytest.fixture(scope="module")
def hostile_files(tmp_path_factory):
    """Scratch directory with the hostile and broken files the corpus names."""
    tmp = tmp_path_factory.mktemp("hostile")
    (tmp / "deep.toml").write_text("a = " + "[" * 5000 + "]" * 5000 + "\n")
    (tmp / "dotted.toml").write_text("a" + ".a" * 3000 + " = 1\n")
    (tmp / "large.toml").write_text("# " + "x" * (2 << 20) + "\n")
    (tmp / "nan.toml").write_text('schema_version = 1\nanalyte = "cefiderocol"\n[parameters.cl_l_per_h]\n'
                                  'value = nan\n')
    (tmp / "not_a_model.toml").write_text("this is not TOML = = =\n")
    (tmp / "a_file").write_text("a file, not a directory\n")
    head = "scheduled_start,start,end,missed\n"
    (tmp / "log_noheader.csv").write_text("2026-12-07 08:00,2026-12-07 10:00,2026-12-07 14:10,\n")
    (tmp / "log_badtime.csv").write_text(head + "2026-12-07 08:00,2026-12-07 25:00,,\n")
    (tmp / "log_backwards.csv").write_text(head + "2026-12-07 08:00,2026-12-07 10:00,2026-12-07 09:00,\n")
    (tmp / "log_missed.csv").write_text(head + "2026-12-07 08:00,,,maybe\n")
    (tmp / "log_short.csv").write_text(head + "2026-12-07 08:00,2026-12-07 10:00\n")
    (tmp / "log_late.csv").write_text(head + "2026-12-07 08:00,2026-12-07 10:00,2026-12-07 14:10,\n")
    shipped = (models_dir() / "pk" / "cefiderocol_kawaguchi2021.toml").read_text()
    big = re.sub(r"(\[parameters\.cl\w*_l_per_h\]\nvalue = )[0-9.]+", r"\g<1>1e308", shipped, count=1)
    assert big != shipped
    (tmp / "cl_1e308.toml").write_text(big)
    return tmp


def _argv(argv, tmp):
    return [a.replace("{tmp}", str(tmp)).replace("{models}", str(models_dir())) for a in argv]


def _check_one_line(status, out, err, words):
    lines = err.strip().splitlines()
    assert status == 2, (status, err)
    assert out == "", f"something was printed: {out[:200]!r}"
    assert len(lines) == 1 and lines[0].startswith("pkdose: error: "), err
    assert "Traceback" not in err
    assert words in lines[0], lines[0]
    assert not PYTHON_NAMES.search(lines[0]), f"a Python field name instead of a flag: {lines[0]}"


def test_the_corpus_is_large_and_covers_every_subcommand_and_issue_10():
    assert len(CLI) + len(API) >= 100
    commands = {argv[0] for _, argv, _ in CLI if argv}
    assert {"crcl", "dose", "recommend", "simulate", "pta", "models", "serve", "hd-timing"} <= commands
    assert sum(case.startswith("wiring") for case, _, _ in CLI) + sum(c.startswith("wiring") for c, *_ in API) >= 20
    assert sum(case.startswith("issue-10") for case, _, _ in CLI) + sum(c.startswith("issue-10") for c, *_ in API) \
        >= 25


@pytest.mark.parametrize("case, argv, words", CLI, ids=[c for c, _, _ in CLI])
def test_cli_refuses_in_one_line_with_status_2(case, argv, words, hostile_files, capsys):
    try:
        status = cli.main([*_argv(argv, hostile_files), *(["--n", "100"] if argv[:1] in (["simulate"], ["pta"])
                                                           and "--n" not in argv else [])])
    except SystemExit as exc:  # argparse's own usage errors
        status = exc.code
    captured = capsys.readouterr()
    _check_one_line(status, captured.out, captured.err, words)


REAL_PROCESS = ["issue-10 CrCL with HD", "issue-10 PK model is /dev/zero", "issue-10 PK model nested 5,000 deep",
                "issue-10 simulate plot onto a directory", "issue-10 seed -1", "unknown option",
                "obese patient without a height", "issue-10 serve on every interface without --allow-remote"]


@pytest.mark.parametrize("case", REAL_PROCESS)
def test_a_real_process_also_ends_in_one_line(case, hostile_files):
    _, argv, words = next(c for c in CLI if c[0] == case)
    proc = subprocess.run([sys.executable, "-m", "pkdose", *_argv(argv, hostile_files)], capture_output=True,
                          text=True, timeout=120)
    _check_one_line(proc.returncode, proc.stdout, proc.stderr, words)


# --- the API ------------------------------------------------------------------------------------------

C = {"drug": "cefiderocol"}
#: (id, path, body (dict, or raw bytes), status, field, words)
API = [
    ("issue-10 CrCL with HD", "/api/dose", {**C, "crcl_ml_per_min": 45, "hd": {}}, 422, "crcl_ml_per_min",
     "conflict"),
    ("issue-10 CrCL with CRRT", "/api/dose", {**C, "crcl_ml_per_min": 45, "crrt": {"effluent_l_per_h": 2}}, 422,
     "crcl_ml_per_min", "conflict"),
    ("issue-10 seed beyond the float range", "/api/dose", {**C, "crcl_ml_per_min": 45, "seed": 10**400}, 422, "seed",
     "outside"),
    ("issue-10 n beyond the float range", "/api/recommend", {"mechanism": "NDM", "crcl_ml_per_min": 45,
                                                             "n": 10**400}, 422, "n", "outside"),
    ("negative seed", "/api/dose", {**C, "crcl_ml_per_min": 45, "seed": -1}, 422, "seed", "outside"),
    ("residual CrCL unused", "/api/dose", {**C, "crcl_ml_per_min": 45, "residual_crcl_ml_per_min": 3}, 422,
     "residual_crcl_ml_per_min", "only with"),
    ("SCr on HD", "/api/dose", {**C, "age_y": 60, "sex": "male", "weight_kg": 70, "scr": 1, "scr_unit": "mg/dL",
                                "hd": {}}, 422, "scr", "conflict"),
    ("weight rule unused", "/api/dose", {**C, "crcl_ml_per_min": 45, "weight_rule": "total"}, 422, "weight_rule",
     "needs"),
    ("obese without height", "/api/dose", {**C, "age_y": 60, "sex": "female", "weight_kg": 140, "scr": 1,
                                           "scr_unit": "mg/dL"}, 422, "height_cm", "overweight or obese"),
    ("partial demographics", "/api/dose", {**C, "crcl_ml_per_min": 45, "age_y": 60}, 422, "sex", "together"),
    ("CRRT without effluent", "/api/dose", {**C, "crrt": {"modality": "CVVH"}}, 422, "crrt.effluent_l_per_h",
     "needs"),
    ("HD as true", "/api/dose", {**C, "hd": True}, 422, "hd", "object"),
    ("HD days unknown", "/api/dose", {**C, "hd": {"days": ["Funday"]}}, 422, "hd.days", "not accepted"),
    ("HD days as text", "/api/dose", {**C, "hd": {"days": "Mon,Wed"}}, 422, "hd.days", "list of day names"),
    ("HD start 24", "/api/dose", {**C, "hd": {"start_h": 24}}, 422, "hd.start_h", "< 24"),
    ("HD unknown setting", "/api/dose", {**C, "hd": {"start": 8}}, 422, "hd.start", "unknown input"),
    ("null value", "/api/dose", {**C, "crcl_ml_per_min": None}, 422, "crcl_ml_per_min", "must be a number"),
    ("number as text", "/api/dose", {**C, "crcl_ml_per_min": "45"}, 422, "crcl_ml_per_min", "must be a number"),
    ("boolean as number", "/api/dose", {**C, "crcl_ml_per_min": True}, 422, "crcl_ml_per_min", "must be a number"),
    ("n with decimals", "/api/dose", {**C, "crcl_ml_per_min": 45, "n": 500.5}, 422, "n", "whole number"),
    ("sex in lower-case abbreviation", "/api/dose", {**C, "crcl_ml_per_min": 45, "age_y": 60, "sex": "m",
                                                     "weight_kg": 70}, 422, "sex", "not accepted"),
    ("drug alias in mixed case", "/api/dose", {"drug": "Fetroja", "crcl_ml_per_min": 45}, 422, "drug",
     "not a product"),
    ("mechanism with a blank", "/api/recommend", {"mechanism": " NDM", "crcl_ml_per_min": 45}, 422, "mechanism",
     "not known"),
    ("per-product MIC object", "/api/recommend", {"mechanism": "NDM", "crcl_ml_per_min": 45,
                                                  "mic_mg_per_l": {"cefiderocol": 2}}, 422, "mic_mg_per_l",
     "one number"),
    ("recommend field on dose", "/api/dose", {**C, "crcl_ml_per_min": 45, "severity": "severe"}, 422, "severity",
     "not used by dose"),
    ("CKD-EPI for a dose", "/api/dose", {**C, "age_y": 60, "sex": "male", "weight_kg": 70, "height_cm": 175,
                                         "scr": 1, "scr_unit": "mg/dL", "renal_method": "ckd-epi-2021"}, 422,
     "renal_method", "Cockcroft–Gault"),
    ("issue-10 duplicate key", "/api/dose", b'{"drug": "cefiderocol", "crcl_ml_per_min": 45, "crcl_ml_per_min": 9}',
     422, "crcl_ml_per_min", "twice"),
    ("NaN", "/api/dose", b'{"drug": "cefiderocol", "crcl_ml_per_min": NaN}', 422, None, "not a JSON number"),
    ("infinite number", "/api/dose", b'{"drug": "cefiderocol", "crcl_ml_per_min": 1e999}', 422, "crcl_ml_per_min",
     "finite"),
    ("not JSON", "/api/dose", b"{drug: cefiderocol}", 422, None, "not valid JSON"),
    ("a list", "/api/recommend", b"[]", 422, None, "JSON object"),
    ("empty body", "/api/dose/plot", b"", 422, None, "empty"),
    ("deeply nested JSON", "/api/dose", b"[" * 100_00 + b"]" * 100_00, 413, None, "larger than"),
    ("nested JSON under the size limit", "/api/dose", b"[" * 5000 + b"]" * 5000, 422, None, "JSON"),
    ("plot width out of range", "/api/dose/plot?width_in=40", {**C, "crcl_ml_per_min": 45}, 422, "width_in", "≤"),
    ("recommend for P. aeruginosa", "/api/recommend", {"mechanism": "KPC", "crcl_ml_per_min": 45,
                                                       "organism": "Pseudomonas aeruginosa"}, 422, "organism",
     "Enterobacterales"),
    ("no breakpoint and no MIC", "/api/dose", {"drug": "aztreonam-avibactam", "crcl_ml_per_min": 45,
                                               "organism": "Pseudomonas aeruginosa"}, 422, "mic_mg_per_l",
     "no breakpoint"),
    ("wiring series with a CrCL", "/api/dose", {**C, "crcl_ml_per_min": 45, "scr_series": "0:1.1,24:2.0"}, 422,
     "scr_series", "conflict"),
    ("wiring series as a list", "/api/dose", {**C, "age_y": 70, "sex": "male", "weight_kg": 80, "scr_series":
                                               [[0, 1.1], [24, 2.0]], "scr_unit": "mg/dL", "baseline_scr": 1},
     422, "scr_series", "must be text"),
    ("wiring albumin without unit", "/api/dose", {**C, "crcl_ml_per_min": 45, "albumin": 2.8}, 422, "albumin_unit",
     "needs"),
    ("wiring race for cefiderocol", "/api/dose", {**C, "crcl_ml_per_min": 45, "race": "asian"}, 422, "race",
     "no population-group covariate"),
    ("wiring APACHE II as text", "/api/dose", {**C, "crcl_ml_per_min": 45, "apache_ii": "12"}, 422, "apache_ii",
     "must be a number"),
    ("wiring ventilated as text", "/api/dose", {**C, "crcl_ml_per_min": 45, "ventilated": "yes"}, 422, "ventilated",
     "true or false"),
    ("wiring hd-timing without a last dose", "/api/hd-timing", {**C, "hd": {}}, 422, "last_dose_at", "needs"),
    ("wiring hd-timing bad time", "/api/hd-timing", {**C, "hd": {}, "last_dose_at": "yesterday"}, 422,
     "last_dose_at", "not a local date and time"),
    ("wiring hd-timing session with null", "/api/hd-timing", {**C, "hd": {}, "last_dose_at": "2026-12-06 20:00",
                                                              "sessions": [{"start": None}]}, 422, "sessions",
     "no null"),
    ("wiring hd-timing session as text", "/api/hd-timing", {**C, "hd": {}, "last_dose_at": "2026-12-06 20:00",
                                                            "sessions": "late"}, 422, "sessions", "list of"),
    ("wiring hd-timing takes no CrCL", "/api/hd-timing", {**C, "hd": {}, "last_dose_at": "2026-12-06 20:00",
                                                          "crcl_ml_per_min": 20}, 422, "crcl_ml_per_min",
     "not used by hd-timing"),
    ("mixture with untyped", "/api/recommend", {"mechanism": "untyped + NDM", "crcl_ml_per_min": 45}, 422,
     "mechanism", "not known"),
]


def _call(path, **kw):
    """One POST to the web calculator, in-process (no network)."""
    import asyncio

    httpx = pytest.importorskip("httpx", reason="httpx is not installed")
    pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")
    from pkdose.web import create_app

    async def go():
        transport = httpx.ASGITransport(app=create_app())
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8765") as client:
            return await client.post(path, **kw)

    return asyncio.run(asyncio.wait_for(go(), timeout=120))


@pytest.mark.parametrize("case, path, body, status, field, words", API, ids=[c[0] for c in API])
def test_api_refuses_with_a_4xx_naming_the_field(case, path, body, status, field, words):
    kw = {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, bytes) else \
        {"content": json.dumps(body).encode(), "headers": {"content-type": "application/json"}}
    r = _call(path, **kw)
    assert r.status_code == status, r.text
    out = r.json()
    assert set(out) >= {"detail", "field"} and out["field"] == field, out
    assert words in out["detail"] and "Traceback" not in r.text
