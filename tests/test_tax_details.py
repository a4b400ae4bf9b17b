"""Tax details that move money, each on one hand-built project with the figures worked out by hand:
the Beibu Gulf local CIT exemption (桂政发〔2020〕42号), input VAT on the project's investment with the credit
carried and refunded, CIT losses carried forward five years, small-scale VAT filing and the dated small/micro
CIT rate.

Each project is built directly (no SimPy run): one entity whose zone revenue, profit and payroll are the
entity's revenue × the industry's margins (production shares 1), so every figure below follows from the
numbers in the test.
"""

from __future__ import annotations

import inspect
from dataclasses import fields

import numpy as np
import pytest
from sim_builders import world

from sim.errors import InputError
from sim.model import cit
from sim.model.entities import GENERAL, Entities
from sim.model.simulation import NEVER, Simulation
from sim.model.tax_calendar import ledger_of
from sim.scenario.loading import scenario_from_data
from sim.taxes import TAX_INDEX

WHOLE = {"revenue": 1.0, "payroll": 1.0, "profit": 1.0}


def scenario(industry: dict | None = None, population: dict | None = None, **top):
    """The test world with production shares of 1, no exemption by industry and no investment shares changed."""
    return world({"production_share": WHOLE, "local_cit_exemption": False, **(industry or {})}, population, **top)


def one_project(s, revenue: list[float], landed: int = 0, build: int = 0, investment: float = 0.0, high_tech=False):
    """A simulation holding one entity (revenue per horizon year) and its one zone project."""
    columns = {
        "industry": [0],
        "area": [0],
        "size": [GENERAL],
        "high_tech": [high_tech],
        "foreign": [False],
        "registered_year": [0],
        "revenue": [revenue],
    }
    entities = Entities(**{f.name: np.array(columns[f.name]) for f in fields(Entities)})
    projects = {
        "entity": np.array([0]),
        "agreement": np.array([0]),
        "requested": np.array([float(landed)]),
        "landed": np.array([float(landed)]),
        "ftz_landed": np.array([float(NEVER)]),
        "operating": np.array([float(landed + build)]),
        "exit": np.array([float(NEVER)]),
        "land_ha": np.array([1.0]),
        "investment": np.array([investment]),
        "outcome": np.array(["landed"]),
    }
    given = {"scenario": s, "entities": entities, "projects": projects, "events": [], "assessments": [], "revoked": {}}
    given["land"] = {}
    return Simulation(**{f.name: given[f.name] for f in fields(Simulation) if f.name in given})


def payments(ledger, tax: str) -> dict[tuple[int, int], int]:
    """(year, month) → amount in fen of one tax type."""
    rows = ledger.tax == TAX_INDEX[tax]
    return {
        (int(y), int(m)): int(a)
        for y, m, a in zip(ledger.year[rows], ledger.month[rows], ledger.amount[rows], strict=True)
    }


def central_rows(ledger) -> dict[tuple[int, int], int]:
    """(year, month) → central fen of the CIT rows booked with a central part."""
    rows = (ledger.tax == TAX_INDEX["cit"]) & ledger.has_central
    return {
        (int(y), int(m)): int(c)
        for y, m, c in zip(ledger.year[rows], ledger.month[rows], ledger.central[rows], strict=True)
    }


# ---------------------------------------------------------------- the ledger is deterministic


def test_the_ledger_takes_no_random_generator_and_repeats_exactly():
    assert list(inspect.signature(ledger_of).parameters) == ["sim"]
    sim = one_project(scenario(horizon={"start_year": 2023, "years": 2}), [60_000_000] * 2, investment=20_000_000)
    first, second = ledger_of(sim), ledger_of(sim)
    assert (first.amount == second.amount).all() and (first.month == second.month).all()


# ---------------------------------------------------------------- Beibu Gulf local CIT exemption

# Zone revenue 120,000,000 a year = 10,000,000 a month; profit 10% = 1,000,000 a month; CIT 25% = 250,000 a
# month: a quarter's 750,000 is prepaid at 90% = 675,000.00, the year's 3,000,000 settled in May with the
# remaining 300,000.00. Exempt from the local 40%: 60% of each, 405,000.00 and 180,000.00, all central.
BIG = 120_000_000
PREPAY, SETTLE = 67_500_000, 30_000_000
PREPAY_EXEMPT, SETTLE_EXEMPT = 40_500_000, 18_000_000


