"""What waits for a user: one item of the home page's "work waiting for me" panel.

Each app says what waits in its own ``selectors.waiting_work`` (intake, billing, claims) and
``coverage.waiting`` gathers them for the home page. Plain data, no app imported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class WorkItem:
    """``count`` things (``label``, already in the user's language) that ``url`` lists.

    ``key`` is stable (``"intake.to_verify"``) for tests and anchors. ``watch``: waiting on others
    in the user's area (what a camat or a bupati follows), not on the user. ``amount``: the rupiah
    the items add up to, where that is what matters (unpaid bills, arrears).
    """

    key: str
    label: str
    count: int
    url: str
    amount: Decimal | None = None
    watch: bool = False
