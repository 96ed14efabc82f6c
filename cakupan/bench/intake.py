"""Intake benchmark (issue 3): a 1,000,000-row CSV and a 200,000-row XLSX through the whole intake.

Called by ``make bench`` (``cakupan.bench.__main__``) once the test database exists. What it does:

1. preloads a registry of 1,000,000 people (and about 510,000 memberships, some of them in other
   units so the double-funding check has work) with ``COPY``, outside every timing, then ANALYZE;
2. generates, vectorised with polars, a 1,000,000-row CSV and a 200,000-row XLSX of participants
   for two kabupaten-level OPD units of Luwu Timur (73.24): 30% of them already in the registry,
   about 2% faulty rows (bad NIKs, sex mismatches, impossible dates, duplicated rows, desa outside
   the area, negative wages). Generated files live in a temporary directory and are deleted;
3. in the same run: a plain ``COPY`` of the same 1,000,000 rows into a fresh table with the person
   table's indexes (the yardstick), a Django forms + ``bulk_create`` path on a 100,000-row slice,
   then the whole intake (``batch_create`` + ``batch_process(commit=True)``) of the CSV and of the
   XLSX, with a phase breakdown and the peak memory of this process and of PostgreSQL.

Targets (issue 3): CSV >= 100,000 rows/s end to end and <= 3x the plain COPY; XLSX <= 5 s; peak
memory <= 2 GiB. Each is printed as PASS/FAIL; nothing here raises for a missed target.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import os
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
from django import forms
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.test.utils import override_settings
from django.utils import timezone

from cakupan.bench.harness import (
    MemoryPeak,
    detail,
    empty_registry,
    line,
    measure_memory,
    mib,
    rolled_back,
    scaled,
    verdict,
)

TODAY = dt.date(2026, 11, 23)
REGISTRY_PEOPLE = scaled(1_000_000)
CSV_ROWS = scaled(1_000_000)
XLSX_ROWS = scaled(200_000)
FORMS_ROWS = scaled(100_000)
EXISTING_SHARE = 0.30  # of each file: people the registry already holds
FAULTY_PER_MILLE = 20  # about 2% faulty rows
SEGMENT = "non_asn"
LUWU_TIMUR = "73.24"
LUWU = "73.17"  # the neighbouring kabupaten: its desa are "outside the area" of our units

# Issue 3 targets.
TARGET_CSV_ROWS_PER_S = 100_000
TARGET_CSV_OVER_COPY = 3.0
TARGET_XLSX_SECONDS = 5.0
TARGET_PEAK_BYTES = 2 * 1024**3

# Population layout (index ranges of one generated population with unique NIKs).
CSV_EXISTING = int(CSV_ROWS * EXISTING_SHARE)  # [0, 300k): registry people in the CSV
CSV_MEMBERS = scaled(200_000)  # [0, 200k): already members of the CSV unit (a re-upload)
CSV_WAGE_CHANGED = (0, scaled(20_000))  # members whose wage changed: membership updates
CSV_NAME_CHANGED = (
    scaled(20_000),
    scaled(30_000),
)  # members whose name changed: person update + warning
SAME_SEGMENT_ELSEWHERE = (scaled(200_000), scaled(203_000))  # non-ASN in another OPD: rejected
OTHER_SEGMENT_ELSEWHERE = (scaled(203_000), scaled(213_000))  # perangkat desa elsewhere: a warning
XLSX_EXISTING = (CSV_EXISTING, CSV_EXISTING + int(XLSX_ROWS * EXISTING_SHARE))
OTHER_MEMBERSHIPS = (
    scaled(400_000),
    scaled(700_000),
)  # registry people with memberships in other OPDs
OTHER_UNITS = 40
CSV_NEW = (REGISTRY_PEOPLE, REGISTRY_PEOPLE + CSV_ROWS - CSV_EXISTING)
XLSX_NEW = (CSV_NEW[1], CSV_NEW[1] + XLSX_ROWS - (XLSX_EXISTING[1] - XLSX_EXISTING[0]))
POPULATION = XLSX_NEW[1]

HEADER = ["NIK", "Nama Lengkap", "L/P", "Tanggal Lahir", "Desa", "Jabatan", "Gaji", "TMT"]
TITLE = ["DAFTAR PEGAWAI NON ASN {unit}", "TAHUN ANGGARAN 2026", ""]
OCCUPATIONS = [
    "Tenaga upah jasa",
    "Penyuluh KB",
    "Tenaga kesehatan non-ASN",
    "Tenaga administrasi non-ASN",
    "Guru PAUD",
    "Guru SD",
    "Guru SMP",
]
FIRST_NAMES = [
    "Andi", "Muhammad", "Ahmad", "Abdul", "Siti", "Nur", "Sri", "Baso", "Besse", "Hasanuddin",
    "Syamsul", "Rahmat", "Hasmawati", "Nurhayati", "Rosmini", "Haris", "Irwan", "Jumriani",
    "Kasmawati", "Muliadi", "Asriani", "Fitriani", "Sukardi", "Wahyuni", "Yusuf", "Zainal",
    "Darmawati", "Agustina", "Marlina", "Ilham", "Fadli", "Rini", "Sitti", "Hamka", "Sudirman",
    "Erna", "Yohanis", "Markus", "Ketut", "Wayan", "Dewi", "Eka", "Putri", "Rudi", "Budi",
    "Hendra", "Riska", "Nasrullah", "Rusli", "Mardiana",
]  # fmt: skip
MIDDLE_NAMES = ["Nur", "Sri", "Dwi", "Tri", "Eka", "Ayu", "Indah", "Dian", "Maria"]
LAST_NAMES = [
    "Saputra", "Aminah", "Tang", "Rahman", "Hamid", "Lamba", "Pasande", "Tandirerung",
    "Mappanyukki", "Daeng", "Baharuddin", "Syarifuddin", "Hasan", "Ibrahim", "Lestari",
    "Wulandari", "Pratama", "Kurniawan", "Setiawan", "Santoso", "Wijaya", "Nugroho", "Sulaiman",
    "Arifin", "Salam", "Latif", "Malik", "Kadir", "Rauf", "Sanusi", "Palallo", "Sampe", "Rante",
    "Bulu", "Patiku", "Langi", "Sompa", "Makmur", "Ramadhan", "Hidayat", "Susanti", "Handayani",
    "Anwar", "Saleh",
]  # fmt: skip
EXTRA_NAME = "Hamzah"  # appended to a registry name: "the name in the file differs"

_WORK = Path(tempfile.gettempdir()) / f"cakupan-bench-intake-{os.getpid()}"


# --------------------------------------------------------------------------------------------
# Generated people


@dataclass(frozen=True)
class Regions:
    lt_districts: list[str]  # kecamatan of Luwu Timur
    districts: list[str]  # every kecamatan of the country
    lt_desa: list[str]  # desa/kelurahan of Luwu Timur (128)
    lt_desa_unique_names: dict[str, str]  # code -> name, names unique inside Luwu Timur
    outside_desa: list[str]  # desa of Luwu, outside our units' area


def regions() -> Regions:
    from lokal import wilayah

    from cakupan.intake.validation import normalise_label

    base = wilayah._base()
    desa = wilayah._desa()
    districts = sorted(k for k in base if k.count(".") == 2)
    lt_desa = sorted(k for k in desa if k.startswith(LUWU_TIMUR + "."))
    names = Counter(normalise_label(desa[k]) for k in lt_desa)
    return Regions(
        lt_districts=[k for k in districts if k.startswith(LUWU_TIMUR + ".")],
        districts=districts,
        lt_desa=lt_desa,
        lt_desa_unique_names={k: desa[k] for k in lt_desa if names[normalise_label(desa[k])] == 1},
        outside_desa=sorted(k for k in desa if k.startswith(LUWU + ".")),
    )


def _rand(seed: int, k: int, column: str = "i") -> pl.Expr:
    """A pseudo-random integer in [0, k) per row, from a seeded hash of ``column``."""
    return (pl.col(column).hash(seed=seed) % k).cast(pl.Int64)


def _pick(seed: int, values: list[str], column: str = "i") -> pl.Expr:
    return _rand(seed, len(values), column).replace_strict(
        dict(enumerate(values)), return_dtype=pl.String
    )


def population(reg: Regions, n: int = POPULATION) -> pl.DataFrame:
    """``n`` distinct people with consistent NIKs (kecamatan, birth date, sex, sequence).

    Three quarters hold a NIK issued in Luwu Timur, the rest anywhere in the country. Everyone
    lives in a desa of Luwu Timur and has an occupation, a wage and a start date (TMT).
    """
    born_from, born_to = dt.date(1968, 1, 1), dt.date(2004, 6, 30)
    start_from, start_to = dt.date(2023, 1, 1), dt.date(2026, 11, 1)
    col = pl.col
    frame = (
        pl.DataFrame({"i": pl.int_range(0, n, eager=True)})
        .with_columns(
            district=pl.when(_rand(1, 100) < 75)
            .then(_pick(2, reg.lt_districts))
            .otherwise(_pick(3, reg.districts)),
            sex=pl.when(_rand(4, 2) == 0).then(pl.lit("L")).otherwise(pl.lit("P")),
            birth_date=pl.lit(born_from)
            + pl.duration(days=_rand(5, (born_to - born_from).days + 1)),
            name=pl.when(_rand(6, 10) < 3)
            .then(
                pl.format(
                    "{} {} {}",
                    _pick(7, FIRST_NAMES),
                    _pick(8, MIDDLE_NAMES),
                    _pick(9, LAST_NAMES),
                )
            )
            .otherwise(pl.format("{} {}", _pick(7, FIRST_NAMES), _pick(9, LAST_NAMES))),
            desa=_pick(10, reg.lt_desa),
            occupation=_pick(11, OCCUPATIONS),
            wage=1_500_000 + 50_000 * _rand(12, 61),
            start_date=pl.lit(start_from)
            + pl.duration(days=_rand(13, (start_to - start_from).days + 1)),
        )
        .with_columns(
            sequence=pl.int_range(1, pl.len() + 1).over("district", "birth_date", "sex"),
        )
    )
    assert frame.get_column("sequence").max() < 10_000  # type: ignore[operator]
    day = col("birth_date").dt.day().cast(pl.Int32) + pl.when(col("sex") == "P").then(40).otherwise(
        0
    )
    return frame.with_columns(
        nik=pl.concat_str(
            col("district").str.replace_all(".", "", literal=True),
            day.cast(pl.String).str.zfill(2),
            col("birth_date").dt.strftime("%m%y"),
            col("sequence").cast(pl.String).str.zfill(4),
        )
    ).drop("sequence")


def file_rows(pop: pl.DataFrame, ranges: list[tuple[int, int]], seed: int) -> pl.DataFrame:
    """The people of ``ranges`` in shuffled order, with the changes a new file brings."""
    col = pl.col
    picked = pl.concat([pop.slice(a, b - a) for a, b in ranges])
    return (
        picked.with_columns(
            wage=pl.when(col("i").is_between(*CSV_WAGE_CHANGED, closed="left"))
            .then(col("wage") + 100_000)
            .otherwise(col("wage")),
            name=pl.when(col("i").is_between(*CSV_NAME_CHANGED, closed="left"))
            .then(pl.format("{} {}", col("name"), pl.lit(EXTRA_NAME)))
            .otherwise(col("name")),
        )
        .sort(col("i").hash(seed=seed))
        .with_row_index("pos")
    )


def faults(rows: pl.DataFrame, reg: Regions, seed: int) -> pl.DataFrame:
    """Rendered cells (text, as an operator types them), about 2% faulty rows.

    ``fault``: null or one of nik, sex, date, duplicate, desa, wage. Date and wage cells come both
    as CSV text and as XLSX values (Excel serial day numbers and numbers).
    """
    col = pl.col
    kinds = ["nik", "sex", "date", "duplicate", "desa", "wage"]
    serial = lambda c: (col(c) - pl.lit(dt.date(1899, 12, 30))).dt.total_days()  # noqa: E731
    dmy = lambda c: col(c).dt.strftime("%d-%m-%Y")  # noqa: E731
    dotted = (
        col("wage")
        .cast(pl.String)
        .str.reverse()
        .str.replace_all(r"(\d{3})", "$1.")
        .str.reverse()
        .str.strip_prefix(".")
    )
    out = rows.with_columns(
        fault=pl.when(_rand(seed, 1000, "pos") < FAULTY_PER_MILLE).then(
            _pick(seed + 1, kinds, "pos")
        ),
        variant=_rand(seed + 2, 10, "pos"),
    )
    fault = col("fault").fill_null("")
    out = out.with_columns(
        c_nik=pl.when(fault != "nik")
        .then(col("nik"))
        .when(col("variant") < 4)
        .then(col("nik").str.slice(0, 15))  # a digit lost
        .when(col("variant") < 7)
        .then(pl.format("{}.{}E+15", col("nik").str.slice(0, 1), col("nik").str.slice(1, 5)))
        .otherwise(pl.concat_str(col("nik").str.slice(0, 6), pl.lit("O"), col("nik").str.slice(7))),
        c_name=col("name"),
        c_sex=pl.when(fault == "sex")
        .then(pl.when(col("sex") == "L").then(pl.lit("P")).otherwise(pl.lit("L")))
        .when(col("variant") == 0)
        .then(pl.when(col("sex") == "L").then(pl.lit("Laki-laki")).otherwise(pl.lit("Perempuan")))
        .otherwise(col("sex")),
        c_birth=pl.when(fault == "date")
        .then(
            pl.format(
                "{}-{}",
                pl.when(col("variant") < 5).then(pl.lit("31-02")).otherwise(pl.lit("30-13")),
                col("birth_date").dt.year(),
            )
        )
        .when(col("variant") == 1)
        .then(col("birth_date").dt.strftime("%Y-%m-%d"))
        .otherwise(dmy("birth_date")),
        x_birth=pl.when(fault != "date").then(serial("birth_date")),
        c_desa=pl.when(fault == "desa")
        .then(_pick(seed + 3, reg.outside_desa, "pos"))
        .when((col("variant") == 2) & col("desa").is_in(list(reg.lt_desa_unique_names)))
        .then(col("desa").replace_strict(reg.lt_desa_unique_names, default=col("desa")))
        .otherwise(col("desa")),
        c_occupation=col("occupation"),
        x_wage=pl.when(fault == "wage").then(-col("wage")).otherwise(col("wage")),
        c_wage=pl.when(fault == "wage")
        .then(pl.format("-{}", dotted))
        .when(col("variant") < 6)
        .then(dotted)
        .otherwise(col("wage").cast(pl.String)),
        c_start=dmy("start_date"),
        x_start=serial("start_date"),
    )
    # A duplicated row: the operator pasted the row above twice.
    cells = [c for c in out.columns if c.startswith(("c_", "x_"))]
    return out.with_columns(
        [
            pl.when(fault == "duplicate").then(col(c).shift(1)).otherwise(col(c)).alias(c)
            for c in cells
        ]
    )


def csv_bytes(cells: pl.DataFrame, unit_name: str, *, title: bool = True) -> bytes:
    body = cells.select(
        pl.col("c_nik").alias(HEADER[0]),
        pl.col("c_name").alias(HEADER[1]),
        pl.col("c_sex").alias(HEADER[2]),
        pl.col("c_birth").alias(HEADER[3]),
        pl.col("c_desa").alias(HEADER[4]),
        pl.col("c_occupation").alias(HEADER[5]),
        pl.col("c_wage").alias(HEADER[6]),
        pl.col("c_start").alias(HEADER[7]),
    ).write_csv(separator=";")
    lines = "\n".join(TITLE).format(unit=unit_name.upper()) + "\n" if title else ""
    return lines.encode() + body.encode()


def canonical_csv(rows: pl.DataFrame) -> bytes:
    """The same people as typed columns, for the plain COPY yardstick."""
    return (
        rows.select("nik", "name", "sex", "birth_date", "desa", "occupation", "wage", "start_date")
        .write_csv(include_header=False, date_format="%Y-%m-%d")
        .encode()
    )


def xlsx_file(cells: pl.DataFrame, path: Path, unit_name: str) -> None:
    """XLSX as Excel saves it: NIK as text cells, dates as date cells, wages as numbers."""
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("Data")
    date = book.add_format({"num_format": "dd-mm-yyyy"})
    money = book.add_format({"num_format": "#,##0"})
    bold = book.add_format({"bold": True})
    sheet.write_string(0, 0, TITLE[0].format(unit=unit_name.upper()), bold)
    sheet.write_string(1, 0, TITLE[1])
    header_row = 3
    for c, text in enumerate(HEADER):
        sheet.write_string(header_row, c, text, bold)
    frame = cells.select(
        "c_nik",
        "name",
        "c_sex",
        "x_birth",
        "c_birth",
        "c_desa",
        "c_occupation",
        "x_wage",
        "x_start",
    )
    write_string, write_number = sheet.write_string, sheet.write_number
    for r, (nik, name, sex, birth, birth_text, desa, job, wage, start) in enumerate(
        frame.iter_rows(), start=header_row + 1
    ):
        write_string(r, 0, nik)
        write_string(r, 1, name)
        write_string(r, 2, sex)
        if birth is None:
            write_string(r, 3, birth_text)
        else:
            write_number(r, 3, birth, date)
        write_string(r, 4, desa)
        write_string(r, 5, job)
        write_number(r, 6, wage, money)
        write_number(r, 7, start, date)
    book.close()


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


def _copy(table: str, columns: list[str], payload: bytes) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        step = 1 << 20
        for i in range(0, len(payload), step):
            copy.write(payload[i : i + step])


def _bulk_load(table: str, columns: list[str], payload: bytes) -> None:
    """COPY into ``table`` with its secondary indexes dropped and rebuilt afterwards (setup only).

    Rebuilding an index once is several times cheaper than maintaining it row by row; unique and
    exclusion constraints are dropped and added back under their own names, so the schema ends
    exactly as the migrations left it.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
            "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
            "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
            [table],
        )
        definitions = cursor.fetchall()
        for index, _, constraint, _ in definitions:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
            else:
                cursor.execute(f"DROP INDEX {index}")
        _copy(table, columns, payload)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys are checked here
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, index_sql, constraint, constraint_sql in definitions:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_sql}")
            else:
                cursor.execute(index_sql)


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
    _bulk_load(
        Person._meta.db_table,
        people.columns,
        people.write_csv(include_header=False, date_format="%Y-%m-%d").encode(),
    )
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
    _bulk_load(
        Membership._meta.db_table,
        all_memberships.columns,
        all_memberships.write_csv(
            include_header=False, date_format="%Y-%m-%d", null_value="\\N"
        ).encode(),
    )
    with connection.cursor() as cursor:
        for model in (Person, Membership):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608
                [table],
            )
            cursor.execute(f"VACUUM ANALYZE {table}")
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


