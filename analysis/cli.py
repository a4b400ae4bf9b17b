"""The `ftzshare` command line: exit 0 on success, exit 2 with one `error: file:where: reason` line on bad input."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from sim.errors import InputError
from sim.messages import bilingual

CLI = "command line"
MAX_SEED = 2**63 - 1  # any seed fits an int64 and a JSON number; SeedSequence itself takes any n ≥ 0
# Every replication simulates every month of the horizon (about 0.2 s a simulated year on one core for the
# Guangxi region scenario) and keeps its summed ledger, a cube [agreement × year × tax × age], until the end:
# time grows with replications × years, memory with replications × years² (20 agreements over 100 years is
# about 50 MB a replication). 10,000 simulated years (1000 replications of a 10-year horizon, 100 of the
# longest, 100-year one) is half an hour on one core and at most a few GB; more is a mistake, not a study.
MAX_REPLICATIONS = 1000
MAX_SIMULATED_YEARS = 10_000
# A worker is a whole Python process with numpy and Arrow loaded: about 300 MB once it simulates the region
# scenario, so 32 of them already need 10 GB; more processes than cores only queue anyway.
MAX_WORKERS = 32
MAX_SUMMARY_BYTES = 16 << 20  # a run's summary.json is a few KB; anything bigger was not written by `run`


class _Parser(argparse.ArgumentParser):
    """argparse, but usage mistakes follow our one-line error format too."""

    def error(self, message: str) -> None:  # type: ignore[override]
        print(f"error: {self.prog}: {bilingual('usage', detail=message)}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ftzshare", description="Share FTZ entities' incremental local tax with collaborative zones.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    validate = commands.add_parser("validate", help="check a scenario file")
    validate.add_argument("scenario", type=Path)
    settle = commands.add_parser("settle", help="allocate real tax records by a scenario's agreements")
    settle.add_argument("scenario", type=Path)
    settle.add_argument("--ledger", type=Path, required=True, help="tax records, CSV or XLSX")
    settle.add_argument("--statistics", type=Path, help="indicator records, CSV or XLSX")
    settle.add_argument("--sheet", help="worksheet of an XLSX ledger (default: the first)")
    settle.add_argument("--out", type=Path, required=True, help="output folder")
    run = commands.add_parser("run", help="simulate the scenario's population, then allocate")
    run.add_argument("scenario", type=Path)
    run.add_argument("--out", type=Path, required=True, help="output folder")
    run.add_argument("--seed", help="a whole number 0..2^63-1; default: the scenario's population.seed")
    run.add_argument("--replications", type=_positive, default=1)
    run.add_argument("--workers", type=_positive, default=1, help="processes for replications 2..R")
    run.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786): replications 2..R there")
    compare = commands.add_parser("compare", help="compare scenarios or ratio designs; writes tables, charts, a PDF")
    compare.add_argument("scenarios", type=Path, nargs="+")
    compare.add_argument("--out", type=Path, required=True)
    compare.add_argument(
        "--baseline", type=int, default=1, help="which scenario the others are compared with (1 = first)"
    )
    compare.add_argument("--discount-rate", default="0.03", help="a fraction within 0..1 (0.03 is 3%%)")
    compare.add_argument("--seed", help="default: each scenario's population.seed")
    compare.add_argument("--replications", type=_positive, default=1)
    compare.add_argument("--workers", type=_positive, default=1)
    compare.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786): replications 2..R there")
    compare.add_argument("--lang", choices=("zh", "en"), default="zh")
    sensitivity = commands.add_parser("sensitivity", help="which uncertain inputs drive each party's gain (SALib)")
    sensitivity.add_argument("scenario", type=Path)
    sensitivity.add_argument("--out", type=Path, required=True)
    sensitivity.add_argument("--method", choices=("morris", "sobol"), default="morris")
    sensitivity.add_argument("--samples", type=_positive, help="Morris trajectories (10) or Sobol base sample (256)")
    sensitivity.add_argument("--seed", help="default: the scenario's population.seed; the same for every point")
    sensitivity.add_argument("--workers", type=_positive, default=1)
    sensitivity.add_argument("--scheduler", help="a Dask scheduler address (tcp://host:8786): run the points there")
    tune = commands.add_parser("tune", help="find the ratios both sides can sign: feasible range, Nash, Shapley")
    tune.add_argument("scenario", type=Path)
    tune.add_argument("--agreement", required=True)
    tune.add_argument("--out", type=Path, required=True)
    tune.add_argument("--shape", choices=("flat", "phased", "capped_term"), default="flat")
    tune.add_argument("--objective", choices=("nash", "shapley", "joint", "host_share"), default="nash")
    tune.add_argument("--confidence", default="0.9", help="share of replications in which each side must gain")
    tune.add_argument("--replications", type=_positive, default=20)
    tune.add_argument("--seed", help="default: the scenario's population.seed")
    tune.add_argument("--discount-rate", default="0.03", help="a fraction within 0..1 (0.03 is 3%%)")
    tune.add_argument("--workers", type=_positive, default=1)
    tune.add_argument("--scheduler", help="a Dask scheduler address: simulate the shares there")
    tune.add_argument("--lang", choices=("zh", "en"), default="zh")
    calibrate = commands.add_parser("calibrate", help="fit the calibration block to published series; backtest")
    calibrate.add_argument("scenario", type=Path)
    calibrate.add_argument("--out", type=Path, required=True)
    calibrate.add_argument("--replications", type=_positive, default=20)
    calibrate.add_argument("--seed", help="default: the scenario's population.seed")
    calibrate.add_argument("--lang", choices=("zh", "en"), default="zh")
    explain = commands.add_parser("explain", help="show how one allocation figure was reached, step by step")
    explain.add_argument("scenario", type=Path)
    source = explain.add_mutually_exclusive_group(required=True)
    source.add_argument("--ledger", type=Path, help="tax records")
    source.add_argument("--run", type=Path, help="a `run` output folder: its ledger, with its revoked zones")
    source.add_argument("--tuning", type=Path, help="a `tune` output folder: why its tuned ratio is feasible")
    explain.add_argument("--sheet")
    explain.add_argument("--agreement", required=True)
    explain.add_argument("--year", type=int, help="with --ledger or --run")
    explain.add_argument("--tax", help="tax type id, e.g. vat; with --ledger or --run")
    explain.add_argument("--share", help="with --tuning: an origin share of its table (default: the tuned one)")
    explain.add_argument("--lang", choices=("zh", "en"), default="zh")
    app = commands.add_parser(
        "app",
        help="serve the browser app at http://localhost:8501; other `streamlit run` options are passed on",
        description="Serve the browser app (app.py) with Streamlit. Options other than these are passed on to "
        "`streamlit run` (e.g. --client.showErrorDetails full).",
    )
    app.add_argument("--port", type=_port, help="default 8501")
    app.add_argument("--address", help="the address to listen on (default: every interface)")
    app.add_argument("--headless", action="store_true", help="do not open a browser tab (a server)")
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be at least 1")
    return value


def _port(text: str) -> int:
    value = _positive(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (1..65535)")
    return value


def _seed(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= MAX_SEED:
        raise InputError(CLI, "--seed", "seed_invalid", value=text, limit=MAX_SEED)
    return value


def _fraction(text: str, option: str, key: str, positive: bool = False) -> float:
    """A number within 0..1 given on the command line (above 0 when `positive`), or the option's error."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and (0 < value if positive else 0 <= value) and value <= 1):
        raise InputError(CLI, option, key, value=text)
    return value


