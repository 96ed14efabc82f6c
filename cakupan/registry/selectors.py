"""Reading the registry, always through the user's scope.

The scoped accessors of the registry live here: ``accounts.access`` says what each role may see,
these functions apply it to units, memberships and people, and every other app reads the registry
through them. A record outside the user's scope answers ``Http404`` (never 403).

Access log (UU 27/2022 PDP Pasal 31, the rule is in ``accounts.audit``): the selector that hands a
record of personal data to a page writes the "view" row, once per read path: ``person_detail`` and
``membership_detail`` for the detail pages, ``list_view_record`` for a list page (it knows which
rows the page showed only after paging), ``admin_view_record`` for a change page of the Django
admin. The scoped accessors and searches (``*_visible_to``, ``*_get_for``, ``*_search``) log
nothing: they are the building blocks of those read paths, and of writes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    F,
    Func,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Value,
)

from cakupan.accounts import access
from cakupan.accounts.access import MaybeViewer
from cakupan.accounts.audit import Actor, record_access, record_access_query
from cakupan.accounts.models import Action, Role
from cakupan.common.exports import ExportLog
from cakupan.common.pii import redact_query
from cakupan.registry.models import COVERED_STATUSES, Membership, MembershipStatus, Person, Unit
from cakupan.wilayah.selectors import region_subtree_q

_DIGITS = re.compile(r"[\s.\-]")
_NAME_UNINDEXED = Func(F("name"), template="(%(expressions)s || '')", output_field=CharField())


# --- scoped accessors ---------------------------------------------------------------------------


def units_visible_to(user: MaybeViewer) -> QuerySet[Unit]:
    """Units ``user`` can see (``access.SYSTEM``: all of them)."""
    return access.limit_to_units(user, Unit.objects.select_related("region"))


def memberships_visible_to(user: MaybeViewer) -> QuerySet[Membership]:
    """Memberships in the units ``user`` can see."""
    return access.limit_to_units(user, Membership.objects.all(), "unit__")


def persons_visible_to(user: MaybeViewer) -> QuerySet[Person]:
    """People with a membership in a unit ``user`` can see, or domiciled in the user's regions."""
    q = access.unit_scope_q(user, "unit__")
    if q is None:
        return Person.objects.all()
    through_membership = Exists(Membership.objects.filter(q, person=OuterRef("pk")))
    domicile = access.region_scope_q(user, "domicile__code")
    if domicile is None:  # no region limit: only a superadmin, who has no unit limit either
        return Person.objects.all()
    return Person.objects.filter(Q(through_membership) | domicile)


def person_get_for(user: MaybeViewer, pk: Any, *, write: bool = False) -> Person:
    """The person ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return access.get_visible_or_404(user, persons_visible_to(user), write=write, pk=pk)


def membership_get_for(user: MaybeViewer, pk: Any, *, write: bool = False) -> Membership:
    """The membership ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    qs = memberships_visible_to(user).select_related("person", "unit", "unit__region", "occupation")
    return access.get_visible_or_404(user, qs, write=write, pk=pk)


