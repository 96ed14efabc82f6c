"""BPU lapse after the grace period and PU arrears flags (DOMAIN.md sections 2.4, 4.3, 5)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role
from cakupan.billing import selectors, services
from cakupan.billing.models import ArrearsFlag, Bill, MembershipLapse
from cakupan.common.dates import month_end, shift_month
from cakupan.registry.models import Membership, MembershipStatus, Unit, UnitKind
from cakupan.testing.factories import make_membership, make_unit, make_user

D = dt.date
ACTOR = Actor.system(source="cli", label="uji")
JAN = D(2024, 1, 1)
# BPU income Rp1,000,000, JKK + JKM: Rp10,000 + Rp6,800.
BPU_MONTHLY = Decimal(16_800)


class _Rollback(Exception):
    pass


def bpu_member(months: int) -> tuple[Unit, Membership]:
    group = make_unit(kind=UnitKind.KELOMPOK_RENTAN)
    membership = make_membership(
        unit=group,
        scheme="bpu",
        risk_class=None,
        segment="pekerja_rentan",
        wage=Decimal(1_000_000),
        start_date=JAN,
    )
    for n in range(months):
        services.billing_run(actor=ACTOR, month=shift_month(JAN, n))
    return group, membership


def pay_months(unit: Unit, months: int, on: dt.date) -> None:
    if months:
        services.payment_record(
            actor=ACTOR,
            payer=unit,
            amount=BPU_MONTHLY * months,
            paid_on=on,
            reference=f"BAYAR-{unit.pk}-{months}",
        )


def lapse(on: dt.date) -> services.LapseResult:
    return services.lapse_check(actor=ACTOR, on=on)


@pytest.mark.django_db
def test_bpu_lapses_on_the_first_day_after_three_months_of_grace() -> None:
    group, membership = bpu_member(6)
    pay_months(group, 2, D(2024, 2, 10))  # January and February paid; March is the oldest unpaid
    assert lapse(D(2024, 5, 31)).lapsed == []
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE

    result = lapse(D(2024, 6, 1))

    membership.refresh_from_db()
    assert (membership.status, membership.end_date) == (MembershipStatus.LAPSED, D(2024, 2, 29))
    record = MembershipLapse.objects.get(membership=membership)
    assert (record.lapsed_on, record.last_paid_month, record.oldest_unpaid_month) == (
        D(2024, 6, 1),
        D(2024, 2, 1),
        D(2024, 3, 1),
    )
    assert [x["membership"] for x in result.lapsed] == [membership.pk]
    change = AuditEvent.objects.get(entity="registry.membership", entity_id=str(membership.pk))
    assert change.before == {"status": "active", "end_date": None}
    assert change.after == {"status": "lapsed", "end_date": "2024-02-29"}
    assert AuditEvent.objects.filter(entity="billing.membershiplapse").count() == 1
    # A second check changes nothing: the membership is no longer active.
    assert lapse(D(2024, 7, 1)).lapsed == []


@pytest.mark.django_db
def test_payments_count_from_their_date_and_paid_up_members_never_lapse() -> None:
    late_group, late = bpu_member(6)
    pay_months(late_group, 6, D(2024, 7, 20))  # everything paid, but only on 20 July
    assert lapse(D(2024, 3, 31)).lapsed == []
    # On 1 April nothing had been paid yet: January unpaid past its grace period.
    assert [x["membership"] for x in lapse(D(2024, 4, 1)).lapsed] == [late.pk]

    group, membership = bpu_member(6)
    pay_months(group, 6, D(2024, 1, 10))
    assert lapse(D(2024, 12, 1)).lapsed == []
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


@pytest.mark.django_db
@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(paid=st.integers(min_value=0, max_value=5))
def test_property_lapse_happens_exactly_after_the_grace_period(paid: int) -> None:
    """Day before the end of the grace period: not lapsed. The day after it ends: lapsed."""
    try:
        with transaction.atomic():
            group, membership = bpu_member(9)
            pay_months(group, paid, JAN)
            oldest_unpaid = shift_month(JAN, paid)
            lapse_day = shift_month(oldest_unpaid, 3)
            assert lapse(lapse_day - dt.timedelta(days=1)).lapsed == []
            assert [x["membership"] for x in lapse(lapse_day).lapsed] == [membership.pk]
            membership.refresh_from_db()
            expected_end = month_end(shift_month(oldest_unpaid, -1)) if paid else JAN
            assert membership.end_date == expected_end
            assert MembershipLapse.objects.get(membership=membership).lapsed_on == lapse_day
            raise _Rollback
    except _Rollback:
        pass


@pytest.mark.django_db
def test_pu_payer_more_than_three_months_in_arrears_is_flagged_then_cleared() -> None:
    opd = make_unit()
    make_membership(unit=opd, wage=Decimal(2_000_000), start_date=D(2023, 1, 1))
    for n in range(6):
        services.billing_run(actor=ACTOR, month=shift_month(JAN, n))
    # 15 May: January-March are past due (due 15 Feb, 15 Mar, 15 Apr); April is due today.
    assert lapse(D(2024, 5, 15)).flagged == []
    result = lapse(D(2024, 5, 16))
    assert [(x["payer"], x["months_in_arrears"]) for x in result.flagged] == [(opd.code, 4)]
    flag = ArrearsFlag.objects.get(payer=opd, cleared_on__isnull=True)
    assert (flag.oldest_unpaid_month, flag.amount) == (JAN, 4 * 10_800)
    assert lapse(D(2024, 5, 20)).flagged == []  # already flagged, not twice
    services.payment_record(
        actor=ACTOR, payer=opd, amount=Decimal(64_800), paid_on=D(2024, 6, 1), reference="LUNAS"
    )
    assert [x["payer"] for x in lapse(D(2024, 6, 2)).cleared] == [opd.code]
    flag.refresh_from_db()
    assert flag.cleared_on == D(2024, 6, 2)
    assert all(b.status == "paid" for b in Bill.objects.filter(payer=opd))


@pytest.mark.django_db
def test_lapses_and_flags_are_read_within_the_users_scope() -> None:
    group, membership = bpu_member(6)
    lapse(D(2024, 6, 1))
    opd = make_unit()
    make_membership(unit=opd, wage=Decimal(2_000_000), start_date=D(2023, 1, 1))
    for n in range(6):
        services.billing_run(actor=ACTOR, month=shift_month(JAN, n))
    lapse(D(2024, 6, 2))
    admin = make_user()
    group_operator = make_user(role=Role.OPERATOR_OPD, unit=group)
    opd_operator = make_user(role=Role.OPERATOR_OPD, unit=opd)

    assert [x.membership_id for x in selectors.membership_lapses(user=admin)] == [membership.pk]
    assert [x.membership_id for x in selectors.membership_lapses(user=group_operator)] == [
        membership.pk
    ]
    assert list(selectors.membership_lapses(user=opd_operator)) == []
    assert list(selectors.open_arrears_flags(user=admin)) == [opd.pk]
    assert list(selectors.open_arrears_flags(user=opd_operator)) == [opd.pk]
    assert selectors.open_arrears_flags(user=group_operator) == {}
