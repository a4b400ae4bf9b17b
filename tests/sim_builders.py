"""Scenarios with a population, built in code for simulation tests."""

from __future__ import annotations

import copy

from sim.scenario import Scenario
from sim.scenario.loading import scenario_from_data

INDUSTRY = {
    "id": "electronics",
    "name": "电子信息",
    "ftz_entities": 2000,
    "new_per_year": 0,
    "reinvest_rate_per_year": 0.05,
    "revenue_yuan": {"median": 12_000_000, "sigma": 0.0},
    "growth": {"mean": 0.0, "sd": 0.0, "shock_probability": 0.0},
    "vat_burden": 0.03,
    "profit_margin": 0.1,
    "cit_rate": 0.25,
    "payroll_share": 0.1,
    "land_ha_per_project": 1.0,
    "build_months": 0,
    "rampup_months": 0,
    "size_mix": {"small_micro": 0.0, "general": 1.0, "high_tech": 0.0},
    "production_share": {"revenue": 0.5, "payroll": 0.5, "profit": 0.5},
    "exit_rate_per_year": 0.0,
    "local_cit_exemption": False,
}

WORLD = {
    "schema": "ftzshare/v1",
    "name": "模拟测试",
    "horizon": {"start_year": 2023, "years": 4},
    "tax_rules": {"local_cit_exemption_years": 5},
    "parties": [
        {"id": "ftz", "kind": "ftz_area", "name": "片区"},
        {"id": "zone", "kind": "collaborative_zone", "name": "协同区", "land_ha": 1_000_000},
    ],
    "agreements": [
        {"id": "a", "origin": "ftz", "host": "zone", "ratio": {"schedule": [{"from": 2023, "origin": 0.6}]}},
    ],
    "population": {"seed": 1, "industries": [INDUSTRY], "land_patience_months": 6},
}


def world(industry: dict | None = None, population: dict | None = None, zone: dict | None = None, **top) -> Scenario:
    data = copy.deepcopy(WORLD)
    data["population"]["industries"][0].update(industry or {})
    data["population"].update(population or {})
    data["parties"][1].update(zone or {})
    data.update(top)
    return scenario_from_data(data, "world.yaml")
