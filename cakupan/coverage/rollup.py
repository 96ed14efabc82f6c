"""The coverage rollup: registry counts precomputed per region and month, exact to the day.

Why: a kabupaten, province or national page asks for covered memberships, desa with officials and
filled posts of many regions, on a day and at the end of 24 months. Counted from the memberships
(a GROUP BY over the registry) that is seconds at national scale (``docs/benchmarks.md``).

What is stored (``coverage.RollupMonth``): for every region and month, the *changes* of each
measure: ``net`` for the whole month and ``days``, the change on each of its 31 days. A figure on
day D of month M is the sum of ``net`` over the months before M plus ``days[1..D]`` of M, so every
figure stays exact to the day ("as of" any date) while a region holds one row per month and key
instead of one per day. One pass over each measure's changes fills levels 3 and 2 (a hash
aggregate each); provinces and Indonesia are day by day sums of the rows below.

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
those kabupaten (both levels, from their memberships) and sums their provinces and Indonesia
again from the rows below (small: a row per month and key); reads refresh first when anything is
pending (:func:`usable`), under one advisory lock, so a page never shows a stale figure.
:func:`rebuild` recomputes everything (after loading regions, or to start):
``cakupan coverage refresh --rebuild``; it computes the same rows as the statements below in polars
(``coverage.rollup_frame``: the grouping on every core instead of in one PostgreSQL process), and
falls back to the statements for a registry value it cannot code.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

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
_COLUMNS = "level, code, month, measure, segment, scheme, funding, grp, net, days"

# A refresh rebuilds the rows of some kabupaten only: ``{only}`` restricts memberships and
# formations to the ids of their units (``%(units)s``, found first) so the registry is read through
# its unit index; a full rebuild reads it once, whole.
_ONLY = "AND unit_id = ANY(%(units)s)"

# Each membership's protection as two changes: +1 on its first day, -1 the day after its last.
_CHANGES = f"""
    SELECT unit_id, segment, scheme, funding_source, occupation_id, start_date AS day, 1 AS delta
      FROM registry_membership WHERE status IN ({_COVERED}) {{only}}
    UNION ALL
    SELECT unit_id, segment, scheme, funding_source, occupation_id, end_date + 1, -1
      FROM registry_membership WHERE status IN ({_COVERED}) AND end_date IS NOT NULL {{only}}
"""  # noqa: S608

# The changes of each measure, with the regions they count in (area = level 3, kab = level 2,
# prov = level 1). Text keys in the "C" collation: grouped, never shown in this order.
MEMBERS = f"""
SELECT left(u.region_id, 8) COLLATE "C" AS area, left(u.region_id, 5) COLLATE "C" AS kab,
       left(u.region_id, 2) COLLATE "C" AS prov, 'members' COLLATE "C" AS measure,
       m.segment COLLATE "C" AS segment, m.scheme COLLATE "C" AS scheme,
       m.funding_source COLLATE "C" AS funding, coalesce(g.code, o.code, '') COLLATE "C" AS grp,
       m.day, m.delta
  FROM ({_CHANGES}) m
  JOIN registry_unit u ON u.id = m.unit_id
  LEFT JOIN registry_occupation o ON o.id = m.occupation_id
  LEFT JOIN registry_occupation g ON g.id = o.group_id
"""  # noqa: S608

DESA = f"""
WITH events AS (
    SELECT u.region_id AS desa, m.day, m.delta
      FROM ({_CHANGES}) m
      JOIN registry_unit u ON u.id = m.unit_id
      JOIN wilayah_region r ON r.code = u.region_id
     WHERE r.kind = 'desa' AND m.segment IN ({_OFFICIALS})
),
per_day AS (SELECT desa, day, sum(delta) AS delta FROM events GROUP BY desa, day),
covered AS (
    SELECT desa, day, (sum(delta) OVER (PARTITION BY desa ORDER BY day) > 0)::int AS flag
      FROM per_day
),
changes AS (
    SELECT desa, day, flag - lag(flag, 1, 0) OVER (PARTITION BY desa ORDER BY day) AS delta
      FROM covered
)
SELECT left(desa, 8) COLLATE "C" AS area, left(desa, 5) COLLATE "C" AS kab,
       left(desa, 2) COLLATE "C" AS prov, 'desa' COLLATE "C" AS measure, '' COLLATE "C" AS segment,
       '' COLLATE "C" AS scheme, '' COLLATE "C" AS funding, '' COLLATE "C" AS grp, day, delta
  FROM changes WHERE delta <> 0
