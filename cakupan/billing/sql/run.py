"""The billing run's statements, over temporary tables dropped at commit:

* ``billing_priced``: each distinct (scheme, programmes, risk class, wage) of the month priced once
  (``lines.lines_select``'s ``priced_sql``);
* ``billing_lines``: the month's entries (a rerun only; the first run of a month inserts them
  straight from the lines query, see :data:`INSERT_FIRST_ENTRIES`);
* ``billing_fresh``: per payer, the sums and fingerprint of those entries;
* ``billing_plan``: per payer, what the run does with its bill (``action``: ``create``,
  ``update``, ``adjust``, ``remove``, ``same``; ``none`` for a payer nobody was billed to) and the
  bill's new counts, totals and fingerprint.

Named parameters of the plan statements (``services.run``'s ``_plan_values``): ``%(month)s``,
``%(run)s``, ``%(pu_due)s``, ``%(bpu_due)s``.
"""

from __future__ import annotations

import datetime as dt

from cakupan.billing.models import BillEntry
from cakupan.billing.sql.base import BILL, COVERED, ENTRY, MEMBERSHIP, UNIT
from cakupan.billing.sql.lines import entry_hash
from cakupan.common.dates import month_end
from cakupan.rules.contribution import PROGRAMMES

# The columns of a bill entry the run copies from its computed lines (all but ``bill_id``).
ENTRY_COLUMNS = [
    f.column for f in BillEntry._meta.concrete_fields if f.column and f.column != "bill_id"
]
_COLUMNS = ", ".join(ENTRY_COLUMNS)
_FROM_LINES = ", ".join(f"l.{c}" for c in ENTRY_COLUMNS)

# A bill's due date from its plan row ``p``: the earlier of the schemes' dates it holds.
DUE = (
    "CASE WHEN p.pu > 0 AND p.bpu > 0 THEN least(%(pu_due)s::date, %(bpu_due)s::date) "
    "WHEN p.bpu > 0 THEN %(bpu_due)s::date ELSE %(pu_due)s::date END"
)

# Around the statements joining the memberships with the priced table (``services.run``'s
# ``_hash_joins_only`` says why).
HASH_JOINS_ONLY = "SET LOCAL enable_mergejoin = off; SET LOCAL enable_nestloop = off"
HASH_JOINS_RESET = "RESET enable_mergejoin; RESET enable_nestloop"

# Hash joins and aggregates of a few million rows in memory, for this transaction only.
WORK_MEM = "SET LOCAL work_mem = '64MB'"

BILLS_FROM_PLAN = f"""UPDATE {BILL} b
           SET lines_count = p.lines, memberships_count = p.memberships,
               employer_total = p.employer, worker_total = p.worker, total = p.total,
               pu_total = p.pu, bpu_total = p.bpu, fingerprint = p.fingerprint,
               due_date = {DUE}, adjustment = 0, run_id = %(run)s, updated_at = now(),
               status = CASE WHEN p.total = 0 THEN 'paid' ELSE 'open' END
          FROM billing_plan p WHERE p.action = %(action)s AND b.id = p.bill_id"""  # noqa: S608
"""The bills of the plan rows with ``%(action)s`` take their plan's counts, totals, fingerprint and
due date."""


# --------------------------------------------------------------------------------------------
# A rerun (or a month with combinations no rate prices): through the temporary line table


def bill_scope(region_code: str | None) -> tuple[str, list[object]]:
    """``AND ...`` keeping the bills ``b`` of the payers located in ``region_code`` and below
    (nothing for the whole country), with its parameters."""
    if not region_code:
        return "", []
    return (
        f"AND b.payer_id IN (SELECT id FROM {UNIT} "  # noqa: S608
        "WHERE region_id = %s OR region_id LIKE %s)",
        [region_code, f"{region_code}.%"],
    )


DROP_TEMP_TABLES = "DROP TABLE IF EXISTS billing_priced, billing_lines, billing_fresh, billing_plan"


def create_priced(priced_sql: str) -> str:
    """``billing_priced`` from ``LinesSql.priced_sql`` (its parameters: ``priced_params``)."""
    return f"CREATE TEMP TABLE billing_priced ON COMMIT DROP AS {priced_sql}"


ANALYZE_PRICED = "ANALYZE billing_priced"


