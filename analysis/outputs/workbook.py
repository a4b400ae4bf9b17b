"""Workbooks for people: `allocation.xlsx` of `settle` and `run`, the comparison workbook, the app's downloads.

Every sheet reads without the machine files: names not ids, headers from the catalogue through the one
presentation layer (`analysis.outputs.presentation`) with the sheet's one unit stated in every amount header,
a 合计 row, numbers as numbers with thousands separators and fixed decimals, a frozen header row and column
widths from the content. Printed, every sheet is A4 landscape and one page wide (fit to width, as many pages
down as it needs) with the header row repeated on each page, the title and period in the page header and what
the figures are (settled from records, replication 1 and its seed, means over N replications) in the footer.

The header row stays the first row (scripts and tests read `sheet[1]`); the title, period and sources are in
the print header and on the last sheet, 说明. Same inputs → same bytes: no clock time is written (document
dates fixed, zip entries dated 1980).

The package is written here directly (`write_sheets`: string templates, one f-string per cell): about three
times faster than XlsxWriter and eight times faster than openpyxl for the same sheets (0.1 s for the
million-row benchmark's workbook; openpyxl took 0.9 s). Workbooks hold tables per agreement, year and
tax, never one row per entity: that is `allocation_by_entity.csv`, as the 说明 sheet says.
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np
import pandas as pd

from analysis.outputs.presentation import (
    TOTAL_LABELS,
    WAN,
    YUAN,
    Names,
    Unit,
    View,
    header,
    indicator_name,
    role_name,
    rule_name,
    tax_name,
    total_rows,
    unit_for,
    with_unit,
)
from analysis.outputs.tables import (
    TEXT_COLUMNS,
    allocation_table,
    balance_table,
    detail_table,
    needs_text_mark,
    statistics_table,
)
from sim.indicators import COUNT_INDICATORS, INDICATOR_NAMES
from sim.messages import MESSAGES, render

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.sharing.fiscal import FiscalBalance
    from sim.sharing.split import Allocation
    from sim.sharing.statistics import StatisticsAllocation

FIXED_TIME = datetime.datetime(2020, 1, 1)  # workbooks carry no clock time, so runs are byte-identical
A4 = 9  # Excel's paper code
DECIMALS = 4  # settled amounts in 万元 (or 亿元) to four decimals: to the yuan in 万元
MAX_WIDTH = 36  # characters; longer text wraps
WRAP_WIDTH = 40  # free text (terms, descriptions, checksums) wraps at this width
HEADER_ONE_LINE = 24  # a header up to this wide stays on one line (分成较基准增减（亿元）); longer ones wrap


# ---------------------------------------------------------------- a sheet, ready to write


@dataclass
class Sheet:
    """One table as it will be written: display headers, rows of plain values (numbers, text, None), the number
    format of each column (`None`: general or text) with per-cell overrides, rows to set in bold (totals), and
    the note saying what the figures are."""

    name: str
    headers: list[str]
    rows: list[list[object]]
    formats: list[str | None]
    bold_rows: set[int] = field(default_factory=set)
    cell_formats: dict[tuple[int, int], str] = field(default_factory=dict)
    note: str = ""
    text_columns: list[str | None] | None = None  # machine column name per column, for `needs_text_mark`
    header_lines: int = 0  # headers wrap onto up to this many lines (0: short ones on one line, others on two)
    lang: str = "zh"


def number_format(decimals: int) -> str:
    """Thousands separators and fixed decimals: 2 → "#,##0.00"."""
    return "#,##0" + ("." + "0" * decimals if decimals else "")


YEAR_FORMAT = "0"
COUNT_FORMAT = "#,##0"
RATIO_FORMAT = "0.00%"


def _settled_unit(fen: object) -> Unit:
    """The unit of a settlement sheet: 万元 (亿元 for very large amounts, `unit_for`), to four decimals."""
    unit = unit_for(fen)
    return Unit(unit.key, unit.fen_per, DECIMALS)


# ---------------------------------------------------------------- allocation.xlsx


def write_workbook(
    path: Path,
    scenario: Scenario,
    allocation: Allocation,
    balance: FiscalBalance,
    statistics: StatisticsAllocation | None,
    summary: dict,
    lang: str = "zh",
) -> None:
    """allocation.xlsx: the allocation (万元), the steps of each cell (元), statistics credited, net fiscal
    benefit (万元) and 说明 — title, period, what the figures are, inputs and checksums."""
    names = _Names(scenario, lang)
    upper = [u.id for u in scenario.tax_rules.upper_levels]
    money = ["total", "central", *upper, "origin", "host"]
    sheets = [_allocation_sheet(allocation_table(allocation, scenario, numeric=True), money, names, lang)]
    sheets.append(_detail_sheet(detail_table(allocation, scenario, numeric=True), money, names, lang))
    if statistics is not None:
        sheets.append(_statistics_sheet(statistics_table(statistics, scenario, numeric=True), names, lang))
    sheets.append(_balance_sheet(balance_table(balance, scenario, allocation, numeric=True), names, lang))
    h = scenario.horizon
    before = [int(y) for y in allocation.years[allocation.rows.any(axis=(0, 2))] if y < h.start_year]
    period = render("wb_period", lang, first=h.start_year, last=h.end_year)
    if before:  # base years' records, settled to find the bases, have rows of their own
        base = render("list_separator", lang).join(map(str, before))
        period = render("wb_period_base", lang, first=h.start_year, last=h.end_year, base=base)
    title = render("wb_title_settlement", lang, scenario=names.scenario())
    note = _figure_note(summary, lang)
    over = _replication_sheets(scenario, summary, lang) if "risk" in summary else []
    notes = _notes_sheet(scenario, summary, sheets + over, over, title, period, note, lang)
    join = render("chart_note_join", lang)
    for sheet in sheets:  # replication 1's sheets: what the figures are, then the sheet's own note
        sheet.note = join.join(filter(None, (note, sheet.note)))
    write_sheets(path, [*sheets, *over, notes], title, period)


def _figure_note(summary: dict, lang: str) -> str:
    from analysis.outputs.presentation import figure_note

    if summary.get("seed") is None:
        return figure_note("settled", lang)
    return figure_note("replication", lang, n=summary.get("replications", 1), seed=summary["seed"])


def _replication_sheets(scenario: Scenario, summary: dict, lang: str) -> list[Sheet]:
    """A projection's sheets over every replication, from summary.json's `over_replications` and `risk`: the
    horizon's receipts, gains and net benefit per party, the risk figures per party, per agreement and by year,
    and the land outcomes — each with its own note (all N replications, not replication 1)."""
    from analysis import risk

    views = [
        ("replications", risk.replications_view(scenario, summary, lang)),
        ("risk", risk.risk_view(scenario, summary, lang)),
        ("zone_risk", risk.zone_risk_view(scenario, summary, lang)),
        ("risk_years", risk.risk_years_view(scenario, summary, lang)),
        ("land", risk.land_view(scenario, summary, lang)),
    ]
    return [
        view_sheet(render(f"wb_sheet_{key}", lang, unit=view.unit.label(lang) if view.unit else ""), view, lang)
        for key, view in views
        if view.money and len(view.table)
    ]


Columns = dict[str, np.ndarray]


class _Names(Names):
    """The presentation layer's names, and each agreement's parties."""

    def __init__(self, scenario: Scenario, lang: str) -> None:
        super().__init__(scenario, lang)
        self.parties = {a.id: (a.origin, a.host) for a in scenario.agreements}


def _columns(table: pd.DataFrame, names: _Names) -> Columns:
    """The machine table as plain arrays (pandas is slow cell by cell), the agreement id replaced by its name
    and its origin and host named beside it."""
    ids = table["agreement"].to_numpy(object)
    named = {}
    for a in set(ids.tolist()):
        origin, host = names.parties[a]
        named[a] = (names.agreement(a), names.party(origin), names.party(host))
    out: Columns = {
        "agreement": np.array([named[a][0] for a in ids], object),
        "origin_party": np.array([named[a][1] for a in ids], object),
        "host_party": np.array([named[a][2] for a in ids], object),
    }
    for column in table.columns:
        if column != "agreement":
            out[str(column)] = table[column].to_numpy()
    return out


def _renamed(values: np.ndarray, name) -> np.ndarray:
    """Ids → names through `name`, looked up once per distinct id."""
    names = {v: name(v) for v in set(values.tolist())}
    return np.array([names[v] for v in values.tolist()], object)


def _amount_headers(keys: Iterable[str], unit: Unit, names: Names, lang: str) -> list[str]:
    """Catalogue headers; an upper level's column is headed by its name (自治区本级（万元）)."""
    return [header(k, lang, unit) if _in_catalogue(k) else with_unit(names.party(k), unit, lang) for k in keys]


