"""Who may do what with a claim. Services enforce these; the pages use them to show buttons.

Seeing a claim follows the claim's unit through ``accounts.access.unit_scope_q`` (see
``claims.selectors``): all seven roles see the claims of the units in their scope, the public none.

* report a claim, add heirs and documents, submit: the operator of the person's unit (an OPD or
  desa operator whose scope holds the unit), the camat, an admin kabupaten, the BPJS officer of
  the branch serving the region, a superadmin; pimpinan read only;
* verify: a superadmin, or an admin kabupaten of the claim's region (one attached to a dinas only
  for the segments that dinas verifies, ``Unit.verifies_segments``); never who submitted it;
* file with BPJS, approve or reject, record payments: the BPJS officer of the branch serving the
  claim's region, or a superadmin;
* scholarship instalments: proof of enrolment and stops by the reporting roles or BPJS; payment
  by BPJS.
"""

from __future__ import annotations

from typing import Any

from cakupan.accounts.access import unit_scope_q
from cakupan.accounts.models import Role
from cakupan.claims.models import Claim
from cakupan.registry.models import Unit
from cakupan.wilayah.selectors import region_subtree_q

REPORTER_ROLES = frozenset(
    {
        Role.SUPERADMIN,
        Role.ADMIN_KABUPATEN,
        Role.OPERATOR_OPD,
        Role.OPERATOR_DESA,
        Role.CAMAT,
        Role.PETUGAS_BPJS,
    }
)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def unit_in_scope(user: Any, unit_id: int) -> bool:
    if not _active(user):
        return False
    q = unit_scope_q(user, "")
    return q is None or Unit.objects.filter(q, pk=unit_id).exists()


def may_report(user: Any, unit_id: int) -> bool:
    """Report a claim for a person of this unit (and edit a draft of it)."""
    return _active(user) and user.role in REPORTER_ROLES and unit_in_scope(user, unit_id)


def may_edit(user: Any, claim: Claim) -> bool:
    return claim.status == "draft" and may_report(user, claim.unit_id)


def may_verify(user: Any, claim: Claim) -> bool:
    if not _active(user):
        return False
    if claim.submitted_by_id is not None and claim.submitted_by_id == user.pk:
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if user.role != Role.ADMIN_KABUPATEN or not user.region_id:
        return False
    if not Unit.objects.filter(
        region_subtree_q(user.region_id, "region__code"), pk=claim.unit_id
    ).exists():
        return False
    return user.unit_id is None or claim.segment in (user.unit.verifies_segments or [])


def may_act_for_bpjs(user: Any, claim: Claim) -> bool:
    """File, decide and pay: the BPJS officer of the branch serving the claim's region."""
    if not _active(user):
        return False
    if user.role == Role.SUPERADMIN:
        return True
    return user.role == Role.PETUGAS_BPJS and unit_in_scope(user, claim.unit_id)


def may_handle_instalments(user: Any, claim: Claim) -> bool:
    """Record proof of enrolment or a stop."""
    return may_report(user, claim.unit_id)
