"""A :class:`~cakupan.reports.document.Report` as XLSX: one sheet per section, the same rows and
numbers as the PDF. Numbers are written as numbers (counts ``#,##0``, money ``"Rp"#,##0``,
percentages with one decimal), so they can be summed; every chart becomes an Excel line chart
over its figures, written beside it.
"""

from __future__ import annotations

import io

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from cakupan.common.spreadsheet import write_cell, xlsx_workbook
from cakupan.reports.document import Chart, Report, Section, Table

_FORMATS = {"int": "#,##0", "money": '"Rp"#,##0', "percent": "0.0", "text": None}
_INVALID = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


def _sheet_name(title: str, used: set[str]) -> str:
    base = title.translate(_INVALID).strip()[:31] or "Lembar"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


class _Styles:
    def __init__(self, workbook: Workbook) -> None:
        self.title = workbook.add_format({"bold": True, "font_size": 13})
        self.head = workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.cells = {
            kind: workbook.add_format({"num_format": fmt} if fmt else {})
            for kind, fmt in _FORMATS.items()
        }
        self.totals = {
            kind: workbook.add_format({"bold": True, **({"num_format": fmt} if fmt else {})})
            for kind, fmt in _FORMATS.items()
        }


def _table(sheet: Worksheet, row: int, table: Table, styles: _Styles) -> int:
    for col, text in enumerate(table.header):
        sheet.write_string(row, col, text, styles.head)
    row += 1
    for values in table.rows:
        for col, (value, kind) in enumerate(zip(values, table.kinds, strict=True)):
            write_cell(sheet, row, col, value, styles.cells[kind])
        row += 1
    if table.total is not None:
        for col, (value, kind) in enumerate(zip(table.total, table.kinds, strict=True)):
            write_cell(sheet, row, col, value, styles.totals[kind])
        row += 1
    return row + 1


def _chart(
    workbook: Workbook, sheet: Worksheet, name: str, chart: Chart, col: int, at: int
) -> None:
    """The chart's figures in columns ``col``..``col+1`` and an Excel line chart over them."""
    sheet.write_string(0, col, chart.title)
    for i, (label, value) in enumerate(zip(chart.labels, chart.values, strict=True), start=1):
        sheet.write_string(i, col, label)
        write_cell(sheet, i, col + 1, value)
    line = workbook.add_chart({"type": "line"})
    n = len(chart.labels)
    line.add_series(
        {
            "name": chart.title,
            "categories": [name, 1, col, n, col],
            "values": [name, 1, col + 1, n, col + 1],
            "marker": {"type": "circle"},
        }
    )
    line.set_legend({"none": True})
    line.set_title({"name": chart.title, "name_font": {"size": 10}})
    sheet.insert_chart(at, col + 3, line, {"x_scale": 1.1, "y_scale": 0.9})


def _section(
    workbook: Workbook, name: str, section: Section, styles: _Styles, heading: str
) -> None:
    sheet = workbook.add_worksheet(name)
    sheet.set_column(0, 0, 46)
    sheet.set_column(1, 6, 16)
    sheet.write_string(0, 0, section.title, styles.title)
    sheet.write_string(1, 0, heading)
    row = 3
    for text in section.paragraphs:
        sheet.write_string(row, 0, text, styles.wrap)
        row += 1
    if section.paragraphs:
        row += 1
    for table in section.tables:
        row = _table(sheet, row, table, styles)
    width = max((len(t.header) for t in section.tables), default=1)
    for i, chart in enumerate(section.charts):
        _chart(workbook, sheet, name, chart, width + 1 + i * 12, 2)


def report_xlsx(report: Report) -> bytes:
    """The report as XLSX bytes."""
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    head = report.letterhead
    workbook.set_properties(
        {"title": f"{head.title} - {head.authority}", "subject": head.place_date}
    )
    styles = _Styles(workbook)
    used: set[str] = set()
    for section in report.sections:
        heading = f"{head.authority}, {head.place_date}"
        _section(workbook, _sheet_name(section.sheet, used), section, styles, heading)
    workbook.close()
    return output.getvalue()
