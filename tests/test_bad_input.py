"""Bad input: exit 2, one line `error: <file>[:<where>]: <reason>`, and nothing written — for every kind we know."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from analysis.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "scenarios" / "example"
SCENARIO = yaml.safe_load((EXAMPLE / "guangxi_example.yaml").read_text(encoding="utf-8"))
LEDGER = (EXAMPLE / "ledger.csv").read_text(encoding="utf-8")
HEADER = "entity_id,origin_area,zone,year,month,tax_type,amount\n"


def scenario_with(change) -> dict:
    data = yaml.safe_load((EXAMPLE / "guangxi_example.yaml").read_text(encoding="utf-8"))
    change(data)
    return data


def ledger_row(**over: str) -> str:
    row = {
        "entity_id": "N1",
        "origin_area": "nanning_ftz",
        "zone": "nanning_cdz",
        "year": "2023",
        "month": "1",
        "tax_type": "vat",
        "amount": "100.00",
    }
    row.update(over)
    return HEADER + ",".join(row.values()) + "\n"


def _set(path: list, value):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _delete(path: list):
    def change(data):
        target = data
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


# (id, scenario: dict | str | bytes | None (example), ledger: str | bytes | None (example), extra args,
#  expected "file:where" prefix after "error: ", expected words in the reason)
CASES = [
    ("scenario-yaml-syntax", "name: [unclosed\n", None, [], "scenario.yaml:line", "YAML"),
    ("scenario-not-mapping", "- just\n- a list\n", None, [], "scenario.yaml", "top level"),
    ("scenario-empty", "", None, [], "scenario.yaml", "empty"),
    ("scenario-alias", "a: &x 1\nb: *x\n", None, [], "scenario.yaml:line 2", "aliases"),
    ("scenario-too-deep", "name: a\nx: " + "[" * 21 + "]" * 21 + "\n", None, [], "scenario.yaml:line 2", "20 levels"),
    ("scenario-complex-key", "? [a, b]\n: 1\n", None, [], "scenario.yaml:line 1", "plain text"),
    ("scenario-duplicate-key", "name: a\nname: b\n", None, [], "scenario.yaml:line 2", "duplicate key"),
    (
        "scenario-unknown-key",
        scenario_with(_set(["agreements", 0, "bse"], {})),
        None,
        [],
        "scenario.yaml:agreements[0].bse",
        "did you mean 'base'",
    ),
    (
        "scenario-missing-key",
        scenario_with(_delete(["agreements", 0, "ratio"])),
        None,
        [],
        "scenario.yaml:agreements[0].ratio",
        "missing",
    ),
    (
        "ratio-above-one",
        scenario_with(_set(["agreements", 0, "ratio", "schedule", 0, "origin"], 1.2)),
        None,
        [],
        "scenario.yaml:agreements[0].ratio.schedule[0].origin",
        "[0, 1]",
    ),
    (
        "ratio-seven-decimals",
        scenario_with(_set(["agreements", 0, "ratio", "schedule", 0, "origin"], 0.1234567)),
        None,
        [],
        "scenario.yaml:agreements[0].ratio.schedule[0].origin",
        "six decimals",
    ),
    (
        "schedule-overlap",
        scenario_with(_set(["agreements", 0, "ratio", "schedule", 1, "from"], 2023)),
        None,
        [],
        "scenario.yaml:agreements[0].ratio.schedule[1].from",
        "overlap",
    ),
    (
        "schedule-gap",
        scenario_with(_set(["agreements", 0, "ratio", "schedule", 1, "from"], 2025)),
        None,
        [],
        "scenario.yaml:agreements[0].ratio.schedule[1].from",
        "uncovered",
    ),
    (
        "schedule-short",
        scenario_with(_set(["agreements", 0, "ratio", "schedule"], [{"from": 2024, "origin": 0.5}])),
        None,
        [],
        "scenario.yaml:agreements[0].ratio.schedule",
        "cover",
    ),
    (
        "origin-is-host",
        scenario_with(_set(["agreements", 0, "host"], "nanning_ftz")),
        None,
        [],
        "scenario.yaml:agreements[0].host",
        "differ",
    ),
    (
        "unknown-party",
        scenario_with(_set(["agreements", 0, "host"], "beihai_cdz")),
        None,
        [],
        "scenario.yaml:agreements[0].host",
        "does not exist",
    ),
    (
        "since-start-with-base-year",
        scenario_with(_set(["agreements", 0, "ratio", "basis"], "years_since_start")),
        None,
        [],
        "scenario.yaml:agreements[0].ratio.basis",
        "base.rule: zero",
    ),
    (
        "retentions-over-one",
        scenario_with(_set(["tax_rules", "upper_levels", 0, "share", "vat"], 0.6))
        | {
            "tax_rules": {
                "upper_levels": [
                    {"id": "p", "name": "p", "share": {"vat": 0.6}},
                    {"id": "c", "name": "c", "share": {"vat": 0.5}},
                ]
            }
        },
        None,
        [],
        "scenario.yaml:tax_rules.upper_levels",
        "more than 1",
    ),
    (
        "unknown-tax-in-scenario",
        scenario_with(_set(["agreements", 0, "taxes"], ["vat", "tariff"])),
        None,
        [],
        "scenario.yaml:agreements[0].taxes[1]",
        "one of",
    ),
    (
        "duplicate-agreement-id",
        scenario_with(_set(["agreements", 1, "id"], "nanning")),
        None,
        [],
        "scenario.yaml:agreements[1].id",
        "twice",
    ),
    (
        "base-year-after-start",
        scenario_with(_set(["agreements", 0, "base", "year"], 2024)),
        None,
        [],
        "scenario.yaml:agreements[0].base.year",
        "after",
    ),
    (
        "negative-cap",
        scenario_with(_set(["agreements", 2, "cap", "origin_cumulative_yuan"], -5)),
        None,
        [],
        "scenario.yaml:agreements[2].cap.origin_cumulative_yuan",
        "negative",
    ),
    ("scenario-oversized", "name: x\n" + "# padding\n" * 120_000, None, [], "scenario.yaml", "too large"),
    ("ledger-empty", None, "", [], "ledger.csv", "empty"),
    ("ledger-header-only", None, HEADER, [], "ledger.csv", "no data rows"),
    (
        "ledger-missing-column",
        None,
        "entity_id,origin_area,zone,year,tax_type\nN1,nanning_ftz,nanning_cdz,2023,vat\n",
        [],
        "ledger.csv:row 1",
        "missing column amount",
    ),
    (
        "ledger-duplicate-column",
        None,
        HEADER.replace("\n", ",税额\n") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1,1\n",
        [],
        "ledger.csv:row 1",
        "more than once",
    ),
    (
        "ledger-unknown-column",
        None,
        HEADER.replace("amount", "amuont") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1\n",
        [],
        "ledger.csv:row 1",
        "did you mean 'amount'",
    ),
    ("amount-not-a-number", None, ledger_row(amount="12O.00"), [], "ledger.csv:row 2", "not a number"),
    ("amount-three-decimals", None, ledger_row(amount="100.005"), [], "ledger.csv:row 2", "more than two decimals"),
    ("amount-blank", None, ledger_row(amount=""), [], "ledger.csv:row 2", "blank"),
    ("unknown-tax-type", None, ledger_row(tax_type="vta"), [], "ledger.csv:row 2", "did you mean 'vat'"),
    ("central-only-tax", None, ledger_row(tax_type="关税"), [], "ledger.csv:row 2", "never shared"),
    ("unknown-zone", None, ledger_row(zone="beihai_cdz"), [], "ledger.csv:row 2", "zone 'beihai_cdz'"),
    ("unknown-origin", None, ledger_row(origin_area="beihai_ftz"), [], "ledger.csv:row 2", "origin area"),
    ("no-such-agreement", None, ledger_row(zone="qinzhou_cdz"), [], "ledger.csv:row 2", "no sharing agreement"),
    ("year-outside-horizon", None, ledger_row(year="2031"), [], "ledger.csv:row 2", "outside"),
    ("year-not-integer", None, ledger_row(year="2023.5"), [], "ledger.csv:row 2", "whole number"),
    ("month-13", None, ledger_row(month="13"), [], "ledger.csv:row 2", "1..12"),
    ("month-zero", None, ledger_row(month="0"), [], "ledger.csv:row 2", "month 0 must be within 1..12"),
    ("month-00", None, ledger_row(month="00"), [], "ledger.csv:row 2", "month 0 must be within 1..12"),
    (
        "start-year-zero",
        None,
        HEADER.replace("\n", ",start_year\n") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1.00,0\n",
        [],
        "ledger.csv:row 2",
        "start_year 0 must be within 1900..2200",
    ),
    (
        "start-year-implausible",
        None,
        HEADER.replace("\n", ",start_year\n") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1.00,1023\n",
        [],
        "ledger.csv:row 2",
        "start_year 1023 must be within 1900..2200",
    ),
    (
        "start-year-after-the-row",
        None,
        HEADER.replace("\n", ",start_year\n") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1.00,2024\n",
        [],
        "ledger.csv:row 2",
        "year 2023 is before start_year 2024",
    ),
    (
        "amount-decimal-comma",
        None,
        ledger_row(amount='"1,50"'),
        [],
        "ledger.csv:row 2",
        "amount '1,50' is not a number",
    ),
    ("amount-comma-groups", None, ledger_row(amount='"12,34,567"'), [], "ledger.csv:row 2", "is not a number"),
    ("amount-comma-after-point", None, ledger_row(amount='"1.234,56"'), [], "ledger.csv:row 2", "is not a number"),
    ("nul-in-entity-id", None, ledger_row(entity_id="N\x001"), [], "ledger.csv:row 2", "entity_id 'N\\x001' contains"),
    ("escape-in-entity-id", None, ledger_row(entity_id="N\x1b[31m1"), [], "ledger.csv:row 2", "control character"),
    ("tab-in-origin", None, ledger_row(origin_area="nanning\tftz"), [], "ledger.csv:row 2", "origin_area"),
    ("bell-in-zone", None, ledger_row(zone="nanning_cdz\x07"), [], "ledger.csv:row 2", "zone 'nanning_cdz\\x07'"),
    ("nul-in-tax-type", None, ledger_row(tax_type="vat\x00"), [], "ledger.csv:row 2", "tax_type 'vat\\x00' contains"),
    ("c1-control-in-entity", None, ledger_row(entity_id="N\x851"), [], "ledger.csv:row 2", "control character"),
    (
        "control-in-entity-name",
        None,
        HEADER.replace("\n", ",企业名称\n") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1.00,南宁\x00公司\n",
        [],
        "ledger.csv:row 2",
        "企业名称 '南宁\\x00公司' contains a control character",
    ),
    (
        "newline-in-quoted-entity",
        None,
        ledger_row() + 'N1,nanning_ftz,nanning_cdz,2023,2,vat,1.00\n"N\n1",nanning_ftz,nanning_cdz,2023,3,vat,1.00\n',
        [],
        "ledger.csv:row 4",
        "entity_id 'N\\n1' contains a control character",
    ),
    (
        "central-above-amount",
        None,
        HEADER.replace("\n", ",central\n") + "N1,nanning_ftz,nanning_cdz,2023,1,vat,100.00,150.00\n",
        [],
        "ledger.csv:row 2",
        "must have the sign",
    ),
    (
        "start-year-conflict",
        None,
        HEADER.replace("\n", ",start_year\n")
        + "Q1,qinzhou_ftz,qinzhou_cdz,2023,1,vat,1.00,2022\nQ1,qinzhou_ftz,qinzhou_cdz,2024,1,vat,1.00,2023\n",
        [],
        "ledger.csv:row 2",
        "conflicting start_year",
    ),
    ("base-year-missing", None, ledger_row(), [], "ledger.csv", "base year 2022"),
    ("ledger-utf16", None, ledger_row().encode("utf-16"), [], "ledger.csv", "encoding"),
    (
        "ledger-long-row",
        None,
        HEADER + "N1,nanning_ftz,nanning_cdz,2023,1,vat,1.00,extra,more\n",
        [],
        "ledger.csv:row 2",
        "number of fields",
    ),
    (
        "ledger-short-row",
        None,
        ledger_row() + "N1,nanning_ftz,nanning_cdz,2023,1,vat\n",
        [],
        "ledger.csv:row 3",
        "number of fields",
    ),
    ("ledger-bad-suffix", None, None, ["--ledger-name", "ledger.txt"], "ledger.txt", "unsupported file type"),
    ("xlsx-corrupt", None, b"this is not a zip file", ["--ledger-name", "ledger.xlsx"], "ledger.xlsx", "XLSX"),
    ("xlsx-wrong-sheet", None, "xlsx", ["--sheet", "台账2023"], "ledger.xlsx", "no sheet 台账2023"),
    (
        "statistics-unknown-indicator",
        None,
        None,
        ["--statistics-text", "origin_area,zone,year,indicator,value\nnanning_ftz,nanning_cdz,2023,gdp,1\n"],
        "stats.csv:row 2",
        "unknown indicator",
    ),
    (
        "statistics-control-character",
        None,
        None,
        [
            "--statistics-text",
            "entity_id,origin_area,zone,year,indicator,value\nN\x001,nanning_ftz,nanning_cdz,2023,output,1\n",
        ],
        "stats.csv:row 2",
        "entity_id 'N\\x001' contains a control character",
    ),
    (
        "statistics-fractional-count",
        None,
        None,
        ["--statistics-text", "origin_area,zone,year,indicator,value\nnanning_ftz,nanning_cdz,2023,employment,1.5\n"],
        "stats.csv:row 2",
        "whole number",
    ),
]


def _prepare(tmp_path: Path, scenario, ledger, extra):
    scenario_path = tmp_path / "scenario.yaml"
    if scenario is None:
        scenario_path.write_text(yaml.safe_dump(SCENARIO, allow_unicode=True), encoding="utf-8")
    elif isinstance(scenario, dict):
        scenario_path.write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    else:
        scenario_path.write_text(scenario, encoding="utf-8")
    extra = list(extra)
    ledger_name = "ledger.csv"
    if "--ledger-name" in extra:
        i = extra.index("--ledger-name")
        ledger_name = extra[i + 1]
        del extra[i : i + 2]
    ledger_path = tmp_path / ledger_name
    if ledger == "xlsx":
        import openpyxl

        ledger_path = tmp_path / "ledger.xlsx"
        book = openpyxl.Workbook()
        book.active.title = "台账"
        book.active.append(HEADER.strip().split(","))
        book.save(ledger_path)
    elif isinstance(ledger, bytes):
        ledger_path.write_bytes(ledger)
    else:
        ledger_path.write_text(LEDGER if ledger is None else ledger, encoding="utf-8")
    if "--statistics-text" in extra:
        i = extra.index("--statistics-text")
        (tmp_path / "stats.csv").write_text(extra[i + 1], encoding="utf-8")
        extra[i : i + 2] = ["--statistics", str(tmp_path / "stats.csv")]
    return scenario_path, ledger_path, extra


@pytest.mark.parametrize(("case", "scenario", "ledger", "extra", "where", "words"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    tmp_path, capsys, case, scenario, ledger, extra, where, words
):
    scenario_path, ledger_path, extra = _prepare(tmp_path, scenario, ledger, extra)
    out = tmp_path / "out"
    code = main(["settle", str(scenario_path), "--ledger", str(ledger_path), "--out", str(out), *extra])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"error: {tmp_path}/{where}"), lines[0]
    assert words in lines[0], lines[0]
    assert " / " in lines[0] or lines[0].isascii()  # Chinese, then English
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if ".partial-" in p.name]


def test_error_leaves_an_existing_output_folder_untouched(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "allocation.csv").write_text("last year's run\n")
    bad = tmp_path / "ledger.csv"
    bad.write_text(ledger_row(amount="1.001"), encoding="utf-8")
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(SCENARIO, allow_unicode=True), encoding="utf-8")
    assert main(["settle", str(scenario), "--ledger", str(bad), "--out", str(out)]) == 2
    assert [p.name for p in out.iterdir()] == ["allocation.csv"]
    assert (out / "allocation.csv").read_text() == "last year's run\n"


def test_output_path_that_is_a_file(tmp_path, capsys):
    target = tmp_path / "out"
    target.write_text("x")
    code = main(
        ["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(EXAMPLE / "ledger.csv"), "--out", str(target)]
    )
    assert code == 2 and "not a folder" in capsys.readouterr().err
    assert target.read_text() == "x"


def test_oversized_ledger_is_refused_before_reading(tmp_path, capsys):
    from sim.records.tabular import MAX_TABLE_BYTES

    big = tmp_path / "ledger.csv"
    with big.open("wb") as handle:  # sparse: costs no disk
        handle.truncate(MAX_TABLE_BYTES + 1)
    code = main(["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(big), "--out", str(tmp_path / "o")])
    assert code == 2 and "too large" in capsys.readouterr().err


def test_missing_files_name_themselves(tmp_path, capsys):
    code = main(["settle", str(tmp_path / "nope.yaml"), "--ledger", "x.csv", "--out", str(tmp_path / "o")])
    assert code == 2 and capsys.readouterr().err.strip() == f"error: {tmp_path}/nope.yaml: 文件不存在 / file not found"


def test_real_process_exit_code_and_no_traceback(tmp_path):
    bad = tmp_path / "ledger.csv"
    bad.write_text(ledger_row(amount="abc"), encoding="utf-8")
    for argv in (
        ["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(bad), "--out", str(tmp_path / "o")],
        ["settle", str(EXAMPLE / "guangxi_example.yaml")],  # usage error: --ledger and --out missing
        ["validate", str(tmp_path / "missing.yaml")],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "analysis.cli", *argv],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        assert done.returncode == 2, done
        assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_validate_reports_ok_and_errors(tmp_path, capsys):
    assert main(["validate", str(EXAMPLE / "guangxi_example.yaml")]) == 0
    assert "3 agreements" in capsys.readouterr().out
    bad = tmp_path / "s.yaml"
    bad.write_text(yaml.safe_dump(scenario_with(_set(["horizon", "years"], 0)), allow_unicode=True), encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    assert "horizon.years" in capsys.readouterr().err


def _settle_files(tmp_path: Path, ledger: Path, out: str) -> dict[str, bytes]:
    target = tmp_path / out
    assert main(["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(ledger), "--out", str(target)]) == 0
    return {p.name: p.read_bytes() for p in target.iterdir() if p.name not in ("summary.json", "allocation.xlsx")}


def _refused(capsys, ledger: Path, where: str, words: str, *extra: str) -> None:
    out = ledger.parent / "out"
    code = main(["settle", str(EXAMPLE / "guangxi_example.yaml"), "--ledger", str(ledger), "--out", str(out), *extra])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: {ledger}{where}"), lines[0]
    assert words in lines[0], lines[0]
    assert not out.exists()


def test_old_mac_line_endings_read_as_lines(tmp_path):
    # Excel for Mac (before 2016) and some exports end lines with a bare CR: the same rows, the same result
    lf = tmp_path / "lf.csv"
    lf.write_bytes(LEDGER.encode())
    cr = tmp_path / "cr.csv"
    cr.write_bytes(LEDGER.replace("\n", "\r").encode())
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(LEDGER.replace("\n", "\r", 5).replace("\n", "\r\n").encode("gbk"))
    reference = _settle_files(tmp_path, lf, "lf")
    assert _settle_files(tmp_path, cr, "cr") == reference
    assert _settle_files(tmp_path, mixed, "mixed") == reference


def test_old_mac_line_endings_keep_row_numbers(tmp_path, capsys):
    bad = tmp_path / "ledger.csv"
    bad.write_bytes(LEDGER.replace("400000.00", "4O0000.00").replace("\n", "\r").encode())
    _refused(capsys, bad, ":row 2:", "not a number")


def test_quoted_cell_beyond_the_csv_module_limit(tmp_path, capsys):
    bad = tmp_path / "ledger.csv"
    bad.write_text(ledger_row() + f'"{"N" * 200_000}",nanning_ftz,nanning_cdz,2023,1,vat,1.00\n', encoding="utf-8")
    _refused(capsys, bad, ":row 3:", "a cell is longer than 131072 characters")


def test_a_100_mb_header_line_is_refused_without_reading_it_as_columns(tmp_path, capsys):
    bad = tmp_path / "ledger.csv"
    with bad.open("wb") as handle:
        for _ in range(100):
            handle.write(b"entity_id," * 100_000)  # 1 MB a time: 100 MB, ten million column names
        handle.write(b"amount\nN1,1\n")
    _refused(capsys, bad, ":row 1:", "header line is longer than 65536 characters")


def test_a_huge_data_line_is_refused_naming_its_row(tmp_path, capsys):
    bad = tmp_path / "ledger.csv"
    bad.write_text(ledger_row() + "N1,nanning_ftz,nanning_cdz,2023,1,vat," + "1" * 300_000 + "\n", encoding="utf-8")
    _refused(capsys, bad, ":row 3:", "a row is longer than 262144 bytes")


def test_duplicate_rows_are_summed_and_counted(tmp_path, capsys):
    import json

    rows = LEDGER.splitlines()
    assert rows[2].endswith(",2022,,cit,250000.00,,") and rows[3].endswith(",2023,6,vat,250000.00,,")
    doubled = tmp_path / "doubled.csv"  # row 3 twice more, row 4 once more: same entity, origin, zone, period, tax
    doubled.write_text("\n".join([*rows, rows[2], rows[2], rows[3]]) + "\n", encoding="utf-8")
    merged = tmp_path / "merged.csv"  # the same amounts, one row each
    rows[2], rows[3] = rows[2].replace("250000.00", "750000.00"), rows[3].replace("250000.00", "500000.00")
    merged.write_text("\n".join(rows) + "\n", encoding="utf-8")
    scenario = str(EXAMPLE / "guangxi_example.yaml")
    for ledger, duplicates in ((doubled, 3), (merged, 0)):
        out = tmp_path / f"out-{ledger.stem}"
        assert main(["settle", scenario, "--ledger", str(ledger), "--out", str(out)]) == 0
        assert ("(3 duplicate rows summed)" in capsys.readouterr().out) == bool(duplicates)
        assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["duplicate_rows"] == duplicates
    for name in ("allocation.csv", "allocation_by_entity.csv"):
        assert (tmp_path / "out-doubled" / name).read_bytes() == (tmp_path / "out-merged" / name).read_bytes()


# XLSX built at run time: a real workbook from openpyxl, then its sheet XML or zip directory rewritten.
_SHEET = "xl/worksheets/sheet1.xml"


def _workbook(path: Path, rows: list[list] | None = None) -> Path:
    import csv
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for row in rows if rows is not None else list(csv.reader(io.StringIO(LEDGER))):
        book.active.append([None if v == "" else v for v in row])
    book.save(path)
    return path


def _rezip(path: Path, change) -> Path:
    """Rewrite one workbook's parts: `change(name, data)` returns the new bytes (or None to keep them)."""
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts:
            new = change(name, data)
            target.writestr(name, data if new is None else new)
    return path