def test_exemption_starts_in_the_first_year_with_revenue_not_at_landing():
    # Lands January 2023 (inside the 2021–2025 window), builds 24 months: first revenue in 2025, so tax years
    # 2025–2029 are exempt (landing-based, 2023–2027, would leave 2028 and 2029 taxed in full).
    s = scenario({"local_cit_exemption": True}, horizon={"start_year": 2023, "years": 8})
    ledger = ledger_of(one_project(s, [BIG] * 8, landed=0, build=24))
    cit_paid = payments(ledger, "cit")
    central = central_rows(ledger)
    assert min(cit_paid) == (2025, 4)  # the first prepayment: Q1 2025, paid in April
    for year in range(2025, 2030):  # the tax year's three prepayments, Q4 in January, settlement in May
        for month_of in ((year, 4), (year, 7), (year, 10), (year + 1, 1)):
            assert cit_paid[month_of] == PREPAY_EXEMPT == central[month_of]
        if year + 1 <= 2030:
            assert cit_paid[(year + 1, 5)] == SETTLE_EXEMPT == central[(year + 1, 5)]
    for month_of in ((2030, 4), (2030, 7), (2030, 10)):  # tax year 2030: full, nothing booked central
        assert cit_paid[month_of] == PREPAY and month_of not in central


def test_not_eligible_registered_after_the_window_or_not_a_qualifying_industry():
    # Landed January 2026: registered after the policy's window (no extension published) → full CIT.
    s = scenario({"local_cit_exemption": True}, horizon={"start_year": 2026, "years": 2})
    ledger = ledger_of(one_project(s, [BIG] * 2))
    assert payments(ledger, "cit")[(2026, 4)] == PREPAY and not central_rows(ledger)
    # Landed 2024 but its industry does not qualify (not industrial, on the standard 25%) → full CIT.
    s = scenario({"local_cit_exemption": None, "industrial": False}, horizon={"start_year": 2024, "years": 2})
    ledger = ledger_of(one_project(s, [BIG] * 2))
    assert payments(ledger, "cit")[(2024, 4)] == PREPAY and not central_rows(ledger)
    # The same industry on the Western Development 15% qualifies (item 79): 15% of 3,000,000 a quarter…
    # 450,000 × 90% = 405,000 prepaid, 60% of it central-only = 243,000.00.
    s = scenario(
        {"local_cit_exemption": None, "industrial": False, "cit_rate": 0.15}, horizon={"start_year": 2024, "years": 2}
    )
    ledger = ledger_of(one_project(s, [BIG] * 2))
    assert payments(ledger, "cit")[(2024, 4)] == 24_300_000 == central_rows(ledger)[(2024, 4)]
    # and a certified high-tech enterprise qualifies whatever its industry (15%: the same figures)
    s = scenario({"local_cit_exemption": False}, horizon={"start_year": 2024, "years": 2})
    ledger = ledger_of(one_project(s, [BIG] * 2, high_tech=True))
    assert payments(ledger, "cit")[(2024, 4)] == 24_300_000 == central_rows(ledger)[(2024, 4)]
    # A scenario outside the Beibu Gulf (no exemption years) exempts nothing.
    s = scenario({"local_cit_exemption": True}, horizon={"start_year": 2024, "years": 2}, tax_rules={})
    assert not central_rows(ledger_of(one_project(s, [BIG] * 2)))


def test_a_small_low_profit_enterprise_qualifies_in_its_small_low_profit_years():
    # Not a qualifying industry, but small low-profit (item 82): revenue 12,000,000 → profit 1,200,000 ≤ 3 M,
    # 13 employees, no assets. 2024 rate 5%: a quarter's 300,000 × 5% × 90% = 13,500 prepaid, 60% = 8,100.00.
    s = scenario({"local_cit_exemption": False}, horizon={"start_year": 2024, "years": 2})
    ledger = ledger_of(one_project(s, [12_000_000] * 2))
    assert payments(ledger, "cit")[(2024, 4)] == 810_000 == central_rows(ledger)[(2024, 4)]


# ---------------------------------------------------------------- input VAT, carried credit, refunds

# Zone revenue 120,000,000 a year: output VAT at the 3% burden 300,000 a month from March 2023 (the project
# lands in January and builds two months). Its investment of 20,000,000 is spent 10,000,000 in January and in
# February; input VAT = 10,000,000 × (30% equipment × 13% + 50% buildings × 9%) = 840,000 each month.


def _vat_project(refund_share=None):
    industry = {} if refund_share is None else {"vat_credit_refund_share": refund_share}
    s = scenario(industry, horizon={"start_year": 2023, "years": 1})
    return ledger_of(one_project(s, [BIG], landed=0, build=2, investment=20_000_000))


