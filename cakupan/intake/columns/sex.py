"""Jenis kelamin: the spellings an enrolment file uses (Indonesian and English) read as "L" or
"P", with a warning for anything but exactly "L"/"P" and an error for what is not understood.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from cakupan.intake.columns.frames import _frame, _patched, _per_distinct, _series
from cakupan.intake.columns.issues import Check, Validated, issues_from_checks
from cakupan.intake.columns.text import _fmt, _label, _quoted, _trimmed
from cakupan.intake.schema import Field, RowIssue

#: Accepted spellings, upper case, without spaces, dashes, dots, underscores or slashes.
SEX_SPELLINGS: Final = {
    **dict.fromkeys(["L", "LK", "LAKI", "LAKILAKI", "LAKI2", "LELAKI", "PRIA"], "L"),
    **dict.fromkeys(["P", "PR", "PRP", "PEREMPUAN", "W", "WANITA"], "P"),
    # English exports
    **dict.fromkeys(["M", "MALE"], "L"),
    **dict.fromkeys(["F", "FEMALE"], "P"),
}


def sex_column(
    sex: pl.Series | Sequence[str | None], *, required: bool = False, field: str = Field.SEX
) -> Validated:
    """Jenis kelamin as "L"/"P" (value column ``sex``).

    Accepted (case-insensitive; spaces, dashes, dots, underscores and slashes ignored): L, P, LK,
    PR, Laki-laki, Laki laki, Laki2, Lelaki, Pria, Perempuan, Wanita, W; and the English M/Male,
    F/Female. Anything but exactly "L" or "P" (surrounding whitespace aside) gives the warning
    ``sex_normalized``; what is not understood gives ``sex_invalid``; empty gives
    ``value_required`` when ``required``.
    """
    col = pl.col
    frame = _frame(raw=_series(sex, "raw"))
    plain = ((col("raw") == "L") | (col("raw") == "P")).fill_null(value=False)
    frame = frame.with_columns(plain=plain).with_columns(sex=pl.when(col("plain")).then("raw"))
    rest = _per_distinct(
        frame.filter(~col("plain")),
        lambda distinct: distinct.with_columns(text=_trimmed(col("raw"))).with_columns(
            empty=col("text").fill_null("") == "",
            sex=col("text")
            .str.to_uppercase()
            .str.replace_all(r"[\s\-._/]", "")
            .replace_strict(SEX_SPELLINGS, default=None, return_dtype=pl.String),
        ),
    )
    label = _label(field)
    checks = [
        Check(
            RowIssue.REQUIRED,
            pl.lit(value=required) & col("empty"),
            pl.lit(f"{label} wajib diisi."),
        ),
        Check(
            RowIssue.SEX_INVALID,
            ~col("empty") & col("sex").is_null(),
            _fmt(
                "Jenis kelamin {text} tidak dikenali; isi L (laki-laki) atau P (perempuan).",
                text=_quoted(col("text")),
            ),
        ),
        Check(
            RowIssue.SEX_NORMALIZED,
            col("sex").is_not_null() & (col("text") != col("sex")),
            _fmt(
                "Jenis kelamin {text} dibaca sebagai {sex}.",
                text=_quoted(col("text")),
                sex=col("sex"),
            ),
        ),
    ]
    return Validated(
        _patched(frame, rest, ["sex"]).select("sex"), issues_from_checks(rest, field, checks)
    )