def _sheet(change):
    return lambda name, data: change(data.decode()).encode() if name == _SHEET else None


def _dimension(ref: str):
    import re

    return lambda xml: re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{ref}"', xml)


def test_xlsx_claiming_the_whole_sheet_reads_only_the_cells_it_has(tmp_path):
    # the declared dimension is a claim, not data: only the cells that are there are read
    claims = _rezip(_workbook(tmp_path / "claims.xlsx"), _sheet(_dimension("A1:XFD1048576")))
    assert claims.stat().st_size < 10_000
    plain = tmp_path / "plain.csv"
    plain.write_text(LEDGER, encoding="utf-8")
    assert _settle_files(tmp_path, claims, "x") == _settle_files(tmp_path, plain, "c")


def test_xlsx_with_a_value_far_right_of_the_header(tmp_path, capsys):
    # a 5 KB file claiming A1:XFD1048576 with a value in XFD1048576: openpyxl padded each of the million rows
    # before it to 16,384 columns (MemoryError); now refused in a second, naming the cell
    far = '<row r="1048576"><c r="XFD1048576" t="n"><v>1</v></c></row></sheetData>'
    bad = _rezip(
        _workbook(tmp_path / "far.xlsx"),
        _sheet(lambda xml: _dimension("A1:XFD1048576")(xml).replace("</sheetData>", far)),
    )
    _refused(capsys, bad, ":row 1048576:", "column 16384 has no header")


