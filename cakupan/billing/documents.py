"""A bill as PDF (fpdf2) and as XLSX (xlsxwriter through ``common.spreadsheet``).

Both show the same content: the header (payer, region, contribution month, due date, status), a
line per person and programme (name, NIK, programme, basis, rate, employer, worker, total), the
totals, the payments allocated to the bill and the rates used with their legal basis. Both are
built from :func:`cakupan.billing.selectors.bill_detail`, which logs the export of the personal
data they contain (``record_access``).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from cakupan.accounts.access import MaybeViewer
from cakupan.accounts.audit import Actor
from cakupan.billing.models import BillStatus
from cakupan.billing.selectors import BillDetail, bill_detail
from cakupan.common.money import format_rupiah
from cakupan.common.spreadsheet import write_cell, xlsx_workbook
from cakupan.rules.contribution import PROGRAMMES
from cakupan.rules.text import roman
from cakupan.wilayah.selectors import region_ancestors

MONTHS = (
    gettext_lazy("Januari"),
    gettext_lazy("Februari"),
    gettext_lazy("Maret"),
    gettext_lazy("April"),
    gettext_lazy("Mei"),
    gettext_lazy("Juni"),
    gettext_lazy("Juli"),
    gettext_lazy("Agustus"),
    gettext_lazy("September"),
    gettext_lazy("Oktober"),
    gettext_lazy("November"),
    gettext_lazy("Desember"),
)


def month_label(month: dt.date) -> str:
    """``"Mei 2024"``."""
    return f"{MONTHS[month.month - 1]} {month.year}"


def _percent(rate: Decimal | None) -> str:
    if rate is None:
        return _("nominal")
    text = f"{(rate * 100).normalize():f}".replace(".", ",")
    return f"{text}%"


def _date(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def _header(detail: BillDetail) -> list[tuple[str, str]]:
    bill = detail.bill
    region = bill.payer.region
    chain = [r.name for r in reversed(region_ancestors(region))][1:]
    place = ", ".join([region.name, *reversed(chain)])
    status = str(BillStatus(bill.status).label)
    rows = [
        (_("Pembayar"), f"{bill.payer.name} ({bill.payer.code})"),
        (_("Wilayah"), f"{place} ({region.code})"),
        (_("Bulan iuran"), month_label(bill.month)),
        (_("Jatuh tempo"), _date(bill.due_date)),
        (_("Nomor tagihan"), str(bill.pk)),
        (_("Status"), status),
    ]
    return rows


def _line_rows(detail: BillDetail) -> list[list[Any]]:
    rows = []
    for n, line in enumerate(detail.lines, start=1):
        programme = line.programme.upper()
        if line.risk_class:
            programme += " " + _("kelas %(n)s") % {"n": roman(line.risk_class)}
            if line.risk_class_assumed:
                programme += "*"
        if line.scheme == "bpu":
            programme += " (BPU)"
        rows.append(
            [
                n,
                line.person.name,
                line.person.nik,
                programme,
                line.basis,
                _percent(line.rate),
                line.employer,
                line.worker,
                line.total,
            ]
        )
    return rows


def _notes(detail: BillDetail) -> list[str]:
    notes = []
    if any(line.risk_class_assumed for line in detail.lines):
        notes.append(
            _(
                "* Kelas risiko JKK tidak tercatat pada kepesertaan; dipakai kelas untuk pemberi "
                "kerja pemerintah (kelas I, belum terverifikasi pada naskah regulasi)."
            )
        )
    if detail.bill.adjustment:
        notes.append(
            _(
                "Data kepesertaan berubah setelah tagihan ini dibayar: penyesuaian %(amount)s "
                "perlu diselesaikan dengan BPJS Ketenagakerjaan."
            )
            % {"amount": format_rupiah(detail.bill.adjustment)}
        )
    used = {(line.scheme, line.programme) for line in detail.lines}
    with_jkp = ("pu", "jkp") in used
    sources = {
        (r.scheme, r.programme, r.source)
        for r in detail.rates
        if r.source and (r.scheme, r.programme) in used and (r.jkp == with_jkp or r.scheme == "bpu")
    }
    for scheme, programme, source in sorted(sources, key=lambda x: (x[0], PROGRAMMES.index(x[1]))):
        notes.append(f"{scheme.upper()} {programme.upper()}: {source}")
    return notes


COLUMNS = (
    (gettext_lazy("No."), 10),
    (gettext_lazy("Nama"), 58),
    (gettext_lazy("NIK"), 34),
    (gettext_lazy("Program"), 44),
    (gettext_lazy("Dasar (Rp)"), 26),
    (gettext_lazy("Tarif"), 17),
    (gettext_lazy("Pemberi kerja (Rp)"), 29),
    (gettext_lazy("Pekerja (Rp)"), 26),
    (gettext_lazy("Jumlah (Rp)"), 27),
)


def _latin1(text: str) -> str:
    """The core PDF fonts are Latin-1: anything else prints as '?' rather than failing."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _number(value: Decimal | int) -> str:
    return f"{int(value):,}".replace(",", ".")