def _discount_rate(text: str) -> float:
    return _fraction(text, "--discount-rate", "discount_rate_invalid")


def check_workload(args: argparse.Namespace, years: int) -> None:
    """Refuse replications × years beyond what a desktop can hold (see MAX_SIMULATED_YEARS)."""
    if args.replications > MAX_REPLICATIONS:
        raise InputError(CLI, "--replications", "replications_limit", value=args.replications, limit=MAX_REPLICATIONS)
    if args.replications * years > MAX_SIMULATED_YEARS:
        raise InputError(
            CLI,
            "--replications",
            "simulated_years_limit",
            replications=args.replications,
            years=years,
            total=args.replications * years,
            limit=MAX_SIMULATED_YEARS,
        )
    if args.workers > MAX_WORKERS:
        raise InputError(CLI, "--workers", "workers_limit", value=args.workers, limit=MAX_WORKERS)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "app":
        args.streamlit = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")  # as `parse_args` says it
    try:
        return _COMMANDS[args.command](args)
    except InputError as error:
        print(error.line(), file=sys.stderr)
        return 2


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(args.scenario)
    print(
        f"ok: {args.scenario}: {scenario.name} — {len(scenario.parties)} parties, "
        f"{len(scenario.agreements)} agreements, {scenario.horizon.start_year}–{scenario.horizon.end_year}"
    )
    return 0


