"""Whether a death, work accident or occupational disease gives a claim, and for how much.

A pure calculator over frozen facts (the person's memberships, the event, the payer's arrears, the
children named for scholarships); the claims app gathers the facts from the database and stores the
result it decided on. Every reason cites the rule it applies; amounts and conditions are the rules
engine's values in force on the event date (PP 44/2015 before the PP 82/2019 date, PP 82/2019
after it).

Contract
- ``event_date`` after ``today`` or before 1 July 2015, an unknown claim type, a third child for a
  scholarship or a child level the engine does not know raise ``InputError`` (the caller's input
  is wrong; nothing is decided).
- Coverage: a membership whose status is covered (registered, active, lapsed, ended: the caller
  says which) and whose period ``[start, end]`` includes the event date. None: not eligible, and
  the refusal lists the person's membership periods; an event before the first membership's start
  says so (code ``event_before_membership``).
- Type by cause (``claim_type_for``): a death not caused by work is JKM (PP 44/2015); a
  death from a work accident (at work or on the way to or from it) or an occupational disease is a
  JKK death; an accident or disease without death a JKK accident. A requested type that disagrees
  with a known cause is refused (``type_mismatch``).
- Masa iur (contribution period): full months from the start of the uninterrupted coverage that
  includes the event date: covered memberships in any unit join when one starts on or before the
  day after another ends. A gap starts the count again.
- Scholarship: JKM route only with at least ``scholarship.jkm_min_contribution_months`` (60 before
  PP 82/2019, 36 after); JKK route without a minimum. At most ``scholarship.max_children``
  children; a child older than ``scholarship.max_age`` on the event date, married or working
  gets none (a reason says why). The benefit's schedule is the most that can be paid. A PP 82/2019
  event before ``scholarship.first_payment_date`` (1 April 2021, unverified) has its schedule
  start at the school year that includes that date (reason ``scholarship_payment_start``).
- Arrears (JKK only): a PU payer with more than ``pu.arrears_threshold_months`` contribution months
  past due and unpaid on the event date: the employer pays the JKK benefit first and is reimbursed
  after settling (flag ``employer_pays_first``, naming the payer). Eligibility is unchanged.
- Stage I report (JKK accident or death): the employer's report later than
  ``claim.jkk_stage1_report_hours`` after the accident is flagged (``stage1_report_late``), never
  refused. The flag needs both times; a missing report is flagged too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from cakupan.common.dates import add_months, full_months
from cakupan.rules.benefits import (
    Benefit,
    BenefitInput,
    BenefitLine,
    calculate_benefit,
    scholarship_start,
    school_year_of,
)
from cakupan.rules.errors import InputError
from cakupan.rules.params import PP82_DATE_KEY, SCHOLARSHIP_LEVELS, Entry, Parameters
from cakupan.rules.text import Note, format_date, format_rupiah

__all__ = [
    "CLAIM_TYPES",
    "EVENT_KINDS",
    "ChildFacts",
    "Eligibility",
    "EligibilityInput",
    "EventFacts",
    "MembershipFacts",
    "Reason",
    "assess",
    "claim_type_for",
]

CLAIM_TYPES = ("jkm", "jkk-death", "jkk-accident")
EVENT_KINDS = ("death", "accident", "disease")
_FIRST_EVENT = dt.date(2015, 7, 1)
_ZERO = Decimal(0)

# Rules whose citation is a regulation rather than a value of the data files. DOMAIN.md names no
# article for them (section 4.1, 4.3), so none is asserted: the citation is the regulation and
# what it provides, marked "pasal belum terverifikasi" (the data files leave ``article`` empty
# for the same reason).
RULE_ACTIVE_JKM = (
    "PP 44/2015, pasal belum terverifikasi: JKM bagi peserta yang meninggal dunia dalam masa aktif"
)
RULE_ACTIVE_JKK = (
    "PP 44/2015, pasal belum terverifikasi: JKK bagi peserta yang terlindungi pada saat "
    "kecelakaan kerja"
)
RULE_CAUSE = (
    "PP 44/2015, pasal belum terverifikasi: kecelakaan kerja termasuk perjalanan pergi dan pulang "
    "kerja, dan penyakit akibat kerja; JKM untuk meninggal dunia bukan akibat kecelakaan kerja"
)
RULE_MASA_IUR = "Masa iur: bulan penuh kepesertaan tanpa terputus sampai tanggal peristiwa"
RULE_CHILD = "PP 82/2019; Permenaker 5/2021: beasiswa berhenti bila anak menikah atau bekerja"

ReasonKind = Literal["ok", "refused", "flag", "info"]


@dataclass(frozen=True)
class Reason:
    """One finding: ``kind`` ``ok`` (a condition met), ``refused`` (not eligible), ``flag`` (eligible,
    but someone must act: the employer pays first, a late report) or ``info``. ``rule`` cites the
    regulation and article (or the data value) applied."""

    code: str
    kind: ReasonKind
    message: str
    rule: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "kind": self.kind, "message": self.message, "rule": self.rule}


@dataclass(frozen=True)
class MembershipFacts:
    """One membership of the person. ``covered``: its status gives protection in its period."""

    id: int | None
    start: dt.date
    end: dt.date | None
    status: str
    status_label: str
    covered: bool
    scheme: str
    segment: str
    segment_label: str
    unit: str
    payer: str
    wage: Decimal

    def includes(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def period_text(self) -> str:
        end = format_date(self.end) if self.end else "sekarang"
        return (
            f"{format_date(self.start)} s.d. {end} ({self.unit}, {self.segment_label}, "
            f"{self.status_label})"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "start": self.start,
            "end": self.end,
            "status": self.status,
            "covered": self.covered,
            "scheme": self.scheme,
            "segment": self.segment,
            "unit": self.unit,
            "payer": self.payer,
            "wage": self.wage,
        }


@dataclass(frozen=True)
class ChildFacts:
    """A child named for a scholarship: school ``level`` (tk, sd, smp, sma, pt) on the event date."""

    name: str
    birth_date: dt.date
    level: str
    married: bool = False
    working: bool = False


@dataclass(frozen=True)
class EventFacts:
    """``kind``: death, accident or disease. ``work_related``: the death or accident happened at
    work or on the way to or from it, or comes from an occupational disease; ``None`` when not
    stated (the CLI), then the requested type decides. ``occurred_at`` and
    ``employer_reported_at``: the accident and the employer's stage I report (JKK)."""

    kind: str
    event_date: dt.date
    work_related: bool | None = None
    occurred_at: dt.datetime | None = None
    employer_reported_at: dt.datetime | None = None
    stmb_days: int | None = None
    disability_percent: Decimal | None = None
    total_disability: bool = False


