"""Billing: monthly bills per payer, payments, credit, arrears flags and BPU lapse.

Every write here is set-based SQL in one transaction and audited (``accounts.audit``). All writes
to bills and payments take one transaction-scoped advisory lock, so a billing run, a payment and a
lapse check never interleave.

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

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cakupan.accounts.audit import Actor, record_change, record_changes_bulk
from cakupan.accounts.models import Action
from cakupan.billing import sql
from cakupan.billing.models import (
    Allocation,
    ArrearsFlag,
    Bill,
    BillEntry,
    BillingRun,
    BillStatus,
    MembershipLapse,
    Payment,
    RunRate,
)
from cakupan.common.dates import month_end, month_start
from cakupan.common.errors import DomainError
from cakupan.common.nik import mask_nik
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import MembershipStatus, Unit
from cakupan.rules.contribution import PROGRAMMES, MonthRates, month_rates
from cakupan.rules.errors import InputError, RulesError
from cakupan.rules.params import Parameters
from cakupan.wilayah.selectors import RegionNotFound, region_get

# The columns of a bill entry the run copies from its computed lines (all but ``bill_id``).
ENTRY_COLUMNS = [
    f.column for f in BillEntry._meta.concrete_fields if f.column and f.column != "bill_id"
]

# One lock for every write to bills, payments and allocations (pg_advisory_xact_lock key). The
# database's bill line checks take it too (billing migration 0004): keep the two equal.
_LOCK_KEY = 730_220_241


class BillingError(DomainError):
    code = "billing_error"


def _lock() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])


def _params(params: Parameters | None) -> Parameters:
    """The given parameters, else those in force in this installation (overrides applied)."""
    return params if params is not None else active_parameters()


# --------------------------------------------------------------------------------------------
# Billing run


@dataclass(frozen=True)
class Adjustment:
    bill_id: int
    payer_code: str
    billed: Decimal
    recomputed: Decimal

    @property
    def difference(self) -> Decimal:
        return self.recomputed - self.billed


@dataclass(frozen=True)
class RunResult:
    run_id: int
    month: dt.date
    region_code: str | None
    memberships: int
    lines: int
    payers: int
    created: int
    updated: int
    removed: int
    unchanged: int
    adjusted: int
    total: Decimal
    unrated: list[dict[str, Any]] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run": self.run_id,
            "month": f"{self.month:%Y-%m}",
            "region": self.region_code,
            "memberships": self.memberships,
            "lines": self.lines,
            "payers": self.payers,
            "bills": {
                "created": self.created,
                "updated": self.updated,
                "removed": self.removed,
                "unchanged": self.unchanged,
                "adjustment_needed": self.adjusted,
            },
            "total": self.total,
            "unrated": self.unrated,
            "adjustments": [
                {
                    "bill": a.bill_id,
                    "payer": a.payer_code,
                    "billed": a.billed,
                    "recomputed": a.recomputed,
                    "difference": a.difference,
                }
                for a in self.adjustments
            ],
        }


def _rates(month: dt.date, params: Parameters) -> tuple[MonthRates, MonthRates | None]:
    """The month's rate tables without and with JKP (None before JKP existed)."""
    try:
        plain = month_rates(month, params)
    except RulesError as error:
        raise BillingError(error.message, code=error.code) from None
    try:
        with_jkp: MonthRates | None = month_rates(month, params, jkp=True)
    except InputError as error:
        if error.code != "programme_not_in_force":
            raise BillingError(error.message, code=error.code) from None
        with_jkp = None
    return plain, with_jkp


def _region_code(region_code: str | None) -> str | None:
    if region_code is None:
        return None
    try:
        return region_get(region_code).code
    except RegionNotFound:
        raise BillingError(
            _("Kode wilayah tidak dikenal: %(code)s") % {"code": region_code},
            code="region_unknown",
        ) from None


