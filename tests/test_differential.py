"""The sharing core against the independent reference (`tests/reference.py`, DOMAIN.md §3 written plainly).

Random scenarios (built as data and validated by `scenario_from_data`) and random ledgers (written as CSV and
read by `read_ledger`; a simulated ledger whose zone had not started in the base year carries the zero row a
simulation writes for it), every rule and policy; then the bundled worked example
and simulated projections. Every cell of every agreement's years is compared exactly: total, central, each upper
level, origin, host, whether it is an output row, and the steps DOMAIN.md §3 names on the way (pool, base,
deficit repaid and carried, the sunset, cap and floor adjustments — so the order of the terms is checked too).

The three `test_reference_*` cases state by hand, in fen, the points where a plain reading of DOMAIN.md is
easiest to get wrong: central and upper-level parts apportioned once per cell, the cap counted after floor
top-ups, and the zero base of a zone that had not started in the base year.
"""

from __future__ import annotations

import csv
import tempfile
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import reference
from builders import paired_scenario_data
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.projection import project
from analysis.settlement import settle
from sim.ledger import Ledger
from sim.records.ledger import read_ledger
from sim.scenario.loading import load_scenario, scenario_from_data
from sim.sharing.cube import build_cube
from sim.sharing.split import allocate
from sim.taxes import TAX_ALIASES, TAX_IDS

ROOT = Path(__file__).resolve().parents[1]
START = 2023
PPM = 1_000_000

assert reference.TAXES == TAX_IDS  # the reference keeps DOMAIN.md §2's list; the core must agree on it


# ---------------------------------------------------------------- comparing a core allocation with the reference


PARTS = ("row", "total", "central", "upper", "origin", "host")


def mismatches(scenario, allocation, cells: dict) -> list[str]:
    """Every cell where the core and the reference differ (parts, then the steps on the way), as lines."""
    out = []
    n_upper = len(scenario.tax_rules.upper_levels)
    assert allocation.upper.shape[-1] == n_upper
    nothing = {name: 0 for name in (*PARTS, *reference.DIAGNOSTICS)} | {"row": False, "upper": (0,) * n_upper}
    for a, y, k in np.ndindex(allocation.total.shape):
        year, tax = int(allocation.years[y]), TAX_IDS[k]
        want = cells.get((a, year, tax))
        wanted = nothing if want is None else {name: getattr(want, name) for name in nothing}
        got = {name: int(getattr(allocation, name)[a, y, k]) for name in nothing if name not in ("row", "upper")}
        got |= {"row": bool(allocation.rows[a, y, k]), "upper": tuple(int(v) for v in allocation.upper[a, y, k])}
        diff = {name: (got[name], wanted[name]) for name in nothing if got[name] != wanted[name]}
        if diff:
            out.append(f"{scenario.agreements[a].id} {year} {tax}: (core, reference) {diff}")
    inside = {(a, int(year)) for a in range(len(scenario.agreements)) for year in allocation.years}
    out += [f"{key}: a reference cell outside the core's years" for key in cells if key[:2] not in inside]
    return out


def assert_matches(scenario, allocation, rows) -> None:
    wrong = mismatches(scenario, allocation, reference.every_cell(scenario, rows))
    assert not wrong, f"{len(wrong)} cells differ:\n" + "\n".join(wrong[:15])


# ---------------------------------------------------------------- random scenarios as data

shares = st.one_of(
    st.sampled_from([Decimal(0), Decimal(1), Decimal("0.5"), Decimal("0.333333"), Decimal("0.6")]),
    st.integers(0, PPM).map(lambda p: Decimal(p) / PPM),
)
# yuan with two decimals, small enough to bind against small ledgers or large enough to bind against big ones
yuan = st.one_of(
    st.integers(0, 50).map(Decimal),
    st.integers(0, 10**6).map(lambda f: Decimal(f) / 100),
    st.integers(0, 10**9).map(lambda f: Decimal(f) / 100),
)
amounts = st.one_of(
    st.integers(-300, 3_000),
    st.integers(-(10**6), 10**8),
    st.integers(0, 10**11),
    st.just(0),
)


