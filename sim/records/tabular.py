"""Read a CSV or XLSX table into text columns named by our canonical ids.

What tax bureaus export varies: UTF-8, UTF-8 with BOM or GBK/GB18030; English or Chinese headers;
numbers typed as text or as spreadsheet numbers; Unix, Windows or old-Mac line endings. This module
absorbs that and nothing else: every cell comes back as stripped text in an Arrow array (so later
parsing runs in C++ kernels, a million rows in well under a second), and rows keep the number a person
sees in Excel (header = row 1).

Files come from outside, so every size is bounded before it can cost memory: the file, the header line,
a line, a cell, and for XLSX (a zip of XML) the inflated size, the compression ratio, the zip directory,
and the shape of the XML itself (see `_check_xlsx`).
"""

from __future__ import annotations

import csv
import io
import struct
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sim.errors import InputError, suggestion

MAX_TABLE_BYTES = 1 << 30  # 1 GiB: ten million ledger rows; beyond that the file is not a ledger
_BOM = b"\xef\xbb\xbf"
# C0 and C1 control characters (NUL, tab, newline, ESC…), the Unicode line separators and the invisible
# format characters (zero-width space and joiners, BOM, direction marks): never part of an id or a name, where
# they would make two spellings of one entity that look the same, or break the one-line error and CSV output.
CONTROL = r"[\x00-\x1f\x7f-\x9f\x{2028}\x{2029}\x{200b}-\x{200f}\x{202a}-\x{202e}\x{2060}-\x{2064}\x{feff}]"

# CSV. A ledger row is about a hundred bytes; these bounds are far above any real export and far below
# what would cost memory (a 100 MB "header" of commas would otherwise become 50 million column names).
MAX_HEADER_CHARS = 64 << 10
MAX_LINE_BYTES = 256 << 10
_ARROW_BLOCK = 1 << 20  # Arrow's default block size; a record longer than a block cannot be parsed

# XLSX. Excel itself stops at 1,048,576 rows × 16,384 columns. A ledger sheet of a million rows is about
# 350 MB of XML that deflates 10-15:1; a zip bomb deflates about 1000:1.
MAX_XLSX_INFLATED = 1 << 30  # declared uncompressed bytes of all parts together
MAX_XLSX_RATIO = 100  # uncompressed : compressed, for parts above _RATIO_FLOOR
_RATIO_FLOOR = 1 << 20  # a part under 1 MiB may compress as well as it likes: it cannot inflate far
MAX_XLSX_PARTS = 10_000
_MAX_ZIP_DIRECTORY = 4 << 20  # bytes of the zip's central directory (about 40,000 entries)
MAX_XLSX_ROWS = 1_048_576
MAX_XLSX_ROW_CELLS = 16_384
MAX_XLSX_CELLS = 20_000_000  # cells in the XML: openpyxl parses each in Python (a million take seconds)
# Empty cells openpyxl fills in left of a row's last cell (one at XFD makes 16,384): cheap, but not unbounded.
# 100 million is a million rows formatted out to column CV, or 6,000 rows reaching XFD.
MAX_XLSX_FILLED = 100_000_000
# openpyxl holds one row (or one shared string) as a tree while it reads it, and parses every other XML
# part or element whole: these bound what it can hold at once, whatever the file claims.
_XML_DEPTH = 64
_XML_CHILDREN = 65_536  # children of one element, besides rows of sheetData, cells of a row, strings of sst
_XML_SHARED_STRINGS = 4_194_304
_XML_CHUNK = 65_536  # elements in one row or one shared string
_XML_LOOSE = 1 << 20  # elements of a part outside its rows and shared strings


@dataclass(frozen=True)
class Columns:
    """Canonical column ids and the header spellings accepted for each."""

    required: dict[str, tuple[str, ...]]
    optional: dict[str, tuple[str, ...]]
    ignored: tuple[str, ...] = ("entity_name", "企业名称", "note", "备注")
    names: tuple[str, ...] = ("entity_name", "企业名称")  # ignored, but names: no control characters (notes may)

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


