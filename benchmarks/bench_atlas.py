"""Benchmark the PTA atlas against its in-run yardstick: number of cells x the W1 exact-reference time.

Goal (issue "Performance"): atlas wall time <= 3 x (cells x W1 reference time),
measured in one run. The W1 reference (``bench_w1.w1_reference``: 10,000
patients, one compartment, 8 MICs, closed form in numpy) is timed first
(CPU time, minimum of ``--rounds`` rounds) and again after the atlas; the
smaller is the yardstick. The atlas is timed as wall time on ``--workers``
processes (default every core), for each structure asked for, and as the CPU
time of all its processes (parent and workers): on a shared machine the wall
time depends on what else runs, the CPU time much less; with two free cores the
goal is CPU <= 6 x (cells x reference).

Where the time goes (cProfile of ``atlas_cell`` over a sample of cells, one
process): about 70 % deciding attainment (:func:`pkdose.pd.ft_attains`: the
stretches, their ends, the convexity bounds of every crossing, the exact
crossings of the few patients the bounds leave open), 12 % simulating, 8 %
drawing the populations, the rest building courses and rows. A cell's fixed
cost (measured at 100 patients) is about 4 ms. Why the goal is out of reach:
a cell evaluates 1.6 target components on average (cefiderocol and aztreonam
one; the avibactam combinations two) over a whole steady-state period, in two
or three compartments, at 11 MICs where W1 has 8 on one compartment; the 62
dialysis cells are a week each (15-30 dosing intervals). Each crossing of a
sum of exponentials needs at least its bounds (a logarithm and about 20
arithmetic passes) and the stretch ends an exponential per mode: per cell
several times W1's work (``bench_w1.py`` puts the three-compartment W1 alone at
5-7 x W1). The US and EU labels give the same regimen in every condition:
1,426 distinct computations among the 2,852 cells, each drawn from its own
seed; one population per (product, regimen, condition) would halve the work
but change the table for a given seed.

Run:  python benchmarks/bench_atlas.py [--n 10000] [--structure published one_compartment] [--workers 2]
Prints the machine's load average before and after, since the machine may be shared.
"""

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_w1 import population, w1_reference  # noqa: E402

from pkdose.atlas import atlas, atlas_cells  # noqa: E402


def reference_time(rounds):
    cl, v = population(10_000)
    best = np.inf
    for _ in range(rounds):
        t0 = time.process_time()
        w1_reference(cl, v)
        best = min(best, time.process_time() - t0)
    return best


def _cpu():
    """CPU time (user + system) of this process and of its finished children (the workers) [s]."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000, help="virtual patients per cell")
    ap.add_argument("--structure", nargs="+", default=["published", "one_compartment"])
    ap.add_argument("--workers", type=int, default=os.cpu_count())
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--products", nargs="*", default=None)
    args = ap.parse_args(argv)

    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} cores")
    ref = reference_time(args.rounds)
    cells = len(atlas_cells(args.n, products=args.products))
    times, cpus = {}, {}
    for structure in args.structure:
        c0 = _cpu()
        t0 = time.perf_counter()
        table = atlas(args.n, products=args.products, structure=structure, workers=args.workers, progress=False)
        times[structure] = time.perf_counter() - t0
        cpus[structure] = _cpu() - c0
        assert len(table) == cells * 11
    ref = min(ref, reference_time(args.rounds))
    budget = 3 * cells * ref
    print(f"W1 exact reference: {ref * 1e3:.2f} ms CPU (minimum of 2 x {args.rounds} rounds)")
    print(f"atlas: {cells} cells x 11 MICs x {args.n:,} patients, {args.workers} workers")
    print(f"goal: wall <= 3 x cells x reference = {budget:.1f} s")
    for structure, t in times.items():
        print(f"  {structure:16s} {t:7.1f} s wall   = {t / (cells * ref):5.1f} x (cells x reference)   "
              f"({t / cells * 1e3 * args.workers:.1f} ms per cell per worker); CPU of all processes "
              f"{cpus[structure]:.1f} s = {cpus[structure] / (cells * ref):.1f} x (cells x reference)")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
