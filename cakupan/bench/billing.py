"""Billing benchmark (issue 4): one billing run for one month over 1,000,000 active memberships.

Called by ``make bench`` (``cakupan.bench.__main__``) once the test database exists:

1. preloads 1,000,000 people and 1,000,000 active memberships with ``COPY`` (outside every timing),
   in 2,000 units of Sulawesi Selatan: 1,000 pemerintah desa, each with a BPD paid by it (so the
   payer is ``coalesce(unit.payer, unit)`` for half the units), 500 OPDs and 500 kelompok pekerja
   rentan paid by an OPD. 70% PU JKK+JKM, 10% PU JKK+JKM+JHT+JP (a tenth of them with no risk class,
   some above the JP wage cap), 20% BPU JKK+JKM; then ANALYZE;
2. in the same run: ``billing_run`` for October 2026 (every bill new), then the rerun of the same
   month (nothing changed), then the yardstick: a plain ``INSERT ... SELECT`` of the same number of
   lines (memberships x programmes, a rate product per line) into a table of the per-programme
   line shape, with its indexes; and, for comparison, one of a row per membership into a copy of
   the bill entry table (the shape the run writes since billing migration 0005). Each step runs in
   a transaction rolled back afterwards (the rerun after the run, inside one transaction).
   Deferred constraint checks are run inside the timing (``SET CONSTRAINTS ALL IMMEDIATE``), as a
   commit would run them.

Target (issue 4): the run <= 10 s on the embedded PostgreSQL. Printed as PASS/FAIL.
``CAKUPAN_BENCH_SCALE=0.05`` runs on 5% of the rows.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import polars as pl
from django.db import connection
from django.utils import timezone

from cakupan.bench.harness import (
    commit_checks,
    detail,
    empty_registry,
    line,
    rolled_back,
    scaled,
    verdict,
)

MEMBERSHIPS = scaled(1_000_000)
DESA_UNITS = 1_000
OPD_UNITS = 500
RENTAN_UNITS = 500
MONTH = dt.date(2026, 10, 1)
TARGET_SECONDS = 10.0
YARDSTICK = "bench_billing_line"


def _units() -> dict[str, list[int]]:
    """Payer and paid units in the desa and regencies of Sulawesi Selatan (73)."""
    from cakupan.registry.models import Unit
    from cakupan.wilayah.models import Region

    desa = list(
        Region.objects.filter(code__startswith="73.", level=4, valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)[:DESA_UNITS]
    )
    regencies = list(
        Region.objects.filter(code__startswith="73.", level=2)
        .order_by("code")
        .values_list("code", flat=True)
    )
    pemdes = Unit.objects.bulk_create(
        Unit(
            code=f"BB-PEMDES-{i}", name=f"Pemerintah Desa {i}", kind="pemerintah_desa", region_id=c
        )
        for i, c in enumerate(desa)
    )
    bpd = Unit.objects.bulk_create(
        Unit(code=f"BB-BPD-{i}", name=f"BPD {i}", kind="bpd", region_id=p.region_id, payer=p)
        for i, p in enumerate(pemdes)
    )
    opd = Unit.objects.bulk_create(
        Unit(
            code=f"BB-OPD-{i}",
            name=f"OPD {i}",
            kind="opd",
            region_id=regencies[i % len(regencies)],
        )
        for i in range(OPD_UNITS)
    )
    rentan = Unit.objects.bulk_create(
        Unit(
            code=f"BB-RENTAN-{i}",
            name=f"Kelompok rentan {i}",
            kind="kelompok_rentan",
            region_id=desa[i % len(desa)],
            payer=opd[i % len(opd)],
        )
        for i in range(RENTAN_UNITS)
    )
    return {
        "pu": [u.pk for u in (*pemdes, *bpd, *opd)],
        "bpu": [u.pk for u in rentan],
    }


def preload() -> dict[str, Any]:
    """1,000,000 people and 1,000,000 active memberships by COPY (setup, not timed)."""
    from cakupan.bench.harness import after_preload, load_frame
    from cakupan.registry.models import Membership, Person

    empty_registry()

    start = time.perf_counter()
    units = _units()
    now = timezone.now().isoformat()
    i = pl.int_range(0, MEMBERSHIPS, eager=True)
    frame = pl.DataFrame({"i": i}).with_columns(
        kind=(pl.col("i").hash(seed=1) % 100).cast(pl.Int64),
        r=(pl.col("i").hash(seed=2) % 1_000_003).cast(pl.Int64),
    )
    people = frame.select(
        (pl.col("i") + 1).alias("id"),
        pl.format("7399{}", pl.col("i").cast(pl.String).str.zfill(12)).alias("nik"),
        pl.format("Peserta {}", pl.col("i")).alias("name"),
        pl.when(pl.col("r") % 2 == 0).then(pl.lit("L")).otherwise(pl.lit("P")).alias("sex"),
        (pl.lit(dt.date(1962, 1, 1)) + pl.duration(days=pl.col("r") % 15_000)).alias("birth_date"),
        pl.lit(None, pl.String).alias("domicile_id"),
        pl.lit("").alias("phone"),
        pl.lit("").alias("kk_number"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    load_frame(Person, people)
    del people
    pu_units, bpu_units = units["pu"], units["bpu"]
    bpu = pl.col("kind") >= 80
    full = pl.col("kind") >= 70
    memberships = frame.select(
        (pl.col("i") + 1).alias("person_id"),
        pl.when(bpu)
        .then(
            (pl.col("r") % len(bpu_units)).replace_strict(
                dict(enumerate(bpu_units)), return_dtype=pl.Int64
            )
        )
        .otherwise(
            (pl.col("r") % len(pu_units)).replace_strict(
                dict(enumerate(pu_units)), return_dtype=pl.Int64
            )
        )
        .alias("unit_id"),
        pl.when(bpu).then(pl.lit("pekerja_rentan")).otherwise(pl.lit("non_asn")).alias("segment"),
        pl.lit(None, pl.Int64).alias("occupation_id"),
        pl.when(bpu)
        .then(pl.lit("apbd_kabkota"))
        .otherwise(pl.lit("apbdes_add"))
        .alias("funding_source"),
        pl.when(bpu).then(pl.lit("bpu")).otherwise(pl.lit("pu")).alias("scheme"),
        pl.when(bpu | ~full)
        .then(pl.lit("{jkk,jkm}"))
        .otherwise(pl.lit("{jkk,jkm,jht,jp}"))
        .alias("programmes"),
        pl.when(bpu)
        .then(500_000 + 50_000 * (pl.col("r") % 40))
        .otherwise(1_500_000 + 25_000 * (pl.col("r") % 500))
        .alias("wage"),
        pl.when(bpu | ((pl.col("r") % 10 == 0) & full))
        .then(pl.lit(None, pl.Int64))
        .otherwise(1 + pl.col("r") % 2)
        .alias("risk_class"),
        (pl.lit(dt.date(2024, 1, 1)) + pl.duration(days=pl.col("r") % 900)).alias("start_date"),
        pl.lit(None, pl.Date).alias("end_date"),
        pl.lit("active").alias("status"),
        pl.lit("").alias("kpj_number"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    load_frame(Membership, memberships)
    after_preload(Person, Membership)
    return {"seconds": time.perf_counter() - start, "memberships": memberships.height}


def plain_insert_select(*, shape: str) -> tuple[float, int]:
    """The yardstick: a plain ``INSERT ... SELECT`` over the active memberships, a rate product per
    amount, no rules, no bills, no checks beyond the table's own.

    ``shape="lines"``: the issue's yardstick, memberships x programmes into a table of the
    per-programme line shape (the line table before bill entries: primary key (bill, membership,
    programme), the partial BPU index). ``shape="entries"``: one row per membership into a copy of
    the bill entry table (``LIKE ... INCLUDING ALL``: its key, checks and index).
    """
    from cakupan.billing.models import BillEntry
    from cakupan.registry.models import Membership

    members = Membership._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {YARDSTICK}")
        if shape == "lines":
            cursor.execute(
                f"""CREATE TABLE {YARDSTICK} (
                    bill_id bigint NOT NULL, membership_id bigint NOT NULL,
                    person_id bigint NOT NULL, scheme varchar(3) NOT NULL,
                    programme varchar(3) NOT NULL, risk_class smallint,
                    risk_class_assumed boolean NOT NULL, basis numeric(15) NOT NULL,
                    rate numeric(10, 8), employer numeric(15) NOT NULL,
                    worker numeric(15) NOT NULL, total numeric(15) NOT NULL,
                    PRIMARY KEY (bill_id, membership_id, programme))"""
            )
            cursor.execute(
                f"CREATE INDEX ON {YARDSTICK} (membership_id, bill_id) WHERE scheme = 'bpu'"
            )
            statement = f"""INSERT INTO {YARDSTICK} (bill_id, membership_id, person_id, scheme,
                       programme, risk_class, risk_class_assumed, basis, rate, employer, worker,
                       total)
                SELECT m.unit_id, m.id, m.person_id, m.scheme, p.programme, m.risk_class, false,
                       m.wage, 0.003, round(m.wage * 0.003), 0, round(m.wage * 0.003)
                  FROM {members} m
                 CROSS JOIN LATERAL unnest(m.programmes) AS p(programme)
                 WHERE m.status = 'active'"""  # noqa: S608
        else:
            entries = BillEntry._meta.db_table
            cursor.execute(f"CREATE TABLE {YARDSTICK} (LIKE {entries} INCLUDING ALL)")
            statement = f"""INSERT INTO {YARDSTICK} (bill_id, membership_id, person_id, scheme,
                       risk_class, risk_class_assumed, jkk_basis, jkk_rate, jkk_employer,
                       jkk_worker, jkm_basis, jkm_rate, jkm_employer, jkm_worker,
                       employer, worker, total)
                SELECT m.unit_id, m.id, m.person_id, m.scheme, m.risk_class, false,
                       m.wage, 0.003, round(m.wage * 0.003), 0,
                       m.wage, 0.003, round(m.wage * 0.003), 0,
                       2 * round(m.wage * 0.003), 0, 2 * round(m.wage * 0.003)
                  FROM {members} m
                 WHERE m.status = 'active'"""  # noqa: S608

    def insert() -> int:
        with connection.cursor() as cursor:
            cursor.execute(statement)
            return int(cursor.rowcount)

    seconds, rows = rolled_back(insert)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {YARDSTICK}")
    return seconds, rows


def bench_billing() -> dict[str, Any]:
    """Preload, then time the billing run, its rerun and the plain INSERT ... SELECT."""
    from cakupan.accounts.audit import Actor
    from cakupan.billing.services import billing_run

    setup = preload()
    detail(
        f"registry preloaded by COPY in {setup['seconds']:.1f} s: "
        f"{setup['memberships']:,} active memberships (not timed)"
    )
    actor = Actor.system(source="cli", label="bench")
    timings: dict[str, float] = {}

    statements: list[tuple[float, str]] = []

    def timing(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - start, " ".join(sql.split())[:60]))

    def run_and_rerun() -> tuple[Any, Any]:
        start = time.perf_counter()
        with connection.execute_wrapper(timing):
            first = billing_run(actor=actor, month=MONTH)
            commit_checks()
        timings["run"] = time.perf_counter() - start
        start = time.perf_counter()
        again = billing_run(actor=actor, month=MONTH)
        commit_checks()
        timings["rerun"] = time.perf_counter() - start
        return first, again

    _, (first, again) = rolled_back(run_and_rerun)
    baseline, rows = plain_insert_select(shape="lines")
    entry_baseline, entry_rows = plain_insert_select(shape="entries")
    result = line(
        "billing run, one month",
        first.lines,
        timings["run"],
        "plain INSERT..SELECT",
        baseline,
    )
    detail(
        f"{first.memberships:,} memberships, {first.lines:,} lines, {first.payers:,} bills, "
        f"total Rp{int(first.total):,}; the yardstick wrote {rows:,} lines"
    )
    detail(
        f"plain INSERT..SELECT of {entry_rows:,} rows shaped as bill entries: "
        f"{entry_baseline:.2f} s (ratio {entry_baseline / timings['run']:.2f}x)"
    )
    detail(
        f"rerun of the same month: {timings['rerun']:.2f} s, {again.unchanged:,} bills unchanged, "
        f"{again.created + again.updated:,} written"
    )
    for seconds, statement in sorted(statements, reverse=True)[:4]:
        detail(f"run statement {seconds:6.2f} s  {statement}")
    ok = timings["run"] <= TARGET_SECONDS
    judged = verdict(
        f"billing run <= {TARGET_SECONDS:g} s ({MEMBERSHIPS:,} memberships)",
        f"{timings['run']:.2f} s",
        ok,
    )
    return {**result, "rerun_seconds": round(timings["rerun"], 3), "target": judged}
