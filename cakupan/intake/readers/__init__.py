"""Readers: the bytes of an uploaded list become one polars frame of cell *text*, header found.

Pure Python + polars + fastexcel (calamine); no Django imports, limits come in as arguments.
:func:`read_upload` either returns a :class:`Sheet` or raises :class:`~cakupan.intake.schema.FileError`
(never anything else: parser errors, Rust panics and odd input all become ``FileError``).

The package's modules: :mod:`.detect` (what the bytes are), :mod:`.csv`, the pre-flight checks
that run before any spreadsheet parser (:mod:`.zip_preflight` with :mod:`.xml_scan` for XLSX and
ODS, :mod:`.xls_preflight` for XLS), :mod:`.workbook` (reading a workbook with fastexcel:
:mod:`.calamine`, :mod:`.typed`, :mod:`.guided`), :mod:`.grid` (header row, data rows and
columns from a grid of text) and :mod:`.common` (limits, the :class:`Sheet`, shared errors).

Cell text rules (validators downstream rely on these exactly)
-------------------------------------------------------------
* Every cell becomes ``str`` or null. Empty cells, and cells holding the empty string, are null.
* Text cells: verbatim. Nothing is stripped, case is kept, a leading ``'`` stays (un-escaping our
  own formula-injection prefix is the validators' job, as is trimming).
* Numeric spreadsheet cells: a float cell is ``repr(float)``: ``7324011708800000.0``,
  ``2500000.0``, ``7.324011708800002e+16``, ``2500000.5``. XLSX and ODS have no integer cells, so
  every number there reads as a float: this is how a NIK that went through a number cell stays
  recognisable (``common.nik``: ``nik_excel_damaged``). An integer-typed cell (only XLS has them,
  and only when the column holds nothing but integers, see the quirks in :mod:`.calamine`) is
  ``str(int)``.
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
* HTML: a cell is the text a browser shows (whitespace runs and ``&nbsp;`` as one space, trimmed);
  cells covered by a ``colspan``/``rowspan`` are empty.

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
* HTML (a page starting with a doctype, ``<html>``, ``<table>``, ``<meta>``, a comment ...): read
  for its first table with a header row (:mod:`.html`; OpenSID's "unduh" and Excel's "Web Page"
  are HTML sent as ``.xls``); an HTML page without a table is ``UNSUPPORTED_TYPE``.
* Known binary formats (PDF, images, executables, archives), XML documents (SpreadsheetML
  included) and bytes that are mostly control characters: ``UNSUPPORTED_TYPE``, whose message
  names what the file is ("dokumen PDF", "arsip ZIP yang bukan XLSX atau ODS" ...). Everything
  else is CSV.
"""

from __future__ import annotations

from collections.abc import Mapping

from cakupan.intake.readers.common import DEFAULT_LIMITS, Limits, Sheet, _mb, _unreadable
from cakupan.intake.readers.csv import _read_csv
from cakupan.intake.readers.detect import _detect, _is_blank
from cakupan.intake.readers.html import _read_html
from cakupan.intake.readers.xls_preflight import _read_xls
from cakupan.intake.readers.zip_preflight import _read_zip_workbook
from cakupan.intake.schema import FileError, FileIssue, file_error

__all__ = ["DEFAULT_LIMITS", "Limits", "Sheet", "read_upload"]


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
        if kind == "html":
            return _read_html(data, limits, remembered)
        return _read_csv(data, limits, remembered)
    except FileError:
        raise
    except Exception as exc:  # a reader bug must not escape as anything but FileError
        raise _unreadable("kesalahan pembaca berkas") from exc
