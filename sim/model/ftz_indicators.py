"""The FTZ's own yearly totals, for its targets (seeds/001): entities, industrial output, tax, FDI, trade.

All FTZ-registered entities count, wherever their production is (the zone's figures are shared statistics).
Tax is an accrual estimate — revenue × VAT burden with its surcharge, profit × the CIT rate in force, payroll ×
the IIT rate — since the FTZ's whole tax calendar is not simulated, only the zones'.
"""

from __future__ import annotations

import numpy as np

from sim.model.entities import cit_rates
from sim.model.simulation import NEVER, Simulation

FTZ_INDICATORS = ("entities", "industrial_output", "tax_revenue", "fdi", "trade")


def ftz_indicators(sim: Simulation) -> dict[str, np.ndarray]:
    """Each indicator per horizon year (yuan, entities as a count)."""
    s, e = sim.scenario, sim.entities
    pop = s.population
    assert pop is not None
    years = np.arange(s.horizon.years)
    spec = pop.industries

    def param(name: str) -> np.ndarray:
        return np.array([float(getattr(i, name)) for i in spec])[e.industry][:, None]

    revenue = e.revenue  # [entity, year], zero before registration
    calendar = s.horizon.start_year + years
    cit_rate = cit_rates(pop, e.industry, e.size, calendar)
    tax = revenue * (
        param("vat_burden") * (1 + pop.urban_maintenance_rate)
        + param("profit_margin").clip(min=0) * cit_rate
        + param("payroll_share") * pop.iit_rate_on_payroll
    )
    new_foreign = e.foreign[:, None] & (e.registered_year[:, None] == years[None, :])
    fdi = (new_foreign * param("fdi_yuan_per_foreign_entity")).sum(axis=0)
    projects = sim.projects
    landed = projects["landed"] < NEVER
    if landed.any():
        chosen = {k: v[landed] for k, v in projects.items()}
        foreign = e.foreign[chosen["entity"].astype(np.int64)]
        invested = chosen["investment"]
        landed_year = (chosen["landed"] // 12).astype(np.int64)
        fdi = fdi + np.bincount(landed_year[foreign], weights=invested[foreign], minlength=len(years))[: len(years)]
    return {
        "entities": (e.registered_year[:, None] <= years[None, :]).sum(axis=0).astype(np.float64),
        "industrial_output": (revenue * param("industrial")).sum(axis=0),
        "tax_revenue": tax.sum(axis=0),
        "fdi": fdi,
        "trade": (revenue * param("trade_share")).sum(axis=0),
    }