def _unix_newlines(text: str, data: bytes) -> tuple[str, bytes]:
    """Old Mac and some Excel exports end lines with a bare CR: read them as the lines a person sees.

    CRLF alone is left as it is (both readers take it); only a file with a bare CR is rewritten. A CR can
    never be part of a GBK/GB18030 or UTF-8 multi-byte character, and one inside a quoted cell becomes a
    newline, which the checks on ids refuse as they would the CR."""
    if b"\r" not in data or data.count(b"\r") == data.count(b"\r\n"):
        return text, data
    return (
        text.replace("\r\n", "\n").replace("\r", "\n"),
        data.replace(b"\r\n", b"\n").replace(b"\r", b"\n"),
    )


def _read_csv(path: Path, name: str) -> tuple[list[str], list[pa.Array], np.ndarray]:
    text, data = _unix_newlines(*_utf8(path.read_bytes(), name))
    end = text.find("\n", 0, MAX_HEADER_CHARS + 1)
    if end < 0 and len(text) > MAX_HEADER_CHARS:
        raise InputError(name, "row 1", "header_too_long", limit=MAX_HEADER_CHARS)
    try:
        header = next(csv.reader([text[:end] if end >= 0 else text]), [])
    except csv.Error as exc:
        raise InputError(name, "row 1", "csv_malformed", detail=str(exc)) from None
    if not any(h.strip() for h in header):
        raise InputError(name, None, "file_empty")
    rows = _data_row_numbers(text, data, len(header), name)
    names = [str(i) for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=_ARROW_BLOCK),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "straddl" in str(exc):  # one record longer than a block: only possible in a quoted file
            raise InputError(name, None, "row_too_long", limit=_ARROW_BLOCK) from None
        raise InputError(name, None, "csv_malformed", detail=str(exc).strip().splitlines()[0]) from None
    body = [pc.utf8_trim_whitespace(table.column(n).combine_chunks()) for n in names]
    return header, body, rows


def _data_row_numbers(text: str, data: bytes, width: int, name: str) -> np.ndarray:
    """Row numbers (header = 1) of the non-empty rows; a row whose field count differs is refused.

    Without quotes, rows are lines: newlines and commas are counted in one vectorised pass. With
    quotes (fields may hold commas or newlines) the csv module counts records instead, one at a time.
    """
    if b'"' not in data:
        raw = np.frombuffer(data, np.uint8)
        newlines = np.flatnonzero(raw == 10)
        starts = np.concatenate([[0], newlines + 1])
        ends = np.concatenate([newlines, [len(raw)]])
        lengths = ends - starts - (raw[np.maximum(ends - 1, 0)] == 13) * (ends > starts)
        longest = int(np.argmax(lengths))
        if lengths[longest] > MAX_LINE_BYTES:
            raise InputError(name, f"row {longest + 1}", "row_too_long", limit=MAX_LINE_BYTES)
        fields = np.bincount(np.searchsorted(newlines, np.flatnonzero(raw == 44)), minlength=len(starts)) + 1
        empty = lengths == 0
    else:
        counts: list[int] = []
        try:
            for record in csv.reader(io.StringIO(text)):
                counts.append(len(record))
        except csv.Error as exc:
            where = f"row {len(counts) + 1}"
            if "field limit" in str(exc):
                raise InputError(name, where, "cell_too_long", limit=csv.field_size_limit()) from None
            raise InputError(name, where, "csv_malformed", detail=str(exc)) from None
        fields = np.array(counts, np.int64)
        empty = fields == 0
    fields, empty = fields[1:], empty[1:]
    ragged = np.flatnonzero(~empty & (fields != width))
    if len(ragged):
        raise InputError(name, f"row {int(ragged[0]) + 2}", "csv_fields", expected=width)
    return np.flatnonzero(~empty) + 2


def _read_xlsx(path: Path, name: str, sheet: str | None) -> tuple[list[str], list[pa.Array], np.ndarray]:
    """The sheet's cells, read by openpyxl in streaming mode once `_check_xlsx` has bounded the file.

    The sheet's declared dimension is ignored (a 2 KB file may claim A1:XFD1048576): only cells that are
    there are read, and a value right of the last header is refused like a CSV row with too many fields."""
    import openpyxl

    _check_xlsx(path, name)
    try:
        with warnings.catch_warnings():  # openpyxl warns on stderr about styles and extensions it skips
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                if sheet is not None and sheet not in book.sheetnames:
                    raise InputError(name, None, "sheet_missing", sheet=sheet, sheets=", ".join(book.sheetnames))
                worksheet = book[sheet] if sheet is not None else book.worksheets[0]
                worksheet.reset_dimensions()
                return _sheet_columns(worksheet.iter_rows(min_row=1, min_col=1, values_only=True), name)
            finally:
                book.close()
    except InputError:
        raise
    except Exception as exc:  # whatever openpyxl raises on a broken part, the file is at fault, not us
        raise InputError(name, None, "xlsx_malformed", detail=type(exc).__name__) from None


