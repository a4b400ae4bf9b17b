"""The same model written the obvious way: one SimPy process per entity, waking every month.

Each process draws its own revenue path, decides each January whether to reinvest, queues for land, and
every month computes its zone revenue and VAT, urban maintenance tax and IIT as Python floats, appending
ledger rows one by one. It exists only to measure what the bulk design of `sim.model` buys.
"""

from __future__ import annotations

import numpy as np
import simpy

from sim.scenario import Scenario


def run_naive(scenario: Scenario, seed: int) -> int:
    """Simulate; return the number of ledger rows (so the work cannot be optimised away)."""
    pop = scenario.population
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    land = {
        a.id: simpy.Container(env, init=next(p.land_ha for p in scenario.parties if p.id == a.host), capacity=1e12)
        for a in scenario.agreements
    }
    zones = list(land)
    rows: list[tuple] = []
    months = 12 * scenario.horizon.years

    def entity(index: int, spec):
        revenue = spec.revenue_yuan.median * float(np.exp(spec.revenue_yuan.sigma * rng.standard_normal()))
        zone, operating = None, None
        for month in range(months):
            if month % 12 == 0 and month:
                revenue *= max(0.0, 1 + spec.growth.mean + spec.growth.sd * float(rng.standard_normal()))
            if zone is None and month % 12 == 0 and rng.random() < spec.reinvest_rate_per_year:
                zone = zones[int(rng.integers(len(zones)))]
                request = land[zone].get(spec.land_ha_per_project)
                result = yield request | env.timeout(pop.land_patience_months)
                if request not in result:
                    request.cancel()
                    zone = "gave_up"
                else:
                    operating = env.now + spec.build_months
            if zone not in (None, "gave_up") and env.now >= operating:
                ramp = min(1.0, (env.now - operating + 1) / max(spec.rampup_months, 1))
                zone_revenue = revenue / 12 * spec.production_share.revenue * ramp
                vat = zone_revenue * spec.vat_burden
                rows.append((index, month, "vat", round(vat, 2)))
                rows.append((index, month, "urban_maintenance", round(vat * pop.urban_maintenance_rate, 2)))
                payroll = (
                    zone_revenue / spec.production_share.revenue * spec.payroll_share * spec.production_share.payroll
                )
                rows.append((index, month, "iit", round(payroll * pop.iit_rate_on_payroll, 2)))
            next_month = month + 1
            if env.now < next_month:
                yield env.timeout(next_month - env.now)

    index = 0
    for spec in pop.industries:
        for _ in range(spec.ftz_entities):
            env.process(entity(index, spec))
            index += 1
    env.run(until=months)
    return len(rows)
