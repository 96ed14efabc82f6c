"""The budget plan as an XLSX shaped for drafting the RKA (APBD) and the APBDes.

Sheets:
- ``Ringkasan``: one row per payer (APBD OPD or desa), people, January..December, the year's total,
  what was billed the year before and the difference; totals for APBD and APBDes.
- ``Rincian``: the RKA/APBDes detail lines, one per payer and cost group, in the usual columns of a
  rincian belanja: uraian, koefisien (orang x bulan), satuan, harga satuan (Rp per orang per bulan,
  the January price), jumlah (the year's amount, month by month prices summed).
- ``Catatan``: targets, reference date, the regulations the amounts rest on, and notes.
"""

from __future__ import annotations

import io

from cakupan.billing.budget.plan import APBD, APBDES, BudgetPlan
from cakupan.common.money import format_rupiah
from cakupan.common.spreadsheet import write_cell, xlsx_workbook

MONTH_NAMES = (
    "Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des",
)  # fmt: skip
BUDGET_LABELS = {APBD: "APBD", APBDES: "APBDes"}
SOURCE_LABELS = {
    "formasi": "formasi perangkat desa/BPD",
    "non_asn": "pegawai non-ASN",
    "rentan": "pekerja rentan",
    "berjalan": "peserta berjalan",
}


def _programmes(programmes: tuple[str, ...]) -> str:
    return "+".join(p.upper() for p in programmes)


def budget_workbook(plan: BudgetPlan) -> bytes:
    """The XLSX bytes of ``plan`` (see the module docstring)."""
    out = io.BytesIO()
    wb = xlsx_workbook(out)
    bold = wb.add_format({"bold": True})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    money = wb.add_format({"num_format": "#,##0"})
    money_bold = wb.add_format({"num_format": "#,##0", "bold": True})
    title = wb.add_format({"bold": True, "font_size": 13})

    ws = wb.add_worksheet("Ringkasan")
    write_cell(
        ws,
        0,
        0,
        f"Rencana anggaran iuran BPJS Ketenagakerjaan tahun {plan.year}: "
        f"{plan.region.name} ({plan.region.code})",
        title,
    )
    header = [
        "Anggaran",
        "Kode",
        "Pembayar",
        "Wilayah",
        "Orang",
        *MONTH_NAMES,
        f"Jumlah {plan.year}",
        f"Ditagih {plan.year - 1}",
        "Selisih",
        "Iuran pekerja (potong upah)",
    ]
    for col, text in enumerate(header):
        write_cell(ws, 2, col, text, head)
    row = 3
    for payer in plan.payers:
        values: list[object] = [
            BUDGET_LABELS[payer.budget],
            payer.key,
            payer.name,
            f"{payer.region_code} {payer.region_name}",
            payer.heads,
            *payer.beban,
            payer.beban_total,
            payer.billed_before,
            payer.beban_total - payer.billed_before,
            payer.worker_total,
        ]
        for col, value in enumerate(values):
            write_cell(ws, row, col, value, money if col >= 4 else None)  # type: ignore[arg-type]
        row += 1
    row += 1
    for budget in (APBD, APBDES, None):
        label = f"Jumlah {BUDGET_LABELS[budget]}" if budget else "Jumlah seluruhnya"
        write_cell(ws, row, 2, label, bold)
        monthly = plan.monthly(budget)
        for i, value in enumerate(monthly):
            write_cell(ws, row, 5 + i, value, money_bold)
        write_cell(ws, row, 17, plan.total(budget), money_bold)
        write_cell(ws, row, 18, plan.billed_before(budget), money_bold)
        write_cell(ws, row, 19, plan.total(budget) - plan.billed_before(budget), money_bold)
        row += 1
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 22)
    ws.set_column(2, 3, 36)
    ws.set_column(4, 21, 13)
    ws.freeze_panes(3, 3)

    detail = wb.add_worksheet("Rincian")
    columns = [
        "Anggaran",
        "Kode pembayar",
        "Pembayar",
        "Uraian",
        "Koefisien",
        "Satuan",
        "Harga satuan (Jan)",
        f"Jumlah {plan.year}",
    ]
    for col, text in enumerate(columns):
        write_cell(detail, 0, col, text, head)
    row = 1
    for payer in plan.payers:
        for group in payer.groups:
            uraian = (
                f"Iuran {_programmes(group.programmes)} {group.scheme.upper()} "
                f"{SOURCE_LABELS.get(group.source, group.source)}, upah {format_rupiah(group.wage)}"
                + (f", kelas risiko {group.risk_class}" if group.risk_class else "")
            )
            cells: list[object] = [
                BUDGET_LABELS[payer.budget],
                payer.key,
                payer.name,
                uraian,
                f"{group.heads} orang x 12 bulan",
                "OB (orang-bulan)",
                group.prices[0],
                group.total,
            ]
            for col, value in enumerate(cells):
                write_cell(detail, row, col, value, money if col >= 6 else None)  # type: ignore[arg-type]
            row += 1
    detail.set_column(0, 1, 14)
    detail.set_column(2, 2, 34)
    detail.set_column(3, 3, 70)
    detail.set_column(4, 7, 18)
    detail.freeze_panes(1, 0)

    notes = wb.add_worksheet("Catatan")
    t = plan.targets
    lines = [
        f"Wilayah: {plan.region.code} {plan.region.name}",
        f"Tahun anggaran: {plan.year}",
        f"Tanggal acuan data peserta: {plan.reference_date:%d-%m-%Y}",
        "Sasaran: "
        + ", ".join(
            part
            for part in (
                "seluruh formasi perangkat desa dan BPD" if t.village_posts else "",
                "seluruh pegawai non-ASN terdaftar" if t.non_asn else "",
                f"{t.rentan_per_desa} pekerja rentan per desa (penghasilan "
                f"{format_rupiah(t.rentan_income)})"
                if t.rentan_per_desa
                else "",
                "peserta lain yang sedang berjalan" if t.continuing else "",
            )
            if part
        ),
        "Beban anggaran = iuran bagian pemberi kerja (PU) dan seluruh iuran BPU.",
        *plan.notes,
    ]
    for i, text in enumerate(lines):
        write_cell(notes, i, 0, text)
    notes.set_column(0, 0, 120)
    wb.close()
    return out.getvalue()
