"""One worked example per rule of DOMAIN.md §3; every expected figure is worked out by hand in the comment.

Amounts are in fen (1 yuan = 100 fen). Unless a test says otherwise: one agreement `a` from `ftz` to
`zone`, national central shares (VAT 50%, CIT 60%), no upper levels, origin ratio 0.6, horizon 2023–2025.
"""

from __future__ import annotations

import numpy as np
from builders import ledger, scenario

from analysis.settlement import settle
from sim.indicators import INDICATORS
from sim.ledger import StatisticsRecords
from sim.sharing.by_entity import attribute
from sim.sharing.cube import build_cube
from sim.sharing.split import allocate
from sim.taxes import TAX_INDEX

VAT, CIT, IIT = TAX_INDEX["vat"], TAX_INDEX["cit"], TAX_INDEX["iit"]


def run(s, rows):
    return allocate(build_cube(ledger(s, rows), s), s)


def cell(allocation, year, tax, field):
    return int(getattr(allocation, field)[0, year - allocation.first_year, tax])


def test_central_local_split_and_ratio():
    # VAT 10,000.00 yuan: central 50% = 5,000.00; the pool is the local 5,000.00;
    # origin 60% = 3,000.00, host 2,000.00.
    a = run(scenario(), [("E1", 2023, "vat", 1_000_000)])
    assert [cell(a, 2023, VAT, f) for f in ("central", "pool", "origin", "host")] == [
        500_000,
        500_000,
        300_000,
        200_000,
    ]


def test_central_column_from_treasury_data_overrides_the_share():
    # E1 is in the Beibu Gulf local-CIT exemption: it paid 6,000.00 of CIT, all booked central (central column).
    # E2 paid 10,000.00 with no central column: 60% = 6,000.00 central apportioned.
    # Cell: total 16,000.00, central 12,000.00, pool 4,000.00 (all from E2), origin 2,400.00, host 1,600.00.
    a = run(scenario(), [("E1", 2023, "cit", 600_000, 600_000), ("E2", 2023, "cit", 1_000_000)])
    assert [cell(a, 2023, CIT, f) for f in ("total", "central", "pool", "origin", "host")] == [
        1_600_000,
        1_200_000,
        400_000,
        240_000,
        160_000,
    ]


def test_upper_levels_and_largest_remainder():
    # VAT 3.33 yuan = 333 fen. Central 50% = 166.5 → floors 166 + 166 = 332, one fen left; the remainders tie
    # (.5, .5) so it goes to the earlier part: central 167, local 166.
    # Province 30% of 166 = 49.8, city 20% = 33.2, pool 50% = 83.0 → floors 49 + 33 + 83 = 165, one fen left
    # to the largest remainder (.8, the province): province 50, city 33, pool 83.
    # Pool 83 × 0.6 = 49.8 → origin 49 (.8), host 33.2 → 33 (.2): the leftover fen goes to the origin: 50 / 33.
    levels = [
        {"id": "province", "name": "自治区本级", "share": {"vat": 0.3}},
        {"id": "city", "name": "市本级", "share": {"vat": 0.2}},
    ]
    s = scenario(tax_rules={"upper_levels": levels})
    a = run(s, [("E1", 2023, "vat", 333)])
    assert cell(a, 2023, VAT, "central") == 167
    assert list(a.upper[0, 0, VAT]) == [50, 33]
    assert [cell(a, 2023, VAT, f) for f in ("pool", "origin", "host")] == [83, 50, 33]


def test_base_year_with_growth_keeps_the_stock_with_the_host():
    # Base year 2022: VAT 20,000.00 → pool 10,000.00 = the base, growing 10% a year.
    # 2022 itself: increment 0, the host collects the whole pool (10,000.00).
    # 2023: VAT 30,000.00 → pool 15,000.00; base 11,000.00; increment 4,000.00 → origin 60% = 2,400.00;
    #       host = stock 11,000.00 + 1,600.00 = 12,600.00.
    # 2024: VAT 20,000.00 → pool 10,000.00; base 12,100.00; increment −2,100.00 → floor_zero: no transfer,
    #       the host keeps the pool 10,000.00.
    s = scenario({"base": {"rule": "base_year", "year": 2022, "growth": 0.1}})
    a = run(s, [("E1", 2022, "vat", 2_000_000), ("E1", 2023, "vat", 3_000_000), ("E1", 2024, "vat", 2_000_000)])
    assert [cell(a, 2022, VAT, f) for f in ("base", "origin", "host")] == [1_000_000, 0, 1_000_000]
    assert [cell(a, 2023, VAT, f) for f in ("base", "increment", "origin", "host")] == [
        1_100_000,
        400_000,
        240_000,
        1_260_000,
    ]
    assert [cell(a, 2024, VAT, f) for f in ("base", "increment", "origin", "host")] == [
        1_210_000,
        -210_000,
        0,
        1_000_000,
    ]


