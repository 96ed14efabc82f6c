"""The set-based SQL of billing: lines from memberships and rates, allocation, arrears, lapse.

Every statement works on whole sets (all memberships of a month, all open bills of the payers with
credit); none loops over people in Python. Table names come from the models; values always travel
as query parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cakupan.billing.models import Allocation, Bill, BillEntry, Payment
from cakupan.common.dates import month_end as last_day
from cakupan.registry.models import COVERED_STATUSES, Membership, Person, Unit
from cakupan.rules.contribution import PROGRAMMES, RateRow

BILL = Bill._meta.db_table
ENTRY = BillEntry._meta.db_table
PAYMENT = Payment._meta.db_table
ALLOCATION = Allocation._meta.db_table
MEMBERSHIP = Membership._meta.db_table
UNIT = Unit._meta.db_table
PERSON = Person._meta.db_table
COVERED = [str(s) for s in COVERED_STATUSES]
# The columns of each programme on a bill entry (``BillEntry.<programme>_<part>``).
_PARTS = ("basis", "rate", "employer", "worker")


def entry_hash(alias: str) -> str:
    """SQL of the fingerprint hash of the bill entry ``alias``: the xor of one 64-bit hash per
    programme line it holds, the line hash bills were fingerprinted with before entries existed
    (the same value ``lines_select`` computes from its priced table)."""
    terms = []
    for code, programme in enumerate(PROGRAMMES, start=1):
        risk = f"coalesce({alias}.risk_class, 0) * 19 + " if programme == "jkk" else ""
        terms.append(
            f"coalesce(hashint8extended({alias}.membership_id * 8 + {code}, "
            f"{alias}.person_id * 17 + {risk}{alias}.{programme}_basis::bigint * 3 "
            f"+ {alias}.{programme}_employer::bigint * 7 "
            f"+ {alias}.{programme}_worker::bigint * 13), 0)"
        )
    return " # ".join(terms)


def _values(rows: Sequence[Sequence[object]], types: Sequence[str]) -> tuple[str, list[object]]:
    """A typed ``VALUES`` list with placeholders, and its parameters."""
    row_sql = "(" + ", ".join(f"%s::{t}" for t in types) + ")"
    params: list[object] = [value for row in rows for value in row]
    return ", ".join([row_sql] * len(rows)), params


@dataclass(frozen=True)
class LinesSql:
    """The month's bill entries in two statements: first ``priced_sql`` into ``priced_table`` (each
    distinct (scheme, programmes, risk class, wage) of the billed memberships priced once, its
    programmes side by side; analyze it), then ``lines_sql``, the entries themselves: the
    memberships joined with that table by hash."""

    priced_sql: str
    priced_params: list[object]
    lines_sql: str
    lines_params: list[object]


def lines_select(
    *,
    rates: Sequence[tuple[bool, RateRow]],
    brackets: Sequence[tuple[Decimal, Decimal, Decimal]],
    government_class: int,
    retirement_age: int | None,
    month: dt.date,
    region_code: str | None,
    priced_table: str = "billing_priced",
) -> LinesSql:
    """``SELECT`` of every bill entry of ``month``: one row per covered membership, in the shape of
    :class:`~cakupan.billing.models.BillEntry`.

    ``rates``: ``(jkp, row)`` pairs, the rows of ``month_rates(month, params, jkp=...)`` for
    memberships without and with JKP. Columns: membership_id, person_id, payer_id, scheme,
    risk_class, risk_class_assumed, ``<programme>_basis/_rate/_employer/_worker`` for each of
    ``PROGRAMMES`` (NULL when the membership is not billed for it), employer, worker, total,
    lines (the programme lines priced), unrated (the programmes held that no rate row matched,
    NULL when none: counted, never written; an entry with ``lines = 0`` is not written either) and
    h (the xor of a 64-bit hash per programme line, for the bill fingerprint).

    Billing rule: a membership is billed for month M when its status is covered
    (``COVERED_STATUSES``) and ``[start_date, end_date]`` overlaps M: the whole month, no
    pro-rating. The payer is ``coalesce(unit.payer, unit)``. Amounts are
    ``rules.contribution.apply_rate_row`` in SQL: a flat amount (BPU JKM) as it is; for BPU JKK/JHT
    with a bracket table the bracket nominal (first bracket whose ``income_upto`` is at least the
    income, else the last); otherwise ``round(least(wage, cap) * rate)`` per party (PostgreSQL
    ``round(numeric)`` rounds half away from zero, which is half up for these positive amounts),
    the worker share raised to the minimum where there is one (BPU JKK). A PU membership without a
    JKK risk class pays the government-employer class (``risk_class_assumed``). JP is left out
    for a person who on the first day of M has reached the retirement age of M.
    """
    rate_sql, rate_params = _values(
        [
            (
                jkp,
                r.scheme,
                r.programme,
                r.risk_class or 0,
                r.employer_rate,
                r.worker_rate,
                r.cap,
                r.minimum,
                r.flat,
                PROGRAMMES.index(r.programme) + 1,
            )
            for jkp, r in rates
        ],
        ["boolean", "text", "text", "integer"] + ["numeric"] * 5 + ["integer"],
    )
    if brackets:
        bracket_sql, bracket_params = _values(list(brackets), ["numeric", "numeric", "numeric"])
        bracket_cte = (
            f", brackets(upto, jkk, jht) AS (VALUES {bracket_sql}), "  # noqa: S608
            "ranged AS (SELECT coalesce(lag(upto) OVER (ORDER BY upto), -1) AS above, upto, "
            "jkk, jht, upto = max(upto) OVER () AS last FROM brackets)"
        )
        # An income above the last bracket pays the last bracket's nominal.
        bracket_join = (
            "LEFT JOIN ranged br ON m.scheme = 'bpu' AND p.programme IN ('jkk', 'jht') "
            "AND ((m.wage > br.above AND m.wage <= br.upto) OR (br.last AND m.wage > br.upto))"
        )
        nominal = "CASE p.programme WHEN 'jkk' THEN br.jkk WHEN 'jht' THEN br.jht END"
        bracketed = "m.scheme = 'bpu' AND p.programme IN ('jkk', 'jht')"
    else:
        bracket_cte, bracket_params, bracket_join = "", [], ""
        nominal, bracketed = "NULL::numeric", "false"
    scope_sql, scope_params = "", []
    if region_code:
        scope_sql = "AND (pu.region_id = %s OR pu.region_id LIKE %s)"
        scope_params = [region_code, f"{region_code}.%"]
    # The amounts depend on the membership only through (scheme, programmes, risk class, wage):
    # each distinct combination is priced once (a few thousand rows for a million memberships
    # paid standard honoraria), then joined back to the memberships by hash. Only the line hash
    # and the JP age check are per line.
    members_sql = f"""
