"""Settlement performance against the issue's targets, with a pandas-groupby baseline in the same process.

    python benchmarks/bench_settle.py            # 1,000,000 rows (about a minute, mostly the baseline)
    python benchmarks/bench_settle.py --rows 100000

Targets: allocation ≤ 1 s after parsing; `ftzshare settle` end to end ≤ 10 s with peak memory ≤ 1.5 GB;
re-split with a new ratio schedule ≤ 20 ms.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import pandas_baseline  # noqa: E402
import synthetic  # noqa: E402

from analysis.outputs.tables import allocation_table  # noqa: E402
from sim.records.ledger import read_ledger  # noqa: E402
from sim.scenario.loading import dump_scenario, scenario_from_data  # noqa: E402
from sim.sharing.by_entity import attribute  # noqa: E402
from sim.sharing.cube import build_cube  # noqa: E402
from sim.sharing.split import allocate  # noqa: E402
from sim.taxes import TAX_IDS  # noqa: E402


def timed(function, repeat: int = 1) -> tuple[float, object]:
    """Median wall time of `repeat` calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ftzshare-bench-"))
    ledger_csv = synthetic.write_ledger(work / "ledger.csv", args.rows)
    full = synthetic.scenario(all_rules=True)
    scenario_yaml = work / "scenario.yaml"
    scenario_yaml.write_text(dump_scenario(full), encoding="utf-8")
    print(f"ledger: {args.rows:,} rows, {ledger_csv.stat().st_size / 1e6:.0f} MB, 20 agreements × 10 years × 6 taxes")

    parse_s, ledger = timed(lambda: read_ledger(ledger_csv, full))
    cube_s, cube = timed(lambda: build_cube(ledger, full), 3)
    split_s, allocation = timed(lambda: allocate(cube, full), 3)
    entity_s, _ = timed(lambda: attribute(ledger, full, allocation), 3)
    print(f"parse CSV → ledger arrays            {parse_s:8.3f} s")
    print(
        f"allocation after parsing (all rules) {cube_s + split_s:8.3f} s   "
        f"(cube {cube_s:.3f} + split {split_s:.3f}; target ≤ 1 s)"
    )
    print(f"  + attribution to entities          {entity_s:8.3f} s")

    # a slider: change one agreement's ratio schedule, validate the whole scenario, re-split the cube
    data = full.model_dump(mode="python", by_alias=True, exclude_none=True)
    data["agreements"][0]["ratio"]["schedule"] = [{"from": 2023, "origin": 0.45}]
    validate_s, moved = timed(lambda: scenario_from_data(data, "slider"), 20)
    resplit_s, _ = timed(lambda: allocate(cube, moved), 20)
    print(
        f"re-split with a new ratio schedule   {resplit_s * 1000:8.2f} ms  "
        f"(+ validation {validate_s * 1000:.2f} ms; target ≤ 20 ms)"
    )

    # the baseline: same ledger, the rules the pandas version implements, figures must agree
    simple = synthetic.scenario(all_rules=False)
    simple_ledger = read_ledger(ledger_csv, simple)
    frame = pd.DataFrame(
        {
            "agreement": np.array([a.id for a in simple.agreements], dtype=object)[simple_ledger.agreement],
            "year": simple_ledger.year,
            "tax_type": np.array(TAX_IDS, dtype=object)[simple_ledger.tax],
            "fen": simple_ledger.amount,
        }
    )
    ours_s, ours = timed(lambda: allocate(build_cube(simple_ledger, simple), simple), 3)
    pandas_s, theirs = timed(lambda: pandas_baseline.allocate(frame, simple))
    mine = allocation_table(ours, simple, numeric=True).sort_values(["agreement", "year", "tax_type"])
    for column in ("total", "central", "province", "origin", "host"):
        assert (mine[column].to_numpy() == theirs[column].to_numpy()).all(), column
    print(
        f"same allocation, pandas groupby      {pandas_s:8.3f} s   vs core {ours_s:.3f} s "
        f"→ core {pandas_s / ours_s:,.0f}× faster (figures identical)"
    )

    start = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "analysis.cli",
            "settle",
            str(scenario_yaml),
            "--ledger",
            str(ledger_csv),
            "--out",
            str(work / "out"),
        ],
        capture_output=True,
        text=True,
    )
    end_to_end = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert done.returncode == 0, done.stderr
    print(
        f"ftzshare settle end to end           {end_to_end:8.3f} s   "
        f"peak memory {peak_mb:,.0f} MB (targets ≤ 10 s, ≤ 1,500 MB)"
    )
    summary = json.loads((work / "out" / "summary.json").read_text())
    print(f"  totals: {summary['totals']}")
    ok = cube_s + split_s <= 1 and resplit_s <= 0.02 and end_to_end <= 10 and peak_mb <= 1500
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
