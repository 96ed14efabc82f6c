"""Every reader path, on files generated in memory the way operators make them."""

from __future__ import annotations

import datetime as dt
import io
import struct
import time
import zipfile
from typing import Any

import polars as pl
import pytest

from cakupan.intake.readers import DEFAULT_LIMITS, Limits, Sheet, read_upload
from cakupan.intake.schema import FileError, FileIssue
from cakupan.intake.tests import messy_files as m
from cakupan.intake.tests.messy_files import HEADER, Err, Rk


def read(data: bytes, name: str = "upload", **limits: int) -> Sheet:
    return read_upload(data, name, limits=Limits(**limits) if limits else DEFAULT_LIMITS)


def refused(data: bytes, name: str = "upload", **limits: int) -> FileError:
    with pytest.raises(FileError) as caught:
        read(data, name, **limits)
    return caught.value


def column(sheet: Sheet, name: str) -> list[str | None]:
    return sheet.frame.get_column(name).to_list()


def assert_frame_contract(sheet: Sheet) -> None:
    assert sheet.frame.columns == sheet.headers
    assert all(dtype == pl.String for dtype in sheet.frame.dtypes)
    assert sheet.row_numbers.dtype == pl.UInt32
    assert sheet.row_numbers.len() == sheet.frame.height
    assert sheet.row_numbers.to_list() == sorted(set(sheet.row_numbers.to_list()))
    assert all(n > sheet.header_row for n in sheet.row_numbers.to_list())


# ------------------------------------------------------------------------------------------------
# CSV

CSV_ROWS: list[list[object]] = [
    ["DAFTAR PEGAWAI NON ASN DINAS KESEHATAN"],
    ["TAHUN 2024"],
    [],
    list(HEADER),
    [
        "1",
        "7324011708800001",
        'Budi, S.Pd; "Pak" | Guru\nBaris dua',
        "17/08/1980",
        "L",
        "Désa",
        "2.500.000,00",
    ],
    [],
    ["2", "007", "  Siti  ", "1980-08-17", "P", "", "=SUM(A1)"],
]


@pytest.mark.parametrize("separator", [",", ";", "\t", "|"])
@pytest.mark.parametrize(
    ("encoding", "bom", "expected"),
    [
        ("utf-8", False, "utf-8"),
        ("utf-8", True, "utf-8-sig"),
        ("cp1252", False, "cp1252"),
        ("utf-16", False, "utf-16"),  # little endian with BOM, as Excel's "Unicode Text"
        ("utf-16-be", False, "utf-16"),
    ],
)
def test_csv_encodings_and_separators(
    separator: str, encoding: str, bom: bool, expected: str
) -> None:
    data = m.make_csv(CSV_ROWS, encoding=encoding, separator=separator, bom=bom)
    sheet = read(data, "daftar.csv")
    assert_frame_contract(sheet)
    assert (sheet.file_type, sheet.encoding, sheet.separator) == ("csv", expected, separator)
    assert sheet.headers == list(HEADER)
    assert sheet.header_row == 4
    assert sheet.row_numbers.to_list() == [5, 7]  # the blank record 6 is dropped
    assert sheet.frame.rows() == [
        (
            "1",
            "7324011708800001",
            'Budi, S.Pd; "Pak" | Guru\nBaris dua',
            "17/08/1980",
            "L",
            "Désa",
            "2.500.000,00",
        ),
        ("2", "007", "  Siti  ", "1980-08-17", "P", None, "=SUM(A1)"),
    ]


@pytest.mark.parametrize("line_ending", ["\r\n", "\n", "\r"])
def test_csv_line_endings(line_ending: str) -> None:
    data = m.make_csv(
        [["NIK", "Nama"], ["7324011708800001", "Budi"], ["7324011708800002", "Siti"]],
        line_ending=line_ending,
    )
    sheet = read(data)
    assert sheet.frame.rows() == [("7324011708800001", "Budi"), ("7324011708800002", "Siti")]
    assert sheet.row_numbers.to_list() == [2, 3]


def test_csv_quoted_everything_and_record_numbers() -> None:
    rows = [
        ["NIK", "Nama", "Alamat"],
        ["1", "A", "Jl. Mawar\nRT 01\nRW 02"],
        ["2", "B", "x,y;z"],
        ["3", "C", ""],
    ]
    sheet = read(m.make_csv(rows, quote_all=True, separator=";"))
    assert sheet.separator == ";"
    # Records, not lines: the address spanning three lines is one row, as Excel shows it.
    assert sheet.row_numbers.to_list() == [2, 3, 4]
    assert column(sheet, "Alamat") == ["Jl. Mawar\nRT 01\nRW 02", "x,y;z", None]


def test_csv_semicolon_with_decimal_commas() -> None:
    rows = [["NIK", "Nama", "Upah"]] + [
        [f"732401170880000{i}", f"P {i}", "2.500.000,50"] for i in range(9)
    ]
    sheet = read(m.make_csv(rows, separator=";"))
    assert sheet.separator == ";"
    assert column(sheet, "Upah")[0] == "2.500.000,50"


