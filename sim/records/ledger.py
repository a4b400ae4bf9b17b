"""Reading tax records (the ledger) and indicator records (statistics), checked against a scenario.

A ledger is one row per entity × period × tax type (DOMAIN.md §4). Simulated and real ledgers are the
same `Ledger`: both pass through `resolve`, so every row the core sees belongs to exactly one agreement,
lies in the scenario's years and has a ratio in force. Errors name the file and the row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from sim.errors import InputError, suggestion
from sim.indicators import COUNT_INDICATORS, INDICATOR_NAMES, INDICATORS
from sim.ledger import Ledger, StatisticsRecords
from sim.money import yuan_text
from sim.records.amounts import parse_fen
from sim.records.tabular import CONTROL, Columns, Table, first, read_table
from sim.scenario import Scenario
from sim.taxes import CENTRAL_ONLY, TAX_ALIASES, TAX_IDS

LEDGER_COLUMNS = Columns(
    required={
        "entity_id": ("企业编号", "统一社会信用代码"),
        "origin_area": ("来源片区",),
        "zone": ("协同区",),
        "year": ("年度",),
        "tax_type": ("税种",),
        "amount": ("税额", "金额"),
    },
    optional={"month": ("月份",), "central": ("中央级",), "start_year": ("投产年度",)},
)

STATISTICS_COLUMNS = Columns(
    required={
        "origin_area": ("来源片区",),
        "zone": ("协同区",),
        "year": ("年度",),
        "indicator": ("指标",),
        "value": ("数值",),
    },
    optional={"entity_id": ("企业编号", "统一社会信用代码")},
)

INDICATOR_ALIASES = {
    **{i: i for i in INDICATORS},
    **{v: k for k, v in INDICATOR_NAMES.items()},
    "工业总产值": "output",
    "就业人数": "employment",
    "进出口额": "trade",
    "外资": "fdi",
}

# Σ|amount| must stay well inside int64 so that no sum in the core can overflow.
_MAX_ABS_SUM_FEN = 2**61
START_YEARS = (1900, 2200)


def read_ledger(path: str | Path, scenario: Scenario, sheet: str | None = None) -> Ledger:
    table = read_table(path, LEDGER_COLUMNS, sheet)
    n = len(table)
    amount = _amounts(table, "amount")
    central_text = table.columns.get("central")
    has_central = np.zeros(n, bool) if central_text is None else _filled(central_text)
    central = np.zeros(n, np.int64)
    if has_central.any():
        central[has_central] = _amounts(table, "central", has_central)
    # blank month = an annual figure, blank start_year = the entity's first year; an explicit 0 is neither
    month, month_given = _integers(table, "month", allow_blank=True)
    bad = np.flatnonzero(month_given & ((month < 1) | (month > 12)))
    if len(bad):
        raise table.error(bad[0], "month_range", value=int(month[bad[0]]))
    start_year, start_given = _integers(table, "start_year", allow_blank=True)
    low, high = START_YEARS
    bad = np.flatnonzero(start_given & ((start_year < low) | (start_year > high)))
    if len(bad):
        raise table.error(bad[0], "cell_range", field="start_year", value=int(start_year[bad[0]]), low=low, high=high)
    entity, entity_ids = _codes(table, "entity_id")
    agreement, year, tax = _agreements(table, scenario), _integers(table, "year")[0], _taxes(table)
    ledger = Ledger(
        source=table.file,
        entity_ids=entity_ids,
        entity=entity,
        agreement=agreement,
        year=year,
        month=month,
        tax=tax,
        amount=amount,
        central=central,
        has_central=has_central,
        start_year=start_year,
        row_numbers=table.row_numbers,
        duplicate_rows=_duplicates(entity, agreement, year, month, tax),
    )
    return resolve(ledger, scenario)


def _duplicates(*keys: np.ndarray) -> int:
    """Rows repeating an earlier row's (entity, agreement, year, month, tax): the cube sums them, the summary
    counts them. The keys are packed into one int64 and sorted (tens of milliseconds for a million rows)."""
    if len(keys[0]) < 2:
        return 0
    lows = [int(k.min()) for k in keys]
    spans = [int(k.max()) - low + 1 for k, low in zip(keys, lows, strict=True)]
    if np.prod(np.array(spans, dtype=object)) < 2**63:
        packed = np.zeros(len(keys[0]), np.int64)
        for key, low, span in zip(keys, lows, spans, strict=True):
            np.multiply(packed, span, out=packed)
            np.add(packed, key, out=packed)
            packed -= low
        packed.sort()
        return int(np.count_nonzero(packed[1:] == packed[:-1]))
    stacked = np.stack(keys)[:, np.lexsort(keys[::-1])]
    return int(np.count_nonzero((stacked[:, 1:] == stacked[:, :-1]).all(axis=0)))


def resolve(ledger: Ledger, scenario: Scenario) -> Ledger:
    """Check a ledger against the scenario and fill in start years; the same for real and simulated data.

    A ledger without rows in an agreement's base year is refused: a forgotten export would silently make the
    stock zero (a simulation says so with a zero row, `analysis.projection.with_base_year_rows`)."""
    _check_central(ledger)
    if np.abs(ledger.amount).astype(np.float64).sum() > _MAX_ABS_SUM_FEN:
        raise InputError(ledger.source, None, "ledger_total_range")
    start = _start_years(ledger)
    h = scenario.horizon
    base_years = np.array(
        [a.base.year if a.base.rule == "base_year" else h.start_year for a in scenario.agreements], np.int64
    )
    first_allowed = np.minimum(base_years[ledger.agreement], h.start_year)
    outside = np.flatnonzero(
        (ledger.year > h.end_year)
        | (ledger.year < first_allowed)
        | ((ledger.year < h.start_year) & (ledger.year != base_years[ledger.agreement]))
    )
    if len(outside):
        i = outside[0]
        raise ledger.error(i, "year_outside", year=int(ledger.year[i]), first=h.start_year, last=h.end_year)
    early = np.flatnonzero(ledger.year < start)
    if len(early):
        raise ledger.error(early[0], "start_year_after", year=int(ledger.year[early[0]]), start=int(start[early[0]]))
    for index, agreement in enumerate(scenario.agreements):
        rows = ledger.agreement == index
        uncovered = agreement.ratio.phase(ledger.year[rows], start[rows]) < 0  # calendar years: the base year
        bad = np.flatnonzero(uncovered if agreement.ratio.basis == "years_since_start" else [])
        if len(bad):
            i = np.flatnonzero(rows)[bad[0]]
            raise ledger.error(i, "age_uncovered", age=int(ledger.year[i] - start[i] + 1), agreement=agreement.id)
        base_missing = rows.any() and not (ledger.year[rows] == agreement.base.year).any()
        if agreement.base.rule == "base_year" and base_missing:
            raise InputError(ledger.source, None, "base_year_missing", agreement=agreement.id, year=agreement.base.year)
    return Ledger(**{**ledger.__dict__, "start_year": start})


def _check_central(ledger: Ledger) -> None:
    a, c = ledger.amount, ledger.central
    wrong = ledger.has_central & ~(((a >= 0) & (c >= 0) & (c <= a)) | ((a < 0) & (c <= 0) & (c >= a)))
    bad = np.flatnonzero(wrong)
    if len(bad):
        i = bad[0]
        raise ledger.error(i, "central_range", central=yuan_text(int(c[i])), amount=yuan_text(int(a[i])))


def _start_years(ledger: Ledger) -> np.ndarray:
    """The given start year (one per entity and agreement), else the entity's first year in the ledger."""
    pair = ledger.entity * (int(ledger.agreement.max(initial=0)) + 1) + ledger.agreement
    keys, group = np.unique(pair, return_inverse=True)
    first = np.full(len(keys), np.iinfo(np.int64).max)
    np.minimum.at(first, group, ledger.year)
    given = ledger.start_year
    if not given.any():
        return first[group]
    has = given > 0
    low = np.full(len(keys), np.iinfo(np.int64).max)
    high = np.zeros(len(keys), np.int64)
    np.minimum.at(low, group[has], given[has])
    np.maximum.at(high, group[has], given[has])
    conflict = np.flatnonzero(has & (low[group] != high[group]))
    if len(conflict):
        i = conflict[0]
        raise ledger.error(
            i,
            "start_year_conflict",
            entity=ledger.entity_ids[ledger.entity[i]],
            first=int(low[group[i]]),
            second=int(high[group[i]]),
        )
    return np.where(high[group] > 0, high[group], first[group])


