"""Reading personal data for the privacy pages: the reveal of masked data, subject reports.

Every function that hands personal data out writes its access row (``accounts.audit``), as the
selectors of the other apps do.
"""

from __future__ import annotations

from typing import Any

from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action
from cakupan.common.pii import redact_query
from cakupan.registry import selectors as registry
from cakupan.registry.models import Membership, Person

REVEAL_NOTE = "tampilkan data lengkap"


def person_reveal(*, actor: Actor, pk: Any, reason: str) -> tuple[Person, list[Membership]]:
    """A person in full for a role that sees it masked, with ``reason`` in the access log.

    404 outside the actor's scope, like the detail page.
    """
    person = registry.person_get_for(actor.user, pk)
    memberships = list(
        registry.memberships_visible_to(actor.user)
        .filter(person=person)
        .select_related("unit", "unit__region", "occupation")
        .order_by("-start_date")
    )
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity="registry.person",
        entity_id=person.pk,
        note=f"{REVEAL_NOTE}: {redact_query(reason)}",
    )
    return person, memberships


def membership_reveal(*, actor: Actor, pk: Any, reason: str) -> Membership:
    """A membership with its wage in full, with ``reason`` in the access log."""
    membership = registry.membership_get_for(actor.user, pk)
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity="registry.membership",
        entity_id=membership.pk,
        note=f"{REVEAL_NOTE}: {redact_query(reason)}; person={membership.person_id}",
    )
    return membership