def _sheet_columns(rows, name: str, chunk: int = 65_536) -> tuple[list[str], list[pa.Array], np.ndarray]:
    header: list[str] = []
    width = 0
    budget = MAX_XLSX_FILLED
    numbers: list[int] = []
    pending: list[list[str]] = []
    chunks: list[list[pa.Array]] = []
    for number, row in enumerate(rows, start=1):
        budget -= len(row)
        if budget < 0:
            raise InputError(name, f"row {number}", "xlsx_cells", limit=MAX_XLSX_FILLED)
        if number == 1:
            header = [_cell_text(v) for v in row]
            while header and header[-1] == "":
                header.pop()
            if not header:
                raise InputError(name, None, "file_empty")
            width = len(header)
            chunks = [[] for _ in range(width)]
            pending = [[] for _ in range(width)]
            continue
        if len(row) > width:
            tail = row[width:]
            if tail.count(None) != len(tail) and (hits := [i for i, v in enumerate(tail) if _cell_text(v)]):
                raise InputError(name, f"row {number}", "blank_header", index=width + hits[0] + 1)
        texts = [_cell_text(v) for v in row[:width]]
        if not any(texts):
            continue  # blank rows (and the gaps openpyxl fills in) cost nothing
        texts += [""] * (width - len(texts))
        numbers.append(number)
        for column, text in zip(pending, texts, strict=True):
            column.append(text)
        if len(pending[0]) >= chunk:
            for parts, column in zip(chunks, pending, strict=True):
                parts.append(pa.array(column, pa.string()))
            pending = [[] for _ in range(width)]
    if not header:
        raise InputError(name, None, "file_empty")
    body = [
        pa.concat_arrays([*parts, pa.array(column, pa.string())]) for parts, column in zip(chunks, pending, strict=True)
    ]
    return header, body, np.array(numbers, np.int64)


def _check_xlsx(path: Path, name: str) -> None:
    """Refuse a zip bomb or a hostile XML shape before openpyxl opens the file.

    Python's zipfile never inflates a part beyond its declared size (it stops and fails the CRC), so the
    declared sizes are the real bound; the ratio catches a small upload that would inflate a thousandfold.
    Then every XML part is streamed once through expat, holding nothing, to check what openpyxl would
    hold: rows in order and within Excel's limits, and no element with more children or depth than a
    workbook has. A DTD is refused outright (OOXML has none; entities are how XML inflates)."""
    directory = _zip_directory_size(path)
    if directory is not None and directory > _MAX_ZIP_DIRECTORY:
        raise InputError(name, None, "xlsx_parts", limit=MAX_XLSX_PARTS)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_XLSX_PARTS:
                raise InputError(name, None, "xlsx_parts", limit=MAX_XLSX_PARTS)
            inflated = sum(info.file_size for info in infos)
            if inflated > MAX_XLSX_INFLATED:
                raise InputError(name, None, "xlsx_inflated", size=inflated, limit=MAX_XLSX_INFLATED)
            for info in infos:
                if info.file_size > _RATIO_FLOOR and info.file_size > MAX_XLSX_RATIO * max(info.compress_size, 1):
                    ratio = info.file_size // max(info.compress_size, 1)
                    raise InputError(name, None, "xlsx_ratio", part=info.filename, ratio=ratio, limit=MAX_XLSX_RATIO)
            for info in infos:
                if info.file_size:
                    with archive.open(info) as stream:
                        _check_xml_part(stream, info.filename, name)
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError, RuntimeError, OSError) as exc:
        raise InputError(name, None, "xlsx_malformed", detail=type(exc).__name__) from None
    except (expat.ExpatError, ValueError, EOFError) as exc:
        raise InputError(name, None, "xlsx_malformed", detail=type(exc).__name__) from None


def _zip_directory_size(path: Path) -> int | None:
    """Bytes of the zip's central directory, as Python's zipfile will read it (zip64 included); None when
    there is no end record (zipfile then refuses the file itself). Read before zipfile builds one object
    per entry: a 1 GiB file of empty entries would be ten million of them."""
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - (22 + 65_535 + 20 + 56)))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    directory = struct.unpack("<L", tail[at + 12 : at + 16])[0]
    if at >= 76 and tail[at - 20 : at - 16] == b"PK\x06\x07" and tail[at - 76 : at - 72] == b"PK\x06\x06":
        directory = max(directory, struct.unpack("<q", tail[at - 36 : at - 28])[0])
    return directory


