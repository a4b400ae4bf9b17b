"""Which uncertain inputs drive each party's receipts: Morris screening and Sobol indices (SALib).

The inputs and their distributions are the scenario's `uncertainty:` block. SALib samples the unit cube; each
coordinate becomes a parameter value by its distribution's quantile (`Distribution.quantile`, the same map
that draws a replication's parameters), so Morris effects are per step across an input's range, and Sobol
indices are shares of the output's variance. Every sample point simulates with the same seed (common random
numbers): two points differ by their inputs, not by the luck of their draws, so simulation noise does not
inflate the indices. SALib's sampling and bootstrap seeds come from the study's seed too: the same seed gives
the same indices, whatever the workers or the cluster.

`study(inputs, evaluate, ...)` is the analysis for any model — a callable from sample points to outputs —
so an analytic test function (Ishigami) goes through the same code path as the scenario (`sensitivity`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.backend import map_ordered
from analysis.projection import holders, project
from sim.errors import InputError
from sim.scenario import Scenario
from sim.scenario.uncertainty import Distribution, parameter_names, with_parameters

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 10, "sobol": 256}  # trajectories; base sample (a power of two)
MORRIS_LEVELS = 4
CONFIDENCE = 0.95
RESAMPLES = 1000  # bootstrap resamples behind each confidence interval
# A sample point is one simulation (about 0.3 s for the Nanning scenario on one core). 50,000 is a Sobol
# study of N = 2048 over 22 inputs: hours on a cluster, days on one machine — more is a mistake, not a study.
MAX_RUNS = 50_000
MEASURES = ("gain", "receipts")  # cumulative over the horizon, yuan; gain = with − without the agreements


@dataclass(frozen=True)
class Index:
    output: str  # what was measured, e.g. "nanning_ftz:receipts"
    input: str  # a key path
    name: str  # mu_star, sigma (Morris); S1, ST (Sobol)
    value: float
    confidence: float | None  # half-width of the 95% interval; None where the method gives none (sigma)


@dataclass(frozen=True)
class Study:
    method: str
    samples: int
    seed: int
    inputs: list[str]
    outputs: list[str]
    points: np.ndarray  # [point, input] parameter values
    results: np.ndarray  # [point, output]
    indices: list[Index]


def runs(method: str, samples: int, inputs: int) -> int:
    """Sample points of a study: Morris r·(k+1), Sobol (first and total order) N·(k+2)."""
    return samples * (inputs + 1) if method == "morris" else samples * (inputs + 2)


def study(
    inputs: dict[str, Distribution],
    evaluate: Callable[[list[dict[str, float]]], np.ndarray],
    outputs: Sequence[str],
    method: str = "morris",
    samples: int | None = None,
    seed: int = 0,
) -> Study:
    """Sample the inputs, `evaluate` the points ([point] → [point, output]), and analyse each output."""
    from SALib.analyze import morris as morris_analysis
    from SALib.analyze import sobol as sobol_analysis
    from SALib.sample import morris as morris_sample
    from SALib.sample import sobol as sobol_sample

    samples = samples or DEFAULT_SAMPLES[method]
    names = list(inputs)
    problem = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names)}
    sample_seed, bootstrap_seed = (int(s) for s in np.random.SeedSequence(seed).generate_state(2))
    if method == "morris":
        unit = morris_sample.sample(problem, samples, num_levels=MORRIS_LEVELS, seed=sample_seed)
    else:
        unit = sobol_sample.sample(problem, samples, calc_second_order=False, seed=sample_seed)
    distributions = list(inputs.values())
    points = np.array([[d.quantile(float(u)) for d, u in zip(distributions, row, strict=True)] for row in unit])
    results = np.asarray(evaluate([dict(zip(names, row, strict=True)) for row in points.tolist()]), float)
    found: list[Index] = []
    for j, output in enumerate(outputs):
        y = results[:, j]
        if np.ptp(y) == 0:  # nothing moves it: every index is zero (SALib would divide by a zero variance)
            keys = ("mu_star", "sigma") if method == "morris" else ("S1", "ST")
            found += [Index(output, n, k, 0.0, 0.0 if k != "sigma" else None) for n in names for k in keys]
            continue
        if method == "morris":
            r = morris_analysis.analyze(
                problem,
                unit,
                y,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                num_levels=MORRIS_LEVELS,
                seed=bootstrap_seed,
            )
            for i, name in enumerate(names):
                found.append(Index(output, name, "mu_star", float(r["mu_star"][i]), float(r["mu_star_conf"][i])))
                found.append(Index(output, name, "sigma", float(r["sigma"][i]), None))
        else:
            r = sobol_analysis.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=RESAMPLES,
                conf_level=CONFIDENCE,
                seed=bootstrap_seed,
            )
            for i, name in enumerate(names):
                found.append(Index(output, name, "S1", float(r["S1"][i]), float(r["S1_conf"][i])))
                found.append(Index(output, name, "ST", float(r["ST"][i]), float(r["ST_conf"][i])))
    return Study(method, samples, seed, names, list(outputs), points, results, found)


def party_outputs(scenario: Scenario) -> list[str]:
    """`holder:measure` for each holder of local tax (parties, then upper levels) and measure."""
    return [f"{holder}:{measure}" for holder in holders(scenario) for measure in MEASURES]


def point_outputs(scenario: Scenario, values: dict[str, float], seed: int) -> np.ndarray:
    """One sample point: the scenario with these parameter values, one replication of `seed` (the same for
    every point), each holder's gain and receipts over the horizon in yuan (`party_outputs` order)."""
    projection = project(with_parameters(scenario, values), seed, 1)
    receipts = projection.with_agreement[0].sum(axis=1)  # [holder] fen
    gain = receipts - projection.without_agreement[0].sum(axis=1)
    by_measure = {"gain": gain, "receipts": receipts}
    return np.stack([by_measure[m] for m in MEASURES], axis=1).ravel() / 100


def sensitivity(
    scenario: Scenario,
    method: str = "morris",
    samples: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    progress: Callable[[int], None] | None = None,
    source: str = "scenario",
) -> Study:
    """The scenario's study: its uncertainty block as inputs, each party's receipts as outputs."""
    if not scenario.uncertainty:
        raise InputError(source, "uncertainty", "sensitivity_no_uncertainty")
    names = parameter_names(scenario)
    samples = samples or DEFAULT_SAMPLES[method]
    needed = runs(method, samples, len(names))
    if needed > MAX_RUNS:
        raise InputError("command line", "--samples", "sensitivity_too_many_runs", runs=needed, limit=MAX_RUNS)
    inputs = dict(zip(names, scenario.uncertainty.values(), strict=True))

    def evaluate(points: list[dict[str, float]]) -> np.ndarray:
        tasks = [(scenario, point, seed) for point in points]
        return np.stack(map_ordered(point_outputs, tasks, workers, scheduler, progress))

    return study(inputs, evaluate, party_outputs(scenario), method, samples, seed)
