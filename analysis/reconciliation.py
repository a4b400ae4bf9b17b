"""Totals a reader can check against the parameters: what the zone produced, what the taxes should be, what
the ledger holds. Differences come only from the calendar (December's VAT and the last CIT settlement fall
after the horizon), refunds and the exemption — each stated beside the figure."""

from __future__ import annotations

import numpy as np

from sim.ledger import Ledger
from sim.model.activity import industry_values, monthly
from sim.model.simulation import NEVER, Simulation
from sim.money import yuan_text
from sim.taxes import TAX_INDEX


def reconciliation(sim: Simulation, ledger: Ledger) -> dict:
    s = sim.scenario
    pop = s.population
    landed = sim.projects["landed"] < NEVER
    projects = {k: v[landed] for k, v in sim.projects.items()}
    flows = monthly(s, sim.entities, projects, np.arange(12 * s.horizon.years))

    def paid(tax: str) -> int:
        return int(ledger.amount[ledger.tax == TAX_INDEX[tax]].sum())

    revenue = flows["revenue"].sum(axis=1)
    vat_due = float((revenue * industry_values(s, sim.entities, projects, "vat_burden")).sum())
    payroll = float(flows["payroll"].sum())
    return {
        "zone_revenue_yuan": yuan_text(round(float(revenue.sum()) * 100)),
        "vat": {
            "due_revenue_x_burden_yuan": yuan_text(round(vat_due * 100)),
            "paid_in_horizon_yuan": yuan_text(paid("vat")),
            "why_they_differ": (
                "December's VAT (and small taxpayers' Q4) is paid after the horizon; input VAT on the projects' "
                "investment is credited and its excess refunded"
            ),
        },
        "urban_maintenance": {
            "paid_yuan": yuan_text(paid("urban_maintenance")),
            "rate_x_vat_paid_yuan": yuan_text(round(paid("vat") * pop.urban_maintenance_rate)),
            "why_they_differ": (
                "refunded excess input VAT is deducted from later surcharge bases (公告2021年第28号), and refunds "
                "not yet deducted by the horizon's end are not"
            ),
        },
        "iit": {
            "due_payroll_x_rate_yuan": yuan_text(round(payroll * pop.iit_rate_on_payroll * 100)),
            "paid_in_horizon_yuan": yuan_text(paid("iit")),
            "why_they_differ": "December's IIT is paid after the horizon",
        },
        "cit_paid_yuan": yuan_text(paid("cit")),
        "cit_rows_booked_central_by_exemption": int(ledger.has_central.sum()),
    }
