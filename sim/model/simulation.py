"""The SimPy model: FTZ entities reinvest in collaborative zones, queue for land, build, ramp up, exit.

SimPy carries what is discrete and interacting — yearly registrations and reinvestment decisions, each
project's wait for a zone's land (a `simpy.Container`, with patience), construction, ramp-up to full
production (达产), exit and the land it frees, zones approved on a schedule, the yearly assessment and
revocation. Revenue and taxes of all projects are bulk numpy work on the timestamps this leaves behind
(`sim.tax_calendar`), so no process ticks per entity per month.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy

from sim.apportion import PPM
from sim.errors import InputError
from sim.model.activity import zone_indicators
from sim.model.assessment import Verdict, assess, revocation_year
from sim.model.economics import project_economics
from sim.model.entities import Entities, register
from sim.model.reinvestment import decide, effort
from sim.scenario import Scenario

NEVER = 10**9  # a month index beyond any horizon


@dataclass
class Projects:
    """One row per reinvestment attempt, in the order attempts were made."""

    entity: list[int] = field(default_factory=list)
    agreement: list[int] = field(default_factory=list)
    requested: list[float] = field(default_factory=list)  # month of the request
    landed: list[float] = field(default_factory=list)  # month land was granted, or NEVER
    operating: list[float] = field(default_factory=list)  # construction done, production starts ramping
    exit: list[float] = field(default_factory=list)  # month it closed, or NEVER
    exempt: list[bool] = field(default_factory=list)  # qualifies for the local CIT exemption
    land_ha: list[float] = field(default_factory=list)  # land the project needs (sim.model.economics)
    investment: list[float] = field(default_factory=list)  # fixed-asset investment, yuan (sim.model.economics)
    outcome: list[str] = field(default_factory=list)  # waiting / landed / gave_up_stayed / gave_up_lost

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.array(getattr(self, name)) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class AssessmentRecord:
    agreement: int
    year: int
    indicators: dict[str, float]
    verdict: Verdict
    awards: int


@dataclass
class Simulation:
    """What one replication leaves behind for the tax calendar, the statistics and the reports."""

    scenario: Scenario
    entities: Entities
    projects: dict[str, np.ndarray]
    events: list[tuple]  # (month, kind, entity, agreement, value: hectares, or yuan invested on landing)
    assessments: list[AssessmentRecord]
    revoked: dict[int, int]  # agreement → year of revocation (its sharing stops after that year)


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
    """One replication. `run()` advances month by month to the end of the horizon."""

    def __init__(self, scenario: Scenario, rng: np.random.Generator, on_year: Callable[[], None] | None = None):
        assert scenario.population is not None
        self.s = scenario
        self.pop = scenario.population
        self.rng = rng
        self.on_year = on_year
        self.years = scenario.horizon.years
        self.start = scenario.horizon.start_year
        self.env = simpy.Environment()
        party_index = {p.id: i for i, p in enumerate(scenario.parties)}
        only_area = scenario.agreements[0].origin
        self.industry_area = [party_index[i.area or only_area] for i in self.pop.industries]
        self.origin_of = [party_index[a.origin] for a in scenario.agreements]
        hosts = [scenario.parties[party_index[a.host]] for a in scenario.agreements]
        self.approved = [h.approved_year or self.start for h in hosts]
        # land effort can at most double the land prepared: (host share 1 / 0.5) ** elasticity
        most_effort = 2.0 ** (scenario.behavior.host_service_elasticity if scenario.behavior else 0.0)
        self.land = [simpy.Container(self.env, capacity=h.land_ha * most_effort + 1e-9, init=0) for h in hosts]
        self.land_full = [h.land_ha for h in hosts]
        self.released = [0.0] * len(hosts)
        self.revoked: dict[int, int] = {}
        self.entities = register(rng, self.pop, self.industry_area, [0] * len(self.pop.industries), 0, self.years)
        self.has_project = np.zeros(0, bool)
        self.projects = Projects()
        self.events: list[tuple] = []
        self.assessments: list[AssessmentRecord] = []
        self.history: dict[int, list[dict[str, float]]] = {}  # agreement → its zone's indicators, year by year
        self.passed: dict[int, dict[int, bool]] = {}

    # ------------------------------------------------------------------ shares and effort

    def origin_share(self, a: int, year: int) -> float:
        """The origin's share a new project would bring under agreement a in `year` (0 outside the schedule)."""
        return int(self.s.agreements[a].ratio.in_force(np.array(year), start_year=year)) / PPM

    def open_agreements(self, area: int, year: int) -> list[int]:
        return [
            a
            for a, origin in enumerate(self.origin_of)
            if origin == area and self.approved[a] <= year and a not in self.revoked
        ]

    # ------------------------------------------------------------------ processes

    def run(self) -> Simulation:
        self.env.process(self._calendar())
        self.env.run(until=12 * self.years)
        return Simulation(self.s, self.entities, self.projects.arrays(), self.events, self.assessments, self.revoked)

    def _calendar(self):
        behavior = self.s.behavior
        for k in range(self.years):
            year = self.start + k
            for a in range(len(self.land)):
                if self.approved[a] == year and year > self.start:
                    self.events.append((12 * k, "zone_approved", -1, a, 0.0))
                if self.approved[a] <= year and a not in self.revoked:
                    elasticity = behavior.host_service_elasticity if behavior else 0.0
                    target = self.land_full[a] * effort(1 - self.origin_share(a, year), elasticity)
                    if target > self.released[a]:
                        yield self.land[a].put(target - self.released[a])
                        self.released[a] = target
            if k == 0:
                self._register([i.ftz_entities for i in self.pop.industries], 0, stock=True)
            self._decide(k, year)
            self._register([int(self.rng.poisson(i.new_per_year)) for i in self.pop.industries], k)
            yield self.env.timeout(11.5)
            if self.s.assessment is not None:
                self._assess(k, year)
            if self.on_year:
                self.on_year()
            yield self.env.timeout(0.5)

    def _register(self, counts: list[int], k: int, stock: bool = False) -> None:
        """A cohort: the starting stock before year 0's decisions, then each year's new registrations,
        which decide from the next year on."""
        cohort = register(self.rng, self.pop, self.industry_area, counts, k, self.years, stock)
        self.entities.append(cohort)
        self.has_project = np.concatenate([self.has_project, np.zeros(len(cohort), bool)])

    def _decide(self, k: int, year: int) -> None:
        """This year's reinvestment decisions (`sim.model.reinvestment`); each chosen entity starts a project."""
        if len(self.entities) == 0:
            return
        elasticity = self.s.behavior.origin_referral_elasticity if self.s.behavior else 0.0
        referral = {}
        for area in np.unique(self.entities.area):
            open_ = self.open_agreements(int(area), year)
            if open_:
                referral[int(area)] = float(np.mean([effort(self.origin_share(a, year), elasticity) for a in open_]))
        chosen, delays = decide(self.rng, self.pop, self.entities, self.has_project, referral)
        self.has_project[chosen] = True
        for entity, delay in zip(chosen, delays, strict=True):
            self.env.process(self._project(int(entity), float(delay)))

    def _project(self, entity: int, delay: float):
        """One reinvestment: choose a zone, wait for its land (or give up), build, ramp up, run, exit."""
        yield self.env.timeout(delay)
        p = len(self.projects.entity)
        spec = self.pop.industries[self.entities.industry[entity]]
        year = self.start + int(self.env.now // 12)
        open_ = self.open_agreements(int(self.entities.area[entity]), year)
        assert open_, "entities decide only while a zone of their area is open, and zones change at year ends"
        self._record(entity)
        size = project_economics(self.pop, self.entities, np.array([entity]), np.array([year - self.start]))
        land_ha, investment = float(size["land_ha"][0]), float(size["investment"][0])
        self.projects.land_ha[p] = land_ha
        self.projects.investment[p] = investment
        weights = np.array([self.land[a].level for a in open_]) + 1.0
        a = open_[int(self.rng.choice(len(open_), p=weights / weights.sum()))]
        self.projects.agreement[p] = a
        self.events.append((self.env.now, "land_requested", entity, a, land_ha))
        request = self.land[a].get(land_ha)
        result = yield request | self.env.timeout(self.pop.land_patience_months)
        if request not in result:
            request.cancel()
            stays = self.rng.random() < self.pop.give_up_stays_in_ftz
            self.projects.outcome[p] = "gave_up_stayed" if stays else "gave_up_lost"
            self.events.append((self.env.now, "gave_up_stayed" if stays else "gave_up_lost", entity, a, 0.0))
            return
        landed = self.env.now
        self.projects.landed[p] = landed
        self.projects.operating[p] = landed + spec.build_months
        self.projects.exempt[p] = bool(self.rng.random() < spec.cit_exempt_share)
        self.projects.outcome[p] = "landed"
        self.events.append((landed, "land_granted", entity, a, investment))
        monthly_exit = 1 - (1 - spec.exit_rate_per_year) ** (1 / 12)
        lifetime = self.rng.geometric(monthly_exit) if monthly_exit > 0 else NEVER
        exit_month = landed + spec.build_months + lifetime
        self.projects.exit[p] = float(exit_month)
        yield self.env.timeout(spec.build_months)
        self.events.append((self.env.now, "construction_done", entity, a, 0.0))
        horizon_end = 12 * self.years
        full = self.env.now + spec.rampup_months
        if full <= min(exit_month, horizon_end):
            yield self.env.timeout(spec.rampup_months)
            self.events.append((self.env.now, "full_production", entity, a, 0.0))
        if exit_month < horizon_end:
            yield self.env.timeout(exit_month - self.env.now)
            self.events.append((self.env.now, "exit", entity, a, land_ha))
            yield self.land[a].put(land_ha)

    def _record(self, entity: int) -> None:
        self.projects.entity.append(entity)
        self.projects.agreement.append(0)
        self.projects.outcome.append("waiting")
        self.projects.requested.append(self.env.now)
        self.projects.landed.append(NEVER)
        self.projects.operating.append(NEVER)
        self.projects.exit.append(NEVER)
        self.projects.exempt.append(False)
        self.projects.land_ha.append(0.0)
        self.projects.investment.append(0.0)

    def _assess(self, k: int, year: int) -> None:
        """Assess each open zone on this year's indicators; revoke after repeated failure."""
        rule = self.s.assessment
        assert rule is not None
        indicators = zone_indicators(self.s, self.entities, self.projects.arrays(), k)
        for a in range(len(self.land)):
            if self.approved[a] > year or a in self.revoked:
                continue
            current = indicators[a]
            awards = int(self.rng.poisson(rule.innovation_awards_per_year)) if rule.innovation_awards_per_year else 0
            history = self.history.setdefault(a, [])
            history.append(current)
            verdict = assess(rule, history, awards)
            self.assessments.append(AssessmentRecord(a, year, current, verdict, awards))
            self.passed.setdefault(a, {})[year] = verdict.passed
            if revocation_year(rule, self.passed[a]) == year:
                self.revoked[a] = year
                self.events.append((12 * k + 11.5, "zone_revoked", -1, a, 0.0))
