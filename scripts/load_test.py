"""Bounded load test of the web calculator on loopback (issue 10): 1,000 requests at concurrency 16, 0 errors.

Starts ``pkdose serve`` on a free loopback port in a subprocess, sends a fixed mix of requests from a pool of
threads (standard library only: ``http.client``), and prints the figures: requests, errors, throughput and latency
percentiles. An error is any answer other than the one expected for that request (200 for a valid body, 422 for
an invalid one, 408/413 never), a connection failure or a timeout. Exit status 1 when there is any error.

Not a unit test (it takes minutes and measures time): run it by hand or in a separate CI step::

    python scripts/load_test.py                     # 1,000 requests, concurrency 16
    python scripts/load_test.py --requests 200 --concurrency 4 --n 100
"""

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

#: The request mix: (weight, method, path, body, expected status).
MIX = [
    (40, "POST", "/api/dose", {"drug": "cefiderocol", "crcl_ml_per_min": 45}, 200),
    (10, "POST", "/api/dose", {"drug": "CZA", "age_y": 72, "sex": "F", "weight_kg": 58, "height_cm": 160,
                               "scr": 1.6, "scr_unit": "mg/dL", "mic_mg_per_l": 2}, 200),
    (10, "POST", "/api/dose", {"drug": "cza+atm", "hd": {"days": ["Mon", "Wed", "Fri"]}, "mic_mg_per_l": 1}, 200),
    (5, "POST", "/api/recommend", {"mechanism": "NDM", "crcl_ml_per_min": 25, "mic_mg_per_l": 4}, 200),
    (10, "POST", "/api/dose", {"drug": "cefiderocol", "crcl_ml_per_min": 45, "hd": {}}, 422),
    (5, "POST", "/api/dose", {"drug": "cefiderocol", "crcl_ml_per_min": 45, "seed": 10**400}, 422),
    (10, "GET", "/api/products", None, 200),
    (10, "GET", "/", None, 200),
]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port):
    env = {**os.environ, "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "pkdose", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"pkdose serve did not start: {proc.stderr.read().decode(errors='replace')}")
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("pkdose serve did not start within 60 s")


def _one(port, item, n, timeout_s):
    _, method, path, body, expected = item
    data = None if body is None else json.dumps({"n": n, **body}).encode()
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
        conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        response = conn.getresponse()
        response.read()
        status = response.status
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        return time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
    elapsed = time.perf_counter() - start
    return elapsed, None if status == expected else f"{method} {path}: {status}, expected {expected}"


def run(requests=1000, concurrency=16, n=200, seed=2026, timeout_s=120.0):
    """Send the mix and return the figures (a dict)."""
    rng = random.Random(seed)
    plan = rng.choices(MIX, weights=[m[0] for m in MIX], k=requests)
    port = _free_port()
    proc = _start(port)
    try:
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            results = list(pool.map(lambda item: _one(port, item, n, timeout_s), plan))
        wall = time.perf_counter() - start
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    latencies = sorted(r[0] for r in results)
    errors = [r[1] for r in results if r[1]]
    q = statistics.quantiles(latencies, n=100)
    return {"requests": requests, "concurrency": concurrency, "virtual_patients": n, "errors": len(errors),
            "first_errors": errors[:5], "wall_s": round(wall, 1), "throughput_per_s": round(requests / wall, 1),
            "latency_s": {"p50": round(q[49], 3), "p95": round(q[94], 3), "p99": round(q[98], 3),
                          "max": round(latencies[-1], 3)}}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--n", type=int, default=200, help="virtual patients per dose request (default 200)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = run(args.requests, args.concurrency, args.n)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")
    return 1 if figures["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
