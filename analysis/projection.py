"""Project a scenario: simulate replications, settle each simulated ledger, keep what reports need.

Randomness is explicit: one `SeedSequence(seed)` spawns a child per replication, so replication i is the
same whatever the number of workers; results are gathered in replication order. Each replication leaves its
ledger summed into a cube (a few kilobytes), so a variant that changes only how money is split — not what
entities do — is re-split from the same simulations instead of simulated again (`resplit`).
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from analysis.settlement import Settlement, settle
from sim.ledger import Ledger
from sim.model.records import landed_investment, statistics_of
from sim.model.simulation import Model, Simulation
from sim.model.tax_calendar import ledger_of
from sim.records.ledger import resolve
from sim.scenario import Scenario
from sim.sharing.by_entity import NO_ENTITY
from sim.sharing.cube import Cube, build_cube
from sim.sharing.fiscal import fiscal_balance
from sim.sharing.split import allocate

# receipts columns: [central, origin, host, origin net fiscal benefit, host net fiscal benefit]
CENTRAL, ORIGIN, HOST, ORIGIN_NET, HOST_NET = range(5)


@dataclass(frozen=True)
class Replication:
    index: int
    simulation: Simulation
    effective: Scenario  # the scenario with revoked zones' sharing ended
    settlement: Settlement


@dataclass(frozen=True)
class Outcome:
    """What every replication leaves behind: enough to re-split it under another ratio design."""

    cube: Cube
    revoked: dict[int, int]
    landed: np.ndarray  # investment landed [agreement, year] (fen)
    attempts: dict[str, int]  # reinvestment attempts by outcome


@dataclass(frozen=True)
class Projection:
    scenario: Scenario
    seed: int
    first: Replication  # its ledger, allocation and events are written out
    outcomes: list[Outcome]
    receipts: np.ndarray  # [replication, agreement, year, column] fen, columns as above
    resplit: bool = False  # computed by re-splitting another scenario's simulations


def with_revocations(scenario: Scenario, revoked: dict[int, int]) -> Scenario:
    """The scenario in force: a revoked zone's agreement records its `revoked_year` (sharing stops after it)."""
    if not revoked:
        return scenario
    agreements = [
        a if i not in revoked else a.model_copy(update={"revoked_year": revoked[i]})
        for i, a in enumerate(scenario.agreements)
    ]
    return scenario.model_copy(update={"agreements": agreements})


def with_base_year_rows(ledger: Ledger, scenario: Scenario) -> Ledger:
    """The simulated ledger with a zero row in the base year of each agreement whose zone collected nothing then.

    A real ledger without rows in an agreement's base year is refused (a forgotten export would silently make the
    stock zero); the simulation knows the zone collected nothing and says so, so its `ledger.csv` settles again.
    """
    missing = [
        i
        for i, a in enumerate(scenario.agreements)
        if a.base.rule == "base_year" and not ((ledger.agreement == i) & (ledger.year == a.base.year)).any()
    ]
    if not missing:
        return ledger
    n = len(missing)
    years = np.array([scenario.agreements[i].base.year for i in missing], np.int64)
    extra = {
        "entity_ids": np.append(ledger.entity_ids, NO_ENTITY),
        "entity": np.full(n, len(ledger.entity_ids), np.int64),
        "agreement": np.array(missing, np.int64),
        "year": years,
        "month": np.full(n, 12, np.int64),
        "tax": np.zeros(n, np.int64),
        "amount": np.zeros(n, np.int64),
        "central": np.zeros(n, np.int64),
        "has_central": np.zeros(n, bool),
        "start_year": years,
        "row_numbers": len(ledger) + 2 + np.arange(n),
    }
    merged = {k: v if k == "entity_ids" else np.concatenate([getattr(ledger, k), v]) for k, v in extra.items()}
    return Ledger(**{**ledger.__dict__, **merged})