@dataclass(frozen=True)
class EligibilityInput:
    claim_type: str
    event: EventFacts
    today: dt.date
    memberships: tuple[MembershipFacts, ...]
    children: tuple[ChildFacts, ...] = ()
    #: Contribution months past due and unpaid on the event date, of the covering membership's
    #: payer (PU only; ``None``: not known or not applicable).
    payer_arrears_months: int | None = None


@dataclass(frozen=True)
class Eligibility:
    claim_type: str
    eligible: bool
    reasons: tuple[Reason, ...]
    membership: MembershipFacts | None
    coverage_start: dt.date | None
    contribution_months: int
    employer_pays_first: bool
    scholarship: bool
    scholarship_children: tuple[int, ...]
    benefit: Benefit | None
    #: The cash part (everything but the scholarships) and the scholarships' schedule total.
    cash_total: Decimal
    scholarship_total: Decimal
    regulation: str
    notes: tuple[str, ...] = field(default=())

    def refusal(self) -> Reason | None:
        return next((r for r in self.reasons if r.kind == "refused"), None)


def claim_type_for(kind: str, work_related: bool) -> str:
    """The claim type of an event by its cause (see the module docstring)."""
    if kind not in EVENT_KINDS:
        raise InputError(
            f"Jenis peristiwa tidak dikenal: {kind!r} (pilih {', '.join(EVENT_KINDS)}).",
            code="event_kind_invalid",
        )
    if kind == "death":
        return "jkk-death" if work_related else "jkm"
    return "jkk-accident"


