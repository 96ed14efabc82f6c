"""Readers: the bytes of an uploaded list become one polars frame of cell *text*, header found.

Pure Python + polars + fastexcel (calamine); no Django imports, limits come in as arguments.
:func:`read_upload` either returns a :class:`Sheet` or raises :class:`~cakupan.intake.schema.FileError`
(never anything else: parser errors, Rust panics and odd input all become ``FileError``).

Cell text rules (validators downstream rely on these exactly)
-------------------------------------------------------------
* Every cell becomes ``str`` or null. Empty cells, and cells holding the empty string, are null.
* Text cells: verbatim. Nothing is stripped, case is kept, a leading ``'`` stays (un-escaping our
  own formula-injection prefix is the validators' job, as is trimming).
* Numeric spreadsheet cells: a float cell is ``repr(float)``: ``7324011708800000.0``,
  ``2500000.0``, ``7.324011708800002e+16``, ``2500000.5``. XLSX and ODS have no integer cells, so
  every number there reads as a float: this is how a NIK that went through a number cell stays
  recognisable (``common.nik``: ``nik_excel_damaged``). An integer-typed cell (only XLS has them,
  and only when the column holds nothing but integers, see the quirks) is ``str(int)``.
* Date/datetime cells: ``YYYY-MM-DD`` when the time is 00:00:00, else ``YYYY-MM-DDTHH:MM:SS``
  (``.fff`` appended when there are milliseconds). The workbook's 1900/1904 date system is applied
  by calamine. Time-only and duration cells (``hh:mm``, ``[h]:mm``) come back from calamine as a
  datetime on Excel's epoch (``1899-12-31T12:00:00``); ODS time cells come back empty.
* Booleans: ``TRUE`` / ``FALSE``. Error cells (``#N/A``, ``#DIV/0!``...): the error text. fastexcel
  gives errors back as empty cells, so the text is taken from the sheet XML (XLSX) or the BIFF
  records (XLS) during the pre-flight; ODS stores errors as values, which calamine returns as such
  or empty.
* Formulas are not evaluated: calamine reads the value cached by the program that saved the file.
  A formula saved without a cached value (some generators do that) is an empty cell.
* CSV: every field is text exactly as in the file (after CSV unquoting); no type inference.

Which rows and columns
----------------------
* The header row is the first of the first ``header_search_rows`` non-empty rows in which at least
  two cells are recognised headers, one of them NIK or Nama (``headers.is_header_row``; with
  ``remembered``, the unit's own mapping counts: a column it mapped by hand is recognised, one it
  chose to ignore is not). Title rows
  above it ("DAFTAR PEGAWAI NON ASN ...", "TAHUN 2024", merged cells) are skipped.
* Rows below the header whose cells are all empty (or only whitespace) are dropped, and so is a
  numbering row directly under the header ("1 | 2 | 3 | 4": consecutive integers, also ``(1)``,
  ``1.``, ``1.0``). ``Sheet.row_numbers`` keeps the row number the operator sees: the Excel row
  number for workbooks, the 1-based record number for CSV (a quoted field spanning lines is one
  record, as in Excel).
* Columns with an empty header and no data are dropped. The remaining columns are named by their
  header text, made unique (``Nama``, ``Nama (2)``); a column with data but no header text is
  named ``Kolom C`` after its spreadsheet letter (CSV: its position as a letter).
* Workbooks: the sheet read is the first *visible* sheet (in workbook order) in which a header row
  is found, so a leading instructions/cover sheet is skipped. Hidden sheets are never read.

Type detection (by content, never by file name)
-----------------------------------------------
* Size over ``max_bytes``: ``TOO_LARGE``, before anything else; nothing but whitespace: ``EMPTY``.
* OLE2 magic ``D0 CF 11 E0 A1 B1 1A E1``: an encrypted OOXML package (``EncryptionInfo`` /
  ``EncryptedPackage`` streams) or an XLS with ``FILEPASS`` is ``ENCRYPTED``; an XLS with a VBA
  storage is ``MACRO_WORKBOOK``; a ``Workbook``/``Book`` stream makes it XLS; anything else
  (Word, Outlook...) is ``UNSUPPORTED_TYPE``.
* A zip (``PK``): XLSX when it has ``[Content_Types].xml`` and ``xl/workbook.xml``; macro-enabled
  or binary workbooks (``vbaProject.bin``, ``xl/workbook.bin``, ``macroEnabled`` / ``sheet.binary``
  content types) are ``MACRO_WORKBOOK``; ODS when its ``mimetype`` entry is
  ``application/vnd.oasis.opendocument.spreadsheet``; any other zip is ``UNSUPPORTED_TYPE``.
* Known binary formats (PDF, images, executables, archives), HTML/XML pages saved as ".xls", and
  bytes that are mostly control characters: ``UNSUPPORTED_TYPE``. Everything else is CSV.

CSV
---
Encoding: UTF-8 BOM -> ``utf-8-sig``; UTF-16 LE/BE BOM -> ``utf-16``; valid UTF-8 -> ``utf-8``;
otherwise ``cp1252`` if it decodes (callers should warn: the guess may be wrong), else
``ENCODING``. UTF-32 is refused (``ENCODING``). NUL characters: ``UNREADABLE``. Separator: ``,``
``;`` tab or ``|``, whichever occurs the same number of times (outside double quotes) in the most
records of the first 64 KB; ties go to the larger count, then to that order. Parsing is polars
(all columns String, no inference), with RFC 4180 quoting, embedded separators and newlines; a
synthetic first line gives the width, so records wider than the sample are not cut. CR-only line
ends are accepted.

Limits and safety (SECURITY.md section 5, T10-T13)
--------------------------------------------------
calamine allocates a *dense* grid spanning the outermost cells of a sheet, and aborts the whole
process (not an exception) when that allocation fails: a 5 KB XLSX with values in ``A1`` and
``XFD1048576`` asks for 550 GB. Everything below runs *before* fastexcel sees the bytes:

* Zip (XLSX/ODS): entry count from the central directory (``ZIP_TOO_MANY_ENTRIES``), sum of the
  declared sizes (``ZIP_BOMB``), any entry above 50 MB declared at more than 100x its compressed
  size (``ZIP_BOMB``), ``..``/absolute paths, symlinks, duplicate names, unknown compression
  (``UNREADABLE``), encrypted entries (``ENCRYPTED``). Then every entry is inflated in steps of
  at most 4 MB, counting bytes (never held in memory whole): inflating stops at once when an entry
  produces more than it declared (declared sizes can lie), and truncated/corrupt streams are
  ``UNREADABLE``. While inflating, every part is scanned for the cell area calamine will allocate
  (``<row>``/``<c>`` ``r`` references, or calamine's own counters when they are missing; one
  polars regex per 4 MB for Excel-style XML, a tag-by-tag replay otherwise) and ODS
  ``content.xml`` for repeated rows/columns; XML parts in UTF-16 are ``UNREADABLE``. An area
  above ``max_cells`` is ``TOO_MANY_CELLS``, and a sheet spanning more than
  ``max(5 x max_columns, 1024)`` columns is ``TOO_MANY_COLUMNS`` (empty columns are dropped only
  after reading, but fastexcel and polars pay per column).
* XLS: the compound file is walked the way calamine walks it (every sector id in range, no cycles,
  stream sizes within the file) and every BIFF cell record's position is counted; DIMENSIONS
  records and the shared-string count are bounded too.
* Rows and columns are counted after reading: ``TOO_MANY_ROWS`` (data rows), ``TOO_MANY_COLUMNS``
  (columns kept); ``NO_HEADER``, ``NO_ROWS`` as above.

fastexcel 0.21 quirks found while writing this (calamine 0.36)
--------------------------------------------------------------
* Its "string" dtype renders floats Excel-style (9 decimals, trailing ``.0`` dropped), so a NIK
  typed as a number looks like a valid NIK, and error cells become null. Its "float" and "int"
  dtypes *parse numeric text*, so a NIK stored as text looks like a number. Only the "boolean"
  dtype tells a number cell from text (text is null there). The typed values therefore come from
  a second load with guessed dtypes and ``dtype_coercion="strict"`` (one dtype per column, exact);
  when a column mixes types (some NIKs as numbers, some as text) the sheet is loaded again as
  booleans (which cells are numbers) and as floats for the columns that hold numbers.
* Every ``load_sheet`` re-parses the whole sheet (``n_rows`` does not help), so each load costs
  the same; a clean sheet takes two loads, a mixed one four.
* ``header_row=None`` without ``skip_rows`` drops leading empty rows, which would shift row
  numbers: sheets are always loaded with ``skip_rows=0`` or a row count, so row *i* of the frame
  is sheet row *i + 1*. Leading empty *columns* are dropped; ``absolute_index`` gives the letter.
* Guessed dtypes treat text such as ``NA``, ``NULL``, ``#N/A`` as null, and raise on ``#DIV/0!``
  or ``#NAME?``; the text load keeps such text, the typed load falls back as above.
* A Rust panic inside calamine surfaces as ``pyo3_runtime.PanicException``, which derives from
  ``BaseException``, not ``Exception``; it is caught and reported as ``UNREADABLE``.
* XLS integers (RK records) are ``int`` in calamine but cannot be told from floats cell by cell:
  a column of nothing but integers gives ``str(int)`` (one more load finds such columns when the
  sheet has mixed columns), a column mixing integers and floats gives ``repr(float)``.
* calamine trims leading/trailing whitespace of XLSX text written without ``xml:space="preserve"``
  (Excel always writes it when the text needs it), so such files lose those spaces.
* ``use_columns=[0, 1]`` means *sheet* columns A and B (``absolute_index``), not the first two
  columns of the loaded range; columns are selected by their generated names instead.
* There is no pyarrow in the project: frames come through the Arrow PyCapsule interface
  (``polars.DataFrame(sheet)``).
"""

