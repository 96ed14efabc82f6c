"""Chart geometry: round axes, bars, lines with gaps (no Django)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cakupan.common.charts import grouped_bar_chart, horizontal_bar_chart, line_chart, nice_step

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
