"""Tax records (the ledger) and indicator records (statistics), read and checked against a scenario.

A ledger is one row per entity × period × tax type (DOMAIN.md §4). Simulated and real ledgers are the
same `Ledger`: both pass through `resolve`, so every row the core sees belongs to exactly one agreement,
lies in the scenario's years and has a ratio in force. Errors name the file and the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, suggestion
from sim.money import parse_fen
from sim.scenario import INDICATORS, Scenario
from sim.tabular import Columns, Table, read_table
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

INDICATOR_NAMES = {
    "output": "产值",
    "value_added": "增加值",
    "investment": "固定资产投资",
    "trade": "进出口",
    "fdi": "实际使用外资",
    "employment": "从业人员",
    "entities": "市场主体数",
}
INDICATOR_ALIASES = {
    **{i: i for i in INDICATORS},
    **{v: k for k, v in INDICATOR_NAMES.items()},
    "工业总产值": "output",
    "就业人数": "employment",
    "进出口额": "trade",
    "外资": "fdi",
}
COUNT_INDICATORS = frozenset({"employment", "entities"})  # whole numbers; the rest are yuan (fen inside)

# Σ|amount| must stay well inside int64 so that no sum in the core can overflow.
_MAX_ABS_SUM_FEN = 2**61


@dataclass(frozen=True)
class Ledger:
    """Tax rows as arrays; `agreement` indexes `scenario.agreements`, `tax` indexes `TAX_IDS`."""

    source: str
    entity_ids: np.ndarray  # unique entity ids (object)
    entity: np.ndarray  # int64 index into entity_ids
    agreement: np.ndarray
    year: np.ndarray
    month: np.ndarray  # 0 = an annual figure
    tax: np.ndarray
    amount: np.ndarray  # fen
    central: np.ndarray  # fen, meaningful where has_central
    has_central: np.ndarray
    start_year: np.ndarray  # resolved: given, or the entity's first year under the agreement
    row_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.amount)

    def error(self, position: int, key: str, **params: object) -> InputError:
        return InputError(self.source, f"row {int(self.row_numbers[position])}", key, **params)


@dataclass(frozen=True)
class StatisticsRecords:
    source: str
    entity: np.ndarray  # object ids ("" when the figure is for the zone as a whole)
    agreement: np.ndarray
    year: np.ndarray
    indicator: np.ndarray  # index into INDICATORS
    value: np.ndarray  # fen for money indicators, whole units for counts
    row_numbers: np.ndarray


def read_ledger(path: str | Path, scenario: Scenario, sheet: str | None = None) -> Ledger:
    table = read_table(path, LEDGER_COLUMNS, sheet)
    n = len(table)
    amount = _amounts(table, "amount")
    blank = np.zeros(n, bool)
    central_text = table.columns.get("central")
    has_central = (central_text != "").to_numpy() if central_text is not None else blank
    central = np.zeros(n, np.int64)
    if has_central.any():
        central[has_central] = _amounts(table, "central", has_central)
    month = _integers(table, "month", allow_blank=True) if "month" in table.columns else np.zeros(n, np.int64)
    bad = np.flatnonzero((month < 0) | (month > 12))
    if len(bad):
        raise table.error(bad[0], "month_range", value=int(month[bad[0]]))
    given_start = (
        _integers(table, "start_year", allow_blank=True) if "start_year" in table.columns else np.zeros(n, np.int64)
    )
    entity_ids, entity = np.unique(_required_text(table, "entity_id"), return_inverse=True)
    ledger = Ledger(
        source=table.file,
        entity_ids=entity_ids,
        entity=entity.astype(np.int64),
        agreement=_agreements(table, scenario),
        year=_integers(table, "year"),
        month=month,
        tax=_taxes(table),
        amount=amount,
        central=central,
        has_central=has_central,
        start_year=given_start,
        row_numbers=table.row_numbers,
    )
    return resolve(ledger, scenario)


def resolve(ledger: Ledger, scenario: Scenario) -> Ledger:
    """Check a ledger against the scenario and fill in start years; shared by real and simulated data."""
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
        if agreement.ratio.basis == "years_since_start":
            age = ledger.year[rows] - start[rows] + 1
            covered = np.array(
                [agreement.ratio.origin_at(int(a)) is not None for a in range(int(age.max(initial=0)) + 1)]
            )
            bad = np.flatnonzero(~covered[age])
            if len(bad):
                raise ledger.error(
                    np.flatnonzero(rows)[bad[0]], "age_uncovered", age=int(age[bad[0]]), agreement=agreement.id
                )
        if agreement.base.rule == "base_year" and rows.any() and not (ledger.year[rows] == agreement.base.year).any():
            raise InputError(ledger.source, None, "base_year_missing", agreement=agreement.id, year=agreement.base.year)
    return Ledger(**{**ledger.__dict__, "start_year": start})


def _check_central(ledger: Ledger) -> None:
    a, c = ledger.amount, ledger.central
    wrong = ledger.has_central & ~(((a >= 0) & (c >= 0) & (c <= a)) | ((a < 0) & (c <= 0) & (c >= a)))
    bad = np.flatnonzero(wrong)
    if len(bad):
        from sim.money import yuan_text

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


def _required_text(table: Table, column: str) -> np.ndarray:
    values = table.columns[column]
    blank = np.flatnonzero((values == "").to_numpy())
    if len(blank):
        raise table.error(blank[0], "blank_cell", field=column)
    return values.to_numpy(dtype=object)


def _amounts(table: Table, column: str, where: np.ndarray | None = None) -> np.ndarray:
    values = table.columns[column]
    positions = np.arange(len(values)) if where is None else np.flatnonzero(where)
    subset = values.iloc[positions]
    blank = np.flatnonzero((subset == "").to_numpy())
    if len(blank):
        raise table.error(positions[blank[0]], "blank_cell", field=column)
    fen, bad, key = parse_fen(subset.reset_index(drop=True))
    if bad is not None:
        raise table.error(positions[bad], key, value=subset.iloc[bad])
    return fen


def _integers(table: Table, column: str, allow_blank: bool = False) -> np.ndarray:
    values = table.columns[column]
    blank = (values == "").to_numpy()
    if blank.any() and not allow_blank:
        raise table.error(np.flatnonzero(blank)[0], "blank_cell", field=column)
    ok = values.str.fullmatch(r"\d{1,4}").to_numpy() | blank
    if not ok.all():
        i = np.flatnonzero(~ok)[0]
        raise table.error(i, "integer_format", field=column, value=values.iloc[i])
    return pd.to_numeric(values.where(~blank, "0")).to_numpy(np.int64)


def _taxes(table: Table) -> np.ndarray:
    text = table.columns["tax_type"]
    ids = text.map(TAX_ALIASES)
    missing = ids.isna().to_numpy()
    if missing.any():
        lowered = text.str.lower().map(TAX_ALIASES)
        ids = ids.fillna(lowered)
        missing = ids.isna().to_numpy()
    if missing.any():
        i = np.flatnonzero(missing)[0]
        value = text.iloc[i]
        if value in CENTRAL_ONLY or value.lower() in CENTRAL_ONLY:
            raise table.error(i, "tax_central_only", value=value)
        raise table.error(i, "tax_unknown", value=value, **suggestion(value, TAX_ALIASES))
    index = {t: k for k, t in enumerate(TAX_IDS)}
    return ids.map(index).to_numpy(np.int64)


def _agreements(table: Table, scenario: Scenario) -> np.ndarray:
    """Match each row's (origin_area, zone) to exactly one agreement; anything else names the row."""
    origin = pd.Series(_required_text(table, "origin_area"))
    zone = pd.Series(_required_text(table, "zone"))
    pairs = {(a.origin, a.host): i for i, a in enumerate(scenario.agreements)}
    key = {f"{o}\x1f{h}": i for (o, h), i in pairs.items()}
    index = (origin + "\x1f" + zone).map(key)
    unmatched = index.isna().to_numpy()
    if unmatched.any():
        i = np.flatnonzero(unmatched)[0]
        parties = [p.id for p in scenario.parties]
        if origin.iloc[i] not in parties:
            raise table.error(i, "origin_unknown", value=origin.iloc[i])
        if zone.iloc[i] not in parties:
            raise table.error(i, "zone_unknown", value=zone.iloc[i])
        raise table.error(i, "agreement_unknown", origin=origin.iloc[i], zone=zone.iloc[i])
    return index.to_numpy(np.int64)


