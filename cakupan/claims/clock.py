"""Service-level clocks of claims: working days from the day BPJS received a complete claim.

JKM: ``claim.jkm_payment_working_days`` (3); JKK: ``claim.jkk_payment_working_days`` (7). Working
days are Monday to Friday except the national days off (hari libur nasional and cuti bersama) of
``calendar.holidays`` (``rules.workdays``); a year without that data counts weekends only and the
clock says so. A claim without a deadline in the data (filed before the rule was in force) has no
clock.

JKK lateness penalty (information: BPJS Ketenagakerjaan owes it to the participant or the heirs):
for each working day after the deadline until payment (or today, while unpaid)
``claim.jkk_late_penalty_rate_per_day`` (1%) of the cash entitlement. Per day
``round_rupiah(entitlement x rate)``; in total ``round_rupiah(entitlement x rate x days late)``
(one rounding, half up). JKM claims have no penalty in the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from cakupan.claims.models import CLOCK_STATUSES, Claim, ClaimStatus
from cakupan.common.money import format_rupiah, round_rupiah
from cakupan.rules.params import Holiday, Parameters
from cakupan.rules.text import format_date, format_percent
from cakupan.rules.workdays import Calendar, Span

__all__ = ["NO_CLOCK", "Clock", "add_working_days", "claim_clock", "working_days_between"]


def add_working_days(day: dt.date, days: int, params: Parameters) -> dt.date:
    """The working day ``days`` working days after ``day`` (``rules.workdays``)."""
    return Calendar(params).add(day, days)


def working_days_between(start: dt.date, end: dt.date, params: Parameters) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when ``end <= start``)."""
    return Calendar(params).between(start, end)


@dataclass(frozen=True)
class Clock:
    deadline: dt.date | None
    working_days: int | None
    days_late: int
    overdue: bool  # still unpaid after the deadline
    paid_late: bool
    #: JKK: the penalty owed for the days late so far, and per working day late.
    penalty: Decimal
    penalty_rate: Decimal | None
    source: str
    penalty_per_day: Decimal = Decimal(0)
    penalty_base: Decimal = Decimal(0)
    penalty_source: str = ""
    #: Weekday days off skipped from filing to the deadline, and after it (while late).
    holidays: tuple[Holiday, ...] = ()
    late_holidays: tuple[Holiday, ...] = ()
    #: Years of the count without days-off data (only weekends were skipped there).
    missing_years: tuple[int, ...] = ()
    calendar_unverified: bool = False
    calendar_source: str = ""
    explanation: tuple[str, ...] = field(default=())

    def as_dict(self) -> dict[str, object]:
        """The clock as ``claims show --json`` prints it (amounts as whole rupiah)."""
        return {
            "deadline": self.deadline,
            "working_days": self.working_days,
            "days_late": self.days_late,
            "overdue": self.overdue,
            "paid_late": self.paid_late,
            "source": self.source,
            "penalty": {
                "rate_per_day": self.penalty_rate,
                "base": self.penalty_base,
                "per_day": self.penalty_per_day,
                "days": self.days_late if self.penalty_rate is not None else 0,
                "total": self.penalty,
                "payable_by": "BPJS Ketenagakerjaan" if self.penalty_rate is not None else None,
                "source": self.penalty_source,
            },
            "holidays_skipped": [
                {"date": h.date, "name": h.name, "kind": h.kind, "verified": h.verified}
                for h in self.holidays + self.late_holidays
            ],
            "calendar": {
                "source": self.calendar_source,
                "unverified": self.calendar_unverified,
                "years_without_holidays": list(self.missing_years),
            },
            "explanation": list(self.explanation),
        }


NO_CLOCK = Clock(None, None, 0, False, False, Decimal(0), None, "")


def _days(holidays: tuple[Holiday, ...]) -> str:
    return "; ".join(
        f"{format_date(h.date)} {h.name}" + ("" if h.verified else " (belum terverifikasi)")
        for h in holidays
    )


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
    calendar = Calendar(params)
    deadline = calendar.add(claim.filed_on, entry.value)
    to_deadline = calendar.span(claim.filed_on, deadline)
    end = claim.paid_on if claim.status == ClaimStatus.PAID and claim.paid_on else today
    late: Span = calendar.span(deadline, end)
    days_late = late.working_days
    source = f"{entry.regulation} {entry.article}".strip()
    lines = [
        f"Batas bayar {format_date(deadline)}: {entry.value} hari kerja sejak berkas lengkap "
        f"diterima {format_date(claim.filed_on)} ({source})."
    ]
    if to_deadline.holidays:
        lines.append(f"Hari libur yang dilewati sampai batas: {_days(to_deadline.holidays)}.")
    if days_late:
        lines.append(
            f"Terlambat {days_late} hari kerja sampai {format_date(end)}"
            + (f" (hari libur dilewati: {_days(late.holidays)})." if late.holidays else ".")
        )
    missing = tuple(dict.fromkeys(to_deadline.missing_years + late.missing_years))
    if missing:
        lines.append(
            "Belum ada data hari libur nasional dan cuti bersama tahun "
            + ", ".join(str(y) for y in missing)
            + ": hanya Sabtu dan Minggu yang dilewati."
        )
    entries = tuple(dict.fromkeys(to_deadline.entries + late.entries))
    unverified = to_deadline.unverified or late.unverified
    if unverified:
        lines.append(
            "Daftar hari libur yang dipakai belum terverifikasi (admin dapat mengubahnya)."
        )
    rate = None
    penalty = per_day = base = Decimal(0)
    penalty_source = ""
    if claim.type != "jkm":
        rate_entry = params.find("claim.jkk_late_penalty_rate_per_day", claim.filed_on)
        if rate_entry is not None:
            rate = rate_entry.value
            base = claim.cash_entitlement
            per_day = round_rupiah(base * rate)
            penalty = round_rupiah(base * rate * days_late)
            penalty_source = f"{rate_entry.regulation} {rate_entry.article}".strip()
            if days_late:
                lines.append(
                    f"Denda keterlambatan untuk peserta/ahli waris, dibayar BPJS "
                    f"Ketenagakerjaan: {format_percent(rate)} x {format_rupiah(base)} = "
                    f"{format_rupiah(per_day)} per hari kerja; {days_late} hari = "
                    f"{format_rupiah(penalty)} ({penalty_source})."
                )
    return Clock(
        deadline=deadline,
        working_days=entry.value,
        days_late=days_late,
        overdue=claim.status in CLOCK_STATUSES and days_late > 0,
        paid_late=claim.status == ClaimStatus.PAID and days_late > 0,
        penalty=penalty,
        penalty_rate=rate,
        source=source,
        penalty_per_day=per_day,
        penalty_base=base,
        penalty_source=penalty_source,
        holidays=to_deadline.holidays,
        late_holidays=late.holidays,
        missing_years=missing,
        calendar_unverified=unverified,
        calendar_source="; ".join(
            f"{e.regulation}{' ' + e.article if e.article else ''} ({e.valid_from.year})"
            for e in entries
        ),
        explanation=tuple(lines),
    )
