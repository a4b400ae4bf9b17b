"""Simulated indicators as statistics records, in the same shape as a statistics file."""

from __future__ import annotations

import numpy as np

from sim.indicators import COUNT_INDICATORS, INDICATORS
from sim.ledger import StatisticsRecords
from sim.model.activity import yearly_indicators
from sim.model.entities import entity_ids
from sim.model.simulation import NEVER, Simulation


def statistics_of(sim: Simulation) -> StatisticsRecords:
    """One record per landed project × year × indicator with a non-zero value (money in fen)."""
    s = sim.scenario
    landed = sim.projects["landed"] < NEVER
    projects = {k: v[landed] for k, v in sim.projects.items()}
    years = np.arange(s.horizon.years)
    values = yearly_indicators(s, sim.entities, projects, years)
    parts = []
    for k, name in enumerate(INDICATORS):
        scaled = np.rint(values[name] * (1 if name in COUNT_INDICATORS else 100)).astype(np.int64)
        p, y = np.nonzero(scaled)
        parts.append((p, y, np.full(len(p), k), scaled[p, y]))
    p, y, indicator, value = (np.concatenate(c) for c in zip(*parts, strict=True))
    order = np.lexsort((indicator, y, p))
    p, y, indicator, value = p[order], y[order], indicator[order], value[order]
    entity = projects["entity"].astype(np.int64)[p]
    return StatisticsRecords(
        source="simulation",
        entity=entity_ids(entity),
        agreement=projects["agreement"].astype(np.int64)[p],
        year=s.horizon.start_year + y,
        indicator=indicator.astype(np.int64),
        value=value,
        row_numbers=np.arange(len(p)) + 2,
    )


def landed_investment(sim: Simulation) -> np.ndarray:
    """Investment landed per [agreement, year index] (fen): what the attraction reward is paid on."""
    s = sim.scenario
    out = np.zeros((len(s.agreements), s.horizon.years), np.int64)
    for month, kind, _entity, agreement, amount in sim.events:
        if kind == "land_granted":
            out[agreement, int(month // 12)] += int(round(amount * 100))
    return out
