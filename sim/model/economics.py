"""A project's economics, from the firm behind it: output, land, investment and payroll; and the statutory
size thresholds that decide a taxpayer's regime.

The one place a project's size is worked out; the simulation records the result per project
(`Projects.land_ha`, `Projects.investment`) and everything downstream — land queues, investment statistics,
property and land-use tax, input VAT — reads those columns. The chain follows the land-use standards a zone
applies when it grants industrial land (标准地: 亩均产出, 投资强度; `sim/parameters/model.yaml` gives the sources):

    output     = the entity's revenue that year × the share of revenue that moves to the zone (its zone revenue
                 at full production, 达产)
    land (ha)  = output ÷ output per hectare (亩均产出), at least `min_land_ha` (one standard-factory unit)
    investment = land × investment intensity (投资强度); so output ÷ investment = 亩均产出 ÷ 投资强度 (投资产出比)
    payroll    = the entity's revenue × payroll share × the share of payroll that moves; employees = ÷ wage

An industry's `land_ha_per_project` (the older scenario format) fixes the land instead; investment is still
land × intensity, as it always was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.parameters import parameter
from sim.scenario.population import Population

if TYPE_CHECKING:
    from sim.model.entities import Entities


def _per_industry(population: Population, industry: np.ndarray, value) -> np.ndarray:
    """An industry attribute (a function of the industry) for each row of `industry`."""
    return np.array([float(value(i)) for i in population.industries], np.float64)[industry]


def project_economics(population: Population, entities: Entities, entity: np.ndarray, year: np.ndarray) -> dict:
    """Output (yuan a year at full production), land (ha), fixed-asset investment (yuan), payroll (yuan a year)
    and employees of the projects of `entity` started in horizon `year` index."""
    entity = np.asarray(entity, np.int64)
    industry = entities.industry[entity]
    revenue = entities.revenue[entity, np.asarray(year, np.int64)]

    def of(value) -> np.ndarray:
        return _per_industry(population, industry, value)

    output = revenue * of(lambda i: i.production_share.revenue)
    fixed = of(lambda i: np.nan if i.land_ha_per_project is None else i.land_ha_per_project)
    derived = np.maximum(output / of(lambda i: i.output_yuan_per_ha), population.min_land_ha)
    land = np.where(np.isnan(fixed), derived, fixed)
    payroll = revenue * of(lambda i: i.payroll_share * i.production_share.payroll)
    return {
        "output": output,
        "land_ha": land,
        "investment": land * of(lambda i: i.investment_yuan_per_ha),
        "payroll": payroll,
        "employees": payroll / population.wage_yuan,
    }


def firm_figures(population: Population, industry: np.ndarray, revenue: np.ndarray) -> dict[str, np.ndarray]:
    """What the small low-profit test reads, from a firm's revenue (any shape; `industry` broadcast against it):
    taxable income = revenue × profit margin (no less than 0), employees = payroll ÷ wage, assets = revenue ÷
    asset turnover."""
    revenue = np.asarray(revenue, np.float64)
    industry = np.asarray(industry, np.int64).reshape(revenue.shape[:1] + (1,) * (revenue.ndim - 1))

    def of(value) -> np.ndarray:
        return _per_industry(population, industry, value)

    return {
        "taxable_income": revenue * np.maximum(of(lambda i: i.profit_margin), 0.0),
        "employees": revenue * of(lambda i: i.payroll_share) / population.wage_yuan,
        "assets": revenue / of(lambda i: i.asset_turnover),
    }


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
