"""Claims as documents: the handover record (berita acara penyerahan santunan, PDF with fpdf2) and
the rows of the scholarship instalments due in a school year (downloaded as CSV or XLSX through
``common.exports`` by ``views.instalments_due``).

Both hold personal data: the handover is built from ``selectors.claim_detail`` (which logs the
export) and the instalment download logs the children it names.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone
from fpdf import FPDF

from cakupan.accounts.audit import Actor
from cakupan.claims.models import ClaimStatus, ScholarshipInstalment
from cakupan.claims.selectors import ClaimDetail, claim_detail
from cakupan.common.dates import long_date
from cakupan.common.money import terbilang
from cakupan.registry.models import BranchOffice
from cakupan.rules.params import Parameters
from cakupan.wilayah.models import Region

DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
LEVELS = {"tk": "TK", "sd": "SD", "smp": "SMP", "sma": "SMA", "pt": "Perguruan tinggi"}


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _kabupaten(code: str) -> Region | None:
    return Region.objects.filter(code=".".join(code.split(".")[:2])).first()


def handover_rows(detail: ClaimDetail) -> list[tuple[str, Decimal, dt.date | None]]:
    """What was handed over: each paid component, then each paid scholarship instalment."""
    rows: list[tuple[str, Decimal, dt.date | None]] = [
        (c.item, c.paid_amount, c.paid_on) for c in detail.components if c.paid_amount is not None
    ]
    for i in detail.instalments:
        if i.status == "paid" and i.paid_amount is not None:
            rows.append(
                (
                    f"Beasiswa {i.heir.name}, {LEVELS.get(i.level, i.level)} tahun ajaran "
                    f"{i.school_year}",
                    i.paid_amount,
                    i.paid_on,
                )
            )
    return rows


class _Pdf(FPDF):
    def line_text(self, text: str, *, size: float = 10, style: str = "", align: str = "L") -> None:
        self.set_font("Helvetica", style, size)
        self.multi_cell(0, 5.5, _latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")


def handover_pdf(*, actor: Actor, pk: Any, params: Parameters) -> bytes:
    """The berita acara of claim ``pk`` (404 outside the actor's scope; the export is logged)."""
    detail = claim_detail(
        actor=actor, pk=pk, today=timezone.localdate(), params=params, purpose="PDF berita acara"
    )
    claim = detail.claim
    kab = _kabupaten(claim.region_id)
    kab_name = kab.name if kab else claim.region.name
    office = BranchOffice.objects.filter(regions__code=kab.code if kab else "").first()
    rows = handover_rows(detail)
    total = sum((amount for _, amount, _ in rows), Decimal(0))
    day = claim.paid_on or max((d for _, _, d in rows if d), default=None) or timezone.localdate()
    recipient = next((h for h in detail.heirs if h.is_recipient), None)

    pdf = _Pdf(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_latin1(f"Berita acara penyerahan santunan {claim.number}"))
    pdf.add_page()
    pdf.line_text(f"PEMERINTAH {kab_name.upper()}", size=14, style="B", align="C")
    pdf.line_text(
        "Program Jaminan Sosial Ketenagakerjaan bagi Pekerja Pemerintah Daerah dan Desa",
        size=9,
        align="C",
    )
    y = pdf.get_y() + 1
    pdf.set_line_width(0.6)
    pdf.line(15, y, 195, y)
    pdf.set_line_width(0.2)
    pdf.ln(4)
    pdf.line_text("BERITA ACARA PENYERAHAN SANTUNAN", size=12, style="B", align="C")
    pdf.line_text(f"Nomor: {claim.number}", size=10, align="C")
    pdf.ln(3)
    pdf.line_text(
        f"Pada hari ini, {DAYS[day.weekday()]} tanggal {long_date(day)}, telah diserahkan santunan "
        f"{claim.get_type_display()} dari BPJS Ketenagakerjaan"
        + (f" {office.name}" if office else "")
        + " kepada ahli waris peserta berikut:"
    )
    pdf.ln(1)
    person = claim.person
    facts = [
        ("Nama peserta", person.name),
        ("NIK", person.nik),
        ("Unit kerja", f"{claim.unit.name} ({claim.get_segment_display()})"),
        ("Peristiwa", f"{claim.get_event_kind_display()}, {long_date(claim.event_date)}, "
                      f"{claim.event_place}"),
        ("Dasar manfaat", claim.regulation),
    ]  # fmt: skip
    for label, value in facts:
        pdf.set_font("Helvetica", "", 10)
        pdf.cell(40, 5.5, _latin1(label))
        pdf.multi_cell(0, 5.5, _latin1(f": {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.line_text("Ahli waris", style="B")
    for heir in detail.heirs:
        account = f", rekening {heir.bank_name} {heir.masked_account}" if heir.bank_account else ""
        mark = " (penerima)" if heir.is_recipient else ""
        pdf.line_text(
            f"- {heir.name}, {heir.get_relation_display()}, NIK {heir.nik}{account}{mark}", size=9
        )
    pdf.ln(2)
    pdf.line_text("Rincian santunan", style="B")
    widths = (10, 70, 35, 65)
    pdf.set_font("Helvetica", "B", 9)
    for title, width in zip(("No.", "Komponen", "Jumlah (Rp)", "Terbilang"), widths, strict=True):
        pdf.cell(width, 6, title, border=1, align="C")
    pdf.ln()
    pdf.set_font("Helvetica", "", 8.5)
    for n, (item, amount, _paid) in enumerate(rows, start=1):
        words = terbilang(amount)
        lines = pdf.multi_cell(widths[3], 5, _latin1(words), dry_run=True, output="LINES")
        height = 5 * max(1, len(lines) if isinstance(lines, list) else 1)
        if pdf.will_page_break(height):
            pdf.add_page()
        x, top = pdf.get_x(), pdf.get_y()
        pdf.multi_cell(widths[0], height, str(n), border=1, align="R", new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(widths[1], height, _latin1(item[:60]), border=1, new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(widths[2], height, f"{int(amount):,}".replace(",", "."), border=1, align="R",
                       new_x="RIGHT", new_y="TOP")  # fmt: skip
        pdf.multi_cell(widths[3], 5, _latin1(words), border=1, new_x="LMARGIN", new_y="NEXT")
        pdf.set_xy(x, top + height)
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(widths[0] + widths[1], 6, "Jumlah", border=1, align="R")
    pdf.cell(widths[2], 6, f"{int(total):,}".replace(",", "."), border=1, align="R")
    pdf.multi_cell(widths[3], 6, "", border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.line_text(f"Terbilang: {terbilang(total)}.", size=9, style="I")
    if claim.status != ClaimStatus.PAID:
        pdf.line_text(
            "Catatan: klaim ini belum lunas seluruhnya; berita acara memuat yang sudah dibayar.",
            size=8,
        )
    pdf.ln(8)
    signatures = [
        ("Yang menerima,", recipient.name if recipient else "(ahli waris)"),
        ("Yang menyerahkan,", f"Kepala {office.name}" if office else "BPJS Ketenagakerjaan"),
        ("Mengetahui,", f"Bupati/Wali Kota {kab_name.removeprefix('Kabupaten ').removeprefix('Kota ')}"),
    ]  # fmt: skip
    if pdf.will_page_break(40):
        pdf.add_page()
    width = 60
    top = pdf.get_y()
    for i, (title, name) in enumerate(signatures):
        pdf.set_xy(15 + i * width, top)
        pdf.set_font("Helvetica", "", 9)
        pdf.multi_cell(width, 5, _latin1(title), align="C", new_x="LEFT", new_y="NEXT")
        pdf.ln(20)
        pdf.set_x(15 + i * width)
        pdf.set_font("Helvetica", "BU", 9)
        pdf.multi_cell(width, 5, _latin1(name), align="C")
    return bytes(pdf.output())


INSTALMENT_COLUMNS = (
    ("Kabupaten/kota", 22),
    ("Nomor klaim", 16),
    ("Peserta", 24),
    ("Anak", 24),
    ("NIK anak", 19),
    ("Tahun ajaran", 12),
    ("Jenjang", 14),
    ("Nilai (Rp)", 14),
    ("Status", 22),
    ("Sekolah", 24),
    ("Usia awal tahun ajaran", 10),
    ("Catatan", 30),
)


def instalment_rows(
    instalments: list[ScholarshipInstalment], *, max_age: int | None
) -> list[list[Any]]:
    names: dict[str, str] = {}
    rows = []
    for i in instalments:
        kab = ".".join(i.claim.region_id.split(".")[:2])
        if kab not in names:
            region = _kabupaten(kab)
            names[kab] = region.name if region else kab
        start = dt.date(i.year, 7, 1)
        birth = i.heir.birth_date
        age = start.year - birth.year - ((start.month, start.day) < (birth.month, birth.day))
        note = ""
        if max_age is not None and age > max_age:
            note = f"melewati batas usia {max_age} tahun: hentikan"
        elif i.status == "scheduled":
            note = "menunggu bukti sekolah"
        rows.append(
            [
                names[kab],
                i.claim.number,
                i.claim.person.name,
                i.heir.name,
                i.heir.masked_nik,
                i.school_year,
                LEVELS.get(i.level, i.level),
                i.amount,
                str(i.get_status_display()),
                i.school_name or i.heir.school_name,
                age,
                note,
            ]
        )
    return rows


__all__ = [
    "handover_pdf",
    "handover_rows",
    "instalment_rows",
]
