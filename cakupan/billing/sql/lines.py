"""The month's bill entries: memberships priced with the month's rate table, in SQL.

:func:`lines_select` builds the two statements of a billing run that compute every entry of a
contribution month (the run writes them: ``sql.run``); :func:`entry_hash` is the fingerprint hash
of a stored entry, the same value ``lines_select`` computes for a fresh one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cakupan.billing.sql.base import COVERED, MEMBERSHIP, PERSON, UNIT
from cakupan.common.dates import month_end as last_day
from cakupan.rules.contribution import PROGRAMMES, RateRow

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
