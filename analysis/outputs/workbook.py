"""allocation.xlsx for officials: Chinese headers, amounts in 万元, one sheet per table."""

from __future__ import annotations

import datetime
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from analysis.outputs.tables import TEXT_COLUMNS, needs_text_mark
from sim.indicators import INDICATOR_NAMES
from sim.messages import render
from sim.scenario import Scenario
from sim.sharing.split import DETAIL_FIELDS
from sim.taxes import TAX_TYPES

WAN = 1_000_000  # fen per 万元
WAN_FORMAT = "#,##0.0000"  # 万元 to the yuan
YUAN_FORMAT = "#,##0.00"

HEADERS = {
    **{step: render(f"step_{step}", "zh") for step in ("total", "central", *DETAIL_FIELDS, "ratio", "origin", "host")},
    "agreement": "协议",
    "base_year": "基数年度",
    "origin_party": "来源方",
    "host_party": "承接方",
    "year": "年度",
    "tax_type": "税种",
    "indicator": "指标",
    "rule": "统计规则",
    "role": "角色",
    "party": "参与方",
    "receipts": "税收分成",
    "reward": "招商奖励",
    "compensation": "生态补偿",
    "cost": "成本分担",
    "net": "净财政收益",
    # comparison tables
    "scenario": "方案",
    "party_name": "参与方名称",
    "receipts_p5": "分成（5%分位）",
    "receipts_p95": "分成（95%分位）",
    "cumulative": "累计分成",
    "discounted": "贴现分成",
    "cumulative_discounted": "累计现值",
    "net_benefit": "净财政收益",
    "vs_baseline": "较基准差额",
    "npv": "现值",
    "npv_vs_baseline": "现值较基准差额",
    "rules": "统计规则",
    "unit": "单位",
    "zone": "协同区",
    "awards": "制度创新成果数",
    "points": "考核得分",
    "passed": "是否达标",
    "revoked_this_year": "当年撤销",
    "target": "目标",
    "goal": "目标值",
    "value": "实际值",
    "progress": "完成进度",
    "reached_year": "达成年度",
    "met_by_target_year": "目标年是否达成",
    "name": "名称",
    "file": "文件",
    "sha256": "校验值",
    "computed": "计算方式",
    "seed": "随机种子",
    "replications": "模拟次数",
    "terms": "协议条款",
    "description": "说明",
    "trade_growth": "进出口增速",
    "fdi_growth": "实际使用外资增速",
}
RULE_NAMES = {"split": "按比例分计", "double_count": "双方均计", "host": "计入承接方", "origin": "计入来源方"}
TAX_NAMES = {t.id: t.name for t in TAX_TYPES}
FIXED_TIME = datetime.datetime(2020, 1, 1)  # workbooks carry no clock time, so runs are byte-identical


def write_workbook(
    path: Path,
    scenario: Scenario,
    allocation: pd.DataFrame,
    detail: pd.DataFrame,
    statistics: pd.DataFrame | None,
    balance: pd.DataFrame,
    summary: dict,
) -> None:
    """`allocation`, `balance` carry integer fen; `detail` and `statistics` are the CSV text tables."""
    names = {p.id: p.name for p in scenario.parties}
    uppers = {u.id: u.name for u in scenario.tax_rules.upper_levels}
    parties = {a.id: (names[a.origin], names[a.host]) for a in scenario.agreements}
    book = Workbook()
    book.remove(book.active)

    def readable(table: pd.DataFrame) -> pd.DataFrame:
        table = table.copy()
        if "agreement" in table:
            table.insert(1, "origin_party", table["agreement"].map(lambda a: parties[a][0]))
            table.insert(2, "host_party", table["agreement"].map(lambda a: parties[a][1]))
        if "tax_type" in table:
            table["tax_type"] = table["tax_type"].map(TAX_NAMES)
        if "indicator" in table:
            table["indicator"] = table["indicator"].map(INDICATOR_NAMES)
            table["rule"] = table["rule"].map(RULE_NAMES)
        if "party" in table:
            table["party"] = table["party"].map(names)
            table["role"] = table["role"].map({"origin": "来源方", "host": "承接方"})
        return table

    money = ["total", "central", *uppers, "origin", "host"]
    _sheet(book, "分配结果（万元）", readable(allocation), uppers, {c: WAN for c in money})
    _sheet(book, "计算明细（元）", readable(detail), uppers, {})
    if statistics is not None:
        _sheet(book, "统计数据", readable(statistics), uppers, {})
    _sheet(
        book,
        "净财政收益（万元）",
        readable(balance),
        uppers,
        {c: WAN for c in ("receipts", "reward", "compensation", "cost", "net")},
    )
    notes = book.create_sheet("说明")
    for row in (
        ("情景", scenario.name),
        ("情景校验值（sha256）", summary["scenario_sha256"]),
        ("软件版本", summary["version"]),
        ("金额单位", "万元（分配结果、净财政收益）；元（计算明细）"),
        ("来源方/承接方", "来源方为自贸试验区片区，承接方为协同发展区；分成比例由设区市人民政府确定"),
    ):
        _append(notes, list(row), [None, None])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 80
    book.properties.creator = "ftzshare"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)
    _pin_timestamps(path)


