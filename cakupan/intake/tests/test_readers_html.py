"""HTML tables sent as ".xls" (OpenSID's "unduh", Excel's "Web Page"), and files that are neither a
table nor a workbook, refused by name."""

from __future__ import annotations

import io
import socket
import zipfile
from typing import Any

import pytest

from cakupan.intake.readers import DEFAULT_LIMITS, Limits, read_upload
from cakupan.intake.schema import FileError, FileIssue
from cakupan.intake.tests import messy_files as m
from cakupan.intake.tests import opensid


def refused(data: bytes, **limits: Any) -> FileError:
    with pytest.raises(FileError) as caught:
        read_upload(data, "buku.xls", limits=Limits(**limits) if limits else DEFAULT_LIMITS)
    return caught.value


def test_opensid_book_is_read_as_its_table() -> None:
    sheet = read_upload(opensid.book_html(), "buku_pemerintah_desa.xls")
    assert sheet.file_type == "html"
    assert sheet.encoding == "utf-8"
    assert sheet.headers == opensid.HEADER
    # Title table skipped, the book's header is row 1 of its table, the numbering row dropped.
    assert sheet.header_row == 1
    assert sheet.row_numbers.to_list() == list(range(3, 11))
    assert sheet.frame.get_column("NIK").to_list() == [opensid.nik_of(i) for i in range(8)]
    assert sheet.frame.get_column("JABATAN").to_list() == [o[3] for o in opensid.OFFICIALS]
    assert sheet.frame.get_column("NAMA").to_list()[1] == "HASNAWATI, S.Sos"
    # "&nbsp;" is an empty cell; "<br>" inside a cell is a space.
    assert sheet.frame.get_column("KET").to_list() == [None] * 8
    assert sheet.frame.get_column("NOMOR DAN TANGGAL KEPUTUSAN PENGANGKATAN").to_list()[0] == (
        "141/01/SK/2019, 02-01-2019"
    )


def test_the_xlsx_and_the_html_book_give_the_same_frame() -> None:
    html = read_upload(opensid.book_html(), "buku.xls")
    xlsx = read_upload(opensid.book_xlsx(), "buku.xlsx")
    assert html.headers == xlsx.headers
    assert html.frame.to_dicts() == xlsx.frame.to_dicts()


def test_scripts_styles_and_external_references_are_neither_run_nor_fetched(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("the reader opened a socket")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    data = opensid.book_html(
        extra_head='<link rel="stylesheet" href="http://example.invalid/x.css">'
        '<script src="http://example.invalid/x.js"></script>',
        extra_body='<img src="http://example.invalid/p.png"><iframe src="file:///etc/passwd"></iframe>'
        "<script>document.write('<table><tr><td>NIK</td><td>Nama</td></tr></table>')</script>",
    )
    # An entity declaration is not expanded (no billion laughs): HTML knows only its own entities.
    data = (
        b'<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
        + data.split(b"\n", 1)[1].replace(b"HASNAWATI", b"HASNAWATI&b;")
    )
    sheet = read_upload(data, "buku.xls")
    assert sheet.frame.height == 8
    assert sheet.frame.get_column("NAMA").to_list()[1] == "HASNAWATI&b;, S.Sos"


def test_row_and_cell_limits_apply_to_html() -> None:
    assert refused(opensid.book_html(), max_rows=5).code == FileIssue.TOO_MANY_ROWS
    assert refused(opensid.book_html(), max_cells=100).code == FileIssue.TOO_MANY_CELLS
    assert refused(opensid.book_html(), max_columns=10).code == FileIssue.TOO_MANY_COLUMNS
    wide = b"<table><tr>" + b'<td colspan="1000">x</td>' * 3 + b"</tr></table>"
    assert refused(wide).code == FileIssue.TOO_MANY_COLUMNS


def test_spans_take_their_place_in_the_grid() -> None:
    data = (
        b"<html><body><table>"
        b'<tr><th rowspan="2">NIK</th><th rowspan="2">Nama</th><th colspan="2">Lahir</th></tr>'
        b"<tr><th>Tempat</th><th>Tanggal Lahir</th></tr>"
        b"<tr><td>7324041708850001</td><td>Andi</td><td>Malili</td><td>17-08-1985</td></tr>"
        b"</table></body></html>"
    )
    sheet = read_upload(data, "x.xls")
    assert sheet.headers == ["NIK", "Nama", "Lahir", "Kolom D"]
    # The second header row stays a row (the operator sees it); the spanned cells are empty.
    assert sheet.frame.rows() == [
        (None, None, "Tempat", "Tanggal Lahir"),
        ("7324041708850001", "Andi", "Malili", "17-08-1985"),
    ]
    assert sheet.row_numbers.to_list() == [2, 3]


def test_cp1252_and_utf16_pages() -> None:
    page = (
        "<html><head><meta charset='windows-1252'></head><body><table>"
        "<tr><td>NIK</td><td>Nama</td></tr><tr><td>7324041708850001</td><td>Désa Ñ</td></tr>"
        "</table></body></html>"
    )
    sheet = read_upload(page.encode("cp1252"), "x.xls")
    assert (sheet.encoding, sheet.frame.get_column("Nama").to_list()) == (
        "windows-1252",
        ["Désa Ñ"],
    )
    sheet = read_upload(b"\xff\xfe" + page.encode("utf-16-le"), "x.xls")
    assert sheet.frame.get_column("Nama").to_list() == ["Désa Ñ"]


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (
            b"<!DOCTYPE html><html><body><p>Data tidak ditemukan</p></body></html>",
            "HTML) tanpa tabel",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "dokumen PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "gambar PNG"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "program Windows"),
        (
            b'<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"/>',
            "XML Spreadsheet 2003",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>',
            "dokumen XML",
        ),
        (_zip("word/document.xml", "[Content_Types].xml"), "dokumen Word (DOCX)"),
        (_zip("data.csv"), "arsip ZIP yang bukan XLSX atau ODS"),
        (m.make_cfb([("WordDocument", b"x" * 100)]), "dokumen Word lama (DOC)"),
    ],
)
def test_a_file_that_is_neither_names_what_it_is(data: bytes, kind: str) -> None:
    error = refused(data)
    assert error.code == FileIssue.UNSUPPORTED_TYPE
    assert error.message.startswith("Jenis berkas tidak didukung: ")
    assert kind in error.message
    assert "tabel HTML" in error.message


def test_an_html_table_without_a_header_row_is_no_header() -> None:
    data = b"<table><tr><td>Mengetahui</td><td>Kepala Desa</td></tr></table>"
    assert refused(data).code == FileIssue.NO_HEADER
