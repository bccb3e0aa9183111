"""Benchmark W1: population %fT>MIC and PTA, pkdose's closed form against a per-patient ODE baseline.

Workload W1 (issue 2): 10,000 virtual patients, one compartment,
CL = 0.8 + 0.045 * CrCL L/h at CrCL 80 mL/min (4.4 L/h), V 18 L, fu 0.42,
log-normal CV 30 % on CL and 25 % on V, 2 g every 8 h as 3-h infusions x 9
doses, free %fT>MIC over the last interval (64-72 h), PTA (>= 75 %) at MICs
0.25 ... 32 mg/L.

Baseline: for each patient, scipy's ``solve_ivp`` (LSODA, rtol 1e-8) integrates
each piece between infusion starts/stops and the last interval is sampled every
0.01 h to count the time above each MIC -- the plain way to do it. The baseline
runs on a subset of patients in the same run and is scaled to 10,000 (labelled
as such in the output).

Run:  python benchmarks/bench_w1.py  [--baseline-n 200] [--big 1000000]
Figures are ratios measured in this run, so they hold on any machine.
"""

import argparse
import time
import tracemalloc

import numpy as np
from scipy.integrate import solve_ivp

from pkdose.pk import regimen_dosing
from pkdose.pta import DEFAULT_CHUNK, attainment, ft_population, lognormal_etas, omega_from_cv

MICS = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32])
FU, TARGET, WINDOW = 0.42, 75.0, (64.0, 72.0)
DOSING = regimen_dosing(2000, 8, 3, 9)


def population(n, seed=2026):
    """W1 virtual patients: typical CL at CrCL 80, V 18 L, CV 30 % / 25 %."""
    eta = lognormal_etas(n, omega_from_cv([30.0, 25.0]), rng=seed)
    return (0.8 + 0.045 * 80) * np.exp(eta[:, 0]), 18.0 * np.exp(eta[:, 1])


def w1_pkdose(cl, v):
    """Free %fT>MIC at every MIC for every patient, then PTA per MIC."""
    ft = ft_population(cl, v, DOSING, FU, MICS, WINDOW, t_end_h=72.0)
    return attainment(ft, TARGET).mean(axis=1), ft


def _rate(t):
    on = (DOSING.start_h <= t) & (t < DOSING.end_h)
    return np.sum(DOSING.amount_mg[on] / DOSING.duration_h[on])


def w1_baseline(cl, v):
    """Per-patient ODE integration and a 0.01-h grid over the last interval."""
    stops = np.unique(np.concatenate([[0.0, 72.0], DOSING.start_h, DOSING.end_h]))
    grid = np.linspace(*WINDOW, 801)
    ft = np.empty((MICS.size, cl.size))
    for i in range(cl.size):
        c, samples = 0.0, []
        for a, b in zip(stops[:-1], stops[1:]):
            r = _rate(0.5 * (a + b))
            sel = grid[(grid >= a) & (grid < b)] if b > WINDOW[0] else None
            sol = solve_ivp(lambda t, y: [(r - cl[i] * y[0]) / v[i]], (a, b), [c], method="LSODA",
                            rtol=1e-8, atol=1e-10, t_eval=sel if sel is not None and sel.size else None)
            if sel is not None and sel.size:
                samples.append(sol.y[0][: sel.size] if sol.t.size == sel.size else np.interp(sel, sol.t, sol.y[0]))
            c = solve_ivp(lambda t, y: [(r - cl[i] * y[0]) / v[i]], (a, b), [c], method="LSODA",
                          rtol=1e-8, atol=1e-10).y[0, -1]
        free = FU * np.concatenate(samples)
        ft[:, i] = 100.0 * np.mean(free[None, :] > MICS[:, None], axis=1)
    return attainment(ft, TARGET).mean(axis=1), ft


def best_time(fn, *args, repeats=7):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_memory_mb(n):
    cl, v = population(n, seed=1)
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    w1_pkdose(cl, v)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return elapsed, peak / 2**20, (cl.nbytes + v.nbytes) / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--baseline-n", type=int, default=200, help="patients the ODE baseline runs on")
    ap.add_argument("--big", type=int, default=1_000_000, help="largest population for the memory test")
    args = ap.parse_args(argv)

    cl, v = population(10_000)
    t_pk = best_time(w1_pkdose, cl, v)
    pta, ft = w1_pkdose(cl, v)
    sub = slice(0, args.baseline_n)
    t0 = time.perf_counter()
    pta_b, ft_b = w1_baseline(cl[sub], v[sub])
    t_base_sub = time.perf_counter() - t0
    t_base = t_base_sub * 10_000 / args.baseline_n

    print("W1: 10,000 patients, 2 g q8h 3-h infusion x 9, free %fT>MIC over 64-72 h, PTA >= 75 %")
    print(f"  pkdose (closed form, vectorised)      {t_pk * 1e3:9.2f} ms   (best of 7)")
    print(f"  baseline solve_ivp, {args.baseline_n} patients      {t_base_sub * 1e3:9.0f} ms   (measured)")
    print(f"  baseline scaled to 10,000 patients    {t_base * 1e3:9.0f} ms   (x {10_000 / args.baseline_n:g}, scaled)")
    print(f"  speed-up pkdose / baseline            {t_base / t_pk:9.0f} x   (goal >= 1,000 x; W1 goal < 20 ms)")
    dev = np.abs(ft[:, sub] - ft_b).max()
    print(f"  max |%fT pkdose - %fT baseline| on the subset: {dev:.3f} points (baseline grid step 0.01 h = 0.125 %)")
    print("  MIC (mg/L): " + " ".join(f"{m:>6g}" for m in MICS))
    print("  PTA pkdose: " + " ".join(f"{p:6.3f}" for p in pta))
    print("  PTA (subset) pkdose / baseline: "
          + " ".join(f"{a:.2f}/{b:.2f}" for a, b in zip(attainment(ft[:, sub], TARGET).mean(axis=1), pta_b)))
    print(f"Memory (tracemalloc peak of the PTA computation, chunks of {DEFAULT_CHUNK:,} patients):")
    for n in (10_000, 100_000, args.big):
        if n > args.big:
            continue
        elapsed, peak, inputs = peak_memory_mb(n)
        print(f"  {n:>9,} patients: {elapsed * 1e3:9.1f} ms, peak {peak:7.1f} MiB "
              f"(the CL and V inputs alone: {inputs:6.1f} MiB; output %fT array {MICS.size * n * 8 / 2**20:6.1f} MiB)")


if __name__ == "__main__":
    main()
