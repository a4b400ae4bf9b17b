"""Project economics from the firm, statutory size classes and common shocks — against hand-worked figures and
plain re-computations written here, not the model's own code path."""

from __future__ import annotations

import numpy as np
import pytest
import sim_builders

from sim.model.economics import firm_figures, project_economics, small_low_profit, small_scale_vat
from sim.model.entities import GENERAL, HIGH_TECH, SMALL, Entities, cit_rates, common_shocks, register, size_class
from sim.model.simulation import NEVER, Model
from sim.scenario import Scenario
from sim.scenario.loading import scenario_from_data

# One industry of constant revenue 12,000,000 (margin 10%, payroll 10%, half of production moves to the zone),
# a zone with land to spare; the size class is statutory and nobody is certified high-tech unless a test says so.
INDUSTRY = {
    **{k: v for k, v in sim_builders.INDUSTRY.items() if k not in ("land_ha_per_project", "local_cit_exemption")},
    "size_mix": {"high_tech": 0.0},  # land from the benchmarks, the size class statutory
}


def world(industry: dict | None = None, population: dict | None = None) -> Scenario:
    return scenario_from_data(
        {
            "schema": "ftzshare/v1",
            "name": "项目经济测试",
            "horizon": {"start_year": 2023, "years": 4},
            "parties": [
                {"id": "ftz", "kind": "ftz_area", "name": "片区"},
                {"id": "zone", "kind": "collaborative_zone", "name": "协同区", "land_ha": 1_000_000},
            ],
            "agreements": [
                {"id": "a", "origin": "ftz", "host": "zone", "ratio": {"schedule": [{"from": 2023, "origin": 0.6}]}}
            ],
            "population": {"seed": 1, "industries": [{**INDUSTRY, **(industry or {})}], **(population or {})},
        },
        "world.yaml",
    )


def _entities(revenue: list[float], industry: list[int] | None = None) -> Entities:
    n = len(revenue)
    return Entities(
        industry=np.array(industry or [0] * n, np.int64),
        area=np.zeros(n, np.int64),
        size=np.full(n, GENERAL),
        high_tech=np.zeros(n, bool),
        foreign=np.zeros(n, bool),
        registered_year=np.full(n, -1),
        revenue=np.array(revenue, np.float64)[:, None] * np.ones((1, 3)),
    )


def test_land_investment_and_payroll_follow_the_firm_through_the_benchmarks():
    # Revenue 20,000,000; half of revenue and of payroll move to the zone (production_share 0.5).
    # Output 10,000,000 a year ÷ 40,000,000 yuan/ha (亩均产出 ≈ 266.7 万元/亩) = 0.25 ha;
    # investment 0.25 ha × 24,000,000 yuan/ha (投资强度 160 万元/亩) = 6,000,000, so output / investment = 5/3;
    # payroll 20,000,000 × 10% × 0.5 = 1,000,000 → 1,000,000 / 90,000 = 11.11 employees.
    # A firm of 100,000: output 50,000 → 0.00125 ha, below the least land 0.01 ha: 0.01 ha, 240,000 invested.
    s = world({"output_yuan_per_ha": 40_000_000, "investment_yuan_per_ha": 24_000_000})
    got = project_economics(s.population, _entities([20_000_000, 100_000]), np.array([0, 1]), np.array([1, 1]))
    assert got["output"] == pytest.approx([10_000_000, 50_000])
    assert got["land_ha"] == pytest.approx([0.25, 0.01])
    assert got["investment"] == pytest.approx([6_000_000, 240_000])
    assert got["payroll"] == pytest.approx([1_000_000, 5_000])
    assert got["employees"] == pytest.approx([1_000_000 / 90_000, 5_000 / 90_000])