def test_csv_text_is_verbatim() -> None:
    rows = [
        ["NIK", "Nama", "Upah", "Catatan"],
        ["'7324011708800001", " budi ", "1e5", "0812 3456"],
        ["7.32401E+15", "SITI", "2500000.0", "  "],
    ]
    sheet = read(m.make_csv(rows))
    assert sheet.frame.rows() == [
        ("'7324011708800001", " budi ", "1e5", "0812 3456"),
        ("7.32401E+15", "SITI", "2500000.0", "  "),
    ]


def test_csv_rows_wider_than_the_sample_are_not_truncated() -> None:
    rows: list[list[Any]] = [["NIK", "Nama"]] + [[f"{i:016d}", "x"] for i in range(5000)]
    rows.append(["9999999999999999", "y", "extra", "", "more"])
    sheet = read(m.make_csv(rows))
    assert sheet.headers == ["NIK", "Nama", "Kolom C", "Kolom E"]
    assert sheet.frame.row(-1) == ("9999999999999999", "y", "extra", "more")
    assert sheet.row_numbers[-1] == 5002


def test_csv_numbering_row_and_empty_columns_are_dropped() -> None:
    rows = [
        ["No", "NIK", "Nama", "", "Upah", ""],
        ["1", "2", "3", "4", "5", "6"],
        ["1", "7324011708800001", "Budi", "", "2500000", ""],
    ]
    sheet = read(m.make_csv(rows))
    assert sheet.headers == ["No", "NIK", "Nama", "Upah"]
    assert sheet.row_numbers.to_list() == [3]


@pytest.mark.parametrize("label", ["(1)", "1.", " 1 "])
def test_numbering_row_styles(label: str) -> None:
    first = label.replace("1", "{}")
    numbering = [first.format(i) for i in range(1, 4)]
    sheet = read(m.make_csv([["No", "NIK", "Nama"], numbering, ["1", "7324011708800001", "Budi"]]))
    assert sheet.row_numbers.to_list() == [3]


def test_a_data_row_of_small_numbers_is_not_a_numbering_row() -> None:
    sheet = read(m.make_csv([["NIK", "Nama", "Upah"], ["1", "3", "2"]]))
    assert sheet.row_numbers.to_list() == [2]


def test_csv_header_search_limit() -> None:
    rows: list[list[Any]] = [[f"judul {i}"] for i in range(25)] + [
        ["NIK", "Nama"],
        ["1", "Budi"],
    ]
    assert refused(m.make_csv(rows)).code == FileIssue.NO_HEADER
    sheet = read(m.make_csv(rows), header_search_rows=30)
    assert sheet.header_row == 26


def test_blank_lines_above_the_header_do_not_count() -> None:
    rows: list[list[Any]] = [[] for _ in range(40)] + [
        ["Daftar"],
        ["NIK", "Nama"],
        ["1", "Budi"],
    ]
    assert read(m.make_csv(rows)).header_row == 42


def test_header_needs_nik_or_name() -> None:
    assert (
        refused(m.make_csv([["Tgl Lahir", "Upah", "JK"], ["1", "2", "L"]])).code
        == FileIssue.NO_HEADER
    )
    assert refused(m.make_csv([["NIK", "Keterangan"], ["1", "2"]])).code == FileIssue.NO_HEADER
    assert read(m.make_csv([["Nama", "Upah"], ["Budi", "2"]])).headers == ["Nama", "Upah"]


def test_the_header_row_is_found_with_the_units_remembered_columns() -> None:
    """A header with one synonym is found once the unit's own mapping names another column."""
    rows: list[list[Any]] = [
        ["DAFTAR HONORER"],
        ["Nomor Kependudukan", "Nama Lengkap", "TPP"],
        ["7324011708800001", "Budi", "2500000"],
    ]
    for data in (m.make_csv(rows), m.make_xlsx(rows, title_rows=())):
        assert refused(data).code == FileIssue.NO_HEADER
        sheet = read_upload(data, "x", remembered={"nomor kependudukan": "nik"})
        assert (sheet.header_row, sheet.headers) == (
            2,
            ["Nomor Kependudukan", "Nama Lengkap", "TPP"],
        )
        # A column the unit ignores never makes a header row.
        ignored = {"nomor kependudukan": "nik", "nama lengkap": "ignore"}
        with pytest.raises(FileError) as excinfo:
            read_upload(data, "x", remembered=ignored)
        assert excinfo.value.code == FileIssue.NO_HEADER


def test_single_column_csv_has_no_header() -> None:
    assert refused(b"NIK\n7324011708800001\n").code == FileIssue.NO_HEADER


def test_repeated_headers_are_made_unique() -> None:
    sheet = read(m.make_csv([["NIK", "Nama", "Nama", "Nama"], ["1", "a", "b", "c"]]))
    assert sheet.headers == ["NIK", "Nama", "Nama (2)", "Nama (3)"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", FileIssue.EMPTY),
        (b" \r\n\t\r\n", FileIssue.EMPTY),
        (b"\xef\xbb\xbf", FileIssue.EMPTY),
        (b"\xef\xbb\xbf \r\n", FileIssue.EMPTY),
        ("\ufeff \n".encode("utf-16-le"), FileIssue.EMPTY),
        (b"NIK,Nama\r\n", FileIssue.NO_ROWS),
        (b"NIK,Nama\r\n,\r\n  ,\t\r\n", FileIssue.NO_ROWS),
        (b"NIK,Nama\n7324011708800001,Bu\x00di\n", FileIssue.UNREADABLE),
        ("NIK,Nama\n1,2\n".encode("utf-32"), FileIssue.ENCODING),
        (b"NIK,Nama\n1,\x81\x8d\x8f\n", FileIssue.ENCODING),  # undefined in cp1252
        (b"NIK,Nama\n" + b"\x00\x01\x02\x03" * 100, FileIssue.UNSUPPORTED_TYPE),
    ],
)
def test_csv_refusals(data: bytes, code: FileIssue) -> None:
    error = refused(data)
    assert error.code == code
    assert error.message  # every code has a message with its parameters filled in