def test_stock_to_origin():
    # As above for 2023, but the stock (11,000.00) goes to the origin: origin 11,000.00 + 2,400.00, host 1,600.00.
    s = scenario({"base": {"rule": "base_year", "year": 2022, "growth": 0.1}, "stock_to": "origin"})
    a = run(s, [("E1", 2022, "vat", 2_000_000), ("E1", 2023, "vat", 3_000_000)])
    assert [cell(a, 2023, VAT, f) for f in ("origin", "host")] == [1_340_000, 160_000]


def test_calendar_schedule_phases():
    # 2023 at 0.6, 2024–2025 at 0.5. Each year VAT 1,000.00 → pool 500.00.
    # 2023: origin 300.00, host 200.00; 2024 and 2025: 250.00 each.
    s = scenario({"ratio": {"schedule": [{"from": 2023, "to": 2023, "origin": 0.6}, {"from": 2024, "origin": 0.5}]}})
    a = run(s, [("E1", y, "vat", 100_000) for y in (2023, 2024, 2025)])
    assert [cell(a, y, VAT, "origin") for y in (2023, 2024, 2025)] == [30_000, 25_000, 25_000]


def test_years_since_start_splits_each_entity_by_its_own_phase():
    # Phases: years 1–2 at 0.8, year 3 on at 0.3. E1 first appears in 2023, E2 in 2025.
    # In 2025 E1 is in its year 3 (0.3) and E2 in its year 1 (0.8).
    # E1 VAT 10,000.00 → pool 5,000.00 → origin 1,500.00; E2 VAT 20,000.00 → pool 10,000.00 → origin 8,000.00.
    # Cell 2025: origin 9,500.00, host 5,500.00 (3,500.00 + 2,000.00).
    schedule = [{"from": 1, "to": 2, "origin": 0.8}, {"from": 3, "origin": 0.3}]
    s = scenario({"ratio": {"basis": "years_since_start", "schedule": schedule}})
    rows = [("E1", 2023, "vat", 100), ("E1", 2025, "vat", 1_000_000), ("E2", 2025, "vat", 2_000_000)]
    a = run(s, rows)
    assert [cell(a, 2025, VAT, f) for f in ("pool", "origin", "host")] == [1_500_000, 950_000, 550_000]
    # start_year given in the ledger wins over the first year: E2 declared to start in 2023 → year 3 → 0.3.
    a = run(s, [("E1", 2025, "vat", 1_000_000, None, 2023), ("E2", 2025, "vat", 2_000_000, None, 2023)])
    assert cell(a, 2025, VAT, "origin") == 450_000


def test_carry_forward_pays_the_deficit_back_before_splitting():
    # CIT 2023 −2,500.00 (refunds): central 60% = −1,500.00, pool −1,000.00 → no transfer, host takes −1,000.00,
    # deficit 1,000.00 carried. 2024 CIT 6,250.00 → pool 2,500.00: 1,000.00 repays the host first, the other
    # 1,500.00 is split: origin 900.00, host 600.00 + 1,000.00 = 1,600.00; nothing left carried.
    s = scenario({"negative_increment": "carry_forward"})
    a = run(s, [("E1", 2023, "cit", -250_000), ("E1", 2024, "cit", 625_000)])
    assert [cell(a, 2023, CIT, f) for f in ("pool", "origin", "host", "deficit")] == [-100_000, 0, -100_000, 100_000]
    assert [cell(a, 2024, CIT, f) for f in ("repaid", "split", "origin", "host", "deficit")] == [
        100_000,
        150_000,
        90_000,
        160_000,
        0,
    ]


