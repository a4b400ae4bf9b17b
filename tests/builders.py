"""Small scenarios and ledgers built in code, for tests that state their numbers by hand."""

from __future__ import annotations

import copy

import numpy as np

from sim.ledger import Ledger
from sim.records.ledger import resolve
from sim.scenario import Scenario
from sim.scenario.loading import scenario_from_data
from sim.taxes import TAX_INDEX

BASE = {
    "schema": "ftzshare/v1",
    "name": "测试",
    "horizon": {"start_year": 2023, "years": 3},
    "tax_rules": {},
    "parties": [
        {"id": "ftz", "kind": "ftz_area", "name": "片区"},
        {"id": "zone", "kind": "collaborative_zone", "name": "协同区"},
    ],
    "agreements": [
        {"id": "a", "origin": "ftz", "host": "zone", "ratio": {"schedule": [{"from": 2023, "origin": 0.6}]}},
    ],
}


def scenario(agreement: dict | None = None, **top: object) -> Scenario:
    """The two-party test scenario, with keys of its one agreement and of the top level overridden."""
    data = copy.deepcopy(BASE)
    data["agreements"][0].update(agreement or {})
    data.update(top)
    return scenario_from_data(data, "test.yaml")


def ledger(s: Scenario, rows: list[tuple], agreement_of: dict | None = None) -> Ledger:
    """Rows of (entity, year, tax, amount_fen[, central_fen[, start_year[, agreement index]]])."""
    n = len(rows)
    entity_names = [r[0] for r in rows]
    ids, entity = np.unique(np.array(entity_names, dtype=object), return_inverse=True)
    central = [r[4] if len(r) > 4 and r[4] is not None else 0 for r in rows]
    has_central = [len(r) > 4 and r[4] is not None for r in rows]
    start = [r[5] if len(r) > 5 and r[5] is not None else 0 for r in rows]
    agreement = [r[6] if len(r) > 6 else 0 for r in rows]
    raw = Ledger(
        source="ledger.csv",
        entity_ids=ids,
        entity=entity.astype(np.int64),
        agreement=np.array(agreement, np.int64),
        year=np.array([r[1] for r in rows], np.int64),
        month=np.zeros(n, np.int64),
        tax=np.array([TAX_INDEX[r[2]] for r in rows], np.int64),
        amount=np.array([r[3] for r in rows], np.int64),
        central=np.array(central, np.int64),
        has_central=np.array(has_central, bool),
        start_year=np.array(start, np.int64),
        row_numbers=np.arange(n) + 2,
    )
    return resolve(raw, s)


def paired_scenario_data(start: int, years: int, tax_rules: dict, agreements: list[dict]) -> dict:
    """A scenario as data with one FTZ area and one zone per agreement (`ftz{i}` → `zone{i}`)."""
    return {
        "schema": "ftzshare/v1",
        "name": "随机",
        "horizon": {"start_year": start, "years": years},
        "tax_rules": tax_rules,
        "parties": [
            {"id": f"{kind}{i}", "kind": "ftz_area" if kind == "ftz" else "collaborative_zone", "name": kind}
            for i in range(len(agreements))
            for kind in ("ftz", "zone")
        ],
        "agreements": agreements,
    }