def billed_before(scope_sql: str) -> str:
    """Whether the month has a bill in scope, and whether a combination has no rate. Parameters:
    the month, then the scope's."""
    return f"""SELECT EXISTS (SELECT 1 FROM {BILL} b WHERE b.month = %s {scope_sql}),
                  EXISTS (SELECT 1 FROM billing_priced WHERE cardinality(unrated) > 0)"""  # noqa: S608


def create_lines(lines_sql: str) -> str:
    """``billing_lines`` from ``LinesSql.lines_sql`` (its parameters: ``lines_params``)."""
    return f"CREATE TEMP TABLE billing_lines ON COMMIT DROP AS {lines_sql}"


CREATE_FRESH = """CREATE TEMP TABLE billing_fresh ON COMMIT DROP AS
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


def create_plan(scope_sql: str) -> str:
    """Each payer's plan: create, update (no payment yet), adjust (has payments), remove, same.
    Parameters: the month, then the scope's."""
    return f"""CREATE TEMP TABLE billing_plan ON COMMIT DROP AS
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
          FULL JOIN (SELECT * FROM {BILL} b WHERE b.month = %s {scope_sql}) b
            ON b.payer_id = f.payer_id"""  # noqa: S608


DELETE_REPLACED_ENTRIES = (
    f"DELETE FROM {ENTRY} WHERE bill_id IN "  # noqa: S608
    "(SELECT bill_id FROM billing_plan WHERE action IN ('update', 'remove'))"
)

DELETE_REMOVED_BILLS = (
    f"DELETE FROM {BILL} WHERE id IN "  # noqa: S608
    "(SELECT bill_id FROM billing_plan WHERE action = 'remove')"
)

# A bill with payments keeps its lines; the difference to the recomputed total is its adjustment
# (cleared again when a rerun finds the bill as billed).
SET_ADJUSTMENTS = f"""UPDATE {BILL} b SET adjustment = p.total - b.total, updated_at = now()
          FROM billing_plan p
         WHERE b.id = p.bill_id AND (p.action = 'adjust'
               OR (p.action = 'same' AND b.adjustment <> 0))
           AND b.adjustment <> CASE WHEN p.action = 'same' THEN 0 ELSE p.total - b.total END"""  # noqa: S608

CREATE_BILLS = f"""WITH created AS (
            INSERT INTO {BILL} (payer_id, month, due_date, lines_count, memberships_count,
                employer_total, worker_total, total, pu_total, bpu_total, paid, status,
                fingerprint, adjustment, run_id, created_at, updated_at)
            SELECT p.payer_id, %(month)s, {DUE}, p.lines, p.memberships, p.employer,
                   p.worker, p.total, p.pu, p.bpu, 0,
                   CASE WHEN p.total = 0 THEN 'paid' ELSE 'open' END,
                   p.fingerprint, 0, %(run)s, now(), now()
              FROM billing_plan p WHERE p.action = 'create'
            RETURNING id, payer_id)
        UPDATE billing_plan p SET bill_id = c.id FROM created c WHERE p.payer_id = c.payer_id"""  # noqa: S608

ANALYZE_PLAN = "ANALYZE billing_plan"

INSERT_ENTRIES = f"""INSERT INTO {ENTRY} (bill_id, {_COLUMNS})
        SELECT p.bill_id, {_FROM_LINES}
          FROM billing_lines l
          JOIN billing_plan p ON p.payer_id = l.payer_id AND p.action IN ('create', 'update')
         WHERE l.lines > 0"""  # noqa: S608
"""The entries of the new and recomputed bills, from the temporary line table."""

UNRATED_COUNT = "SELECT coalesce(sum(unrated), 0) FROM billing_fresh"


# --------------------------------------------------------------------------------------------
# The first run of a month in scope: entries straight from the lines query


def first_run_scope(*, month: dt.date, region_code: str | None) -> tuple[str, dict[str, object]]:
    """``WHERE ...`` over units ``u`` with payer ``pu``: the payers in scope with a membership
    billed in ``month`` (``lines.lines_select``'s rule), with its named parameters (the plan's
    ``%(month)s`` besides)."""
    scope_sql = f"""WHERE EXISTS (
        SELECT 1 FROM {MEMBERSHIP} m
         WHERE m.unit_id = u.id AND m.status = ANY(%(covered)s) AND m.start_date <= %(end)s
           AND (m.end_date IS NULL OR m.end_date >= %(month)s))"""  # noqa: S608
    params: dict[str, object] = {"covered": COVERED, "end": month_end(month)}
    if region_code:
        scope_sql += " AND (pu.region_id = %(region)s OR pu.region_id LIKE %(below)s)"
        params.update(region=region_code, below=f"{region_code}.%")
    return scope_sql, params