def billing_run(
    *,
    actor: Actor,
    month: dt.date,
    region_code: str | None = None,
    params: Parameters | None = None,
) -> RunResult:
    """Bill contribution month ``month`` (any day of it) to every payer, or to the payers located in
    ``region_code`` and below.

    The month's entries (one per membership, the programmes side by side) come from one
    ``SELECT`` over memberships joined with the month's rates priced per distinct combination.
    The month's first run in scope writes them straight under new bills
    (:func:`_write_first_bills`); a rerun computes them into a temporary table, compares each
    payer's totals and line fingerprint with the bill already there and writes the entries of new
    and recomputed bills only (:func:`_write_bills`). See the
    module docstring for the joiner/leaver rule and how reruns treat bills that have payments.
    One transaction, one audit event. Raises :class:`BillingError` for an unknown region or a
    month the rules cannot price.
    """
    month = month_start(month)
    params = _params(params)
    region = _region_code(region_code)
    plain, with_jkp = _rates(month, params)
    rates = [(False, row) for row in plain.rows]
    if with_jkp is not None:
        rates += [(True, row) for row in with_jkp.rows if row.scheme == "pu"]
    retirement = params.find_for_month("jp.retirement_age", month)
    government_class = params.for_month("pu.jkk.government_class", month).value
    lines = sql.lines_select(
        rates=rates,
        brackets=plain.bpu_brackets,
        government_class=government_class,
        retirement_age=retirement.value if retirement else None,
        month=month,
        region_code=region,
    )
    with transaction.atomic():
        _lock()
        run = BillingRun.objects.create(
            month=month,
            region_id=region,
            actor=actor.user,
            actor_label=actor.name,
            source=actor.source,
        )
        RunRate.objects.bulk_create(
            RunRate(
                run=run,
                jkp=jkp,
                scheme=row.scheme,
                programme=row.programme,
                risk_class=row.risk_class,
                employer_rate=row.employer_rate,
                worker_rate=row.worker_rate,
                cap=row.cap,
                minimum=row.minimum,
                flat=row.flat,
                source=row.source,
            )
            for jkp, row in rates
        )
        with connection.cursor() as cursor:
            counts = _write_bills(cursor, run=run, lines=lines, rates=plain)
            unrated = _unrated(cursor) if counts["unrated"] else []
            adjustments = _adjustments(cursor)
            touched = counts.pop("touched_payers")
        _allocate(payers=touched)
        run.finished_at = timezone.now()
        for name, value in counts.items():
            if hasattr(run, name):
                setattr(run, name, value)
        run.save()
        after = {
            "month": f"{month:%Y-%m}",
            "region": region,
            **{k: v for k, v in counts.items() if k != "total"},
            "total": str(counts["total"]),
            "unrated": unrated,
        }
        record_change(
            actor=actor,
            action=Action.CREATE,
            instance=run,
            before=None,
            after=after,
            note=f"penagihan {month:%Y-%m} {region or 'semua wilayah'}",
        )
    return RunResult(
        run_id=run.pk,
        month=month,
        region_code=region,
        memberships=counts["memberships"],
        lines=counts["lines"],
        payers=counts["payers"],
        created=counts["bills_created"],
        updated=counts["bills_updated"],
        removed=counts["bills_removed"],
        unchanged=counts["bills_unchanged"],
        adjusted=counts["bills_adjusted"],
        total=counts["total"],
        unrated=unrated,
        adjustments=adjustments,
    )


# A bill's due date from its plan row ``p``: the earlier of the schemes' dates it holds.
_DUE_SQL = (
    "CASE WHEN p.pu > 0 AND p.bpu > 0 THEN least(%(pu_due)s::date, %(bpu_due)s::date) "
    "WHEN p.bpu > 0 THEN %(bpu_due)s::date ELSE %(pu_due)s::date END"
)