-- Materialized: a few thousand units, hashed once, instead of an index probe per membership.
payers AS MATERIALIZED (
    SELECT u.id AS unit_id, pu.id AS payer_id
      FROM {UNIT} u JOIN {UNIT} pu ON pu.id = coalesce(u.payer_id, u.id)
     WHERE true {scope_sql}
),
members AS NOT MATERIALIZED (
    SELECT m.id AS membership_id, m.person_id, py.payer_id, m.scheme, m.programmes,
           coalesce(m.risk_class, 0) AS class_key, m.wage
      FROM {MEMBERSHIP} m
      JOIN payers py ON py.unit_id = m.unit_id
     WHERE m.status = ANY(%s) AND m.start_date <= %s
       AND (m.end_date IS NULL OR m.end_date >= %s)
)"""  # noqa: S608
    retirement = "false" if retirement_age is None else "true"
    # Each programme's parts, and its part of the line hash as <programme>_hash.
    programme_columns = ",\n       ".join(
        f"max({source}) FILTER (WHERE billed AND programme = '{p}') AS {p}_{name}"
        for p in PROGRAMMES
        for source, name in (*((c, c) for c in _PARTS), ("hash_part", "hash"))
    )
    priced_sql = f"""
WITH rates(jkp, scheme, programme, risk_class, employer_rate, worker_rate, cap, minimum, flat,
           code) AS (VALUES {rate_sql}){bracket_cte},
{members_sql},
combos AS MATERIALIZED (
    SELECT DISTINCT scheme, programmes, class_key, wage FROM members
),
base AS (
    SELECT m.scheme, m.programmes, m.class_key, m.wage, p.programme,
           CASE WHEN m.scheme = 'pu' AND p.programme = 'jkk'
                THEN coalesce(nullif(m.class_key, 0), %s) END AS risk_class,
           (m.scheme = 'pu' AND p.programme = 'jkk' AND m.class_key = 0) AS risk_class_assumed,
           CASE WHEN r.cap IS NOT NULL THEN least(m.wage, r.cap) ELSE m.wage END AS basis,
           r.scheme IS NOT NULL AS rated, r.employer_rate, r.worker_rate, r.minimum, r.flat, r.code,
           {bracketed} AS bracketed, {nominal} AS nominal
      FROM combos m
      CROSS JOIN LATERAL unnest(m.programmes) AS p(programme)
      -- An equi-join on every column: JKK rows of PU carry their class, every other row 0.
      LEFT JOIN rates r
        ON r.jkp = (m.scheme = 'pu' AND 'jkp' = ANY(m.programmes)) AND r.scheme = m.scheme
       AND r.programme = p.programme
       AND r.risk_class = CASE WHEN m.scheme = 'pu' AND p.programme = 'jkk'
                               THEN coalesce(nullif(m.class_key, 0), %s) ELSE 0 END
      {bracket_join}
),
shares AS (
    SELECT *, round(basis * employer_rate) AS employer_raw, round(basis * worker_rate) AS worker_raw
      FROM base
),
amounts AS (
    SELECT scheme, programmes, class_key, wage, programme, code, risk_class, risk_class_assumed,
           basis, rated,
           CASE WHEN flat IS NOT NULL OR bracketed
                  OR (minimum IS NOT NULL AND worker_raw < minimum) THEN NULL
                ELSE employer_rate + worker_rate END AS rate,
           CASE WHEN flat IS NOT NULL OR bracketed THEN 0 ELSE employer_raw END AS employer,
           CASE WHEN flat IS NOT NULL THEN flat
                WHEN bracketed THEN nominal
                WHEN minimum IS NOT NULL THEN greatest(worker_raw, minimum)
                ELSE worker_raw END AS worker
      FROM shares
),
priced AS (
    SELECT *, employer + worker AS total,
           -- Integer arithmetic only (no text): amounts are below 10^15, nothing overflows.
           coalesce(risk_class, 0) * 19 + basis::bigint * 3 + employer::bigint * 7
               + worker::bigint * 13 AS hash_part
      FROM amounts
),
-- Each combination holding JP also without it, for the people past the retirement age.
kept AS (
    SELECT p.*, d.jp_dropped, (p.rated AND NOT (d.jp_dropped AND p.programme = 'jp')) AS billed
      FROM priced p CROSS JOIN (VALUES (false), (true)) AS d(jp_dropped)
     WHERE NOT d.jp_dropped OR ({retirement} AND 'jp' = ANY(p.programmes))
)
-- One row per combination: the programmes side by side (NULL: not held, or no rate).
SELECT scheme, programmes, class_key, wage, jp_dropped,
       max(risk_class) FILTER (WHERE billed) AS risk_class,
       coalesce(bool_or(risk_class_assumed) FILTER (WHERE billed), false) AS risk_class_assumed,
       {programme_columns},
       coalesce(sum(employer) FILTER (WHERE billed), 0) AS employer,
       coalesce(sum(worker) FILTER (WHERE billed), 0) AS worker,
       coalesce(sum(total) FILTER (WHERE billed), 0) AS total,
       count(*) FILTER (WHERE billed) AS lines,
       -- NULL when every programme held has a rate.
       array_agg(programme) FILTER (WHERE NOT rated AND NOT (jp_dropped AND programme = 'jp'))
           AS unrated
  FROM kept
 GROUP BY scheme, programmes, class_key, wage, jp_dropped
