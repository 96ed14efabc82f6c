"""``common.exports``: the writers, the limit, the links and the log note, without a database.

The pages that use them are tested in ``registry/tests/test_exports.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from decimal import Decimal
from typing import Any

import openpyxl
import pytest
from django.test import RequestFactory
from django.utils import translation

from cakupan.common import exports
from cakupan.common.exports import Column, ExportLog, ExportRefused

NIK = "7324041708850001"
COLUMNS = (
    Column("Nama", "name"),
    Column("NIK", "nik", kind="nik", sensitive=True),
    Column("Upah (Rp)", "wage", kind="money", sensitive=True),
    Column("Mulai", "start", kind="date"),
    Column("Status", "status", labels={"active": "Aktif"}),
)
TRIGGERS = ["=1+1", "+62812", "-5", "@SUM(A1)", "\tTAB", "\rCR", "\uff1dFULL"]


def typed(rows: list[list[Any]], full: Any = True) -> list[list[Any]]:
    decide = full if callable(full) else (lambda _r: full)
    return list(exports._typed_rows(rows, COLUMNS, decide))


def read_csv(chunks: Any) -> list[list[str]]:
    data = b"".join(chunks)
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_escapes_every_formula_trigger_and_keeps_numbers_and_niks() -> None:
    rows = typed([[t, NIK, Decimal(-250000), dt.date(2024, 1, 31), "active"] for t in TRIGGERS])
    out = read_csv(exports.csv_chunks(rows, [str(c.header) for c in COLUMNS]))
    assert out[0] == ["Nama", "NIK", "Upah (Rp)", "Mulai", "Status"]
    assert [r[0] for r in out[1:]] == ["'" + t for t in TRIGGERS]
    assert {r[1] for r in out[1:]} == {NIK}
    assert {r[2] for r in out[1:]} == {"-250000"}  # a number, not text: not escaped
    assert {(r[3], r[4]) for r in out[1:]} == {("31-01-2024", "Aktif")}


def test_csv_comes_in_chunks_without_holding_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "CHUNK_BYTES", 100)
    rows = ([f"Orang {i}", NIK, i, None, "active"] for i in range(50))
    chunks = list(exports.csv_chunks(typed(list(rows)), ["a", "b", "c", "d", "e"]))
    assert len(chunks) > 10
    assert all(len(c) < 200 for c in chunks)
    assert len(read_csv(chunks)) == 51


def test_sensitive_columns_are_masked_per_row() -> None:
    rows = [
        ["Boleh", NIK, Decimal(1000), None, "x", True],
        ["Tidak", NIK, Decimal(1000), None, "x", False],
    ]
    out = typed(rows, full=lambda r: r[5])
    assert out[0][:3] == ["Boleh", NIK, Decimal(1000)]
    assert out[1][:3] == ["Tidak", "7324********0001", "Rp •••"]
    assert exports.mask_value(Column("HP", kind="phone", sensitive=True), "081234567890") == (
        "0812****7890"
    )
    assert exports.mask_value(COLUMNS[1], "") == ""


def test_xlsx_writes_nik_as_text_numbers_as_numbers_and_escapes_text() -> None:
    rows = typed([["=cmd|' /C calc'!A0", NIK, Decimal(2_850_000), dt.date(2024, 1, 31), "active"]])
    handle = exports.xlsx_temporary_file(rows, COLUMNS, title="orang")
    sheet = openpyxl.load_workbook(handle).worksheets[0]
    assert [c.value for c in sheet[1]] == ["Nama", "NIK", "Upah (Rp)", "Mulai", "Status"]
    name, nik, wage, start, status = sheet[2]
    assert name.value == "'=cmd|' /C calc'!A0" and name.data_type == "s"
    assert nik.value == NIK and nik.data_type == "s" and nik.number_format == "@"
    assert wage.value == 2_850_000 and wage.data_type == "n"
    assert start.value == dt.datetime(2024, 1, 31) and start.number_format == "dd-mm-yyyy"
    assert status.value == "Aktif"
    path = handle.name
    handle.close()
    assert not os.path.exists(path)  # the temporary file goes with the response


def test_xlsx_goes_on_in_a_new_sheet_past_excel_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)
    rows = typed([[f"Orang {i}", NIK, i, None, "active"] for i in range(7)])
    book = openpyxl.load_workbook(
        exports.xlsx_temporary_file(rows, COLUMNS, title="kepesertaan", rows_hint=7)
    )
    assert book.sheetnames == ["kepesertaan", "kepesertaan (2)", "kepesertaan (3)"]
    names = [
        [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
        for sheet in book.worksheets
    ]
    assert names == [
        ["Orang 0", "Orang 1", "Orang 2"],
        ["Orang 3", "Orang 4", "Orang 5"],
        ["Orang 6"],
    ]
    assert all(sheet["A1"].value == "Nama" for sheet in book.worksheets)


def test_xlsx_refuses_rows_past_the_sheets_planned(monkeypatch: pytest.MonkeyPatch) -> None:
    # The list grew between the count and the writing, past a sheet boundary: no cut file.
    monkeypatch.setattr(exports, "SHEET_ROWS", 3)
    rows = typed([[f"Orang {i}", NIK, i, None, "active"] for i in range(4)])
    with pytest.raises(RuntimeError, match="grew past the sheets"):
        exports.xlsx_temporary_file(rows, COLUMNS, title="orang", rows_hint=3)


def test_the_limit_is_named_in_the_refusal(settings: Any) -> None:
    settings.EXPORT_MAX_ROWS = 1_100_000
    exports.check_limit(1_100_000)
    with translation.override("id"), pytest.raises(ExportRefused) as refused:
        exports.check_limit(1_100_001)
    assert refused.value.code == "export_too_large"
    assert refused.value.limit == 1_100_000
    assert refused.value.message.startswith(
        "Unduhan dibatasi 1.100.000 baris; daftar ini 1.100.001 baris."
    )


def test_export_rows_refuses_before_logging(settings: Any) -> None:
    settings.EXPORT_MAX_ROWS = 1
    logged: list[ExportLog] = []
    with pytest.raises(ExportRefused):
        exports.export_rows(
            [["a"], ["b"]], (Column("Nama"),), fmt="csv", file_stem="x", log=logged.append
        )
    assert logged == []
    response = exports.export_rows(
        [["=a"]], (Column("Nama"),), fmt="csv", file_stem="x", log=logged.append
    )
    assert logged == [ExportLog(fmt="csv", rows=1, filters="")]
    assert response.getvalue().decode("utf-8-sig") == "Nama\r\n'=a\r\n"
    assert response["Cache-Control"] == "no-store"


def test_download_links_keep_the_filters_and_token_but_never_the_search_text() -> None:
    request = RequestFactory().get(
        "/kepesertaan/", {"cari": "tok", "q": NIK, "page": "3", "segment": "bpd", "unduh": "csv"}
    )
    links = exports.download_links(request)
    assert links == {
        "csv": "/kepesertaan/?cari=tok&segment=bpd&unduh=csv",
        "xlsx": "/kepesertaan/?cari=tok&segment=bpd&unduh=xlsx",
    }
    assert exports.requested_format(request) == "csv"
    assert exports.requested_format(RequestFactory().get("/", {"unduh": "pdf"})) is None


def test_filters_are_described_with_the_search_text_redacted() -> None:
    text = exports.describe_filters(
        {"segment": "bpd", "status": "", "on": dt.date(2024, 6, 30), "q": f"nik {NIK}"}
    )
    assert text.startswith("segment=bpd; on=2024-06-30; pencarian: nik 7324********0001#")
    assert NIK not in text
    assert ExportLog(fmt="xlsx", rows=3, filters="segment=bpd").note == (
        "unduh XLSX, 3 baris; segment=bpd"
    )
