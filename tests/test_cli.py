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
    assert "MIC [mg/L]   PTA" in proc.stdout and "joint PTA" not in proc.stdout  # one analyte: one column


def test_models_list_and_check():
    proc = run("models")
    assert proc.returncode == 0 and "cefiderocol_kawaguchi2021" in proc.stdout


# --- in-process: a CLI that explains itself (issue 13, item 2) --------------------------------------

from pkdose import cli  # noqa: E402

SUBCOMMANDS = ["crcl", "dose", "recommend", "simulate", "pta", "models", "serve"]


def main_out(capsys, *argv):
    status = cli.main(list(argv))
    out = capsys.readouterr()
    assert status == 0, out.err
    return out.out


def main_json(capsys, *argv):
    return json.loads(main_out(capsys, *argv, "--json"))


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_every_subcommand_help_has_a_description_and_examples(capsys, command):
    with pytest.raises(SystemExit) as exit_:
        cli.main([command, "--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and f"pkdose {command}" in text.split("examples:", 1)[1]
    assert len(text.split("\n\n")[1]) > 60  # a description after the usage, not just the usage


def test_top_level_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = capsys.readouterr().out
    assert all(c in text for c in SUBCOMMANDS) and "COMMAND --help" in text


@pytest.mark.parametrize("alias, product", [
    ("fetroja", "cefiderocol"), ("Fetcroja", "cefiderocol"), ("AVYCAZ", "ceftazidime-avibactam"),
    ("zavicefta", "ceftazidime-avibactam"), ("CZA", "ceftazidime-avibactam"), ("CAZ-AVI", "ceftazidime-avibactam"),
    ("caz/avi", "ceftazidime-avibactam"), ("azactam", "aztreonam"), ("ATM", "aztreonam"),
    ("emblaveo", "aztreonam-avibactam"), ("ATM-AVI", "aztreonam-avibactam"),
    ("CZA+ATM", "ceftazidime-avibactam+aztreonam"), ("CZA + ATM", "ceftazidime-avibactam+aztreonam"),
    ("Ceftazidime-Avibactam+Aztreonam", "ceftazidime-avibactam+aztreonam"),
])
def test_brand_names_and_abbreviations_are_product_aliases(capsys, alias, product):
    d = main_json(capsys, "dose", "--drug", alias, "--crcl", "45", "--n", "100", "--no-search")
    assert d["product"] == product


def test_sex_m_and_f(capsys):
    full = main_json(capsys, "crcl", "--age", "70", "--sex", "female", "--weight", "60", "--scr", "1", "--scr-unit",
                     "mg/dL")
    short = main_json(capsys, "crcl", "--age", "70", "--sex", "F", "--weight", "60", "--scr", "1", "--scr-unit",
                      "mg/dL")
    assert short["crcl_ml_per_min"] == full["crcl_ml_per_min"]
    assert main_json(capsys, "crcl", "--age", "70", "--sex", "m", "--weight", "60", "--scr", "1", "--scr-unit",
                     "mg/dL")["crcl_ml_per_min"] > full["crcl_ml_per_min"]


def test_crcl_accepts_a_crcl_alone_and_flags_arc(capsys):
    """Issue 13: crcl --crcl 200 was refused."""
    d = main_json(capsys, "crcl", "--crcl", "200")
    assert d["crcl_ml_per_min"] == 200 and d["augmented"] is True
    assert any("1.73" in n for n in d["notes"])


def test_crcl_by_each_body_weight_side_by_side(capsys):
    args = ["--age", "70", "--sex", "male", "--weight", "110", "--height", "175", "--scr", "1.4", "--scr-unit",
            "mg/dL"]
    line = next(x for x in main_out(capsys, "crcl", *args).splitlines() if "by body weight" in x)
    assert "TBW" in line and "AdjBW" in line and "IBW" in line
    d = main_json(capsys, "crcl", *args)
    by = d["crcl_by_weight_ml_per_min"]
    assert by["total"] > by["adjusted"] > by["ideal"] and by["adjusted"] == pytest.approx(d["crcl_ml_per_min"])


def test_renal_method_ckd_epi_for_crcl_and_refused_where_labels_use_cockcroft_gault(capsys):
    args = ["--age", "60", "--sex", "F", "--weight", "70", "--height", "165", "--scr", "1.1", "--scr-unit", "mg/dL",
            "--renal-method", "ckd-epi-2021"]
    d = main_json(capsys, "crcl", *args)
    assert d["method"].startswith("CKD-EPI 2021")
    assert d["crcl_ml_per_min"] == pytest.approx(d["egfr_ckd_epi_2021_ml_per_min"])
    assert cli.main(["dose", "--drug", "cefiderocol", *args]) == 2
    err = capsys.readouterr().err
    assert "--renal-method" in err and "Cockcroft–Gault" in err and "fetroja-uspi" in err
    measured = main_json(capsys, "dose", "--drug", "cefiderocol", "--age", "60", "--sex", "F", "--weight", "70",
                         "--crcl", "50", "--renal-method", "measured", "--n", "100")
    assert measured["renal"]["method"] == "measured"


# 70-year-old 110-kg woman (issue 8): every command uses the CrCL that crcl shows for the chosen rule
WOMAN = ["--age", "70", "--sex", "female", "--weight", "110", "--height", "160", "--scr", "1.2", "--scr-unit", "mg/dL"]


@pytest.mark.parametrize("rule", ["total", "ideal", "adjusted"])
def test_weight_rule_is_honoured_by_every_command(capsys, rule):
    crcl = main_json(capsys, "crcl", *WOMAN, "--weight-rule", rule)["crcl_ml_per_min"]
    dose = main_json(capsys, "dose", "--drug", "cefiderocol", *WOMAN, "--weight-rule", rule, "--n", "100",
                     "--no-search")
    assert dose["renal"]["crcl_ml_per_min"] == pytest.approx(crcl, abs=0.01)  # JSON rounds to 0.01
    rec = main_json(capsys, "recommend", "--mechanism", "KPC", *WOMAN, "--weight-rule", rule, "--n", "100",
                    "--no-search")
    assert rec["advice"] and all(a["renal"]["crcl_ml_per_min"] == pytest.approx(crcl, abs=0.01) for a in rec["advice"])
    for command in ("simulate", "pta"):
        text = main_out(capsys, command, "--drug", "cefiderocol", *WOMAN, "--weight-rule", rule, "--n", "100")
        assert f"CrCL {crcl:.0f} mL/min" in text


def test_simulate_states_its_time_origin_and_clock(capsys):
    text = main_out(capsys, "simulate", "--drug", "cefiderocol", "--crcl", "45", "--n", "100")
    assert "time origin: t = 0 h is the start of a dose at steady state" in text
    assert "+00:15" in text and "+08:00" in text  # quarter-hour steps over the 8-h period
    week = main_out(capsys, "simulate", "--example", "hd", "--n", "100")
    assert "Monday 00:00 of a dialysis week" in week and " Wed 06:00 " in week
    d = main_json(capsys, "simulate", "--example", "hd", "--n", "100")
    course = next(iter(d["analytes"].values()))
    assert d["time_origin"].startswith("t = 0 h is Monday") and course["clock"][0] == "Mon 00:00"


def test_pta_of_a_combination_keeps_the_joint_column(capsys):
    text = main_out(capsys, "pta", "--drug", "aztreonam-avibactam", "--crcl", "45", "--n", "100")
    assert "joint PTA" in text and "avibactam" in text


def test_model_informed_without_a_search_says_why(capsys):
    """Issue 10: simulate --model-informed ended with an empty reason when the label regimen was enough."""
    assert cli.main(["simulate", "--drug", "cefiderocol", "--crcl", "130", "--model-informed", "--n", "100"]) == 2
    err = capsys.readouterr().err.strip()
    assert "already reaches the PTA goal" in err and "--model-informed" in err and len(err.splitlines()) == 1


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
