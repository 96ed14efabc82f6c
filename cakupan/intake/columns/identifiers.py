"""Other identifiers of a person: the phone number (normalised to ``0…``), the Nomor KK (16
digits) and the Nomor KPJ (8 to 20 digits), with Excel's damage to long numbers recognised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from cakupan.intake.columns.frames import _frame, _patched, _per_distinct, _series
from cakupan.intake.columns.issues import Check, Validated, issues_from_checks
from cakupan.intake.columns.text import _compact, _fmt, _quoted
from cakupan.intake.schema import Field, RowIssue

# Excel damage of other long numbers (KK): scientific notation, or 15+ digits and a zero fraction.
_EXCEL_DAMAGED_ASCII: Final = r"^(?:[+-]?[0-9]+(?:[.,][0-9]*)?[eE][+-]?[0-9]+|[0-9]{15,}[.,]0+)$"


def phone_column(
    phones: pl.Series | Sequence[str | None], *, field: str = Field.PHONE
) -> Validated:
    """Indonesian phone numbers as ``0…`` (value column ``phone``); ``phone_invalid`` otherwise.

    Spaces, dashes, dots, brackets and slashes are ignored; ``+62``/``62`` become ``0``; a
    number starting with ``8`` (a mobile number whose 0 Excel dropped) gets its ``0`` back; a
    float cell's ``.0`` is dropped. Valid: ``0``, a non-zero digit, then 7 to 12 digits. Empty
    is not an issue.
    """
    col = pl.col
    valid = r"^0[1-9][0-9]{7,12}$"
    frame = _frame(raw=_series(phones, "raw"))
    frame = frame.with_columns(
        plain=col("raw").str.contains(valid).fill_null(value=False)
    ).with_columns(phone=pl.when(col("plain")).then(col("raw")))
    rest = _per_distinct(frame.filter(~col("plain")), lambda distinct: _phone_slow(distinct, valid))
    checks = [
        Check(
            RowIssue.PHONE_INVALID,
            ~col("empty") & col("phone").is_null(),
            _fmt(
                "Nomor HP {text} tidak valid; tulis nomor Indonesia, mis. 081234567890.",
                text=_quoted(col("raw").str.strip_chars()),
            ),
        ),
    ]
    return Validated(
        _patched(frame, rest, ["phone"]).select("phone"), issues_from_checks(rest, field, checks)
    )


def _phone_slow(cells: pl.LazyFrame, valid: str) -> pl.LazyFrame:
    col = pl.col
    return (
        cells.with_columns(text=_compact(col("raw")))
        .with_columns(
            digits=col("text").str.replace(r"^([0-9]+)\.0+$", "$1").str.replace_all(r"[-.()/]", "")
        )
        .with_columns(
            phone=pl.when(col("digits").str.starts_with("+62"))
            .then(pl.concat_str(pl.lit("0"), col("digits").str.slice(3)))
            .when(col("digits").str.starts_with("62"))
            .then(pl.concat_str(pl.lit("0"), col("digits").str.slice(2)))
            .when(col("digits").str.starts_with("8"))
            .then(pl.concat_str(pl.lit("0"), col("digits")))
            .otherwise(col("digits"))
        )
        .with_columns(
            empty=col("text").fill_null("") == "",
            phone=pl.when(col("phone").str.contains(valid)).then(col("phone")),
        )
    )


def _number_column(
    values: pl.Series | Sequence[str | None],
    *,
    name: str,
    code: RowIssue,
    label: str,
    min_digits: int,
    max_digits: int,
    field: str,
) -> Validated:
    col = pl.col
    valid = rf"^[0-9]{{{min_digits},{max_digits}}}$"
    frame = _frame(raw=_series(values, "raw"))
    frame = frame.with_columns(
        plain=col("raw").str.contains(valid).fill_null(value=False)
    ).with_columns(value=pl.when(col("plain")).then(col("raw")))
    rest = _per_distinct(
        frame.filter(~col("plain")),
        lambda distinct: (
            distinct.with_columns(text=_compact(col("raw")))
            .with_columns(
                empty=col("text").fill_null("") == "",
                damaged=col("text").str.contains(_EXCEL_DAMAGED_ASCII),
                # A float cell of up to 15 digits is exact: "12345678901.0".
                digits=col("text")
                .str.replace(r"^([0-9]{1,15})\.0+$", "$1")
                .str.replace_all(r"[-.]", ""),
            )
            .with_columns(
                value=pl.when(~col("damaged") & col("digits").str.contains(valid)).then(
                    col("digits")
                )
            )
        ),
    )
    digits = (
        f"{min_digits} digit" if min_digits == max_digits else f"{min_digits}–{max_digits} digit"
    )
    text = _quoted(col("raw").str.strip_chars())
    checks = [
        Check(
            code,
            ~col("empty") & col("value").is_null(),
            pl.when(col("damaged"))
            .then(
                _fmt(
                    "{label} rusak karena diolah sebagai angka oleh Excel (terbaca: {text}). "
                    "Format kolom sebagai Teks, lalu ketik ulang nomornya.",
                    label=label,
                    text=text,
                )
            )
            .otherwise(
                _fmt(
                    "{label} harus {digits} angka; terbaca {text}.",
                    label=label,
                    digits=digits,
                    text=text,
                )
            ),
        ),
    ]
    frame = _patched(frame, rest, ["value"])
    return Validated(
        frame.select(col("value").alias(name)), issues_from_checks(rest, field, checks)
    )


def kk_column(
    numbers: pl.Series | Sequence[str | None], *, field: str = Field.KK_NUMBER
) -> Validated:
    """Nomor KK: 16 digits or empty (value column ``kk_number``); ``kk_invalid`` otherwise,
    including Excel damage (scientific notation, ``…0.0``). Spaces, dots and dashes are ignored."""
    return _number_column(
        numbers,
        name="kk_number",
        code=RowIssue.KK_INVALID,
        label="Nomor KK",
        min_digits=16,
        max_digits=16,
        field=field,
    )


def kpj_column(
    numbers: pl.Series | Sequence[str | None], *, field: str = Field.KPJ_NUMBER
) -> Validated:
    """Nomor KPJ: 8 to 20 digits or empty (value column ``kpj_number``); ``kpj_invalid``
    otherwise. A float cell of up to 15 digits (``12345678901.0``) is exact and accepted."""
    return _number_column(
        numbers,
        name="kpj_number",
        code=RowIssue.KPJ_INVALID,
        label="Nomor KPJ",
        min_digits=8,
        max_digits=20,
        field=field,
    )
