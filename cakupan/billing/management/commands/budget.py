"""``cakupan budget plan --region CODE --year YYYY [--rentan-per-desa N] [--xlsx FILE] [--json]``."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.billing.budget import APBD, APBDES, BudgetError, BudgetPlan, Targets, budget_plan
from cakupan.billing.budget.workbook import budget_workbook
from cakupan.common.commands import ReportCommand, usage_error
from cakupan.common.money import format_rupiah, parse_rupiah
from cakupan.parameters.selectors import active_parameters
from cakupan.wilayah.selectors import RegionNotFound, region_get


def _rupiah(text: str) -> Decimal:
    try:
        value = parse_rupiah(text)
    except ValueError:
        raise usage_error(f"Jumlah rupiah tidak valid: {text}") from None
    if value <= 0:
        raise usage_error(f"Jumlah rupiah harus lebih dari 0: {text}")
    return value


def plan_as_dict(plan: BudgetPlan) -> dict[str, Any]:
    """The JSON contract of ``cakupan budget plan`` (amounts as integer rupiah)."""
    t = plan.targets
    return {
        "region": {"code": plan.region.code, "name": plan.region.name},
        "year": plan.year,
        "reference_date": plan.reference_date,
        "targets": {
            "village_posts": t.village_posts,
            "non_asn": t.non_asn,
            "rentan_per_desa": t.rentan_per_desa,
            "rentan_income": t.rentan_income,
            "continuing": t.continuing,
            "reference_wage": t.reference_wage,
        },
        "totals": {
            "apbd": plan.total(APBD),
            "apbdes": plan.total(APBDES),
            "all": plan.total(),
            "billed_before": {
                "apbd": plan.billed_before(APBD),
                "apbdes": plan.billed_before(APBDES),
                "all": plan.billed_before(),
            },
        },
        "monthly": {
            "apbd": plan.monthly(APBD),
            "apbdes": plan.monthly(APBDES),
            "all": plan.monthly(),
        },
        "payers": [
            {
                "key": p.key,
                "name": p.name,
                "budget": p.budget,
                "region_code": p.region_code,
                "region_name": p.region_name,
                "heads": p.heads,
                "monthly": p.beban,
                "total": p.beban_total,
                "worker_total": p.worker_total,
                "billed_before": p.billed_before,
                "groups": [
                    {
                        "source": g.source,
                        "scheme": g.scheme,
                        "wage": g.wage,
                        "programmes": list(g.programmes),
                        "risk_class": g.risk_class,
                        "heads": g.heads,
                        "monthly_per_person": list(g.prices),
                        "total": g.total,
                    }
                    for g in p.groups
                ],
            }
            for p in plan.payers
        ],
        "notes": plan.notes,
    }


class Command(ReportCommand):
    help = "Rencana anggaran iuran (APBD dan APBDes) untuk satu tahun anggaran."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        plan = sub.add_parser("plan", help="rencana anggaran per pembayar, bulan demi bulan")
        plan.add_argument("--region", required=True, help="kode wilayah (73.02 atau 7302)")
        plan.add_argument("--year", required=True, type=int, help="tahun anggaran (YYYY)")
        plan.add_argument(
            "--rentan-per-desa",
            dest="rentan_per_desa",
            type=int,
            default=0,
            help="sasaran pekerja rentan per desa (BPU, dibayar APBDes)",
        )
        plan.add_argument(
            "--rentan-income",
            dest="rentan_income",
            default="1000000",
            help="penghasilan yang dilaporkan untuk pekerja rentan (Rp), bawaan 1.000.000",
        )
        plan.add_argument(
            "--reference-wage",
            dest="reference_wage",
            help="upah acuan untuk formasi kosong tanpa pembanding (Rp)",
        )
        plan.add_argument(
            "--no-village-posts",
            dest="village_posts",
            action="store_false",
            help="tanpa sasaran formasi perangkat desa dan BPD",
        )
        plan.add_argument(
            "--no-non-asn", dest="non_asn", action="store_false", help="tanpa pegawai non-ASN"
        )
        plan.add_argument(
            "--no-continuing",
            dest="continuing",
            action="store_false",
            help="tanpa peserta lain yang sedang berjalan",
        )
        plan.add_argument("--xlsx", help="tulis juga berkas XLSX untuk RKA/APBDes")
        super().add_arguments(plan)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(options["region"])
        except RegionNotFound:
            raise usage_error(f"Kode wilayah tidak dikenal: {options['region']}") from None
        if options["rentan_per_desa"] < 0:
            raise usage_error("--rentan-per-desa tidak boleh negatif.")
        targets = Targets(
            village_posts=options["village_posts"],
            non_asn=options["non_asn"],
            rentan_per_desa=options["rentan_per_desa"],
            rentan_income=_rupiah(options["rentan_income"]),
            continuing=options["continuing"],
            reference_wage=_rupiah(options["reference_wage"])
            if options["reference_wage"]
            else None,
        )
        try:
            plan = budget_plan(
                user=SYSTEM,
                region=region,
                year=options["year"],
                targets=targets,
                params=active_parameters(),
                today=timezone.localdate(),
            )
        except BudgetError as exc:
            raise usage_error(exc.message) from None
        if options["xlsx"]:
            Path(options["xlsx"]).write_bytes(budget_workbook(plan))
        lines = [
            f"Rencana anggaran iuran {plan.year}: {region.code} {region.name}",
            f"Data peserta per {plan.reference_date:%d-%m-%Y}",
            f"APBD:   {format_rupiah(plan.total(APBD))} (tagihan {plan.year - 1}: "
            f"{format_rupiah(plan.billed_before(APBD))})",
            f"APBDes: {format_rupiah(plan.total(APBDES))} (tagihan {plan.year - 1}: "
            f"{format_rupiah(plan.billed_before(APBDES))})",
            f"Jumlah: {format_rupiah(plan.total())} untuk {len(plan.payers)} pembayar",
            *plan.notes,
        ]
        if options["xlsx"]:
            lines.append(f"XLSX: {options['xlsx']}")
        self.emit(plan_as_dict(plan), lines, as_json=options["as_json"])