def test_a_fixed_plot_of_the_older_format_overrides_the_derived_land():
    # land_ha_per_project 3 ha whatever the firm; investment 3 × 24,000,000 = 72,000,000 as before.
    s = world({"land_ha_per_project": 3.0, "investment_yuan_per_ha": 24_000_000})
    got = project_economics(s.population, _entities([20_000_000, 100_000]), np.array([0, 1]), np.array([0, 0]))
    assert got["land_ha"] == pytest.approx([3.0, 3.0]) and got["investment"] == pytest.approx([72e6, 72e6])


def test_thresholds_hold_exactly_at_the_boundary():
    assert small_scale_vat(np.array([5_000_000.0, 5_000_000.01])).tolist() == [True, False]
    at = {"taxable_income": 3_000_000.0, "employees": 300.0, "assets": 50_000_000.0}
    assert bool(small_low_profit(**at))
    for key, over in (("taxable_income", 3_000_000.01), ("employees", 301.0), ("assets", 50_000_000.01)):
        assert not bool(small_low_profit(**{**at, key: over})), key


def test_firm_figures_by_hand():
    # margin 10%, payroll 10%, wage 90,000, asset turnover 0.8: revenue 30,000,000 → taxable 3,000,000
    # (at the line), 33.3 employees, assets 37,500,000; revenue 30,000,001 → taxable just over: not small.
    pop = world().population
    figures = firm_figures(pop, np.array([0, 0]), np.array([30_000_000.0, 30_000_001.0]))
    assert figures["taxable_income"] == pytest.approx([3_000_000, 3_000_000.1])
    assert figures["assets"] == pytest.approx([37_500_000, 37_500_001.25])
    assert small_low_profit(**figures).tolist() == [True, False]


def test_the_lower_rate_wins_for_a_small_high_tech_firm_and_rates_take_a_class_per_year():
    small = np.array([True, True, False, False])
    certified = np.array([True, False, True, False])
    assert size_class(small, certified).tolist() == [SMALL, SMALL, HIGH_TECH, GENERAL]
    pop = world().population
    years = np.array([2027, 2028])
    per_year = np.array([[SMALL, GENERAL], [HIGH_TECH, SMALL]])
    rates = cit_rates(pop, np.zeros(2, np.int64), per_year, years)
    # small/micro 5% in 2027, the statutory 20% from 2028; general 25%; high-tech 15%
    assert rates.tolist() == [[0.05, 0.25], [0.15, 0.2]]


def _cohort(n: int, industry: dict, population: dict | None = None, seed: int = 3, years: int = 10) -> Entities:
    pop = world(industry, population=population).population
    rng = np.random.default_rng(seed)
    return register(rng, pop, [0], [n], 0, years, common=common_shocks(rng, pop, years))


def test_size_classes_follow_each_entitys_own_first_year_figures():
    # lognormal revenue around 30,000,000: some above, some below the 3,000,000 taxable-income line (10% margin)
    e = _cohort(4000, {"revenue_yuan": {"median": 30_000_000, "sigma": 1.0}, "size_mix": {"high_tech": 0.2}})
    first = e.revenue[:, 0]
    # plain re-computation of the three tests: taxable = 10% of revenue, employees = 10% of revenue / 90,000,
    # assets = revenue / 0.8
    small = (first * 0.1 <= 3e6) & (first * 0.1 / 90_000 <= 300) & (first / 0.8 <= 5e7)
    assert 0.3 < small.mean() < 0.7
    assert ((e.size == SMALL) == small).all()
    assert (e.size[~small] == np.where(e.high_tech[~small], HIGH_TECH, GENERAL)).all()
    assert abs(e.high_tech.mean() - 0.2) < 0.03


def test_a_full_size_mix_still_draws_the_classes():
    e = _cohort(4000, {"size_mix": {"small_micro": 0.5, "general": 0.3, "high_tech": 0.2}})
    shares = [np.mean(e.size == k) for k in (SMALL, GENERAL, HIGH_TECH)]
    assert shares == pytest.approx([0.5, 0.3, 0.2], abs=0.03)
    assert (e.high_tech == (e.size == HIGH_TECH)).all()