def test_cp1252_fallback_is_reported() -> None:
    sheet = read("NIK;Nama\n7324011708800001;Désiré Ñoño\n".encode("cp1252"))
    assert sheet.encoding == "cp1252"
    assert column(sheet, "Nama") == ["Désiré Ñoño"]


def test_too_many_rows_and_columns() -> None:
    rows: list[list[Any]] = [["NIK", "Nama"]] + [[str(i), "x"] for i in range(11)]
    error = refused(m.make_csv(rows), max_rows=10)
    assert (error.code, dict(error.params)) == (FileIssue.TOO_MANY_ROWS, {"count": 11, "limit": 10})
    assert read(m.make_csv(rows), max_rows=11).frame.height == 11

    wide = [["NIK", "Nama", *(f"k{i}" for i in range(9))], ["1", "x", *("y" * 9)]]
    error = refused(m.make_csv(wide), max_columns=10)
    assert (error.code, dict(error.params)) == (
        FileIssue.TOO_MANY_COLUMNS,
        {"count": 11, "limit": 10},
    )
    assert read(m.make_csv(wide), max_columns=11).frame.width == 11


def test_empty_trailing_columns_do_not_count_as_columns() -> None:
    data = b"NIK;Nama" + b";" * 300 + b"\r\n1;Budi" + b";" * 300 + b"\r\n"
    sheet = read(data)
    assert sheet.headers == ["NIK", "Nama"]


def test_too_large_comes_first() -> None:
    error = refused(b"\x00" * 2048, max_bytes=1024)
    assert error.code == FileIssue.TOO_LARGE
    assert refused(b"", max_bytes=0).code == FileIssue.EMPTY


def test_big_csv_reads_fast() -> None:
    line = (
        "7324011708{:06d},Peserta Nomor {:07d},L,1980-08-17,7324011001,NON_ASN,2500000,2024-01-01\n"
    )
    body = "".join(line.format(i, i) for i in range(200_000))
    data = (
        "nik,nama,jenis_kelamin,tanggal_lahir,kode_desa,segmen,upah,tanggal_mulai\n" + body
    ).encode()
    started = time.perf_counter()
    sheet = read(data)
    elapsed = time.perf_counter() - started
    assert sheet.frame.height == 200_000
    assert sheet.row_numbers[-1] == 200_001
    assert elapsed < 3  # ~0.1 s on the project machines; generous for shared CI


# ------------------------------------------------------------------------------------------------
# XLSX


def people_rows() -> list[list[object]]:
    return [list(HEADER), *m.people(3)]


def test_xlsx_title_rows_merged_and_row_numbers() -> None:
    rows = people_rows()
    rows.insert(2, [None] * 7)  # an empty row in the middle
    sheet = read(m.make_xlsx(rows), "daftar.csv")  # the name does not matter
    assert_frame_contract(sheet)
    assert (sheet.file_type, sheet.sheet_name, sheet.encoding, sheet.separator) == (
        "xlsx",
        "Data",
        None,
        None,
    )
    assert sheet.header_row == 4
    assert sheet.row_numbers.to_list() == [5, 7, 8]
    assert sheet.headers == list(HEADER)
    assert sheet.frame.row(0) == (
        "1.0",
        "7324011708800000",
        "Peserta 1",
        "1980-08-17",
        "L",
        "7324011001",
        "2500000.0",
    )


def test_xlsx_nik_as_number_keeps_its_float_form() -> None:
    sheet = read(m.make_xlsx(people_rows(), nik_as_number=True))
    assert column(sheet, "NIK") == [
        "7324011708800000.0",
        "7324011708800001.0",
        "7324011708800002.0",
    ]


def test_xlsx_nik_as_text_stays_text() -> None:
    sheet = read(m.make_xlsx(people_rows()))
    assert column(sheet, "NIK") == ["7324011708800000", "7324011708800001", "7324011708800002"]


def test_xlsx_mixed_nik_column() -> None:
    # Excel keeps 15 significant digits: a NIK typed into a number cell loses its last digit.
    rows = [
        ["NIK", "Nama"],
        ["7324011708800001", "teks"],
        [7324011708800000, "angka"],
        [73240117088000012, "17 digit"],
        ["'7324011708800003", "kutip"],
        [True, "boolean"],
    ]
    sheet = read(m.make_xlsx(rows, title_rows=()))
    assert column(sheet, "NIK") == [
        "7324011708800001",
        "7324011708800000.0",
        "7.324011708800002e+16",
        "'7324011708800003",
        "TRUE",
    ]


