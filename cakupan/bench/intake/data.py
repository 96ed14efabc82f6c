"""Generated people and the files made of them: vectorised with polars, faults included."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from cakupan.bench.intake.config import (
    CSV_NAME_CHANGED,
    CSV_WAGE_CHANGED,
    EXTRA_NAME,
    FAULTY_PER_MILLE,
    FIRST_NAMES,
    HEADER,
    LAST_NAMES,
    LUWU,
    LUWU_TIMUR,
    MIDDLE_NAMES,
    OCCUPATIONS,
    POPULATION,
    TITLE,
)

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
