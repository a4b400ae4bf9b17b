"""The bundled example, settled through the CLI, gives exactly the figures worked out by hand in WORKED.md."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from analysis.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "example"


def _worked_table(heading: str) -> list[list[str]]:
    """The markdown table under `heading` in WORKED.md, without its header rows."""
    lines = (EXAMPLE / "WORKED.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(heading)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("## "):
            break
        if line.startswith("|"):
            rows.append([c.strip() for c in line.strip("|").split("|")])
    return rows[2:]


def settle_example(out: Path) -> int:
    return main(
        [
            "settle",
            str(EXAMPLE / "guangxi_example.yaml"),
            "--ledger",
            str(EXAMPLE / "ledger.csv"),
            "--statistics",
            str(EXAMPLE / "statistics.csv"),
            "--out",
            str(out),
        ]
    )


@pytest.fixture(scope="module")
def settled(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("example") / "out"
    assert settle_example(out) == 0
    return out


def _csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))[1:]


def test_allocation_matches_the_hand_worked_table(settled):
    assert _csv(settled / "allocation.csv") == _worked_table("## Expected allocation (`allocation.csv`)")


def test_statistics_match_the_hand_worked_table(settled):
    assert _csv(settled / "statistics.csv") == _worked_table("## Expected statistics (`statistics.csv`)")


def test_summary_records_totals_and_provenance(settled):
    summary = json.loads((settled / "summary.json").read_text(encoding="utf-8"))
    assert summary["totals"]["origin"] == "287360.01" and summary["totals"]["host"] == "1114440.00"
    # all years: 2023 net −252,599.99 (WORKED.md) + 2024 receipts 71,800 + 1,900 + 10,500 = −168,399.99
    assert summary["by_agreement"]["nanning"]["net_benefit_origin_yuan"] == "-168399.99"
    assert len(summary["scenario_sha256"]) == 64 and summary["seed"] is None
    assert set(summary["inputs"]) == {"scenario", "ledger", "statistics"}


def test_outputs_are_byte_identical_across_runs(settled, tmp_path):
    again = tmp_path / "again"
    assert settle_example(again) == 0
    for path in sorted(settled.iterdir()):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_workbook_has_chinese_headers_and_wan_yuan(settled):
    import openpyxl

    book = openpyxl.load_workbook(settled / "allocation.xlsx")
    assert book.sheetnames[0] == "分配结果（万元）"
    sheet = book["分配结果（万元）"]
    headers = [c.value for c in sheet[1]]
    assert headers[:6] == ["协议", "来源方", "承接方", "年度", "税种", "税收合计（万元）"]
    assert "自治区本级（万元）" in headers
    row = [c for c in sheet[4]]  # nanning 2023 VAT: total 600,000.00 yuan = 60 万元
    assert row[4].value == "增值税" and row[5].value == pytest.approx(60.0) and row[5].number_format == "#,##0.0000"
    assert row[headers.index("来源方分成（万元）")].value == pytest.approx(4.32)
