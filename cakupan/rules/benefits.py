"""BPJS Ketenagakerjaan cash benefits for one event: JKM, JKK death and disability, STMB, scholarships.

Contract
- Values are those in force on the **event date** (death, accident, start of incapacity). Events
  before the PP 82/2019 date (parameter ``benefit.pp82_2019_effective_date``: 2 December 2019,
  PP 82/2019 Pasal II, verified) get the PP 44/2015 values, later events the PP 82/2019 values; a
  date moved by an override (where the data allow one) moves the switch without touching the
  amounts.
- Amounts are whole rupiah, each line rounded once with ``round_rupiah`` (half up); ``total`` is
  the sum of the lines.
- ``jkm``: lump sum + periodic benefit paid at once + funeral (PP 82/2019: 20 + 12 + 10 = Rp42 juta;
  PP 44/2015: 16,2 + 4,8 + 3 = Rp24 juta); scholarships when children are given and the JKM route's
  contribution period is met.
- ``jkk-death``: max(48 x monthly wage, the JKM lump sum of that date) + funeral + periodic benefit
  paid at once; scholarships without a minimum contribution period.
- ``jkk-total-disability``: 56 x wage (+ the periodic benefit when one is set: not established for
  PP 82/2019, DOMAIN.md section 11 item 13); scholarships as for a JKK death.
- ``jkk-partial-disability``: ``percent`` (0-100, from the annex table of PP 44/2015, not included)
  x 80 x wage.
- ``stmb``: ``days`` of temporary incapacity; days 1-365 ("12 months") at 100% of the daily wage,
  later days at 50% (PP 82/2019; before it 182 days 100%, to day 365 75%, then 50%, [L]). Daily
  wage = monthly wage / 30 (``stmb.daily_wage_divisor``, not in DOMAIN.md, unverified); each
  segment is ``round_rupiah(days x wage x percent / 100 / 30)`` without rounding the daily wage.
  The BPU variant ("100% for at most 1 year") is unverified and not applied.
- ``scholarship`` (JKM route): at most 2 children (PP 44/2015: one child, Rp12 juta at once); the
  participant needs at least 36 full months between ``membership_start`` and ``event_date``
  (``membership_start`` + 36 months <= ``event_date``; a start on the 31st counts a shorter month
  as ending on its last day). The schedule gives, per child, the yearly amount from the child's
  current level to the end of the maximum years of each level, year 1 being the event's calendar
  year; it is the most that can be paid (each year needs proof of enrolment; payment stops at 23,
  marriage or work). PP 82/2019 scholarships were paid only from
  ``scholarship.first_payment_date`` (Permenaker 5/2021 in force, 1 April 2021; unverified, no
  transition rule found): for an earlier event the schedule starts at the school year (July-June)
  that includes that date and the school years before it are left out, with a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from cakupan.common.dates import full_months
from cakupan.common.money import round_rupiah
from cakupan.rules.contribution import flag_notes
from cakupan.rules.errors import InputError
from cakupan.rules.params import PP82_DATE_KEY, SCHOLARSHIP_LEVELS, Entry, Parameters
from cakupan.rules.text import Note, format_date, format_percent, format_rupiah

__all__ = [
    "BENEFIT_TYPES",
    "Benefit",
    "BenefitInput",
    "BenefitLine",
    "ScholarshipYear",
    "calculate_benefit",
    "scholarship_start",
    "school_year_of",
]

BENEFIT_TYPES = (
    "jkm",
    "jkk-death",
    "jkk-total-disability",
    "jkk-partial-disability",
    "stmb",
    "scholarship",
)
_LEVEL_NAMES = {
    "tk": "TK",
    "sd": "SD",
    "smp": "SMP",
    "sma": "SMA",
    "pt": "perguruan tinggi",
}
_FIRST_EVENT = dt.date(2015, 7, 1)
#: The Indonesian school year runs from July to June; it is named by the year it starts in.
_SCHOOL_YEAR_FIRST_MONTH = 7
#: Events this close to the PP 82/2019 date get a note while that date is unverified.
_SWITCH_WARNING_DAYS = 92
_ZERO = Decimal(0)


@dataclass(frozen=True)
class BenefitInput:
    """``wage``: last monthly wage (BPU: declared income) reported, whole rupiah. ``percent``:
    disability percentage 0-100. ``children``: the current level of each child (tk, sd, smp, sma,
    pt); at most 2 are counted."""

    type: str
    event_date: dt.date
    membership_start: dt.date | None = None
    wage: Decimal | None = None
    percent: Decimal | None = None
    days: int | None = None
    children: tuple[str, ...] = ()


@dataclass(frozen=True)
class BenefitLine:
    item: str
    amount: Decimal
    source: str
    explanation: str


def school_year_of(day: dt.date) -> int:
    """The school year (July to June, named by the calendar year it starts in) of ``day``."""
    return day.year if day.month >= _SCHOOL_YEAR_FIRST_MONTH else day.year - 1


def scholarship_start(event_date: dt.date, first_payment: dt.date | None) -> int:
    """School years of the schedule left out before the first payable one: for an event before
    ``first_payment`` (``scholarship.first_payment_date``), the years before the school year that
    includes that date; otherwise 0."""
    if first_payment is None or event_date >= first_payment:
        return 0
    return max(0, school_year_of(first_payment) - school_year_of(event_date))


@dataclass(frozen=True)
class ScholarshipYear:
    """``year`` is a calendar year (the event's year first); the claims app reads it as the
    school year that starts in it, the first being the school year the event falls in."""

    child: int
    year: int
    level: str
    amount: Decimal


@dataclass(frozen=True)
class Benefit:
    type: str
    lines: tuple[BenefitLine, ...]
    total: Decimal
    schedule: tuple[ScholarshipYear, ...]
    notes: tuple[str, ...]


class _Context:
    """Lookups on the benefit date, remembering the entries used (for the notes)."""

    def __init__(self, params: Parameters, event_date: dt.date) -> None:
        self.params = params
        self.event_date = event_date
        self.used: list[Entry] = []
        self.notes: list[str] = []
        switch_entry = params.entry(PP82_DATE_KEY, event_date)
        switch: dt.date = switch_entry.value
        boundary = next(
            e.valid_from for e in params.history("jkm.lump_sum") if e.regulation == "PP 82/2019"
        )
        if event_date >= switch:
            self.day = max(event_date, boundary)
        else:
            self.day = min(event_date, boundary - dt.timedelta(days=1))
        self.pp82 = event_date >= switch
        if switch_entry.overridden:
            self.used.append(switch_entry)
        elif not switch_entry.verified and abs((event_date - switch).days) <= _SWITCH_WARNING_DAYS:
            self.notes.append(
                Note(
                    f"Peristiwa {format_date(event_date)} dekat tanggal berlaku PP 82/2019 yang "
                    f"dipakai ({format_date(switch)}); tanggal itu belum terverifikasi (admin dapat "
                    "mengubahnya).",
                    "unverified",
                )
            )

    def entry(self, key: str) -> Entry:
        found = self.params.entry(key, self.day)
        self.used.append(found)
        return found

    def find(self, key: str) -> Entry | None:
        found = self.params.find(key, self.day)
        if found is not None:
            self.used.append(found)
        return found


def _cite(*entries: Entry) -> str:
    articles: dict[str, list[str]] = {}
    for entry in entries:
        seen = articles.setdefault(entry.regulation, [])
        if entry.article and entry.article not in seen:
            seen.append(entry.article)
    return "; ".join(f"{reg} {', '.join(arts)}".strip() for reg, arts in articles.items())


def _line(item: str, amount: Decimal, text: str, *entries: Entry) -> BenefitLine:
    source = _cite(*entries)
    return BenefitLine(item=item, amount=amount, source=source, explanation=f"{text} ({source})")


def _validate(inp: BenefitInput) -> None:
    if inp.type not in BENEFIT_TYPES:
        raise InputError(
            f"Jenis manfaat tidak dikenal: {inp.type!r} (pilih {', '.join(BENEFIT_TYPES)}).",
            code="type_invalid",
        )
    if inp.event_date < _FIRST_EVENT:
        raise InputError(
            f"Tanggal peristiwa {format_date(inp.event_date)} sebelum 1 Juli 2015; aturan manfaat "
            "yang dihitung di sini (PP 44/2015) berlaku sejak tanggal itu.",
            code="event_date_out_of_range",
        )
    if inp.membership_start is not None and inp.membership_start > inp.event_date:
        raise InputError(
            "Tanggal mulai kepesertaan sesudah tanggal peristiwa.", code="membership_start_invalid"
        )
    needs_wage = inp.type not in ("jkm", "scholarship")
    if needs_wage and inp.wage is None:
        raise InputError("Upah sebulan wajib untuk manfaat ini.", code="wage_required")
    if inp.wage is not None and (
        not inp.wage.is_finite() or inp.wage <= 0 or inp.wage != inp.wage.to_integral_value()
    ):
        raise InputError(
            f"Upah harus rupiah utuh lebih dari nol, bukan {inp.wage}.", code="wage_invalid"
        )
    if inp.type == "jkk-partial-disability":
        if inp.percent is None:
            raise InputError("Persentase cacat wajib diisi.", code="percent_required")
        if not inp.percent.is_finite() or not _ZERO < inp.percent <= 100:
            raise InputError(
                f"Persentase cacat harus lebih dari 0 dan paling tinggi 100, bukan {inp.percent}.",
                code="percent_invalid",
            )
    if inp.type == "stmb":
        if inp.days is None:
            raise InputError("Jumlah hari tidak mampu bekerja wajib diisi.", code="days_required")
        if inp.days < 1:
            raise InputError(
                f"Jumlah hari harus paling sedikit 1, bukan {inp.days}.", code="days_invalid"
            )
    bad = [c for c in inp.children if c not in SCHOLARSHIP_LEVELS]
    if bad:
        raise InputError(
            f"Jenjang anak tidak dikenal: {', '.join(bad)} (pilih {', '.join(SCHOLARSHIP_LEVELS)}).",
            code="child_level_invalid",
        )
    if inp.type == "scholarship":
        if not inp.children:
            raise InputError("Sebutkan jenjang sekolah setiap anak.", code="children_required")
        if inp.membership_start is None:
            raise InputError(
                "Tanggal mulai kepesertaan wajib untuk beasiswa jalur JKM (syarat masa iur).",
                code="membership_start_required",
            )


def calculate_benefit(inp: BenefitInput, params: Parameters) -> Benefit:
    """The cash benefit of one event (see the module docstring). Raises ``InputError`` with a stable
    ``code``: ``type_invalid``, ``event_date_out_of_range``, ``membership_start_invalid``,
    ``wage_required``, ``wage_invalid``, ``percent_required``, ``percent_invalid``,
    ``days_required``, ``days_invalid``, ``child_level_invalid``, ``children_required``,
    ``membership_start_required``."""
    _validate(inp)
    ctx = _Context(params, inp.event_date)
    lines: list[BenefitLine] = []
    schedule: list[ScholarshipYear] = []
    if inp.type == "jkm":
        lines += _jkm_cash(ctx)
        if inp.children:
            if inp.membership_start is None:
                ctx.notes.append(
                    "Beasiswa tidak dihitung: tanggal mulai kepesertaan tidak diberikan, syarat "
                    "masa iur jalur JKM tidak dapat diperiksa."
                )
            elif _jkm_route_eligible(ctx, inp):
                _scholarships(ctx, inp, lines, schedule)
    elif inp.type == "scholarship":
        if _jkm_route_eligible(ctx, inp):
            _scholarships(ctx, inp, lines, schedule)
    elif inp.type in ("jkk-death", "jkk-total-disability"):
        assert inp.wage is not None
        lines += (
            _jkk_death(ctx, inp.wage)
            if inp.type == "jkk-death"
            else _total_disability(ctx, inp.wage)
        )
        if inp.children:
            ctx.notes.append("Beasiswa jalur JKK: tanpa syarat masa iur paling singkat.")
            _scholarships(ctx, inp, lines, schedule)
    elif inp.type == "jkk-partial-disability":
        assert inp.wage is not None
        assert inp.percent is not None
        multiplier = ctx.entry("jkk.partial_disability.wage_multiplier")
        amount = round_rupiah(inp.percent / 100 * multiplier.value * inp.wage)
        lines.append(
            _line(
                "Santunan cacat sebagian",
                amount,
                f"Cacat sebagian: {format_percent(inp.percent / 100)} x {multiplier.value} x "
                f"{format_rupiah(inp.wage)} = {format_rupiah(amount)}",
                multiplier,
            )
        )
        ctx.notes.append(
            "Persentase cacat menurut tabel lampiran PP 44/2015 (tabel itu tidak termasuk di sini)."
        )
    else:
        assert inp.wage is not None
        assert inp.days is not None
        lines += _stmb(ctx, inp.wage, inp.days)
    notes = ctx.notes + flag_notes(ctx.used)
    return Benefit(
        type=inp.type,
        lines=tuple(lines),
        total=sum((line.amount for line in lines), _ZERO),
        schedule=tuple(schedule),
        notes=tuple(notes),
    )


def _jkm_cash(ctx: _Context) -> list[BenefitLine]:
    lump, monthly, months, funeral = (
        ctx.entry("jkm.lump_sum"),
        ctx.entry("jkm.periodic_monthly"),
        ctx.entry("jkm.periodic_months"),
        ctx.entry("jkm.funeral"),
    )
    periodic = monthly.value * months.value
    return [
        _line(
            "Santunan kematian",
            lump.value,
            f"Santunan kematian sekaligus {format_rupiah(lump.value)}",
            lump,
        ),
        _line(
            "Santunan berkala (dibayar sekaligus)",
            periodic,
            f"Santunan berkala {months.value} x {format_rupiah(monthly.value)} = "
            f"{format_rupiah(periodic)}, dibayar sekaligus",
            monthly,
            months,
        ),
        _line(
            "Biaya pemakaman",
            funeral.value,
            f"Biaya pemakaman {format_rupiah(funeral.value)}",
            funeral,
        ),
    ]


def _jkk_death(ctx: _Context, wage: Decimal) -> list[BenefitLine]:
    multiplier, floor = ctx.entry("jkk.death.wage_multiplier"), ctx.entry("jkm.lump_sum")
    computed = round_rupiah(multiplier.value * wage)
    amount = max(computed, floor.value)
    text = (
        f"Santunan kematian: {multiplier.value} x {format_rupiah(wage)} = {format_rupiah(computed)}"
    )
    if computed < floor.value:
        text += (
            f", kurang dari santunan kematian JKM {format_rupiah(floor.value)}; dipakai "
            f"{format_rupiah(amount)}"
        )
    funeral, periodic = ctx.entry("jkk.death.funeral"), ctx.entry("jkk.death.periodic_total")
    return [
        _line("Santunan kematian akibat kecelakaan kerja", amount, text, multiplier, floor),
        _line(
            "Santunan berkala (dibayar sekaligus)",
            periodic.value,
            f"Santunan berkala dibayar sekaligus {format_rupiah(periodic.value)}",
            periodic,
        ),
        _line(
            "Biaya pemakaman",
            funeral.value,
            f"Biaya pemakaman {format_rupiah(funeral.value)}",
            funeral,
        ),
    ]


def _total_disability(ctx: _Context, wage: Decimal) -> list[BenefitLine]:
    multiplier = ctx.entry("jkk.total_disability.wage_multiplier")
    amount = round_rupiah(multiplier.value * wage)
    lines = [
        _line(
            "Santunan cacat total tetap",
            amount,
            f"Cacat total tetap: {multiplier.value} x {format_rupiah(wage)} = {format_rupiah(amount)}",
            multiplier,
        )
    ]
    periodic = ctx.entry("jkk.total_disability.periodic_total")
    if periodic.value:
        lines.append(
            _line(
                "Santunan berkala (dibayar sekaligus)",
                periodic.value,
                f"Santunan berkala dibayar sekaligus {format_rupiah(periodic.value)}",
                periodic,
            )
        )
    else:
        ctx.notes.append(
            f"Santunan berkala cacat total tetap menurut {periodic.regulation} belum diketahui "
            "besarnya; tidak dihitung (admin dapat menetapkannya)."
        )
    return lines


def _stmb(ctx: _Context, wage: Decimal, days: int) -> list[BenefitLine]:
    schedule, divisor = ctx.entry("stmb.schedule"), ctx.entry("stmb.daily_wage_divisor")
    lines = []
    start = 1
    for upto, percent in schedule.value:
        end = days if upto is None else min(upto, days)
        if end >= start:
            count = end - start + 1
            amount = round_rupiah(count * wage * percent / 100 / divisor.value)
            lines.append(
                _line(
                    f"STMB hari ke-{start} s.d. {end} ({format_percent(percent / 100)})",
                    amount,
                    f"STMB: {count} hari x {format_rupiah(wage)}/{divisor.value} x "
                    f"{format_percent(percent / 100)} = {format_rupiah(amount)}",
                    schedule,
                )
            )
        if upto is None or upto >= days:
            break
        start = upto + 1
    ctx.notes.append(f"Upah harian = upah sebulan / {divisor.value}; 12 bulan dihitung 365 hari.")
    ctx.notes.append(
        Note(
            "Untuk peserta BPU aturan STMB (100% paling lama 1 tahun?) belum terverifikasi.",
            "unverified",
        )
    )
    return lines


def _jkm_route_eligible(ctx: _Context, inp: BenefitInput) -> bool:
    assert inp.membership_start is not None
    minimum = ctx.entry("scholarship.jkm_min_contribution_months")
    months = full_months(inp.membership_start, inp.event_date)
    if months >= minimum.value:
        ctx.notes.append(
            f"Beasiswa jalur JKM: masa iur {months} bulan penuh sejak "
            f"{format_date(inp.membership_start)}, memenuhi paling sedikit {minimum.value} bulan "
            f"({_cite(minimum)})."
        )
        return True
    ctx.notes.append(
        f"Tidak ada beasiswa jalur JKM: masa iur {months} bulan penuh sejak "
        f"{format_date(inp.membership_start)}, kurang dari {minimum.value} bulan ({_cite(minimum)})."
    )
    return False


def _scholarships(
    ctx: _Context, inp: BenefitInput, lines: list[BenefitLine], schedule: list[ScholarshipYear]
) -> None:
    max_children = ctx.entry("scholarship.max_children")
    counted = inp.children[: max_children.value]
    for extra, level in enumerate(inp.children[max_children.value :], start=max_children.value + 1):
        ctx.notes.append(
            f"Anak ke-{extra} ({_LEVEL_NAMES[level]}) tidak dihitung: beasiswa paling banyak "
            f"{max_children.value} anak ({_cite(max_children)})."
        )
    year = inp.event_date.year
    levels = ctx.find("scholarship.levels")
    if levels is None:
        lump = ctx.entry("scholarship.lump_sum")
        for child, level in enumerate(counted, start=1):
            schedule.append(ScholarshipYear(child, year, level, lump.value))
            lines.append(
                _line(
                    f"Beasiswa anak ke-{child} (sekaligus)",
                    lump.value,
                    f"Beasiswa pendidikan satu anak, sekaligus {format_rupiah(lump.value)}",
                    lump,
                    max_children,
                )
            )
        return
    order = [level for level, _, _ in levels.value]
    first_payment = ctx.params.find("scholarship.first_payment_date", ctx.day)
    skip = scholarship_start(inp.event_date, first_payment.value if first_payment else None)
    if skip and first_payment is not None:
        ctx.used.append(first_payment)
        start = school_year_of(inp.event_date) + skip
        ctx.notes.append(
            Note(
                f"Beasiswa PP 82/2019 baru dibayar sejak {format_date(first_payment.value)} "
                f"({_cite(first_payment) or first_payment.regulation}); peristiwa "
                f"{format_date(inp.event_date)} sebelum tanggal itu: angsuran mulai tahun ajaran "
                f"{start}/{start + 1}, {skip} tahun ajaran sebelumnya tidak dijadwalkan (tidak "
                "ditemukan aturan peralihan).",
                "" if first_payment.verified else "unverified",
            )
        )
    for child, level in enumerate(counted, start=1):
        years: list[ScholarshipYear] = []
        current = year
        for name, yearly, max_years in levels.value[order.index(level) :]:
            for _ in range(max_years):
                years.append(ScholarshipYear(child, current, name, yearly))
                current += 1
        kept = years[skip:]
        if not kept:
            continue
        schedule.extend(kept)
        child_total = sum((y.amount for y in kept), _ZERO)
        parts = []
        for name, yearly, _max in levels.value:
            count = sum(1 for y in kept if y.level == name)
            if count:
                parts.append(f"{_LEVEL_NAMES[name]} {count} x {format_rupiah(yearly)}")
        first_level = kept[0].level
        span = (
            _LEVEL_NAMES[first_level]
            if first_level == order[-1]
            else f"{_LEVEL_NAMES[first_level]} s.d. {_LEVEL_NAMES[order[-1]]}"
        )
        lines.append(
            _line(
                f"Beasiswa anak ke-{child} ({span}, paling banyak)",
                child_total,
                f"Beasiswa anak ke-{child}, {kept[0].year}-{kept[-1].year}: {' + '.join(parts)} "
                f"= {format_rupiah(child_total)}",
                levels,
                max_children,
            )
        )
    max_age = ctx.find("scholarship.max_age")
    age = f"berusia {max_age.value} tahun, " if max_age is not None else ""
    ctx.notes.append(
        "Beasiswa dibayar per tahun dengan bukti sekolah; jadwal ini jumlah paling banyak. Berhenti "
        f"bila anak {age}menikah, bekerja atau putus sekolah."
    )
