"""The coverage rollup: registry counts precomputed per region and month, exact to the day.

Why: a kabupaten, province or national page asks for covered memberships, desa with officials and
filled posts of many regions, on a day and at the end of 24 months. Counted from the memberships
(a GROUP BY over the registry) that is seconds at national scale (``docs/benchmarks.md``).

What is stored (``coverage.RollupMonth``): for every region and month, the *changes* of each
measure: ``net`` for the whole month and, for the days that changed, the day of the month and the
change. A figure on day D of month M is the sum of ``net`` over the months before M plus the
changes of M up to day D, so every figure stays exact to the day ("as of" any date) while a
region holds one row per month and key instead of one per day.

Measures (each a count that rises and falls by day):

* ``members``: memberships protected (status registered/active/lapsed/ended, start <= D <= end),
  +1 on the start date and -1 on the day after the end date;
* ``desa``: desa with at least one protected perangkat desa or BPD member (+1 the day a desa gets
  its first, -1 the day after its last one ends);
* ``posts``, ``filled``, ``units``: formasi in force, posts filled (members in post, capped at each
  unit's posts) and units with formasi, by segment, from each unit's own running counts.

Levels and keys:

* level 3, the kecamatan (``left(unit region, 8)``: a unit at a kabupaten or province keeps that
  code), by segment: the rows of a kabupaten's table of kecamatan;
* level 2, the kabupaten/kota (``left(unit region, 5)``), by segment, scheme, funding source and
  occupation group: the kabupaten page, and the league table of a province;
* level 1, the province, and level 0, Indonesia (code ``""``): sums of the level below.

Desa pages, kecamatan pages, and any user who does not see every unit of a region (an operator)
are answered from the memberships themselves (``coverage.selectors``), through the user's scope.

Freshness: statement-level triggers (migration ``0003``) append the kabupaten of every unit whose
memberships, formasi or region changed to ``coverage.RollupDirty``. :func:`refresh` recomputes
those kabupaten (both levels, from their memberships) and their provinces and Indonesia (from the
level below); reads refresh first when anything is pending (:func:`usable`), under one advisory
lock, so a page never shows a stale figure. :func:`rebuild` recomputes everything (after loading
regions, or to start): ``cakupan coverage refresh --rebuild``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from cakupan.common.dates import month_start
from cakupan.coverage.indicators import Measures, PostFill
from cakupan.coverage.models import RollupDirty, RollupMonth, RollupState
from cakupan.registry.models import COVERED_STATUSES, VILLAGE_OFFICIAL_SEGMENTS

TABLE = RollupMonth._meta.db_table
DIRTY = RollupDirty._meta.db_table
LOCK = 7_324_110  # pg_advisory_xact_lock key of rollup writers
LEVEL_OF_LENGTH = {0: 0, 2: 1, 5: 2, 8: 3}
_COVERED = ", ".join(f"'{s}'" for s in COVERED_STATUSES)
_OFFICIALS = ", ".join(f"'{s}'" for s in VILLAGE_OFFICIAL_SEGMENTS)
_COLUMNS = (
    "level, code, month, measure, segment, scheme, funding, grp, net, day_numbers, day_deltas"
)

# Every kabupaten (or, when ``%(kabs)s`` is NULL, all of them): the units whose rows are rebuilt.
_UNITS = "(%(kabs)s::text[] IS NULL OR left(u.region_id, 5) = ANY(%(kabs)s::text[]))"

# From daily changes (``daily``: level, code, measure, segment, scheme, funding, grp, day, delta)
# to one row per month and key.
_MONTHLY = f"""
INSERT INTO {TABLE} ({_COLUMNS})
SELECT level, code, date_trunc('month', day)::date, measure, segment, scheme, funding, grp,
       sum(delta), array_agg(extract(day FROM day)::smallint ORDER BY day),
       array_agg(delta ORDER BY day)
  FROM daily
 GROUP BY level, code, date_trunc('month', day), measure, segment, scheme, funding, grp
