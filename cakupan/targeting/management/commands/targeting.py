"""``cakupan targeting load FILE --region CODE`` and ``cakupan targeting plan --region CODE --year Y
--per-desa N [--budget RUPIAH] [--desil-max D] [--payer apbdes|apbd] [--out FILE.xlsx]``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.common.money import format_rupiah, parse_rupiah
from cakupan.intake.schema import FileError
from cakupan.parameters.selectors import active_parameters
from cakupan.targeting.models import ListSource
from cakupan.targeting.plan import APBDES, PAYERS, PlanRequest, default_age_limits, targeting_plan
from cakupan.targeting.selectors import enrolment_export, plan_as_dict
from cakupan.targeting.services import TargetingError, candidate_list_load
from cakupan.wilayah.selectors import RegionNotFound, region_get


def _rupiah(text: str, option: str) -> Decimal:
    try:
        value = parse_rupiah(text)
    except ValueError:
        raise usage_error(f"{option}: jumlah rupiah tidak valid: {text}") from None
    if value <= 0:
        raise usage_error(f"{option}: jumlah rupiah harus lebih dari 0: {text}")
    return value


class Command(ReportCommand):
    help = "Sasaran pekerja rentan: muat daftar DTSEN/P3KE dan susun rencana pendaftaran."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="muat daftar DTSEN/P3KE (CSV, XLSX, XLS, ODS)")
        load.add_argument("file", help="berkas daftar")
        load.add_argument("--region", required=True, help="kode kabupaten/kota (73.24)")
        load.add_argument("--source", default=ListSource.DTSEN, help="dtsen (bawaan) atau p3ke")
        super().add_arguments(load)
        low, high = default_age_limits()
        plan = sub.add_parser("plan", help="rencana pendaftaran pekerja rentan per desa")
        plan.add_argument("--region", required=True, help="kode wilayah (73.24, 73.24.04, ...)")
        plan.add_argument("--year", required=True, type=int, help="tahun rencana (YYYY)")
        plan.add_argument(
            "--per-desa", dest="per_desa", required=True, type=int, help="orang per desa (N)"
        )
        plan.add_argument("--budget", help="anggaran paling banyak (Rp)")
        plan.add_argument("--desil-max", dest="desil_max", type=int, help="desil paling tinggi")
        plan.add_argument(
            "--payer", default=APBDES, help="apbdes (APBDes tiap desa, bawaan) atau apbd"
        )
        plan.add_argument(
            "--min-age", dest="min_age", type=int, help=f"umur paling rendah, bawaan {low}"
        )
        plan.add_argument(
            "--max-age", dest="max_age", type=int, help=f"umur paling tinggi, bawaan {high}"
        )
        plan.add_argument("--income", help="penghasilan yang dilaporkan (Rp); bawaan: minimum BPU")
        plan.add_argument("--out", help="tulis berkas pendaftaran (XLSX, format formulir impor)")
        super().add_arguments(plan)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(options["region"])
        except RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        if options["action"] == "load":
            self._load(region, options)
        else:
            self._plan(region, options)

    def _load(self, region: Any, options: dict[str, Any]) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise usage_error(f"Berkas tidak ditemukan: {path}")
        try:
            result = candidate_list_load(
                actor=Actor.system(source=Source.CLI, label="cakupan targeting load"),
                region=region,
                data=path.read_bytes(),
                file_name=path.name,
                source=options["source"],
                today=timezone.localdate(),
            )
        except FileError as exc:
            raise usage_error(f"{path.name}: {exc.message}") from None
        except TargetingError as exc:
            raise usage_error(exc.message) from None
        checked = result.checked
        issues = checked.issues.to_dicts()
        counts: dict[str, int] = {}
        for issue in issues:
            counts[issue["code"]] = counts.get(issue["code"], 0) + 1
        listed = result.candidate_list
        data = {
            "region": {"code": region.code, "name": region.name},
            "file": path.name,
            "loaded": listed is not None,
            "list_id": listed.pk if listed else None,
            "rows": checked.rows,
            "accepted": checked.clean.height,
            "rejected": checked.rejected,
            "replaced_people": result.retired,
            "counts": dict(sorted(counts.items())),
            "issues": issues,
        }
        lines = [
            f"{path.name}: {checked.rows} baris, {checked.clean.height} diterima, "
            f"{checked.rejected} ditolak",
            (
                f"Daftar berlaku untuk {region.code} {region.name} (nomor {listed.pk})"
                if listed
                else "Tidak ada baris yang diterima: daftar yang berlaku tidak berubah."
            ),
            *(
                f"  baris {i['row_number']} {i['column']}: {i['message']} [{i['code']}]"
                for i in issues
            ),
        ]
        self.emit(data, lines, as_json=options["as_json"])

    def _plan(self, region: Any, options: dict[str, Any]) -> None:
        if options["payer"] not in PAYERS:
            raise usage_error("--payer harus apbdes atau apbd.")
        request = PlanRequest(
            year=options["year"],
            per_desa=options["per_desa"],
            budget=_rupiah(options["budget"], "--budget") if options["budget"] else None,
            desil_max=options["desil_max"],
            payer=options["payer"],
            min_age=options["min_age"],
            max_age=options["max_age"],
            income=_rupiah(options["income"], "--income") if options["income"] else None,
        )
        try:
            plan = targeting_plan(
                region=region,
                request=request,
                params=active_parameters(),
                today=timezone.localdate(),
            )
        except TargetingError as exc:
            raise usage_error(exc.message) from None
        data = plan_as_dict(plan)
        if options["out"]:
            Path(options["out"]).write_bytes(
                enrolment_export(
                    actor=Actor.system(source=Source.CLI, label="cakupan targeting plan"),
                    plan=plan,
                )
            )
            data["enrolment_file"] = options["out"]
        lines = [
            f"Rencana pekerja rentan {request.year}: {region.code} {region.name}",
            f"Terpilih {plan.total_selected} orang di {sum(1 for d in plan.desa if d.selected)} "
            f"desa/kelurahan; {len(plan.short_desa)} desa kurang dari {request.per_desa}",
            f"Iuran satu orang setahun {format_rupiah(plan.person_year)}; "
            f"jumlah {format_rupiah(plan.total_cost)}",
            *(
                f"  {label}: {sum(p.people for p in payers)} orang, {len(payers)} pembayar, "
                f"{format_rupiah(sum((p.amount for p in payers), Decimal(0)))}"
                for label, payers in (
                    ("APBDes", [p for p in plan.payers if p.budget == APBDES]),
                    ("APBD", [p for p in plan.payers if p.budget != APBDES]),
                )
                if payers
            ),
            *(
                f"  {d.name}: {d.selected} dari {request.per_desa} "
                f"(hanya {d.eligible} memenuhi syarat)"
                for d in plan.short_desa
            ),
            *plan.notes,
        ]
        if request.budget is not None:
            lines.insert(
                3,
                f"Anggaran {format_rupiah(request.budget)} cukup untuk {plan.funded_per_desa} "
                f"orang per desa ({plan.extra_desa} desa mendapat satu lagi)",
            )
        if options["out"]:
            lines.append(f"Berkas pendaftaran: {options['out']}")
        self.emit(data, lines, as_json=options["as_json"])