def _in_catalogue(key: str) -> bool:
    return f"col_{key}" in MESSAGES or f"step_{key}" in MESSAGES


def _fen(columns: Columns, keys: Iterable[str]) -> np.ndarray:
    return np.concatenate([columns[k].astype(np.int64) for k in keys]) if keys else np.zeros(0, np.int64)


def _allocation_sheet(table: pd.DataFrame, money: list[str], names: _Names, lang: str) -> Sheet:
    shown = _columns(table, names)
    unit = _settled_unit(_fen(shown, money))
    shown["tax_type"] = _renamed(shown["tax_type"], lambda t: tax_name(t, lang))
    keys = ["agreement", "origin_party", "host_party", "year", "tax_type"]
    headers = [header(k, lang) for k in keys] + _amount_headers(money, unit, names, lang)
    rows = _rows(shown, keys, money, unit)
    rows.append(_total_row(shown, len(keys), money, unit, lang))
    formats = [None, None, None, YEAR_FORMAT, None] + [number_format(unit.decimals)] * len(money)
    name = render("wb_sheet_allocation", lang, unit=unit.label(lang))
    return Sheet(name, headers, rows, formats, bold_rows={len(rows) - 1}, text_columns=[*keys, *money])


def _detail_sheet(table: pd.DataFrame, money: list[str], names: _Names, lang: str) -> Sheet:
    """Every step of every cell in yuan, in the order the steps are taken (DOMAIN.md §3). The agreement's name
    holds both parties, and steps that are zero in every cell are left out (allocation_detail.csv has them
    all), so the sheet stays readable on one page width."""
    unit = YUAN
    shown = _columns(table, names)
    steps = ["pool", "base", "increment", "repaid", "deficit", "to_stock", "split"]
    steps += ["origin_split", "sunset_adj", "cap_adj", "floor_adj"]
    steps = [k for k in steps if k in ("pool", "increment", "split") or shown[k].astype(np.int64).any()]
    order = ["total", "central", *money[2:-2], *steps, "origin", "host"]
    shown["tax_type"] = _renamed(shown["tax_type"], lambda t: tax_name(t, lang))
    keys = ["agreement", "year", "tax_type", "base_year", "ratio"]
    if "base" not in steps:
        keys.remove("base_year")
    headers = [header(k, lang) for k in keys] + _amount_headers(order, unit, names, lang)
    rows = _rows(shown, keys, order, unit)
    rows.append(_total_row(shown, len(keys), order, unit, lang, skip={"base"}))
    formats = [None, YEAR_FORMAT, None, *([YEAR_FORMAT] if "base_year" in keys else []), RATIO_FORMAT]
    formats += [number_format(unit.decimals)] * len(order)
    name = render("wb_sheet_detail", lang, unit=unit.label(lang))
    note = render("wb_detail", lang)
    text = [*keys, *order]
    return Sheet(name, headers, rows, formats, {len(rows) - 1}, note=note, text_columns=text, header_lines=4)


