"""Claims, read only: the list, a claim, the claims past their payment deadline and the
scholarship instalments due.

Scoped as the web (``claims.selectors``: ``claim_list``, ``claim_detail``, ``overdue_claims``,
``instalments_due``; a claim outside the token user's scope is 404) and logged as the web logs
them: a list page through ``selectors.list_view_record`` with the people it named, a claim by
``selectors.claim_detail`` (the person and the heirs), the instalments with the children shown.
NIKs are masked for the roles that see them masked on the web (``full_data_visible``); the heirs'
NIKs, phones and bank accounts are not given at all (the web shows them only on the claim page,
to the roles that handle the claim).

Reporting a claim and moving it through its workflow need documents, heirs and checks that the
web's forms lead a person through; they are not in the API (yet).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cakupan.accounts.audit import record_access
from cakupan.accounts.models import Action
from cakupan.api.auth import api_actor, api_user
from cakupan.api.pagination import page_of
from cakupan.api.routers.regions import region_filter_code
from cakupan.claims import selectors
from cakupan.claims.assessment import claim_parameters
from cakupan.claims.clock import Clock
from cakupan.claims.models import Claim, ClaimStatus, ClaimType
from cakupan.common.nik import mask_nik
from cakupan.registry.models import Person
from cakupan.registry.selectors import full_data_annotation, full_data_visible

router = Router(tags=["klaim"])

DEFAULT_PAGE_SIZE = 100
ClaimStatusCode = Literal[tuple(ClaimStatus.values)]  # type: ignore[valid-type]
ClaimTypeCode = Literal[tuple(ClaimType.values)]  # type: ignore[valid-type]
Money = int


# --- schemas ------------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    code: str
    name: str


class ClaimOut(Schema):
    id: int
    number: str
    type: ClaimTypeCode  # type: ignore[valid-type]
    status: ClaimStatusCode  # type: ignore[valid-type]
    event_kind: str
    event_date: dt.date
    person_id: int
    person_name: str
    person_nik: str
    masked: bool = Field(description="NIK tersamar untuk peran ini")
    unit: UnitRef
    region_code: str
    segment: str
    cash_entitlement: Money
    scholarship_entitlement: Money
    filed_on: dt.date | None


class ClaimPage(Schema):
    items: list[ClaimOut]
    next_cursor: str | None


class ClaimFilters(Schema):
    status: ClaimStatusCode | None = None  # type: ignore[valid-type]
    type: ClaimTypeCode | None = None  # type: ignore[valid-type]
    year: int | None = Field(None, ge=1990, le=2100, description="tahun peristiwa")
    region: str | None = Field(
        None, max_length=20, description="wilayah peristiwa (dan di bawahnya)"
    )
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=settings.API_PAGE_SIZE_MAX)
    cursor: str | None = Field(None, max_length=200)


class ClockOut(Schema):
    deadline: dt.date | None = Field(description="batas bayar BPJS")
    working_days: int | None
    days_late: int
    overdue: bool
    paid_late: bool
    penalty: Money = Field(description="denda keterlambatan JKK sampai hari ini (Rp)")
    source: str
    explanation: list[str]


class HeirOut(Schema):
    id: int
    name: str
    relation: str
    group: int
    birth_date: dt.date
    is_recipient: bool
    scholarship: bool


class ComponentOut(Schema):
    position: int
    item: str
    source: str
    entitlement: Money
    paid_amount: Money | None
    paid_on: dt.date | None


class InstalmentOut(Schema):
    id: int
    child_number: int
    heir_id: int
    year: int = Field(description="tahun ajaran mulai (Juli)")
    level: str
    amount: Money
    status: str
    paid_amount: Money | None
    paid_on: dt.date | None


class TransitionOut(Schema):
    from_status: str | None
    to_status: str
    actor: str
    at: dt.datetime
    note: str


class ClaimDetailOut(ClaimOut):
    cause: str
    event_place: str
    at_work: bool
    commuting: bool
    regulation: str
    clock: ClockOut
    heirs: list[HeirOut]
    components: list[ComponentOut]
    instalments: list[InstalmentOut]
    transitions: list[TransitionOut]
    documents: list[str] = Field(description="jenis dokumen yang sudah diunggah")


class OverdueOut(Schema):
    branch: str = Field(description="kantor cabang BPJS yang melayani kabupaten/kota")
    kabupaten: str
    claim: ClaimOut
    clock: ClockOut


class OverdueList(Schema):
    on: dt.date
    items: list[OverdueOut]


class InstalmentDueOut(Schema):
    id: int
    claim_id: int
    claim_number: str
    region_code: str
    child_number: int
    child_name: str
    level: str
    amount: Money
    status: str


class InstalmentsDue(Schema):
    year: int
    total: Money
    items: list[InstalmentDueOut]


class InstalmentFilters(Schema):
    year: int | None = Field(
        None, ge=2015, le=2100, description="tahun ajaran (mulai Juli); kosong: tahun ajaran ini"
    )
    region: str | None = Field(None, max_length=20)


# --- helpers ------------------------------------------------------------------------------------


def _claim_out(claim: Claim, *, full: bool) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "number": claim.number,
        "type": claim.type,
        "status": claim.status,
        "event_kind": claim.event_kind,
        "event_date": claim.event_date,
        "person_id": claim.person_id,
        "person_name": claim.person.name,
        "person_nik": claim.person.nik if full else mask_nik(claim.person.nik),
        "masked": not full,
        "unit": {"id": claim.unit.pk, "code": claim.unit.code, "name": claim.unit.name},
        "region_code": claim.region_id,
        "segment": claim.segment,
        "cash_entitlement": int(claim.cash_entitlement),
        "scholarship_entitlement": int(claim.scholarship_entitlement),
        "filed_on": claim.filed_on,
    }


def _clock_out(clock: Clock) -> dict[str, Any]:
    return {
        "deadline": clock.deadline,
        "working_days": clock.working_days,
        "days_late": clock.days_late,
        "overdue": clock.overdue,
        "paid_late": clock.paid_late,
        "penalty": int(clock.penalty),
        "source": clock.source,
        "explanation": list(clock.explanation),
    }


def _fully_visible(user: Any, person_ids: set[int]) -> set[int]:
    return set(
        Person.objects.filter(pk__in=person_ids)
        .annotate(api_full=full_data_annotation(user, "pk"))
        .filter(api_full=True)
        .values_list("pk", flat=True)
    )


# --- operations ---------------------------------------------------------------------------------


@router.get("/claims", response=ClaimPage, url_name="claim_list")
def claim_list(request: HttpRequest, filters: Query[ClaimFilters]) -> dict[str, Any]:
    """Claims of the units the user sees, by id, filtered (the people shown are logged)."""
    user = api_user(request)
    claims = selectors.claim_list(
        user=user,
        region_code=region_filter_code(filters.region) if filters.region else None,
        year=filters.year,
        status=filters.status,
        claim_type=filters.type,
    ).annotate(api_full=full_data_annotation(user, "person_id"))
    rows, next_cursor = page_of(claims, limit=filters.limit, cursor=filters.cursor)
    selectors.list_view_record(
        actor=api_actor(request), claims=list[Claim](rows), note="API daftar klaim"
    )
    return {
        "items": [_claim_out(c, full=bool(c.api_full)) for c in rows],  # type: ignore[attr-defined]
        "next_cursor": next_cursor,
    }


@router.get("/claims/overdue", response=OverdueList, url_name="claim_overdue")
def claim_overdue(request: HttpRequest) -> dict[str, Any]:
    """Claims BPJS holds complete and has not paid by the deadline, by branch office, kabupaten
    and deadline, as on the web's page (the people shown are logged)."""
    user = api_user(request)
    today = timezone.localdate()
    rows = selectors.overdue_claims(user=user, today=today, params=claim_parameters())
    selectors.list_view_record(
        actor=api_actor(request), claims=[r.claim for r in rows], note="API klaim terlambat"
    )
    full = _fully_visible(user, {r.claim.person_id for r in rows})
    return {
        "on": today,
        "items": [
            {
                "branch": r.branch,
                "kabupaten": r.kabupaten,
                "claim": _claim_out(r.claim, full=r.claim.person_id in full),
                "clock": _clock_out(r.clock),
            }
            for r in rows
        ],
    }


