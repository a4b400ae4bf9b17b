"""Attribute each allocation cell to the entities in it, to the fen.

Each entity's own contribution is worked out by the same rules (its central part, upper levels, pool,
and its phase's ratio); every party's cell amount is then apportioned over the entities in proportion to
those contributions, and the host takes the remainder, so each entity row adds up to its total and each
column adds up to the cell. A cell that moves money without ledger rows is kept as one `(none)` row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.apportion import by_shares, by_weights, pair
from sim.ledger import Ledger
from sim.scenario import Scenario
from sim.sharing.split import Allocation

NO_ENTITY = "(none)"  # the entity id of a cell's amounts when the ledger has no rows in that cell


@dataclass(frozen=True)
class EntityAllocation:
    entity_id: np.ndarray
    agreement: np.ndarray
    year: np.ndarray
    tax: np.ndarray
    total: np.ndarray
    central: np.ndarray
    upper: np.ndarray  # [row, upper level]
    origin: np.ndarray
    host: np.ndarray


def attribute(ledger: Ledger, scenario: Scenario, allocation: Allocation) -> EntityAllocation:
    cell = np.ravel_multi_index(
        (ledger.agreement, ledger.year - allocation.first_year, ledger.tax), allocation.total.shape
    )
    key = cell * len(ledger.entity_ids) + ledger.entity  # sorted by cell, then entity
    keys, row_of = np.unique(key, return_inverse=True)
    entity_cell, entity = np.divmod(keys, len(ledger.entity_ids))

    def summed(values: np.ndarray) -> np.ndarray:
        out = np.zeros(len(keys), np.int64)
        np.add.at(out, row_of, values)
        return out

    amount = summed(ledger.amount)
    given = summed(np.where(ledger.has_central, ledger.central, 0))
    uncentred = summed(np.where(ledger.has_central, 0, ledger.amount))
    start = np.zeros(len(keys), np.int64)
    start[row_of] = ledger.start_year
    a, y, k = np.unravel_index(entity_cell, allocation.total.shape)

    # the entity's own contribution under the same rules, as weights
    rules = scenario.tax_rules
    levels = rules.upper_levels
    central = given + by_shares(uncentred, pair(rules.central_ppm_by_tax()[k]))[:, 0]
    parts = by_shares(amount - central, rules.local_split_ppm_by_tax()[k])
    ratio = _entity_ratio(scenario, a, allocation.first_year + y, start)
    origin_weight = by_shares(parts[:, -1], pair(ratio))[:, 0]

    def spread(cell_values: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return by_weights(cell_values.reshape(-1), entity_cell, weights)

    out_central = spread(allocation.central, central)
    out_upper = np.zeros((len(keys), len(levels)), np.int64)
    for j in range(len(levels)):
        out_upper[:, j] = spread(allocation.upper[..., j], parts[:, j])
    out_origin = spread(allocation.origin, origin_weight)
    out_host = amount - out_central - out_upper.sum(axis=1) - out_origin
    # cells with no ledger rows can still move money (a base-year stock when nothing was collected)
    orphan = np.flatnonzero(allocation.rows.ravel() & ~np.isin(np.arange(allocation.total.size), entity_cell))
    oa, oy, ok = np.unravel_index(orphan, allocation.total.shape)
    return EntityAllocation(
        entity_id=np.concatenate([ledger.entity_ids[entity], np.full(len(orphan), NO_ENTITY, dtype=object)]),
        agreement=np.concatenate([a, oa]),
        year=allocation.first_year + np.concatenate([y, oy]),
        tax=np.concatenate([k, ok]),
        total=np.concatenate([amount, allocation.total.ravel()[orphan]]),
        central=np.concatenate([out_central, allocation.central.ravel()[orphan]]),
        upper=np.concatenate([out_upper, allocation.upper.reshape(allocation.total.size, len(levels))[orphan]]),
        origin=np.concatenate([out_origin, allocation.origin.ravel()[orphan]]),
        host=np.concatenate([out_host, allocation.host.ravel()[orphan]]),
    )


def _entity_ratio(scenario: Scenario, agreement: np.ndarray, year: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The origin's share (ppm) in force for each entity row: by calendar year or by its own phase."""
    out = np.zeros(len(agreement), np.int64)
    for index, a in enumerate(scenario.agreements):
        rows = agreement == index
        out[rows] = a.ratio.in_force(year[rows], start[rows])
    return out