def test_landed_projects_are_small_or_micro_only_when_their_firms_figures_are():
    # Most firms reinvesting here have 5–100 million yuan of revenue: the share of small/micro among landed
    # projects must be what their own revenue says, not a drawn 60%.
    s = world({"revenue_yuan": {"median": 25_000_000, "sigma": 1.2}, "reinvest_rate_per_year": 0.1})
    sim = Model(s, np.random.SeedSequence(11)).run()
    landed = sim.projects["entity"][sim.projects["landed"] < NEVER].astype(np.int64)
    assert len(landed) > 300
    first = sim.entities.revenue[landed, 0]
    small = (first * 0.1 <= 3e6) & (first * 0.1 / 90_000 <= 300) & (first / 0.8 <= 5e7)
    assert ((sim.entities.size[landed] == SMALL) == small).all()
    over_5m = first > 5_000_000
    assert over_5m.mean() > 0.85 and (sim.entities.size[landed][first > 30_000_000] != SMALL).all()


def _yearly_growth(e: Entities) -> np.ndarray:
    return e.revenue[:, 1:] / e.revenue[:, :-1] - 1  # [entity, year]


def test_a_macro_shock_makes_bad_years_bad_for_everyone():
    n, sd = 3000, 0.1
    quiet = {"growth": {"mean": 0.05, "sd": sd, "shock_probability": 0.0}}
    e = _cohort(n, quiet, population={"shocks": {"macro_sd": 0.05, "industry_sd": 0.0}}, years=12)
    yearly_mean = _yearly_growth(e).mean(axis=0)
    # without a common shock the cross-sectional mean of n entities varies by about sd / √n ≈ 0.0018 a year
    assert yearly_mean.std() > 8 * sd / np.sqrt(n)
    # and the entities' growth rates are correlated across entities: the average pairwise correlation
    # ≈ macro² / (macro² + sd²) = 0.2
    pairwise = np.corrcoef(_yearly_growth(e)[:200])[np.triu_indices(200, 1)]
    assert 0.1 < pairwise.mean() < 0.35
    calm = _cohort(n, quiet, years=12)
    assert _yearly_growth(calm).mean(axis=0).std() < 3 * sd / np.sqrt(n)


def test_an_industry_shock_is_shared_within_an_industry_only():
    pop = world(population={"shocks": {"macro_sd": 0.0, "industry_sd": 0.05}}).population
    two = pop.model_copy(update={"industries": [pop.industries[0], pop.industries[0].model_copy(update={"id": "b"})]})
    shocks = common_shocks(np.random.default_rng(1), two, 200)
    assert shocks.shape == (2, 200)
    assert abs(np.corrcoef(shocks)[0, 1]) < 0.2 and 0.04 < shocks.std() < 0.06


def test_without_common_shocks_the_path_is_exactly_todays_for_the_same_seed():
    # Today's path, written out plainly: lognormal first revenue, then (1 + mean + sd·z) clipped at 0, times
    # (1 − loss) with the shock probability, compounded; draws in the order size, foreign, revenue, z, shocks.
    n, years = 500, 6
    industry = {
        "revenue_yuan": {"median": 1e7, "sigma": 0.8},
        "growth": {"mean": 0.05, "sd": 0.1, "shock_probability": 0.1, "shock_loss": 0.5},
    }
    e = _cohort(n, industry, seed=9, years=years)
    rng = np.random.default_rng(9)
    rng.random(n), rng.random(n)
    first = 1e7 * np.exp(0.8 * rng.standard_normal(n))
    growth = np.maximum(1.05 + 0.1 * rng.standard_normal((n, years)), 0)
    factors = growth * np.where(rng.random((n, years)) < 0.1, 0.5, 1.0)
    factors[:, 0] = 1
    assert np.array_equal(e.revenue, first[:, None] * np.cumprod(factors, axis=1))
    # and drawing no common shock leaves the stream untouched
    rng = np.random.default_rng(9)
    before = rng.bit_generator.state
    assert not common_shocks(rng, world().population, years).any() and rng.bit_generator.state == before