def test_input_vat_is_credited_over_the_months_and_the_rest_carried():
    # No refund: 1,680,000 of credit offsets March–July (5 × 300,000 = 1,500,000); August owes 300,000 − 180,000
    # = 120,000.00, paid in September; then 300,000.00 a month. Urban maintenance 7% of each payment.
    ledger = _vat_project(refund_share=0.0)
    assert payments(ledger, "vat") == {
        (2023, 9): 12_000_000,
        (2023, 10): 30_000_000,
        (2023, 11): 30_000_000,
        (2023, 12): 30_000_000,
    }
    assert payments(ledger, "urban_maintenance") == {
        (2023, 9): 840_000,
        (2023, 10): 2_100_000,
        (2023, 11): 2_100_000,
        (2023, 12): 2_100_000,
    }


def test_incremental_excess_credit_is_refunded_and_leaves_the_surcharge_base():
    # 2023's national share is 100% (公告2022年第14号): each month's new excess (840,000) comes back with the
    # next return as negative VAT (February, March); VAT of 300,000 is then paid from April. The 1,680,000
    # refunded is deducted from the surcharge base: April–August pay no urban maintenance (1,500,000), September
    # 7% × (300,000 − 180,000) = 8,400.00, then 21,000.00. No negative surcharge.
    ledger = _vat_project()
    vat_paid = payments(ledger, "vat")
    assert vat_paid[(2023, 2)] == vat_paid[(2023, 3)] == -84_000_000
    assert all(vat_paid[(2023, m)] == 30_000_000 for m in range(4, 13)) and len(vat_paid) == 11
    assert payments(ledger, "urban_maintenance") == {
        (2023, 9): 840_000,
        (2023, 10): 2_100_000,
        (2023, 11): 2_100_000,
        (2023, 12): 2_100_000,
    }


def test_a_refund_share_below_one_refunds_part_of_each_new_excess():
    # 60%: January's excess 840,000 → 504,000 refunded in February, 336,000 carried; February: 336,000 + 840,000
    # = 1,176,000 left, of which the new 840,000 → 504,000 refunded in March, 672,000 carried. March–April use
    # 600,000 of it; May owes 300,000 − 72,000 = 228,000.00 (paid June), then 300,000.00. The 1,008,000
    # refunded leaves the surcharge base: June 0 (780,000 to go), July 0 (480,000), August 0 (180,000),
    # September 7% × 120,000 = 8,400.00.
    ledger = _vat_project(refund_share=0.6)
    vat_paid = payments(ledger, "vat")
    assert vat_paid[(2023, 2)] == vat_paid[(2023, 3)] == -50_400_000
    assert vat_paid[(2023, 6)] == 22_800_000 and (2023, 5) not in vat_paid
    assert all(vat_paid[(2023, m)] == 30_000_000 for m in range(7, 13))
    assert payments(ledger, "urban_maintenance")[(2023, 9)] == 840_000
    assert min(payments(ledger, "urban_maintenance")) == (2023, 9)


# ---------------------------------------------------------------- small-scale VAT by the sales threshold


def test_small_scale_files_quarterly_without_credit_and_turns_general_for_good():
    # 2023 sales 4,800,000 ≤ 5,000,000: small-scale, quarterly, 3% × 1,200,000 = 36,000.00 a quarter (paid April,
    # July, October, January) and no credit for its investment. 2024 sales 6,000,000: general, monthly 15,000.00.
    # 2025 sales fall back to 4,800,000: still general (no return to small-scale), monthly 12,000.00.
    s = scenario(horizon={"start_year": 2023, "years": 3})
    ledger = ledger_of(one_project(s, [4_800_000, 6_000_000, 4_800_000], investment=20_000_000))
    vat_paid = payments(ledger, "vat")
    assert {k: v for k, v in vat_paid.items() if k[0] == 2023} == {
        (2023, 4): 3_600_000,
        (2023, 7): 3_600_000,
        (2023, 10): 3_600_000,
    }
    assert vat_paid[(2024, 1)] == 3_600_000  # Q4 2023, still small-scale
    assert all(vat_paid[(2024, m)] == 1_500_000 for m in range(2, 13))
    assert vat_paid[(2025, 1)] == 1_500_000 and all(vat_paid[(2025, m)] == 1_200_000 for m in range(2, 13))


def test_a_project_above_the_threshold_from_its_first_full_year_credits_its_construction():
    # Builds through 2023 with no sales; 2024 sales 6,000,000 > 5,000,000: it registers as a general taxpayer at
    # landing and credits its investment's input VAT: 20,000,000 / 12 a month × 8.4% = 140,000, each month's
    # refunded in full with the next return (February 2023 to January 2024); then 15,000.00 a month of VAT.
    s = scenario(horizon={"start_year": 2023, "years": 2})
    ledger = ledger_of(one_project(s, [6_000_000, 6_000_000], landed=0, build=12, investment=20_000_000))
    vat_paid = payments(ledger, "vat")
    assert all(vat_paid[(2023, m)] == -14_000_000 for m in range(2, 13)) and vat_paid[(2024, 1)] == -14_000_000
    assert all(vat_paid[(2024, m)] == 1_500_000 for m in range(2, 13))