def replicate(scenario: Scenario, seed: np.random.SeedSequence, index: int, on_year=None) -> Replication:
    """Model → ledger → core, for one replication."""
    rng = np.random.default_rng(seed)
    simulation = Model(scenario, rng, on_year).run()
    effective = with_revocations(scenario, simulation.revoked)
    ledger = resolve(with_base_year_rows(ledger_of(simulation, rng), effective), effective)
    settlement = settle(effective, ledger, statistics_of(simulation), landed_investment(simulation))
    return Replication(index, simulation, effective, settlement)


def outcome_of(replication: Replication) -> Outcome:
    sim = replication.simulation
    kinds, counts = np.unique(sim.projects["outcome"], return_counts=True)
    return Outcome(
        cube=build_cube(replication.settlement.ledger, replication.effective),
        revoked=dict(sim.revoked),
        landed=landed_investment(sim),
        attempts={str(k): int(c) for k, c in zip(kinds, counts, strict=True)},
    )


def _outcome(scenario: Scenario, seed: np.random.SeedSequence, index: int) -> Outcome:
    return outcome_of(replicate(scenario, seed, index))


def receipts(scenario: Scenario, outcome: Outcome) -> np.ndarray:
    """[agreement, year, column] for one replication under `scenario`'s sharing terms."""
    effective = with_revocations(scenario, outcome.revoked)
    allocation = allocate(outcome.cube, effective)
    investment = np.zeros((len(scenario.agreements), len(allocation.years)), np.int64)
    investment[:, -outcome.landed.shape[1] :] = outcome.landed
    net = fiscal_balance(effective, allocation, investment).net
    columns = [allocation.central.sum(axis=2), allocation.origin.sum(axis=2), allocation.host.sum(axis=2)]
    return np.stack([*columns, net[..., 0], net[..., 1]], axis=-1)[:, -scenario.horizon.years :]


def project(
    scenario: Scenario,
    seed: int,
    replications: int = 1,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> Projection:
    """Run `replications` replications on `workers` processes; `progress(n)` reports n more simulated years."""
    children = np.random.SeedSequence(seed).spawn(replications)
    first = replicate(scenario, children[0], 0, (lambda: progress(1)) if progress else None)
    outcomes = [outcome_of(first)]
    if replications > 1 and workers > 1:
        context = multiprocessing.get_context("spawn")  # no fork under Arrow's threads
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [pool.submit(_outcome, scenario, children[i], i) for i in range(1, replications)]
            for future in futures:
                outcomes.append(future.result())
                if progress:
                    progress(scenario.horizon.years)
    else:
        for i in range(1, replications):
            outcomes.append(_outcome(scenario, children[i], i))
            if progress:
                progress(scenario.horizon.years)
    return Projection(scenario, seed, first, outcomes, np.stack([receipts(scenario, o) for o in outcomes]))


def simulation_key(scenario: Scenario) -> str:
    """What the simulation depends on. Two scenarios with the same key give the same simulations, so one can be
    re-split from the other: everything but names, targets and the agreements' sharing terms — unless effort
    responds to the shares (behavior elasticities), when the ratios matter too."""
    data = scenario.model_dump(mode="json", by_alias=True)
    for key in ("name", "name_en", "description", "targets"):
        data.pop(key, None)
    behavior = scenario.behavior
    if behavior is None or (behavior.origin_referral_elasticity == 0 and behavior.host_service_elasticity == 0):
        data["agreements"] = [{k: a[k] for k in ("id", "origin", "host")} for a in data["agreements"]]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def resplit(variant: Scenario, baseline: Projection) -> Projection:
    """The variant's projection from the baseline's simulations; only valid when their simulation keys match."""
    assert simulation_key(variant) == simulation_key(baseline.scenario)
    first = baseline.first
    effective = with_revocations(variant, first.simulation.revoked)
    settlement = settle(
        effective,
        first.settlement.ledger,
        first.settlement.records,
        baseline.outcomes[0].landed,
        baseline.outcomes[0].cube,
    )
    replication = Replication(first.index, first.simulation, effective, settlement)
    table = np.stack([receipts(variant, o) for o in baseline.outcomes])
    return Projection(variant, baseline.seed, replication, baseline.outcomes, table, resplit=True)
