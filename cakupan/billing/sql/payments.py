"""Allocation of payments to bills: every payer's credit to its open bills, oldest month first."""

from __future__ import annotations

from cakupan.billing.sql.base import ALLOCATION, BILL, PAYMENT

ALLOCATE = f"""
WITH free AS (
    SELECT id, payer_id, unallocated AS amount,
           sum(unallocated) OVER (PARTITION BY payer_id ORDER BY paid_on, id) AS hi
      FROM {PAYMENT}
     WHERE unallocated > 0 AND (%(payers)s::bigint[] IS NULL OR payer_id = ANY(%(payers)s))
),
owed AS (
    SELECT id, payer_id, total - paid AS amount,
           sum(total - paid) OVER (PARTITION BY payer_id ORDER BY month, id) AS hi
      FROM {BILL}
     WHERE status <> 'paid' AND payer_id IN (SELECT payer_id FROM free)
),
pairs AS (
    SELECT f.id AS payment_id, o.id AS bill_id,
           least(f.hi, o.hi) - greatest(f.hi - f.amount, o.hi - o.amount) AS amount
      FROM free f
      JOIN owed o ON o.payer_id = f.payer_id
       AND o.hi - o.amount < f.hi AND f.hi - f.amount < o.hi
),
written AS (
    INSERT INTO {ALLOCATION} (payment_id, bill_id, amount, created_at)
    SELECT payment_id, bill_id, amount, now() FROM pairs
    ON CONFLICT (payment_id, bill_id)
    DO UPDATE SET amount = {ALLOCATION}.amount + EXCLUDED.amount
    RETURNING payment_id
),
payments AS (
    UPDATE {PAYMENT} p SET unallocated = p.unallocated - s.amount
      FROM (SELECT payment_id, sum(amount) AS amount FROM pairs GROUP BY payment_id) s
     WHERE p.id = s.payment_id
    RETURNING p.id
)
UPDATE {BILL} b
   SET paid = b.paid + s.amount,
       status = CASE WHEN b.paid + s.amount = b.total THEN 'paid' ELSE 'partial' END,
       updated_at = now()
  FROM (SELECT bill_id, sum(amount) AS amount FROM pairs GROUP BY bill_id) s
 WHERE b.id = s.bill_id
RETURNING b.id, s.amount
"""  # noqa: S608
"""Allocate every payer's credit (``unallocated`` payment amounts, oldest payment first) to its
open bills, oldest contribution month first. Payments and bills are laid end to end on one line
per payer (running sums); each allocation is the overlap of a payment's interval with a bill's.
``%(payers)s``: payer ids, or NULL for every payer."""
