"""Workbooks for people (issue 12, item 5): print setup, names and units, totals, number formats, text that
stays text, the same bytes for the same inputs — and, with LibreOffice, every sheet printed on A4 landscape
within one page's width."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from analysis.cli import main
from analysis.outputs.presentation import WAN, View
from analysis.outputs.workbook import _shown, write_tables
from sim.messages import render

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example"
A4_LANDSCAPE = (841.89, 595.28)


@pytest.fixture(scope="module")
def settled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("workbook") / "settled"
    command = ["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(EXAMPLE / "ledger.csv")]
    assert main([*command, "--statistics", str(EXAMPLE / "statistics.csv"), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def compared(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("workbook") / "compared"
    scenarios = [str(ROOT / "scenarios/guangxi/chongzuo.yaml"), str(ROOT / "scenarios/guangxi/qinzhou.yaml")]
    assert main(["compare", *scenarios, "--out", str(out)]) == 0
    return out


def _books(settled: Path, compared: Path) -> list[Path]:
    return [settled / "allocation.xlsx", compared / "comparison.xlsx"]


def test_every_sheet_prints_a4_landscape_one_page_wide_with_its_header_row_repeated(settled, compared):
    for path in _books(settled, compared):
        book = openpyxl.load_workbook(path)
        for sheet in book:
            where = (path.name, sheet.title)
            setup = sheet.page_setup
            assert setup.orientation == "landscape" and int(setup.paperSize) == 9, where  # A4
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, where
            assert int(setup.fitToWidth or 1) == 1 and int(setup.fitToHeight) == 0, where  # as many pages down
            assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2", where
            assert sheet.print_options.gridLines, where
            assert sheet.oddHeader.left.text and sheet.oddHeader.right.text, where  # title, period
            headers = [c.value for c in sheet[1]]
            assert all(headers) and all(c.font.b for c in sheet[1]), where
            for j in range(1, len(headers) + 1):  # widths from the content, every column
                width = sheet.column_dimensions[openpyxl.utils.get_column_letter(j)].width
                assert 5 <= width <= 61, (where, j, width)


def test_the_settlement_workbook_names_its_parties_and_states_one_unit_per_sheet(settled):
    book = openpyxl.load_workbook(settled / "allocation.xlsx")
    assert book.sheetnames == ["分配结果（万元）", "计算明细（元）", "统计数据", "净财政收益（万元）", "说明"]
    ids = {"nanning", "nanning_ftz", "nanning_cdz", "qinzhou_ftz", "vat", "cit", "split", "double_count", "host"}
    for sheet in book.worksheets[:-1]:
        cells = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
        assert not ids & set(cells), (sheet.title, ids & set(cells))  # names, never ids
    for title, unit in (("分配结果（万元）", "万元"), ("计算明细（元）", "元"), ("净财政收益（万元）", "万元")):
        sheet = book[title]
        headers = [c.value for c in sheet[1]]
        amounts = [j for j, c in enumerate(sheet[2]) if c.number_format.startswith("#,##0.")]
        assert amounts and all(headers[j].endswith(f"（{unit}）") for j in amounts), (title, headers)
    assert book["分配结果（万元）"]["A2"].value == "南宁片区 → 南宁协同发展区"


def test_statistics_have_their_own_headers_and_units(settled):
    sheet = openpyxl.load_workbook(settled / "allocation.xlsx")["统计数据"]
    headers = [c.value for c in sheet[1]]
    assert headers == ["协议", "来源方", "承接方", "年度", "指标", "统计规则", "合计", "计入来源方", "计入承接方"]
    assert "税收合计" not in " ".join(headers)  # output and headcounts are not tax
    rows = {row[4].value: row for row in sheet.iter_rows(min_row=2) if row[4].value}
    assert rows["产值（万元）"][6].value == pytest.approx(5000.0)  # 50,000,000.00 yuan
    assert rows["产值（万元）"][6].number_format == "#,##0.0000"
    assert rows["从业人员（人）"][6].value == 300 and rows["从业人员（人）"][6].number_format == "#,##0"
    assert rows["市场主体数（户）"][5].value == "计入来源方"


def test_totals_rows_add_up_and_match_the_summary(settled):
    book = openpyxl.load_workbook(settled / "allocation.xlsx")
    summary = json.loads((settled / "summary.json").read_text(encoding="utf-8"))
    sheet = book["分配结果（万元）"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    total = next(i for i, row in enumerate(rows) if row[0] == render("total_row", "zh"))
    assert all(c.font.b for c in sheet[total + 2] if c.value is not None)
    headers = [c.value for c in sheet[1]]
    for j in range(5, len(headers)):
        assert rows[total][j] == pytest.approx(sum(row[j] for row in rows[:total]), abs=1e-9), headers[j]
    assert rows[total][headers.index("来源方分成（万元）")] == pytest.approx(float(summary["totals"]["origin"]) / 1e4)
    assert rows[total][headers.index("承接方分成（万元）")] == pytest.approx(float(summary["totals"]["host"]) / 1e4)
    balance = list(book["净财政收益（万元）"].iter_rows(min_row=2, values_only=True))
    assert any(row[0] == "合计" for row in balance)


def test_number_formats_have_thousands_separators_and_fixed_decimals(settled):
    book = openpyxl.load_workbook(settled / "allocation.xlsx")
    allocation, detail = book["分配结果（万元）"], book["计算明细（元）"]
    assert [c.number_format for c in allocation[2]][3:] == ["0", "General"] + ["#,##0.0000"] * 5
    headers = [c.value for c in detail[1]]
    row = {h: c for h, c in zip(headers, detail[4], strict=True)}  # nanning 2023 VAT
    assert row["来源方比例"].value == pytest.approx(0.6) and row["来源方比例"].number_format == "0.00%"
    assert row["税收合计（元）"].value == 600000 and row["税收合计（元）"].number_format == "#,##0.00"
    assert row["基数年度"].value == 2022 and row["年度"].number_format == "0"


def test_the_notes_sheet_says_what_the_figures_are_for_which_period_and_from_which_files(settled):
    notes = {
        row[0]: row[1]
        for row in openpyxl.load_workbook(settled / "allocation.xlsx")["说明"].iter_rows(min_row=2, values_only=True)
    }
    assert notes["期间"] == "2023–2025 年度（另列基数年 2022 年）" and notes["金额口径"] == render(
        "figure_settled", "zh"
    )
    assert notes["输入文件（税收台账）"].startswith("ledger.csv（SHA-256 ")
    assert "allocation_by_entity.csv" in notes["逐企业分配"]
    book = openpyxl.load_workbook(settled / "allocation.xlsx")
    assert render("figure_settled", "zh") in (book["分配结果（万元）"].oddFooter.left.text or "")


def _view(rows: int = 3, name: str = "表") -> View:
    table = pd.DataFrame(
        {
            "名称": ["=1+1", "-5", "@x"][: min(rows, 3)] + [f"第{i}行" for i in range(3, rows)],
            "年度": np.arange(2025, 2025 + rows),
            "金额（万元）": np.linspace(-1234.5, 9876543.21, rows).round(2),
        }
    )
    return View(table, WAN, ("金额（万元）",), "金额为示例", name)


def test_text_stays_text_and_page_codes_in_titles_are_literal(tmp_path):
    path = tmp_path / "t.xlsx"
    write_tables(path, [_view()], title="A&P <title>", period="2025&N")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    assert not any(b"<f>" in data or b"<f " in data for data in parts.values())
    assert b"A&amp;&amp;P &lt;title&gt;" in parts["xl/worksheets/sheet1.xml"]  # "&&" prints a literal "&"
    sheet = openpyxl.load_workbook(path).active
    for cell in sheet["A"][1:4]:
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert [c.value for c in sheet["C"][1:4]] == pytest.approx(np.linspace(-1234.5, 9876543.21, 3).round(2).tolist())
    assert sheet["C2"].number_format == "#,##0.00" and sheet["B2"].number_format == "0"


def test_years_beside_a_total_row_are_numbers_and_names_that_look_like_numbers_stay_text(tmp_path):
    # as the receipts and gains views write them: years as text in the column that also says 合计
    table = pd.DataFrame(
        {
            "协议": ["甲 → 乙"] * 3 + ["2026"],  # a name that is all digits is not a year column's
            "年度": ["2025", "2026", "合计", "2025"],
            "来源方分成（万元）": [1.0, 2.0, 3.0, 4.0],
        }
    )
    path = tmp_path / "years.xlsx"
    write_tables(path, [View(table, WAN, ("来源方分成（万元）",), "金额为示例", "表")])
    sheet = openpyxl.load_workbook(path).active
    assert [c.value for c in sheet["B"][1:5]] == [2025, 2026, "合计", 2025]
    assert sheet["B2"].data_type == "n" and sheet["B2"].number_format == "0"
    assert [c.value for c in sheet["A"][1:5]] == ["甲 → 乙"] * 3 + ["2026"] and sheet["A5"].data_type == "s"


def test_same_tables_same_bytes_and_no_clock_time(tmp_path):
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_tables(first, [_view()], title="t")
    write_tables(second, [_view()], title="t")
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:(?:created|modified)[^>]*>([^<]*)<", core) == ["2020-01-01T00:00:00Z"] * 2


def test_sheet_names_follow_excel_rules(tmp_path):
    path = tmp_path / "names.xlsx"
    long = "很长的工作表名称" * 5
    write_tables(path, [_view(name="a/b:c*?[d]"), _view(name=long), _view(name=long)])
    names = openpyxl.load_workbook(path).sheetnames
    assert names[0] == "a_b_c___d_" and len(names[1]) == 31 and names[2].endswith("(2)") and len(names[2]) <= 31


def test_older_tables_show_fen_in_wan_yuan_with_catalogue_headers(tmp_path):
    path = tmp_path / "old.xlsx"
    table = pd.DataFrame({"scenario": ["s"], "tax_type": ["vat"], "npv": [123_456_789], "passed": [True]})
    write_tables(path, [("汇总", table, {"npv"})])
    sheet = openpyxl.load_workbook(path)["汇总"]
    assert [c.value for c in sheet[1]] == ["方案", "税种", "现值（万元）", render("col_passed", "zh")]
    assert [c.value for c in sheet[2]] == ["s", "增值税", pytest.approx(123.456789), "是"]


# ---------------------------------------------------------------- LibreOffice prints them


def _soffice() -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None or shutil.which("pdfinfo") is None:
        assert not os.environ.get("CI"), "CI installs LibreOffice and poppler-utils"
        pytest.skip("LibreOffice or poppler not installed")
    return soffice


def _pdf(book: Path, folder: Path) -> Path:
    done = subprocess.run(
        [_soffice(), "--headless", f"-env:UserInstallation=file://{folder}/lo", "--convert-to", "pdf"]
        + ["--outdir", str(folder), str(book)],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return folder / book.with_suffix(".pdf").name


def _pages(pdf: Path) -> list[tuple[tuple[float, float], str]]:
    """Each page's size in points and its text, without white space."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "999", str(pdf)], capture_output=True, text=True).stdout
    sizes = [tuple(map(float, m)) for m in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)]
    texts = []
    for i in range(1, len(sizes) + 1):
        text = subprocess.run(
            ["pdftotext", "-f", str(i), "-l", str(i), str(pdf), "-"], capture_output=True, text=True
        ).stdout
        texts.append(re.sub(r"\s+", "", text))
    return list(zip(sizes, texts, strict=True))