def test_xlsx_typed_cells() -> None:
    rows = [
        ["NIK", "Nama", "Tgl Lahir", "TMT", "Upah", "Aktif", "Cek", "Catatan"],
        [
            "1",
            "a",
            dt.date(1980, 8, 17),
            dt.datetime(2024, 1, 2, 3, 4, 5),
            2500000,
            True,
            Err("#N/A"),
            "NA",
        ],
        [
            "2",
            "b",
            dt.datetime(1980, 8, 17),
            dt.datetime(2024, 1, 2),
            2500000.5,
            False,
            Err("#DIV/0!", "=1/0"),
            "  x  ",
        ],
        ["3", "c", "17-08-1980", "2024-01-02", "Rp 2.500.000", None, "ok", None],
    ]
    sheet = read(m.make_xlsx(rows, title_rows=()))
    assert sheet.frame.rows() == [
        ("1", "a", "1980-08-17", "2024-01-02T03:04:05", "2500000.0", "TRUE", "#N/A", "NA"),
        ("2", "b", "1980-08-17", "2024-01-02", "2500000.5", "FALSE", "#DIV/0!", "  x  "),
        ("3", "c", "17-08-1980", "2024-01-02", "Rp 2.500.000", None, "ok", None),
    ]


def test_xlsx_text_that_fastexcel_would_null_is_kept() -> None:
    rows = [
        ["NIK", "Nama", "Upah"],
        ["1", "a", 2500000],
        ["2", "b", "NA"],
        ["3", "c", "#N/A"],
        ["4", "d", "null"],
    ]
    sheet = read(m.make_xlsx(rows, title_rows=()))
    assert column(sheet, "Upah") == ["2500000.0", "NA", "#N/A", "null"]


def test_xlsx_float_precision() -> None:
    # What Excel stores is what comes back: repr of the double, never fastexcel's 9 decimals.
    values = ["29.020000000000003", "1E-10", "0.1", "-250000", "2500000.0000000005", "1.5E+300"]
    cells = "".join(
        f'<row r="{i + 2}">{m.inline(f"A{i + 2}", str(i))}{m.number(f"B{i + 2}", v)}</row>'
        for i, v in enumerate(values)
    )
    sheet = read(m.make_xlsx_xml(m.header_row_xml(names=("NIK", "Nama")) + cells))
    assert column(sheet, "Nama") == [
        "29.020000000000003",
        "1e-10",
        "0.1",
        "-250000.0",
        "2500000.0000000005",
        "1.5e+300",
    ]


def test_xlsx_numbering_row_and_columns() -> None:
    rows = [
        ["No", "NIK", "Nama", None, None, "Upah"],
        [1, 2, 3, 4, None, 5],
        [1, "7324011708800001", "Budi", None, "lupa judul", 2500000],
    ]
    sheet = read(m.make_xlsx(rows, first_column=2))
    # Data starts in column C: the column without a header is named by its letter, G.
    assert sheet.headers == ["No", "NIK", "Nama", "Kolom G", "Upah"]
    assert sheet.row_numbers.to_list() == [6]
    assert sheet.frame.row(0) == ("1.0", "7324011708800001", "Budi", "lupa judul", "2500000.0")


def test_xlsx_leading_empty_rows_keep_excel_row_numbers() -> None:
    sheet = read(
        m.make_xlsx(
            [["NIK", "Nama"], ["1", "a"], [None, None], [None, None], ["2", "b"]],
            title_rows=["T"],
            blank_rows_after_title=9,
        )
    )
    assert sheet.header_row == 11
    assert sheet.row_numbers.to_list() == [12, 15]


def test_xlsx_shared_and_inline_strings() -> None:
    rows = [["NIK", "Nama"], ["7324011708800001", "Budi"], ["7324011708800002", " Siti "]]
    shared = read(m.make_xlsx(rows, title_rows=()))
    inline = read(m.make_xlsx(rows, title_rows=(), constant_memory=True))
    assert (
        shared.frame.rows()
        == inline.frame.rows()
        == [("7324011708800001", "Budi"), ("7324011708800002", " Siti ")]
    )


def test_xlsx_skips_hidden_and_headerless_sheets() -> None:
    data = m.make_xlsx(
        people_rows(),
        sheet_name="Peserta",
        sheets_before=[
            ("Rahasia", [["NIK", "Nama"], ["9999999999999999", "tersembunyi"]], True),
            ("Petunjuk", [["Isi data pada lembar Peserta"], ["Kolom NIK wajib teks"]], False),
            ("Kosong", [], False),
        ],
    )
    sheet = read(data)
    assert sheet.sheet_name == "Peserta"
    assert column(sheet, "Nama Lengkap") == ["Peserta 1", "Peserta 2", "Peserta 3"]


def test_xlsx_without_header_or_rows() -> None:
    assert refused(m.make_xlsx([["Petunjuk pengisian"], ["baris dua"]])).code == FileIssue.NO_HEADER
    assert refused(m.make_xlsx([["NIK", "Nama"]])).code == FileIssue.NO_ROWS
    assert refused(m.make_xlsx([], title_rows=())).code == FileIssue.EMPTY


