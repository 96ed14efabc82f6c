"""XLSX typing with fewer sheet loads gives exactly what the plain algorithm gives.

``readers.workbook._typed_text`` proves, from the text load and one strict load with some columns
read as booleans or datetimes, what the plain algorithm (strict load, then boolean and float loads
when a column is mixed) would give. The plain algorithm as it was is kept here as the reference;
every workbook below is read both ways and must come out identical, including the errors.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator, Sequence
from typing import Any

import fastexcel
import polars as pl
import pytest

from cakupan.intake.readers import calamine, grid, read_upload, workbook
from cakupan.intake.readers.typed import _integer_columns
from cakupan.intake.schema import FileError
from cakupan.intake.tests import messy_files as m
from cakupan.intake.tests.messy_files import Err

# ------------------------------------------------------------------------------------------------
# The reference: the plain algorithm, as the readers had it before the guided path.


def _reference_typed_text(
    reader: Any, index: int, start: int, text: pl.DataFrame, kind: str
) -> pl.DataFrame:
    filled = [int(name[1:]) for name in grid._filled_columns(text)]
    if not filled:
        return text
    try:
        sheet = calamine._load(
            reader, index, start, filled, schema_sample_rows=None, dtype_coercion="strict"
        )
        typed = calamine._frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:
        return _reference_by_cell(reader, index, start, text, filled, kind)
    if typed.height != text.height or typed.width != len(filled):
        return _reference_by_cell(reader, index, start, text, filled, kind)
    work = pl.concat(
        [text, typed.rename({f"c{k}": f"t{i}" for k, i in enumerate(filled)})], how="horizontal"
    )
    columns = {name: pl.col(name) for name in text.columns}
    for i, dtype in zip(filled, dtypes, strict=True):
        name = f"c{i}"
        rendered = calamine._render(pl.col(f"t{i}"), dtype)
        if rendered is not None:
            columns[name] = pl.coalesce(rendered, pl.col(name)).alias(name)
        elif dtype == "duration":
            columns[name] = calamine._text_rule(pl.col(name)).alias(name)
    return work.select(columns.values())


def _reference_by_cell(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int], kind: str
) -> pl.DataFrame:
    integers: dict[int, pl.Series] = {}
    if kind == "xls":
        integers = _integer_columns(reader, index, start, text, filled)
        filled = [i for i in filled if i not in integers]
    work = text
    if filled:
        flags = calamine._frame(
            calamine._fx(calamine._load, reader, index, start, filled, dtypes="boolean")
        )
        assert flags.height == text.height and flags.width == len(filled)
        work = pl.concat(
            [work, flags.rename({f"c{k}": f"b{i}" for k, i in enumerate(filled)})],
            how="horizontal",
        )
    is_bool = {
        i: pl.col(f"b{i}").is_not_null() & pl.col(f"c{i}").is_in(["true", "false"]) for i in filled
    }
    has_number = (
        work.select(
            (pl.col(f"b{i}").is_not_null() & ~is_bool[i]).any().alias(f"c{i}") for i in filled
        ).row(0)
        if filled
        else ()
    )
    numeric = [i for i, flag in zip(filled, has_number, strict=True) if flag]
    if numeric:
        loaded = calamine._frame(
            calamine._fx(calamine._load, reader, index, start, numeric, dtypes="float")
        )
        assert loaded.height == text.height and loaded.width == len(numeric)
        work = work.with_columns(loaded.to_series(k).alias(f"f{i}") for k, i in enumerate(numeric))
    if integers:
        work = work.with_columns(v.cast(pl.String).alias(f"i{i}") for i, v in integers.items())
    columns = {name: pl.col(name) for name in text.columns}
    for i in filled:
        cell = pl.col(f"c{i}")
        expr: Any = pl.when(is_bool[i]).then(cell.str.to_uppercase())
        if i in numeric:
            expr = expr.when(pl.col(f"b{i}").is_not_null()).then(pl.col(f"f{i}").cast(pl.String))
        columns[f"c{i}"] = expr.otherwise(calamine._text_rule(cell)).alias(f"c{i}")
    for i in integers:
        cell = pl.col(f"c{i}")
        columns[f"c{i}"] = (
            pl.when(cell.is_in(["true", "false"]))
            .then(cell.str.to_uppercase())
            .otherwise(pl.coalesce(pl.col(f"i{i}"), cell))
            .alias(f"c{i}")
        )
    return work.select(columns.values())


# ------------------------------------------------------------------------------------------------
# Reading both ways, counting loads


class _CountingReader:
    def __init__(self, reader: Any, loads: list[dict[str, Any]]) -> None:
        self._reader = reader
        self._loads = loads

    def load_sheet(self, *args: Any, **kwargs: Any) -> Any:
        self._loads.append(kwargs)
        return self._reader.load_sheet(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._reader, name)


def _outcome(data: bytes) -> tuple[Any, ...]:
    try:
        sheet = read_upload(data, "upload.xlsx")
    except FileError as error:
        return ("error", error.code, error.params)
    return (
        sheet.frame.columns,
        sheet.frame.dtypes,
        sheet.frame.rows(),
        sheet.headers,
        sheet.row_numbers.to_list(),
        sheet.header_row,
        sheet.sheet_name,
    )


def read_both(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[Any, Any, int, int]:
    """(new outcome, reference outcome, loads new, loads reference)."""
    loads: list[dict[str, Any]] = []
    real = fastexcel.read_excel
    with monkeypatch.context() as patch:
        patch.setattr(workbook.fastexcel, "read_excel", lambda d: _CountingReader(real(d), loads))
        new = _outcome(data)
        new_loads = len(loads)
        loads.clear()
        patch.setattr(workbook, "_typed_text", _reference_typed_text)
        reference = _outcome(data)
        reference_loads = len(loads)
    return new, reference, new_loads, reference_loads


def assert_same(monkeypatch: pytest.MonkeyPatch, data: bytes) -> tuple[Any, int, int]:
    new, reference, new_loads, reference_loads = read_both(monkeypatch, data)
    assert new == reference
    assert new_loads <= reference_loads + 1
    return new, new_loads, reference_loads


def table(*columns: Sequence[object]) -> list[list[object]]:
    """Header NIK, Nama, C3... over the given columns (padded with None)."""
    height = max(len(c) for c in columns)
    names: list[object] = ["NIK", "Nama"]
    names += [f"Kolom data {k}" for k in range(3, len(columns) + 1)]
    body = [[c[r] if r < len(c) else None for c in columns] for r in range(height)]
    return [names, *body]


def cells(sheet: tuple[Any, ...], name: str) -> list[Any]:
    position = sheet[0].index(name)
    return [row[position] for row in sheet[2]]


NAMES = ["Budi", "Siti Aminah", "  x  ", "-", "belum ada"]
NIKS_TEXT = ["7324011708800001", "7324011708800002", "'7324011708800003"]
NIKS_NUMBER = [7324011708800000, 7324011708800010, 73240117088000012]


# ------------------------------------------------------------------------------------------------
# Cases that decide which loads are needed


def test_text_only_sheet_needs_no_typed_load(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = table(["A-1", "B-2", "NA", None], NAMES, ["x", "null", "#N/A", "y"])
    sheet, loads, reference_loads = assert_same(monkeypatch, m.make_xlsx(rows))
    assert (loads, reference_loads) == (1, 2)
    assert cells(sheet, "Nama")[:2] == ["Budi", "Siti Aminah"]


def test_mixed_nik_column_takes_two_loads_not_four(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = table(
        [*NIKS_TEXT, *NIKS_NUMBER, True],
        [*NAMES, "e", "f"],
        [2500000, 2500000.5, 0.1, 29.020000000000003, 3.0000000000000004, None, 1e-10],
        [dt.date(1980, 8, 17), dt.datetime(2024, 1, 2, 3, 4, 5), None, "17-08-1980"],
    )
    sheet, loads, reference_loads = assert_same(monkeypatch, m.make_xlsx(rows, title_rows=()))
    assert (loads, reference_loads) == (2, 4)
    assert cells(sheet, "NIK") == [
        "7324011708800001",
        "7324011708800002",
        "'7324011708800003",
        "7324011708800000.0",
        "7324011708800010.0",
        "7.324011708800002e+16",
        "TRUE",
    ]
    assert cells(sheet, "Kolom data 3")[:3] == ["2500000.0", "2500000.5", "0.1"]


def test_small_numbers_in_a_mixed_column_are_loaded_as_floats(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = table(
        [*NIKS_TEXT, 7324011708800000, 2500000.5, 12],
        [*NAMES, "f"],
    )
    sheet, loads, reference_loads = assert_same(monkeypatch, m.make_xlsx(rows, title_rows=()))
    assert (loads, reference_loads) == (3, 4)
    assert cells(sheet, "NIK")[3:] == ["7324011708800000.0", "2500000.5", "12.0"]


def test_date_column_with_text_dates_takes_two_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    # The benchmark's shape: a date column where some dates were typed as text.
    dates: list[object] = [dt.date(1980, 4, 13), "31-02-1991", dt.datetime(1994, 8, 29, 10, 30)]
    rows = table(NIKS_TEXT, NAMES[:3], dates, [1600000, 4450000, 2800000], [dt.date(2023, 12, 3)])
    sheet, loads, reference_loads = assert_same(monkeypatch, m.make_xlsx(rows))
    assert (loads, reference_loads) == (2, 4)
    assert cells(sheet, "Kolom data 3") == ["1980-04-13", "31-02-1991", "1994-08-29T10:30:00"]
    assert cells(sheet, "Kolom data 4") == ["1600000.0", "4450000.0", "2800000.0"]


def test_clean_sheet_with_text_niks_takes_two_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = table(
        [*NIKS_TEXT, "-"],
        NAMES[:4],
        [dt.date(1980, 4, 13), dt.datetime(1994, 8, 29, 10, 30, 0, 250000), None, None],
        [1600000, 2500000.5, None, 7],
    )
    sheet, loads, reference_loads = assert_same(monkeypatch, m.make_xlsx(rows))
    assert (loads, reference_loads) == (2, 2)
    assert cells(sheet, "NIK") == [*NIKS_TEXT, "-"]
    assert cells(sheet, "Kolom data 3")[:2] == ["1980-04-13", "1994-08-29T10:30:00.250"]


def test_datetime_looking_text_in_a_text_column_keeps_the_plain_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Strict reads this column as strings (verbatim); by cell would rewrite the first cell.
    rows = table(NIKS_TEXT, NAMES[:3], ["1980-04-13 00:00:00", "17-08-1980", "x"])
    sheet, _, _ = assert_same(monkeypatch, m.make_xlsx(rows))
    assert cells(sheet, "Kolom data 3") == ["1980-04-13 00:00:00", "17-08-1980", "x"]


def test_mixed_column_outside_the_suspects_falls_back_to_by_cell(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Column 4 looks numeric only (no NIK-sized numbers), yet mixes numbers and numeric text.
    rows = table(
        [*NIKS_TEXT, 7324011708800000], NAMES[:4], [1, 2, 3, 4], ["1600000", 1600000, 5, "7"]
    )
    sheet, loads, reference_loads = assert_same(monkeypatch, m.make_xlsx(rows, title_rows=()))
    assert reference_loads == 4 and loads == 4
    assert cells(sheet, "Kolom data 4") == ["1600000", "1600000.0", "5.0", "7"]


def test_error_cells_in_suspect_and_guessed_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    for errors in ([Err("#DIV/0!", "=1/0")], [Err("#N/A")], [Err("#NAME?", "=FOO()")]):
        rows = table(
            [*NIKS_TEXT, 7324011708800000, *errors],
            NAMES[:5],
            [1600000, *errors, 2],
        )
        assert_same(monkeypatch, m.make_xlsx(rows, title_rows=()))


def test_hand_written_cells(monkeypatch: pytest.MonkeyPatch) -> None:
    # ISO date cells (t="d"), NaN/inf numbers, fractions fastexcel's 9 decimals would hide.
    def row(r: int, *cells_xml: str) -> str:
        return f'<row r="{r}">{"".join(cells_xml)}</row>'

    variants = [
        [m.number(None, "NaN"), m.inline(None, "7324011708800001")],
        [m.number(None, "2500000.0000000005"), m.inline(None, "x")],
        [m.number(None, "8796093022207.999"), m.inline(None, "nan")],
        [m.number(None, "8796093022208.5"), m.inline(None, "7324011708800009")],
        ['<c t="d"><v>2024-01-02T00:00:00</v></c>', m.inline(None, "x")],
        ['<c t="d"><v>2024-01-02T10:00:00</v></c>', m.number(None, "7324011708800000")],
        ['<c t="b"><v>1</v></c>', m.inline(None, "true")],
        ['<c t="e"><v>#DIV/0!</v></c>', m.number(None, "7324011708800000")],
        [m.inline(None, "-nan"), m.number(None, "1.5")],
        [m.inline(None, "1980-04-13 10:00:00.5"), m.inline(None, "x")],
    ]
    for first, second in variants:
        for rest in ([], [m.inline(None, "7324011708800002")], [m.number(None, "12")]):
            xml = m.header_row_xml(names=("NIK", "Nama", "Lain"))
            xml += row(2, m.inline(None, "7324011708800005"), first, *rest)
            xml += row(3, m.number(None, "7324011708800006"), second, *rest)
            xml += row(4, m.inline(None, "7324011708800007"), m.inline(None, "Budi"), *rest)
            assert_same(monkeypatch, m.make_xlsx_xml(xml))


# ------------------------------------------------------------------------------------------------
# Generated workbooks: every kind of cell, mixed at random


def _kinds(rng: random.Random) -> dict[str, Any]:
    return {
        "nik_text": lambda: f"73240117088{rng.randrange(10**5):05d}",
        "nik_number": lambda: 7324011708800000 + rng.randrange(100) * 10,
        "kk_number": lambda: rng.choice([7324011708800000, 3201010101010001, 9.2e15, -8.8e12]),
        "small": lambda: rng.choice([0, 1, 7, 2500000, -250000, 1600000, 1e15]),
        "fraction": lambda: rng.choice(
            [2500000.5, 0.1, 29.020000000000003, 3.0000000000000004, 1e-10, 8796093022207.999]
        ),
        "text": lambda: rng.choice([*NAMES, "Rp 2.500.000", "73.24.05.2006", "17-08-1980"]),
        "number_text": lambda: rng.choice(["2500000", "12", "1e5", "inf", "-0", "0.5"]),
        "boolean": lambda: rng.choice([True, False]),
        "boolean_text": lambda: rng.choice(["true", "false", "TRUE"]),
        "date": lambda: dt.date(1970 + rng.randrange(50), 1 + rng.randrange(12), 17),
        "datetime": lambda: dt.datetime(2024, 1, 2, rng.randrange(24), 30, 0, 250000),
        "date_text": lambda: rng.choice(
            ["1980-04-13 00:00:00", "1980-04-13 10:00:00", "2024-01-02"]
        ),
        "null_text": lambda: rng.choice(["NA", "nan", "NaN", "null", "#N/A", "-nan", "None", " "]),
        "error": lambda: rng.choice(
            [Err("#N/A"), Err("#DIV/0!", "=1/0"), Err("#VALUE!", '="a"+1'), Err("#REF!", "=#REF!")]
        ),
        "empty": lambda: None,
    }


def _workbooks(count: int) -> Iterator[tuple[int, bytes]]:
    for seed in range(count):
        rng = random.Random(seed)  # noqa: S311 (test data)
        kinds = _kinds(rng)
        names = list(kinds)
        columns = []
        for _ in range(rng.randrange(2, 6)):
            chosen = rng.sample(names, rng.choice([1, 1, 2, 2, 3]))
            weights = [rng.random() + 0.05 for _ in chosen]
            height = rng.randrange(3, 25)
            columns.append([kinds[rng.choices(chosen, weights)[0]]() for _ in range(height)])
        rows = table(*columns)
        # a name in every data row, so that no row is dropped as empty by chance alone
        for row in rows[1:]:
            row[1] = row[1] if row[1] is not None else "Budi"
        yield seed, m.make_xlsx(rows, title_rows=() if seed % 2 else m.TITLE_ROWS)


@pytest.mark.parametrize(("seed", "data"), list(_workbooks(300)), ids=lambda v: str(v)[:6])
def test_generated_workbooks_read_the_same(
    monkeypatch: pytest.MonkeyPatch, seed: int, data: bytes
) -> None:
    del seed
    assert_same(monkeypatch, data)