def plain_copy(canonical: bytes) -> float:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        cursor.execute(
            f"""CREATE TABLE {COPY_TABLE} (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                nik varchar(16) COLLATE "C" NOT NULL UNIQUE,
                name varchar(150) NOT NULL,
                sex varchar(1) NOT NULL,
                birth_date date NOT NULL,
                desa varchar(13) COLLATE "C",
                occupation varchar(120),
                wage numeric(15, 0),
                start_date date)"""
        )
        cursor.execute(f"CREATE INDEX ON {COPY_TABLE} (name)")
    columns = ["nik", "name", "sex", "birth_date", "desa", "occupation", "wage", "start_date"]
    start = time.perf_counter()
    with transaction.atomic():
        _copy(COPY_TABLE, columns, canonical)
    elapsed = time.perf_counter() - start
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {COPY_TABLE}")
    return elapsed


# --------------------------------------------------------------------------------------------
# The whole intake, with its phases


@dataclass
class IntakeRun:
    rows: int
    seconds: float
    phases: list[tuple[str, float]]
    calls: dict[str, float]
    statements: list[tuple[float, str]]
    batch: Any
    written: dict[str, int]
    memory: MemoryPeak | None = None


_TIMED_CALLS = [
    ("cakupan.intake.services", "store_upload", "store: sha256 + save file"),
    ("cakupan.intake.services", "read_upload", "read: load stored file"),
    ("cakupan.intake.readers", "read_upload", "read: parse (readers.read_upload)"),
    ("cakupan.intake.services", "build_context", "validate: build_context"),
    ("cakupan.intake.services", "validate", "validate: validation.validate"),
    ("cakupan.intake.registry_stage", "stage_rows", "registry: stage_rows (COPY + ANALYZE)"),
    ("cakupan.intake.registry_stage", "match_rows", "registry: match_rows (one join, ids)"),
    ("cakupan.intake.services", "_registry_issues", "registry: holders + names"),
    ("cakupan.intake.registry_stage", "drop_rows", "registry: drop_rows"),
    ("cakupan.intake.registry_stage", "classify", "registry: classify"),
    ("cakupan.intake.registry_stage", "write", "write: registry_stage.write"),
    ("cakupan.intake.services", "_save_issues", "write: _save_issues"),
]


