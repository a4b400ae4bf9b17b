"""Worked examples of the points DOMAIN.md §3 settles: every expected figure is worked out by hand.

Amounts in fen. One agreement `a` from `ftz` to `zone`, national central shares (VAT 50%), origin 0.6,
horizon 2023–2025 (tests/builders.py), unless a test says otherwise.
"""

from __future__ import annotations

import numpy as np
import pytest
from builders import BASE, ledger, scenario

from analysis.projection import with_base_year_rows, with_revocations
from sim.errors import InputError
from sim.ledger import Ledger
from sim.records.ledger import resolve
from sim.scenario.loading import scenario_from_data
from sim.sharing.cube import build_cube
from sim.sharing.split import allocate
from sim.taxes import TAX_INDEX

VAT, CIT = TAX_INDEX["vat"], TAX_INDEX["cit"]


def run(s, rows):
    return allocate(build_cube(ledger(s, rows), s), s)


def cell(allocation, year, tax, field):
    return int(getattr(allocation, field)[0, year - allocation.first_year, tax])


def base_year_2023():
    return scenario({"base": {"rule": "base_year", "year": 2023}})


def test_a_simulated_zone_without_receipts_in_its_base_year_has_a_base_of_zero():
    # Base year 2023; the zone collects nothing in 2023 and VAT 1,000.00 in 2024 → pool 500.00.
    # The base is the 2023 pool: 0 — not the 2024 pool. Increment 500.00 → origin 300.00, host 200.00.
    # The simulation writes a zero row for 2023 so that its ledger settles again as real records.
    s = base_year_2023()
    collected = ledger(s, [("E1", 2023, "vat", 0), ("E1", 2024, "vat", 100_000)])
    simulated = with_base_year_rows(_drop_year(collected, 2023), s)
    assert (simulated.year == 2023).sum() == 1 and simulated.amount[simulated.year == 2023].tolist() == [0]
    a = allocate(build_cube(resolve(simulated, s), s), s)
    assert [cell(a, 2024, VAT, f) for f in ("pool", "base", "increment", "origin", "host")] == [
        50_000,
        0,
        50_000,
        30_000,
        20_000,
    ]


def test_real_records_without_the_base_year_are_refused():
    s = base_year_2023()
    with pytest.raises(InputError, match="2023"):
        ledger(s, [("E1", 2024, "vat", 100_000)])


def test_a_negative_base_year_pool_gives_a_base_of_zero():
    # 2023 VAT −400.00 (a refund) → pool −200.00 → base max(−200.00, 0) = 0.
    # 2024 VAT 1,000.00 → pool 500.00, increment 500.00 → origin 300.00.
    s = base_year_2023()
    a = run(s, [("E1", 2023, "vat", -40_000), ("E1", 2024, "vat", 100_000)])
    assert [cell(a, 2024, VAT, f) for f in ("base", "increment", "origin")] == [0, 50_000, 30_000]


def test_a_tax_type_without_rows_in_the_base_year_has_a_base_of_zero():
    # 2023 has VAT only; CIT appears in 2024: CIT 1,000.00 → central 600.00, pool 400.00; its base is 0 (not the
    # VAT base, not another year's CIT): origin 60% = 240.00.
    s = base_year_2023()
    a = run(s, [("E1", 2023, "vat", 100_000), ("E1", 2024, "cit", 100_000)])
    assert [cell(a, 2024, CIT, f) for f in ("base", "origin", "host")] == [0, 24_000, 16_000]


def test_a_year_without_rows_counts_as_a_zero_pool_against_its_base():
    # Base year 2023 VAT 1,000.00 → pool = base 500.00. 2024 has no rows: pool 0, increment −500.00 carried
    # forward as a deficit (an output row only because the deficit moves). 2025 VAT 3,000.00 → pool 1,500.00,
    # increment 1,000.00: 500.00 repays the host, 500.00 is split → origin 300.00, host 500.00 + 500.00 + 200.00.
    s = scenario({"base": {"rule": "base_year", "year": 2023}, "negative_increment": "carry_forward"})
    a = run(s, [("E1", 2023, "vat", 100_000), ("E1", 2025, "vat", 300_000)])
    assert a.rows[0, 2024 - a.first_year, VAT]
    assert [cell(a, 2024, VAT, f) for f in ("pool", "increment", "deficit", "origin", "host")] == [
        0,
        -50_000,
        50_000,
        0,
        0,
    ]
    assert [cell(a, 2025, VAT, f) for f in ("repaid", "split", "origin", "host", "deficit")] == [
        50_000,
        50_000,
        30_000,
        120_000,
        0,
    ]


