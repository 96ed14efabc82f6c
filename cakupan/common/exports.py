"""List exports: every list page downloads as CSV and XLSX, exactly the rows its filters show.

One module for all of them (issue 12, item 2). A list view builds its queryset as it always does
(the app's scoped selector, the page's own filters) and, when the request asks for a download
(``?unduh=csv`` or ``?unduh=xlsx`` beside the page's own parameters), hands that same queryset to
:func:`export_queryset` (or, for the few pages whose rows are computed in Python, a list of
values to :func:`export_rows`) instead of paging it. So the rows of a download come out of the
page's own filter code, never out of a second copy of it, and a search travels as the page's
``?cari=<token>`` (``common.search``: the middleware puts the text back into ``request.GET``).

What every export does, in this order:

1. counts the rows and refuses, before writing anything, a list longer than
   ``settings.EXPORT_MAX_ROWS`` (``CAKUPAN_EXPORT_MAX_ROWS``, default 1,100,000, like the
   intake's row limit, so a kabupaten's whole registry can be downloaded and uploaded again) with
   :class:`ExportRefused`, whose Indonesian message names the limit;
2. calls the ``log`` callback the app passes (its selector writes the access-log row, UU 27/2022
   PDP Pasal 31: who, which rows, how many, with which filter; ``common`` imports no app, so the
   app's selector does the writing);
3. streams the file: CSV through a ``StreamingHttpResponse`` fed from a server-side cursor
   (``QuerySet.iterator(chunk_size=...)`` inside a transaction, so PostgreSQL hands the rows out in
   chunks and nothing holds the list), XLSX from the same cursor into a temporary file that a
   ``FileResponse`` sends and removes: xlsxwriter writes the workbook's structure (styles, header,
   widths, frozen header, filter) and the rows are streamed as sheet XML into the package
   (``common.spreadsheet.inline_string_cell``), about ten times faster than xlsxwriter's
   ``constant_memory`` mode cell by cell (``docs/benchmarks.md``), memory as flat.

Cells go through ``common.spreadsheet``: text escaped against formula injection (``= + - @``, tab,
CR and the rest, ASVS 1.2.10), NIK, KK and phone numbers always text (never a number losing its
16th digit), money and counts as numbers, dates as dates. Columns whose kind is sensitive (NIK, KK,
phone, money the page marks so) are masked for a user who may not read them in full
(``docs/security.md``, "Masked for read-only roles"): the app says per row whether the row is shown
in full.

An XLSX sheet holds at most 1,048,576 rows; a longer list goes on in a second sheet
("Data (2)"), each with the header row.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import math
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any, Literal

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponseBase,
    HttpResponseRedirect,
    QueryDict,
    StreamingHttpResponse,
)
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from xlsxwriter.utility import xl_col_to_name

from cakupan.common import search
from cakupan.common.nik import mask_nik
from cakupan.common.pii import mask_amount, mask_phone, redact_query
from cakupan.common.spreadsheet import (
    CellValue,
    csv_value,
    escape_formula,
    inline_string_cell,
    write_cell,
    xf_index,
    xlsx_workbook,
)

__all__ = [
    "CSV",
    "FORMATS",
    "PARAM",
    "Column",
    "ExportLog",
    "ExportRefused",
    "answer",
    "check_limit",
    "csv_chunks",
    "describe_filters",
    "download_links",
    "export_queryset",
    "export_rows",
    "mask_value",
    "max_rows",
    "requested_format",
    "xlsx_temporary_file",
]

#: The query parameter that asks a list page for a download, and its values.
PARAM = "unduh"
FORMATS = ("csv", "xlsx")
CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Rows fetched per round trip from the server-side cursor.
CHUNK_ROWS = 2000
#: Bytes gathered before a CSV chunk is handed to the server.
CHUNK_BYTES = 64 * 1024
#: Data rows in one XLSX sheet: Excel's 1,048,576 rows less the header.
SHEET_ROWS = 1_048_575

Kind = Literal["text", "nik", "phone", "number", "money", "date"]
#: Kinds written as text whatever they look like (a NIK is a 16-digit *text*).
_TEXT_KINDS = frozenset({"text", "nik", "phone"})


@dataclass(frozen=True)
class Column:
    """One column of an export.

    ``header``: the Indonesian header (a lazy translation is fine). ``field``: the ORM path the
    value is read from (``values_list``) for :func:`export_queryset`. ``kind``: how the value is
    written (``nik`` and ``phone`` text, ``money`` and ``number`` numbers, ``date`` a date).
    ``labels``: value -> label (a model field's choices). ``sensitive``: masked in rows not shown in
    full (NIK and KK as ``7324********0001``, phone as ``0812****5678``, money as ``Rp •••``).
    """

    header: Any
    field: str = ""
    kind: Kind = "text"
    width: int = 18
    labels: Mapping[Any, Any] | None = None
    sensitive: bool = False


class ExportRefused(Exception):
    """An export that is not written (too many rows); ``message`` says why, in Indonesian."""

    def __init__(self, message: str, *, code: str, limit: int, rows: int) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.limit = limit
        self.rows = rows


@dataclass(frozen=True)
class ExportLog:
    """What an app's selector gets to log one export: the format, the row count, the filter."""

    fmt: str
    rows: int
    filters: str

    @property
    def note(self) -> str:
        """``"unduh CSV, 1234 baris; status=active"``: the access log's note."""
        text = f"unduh {self.fmt.upper()}, {self.rows} baris"
        return f"{text}; {self.filters}" if self.filters else text


def max_rows() -> int:
    """The configured row limit of one export (``CAKUPAN_EXPORT_MAX_ROWS``)."""
    return int(getattr(settings, "EXPORT_MAX_ROWS", 1_100_000))


def requested_format(request: HttpRequest) -> str | None:
    """``"csv"`` or ``"xlsx"`` when the request asks for a download, else None (the page)."""
    value = request.GET.get(PARAM, "")
    return value if value in FORMATS else None


def download_links(request: HttpRequest) -> dict[str, str]:
    """The page's address with its filters and ``unduh=csv`` / ``unduh=xlsx``, per format.

    The search text itself (``q``, which the middleware put back from the token) is left out: the
    token ``cari`` stays, so no NIK lands in the link. Paging is left out: a download holds every
    row the filters give, not one page.
    """
    query = QueryDict(mutable=True)
    for key, values in request.GET.lists():
        if key in (search.FIELD, "page", PARAM):
            continue
        query.setlist(key, values)
    links = {}
    for fmt in FORMATS:
        query[PARAM] = fmt
        links[fmt] = f"{request.path}?{query.urlencode()}"
    return links


def describe_filters(filters: Mapping[str, Any]) -> str:
    """The filters of an export as its access-log note holds them: ``"status=aktif; cari: ..."``.

    Empty values are left out; the search text (key ``q``) is redacted (a NIK becomes its masked
    form and keyed hash, ``common.pii``), so the log never holds a NIK.
    """
    parts = []
    for key, value in filters.items():
        if value in (None, "", [], ()):
            continue
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        if key == search.FIELD:
            parts.append(f"pencarian: {redact_query(text[:200])}")
        else:
            parts.append(f"{key}={text[:60]}")
    return "; ".join(parts)


def check_limit(rows: int) -> None:
    """Refuse an export of more than :func:`max_rows` rows, naming the limit."""
    limit = max_rows()
    if rows > limit:
        raise ExportRefused(
            _(
                "Unduhan dibatasi %(limit)s baris; daftar ini %(rows)s baris. Persempit saringan "
                "(wilayah, segmen, status, pencarian) lalu unduh lagi."
            )
            % {
                "limit": number_format(limit, force_grouping=True),
                "rows": number_format(rows, force_grouping=True),
            },
            code="export_too_large",
            limit=limit,
            rows=rows,
        )


def mask_value(column: Column, value: Any) -> Any:
    """``value`` of a sensitive ``column`` as a user who may not read it in full sees it."""
    if value in (None, ""):
        return value
    if column.kind == "nik":
        text = str(value)
        return mask_nik(text) if len(text) == 16 and text.isdigit() else "*" * len(text)
    if column.kind == "phone":
        return mask_phone(str(value))
    if column.kind in ("money", "number"):
        return mask_amount(value)
    return "•••"


def _cell(column: Column, value: Any) -> CellValue:
    if column.labels is not None and value is not None:
        value = column.labels.get(value, value)
    if value is None or isinstance(value, str):
        return value
    if column.kind in _TEXT_KINDS:
        return str(value)
    if isinstance(value, dt.datetime):
        # xlsxwriter refuses aware datetimes: the office's local time, as the pages show it.
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _converter(column: Column) -> Callable[[Any], CellValue]:
    """What turns a column's raw value into a cell. Labels are translated once, here, in the
    request's language (a lazy label costs a catalogue lookup each time it is read)."""
    if column.labels is not None:
        labels = {key: str(label) for key, label in column.labels.items()}

        def label(value: Any) -> CellValue:
            if value is None:
                return None
            found = labels.get(value, value)
            return found if isinstance(found, str) else _cell(column, found)

        return label

    def convert(value: Any) -> CellValue:
        return value if value is None or type(value) is str else _cell(column, value)

    return convert


def _typed_rows(
    rows: Iterable[Sequence[Any]], columns: Sequence[Column], full: Callable[[Sequence[Any]], bool]
) -> Iterator[list[CellValue]]:
    """The cells of ``rows``: masked where ``full(row)`` is false, typed (eagerly prepared, so the
    labels are in the request's language even when the rows are read after the view returned)."""
    converters = [_converter(c) for c in columns]
    sensitive = [i for i, c in enumerate(columns) if c.sensitive]
    width = len(columns)

    def cells() -> Iterator[list[CellValue]]:
        for row in rows:
            values = list(row[:width])
            if sensitive and not full(row):
                for i in sensitive:
                    values[i] = mask_value(columns[i], values[i])
            yield [convert(v) for convert, v in zip(converters, values, strict=True)]

    return cells()


def csv_chunks(rows: Iterable[Sequence[CellValue]], headers: Sequence[str]) -> Iterator[bytes]:
    """A CSV file in chunks of about :data:`CHUNK_BYTES`: UTF-8 with BOM, ``,``, CRLF (RFC 4180),
    every text cell escaped, as ``common.spreadsheet.write_csv`` writes a whole file."""
    dates: dict[dt.date, str] = {}  # a list repeats its dates; strftime is a third of a row's cost

    def field(value: CellValue) -> str:
        kind = type(value)
        if kind is str:
            return escape_formula(value)  # type: ignore[arg-type]
        if kind is dt.date:
            text = dates.get(value)  # type: ignore[arg-type]
            if text is None:
                if len(dates) > 50_000:
                    dates.clear()
                text = dates[value] = csv_value(value)  # type: ignore[index]
            return text
        return csv_value(value)

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=",", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([escape_formula(str(h)) for h in headers])
    for row in rows:
        writer.writerow([field(v) for v in row])
        if buffer.tell() >= CHUNK_BYTES:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


_SHEET_ENTRY = re.compile(r"xl/worksheets/sheet([0-9]+)\.xml")
_DIMENSION = re.compile(rb'<dimension ref="[^"]*"/>')
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def _number(value: int | float | decimal.Decimal) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        return format(value, "f")
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return repr(value)


def _serial(value: dt.date) -> str:
    """Excel's serial number of a date (1900 date system), with the time as a fraction."""
    days = (value if not isinstance(value, dt.datetime) else value.date()) - _EXCEL_EPOCH
    if not isinstance(value, dt.datetime):
        return str(days.days)
    seconds = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
    return repr(days.days + seconds / 86400)


def _rows_xml(
    rows: Iterator[Sequence[CellValue]], first: int, last: int, styles: list[tuple[int, int]]
) -> Iterator[str]:
    """Rows ``first`` .. ``last`` (1-based sheet rows) as ``<row>`` XML, taken from ``rows`` until
    it ends; ``styles[col]`` is (style for text, style for a number or date) of each column."""
    refs = [xl_col_to_name(col) for col in range(len(styles))]
    for r in range(first, last + 1):
        values = next(rows, None)
        if values is None:
            return
        parts = [f'<row r="{r}">']
        for col, value in enumerate(values):
            if value is None:
                continue
            ref = f"{refs[col]}{r}"
            text_style, value_style = styles[col]
            if isinstance(value, str):
                parts.append(inline_string_cell(ref, value, text_style))
            elif isinstance(value, dt.date):
                parts.append(f'<c r="{ref}" s="{value_style}"><v>{_serial(value)}</v></c>')
            elif isinstance(value, int | float | decimal.Decimal):
                parts.append(f'<c r="{ref}" s="{value_style}"><v>{_number(value)}</v></c>')
            else:
                raise TypeError(f"cannot write a {type(value).__name__} to a spreadsheet cell")
        parts.append("</row>")
        yield "".join(parts)


def xlsx_temporary_file(
    rows: Iterable[Sequence[CellValue]],
    columns: Sequence[Column],
    *,
    title: str,
    rows_hint: int = 0,
) -> IO[bytes]:
    """The rows as an XLSX in a temporary file (open, at its start; removed when closed).

    xlsxwriter writes the structure (styles, header row, column widths, frozen header, filter),
    one sheet per :data:`SHEET_ROWS` of the ``rows_hint`` rows expected (at least one); the data
    rows are then streamed as XML into each sheet while the package is copied into the temporary
    file (``common.spreadsheet``'s splice, written to a file instead of memory: about ten times
    faster than xlsxwriter cell by cell, and memory stays flat however many rows come). Text is
    escaped by ``spreadsheet.inline_string_cell``; NIK, KK and phone columns are text cells of
    the text format ``@``, money and counts numbers, dates dates.
    """
    sheets = max(math.ceil(rows_hint / SHEET_ROWS), 1)
    skeleton = io.BytesIO()
    book = xlsx_workbook(skeleton)
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    number = book.add_format({"num_format": "#,##0"})
    date = book.add_format({"num_format": "dd-mm-yyyy"})
    sheet_title = (title[:25] or "Data").translate(str.maketrans("[]:*?/\\", "       "))
    for n in range(1, sheets + 1):
        ws = book.add_worksheet(sheet_title if n == 1 else f"{sheet_title[:22]} ({n})")
        for col, column in enumerate(columns):
            ws.set_column(col, col, column.width)
            write_cell(ws, 0, col, str(column.header), head)
        ws.freeze_panes(1, 0)
        planned = min(SHEET_ROWS, max(rows_hint - (n - 1) * SHEET_ROWS, 0))
        ws.autofilter(0, 0, max(planned, 1), len(columns) - 1)
    text_style = xf_index(text)
    styles = [(text_style, xf_index(date if c.kind == "date" else number)) for c in columns]
    book.close()

    handle = tempfile.NamedTemporaryFile(prefix="cakupan-ekspor-", suffix=".xlsx")  # noqa: SIM115 - the response closes it
    remaining = iter(rows)
    last_col = xl_col_to_name(max(len(columns) - 1, 0))
    with (
        zipfile.ZipFile(io.BytesIO(skeleton.getvalue())) as source,
        zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            found = _SHEET_ENTRY.fullmatch(info.filename)
            if found is None:
                target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=3)
                continue
            n = int(found.group(1))
            planned = min(SHEET_ROWS, max(rows_hint - (n - 1) * SHEET_ROWS, 0))
            dimension = f'<dimension ref="A1:{last_col}{planned + 1}"/>'.encode()
            data = _DIMENSION.sub(dimension, data, count=1)
            before, after = data.split(b"</sheetData>", 1)
            with target.open(info.filename, "w", force_zip64=True) as out:
                out.write(before)
                for row in _rows_xml(remaining, 2, SHEET_ROWS + 1, styles):
                    out.write(row.encode("utf-8"))
                out.write(b"</sheetData>" + after)
    if next(remaining, None) is not None:
        # More rows than counted a moment ago, past the sheets planned: refuse rather than cut.
        handle.close()
        raise RuntimeError("the list grew past the sheets planned for it while it was written")
    handle.seek(0)
    return handle


def _response(
    rows: Iterable[Sequence[CellValue]],
    columns: Sequence[Column],
    *,
    fmt: str,
    file_stem: str,
    rows_hint: int,
) -> StreamingHttpResponse | FileResponse:
    name = f"{file_stem}-{timezone.localdate():%Y%m%d}.{fmt}"
    response: StreamingHttpResponse | FileResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            csv_chunks(rows, [str(c.header) for c in columns]), content_type=CSV
        )
        response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    else:
        handle = xlsx_temporary_file(rows, columns, title=file_stem, rows_hint=rows_hint)
        response = FileResponse(handle, as_attachment=True, filename=name, content_type=XLSX)
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _streamed(
    queryset: QuerySet[Any], fields: list[str], chunk_size: int
) -> Iterator[tuple[Any, ...]]:
    """The rows of ``queryset`` from a server-side cursor, in its own transaction.

    Inside a transaction Django opens the cursor without ``WITH HOLD``, so PostgreSQL sends the
    rows as they are fetched instead of materialising the whole result when autocommit commits
    the ``DECLARE``. A client that stops reading closes the generator and the transaction.
    """
    with transaction.atomic():
        yield from queryset.values_list(*fields).iterator(chunk_size=chunk_size)


