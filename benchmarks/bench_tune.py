"""Ratio tuning of the bundled Nanning scenario: how long a flat tune takes once its simulations exist
(re-split path, target ≤ 2 s for 20 replications), beside the time the simulations took; then with behaviour
elasticities, where every share is simulated again with the same seed (target ≤ 3 min on 2 cores).

    .venv/bin/python benchmarks/bench_tune.py [--replications 20] [--behaviour-replications 20]
        [--behaviour-points 21] [--workers 1]

On a busy machine run a small behaviour version (e.g. --behaviour-replications 2) and read the extrapolated
line: the time is linear in replications × shares simulated.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from unittest import mock

from analysis import tuning
from sim.scenario.loading import load_scenario

NANNING = Path(__file__).resolve().parents[1] / "scenarios" / "guangxi" / "nanning.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--behaviour-replications", type=int, default=20)
    parser.add_argument("--behaviour-points", type=int, default=tuning.GRID)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    scenario = load_scenario(NANNING)

    started = time.perf_counter()
    evaluator = tuning.Evaluator(scenario, 0, "flat", scenario.population.seed, args.replications, 0.03)
    simulated = time.perf_counter() - started
    with mock.patch.object(tuning, "Evaluator", lambda *a, **k: evaluator):
        started = time.perf_counter()
        result = tuning.tune(scenario, "nanning", replications=args.replications)
        tuned = time.perf_counter() - started
    print(
        f"flat tune, {args.replications} replications, re-split: {tuned:.2f} s for {len(result.samples)} shares "
        f"(simulations: {simulated:.2f} s) — nash {result.candidates['nash']}, feasible {result.feasible}"
    )

    behaviour = scenario.behavior.model_copy(update={"origin_referral_elasticity": 0.5, "host_service_elasticity": 0.5})
    responsive = scenario.model_copy(update={"behavior": behaviour})
    r = args.behaviour_replications
    with mock.patch.object(tuning, "GRID", args.behaviour_points):
        started = time.perf_counter()
        result = tuning.tune(responsive, "nanning", objective="joint", replications=r, workers=args.workers)
        took = time.perf_counter() - started
    simulations = result.samples and len(result.samples)
    per = took / max(simulations, 1) / r
    full = per * 20 * (tuning.GRID + 8)
    print(
        f"joint tune with elasticities, {r} replications × {simulations} shares simulated, {args.workers} workers: "
        f"{took:.1f} s ({per:.2f} s per replication-share; 20 replications × ~{tuning.GRID + 8} shares ≈ {full:.0f} s)"
        f" — joint {result.candidates['joint']}"
    )


if __name__ == "__main__":
    main()
