"""Validating a whole sheet at once: polars columns in, accepted rows and located issues out.

Pure (no Django, no database): everything the checks need from the registry comes in a
:class:`Context` built by the service. The registry-dependent checks (a NIK active elsewhere)
come later, in SQL (``registry.services.bulk``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field

import polars as pl

from cakupan.intake import columns as C
from cakupan.intake.columns import vocabulary as V
from cakupan.intake.headers import HeaderMapping
from cakupan.intake.readers import Sheet
from cakupan.intake.schema import FIELD_LABELS, Field, RowIssue

ROW = "__row"
_NON_ALNUM = r"[^0-9a-z]+"


def normalise_label(text: str) -> str:
    """Lower case, runs of anything but letters and digits as one space: how labels are matched."""
    return re.sub(_NON_ALNUM, " ", text.lower()).strip()


@dataclass(frozen=True)
class Context:
    """What validating one file for one unit needs to know."""

    segment: str
    scheme: str
    funding_source: str
    today: dt.date
    start_date: dt.date  # used where the file gives no start date
    age_limits: tuple[int, int]
    wage_bounds: Mapping[str, tuple[int, int]]  # per scheme
    province_codes: Collection[str]
    regency_codes: Collection[str]
    district_codes: Collection[str]
    known_desa: Collection[str]  # every desa/kelurahan code (dotted)
    area_desa: Mapping[str, str]  # desa/kelurahan of the unit's area: code -> name
    default_desa: str | None  # the unit's own desa, for village units
    occupations: Mapping[str, int]  # normalised code or name -> occupation id
    funding_sources: Mapping[str, str]  # normalised code or label -> code
    segments: Mapping[str, str]  # normalised code or label -> code
    schemes: Mapping[str, str]  # normalised code or label -> code
    programmes: tuple[str, ...] = ("jkk", "jkm")
    # The coded fields' vocabularies (``Field`` value -> exact keys and rules; targets are codes).
    # A field without one is matched exactly on the tables above.
    vocabularies: Mapping[str, V.Vocabulary] = field(default_factory=dict)
    # The unit's own mappings of values: ``Field`` value -> {normalised value: code or IGNORE}.
    value_memory: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    occupation_ids: Mapping[str, int] = field(default_factory=dict)  # code -> id
    occupation_other: tuple[int, str] | None = None  # the segment's "lainnya": (id, name)


@dataclass(frozen=True)
class Result:
    """``clean``: accepted rows in staging layout; ``issues``: every problem, located."""

    clean: pl.DataFrame
    issues: pl.DataFrame  # row_number, column, field, code, message, severity
    rows: int
    rejected: int
    counts: dict[str, int] = field(default_factory=dict)
    # Per coded field, its unmapped and unit-mapped values (``columns.vocabulary.distinct_values``).
    values: dict[str, list[dict[str, object]]] = field(default_factory=dict)


# Values of a coded field listed on the batch page for mapping, at most.
VALUES_LISTED = 100
_TITLE_MAX = 150  # Membership.occupation_title


def _coded(
    raw: pl.Series,
    f: Field,
    ctx: Context,
    exact: Mapping[str, str],
    code: str,
    message: str,
) -> tuple[pl.DataFrame, C.Validated, list[dict[str, object]]]:
    """Resolve a coded column through its vocabulary and the unit's mappings.

    Returns the resolution (``key``, ``target``, ``how``; see ``columns.vocabulary.resolve``), the
    warnings (``code`` on every unmapped value, ``message`` formatted with the cell's text) and the
    values to list on the batch page. Never an error: the caller gives unmapped values a default.
    """
    vocabulary = ctx.vocabularies.get(str(f)) or V.Vocabulary(exact=exact)
    resolved = V.resolve(raw, vocabulary, ctx.value_memory.get(str(f)))
    frame = resolved.with_row_index(ROW)
    checks = [C.Check(code, pl.col("how") == V.UNMAPPED, pl.format(message, pl.col("text")))]
    issues = C.issues_from_checks(frame, f, checks)
    listed = V.distinct_values(resolved, limit=VALUES_LISTED)
    return resolved, C.Validated(frame.select("target"), issues), listed


def _occupation(raw: pl.Series, ctx: Context) -> tuple[C.Validated, list[dict[str, object]]]:
    """Occupation id and the title as written; an unknown title counts as the segment's "lainnya".

    Returns the columns ``occupation_id`` and ``occupation_title`` (the cell's text, spaces
    collapsed, "" when empty or mapped to "abaikan").
    """
    if str(Field.OCCUPATION) in ctx.vocabularies:
        ids = dict(ctx.occupation_ids)
        exact: dict[str, str] = {}
    else:  # no vocabulary: exact names and codes only, the ids standing in for codes
        ids = {str(v): v for v in ctx.occupations.values()}
        exact = {k: str(v) for k, v in ctx.occupations.items()}
    other_id, other_name = ctx.occupation_other or (None, "Lainnya")
    resolved, validated, listed = _coded(
        raw,
        Field.OCCUPATION,
        ctx,
        exact,
        RowIssue.OCCUPATION_UNMAPPED,
        'Pekerjaan/jabatan "{}" belum dikenal; dicatat sebagai "'
        + other_name.replace("{", "(").replace("}", ")")
        + '" dengan teks jabatan apa adanya. Petakan nilai ini di halaman batch bila ada '
        "pekerjaan yang sesuai.",
    )
    id_table = pl.DataFrame(
        {"target": list(ids), "occupation_id": list(ids.values())},
        schema={"target": pl.String, "occupation_id": pl.Int64},
    )
    values = resolved.join(id_table, on="target", how="left", maintain_order="left").select(
        occupation_id=pl.when(pl.col("how") == V.UNMAPPED)
        .then(pl.lit(other_id, pl.Int64))
        .otherwise(pl.col("occupation_id")),
        occupation_title=pl.when(pl.col("how").is_in([V.EMPTY, V.IGNORED]))
        .then(pl.lit(""))
        .otherwise(pl.col("text").str.slice(0, _TITLE_MAX)),
    )
    return C.Validated(values, validated.issues), listed


def _column(sheet: Sheet, mapping: HeaderMapping, f: Field) -> pl.Series:
    header = mapping.columns.get(f)
    if header is None:
        return pl.Series(str(f), [None] * sheet.frame.height, dtype=pl.String)
    return sheet.frame.get_column(header).cast(pl.String)


def _desa(raw: pl.Series, ctx: Context) -> C.Validated:
    """Desa by Kemendagri code or by name inside the unit's area; village units default to their own."""
    return C.desa_by_code_or_name(
        raw,
        known_desa=ctx.known_desa,
        area_desa=ctx.area_desa,
        area="wilayah unit ini",
        outside="wilayah unit ini",
        required=False,
        default=ctx.default_desa,
    )


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


def _risk_class(raw: pl.Series, scheme: pl.Series) -> C.Validated:
    frame = (
        pl.DataFrame({"raw": raw, "scheme": scheme})
        .with_row_index(ROW)
        .with_columns(text=pl.col("raw").str.strip_chars().str.replace(r"\.0$", ""))
        .with_columns(number=pl.col("text").cast(pl.Int16, strict=False))
    )
    checks = [
        C.Check(
            RowIssue.RISK_CLASS_INVALID,
            pl.col("text").fill_null("").ne("")
            & ~pl.col("number").is_between(1, 5).fill_null(value=False),
            pl.format('Kelas risiko JKK harus 1 sampai 5, bukan "{}".', pl.col("raw")),
        )
    ]
    # PU rows without a class get class I, the class applied to government employers in practice
    # (DOMAIN.md section 2.1, unverified); BPU has no risk class.
    values = frame.select(
        pl.when(pl.col("scheme") == "bpu")
        .then(pl.lit(None, pl.Int16))
        .when(pl.col("number").is_between(1, 5))
        .then(pl.col("number"))
        .otherwise(pl.lit(1, pl.Int16))
        .alias("risk_class")
    )
    return C.Validated(values, C.issues_from_checks(frame, Field.RISK_CLASS, checks))


def validate(sheet: Sheet, mapping: HeaderMapping, ctx: Context) -> Result:
    """Every check that needs only the file and the context, vectorised over all rows."""
    height = sheet.frame.height
    get = lambda f: _column(sheet, mapping, f)  # noqa: E731
    parts: list[C.Validated] = []

    birth_text = get(Field.BIRTH_DATE)
    birth_place = get(Field.BIRTH_PLACE)
    if mapping.combined_place_date is not None:
        split = C.split_place_date(
            sheet.frame.get_column(mapping.combined_place_date).cast(pl.String)
        )
        parts.append(split)
        birth_text = split.values.get_column("birth_date_text")
        birth_place = split.values.get_column("birth_place")

    name = _name(get(Field.NAME))
    sex = C.sex_column(get(Field.SEX), required=True)
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
    listed: dict[str, list[dict[str, object]]] = {}
    scheme_resolved, scheme, listed[str(Field.SCHEME)] = _coded(
        get(Field.SCHEME),
        Field.SCHEME,
        ctx,
        dict(ctx.schemes),
        RowIssue.SCHEME_UNMAPPED,
        'Skema "{}" tidak dikenal; dipakai skema bawaan segmen ini ('
        + ctx.scheme.upper()
        + "). Isi PU atau BPU, atau petakan nilai ini di halaman batch.",
    )
    scheme_values = scheme_resolved.get_column("target").fill_null(ctx.scheme).alias("scheme")
    low, high = ctx.wage_bounds[ctx.scheme]
    wage = C.wage_column(get(Field.WAGE), min_value=low, max_value=high, required=True)
    start = C.date_column(
        get(Field.START_DATE), today=ctx.today, field=Field.START_DATE, allow_future=True
    )
    end = C.date_column(
        get(Field.END_DATE), today=ctx.today, field=Field.END_DATE, allow_future=True
    )
    start_values = start.values.get_column(str(Field.START_DATE)).fill_null(ctx.start_date)
    end_values = end.values.get_column(str(Field.END_DATE))
    age = C.age_check(
        birth.values.get_column(str(Field.BIRTH_DATE)),
        start_values,
        min_age=ctx.age_limits[0],
        max_age=ctx.age_limits[1],
    )
    occupation, listed[str(Field.OCCUPATION)] = _occupation(get(Field.OCCUPATION), ctx)
    funding_resolved, funding, listed[str(Field.FUNDING_SOURCE)] = _coded(
        get(Field.FUNDING_SOURCE),
        Field.FUNDING_SOURCE,
        ctx,
        dict(ctx.funding_sources),
        RowIssue.FUNDING_SOURCE_UNMAPPED,
        'Sumber dana "{}" tidak dikenal; dipakai sumber dana bawaan unit ini ('
        + ctx.funding_source
        + "). Petakan nilai ini di halaman batch bila berbeda.",
    )
    segment_resolved, segment, listed[str(Field.SEGMENT)] = _coded(
        get(Field.SEGMENT),
        Field.SEGMENT,
        ctx,
        dict(ctx.segments),
        RowIssue.SEGMENT_UNMAPPED,
        'Segmen "{}" tidak dikenal; baris dibaca sebagai segmen berkas ini (' + ctx.segment + ").",
    )
    desa = _desa(get(Field.DESA), ctx)
    phone = C.phone_column(get(Field.PHONE))
    kk = C.kk_column(get(Field.KK_NUMBER))
    kpj = C.kpj_column(get(Field.KPJ_NUMBER))
    risk = _risk_class(get(Field.RISK_CLASS), scheme_values)

    # Row-level checks that combine columns.
    combined = pl.DataFrame(
        {
            "start": start_values,
            "end": end_values,
            "segment": segment_resolved.get_column("target"),
        }
    ).with_row_index(ROW)
    cross = C.issues_from_checks(
        combined,
        Field.END_DATE,
        [
            C.Check(
                RowIssue.END_BEFORE_START,
                pl.col("end") < pl.col("start"),
                pl.format(
                    "Tanggal berakhir {} sebelum tanggal mulai {}.",
                    pl.col("end").dt.strftime("%d-%m-%Y"),
                    pl.col("start").dt.strftime("%d-%m-%Y"),
                ),
            ),
        ],
    )
    segment_mismatch = C.issues_from_checks(
        combined,
        Field.SEGMENT,
        [
            C.Check(
                RowIssue.SEGMENT_UNKNOWN,
                pl.col("segment").is_not_null() & (pl.col("segment") != ctx.segment),
                pl.format(
                    "Segmen baris ini ({}) tidak sama dengan segmen berkas ({}); unggah dalam berkas terpisah.",
                    pl.col("segment"),
                    pl.lit(ctx.segment),
                ),
            ),
        ],
    )

    parts += [
        name,
        sex,
        birth,
        nik,
        duplicates,
        scheme,
        wage,
        start,
        end,
        age,
        occupation,
        funding,
        segment,
        desa,
        phone,
        kk,
        kpj,
        risk,
    ]
    issues = C.combine_issues(*(p.issues for p in parts), cross, segment_mismatch)
    header_of = {str(f): h for f, h in mapping.columns.items()}
    if mapping.combined_place_date is not None:
        header_of[str(Field.BIRTH_DATE)] = header_of[str(Field.BIRTH_PLACE)] = (
            mapping.combined_place_date
        )
    located = issues.with_columns(
        row_number=sheet.row_numbers.cast(pl.UInt32).gather(issues.get_column(C.ROW_INDEX)),
        column=pl.col("field").replace_strict(header_of, default="", return_dtype=pl.String),
    )
    rejected_index = located.filter(pl.col("severity") == "error").get_column(C.ROW_INDEX).unique()

    clean = pl.DataFrame(
        {
            "row_number": sheet.row_numbers.cast(pl.Int32),
            "nik": nik.values.get_column("nik"),
            "name": name.values.get_column("name"),
            "sex": sex.values.get_column("sex"),
            "birth_date": birth.values.get_column(str(Field.BIRTH_DATE)),
            "birth_place": birth_place,
            "domicile": desa.values.get_column("desa"),
            "phone": phone.values.get_column("phone"),
            "kk_number": kk.values.get_column("kk_number"),
            "occupation_id": occupation.values.get_column("occupation_id"),
            "occupation_title": occupation.values.get_column("occupation_title"),
            "funding_source": funding_resolved.get_column("target").fill_null(ctx.funding_source),
            "scheme": scheme_values,
            "wage": wage.values.get_column("wage"),
            "start_date": start_values,
            "end_date": end_values,
            "kpj_number": kpj.values.get_column("kpj_number"),
            "risk_class": risk.values.get_column("risk_class"),
        }
    ).with_columns(programmes=pl.lit(list(ctx.programmes), dtype=pl.List(pl.String)))
    clean = (
        clean.with_row_index(C.ROW_INDEX)
        .filter(~pl.col(C.ROW_INDEX).is_in(rejected_index.implode()))
        .drop(C.ROW_INDEX)
    )
    counts = located.group_by("code").len().sort("code")
    return Result(
        clean=clean,
        issues=located.select("row_number", "column", "field", "code", "message", "severity"),
        rows=height,
        rejected=rejected_index.len(),
        counts=dict(
            zip(
                counts.get_column("code").to_list(), counts.get_column("len").to_list(), strict=True
            )
        ),
        values={k: v for k, v in listed.items() if v},
    )


def field_label(f: str) -> str:
    return FIELD_LABELS.get(Field(f), f) if f in Field._value2member_map_ else f
