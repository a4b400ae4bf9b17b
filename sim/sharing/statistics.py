"""Statistics credited to each party (DOMAIN.md §3): `split`, `double_count`, `host` or `origin`.

`split` uses the rule's own `origin` share, else the tax ratio in force — by calendar year, or by the
entity's own phase under a years-since-start schedule — and gives the host everything after the sunset or
the revocation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.apportion import PPM, by_shares, pair
from sim.indicators import INDICATORS
from sim.ledger import Ledger, StatisticsRecords
from sim.scenario import Scenario, ppm

RULES = ("split", "double_count", "host", "origin")


@dataclass(frozen=True)
class StatisticsAllocation:
    agreement: np.ndarray
    year: np.ndarray
    indicator: np.ndarray
    rule: np.ndarray  # index into RULES
    total: np.ndarray
    origin: np.ndarray
    host: np.ndarray


def split_statistics(records: StatisticsRecords, scenario: Scenario, ledger: Ledger | None) -> StatisticsAllocation:
    share = _origin_share(records, scenario, ledger)
    n_ind = len(INDICATORS)
    rule = np.zeros(len(records.value), np.int64)
    for index, a in enumerate(scenario.agreements):
        per_indicator = np.array([RULES.index(a.statistics.rule_for(i).rule) for i in INDICATORS], np.int64)
        rows = records.agreement == index
        rule[rows] = per_indicator[records.indicator[rows]]
    # units: rows with the same cell and the same share are apportioned together
    cell = (records.agreement * 10_000 + records.year) * n_ind + records.indicator
    units, unit_of = np.unique(np.stack([cell, share]), axis=1, return_inverse=True)
    unit_total = np.zeros(units.shape[1], np.int64)
    np.add.at(unit_total, unit_of.ravel(), records.value)
    unit_share = units[1]
    unit_origin = by_shares(unit_total, pair(unit_share))[:, 0]
    cells, cell_of = np.unique(units[0], return_inverse=True)
    total = np.zeros(len(cells), np.int64)
    origin = np.zeros(len(cells), np.int64)
    np.add.at(total, cell_of, unit_total)
    np.add.at(origin, cell_of, unit_origin)
    cell_rule = np.zeros(len(cells), np.int64)
    cell_rule[np.searchsorted(cells, cell)] = rule
    host = total - origin
    double = cell_rule == RULES.index("double_count")
    origin = np.where(double, total, origin)
    host = np.where(double, total, host)
    agreement_year, indicator = np.divmod(cells, n_ind)
    agreement, year = np.divmod(agreement_year, 10_000)
    return StatisticsAllocation(agreement, year, indicator, cell_rule, total, origin, host)


def _origin_share(records: StatisticsRecords, scenario: Scenario, ledger: Ledger | None) -> np.ndarray:
    """The origin's share (ppm) for each record under its rule (0 for host, 1 for origin and double)."""
    share = np.zeros(len(records.value), np.int64)
    starts = _start_years(ledger)
    for index, a in enumerate(scenario.agreements):
        rows = np.flatnonzero(records.agreement == index)
        for k, name in enumerate(INDICATORS):
            sel = rows[records.indicator[rows] == k]
            rule = a.statistics.rule_for(name)
            if rule.rule in ("origin", "double_count"):
                share[sel] = PPM
            elif rule.rule == "split" and rule.origin is not None:
                share[sel] = ppm(rule.origin)
            elif rule.rule == "split":
                year = records.year[sel]
                start = np.array([starts.get((e, index), y) for e, y in zip(records.entity[sel], year, strict=True)])
                share[sel] = a.ratio.in_force(year, np.minimum(start, year))
            if a.sharing_ends is not None and rule.rule == "split":
                share[sel[records.year[sel] > a.sharing_ends]] = 0
    return share


def _start_years(ledger: Ledger | None) -> dict[tuple[str, int], int]:
    if ledger is None:
        return {}
    pairs = np.unique(np.stack([ledger.entity, ledger.agreement, ledger.start_year]), axis=1)
    return {(ledger.entity_ids[e], int(a)): int(s) for e, a, s in pairs.T}
