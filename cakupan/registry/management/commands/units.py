"""``cakupan units list [--region CODE] [--kind K] [--json]``."""

from __future__ import annotations

from typing import Any

from cakupan.accounts.access import SYSTEM
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.registry.models import UnitKind
from cakupan.registry.selectors import unit_list
from cakupan.wilayah.selectors import RegionNotFound, region_get


class Command(ReportCommand):
    help = "Daftar unit (OPD, pemerintah desa, BPD, ...) dengan kode, untuk skrip impor."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="daftar unit")
        listing.add_argument("--region", help="kode wilayah (unit di wilayah ini dan di bawahnya)")
        listing.add_argument("--kind", choices=UnitKind.values, help="jenis unit")
        super().add_arguments(listing)

    def handle(self, *args: Any, **options: Any) -> None:
        region_code = None
        if options["region"]:
            try:
                region_code = region_get(options["region"]).code
            except RegionNotFound:
                raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        units = list(unit_list(user=SYSTEM, region_code=region_code, kind=options["kind"]))
        data = [
            {
                "code": u.code,
                "name": u.name,
                "kind": u.kind,
                "region": {"code": u.region.code, "name": u.region.name},
            }
            for u in units
        ]
        lines = [
            f"{u.code}\t{u.name}\t{u.get_kind_display()}\t{u.region.code} {u.region.name}"
            for u in units
        ]
        lines.append(f"{len(units)} unit")
        self.emit(data, lines, as_json=options["as_json"])
