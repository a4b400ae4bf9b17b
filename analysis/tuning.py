"""Find the ratios both sides can sign: feasible range, break-evens, Nash, Shapley, formula and joint-gain ratios.

One agreement is tuned along a one-parameter family of ratio schedules (its *shape*), indexed by the origin's
share x in [0, 1]:
- `flat`: one share x for the whole horizon, without sunset or cap (a host floor, a guarantee, is kept);
- `phased`: the agreement's own phases, every phase's share moved by the same amount so that the first is x
  (later phases clipped to [0, 1]); an agreement of one phase tunes like `flat` with its terms kept;
- `capped_term`: one share x with the agreement's own sunset and cap (the 京津冀 form; the agreement must
  have one of them).

Each party's gain is its net fiscal benefit against the no-agreement world (`analysis.projection.net_benefit`:
receipts − receipts without the agreement + attraction reward ± ecological compensation − its part of joint
costs), over the first ten horizon years, discounted to the horizon's start: one number per replication.
When effort does not respond to the shares, every x is a re-split of the same simulations (milliseconds);
when it does (behaviour elasticities), every x is simulated again with the same seed (common random numbers).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from analysis import bargaining
from analysis.projection import Outcome, Projection, holders, net_benefit, project, simulation_key
from sim.errors import InputError
from sim.model.activity import industry_values, monthly
from sim.scenario import Scenario

SHAPES = ("flat", "phased", "capped_term")
OBJECTIVES = ("nash", "shapley", "joint", "host_share")
CANDIDATES = ("nash", "shapley", "joint", "host_share", "break_even_origin", "break_even_host", "formula", "current")
PV_YEARS = 10  # the officials' yardstick: a ten-year gain
GRID = 21  # origin shares 0, 0.05, …, 1
# Shapley values need one simulation per coalition: 2^k − 1 of them for k agreements around one origin or host.
MAX_SHAPLEY_AGREEMENTS = 4
# Joint-gain search when every evaluation is a simulation: grid points, then a bounded search to this tolerance.
JOINT_XATOL = 0.005


@dataclass(frozen=True)
class Sample:
    """Each party's 10-year PV gain (yuan) per replication at one origin share."""

    share: float
    origin: np.ndarray
    host: np.ndarray


@dataclass(frozen=True)
class Blocking:
    """Why no ratio is feasible: the side that blocks (`origin`, `host` or `both`) and its shortfall (yuan) —
    how far its gain at the confidence level stays below zero at the ratio most favourable to it."""

    side: str
    shortfall: float
    share: float


@dataclass(frozen=True)
class ShapleyGame:
    players: list[str]
    coalitions: dict[frozenset, float]  # coalition → joint 10-year PV gain of its members (yuan)
    values: dict[str, float]  # Shapley value per player (yuan)
    switched_off: str = "removed"  # how an agreement outside a coalition is switched off


@dataclass
class Tuning:
    scenario: Scenario
    agreement: str
    shape: str
    objective: str
    confidence: float
    discount_rate: float
    seed: int
    replications: int
    method: str  # "resplit" or "resimulate"
    samples: dict[float, Sample]
    feasible: tuple[float, float] | None
    blocking: Blocking | None
    candidates: dict[str, float | None]
    shapley: ShapleyGame | None
    shapley_note: str  # message key: why Shapley is or is not given
    formula_factors: dict[str, dict[str, float]] | None
    baseline: Projection
    notes: list[str] = field(default_factory=list)  # message keys

    @property
    def tuned(self) -> float | None:
        return self.candidates[self.objective]

    @property
    def party_ids(self) -> tuple[str, str]:
        a = self.scenario.agreements[[x.id for x in self.scenario.agreements].index(self.agreement)]
        return a.origin, a.host

    def table(self) -> list[Sample]:
        return [self.samples[x] for x in sorted(self.samples)]


def six(x: float) -> float:
    """A share as the scenario writes it: six decimals."""
    return round(float(min(max(x, 0.0), 1.0)), 6)


