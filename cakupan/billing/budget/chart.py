"""Presentation helpers of the budget page: the monthly bar chart and its axis labels.

No Django request handling here, so the chart geometry can be tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.translation import pgettext_lazy

from cakupan.common.money import format_rupiah

MONTH_NAMES = (
    pgettext_lazy("bulan singkat", "Jan"),
    pgettext_lazy("bulan singkat", "Feb"),
    pgettext_lazy("bulan singkat", "Mar"),
    pgettext_lazy("bulan singkat", "Apr"),
    pgettext_lazy("bulan singkat", "Mei"),
    pgettext_lazy("bulan singkat", "Jun"),
    pgettext_lazy("bulan singkat", "Jul"),
    pgettext_lazy("bulan singkat", "Agu"),
    pgettext_lazy("bulan singkat", "Sep"),
    pgettext_lazy("bulan singkat", "Okt"),
    pgettext_lazy("bulan singkat", "Nov"),
    pgettext_lazy("bulan singkat", "Des"),
)


def short_rupiah(amount: Decimal | int) -> str:
    """Axis labels: ``Rp1,25 M`` (miliar), ``Rp250 jt`` (juta), ``Rp900 rb`` (ribu), ``Rp0``."""
    value = Decimal(amount)
    for size, unit in ((Decimal(10) ** 9, "M"), (Decimal(10) ** 6, "jt"), (Decimal(10) ** 3, "rb")):
        if abs(value) >= size:
            scaled = (value / size).quantize(Decimal("0.01")).normalize()
            return f"Rp{scaled:f} {unit}".replace(".", ",")
    return format_rupiah(value)


def _nice_step(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 x 10^k at least ``value`` (a round step for the y axis)."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1)
    for factor in (1, 2, Decimal("2.5"), 5, 10):
        if value <= power * factor:
            return power * factor
    return power * 10  # pragma: no cover - the loop ends at 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    amount: Decimal
    series: str
    month: str


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class MonthLabel:
    x: float
    label: str


@dataclass(frozen=True)
class Chart:
    """Grouped monthly bars in a ``width`` x ``height`` SVG viewBox (all lengths in its units)."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    months: list[MonthLabel]


def monthly_bar_chart(
    series: list[tuple[str, list[Decimal]]], *, width: int = 720, height: int = 300
) -> Chart:
    """Bars of each series side by side for every month (12 values each), on a round y axis."""
    left, right, top, bottom = 76, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, values in series for v in values), default=Decimal(0))
    # About four round steps: the step is a round number, the top the first step above the peak.
    step = _nice_step(peak / 4)
    steps = max(1, int((peak / step).to_integral_value(rounding=ROUND_CEILING))) if peak > 0 else 4
    ceiling = step * steps
    ticks = [
        Tick(y=round(top + plot_h - plot_h * i / steps, 1), label=short_rupiah(step * i))
        for i in range(steps + 1)
    ]
    slot = plot_w / 12
    gap = slot * 0.2
    bar_w = (slot - gap) / max(len(series), 1)
    bars = []
    for s, (name, values) in enumerate(series):
        for m, amount in enumerate(values):
            h = float(Decimal(plot_h) * amount / ceiling) if amount > 0 else 0.0
            bars.append(
                Bar(
                    x=round(left + m * slot + gap / 2 + s * bar_w, 1),
                    y=round(top + plot_h - h, 1),
                    width=round(bar_w, 1),
                    height=round(h, 1),
                    amount=amount,
                    series=name,
                    month=str(MONTH_NAMES[m]),
                )
            )
    months = [
        MonthLabel(x=round(left + m * slot + slot / 2, 1), label=str(MONTH_NAMES[m]))
        for m in range(12)
    ]
    return Chart(
        width=width,
        height=height,
        plot_left=left,
        plot_right=width - right,
        plot_top=top,
        baseline=top + plot_h,
        bars=bars,
        ticks=ticks,
        months=months,
    )
