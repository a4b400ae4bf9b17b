"""A project's economics: the land it needs and what it invests there, from the firm behind it.

The one place a project's size is worked out; the simulation records the result per project
(`Projects.land_ha`, `Projects.investment`) and everything downstream — land queues, investment statistics,
property and land-use tax, input VAT — reads those columns.
"""

from __future__ import annotations

import numpy as np

from sim.model.entities import Entities
from sim.parameters import parameter
from sim.scenario.population import Population


def project_economics(population: Population, entities: Entities, entity: np.ndarray, year: np.ndarray) -> dict:
    """Land (ha) and fixed-asset investment (yuan) of the projects of `entity` started in horizon `year` index."""
    specs = population.industries
    industry = entities.industry[np.asarray(entity, np.int64)]
    land = np.array([i.land_ha_per_project for i in specs], np.float64)[industry]
    per_ha = np.array([i.investment_yuan_per_ha for i in specs], np.float64)[industry]
    return {"land_ha": land, "investment": land * per_ha}


def _threshold(name: str) -> float:
    """The statutory threshold in force now (national.size_thresholds): they have not changed since 2019."""
    values = parameter(f"national.size_thresholds.{name}").values
    return float(values[-1][1])


def small_scale_vat(yearly_sales: np.ndarray) -> np.ndarray:
    """Small-scale VAT taxpayer (files quarterly): yearly taxable sales ≤ 5 million yuan (财税〔2018〕33号)."""
    return np.asarray(yearly_sales) <= _threshold("small_scale_vat_sales")


def small_low_profit(taxable_income: np.ndarray, employees: np.ndarray, assets: np.ndarray) -> np.ndarray:
    """Small low-profit enterprise (小型微利企业, the reduced CIT rate): taxable income ≤ 3 million yuan, at most 300
    employees and assets ≤ 50 million yuan in the year — all three (公告2023年第6号, 财税〔2019〕13号)."""
    return (
        (np.asarray(taxable_income) <= _threshold("small_low_profit_taxable_income"))
        & (np.asarray(employees) <= _threshold("small_low_profit_employees"))
        & (np.asarray(assets) <= _threshold("small_low_profit_assets"))
    )