def _validate(inp: EligibilityInput, params: Parameters) -> None:
    if inp.claim_type not in CLAIM_TYPES:
        raise InputError(
            f"Jenis klaim tidak dikenal: {inp.claim_type!r} (pilih {', '.join(CLAIM_TYPES)}).",
            code="type_invalid",
        )
    day = inp.event.event_date
    if day > inp.today:
        raise InputError(
            f"Tanggal peristiwa {format_date(day)} sesudah hari ini ({format_date(inp.today)}): "
            "klaim hanya untuk peristiwa yang sudah terjadi.",
            code="event_date_future",
        )
    if day < _FIRST_EVENT:
        raise InputError(
            f"Tanggal peristiwa {format_date(day)} sebelum 1 Juli 2015; aturan manfaat yang "
            "dihitung di sini (PP 44/2015) berlaku sejak tanggal itu.",
            code="event_date_out_of_range",
        )
    bad = [c.level for c in inp.children if c.level not in SCHOLARSHIP_LEVELS]
    if bad:
        raise InputError(
            f"Jenjang anak tidak dikenal: {', '.join(bad)} (pilih {', '.join(SCHOLARSHIP_LEVELS)}).",
            code="child_level_invalid",
        )


def _cite(entry: Entry) -> str:
    return f"{entry.regulation} {entry.article}".strip()


def _benefit_day(params: Parameters, day: dt.date) -> dt.date:
    """The day whose values apply: the event date, moved across the data files' PP 82/2019
    boundary when an admin moved the switch date (as ``rules.benefits`` does)."""
    switch: dt.date = params.value(PP82_DATE_KEY, day)
    boundary = next(
        e.valid_from for e in params.history("jkm.lump_sum") if e.regulation == "PP 82/2019"
    )
    if day >= switch:
        return max(day, boundary)
    return min(day, boundary - dt.timedelta(days=1))


def _scholarship_entry(params: Parameters, day: dt.date, key: str) -> Entry | None:
    return params.find(key, _benefit_day(params, day))


