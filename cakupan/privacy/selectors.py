"""Reading personal data for the privacy pages: the reveal of masked data, the subject report.

Every function that hands personal data out writes its access row (``accounts.audit``), as the
selectors of the other apps do.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from cakupan.accounts.access import SYSTEM, MaybeViewer
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, Role
from cakupan.common.errors import DomainError
from cakupan.common.nik import mask_nik, parse_nik
from cakupan.common.pii import redact_query
from cakupan.privacy import subject
from cakupan.registry import selectors as registry
from cakupan.registry.models import Membership, Person

REVEAL_NOTE = "tampilkan data lengkap"
SUBJECT_REPORT_NOTE = "laporan subjek data"


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


# --- the data-subject report (UU 27/2022 PDP Pasal 5-7, 31-33) ----------------------------------

#: Who may run the report on the web: the superadmin (everyone) and an admin kabupaten (the people
#: its kabupaten holds). The controller answering a subject's request is the regional government,
#: whose administrator holds the data in full anyway; read-only roles (pimpinan, camat, BPJS) and
#: the operators, who see only their unit, do not answer requests. The CLI (``SYSTEM``) may too.
REPORT_ROLES = (Role.SUPERADMIN, Role.ADMIN_KABUPATEN)


class SubjectNotFound(DomainError):
    """No person with that NIK in the viewer's scope (unknown and out of scope alike)."""

    code = "person_unknown"


class InvalidNik(DomainError):
    """The text is not a NIK (not 16 digits); ``details`` is the ``common.nik.NikCode`` value."""

    code = "nik_invalid"


def may_run_subject_report(user: MaybeViewer) -> bool:
    """Whether ``user`` may run the subject report (:data:`REPORT_ROLES`; the CLI's ``SYSTEM``)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_active", False)) and getattr(user, "role", None) in REPORT_ROLES


def subject_nik(raw: str) -> str:
    """The 16 digits of ``raw`` (spaces, dots and dashes dropped); :class:`InvalidNik` otherwise.

    Only the shape is required: a person already in the registry may hold a NIK whose date or
    region no longer checks out, and the report must still find them.
    """
    result = parse_nik(raw)
    if result.nik is None:
        issue = result.errors[0]
        raise InvalidNik(
            _("NIK tidak sah. %(detail)s") % {"detail": issue.message}, details=issue.code
        )
    return result.nik


def subject_report(*, actor: Actor, nik: str, purpose: str) -> dict[str, Any]:
    """Everything held about the person with ``nik`` and every access to it (``privacy.subject``),
    as ``actor`` may see it; the report itself is written to the access log as an export of the
    person's data (``purpose``: "lihat", "JSON", "XLSX", "CLI").

    ``actor.user`` None is the CLI (everything). 403 for a role that may not run it
    (:data:`REPORT_ROLES`); :class:`InvalidNik` for a text that is no NIK; :class:`SubjectNotFound`
    when no person with that NIK is in scope (unknown and out of scope alike).
    """
    viewer: MaybeViewer = SYSTEM if actor.user is None else actor.user
    if not may_run_subject_report(viewer):
        raise PermissionDenied
    digits = subject_nik(nik)
    person = (
        registry.persons_visible_to(viewer).select_related("domicile").filter(nik=digits).first()
    )
    if person is None:
        raise SubjectNotFound(
            _("Tidak ada orang dengan NIK %(nik)s dalam cakupan Anda di registri.")
            % {"nik": mask_nik(digits)}
        )
    report = subject.gather(viewer=viewer, person=person, generated_by=actor.name)
    heirs = [c["heir"]["id"] for c in report["claims"] if c["heir"] is not None]
    # An export of the person's data, whichever way it is shown (page, JSON, XLSX, CLI).
    record_access(
        actor=actor,
        action=Action.EXPORT,
        entity="registry.person",
        entity_id=person.pk,
        note=f"{SUBJECT_REPORT_NOTE} ({purpose})",
    )
    if heirs:
        record_access(
            actor=actor,
            action=Action.EXPORT,
            entity="claims.heir",
            entity_id="*",
            shown=heirs,
            note=f"{SUBJECT_REPORT_NOTE} ({purpose})",
        )
    return report
