"""The SimPy model: FTZ entities reinvest, in a collaborative zone where an agreement is open, else in the FTZ
where its land allows, else outside the region; projects queue for land, build, ramp up, exit.

Every projection simulates two worlds with common random numbers: with the agreements and without them. All
that the agreement does not change is drawn first, once, from its own stream (`draw`): the entities (stock
and yearly cohorts), each entity's yearly reinvestment draw, and each attempt's own attributes (request month,
lifetime, whether it would stay in the FTZ, the draw choosing a zone). The same attempt therefore has the same
draws in both worlds; only where it goes differs.

Where a project goes (`Model`):
- an agreement is open for its FTZ area (with-agreement world only): it seeks a zone's land (a
  `simpy.Container` per zone, with patience); if it gives up waiting it goes on as below;
- otherwise — and always without the agreement — it stays in the FTZ when its `stays` draw is below
  `population.give_up_stays_in_ftz` and the FTZ area's land allows (the FTZ party's `land_ha`, a Container too,
  taken at once or not at all; `land_ha: None` on an FTZ area means its land is not a constraint), else it is
  lost to the region.

SimPy carries what is discrete and interacting — land queues, exits freeing land, zones approved on a schedule,
the yearly assessment and revocation; revenue and taxes are bulk numpy work on the timestamps this leaves
behind (`sim.model.tax_calendar`). An attempt that needs no queue (FTZ land not a constraint) is placed at
once, without a process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import simpy

from sim.apportion import PPM
from sim.errors import InputError
from sim.model.activity import zone_indicators
from sim.model.assessment import Verdict, assess, revocation_year
from sim.model.economics import project_economics
from sim.model.entities import Entities, common_shocks, register
from sim.model.reinvestment import decide, effort
from sim.scenario import Scenario

NEVER = 10**9  # a month index beyond any horizon
# the random streams of a replication, one per purpose (`stream`)
STREAMS = ("entities", "shocks", "decisions", "attempts", "assessment")
# where an attempt ended: in a zone, still queueing, or after giving up / without an open zone, FTZ or lost
OUTCOMES = ("landed", "waiting", "gave_up_stayed", "gave_up_lost", "stayed_in_ftz", "lost_to_region")
STAYED = ("gave_up_stayed", "stayed_in_ftz")


def stream(seed: np.random.SeedSequence, purpose: str) -> np.random.Generator:
    """The generator of one purpose of a replication: the child `seed.spawn` gives at the purpose's place in
    STREAMS, built directly so that asking twice (once per world) gives the same stream."""
    child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, STREAMS.index(purpose)))
    return np.random.default_rng(child)


@dataclass(frozen=True)
class Draws:
    """Everything drawn before the agreement matters, shared by both worlds. Per entity (rows of `entities`)."""

    entities: Entities
    decision: np.ndarray  # [entity, year] uniform: reinvests that year when below its hazard (× referral effort)
    month: np.ndarray  # month (0–11) of its decision year in which the attempt starts
    lifetime: np.ndarray  # months from construction's end to exit (NEVER for industries without exits)
    stays: np.ndarray  # uniform: stays in the FTZ (land allowing) when below give_up_stays_in_ftz, else lost
    zone: np.ndarray  # uniform choosing among the open zones, weighted by their free land


def industry_areas(scenario: Scenario) -> list[int]:
    """The party index of each industry's FTZ area (the only origin when the scenario has one)."""
    assert scenario.population is not None
    index = {p.id: i for i, p in enumerate(scenario.parties)}
    only = scenario.agreements[0].origin
    return [index[i.area or only] for i in scenario.population.industries]