def _coverage_start(memberships: Sequence[MembershipFacts], covering: MembershipFacts) -> dt.date:
    """The start of the uninterrupted covered period that includes ``covering``."""
    start = covering.start
    covered = [m for m in memberships if m.covered]
    moved = True
    while moved:
        moved = False
        for m in covered:
            # ``m`` ends on or after the day before ``start`` (or never) and begins earlier.
            if m.start < start and (m.end is None or m.end >= start - dt.timedelta(days=1)):
                start, moved = m.start, True
    return start


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def assess(inp: EligibilityInput, params: Parameters) -> Eligibility:
    """Decide a claim (see the module docstring). Raises ``InputError`` for bad input."""
    _validate(inp, params)
    event = inp.event
    day = event.event_date
    reasons: list[Reason] = []
    jkk = inp.claim_type.startswith("jkk")
    regulation = "PP 82/2019" if day >= params.value(PP82_DATE_KEY, day) else "PP 44/2015"
    switch_entry = params.entry(PP82_DATE_KEY, day)
    reasons.append(
        Reason(
            "regulation",
            "info",
            f"Manfaat menurut {regulation}: peristiwa {format_date(day)}, PP 82/2019 berlaku "
            f"sejak {format_date(switch_entry.value)}.",
            _cite(switch_entry) or "PP 82/2019",
        )
    )

    # 1. Type by cause.
    if event.work_related is not None:
        expected = claim_type_for(event.kind, event.work_related)
        if expected != inp.claim_type:
            reasons.append(
                Reason(
                    "type_mismatch",
                    "refused",
                    f"Penyebab peristiwa menunjuk klaim {expected.upper()}, bukan "
                    f"{inp.claim_type.upper()}.",
                    RULE_CAUSE,
                )
            )
        else:
            cause = (
                "akibat kerja (di tempat kerja, dalam perjalanan pergi/pulang kerja, atau penyakit "
                "akibat kerja)"
                if event.work_related or event.kind == "disease"
                else "bukan akibat kerja"
            )
            reasons.append(
                Reason(
                    "type_by_cause",
                    "ok",
                    f"Peristiwa {cause}: klaim {inp.claim_type.upper()}.",
                    RULE_CAUSE,
                )
            )
    elif event.kind != "death" and inp.claim_type != "jkk-accident":
        reasons.append(
            Reason(
                "type_mismatch",
                "refused",
                "Kecelakaan atau penyakit tanpa kematian hanya memberi klaim JKK kecelakaan.",
                RULE_CAUSE,
            )
        )

    # 2. Coverage on the event date.
    covering = next(
        (
            m
            for m in sorted(inp.memberships, key=lambda m: (m.start, m.id or 0))
            if m.covered and m.includes(day)
        ),
        None,
    )
    rule_active = RULE_ACTIVE_JKK if jkk else RULE_ACTIVE_JKM
    periods = "; ".join(m.period_text() for m in sorted(inp.memberships, key=lambda m: m.start))
    coverage_start: dt.date | None = None
    months = 0
    if covering is None:
        first = min((m.start for m in inp.memberships), default=None)
        if first is not None and day < first:
            reasons.append(
                Reason(
                    "event_before_membership",
                    "refused",
                    f"Peristiwa {format_date(day)} terjadi sebelum kepesertaan dimulai "
                    f"({format_date(first)}). Kepesertaan: {periods}.",
                    rule_active,
                )
            )
        else:
            reasons.append(
                Reason(
                    "no_covered_membership",
                    "refused",
                    f"Tidak ada kepesertaan yang melindungi pada {format_date(day)}. "
                    + (
                        f"Kepesertaan: {periods}." if periods else "Tidak ada kepesertaan tercatat."
                    ),
                    rule_active,
                )
            )
    else:
        coverage_start = _coverage_start(inp.memberships, covering)
        months = full_months(coverage_start, day)
        reasons.append(
            Reason(
                "covered",
                "ok",
                f"Terlindungi pada {format_date(day)}: {covering.period_text()}.",
                rule_active,
            )
        )
        reasons.append(
            Reason(
                "contribution_period",
                "info",
                f"Masa iur {months} bulan penuh sejak {format_date(coverage_start)}.",
                RULE_MASA_IUR,
            )
        )

    # 3. Arrears of a PU payer (JKK only).
    employer_pays_first = False
    if jkk and covering is not None and covering.scheme == "pu":
        threshold = params.entry("pu.arrears_threshold_months", day)
        owed = inp.payer_arrears_months or 0
        if owed > threshold.value:
            employer_pays_first = True
            reasons.append(
                Reason(
                    "employer_pays_first",
                    "flag",
                    f"Pemberi kerja {covering.payer} menunggak iuran {owed} bulan pada "
                    f"{format_date(day)} (lebih dari {threshold.value} bulan): manfaat JKK dibayar "
                    "lebih dulu oleh pemberi kerja, lalu diganti BPJS Ketenagakerjaan setelah "
                    "tunggakan dan dendanya dilunasi.",
                    _cite(threshold),
                )
            )
        elif inp.payer_arrears_months is not None:
            reasons.append(
                Reason(
                    "employer_arrears_within_limit",
                    "ok",
                    f"Tunggakan iuran pemberi kerja {covering.payer} pada {format_date(day)}: "
                    f"{owed} bulan (paling banyak {threshold.value}); BPJS Ketenagakerjaan membayar.",
                    _cite(threshold),
                )
            )

    # 4. Stage I report of an accident (JKK).
    if jkk:
        reasons.extend(_stage1(event, params))

    # 5. Scholarship children and the route's contribution period.
    children: list[ChildFacts] = []
    max_age = _scholarship_entry(params, day, "scholarship.max_age")
    for child in inp.children:
        age = _age_on(child.birth_date, day)
        why = []
        if max_age is not None and age > max_age.value:
            why.append(f"berusia {age} tahun (batas {max_age.value} tahun, {_cite(max_age)})")
        if child.married:
            why.append("sudah menikah")
        if child.working:
            why.append("sudah bekerja")
        if why:
            reasons.append(
                Reason(
                    "child_not_eligible",
                    "info",
                    f"{child.name} tidak mendapat beasiswa: {', '.join(why)}.",
                    _cite(max_age) if max_age is not None and age > max_age.value else RULE_CHILD,
                )
            )
        else:
            children.append(child)
    most = _scholarship_entry(params, day, "scholarship.max_children")
    if most is not None and len(children) > most.value:
        raise InputError(
            f"Beasiswa paling banyak untuk {most.value} anak ({_cite(most)}); "
            f"{len(children)} anak yang memenuhi syarat disebutkan.",
            code="scholarship_children_too_many",
        )
    scholarship = False
    wanted = bool(children) and inp.claim_type != "jkk-accident"
    if wanted and covering is not None:
        if jkk:
            scholarship = True
            reasons.append(
                Reason(
                    "scholarship_jkk_route",
                    "ok",
                    "Beasiswa jalur JKK: tanpa syarat masa iur paling singkat.",
                    _cite(params.entry("scholarship.max_children", _benefit_day(params, day))),
                )
            )
        else:
            minimum = params.entry(
                "scholarship.jkm_min_contribution_months", _benefit_day(params, day)
            )
            assert coverage_start is not None
            scholarship = months >= minimum.value
            reasons.append(
                Reason(
                    "scholarship_contribution_period",
                    "ok" if scholarship else "info",
                    (
                        f"Beasiswa jalur JKM: masa iur {months} bulan penuh, "
                        + (
                            f"memenuhi paling sedikit {minimum.value} bulan."
                            if scholarship
                            else f"kurang dari {minimum.value} bulan: tidak ada beasiswa. Syarat "
                            f"terpenuhi pada {format_date(add_months(coverage_start, minimum.value))}"
                            " bila kepesertaan tidak terputus."
                        )
                    ),
                    _cite(minimum),
                )
            )

    if scholarship:
        first_payment = _scholarship_entry(params, day, "scholarship.first_payment_date")
        skip = scholarship_start(day, first_payment.value if first_payment is not None else None)
        if skip and first_payment is not None:
            start = school_year_of(day) + skip
            reasons.append(
                Reason(
                    "scholarship_payment_start",
                    "info",
                    f"Beasiswa PP 82/2019 baru dibayar sejak {format_date(first_payment.value)}: "
                    f"peristiwa {format_date(day)} sebelum tanggal itu, angsuran mulai tahun "
                    f"ajaran {start}/{start + 1}; {skip} tahun ajaran sebelumnya tidak dijadwalkan "
                    "(tidak ditemukan aturan peralihan)"
                    + ("" if first_payment.verified else "; nilai ini belum terverifikasi")
                    + ".",
                    _cite(first_payment) or first_payment.regulation,
                )
            )

    eligible = covering is not None and not any(r.kind == "refused" for r in reasons)
    benefit = None
    cash = scholarships = _ZERO
    notes: list[str] = []
    if eligible:
        assert covering is not None
        assert coverage_start is not None
        benefit = _benefit(
            inp, covering, coverage_start, tuple(c.level for c in children) if scholarship else ()
        ).calculate(params)
        cash = sum((line.amount for line in benefit.lines if not _is_scholarship(line)), _ZERO)
        scholarships = sum((line.amount for line in benefit.lines if _is_scholarship(line)), _ZERO)
        notes = list(benefit.notes)
        reasons.append(
            Reason(
                "benefit",
                "info",
                f"Hak tunai {format_rupiah(cash)}"
                + (
                    f"; beasiswa paling banyak {format_rupiah(scholarships)}"
                    if scholarships
                    else ""
                )
                + ".",
                "; ".join(dict.fromkeys(line.source for line in benefit.lines if line.source))
                or regulation,
            )
        )
    counted = tuple(
        i for i, child in enumerate(inp.children, start=1) if child in children and scholarship
    )
    return Eligibility(
        claim_type=inp.claim_type,
        eligible=eligible,
        reasons=tuple(reasons),
        membership=covering,
        coverage_start=coverage_start,
        contribution_months=months,
        employer_pays_first=employer_pays_first,
        scholarship=scholarship and bool(children),
        scholarship_children=counted,
        benefit=benefit,
        cash_total=cash,
        scholarship_total=scholarships,
        regulation=regulation,
        notes=tuple(notes),
    )


