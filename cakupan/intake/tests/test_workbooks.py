"""``cakupan.intake.workbooks``: the template, the annotated copy and the BPJS registration file.

Every file is read back with openpyxl (formats, validations, fills) and fastexcel (values).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import fastexcel
import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from cakupan.intake.schema import FIELD_LABELS, Field
from cakupan.intake.workbooks.annotated import annotated_workbook
from cakupan.intake.workbooks.registration import REGISTRATION_COLUMNS, bpjs_registration_file
from cakupan.intake.workbooks.template import TEMPLATE_FIELDS, TEMPLATE_ROWS, enrolment_template
from cakupan.registry.occupations import OCCUPATIONS

ERROR_FILL = "FFFF8B8B"
WARNING_FILL = "FFFFE26F"
ERROR_NOTE_FILL = "FFFFE1E1"
WARNING_NOTE_FILL = "FFFFF6CC"

# T14: text cells starting with each trigger character.
TRIGGER_TEXTS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+62812345678",
    "-250000",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\x00=1+1",
    "=cmd|' /C calc'!A0",
]


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _fill(cell: Any) -> str | None:
    return cell.fill.fgColor.rgb if cell.fill.fill_type == "solid" else None


# --------------------------------------------------------------------------------------------
# Enrolment template
# --------------------------------------------------------------------------------------------

VILLAGE_OCCUPATIONS = [(c, n) for c, n, _, segments in OCCUPATIONS if "perangkat_desa" in segments]
FUNDING = [
    ("apbd_kabkota", "APBD kabupaten/kota"),
    ("apbdes_add", "APBDes (ADD)"),
    ("dana_desa", "Dana Desa"),
]
DESA = [("73.24.01.2001", "Wonorejo"), ("73.24.01.2002", "Kasintuwu"), ("73.24.01.2003", "=Evil")]


def _template(**overrides: Any) -> bytes:
    kwargs: dict[str, Any] = {
        "segment": "perangkat_desa",
        "segment_label": "Kepala desa dan perangkat desa",
        "unit_name": "Pemerintah Desa Wonorejo",
        "occupations": VILLAGE_OCCUPATIONS,
        "funding_sources": FUNDING,
        "desa": DESA,
        "default_funding": "apbdes_add",
    }
    kwargs.update(overrides)
    return enrolment_template(**kwargs)


def _validations(ws: Worksheet) -> dict[str, Any]:
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def test_template_sheets_and_header() -> None:
    wb = _load(_template())
    assert wb.sheetnames == ["Data", "Petunjuk", "Daftar"]
    assert [wb[name].sheet_state for name in wb.sheetnames] == ["visible", "visible", "hidden"]
    assert wb.active is not None
    assert wb.active.title == "Data"
    ws = wb["Data"]
    assert [cell.value for cell in ws[1]] == [
        "NIK",
        "Nama",
        "Jenis kelamin (L/P)",
        "Tempat lahir",
        "Tanggal lahir",
        "Desa/kelurahan",
        "Nomor HP",
        "Nomor KK",
        "Pekerjaan/jabatan",
        "Sumber dana",
        "Upah/penghasilan sebulan (Rp)",
        "Tanggal mulai",
    ]
    assert [FIELD_LABELS[field] for field in TEMPLATE_FIELDS] == [c.value for c in ws[1]]
    assert ws.freeze_panes == "A2"
    assert wb.properties.title == (
        "Formulir pendaftaran peserta BPJS Ketenagakerjaan: Kepala desa dan perangkat desa"
    )
    assert wb.properties.subject == "segmen=perangkat_desa"


def test_template_number_formats_on_the_prepared_rows() -> None:
    ws = _load(_template())["Data"]
    last = TEMPLATE_ROWS + 1
    expected = {
        "A": "@",  # NIK
        "G": "@",  # Nomor HP
        "H": "@",  # Nomor KK
        "E": "dd-mm-yyyy",  # Tanggal lahir
        "L": "dd-mm-yyyy",  # Tanggal mulai
        "K": "#,##0",  # Upah
    }
    for column, number_format in expected.items():
        for row in (2, 1000, last):
            assert ws[f"{column}{row}"].number_format == number_format, (column, row)
        assert ws.column_dimensions[column].number_format == number_format
    assert ws["B2"].number_format == "General"
    assert ws["A1"].number_format == "General"
    assert ws.max_row == last


def test_template_data_validations() -> None:
    ws = _load(_template())["Data"]
    dvs = _validations(ws)
    last = TEMPLATE_ROWS + 1
    assert set(dvs) == {f"{col}2:{col}{last}" for col in "ACEFGHIJKL"}

    nik = dvs[f"A2:A{last}"]
    assert (nik.type, nik.operator, nik.formula1, nik.errorStyle) == (
        "textLength",
        "equal",
        "16",
        "warning",
    )
    assert nik.prompt == "16 digit, format Teks"
    assert nik.showInputMessage
    kk = dvs[f"H2:H{last}"]
    assert (kk.type, kk.formula1, kk.prompt) == ("textLength", "16", "16 digit, format Teks")

    sex = dvs[f"C2:C{last}"]
    assert (sex.type, sex.formula1, sex.errorStyle) == ("list", '"L,P"', None)  # None: stop

    desa = dvs[f"F2:F{last}"]
    assert (desa.type, desa.formula1, desa.errorStyle) == ("list", "Daftar!$H$2:$H$4", "warning")
    occupation = dvs[f"I2:I{last}"]
    assert (occupation.type, occupation.formula1, occupation.errorStyle) == (
        "list",
        f"Daftar!$B$2:$B${len(VILLAGE_OCCUPATIONS) + 1}",
        "warning",
    )
    funding = dvs[f"J2:J{last}"]
    assert (funding.type, funding.formula1, funding.errorStyle) == (
        "list",
        "Daftar!$E$2:$E$4",
        None,
    )
    wage = dvs[f"K2:K{last}"]
    assert (wage.type, wage.operator, wage.formula1, wage.errorStyle) == (
        "whole",
        "greaterThanOrEqual",
        "0",
        "warning",
    )
    for column in "EGL":  # input messages only
        dv = dvs[f"{column}2:{column}{last}"]
        assert dv.type is None
        assert dv.prompt
    assert "dd-mm-yyyy" in dvs[f"E2:E{last}"].prompt


def test_template_lists_sheet() -> None:
    ws = _load(_template())["Daftar"]
    assert ws.protection.sheet
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Kode pekerjaan",
        "Pekerjaan/jabatan",
        None,
        "Kode sumber dana",
        "Sumber dana",
        None,
        "Kode desa/kelurahan",
        "Desa/kelurahan",
        None,
        "Segmen",
    )
    assert [(r[0], r[1]) for r in rows[1 : len(VILLAGE_OCCUPATIONS) + 1]] == VILLAGE_OCCUPATIONS
    assert [(r[3], r[4]) for r in rows[1:4]] == FUNDING
    # A name starting with "=" is escaped, the codes are text.
    assert [(r[6], r[7]) for r in rows[1:4]] == [
        ("73.24.01.2001", "Wonorejo"),
        ("73.24.01.2002", "Kasintuwu"),
        ("73.24.01.2003", "'=Evil"),
    ]
    assert ws["G2"].number_format == "@"
    assert rows[1][9] == "perangkat_desa"


def test_template_many_desa_use_the_range_form() -> None:
    desa = [(f"73.24.01.{2000 + i}", f"Desa Nomor {i}") for i in range(1, 401)]
    ws = _load(_template(desa=desa))["Data"]
    dv = _validations(ws)[f"F2:F{TEMPLATE_ROWS + 1}"]
    assert dv.formula1 == "Daftar!$H$2:$H$401"


def test_template_empty_lists_leave_no_dropdown() -> None:
    ws = _load(_template(desa=[], occupations=[], unit_name=None, default_funding=None))["Data"]
    dvs = _validations(ws)
    assert f"F2:F{TEMPLATE_ROWS + 1}" not in dvs
    assert f"I2:I{TEMPLATE_ROWS + 1}" not in dvs
    assert f"J2:J{TEMPLATE_ROWS + 1}" in dvs


def test_template_instructions() -> None:
    ws = _load(_template())["Petunjuk"]
    text = "\n".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    for expected in (
        "Kepala desa dan perangkat desa",
        "Pemerintah Desa Wonorejo",
        "tepat 16 digit",
        "ditambah 40",
        "17-08-1980",
        "merge cells",
        "Satu baris untuk satu orang",
        "unggah kembali",
        "50 MB",
        "sumber dana bawaan unit: APBDes (ADD)",
    ):
        assert expected in text, expected
    # Every template column is explained.
    first_column = [row[0] for row in ws.iter_rows(values_only=True)]
    for field in TEMPLATE_FIELDS:
        assert FIELD_LABELS[field] in first_column
    # The example NIK is text, not a number.
    nik_row = first_column.index(FIELD_LABELS[Field.NIK]) + 1
    assert ws.cell(nik_row, 4).value == "7324015708800001"
    assert ws.cell(nik_row, 4).data_type == "s"


def test_template_reads_with_fastexcel() -> None:
    reader = fastexcel.read_excel(_template())
    assert reader.sheet_names == ["Data", "Petunjuk", "Daftar"]
    frame = reader.load_sheet("Data").to_polars()
    assert frame.columns == [FIELD_LABELS[field] for field in TEMPLATE_FIELDS]
    assert frame.height == 0  # the prepared rows are empty
    lists = reader.load_sheet("Daftar").to_polars()
    assert lists["Kode pekerjaan"].to_list()[: len(VILLAGE_OCCUPATIONS)] == [
        code for code, _ in VILLAGE_OCCUPATIONS
    ]


# --------------------------------------------------------------------------------------------
# Annotated workbook
# --------------------------------------------------------------------------------------------

HEADERS = ["No", "NIK", "Nama Lengkap", "Tgl Lahir", "Upah", "Keterangan"]
ROWS: list[list[str | None]] = [
    ["1", "7324011708800000.0", "Andi", "17-08-1980", "2500000", "honor"],
    ["2", "7324015708800001", "Siti", "32-01-1980", "Rp2.500.000", None],
    ["3", None, "Budi"],
    ["4", "7324011708800002", "=cmd|' /C calc'!A0", "17-08-1980", "-250000", ""],
]
ROW_NUMBERS = [5, 6, 8, 9]
ISSUES = [
    (0, "NIK", "nik_excel_damaged", "NIK rusak oleh Excel: ketik ulang sebagai Teks", "error"),
    (1, "Tgl Lahir", "date_invalid", "Tanggal lahir tidak valid", "error"),
    (1, "Upah", "wage_normalized", "Upah dibaca sebagai 2500000", "warning"),
    (2, "NIK", "value_required", "NIK wajib diisi", "error"),
    (2, "Tgl Lahir", "value_required", "Tanggal lahir wajib diisi", "error"),
    (2, "", "nik_duplicate_in_file", "Baris lain berisi orang yang sama", "warning"),
    (3, "Nama Lengkap", "name_invalid", "Nama berisi karakter tidak sah", "error"),
    (3, "Upah", "wage_invalid", "Upah tidak boleh negatif", "error"),
]
TITLE = "Hasil pemeriksaan berkas perangkat.xlsx"


def _annotated(**overrides: Any) -> bytes:
    kwargs: dict[str, Any] = {
        "headers": HEADERS,
        "rows": ROWS,
        "row_numbers": ROW_NUMBERS,
        "header_row": 4,
        "issues": ISSUES,
        "title": TITLE,
    }
    kwargs.update(overrides)
    return annotated_workbook(**kwargs)


def test_annotated_layout_keeps_row_numbers() -> None:
    wb = _load(_annotated())
    assert wb.sheetnames == ["Data", "Ringkasan"]
    ws = wb["Data"]
    assert wb.active is not None
    assert wb.active.title == "Data"
    assert ws["A1"].value == TITLE
    assert all(ws.cell(row, col).value is None for row in (2, 3) for col in range(1, 8))
    # The file already has a "Keterangan": ours gets another name.
    assert [c.value for c in ws[4]] == [*HEADERS, "Keterangan (hasil pemeriksaan)"]
    assert [ws.cell(row, 1).value for row in range(5, 10)] == ["1", "2", None, "3", "4"]
    assert all(ws.cell(7, col).value is None for col in range(1, 8))  # the blank row stays blank
    assert ws.freeze_panes == "A5"
    assert ws.auto_filter.ref == "A4:G9"
    assert ws.calculate_dimension() == "A1:G9"


def test_annotated_values_are_the_uploaded_text() -> None:
    ws = _load(_annotated())["Data"]
    got = [[c.value for c in ws[number]][:6] for number in ROW_NUMBERS]
    assert got[0] == ["1", "7324011708800000.0", "Andi", "17-08-1980", "2500000", "honor"]
    assert got[1] == ["2", "7324015708800001", "Siti", "32-01-1980", "Rp2.500.000", None]
    assert got[2] == ["3", None, "Budi", None, None, None]
    # Only the formula escape differs from the upload; "-250000" text stays text.
    assert got[3] == [
        "4",
        "7324011708800002",
        "'=cmd|' /C calc'!A0",
        "17-08-1980",
        "'-250000",
        None,
    ]
    assert all(
        ws.cell(number, col).data_type in ("s", "n") for number in ROW_NUMBERS for col in (1, 2)
    )
    assert ws["B5"].data_type == "s"
    assert ws["E9"].data_type == "s"


def test_annotated_keterangan_and_fills() -> None:
    ws = _load(_annotated())["Data"]
    notes = {number: ws.cell(number, 7).value for number in ROW_NUMBERS}
    # Messages only, each a sentence: no code and no ".;" between them.
    assert notes == {
        5: "NIK rusak oleh Excel: ketik ulang sebagai Teks.",
        6: "Tanggal lahir tidak valid. Upah dibaca sebagai 2500000.",
        8: "NIK wajib diisi. Tanggal lahir wajib diisi. Baris lain berisi orang yang sama.",
        9: "Nama berisi karakter tidak sah. Upah tidak boleh negatif.",
    }
    fills = {
        (number, col): _fill(ws.cell(number, col))
        for number in ROW_NUMBERS
        for col in range(1, 8)
        if _fill(ws.cell(number, col))
    }
    assert fills == {
        (5, 2): ERROR_FILL,
        (5, 7): ERROR_NOTE_FILL,
        (6, 4): ERROR_FILL,
        (6, 5): WARNING_FILL,
        (6, 7): ERROR_NOTE_FILL,
        (8, 2): ERROR_FILL,  # empty but required: filled, still empty
        (8, 4): ERROR_FILL,  # beyond the end of the short row
        (8, 7): ERROR_NOTE_FILL,
        (9, 3): ERROR_FILL,
        (9, 5): ERROR_FILL,
        (9, 7): ERROR_NOTE_FILL,
    }
    assert ws["B8"].value is None
    assert ws["D8"].value is None


def test_annotated_warning_only_row_and_error_over_warning() -> None:
    issues = [
        (0, "Upah", "wage_normalized", "Upah dibaca", "warning"),
        (1, "Upah", "wage_normalized", "Upah dibaca", "warning"),
        (1, "Upah", "wage_out_of_bounds", "Upah di luar batas", "error"),
    ]
    ws = _load(_annotated(issues=issues))["Data"]
    assert _fill(ws["E5"]) == WARNING_FILL
    assert _fill(ws["G5"]) == WARNING_NOTE_FILL
    assert _fill(ws["E6"]) == ERROR_FILL
    assert _fill(ws["G6"]) == ERROR_NOTE_FILL
    assert ws["G8"].value is None
    assert _fill(ws["G8"]) is None


def test_annotated_nik_column_is_text() -> None:
    ws = _load(_annotated())["Data"]
    assert ws.column_dimensions["B"].number_format == "@"
    for number in ROW_NUMBERS:
        assert ws.cell(number, 2).number_format == "@"
    assert ws["C5"].number_format == "General"
    assert ws["A5"].number_format == "General"


@pytest.mark.parametrize(
    ("header", "is_text"),
    [
        ("NIK", True),
        ("No. NIK", True),
        ("N I K", True),
        ("nik_ktp", True),
        ("Nomor Induk Kependudukan", True),
        ("No KTP", True),
        ("No. KK", True),
        ("Nomor Kartu Keluarga", True),
        ("No HP/WA", True),
        ("Telepon", True),
        ("Nomor KPJ", True),
        ("Nama", False),
        ("Nikah", False),
        ("Kecamatan", False),
    ],
)
def test_annotated_identifier_headers_are_text(header: str, is_text: bool) -> None:
    data = annotated_workbook(
        headers=["Nomor", header],
        rows=[["1", "7324011708800001"]],
        row_numbers=[2],
        header_row=1,
        issues=[],
        title=TITLE,
    )
    ws = _load(data)["Data"]
    assert (ws["B2"].number_format == "@") is is_text
    assert ws["A2"].number_format == "General"


def test_annotated_text_columns_override() -> None:
    data = _annotated(text_columns=[0])
    ws = _load(data)["Data"]
    assert ws["A5"].number_format == "@"
    assert ws["B5"].number_format == "General"
    assert _fill(ws["B5"]) == ERROR_FILL


def test_annotated_header_on_row_one_has_no_title_row() -> None:
    data = annotated_workbook(
        headers=["NIK", "Nama"],
        rows=[["7324011708800001", "Andi"], ["7324011708800002", "Budi"]],
        row_numbers=[2, 3],
        header_row=1,
        issues=[(1, " nama ", "name_invalid", "Nama tidak sah", "error")],
        title=TITLE,
    )
    wb = _load(data)
    ws = wb["Data"]
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["NIK", "Nama", "Keterangan"],
        ["7324011708800001", "Andi", None],
        ["7324011708800002", "Budi", "Nama tidak sah."],
    ]
    assert _fill(ws["B3"]) == ERROR_FILL  # header matched ignoring case and spaces
    assert wb["Ringkasan"]["A1"].value == TITLE
    assert wb.properties.title == TITLE


def test_annotated_unknown_header_only_goes_to_keterangan() -> None:
    data = annotated_workbook(
        headers=["NIK", "Nama"],
        rows=[["7324011708800001", "Andi"]],
        row_numbers=[2],
        header_row=1,
        issues=[(0, "Segmen", "segment_unknown", "Segmen tidak dikenal", "error")],
        title=TITLE,
    )
    ws = _load(data)["Data"]
    assert ws["C2"].value == "Segmen tidak dikenal."
    assert _fill(ws["A2"]) is None
    assert _fill(ws["B2"]) is None
    assert _fill(ws["C2"]) == ERROR_NOTE_FILL


def test_annotated_rows_out_of_order_are_written_consecutively() -> None:
    data = _annotated(row_numbers=[5, 6, 6, 9])
    wb = _load(data)
    ws = wb["Data"]
    assert [ws.cell(row, 1).value for row in range(5, 9)] == ["1", "2", "3", "4"]
    assert ws["G7"].value.startswith("NIK wajib diisi.")
    summary = [row[0] for row in wb["Ringkasan"].iter_rows(values_only=True) if row[0]]
    assert any("tidak sama dengan berkas yang diunggah" in text for text in summary)


def test_annotated_rows_above_the_header_are_written_consecutively() -> None:
    data = _annotated(row_numbers=[4, 6, 8, 9])
    ws = _load(data)["Data"]
    assert [ws.cell(row, 1).value for row in range(5, 9)] == ["1", "2", "3", "4"]


def test_annotated_summary() -> None:
    ws = _load(_annotated(code_messages={"value_required": "Kolom wajib kosong"}))["Ringkasan"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == TITLE
    assert rows[2:6] == [
        ("Jumlah baris data", 4, None, None, None),
        ("Diterima", 0, None, None, None),
        ("Ditolak (ada kesalahan)", 4, None, None, None),
        ("Diterima dengan peringatan", 0, None, None, None),
    ]
    # The short name first; the code last, small and grey, for support staff.
    assert rows[7] == ("Masalah", "Jenis", "Jumlah baris", "Contoh pesan", "Kode (untuk petugas)")
    # Errors first, then by rows affected (value_required: 1 row, 2 issues), then by code.
    assert rows[8:15] == [
        ("Tanggal tidak valid", "Kesalahan", 1, "Tanggal lahir tidak valid", "date_invalid"),
        ("Nama tidak valid", "Kesalahan", 1, "Nama berisi karakter tidak sah", "name_invalid"),
        (
            "NIK rusak oleh Excel",
            "Kesalahan",
            1,
            "NIK rusak oleh Excel: ketik ulang sebagai Teks",
            "nik_excel_damaged",
        ),
        ("Isian wajib kosong", "Kesalahan", 1, "Kolom wajib kosong", "value_required"),
        ("Upah tidak valid", "Kesalahan", 1, "Upah tidak boleh negatif", "wage_invalid"),
        (
            "NIK ganda dalam berkas",
            "Peringatan",
            1,
            "Baris lain berisi orang yang sama",
            "nik_duplicate_in_file",
        ),
        ("Upah dibaca ulang", "Peringatan", 1, "Upah dibaca sebagai 2500000", "wage_normalized"),
    ]
    code = ws["E9"]
    assert (code.font.color.rgb, code.font.sz) == ("FF808080", 8)
    assert _fill(ws["B9"]) == ERROR_FILL
    assert _fill(ws["B14"]) == WARNING_FILL


def test_annotated_summary_counts_accepted_and_warned() -> None:
    rows = [[str(i), f"732401170880{i:04d}"] for i in range(1, 11)]
    issues = [
        (0, "NIK", "nik_invalid", "NIK tidak valid", "error"),
        (0, "NIK", "nik_invalid", "NIK tidak valid lagi", "error"),
        (1, "NIK", "nik_invalid", "NIK tidak valid", "error"),
        (2, "", "name_differs_from_registry", "Nama berbeda", "warning"),
        (3, "", "name_differs_from_registry", "Nama berbeda", "warning"),
        (3, "", "sex_normalized", "Dibaca L", "warning"),
    ]
    data = annotated_workbook(
        headers=["No", "NIK"],
        rows=rows,
        row_numbers=list(range(2, 12)),
        header_row=1,
        issues=issues,
        title=TITLE,
    )
    summary = list(_load(data)["Ringkasan"].iter_rows(values_only=True))
    assert [row[1] for row in summary[2:6]] == [10, 8, 2, 2]
    assert summary[8:11] == [
        ("nik_invalid", "Kesalahan", 2, "NIK tidak valid", "nik_invalid"),  # no label: the code
        (
            "Nama berbeda dengan registri",
            "Peringatan",
            2,
            "Nama berbeda",
            "name_differs_from_registry",
        ),
        ("Jenis kelamin dibaca ulang", "Peringatan", 1, "Dibaca L", "sex_normalized"),
    ]


def test_annotated_every_trigger_is_escaped() -> None:
    headers = ["=Judul", "NIK", "Nama"]
    rows: list[list[str | None]] = [
        [str(i), "7324011708800001", text] for i, text in enumerate(TRIGGER_TEXTS)
    ]
    issues = [(i, "Nama", "name_invalid", text, "error") for i, text in enumerate(TRIGGER_TEXTS)]
    data = annotated_workbook(
        headers=headers,
        rows=rows,
        row_numbers=list(range(2, len(rows) + 2)),
        header_row=1,
        issues=issues,
        title="=Judul berkas",
    )
    wb = _load(data)
    ws = wb["Data"]
    assert ws["A1"].value == "'=Judul"
    # openpyxl does not decode the _x0000_ / _x000D_ escapes of inline strings; fastexcel does.
    openpyxl_text = {"\r=1+1": "_x000D_=1+1", "\x00=1+1": "_x0000_=1+1"}
    for number, text in enumerate(TRIGGER_TEXTS, start=2):
        assert ws.cell(number, 3).value == "'" + openpyxl_text.get(text, text)
        assert ws.cell(number, 3).data_type == "s"
        assert ws.cell(number, 2).value == "7324011708800001"
    assert wb["Ringkasan"]["A1"].value == "'=Judul berkas"
    frame = fastexcel.read_excel(data).load_sheet("Data").to_polars()
    assert frame["Nama"].to_list() == ["'" + text for text in TRIGGER_TEXTS]
    assert frame["NIK"].to_list() == ["7324011708800001"] * len(TRIGGER_TEXTS)
    # The messages themselves start with a trigger here: escaped like any other cell.
    for value in frame["Keterangan"].to_list():
        assert value.startswith("'")


def test_annotated_reads_with_fastexcel() -> None:
    data = _annotated()
    reader = fastexcel.read_excel(data)
    assert reader.sheet_names == ["Data", "Ringkasan"]
    sheet = reader.load_sheet("Data", header_row=3)
    frame = sheet.to_polars()
    assert frame.columns == [*HEADERS, "Keterangan (hasil pemeriksaan)"]
    assert frame["NIK"].to_list() == [
        "7324011708800000.0",
        "7324015708800001",
        None,
        None,
        "7324011708800002",
    ]
    assert frame["Upah"].dtype.is_(frame["NIK"].dtype)


def test_annotated_cells_are_cut_to_the_excel_limit() -> None:
    long_text = "a" * 40_000
    data = annotated_workbook(
        headers=["NIK", "Catatan"],
        rows=[["7324011708800001", long_text], ["7324011708800002", "=" + long_text]],
        row_numbers=[2, 3],
        header_row=1,
        issues=[(1, "Catatan", "name_invalid", long_text, "error")],
        title=TITLE,
    )
    ws = _load(data)["Data"]
    assert ws["B2"].value == "a" * 32_767
    assert ws["B3"].value == "'=" + "a" * 32_765
    assert len(ws["C3"].value) == 32_767


def test_annotated_empty() -> None:
    data = annotated_workbook(
        headers=["NIK", "Nama"], rows=[], row_numbers=[], header_row=3, issues=[], title=TITLE
    )
    wb = _load(data)
    assert [c.value for c in wb["Data"][3]] == ["NIK", "Nama", "Keterangan"]
    assert [row[1] for row in list(wb["Ringkasan"].iter_rows(values_only=True))[2:6]] == [
        0,
        0,
        0,
        0,
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"row_numbers": [5, 6]}, "differ in length"),
        ({"header_row": 0}, "header_row"),
        ({"issues": [(4, "", "x", "x", "error")]}, "row index 4"),
        ({"issues": [(0, "", "x", "x", "fatal")]}, "severity"),
    ],
)
def test_annotated_refuses_bad_input(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _annotated(**overrides)


@pytest.mark.slow
def test_annotated_200000_rows() -> None:
    """A district's largest upload. Not timed here (about 4-5 s on a 2-core machine)."""
    count = 200_000
    headers = ["No", "NIK", "Nama", "Jenis Kelamin", "Tempat Lahir", "Tanggal Lahir", "Desa"]
    headers += ["No HP", "No KK", "Jabatan", "Sumber Dana", "Upah", "TMT"]
    rows: list[list[str | None]] = [
        [
            str(i),
            f"7324011708{i:06d}",
            f"Nama Peserta {i}",
            "L",
            "Malili",
            "17-08-1980",
            "Wonorejo",
            "081234567890",
            "7324011203150004",
            "Kepala dusun",
            "APBDes (ADD)",
            "2500000",
            "01-07-2025",
        ]
        for i in range(count)
    ]
    issues = [
        (i, "Tanggal Lahir", "date_invalid", "Tanggal salah", "error") for i in range(0, count, 7)
    ]
    data = annotated_workbook(
        headers=headers,
        rows=rows,
        row_numbers=list(range(2, count + 2)),
        header_row=1,
        issues=issues,
        title=TITLE,
    )
    frame = fastexcel.read_excel(data).load_sheet("Data").to_polars()
    assert frame.height == count
    assert frame["NIK"][count - 1] == f"7324011708{count - 1:06d}"
    assert frame["Keterangan"].null_count() == count - len(issues)


