"""Writing claims: the report, heirs and documents of a draft. Keyword-only, transactional, audited.

The workflow after the draft (submit, verify, file, decide) is in ``claims.workflow``; payments and
scholarship instalments in ``claims.payments``. Every refusal is a :class:`ClaimError` with a
stable code and an Indonesian message naming its rule, raised before anything is written (or
rolling the transaction back).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor, diff, record_change, snapshot
from cakupan.accounts.models import Action
from cakupan.claims import permissions
from cakupan.claims.assessment import claim_parameters, eligibility_json, payer_of, person_assess
from cakupan.claims.models import (
    HEIR_GROUP,
    Claim,
    ClaimDocument,
    ClaimStatus,
    ClaimTransition,
    DocumentKind,
    EventKind,
    Heir,
    HeirRelation,
    SchoolLevel,
)
from cakupan.claims.selectors import person_for_claim
from cakupan.claims.storage import DocumentRefused, store_document
from cakupan.common.errors import DomainError
from cakupan.common.nik import parse_nik
from cakupan.common.pii import nik_digest
from cakupan.registry.models import Person
from cakupan.rules.eligibility import RULE_CAUSE, ChildFacts, EventFacts, claim_type_for
from cakupan.rules.errors import RulesError
from cakupan.rules.params import Parameters
from cakupan.wilayah.selectors import region_names

__all__ = [
    "ClaimError",
    "EventInput",
    "HeirInput",
    "claim_refresh",
    "claim_report",
    "document_remove",
    "document_upload",
    "heir_add",
    "heir_remove",
    "heir_update",
]


class ClaimError(DomainError):
    code = "claim_refused"


def acting_user(actor: Actor) -> Any:
    """The user whose rights apply: the actor's, or the CLI/system (unrestricted)."""
    return actor.user if actor.user is not None else SYSTEM


def transition(
    *,
    actor: Actor,
    claim: Claim,
    before: str,
    note: str = "",
    at: dt.datetime | None = None,
) -> None:
    """Record a status change from ``before`` to the claim's (saved) status: the history row and
    the audit row with before/after."""
    ClaimTransition.objects.create(
        claim=claim,
        from_status=before,
        to_status=claim.status,
        actor=actor.user,
        actor_label=actor.name,
        at=at or timezone.now(),
        note=note[:500],
    )


@dataclass(frozen=True)
class EventInput:
    """What the reporter knows of the event. ``at_work``: at the workplace or while working;
    ``commuting``: on the way to or from work. An occupational disease is work-related."""

    kind: str
    event_date: dt.date
    place: str
    cause: str
    at_work: bool = False
    commuting: bool = False
    occurred_at: dt.datetime | None = None
    employer_reported_at: dt.datetime | None = None
    stmb_days: int | None = None
    disability_percent: Decimal | None = None
    total_disability: bool = False

    @property
    def work_related(self) -> bool:
        return self.at_work or self.commuting or self.kind == EventKind.DISEASE


def _event_facts(event: EventInput) -> EventFacts:
    return EventFacts(
        kind=event.kind,
        event_date=event.event_date,
        work_related=event.work_related,
        occurred_at=event.occurred_at,
        employer_reported_at=event.employer_reported_at,
        stmb_days=event.stmb_days,
        disability_percent=event.disability_percent,
        total_disability=event.total_disability,
    )


def _claim_event(claim: Claim) -> EventInput:
    return EventInput(
        kind=claim.event_kind,
        event_date=claim.event_date,
        place=claim.event_place,
        cause=claim.cause,
        at_work=claim.at_work,
        commuting=claim.commuting,
        occurred_at=claim.occurred_at,
        employer_reported_at=claim.employer_reported_at,
        stmb_days=claim.stmb_days,
        disability_percent=claim.disability_percent,
        total_disability=claim.total_disability,
    )


def _children(heirs: list[Heir]) -> tuple[list[ChildFacts], list[dict[str, Any]]]:
    kids = [h for h in heirs if h.scholarship]
    facts = [
        ChildFacts(
            name=h.name,
            birth_date=h.birth_date,
            level=h.school_level,
            married=h.married,
            working=h.working,
        )
        for h in kids
    ]
    listed = [{"heir": h.pk, "name": h.name, "level": h.school_level} for h in kids]
    return facts, listed