def test_xlsx_of_empty_far_right_cells_exceeds_the_cell_budget(tmp_path, capsys):
    from sim.records.tabular import MAX_XLSX_FILLED

    rows = "".join(f'<row r="{r}"><c r="XFD{r}"/></row>' for r in range(30, 30 + MAX_XLSX_FILLED // 16_384 + 10))
    bad = _rezip(
        _workbook(tmp_path / "wide.xlsx"), _sheet(lambda xml: xml.replace("</sheetData>", rows + "</sheetData>"))
    )
    _refused(capsys, bad, ":row ", f"more than {MAX_XLSX_FILLED} cells")


def test_xlsx_row_with_more_cells_than_excel_allows(tmp_path, capsys):
    row = '<row r="40">' + "<c/>" * 16_385 + "</row></sheetData>"
    bad = _rezip(_workbook(tmp_path / "row.xlsx"), _sheet(lambda xml: xml.replace("</sheetData>", row)))
    _refused(capsys, bad, ":row 40:", "more than 16384 cells")


def test_xlsx_with_more_cells_than_the_budget(tmp_path, capsys, monkeypatch):
    from sim.records import tabular

    monkeypatch.setattr(tabular, "MAX_XLSX_CELLS", 100)  # the example has 27 rows × 9 columns
    _refused(capsys, _workbook(tmp_path / "cells.xlsx"), ":row ", "more than 100 cells")


def test_xlsx_element_with_more_children_than_a_workbook_has(tmp_path, capsys):
    # openpyxl parses <mergeCells> whole: 70,000 children would be 70,000 objects (a hostile file: millions)
    merged = "<mergeCells>" + "".join(f'<mergeCell ref="A{i}:B{i}"/>' for i in range(100, 70_100)) + "</mergeCells>"
    bad = _rezip(
        _workbook(tmp_path / "merged.xlsx"), _sheet(lambda xml: xml.replace("</sheetData>", "</sheetData>" + merged))
    )
    _refused(capsys, bad, ":", "XML too large")


def test_xlsx_rows_out_of_order(tmp_path, capsys):
    # openpyxl would silently drop a row numbered below the one before it
    bad = _rezip(
        _workbook(tmp_path / "order.xlsx"),
        _sheet(lambda xml: xml.replace("</sheetData>", '<row r="5"><c r="A5" t="n"><v>1</v></c></row></sheetData>')),
    )
    _refused(capsys, bad, ":row 5:", "out of order")


def test_xlsx_zip_bomb_by_ratio(tmp_path, capsys):
    padded = _sheet(lambda xml: xml.replace("</worksheet>", " " * 30_000_000 + "</worksheet>"))
    bad = _rezip(_workbook(tmp_path / "bomb.xlsx"), padded)
    assert bad.stat().st_size < 200_000
    _refused(capsys, bad, ":", "a zip bomb?")


def _declare_size(path: Path, part: str, size: int) -> Path:
    """Patch the uncompressed size the zip's central directory declares for one part."""
    import struct

    data = bytearray(path.read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == part.encode():
            struct.pack_into("<L", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 46)
    path.write_bytes(bytes(data))
    return path


def test_xlsx_declaring_a_huge_inflated_size(tmp_path, capsys):
    bad = _declare_size(_workbook(tmp_path / "claims.xlsx"), _SHEET, 4_000_000_000)
    _refused(capsys, bad, ":", "inflates to")


def test_xlsx_inflating_beyond_its_declared_size(tmp_path, capsys):
    # zipfile stops at the declared size and fails the checksum: the part cannot inflate further
    bad = _declare_size(_workbook(tmp_path / "lies.xlsx"), _SHEET, 100)
    _refused(capsys, bad, ":", "not a valid XLSX workbook")


def test_xlsx_with_xml_entities(tmp_path, capsys):
    laughs = '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
    bad = _rezip(
        _workbook(tmp_path / "laughs.xlsx"), _sheet(lambda xml: laughs + xml.replace("<v>1</v>", "<v>&b;</v>"))
    )
    _refused(capsys, bad, ":", "DTD")


def test_xlsx_with_too_many_parts(tmp_path, capsys):
    from sim.records.tabular import MAX_XLSX_PARTS

    many = _workbook(tmp_path / "many.xlsx")
    import zipfile

    with zipfile.ZipFile(many, "a") as archive:
        for i in range(MAX_XLSX_PARTS):
            archive.writestr(f"x/{i}", b"")
    _refused(capsys, many, ":", "too many parts")


def _run_folder(tmp_path: Path, summary: str | None) -> Path:
    folder = tmp_path / "run"
    folder.mkdir()
    if summary is not None:
        (folder / "summary.json").write_text(summary, encoding="utf-8")
    return folder


NANNING = str(Path(__file__).resolve().parents[1] / "scenarios" / "guangxi" / "nanning.yaml")
DESIGN = str(Path(__file__).resolve().parents[1] / "scenarios" / "designs" / "d1_50_50.yaml")
EXPLAIN = ["--agreement", "nanning", "--year", "2023", "--tax", "vat"]

# (id, argv given tmp_path, expected "file:where" after "error: " given tmp_path, expected words)
CLI_CASES = [
    ("run-negative-seed", lambda t: ["run", NANNING, "--seed", "-1"], "command line:--seed", "seed '-1'"),
    ("run-fractional-seed", lambda t: ["run", NANNING, "--seed", "1.5"], "command line:--seed", "whole number"),
    (
        "run-seed-too-big",
        lambda t: ["run", NANNING, "--seed", str(2**64)],
        "command line:--seed",
        "0..9223372036854775807",
    ),
    ("run-word-seed", lambda t: ["run", NANNING, "--seed", "abc"], "command line:--seed", "seed 'abc'"),
    (
        "run-replications-over-limit",
        lambda t: ["run", NANNING, "--replications", "1001"],
        "command line:--replications",
        "limit of 1000",
    ),
    ("run-workers-over-limit", lambda t: ["run", NANNING, "--workers", "33"], "command line:--workers", "limit of 32"),
    (
        "compare-simulated-years-over-limit",
        lambda t: ["compare", NANNING, DESIGN, "--replications", "600"],
        "command line:--replications",
        "600 replications × 20 years = 12000 simulated years",
    ),
    ("compare-seed-negative", lambda t: ["compare", NANNING, DESIGN, "--seed", "-5"], "command line:--seed", "seed"),
    ("compare-same-file-twice", lambda t: ["compare", NANNING, NANNING], NANNING, "listed twice"),
    (
        "compare-same-file-by-another-path",
        lambda t: ["compare", NANNING, str(Path(NANNING).parent / ".." / "guangxi" / "nanning.yaml")],
        str(Path(NANNING).parent / ".." / "guangxi" / "nanning.yaml"),
        "listed twice",
    ),
    ("compare-same-name", "same-name", "{t}/b/nanning.yaml", "same name (nanning) as"),
    ("discount-rate-negative", lambda t: ["compare", NANNING, "--discount-rate", "-0.01"], "command line", "0..1"),
    ("discount-rate-nan", lambda t: ["compare", NANNING, "--discount-rate", "nan"], "command line", "'nan'"),
    ("discount-rate-inf", lambda t: ["compare", NANNING, "--discount-rate", "inf"], "command line", "'inf'"),
    ("discount-rate-percent", lambda t: ["compare", NANNING, "--discount-rate", "3"], "command line", "0.03 is 3%"),
    (
        "discount-rate-word",
        lambda t: ["compare", NANNING, "--discount-rate", "x"],
        "command line:--discount-rate",
        "'x'",
    ),
    ("explain-summary-missing", None, "{t}/run/summary.json", "file not found"),
    ("explain-summary-not-json", "{not json", "{t}/run/summary.json", "not valid JSON"),
    ("explain-summary-deep", "[" * 100_000, "{t}/run/summary.json", "not valid JSON"),
    ("explain-summary-list", '["revoked"]', "{t}/run/summary.json", "must be a JSON object"),
    ("explain-revoked-list", '{"revoked": ["nanning"]}', "{t}/run/summary.json:revoked", "expected a mapping"),
    ("explain-revoked-text-year", '{"revoked": {"nanning": "2024"}}', "{t}/run/summary.json:revoked.nanning", "whole"),
    ("explain-revoked-float-year", '{"revoked": {"nanning": 2024.5}}', "{t}/run/summary.json:revoked.nanning", "whole"),
    ("explain-revoked-bool-year", '{"revoked": {"nanning": true}}', "{t}/run/summary.json:revoked.nanning", "whole"),
    ("explain-revoked-year-outside", '{"revoked": {"nanning": 1999}}', "{t}/run/summary.json:revoked.nanning", "1999"),
    ("explain-revoked-unknown", '{"revoked": {"beihai": 2024}}', "{t}/run/summary.json:revoked", "'beihai'"),
]


def _cli_argv(tmp_path: Path, argv) -> list[str]:
    if callable(argv):
        return argv(tmp_path)
    if argv == "same-name":
        for folder in ("a", "b"):
            (tmp_path / folder).mkdir()
            (tmp_path / folder / "nanning.yaml").write_bytes(Path(NANNING).read_bytes())
        return ["compare", str(tmp_path / "a" / "nanning.yaml"), str(tmp_path / "b" / "nanning.yaml")]
    run = _run_folder(tmp_path, argv)
    return ["explain", str(EXAMPLE / "guangxi_example.yaml"), "--run", str(run), *EXPLAIN]


@pytest.mark.parametrize(("case", "argv", "where", "words"), CLI_CASES, ids=[c[0] for c in CLI_CASES])
def test_bad_command_line_exits_2_with_one_line(tmp_path, capsys, case, argv, where, words):
    argv = _cli_argv(tmp_path, argv)
    out = tmp_path / "out"
    if argv[0] != "explain":
        argv += ["--out", str(out)]
    code = main(argv)
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    assert lines[0].startswith(f"error: {where.format(t=tmp_path)}:"), lines[0]
    assert words in lines[0], lines[0]
    assert " / " in lines[0]  # Chinese, then English
    assert not out.exists()
