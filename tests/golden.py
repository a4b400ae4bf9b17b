"""Golden aggregate figures of the bundled scenarios, kept beside each file as `<name>.expected.json`.

python tests/golden.py      # rewrite them after a deliberate change of the model, then review the diff
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIMULATED = sorted(p for p in (ROOT / "scenarios").glob("*/*.yaml") if p.parent.name != "example")


def aggregate(path: Path) -> dict:
    """One replication at the scenario's own seed: totals per agreement and party (yuan, exact to the fen, as
    text), each holder's receipts with and without the agreements, land outcomes, revocations and the number of
    ledger rows — all exact."""
    from analysis.projection import CENTRAL, HOST, ORIGIN, holders, project
    from sim.money import yuan_text
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(path)
    projection = project(scenario, scenario.population.seed)
    receipts = projection.receipts[0]
    return {
        "seed": scenario.population.seed,
        "agreements": {
            a.id: {
                name: yuan_text(int(receipts[i, :, column].sum()))
                for name, column in (("central", CENTRAL), ("origin", ORIGIN), ("host", HOST))
            }
            for i, a in enumerate(scenario.agreements)
        },
        "gains": {  # each holder's receipts with and without the agreements over the horizon
            holder: {
                "with": yuan_text(int(projection.with_agreement[0, h].sum())),
                "without": yuan_text(int(projection.without_agreement[0, h].sum())),
            }
            for h, holder in enumerate(holders(scenario))
        },
        "land": {outcome: int(count) for outcome, count in projection.outcomes[0].attempts.items()},
        "revoked": {scenario.agreements[a].id: int(y) for a, y in sorted(projection.outcomes[0].revoked.items())},
        "ledger_rows": int(len(projection.first.settlement.ledger)),
    }


def fen(amount: str | float | int) -> int:
    """A golden amount in yuan — text with two decimals, or a number as older golden files hold it — in fen,
    exactly (a number's shortest repr is its two-decimal text for any amount a scenario produces)."""
    value = Decimal(amount if isinstance(amount, str) else repr(amount)) * 100
    assert value == value.to_integral_value(), f"{amount!r} is not a whole number of fen"
    return int(value)


def exact(figures: dict) -> dict:
    """The figures with every amount in fen, so two aggregates compare exactly whatever their file format."""
    return {
        **figures,
        "agreements": {
            agreement: {party: fen(value) for party, value in parties.items()}
            for agreement, parties in figures["agreements"].items()
        },
        "gains": {
            holder: {world: fen(value) for world, value in worlds.items()}
            for holder, worlds in figures.get("gains", {}).items()
        },
    }


def golden_path(path: Path) -> Path:
    return path.with_suffix(".expected.json")


if __name__ == "__main__":
    for path in SIMULATED:
        golden_path(path).write_text(json.dumps(aggregate(path), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        print("wrote", golden_path(path).relative_to(ROOT))
