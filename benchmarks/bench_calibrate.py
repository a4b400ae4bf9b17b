"""`calibrate` on scenarios/guangxi/ftz_history.yaml (target ≤ 3 minutes on the 2-core machine), and the
baseline of one objective evaluation (the smooth evaluation at the start values) in the same process.

    .venv/bin/python benchmarks/bench_calibrate.py [--replications 20]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from analysis.calibration import calibrate, simulate
from sim.scenario.loading import load_scenario

SCENARIO = Path(__file__).parent.parent / "scenarios" / "guangxi" / "ftz_history.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=20)
    replications = parser.parse_args().replications
    scenario = load_scenario(SCENARIO)
    seed = scenario.population.seed
    began = time.perf_counter()
    simulate(scenario, seed, replications, exact=False)
    one = time.perf_counter() - began
    began = time.perf_counter()
    result = calibrate(scenario, str(SCENARIO), seed, replications)
    whole = time.perf_counter() - began
    print(f"one evaluation ({replications} replications, smooth): {one:.2f} s")
    print(
        f"calibrate ftz_history.yaml: {whole:.1f} s, {result.evaluations} evaluations "
        f"(+ Jacobians) and the exact backtest; target ≤ 180 s"
    )
    for path, value in result.written.items():
        print(f"  {path} = {value:g}")


if __name__ == "__main__":
    main()