def _settle(args: argparse.Namespace) -> int:
    from analysis.settlement import settle, write_settlement
    from sim.records.ledger import read_ledger, read_statistics
    from sim.scenario.loading import load_scenario

    _outside_out(args.out, args.scenario, args.ledger, args.statistics)
    scenario = load_scenario(args.scenario)
    ledger = read_ledger(args.ledger, scenario, args.sheet)
    records = read_statistics(args.statistics, scenario) if args.statistics else None
    inputs = {"scenario": args.scenario, "ledger": args.ledger}
    if args.statistics:
        inputs["statistics"] = args.statistics
    more = {"duplicate_rows": ledger.duplicate_rows}
    summary = write_settlement(settle(scenario, ledger, records), args.out, inputs, more_summary=more)
    totals = summary["totals"]
    summed = f" ({ledger.duplicate_rows} duplicate rows summed)" if ledger.duplicate_rows else ""
    print(
        f"settled {len(ledger)} rows{summed} → {args.out}: origin {totals['origin']} yuan, host {totals['host']} yuan"
    )
    return 0


def _run(args: argparse.Namespace) -> int:
    from analysis.outputs import drawing
    from sim.model.simulation import check_simulatable
    from sim.scenario.loading import load_scenario

    seed = _seed(args.seed)
    _outside_out(args.out, args.scenario)
    scenario = load_scenario(args.scenario)
    check_simulatable(scenario, str(args.scenario))
    check_workload(args, scenario.horizon.years)
    # the input is good: the process that draws the charts imports matplotlib while this one imports the rest and
    # simulates (started after those imports, it held back the charts: Chongqing's `run` took ~0.5 s longer)
    drawing.prepare()
    from analysis.outputs.run_files import describe, write_projection
    from analysis.projection import project

    seed = seed if seed is not None else scenario.population.seed
    steps = scenario.horizon.years * args.replications
    with _progress(steps) as advance:
        projection = project(scenario, seed, args.replications, args.workers, advance, args.scheduler)
    summary = write_projection(projection, args.out, {"scenario": args.scenario}, args.replications)
    print(f"simulated {args.replications} × {scenario.horizon.years} years → {args.out}: {describe(summary)}")
    return 0


class _progress:
    """A tqdm bar on a terminal, silence otherwise (CI logs, pipes)."""

    def __init__(self, total: int, unit: str = "year") -> None:
        self.total = total
        self.unit = unit
        self.bar = None

    def __enter__(self):
        if sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=self.total, unit=self.unit, desc="simulating", file=sys.stderr)
        return self.bar.update if self.bar else None

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.close()


