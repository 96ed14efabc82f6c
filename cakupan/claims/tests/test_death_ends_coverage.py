"""A verified death ends the person's coverage on the day of death (four eyes: a report or a
submission by one operator changes nothing), billing stops after that month, and a rejection by
BPJS later restores nothing but asks for a follow-up."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent
from cakupan.billing import services as billing
from cakupan.billing.models import Bill, BillEntry
from cakupan.claims import workflow
from cakupan.claims.models import Claim
from cakupan.claims.tests.builders import TODAY, World, complete_draft
from cakupan.registry.models import Membership, MembershipStatus, Segment
from cakupan.registry.services import memberships_end_on_death
from cakupan.testing.factories import make_membership, make_person

D = dt.date
pytestmark = pytest.mark.django_db
DEATH = D(2024, 3, 10)  # builders.DEATH_DAY
BILLING = Actor.system(source="cli", label="uji")


def _submitted(world: World, **event: Any) -> Claim:
    claim = complete_draft(world, **event)
    return workflow.claim_submit(actor=world.actor("desa"), claim=claim, today=TODAY)


def _memberships(world: World) -> dict[str, Membership]:
    """The deceased's memberships: the open one of the builders (perangkat desa since July 2019)
    and others that show each case."""
    person = world.deceased
    return {
        "open": world.membership,
        # A BPD seat whose term would have run to the end of 2024: ends on the day of death.
        "term": make_membership(
            person=person, unit=world.bpd, segment=Segment.BPD,
            start_date=D(2020, 1, 1), end_date=D(2024, 12, 31), status=MembershipStatus.ENDED,
        ),
        # Lapsed, but its period still runs past the death: ends too.
        "lapsed": make_membership(
            person=person, unit=world.opd, start_date=D(2023, 1, 1),
            status=MembershipStatus.LAPSED,
        ),
        # Ended before the death: untouched.
        "earlier": make_membership(
            person=person, unit=world.opd, start_date=D(2016, 1, 1), end_date=D(2018, 12, 31),
            status=MembershipStatus.ENDED,
        ),
        # Not yet known to BPJS (draft): not covered, never billed, untouched.
        "draft": make_membership(
            person=person, unit=world.dpmd, start_date=D(2024, 1, 1),
            status=MembershipStatus.DRAFT,
        ),
        # Registered to start after the death: untouched, reported.
        "later": make_membership(
            person=person, unit=world.dpmd, segment=Segment.PERANGKAT_DESA,
            start_date=D(2024, 4, 1), status=MembershipStatus.REGISTERED,
        ),
    }  # fmt: skip


def _state(m: Membership) -> tuple[dt.date | None, str]:
    m.refresh_from_db()
    return m.end_date, m.status


def test_verifying_a_death_ends_every_covered_membership_on_the_day_of_death(world: World) -> None:
    rows = _memberships(world)
    claim = _submitted(world)
    # One operator's report and submission change nothing in the registry.
    assert {k: _state(m) for k, m in rows.items()} == {
        "open": (None, "active"),
        "term": (D(2024, 12, 31), "ended"),
        "lapsed": (None, "lapsed"),
        "earlier": (D(2018, 12, 31), "ended"),
        "draft": (None, "draft"),
        "later": (None, "registered"),
    }
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    assert {k: _state(m) for k, m in rows.items()} == {
        "open": (DEATH, "ended"),
        "term": (DEATH, "ended"),
        "lapsed": (DEATH, "ended"),
        "earlier": (D(2018, 12, 31), "ended"),
        "draft": (None, "draft"),
        "later": (None, "registered"),
    }
    # Each change audited in the registry with the fields before and after, by the verifier.
    events = AuditEvent.objects.filter(entity="registry.membership", action="update").order_by("id")
    assert [(int(e.entity_id), e.before, e.after) for e in events] == [
        (rows["open"].pk, {"end_date": None, "status": "active"},
         {"end_date": "2024-03-10", "status": "ended"}),
        (rows["term"].pk, {"end_date": "2024-12-31"}, {"end_date": "2024-03-10"}),
        (rows["lapsed"].pk, {"end_date": None, "status": "lapsed"},
         {"end_date": "2024-03-10", "status": "ended"}),
    ]  # fmt: skip
    assert {e.actor for e in events} == {world.users["dpmd"]}
    assert {e.note for e in events} == {
        f"meninggal dunia 10-03-2024: klaim {claim.number} diverifikasi"
    }
    # The claim keeps what was done (audited with the claim's own change).
    assert claim.coverage_ended == {
        "on": "2024-03-10",
        "ended": [
            {"membership": rows["open"].pk, "unit": "Pemdes Uji", "segment": "perangkat_desa",
             "start": "2019-07-01", "previous_end": None, "previous_status": "active"},
            {"membership": rows["term"].pk, "unit": "BPD Uji", "segment": "bpd",
             "start": "2020-01-01", "previous_end": "2024-12-31", "previous_status": "ended"},
            {"membership": rows["lapsed"].pk, "unit": "Dinas Uji", "segment": "non_asn",
             "start": "2023-01-01", "previous_end": None, "previous_status": "lapsed"},
        ],
        "later": [{"membership": rows["later"].pk, "unit": "DPMD Luwu Timur", "start": "2024-04-01"}],
    }  # fmt: skip
    claim_event = (
        AuditEvent.objects.filter(entity="claims.claim", action="update").order_by("id").last()
    )
    assert claim_event is not None and claim_event.after is not None
    assert claim_event.after["coverage_ended"] == claim.coverage_ended


def test_ending_on_death_twice_changes_nothing(world: World) -> None:
    actor = world.actor("dpmd")
    first = memberships_end_on_death(actor=actor, person=world.deceased, died_on=DEATH)
    assert [e.membership.pk for e in first.ended] == [world.membership.pk]
    audit = AuditEvent.objects.count()
    again = memberships_end_on_death(actor=actor, person=world.deceased, died_on=DEATH)
    assert (again.ended, again.later) == ([], [])
    assert AuditEvent.objects.count() == audit


def test_a_work_accident_ends_nothing(world: World) -> None:
    claim = _submitted(
        world, kind="accident", at_work=True, cause="Jatuh dari tangga kantor desa", stmb_days=5
    )
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    assert claim.coverage_ended == {}
    assert _state(world.membership) == (None, "active")


def test_a_jkk_death_ends_coverage_too(world: World) -> None:
    claim = _submitted(world, at_work=True, cause="Tertimpa pohon saat kerja bakti desa")
    assert claim.type == "jkk-death"
    workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    assert _state(world.membership) == (DEATH, "ended")


# --- billing after the death -------------------------------------------------------------------


def _bill(world: World, month: dt.date) -> Bill:
    return Bill.objects.get(payer=world.pemdes, month=month)


def _billed(world: World, month: dt.date) -> bool:
    return BillEntry.objects.filter(
        bill__payer=world.pemdes, bill__month=month, membership=world.membership
    ).exists()


def test_billing_after_a_verified_death(world: World) -> None:
    """Whole months: the month of the death is billed, later months are not.

    The deceased (wage Rp2,850,000): JKK 0.24% Rp6,840 + JKM 0.30% Rp8,550 = Rp15,390 a month; a
    colleague (Rp2,500,000): Rp6,000 + Rp7,500 = Rp13,500. March to May 2024 are billed before the
    death is verified (Rp28,890 each); May is paid."""
    make_membership(
        person=make_person(name="Rekan Kerja"), unit=world.pemdes,
        segment=Segment.PERANGKAT_DESA, start_date=D(2020, 1, 1),
    )  # fmt: skip
    for month in (D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1)):
        billing.billing_run(actor=BILLING, month=month)
        assert _bill(world, month).total == Decimal(28_890)
    may = _bill(world, D(2024, 5, 1))
    billing.payment_record(
        actor=BILLING, payer=world.pemdes, amount=Decimal(28_890), paid_on=D(2024, 6, 10),
        reference="SP2D-MEI", bill=may,
    )  # fmt: skip

    workflow.claim_verify(actor=world.actor("dpmd"), claim=_submitted(world))
    for month in (D(2024, 3, 1), D(2024, 4, 1), D(2024, 5, 1), D(2024, 6, 1)):
        billing.billing_run(actor=BILLING, month=month)

    # March, the month of the death (10 March): still billed in full, unchanged.
    assert (_bill(world, D(2024, 3, 1)).total, _billed(world, D(2024, 3, 1))) == (
        Decimal(28_890),
        True,
    )
    # April, billed and unpaid: the rerun recomputes it without the deceased.
    april = _bill(world, D(2024, 4, 1))
    assert (april.total, april.adjustment, _billed(world, D(2024, 4, 1))) == (
        Decimal(13_500),
        Decimal(0),
        False,
    )
    # May, already paid: the bill is not rewritten; the difference is an adjustment to settle.
    may.refresh_from_db()
    assert (may.total, may.paid, may.adjustment) == (
        Decimal(28_890),
        Decimal(28_890),
        Decimal(-15_390),
    )
    # June, billed for the first time after the death: the colleague only.
    assert (_bill(world, D(2024, 6, 1)).total, _billed(world, D(2024, 6, 1))) == (
        Decimal(13_500),
        False,
    )


# --- a rejection later ---------------------------------------------------------------------------


def _rejected(world: World) -> Claim:
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=_submitted(world))
    claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 2))
    return workflow.claim_reject(
        actor=world.actor("bpjs"), claim=claim, reason="Akta kematian tidak sah", on=D(2024, 9, 4)
    )


def test_a_rejection_restores_nothing_and_asks_for_a_follow_up(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = _rejected(world)
    assert _state(world.membership) == (DEATH, "ended")
    assert claim.transitions.last().note == (  # type: ignore[union-attr]
        "ditolak: Akta kematian tidak sah; kepesertaan yang diakhiri saat verifikasi tidak "
        "dipulihkan otomatis"
    )
    follow_up = (
        "Klaim ditolak BPJS Ketenagakerjaan, tetapi 1 kepesertaan sudah diakhiri pada tanggal "
        "kematian 10-03-2024 ketika klaim diverifikasi dan tidak dipulihkan otomatis. Pastikan "
        "apakah peserta memang meninggal dunia. Bila tidak, admin memulihkan kepesertaan di "
        "registri ke tanggal berakhir dan status semula (tercantum di bawah), lalu menjalankan "
        "ulang tagihan bulan-bulan sesudah tanggal itu."
    )
    client = Client()
    client.force_login(world.users["admin"])
    body = client.get(reverse("claims:claim_detail", args=[claim.pk])).content.decode()
    assert follow_up in body
    assert "data-coverage-follow-up" in body
    call_command("claims", "show", claim.number, "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["coverage_ended"]["follow_up"] == follow_up
    assert [row["previous_status"] for row in data["coverage_ended"]["ended"]] == ["active"]


def test_a_verified_death_in_progress_shows_what_was_ended_without_a_follow_up(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=_submitted(world))
    client = Client()
    client.force_login(world.users["admin"])
    body = client.get(reverse("claims:claim_detail", args=[claim.pk])).content.decode()
    assert "Kepesertaan diakhiri pada tanggal kematian" in body
    assert "data-coverage-follow-up" not in body
    call_command("claims", "show", claim.number, "--json")
    assert json.loads(capsys.readouterr().out)["coverage_ended"]["follow_up"] is None
