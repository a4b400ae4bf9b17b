"""Where the ratio is applied: the allocation of DOMAIN.md §3, in integer fen.

For each agreement, year and tax type: total → central → upper levels → pool → base and increment →
negative-increment policy → split origin : host by the ratio in force → sunset, cap, floor (`sim.terms`).
Central and upper-level parts are apportioned once per (agreement, year, tax) cell; under a years-since-start
schedule the amount split is then shared over the cell's ratio phases in proportion to their own pools, so
each entity's increment is split by its own phase. Pure: arrays in, arrays out.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from sim.apportion import PPM, by_shares, by_weights, pair
from sim.scenario import Agreement, Scenario
from sim.sharing.cube import Cube
from sim.sharing.terms import apply_terms
from sim.taxes import TAX_IDS

K = len(TAX_IDS)


@dataclass(frozen=True)
class Allocation:
    """Dense [agreement, year, tax] arrays in fen; `rows` marks the cells that are output rows."""

    first_year: int
    upper_ids: tuple[str, ...]
    total: np.ndarray
    central: np.ndarray
    upper: np.ndarray  # [agreement, year, tax, upper level]
    pool: np.ndarray
    base: np.ndarray
    increment: np.ndarray  # pool − base
    repaid: np.ndarray  # carried-forward deficit paid back to stock_to this year
    deficit: np.ndarray  # deficit still carried after this year
    to_stock: np.ndarray  # what goes to stock_to: the stock, repayments, a floored negative increment
    split: np.ndarray  # the amount split origin : host
    origin_split: np.ndarray  # the origin's part of `split`
    ratio: np.ndarray  # float: the origin's share in force (effective, under years-since-start)
    sunset_adj: np.ndarray  # moved origin → host by each term (positive moves to the host)
    cap_adj: np.ndarray
    floor_adj: np.ndarray
    origin: np.ndarray
    host: np.ndarray
    rows: np.ndarray  # bool

    @property
    def years(self) -> np.ndarray:
        return self.first_year + np.arange(self.total.shape[1])


def allocate(cube: Cube, scenario: Scenario) -> Allocation:
    """Split every cell of the cube by the scenario's agreements."""
    n_agreements, n_years = cube.total.shape[:2]
    n_upper = len(scenario.tax_rules.upper_levels)
    zeros = np.zeros((n_agreements, n_years, K), np.int64)
    out = {name: zeros.copy() for name in _CELL_FIELDS}
    out["upper"] = np.zeros((n_agreements, n_years, K, n_upper), np.int64)
    out["ratio"] = np.full((n_agreements, n_years, K), np.nan)
    out["rows"] = np.zeros((n_agreements, n_years, K), bool)
    central_ppm = scenario.tax_rules.central_ppm_by_tax()
    local_split = scenario.tax_rules.local_split_ppm_by_tax()
    for index, agreement in enumerate(scenario.agreements):
        span = cube.year_span(index)
        if span is None:
            continue
        years = slice(span[0], span[1] + 1)
        calendar = cube.years[years]
        result = _allocate_agreement(
            agreement,
            calendar,
            cube.total[index, years],
            cube.central_given[index, years],
            cube.uncentred[index, years],
            central_ppm,
            local_split,
        )
        for name, value in result.items():
            out[name][index, years] = value
        out["rows"][index, years] = cube.present[index, years] | _any_nonzero(result)
    return Allocation(first_year=cube.first_year, upper_ids=tuple(scenario.upper_level_ids), **out)


# the steps between total and the final parts, in the order they happen (allocation_detail.csv)
DETAIL_FIELDS = (
    "pool",
    "base",
    "increment",
    "repaid",
    "deficit",
    "to_stock",
    "split",
    "origin_split",
    "sunset_adj",
    "cap_adj",
    "floor_adj",
)
_CELL_FIELDS = ("total", "central", *DETAIL_FIELDS, "origin", "host")


def _any_nonzero(result: dict[str, np.ndarray]) -> np.ndarray:
    nonzero = np.zeros(result["total"].shape, bool)
    for name in ("total", "central", "origin", "host", "deficit", "repaid"):
        nonzero |= result[name] != 0
    return nonzero


