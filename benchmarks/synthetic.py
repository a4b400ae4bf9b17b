"""Synthetic scenarios and ledgers for benchmarks, generated at run time (never committed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.scenario import Scenario
from sim.scenario.loading import scenario_from_data

TAXES = ["vat", "cit", "iit", "urban_maintenance", "property", "land_use"]
START, YEARS = 2023, 10


def scenario(n_agreements: int = 20, all_rules: bool = True) -> Scenario:
    """`all_rules` mixes every policy and term; otherwise the subset the pandas baseline implements."""
    agreements = []
    for i in range(n_agreements):
        a = {
            "id": f"a{i:02d}",
            "origin": f"ftz{i:02d}",
            "host": f"zone{i:02d}",
            "taxes": TAXES[: 4 + i % 3],
            "ratio": {
                "schedule": [{"from": START, "to": START + 2, "origin": 0.6}, {"from": START + 3, "origin": 0.5}]
            },
            "negative_increment": ("floor_zero", "share")[i % 2],
        }
        if all_rules:
            a["negative_increment"] = ("floor_zero", "carry_forward", "share")[i % 3]
            if i % 4 == 1:
                a["base"] = {"rule": "base_year", "year": START, "growth": 0.03}
            if i % 4 == 2:
                a["ratio"] = {
                    "basis": "years_since_start",
                    "schedule": [{"from": 1, "to": 3, "origin": 0.7}, {"from": 4, "origin": 0.4}],
                }
            if i % 5 == 0:
                a["cap"] = {"origin_cumulative_yuan": 50_000_000}
            if i % 5 == 1:
                a["floor"] = {"host_yearly_yuan": 5_000_000}
            if i % 7 == 3:
                a["sunset_year"] = START + 6
        agreements.append(a)
    data = {
        "schema": "ftzshare/v1",
        "name": "benchmark",
        "horizon": {"start_year": START, "years": YEARS},
        "tax_rules": {
            "upper_levels": [{"id": "province", "name": "省本级", "share": {"vat": 0.25, "cit": 0.2, "iit": 0.2}}]
        },
        "parties": [
            {"id": f"{kind}{i:02d}", "kind": "ftz_area" if kind == "ftz" else "collaborative_zone", "name": kind}
            for i in range(n_agreements)
            for kind in ("ftz", "zone")
        ],
        "agreements": agreements,
    }
    return scenario_from_data(data, "benchmark")


def ledger_frame(rows: int = 1_000_000, n_agreements: int = 20, seed: int = 7) -> pd.DataFrame:
    """Monthly rows: agreements × years × 6 taxes × 12 months × entities, with ~3% refunds."""
    rng = np.random.default_rng(seed)
    per_entity = YEARS * len(TAXES) * 12
    entities = -(-rows // per_entity)
    entity = np.repeat(np.arange(entities), per_entity)[:rows]
    within = np.tile(np.arange(per_entity), entities)[:rows]
    year = START + within // (len(TAXES) * 12)
    tax = (within // 12) % len(TAXES)
    month = within % 12 + 1
    agreement = entity % n_agreements
    fen = rng.lognormal(11, 1.5, rows).astype(np.int64) * np.where(rng.random(rows) < 0.03, -1, 1)
    return pd.DataFrame(
        {
            "entity_id": np.char.add("E", entity.astype(str)),
            "origin_area": np.char.add("ftz", np.char.zfill(agreement.astype(str), 2)),
            "zone": np.char.add("zone", np.char.zfill(agreement.astype(str), 2)),
            "year": year,
            "month": month,
            "tax_type": np.array(TAXES)[tax],
            "amount": np.char.add(
                np.char.add((np.abs(fen) // 100).astype(str), "."), np.char.zfill((np.abs(fen) % 100).astype(str), 2)
            ),
        }
    ).assign(amount=lambda f: np.where(fen < 0, "-", "") + f["amount"])


def write_ledger(path: Path, rows: int = 1_000_000) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ledger_frame(rows).to_csv(path, index=False, lineterminator="\n")
    return path
