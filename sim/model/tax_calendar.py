"""Taxes of zone projects on their legal calendar, as ledger rows (DOMAIN.md §2 and §4). Deterministic: every
draw happened in the simulation, so the worlds with and without an agreement share their taxes' rules exactly.

- VAT: general taxpayers monthly, paid the next month, after crediting the input VAT of the project's own
  investment and the credit carried forward; refunds of incremental excess credit come back as negative VAT
  with the next return; small-scale taxpayers (by yearly sales) quarterly, paid the month after the quarter
  (`sim.model.vat`).
- Urban maintenance and construction tax: a surcharge on the VAT paid, same month, with the VAT refunded
  deducted from its later base.
- IIT: withheld monthly on the zone payroll, paid the next month.
- CIT: prepaid quarterly (a share of the quarter's positive liability) the month after the quarter; the
  annual settlement (汇算清缴) in May of the next year pays the rest of the year's liability on its taxable
  income after losses carried forward, or refunds the excess. The rate and the Beibu Gulf local exemption
  follow the project's status that year (`sim.model.cit`); exempt payments carry only the central part,
  booked in the `central` column.
- Property and land-use tax: yearly in April, on buildings finished and land held before the year began.
Payments that fall after the horizon are not in the ledger: they are collected outside it.
"""

from __future__ import annotations

import numpy as np

from sim.apportion import PPM
from sim.ledger import Ledger
from sim.model import cit, vat
from sim.model.activity import industry_values, monthly
from sim.model.entities import Entities, entity_ids
from sim.model.simulation import NEVER, Simulation
from sim.scenario import Scenario
from sim.taxes import TAX_INDEX

PAID_IN_APRIL = 3  # month index within the year for the yearly property and land-use taxes
SETTLED_IN_MAY = 4  # CIT annual settlement, month index in the following year
M2_PER_HA = 10_000


def ledger_of(sim: Simulation) -> Ledger:
    """The simulated ledger: one row per project × month × tax type with a non-zero payment."""
    s, entities, projects = sim.scenario, sim.entities, sim.projects
    pop = s.population
    assert pop is not None
    landed = projects["landed"] < NEVER
    projects = {k: v[landed] for k, v in projects.items()}
    years, months_total = s.horizon.years, 12 * s.horizon.years
    months = np.arange(months_total)
    flows = monthly(s, entities, projects, months)
    entity = projects["entity"].astype(np.int64)

    vat_paid, vat_refunded = _vat(s, entities, projects, flows)
    urban = vat.surcharge_base(vat_paid, vat_refunded) * pop.urban_maintenance_rate
    iit = _next_month(flows["payroll"] * pop.iit_rate_on_payroll)
    cit_paid, cit_central, has_cit_central = _cit(s, entities, projects, flows)

    investment = projects["investment"]
    year_start = np.arange(years) * 12
    held = (projects["landed"][:, None] < year_start[None, :]) & (projects["exit"][:, None] > year_start[None, :])
    built = (projects["operating"][:, None] <= year_start[None, :]) & held
    april = year_start + PAID_IN_APRIL
    property_tax = np.zeros((len(entity), months_total))
    property_tax[:, april] = built * (investment * pop.building_share_of_investment * pop.property_tax_rate)[:, None]
    land_use = np.zeros((len(entity), months_total))
    land_use[:, april] = held * (projects["land_ha"] * M2_PER_HA * pop.land_use_tax_yuan_per_m2)[:, None]

    taxes = {
        "vat": vat_paid - vat_refunded,
        "urban_maintenance": urban,
        "iit": iit,
        "cit": cit_paid,
        "property": property_tax,
        "land_use": land_use,
    }
    return _rows(s, projects, taxes, cit_central, has_cit_central)