@contextmanager
def _instrumented() -> Iterator[tuple[dict[str, float], list[tuple[float, str]]]]:
    """Time the service's steps (by wrapping them in this process only) and every SQL statement."""
    import importlib

    calls: dict[str, float] = {}
    statements: list[tuple[float, str]] = []
    saved = []
    for module_name, attr, label in _TIMED_CALLS:
        module = importlib.import_module(module_name)
        original = getattr(module, attr)

        def wrapped(*a: Any, __f: Callable[..., Any] = original, __l: str = label, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return __f(*a, **k)
            finally:
                calls[__l] = calls.get(__l, 0.0) + time.perf_counter() - t

        saved.append((module, attr, original))
        setattr(module, attr, wrapped)

    def sql_timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - t, " ".join(sql.split())))

    wrapper = connections[DEFAULT_DB_ALIAS]
    commit = wrapper.commit

    def timed_commit() -> None:
        t = time.perf_counter()
        try:
            commit()
        finally:
            label = "write: COMMIT (deferred FK checks)"
            calls[label] = calls.get(label, 0.0) + time.perf_counter() - t

    wrapper.commit = timed_commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(sql_timer):
            yield calls, statements
    finally:
        del wrapper.commit
        for module, attr, original in saved:
            setattr(module, attr, original)