@router.get("/claims/scholarships-due", response=InstalmentsDue, url_name="claim_scholarships_due")
def scholarships_due(request: HttpRequest, filters: Query[InstalmentFilters]) -> dict[str, Any]:
    """Scholarship instalments of a school year not yet paid nor stopped, per kabupaten, claim
    and child (the children shown are logged)."""
    user = api_user(request)
    year = filters.year or selectors.school_year_of(timezone.localdate())
    rows = list(
        selectors.instalments_due(
            user=user,
            year=year,
            region_code=region_filter_code(filters.region) if filters.region else None,
        )
    )
    if rows:
        record_access(
            actor=api_actor(request),
            action=Action.VIEW,
            entity="claims.heir",
            entity_id="*",
            shown=sorted({i.heir_id for i in rows}),
            note=f"API beasiswa jatuh tempo {year}/{year + 1}",
        )
    return {
        "year": year,
        "total": int(sum(i.amount for i in rows)),
        "items": [
            {
                "id": i.pk,
                "claim_id": i.claim_id,
                "claim_number": i.claim.number,
                "region_code": i.claim.region_id,
                "child_number": i.child_number,
                "child_name": i.heir.name,
                "level": i.level,
                "amount": int(i.amount),
                "status": i.status,
            }
            for i in rows
        ],
    }


