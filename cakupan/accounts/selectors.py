"""Reading accounts: second-factor state, locks, and the accounts an administrator manages.

Scoped like every app's selectors (``accounts.access``): an account outside the administrator's
scope does not exist for them (404). Nothing here hands out personal data of registered people, so
nothing here writes the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from cakupan.accounts.access import Viewer, unit_scope_q
from cakupan.accounts.models import Role, User
from cakupan.accounts.throttle import Lockout, account_lockouts, lockout_for

__all__ = [
    "OPERATOR_ROLES",
    "AccountRow",
    "Lockout",
    "lockout_for",
    "mfa_enrolled",
    "mfa_required",
    "recovery_codes_left",
    "roles_assignable_by",
    "units_assignable_by",
    "user_get_for",
    "users_managed_by",
]

# The accounts an admin kabupaten creates and re-scopes on the web: the operators of its units.
OPERATOR_ROLES = (Role.OPERATOR_OPD, Role.OPERATOR_DESA)
MANAGERS = (Role.SUPERADMIN, Role.ADMIN_KABUPATEN)


def mfa_required(user: User) -> bool:
    """Whether ``user`` must sign in with a second factor (their role; demo sign-ins by setting)."""
    if user.role not in settings.ACCOUNTS_MFA_ROLES:
        return False
    return not (user.is_demo and settings.ACCOUNTS_DEMO_WITHOUT_MFA)


def mfa_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def _units() -> Any:
    """The unit model, through the user's foreign key (``accounts`` imports no app above it)."""
    return User._meta.get_field("unit").related_model


def units_assignable_by(viewer: Viewer) -> QuerySet[Any]:
    """Units an administrator may give an operator account: those in their own scope."""
    units = _units().objects.select_related("region").order_by("region_id", "name")
    if viewer.role not in MANAGERS:
        return units.none()
    q = unit_scope_q(viewer)
    return units if q is None else units.filter(q)


def roles_assignable_by(viewer: Viewer) -> list[Role]:
    """Roles an administrator may give on the web: operators only, never their own or above."""
    return list(OPERATOR_ROLES) if viewer.role in MANAGERS else []


def users_managed_by(viewer: Viewer) -> QuerySet[User]:
    """Accounts ``viewer`` manages on the web.

    A superadmin: every other account (roles above operators are edited in the Django admin, but
    locks, one-time codes, second factors and deactivation are handled here too). An admin
    kabupaten: operator accounts whose unit lies in its kabupaten. Anyone else: none.
    """
    users = User.objects.select_related("region", "unit", "branch_office").order_by("username")
    if viewer.role == Role.SUPERADMIN:
        own = getattr(viewer, "pk", None)
        return users if own is None else users.exclude(pk=own)
    if viewer.role == Role.ADMIN_KABUPATEN:
        q = unit_scope_q(viewer, "unit__")
        scoped = users.filter(role__in=OPERATOR_ROLES)
        return scoped if q is None else scoped.filter(q)
    return users.none()


def user_get_for(viewer: Viewer, pk: Any) -> User:
    """One account ``viewer`` manages; 404 for any other (out of scope, unknown, malformed)."""
    try:
        return users_managed_by(viewer).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@dataclass(frozen=True, slots=True)
class AccountRow:
    user: User
    lockout: Lockout | None
    mfa: bool
    mfa_required: bool
    scope_editable: bool


def account_rows(viewer: Viewer, *, search: str = "") -> list[AccountRow]:
    """The managed accounts with their lock and second-factor state, for the user list."""
    users = users_managed_by(viewer)
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
        )
    shown = list(users[:500])
    locks = account_lockouts([u.username for u in shown])
    enrolled = set(
        TOTPDevice.objects.filter(user__in=shown, confirmed=True).values_list("user_id", flat=True)
    )
    return [
        AccountRow(
            user=u,
            lockout=locks.get(u.username),
            mfa=u.pk in enrolled,
            mfa_required=mfa_required(u),
            scope_editable=u.role in roles_assignable_by(viewer),
        )
        for u in shown
    ]
