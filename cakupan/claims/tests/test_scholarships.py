"""Scholarships over the years: the schedule from the rules, proof, payment, the stop reasons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.claims import payments, selectors, services
from cakupan.claims.models import Claim, InstalmentStatus, ScholarshipInstalment
from cakupan.claims.services import ClaimError
from cakupan.claims.tests.builders import PDF, TODAY, World, approved, complete_draft, heir

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(world: World) -> Claim:
    """A JKM death of 10 Mar 2024 (56 months of contributions) with an SMA child and a PT child."""
    draft = complete_draft(world)
    actor = world.actor("desa")
    services.heir_add(
        actor=actor, claim=draft,
        data=heir("Nur SMA", "child", D(2007, 8, 1), sex="P", sequence=41, scholarship=True,
                  school_level="sma", school_class=11),
        today=TODAY,
    )  # fmt: skip
    services.heir_add(
        actor=actor, claim=draft,
        data=heir("Andi PT", "child", D(2002, 9, 1), sequence=42, scholarship=True,
                  school_level="pt", school_class=3),
        today=TODAY,
    )  # fmt: skip
    return approved(world, draft)


def _proof(world: World, claim: Claim) -> object:
    return services.document_upload(
        actor=world.actor("desa"), claim=claim, kind="bukti_sekolah", data=PDF, file_name="ks.pdf"
    )


def test_approval_turns_the_rules_schedule_into_instalments(claim: Claim) -> None:
    """SMA 3 x 3M then PT 5 x 12M; PT 5 x 12M. The death of 10 Mar 2024 falls in school year
    2023/2024: the first instalment."""
    rows = [
        (i.child_number, i.heir.name, i.school_year, i.level, int(i.amount))
        for i in claim.instalments.select_related("heir")
    ]
    assert rows == [
        (1, "Nur SMA", "2023/2024", "sma", 3_000_000),
        (1, "Nur SMA", "2024/2025", "sma", 3_000_000),
        (1, "Nur SMA", "2025/2026", "sma", 3_000_000),
        *[(1, "Nur SMA", f"{y}/{y + 1}", "pt", 12_000_000) for y in range(2026, 2031)],
        *[(2, "Andi PT", f"{y}/{y + 1}", "pt", 12_000_000) for y in range(2023, 2028)],
    ]
    assert claim.scholarship_entitlement == Decimal(129_000_000)
    assert claim.cash_entitlement == Decimal(42_000_000)


def test_an_instalment_needs_proof_before_payment(world: World, claim: Claim) -> None:
    first = claim.instalments.get(child_number=1, year=2023)
    with pytest.raises(ClaimError) as info:
        payments.instalment_pay(
            actor=world.actor("bpjs"), instalment=first, amount=Decimal(3_000_000),
            paid_on=D(2024, 9, 10), reference="BSW-1",
        )  # fmt: skip
    assert info.value.code == "instalment_not_enrolled"
    proof = _proof(world, claim)
    payments.instalment_enrol(
        actor=world.actor("desa"), instalment=first, proof=proof, school_name="SMAN 1 Malili",  # type: ignore[arg-type]
        school_class=11, on=D(2024, 9, 5),
    )  # fmt: skip
    with pytest.raises(ClaimError) as above:
        payments.instalment_pay(
            actor=world.actor("bpjs"), instalment=first, amount=Decimal(4_000_000),
            paid_on=D(2024, 9, 10), reference="BSW-1",
        )  # fmt: skip
    assert above.value.code == "payment_above_entitlement"
    paid = payments.instalment_pay(
        actor=world.actor("bpjs"), instalment=first, amount=Decimal(3_000_000),
        paid_on=D(2024, 9, 10), reference="BSW-1",
    )  # fmt: skip
    assert (paid.status, paid.paid_amount, paid.school_year) == (
        "paid",
        Decimal(3_000_000),
        "2023/2024",
    )


def test_the_age_limit_refuses_a_year_after_23(world: World, claim: Claim) -> None:
    """Andi, born 1 Sep 2002, is 23 on 1 Jul 2026 and 24 on 1 Jul 2027 (limit 23, PP 82/2019)."""
    proof = _proof(world, claim)
    ok = claim.instalments.get(child_number=2, year=2026)
    payments.instalment_enrol(
        actor=world.actor("desa"), instalment=ok, proof=proof, school_name="Unhas",  # type: ignore[arg-type]
        school_class=5,
    )  # fmt: skip
    late = claim.instalments.get(child_number=2, year=2027)
    with pytest.raises(ClaimError) as info:
        payments.instalment_enrol(
            actor=world.actor("desa"), instalment=late, proof=proof, school_name="Unhas",  # type: ignore[arg-type]
            school_class=7,
        )  # fmt: skip
    assert info.value.code == "scholarship_age_limit"
    assert info.value.message.startswith(
        "Andi PT berusia 24 tahun pada awal tahun ajaran 2027/2028, melewati batas 23 tahun"
    )


@pytest.mark.parametrize("reason", ["age", "married", "working", "dropped_out"])
def test_a_stop_ends_every_instalment_not_yet_paid(world: World, claim: Claim, reason: str) -> None:
    andi = claim.heirs.get(name="Andi PT")
    first = claim.instalments.get(heir=andi, year=2023)
    payments.instalment_enrol(
        actor=world.actor("desa"), instalment=first, proof=_proof(world, claim),  # type: ignore[arg-type]
        school_name="Unhas", school_class=3,
    )  # fmt: skip
    payments.instalment_pay(
        actor=world.actor("bpjs"), instalment=first, amount=Decimal(12_000_000),
        paid_on=D(2024, 9, 12), reference="BSW-2",
    )  # fmt: skip
    stopped = payments.scholarship_stop(
        actor=world.actor("desa"), heir=andi, reason=reason, note="keterangan", on=D(2025, 8, 1)
    )
    assert stopped == 4  # 2024/2025 to 2027/2028
    statuses = list(
        ScholarshipInstalment.objects.filter(heir=andi)
        .order_by("year")
        .values_list("year", "status", "stop_reason")
    )
    assert statuses == [(2023, "paid", ""), *[(y, "stopped", reason) for y in range(2024, 2028)]]
    with pytest.raises(ClaimError) as info:
        payments.scholarship_stop(actor=world.actor("desa"), heir=andi, reason=reason)
    assert info.value.code == "nothing_to_stop"
    # The other child goes on.
    assert (
        ScholarshipInstalment.objects.filter(
            heir__name="Nur SMA", status=InstalmentStatus.SCHEDULED
        ).count()
        == 8
    )


def test_instalments_due_this_school_year_per_kabupaten(world: World, claim: Claim) -> None:
    due = selectors.instalments_due(user=world.users["admin"], year=2023)
    assert [(i.heir.name, int(i.amount)) for i in due] == [
        ("Nur SMA", 3_000_000),
        ("Andi PT", 12_000_000),
    ]
    assert list(selectors.instalments_due(user=world.users["admin_other"], year=2023)) == []
    assert [
        i.heir.name for i in selectors.instalments_due(user=world.users["admin"], year=2024)
    ] == [
        "Nur SMA",
        "Andi PT",
    ]
    assert selectors.school_year_of(D(2025, 6, 30)) == 2024
    assert selectors.school_year_of(D(2025, 7, 1)) == 2025


def test_a_death_before_permenaker_5_2021_starts_instalments_in_2020_2021(world: World) -> None:
    """A JKK death (no minimum contribution period) on 10 January 2020, school year 2019/2020.
    PP 82/2019 scholarships were paid only from 1 April 2021 (``scholarship.first_payment_date``,
    unverified): the first instalment is school year 2020/2021, 2019/2020 is left out. PT 4 x 12M."""
    draft = complete_draft(
        world, day=D(2020, 1, 10), at_work=True, cause="Tertimpa pohon saat kerja bakti desa"
    )
    services.heir_add(
        actor=world.actor("desa"), claim=draft,
        data=heir("Andi PT", "child", D(2001, 9, 1), sequence=42, scholarship=True,
                  school_level="pt", school_class=1),
        today=TODAY,
    )  # fmt: skip
    claim = approved(world, Claim.objects.get(pk=draft.pk))
    assert [(i.school_year, i.level, int(i.amount)) for i in claim.instalments.all()] == [
        (f"{y}/{y + 1}", "pt", 12_000_000) for y in range(2020, 2024)
    ]
    assert claim.scholarship_entitlement == Decimal(48_000_000)
    reason = next(
        r for r in claim.eligibility["reasons"] if r["code"] == "scholarship_payment_start"
    )
    assert reason["message"] == (
        "Beasiswa PP 82/2019 baru dibayar sejak 01-04-2021: peristiwa 10-01-2020 sebelum tanggal "
        "itu, angsuran mulai tahun ajaran 2020/2021; 1 tahun ajaran sebelumnya tidak dijadwalkan "
        "(tidak ditemukan aturan peralihan); nilai ini belum terverifikasi."
    )


@pytest.mark.parametrize(
    ("route", "writers"),
    [
        ("claims:instalment_proof", ("desa", "camat", "admin", "bpjs")),
        ("claims:instalment_pay", ("bpjs",)),
        ("claims:scholarship_stop", ("desa", "camat", "admin", "bpjs")),
    ],
)
def test_a_role_that_may_not_write_gets_403_from_the_scholarship_forms(
    world: World, claim: Claim, route: str, writers: tuple[str, ...]
) -> None:
    """Pimpinan (and, for a payment, everyone but BPJS) posting a scholarship form gets 403 like
    every other write denial (it was sent back to the claim with a message), and writes nothing;
    a role that may write still gets the message about its empty form."""
    andi = claim.heirs.get(name="Andi PT")
    first = claim.instalments.get(heir=andi, year=2023)
    target = andi.pk if route == "claims:scholarship_stop" else first.pk
    before = list(claim.instalments.order_by("pk").values_list("status", flat=True))
    for name in ("pimpinan", "desa", "camat", "admin", "bpjs"):
        client = Client()
        client.force_login(world.users[name])
        response = client.post(reverse(route, args=[target]), {})
        assert response.status_code == (302 if name in writers else 403), name
    assert list(claim.instalments.order_by("pk").values_list("status", flat=True)) == before
