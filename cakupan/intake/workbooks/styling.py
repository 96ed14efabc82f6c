"""What the intake's workbooks share: the name of the data sheet, Excel's row and column limits,
the fill colours, the A4 print setup, and the chunk size of spliced XML rows.
"""

from __future__ import annotations

from xlsxwriter.worksheet import Worksheet

__all__ = ["DATA_SHEET"]


DATA_SHEET = "Data"

_EXCEL_MAX_ROWS = 1_048_576
_EXCEL_MAX_COLS = 16_384

# Colours (Excel's own "good/bad/neutral" palette, readable on a phone in daylight).
_HEADER_FILL = "#D9E1F2"
_REQUIRED_FILL = "#B4C6E7"
_ERROR_FILL = "#FF8B8B"  # an erroneous cell
_ERROR_NOTE_FILL = "#FFE1E1"  # the Keterangan cell of a rejected row
_WARNING_FILL = "#FFE26F"  # a cell with a warning
_WARNING_NOTE_FILL = "#FFF6CC"  # the Keterangan cell of a row with warnings only


def _print_setup(sheet: Worksheet, *, landscape: bool, repeat_rows: int = 0) -> None:
    """A4, one page wide, the header rows repeated on every page."""
    sheet.set_paper(9)
    if landscape:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    if repeat_rows:
        sheet.repeat_rows(0, repeat_rows - 1)


# Rows of XML per chunk handed to the zip writer.
_CHUNK_ROWS = 2000
