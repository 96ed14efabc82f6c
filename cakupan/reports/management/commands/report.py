"""``cakupan report kso --region CODE --on YYYY-MM-DD --out FILE.pdf|FILE.xlsx [--json]``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.reports.kso import kso_report
from cakupan.reports.pdf import report_pdf
from cakupan.reports.xlsx import report_xlsx
from cakupan.wilayah.models import RegionKind
from cakupan.wilayah.selectors import RegionNotFound, region_get


class Command(ReportCommand):
    help = "Laporan: kso (laporan rapat KSO/rakor kabupaten/kota, PDF atau XLSX)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="report", required=True)
        kso = sub.add_parser("kso", help="laporan rapat kerja sama operasional (KSO)")
        kso.add_argument("--region", required=True, help="kode kabupaten/kota (73.24)")
        kso.add_argument("--on", help="tanggal keadaan (YYYY-MM-DD), bawaan hari ini")
        kso.add_argument("--out", required=True, help="berkas keluaran: .pdf atau .xlsx")
        super().add_arguments(kso)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(options["region"])
        except RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        if region.kind not in (RegionKind.KABUPATEN, RegionKind.KOTA):
            raise usage_error(f"{region.code} {region.name} bukan kabupaten/kota.")
        today = timezone.localdate()
        on = today
        if options["on"]:
            try:
                on = dt.date.fromisoformat(options["on"])
            except ValueError:
                raise usage_error(f"Tanggal tidak valid: {options['on']} (YYYY-MM-DD)") from None
        out = Path(options["out"])
        suffix = out.suffix.lower()
        if suffix not in (".pdf", ".xlsx"):
            raise usage_error("--out harus berakhiran .pdf atau .xlsx")
        report = kso_report(user=SYSTEM, region=region, on=on, today=today)
        data = report_pdf(report) if suffix == ".pdf" else report_xlsx(report)
        out.write_bytes(data)
        self.emit(
            {
                "report": "kso",
                "region": {"code": region.code, "name": region.name},
                "on": on,
                "out": str(out),
                "bytes": len(data),
                "sections": [s.title for s in report.sections],
            },
            [f"Laporan KSO {region.name} per {on:%d-%m-%Y}: {out} ({len(data)} byte)"],
            as_json=options["as_json"],
        )
