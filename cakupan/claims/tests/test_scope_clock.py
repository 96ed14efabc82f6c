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
    ("start", "days", "deadline"),
    [
        (D(2024, 9, 2), 3, D(2024, 9, 5)),  # Monday + 3 = Thursday
        (D(2024, 9, 5), 3, D(2024, 9, 10)),  # Thursday + 3 = Tuesday
        (D(2024, 9, 6), 7, D(2024, 9, 17)),  # Friday + 7 = Tuesday a week later
    ],
)
def test_working_days(start: dt.date, days: int, deadline: dt.date) -> None:
    assert add_working_days(start, days) == deadline
    assert working_days_between(start, deadline) == days


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


def test_jkk_clock_flags_one_percent_a_day(world: World) -> None:
    """JKK death: 7 working days; 1% of the Rp158,800,000 cash entitlement per working day late."""
    claim = complete_draft(world, at_work=True, cause="Kecelakaan di lokasi proyek desa")
    Claim.objects.filter(pk=claim.pk).update(type="jkk-death")
    claim.refresh_from_db()
    assert claim.cash_entitlement == Decimal(158_800_000)
    claim.status, claim.filed_on = "filed", D(2024, 9, 2)
    clock = claim_clock(claim, today=D(2024, 9, 16), params=claim_parameters())
    # deadline Wednesday 11 Sep; 12, 13, 16 Sep: 3 working days late
    assert (clock.deadline, clock.days_late) == (D(2024, 9, 11), 3)
    assert clock.penalty == Decimal(4_764_000)  # 158,800,000 x 1% x 3
    assert clock.source == "PP 44/2015"


def test_nothing_else_touches_a_child_heir(world: World) -> None:
    """Sanity of the builders: a child heir without a scholarship needs no level."""
    claim = complete_draft(world)
    from cakupan.claims import services

    services.heir_add(
        actor=world.actor("desa"), claim=claim,
        data=heir("Anak Dewasa", "child", D(1998, 1, 1), sequence=77), today=TODAY,
    )  # fmt: skip
    assert claim.heirs.count() == 2