def test_xlsx_limits() -> None:
    rows = [["NIK", "Nama"]] + [[str(i), "x"] for i in range(12)]
    assert refused(m.make_xlsx(rows), max_rows=10).code == FileIssue.TOO_MANY_ROWS
    wide = [["NIK", "Nama", *(f"k{i}" for i in range(10))], ["1", "x", *("y" * 10)]]
    error = refused(m.make_xlsx(wide), max_columns=5)
    assert (error.code, dict(error.params)) == (
        FileIssue.TOO_MANY_COLUMNS,
        {"count": 12, "limit": 5},
    )


def test_hand_written_xlsx_without_cell_references() -> None:
    rows = (
        m.header_row_xml()
        + "<row>"
        + m.number(None, "7324011708800001")
        + m.inline(None, "Budi")
        + "</row><row/><row><c/>"
        + m.inline(None, "Siti")
        + "</row>"
    )
    sheet = read(m.make_xlsx_xml(rows))
    # calamine counts rows and columns itself: row 1 is the header, then 2, (3 empty), 4.
    assert sheet.row_numbers.to_list() == [2, 4]
    assert sheet.frame.rows() == [("7324011708800001.0", "Budi"), (None, "Siti")]


def test_formula_without_cached_value_is_empty() -> None:
    rows = (
        m.header_row_xml()
        + '<row r="2"><c r="A2"><f>SUM(1,2)</f></c>'
        + m.inline("B2", "x")
        + "</row>"
    )
    assert read(m.make_xlsx_xml(rows)).frame.rows() == [(None, "x")]


def test_namespace_prefixed_sheet_xml() -> None:
    body = (
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>NIK</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>Nama</x:t></x:is></x:c></x:row>'
        '<x:row r="3"><x:c r="A3"><x:v>5</x:v></x:c></x:row>'
    )
    sheet_xml = (
        '<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<x:sheetData>{body}</x:sheetData></x:worksheet>"
    )
    data = m.raw_zip([*m.xlsx_skeleton(m.entry("xl/worksheets/sheet1.xml", sheet_xml))])
    sheet = read(data)
    assert sheet.row_numbers.to_list() == [3]
    assert sheet.frame.rows() == [("5.0", None)]


# ------------------------------------------------------------------------------------------------
# XLS (BIFF8 written by messy_files; xlwt is not installed)


def test_xls_reader() -> None:
    rows: list[list[object] | None] = [
        ["DAFTAR PERANGKAT DESA"],
        None,
        ["No", "NIK", "Nama", "Tgl Lahir", "Siltap", "Aktif", "Cek"],
        [Rk(1), "7324011708800001", "Budi", dt.date(1980, 8, 17), Rk(2500000), True, Err("#N/A")],
        None,
        [
            Rk(2),
            7324011708800000,
            "Siti é",
            dt.datetime(1980, 8, 17, 10, 30),
            Rk(3000000),
            False,
            "ok",
        ],
    ]
    sheet = read(m.make_xls(rows, sheet_name="Desa"), "lama.xls")
    assert_frame_contract(sheet)
    assert (sheet.file_type, sheet.sheet_name) == ("xls", "Desa")
    assert sheet.header_row == 3
    assert sheet.row_numbers.to_list() == [4, 6]
    assert sheet.frame.rows() == [
        ("1", "7324011708800001", "Budi", "1980-08-17", "2500000", "TRUE", "#N/A"),
        ("2", "7324011708800000.0", "Siti é", "1980-08-17T10:30:00", "3000000", "FALSE", "ok"),
    ]


def test_xls_integer_and_float_cells_in_one_column_read_as_floats() -> None:
    rows = [["NIK", "Nama", "Upah"], ["1", "a", Rk(2500000)], ["2", "b", 2500000.5]]
    assert column(read(m.make_xls(rows)), "Upah") == ["2500000.0", "2500000.5"]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (m.make_xls([["NIK", "Nama"], ["1", "a"]], filepass=True), FileIssue.ENCRYPTED),
        (m.make_encrypted_ooxml(), FileIssue.ENCRYPTED),
        (
            m.make_xls([["NIK", "Nama"], ["1", "a"]], extra_streams=[("_VBA_PROJECT_CUR", b"x")]),
            FileIssue.MACRO_WORKBOOK,
        ),
        (m.make_cfb([("WordDocument", b"x" * 100)]), FileIssue.UNSUPPORTED_TYPE),
        (m.OLE2_MAGIC + b"\0" * 600, FileIssue.UNREADABLE),
        (m.OLE2_MAGIC, FileIssue.UNREADABLE),
        (m.make_xls([["NIK", "Nama"], ["1", "a"]])[:2000], FileIssue.UNREADABLE),
    ],
)
def test_ole2_refusals(data: bytes, code: FileIssue) -> None:
    assert refused(data, "x.xls").code == code


def test_xls_with_a_cell_far_away_is_refused_before_calamine() -> None:
    far = m.biff_record(0x0203, struct.pack("<HHHd", 65535, 65535, 0, 1.0))
    error = refused(m.make_xls([["NIK", "Nama"], ["1", "a"]], extra_cells=far))
    assert error.code == FileIssue.TOO_MANY_CELLS