def run_intake(unit: Any, data: bytes, file_name: str) -> IntakeRun:
    from cakupan.accounts.audit import Actor
    from cakupan.intake import services

    actor = Actor.system(source="cli", label="bench")
    marks: list[tuple[str, float]] = []

    def progress(phase: str, done: int, total: int) -> None:
        marks.append((phase, time.perf_counter()))

    with _instrumented() as (calls, statements), measure_memory() as peak:
        start = time.perf_counter()
        batch = services.batch_create(
            actor=actor, unit=unit, segment=SEGMENT, file_name=file_name, data=data
        )
        marks.append(("store", start))
        outcome = services.batch_process(
            batch=batch, actor=actor, commit=True, today=TODAY, progress=progress
        )
        end = time.perf_counter()
    names = {
        "store": "store (batch_create)",
        "reading": "read",
        "validating": "validate",
        "checking_registry": "stage + registry checks",
        "writing": "write + audit + commit",
    }
    marks.sort(key=lambda m: m[1])
    phases = [
        (names.get(phase, phase), (marks[i + 1][1] if i + 1 < len(marks) else end) - t)
        for i, (phase, t) in enumerate(marks)
    ]
    return IntakeRun(
        rows=outcome.batch.rows,
        seconds=end - start,
        phases=phases,
        calls=calls,
        statements=statements,
        batch=outcome.batch,
        written=outcome.written,
        memory=peak,
    )


