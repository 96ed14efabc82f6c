"""Writing spreadsheets people open in Excel: formula-injection escaping, typed XLSX, CSV.

No Django imports. Every export of the project that produces XLSX or CSV goes through here
(SECURITY.md section 5 and test T14; ASVS 5.0 1.2.10).

Formula injection
-----------------
Excel, LibreOffice and Google Sheets evaluate a cell whose text starts with ``=``, ``+``, ``-`` or
``@`` as a formula, and tab or CR at the start of a CSV field can smuggle one in. RFC 4180 quoting
does not help. :func:`escape_formula` therefore prefixes such text with a single quote ``'``, the
character ASVS 1.2.10 and OWASP prescribe. The choice, and what it costs:

* The quote is part of the *value*, not Excel's hidden "quote prefix" cell style: a CSV has no
  styles, and a value that starts with ``'`` stays inert when a cell is copied, re-saved as CSV or
  edited with F2. In XLSX the operator sees ``'=SUM(A1)``; Excel shows the quote, as it is text.
* Readers of files we produced (the annotated workbook comes back as an upload) must drop one
  leading ``'`` before a trigger character; ``common.nik`` already drops one before a NIK.
* Triggers: ``= + - @``, tab, CR, LF, NUL, and their full-width forms U+FF1D, U+FF0B, U+FF0D and
  U+FF20 (IME input in some Excel versions turns them into formulas). ``|`` and ``%`` (defusedcsv
  also escapes them) only act after one of these, so text starting with them is left alone.
  Leading spaces are left alone too: LibreOffice 7.4 keeps ``" =1+1"`` from a CSV as text
  (checked); Excel was not available to check.
* Only ``str`` is escaped. Numbers are never passed through it, so a negative wage correction
  stays the number ``-250000`` and is not turned into text. Text that merely looks like a negative
  number (``"-250000"``) is text and is escaped, like everything else that is text.
* The escape is idempotent: escaped text starts with ``'`` and is not escaped again.

XLSX
----
:func:`xlsx_workbook` opens an ``xlsxwriter`` workbook with ``strings_to_formulas``,
``strings_to_numbers`` and ``strings_to_urls`` all off, so no text ever becomes a formula, a number
(a NIK losing its 16th digit) or a hyperlink, whichever ``write*`` method is used.
:func:`write_cell` writes a typed cell: text escaped, numbers as numbers, dates as dates.

Rows xlsxwriter is too slow for
-------------------------------
xlsxwriter spends ~15 microseconds a cell: 200,000 rows of 13 columns take 40 s. For such sheets
the structure (styles, column formats, header, autofilter, validations, other sheets) is still
written with xlsxwriter, and the data rows are generated as XML by the caller with
:func:`inline_string_cell` and spliced into the finished package with :func:`append_rows`
(~3 s for the same rows). Styles are referred to by :func:`xf_index`.

CSV
---
:func:`write_csv` returns UTF-8 *with* BOM (Excel reads BOM-less UTF-8 in the system code page and
garbles every non-ASCII character), comma-delimited, quoted when needed (RFC 4180,
CRLF line ends). Comma, not semicolon: CSV here is for machines (the BPJS upload), and every
machine consumer expects RFC 4180. Excel with an Indonesian regional setting (list separator
``;``) opens a comma CSV on a double click in one column; people get XLSX instead. A ``sep=,``
first line is not written: Excel then ignores the BOM, and other readers take it for data.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from typing import IO, Any, TypeVar, overload

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

__all__ = [
    "FORMULA_TRIGGERS",
    "MAX_CELL_CHARS",
    "OOXML_SPECIAL",
    "XLSX_OPTIONS",
    "CellValue",
    "append_rows",
    "csv_value",
    "escape_formula",
    "fit_cell",
    "inline_string_cell",
    "safe_cell",
    "write_cell",
    "write_csv",
    "xf_index",
    "xlsx_workbook",
    "xml_text",
]

#: First characters that make a spreadsheet treat text as a formula (see the module docstring).
FORMULA_TRIGGERS = frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20")

#: Options every xlsxwriter workbook of the project is opened with (on top of memory options).
XLSX_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
}

#: What the CSV and XLSX helpers accept in a cell.
CellValue = str | int | float | decimal.Decimal | dt.date | None

_T = TypeVar("_T")


def escape_formula(text: str) -> str:
    """``text`` with a leading ``'`` when it starts with a formula trigger, else unchanged.

    >>> escape_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> escape_formula("Andi")
    'Andi'
    """
    if text and text[0] in FORMULA_TRIGGERS:
        return "'" + text
    return text


@overload
def safe_cell(value: str) -> str: ...
@overload
def safe_cell(value: _T) -> _T: ...
def safe_cell(value: object) -> object:
    """Escape ``value`` when it is text; numbers, dates and ``None`` are returned unchanged."""
    if isinstance(value, str):
        return escape_formula(value)
    return value


def xlsx_workbook(
    output: str | IO[bytes], *, constant_memory: bool = False, tmpdir: str | None = None
) -> Workbook:
    """An xlsxwriter ``Workbook`` with :data:`XLSX_OPTIONS` set, writing to ``output``.

    ``constant_memory``: rows are flushed to a temporary file as soon as a later row is written
    (rows must be written top to bottom, cells of one row in any order; no shared strings), for
    files of 100,000+ rows. Otherwise the whole workbook is assembled in memory.
    """
    options: dict[str, Any] = {
        **XLSX_OPTIONS,
        "constant_memory": constant_memory,
        "in_memory": not constant_memory,
    }
    if tmpdir is not None:
        options["tmpdir"] = tmpdir
    return Workbook(output, options)


def write_cell(
    worksheet: Worksheet,
    row: int,
    col: int,
    value: CellValue,
    cell_format: Format | None = None,
) -> None:
    """Write one typed cell (0-based ``row``/``col``).

    ``str`` -> escaped text; ``int``/``float``/``Decimal`` -> number (``bool`` too, as 0/1);
    ``date``/``datetime`` -> date (give ``cell_format`` a date ``num_format``); ``None`` -> a blank
    cell, written only when ``cell_format`` is given (a fill or a text format on an empty cell).
    """
    if value is None:
        if cell_format is not None:
            worksheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, str):
        worksheet.write_string(row, col, escape_formula(value), cell_format)
    elif isinstance(value, int | float | decimal.Decimal):
        if isinstance(value, float | decimal.Decimal) and not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        worksheet.write_number(row, col, value, cell_format)
    elif isinstance(value, dt.date):
        if isinstance(value, dt.datetime):
            worksheet.write_datetime(row, col, value, cell_format)
        else:
            worksheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()), cell_format)
    else:
        raise TypeError(f"cannot write a {type(value).__name__} to a spreadsheet cell")


def csv_value(value: CellValue) -> str:
    """One CSV field: text escaped, numbers plain (``-250000``, never ``2.5e+06``), dates dd-mm-yyyy.

    ``datetime`` becomes ``dd-mm-yyyy HH:MM:SS``; ``None`` an empty field.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return escape_formula(value)
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return format(value, "f")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        if value.is_integer():
            return str(int(value))
        return format(decimal.Decimal(repr(value)), "f")
    if isinstance(value, dt.datetime):
        return value.strftime("%d-%m-%Y %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%d-%m-%Y")
    raise TypeError(f"cannot write a {type(value).__name__} to a CSV field")


