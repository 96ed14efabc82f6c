"""Exports benchmark (issue 12, item 2): 1,000,000 memberships downloaded through the real view.

Called by ``make bench`` (``cakupan.bench.__main__``) once the test database exists:

1. preloads, with ``COPY`` and outside every timing, 1,000,000 people each with one active
   membership in one OPD of Luwu Timur (73.24), every column of the download filled;
2. asks ``/kepesertaan/?unduh=csv`` and ``?unduh=xlsx`` of ``registry.views.membership_list``
   as a superadmin (a ``RequestFactory`` request, the view called as the URL resolver calls it),
   and consumes the response chunk by chunk, counting bytes and keeping none: the count, the limit
   check, the access-log row (a million ids gathered by PostgreSQL), the server-side cursor, the
   cells' escaping and typing, and for XLSX the temporary file, are all in the time;
3. measures, in the same run, the yardstick: PostgreSQL's own ``COPY (SELECT ...) TO STDOUT``
   of the same rows, joined and ordered the same way, read through psycopg. It does no escaping,
   no typing, no masking and writes no file: the floor a download cannot go below;
4. prints rows/s, the ratio to the yardstick, and the peak memory of this process during each
   download (VmHWM, reset before it, ``harness.measure_memory``) beside its memory before.

Target: the download does not hold its rows: the process grows by less than 100 MiB over a
million rows (holding them as Python tuples would take well over 1 GiB). Judged at scale 1.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import polars as pl
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone

from cakupan.bench.coverage import _csv, _loading
from cakupan.bench.harness import (
    after_preload,
    copy_rows,
    detail,
    empty_registry,
    line,
    measure_memory,
    mib,
    scaled,
    verdict,
)

ROWS = max(scaled(1_000_000), 1)
MEMORY_TARGET = 100 * 2**20
DESA = "73.24.04.2001"


def preload() -> dict[str, Any]:
    """People and memberships by COPY, triggers off (setup, not timed)."""
    from cakupan.registry.models import Membership, Person, Unit

    empty_registry()
    start = time.perf_counter()
    unit, _ = Unit.objects.get_or_create(
        code="BENCH-EKSPOR",
        defaults={"name": "Dinas Bench Ekspor", "kind": "opd", "region_id": "73.24"},
    )
    now = timezone.now().isoformat()
    ids = pl.int_range(1, ROWS + 1, eager=True, dtype=pl.Int64).alias("id")
    people = pl.DataFrame(ids).select(
        "id",
        pl.format("7324{}", pl.col("id").cast(pl.String).str.zfill(12)).alias("nik"),
        pl.format("Pekerja Ekspor {}", pl.col("id")).alias("name"),
        pl.when(pl.col("id") % 2 == 0).then(pl.lit("P")).otherwise(pl.lit("L")).alias("sex"),
        (pl.lit(dt.date(1970, 1, 1)) + pl.duration(days=pl.col("id") % 12000)).alias("birth_date"),
        pl.lit(DESA).alias("domicile_id"),
        pl.format("0812{}", pl.col("id").cast(pl.String).str.zfill(8)).alias("phone"),
        pl.lit("").alias("kk_number"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    memberships = pl.DataFrame(ids).select(
        "id",
        pl.col("id").alias("person_id"),
        pl.lit(unit.pk).alias("unit_id"),
        pl.lit("non_asn").alias("segment"),
        pl.lit(None, pl.Int64).alias("occupation_id"),
        pl.lit("apbd_kabkota").alias("funding_source"),
        pl.lit("pu").alias("scheme"),
        pl.lit("{jkk,jkm}").alias("programmes"),
        (2_000_000 + (pl.col("id") % 50) * 10_000).alias("wage"),
        pl.lit(1).alias("risk_class"),
        (pl.lit(dt.date(2020, 1, 1)) + pl.duration(days=pl.col("id") % 1500)).alias("start_date"),
        pl.lit(None, pl.Date).alias("end_date"),
        pl.lit("active").alias("status"),
        pl.format("9{}", pl.col("id").cast(pl.String).str.zfill(10)).alias("kpj_number"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    with _loading([Person._meta.db_table, Membership._meta.db_table]):
        copy_rows(Person._meta.db_table, people.columns, _csv(people))
        copy_rows(Membership._meta.db_table, memberships.columns, _csv(memberships))
    del people, memberships
    after_preload(Person, Membership)
    return {"seconds": time.perf_counter() - start}


def _user() -> Any:
    from cakupan.accounts.models import Role, User

    user, _ = User.objects.get_or_create(
        username="bench.ekspor", defaults={"role": Role.SUPERADMIN, "is_staff": True}
    )
    return user


def _download(fmt: str, user: Any) -> tuple[float, int, Any]:
    """Seconds, bytes and memory of one download through the view, consumed chunk by chunk."""
    from cakupan.registry.views import membership_list

    request = RequestFactory().get("/kepesertaan/", {"unduh": fmt})
    request.user = user
    request.session = {}  # type: ignore[assignment]
    size = 0
    with measure_memory() as peak:
        start = time.perf_counter()
        response = membership_list(request)  # type: ignore[arg-type]
        assert response.status_code == 200, response.status_code
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            size += len(chunk)
        response.close()
        seconds = time.perf_counter() - start
    return seconds, size, peak


_YARDSTICK = (
    "COPY (SELECT p.name, p.nik, p.birth_date, u.code, u.name, m.segment, o.name, "
    "m.funding_source, m.scheme, array_to_string(m.programmes, ', '), m.wage, m.start_date, "
    "m.end_date, m.status, m.kpj_number FROM registry_membership m "
    "JOIN registry_person p ON p.id = m.person_id JOIN registry_unit u ON u.id = m.unit_id "
    "LEFT JOIN registry_occupation o ON o.id = m.occupation_id "
    "ORDER BY m.start_date DESC, m.id) TO STDOUT WITH (FORMAT csv, HEADER)"
)


def _yardstick() -> tuple[float, int]:
    size = 0
    start = time.perf_counter()
    with connection.cursor() as cursor, cursor.copy(_YARDSTICK) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - start, size


def bench_exports() -> dict[str, Any]:
    setup = preload()
    detail(
        f"registry preloaded by COPY in {setup['seconds']:.0f} s: {ROWS:,} people and "
        f"{ROWS:,} memberships (not timed)"
    )
    user = _user()
    baseline, baseline_size = _yardstick()
    results: dict[str, Any] = {}
    for fmt in ("csv", "xlsx"):
        seconds, size, peak = _download(fmt, user)
        results[fmt] = line(
            f"membership list download {fmt.upper()}", ROWS, seconds, "COPY TO STDOUT", baseline
        )
        growth = max(peak.process_peak - peak.process_start, 0)
        detail(
            f"{size / 2**20:,.0f} MiB sent (COPY: {baseline_size / 2**20:,.0f} MiB); this process "
            f"{mib(peak.process_start)} before, peak {mib(peak.process_peak)} "
            f"(+{mib(growth)}); PostgreSQL peak PSS {mib(peak.pg_pss_peak)}"
        )
        results[fmt]["memory_growth"] = growth
        verdict(
            f"{fmt.upper()} download holds no rows (+<100 MiB)", f"+{mib(growth)}",
            growth < MEMORY_TARGET,
        )  # fmt: skip
    return results
