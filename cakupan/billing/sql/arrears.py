"""Arrears as of a day: what each bill had received from payments dated on or before that day, and
the PU payers with contribution months past due and not fully paid."""

from __future__ import annotations

from cakupan.billing.sql.base import ALLOCATION, BILL, PAYMENT

PAID_AS_OF = f"""
SELECT a.bill_id, sum(a.amount) AS paid
  FROM {ALLOCATION} a JOIN {PAYMENT} p ON p.id = a.payment_id
 WHERE p.paid_on <= %(on)s
 GROUP BY a.bill_id
"""  # noqa: S608

PU_ARREARS = f"""
WITH paid AS ({PAID_AS_OF})
SELECT b.payer_id, count(*) AS months, min(b.month) AS oldest,
       sum(b.total - coalesce(paid.paid, 0)) AS amount
  FROM {BILL} b LEFT JOIN paid ON paid.bill_id = b.id
 WHERE b.pu_total > 0 AND b.due_date < %(on)s AND b.total > coalesce(paid.paid, 0)
 GROUP BY b.payer_id
"""  # noqa: S608
"""Per payer: how many contribution months with PU lines are past due and not fully paid on
``%(on)s``, the oldest of them, and the amount outstanding."""