from __future__ import annotations

import codecs
import io
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import unescape as xml_unescape

import fastexcel
import polars as pl
from defusedxml import ElementTree

from cakupan.intake.headers import is_header_row
from cakupan.intake.schema import FileError, FileIssue, file_error

__all__ = ["DEFAULT_LIMITS", "Limits", "Sheet", "read_upload"]


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024  # XLSX/ODS zip pre-flight: sum of entry sizes
    max_zip_entries: int = 1000
    max_rows: int = 1_100_000
    max_columns: int = 200
    header_search_rows: int = 20
    # Cells calamine may allocate for a sheet (rows x columns of the area between its outermost
    # cells, empty ones included): about 30 bytes a cell and a second a pass per ~5 M cells.
    # 16 M is a million rows of 16 columns (~500 MB).
    max_cells: int = 16_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Sheet:
    frame: pl.DataFrame  # one String column per original column, data rows only, null if empty
    headers: list[str]  # original header texts in file order, made unique (as frame.columns)
    row_numbers: pl.Series  # UInt32: the row number the operator sees (1-based)
    header_row: int  # 1-based row number of the header row
    file_type: str  # "csv" | "xlsx" | "xls" | "ods"
    encoding: str | None  # csv only: "utf-8", "utf-8-sig", "cp1252", "utf-16"
    separator: str | None  # csv only
    sheet_name: str | None


def read_upload(
    data: bytes,
    filename: str,
    *,
    limits: Limits = DEFAULT_LIMITS,
    remembered: Mapping[str, str] | None = None,
) -> Sheet:
    """Read an uploaded list. ``filename`` is not used to decide anything (content decides).

    ``remembered`` is the unit's saved column mapping (``headers.map_headers``), used to find the
    header row.
    """
    del filename
    if len(data) > limits.max_bytes:
        raise file_error(FileIssue.TOO_LARGE, size=_mb(len(data)), limit=_mb(limits.max_bytes))
    if _is_blank(data):
        raise file_error(FileIssue.EMPTY)
    try:
        kind = _detect(data)
        if kind == "zip":
            return _read_zip_workbook(data, limits, remembered)
        if kind == "ole2":
            return _read_xls(data, limits, remembered)
        return _read_csv(data, limits, remembered)
    except FileError:
        raise
    except Exception as exc:  # a reader bug must not escape as anything but FileError
        raise _unreadable("kesalahan pembaca berkas") from exc


# --------------------------------------------------------------------------------------------
# Detection


_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_BINARY_MAGICS = (
    b"%PDF",
    b"\x89PNG",
    b"\xff\xd8\xff",
    b"GIF87a",
    b"GIF89a",
    b"\x7fELF",
    b"MZ\x90\x00",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ",
    b"II*\x00",
    b"MM\x00*",
    b"RIFF",
    b"OggS",
    b"{\\rtf",
    b"\x00\x00\x00\x0cjP",
    b"\x00asm",
    b"\xca\xfe\xba\xbe",
    b"SQLite format 3",
)
_MARKUP_STARTS = (b"<!doctype html", b"<html", b"<table", b"<?xml", b"<meta", b"<head", b"<body")


def _is_blank(data: bytes) -> bool:
    if len(data) > 4096:
        return False
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return not data[len(bom) :].decode(codec, errors="replace").strip()
    return not data.strip(b" \t\r\n\x0b\x0c")


def _detect(data: bytes) -> str:
    if data.startswith(_OLE2_MAGIC):
        return "ole2"
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return "zip"
    if data.startswith(_BINARY_MAGICS):
        raise file_error(FileIssue.UNSUPPORTED_TYPE)
    head = data[:512]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    if head.lstrip().lower().startswith(_MARKUP_STARTS):
        raise file_error(FileIssue.UNSUPPORTED_TYPE)
    return "csv"


