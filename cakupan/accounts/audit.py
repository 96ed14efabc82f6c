"""Writing the audit log (UU 27/2022 PDP Pasal 31): who changed or saw which personal data.

Two kinds of rows, each written from one kind of place:

* **Changes** (create, update, delete: :func:`record_change`, :func:`record_changes_bulk`,
  :func:`record_changes_sql`) are written only by services (``<app>/services.py`` and the
  service-like modules they delegate to, such as the registry's bulk write,
  ``registry.services.bulk``), inside the transaction of the change, so a change and its row
  commit or roll back together. A bulk write records the rows it creates with one provenance row
  for its source (an import batch, whose links name the file row of each created record); every
  change to an existing row keeps its own row with before and after. The Django admin saves and
  deletes through services too (``accounts.services``, ``registry.services.admin_save``).
* **Access** (view, export, denied: :func:`record_access`) is written only by the selector that
  hands the personal data out, once per read path: a detail selector logs the record it returns
  (``registry.selectors.person_detail``); a list page, which learns which rows it showed only after
  paging, calls the app's ``list_view_record`` selector; a download logs in the selector that
  builds the file (a list download through :func:`record_access_query`, which lets PostgreSQL
  gather the ids of a million-row export). A service that hands data out as part of a change logs
  that export itself, in its transaction (intake's BPJS registration file, which also marks the
  batch sent). Scoped accessors and searches (``*_visible_to``, ``*_get_for``, ``*_search``) log
  nothing: they are building blocks of reads and of writes.

* **Denials** (a 403 or 404 answered to a signed-in user, and a signed-in user who is not a
  superadmin sent away from the Django admin: :func:`record_denial`) are written in one place,
  ``accounts.middleware.DeniedAccessLogMiddleware`` through ``accounts.services.denial_record``,
  whatever view or selector refused: a record outside the user's scope answers 404 exactly like an
  unknown one, so both are logged alike (an id probed is an id probed).

* **Sign-in events** (sign in, failed sign-in, lock, unlock, sign out: :func:`record_auth`) are
  written by ``accounts.services``, called by the sign-in views and the session middleware.

Views, forms, admin classes, management commands, models and signals write no audit row: they call
the one service or selector that does. Nothing rewrites or removes a row: the database refuses
``UPDATE``, ``DELETE`` and ``TRUNCATE`` on the table (migrations ``0002`` and ``0005``,
``docs/integrity.md``), and chains every row it inserts, whichever function below wrote it
(migration ``0006``; ``cakupan audit verify`` checks the chain, :mod:`cakupan.accounts.chain`).

The actor and channel travel in an :class:`Actor` value the caller builds at the edge (view, CLI
command, import task), never through thread-locals, so a service can't forget who acted.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

from cakupan.accounts.models import Action, AuditEvent, Source, User
from cakupan.common.bulk import copy_instances


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts and through which channel. ``user`` is None for system jobs and the CLI's own work."""

    user: User | None
    source: str
    label: str = ""

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        return self.user.get_username() if self.user is not None else f"{self.source}:system"

    @classmethod
    def system(cls, source: str = Source.SYSTEM, label: str = "") -> Actor:
        return cls(user=None, source=source, label=label or f"{source}:system")


def jsonable(value: Any) -> Any:
    """Field values as they go into ``before``/``after``: dates ISO, Decimals as strings, FKs as ids."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The audited fields of ``instance``, foreign keys by their raw id."""
    out: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        out[name] = jsonable(getattr(instance, attname))
    return out


