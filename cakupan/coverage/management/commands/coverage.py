"""``cakupan coverage ranking|followup|refresh``: league tables, follow-up lists, the rollup.

* ``coverage ranking [--province CODE] --indicator I [--on D] [--json]``: the kabupaten/kota of a
  province (without ``--province``: the provinces of Indonesia) ranked by an indicator, each with
  ``rank``, ``value`` (the percentage), numerator, denominator and the change since a month
  earlier;
* ``coverage followup --region CODE [--on D] [--days N] [--xlsx FILE] [--json]``: the follow-up
  lists of a region (``coverage.followup``);
* ``coverage refresh [--rebuild] [--json]``: recompute the kabupaten marked as changed in the
  coverage rollup (``coverage.rollup``), or all of it (the first time, and with ``--rebuild``).

The CLI acts as ``accounts.access.SYSTEM`` (unscoped). Usage errors exit 2: an unknown region or
indicator, a region that is not a province, no data for the indicator on that day (a province
without denominators, a date before any data).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, Source
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.coverage import rollup
from cakupan.coverage.exports import followup_workbook
from cakupan.coverage.followup import DEFAULT_DAYS, followup_lists, membership_ids
from cakupan.coverage.indicators import INDICATORS
from cakupan.coverage.selectors import INDONESIA, Place, league_table, place_get
from cakupan.registry.models import Membership
from cakupan.wilayah.models import RegionKind
from cakupan.wilayah.selectors import RegionNotFound


def _date(text: str | None) -> dt.date:
    if not text:
        return timezone.localdate()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise usage_error(f"Tanggal tidak valid (pakai YYYY-MM-DD): {text}") from None


def _place(code: str) -> Place:
    try:
        return place_get(code)
    except RegionNotFound:
        raise usage_error(f"Kode wilayah tidak dikenal: {code}") from None


def _pct(value: Any) -> str:
    return "-" if value is None else f"{value}%".replace(".", ",")


class Command(ReportCommand):
    help = "Peringkat kabupaten/kota atau provinsi per indikator, dan daftar tindak lanjut."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ranking = sub.add_parser("ranking", help="peringkat per indikator")
        ranking.add_argument("--province", help="kode provinsi; tanpa ini: provinsi se-Indonesia")
        ranking.add_argument(
            "--indicator", required=True, help=f"indikator: {', '.join(INDICATORS)}"
        )
        ranking.add_argument("--on", help="tanggal (YYYY-MM-DD), bawaan hari ini")
        super().add_arguments(ranking)
        followup = sub.add_parser("followup", help="daftar tindak lanjut suatu wilayah")
        followup.add_argument("--region", required=True, help="kode wilayah")
        followup.add_argument("--on", help="tanggal (YYYY-MM-DD), bawaan hari ini")
        followup.add_argument(
            "--days", type=int, default=DEFAULT_DAYS, help="jangka ke depan (hari), bawaan 60"
        )
        followup.add_argument("--xlsx", help="tulis daftar sebagai XLSX ke berkas ini")
        super().add_arguments(followup)
        refresh = sub.add_parser("refresh", help="perbarui ringkasan cakupan (rollup)")
        refresh.add_argument(
            "--rebuild", action="store_true", help="bangun ulang seluruhnya dari registri"
        )
        super().add_arguments(refresh)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "ranking":
            self._ranking(options)
        elif options["action"] == "refresh":
            self._refresh(options)
        else:
            self._followup(options)

    def _refresh(self, options: dict[str, Any]) -> None:
        if options["rebuild"] or not rollup.is_built():
            result = rollup.rebuild()
            text = (
                f"Ringkasan cakupan dibangun ulang: {result.rows:,} baris, {result.seconds:.1f} s"
            )
        else:
            result = rollup.refresh()
            text = (
                f"Ringkasan cakupan diperbarui: {result.kabupaten} kabupaten/kota, "
                f"{result.seconds:.1f} s"
            )
        data = {
            "rebuilt": result.rebuilt,
            "kabupaten": None if result.rebuilt else result.kabupaten,
            "rows": result.rows if result.rebuilt else None,
            "seconds": round(result.seconds, 3),
        }
        self.emit(data, [text.replace(",", ".")], as_json=options["as_json"])

    def _ranking(self, options: dict[str, Any]) -> None:
        on = _date(options["on"])
        code = options["indicator"]
        indicator = INDICATORS.get(code)
        if indicator is None:
            raise usage_error(f"Indikator tidak dikenal: {code} (pilihan: {', '.join(INDICATORS)})")
        parent = INDONESIA
        if options["province"]:
            parent = _place(options["province"])
            if parent.kind != RegionKind.PROVINSI:
                raise usage_error(f"{parent.code} {parent.name} bukan provinsi.")
        rows = league_table(SYSTEM, parent, code, on)
        if not any(r.figures[code].percent is not None for r in rows):
            raise usage_error(
                f"Belum ada data pembanding untuk {indicator.short_label} di {parent.name} "
                f"per {on:%d-%m-%Y}."
            )
        data = {
            "parent": {"code": parent.code, "name": parent.name},
            "indicator": {"code": code, "label": str(indicator.label)},
            "on": on,
            "regions": [
                {
                    "rank": r.rank,
                    "code": r.place.code,
                    "name": r.place.name,
                    "value": r.figures[code].percent,
                    "numerator": r.figures[code].numerator,
                    "denominator": r.figures[code].denominator,
                    "status": r.figures[code].status,
                    "change": r.change(code),
                }
                for r in rows
            ],
        }
        lines = [f"{indicator.label}, {parent.name}, per {on:%d-%m-%Y}"]
        for r in rows:
            figure = r.figures[code]
            lines.append(
                f"{r.rank or '-':>3} {r.place.name:<40} {_pct(figure.percent):>8}"
                + (
                    f"  ({figure.numerator:,} / {figure.denominator:,})".replace(",", ".")
                    if figure.percent is not None
                    else f"  {figure.status_text}"
                )
            )
        self.emit(data, lines, as_json=options["as_json"])

    def _followup(self, options: dict[str, Any]) -> None:
        on = _date(options["on"])
        place = _place(options["region"])
        if options["days"] < 0:
            raise usage_error("--days tidak boleh negatif.")
        first = Membership.objects.order_by("start_date").values_list("start_date", flat=True)
        earliest = first.first()
        if earliest is None or on < earliest:
            raise usage_error(
                "Belum ada data kepesertaan pada tanggal itu"
                + (f" (data pertama {earliest:%d-%m-%Y})." if earliest else ".")
            )
        lists = followup_lists(SYSTEM, place, on, days=options["days"])
        actor = Actor.system(source=Source.CLI, label="cakupan coverage followup")
        shown = membership_ids(lists)
        if shown:
            record_access(
                actor=actor,
                action=Action.EXPORT if options["xlsx"] else Action.VIEW,
                entity="registry.membership",
                entity_id="*",
                shown=shown,
                note=f"daftar tindak lanjut {place.code or 'nasional'} per {on}",
            )
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(followup_workbook(place, on, lists))
        data = {
            "region": {"code": place.code, "name": place.name, "kind": place.kind},
            "on": on,
            "days": options["days"],
            "lists": {key: found.as_dict() for key, found in lists.items()},
            "xlsx": options["xlsx"],
        }
        lines = [f"Tindak lanjut {place.name}, per {on:%d-%m-%Y}"]
        for found in lists.values():
            lines.append(
                f"  {found.title}: {len(found.rows)}" if found.available else f"  {found.title}: -"
            )
            if found.note:
                lines.append(f"    {found.note}")
        if options["xlsx"]:
            lines.append(f"XLSX: {options['xlsx']}")
        self.emit(data, lines, as_json=options["as_json"])
