"""Coverage benchmark (issue 11): the drill-down pages over 10,000,000 memberships, with the rollup.

Called by ``make bench`` (``cakupan.bench.__main__``) once the test database exists:

1. preloads, with ``COPY`` and outside every timing, 5,000,000 people and 10,000,000 memberships
   over all 83,762 desa/kelurahan of the region dataset: a pemerintah desa (or kelurahan) and a
   kelompok pekerja rentan per desa, eight OPDs per kabupaten/kota. Skewed as real provinces are:
   each desa draws memberships in proportion to its province's population (Jawa Barat about 80
   times Papua Barat Daya) times a factor of 0.25 to 3.25 of its own. Two years of history: starts
   spread over 2024-07-01 .. 2026-06-30, a quarter of the memberships ended again; 15% village
   officials (perangkat desa, BPD, lembaga), 35% non-ASN, 40% pekerja rentan (BPU), 10% religious
   workers; posts (formasi) for every pemerintah desa and OPD. Triggers are off while loading;
2. in the same run: the full rebuild of the rollup (in polars; at scale < 1, or with
   ``CAKUPAN_BENCH_SQL_REBUILD=1``, first the SQL rebuild it replaced, as its yardstick, and the
   rows of both compared), with its steps and peak memory; a kabupaten page's queries (the kabupaten's
   indicators, its table of kecamatan, 24 months of history) for the 20 largest and 20 random
   kabupaten, and a province's league table (now and a month earlier) for every province, and the
   national page (provinces and 24 months), each through the rollup and through the plain
   GROUP BY over the memberships it replaces (the yardstick; a subset, it takes seconds a page);
   then a 100,000-row intake into one kabupaten (people and memberships inserted, triggers on) and
   the refresh that follows it.

Targets (issue 11): kabupaten page p95 <= 100 ms, province league table <= 200 ms, national page
<= 300 ms, refresh after a 100,000-row intake <= 5 s, full rebuild <= 60 s. Printed as PASS/FAIL
at scale 1; ``CAKUPAN_BENCH_SCALE=0.01`` runs on 1% of the memberships (every desa still has
units).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from cakupan.bench.harness import (
    SCALE,
    copy_rows,
    detail,
    empty_registry,
    line,
    measure_memory,
    mib,
    rolled_back,
    scaled,
    verdict,
)

MEMBERSHIPS = scaled(10_000_000)
PEOPLE = max(MEMBERSHIPS // 2, 1)
CHUNK = 1_000_000
OPDS_PER_KABUPATEN = 8
HISTORY = (dt.date(2024, 7, 1), dt.date(2026, 6, 30))
ON = dt.date(2026, 6, 30)
INTAKE_ROWS = scaled(100_000)
KABUPATEN_SAMPLE = 40
YARDSTICK_KABUPATEN = 3
YARDSTICK_PROVINCES = 3
TARGETS = {"kabupaten": 0.100, "league": 0.200, "national": 0.300, "refresh": 5.0, "rebuild": 60.0}

# Rough population in millions by province (BPS 2024, rounded): the skew between provinces.
PROVINCE_WEIGHT = {
    "11": 5.4, "12": 15.4, "13": 5.6, "14": 6.6, "15": 3.6, "16": 8.7, "17": 2.1, "18": 9.3,
    "19": 1.5, "21": 2.1, "31": 10.7, "32": 49.9, "33": 37.5, "34": 3.7, "35": 41.4, "36": 12.3,
    "51": 4.4, "52": 5.5, "53": 5.5, "61": 5.5, "62": 2.7, "63": 4.2, "64": 3.9, "65": 0.7,
    "71": 2.7, "72": 3.1, "73": 9.3, "74": 2.7, "75": 1.2, "76": 1.5, "81": 1.9, "82": 1.3,
    "91": 1.1, "92": 0.6, "93": 0.5, "94": 1.3, "95": 1.4, "96": 0.6,
}  # fmt: skip
# (segment, share in per mille, unit kind it belongs to, occupation codes)
SEGMENTS = [
    ("perangkat_desa", 80, "desa", ["kepala-desa", "sekretaris-desa", "kepala-urusan", "kepala-seksi"]),
    ("bpd", 40, "desa", ["ketua-bpd", "anggota-bpd-biasa"]),
    ("lembaga_desa", 30, "desa", ["ketua-rt", "kader-posyandu"]),
    ("non_asn", 350, "opd", ["tenaga-upah-jasa", "guru-sd", "tenaga-kesehatan", "penyuluh-kb"]),
    ("pekerja_rentan", 400, "rentan", ["buruh-tani", "nelayan", "pedagang-kecil"]),
    ("pekerja_keagamaan", 100, "rentan", ["guru-ngaji", "imam-masjid", "marbot"]),
]  # fmt: skip


def _uniform(expr: Any, seed: int) -> Any:
    """A deterministic uniform number in [0, 1) per row."""
    return (expr.hash(seed=seed) % 1_000_003).cast(pl.Float64) / 1_000_003


@contextmanager
def _loading(tables: list[str]) -> Iterator[Any]:
    """One transaction with triggers (and foreign-key checks) off and the secondary indexes of
    ``tables`` dropped, rebuilt at the end: setup only, as ``bench.harness.bulk_load``."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        definitions = []
        for table in tables:
            cursor.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
                "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
                "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
                [table],
            )
            for index, index_sql, constraint, constraint_sql in cursor.fetchall():
                if constraint:
                    cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
                else:
                    cursor.execute(f"DROP INDEX {index}")
                definitions.append((table, index_sql, constraint, constraint_sql))
        yield cursor
        cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        for table, index_sql, constraint, constraint_sql in definitions:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_sql}")
            else:
                cursor.execute(index_sql)