def bill_pdf(*, user: MaybeViewer, actor: Actor, pk: Any) -> bytes:
    """The bill ``pk`` as a PDF (A4 landscape). 404 outside ``user``'s scope; the export is logged."""
    detail = bill_detail(user=user, actor=actor, pk=pk, purpose="PDF")
    bill = detail.bill
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_title(_latin1(f"Tagihan iuran {bill.payer.code} {bill.month:%Y-%m}"))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.cell(0, 8, _latin1(_("TAGIHAN IURAN BPJS KETENAGAKERJAAN")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    for label, value in _header(detail):
        pdf.cell(35, 5, _latin1(label))
        pdf.cell(0, 5, _latin1(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    def table_header() -> None:
        pdf.set_font("Helvetica", "B", 8)
        for title, width in COLUMNS:
            pdf.cell(width, 6, _latin1(str(title)), border=1, align="C")
        pdf.ln()
        pdf.set_font("Helvetica", "", 8)

    table_header()
    for row in _line_rows(detail):
        if pdf.will_page_break(5):
            pdf.add_page()
            table_header()
        cells = [
            str(row[0]),
            row[1][:38],
            row[2],
            row[3][:30],
            _number(row[4]),
            row[5],
            _number(row[6]),
            _number(row[7]),
            _number(row[8]),
        ]
        for i, ((_title, width), text) in enumerate(zip(COLUMNS, cells, strict=True)):
            pdf.cell(width, 5, _latin1(text), border=1, align="L" if i in (1, 2, 3) else "R")
        pdf.ln()
    pdf.set_font("Helvetica", "B", 8)
    label_width = sum(width for _title, width in COLUMNS[:6])
    pdf.cell(label_width, 6, _latin1(_("Jumlah")), border=1, align="R")
    for amount, (_title, width) in zip(
        (bill.employer_total, bill.worker_total, bill.total), COLUMNS[6:], strict=True
    ):
        pdf.cell(width, 6, _number(amount), border=1, align="R")
    pdf.ln(9)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 5, _latin1(_("Pembayaran")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    if not detail.allocations:
        pdf.cell(0, 5, _latin1(_("Belum ada pembayaran.")), new_x="LMARGIN", new_y="NEXT")
    for allocation in detail.allocations:
        payment = allocation.payment
        pdf.cell(
            0,
            5,
            _latin1(
                f"{_date(payment.paid_on)}  {payment.reference}  {format_rupiah(allocation.amount)}"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.cell(
        0,
        5,
        _latin1(
            _("Dibayar %(paid)s; sisa %(rest)s")
            % {"paid": format_rupiah(bill.paid), "rest": format_rupiah(bill.total - bill.paid)}
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    notes = _notes(detail)
    if notes:
        pdf.ln(3)
        pdf.set_font("Helvetica", "", 7)
        for note in notes:
            pdf.multi_cell(0, 4, _latin1(note), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def bill_xlsx(*, user: MaybeViewer, actor: Actor, pk: Any) -> bytes:
    """The bill ``pk`` as an XLSX workbook. 404 outside ``user``'s scope; the export is logged.

    Text cells go through ``common.spreadsheet`` (formula-injection escaping, NIK as text).
    """
    detail = bill_detail(user=user, actor=actor, pk=pk, purpose="XLSX")
    bill = detail.bill
    output = io.BytesIO()
    workbook = xlsx_workbook(output)
    sheet = workbook.add_worksheet(_("Tagihan"))
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 13})
    head = workbook.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7"})
    money = workbook.add_format({"num_format": "#,##0", "border": 1})
    money_bold = workbook.add_format({"num_format": "#,##0", "border": 1, "bold": True})
    text = workbook.add_format({"border": 1, "num_format": "@"})
    date = workbook.add_format({"num_format": "dd-mm-yyyy"})
    write_cell(sheet, 0, 0, _("TAGIHAN IURAN BPJS KETENAGAKERJAAN"), title)
    row = 2
    for label, value in _header(detail):
        write_cell(sheet, row, 0, label, bold)
        write_cell(sheet, row, 1, value)
        row += 1
    row += 1
    for col, (name, width) in enumerate(COLUMNS):
        write_cell(sheet, row, col, str(name), head)
        sheet.set_column(col, col, width / 2.2)
    first_line_row = row + 1
    for values in _line_rows(detail):
        row += 1
        for col, value in enumerate(values):
            cell_format = money if col in (4, 6, 7, 8) else text
            write_cell(sheet, row, col, value, cell_format)
    row += 1
    write_cell(sheet, row, 5, _("Jumlah"), head)
    for col, amount in ((6, bill.employer_total), (7, bill.worker_total), (8, bill.total)):
        write_cell(sheet, row, col, amount, money_bold)
    if row > first_line_row:
        sheet.autofilter(first_line_row - 1, 0, row - 1, len(COLUMNS) - 1)
    row += 2
    write_cell(sheet, row, 0, _("Pembayaran"), bold)
    for allocation in detail.allocations:
        row += 1
        write_cell(sheet, row, 0, allocation.payment.paid_on, date)
        write_cell(sheet, row, 1, allocation.payment.reference)
        write_cell(sheet, row, 8, allocation.amount, money)
    row += 1
    write_cell(sheet, row, 0, _("Dibayar"), bold)
    write_cell(sheet, row, 8, bill.paid, money_bold)
    row += 1
    write_cell(sheet, row, 0, _("Sisa"), bold)
    write_cell(sheet, row, 8, bill.total - bill.paid, money_bold)
    for note in _notes(detail):
        row += 2
        write_cell(sheet, row, 0, note)
    sheet.freeze_panes(first_line_row, 0)
    workbook.close()
    return output.getvalue()
