"""The issues frame every column validator returns, and how it is built: a :class:`Check` is one
boolean column with its message, :func:`issues_from_checks` turns checks over a frame into the long
issues frame (one row per problem, sorted by row, then by check), :func:`combine_issues` merges
the frames of several columns. :class:`Validated` pairs the normalised values with their issues.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from cakupan.intake.schema import WARNING_CODES

Severity = Literal["error", "warning"]

ROW_INDEX: Final = "row_index"
ISSUE_SCHEMA: Final = pl.Schema(
    {
        ROW_INDEX: pl.UInt32,
        "field": pl.String,
        "code": pl.String,
        "message": pl.String,
        "severity": pl.String,
    }
)

#: The row index column (UInt32, 0-based) that frames given to :func:`issues_from_checks` carry.
ROW: Final = "__row"
_ROW = ROW
_ORDER = "__order"


@dataclass(frozen=True, slots=True)
class Check:
    """One check of a column: where it applies (null counts as false) and its message there."""

    code: str
    when: pl.Expr
    message: pl.Expr


@dataclass(frozen=True, slots=True)
class Validated:
    """Normalised columns (same height as the input) and the long issues frame."""

    values: pl.DataFrame
    issues: pl.DataFrame


def severity_of(code: str) -> Severity:
    return "warning" if code in WARNING_CODES else "error"


def empty_issues() -> pl.DataFrame:
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def issues_from_checks(frame: pl.DataFrame, field: str, checks: Sequence[Check]) -> pl.DataFrame:
    """The long issues frame of ``checks`` over ``frame``, which holds the row index in the column
    :data:`ROW` (``frame.with_row_index(ROW)``); sorted by row, then by the order of ``checks``."""
    if not checks:
        return empty_issues()
    lazy = frame.lazy()
    parts = [
        lazy.filter(check.when.fill_null(value=False)).select(
            pl.col(_ROW).alias(ROW_INDEX),
            pl.lit(str(field), pl.String).alias("field"),
            pl.lit(str(check.code), pl.String).alias("code"),
            check.message.cast(pl.String).alias("message"),
            pl.lit(severity_of(check.code), pl.String).alias("severity"),
            pl.lit(order, pl.UInt16).alias(_ORDER),
        )
        for order, check in enumerate(checks)
    ]
    present = [part for part in pl.collect_all(parts) if part.height]
    if not present:
        return empty_issues()
    if len(present) == 1:
        return present[0].drop(_ORDER)
    return pl.concat(present).sort([ROW_INDEX, _ORDER]).drop(_ORDER)


def combine_issues(*frames: pl.DataFrame) -> pl.DataFrame:
    """All issues, by row; within a row the frames' order, then each frame's own order."""
    present = [frame for frame in frames if frame.height]
    if not present:
        return empty_issues()
    return pl.concat(present, how="vertical").sort(ROW_INDEX, maintain_order=True)
