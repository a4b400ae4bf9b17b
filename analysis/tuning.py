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
When effort does not respond to the shares, every x is an exact re-split of the same simulations, only the
tuned agreement split again (`Resplit`); when it does (behaviour elasticities, measured against the ratio as
written: `status_quo_effort`), the 21 grid shares are simulated again with the same seed (common random
numbers), in parallel, the searches run on the grid's interpolant, and each share they find is simulated.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.interpolate import CubicSpline

from analysis import bargaining
from analysis.projection import (
    Outcome,
    Projection,
    holders,
    net_benefit,
    project,
    simulation_key,
    with_revocations,
)
from sim.errors import InputError
from sim.model.activity import industry_values, monthly
from sim.parameters import value_at
from sim.scenario import Agreement, Scenario
from sim.sharing.cube import Cube
from sim.sharing.fiscal import fiscal_balance
from sim.sharing.split import allocate

SHAPES = ("flat", "phased", "capped_term")
OBJECTIVES = ("nash", "shapley", "joint", "host_share")
CANDIDATES = ("nash", "shapley", "joint", "host_share", "break_even_origin", "break_even_host", "formula", "current")
PV_YEARS = 10  # the officials' yardstick: a ten-year gain
GRID = 21  # origin shares 0, 0.05, …, 1
# Shapley values need one simulation per coalition: 2^k − 1 of them for k agreements around one origin or host.
MAX_SHAPLEY_AGREEMENTS = 4


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
    # the gains under today's terms exactly as written (phases, cap, sunset), when the shape's parameter at
    # `candidates["current"]` stands in for different terms; its `share` is that parameter
    written: Sample | None = None

    @property
    def tuned(self) -> float | None:
        return self.candidates[self.objective]

    @property
    def terms(self) -> Agreement:
        """The tuned agreement as the scenario writes it."""
        return next(a for a in self.scenario.agreements if a.id == self.agreement)

    @property
    def party_ids(self) -> tuple[str, str]:
        return self.terms.origin, self.terms.host

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


def status_quo_effort(scenario: Scenario, index: int, source: str) -> Scenario:
    """The scenario with effort measured against its ratio as written, whatever share is tried.

    Left unnamed, the reference share effort responds to is each agreement's first phase (`sim.model.reinvestment`),
    which a tuned share would move too — and effort would never respond. So the reference is written in: the
    agreements' common first-phase share; when they differ, one reference cannot keep them all as they are and
    the scenario must name it."""
    b = scenario.behavior
    if b is None or b.reference_origin_share is not None:
        return scenario
    if b.origin_referral_elasticity == 0 and b.host_service_elasticity == 0:
        return scenario
    firsts = sorted(set(scenario.reference_origin_shares()))  # unnamed: each agreement's first phase
    if len(firsts) > 1:
        raise InputError(
            source,
            "behavior.reference_origin_share",
            "tune_behavior_needs_reference",
            agreement=scenario.agreements[index].id,
            shares=", ".join(f"{x:g}" for x in firsts),
        )
    return scenario.model_copy(update={"behavior": b.model_copy(update={"reference_origin_share": firsts[0]})})


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


def averages_phases(a: Agreement, shape: str) -> bool:
    """Whether today's ratio, as the shape's parameter, is an average of several phases (`current_share`)."""
    return shape != "phased" and len(a.ratio.schedule) > 1


def current_share(scenario: Scenario, index: int, shape: str) -> float:
    """Today's ratio as the shape's parameter: the first phase's share (`phased`), otherwise the share in force
    averaged over the ten-year window (a single-phase schedule gives its own share)."""
    a = scenario.agreements[index]
    if not averages_phases(a, shape):
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
    net = np.stack([net_benefit(scenario, outcome)[rows] for outcome in outcomes])
    return present_value(net, discount(scenario, rate))


