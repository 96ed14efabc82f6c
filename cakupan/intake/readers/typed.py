"""The plain typing of a workbook's data rows: one strict load with guessed dtypes (one dtype per
column), and cell by cell, from a boolean load (which cells are numbers) and a float load, when a
column mixes types. XLS integer-only columns are rendered as integers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from cakupan.intake.readers.calamine import _frame, _fx, _load, _render, _text_rule
from cakupan.intake.readers.common import _unreadable


def _typed_strict(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int], kind: str
) -> pl.DataFrame:
    """One load with guessed dtypes, strict (one dtype per column); by cell when that fails."""
    try:
        sheet = _load(
            reader, index, start, filled, schema_sample_rows=None, dtype_coercion="strict"
        )
        typed = _frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:  # mixed types, #DIV/0!, ...: classify cell by cell instead
        return _typed_by_cell(reader, index, start, text, filled, kind)
    if typed.height != text.height or typed.width != len(filled):
        return _typed_by_cell(reader, index, start, text, filled, kind)
    return _strict_render(text, typed, filled, dtypes)


def _strict_render(
    text: pl.DataFrame, typed: pl.DataFrame, filled: list[int], dtypes: list[str]
) -> pl.DataFrame:
    """``text`` with the ``filled`` columns rendered from their strictly typed values."""
    work = pl.concat(
        [text, typed.rename({f"c{k}": f"t{i}" for k, i in enumerate(filled)})], how="horizontal"
    )
    columns = {name: pl.col(name) for name in text.columns}
    for i, dtype in zip(filled, dtypes, strict=True):
        name = f"c{i}"
        rendered = _render(pl.col(f"t{i}"), dtype)
        if rendered is not None:
            columns[name] = pl.coalesce(rendered, pl.col(name)).alias(name)
        elif dtype == "duration":
            columns[name] = _text_rule(pl.col(name)).alias(name)
    return work.select(columns.values())


def _typed_by_cell(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int], kind: str
) -> pl.DataFrame:
    """Mixed columns: booleans tell number cells from text, floats give their exact value.

    XLS files are small (65,536 rows at most), so for them one more load finds the columns
    holding nothing but integers, which are rendered as integers.
    """
    integers: dict[int, pl.Series] = {}
    if kind == "xls":
        integers = _integer_columns(reader, index, start, text, filled)
        filled = [i for i in filled if i not in integers]
    flags: dict[int, pl.Series] = {}
    if filled:
        loaded = _frame(_fx(_load, reader, index, start, filled, dtypes="boolean"))
        if loaded.height != text.height or loaded.width != len(filled):
            raise _unreadable("isi lembar kerja tidak konsisten")
        flags = {i: loaded.to_series(k) for k, i in enumerate(filled)}

    def floats(numeric: list[int]) -> dict[int, pl.Series]:
        return _float_columns(reader, index, start, text, numeric)

    return _by_cell(text, filled, flags, floats, integers)


def _float_columns(
    reader: Any, index: int, start: int, text: pl.DataFrame, columns: list[int]
) -> dict[int, pl.Series]:
    loaded = _frame(_fx(_load, reader, index, start, columns, dtypes="float"))
    if loaded.height != text.height or loaded.width != len(columns):
        raise _unreadable("isi lembar kerja tidak konsisten")
    return {i: loaded.to_series(k) for k, i in enumerate(columns)}


def _by_cell(
    text: pl.DataFrame,
    filled: list[int],
    flags: Mapping[int, pl.Series],
    floats: Any,
    integers: Mapping[int, pl.Series],
) -> pl.DataFrame:
    """The cell-by-cell rendering from fastexcel's boolean load (``flags``: non-null for number
    and boolean cells) and float load (``floats(columns)``, asked only for columns with numbers).
    """
    work = text
    if filled:
        work = work.with_columns(flags[i].alias(f"b{i}") for i in filled)
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
        values: Mapping[int, pl.Series] = floats(numeric)
        work = work.with_columns(values[i].alias(f"f{i}") for i in numeric)
    if integers:
        work = work.with_columns(v.cast(pl.String).alias(f"i{i}") for i, v in integers.items())
    columns = {name: pl.col(name) for name in text.columns}
    for i in filled:
        cell = pl.col(f"c{i}")
        expr: Any = pl.when(is_bool[i]).then(cell.str.to_uppercase())
        if i in numeric:
            expr = expr.when(pl.col(f"b{i}").is_not_null()).then(pl.col(f"f{i}").cast(pl.String))
        columns[f"c{i}"] = expr.otherwise(_text_rule(cell)).alias(f"c{i}")
    for i in integers:
        cell = pl.col(f"c{i}")
        columns[f"c{i}"] = (
            pl.when(cell.is_in(["true", "false"]))
            .then(cell.str.to_uppercase())
            .otherwise(pl.coalesce(pl.col(f"i{i}"), cell))
            .alias(f"c{i}")
        )
    return work.select(columns.values())


def _integer_columns(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int]
) -> dict[int, pl.Series]:
    """Columns whose guessed dtype is int (calamine's Int cells, and booleans): their values."""
    try:
        sheet = _load(reader, index, start, filled, schema_sample_rows=None)
        loaded = _frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException:
        return {}
    if loaded.height != text.height or loaded.width != len(filled):
        return {}
    return {
        i: loaded.to_series(k)
        for k, (i, dtype) in enumerate(zip(filled, dtypes, strict=True))
        if dtype == "int"
    }