@contextmanager
def _hash_joins_only(cursor: Any) -> Iterator[None]:
    """Plan the statements inside with hash joins only (``SET LOCAL``, reset after them).

    For the statements joining the month's memberships with the priced table: the planner
    underestimates that join a thousandfold (five join keys taken as independent) and then sorts
    a million rows for a merge join (3-5 s more) or loops over the priced table for each
    membership (minutes); hashing the small priced table is right whatever the sizes
    (docs/benchmarks.md). Only around those statements: where a nested loop cannot be avoided
    (the ``LATERAL unnest`` of the pricing), PostgreSQL before 18 penalises every disabled node
    and then plans the rest badly (seconds per pricing on PostgreSQL 15). Not reset when the
    statement fails: the transaction is aborted then, and ``SET LOCAL`` ends with it.
    """
    cursor.execute("SET LOCAL enable_mergejoin = off; SET LOCAL enable_nestloop = off")
    yield
    cursor.execute("RESET enable_mergejoin; RESET enable_nestloop")


def _bills_from_plan(cursor: Any, *, action: str, values: dict[str, Any]) -> None:
    """Give the bills of the ``billing_plan`` rows with ``action`` their plan's counts, totals,
    fingerprint and due date, as computed by this run (``values``: :func:`_plan_values`)."""
    cursor.execute(
        f"""UPDATE {sql.BILL} b
           SET lines_count = p.lines, memberships_count = p.memberships,
               employer_total = p.employer, worker_total = p.worker, total = p.total,
               pu_total = p.pu, bpu_total = p.bpu, fingerprint = p.fingerprint,
               due_date = {_DUE_SQL}, adjustment = 0, run_id = %(run)s, updated_at = now(),
               status = CASE WHEN p.total = 0 THEN 'paid' ELSE 'open' END
          FROM billing_plan p WHERE p.action = %(action)s AND b.id = p.bill_id""",  # noqa: S608
        {**values, "action": action},
    )


def _plan_values(run: BillingRun, rates: MonthRates) -> dict[str, Any]:
    return {
        "month": run.month,
        "run": run.pk,
        "pu_due": rates.pu_due_date,
        "bpu_due": rates.bpu_due_date,
    }


