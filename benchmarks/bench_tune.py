"""Ratio tuning of the bundled Nanning scenario.

1. A flat tune once its simulations exist (re-split path; target ≤ 2 s for 20 replications), beside the time the
   simulations took in the same process.
2. With behaviour elasticities (0.5 / 0.5), where every share is simulated again with the same seed (target
   ≤ 3 min for 20 replications on 2 cores): in this process, on `--workers` processes, or on a Dask LocalCluster
   of `--local-cluster N` workers (or an existing `--scheduler ADDRESS`).

    .venv/bin/python benchmarks/bench_tune.py [--replications 20] [--behaviour-replications 20]
        [--workers 1] [--local-cluster 0] [--scheduler ADDRESS] [--skip-flat] [--skip-behaviour]

On a busy machine run a small behaviour version (e.g. --behaviour-replications 2) and read the extrapolated
line: the time is linear in replications × shares simulated.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from pathlib import Path
from unittest import mock

from analysis import tuning
from sim.scenario.loading import load_scenario

NANNING = Path(__file__).resolve().parents[1] / "scenarios" / "guangxi" / "nanning.yaml"


def flat(scenario, replications: int) -> None:
    started = time.perf_counter()
    evaluator = tuning.Evaluator(scenario, 0, "flat", scenario.population.seed, replications, 0.03)
    assert evaluator.baseline.outcomes
    simulated = time.perf_counter() - started
    with mock.patch.object(tuning, "Evaluator", lambda *a, **k: evaluator):
        started = time.perf_counter()
        result = tuning.tune(scenario, "nanning", replications=replications)
        tuned = time.perf_counter() - started
    print(
        f"flat tune, {replications} replications, re-split: {tuned:.2f} s for {len(result.samples)} shares "
        f"(simulations {simulated:.2f} s; tune/simulations {tuned / simulated:.2f}) — nash {result.candidates['nash']},"
        f" feasible {result.feasible}"
    )


def behaviour(scenario, replications: int, workers: int, scheduler: str | None, where: str) -> None:
    elastic = scenario.behavior.model_copy(update={"origin_referral_elasticity": 0.5, "host_service_elasticity": 0.5})
    responsive = scenario.model_copy(update={"behavior": elastic})
    counted: list[tuning.Evaluator] = []
    original = tuning.Evaluator

    def counting(*args, **kwargs):
        counted.append(original(*args, **kwargs))
        return counted[-1]

    with mock.patch.object(tuning, "Evaluator", counting):
        started = time.perf_counter()
        result = tuning.tune(
            responsive, "nanning", objective="joint", replications=replications, workers=workers, scheduler=scheduler
        )
        took = time.perf_counter() - started
    simulations = counted[0].simulations
    per = took / simulations / replications
    print(
        f"joint tune with elasticities, {replications} replications × {simulations} projections, {where}: "
        f"{took:.1f} s ({per:.2f} s per replication-projection; 20 replications ≈ {per * 20 * simulations:.0f} s)"
        f" — joint {result.candidates['joint']}, nash {result.candidates['nash']}, feasible {result.feasible}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=20)
    parser.add_argument("--behaviour-replications", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--local-cluster", type=int, default=0, help="start a Dask LocalCluster of N workers")
    parser.add_argument("--scheduler", help="an existing Dask scheduler address")
    parser.add_argument("--skip-flat", action="store_true")
    parser.add_argument("--skip-behaviour", action="store_true")
    args = parser.parse_args()
    scenario = load_scenario(NANNING)
    if not args.skip_flat:
        flat(scenario, args.replications)
    if args.skip_behaviour:
        return
    with contextlib.ExitStack() as stack:
        scheduler, where = args.scheduler, f"{args.workers} worker process(es)"
        if args.local_cluster:
            from distributed import LocalCluster

            cluster = stack.enter_context(LocalCluster(n_workers=args.local_cluster, threads_per_worker=1))
            scheduler, where = cluster.scheduler_address, f"Dask LocalCluster of {args.local_cluster} workers"
        elif scheduler:
            where = f"Dask scheduler {scheduler}"
        behaviour(scenario, args.behaviour_replications, args.workers, scheduler, where)


if __name__ == "__main__":
    main()