def _csv(frame: pl.DataFrame) -> bytes:
    return frame.write_csv(include_header=False, date_format="%Y-%m-%d", null_value="\\N").encode()


def _next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
    return int(cursor.fetchone()[0])


def _setval(cursor: Any, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608
        [table],
    )


def preload() -> dict[str, Any]:
    """Units, posts, people and memberships by COPY (setup, not timed)."""
    from cakupan.registry.models import Occupation
    from cakupan.wilayah.models import Region

    empty_registry()
    start = time.perf_counter()
    now = timezone.now().isoformat()
    desa = (
        pl.DataFrame(
            list(
                Region.objects.filter(level=4, valid_to__isnull=True)
                .order_by("code")
                .values_list("code", "kind")
            ),
            schema=["code", "kind"],
            orient="row",
        )
        .with_row_index("d")
        .with_columns(pl.col("d").cast(pl.Int64))
    )
    kabupaten = sorted(
        Region.objects.filter(level=2, valid_to__isnull=True).values_list("code", flat=True)
    )
    kab_index = {code: i for i, code in enumerate(kabupaten)}
    desa = desa.with_columns(
        prov=pl.col("code").str.slice(0, 2),
        kab=pl.col("code").str.slice(0, 5).replace_strict(kab_index, return_dtype=pl.Int64),
    )
    occupation = dict(Occupation.objects.values_list("code", "id"))
    with _loading(["registry_unit", "registry_unitformation"]) as cursor:
        first = _next_id(cursor, "registry_unit")
        n = desa.height
        pemdes = desa.select(
            (pl.col("d") + first).cast(pl.Int64).alias("id"),
            pl.format("CB-D-{}", pl.col("code")).alias("code"),
            pl.format("Pemerintah {}", pl.col("code")).alias("name"),
            pl.when(pl.col("kind") == "desa")
            .then(pl.lit("pemerintah_desa"))
            .otherwise(pl.lit("kelurahan"))
            .alias("kind"),
            pl.col("code").alias("region_id"),
            pl.lit("{}").alias("verifies_segments"),
            pl.lit(None, pl.Int64).alias("parent_id"),
            pl.lit(None, pl.Int64).alias("payer_id"),
        )
        rentan = pemdes.with_columns(
            (pl.col("id") + n).alias("id"),
            pl.format("CB-R-{}", pl.col("region_id")).alias("code"),
            pl.format("Kelompok rentan {}", pl.col("region_id")).alias("name"),
            pl.lit("kelompok_rentan").alias("kind"),
        )
        opd = pl.DataFrame(
            {
                "id": [first + 2 * n + i for i in range(len(kabupaten) * OPDS_PER_KABUPATEN)],
                "code": [f"CB-O-{kab}-{j}" for kab in kabupaten for j in range(OPDS_PER_KABUPATEN)],
                "name": [f"OPD {j} {kab}" for kab in kabupaten for j in range(OPDS_PER_KABUPATEN)],
                "kind": ["opd"] * (len(kabupaten) * OPDS_PER_KABUPATEN),
                "region_id": [kab for kab in kabupaten for _ in range(OPDS_PER_KABUPATEN)],
            }
        ).with_columns(
            pl.lit("{}").alias("verifies_segments"),
            pl.lit(None, pl.Int64).alias("parent_id"),
            pl.lit(None, pl.Int64).alias("payer_id"),
        )
        units = pl.concat([pemdes, rentan, opd])
        copy_rows("registry_unit", units.columns, _csv(units))
        _setval(cursor, "registry_unit")
        posts = pemdes.filter(pl.col("kind") == "pemerintah_desa").select(
            pl.col("id").alias("unit_id"),
            (8 + (pl.col("id").hash(seed=5) % 5)).cast(pl.Int64).alias("posts"),
        )
        formations = pl.concat(
            [
                posts.with_columns(pl.lit("perangkat_desa").alias("segment")),
                posts.with_columns(
                    pl.lit("bpd").alias("segment"), (pl.col("posts") - 3).alias("posts")
                ),
            ]
        ).select(
            "unit_id",
            "segment",
            "posts",
            pl.lit(dt.date(2024, 1, 1)).alias("valid_from"),
            pl.lit(None, pl.Date).alias("valid_to"),
        )
        copy_rows("registry_unitformation", formations.columns, _csv(formations))
    unit_base = {"desa": first, "rentan": first + n, "opd": first + 2 * n}

    # Where each membership lands: a desa drawn by its weight (its province's, skewed per desa).
    weights = desa.with_columns(
        w=pl.col("prov").replace_strict(PROVINCE_WEIGHT, default=1.0, return_dtype=pl.Float64)
        / pl.len().over("prov")
        * (0.25 + 3 * _uniform(pl.col("d"), 11) ** 2)
    )
    cumulative = (weights["w"].cum_sum() / weights["w"].sum()).to_list()
    edges = pl.Series("edges", cumulative)
    kab_of_desa = desa["kab"]
    with _loading(["registry_person", "registry_membership"]) as cursor:
        for offset in range(0, PEOPLE, CHUNK):
            size = min(CHUNK, PEOPLE - offset)
            i = pl.int_range(offset, offset + size, eager=True, dtype=pl.Int64)
            people = pl.DataFrame({"i": i}).select(
                (pl.col("i") + 1).alias("id"),
                pl.format("7399{}", pl.col("i").cast(pl.String).str.zfill(12)).alias("nik"),
                pl.format("Peserta {}", pl.col("i")).alias("name"),
                pl.lit("L").alias("sex"),
                pl.lit(dt.date(1980, 1, 1)).alias("birth_date"),
                pl.lit(None, pl.String).alias("domicile_id"),
                pl.lit("").alias("phone"),
                pl.lit("").alias("kk_number"),
                pl.lit(now).alias("created_at"),
                pl.lit(now).alias("updated_at"),
            )
            copy_rows("registry_person", people.columns, _csv(people))
        shares = []
        acc = 0
        for segment, per_mille, kind, codes in SEGMENTS:
            shares.append((acc, acc + per_mille, segment, kind, [occupation[c] for c in codes]))
            acc += per_mille
        days = (HISTORY[1] - HISTORY[0]).days
        for offset in range(0, MEMBERSHIPS, CHUNK):
            size = min(CHUNK, MEMBERSHIPS - offset)
            ids = pl.int_range(offset, offset + size, eager=True, dtype=pl.Int64)
            draws = (ids.hash(seed=21) % 1_000_003).cast(pl.Float64) / 1_000_003
            frame = pl.DataFrame(
                {
                    "i": ids,
                    "desa": edges.search_sorted(draws, side="left").clip(0, n - 1).cast(pl.Int64),
                }
            ).with_columns(
                pick=(pl.col("i").hash(seed=22) % 1000).cast(pl.Int64),
                r=(pl.col("i").hash(seed=23) % 1_000_003).cast(pl.Int64),
            )
            frame = frame.with_columns(kab=kab_of_desa.gather(frame["desa"]))
            segment_expr = pl.lit(None, pl.String)
            unit = pl.lit(None, pl.Int64)
            job = pl.lit(None, pl.Int64)
            for low, high, name, kind, jobs in reversed(shares):
                inside = (pl.col("pick") >= low) & (pl.col("pick") < high)
                segment_expr = pl.when(inside).then(pl.lit(name)).otherwise(segment_expr)
                if kind == "opd":
                    unit_expr = (
                        unit_base["opd"]
                        + pl.col("kab") * OPDS_PER_KABUPATEN
                        + pl.col("r") % OPDS_PER_KABUPATEN
                    )
                else:
                    unit_expr = unit_base[kind] + pl.col("desa")
                unit = pl.when(inside).then(unit_expr).otherwise(unit)
                job = (
                    pl.when(inside)
                    .then((pl.col("r") % len(jobs)).replace_strict(dict(enumerate(jobs))))
                    .otherwise(job)
                )
            started = pl.lit(HISTORY[0]) + pl.duration(days=pl.col("r") % (days + 1))
            ended = pl.col("r") % 4 == 0
            end = pl.when(ended).then(
                pl.min_horizontal(
                    started + pl.duration(days=30 + pl.col("r") % 400), pl.lit(HISTORY[1])
                )
            )
            bpu = pl.col("segment") == "pekerja_rentan"
            village = pl.col("segment").is_in(["perangkat_desa", "bpd", "lembaga_desa"])
            rows = (
                frame.with_columns(segment=segment_expr, unit_id=unit, occupation_id=job)
                .with_columns(start_date=started, end_date=end)
                .select(
                    (pl.col("i") + 1).alias("id"),
                    (pl.col("i") % PEOPLE + 1).alias("person_id"),
                    "unit_id",
                    "segment",
                    "occupation_id",
                    pl.when(village)
                    .then(pl.lit("apbdes_add"))
                    .otherwise(pl.lit("apbd_kabkota"))
                    .alias("funding_source"),
                    pl.when(bpu).then(pl.lit("bpu")).otherwise(pl.lit("pu")).alias("scheme"),
                    pl.lit("{jkk,jkm}").alias("programmes"),
                    pl.lit(2_000_000).alias("wage"),
                    pl.when(bpu).then(pl.lit(None, pl.Int64)).otherwise(1).alias("risk_class"),
                    "start_date",
                    "end_date",
                    pl.when(pl.col("r") % 50 == 1)
                    .then(pl.lit("draft"))
                    .when(pl.col("end_date").is_not_null())
                    .then(pl.lit("ended"))
                    .otherwise(pl.lit("active"))
                    .alias("status"),
                    pl.lit("").alias("kpj_number"),
                    pl.lit(now).alias("created_at"),
                    pl.lit(now).alias("updated_at"),
                )
            )
            copy_rows("registry_membership", rows.columns, _csv(rows))
        cursor.execute(
            "INSERT INTO registry_unitformation (unit_id, segment, posts, valid_from) "
            "SELECT unit_id, 'non_asn', greatest(1, (count(*) * 0.9)::int), DATE '2024-01-01' "
            "FROM registry_membership WHERE segment = 'non_asn' GROUP BY unit_id"
        )
    with connection.cursor() as cursor:
        for table in ("registry_person", "registry_membership", "registry_unitformation"):
            _setval(cursor, table)
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("VACUUM ANALYZE registry_unit")
        cursor.execute("DELETE FROM coverage_rollupdirty")
    return {"seconds": time.perf_counter() - start, "units": units.height}