"""  # noqa: S608

POSTS = f"""
WITH events AS (
    SELECT unit_id, segment COLLATE "C" AS segment, valid_from AS day, posts AS d_posts,
           1 AS d_units, 0 AS d_members
      FROM registry_unitformation WHERE true {{only}}
    UNION ALL
    SELECT unit_id, segment COLLATE "C", valid_to + 1, -posts, -1, 0
      FROM registry_unitformation WHERE valid_to IS NOT NULL {{only}}
    UNION ALL
    SELECT m.unit_id, m.segment COLLATE "C", m.day, 0, 0, m.delta
      FROM ({_CHANGES}) m
     WHERE (m.unit_id, m.segment) IN (SELECT unit_id, segment FROM registry_unitformation)
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
)
SELECT left(u.region_id, 8) COLLATE "C" AS area, left(u.region_id, 5) COLLATE "C" AS kab,
       left(u.region_id, 2) COLLATE "C" AS prov, x.measure COLLATE "C" AS measure, c.segment,
       '' COLLATE "C" AS scheme, '' COLLATE "C" AS funding, '' COLLATE "C" AS grp, c.day, x.delta
  FROM changes c
  JOIN registry_unit u ON u.id = c.unit_id
 CROSS JOIN LATERAL (VALUES ('posts', c.d_posts), ('units', c.d_units),
                            ('filled', c.d_filled)) AS x(measure, delta)
 WHERE x.delta <> 0
"""  # noqa: S608

# One pass over a measure's changes fills levels 3 and 2: a hash aggregate per level, keyed by
# region, key and month, with the month's 31 days as 31 filtered sums. (An ``array_agg`` of the
# changed days would be smaller, but PostgreSQL plans its state at 8 kB a group and then sorts
# millions of changes instead of hashing them.)
_DAYS = ", ".join(f"coalesce(sum(delta) FILTER (WHERE dom = {d}), 0)" for d in range(1, 32))
_AGGREGATE = f"""
WITH changes AS ({{changes}}),
dated AS (
    SELECT *, date_trunc('month', day::timestamp)::date AS month,
           date_part('day', day)::int AS dom
      FROM changes
),
summed AS (
    SELECT {{level}} AS level, coalesce(area, kab, {{prov}} '') AS code, month, measure, segment,
           CASE WHEN grouping(area) = 0 THEN '' ELSE scheme END AS scheme,
           CASE WHEN grouping(area) = 0 THEN '' ELSE funding END AS funding,
           CASE WHEN grouping(area) = 0 THEN '' ELSE grp END AS grp,
           sum(delta) AS net, ARRAY[{_DAYS}] AS days
      FROM dated
     GROUP BY GROUPING SETS ({{sets}})
)
INSERT INTO {TABLE} ({_COLUMNS})
SELECT level, code, month, measure, segment, scheme, funding, grp, net, days FROM summed
"""  # noqa: S608
# Levels 3 and 2, from the registry's changes.
LOWER = {
    "sets": "(area, measure, segment, month), (kab, measure, segment, scheme, funding, grp, month)",
    "level": "CASE WHEN grouping(area) = 0 THEN 3 ELSE 2 END",
    "prov": "",
}

# A level from the rows of the level below (provinces from kabupaten, Indonesia from provinces):
# day by day sums of the stored arrays, a few hundred thousand rows at most.
_SUMS = ", ".join(f"sum(days[{d}])" for d in range(1, 32))
_UPWARD = f"""
INSERT INTO {TABLE} ({_COLUMNS})
SELECT %(level)s, left(code, %(length)s), month, measure, segment, scheme, funding, grp,
       sum(net), ARRAY[{_SUMS}]
  FROM {TABLE}
 WHERE level = %(level)s + 1
   AND (%(codes)s::text[] IS NULL OR code LIKE ANY(%(patterns)s::text[]))
 GROUP BY left(code, %(length)s), month, measure, segment, scheme, funding, grp
