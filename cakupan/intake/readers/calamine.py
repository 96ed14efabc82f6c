"""The calls into fastexcel (calamine) and the rendering of its typed values as cell text: every
failure, a Rust panic included, becomes ``FileError``; sheets are loaded by row offset and
range columns; values follow the cell text rules of the package docstring.

fastexcel 0.21 quirks found while writing this (calamine 0.36)
--------------------------------------------------------------
* Its "string" dtype renders floats Excel-style (9 decimals, trailing ``.0`` dropped), so a NIK
  typed as a number looks like a valid NIK, and error cells become null. Its "float" and "int"
  dtypes *parse numeric text*, so a NIK stored as text looks like a number. Only the "boolean"
  dtype tells a number cell from text (text is null there). The typed values therefore come from
  a second load with guessed dtypes and ``dtype_coercion="strict"`` (one dtype per column, exact);
  when a column mixes types (some NIKs as numbers, some as text) the sheet is loaded again as
  booleans (which cells are numbers) and as floats for the columns that hold numbers.
* Every ``load_sheet`` re-parses the whole sheet (``n_rows`` does not help), so each load costs
  the same; a clean sheet takes two loads, a mixed one four.
* ``header_row=None`` without ``skip_rows`` drops leading empty rows, which would shift row
  numbers: sheets are always loaded with ``skip_rows=0`` or a row count, so row *i* of the frame
  is sheet row *i + 1*. Leading empty *columns* are dropped; ``absolute_index`` gives the letter.
* Guessed dtypes treat text such as ``NA``, ``NULL``, ``#N/A`` as null, and raise on ``#DIV/0!``
  or ``#NAME?``; the text load keeps such text, the typed load falls back as above.
* A Rust panic inside calamine surfaces as ``pyo3_runtime.PanicException``, which derives from
  ``BaseException``, not ``Exception``; it is caught and reported as ``UNREADABLE``.
* XLS integers (RK records) are ``int`` in calamine but cannot be told from floats cell by cell:
  a column of nothing but integers gives ``str(int)`` (one more load finds such columns when the
  sheet has mixed columns), a column mixing integers and floats gives ``repr(float)``.
* calamine trims leading/trailing whitespace of XLSX text written without ``xml:space="preserve"``
  (Excel always writes it when the text needs it), so such files lose those spaces.
* ``use_columns=[0, 1]`` means *sheet* columns A and B (``absolute_index``), not the first two
  columns of the loaded range; columns are selected by their generated names instead.
* There is no pyarrow in the project: frames come through the Arrow PyCapsule interface
  (``polars.DataFrame(sheet)``).
"""

from __future__ import annotations

import re
from typing import Any

import polars as pl

from cakupan.intake.readers.common import _unreadable
from cakupan.intake.schema import FileError, FileIssue, file_error

_DATETIME_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?$")


def _fx(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into fastexcel/calamine; every failure becomes a FileError."""
    try:
        return function(*args, **kwargs)
    except FileError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError):
        raise
    except BaseException as exc:  # includes pyo3_runtime.PanicException (a BaseException)
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise file_error(FileIssue.ENCRYPTED) from None
        raise _unreadable("isi lembar kerja tidak valid") from None


def _frame(sheet: Any) -> pl.DataFrame:
    frame = _fx(pl.DataFrame, sheet)
    return frame.rename({name: f"c{i}" for i, name in enumerate(frame.columns)})


def _text_rule(expr: pl.Expr) -> pl.Expr:
    """fastexcel's text for a datetime cell ("1980-08-17 00:00:00") in our ISO form."""
    midnight = expr.str.contains(r"^\d{4}-\d{2}-\d{2} 00:00:00(?:\.0+)?$")
    is_datetime = expr.str.contains(_DATETIME_TEXT.pattern)
    return (
        pl.when(midnight)
        .then(expr.str.slice(0, 10))
        .when(is_datetime)
        .then(expr.str.replace(" ", "T", literal=True))
        .otherwise(expr)
    )


def _render(expr: pl.Expr, dtype: str) -> pl.Expr | None:
    """Typed values as text (see the cell text rules); None: keep fastexcel's text."""
    if dtype in ("float", "int"):
        return expr.cast(pl.String)
    if dtype == "boolean":
        return pl.when(expr).then(pl.lit("TRUE")).when(expr.not_()).then(pl.lit("FALSE"))
    if dtype == "datetime":
        no_time = (
            (expr.dt.hour() == 0)
            & (expr.dt.minute() == 0)
            & (expr.dt.second() == 0)
            & (expr.dt.millisecond() == 0)
        )
        return (
            pl.when(no_time)
            .then(expr.dt.strftime("%Y-%m-%d"))
            .when(expr.dt.millisecond() == 0)
            .then(expr.dt.strftime("%Y-%m-%dT%H:%M:%S"))
            .otherwise(expr.dt.strftime("%Y-%m-%dT%H:%M:%S%.3f"))
        )
    if dtype == "date":
        return expr.dt.strftime("%Y-%m-%d")
    return None


def _load(reader: Any, index: int, start: int, columns: list[int], **options: Any) -> Any:
    """Sheet rows from ``start`` on, for the given range columns (by their generated names)."""
    return reader.load_sheet(
        index,
        header_row=None,
        skip_rows=start,
        use_columns=[f"__UNNAMED__{i}" for i in columns],
        **options,
    )
