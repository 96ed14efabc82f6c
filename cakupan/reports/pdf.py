"""A :class:`~cakupan.reports.document.Report` as PDF (fpdf2: no system libraries).

A4 portrait. The letterhead names the authority with a slot for its logo; the sections follow in
order, the annexes after them; tables repeat their header on every page; charts are drawn as
vector lines and text (no images), each beside the table of its figures. Numbers are written the
Indonesian way (``4.535``, ``48,3%``, ``Rp1.077.000.000``). The core fonts hold Latin-1 only: other
characters are replaced (an en dash becomes a hyphen).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from cakupan.common.charts import nice_step
from cakupan.reports.document import Chart, Report, Section, Table, formatted, number

HEADER_FILL = (217, 225, 242)
TOTAL_FILL = (242, 242, 242)
LINE_COLOUR = (31, 78, 121)
GRID_COLOUR = (200, 200, 200)
TEXT_GREY = (90, 90, 90)
CHART_HEIGHT = 52.0


def latin1(text: str) -> str:
    return text.replace("–", "-").replace("—", "-").encode("latin-1", "replace").decode("latin-1")


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("Helvetica", "", 7.5)
        self.set_text_color(*TEXT_GREY)
        width = self.w - self.l_margin - self.r_margin
        self.multi_cell(width - 28, 3.5, latin1(self.footer_text), align="L")
        self.set_xy(self.l_margin + width - 28, -13)
        page = _("Halaman %(page)s dari {nb}") % {"page": self.page_no()}
        self.cell(28, 3.5, latin1(page), align="R")
        self.set_text_color(0, 0, 0)


def _letterhead(pdf: _Pdf, report: Report) -> None:
    head = report.letterhead
    top = pdf.get_y()
    # The logo slot: the kabupaten places its coat of arms here on the printed copy.
    pdf.set_draw_color(*GRID_COLOUR)
    pdf.rect(pdf.l_margin, top, 22, 24)
    pdf.set_font("Helvetica", "", 6.5)
    pdf.set_text_color(*TEXT_GREY)
    pdf.set_xy(pdf.l_margin, top + 10)
    pdf.cell(22, 4, "LOGO", align="C")
    pdf.set_text_color(0, 0, 0)
    left = pdf.l_margin + 26
    width = pdf.w - pdf.r_margin - left
    pdf.set_xy(left, top + 1)
    pdf.set_font("Helvetica", "B", 14)
    pdf.multi_cell(width, 7, latin1(head.authority), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 11)
    pdf.multi_cell(width, 5.5, latin1(head.title), align="C", new_x="LEFT", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9.5)
    pdf.multi_cell(width, 5, latin1(head.subtitle), align="C", new_x="LEFT", new_y="NEXT")
    y = max(pdf.get_y(), top + 24) + 2
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.8)
    pdf.line(pdf.l_margin, y, pdf.w - pdf.r_margin, y)
    pdf.set_line_width(0.2)
    pdf.line(pdf.l_margin, y + 1.2, pdf.w - pdf.r_margin, y + 1.2)
    pdf.set_xy(pdf.l_margin, y + 3)
    pdf.set_font("Helvetica", "B", 10)
    pdf.cell(0, 6, latin1(head.place_date), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _heading(pdf: _Pdf, text: str) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("Helvetica", "B", 11.5)
    pdf.set_text_color(*LINE_COLOUR)
    pdf.multi_cell(0, 6.5, latin1(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _paragraph(pdf: _Pdf, text: str) -> None:
    pdf.set_font("Helvetica", "", 9.5)
    pdf.multi_cell(0, 5, latin1(text), new_x="LMARGIN", new_y="NEXT")


def _table(pdf: _Pdf, table: Table) -> None:
    pdf.ln(1)
    pdf.set_font("Helvetica", "", 8.5)
    widths = table.widths or [1.0] * len(table.header)
    aligns = ["LEFT" if kind == "text" else "RIGHT" for kind in table.kinds]
    bold = FontFace(emphasis="BOLD", fill_color=TOTAL_FILL)
    with pdf.table(
        col_widths=tuple(widths),
        text_align=tuple(aligns),
        line_height=4.6,
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADER_FILL),
        borders_layout="HORIZONTAL_LINES",
        cell_fill_mode="NONE",
        padding=0.8,
    ) as out:
        head = out.row()
        for text in table.header:
            head.cell(latin1(text))
        for values in table.rows:
            row = out.row()
            for value, kind in zip(values, table.kinds, strict=True):
                row.cell(latin1(formatted(value, kind)))
        if table.total is not None:
            row = out.row()
            for value, kind in zip(table.total, table.kinds, strict=True):
                row.cell(latin1("" if value is None else formatted(value, kind)), style=bold)
    pdf.ln(1)


def _axis_label(value: Decimal, kind: str) -> str:
    if kind != "percent":
        return number(value)
    return f"{value.normalize():f}".replace(".", ",") + "%"


def _chart(pdf: _Pdf, chart: Chart) -> None:
    """A line chart in vector graphics: grid, axis labels, the line and its points."""
    if pdf.will_page_break(CHART_HEIGHT + 12):
        pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, latin1(chart.title), new_x="LMARGIN", new_y="NEXT")
    known = [v for v in chart.values if v is not None]
    if not known:
        _paragraph(pdf, _("Belum ada data pada bulan-bulan ini."))
        return
    peak = max(known)
    step = nice_step(peak / 4) if peak > 0 else Decimal(1)
    steps = max(1, int((peak / step).to_integral_value(rounding=ROUND_CEILING)))
    ceiling = step * steps
    left = pdf.l_margin + 18
    right = pdf.w - pdf.r_margin - 2
    top = pdf.get_y() + 3
    bottom = top + CHART_HEIGHT - 12
    height = bottom - top
    pdf.set_font("Helvetica", "", 7)
    pdf.set_line_width(0.15)
    pdf.set_draw_color(*GRID_COLOUR)
    for i in range(steps + 1):
        y = bottom - height * i / steps
        pdf.line(left, y, right, y)
        pdf.set_xy(pdf.l_margin, y - 2)
        pdf.cell(16, 4, latin1(_axis_label(step * i, chart.kind)), align="R")
    count = len(chart.values)
    span = (right - left) / max(count - 1, 1)
    for i, label in enumerate(chart.labels):
        if i % 2 == 0 or i == count - 1:
            pdf.set_xy(left + span * i - 8, bottom + 1)
            pdf.cell(16, 4, latin1(label), align="C")
    pdf.set_draw_color(*LINE_COLOUR)
    pdf.set_fill_color(*LINE_COLOUR)
    pdf.set_line_width(0.6)
    segment: list[tuple[float, float]] = []
    points: list[tuple[float, float]] = []
    for i, value in enumerate(chart.values):
        if value is None:
            if len(segment) > 1:
                pdf.polyline(segment)
            segment = []
            continue
        point = (left + span * i, bottom - float(value / ceiling) * height)
        segment.append(point)
        points.append(point)
    if len(segment) > 1:
        pdf.polyline(segment)
    for x, y in points:
        pdf.circle(x=x, y=y, radius=0.8, style="F")
    pdf.set_line_width(0.2)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, bottom + 7)


def _section(pdf: _Pdf, section: Section) -> None:
    _heading(pdf, section.title)
    for text in section.paragraphs:
        _paragraph(pdf, text)
    for chart in section.charts:
        _chart(pdf, chart)
    for table in section.tables:
        _table(pdf, table)


def report_pdf(report: Report) -> bytes:
    """The report as PDF bytes."""
    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.footer_text = report.footer
    pdf.set_margins(15, 14, 15)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.set_title(latin1(f"{report.letterhead.title} - {report.letterhead.authority}"))
    pdf.set_creator("Cakupan")
    pdf.add_page()
    _letterhead(pdf, report)
    for section in (s for s in report.sections if not s.annex):
        _section(pdf, section)
    annexes = [s for s in report.sections if s.annex]
    for section in annexes:
        pdf.add_page()
        _section(pdf, section)
    return bytes(pdf.output())