def read_statistics(path: str | Path, scenario: Scenario, sheet: str | None = None) -> StatisticsRecords:
    table = read_table(path, STATISTICS_COLUMNS, sheet)
    text = table.columns["indicator"]
    ids = text.map(INDICATOR_ALIASES).fillna(text.str.lower().map(INDICATOR_ALIASES))
    if ids.isna().any():
        i = np.flatnonzero(ids.isna().to_numpy())[0]
        raise table.error(i, "indicator_unknown", value=text.iloc[i], **suggestion(text.iloc[i], INDICATOR_ALIASES))
    indicator = ids.map({name: k for k, name in enumerate(INDICATORS)}).to_numpy(np.int64)
    value = _amounts(table, "value")
    counts = np.isin(indicator, [INDICATORS.index(c) for c in COUNT_INDICATORS])
    fractional = np.flatnonzero(counts & (value % 100 != 0))
    if len(fractional):
        i = fractional[0]
        raise table.error(i, "count_decimals", field=INDICATORS[indicator[i]], value=table.columns["value"].iloc[i])
    value = np.where(counts, value // 100, value)
    year = _integers(table, "year")
    h = scenario.horizon
    outside = np.flatnonzero((year < h.start_year) | (year > h.end_year))
    if len(outside):
        i = outside[0]
        raise table.error(i, "year_outside", year=int(year[i]), first=h.start_year, last=h.end_year)
    entity = table.columns["entity_id"].to_numpy(dtype=object) if "entity_id" in table.columns else None
    return StatisticsRecords(
        source=table.file,
        entity=entity if entity is not None else np.full(len(table), "", dtype=object),
        agreement=_agreements(table, scenario),
        year=year,
        indicator=indicator,
        value=value,
        row_numbers=table.row_numbers,
    )
