"""Golden aggregate figures of the bundled scenarios, kept beside each file as `<name>.expected.json`.

python tests/golden.py      # rewrite them after a deliberate change of the model, then review the diff
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SIMULATED = sorted(p for p in (ROOT / "scenarios").glob("*/*.yaml") if p.parent.name != "example")


def aggregate(path: Path) -> dict:
    """One replication at the scenario's own seed: totals per agreement and party (yuan), land outcomes."""
    from analysis.projection import CENTRAL, HOST, ORIGIN, project
    from sim.scenario.loading import load_scenario

    scenario = load_scenario(path)
    projection = project(scenario, scenario.population.seed)
    receipts = projection.receipts[0]
    return {
        "seed": scenario.population.seed,
        "agreements": {
            a.id: {
                name: round(float(receipts[i, :, column].sum()) / 100, 2)
                for name, column in (("central", CENTRAL), ("origin", ORIGIN), ("host", HOST))
            }
            for i, a in enumerate(scenario.agreements)
        },
        "land": projection.outcomes[0].attempts,
        "revoked": {scenario.agreements[a].id: y for a, y in sorted(projection.outcomes[0].revoked.items())},
        "ledger_rows": int(len(projection.first.settlement.ledger)),
    }


def golden_path(path: Path) -> Path:
    return path.with_suffix(".expected.json")


if __name__ == "__main__":
    for path in SIMULATED:
        golden_path(path).write_text(json.dumps(aggregate(path), ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        print("wrote", golden_path(path).relative_to(ROOT))