"""  # noqa: S608

MEMBERS = f"""
WITH events AS (
    SELECT left(u.region_id, 8) AS area, left(u.region_id, 5) AS kab, m.segment, m.scheme,
           m.funding_source AS funding, coalesce(g.code, o.code, '') AS grp, e.day, e.delta
      FROM registry_membership m
      JOIN registry_unit u ON u.id = m.unit_id
      LEFT JOIN registry_occupation o ON o.id = m.occupation_id
      LEFT JOIN registry_occupation g ON g.id = o.group_id
     CROSS JOIN LATERAL (VALUES (m.start_date, 1), (m.end_date + 1, -1)) AS e(day, delta)
     WHERE m.status IN ({_COVERED}) AND e.day IS NOT NULL AND {_UNITS}
),
daily AS (
    SELECT CASE WHEN grouping(area) = 0 THEN 3 ELSE 2 END AS level,
           CASE WHEN grouping(area) = 0 THEN area ELSE kab END AS code,
           'members' AS measure, segment, coalesce(scheme, '') AS scheme,
           coalesce(funding, '') AS funding, coalesce(grp, '') AS grp, day, sum(delta) AS delta
      FROM events
     GROUP BY GROUPING SETS ((area, segment, day), (kab, segment, scheme, funding, grp, day))
    HAVING sum(delta) <> 0
)
{_MONTHLY}
"""  # noqa: S608

DESA = f"""
WITH events AS (
    SELECT u.region_id AS desa, e.day, e.delta
      FROM registry_membership m
      JOIN registry_unit u ON u.id = m.unit_id
      JOIN wilayah_region r ON r.code = u.region_id
     CROSS JOIN LATERAL (VALUES (m.start_date, 1), (m.end_date + 1, -1)) AS e(day, delta)
     WHERE r.kind = 'desa' AND m.segment IN ({_OFFICIALS}) AND m.status IN ({_COVERED})
       AND e.day IS NOT NULL AND {_UNITS}
),
per_day AS (SELECT desa, day, sum(delta) AS delta FROM events GROUP BY desa, day),
covered AS (
    SELECT desa, day, (sum(delta) OVER (PARTITION BY desa ORDER BY day) > 0)::int AS flag
      FROM per_day
),
changes AS (
    SELECT desa, day, flag - lag(flag, 1, 0) OVER (PARTITION BY desa ORDER BY day) AS delta
      FROM covered
),
daily AS (
    SELECT CASE WHEN grouping(left(desa, 8)) = 0 THEN 3 ELSE 2 END AS level,
           CASE WHEN grouping(left(desa, 8)) = 0 THEN left(desa, 8) ELSE left(desa, 5) END AS code,
           'desa' AS measure, '' AS segment, '' AS scheme, '' AS funding, '' AS grp, day,
           sum(delta) AS delta
      FROM changes WHERE delta <> 0
     GROUP BY GROUPING SETS ((left(desa, 8), day), (left(desa, 5), day))
    HAVING sum(delta) <> 0
)
{_MONTHLY}
"""  # noqa: S608

POSTS = f"""
WITH formations AS (
    SELECT f.unit_id, f.segment, f.posts, f.valid_from, f.valid_to
      FROM registry_unitformation f JOIN registry_unit u ON u.id = f.unit_id
     WHERE {_UNITS}
),
keys AS (
    SELECT DISTINCT f.unit_id, f.segment, left(u.region_id, 8) AS area, left(u.region_id, 5) AS kab
      FROM formations f JOIN registry_unit u ON u.id = f.unit_id
),
events AS (
    SELECT unit_id, segment, valid_from AS day, posts AS d_posts, 1 AS d_units, 0 AS d_members
      FROM formations
    UNION ALL
    SELECT unit_id, segment, valid_to + 1, -posts, -1, 0 FROM formations WHERE valid_to IS NOT NULL
    UNION ALL
    SELECT m.unit_id, m.segment, e.day, 0, 0, e.delta
      FROM registry_membership m
      JOIN keys k ON k.unit_id = m.unit_id AND k.segment = m.segment
     CROSS JOIN LATERAL (VALUES (m.start_date, 1), (m.end_date + 1, -1)) AS e(day, delta)
     WHERE m.status IN ({_COVERED}) AND e.day IS NOT NULL
),
per_day AS (
    SELECT unit_id, segment, day, sum(d_posts) AS d_posts, sum(d_units) AS d_units,
           sum(d_members) AS d_members
      FROM events GROUP BY unit_id, segment, day
),
running AS (
    SELECT unit_id, segment, day, sum(d_posts) OVER w AS posts, sum(d_units) OVER w AS units,
           least(sum(d_members) OVER w, sum(d_posts) OVER w) AS filled
      FROM per_day WINDOW w AS (PARTITION BY unit_id, segment ORDER BY day)
),
changes AS (
    SELECT unit_id, segment, day,
           posts - lag(posts, 1, 0) OVER w AS d_posts,
           units - lag(units, 1, 0) OVER w AS d_units,
           filled - lag(filled, 1, 0) OVER w AS d_filled
      FROM running WINDOW w AS (PARTITION BY unit_id, segment ORDER BY day)
),
unpivoted AS (
    SELECT k.area, k.kab, c.segment, c.day, x.measure, x.delta
      FROM changes c JOIN keys k ON k.unit_id = c.unit_id AND k.segment = c.segment
     CROSS JOIN LATERAL (VALUES ('posts', c.d_posts), ('units', c.d_units),
                                ('filled', c.d_filled)) AS x(measure, delta)
     WHERE x.delta <> 0
),
daily AS (
    SELECT CASE WHEN grouping(area) = 0 THEN 3 ELSE 2 END AS level,
           CASE WHEN grouping(area) = 0 THEN area ELSE kab END AS code,
           measure, segment, '' AS scheme, '' AS funding, '' AS grp, day, sum(delta) AS delta
      FROM unpivoted
     GROUP BY GROUPING SETS ((area, measure, segment, day), (kab, measure, segment, day))
    HAVING sum(delta) <> 0
)
{_MONTHLY}
"""  # noqa: S608

# A level from the one below it, by the first ``%(length)s`` characters of the codes (0: "").
UPWARD = f"""
WITH daily AS (
    SELECT %(level)s AS level, left(r.code, %(length)s) AS code, r.measure, r.segment, r.scheme,
           r.funding, r.grp, (r.month + (t.n - 1))::date AS day, sum(t.d) AS delta
      FROM {TABLE} r CROSS JOIN LATERAL unnest(r.day_numbers, r.day_deltas) AS t(n, d)
     WHERE r.level = %(level)s + 1
       AND (%(codes)s::text[] IS NULL OR left(r.code, %(length)s) = ANY(%(codes)s::text[]))
     GROUP BY 2, 3, 4, 5, 6, 7, 8
    HAVING sum(t.d) <> 0
)
{_MONTHLY}
"""  # noqa: S608


def _lock(cursor: Any) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


def _build(cursor: Any, kabs: list[str] | None) -> None:
    """Levels 3 and 2 of ``kabs`` (None: all) from the registry, then provinces and Indonesia."""
    params = {"kabs": kabs}
    if kabs is None:
        cursor.execute(f"TRUNCATE {TABLE}")
    else:
        cursor.execute(
            f"DELETE FROM {TABLE} WHERE (level = 3 AND left(code, 5) = ANY(%(kabs)s)) "  # noqa: S608
            "OR (level = 2 AND code = ANY(%(kabs)s))",
            params,
        )
    for statement in (MEMBERS, DESA, POSTS):
        cursor.execute(statement, params)
    provinces = None if kabs is None else sorted({k[:2] for k in kabs})
    cursor.execute(
        f"DELETE FROM {TABLE} WHERE level = 1 "  # noqa: S608
        "AND (%(codes)s::text[] IS NULL OR code = ANY(%(codes)s::text[]))",
        {"codes": provinces},
    )
    cursor.execute(UPWARD, {"level": 1, "length": 2, "codes": provinces})
    cursor.execute(f"DELETE FROM {TABLE} WHERE level = 0")  # noqa: S608
    cursor.execute(UPWARD, {"level": 0, "length": 0, "codes": None})


def _state(*, rebuilt: bool) -> None:
    now = timezone.now()
    rows = RollupMonth.objects.count()
    if rebuilt:
        RollupState.objects.update_or_create(
            pk=1, defaults={"built_at": now, "refreshed_at": now, "rows": rows}
        )
    else:
        RollupState.objects.filter(pk=1).update(refreshed_at=now, rows=rows)


@dataclass(frozen=True)
class RefreshResult:
    kabupaten: int  # kabupaten/kota recomputed (0: nothing was pending; None never)
    seconds: float
    rows: int
    rebuilt: bool = False


def rebuild() -> RefreshResult:
    """Recompute the whole rollup from the registry (and forget what was pending)."""
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(f"DELETE FROM {DIRTY}")  # noqa: S608
        _build(cursor, None)
        _state(rebuilt=True)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {TABLE}")
    return RefreshResult(
        kabupaten=-1,
        seconds=time.perf_counter() - start,
        rows=RollupMonth.objects.count(),
        rebuilt=True,
    )


def refresh() -> RefreshResult:
    """Recompute the kabupaten marked as changed, then their provinces and Indonesia.

    Does nothing before the first :func:`rebuild` (pages then count from the registry).
    """
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        if not RollupState.objects.exists():
            return RefreshResult(kabupaten=0, seconds=0.0, rows=0)
        cursor.execute(f"DELETE FROM {DIRTY} RETURNING code")  # noqa: S608
        kabs = sorted({row[0] for row in cursor.fetchall()})
        if kabs:
            _build(cursor, kabs)
            _state(rebuilt=False)
    return RefreshResult(
        kabupaten=len(kabs), seconds=time.perf_counter() - start, rows=RollupMonth.objects.count()
    )


def is_built() -> bool:
    return RollupState.objects.exists()


def usable(user: Any, code: str, on: dt.date) -> bool:
    """Whether figures of ``code`` for ``user`` may come from the rollup (refreshed first).

    Only for a user who sees every unit of the region: the rollup knows nothing of scopes.
    """
    from cakupan.coverage.selectors import scope_is_whole

    if not is_built() or not scope_is_whole(user, code):
        return False
    if RollupDirty.objects.exists():
        refresh()
    return True


# --- reading -------------------------------------------------------------------------------------

_READ = f"""
SELECT code, measure, segment, scheme, funding, grp,
       sum(CASE WHEN month < %(month)s THEN net
                ELSE (SELECT coalesce(sum(t.d), 0) FROM unnest(day_numbers, day_deltas) AS t(n, d)
                       WHERE t.n <= %(day)s) END)
  FROM {TABLE}
 WHERE level = %(level)s AND month <= %(month)s
   AND (%(within)s = '' OR code = %(within)s OR code LIKE %(prefix)s)
 GROUP BY code, measure, segment, scheme, funding, grp
