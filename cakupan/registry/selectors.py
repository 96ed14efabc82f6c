"""Reading the registry, always through the user's scope (``accounts.access``)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Q, QuerySet

from cakupan.accounts import access
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action
from cakupan.registry.models import COVERED_STATUSES, Membership, Person, Unit

_DIGITS = re.compile(r"[\s.\-]")


def covered_on_q(day: dt.date, prefix: str = "") -> Q:
    """Memberships giving protection on ``day``: a covered status and ``start <= day <= end``."""
    return Q(**{f"{prefix}status__in": COVERED_STATUSES, f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def person_search(*, user: Any, query: str = "") -> QuerySet[Person]:
    """People visible to ``user`` matching ``query``: a full NIK, a NIK prefix (6+ digits) or a name part."""
    qs = access.persons_visible_to(user)
    text = query.strip()
    if not text:
        return qs.order_by("name", "id")
    digits = _DIGITS.sub("", text)
    if digits.isdigit():
        if len(digits) == 16:
            return qs.filter(nik=digits)
        if len(digits) >= 6:
            return qs.filter(nik__startswith=digits).order_by("nik")
    words = text.split()
    for word in words:
        qs = qs.filter(name__icontains=word)
    return qs.order_by("name", "id")


def membership_search(
    *,
    user: Any,
    query: str = "",
    segment: str = "",
    status: str = "",
    unit_id: int | None = None,
) -> QuerySet[Membership]:
    """Memberships visible to ``user``, filtered by the person (NIK or name), segment, status, unit."""
    qs = access.memberships_visible_to(user).select_related("person", "unit", "occupation")
    if query.strip():
        qs = qs.filter(person__in=person_search(user=user, query=query).values("pk"))
    if segment:
        qs = qs.filter(segment=segment)
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-start_date", "id")


def list_view_record(*, actor: Actor, entity: str, ids: list[int], query: str = "") -> None:
    """Log that a list page showed these records (names and masked NIKs are personal data too)."""
    if ids:
        record_access(
            actor=actor,
            action=Action.VIEW,
            entity=entity,
            entity_id="*",
            shown=ids,
            note=f"daftar; pencarian: {query[:200]}" if query else "daftar",
        )


def person_detail(*, actor: Actor, pk: Any) -> tuple[Person, list[Membership]]:
    """A person and the memberships the actor may see. The view is written to the access log."""
    person = access.person_get_for(actor.user, pk)
    memberships = list(
        access.memberships_visible_to(actor.user)
        .filter(person=person)
        .select_related("unit", "unit__region", "occupation")
        .order_by("-start_date")
    )
    record_access(actor=actor, action=Action.VIEW, entity="registry.person", entity_id=person.pk)
    return person, memberships


def membership_detail(*, actor: Actor, pk: Any) -> Membership:
    membership = access.membership_get_for(actor.user, pk)
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity="registry.membership",
        entity_id=membership.pk,
        note=f"person={membership.person_id}",
    )
    return membership


def unit_list(
    *, user: Any, region_code: str | None = None, kind: str | None = None
) -> QuerySet[Unit]:
    """Units visible to ``user`` (``access.SYSTEM`` for the CLI), by region subtree and kind."""
    from cakupan.wilayah.selectors import region_subtree_q

    qs = access.units_visible_to(user)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "region__code"))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("region_id", "code")
