"""Workbooks for people: `allocation.xlsx` of `settle` and `run`, the comparison workbook, the app's downloads.

Every sheet reads without the machine files: names not ids, headers from the catalogue through the one
presentation layer (`analysis.outputs.presentation`) with the sheet's one unit stated in every amount header,
a 合计 row, numbers as numbers with thousands separators and fixed decimals, a frozen header row and column
widths from the content. Printed, every sheet is A4 landscape and one page wide (fit to width, as many pages
down as it needs) with the header row repeated on each page, the title and period in the page header and what
the figures are (settled from records, replication 1 and its seed, means over N replications) in the footer.

The header row stays the first row (scripts and tests read `sheet[1]`); the title, period and sources are in
the print header and on the last sheet, 说明. Same inputs → same bytes: no clock time is written (document
dates fixed, zip entries dated 1980 by XlsxWriter).

XlsxWriter writes the cells (a streaming writer, several times faster than openpyxl, which still reads
ledgers); workbooks hold tables per agreement, year and tax, never one row per entity — that is
`allocation_by_entity.csv`, as the 说明 sheet says.
"""

from __future__ import annotations

import datetime
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analysis.outputs.presentation import (
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
from sim.indicators import COUNT_INDICATORS
from sim.messages import MESSAGES, render

if TYPE_CHECKING:
    from sim.scenario import Scenario
    from sim.sharing.fiscal import FiscalBalance
    from sim.sharing.split import Allocation
    from sim.sharing.statistics import StatisticsAllocation

FIXED_TIME = datetime.datetime(2020, 1, 1)  # workbooks carry no clock time, so runs are byte-identical
A4 = 9  # Excel's paper code
DECIMALS = 4  # settled amounts in 万元 (or 亿元) to four decimals: to the yuan in 万元
MAX_WIDTH = 48  # characters; longer text wraps
WRAP_WIDTH = 60  # free text (terms, descriptions) wraps at this width
HEADER_ONE_LINE = 18  # a header up to this wide stays on one line (税收合计（万元）); longer ones wrap
MAX_ROWS_IN_MEMORY = 50_000  # beyond this XlsxWriter streams rows to disk (constant_memory)


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
    names = Names(scenario, lang)
    upper = [u.id for u in scenario.tax_rules.upper_levels]
    money = ["total", "central", *upper, "origin", "host"]
    sheets = [_allocation_sheet(allocation_table(allocation, scenario, numeric=True), money, names, lang)]
    sheets.append(_detail_sheet(detail_table(allocation, scenario, numeric=True), money, names, lang))
    if statistics is not None:
        sheets.append(_statistics_sheet(statistics_table(statistics, scenario, numeric=True), names, lang))
    sheets.append(_balance_sheet(balance_table(balance, scenario, allocation, numeric=True), names, lang))
    h = scenario.horizon
    period = render("wb_period", lang, first=h.start_year, last=h.end_year)
    title = render("wb_title_settlement", lang, scenario=names.scenario())
    note = _figure_note(summary, lang)
    for sheet in sheets:
        sheet.note = note + ("；" if lang == "zh" else "; ") + sheet.note if sheet.note else note
    sheets.append(_notes_sheet(scenario, summary, sheets, title, period, note, lang))
    write_sheets(path, sheets, title, period)


def _figure_note(summary: dict, lang: str) -> str:
    from analysis.outputs.presentation import figure_note

    if summary.get("seed") is None:
        return figure_note("settled", lang)
    return figure_note("replication", lang, n=summary.get("replications", 1), seed=summary["seed"])


def _party_columns(table: pd.DataFrame, names: Names) -> pd.DataFrame:
    """agreement id → the agreement's name, and its origin and host by name beside it."""
    agreements = {a.id: a for a in names._scenario.agreements}
    ids = table["agreement"].to_numpy(object)
    out = pd.DataFrame(
        {
            "agreement": [names.agreement(a) for a in ids],
            "origin_party": [names.party(agreements[a].origin) for a in ids],
            "host_party": [names.party(agreements[a].host) for a in ids],
        }
    )
    for column in table.columns:
        if column != "agreement":
            out[column] = table[column].to_numpy()
    return out


def _amount_headers(keys: Iterable[str], unit: Unit, names: Names, lang: str) -> list[str]:
    """Catalogue headers; an upper level's column is headed by its name (自治区本级（万元）)."""
    return [
        header(k, lang, unit) if _in_catalogue(k) else with_unit(names.party(k), unit, lang) for k in keys
    ]


def _in_catalogue(key: str) -> bool:
    return f"col_{key}" in MESSAGES or f"step_{key}" in MESSAGES


def _allocation_sheet(table: pd.DataFrame, money: list[str], names: Names, lang: str) -> Sheet:
    unit = _settled_unit(table[money])
    shown = _party_columns(table, names)
    shown["tax_type"] = [tax_name(t, lang) for t in shown["tax_type"]]
    keys = ["agreement", "origin_party", "host_party", "year", "tax_type"]
    headers = [header(k, lang) for k in keys] + _amount_headers(money, unit, names, lang)
    rows = _rows(shown, keys, money, unit)
    rows.append(_total_row(rows, len(keys), len(money), lang))
    formats = [None, None, None, YEAR_FORMAT, None] + [number_format(unit.decimals)] * len(money)
    name = render("wb_sheet_allocation", lang, unit=unit.label(lang))
    return Sheet(name, headers, rows, formats, bold_rows={len(rows) - 1}, text_columns=[*keys, *money])


def _detail_sheet(table: pd.DataFrame, money: list[str], names: Names, lang: str) -> Sheet:
    """Every step of every cell in yuan, in the order the steps are taken (DOMAIN.md §3). The agreement's name
    holds both parties, and steps that are zero in every cell are left out (allocation_detail.csv has them
    all), so the sheet stays readable on one page width."""
    unit = YUAN
    steps = ["pool", "base", "increment", "repaid", "deficit", "to_stock", "split"]
    steps += ["origin_split", "sunset_adj", "cap_adj", "floor_adj"]
    steps = [k for k in steps if k in ("pool", "increment", "split") or table[k].to_numpy(np.int64).any()]
    order = ["total", "central", *money[2:-2], *steps, "origin", "host"]
    shown = _party_columns(table, names)
    shown["tax_type"] = [tax_name(t, lang) for t in shown["tax_type"]]
    keys = ["agreement", "year", "tax_type", "base_year", "ratio"]
    if "base" not in steps:
        keys.remove("base_year")
    headers = [header(k, lang) for k in keys] + _amount_headers(order, unit, names, lang)
    rows = _rows(shown, keys, order, unit)
    skip = {order.index("base")} if "base" in order else set()
    rows.append(_total_row(rows, len(keys), len(order), lang, skip=skip))
    formats = [None, YEAR_FORMAT, None, *([YEAR_FORMAT] if "base_year" in keys else []), RATIO_FORMAT]
    formats += [number_format(unit.decimals)] * len(order)
    name = render("wb_sheet_detail", lang, unit=unit.label(lang))
    note = render("wb_detail", lang)
    return Sheet(name, headers, rows, formats, {len(rows) - 1}, note=note, text_columns=[*keys, *order], header_lines=4)


def _statistics_sheet(table: pd.DataFrame, names: Names, lang: str) -> Sheet:
    """Statistics credited to each side: money indicators in one unit (万元), headcounts and entities as counts,
    each indicator named with its unit; a 合计 row per indicator and year where several agreements report it
    (different indicators, or a headcount over years, do not add up)."""
    counts = table["indicator"].isin(COUNT_INDICATORS).to_numpy()
    unit = _settled_unit(table.loc[~counts, ["total", "origin", "host"]])
    shown = _party_columns(table, names)
    labels = {}
    for indicator in dict.fromkeys(shown["indicator"]):
        what = render(f"unit_count_{indicator}", lang) if indicator in COUNT_INDICATORS else unit.label(lang)
        labels[indicator] = render("with_unit", lang, name=indicator_name(indicator, lang), unit=what)
    keys = ["agreement", "origin_party", "host_party", "year", "indicator", "rule"]
    values = ["total", "origin", "host"]
    headers = [header(k, lang) for k in keys] + [header(f"stat_{k}", lang) for k in values]
    rows, cell_formats, bold = [], {}, set()
    money_format = number_format(unit.decimals)
    for indicator, group in shown.groupby("indicator", sort=False):
        is_count = indicator in COUNT_INDICATORS
        scale = 1 if is_count else unit.fen_per
        start = len(rows)
        for year, cells in group.groupby("year", sort=True):
            for record in cells.itertuples(index=False):
                row = record._asdict()
                rows.append(
                    [row["agreement"], row["origin_party"], row["host_party"], int(year), labels[indicator]]
                    + [rule_name(row["rule"], lang)]
                    + [int(row[v]) / scale for v in values]
                )
            if len(cells) > 1:  # across agreements in one year: a headcount summed over years means nothing
                rows.append(
                    [render("total_row", lang), "", "", int(year), labels[indicator], ""]
                    + [sum(int(v) for v in cells[c]) / scale for c in values]
                )
                bold.add(len(rows) - 1)
        for r in range(start, len(rows)):
            for c in range(len(keys), len(keys) + len(values)):
                cell_formats[r, c] = COUNT_FORMAT if is_count else money_format
    formats = [None, None, None, YEAR_FORMAT, None, None] + [money_format] * len(values)
    name = render("wb_sheet_statistics", lang)
    note = render("wb_note_statistics_units", lang, unit=unit.label(lang))
    return Sheet(name, headers, rows, formats, bold, cell_formats, note, [*keys, *values])


def _balance_sheet(table: pd.DataFrame, names: Names, lang: str) -> Sheet:
    money = ["receipts", "reward", "compensation", "cost", "net"]
    unit = _settled_unit(table[money])
    shown = _party_columns(table, names)
    shown["role"] = [role_name(r, lang) for r in shown["role"]]
    shown["party"] = [names.party(p) for p in shown["party"]]
    keys = ["agreement", "origin_party", "host_party", "year", "role", "party"]
    headers = [header(k, lang) for k in keys] + [header(k, lang, unit) for k in money]
    rows = _rows(shown, keys, money, unit)
    rows.append(_total_row(rows, len(keys), len(money), lang))
    formats = [None, None, None, YEAR_FORMAT, None, None] + [number_format(unit.decimals)] * len(money)
    name = render("wb_sheet_balance", lang, unit=unit.label(lang))
    return Sheet(name, headers, rows, formats, {len(rows) - 1}, text_columns=[*keys, *money])


def _rows(table: pd.DataFrame, keys: list[str], money: list[str], unit: Unit) -> list[list[object]]:
    """Rows of plain Python values: the key columns as they are, money (fen) in `unit`, exact (not rounded:
    the number format shows the decimals, the cell keeps the value)."""
    columns = [_plain(table[k].to_numpy(object)) for k in keys]
    columns += [(table[m].to_numpy(np.int64) / unit.fen_per).tolist() for m in money]
    return [list(row) for row in zip(*columns, strict=True)] if columns else []


def _plain(values: np.ndarray) -> list[object]:
    return [None if _missing(v) else v.item() if hasattr(v, "item") else v for v in values]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _total_row(rows: list[list[object]], keys: int, amounts: int, lang: str, skip: set[int] = frozenset()) -> list:
    """合计 under the key columns, each amount column summed (in fen, then scaled back: no float drift)."""
    total: list[object] = [render("total_row", lang)] + [None] * (keys - 1)
    for j in range(amounts):
        if j in skip:
            total.append(None)
            continue
        column = [row[keys + j] for row in rows if row[keys + j] is not None]
        total.append(math.fsum(column))
    return total


def _notes_sheet(
    scenario: Scenario, summary: dict, sheets: list[Sheet], title: str, period: str, note: str, lang: str
) -> Sheet:
    names = Names(scenario, lang)
    rows: list[list[object]] = [
        [render("wb_note_title", lang), title],
        [render("wb_note_scenario", lang), names.scenario()],
        [render("wb_note_period", lang), period],
        [render("wb_note_figures", lang), note],
    ]
    for sheet in sheets:
        match = re.search(r"[（(]([^（）()]+)[）)]$", sheet.name)
        if match:
            rows.append([render("wb_note_units", lang), render("wb_note_sheet_unit", lang, sheet=sheet.name, unit=match[1])])
        elif sheet.note and sheet.note != note:
            rows.append([render("wb_note_units", lang), sheet.note.rsplit("；" if lang == "zh" else "; ", 1)[-1]])
    for role, source in summary.get("inputs", {}).items():
        label = render(f"wb_input_{role}", lang) if f"wb_input_{role}" in MESSAGES else role
        rows.append([render("wb_note_input", lang, role=label), f"{source['file']}（SHA-256 {source['sha256']}）"])
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
    path: Path,
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
            built.append(view_sheet(sheet.title, sheet))
        elif len(sheet) == 2:
            built.append(view_sheet(*sheet))
        else:
            name, table, money = sheet
            built.append(_table_sheet(name, table, set(money), lang))
    write_sheets(path, built, title or (built[0].name if built else ""), period)


def view_sheet(name: str, view: View) -> Sheet:
    """A presentation View as a sheet: money columns in the view's unit and decimals (or per row)."""
    table = view.table
    headers = [str(c) for c in table.columns]
    money = set(view.money)
    decimals = view.unit.decimals if view.unit is not None else 2
    formats: list[str | None] = []
    columns = []
    for column in table.columns:
        values = table[column]
        if column in money:
            formats.append(number_format(decimals))
        elif pd.api.types.is_integer_dtype(values):
            formats.append(YEAR_FORMAT)
        elif pd.api.types.is_float_dtype(values):
            formats.append(number_format(2))
        else:
            formats.append(None)
        columns.append(_plain(values.to_numpy(object)))
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    cell_formats = {}
    if view.row_decimals is not None:
        for j, column in enumerate(table.columns):
            if column in money:
                for i, d in enumerate(view.row_decimals):
                    cell_formats[i, j] = number_format(d)
    return Sheet(name, headers, rows, formats, _total_rows(rows), cell_formats, view.note)


_TOTAL_LABELS = {render("total_row", "zh"), render("total_row", "en")}


def _total_rows(rows: list[list[object]]) -> set[int]:
    return {i for i, row in enumerate(rows) if any(isinstance(v, str) and v in _TOTAL_LABELS for v in row)}


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
        if key.endswith("_growth") and key != "_growth":
            indicator = key.removesuffix("_growth")
            label = render("col_growth", lang, indicator=indicator_name(indicator, lang))
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
            values = np.array([v if _missing(v) or not _known(column, v) else _NAMED[column](v, lang) for v in values])
        elif column == "rule" or column == "rules":
            values = np.array(
                ["" if _missing(v) else "、".join(rule_name(r, lang) for r in str(v).split(",")) for v in values],
                dtype=object,
            )
        shown = [_value(v, str(column)) for v in values]
        formats.append(YEAR_FORMAT if column == "year" else None)
        columns.append(shown)
    rows = [list(row) for row in zip(*columns, strict=True)] if columns else []
    return Sheet(name, headers, rows, formats, _total_rows(rows), text_columns=[str(c) for c in table.columns])


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


def _value(value: object, column: str | None = None) -> object:
    """Yuan text → number so Excel can sum it; ids and names stay text; booleans say 是/否."""
    if _missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return render("yes" if value else "no", "zh")
    if isinstance(value, str) and column in TEXT_COLUMNS:
        return value
    if isinstance(value, str) and value and value.lstrip("-").replace(".", "", 1).isdigit():
        return float(value)
    return value.item() if hasattr(value, "item") else value


# ---------------------------------------------------------------- writing


def write_sheets(path: Path, sheets: list[Sheet], title: str, period: str = "") -> None:
    """Write the sheets with print setup; `title` and `period` head every printed page."""
    import xlsxwriter  # imported here: `validate` and the app's pages do without it

    rows = sum(len(s.rows) for s in sheets)
    options = {
        "strings_to_formulas": False,  # text is text: never a formula, whatever it starts with
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "constant_memory": rows > MAX_ROWS_IN_MEMORY,
        "in_memory": rows <= MAX_ROWS_IN_MEMORY,
    }
    book = xlsxwriter.Workbook(str(path), options)
    book.set_properties({"title": _one_line(title), "author": "ftzshare", "created": FIXED_TIME})
    styles = _Styles(book)
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(book, styles, sheet, _sheet_name(sheet.name, used), title, period)
    book.close()


class _Styles:
    """XlsxWriter formats, one per combination used."""

    def __init__(self, book) -> None:
        self.book, self.cache = book, {}

    def get(self, num_format: str | None = None, bold: bool = False, text: bool = False, **more) -> object:
        key = (num_format, bold, text, tuple(sorted(more.items())))
        if key not in self.cache:
            properties = {"valign": "top", **more}
            if num_format:
                properties["num_format"] = num_format
            if bold:
                properties.update(bold=True, top=1)
            if text:
                properties["quote_prefix"] = True
            self.cache[key] = self.book.add_format(properties)
        return self.cache[key]


def _write_sheet(book, styles: _Styles, sheet: Sheet, name: str, title: str, period: str) -> None:
    ws = book.add_worksheet(name)
    n_columns = len(sheet.headers)
    widths = _widths(sheet)
    wrap = [w >= WRAP_WIDTH for w in widths]
    head_bold = styles.get(text=True, align="center", valign="vcenter", text_wrap=True, bottom=1, bold=True)
    for j, text in enumerate(sheet.headers):
        ws.write_string(0, j, text, head_bold)
    ws.set_row(0, 15 * max((_header_lines(h, w) for h, w in zip(sheet.headers, widths, strict=True)), default=1))
    text_columns = sheet.text_columns or [None] * n_columns
    for i, row in enumerate(sheet.rows, start=1):
        bold = (i - 1) in sheet.bold_rows
        if any(wrap):
            lines = max(
                (_header_lines(v, widths[j]) for j, v in enumerate(row) if wrap[j] and isinstance(v, str)), default=1
            )
            if lines > 1:
                ws.set_row(i, 15 * lines)
        for j, value in enumerate(row):
            if value is None:
                continue
            fmt = sheet.cell_formats.get((i - 1, j), sheet.formats[j])
            if isinstance(value, bool):
                value = render("yes" if value else "no", "zh")
            if isinstance(value, int | float) and not (isinstance(value, int) and abs(value) > 2**53):
                if isinstance(value, float) and not math.isfinite(value):
                    continue
                ws.write_number(i, j, value, styles.get(fmt, bold) if fmt or bold else None)
            else:
                value = str(value)
                marked = needs_text_mark(value, text_columns[j])
                if marked or bold or wrap[j]:
                    ws.write_string(i, j, value, styles.get(None, bold, marked, text_wrap=wrap[j]))
                else:
                    ws.write_string(i, j, value)
    last = len(sheet.rows)
    for j, width in enumerate(widths):
        ws.set_column(j, j, min(width, WRAP_WIDTH))
    if sheet.note:
        row = last + 2
        lines = max(1, math.ceil(_text_width(sheet.note) / max(sum(min(w, WRAP_WIDTH) for w in widths), 1)))
        note_style = styles.get(None, False, True, italic=True, text_wrap=True)
        if n_columns > 1:
            ws.merge_range(row, 0, row, n_columns - 1, sheet.note, note_style)
        else:
            ws.write_string(row, 0, sheet.note, note_style)
        ws.set_row(row, 15 * lines)
    ws.freeze_panes(1, 0)
    body = [i for i in range(last) if i not in sheet.bold_rows]
    if n_columns and body:
        ws.autofilter(0, 0, max(body) + 1, n_columns - 1)
    # print: A4 landscape, one page wide, the header row on every page, gridlines, title and page numbers
    ws.set_paper(A4)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.hide_gridlines(0)
    ws.center_horizontally()
    ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
    ws.set_header(_print_text("&L&B", title, "&R", period), margin=0.3)
    ws.set_footer(_print_text("&L", sheet.note, "&R", "&P / &N", escape_last=False), margin=0.3)


def _print_text(left_code: str, left: str, right_code: str, right: str, escape_last: bool = True) -> str:
    """A page header or footer (Excel allows 255 characters): `&` in our texts doubled, long text cut."""
    right_text = _one_line(right).replace("&", "&&") if escape_last else right
    room = 250 - len(left_code) - len(right_code) - len(right_text)
    left_text = _one_line(left).replace("&", "&&")
    if len(left_text) > room:
        left_text = left_text[: max(room - 1, 0)].rstrip("&") + "…"
    return f"{left_code}{left_text}{right_code}{right_text}"


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


def _text_width(text: str) -> int:
    """Display width in Excel character units: CJK and full-width characters count two."""
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
            formats = {sheet.cell_formats.get((i, j), sheet.formats[j]) for i in range(len(sheet.rows))}
            finite = [v for v in numbers if math.isfinite(v)]
            if finite:
                for fmt in formats:
                    widest = max(widest, *(len(_shown(v, fmt)) for v in (min(finite), max(finite))))
        if texts:
            widest = max(widest, max(_text_width(t) for t in texts))
        head_width = _text_width(head)
        if sheet.header_lines:
            lines = sheet.header_lines
        else:
            lines = 1 if head_width <= HEADER_ONE_LINE else 2 if head_width <= 2 * HEADER_ONE_LINE else 3
        words = max((_text_width(w) for w in head.split()), default=0) if head.isascii() else 0
        header_need = max(math.ceil(head_width / lines), words)
        width = max(widest, header_need, 4) + 2
        widths.append(float(min(width, WRAP_WIDTH if texts and widest > MAX_WIDTH else MAX_WIDTH + 2)))
    return widths


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