def write_tables(path: Path, sheets: list[tuple[str, pd.DataFrame, set[str]]]) -> None:
    """A workbook of tables, one sheet each; columns named in the set hold fen and are shown in 万元."""
    book = Workbook()
    book.remove(book.active)
    for title, table, money in sheets:
        _sheet(book, title, table, {}, {c: WAN for c in money})
    book.properties.creator = "ftzshare"
    book.properties.created = book.properties.modified = FIXED_TIME
    book.save(path)
    _pin_timestamps(path)


def _sheet(book: Workbook, title: str, table: pd.DataFrame, uppers: dict[str, str], scale: dict[str, int]) -> None:
    sheet = book.create_sheet(title)
    headers = [HEADERS.get(c, uppers.get(c, c)) for c in table.columns]
    _append(
        sheet,
        [f"{h}（万元）" if c in scale else h for h, c in zip(headers, table.columns, strict=True)],
        [None] * len(headers),
    )
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    columns = list(table.columns)
    for record in table.itertuples(index=False):
        _append(sheet, [_value(v, scale.get(c), c) for v, c in zip(record, columns, strict=True)], columns)
    for j, column in enumerate(columns, start=1):
        letter = get_column_letter(j)
        sheet.column_dimensions[letter].width = 16 if j > 3 else 22
        number_format = WAN_FORMAT if column in scale else YUAN_FORMAT if column in _YUAN_COLUMNS else None
        if number_format:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = number_format
    sheet.freeze_panes = "A2"


_YUAN_COLUMNS = frozenset(HEADERS) - {
    "agreement",
    "origin_party",
    "host_party",
    "year",
    "tax_type",
    "ratio",
    "base_year",
    "indicator",
    "rule",
    "role",
    "party",
}


def _append(sheet: Worksheet, values: list, columns: list) -> None:
    """Append a row. Text a spreadsheet would run as a formula (`tables.needs_text_mark`: names, ids, notes
    starting with = + - @ tab or CR) is kept a string cell with Excel's quote prefix, so Excel and LibreOffice show
    it as text and keep it text when edited; openpyxl would otherwise store a string starting with `=` as a formula."""
    sheet.append(values)
    row = None
    for j, (value, column) in enumerate(zip(values, columns, strict=True), start=1):
        if needs_text_mark(value, column):
            row = row or sheet.max_row
            cell = sheet.cell(row=row, column=j)
            cell.value = value
            cell.data_type = "s"
            cell.quotePrefix = True


def _value(value: object, divisor: int | None, column: str | None = None) -> object:
    """Fen → 万元 where scaled; yuan text → number so Excel can sum it; ids and names stay text."""
    if value is None or (isinstance(value, float) and value != value):  # missing, or NaN
        return None
    if divisor is not None:
        return int(value) / divisor
    if isinstance(value, str) and column in TEXT_COLUMNS:
        return value
    if isinstance(value, str) and value and value.lstrip("-").replace(".", "", 1).isdigit():
        return float(value)
    return value.item() if hasattr(value, "item") else value


def _pin_timestamps(path: Path) -> None:
    """Rewrite the zip with fixed entry times and document dates: same inputs → same bytes."""
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _fixed_core_dates(data)
            pinned = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            pinned.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(pinned, data)


def _fixed_core_dates(xml: bytes) -> bytes:
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    return re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>" + stamp + rb"\2", xml)