# --- measuring -----------------------------------------------------------------------------------


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


ROLLUP_COLUMNS = "level, code, month, measure, segment, scheme, funding, grp, net, days"


@contextmanager
def _laps() -> Iterator[list[str]]:
    """The step times the polars rebuild logs at DEBUG (``rollup_frame._Laps``), collected."""
    laps: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            step, seconds = record.args  # type: ignore[misc]
            laps.append(f"{step} {seconds:.1f} s")

    logger = logging.getLogger("cakupan.coverage.rollup_frame")
    handler, level, propagate = Collect(), logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield laps
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


@contextmanager
def _plain_group_by() -> Iterator[None]:
    """The yardstick: every figure counted from the memberships (the rollup switched off)."""
    from cakupan.coverage import rollup

    original = rollup.usable
    rollup.usable = lambda user, code, on: False
    try:
        yield
    finally:
        rollup.usable = original


def _kabupaten_page(place: Any, with_series: bool = True) -> Callable[[], Any]:
    from cakupan.accounts.access import SYSTEM
    from cakupan.coverage.selectors import children_rows, place_measures, series

    def page() -> None:
        place_measures(SYSTEM, place, ON)
        children_rows(SYSTEM, place, ON)
        if with_series:
            series(SYSTEM, place, ON, months=24)

    return page


