"""Benchmark W1 and a haemodialysis week: pkdose's kernel against in-run baselines, as ratios.

Workload W1 (issue "Performance"): 10,000 virtual patients, one compartment,
CL = 0.8 + 0.045 * CrCL L/h at CrCL 80 mL/min (4.4 L/h), V 18 L, fu 0.42,
log-normal CV 30 % on CL and 25 % on V, 2 g every 8 h as 3-h infusions x 9
doses, free %fT>MIC over the last interval (64-72 h), PTA (>= 75 %) at MICs
0.25 ... 32 mg/L.

Baselines, each measured in the same run:

* **exact numpy reference** for W1 (``w1_reference``): the drug carried over
  from the first eight doses as a geometric sum, then two crossing times per
  MIC (rising during the last infusion, falling after it) in closed form. A
  dozen lines that know the regimen is regular; pkdose must give the same
  %fT (to 1e-9 points) and be no slower.
* **W1 on three compartments**: the same patients and regimen on Kawaguchi
  2021's cefiderocol structure (typical CL 4.04 L/h, V1 7.78 L, Q2 6.19 L/h,
  V2 5.77 L, Q3 0.127 L/h, V3 0.798 L; the W1 random effects on CL and V1).
  Goal: within 3x the one-compartment W1; not met (5-7x). A crossing of a
  sum of three exponentials has no closed form: each of the 43,440 crossings
  of a call takes two Halley steps (three exponentials and a logarithm each)
  from an inverse-Hermite start (median error 0.015 h; one step would need
  1e-4 h to keep the crossing exact to 1e-10 h), and the ends of the 20,000
  stretches are evaluated first: about 510,000 exponentials and logarithms,
  where the one-compartment W1 needs at most one logarithm per MIC and patient
  (90,000) and the simulation of three modes costs three times one. (A PTA
  alone needs far fewer crossings: :func:`pkdose.pd.ft_attains`.)
* **HD week, today's kernel**: a steady-state dialysis week (0.75 g q12h over
  3 h, sessions Mon/Wed/Fri 08:00-12:00 adding 4 L/h, own CL 0.8 L/h, V 18 L,
  CV 30 %/25 %), free %fT over the week at the ten MICs of pkdose's PTA grid,
  computed by the kernel of commit ``BASELINE_COMMIT`` (``pkdose/pk.py`` read
  from git, so no copy of it is kept) and by today's. Goal: >= 3x faster.
* **per-patient ODE** (``solve_ivp``, LSODA, 0.01-h grid) on a subset, scaled:
  the plain way to do it.

Timing: CPU time of the process (``time.process_time``: user + system, so page
faults count, other processes on a shared machine do not), the minimum over
``--rounds`` interleaved rounds. Interleaving matters: glibc returns freed
memory of large temporaries to the system and pays page faults to get it back,
so a function timed alone in a loop can fault on every call; the page faults
of each function's last round are printed. Memory: tracemalloc peak of the W1
computation, and of a steady-state population PTA of the published cefiderocol
model (:func:`pkdose.exposure.population_attainment`), at 10^4 ... 10^6
patients (chunks of ``pkdose.pta.DEFAULT_CHUNK``).

Run:  python benchmarks/bench_w1.py  [--rounds 9] [--baseline-n 200] [--big 1000000]
Figures are ratios measured in this run, so they hold on any machine.
"""

import argparse
import importlib.util
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
from scipy.integrate import solve_ivp

from pkdose.pd import ft_above_percent
from pkdose.pk import ExtraClearance, regimen_dosing, simulate, time_above
from pkdose.pta import DEFAULT_CHUNK, attainment, ft_population, lognormal_etas, omega_from_cv

