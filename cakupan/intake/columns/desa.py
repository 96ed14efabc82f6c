"""The desa/kelurahan column given as a Kemendagri code (dotted or ten digits), checked against the
known codes and written dotted; resolving names is not done here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import polars as pl

from cakupan.intake.columns.frames import _frame, _patched, _per_distinct, _series
from cakupan.intake.columns.issues import Check, Validated, issues_from_checks
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
