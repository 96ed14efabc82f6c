"""``cakupan claims eligibility|list|show|summary``: the same selectors and rules as the web.

    cakupan claims eligibility NIK --type jkm|jkk-death|jkk-accident --event-date YYYY-MM-DD
        [--child LEVEL ...] [--json]
    cakupan claims list --region CODE [--year Y] [--status S] [--json]
    cakupan claims show ID_OR_NUMBER [--json]
    cakupan claims summary --region CODE --year Y [--segment S] [--json]

Amounts are integer rupiah. ``eligibility`` exits 0 whether the person is eligible or not; bad
input (a malformed NIK, an unknown person, a date in the future or malformed) exits 2 with an
Indonesian message, and with ``--json`` stdout also carries ``{"error": {"code", "message"}}``.
The CLI acts as ``accounts.access.SYSTEM`` (unscoped); showing a claim is written to the access log
under the ``cli`` channel. NIKs and bank accounts of heirs are printed masked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404
from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.claims import selectors, summary
from cakupan.claims.assessment import claim_parameters, eligibility_json, person_assess
from cakupan.claims.models import Claim, ClaimStatus, ClaimType
from cakupan.common.commands import ReportCommand, to_json, usage_error
from cakupan.common.errors import DomainError
from cakupan.common.money import format_rupiah
from cakupan.common.nik import mask_nik, parse_nik
from cakupan.registry.models import Segment
from cakupan.rules.eligibility import ChildFacts, EventFacts
from cakupan.rules.errors import RulesError
from cakupan.rules.params import SCHOLARSHIP_LEVELS
from cakupan.wilayah.selectors import RegionNotFound, region_get


class _Refused(DomainError):
    """A usage error with a stable code (printed as JSON with ``--json``)."""


def _date(text: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        raise _Refused(
            f"{name} harus tanggal yang ada, berformat YYYY-MM-DD, bukan {text!r}.",
            code="date_invalid",
        ) from None


def _region(code: str) -> Any:
    try:
        return region_get(code)
    except RegionNotFound:
        raise _Refused(f"Kode wilayah tidak dikenal: {code}", code="region_unknown") from None


class Command(ReportCommand):
    help = "Klaim JKM, JKK dan beasiswa: eligibility, list, show, summary."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        eligibility = sub.add_parser("eligibility", help="kelayakan klaim seseorang pada tanggal")
        eligibility.add_argument("nik", help="NIK peserta")
        eligibility.add_argument(
            "--type", dest="claim_type", required=True, choices=ClaimType.values
        )
        eligibility.add_argument("--event-date", dest="event_date", required=True)
        eligibility.add_argument(
            "--child",
            action="append",
            default=[],
            help=f"jenjang anak untuk beasiswa: {', '.join(SCHOLARSHIP_LEVELS)} (boleh berulang)",
        )
        super().add_arguments(eligibility)
        listing = sub.add_parser("list", help="daftar klaim satu wilayah")
        listing.add_argument("--region", required=True, help="kode wilayah")
        listing.add_argument("--year", type=int, help="tahun peristiwa")
        listing.add_argument("--status", choices=ClaimStatus.values)
        super().add_arguments(listing)
        show = sub.add_parser("show", help="satu klaim")
        show.add_argument("claim", help="id atau nomor klaim")
        super().add_arguments(show)
        totals = sub.add_parser("summary", help="klaim dibayar dibanding iuran")
        totals.add_argument("--region", required=True, help="kode wilayah")
        totals.add_argument("--year", required=True, type=int, help="tahun")
        totals.add_argument("--segment", choices=Segment.values)
        super().add_arguments(totals)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except (_Refused, RulesError) as error:
            if options.get("as_json"):
                self.stdout.write(
                    to_json({"error": {"code": error.code, "message": error.message}})
                )
            raise usage_error(error.message) from None

    # --- eligibility ----------------------------------------------------------------------

    def _eligibility(self, options: dict[str, Any]) -> None:
        today = timezone.localdate()
        parsed = parse_nik(options["nik"], today=today)
        if not parsed.valid:
            raise _Refused(
                "NIK tidak valid: " + " ".join(e.message for e in parsed.errors), code="nik_invalid"
            )
        try:
            person = selectors.person_for_claim(SYSTEM, options["nik"])
        except Http404:
            raise _Refused(
                f"Tidak ada peserta dengan NIK {mask_nik(parsed.nik or '')} di registri.",
                code="person_unknown",
            ) from None
        claim_type = options["claim_type"]
        event_date = _date(options["event_date"], "--event-date")
        kind = "death" if claim_type in ("jkm", "jkk-death") else "accident"
        children = [
            ChildFacts(name=f"Anak ke-{n}", birth_date=event_date, level=level.strip().lower())
            for n, level in enumerate(options["child"], start=1)
        ]
        result, _membership = person_assess(
            person=person,
            claim_type=claim_type,
            event=EventFacts(kind=kind, event_date=event_date),
            today=today,
            children=children,
            params=claim_parameters(),
        )
        data = {
            "nik": mask_nik(person.nik),
            "name": person.name,
            **eligibility_json(result, decided_on=today),
        }
        lines = [
            f"{person.name} ({mask_nik(person.nik)}), {claim_type.upper()} pada {event_date:%d-%m-%Y}: "
            + ("LAYAK" if result.eligible else "TIDAK LAYAK"),
            *(f"- [{r.kind}] {r.message} ({r.rule})" for r in result.reasons),
        ]
        if result.benefit is not None:
            lines += ["", "Manfaat:"]
            lines += [
                f"  {line.item}: {format_rupiah(line.amount)}" for line in result.benefit.lines
            ]
            lines.append(
                f"  Tunai {format_rupiah(result.cash_total)}; beasiswa paling banyak "
                f"{format_rupiah(result.scholarship_total)}"
            )
        self.emit(data, lines, as_json=options["as_json"])

    # --- list and show --------------------------------------------------------------------

    def _list(self, options: dict[str, Any]) -> None:
        region = _region(options["region"])
        claims = list(
            selectors.claim_list(
                user=SYSTEM, region_code=region.code, year=options["year"], status=options["status"]
            )
        )
        data = {
            "region": {"code": region.code, "name": region.name},
            "year": options["year"],
            "status": options["status"],
            "count": len(claims),
            "claims": [_row(c) for c in claims],
        }
        lines = [f"{region.code} {region.name}: {len(claims)} klaim"] + [
            f"  {c.number}  {c.event_date:%d-%m-%Y}  {c.type:<12} {c.get_status_display():<32} "
            f"{c.person.name} ({c.person.masked_nik})  {format_rupiah(c.cash_entitlement)}"
            for c in claims
        ]
        self.emit(data, lines, as_json=options["as_json"])

    def _show(self, options: dict[str, Any]) -> None:
        key = options["claim"].strip()
        try:
            claim = (
                selectors.claim_get_for(SYSTEM, int(key))
                if key.isdigit()
                else selectors.claim_get_by_number(SYSTEM, key)
            )
        except Http404:
            raise _Refused(f"Klaim tidak ditemukan: {key}", code="claim_unknown") from None
        actor = Actor.system(source=Source.CLI, label="cakupan claims show")
        detail = selectors.claim_detail(
            actor=actor,
            pk=claim.pk,
            today=timezone.localdate(),
            params=claim_parameters(),
            purpose="CLI",
        )
        data = claim_json(detail)
        lines = [
            f"Klaim {claim.number}: {claim.get_type_display()}, {claim.get_status_display()}",
            f"Peserta: {claim.person.name} ({claim.person.masked_nik}), {claim.unit.name}",
            f"Peristiwa: {claim.event_date:%d-%m-%Y} di {claim.event_place}: {claim.cause}",
            f"Hak tunai {format_rupiah(claim.cash_entitlement)}; beasiswa paling banyak "
            f"{format_rupiah(claim.scholarship_entitlement)} ({claim.regulation})",
            "Ahli waris:",
            *(
                f"  {h['name']} ({h['relation']}, {h['nik']}) rek. {h['bank_account'] or '-'}"
                for h in data["heirs"]
            ),
            "Pembayaran:",
            *(
                f"  {c['item']}: hak {format_rupiah(c['entitlement'])}, dibayar "
                + (format_rupiah(c["paid_amount"]) if c["paid_amount"] is not None else "-")
                for c in data["components"]
            ),
            *(f"Jam layanan: {line}" for line in detail.clock.explanation),
        ]
        coverage = detail.coverage
        if coverage is not None:
            lines.append(
                f"Kepesertaan diakhiri {coverage.on:%d-%m-%Y} (kematian diverifikasi): "
                + (
                    "; ".join(
                        f"{row['unit']} ({row['segment_label']}, semula "
                        + (
                            f"s.d. {row['previous_end']:%d-%m-%Y}"
                            if row["previous_end"]
                            else "terbuka"
                        )
                        + f", {row['previous_status_label']})"
                        for row in coverage.ended
                    )
                    or "tidak ada yang masih berjalan"
                )
            )
            if coverage.follow_up:
                lines.append(f"TINDAK LANJUT: {coverage.follow_up}")
        self.emit(data, lines, as_json=options["as_json"])

    # --- summary --------------------------------------------------------------------------

    def _summary(self, options: dict[str, Any]) -> None:
        region = _region(options["region"])
        data = summary.claims_summary(
            user=SYSTEM, region=region, year=options["year"], segment=options["segment"]
        )
        self.emit(data, summary.summary_text(data), as_json=options["as_json"])


def _row(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "number": claim.number,
        "type": claim.type,
        "status": claim.status,
        "event_date": claim.event_date,
        "person": {"name": claim.person.name, "nik": claim.person.masked_nik},
        "unit": claim.unit.code,
        "payer": claim.payer.code,
        "region": claim.region_id,
        "segment": claim.segment,
        "cash_entitlement": claim.cash_entitlement,
        "scholarship_entitlement": claim.scholarship_entitlement,
    }


def claim_json(detail: selectors.ClaimDetail) -> dict[str, Any]:
    """A claim as ``claims show --json`` prints it (heirs' NIK and account masked)."""
    claim = detail.claim
    clock = detail.clock
    return {
        **_row(claim),
        "event": {
            "kind": claim.event_kind,
            "date": claim.event_date,
            "place": claim.event_place,
            "cause": claim.cause,
            "at_work": claim.at_work,
            "commuting": claim.commuting,
            "occurred_at": claim.occurred_at,
            "employer_reported_at": claim.employer_reported_at,
        },
        "regulation": claim.regulation,
        "employer_pays_first": claim.employer_pays_first,
        "stage1_report_late": claim.stage1_report_late,
        "eligibility": claim.eligibility,
        "heirs": [
            {
                "name": h.name,
                "relation": h.relation,
                "group": h.group,
                "nik": h.masked_nik,
                "bank_name": h.bank_name,
                "bank_account": h.masked_account,
                "recipient": h.is_recipient,
                "scholarship": h.scholarship,
                "school_level": h.school_level,
            }
            for h in detail.heirs
        ],
        "documents": [
            {"kind": d.kind, "file_name": d.file_name, "sha256": d.file_sha256, "size": d.file_size}
            for d in detail.documents
        ],
        "missing_documents": [i.kind for i in detail.checklist if i.required and not i.count],
        "components": [
            {
                "item": c.item,
                "entitlement": c.entitlement,
                "paid_amount": c.paid_amount,
                "paid_on": c.paid_on,
                "reference": c.reference,
                "differs": c.differs,
                "override_reason": c.override_reason,
            }
            for c in detail.components
        ],
        "instalments": [
            {
                "child": i.child_number,
                "name": i.heir.name,
                "school_year": i.school_year,
                "level": i.level,
                "amount": i.amount,
                "status": i.status,
                "paid_amount": i.paid_amount,
                "paid_on": i.paid_on,
                "stop_reason": i.stop_reason,
            }
            for i in detail.instalments
        ],
        "history": [
            {
                "from": t.from_status,
                "to": t.to_status,
                "at": t.at,
                "by": t.actor_label,
                "note": t.note,
            }
            for t in detail.transitions
        ],
        "clock": clock.as_dict(),
        "coverage_ended": detail.coverage.as_dict() if detail.coverage is not None else None,
        "paid_on": claim.paid_on,
        "rejection_reason": claim.rejection_reason,
    }
