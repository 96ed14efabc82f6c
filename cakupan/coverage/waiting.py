"""The home page's "work waiting for me": what each app says waits for the user, in one place.

Each app decides in its own selectors (``intake``, ``billing``, ``claims``: ``waiting_work``); this
module only gathers their items into the panel's groups, in the order a day's work goes: the
registry's files first, then money, then claims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from cakupan.accounts.access import MaybeViewer
from cakupan.billing import selectors as billing
from cakupan.claims import selectors as claims
from cakupan.common.work import WorkItem
from cakupan.intake import selectors as intake
from cakupan.parameters.selectors import active_parameters


@dataclass(frozen=True)
class WorkGroup:
    key: str
    title: Any
    items: list[WorkItem]


def waiting_work(user: MaybeViewer, today: dt.date) -> list[WorkGroup]:
    """The groups that have something waiting for ``user`` (or, for read-only roles, waiting in
    their area), each with its items."""
    groups = [
        WorkGroup("intake", _("Impor data"), intake.waiting_work(user=user)),
        WorkGroup("billing", _("Tagihan iuran"), billing.waiting_work(user=user, today=today)),
        WorkGroup(
            "claims",
            _("Klaim"),
            claims.waiting_work(user=user, today=today, params=active_parameters()),
        ),
    ]
    return [g for g in groups if g.items]