def _statistics_sheet(table: pd.DataFrame, names: _Names, lang: str) -> Sheet:
    """Statistics credited to each side: money indicators in one unit (万元), headcounts and entities as counts,
    each indicator named with its unit; a 合计 row per indicator and year where several agreements report it
    (different indicators, or a headcount over years, do not add up)."""
    shown = _columns(table, names)
    values = ["total", "origin", "host"]
    counts = np.isin(shown["indicator"].astype(str), list(COUNT_INDICATORS))
    unit = _settled_unit(np.concatenate([shown[v].astype(np.int64)[~counts] for v in values]))
    labels = {}
    for indicator in dict.fromkeys(shown["indicator"].tolist()):
        what = render(f"unit_count_{indicator}", lang) if indicator in COUNT_INDICATORS else unit.label(lang)
        labels[indicator] = render("with_unit", lang, name=indicator_name(indicator, lang), unit=what)
    keys = ["agreement", "origin_party", "host_party", "year", "indicator", "rule"]
    headers = [header(k, lang) for k in keys] + [header(f"stat_{k}", lang) for k in values]
    rules = _renamed(shown["rule"], lambda r: rule_name(r, lang))
    first_seen = {indicator: i for i, indicator in enumerate(labels)}
    indicator_order = np.array([first_seen[i] for i in shown["indicator"].tolist()], np.int64)
    year = shown["year"].astype(np.int64)
    order = np.lexsort((year, indicator_order))  # by indicator (as they come), then year; stable within
    amounts = {v: shown[v].astype(np.int64) for v in values}
    rows, cell_formats, bold = [], {}, set()
    money_format = number_format(unit.decimals)
    total_label = render("total_row", lang)
    groups = np.split(order, np.flatnonzero(np.diff(indicator_order[order] * 100_000 + year[order])) + 1)
    for group in groups if len(order) else []:
        indicator = shown["indicator"][group[0]]
        is_count = indicator in COUNT_INDICATORS
        scale = 1 if is_count else unit.fen_per
        start = len(rows)
        for i in group.tolist():
            row = [shown["agreement"][i], shown["origin_party"][i], shown["host_party"][i], int(year[i])]
            rows.append(row + [labels[indicator], rules[i]] + [int(amounts[v][i]) / scale for v in values])
        if len(group) > 1:  # across agreements in one year: a headcount summed over years means nothing
            sums = [int(amounts[v][group].sum()) / scale for v in values]
            rows.append([total_label, "", "", int(year[group[0]]), labels[indicator], "", *sums])
            bold.add(len(rows) - 1)
        for r in range(start, len(rows)):
            for c in range(len(keys), len(keys) + len(values)):
                cell_formats[r, c] = COUNT_FORMAT if is_count else money_format
    formats = [None, None, None, YEAR_FORMAT, None, None] + [money_format] * len(values)
    name = render("wb_sheet_statistics", lang)
    note = render("wb_note_statistics_units", lang, unit=unit.label(lang))
    return Sheet(name, headers, rows, formats, bold, cell_formats, note, [*keys, *values])


def _balance_sheet(table: pd.DataFrame, names: _Names, lang: str) -> Sheet:
    money = ["receipts", "reward", "compensation", "cost", "net"]
    shown = _columns(table, names)
    unit = _settled_unit(_fen(shown, money))
    shown["role"] = _renamed(shown["role"], lambda r: role_name(r, lang))
    shown["party"] = _renamed(shown["party"], names.party)
    keys = ["agreement", "origin_party", "host_party", "year", "role", "party"]
    headers = [header(k, lang) for k in keys] + [header(k, lang, unit) for k in money]
    rows = _rows(shown, keys, money, unit)
    rows.append(_total_row(shown, len(keys), money, unit, lang))
    formats = [None, None, None, YEAR_FORMAT, None, None] + [number_format(unit.decimals)] * len(money)
    name = render("wb_sheet_balance", lang, unit=unit.label(lang))
    return Sheet(name, headers, rows, formats, {len(rows) - 1}, text_columns=[*keys, *money])