def present_value(net: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """[..., year] fen → [...] yuan, discounted over the first len(factor) years."""
    return (net[..., : len(factor)].astype(np.float64) / 100) @ factor


class Resplit:
    """Exact gains (int64 fen until the present value) at any terms of one agreement, from one set of simulations.

    A party's net benefit is a sum over agreements, each split and balanced by its own terms alone
    (`allocate`, `fiscal_balance`), plus what no agreement's terms touch (the FTZ's part, the no-agreement
    receipts). So everything but the tuned agreement's part is computed once, from the baseline projection, and a
    new share splits only that agreement's cells: a cube with the other agreements masked out."""

    def __init__(self, baseline: Projection, index: int, parties: list[str], rate: float):
        s = baseline.scenario
        ids = holders(s)
        self.index, self.years, self.factor = index, s.horizon.years, discount(s, rate)
        self.outcomes = baseline.outcomes
        self.cubes = [_only(o.cube, index) for o in self.outcomes]
        self.investment = [_investment(o, len(s.agreements)) for o in self.outcomes]
        self.fixed = baseline.net_benefit[:, [ids.index(p) for p in parties]] - self.own(s)

    def own(self, variant: Scenario) -> np.ndarray:
        """[replication, side (origin, host), year] fen: the tuned agreement's receipts + reward ± compensation −
        cost for each side under `variant`'s terms (a revoked zone's sharing ended as in its replication)."""
        effective: dict[int | None, Scenario] = {}
        out = np.empty((len(self.outcomes), 2, self.years), np.int64)
        for r, (outcome, cube, investment) in enumerate(zip(self.outcomes, self.cubes, self.investment, strict=True)):
            year = outcome.revoked.get(self.index)
            if year not in effective:
                effective[year] = with_revocations(variant, {} if year is None else {self.index: year})
            s = effective[year]
            balance = fiscal_balance(s, allocate(cube, s), investment)
            out[r] = balance.net[self.index, -self.years :].T
        return out

    def net(self, variant: Scenario) -> np.ndarray:
        """[replication, side, year] fen: each side's net benefit (`analysis.projection.net_benefit`'s rows)."""
        return self.fixed + self.own(variant)

    def __call__(self, variant: Scenario) -> np.ndarray:
        """[replication, side] yuan: each side's 10-year PV gain."""
        return present_value(self.net(variant), self.factor)


def _only(cube: Cube, index: int) -> Cube:
    """The cube with every agreement but `index` marked empty (the core skips an agreement without rows)."""
    present = np.zeros_like(cube.present)
    present[index] = cube.present[index]
    return replace(cube, present=present)


def _investment(outcome: Outcome, agreements: int) -> np.ndarray:
    """Landed investment [agreement, cube year] fen, as `fiscal_balance` takes it (zero before the horizon)."""
    out = np.zeros((agreements, outcome.cube.total.shape[1]), np.int64)
    out[:, -outcome.landed.shape[1] :] = outcome.landed
    return out


class Interpolated:
    """Gains between the grid's shares — each replication's gain a cubic spline through its grid values — for the
    searches when every exact evaluation is a simulation. Smooth, so a maximum can lie between grid shares (a
    linear interpolant would put every maximum of the joint gain on the grid); every share found is then
    simulated and tabled with its own gains."""

    def __init__(self, samples: list[Sample]):
        shares = np.array([s.share for s in samples])
        self.origin = CubicSpline(shares, np.stack([s.origin for s in samples]), axis=0)
        self.host = CubicSpline(shares, np.stack([s.host for s in samples]), axis=0)

    def __call__(self, x: float) -> Sample:
        x = six(x)
        return Sample(x, self.origin(x), self.host(x))


class Evaluator:
    """Gains at any origin share, cached: re-split exactly from one projection (`Resplit`), or — when effort
    responds to the shares — simulated anew with the same seed, many shares at once on `workers` processes or
    the Dask `scheduler` (`analysis.backend.map_ordered`: results in share order, identical on any backend)."""

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
        baseline: Projection | None = None,
    ):
        self.scenario, self.index, self.shape, self.rate = scenario, index, shape, rate
        self.seed, self.replications, self.workers, self.scheduler = seed, replications, workers, scheduler
        a = scenario.agreements[index]
        self.parties = [a.origin, a.host]
        probe = with_share(scenario, index, shape, 0.123456)
        self.resimulate = simulation_key(probe) != simulation_key(scenario)
        self.cache: dict[float, Sample] = {}
        self.simulations = 0  # projections run (each of `replications` replications)
        # a projection already made of exactly this scenario, seed and replications (the app's) is re-split
        same = baseline is not None and (baseline.scenario.sha256(), baseline.seed, len(baseline.outcomes)) == (
            scenario.sha256(),
            seed,
            replications,
        )
        self._baseline: Projection | None = baseline if same else None
        self._resplit: Resplit | None = None

    @property
    def method(self) -> str:
        return "resimulate" if self.resimulate else "resplit"

    @property
    def baseline(self) -> Projection:
        """The scenario as written, projected (simulated once, or in the first batch of shares)."""
        if self._baseline is None:
            self._baseline = project(self.scenario, self.seed, self.replications, self.workers)
            self.simulations += 1
        return self._baseline

    def prefetch(self, shares: list[float]) -> None:
        """Simulate every share not yet known — and the baseline, if not yet run — in one batch, when each share
        needs its own simulation. Each task is one share's projection, run on one worker."""
        todo = list(dict.fromkeys(six(x) for x in shares if six(x) not in self.cache))
        if not self.resimulate or not todo:
            return
        from analysis.backend import map_ordered

        variants = [with_share(self.scenario, self.index, self.shape, x) for x in todo]
        jobs = [(v, self.seed, self.replications, False) for v in variants]
        if self._baseline is None:
            jobs.append((self.scenario, self.seed, self.replications, True))
        done = map_ordered(_simulated, jobs, self.workers, self.scheduler)
        self.simulations += len(jobs)
        if self._baseline is None:
            self._baseline = done.pop()
        for x, v, outcomes in zip(todo, variants, done, strict=True):
            g = pv_gains(v, outcomes, self.parties, self.rate)
            self.cache[x] = Sample(x, g[:, 0], g[:, 1])

    def __call__(self, x: float) -> Sample:
        x = six(x)
        if x not in self.cache:
            if self.resimulate:
                self.prefetch([x])
            else:
                if self._resplit is None:
                    self._resplit = Resplit(self.baseline, self.index, self.parties, self.rate)
                g = self._resplit(with_share(self.scenario, self.index, self.shape, x))
                self.cache[x] = Sample(x, g[:, 0], g[:, 1])
        return self.cache[x]


