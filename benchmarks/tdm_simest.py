"""Simulation-estimation study of pkdose.tdm (issue 14): every shipped prior, 500 virtual patients each.

Run ``python benchmarks/tdm_simest.py [--n 500] [--seed 2026]``; prints the Markdown table quoted in
docs/tdm.md. Validation figures, not a speed benchmark (the run time is printed for information).
"""

import argparse
import time

from pkdose.tdm.simest import DESIGNS, simulate_estimate, summarise


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print("| design (prior, sampling) | n | bias, posterior mean | bias, MAP | RMSE | 90 % coverage (IS) "
          "| 90 % coverage (Laplace) |")
    print("|---|---|---|---|---|---|---|")
    start = time.process_time()
    for d in DESIGNS:
        frame = simulate_estimate(d, n=args.n, rng=args.seed)
        for prefix, label in (("", d.name), ("partner_", f"{d.name}: {frame.attrs['partner']}, not measured")):
            if f"{prefix}cl_true_l_per_h" not in frame:
                continue
            s = summarise(frame, prefix)
            lo, hi = s["coverage_ci95"]
            print(f"| {label} | {s['n']} | {s['post_bias_percent']:+.1f} % | {s['map_bias_percent']:+.1f} % | "
                  f"{s['post_rmse_percent']:.0f} % | {100 * s['coverage_90']:.1f} % ({100 * lo:.0f}-{100 * hi:.0f}) | "
                  f"{100 * s['coverage_90_laplace']:.1f} % |")
    print(f"\nCPU time {time.process_time() - start:.0f} s")


if __name__ == "__main__":
    main()
