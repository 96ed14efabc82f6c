"""Billing: monthly bills per payer, payments, credit, arrears flags and BPU lapse.

Every write here is set-based SQL in one transaction and audited (``accounts.audit``). All writes
to bills and payments take one transaction-scoped advisory lock (``base.lock``), so a billing run,
a payment and a lapse check never interleave. The modules: ``run`` (the billing run),
``payments`` (payments and their allocation), ``lapse`` (BPU lapse, and the check that also runs
``arrears``, the PU arrears flags); their SQL is ``billing.sql``. Callers import this package
(``from cakupan.billing import services; services.billing_run(...)``).

Rules of the game (README, "Billing")
- **Who is billed for a month.** A membership is billed for contribution month M when its status
  is covered (``registry.models.COVERED_STATUSES``) and ``[start_date, end_date]`` overlaps M.
  BPJS Ketenagakerjaan contributions are monthly: a joiner on the 20th and a leaver on the 3rd are
  billed the whole month, never a fraction.
- **Who pays.** ``coalesce(unit.payer, unit)``: one bill per payer unit and month.
- **Rates** come from ``rules.contribution.month_rates`` for M, amounts are computed in SQL exactly
  as ``rules.contribution.apply_rate_row`` does (tested against ``calculate_contribution``).
- **Reruns.** Running a month again leaves unchanged bills alone. A bill without payments is
  recomputed when the registry changed (or removed when nobody is billed to its payer any more).
  A bill that has received money is never rewritten: the difference between the recomputed total
  and the billed total is recorded on it as ``adjustment`` (positive: still to pay; negative: paid
  too much) and listed in the run's result, for the payer and the branch office to settle.
- **Payments** are allocated to the payer's bills oldest contribution month first; what is left is
  credit (``Payment.unallocated``) and is applied to the next bills as soon as they exist.
"""

# The lock key, where billing migrations 0004 and 0005 name it (``billing.services._LOCK_KEY``).
from cakupan.billing.services.base import _LOCK_KEY as _LOCK_KEY
from cakupan.billing.services.base import BillingError
from cakupan.billing.services.lapse import LapseResult, lapse_check
from cakupan.billing.services.payments import (
    PaymentInput,
    PaymentResult,
    payment_record,
    payments_record_bulk,
)
from cakupan.billing.services.run import Adjustment, RunResult, billing_run

__all__ = [
    "Adjustment",
    "BillingError",
    "LapseResult",
    "PaymentInput",
    "PaymentResult",
    "RunResult",
    "billing_run",
    "lapse_check",
    "payment_record",
    "payments_record_bulk",
]
