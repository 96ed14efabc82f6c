"""Reading a workbook with fastexcel, after its pre-flight: the first visible sheet with a header
row is read as text, its data rows are typed (:mod:`.guided` for XLSX when it can, else
:mod:`.typed`), the error cells found by the pre-flight are put back, and the grid becomes a
:class:`~cakupan.intake.readers.common.Sheet` (:mod:`.grid`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import fastexcel
import polars as pl

from cakupan.intake.readers.calamine import _frame, _fx
from cakupan.intake.readers.common import Limits, Sheet
from cakupan.intake.readers.grid import (
    _build_sheet,
    _filled_columns,
    _find_header,
    _is_numbering_row,
    _nonempty_rows,
    _nulls_for_empty,
)
from cakupan.intake.readers.guided import _STRICT_FAILS, _typed_guided
from cakupan.intake.readers.typed import _typed_by_cell, _typed_strict
from cakupan.intake.schema import FileError, FileIssue, file_error


def _typed_text(reader: Any, index: int, start: int, text: pl.DataFrame, kind: str) -> pl.DataFrame:
    """Data rows from sheet row ``start`` (0-based) on, rendered by the cell text rules.

    ``text`` is fastexcel's string rendering of the same rows; its columns are named
    ``c<i>`` after their index ``i`` in the loaded range. Columns empty here are not loaded again.

    The result is always what :func:`_typed_strict` (then :func:`_typed_by_cell` when that fails)
    gives; for XLSX, :func:`_typed_guided` gets there with fewer loads when it can prove so.
    """
    filled = [int(name[1:]) for name in _filled_columns(text)]
    if not filled:
        return text
    if kind == "xlsx":
        guided = _typed_guided(reader, index, start, text, filled)
        if guided is _STRICT_FAILS:
            return _typed_by_cell(reader, index, start, text, filled, kind)
        if isinstance(guided, pl.DataFrame):
            return guided
    return _typed_strict(reader, index, start, text, filled, kind)


def _apply_errors(
    frame: pl.DataFrame, start: int, positions: list[int], errors: dict[tuple[int, int], str]
) -> pl.DataFrame:
    if not errors:
        return frame
    column_of = dict(zip(positions, frame.columns, strict=True))
    updates: dict[str, tuple[list[int], list[str]]] = {}
    for (row, col), text in errors.items():
        name = column_of.get(col)
        if name is None or not start <= row < start + frame.height:
            continue
        rows, texts = updates.setdefault(name, ([], []))
        rows.append(row - start)
        texts.append(text)
    for name, (rows, texts) in updates.items():
        frame = frame.with_columns(frame[name].scatter(rows, texts))
    return frame


def _read_book(
    data: bytes,
    kind: str,
    errors: dict[str, dict[tuple[int, int], str]],
    limits: Limits,
    remembered: Mapping[str, str] | None = None,
) -> Sheet:
    reader = _fx(fastexcel.read_excel, data)
    names: list[str] = _fx(lambda: reader.sheet_names)
    no_header: FileError | None = None
    for index, name in enumerate(names):
        sheet = _fx(reader.load_sheet, index, header_row=None, skip_rows=0, dtypes="string")
        if sheet.visible != "visible" or sheet.width == 0 or sheet.height == 0:
            continue
        absolute = [column.absolute_index for column in sheet.selected_columns]
        text = _nulls_for_empty(_frame(sheet))
        text = text.select(_filled_columns(text))  # columns keep their names: c<range index>
        positions = [absolute[int(name[1:])] for name in text.columns]
        mask = _nonempty_rows(text)
        header_index = _find_header(text, limits, mask, remembered)
        if header_index is None:
            if no_header is None and mask.any():
                no_header = file_error(FileIssue.NO_HEADER, rows=limits.header_search_rows)
            continue
        start = header_index + 1
        below = mask.slice(start).arg_true()
        if len(below) and _is_numbering_row(list(text.row(start + int(below[0])))):
            start += int(below[0]) + 1  # typed loads skip it: numbers would make columns mixed
        remaining = mask.slice(start).sum()
        if remaining > limits.max_rows + 1:  # + 1: a numbering row may still be dropped
            raise file_error(FileIssue.TOO_MANY_ROWS, count=remaining, limit=limits.max_rows)
        data_text = _typed_text(reader, index, start, text.slice(start), kind)
        data_text = _apply_errors(data_text, start, positions, errors.get(name, {}))
        return _build_sheet(
            header_source=text,
            data=data_text,
            data_start=start,
            row_numbers=pl.int_range(1, text.height + 1, dtype=pl.UInt32, eager=True),
            column_positions=positions,
            limits=limits,
            file_type=kind,
            encoding=None,
            separator=None,
            sheet_name=name,
            header_index=header_index,
        )
    if no_header is not None:
        raise no_header
    raise file_error(FileIssue.EMPTY)