def agreement_index(scenario: Scenario, agreement: str, source: str) -> int:
    from sim.errors import suggestion

    ids = [a.id for a in scenario.agreements]
    if agreement not in ids:
        raise InputError(source, "--agreement", "variant_unknown_id", value=agreement, **suggestion(agreement, ids))
    return ids.index(agreement)


def check_shape(scenario: Scenario, index: int, shape: str, source: str) -> None:
    a = scenario.agreements[index]
    if shape == "capped_term" and a.cap.origin_cumulative_yuan is None and a.sunset_year is None:
        raise InputError(source, "--shape", "tune_capped_term_needs_terms", agreement=a.id)


def with_share(scenario: Scenario, index: int, shape: str, x: float) -> Scenario:
    """The scenario with agreement `index`'s ratio set by `shape` at origin share x (six decimals)."""
    a = scenario.agreements[index]
    start = scenario.horizon.start_year if a.ratio.basis == "calendar_year" else 1
    update: dict = {}
    if shape == "phased" and len(a.ratio.schedule) > 1:
        shift = six(x) - float(a.ratio.schedule[0].origin)
        phases = [{"from": p.start, "to": p.end, "origin": six(float(p.origin) + shift)} for p in a.ratio.schedule]
        update["ratio"] = {"basis": a.ratio.basis, "schedule": phases}
    else:
        first = min(start, a.ratio.schedule[0].start)
        update["ratio"] = {"basis": a.ratio.basis, "schedule": [{"from": first, "origin": six(x)}]}
        if shape == "flat":
            update |= {"sunset_year": None, "cap": {"origin_cumulative_yuan": None}}
    agreements = list(scenario.agreements)
    agreements[index] = a.model_copy(update=update)
    return scenario.model_copy(update={"agreements": agreements})


def current_share(scenario: Scenario, index: int, shape: str) -> float:
    """Today's ratio as the shape's parameter: the first phase's share (`phased`), otherwise the share in force
    averaged over the ten-year window (a single-phase schedule gives its own share)."""
    a = scenario.agreements[index]
    if shape == "phased" or len(a.ratio.schedule) == 1:
        return float(a.ratio.schedule[0].origin)
    h = scenario.horizon
    years = np.arange(h.start_year, h.start_year + min(PV_YEARS, h.years))
    when = years if a.ratio.basis == "calendar_year" else years - h.start_year + 1
    return six(float(a.ratio.in_force(when).mean()) / 1e6)


def discount(scenario: Scenario, rate: float) -> np.ndarray:
    years = min(PV_YEARS, scenario.horizon.years)
    return (1 + rate) ** -np.arange(years, dtype=np.float64)


def pv_gains(scenario: Scenario, outcomes: list[Outcome], parties: list[str], rate: float) -> np.ndarray:
    """[replication, party] 10-year PV net fiscal gain (yuan) of each named party under `scenario`'s terms."""
    ids = holders(scenario)
    rows = [ids.index(p) for p in parties]
    factor = discount(scenario, rate)
    out = np.empty((len(outcomes), len(parties)))
    for r, outcome in enumerate(outcomes):
        gain = net_benefit(scenario, outcome)[rows, : len(factor)].astype(np.float64) / 100
        out[r] = gain @ factor
    return out


