"""Project a scenario: simulate replications, each in two worlds — with the agreements and without them —
settle each simulated ledger, keep what reports need.

Randomness is explicit: one `SeedSequence(seed)` spawns a child per replication, so replication i is the
same whatever the number of workers; results are gathered in replication order. Within a replication the two
worlds share the entities and every draw the agreement does not change (`sim.model.simulation.draw`): common
random numbers, so the gain (with − without) is the agreement's effect and not the noise of two samples.

Receipts per holder (`holders`: the parties, then the upper levels; central never counts): in each world the
local tax of the projects that place production in the zone (split by the agreement) or in the FTZ (the
origin's, and the upper levels' parts). The rest of every entity's business is in the FTZ in both worlds and
its tax cancels in every gain, so neither world counts it. Projects that stay in the FTZ go through the same
sharing core as the zones' tax — a synthetic agreement per FTZ area that keeps the whole pool for the area
(`ftz_receipts`) — so the central and upper-level rules are applied in one place.

Each replication leaves its ledger summed into a cube (a few kilobytes), so a variant that changes only how
money is split — not what entities do — is re-split from the same simulations instead of simulated again
(`resplit`): `without` and `stayed` do not depend on the sharing terms.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from analysis.backend import map_ordered
from analysis.settlement import Settlement, settle
from sim.ledger import Ledger
from sim.model.records import landed_investment, statistics_of
from sim.model.simulation import NEVER, OUTCOMES, Model, Simulation, draw
from sim.model.tax_calendar import ledger_of
from sim.records.ledger import resolve
from sim.scenario import Agreement, Scenario
from sim.scenario.uncertainty import replication_parameters
from sim.sharing.by_entity import NO_ENTITY
from sim.sharing.cube import Cube, build_cube
from sim.sharing.fiscal import fiscal_balance, transfers_by_party
from sim.sharing.split import Allocation, allocate

# receipts columns: [central, origin, host, origin balance, host balance] per agreement; the balances are
# receipts + reward ± compensation − cost (gross: the per-party net benefit against the no-agreement world is
# `Projection.net_benefit`)
CENTRAL, ORIGIN, HOST, ORIGIN_NET, HOST_NET = range(5)


def holders(scenario: Scenario) -> list[str]:
    """Who receives local tax: the party ids in `scenario.parties` order, then the upper-level ids."""
    return [p.id for p in scenario.parties] + scenario.upper_level_ids


@dataclass(frozen=True)
class Replication:
    index: int
    simulation: Simulation  # the with-agreement world
    effective: Scenario  # the scenario with revoked zones' sharing ended
    settlement: Settlement
    without: Simulation  # the no-agreement world: same entities and draws
    stayed: np.ndarray  # [holder, year] fen: with-agreement receipts from projects in the FTZ
    without_receipts: np.ndarray  # [holder, year] fen: receipts in the no-agreement world
    parameters: dict[str, float]  # this replication's parameter draw (key path → value); {} without one


@dataclass(frozen=True)
class Outcome:
    """What every replication leaves behind: enough to re-split it under another ratio design.

    Money is int64 fen; years are the horizon's; holders as `holders(scenario)`."""

    cube: Cube
    revoked: dict[int, int]
    landed: np.ndarray  # investment landed [agreement, year] (fen)
    attempts: dict[str, int]  # with-agreement reinvestment attempts by outcome (every key of OUTCOMES)
    without: np.ndarray  # [holder, year]: local receipts in the no-agreement world
    stayed: np.ndarray  # [holder, year]: with-agreement receipts from projects in the FTZ (not through the core)
    passed: np.ndarray  # int8 [agreement, year]: assessment passed 1, failed 0, not assessed −1
    points: np.ndarray  # float64 [agreement, year]: assessment points, NaN where not assessed
    land: dict[str, float]  # hectares: zone_granted, zone_released, ftz_used; ftz_used_without (no agreement)
    parameters: dict[str, float]  # the replication's parameter draw (`parameters.csv`)


@dataclass(frozen=True)
class Projection:
    scenario: Scenario
    seed: int
    first: Replication  # its ledger, allocation and events are written out
    outcomes: list[Outcome]
    receipts: np.ndarray  # [replication, agreement, year, column] fen, columns as above
    with_agreement: np.ndarray  # [replication, holder, year] fen: `party_receipts`
    without_agreement: np.ndarray  # [replication, holder, year] fen: `Outcome.without`
    net_benefit: np.ndarray  # [replication, holder, year] fen: `net_benefit`
    resplit: bool = False  # computed by re-splitting another scenario's simulations

    @property
    def gains(self) -> np.ndarray:
        """[replication, holder, year] fen: with − without."""
        return self.with_agreement - self.without_agreement


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