def _simulated(scenario: Scenario, seed: int, replications: int, whole: bool) -> Projection | list[Outcome]:
    """One share's simulations (a top-level function, for any backend): the projection, or just its outcomes."""
    projection = project(scenario, seed, replications)
    return projection if whole else projection.outcomes


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
    baseline: Projection | None = None,
) -> Tuning:
    """Every candidate ratio of one agreement. The grid's shares are evaluated exactly; the searches (roots,
    maxima) run on exact re-splits, or — when every evaluation is a simulation — on the grid's interpolant
    (`Interpolated`); every candidate and feasible end is then evaluated exactly and tabled. `baseline`, a
    projection of this very scenario with this seed and number of replications, spares simulating it again."""
    index = agreement_index(scenario, agreement, source)
    check_shape(scenario, index, shape, source)
    seed = scenario.population.seed if seed is None else seed
    responsive = status_quo_effort(scenario, index, source)
    gains = Evaluator(responsive, index, shape, seed, replications, rate, workers, scheduler, baseline)
    grid = np.linspace(0.0, 1.0, GRID)
    gains.prefetch(list(grid))
    at = [gains(x) for x in grid]
    search = Interpolated(at) if gains.resimulate else gains
    notes: list[str] = ["tune_note_interpolated"] if gains.resimulate else []

    def mean(side: str) -> Callable[[float], float]:
        return lambda x: float(getattr(search(x), side).mean())

    def margin(side: str) -> Callable[[float], float]:
        return lambda x: bargaining.margin(getattr(search(x), side), confidence)

    m_origin = np.array([bargaining.margin(s.origin, confidence) for s in at])
    m_host = np.array([bargaining.margin(s.host, confidence) for s in at])
    feasible, blocking = feasible_range(grid, m_origin, m_host, margin("origin"), margin("host"))
    candidates: dict[str, float | None] = dict.fromkeys(CANDIDATES)
    mean_origin = np.array([s.origin.mean() for s in at])
    mean_host = np.array([s.host.mean() for s in at])
    candidates["break_even_origin"] = _six(bargaining.break_even(mean("origin"), grid, mean_origin, lowest=True))
    candidates["break_even_host"] = _six(bargaining.break_even(mean("host"), grid, mean_host, lowest=False))
    candidates["current"] = current_share(scenario, index, shape)
    if feasible is not None:
        low, high = feasible
        candidates["nash"] = _six(bargaining.nash(mean("origin"), mean("host"), low, high, grid=grid), feasible)
        candidates["host_share"] = _six(bargaining.maximise(mean("host"), low, high, grid=grid), feasible)
    if gains.resimulate:
        joint = bargaining.maximise(lambda x: mean("origin")(x) + mean("host")(x), 0.0, 1.0, grid=grid)
        candidates["joint"] = _six(joint)
    else:
        notes.append("tune_note_joint_flat")
    game, shapley_note = shapley_game(gains, responsive, index, seed, replications, rate)
    if game is not None:
        a = scenario.agreements[index]
        target = np.array([game.values[a.origin], game.values[a.host]])
        both = lambda x: np.array([mean("origin")(x), mean("host")(x)])  # noqa: E731
        candidates["shapley"] = _six(bargaining.closest(both, target, grid=grid))
    factors = formula_factors(gains.baseline, index)
    if factors is not None:
        weights = formula_weights(scenario.horizon.start_year)
        candidates["formula"] = _six(bargaining.formula_share(factors["origin"], factors["host"], weights))
    exact = [x for x in candidates.values() if x is not None] + list(feasible or ())
    gains.prefetch(exact)
    for x in exact:
        gains(x)
    written = None
    if with_share(responsive, index, shape, candidates["current"]).agreements[index] != responsive.agreements[index]:
        rows = [holders(responsive).index(p) for p in gains.parties]
        g = present_value(gains.baseline.net_benefit[:, rows], discount(responsive, rate))  # as written, projected
        written = Sample(candidates["current"], g[:, 0], g[:, 1])
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
        written,
    )