class Evaluator:
    """Gains at any origin share, cached: re-split from one projection, or simulated anew with the same seed."""

    def __init__(
        self,
        scenario: Scenario,
        index: int,
        shape: str,
        seed: int,
        replications: int,
        rate: float,
        workers: int = 1,
        scheduler: str | None = None,
    ):
        self.scenario, self.index, self.shape, self.rate = scenario, index, shape, rate
        self.seed, self.replications, self.workers, self.scheduler = seed, replications, workers, scheduler
        a = scenario.agreements[index]
        self.parties = [a.origin, a.host]
        self.baseline = self._project(scenario)
        probe = with_share(scenario, index, shape, 0.123456)
        self.resimulate = simulation_key(probe) != simulation_key(scenario)
        self.cache: dict[float, Sample] = {}
        self.simulations = 1

    @property
    def method(self) -> str:
        return "resimulate" if self.resimulate else "resplit"

    def _project(self, scenario: Scenario) -> Projection:
        return project(scenario, self.seed, self.replications, self.workers)

    def outcomes(self, x: float) -> tuple[Scenario, list[Outcome]]:
        """The variant at share x and the outcomes its gains come from (the baseline's, re-split, or its own)."""
        variant = with_share(self.scenario, self.index, self.shape, x)
        if not self.resimulate:
            return variant, self.baseline.outcomes
        self.simulations += 1
        return variant, self._project(variant).outcomes

    def prefetch(self, shares: list[float]) -> None:
        """Simulate several shares at once — on `workers` processes or the Dask scheduler — when every share
        needs its own simulation (`analysis.backend.map_ordered`: results in share order)."""
        todo = list(dict.fromkeys(six(x) for x in shares if six(x) not in self.cache))
        if not self.resimulate or not todo or (self.workers == 1 and self.scheduler is None):
            return
        from analysis.backend import map_ordered

        variants = [with_share(self.scenario, self.index, self.shape, x) for x in todo]
        jobs = [(v, self.seed, self.replications) for v in variants]
        for x, v, outcomes in zip(
            todo, variants, map_ordered(_outcomes, jobs, self.workers, self.scheduler), strict=True
        ):
            self.simulations += 1
            self.cache[x] = self._sample(x, v, outcomes)

    def _sample(self, x: float, variant: Scenario, outcomes: list[Outcome]) -> Sample:
        g = pv_gains(variant, outcomes, self.parties, self.rate)
        return Sample(x, g[:, 0], g[:, 1])

    def __call__(self, x: float) -> Sample:
        x = six(x)
        if x not in self.cache:
            self.cache[x] = self._sample(x, *self.outcomes(x))
        return self.cache[x]


def _outcomes(scenario: Scenario, seed: int, replications: int) -> list[Outcome]:
    return project(scenario, seed, replications).outcomes


def tune(
    scenario: Scenario,
    agreement: str,
    shape: str = "flat",
    objective: str = "nash",
    confidence: float = 0.9,
    replications: int = 20,
    seed: int | None = None,
    rate: float = 0.03,
    workers: int = 1,
    scheduler: str | None = None,
    source: str = "scenario",
) -> Tuning:
    index = agreement_index(scenario, agreement, source)
    check_shape(scenario, index, shape, source)
    seed = scenario.population.seed if seed is None else seed
    gains = Evaluator(scenario, index, shape, seed, replications, rate, workers, scheduler)
    grid = np.linspace(0.0, 1.0, GRID)
    gains.prefetch(list(grid))
    at = [gains(x) for x in grid]

    def mean(side: str) -> Callable[[float], float]:
        return lambda x: float(getattr(gains(x), side).mean())

    def margin(side: str) -> Callable[[float], float]:
        return lambda x: bargaining.margin(getattr(gains(x), side), confidence)

    m_origin = np.array([bargaining.margin(s.origin, confidence) for s in at])
    m_host = np.array([bargaining.margin(s.host, confidence) for s in at])
    feasible, blocking = feasible_range(grid, m_origin, m_host, margin("origin"), margin("host"))
    notes: list[str] = []
    candidates: dict[str, float | None] = dict.fromkeys(CANDIDATES)
    mean_origin = np.array([s.origin.mean() for s in at])
    mean_host = np.array([s.host.mean() for s in at])
    candidates["break_even_origin"] = _six(bargaining.break_even(mean("origin"), grid, mean_origin, lowest=True))
    candidates["break_even_host"] = _six(bargaining.break_even(mean("host"), grid, mean_host, lowest=False))
    candidates["current"] = current_share(scenario, index, shape)
    if feasible is not None:
        low, high = feasible
        candidates["nash"] = _six(bargaining.nash(mean("origin"), mean("host"), low, high), feasible)
        candidates["host_share"] = _six(bargaining.maximise(mean("host"), low, high), feasible)
    if gains.resimulate:
        joint = bargaining.maximise(lambda x: mean("origin")(x) + mean("host")(x), 0.0, 1.0, GRID, JOINT_XATOL)
        candidates["joint"] = _six(joint)
    else:
        notes.append("tune_note_joint_flat")
    game, shapley_note = shapley_game(gains, scenario, index, seed, replications, rate)
    if game is not None:
        a = scenario.agreements[index]
        target = np.array([game.values[a.origin], game.values[a.host]])
        candidates["shapley"] = _six(
            bargaining.closest(lambda x: np.array([mean("origin")(x), mean("host")(x)]), target)
        )
    factors = formula_factors(gains.baseline, index)
    if factors is not None:
        candidates["formula"] = _six(bargaining.formula_share(factors["origin"], factors["host"]))
    for name in CANDIDATES:
        if candidates[name] is not None:
            gains(candidates[name])
    if feasible is not None:
        for x in feasible:
            gains(x)
    return Tuning(
        scenario,
        agreement,
        shape,
        objective,
        confidence,
        rate,
        seed,
        replications,
        gains.method,
        dict(gains.cache),
        feasible,
        blocking,
        candidates,
        game,
        shapley_note,
        factors,
        gains.baseline,
        notes,
    )