"""  # noqa: S608

_READ_MONTHS = f"""
SELECT month, measure, segment, scheme, funding, grp, net, day_numbers, day_deltas
  FROM {TABLE}
 WHERE level = %(level)s AND code = %(code)s AND month <= %(month)s
"""  # noqa: S608


def _apply(m: Measures, key: tuple[str, str, str, str, str], value: int) -> None:
    measure, segment, scheme, funding, grp = key
    if value == 0:
        return
    if measure == "members":
        m.by_segment[segment] = m.by_segment.get(segment, 0) + value
        if scheme:
            m.by_scheme[scheme] = m.by_scheme.get(scheme, 0) + value
        if funding:
            m.by_funding[funding] = m.by_funding.get(funding, 0) + value
        if grp:
            m.by_group[grp] = m.by_group.get(grp, 0) + value
            nested = m.by_funding_group.setdefault(funding, {})
            nested[grp] = nested.get(grp, 0) + value
    elif measure == "desa":
        m.desa_with_officials += value


def _posts(m: Measures, values: dict[tuple[str, str], int]) -> None:
    for segment in sorted({s for _measure, s in values}):
        units = values.get(("units", segment), 0)
        if units > 0:
            m.posts[segment] = PostFill(
                posts=values.get(("posts", segment), 0),
                filled=values.get(("filled", segment), 0),
                units=units,
            )


def _assemble(code: str, on: dt.date, rows: Iterable[tuple[Any, ...]]) -> Measures:
    m = Measures(code=code, on=on)
    posts: dict[tuple[str, str], int] = {}
    for measure, segment, scheme, funding, grp, value in rows:
        if measure in ("posts", "filled", "units"):
            posts[(measure, segment)] = posts.get((measure, segment), 0) + int(value)
        else:
            _apply(m, (measure, segment, scheme, funding, grp), int(value))
    _posts(m, posts)
    return m


def measures(*, within: str, length: int, on: dt.date) -> dict[str, Measures]:
    """Registry measures on ``on`` of the regions ``left(code, length)`` within ``within``."""
    by_code: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    with connection.cursor() as cursor:
        cursor.execute(
            _READ,
            {
                "level": LEVEL_OF_LENGTH[length],
                "month": month_start(on),
                "day": on.day,
                "within": within,
                "prefix": f"{within}.%",
            },
        )
        for code, *rest in cursor.fetchall():
            by_code[code].append(tuple(rest))
    return {code: _assemble(code, on, rows) for code, rows in by_code.items()}


def series(*, code: str, days: list[dt.date]) -> dict[dt.date, Measures]:
    """Registry measures of region ``code`` (level 0-2) on each of ``days`` (ascending)."""
    level = LEVEL_OF_LENGTH[len(code)]
    with connection.cursor() as cursor:
        cursor.execute(_READ_MONTHS, {"level": level, "code": code, "month": month_start(days[-1])})
        rows = cursor.fetchall()
    out: dict[dt.date, Measures] = {}
    for day in days:
        first = month_start(day)
        values: dict[tuple[str, str, str, str, str], int] = defaultdict(int)
        for month, measure, segment, scheme, funding, grp, net, numbers, deltas in rows:
            key = (measure, segment, scheme, funding, grp)
            if month < first:
                values[key] += net
            elif month == first:
                values[key] += sum(d for n, d in zip(numbers, deltas, strict=True) if n <= day.day)
        out[day] = _assemble(code, day, [(*key, v) for key, v in values.items()])
    return out