def write_csv(rows: Iterable[Sequence[CellValue]], header: Sequence[str]) -> bytes:
    """A CSV file: UTF-8 with BOM, ``,`` delimiter, CRLF, every text cell (header too) escaped."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow([escape_formula(name) for name in header])
    writer.writerows([csv_value(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


# Characters an OOXML text element cannot hold as they are: XML markup, C0 controls other than tab
# and LF (CR too: XML parsers turn it into LF), surrogates and U+FFFE/U+FFFF. Controls are written
# as ``_xHHHH_``, so a literal ``_xHHHH_`` gets its underscore escaped (``_x005F``), as Excel does.
OOXML_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]|_x[0-9A-Fa-f]{4}_")
_XML_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def _ooxml_escape(match: re.Match[str]) -> str:
    found = match.group()
    if len(found) > 1:
        return "_x005F" + found
    return _XML_ENTITIES.get(found) or f"_x{ord(found):04X}_"


def xml_text(text: str) -> str:
    """``text`` for the content of an OOXML ``<t>`` element (no formula escaping: see below).

    Excel, LibreOffice, calamine (fastexcel) and openpyxl read it back as ``text``; openpyxl leaves
    ``_xHHHH_`` escapes of inline strings undecoded, so there a control character reads back as
    ``_x0001_``.
    """
    if OOXML_SPECIAL.search(text) is None:
        return text
    return OOXML_SPECIAL.sub(_ooxml_escape, text)


#: Excel's limit on the text of one cell, in UTF-16 code units; longer text makes Excel "repair"
#: the file. xlsxwriter cuts text to it; :func:`inline_string_cell` does too.
MAX_CELL_CHARS = 32_767


def fit_cell(text: str) -> str:
    """``text`` cut to :data:`MAX_CELL_CHARS` UTF-16 code units (never inside a character)."""
    if len(text) <= MAX_CELL_CHARS // 2:
        return text
    encoded = text.encode("utf-16-le")
    if len(encoded) <= 2 * MAX_CELL_CHARS:
        return text
    return encoded[: 2 * MAX_CELL_CHARS].decode("utf-16-le", errors="ignore")


def inline_string_cell(ref: str, text: str, style: int = 0) -> str:
    """The XML of one text cell ``ref`` (``"B17"``) holding ``text``, formula-escaped.

    ``style`` is an :func:`xf_index` (0: the default style). Text is cut to
    :data:`MAX_CELL_CHARS`.
    """
    text = xml_text(fit_cell(escape_formula(text)))
    space = ' xml:space="preserve"' if text and (text[0] <= " " or text[-1] <= " ") else ""
    style_attr = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{style_attr} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def xf_index(cell_format: Format) -> int:
    """The style index of ``cell_format`` in the workbook's ``styles.xml``, for hand-written cells.

    Registers the format with its workbook (xlsxwriter only writes formats used by some cell);
    call it before ``Workbook.close()``. Relies on ``Format._get_xf_index`` (xlsxwriter 3.x).
    """
    index: int = cell_format._get_xf_index()
    return index


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')


def append_rows(
    xlsx: bytes,
    *,
    sheet_number: int,
    rows_xml: Iterable[str],
    dimension: str,
    compresslevel: int = 3,
) -> bytes:
    """``xlsx`` (written by xlsxwriter) with ``rows_xml`` appended to sheet ``sheet_number``.

    ``sheet_number`` is 1-based in the order the sheets were added. Each item of ``rows_xml`` is
    one or more complete ``<row r="...">`` elements, below every row already in the sheet and in
    ascending order. ``dimension`` (``"A1:N200003"``) replaces the sheet's used range. The package is
    recompressed; ``compresslevel`` 3 writes 200,000 rows ~1.5 s faster than 6 (the zlib
    default) for a file 5% larger.
    """
    name = f"xl/worksheets/sheet{sheet_number}.xml"
    output = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename != name:
                target.writestr(
                    info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=compresslevel
                )
                continue
            data = _DIMENSION.sub(f'<dimension ref="{dimension}"/>'.encode(), data, count=1)
            if b"<sheetData/>" in data:
                head, tail = data.split(b"<sheetData/>", 1)
                head += b"<sheetData>"
                tail = b"</sheetData>" + tail
            else:
                head, tail = data.split(b"</sheetData>", 1)
                tail = b"</sheetData>" + tail
            # Opened by name: deflated at ``compresslevel`` (a ZipInfo would need private fields).
            with target.open(name, "w") as out:
                out.write(head)
                for chunk in rows_xml:
                    out.write(chunk.encode("utf-8"))
                out.write(tail)
        if name not in source.namelist():
            raise ValueError(f"no {name} in the workbook")
    return output.getvalue()
