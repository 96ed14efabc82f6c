"""PU arrears flags: payers with more than the threshold of contribution months past due and not
fully paid on a day (DOMAIN.md sections 2.4, 4.3, 5; work accidents of their workers are then paid
by the employer first). Run by ``lapse.lapse_check``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection

from cakupan.accounts.audit import Actor, record_changes_bulk
from cakupan.accounts.models import Action
from cakupan.billing.models import ArrearsFlag
from cakupan.billing.sql.arrears import PU_ARREARS
from cakupan.registry.models import Unit


def flag_payers_in_arrears(
    *, actor: Actor, on: dt.date, threshold: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Flag the PU payers more than ``threshold`` contribution months in arrears on ``on`` (an open
    :class:`ArrearsFlag`), clear the open flags of payers no longer above it; audit each change.

    Returns the flags raised and the flags cleared, for the caller's result. The caller holds the
    billing lock (``lapse.lapse_check``).
    """
    with connection.cursor() as cursor:
        cursor.execute(PU_ARREARS, {"on": on})
        arrears = {
            payer: (months, oldest, Decimal(amount))
            for payer, months, oldest, amount in cursor.fetchall()
        }
    over = {payer: v for payer, v in arrears.items() if v[0] > threshold}
    open_flags = {
        f.payer_id: f
        for f in ArrearsFlag.objects.select_for_update().filter(cleared_on__isnull=True)
    }
    codes = dict(Unit.objects.filter(pk__in=set(over) | set(open_flags)).values_list("pk", "code"))
    audit_rows: list[tuple[str, str, Any, Any, Any]] = []
    new_flags = [
        ArrearsFlag(
            payer_id=payer,
            flagged_on=on,
            oldest_unpaid_month=oldest,
            months_in_arrears=months,
            amount=amount,
        )
        for payer, (months, oldest, amount) in sorted(over.items())
        if payer not in open_flags
    ]
    created = ArrearsFlag.objects.bulk_create(new_flags)
    flagged = []
    for flag in created:
        audit_rows.append(
            (
                Action.CREATE,
                "billing.arrearsflag",
                flag.pk,
                None,
                {
                    "payer": flag.payer_id,
                    "flagged_on": on.isoformat(),
                    "months_in_arrears": flag.months_in_arrears,
                    "amount": str(flag.amount),
                },
            )
        )
        flagged.append(
            {
                "payer": codes[flag.payer_id],
                "months_in_arrears": flag.months_in_arrears,
                "oldest_unpaid_month": f"{flag.oldest_unpaid_month:%Y-%m}",
                "amount": flag.amount,
            }
        )
    cleared = []
    for payer, flag in sorted(open_flags.items()):
        if payer in over or on < flag.flagged_on:
            continue
        flag.cleared_on = on
        flag.save(update_fields=["cleared_on"])
        audit_rows.append(
            (
                Action.UPDATE,
                "billing.arrearsflag",
                flag.pk,
                {"cleared_on": None},
                {"cleared_on": on.isoformat()},
            )
        )
        cleared.append({"payer": codes[payer], "flagged_on": flag.flagged_on})
    if audit_rows:
        record_changes_bulk(actor=actor, rows=audit_rows, note=f"pemeriksaan tunggakan PU {on}")
    return flagged, cleared