"""  # noqa: S608
    dropped, age_params = "false", []
    if retirement_age is not None:
        # Past the retirement age on the first day of the month (as rules.contribution counts
        # it): born on or before that day, retirement_age years earlier. Only memberships with
        # JP look the birth date up (AND evaluates lazily), once per membership (a hash key).
        dropped = f"""('jp' = ANY(mb.programmes) AND coalesce(
            (SELECT pe.birth_date FROM {PERSON} pe WHERE pe.id = mb.person_id) <= %s, false))"""  # noqa: S608
        age_params = [dt.date(month.year - retirement_age, month.month, 1)]
    # The fingerprint hash: per programme line as before entries existed (so stored fingerprints
    # stay comparable), xor-ed; a programme not billed has a NULL hash part and counts 0.
    hashes = " # ".join(
        f"coalesce(hashint8extended(mb.membership_id * 8 + {code}, "
        f"mb.person_id * 17 + pr.{p}_hash), 0)"
        for code, p in enumerate(PROGRAMMES, start=1)
    )
    lines_sql = f"""
WITH {members_sql}
SELECT mb.membership_id, mb.person_id, mb.payer_id, pr.scheme, pr.risk_class,
       pr.risk_class_assumed, {", ".join(f"pr.{p}_{c}" for p in PROGRAMMES for c in _PARTS)},
       pr.employer, pr.worker, pr.total, pr.lines, pr.unrated, {hashes} AS h
  FROM members mb
  JOIN {priced_table} pr
    ON pr.scheme = mb.scheme AND pr.programmes = mb.programmes
   AND pr.class_key = mb.class_key AND pr.wage = mb.wage AND pr.jp_dropped = {dropped}