def unit_get_for(user: MaybeViewer, pk: Any, *, write: bool = False) -> Unit:
    """The unit ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return access.get_visible_or_404(user, units_visible_to(user), write=write, pk=pk)


# --- searches and pages -------------------------------------------------------------------------


def covered_on_q(day: dt.date, prefix: str = "") -> Q:
    """Memberships giving protection on ``day``: a covered status and ``start <= day <= end``."""
    return Q(**{f"{prefix}status__in": COVERED_STATUSES, f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day})
    )


def person_search(*, user: MaybeViewer, query: str = "") -> QuerySet[Person]:
    """People visible to ``user`` matching ``query``: a full NIK, a NIK prefix (6+ digits) or a name part."""
    qs = persons_visible_to(user)
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
    # Ordered by ``name || ''``: the same order as by name (same collation), but not the name
    # index's. With the index's order PostgreSQL walks the whole index expecting to fill a page
    # soon, testing every name, and a name part matches a few people: 2-6x slower than reading
    # the table and sorting the few found (docs/benchmarks.md, "Load").
    return qs.order_by(_NAME_UNINDEXED.asc(), "id")


def membership_search(
    *,
    user: MaybeViewer,
    query: str = "",
    segment: str = "",
    status: str = "",
    unit_id: int | None = None,
) -> QuerySet[Membership]:
    """Memberships visible to ``user``, filtered by the person (NIK or name), segment, status, unit."""
    qs = memberships_visible_to(user).select_related("person", "unit", "occupation")
    if query.strip():
        qs = qs.filter(person__in=person_search(user=user, query=query).values("pk"))
    if segment:
        qs = qs.filter(segment=segment)
    if status:
        qs = qs.filter(status=status)
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-start_date", "id")


def list_view_record(
    *, actor: Actor, entity: str, ids: list[int], query: str = "", list_name: str = "daftar"
) -> None:
    """Log that a list page showed these records (names and masked NIKs are personal data too).

    ``list_name`` says which list in the log (Indonesian, like every audit note).
    """
    if ids:
        record_access(
            actor=actor,
            action=Action.VIEW,
            entity=entity,
            entity_id="*",
            shown=ids,
            note=f"{list_name}; pencarian: {redact_query(query[:200])}" if query else list_name,
        )


def export_record(
    *, actor: Actor, entity: str, ids: QuerySet[Any], export: ExportLog, list_name: str
) -> None:
    """Log one download of a list (``common.exports``): the records it names, counted and filtered.

    ``ids`` is the export's own queryset reduced to the ids of ``entity`` (``values_list``); the
    database gathers them into ``after["shown"]`` so that a million-row export is logged without
    holding its ids. ``after`` also holds ``rows``, ``format`` and ``filter`` (search text redacted,
    ``common.exports.describe_filters``); the note says the same in words.
    """
    record_access_query(
        actor=actor,
        action=Action.EXPORT,
        entity=entity,
        ids=ids,
        details={"rows": export.rows, "format": export.fmt, "filter": export.filters},
        note=f"{list_name}; {export.note}",
    )


def full_data_annotation(user: MaybeViewer, person_ref: str = "pk") -> Any:
    """:func:`full_data_visible` for every row of a list at once, as an expression to annotate.

    ``person_ref`` names the person of a row (``"pk"`` for people, ``"person_id"`` for memberships
    and claims). ``Value(True)`` / ``Value(False)`` where the role decides alone; for a BPJS
    officer an ``EXISTS`` over its memberships handed to BPJS.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return Value(False, output_field=BooleanField())
    if user.can_write:
        return Value(True, output_field=BooleanField())
    if user.role == Role.PETUGAS_BPJS:
        return Exists(
            memberships_visible_to(user)
            .filter(person_id=OuterRef(person_ref))
            .exclude(status=MembershipStatus.DRAFT)
        )
    return Value(False, output_field=BooleanField())


def admin_view_record(*, actor: Actor, model: type[Model], pk: Any) -> None:
    """Log that a change page of the Django admin showed the ``model`` row ``pk``."""
    record_access(
        actor=actor, action=Action.VIEW, entity=model._meta.label_lower, entity_id=pk, note="admin"
    )


def full_data_visible(user: MaybeViewer, person: Person) -> bool:
    """Whether ``user`` sees ``person``'s NIK, phone, KK number and wages in full without asking.

    Roles that write (superadmin, admin kabupaten, the operators) do, in their scope: they enrol
    and correct these data. Read-only roles (pimpinan, camat) see them masked, with a "tampilkan"
    that asks a reason and is written to the access log (``privacy.views``). A BPJS officer sees in
    full the people who are the branch's work, those with a membership in its scope that has been
    handed to BPJS (any status but draft), and the others masked like a read-only role.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return False
    if user.can_write:
        return True
    if user.role == Role.PETUGAS_BPJS:
        return (
            memberships_visible_to(user)
            .filter(person=person)
            .exclude(status=MembershipStatus.DRAFT)
            .exists()
        )
    return False


def person_detail(*, actor: Actor, pk: Any) -> tuple[Person, list[Membership]]:
    """A person and the memberships the actor may see. The view is written to the access log."""
    person = access.get_visible_or_404(
        actor.user, persons_visible_to(actor.user).select_related("domicile"), pk=pk
    )
    memberships = list(
        memberships_visible_to(actor.user)
        .filter(person=person)
        .select_related("unit", "unit__region", "occupation")
        .order_by("-start_date")
    )
    record_access(actor=actor, action=Action.VIEW, entity="registry.person", entity_id=person.pk)
    return person, memberships


def membership_detail(*, actor: Actor, pk: Any) -> Membership:
    membership = membership_get_for(actor.user, pk)
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity="registry.membership",
        entity_id=membership.pk,
        note=f"person={membership.person_id}",
    )
    return membership


def unit_list(
    *, user: MaybeViewer, region_code: str | None = None, kind: str | None = None
) -> QuerySet[Unit]:
    """Units visible to ``user`` (``access.SYSTEM`` for the CLI), by region subtree and kind."""
    qs = units_visible_to(user)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "region__code"))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("region_id", "code")
