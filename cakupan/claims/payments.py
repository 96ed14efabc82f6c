"""Money out: the components of an approved claim, and scholarship instalments year by year.

* A component is paid once with amount, date and reference by BPJS (``claims.permissions``). An
  amount above the entitlement needs a reason (``override_reason``); any difference is kept and
  shown with both figures. When every component is paid the claim becomes ``paid``.
* An instalment needs proof of enrolment for its school year (a stored document, school and class)
  before it is paid. It is refused, and the child's remaining instalments are to be stopped, when
  the child is above the age limit at the start of that school year.
* A stop (age limit, marriage, work, dropping out) ends every instalment not yet paid, with the
  reason and the date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, diff, record_change, snapshot
from cakupan.accounts.models import Action
from cakupan.claims import permissions
from cakupan.claims.assessment import claim_parameters
from cakupan.claims.models import (
    Claim,
    ClaimComponent,
    ClaimDocument,
    ClaimStatus,
    DocumentKind,
    Heir,
    InstalmentStatus,
    ScholarshipInstalment,
    StopReason,
)
from cakupan.claims.services import ClaimError, acting_user, transition
from cakupan.common.money import format_rupiah

__all__ = ["component_pay", "instalment_enrol", "instalment_pay", "scholarship_stop"]

_COMPONENT_FIELDS = ("paid_amount", "paid_on", "reference", "override_reason", "paid_by")
_INSTALMENT_FIELDS = (
    "status",
    "proof",
    "school_name",
    "school_class",
    "enrolled_on",
    "paid_amount",
    "paid_on",
    "reference",
    "override_reason",
    "stop_reason",
    "stop_note",
    "stopped_on",
)


def _check_amount(amount: Decimal, entitled: Decimal, reason: str, what: str) -> None:
    if amount < 0 or amount != amount.to_integral_value():
        raise ClaimError("Jumlah bayar harus rupiah utuh, tidak negatif.", code="amount_invalid")
    if amount > entitled and not reason.strip():
        raise ClaimError(
            f"Dibayar {format_rupiah(amount)} melebihi hak {what} {format_rupiah(entitled)}: isi "
            "alasan selisih bila pembayaran ini memang benar.",
            code="payment_above_entitlement",
        )


@transaction.atomic
def component_pay(
    *,
    actor: Actor,
    component: ClaimComponent,
    amount: Decimal,
    paid_on: dt.date,
    reference: str,
    override_reason: str = "",
) -> ClaimComponent:
    """Record the payment of one component of an approved claim (see the module docstring)."""
    claim = Claim.objects.select_for_update().get(pk=component.claim_id)
    if not permissions.may_act_for_bpjs(acting_user(actor), claim):
        raise ClaimError(
            "Hanya petugas BPJS Ketenagakerjaan kantor cabang yang melayani wilayah klaim ini.",
            code="claim_bpjs_forbidden",
        )
    if claim.status != ClaimStatus.APPROVED:
        raise ClaimError(
            f"Klaim {claim.number} berstatus {claim.get_status_display()}: pembayaran hanya untuk "
            "klaim yang disetujui.",
            code="claim_wrong_status",
        )
    component = ClaimComponent.objects.select_for_update().get(pk=component.pk)
    if component.paid_on is not None:
        raise ClaimError(f"{component.item} sudah dibayar.", code="component_already_paid")
    if not reference.strip():
        raise ClaimError("Referensi pembayaran wajib diisi.", code="reference_required")
    if paid_on > timezone.localdate():
        raise ClaimError("Tanggal bayar sesudah hari ini.", code="paid_on_future")
    _check_amount(amount, component.entitlement, override_reason, component.item)
    before = snapshot(component, _COMPONENT_FIELDS)
    component.paid_amount = amount
    component.paid_on = paid_on
    component.reference = reference.strip()[:100]
    component.override_reason = override_reason.strip()[:300]
    component.paid_by = actor.user
    component.save()
    old, new = diff(before, snapshot(component, _COMPONENT_FIELDS))
    note = f"pembayaran klaim {claim.number}: {component.item}"
    if component.differs:
        note += (
            f"; dibayar {format_rupiah(amount)} berbeda dari hak "
            f"{format_rupiah(component.entitlement)}"
        )
    record_change(
        actor=actor, action=Action.UPDATE, instance=component, before=old, after=new, note=note
    )
    if not claim.components.filter(paid_on__isnull=True).exists():
        before_status = claim.status
        claim_before = snapshot(claim, Claim.AUDITED_FIELDS)
        claim.status = ClaimStatus.PAID
        claim.paid_on = max(c.paid_on for c in claim.components.all() if c.paid_on)
        claim.save()
        old, new = diff(claim_before, snapshot(claim, Claim.AUDITED_FIELDS))
        record_change(
            actor=actor, action=Action.UPDATE, instance=claim, before=old, after=new,
            note=f"klaim {claim.number} lunas",
        )  # fmt: skip
        transition(
            actor=actor,
            claim=claim,
            before=before_status,
            note="dibayar",
            # Paid today: now; recorded later for an earlier day: that afternoon.
            at=None
            if claim.paid_on == timezone.localdate()
            else timezone.make_aware(dt.datetime.combine(claim.paid_on, dt.time(14, 0))),
        )
    return component


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _locked_instalment(instalment: ScholarshipInstalment) -> tuple[Claim, ScholarshipInstalment]:
    claim = Claim.objects.select_for_update().get(pk=instalment.claim_id)
    row = (
        ScholarshipInstalment.objects.select_for_update()
        .select_related("heir")
        .get(pk=instalment.pk)
    )
    if claim.status not in (ClaimStatus.APPROVED, ClaimStatus.PAID):
        raise ClaimError(
            f"Klaim {claim.number} belum disetujui BPJS: beasiswa belum dapat diproses.",
            code="claim_wrong_status",
        )
    return claim, row


def _audit(actor: Actor, row: ScholarshipInstalment, before: dict[str, object], note: str) -> None:
    old, new = diff(before, snapshot(row, _INSTALMENT_FIELDS))
    record_change(actor=actor, action=Action.UPDATE, instance=row, before=old, after=new, note=note)


def _age_limit(row: ScholarshipInstalment, claim: Claim) -> None:
    start = dt.date(row.year, 7, 1)
    entry = claim_parameters().find("scholarship.max_age", max(claim.event_date, start))
    if entry is None:
        return
    age = _age_on(row.heir.birth_date, start)
    if age > entry.value:
        raise ClaimError(
            f"{row.heir.name} berusia {age} tahun pada awal tahun ajaran {row.school_year}, melewati "
            f"batas {entry.value} tahun ({entry.regulation}): hentikan beasiswanya dengan alasan "
            "usia.",
            code="scholarship_age_limit",
        )


@transaction.atomic
def instalment_enrol(
    *,
    actor: Actor,
    instalment: ScholarshipInstalment,
    proof: ClaimDocument,
    school_name: str,
    school_class: int | None,
    on: dt.date | None = None,
) -> ScholarshipInstalment:
    """Record proof of enrolment for the instalment's school year."""
    claim, row = _locked_instalment(instalment)
    if not permissions.may_handle_instalments(acting_user(actor), claim):
        raise PermissionDenied
    if row.status != InstalmentStatus.SCHEDULED:
        raise ClaimError(
            f"Beasiswa {row.heir.name} {row.school_year} berstatus {row.get_status_display()}.",
            code="instalment_wrong_status",
        )
    if proof.claim_id != claim.pk or proof.kind != DocumentKind.BUKTI_SEKOLAH:
        raise ClaimError(
            "Bukti sekolah harus dokumen 'Bukti terdaftar sebagai siswa/mahasiswa' klaim ini.",
            code="proof_invalid",
        )
    if not school_name.strip():
        raise ClaimError("Nama sekolah wajib diisi.", code="school_required")
    _age_limit(row, claim)
    before = snapshot(row, _INSTALMENT_FIELDS)
    row.status = InstalmentStatus.ENROLLED
    row.proof = proof
    row.school_name = school_name.strip()[:150]
    row.school_class = school_class
    row.enrolled_on = on or timezone.localdate()
    row.save()
    _audit(actor, row, before, f"bukti sekolah beasiswa klaim {claim.number} {row.school_year}")
    return row