def _write_bills(
    cursor: Any, *, run: BillingRun, lines: sql.LinesSql, rates: MonthRates
) -> dict[str, Any]:
    """Compare the recomputed bills of the month with the stored ones and write the differences."""
    month = run.month
    scope_sql, scope_params = "", []
    if run.region_id:
        scope_sql = (
            f"AND b.payer_id IN (SELECT id FROM {sql.UNIT} "  # noqa: S608
            "WHERE region_id = %s OR region_id LIKE %s)"
        )
        scope_params = [run.region_id, f"{run.region_id}.%"]
    cursor.execute(
        "DROP TABLE IF EXISTS billing_priced, billing_lines, billing_fresh, billing_plan"
    )
    # Hash joins and aggregates of a few million rows in memory, for this transaction only.
    cursor.execute("SET LOCAL work_mem = '64MB'")
    # Each distinct (scheme, programmes, risk class, wage) priced once, analyzed so that the
    # planner hashes this small table, not the memberships.
    cursor.execute(
        f"CREATE TEMP TABLE billing_priced ON COMMIT DROP AS {lines.priced_sql}",
        lines.priced_params,
    )
    cursor.execute("ANALYZE billing_priced")
    cursor.execute(
        f"""SELECT EXISTS (SELECT 1 FROM {sql.BILL} b WHERE b.month = %s {scope_sql}),
                  EXISTS (SELECT 1 FROM billing_priced WHERE cardinality(unrated) > 0)""",  # noqa: S608
        [month, *scope_params],
    )
    billed_before, unrated_combos = cursor.fetchone()
    if not billed_before and not unrated_combos:
        return _write_first_bills(cursor, run=run, lines=lines, rates=rates)
    # The month's lines are computed once, into a temporary table: compared per payer with the
    # stored bills, then copied into the line table for the new and recomputed bills only.
    with _hash_joins_only(cursor):
        cursor.execute(
            f"CREATE TEMP TABLE billing_lines ON COMMIT DROP AS {lines.lines_sql}",
            lines.lines_params,
        )
    cursor.execute(
        """CREATE TEMP TABLE billing_fresh ON COMMIT DROP AS
        SELECT payer_id,
               sum(lines) AS lines,
               count(*) FILTER (WHERE jkm_employer IS NOT NULL) AS memberships,
               sum(employer) AS employer,
               sum(worker) AS worker,
               coalesce(sum(total) FILTER (WHERE scheme = 'pu'), 0) AS pu,
               coalesce(sum(total) FILTER (WHERE scheme = 'bpu'), 0) AS bpu,
               bit_xor(h) AS fingerprint,
               coalesce(sum(cardinality(unrated)), 0) AS unrated
          FROM billing_lines
         GROUP BY payer_id"""
    )
    # Each payer's plan: create, update (no payment yet), adjust (has payments), remove, same.
    cursor.execute(
        f"""CREATE TEMP TABLE billing_plan ON COMMIT DROP AS
        SELECT coalesce(f.payer_id, b.payer_id) AS payer_id, b.id AS bill_id, b.total AS old_total,
               f.lines, f.memberships, f.employer, f.worker, f.pu, f.bpu, f.fingerprint,
               coalesce(f.employer + f.worker, 0) AS total,
               CASE WHEN b.id IS NULL THEN 'create'
                    WHEN f.payer_id IS NULL OR f.lines = 0
                      THEN CASE WHEN b.paid > 0 THEN 'adjust' ELSE 'remove' END
                    WHEN b.fingerprint = f.fingerprint AND b.lines_count = f.lines
                     AND b.employer_total = f.employer AND b.worker_total = f.worker
                     AND b.pu_total = f.pu THEN 'same'
                    WHEN b.paid > 0 THEN 'adjust'
                    ELSE 'update' END AS action
          FROM (SELECT * FROM billing_fresh WHERE lines > 0) f
          FULL JOIN (SELECT * FROM {sql.BILL} b WHERE b.month = %s {scope_sql}) b
            ON b.payer_id = f.payer_id""",  # noqa: S608
        [month, *scope_params],
    )
    due_sql = _DUE_SQL
    values = _plan_values(run, rates)
    cursor.execute(
        f"DELETE FROM {sql.ENTRY} WHERE bill_id IN "  # noqa: S608
        "(SELECT bill_id FROM billing_plan WHERE action IN ('update', 'remove'))"
    )
    cursor.execute(
        f"DELETE FROM {sql.BILL} WHERE id IN "  # noqa: S608
        "(SELECT bill_id FROM billing_plan WHERE action = 'remove')"
    )
    _bills_from_plan(cursor, action="update", values=values)
    cursor.execute(
        f"""UPDATE {sql.BILL} b SET adjustment = p.total - b.total, updated_at = now()
          FROM billing_plan p
         WHERE b.id = p.bill_id AND (p.action = 'adjust'
               OR (p.action = 'same' AND b.adjustment <> 0))
           AND b.adjustment <> CASE WHEN p.action = 'same' THEN 0 ELSE p.total - b.total END"""  # noqa: S608
    )
    cursor.execute(
        f"""WITH created AS (
            INSERT INTO {sql.BILL} (payer_id, month, due_date, lines_count, memberships_count,
                employer_total, worker_total, total, pu_total, bpu_total, paid, status,
                fingerprint, adjustment, run_id, created_at, updated_at)
            SELECT p.payer_id, %(month)s, {due_sql}, p.lines, p.memberships, p.employer,
                   p.worker, p.total, p.pu, p.bpu, 0,
                   CASE WHEN p.total = 0 THEN 'paid' ELSE 'open' END,
                   p.fingerprint, 0, %(run)s, now(), now()
              FROM billing_plan p WHERE p.action = 'create'
            RETURNING id, payer_id)
        UPDATE billing_plan p SET bill_id = c.id FROM created c WHERE p.payer_id = c.payer_id""",  # noqa: S608
        values,
    )
    cursor.execute("ANALYZE billing_plan")
    cursor.execute(
        f"""INSERT INTO {sql.ENTRY} (bill_id, {", ".join(ENTRY_COLUMNS)})
        SELECT p.bill_id, {", ".join(f"l.{c}" for c in ENTRY_COLUMNS)}
          FROM billing_lines l
          JOIN billing_plan p ON p.payer_id = l.payer_id AND p.action IN ('create', 'update')
         WHERE l.lines > 0"""  # noqa: S608
    )
    written = cursor.rowcount
    cursor.execute("SELECT coalesce(sum(unrated), 0) FROM billing_fresh")
    return _plan_counts(cursor, written=written, unrated=int(cursor.fetchone()[0]))