def _six(x: float | None, within: tuple[float, float] | None = None) -> float | None:
    if x is None:
        return None
    x = six(x)
    if within is not None:
        x = min(max(x, within[0]), within[1])
    return x


def feasible_range(
    grid: np.ndarray,
    m_origin: np.ndarray,
    m_host: np.ndarray,
    origin: Callable[[float], float],
    host: Callable[[float], float],
) -> tuple[tuple[float, float] | None, Blocking | None]:
    """The widest run of shares where both participation margins are positive, its ends found by brentq between
    the grid points around them and written with six decimals inside the range; or who blocks and by how much."""
    ok = (m_origin > 0) & (m_host > 0)
    if not ok.any():
        return None, blocking_side(grid, m_origin, m_host)
    runs, start = [], None
    for i, good in enumerate([*ok, False]):
        if good and start is None:
            start = i
        elif not good and start is not None:
            runs.append((start, i - 1))
            start = None
    first, last = max(runs, key=lambda r: r[1] - r[0])
    low = float(grid[first])
    if first > 0:
        f = origin if m_origin[first - 1] <= 0 else host
        low = _inside(f, bargaining.root(f, grid[first - 1], grid[first]), grid[first], up=True)
    high = float(grid[last])
    if last < len(grid) - 1:
        f = host if m_host[last + 1] <= 0 else origin
        high = _inside(f, bargaining.root(f, grid[last], grid[last + 1]), grid[last], up=False)
    return (low, high), None


def _inside(f: Callable[[float], float], x: float, fallback: float, up: bool) -> float:
    """The six-decimal share next to root x on the feasible side (where f > 0)."""
    step = 1e-6
    candidate = math.ceil(x * 1e6 - 1e-6) / 1e6 if up else math.floor(x * 1e6 + 1e-6) / 1e6
    for _ in range(3):
        if f(candidate) > 0:
            return six(candidate)
        candidate += step if up else -step
    return six(fallback)


def blocking_side(grid: np.ndarray, m_origin: np.ndarray, m_host: np.ndarray) -> Blocking:
    """Who blocks: a side whose margin is not positive even at the ratio best for it (the origin at share 1,
    the host at 0); otherwise both, with their combined shortfall at the share where it is smallest."""
    if m_origin.max() <= 0:
        i = int(np.argmax(m_origin))
        return Blocking("origin", float(-m_origin[i]), float(grid[i]))
    if m_host.max() <= 0:
        i = int(np.argmax(m_host))
        return Blocking("host", float(-m_host[i]), float(grid[i]))
    short = np.maximum(-m_origin, 0) + np.maximum(-m_host, 0)
    i = int(np.argmin(short))
    return Blocking("both", float(short[i]), float(grid[i]))


def shapley_group(scenario: Scenario, index: int) -> list[int]:
    """The agreements sharing the tuned agreement's origin or host: the game's agreements."""
    a = scenario.agreements[index]
    return [i for i, b in enumerate(scenario.agreements) if b.origin == a.origin or b.host == a.host]


