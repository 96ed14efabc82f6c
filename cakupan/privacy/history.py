"""The audit viewer's selectors: the history of a person, a membership and an import batch
(issue 15, item 6; UU 27/2022 PDP Pasal 31: who changed which personal data, when).

A history is read from two places, because bulk imports keep the provenance of the rows they create
once per batch rather than one audit row per row (``registry.services.bulk``):

* the batch link (``intake.BatchMembership``) whose ``person_created`` / ``membership_created``
  says that row N of batch X created the record; the batch keeps the file (name, SHA-256) and the
  batch's provenance audit row (action create on ``intake.importbatch``) who committed it when;
* the audit rows of the record itself (``registry.person`` / ``registry.membership``): a creation
  by a form, the admin or an import from before that change, and every change with its fields
  before and after.

Only the roles of the subject report see histories (:data:`selectors.REPORT_ROLES`: superadmin,
admin kabupaten), each within its scope through ``accounts.access`` (out of scope: 404). A history
shows personal data (names, NIKs before and after), so each view is logged like a detail page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, AuditEvent
from cakupan.intake.models import BatchMembership, ImportBatch
from cakupan.intake.selectors import batch_get_for
from cakupan.privacy.selectors import may_run_subject_report
from cakupan.registry import selectors as registry
from cakupan.registry.models import Membership, Person

HISTORY_NOTE = "riwayat audit"
PERSON = Person._meta.label_lower
MEMBERSHIP = Membership._meta.label_lower
BATCH = ImportBatch._meta.label_lower
# A batch's history lists at most this many of the changes its import made (its counts say all).
BATCH_CHANGES_SHOWN = 200


@dataclass(frozen=True, slots=True)
class Provenance:
    """Row ``row_number`` of batch ``batch_id`` (file ``file_name``, ``file_sha256``) created the
    record; ``actor`` committed it at ``at``."""

    batch_id: int
    row_number: int
    file_name: str
    file_sha256: str
    actor: str
    source: str  # the channel the batch was committed through (web, cli, ...)
    at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One step of a history: a creation (``provenance`` set when a batch row made it) or a change
    with the fields ``before`` and ``after``."""

    at: dt.datetime | None
    actor: str
    source: str
    action: str
    entity: str
    entity_id: str
    note: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    provenance: Provenance | None = None
    # (field label, before, after) of a change, in the order the audit row holds them.
    fields: list[tuple[str, Any, Any]] = field(default_factory=list)


def may_view_history(user: Any) -> bool:
    """Whether ``user`` may open audit histories: the subject report's roles."""
    return may_run_subject_report(user)


def _require(actor: Actor) -> None:
    if not may_view_history(actor.user):
        raise PermissionDenied


def _batch_commits(batch_ids: set[int]) -> dict[int, AuditEvent]:
    """Each batch's provenance row: who committed it when (the first, should there be two)."""
    events = AuditEvent.objects.filter(
        entity=BATCH, action=Action.CREATE, entity_id__in=[str(pk) for pk in batch_ids]
    ).order_by("at", "id")
    found: dict[int, AuditEvent] = {}
    for event in events:
        found.setdefault(int(event.entity_id), event)
    return found


def _provenances(links: list[BatchMembership]) -> list[Provenance]:
    commits = _batch_commits({link.batch_id for link in links})
    out = []
    for link in links:
        batch, event = link.batch, commits.get(link.batch_id)
        at: dt.datetime | None
        if event is not None:
            who, source, at = event.actor_label, event.source, event.at
        else:  # committed before provenance rows existed: the batch's own record
            who = batch.created_by.get_username() if batch.created_by else batch.source
            source, at = batch.source, batch.committed_at
        out.append(
            Provenance(
                link.batch_id,
                link.row_number,
                batch.file_name,
                batch.file_sha256,
                who,
                source,
                at,
            )
        )
    return out


def membership_provenance(*, membership_id: int) -> Provenance | None:
    """Who created this membership, from which file and which row: the batch row that created it,
    or None (made by a form, the admin, the demo loader: their own audit row says so)."""
    links = list(
        BatchMembership.objects.filter(membership_id=membership_id, membership_created=True)
        .select_related("batch", "batch__created_by")
        .order_by("batch_id")[:1]
    )
    found = _provenances(links)
    return found[0] if found else None


def person_provenance(*, person_id: int) -> Provenance | None:
    """Who created this person, from which file and which row (see :func:`membership_provenance`)."""
    links = list(
        BatchMembership.objects.filter(membership__person_id=person_id, person_created=True)
        .select_related("batch", "batch__created_by")
        .order_by("batch_id", "row_number")[:1]
    )
    found = _provenances(links)
    return found[0] if found else None


