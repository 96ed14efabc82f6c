"""Fuzzing the readers (SECURITY.md T10-T12): whatever the bytes, a Sheet or a FileError.

Every property runs 200 examples; ``Limits`` are small so a surviving odd file stays cheap.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import tracemalloc
from functools import cache
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.intake.readers import Limits, Sheet, read_upload
from cakupan.intake.schema import FileError, FileIssue
from cakupan.intake.tests import messy_files as m

SMALL = Limits(max_cells=100_000, max_rows=10_000, max_uncompressed_bytes=20 * 1024 * 1024)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def outcome(data: bytes, limits: Limits = SMALL) -> Sheet | FileError:
    """Read; anything but a Sheet or a FileError fails the test (and so would a crash)."""
    caught: FileError | None
    try:
        sheet = read_upload(data, "fuzz.bin", limits=limits)
    except FileError as error:
        caught = error
    else:
        caught = None
    if caught is not None:
        assert caught.message  # the message formats with its parameters
        # The catch-all for reader bugs must never be what answered.
        assert caught.__cause__ is None or isinstance(caught.__cause__, FileError), caught.__cause__
        return caught
    assert isinstance(sheet, Sheet)
    assert sheet.frame.columns == sheet.headers
    assert all(dtype == pl.String for dtype in sheet.frame.dtypes)
    assert sheet.row_numbers.dtype == pl.UInt32
    assert sheet.row_numbers.len() == sheet.frame.height > 0
    assert sheet.file_type in {"csv", "xlsx", "xls", "ods"}
    return sheet


@cache
def samples() -> dict[str, bytes]:
    rows: list[list[Any]] = [list(m.HEADER), *m.people(4)]
    rows[2][1] = 7324011708800000  # a damaged NIK: the column becomes mixed
    rows[3][6] = m.Err()
    return {
        "xlsx": m.make_xlsx(rows),
        "xlsx-inline": m.make_xlsx(rows, constant_memory=True, title_rows=()),
        "ods": m.make_ods([r for r in rows if not any(isinstance(v, m.Err) for v in r)]),
        "xls": m.make_xls([["DAFTAR"], None, list(m.HEADER), *m.people(3)]),
        "csv": m.make_csv(rows, separator=";", bom=True),
    }


@FUZZ
@given(st.binary(max_size=4096))
def test_random_bytes(data: bytes) -> None:
    outcome(data)


@FUZZ
@given(
    st.sampled_from(
        [
            b"PK\x03\x04",
            b"PK\x05\x06",
            m.OLE2_MAGIC,
            b"\xef\xbb\xbf",
            b"\xff\xfe",
            b"\xfe\xff",
            b"<",
        ]
    ),
    st.binary(max_size=2048),
)
def test_random_bytes_behind_magic(magic: bytes, data: bytes) -> None:
    outcome(magic + data)


@FUZZ
@given(st.data())
def test_mutated_files(data: st.DataObject) -> None:
    kind = data.draw(st.sampled_from(sorted(samples())))
    content = bytearray(samples()[kind])
    for _ in range(data.draw(st.integers(1, 8))):
        if not content:
            break
        action = data.draw(st.sampled_from(["flip", "byte", "truncate", "insert", "delete"]))
        at = data.draw(st.integers(0, max(0, len(content) - 1)))
        if action == "flip":
            content[at] ^= 1 << data.draw(st.integers(0, 7))
        elif action == "byte":
            content[at] = data.draw(
                st.sampled_from([0x00, 0xFF, 0x7F, 0x80, 0x3C, 0x22, 0x31, 0x39])
            )
        elif action == "truncate":
            del content[at:]
        elif action == "insert":
            content[at:at] = data.draw(st.binary(min_size=1, max_size=64))
        else:
            del content[at : at + data.draw(st.integers(1, 64))]
    outcome(bytes(content))


@FUZZ
@given(st.data())
def test_mutated_sheet_xml(data: st.DataObject) -> None:
    """Corrupt the worksheet XML itself, then zip it properly (so only the XML is odd)."""
    xml = m._SHEET.format(
        dimension='<dimension ref="A1:C4"/>',
        rows=m.header_row_xml(names=("NIK", "Nama", "Upah"))
        + "".join(
            f'<row r="{r}">{m.inline(f"A{r}", f"73240117088{r:05d}")}{m.inline(f"B{r}", "x")}'
            f"{m.number(f'C{r}', 2500000)}</row>"
            for r in range(2, 5)
        ),
    )
    content = bytearray(xml.encode())
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(content) - 1))
        replacement = data.draw(
            st.sampled_from(
                [b"", b"<", b">", b'"', b"/", b"9", b"Z", b"z", b" ", b"x:", b"99999999"]
            )
        )
        content[at : at + data.draw(st.integers(0, 3))] = replacement
    archive = m.raw_zip(m.xlsx_skeleton(m.entry("xl/worksheets/sheet1.xml", bytes(content))))
    outcome(archive)


cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00")
    # "\r" is left out: the csv module does not quote it when lines end in "\n", and an unquoted
    # CR before LF is a CRLF line end to every reader.
    | st.sampled_from(["\n", "\t", '"', ",", ";", "|", " "]),
    max_size=12,
)


def _csv_text(rows: list[list[str]], separator: str, line_ending: str, quote_all: bool) -> str:
    out = io.StringIO()
    writer = csv.writer(
        out,
        delimiter=separator,
        lineterminator=line_ending,
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    return out.getvalue()


@FUZZ
@given(
    rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=25),
    separator=st.sampled_from([",", ";", "\t", "|"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
    line_ending=st.sampled_from(["\r\n", "\n"]),
    quote_all=st.booleans(),
)
def test_csv_round_trip(
    rows: list[list[str]], separator: str, encoding: str, line_ending: str, quote_all: bool
) -> None:
    """What the csv module writes comes back cell for cell (empty -> null, blank rows dropped)."""
    rows = [[f"N{row[0]}", *row[1:]] for row in rows]  # never a numbering row
    text = _csv_text([["NIK", "Nama", "Upah"], *rows], separator, line_ending, quote_all)
    sheet = outcome(text.encode(encoding))
    expected = [
        (index + 2, tuple(cell or None for cell in row))
        for index, row in enumerate(rows)
        if any(cell.strip() for cell in row)
    ]
    assert isinstance(sheet, Sheet), sheet
    assert sheet.separator == separator
    assert sheet.headers == ["NIK", "Nama", "Upah"]
    assert list(zip(sheet.row_numbers.to_list(), sheet.frame.rows(), strict=True)) == expected


@FUZZ
@given(
    text=st.text(max_size=400),
    encoding=st.sampled_from(
        [
            *("utf-16-le", "utf-16-be", "utf-32-be", "shift_jis", "big5", "koi8-r", "mac_roman"),
            *("cp437", "latin-1", "cp1252", "utf-7", "iso2022_jp", "gb18030"),
        ]
    ),
    header=st.booleans(),
)
def test_odd_encodings(text: str, encoding: str, header: bool) -> None:
    if header:
        text = "NIK;Nama;Upah\n" + text
    outcome(text.encode(encoding, errors="replace"))


@FUZZ
@given(
    cells=st.lists(
        st.tuples(
            st.integers(1, 400),  # row
            st.integers(1, 400),  # column
            st.sampled_from(["first", "second", "single", "lower", "prefixed", "none"]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_cell_area_scan_matches_the_references(cells: list[tuple[int, int, str]]) -> None:
    """The scan refuses exactly the sheets whose referenced area exceeds ``max_cells``."""
    limits = Limits(max_cells=20_000)
    max_row = max_col = 2  # the header row: A1:B1
    parts = [m.header_row_xml()]
    for row, col, style in cells:
        ref = f"{m_letters(col)}{row}"
        if style == "none":  # no reference: calamine counts from the last one
            parts.append(f'<row r="{row}"><c><v>1</v></c></row>')
            max_row, max_col = max(max_row, row), max(max_col, 1)
            continue
        tag = {
            "first": f'<c r="{ref}">',
            "second": f'<c t="n" r="{ref}">',
            "single": f"<c r='{ref}'>",
            "lower": f'<c r="{ref.lower()}">',
            "prefixed": f'<x:c r="{ref}">',
        }[style]
        close = "</x:c>" if style == "prefixed" else "</c>"
        parts.append(f'<row r="{row}">{tag}<v>1</v>{close}</row>')
        max_row, max_col = max(max_row, row), max(max_col, col)
    sheet_xml = m._SHEET.format(dimension="", rows="".join(parts)).replace(
        "<worksheet ",
        '<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ',
    )
    result = outcome(
        m.raw_zip(m.xlsx_skeleton(m.entry("xl/worksheets/sheet1.xml", sheet_xml))), limits
    )
    too_big = max_row * max_col > limits.max_cells
    refused = isinstance(result, FileError) and result.code == FileIssue.TOO_MANY_CELLS
    assert refused == too_big, (max_row, max_col, result)


def m_letters(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@settings(max_examples=5, deadline=None, database=None)
@given(kind=st.sampled_from(["csv", "xlsx", "ods"]))
def test_huge_cells(kind: str) -> None:
    big = "Jl. " + "panjang sekali " * 70_000  # ~1 MB in one cell
    rows: list[list[Any]] = [
        ["NIK", "Nama", "Alamat"],
        ["7324011708800001", "Budi", big],
        ["2", "S", "x"],
    ]
    data = {
        "csv": lambda: m.make_csv(rows),
        "xlsx": lambda: m.make_xlsx_xml(
            m.header_row_xml(names=("NIK", "Nama", "Alamat"))
            + '<row r="2">'
            + m.inline("A2", "7324011708800001")
            + m.inline("B2", "Budi")
            + m.inline("C2", big)
            + "</row>"
        ),
        "ods": lambda: m.make_ods(rows),
    }[kind]()
    sheet = outcome(data, Limits())
    assert isinstance(sheet, Sheet), sheet
    assert sheet.frame.get_column("Alamat")[0] == big


def test_zip_bomb_refused_fast_and_small() -> None:
    """A >1 GB worksheet in ~1 MB: refused in < 2 s with < 50 MB traced, whether its size is
    declared honestly (central directory) or not (caught while inflating)."""
    for bomb in (m.make_zip_bomb(1000), m.make_zip_bomb(1000, declared=1 << 20)):
        assert len(bomb) < 1_100_000
        tracemalloc.start()
        started = time.perf_counter()
        try:
            error = outcome(bomb, Limits())
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        elapsed = time.perf_counter() - started
        assert isinstance(error, FileError)
        assert error.code in {FileIssue.ZIP_BOMB, FileIssue.UNREADABLE}
        assert elapsed < 2
        assert peak < 50 * 1024 * 1024


def test_far_cell_bomb_refused_fast_and_small() -> None:
    """Two cells, A1 and XFD1048576: calamine would abort the process asking for 550 GB."""
    data = m.make_xlsx_xml(
        m.header_row_xml() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    )
    tracemalloc.start()
    started = time.perf_counter()
    try:
        error = outcome(data, Limits())
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert isinstance(error, FileError)
    assert error.code == FileIssue.TOO_MANY_CELLS
    assert time.perf_counter() - started < 2
    assert peak < 50 * 1024 * 1024


def test_dates_survive_a_round_trip_through_every_workbook_type() -> None:
    rows = [["NIK", "Nama", "Tgl Lahir"], ["7324011708800001", "Budi", dt.date(1980, 8, 17)]]
    for data in (m.make_xlsx(rows), m.make_ods(rows), m.make_xls(rows)):
        sheet = outcome(data, Limits())
        assert isinstance(sheet, Sheet), sheet
        assert sheet.frame.get_column("Tgl Lahir").to_list() == ["1980-08-17"]
