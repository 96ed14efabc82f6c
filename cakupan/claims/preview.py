"""The eligibility preview of the report form: the rules result and its reasons for a NIK, a type
of event and a date, before anything is saved.

A read path: no claim, heir or registry row is written. Looking a person up by NIK shows their
memberships, so a preview that finds the person is written to the access log (like every page
that shows a person). The person is looked up in the actor's scope only: an unknown NIK and a
person out of scope answer the same way (NIKs cannot be probed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action
from cakupan.claims import permissions
from cakupan.claims.models import Claim, ClaimStatus, EventKind
from cakupan.claims.selectors import person_for_claim
from cakupan.claims.services import ClaimError, EventInput, acting_user, decide
from cakupan.common.nik import mask_nik, parse_nik
from cakupan.registry.models import Membership, Person
from cakupan.rules.params import Parameters
from cakupan.wilayah.selectors import region_names

__all__ = ["Preview", "claim_preview"]


@dataclass(frozen=True)
class Preview:
    """``error`` (with ``code``) when nothing could be decided; otherwise the person, the rules
    result as a claim would store it (``data``, ``rules.eligibility`` as JSON), the covering
    membership, an earlier death claim of the person (``existing``) and whether the actor may
    report for the covering membership's unit."""

    person: Person | None = None
    data: dict[str, Any] | None = None
    membership: Membership | None = None
    existing: Claim | None = None
    may_report: bool = False
    error: str = ""
    code: str = ""

    @property
    def masked_nik(self) -> str:
        return mask_nik(self.person.nik) if self.person is not None else ""


def claim_preview(
    *, actor: Actor, nik: str, event: EventInput, today: dt.date, params: Parameters
) -> Preview:
    """Decide the event as :func:`claims.services.claim_report` would, writing nothing but the
    access log (see the module docstring)."""
    user = acting_user(actor)
    parsed = parse_nik(nik, region_names=region_names, today=today)
    if not parsed.valid:
        return Preview(
            error="NIK tidak valid: " + " ".join(e.message for e in parsed.errors),
            code="nik_invalid",
        )
    try:
        person = person_for_claim(user, nik)
    except Http404:
        return Preview(
            error="Tidak ada peserta dengan NIK ini dalam cakupan Anda.", code="person_unknown"
        )
    record_access(
        actor=actor,
        action=Action.VIEW,
        entity="registry.person",
        entity_id=person.pk,
        note="pratinjau kelayakan klaim",
    )
    existing = None
    if event.kind == EventKind.DEATH:
        existing = (
            Claim.objects.filter(person=person, event_kind=EventKind.DEATH)
            .exclude(status=ClaimStatus.REJECTED)
            .first()
        )
    try:
        _result, membership, data = decide(
            person=person, event=event, heirs=[], today=today, params=params
        )
    except ClaimError as error:
        return Preview(person=person, existing=existing, error=error.message, code=error.code)
    may = membership is not None and permissions.may_report(user, membership.unit_id)
    return Preview(
        person=person, data=data, membership=membership, existing=existing, may_report=may
    )
