"""Calibration and backtest: fit a scenario's named parameters to published series, then compare.

The series a scenario's `calibration:` block names (FTZ entities, new registrations, trade, industrial output,
tax revenue) follow from the FTZ's entity population alone, so an evaluation registers the population
(`sim.model.entities.register`) and reads the FTZ's indicators (`sim.model.ftz_indicators`) without running
the zones' SimPy model.

**Fitting** (`scipy.optimize.least_squares`, bounds, relative residuals) needs an objective that moves
smoothly with the parameters, so every evaluation uses common random numbers — the same seeds, hence the
same draws — and no draw's count depends on a parameter: each cohort is represented by a fixed number of
entity profiles (`PROFILES`), weighted by the cohort's size, and a cohort's size is the normal approximation
of its Poisson draw, λ + √λ·z with z fixed. Counts, revenue levels and growth then enter continuously.
The objective is the mean over replications.

**Backtest**: the fitted scenario as written (whole numbers rounded) is simulated as the model does it —
Poisson cohorts, every entity drawn — in `replications` independent replications; each observation gets the
median and 5–95% range. A mid-year figure is compared with the mean of the two year-ends around it (the
start of the horizon counts the stock), a flow with its calendar year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

from analysis.risk import band
from sim.errors import InputError
from sim.model.entities import Entities, common_shocks, register
from sim.model.ftz_indicators import ftz_indicators
from sim.model.simulation import Projects, Simulation, draw, industry_areas
from sim.scenario import Scenario
from sim.scenario.loading import scenario_from_data
from sim.scenario.schema import Calibration, calibration_target

PROFILES = 4000  # entity profiles per cohort and industry while fitting: the fixed sample the fit moves over
MAX_EVALUATIONS = 200  # objective evaluations (each `replications` populations); a fit needs a few dozen


@dataclass(frozen=True)
class BacktestRow:
    series: str
    name: str
    year: float  # the year; x.5 for a mid-year figure
    published: float
    median: float
    p5: float
    p95: float
    source: str
    fitted: bool  # the observation's weight is above 0

    @property
    def error_pct(self) -> float:
        return (self.median / self.published - 1) * 100


@dataclass(frozen=True)
class Result:
    """What `calibrate` found: the values, the scenario with them written in, the backtest."""

    scenario: Scenario  # calibrated, whole numbers rounded, validated
    start: dict[str, float]
    fitted: dict[str, float]  # the optimum, before rounding
    written: dict[str, float]  # as written into `scenario`
    rows: list[BacktestRow]
    paths: dict[str, np.ndarray]  # series id → [replication, year] simulated yearly quantity (year-end for stocks)
    replications: int
    seed: int
    evaluations: int
    cost: float  # ½ Σ residual² at the optimum
    status: str  # the optimizer's own words


def calibration_of(scenario: Scenario, source: str) -> Calibration:
    if scenario.calibration is None:
        raise InputError(source, "calibration", "calibration_missing")
    return scenario.calibration


def with_values(scenario: Scenario, values: dict[str, float], source: str) -> Scenario:
    """The scenario with each key path set (rounded where the field is a whole number), validated whole."""
    data = scenario.model_dump(mode="python", by_alias=True, exclude_none=True)
    for path, value in values.items():
        _, _, kind = calibration_target(scenario, path)
        *parents, last = _parts(path)
        node = data
        for part in parents:
            node = node[part]
        node[last] = int(round(value)) if kind is int else float(value)
    return scenario_from_data(data, source)


def _parts(path: str) -> list[str | int]:
    """'population.industries[0].growth.mean' → ['population', 'industries', 0, 'growth', 'mean']."""
    out: list[str | int] = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        out.append(name)
        if index:
            out.append(int(index.rstrip("]")))
    return out


def simulate(
    scenario: Scenario, seed: int, replications: int, exact: bool, counts: dict[str, float] | None = None
) -> dict[str, np.ndarray]:
    """Each calibration quantity [replication, year] of the FTZ's population.

    `exact`: Poisson cohorts and every entity drawn, as the model does. Otherwise the smooth evaluation of the
    module docstring, where `counts` may give the stock and yearly registrations unrounded (by key path)."""
    pop = scenario.population
    assert pop is not None
    years = scenario.horizon.years
    out: dict[str, list[np.ndarray]] = {}
    children = np.random.SeedSequence(seed).spawn(replications)
    for r in range(replications):
        if exact:  # the model's own population of replication r (`sim.model.simulation.draw`)
            entities = draw(scenario, children[r]).entities
            registered = entities.registered_year[entities.registered_year >= 0]
            new = np.bincount(registered, minlength=years).astype(np.float64)
            stock = float((entities.registered_year < 0).sum())
        else:
            entities, new, stock = _profiles(scenario, seed, r, counts or {})
        values = _indicators(scenario, entities)
        values["new_entities"] = new
        values["entities"] = stock + np.cumsum(new)
        for name, value in values.items():
            out.setdefault(name, []).append(value)
    return {name: np.array(value) for name, value in out.items()}


def _profiles(scenario: Scenario, seed: int, r: int, counts: dict[str, float]) -> tuple[Entities, np.ndarray, float]:
    """Replication r's population for fitting: PROFILES entities per cohort and industry, their revenue weighted
    by the cohort's size (λ + √λ·z for registrations, the stock as given), every draw fixed by (seed, r)."""
    pop = scenario.population
    assert pop is not None
    years = scenario.horizon.years
    industries = pop.industries
    areas = industry_areas(scenario)
    stock = np.array(
        [counts.get(f"population.industries[{k}].ftz_entities", i.ftz_entities) for k, i in enumerate(industries)],
        np.float64,
    )
    rate = np.array(
        [counts.get(f"population.industries[{k}].new_per_year", i.new_per_year) for k, i in enumerate(industries)],
        np.float64,
    )
    draws = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(r,)))
    common = common_shocks(draws, pop, years)
    growth = np.array([(1 + i.new_per_year_growth) ** np.arange(years) for i in industries]).T  # [year, industry]
    mean = rate * growth  # Industry.registrations, with the fitted rate
    sizes = np.maximum(mean + np.sqrt(mean) * draws.standard_normal((years, len(industries))), 0.0)
    cohorts = []
    for k, size in enumerate([stock, *sizes]):
        drawn = np.where(size > 0, PROFILES, 0)
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(r, 1 + k)))
        cohort = register(rng, pop, areas, drawn.tolist(), max(k - 1, 0), years, k == 0, common=common)
        weight = np.divide(size, drawn, out=np.zeros_like(size), where=drawn > 0)
        cohort.revenue = cohort.revenue * weight[cohort.industry][:, None]
        cohorts.append(cohort)
    entities = cohorts[0]
    for cohort in cohorts[1:]:
        entities.append(cohort)
    return entities, sizes.sum(axis=1), float(stock.sum())


