"""What zone projects do month by month, in bulk: revenue, payroll and profit in the zone, and indicators.

A project's zone revenue in a month is its entity's revenue that year / 12 × the production share that
moved to the zone × the ramp to full production (linear over `rampup_months` after construction), while it
operates (from construction's end until exit). Payroll and profit follow with their own production shares.
"""

from __future__ import annotations

import numpy as np

from sim.indicators import INDICATORS
from sim.model.entities import Entities
from sim.scenario import Scenario

MONEY = ("output", "value_added", "investment", "trade", "fdi")


def industry_values(s: Scenario, entities: Entities, projects: dict[str, np.ndarray], attribute: str) -> np.ndarray:
    """An industry parameter (dotted path allowed) for each project."""
    assert s.population is not None
    values = []
    for industry in s.population.industries:
        value = industry
        for part in attribute.split("."):
            value = getattr(value, part)
        values.append(float(value))
    return np.array(values)[entities.industry[projects["entity"].astype(np.int64)]]


def monthly(
    s: Scenario, entities: Entities, projects: dict[str, np.ndarray], months: np.ndarray
) -> dict[str, np.ndarray]:
    """Zone revenue, payroll and profit [project, month] (yuan) over the given month indexes."""
    entity = projects["entity"].astype(np.int64)
    operating = projects["operating"][:, None]
    active = (months[None, :] >= operating) & (months[None, :] < projects["exit"][:, None])
    rampup = industry_values(s, entities, projects, "rampup_months")[:, None]
    ramp = np.where(rampup > 0, np.clip((months[None, :] - operating + 1) / np.maximum(rampup, 1), 0, 1), 1.0)
    base = entities.revenue[entity][:, months // 12] / 12 * ramp * active
    production = {
        k: industry_values(s, entities, projects, f"production_share.{k}")[:, None]
        for k in ("revenue", "payroll", "profit")
    }
    revenue = base * production["revenue"]
    return {
        "revenue": revenue,
        "payroll": base * industry_values(s, entities, projects, "payroll_share")[:, None] * production["payroll"],
        "profit": base * industry_values(s, entities, projects, "profit_margin")[:, None] * production["profit"],
    }


def yearly_indicators(
    s: Scenario, entities: Entities, projects: dict[str, np.ndarray], years: np.ndarray
) -> dict[str, np.ndarray]:
    """Each indicator [project, year] for the given year indexes (money in yuan, counts as numbers)."""
    assert s.population is not None
    months = (years[:, None] * 12 + np.arange(12)).ravel()
    flows = monthly(s, entities, projects, months)
    n = len(projects["entity"])

    def per_year(matrix: np.ndarray) -> np.ndarray:
        return matrix.reshape(n, len(years), 12).sum(axis=2)

    output = per_year(flows["revenue"])
    landed = projects["landed"]
    build = industry_values(s, entities, projects, "build_months")
    investment_total = projects["investment"]
    # fixed-asset investment is spent evenly over the construction months (all at once without construction)
    spend_months = np.maximum(build, 1)
    building = (months[None, :] >= landed[:, None]) & (months[None, :] < landed[:, None] + spend_months[:, None])
    investment = per_year(building * (investment_total / spend_months)[:, None])
    foreign = entities.foreign[projects["entity"].astype(np.int64)]
    landed_year = np.where(landed < 10**8, landed // 12, -1)
    fdi = np.where(foreign[:, None] & (landed_year[:, None] == years[None, :]), investment_total[:, None], 0.0)
    present = (landed[:, None] < (years[None, :] + 1) * 12) & (projects["exit"][:, None] > years[None, :] * 12)
    return {
        "output": output,
        "value_added": output * industry_values(s, entities, projects, "value_added_ratio")[:, None],
        "investment": investment,
        "trade": output * industry_values(s, entities, projects, "trade_share")[:, None],
        "fdi": fdi,
        "employment": per_year(flows["payroll"]) / s.population.wage_yuan,
        "entities": present.astype(np.float64),
    }


def zone_indicators(
    s: Scenario, entities: Entities, projects: dict[str, np.ndarray], year_index: int
) -> dict[int, dict[str, float]]:
    """Each agreement's zone totals of every indicator in one year (what the assessment reads)."""
    values = yearly_indicators(s, entities, projects, np.array([year_index]))
    agreement = projects["agreement"].astype(np.int64)
    return {
        a: {name: float(values[name][agreement == a, 0].sum()) for name in INDICATORS} for a in range(len(s.agreements))
    }