def _write_first_bills(
    cursor: Any, *, run: BillingRun, lines: sql.LinesSql, rates: MonthRates
) -> dict[str, Any]:
    """The month's first run in scope (no bill yet, every combination priced): entries written
    straight from the lines query, without the temporary line table of :func:`_write_bills`.

    Each payer in scope with a membership to bill gets its bill first, empty (total 0, so "paid"
    by the bill's checks; no other transaction sees it before commit). The entries go in under
    those bills in one ``INSERT ... SELECT``, and each bill takes the sums and fingerprint of the
    rows that statement wrote (the same line hashes as the rerun computes from the priced table:
    ``sql.entry_hash``). The bills nobody was billed to are deleted again.
    """
    values = _plan_values(run, rates)
    # The payers in scope with a membership billed this month (sql.lines_select's rule).
    scope_sql = f"""WHERE EXISTS (
        SELECT 1 FROM {sql.MEMBERSHIP} m
         WHERE m.unit_id = u.id AND m.status = ANY(%(covered)s) AND m.start_date <= %(end)s
           AND (m.end_date IS NULL OR m.end_date >= %(month)s))"""  # noqa: S608
    values.update(covered=sql.COVERED, end=month_end(run.month))
    if run.region_id:
        scope_sql += " AND (pu.region_id = %(region)s OR pu.region_id LIKE %(below)s)"
        values.update(region=run.region_id, below=f"{run.region_id}.%")
    cursor.execute(
        """CREATE TEMP TABLE billing_plan (payer_id bigint PRIMARY KEY, bill_id bigint,
               old_total numeric, lines bigint, memberships bigint, employer numeric,
               worker numeric, pu numeric, bpu numeric, fingerprint bigint, total numeric,
               action text, entries bigint) ON COMMIT DROP"""
    )
    cursor.execute(
        f"""WITH created AS (
            INSERT INTO {sql.BILL} (payer_id, month, due_date, lines_count, memberships_count,
                employer_total, worker_total, total, pu_total, bpu_total, paid, status,
                fingerprint, adjustment, run_id, created_at, updated_at)
            SELECT DISTINCT pu.id, %(month)s, %(pu_due)s, 0, 0, 0, 0, 0, 0, 0, 0, 'paid', 0, 0,
                   %(run)s, now(), now()
              FROM {sql.UNIT} u JOIN {sql.UNIT} pu ON pu.id = coalesce(u.payer_id, u.id)
              {scope_sql}
            RETURNING id, payer_id)
        INSERT INTO billing_plan (payer_id, bill_id, action)
        SELECT payer_id, id, 'create' FROM created""",  # noqa: S608
        values,
    )
    cursor.execute("ANALYZE billing_plan")
    columns = ", ".join(ENTRY_COLUMNS)
    # The entries go in, and what each bill needs comes back from the same statement (RETURNING
    # over the rows written), without reading the entry table again.
    with _hash_joins_only(cursor):
        cursor.execute(
            f"""WITH lines AS ({lines.lines_sql}),
        written AS (
            INSERT INTO {sql.ENTRY} AS e (bill_id, {columns})
            SELECT p.bill_id, {", ".join(f"l.{c}" for c in ENTRY_COLUMNS)}
              FROM lines l JOIN billing_plan p ON p.payer_id = l.payer_id
             WHERE l.lines > 0
            RETURNING e.bill_id, e.scheme, e.employer, e.worker, e.total,
                      e.jkm_employer IS NOT NULL AS with_jkm,
                      num_nonnulls({", ".join(f"e.{p}_employer" for p in PROGRAMMES)}) AS lines,
                      {sql.entry_hash("e")} AS h)
        UPDATE billing_plan p
           SET entries = s.entries, lines = s.lines, memberships = s.memberships,
               employer = s.employer, worker = s.worker, pu = s.pu, bpu = s.bpu,
               fingerprint = s.fingerprint, total = s.employer + s.worker
          FROM (SELECT bill_id, count(*) AS entries, sum(lines) AS lines,
                       count(*) FILTER (WHERE with_jkm) AS memberships,
                       sum(employer) AS employer, sum(worker) AS worker,
                       coalesce(sum(total) FILTER (WHERE scheme = 'pu'), 0) AS pu,
                       coalesce(sum(total) FILTER (WHERE scheme = 'bpu'), 0) AS bpu,
                       bit_xor(h) AS fingerprint
                  FROM written GROUP BY bill_id) s
         WHERE p.bill_id = s.bill_id""",  # noqa: S608
            lines.lines_params,
        )
    cursor.execute("SELECT coalesce(sum(entries), 0) FROM billing_plan")
    written = int(cursor.fetchone()[0])
    # Payers nobody is billed to this month: no bill after all.
    cursor.execute(
        f"""WITH empty AS (UPDATE billing_plan SET action = 'none'
                           WHERE lines IS NULL RETURNING bill_id)
        DELETE FROM {sql.BILL} WHERE id IN (SELECT bill_id FROM empty)"""  # noqa: S608
    )
    _bills_from_plan(cursor, action="create", values=values)
    return _plan_counts(cursor, written=written, unrated=0)


