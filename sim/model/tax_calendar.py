"""Taxes of zone projects on their legal calendar, as ledger rows (DOMAIN.md §2 and §4).

- VAT: monthly, paid the next month; small-scale taxpayers quarterly, paid the month after the quarter.
  Occasional credit refunds (留抵退税) come back as negative VAT in December.
- Urban maintenance and construction tax: a surcharge on the VAT paid, same month.
- IIT: withheld monthly on the zone payroll, paid the next month.
- CIT: prepaid quarterly (a share of the quarter's liability) the month after the quarter; the annual
  settlement (汇算清缴) in May of the next year pays the rest or refunds the excess. Projects qualifying for
  the Beibu Gulf exemption pay only the central part during their first `local_cit_exemption_years` years,
  booked in the `central` column (桂政发〔2020〕42号).
- Property and land-use tax: yearly in April, on buildings finished and land held before the year began.
Payments that fall after the horizon are not in the ledger: they are collected outside it.
"""

from __future__ import annotations

import numpy as np

from sim.ledger import Ledger
from sim.model.activity import industry_values, monthly
from sim.model.entities import SMALL, cit_rates, entity_ids
from sim.model.simulation import NEVER, Simulation
from sim.scenario import Scenario
from sim.taxes import TAX_INDEX

PAID_IN_APRIL = 3  # month index within the year for the yearly property and land-use taxes
SETTLED_IN_MAY = 4  # CIT annual settlement, month index in the following year
M2_PER_HA = 10_000


def ledger_of(sim: Simulation, rng: np.random.Generator) -> Ledger:
    """The simulated ledger: one row per project × month × tax type with a non-zero payment."""
    s, entities, projects = sim.scenario, sim.entities, sim.projects
    pop = s.population
    assert pop is not None
    landed = projects["landed"] < NEVER
    projects = {k: v[landed] for k, v in projects.items()}
    n, months_total = len(projects["entity"]), 12 * s.horizon.years
    months = np.arange(months_total)
    flows = monthly(s, entities, projects, months)
    entity = projects["entity"].astype(np.int64)
    small = entities.size[entity] == SMALL
    year_of_month = months // 12

    vat_due = flows["revenue"] * industry_values(s, entities, projects, "vat_burden")[:, None]
    vat = np.where(small[:, None], _quarterly(vat_due), _next_month(vat_due))
    refund_share = industry_values(s, entities, projects, "vat_refund_share")
    refund = (
        rng.random((n, s.horizon.years)) < industry_values(s, entities, projects, "vat_refund_probability")[:, None]
    )
    yearly_vat = _sum_by(vat_due, 12)
    vat[:, 11::12] -= refund * refund_share[:, None] * yearly_vat
    urban = vat * pop.urban_maintenance_rate
    iit = _next_month(flows["payroll"] * pop.iit_rate_on_payroll)

    years = s.horizon.start_year + np.arange(s.horizon.years)
    rate = cit_rates(pop, entities.industry[entity], entities.size[entity], years)[:, year_of_month]
    liability = flows["profit"] * rate
    quarter = np.maximum(_sum_by(liability, 3), 0)  # [project, quarter]
    prepaid = quarter * pop.cit_prepay_share
    cit = np.zeros((n, months_total))
    prepay_month = np.arange(quarter.shape[1]) * 3 + 3
    inside = prepay_month < months_total
    cit[:, prepay_month[inside]] += prepaid[:, inside]
    annual = np.maximum(_sum_by(liability, 12), 0)
    settlement = annual - _sum_by(prepaid, 4)
    settle_month = np.arange(s.horizon.years) * 12 + 12 + SETTLED_IN_MAY
    inside = settle_month < months_total
    cit[:, settle_month[inside]] += settlement[:, inside]
    # the tax year each CIT payment belongs to: prepayments the quarter before, settlements the year before
    cit_year = np.full(months_total, -1)
    cit_year[prepay_month[prepay_month < months_total]] = (prepay_month[prepay_month < months_total] - 1) // 12
    cit_year[settle_month[settle_month < months_total]] = settle_month[settle_month < months_total] // 12 - 1
    landing_year = projects["landed"] // 12
    exempt = projects["exempt"].astype(bool)[:, None] & (
        (cit_year[None, :] >= landing_year[:, None])
        & (cit_year[None, :] < landing_year[:, None] + s.tax_rules.local_cit_exemption_years)
    )
    cit = np.where(exempt, cit * s.tax_rules.central_ppm("cit") / 1_000_000, cit)

    investment = projects["investment"]
    held = (projects["landed"][:, None] < year_of_month[None, ::12] * 12) & (
        projects["exit"][:, None] > year_of_month[None, ::12] * 12
    )
    built = (projects["operating"][:, None] <= year_of_month[None, ::12] * 12) & held
    april = np.arange(s.horizon.years) * 12 + PAID_IN_APRIL
    property_tax = np.zeros((n, months_total))
    property_tax[:, april] = built * (investment * pop.building_share_of_investment * pop.property_tax_rate)[:, None]
    land_use = np.zeros((n, months_total))
    land_ha = projects["land_ha"]
    land_use[:, april] = held * (land_ha * M2_PER_HA * pop.land_use_tax_yuan_per_m2)[:, None]

    taxes = {
        "vat": vat,
        "urban_maintenance": urban,
        "iit": iit,
        "cit": cit,
        "property": property_tax,
        "land_use": land_use,
    }
    return _rows(s, sim, projects, taxes, exempt)