@st.composite
def agreement_data(draw, index: int, years: int, basis: str | None, terms: str):
    basis = basis or draw(st.sampled_from(["calendar_year", "years_since_start"]))
    rule = "zero" if basis == "years_since_start" else draw(st.sampled_from(["zero", "base_year"]))
    cuts = sorted(draw(st.sets(st.integers(1, years - 1), max_size=3))) if years > 1 else []
    offset = START if basis == "calendar_year" else 1
    bounds = [0, *cuts, years]
    schedule = [
        {"from": offset + lo, "to": offset + hi - 1, "origin": draw(shares)}
        for lo, hi in zip(bounds, bounds[1:], strict=False)
    ]
    schedule[-1].pop("to")  # open-ended: entities that started before the horizon stay covered
    a = {
        "id": f"a{index}",
        "origin": f"ftz{index}",
        "host": f"zone{index}",
        "base": {"rule": rule},
        "stock_to": draw(st.sampled_from(["host", "origin"])),
        "ratio": {"basis": basis, "schedule": schedule},
        "negative_increment": draw(st.sampled_from(["floor_zero", "carry_forward", "share"])),
    }
    if draw(st.booleans()):
        a["taxes"] = draw(st.lists(st.sampled_from(TAX_IDS), min_size=1, max_size=6, unique=True))
    if rule == "base_year":
        a["base"]["year"] = START - draw(st.integers(0, 2))
        a["base"]["growth"] = draw(st.sampled_from([0, 0.05, -0.1, 0.07, 0.5, 1.25]))
    both = terms == "cap_and_floor"
    if both or draw(st.booleans()):
        a["cap"] = {"origin_cumulative_yuan": draw(yuan)}
    if both or draw(st.booleans()):
        a["floor"] = {"host_yearly_yuan": draw(yuan)}
    if terms != "cap_and_floor" or draw(st.booleans()):
        a["sunset_year"] = draw(st.one_of(st.none(), st.integers(START - 1, START + years)))
        a["revoked_year"] = draw(st.one_of(st.none(), st.integers(START - 1, START + years)))
    return a


