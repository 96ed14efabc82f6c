"""``cakupan.common.spreadsheet``: formula escaping (T14), typed XLSX cells, CSV, spliced rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from decimal import Decimal

import fastexcel
import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cakupan.common.spreadsheet import (
    FORMULA_TRIGGERS,
    MAX_CELL_CHARS,
    XLSX_OPTIONS,
    append_rows,
    csv_value,
    escape_formula,
    fit_cell,
    inline_string_cell,
    safe_cell,
    write_cell,
    write_csv,
    xf_index,
    xlsx_workbook,
    xml_text,
)

# One text per trigger character (T14: name/address/notes starting with = + - @ tab CR NUL).
TRIGGER_TEXTS = [
    '=HYPERLINK("http://evil.example","klik")',
    "+62812345678",
    "-250000",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\x00=1+1",
    "\uff1d1+1",  # full-width =
    "\uff0b1",
    "\uff0d1",
    "\uff20SUM(A1)",
    "=cmd|' /C calc'!A0",
]


def _load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.mark.parametrize("text", TRIGGER_TEXTS)
def test_escape_formula_prefixes_every_trigger(text: str) -> None:
    assert escape_formula(text) == "'" + text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Andi Baso",
        "7324011708800001",
        "'=already escaped",
        " =1+1",  # leading space: not evaluated (checked in LibreOffice)
        "|cmd",
        "%x",
        "17-08-1980",
        "Rp2.500.000",
    ],
)
def test_escape_formula_leaves_other_text_alone(text: str) -> None:
    assert escape_formula(text) == text


def test_trigger_set_is_exactly_documented() -> None:
    assert frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20") == FORMULA_TRIGGERS


@given(st.text())
def test_escape_formula_properties(text: str) -> None:
    escaped = escape_formula(text)
    assert escaped == "" or escaped[0] not in FORMULA_TRIGGERS
    assert escape_formula(escaped) == escaped  # idempotent
    assert escaped in (text, "'" + text)  # nothing else changes


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("-5", "'-5"),
        (-5, -5),
        (-2.5, -2.5),
        (Decimal("-250000"), Decimal("-250000")),
        (dt.date(2025, 1, 2), dt.date(2025, 1, 2)),
        (None, None),
    ],
)
def test_safe_cell_escapes_only_text(value: object, expected: object) -> None:
    result = safe_cell(value)
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        ("", ""),
        ("Andi", "Andi"),
        ("=1+1", "'=1+1"),
        ("-250000", "'-250000"),
        (-250000, "-250000"),
        (2500000, "2500000"),
        (True, "1"),
        (Decimal("-250000"), "-250000"),
        (Decimal("2.5E+6"), "2500000"),
        (2500000.0, "2500000"),
        (-0.5, "-0.5"),
        (1e16, "10000000000000000"),
        (dt.date(1980, 8, 17), "17-08-1980"),
        (dt.datetime(2025, 7, 1, 8, 5, 9), "01-07-2025 08:05:09"),
    ],
)
def test_csv_value(value: object, expected: str) -> None:
    assert csv_value(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_csv_value_refuses_non_finite_numbers(value: object) -> None:
    with pytest.raises(ValueError, match="finite"):
        csv_value(value)  # type: ignore[arg-type]


def test_csv_value_refuses_other_types() -> None:
    with pytest.raises(TypeError):
        csv_value(object())  # type: ignore[arg-type]


def test_write_csv_bom_delimiter_quoting_and_escaping() -> None:
    data = write_csv(
        [
            ["7324011708800001", '=HYPERLINK("x")', -250000, "a,b", "dua\nbaris"],
            ["7324015708800002", "\tTab", Decimal("2500000"), None, "-5"],
        ],
        header=["NIK", "NAMA", "UPAH", "CATATAN", "LAIN"],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"\r\n")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "NIK,NAMA,UPAH,CATATAN,LAIN"
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [
        ["NIK", "NAMA", "UPAH", "CATATAN", "LAIN"],
        ["7324011708800001", '\'=HYPERLINK("x")', "-250000", "a,b", "dua\nbaris"],
        ["7324015708800002", "'\tTab", "2500000", "", "'-5"],
    ]


def test_write_csv_escapes_header_and_every_trigger() -> None:
    data = write_csv([[text] for text in TRIGGER_TEXTS], header=["=H"])
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert parsed[0] == ["'=H"]
    assert [row[0] for row in parsed[1:]] == ["'" + text for text in TRIGGER_TEXTS]


def test_xlsx_workbook_options_keep_text_text() -> None:
    assert XLSX_OPTIONS == {
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
    }
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    sheet = workbook.add_worksheet("S")
    # The generic write() must not turn text into a formula, number or link either.
    sheet.write(0, 0, "=1+1")
    sheet.write(0, 1, "7324011708800001")
    sheet.write(0, 2, "https://example.org")
    workbook.close()
    ws = _load(output.getvalue())["S"]
    assert [(c.value, c.data_type) for c in ws[1]] == [
        ("=1+1", "s"),
        ("7324011708800001", "s"),
        ("https://example.org", "s"),
    ]
    assert ws["C1"].hyperlink is None


@pytest.mark.parametrize("constant_memory", [False, True])
def test_write_cell_types(constant_memory: bool) -> None:
    output = io.BytesIO()
    workbook = xlsx_workbook(output, constant_memory=constant_memory)
    sheet = workbook.add_worksheet("S")
    date_fmt = workbook.add_format({"num_format": "dd-mm-yyyy"})
    fill = workbook.add_format({"bg_color": "#FF0000"})
    write_cell(sheet, 0, 0, "=1+1")
    write_cell(sheet, 0, 1, -250000)
    write_cell(sheet, 0, 2, Decimal("-2.5"))
    write_cell(sheet, 0, 3, dt.date(1980, 8, 17), date_fmt)
    write_cell(sheet, 0, 4, dt.datetime(2025, 7, 1, 8, 30), date_fmt)
    write_cell(sheet, 0, 5, None, fill)
    write_cell(sheet, 0, 6, None)
    write_cell(sheet, 0, 7, "-5")
    with pytest.raises(ValueError, match="finite"):
        write_cell(sheet, 1, 0, float("nan"))
    with pytest.raises(TypeError):
        write_cell(sheet, 1, 0, object())  # type: ignore[arg-type]
    workbook.close()
    ws = _load(output.getvalue())["S"]
    row = ws[1]
    assert (row[0].value, row[0].data_type) == ("'=1+1", "s")
    assert (row[1].value, row[1].data_type) == (-250000, "n")
    assert (row[2].value, row[2].data_type) == (-2.5, "n")
    assert row[3].value == dt.datetime(1980, 8, 17)
    assert row[3].number_format == "dd-mm-yyyy"
    assert row[4].value == dt.datetime(2025, 7, 1, 8, 30)
    assert row[5].value is None
    assert row[5].fill.fgColor.rgb == "FFFF0000"
    assert row[6].value is None
    assert (row[7].value, row[7].data_type) == ("'-5", "s")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Andi", "Andi"),
        ("A & B <c>", "A &amp; B &lt;c&gt;"),
        ("a\x01b", "a_x0001_b"),
        ("\x00", "_x0000_"),
        ("cr\r", "cr_x000D_"),
        ("tab\tlf\n", "tab\tlf\n"),  # XML can hold these as they are
        ("_x0041_", "_x005F_x0041_"),
        ("_x41_", "_x41_"),
        ("\ufffe", "_xFFFE_"),
    ],
)
def test_xml_text(text: str, expected: str) -> None:
    assert xml_text(text) == expected


def test_inline_string_cell() -> None:
    assert inline_string_cell("B7", "Andi") == '<c r="B7" t="inlineStr"><is><t>Andi</t></is></c>'
    assert inline_string_cell("B7", "=1", 3) == (
        '<c r="B7" s="3" t="inlineStr"><is><t>\'=1</t></is></c>'
    )
    assert inline_string_cell("C1", " Andi ") == (
        '<c r="C1" t="inlineStr"><is><t xml:space="preserve"> Andi </t></is></c>'
    )


def test_fit_cell_counts_utf16_units() -> None:
    assert MAX_CELL_CHARS == 32_767
    assert fit_cell("x" * MAX_CELL_CHARS) == "x" * MAX_CELL_CHARS
    assert fit_cell("x" * 40_000) == "x" * MAX_CELL_CHARS
    # An emoji is two UTF-16 units in Excel: never cut in half.
    assert fit_cell("\U0001f600" * 20_000) == "\U0001f600" * 16_383
    assert fit_cell("x" + "\U0001f600" * 20_000) == "x" + "\U0001f600" * 16_383
    assert inline_string_cell("A1", "=" + "x" * 40_000).count("x") == MAX_CELL_CHARS - 2


ROUND_TRIP = [
    " Budi ",
    "  ",
    "A & B <c> \"d\" 'e'",
    "Ṣiti’ Nurhaliza",
    "dua\nbaris",
    "tab\tdi tengah",
    "\u00a0NBSP",
    "_x0041_ literal",
    "a\x01b",
    "7324011708800000.0",
    "x" * 5000,
]


def _spliced(values: list[str], *, empty: bool = False) -> bytes:
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    sheet = workbook.add_worksheet("Data")
    workbook.add_worksheet("Lain").write_string(0, 0, "lain")
    text_fmt = workbook.add_format({"num_format": "@"})
    if not empty:
        sheet.write_string(0, 0, "Nilai")
    style = xf_index(text_fmt)
    workbook.close()
    start = 1 if empty else 2
    rows = [
        f'<row r="{number}">{inline_string_cell(f"A{number}", value, style)}</row>'
        for number, value in enumerate(values, start=start)
    ]
    return append_rows(
        output.getvalue(),
        sheet_number=1,
        rows_xml=["".join(rows[:3]), "".join(rows[3:])],
        dimension=f"A1:A{len(values) + start - 1}",
    )


def test_append_rows_round_trip_openpyxl() -> None:
    data = _spliced(ROUND_TRIP)
    wb = _load(data)
    assert wb.sheetnames == ["Data", "Lain"]
    ws = wb["Data"]
    assert ws.calculate_dimension() == f"A1:A{len(ROUND_TRIP) + 1}"
    values = [row[0] for row in ws.iter_rows(min_row=2, values_only=True)]
    # openpyxl leaves _xHHHH_ escapes of inline strings undecoded (Excel and calamine decode them).
    expected = [
        {"_x0041_ literal": "_x005F_x0041_ literal", "a\x01b": "a_x0001_b"}.get(v, v)
        for v in ROUND_TRIP
    ]
    assert values == expected
    assert {ws.cell(row, 1).number_format for row in range(2, len(ROUND_TRIP) + 2)} == {"@"}
    assert wb["Lain"]["A1"].value == "lain"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert f'<dimension ref="A1:A{len(ROUND_TRIP) + 1}"/>' in sheet_xml


def test_append_rows_round_trip_fastexcel() -> None:
    data = _spliced(ROUND_TRIP)
    frame = fastexcel.read_excel(data).load_sheet("Data").to_polars()
    assert frame.columns == ["Nilai"]
    assert frame["Nilai"].to_list() == ROUND_TRIP


def test_append_rows_into_an_empty_sheet() -> None:
    data = _spliced(["=1", "b"], empty=True)
    ws = _load(data)["Data"]
    assert [row[0] for row in ws.iter_rows(values_only=True)] == ["'=1", "b"]


def test_append_rows_unknown_sheet() -> None:
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    workbook.add_worksheet("Data")
    workbook.close()
    with pytest.raises(ValueError, match="sheet2"):
        append_rows(output.getvalue(), sheet_number=2, rows_xml=[], dimension="A1")
