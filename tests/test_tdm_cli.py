"""pkdose tdm on the command line: the documented example files, the JSON contract, bad input."""

import json
import re
from pathlib import Path

import pytest

from pkdose import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "tdm"


def documented_commands():
    """Every command of examples/tdm/README.md, run from the repository root."""
    text = (EXAMPLES / "README.md").read_text()
    return [c.split()[1:] for c in re.findall(r"`(pkdose tdm [^`]+)`", text)]


def run(capsys, monkeypatch, argv):
    monkeypatch.chdir(ROOT)
    status = cli.main(list(argv) + ["--n", "200"])
    out = capsys.readouterr()
    return status, out.out, out.err


@pytest.mark.parametrize("argv", documented_commands(), ids=lambda a: Path(a[a.index("--doses") + 1]).stem)
def test_every_documented_example_runs(capsys, monkeypatch, argv):
    status, out, err = run(capsys, monkeypatch, argv)
    assert status == 0, err
    assert out.count("Decision support for healthcare professionals") == 1
    assert "Model-informed" in out and "Levels" in out and "Next" in out


def test_json_contract(capsys, monkeypatch):
    argv = documented_commands()[0] + ["--json"]
    status, out, err = run(capsys, monkeypatch, argv)
    assert status == 0, err
    d = json.loads(out)
    assert d["schema"] == "pkdose.tdm/1"
    (row,) = d["individual"]
    assert row["analyte"] == "cefiderocol"
    assert {"cl_l_per_h", "v_l", "cl_90_l_per_h", "v_90_l", "cl_map_l_per_h", "measured", "basis"} <= set(row)
    assert row["v_l"] == pytest.approx(row["v1_l"] + row["v2_l"] + row["v3_l"], rel=1e-3)
    assert d["renal"]["renal_state"] == "crrt" and d["levels"][1]["observed_mg_per_l"] == 57.95
    assert d["dose_advice"]["schema"] == "pkdose.dose/1"


def test_plot(capsys, monkeypatch, tmp_path):
    argv = documented_commands()[0] + ["--plot", str(tmp_path / "fit.png")]
    status, out, err = run(capsys, monkeypatch, argv)
    assert status == 0, err
    assert (tmp_path / "fit.png").stat().st_size > 1000


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize("doses, lv, extra, flag, words", [
    ("time_h,amount_mg,infusion_h\n0,2000,0.0167\n", "time_h,conc_mg_per_l\n5,40\n", [], "--doses", "1 min"),
    ("time_h,amount_mg,infusion_h\n-1,2000,3\n", "time_h,conc_mg_per_l\n5,40\n", [], "--doses", "negative"),
    ("time_h,amount_mg,infusion_h\n10,2000,3\n", "time_h,conc_mg_per_l\n5,40\n", [], "--levels", "not after a dose"),
    ("time_h,amount_mg,infusion_h\n0,2000,3\n8,2000,3\n", "time_h,conc_mg_per_l\n10.5,60000\n", [], "--levels",
     "divide by 1000"),
    ("time_h,amount_mg,infusion_h\n0,2,3\n", "time_h,conc_mg_per_l\n5,40\n", [], "--doses", "grams"),
    ("time_h,amount_mg,infusion_h\n0,2000,3\n", "time_h,conc_mg_per_l\n5,40\n", ["--hd"], "--hd-sessions",
     "actual start and end"),
    ("time,amount\n0,2000\n", "time_h,conc_mg_per_l\n5,40\n", [], "--doses", "header"),
])
def test_bad_records_exit_2_with_one_line_naming_the_flag(capsys, monkeypatch, tmp_path, doses, lv, extra, flag,
                                                          words):
    argv = ["tdm", "--drug", "cefiderocol", *(extra or ["--crcl", "60"]), "--doses",
            _write(tmp_path, "d.csv", doses), "--levels", _write(tmp_path, "l.csv", lv)]
    status, out, err = run(capsys, monkeypatch, argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("pkdose: error:")
    assert flag in err and words in err


def test_the_records_are_required(capsys, monkeypatch):
    status, _, err = run(capsys, monkeypatch, ["tdm", "--drug", "cefiderocol", "--crcl", "60"])
    assert status == 2 and "--doses is required" in err


def test_help_describes_the_contract(capsys):
    with pytest.raises(SystemExit):
        cli.main(["tdm", "--help"])
    text = capsys.readouterr().out
    assert "time_h,amount_mg,infusion_h" in text and "time_h,conc_mg_per_l" in text and "--analyte" in text