def _rows(columns: Columns, keys: list[str], money: list[str], unit: Unit) -> list[list[object]]:
    """Rows of plain Python values: the key columns as they are, money (fen) in `unit`, exact (not rounded:
    the number format shows the decimals, the cell keeps the value)."""
    values = [_plain(columns[k]) for k in keys]
    values += [(columns[m].astype(np.int64) / unit.fen_per).tolist() for m in money]
    return [list(row) for row in zip(*values, strict=True)] if values else []


def _plain(values: np.ndarray) -> list[object]:
    if values.dtype.kind in "iu":
        return values.tolist()
    if values.dtype.kind == "f":
        return [None if math.isnan(v) else v for v in values.tolist()]
    return [None if _missing(v) else v.item() if hasattr(v, "item") else v for v in values.tolist()]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _total_row(
    columns: Columns, keys: int, money: list[str], unit: Unit, lang: str, skip: Iterable[str] = ()
) -> list[object]:
    """合计 under the key columns, each amount column summed in fen (exact), then shown in `unit`."""
    total: list[object] = [render("total_row", lang)] + [None] * (keys - 1)
    return total + [None if m in skip else int(columns[m].astype(np.int64).sum()) / unit.fen_per for m in money]


def _notes_sheet(
    scenario: Scenario,
    summary: dict,
    sheets: list[Sheet],
    over: list[Sheet],
    title: str,
    period: str,
    note: str,
    lang: str,
) -> Sheet:
    """说明: title, period, what the figures are, each sheet's unit or own note (once, with the sheets it is the
    note of: `sheets` carry their own notes only), the inputs and checksums; for a run, which sheets are
    replication 1's and which (`over`) cover all."""
    names = Names(scenario, lang)
    rows: list[list[object]] = [
        [render("wb_note_title", lang), title],
        [render("wb_note_scenario", lang), names.scenario()],
        [render("wb_note_period", lang), period],
        [render("wb_note_figures", lang), note],
    ]
    own: dict[str, list[str]] = {}  # a note of sheets of their own kind (counts, shares, all replications): sheets
    for sheet in sheets:
        match = re.search(r"[（(]([^（）()]+)[）)]$", sheet.name)
        if match:
            unit = render("wb_note_sheet_unit", lang, sheet=sheet.name, unit=match[1])
            rows.append([render("wb_note_units", lang), unit])
        elif sheet.note:
            own.setdefault(sheet.note, []).append(sheet.name)
    for text, named in own.items():  # each once, with every sheet it is the note of
        rows.append([render("wb_note_sheet", lang, sheets="".join(f"“{n}”" for n in named)), text])
    for role, source in summary.get("inputs", {}).items():
        label = render(f"wb_input_{role}", lang) if f"wb_input_{role}" in MESSAGES else role
        rows.append([render("wb_note_input", lang, role=label), f"{source['file']}（SHA-256 {source['sha256']}）"])
    if "replication_1" in summary:
        n = summary.get("replications", 1)
        named = "".join(f"“{x.name}”" for x in over)
        text = render("wb_replication_1", lang, seed=summary["seed"], n=n, sheets=named)
        rows.append([render("wb_note_replication_1", lang), text])
    rows += [
        [render("wb_note_sha256", lang), summary["scenario_sha256"]],
        [render("wb_note_version", lang), summary["version"]],
        [render("wb_note_by_entity", lang), render("wb_by_entity", lang)],
        [render("wb_note_detail", lang), render("wb_detail", lang)],
        [render("wb_note_parties", lang), render("wb_parties", lang)],
    ]
    headers = [render("col_name", lang), render("col_description", lang)]
    return Sheet(render("wb_sheet_notes", lang), headers, rows, [None, None], text_columns=["name", "description"])


# ---------------------------------------------------------------- tables and views (comparison, app)


def write_tables(
    path: Path | BinaryIO,
    sheets: Sequence[object],
    title: str = "",
    period: str = "",
    lang: str = "zh",
) -> None:
    """A workbook of tables, one sheet each. A sheet is a presentation `View` (headers, units and names already
    for people; its `title` names the sheet), `(name, View)`, or `(name, table, money)` where the columns
    named in `money` hold fen and are shown in 万元 (the older form: ids are named where the catalogue knows
    the column)."""
    built = []
    for sheet in sheets:
        if isinstance(sheet, View):
            built.append(view_sheet(sheet.title, sheet, lang))
        elif len(sheet) == 2:
            built.append(view_sheet(*sheet, lang))
        else:
            name, table, money = sheet
            built.append(_table_sheet(name, table, set(money), lang))
    write_sheets(path, built, title or (built[0].name if built else ""), period)


