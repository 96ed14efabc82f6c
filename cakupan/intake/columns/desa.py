"""The desa/kelurahan column: given as a Kemendagri code (dotted or ten digits), checked against the
known codes and written dotted (:func:`desa_code_column`); or by code or name inside an area, as
intake and targeting read it (:func:`desa_by_code_or_name`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import polars as pl

from cakupan.intake.columns.frames import _frame, _patched, _per_distinct, _series
from cakupan.intake.columns.issues import ROW, Check, Validated, combine_issues, issues_from_checks
from cakupan.intake.columns.text import _compact, _fmt, _quoted
from cakupan.intake.schema import Field, RowIssue


def desa_code_column(
    codes: pl.Series | Sequence[str | None],
    *,
    desa_codes: Collection[str],
    field: str = Field.DESA,
) -> Validated:
    """Desa/kelurahan given as a Kemendagri code, dotted (``73.24.01.2001``) or as 10 digits;
    value column ``desa`` (dotted). ``desa_unknown`` for a code not in ``desa_codes`` (dotted or
    not) and for text that is not a code. Resolving names is not done here."""
    col = pl.col
    plain_codes = pl.Series("code", list(desa_codes), pl.String).str.replace_all(
        ".", "", literal=True
    )
    known = (
        pl.concat_str(
            plain_codes.str.slice(0, 2),
            plain_codes.str.slice(2, 2),
            plain_codes.str.slice(4, 2),
            plain_codes.str.slice(6),
            separator=".",
        )
        .unique()
        .implode()
    )
    frame = _frame(raw=_series(codes, "raw"))
    frame = frame.with_columns(plain=col("raw").is_in(known).fill_null(value=False)).with_columns(
        desa=pl.when(col("plain")).then(col("raw"))
    )
    rest = _per_distinct(
        frame.filter(~col("plain")),
        lambda distinct: (
            distinct.with_columns(text=_compact(col("raw")))
            .with_columns(
                empty=col("text").fill_null("") == "",
                dotted=pl.when(col("text").str.contains(r"^[0-9]{10}$"))
                .then(
                    pl.concat_str(
                        col("text").str.slice(0, 2),
                        col("text").str.slice(2, 2),
                        col("text").str.slice(4, 2),
                        col("text").str.slice(6, 4),
                        separator=".",
                    )
                )
                .otherwise(col("text")),
            )
            .with_columns(desa=pl.when(col("dotted").is_in(known)).then(col("dotted")))
        ),
    )
    checks = [
        Check(
            RowIssue.DESA_UNKNOWN,
            ~col("empty") & col("desa").is_null(),
            _fmt(
                "Kode desa/kelurahan {text} tidak ada di data wilayah Kemendagri.",
                text=_quoted(col("raw").str.strip_chars()),
            ),
        ),
    ]
    return Validated(
        _patched(frame, rest, ["desa"]).select("desa"), issues_from_checks(rest, field, checks)
    )


#: How a desa name is matched: lower case, runs of anything but letters and digits as one space.
_LABEL_SEPARATORS = r"[^0-9a-z]+"


def _label_key(text: pl.Expr) -> pl.Expr:
    return text.str.to_lowercase().str.replace_all(_LABEL_SEPARATORS, " ").str.strip_chars()


def desa_by_code_or_name(
    raw: pl.Series,
    *,
    known_desa: Collection[str],
    area_desa: Mapping[str, str],
    area: str,
    outside: str,
    required: bool,
    default: str | None = None,
) -> Validated:
    """The desa/kelurahan column by Kemendagri code (anywhere, :func:`desa_code_column`) or by
    name inside ``area_desa`` (code -> name; a name two desa share must be written as a code);
    value column ``desa``, dotted, only for a desa inside ``area_desa``.

    ``area`` names where a name was looked for and ``outside`` the area a code falls outside of, in
    the messages ("tidak ditemukan di {area}", "berada di luar {outside}"). An empty cell is
    ``required`` (an error) or takes ``default`` (intake: a village unit's own desa).
    """
    text = raw.str.strip_chars()
    is_code = text.str.replace_all(r"[.\s]", "").str.contains(r"^[0-9]{10}$").fill_null(value=False)
    by_code = desa_code_column(
        pl.Series("desa", text).zip_with(is_code, pl.Series([None], dtype=pl.String)),
        desa_codes=known_desa,
    )
    names = (
        pl.DataFrame(
            {"name": list(area_desa.values()), "code": list(area_desa)},
            schema={"name": pl.String, "code": pl.String},
        )
        .select(key=_label_key(pl.col("name")), code=pl.col("code"))
        .group_by("key")
        .agg(pl.col("code").first(), pl.len().alias("n"))
    )
    frame = (
        pl.DataFrame(
            {"raw": text, "is_code": is_code, "by_code": by_code.values.get_column("desa")}
        )
        .with_row_index(ROW)
        .with_columns(key=pl.when(~pl.col("is_code")).then(_label_key(pl.col("raw"))))
        .join(names, on="key", how="left", maintain_order="left")
        .with_columns(
            desa=pl.coalesce(pl.col("by_code"), pl.when(pl.col("n") == 1).then(pl.col("code"))),
            empty=pl.col("raw").fill_null("") == "",
        )
    )
    in_area = pl.col("desa").is_in(pl.Series(list(area_desa), dtype=pl.String).implode())
    checks = [
        *(
            [Check(RowIssue.REQUIRED, pl.col("empty"), pl.lit("Desa/kelurahan wajib diisi."))]
            if required
            else []
        ),
        Check(
            RowIssue.DESA_UNKNOWN,
            ~pl.col("is_code") & ~pl.col("empty") & pl.col("n").is_null(),
            pl.format('Desa/kelurahan "{}" tidak ditemukan di {}.', pl.col("raw"), pl.lit(area)),
        ),
        Check(
            RowIssue.DESA_AMBIGUOUS,
            pl.col("n") > 1,
            pl.format(
                'Ada lebih dari satu desa/kelurahan bernama "{}" di {}; tulis kodenya.',
                pl.col("raw"),
                pl.lit(area),
            ),
        ),
        Check(
            RowIssue.DESA_OUTSIDE_UNIT,
            pl.col("desa").is_not_null() & ~in_area,
            pl.format("Desa/kelurahan {} berada di luar {}.", pl.col("desa"), pl.lit(outside)),
        ),
    ]
    issues = combine_issues(by_code.issues, issues_from_checks(frame, Field.DESA, checks))
    values = frame.select(
        pl.when(pl.col("empty"))
        .then(pl.lit(default, pl.String))
        .when(in_area)
        .then(pl.col("desa"))
        .alias("desa")
    )
    return Validated(values, issues)
