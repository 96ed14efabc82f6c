"""The monthly wage in whole rupiah: plain digits, Indonesian or English grouping, ``Rp``/``IDR``
and ``,-``/``,00`` endings read; a warning for unusual spellings, an error for what is not a
whole amount, and bounds; amounts in messages written with dots between thousands.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from cakupan.intake.columns.frames import _frame, _patched, _per_distinct, _series
from cakupan.intake.columns.issues import Check, Validated, issues_from_checks
from cakupan.intake.columns.text import _fmt, _label, _quoted, _trimmed
from cakupan.intake.schema import Field, RowIssue


def _rupiah(value: pl.Expr) -> pl.Expr:
    """An integer with dots between thousands: 2500000 -> "2.500.000". Written once for each
    distinct value (the regex is slow and a wage column has few distinct values)."""

    def grouped(number: pl.Expr) -> pl.Expr:
        reverse = number.cast(pl.String).str.reverse()
        text = reverse.str.replace_all(r"([0-9]{3})", "$1.").str.reverse()
        return text.str.strip_prefix(".").str.replace(r"^-\.", "-")

    distinct = value.unique().drop_nulls()
    return value.replace_strict(distinct, grouped(distinct), default=None, return_dtype=pl.String)


def _rupiah_constant(value: int) -> str:
    return f"{value:,}".replace(",", ".")


_WAGE = (
    r"^(?:rp\.?|idr)?"
    r"(?<int>[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
    r"(?:(?<sep>[.,])(?<frac>[0-9]+))?"
    r"(?:,-|\.-|-)?$"
)


def wage_column(
    wages: pl.Series | Sequence[str | None],
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    required: bool = False,
    field: str = Field.WAGE,
) -> Validated:
    """Monthly wage in whole rupiah (value column ``wage``, Int64).

    Accepted: ``2500000``; thousands with dots or commas (``2.500.000``, ``2,500,000``; a
    separator followed by exactly three digits is a thousands separator); ``Rp``/``Rp.``/``IDR``
    before and ``,-`` after (``Rp 2.500.000,-``); a decimal part of zeros after the other separator
    (``Rp 2.500.000,00``, ``2,500,000.00``) or after plain digits (``2500000.0``, a float cell).
    No warning for what is the ordinary way to write an amount here: plain digits, an integral
    float cell (``2500000.0``: exact), and Indonesian grouping with dots, with or without ``Rp`` and
    a ``,00``/``,-`` ending (``Rp2.500.000``, ``2.500.000,00``). Everything else that is understood
    (comma grouping ``2,500,000``, ``IDR``, ``2500000.00``) gives the warning ``wage_normalized``.

    ``wage_invalid``: negative, a non-zero fraction (``2,5``), words (``2,5 jt``, ``dua juta``),
    anything else. ``wage_out_of_bounds`` outside ``[min_value, max_value]`` (either may be None).
    """
    col = pl.col
    frame = _frame(raw=_series(wages, "raw"))
    # Fast path: digits (a text or integer cell) and digits + ".0" (a float cell). A string cast
    # to an integer allows nothing else but a leading sign.
    number = col("raw").str.strip_suffix(".0").cast(pl.Int64, strict=False)
    signed = col("raw").str.starts_with("+") | col("raw").str.starts_with("-")
    frame = (
        frame.lazy()
        .with_columns(plain=(number.is_not_null() & ~signed).fill_null(value=False))
        .with_columns(
            wage=pl.when(col("plain")).then(number),
            normalized=pl.lit(value=False),
            empty=col("raw").is_null(),
            negative=pl.lit(value=False),
        )
        .collect()
    )
    rest = _per_distinct(frame.filter(~col("plain") & col("raw").is_not_null()), _wage_slow)
    frame = _patched(frame, rest, ["wage", "normalized", "empty", "negative"])
    too_low = (col("wage") < min_value) if min_value is not None else pl.lit(value=False)
    too_high = (col("wage") > max_value) if max_value is not None else pl.lit(value=False)
    low_text = f"Rp {_rupiah_constant(min_value)}" if min_value is not None else "-"
    high_text = f"Rp {_rupiah_constant(max_value)}" if max_value is not None else "-"
    text = _quoted(col("raw").str.strip_chars())
    checks = [
        Check(
            RowIssue.REQUIRED,
            pl.lit(value=required) & col("empty"),
            pl.lit(f"{_label(field)} wajib diisi."),
        ),
        Check(
            RowIssue.WAGE_INVALID,
            ~col("empty") & col("wage").is_null(),
            pl.when(col("negative"))
            .then(_fmt("Upah tidak boleh negatif ({text}).", text=text))
            .otherwise(
                _fmt(
                    "Upah {text} bukan jumlah rupiah yang valid; tulis angka bulat tanpa desimal, "
                    "mis. 2500000.",
                    text=text,
                )
            ),
        ),
        Check(
            RowIssue.WAGE_OUT_OF_BOUNDS,
            too_low | too_high,
            _fmt(
                "Upah Rp {wage} di luar batas {low} sampai {high}.",
                wage=_rupiah(col("wage")),
                low=low_text,
                high=high_text,
            ),
        ),
        Check(
            RowIssue.WAGE_NORMALIZED,
            col("wage").is_not_null() & col("normalized"),
            _fmt("Upah {text} dibaca sebagai Rp {wage}.", text=text, wage=_rupiah(col("wage"))),
        ),
    ]
    return Validated(frame.select("wage"), issues_from_checks(frame, field, checks))


# Amounts as Indonesians write them: "Rp2.500.000", "Rp. 2.500.000,00", "2.500.000,-", "2500000".
_WAGE_USUAL = r"^(?i:rp\.?\s?)?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,0+|,-)?$"


def _wage_slow(cells: pl.LazyFrame) -> pl.LazyFrame:
    col = pl.col
    return (
        cells.with_columns(text=_trimmed(col("raw")))
        .with_columns(
            plain=col("text").str.contains(r"^[0-9]+$"),
            negative=col("text").str.contains(r"^(?:-|\(|(?i:rp\.?|idr) ?-)"),
            parts=col("text")
            .str.to_lowercase()
            .str.replace_all(" ", "", literal=True)
            .str.extract_groups(_WAGE),
        )
        .with_columns(
            integer=col("parts").struct.field("int"),
            sep=col("parts").struct.field("sep"),
            frac=col("parts").struct.field("frac"),
        )
        .with_columns(
            understood=col("integer").is_not_null()
            & (col("frac").is_null() | col("frac").str.contains(r"^0+$"))
            & (col("sep").is_null() | ~col("integer").str.contains(col("sep"), literal=True)),
        )
        .select(
            "raw",
            "negative",
            wage=pl.when(col("understood")).then(
                col("integer").str.replace_all(r"[.,]", "").cast(pl.Int64, strict=False)
            ),
            empty=col("text").fill_null("") == "",
            normalized=~col("plain") & ~col("text").str.contains(_WAGE_USUAL),
        )
    )