def ftz_area_agreements(scenario: Scenario) -> Scenario:
    """The sharing core's view of the FTZ: the scenario with one synthetic agreement per FTZ area that has an
    agreement, keeping the whole pool for the area (origin share 1, base zero, negative increments shared, every
    tax type, no terms). The host named is the area's first zone: it receives nothing."""
    agreements = []
    for area in dict.fromkeys(a.origin for a in scenario.agreements):
        host = next(a.host for a in scenario.agreements if a.origin == area)
        ratio = {"schedule": [{"from": scenario.horizon.start_year, "origin": 1}]}
        if any(a.origin == area and a.ratio.basis == "years_since_start" for a in scenario.agreements):
            ratio = {"basis": "years_since_start", "schedule": [{"from": 1, "origin": 1}]}
        data = {"id": f"ftz-{area}", "origin": area, "host": host, "ratio": ratio, "negative_increment": "share"}
        agreements.append(Agreement.model_validate(data))
    # what is checked against the real agreements (assessment, targets, uncertainty, calibration) is not the FTZ's
    view = {"agreements": agreements, "assessment": None, "targets": None, "uncertainty": None, "calibration": None}
    return scenario.model_copy(update=view)


def holder_receipts(scenario: Scenario, allocation: Allocation) -> np.ndarray:
    """[holder, horizon year] fen: the origin and host parts of every agreement added to their parties, the upper
    levels' parts of the agreements' tax to the upper levels."""
    index = {p.id: i for i, p in enumerate(scenario.parties)}
    out = np.zeros((len(holders(scenario)), len(allocation.years)), np.int64)
    for a, agreement in enumerate(scenario.agreements):
        out[index[agreement.origin]] += allocation.origin[a].sum(axis=1)
        out[index[agreement.host]] += allocation.host[a].sum(axis=1)
    out[len(scenario.parties) :] = allocation.upper.sum(axis=(0, 2)).T
    return out[:, -scenario.horizon.years :]


def ftz_receipts(simulation: Simulation, ftz: Scenario) -> np.ndarray:
    """[holder, horizon year] fen: local tax of the projects that stayed in the FTZ in this world, on the same
    tax calendar as the zones' (`ledger_of`), split by `ftz` (`ftz_area_agreements`)."""
    projects = simulation.projects
    stayed = projects["ftz_landed"] < NEVER
    rows = {k: v[stayed] for k, v in projects.items()}
    rows["landed"] = rows["ftz_landed"]
    area_of = {a.origin: i for i, a in enumerate(ftz.agreements)}
    agreement_of_party = np.array([area_of.get(p.id, -1) for p in ftz.parties], np.int64)
    rows["agreement"] = agreement_of_party[simulation.entities.area[rows["entity"]]]
    in_ftz = Simulation(ftz, simulation.entities, rows, [], [], {}, {}, simulation.agreements)
    # no `resolve`: the tax calendar sets the start years, and the synthetic agreements cover every year
    ledger = ledger_of(in_ftz)
    return holder_receipts(ftz, allocate(build_cube(ledger, ftz), ftz))


def replicate(scenario: Scenario, seed: np.random.SeedSequence, index: int, on_year=None) -> Replication:
    """Its own parameter draw (two-level Monte Carlo), then model → ledger → core, in both worlds (common
    draws)."""
    scenario, parameters = replication_parameters(scenario, seed)
    draws = draw(scenario, seed)
    simulation = Model(scenario, seed, on_year, draws=draws).run()
    without = Model(scenario, seed, draws=draws, agreements=False).run()
    effective = with_revocations(scenario, simulation.revoked)
    ledger = resolve(with_base_year_rows(ledger_of(simulation), effective), effective)
    settlement = settle(effective, ledger, statistics_of(simulation), landed_investment(simulation))
    ftz = ftz_area_agreements(scenario)
    return Replication(
        index,
        simulation,
        effective,
        settlement,
        without,
        ftz_receipts(simulation, ftz),
        ftz_receipts(without, ftz),
        parameters,
    )


def assessment_results(simulation: Simulation) -> tuple[np.ndarray, np.ndarray]:
    """passed (int8: 1, 0, −1 not assessed) and points (NaN not assessed), [agreement, horizon year]."""
    s = simulation.scenario
    shape = (len(s.agreements), s.horizon.years)
    passed, points = np.full(shape, -1, np.int8), np.full(shape, np.nan)
    for record in simulation.assessments:
        y = record.year - s.horizon.start_year
        passed[record.agreement, y] = int(record.verdict.passed)
        points[record.agreement, y] = record.verdict.points
    return passed, points


def outcome_of(replication: Replication) -> Outcome:
    sim = replication.simulation
    passed, points = assessment_results(sim)
    return Outcome(
        cube=build_cube(replication.settlement.ledger, replication.effective),
        revoked=dict(sim.revoked),
        landed=landed_investment(sim),
        attempts={kind: int((sim.projects["outcome"] == kind).sum()) for kind in OUTCOMES},
        without=replication.without_receipts,
        stayed=replication.stayed,
        passed=passed,
        points=points,
        land={**sim.land, "ftz_used_without": replication.without.land["ftz_used"]},
        parameters=replication.parameters,
    )