def export_queryset(
    queryset: QuerySet[Any],
    columns: Sequence[Column],
    *,
    fmt: str,
    file_stem: str,
    log: Callable[[ExportLog, QuerySet[Any]], None],
    filters: str = "",
    full: bool | str = True,
    chunk_size: int = CHUNK_ROWS,
) -> StreamingHttpResponse | FileResponse:
    """Count, check the limit, log, then stream ``queryset`` (the page's own rows) as ``fmt``.

    ``full``: True when every row is shown in full, False when every row is masked, or the name of
    a boolean annotation on ``queryset`` that says it per row. ``log`` gets the export's facts and
    the queryset (to log which records it names) and writes the access-log row. Raises
    :class:`ExportRefused` before anything is logged or written when the list is too long.
    """
    count = queryset.count()
    check_limit(count)
    log(ExportLog(fmt=fmt, rows=count, filters=filters), queryset)
    fields = [c.field for c in columns]
    if isinstance(full, str):
        fields.append(full)
        index = len(columns)
        rows = _typed_rows(
            _streamed(queryset, fields, chunk_size), columns, lambda r: bool(r[index])
        )
    else:
        everything = bool(full)
        rows = _typed_rows(_streamed(queryset, fields, chunk_size), columns, lambda _r: everything)
    return _response(rows, columns, fmt=fmt, file_stem=file_stem, rows_hint=count)


