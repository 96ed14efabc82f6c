"""Writing accounts: every change to a user, their role, scope, status or password is audited.

Keyword-only, transactional, like every app's services. The Django admin (``accounts.admin``) is
the one place accounts are edited by hand; it calls these, so its additions, changes and deletions
reach the audit log with the fields before and after. A password is never logged, not even its
hash: the ``password`` entry only says ``"set"`` or ``"unusable"`` (no password sign-in), and
``"changed"`` when a change replaced it.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cakupan.accounts.audit import (
    Actor,
    diff,
    record_auth,
    record_change,
    record_denial,
    snapshot,
)
from cakupan.accounts.models import Action, Source, User
from cakupan.accounts.throttle import Lockout

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


# --- signing in and out (issue 13) ---------------------------------------------------------------
#
# Every sign-in, failure, lock, unlock and sign-out is an audit row on ``accounts.user``: the account
# (its id; ``"*"`` for a name that names no account, which is not stored: it may be a password typed
# into the wrong field), the client's address, how, and why not.


def _user_named(username: str) -> User | None:
    return User.objects.filter(username=username).first() if username else None


def _auth_event(
    *, action: str, user: User | None, actor: User | None, details: dict[str, Any], note: str = ""
) -> None:
    label = user.get_username() if user is not None else "anonim"
    event_actor = Actor(user=actor, source=Source.WEB, label="" if actor is not None else label)
    record_auth(
        actor=event_actor,
        action=action,
        entity_id=user.pk if user is not None else "*",
        details=details,
        note=note,
    )


@transaction.atomic
def sign_in_record(*, user: User, ip: str | None, method: str) -> None:
    """A completed sign-in (``method``: password, totp, recovery); the account's failures are forgiven."""
    AccessAttempt.objects.filter(username=user.get_username()).delete()
    _auth_event(action=Action.SIGN_IN, user=user, actor=user, details={"ip": ip, "method": method})


@transaction.atomic
def sign_in_failed_record(
    *, username: str, ip: str | None, reason: str, lockout: Lockout | None = None, new_lock: bool
) -> None:
    """A refused sign-in (``reason``: password, second_factor, locked); a lock it caused, too."""
    user = _user_named(username)
    details: dict[str, Any] = {"ip": ip, "reason": reason}
    if user is None:
        details["username_known"] = False
    if lockout is not None:
        details["locked_until"] = lockout.until.isoformat()
    _auth_event(action=Action.SIGN_IN_FAILED, user=user, actor=None, details=details)
    if lockout is not None and new_lock:
        _auth_event(
            action=Action.LOCKOUT,
            user=user,
            actor=None,
            details={
                "ip": ip,
                "lock": lockout.reason,
                "failures": lockout.failures,
                "until": lockout.until.isoformat(),
            },
        )


@transaction.atomic
def denial_record(
    *,
    user: User,
    route: str,
    path: str,
    method: str,
    status: int,
    kwargs: dict[str, Any],
    source: str = Source.WEB,
) -> None:
    """``user`` was refused a page or an action (403, 404, or the admin for a non-superadmin).

    Written by ``DeniedAccessLogMiddleware`` alone, after the view answered, outside the view's
    transaction (its rollback must not take the denial with it).
    """
    record_denial(
        actor=Actor(user=user, source=source),
        route=route,
        path=path,
        method=method,
        status=status,
        kwargs=kwargs,
    )


def sign_out_record(*, user: User, ip: str | None, reason: str) -> None:
    """A session ended (``reason``: user, idle, expired, second_factor_required)."""
    _auth_event(action=Action.SIGN_OUT, user=user, actor=user, details={"ip": ip, "reason": reason})


@transaction.atomic
def lockout_clear(*, actor: Actor, user: User) -> int:
    """An administrator unlocks ``user`` at once (the address locks stay); audited."""
    deleted, _ = AccessAttempt.objects.filter(username=user.get_username()).delete()
    record_change(
        actor=actor, action=Action.UNLOCK, instance=user, before=None, after={"attempts": deleted}
    )
    return deleted


# --- passwords ----------------------------------------------------------------------------------

# Codes an administrator reads out to a user: no 0/O, 1/I/L; four groups of four (about 78 bits).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def one_time_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


@transaction.atomic
def password_change(*, actor: Actor, user: User, password: str) -> User:
    """The user sets their own password (validated by the form); a pending one-time code ends."""
    user.set_password(password)
    user.must_change_password = False
    user.reset_code_expires = None
    return user_save(actor=actor, user=user, note="password change")


def _require_manages(actor: Actor, user: User) -> None:
    from cakupan.accounts.selectors import users_managed_by

    if actor.user is None:
        return  # the CLI's own work
    if not users_managed_by(actor.user).filter(pk=user.pk).exists():
        raise PermissionDenied