def _decide(
    *,
    person: Person,
    event: EventInput,
    heirs: list[Heir],
    today: dt.date,
    params: Parameters,
) -> tuple[Any, Any, dict[str, Any]]:
    """The rules result for ``event`` (refusals as :class:`ClaimError`)."""
    if event.kind == EventKind.ACCIDENT and not (event.at_work or event.commuting):
        raise ClaimError(
            "Kecelakaan yang tidak terjadi saat bekerja atau dalam perjalanan pergi/pulang kerja "
            f"bukan kecelakaan kerja ({RULE_CAUSE}).",
            code="not_work_related",
        )
    facts, listed = _children(heirs)
    claim_type = claim_type_for(event.kind, event.work_related)
    try:
        result, membership = person_assess(
            person=person,
            claim_type=claim_type,
            event=_event_facts(event),
            today=today,
            children=facts,
            params=params,
        )
    except RulesError as error:
        raise ClaimError(error.message, code=error.code) from None
    counted = set(result.scholarship_children)
    for i, child in enumerate(listed, start=1):
        child["counted"] = i in counted
    data = eligibility_json(result, decided_on=today, children=listed)
    return result, membership, data


def _refuse_ineligible(result: Any) -> None:
    refusal = result.refusal()
    if refusal is not None:
        raise ClaimError(f"{refusal.message} ({refusal.rule})", code=refusal.code)


def _check_text(event: EventInput) -> None:
    if not event.place.strip() or not event.cause.strip():
        raise ClaimError("Tempat dan penyebab peristiwa wajib diisi.", code="event_incomplete")
    if event.kind not in EventKind.values:
        raise ClaimError(f"Jenis peristiwa tidak dikenal: {event.kind}.", code="event_kind_invalid")


@transaction.atomic
def claim_report(
    *,
    actor: Actor,
    nik: str,
    event: EventInput,
    today: dt.date | None = None,
    at: dt.datetime | None = None,
) -> Claim:
    """Report an event of the person with ``nik``: a draft claim with the rules result.

    ``Http404`` when the person is unknown or outside the actor's scope; ``PermissionDenied`` when
    the actor may not report for the covering membership's unit; :class:`ClaimError` for a bad NIK,
    a duplicate death (naming the existing claim), a future event, an event before the membership,
    no covered membership on the date (listing the person's periods), an accident outside work.
    """
    user = acting_user(actor)
    today = today or timezone.localdate()
    parsed = parse_nik(nik, region_names=region_names, today=today)
    if not parsed.valid:
        raise ClaimError(
            "NIK tidak valid: " + " ".join(e.message for e in parsed.errors), code="nik_invalid"
        )
    person = person_for_claim(user, nik)
    _check_text(event)
    if event.kind == EventKind.DEATH:
        existing = (
            Claim.objects.filter(person=person, event_kind=EventKind.DEATH)
            .exclude(status=ClaimStatus.REJECTED)
            .first()
        )
        if existing is not None:
            raise ClaimError(
                f"Kematian {person.name} sudah dilaporkan: klaim {existing.number} "
                f"({existing.get_status_display()}). Satu kematian hanya satu klaim.",
                code="duplicate_death",
                details={"claim": existing.number},
            )
    result, membership, data = _decide(
        person=person, event=event, heirs=[], today=today, params=claim_parameters()
    )
    _refuse_ineligible(result)
    assert membership is not None
    if not permissions.may_report(user, membership.unit_id):
        raise PermissionDenied
    unit = membership.unit
    claim = Claim(
        number=f"tmp-{timezone.now().timestamp()}",
        person=person,
        membership=membership,
        unit=unit,
        payer=payer_of(unit),
        region_id=unit.region_id,
        segment=membership.segment,
        type=result.claim_type,
        event_kind=event.kind,
        event_date=event.event_date,
        event_place=event.place.strip(),
        cause=event.cause.strip(),
        at_work=event.at_work,
        commuting=event.commuting,
        occurred_at=event.occurred_at,
        employer_reported_at=event.employer_reported_at,
        stmb_days=event.stmb_days,
        disability_percent=event.disability_percent,
        total_disability=event.total_disability,
        reported_by=actor.user,
        reported_at=at or timezone.now(),
    )
    _apply(claim, result, data)
    try:
        with transaction.atomic():
            claim.save()
    except IntegrityError:
        existing = Claim.objects.filter(person=person, event_kind=EventKind.DEATH).first()
        raise ClaimError(
            f"Kematian {person.name} sudah dilaporkan"
            + (f": klaim {existing.number}." if existing else "."),
            code="duplicate_death",
        ) from None
    claim.number = f"KL-{unit.region_id[:5].replace('.', '')}-{claim.pk:06d}"
    claim.save(update_fields=["number"])
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=claim,
        before=None,
        after={"number": claim.number, **snapshot(claim, Claim.AUDITED_FIELDS)},
        note=f"laporan {claim.get_event_kind_display()} NIK {person.masked_nik}",
    )
    transition(actor=actor, claim=claim, before="", note="dilaporkan", at=at)
    return claim


