"""The claim's way after the draft, four eyes: draft -> submitted (a reporter) -> verified (an admin
kabupaten or the dinas of the segment; never the submitter) -> filed with BPJS (the BPJS officer
of the branch serving the region) -> approved or rejected (with reason) by BPJS -> paid (per
component, ``claims.payments``).

Each step checks who acts (``claims.permissions``) and the status, writes a
:class:`~cakupan.claims.models.ClaimTransition` and an audit row with the fields before and after.
A step refused changes nothing: :class:`~cakupan.claims.services.ClaimError` (wrong status, not
allowed) before any write. Verifying a death ends the person's coverage on the day of death
(``registry.services.memberships_end_on_death``); a rejection later does not restore it. Approval
turns the stored rules result into the components to pay and each scholarship child's schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, diff, record_change, snapshot
from cakupan.accounts.models import Action
from cakupan.claims import checklist, permissions
from cakupan.claims.models import (
    Claim,
    ClaimComponent,
    ClaimStatus,
    ClaimType,
    Heir,
    ScholarshipInstalment,
)
from cakupan.claims.selectors import school_year_of
from cakupan.claims.services import ClaimError, acting_user, claim_refresh, transition
from cakupan.registry.services import memberships_end_on_death

__all__ = ["claim_approve", "claim_file", "claim_reject", "claim_submit", "claim_verify"]


def _locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("person", "unit").get(pk=claim.pk)


def _require_status(claim: Claim, *statuses: str) -> None:
    if claim.status not in statuses:
        allowed = ", ".join(str(ClaimStatus(s).label) for s in statuses)
        raise ClaimError(
            f"Klaim {claim.number} berstatus {claim.get_status_display()}; tindakan ini hanya "
            f"untuk klaim berstatus: {allowed}.",
            code="claim_wrong_status",
        )


def _require(allowed: bool, message: str, code: str) -> None:
    if not allowed:
        raise ClaimError(message, code=code)


def _step(
    *,
    actor: Actor,
    claim: Claim,
    change: Callable[[Claim], None],
    note: str,
    at: dt.datetime | None,
) -> Claim:
    before_status = claim.status
    before = snapshot(claim, Claim.AUDITED_FIELDS)
    change(claim)
    claim.save()
    old, new = diff(before, snapshot(claim, Claim.AUDITED_FIELDS))
    record_change(
        actor=actor,
        action=Action.UPDATE,
        instance=claim,
        before=old,
        after=new,
        note=f"klaim {claim.number}: {note}"[:300],
    )
    transition(actor=actor, claim=claim, before=before_status, note=note, at=at)
    return claim


@transaction.atomic
def claim_submit(
    *, actor: Actor, claim: Claim, today: dt.date | None = None, at: dt.datetime | None = None
) -> Claim:
    """The reporter hands a complete draft on for verification.

    Refused while a required document is missing (naming them), without an heir for a death, or
    when the claim is no longer eligible (the rules are applied again and the result stored)."""
    claim = _locked(claim)
    user = acting_user(actor)
    _require(
        permissions.may_report(user, claim.unit_id),
        "Anda tidak berwenang mengajukan klaim unit ini.",
        "claim_submit_forbidden",
    )
    _require_status(claim, ClaimStatus.DRAFT)
    absent = checklist.missing(claim)
    if absent:
        raise ClaimError(
            "Dokumen wajib belum lengkap: " + "; ".join(item.label for item in absent) + ".",
            code="documents_missing",
            details={"missing": [item.kind for item in absent]},
        )
    if claim.type != ClaimType.JKK_ACCIDENT:
        heirs = list(claim.heirs.all())
        _require(bool(heirs), "Catat paling sedikit satu ahli waris.", "heirs_missing")
        _require(
            any(h.is_recipient for h in heirs),
            "Tandai ahli waris penerima santunan.",
            "recipient_missing",
        )
    when = at or timezone.now()
    claim_refresh(claim=claim, today=today or timezone.localdate(), require_eligible=True)

    def change(c: Claim) -> None:
        c.status = ClaimStatus.SUBMITTED
        c.submitted_by = actor.user
        c.submitted_at = when

    return _step(actor=actor, claim=claim, change=change, note="diajukan", at=when)


@transaction.atomic
def claim_verify(
    *, actor: Actor, claim: Claim, note: str = "", at: dt.datetime | None = None
) -> Claim:
    """An admin kabupaten (or the dinas of the segment) confirms the claim; never its submitter.

    A death (JKM or JKK death) confirmed here ends the person's covered memberships on the day of
    death (``registry.services.memberships_end_on_death``, audited with before and after): billing
    then no longer bills the months after it. What was ended is kept on the claim
    (``coverage_ended``); a later rejection by BPJS does not restore it (the claim page asks for a
    follow-up instead)."""
    claim = _locked(claim)
    _require_status(claim, ClaimStatus.SUBMITTED)
    user = acting_user(actor)
    if claim.submitted_by_id is not None and claim.submitted_by_id == getattr(user, "pk", None):
        raise ClaimError(
            "Klaim tidak boleh diverifikasi oleh pengajunya sendiri (prinsip empat mata).",
            code="four_eyes",
        )
    _require(
        permissions.may_verify(user, claim),
        "Anda tidak berwenang memverifikasi klaim ini (admin kabupaten atau dinas yang menangani "
        "segmennya).",
        "claim_verify_forbidden",
    )
    when = at or timezone.now()
    ended = _end_coverage(actor, claim) if claim.type in DEATH_TYPES else None

    def change(c: Claim) -> None:
        c.status = ClaimStatus.VERIFIED
        c.verified_by = actor.user
        c.verified_at = when
        if ended is not None:
            c.coverage_ended = ended

    return _step(actor=actor, claim=claim, change=change, note=note or "diverifikasi", at=when)


#: Claim types whose verification ends the person's coverage on the day of death.
DEATH_TYPES = (ClaimType.JKM, ClaimType.JKK_DEATH)


def _end_coverage(actor: Actor, claim: Claim) -> dict[str, Any]:
    """A verified death (two people have now confirmed it) ends every covered membership of the
    person on the day of death, in the registry, audited there; returns what the claim keeps."""
    result = memberships_end_on_death(
        actor=actor,
        person=claim.person,
        died_on=claim.event_date,
        note=f"klaim {claim.number} diverifikasi",
    )
    return {
        "on": result.died_on.isoformat(),
        "ended": [
            {
                "membership": e.membership.pk,
                "unit": e.membership.unit.name,
                "segment": e.membership.segment,
                "start": e.membership.start_date.isoformat(),
                "previous_end": e.previous_end.isoformat() if e.previous_end else None,
                "previous_status": e.previous_status,
            }
            for e in result.ended
        ],
        "later": [
            {"membership": m.pk, "unit": m.unit.name, "start": m.start_date.isoformat()}
            for m in result.later
        ],
    }


def _require_bpjs(actor: Actor, claim: Claim) -> None:
    _require(
        permissions.may_act_for_bpjs(acting_user(actor), claim),
        "Hanya petugas BPJS Ketenagakerjaan kantor cabang yang melayani wilayah klaim ini.",
        "claim_bpjs_forbidden",
    )


@transaction.atomic
def claim_file(*, actor: Actor, claim: Claim, on: dt.date | None = None) -> Claim:
    """BPJS receives the complete claim: the payment clock starts on ``on`` (today)."""
    claim = _locked(claim)
    _require_status(claim, ClaimStatus.VERIFIED)
    _require_bpjs(actor, claim)
    day = on or timezone.localdate()

    def change(c: Claim) -> None:
        c.status = ClaimStatus.FILED
        c.filed_by = actor.user
        c.filed_on = day

    return _step(actor=actor, claim=claim, change=change, note="diterima BPJS", at=_at(on))


def _at(on: dt.date | None) -> dt.datetime | None:
    if on is None:
        return None
    return timezone.make_aware(dt.datetime.combine(on, dt.time(10, 0)))


@transaction.atomic
def claim_approve(*, actor: Actor, claim: Claim, on: dt.date | None = None) -> Claim:
    """BPJS approves: one component per cash line of the stored rules result and a schedule of
    instalments per scholarship child."""
    claim = _locked(claim)
    _require_status(claim, ClaimStatus.FILED)
    _require_bpjs(actor, claim)
    day = on or timezone.localdate()
    _components_and_schedule(claim)

    def change(c: Claim) -> None:
        c.status = ClaimStatus.APPROVED
        c.decided_by = actor.user
        c.decided_on = day

    return _step(actor=actor, claim=claim, change=change, note="disetujui", at=_at(on))


@transaction.atomic
def claim_reject(*, actor: Actor, claim: Claim, reason: str, on: dt.date | None = None) -> Claim:
    """BPJS rejects, with the reason (required). Memberships a verified death ended stay ended:
    the history note says so, and the claim page shows the follow-up."""
    claim = _locked(claim)
    _require_status(claim, ClaimStatus.FILED)
    _require_bpjs(actor, claim)
    text = " ".join(reason.split())
    _require(bool(text), "Alasan penolakan wajib diisi.", "rejection_reason_required")
    day = on or timezone.localdate()

    def change(c: Claim) -> None:
        c.status = ClaimStatus.REJECTED
        c.decided_by = actor.user
        c.decided_on = day
        c.rejection_reason = text[:500]

    note = f"ditolak: {text}"
    if claim.coverage_ended.get("ended"):
        note += "; kepesertaan yang diakhiri saat verifikasi tidak dipulihkan otomatis"
    return _step(actor=actor, claim=claim, change=change, note=note, at=_at(on))


def _components_and_schedule(claim: Claim) -> None:
    benefit: dict[str, Any] = claim.eligibility.get("benefit") or {}
    position = 0
    for line in benefit.get("lines", []):
        if str(line["item"]).startswith("Beasiswa"):
            continue
        position += 1
        ClaimComponent.objects.create(
            claim=claim,
            position=position,
            item=line["item"][:150],
            source=(line.get("source") or "")[:200],
            entitlement=line["amount"],
        )
    counted = [c for c in claim.eligibility.get("children", []) if c.get("counted")]
    first_school_year = school_year_of(claim.event_date)
    heirs = {h.pk: h for h in Heir.objects.filter(claim=claim, pk__in=[c["heir"] for c in counted])}
    for entry in benefit.get("schedule", []):
        child = counted[entry["child"] - 1] if entry["child"] <= len(counted) else None
        heir = heirs.get(child["heir"]) if child else None
        if heir is None:
            continue
        ScholarshipInstalment.objects.create(
            claim=claim,
            heir=heir,
            child_number=entry["child"],
            # The rules count years from the event's calendar year; the first instalment is the
            # school year the event falls in (July to June), the next ones follow it.
            year=first_school_year + entry["year"] - claim.event_date.year,
            level=entry["level"],
            amount=entry["amount"],
        )
