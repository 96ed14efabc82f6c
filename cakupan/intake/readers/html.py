"""HTML tables sent as ".xls": OpenSID's "unduh" of its books (Buku Pemerintah Desa, Model A.4),
Excel's "Web Page" save, and the exports of other government systems.

Read as the table they are: the first ``<table>`` (in document order, nested ones included) whose
first rows hold a header row (``headers.is_header_row``) is the sheet; title tables above it are
skipped like title rows. ``colspan``/``rowspan`` cells take their place in the grid (the spanned
cells are empty), cell text is what a browser shows (runs of whitespace, ``&nbsp;`` included, as
one space; ``<br>`` as a space), and the row numbers are the table's own (1-based, title rows
included).

Safe by construction: the standard library's ``html.parser`` tokenises the text; nothing is
fetched (no DTD, stylesheet, image or frame is ever loaded), no script runs (``<script>``,
``<style>``, ``<template>``... are skipped with their content), entities are only HTML's own
character references (``<!ENTITY`` declarations are ignored, so no entity expansion bomb), and an
XML document is never parsed at all (SpreadsheetML and other XML are refused by name). The same
limits as the other formats apply (rows, columns, cells), checked while parsing so that a huge
table stops early.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from html.parser import HTMLParser

import polars as pl

from cakupan.intake.readers.common import Limits, Sheet, _width_cap
from cakupan.intake.readers.grid import _build_sheet
from cakupan.intake.schema import FileError, FileIssue, file_error

# Elements whose content is not table text (and never runs).
_SKIPPED = frozenset({"script", "style", "template", "noscript", "iframe", "object", "svg", "math"})
_BREAKS = frozenset({"br", "p", "div", "li"})
_SPACE = re.compile(r"[\s\u00a0]+")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_MAX_SPAN = 1000


class _Table:
    __slots__ = ("cell", "cells", "rows")

    def __init__(self) -> None:
        self.rows: list[list[tuple[str, int, int]]] = []
        self.cells: list[tuple[str, int, int]] | None = None  # the open row
        self.cell: tuple[list[str], int, int] | None = None  # the open cell: text, colspan, rowspan


class _TableParser(HTMLParser):
    """Collects every table's rows of (text, colspan, rowspan); stops at the limits."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._open: list[_Table] = []
        self._skip = 0
        self._rows = 0
        self._max_rows = limits.max_rows + limits.header_search_rows + 1000
        self._limits = limits

    # -- cells and rows
    def _close_cell(self, table: _Table) -> None:
        if table.cell is None:
            return
        parts, colspan, rowspan = table.cell
        text = _SPACE.sub(" ", "".join(parts)).strip()
        if table.cells is None:  # a cell outside any <tr>: browsers start a row
            self._new_row(table)
        assert table.cells is not None
        table.cells.append((text, colspan, rowspan))
        table.cell = None

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.cells is not None:
            table.rows.append(table.cells)
            table.cells = None

    def _new_row(self, table: _Table) -> None:
        self._rows += 1
        if self._rows > self._max_rows:
            raise file_error(
                FileIssue.TOO_MANY_ROWS,
                count=f"lebih dari {self._max_rows}",
                limit=self._limits.max_rows,
            )
        table.cells = []

    # -- parser callbacks
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self._skip += 1
            return
        if self._skip:
            return
        if tag == "table":
            table = _Table()
            self.tables.append(table)
            self._open.append(table)
            return
        if not self._open:
            return
        table = self._open[-1]
        if tag == "tr":
            self._close_row(table)
            self._new_row(table)
        elif tag in ("td", "th"):
            self._close_cell(table)
            if table.cells is None:
                self._new_row(table)
            values = dict(attrs)
            table.cell = ([], _span(values.get("colspan")), _span(values.get("rowspan")))
        elif tag in _BREAKS and table.cell is not None:
            table.cell[0].append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # <br/>, <td/>: no content; a self-closed skipped element must not open a skip.
        if tag in _SKIPPED:
            return
        self.handle_starttag(tag, attrs)
        if tag in ("td", "th") and self._open:
            self._close_cell(self._open[-1])

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self._skip = max(0, self._skip - 1)
            return
        if self._skip or not self._open:
            return
        table = self._open[-1]
        if tag in ("td", "th"):
            self._close_cell(table)
        elif tag == "tr":
            self._close_row(table)
        elif tag == "table":
            self._close_row(table)
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._skip or not self._open:
            return
        cell = self._open[-1].cell
        if cell is not None:
            cell[0].append(data)

    def finish(self) -> None:
        self.close()
        while self._open:
            self._close_row(self._open.pop())