@transaction.atomic
def password_reset_issue(*, actor: Actor, user: User) -> str:
    """An administrator in scope replaces ``user``'s password with a one-time code.

    The code signs in once to the password change only (``must_change_password``) and stops working
    after ``ACCOUNTS_RESET_CODE_HOURS``; the old password and every open session end now. The second
    factor stays: signing in with the code still asks for it. Returns the code, shown once.
    """
    _require_manages(actor, user)
    code = one_time_code()
    user.set_password(code)
    user.must_change_password = True
    user.reset_code_expires = timezone.now() + dt.timedelta(
        hours=settings.ACCOUNTS_RESET_CODE_HOURS
    )
    user_save(actor=actor, user=user, note="password reset: one-time code issued")
    return code


# --- second factor ------------------------------------------------------------------------------


def _mfa_state(user: User) -> dict[str, Any]:
    return {
        "mfa": "totp" if TOTPDevice.objects.filter(user=user, confirmed=True).exists() else "none",
        "recovery_codes": StaticToken.objects.filter(
            device__user=user, device__confirmed=True
        ).count(),
    }


def mfa_device_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device ``user`` is setting up (created once, reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.ACCOUNTS_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


@transaction.atomic
def mfa_enrol_confirm(*, actor: Actor, user: User, token: str) -> list[str] | None:
    """Confirm the pending device with a code from the app; its recovery codes, or None if wrong."""
    device = mfa_device_pending(user=user)
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    before = _mfa_state(user)
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    record_change(
        actor=actor,
        action=Action.UPDATE,
        instance=user,
        before=before,
        after=_mfa_state(user),
        note="second factor set up",
    )
    return codes


@transaction.atomic
def mfa_recovery_codes_renew(*, actor: Actor, user: User) -> list[str]:
    before = _mfa_state(user)
    codes = _new_recovery_codes(user)
    record_change(
        actor=actor,
        action=Action.UPDATE,
        instance=user,
        before=before,
        after=_mfa_state(user),
        note="recovery codes renewed",
    )
    return codes


@transaction.atomic
def mfa_verify(*, user: User, code: str) -> str | None:
    """Check a second-factor code: ``"totp"``, ``"recovery"`` (used up), or None when wrong.

    A TOTP code is accepted once: a code already used (or an older one) is refused (django-otp keeps
    the last time step used); each device also slows down repeated failures.
    """
    cleaned = code.strip().replace(" ", "").replace("-", "")
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if cleaned.isdigit() and device.verify_token(cleaned):
            return "totp"
    for static in StaticDevice.objects.filter(user=user, confirmed=True):
        if static.verify_token(cleaned.lower()):
            return "recovery"
    return None


@transaction.atomic
def mfa_remove(*, actor: Actor, user: User, note: str) -> None:
    """Remove ``user``'s second factor: by an administrator in scope (a lost phone), or by the user
    when their role does not require one. The next sign-in of a role that requires it sets a new one up.
    """
    if actor.user is None or actor.user.pk != user.pk:
        _require_manages(actor, user)
    before = _mfa_state(user)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    record_change(
        actor=actor,
        action=Action.UPDATE,
        instance=user,
        before=before,
        after=_mfa_state(user),
        note=note,
    )


# --- accounts managed on the web (admin kabupaten: operators of its kabupaten) ------------------


def _require_assignable(actor: Actor, *, role: str, unit: Any) -> None:
    from cakupan.accounts.selectors import roles_assignable_by, units_assignable_by

    if actor.user is None:
        return
    if role not in roles_assignable_by(actor.user):
        raise PermissionDenied
    if unit is None or not units_assignable_by(actor.user).filter(pk=unit.pk).exists():
        raise PermissionDenied


@transaction.atomic
def operator_create(
    *,
    actor: Actor,
    username: str,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    unit: Any,
) -> tuple[User, str]:
    """A new operator account in the administrator's scope; its one-time code, shown once."""
    _require_assignable(actor, role=role, unit=unit)
    code = one_time_code()
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=role,
        unit=unit,
        must_change_password=True,
        reset_code_expires=timezone.now() + dt.timedelta(hours=settings.ACCOUNTS_RESET_CODE_HOURS),
    )
    user.set_password(code)
    user_save(actor=actor, user=user, note="web: account created with a one-time code")
    return user, code


@transaction.atomic
def operator_update(
    *,
    actor: Actor,
    user: User,
    first_name: str,
    last_name: str,
    email: str,
    role: str,
    unit: Any,
) -> User:
    """Rename or re-scope an operator account, within the administrator's scope both before and after."""
    _require_manages(actor, user)
    from cakupan.accounts.selectors import roles_assignable_by

    if actor.user is not None and user.role not in roles_assignable_by(actor.user):
        raise PermissionDenied
    _require_assignable(actor, role=role, unit=unit)
    user.first_name, user.last_name, user.email = first_name, last_name, email
    user.role, user.unit = role, unit
    user.region = None
    user.branch_office = None
    return user_save(actor=actor, user=user, note="web")


@transaction.atomic
def user_set_active(*, actor: Actor, user: User, active: bool) -> User:
    """Deactivate (its sessions end at their next request) or reactivate an account in scope."""
    _require_manages(actor, user)
    user.is_active = active
    return user_save(actor=actor, user=user, note="web")
