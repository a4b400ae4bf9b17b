"""An independent reference for DOMAIN.md §3 (allocation semantics), written plainly to check the core against.

Python ints and `fractions.Fraction`, loops and dicts; nothing from `sim` is imported. It reads the fields of a
validated Scenario (plain data) and a list of ledger rows, each a `Row` (or a tuple in that order, or a dict
with those keys):

    agreement   index into scenario.agreements
    entity      any hashable id
    year        calendar year
    tax         tax id ("vat", "cit", ...)
    amount      fen
    central     fen booked to the central treasury, or None where the ledger does not say
    start_year  year the entity started operating under the agreement, or None (its first year in the ledger)

`allocate(scenario, rows)` returns {(agreement index, year, tax id): Cell} for every output row;
`every_cell(scenario, rows)` every cell of each agreement's span of years, output row or not.

The rules, step by step (DOMAIN.md §3, numbers in brackets):

- Largest remainder: each part gets the floor of its exact quota; the fen left over go one each to the parts
  with the largest remainders, ties to the earlier part. Weights that sum to zero are replaced by their
  absolute values, then by equal weights, so a whole is always placed.
- A cell is (agreement, year, tax type). An agreement's years run from its first to its last ledger year; a
  year or tax type without rows inside that span is a pool of 0 against its base [4].
- [1, 2] total = Σ amount; central = Σ the given central column + the central share of the rest of the
  cell's amounts (largest remainder over [central, local], per cell: one apportionment of the cell's amounts).
- [3] local = total − central, apportioned over [each upper level, ..., the pool] by the upper levels' shares.
- [4] base: `zero` → 0. `base_year` → the base year's pool of that tax type (0 when it is negative or when
  the tax type has no rows in the base year), times (1 + growth)^(year − base year), rounded half-up to the
  fen. increment = pool − base.
- [6] negative increment (shared taxes only), per tax type, year by year:
  `share` → stock = base, split = increment (may be negative);
  `floor_zero` → a negative increment: stock = the whole pool, split = 0;
  `carry_forward` → as floor_zero, and the shortfall −increment is added to the deficit; a positive increment
  first repays min(increment, deficit) to stock_to, and the rest is split.
  The stock (with any repayment) goes to stock_to.
- [5] the split goes origin : host by the ratio in force:
  `calendar_year` → the share of the phase covering the year (0 for a base year before the schedule);
  `years_since_start` → each entity's own phase, age = year − start_year + 1. The cell's split is first
  distributed over the schedule's phases in proportion to each phase's own pool (the phase's rows taken
  through steps 1–3 on their own: central and upper levels apportioned on the phase's amounts) by largest
  remainder; each phase's part is then split by its share (largest remainder over [origin, host]) and the
  origin's parts are added up. (With a one-phase schedule the whole split is that phase's.)
- A tax type outside the agreement's `taxes`: the whole pool stays with the host, origin 0 [1].
- [7, 8] terms per agreement and year, after the split, over the shared taxes:
  sunset / revocation: after min(sunset_year, revoked_year) everything that would have gone to the origin
  goes to the host;
  cap: the origin's parts of the split (after the sunset) count toward a cumulative limit; what would take
  the count over the limit goes to the host, apportioned over tax types in proportion to the origin's parts
  of the split. The count is what the origin actually keeps after floor top-ups [7]: this year's parts of the
  split, less the cap excess, less the floor top-up (a top-up is taken from what the origin received from
  increments first; only beyond that from its stock, which does not count);
  floor: when the host's receipts from the shared taxes (after sunset and cap) fall short of the yearly
  floor, the origin tops them up from its receipts of the year (after sunset and cap), never past zero for
  the origin, apportioned over tax types in proportion to the origin's parts.
- A cell is an output row when it has ledger rows, or money moves (total, central, origin or host is not 0),
  or a deficit is carried after the year or repaid in it [4].
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NamedTuple

# DOMAIN.md §2: tax ids in the order of the table, and the national central shares (the rest are 0 : 100)
TAXES = (
    "vat",
    "cit",
    "iit",
    "urban_maintenance",
    "property",
    "land_use",
    "land_appreciation",
    "deed",
    "stamp",
    "environmental",
)
NATIONAL_CENTRAL = {"vat": Fraction(1, 2), "cit": Fraction(3, 5), "iit": Fraction(3, 5)}


class Row(NamedTuple):
    agreement: int
    entity: Any
    year: int
    tax: str
    amount: int
    central: int | None = None
    start_year: int | None = None


# the steps on the way (allocation_detail.csv): DOMAIN.md §3.3–3.7
DIAGNOSTICS = ("pool", "base", "repaid", "deficit", "sunset_adj", "cap_adj", "floor_adj")


@dataclass
class Cell:
    """One (agreement, year, tax type) cell: the parts, and the steps on the way."""

    row: bool  # an output row
    total: int
    central: int
    upper: tuple[int, ...]
    origin: int
    host: int
    pool: int  # what the upper levels leave of the local part
    base: int
    repaid: int  # carried-forward deficit paid back to stock_to this year
    deficit: int  # deficit still carried after this year
    sunset_adj: int  # moved origin → host by the sunset or revocation, by the cap, by the floor
    cap_adj: int
    floor_adj: int


def exact(value: Any) -> Fraction:
    """A scenario number (Decimal share, int or float growth) as an exact fraction of its decimal text."""
    return Fraction(str(value))


def largest_remainder(whole: int, weights: list[Fraction] | list[int]) -> list[int]:
    """`whole` fen over parts in proportion to `weights`: floors of the exact quotas, the leftover fen one
    each to the largest remainders, ties to the earlier part."""
    weights = [Fraction(w) for w in weights]
    if sum(weights) == 0:
        weights = [abs(w) for w in weights]
    if sum(weights) == 0:
        weights = [Fraction(1)] * len(weights)
    total = sum(weights)
    quotas = [Fraction(whole) * w / total for w in weights]
    parts = [math.floor(q) for q in quotas]
    leftover = whole - sum(parts)
    assert 0 <= leftover <= len(parts)
    order = sorted(range(len(parts)), key=lambda i: (-(quotas[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    assert sum(parts) == whole
    return parts


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def _row(raw: Any) -> Row:
    if isinstance(raw, Row):
        return raw
    if isinstance(raw, dict):
        return Row(**raw)
    return Row(*raw)


def _central_share(scenario: Any, tax: str) -> Fraction:
    given = scenario.tax_rules.central_share
    if tax in given:
        return exact(given[tax])
    return NATIONAL_CENTRAL.get(tax, Fraction(0))


def _local_shares(scenario: Any, tax: str) -> list[Fraction]:
    upper = [exact(level.share.get(tax, 0)) for level in scenario.tax_rules.upper_levels]
    return [*upper, 1 - sum(upper)]


def _through_pool(scenario: Any, tax: str, total: int, given: int, uncentred: int) -> tuple[int, list[int]]:
    """Steps 2–3 for one set of amounts: `total` of which `given` is booked central and `uncentred` is the
    amount of the rows without a central column. Returns (central, [each upper level ..., pool])."""
    c = _central_share(scenario, tax)
    central = given + largest_remainder(uncentred, [c, 1 - c])[0]
    local = total - central
    return central, largest_remainder(local, _local_shares(scenario, tax))


def _phase_of(schedule: list[Any], when: int) -> int | None:
    for index, phase in enumerate(schedule):
        if when >= phase.start and (phase.end is None or when <= phase.end):
            return index
    return None


def _start_years(rows: list[Row]) -> dict[Any, int]:
    """Per entity (within one agreement): its given start year, else its first year in the ledger."""
    given: dict[Any, set[int]] = defaultdict(set)
    first: dict[Any, int] = {}
    for r in rows:
        first[r.entity] = min(first.get(r.entity, r.year), r.year)
        if r.start_year:
            given[r.entity].add(r.start_year)
    out = {}
    for entity, year in first.items():
        assert len(given[entity]) <= 1, f"conflicting start years for {entity}"
        out[entity] = next(iter(given[entity])) if given[entity] else year
    return out


def allocate(scenario: Any, raw_rows: list[Any]) -> dict[tuple[int, int, str], Cell]:
    """The output rows: {(agreement index, year, tax id): Cell}."""
    return {key: cell for key, cell in every_cell(scenario, raw_rows).items() if cell.row}


def every_cell(scenario: Any, raw_rows: list[Any]) -> dict[tuple[int, int, str], Cell]:
    """Every cell of every agreement's span of years, output row or not (`Cell.row` says which)."""
    rows = [_row(r) for r in raw_rows]
    out: dict[tuple[int, int, str], Cell] = {}
    for index, agreement in enumerate(scenario.agreements):
        mine = [r for r in rows if r.agreement == index]
        if mine:
            for (year, tax), cell in _agreement(scenario, agreement, mine).items():
                out[(index, year, tax)] = cell
    return out