def _vat(
    s: Scenario, entities: Entities, projects: dict[str, np.ndarray], flows: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """VAT paid and VAT refunded [project, month], each ≥ 0, in the month booked."""
    pop = s.population
    assert pop is not None
    months_total = flows["revenue"].shape[1]
    due = flows["revenue"] * industry_values(s, entities, projects, "vat_burden")[:, None]
    general = np.repeat(vat.general_taxpayer(_sum_by(flows["revenue"], 12), projects["operating"]), 12, axis=1)
    input_vat = vat.investment_input_vat(
        projects["investment"],
        projects["landed"],
        projects["operating"],
        pop.equipment_share_of_investment,
        pop.building_share_of_investment,
        s.horizon.start_year,
        months_total,
    )
    national = vat.dated("national.vat_credit_refund.incremental_share", s.horizon.start_year, months_total)
    own = np.array(
        [np.nan if i.vat_credit_refund_share is None else i.vat_credit_refund_share for i in pop.industries]
    )[entities.industry[projects["entity"].astype(np.int64)]]
    refund_share = np.where(np.isnan(own)[:, None], national[None, :], own[:, None])
    payable, refund = vat.credit(due * general, input_vat * general, refund_share)
    return _next_month(payable) + _quarterly(due * ~general), _next_month(refund)


def _cit(
    s: Scenario, entities: Entities, projects: dict[str, np.ndarray], flows: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CIT paid [project, month]; where part of it is exempt, its central part and True (else 0 and False)."""
    pop = s.population
    assert pop is not None
    months_total = flows["profit"].shape[1]
    years = months_total // 12
    entity = projects["entity"].astype(np.int64)
    profit = _sum_by(flows["profit"], 12)
    loss_years = np.where(entities.high_tech[entity], cit.LOSS_YEARS_HIGH_TECH, cit.LOSS_YEARS)
    taxable = cit.taxable_income(profit, loss_years)
    small = cit.small_low_profit_years(taxable, _sum_by(flows["payroll"], 12), pop.wage_yuan, projects["investment"])
    rate = cit.rates(s, entities, entity, small, s.horizon.start_year + np.arange(years))

    paid = np.zeros((len(entity), months_total))
    tax_year = np.full(months_total, -1)  # the tax year each payment month settles
    prepaid = np.maximum(_sum_by(flows["profit"], 3) * np.repeat(rate, 4, axis=1), 0) * pop.cit_prepay_share
    prepay_month = np.arange(4 * years) * 3 + 3
    inside = prepay_month < months_total
    paid[:, prepay_month[inside]] += prepaid[:, inside]
    tax_year[prepay_month[inside]] = (prepay_month[inside] - 1) // 12
    settlement = taxable * rate - _sum_by(prepaid, 4)
    settle_month = np.arange(years) * 12 + 12 + SETTLED_IN_MAY
    inside = settle_month < months_total
    paid[:, settle_month[inside]] += settlement[:, inside]
    tax_year[settle_month[inside]] = settle_month[inside] // 12 - 1

    exempt = cit.local_exempt_share(s, entities, entity, projects["landed"], projects["operating"], small)
    share = np.where(tax_year >= 0, exempt[:, np.maximum(tax_year, 0)], 0.0)
    central = paid * (s.tax_rules.central_ppm("cit") / PPM)
    return central + (paid - central) * (1 - share), central, share > 0


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
    s: Scenario,
    projects: dict[str, np.ndarray],
    taxes: dict[str, np.ndarray],
    cit_central: np.ndarray,
    has_cit_central: np.ndarray,
) -> Ledger:
    """Non-zero fen cells of each tax matrix → ledger rows, ordered by project, month, tax type."""
    columns = []
    for name, matrix in taxes.items():
        fen = np.rint(matrix * 100).astype(np.int64)
        p, m = np.nonzero(fen)
        central = np.zeros(len(p), np.int64)
        has_central = np.zeros(len(p), bool)
        if name == "cit":
            has_central = has_cit_central[p, m]
            central = np.where(has_central, np.rint(cit_central[p, m] * 100).astype(np.int64), 0)
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