MICS = np.array([0.25, 0.5, 1, 2, 4, 8, 16, 32])
FU, TARGET, WINDOW = 0.42, 75.0, (64.0, 72.0)
DOSE_MG, TAU_H, INFUSION_H, N_DOSES = 2000.0, 8.0, 3.0, 9
DOSING = regimen_dosing(DOSE_MG, TAU_H, INFUSION_H, N_DOSES)
CEFIDEROCOL_3CMT = dict(cl=4.04, v1=7.78, peripheral=((6.19, 5.77), (0.127, 0.798)))  # Kawaguchi 2021, Table 2
HD_MICS = np.array([0.125, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
HD_START_H = np.array([8.0, 56.0, 104.0])
BASELINE_COMMIT = "e7656b4"  # main before the multi-compartment engine
REPO = Path(__file__).resolve().parent.parent


def population(n, seed=2026):
    """W1 virtual patients: typical CL at CrCL 80, V 18 L, CV 30 % / 25 %; also the etas."""
    eta = lognormal_etas(n, omega_from_cv([30.0, 25.0]), rng=seed)
    return (0.8 + 0.045 * 80) * np.exp(eta[:, 0]), 18.0 * np.exp(eta[:, 1])


def w1_pkdose(cl, v):
    """Free %fT>MIC at every MIC for every patient, then PTA per MIC."""
    ft = ft_population(cl, v, DOSING, FU, MICS, WINDOW, t_end_h=72.0)
    return attainment(ft, TARGET).mean(axis=1), ft


def w1_pkdose_3cmt(cl, v):
    """W1 on the three-compartment cefiderocol structure, the W1 random effects on CL and V1."""
    s = CEFIDEROCOL_3CMT
    ft = ft_population(cl * (s["cl"] / 4.4), v * (s["v1"] / 18.0), DOSING, FU, MICS, WINDOW, t_end_h=72.0,
                       peripheral=s["peripheral"])
    return attainment(ft, TARGET).mean(axis=1), ft


def w1_pta_3cmt(cl, v):
    """The PTA of the three-compartment W1 alone, decided without every crossing (pkdose.pd.ft_attains)."""
    from pkdose.pd import ft_attains

    s = CEFIDEROCOL_3CMT
    profile = simulate(cl * (s["cl"] / 4.4), v * (s["v1"] / 18.0), DOSING, t_end_h=72.0, window_h=WINDOW,
                       peripheral=s["peripheral"])
    return ft_attains(profile, MICS, FU, *WINDOW, TARGET).mean(axis=1)


def w1_reference(cl, v):
    """Exact numpy reference: geometric sum for the carried-over drug, two crossing times per MIC."""
    k = cl / v
    plateau = DOSE_MG / INFUSION_H / cl
    e_inf, e_gap = np.exp(-k * INFUSION_H), np.exp(-k * (TAU_H - INFUSION_H))
    ratio = e_inf * e_gap
    peak_1 = plateau * (1 - e_inf)
    c0 = peak_1 * e_gap * (1 - ratio ** (N_DOSES - 1)) / (1 - ratio)  # level at the last dose
    cmax = c0 * e_inf + peak_1
    m = (MICS / FU)[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        t_up = np.log((plateau - c0) / (plateau - m)) / k  # crossing during the last infusion
        t_down = np.log(cmax / m) / k  # crossing after it
    rise = np.where(m < c0, INFUSION_H, np.where(m < cmax, INFUSION_H - t_up, 0.0))
    fall = np.clip(np.nan_to_num(t_down), 0.0, TAU_H - INFUSION_H)
    ft = 100.0 * (rise + fall) / TAU_H
    return attainment(ft, TARGET).mean(axis=1), ft


def hd_week_inputs(n, seed=7):
    """HD-week cell: own CL 0.8 L/h, V 18 L (CV 30 %/25 %), 0.75 g q12h over 3 h, HD Mon/Wed/Fri + 4 L/h."""
    eta = lognormal_etas(n, omega_from_cv([30.0, 25.0]), rng=seed)
    extra = ExtraClearance(HD_START_H, HD_START_H + 4.0, 4.0)
    return 0.8 * np.exp(eta[:, 0]), 18.0 * np.exp(eta[:, 1]), regimen_dosing(750, 12, 3, 14), extra


def hd_week_pkdose(cl, v, dosing, extra):
    profile = simulate(cl, v, dosing, extra, t_end_h=168.0, steady_state=True)
    return ft_above_percent(profile, HD_MICS, FU, 0.0, 168.0)


def load_baseline_kernel():
    """pkdose/pk.py as of BASELINE_COMMIT, imported from git as ``pkdose._baseline_pk`` (None without git)."""
    try:
        source = subprocess.run(["git", "-C", str(REPO), "show", f"{BASELINE_COMMIT}:pkdose/pk.py"],
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("pkdose._baseline_pk", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "pkdose"
    exec(compile(source, f"{BASELINE_COMMIT}:pkdose/pk.py", "exec"), module.__dict__)
    return module


def hd_week_baseline(kernel, cl, v, dosing, extra):
    old_extra = kernel.ExtraClearance(extra.start_h, extra.end_h, extra.cl_l_per_h)
    old_dosing = kernel.Dosing(dosing.start_h, dosing.amount_mg, dosing.duration_h)
    profile = kernel.simulate(cl, v, old_dosing, old_extra, t_end_h=168.0, steady_state=True)
    return 100.0 * kernel.time_above(profile, HD_MICS / FU, 0.0, 168.0) / 168.0


def _rate(t):
    on = (DOSING.start_h <= t) & (t < DOSING.end_h)
    return np.sum(DOSING.amount_mg[on] / DOSING.duration_h[on])


def w1_ode(cl, v):
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


def interleaved(fns, rounds):
    """Minimum CPU time per call of each function over interleaved rounds, and page faults per call."""
    best = {name: np.inf for name in fns}
    faults = {name: 0 for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t0 = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - t0)
            faults[name] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    return best, faults


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


def peak_memory_population_mb(n):
    """tracemalloc peak of a published-structure cefiderocol population PTA (2 g q8h, CrCL 80, 10 MICs)."""
    from pkdose.exposure import Covariates, analyte_courses, population_attainment
    from pkdose.library import load_product
    from pkdose.patient import Native
    from pkdose.regimens import parse_regimen

    product = load_product("cefiderocol")
    courses = analyte_courses(product, [parse_regimen("2 g q8h over 3 h", component="cefiderocol")],
                              Covariates(80.0, Native()))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    joint, _ = population_attainment(product, courses, n, 1, HD_MICS)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return elapsed, peak / 2**20, joint.nbytes / 2**20


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=9, help="interleaved timing rounds (minimum taken; >= 7)")
    ap.add_argument("--baseline-n", type=int, default=200, help="patients the ODE baseline runs on (0: skip)")
    ap.add_argument("--big", type=int, default=1_000_000, help="largest population for the memory test")
    args = ap.parse_args(argv)

    cl, v = population(10_000)
    hd = hd_week_inputs(10_000)
    kernel = load_baseline_kernel()
    fns = {"W1 reference": lambda: w1_reference(cl, v), "W1 pkdose": lambda: w1_pkdose(cl, v),
           "W1 pkdose 3-cmt": lambda: w1_pkdose_3cmt(cl, v), "HD week pkdose": lambda: hd_week_pkdose(*hd)}
    if hasattr(importlib.import_module("pkdose.pd"), "ft_attains"):  # an older tree (a baseline run) has none
        fns["W1 3-cmt PTA only"] = lambda: w1_pta_3cmt(cl, v)
    if kernel is not None:
        fns["HD week baseline"] = lambda: hd_week_baseline(kernel, *hd)
    best, faults = interleaved(fns, max(args.rounds, 7))

    pta, ft = w1_pkdose(cl, v)
    pta_ref, ft_ref = w1_reference(cl, v)
    pta3, _ = w1_pkdose_3cmt(cl, v)
    print(f"CPU time per call, minimum of {max(args.rounds, 7)} interleaved rounds (page faults in the last round)")
    for name, t in best.items():
        print(f"  {name:18s} {t * 1e3:8.2f} ms   ({faults[name]} page faults)")
    print("W1: 10,000 patients, 2 g q8h 3-h infusion x 9, free %fT>MIC over 64-72 h, PTA >= 75 %")
    print(f"  pkdose / exact numpy reference      {best['W1 pkdose'] / best['W1 reference']:6.2f}   (goal <= 1.0)")
    print(f"  max |%fT pkdose - reference|        {np.abs(ft - ft_ref).max():.1e} points (goal <= 1e-9)")
    print(f"  3-cmt cefiderocol / 1-cmt W1        {best['W1 pkdose 3-cmt'] / best['W1 pkdose']:6.2f}   (goal <= 3)")
    if "W1 3-cmt PTA only" in best:
        same = np.array_equal(w1_pta_3cmt(cl, v), pta3)
        print(f"  3-cmt PTA only (ft_attains) / 1-cmt {best['W1 3-cmt PTA only'] / best['W1 pkdose']:6.2f}   "
              f"(not the goal's measure: no %fT; the same PTA: {same})")
    print("  MIC (mg/L):      " + " ".join(f"{m:>6g}" for m in MICS))
    print("  PTA 1-cmt:       " + " ".join(f"{p:6.3f}" for p in pta))
    print("  PTA reference:   " + " ".join(f"{p:6.3f}" for p in pta_ref))
    print("  PTA 3-cmt:       " + " ".join(f"{p:6.3f}" for p in pta3))
    print("HD week: 10,000 patients, 0.75 g q12h over 3 h, HD Mon/Wed/Fri 4 h, steady state, %fT at 10 MICs")
    if kernel is None:
        print(f"  (baseline kernel {BASELINE_COMMIT} not readable from git: ratio not measured)")
    else:
        dev = np.abs(hd_week_pkdose(*hd) - hd_week_baseline(kernel, *hd)).max()
        print(f"  kernel of {BASELINE_COMMIT} / pkdose         {best['HD week baseline'] / best['HD week pkdose']:6.2f}"
              f"   (goal >= 3)   max |%fT difference| {dev:.1e} points")
    if args.baseline_n:
        sub = slice(0, args.baseline_n)
        t0 = time.process_time()
        _, ft_ode = w1_ode(cl[sub], v[sub])
        t_ode = (time.process_time() - t0) * 10_000 / args.baseline_n
        print(f"  per-patient solve_ivp W1, scaled from {args.baseline_n} patients: {t_ode / best['W1 pkdose']:,.0f} x "
              f"pkdose's time; max |%fT difference| {np.abs(ft[:, sub] - ft_ode).max():.3f} points "
              "(its grid step 0.01 h = 0.125 %)")
    print(f"Memory (tracemalloc peak of W1, chunks of {DEFAULT_CHUNK:,} patients):")
    sizes = sorted({n for n in (10_000, 100_000, args.big) if n <= args.big})
    for n in sizes:
        elapsed, peak, inputs = peak_memory_mb(n)
        print(f"  {n:>9,} patients: {elapsed * 1e3:9.1f} ms, peak {peak:7.1f} MiB (the CL and V inputs "
              f"{inputs:6.1f} MiB, the %fT output {MICS.size * n * 8 / 2**20:6.1f} MiB)")
    print("Memory of a population PTA, published 3-cmt cefiderocol at steady state, 10 MICs (exposure layer):")
    for n in sizes:
        elapsed, peak, out = peak_memory_population_mb(n)
        print(f"  {n:>9,} patients: {elapsed * 1e3:9.1f} ms, peak {peak:7.1f} MiB (the attainment output "
              f"{out:6.1f} MiB)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
