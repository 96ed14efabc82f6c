"""Guided typing for XLSX: what the plain typing (:mod:`.typed`) gives, from fewer sheet loads,
using what the text load already shows; anything it cannot prove is left to the plain path, so
the output never differs.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import fastexcel
import polars as pl

from cakupan.intake.readers.calamine import _DATETIME_TEXT, _frame, _load
from cakupan.intake.readers.typed import _by_cell, _float_columns, _strict_render

# Guided typing (XLSX). Every load_sheet re-parses the whole sheet, so the plain path costs two
# loads for a clean sheet (text, strict) and four for a mixed one (text, strict that fails,
# boolean, float). The text already says a lot: number cells render as ``_NUMBER_LIKE``, date
# and time cells as ``_DATETIME_TEXT``, ISO cells (``t="d"``) as ``_ISO_LIKE``, so anything else
# is a text cell. Columns where the text suggests a mix are loaded as booleans (number cells vs
# text) or datetimes (date cells vs text) inside the strict load of the other columns; when that
# proves a mix, the strict load of all columns would have failed and the by-cell rendering is
# built from what is loaded; when it proves no mix, the by-cell rendering is checked to equal the
# strict one. Anything unproven falls back to the plain path, so the output never differs.

_STRICT_FAILS = object()
# fastexcel's NULL_STRING_VALUES: text cells its dtype guessing counts as empty.
_NULL_TEXTS = (
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "<NA>",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "None",
    "n/a",
    "nan",
    "null",
)
_NAN_TEXTS = ("NaN", "-NaN", "nan", "-nan")  # null texts that the float dtype parses
# Everything fastexcel's string dtype makes of a number or boolean cell (format!("{x:.9}")
# trimmed, i64, NaN/inf, true/false).
_NUMBER_LIKE = r"^-?\d+(?:\.\d+)?$|^(?:NaN|inf|-inf|true|false)$"
_DECIMAL_TEXT = r"^-?\d+(?:\.\d+)?$"
_BIG_NUMBER_LIKE = r"^-?\d{13,}(?:\.\d+)?$"  # NIK/KK-sized: where text and numbers get mixed
_ISO_LIKE = r"^[+-]?\d{4,}-|^-?P|^\d{1,2}:\d{2}"
# From 2**43 on a double is a multiple of 2**-9, so its 9-decimal rendering is exact.
_EXACT_RENDERING = float(2**43)


def _typed_guided(
    reader: Any, index: int, start: int, text: pl.DataFrame, filled: list[int]
) -> pl.DataFrame | object | None:
    """What :func:`_typed_strict` gives, from fewer loads; ``_STRICT_FAILS`` when the strict
    load is sure to fail (go by cell directly), None when not proven (use the plain path)."""
    nulls = list(_NULL_TEXTS)

    def shapes(i: int) -> list[pl.Expr]:
        cell = pl.col(f"c{i}")
        number = cell.str.contains(_NUMBER_LIKE)
        dated = cell.str.contains(_DATETIME_TEXT.pattern)
        iso = cell.str.contains(_ISO_LIKE)
        other = cell.is_not_null() & ~number & ~dated & ~cell.is_in(nulls)
        return [
            number.any().alias(f"n{i}"),
            cell.str.contains(_BIG_NUMBER_LIKE).any().alias(f"g{i}"),
            dated.any().alias(f"d{i}"),
            iso.any().alias(f"o{i}"),
            other.any().alias(f"x{i}"),
        ]

    found = text.select(itertools.chain.from_iterable(shapes(i) for i in filled)).row(0, named=True)
    if not any(found[f"n{i}"] or found[f"d{i}"] or found[f"o{i}"] for i in filled):
        return text  # text cells only: strict reads them all as strings, by cell keeps them too
    by_flag = [
        i for i in filled if found[f"n{i}"] and (found[f"x{i}"] or found[f"d{i}"] or found[f"g{i}"])
    ]
    by_date = [i for i in filled if not found[f"n{i}"] and found[f"d{i}"] and found[f"x{i}"]]
    if not by_flag and not by_date:
        return None
    asked: dict[str, str] = {f"__UNNAMED__{i}": "boolean" for i in by_flag}
    asked.update({f"__UNNAMED__{i}": "datetime" for i in by_date})
    try:
        sheet = _load(
            reader,
            index,
            start,
            filled,
            schema_sample_rows=None,
            dtype_coercion="strict",
            dtypes=asked,
        )
        typed = _frame(sheet)
        dtypes = [column.dtype for column in sheet.selected_columns]
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except (fastexcel.UnsupportedColumnTypeCombinationError, fastexcel.CalamineCellError):
        # A column left to guessing is mixed (or holds #DIV/0!...): the strict load of every
        # column fails the same way.
        return _STRICT_FAILS
    except BaseException:
        return None
    if typed.height != text.height or typed.width != len(filled):
        return None
    position = {i: k for k, i in enumerate(filled)}
    values = {i: typed.to_series(position[i]) for i in filled}
    no_flags = pl.repeat(None, text.height, dtype=pl.Boolean, eager=True)

    # Flags (what the boolean load would give, as far as by cell looks: null or not) and floats.
    flags: dict[int, pl.Series] = {}
    known_floats: dict[int, pl.Series] = {}
    guessed: list[int] = []
    for i in filled:
        dtype = dtypes[position[i]]
        if i in by_flag:
            flags[i] = values[i]
        elif i in by_date:
            flags[i] = no_flags  # no number-like text: no number or boolean cell
        elif dtype == "float":
            if text.get_column(f"c{i}").is_in(_NAN_TEXTS).any():
                return None
            flags[i] = pl.select(
                pl.when(pl.lit(values[i]).is_not_null()).then(pl.lit(True))
            ).to_series()
            known_floats[i] = values[i]
            guessed.append(i)
        elif dtype == "boolean":
            flags[i] = values[i]
            guessed.append(i)
        elif dtype in ("string", "datetime", "duration"):
            flags[i] = no_flags
            guessed.append(i)
        else:  # int, date (ISO cells), null: leave it to the plain path
            return None

    mixed, proven = _guided_mix(text, values, flags, by_flag, by_date, nulls)
    if not mixed and not proven:
        return None

    def floats(numeric: list[int]) -> dict[int, pl.Series]:
        result = {i: known_floats[i] for i in numeric if i in known_floats}
        missing = [i for i in numeric if i not in result]
        derived = _floats_from_text(text, flags, missing)
        result.update(derived)
        missing = [i for i in missing if i not in derived]
        if missing:
            result.update(_float_columns(reader, index, start, text, missing))
        return result

    by_cell = _by_cell(text, filled, flags, floats, {})
    if mixed:
        return by_cell
    # No mix: the strict load may or may not succeed; either way by cell must equal strict.
    names = [f"c{i}" for i in guessed]
    strict = _strict_render(
        text.select(names),
        typed.select(pl.col(f"c{position[i]}").alias(f"c{k}") for k, i in enumerate(guessed)),
        guessed,
        [dtypes[position[i]] for i in guessed],
    )
    if not strict.equals(by_cell.select(names), null_equal=True):
        return None
    return by_cell


def _guided_mix(
    text: pl.DataFrame,
    values: Mapping[int, pl.Series],
    flags: Mapping[int, pl.Series],
    by_flag: list[int],
    by_date: list[int],
    nulls: list[str],
) -> tuple[bool, bool]:
    """(a column surely holds two cell types, every loaded column surely holds one at most).

    ``proven`` also requires the strict rendering of those columns to equal the by-cell one.
    """
    checks: list[pl.Expr] = []
    for i in by_flag:
        cell = pl.col(f"c{i}")
        flagged = pl.col(f"b{i}").is_not_null()
        boolean = flagged & cell.is_in(["true", "false"])
        number = flagged & ~boolean
        texty = ~flagged & cell.is_not_null() & ~cell.is_in(nulls)
        checks += [
            number.any().alias(f"n{i}"),
            boolean.any().alias(f"b{i}"),
            texty.any().alias(f"t{i}"),
            # a text cell that could be a date or ISO cell: its type is not known
            (texty & (cell.str.contains(_DATETIME_TEXT.pattern) | cell.str.contains(_ISO_LIKE)))
            .any()
            .alias(f"u{i}"),
            cell.is_in(_NAN_TEXTS).any().alias(f"z{i}"),
        ]
    for i in by_date:
        cell = pl.col(f"c{i}")
        dated = cell.str.contains(_DATETIME_TEXT.pattern)
        checks += [
            (dated & pl.col(f"v{i}").is_not_null()).any().alias(f"d{i}"),
            (
                cell.is_not_null()
                & ~dated
                & ~cell.str.contains(_ISO_LIKE)
                & ~cell.str.contains(_NUMBER_LIKE)
                & ~cell.is_in(nulls)
            )
            .any()
            .alias(f"t{i}"),
        ]
    work = text.with_columns(
        [flags[i].alias(f"b{i}") for i in by_flag] + [values[i].alias(f"v{i}") for i in by_date]
    )
    row = work.select(checks).row(0, named=True)
    mixed = False
    proven = not by_date  # a text column with date-like text: strict and by cell differ
    for i in by_flag:
        kinds = row[f"n{i}"] + row[f"b{i}"] + row[f"t{i}"]
        mixed = mixed or kinds > 1
        if row[f"u{i}"] or (row[f"n{i}"] and row[f"z{i}"]):
            proven = False
    for i in by_date:
        mixed = mixed or (row[f"d{i}"] and row[f"t{i}"])
    return mixed, proven


def _floats_from_text(
    text: pl.DataFrame, flags: Mapping[int, pl.Series], columns: list[int]
) -> dict[int, pl.Series]:
    """Number cells' values parsed from their text, for columns where that is exact.

    fastexcel renders a float with 9 decimals; from 2**43 on that is the exact value, so NIK-sized
    numbers need no float load. A column with any smaller number cell is not returned.
    """
    if not columns:
        return {}
    work = text.with_columns(flags[i].alias(f"b{i}") for i in columns)
    values = {
        i: pl.when(
            pl.col(f"b{i}").is_not_null()
            & ~pl.col(f"c{i}").is_in(["true", "false"])
            & pl.col(f"c{i}").str.contains(_DECIMAL_TEXT)
        ).then(pl.col(f"c{i}").cast(pl.Float64, strict=False))
        for i in columns
    }
    number = {
        i: pl.col(f"b{i}").is_not_null() & ~pl.col(f"c{i}").is_in(["true", "false"])
        for i in columns
    }
    exact = work.select(
        (~number[i] | (values[i].abs() >= _EXACT_RENDERING)).fill_null(False).all().alias(f"c{i}")
        for i in columns
    ).row(0, named=True)
    keep = [i for i in columns if exact[f"c{i}"]]
    if not keep:
        return {}
    parsed = work.select(values[i].alias(f"c{i}") for i in keep)
    return {i: parsed.get_column(f"c{i}") for i in keep}