def _allocate_agreement(
    a: Agreement,
    calendar: np.ndarray,
    total: np.ndarray,
    central_given: np.ndarray,
    uncentred: np.ndarray,
    central_ppm: np.ndarray,
    local_split: np.ndarray,
) -> dict[str, np.ndarray]:
    """One agreement over its years; arrays are [year, tax, age] in, [year, tax] out."""
    n_years, _, n_ages = total.shape
    unit_of, unit_ratio = _units(a, calendar, n_ages)  # [year, age] → unit, [year, unit] → ppm
    n_units = unit_ratio.shape[1]

    membership = (unit_of[:, :, None] == np.arange(n_units)).astype(np.int64)  # [year, age, unit] one-hot

    def by_unit(cells: np.ndarray) -> np.ndarray:
        if n_units == 1:
            return cells.sum(axis=2, keepdims=True)
        return np.einsum("ykg,ygu->yku", cells, membership)

    # central, upper levels and the pool are apportioned once per cell (DOMAIN.md §3.2–3)
    cell_total = total.sum(axis=2)
    central = central_given.sum(axis=2) + by_shares(uncentred.sum(axis=2), pair(central_ppm))[..., 0]
    parts = by_shares(cell_total - central, local_split)  # [year, tax, upper levels + pool]
    pool = parts[..., -1]
    shared = np.isin(np.array(TAX_IDS), a.taxes)

    base = _base(a, calendar, pool)
    flows = _negative_policy(a, pool, base, shared)
    # distribute the split amount over the units in proportion to their own pools (each unit's rows taken through
    # central and upper levels on their own: weights only), then split each by its ratio
    if n_units == 1:
        u_split = flows["split"][..., None]
    else:
        u_central = by_unit(central_given) + by_shares(by_unit(uncentred), pair(central_ppm)[:, None, :])[..., 0]
        u_pool = by_shares(by_unit(total) - u_central, local_split[:, None, :])[..., -1]  # [year, tax, unit]
        cells = np.repeat(np.arange(n_years * K), n_units)
        u_split = by_weights(flows["split"].ravel(), cells, u_pool.ravel()).reshape(u_pool.shape)
    u_origin = by_shares(u_split, pair(unit_ratio)[:, None, :, :])[..., 0]
    origin_split = u_origin.sum(axis=2)
    origin = origin_split + (flows["to_stock"] if a.stock_to == "origin" else 0)
    origin = np.where(shared, origin, 0)
    terms = apply_terms(a, calendar, origin, origin_split, pool - origin, shared)
    split = flows["split"]
    with np.errstate(invalid="ignore", divide="ignore"):
        effective = np.where(split != 0, origin_split / np.where(split == 0, 1, split), np.nan)
    ratio = unit_ratio[:, :1] / PPM if n_units == 1 else effective
    return {
        "total": cell_total,
        "central": central,
        "upper": parts[..., :-1],
        "pool": pool,
        "base": base,
        "increment": pool - base,
        **flows,
        "origin_split": origin_split,
        "ratio": np.where(shared, np.broadcast_to(ratio, pool.shape), np.nan),
        **terms,
    }


def _units(a: Agreement, calendar: np.ndarray, n_ages: int) -> tuple[np.ndarray, np.ndarray]:
    """Map (year, age) to a ratio unit and give each unit's origin share in millionths.

    By calendar year there is one unit per year (years outside the schedule — a base year before the
    horizon — have share 0). By years since start each phase of the schedule is a unit.
    """
    if a.ratio.basis == "calendar_year":
        return np.zeros((len(calendar), n_ages), np.int64), a.ratio.in_force(calendar)[:, None]
    ages = np.arange(1, n_ages + 1)
    phase_of_age = np.maximum(a.ratio.phase(ages, start_year=1), 0)  # rows uncovered are refused by the ledger
    shares = a.ratio.in_force(np.array([p.start for p in a.ratio.schedule]), start_year=1)  # one per phase
    return np.broadcast_to(phase_of_age, (len(calendar), n_ages)), np.broadcast_to(shares, (len(calendar), len(shares)))


def _base(a: Agreement, calendar: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """The stock each year: zero, or the base year's pool (never below 0) grown at `growth`, to the fen.

    Only the base year itself can give the base: when the agreement has no rows that year (a simulated zone not
    yet collecting), the base is 0 — never the pool of the first year that has rows.
    """
    base = np.zeros_like(pool)
    if a.base.rule != "base_year" or a.base.year not in calendar:
        return base
    at = int(np.searchsorted(calendar, a.base.year))
    growth = Decimal(str(a.base.growth))
    for y in range(at, len(calendar)):
        factor = (1 + growth) ** (y - at)
        for k in range(pool.shape[1]):
            value = Decimal(int(max(pool[at, k], 0))) * factor
            base[y, k] = int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return base


def _negative_policy(a: Agreement, pool: np.ndarray, base: np.ndarray, shared: np.ndarray) -> dict[str, np.ndarray]:
    """Decide what is split and what goes to stock_to, year by year (carried deficits are sequential)."""
    n_years = pool.shape[0]
    increment = pool - base
    to_stock = np.where(shared, base, pool)
    split = np.where(shared, increment, 0)
    repaid = np.zeros_like(pool)
    deficit = np.zeros_like(pool)
    if a.negative_increment == "share":
        return {"to_stock": to_stock, "split": split, "repaid": repaid, "deficit": deficit}
    negative = shared & (increment < 0)
    to_stock = np.where(negative, pool, to_stock)
    split = np.where(negative, 0, split)
    if a.negative_increment == "carry_forward":
        carried = np.zeros(pool.shape[1], np.int64)
        for y in range(n_years):
            pay = np.where(shared & ~negative[y], np.minimum(increment[y], carried), 0)
            repaid[y] = pay
            carried = carried - pay + np.where(negative[y], -increment[y], 0)
            deficit[y] = carried
        to_stock += repaid
        split -= repaid
    return {"to_stock": to_stock, "split": split, "repaid": repaid, "deficit": deficit}
