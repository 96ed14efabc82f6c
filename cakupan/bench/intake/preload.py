"""The registry the benchmark starts from, and the plain COPY yardstick (setup and baseline)."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection, transaction
from django.utils import timezone

from cakupan.bench.harness import (
    after_preload,
    copy_rows,
    empty_registry,
    load_frame,
)
from cakupan.bench.intake.config import (
    CSV_MEMBERS,
    LUWU,
    LUWU_TIMUR,
    OTHER_MEMBERSHIPS,
    OTHER_SEGMENT_ELSEWHERE,
    OTHER_UNITS,
    REGISTRY_PEOPLE,
    SAME_SEGMENT_ELSEWHERE,
    SEGMENT,
)
from cakupan.bench.intake.data import Regions, _rand

# --------------------------------------------------------------------------------------------
# Registry preload (COPY, outside every timing)


@dataclass
class Setup:
    reg: Regions
    csv_unit: Any
    xlsx_unit: Any
    occupation_ids: dict[str, int]
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)


def preload(pop: pl.DataFrame, reg: Regions) -> Setup:
    """1,000,000 people and ~510,000 memberships by COPY, with the units they belong to."""
    from cakupan.registry.models import Membership, Occupation, Person, Unit
    from cakupan.wilayah.models import Region

    empty_registry()
    start = time.perf_counter()
    now = timezone.now()
    csv_unit = Unit.objects.create(
        code="BENCH-DISDIK-LUTIM",
        name="Dinas Pendidikan Luwu Timur",
        kind="opd",
        region_id=LUWU_TIMUR,
    )
    xlsx_unit = Unit.objects.create(
        code="BENCH-DINKES-LUTIM",
        name="Dinas Kesehatan Luwu Timur",
        kind="opd",
        region_id=LUWU_TIMUR,
    )
    elsewhere = Unit.objects.create(
        code="BENCH-DISDIK-LUWU", name="Dinas Pendidikan Luwu", kind="opd", region_id=LUWU
    )
    village = Unit.objects.create(
        code="BENCH-PEMDES-MALILI",
        name="Pemerintah Desa Malili",
        kind="pemerintah_desa",
        region_id=reg.lt_desa[0],
    )
    regencies = list(
        Region.objects.filter(level=2, code__startswith="73.")
        .exclude(code=LUWU_TIMUR)
        .values_list("code", flat=True)
        .order_by("code")
    )
    others = Unit.objects.bulk_create(
        Unit(
            code=f"BENCH-OPD-{i}",
            name=f"OPD {i}",
            kind="opd",
            region_id=regencies[i % len(regencies)],
        )
        for i in range(OTHER_UNITS)
    )
    occupation_ids = dict(Occupation.objects.values_list("name", "id"))

    people = pop.slice(0, REGISTRY_PEOPLE).select(
        (pl.col("i") + 1).alias("id"),
        "nik",
        "name",
        "sex",
        "birth_date",
        pl.col("desa").alias("domicile_id"),
        pl.lit("").alias("phone"),
        pl.lit("").alias("kk_number"),
        pl.lit(now.isoformat()).alias("created_at"),
        pl.lit(now.isoformat()).alias("updated_at"),
    )
    load_frame(Person, people)
    del people

    col = pl.col

    def memberships(a: int, b: int, unit: Any, segment: str, **fixed: Any) -> pl.DataFrame:
        frame = pop.slice(a, b - a)
        unit_id = (
            pl.lit(unit.pk)
            if unit is not None
            else (
                _rand(21, OTHER_UNITS).replace_strict(
                    dict(enumerate(u.pk for u in others)), return_dtype=pl.Int64
                )
            )
        )
        ended = pl.lit(fixed.get("ended", False)) & (_rand(22, 3) == 0)
        return frame.select(
            (col("i") + 1).alias("person_id"),
            unit_id.cast(pl.Int64).alias("unit_id"),
            pl.lit(segment).alias("segment"),
            col("occupation")
            .replace_strict(occupation_ids, return_dtype=pl.Int64)
            .alias("occupation_id"),
            # The title as the file wrote it, which the intake keeps (issue 15, item 1): without
            # it a re-upload of the same rows would "change" every membership it continues.
            col("occupation").alias("occupation_title"),
            pl.lit("apbd_kabkota" if segment == SEGMENT else "apbdes_add").alias("funding_source"),
            pl.lit("pu").alias("scheme"),
            pl.lit("{jkk,jkm}").alias("programmes"),
            col("wage"),
            pl.lit(1, pl.Int64).alias("risk_class"),
            col("start_date"),
            pl.when(ended).then(pl.lit(dt.date(2025, 12, 31))).alias("end_date"),
            pl.when(ended).then(pl.lit("ended")).otherwise(pl.lit("active")).alias("status"),
            pl.lit("").alias("kpj_number"),
            pl.lit(now.isoformat()).alias("created_at"),
            pl.lit(now.isoformat()).alias("updated_at"),
        ).with_columns(
            # An ended membership started before it ended.
            start_date=pl.when(col("end_date").is_not_null())
            .then(pl.lit(dt.date(2023, 1, 1)))
            .otherwise(col("start_date"))
        )

    frames = [
        memberships(0, CSV_MEMBERS, csv_unit, SEGMENT),
        memberships(*SAME_SEGMENT_ELSEWHERE, elsewhere, SEGMENT),
        memberships(*OTHER_SEGMENT_ELSEWHERE, village, "perangkat_desa"),
        memberships(*OTHER_MEMBERSHIPS, None, SEGMENT, ended=True),
    ]
    all_memberships = pl.concat(frames)
    load_frame(Membership, all_memberships)
    after_preload(Person, Membership)
    return Setup(
        reg=reg,
        csv_unit=csv_unit,
        xlsx_unit=xlsx_unit,
        occupation_ids=occupation_ids,
        seconds=time.perf_counter() - start,
        counts={"people": REGISTRY_PEOPLE, "memberships": all_memberships.height},
    )


# --------------------------------------------------------------------------------------------
# Yardstick: a plain COPY of the same rows into a fresh table with the person table's indexes

COPY_TABLE = "bench_copy_person"


def plain_copy(canonical: bytes, *, indexed: bool = True) -> float:
    """Seconds to COPY ``canonical`` into a new table: with the person table's indexes (primary
    key, unique NIK, name), or with none (``indexed=False``)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        cursor.execute(
            f"""CREATE TABLE {COPY_TABLE} (
                id bigint GENERATED BY DEFAULT AS IDENTITY {"PRIMARY KEY" if indexed else ""},
                nik varchar(16) COLLATE "C" NOT NULL {"UNIQUE" if indexed else ""},
                name varchar(150) NOT NULL,
                sex varchar(1) NOT NULL,
                birth_date date NOT NULL,
                desa varchar(13) COLLATE "C",
                occupation varchar(120),
                wage numeric(15, 0),
                start_date date)"""
        )
        if indexed:
            cursor.execute(f"CREATE INDEX ON {COPY_TABLE} (name)")
    columns = ["nik", "name", "sex", "birth_date", "desa", "occupation", "wage", "start_date"]
    start = time.perf_counter()
    with transaction.atomic():
        copy_rows(COPY_TABLE, columns, canonical)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {COPY_TABLE}")
    return elapsed
