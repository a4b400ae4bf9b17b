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


def test_more_than_twenty_distinct_classes():
    assert len({c[0] for c in CASES}) >= 20


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