def _shown_text(cell) -> str:
    if isinstance(cell.value, int | float):
        return _shown(cell.value, cell.number_format)
    return re.sub(r"\s+", "", str(cell.value))[:6]


def test_libreoffice_prints_each_sheet_on_one_a4_landscape_page_width(settled, compared, tmp_path):
    """The bundled example's allocation.xlsx and a comparison workbook: every sheet is small, so one page each
    (a table split across pages would add pages); every page is A4 landscape and holds its table's first and
    last column — the first data row's first and last cell."""
    for path in _books(settled, compared):
        book = openpyxl.load_workbook(path)
        pages = _pages(_pdf(path, tmp_path / path.stem))
        assert len(pages) == len(book.sheetnames), (path.name, len(pages), book.sheetnames)
        for sheet, (size, text) in zip(book, pages, strict=True):
            assert size == pytest.approx(A4_LANDSCAPE, abs=1), (path.name, sheet.title, size)
            first_row = [c for c in sheet[2] if c.value is not None]
            for cell in (first_row[0], first_row[-1]):
                assert _shown_text(cell) in text, (path.name, sheet.title, cell.coordinate, _shown_text(cell))


def test_libreoffice_repeats_the_header_on_every_page_of_a_long_sheet(tmp_path):
    path = tmp_path / "long.xlsx"
    write_tables(path, [_view(rows=160, name="长表")], title="长表")
    pages = _pages(_pdf(path, tmp_path))
    assert len(pages) >= 3
    for size, text in pages:
        assert size == pytest.approx(A4_LANDSCAPE, abs=1)
        assert "名称" in text and "金额（万元）" in text  # first and last header on each page


def test_a_runs_notes_name_only_the_sheets_it_has_and_each_sheets_note_once(tmp_path):
    out = tmp_path / "run"
    assert main(["run", str(ROOT / "scenarios/guangxi/nanning.yaml"), "--replications", "3", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out / "allocation.xlsx")
    rows = list(book["说明"].iter_rows(min_row=2, values_only=True))
    said = " ".join(str(value) for row in rows for value in row if value)
    quoted = {re.sub(r"（[^（）]*）$", "", name) for name in re.findall(r"“([^“”]+)”", said)}
    sheets = {re.sub(r"（[^（）]*）$", "", name) for name in book.sheetnames}
    assert "全部模拟汇总" in quoted and quoted <= sheets | {"解释数字"}, quoted - sheets  # 解释数字: the app's tab
    assert len(rows) == len(set(rows)), [row for row in rows if rows.count(row) > 1]  # no row said twice
    land = book["用地结果"]
    landed = next(row for row in land.iter_rows(min_row=2) if row[0].value == "落地项目数（个）")
    assert all(cell.number_format == "#,##0" for cell in landed[1:])  # counts whole
