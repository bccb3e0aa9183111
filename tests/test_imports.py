"""Import hygiene: the dose advice on the command line runs without pandas, matplotlib or scipy.

pandas, matplotlib and scipy are imported where they are used (tables of
cohorts, plots, the dialysis-clearance calibration), so ``pkdose dose`` starts
in about the time of importing numpy. Checked in a fresh interpreter by the
modules it loaded, not by timing (speed: ``benchmarks/bench_startup.py``).
"""

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "matplotlib", "scipy")


def _modules_after(code):
    out = subprocess.run([sys.executable, "-c", code + "\nimport sys, json\n"
                          "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
                          f"{HEAVY!r})))"], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("args", [
    ["dose", "--drug", "cefiderocol", "--crcl", "45"],
    ["dose", "--drug", "ceftazidime-avibactam", "--crcl", "100", "--json"],
    ["dose", "--drug", "cefiderocol", "--crrt-effluent", "2.5"],
])
def test_dose_advice_imports_no_pandas_matplotlib_or_scipy(args):
    code = ("import io, contextlib\nfrom pkdose.cli import main\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n    assert main({args!r}) == 0\n")
    assert _modules_after(code) == []


def test_importing_the_package_and_the_engine_loads_none_of_them():
    assert _modules_after("import pkdose, pkdose.pk, pkdose.pd, pkdose.pta, pkdose.exposure, pkdose.cli") == []


def test_the_tables_still_come_as_dataframes():
    """PKCheck builds its pandas tables when they are read: the API is unchanged."""
    import pandas as pd

    from pkdose.exposure import Covariates, pk_check
    from pkdose.library import load_product
    from pkdose.patient import Native
    from pkdose.regimens import parse_regimen

    chk = pk_check(load_product("cefiderocol"), [parse_regimen("2 g q8h over 3 h", component="cefiderocol")],
                   Covariates(80.0, Native()), mic_mg_per_l=4.0, n=200)
    assert isinstance(chk.pta, pd.DataFrame) and isinstance(chk.typical, pd.DataFrame)
    assert chk.pta.to_dict("records") == chk.rows("pta")
    assert chk.targets.to_dict("records") == chk.rows("targets")
    assert chk.typical.to_dict("records") == chk.rows("typical")