def _stage1(event: EventFacts, params: Parameters) -> list[Reason]:
    hours = params.find("claim.jkk_stage1_report_hours", event.event_date)
    if hours is None:
        return [
            Reason(
                "stage1_report_not_checked",
                "info",
                "Batas waktu laporan kecelakaan tahap I tidak diperiksa untuk peristiwa sebelum "
                "Permenaker 5/2021 berlaku.",
                "Permenaker 5/2021",
            )
        ]
    if event.occurred_at is None or event.employer_reported_at is None:
        return [
            Reason(
                "stage1_report_missing",
                "flag",
                f"Laporan kecelakaan tahap I oleh pemberi kerja belum dicatat (paling lambat "
                f"{hours.value} jam sesudah kecelakaan).",
                _cite(hours),
            )
        ]
    late = event.employer_reported_at - event.occurred_at > dt.timedelta(hours=hours.value)
    return [
        Reason(
            "stage1_report_late" if late else "stage1_report_on_time",
            "flag" if late else "ok",
            (
                f"Laporan tahap I {event.employer_reported_at:%d-%m-%Y %H:%M}, "
                f"kecelakaan {event.occurred_at:%d-%m-%Y %H:%M}: "
                + (
                    f"terlambat (lebih dari {hours.value} jam); dicatat, klaim tetap diproses."
                    if late
                    else f"dalam {hours.value} jam."
                )
            ),
            _cite(hours),
        )
    ]


