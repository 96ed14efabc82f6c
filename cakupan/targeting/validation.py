"""Checking a DTSEN/P3KE list: the intake readers' sheet in, accepted people and located issues out.

Pure (polars, no database): what the checks need from the registry comes in a :class:`Context`.
Columns are found as intake finds them (``intake.headers.map_headers``: NIK, Nama, Desa/kelurahan,
Tanggal lahir, Jenis kelamin, Pekerjaan, Nomor KK) plus the two columns only these lists have:
``Desil`` and the household id (``ID keluarga``, when there is no Nomor KK). Cells are checked by
the intake column validators (``intake.columns``: NIK exactly as ``common.nik``, dates, sex, KK,
duplicate NIKs, desa codes), so a bad row is reported exactly like an enrolment row: row number,
column, field, code, message, severity.

Required: NIK, Nama, Desa/kelurahan, Desil, Tanggal lahir. Jenis kelamin may be left out: the NIK
tells it. Age is not judged here: the plan judges it on 1 January of the plan year.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import polars as pl

from cakupan.intake import columns as C
from cakupan.intake.headers import map_headers, normalise_header
from cakupan.intake.readers import Sheet
from cakupan.intake.schema import FIELD_LABELS, Field, FileIssue, RowIssue, file_error

ROW = C.ROW
DESIL = "desil"
HOUSEHOLD = "household"
DESIL_INVALID = "desil_invalid"
OCCUPATION_UNLISTED = "occupation_unlisted"
# Issues that keep the row (the person is still a candidate).
WARNINGS = frozenset({OCCUPATION_UNLISTED})

_DESIL_HEADERS = frozenset(
    {
        "desil",
        "desil kesejahteraan",
        "peringkat desil",
        "kelompok desil",
        "desil dtsen",
        "desil p3ke",
        "status desil",
        "status kesejahteraan",
        "peringkat kesejahteraan",
    }
)
_HOUSEHOLD_HEADERS = frozenset(
    {
        "id keluarga",
        "id kk",
        "id rumah tangga",
        "id rt",
        "kode keluarga",
        "nomor keluarga",
        "id keluarga p3ke",
        "id keluarga dtsen",
    }
)
_NON_ALNUM = r"[^0-9a-z]+"
REQUIRED = (Field.NIK, Field.NAME, Field.DESA, Field.BIRTH_DATE)
LABELS = {**{str(f): label for f, label in FIELD_LABELS.items()}, DESIL: "Desil"}


def normalise_label(text: str) -> str:
    """Lower case, runs of anything but letters and digits as one space (as intake matches)."""
    return re.sub(_NON_ALNUM, " ", text.lower()).strip()


@dataclass(frozen=True)
class Context:
    region_code: str
    region_name: str
    today: dt.date
    area_desa: Mapping[str, str]  # desa/kelurahan of the region: code -> name
    known_desa: Collection[str]  # every desa/kelurahan code
    province_codes: Collection[str]
    regency_codes: Collection[str]
    district_codes: Collection[str]
    occupations: Mapping[str, int]  # normalised code or name -> occupation id


@dataclass(frozen=True)
class Checked:
    """``clean``: the accepted people; ``issues``: every problem, located as intake locates it."""

    clean: pl.DataFrame
    issues: pl.DataFrame  # row_number, column, field, code, message, severity
    rows: int
    rejected: int


def _find(headers: list[str], names: frozenset[str]) -> str | None:
    for header in headers:
        if normalise_header(header) in names:
            return header
    return None


def _text(sheet: Sheet, header: str | None) -> pl.Series:
    if header is None:
        return pl.Series([None] * sheet.frame.height, dtype=pl.String)
    return sheet.frame.get_column(header).cast(pl.String)


def _name(raw: pl.Series) -> C.Validated:
    frame = (
        pl.DataFrame({"raw": raw})
        .with_row_index(ROW)
        .with_columns(name=pl.col("raw").str.replace_all(r"[\s\u00a0]+", " ").str.strip_chars())
    )
    checks = [
        C.Check(RowIssue.REQUIRED, pl.col("name").fill_null("") == "", pl.lit("Nama wajib diisi.")),
        C.Check(
            RowIssue.NAME_INVALID,
            pl.col("name").str.contains(r"[0-9=<>@#$%^*_{}\[\]|\\]")
            | (pl.col("name").str.len_chars() > 150),
            pl.format(
                'Nama "{}" berisi angka atau tanda yang tidak lazim, atau terlalu panjang.',
                pl.col("name").str.slice(0, 60),
            ),
        ),
    ]
    return C.Validated(frame.select("name"), C.issues_from_checks(frame, Field.NAME, checks))


def _desil(raw: pl.Series) -> C.Validated:
    """1 to 10, also written ``Desil 1``, ``D1`` or ``1.0``."""
    frame = (
        pl.DataFrame({"raw": raw})
        .with_row_index(ROW)
        .with_columns(text=pl.col("raw").str.strip_chars().str.to_lowercase())
        .with_columns(
            number=pl.col("text")
            .str.replace(r"^(?:desil|d)\s*", "")
            .str.replace(r"\.0+$", "")
            .cast(pl.Int16, strict=False)
        )
    )
    valid = pl.col("number").is_between(1, 10).fill_null(value=False)
    checks = [
        C.Check(
            RowIssue.REQUIRED, pl.col("text").fill_null("") == "", pl.lit("Desil wajib diisi.")
        ),
        C.Check(
            DESIL_INVALID,
            (pl.col("text").fill_null("") != "") & ~valid,
            pl.format('Desil harus angka 1 sampai 10, bukan "{}".', pl.col("raw")),
        ),
    ]
    values = frame.select(pl.when(valid).then(pl.col("number")).alias(DESIL))
    return C.Validated(values, C.issues_from_checks(frame, DESIL, checks))


def _desa(raw: pl.Series, ctx: Context) -> C.Validated:
    """By Kemendagri code anywhere, or by name inside the region; outside the region is an error."""
    return C.desa_by_code_or_name(
        raw,
        known_desa=ctx.known_desa,
        area_desa=ctx.area_desa,
        area=ctx.region_name,
        outside=f"wilayah {ctx.region_name} ({ctx.region_code})",
        required=True,
    )


def _occupation(raw: pl.Series, ctx: Context) -> C.Validated:
    """Known occupations by code or name; other text is kept as written (a warning)."""
    keys = pl.DataFrame(
        {"key": list(ctx.occupations), "occupation_id": list(ctx.occupations.values())},
        schema={"key": pl.String, "occupation_id": pl.Int64},
    )
    frame = (
        pl.DataFrame({"raw": raw})
        .with_row_index(ROW)
        .with_columns(text=pl.col("raw").str.replace_all(r"\s+", " ").str.strip_chars())
        .with_columns(
            key=pl.col("text").str.to_lowercase().str.replace_all(_NON_ALNUM, " ").str.strip_chars()
        )
        .join(keys, on="key", how="left", maintain_order="left")
    )
    checks = [
        C.Check(
            OCCUPATION_UNLISTED,
            (pl.col("text").fill_null("") != "") & pl.col("occupation_id").is_null(),
            pl.format(
                'Pekerjaan "{}" tidak ada di daftar pekerjaan; disimpan apa adanya.', pl.col("text")
            ),
        )
    ]
    values = frame.select("occupation_id", pl.col("text").fill_null("").str.slice(0, 120))
    return C.Validated(values, C.issues_from_checks(frame, Field.OCCUPATION, checks))


def check_list(sheet: Sheet, ctx: Context) -> Checked:
    """Every check of a DTSEN/P3KE sheet, vectorised over all rows (see the module docstring).

    Raises ``FileError`` (``file_missing_columns``) when a required column is not found.
    """
    mapping = map_headers(sheet.headers)
    desil_header = _find(sheet.headers, _DESIL_HEADERS)
    household_header = mapping.columns.get(Field.KK_NUMBER) or _find(
        sheet.headers, _HOUSEHOLD_HEADERS
    )
    missing = [FIELD_LABELS[f] for f in REQUIRED if f not in mapping.columns]
    if desil_header is None:
        missing.append("Desil")
    if missing:
        raise file_error(FileIssue.MISSING_COLUMNS, columns=", ".join(missing))

    def get(f: Field) -> pl.Series:
        return _text(sheet, mapping.columns.get(f))

    parts: list[C.Validated] = []
    birth_text = get(Field.BIRTH_DATE)
    if mapping.combined_place_date is not None:
        split = C.split_place_date(birth_text)
        parts.append(split)
        birth_text = split.values.get_column("birth_date_text")
    name = _name(get(Field.NAME))
    sex = C.sex_column(get(Field.SEX))
    birth = C.date_column(birth_text, today=ctx.today, field=Field.BIRTH_DATE, required=True)
    nik = C.nik_columns(
        get(Field.NIK),
        today=ctx.today,
        province_codes=ctx.province_codes,
        regency_codes=ctx.regency_codes,
        district_codes=ctx.district_codes,
        sex=sex.values.get_column("sex"),
        birth_date=birth.values.get_column(str(Field.BIRTH_DATE)),
    )
    duplicates = C.duplicates_in_file(nik.values.get_column("nik"), row_numbers=sheet.row_numbers)
    desa = _desa(get(Field.DESA), ctx)
    desil = _desil(_text(sheet, desil_header))
    occupation = _occupation(get(Field.OCCUPATION), ctx)
    if household_header is not None and household_header == mapping.columns.get(Field.KK_NUMBER):
        kk = C.kk_column(_text(sheet, household_header))
        parts.append(kk)
        household = kk.values.get_column("kk_number")
    else:
        household = _text(sheet, household_header).str.strip_chars().str.slice(0, 40)
    parts += [name, sex, birth, nik, duplicates, desa, desil, occupation]

    issues = C.combine_issues(*(p.issues for p in parts)).with_columns(
        severity=pl.when(pl.col("code").is_in(list(WARNINGS)))
        .then(pl.lit("warning"))
        .otherwise(pl.col("severity"))
    )
    header_of = {str(f): h for f, h in mapping.columns.items()}
    header_of[DESIL] = str(desil_header)
    if household_header is not None:
        header_of[str(Field.KK_NUMBER)] = household_header
    located = issues.with_columns(
        row_number=sheet.row_numbers.cast(pl.UInt32).gather(issues.get_column(C.ROW_INDEX)),
        column=pl.col("field").replace_strict(header_of, default="", return_dtype=pl.String),
    )
    rejected = located.filter(pl.col("severity") == "error").get_column(C.ROW_INDEX).unique()
    clean = (
        pl.DataFrame(
            {
                "row_number": sheet.row_numbers.cast(pl.Int64),
                "nik": nik.values.get_column("nik"),
                "name": name.values.get_column("name"),
                "sex": sex.values.get_column("sex").fill_null(nik.values.get_column("nik_sex")),
                "birth_date": birth.values.get_column(str(Field.BIRTH_DATE)),
                "desa": desa.values.get_column("desa"),
                "desil": desil.values.get_column(DESIL),
                "occupation_id": occupation.values.get_column("occupation_id"),
                "occupation_text": occupation.values.get_column("text"),
                "household": household.fill_null(""),
            }
        )
        .with_row_index(C.ROW_INDEX)
        .filter(~pl.col(C.ROW_INDEX).is_in(rejected.implode()))
        .drop(C.ROW_INDEX)
    )
    return Checked(
        clean=clean,
        issues=located.select("row_number", "column", "field", "code", "message", "severity"),
        rows=sheet.frame.height,
        rejected=rejected.len(),
    )