def _plan_counts(cursor: Any, *, written: int, unrated: int) -> dict[str, Any]:
    """What ``billing_plan`` did, for the run's record and result."""
    cursor.execute(
        """SELECT count(*) FILTER (WHERE action = 'create'),
                  count(*) FILTER (WHERE action = 'update'),
                  count(*) FILTER (WHERE action = 'remove'),
                  count(*) FILTER (WHERE action = 'same'),
                  count(*) FILTER (WHERE action = 'adjust'),
                  coalesce(sum(memberships), 0), coalesce(sum(lines), 0),
                  count(*) FILTER (WHERE lines > 0), coalesce(sum(total), 0),
                  array_agg(payer_id) FILTER (WHERE action IN ('create', 'update'))
             FROM billing_plan"""
    )
    row = cursor.fetchone()
    return {
        "bills_created": int(row[0]),
        "bills_updated": int(row[1]),
        "bills_removed": int(row[2]),
        "bills_unchanged": int(row[3]),
        "bills_adjusted": int(row[4]),
        "memberships": int(row[5]),
        "lines": int(row[6]),
        "entries_written": written,
        "payers": int(row[7]),
        "total": Decimal(row[8]),
        "unrated": unrated,
        "touched_payers": list(row[9] or []),
    }


def _unrated(cursor: Any) -> list[dict[str, Any]]:
    """Memberships x programmes the month's rates cannot price (JKP before PP 37/2021, ...)."""
    cursor.execute(
        """SELECT scheme, programme, count(*)
             FROM billing_lines, unnest(unrated) AS u(programme)
            WHERE unrated IS NOT NULL
            GROUP BY scheme, programme ORDER BY scheme, programme"""
    )
    return [{"scheme": s, "programme": p, "lines": n} for s, p, n in cursor.fetchall()]


def _adjustments(cursor: Any) -> list[Adjustment]:
    cursor.execute(
        f"""SELECT b.id, u.code, b.total, p.total FROM billing_plan p
              JOIN {sql.BILL} b ON b.id = p.bill_id JOIN {sql.UNIT} u ON u.id = b.payer_id
             WHERE p.action = 'adjust' ORDER BY u.code"""  # noqa: S608
    )
    return [Adjustment(i, code, Decimal(b), Decimal(r)) for i, code, b, r in cursor.fetchall()]


# --------------------------------------------------------------------------------------------
# Payments and allocation


def _allocate(*, payers: list[int] | None) -> dict[int, Decimal]:
    """Apply the credit of ``payers`` (None: every payer) to their open bills, oldest first.

    Returns the amount allocated per bill id.
    """
    if payers is not None and not payers:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(sql.ALLOCATE, {"payers": payers})
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
    _lock()
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
    for bill_id, part in _allocate(payers=[payer.pk]).items():
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
    _lock()
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
    _allocate(payers=sorted({p.payer_id for p in created}))
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


