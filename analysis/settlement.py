"""Settle real tax records: ledger → cube → allocation → by entity, statistics, net fiscal benefit → files."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from pathlib import Path

import numpy as np

from analysis.outputs.atomic import atomic_folder
from analysis.outputs.tables import (
    allocation_table,
    balance_table,
    detail_table,
    entity_table,
    party_totals,
    statistics_table,
    write_csv,
)
from analysis.outputs.workbook import write_workbook
from sim import __version__
from sim.indicators import INDICATORS
from sim.ledger import Ledger, StatisticsRecords
from sim.money import yuan_text
from sim.scenario import Scenario
from sim.sharing.by_entity import EntityAllocation, attribute
from sim.sharing.cube import Cube, build_cube
from sim.sharing.fiscal import FiscalBalance, fiscal_balance
from sim.sharing.split import Allocation, allocate
from sim.sharing.statistics import StatisticsAllocation, split_statistics


class Settlement:
    """A settled ledger. Attribution to entities and the statistics split are worked out when first asked for:
    re-splitting for a slider needs neither."""

    def __init__(
        self,
        scenario: Scenario,
        ledger: Ledger,
        allocation: Allocation,
        records: StatisticsRecords | None,
        balance: FiscalBalance,
    ) -> None:
        self.scenario, self.ledger, self.allocation, self.records, self.balance = (
            scenario,
            ledger,
            allocation,
            records,
            balance,
        )

    @cached_property
    def entities(self) -> EntityAllocation:
        return attribute(self.ledger, self.scenario, self.allocation)

    @cached_property
    def statistics(self) -> StatisticsAllocation | None:
        return split_statistics(self.records, self.scenario, self.ledger) if self.records is not None else None


def settle(
    scenario: Scenario,
    ledger: Ledger,
    records: StatisticsRecords | None = None,
    landed_investment: np.ndarray | None = None,
    cube: Cube | None = None,
) -> Settlement:
    """`landed_investment` [agreement, horizon year] (fen) pays the attraction reward; without it the
    `investment` statistics do (real records rarely say when a project landed). `cube` is the ledger already
    summed, when a re-split has it."""
    allocation = allocate(cube if cube is not None else build_cube(ledger, scenario), scenario)
    investment = _investment(records, scenario, allocation)
    if landed_investment is not None:
        investment = np.zeros((len(scenario.agreements), len(allocation.years)), np.int64)
        investment[:, -landed_investment.shape[1] :] = landed_investment
    return Settlement(scenario, ledger, allocation, records, fiscal_balance(scenario, allocation, investment))


def _investment(records: StatisticsRecords | None, scenario: Scenario, allocation: Allocation) -> np.ndarray | None:
    """Investment landed per [agreement, year] (fen), from the `investment` statistics, for the reward."""
    if records is None:
        return None
    out = np.zeros((len(scenario.agreements), len(allocation.years)), np.int64)
    rows = records.indicator == INDICATORS.index("investment")
    np.add.at(out, (records.agreement[rows], records.year[rows] - allocation.first_year), records.value[rows])
    return out


def write_settlement(
    result: Settlement,
    out: str | Path,
    inputs: dict[str, Path],
    seed: int | None = None,
    more_summary: dict | None = None,
    more_files: Callable[[Path], AbstractContextManager] | None = None,
) -> dict:
    """Write every output file at once (atomically); return the summary. A projection adds its own
    summary entries through `more_summary`, and its files (ledger, events, charts) through `more_files`: a
    context manager given the folder, inside which the settlement's files are written (so its charts are drawn
    while they are)."""
    s = result.scenario
    summary = {
        "scenario": s.name,
        "scenario_sha256": s.sha256(),
        "inputs": {role: {"file": path.name, "sha256": _sha256(path)} for role, path in inputs.items()},
        "seed": seed,
        "version": __version__,
        "totals": {k: yuan_text(v) for k, v in party_totals(result.allocation).items()},
        "by_agreement": {
            a.id: {
                "origin": a.origin,
                "host": a.host,
                "origin_yuan": yuan_text(int(result.allocation.origin[i].sum())),
                "host_yuan": yuan_text(int(result.allocation.host[i].sum())),
                "net_benefit_origin_yuan": yuan_text(int(result.balance.net[i, :, 0].sum())),
                "net_benefit_host_yuan": yuan_text(int(result.balance.net[i, :, 1].sum())),
            }
            for i, a in enumerate(s.agreements)
        },
        **(more_summary or {}),
    }
    allocation = allocation_table(result.allocation, s)
    detail = detail_table(result.allocation, s)
    statistics = statistics_table(result.statistics, s) if result.statistics is not None else None
    balance = balance_table(result.balance, s, result.allocation)
    with atomic_folder(out) as folder, (more_files or nullcontext)(folder):
        write_csv(allocation, folder / "allocation.csv")
        write_csv(detail, folder / "allocation_detail.csv")
        write_csv(entity_table(result.entities, s, result.allocation.upper_ids), folder / "allocation_by_entity.csv")
        if statistics is not None:
            write_csv(statistics, folder / "statistics.csv")
        write_csv(balance, folder / "net_benefit.csv")
        (folder / "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        write_workbook(folder / "allocation.xlsx", s, result.allocation, result.balance, result.statistics, summary)
    return summary


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
