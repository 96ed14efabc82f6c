"""The regulation parameters in force in this installation: the data files of ``cakupan.rules``
with the overrides an administrator has set for unverified values applied.

Every caller on the Django side (CLI, web, billing, budget) takes its parameters from
:func:`active_parameters`, so an override is used everywhere at once. Overrides are written only
through ``parameters.services`` (audited).
"""

from __future__ import annotations

from cakupan.parameters.models import ParameterOverride
from cakupan.rules.params import Override, Parameters, load_parameters


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
