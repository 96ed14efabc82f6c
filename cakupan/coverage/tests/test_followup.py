"""Follow-up lists against the hand-counted world (conftest), and their scoping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Role
from cakupan.billing.models import Bill
from cakupan.billing.services import billing_run, payment_record
from cakupan.coverage.followup import followup_lists
from cakupan.coverage.models import Denominator
from cakupan.coverage.selectors import place_get
from cakupan.coverage.tests.conftest import HARAPAN, LAMPENAI, LASKAP, ON, World
from cakupan.registry.models import MembershipStatus, Segment
from cakupan.testing.factories import make_membership, make_user

D = dt.date
MALILI = "73.24.04"


def test_desa_without_officials_for_the_kabupaten_and_for_a_camat(world: World) -> None:
    lists = followup_lists(SYSTEM, place_get("73.24"), ON)
    codes = [r["desa_code"] for r in lists["desa_without_officials"].rows]
    assert len(codes) == 125 - 2
    assert HARAPAN not in codes
    assert LAMPENAI not in codes
    laskap = next(r for r in lists["desa_without_officials"].rows if r["desa_code"] == LASKAP)
    assert laskap == {
        "desa_code": LASKAP,
        "desa": "Laskap",
        "kecamatan": "Malili",
        "unit_code": "LASKAP",
        "unit": world.pemdes_laskap.name,
        "contact": "",
    }

    camat = make_user(role=Role.CAMAT, region=MALILI, username="camat.malili")
    camat.first_name, camat.last_name, camat.email = "Camat", "Malili", "camat@malili.go.id"
    camat.save()
    mine = followup_lists(camat, place_get(MALILI), ON)
    rows = mine["desa_without_officials"].rows
    assert len(rows) == 14 - 1
    assert all(r["desa_code"].startswith(f"{MALILI}.") for r in rows)
    assert {r["contact"] for r in rows} == {"Camat Malili (camat@malili.go.id)"}
    # Asked about the whole kabupaten, a camat gets no desa list at all (not 123 "empty" desa).
    wider = followup_lists(camat, place_get("73.24"), ON)["desa_without_officials"]
    assert (wider.available, wider.rows) == (False, [])


def test_an_operator_gets_unit_lists_only(world: World) -> None:
    operator = make_user(role=Role.OPERATOR_DESA, unit=world.pemdes_harapan)
    lists = followup_lists(operator, place_get(HARAPAN), ON)
    assert lists["desa_without_officials"].available is True  # their desa: all its units
    assert lists["desa_without_officials"].rows == []  # Harapan has officials
    posts = lists["posts_unfilled"].rows
    assert [(r["unit_code"], r["posts"], r["filled"], r["vacant"]) for r in posts] == [
        ("HARAPAN", 4, 3, 1)
    ]


def test_posts_unfilled_and_memberships_ending(world: World) -> None:
    make_membership(
        unit=world.pemdes_lampenai,
        segment=Segment.PERANGKAT_DESA,
        start_date=D(2023, 1, 1),
        end_date=D(2024, 8, 29),  # ON + 60 days: still listed
        status=MembershipStatus.ENDED,
    )
    make_membership(
        unit=world.pemdes_lampenai,
        segment=Segment.PERANGKAT_DESA,
        start_date=D(2023, 1, 1),
        end_date=D(2024, 8, 30),  # one day too late
        status=MembershipStatus.ENDED,
    )
    lists = followup_lists(SYSTEM, place_get("73.24"), ON)
    assert [
        (r["unit_code"], r["segment"], r["posts"], r["filled"], r["vacant"])
        for r in lists["posts_unfilled"].rows
    ] == [("HARAPAN", "perangkat_desa", 4, 3, 1), ("LASKAP", "perangkat_desa", 5, 0, 5)]
    ending = lists["memberships_ending"].rows
    assert [(r["unit_code"], r["end_date"]) for r in ending] == [("LAMPENAI", D(2024, 8, 29))]
    assert ending[0]["nik"].count("*") == 8  # masked, as on every list


def test_bpu_lapsing_counts_unpaid_months(world: World) -> None:
    actor = Actor.system(source="cli", label="uji")
    for month in (3, 4, 5, 6):
        billing_run(actor=actor, month=D(2024, month, 1), region_code=LASKAP)
    march = Bill.objects.get(payer=world.rentan_laskap, month=D(2024, 3, 1))
    payment_record(
        actor=actor,
        payer=world.rentan_laskap,
        amount=Decimal(march.total),
        paid_on=D(2024, 3, 10),
        reference="SP2D-1",
        bill=march,
    )
    # January and February were never billed: March paid, April is the oldest unpaid month, the
    # grace of 3 months ends on 2024-07-01.
    rows = followup_lists(SYSTEM, place_get("73.24"), ON)["bpu_lapsing"].rows
    assert [(r["oldest_unpaid_month"], r["lapses_on"], r["overdue"]) for r in rows] == [
        (D(2024, 4, 1), D(2024, 7, 1), False)
    ] * 2
    # Looking 0 days ahead it is not due yet; on 2024-07-01 it is overdue.
    assert followup_lists(SYSTEM, place_get("73.24"), ON, days=0)["bpu_lapsing"].rows == []
    later = followup_lists(SYSTEM, place_get("73.24"), D(2024, 7, 1), days=0)["bpu_lapsing"].rows
    assert [r["overdue"] for r in later] == [True, True]


def test_desa_below_the_rentan_target(world: World) -> None:
    lists = followup_lists(SYSTEM, place_get(MALILI), ON)
    assert lists["desa_below_rentan_target"].rows == []
    assert lists["desa_below_rentan_target"].note == (
        "Belum ada target pekerja rentan per desa untuk wilayah ini."
    )
    Denominator.objects.create(
        region_id="73.24",
        kind="rentan_target_per_desa",
        valid_from=D(2024, 1, 1),
        value=2,
        source="x",
    )
    Denominator.objects.create(
        region_id=LASKAP,
        kind="rentan_target_per_desa",
        valid_from=D(2024, 1, 1),
        value=3,
        source="y",
    )
    rows = followup_lists(SYSTEM, place_get(MALILI), ON)["desa_below_rentan_target"].rows
    assert len(rows) == 14  # Laskap's 2 are below its own target of 3, every other desa has 0
    laskap = next(r for r in rows if r["desa_code"] == LASKAP)
    assert (laskap["covered"], laskap["target"], laskap["gap"], laskap["unit_code"]) == (
        2,
        3,
        1,
        "LASKAP-RENTAN",
    )
