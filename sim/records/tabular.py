"""Read a CSV or XLSX table into text columns named by our canonical ids.

What tax bureaus export varies: UTF-8, UTF-8 with BOM or GBK/GB18030; English or Chinese headers;
numbers typed as text or as spreadsheet numbers. This module absorbs that and nothing else: every
cell comes back as stripped text in an Arrow array (so later parsing runs in C++ kernels, a million
rows in well under a second), and rows keep the number a person sees in Excel (header = row 1).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sim.errors import InputError, suggestion

MAX_TABLE_BYTES = 1 << 30  # 1 GiB: ten million ledger rows; beyond that the file is not a ledger
_BOM = b"\xef\xbb\xbf"


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
    """Text columns (Arrow string arrays) by canonical id, and the spreadsheet row number of each row."""

    file: str
    columns: dict[str, pa.Array]
    row_numbers: np.ndarray

    def __len__(self) -> int:
        return len(self.row_numbers)

    def error(self, position: int, key: str, **params: object) -> InputError:
        return InputError(self.file, f"row {int(self.row_numbers[position])}", key, **params)


def first(mask: pa.Array) -> int | None:
    """Position of the first true value of a boolean Arrow array, or None."""
    hits = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    return int(hits[0]) if len(hits) else None


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
        header, body, rows = _read_csv(path, name)
    elif suffix == ".xlsx":
        header, body, rows = _read_xlsx(path, name, sheet)
    else:
        raise InputError(name, None, "file_format", suffix=suffix or "(none)")
    return _name_columns(name, header, body, rows, spec)


def _utf8(raw: bytes, name: str) -> tuple[str, bytes]:
    """The text, and its UTF-8 bytes without BOM (what the Arrow reader takes)."""
    try:
        text = raw.decode("utf-8-sig")
        return text, raw[len(_BOM) :] if raw.startswith(_BOM) else raw
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(name, None, "encoding") from None
    return text, text.encode("utf-8")


def _read_csv(path: Path, name: str) -> tuple[list[str], list[pa.Array], np.ndarray]:
    text, data = _utf8(path.read_bytes(), name)
    header = next(csv.reader([text.split("\n", 1)[0]]), [])
    if not any(h.strip() for h in header):
        raise InputError(name, None, "file_empty")
    rows = _data_row_numbers(text, data, len(header), name)
    names = [str(i) for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        raise InputError(name, None, "csv_malformed", detail=str(exc).strip().splitlines()[0]) from None
    body = [pc.utf8_trim_whitespace(table.column(n).combine_chunks()) for n in names]
    return header, body, rows


def _data_row_numbers(text: str, data: bytes, width: int, name: str) -> np.ndarray:
    """Row numbers (header = 1) of the non-empty rows; a row whose field count differs is refused.

    Without quotes, rows are lines: newlines and commas are counted in one vectorised pass. With
    quotes (fields may hold commas or newlines) the csv module counts records instead.
    """
    if b'"' not in data:
        raw = np.frombuffer(data, np.uint8)
        newlines = np.flatnonzero(raw == 10)
        starts = np.concatenate([[0], newlines + 1])
        ends = np.concatenate([newlines, [len(raw)]])
        lengths = ends - starts - (raw[np.maximum(ends - 1, 0)] == 13) * (ends > starts)
        fields = np.bincount(np.searchsorted(newlines, np.flatnonzero(raw == 44)), minlength=len(starts)) + 1
        empty = lengths == 0
    else:
        records = list(csv.reader(io.StringIO(text)))
        fields = np.array([len(r) for r in records], np.int64)
        empty = fields == 0
    fields, empty = fields[1:], empty[1:]
    ragged = np.flatnonzero(~empty & (fields != width))
    if len(ragged):
        raise InputError(name, f"row {int(ragged[0]) + 2}", "csv_fields", expected=width)
    return np.flatnonzero(~empty) + 2


def _read_xlsx(path: Path, name: str, sheet: str | None) -> tuple[list[str], list[pa.Array], np.ndarray]:
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
    padded = [(row + [""] * width)[:width] for row in values[1:]]
    body = [pa.array([row[j] for row in padded], pa.string()) for j in range(width)]
    return header, body, np.arange(len(padded)) + 2


def _cell_text(value: object) -> str:
    """A spreadsheet cell as the text Excel shows: 15 significant digits, no float artefacts."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    return str(value).strip()


def _name_columns(name: str, header: list[str], body: list[pa.Array], rows: np.ndarray, spec: Columns) -> Table:
    lookup = spec.lookup()
    ignored = {_normal(h) for h in spec.ignored}
    columns: dict[str, pa.Array] = {}
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
        columns[canonical] = body[index]
    for canonical in spec.required:
        if canonical not in columns:
            raise InputError(name, "row 1", "column_missing", column=canonical)
    # rows with every cell blank (",,,,") are skipped; the others keep the numbers a person sees
    filled = np.zeros(len(rows), bool)
    for array in columns.values():
        filled |= pc.not_equal(array, "").to_numpy(zero_copy_only=False)
    if not filled.any():
        raise InputError(name, None, "no_rows")
    if not filled.all():
        keep = pa.array(filled)
        columns = {k: v.filter(keep) for k, v in columns.items()}
        rows = rows[filled]
    return Table(name, columns, rows)