def draw(scenario: Scenario, seed: np.random.SeedSequence) -> Draws:
    """The population (stock, then each year's cohort) and every attempt's own draws, from their streams."""
    pop = scenario.population
    assert pop is not None
    years = scenario.horizon.years
    areas = industry_areas(scenario)
    common = common_shocks(stream(seed, "shocks"), pop, years)
    rng = stream(seed, "entities")
    entities = register(rng, pop, areas, [i.ftz_entities for i in pop.industries], 0, years, True, common=common)
    for k in range(years):
        counts = [int(rng.poisson(i.registrations(k))) for i in pop.industries]
        entities.append(register(rng, pop, areas, counts, k, years, common=common))
    n = len(entities)
    decision = stream(seed, "decisions").random((n, years))
    attempts = stream(seed, "attempts")
    month = attempts.integers(0, 12, n)
    exit_rate = np.array([i.exit_rate_per_year for i in pop.industries])[entities.industry]
    monthly_exit = 1 - (1 - exit_rate) ** (1 / 12)
    lifetime = np.full(n, NEVER, np.int64)
    exits = monthly_exit > 0
    lifetime[exits] = attempts.geometric(monthly_exit[exits])
    return Draws(entities, decision, month, lifetime, attempts.random(n), attempts.random(n))


class Projects:
    """One row per reinvestment attempt, in the order decided (year, then entity); columns of numpy arrays.

    `landed` is the month land was granted in a zone (NEVER elsewhere: the tax calendar reads it as "in a
    zone"); `ftz_landed` the month a project staying in the FTZ took its land; `operating` and `exit` are the
    project's own, wherever it settled; `agreement` the zone sought (−1 when none was open)."""

    COLUMNS = {
        "entity": np.int64,
        "agreement": np.int64,
        "requested": np.float64,
        "landed": np.float64,
        "ftz_landed": np.float64,
        "operating": np.float64,
        "exit": np.float64,
        "land_ha": np.float64,  # land the project needs (sim.model.economics)
        "investment": np.float64,  # fixed-asset investment, yuan (sim.model.economics)
        "outcome": "<U14",  # OUTCOMES
    }

    def __init__(self, capacity: int):
        self.n = 0
        self.columns = {name: np.zeros(capacity, kind) for name, kind in self.COLUMNS.items()}

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def add(self, entity: np.ndarray, requested: np.ndarray, size: dict) -> np.ndarray:
        """New attempts: their row numbers."""
        rows = np.arange(self.n, self.n + len(entity))
        self.n += len(entity)
        c = self.columns
        c["entity"][rows], c["requested"][rows] = entity, requested
        c["agreement"][rows] = -1
        for name in ("landed", "ftz_landed", "operating", "exit"):
            c[name][rows] = NEVER
        c["land_ha"][rows], c["investment"][rows] = size["land_ha"], size["investment"]
        c["outcome"][rows] = "waiting"
        return rows

    def arrays(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        which = slice(0, self.n) if rows is None else rows
        return {name: column[which].copy() for name, column in self.columns.items()}


@dataclass(frozen=True)
class AssessmentRecord:
    agreement: int
    year: int
    indicators: dict[str, float]
    verdict: Verdict
    awards: int


@dataclass
class Simulation:
    """What one world of one replication leaves behind for the tax calendar, the statistics and the reports."""

    scenario: Scenario
    entities: Entities
    projects: dict[str, np.ndarray]
    events: list[tuple]  # (month, kind, entity, agreement, value: hectares, or yuan invested on landing), by month
    assessments: list[AssessmentRecord]
    revoked: dict[int, int]  # agreement → year of revocation (its sharing stops after that year)
    land: dict[str, float]  # hectares: zone_granted, zone_released (prepared by the hosts), ftz_used
    agreements: bool = True  # False: the no-agreement world


def check_simulatable(scenario: Scenario, source: str) -> None:
    """What a simulation needs beyond a valid scenario: a population, land in each zone, areas resolved."""
    if scenario.population is None:
        raise InputError(source, "population", "population_missing")
    parties = {p.id: p for p in scenario.parties}
    areas = {a.origin for a in scenario.agreements}
    for i, industry in enumerate(scenario.population.industries):
        where = f"population.industries[{i}].area"
        if industry.area is None and len(areas) > 1:
            raise InputError(source, where, "industry_area")
        if industry.area is not None and industry.area not in parties:
            raise InputError(source, where, "area_unknown", value=industry.area)
        if industry.area is not None and industry.area not in areas:
            raise InputError(source, where, "no_agreement_for_area", value=industry.area)
    for i, agreement in enumerate(scenario.agreements):
        if agreement.base.rule == "base_year" and agreement.base.year != scenario.horizon.start_year:
            raise InputError(
                source, f"agreements[{i}].base.year", "simulated_base_year", start=scenario.horizon.start_year
            )
    for i, agreement in enumerate(scenario.agreements):
        if parties[agreement.host].land_ha is None:
            raise InputError(source, f"agreements[{i}].host", "land_missing", value=agreement.host)


class Model:
    """One world of one replication. `run()` advances month by month to the end of the horizon.

    `agreements=False` is the no-agreement world: no zone is ever open, every attempt goes to the FTZ or is
    lost. `draws` are the replication's common draws (`draw(scenario, seed)` when not given)."""

    def __init__(
        self,
        scenario: Scenario,
        seed: np.random.SeedSequence,
        on_year: Callable[[], None] | None = None,
        *,
        draws: Draws | None = None,
        agreements: bool = True,
    ):
        assert scenario.population is not None
        self.s = scenario
        self.pop = scenario.population
        self.draws = draws or draw(scenario, seed)
        self.entities = self.draws.entities
        self.with_agreements = agreements
        self.awards_rng = stream(seed, "assessment")
        self.on_year = on_year
        self.years = scenario.horizon.years
        self.start = scenario.horizon.start_year
        self.env = simpy.Environment()
        party_index = {p.id: i for i, p in enumerate(scenario.parties)}
        self.origin_of = [party_index[a.origin] for a in scenario.agreements]
        hosts = [scenario.parties[party_index[a.host]] for a in scenario.agreements]
        self.approved = [h.approved_year or self.start for h in hosts]
        behavior = scenario.behavior
        self.referral_elasticity = behavior.origin_referral_elasticity if behavior else 0.0
        self.service_elasticity = behavior.host_service_elasticity if behavior else 0.0
        self.reference = scenario.reference_origin_shares()
        self.land_full = [float(h.land_ha) for h in hosts]
        # the most land each host ever prepares: its land × its largest effort over the schedule
        most = [
            max(self.land_target(a, self.start + k) for k in range(self.years)) for a in range(len(scenario.agreements))
        ]
        self.land = [simpy.Container(self.env, capacity=m + 1e-9, init=0) for m in most]
        self.released = [0.0] * len(hosts)
        self.ftz_land = {
            i: None if p.land_ha is None else simpy.Container(self.env, capacity=p.land_ha + 1e-9, init=p.land_ha)
            for i, p in enumerate(scenario.parties)
            if i in set(self.origin_of)
        }
        self.ftz_used = 0.0
        self.granted = 0.0
        self.revoked: dict[int, int] = {}
        self.has_project = np.zeros(len(self.entities), bool)
        self.projects = Projects(len(self.entities))
        self.events: list[tuple] = []
        self.assessments: list[AssessmentRecord] = []
        self.history: dict[int, list[dict[str, float]]] = {}  # agreement → its zone's indicators, year by year
        self.passed: dict[int, dict[int, bool]] = {}
        industries = self.pop.industries
        self.build = np.array([i.build_months for i in industries], np.float64)[self.entities.industry]
        self.rampup = np.array([i.rampup_months for i in industries], np.float64)[self.entities.industry]

    # ------------------------------------------------------------------ shares and effort

    def origin_share(self, a: int, year: int) -> float:
        """The origin's share a new project would bring under agreement a in `year` (0 outside the schedule)."""
        return int(self.s.agreements[a].ratio.in_force(np.array(year), start_year=year)) / PPM

    def land_target(self, a: int, year: int) -> float:
        """The land host a prepares by `year`: its land × its effort at the host's share (`reinvestment`)."""
        host_share = 1 - self.origin_share(a, year)
        return self.land_full[a] * effort(host_share, self.service_elasticity, 1 - self.reference[a])

    def referral_effort(self, a: int, year: int) -> float:
        """The origin's referral effort under agreement a in `year` (`reinvestment.effort`)."""
        return effort(self.origin_share(a, year), self.referral_elasticity, self.reference[a])

    def open_agreements(self, area: int, year: int) -> list[int]:
        if not self.with_agreements:
            return []
        return [
            a
            for a, origin in enumerate(self.origin_of)
            if origin == area and self.approved[a] <= year and a not in self.revoked
        ]

    # ------------------------------------------------------------------ processes

    def run(self) -> Simulation:
        self.env.process(self._calendar())
        self.env.run(until=12 * self.years)
        self.events.sort(key=lambda e: e[0])  # stable: same-month events keep the order they happened in
        land = {"zone_granted": self.granted, "zone_released": float(sum(self.released)), "ftz_used": self.ftz_used}
        return Simulation(
            self.s,
            self.entities,
            self.projects.arrays(),
            self.events,
            self.assessments,
            self.revoked,
            land,
            self.with_agreements,
        )

    def _calendar(self):
        for k in range(self.years):
            year = self.start + k
            if self.with_agreements:
                for a in range(len(self.land)):
                    if self.approved[a] == year and year > self.start:
                        self.events.append((12 * k, "zone_approved", -1, a, 0.0))
                    if self.approved[a] <= year and a not in self.revoked:
                        target = self.land_target(a, year)
                        if target > self.released[a]:
                            yield self.land[a].put(target - self.released[a])
                            self.released[a] = target
            self._decide(k, year)
            yield self.env.timeout(11.5)
            if self.with_agreements and self.s.assessment is not None:
                self._assess(k, year)
            if self.on_year:
                self.on_year()
            yield self.env.timeout(0.5)

    def _decide(self, k: int, year: int) -> None:
        """This year's reinvestment decisions (`sim.model.reinvestment`) by the entities registered before the
        year without a project; each starts an attempt in its own month of the year."""
        e = self.entities
        referral = np.ones(len(e))
        open_by_area = {int(area): self.open_agreements(int(area), year) for area in np.unique(e.area)}
        for area, open_ in open_by_area.items():
            if open_:
                efforts = [self.referral_effort(a, year) for a in open_]
                referral[e.area == area] = float(np.mean(efforts))
        eligible = (e.registered_year < k) & ~self.has_project
        chosen = decide(self.pop, e, self.draws.decision[:, k], eligible, referral)
        if not len(chosen):
            return
        self.has_project[chosen] = True
        month = self.draws.month[chosen]
        size = project_economics(self.pop, e, chosen, np.full(len(chosen), k))
        rows = self.projects.add(chosen, 12 * k + month, size)
        areas = e.area[chosen]
        n_parties = len(self.s.parties)
        area_open = np.array([bool(open_by_area.get(i)) for i in range(n_parties)], bool)
        area_free = np.array([self.ftz_land.get(i) is None for i in range(n_parties)], bool)
        seeks_zone = area_open[areas]
        at_once = ~seeks_zone & area_free[areas]
        self._place_at_once(rows[at_once])
        for row, wait, area in zip(rows[~at_once], month[~at_once], areas[~at_once], strict=True):
            self.env.process(self._attempt(int(row), float(wait), open_by_area[int(area)]))

    def _attempt(self, row: int, wait: float, open_: list[int]):
        """From the attempt's month on: seek an open zone's land, or go to the FTZ (or out of the region)."""
        yield self.env.timeout(wait)
        if open_:
            yield from self._seek_zone(row, open_)
        else:
            yield from self._in_ftz(row, gave_up=False)

    def _place_at_once(self, rows: np.ndarray) -> None:
        """Attempts without an open zone in an FTZ area whose land is not a constraint: stay or lost, at their
        request month, in bulk (the same rule as `_in_ftz`, which needs a process only to queue for land)."""
        p = self.projects
        entity = p["entity"][rows]
        stays = self.draws.stays[entity] < self.pop.give_up_stays_in_ftz
        requested = p["requested"][rows]
        p["outcome"][rows] = np.where(stays, "stayed_in_ftz", "lost_to_region")
        p["ftz_landed"][rows] = np.where(stays, requested, NEVER)
        operating = requested + self.build[entity]
        p["operating"][rows] = np.where(stays, operating, NEVER)
        p["exit"][rows] = np.where(stays, operating + self.draws.lifetime[entity], NEVER)
        self.ftz_used += float(p["land_ha"][rows][stays].sum())
        for month, kind, who, ha in zip(requested, p["outcome"][rows], entity, p["land_ha"][rows], strict=True):
            self.events.append((float(month), str(kind), int(who), -1, float(ha) if kind == "stayed_in_ftz" else 0.0))

    def _seek_zone(self, row: int, open_: list[int]):
        """An attempt with a zone open for its area: choose a zone, wait for its land (or give up), operate."""
        p = self.projects
        entity, land_ha = int(p["entity"][row]), float(p["land_ha"][row])
        a = open_[-1]
        if len(open_) > 1:  # weighted by free land + 1 ha, by the attempt's own uniform (plain Python: per attempt)
            weights = [self.land[z].level + 1.0 for z in open_]
            point, cumulative = float(self.draws.zone[entity]) * sum(weights), 0.0
            for z, w in zip(open_, weights, strict=True):
                cumulative += w
                if point < cumulative:
                    a = z
                    break
        p["agreement"][row] = a
        self.events.append((self.env.now, "land_requested", entity, a, land_ha))
        request = self.land[a].get(land_ha)
        if request.triggered:  # granted at once: no need to watch the patience run out
            yield request
        elif request not in (yield request | self.env.timeout(self.pop.land_patience_months)):
            request.cancel()
            yield from self._in_ftz(row, gave_up=True)
            return
        p["landed"][row] = self.env.now
        p["outcome"][row] = "landed"
        self.granted += land_ha
        self.events.append((self.env.now, "land_granted", entity, a, float(p["investment"][row])))
        yield from self._operate(row, self.land[a], a)

    def _in_ftz(self, row: int, gave_up: bool):
        """Stay in the FTZ where its land allows (taken at once or not at all), else lost to the region."""
        p = self.projects
        entity, land_ha = int(p["entity"][row]), float(p["land_ha"][row])
        land = self.ftz_land[int(self.entities.area[entity])]
        stays = self.draws.stays[entity] < self.pop.give_up_stays_in_ftz and (land is None or land.level >= land_ha)
        if gave_up:
            kind = "gave_up_stayed" if stays else "gave_up_lost"
        else:
            kind = "stayed_in_ftz" if stays else "lost_to_region"
        p["outcome"][row] = kind
        self.events.append((self.env.now, kind, entity, int(p["agreement"][row]), land_ha if stays else 0.0))
        if not stays:
            return
        p["ftz_landed"][row] = self.env.now
        self.ftz_used += land_ha
        if land is not None:
            yield land.get(land_ha)
        yield from self._operate(row, land, None)

    def _operate(self, row: int, land: simpy.Container | None, a: int | None):
        """Build, ramp up and run from now; at exit give the land back. Zone milestones become events."""
        p = self.projects
        entity, land_ha = int(p["entity"][row]), float(p["land_ha"][row])
        horizon_end = 12 * self.years
        operating = self.env.now + self.build[entity]
        exit_month = operating + float(self.draws.lifetime[entity])
        p["operating"][row], p["exit"][row] = operating, exit_month
        if a is not None:
            full = operating + self.rampup[entity]
            if operating < horizon_end:
                self.events.append((operating, "construction_done", entity, a, 0.0))
            if full <= exit_month and full < horizon_end:
                self.events.append((full, "full_production", entity, a, 0.0))
        if exit_month < horizon_end:
            yield self.env.timeout(exit_month - self.env.now)
            if a is not None:
                self.events.append((self.env.now, "exit", entity, a, land_ha))
            if land is not None:
                yield land.put(land_ha)

    def _assess(self, k: int, year: int) -> None:
        """Assess each open zone on this year's indicators; revoke after repeated failure."""
        rule = self.s.assessment
        assert rule is not None
        in_zone = np.flatnonzero(self.projects["landed"][: self.projects.n] < NEVER)
        indicators = zone_indicators(self.s, self.entities, self.projects.arrays(in_zone), k)
        for a in range(len(self.land)):
            if self.approved[a] > year or a in self.revoked:
                continue
            current = indicators[a]
            rate = rule.innovation_awards_per_year
            awards = int(self.awards_rng.poisson(rate)) if rate else 0
            history = self.history.setdefault(a, [])
            history.append(current)
            verdict = assess(rule, history, awards)
            if not verdict.assessed:  # the zone's first year open: the base of the next year's growth
                continue
            self.assessments.append(AssessmentRecord(a, year, current, verdict, awards))
            self.passed.setdefault(a, {})[year] = verdict.passed
            if revocation_year(rule, self.passed[a]) == year:
                self.revoked[a] = year
                self.events.append((12 * k + 11.5, "zone_revoked", -1, a, 0.0))
