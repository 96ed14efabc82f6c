"""What every reader shares: the :class:`Limits` a read works within, the :class:`Sheet` it
returns, the ``UNREADABLE`` error, and the column-width and column-letter rules.

Pure Python + polars; no Django imports.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from cakupan.intake.schema import FileError, FileIssue, file_error


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 50 * 1024 * 1024
    max_uncompressed_bytes: int = 500 * 1024 * 1024  # XLSX/ODS zip pre-flight: sum of entry sizes
    max_zip_entries: int = 1000
    max_rows: int = 1_100_000
    max_columns: int = 200
    header_search_rows: int = 20
    # Cells calamine may allocate for a sheet (rows x columns of the area between its outermost
    # cells, empty ones included): about 30 bytes a cell and a second a pass per ~5 M cells.
    # 16 M is a million rows of 16 columns (~500 MB).
    max_cells: int = 16_000_000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Sheet:
    frame: pl.DataFrame  # one String column per original column, data rows only, null if empty
    headers: list[str]  # original header texts in file order, made unique (as frame.columns)
    row_numbers: pl.Series  # UInt32: the row number the operator sees (1-based)
    header_row: int  # 1-based row number of the header row
    file_type: str  # "csv" | "xlsx" | "xls" | "ods"
    encoding: str | None  # csv only: "utf-8", "utf-8-sig", "cp1252", "utf-16"
    separator: str | None  # csv only
    sheet_name: str | None


def _mb(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _unreadable(detail: str) -> FileError:
    return file_error(FileIssue.UNREADABLE, detail=detail)


def _width_cap(limits: Limits) -> int:
    """Columns a sheet may span before reading (empty ones between included).

    Wider than the column limit, because columns without a header and data are dropped after
    reading; but bounded, because fastexcel and polars pay per column: 16,384 columns of two
    rows take seconds.
    """
    return max(5 * limits.max_columns, 1024)


def _check_width(width: int, limits: Limits) -> None:
    if width > _width_cap(limits):
        raise file_error(FileIssue.TOO_MANY_COLUMNS, count=width, limit=limits.max_columns)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
