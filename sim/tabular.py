"""Read a CSV or XLSX table into text columns named by our canonical ids.

What tax bureaus export varies: UTF-8, UTF-8 with BOM or GBK/GB18030; English or Chinese headers;
numbers typed as text or as spreadsheet numbers. This module absorbs that and nothing else: every
cell comes back as stripped text, rows keep the number a person sees in Excel (header = row 1).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import InputError, suggestion

MAX_TABLE_BYTES = 1 << 30  # 1 GiB: ten million ledger rows; beyond that the file is not a ledger


@dataclass(frozen=True)
class Columns:
    """Canonical column ids and the header spellings accepted for each."""

    required: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]]
    ignored: tuple[str, ...] = ("entity_name", "企业名称", "note", "备注")

    def lookup(self) -> dict[str, str]:
        table = {}
        for canonical, aliases in {**self.required, **self.optional}.items():
            for alias in (canonical, *aliases):
                table[_normal(alias)] = canonical
        return table


@dataclass(frozen=True)
class Table:
    """Text columns by canonical id, and the spreadsheet row number of each data row."""

    file: str
    columns: dict[str, pd.Series]
    row_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.row_numbers)

    def error(self, position: int, key: str, **params: object) -> InputError:
        return InputError(self.file, f"row {int(self.row_numbers[position])}", key, **params)


def _normal(header: str) -> str:
    return header.strip().lstrip("\ufeff").lower().replace(" ", "_")


def read_table(path: str | Path, spec: Columns, sheet: str | None = None) -> Table:
    path = Path(path)
    name = str(path)
    if not path.is_file():
        raise InputError(name, None, "file_missing")
    size = path.stat().st_size
    if size > MAX_TABLE_BYTES:
        raise InputError(name, None, "file_too_large", size=size, limit=MAX_TABLE_BYTES)
    if size == 0:
        raise InputError(name, None, "file_empty")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        header, body = _read_csv(path, name)
    elif suffix == ".xlsx":
        header, body = _read_xlsx(path, name, sheet)
    else:
        raise InputError(name, None, "file_format", suffix=suffix or "(none)")
    return _name_columns(name, header, body, spec)


def _decode(raw: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(name, None, "encoding")


def _read_csv(path: Path, name: str) -> tuple[list[str], pd.DataFrame]:
    text = _decode(path.read_bytes(), name)
    first_line = text.split("\n", 1)[0]
    header = next(csv.reader([first_line]), [])
    if not any(h.strip() for h in header):
        raise InputError(name, None, "file_empty")
    width = len(header)
    _check_field_counts(text, width, name)
    try:
        body = pd.read_csv(
            io.StringIO(text),
            header=None,
            skiprows=1,
            names=range(width),
            dtype=str,
            keep_default_na=False,
            index_col=False,
            skip_blank_lines=False,
            engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(name, None, "csv_malformed", detail=str(exc).strip()) from None
    return header, body.fillna("")


def _check_field_counts(text: str, width: int, name: str) -> None:
    """Every non-blank row has as many fields as the header; pandas would pad or shift them silently."""
    if '"' not in text:
        lines = pd.Series(text.split("\n")[1:])
        counts = (lines.str.count(",") + 1).to_numpy()
        blank = (lines.str.strip() == "").to_numpy()
    else:
        records = list(csv.reader(io.StringIO(text)))[1:]
        counts = np.array([len(r) for r in records], np.int64)
        blank = np.array([not any(field.strip() for field in r) for r in records], bool)
    ragged = np.flatnonzero(~blank & (counts != width))
    if len(ragged):
        raise InputError(name, f"row {int(ragged[0]) + 2}", "csv_fields", expected=width)


def _read_xlsx(path: Path, name: str, sheet: str | None) -> tuple[list[str], pd.DataFrame]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(name, None, "xlsx_malformed", detail=type(exc).__name__) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise InputError(name, None, "sheet_missing", sheet=sheet, sheets=", ".join(book.sheetnames))
        rows = book[sheet] if sheet is not None else book.worksheets[0]
        values = [[_cell_text(v) for v in row] for row in rows.iter_rows(values_only=True)]
    finally:
        book.close()
    if not values or not any(values[0]):
        raise InputError(name, None, "file_empty")
    header = values[0]
    while header and header[-1] == "":
        header = header[:-1]
    width = len(header)
    body = pd.DataFrame([(row + [""] * width)[:width] for row in values[1:]], columns=range(width), dtype=str)
    return header, body


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text Excel shows: 15 significant digits, no float artefacts."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    return str(value).strip()


def _name_columns(name: str, header: list[str], body: pd.DataFrame, spec: Columns) -> Table:
    lookup = spec.lookup()
    ignored = {_normal(h) for h in spec.ignored}
    columns: dict[str, pd.Series] = {}
    for index, raw in enumerate(header):
        if not raw.strip():
            raise InputError(name, "row 1", "blank_header", index=index + 1)
        key = _normal(raw)
        if key in ignored:
            continue
        if key not in lookup:
            known = [c for c in lookup if c.isascii()] + [a for al in spec.required.values() for a in al]
            raise InputError(name, "row 1", "column_unknown", column=raw.strip(), **suggestion(key, known))
        canonical = lookup[key]
        if canonical in columns:
            raise InputError(name, "row 1", "column_duplicate", column=canonical)
        columns[canonical] = body[index].astype(str).str.strip()
    for canonical in spec.required:
        if canonical not in columns:
            raise InputError(name, "row 1", "column_missing", column=canonical)
    # fully blank lines are skipped, but rows keep the numbers a person sees in the file
    filled = np.zeros(len(body), dtype=bool)
    for series in columns.values():
        filled |= (series != "").to_numpy()
    keep = np.flatnonzero(filled)
    if len(keep) == 0:
        raise InputError(name, None, "no_rows")
    columns = {k: v.iloc[keep].reset_index(drop=True) for k, v in columns.items()}
    return Table(name, columns, keep + 2)