def _span(value: str | None) -> int:
    try:
        return min(max(int(str(value).strip()), 1), _MAX_SPAN)
    except ValueError:
        return 1


def _grid(rows: list[list[tuple[str, int, int]]], limits: Limits) -> list[list[str | None]]:
    """The table as a rectangle of cells, spans laid out (the cells they cover are empty)."""
    grid: list[list[str | None]] = []
    below: dict[int, int] = {}  # column -> rows still covered by a rowspan from above
    cap = _width_cap(limits)
    for cells in rows:
        out: list[str | None] = []
        column = 0
        for text, colspan, rowspan in cells:
            while below.get(column, 0) > 0:  # covered by a rowspan from above
                below[column] -= 1
                out.append(None)
                column += 1
            out.append(text or None)
            out.extend([None] * (colspan - 1))
            if rowspan > 1:
                for c in range(column, column + colspan):
                    below[c] = rowspan - 1
            column += colspan
            if column > cap:
                raise file_error(FileIssue.TOO_MANY_COLUMNS, count=column, limit=limits.max_columns)
        for c in sorted(k for k, v in below.items() if v > 0 and k >= column):
            out.extend([None] * (c - len(out)))
            below[c] -= 1
            out.append(None)
        grid.append(out)
    width = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    return grid


def _decode(data: bytes) -> tuple[str, str]:
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, errors="replace"), codec
    declared = _CHARSET.search(data[:4096])
    codec = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    try:
        return data.decode(codec), codec
    except (LookupError, UnicodeDecodeError):
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace"), "cp1252"


def _read_html(data: bytes, limits: Limits, remembered: Mapping[str, str] | None = None) -> Sheet:
    """The first table of an HTML document that has a header row, as a :class:`Sheet`."""
    text, encoding = _decode(data)
    parser = _TableParser(limits)
    parser.feed(text)
    parser.finish()
    tables = [t for t in parser.tables if t.rows]
    if not tables:
        raise file_error(FileIssue.UNSUPPORTED_TYPE, kind="halaman web (HTML) tanpa tabel")
    no_header: FileError | None = None
    for table in tables:
        grid = _grid(table.rows, limits)
        height, width = len(grid), len(grid[0]) if grid else 0
        if not width:
            continue
        if height * width > limits.max_cells:
            raise file_error(
                FileIssue.TOO_MANY_CELLS, rows=height, columns=width, limit=limits.max_cells
            )
        frame = pl.DataFrame(
            [[row[c] for row in grid] for c in range(width)],
            schema={f"c{c}": pl.String for c in range(width)},
            orient="col",
        )
        try:
            return _build_sheet(
                header_source=frame,
                data=None,
                data_start=0,
                row_numbers=pl.int_range(1, height + 1, dtype=pl.UInt32, eager=True),
                column_positions=list(range(width)),
                limits=limits,
                file_type="html",
                encoding=encoding,
                separator=None,
                sheet_name=None,
                remembered=remembered,
            )
        except FileError as error:
            if error.code != FileIssue.NO_HEADER:
                raise
            no_header = no_header or error
    raise no_header or file_error(FileIssue.NO_HEADER, rows=limits.header_search_rows)