def _compare(args: argparse.Namespace) -> int:
    from analysis.comparison import compare
    from analysis.outputs.comparison_files import write_comparison
    from sim.scenario.loading import load_scenario

    if not 1 <= args.baseline <= len(args.scenarios):
        raise InputError(CLI, "--baseline", "usage", detail=f"--baseline must be 1..{len(args.scenarios)}")
    seed, rate = _seed(args.seed), _discount_rate(args.discount_rate)
    _check_distinct(args.scenarios)
    _outside_out(args.out, *args.scenarios)
    years = sum(load_scenario(path).horizon.years for path in args.scenarios)
    check_workload(args, years)
    cases = len(args.scenarios)
    with _progress(cases * args.replications * 10) as advance:
        comparison = compare(
            args.scenarios, seed, args.replications, args.workers, rate, args.baseline - 1, advance, args.scheduler
        )
    written = write_comparison(comparison, args.out, args.lang)
    resplit = sum(case.projection.resplit for case in comparison.cases)
    print(
        f"compared {cases} scenarios ({cases - resplit} simulated, {resplit} re-split) → {args.out}: "
        + ", ".join(sorted(written))
    )
    return 0


def _outside_out(out: Path, *inputs: Path | None) -> None:
    """The output folder is replaced whole (`analysis.outputs.atomic`): an input inside it would be deleted by
    the run that reads it, so `settle --ledger run/ledger.csv --out run` is refused before anything is read."""
    target = out.resolve()
    for path in inputs:
        if path is not None and path.resolve().is_relative_to(target):
            raise InputError(str(path), None, "input_inside_out", out=str(out))


def _check_distinct(paths: list[Path]) -> None:
    """Each case is labelled by its file name (stem) in every table and chart: the same file twice, or two
    files of one name in different folders, would collide there."""
    seen: dict[Path, Path] = {}
    labels: dict[str, Path] = {}
    for path in paths:
        key = path.resolve()
        if key in seen:
            raise InputError(str(path), None, "compare_same_file")
        if path.stem in labels:
            raise InputError(str(path), None, "compare_same_name", label=path.stem, other=str(labels[path.stem]))
        seen[key] = path
        labels[path.stem] = path


def _explain(args: argparse.Namespace) -> int:
    from analysis.explain import explain, label
    from sim.money import yuan_text
    from sim.records.ledger import read_ledger
    from sim.scenario.loading import load_scenario
    from sim.sharing.cube import build_cube
    from sim.sharing.split import allocate

    scenario = load_scenario(args.scenario)
    if args.tuning is not None:
        return _explain_tuning(scenario, args)
    if args.year is None or args.tax is None:
        build_parser().error("--year and --tax are needed with --ledger or --run")
    ledger_path = args.ledger
    if args.run is not None:
        scenario = _with_run_revocations(scenario, args.run)
        ledger_path = args.run / "ledger.csv"
    ledger = read_ledger(ledger_path, scenario, args.sheet)
    allocation = allocate(build_cube(ledger, scenario), scenario)
    steps = explain(allocation, scenario, args.agreement, args.year, args.tax, "command line", args.lang)
    width = max(len(label(step, args.lang)) for step in steps) + 2
    print(f"{args.agreement} {args.year} {args.tax}")
    for step in steps:
        value = step.detail if step.fen is None else yuan_text(step.fen)
        note = f"  ({step.detail})" if step.fen is not None and step.detail else ""
        print(f"  {label(step, args.lang):<{width}}{value:>20}{note}")
    return 0


def _summary(path: Path) -> tuple[str, dict]:
    """A `summary.json` that ftzshare wrote (a run's or a tuning's), read defensively: its name and content."""
    import json

    name = str(path)
    if not path.is_file():
        raise InputError(name, None, "file_missing")
    size = path.stat().st_size
    if size > MAX_SUMMARY_BYTES:
        raise InputError(name, None, "file_too_large", size=size, limit=MAX_SUMMARY_BYTES)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(name, None, "file_unreadable", detail=type(exc).__name__) from None
    except UnicodeDecodeError:
        raise InputError(name, None, "encoding") from None
    except ValueError as exc:  # JSONDecodeError, or a number too long to convert
        raise InputError(name, None, "summary_not_json", detail=str(exc).splitlines()[0]) from None
    except RecursionError:
        raise InputError(name, None, "summary_not_json", detail="nested too deeply") from None
    if not isinstance(summary, dict):
        raise InputError(name, None, "summary_not_object")
    return name, summary


