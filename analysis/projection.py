"""Project a scenario: simulate replications, settle each simulated ledger, keep what reports need.

Randomness is explicit: one `SeedSequence(seed)` spawns a child per replication, so replication i is the
same whatever the number of workers; results are gathered in replication order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from analysis.settlement import Settlement, settle
from sim.ledger import resolve
from sim.model import Model, Simulation
from sim.scenario import Scenario
from sim.statistics_records import landed_investment, statistics_of
from sim.tax_calendar import ledger_of


@dataclass(frozen=True)
class Replication:
    index: int
    simulation: Simulation
    effective: Scenario  # the scenario with revoked zones' sharing ended
    settlement: Settlement


@dataclass(frozen=True)
class Projection:
    seed: int
    first: Replication  # its ledger, allocation and events are written out
    # per replication: receipts [replication, agreement, year, (central, origin, host)] in fen
    receipts: np.ndarray
    outcomes: list[dict[str, int]]  # per replication: reinvestment attempts by outcome


def with_revocations(scenario: Scenario, revoked: dict[int, int]) -> Scenario:
    """A revoked zone's agreement ends: its sharing stops after the year of revocation."""
    if not revoked:
        return scenario
    agreements = [
        a if i not in revoked else a.model_copy(update={"sunset_year": min(revoked[i], a.sunset_year or revoked[i])})
        for i, a in enumerate(scenario.agreements)
    ]
    return scenario.model_copy(update={"agreements": agreements})


def replicate(scenario: Scenario, seed: np.random.SeedSequence, index: int, on_year=None) -> Replication:
    """Model → ledger → core, for one replication."""
    rng = np.random.default_rng(seed)
    simulation = Model(scenario, rng, on_year).run()
    effective = with_revocations(scenario, simulation.revoked)
    ledger = resolve(ledger_of(simulation, rng), effective, simulated=True)
    settlement = settle(effective, ledger, statistics_of(simulation), landed_investment(simulation))
    return Replication(index, simulation, effective, settlement)


def _summary_of(scenario: Scenario, seed: np.random.SeedSequence, index: int) -> tuple[np.ndarray, dict[str, int]]:
    """What a worker sends back for a replication other than the first: receipts and outcomes only."""
    replication = replicate(scenario, seed, index)
    return receipts_of(replication), outcomes_of(replication.simulation)


def receipts_of(replication: Replication) -> np.ndarray:
    a = replication.settlement.allocation
    years = slice(-replication.effective.horizon.years, None)
    return np.stack([a.central.sum(axis=2), a.origin.sum(axis=2), a.host.sum(axis=2)], axis=-1)[:, years]


def outcomes_of(simulation: Simulation) -> dict[str, int]:
    kinds, counts = np.unique(simulation.projects["outcome"], return_counts=True)
    return {str(k): int(c) for k, c in zip(kinds, counts, strict=True)}


def project(
    scenario: Scenario,
    seed: int,
    replications: int = 1,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Projection:
    """Run `replications` replications on `workers` processes; `progress(n)` reports n more steps done
    (simulated years of the first replication, then whole replications)."""
    children = np.random.SeedSequence(seed).spawn(replications)
    first = replicate(scenario, children[0], 0, (lambda: progress(1)) if progress else None)
    rest: list[tuple[np.ndarray, dict[str, int]]] = []
    if replications > 1:
        if workers > 1:
            context = multiprocessing.get_context("spawn")  # no fork under Arrow's threads
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(_summary_of, scenario, children[i], i) for i in range(1, replications)]
                for future in futures:
                    rest.append(future.result())
                    if progress:
                        progress(scenario.horizon.years)
        else:
            for i in range(1, replications):
                rest.append(_summary_of(scenario, children[i], i))
                if progress:
                    progress(scenario.horizon.years)
    receipts = np.stack([receipts_of(first), *[r for r, _ in rest]])
    return Projection(seed, first, receipts, [outcomes_of(first.simulation), *[o for _, o in rest]])