def describe(run: IntakeRun, label: str) -> None:
    b = run.batch
    detail(
        f"{label}: {b.rows:,} rows, {b.accepted:,} accepted, {b.rejected:,} rejected; "
        f"{b.new:,} new, {b.changed:,} changed, {b.unchanged:,} unchanged; written {run.written}"
    )
    issues = ", ".join(
        f"{k} {v:,}" for k, v in sorted(b.issue_counts.items(), key=lambda kv: -kv[1])
    )
    detail(f"{label} issues: {issues}")
    for name, seconds in run.phases:
        detail(f"{label} phase {name:<28} {seconds:7.2f} s  {100 * seconds / run.seconds:4.0f}%")
    for name, seconds in run.calls.items():
        detail(f"{label}   {name:<40} {seconds:7.2f} s")
    writing = dict(run.phases).get("write + audit + commit", 0.0)
    rest = writing - sum(v for k, v in run.calls.items() if k.startswith("write:"))
    detail(f"{label}   {'write: rest (batch row, issue counts)':<40} {rest:7.2f} s")
    for seconds, text in sorted(run.statements, reverse=True)[:10]:
        if seconds >= 0.05:
            detail(f"{label}   SQL {seconds:6.2f} s  {text[:110]}")


# --------------------------------------------------------------------------------------------
# The plain Django path: a Form per row, then bulk_create / bulk_update, audit via bulk_create

