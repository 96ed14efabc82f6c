"""Service-level clocks of claims: working days from the day BPJS received a complete claim.

JKM: ``claim.jkm_payment_working_days`` (3); JKK: ``claim.jkk_payment_working_days`` (7), and for
each working day late ``claim.jkk_late_penalty_rate_per_day`` (1%) of the cash entitlement is
owed to the heirs (shown as a flag). Working days are Monday to Friday; public holidays are not
modelled. A claim without a deadline in the data (filed before the rule was in force) has no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cakupan.claims.models import CLOCK_STATUSES, Claim, ClaimStatus
from cakupan.common.money import round_rupiah
from cakupan.rules.params import Parameters


def add_working_days(day: dt.date, days: int) -> dt.date:
    """The working day ``days`` working days after ``day`` (Monday to Friday)."""
    current = day
    left = days
    while left > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    count = 0
    current = start
    while current < end:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            count += 1
    return count


@dataclass(frozen=True)
class Clock:
    deadline: dt.date | None
    working_days: int | None
    days_late: int
    overdue: bool  # still unpaid after the deadline
    paid_late: bool
    penalty: Decimal  # JKK: 1% a day of the cash entitlement
    penalty_rate: Decimal | None
    source: str


NO_CLOCK = Clock(None, None, 0, False, False, Decimal(0), None, "")


def claim_clock(claim: Claim, *, today: dt.date, params: Parameters) -> Clock:
    """The clock of ``claim`` as of ``today`` (see the module docstring)."""
    if claim.filed_on is None or claim.status == ClaimStatus.REJECTED:
        return NO_CLOCK
    key = (
        "claim.jkm_payment_working_days"
        if claim.type == "jkm"
        else "claim.jkk_payment_working_days"
    )
    entry = params.find(key, claim.filed_on)
    if entry is None:
        return NO_CLOCK
    deadline = add_working_days(claim.filed_on, entry.value)
    end = claim.paid_on if claim.status == ClaimStatus.PAID and claim.paid_on else today
    days_late = working_days_between(deadline, end)
    rate = None
    penalty = Decimal(0)
    if claim.type != "jkm":
        rate_entry = params.find("claim.jkk_late_penalty_rate_per_day", claim.filed_on)
        if rate_entry is not None:
            rate = rate_entry.value
            penalty = round_rupiah(claim.cash_entitlement * rate * days_late)
    source = f"{entry.regulation} {entry.article}".strip()
    return Clock(
        deadline=deadline,
        working_days=entry.value,
        days_late=days_late,
        overdue=claim.status in CLOCK_STATUSES and days_late > 0,
        paid_late=claim.status == ClaimStatus.PAID and days_late > 0,
        penalty=penalty,
        penalty_rate=rate,
        source=source,
    )