def test_floor_zero_forgets_the_shortfall():
    # Same ledger, floor_zero: 2023 as above but no deficit; 2024 the whole 2,500.00 is split: origin 1,500.00.
    a = run(
        scenario({"negative_increment": "floor_zero"}), [("E1", 2023, "cit", -250_000), ("E1", 2024, "cit", 625_000)]
    )
    assert [cell(a, 2023, CIT, f) for f in ("origin", "host", "deficit")] == [0, -100_000, 0]
    assert cell(a, 2024, CIT, "origin") == 150_000


def test_share_makes_the_origin_pay_back():
    # share: the 2023 pool −1,000.00 is split like a gain: origin −600.00, host −400.00.
    a = run(scenario({"negative_increment": "share"}), [("E1", 2023, "cit", -250_000)])
    assert [cell(a, 2023, CIT, f) for f in ("origin", "host")] == [-60_000, -40_000]


def test_sunset_gives_the_host_everything_after():
    # Sunset after 2023: 2024 VAT 1,000.00 → pool 500.00; the origin's 300.00 goes to the host (host 500.00).
    a = run(scenario({"sunset_year": 2023}), [("E1", 2023, "vat", 100_000), ("E1", 2024, "vat", 100_000)])
    assert [cell(a, 2023, VAT, f) for f in ("origin", "host")] == [30_000, 20_000]
    assert [cell(a, 2024, VAT, f) for f in ("sunset_adj", "origin", "host")] == [30_000, 0, 50_000]


def test_cap_on_the_origins_cumulative_receipts():
    # Cap 1,000.00. 2023: VAT 2,000.00 → pool 1,000.00 → origin 600.00 (cumulative 600.00).
    # 2024: VAT 1,000.00 and CIT 1,250.00 → pools 500.00 + 500.00 → origin 300.00 + 300.00 = 600.00;
    #       cumulative would be 1,200.00: 200.00 over the cap goes to the host, spread 300:300 → 100.00 per tax.
    # 2025: the cap is reached: the origin's 300.00 from VAT goes to the host.
    s = scenario({"cap": {"origin_cumulative_yuan": 1000}})
    rows = [("E1", 2023, "vat", 200_000), ("E1", 2024, "vat", 100_000), ("E1", 2024, "cit", 125_000)]
    a = run(s, [*rows, ("E1", 2025, "vat", 100_000)])
    assert cell(a, 2023, VAT, "origin") == 60_000
    assert [cell(a, 2024, t, "cap_adj") for t in (VAT, CIT)] == [10_000, 10_000]
    assert [cell(a, 2024, t, "origin") for t in (VAT, CIT)] == [20_000, 20_000]
    assert [cell(a, 2025, VAT, f) for f in ("cap_adj", "origin", "host")] == [30_000, 0, 50_000]


def test_floor_guarantees_the_host_from_the_origins_receipts():
    # Host floor 1,000.00 a year. 2023: VAT 4,000.00 → pool 2,000.00 → origin 1,200.00, host 800.00;
    #   the host is 200.00 short: topped up from the origin → origin 1,000.00, host 1,000.00.
    # 2024: VAT 1,000.00 → pool 500.00 → origin 300.00, host 200.00; 800.00 short but the origin has only
    #   300.00: all of it goes over → origin 0, host 500.00 (the origin never goes below zero).
    s = scenario({"floor": {"host_yearly_yuan": 1000}})
    a = run(s, [("E1", 2023, "vat", 400_000), ("E1", 2024, "vat", 100_000)])
    assert [cell(a, 2023, VAT, f) for f in ("floor_adj", "origin", "host")] == [20_000, 100_000, 100_000]
    assert [cell(a, 2024, VAT, f) for f in ("floor_adj", "origin", "host")] == [30_000, 0, 50_000]


def test_tax_outside_the_agreement_stays_with_the_host():
    # The agreement shares VAT only; IIT 1,000.00 → central 600.00, pool 400.00 all to the host, origin 0.
    a = run(scenario({"taxes": ["vat"]}), [("E1", 2023, "iit", 100_000)])
    assert [cell(a, 2023, IIT, f) for f in ("pool", "origin", "host")] == [40_000, 0, 40_000]


