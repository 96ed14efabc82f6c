"""From a grid of cell text to a :class:`~cakupan.intake.readers.common.Sheet`: the header row is
found below any title rows, empty rows and a numbering row under the header are dropped, and the
columns kept are named by their header text (made unique) or by their letter.

Which rows and columns
----------------------
* The header row is the first of the first ``header_search_rows`` non-empty rows in which at least
  two cells are recognised headers, one of them NIK or Nama (``headers.is_header_row``; with
  ``remembered``, the unit's own mapping counts: a column it mapped by hand is recognised, one it
  chose to ignore is not). Title rows
  above it ("DAFTAR PEGAWAI NON ASN ...", "TAHUN 2024", merged cells) are skipped.
* Rows below the header whose cells are all empty (or only whitespace) are dropped, and so is a
  numbering row directly under the header ("1 | 2 | 3 | 4": consecutive integers, also ``(1)``,
  ``1.``, ``1.0``). ``Sheet.row_numbers`` keeps the row number the operator sees: the Excel row
  number for workbooks, the 1-based record number for CSV (a quoted field spanning lines is one
  record, as in Excel).
* Columns with an empty header and no data are dropped. The remaining columns are named by their
  header text, made unique (``Nama``, ``Nama (2)``); a column with data but no header text is
  named ``Kolom C`` after its spreadsheet letter (CSV: its position as a letter).
* Workbooks: the sheet read is the first *visible* sheet (in workbook order) in which a header row
  is found, so a leading instructions/cover sheet is skipped. Hidden sheets are never read.
* Rows and columns are counted after reading: ``TOO_MANY_ROWS`` (data rows), ``TOO_MANY_COLUMNS``
  (columns kept); ``NO_HEADER``, ``NO_ROWS`` as above.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping

import polars as pl

from cakupan.intake.headers import is_header_row
from cakupan.intake.readers.common import Limits, Sheet, _column_letter
from cakupan.intake.schema import FileIssue, file_error

_INTEGER_LABEL = re.compile(r"^\s*\(?\s*(\d{1,3})\s*[.)]?\s*$|^\s*(\d{1,3})\.0\s*$")


_NOT_SPACE = r"\S"
_NARROW = 32  # up to this many columns, rows are checked column by column


def _nulls_for_empty(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col(c).str.len_bytes() == 0).then(None).otherwise(pl.col(c)).alias(c)
        for c in frame.columns
    )


def _nonempty_rows(frame: pl.DataFrame) -> pl.Series:
    """Rows with at least one cell that is not empty or whitespace.

    Column by column, only for the rows not decided yet: the first column usually decides
    nearly every row, so this costs about one column's regex instead of all of them.
    """
    if frame.width > _NARROW:
        return frame.select(
            pl.any_horizontal(pl.col(c).str.contains(_NOT_SPACE) for c in frame.columns)
            .fill_null(False)
            .alias("nonempty")
        ).to_series()
    nonempty = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    undecided = pl.int_range(0, frame.height, dtype=pl.UInt32, eager=True)
    for name in frame.columns:
        if undecided.len() == 0:
            break
        values = frame.get_column(name).gather(undecided)
        filled = values.str.contains(_NOT_SPACE).fill_null(False)
        nonempty = nonempty.scatter(undecided.filter(filled), True)
        undecided = undecided.filter(~filled)
    return nonempty


def _columns_with_text(frame: pl.DataFrame, columns: list[str]) -> set[str]:
    """Which of ``columns`` hold at least one cell that is not empty or whitespace."""
    if not columns or frame.height == 0:
        return set()
    found = frame.select(
        pl.col(c).str.contains(_NOT_SPACE).fill_null(False).any().alias(c) for c in columns
    ).row(0, named=True)
    return {c for c, flag in found.items() if flag}


def _filled_columns(frame: pl.DataFrame) -> list[str]:
    """Names of the columns with at least one non-null cell."""
    if frame.width == 0 or frame.height == 0:
        return []
    flags = frame.select(pl.all().is_not_null().any()).row(0)
    return [name for name, flag in zip(frame.columns, flags, strict=True) if flag]


def _find_header(
    frame: pl.DataFrame,
    limits: Limits,
    mask: pl.Series,
    remembered: Mapping[str, str] | None = None,
) -> int | None:
    """Index (in ``frame``) of the header row, looking at the first non-empty rows (``mask``)."""
    candidates = mask.arg_true().head(limits.header_search_rows).to_list()
    if not candidates:
        return None
    rows = frame[candidates].rows()
    for index, cells in zip(candidates, rows, strict=True):
        if is_header_row(list(cells), remembered):
            return int(index)
    return None


def _is_numbering_row(cells: list[str | None]) -> bool:
    numbers: list[int] = []
    for cell in cells:
        if cell is None or not cell.strip():
            continue
        match = _INTEGER_LABEL.match(cell)
        if not match:
            return False
        numbers.append(int(match.group(1) or match.group(2)))
    if len(numbers) < 2 or numbers[0] > 1:
        return False
    return all(b == a + 1 for a, b in itertools.pairwise(numbers))


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    taken = set(names)
    result = []
    for name in names:
        if name not in seen:
            seen[name] = 1
            result.append(name)
            continue
        count = seen[name]
        while True:
            count += 1
            candidate = f"{name} ({count})"
            if candidate not in taken:
                break
        seen[name] = count
        taken.add(candidate)
        result.append(candidate)
    return result


def _build_sheet(
    *,
    header_source: pl.DataFrame,
    data: pl.DataFrame | None,
    data_start: int,
    row_numbers: pl.Series,
    column_positions: list[int],
    limits: Limits,
    file_type: str,
    encoding: str | None,
    separator: str | None,
    sheet_name: str | None,
    header_index: int | None = None,
    remembered: Mapping[str, str] | None = None,
) -> Sheet:
    """Header, data rows and columns from a grid of text.

    ``header_source`` holds the sheet's text from the first row; ``data`` (when given) holds the
    typed text of its rows from ``data_start`` on (below the header, and below a numbering row
    already skipped); ``row_numbers`` numbers the rows of ``header_source``.
    """
    grid = _nulls_for_empty(header_source)
    mask = _nonempty_rows(grid) if data is None or header_index is None else None
    if header_index is None:
        assert mask is not None
        header_index = _find_header(grid, limits, mask, remembered)
        if header_index is None:
            raise file_error(FileIssue.NO_HEADER, rows=limits.header_search_rows)
    header_cells = list(grid.row(header_index))
    if data is None:
        assert mask is not None
        data_start = header_index + 1
        body = grid.slice(data_start)
        keep = mask.slice(data_start)
    else:
        body = _nulls_for_empty(data)
        keep = _nonempty_rows(body)
    body_numbers = row_numbers.slice(data_start, body.height)

    body = body.filter(keep)
    body_numbers = body_numbers.filter(keep)
    if body.height and _is_numbering_row(list(body.row(0))):
        body = body.slice(1)
        body_numbers = body_numbers.slice(1)

    unnamed = [body.columns[i] for i, h in enumerate(header_cells) if h is None or not h.strip()]
    with_text = _columns_with_text(body, unnamed)
    kept = [
        position
        for position, header in enumerate(header_cells)
        if (header is not None and header.strip()) or body.columns[position] in with_text
    ]
    if len(kept) > limits.max_columns:
        raise file_error(FileIssue.TOO_MANY_COLUMNS, count=len(kept), limit=limits.max_columns)
    if body.height == 0:
        raise file_error(FileIssue.NO_ROWS)
    if body.height > limits.max_rows:
        raise file_error(FileIssue.TOO_MANY_ROWS, count=body.height, limit=limits.max_rows)

    names = []
    for position in kept:
        header = header_cells[position]
        if header is None or not header.strip():
            header = f"Kolom {_column_letter(column_positions[position])}"
        names.append(header)
    names = _unique(names)
    frame = body.select(
        pl.col(body.columns[position]).alias(name)
        for position, name in zip(kept, names, strict=True)
    )
    return Sheet(
        frame=frame,
        headers=names,
        row_numbers=body_numbers.cast(pl.UInt32).rename("row_number"),
        header_row=int(row_numbers[header_index]),
        file_type=file_type,
        encoding=encoding,
        separator=separator,
        sheet_name=sheet_name,
    )