def _outcome(scenario: Scenario, seed: np.random.SeedSequence, index: int) -> Outcome:
    """One replication's outcome: the per-replication task (a plain top-level function, for any backend)."""
    return outcome_of(replicate(scenario, seed, index))


def _split(scenario: Scenario, outcome: Outcome) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One replication under `scenario`'s sharing terms: the receipts table [agreement, year, column], the
    receipts per holder [holder, year] and the net benefit per holder [holder, year]."""
    effective = with_revocations(scenario, outcome.revoked)
    allocation = allocate(outcome.cube, effective)
    investment = np.zeros((len(scenario.agreements), len(allocation.years)), np.int64)
    investment[:, -outcome.landed.shape[1] :] = outcome.landed
    balance = fiscal_balance(effective, allocation, investment)
    columns = [allocation.central.sum(axis=2), allocation.origin.sum(axis=2), allocation.host.sum(axis=2)]
    years = scenario.horizon.years
    table = np.stack([*columns, balance.net[..., 0], balance.net[..., 1]], axis=-1)[:, -years:]
    with_agreement = holder_receipts(effective, allocation) + outcome.stayed
    transfers = np.zeros_like(with_agreement)
    transfers[: len(scenario.parties)] = transfers_by_party(effective, balance)[:, -years:]
    return table, with_agreement, with_agreement - outcome.without + transfers


def receipts(scenario: Scenario, outcome: Outcome) -> np.ndarray:
    """[agreement, year, column] for one replication under `scenario`'s sharing terms."""
    return _split(scenario, outcome)[0]


def party_receipts(scenario: Scenario, outcome: Outcome) -> np.ndarray:
    """[holder, year] fen: receipts with the agreements under `scenario`'s sharing terms, plus `outcome.stayed`."""
    return _split(scenario, outcome)[1]


def gains(scenario: Scenario, outcome: Outcome) -> np.ndarray:
    """[holder, year] fen: with − without the agreements. Their sum over holders is the region's gain."""
    return party_receipts(scenario, outcome) - outcome.without


def net_benefit(scenario: Scenario, outcome: Outcome) -> np.ndarray:
    """[holder, year] fen: gain + attraction reward ± ecological compensation − the party's part of joint costs
    (upper levels: their gain)."""
    return _split(scenario, outcome)[2]


def _projection(scenario: Scenario, seed: int, first: Replication, outcomes: list[Outcome], resplit: bool):
    tables, with_agreement, net = zip(*(_split(scenario, o) for o in outcomes), strict=True)
    without = np.stack([o.without for o in outcomes])
    return Projection(
        scenario, seed, first, outcomes, np.stack(tables), np.stack(with_agreement), without, np.stack(net), resplit
    )


def project(
    scenario: Scenario,
    seed: int,
    replications: int = 1,
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
    scheduler: str | None = None,
) -> Projection:
    """Run `replications` replications on `workers` processes, or on the Dask scheduler at `scheduler`;
    `progress(n)` reports n more simulated years."""
    children = np.random.SeedSequence(seed).spawn(replications)
    first = replicate(scenario, children[0], 0, (lambda: progress(1)) if progress else None)
    outcomes = [outcome_of(first)]
    tasks = [(scenario, children[i], i) for i in range(1, replications)]
    years = scenario.horizon.years
    outcomes += map_ordered(_outcome, tasks, workers, scheduler, (lambda _: progress(years)) if progress else None)
    return _projection(scenario, seed, first, outcomes, resplit=False)


def simulation_key(scenario: Scenario) -> str:
    """What the simulation depends on. Two scenarios with the same key give the same simulations, so one can be
    re-split from the other: everything but names, targets and the agreements' sharing terms — unless effort
    responds to the shares (behavior elasticities, or an uncertain one), when the ratios matter too."""
    data = scenario.model_dump(mode="json", by_alias=True)
    for key in ("name", "name_en", "description", "targets"):
        data.pop(key, None)
    behavior = scenario.behavior
    responsive = behavior is not None and (behavior.origin_referral_elasticity or behavior.host_service_elasticity)
    uncertain = any(path.startswith("behavior.") for path in scenario.uncertainty or {})  # drawn elasticities
    if not (responsive or uncertain):
        data["agreements"] = [{k: a[k] for k in ("id", "origin", "host")} for a in data["agreements"]]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def resplit(variant: Scenario, baseline: Projection) -> Projection:
    """The variant's projection from the baseline's simulations; only valid when their simulation keys match.
    Only the with-agreement side changes: the no-agreement world and the FTZ's part do not depend on the terms."""
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
    replication = Replication(
        first.index,
        first.simulation,
        effective,
        settlement,
        first.without,
        first.stayed,
        first.without_receipts,
        first.parameters,
    )
    return _projection(variant, baseline.seed, replication, baseline.outcomes, resplit=True)