def _indicators(scenario: Scenario, entities: Entities) -> dict[str, np.ndarray]:
    """The FTZ's revenue-driven indicators of a population without zone projects (weights are in revenue)."""
    simulation = Simulation(
        scenario=scenario,
        entities=entities,
        projects=Projects(0).arrays(),
        events=[],
        assessments=[],
        revoked={},
        land={},
    )
    found = ftz_indicators(simulation)
    return {k: found[k] for k in ("trade", "industrial_output", "tax_revenue")}


def _observed(scenario: Scenario, paths: np.ndarray, year: int, at: str) -> np.ndarray:
    """The simulated value of one observation in each replication (paths [replication, year])."""
    k = year - scenario.horizon.start_year
    if at == "year_end":
        return paths[:, k]
    before = paths[:, k - 1] if k > 0 else _stock(scenario) * np.ones(len(paths))
    return (before + paths[:, k]) / 2


def _stock(scenario: Scenario) -> float:
    assert scenario.population is not None
    return float(sum(i.ftz_entities for i in scenario.population.industries))


def calibrate(scenario: Scenario, source: str, seed: int, replications: int) -> Result:
    """Fit the calibration block's parameters, then backtest the calibrated scenario."""
    block = calibration_of(scenario, source)
    paths = [p.path for p in block.parameters]
    lower = np.array([p.lower for p in block.parameters])
    upper = np.array([p.upper for p in block.parameters])
    start = np.array(
        [p.start if p.start is not None else _value(scenario, p.path) for p in block.parameters], np.float64
    )
    start = np.clip(start, lower, upper)
    fitted_series = [s for s in block.series if any(o.weight > 0 for o in s.observations)]
    if not fitted_series:
        raise InputError(source, "calibration.series", "calibration_nothing_fitted")
    counted = {"ftz_entities", "new_per_year"}

    def residuals(u: np.ndarray) -> np.ndarray:
        x = lower + u * (upper - lower)
        values = dict(zip(paths, x, strict=True))
        trial = with_values(scenario, values, source)
        counts = {p: v for p, v in values.items() if p.rsplit(".", 1)[-1] in counted}
        sims = simulate(trial, seed, replications, exact=False, counts=counts)
        out = []
        for s in fitted_series:
            for o in s.observations:
                if o.weight > 0:
                    simulated = _observed(trial, sims[s.quantity], o.year, o.at).mean()
                    out.append(np.sqrt(o.weight) * (simulated / o.value - 1))
        return np.array(out)

    u0 = (start - lower) / (upper - lower)
    found = least_squares(residuals, u0, bounds=(0.0, 1.0), method="trf", max_nfev=MAX_EVALUATIONS, xtol=1e-8)
    u = np.where(found.x < 1e-9, 0.0, np.where(found.x > 1 - 1e-9, 1.0, found.x))  # at a bound: exactly it
    x = lower + u * (upper - lower)
    fitted = dict(zip(paths, (float(v) for v in x), strict=True))
    calibrated = with_values(scenario, {p: float(f"{v:.6g}") for p, v in fitted.items()}, source)  # six digits
    written = {p: float(_value(calibrated, p)) for p in paths}
    sims = simulate(calibrated, seed, replications, exact=True)
    rows, series_paths = [], {}
    for s in block.series:
        series_paths[s.id] = sims[s.quantity]
        for o in s.observations:
            simulated = _observed(calibrated, sims[s.quantity], o.year, o.at)
            median, p5, p95 = band(simulated)
            rows.append(
                BacktestRow(
                    series=s.id,
                    name=s.name,
                    year=o.year + (0.5 if o.at == "mid_year" else 0.0),
                    published=o.value,
                    median=float(median),
                    p5=float(p5),
                    p95=float(p95),
                    source=o.source,
                    fitted=o.weight > 0,
                )
            )
    return Result(
        scenario=calibrated,
        start=dict(zip(paths, (float(v) for v in start), strict=True)),
        fitted=fitted,
        written=written,
        rows=rows,
        paths=series_paths,
        replications=replications,
        seed=seed,
        evaluations=int(found.nfev),
        cost=float(found.cost),
        status=str(found.message),
    )


def _value(scenario: Scenario, path: str) -> float:
    parent, name, _ = calibration_target(scenario, path)
    return float(getattr(parent, name))
