"""Statistical disclosure control for the public pages: small counts of people are never shown.

Rules (pure functions, no Django):

* **Primary suppression**: a count of people from 1 to ``THRESHOLD - 1`` (1-4) is shown as
  ``"<5"``. Zero is shown: it tells that nobody is there, not who.
* **Complementary suppression**: in a group of cells whose total is shown (a column of a league
  table under its region's own figure, a segment breakdown under its total), a single suppressed
  cell could be computed back as the total minus the others. When exactly one cell of a group is
  suppressed, the smallest other non-zero cell is suppressed too. A part that is counted in the
  total but never shown (``hidden``: units placed at the region itself, which have no row of their
  own on a public page) takes part as a cell: when it is 1-4 it counts as suppressed, so a visible
  cell is suppressed beside it. When no other cell can take the complement, the total is
  suppressed as well.
* A percentage whose numerator is suppressed is not shown (``"<5"`` stands in for it), since the
  denominator would give the numerator back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

THRESHOLD = 5
SUPPRESSED = "<5"


def is_small(value: int | None) -> bool:
    return value is not None and 0 < value < THRESHOLD


@dataclass(frozen=True)
class Protected:
    """Which cells of a group to suppress, and whether its total must be suppressed too."""

    cells: tuple[bool, ...]
    total: bool


def protect(
    values: Sequence[int | None], *, total: int | None = None, hidden: int = 0
) -> Protected:
    """Suppression flags for ``values`` (one group) whose ``total`` is shown (see the module)."""
    flags = [is_small(v) for v in values]
    suppressed = sum(flags) + (1 if is_small(hidden) else 0)
    total_flag = is_small(total)
    if total is not None and suppressed == 1:
        candidates = [
            (v, i) for i, v in enumerate(values) if not flags[i] and v is not None and v > 0
        ]
        if candidates:
            flags[min(candidates)[1]] = True
        elif not is_small(hidden) or any(flags):
            total_flag = True
    return Protected(tuple(flags), total_flag)


def count_text(value: int | None, suppressed: bool) -> str:
    """A count as shown: ``"<5"`` when suppressed, a dash without a value, else ``4.535``."""
    if value is None:
        return "–"
    if suppressed:
        return SUPPRESSED
    return f"{value:,}".replace(",", ".")


def percent_text(value: Decimal | None, numerator_suppressed: bool) -> str:
    if numerator_suppressed:
        return SUPPRESSED
    if value is None:
        return "–"
    return f"{value}%".replace(".", ",")