def _explain_tuning(scenario, args: argparse.Namespace) -> int:
    """Why a tuned ratio (or another share of the tuning's table) is feasible, from a `tune` folder's files."""
    import csv

    from analysis.explain import feasibility

    name, summary = _summary(args.tuning / "summary.json")
    if summary.get("scenario_sha256") != scenario.sha256():
        raise InputError(name, "scenario_sha256", "tuning_other_scenario", value=str(args.scenario))
    if summary.get("agreement") != args.agreement:
        raise InputError(name, "agreement", "tuning_other_agreement", value=args.agreement)
    share = summary.get("tuned") if args.share is None else _fraction(args.share, "--share", "share_invalid")
    table = args.tuning / "tuning.csv"
    if not table.is_file():
        raise InputError(str(table), None, "file_missing")
    if table.stat().st_size > MAX_SUMMARY_BYTES:
        raise InputError(str(table), None, "file_too_large", size=table.stat().st_size, limit=MAX_SUMMARY_BYTES)
    with table.open(encoding="utf-8", newline="") as f:
        rows = {r.get("origin_share"): r for r in csv.DictReader(f)}
    row = rows.get(None if share is None else f"{share:.6f}")
    if row is None:
        raise InputError(str(table), "origin_share", "tuning_share_missing", value=share)
    a = next(x for x in scenario.agreements if x.id == args.agreement)
    try:
        at = {
            party: (float(row[f"{side}_gain"]), float(row[f"{side}_positive"]))
            for side, party in (("origin", a.origin), ("host", a.host))
        }
    except (KeyError, TypeError, ValueError):
        raise InputError(str(table), f"origin_share {share:.6f}", "tuning_row_malformed") from None
    candidates = summary.get("candidates") or {}
    even = {a.origin: candidates.get("break_even_origin"), a.host: candidates.get("break_even_host")}
    print(f"{args.agreement} {share:.6f}")
    for label_text, value in feasibility(scenario, share, at, even, args.lang):
        print(f"  {label_text}  {value}")
    return 0


def _with_run_revocations(scenario, run: Path):
    """The scenario as the run settled it: agreements of zones revoked during the run end that year."""
    from analysis.projection import with_revocations

    name, summary = _summary(run / "summary.json")
    revoked = summary.get("revoked", {})
    if not isinstance(revoked, dict):
        raise InputError(name, "revoked", "expected_mapping")
    ids = [a.id for a in scenario.agreements]
    h = scenario.horizon
    for agreement, year in revoked.items():
        if agreement not in ids:
            raise InputError(name, "revoked", "variant_unknown_id", value=agreement, hint="", hint_en="")
        if not isinstance(year, int) or isinstance(year, bool):
            raise InputError(name, f"revoked.{agreement}", "expected_integer")
        if not h.start_year <= year <= h.end_year:
            where = f"revoked.{agreement}"
            raise InputError(name, where, "year_outside", year=year, first=h.start_year, last=h.end_year)
    return with_revocations(scenario, {ids.index(a): year for a, year in revoked.items()})


def _sensitivity(args: argparse.Namespace) -> int:
    from analysis.outputs.sensitivity_files import write_sensitivity
    from analysis.sensitivity import DEFAULT_SAMPLES, runs, sensitivity
    from sim.model.simulation import check_simulatable
    from sim.scenario.loading import load_scenario
    from sim.scenario.uncertainty import parameter_names

    seed = _seed(args.seed)
    samples = args.samples or DEFAULT_SAMPLES[args.method]
    if args.method == "sobol" and samples & (samples - 1):
        raise InputError(CLI, "--samples", "sensitivity_sobol_samples", value=samples)
    if args.method == "morris" and samples < 2:
        raise InputError(CLI, "--samples", "sensitivity_morris_samples", value=samples)
    if args.workers > MAX_WORKERS:
        raise InputError(CLI, "--workers", "workers_limit", value=args.workers, limit=MAX_WORKERS)
    _outside_out(args.out, args.scenario)
    scenario = load_scenario(args.scenario)
    check_simulatable(scenario, str(args.scenario))
    seed = seed if seed is not None else scenario.population.seed
    total = runs(args.method, samples, len(parameter_names(scenario))) if scenario.uncertainty else 0
    with _progress(total, "run") as advance:
        on_point = (lambda _: advance(1)) if advance else None
        options = {"workers": args.workers, "scheduler": args.scheduler, "progress": on_point}
        study = sensitivity(scenario, args.method, samples, seed, source=str(args.scenario), **options)
    write_sensitivity(study, scenario, args.out, {"scenario": args.scenario})
    print(f"{args.method}: {len(study.points)} simulations of {len(study.inputs)} inputs → {args.out}")
    return 0