def _is_scholarship(line: BenefitLine) -> bool:
    return line.item.startswith("Beasiswa")


@dataclass(frozen=True)
class _BenefitPlan:
    parts: tuple[BenefitInput, ...]
    type: str

    def calculate(self, params: Parameters) -> Benefit:
        if not self.parts:
            return Benefit(
                type=self.type,
                lines=(),
                total=_ZERO,
                schedule=(),
                notes=(
                    Note(
                        "Perawatan dan pengobatan sesuai kebutuhan medis dibayar BPJS "
                        "Ketenagakerjaan kepada fasilitas kesehatan; santunan tunai (STMB, cacat) "
                        "dihitung setelah laporan tahap II."
                    ),
                ),
            )
        results = [calculate_benefit(part, params) for part in self.parts]
        lines = tuple(line for r in results for line in r.lines)
        return Benefit(
            type=self.type,
            lines=lines,
            total=sum((line.amount for line in lines), _ZERO),
            schedule=tuple(s for r in results for s in r.schedule),
            notes=tuple(dict.fromkeys(n for r in results for n in r.notes)),
        )


def _benefit(
    inp: EligibilityInput,
    covering: MembershipFacts,
    coverage_start: dt.date,
    children: tuple[str, ...],
) -> _BenefitPlan:
    day = inp.event.event_date
    wage = covering.wage if covering.wage > 0 else None
    if inp.claim_type == "jkm":
        return _BenefitPlan(
            (BenefitInput("jkm", day, membership_start=coverage_start, children=children),), "jkm"
        )
    if inp.claim_type == "jkk-death":
        return _BenefitPlan(
            (
                BenefitInput(
                    "jkk-death",
                    day,
                    membership_start=coverage_start,
                    wage=wage,
                    children=children,
                ),
            ),
            "jkk-death",
        )
    parts = []
    event = inp.event
    if event.stmb_days:
        parts.append(BenefitInput("stmb", day, wage=wage, days=event.stmb_days))
    if event.total_disability:
        parts.append(BenefitInput("jkk-total-disability", day, wage=wage))
    elif event.disability_percent:
        parts.append(
            BenefitInput("jkk-partial-disability", day, wage=wage, percent=event.disability_percent)
        )
    return _BenefitPlan(tuple(parts), "jkk-accident")