@transaction.atomic
def instalment_pay(
    *,
    actor: Actor,
    instalment: ScholarshipInstalment,
    amount: Decimal,
    paid_on: dt.date,
    reference: str,
    override_reason: str = "",
) -> ScholarshipInstalment:
    """Pay an instalment whose proof of enrolment was received (BPJS)."""
    claim, row = _locked_instalment(instalment)
    if not permissions.may_act_for_bpjs(acting_user(actor), claim):
        raise ClaimError(
            "Hanya petugas BPJS Ketenagakerjaan kantor cabang yang melayani wilayah klaim ini.",
            code="claim_bpjs_forbidden",
        )
    if row.status != InstalmentStatus.ENROLLED:
        raise ClaimError(
            f"Beasiswa {row.heir.name} {row.school_year}: bukti sekolah belum diterima "
            f"(status {row.get_status_display()}).",
            code="instalment_not_enrolled",
        )
    if not reference.strip():
        raise ClaimError("Referensi pembayaran wajib diisi.", code="reference_required")
    if paid_on > timezone.localdate():
        raise ClaimError("Tanggal bayar sesudah hari ini.", code="paid_on_future")
    _check_amount(amount, row.amount, override_reason, f"beasiswa {row.school_year}")
    before = snapshot(row, _INSTALMENT_FIELDS)
    row.status = InstalmentStatus.PAID
    row.paid_amount = amount
    row.paid_on = paid_on
    row.reference = reference.strip()[:100]
    row.override_reason = override_reason.strip()[:300]
    row.save()
    _audit(actor, row, before, f"pembayaran beasiswa klaim {claim.number} {row.school_year}")
    return row


@transaction.atomic
def scholarship_stop(
    *, actor: Actor, heir: Heir, reason: str, note: str = "", on: dt.date | None = None
) -> int:
    """Stop a child's scholarship: every instalment not yet paid is stopped with the reason.
    Returns how many were stopped."""
    claim = Claim.objects.select_for_update().get(pk=heir.claim_id)
    if not permissions.may_handle_instalments(acting_user(actor), claim) and not (
        permissions.may_act_for_bpjs(acting_user(actor), claim)
    ):
        raise PermissionDenied
    if reason not in StopReason.values:
        raise ClaimError(
            "Alasan berhenti: usia, menikah, bekerja atau putus sekolah.",
            code="stop_reason_invalid",
        )
    day = on or timezone.localdate()
    rows = list(
        ScholarshipInstalment.objects.select_for_update()
        .filter(heir=heir, status__in=[InstalmentStatus.SCHEDULED, InstalmentStatus.ENROLLED])
        .order_by("year")
    )
    if not rows:
        raise ClaimError(
            f"Tidak ada beasiswa {heir.name} yang masih berjalan.", code="nothing_to_stop"
        )
    for row in rows:
        before = snapshot(row, _INSTALMENT_FIELDS)
        row.status = InstalmentStatus.STOPPED
        row.stop_reason = reason
        row.stop_note = note.strip()[:300]
        row.stopped_on = day
        row.save()
        _audit(
            actor,
            row,
            before,
            f"beasiswa {heir.name} klaim {claim.number} dihentikan: {StopReason(reason).label}",
        )
    return len(rows)