def _filled(text: pa.Array) -> np.ndarray:
    return pc.not_equal(text, "").to_numpy(zero_copy_only=False)


def _codes(table: Table, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode a required text column: (int64 code per row, the distinct values). Blank cells and
    control characters are refused, naming the first row; the latter is checked on the distinct values only."""
    encoded = pc.dictionary_encode(_required_text(table, column))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    control = pc.match_substring_regex(encoded.dictionary, CONTROL)
    if pc.any(control).as_py():
        i = int(np.flatnonzero(control.to_numpy(zero_copy_only=False)[codes])[0])
        raise table.error(i, "cell_control_character", field=column, value=table.columns[column][i].as_py())
    return codes, np.array(encoded.dictionary.to_pylist(), dtype=object)


def _required_text(table: Table, column: str) -> pa.Array:
    values = table.columns[column]
    blank = first(pc.equal(values, ""))
    if blank is not None:
        raise table.error(blank, "blank_cell", field=column)
    return values


def _amounts(table: Table, column: str, where: np.ndarray | None = None) -> np.ndarray:
    values = table.columns[column]
    positions = np.arange(len(values)) if where is None else np.flatnonzero(where)
    subset = values if where is None else values.filter(pa.array(where))
    blank = first(pc.equal(subset, ""))
    if blank is not None:
        raise table.error(positions[blank], "blank_cell", field=column)
    fen, bad, key = parse_fen(subset)
    if bad is not None:
        raise table.error(positions[bad], key, value=subset[bad].as_py())
    return fen


def _integers(table: Table, column: str, allow_blank: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Whole numbers of up to four digits (years, months), blank cells as 0, and where a cell was filled in;
    an absent optional column reads as zeros, none filled in."""
    values = table.columns.get(column)
    if values is None:
        return np.zeros(len(table), np.int64), np.zeros(len(table), bool)
    blank = pc.equal(values, "")
    if not allow_blank and (position := first(blank)) is not None:
        raise table.error(position, "blank_cell", field=column)
    bad = first(pc.invert(pc.or_(pc.match_substring_regex(values, r"^\d{1,4}$"), blank)))
    if bad is not None:
        raise table.error(bad, "integer_format", field=column, value=values[bad].as_py())
    number = pc.cast(pc.if_else(blank, "0", values), pa.int64()).to_numpy(zero_copy_only=False)
    return number, ~blank.to_numpy(zero_copy_only=False)


def _lookup(table: Table, column: str, aliases: dict[str, str], ids: tuple[str, ...], unknown) -> np.ndarray:
    """Map a text column through `aliases` (exact, then lower-cased) to indexes into `ids`."""
    codes, distinct = _codes(table, column)
    mapped = []
    for value in distinct:
        target = aliases.get(value, aliases.get(value.lower()))
        if target is None:
            unknown(int(np.flatnonzero(codes == len(mapped))[0]), value)
        mapped.append(ids.index(target))
    return np.array(mapped, np.int64)[codes] if mapped else codes


def _taxes(table: Table) -> np.ndarray:
    def unknown(position: int, value: str) -> None:
        if value in CENTRAL_ONLY or value.lower() in CENTRAL_ONLY:
            raise table.error(position, "tax_central_only", value=value)
        raise table.error(position, "tax_unknown", value=value, **suggestion(value, TAX_ALIASES))

    return _lookup(table, "tax_type", TAX_ALIASES, TAX_IDS, unknown)


def _agreements(table: Table, scenario: Scenario) -> np.ndarray:
    """Match each row's (origin_area, zone) to exactly one agreement; anything else names the row."""
    origin, origins = _codes(table, "origin_area")
    zone, zones = _codes(table, "zone")
    pairs = {(a.origin, a.host): i for i, a in enumerate(scenario.agreements)}
    grid = np.array([[pairs.get((o, z), -1) for z in zones] for o in origins], np.int64).reshape(
        len(origins), len(zones)
    )
    index = grid[origin, zone]
    unmatched = np.flatnonzero(index < 0)
    if len(unmatched):
        i = unmatched[0]
        parties = {p.id for p in scenario.parties}
        o, z = origins[origin[i]], zones[zone[i]]
        if o not in parties:
            raise table.error(i, "origin_unknown", value=o)
        if z not in parties:
            raise table.error(i, "zone_unknown", value=z)
        raise table.error(i, "agreement_unknown", origin=o, zone=z)
    return index


def read_statistics(path: str | Path, scenario: Scenario, sheet: str | None = None) -> StatisticsRecords:
    table = read_table(path, STATISTICS_COLUMNS, sheet)

    def unknown(position: int, value: str) -> None:
        raise table.error(position, "indicator_unknown", value=value, **suggestion(value, INDICATOR_ALIASES))

    indicator = _lookup(table, "indicator", INDICATOR_ALIASES, INDICATORS, unknown)
    value = _amounts(table, "value")
    counts = np.isin(indicator, [INDICATORS.index(c) for c in COUNT_INDICATORS])
    fractional = np.flatnonzero(counts & (value % 100 != 0))
    if len(fractional):
        i = fractional[0]
        raise table.error(i, "count_decimals", field=INDICATORS[indicator[i]], value=table.columns["value"][i].as_py())
    value = np.where(counts, value // 100, value)
    year = _integers(table, "year")[0]
    h = scenario.horizon
    outside = np.flatnonzero((year < h.start_year) | (year > h.end_year))
    if len(outside):
        i = outside[0]
        raise table.error(i, "year_outside", year=int(year[i]), first=h.start_year, last=h.end_year)
    entity = table.columns.get("entity_id")
    if entity is not None and (i := first(pc.match_substring_regex(entity, CONTROL))) is not None:
        raise table.error(i, "cell_control_character", field="entity_id", value=entity[i].as_py())
    return StatisticsRecords(
        source=table.file,
        entity=np.full(len(table), "", dtype=object) if entity is None else np.array(entity.to_pylist(), dtype=object),
        agreement=_agreements(table, scenario),
        year=year,
        indicator=indicator,
        value=value,
        row_numbers=table.row_numbers,
    )