def formula_weights(year: int) -> dict[str, float]:
    """The apportionment formula's factor weights in force in `year` (national parameters)."""
    return {k: float(value_at(f"national.branch_apportionment.{k}", year)) for k in ("revenue", "payroll", "assets")}


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
    coalitions = [frozenset(c) for size in range(1, len(players) + 1) for c in itertools.combinations(players, size)]

    def inside(coalition: frozenset) -> frozenset:
        return frozenset(i for i in group if {agreements[i].origin, agreements[i].host} <= coalition)

    # one simulation per set of agreements in force, all at once (`analysis.backend.map_ordered`)
    worlds = list(dict.fromkeys(k for k in map(inside, coalitions) if k and k != frozenset(group)))
    variants = {k: without_agreements(scenario, set(group) - k) for k in worlds}
    jobs = [(variants[k], seed, replications, False) for k in worlds]
    from analysis.backend import map_ordered

    simulated = dict(zip(worlds, map_ordered(_simulated, jobs, gains.workers, gains.scheduler), strict=True))
    gains.simulations += len(jobs)
    variants[frozenset(group)] = scenario
    simulated[frozenset(group)] = gains.baseline.outcomes

    def value(coalition: frozenset) -> float:
        k = inside(coalition)
        if not k:
            return 0.0
        members = [p for p in players if p in coalition]
        return float(pv_gains(variants[k], simulated[k], members, rate).sum(axis=1).mean())

    values = {c: value(c) for c in coalitions}
    shapley = bargaining.shapley(players, lambda c: values.get(c, 0.0))
    return ShapleyGame(players, values, shapley), "tune_shapley_removed"


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
