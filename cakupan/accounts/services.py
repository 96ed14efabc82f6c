"""Writing accounts: every change to a user, their role, scope, status or password is audited.

Keyword-only, transactional, like every app's services. The Django admin (``accounts.admin``) is
the one place accounts are edited by hand; it calls these, so its additions, changes and deletions
reach the audit log with the fields before and after. A password is never logged, not even its
hash: the ``password`` entry only says ``"set"`` or ``"unusable"`` (no password sign-in), and
``"changed"`` when a change replaced it.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from cakupan.accounts.audit import Actor, diff, record_change, snapshot
from cakupan.accounts.models import Action, User

# What a user's audit rows hold: who they are, their role and scope, and what they may do.
USER_AUDITED_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "region",
    "unit",
    "branch_office",
    "is_active",
    "is_staff",
    "is_superuser",
)


class PasswordNote(StrEnum):
    """What a user's audit rows say under ``"password"``: never the password, nor its hash."""

    SET = "set"
    UNUSABLE = "unusable"  # no password sign-in
    CHANGED = "changed"  # replaced by another


def _password_state(user: User) -> str:
    return PasswordNote.SET if user.has_usable_password() else PasswordNote.UNUSABLE


def user_snapshot(user: User) -> dict[str, Any]:
    """The audited state of a saved ``user``: fields, password state, groups and permissions."""
    return {
        **snapshot(user, USER_AUDITED_FIELDS),
        "password": _password_state(user),
        "groups": sorted(user.groups.values_list("pk", flat=True)),
        "user_permissions": sorted(user.user_permissions.values_list("pk", flat=True)),
    }


@transaction.atomic
def user_save(
    *,
    actor: Actor,
    user: User,
    groups: Iterable[Group] | None = None,
    permissions: Iterable[Permission] | None = None,
    note: str = "",
) -> User:
    """Create or change ``user`` as given (a form has validated it), with one audit row.

    ``groups`` and ``permissions``, when given, replace the user's. A new user is audited with every
    audited field, a change with the changed ones only, no change not at all. The database checks
    that the role carries the scope it needs (``user_scope_matches_role``).
    """
    adding = user._state.adding
    before: dict[str, Any] = {}
    old_hash = ""
    if not adding:
        stored = User.objects.select_for_update().get(pk=user.pk)
        before = user_snapshot(stored)
        old_hash = stored.password
    user.save()
    if groups is not None:
        user.groups.set(groups)
    if permissions is not None:
        user.user_permissions.set(permissions)
    after = user_snapshot(user)
    if adding:
        record_change(
            actor=actor, action=Action.CREATE, instance=user, before=None, after=after, note=note
        )
        return user
    old, new = diff(before, after)
    if user.password != old_hash and "password" not in new and user.has_usable_password():
        old["password"], new["password"] = before["password"], PasswordNote.CHANGED
    if new:
        record_change(
            actor=actor, action=Action.UPDATE, instance=user, before=old, after=new, note=note
        )
    return user


@transaction.atomic
def user_set_password(*, actor: Actor, user: User, password: str | None, note: str = "") -> User:
    """Give ``user`` a new password, or none (``None``: no password sign-in); audited, not logged."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    return user_save(actor=actor, user=user, note=note)


@transaction.atomic
def user_delete(*, actor: Actor, users: Iterable[User], note: str = "") -> int:
    """Delete accounts, each with its audit row (written first: afterwards it has no pk).

    An account that appears in the audit log as an actor cannot be deleted (``PROTECT``); the whole
    deletion is one transaction, so a refused one leaves no row. Deactivate such accounts instead.
    """
    deleted = 0
    for user in users:
        record_change(
            actor=actor,
            action=Action.DELETE,
            instance=user,
            before=user_snapshot(user),
            after=None,
            note=note,
        )
        user.delete()
        deleted += 1
    return deleted
