"""The frame plumbing of the validators' fast and slow paths: a column in as a ``String`` series,
a frame with the row index (:data:`~cakupan.intake.columns.issues.ROW`), the slow path's results
patched back into the fast path's rows, and a computation over the distinct cells of a column
joined back to its rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

from cakupan.intake.columns.issues import _ROW


def _series(values: pl.Series | Sequence[str | None], name: str = "value") -> pl.Series:
    series = values if isinstance(values, pl.Series) else pl.Series(name, values, pl.String)
    return series.cast(pl.String).rename(name)


def _aligned(series: pl.Series | None, height: int, dtype: pl.DataType, name: str) -> pl.Series:
    if series is None:
        return pl.repeat(None, height, dtype=dtype, eager=True).rename(name)
    if len(series) != height:
        raise ValueError(f"{name}: {len(series)} values for {height} rows")
    return series.cast(dtype).rename(name)


def _frame(**columns: pl.Series) -> pl.DataFrame:
    height = len(next(iter(columns.values())))
    rows = pl.int_range(height, dtype=pl.UInt32, eager=True).rename(_ROW)
    return pl.DataFrame([rows, *(s.rename(n) for n, s in columns.items())])


def _patched(frame: pl.DataFrame, rest: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """``frame`` with the columns ``names`` replaced, at the rows ``rest[__row]``, by ``rest``'s
    (the result of the slow path over the cells the fast path could not take)."""
    if rest.is_empty():
        return frame
    rows = rest.get_column(_ROW)
    return frame.with_columns(
        frame.get_column(name).scatter(rows, rest.get_column(name).cast(frame.schema[name]))
        for name in names
    )


def _per_distinct(
    rest: pl.DataFrame, compute: Callable[[pl.LazyFrame], pl.LazyFrame]
) -> pl.DataFrame:
    """``compute`` (a function of the ``raw`` column alone) over the distinct cells of ``rest``,
    joined back to its rows: a column of a few thousand distinct spellings is parsed once each."""
    distinct = compute(rest.lazy().select("raw").unique()).collect()
    return rest.select(_ROW, "raw").join(
        distinct, on="raw", how="left", nulls_equal=True, maintain_order="left"
    )
