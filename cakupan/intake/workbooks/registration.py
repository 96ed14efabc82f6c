"""The registration file for BPJS Ketenagakerjaan (:func:`bpjs_registration_file`): one row per
verified membership, columns :data:`REGISTRATION_COLUMNS`, as CSV or XLSX, every row checked
before anything is written. Plain data in, ``bytes`` out; the XLSX rows are spliced in as XML.
"""

from __future__ import annotations

import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal

from xlsxwriter.utility import xl_col_to_name

from cakupan.common.spreadsheet import (
    append_rows,
    inline_string_cell,
    write_csv,
    xf_index,
    xlsx_workbook,
)
from cakupan.intake.workbooks.styling import _CHUNK_ROWS, _EXCEL_MAX_ROWS, _HEADER_FILL

__all__ = ["REGISTRATION_COLUMNS", "bpjs_registration_file"]


#: Columns of the registration file, in order. Source keys of each row dict in brackets:
#:
#: ``NIK`` (``nik``): 16 digits, text. ``NAMA`` (``name``). ``TGL_LAHIR`` (``birth_date``, a date):
#: text ``dd-mm-yyyy``. ``JENIS_KELAMIN`` (``sex``): ``L``/``P``. ``NO_HP`` (``phone``, optional).
#: ``UPAH`` (``wage``, whole rupiah): an integer number. ``PROGRAM`` (``programmes``, codes):
#: ``JKK,JKM`` in the order JKK, JKM, JHT, JP, JKP. ``SEGMEN`` (``segment``): our segment code.
#: ``NPP`` (``npp``, optional): the unit's BPJS employer number (Nomor Pendaftaran Perusahaan) when
#: known. ``KODE_UNIT`` (``unit_code``): our unit code. ``TGL_MULAI`` (``start_date``, a date):
#: text ``dd-mm-yyyy``. ``ID_CAKUPAN`` (``membership_id``): our membership id, text, to match the
#: reply of BPJS.
REGISTRATION_COLUMNS: tuple[str, ...] = (
    "NIK",
    "NAMA",
    "TGL_LAHIR",
    "JENIS_KELAMIN",
    "NO_HP",
    "UPAH",
    "PROGRAM",
    "SEGMEN",
    "NPP",
    "KODE_UNIT",
    "TGL_MULAI",
    "ID_CAKUPAN",
)
_PROGRAMME_ORDER = ("jkk", "jkm", "jht", "jp", "jkp")
_NIK = re.compile(r"[0-9]{16}")
_REGISTRATION_SHEET = "Peserta"


def _registration_values(number: int, row: Mapping[str, Any]) -> list[str | int]:
    """One row of the registration file; ``number`` (1-based) only names the row in errors."""

    def need(key: str) -> Any:
        try:
            return row[key]
        except KeyError:
            raise ValueError(f"registration row {number}: no {key!r}") from None

    nik = need("nik")
    if not isinstance(nik, str) or not _NIK.fullmatch(nik):
        # The NIK itself is personal data: not in the message.
        raise ValueError(f"registration row {number}: NIK is not 16 digits of text")
    sex = need("sex")
    if sex not in ("L", "P"):
        raise ValueError(f"registration row {number}: sex must be 'L' or 'P'")
    wage = need("wage")
    if isinstance(wage, bool) or not isinstance(wage, int | decimal.Decimal):
        raise ValueError(f"registration row {number}: wage must be an int or Decimal")
    if isinstance(wage, decimal.Decimal):
        if not wage.is_finite() or wage != wage.to_integral_value():
            raise ValueError(f"registration row {number}: wage is not whole rupiah")
        wage = int(wage)
    programmes = need("programmes")
    codes = [programmes] if isinstance(programmes, str) else list(programmes)
    codes = [str(code).strip().lower() for code in codes]
    unknown = [code for code in codes if code not in _PROGRAMME_ORDER]
    if unknown or not codes:
        raise ValueError(f"registration row {number}: programmes {codes!r}")
    ordered = sorted(set(codes), key=_PROGRAMME_ORDER.index)
    phone = row.get("phone") or ""
    npp = row.get("npp") or ""
    return [
        nik,
        str(need("name")),
        _ddmmyyyy(number, "birth_date", need("birth_date")),
        sex,
        str(phone),
        wage,
        ",".join(code.upper() for code in ordered),
        str(need("segment")),
        str(npp),
        str(need("unit_code")),
        _ddmmyyyy(number, "start_date", need("start_date")),
        str(need("membership_id")),
    ]