"""  # noqa: S608
    month_end = last_day(month)
    members_params: list[object] = [*scope_params, COVERED, month_end, month]
    return LinesSql(
        priced_sql=priced_sql,
        priced_params=[
            *rate_params,
            *bracket_params,
            *members_params,
            government_class,
            government_class,
        ],
        lines_sql=lines_sql,
        lines_params=[*members_params, *age_params],
    )


# --------------------------------------------------------------------------------------------
# Allocation of payments to bills

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


# --------------------------------------------------------------------------------------------
# Arrears as of a day: what each bill had received from payments dated on or before that day

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

LAPSE_CANDIDATES = f"""
WITH paid AS ({PAID_AS_OF}),
months AS (
    SELECT DISTINCT l.membership_id, b.month, b.total <= coalesce(paid.paid, 0) AS settled
      FROM {ENTRY} l
      JOIN {BILL} b ON b.id = l.bill_id
      JOIN {MEMBERSHIP} m ON m.id = l.membership_id
      LEFT JOIN paid ON paid.bill_id = b.id
     WHERE l.scheme = 'bpu' AND m.scheme = 'bpu' AND m.status IN ('registered', 'active')
       AND b.month <= %(on)s
),
first_unpaid AS (
    SELECT membership_id, min(month) AS oldest_unpaid
      FROM months WHERE NOT settled GROUP BY membership_id
)
SELECT f.membership_id, f.oldest_unpaid,
       max(x.month) FILTER (WHERE x.settled AND x.month < f.oldest_unpaid) AS last_paid,
       (f.oldest_unpaid + make_interval(months => %(grace)s))::date AS lapsed_on
  FROM first_unpaid f JOIN months x USING (membership_id)
 WHERE (f.oldest_unpaid + make_interval(months => %(grace)s))::date <= %(on)s
 GROUP BY f.membership_id, f.oldest_unpaid
"""  # noqa: S608
"""BPU memberships (registered or active) whose oldest contribution month unpaid on ``%(on)s`` lies
more than ``%(grace)s`` months back: the grace period runs from the end of the last paid protection
period (the day before the oldest unpaid month) for ``grace`` months, so the membership lapses on
the first day of month ``oldest_unpaid + grace``. A month counts as paid when its bill had received
its whole total from payments dated on or before ``on``."""
