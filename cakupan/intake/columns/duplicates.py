"""Checks across rows: a normalised NIK that occurs again later in the same file, with the
spreadsheet row number of its first occurrence in the message.
"""

from __future__ import annotations

import polars as pl

from cakupan.intake.columns.frames import _aligned, _frame
from cakupan.intake.columns.issues import Check, Validated, empty_issues, issues_from_checks
from cakupan.intake.columns.text import _fmt
from cakupan.intake.schema import Field, RowIssue


def duplicates_in_file(
    nik: pl.Series, *, row_numbers: pl.Series, field: str = Field.NIK
) -> Validated:
    """``nik_duplicate_in_file`` on every occurrence of a normalised NIK after its first; the
    message names the first row by its number in ``row_numbers`` (the spreadsheet's row numbers).
    Null NIKs are never duplicates. Value column ``nik_duplicate`` (Boolean)."""
    frame = _frame(
        nik=nik.cast(pl.String),
        number=_aligned(row_numbers, len(nik), pl.Int64(), "number"),
    )
    # Hash 16-digit NIKs as integers (twice as fast as strings); other text as it is.
    as_integer = frame.select(
        key=pl.when(pl.col("nik").str.len_bytes() == 16).then(
            pl.col("nik").cast(pl.UInt64, strict=False)
        ),
        unsigned=pl.col("nik").str.starts_with("+"),
    )
    exact = (
        as_integer.get_column("key").null_count() == frame.get_column("nik").null_count()
        and not as_integer.get_column("unsigned").any()
    )
    key = as_integer.get_column("key") if exact else frame.get_column("nik")
    nulls = key.null_count()
    if key.n_unique() - (1 if nulls else 0) == len(key) - nulls:  # counting is cheaper
        no_duplicates = pl.repeat(value=False, n=len(key), dtype=pl.Boolean, eager=True)
        return Validated(no_duplicates.rename("nik_duplicate").to_frame(), empty_issues())
    frame = frame.with_columns(
        nik_duplicate=key.is_not_null() & ~key.is_first_distinct(),
    )
    duplicates = frame.filter(pl.col("nik_duplicate"))
    firsts = frame.filter(
        pl.col("nik").is_in(duplicates.get_column("nik").implode()) & ~pl.col("nik_duplicate")
    ).select("nik", pl.col("number").alias("first"))
    joined = duplicates.join(firsts, on="nik", how="left", maintain_order="left")
    checks = [
        Check(
            RowIssue.NIK_DUPLICATE_IN_FILE,
            pl.lit(value=True),
            _fmt("NIK ini sudah ada di baris {first} berkas ini.", first=pl.col("first")),
        ),
    ]
    return Validated(frame.select("nik_duplicate"), issues_from_checks(joined, field, checks))
