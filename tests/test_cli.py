"""The pkdose command line, end to end through a subprocess (text and JSON), and every bad input."""

import json
import subprocess
import sys

import pytest

PKDOSE = [sys.executable, "-m", "pkdose"]


def run(*args):
    return subprocess.run(PKDOSE + list(args), capture_output=True, text=True, timeout=120)


def run_json(*args, n=True):
    proc = run(*args, "--json", *(("--n", "300") if n else ()))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_dose_cefiderocol_crcl_45_text():
    proc = run("dose", "--drug", "cefiderocol", "--crcl", "45", "--n", "300")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "1.5 g IV q8h, infused over 3 h" in out
    assert "[fetroja-uspi] Section 2.2, Table 1" in out
    assert out.count("Decision support for healthcare professionals") == 1
    assert "PTA" in out and "mg/L" in out and "L/h" in out


def test_dose_json_schema_fields():
    d = run_json("dose", "--drug", "cefiderocol", "--crcl", "45")
    assert d["schema"] == "pkdose.dose/1"
    (reg,) = d["regimens"]
    assert {"component", "dose_mg", "interval_h", "infusion_h", "loading_dose_mg", "citations"} <= set(reg)
    assert (reg["component"], reg["dose_mg"], reg["interval_h"], reg["infusion_h"]) == ("cefiderocol", 1500, 8, 3)
    assert reg["loading_dose_mg"] is None and reg["citations"] and reg["citations"][0]["source"] == "fetroja-uspi"
    assert d["renal"]["crcl_ml_per_min"] == 45 and d["pk_check"]["pta_at_mic"] >= 0.9
    assert d["mic_mg_per_l"] == 4 and "CLSI" in d["mic_basis"]


def test_dose_json_loading_dose_and_eu_breakpoint():
    d = run_json("dose", "--drug", "aztreonam-avibactam", "--crcl", "40", "--jurisdiction", "EU")
    (reg,) = d["regimens"]
    assert reg["loading_dose_mg"] == 2670 and reg["interval_h"] == 6 and reg["infusion_h"] == 3
    assert "EUCAST" in d["mic_basis"]


def test_recommend_ndm_json_and_text():
    d = run_json("recommend", "--mechanism", "NDM", "--crcl", "25", "--mic", "4")
    assert d["schema"] == "pkdose.recommend/1" and d["mechanism"] == "MBL"
    assert d["products"][:2] == ["aztreonam-avibactam", "cefiderocol"]
    assert "ceftazidime-avibactam+aztreonam" in d["products"]
    assert all(a["regimens"] and a["pk_check"] for a in d["advice"])
    assert any("aztreonam alone" in w["text"] for w in d["warnings"])
    proc = run("recommend", "--mechanism", "NDM", "--crcl", "25", "--mic", "4", "--n", "300")
    assert proc.returncode == 0
    assert "IDSA 2026" in proc.stdout and "ESCMID 2022" in proc.stdout and "conditional" in proc.stdout


def test_combination_components_and_hd_week():
    d = run_json("dose", "--drug", "ceftazidime-avibactam+aztreonam", "--hd", "--mic", "4")
    comps = [r["component"] for r in d["regimens"]]
    assert comps == ["ceftazidime-avibactam", "aztreonam"]
    atm = d["regimens"][1]
    assert atm["post_hd_supplement_mg"] == 250 and atm["max_daily_dose_mg"] == 6000
    week = d["pk_check"]["hd_week"]
    assert sum("session" in w for w in week) == 3
    assert any(w.get("after_hd") for w in week if "analyte" in w)


def test_crrt_without_label_row_gives_the_published_regimen_first():
    d = run_json("dose", "--drug", "ceftazidime-avibactam", "--crrt-effluent", "2.5")
    assert d["basis"] == "published" and "No US label dose for CRRT" in d["label_note"]
    (reg,) = d["regimens"]
    assert reg["text"] == "2.5 g (ceftazidime 2 g + avibactam 0.5 g) IV q8h, infused over 2 h"
    assert reg["evidence"].startswith("pk-study") and {c["source"] for c in reg["citations"]} >= {"ojeanson2025"}
    assert d["pk_check"]["verdict"]["verdict"] == "meets"
    assert [s["scenario"] for s in d["crrt_range"]] == ["low", "central", "high"]
    assert d["model_informed"] is None


@pytest.mark.parametrize("example", ["ckd", "hd", "crrt", "arc"])
def test_examples_run(example):
    proc = run("dose", "--example", example, "--n", "300")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Example patient:")


