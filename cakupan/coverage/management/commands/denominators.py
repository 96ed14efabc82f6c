"""``cakupan denominators load FILE [--kind K] [--dry-run] --json`` and
``cakupan denominators show REGION [--on DATE] --json``.

A denominator file has a row per region, kind and date: ``kode wilayah``, ``jenis`` (or ``--kind``
for the whole file), ``nilai``, ``berlaku sejak``, ``sumber`` (optional: ``tanggal sumber``,
``catatan``). ``show`` prints the values in force for a region on a day, the sums of its children
where it has none of its own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from cakupan.common.commands import ReportCommand, usage_error
from cakupan.coverage.figures import denominators_for
from cakupan.coverage.management.commands._load import add_file_arguments, load_file
from cakupan.coverage.models import DenominatorKind
from cakupan.coverage.services import denominators_load
from cakupan.wilayah.selectors import RegionNotFound, region_get


def parse_date(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise usage_error(f"Tanggal tidak valid (pakai YYYY-MM-DD): {text}") from None


class Command(ReportCommand):
    help = "Data pembanding cakupan (sasaran potensi, penduduk bekerja, DTSEN/P3KE, target rentan)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="muat data pembanding dari berkas")
        add_file_arguments(load)
        load.add_argument(
            "--kind", choices=DenominatorKind.values, help="jenis untuk seluruh berkas"
        )
        super().add_arguments(load)
        show = sub.add_parser("show", help="data pembanding satu wilayah pada suatu tanggal")
        show.add_argument("region", help="kode wilayah")
        show.add_argument("--on", help="tanggal (YYYY-MM-DD), bawaan hari ini")
        super().add_arguments(show)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            load_file(
                self, options, "cakupan denominators load", denominators_load, kind=options["kind"]
            )
            return
        on = parse_date(options["on"])
        try:
            region = region_get(options["region"])
        except RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        found = denominators_for([region.code], on)[region.code]
        data: dict[str, Any] = {
            "region": {"code": region.code, "name": region.name, "kind": region.kind},
            "on": on,
            "desa": found.desa,
            "rentan_target_per_desa": found.rentan_target_per_desa,
        }
        lines = [f"{region.code} {region.name}, per {on:%d-%m-%Y}; desa: {found.desa}"]
        for kind in (
            "potential_workers",
            "working_population",
            "vulnerable_workers",
            "rentan_target",
        ):
            value = getattr(found, kind)
            data[kind] = (
                None
                if value is None
                else {
                    "value": value.value,
                    "as_of": value.as_of,
                    "source": value.source,
                    "parts": value.parts,
                }
            )
            label = (
                DenominatorKind(kind).label
                if kind in DenominatorKind.values
                else "Target pekerja rentan (target per desa x desa)"
            )
            text = (
                "belum ada data pembanding"
                if value is None
                else f"{value.value:,} per {value.as_of:%d-%m-%Y}".replace(",", ".")
                + (f" ({value.source})" if value.parts == 1 else f" (jumlah {value.parts} wilayah)")
            )
            lines.append(f"  {label}: {text}")
        self.emit(data, lines, as_json=options["as_json"])