def _agreement(scenario: Any, a: Any, rows: list[Row]) -> dict[tuple[int, str], Cell]:
    years = list(range(min(r.year for r in rows), max(r.year for r in rows) + 1))
    schedule = a.ratio.schedule
    by_start = a.ratio.basis == "years_since_start"
    n_phases = len(schedule) if by_start else 1
    starts = _start_years(rows)

    # sums per cell and phase: [total, given central, amount of rows without a central column]
    sums: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0, 0])
    present: set[tuple[int, str]] = set()
    for r in rows:
        if by_start:
            phase = _phase_of(schedule, r.year - starts[r.entity] + 1)
            assert phase is not None, "the ledger refuses rows whose age the schedule does not cover"
        else:
            phase = 0
        s = sums[(r.year, r.tax, phase)]
        s[0] += r.amount
        if r.central is None:
            s[2] += r.amount
        else:
            s[1] += r.central
        present.add((r.year, r.tax))

    shared = set(a.taxes)
    n_upper = len(scenario.tax_rules.upper_levels)

    # steps 1–3 per cell; each phase's own pool (for distributing a cell's split over phases)
    cells: dict[tuple[int, str], dict[str, Any]] = {}
    for y in years:
        for k in TAXES:
            phases = [sums.get((y, k, p), [0, 0, 0]) for p in range(n_phases)]
            total = sum(p[0] for p in phases)
            given = sum(p[1] for p in phases)
            uncentred = sum(p[2] for p in phases)
            central, parts = _through_pool(scenario, k, total, given, uncentred)
            phase_pools = [_through_pool(scenario, k, *p)[1][-1] for p in phases]
            cells[(y, k)] = {
                "total": total,
                "central": central,
                "upper": tuple(parts[:-1]),
                "pool": parts[-1],
                "phase_pools": phase_pools,
            }
            assert len(parts) == n_upper + 1

    # step 4: the base
    base: dict[tuple[int, str], int] = {}
    for y in years:
        for k in TAXES:
            base[(y, k)] = 0
            if a.base.rule == "base_year":
                by = a.base.year
                stock = max(cells[(by, k)]["pool"], 0) if (by, k) in present else 0
                base[(y, k)] = half_up(stock * (1 + exact(a.base.growth)) ** (y - by))

    # steps 5–6: negative increments, deficits, the split by the ratio in force
    deficit = dict.fromkeys(TAXES, 0)
    for y in years:
        for k in TAXES:
            c = cells[(y, k)]
            pool = c["pool"]
            c.update(base=base[(y, k)], repaid=0, deficit=0, origin_split=0, stock=0, split=0)
            c.update(sunset_adj=0, cap_adj=0, floor_adj=0)
            if k not in shared:
                c.update(origin=0, host=pool)
                continue
            increment = pool - base[(y, k)]
            if a.negative_increment == "share":
                stock, split = base[(y, k)], increment
            elif increment < 0:
                stock, split = pool, 0
                if a.negative_increment == "carry_forward":
                    deficit[k] += -increment
            else:
                repaid = min(increment, deficit[k]) if a.negative_increment == "carry_forward" else 0
                deficit[k] -= repaid
                stock, split = base[(y, k)] + repaid, increment - repaid
                c["repaid"] = repaid
            c["deficit"] = deficit[k]
            if by_start and n_phases > 1:
                phase_splits = largest_remainder(split, c["phase_pools"])
            else:
                phase_splits = [split]
            if by_start:
                shares = [exact(p.origin) for p in schedule]
            else:
                phase = _phase_of(schedule, y)
                shares = [exact(schedule[phase].origin) if phase is not None else Fraction(0)]
            origin_split = sum(
                largest_remainder(part, [share, 1 - share])[0] for part, share in zip(phase_splits, shares, strict=True)
            )
            origin = origin_split + (stock if a.stock_to == "origin" else 0)
            c.update(stock=stock, split=split, origin_split=origin_split, origin=origin, host=pool - origin)

    # steps 7–8: sunset / revocation, cap, floor; per year over the shared taxes
    ends = [e for e in (a.sunset_year, a.revoked_year) if e is not None]
    sharing_ends = min(ends) if ends else None
    limit = _fen(a.cap.origin_cumulative_yuan)
    guaranteed = _fen(a.floor.host_yearly_yuan)
    kept = 0  # what the origin has kept from increments so far (the cap's count)
    ordered = [k for k in TAXES if k in shared]
    for y in years:
        row = [cells[(y, k)] for k in ordered]
        if sharing_ends is not None and y > sharing_ends:
            for c in row:
                c["sunset_adj"] = c["origin"]
                c["host"] += c["origin"]
                c["origin"] = 0
                c["origin_split"] = 0
        this_year = sum(c["origin_split"] for c in row)
        excess = 0
        if limit is not None:
            excess = max(0, kept + this_year - limit)
            if excess:
                for c, moved in zip(row, largest_remainder(excess, [c["origin_split"] for c in row]), strict=True):
                    c["cap_adj"] = moved
                    c["origin"] -= moved
                    c["host"] += moved
        top_up = 0
        if guaranteed is not None:
            host_year = sum(c["host"] for c in row)
            available = sum(c["origin"] for c in row)
            top_up = min(max(guaranteed - host_year, 0), max(available, 0))
            if top_up:
                for c, moved in zip(row, largest_remainder(top_up, [c["origin"] for c in row]), strict=True):
                    c["floor_adj"] = moved
                    c["origin"] -= moved
                    c["host"] += moved
        from_increments = this_year - excess
        kept += from_increments - min(top_up, max(from_increments, 0))

    out: dict[tuple[int, str], Cell] = {}
    for y in years:
        for k in TAXES:
            c = cells[(y, k)]
            moved = any(c[name] for name in ("total", "central", "origin", "host", "deficit", "repaid"))
            assert c["central"] + sum(c["upper"]) + c["origin"] + c["host"] == c["total"]
            out[(y, k)] = Cell(
                row=(y, k) in present or moved,
                total=c["total"],
                central=c["central"],
                upper=c["upper"],
                origin=c["origin"],
                host=c["host"],
                **{name: c[name] for name in DIAGNOSTICS},
            )
    return out


def _fen(yuan: Any) -> int | None:
    if yuan is None:
        return None
    value = exact(yuan) * 100
    assert value.denominator == 1, "scenario amounts have at most two decimals"
    return int(value)
