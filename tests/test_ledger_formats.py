"""The same tax records in every form a bureau exports settle to the same bytes."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pytest

from analysis.cli import main
from sim.money import format_yuan
from sim.records.amounts import parse_fen
from sim.records.tabular import _cell_text
from sim.scenario.loading import load_scenario

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "example"
CHINESE = {
    "entity_id": "企业编号",
    "origin_area": "来源片区",
    "zone": "协同区",
    "year": "年度",
    "month": "月份",
    "tax_type": "税种",
    "amount": "税额",
    "central": "中央级",
    "start_year": "投产年度",
}


def _rows() -> list[list[str]]:
    with (EXAMPLE / "ledger.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _write_csv(path: Path, rows, encoding: str) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _settle(tmp_path: Path, ledger: Path, *extra: str) -> dict[str, bytes]:
    out = tmp_path / f"out-{ledger.name}"
    assert (
        main(["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(ledger), "--out", str(out), *extra]) == 0
    )
    return {p.name: p.read_bytes() for p in out.iterdir() if p.name not in ("summary.json", "allocation.xlsx")}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    return _settle(tmp_path_factory.mktemp("ref"), EXAMPLE / "ledger.csv")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_in_excel_encodings(tmp_path, reference, encoding):
    rows = _rows()
    rows[0] = [CHINESE[h] for h in rows[0]]
    rows[3][5] = "增值税"
    path = tmp_path / "台账.csv"
    _write_csv(path, rows, encoding)
    assert _settle(tmp_path, path) == reference


def test_xlsx_with_numeric_cells_on_a_named_sheet(tmp_path, reference):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["本工作簿第二页为台账"])
    sheet = book.create_sheet("台账")
    for i, row in enumerate(_rows()):
        if i == 0:
            sheet.append(row)
            continue
        typed = [int(v) if v.isdigit() else v for v in row]
        typed[6] = float(row[6])  # amounts as spreadsheet numbers, as Excel stores them
        sheet.append([None if v == "" else v for v in typed])
    path = tmp_path / "ledger.xlsx"
    book.save(path)
    assert _settle(tmp_path, path, "--sheet", "台账") == reference


def test_blank_lines_thousands_separators_and_blanks_around_values(tmp_path, reference):
    text = (EXAMPLE / "ledger.csv").read_text(encoding="utf-8").splitlines()
    text.insert(3, "")
    text[1] = text[1].replace("400000.00", '" 400,000.00 "')
    path = tmp_path / "ledger.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    assert _settle(tmp_path, path) == reference


def test_rows_keep_the_numbers_a_person_sees_after_blank_lines(tmp_path, capsys):
    path = tmp_path / "ledger.csv"
    path.write_text(
        (EXAMPLE / "ledger.csv").read_text(encoding="utf-8") + "\n\nN1,nanning_ftz,nanning_cdz,2023,1,vat,x,,\n"
    )
    assert (
        main(["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(path), "--out", str(tmp_path / "o")])
        == 2
    )
    assert ":row 30:" in capsys.readouterr().err  # header + 26 rows + 2 blank lines → row 30


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("0", 0),
        ("1", 100),
        ("-1.5", -150),
        ("0.01", 1),
        ("-0.01", -1),
        (".5", 50),
        ("+3.10", 310),
        ("1.230", 123),
        ("1,234,567.89", 123456789),
        ("999999999999999.99", 99999999999999999),
    ],
)
def test_amount_text_to_fen_exactly(text, fen):
    values, bad, _ = parse_fen(pa.array([text]))
    assert bad is None and int(values[0]) == fen
    assert format_yuan(values)[0] == f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("1.001", "amount_decimals"),
        ("1e5", "amount_format"),
        ("", "amount_format"),
        ("¥5", "amount_format"),
        ("1" * 17, "amount_range"),
        ("--1", "amount_format"),
    ],
)
def test_amount_text_refused(text, key):
    _, bad, reason = parse_fen(pa.array(["1.00", text]))
    assert bad == 1 and reason == key


def test_spreadsheet_numbers_read_as_excel_shows_them():
    assert _cell_text(0.1 + 0.2) == "0.3"
    assert _cell_text(1234.5) == "1234.5" and _cell_text(2023.0) == "2023" and _cell_text(None) == ""


def test_reference_scenario_format_keeps_working():
    # a copy of shared/scenario-reference.yaml: every key of it must keep validating
    scenario = load_scenario(Path(__file__).parent / "data" / "scenario-reference.yaml")
    assert scenario.agreements[0].ratio.in_force(2026) == 500_000
    assert scenario.tax_rules.upper_levels[0].share["vat"] == Decimal("0.3")


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1,234", 123400), ("-1,234,567.89", -123456789), ("+12,345.5", 1234550), ("999,999,999,999,999.99", 10**17 - 1)],
)
def test_thousands_separators_accepted(text, fen):
    values, bad, _ = parse_fen(pa.array([text]))
    assert bad is None and int(values[0]) == fen


@pytest.mark.parametrize("text", ["1,50", "12,34", "1234,567", ",123", "1,", "1,,234", "1.234,56", "1,2345", "1 234"])
def test_other_commas_refused_not_dropped(text):
    # "1,50" is 1.50 with a decimal comma: dropping the comma would book 150.00
    _, bad, reason = parse_fen(pa.array(["1.00", text, "2.00"]))
    assert bad == 1 and reason == "amount_format"


def _excel_style(path: Path) -> None:
    """Rewrite an openpyxl workbook the way Excel and .NET exporters write one: shared strings instead of
    inline ones, a namespace prefix on every tag, no <dimension>."""
    import re

    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info).decode() for info in source.infolist()}
    strings: list[str] = []

    def shared(match: re.Match) -> str:
        strings.append(match.group(2))
        return f'<c r="{match.group(1)}" t="s"><v>{len(strings) - 1}</v></c>'

    sheet = re.sub(r'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>([^<]*)</t></is></c>', shared, parts[_SHEET])
    sheet = re.sub(r"<dimension [^>]*/>", "", sheet)
    sheet = re.sub(r"<(/?)(\w+)", r"<\1x:\2", sheet).replace("<x:worksheet xmlns=", "<x:worksheet xmlns:x=")
    parts[_SHEET] = sheet
    items = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = (
        f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{items}</sst>'
    )
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
        "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, text in parts.items():
            target.writestr(name, text)


_SHEET = "xl/worksheets/sheet1.xml"


def test_xlsx_as_excel_writes_it(tmp_path, reference):
    book = openpyxl.Workbook()
    for row in _rows():
        book.active.append([None if v == "" else v for v in row])
    path = tmp_path / "excel.xlsx"
    book.save(path)
    _excel_style(path)
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read(_SHEET).decode()
    assert 't="s"><x:v>' in sheet and "<x:row" in sheet and "dimension" not in sheet
    assert _settle(tmp_path, path) == reference


def test_notes_may_hold_line_breaks_names_may_not(tmp_path, reference, capsys):
    # Alt+Enter in an Excel cell is a line break: fine in a note, which is not read; not in an id or a name
    rows = _rows()
    rows[0].append("备注")
    for row in rows[1:]:
        row.append("第一行\n第二行\t备注")
    path = tmp_path / "notes.csv"
    _write_csv(path, rows, "utf-8")
    assert _settle(tmp_path, path) == reference
    rows[0][-1] = "企业名称"
    _write_csv(path, rows, "utf-8")
    code = main(["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(path), "--out", str(tmp_path / "o")])
    assert code == 2 and ":row 2:" in capsys.readouterr().err
