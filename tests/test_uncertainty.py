"""The `uncertainty:` block: validated whole, quantiles against scipy, draws reproducible by seed."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from analysis.outputs.tables import parameters_table
from sim.errors import InputError
from sim.scenario.loading import load_scenario, scenario_data, scenario_from_data
from sim.scenario.uncertainty import (
    Distribution,
    draw_parameters,
    parameter_names,
    parameter_seed,
    replication_parameters,
    with_parameters,
)

ROOT = Path(__file__).resolve().parents[1]
NANNING = ROOT / "scenarios" / "guangxi" / "nanning.yaml"
BUNDLED = ["guangxi/nanning.yaml", "guangxi/region.yaml", "chongqing/linked_zones.yaml", "sichuan/pilot_zones.yaml"]
RATE = "population.industries[digital].reinvest_rate_per_year"
BLOCK = {
    RATE: {"dist": "triangular", "low": 0.01, "mode": 0.02, "high": 0.035, "source": "illustrative"},
    "population.industries[1].revenue_yuan.median": {
        "dist": "lognormal", "median": 4e7, "sigma": 0.3, "low": 1e7, "high": 1e8, "source": "illustrative",
    },
    "parties[nanning_cdz].land_ha": {"dist": "uniform", "low": 1000, "high": 2000, "source": "illustrative"},
    "assessment.indicators.trade.region_growth": {
        "dist": "normal", "mean": 0.08, "sd": 0.02, "low": 0.0, "high": 0.16, "source": "illustrative",
    },
    "population.land_patience_months": {"dist": "uniform", "low": 6, "high": 24, "source": "illustrative"},
}  # fmt: skip


def _scenario(block: dict):
    data = copy.deepcopy(scenario_data(NANNING))
    data["uncertainty"] = block
    return scenario_from_data(data, "test.yaml")


def _refused(block: dict) -> InputError:
    with pytest.raises(InputError) as caught:
        _scenario(block)
    return caught.value


def test_unknown_key_path_is_refused_with_the_closest_one():
    error = _refused({RATE.replace("_per_year", "_per_yr"): BLOCK[RATE]})
    assert error.where == "uncertainty.population.industries[digital].reinvest_rate_per_yr"
    assert error.key == "uncertainty_unknown_path"
    assert f"did you mean {RATE!r}" in error.line("en")


@pytest.mark.parametrize(
    "path",
    [
        "agreements[nanning].base.growth",  # an agreed term, not a model parameter
        "population.seed",
        "horizon.years",
        "population.industries[nowhere].reinvest_rate_per_year",
        "population.industries[7].reinvest_rate_per_year",
        "parties[nanning_ftz].land_ha",  # the FTZ area has no land_ha: nothing to vary
    ],
)
def test_what_cannot_be_uncertain(path):
    error = _refused({path: {"dist": "uniform", "low": 0.1, "high": 0.2, "source": "illustrative"}})
    assert error.key == "uncertainty_unknown_path"


def test_the_same_parameter_twice_by_index_and_by_id():
    twice = {RATE: BLOCK[RATE], "population.industries[0].reinvest_rate_per_year": BLOCK[RATE]}
    assert _refused(twice).key == "uncertainty_duplicate"


@pytest.mark.parametrize(
    "spec,key",
    [
        ({"dist": "uniform", "low": 0.2, "high": 0.1}, "uncertainty_bounds"),
        ({"dist": "uniform", "low": 0.1, "high": 0.1}, "uncertainty_bounds"),
        ({"dist": "triangular", "low": 0.1, "high": 0.2}, "uncertainty_needs"),
        ({"dist": "triangular", "low": 0.1, "mode": 0.3, "high": 0.2}, "uncertainty_mode"),
        ({"dist": "uniform", "low": 0.1, "high": 0.2, "sd": 0.1}, "uncertainty_not_for"),
        ({"dist": "normal", "mean": 0.5, "sd": 0.01, "low": 0.1, "high": 0.2}, "uncertainty_mass"),
        ({"dist": "lognormal", "median": 0.1, "sigma": 0.2, "low": -0.1, "high": 0.2}, "uncertainty_lognormal_low"),
        ({"dist": "gamma", "low": 0.1, "high": 0.2}, "expected_one_of"),
        ({"dist": "uniform", "low": 0.1}, "missing_key"),
        ({"dist": "uniform", "low": 0.1, "high": 0.2, "spread": 1}, "unknown_key"),
    ],
)
def test_a_distribution_is_checked_whole(spec, key):
    spec = {"source": "illustrative", **spec}
    assert _refused({RATE: spec}).key == key


def test_bounds_must_be_values_the_parameter_allows():
    error = _refused({RATE: {"dist": "uniform", "low": 0.5, "high": 1.5, "source": "illustrative"}})
    assert error.where == f"uncertainty.{RATE}.high"
    assert error.key == "uncertainty_bound_invalid"
    assert "must be at most 1" in error.line("en")


def test_a_source_is_required():
    assert _refused({RATE: {"dist": "uniform", "low": 0.01, "high": 0.03}}).key == "missing_key"


def test_quantiles_against_scipy():
    """Each u-quantile is the truncated distribution's, computed independently with scipy."""
    u = np.array([0.0, 0.01, 0.2, 0.5, 0.77, 0.999, 1.0])
    normal = Distribution(dist="normal", mean=0.08, sd=0.02, low=0.05, high=0.16, source="t")
    a, b = (0.05 - 0.08) / 0.02, (0.16 - 0.08) / 0.02
    expected = stats.truncnorm.ppf(u, a, b, loc=0.08, scale=0.02)
    assert [normal.quantile(x) for x in u] == pytest.approx(expected, rel=1e-9)
    lognormal = Distribution(dist="lognormal", median=4e7, sigma=0.3, low=2e7, high=1e8, source="t")
    law = stats.lognorm(s=0.3, scale=4e7)
    lo, hi = law.cdf(2e7), law.cdf(1e8)
    assert [lognormal.quantile(x) for x in u] == pytest.approx(law.ppf(lo + u * (hi - lo)), rel=1e-9)
    triangle = Distribution(dist="triangular", low=0, mode=1, high=4, source="t")
    # by hand: F(x) = x²/4 below the mode (F(1) = 1/4), 1 − (4 − x)²/12 above it
    assert triangle.quantile(0.125) == pytest.approx(math.sqrt(0.5))
    assert triangle.quantile(0.25) == pytest.approx(1.0)
    assert triangle.quantile(0.75) == pytest.approx(4 - math.sqrt(3))
    uniform = Distribution(dist="uniform", low=1000, high=2000, source="t")
    assert [uniform.quantile(x) for x in (0, 0.25, 1)] == [1000, 1250, 2000]