def _apply(claim: Claim, result: Any, data: dict[str, Any]) -> None:
    claim.eligibility = data
    claim.regulation = result.regulation
    claim.cash_entitlement = result.cash_total
    claim.scholarship_entitlement = result.scholarship_total
    claim.employer_pays_first = result.employer_pays_first
    claim.stage1_report_late = any(
        r.code in ("stage1_report_late", "stage1_report_missing") for r in result.reasons
    )


def claim_refresh(*, claim: Claim, today: dt.date, require_eligible: bool = False) -> Any:
    """Decide the claim again with its heirs (draft only) and store the result. Returns it."""
    person = claim.person
    result, membership, data = _decide(
        person=person,
        event=_claim_event(claim),
        heirs=list(claim.heirs.order_by("id")),
        today=today,
        params=claim_parameters(),
    )
    if require_eligible:
        _refuse_ineligible(result)
    _apply(claim, result, data)
    if membership is not None and membership.pk != claim.membership_id:
        claim.membership = membership
    claim.save()
    return result


# --- heirs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeirInput:
    nik: str
    name: str
    relation: str
    birth_date: dt.date
    phone: str = ""
    bank_name: str = ""
    bank_account: str = ""
    account_holder: str = ""
    is_recipient: bool = False
    scholarship: bool = False
    school_level: str = ""
    school_class: int | None = None
    school_name: str = ""
    married: bool = False
    working: bool = False


def _require_edit(actor: Actor, claim: Claim) -> None:
    user = acting_user(actor)
    if not permissions.may_report(user, claim.unit_id):
        raise PermissionDenied
    if claim.status != ClaimStatus.DRAFT:
        raise ClaimError(
            f"Klaim {claim.number} berstatus {claim.get_status_display()}: ahli waris dan dokumen "
            "hanya dapat diubah selama draf.",
            code="claim_not_draft",
        )


def _clean_heir(
    claim: Claim, data: HeirInput, *, today: dt.date, exclude: int | None
) -> dict[str, Any]:
    parsed = parse_nik(data.nik, birth_date=data.birth_date, region_names=region_names, today=today)
    if not parsed.valid:
        raise ClaimError(
            "NIK ahli waris tidak valid: " + " ".join(e.message for e in parsed.errors),
            code="heir_nik_invalid",
        )
    nik = parsed.nik
    assert nik is not None
    if nik == claim.person.nik:
        raise ClaimError(
            "NIK ahli waris sama dengan NIK peserta yang meninggal/mengalami kecelakaan.",
            code="heir_nik_is_participant",
        )
    others = claim.heirs.filter(nik=nik)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.exists():
        raise ClaimError(
            "NIK ini sudah tercatat sebagai ahli waris klaim ini.", code="heir_duplicate"
        )
    name = " ".join(data.name.split())
    if not name:
        raise ClaimError("Nama ahli waris wajib diisi.", code="heir_name_required")
    if data.relation not in HeirRelation.values:
        raise ClaimError(f"Hubungan tidak dikenal: {data.relation}.", code="heir_relation_invalid")
    account = "".join(data.bank_account.split()).replace("-", "").replace(".", "")
    if account and not (account.isdigit() and 5 <= len(account) <= 30):
        raise ClaimError("Nomor rekening harus 5-30 digit angka.", code="heir_account_invalid")
    if data.scholarship:
        if data.relation != HeirRelation.CHILD:
            raise ClaimError(
                "Beasiswa hanya untuk anak peserta (PP 82/2019).", code="scholarship_not_child"
            )
        if data.school_level not in SchoolLevel.values:
            raise ClaimError(
                "Sebutkan jenjang sekolah anak (TK, SD, SMP, SMA, PT) untuk beasiswa.",
                code="scholarship_level_required",
            )
    if data.birth_date > today:
        raise ClaimError("Tanggal lahir ahli waris sesudah hari ini.", code="heir_birth_future")
    values = asdict(data)
    values.update(
        nik=nik,
        name=name,
        bank_account=account,
        group=HEIR_GROUP[HeirRelation(data.relation)],
        school_level=data.school_level if data.scholarship or data.school_level else "",
        phone=data.phone.strip(),
        bank_name=data.bank_name.strip(),
        account_holder=" ".join(data.account_holder.split()),
        school_name=data.school_name.strip(),
    )
    return values


def _one_recipient(claim: Claim, heir: Heir) -> None:
    if heir.is_recipient:
        claim.heirs.exclude(pk=heir.pk).filter(is_recipient=True).update(is_recipient=False)