def test_the_cap_counts_what_the_origin_kept_after_floor_top_ups():
    # Cap 1,000.00 on the origin's cumulative receipts; host floor 900.00 a year.
    # 2023: VAT 3,000.00 → pool 1,500.00 → origin 900.00, host 600.00; the floor tops the host up by 300.00:
    #       the origin keeps 600.00 (cumulative 600.00 — not 900.00).
    # 2024: the same → origin 900.00 split; the cap allows 400.00 more: 500.00 over → host 600.00 + 500.00 =
    #       1,100.00 ≥ 900.00, no top-up; the origin keeps 400.00 (cumulative 1,000.00 = the cap).
    # Counting before the floor would have capped 2024 at 100.00.
    s = scenario({"cap": {"origin_cumulative_yuan": 1000}, "floor": {"host_yearly_yuan": 900}})
    a = run(s, [("E1", 2023, "vat", 300_000), ("E1", 2024, "vat", 300_000)])
    assert [cell(a, 2023, VAT, f) for f in ("cap_adj", "floor_adj", "origin", "host")] == [0, 30_000, 60_000, 90_000]
    assert [cell(a, 2024, VAT, f) for f in ("cap_adj", "floor_adj", "origin", "host")] == [
        50_000,
        0,
        40_000,
        110_000,
    ]


def test_the_floor_is_measured_on_the_shared_taxes():
    # The agreement shares VAT only; floor 500.00. 2023: VAT 1,000.00 → pool 500.00 → origin 300.00, host 200.00;
    # IIT 10,000.00 → pool 4,000.00 all to the host (not shared). Measured on VAT alone the host has 200.00:
    # topped up by 300.00 (all the origin has) → origin 0, host VAT 500.00. IIT does not count toward the floor.
    s = scenario({"taxes": ["vat"], "floor": {"host_yearly_yuan": 500}})
    a = run(s, [("E1", 2023, "vat", 100_000), ("E1", 2023, "iit", 1_000_000)])
    assert [cell(a, 2023, VAT, f) for f in ("floor_adj", "origin", "host")] == [30_000, 0, 50_000]
    assert cell(a, 2023, TAX_INDEX["iit"], "host") == 400_000


def test_a_share_with_more_than_six_decimals_is_refused():
    data = {
        **BASE,
        "agreements": [{**BASE["agreements"][0], "ratio": {"schedule": [{"from": 2023, "origin": 0.1234567}]}}],
    }
    with pytest.raises(InputError, match="six decimals"):
        scenario_from_data(data, "s.yaml")
    s = scenario({"ratio": {"schedule": [{"from": 2023, "origin": 0.333333}]}})
    # 1/3 is written 0.333333: pool 1,000,000 fen → origin 333,333 exactly.
    assert cell(run(s, [("E1", 2023, "vat", 2_000_000)]), 2023, VAT, "origin") == 333_333


def test_revocation_ends_sharing_after_its_year_like_a_sunset_but_is_recorded_as_revocation():
    # Revoked in 2023: 2024 VAT 1,000.00 → pool 500.00; the origin's 300.00 goes to the host.
    s = with_revocations(scenario(), {0: 2023})
    assert s.agreements[0].revoked_year == 2023 and s.agreements[0].sunset_year is None
    a = run(s, [("E1", 2023, "vat", 100_000), ("E1", 2024, "vat", 100_000)])
    assert [cell(a, 2023, VAT, f) for f in ("origin", "host")] == [30_000, 20_000]
    assert [cell(a, 2024, VAT, f) for f in ("sunset_adj", "origin", "host")] == [30_000, 0, 50_000]


def test_a_scenario_changed_by_model_copy_is_validated_whole():
    s = scenario()
    bad_ratio = s.agreements[0].ratio.model_copy(update={"schedule": [{"from": 2024, "origin": 0.5}]})
    with pytest.raises(InputError, match="2023"):
        s.model_copy(update={"agreements": [s.agreements[0].model_copy(update={"ratio": bad_ratio})]})
    with pytest.raises(InputError):
        s.model_copy(update={"agreements": [s.agreements[0].model_copy(update={"host": "ftz"})]})


def _drop_year(ledger_: Ledger, year: int) -> Ledger:
    keep = ledger_.year != year
    fields = {k: v[keep] for k, v in ledger_.__dict__.items() if isinstance(v, np.ndarray) and k != "entity_ids"}
    return Ledger(**{**ledger_.__dict__, **fields})