def test_crcl_subcommand_shows_weight_rule():
    d = run_json("crcl", "--age", "70", "--sex", "male", "--weight", "110", "--height", "175",
                 "--scr", "1.4", "--scr-unit", "mg/dL", n=False)
    assert "adjusted body weight" in d["method"] and 55 < d["crcl_ml_per_min"] < 65


def test_simulate_and_pta_with_plots(tmp_path):
    png = tmp_path / "sim.png"
    proc = run("simulate", "--example", "hd", "--plot", str(png))
    assert proc.returncode == 0, proc.stderr
    assert png.stat().st_size > 10_000
    png = tmp_path / "pta.png"
    proc = run("pta", "--drug", "cefiderocol", "--crcl", "100", "--plot", str(png), "--n", "300")
    assert proc.returncode == 0 and png.stat().st_size > 10_000
    assert "joint PTA" in proc.stdout


def test_models_list_and_check():
    proc = run("models")
    assert proc.returncode == 0 and "cefiderocol_kawaguchi2021" in proc.stdout


BAD = {
    "unknown drug": (["dose", "--drug", "meropenem", "--crcl", "45"], "unknown product"),
    "negative weight": (["dose", "--drug", "cefiderocol", "--age", "70", "--sex", "male", "--weight", "-80",
                         "--scr", "1", "--scr-unit", "mg/dL"], "weight_kg -80"),
    "absurd weight": (["dose", "--drug", "cefiderocol", "--age", "70", "--sex", "male", "--weight", "900",
                       "--scr", "1", "--scr-unit", "mg/dL"], "350 kg"),
    "weight of a child": (["dose", "--drug", "cefiderocol", "--age", "40", "--sex", "male", "--weight", "5",
                           "--scr", "1", "--scr-unit", "mg/dL"], "weight_kg 5"),
    "SCr without unit": (["dose", "--drug", "cefiderocol", "--age", "70", "--sex", "male", "--weight", "80",
                          "--scr", "1.2"], "explicit unit"),
    "SCr in the wrong unit": (["dose", "--drug", "cefiderocol", "--age", "70", "--sex", "male", "--weight", "80",
                               "--scr", "106", "--scr-unit", "mg/dL"], "did you mean 106 µmol/L"),
    "age below 18": (["dose", "--drug", "cefiderocol", "--age", "15", "--sex", "male", "--weight", "60",
                      "--scr", "0.8", "--scr-unit", "mg/dL"], "adult"),
    "CrCL out of range": (["dose", "--drug", "cefiderocol", "--crcl", "900"], "0-400"),
    "negative CrCL": (["dose", "--drug", "cefiderocol", "--crcl", "-5"], "0-400"),
    "HD and CRRT together": (["dose", "--drug", "cefiderocol", "--hd", "--crrt-effluent", "2"], "not allowed"),
    "no renal input": (["dose", "--drug", "cefiderocol"], "no renal function"),
    "not a number": (["dose", "--drug", "cefiderocol", "--crcl", "abc"], "invalid float"),
    "nan": (["dose", "--drug", "cefiderocol", "--crcl", "nan"], "finite"),
    "MIC zero": (["dose", "--drug", "cefiderocol", "--crcl", "40", "--mic", "0"], "MIC"),
    "unknown mechanism": (["recommend", "--mechanism", "FOO", "--crcl", "40"], "not known"),
    "malformed model file": (["models", "check", "pyproject.toml"], "pyproject.toml"),
    "missing model file": (["dose", "--drug", "cefiderocol", "--crcl", "40", "--pk-model", "nope.toml"],
                           "file not found"),
    "effluent in mL/h": (["dose", "--drug", "cefiderocol", "--crrt-effluent", "2000"], "mL/h"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_one_line_exit_2(case):
    args, fragment = BAD[case]
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pkdose: error:"), proc.stderr
    assert "Traceback" not in proc.stderr
    assert fragment in lines[0]


def test_recommend_with_no_matching_option_says_so():
    """Found by fuzzing the web API: an empty guideline answer used to raise KeyError."""
    proc = run("recommend", "--mechanism", "untyped", "--site", "other", "--severity", "non-severe",
               "--crcl", "40", "--n", "300")
    assert proc.returncode == 0 and "no guideline option matches" in proc.stdout


def test_malformed_model_file_in_a_tmp_dir(tmp_path):
    bad = tmp_path / "cefiderocol_mine.toml"
    bad.write_text('schema_version = 1\nanalyte = "cefiderocol"\n[parameters.cl_l_per_h]\nvalue = nan\n')
    proc = run("dose", "--drug", "cefiderocol", "--crcl", "40", "--pk-model", str(bad))
    assert proc.returncode == 2 and str(bad) in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
