"""The FTZ's own yearly totals, for its targets (seeds/001): entities, industrial output, tax, FDI, trade.

Every FTZ-registered entity counts, but only with what it produces in the FTZ: while a project operates in a
collaborative zone, its zone revenue, payroll and profit (`sim.model.activity.monthly`) leave the FTZ's figures
— they are the zone's, credited to the FTZ only through the agreement's statistics rules, so the FTZ's targets
do not count relocated output twice. A project's investment counts as FDI where it lands: the FTZ's when a
foreign-invested entity's project stays in the FTZ. Tax is an accrual estimate — revenue × VAT burden with
its surcharge, profit × the CIT rate in force, payroll × the IIT rate — since the FTZ's whole tax calendar is
not simulated, only the projects'.
"""

from __future__ import annotations

import numpy as np

from sim.model.activity import monthly
from sim.model.entities import cit_rates
from sim.model.simulation import NEVER, Simulation

FTZ_INDICATORS = ("entities", "industrial_output", "tax_revenue", "fdi", "trade")


def zone_flows(sim: Simulation) -> dict[str, np.ndarray]:
    """Revenue, payroll and profit [entity, year] (yuan) that entities' projects produce in a zone."""
    s, e = sim.scenario, sim.entities
    years = s.horizon.years
    in_zone = sim.projects["landed"] < NEVER
    projects = {k: v[in_zone] for k, v in sim.projects.items()}
    flows = monthly(s, e, projects, np.arange(12 * years))
    out = {}
    for name, matrix in flows.items():
        yearly = matrix.reshape(len(matrix), years, 12).sum(axis=2)
        out[name] = np.zeros((len(e), years))
        np.add.at(out[name], projects["entity"].astype(np.int64), yearly)
    return out


def ftz_indicators(sim: Simulation) -> dict[str, np.ndarray]:
    """Each indicator per horizon year (yuan, entities as a count)."""
    s, e = sim.scenario, sim.entities
    pop = s.population
    assert pop is not None
    years = np.arange(s.horizon.years)
    spec = pop.industries

    def param(name: str) -> np.ndarray:
        return np.array([float(getattr(i, name)) for i in spec])[e.industry][:, None]

    zone = zone_flows(sim)
    revenue = e.revenue - zone["revenue"]  # [entity, year], zero before registration
    profit = (e.revenue * param("profit_margin") - zone["profit"]).clip(min=0)
    payroll = e.revenue * param("payroll_share") - zone["payroll"]
    cit_rate = cit_rates(pop, e.industry, e.size, s.horizon.start_year + years)
    tax = (
        revenue * param("vat_burden") * (1 + pop.urban_maintenance_rate)
        + profit * cit_rate
        + payroll * pop.iit_rate_on_payroll
    )
    new_foreign = e.foreign[:, None] & (e.registered_year[:, None] == years[None, :])
    fdi = (new_foreign * param("fdi_yuan_per_foreign_entity")).sum(axis=0)
    projects = sim.projects
    stayed = projects["ftz_landed"] < NEVER
    foreign = stayed & e.foreign[projects["entity"].astype(np.int64)]
    if foreign.any():
        year = (projects["ftz_landed"][foreign] // 12).astype(np.int64)
        fdi = fdi + np.bincount(year, weights=projects["investment"][foreign], minlength=len(years))[: len(years)]
    return {
        "entities": (e.registered_year[:, None] <= years[None, :]).sum(axis=0).astype(np.float64),
        "industrial_output": (revenue * param("industrial")).sum(axis=0),
        "tax_revenue": tax.sum(axis=0),
        "fdi": fdi,
        "trade": (revenue * param("trade_share")).sum(axis=0),
    }
