"""Reporting an event: the draft claim, its stored rules result, and every refusal writing nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cakupan.accounts.models import AuditEvent
from cakupan.billing import services as billing
from cakupan.claims import services
from cakupan.claims.models import Claim, ClaimStatus, ClaimTransition
from cakupan.claims.services import ClaimError
from cakupan.claims.tests.builders import TODAY, World, death
from cakupan.testing.factories import make_membership, make_person

D = dt.date
pytestmark = pytest.mark.django_db


def _nothing_written(before_audit: int) -> None:
    assert Claim.objects.count() == 0
    assert ClaimTransition.objects.count() == 0
    assert AuditEvent.objects.filter(action__in=["create", "update"]).count() == before_audit


def test_a_jkm_death_becomes_a_draft_with_its_rules_result(world: World) -> None:
    claim = services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=death(), today=TODAY
    )
    assert claim.status == ClaimStatus.DRAFT
    assert claim.type == "jkm"
    assert claim.number == f"KL-7324-{claim.pk:06d}"
    assert (claim.unit, claim.payer, claim.segment) == (
        world.pemdes,
        world.pemdes,
        "perangkat_desa",
    )
    assert claim.region_id == "73.24.04.2001"
    assert claim.cash_entitlement == Decimal(42_000_000)
    assert claim.regulation == "PP 82/2019"
    data = claim.eligibility
    assert data["eligible"] is True
    assert data["cash_total"] == 42_000_000
    assert data["contribution_months"] == 56  # 1 Jul 2019 -> 10 Mar 2024
    assert [line["amount"] for line in data["benefit"]["lines"]] == [
        20_000_000,
        12_000_000,
        10_000_000,
    ]
    assert data["membership"]["id"] == world.membership.pk
    assert all(r["rule"] for r in data["reasons"])
    # Audited, with its first history row.
    event = AuditEvent.objects.get(entity="claims.claim", action="create")
    assert (event.after or {})["number"] == claim.number
    assert event.actor == world.users["desa"]
    assert list(claim.transitions.values_list("from_status", "to_status")) == [("", "draft")]


def test_a_death_at_work_is_a_jkk_death_on_the_last_wage(world: World) -> None:
    claim = services.claim_report(
        actor=world.actor("camat"),
        nik=world.deceased.nik,
        event=death(cause="Tertimpa pohon saat kerja bakti desa", at_work=True),
        today=TODAY,
    )
    # max(48 x 2,850,000 = 136,800,000, 20M) + 12M + 10M
    assert (claim.type, claim.cash_entitlement) == ("jkk-death", Decimal(158_800_000))
    assert claim.stage1_report_late is True  # no stage I report recorded yet: flagged


def test_the_same_death_twice_is_refused_with_the_first_claims_number(world: World) -> None:
    first = services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=death(), today=TODAY
    )
    with pytest.raises(ClaimError) as info:
        services.claim_report(
            actor=world.actor("admin"), nik=world.deceased.nik, event=death(), today=TODAY
        )
    assert info.value.code == "duplicate_death"
    assert first.number in info.value.message
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("event", "code", "fragment"),
    [
        (death(D(2024, 10, 1)), "event_date_future", "sesudah hari ini"),
        (death(D(2019, 6, 30)), "event_before_membership", "sebelum kepesertaan dimulai"),
        (
            services.EventInput("accident", D(2024, 3, 10), "Pasar", "Jatuh saat belanja"),
            "not_work_related",
            "bukan kecelakaan kerja",
        ),
    ],
)
def test_bad_events_are_refused_and_nothing_is_written(
    world: World, event: services.EventInput, code: str, fragment: str
) -> None:
    audit = AuditEvent.objects.filter(action__in=["create", "update"]).count()
    with pytest.raises(ClaimError) as info:
        services.claim_report(
            actor=world.actor("desa"), nik=world.deceased.nik, event=event, today=TODAY
        )
    assert info.value.code == code
    assert fragment in info.value.message
    _nothing_written(audit)


def test_no_covered_membership_lists_the_periods_and_cites_the_rule(world: World) -> None:
    world.membership.end_date = D(2023, 12, 31)
    world.membership.status = "ended"
    world.membership.save()
    audit = AuditEvent.objects.filter(action__in=["create", "update"]).count()
    with pytest.raises(ClaimError) as info:
        services.claim_report(
            actor=world.actor("desa"), nik=world.deceased.nik, event=death(), today=TODAY
        )
    assert info.value.code == "no_covered_membership"
    assert info.value.message == (
        "Tidak ada kepesertaan yang melindungi pada 10-03-2024. Kepesertaan: 01-07-2019 s.d. "
        "31-12-2023 (Pemdes Uji, Kepala desa dan perangkat desa, Berakhir). (PP 44/2015, pasal "
        "belum terverifikasi: JKM bagi peserta yang meninggal dunia dalam masa aktif)"
    )
    _nothing_written(audit)


def test_bad_nik_and_out_of_scope_people(world: World) -> None:
    with pytest.raises(ClaimError) as info:
        services.claim_report(actor=world.actor("desa"), nik="7324011", event=death(), today=TODAY)
    assert info.value.code == "nik_invalid"
    for name in ("desa_other", "camat_other", "admin_other", "bpjs_other", "opd"):
        with pytest.raises(Http404):
            services.claim_report(
                actor=world.actor(name), nik=world.deceased.nik, event=death(), today=TODAY
            )
    stranger = make_person(name="Orang Lain", birth_date=D(1980, 1, 1))
    with pytest.raises(Http404):  # known NIK, no membership anywhere
        services.claim_report(
            actor=world.actor("admin"), nik=stranger.nik, event=death(), today=TODAY
        )
    with pytest.raises(PermissionDenied):  # pimpinan reads, never reports
        services.claim_report(
            actor=world.actor("pimpinan"), nik=world.deceased.nik, event=death(), today=TODAY
        )
    assert Claim.objects.count() == 0


@pytest.mark.parametrize("reporter", ["desa", "camat", "admin", "bpjs", "superadmin"])
def test_who_may_report(world: World, reporter: str) -> None:
    claim = services.claim_report(
        actor=world.actor(reporter), nik=world.deceased.nik, event=death(), today=TODAY
    )
    assert claim.reported_by == world.users[reporter]


def test_a_pu_payer_in_arrears_on_the_accident_date_pays_first(world: World) -> None:
    """Bills of January-April 2024 unpaid on 1 June 2024: 4 months past due (> 3)."""
    actor = world.actor("superadmin")
    for month in range(1, 5):
        billing.billing_run(actor=actor, month=D(2024, month, 1))
    claim = services.claim_report(
        actor=world.actor("desa"),
        nik=world.deceased.nik,
        event=services.EventInput(
            "accident",
            D(2024, 6, 1),
            "Kantor desa",
            "Jatuh dari tangga",
            at_work=True,
            occurred_at=dt.datetime(2024, 6, 1, 9, 0, tzinfo=dt.UTC),
            employer_reported_at=dt.datetime(2024, 6, 4, 9, 0, tzinfo=dt.UTC),
            stmb_days=10,
        ),
        today=TODAY,
    )
    assert claim.employer_pays_first is True
    assert claim.stage1_report_late is True  # 72 hours
    reason = next(r for r in claim.eligibility["reasons"] if r["code"] == "employer_pays_first")
    assert reason["message"].startswith(
        "Pemberi kerja Pemdes Uji menunggak iuran 4 bulan pada 01-06-2024"
    )
    # Paid on time the same bills leave BPJS paying: arrears are counted on the event date.
    billing.payment_record(
        actor=actor, payer=world.pemdes, amount=Decimal(1_000_000), paid_on=D(2024, 5, 1),
        reference="SP2D/1",
    )  # fmt: skip
    other = make_person(name="Rekan Kerja", birth_date=D(1990, 5, 5))
    make_membership(
        person=other, unit=world.pemdes, segment="perangkat_desa", start_date=D(2020, 1, 1)
    )
    claim2 = services.claim_report(
        actor=world.actor("desa"),
        nik=other.nik,
        event=services.EventInput(
            "accident", D(2024, 6, 1), "Kantor desa", "Terjatuh", at_work=True, stmb_days=3
        ),
        today=TODAY,
    )
    assert claim2.employer_pays_first is False
    reason = next(
        r for r in claim2.eligibility["reasons"] if r["code"] == "employer_arrears_within_limit"
    )
    assert "0 bulan" in reason["message"]