def _xml_like(stream) -> bool:
    head = stream.peek(8)[:8] if hasattr(stream, "peek") else b""
    head = head.removeprefix(_BOM).lstrip(b" \t\r\n")
    return head.startswith((b"<", b"\xff\xfe", b"\xfe\xff"))


def _check_xml_part(stream, part: str, name: str) -> None:
    """Stream one zip part through expat if it is XML, keeping only counters (see `_check_xlsx`).

    Inside a row (or a shared string), which openpyxl holds whole, only its elements and depth are counted,
    so the many cell events cost little; outside one, every element's children are counted."""
    if not _xml_like(stream):
        return  # images and other binary parts: openpyxl does not parse them in read-only mode
    parser = expat.ParserCreate(namespace_separator="}")
    names: list[str] = []  # local names of the open elements outside a row or shared string
    children: list[int] = []  # children seen so far, per open element outside a row or shared string
    inner = 0  # depth inside the row or shared string being read (1 = the row itself), 0 outside one
    in_row = False
    chunk_elements = loose = cells = row_cells = last_row = 0

    def too_big() -> InputError:
        return InputError(name, None, "xlsx_xml_limit", part=part)

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal inner, in_row, chunk_elements, loose, cells, row_cells, last_row
        if inner:
            inner += 1
            chunk_elements += 1
            if chunk_elements > _XML_CHUNK or inner + len(names) > _XML_DEPTH:
                raise too_big()
            if inner == 2 and in_row:  # openpyxl reads every child of a row as a cell
                cells += 1
                row_cells += 1
                if row_cells > MAX_XLSX_ROW_CELLS:
                    raise InputError(name, f"row {last_row}", "xlsx_row_cells", limit=MAX_XLSX_ROW_CELLS)
                if cells > MAX_XLSX_CELLS:
                    raise InputError(name, f"row {last_row}", "xlsx_cells", limit=MAX_XLSX_CELLS)
            return
        local = tag.rpartition("}")[2]
        parent = names[-1] if names else ""
        count = 0
        if children:
            children[-1] += 1
            count = children[-1]
        if parent == "sheetData" and local == "row":
            row = _row_number(attrs.get("r"), last_row + 1, name)
            if count > MAX_XLSX_ROWS or not last_row < row <= MAX_XLSX_ROWS:
                raise InputError(name, f"row {row}", "xlsx_row_order", previous=last_row, limit=MAX_XLSX_ROWS)
            last_row, row_cells = row, 0
            inner, in_row, chunk_elements = 1, True, 1
            return
        if parent == "sst" and local == "si":
            if count > _XML_SHARED_STRINGS:
                raise too_big()
            inner, in_row, chunk_elements = 1, False, 1
            return
        loose += 1
        if count > _XML_CHILDREN or loose > _XML_LOOSE or len(names) >= _XML_DEPTH:
            raise too_big()
        if local == "sheetData":
            last_row = 0
        names.append(local)
        children.append(0)

    def end(tag: str) -> None:
        nonlocal inner
        if inner:
            inner -= 1
        else:
            names.pop()
            children.pop()

    def doctype(*_: object) -> None:
        raise too_big()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    while block := stream.read(1 << 20):
        parser.Parse(block, False)
    parser.Parse(b"", True)


def _row_number(text: str | None, default: int, name: str) -> int:
    """A row's `r` as openpyxl reads it: an integer, or a float that is one."""
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if value.is_integer():
            return int(value)
        raise InputError(name, None, "xlsx_malformed", detail=f"row number {text[:20]!r}") from None


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
    names = {_normal(h) for h in spec.names}
    columns: dict[str, pa.Array] = {}
    for index, raw in enumerate(header):
        if not raw.strip():
            raise InputError(name, "row 1", "blank_header", index=index + 1)
        key = _normal(raw)
        if key in names and (bad := first(pc.match_substring_regex(body[index], CONTROL))) is not None:
            value = body[index][bad].as_py()
            raise InputError(name, f"row {int(rows[bad])}", "cell_control_character", field=raw.strip(), value=value)
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