def test_xls_lying_dimensions_are_refused() -> None:
    error = refused(m.make_xls([["NIK", "Nama"], ["1", "a"]], dimensions=(100, 5, 0, 2)))
    assert error.code == FileIssue.TOO_MANY_CELLS


def test_xls_bad_shared_string_count_is_refused() -> None:
    sst = m.biff_record(0x00FC, struct.pack("<ii", 1, 0x7FFFFFF0) + b"\x01\x00\x00A")
    assert refused(m.make_xls([["NIK", "Nama"]], extra_globals=sst)).code == FileIssue.UNREADABLE


def test_xls_panic_in_calamine_is_a_file_error() -> None:
    # A BOUNDSHEET record too short for its fields makes calamine panic (PanicException is a
    # BaseException): it must still come out as FileError.
    bad_sheet = m.biff_record(0x0085, b"\x00")
    error = refused(m.make_xls([["NIK", "Nama"], ["1", "a"]], extra_globals=bad_sheet))
    assert error.code == FileIssue.UNREADABLE


# ------------------------------------------------------------------------------------------------
# ODS


def test_ods_reader() -> None:
    rows = [
        ["DAFTAR PEKERJA RENTAN"],
        [],
        ["NIK", "Nama", "Tgl Lahir", "Upah", "Aktif"],
        [7324011708800000, "Budi", dt.date(1980, 8, 17), 2500000, True],
        [],
        ["7324011708800001", "Siti", "17/08/1980", 2500000.5, False],
    ]
    sheet = read(m.make_ods(rows), "rentan.ods")
    assert_frame_contract(sheet)
    assert (sheet.file_type, sheet.sheet_name) == ("ods", "Data")
    assert sheet.header_row == 3
    assert sheet.row_numbers.to_list() == [4, 6]
    assert sheet.frame.rows() == [
        ("7324011708800000.0", "Budi", "1980-08-17", "2500000.0", "TRUE"),
        ("7324011708800001", "Siti", "17/08/1980", "2500000.5", "FALSE"),
    ]


def test_ods_repeated_cells_and_rows() -> None:
    tables = (
        '<table:table table:name="A">'
        "<table:table-row>"
        '<table:table-cell office:value-type="string"><text:p>NIK</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>Nama</text:p></table:table-cell>'
        '<table:table-cell table:number-columns-repeated="16382"/></table:table-row>'
        '<table:table-row table:number-rows-repeated="2">'
        '<table:table-cell office:value-type="string"><text:p>7324011708800001</text:p></table:table-cell>'
        '<table:table-cell office:value-type="string"><text:p>Sama<text:s text:c="2"/>saja</text:p></table:table-cell>'
        "</table:table-row>"
        '<table:table-row table:number-rows-repeated="1048573">'
        '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>'
        "</table:table>"
    )
    sheet = read(m.make_ods(tables_xml=tables))
    assert sheet.row_numbers.to_list() == [2, 3]
    assert column(sheet, "Nama") == ["Sama  saja", "Sama  saja"]


@pytest.mark.parametrize(
    "table",
    [
        # a value repeated over a million rows and a thousand columns: 10^9 cells from 300 bytes
        '<table:table-row table:number-rows-repeated="1000000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1"/>'
        "</table:table-row>",
        # empty rows repeated above one value still make calamine allocate them
        '<table:table-row table:number-rows-repeated="100000000"><table:table-cell/></table:table-row>'
        '<table:table-row><table:table-cell office:value-type="float" office:value="1"/></table:table-row>',
    ],
)
def test_ods_repeat_bombs_are_refused(table: str) -> None:
    data = m.make_ods(tables_xml=f'<table:table table:name="A">{table}</table:table>')
    assert refused(data).code == FileIssue.TOO_MANY_CELLS


def test_ods_space_bomb_is_refused() -> None:
    cell = (
        '<table:table-cell office:value-type="string">'
        '<text:p>a<text:s text:c="2000000000"/></text:p></table:table-cell>'
    )
    data = m.make_ods(
        tables_xml=f'<table:table table:name="A"><table:table-row>{cell}</table:table-row></table:table>'
    )
    assert refused(data).code == FileIssue.UNREADABLE


# ------------------------------------------------------------------------------------------------
# Type detection and zip pre-flight


@pytest.mark.parametrize(
    "data",
    [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        b"MZ\x90\x00\x03\x00\x00\x00",
        b"\xef\xbb\xbf<!DOCTYPE html><html>",
        b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
    ],
)
def test_unsupported_types(data: bytes) -> None:
    assert refused(data, "data.xlsx").code == FileIssue.UNSUPPORTED_TYPE


def test_an_html_table_is_read_not_refused() -> None:
    # HTML tables sent as .xls are read (test_readers_html.py): a header without rows is NO_ROWS.
    data = b"<html><body><table><tr><td>NIK</td><td>Nama</td></tr></table></body></html>"
    assert refused(data, "data.xls").code == FileIssue.NO_ROWS


def test_zip_that_is_not_a_workbook() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert refused(buffer.getvalue(), "surat.xlsx").code == FileIssue.UNSUPPORTED_TYPE


