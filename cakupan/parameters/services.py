"""Setting and withdrawing administrator overrides of unverified regulation parameters.

The only writers of :class:`~cakupan.parameters.models.ParameterOverride` (the Django admin calls
them): the rules engine checks a value before it is stored, every change is audited, and a row is
never edited or deleted, only withdrawn. Reading: ``parameters.selectors.active_parameters``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cakupan.accounts.audit import Actor, jsonable, record_change
from cakupan.common.errors import DomainError
from cakupan.parameters.models import ParameterOverride
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.errors import RulesError
from cakupan.rules.params import Override

_FIELDS = ("key", "value", "valid_from", "valid_to", "note", "withdrawn_at")


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