# --------------------------------------------------------------------------------------------
# Lapse (BPU) and arrears flags (PU)


@dataclass(frozen=True)
class LapseResult:
    on: dt.date
    lapsed: list[dict[str, Any]]
    flagged: list[dict[str, Any]]
    cleared: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "on": self.on,
            "lapsed": self.lapsed,
            "flagged": self.flagged,
            "cleared": self.cleared,
        }


@transaction.atomic
def lapse_check(*, actor: Actor, on: dt.date, params: Parameters | None = None) -> LapseResult:
    """Lapse BPU memberships past the grace period and flag PU payers in arrears, as of ``on``.

    BPU (DOMAIN.md section 5, Perdir BPJS TK 22/2022): a membership whose oldest contribution month
    not fully paid on ``on`` is U lapses when ``on`` is on or after the first day of month
    ``U + grace`` (``bpu.grace_months``, 3): the grace period runs ``grace`` months from the end of
    the last paid protection period (the last day before U). It gets status ``lapsed``, ``end_date``
    = the last day of the last paid month (never before its start: a membership never paid keeps
    its first day), and a :class:`MembershipLapse` row; every change is audited with before/after.

    PU (DOMAIN.md sections 2.4, 4.3, 5): a payer with more than ``pu.arrears_threshold_months``
    contribution months past due and not fully paid on ``on`` gets an open :class:`ArrearsFlag`
    (work accidents of its workers are then paid by the employer first); a flag whose payer is no
    longer above the threshold is cleared on ``on``.
    """
    params = _params(params)
    grace = params.value("bpu.grace_months", on)
    threshold = params.value("pu.arrears_threshold_months", on)
    _lock()
    lapsed = _lapse(actor=actor, on=on, grace=grace)
    flagged, cleared = _flags(actor=actor, on=on, threshold=threshold)
    return LapseResult(on=on, lapsed=lapsed, flagged=flagged, cleared=cleared)


def _lapse(*, actor: Actor, on: dt.date, grace: int) -> list[dict[str, Any]]:
    """Lapse every candidate in three statements; audit each change (``record_changes_bulk``)."""
    reason = _("Iuran BPU menunggak melewati masa tenggang %(months)s bulan") % {"months": grace}
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS billing_lapse")
        cursor.execute(
            f"""CREATE TEMP TABLE billing_lapse ON COMMIT DROP AS
            SELECT c.membership_id, c.oldest_unpaid, c.last_paid, c.lapsed_on,
                   m.status AS old_status, m.end_date AS old_end,
                   least(coalesce(m.end_date, 'infinity'::date), greatest(m.start_date,
                         coalesce((c.last_paid + interval '1 month' - interval '1 day')::date,
                                  c.oldest_unpaid - 1))) AS new_end
              FROM ({sql.LAPSE_CANDIDATES}) c
              JOIN {sql.MEMBERSHIP} m ON m.id = c.membership_id""",  # noqa: S608
            {"on": on, "grace": grace},
        )
        cursor.execute(
            f"""UPDATE {sql.MEMBERSHIP} m
                   SET status = %s, end_date = l.new_end, updated_at = now()
                  FROM billing_lapse l WHERE m.id = l.membership_id""",  # noqa: S608
            [MembershipStatus.LAPSED],
        )
        cursor.execute(
            f"""INSERT INTO {MembershipLapse._meta.db_table} (membership_id, lapsed_on,
                   last_paid_month, oldest_unpaid_month, reason, checked_on, created_at)
            SELECT membership_id, lapsed_on, last_paid, oldest_unpaid, %s, %s, now()
              FROM billing_lapse""",  # noqa: S608
            [reason, on],
        )
        cursor.execute(
            f"""SELECT l.membership_id, l.oldest_unpaid, l.last_paid, l.lapsed_on, l.old_status,
                       l.old_end, l.new_end, x.id, u.code, pe.nik
                  FROM billing_lapse l
                  JOIN {MembershipLapse._meta.db_table} x ON x.membership_id = l.membership_id
                  JOIN {sql.MEMBERSHIP} m ON m.id = l.membership_id
                  JOIN {sql.UNIT} u ON u.id = m.unit_id
                  JOIN {sql.PERSON} pe ON pe.id = m.person_id
                 ORDER BY l.membership_id"""  # noqa: S608
        )
        rows = cursor.fetchall()
    audit_rows: list[tuple[str, str, Any, Any, Any]] = []
    out: list[dict[str, Any]] = []
    for pk, oldest, last_paid, lapsed_on, old_status, old_end, new_end, lapse_id, unit, nik in rows:
        audit_rows.append(
            (
                Action.UPDATE,
                "registry.membership",
                pk,
                {"status": old_status, "end_date": old_end.isoformat() if old_end else None},
                {"status": MembershipStatus.LAPSED.value, "end_date": new_end.isoformat()},
            )
        )
        audit_rows.append(
            (
                Action.CREATE,
                "billing.membershiplapse",
                lapse_id,
                None,
                {
                    "membership": pk,
                    "lapsed_on": lapsed_on.isoformat(),
                    "oldest_unpaid_month": oldest.isoformat(),
                    "last_paid_month": last_paid.isoformat() if last_paid else None,
                },
            )
        )
        out.append(
            {
                "membership": pk,
                "person": mask_nik(nik),
                "unit": unit,
                "oldest_unpaid_month": f"{oldest:%Y-%m}",
                "last_paid_month": f"{last_paid:%Y-%m}" if last_paid else None,
                "lapsed_on": lapsed_on,
                "end_date": new_end,
            }
        )
    if audit_rows:
        record_changes_bulk(actor=actor, rows=audit_rows, note=f"pemeriksaan tunggakan BPU {on}")
    return out