def test_draws_are_reproducible_by_seed_and_replication():
    scenario = _scenario(BLOCK)
    children = np.random.SeedSequence(20261122).spawn(3)
    again = np.random.SeedSequence(20261122).spawn(3)
    drawn, draws = replication_parameters(scenario, children[1])
    assert replication_parameters(scenario, again[1])[1] == draws
    assert replication_parameters(scenario, children[2])[1] != draws
    assert list(draws) == parameter_names(scenario)  # canonical paths, block order
    assert list(draws)[1] == "population.industries[manufacturing].revenue_yuan.median"
    for path, spec in zip(draws, BLOCK.values(), strict=True):
        assert spec["low"] <= draws[path] <= spec["high"]
    assert isinstance(draws["population.land_patience_months"], int)
    # the drawn scenario holds the draws, validated, and is itself certain
    assert drawn.uncertainty is None
    assert drawn.parties[1].land_ha == draws["parties[nanning_cdz].land_ha"]
    assert drawn.population.industries[0].reinvest_rate_per_year == draws[RATE]
    assert drawn.assessment.indicators["trade"].region_growth == draws["assessment.indicators.trade.region_growth"]
    # the parameter stream is not the simulation's own stream, and does not depend on what was drawn before
    assert parameter_seed(children[1]).generate_state(4).tolist() != children[1].generate_state(4).tolist()
    rng = np.random.default_rng(parameter_seed(children[1]))
    u = rng.random(len(BLOCK))
    first = Distribution(**BLOCK[RATE])
    assert draws[RATE] == first.quantile(float(u[0]))


def test_no_block_draws_nothing():
    scenario = load_scenario(ROOT / "scenarios" / "guangxi" / "qinzhou.yaml")
    assert draw_parameters(scenario, np.random.default_rng(0)) == (scenario, {})


def test_a_parameter_set_the_scenario_cannot_hold_is_refused():
    """Each bound alone passes its field's check; the whole scenario's size limit still decides a set."""
    scenario = _scenario({"population.industries[digital].ftz_entities": {
        "dist": "uniform", "low": 1000, "high": 2_000_000, "source": "illustrative"}})  # fmt: skip
    with pytest.raises(InputError) as caught:
        with_parameters(scenario, {"population.industries[digital].ftz_entities": 2_000_000})
    assert caught.value.key == "uncertainty_set_invalid"
    assert "population" in caught.value.line("en")


def test_a_yaml_block_with_key_paths_loads(tmp_path):
    text = NANNING.read_text(encoding="utf-8")
    if "\nuncertainty:" in text:  # the bundled block: replace it with this test's
        text = text[: text.index("\nuncertainty:")]
    text += (
        "\nuncertainty:\n"
        "  population.industries[digital].reinvest_rate_per_year: {dist: uniform, low: 0.01, high: 0.03,"
        " source: illustrative}\n"
        "  assessment.indicators.fdi.region_growth:\n"
        "    {dist: normal, mean: 0.05, sd: 0.02, low: 0.0, high: 0.1, source: illustrative}\n"
    )
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    scenario = load_scenario(path)
    assert parameter_names(scenario) == [RATE, "assessment.indicators.fdi.region_growth"]


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenarios_carry_a_sourced_block(name):
    scenario = load_scenario(ROOT / "scenarios" / name)
    assert scenario.uncertainty
    for spec in scenario.uncertainty.values():
        assert spec.source.strip()
    _, draws = replication_parameters(scenario, np.random.SeedSequence(1))
    assert len(draws) == len(scenario.uncertainty)


def test_parameters_table():
    scenario = _scenario(BLOCK)
    draws = [replication_parameters(scenario, s)[1] for s in np.random.SeedSequence(3).spawn(2)]
    table = parameters_table(scenario, draws)
    assert list(table.columns) == ["replication", *parameter_names(scenario)]
    assert table["replication"].tolist() == [1, 2]
    assert table[RATE].tolist() == [d[RATE] for d in draws]
