"""DOMAIN.md §3 identities under hypothesis: random agreements × random ledgers, to the fen."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

import numpy as np
from builders import paired_scenario_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.apportion import PPM, by_shares, by_weights
from sim.indicators import INDICATORS
from sim.ledger import Ledger, StatisticsRecords
from sim.records.ledger import resolve
from sim.scenario.loading import scenario_from_data
from sim.sharing.by_entity import attribute
from sim.sharing.cube import build_cube
from sim.sharing.split import allocate
from sim.sharing.statistics import RULES, split_statistics
from sim.taxes import TAX_IDS

HUGE = 10**14  # 10¹² yuan in fen
amounts = st.one_of(st.integers(-(10**9), 10**9), st.integers(-HUGE, HUGE), st.just(0), st.integers(-100, 100))
shares = st.integers(0, PPM).map(lambda p: p / PPM)


@settings(max_examples=2000, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=30), st.lists(st.integers(0, PPM), min_size=1, max_size=5))
def test_by_shares_adds_up_and_stays_within_a_fen_of_the_quota(wholes, raw):
    raw[-1] = PPM - sum(raw[:-1]) if sum(raw[:-1]) <= PPM else 0
    if sum(raw) != PPM:
        raw = [PPM] + [0] * (len(raw) - 1)
    parts = by_shares(np.array(wholes, np.int64), np.array(raw, np.int64))
    assert (parts.sum(axis=1) == wholes).all()
    for whole, row in zip(wholes, parts, strict=True):
        for share, part in zip(raw, row, strict=True):
            assert abs(Fraction(int(part)) - Fraction(whole * share, PPM)) < 1


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 4), amounts), min_size=1, max_size=40), st.lists(amounts, min_size=5, max_size=5)
)
def test_by_weights_places_every_whole_exactly(items, wholes):
    group = np.array([g for g, _ in items], np.int64)
    weight = np.array([w for _, w in items], np.int64)
    whole = np.array(wholes, np.int64)
    whole[~np.isin(np.arange(5), group)] = 0  # a whole needs items to go to
    parts = by_weights(whole, group, weight)
    placed = np.zeros(5, np.int64)
    np.add.at(placed, group, parts)
    assert (placed == whole).all()


@st.composite
def agreements(draw, index: int, start: int, years: int):
    basis = draw(st.sampled_from(["calendar_year", "years_since_start"]))
    rule = "zero" if basis == "years_since_start" else draw(st.sampled_from(["zero", "base_year"]))
    cuts = sorted(draw(st.sets(st.integers(1, years - 1), max_size=3))) if years > 1 else []
    offset = start if basis == "calendar_year" else 1
    bounds = [0, *cuts, years]
    schedule = [
        {"from": offset + lo, "to": offset + hi - 1, "origin": draw(shares)}
        for lo, hi in zip(bounds, bounds[1:], strict=False)
    ]
    schedule[-1].pop("to")
    agreement = {
        "id": f"a{index}",
        "origin": f"ftz{index}",
        "host": f"zone{index}",
        "taxes": draw(st.lists(st.sampled_from(TAX_IDS), min_size=1, max_size=6, unique=True)),
        "base": {"rule": rule},
        "stock_to": draw(st.sampled_from(["host", "origin"])),
        "ratio": {"basis": basis, "schedule": schedule},
        "negative_increment": draw(st.sampled_from(["floor_zero", "carry_forward", "share"])),
        "cap": {"origin_cumulative_yuan": draw(st.one_of(st.none(), st.integers(0, 10**7)))},
        "floor": {"host_yearly_yuan": draw(st.one_of(st.none(), st.integers(0, 10**7)))},
        "sunset_year": draw(st.one_of(st.none(), st.integers(start - 1, start + years))),
        "revoked_year": draw(st.one_of(st.none(), st.integers(start - 1, start + years))),
        "statistics": {
            "default": {"rule": draw(st.sampled_from(RULES))},
            "fdi": {"rule": "split", "origin": draw(shares)},
        },
    }
    if rule == "base_year":
        agreement["base"].update(year=start - draw(st.integers(0, 1)), growth=draw(st.sampled_from([0, 0.05, -0.1])))
    return agreement


@st.composite
def worlds(draw):
    start, years = 2023, draw(st.integers(1, 5))
    n_agreements = draw(st.integers(1, 3))
    levels = draw(st.integers(0, 2))
    upper = []
    for j in range(levels):
        upper.append(
            {"id": f"level{j}", "name": f"上级{j}", "share": {t: draw(st.integers(0, 5)) / 10 for t in TAX_IDS}}
        )
    tax_rules = {
        "central_share": {t: draw(shares) for t in draw(st.lists(st.sampled_from(TAX_IDS), unique=True))},
        "upper_levels": upper,
    }
    data = paired_scenario_data(
        start, years, tax_rules, [draw(agreements(i, start, years)) for i in range(n_agreements)]
    )
    scenario = scenario_from_data(data, "random.yaml")
    n_rows = draw(st.integers(1, 60))
    first = [a.base.year if a.base.rule == "base_year" else start for a in scenario.agreements]
    rows = []
    for _ in range(n_rows):
        a = draw(st.integers(0, n_agreements - 1))
        year = draw(st.integers(first[a], start + years - 1))
        amount = draw(amounts)
        central = draw(st.one_of(st.none(), st.integers(0, abs(amount)).map(lambda c, m=amount: c if m >= 0 else -c)))
        rows.append((draw(st.integers(0, 6)), a, year, draw(st.integers(0, len(TAX_IDS) - 1)), amount, central))
    for a, agreement in enumerate(scenario.agreements):  # a base year must have rows when the agreement has any
        if agreement.base.rule == "base_year" and any(r[1] == a for r in rows):
            rows.append((0, a, agreement.base.year, 0, draw(amounts), None))
    ledger = resolve(
        Ledger(
            source="random.csv",
            entity_ids=np.array([f"E{i}" for i in range(7)], dtype=object),
            entity=np.array([r[0] for r in rows], np.int64),
            agreement=np.array([r[1] for r in rows], np.int64),
            year=np.array([r[2] for r in rows], np.int64),
            month=np.zeros(len(rows), np.int64),
            tax=np.array([r[3] for r in rows], np.int64),
            amount=np.array([r[4] for r in rows], np.int64),
            central=np.array([r[5] or 0 for r in rows], np.int64),
            has_central=np.array([r[5] is not None for r in rows], bool),
            start_year=np.zeros(len(rows), np.int64),
            row_numbers=np.arange(len(rows)) + 2,
        ),
        scenario,
    )
    return scenario, ledger


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(worlds())
def test_every_row_adds_up_and_nothing_is_created_or_lost(world):
    scenario, ledger = world
    allocation = allocate(build_cube(ledger, scenario), scenario)
    parts = allocation.central + allocation.upper.sum(axis=-1) + allocation.origin + allocation.host
    # central + each upper level + origin + host == total, for every output row and every cell
    assert (parts == allocation.total).all()
    # the allocation sums to the ledger it came from, per agreement, year and tax type
    expected = np.zeros_like(allocation.total)
    np.add.at(expected, (ledger.agreement, ledger.year - allocation.first_year, ledger.tax), ledger.amount)
    assert (allocation.total == expected).all()
    assert (allocation.total[~allocation.rows] == 0).all() and (allocation.origin[~allocation.rows] == 0).all()
    # where every row of a cell carries the treasury's central column, the cell's central part is its sum
    cell = (ledger.agreement, ledger.year - allocation.first_year, ledger.tax)
    given, uncentred = np.zeros_like(allocation.total), np.zeros_like(allocation.total)
    np.add.at(given, cell, np.where(ledger.has_central, ledger.central, 0))
    np.add.at(uncentred, cell, (~ledger.has_central).astype(np.int64))
    all_given = allocation.rows & (uncentred == 0)
    assert (allocation.central[all_given] == given[all_given]).all()
    # the stock (and repayments) go to stock_to: before the terms, the origin has its part of the split, plus
    # what went to the stock when stock_to is the origin
    before_terms = allocation.origin + allocation.sunset_adj + allocation.cap_adj + allocation.floor_adj
    for i, a in enumerate(scenario.agreements):
        shared = np.isin(np.array(TAX_IDS), a.taxes)
        stock = allocation.to_stock[i] if a.stock_to == "origin" else 0
        assert (before_terms[i][:, shared] == (allocation.origin_split[i] + stock)[:, shared]).all(), a.stock_to
    assert (allocation.deficit >= 0).all()
    # entity rows add up, and sum to their cells column by column
    entities = attribute(ledger, scenario, allocation)
    assert (entities.central + entities.upper.sum(axis=1) + entities.origin + entities.host == entities.total).all()
    for column in ("total", "central", "origin", "host"):
        summed = np.zeros_like(allocation.total)
        np.add.at(
            summed, (entities.agreement, entities.year - allocation.first_year, entities.tax), getattr(entities, column)
        )
        assert (summed == getattr(allocation, column)).all(), column
    _check_terms(scenario, allocation)


def _check_terms(scenario, allocation):
    years = allocation.years
    for i, a in enumerate(scenario.agreements):
        shared = np.isin(np.array(TAX_IDS), a.taxes)
        assert (allocation.origin[i][:, ~shared] == 0).all()
        if a.sharing_ends is not None:  # the sunset or the revocation, whichever comes first
            assert (allocation.origin[i][years > a.sharing_ends] == 0).all()
        if a.cap.origin_cumulative_yuan is not None:
            # the cap counts what the origin kept, after floor top-ups (DOMAIN.md §3.7)
            kept = allocation.origin_split[i] - allocation.cap_adj[i] - allocation.floor_adj[i]
            received = (kept - _after_sunset(a, allocation, i))[:, shared]
            assert np.cumsum(received.sum(axis=1)).max(initial=0) <= round(a.cap.origin_cumulative_yuan * 100)
        if a.floor.host_yearly_yuan is not None:
            host = allocation.host[i][:, shared].sum(axis=1)
            origin = allocation.origin[i][:, shared].sum(axis=1)
            active = allocation.rows[i].any(axis=1)
            # either the host has its floor, or the origin gave all it had that year
            assert ((host >= round(a.floor.host_yearly_yuan * 100)) | (origin <= 0) | ~active).all()
            assert (allocation.floor_adj[i][:, shared].sum(axis=1) >= 0).all()


def _after_sunset(a, allocation, i):
    out = np.zeros_like(allocation.origin_split[i])
    if a.sharing_ends is not None:
        late = allocation.years > a.sharing_ends
        out[late] = allocation.origin_split[i][late]
    return out


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(), st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6), amounts), min_size=1, max_size=30), st.data())
def test_statistics_split_adds_up_and_double_count_reports_both(world, raw, data):
    scenario, ledger = world
    h = scenario.horizon
    n = len(raw)
    records = StatisticsRecords(
        source="stats.csv",
        entity=np.array([f"E{e}" for e, _, _ in raw], dtype=object),
        agreement=np.array([data.draw(st.integers(0, len(scenario.agreements) - 1)) for _ in raw], np.int64),
        year=np.array([data.draw(st.integers(h.start_year, h.end_year)) for _ in raw], np.int64),
        indicator=np.array([k for _, k, _ in raw], np.int64),
        value=np.array([v for _, _, v in raw], np.int64),
        row_numbers=np.arange(n) + 2,
    )
    stats = split_statistics(records, scenario, ledger)
    assert stats.total.sum() == records.value.sum()
    for rule in RULES:
        rows = stats.rule == RULES.index(rule)
        if rule == "double_count":
            assert (stats.origin[rows] == stats.total[rows]).all() and (stats.host[rows] == stats.total[rows]).all()
        else:
            assert (stats.origin[rows] + stats.host[rows] == stats.total[rows]).all()
        if rule == "host":
            assert (stats.origin[rows] == 0).all()
        if rule == "origin":
            assert (stats.host[rows] == 0).all()
    # each (agreement, year, indicator) cell holds exactly the records' sum, under the agreement's rule for it
    expected = defaultdict(int)
    for key in zip(records.agreement, records.year, records.indicator, records.value, strict=True):
        expected[tuple(int(v) for v in key[:3])] += int(key[3])
    cells = zip(stats.agreement, stats.year, stats.indicator, stats.rule, stats.total, stats.origin, strict=True)
    got = {(int(a), int(y), int(k)): (RULES[r], int(t), int(o)) for a, y, k, r, t, o in cells}
    assert got.keys() == expected.keys()
    for (a, year, k), (rule, total, origin) in got.items():
        agreement = scenario.agreements[a]
        statistic = agreement.statistics.rule_for(INDICATORS[k])
        assert rule == statistic.rule and total == expected[(a, year, k)]
        if rule == "split" and statistic.origin is not None:  # a share of its own, and nothing after the sunset
            ended = agreement.sharing_ends is not None and year > agreement.sharing_ends
            share = Fraction(0) if ended else Fraction(statistic.origin)
            assert abs(origin - total * share) < 1, (a, year, INDICATORS[k])
