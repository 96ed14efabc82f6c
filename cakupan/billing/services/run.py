"""The billing run: one bill per payer and contribution month, its entries computed in SQL.

Rules (the package docstring, ``billing.services``, has them all): a membership is billed for the
whole month when covered and overlapping it; the payer is ``coalesce(unit.payer, unit)``; a rerun
leaves unchanged bills alone, recomputes unpaid ones and records an adjustment on a bill that has
received money. The statements are ``billing.sql.lines`` (the month's entries) and
``billing.sql.run`` (the temporary tables, the plan, the writes); this module decides which to run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cakupan.accounts.audit import Actor, record_change
from cakupan.accounts.models import Action
from cakupan.billing.models import BillingRun, RunRate
from cakupan.billing.services.base import BillingError, lock, parameters_or_active
from cakupan.billing.services.payments import allocate
from cakupan.billing.sql import run as statements
from cakupan.billing.sql.lines import LinesSql, lines_select
from cakupan.common.dates import month_start
from cakupan.rules.contribution import MonthRates, RateRow, month_rates
from cakupan.rules.errors import InputError, RulesError
from cakupan.rules.params import Parameters
from cakupan.wilayah.selectors import RegionNotFound, region_get

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


def month_lines(
    *, month: dt.date, region_code: str | None, params: Parameters | None = None
) -> tuple[MonthRates, list[tuple[bool, RateRow]], LinesSql]:
    """The statements computing contribution month ``month``'s bill entries for the payers in
    ``region_code`` (a known code, or None for all), with the month's rate table and its rows
    (``(jkp, row)``): what :func:`billing_run` writes and ``selectors.billing_preview`` sums."""
    params = parameters_or_active(params)
    plain, with_jkp = _rates(month, params)
    rates = [(False, row) for row in plain.rows]
    if with_jkp is not None:
        rates += [(True, row) for row in with_jkp.rows if row.scheme == "pu"]
    retirement = params.find_for_month("jp.retirement_age", month)
    government_class = params.for_month("pu.jkk.government_class", month).value
    lines = lines_select(
        rates=rates,
        brackets=plain.bpu_brackets,
        government_class=government_class,
        retirement_age=retirement.value if retirement else None,
        month=month,
        region_code=region_code,
    )
    return plain, rates, lines


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
    region = _region_code(region_code)
    plain, rates, lines = month_lines(month=month, region_code=region, params=params)
    with transaction.atomic():
        lock()
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
        allocate(payers=touched)
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
    cursor.execute(statements.HASH_JOINS_ONLY)
    yield
    cursor.execute(statements.HASH_JOINS_RESET)


def _bills_from_plan(cursor: Any, *, action: str, values: dict[str, Any]) -> None:
    """Give the bills of the ``billing_plan`` rows with ``action`` their plan's counts, totals,
    fingerprint and due date, as computed by this run (``values``: :func:`_plan_values`)."""
    cursor.execute(statements.BILLS_FROM_PLAN, {**values, "action": action})


def _plan_values(run: BillingRun, rates: MonthRates) -> dict[str, Any]:
    return {
        "month": run.month,
        "run": run.pk,
        "pu_due": rates.pu_due_date,
        "bpu_due": rates.bpu_due_date,
    }


def _write_bills(
    cursor: Any, *, run: BillingRun, lines: LinesSql, rates: MonthRates
) -> dict[str, Any]:
    """Compare the recomputed bills of the month with the stored ones and write the differences."""
    month = run.month
    scope_sql, scope_params = statements.bill_scope(run.region_id)
    cursor.execute(statements.DROP_TEMP_TABLES)
    cursor.execute(statements.WORK_MEM)
    # Each distinct (scheme, programmes, risk class, wage) priced once, analyzed so that the
    # planner hashes this small table, not the memberships.
    cursor.execute(statements.create_priced(lines.priced_sql), lines.priced_params)
    cursor.execute(statements.ANALYZE_PRICED)
    cursor.execute(statements.billed_before(scope_sql), [month, *scope_params])
    billed_before, unrated_combos = cursor.fetchone()
    if not billed_before and not unrated_combos:
        return _write_first_bills(cursor, run=run, lines=lines, rates=rates)
    # The month's lines are computed once, into a temporary table: compared per payer with the
    # stored bills, then copied into the line table for the new and recomputed bills only.
    with _hash_joins_only(cursor):
        cursor.execute(statements.create_lines(lines.lines_sql), lines.lines_params)
    cursor.execute(statements.CREATE_FRESH)
    # Each payer's plan: create, update (no payment yet), adjust (has payments), remove, same.
    cursor.execute(statements.create_plan(scope_sql), [month, *scope_params])
    values = _plan_values(run, rates)
    cursor.execute(statements.DELETE_REPLACED_ENTRIES)
    cursor.execute(statements.DELETE_REMOVED_BILLS)
    _bills_from_plan(cursor, action="update", values=values)
    cursor.execute(statements.SET_ADJUSTMENTS)
    cursor.execute(statements.CREATE_BILLS, values)
    cursor.execute(statements.ANALYZE_PLAN)
    cursor.execute(statements.INSERT_ENTRIES)
    written = cursor.rowcount
    cursor.execute(statements.UNRATED_COUNT)
    return _plan_counts(cursor, written=written, unrated=int(cursor.fetchone()[0]))


def _write_first_bills(
    cursor: Any, *, run: BillingRun, lines: LinesSql, rates: MonthRates
) -> dict[str, Any]:
    """The month's first run in scope (no bill yet, every combination priced): entries written
    straight from the lines query, without the temporary line table of :func:`_write_bills`.

    Each payer in scope with a membership to bill gets its bill first, empty (total 0, so "paid"
    by the bill's checks; no other transaction sees it before commit). The entries go in under
    those bills in one ``INSERT ... SELECT``, and each bill takes the sums and fingerprint of the
    rows that statement wrote (the same line hashes as the rerun computes from the priced table:
    ``sql.lines.entry_hash``). The bills nobody was billed to are deleted again.
    """
    values = _plan_values(run, rates)
    # The payers in scope with a membership billed this month (sql.lines.lines_select's rule).
    scope_sql, scope_params = statements.first_run_scope(month=run.month, region_code=run.region_id)
    values.update(scope_params)
    cursor.execute(statements.CREATE_EMPTY_PLAN)
    cursor.execute(statements.create_empty_bills(scope_sql), values)
    cursor.execute(statements.ANALYZE_PLAN)
    # The entries go in, and what each bill needs comes back from the same statement (RETURNING
    # over the rows written), without reading the entry table again.
    with _hash_joins_only(cursor):
        cursor.execute(statements.insert_first_entries(lines.lines_sql), lines.lines_params)
    cursor.execute(statements.ENTRIES_WRITTEN)
    written = int(cursor.fetchone()[0])
    # Payers nobody is billed to this month: no bill after all.
    cursor.execute(statements.DELETE_EMPTY_BILLS)
    _bills_from_plan(cursor, action="create", values=values)
    return _plan_counts(cursor, written=written, unrated=0)


def _plan_counts(cursor: Any, *, written: int, unrated: int) -> dict[str, Any]:
    """What ``billing_plan`` did, for the run's record and result."""
    cursor.execute(statements.PLAN_COUNTS)
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
    cursor.execute(statements.UNRATED)
    return [{"scheme": s, "programme": p, "lines": n} for s, p, n in cursor.fetchall()]


def _adjustments(cursor: Any) -> list[Adjustment]:
    cursor.execute(statements.ADJUSTMENTS)
    return [Adjustment(i, code, Decimal(b), Decimal(r)) for i, code, b, r in cursor.fetchall()]
