"""Cell text and message text shared by the validators: Python's own ``\\s`` and ``\\d`` as
regex-crate character classes (so that the polars code agrees with ``common.nik``), the clean-up
of a cell (invisible characters, Excel's leading apostrophe), and messages written per row with
polars string expressions (:func:`_fmt`, :func:`_quoted`, :func:`_label`).
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Final

import polars as pl

from cakupan.intake.schema import FIELD_LABELS, Field


def _char_class(ranges: Sequence[tuple[int, int]]) -> str:
    """A regex-crate character class from inclusive code point ranges."""
    parts = (f"\\x{{{lo:X}}}" if lo == hi else f"\\x{{{lo:X}}}-\\x{{{hi:X}}}" for lo, hi in ranges)
    return "[" + "".join(parts) + "]"


#: Python 3.11's ``\s`` (``str.isspace``); the regex crate's ``\s`` lacks U+001C..U+001F.
_PY_WHITESPACE: Final = (
    (0x09, 0x0D), (0x1C, 0x20), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680), (0x2000, 0x200A),
    (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F), (0x3000, 0x3000),
)  # fmt: skip
#: ``common.nik._INVISIBLE``: whitespace plus zero-width space/joiners, word joiner and BOM.
_INVISIBLE_RANGES: Final = (*_PY_WHITESPACE, (0x200B, 0x200D), (0x2060, 0x2060), (0xFEFF, 0xFEFF))
#: Python 3.11's ``\d`` (Unicode 14 decimal digits); the regex crate follows a newer Unicode.
_PY_DECIMAL_STARTS: Final = (
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0,
    0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0,
    0x16B50, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
)  # fmt: skip
#: The fifty mathematical digits (bold, double-struck, sans-serif, sans-serif bold, monospace).
_PY_DECIMAL_RANGES: Final = (
    *((start, start + 9) for start in _PY_DECIMAL_STARTS),
    (0x1D7CE, 0x1D7FF),
)
_INVISIBLE: Final = _char_class(_INVISIBLE_RANGES)
_D: Final = _char_class(_PY_DECIMAL_RANGES)


def _fmt(template: str, /, **values: pl.Expr | str | int) -> pl.Expr:
    """``template.format(**values)`` per row; the values are expressions or constants."""
    parts: list[pl.Expr] = []
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        if literal:
            parts.append(pl.lit(literal, pl.String))
        if name is not None:
            value = values[name]
            parts.append(
                value.cast(pl.String)
                if isinstance(value, pl.Expr)
                else pl.lit(str(value), pl.String)
            )
    return pl.concat_str(parts)


def _label(field: str) -> str:
    try:
        return FIELD_LABELS[Field(field)]
    except ValueError:
        return str(field)


def _quoted(expr: pl.Expr, limit: int = 60) -> pl.Expr:
    """The cell text for a message: cut to ``limit`` characters and in quotes."""
    cut = pl.when(expr.str.len_chars() > limit).then(
        pl.concat_str(expr.str.slice(0, limit), pl.lit("…"))
    )
    return pl.concat_str(pl.lit("'"), cut.otherwise(expr), pl.lit("'"))


def _trimmed(expr: pl.Expr) -> pl.Expr:
    """Invisible characters at the edges removed, inner runs made one space, then one leading
    apostrophe (Excel's "store as text" prefix) removed."""
    text = expr.str.replace_all(f"{_INVISIBLE}+", " ").str.strip_chars(" ")
    return text.str.strip_prefix("'").str.strip_chars(" ")


def _compact(expr: pl.Expr) -> pl.Expr:
    """Every invisible character removed, then one leading apostrophe."""
    return expr.str.replace_all(_INVISIBLE, "").str.strip_prefix("'")
