"""Payments: recorded as they arrive, allocated to the payer's bills oldest contribution month
first; what is left is credit (``Payment.unallocated``) for the next bills (``allocate`` runs after
every billing run too). Every write takes the billing lock and is audited with its allocations.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils.translation import gettext as _

from cakupan.accounts.audit import Actor, record_change, record_changes_bulk
from cakupan.accounts.models import Action
from cakupan.billing.models import Allocation, Bill, BillStatus, Payment
from cakupan.billing.services.base import BillingError, lock
from cakupan.billing.sql.payments import ALLOCATE
from cakupan.registry.models import Unit


def allocate(*, payers: list[int] | None) -> dict[int, Decimal]:
    """Apply the credit of ``payers`` (None: every payer) to their open bills, oldest first.

    Returns the amount allocated per bill id.
    """
    if payers is not None and not payers:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(ALLOCATE, {"payers": payers})
        return {bill_id: Decimal(amount) for bill_id, amount in cursor.fetchall()}


@dataclass(frozen=True)
class PaymentResult:
    payment: Payment
    allocations: dict[int, Decimal]
    credit: Decimal


@transaction.atomic
def payment_record(
    *,
    actor: Actor,
    payer: Unit,
    amount: Decimal,
    paid_on: dt.date,
    reference: str,
    bill: Bill | None = None,
    note: str = "",
) -> PaymentResult:
    """Record a payment of ``amount`` whole rupiah by ``payer`` and allocate it.

    With ``bill`` the payment settles that bill first; the rest (or all of it without ``bill``)
    goes to the payer's open bills, oldest contribution month first. Whatever is left stays on the
    payment as credit (``unallocated``) and is applied to the payer's next bills. The same
    ``reference`` cannot be recorded twice for a payer. Audited with the allocations.
    """
    amount = Decimal(amount)
    reference = reference.strip()
    if amount <= 0 or amount != amount.to_integral_value():
        raise BillingError(
            _("Jumlah pembayaran harus rupiah utuh lebih dari nol."), code="amount_invalid"
        )
    if not reference:
        raise BillingError(_("Nomor referensi pembayaran wajib diisi."), code="reference_missing")
    if bill is not None and bill.payer_id != payer.pk:
        raise BillingError(_("Tagihan itu bukan tagihan pembayar ini."), code="bill_other_payer")
    lock()
    if Payment.objects.filter(payer=payer, reference=reference).exists():
        raise BillingError(
            _("Pembayaran dengan referensi %(ref)s sudah dicatat untuk %(payer)s.")
            % {"ref": reference, "payer": payer.code},
            code="payment_duplicate",
        )
    payment = Payment.objects.create(
        payer=payer,
        paid_on=paid_on,
        amount=amount,
        unallocated=amount,
        reference=reference,
        note=note[:300],
        recorded_by=actor.user,
        recorded_by_label=actor.name,
        source=actor.source,
    )
    allocations: dict[int, Decimal] = {}
    if bill is not None:
        target = Bill.objects.select_for_update().get(pk=bill.pk)
        first = min(amount, target.total - target.paid)
        if first > 0:
            Allocation.objects.create(payment=payment, bill=target, amount=first)
            target.paid += first
            target.status = BillStatus.PAID if target.paid == target.total else BillStatus.PARTIAL
            target.save(update_fields=["paid", "status", "updated_at"])
            Payment.objects.filter(pk=payment.pk).update(unallocated=amount - first)
            allocations[target.pk] = first
    for bill_id, part in allocate(payers=[payer.pk]).items():
        allocations[bill_id] = allocations.get(bill_id, Decimal(0)) + part
    payment.refresh_from_db()
    record_change(
        actor=actor,
        action=Action.CREATE,
        instance=payment,
        before=None,
        after={
            "payer": payer.pk,
            "paid_on": paid_on.isoformat(),
            "amount": str(amount),
            "reference": reference,
            "allocations": {str(k): str(v) for k, v in sorted(allocations.items())},
            "credit": str(payment.unallocated),
        },
    )
    return PaymentResult(payment=payment, allocations=allocations, credit=payment.unallocated)


@dataclass(frozen=True, slots=True)
class PaymentInput:
    payer: Unit
    amount: Decimal
    paid_on: dt.date
    reference: str
    note: str = ""


@transaction.atomic
def payments_record_bulk(*, actor: Actor, payments: Sequence[PaymentInput]) -> int:
    """Record many payments at once (a bank statement, the demo) and allocate them in one pass.

    Same rules as :func:`payment_record` without a target bill: each payer's payments are
    allocated oldest payment first to its open bills oldest month first, the rest is credit.
    Refuses the whole batch when an amount is not positive whole rupiah or a (payer, reference)
    is already recorded or repeated. Every payment is audited with its allocations. Returns the
    number of payments recorded.
    """
    if not payments:
        return 0
    seen: set[tuple[int, str]] = set()
    for item in payments:
        key = (item.payer.pk, item.reference.strip())
        if item.amount <= 0 or item.amount != item.amount.to_integral_value() or not key[1]:
            raise BillingError(
                _("Pembayaran %(ref)s: jumlah atau referensi tidak valid.") % {"ref": key[1]},
                code="payment_invalid",
            )
        if key in seen:
            raise BillingError(
                _("Referensi %(ref)s muncul dua kali.") % {"ref": key[1]},
                code="payment_duplicate",
            )
        seen.add(key)
    lock()
    refs = {ref for _payer, ref in seen}
    taken = (
        set(Payment.objects.filter(reference__in=refs).values_list("payer_id", "reference")) & seen
    )
    if taken:
        raise BillingError(
            _("Pembayaran dengan referensi %(ref)s sudah dicatat.") % {"ref": sorted(taken)[0][1]},
            code="payment_duplicate",
        )
    created = Payment.objects.bulk_create(
        Payment(
            payer=item.payer,
            paid_on=item.paid_on,
            amount=item.amount,
            unallocated=item.amount,
            reference=item.reference.strip(),
            note=item.note[:300],
            recorded_by=actor.user,
            recorded_by_label=actor.name,
            source=actor.source,
        )
        for item in payments
    )
    allocate(payers=sorted({p.payer_id for p in created}))
    allocated: dict[int, dict[str, str]] = {}
    for payment_id, bill_id, amount in Allocation.objects.filter(
        payment__in=[p.pk for p in created]
    ).values_list("payment_id", "bill_id", "amount"):
        allocated.setdefault(payment_id, {})[str(bill_id)] = str(amount)
    credit = dict(
        Payment.objects.filter(pk__in=[p.pk for p in created]).values_list("pk", "unallocated")
    )
    record_changes_bulk(
        actor=actor,
        rows=[
            (
                Action.CREATE,
                "billing.payment",
                p.pk,
                None,
                {
                    "payer": p.payer_id,
                    "paid_on": p.paid_on.isoformat(),
                    "amount": str(p.amount),
                    "reference": p.reference,
                    "allocations": allocated.get(p.pk, {}),
                    "credit": str(credit[p.pk]),
                },
            )
            for p in created
        ],
        note="pembayaran (sekaligus)",
    )
    return len(created)