def _tune(args: argparse.Namespace) -> int:
    from analysis.outputs.tuning_files import statement, write_tuning
    from analysis.tuning import tune
    from sim.model.simulation import check_simulatable
    from sim.scenario.loading import load_scenario

    seed, rate, confidence = _seed(args.seed), _discount_rate(args.discount_rate), _confidence(args.confidence)
    _outside_out(args.out, args.scenario)
    scenario = load_scenario(args.scenario)
    check_simulatable(scenario, str(args.scenario))
    check_workload(args, scenario.horizon.years)
    options = {"workers": args.workers, "scheduler": args.scheduler, "source": CLI}
    tuning = tune(
        scenario, args.agreement, args.shape, args.objective, confidence, args.replications, seed, rate, **options
    )
    summary = write_tuning(tuning, args.out, args.lang)
    print(statement(tuning, args.lang))
    shown = {k: v for k, v in summary["candidates"].items() if v is not None}
    candidates = ", ".join(f"{k} {v:.4f}" for k, v in shown.items())
    print(f"tuned {args.agreement} ({tuning.method}) → {args.out}: {candidates}")
    from analysis.explain import tuned_ratio

    for name, value in tuned_ratio(tuning, lang=args.lang):
        print(f"  {name}  {value}")
    return 0


def _confidence(text: str) -> float:
    return _fraction(text, "--confidence", "tune_confidence_invalid", positive=True)


def _calibrate(args: argparse.Namespace) -> int:
    from analysis.calibration import calibrate, calibration_of
    from analysis.outputs.calibration_files import write_calibration
    from sim.model.simulation import check_simulatable
    from sim.scenario.loading import load_scenario

    seed = _seed(args.seed)
    _outside_out(args.out, args.scenario)
    scenario = load_scenario(args.scenario)
    calibration_of(scenario, str(args.scenario))
    check_simulatable(scenario, str(args.scenario))
    args.workers = 1
    check_workload(args, scenario.horizon.years)
    seed = seed if seed is not None else scenario.population.seed
    result = calibrate(scenario, str(args.scenario), seed, args.replications)
    write_calibration(result, args.out, args.lang)
    fitted = ", ".join(f"{path} = {value:g}" for path, value in result.written.items())
    worst = max(result.rows, key=lambda r: abs(r.error_pct))
    print(
        f"calibrated {len(result.written)} parameters in {result.evaluations} evaluations → {args.out}: {fitted}; "
        f"largest backtest error {worst.error_pct:+.1f}% ({worst.series} {worst.year:g})"
    )
    return 0


def _app(args: argparse.Namespace) -> int:
    import click

    from analysis.serving import serve

    try:
        return serve(args.port, args.address, args.headless, args.streamlit)
    except click.UsageError as error:  # an option `streamlit run` does not know, or a bad value
        raise InputError(CLI, "app", "usage", detail=error.format_message()) from None
    except FileNotFoundError as missing:  # installed without the repository's app.py
        raise InputError(str(missing), None, "app_missing") from None


_COMMANDS = {
    "app": _app,
    "validate": _validate,
    "settle": _settle,
    "run": _run,
    "compare": _compare,
    "explain": _explain,
    "tune": _tune,
    "calibrate": _calibrate,
    "sensitivity": _sensitivity,
}

if __name__ == "__main__":
    raise SystemExit(main())
