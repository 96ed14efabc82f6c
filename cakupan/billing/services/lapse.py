"""BPU lapse and PU arrears flags as of a day (``cakupan billing lapse --on D``).

BPU memberships whose contributions are unpaid past the grace period lapse (``lapse_check``, this
module); PU payers too many months in arrears are flagged (``arrears``). One transaction under the
billing lock; every change is audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from cakupan.accounts.audit import Actor, record_changes_bulk
from cakupan.accounts.models import Action
from cakupan.billing.services.arrears import flag_payers_in_arrears
from cakupan.billing.services.base import lock, parameters_or_active
from cakupan.billing.sql.lapse import (
    CREATE_LAPSE_TABLE,
    DROP_LAPSE_TABLE,
    LAPSE_ENDS,
    LAPSED,
    RECORD_LAPSES,
)
from cakupan.common.nik import mask_nik
from cakupan.registry.models import MembershipStatus
from cakupan.registry.services import memberships_close
from cakupan.rules.params import Parameters


@dataclass(frozen=True)
class LapseResult:
    on: dt.date
    lapsed: list[dict[str, Any]]
    flagged: list[dict[str, Any]]
    cleared: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "lapsed": self.lapsed,
            "flagged": self.flagged,
            "cleared": self.cleared,
        }


@transaction.atomic
def lapse_check(*, actor: Actor, on: dt.date, params: Parameters | None = None) -> LapseResult:
    """Lapse BPU memberships past the grace period and flag PU payers in arrears, as of ``on``.

    BPU (DOMAIN.md section 5, Perdir BPJS TK 22/2022): a membership whose oldest contribution month
    not fully paid on ``on`` is U lapses when ``on`` is on or after the first day of month
    ``U + grace`` (``bpu.grace_months``, 3): the grace period runs ``grace`` months from the end of
    the last paid protection period (the last day before U). It gets status ``lapsed``, ``end_date``
    = the last day of the last paid month (never before its start: a membership never paid keeps
    its first day), and a :class:`MembershipLapse` row; every change is audited with before/after.

    PU (DOMAIN.md sections 2.4, 4.3, 5): a payer with more than ``pu.arrears_threshold_months``
    contribution months past due and not fully paid on ``on`` gets an open :class:`ArrearsFlag`
    (work accidents of its workers are then paid by the employer first); a flag whose payer is no
    longer above the threshold is cleared on ``on``.
    """
    params = parameters_or_active(params)
    grace = params.value("bpu.grace_months", on)
    threshold = params.value("pu.arrears_threshold_months", on)
    lock()
    lapsed = _lapse(actor=actor, on=on, grace=grace)
    flagged, cleared = flag_payers_in_arrears(actor=actor, on=on, threshold=threshold)
    return LapseResult(on=on, lapsed=lapsed, flagged=flagged, cleared=cleared)


def _lapse(*, actor: Actor, on: dt.date, grace: int) -> list[dict[str, Any]]:
    """Lapse every candidate: the registry closes the memberships (``memberships_close``), then the
    lapse rows are recorded and audited (``record_changes_bulk``)."""
    reason = _("Iuran BPU menunggak melewati masa tenggang %(months)s bulan") % {"months": grace}
    with connection.cursor() as cursor:
        cursor.execute(DROP_LAPSE_TABLE)
        cursor.execute(CREATE_LAPSE_TABLE, {"on": on, "grace": grace})
        cursor.execute(LAPSE_ENDS)
        ends = cursor.fetchall()
    # The registry closes its memberships (and audits each, status and end date before and after).
    memberships_close(
        actor=actor,
        ends=ends,
        status=MembershipStatus.LAPSED,
        note=f"pemeriksaan tunggakan BPU {on}",
    )
    with connection.cursor() as cursor:
        cursor.execute(RECORD_LAPSES, [reason, on])
        cursor.execute(LAPSED)
        rows = cursor.fetchall()
    audit_rows: list[tuple[str, str, Any, Any, Any]] = []
    out: list[dict[str, Any]] = []
    for pk, oldest, last_paid, lapsed_on, _status, _end, new_end, lapse_id, unit, nik in rows:
        audit_rows.append(
            (
                Action.CREATE,
                "billing.membershiplapse",
                lapse_id,
                None,
                {
                    "membership": pk,
                    "lapsed_on": lapsed_on.isoformat(),
                    "oldest_unpaid_month": oldest.isoformat(),
                    "last_paid_month": last_paid.isoformat() if last_paid else None,
                },
            )
        )
        out.append(
            {
                "membership": pk,
                "person": mask_nik(nik),
                "unit": unit,
                "oldest_unpaid_month": f"{oldest:%Y-%m}",
                "last_paid_month": f"{last_paid:%Y-%m}" if last_paid else None,
                "lapsed_on": lapsed_on,
                "end_date": new_end,
            }
        )
    if audit_rows:
        record_changes_bulk(actor=actor, rows=audit_rows, note=f"pemeriksaan tunggakan BPU {on}")
    return out