@router.get("/claims/{claim_id}", response=ClaimDetailOut, url_name="claim_detail")
def claim_detail(request: HttpRequest, claim_id: int) -> dict[str, Any]:
    """A claim with its payment clock, heirs, components, scholarship schedule and history
    (written to the access log: the person and the heirs)."""
    actor = api_actor(request)
    detail = selectors.claim_detail(
        actor=actor, pk=claim_id, today=timezone.localdate(), params=claim_parameters()
    )
    claim = detail.claim
    return {
        **_claim_out(claim, full=full_data_visible(actor.user, claim.person)),
        "cause": claim.cause,
        "event_place": claim.event_place,
        "at_work": claim.at_work,
        "commuting": claim.commuting,
        "regulation": claim.regulation,
        "clock": _clock_out(detail.clock),
        "heirs": [
            {
                "id": h.pk,
                "name": h.name,
                "relation": h.relation,
                "group": h.group,
                "birth_date": h.birth_date,
                "is_recipient": h.is_recipient,
                "scholarship": h.scholarship,
            }
            for h in detail.heirs
        ],
        "components": [
            {
                "position": c.position,
                "item": c.item,
                "source": c.source,
                "entitlement": int(c.entitlement),
                "paid_amount": int(c.paid_amount) if c.paid_amount is not None else None,
                "paid_on": c.paid_on,
            }
            for c in detail.components
        ],
        "instalments": [
            {
                "id": i.pk,
                "child_number": i.child_number,
                "heir_id": i.heir_id,
                "year": i.year,
                "level": i.level,
                "amount": int(i.amount),
                "status": i.status,
                "paid_amount": int(i.paid_amount) if i.paid_amount is not None else None,
                "paid_on": i.paid_on,
            }
            for i in detail.instalments
        ],
        "transitions": [
            {
                "from_status": t.from_status or None,
                "to_status": t.to_status,
                "actor": t.actor_label,
                "at": t.at,
                "note": t.note,
            }
            for t in detail.transitions
        ],
        "documents": [d.kind for d in detail.documents],
    }