def _flags(
    *, actor: Actor, on: dt.date, threshold: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.PU_ARREARS, {"on": on})
        arrears = {
            payer: (months, oldest, Decimal(amount))
            for payer, months, oldest, amount in cursor.fetchall()
        }
    over = {payer: v for payer, v in arrears.items() if v[0] > threshold}
    open_flags = {
        f.payer_id: f
        for f in ArrearsFlag.objects.select_for_update().filter(cleared_on__isnull=True)
    }
    codes = dict(Unit.objects.filter(pk__in=set(over) | set(open_flags)).values_list("pk", "code"))
    audit_rows: list[tuple[str, str, Any, Any, Any]] = []
    new_flags = [
        ArrearsFlag(
            payer_id=payer,
            flagged_on=on,
            oldest_unpaid_month=oldest,
            months_in_arrears=months,
            amount=amount,
        )
        for payer, (months, oldest, amount) in sorted(over.items())
        if payer not in open_flags
    ]
    created = ArrearsFlag.objects.bulk_create(new_flags)
    flagged = []
    for flag in created:
        audit_rows.append(
            (
                Action.CREATE,
                "billing.arrearsflag",
                flag.pk,
                None,
                {
                    "payer": flag.payer_id,
                    "flagged_on": on.isoformat(),
                    "months_in_arrears": flag.months_in_arrears,
                    "amount": str(flag.amount),
                },
            )
        )
        flagged.append(
            {
                "payer": codes[flag.payer_id],
                "months_in_arrears": flag.months_in_arrears,
                "oldest_unpaid_month": f"{flag.oldest_unpaid_month:%Y-%m}",
                "amount": flag.amount,
            }
        )
    cleared = []
    for payer, flag in sorted(open_flags.items()):
        if payer in over or on < flag.flagged_on:
            continue
        flag.cleared_on = on
        flag.save(update_fields=["cleared_on"])
        audit_rows.append(
            (
                Action.UPDATE,
                "billing.arrearsflag",
                flag.pk,
                {"cleared_on": None},
                {"cleared_on": on.isoformat()},
            )
        )
        cleared.append({"payer": codes[payer], "flagged_on": flag.flagged_on})
    if audit_rows:
        record_changes_bulk(actor=actor, rows=audit_rows, note=f"pemeriksaan tunggakan PU {on}")
    return flagged, cleared


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
