"""People and memberships: lists (cursor pages, filters), details, ending a membership.

Scoped exactly as the web: the rows come from ``registry.selectors`` (``persons_visible_to``,
``memberships_visible_to``, ``person_detail``, ``membership_detail``, ``membership_get_for``), so a
record outside the token user's scope answers 404 like an unknown one. Personal data are logged as
the web logs them: a detail by its selector, a list page through ``list_view_record`` with the ids
it returned. NIK, phone, KK number and wage are masked (wage: null) for the roles that see them
masked on the web (``full_data_visible``); ``masked`` says so per row.

No search by NIK or name here: a NIK must not travel in an address (``docs/security.md``). Look a
person up by the filters, or check a NIK with ``POST /nik/check``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cakupan.accounts.audit import Actor
from cakupan.api.auth import api_actor, api_user
from cakupan.api.idempotency import idempotent
from cakupan.api.pagination import page_of
from cakupan.api.routers.regions import REGION_CODE_PATTERN, region_filter_code
from cakupan.api.types import IsoDate
from cakupan.common.nik import mask_nik
from cakupan.common.pii import mask_phone
from cakupan.registry import selectors, services
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment
from cakupan.wilayah.selectors import region_subtree_q

router = Router(tags=["registri"])

DEFAULT_PAGE_SIZE = 100

SegmentCode = Literal[tuple(Segment.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(MembershipStatus.values)]  # type: ignore[valid-type]


# --- schemas ------------------------------------------------------------------------------------


class RegionBrief(Schema):
    code: str
    name: str


class UnitBrief(Schema):
    id: int
    code: str
    name: str
    kind: str
    region_code: str


class PersonOut(Schema):
    id: int
    nik: str = Field(description="lengkap, atau tersamar (7324********0001) bila masked")
    name: str
    sex: Literal["L", "P"]
    birth_date: dt.date
    domicile: RegionBrief | None
    phone: str
    kk_number: str
    masked: bool = Field(description="NIK, HP dan KK tersamar untuk peran ini")


class MembershipOut(Schema):
    id: int
    person_id: int
    person_name: str
    person_nik: str
    unit: UnitBrief
    segment: SegmentCode  # type: ignore[valid-type]
    occupation: str | None = Field(description="kode pekerjaan dalam kosakata registri")
    occupation_title: str
    funding_source: str
    scheme: Literal["pu", "bpu"]
    programmes: list[str]
    wage: int | None = Field(description="upah sebulan (Rp); null bila tersamar")
    risk_class: int | None
    start_date: dt.date
    end_date: dt.date | None
    status: StatusCode  # type: ignore[valid-type]
    kpj_number: str
    masked: bool


class PersonDetailOut(PersonOut):
    memberships: list[MembershipOut]


class PersonPage(Schema):
    items: list[PersonOut]
    next_cursor: str | None = Field(description="kirim sebagai cursor untuk halaman berikutnya")


class MembershipPage(Schema):
    items: list[MembershipOut]
    next_cursor: str | None


class Filters(Schema):
    region: str | None = Field(
        None,
        pattern=REGION_CODE_PATTERN,
        description="kode wilayah: kepesertaan di unit yang berada di wilayah ini atau di bawahnya",
        examples=["73.24"],
    )
    unit: int | None = Field(None, ge=1, le=2**63 - 1, description="id unit")
    segment: SegmentCode | None = None  # type: ignore[valid-type]
    status: StatusCode | None = None  # type: ignore[valid-type]
    date: IsoDate | None = Field(
        None, description="memberi perlindungan pada tanggal ini (status tercakup, dalam periode)"
    )
    limit: int = Field(
        DEFAULT_PAGE_SIZE, ge=1, le=settings.API_PAGE_SIZE_MAX, description="baris per halaman"
    )
    cursor: str | None = Field(None, pattern=r"^[A-Za-z0-9_:\-]{1,200}$")


class MembershipFilters(Filters):
    person: int | None = Field(None, ge=1, le=2**63 - 1, description="id orang")


class MembershipEndIn(Schema):
    end_date: IsoDate = Field(description="hari terakhir yang dilindungi")
    status: Literal["ended", "lapsed"] = "ended"


# --- helpers ------------------------------------------------------------------------------------


def _membership_filter(filters: Filters) -> Q:
    """The filters as a condition on memberships (an empty ``Q`` when none is given)."""
    q = Q()
    if filters.region:
        q &= region_subtree_q(region_filter_code(filters.region), "unit__region__code")
    if filters.unit:
        q &= Q(unit_id=filters.unit)
    if filters.segment:
        q &= Q(segment=filters.segment)
    if filters.status:
        q &= Q(status=filters.status)
    if filters.date:
        q &= selectors.covered_on_q(filters.date)
    return q


def _person_out(person: Person, *, full: bool) -> dict[str, Any]:
    return {
        "id": person.pk,
        "nik": person.nik if full else mask_nik(person.nik),
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "domicile": (
            {"code": person.domicile.code, "name": person.domicile.name}
            if person.domicile is not None
            else None
        ),
        "phone": person.phone if full else mask_phone(person.phone),
        "kk_number": person.kk_number
        if full or not person.kk_number
        else mask_nik(person.kk_number),
        "masked": not full,
    }


def _membership_out(m: Membership, *, full: bool) -> dict[str, Any]:
    return {
        "id": m.pk,
        "person_id": m.person_id,
        "person_name": m.person.name,
        "person_nik": m.person.nik if full else mask_nik(m.person.nik),
        "unit": {
            "id": m.unit.pk,
            "code": m.unit.code,
            "name": m.unit.name,
            "kind": m.unit.kind,
            "region_code": m.unit.region_id,
        },
        "segment": m.segment,
        "occupation": m.occupation.code if m.occupation is not None else None,
        "occupation_title": m.occupation_title,
        "funding_source": m.funding_source,
        "scheme": m.scheme,
        "programmes": list(m.programmes),
        "wage": int(m.wage) if full else None,
        "risk_class": m.risk_class,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "status": m.status,
        "kpj_number": m.kpj_number,
        "masked": not full,
    }


def _memberships(user: Any) -> QuerySet[Membership]:
    return selectors.memberships_visible_to(user).select_related(
        "person", "unit", "unit__region", "occupation"
    )


# --- people -------------------------------------------------------------------------------------


@router.get("/people", response=PersonPage, url_name="person_list")
def person_list(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    """People the token's user may see, by id. With filters: people with a membership (visible to
    the user) matching them all; ``region`` alone also matches people domiciled there."""
    user = api_user(request)
    people = selectors.persons_visible_to(user)
    condition = _membership_filter(filters)
    if condition:
        matching = Exists(
            selectors.memberships_visible_to(user).filter(condition, person=OuterRef("pk"))
        )
        only_region = filters.region and not (
            filters.unit or filters.segment or filters.status or filters.date
        )
        if only_region:
            code = region_filter_code(filters.region or "")
            people = people.filter(matching | region_subtree_q(code, "domicile__code"))
        else:
            people = people.filter(matching)
    people = people.select_related("domicile").annotate(
        api_full=selectors.full_data_annotation(user, "pk")
    )
    rows, next_cursor = page_of(people, limit=filters.limit, cursor=filters.cursor)
    selectors.list_view_record(
        actor=api_actor(request),
        entity="registry.person",
        ids=[p.pk for p in rows],
        list_name="API daftar orang",
    )
    return {
        "items": [_person_out(p, full=bool(p.api_full)) for p in rows],  # type: ignore[attr-defined]
        "next_cursor": next_cursor,
    }


@router.get("/people/{person_id}", response=PersonDetailOut, url_name="person_detail")
def person_detail(request: HttpRequest, person_id: int) -> dict[str, Any]:
    """One person and the memberships the user may see (written to the access log)."""
    actor: Actor = api_actor(request)
    person, memberships = selectors.person_detail(actor=actor, pk=person_id)
    full = selectors.full_data_visible(actor.user, person)
    for m in memberships:
        m.person = person
    return {
        **_person_out(person, full=full),
        "memberships": [_membership_out(m, full=full) for m in memberships],
    }


# --- memberships --------------------------------------------------------------------------------


@router.get("/memberships", response=MembershipPage, url_name="membership_list")
def membership_list(request: HttpRequest, filters: Query[MembershipFilters]) -> dict[str, Any]:
    """Memberships the token's user may see, by id, filtered."""
    user = api_user(request)
    rows_qs = _memberships(user).filter(_membership_filter(filters))
    if filters.person:
        rows_qs = rows_qs.filter(person_id=filters.person)
    rows_qs = rows_qs.annotate(api_full=selectors.full_data_annotation(user, "person_id"))
    rows, next_cursor = page_of(rows_qs, limit=filters.limit, cursor=filters.cursor)
    selectors.list_view_record(
        actor=api_actor(request),
        entity="registry.membership",
        ids=[m.pk for m in rows],
        list_name="API daftar kepesertaan",
    )
    return {
        "items": [_membership_out(m, full=bool(m.api_full)) for m in rows],  # type: ignore[attr-defined]
        "next_cursor": next_cursor,
    }


@router.get("/memberships/{membership_id}", response=MembershipOut, url_name="membership_detail")
def membership_detail(request: HttpRequest, membership_id: int) -> dict[str, Any]:
    """One membership (written to the access log)."""
    actor = api_actor(request)
    membership = selectors.membership_detail(actor=actor, pk=membership_id)
    full = selectors.full_data_visible(actor.user, membership.person)
    return _membership_out(membership, full=full)


@router.post("/memberships/{membership_id}/end", response=MembershipOut, url_name="membership_end")
@idempotent
def membership_end(
    request: HttpRequest, membership_id: int, payload: MembershipEndIn
) -> dict[str, Any]:
    """End a membership on ``end_date`` (the last day covered) as ``ended`` or ``lapsed``, through
    the registry's service (audited). 404 out of scope, 403 for read-only roles and tokens,
    400 ``membership_invalid`` for an end before the start."""
    actor = api_actor(request)
    membership = selectors.membership_get_for(actor.user, membership_id, write=True)
    ended = services.membership_end(
        actor=actor, membership=membership, end_date=payload.end_date, status=payload.status
    )
    ended = selectors.membership_get_for(actor.user, ended.pk)
    return _membership_out(ended, full=selectors.full_data_visible(actor.user, ended.person))