def view_sheet(name: str, view: View, lang: str = "zh") -> Sheet:
    """A presentation View as a sheet: money columns in the view's unit and decimals (or per row)."""
    table = view.table
    headers = [str(c) for c in table.columns]
    money = set(view.money)
    decimals = view.unit.decimals if view.unit is not None else 2
    formats: list[str | None] = []
    columns = []
    for column in table.columns:
        values = table[column]
        years = None if column in money else _years(values)
        if column in money:
            formats.append(number_format(decimals))
        elif pd.api.types.is_integer_dtype(values) or years is not None:
            formats.append(YEAR_FORMAT)
        elif pd.api.types.is_float_dtype(values):
            formats.append(number_format(2))
        else:
            formats.append(None)
        columns.append(years if years is not None else _plain(values.to_numpy(object)))
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    cell_formats = {}
    if view.row_decimals is not None:
        for j, column in enumerate(table.columns):
            if column in money:
                for i, d in enumerate(view.row_decimals):
                    cell_formats[i, j] = number_format(d)
    return Sheet(name, headers, rows, formats, total_rows(rows), cell_formats, view.note, lang=lang)


YEAR = re.compile(r"[12]\d{3}")


def _years(values: pd.Series) -> list[object] | None:
    """A column of years written as text (as the receipts and gains views write them, beside their 合计 rows:
    "2025", …, "合计") as numbers, so a spreadsheet does not flag each as a number stored as text; None when the
    column holds anything else."""
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return None
    plain = _plain(values.to_numpy(object))
    if not any(isinstance(v, str) and YEAR.fullmatch(v) for v in plain):
        return None
    if not all(v is None or v in TOTAL_LABELS or (isinstance(v, str) and YEAR.fullmatch(v)) for v in plain):
        return None
    return [int(v) if isinstance(v, str) and YEAR.fullmatch(v) else v for v in plain]


_ALIASES = {"party_name": "name", "rules": "rule", "reached_year": "reached", "met_by_target_year": "met"}
_NAMED = {"tax_type": tax_name, "indicator": indicator_name, "role": role_name}


def _table_sheet(name: str, table: pd.DataFrame, money: set[str], lang: str) -> Sheet:
    """The older form: machine columns, fen in `money` shown in 万元; headers from the catalogue where it
    knows the column, ids of taxes, indicators, roles and statistics rules named."""
    unit = WAN
    headers, formats, columns = [], [], []
    for column in table.columns:
        key = _ALIASES.get(str(column), str(column))
        values = table[column].to_numpy(object)
        if key.endswith("_growth") and key.removesuffix("_growth") in INDICATOR_NAMES:
            label = render("col_growth", lang, indicator=indicator_name(key.removesuffix("_growth"), lang))
        elif _in_catalogue(key) and _renders(key, lang):
            label = header(key, lang, unit if column in money else None)
        else:
            label = str(column)
        headers.append(label)
        if column in money:
            formats.append(number_format(unit.decimals))
            columns.append([None if _missing(v) else int(v) / unit.fen_per for v in values])
            continue
        if column in _NAMED:
            values = np.array(
                [v if _missing(v) or not _known(column, v) else _NAMED[column](v, lang) for v in values], dtype=object
            )
        elif column == "rule" or column == "rules":
            values = np.array(
                [
                    ""
                    if _missing(v)
                    else render("list_separator", lang).join(rule_name(r, lang) for r in str(v).split(","))
                    for v in values
                ],
                dtype=object,
            )
        shown = [_value(v, str(column), lang) for v in values]
        formats.append(YEAR_FORMAT if column == "year" else None)
        columns.append(shown)
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    columns_ids = [str(c) for c in table.columns]
    return Sheet(name, headers, rows, formats, total_rows(rows), text_columns=columns_ids, lang=lang)


def _renders(key: str, lang: str) -> bool:
    try:
        header(key, lang)
    except (KeyError, IndexError):  # a step text with parameters (step_base_year) is not a header
        return False
    return True


def _known(column: str, value: object) -> bool:
    try:
        _NAMED[column](value, "zh")
    except KeyError:
        return False
    return True


def _value(value: object, column: str | None = None, lang: str = "zh") -> object:
    """Yuan text → number so Excel can sum it; ids and names stay text; booleans say 是/否."""
    if _missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return render("yes" if value else "no", lang)
    if isinstance(value, str) and column in TEXT_COLUMNS:
        return value
    if isinstance(value, str) and value and value.lstrip("-").replace(".", "", 1).isdigit():
        return float(value)
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------- writing