"""  # noqa: S608

MEASURES = (MEMBERS, DESA, POSTS)


def _lock(cursor: Any) -> None:
    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK])


# Memory for the aggregates of a rebuild or refresh (a maintenance job, one at a time).
WORK_MEM = "512MB"


def _upward(cursor: Any, provinces: list[str] | None) -> None:
    """Provinces (all, or those given) from their kabupaten, then Indonesia from the provinces."""
    cursor.execute(
        f"DELETE FROM {TABLE} WHERE level <= 1 "  # noqa: S608
        "AND (level = 0 OR %(codes)s::text[] IS NULL OR code = ANY(%(codes)s::text[]))",
        {"codes": provinces},
    )
    patterns = None if provinces is None else [f"{p}%" for p in provinces]
    cursor.execute(_UPWARD, {"level": 1, "length": 2, "codes": provinces, "patterns": patterns})
    cursor.execute(_UPWARD, {"level": 0, "length": 0, "codes": None, "patterns": None})


def _rebuild_all(cursor: Any) -> None:
    """The rebuild in SQL: the statements above, over the whole registry (the yardstick of
    :func:`_rebuild_frame`, and its fallback)."""
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    # DELETE, not TRUNCATE: pages keep reading the old rows until the rebuild commits (TRUNCATE
    # would lock them out for the whole rebuild).
    cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608
    for changes in MEASURES:
        cursor.execute(_AGGREGATE.format(changes=changes.format(only=""), **LOWER))
    _upward(cursor, None)


def _rebuild_frame(cursor: Any) -> None:
    """The rebuild in polars (``coverage.rollup_frame``): the same rows as :func:`_rebuild_all`,
    grouped on every core instead of in one PostgreSQL process. A registry value it cannot code
    (found before anything is deleted) falls back to the SQL statements."""
    from cakupan.coverage import rollup_frame

    try:
        # DELETE, not TRUNCATE, as above; the rows are written by COPY.
        rollup_frame.rebuild(cursor, TABLE)
    except rollup_frame.Unsupported:
        _rebuild_all(cursor)


def _refresh_kabupaten(cursor: Any, kabs: list[str]) -> None:
    """Recompute levels 3 and 2 of ``kabs`` from the registry, then their provinces and Indonesia."""
    cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    cursor.execute(
        "SELECT coalesce(array_agg(id), '{}') FROM registry_unit WHERE left(region_id, 5) = ANY(%s)",
        [kabs],
    )
    units = cursor.fetchone()[0]
    # A kabupaten's level-3 codes are its own and those below it ("73.24", "73.24.%"; a unit at a
    # province: "73" alone): as ranges on the code ("." sorts before "/"), so the (level, code)
    # index finds them.
    cursor.execute(
        f"DELETE FROM {TABLE} r USING unnest(%(kabs)s::text[]) AS k(code) "  # noqa: S608
        "WHERE (r.level = 3 AND (r.code = k.code OR (length(k.code) = 5 "
        "AND r.code >= k.code || '.' AND r.code < k.code || '/'))) "
        "OR (r.level = 2 AND r.code = k.code)",
        {"kabs": kabs},
    )
    for changes in MEASURES:
        cursor.execute(
            _AGGREGATE.format(changes=changes.format(only=_ONLY), **LOWER), {"units": units}
        )
    _upward(cursor, sorted({k[:2] for k in kabs}))


def _state(*, rebuilt: bool) -> None:
    now = timezone.now()
    if rebuilt:
        rows = RollupMonth.objects.count()
        RollupState.objects.update_or_create(
            pk=1, defaults={"built_at": now, "refreshed_at": now, "rows": rows}
        )
    else:
        RollupState.objects.filter(pk=1).update(refreshed_at=now)


@dataclass(frozen=True)
class RefreshResult:
    kabupaten: int  # kabupaten/kota recomputed (0: nothing was pending; -1: all, a rebuild)
    seconds: float
    rows: int  # rows of the rollup after a rebuild (-1 after a refresh: not counted)
    rebuilt: bool = False


def rebuild(*, engine: Literal["polars", "sql"] = "polars") -> RefreshResult:
    """Recompute the whole rollup from the registry (and forget what was pending).

    ``engine``: ``"polars"`` computes the rows in this process (:func:`_rebuild_frame`, several
    times faster); ``"sql"`` in PostgreSQL with the statements :func:`refresh` uses. Both give the
    same rows (``coverage/tests/test_rollup_frame.py``).
    """
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        _lock(cursor)
        cursor.execute(f"DELETE FROM {DIRTY}")  # noqa: S608
        if engine == "sql":
            _rebuild_all(cursor)
        else:
            _rebuild_frame(cursor)
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
            _refresh_kabupaten(cursor, kabs)
            _state(rebuilt=False)
    return RefreshResult(kabupaten=len(kabs), seconds=time.perf_counter() - start, rows=-1)


def is_built() -> bool:
    return RollupState.objects.exists()


def usable(user: Any, code: str, on: dt.date) -> bool:
    """Whether figures of ``code`` for ``user`` may come from the rollup (refreshed first).

    Only for a user who sees every unit of the region: the rollup knows nothing of scopes.
    """
    from cakupan.coverage.selectors import scope_is_whole

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {RollupState._meta.db_table}), "  # noqa: S608
            f"EXISTS (SELECT 1 FROM {DIRTY})"
        )
        built, pending = cursor.fetchone()
    if not built or not scope_is_whole(user, code):
        return False
    if pending:
        refresh()
    return True


# --- reading -------------------------------------------------------------------------------------

_READ = f"""
SELECT code, measure, segment, scheme, funding, grp,
       sum(CASE WHEN month < %(month)s THEN net
                ELSE (SELECT coalesce(sum(d), 0) FROM unnest(days[1:%(day)s]) AS t(d)) END)
  FROM {TABLE}
 WHERE level = %(level)s AND month <= %(month)s
   AND (%(within)s = '' OR code = %(within)s OR code LIKE %(prefix)s)
 GROUP BY code, measure, segment, scheme, funding, grp
"""  # noqa: S608

_READ_MONTHS = f"""
SELECT month, measure, segment, scheme, funding, grp, net, days
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
    # Each month's rows once: the net changes of the months before a day's month are carried
    # forward from day to day (``days`` ascend), and only the day's own month is summed by day.
    by_month: dict[dt.date, list[tuple[tuple[str, str, str, str, str], int, Any]]] = defaultdict(
        list
    )
    for month, measure, segment, scheme, funding, grp, net, changes in rows:
        by_month[month].append(((measure, segment, scheme, funding, grp), net, changes))
    months = sorted(by_month)
    before: dict[tuple[str, str, str, str, str], int] = defaultdict(int)
    done = 0
    out: dict[dt.date, Measures] = {}
    for day in days:
        first = month_start(day)
        while done < len(months) and months[done] < first:
            for key, net, _changes in by_month[months[done]]:
                before[key] += net
            done += 1
        values = dict(before)
        for key, _net, changes in by_month.get(first, ()):
            values[key] = values.get(key, 0) + sum(changes[: day.day])
        out[day] = _assemble(code, day, [(*key, v) for key, v in values.items()])
    return out