# ---------------------------------------------------------------- CIT losses carried forward


def test_losses_offset_the_next_five_years_oldest_first():
    five = np.array([cit.LOSS_YEARS])
    # a loss of 100, then profits of 60 and 70: taxable 0, 0, 30
    assert cit.taxable_income(np.array([[-100.0, 60, 70]]), five).tolist() == [[0, 0, 30]]
    # a loss of 100 is usable in the five following years only: 10 of it in year 6, the other 90 expire
    assert cit.taxable_income(np.array([[-100.0, 0, 0, 0, 0, 10, 50]]), five).tolist() == [[0, 0, 0, 0, 0, 0, 50]]
    # oldest first: year 6 uses all of year 1's 100 and 20 of year 2's 50; year 7 the remaining 30 → 10
    # (newest first would let 30 of year 1's loss expire and tax year 7 on 40)
    profit = np.array([[-100.0, -50, 0, 0, 0, 120, 40]])
    assert cit.taxable_income(profit, five).tolist() == [[0, 0, 0, 0, 0, 0, 10]]
    # high-tech enterprises carry ten years: the loss of year 1 still offsets year 11
    ten = np.array([cit.LOSS_YEARS_HIGH_TECH])
    assert cit.taxable_income(np.array([[-100.0] + [0] * 9 + [150]]), ten)[0, -1] == 50
    assert cit.taxable_income(np.array([[-100.0] + [0] * 9 + [150]]), five)[0, -1] == 150


def test_a_loss_making_project_pays_no_cit():
    # margin −5%: every quarter and year is a loss; no prepayment, the settlement is 0
    s = scenario({"profit_margin": -0.05}, horizon={"start_year": 2024, "years": 2}, tax_rules={})
    assert not payments(ledger_of(one_project(s, [BIG] * 2)), "cit")


# ---------------------------------------------------------------- the dated small/micro CIT rate


def test_small_micro_rate_is_5_percent_in_2027_and_20_percent_in_2028():
    # Revenue 12,000,000 → profit 1,200,000 a year (≤ 3 M), 13 employees, no assets: small low-profit.
    # 2027: 5% → a quarter's 300,000 × 5% × 90% = 13,500.00; settlement May 2028: 60,000 − 54,000 = 6,000.00.
    # 2028: 20% → 54,000.00 a quarter; settlement May 2029 24,000.00.
    s = scenario(horizon={"start_year": 2027, "years": 3}, tax_rules={})
    cit_paid = payments(ledger_of(one_project(s, [12_000_000] * 3)), "cit")
    assert [cit_paid[(2027, m)] for m in (4, 7, 10)] == [1_350_000] * 3 and cit_paid[(2028, 1)] == 1_350_000
    assert cit_paid[(2028, 5)] == 600_000
    assert [cit_paid[(2028, m)] for m in (4, 7, 10)] == [5_400_000] * 3 and cit_paid[(2029, 5)] == 2_400_000
    # an enterprise on the Western Development 15% keeps 15% in 2028 (the better rate): 300,000 × 15% × 90%
    s = scenario({"cit_rate": 0.15}, horizon={"start_year": 2027, "years": 3}, tax_rules={})
    cit_paid = payments(ledger_of(one_project(s, [12_000_000] * 3)), "cit")
    assert cit_paid[(2028, 4)] == 4_050_000 and cit_paid[(2027, 4)] == 1_350_000
    # above 3 M of taxable income it is not small low-profit: 25% in 2027 (120,000,000 → 675,000.00)
    s = scenario(horizon={"start_year": 2027, "years": 1}, tax_rules={})
    assert payments(ledger_of(one_project(s, [BIG])), "cit")[(2027, 4)] == PREPAY


# ---------------------------------------------------------------- retired keys


@pytest.mark.parametrize("key", ["cit_exempt_share", "vat_refund_probability", "vat_refund_share"])
def test_retired_random_draw_keys_are_refused_with_what_replaced_them(key):
    from sim_builders import WORLD

    data = {**WORLD, "population": {**WORLD["population"], "industries": [{**WORLD["population"]["industries"][0]}]}}
    data["population"]["industries"][0][key] = 0.5
    with pytest.raises(InputError) as error:
        scenario_from_data(data, "world.yaml")
    text = str(error.value)
    assert key in text and ("local_cit_exemption" in text or "vat_credit_refund_share" in text)