def without_agreements(scenario: Scenario, off: set[int]) -> Scenario:
    """The scenario with agreements `off` removed — and the industries of an origin left with no agreement,
    whose entities could then only stay in the FTZ (no gain either way)."""
    kept = [a for i, a in enumerate(scenario.agreements) if i not in off]
    origins = {a.origin for a in kept}
    update: dict = {"agreements": kept}
    if scenario.population is not None:
        industries = [k for k in scenario.population.industries if k.area is None or k.area in origins]
        update["population"] = scenario.population.model_copy(update={"industries": industries})
    return scenario.model_copy(update=update)


def shapley_game(
    gains: Evaluator, scenario: Scenario, index: int, seed: int, replications: int, rate: float
) -> tuple[ShapleyGame | None, str]:
    """The coalition game among the parties of the agreements around the tuned one: v(S) is the members' joint
    10-year PV gain with only the agreements among them in force (the others removed, same seed)."""
    group = shapley_group(scenario, index)
    if len(group) < 2:
        return None, "tune_shapley_two_parties"
    if len(group) > MAX_SHAPLEY_AGREEMENTS:
        return None, "tune_shapley_too_many"
    agreements = scenario.agreements
    players = list(dict.fromkeys(p for i in group for p in (agreements[i].origin, agreements[i].host)))
    all_players = frozenset(players)
    values: dict[frozenset, float] = {}

    def value(coalition: frozenset) -> float:
        inside = {i for i in group if {agreements[i].origin, agreements[i].host} <= coalition}
        if not inside:
            return 0.0
        key = frozenset(inside)
        if key not in values:
            if coalition == all_players or inside == set(group):
                projection, variant = gains.baseline, scenario
            else:
                variant = without_agreements(scenario, set(group) - inside)
                projection = project(variant, seed, replications, gains.workers)
                gains.simulations += 1
            members = [p for p in players if p in coalition]
            values[key] = float(pv_gains(variant, projection.outcomes, members, rate).sum(axis=1).mean())
        return values[key]

    shapley = bargaining.shapley(players, value)
    coalitions = {}
    for size in range(1, len(players) + 1):
        for group_players in itertools.combinations(players, size):
            coalitions[frozenset(group_players)] = value(frozenset(group_players))
    return ShapleyGame(players, coalitions, shapley), "tune_shapley_removed"


def formula_factors(baseline: Projection, index: int) -> dict[str, dict[str, float]] | None:
    """Revenue, payroll and assets of the agreement's landed projects over the ten-year window (first
    replication), split between the FTZ (headquarters functions that stay) and the zone (production): the zone
    has the production shares of revenue and payroll and the fixed-asset investment; the model keeps no balance
    sheet of the FTZ side, so its assets are taken in proportion to the revenue it keeps."""
    sim = baseline.first.simulation
    s = baseline.scenario
    projects = sim.projects
    if not len(projects["entity"]):
        return None
    mine = (projects["agreement"] == index) & (projects["outcome"] == "landed")
    if not mine.any():
        return None
    chosen = {k: v[mine] for k, v in projects.items()}
    months = np.arange(12 * min(PV_YEARS, s.horizon.years))
    flows = monthly(s, sim.entities, chosen, months)
    zone = {"revenue": flows["revenue"].sum(axis=1), "payroll": flows["payroll"].sum(axis=1)}
    kept = {k: 1 - industry_values(s, sim.entities, chosen, f"production_share.{k}") for k in ("revenue", "payroll")}
    ftz = {k: _other_side(zone[k], kept[k]) for k in zone}
    assets_zone = chosen["investment"] * (zone["revenue"] > 0)
    assets_ftz = _other_side(assets_zone, kept["revenue"])
    origin = {"revenue": ftz["revenue"].sum(), "payroll": ftz["payroll"].sum(), "assets": assets_ftz.sum()}
    host = {"revenue": zone["revenue"].sum(), "payroll": zone["payroll"].sum(), "assets": assets_zone.sum()}
    return {"origin": {k: float(v) for k, v in origin.items()}, "host": {k: float(v) for k, v in host.items()}}


def _other_side(zone: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """What the FTZ side has when the zone has `zone` and the FTZ keeps the share `kept` of the whole."""
    moved = 1 - kept
    return np.divide(zone * kept, moved, out=np.zeros_like(zone, dtype=np.float64), where=moved > 0)