def _ddmmyyyy(number: int, key: str, value: object) -> str:
    if not isinstance(value, dt.date):
        raise ValueError(f"registration row {number}: {key} must be a date")
    return f"{value.day:02d}-{value.month:02d}-{value.year:04d}"


def bpjs_registration_file(
    *, rows: Iterable[Mapping[str, Any]], fmt: Literal["csv", "xlsx"]
) -> bytes:
    """The upload file for registering verified memberships with BPJS Ketenagakerjaan.

    Columns: :data:`REGISTRATION_COLUMNS` (see there for each column and the row keys it reads).
    ``UPAH`` is a number; every other column is text (XLSX cells formatted ``@``), text escaped
    against formula injection (a NIK, 16 digits, is never changed by it). CSV: UTF-8 with BOM,
    ``,``-delimited (``common.spreadsheet.write_csv``). Raises ``ValueError`` for a row that cannot
    be registered (NIK not 16 digits, sex not L/P, wage not whole rupiah, unknown programme,
    missing date), naming the row by its 1-based number and never echoing the NIK.
    """
    values = [_registration_values(number, row) for number, row in enumerate(rows, start=1)]
    if fmt == "csv":
        return write_csv(values, REGISTRATION_COLUMNS)
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")

    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    workbook.set_properties(
        {"title": "Registrasi peserta BPJS Ketenagakerjaan", "comments": "Cakupan"}
    )
    sheet = workbook.add_worksheet(_REGISTRATION_SHEET)
    header_fmt = workbook.add_format({"bold": True, "bg_color": _HEADER_FILL, "border": 1})
    text_fmt = workbook.add_format({"num_format": "@"})
    wage_fmt = workbook.add_format({"num_format": "0"})
    wage_col = REGISTRATION_COLUMNS.index("UPAH")
    widths = (19, 30, 12, 14, 15, 12, 16, 18, 14, 18, 12, 12)
    for col, name in enumerate(REGISTRATION_COLUMNS):
        sheet.set_column(col, col, widths[col], wage_fmt if col == wage_col else text_fmt)
        sheet.write_string(0, col, name, header_fmt)
    sheet.freeze_panes(1, 0)
    last_letter = xl_col_to_name(len(REGISTRATION_COLUMNS) - 1)
    sheet.ignore_errors({"number_stored_as_text": f"A2:{last_letter}{_EXCEL_MAX_ROWS}"})
    text_style, wage_style = xf_index(text_fmt), xf_index(wage_fmt)
    workbook.close()
    return append_rows(
        output.getvalue(),
        sheet_number=1,
        rows_xml=_registration_rows(values, text_style, wage_style),
        dimension=f"A1:{last_letter}{len(values) + 1}",
    )


def _registration_rows(
    values: Sequence[Sequence[str | int]], text_style: int, wage_style: int
) -> Iterator[str]:
    letters = [xl_col_to_name(col) for col in range(len(REGISTRATION_COLUMNS))]
    chunk: list[str] = []
    for number, row_values in enumerate(values, start=2):
        cells: list[str] = []
        for col, value in enumerate(row_values):
            ref = f"{letters[col]}{number}"
            if isinstance(value, int):
                cells.append(f'<c r="{ref}" s="{wage_style}"><v>{value}</v></c>')
            elif value:
                cells.append(inline_string_cell(ref, value, text_style))
        chunk.append(f'<row r="{number}">{"".join(cells)}</row>')
        if len(chunk) >= _CHUNK_ROWS:
            yield "".join(chunk)
            chunk = []
    if chunk:
        yield "".join(chunk)
