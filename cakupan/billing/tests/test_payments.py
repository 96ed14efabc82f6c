"""Payments: allocation oldest first, credit never lost, and the property tests of issue 4."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent
from cakupan.billing import services
from cakupan.billing.models import Allocation, Bill, BillStatus, Payment
from cakupan.billing.services import PaymentInput
from cakupan.registry.models import Unit
from cakupan.testing.factories import make_membership, make_unit

D = dt.date
ACTOR = Actor.system(source="cli", label="uji")
# One membership of Rp2,000,000, JKK I + JKM: Rp4,800 + Rp6,000 = Rp10,800 a month.
MONTHLY = Decimal(10_800)
PROPERTY = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


class _Rollback(Exception):
    pass


JAN = D(2024, 1, 1)


def billed_unit(months: int, start: dt.date = JAN) -> Unit:
    unit = make_unit()
    make_membership(unit=unit, wage=Decimal(2_000_000), start_date=D(2023, 1, 1))
    for n in range(months):
        month = D(start.year + (start.month - 1 + n) // 12, (start.month - 1 + n) % 12 + 1, 1)
        services.billing_run(actor=ACTOR, month=month)
    return unit


def pay(
    unit: Unit, amount: int | Decimal, on: dt.date, ref: str, bill: Bill | None = None
) -> services.PaymentResult:
    return services.payment_record(
        actor=ACTOR, payer=unit, amount=Decimal(amount), paid_on=on, reference=ref, bill=bill
    )


def assert_money_conserved() -> None:
    """Nothing paid is lost: every payment is its allocations plus its credit; no bill overpaid."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.id FROM billing_payment p
                 LEFT JOIN (SELECT payment_id, sum(amount) s FROM billing_allocation
                            GROUP BY payment_id) a ON a.payment_id = p.id
                WHERE p.amount <> coalesce(a.s, 0) + p.unallocated"""
        )
        assert cursor.fetchall() == []
        cursor.execute(
            """SELECT b.id FROM billing_bill b
                 LEFT JOIN (SELECT bill_id, sum(amount) s FROM billing_allocation
                            GROUP BY bill_id) a ON a.bill_id = b.id
                WHERE b.paid <> coalesce(a.s, 0) OR b.paid > b.total"""
        )
        assert cursor.fetchall() == []


@pytest.mark.django_db
def test_payments_go_to_the_oldest_bills_and_the_rest_is_credit() -> None:
    unit = billed_unit(3)
    jan, feb, mar = Bill.objects.filter(payer=unit).order_by("month")
    result = pay(unit, 15_000, D(2024, 3, 1), "SP2D-1")
    assert result.allocations == {jan.pk: MONTHLY, feb.pk: Decimal(15_000) - MONTHLY}
    assert result.credit == 0
    jan.refresh_from_db()
    feb.refresh_from_db()
    assert (jan.status, feb.status, feb.paid) == (BillStatus.PAID, BillStatus.PARTIAL, 4_200)

    result = pay(unit, 30_000, D(2024, 4, 1), "SP2D-2")
    assert result.allocations == {feb.pk: Decimal(6_600), mar.pk: MONTHLY}
    assert result.credit == 30_000 - 6_600 - 10_800
    # The credit is recorded and goes to the next bill as soon as it exists.
    services.billing_run(actor=ACTOR, month=D(2024, 4, 1))
    apr = Bill.objects.get(payer=unit, month=D(2024, 4, 1))
    assert (apr.paid, apr.status) == (MONTHLY, BillStatus.PAID)
    assert Payment.objects.get(reference="SP2D-2").unallocated == 30_000 - 6_600 - 2 * 10_800
    assert_money_conserved()
    event = AuditEvent.objects.filter(entity="billing.payment").order_by("id").last()
    assert event is not None
    assert event.after is not None
    assert event.after["allocations"] == {str(feb.pk): "6600", str(mar.pk): "10800"}


@pytest.mark.django_db
def test_a_payment_for_a_named_bill_settles_it_first() -> None:
    unit = billed_unit(2)
    jan, feb = Bill.objects.filter(payer=unit).order_by("month")
    result = pay(unit, 12_000, D(2024, 3, 1), "SP2D-FEB", bill=feb)
    assert result.allocations == {feb.pk: MONTHLY, jan.pk: Decimal(1_200)}
    assert_money_conserved()


@pytest.mark.django_db
def test_payments_are_refused_when_malformed_or_recorded_twice() -> None:
    unit = billed_unit(1)
    other = make_unit()
    cases: list[tuple[Decimal, str, str]] = [
        (Decimal(0), "A", "amount_invalid"),
        (Decimal(-5), "A", "amount_invalid"),
        (Decimal("10.5"), "A", "amount_invalid"),
        (Decimal(100), "  ", "reference_missing"),
    ]
    for amount, ref, code in cases:
        with pytest.raises(services.BillingError) as error:
            pay(unit, amount, D(2024, 2, 1), ref)
        assert error.value.code == code
    pay(unit, 100, D(2024, 2, 1), "SAMA")
    with pytest.raises(services.BillingError) as error:
        pay(unit, 100, D(2024, 2, 2), "SAMA")
    assert error.value.code == "payment_duplicate"
    with pytest.raises(services.BillingError) as error:
        pay(other, 100, D(2024, 2, 2), "X", bill=Bill.objects.get(payer=unit))
    assert error.value.code == "bill_other_payer"
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_bulk_payments_allocate_like_single_ones() -> None:
    unit = billed_unit(3)
    count = services.payments_record_bulk(
        actor=ACTOR,
        payments=[
            PaymentInput(unit, Decimal(10_800), D(2024, 2, 10), "B-1"),
            PaymentInput(unit, Decimal(20_000), D(2024, 3, 10), "B-2"),
        ],
    )
    assert count == 2
    statuses = list(Bill.objects.filter(payer=unit).order_by("month").values_list("status", "paid"))
    assert statuses == [("paid", 10_800), ("paid", 10_800), ("partial", 9_200)]
    assert AuditEvent.objects.filter(entity="billing.payment").count() == 2
    with pytest.raises(services.BillingError):
        services.payments_record_bulk(
            actor=ACTOR, payments=[PaymentInput(unit, Decimal(1), D(2024, 4, 1), "B-1")]
        )
    assert_money_conserved()


@pytest.mark.django_db
@PROPERTY
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=60_000), min_size=1, max_size=6),
    months=st.integers(min_value=1, max_value=4),
    named=st.lists(st.booleans(), min_size=6, max_size=6),
)
def test_property_payments_never_exceed_what_is_due_without_being_credit(
    amounts: list[int], months: int, named: list[bool]
) -> None:
    try:
        with transaction.atomic():
            unit = billed_unit(months)
            bills = list(Bill.objects.filter(payer=unit).order_by("-month"))
            for i, amount in enumerate(amounts):
                target = bills[i % len(bills)] if named[i] else None
                pay(unit, amount, D(2024, 6, 1) + dt.timedelta(days=i), f"P-{i}", bill=target)
            assert_money_conserved()
            due = months * MONTHLY
            paid_in = Decimal(sum(amounts))
            allocated = sum(a.amount for a in Allocation.objects.filter(payment__payer=unit))
            credit = sum(p.unallocated for p in Payment.objects.filter(payer=unit))
            assert allocated == min(paid_in, due)
            assert credit == max(Decimal(0), paid_in - due)
            # Oldest first: no bill is unpaid while a later one has money, unless named.
            if not any(named[: len(amounts)]):
                paid = [b.paid for b in Bill.objects.filter(payer=unit).order_by("month")]
                assert all(
                    later == 0 or earlier == MONTHLY for earlier, later in itertools.pairwise(paid)
                )
            raise _Rollback
    except _Rollback:
        pass
