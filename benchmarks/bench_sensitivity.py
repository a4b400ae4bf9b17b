"""Sensitivity studies over the bundled Nanning scenario's uncertainty block, and what a cluster gives.

    python benchmarks/bench_sensitivity.py [--workers 2] [--sobol]

1. Morris screening with 10 trajectories (r·(k+1) simulations) on the local process pool — target ≤ 3 min
   on the 2-core machine;
2. a Sobol study with N = 256 (N·(k+2) simulations): run with `--sobol`, otherwise projected from the
   per-simulation time measured in 1 (and said so);
3. the same small study on a Dask LocalCluster of 1 and of 2 worker processes: the measured speed-up, and
   the results compared for equality;
4. what 16 cores (one machine, or several behind one scheduler) would give: sample points are independent, so
   the time is simulations × the time of one on a cluster worker (measured with 1 worker, serialisation and
   transfer included) ÷ 16; the scheduler's own work, about a millisecond a task, does not count at this size.
"""

from __future__ import annotations

import argparse
import importlib
import time
from pathlib import Path

import numpy as np

from analysis.sensitivity import runs, sensitivity
from sim.scenario.loading import load_scenario
from sim.scenario.uncertainty import parameter_names

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "guangxi" / "nanning.yaml"


def _timed(function, *args, **kwargs):
    start = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sobol", action="store_true", help="run the Sobol N = 256 study instead of projecting it")
    parser.add_argument("--cluster-trajectories", type=int, default=4)
    args = parser.parse_args()
    scenario = load_scenario(SCENARIO)
    seed = scenario.population.seed
    k = len(parameter_names(scenario))

    morris, seconds = _timed(sensitivity, scenario, "morris", 10, seed, args.workers)
    n = len(morris.points)
    per_run = seconds * args.workers / n  # core-seconds a simulation
    print(f"Morris r=10 over k={k} inputs: {n} simulations in {seconds:.1f} s on {args.workers} workers "
          f"({per_run:.2f} core-s a simulation)")  # fmt: skip

    sobol_runs = runs("sobol", 256, k)
    if args.sobol:
        _, sobol_seconds = _timed(sensitivity, scenario, "sobol", 256, seed, args.workers)
        print(f"Sobol N=256: {sobol_runs} simulations in {sobol_seconds / 60:.1f} min (measured)")
    else:
        projected = sobol_runs * per_run / args.workers
        print(f"Sobol N=256: {sobol_runs} simulations, projected {projected / 60:.1f} min on {args.workers} workers "
              f"(from the measured per-simulation time; run with --sobol to measure)")  # fmt: skip

    from distributed import Client, LocalCluster

    r = args.cluster_trajectories
    times, studies = {}, {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=":0") as c:
            with Client(c) as client:  # a standing cluster is warm: the model's modules imported on every worker
                client.run(importlib.import_module, "analysis.sensitivity")
            studies[workers], times[workers] = _timed(
                sensitivity, scenario, "morris", r, seed, scheduler=c.scheduler_address
            )
    same = np.array_equal(studies[1].results, studies[2].results)
    points = len(studies[1].points)
    print(f"LocalCluster, Morris r={r} ({points} simulations): 1 worker {times[1]:.1f} s, 2 workers "
          f"{times[2]:.1f} s — speed-up {times[1] / times[2]:.2f}×; results identical: {same}")  # fmt: skip
    per_task = times[1] / points  # a simulation on a cluster worker, serialisation and transfer included
    cores = 16
    print(f"estimate on {cores} cores: Morris r=10 {n * per_task / cores:.0f} s, Sobol N=256 "
          f"{sobol_runs * per_task / cores / 60:.1f} min ({per_task:.2f} s a simulation on a cluster worker, "
          f"{per_run:.2f} s in the local pool)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