CREATE_EMPTY_PLAN = """CREATE TEMP TABLE billing_plan (payer_id bigint PRIMARY KEY, bill_id bigint,
               old_total numeric, lines bigint, memberships bigint, employer numeric,
               worker numeric, pu numeric, bpu numeric, fingerprint bigint, total numeric,
               action text, entries bigint) ON COMMIT DROP"""


def create_empty_bills(scope_sql: str) -> str:
    """An empty bill (total 0, so "paid" by the bill's checks; no other transaction sees it before
    commit) for each payer of :func:`first_run_scope`, and its plan row ``create``."""
    return f"""WITH created AS (
            INSERT INTO {BILL} (payer_id, month, due_date, lines_count, memberships_count,
                employer_total, worker_total, total, pu_total, bpu_total, paid, status,
                fingerprint, adjustment, run_id, created_at, updated_at)
            SELECT DISTINCT pu.id, %(month)s, %(pu_due)s, 0, 0, 0, 0, 0, 0, 0, 0, 'paid', 0, 0,
                   %(run)s, now(), now()
              FROM {UNIT} u JOIN {UNIT} pu ON pu.id = coalesce(u.payer_id, u.id)
              {scope_sql}
            RETURNING id, payer_id)
        INSERT INTO billing_plan (payer_id, bill_id, action)
        SELECT payer_id, id, 'create' FROM created"""  # noqa: S608


def insert_first_entries(lines_sql: str) -> str:
    """The entries go in under the empty bills, and what each bill needs comes back from the same
    statement (``RETURNING`` over the rows written, hashed with :func:`lines.entry_hash`) into its
    plan row, without reading the entry table again. Parameters: ``lines_params``."""
    return f"""WITH lines AS ({lines_sql}),
        written AS (
            INSERT INTO {ENTRY} AS e (bill_id, {_COLUMNS})
            SELECT p.bill_id, {_FROM_LINES}
              FROM lines l JOIN billing_plan p ON p.payer_id = l.payer_id
             WHERE l.lines > 0
            RETURNING e.bill_id, e.scheme, e.employer, e.worker, e.total,
                      e.jkm_employer IS NOT NULL AS with_jkm,
                      num_nonnulls({", ".join(f"e.{p}_employer" for p in PROGRAMMES)}) AS lines,
                      {entry_hash("e")} AS h)
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
         WHERE p.bill_id = s.bill_id"""  # noqa: S608


ENTRIES_WRITTEN = "SELECT coalesce(sum(entries), 0) FROM billing_plan"

# Payers nobody is billed to this month: no bill after all.
DELETE_EMPTY_BILLS = f"""WITH empty AS (UPDATE billing_plan SET action = 'none'
                           WHERE lines IS NULL RETURNING bill_id)
        DELETE FROM {BILL} WHERE id IN (SELECT bill_id FROM empty)"""  # noqa: S608


# --------------------------------------------------------------------------------------------
# What the run did

PLAN_COUNTS = """SELECT count(*) FILTER (WHERE action = 'create'),
                  count(*) FILTER (WHERE action = 'update'),
                  count(*) FILTER (WHERE action = 'remove'),
                  count(*) FILTER (WHERE action = 'same'),
                  count(*) FILTER (WHERE action = 'adjust'),
                  coalesce(sum(memberships), 0), coalesce(sum(lines), 0),
                  count(*) FILTER (WHERE lines > 0), coalesce(sum(total), 0),
                  array_agg(payer_id) FILTER (WHERE action IN ('create', 'update'))
             FROM billing_plan"""

# Memberships x programmes the month's rates cannot price (JKP before PP 37/2021, ...).
UNRATED = """SELECT scheme, programme, count(*)
             FROM billing_lines, unnest(unrated) AS u(programme)
            WHERE unrated IS NOT NULL
            GROUP BY scheme, programme ORDER BY scheme, programme"""

ADJUSTMENTS = f"""SELECT b.id, u.code, b.total, p.total FROM billing_plan p
              JOIN {BILL} b ON b.id = p.bill_id JOIN {UNIT} u ON u.id = b.payer_id
             WHERE p.action = 'adjust' ORDER BY u.code"""  # noqa: S608