def diff(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    changed = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _event(
    actor: Actor, action: str, entity: str, entity_id: Any, before: Any, after: Any, note: str
) -> AuditEvent:
    return AuditEvent(
        actor=actor.user,
        actor_label=actor.name,
        source=actor.source,
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        before=before,
        after=after,
        note=note[:300],
    )


def record_change(
    *,
    actor: Actor,
    action: str,
    instance: models.Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    note: str = "",
) -> AuditEvent:
    """Append one change row for ``instance``. Call inside the service's transaction."""
    event = _event(actor, action, instance._meta.label_lower, instance.pk, before, after, note)
    event.save()
    return event


def record_changes_bulk(
    *, actor: Actor, rows: Iterable[tuple[str, str, Any, Any, Any]], note: str = ""
) -> int:
    """Append many change rows at once: ``(action, entity, entity_id, before, after)`` each.

    Bulk paths (imports, the demo loader) use this so that every row they write is audited too. The
    rows go in through ``COPY`` and share one timestamp, the moment of the bulk change.
    """
    at = timezone.now()
    events = [
        _event(actor, action, entity, entity_id, before, after, note)
        for action, entity, entity_id, before, after in rows
    ]
    for event in events:
        event.at = at
    return copy_instances(AuditEvent, events)


def snapshot_sql(fields: Mapping[str, str]) -> str:
    """SQL building a record's snapshot as ``jsonb``: ``{key: SQL expression}`` in, one expression out.

    The set-based twin of :func:`snapshot` for rows written by SQL (spreadsheet intake): render
    the values as :func:`jsonable` does (dates as ISO text by ``jsonb`` itself, money as text:
    ``wage::text``, foreign keys by their id). Keys are our field names, never user input.
    """
    return "jsonb_build_object(" + ", ".join(f"'{k}', {v}" for k, v in fields.items()) + ")"


def diff_sql(before: Mapping[str, str], after: Mapping[str, str]) -> tuple[str, str]:
    """SQL for :func:`diff`: two ``jsonb`` expressions holding only the keys whose values differ.

    ``before`` and ``after`` map the same keys to SQL expressions over the old and the new row.
    Field by field (``CASE``) rather than through ``jsonb_each``: about 30 times cheaper per row.
    """

    def side(values: Mapping[str, str]) -> str:
        return (
            "("
            + " || ".join(
                f"CASE WHEN {before[k]} IS DISTINCT FROM {after[k]} "
                f"THEN jsonb_build_object('{k}', {values[k]}) ELSE '{{}}'::jsonb END"
                for k in after
            )
            + ")"
        )

    return side(before), side(after)


def record_changes_sql(
    *,
    actor: Actor,
    select: str,
    params: Mapping[str, Any],
    with_: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> int:
    """Append one change row per row of an SQL query, in one ``INSERT ... SELECT``.

    For bulk paths whose changes are themselves set-based SQL (the registry's bulk write): the rows never
    travel through Python. ``select`` yields, in this order, action, entity, entity_id (text),
    before and after (``jsonb``, see :func:`snapshot_sql` and :func:`diff_sql`); ``with_`` is an
    optional ``WITH`` clause it reads from, which may itself write (``UPDATE ... RETURNING``), so a
    change and its audit row are one statement. Values travel in ``params`` (pyformat); this
    function adds its own under ``audit_*`` names. Every row gets the same actor, channel, note
    and time ``at`` (default: now), the moment of the bulk change. Returns the rows appended.
    """
    values = {
        **params,
        "audit_at": at or timezone.now(),
        "audit_actor_id": actor.user.pk if actor.user is not None else None,
        "audit_actor_label": actor.name,
        "audit_source": actor.source,
        "audit_note": note[:300],
    }
    statement = (
        f"{with_} INSERT INTO {AuditEvent._meta.db_table} "  # noqa: S608 - our table; values are parameters
        "(at, actor_id, actor_label, source, action, entity, entity_id, before, after, note) "
        "SELECT %(audit_at)s, %(audit_actor_id)s, %(audit_actor_label)s, %(audit_source)s, "
        "c.action, c.entity, c.entity_id, c.before, c.after, %(audit_note)s "
        f"FROM ({select}) AS c (action, entity, entity_id, before, after)"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, values)
        return int(cursor.rowcount)


def record_access(
    *,
    actor: Actor,
    action: str = Action.VIEW,
    entity: str,
    entity_id: Any,
    note: str = "",
    shown: list[Any] | None = None,
) -> None:
    """Append one row for a view or export of personal data (UU 27/2022 PDP Pasal 31).

    A list or export names the records it showed in ``after["shown"]`` (ids), with ``entity_id``
    ``"*"``, so the subject-access report can find every time a person's data was seen.
    """
    after = {"shown": [jsonable(x) for x in shown]} if shown is not None else None
    _event(actor, action, entity, entity_id, None, after, note).save()


def record_access_query(
    *,
    actor: Actor,
    action: str = Action.EXPORT,
    entity: str,
    ids: Any,
    details: Mapping[str, Any],
    note: str = "",
) -> None:
    """:func:`record_access` for a list too long to hold in Python (an export of a million rows).

    ``ids`` is a queryset of one column, the ids of the records the export names (``entity``);
    PostgreSQL collects them into ``after["shown"]`` (distinct, ascending, as the list pages log
    them) in the ``INSERT ... SELECT`` itself, so the ids never travel through Python. ``details``
    (row count, format, filter) go into ``after`` beside them.
    """
    import json

    from django.core.exceptions import EmptyResultSet

    try:
        sql, params = ids.order_by().query.sql_with_params()
    except EmptyResultSet:  # ``pk__in=[]``: Django knows there is no row without asking
        sql, params = "SELECT NULL::bigint WHERE false", ()
    statement = (
        f"INSERT INTO {AuditEvent._meta.db_table} "  # noqa: S608 - our table; values are parameters
        "(at, actor_id, actor_label, source, action, entity, entity_id, before, after, note) "
        "SELECT %s, %s, %s, %s, %s, %s, '*', NULL, %s::jsonb || jsonb_build_object('shown', "
        "coalesce((SELECT jsonb_agg(DISTINCT s.id ORDER BY s.id) "
        f"FROM ({sql}) AS s (id)), '[]'::jsonb)), %s"
    )
    values = [
        timezone.now(),
        actor.user.pk if actor.user is not None else None,
        actor.name,
        actor.source,
        action,
        entity,
        json.dumps({k: jsonable(v) for k, v in details.items()}),
        *params,
        note[:300],
    ]
    with connection.cursor() as cursor:
        cursor.execute(statement, values)


def record_auth(
    *, actor: Actor, action: str, entity_id: Any, details: Mapping[str, Any], note: str = ""
) -> None:
    """Append one sign-in event (sign in, failure, lock, unlock, sign out) on ``accounts.user``.

    Written only by ``accounts.services``; ``entity_id`` is the account, ``"*"`` for a name that
    names none; ``details`` (address, method, reason) go into ``after``.
    """
    _event(actor, action, "accounts.user", entity_id, None, dict(details), note).save()


DENIAL_ENTITY = "route"


def record_denial(
    *, actor: Actor, route: str, path: str, method: str, status: int, kwargs: Mapping[str, Any]
) -> None:
    """Append one ``denied`` row: ``actor`` was refused ``path`` (UU 27/2022 PDP Pasal 31; ASVS
    5.0 16.3.2, authorisation failures logged).

    ``entity`` is ``"route"`` and ``entity_id`` the route's name (``registry:person_detail``, ``"-"``
    for a path no route matches); ``after`` holds the path (never a query string: no NIK travels in
    one), the method, the status answered and the route's path parameters (the record's id).
    """
    after = {
        "path": path[:200],
        "method": method[:10],
        "status": status,
        "kwargs": {str(k): jsonable(v) for k, v in kwargs.items()},
    }
    _event(actor, Action.DENIED, DENIAL_ENTITY, route[:64] or "-", None, after, "").save()