def write_sheets(path: Path | BinaryIO, sheets: list[Sheet], title: str, period: str = "") -> None:
    """Write the sheets as an XLSX package with print setup; `title` and `period` head every printed page.
    `path` may be a binary file object (`io.BytesIO`: a download made in memory).

    SpreadsheetML is written directly (a few string templates, one f-string per cell): ten times faster than a
    general writer for the same cells, and nothing in it but what is asked for — numbers, shared strings,
    styles, frozen header, column widths, autofilter, print setup. Text is always a string cell, never a
    formula; text a spreadsheet would run as one is marked with Excel's quote prefix as well."""
    styles = _StyleTable()
    strings = _SharedStrings()
    names: list[str] = []
    used: set[str] = set()
    parts: dict[str, bytes] = {}
    defined: list[tuple[str, int, str, bool]] = []
    for index, sheet in enumerate(sheets):
        name = _sheet_name(sheet.name, used)
        names.append(name)
        xml, filtered = _sheet_xml(sheet, index, styles, strings, title, period)
        parts[f"xl/worksheets/sheet{index + 1}.xml"] = xml
        quoted = "'" + name.replace("'", "''") + "'"
        defined.append(("_xlnm.Print_Titles", index, f"{quoted}!$1:$1", False))
        if filtered:
            defined.append(("_xlnm._FilterDatabase", index, f"{quoted}!{filtered}", True))
    parts["xl/workbook.xml"] = _workbook_xml(names, sorted(defined))
    parts["xl/styles.xml"] = styles.xml()
    parts["xl/sharedStrings.xml"] = strings.xml()
    parts["xl/_rels/workbook.xml.rels"] = _workbook_rels(len(sheets))
    parts["[Content_Types].xml"] = _content_types(len(sheets))
    parts["_rels/.rels"] = _ROOT_RELS
    parts["docProps/core.xml"] = _core_xml(title)
    parts["docProps/app.xml"] = _APP_XML
    order = ["[Content_Types].xml", "_rels/.rels", "docProps/app.xml", "docProps/core.xml", "xl/workbook.xml"]
    order += ["xl/_rels/workbook.xml.rels", "xl/styles.xml", "xl/sharedStrings.xml"]
    order += [f"xl/worksheets/sheet{i + 1}.xml" for i in range(len(sheets))]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in order:
            info = zipfile.ZipInfo(part, date_time=(1980, 1, 1, 0, 0, 0))  # no clock time: same bytes
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, parts[part], compresslevel=6)


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    f'<Relationship Id="rId2" Type="{_PKG_REL}/metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
    "</Relationships>"
).encode()
_APP_XML = (
    f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
    "<Application>ftzshare</Application></Properties>"
).encode()
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _content_types(n_sheets: int) -> bytes:
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="{_SHEET_TYPE}.worksheet+xml"/>'
        for i in range(n_sheets)
    )
    return (
        f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_TYPE}.sheet.main+xml"/>{sheets}'
        f'<Override PartName="/xl/styles.xml" ContentType="{_SHEET_TYPE}.styles+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_SHEET_TYPE}.sharedStrings+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        '<Override PartName="/docProps/app.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
        "</Types>"
    ).encode()


def _workbook_rels(n_sheets: int) -> bytes:
    sheets = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
        for i in range(n_sheets)
    )
    return (
        f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL}">{sheets}'
        f'<Relationship Id="rId{n_sheets + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{n_sheets + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ).encode()


def _workbook_xml(names: list[str], defined: list[tuple[str, int, str, bool]]) -> bytes:
    sheets = "".join(
        f'<sheet name="{_attribute(name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>' for i, name in enumerate(names)
    )
    hidden_attribute = ' hidden="1"'
    names_xml = "".join(
        f'<definedName name="{n}" localSheetId="{i}"{hidden_attribute if hidden else ""}>{_text(ref)}</definedName>'
        for n, i, ref, hidden in defined
    )
    return (
        f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
        f"<sheets>{sheets}</sheets>"
        + (f"<definedNames>{names_xml}</definedNames>" if names_xml else "")
        + "</workbook>"
    ).encode()


def _core_xml(title: str) -> bytes:
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"{_XML_HEAD}<cp:coreProperties "
        'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_text(_one_line(title))}</dc:title><dc:creator>ftzshare</dc:creator>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


_BUILTIN_FORMATS = {"0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0.00%": 10}


@dataclass(frozen=True)
class _Style:
    number: str | None = None
    bold: bool = False
    italic: bool = False
    quote: bool = False  # Excel's quote prefix: text that stays text when edited
    wrap: bool = False
    header: bool = False  # centred, bottom border
    total: bool = False  # top border


class _StyleTable:
    """cellXfs, one per style used, numbered in first use (same inputs → same numbers)."""

    def __init__(self) -> None:
        self.styles: dict[_Style, int] = {_Style(): 0}
        self.formats: dict[str, int] = {}

    def index(self, style: _Style) -> int:
        if style not in self.styles:
            self.styles[style] = len(self.styles)
            if style.number and style.number not in _BUILTIN_FORMATS and style.number not in self.formats:
                self.formats[style.number] = 164 + len(self.formats)
        return self.styles[style]

    def xml(self) -> bytes:
        fonts = '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        fonts += '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        fonts += '<font><i/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
        thin = '<color auto="1"/>'
        borders = "<border><left/><right/><top/><bottom/><diagonal/></border>"
        borders += f'<border><left/><right/><top style="thin">{thin}</top><bottom/><diagonal/></border>'
        borders += f'<border><left/><right/><top/><bottom style="thin">{thin}</bottom><diagonal/></border>'
        xfs = []
        for style in self.styles:
            number = _BUILTIN_FORMATS.get(style.number, self.formats.get(style.number, 0)) if style.number else 0
            font = 1 if style.bold else 2 if style.italic else 0
            border = 2 if style.header else 1 if style.total else 0
            attributes = f'numFmtId="{number}" fontId="{font}" fillId="0" borderId="{border}" xfId="0"'
            attributes += ' applyNumberFormat="1"' if number else ""
            attributes += ' applyFont="1"' if font else ""
            attributes += ' applyBorder="1"' if border else ""
            attributes += ' quotePrefix="1"' if style.quote else ""
            align = ' horizontal="center" vertical="center"' if style.header else ' vertical="top"'
            align += ' wrapText="1"' if style.wrap or style.header else ""
            xfs.append(f'<xf {attributes} applyAlignment="1"><alignment{align}/></xf>' if style != _Style() else "")
        xfs[0] = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        formats = "".join(
            f'<numFmt numFmtId="{i}" formatCode="{_attribute(code)}"/>' for code, i in self.formats.items()
        )
        return (
            f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
            + (f'<numFmts count="{len(self.formats)}">{formats}</numFmts>' if formats else "")
            + f'<fonts count="3">{fonts}</fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            f'<borders count="3">{borders}</borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        ).encode()