def test_entity_attribution_follows_contributions():
    # One VAT cell, E1 paid 3,000.00 and E2 1,000.00: pool 2,000.00 → origin 1,200.00, host 800.00.
    # By entity, in proportion to what each contributed: E1 origin 900.00 host 600.00, E2 300.00 / 200.00.
    s = scenario()
    book = ledger(s, [("E1", 2023, "vat", 300_000), ("E2", 2023, "vat", 100_000)])
    entities = attribute(book, s, allocate(build_cube(book, s), s))
    assert list(entities.entity_id) == ["E1", "E2"]
    assert list(entities.origin) == [90_000, 30_000] and list(entities.host) == [60_000, 20_000]
    assert list(entities.central) == [150_000, 50_000]


def _records(rows):
    n = len(rows)
    return StatisticsRecords(
        source="stats.csv",
        entity=np.array(["E1"] * n, dtype=object),
        agreement=np.zeros(n, np.int64),
        year=np.array([r[0] for r in rows], np.int64),
        indicator=np.array([INDICATORS.index(r[1]) for r in rows], np.int64),
        value=np.array([r[2] for r in rows], np.int64),
        row_numbers=np.arange(n) + 2,
    )


def test_statistics_rules_and_net_fiscal_benefit():
    # Rules: output double_count; investment split by the tax ratio (0.6); fdi split 0.5; employment to the host;
    # entities to the origin.
    # 2023 output 1,000,000.00 → both report 1,000,000.00. Investment 300,000,000.00 → origin 180,000,000.00.
    # FDI 1,000.01 → 0.5: 500.005 each → the leftover fen to the earlier part: origin 500.01, host 500.00.
    # Employment 120 → host 120. Entities 3 → origin 3.
    # Reward 500,000.00 yuan per 100 million invested: 3 × 500,000.00 = 1,500,000.00, split 0.5 → 750,000.00 each.
    # Cost sharing 2023: 2,000,000.00 with origin 0.4 → origin pays 800,000.00, host 1,200,000.00.
    # Taxes: VAT 10,000.00 → origin 3,000.00, host 2,000.00.
    # Net: origin 3,000.00 + 750,000.00 − 800,000.00 = −47,000.00; host 2,000.00 + 750,000.00 − 1,200,000.00
    #      = −448,000.00.
    s = scenario(
        {
            "statistics": {
                "output": {"rule": "double_count"},
                "fdi": {"rule": "split", "origin": 0.5},
                "employment": {"rule": "host"},
                "entities": {"rule": "origin"},
            },
            "attraction_reward": {"per_100m_yuan_invested": 500000, "origin": 0.5},
            "cost_sharing": [{"year": 2023, "amount_yuan": 2000000, "origin": 0.4}],
        }
    )
    records = _records(
        [
            (2023, "output", 100_000_000),
            (2023, "investment", 30_000_000_000),
            (2023, "fdi", 100_001),
            (2023, "employment", 120),
            (2023, "entities", 3),
        ]
    )
    result = settle(s, ledger(s, [("E1", 2023, "vat", 1_000_000)]), records)
    stats = {
        INDICATORS[i]: (o, h)
        for i, o, h in zip(result.statistics.indicator, result.statistics.origin, result.statistics.host, strict=True)
    }
    assert stats == {
        "output": (100_000_000, 100_000_000),
        "investment": (18_000_000_000, 12_000_000_000),
        "fdi": (50_001, 50_000),
        "employment": (0, 120),
        "entities": (3, 0),
    }
    y = 0  # 2023
    assert list(result.balance.reward[0, y]) == [75_000_000, 75_000_000]
    assert list(result.balance.cost[0, y]) == [80_000_000, 120_000_000]
    assert list(result.balance.net[0, y]) == [-4_700_000, -44_800_000]


def test_ecological_compensation_moves_a_share_of_the_host_receipts_to_the_origin():
    # VAT 10,000.00 → pool 5,000.00 → origin 3,000.00, host 2,000.00. The host pays 5% of its receipts,
    # 100.00, to the origin: net origin 3,100.00, host 1,900.00; the tax allocation itself is unchanged.
    s = scenario({"ecological_compensation": {"share_of_host_receipts": 0.05}})
    result = settle(s, ledger(s, [("E1", 2023, "vat", 1_000_000)]))
    assert list(result.balance.compensation[0, 0]) == [10_000, -10_000]
    assert list(result.balance.net[0, 0]) == [310_000, 190_000]
    assert cell(result.allocation, 2023, VAT, "host") == 200_000
