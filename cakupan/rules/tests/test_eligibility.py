"""Eligibility of a claim, worked by hand from the regulation values (DOMAIN.md sections 4.1-4.3 and
the December 2026 corrections). Expected figures are written out, never derived from the code."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from cakupan.rules.eligibility import (
    ChildFacts,
    Eligibility,
    EligibilityInput,
    EventFacts,
    MembershipFacts,
    Reason,
    assess,
    claim_type_for,
)
from cakupan.rules.errors import InputError
from cakupan.rules.params import PP82_DATE_KEY, Override, Parameters, load_parameters

D = dt.date
TODAY = D(2026, 6, 30)


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters()


def membership(
    start: dt.date,
    end: dt.date | None = None,
    *,
    covered: bool = True,
    scheme: str = "pu",
    wage: int = 3_000_000,
    pk: int = 1,
    status: str = "active",
) -> MembershipFacts:
    return MembershipFacts(
        id=pk,
        start=start,
        end=end,
        status=status,
        status_label=status,
        covered=covered,
        scheme=scheme,
        segment="perangkat_desa",
        segment_label="Perangkat desa",
        unit="Pemerintah Desa Uji",
        payer="Pemerintah Desa Uji",
        wage=Decimal(wage),
    )


def death(day: dt.date, *, work: bool | None = False, **extra: object) -> EventFacts:
    return EventFacts(kind="death", event_date=day, work_related=work, **extra)  # type: ignore[arg-type]


def run(
    params: Parameters,
    claim_type: str,
    event: EventFacts,
    *memberships: MembershipFacts,
    children: tuple[ChildFacts, ...] = (),
    arrears: int | None = None,
    today: dt.date = TODAY,
) -> Eligibility:
    return assess(
        EligibilityInput(
            claim_type=claim_type,
            event=event,
            today=today,
            memberships=memberships,
            children=children,
            payer_arrears_months=arrears,
        ),
        params,
    )


def refused(result: Eligibility) -> Reason:
    reason = result.refusal()
    assert reason is not None
    return reason


def codes(result: Eligibility) -> dict[str, str]:
    return {r.code: r.kind for r in result.reasons}


def child(name: str, born: dt.date, level: str, **extra: bool) -> ChildFacts:
    return ChildFacts(name=name, birth_date=born, level=level, **extra)


# --- the type by cause ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "work", "expected"),
    [
        ("death", False, "jkm"),
        ("death", True, "jkk-death"),
        ("accident", True, "jkk-accident"),
        ("disease", True, "jkk-accident"),
    ],
)
def test_claim_type_by_cause(kind: str, work: bool, expected: str) -> None:
    assert claim_type_for(kind, work) == expected


def test_a_type_that_disagrees_with_the_cause_is_refused(params: Parameters) -> None:
    result = run(params, "jkm", death(D(2024, 5, 2), work=True), membership(D(2020, 1, 1)))
    assert result.eligible is False
    assert result.refusal() is not None
    assert refused(result).code == "type_mismatch"
    assert refused(result).message == "Penyebab peristiwa menunjuk klaim JKK-DEATH, bukan JKM."
    assert result.benefit is None


# --- coverage on the event date ---------------------------------------------------------------


def test_covered_jkm_death_since_pp82_is_42_million_cash(params: Parameters) -> None:
    """DOMAIN 4.1: 20M + 24 x 500k + 10M = 42M; no child named, so no scholarship."""
    result = run(params, "jkm", death(D(2024, 3, 10)), membership(D(2022, 1, 3)))
    assert result.eligible is True
    assert result.cash_total == Decimal(42_000_000)
    assert result.scholarship_total == 0
    assert result.regulation == "PP 82/2019"
    assert result.contribution_months == 26  # 3 Jan 2022 -> 3 Mar 2024
    assert codes(result)["covered"] == "ok"
    assert result.membership is not None
    assert result.membership.id == 1


def test_no_covered_membership_lists_the_periods(params: Parameters) -> None:
    result = run(
        params,
        "jkm",
        death(D(2024, 3, 10)),
        membership(D(2019, 7, 1), D(2023, 12, 31), status="ended"),
    )
    assert result.eligible is False
    refusal = result.refusal()
    assert refusal is not None
    assert refusal.code == "no_covered_membership"
    assert refusal.message == (
        "Tidak ada kepesertaan yang melindungi pada 10-03-2024. Kepesertaan: 01-07-2019 s.d. "
        "31-12-2023 (Pemerintah Desa Uji, Perangkat desa, ended)."
    )
    # DOMAIN.md names no article for "JKM while active": none is asserted.
    assert refusal.rule == (
        "PP 44/2015, pasal belum terverifikasi: JKM bagi peserta yang meninggal dunia dalam masa "
        "aktif"
    )


def test_an_ended_membership_still_covers_its_own_period(params: Parameters) -> None:
    result = run(params, "jkm", death(D(2023, 12, 31)), membership(D(2019, 7, 1), D(2023, 12, 31)))
    assert result.eligible is True


def test_a_draft_membership_does_not_cover(params: Parameters) -> None:
    result = run(
        params,
        "jkm",
        death(D(2024, 3, 10)),
        membership(D(2020, 1, 1), covered=False, status="draft"),
    )
    assert refused(result).code == "no_covered_membership"


def test_event_before_the_membership_starts(params: Parameters) -> None:
    result = run(params, "jkm", death(D(2021, 12, 31)), membership(D(2022, 1, 3)))
    assert refused(result).code == "event_before_membership"
    assert refused(result).message.startswith(
        "Peristiwa 31-12-2021 terjadi sebelum kepesertaan dimulai (03-01-2022)."
    )


@pytest.mark.parametrize(
    ("day", "code"),
    [(D(2026, 7, 1), "event_date_future"), (D(2015, 6, 30), "event_date_out_of_range")],
)
def test_future_and_too_early_events_are_bad_input(
    params: Parameters, day: dt.date, code: str
) -> None:
    with pytest.raises(InputError) as info:
        run(params, "jkm", death(day), membership(D(2015, 1, 1)))
    assert info.value.code == code


# --- masa iur and the 36-month line -----------------------------------------------------------


SD_2024 = child("Anak Satu", D(2016, 5, 1), "sd")


@pytest.mark.parametrize(
    ("start", "event", "months", "scholarship"),
    [
        # 15 Mar 2021 + 36 months = 15 Mar 2024: qualifies on the day
        (D(2021, 3, 15), D(2024, 3, 15), 36, 84_000_000),
        # one day short: 35 full months
        (D(2021, 3, 15), D(2024, 3, 14), 35, 0),
        # start on the 31st: 31 Jan 2021 + 36 months = 31 Jan 2024
        (D(2021, 1, 31), D(2024, 1, 31), 36, 84_000_000),
    ],
)
def test_jkm_scholarship_needs_36_full_months_since_pp82(
    params: Parameters, start: dt.date, event: dt.date, months: int, scholarship: int
) -> None:
    """SD 6 x 1.5M + SMP 3 x 2M + SMA 3 x 3M + PT 5 x 12M = 84M (DOMAIN 4.2)."""
    result = run(params, "jkm", death(event), membership(start), children=(SD_2024,))
    assert result.contribution_months == months
    assert result.scholarship_total == Decimal(scholarship)
    assert result.cash_total == Decimal(42_000_000)
    assert result.scholarship is bool(scholarship)


def test_masa_iur_runs_across_memberships_without_a_gap(params: Parameters) -> None:
    """An earlier term ending the day before the current one began: 1 Jan 2018 -> 10 Mar 2024."""
    result = run(
        params,
        "jkm",
        death(D(2024, 3, 10)),
        membership(D(2018, 1, 1), D(2021, 12, 31), pk=1, status="ended"),
        membership(D(2022, 1, 1), pk=2),
        children=(SD_2024,),
    )
    assert result.coverage_start == D(2018, 1, 1)
    assert result.contribution_months == 74
    assert result.membership is not None
    assert result.membership.id == 2
    assert result.scholarship_total == Decimal(84_000_000)


def test_a_gap_starts_the_count_again(params: Parameters) -> None:
    result = run(
        params,
        "jkm",
        death(D(2024, 3, 10)),
        membership(D(2018, 1, 1), D(2021, 12, 30), pk=1, status="ended"),
        membership(D(2022, 1, 1), pk=2),
        children=(SD_2024,),
    )
    assert result.coverage_start == D(2022, 1, 1)
    assert result.contribution_months == 26
    assert result.scholarship_total == 0
    reason = next(r for r in result.reasons if r.code == "scholarship_contribution_period")
    assert reason.message == (
        "Beasiswa jalur JKM: masa iur 26 bulan penuh, kurang dari 36 bulan: tidak ada beasiswa. "
        "Syarat terpenuhi pada 01-01-2025 bila kepesertaan tidak terputus."
    )
    assert reason.rule == "PP 82/2019"


# --- the PP 82/2019 switch ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "start", "cash", "scholarship", "regulation"),
    [
        # PP 44/2015: 24M; 36 months are not the 60 it asks for
        (D(2019, 12, 1), D(2016, 12, 1), 24_000_000, 0, "PP 44/2015"),
        # PP 44/2015 with 60 months: one child, Rp12M at once
        (D(2019, 12, 1), D(2014, 12, 1), 24_000_000, 12_000_000, "PP 44/2015"),
        # PP 82/2019 from 2 Dec 2019: 42M; 36 months suffice. The schedule starts in 2020/2021
        # (scholarship.first_payment_date): SD 5 x 1.5M + SMP 6M + SMA 9M + PT 60M = 82.5M
        (D(2019, 12, 2), D(2016, 12, 2), 42_000_000, 82_500_000, "PP 82/2019"),
        # From school year 2020/2021 (which includes 1 April 2021) nothing is left out: SD 84M
        (D(2020, 7, 1), D(2017, 7, 1), 42_000_000, 84_000_000, "PP 82/2019"),
    ],
)
def test_pp82_switch(
    params: Parameters,
    event: dt.date,
    start: dt.date,
    cash: int,
    scholarship: int,
    regulation: str,
) -> None:
    result = run(params, "jkm", death(event), membership(start), children=(SD_2024,), today=TODAY)
    assert (result.regulation, result.cash_total, result.scholarship_total) == (
        regulation,
        Decimal(cash),
        Decimal(scholarship),
    )


def test_a_moved_switch_date_moves_the_amounts(params: Parameters) -> None:
    """Where the date is overridable (it was while [L]; it is verified now), an admin who moves the
    PP 82/2019 date to 1 Jan 2020 makes a 15 Dec 2019 death PP 44."""
    params = Parameters(
        replace(e, verified=False, overridable=True) if e.key == PP82_DATE_KEY else e
        for e in params.entries()
    )
    moved = params.with_overrides(
        [
            Override(
                "benefit.pp82_2019_effective_date", D(2020, 1, 1), D(2015, 7, 1), None, "uji", "u"
            )
        ]
    )
    result = run(moved, "jkm", death(D(2019, 12, 15)), membership(D(2014, 1, 1)))
    assert (result.regulation, result.cash_total) == ("PP 44/2015", Decimal(24_000_000))


# --- PP 82/2019 scholarships before Permenaker 5/2021 ------------------------------------------


@pytest.mark.parametrize(
    ("event", "first_school_year", "left_out", "total"),
    [
        # (death, first instalment, school years left out, two children SD + PT at most)
        # 2 Dec 2019 (school year 2019/2020): from 2020/2021, one year left out:
        # SD 5 x 1.5M + SMP 3 x 2M + SMA 3 x 3M + PT 5 x 12M = 82.5M; PT 4 x 12M = 48M
        (D(2019, 12, 2), 2020, 1, 130_500_000),
        (D(2020, 6, 30), 2020, 1, 130_500_000),
        # 1 July 2020 starts school year 2020/2021, which includes 1 April 2021: nothing left out,
        # SD 84M + PT 60M
        (D(2020, 7, 1), 2020, 0, 144_000_000),
        (D(2021, 3, 31), 2020, 0, 144_000_000),
        (D(2021, 4, 1), 2020, 0, 144_000_000),
    ],
)
def test_scholarships_start_with_permenaker_5_2021(
    params: Parameters, event: dt.date, first_school_year: int, left_out: int, total: int
) -> None:
    children = (
        ChildFacts("Anak SD", D(2012, 5, 1), "sd"),
        ChildFacts("Anak PT", D(2001, 5, 1), "pt"),
    )
    result = run(params, "jkk-death", death(event, work=True), membership(D(2018, 1, 1)),
                 children=children)  # fmt: skip
    assert result.scholarship_total == Decimal(total)
    assert result.benefit is not None
    first = min(s.year for s in result.benefit.schedule)
    # The schedule counts calendar years from the event's; the claims app reads year N as the
    # school year starting N - event year after the event's school year.
    school_year = (event.year if event.month >= 7 else event.year - 1) + first - event.year
    assert school_year == first_school_year
    reason = next((r for r in result.reasons if r.code == "scholarship_payment_start"), None)
    if left_out:
        assert reason is not None
        assert reason.kind == "info"
        assert reason.message == (
            f"Beasiswa PP 82/2019 baru dibayar sejak 01-04-2021: peristiwa "
            f"{event:%d-%m-%Y} sebelum tanggal itu, angsuran mulai tahun ajaran 2020/2021; 1 "
            "tahun ajaran sebelumnya tidak dijadwalkan (tidak ditemukan aturan peralihan); nilai "
            "ini belum terverifikasi."
        )
        assert reason.rule == "Permenaker 5/2021"
    else:
        assert reason is None


def test_first_scholarship_payment_date_is_an_overridable_parameter(params: Parameters) -> None:
    """An admin who finds a transition rule sets its date: here 1 January 2022 (school year
    2021/2022) leaves out two school years of a January 2020 death; the PP 82/2019 date itself
    leaves out none."""
    children = (ChildFacts("Anak PT", D(2001, 5, 1), "pt"),)

    def total(first: dt.date) -> Decimal:
        changed = params.with_overrides(
            [Override("scholarship.first_payment_date", first, D(2019, 12, 2), None, "uji", "u")]
        )
        result = run(changed, "jkk-death", death(D(2020, 1, 10), work=True),
                     membership(D(2018, 1, 1)), children=children)  # fmt: skip
        return result.scholarship_total

    assert total(D(2022, 1, 1)) == Decimal(36_000_000)  # PT 3 x 12M
    assert total(D(2021, 4, 1)) == Decimal(48_000_000)  # PT 4 x 12M (the data)
    assert total(D(2019, 12, 2)) == Decimal(60_000_000)  # PT 5 x 12M


# --- arrears of a PU payer (JKK) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim_type", "scheme", "arrears", "flagged"),
    [
        ("jkk-death", "pu", 4, True),  # more than 3 months
        ("jkk-death", "pu", 3, False),  # exactly 3: BPJS pays
        ("jkk-accident", "pu", 5, True),
        ("jkk-death", "bpu", 6, False),  # BPU: lapse rules, no employer
        ("jkm", "pu", 6, False),  # the rule is for JKK
    ],
)
def test_arrears_rule(
    params: Parameters, claim_type: str, scheme: str, arrears: int, flagged: bool
) -> None:
    kind = "accident" if claim_type == "jkk-accident" else "death"
    event = EventFacts(kind=kind, event_date=D(2024, 6, 1), work_related=claim_type != "jkm")
    result = run(
        params, claim_type, event, membership(D(2020, 1, 1), scheme=scheme), arrears=arrears
    )
    assert result.eligible is True
    assert result.employer_pays_first is flagged
    if flagged:
        reason = next(r for r in result.reasons if r.code == "employer_pays_first")
        assert reason.kind == "flag"
        assert reason.message.startswith(
            f"Pemberi kerja Pemerintah Desa Uji menunggak iuran {arrears} bulan pada 01-06-2024 "
            "(lebih dari 3 bulan)"
        )
        assert reason.rule == "PP 44/2015"


# --- the stage I accident report -----------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "code", "kind"),
    [
        (47, "stage1_report_on_time", "ok"),
        (48, "stage1_report_on_time", "ok"),
        (49, "stage1_report_late", "flag"),
        (None, "stage1_report_missing", "flag"),
    ],
)
def test_stage1_report_within_2x24_hours(
    params: Parameters, hours: int | None, code: str, kind: str
) -> None:
    """Permenaker 5/2021 Pasal 19: late is flagged, never refused."""
    at = dt.datetime(2024, 6, 1, 8, 0)
    event = EventFacts(
        kind="accident",
        event_date=at.date(),
        work_related=True,
        occurred_at=at,
        employer_reported_at=None if hours is None else at + dt.timedelta(hours=hours),
    )
    result = run(params, "jkk-accident", event, membership(D(2020, 1, 1)))
    assert result.eligible is True
    assert codes(result)[code] == kind
    reason = next(r for r in result.reasons if r.code == code)
    assert reason.rule == "Permenaker 5/2021 Pasal 19"


def test_stage1_report_before_permenaker_5_2021_is_not_checked(params: Parameters) -> None:
    event = EventFacts(kind="accident", event_date=D(2021, 3, 1), work_related=True)
    result = run(params, "jkk-accident", event, membership(D(2020, 1, 1)))
    assert codes(result)["stage1_report_not_checked"] == "info"


def test_accident_benefit_from_stmb_days_and_disability(params: Parameters) -> None:
    """STMB 30 days x 3M / 30 = 3M; partial disability 10% x 80 x 3M = 24M (DOMAIN 4.3)."""
    event = EventFacts(
        kind="accident",
        event_date=D(2024, 6, 1),
        work_related=True,
        stmb_days=30,
        disability_percent=Decimal(10),
    )
    result = run(params, "jkk-accident", event, membership(D(2020, 1, 1)))
    assert result.benefit is not None
    assert [(line.item, int(line.amount)) for line in result.benefit.lines] == [
        ("STMB hari ke-1 s.d. 30 (100%)", 3_000_000),
        ("Santunan cacat sebagian", 24_000_000),
    ]
    assert result.cash_total == Decimal(27_000_000)


# --- scholarship children -------------------------------------------------------------------


def test_jkk_death_scholarship_without_minimum_period(params: Parameters) -> None:
    """48 x 5M + 12M + 10M = 262M cash; SMA 3 x 3M + PT 5 x 12M = 69M, joined a month before."""
    result = run(
        params,
        "jkk-death",
        death(D(2024, 6, 1), work=True),
        membership(D(2024, 5, 1), wage=5_000_000),
        children=(child("Anak SMA", D(2008, 3, 1), "sma"),),
    )
    assert (result.cash_total, result.scholarship_total) == (
        Decimal(262_000_000),
        Decimal(69_000_000),
    )
    assert codes(result)["scholarship_jkk_route"] == "ok"


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        ({"born": D(2000, 6, 1)}, "berusia 24 tahun (batas 23 tahun, PP 82/2019)"),
        ({"married": True}, "sudah menikah"),
        ({"working": True}, "sudah bekerja"),
    ],
)
def test_a_child_over_23_married_or_working_gets_none(
    params: Parameters, facts: dict[str, object], why: str
) -> None:
    born = facts.pop("born", D(2005, 1, 1))
    kid = child("Rahmat", born, "pt", **facts)  # type: ignore[arg-type]
    result = run(params, "jkm", death(D(2024, 6, 1)), membership(D(2019, 1, 1)), children=(kid,))
    assert result.eligible is True
    assert result.scholarship_total == 0
    reason = next(r for r in result.reasons if r.code == "child_not_eligible")
    assert reason.message == f"Rahmat tidak mendapat beasiswa: {why}."


def test_a_third_scholarship_child_is_bad_input(params: Parameters) -> None:
    kids = tuple(child(f"Anak {n}", D(2012, 1, n), "sd") for n in (1, 2, 3))
    with pytest.raises(InputError) as info:
        run(params, "jkm", death(D(2024, 6, 1)), membership(D(2019, 1, 1)), children=kids)
    assert info.value.code == "scholarship_children_too_many"
    assert info.value.message == (
        "Beasiswa paling banyak untuk 2 anak (PP 82/2019); 3 anak yang memenuhi syarat disebutkan."
    )


def test_a_child_who_gets_none_does_not_count_towards_the_two(params: Parameters) -> None:
    kids = (
        child("Sulung", D(1998, 1, 1), "pt"),  # 26 on the event date
        child("Tengah", D(2010, 1, 2), "smp"),
        child("Bungsu", D(2016, 1, 3), "sd"),
    )
    result = run(params, "jkm", death(D(2024, 6, 1)), membership(D(2019, 1, 1)), children=kids)
    # SMP 3 x 2M + SMA 3 x 3M + PT 5 x 12M = 75M; SD 84M
    assert result.scholarship_total == Decimal(159_000_000)
    assert result.scholarship_children == (2, 3)


def test_reasons_each_cite_a_rule(params: Parameters) -> None:
    result = run(
        params,
        "jkk-death",
        death(D(2024, 6, 1), work=True),
        membership(D(2019, 1, 1)),
        children=(SD_2024,),
        arrears=5,
    )
    assert all(r.rule for r in result.reasons)
    assert [r.code for r in result.reasons] == [
        "regulation",
        "type_by_cause",
        "covered",
        "contribution_period",
        "employer_pays_first",
        "stage1_report_missing",
        "scholarship_jkk_route",
        "benefit",
    ]