@transaction.atomic
def heir_add(*, actor: Actor, claim: Claim, data: HeirInput, today: dt.date | None = None) -> Heir:
    """Add an heir to a draft claim and decide the claim again (scholarship children count).

    Refused: an invalid NIK (``common.nik`` rules, cross-checked with the birth date), the
    participant's own NIK, a NIK already listed, a third scholarship child (``rules``)."""
    today = today or timezone.localdate()
    claim = Claim.objects.select_for_update().select_related("person").get(pk=claim.pk)
    _require_edit(actor, claim)
    heir = Heir.objects.create(claim=claim, **_clean_heir(claim, data, today=today, exclude=None))
    _one_recipient(claim, heir)
    claim_refresh(claim=claim, today=today)
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=heir,
        before=None,
        after=_heir_snapshot(heir),
        note=f"ahli waris klaim {claim.number}",
    )
    return heir


def _heir_snapshot(heir: Heir) -> dict[str, Any]:
    """The audited fields of an heir, with what is encrypted at rest kept out of the audit log:
    the bank account as its last four digits, the school as a digest that shows a change."""
    values = snapshot(heir, Heir.AUDITED_FIELDS)
    values["bank_account"] = heir.masked_account
    if heir.school_name:
        values["school_name"] = "disandikan#" + nik_digest(heir.school_name)
    return values


@transaction.atomic
def heir_update(*, actor: Actor, heir: Heir, data: HeirInput, today: dt.date | None = None) -> Heir:
    today = today or timezone.localdate()
    claim = Claim.objects.select_for_update().select_related("person").get(pk=heir.claim_id)
    _require_edit(actor, claim)
    heir = Heir.objects.get(pk=heir.pk)
    before = _heir_snapshot(heir)
    for name, value in _clean_heir(claim, data, today=today, exclude=heir.pk).items():
        setattr(heir, name, value)
    heir.save()
    _one_recipient(claim, heir)
    claim_refresh(claim=claim, today=today)
    old, new = diff(before, _heir_snapshot(heir))
    if new:
        record_change(
            actor=actor, action=Action.UPDATE, instance=heir, before=old, after=new,
            note=f"ahli waris klaim {claim.number}",
        )  # fmt: skip
    return heir


@transaction.atomic
def heir_remove(*, actor: Actor, heir: Heir, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    claim = Claim.objects.select_for_update().select_related("person").get(pk=heir.claim_id)
    _require_edit(actor, claim)
    before = _heir_snapshot(heir)
    record_change(
        actor=actor, action=Action.DELETE, instance=heir, before=before, after=None,
        note=f"ahli waris klaim {claim.number}",
    )  # fmt: skip
    heir.delete()
    claim_refresh(claim=claim, today=today)


# --- documents ------------------------------------------------------------------------------


@transaction.atomic
def document_upload(
    *,
    actor: Actor,
    claim: Claim,
    kind: str,
    data: bytes,
    file_name: str,
    heir: Heir | None = None,
) -> ClaimDocument:
    """Store a document of a draft claim (proof of enrolment: also later, see ``payments``)."""
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if kind != DocumentKind.BUKTI_SEKOLAH:
        _require_edit(actor, claim)
    elif not permissions.may_report(acting_user(actor), claim.unit_id):
        raise PermissionDenied
    if kind not in DocumentKind.values:
        raise ClaimError(f"Jenis dokumen tidak dikenal: {kind}.", code="document_kind_invalid")
    if heir is not None and heir.claim_id != claim.pk:
        raise ClaimError("Ahli waris bukan dari klaim ini.", code="document_heir_invalid")
    try:
        stored = store_document(data)
    except DocumentRefused as error:
        raise ClaimError(error.message, code=error.code) from None
    document = ClaimDocument.objects.create(
        claim=claim,
        kind=kind,
        heir=heir,
        file_name=(file_name or "berkas")[-255:],
        file_path=stored.path,
        file_sha256=stored.sha256,
        file_size=stored.size,
        content_type=stored.content_type,
        uploaded_by=actor.user,
    )
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=document,
        before=None,
        after={
            "claim": claim.pk,
            "kind": kind,
            "file_sha256": stored.sha256,
            "file_size": stored.size,
            "content_type": stored.content_type,
        },
        note=f"dokumen klaim {claim.number}",
    )
    return document


@transaction.atomic
def document_remove(*, actor: Actor, document: ClaimDocument) -> None:
    claim = Claim.objects.select_for_update().get(pk=document.claim_id)
    _require_edit(actor, claim)
    record_change(
        actor=actor,
        action=Action.DELETE,
        instance=document,
        before={"kind": document.kind, "file_sha256": document.file_sha256},
        after=None,
        note=f"dokumen klaim {claim.number}",
    )
    document.delete()