def _next_month(due: np.ndarray) -> np.ndarray:
    paid = np.zeros_like(due)
    paid[:, 1:] = due[:, :-1]
    return paid


def _sum_by(matrix: np.ndarray, k: int) -> np.ndarray:
    """Sums of each run of `k` columns (months → quarters or years); shapes are explicit so that a simulation
    in which no project landed (zero rows) works too."""
    rows, columns = matrix.shape
    return matrix.reshape(rows, columns // k, k).sum(axis=2)


def _quarterly(due: np.ndarray) -> np.ndarray:
    """Quarter totals paid in the month after each quarter (Apr, Jul, Oct, next Jan)."""
    n, m = due.shape
    paid = np.zeros_like(due)
    totals = _sum_by(due, 3)
    months = np.arange(totals.shape[1]) * 3 + 3
    inside = months < m
    paid[:, months[inside]] = totals[:, inside]
    return paid


def _rows(
    s: Scenario, sim: Simulation, projects: dict[str, np.ndarray], taxes: dict[str, np.ndarray], exempt: np.ndarray
) -> Ledger:
    """Non-zero fen cells of each tax matrix → ledger rows, ordered by project, month, tax type."""
    columns = []
    for name, matrix in taxes.items():
        fen = np.rint(matrix * 100).astype(np.int64)
        p, m = np.nonzero(fen)
        central = np.zeros(len(p), np.int64)
        has_central = np.zeros(len(p), bool)
        if name == "cit":
            has_central = exempt[p, m]
            central = np.where(has_central, fen[p, m], 0)
        columns.append((p, m, np.full(len(p), TAX_INDEX[name]), fen[p, m], central, has_central))
    p, m, tax, amount, central, has_central = (np.concatenate(c) for c in zip(*columns, strict=True))
    order = np.lexsort((tax, m, p))
    p, m, tax, amount, central, has_central = (x[order] for x in (p, m, tax, amount, central, has_central))
    entity = projects["entity"].astype(np.int64)[p]
    ids, codes = np.unique(entity, return_inverse=True)
    return Ledger(
        source="simulation",
        entity_ids=entity_ids(ids),
        entity=codes.astype(np.int64),
        agreement=projects["agreement"].astype(np.int64)[p],
        year=s.horizon.start_year + m // 12,
        month=m % 12 + 1,
        tax=tax.astype(np.int64),
        amount=amount,
        central=central,
        has_central=has_central,
        start_year=s.horizon.start_year + (projects["landed"] // 12).astype(np.int64)[p],
        row_numbers=np.arange(len(p)) + 2,
    )