@pytest.mark.parametrize(
    "data",
    [
        m.make_xlsx_xml(m.header_row_xml(), workbook_type=m.XLSM_WORKBOOK_TYPE),
        m.make_xlsx_xml(m.header_row_xml(), extra_entries=[("xl/vbaProject.bin", b"\xd0\xcf")]),
        m.make_xlsx_xml(m.header_row_xml(), extra_entries=[("xl/workbook.bin", b"\x83\x01")]),
    ],
)
def test_macro_workbooks_are_refused(data: bytes) -> None:
    assert refused(data, "data.xlsx").code == FileIssue.MACRO_WORKBOOK


def test_zip_bomb_is_refused_from_the_central_directory() -> None:
    error = refused(m.make_zip_bomb(600))
    assert error.code == FileIssue.ZIP_BOMB
    assert dict(error.params) == {"size": "600", "limit": "500"}


def test_zip_bomb_with_a_lying_size_is_caught_while_inflating() -> None:
    assert refused(m.make_zip_bomb(100, declared=5000)).code == FileIssue.UNREADABLE


def test_zip_with_high_ratio_entry_is_a_bomb() -> None:
    error = refused(m.make_zip_bomb(60), max_uncompressed_bytes=1 << 40)
    assert error.code == FileIssue.ZIP_BOMB


def test_too_many_zip_entries() -> None:
    error = refused(m.make_many_entries_zip(1001))
    assert (error.code, dict(error.params)) == (
        FileIssue.ZIP_TOO_MANY_ENTRIES,
        {"count": 1001, "limit": 1000},
    )


def _with_entry(extra: m.RawEntry) -> bytes:
    sheet = m.entry(
        "xl/worksheets/sheet1.xml", m._SHEET.format(dimension="", rows=m.header_row_xml())
    )
    return m.raw_zip([*m.xlsx_skeleton(sheet), extra])


@pytest.mark.parametrize(
    ("extra", "code"),
    [
        (m.entry("../../etc/cron.d/x", "x"), FileIssue.UNREADABLE),
        (m.entry("xl/../../x", "x"), FileIssue.UNREADABLE),
        (m.entry("/etc/passwd", "x"), FileIssue.UNREADABLE),
        (m.entry("C:\\x.xml", "x"), FileIssue.UNREADABLE),
        (m.entry("xl/workbook.xml", "dup"), FileIssue.UNREADABLE),
        (m.entry("xl/link", "/etc/passwd", external_attr=0o120777 << 16), FileIssue.UNREADABLE),
        (m.entry("xl/secret.xml", "x", flags=0x1), FileIssue.ENCRYPTED),
        (m.RawEntry("xl/x.xml", b"BZh91AY", 10, method=12), FileIssue.UNREADABLE),
        (m.RawEntry("xl/x.xml", m.deflated(b"hello world")[:-3], 11), FileIssue.UNREADABLE),
        (m.RawEntry("xl/x.xml", b"\xff\xff\xff\xff", 11), FileIssue.UNREADABLE),
        (m.RawEntry("xl/x.xml", b"stored!", 7, method=0), None),
        (m.RawEntry("xl/x.xml", b"stored!", 6, method=0), FileIssue.UNREADABLE),
        (m.RawEntry("xl/x.xml", m.deflated(b"hello world"), 5), FileIssue.UNREADABLE),
        (m.RawEntry("xl/x.xml", m.deflated(b"hello world"), 50), FileIssue.UNREADABLE),
    ],
)
def test_zip_entry_checks(extra: m.RawEntry, code: FileIssue | None) -> None:
    data = _with_entry(extra)
    if code is None:
        with pytest.raises(FileError) as caught:  # readable; the sheet has only a header
            read(data)
        assert caught.value.code == FileIssue.NO_ROWS
    else:
        assert refused(data).code == code


