"""Chart geometry for server-rendered SVG: round axes, bars, lines. No Django, no JavaScript.

Templates draw the shapes these functions place (``<rect>``, ``<polyline>``, ``<text>``), with
classes for colours (the Content-Security-Policy allows no inline style) and a table of the same
figures beside every chart, so nothing is only in the picture.

The y axis steps through 1, 2, 2.5 or 5 x 10^k (:func:`nice_step`), about four of them; labels are
formatted by the caller (``common.money.short_rupiah``, percentages, counts). Every chart of the
site is drawn from these (the claims summary, the coverage pages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

__all__ = [
    "Bar",
    "BarChart",
    "HBar",
    "HBarChart",
    "LineChart",
    "Point",
    "Tick",
    "XLabel",
    "grouped_bar_chart",
    "horizontal_bar_chart",
    "line_chart",
    "nice_step",
]

Number = int | Decimal
Format = Callable[[Decimal], str]


def nice_step(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 x 10^k at least ``value`` (a round step for an axis)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    power = Decimal(10) ** exponent
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if value <= power * factor:
            return power * factor
    return power * 10  # pragma: no cover - the loop ends at 10


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class XLabel:
    x: float
    label: str
    anchor: str = "middle"  # SVG text-anchor: the first and last labels of a line stay inside


def _axis(
    peak: Decimal, top: int, plot_h: int, label: Format, ceiling: Decimal | None = None
) -> tuple[Decimal, list[Tick]]:
    """The axis top (a round number at or above ``peak``, or ``ceiling``) and its ticks."""
    if ceiling is None:
        step = nice_step(peak / 4)
        steps = (
            max(1, int((peak / step).to_integral_value(rounding=ROUND_CEILING))) if peak > 0 else 4
        )
        ceiling = step * steps
    else:
        steps = 4
        step = ceiling / steps
    ticks = [
        Tick(y=round(top + plot_h - plot_h * i / steps, 1), label=label(step * i))
        for i in range(steps + 1)
    ]
    return ceiling, ticks


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: Decimal
    series: str
    label: str


@dataclass(frozen=True)
class BarChart:
    """Grouped vertical bars in a ``width`` x ``height`` viewBox (all lengths in its units)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[XLabel]


def grouped_bar_chart(
    series: Sequence[tuple[str, Sequence[Number]]],
    labels: Sequence[str],
    *,
    y_label: Format,
    width: int = 720,
    height: int = 300,
) -> BarChart:
    """Bars of each series side by side for every label (each series has a value per label)."""
    left, right, top, bottom = 76, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((Decimal(v) for _, values in series for v in values), default=Decimal(0))
    ceiling, ticks = _axis(peak, top, plot_h, y_label)
    slot = plot_w / max(len(labels), 1)
    gap = slot * 0.2
    bar_w = (slot - gap) / max(len(series), 1)
    bars = []
    for s, (name, values) in enumerate(series):
        for i, raw in enumerate(values):
            value = Decimal(raw)
            h = float(Decimal(plot_h) * value / ceiling) if value > 0 else 0.0
            bars.append(
                Bar(
                    x=round(left + i * slot + gap / 2 + s * bar_w, 1),
                    y=round(top + plot_h - h, 1),
                    width=round(bar_w, 1),
                    height=round(h, 1),
                    value=value,
                    series=name,
                    label=labels[i],
                )
            )
    return BarChart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        plot_top=top,
        baseline=top + plot_h,
        bars=bars,
        ticks=ticks,
        labels=[
            XLabel(x=round(left + i * slot + slot / 2, 1), label=t) for i, t in enumerate(labels)
        ],
    )


@dataclass(frozen=True)
class HBar:
    y: float
    width: float
    height: float
    value: Decimal
    label: str
    value_label: str
    text_y: float


@dataclass(frozen=True)
class HBarChart:
    """Horizontal bars with their labels above them: readable on a narrow screen."""

    width: int
    height: int
    left: int
    bars: list[HBar]


def horizontal_bar_chart(
    items: Sequence[tuple[str, Number]], *, value_label: Format, width: int = 360
) -> HBarChart:
    """One bar per item, longest for the largest value; label and value written above each bar."""
    left, bar_h, row_h = 4, 14, 40
    peak = max((Decimal(v) for _, v in items), default=Decimal(0))
    plot_w = width - left - 8
    bars = []
    for i, (label, raw) in enumerate(items):
        value = Decimal(raw)
        w = float(Decimal(plot_w) * value / peak) if peak > 0 and value > 0 else 0.0
        y = i * row_h + 20
        bars.append(
            HBar(
                y=y,
                width=round(max(w, 1.0 if value > 0 else 0.0), 1),
                height=bar_h,
                value=value,
                label=label,
                value_label=value_label(value),
                text_y=y - 5,
            )
        )
    return HBarChart(width=width, height=len(items) * row_h + 8, left=left, bars=bars)


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: Decimal
    label: str


@dataclass(frozen=True)
class LineChart:
    """A line through the points that have a value; gaps where a point has none."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    baseline: float
    segments: list[str]  # ``points`` attributes of ``<polyline>``, one per unbroken run
    points: list[Point]
    ticks: list[Tick]
    labels: list[XLabel]


def line_chart(
    values: Sequence[tuple[str, Decimal | None]],
    *,
    y_label: Format,
    ceiling: Decimal | None = None,
    width: int = 720,
    height: int = 260,
    every: int = 1,
) -> LineChart:
    """A line over ``values`` (label, value or None); x labels on every ``every``-th point.

    ``ceiling`` fixes the top of the axis (100 for percentages); otherwise it is the round step
    above the largest value.
    """
    left, right, top, bottom = 56, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, v in values if v is not None), default=Decimal(0))
    top_value, ticks = _axis(peak, top, plot_h, y_label, ceiling)
    n = len(values)
    step = plot_w / max(n - 1, 1)
    points: list[Point] = []
    segments: list[str] = []
    run: list[str] = []
    for i, (label, value) in enumerate(values):
        x = round(left + i * step, 1)
        if value is None:
            if run:
                segments.append(" ".join(run))
            run = []
            continue
        clipped = min(max(value, Decimal(0)), top_value)
        y = round(top + plot_h - float(Decimal(plot_h) * clipped / top_value), 1)
        points.append(Point(x=x, y=y, value=value, label=label))
        run.append(f"{x},{y}")
    if run:
        segments.append(" ".join(run))
    labels = [
        XLabel(
            x=round(left + i * step, 1),
            label=label,
            anchor="end" if i == n - 1 and n > 1 else "start" if i == 0 else "middle",
        )
        for i, (label, _value) in enumerate(values)
        if i % every == 0 or i == n - 1
    ]
    return LineChart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        plot_top=top,
        baseline=top + plot_h,
        segments=segments,
        points=points,
        ticks=ticks,
        labels=labels,
    )
