"""Allocation results as tables: the file contract of DOMAIN.md §4, in yuan with two decimals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.by_entity import EntityAllocation
from sim.fiscal import FiscalBalance
from sim.ledger import COUNT_INDICATORS
from sim.money import format_yuan
from sim.scenario import INDICATORS, Scenario
from sim.sharing import DETAIL_FIELDS, Allocation
from sim.statistics import RULES, StatisticsAllocation
from sim.taxes import TAX_IDS


def _cells(allocation: Allocation, scenario: Scenario) -> tuple[tuple[np.ndarray, ...], pd.DataFrame]:
    index = np.nonzero(allocation.rows)
    keys = pd.DataFrame(
        {
            "agreement": np.array([a.id for a in scenario.agreements], dtype=object)[index[0]],
            "year": allocation.years[index[1]],
            "tax_type": np.array(TAX_IDS, dtype=object)[index[2]],
        }
    )
    return index, keys


def allocation_table(allocation: Allocation, scenario: Scenario, numeric: bool = False) -> pd.DataFrame:
    """agreement, year, tax_type, total, central, each upper level, origin, host — nothing else."""
    index, table = _cells(allocation, scenario)
    money = (lambda v: v) if numeric else format_yuan
    table["total"] = money(allocation.total[index])
    table["central"] = money(allocation.central[index])
    for j, level in enumerate(allocation.upper_ids):
        table[level] = money(allocation.upper[..., j][index])
    table["origin"] = money(allocation.origin[index])
    table["host"] = money(allocation.host[index])
    return table


def detail_table(allocation: Allocation, scenario: Scenario) -> pd.DataFrame:
    """The allocation with every intermediate step: what `explain` and auditors read."""
    index, _ = _cells(allocation, scenario)
    table = allocation_table(allocation, scenario)
    for name in DETAIL_FIELDS:
        table[name] = format_yuan(getattr(allocation, name)[index])
    ratio = allocation.ratio[index]
    table["ratio"] = np.where(np.isnan(ratio), "", np.char.mod("%.6f", np.nan_to_num(ratio)))
    return table


def entity_table(entities: EntityAllocation, scenario: Scenario, upper_ids: tuple[str, ...]) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "agreement": np.array([a.id for a in scenario.agreements], dtype=object)[entities.agreement],
            "entity_id": entities.entity_id,
            "year": entities.year,
            "tax_type": np.array(TAX_IDS, dtype=object)[entities.tax],
            "total": format_yuan(entities.total),
            "central": format_yuan(entities.central),
        }
    )
    for j, level in enumerate(upper_ids):
        table[level] = format_yuan(entities.upper[:, j])
    table["origin"] = format_yuan(entities.origin)
    table["host"] = format_yuan(entities.host)
    return table.sort_values(["agreement", "entity_id", "year", "tax_type"], kind="stable").reset_index(drop=True)


def statistics_table(stats: StatisticsAllocation, scenario: Scenario) -> pd.DataFrame:
    counts = np.isin(stats.indicator, [INDICATORS.index(c) for c in COUNT_INDICATORS])

    def shown(values: np.ndarray) -> np.ndarray:
        return np.where(counts, values.astype(str), format_yuan(values))

    return pd.DataFrame(
        {
            "agreement": np.array([a.id for a in scenario.agreements], dtype=object)[stats.agreement],
            "year": stats.year,
            "indicator": np.array(INDICATORS, dtype=object)[stats.indicator],
            "rule": np.array(RULES, dtype=object)[stats.rule],
            "total": shown(stats.total),
            "origin": shown(stats.origin),
            "host": shown(stats.host),
        }
    )


def balance_table(
    balance: FiscalBalance, scenario: Scenario, allocation: Allocation, numeric: bool = False
) -> pd.DataFrame:
    """Per agreement, year and party: receipts, reward, cost, net — for years with anything in them."""
    rows = []
    for a_index, a in enumerate(scenario.agreements):
        active = allocation.rows[a_index].any(axis=1) | (balance.cost[a_index] != 0).any(axis=1)
        active |= (balance.reward[a_index] != 0).any(axis=1)
        for y in np.flatnonzero(active):
            for p, party in enumerate((a.origin, a.host)):
                rows.append((a.id, int(balance.years[y]), ("origin", "host")[p], party, a_index, y, p))
    table = pd.DataFrame(rows, columns=["agreement", "year", "role", "party", "_a", "_y", "_p"])
    at = (table["_a"].to_numpy(), table["_y"].to_numpy(), table["_p"].to_numpy())
    for name in ("receipts", "reward", "cost", "net"):
        values = getattr(balance, name)[at]
        table[name] = values if numeric else format_yuan(values)
    return table.drop(columns=["_a", "_y", "_p"])


def party_totals(allocation: Allocation) -> dict[str, int]:
    """Fen per party over the whole allocation: the figures summary.json records."""
    totals = {"total": int(allocation.total.sum()), "central": int(allocation.central.sum())}
    for j, level in enumerate(allocation.upper_ids):
        totals[level] = int(allocation.upper[..., j].sum())
    totals["origin"] = int(allocation.origin.sum())
    totals["host"] = int(allocation.host.sum())
    return totals
