"""``cakupan stats REGION_CODE [--on DATE] [--json]``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.coverage.selectors import region_stats
from cakupan.registry.models import FundingSource, Segment
from cakupan.wilayah.selectors import RegionNotFound, region_get


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise usage_error(f"Tanggal tidak valid (pakai YYYY-MM-DD): {text}") from None


class Command(ReportCommand):
    help = (
        "Kepesertaan aktif di suatu wilayah pada suatu tanggal: per segmen, pekerjaan, sumber dana,"
        " formasi terisi, dan indikator cakupan (UCJ dan lainnya)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("region", help="kode wilayah (73.24 atau 7324)")
        parser.add_argument("--on", help="tanggal (YYYY-MM-DD), bawaan hari ini")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        on = _date(options["on"]) if options["on"] else timezone.localdate()
        try:
            region = region_get(options["region"])
        except RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        stats = region_stats(user=SYSTEM, region=region, on=on)
        lines = [
            f"{region.code} {region.name}, per {on:%d-%m-%Y}",
            f"Kepesertaan aktif: {stats['active_memberships']:,} ({stats['persons']:,} orang)".replace(
                ",", "."
            ),
            "Per segmen:",
            *(
                f"  {Segment(k).label}: {v:,}".replace(",", ".")
                for k, v in stats["by_segment"].items()
                if v
            ),
            "Per sumber dana:",
            *(
                f"  {FundingSource(k).label}: {v:,}".replace(",", ".")
                for k, v in stats["by_funding_source"].items()
                if v
            ),
            "Per kelompok pekerjaan:",
            *(f"  {k}: {v:,}".replace(",", ".") for k, v in stats["by_occupation_group"].items()),
            f"Desa: {stats['desa']}; desa dengan aparat desa/BPD terdaftar: {stats['desa_with_village_officials']}",
        ]
        ucj = stats["ucj"]
        if ucj["percent"] is None:
            lines.append("UCJ: belum ada data pembanding")
        else:
            pct = str(ucj["percent"]).replace(".", ",")
            num, den = (f"{ucj[k]:,}".replace(",", ".") for k in ("numerator", "denominator"))
            lines.append(f"UCJ: {pct}% ({num} peserta aktif dari {den} sasaran potensi)")
        for segment, fill in stats["posts"].items():
            pct = "-" if fill["percent"] is None else f"{fill['percent']}%".replace(".", ",")
            lines.append(
                f"Formasi {Segment(segment).label}: {fill['filled']} dari {fill['posts']} terisi ({pct})"
            )
        self.emit(stats, lines, as_json=options["as_json"])
