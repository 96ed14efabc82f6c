"""The regulation parameters in force in this installation: the data files of ``cakupan.rules``
with the overrides an administrator has set for unverified values applied.

Every caller on the Django side (CLI, web, billing, budget) takes its parameters from
:func:`active_parameters`, so an override is used everywhere at once. Overrides are written only
through :func:`parameter_override_set` / :func:`parameter_override_withdraw` (audited).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, jsonable, record_change
from cakupan.billing.models import ParameterOverride
from cakupan.common.errors import DomainError
from cakupan.rules.errors import RulesError
from cakupan.rules.params import Override, Parameters, load_parameters

_FIELDS = ("key", "value", "valid_from", "valid_to", "note", "withdrawn_at")


def _as_override(row: ParameterOverride) -> Override:
    return Override(
        key=row.key,
        value=row.value,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        note=row.note,
        set_by=row.set_by.get_username() if row.set_by is not None else "sistem",
    )


def active_parameters() -> Parameters:
    """The rules' parameters with the stored, not withdrawn administrator overrides applied
    (oldest first, so a newer override wins where periods overlap)."""
    rows = ParameterOverride.objects.filter(withdrawn_at__isnull=True).select_related("set_by")
    overrides = [_as_override(r) for r in rows.order_by("set_at", "id")]
    base = load_parameters()
    return base.with_overrides(overrides) if overrides else base


def _snapshot(row: ParameterOverride) -> dict[str, Any]:
    return {f: jsonable(getattr(row, f)) for f in _FIELDS}


@transaction.atomic
def parameter_override_set(
    *,
    actor: Actor,
    key: str,
    value: Any,
    valid_from: dt.date,
    valid_to: dt.date | None,
    note: str,
) -> ParameterOverride:
    """Store an override after the rules engine accepted it on top of the ones in force.

    Raises :class:`DomainError` with the rules' code (``parameter_unknown``,
    ``parameter_not_overridable``, ``period_invalid``, a malformed value ...) and nothing is saved.
    """
    if not note.strip():
        raise DomainError("Dasar perubahan wajib diisi.", code="note_required")
    candidate = Override(
        key=key, value=value, valid_from=valid_from, valid_to=valid_to, note=note, set_by=actor.name
    )
    try:
        active_parameters().with_overrides([candidate])
    except RulesError as exc:
        raise DomainError(exc.message, code=exc.code) from None
    row = ParameterOverride.objects.create(
        key=key,
        value=value,
        valid_from=valid_from,
        valid_to=valid_to,
        note=note.strip(),
        set_by=actor.user,
    )
    record_change(actor=actor, action="create", instance=row, before=None, after=_snapshot(row))
    return row


@transaction.atomic
def parameter_override_withdraw(*, actor: Actor, override: ParameterOverride) -> None:
    """Withdraw an override: the data-file value applies again. The row stays for the record."""
    row = ParameterOverride.objects.select_for_update().get(pk=override.pk)
    if row.withdrawn_at is not None:
        return
    before = _snapshot(row)
    row.withdrawn_at = timezone.now()
    row.save(update_fields=["withdrawn_at"])
    record_change(actor=actor, action="update", instance=row, before=before, after=_snapshot(row))