def export_rows(
    rows: Sequence[Sequence[Any]],
    columns: Sequence[Column],
    *,
    fmt: str,
    file_stem: str,
    log: Callable[[ExportLog], None],
    filters: str = "",
    full: Callable[[Sequence[Any]], bool] | bool = True,
) -> StreamingHttpResponse | FileResponse:
    """:func:`export_queryset` for the pages whose rows are computed in Python (already a list:
    overdue claims with their clocks, scholarship instalments, follow-up lists). A row may carry
    extra values after the columns' (ignored, for ``full`` to read)."""
    check_limit(len(rows))
    log(ExportLog(fmt=fmt, rows=len(rows), filters=filters))
    everything = bool(full)
    decide: Callable[[Sequence[Any]], bool] = full if callable(full) else (lambda _r: everything)
    return _response(
        _typed_rows(rows, columns, decide),
        columns,
        fmt=fmt,
        file_stem=file_stem,
        rows_hint=len(rows),
    )


def answer(request: HttpRequest, build: Callable[[], HttpResponseBase]) -> HttpResponseBase:
    """The download ``build`` makes, or, when it is refused, back to the list with the reason.

    The refusal comes back as a message on the list page (303 to the page's own address with its
    filters, the search token kept), so the user narrows the filters where they are.
    """
    try:
        return build()
    except ExportRefused as error:
        messages.error(request, error.message)
        query = request.GET.copy()
        for key in (PARAM, search.FIELD):
            query.pop(key, None)
        target = f"{request.path}?{query.urlencode()}" if query else request.path
        response = HttpResponseRedirect(target)
        response.status_code = 303
        return response