# --------------------------------------------------------------------------------------------
# Registration file
# --------------------------------------------------------------------------------------------


def _member(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "nik": "7324015708800001",
        "name": "Siti Aminah",
        "birth_date": dt.date(1980, 8, 17),
        "sex": "P",
        "phone": "081234567890",
        "wage": 2500000,
        "programmes": ["jkm", "jkk"],
        "segment": "perangkat_desa",
        "npp": "NPP12345678",
        "unit_code": "7324012001-PEMDES",
        "start_date": dt.date(2025, 7, 1),
        "membership_id": 4711,
    }
    row.update(overrides)
    return row


EXPECTED_FIRST = [
    "7324015708800001",
    "Siti Aminah",
    "17-08-1980",
    "P",
    "081234567890",
    "2500000",
    "JKK,JKM",
    "perangkat_desa",
    "NPP12345678",
    "7324012001-PEMDES",
    "01-07-2025",
    "4711",
]


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_registration_columns() -> None:
    assert REGISTRATION_COLUMNS == (
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


def test_registration_csv() -> None:
    rows = [
        _member(),
        _member(
            nik="7324011708800010",
            sex="L",
            phone=None,
            npp=None,
            wage=Decimal("-250000"),
            programmes=("JKK", "JKM", "JHT", "JP", "JKP"),
            membership_id="abc",
        ),
    ]
    parsed = _csv_rows(bpjs_registration_file(rows=rows, fmt="csv"))
    assert parsed[0] == list(REGISTRATION_COLUMNS)
    assert parsed[1] == EXPECTED_FIRST
    second = dict(zip(REGISTRATION_COLUMNS, parsed[2], strict=True))
    assert second["NIK"] == "7324011708800010"  # trailing 0: still the exact 16 digits
    assert second["UPAH"] == "-250000"  # a number: not escaped
    assert second["NO_HP"] == ""
    assert second["NPP"] == ""
    assert second["PROGRAM"] == "JKK,JKM,JHT,JP,JKP"
    assert second["ID_CAKUPAN"] == "abc"


def test_registration_csv_escapes_every_trigger() -> None:
    rows = [_member(name=text, membership_id=i) for i, text in enumerate(TRIGGER_TEXTS)]
    parsed = _csv_rows(bpjs_registration_file(rows=rows, fmt="csv"))
    assert [row[1] for row in parsed[1:]] == ["'" + text for text in TRIGGER_TEXTS]
    assert {row[0] for row in parsed[1:]} == {"7324015708800001"}
    for row in parsed[1:]:
        for value in row:
            assert not value or value[0] not in "=+-@\t\r\x00"


def test_registration_xlsx() -> None:
    rows = [_member(), _member(wage=Decimal("-250000"), name="-Andi", phone="+6281234567890")]
    data = bpjs_registration_file(rows=rows, fmt="xlsx")
    wb = _load(data)
    assert wb.sheetnames == ["Peserta"]
    ws = wb["Peserta"]
    assert [c.value for c in ws[1]] == list(REGISTRATION_COLUMNS)
    first = [c.value for c in ws[2]]
    assert first == [*EXPECTED_FIRST[:5], 2500000, *EXPECTED_FIRST[6:]]
    nik = ws["A2"]
    assert (nik.value, nik.data_type, nik.number_format) == ("7324015708800001", "s", "@")
    wage = ws["F3"]
    assert (wage.value, wage.data_type, wage.number_format) == (-250000, "n", "0")
    assert ws["B3"].value == "'-Andi"
    assert ws["E3"].value == "'+6281234567890"
    assert ws["I2"].number_format == "@"
    assert ws.freeze_panes == "A2"
    assert ws.calculate_dimension() == "A1:L3"
    for cell in ws[2]:
        assert cell.data_type == ("n" if cell.column_letter == "F" else "s")


def test_registration_xlsx_escapes_every_trigger_and_reads_with_fastexcel() -> None:
    rows = [_member(name=text, membership_id=i) for i, text in enumerate(TRIGGER_TEXTS)]
    data = bpjs_registration_file(rows=rows, fmt="xlsx")
    frame = fastexcel.read_excel(data).load_sheet("Peserta").to_polars()
    assert frame.columns == list(REGISTRATION_COLUMNS)
    assert frame["NAMA"].to_list() == ["'" + text for text in TRIGGER_TEXTS]
    assert frame["NIK"].to_list() == ["7324015708800001"] * len(TRIGGER_TEXTS)
    assert str(frame["NIK"].dtype) == "String"
    assert frame["UPAH"].to_list() == [2500000] * len(TRIGGER_TEXTS)
    assert frame["ID_CAKUPAN"].to_list() == [str(i) for i in range(len(TRIGGER_TEXTS))]


def test_registration_empty() -> None:
    assert _csv_rows(bpjs_registration_file(rows=[], fmt="csv")) == [list(REGISTRATION_COLUMNS)]
    ws = _load(bpjs_registration_file(rows=[], fmt="xlsx"))["Peserta"]
    assert [c.value for c in ws[1]] == list(REGISTRATION_COLUMNS)
    assert ws.max_row == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nik": "732401570880001"}, "NIK is not 16 digits"),
        ({"nik": "7324015708800001 "}, "NIK is not 16 digits"),
        ({"nik": 7324015708800001}, "NIK is not 16 digits"),
        ({"sex": "Perempuan"}, "sex"),
        ({"wage": 2500000.0}, "wage"),
        ({"wage": True}, "wage"),
        ({"wage": Decimal("2500000.5")}, "whole rupiah"),
        ({"programmes": ["jkk", "bpjs"]}, "programmes"),
        ({"programmes": []}, "programmes"),
        ({"birth_date": "17-08-1980"}, "birth_date must be a date"),
        ({"start_date": None}, "start_date must be a date"),
    ],
)
def test_registration_refuses_rows_that_cannot_be_registered(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        bpjs_registration_file(rows=[_member(), _member(**overrides)], fmt="csv")
    assert "row 2" in str(raised.value)
    assert "7324015708" not in str(raised.value)  # the NIK is never echoed


def test_registration_missing_key_and_unknown_format() -> None:
    row = _member()
    del row["unit_code"]
    with pytest.raises(ValueError, match="row 1: no 'unit_code'"):
        bpjs_registration_file(rows=[row], fmt="xlsx")
    with pytest.raises(ValueError, match="format"):
        bpjs_registration_file(rows=[_member()], fmt="ods")  # type: ignore[arg-type]
