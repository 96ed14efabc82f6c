"""A report as data: sections of facts, tables and line charts, rendered by ``pdf`` and ``xlsx``.

One definition per report (``kso.py`` builds a :class:`Report`), two renderers that know nothing
of coverage: the PDF and the workbook show the same sections, the same rows and the same numbers.
Numbers stay numbers here; the renderers format them (Indonesian grouping in the PDF, number
formats in the workbook).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from cakupan.common.money import format_rupiah

Kind = Literal["text", "int", "money", "percent"]
Cell = str | int | Decimal | None


def number(value: int | Decimal) -> str:
    """Indonesian grouping: ``4.535``, ``113.120``."""
    return f"{int(value):,}".replace(",", ".")


def percent(value: Decimal | None) -> str:
    """``48,3%``; a dash without a value."""
    return "–" if value is None else f"{value}%".replace(".", ",")


def rupiah(value: int | Decimal) -> str:
    """``Rp1.077.000.000``."""
    return format_rupiah(value)


def formatted(value: Cell, kind: Kind) -> str:
    if value is None:
        return "–"
    if isinstance(value, str):
        return value
    if kind == "money":
        return rupiah(value)
    if kind == "percent":
        return percent(Decimal(value))
    return number(value)


@dataclass
class Table:
    header: list[str]
    kinds: list[Kind]
    rows: list[list[Cell]] = field(default_factory=list)
    widths: list[float] | None = None  # relative column widths (PDF)
    caption: str = ""
    total: list[Cell] | None = None


@dataclass
class Chart:
    """A line over months: ``labels`` on x, ``values`` (None: no value that month) on y."""

    title: str
    labels: list[str]
    values: list[Decimal | None]
    kind: Kind  # "percent" or "int"


@dataclass
class Section:
    sheet: str  # the workbook's sheet name (at most 31 characters)
    title: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    annex: bool = False  # printed after the main sections, under "Lampiran"


@dataclass
class Letterhead:
    authority: str  # "PEMERINTAH KABUPATEN LUWU TIMUR"
    title: str
    subtitle: str
    place_date: str  # "Keadaan per 9 November 2022"


@dataclass
class Report:
    letterhead: Letterhead
    sections: list[Section]
    file_stem: str
    footer: str = ""
