"""Comparing five ratio designs of one baseline: re-splitting its simulations against simulating each design.

    python benchmarks/bench_compare.py [--replications 10]

The designs change only the sharing terms and behaviour does not respond to the ratio, so their simulations
are the baseline's: one simulation re-split five times must give exactly what five simulations give.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from analysis.projection import project, resplit
from sim.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = ["d1_50_50", "d2_6_4", "d3_7_3", "d4_phased", "d5_jingjinji_capped"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=10)
    args = parser.parse_args()
    baseline = load_scenario(ROOT / "scenarios/guangxi/nanning.yaml")
    variants = [load_scenario(ROOT / f"scenarios/designs/{d}.yaml") for d in DESIGNS]
    seed, r = baseline.population.seed, args.replications

    start = time.perf_counter()
    base = project(baseline, seed, r)
    shortcut = [resplit(v, base) for v in variants]
    resplit_s = time.perf_counter() - start

    start = time.perf_counter()
    project(baseline, seed, r)
    full = [project(v, seed, r) for v in variants]
    full_s = time.perf_counter() - start

    assert all(np.array_equal(a.receipts, b.receipts) for a, b in zip(shortcut, full, strict=True))
    print(f"baseline + 5 designs, {r} replications each (Nanning, 10 years)")
    print(f"  one simulation, re-split five times: {resplit_s:6.2f} s")
    print(
        f"  six simulations:                     {full_s:6.2f} s   → re-split path {full_s / resplit_s:.1f}× faster, "
        "identical receipts"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