class _SharedStrings:
    """The workbook's strings, each once, numbered in first use."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.uses = 0

    def __call__(self, text: str) -> int:
        self.uses += 1
        found = self.index.get(text)
        if found is None:
            found = self.index[text] = len(self.index)
        return found

    def xml(self) -> bytes:
        items = "".join(f"<si>{_t(text)}</si>" for text in self.index)
        return (
            f'{_XML_HEAD}<sst xmlns="{_MAIN}" count="{self.uses}" uniqueCount="{len(self.index)}">{items}</sst>'
        ).encode()


def _t(text: str) -> str:
    space = ' xml:space="preserve"' if text != text.strip() or "\n" in text else ""
    return f"<t{space}>{_text(text)}</t>"


_XML_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "_x000D_"})
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> str:
    """Text for an XML element: escaped; characters XML 1.0 cannot hold written as Excel writes them (_x0001_)."""
    text = text.translate(_XML_ESCAPES)
    return _INVALID_XML.sub(lambda m: f"_x{ord(m[0]):04X}_", text) if _INVALID_XML.search(text) else text


def _attribute(text: str) -> str:
    return _text(text).replace('"', "&quot;")


def _column_letters(n: int) -> list[str]:
    letters = []
    for j in range(n):
        name, k = "", j + 1
        while k:
            k, r = divmod(k - 1, 26)
            name = chr(65 + r) + name
        letters.append(name)
    return letters


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value + 0.0)


def _sheet_xml(
    sheet: Sheet, index: int, styles: _StyleTable, strings: _SharedStrings, title: str, period: str
) -> tuple[bytes, str | None]:
    """One worksheet part, and the autofilter range (None without one)."""
    n_columns = len(sheet.headers)
    letters = _column_letters(max(n_columns, 1))
    widths = _widths(sheet)
    wrap = [w >= WRAP_WIDTH for w in widths]
    text_columns = sheet.text_columns or [None] * n_columns
    head = styles.index(_Style(bold=True, quote=True, wrap=True, header=True))
    number_style = {b: [styles.index(_Style(number=f, bold=b, total=b)) for f in sheet.formats] for b in (False, True)}
    text_style = {
        (b, q): [styles.index(_Style(bold=b, total=b, quote=q, wrap=w)) for w in wrap]
        for b in (False, True)
        for q in (False, True)
    }
    out: list[str] = []
    lines = max((_header_lines(h, w) for h, w in zip(sheet.headers, widths, strict=True)), default=1)
    cells = "".join(
        f'<c r="{letters[j]}1" s="{head}" t="s"><v>{strings(h)}</v></c>' for j, h in enumerate(sheet.headers)
    )
    out.append(f'<row r="1" ht="{15 * lines}" customHeight="1">{cells}</row>')
    cell_formats = sheet.cell_formats
    yes, no = render("yes", sheet.lang), render("no", sheet.lang)
    for i, row in enumerate(sheet.rows):
        r = i + 2
        bold = i in sheet.bold_rows
        numbers, texts, marked = number_style[bold], text_style[bold, False], text_style[bold, True]
        parts = []
        height = 1
        for j, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, bool):
                value = yes if value else no
            if isinstance(value, int | float) and not (isinstance(value, int) and abs(value) > 2**53):
                if isinstance(value, float) and not math.isfinite(value):
                    continue
                s = numbers[j]
                if cell_formats and (i, j) in cell_formats:
                    s = styles.index(_Style(number=cell_formats[i, j], bold=bold, total=bold))
                parts.append(f'<c r="{letters[j]}{r}" s="{s}"><v>{_number(value)}</v></c>')
            else:
                value = str(value)
                s = (marked if needs_text_mark(value, text_columns[j]) else texts)[j]
                parts.append(f'<c r="{letters[j]}{r}" s="{s}" t="s"><v>{strings(value)}</v></c>')
                if wrap[j]:
                    height = max(height, _header_lines(value, widths[j]))
        ht = f' ht="{15 * height}" customHeight="1"' if height > 1 else ""
        out.append(f'<row r="{r}"{ht}>{"".join(parts)}</row>')
    last = len(sheet.rows) + 1  # the last table row, 1-based
    merge = ""
    if sheet.note:
        r = last + 2
        table_width = max(sum(min(w, WRAP_WIDTH) for w in widths), 1)
        height = max(1, math.ceil(_text_width(sheet.note) / table_width))
        note = styles.index(_Style(italic=True, quote=True, wrap=True))
        out.append(
            f'<row r="{r}" ht="{15 * height}" customHeight="1">'
            f'<c r="A{r}" s="{note}" t="s"><v>{strings(sheet.note)}</v></c></row>'
        )
        if n_columns > 1:
            merge = f'<mergeCells count="1"><mergeCell ref="A{r}:{letters[n_columns - 1]}{r}"/></mergeCells>'
    body = [i for i in range(len(sheet.rows)) if i not in sheet.bold_rows]
    filtered = f"$A$1:${letters[n_columns - 1]}${max(body) + 2}" if n_columns and body else None
    end = f"{letters[max(n_columns - 1, 0)]}{last + 2 if sheet.note else last}"
    columns = "".join(
        f'<col min="{j + 1}" max="{j + 1}" width="{round(min(w, WRAP_WIDTH) + 0.7109375, 4)}" customWidth="1"/>'
        for j, w in enumerate(widths)
    )
    selected = ' tabSelected="1"' if index == 0 else ""
    header_text = _print_text("&L&B", title, "&R", period)
    footer_text = _print_text("&L", sheet.note, "&R", "&P / &N", escape_last=False)
    xml = (
        f'{_XML_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>'
        f'<dimension ref="A1:{end}"/>'
        f'<sheetViews><sheetView{selected} workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
        '<sheetFormatPr defaultRowHeight="15"/>'
        + (f"<cols>{columns}</cols>" if columns else "")
        + f"<sheetData>{''.join(out)}</sheetData>"
        + (f'<autoFilter ref="{filtered.replace("$", "")}"/>' if filtered else "")
        + merge
        + '<printOptions horizontalCentered="1" gridLines="1"/>'
        '<pageMargins left="0.4" right="0.4" top="0.75" bottom="0.6" header="0.3" footer="0.3"/>'
        f'<pageSetup paperSize="{A4}" orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        f"<headerFooter><oddHeader>{_text(header_text)}</oddHeader>"
        f"<oddFooter>{_text(footer_text)}</oddFooter></headerFooter>"
        "</worksheet>"
    )
    return xml.encode(), filtered


def _print_text(left_code: str, left: str, right_code: str, right: str, escape_last: bool = True) -> str:
    """A page header or footer (Excel allows 255 characters): `&` in our texts doubled, long text cut."""
    right_text = _one_line(right).replace("&", "&&") if escape_last else right
    room = 250 - len(left_code) - len(right_code) - len(right_text)
    left_text = _one_line(left).replace("&", "&&")
    if len(left_text) > room:
        left_text = left_text[: max(room - 1, 0)].rstrip("&") + "…"
    return (f"{left_code}{left_text}" if left_text else "") + f"{right_code}{right_text}"


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(name: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique (case-insensitively)."""
    base = _FORBIDDEN.sub("_", name).strip("'") or "Sheet"
    base = base[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(candidate.lower())
    return candidate


@functools.lru_cache(maxsize=65536)
def _text_width(text: str) -> int:
    """Display width in Excel character units: CJK and full-width characters count two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _header_lines(text: str, width: float) -> int:
    return max(1, math.ceil(_text_width(text) / max(width - 1, 1)))


def _widths(sheet: Sheet) -> list[float]:
    """Column widths from the content: the widest cell as displayed (numbers in their format), the header on at
    most two lines, within 6..MAX_WIDTH (free text up to WRAP_WIDTH, wrapped)."""
    widths = []
    for j, head in enumerate(sheet.headers):
        widest = 0
        numbers = [row[j] for row in sheet.rows if isinstance(row[j], int | float) and not isinstance(row[j], bool)]
        texts = [row[j] for row in sheet.rows if isinstance(row[j], str)]
        if numbers:
            formats = {sheet.formats[j]}
            if sheet.cell_formats:
                formats |= {f for (_, c), f in sheet.cell_formats.items() if c == j}
            finite = [v for v in numbers if math.isfinite(v)]
            if finite:
                for fmt in formats:
                    widest = max(widest, *(len(_shown(v, fmt)) for v in (min(finite), max(finite))))
        if texts:
            widest = max(widest, max(_text_width(t) for t in texts))
        width = max(widest, 4) + 2
        width = max(width, _header_width(head, width, sheet.header_lines))
        widths.append(float(min(width, WRAP_WIDTH if texts and widest > MAX_WIDTH else MAX_WIDTH + 2)))
    return widths


def _header_width(head: str, content: float, most_lines: int) -> float:
    """The width a header needs beside content `content` wide: one line up to HEADER_ONE_LINE (a name and its
    unit, 分成较基准增减（亿元）: a wrap could fall inside the unit, wherever the viewer's font puts it), longer
    ones on two lines; `most_lines` (a compact sheet) lets them wrap onto that many."""
    full = _text_width(head) + 1
    words = max((_text_width(w) for w in head.split()), default=0) + 1 if head.isascii() else 0
    if most_lines:
        return max(math.ceil(full / most_lines) + 1, words)
    if full <= max(content, HEADER_ONE_LINE + 1):
        return full
    return max(math.ceil(full / 2) + 1, words)


def _shown(value: float, fmt: str | None) -> str:
    """A number as its format shows it, for the column width."""
    if fmt == RATIO_FORMAT:
        return f"{value * 100:.2f}%"
    if fmt and fmt.startswith("#,##0"):
        decimals = len(fmt.split(".")[1]) if "." in fmt else 0
        return f"{value:,.{decimals}f}"
    if fmt == YEAR_FORMAT:
        return f"{value:.0f}"
    return f"{value:.10g}"
