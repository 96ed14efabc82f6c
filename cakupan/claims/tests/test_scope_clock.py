"""Who sees which claim (all seven roles, in and out of scope), and the service-level clocks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role
from cakupan.claims import selectors, workflow
from cakupan.claims.assessment import claim_parameters
from cakupan.claims.clock import add_working_days, claim_clock, working_days_between
from cakupan.claims.models import Claim
from cakupan.claims.tests.builders import TODAY, World, complete_draft, heir
from cakupan.rules.workdays import Calendar
from cakupan.testing.factories import make_user

D = dt.date
pytestmark = pytest.mark.django_db

VISIBLE = {
    "superadmin": True,
    "admin": True,  # admin kabupaten of Luwu Timur
    "dpmd": True,
    "bkpsdm": True,  # reads its kabupaten; verifies only non-ASN
    "admin_other": False,  # admin kabupaten of Konawe Selatan
    "desa": True,  # operator of the person's desa
    "desa_other": False,
    "opd": False,  # an OPD operator: the desa is not its unit
    "camat": True,  # camat of Malili
    "camat_other": False,
    "bpjs": True,  # the branch serving 73.24
    "bpjs_other": False,
    "pimpinan": True,  # bupati of Luwu Timur
}


def test_claims_are_scoped_for_all_seven_roles_out_of_scope_is_404(world: World) -> None:
    claim = complete_draft(world)
    assert {u.role for u in world.users.values()} == set(Role.values)
    seen = {
        name: selectors.claims_visible_to(user).filter(pk=claim.pk).exists()
        for name, user in world.users.items()
    }
    assert seen == VISIBLE
    for name, user in world.users.items():
        if VISIBLE[name]:
            assert selectors.claim_get_for(user, claim.pk) == claim
        else:
            with pytest.raises(Http404):
                selectors.claim_get_for(user, claim.pk)
            with pytest.raises(Http404):
                selectors.heir_get_for(user, claim.heirs.get().pk)
            with pytest.raises(Http404):
                selectors.person_for_claim(user, world.deceased.nik)
    with pytest.raises(Http404):
        selectors.claim_get_for(AnonymousUser(), claim.pk)
    with pytest.raises(Http404):
        selectors.claim_get_for(world.users["admin"], "abc")
    # A pimpinan of another kabupaten sees nothing.
    other = make_user(role=Role.PIMPINAN, region="74.05")
    assert not selectors.claims_visible_to(other).exists()


def test_viewing_a_claim_logs_the_heirs_shown(world: World) -> None:
    claim = complete_draft(world)
    actor = Actor(user=world.users["pimpinan"], source="web")
    detail = selectors.claim_detail(
        actor=actor, pk=claim.pk, today=TODAY, params=claim_parameters()
    )
    assert [h.name for h in detail.heirs] == ["Hasnah"]
    logged = AuditEvent.objects.get(entity="claims.heir", action="view")
    assert logged.after == {"shown": [detail.heirs[0].pk]}
    assert logged.actor == world.users["pimpinan"]
    assert AuditEvent.objects.filter(
        entity="registry.person", action="view", entity_id=str(world.deceased.pk)
    ).exists()


@pytest.mark.parametrize(
    ("start", "days", "deadline", "skipped"),
    [
        (D(2024, 9, 2), 3, D(2024, 9, 5), []),  # Monday + 3 = Thursday
        (D(2024, 9, 5), 3, D(2024, 9, 10), []),  # Thursday + 3 = Tuesday
        (D(2024, 9, 6), 7, D(2024, 9, 18), [D(2024, 9, 16)]),  # Friday + 7, Maulid Nabi skipped
        # Filed before Lebaran 2024: 8, 9, 12, 15 April cuti bersama, 10-11 April Idul Fitri
        (D(2024, 4, 5), 3, D(2024, 4, 18), [D(2024, 4, d) for d in (8, 9, 10, 11, 12, 15)]),
        (D(2024, 12, 23), 3, D(2024, 12, 30), [D(2024, 12, 25), D(2024, 12, 26)]),
        # 18 August 2025: cuti bersama added by the amending SKB 933/2025
        (D(2025, 8, 15), 3, D(2025, 8, 21), [D(2025, 8, 18)]),
    ],
)
def test_working_days_skip_national_days_off(
    start: dt.date, days: int, deadline: dt.date, skipped: list[dt.date]
) -> None:
    params = claim_parameters()
    assert add_working_days(start, days, params) == deadline
    assert working_days_between(start, deadline, params) == days
    assert [h.date for h in Calendar(params).span(start, deadline).holidays] == skipped


def test_jkm_clock_and_the_overdue_list(world: World) -> None:
    claim = workflow.claim_submit(
        actor=world.actor("desa"), claim=complete_draft(world), today=TODAY
    )
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 2))
    params = claim_parameters()
    on_time = claim_clock(claim, today=D(2024, 9, 5), params=params)
    assert (on_time.deadline, on_time.overdue, on_time.days_late) == (D(2024, 9, 5), False, 0)
    late = claim_clock(claim, today=D(2024, 9, 9), params=params)
    assert (late.overdue, late.days_late, late.penalty) == (True, 2, Decimal(0))
    rows = selectors.overdue_claims(user=world.users["bpjs"], today=D(2024, 9, 9), params=params)
    assert [(r.claim, r.branch, r.kabupaten, r.clock.days_late) for r in rows] == [
        (claim, "Kantor Cabang Malili", "Kabupaten Luwu Timur", 2)
    ]
    assert (
        selectors.overdue_claims(user=world.users["bpjs_other"], today=D(2024, 9, 9), params=params)
        == []
    )


@pytest.mark.parametrize(
    ("today", "days_late", "penalty", "late_holidays"),
    [
        # JKK death filed Monday 2 September 2024: 7 working days -> Wednesday 11 September.
        (D(2024, 9, 11), 0, 0, []),
        (D(2024, 9, 12), 1, 1_588_000, []),  # 1% x Rp158,800,000 = Rp1,588,000 a day
        (D(2024, 9, 13), 2, 3_176_000, []),
        # Monday 16 September is Maulid Nabi (hari libur nasional): not a day late
        (D(2024, 9, 16), 2, 3_176_000, [D(2024, 9, 16)]),
        (D(2024, 9, 17), 3, 4_764_000, [D(2024, 9, 16)]),
        (D(2024, 9, 23), 7, 11_116_000, [D(2024, 9, 16)]),
    ],
)
def test_jkk_clock_penalty_per_working_day_late(
    world: World, today: dt.date, days_late: int, penalty: int, late_holidays: list[dt.date]
) -> None:
    """JKK death: 7 working days; 1% of the Rp158,800,000 cash entitlement per working day late,
    owed to the heirs by BPJS Ketenagakerjaan (information on the claim)."""
    claim = complete_draft(world, at_work=True, cause="Kecelakaan di lokasi proyek desa")
    Claim.objects.filter(pk=claim.pk).update(type="jkk-death")
    claim.refresh_from_db()
    assert claim.cash_entitlement == Decimal(158_800_000)
    claim.status, claim.filed_on = "filed", D(2024, 9, 2)
    clock = claim_clock(claim, today=today, params=claim_parameters())
    assert (clock.deadline, clock.days_late) == (D(2024, 9, 11), days_late)
    assert (clock.penalty_rate, clock.penalty_base) == (Decimal("0.01"), Decimal(158_800_000))
    assert clock.penalty_per_day == Decimal(1_588_000)
    assert clock.penalty == Decimal(penalty)
    assert [h.date for h in clock.late_holidays] == late_holidays
    assert clock.overdue is (days_late > 0)
    assert (clock.source, clock.penalty_source) == ("PP 44/2015", "PP 44/2015")
    assert clock.holidays == ()
    if days_late == 2 and late_holidays:
        assert clock.explanation == (
            "Batas bayar 11-09-2024: 7 hari kerja sejak berkas lengkap diterima 02-09-2024 "
            "(PP 44/2015).",
            "Terlambat 2 hari kerja sampai 16-09-2024 (hari libur dilewati: 16-09-2024 Maulid "
            "Nabi Muhammad SAW).",
            "Denda keterlambatan untuk peserta/ahli waris, dibayar BPJS Ketenagakerjaan: 1% x "
            "Rp158.800.000 = Rp1.588.000 per hari kerja; 2 hari = Rp3.176.000 (PP 44/2015).",
        )


def test_paid_late_jkk_claim_counts_to_the_payment_day(world: World) -> None:
    claim = complete_draft(world, at_work=True, cause="Kecelakaan di lokasi proyek desa")
    Claim.objects.filter(pk=claim.pk).update(type="jkk-death")
    claim.refresh_from_db()
    claim.status, claim.filed_on, claim.paid_on = "paid", D(2024, 9, 2), D(2024, 9, 13)
    clock = claim_clock(claim, today=D(2025, 1, 31), params=claim_parameters())
    assert (clock.days_late, clock.paid_late, clock.overdue) == (2, True, False)
    assert clock.penalty == Decimal(3_176_000)


def test_clock_says_when_a_year_has_no_days_off_data(world: World) -> None:
    """2023 has no holidays file: only weekends are skipped and the clock says so."""
    claim = complete_draft(world)
    claim.status, claim.filed_on = "filed", D(2023, 12, 22)
    clock = claim_clock(claim, today=D(2023, 12, 27), params=claim_parameters())
    # Friday 22 December + 3 working days: 25 (Christmas, not in the data), 26, 27
    assert (clock.deadline, clock.missing_years, clock.penalty_rate) == (
        D(2023, 12, 27),
        (2023,),
        None,
    )
    assert clock.explanation[-1] == (
        "Belum ada data hari libur nasional dan cuti bersama tahun 2023: hanya Sabtu dan Minggu "
        "yang dilewati."
    )


def test_an_unverified_day_off_is_said_so(world: World) -> None:
    """24 December 2026 (cuti bersama) is listed as 26 December by one source: unverified."""
    claim = complete_draft(world)
    claim.status, claim.filed_on = "filed", D(2026, 12, 23)
    clock = claim_clock(claim, today=D(2026, 12, 23), params=claim_parameters())
    assert clock.deadline == D(2026, 12, 30)  # 24 and 25 December skipped
    assert [(h.date, h.verified) for h in clock.holidays] == [
        (D(2026, 12, 24), False),
        (D(2026, 12, 25), True),
    ]
    assert clock.calendar_unverified is True
    assert clock.calendar_source == (
        "SKB Menteri Agama, Menteri Ketenagakerjaan dan Menteri PANRB Nomor 1497 Tahun 2025, "
        "Nomor 2 Tahun 2025, Nomor 5 Tahun 2025 Lampiran (2026)"
    )


def test_nothing_else_touches_a_child_heir(world: World) -> None:
    """Sanity of the builders: a child heir without a scholarship needs no level."""
    claim = complete_draft(world)
    from cakupan.claims import services

    services.heir_add(
        actor=world.actor("desa"), claim=claim,
        data=heir("Anak Dewasa", "child", D(1998, 1, 1), sequence=77), today=TODAY,
    )  # fmt: skip
    assert claim.heirs.count() == 2