@st.composite
def scenario_data(draw, basis: str | None = None, terms: str = "any"):
    years = draw(st.integers(1, 5))
    n_agreements = draw(st.integers(1, 3))
    levels = draw(st.integers(0, 3))
    upper = [
        {
            "id": f"level{j}",
            "name": f"上级{j}",
            "share": {
                t: Decimal(draw(st.integers(0, PPM // 3))) / PPM
                for t in draw(st.lists(st.sampled_from(TAX_IDS), unique=True, max_size=10))
            },
        }
        for j in range(levels)
    ]
    tax_rules = {
        "central_share": {t: draw(shares) for t in draw(st.lists(st.sampled_from(TAX_IDS), unique=True))},
        "upper_levels": upper,
    }
    agreements = [draw(agreement_data(i, years, basis, terms)) for i in range(n_agreements)]
    return paired_scenario_data(START, years, tax_rules, agreements)


@st.composite
def worlds(draw, basis: str | None = None, terms: str = "any", simulated: bool = False):
    """(scenario, reference rows, how to build the core's ledger)."""
    scenario = scenario_from_data(draw(scenario_data(basis, terms)), "random.yaml")
    h = scenario.horizon
    years_of = []
    for a in scenario.agreements:
        own = list(range(h.start_year, h.end_year + 1))
        years_of.append(([a.base.year] if a.base.rule == "base_year" and a.base.year < h.start_year else []) + own)
    # a few tax types per ledger, so that cells gather several rows (and several phases)
    taxes = draw(st.lists(st.sampled_from(TAX_IDS), min_size=1, max_size=4, unique=True))
    rows = []
    for _ in range(draw(st.integers(1, 40))):
        a = draw(st.integers(0, len(scenario.agreements) - 1))
        amount = draw(amounts)
        central = draw(st.one_of(st.none(), st.integers(0, abs(amount)).map(lambda c, m=amount: c if m >= 0 else -c)))
        rows.append(
            [a, f"E{draw(st.integers(0, 5))}", draw(st.sampled_from(years_of[a])), draw(st.sampled_from(taxes))]
            + [amount, central, None]
        )
    for a, agreement in enumerate(scenario.agreements):
        mine = [r for r in rows if r[0] == a]
        if agreement.base.rule == "base_year" and mine and not any(r[2] == agreement.base.year for r in mine):
            if not simulated or draw(st.booleans()):  # real records must have the base year; simulated need not
                rows.append([a, "E0", agreement.base.year, draw(st.sampled_from(TAX_IDS)), draw(amounts), None, None])
    # start years: some entities say when they started (on every row or only some), the rest default
    for a in range(len(scenario.agreements)):
        for entity in sorted({r[1] for r in rows if r[0] == a}):
            mine = [r for r in rows if r[0] == a and r[1] == entity]
            if draw(st.booleans()):
                start = min(r[2] for r in mine) - draw(st.integers(0, 2))
                for r in mine:
                    if draw(st.integers(0, 3)):
                        r[6] = start
    return scenario, [reference.Row(*r) for r in rows]


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def read_back(scenario, rows) -> Ledger:
    """The rows as a tax bureau export (CSV), read by the product's reader."""
    header = ["entity_id", "origin_area", "zone", "year", "month", "tax_type", "amount", "central", "start_year"]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "ledger.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(header)
            for r in rows:
                a = scenario.agreements[r.agreement]
                central = "" if r.central is None else _yuan(r.central)
                start = "" if r.start_year is None else r.start_year
                out.writerow([r.entity, a.origin, a.host, r.year, "", r.tax, _yuan(r.amount), central, start])
        return read_ledger(path, scenario)


def with_zero_base_rows(scenario, rows: list) -> list:
    """What a simulation hands over when a zone collected nothing in its base year: the rows and one zero row for
    that year (as `analysis.projection.with_base_year_rows` writes), so the ledger settles as real records."""
    zero = [
        reference.Row(i, "(none)", a.base.year, "vat", 0, None, None)
        for i, a in enumerate(scenario.agreements)
        if a.base.rule == "base_year" and not any(r.agreement == i and r.year == a.base.year for r in rows)
    ]
    return [*rows, *zero]


def check(world, simulated: bool = False) -> None:
    scenario, rows = world
    rows = with_zero_base_rows(scenario, rows) if simulated else rows
    assert_matches(scenario, allocate(build_cube(read_back(scenario, rows), scenario), scenario), rows)


FAST = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(worlds())
def test_any_rules_match_the_reference(world):
    check(world)


@FAST
@given(worlds(basis="calendar_year"))
def test_calendar_year_schedules_base_years_and_policies_match_the_reference(world):
    check(world)


@FAST
@given(worlds(basis="years_since_start"))
def test_each_entity_by_its_own_phase_matches_the_reference(world):
    check(world)


@FAST
@given(worlds(terms="cap_and_floor"))
def test_cap_and_floor_together_match_the_reference(world):
    check(world)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds(basis="calendar_year", simulated=True))
def test_simulated_ledgers_whose_zone_had_not_started_in_the_base_year(world):
    check(world, simulated=True)


# ---------------------------------------------------------------- hand-made cases for the rules above


def _one(agreement: dict, rows: list[tuple], simulated: bool = False, **top):
    data = {
        "schema": "ftzshare/v1",
        "name": "测试",
        "horizon": {"start_year": START, "years": 3},
        "parties": [
            {"id": "ftz0", "kind": "ftz_area", "name": "片区"},
            {"id": "zone0", "kind": "collaborative_zone", "name": "协同区"},
        ],
        "agreements": [
            {"id": "a0", "origin": "ftz0", "host": "zone0", "ratio": {"schedule": [{"from": START, "origin": 0.6}]}}
            | agreement
        ],
        **top,
    }
    scenario = scenario_from_data(data, "test.yaml")
    return scenario, [reference.Row(0, *r) for r in rows]


def test_reference_central_is_apportioned_once_per_cell():
    # Two entities in different phases, 1 fen of VAT each: the cell's total is 2 fen, its central part 50% of
    # 2 = 1 fen (DOMAIN.md §3.2: apportioned from the cell's total), not 1 fen for each entity.
    world = _one(
        {
            "ratio": {
                "basis": "years_since_start",
                "schedule": [{"from": 1, "to": 1, "origin": 1}, {"from": 2, "origin": 0}],
            }
        },
        [("E1", START, "vat", 500), ("E1", START + 1, "vat", 1), ("E2", START + 1, "vat", 1)],
    )
    cells = reference.allocate(*world)
    assert cells[(0, START + 1, "vat")].central == 1
    check(world)


def test_reference_counts_the_cap_after_floor_top_ups():
    # 2023: pool 1,000 fen, origin 60% = 600: 100 over the cap of 500 goes to the host (origin 500, host 500);
    #       the host is short of its 1,000 floor: the origin's 500 tops it up. The origin has kept 0.
    # 2024: the same again: the origin keeps 0.
    # 2025: pool 10,000: origin 6,000, host 4,000 ≥ floor; the origin has kept 0 so far: cap excess 5,500,
    #       origin 500, host 9,500. (Counting before the top-ups would give the origin 0 and the host 10,000.)
    world = _one(
        {"cap": {"origin_cumulative_yuan": 5}, "floor": {"host_yearly_yuan": 10}, "taxes": ["urban_maintenance"]},
        [("E1", START, "urban_maintenance", 1000), ("E1", START + 1, "urban_maintenance", 1000)]
        + [("E1", START + 2, "urban_maintenance", 10_000)],
    )
    cells = reference.allocate(*world)
    assert [(cells[(0, y, "urban_maintenance")].origin) for y in (START, START + 1, START + 2)] == [0, 0, 500]
    check(world)


def test_reference_base_of_a_zone_not_started_in_the_base_year_is_zero():
    # A simulated ledger without rows in the base year 2023: the base is 0 (DOMAIN.md §3.4), never 2024's pool.
    # 2024: urban maintenance tax 1,000 fen, all local: increment 1,000, origin 600.
    world = _one(
        {"base": {"rule": "base_year", "year": START}},
        [("E1", START + 1, "urban_maintenance", 1000)],
    )
    cells = reference.allocate(*world)
    assert cells[(0, START + 1, "urban_maintenance")].origin == 600
    check(world, simulated=True)


# ---------------------------------------------------------------- bundled data


def _csv_rows(path: Path, scenario) -> list[reference.Row]:
    """The example ledger read plainly (not by the product's reader) into reference rows."""
    index = {(a.origin, a.host): i for i, a in enumerate(scenario.agreements)}
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for r in csv.DictReader(f):
            fen = int(Decimal(r["amount"]) * 100)
            central = int(Decimal(r["central"]) * 100) if r["central"] else None
            rows.append(
                reference.Row(
                    index[(r["origin_area"], r["zone"])],
                    r["entity_id"],
                    int(r["year"]),
                    TAX_ALIASES[r["tax_type"]],
                    fen,
                    central,
                    int(r["start_year"]) if r["start_year"] else None,
                )
            )
    return rows


def test_the_worked_example_settles_as_the_reference():
    folder = ROOT / "scenarios/example"
    scenario = load_scenario(folder / "guangxi_example.yaml")
    settlement = settle(scenario, read_ledger(folder / "ledger.csv", scenario))
    rows = _csv_rows(folder / "ledger.csv", scenario)
    assert len(rows) == len(settlement.ledger) == 26
    assert_matches(scenario, settlement.allocation, rows)


def _ledger_rows(ledger: Ledger) -> list[reference.Row]:
    return [
        reference.Row(
            int(a), ledger.entity_ids[e], int(y), TAX_IDS[k], int(amount), int(c) if has else None, int(start)
        )
        for a, e, y, k, amount, c, has, start in zip(
            ledger.agreement,
            ledger.entity,
            ledger.year,
            ledger.tax,
            ledger.amount,
            ledger.central,
            ledger.has_central,
            ledger.start_year,
            strict=True,
        )
    ]


@pytest.mark.parametrize("name", ["guangxi/chongzuo.yaml", "designs/d5_jingjinji_capped.yaml"])
def test_a_simulated_projection_settles_as_the_reference(name):
    scenario = load_scenario(ROOT / "scenarios" / name)
    first = project(scenario, scenario.population.seed).first
    ledger = first.settlement.ledger
    assert len(ledger) > 1000
    assert_matches(first.effective, first.settlement.allocation, _ledger_rows(ledger))
