"""Output performance against issue 12's targets (printed, not asserted):

- `ftzshare validate` ≤ 0.5 s (a fresh process each time, median of 5), with the imports that cost most;
- `ftzshare run` of the Chongqing scenario: writing the files ≤ simulating and settling it, measured in one
  process with the writing split into the workbook, CSV files, the tables behind them and the time spent waiting
  for the charts (drawn in worker processes meanwhile, `analysis.outputs.drawing`), medians of `--repeat` runs
  after one that warms the caches; and the whole `run` command end to end.

    python benchmarks/bench_outputs.py
    python benchmarks/bench_outputs.py --scenario scenarios/chongqing/linked_zones.yaml --repeat 5
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import tally_calls  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHONGQING = ROOT / "scenarios" / "chongqing" / "linked_zones.yaml"
EXAMPLE = ROOT / "scenarios" / "example" / "guangxi_example.yaml"


# as an installed program runs: with its compiled bytecode (pip writes it on install; this machine's
# PYTHONDONTWRITEBYTECODE would have every run compile the package's sources again)
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def wall(command: list[str], repeat: int) -> float:
    """Median wall time of `repeat` runs of a command in a fresh process, after one unmeasured run."""
    times = []
    subprocess.run(command, capture_output=True, cwd=ROOT, env=ENV)
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=ENV)
        times.append(time.perf_counter() - start)
        assert done.returncode == 0, done.stderr
    return statistics.median(times)


def costly_imports(command: list[str], top: int = 6) -> list[tuple[str, float]]:
    """The top-level imports (`python -X importtime`) that take longest, cumulative seconds."""
    importtime = [sys.executable, "-X", "importtime", *command]
    done = subprocess.run(importtime, capture_output=True, text=True, cwd=ROOT, env=ENV)
    found = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match[2]) <= 3:  # imported by the program itself or one level down
            found.append((match[3], int(match[1]) / 1e6))
    return sorted(found, key=lambda item: -item[1])[:top]


def validate(repeat: int) -> None:
    for scenario in (EXAMPLE, CHONGQING):
        command = [sys.executable, "-m", "analysis.cli", "validate", str(scenario)]
        seconds = wall(command, repeat)
        print(f"ftzshare validate {scenario.name:<24} {seconds:6.3f} s  (target ≤ 0.5 s; median of {repeat})")
    startup = wall([sys.executable, "-c", "pass"], repeat)
    costly = costly_imports(["-m", "analysis.cli", "validate", str(EXAMPLE)])
    imports = ", ".join(f"{name} {s:.2f}" for name, s in costly)
    print(f"  python itself {startup:.3f} s; costliest imports (s, cumulative): {imports}")


SPENT: dict[str, float] = {}


def instrument() -> None:
    """Time what writing calls, by kind, into SPENT (once per process)."""
    import analysis.outputs.run_files as run_files
    import analysis.settlement as settlement

    if getattr(run_files, "_bench_timed", False):
        return

    def timing(module, name: str, label: str) -> None:
        tally_calls(module, name, label, SPENT)

    # the charts are drawn in other processes from the start of writing: the time spent waiting for them
    tally_calls(run_files, "save_drawn", "waiting for the charts", SPENT)
    for module in (run_files, settlement):
        timing(module, "write_csv", "CSV files")
    for name in ("allocation_table", "detail_table", "entity_table", "statistics_table", "balance_table"):
        timing(settlement, name, "tables")
    for name in ("ledger_table", "records_table", "events_table", "projects_table", "replications_table"):
        timing(run_files, name, "tables")
    timing(settlement, "write_workbook", "workbook")
    run_files._bench_timed = True


def run_in_process(scenario_path: Path, out: Path) -> dict[str, float]:
    """Simulate + settle, then write, in this process, with the writing split by what it writes."""
    import analysis.outputs.run_files as run_files
    from analysis.outputs import drawing
    from analysis.projection import project
    from sim.scenario.loading import load_scenario

    instrument()
    drawing.prepare()  # as `ftzshare run` does: the charts' process starts while this one simulates
    SPENT.clear()
    start = time.perf_counter()
    scenario = load_scenario(scenario_path)
    projection = project(scenario, scenario.population.seed, 1, 1, None)
    settled = projection.first.settlement
    _ = settled.entities, settled.statistics  # attribution and the statistics split are settling (lazy)
    simulate = time.perf_counter() - start
    start = time.perf_counter()
    run_files.write_projection(projection, out, {"scenario": scenario_path}, 1)
    write = time.perf_counter() - start
    return {"simulate and settle": simulate, "write": write, **SPENT}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", type=Path, default=CHONGQING)
    parser.add_argument("--repeat", type=lambda text: max(1, int(text)), default=5, help="measured runs (at least 1)")
    args = parser.parse_args()
    validate(args.repeat)
    with tempfile.TemporaryDirectory(prefix="ftzshare-bench-") as folder:
        work = Path(folder)
        # a first run warms the file cache and matplotlib's font cache, as any second run would find them
        run_in_process(args.scenario, work / "warm")
        runs = [run_in_process(args.scenario, work / f"run{i}") for i in range(args.repeat)]
        keys = dict.fromkeys(k for r in runs for k in r)
        t = {k: statistics.median(r.get(k, 0.0) for r in runs) for k in keys}
        ratios = sorted(r["write"] / r["simulate and settle"] for r in runs)
        parts = ", ".join(f"{k} {v:.2f}" for k, v in t.items() if k not in ("simulate and settle", "write"))
        print(
            f"run {args.scenario.name} (medians of {args.repeat}): simulate + settle {t['simulate and settle']:.2f} s, "
            f"write {t['write']:.2f} s ({parts}) → write / simulate {statistics.median(ratios):.2f}, "
            f"runs {ratios[0]:.2f}–{ratios[-1]:.2f} (target ≤ 1)"
        )
        command = [sys.executable, "-m", "analysis.cli", "run", str(args.scenario), "--out", str(work / "cli")]
        print(f"ftzshare run {args.scenario.name} end to end {wall(command, 1):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