_DATE_FORMATS = ["%d-%m-%Y", "%Y-%m-%d", "%d/%m/%Y"]
_WAGE_TEXT = re.compile(r"^(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)$")
_SEX = {"l": "L", "laki-laki": "L", "p": "P", "perempuan": "P"}
FORM_FIELDS = ["nik", "name", "sex", "birth_date", "desa", "occupation", "wage", "start_date"]


class ParticipantForm(forms.Form):
    """One row of the file, checked the way a plain Django view would check it."""

    nik = forms.CharField(max_length=40)
    name = forms.CharField(max_length=150)
    sex = forms.CharField(max_length=20)
    birth_date = forms.DateField(input_formats=_DATE_FORMATS)
    desa = forms.CharField(max_length=100)
    occupation = forms.CharField(max_length=120)
    wage = forms.CharField(max_length=30)
    start_date = forms.DateField(input_formats=_DATE_FORMATS)

    def __init__(self, *args: Any, lookups: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookups = lookups

    def clean_sex(self) -> str:
        value = _SEX.get(self.cleaned_data["sex"].strip().lower())
        if value is None:
            raise forms.ValidationError("Jenis kelamin harus L atau P.")
        return value

    def clean_desa(self) -> str:
        text = self.cleaned_data["desa"].strip()
        area: dict[str, str] = self.lookups["area"]
        if text in area:
            return text
        code = self.lookups["area_names"].get(text.lower())
        if code is None:
            raise forms.ValidationError("Desa/kelurahan di luar wilayah unit ini.")
        return str(code)

    def clean_occupation(self) -> int:
        pk = self.lookups["occupations"].get(self.cleaned_data["occupation"].strip().lower())
        if pk is None:
            raise forms.ValidationError("Pekerjaan tidak dikenal.")
        return int(pk)

    def clean_wage(self) -> int:
        text = self.cleaned_data["wage"].strip()
        if not _WAGE_TEXT.match(text):
            raise forms.ValidationError("Upah bukan jumlah rupiah yang valid.")
        value = int(text.replace(".", ""))
        if not 100_000 <= value <= 200_000_000:
            raise forms.ValidationError("Upah di luar batas.")
        return value

    def clean(self) -> dict[str, Any]:
        from cakupan.common.nik import parse_nik

        data = super().clean() or {}
        if "nik" in data:
            result = parse_nik(
                data["nik"], sex=data.get("sex"), birth_date=data.get("birth_date"), today=TODAY
            )
            if result.valid:
                data["nik"] = result.nik
            else:
                self.add_error("nik", [e.message for e in result.errors])
        born, start = data.get("birth_date"), data.get("start_date")
        if born and start:
            age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
            if not 18 <= age <= 60:
                self.add_error("birth_date", "Umur di luar batas.")
        return data


def _batched(items: list[Any], size: int = 5000) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def django_path(
    text: str, unit: Any, occupation_ids: dict[str, int], reg: Regions
) -> dict[str, int]:
    """Read ``text`` (header + rows), a Form per row, then the ORM's bulk calls for what is accepted.

    Does the same work as the intake, the plain way: duplicate NIKs in the file, people already in
    the registry (updated when their data differ), memberships elsewhere in the same segment
    (rejected), new or changed memberships of the unit, and an audit row for every write.
    """
    from django.db.models import Q

    from cakupan.accounts.audit import Actor, diff, snapshot
    from cakupan.accounts.models import AuditEvent
    from cakupan.intake.registry_stage import HOLDING_STATUSES
    from cakupan.registry.models import Membership, Person

    actor = Actor.system(source="cli", label="bench")
    note = "impor bench (Django forms)"
    lookups = {
        "area": set(reg.lt_desa),
        "area_names": {n.lower(): c for c, n in reg.lt_desa_unique_names.items()},
        "occupations": {k.lower(): v for k, v in occupation_ids.items()},
    }
    keys = dict(zip(HEADER, FORM_FIELDS, strict=True))
    accepted: list[dict[str, Any]] = []
    seen: set[str] = set()
    rejected = 0
    for row in csv.DictReader(io.StringIO(text), delimiter=";"):
        form = ParticipantForm({keys[k]: v for k, v in row.items()}, lookups=lookups)
        if not form.is_valid() or form.cleaned_data["nik"] in seen:
            rejected += 1
            continue
        seen.add(form.cleaned_data["nik"])
        accepted.append(form.cleaned_data)

    existing: dict[str, Person] = {}
    for chunk in _batched([d["nik"] for d in accepted]):
        existing.update(Person.objects.in_bulk(chunk, field_name="nik"))
    own: dict[int, Membership] = {}
    elsewhere: set[int] = set()
    holding = Q(status__in=list(HOLDING_STATUSES)) & (
        Q(end_date__isnull=True) | Q(end_date__gte=TODAY)
    )
    for chunk in _batched([p.pk for p in existing.values()]):
        for m in Membership.objects.filter(holding, person_id__in=chunk):
            if m.unit_id == unit.pk and m.segment == SEGMENT:
                own[m.person_id] = m
            elif m.segment == SEGMENT:
                elsewhere.add(m.person_id)

    now = timezone.now()
    new_people: list[Person] = []
    changed_people: list[tuple[Person, dict[str, Any], dict[str, Any]]] = []
    new_memberships: list[tuple[Person, Membership]] = []
    changed_memberships: list[tuple[Membership, dict[str, Any], dict[str, Any]]] = []
    for data in accepted:
        person = existing.get(data["nik"])
        if person is not None and person.pk in elsewhere:
            rejected += 1
            continue
        if person is None:
            person = Person(
                nik=data["nik"],
                name=data["name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                domicile_id=data["desa"],
            )
            new_people.append(person)
        else:
            before = snapshot(person, Person.AUDITED_FIELDS)
            person.name, person.sex, person.birth_date = (
                data["name"],
                data["sex"],
                data["birth_date"],
            )
            person.domicile_id = data["desa"]
            person.updated_at = now
            old, new = diff(before, snapshot(person, Person.AUDITED_FIELDS))
            if new:
                changed_people.append((person, old, new))
        values = {
            "occupation_id": data["occupation"],
            "funding_source": "apbd_kabkota",
            "scheme": "pu",
            "programmes": ["jkk", "jkm"],
            "wage": Decimal(data["wage"]),
            "risk_class": 1,
        }
        membership = own.get(person.pk) if person.pk else None
        if membership is None:
            membership = Membership(
                unit_id=unit.pk,
                segment=SEGMENT,
                start_date=data["start_date"],
                status="draft",
                **values,
            )
            new_memberships.append((person, membership))
        else:
            before = snapshot(membership, Membership.AUDITED_FIELDS)
            for name, value in values.items():
                setattr(membership, name, value)
            membership.updated_at = now
            old, new = diff(before, snapshot(membership, Membership.AUDITED_FIELDS))
            if new:
                changed_memberships.append((membership, old, new))

    Person.objects.bulk_create(new_people, batch_size=5000)
    Person.objects.bulk_update(
        [p for p, _, _ in changed_people],
        ["name", "sex", "birth_date", "domicile", "updated_at"],
        batch_size=5000,
    )
    for person, membership in new_memberships:
        membership.person = person
    Membership.objects.bulk_create([m for _, m in new_memberships], batch_size=5000)
    Membership.objects.bulk_update(
        [m for m, _, _ in changed_memberships],
        [
            "occupation",
            "funding_source",
            "scheme",
            "programmes",
            "wage",
            "risk_class",
            "updated_at",
        ],
        batch_size=5000,
    )

    def event(action: str, entity: str, pk: int, before: Any, after: Any) -> AuditEvent:
        return AuditEvent(
            actor=None,
            actor_label=actor.name,
            source=actor.source,
            action=action,
            entity=entity,
            entity_id=str(pk),
            before=before,
            after=after,
            note=note,
        )

    events = (
        [
            event("create", "registry.person", p.pk, None, snapshot(p, Person.AUDITED_FIELDS))
            for p in new_people
        ]
        + [event("update", "registry.person", p.pk, old, new) for p, old, new in changed_people]
        + [
            event(
                "create", "registry.membership", m.pk, None, snapshot(m, Membership.AUDITED_FIELDS)
            )
            for _, m in new_memberships
        ]
        + [
            event("update", "registry.membership", m.pk, old, new)
            for m, old, new in changed_memberships
        ]
    )
    AuditEvent.objects.bulk_create(events, batch_size=5000)
    return {
        "rejected": rejected,
        "persons_created": len(new_people),
        "persons_updated": len(changed_people),
        "memberships_created": len(new_memberships),
        "memberships_updated": len(changed_memberships),
    }


# --------------------------------------------------------------------------------------------
# The benchmark


def bench_intake() -> dict[str, Any]:
    """Preload, generate, then measure COPY, Django forms, CSV intake and XLSX intake in one run."""
    from cakupan.accounts.models import AuditEvent
    from cakupan.registry.models import Membership, Person

    started = time.perf_counter()
    reg = regions()
    pop = population(reg)
    setup = preload(pop, reg)
    detail(
        f"registry preloaded by COPY in {setup.seconds:.1f} s: {setup.counts['people']:,} people, "
        f"{setup.counts['memberships']:,} memberships (not timed)"
    )

    _WORK.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        csv_rows = file_rows(pop, [(0, CSV_EXISTING), CSV_NEW], seed=31)
        csv_cells = faults(csv_rows, reg, seed=41)
        csv_data = csv_bytes(csv_cells, setup.csv_unit.name)
        canonical = canonical_csv(csv_rows)
        forms_text = csv_bytes(csv_cells.head(FORMS_ROWS), "", title=False).decode()
        xlsx_rows = file_rows(pop, [XLSX_EXISTING, XLSX_NEW], seed=32)
        xlsx_cells = faults(xlsx_rows, reg, seed=51)
        xlsx_path = _WORK / "pegawai-dinkes.xlsx"
        xlsx_file(xlsx_cells, xlsx_path, setup.xlsx_unit.name)
        csv_faulty = csv_cells.get_column("fault").drop_nulls().value_counts(sort=True)
        detail(
            f"files generated in {time.perf_counter() - t:.1f} s (not timed): CSV "
            f"{csv_cells.height:,} rows, {mib(len(csv_data))}, faulty rows "
            + ", ".join(f"{k} {v:,}" for k, v in csv_faulty.iter_rows())
            + f"; XLSX {xlsx_cells.height:,} rows, {mib(xlsx_path.stat().st_size)}, faulty rows "
            f"{xlsx_cells.get_column('fault').drop_nulls().len():,}"
        )
        del pop, csv_rows, csv_cells, xlsx_rows, xlsx_cells
        gc.collect()

        copy_seconds = plain_copy(canonical)
        del canonical

        forms_seconds, forms_counts = rolled_back(
            lambda: django_path(forms_text, setup.csv_unit, setup.occupation_ids, reg)
        )
        t = time.perf_counter()
        with connection.cursor() as cursor:  # the rolled-back rows leave dead tuples behind
            for model in (Person, Membership, AuditEvent):
                cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
        detail(f"VACUUM ANALYZE after the rolled-back Django path: {time.perf_counter() - t:.1f} s")

        storage = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(_WORK / "files")},
            },
        }
        # A 1,000,000-row CSV is about 85 MB: above the 50 MB default upload limit.
        with override_settings(INTAKE_MAX_UPLOAD_BYTES=512 * 2**20, STORAGES=storage):
            csv_run = run_intake(setup.csv_unit, csv_data, "pegawai-non-asn-2026.csv")
            del csv_data
            xlsx_data = xlsx_path.read_bytes()
            xlsx_run = run_intake(setup.xlsx_unit, xlsx_data, "pegawai-dinkes-2026.xlsx")
            del xlsx_data
    finally:
        shutil.rmtree(_WORK, ignore_errors=True)

    results = {
        "csv": line(
            "intake CSV, whole (read..audit)",
            csv_run.rows,
            csv_run.seconds,
            "plain COPY",
            copy_seconds,
        ),
        "xlsx": line(
            "intake XLSX, whole (read..audit)",
            xlsx_run.rows,
            xlsx_run.seconds,
            "target",
            TARGET_XLSX_SECONDS * xlsx_run.rows / XLSX_ROWS,
        ),
        "forms": line(
            "intake CSV, per 100k-row slice",
            FORMS_ROWS,
            csv_run.seconds * FORMS_ROWS / csv_run.rows,
            "Django forms+bulk_create",
            forms_seconds,
        ),
    }
    over_copy = csv_run.seconds / copy_seconds
    detail(f"CSV intake / plain COPY of the same rows: {over_copy:.1f}x")
    detail(f"Django forms path on {FORMS_ROWS:,} rows: {forms_counts}")
    describe(csv_run, "CSV")
    describe(xlsx_run, "XLSX")
    peaks = {}
    for label, run in (("CSV", csv_run), ("XLSX", xlsx_run)):
        m = run.memory
        assert m is not None
        peaks[label] = m
        detail(
            f"{label} memory: this process {mib(m.process_start)} before, peak {mib(m.process_peak)}; "
            f"PostgreSQL peak {mib(m.pg_pss_peak)} PSS ({mib(m.pg_rss_peak)} RSS summed), "
            f"{m.samples} samples"
        )
    csv_mem = peaks["CSV"]
    rows_per_s = csv_run.rows / csv_run.seconds
    targets = [
        (
            f"CSV >= {TARGET_CSV_ROWS_PER_S:,} rows/s end to end",
            f"{rows_per_s:,.0f} rows/s",
            rows_per_s >= TARGET_CSV_ROWS_PER_S,
        ),
        (
            f"CSV <= {TARGET_CSV_OVER_COPY:g}x plain COPY",
            f"{over_copy:.1f}x",
            over_copy <= TARGET_CSV_OVER_COPY,
        ),
        (
            f"XLSX {XLSX_ROWS:,} rows <= {TARGET_XLSX_SECONDS:g} s",
            f"{xlsx_run.seconds:.1f} s",
            xlsx_run.seconds <= TARGET_XLSX_SECONDS,
        ),
        (
            "peak memory <= 2 GiB (intake process)",
            mib(csv_mem.process_peak),
            csv_mem.process_peak <= TARGET_PEAK_BYTES,
        ),
        (
            "peak memory <= 2 GiB (process + PostgreSQL PSS)",
            mib(csv_mem.process_peak + csv_mem.pg_pss_peak),
            csv_mem.process_peak + csv_mem.pg_pss_peak <= TARGET_PEAK_BYTES,
        ),
    ]
    for name, value, ok in targets:
        verdict(name, value, ok)
    detail(f"intake benchmark took {time.perf_counter() - started:.0f} s in all")
    return {
        **results,
        "over_copy": over_copy,
        "phases": csv_run.phases,
        "targets": {name: ok for name, _, ok in targets},
    }