def _mb(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _unreadable(detail: str) -> FileError:
    return file_error(FileIssue.UNREADABLE, detail=detail)


# --------------------------------------------------------------------------------------------
# CSV

_SNIFF_BYTES = 64 * 1024
_SEPARATORS = (",", ";", "\t", "|")
# Control characters that never appear in a text file (tab, LF, CR, FF, VT are allowed).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL_BYTES)
_BINARY_RATIO = 0.02  # of the first 64 KB
_BINARY_MIN = 8


def _looks_binary_bytes(sample: bytes) -> bool:
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > _BINARY_MIN and controls > _BINARY_RATIO * len(sample)


def _looks_binary_text(sample: str) -> bool:
    controls = sum(
        1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\x0b\x0c") or ch == "\x7f"
    )
    return controls > _BINARY_MIN and controls > _BINARY_RATIO * len(sample)


def _decode_csv(data: bytes) -> tuple[str, bytes]:
    """(encoding name, UTF-8 bytes without BOM) or FileError."""
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        raise file_error(FileIssue.ENCODING)  # UTF-32
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise file_error(FileIssue.ENCODING) from None
        if _looks_binary_text(text[:_SNIFF_BYTES]):
            raise file_error(FileIssue.UNSUPPORTED_TYPE)
        if "\x00" in text:
            raise _unreadable("karakter NUL")
        return "utf-16", text.encode("utf-8")
    if _looks_binary_bytes(data[:_SNIFF_BYTES]):
        raise file_error(FileIssue.UNSUPPORTED_TYPE)
    if b"\x00" in data:
        raise _unreadable("karakter NUL")
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise file_error(FileIssue.ENCODING) from None
        return "utf-8-sig", body
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8", data
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise file_error(FileIssue.ENCODING) from None
    return "cp1252", text.encode("utf-8")


def _record_counts(sample: str, max_records: int = 200) -> list[dict[str, int]]:
    """Per record of ``sample``: how often each candidate separator occurs outside quotes."""
    records: list[dict[str, int]] = []
    counts = dict.fromkeys(_SEPARATORS, 0)
    in_quotes = False
    blank = True
    for ch in sample:
        if ch == '"':
            in_quotes = not in_quotes
            blank = False
        elif in_quotes:
            continue
        elif ch == "\n":
            if not blank:
                records.append(counts)
                if len(records) >= max_records:
                    return records
            counts = dict.fromkeys(_SEPARATORS, 0)
            blank = True
        elif ch in counts:
            counts[ch] += 1
            blank = False
        elif ch not in " \r":
            blank = False
    if not blank:
        records.append(counts)
    return records


def _sniff_separator(records: list[dict[str, int]]) -> str:
    scored: list[tuple[float, int, int, str]] = []
    for order, sep in enumerate(_SEPARATORS):
        values = [r[sep] for r in records]
        nonzero = [v for v in values if v]
        if not nonzero:
            continue
        mode = max(set(nonzero), key=lambda v: (nonzero.count(v), v))
        consistency = sum(1 for v in values if v == mode) / len(values)
        scored.append((consistency, mode, -order, sep))
    if not scored:
        return ","
    return max(scored)[3]  # most consistent; then the larger count; then the order above


def _read_csv(data: bytes, limits: Limits, remembered: Mapping[str, str] | None) -> Sheet:
    encoding, body = _decode_csv(data)
    if b"\n" not in body and b"\r" in body:
        body = body.replace(b"\r", b"\n")  # classic Mac line ends
    sample = body[:_SNIFF_BYTES].decode("utf-8", errors="ignore")
    if len(body) > _SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    records = _record_counts(sample)
    separator = _sniff_separator(records)
    width = max((r[separator] for r in records), default=0) + 1
    records_guess = len(body) * max(1, len(records)) // max(1, len(sample)) + 1
    cap = min(_width_cap(limits), max(limits.max_columns, limits.max_cells // records_guess))
    if width > cap:
        raise file_error(FileIssue.TOO_MANY_COLUMNS, count=width, limit=limits.max_columns)
    frame = _parse_csv(body, separator, width, cap, limits)
    return _build_sheet(
        header_source=frame,
        data=None,
        data_start=0,
        row_numbers=pl.int_range(1, frame.height + 1, dtype=pl.UInt32, eager=True),
        column_positions=list(range(frame.width)),
        limits=limits,
        file_type="csv",
        encoding=encoding,
        separator=separator,
        sheet_name=None,
        remembered=remembered,
    )


def _parse_csv(body: bytes, separator: str, width: int, cap: int, limits: Limits) -> pl.DataFrame:
    while True:
        names = [f"c{i}" for i in range(width)]
        header = separator.join(names).encode("utf-8") + b"\n"
        try:
            return pl.read_csv(
                header + body,
                has_header=True,
                separator=separator,
                quote_char='"',
                infer_schema=False,
                truncate_ragged_lines=False,
                raise_if_empty=False,
                comment_prefix=None,
                null_values=None,
                eol_char="\n",
                encoding="utf8",
            )
        except pl.exceptions.ComputeError as exc:
            if "more fields" not in str(exc):
                raise _unreadable("struktur CSV tidak valid") from None
            if width >= cap:
                longest = max(line.count(separator.encode()) for line in body.split(b"\n")) + 1
                raise file_error(
                    FileIssue.TOO_MANY_COLUMNS, count=longest, limit=limits.max_columns
                ) from None
            width = min(cap, width * 2)
        except pl.exceptions.PolarsError:
            raise _unreadable("struktur CSV tidak valid") from None


# --------------------------------------------------------------------------------------------
# Building the Sheet from a grid of text


_INTEGER_LABEL = re.compile(r"^\s*\(?\s*(\d{1,3})\s*[.)]?\s*$|^\s*(\d{1,3})\.0\s*$")


_NOT_SPACE = r"\S"
_NARROW = 32  # up to this many columns, rows are checked column by column


def _nulls_for_empty(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in frame.columns
    )


def _nonempty_rows(frame: pl.DataFrame) -> pl.Series:
    """Rows with at least one cell that is not empty or whitespace.

    Column by column, only for the rows not decided yet: the first column usually decides
    nearly every row, so this costs about one column's regex instead of all of them.
    """
    if frame.width > _NARROW:
        return frame.select(
            pl.any_horizontal(pl.col(c).str.contains(_NOT_SPACE) for c in frame.columns)
            .fill_null(False)
            .alias("nonempty")
        ).to_series()
    nonempty = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    undecided = pl.int_range(0, frame.height, dtype=pl.UInt32, eager=True)
    for name in frame.columns:
        if undecided.len() == 0:
            break
        values = frame.get_column(name).gather(undecided)
        filled = values.str.contains(_NOT_SPACE).fill_null(False)
        nonempty = nonempty.scatter(undecided.filter(filled), True)
        undecided = undecided.filter(~filled)
    return nonempty


def _columns_with_text(frame: pl.DataFrame, columns: list[str]) -> set[str]:
    """Which of ``columns`` hold at least one cell that is not empty or whitespace."""
    if not columns or frame.height == 0:
        return set()
    found = frame.select(
        pl.col(c).str.contains(_NOT_SPACE).fill_null(False).any().alias(c) for c in columns
    ).row(0, named=True)
    return {c for c, flag in found.items() if flag}


def _filled_columns(frame: pl.DataFrame) -> list[str]:
    """Names of the columns with at least one non-null cell."""
    if frame.width == 0 or frame.height == 0:
        return []
    flags = frame.select(pl.all().is_not_null().any()).row(0)
    return [name for name, flag in zip(frame.columns, flags, strict=True) if flag]


def _find_header(
    frame: pl.DataFrame,
    limits: Limits,
    mask: pl.Series,
    remembered: Mapping[str, str] | None = None,
) -> int | None:
    """Index (in ``frame``) of the header row, looking at the first non-empty rows (``mask``)."""
    candidates = mask.arg_true().head(limits.header_search_rows).to_list()
    if not candidates:
        return None
    rows = frame[candidates].rows()
    for index, cells in zip(candidates, rows, strict=True):
        if is_header_row(list(cells), remembered):
            return int(index)
    return None


def _is_numbering_row(cells: list[str | None]) -> bool:
    numbers: list[int] = []
    for cell in cells:
        if cell is None or not cell.strip():
            continue
        match = _INTEGER_LABEL.match(cell)
        if not match:
            return False
        numbers.append(int(match.group(1) or match.group(2)))
    if len(numbers) < 2 or numbers[0] > 1:
        return False
    return all(b == a + 1 for a, b in itertools.pairwise(numbers))


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    taken = set(names)
    result = []
    for name in names:
        if name not in seen:
            seen[name] = 1
            result.append(name)
            continue
        count = seen[name]
        while True:
            count += 1
            candidate = f"{name} ({count})"
            if candidate not in taken:
                break
        seen[name] = count
        taken.add(candidate)
        result.append(candidate)
    return result


def _build_sheet(
    *,
    header_source: pl.DataFrame,
    data: pl.DataFrame | None,
    data_start: int,
    row_numbers: pl.Series,
    column_positions: list[int],
    limits: Limits,
    file_type: str,
    encoding: str | None,
    separator: str | None,
    sheet_name: str | None,
    header_index: int | None = None,
    remembered: Mapping[str, str] | None = None,
) -> Sheet:
    """Header, data rows and columns from a grid of text.

    ``header_source`` holds the sheet's text from the first row; ``data`` (when given) holds the
    typed text of its rows from ``data_start`` on (below the header, and below a numbering row
    already skipped); ``row_numbers`` numbers the rows of ``header_source``.
    """
    grid = _nulls_for_empty(header_source)
    mask = _nonempty_rows(grid) if data is None or header_index is None else None
    if header_index is None:
        assert mask is not None
        header_index = _find_header(grid, limits, mask, remembered)
        if header_index is None:
            raise file_error(FileIssue.NO_HEADER, rows=limits.header_search_rows)
    header_cells = list(grid.row(header_index))
    if data is None:
        assert mask is not None
        data_start = header_index + 1
        body = grid.slice(data_start)
        keep = mask.slice(data_start)
    else:
        body = _nulls_for_empty(data)
        keep = _nonempty_rows(body)
    body_numbers = row_numbers.slice(data_start, body.height)

    body = body.filter(keep)
    body_numbers = body_numbers.filter(keep)
    if body.height and _is_numbering_row(list(body.row(0))):
        body = body.slice(1)
        body_numbers = body_numbers.slice(1)

    unnamed = [body.columns[i] for i, h in enumerate(header_cells) if h is None or not h.strip()]
    with_text = _columns_with_text(body, unnamed)
    kept = [
        position
        for position, header in enumerate(header_cells)
        if (header is not None and header.strip()) or body.columns[position] in with_text
    ]
    if len(kept) > limits.max_columns:
        raise file_error(FileIssue.TOO_MANY_COLUMNS, count=len(kept), limit=limits.max_columns)
    if body.height == 0:
        raise file_error(FileIssue.NO_ROWS)
    if body.height > limits.max_rows:
        raise file_error(FileIssue.TOO_MANY_ROWS, count=body.height, limit=limits.max_rows)

    names = []
    for position in kept:
        header = header_cells[position]
        if header is None or not header.strip():
            header = f"Kolom {_column_letter(column_positions[position])}"
        names.append(header)
    names = _unique(names)
    frame = body.select(
        pl.col(body.columns[position]).alias(name)
        for position, name in zip(kept, names, strict=True)
    )
    return Sheet(
        frame=frame,
        headers=names,
        row_numbers=body_numbers.cast(pl.UInt32).rename("row_number"),
        header_row=int(row_numbers[header_index]),
        file_type=file_type,
        encoding=encoding,
        separator=separator,
        sheet_name=sheet_name,
    )


# --------------------------------------------------------------------------------------------
# Zip pre-flight (XLSX, ODS)

_IN_STEP = 1 << 20
_OUT_STEP = 4 << 20
_RATIO_MIN_SIZE = 50 * 1024 * 1024
_MAX_RATIO = 100
_SMALL_PART = 5 * 1024 * 1024  # [Content_Types].xml, workbook.xml, rels, mimetype
_MAX_TAG = 1024 * 1024
_ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"
_DRIVE = re.compile(r"^[A-Za-z]:")


def _zip_entries(data: bytes, limits: Limits) -> list[zipfile.ZipInfo]:
    """Central-directory checks; nothing is decompressed."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65557))
    if eocd < 0 or len(data) - eocd < 22:
        raise _unreadable("arsip ZIP rusak atau terpotong")
    (cd_size,) = struct.unpack_from("<I", data, eocd + 12)
    cd_start = max(0, eocd - cd_size)
    signatures = data.count(b"PK\x01\x02", cd_start, eocd)
    if signatures > limits.max_zip_entries:
        raise file_error(
            FileIssue.ZIP_TOO_MANY_ENTRIES, count=signatures, limit=limits.max_zip_entries
        )
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception:  # BadZipFile, LargeZipFile, struct.error, ValueError, ...
        raise _unreadable("arsip ZIP rusak atau terpotong") from None
    if len(infos) > limits.max_zip_entries:
        raise file_error(
            FileIssue.ZIP_TOO_MANY_ENTRIES, count=len(infos), limit=limits.max_zip_entries
        )
    names: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        parts = re.split(r"[/\\]", name)
        if name.startswith(("/", "\\")) or _DRIVE.match(name) or ".." in parts:
            raise _unreadable("jalur bagian tidak sah")
        if name in names:
            raise _unreadable("nama bagian ganda")
        names.add(name)
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise _unreadable("bagian berupa tautan simbolik")
        if info.flag_bits & 0x1:
            raise file_error(FileIssue.ENCRYPTED)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _unreadable("metode kompresi tidak didukung")
        total += info.file_size
        if info.file_size > _RATIO_MIN_SIZE and info.file_size > _MAX_RATIO * max(
            1, info.compress_size
        ):
            raise file_error(
                FileIssue.ZIP_BOMB,
                size=_mb(info.file_size),
                limit=_mb(limits.max_uncompressed_bytes),
            )
    if total > limits.max_uncompressed_bytes:
        raise file_error(
            FileIssue.ZIP_BOMB, size=_mb(total), limit=_mb(limits.max_uncompressed_bytes)
        )
    return infos


def _raw_entry(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    offset = info.header_offset
    if offset < 0 or offset + 30 > len(data) or data[offset : offset + 4] != b"PK\x03\x04":
        raise _unreadable("arsip ZIP rusak")
    name_len, extra_len = struct.unpack_from("<HH", data, offset + 26)
    start = offset + 30 + name_len + extra_len
    end = start + info.compress_size
    if end > len(data):
        raise _unreadable("arsip ZIP terpotong")
    return memoryview(data)[start:end]


def _inflate(data: bytes, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """The entry's bytes in steps of at most 4 MB; stops as soon as it exceeds its declared size."""
    raw = _raw_entry(data, info)
    declared = info.file_size
    if info.compress_type == zipfile.ZIP_STORED:
        if len(raw) != declared:
            raise _unreadable("ukuran bagian tidak cocok")
        for start in range(0, len(raw), _OUT_STEP):
            yield bytes(raw[start : start + _OUT_STEP])
        return
    inflater = zlib.decompressobj(-15)
    produced = 0
    position = 0
    try:
        while not inflater.eof:
            room = min(_OUT_STEP, declared - produced + 1)  # one byte more shows a lie
            if inflater.unconsumed_tail:
                chunk = inflater.decompress(inflater.unconsumed_tail, room)
            elif position < len(raw):
                chunk = inflater.decompress(raw[position : position + _IN_STEP], room)
                position += _IN_STEP
            else:
                break
            produced += len(chunk)
            if produced > declared:
                raise _unreadable("isi bagian lebih besar dari ukuran yang dinyatakan")
            if chunk:
                yield chunk
    except zlib.error:
        raise _unreadable("data terkompresi rusak") from None
    if not inflater.eof or produced != declared:
        raise _unreadable("bagian terpotong atau ukurannya tidak cocok")


def _read_small(data: bytes, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > _SMALL_PART:
        raise _unreadable(f"bagian {info.filename} terlalu besar")
    return b"".join(_inflate(data, info))


def _gt_int(value: int) -> str:
    """Regex for decimal integers greater than ``value`` (without leading zeros)."""
    digits = str(value)
    width = len(digits)
    alternatives = [rf"[1-9][0-9]{{{width},}}"]
    for i, ch in enumerate(digits):
        if ch != "9":
            rest = width - i - 1
            alternatives.append(
                digits[:i] + f"[{int(ch) + 1}-9]" + (f"[0-9]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(alternatives) + ")"


def _gt_letters(value: int) -> str:
    """Regex for upper-case column letters whose 1-based index is greater than ``value``."""
    if value <= 0:
        return "[A-Z]+"
    letters = _column_letter(value - 1)
    width = len(letters)
    alternatives = [f"[A-Z]{{{width + 1},}}"]
    for i, ch in enumerate(letters):
        if ch != "Z":
            rest = width - i - 1
            alternatives.append(
                letters[:i] + f"[{chr(ord(ch) + 1)}-Z]" + (f"[A-Z]{{{rest}}}" if rest else "")
            )
    return "(?:" + "|".join(alternatives) + ")"


def _fast_pattern(max_row: int, max_col: int) -> str:
    """Rust-regex (polars) for anything the fast path cannot vouch for.

    A ``<c>``/``<row>`` tag whose first attribute is not exactly ``r="``, a namespace-prefixed
    one, a reference in lower case, or a reference beyond (max_row, max_col).
    """
    odd = r"(?:[/>]|[\t\r\n]| [^r]| r[^=]| r=[^\"])"
    rows = _gt_int(max_row)
    return (
        rf"<c{odd}|<row{odd}|:(?:c|row)[\s/>]"
        rf'|<c r="(?:[A-Z]*[a-z]|{_gt_letters(max_col)}[0-9]|[A-Z]+0*{rows}")'
        rf'|<row r="0*{rows}"'
    )


_ATTRS = rb"((?:\s+[^\s=>/]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
_ODD_TAG = re.compile(rb"<(?:(?:c|row)(?=[\s/>])(?! r=\")|[A-Za-z_][\w.\-]*:(?:c|row)[\s/>])")
_XLSX_TAG = re.compile(rb"<(/?)(?:[A-Za-z_][\w.\-]*:)?(row|c)(?=[\s/>])" + _ATTRS)
_R_ATTR = re.compile(rb"\sr\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_REF = re.compile(rb"^([A-Za-z]+)([0-9]+)$")
_ROW_REF = re.compile(rb"^[0-9]+$")
_CELL_REFS = re.compile(rb'<c r="([A-Za-z]+)([0-9]+)"')
_ROW_TAGS = re.compile(rb'<row r="([0-9]+)"')
_LAST_ROW_DIGITS = re.compile(rb"[0-9]+")
_ERROR_CELL = re.compile(
    rb'<(?:[\w.\-]+:)?c r="([A-Z]+)([0-9]+)"[^>]*?\st="e"[^>]*>'
    rb"(?:<(?:[\w.\-]+:)?f\b[^>]*/>|<(?:[\w.\-]+:)?f\b[^>]*>[^<]*</(?:[\w.\-]+:)?f>)?"
    rb"<(?:[\w.\-]+:)?v>([^<]*)</(?:[\w.\-]+:)?v>"
)
_HEAD = 64 * 1024


def _letters_index(letters: bytes) -> int:
    value = 0
    for byte in letters.upper():
        value = value * 26 + (byte - 64)
    return value


def _split_at_tags(buffer: bytes, parts: int) -> list[memoryview]:
    """``buffer`` in about ``parts`` pieces (for polars' threads), each cut just before a ``<``."""
    view = memoryview(buffer)
    pieces = []
    start = 0
    for k in range(1, parts):
        cut = buffer.find(b"<", max(start + 1, len(buffer) * k // parts))
        if cut < 0:
            break
        pieces.append(view[start:cut])
        start = cut
    pieces.append(view[start:])
    return pieces


class _SheetScan:
    """Upper bound of the area calamine allocates for one worksheet part, plus its error cells.

    Fed the part's XML in chunks (any part: calamine finds worksheets through relationships, so
    every part is scanned). Excel-style XML (every ``<row>`` and ``<c>`` starting with ``r="``)
    is checked with one polars regex per 4 MB against the largest row and column seen so far;
    a piece that fails the check is read exactly, and once a tag without ``r`` (or with a
    namespace prefix) turns up, every tag is replayed with calamine's row/column counters.
    """

    def __init__(self) -> None:
        self.max_row = 0  # 1-based
        self.max_col = 0  # 1-based
        self.errors: dict[tuple[int, int], str] = {}
        self._tail = b""
        self._slow = False
        self._row_index = 0
        self._col_index = 0
        self._first = True

    def feed(self, chunk: bytes) -> None:
        if self._first:
            self._first = False
            if b"\x00" in chunk[:1024]:  # UTF-16/32 XML: not what the scan (or Excel) reads
                raise _unreadable("bagian XML tidak berkode UTF-8")
        buffer = self._tail + chunk if self._tail else chunk
        cut = buffer.rfind(b"<")
        if cut >= 0 and buffer.find(b">", cut) < 0:
            self._tail = buffer[cut:]
            buffer = buffer[:cut]
            if len(self._tail) > _MAX_TAG:
                raise _unreadable("tag XML terlalu panjang")
        else:
            self._tail = b""
        self._scan(buffer)

    def close(self) -> None:
        if self._tail:
            self._scan(self._tail)
            self._tail = b""

    def _scan(self, buffer: bytes) -> None:
        if self._slow:
            self._replay(buffer)
        else:
            self._fast(buffer)
        if b't="e"' in buffer:
            for match in _ERROR_CELL.finditer(buffer):
                row = int(match.group(2)) - 1
                col = _letters_index(match.group(1)) - 1
                text = xml_unescape(match.group(3).decode("utf-8", "replace"))
                if row >= 0 and col >= 0 and text:
                    self.errors[(row, col)] = text

    def _fast(self, buffer: bytes) -> None:
        last_row = buffer.rfind(b'<row r="')
        if last_row >= 0:
            digits = _LAST_ROW_DIGITS.match(buffer, last_row + 8)
            if digits:
                self.max_row = max(self.max_row, int(digits.group()))
        if self.max_col == 0:  # the first rows (the header) give the table's width
            self._exact_refs(buffer[:_HEAD])
        pattern = _fast_pattern(self.max_row, self.max_col)
        pieces = _split_at_tags(buffer, 4)
        texts = [codecs.latin_1_decode(piece)[0] for piece in pieces]  # bytes as code points
        flagged = pl.Series(texts, dtype=pl.String).str.contains(pattern)
        for view, bad in zip(pieces, flagged, strict=True):
            if not (bad or self._slow):
                continue
            piece = bytes(view)
            if self._slow:
                self._replay(piece)
            elif _ODD_TAG.search(piece):
                # From here on every tag is replayed. The counters start at the largest row and
                # column seen, which is at least where calamine's counters are.
                self._slow = True
                self._row_index = self.max_row
                self._col_index = self.max_col
                self._replay(piece)
            else:
                self._exact_refs(piece)

    def _exact_refs(self, buffer: bytes) -> None:
        for letters, digits in _CELL_REFS.findall(buffer):
            self.max_row = max(self.max_row, int(digits))
            self.max_col = max(self.max_col, _letters_index(letters))
        for digits in _ROW_TAGS.findall(buffer):
            self.max_row = max(self.max_row, int(digits))

    def _replay(self, buffer: bytes) -> None:
        for match in _XLSX_TAG.finditer(buffer):
            closing, name, attrs, self_closing = match.groups()
            if name == b"row":
                if closing:
                    self._row_index += 1
                    self._col_index = 0
                    continue
                ref = _attribute_r(attrs)
                if ref is not None and _ROW_REF.match(ref) and int(ref) > 0:
                    self._row_index = int(ref) - 1
                self.max_row = max(self.max_row, self._row_index + 1)
                if self_closing:
                    self._row_index += 1
                    self._col_index = 0
            elif not closing:
                ref = _attribute_r(attrs)
                if ref is not None:
                    parsed = _REF.match(ref)
                    if not parsed or int(parsed.group(2)) == 0:
                        continue  # calamine refuses the sheet
                    row, col = int(parsed.group(2)) - 1, _letters_index(parsed.group(1)) - 1
                else:
                    row, col = self._row_index, self._col_index
                self.max_row = max(self.max_row, row + 1)
                self.max_col = max(self.max_col, col + 1)
                self._col_index = col + 1


def _attribute_r(attrs: bytes) -> bytes | None:
    match = _R_ATTR.search(attrs)
    if not match:
        return None
    return match.group(1) if match.group(1) is not None else match.group(2)


_ODS_TAG = re.compile(
    rb"<(?:(/)(table:table-row|table:table)>|"
    rb"()(table:table-row|table:table-cell|table:covered-table-cell|table:table|text:s)"
    + _ATTRS
    + rb")"
)
_ODS_VALUED = re.compile(
    rb"\s(?:office:(?:value|string-value|date-value|time-value|boolean-value|value-type)"
    rb"|table:formula)\s*="
)
_ODS_ROWS_REPEATED = re.compile(rb"\stable:number-rows-repeated\s*=\s*[\"']([^\"']*)[\"']")
_ODS_COLS_REPEATED = re.compile(rb"\stable:number-columns-repeated\s*=\s*[\"']([^\"']*)[\"']")
_ODS_SPACES = re.compile(rb"\stext:c\s*=\s*[\"']([^\"']*)[\"']")
_ODS_MAX_SPACES = 1_000_000


def _count(match: re.Match[bytes] | None) -> int:
    if match is None:
        return 1
    try:
        return max(0, int(match.group(1)))
    except ValueError:
        return 1  # calamine refuses the file


class _OdsScan:
    """Cells calamine materialises for every table of an ODS ``content.xml`` (repeats expanded)."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._tail = b""
        self.total_cells = 0
        self._spaces = 0
        self._rows = 0  # rows up to the last row with a value, repeats included
        self._pending = 0  # empty rows (with repeats) since the last row with a value
        self._width = 0
        self._row_repeats = 1
        self._position = 0
        self._row_end = 0

    def feed(self, chunk: bytes) -> None:
        buffer = self._tail + chunk if self._tail else chunk
        cut = buffer.rfind(b"<")
        if cut >= 0 and buffer.find(b">", cut) < 0:
            self._tail = buffer[cut:]
            buffer = buffer[:cut]
            if len(self._tail) > _MAX_TAG:
                raise _unreadable("tag XML terlalu panjang")
        else:
            self._tail = b""
        for match in _ODS_TAG.finditer(buffer):
            self._tag(match)

    def close(self) -> None:
        if self._tail:
            for match in _ODS_TAG.finditer(self._tail):
                self._tag(match)
            self._tail = b""
        self._end_table()

    def _tag(self, match: re.Match[bytes]) -> None:
        closing, closing_name, _, name, attrs, self_closing = match.groups()
        if closing:
            if closing_name == b"table:table-row":
                self._end_row()
            else:
                self._end_table()
            return
        if name == b"table:table":
            self._end_table()
        elif name == b"table:table-row":
            self._row_repeats = _count(_ODS_ROWS_REPEATED.search(attrs))
            self._position = 0
            self._row_end = 0
            if self_closing:
                self._end_row()
        elif name == b"text:s":
            spaces = _count(_ODS_SPACES.search(attrs))
            self._spaces += spaces
            if spaces > _ODS_MAX_SPACES or self._spaces > self._limits.max_uncompressed_bytes:
                raise _unreadable("sel terlalu panjang")
        else:
            repeats = _count(_ODS_COLS_REPEATED.search(attrs))
            if _ODS_VALUED.search(attrs):
                self._row_end = self._position + repeats
            self._position += repeats

    def _end_row(self) -> None:
        if self._row_end:
            self._rows += self._pending + self._row_repeats
            self._pending = 0
            self._width = max(self._width, self._row_end)
            self._check(self._rows * self._width)
        else:
            self._pending += self._row_repeats
        self._row_repeats = 1
        self._row_end = 0
        self._position = 0

    def _end_table(self) -> None:
        self.total_cells += self._rows * self._width
        self._check(0)
        self._rows = self._pending = self._width = 0

    def _check(self, current: int) -> None:
        if self.total_cells + current > self._limits.max_cells:
            raise file_error(
                FileIssue.TOO_MANY_CELLS,
                rows=self._rows,
                columns=self._width,
                limit=self._limits.max_cells,
            )
        _check_width(self._width, self._limits)


def _width_cap(limits: Limits) -> int:
    """Columns a sheet may span before reading (empty ones between included).

    Wider than the column limit, because columns without a header and data are dropped after
    reading; but bounded, because fastexcel and polars pay per column: 16,384 columns of two
    rows take seconds.
    """
    return max(5 * limits.max_columns, 1024)


def _check_width(width: int, limits: Limits) -> None:
    if width > _width_cap(limits):
        raise file_error(FileIssue.TOO_MANY_COLUMNS, count=width, limit=limits.max_columns)


@dataclass
class _ZipScan:
    kind: str  # "xlsx" | "ods"
    errors: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)  # by sheet name


def _classify_zip(data: bytes, infos: list[zipfile.ZipInfo]) -> str:
    by_name = {info.filename.lower(): info for info in infos}
    for name in by_name:
        if name.endswith("vbaproject.bin") or name == "xl/workbook.bin":
            raise file_error(FileIssue.MACRO_WORKBOOK)
    if "[content_types].xml" in by_name and "xl/workbook.xml" in by_name:
        types = _read_small(data, by_name["[content_types].xml"])
        if b"macroEnabled" in types or b"sheet.binary" in types or b"vbaProject" in types:
            raise file_error(FileIssue.MACRO_WORKBOOK)
        return "xlsx"
    mimetype = by_name.get("mimetype")
    if mimetype is not None and _read_small(data, mimetype).strip().startswith(_ODS_MIME):
        return "ods"
    raise file_error(FileIssue.UNSUPPORTED_TYPE)


def _scan_zip(data: bytes, infos: list[zipfile.ZipInfo], kind: str, limits: Limits) -> _ZipScan:
    """Inflate every entry (counting) and bound the cell area of every part calamine may read."""
    result = _ZipScan(kind)
    part_errors: dict[str, dict[tuple[int, int], str]] = {}
    for info in infos:
        if info.is_dir():
            continue
        sheet_scan = _SheetScan()
        ods_scan = _OdsScan(limits) if info.filename == "content.xml" else None
        for chunk in _inflate(data, info):
            sheet_scan.feed(chunk)
            if ods_scan is not None:
                ods_scan.feed(chunk)
        sheet_scan.close()
        if ods_scan is not None:
            ods_scan.close()
        if sheet_scan.max_row * sheet_scan.max_col > limits.max_cells:
            raise file_error(
                FileIssue.TOO_MANY_CELLS,
                rows=sheet_scan.max_row,
                columns=sheet_scan.max_col,
                limit=limits.max_cells,
            )
        _check_width(sheet_scan.max_col, limits)
        if sheet_scan.errors:
            part_errors[info.filename] = sheet_scan.errors
    if part_errors and kind == "xlsx":
        for sheet_name, part in _xlsx_sheet_parts(data, infos).items():
            if part in part_errors:
                result.errors[sheet_name] = part_errors[part]
    return result


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xlsx_sheet_parts(data: bytes, infos: list[zipfile.ZipInfo]) -> dict[str, str]:
    """Sheet name -> worksheet part, from workbook.xml and its relationships (best effort)."""
    by_name = {info.filename: info for info in infos}
    workbook = by_name.get("xl/workbook.xml")
    rels = by_name.get("xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    try:
        targets = {}
        for element in ElementTree.fromstring(_read_small(data, rels)).iter():
            if _local(element.tag) == "Relationship":
                targets[element.get("Id")] = element.get("Target", "")
        parts = {}
        for element in ElementTree.fromstring(_read_small(data, workbook)).iter():
            if _local(element.tag) != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), None)
            target = targets.get(rid)
            if target is None:
                continue
            path = target.lstrip("/") if target.startswith("/") else "xl/" + target
            while "/../" in path or path.startswith("../"):
                path = re.sub(r"[^/]+/\.\./", "", path, count=1)
            parts[element.get("name", "")] = path.replace("./", "")
    except Exception:  # defusedxml's DTD/entity refusals, bad XML, ...: no error overlay
        return {}
    return parts


def _read_zip_workbook(
    data: bytes, limits: Limits, remembered: Mapping[str, str] | None = None
) -> Sheet:
    infos = _zip_entries(data, limits)
    kind = _classify_zip(data, infos)
    scan = _scan_zip(data, infos, kind, limits)
    return _read_book(data, kind, scan.errors, limits, remembered)


# --------------------------------------------------------------------------------------------
# XLS (OLE2 compound file + BIFF)

_ENDOFCHAIN = 0xFFFFFFFE
_RESERVED_SECTORS = 0xFFFFFFFA
_DIFSECT = 0xFFFFFFFC
_XLS_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
    0x2B: "#GETTING_DATA",
}


@dataclass
class _Cfb:
    names: list[str]
    workbook: bytes | None


def _cfb_read(data: bytes) -> _Cfb:
    """Walk the compound file as calamine does, refusing whatever would make it misbehave."""
    if len(data) < 512:
        raise _unreadable("struktur XLS rusak")
    shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if shift not in (9, 12) or mini_shift != 6:
        raise _unreadable("struktur XLS rusak")
    size = 1 << shift
    header_size = 512 if shift == 9 else 4096
    dir_len, fat_len, dir_start = struct.unpack_from("<III", data, 40)
    mini_fat_start, mini_fat_len, difat_start = struct.unpack_from("<III", data, 60)
    body = memoryview(data)[header_size:]
    n_sectors = (len(body) + size - 1) // size
    if fat_len > n_sectors or dir_len * size > len(data) or mini_fat_len * size > len(data):
        raise _unreadable("struktur XLS rusak")

    def sector(sid: int) -> memoryview:
        if sid >= n_sectors:
            raise _unreadable("struktur XLS rusak")
        return body[sid * size : (sid + 1) * size]

    def words(chunk: memoryview) -> list[int]:
        usable = len(chunk) - len(chunk) % 4
        return list(struct.unpack_from(f"<{usable // 4}I", chunk)) if usable else []

    difat = list(struct.unpack_from("<109I", data, 76))
    sid = difat_start
    steps = 0
    while sid < _RESERVED_SECTORS:
        steps += 1
        if steps > n_sectors:
            raise _unreadable("struktur XLS rusak")
        difat.extend(words(sector(sid)))
        sid = difat.pop()
    fats: list[int] = []
    for sid in difat:
        if sid < _DIFSECT:
            fats.extend(words(sector(sid)))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        ids: list[int] = []
        sid = start
        while sid != _ENDOFCHAIN:
            if sid >= len(table) or sid >= limit or len(ids) > limit:
                raise _unreadable("struktur XLS rusak")
            ids.append(sid)
            sid = table[sid]
        return ids

    directory = b"".join(bytes(sector(s)) for s in chain(dir_start, fats, n_sectors))
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        raw_name = directory[offset : offset + 64].decode("utf-16-le", errors="replace")
        name = raw_name.split("\x00", 1)[0]
        start, length_low, length_high = struct.unpack_from("<III", directory, offset + 116)
        length = length_low if size == 512 else length_low | (length_high << 32)
        entries.append((name, start, length))
    if not entries:
        raise _unreadable("struktur XLS rusak")
    names = [e[0] for e in entries]

    ministream = b""
    minifat: list[int] = []
    if mini_fat_len > 0:
        root_start, root_len = entries[0][1], entries[0][2]
        if root_len > len(data):
            raise _unreadable("struktur XLS rusak")
        ministream = b"".join(bytes(sector(s)) for s in chain(root_start, fats, n_sectors))
        ministream = ministream[:root_len]
        minifat = words(
            memoryview(b"".join(bytes(sector(s)) for s in chain(mini_fat_start, fats, n_sectors)))
        )
    workbook = None
    for wanted in ("Workbook", "Book"):
        found = next((e for e in entries if e[0] == wanted), None)
        if found is None:
            continue
        _, start, length = found
        if length > len(data):
            raise _unreadable("struktur XLS rusak")
        if length < 4096:
            n_mini = len(ministream) // 64
            ids = chain(start, minifat, n_mini)
            stream = b"".join(ministream[i * 64 : (i + 1) * 64] for i in ids)
        else:
            stream = b"".join(bytes(sector(s)) for s in chain(start, fats, n_sectors))
        workbook = stream[:length]
        break
    return _Cfb(names, workbook)


_BIFF_CELLS = frozenset({0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x0006})


def _biff_scan(stream: bytes, limits: Limits) -> dict[str, dict[tuple[int, int], str]]:
    """Sheet names and error cells; refuses areas calamine could not allocate."""
    n = len(stream)
    unpack = struct.unpack_from
    sheets: list[tuple[str, int]] = []
    pos = 0
    while pos + 4 <= n:
        typ, length = unpack("<HH", stream, pos)
        body = pos + 4
        pos = body + length
        if pos > n:
            raise _unreadable("struktur XLS rusak")
        if typ == 0x002F and length >= 2 and unpack("<H", stream, body)[0] != 0:
            raise file_error(FileIssue.ENCRYPTED)
        if typ == 0x00FC and length >= 8:
            (unique,) = unpack("<i", stream, body + 4)
            if unique < 0 or unique > n:
                raise _unreadable("struktur XLS rusak")
        elif typ == 0x0085 and length >= 8:
            (offset,) = unpack("<I", stream, body)
            chars, flags = stream[body + 6], stream[body + 7]
            raw = stream[body + 8 : body + 8 + (chars * 2 if flags & 1 else chars)]
            name = raw.decode("utf-16-le" if flags & 1 else "latin-1", errors="replace")
            sheets.append((name, offset))
        elif typ == 0x000A:
            break

    errors: dict[str, dict[tuple[int, int], str]] = {}
    total = 0
    for name, offset in sheets:
        if offset >= n:
            raise _unreadable("struktur XLS rusak")
        max_row, max_col, min_col = -1, -1, 1 << 30
        cells: dict[tuple[int, int], str] = {}
        pos = offset
        while pos + 4 <= n:
            typ, length = unpack("<HH", stream, pos)
            body = pos + 4
            pos = body + length
            if typ == 0x000A or pos > n:
                break
            if typ in _BIFF_CELLS and length >= 4:
                row, col = unpack("<HH", stream, body)
                max_row = max(max_row, row)
                max_col = max(max_col, col)
                min_col = min(min_col, col)
                if typ == 0x0205 and length >= 8 and stream[body + 7] == 1:
                    cells[(row, col)] = _XLS_ERRORS.get(stream[body + 6], "#ERROR")
                elif (
                    typ == 0x0006
                    and length >= 20
                    and stream[body + 6] == 2
                    and stream[body + 12 : body + 14] == b"\xff\xff"
                ):
                    cells[(row, col)] = _XLS_ERRORS.get(stream[body + 8], "#ERROR")
            elif typ == 0x00BD and length >= 6:
                row, first = unpack("<HH", stream, body)
                (last,) = unpack("<H", stream, body + length - 2)
                max_row = max(max_row, row)
                max_col = max(max_col, first, last)
                min_col = min(min_col, first, last)
            elif typ == 0x0200 and length in (10, 14):
                if length == 10:
                    first_row, last_row, first_col, last_col = unpack("<HHHH", stream, body)
                else:
                    first_row, last_row = unpack("<II", stream, body)
                    first_col, last_col = unpack("<HH", stream, body + 8)
                end_row, end_col = (
                    (last_row - 1, last_col - 1)
                    if last_row and last_col
                    else (first_row, first_col)
                )
                rows = (end_row - first_row + 1) & 0xFFFFFFFF
                cols = (end_col - first_col + 1) & 0xFFFFFFFF
                if rows * cols > limits.max_cells:
                    raise file_error(
                        FileIssue.TOO_MANY_CELLS, rows=rows, columns=cols, limit=limits.max_cells
                    )
        if max_row >= 0:
            rows, cols = max_row + 1, max_col - min_col + 1
            total += rows * cols
            if total > limits.max_cells:
                raise file_error(
                    FileIssue.TOO_MANY_CELLS, rows=rows, columns=cols, limit=limits.max_cells
                )
            _check_width(cols, limits)
        if cells:
            errors[name] = cells
    return errors


def _read_xls(data: bytes, limits: Limits, remembered: Mapping[str, str] | None = None) -> Sheet:
    cfb = _cfb_read(data)
    if "EncryptedPackage" in cfb.names or "EncryptionInfo" in cfb.names:
        raise file_error(FileIssue.ENCRYPTED)
    if cfb.workbook is None:
        raise file_error(FileIssue.UNSUPPORTED_TYPE)
    if any(name in ("_VBA_PROJECT_CUR", "VBA", "_VBA_PROJECT") for name in cfb.names):
        raise file_error(FileIssue.MACRO_WORKBOOK)
    errors = _biff_scan(cfb.workbook, limits)
    return _read_book(data, "xls", errors, limits, remembered)


# --------------------------------------------------------------------------------------------
# Reading a workbook with fastexcel

_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$")


def _fx(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into fastexcel/calamine; every failure becomes a FileError."""
    try:
        return function(*args, **kwargs)
    except FileError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # includes pyo3_runtime.PanicException (a BaseException)
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise file_error(FileIssue.ENCRYPTED) from None
        raise _unreadable("isi lembar kerja tidak valid") from None


def _frame(sheet: Any) -> pl.DataFrame:
    frame = _fx(pl.DataFrame, sheet)
    return frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)})


def _text_rule(expr: pl.Expr) -> pl.Expr:
    """fastexcel's text for a datetime cell ("1980-08-17 00:00:00") in our ISO form."""
    midnight = expr.str.contains(r"^\d{4}-\d{2}-\d{2} 00:00:00(?:\.0+)?$")
    is_datetime = expr.str.contains(_DATETIME_TEXT.pattern)
    return (
        pl.when(midnight)
        .then(expr.str.slice(0, 10))
        .when(is_datetime)
        .then(expr.str.replace(" ", "T", literal=True))
        .otherwise(expr)
    )


def _render(expr: pl.Expr, dtype: str) -> pl.Expr | None:
    """Typed values as text (see the cell text rules); None: keep fastexcel's text."""
    if dtype in ("float", "int"):
        return expr.cast(pl.String)
    if dtype == "boolean":
        return pl.when(expr).then(pl.lit("TRUE")).when(expr.not_()).then(pl.lit("FALSE"))
    if dtype == "datetime":
        no_time = (
            (expr.dt.hour() == 0)
            & (expr.dt.minute() == 0)
            & (expr.dt.second() == 0)
            & (expr.dt.millisecond() == 0)
        )
        return (
            pl.when(no_time)
            .then(expr.dt.strftime("%Y-%m-%d"))
            .when(expr.dt.millisecond() == 0)
            .then(expr.dt.strftime("%Y-%m-%dT%H:%M:%S"))
            .otherwise(expr.dt.strftime("%Y-%m-%dT%H:%M:%S%.3f"))
        )
    if dtype == "date":
        return expr.dt.strftime("%Y-%m-%d")
    return None


def _load(reader: Any, index: int, start: int, columns: list[int], **options: Any) -> Any:
    """Sheet rows from ``start`` on, for the given range columns (by their generated names)."""
    return reader.load_sheet(
        index,
        header_row=None,
        skip_rows=start,
        use_columns=[f"__UNNAMED__{i}" for i in columns],
        **options,
    )


def _typed_text(reader: Any, index: int, start: int, text: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Data rows from sheet row ``start`` (0-based) on, rendered by the cell text rules.

    ``text`` is fastexcel's string rendering of the same rows; its columns are named
    ``c<i>`` after their index ``i`` in the loaded range. Columns empty here are not loaded again.

    The result is always what :func:`_typed_strict` (then :func:`_typed_by_cell` when that fails)
    gives; for XLSX, :func:`_typed_guided` gets there with fewer loads when it can prove so.
    """
    filled = [int(name[1:]) for name in _filled_columns(text)]
    if not filled:
        return text
    if kind == "xlsx":
        guided = _typed_guided(reader, index, start, text, filled)
        if guided is _STRICT_FAILS:
            return _typed_by_cell(reader, index, start, text, filled, kind)
        if isinstance(guided, pl.DataFrame):
            return guided
    return _typed_strict(reader, index, start, text, filled, kind)


def _typed_strict(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int], kind: str
) -> pl.DataFrame:
    """One load with guessed dtypes, strict (one dtype per column); by cell when that fails."""
    try:
        sheet = _load(
            reader, index, start, filled, schema_sample_rows=None, dtype_coercion="strict"
        )
        typed = _frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:  # mixed types, #DIV/0!, ...: classify cell by cell instead
        return _typed_by_cell(reader, index, start, text, filled, kind)
    if typed.height != text.height or typed.width != len(filled):
        return _typed_by_cell(reader, index, start, text, filled, kind)
    return _strict_render(text, typed, filled, dtypes)


def _strict_render(
    text: pl.DataFrame, typed: pl.DataFrame, filled: list[int], dtypes: list[str]
) -> pl.DataFrame:
    """``text`` with the ``filled`` columns rendered from their strictly typed values."""
    work = pl.concat(
        [text, typed.rename({f"c{k}": f"t{i}" for k, i in enumerate(filled)})], how="horizontal"
    )
    columns = {name: pl.col(name) for name in text.columns}
    for i, dtype in zip(filled, dtypes, strict=True):
        name = f"c{i}"
        rendered = _render(pl.col(f"t{i}"), dtype)
        if rendered is not None:
            columns[name] = pl.coalesce(rendered, pl.col(name)).alias(name)
        elif dtype == "duration":
            columns[name] = _text_rule(pl.col(name)).alias(name)
    return work.select(columns.values())


def _typed_by_cell(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int], kind: str
) -> pl.DataFrame:
    """Mixed columns: booleans tell number cells from text, floats give their exact value.

    XLS files are small (65,536 rows at most), so for them one more load finds the columns
    holding nothing but integers, which are rendered as integers.
    """
    integers: dict[int, pl.Series] = {}
    if kind == "xls":
        integers = _integer_columns(reader, index, start, text, filled)
        filled = [i for i in filled if i not in integers]
    flags: dict[int, pl.Series] = {}
    if filled:
        loaded = _frame(_fx(_load, reader, index, start, filled, dtypes="boolean"))
        if loaded.height != text.height or loaded.width != len(filled):
            raise _unreadable("isi lembar kerja tidak konsisten")
        flags = {i: loaded.to_series(k) for k, i in enumerate(filled)}

    def floats(numeric: list[int]) -> dict[int, pl.Series]:
        return _float_columns(reader, index, start, text, numeric)

    return _by_cell(text, filled, flags, floats, integers)


def _float_columns(
    reader: Any, index: int, start: int, text: pl.DataFrame, columns: list[int]
) -> dict[int, pl.Series]:
    loaded = _frame(_fx(_load, reader, index, start, columns, dtypes="float"))
    if loaded.height != text.height or loaded.width != len(columns):
        raise _unreadable("isi lembar kerja tidak konsisten")
    return {i: loaded.to_series(k) for k, i in enumerate(columns)}


def _by_cell(
    text: pl.DataFrame,
    filled: list[int],
    flags: Mapping[int, pl.Series],
    floats: Any,
    integers: Mapping[int, pl.Series],
) -> pl.DataFrame:
    """The cell-by-cell rendering from fastexcel's boolean load (``flags``: non-null for number
    and boolean cells) and float load (``floats(columns)``, asked only for columns with numbers).
    """
    work = text
    if filled:
        work = work.with_columns(flags[i].alias(f"b{i}") for i in filled)
    is_bool = {
        i: pl.col(f"b{i}").is_not_null() & pl.col(f"c{i}").is_in(["true", "false"]) for i in filled
    }
    has_number = (
        work.select(
            (pl.col(f"b{i}").is_not_null() & ~is_bool[i]).any().alias(f"c{i}") for i in filled
        ).row(0)
        if filled
        else ()
    )
    numeric = [i for i, flag in zip(filled, has_number, strict=True) if flag]
    if numeric:
        values: Mapping[int, pl.Series] = floats(numeric)
        work = work.with_columns(values[i].alias(f"f{i}") for i in numeric)
    if integers:
        work = work.with_columns(v.cast(pl.String).alias(f"i{i}") for i, v in integers.items())
    columns = {name: pl.col(name) for name in text.columns}
    for i in filled:
        cell = pl.col(f"c{i}")
        expr: Any = pl.when(is_bool[i]).then(cell.str.to_uppercase())
        if i in numeric:
            expr = expr.when(pl.col(f"b{i}").is_not_null()).then(pl.col(f"f{i}").cast(pl.String))
        columns[f"c{i}"] = expr.otherwise(_text_rule(cell)).alias(f"c{i}")
    for i in integers:
        cell = pl.col(f"c{i}")
        columns[f"c{i}"] = (
            pl.when(cell.is_in(["true", "false"]))
            .then(cell.str.to_uppercase())
            .otherwise(pl.coalesce(pl.col(f"i{i}"), cell))
            .alias(f"c{i}")
        )
    return work.select(columns.values())


# Guided typing (XLSX). Every load_sheet re-parses the whole sheet, so the plain path costs two
# loads for a clean sheet (text, strict) and four for a mixed one (text, strict that fails,
# boolean, float). The text already says a lot: number cells render as ``_NUMBER_LIKE``, date
# and time cells as ``_DATETIME_TEXT``, ISO cells (``t="d"``) as ``_ISO_LIKE``, so anything else
# is a text cell. Columns where the text suggests a mix are loaded as booleans (number cells vs
# text) or datetimes (date cells vs text) inside the strict load of the other columns; when that
# proves a mix, the strict load of all columns would have failed and the by-cell rendering is
# built from what is loaded; when it proves no mix, the by-cell rendering is checked to equal the
# strict one. Anything unproven falls back to the plain path, so the output never differs.

_STRICT_FAILS = object()
# fastexcel's NULL_STRING_VALUES: text cells its dtype guessing counts as empty.
_NULL_TEXTS = (
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)
_NAN_TEXTS = ("NaN", "-NaN", "nan", "-nan")  # null texts that the float dtype parses
# Everything fastexcel's string dtype makes of a number or boolean cell (format!("{x:.9}")
# trimmed, i64, NaN/inf, true/false).
_NUMBER_LIKE = r"^-?\d+(?:\.\d+)?$|^(?:NaN|inf|-inf|true|false)$"
_DECIMAL_TEXT = r"^-?\d+(?:\.\d+)?$"
_BIG_NUMBER_LIKE = r"^-?\d{13,}(?:\.\d+)?$"  # NIK/KK-sized: where text and numbers get mixed
_ISO_LIKE = r"^[+-]?\d{4,}-|^-?P|^\d{1,2}:\d{2}"
# From 2**43 on a double is a multiple of 2**-9, so its 9-decimal rendering is exact.
_EXACT_RENDERING = float(2**43)


def _typed_guided(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int]
) -> pl.DataFrame | object | None:
    """What :func:`_typed_strict` gives, from fewer loads; ``_STRICT_FAILS`` when the strict
    load is sure to fail (go by cell directly), None when not proven (use the plain path)."""
    nulls = list(_NULL_TEXTS)

    def shapes(i: int) -> list[pl.Expr]:
        cell = pl.col(f"c{i}")
        number = cell.str.contains(_NUMBER_LIKE)
        dated = cell.str.contains(_DATETIME_TEXT.pattern)
        iso = cell.str.contains(_ISO_LIKE)
        other = cell.is_not_null() & ~number & ~dated & ~cell.is_in(nulls)
        return [
            number.any().alias(f"n{i}"),
            cell.str.contains(_BIG_NUMBER_LIKE).any().alias(f"g{i}"),
            dated.any().alias(f"d{i}"),
            iso.any().alias(f"o{i}"),
            other.any().alias(f"x{i}"),
        ]

    found = text.select(itertools.chain.from_iterable(shapes(i) for i in filled)).row(0, named=True)
    if not any(found[f"n{i}"] or found[f"d{i}"] or found[f"o{i}"] for i in filled):
        return text  # text cells only: strict reads them all as strings, by cell keeps them too
    by_flag = [
        i for i in filled if found[f"n{i}"] and (found[f"x{i}"] or found[f"d{i}"] or found[f"g{i}"])
    ]
    by_date = [i for i in filled if not found[f"n{i}"] and found[f"d{i}"] and found[f"x{i}"]]
    if not by_flag and not by_date:
        return None
    asked: dict[str, str] = {f"__UNNAMED__{i}": "boolean" for i in by_flag}
    asked.update({f"__UNNAMED__{i}": "datetime" for i in by_date})
    try:
        sheet = _load(
            reader,
            index,
            start,
            filled,
            schema_sample_rows=None,
            dtype_coercion="strict",
            dtypes=asked,
        )
        typed = _frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except (fastexcel.UnsupportedColumnTypeCombinationError, fastexcel.CalamineCellError):
        # A column left to guessing is mixed (or holds #DIV/0!...): the strict load of every
        # column fails the same way.
        return _STRICT_FAILS
    except BaseException:
        return None
    if typed.height != text.height or typed.width != len(filled):
        return None
    position = {i: k for k, i in enumerate(filled)}
    values = {i: typed.to_series(position[i]) for i in filled}
    no_flags = pl.repeat(None, text.height, dtype=pl.Boolean, eager=True)

    # Flags (what the boolean load would give, as far as by cell looks: null or not) and floats.
    flags: dict[int, pl.Series] = {}
    known_floats: dict[int, pl.Series] = {}
    guessed: list[int] = []
    for i in filled:
        dtype = dtypes[position[i]]
        if i in by_flag:
            flags[i] = values[i]
        elif i in by_date:
            flags[i] = no_flags  # no number-like text: no number or boolean cell
        elif dtype == "float":
            if text.get_column(f"c{i}").is_in(_NAN_TEXTS).any():
                return None
            flags[i] = pl.select(
                pl.when(pl.lit(values[i]).is_not_null()).then(pl.lit(True))
            ).to_series()
            known_floats[i] = values[i]
            guessed.append(i)
        elif dtype == "boolean":
            flags[i] = values[i]
            guessed.append(i)
        elif dtype in ("string", "datetime", "duration"):
            flags[i] = no_flags
            guessed.append(i)
        else:  # int, date (ISO cells), null: leave it to the plain path
            return None

    mixed, proven = _guided_mix(text, values, flags, by_flag, by_date, nulls)
    if not mixed and not proven:
        return None

    def floats(numeric: list[int]) -> dict[int, pl.Series]:
        result = {i: known_floats[i] for i in numeric if i in known_floats}
        missing = [i for i in numeric if i not in result]
        derived = _floats_from_text(text, flags, missing)
        result.update(derived)
        missing = [i for i in missing if i not in derived]
        if missing:
            result.update(_float_columns(reader, index, start, text, missing))
        return result

    by_cell = _by_cell(text, filled, flags, floats, {})
    if mixed:
        return by_cell
    # No mix: the strict load may or may not succeed; either way by cell must equal strict.
    names = [f"c{i}" for i in guessed]
    strict = _strict_render(
        text.select(names),
        typed.select(pl.col(f"c{position[i]}").alias(f"c{k}") for k, i in enumerate(guessed)),
        guessed,
        [dtypes[position[i]] for i in guessed],
    )
    if not strict.equals(by_cell.select(names), null_equal=True):
        return None
    return by_cell


def _guided_mix(
    text: pl.DataFrame,
    values: Mapping[int, pl.Series],
    flags: Mapping[int, pl.Series],
    by_flag: list[int],
    by_date: list[int],
    nulls: list[str],
) -> tuple[bool, bool]:
    """(a column surely holds two cell types, every loaded column surely holds one at most).

    ``proven`` also requires the strict rendering of those columns to equal the by-cell one.
    """
    checks: list[pl.Expr] = []
    for i in by_flag:
        cell = pl.col(f"c{i}")
        flagged = pl.col(f"b{i}").is_not_null()
        boolean = flagged & cell.is_in(["true", "false"])
        number = flagged & ~boolean
        texty = ~flagged & cell.is_not_null() & ~cell.is_in(nulls)
        checks += [
            number.any().alias(f"n{i}"),
            boolean.any().alias(f"b{i}"),
            texty.any().alias(f"t{i}"),
            # a text cell that could be a date or ISO cell: its type is not known
            (texty & (cell.str.contains(_DATETIME_TEXT.pattern) | cell.str.contains(_ISO_LIKE)))
            .any()
            .alias(f"u{i}"),
            cell.is_in(_NAN_TEXTS).any().alias(f"z{i}"),
        ]
    for i in by_date:
        cell = pl.col(f"c{i}")
        dated = cell.str.contains(_DATETIME_TEXT.pattern)
        checks += [
            (dated & pl.col(f"v{i}").is_not_null()).any().alias(f"d{i}"),
            (
                cell.is_not_null()
                & ~dated
                & ~cell.str.contains(_ISO_LIKE)
                & ~cell.str.contains(_NUMBER_LIKE)
                & ~cell.is_in(nulls)
            )
            .any()
            .alias(f"t{i}"),
        ]
    work = text.with_columns(
        [flags[i].alias(f"b{i}") for i in by_flag] + [values[i].alias(f"v{i}") for i in by_date]
    )
    row = work.select(checks).row(0, named=True)
    mixed = False
    proven = not by_date  # a text column with date-like text: strict and by cell differ
    for i in by_flag:
        kinds = row[f"n{i}"] + row[f"b{i}"] + row[f"t{i}"]
        mixed = mixed or kinds > 1
        if row[f"u{i}"] or (row[f"n{i}"] and row[f"z{i}"]):
            proven = False
    for i in by_date:
        mixed = mixed or (row[f"d{i}"] and row[f"t{i}"])
    return mixed, proven


def _floats_from_text(
    text: pl.DataFrame, flags: Mapping[int, pl.Series], columns: list[int]
) -> dict[int, pl.Series]:
    """Number cells' values parsed from their text, for columns where that is exact.

    fastexcel renders a float with 9 decimals; from 2**43 on that is the exact value, so NIK-sized
    numbers need no float load. A column with any smaller number cell is not returned.
    """
    if not columns:
        return {}
    work = text.with_columns(flags[i].alias(f"b{i}") for i in columns)
    values = {
        i: pl.when(
            pl.col(f"b{i}").is_not_null()
            & ~pl.col(f"c{i}").is_in(["true", "false"])
            & pl.col(f"c{i}").str.contains(_DECIMAL_TEXT)
        ).then(pl.col(f"c{i}").cast(pl.Float64, strict=False))
        for i in columns
    }
    number = {
        i: pl.col(f"b{i}").is_not_null() & ~pl.col(f"c{i}").is_in(["true", "false"])
        for i in columns
    }
    exact = work.select(
        (~number[i] | (values[i].abs() >= _EXACT_RENDERING)).fill_null(False).all().alias(f"c{i}")
        for i in columns
    ).row(0, named=True)
    keep = [i for i in columns if exact[f"c{i}"]]
    if not keep:
        return {}
    parsed = work.select(values[i].alias(f"c{i}") for i in keep)
    return {i: parsed.get_column(f"c{i}") for i in keep}


def _integer_columns(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int]
) -> dict[int, pl.Series]:
    """Columns whose guessed dtype is int (calamine's Int cells, and booleans): their values."""
    try:
        sheet = _load(reader, index, start, filled, schema_sample_rows=None)
        loaded = _frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:
        return {}
    if loaded.height != text.height or loaded.width != len(filled):
        return {}
    return {
        i: loaded.to_series(k)
        for k, (i, dtype) in enumerate(zip(filled, dtypes, strict=True))
        if dtype == "int"
    }


def _apply_errors(
    frame: pl.DataFrame, start: int, positions: list[int], errors: dict[tuple[int, int], str]
) -> pl.DataFrame:
    if not errors:
        return frame
    column_of = dict(zip(positions, frame.columns, strict=True))
    updates: dict[str, tuple[list[int], list[str]]] = {}
    for (row, col), text in errors.items():
        name = column_of.get(col)
        if name is None or not start <= row < start + frame.height:
            continue
        rows, texts = updates.setdefault(name, ([], []))
        rows.append(row - start)
        texts.append(text)
    for name, (rows, texts) in updates.items():
        frame = frame.with_columns(frame[name].scatter(rows, texts))
    return frame


def _read_book(
    data: bytes,
    kind: str,
    errors: dict[str, dict[tuple[int, int], str]],
    limits: Limits,
    remembered: Mapping[str, str] | None = None,
) -> Sheet:
    reader = _fx(fastexcel.read_excel, data)
    names: list[str] = _fx(lambda: reader.sheet_names)
    no_header: FileError | None = None
    for index, name in enumerate(names):
        sheet = _fx(reader.load_sheet, index, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible != "visible" or sheet.width == 0 or sheet.height == 0:
            continue
        absolute = [column.absolute_index for column in sheet.selected_columns]
        text = _nulls_for_empty(_frame(sheet))
        text = text.select(_filled_columns(text))  # columns keep their names: c<range index>
        positions = [absolute[int(name[1:])] for name in text.columns]
        mask = _nonempty_rows(text)
        header_index = _find_header(text, limits, mask, remembered)
        if header_index is None:
            if no_header is None and mask.any():
                no_header = file_error(FileIssue.NO_HEADER, rows=limits.header_search_rows)
            continue
        start = header_index + 1
        below = mask.slice(start).arg_true()
        if len(below) and _is_numbering_row(list(text.row(start + int(below[0])))):
            start += int(below[0]) + 1  # typed loads skip it: numbers would make columns mixed
        remaining = mask.slice(start).sum()
        if remaining > limits.max_rows + 1:  # + 1: a numbering row may still be dropped
            raise file_error(FileIssue.TOO_MANY_ROWS, count=remaining, limit=limits.max_rows)
        data_text = _typed_text(reader, index, start, text.slice(start), kind)
        data_text = _apply_errors(data_text, start, positions, errors.get(name, {}))
        return _build_sheet(
            header_source=text,
            data=data_text,
            data_start=start,
            row_numbers=pl.int_range(1, text.height + 1, dtype=pl.UInt32, eager=True),
            column_positions=positions,
            limits=limits,
            file_type=kind,
            encoding=None,
            separator=None,
            sheet_name=name,
            header_index=header_index,
        )
    if no_header is not None:
        raise no_header
    raise file_error(FileIssue.EMPTY)