def _national_page(with_series: bool = True) -> Callable[[], Any]:
    from cakupan.accounts.access import SYSTEM
    from cakupan.coverage.selectors import INDONESIA, children_rows, place_measures, series

    def page() -> None:
        place_measures(SYSTEM, INDONESIA, ON)
        children_rows(SYSTEM, INDONESIA, ON)
        if with_series:
            series(SYSTEM, INDONESIA, ON, months=24)

    return page


def _league(place: Any) -> Callable[[], Any]:
    from cakupan.accounts.access import SYSTEM
    from cakupan.coverage.selectors import league_table

    return lambda: league_table(SYSTEM, place, "desa_officials", ON)


def _sizes() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT left(u.region_id, 5), count(*) FROM registry_membership m "
            "JOIN registry_unit u ON u.id = m.unit_id GROUP BY 1"
        )
        return dict(cursor.fetchall())


def _intake(kabupaten: str) -> None:
    """100,000 new people and their memberships in the OPDs of ``kabupaten``, as an intake commits
    them: ``INSERT ... SELECT`` with every trigger on (overlap check, rollup marks)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(id) FROM registry_person")
        base = int(cursor.fetchone()[0])
        cursor.execute(
            "INSERT INTO registry_person (id, nik, name, sex, birth_date, phone, kk_number, "
            "created_at, updated_at) SELECT %(base)s + g, '7398' || lpad(g::text, 12, '0'), "
            "'Baru ' || g, 'P', DATE '1990-01-01', '', '', now(), now() "
            "FROM generate_series(1, %(n)s) g",
            {"base": base, "n": INTAKE_ROWS},
        )
        cursor.execute(
            "INSERT INTO registry_membership (person_id, unit_id, segment, funding_source, scheme, "
            "programmes, wage, risk_class, start_date, status, kpj_number, created_at, updated_at) "
            "SELECT %(base)s + g, u.ids[1 + g %% array_length(u.ids, 1)], 'non_asn', "
            "'apbd_kabkota', 'pu', '{jkk,jkm}', 2000000, 1, DATE '2026-06-15', 'active', '', "
            "now(), now() FROM generate_series(1, %(n)s) g, "
            "(SELECT array_agg(id ORDER BY id) AS ids FROM registry_unit "
            " WHERE kind = 'opd' AND region_id = %(kab)s) u",
            {"base": base, "n": INTAKE_ROWS, "kab": kabupaten},
        )


def bench_coverage() -> dict[str, Any]:
    from cakupan.coverage import rollup
    from cakupan.coverage.selectors import Place, place_get
    from cakupan.wilayah.models import Region

    setup = preload()
    detail(
        f"registry preloaded by COPY in {setup['seconds']:.0f} s: {MEMBERSHIPS:,} memberships, "
        f"{PEOPLE:,} people, {setup['units']:,} units over every desa/kelurahan (not timed)"
    )
    results: dict[str, Any] = {}

    # Full rebuild in polars; at scale < 1 (or with CAKUPAN_BENCH_SQL_REBUILD=1) first the SQL
    # rebuild it replaces (140 s at scale 1), and the two compared row for row.
    sql_rebuild = SCALE < 1 or os.environ.get("CAKUPAN_BENCH_SQL_REBUILD") == "1"
    if sql_rebuild:
        sql = rollup.rebuild(engine="sql")
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE rollup_sql AS SELECT {ROLLUP_COLUMNS} FROM {rollup.TABLE}"  # noqa: S608
            )
    with _laps() as laps, measure_memory() as memory:
        rebuilt = rollup.rebuild()
    with connection.cursor() as cursor:
        start = time.perf_counter()
        cursor.execute(
            "SELECT left(u.region_id, 5), m.segment, count(*) FROM registry_membership m "
            "JOIN registry_unit u ON u.id = m.unit_id WHERE m.status <> 'draft' "
            "AND m.start_date <= %s AND (m.end_date IS NULL OR m.end_date >= %s) GROUP BY 1, 2",
            [ON, ON],
        )
        group_by = time.perf_counter() - start
        cursor.execute("SELECT pg_total_relation_size('coverage_rollupmonth')")
        size = cursor.fetchone()[0]
        if sql_rebuild:
            differ = []
            for a, b in ((rollup.TABLE, "rollup_sql"), ("rollup_sql", rollup.TABLE)):
                cursor.execute(
                    f"SELECT count(*) FROM (SELECT {ROLLUP_COLUMNS} FROM {a} "  # noqa: S608
                    f"EXCEPT ALL SELECT {ROLLUP_COLUMNS} FROM {b}) x"
                )
                differ.append(cursor.fetchone()[0])
            cursor.execute("DROP TABLE rollup_sql")
    if sql_rebuild:
        results["rebuild"] = line(
            "rollup full rebuild (polars)", MEMBERSHIPS, rebuilt.seconds, "SQL rebuild", sql.seconds
        )
        detail(
            f"rows differing from the SQL rebuild's: {differ[0]:,} new, {differ[1]:,} missing; "
            f"one GROUP BY of one day's counts: {group_by:.2f} s"
        )
    else:
        results["rebuild"] = line(
            "rollup full rebuild (polars)", MEMBERSHIPS, rebuilt.seconds,
            "one GROUP BY, one day", group_by,
        )  # fmt: skip
    detail(f"{rebuilt.rows:,} rollup rows, {size / 2**20:,.0f} MiB with index")
    detail("steps: " + ", ".join(laps))
    detail(
        f"peak memory: this process {mib(memory.process_peak)} (from {mib(memory.process_start)}), "
        f"PostgreSQL {mib(memory.pg_pss_peak)} PSS"
    )

    sizes = _sizes()
    kabupaten = sorted(
        (c for c in Region.objects.filter(level=2).values_list("code", flat=True)),
        key=lambda c: -sizes.get(c, 0),
    )
    rng = random.Random(11)
    sample = kabupaten[:20] + rng.sample(kabupaten[20:], min(20, len(kabupaten) - 20))
    places = [place_get(c) for c in sample]
    for place in places[:3]:
        _kabupaten_page(place)()  # warm the caches (desa counts, plans)
    kab_times = [_timed(_kabupaten_page(p)) for p in places]
    biggest_now = [
        _timed(_kabupaten_page(p, with_series=False)) for p in places[:YARDSTICK_KABUPATEN]
    ]
    with _plain_group_by():
        kab_plain = [
            _timed(_kabupaten_page(p, with_series=False)) for p in places[:YARDSTICK_KABUPATEN]
        ]
    results["kabupaten"] = line(
        "kabupaten page, largest 3, no history",
        sizes.get(sample[0], 0),
        statistics.median(biggest_now),
        "plain GROUP BY",
        statistics.median(kab_plain),
    )
    detail(
        f"with 24 months of history through the rollup, p95 of 40 kabupaten (the 20 largest and "
        f"20 others): {_p95(kab_times) * 1000:.0f} ms, median {statistics.median(kab_times) * 1000:.0f}"
        f" ms, max {max(kab_times) * 1000:.0f} ms; the largest, {sample[0]}, holds "
        f"{sizes.get(sample[0], 0):,} memberships; plain GROUP BY without history: "
        + ", ".join(f"{t:.2f} s" for t in kab_plain)
        + " (with history each page would add 24 such counts)"
    )

    provinces = [Place.of(r) for r in Region.objects.filter(level=1).order_by("code")]
    by_size = sorted(
        provinces,
        key=lambda p: -sum(v for k, v in sizes.items() if k.startswith(f"{p.code}.")),
    )
    _league(by_size[0])()
    league_times = [_timed(_league(p)) for p in provinces]
    with _plain_group_by():
        league_plain = [_timed(_league(p)) for p in by_size[:YARDSTICK_PROVINCES]]
    results["league"] = line(
        "province league table (p95 of 38)",
        len(provinces),
        _p95(league_times),
        "plain GROUP BY (3 largest)",
        statistics.median(league_plain),
    )
    detail(
        f"rollup: largest province {by_size[0].name} {max(league_times) * 1000:.0f} ms max; "
        "plain GROUP BY: " + ", ".join(f"{t:.2f} s" for t in league_plain)
    )

    _national_page()()
    national = min(_timed(_national_page()) for _ in range(3))
    with _plain_group_by():
        national_plain = _timed(_national_page(with_series=False))
    results["national"] = line(
        "national page", MEMBERSHIPS, national, "plain GROUP BY (no history)", national_plain
    )
    detail("the plain national page leaves out its 24 months of history: each would cost as much")

    biggest = kabupaten[0]

    def intake_then_refresh() -> tuple[float, Any]:
        _intake(biggest)
        start = time.perf_counter()
        refreshed = rollup.refresh()
        return time.perf_counter() - start, refreshed

    _, (refresh_seconds, refreshed) = rolled_back(intake_then_refresh)
    results["refresh"] = line(
        "refresh after a 100k-row intake",
        INTAKE_ROWS,
        refresh_seconds,
        "full rebuild",
        rebuilt.seconds,
    )
    detail(
        f"{refreshed.kabupaten} kabupaten recomputed ({biggest}, the largest), then its province and Indonesia"
    )

    verdicts = {
        "kabupaten": verdict(
            "kabupaten page queries p95 <= 100 ms", f"{_p95(kab_times) * 1000:.0f} ms",
            _p95(kab_times) <= TARGETS["kabupaten"],
        ),
        "league": verdict(
            "province league table <= 200 ms", f"{max(league_times) * 1000:.0f} ms",
            max(league_times) <= TARGETS["league"],
        ),
        "national": verdict(
            "national page <= 300 ms", f"{national * 1000:.0f} ms", national <= TARGETS["national"]
        ),
        "refresh": verdict(
            "refresh after 100k-row intake <= 5 s", f"{refresh_seconds:.2f} s",
            refresh_seconds <= TARGETS["refresh"],
        ),
        "rebuild": verdict(
            "full rebuild <= 60 s", f"{rebuilt.seconds:.1f} s", rebuilt.seconds <= TARGETS["rebuild"]
        ),
    }  # fmt: skip
    return {**results, "verdicts": verdicts}