def test_truncated_and_corrupt_zips() -> None:
    data = m.make_xlsx(people_rows())
    for size in (4, 30, 100, len(data) // 2, len(data) - 10):
        assert refused(data[:size]).code == FileIssue.UNREADABLE, size
    mangled = bytearray(data)
    mangled[200:260] = b"\x00" * 60
    assert refused(bytes(mangled)).code == FileIssue.UNREADABLE


@pytest.mark.parametrize(
    "rows_xml",
    [
        # Two cells: A1 and XFD1048576. calamine would ask for 550 GB and abort the process.
        m.header_row_xml() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
        m.header_row_xml() + '<row r="2"><c r="XFD1048576"><v>1</v></c></row>',
        m.header_row_xml() + '<row r="2"><c r="xfd1048576"><v>1</v></c></row>',
        m.header_row_xml() + '<row r="2"><c t="n" r="XFD1048576"><v>1</v></c></row>',
        m.header_row_xml() + "<row r='2'><c r='XFD1048576'><v>1</v></c></row>",
        m.header_row_xml() + '<row r="2"><c r="A4000000000"><v>1</v></c></row>',
        m.header_row_xml() + '<row r="900000000"><c><v>1</v></c></row>',
        # No references at all: calamine's own counters put the last cell at XFD1048576.
        m.header_row_xml()
        + '<row r="1048576"><c><v>1</v></c>'
        + "<c/>" * 16382
        + "<c><v>2</v></c></row>",
    ],
)
def test_far_away_cells_are_refused_before_calamine(rows_xml: str) -> None:
    started = time.perf_counter()
    error = refused(m.make_xlsx_xml(rows_xml))
    assert error.code == FileIssue.TOO_MANY_CELLS
    assert time.perf_counter() - started < 2


def test_cell_area_limit_is_a_limit() -> None:
    rows_xml = (
        m.header_row_xml()
        + '<row r="2">'
        + m.inline("A2", "7324011708800001")
        + m.inline("B2", "Budi")
        + '<c r="Z200"><v>1</v></c></row>'
    )
    data = m.make_xlsx_xml(rows_xml)
    assert refused(data, max_cells=200 * 26 - 1).code == FileIssue.TOO_MANY_CELLS
    sheet = read(data, max_cells=200 * 26)
    assert sheet.headers == ["NIK", "Nama", "Kolom Z"]


def test_utf16_sheet_xml_is_refused() -> None:
    sheet_xml = m._SHEET.format(dimension="", rows=m.header_row_xml()).encode("utf-16")
    data = m.raw_zip(m.xlsx_skeleton(m.entry("xl/worksheets/sheet1.xml", sheet_xml)))
    assert refused(data).code == FileIssue.UNREADABLE


def test_xml_bomb_entities_do_not_expand() -> None:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + m.header_row_xml()
        + '<row r="2"><c r="A2" t="inlineStr"><is><t>&lol3;</t></is></c></row></sheetData></worksheet>'
    )
    data = m.raw_zip(m.xlsx_skeleton(m.entry("xl/worksheets/sheet1.xml", laughs)))
    started = time.perf_counter()
    try:
        sheet = read(data)
    except FileError:
        pass
    else:
        assert all(len(v or "") < 100 for v in column(sheet, "NIK"))
    assert time.perf_counter() - started < 2


# ------------------------------------------------------------------------------------------------
# More pre-flight: compound files calamine would loop on, very wide sheets, 10,001 entries


def test_xls_in_the_mini_stream() -> None:
    data = m.make_xls([["NIK", "Nama"], ["7324011708800001", "Budi"]], mini=True)
    assert len(data) < 4096
    sheet = read(data)
    assert sheet.frame.rows() == [("7324011708800001", "Budi")]


def _fat_entry_offset(data: bytes, sector: int) -> int:
    (first_fat,) = struct.unpack_from("<I", data, 76)  # first DIFAT entry: the first FAT sector
    return 512 + first_fat * 512 + 4 * sector


def test_xls_with_a_cyclic_sector_chain_is_refused() -> None:
    # calamine follows FAT chains without a cycle check: a loop would grow memory forever.
    data = bytearray(m.make_xls([["NIK", "Nama"], ["1", "a"]]))
    last = 1 + 8 - 1  # the workbook stream: 4096 bytes = sectors 1..8 after the FAT sector
    data[_fat_entry_offset(bytes(data), last) : _fat_entry_offset(bytes(data), last) + 4] = (
        struct.pack("<I", 1)
    )
    started = time.perf_counter()
    assert refused(bytes(data)).code == FileIssue.UNREADABLE
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize("field_offset", [44, 48, 60, 64, 68])  # FAT count, directory, mini FAT
def test_xls_with_absurd_header_fields_is_refused(field_offset: int) -> None:
    data = bytearray(m.make_xls([["NIK", "Nama"], ["1", "a"]], mini=field_offset >= 60))
    data[field_offset : field_offset + 4] = struct.pack("<I", 0x7FFFFFF0)
    assert refused(bytes(data)).code == FileIssue.UNREADABLE


def test_xls_with_a_huge_stream_size_is_refused() -> None:
    data = bytearray(m.make_xls([["NIK", "Nama"], ["1", "a"]]))
    directory = data.index("Workbook".encode("utf-16-le"))
    data[directory + 120 : directory + 124] = struct.pack("<I", 0xFFFFFFF0)
    assert refused(bytes(data)).code == FileIssue.UNREADABLE


def test_very_wide_sheets_are_refused_before_reading() -> None:
    # Two rows spanning 16,384 columns: reading them costs seconds in fastexcel and polars.
    rows = (
        m.header_row_xml() + '<row r="2">' + m.inline("A2", "1") + '<c r="XFD2"><v>1</v></c></row>'
    )
    started = time.perf_counter()
    error = refused(m.make_xlsx_xml(rows))
    assert (error.code, dict(error.params)) == (
        FileIssue.TOO_MANY_COLUMNS,
        {"count": 16384, "limit": 200},
    )
    assert time.perf_counter() - started < 1
    # Up to max(5 x max_columns, 1024) columns the sheet is read and its empty columns dropped.
    rows = (
        m.header_row_xml() + '<row r="2">' + m.inline("A2", "1") + '<c r="AMJ2"><v>1</v></c></row>'
    )
    assert read(m.make_xlsx_xml(rows)).headers == ["NIK", "Nama", "Kolom AMJ"]


def test_ten_thousand_and_one_entries() -> None:
    data = m.make_many_entries_zip()
    started = time.perf_counter()
    error = refused(data)
    assert (error.code, dict(error.params)) == (
        FileIssue.ZIP_TOO_MANY_ENTRIES,
        {"count": 10_001, "limit": 1000},
    )
    assert time.perf_counter() - started < 1