_MODELS = {PERSON: Person, MEMBERSHIP: Membership, BATCH: ImportBatch}


# The counts of a bulk write's provenance row (``registry.services.bulk.write``).
_COUNT_LABELS = {PERSON: _("orang baru"), MEMBERSHIP: _("kepesertaan baru")}


def _label(entity: str, key: str) -> str:
    """A field's name as the pages name it (the model's verbose name), else the key itself."""
    if key in _COUNT_LABELS:
        return str(_COUNT_LABELS[key])
    model = _MODELS.get(entity)
    try:
        found = model._meta.get_field(key) if model else None
    except FieldDoesNotExist:
        found = None
    return str(getattr(found, "verbose_name", key))


def _entry(event: AuditEvent) -> Entry:
    before = event.before if isinstance(event.before, dict) else {}
    after = event.after if isinstance(event.after, dict) else {}
    keys = list(dict.fromkeys([*before, *after]))
    return Entry(
        at=event.at,
        actor=event.actor_label,
        source=event.source,
        action=event.action,
        entity=event.entity,
        entity_id=event.entity_id,
        note=event.note,
        before=event.before,
        after=event.after,
        fields=[(_label(event.entity, k), before.get(k), after.get(k)) for k in keys],
    )


def _changes(entity: str, pk: int) -> list[Entry]:
    events = AuditEvent.objects.filter(
        entity=entity,
        entity_id=str(pk),
        action__in=[Action.CREATE, Action.UPDATE, Action.DELETE],
    ).order_by("at", "id")
    return [_entry(e) for e in events]


def _created(entity: str, pk: int, provenance: Provenance | None) -> list[Entry]:
    if provenance is None:
        return []
    return [
        Entry(
            at=provenance.at,
            actor=provenance.actor,
            source=provenance.source,
            action=Action.CREATE,
            entity=entity,
            entity_id=str(pk),
            note=f"impor batch #{provenance.batch_id}",
            provenance=provenance,
        )
    ]


def _sorted(entries: list[Entry]) -> list[Entry]:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(entries, key=lambda e: (e.at or epoch, e.action != Action.CREATE))


def person_history(*, actor: Actor, pk: Any) -> tuple[Person, list[Entry]]:
    """A person's history, oldest first: their creation and every change of their data."""
    _require(actor)
    person = registry.person_get_for(actor.user, pk)
    entries = _created(PERSON, person.pk, person_provenance(person_id=person.pk))
    entries += _changes(PERSON, person.pk)
    record_access(
        actor=actor, action=Action.VIEW, entity=PERSON, entity_id=person.pk, note=HISTORY_NOTE
    )
    return person, _sorted(entries)


def membership_history(*, actor: Actor, pk: Any) -> tuple[Membership, list[Entry]]:
    """A membership's history, oldest first: its creation and every change (status, wage ...)."""
    _require(actor)
    membership = registry.membership_get_for(actor.user, pk)
    entries = _created(
        MEMBERSHIP, membership.pk, membership_provenance(membership_id=membership.pk)
    )
    entries += _changes(MEMBERSHIP, membership.pk)
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity=MEMBERSHIP,
        entity_id=membership.pk,
        note=f"{HISTORY_NOTE}; person={membership.person_id}",
    )
    return membership, _sorted(entries)


@dataclass(frozen=True, slots=True)
class BatchHistory:
    batch: ImportBatch
    entries: list[Entry]  # the batch's own steps: queued, committed (with counts), submitted ...
    created_people: int
    created_memberships: int
    linked: int
    changes: list[Entry]  # changes the import made to existing rows (at most BATCH_CHANGES_SHOWN)
    changes_total: int


def batch_history(*, actor: Actor, pk: Any) -> BatchHistory:
    """A batch's history: its own audit rows, what it created (from its links) and the changes its
    import made to people and memberships already in the registry."""
    _require(actor)
    batch = batch_get_for(actor.user, pk)
    links = BatchMembership.objects.filter(batch=batch)
    changes = AuditEvent.objects.filter(
        entity__in=[PERSON, MEMBERSHIP], action=Action.UPDATE, note=f"impor batch #{batch.pk}"
    ).order_by("at", "id")
    record_access(
        actor=actor, action=Action.VIEW, entity=BATCH, entity_id=batch.pk, note=HISTORY_NOTE
    )
    return BatchHistory(
        batch=batch,
        entries=_sorted(_changes(BATCH, batch.pk)),
        created_people=links.filter(person_created=True).count(),
        created_memberships=links.filter(membership_created=True).count(),
        linked=links.count(),
        changes=[_entry(e) for e in changes[:BATCH_CHANGES_SHOWN]],
        changes_total=changes.count(),
    )
