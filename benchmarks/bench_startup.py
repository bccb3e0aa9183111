"""Benchmark start-up: ``pkdose dose --drug cefiderocol --crcl 45`` against ``python -c "import numpy"``.

Goal (issue "Performance"): the dose advice in at most 2 x the wall time of
importing numpy. Both commands run as whole processes, interleaved (A B A B
...), ``--runs`` times each after one warm-up; the ratio is taken pair by pair
and its minimum and median printed, with the load average (the machine may be
shared).

pandas, matplotlib and scipy are not imported on this path
(``tests/test_imports.py`` checks it). The package's bytecode is compiled
first, as a pip install does: with ``PYTHONDONTWRITEBYTECODE`` set and no
``__pycache__``, every run would compile pkdose's sources again (about 0.2 s).

Run:  python benchmarks/bench_startup.py [--runs 15]
"""

import argparse
import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

PKDOSE = Path(__file__).resolve().parent.parent / "pkdose"
DOSE = [sys.executable, "-m", "pkdose", "dose", "--drug", "cefiderocol", "--crcl", "45"]
NUMPY = [sys.executable, "-c", "import numpy"]


def wall(cmd, env):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(PKDOSE), quiet=1)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    wall(DOSE, env), wall(NUMPY, env)  # warm-up
    a, b = [], []
    for _ in range(args.runs):
        a.append(wall(DOSE, env))
        b.append(wall(NUMPY, env))
    a, b = np.array(a), np.array(b)
    ratio = a / b
    print(f"pkdose dose --drug cefiderocol --crcl 45: min {a.min():.3f} s, median {np.median(a):.3f} s")
    print(f"python -c 'import numpy':                min {b.min():.3f} s, median {np.median(b):.3f} s")
    print(f"ratio (pair by pair): min {ratio.min():.2f}, median {np.median(ratio):.2f}   (goal <= 2)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
