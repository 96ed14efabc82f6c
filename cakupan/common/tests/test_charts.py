"""Chart geometry: round axes, bars, lines with gaps (no Django)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cakupan.common.charts import grouped_bar_chart, horizontal_bar_chart, line_chart, nice_step
from cakupan.common.money import short_rupiah

D = Decimal


@pytest.mark.parametrize(
    ("value", "step"),
    [
        ("0", "1"),
        ("0.3", "0.5"),
        ("1", "1"),
        ("7.5", "10"),
        ("12.5", "20"),
        ("230", "250"),
        ("2600", "5000"),
    ],
)
def test_nice_step(value: str, step: str) -> None:
    assert nice_step(D(value)) == D(step)


def test_line_chart_breaks_at_missing_values_and_fixes_the_ceiling() -> None:
    chart = line_chart(
        [("Jan", D(50)), ("Feb", None), ("Mar", D(25)), ("Apr", D(100))],
        y_label=lambda v: f"{v}%",
        ceiling=D(100),
        width=120,
        height=140,
    )
    # plot: x from 56 to 108 (3 steps of 17.33), y from 12 (100%) to 112 (0%).
    assert chart.segments == ["56.0,62.0", "90.7,87.0 108.0,12.0"]
    assert [t.label for t in chart.ticks] == ["0%", "25%", "50%", "75%", "100%"]
    assert [p.label for p in chart.points] == ["Jan", "Mar", "Apr"]


def test_line_chart_of_nothing_has_an_axis() -> None:
    chart = line_chart([("Jan", None)], y_label=str)
    assert (chart.segments, chart.points, len(chart.ticks)) == ([], [], 5)


def test_grouped_bars_and_horizontal_bars() -> None:
    chart = grouped_bar_chart(
        [("a", [D(100), D(0)]), ("b", [D(50), D(25)])],
        ["x", "y"],
        y_label=str,
        width=184,
        height=140,
    )
    heights = [(b.series, b.label, b.height) for b in chart.bars]
    assert heights == [("a", "x", 100.0), ("a", "y", 0.0), ("b", "x", 50.0), ("b", "y", 25.0)]
    bars = horizontal_bar_chart([("PU", 30), ("BPU", 15), ("Nol", 0)], value_label=str, width=112)
    assert [(b.label, b.width, b.value_label) for b in bars.bars] == [
        ("PU", 100.0, "30"),
        ("BPU", 50.0, "15"),
        ("Nol", 0.0, "0"),
    ]


def test_a_rupiah_axis_is_round_and_the_bars_scale_to_it() -> None:
    """The budget planner's and the claims summary's axis (``short_rupiah`` labels)."""
    apbd = [D(4_240_000)] * 2 + [D(2_120_000)] * 10
    months = [str(m) for m in range(1, 13)]
    chart = grouped_bar_chart(
        [("apbd", apbd), ("apbdes", [D(0)] * 12)], months, y_label=short_rupiah
    )
    # A peak of 4.24 juta: steps of 2 juta up to 6 juta; the plot is 272 - 12 = 260 units high.
    assert [t.label for t in chart.ticks] == ["Rp0", "Rp2 jt", "Rp4 jt", "Rp6 jt"]
    assert (chart.ticks[0].y, chart.ticks[-1].y) == (272, 12)
    first, march = chart.bars[0], chart.bars[2]
    assert (first.series, first.label, first.height) == ("apbd", "1", round(260 * 4.24 / 6, 1))
    assert march.height == round(260 * 2.12 / 6, 1)
    assert chart.bars[12].height == 0 and chart.bars[12].series == "apbdes"


@pytest.mark.parametrize(
    ("amount", "label"),
    [
        (1_250_000_000, "Rp1,25 M"),
        (250_000_000, "Rp250 jt"),
        (1_250_000, "Rp1,25 jt"),
        (900_000, "Rp900 rb"),
        (999, "Rp999"),
        (0, "Rp0"),
    ],
)
def test_short_rupiah(amount: int, label: str) -> None:
    assert short_rupiah(D(amount)) == label
