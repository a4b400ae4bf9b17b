"""The `ftzshare` command line: exit 0 on success, exit 2 with one `error: file:where: reason` line on bad input."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.errors import InputError
from sim.messages import bilingual


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except InputError as error:
        print(error.line(), file=sys.stderr)
        return 2


def _validate(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    print(
        f"ok: {args.scenario}: {scenario.name} — {len(scenario.parties)} parties, "
        f"{len(scenario.agreements)} agreements, {scenario.horizon.start_year}–{scenario.horizon.end_year}"
    )
    return 0


def _settle(args: argparse.Namespace) -> int:
    from analysis.settlement import settle, write_settlement
    from sim.ledger import read_ledger, read_statistics
    from sim.scenario import load_scenario

    scenario = load_scenario(args.scenario)
    ledger = read_ledger(args.ledger, scenario, args.sheet)
    records = read_statistics(args.statistics, scenario) if args.statistics else None
    inputs = {"scenario": args.scenario, "ledger": args.ledger}
    if args.statistics:
        inputs["statistics"] = args.statistics
    summary = write_settlement(settle(scenario, ledger, records), args.out, inputs)
    totals = summary["totals"]
    print(f"settled {len(ledger)} rows → {args.out}: origin {totals['origin']} yuan, host {totals['host']} yuan")
    return 0


_COMMANDS = {"validate": _validate, "settle": _settle}

if __name__ == "__main__":
    raise SystemExit(main())
