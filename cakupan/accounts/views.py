"""Signing in and out, the second factor, passwords, and the accounts administrators manage.

Sign-in is a few steps, and the session is authenticated (``login``) only after the last: the
password (throttled, ``accounts.throttle``); then, for an account with an authenticator app, a code
from it or a recovery code; an account whose role requires a second factor and has none sets one up
first. Until then the session holds only the pending account (``PENDING``), for a few minutes.
Every step reports to ``accounts.services``, which audits it. Logout is POST only.
"""

from __future__ import annotations

import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from cakupan.accounts import selectors, services
from cakupan.accounts.audit import Actor
from cakupan.accounts.forms import CodeForm, LoginForm, OperatorForm, PasswordChangeForm
from cakupan.accounts.middleware import MFA_DONE, SEEN_AT, SIGNED_IN_AT
from cakupan.accounts.models import Source, User
from cakupan.accounts.throttle import Lockout, client_ip, lockout_for

PENDING = "cakupan_pending"
PENDING_SECONDS = 10 * 60
RECOVERY_CODES = "cakupan_recovery_codes"


def _actor(user: User) -> Actor:
    return Actor(user=user, source=Source.WEB)


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


def _lock_page(request: HttpRequest, form: LoginForm, lock: Lockout, nxt: str) -> HttpResponse:
    return render(
        request, "accounts/login.html", {"form": form, "lock": lock, "next": nxt}, status=429
    )


# --- step 1: the password -----------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)
    nxt = request.POST.get("next") or request.GET.get("next") or ""
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    if request.method != "POST":
        request.session.pop(PENDING, None)
        return render(request, "accounts/login.html", {"form": form, "next": nxt})
    username = request.POST.get("username", "")[:150]
    ip = client_ip(request)
    lock = lockout_for(username=username, ip=ip)
    if lock is not None:  # refused without looking at the password
        services.sign_in_failed_record(
            username=username, ip=ip, reason="locked", lockout=lock, new_lock=False
        )
        return _lock_page(request, form, lock, nxt)
    if form.is_valid():
        return _password_accepted(request, form.get_user(), nxt)
    lock = lockout_for(username=username, ip=ip)
    services.sign_in_failed_record(
        username=username, ip=ip, reason="password", lockout=lock, new_lock=lock is not None
    )
    if lock is not None:
        return _lock_page(request, form, lock, nxt)
    return render(request, "accounts/login.html", {"form": form, "next": nxt})


def _password_accepted(request: HttpRequest, user: User, nxt: str) -> HttpResponse:
    if not selectors.mfa_enrolled(user) and not selectors.mfa_required(user):
        return _complete(request, user, method="password", nxt=nxt)
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": int(time.time()),
        "next": nxt,
    }
    if selectors.mfa_enrolled(user):
        return redirect("accounts:mfa_verify")
    return redirect("accounts:mfa_setup")


def _pending_user(request: HttpRequest) -> User | None:
    pending = request.session.get(PENDING)
    if not pending or int(time.time()) - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is not None:
        setattr(user, "backend", pending["backend"])  # noqa: B010 - what login() reads
    return user


def _complete(request: HttpRequest, user: User, *, method: str, nxt: str) -> HttpResponse:
    """Authenticate the session (a new session key) and audit the sign-in."""
    request.session.pop(PENDING, None)
    login(request, user, backend=getattr(user, "backend", None))
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[MFA_DONE] = method != "password"
    services.sign_in_record(user=user, ip=client_ip(request), method=method)
    if user.must_change_password:
        return redirect("accounts:password_change")
    return redirect(_safe_next(request, nxt))


# --- step 2: the second factor ------------------------------------------------------------------


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    user = _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    ip = client_ip(request)
    context: dict[str, Any] = {"form": form, "pending": user}
    if request.method == "POST":
        lock = lockout_for(username=user.username, ip=ip)
        if lock is not None:
            services.sign_in_failed_record(
                username=user.username, ip=ip, reason="locked", lockout=lock, new_lock=False
            )
            request.session.pop(PENDING, None)
            return _lock_page(request, LoginForm(request), lock, "")
        if form.is_valid():
            method = services.mfa_verify(user=user, code=form.cleaned_data["code"])
            if method is not None:
                return _complete(request, user, method=method, nxt=request.session[PENDING]["next"])
        # Counted like a wrong password (django-axes listens to this signal).
        user_login_failed.send(
            sender=__name__, credentials={"username": user.username}, request=request
        )
        lock = lockout_for(username=user.username, ip=ip)
        services.sign_in_failed_record(
            username=user.username,
            ip=ip,
            reason="second_factor",
            lockout=lock,
            new_lock=lock is not None,
        )
        if lock is not None:
            request.session.pop(PENDING, None)
            return _lock_page(request, LoginForm(request), lock, "")
        form.add_error(None, _("Kode salah atau sudah dipakai. Coba kode berikutnya."))
    return render(request, "accounts/mfa_verify.html", context)


def _qr_data_uri(url: str) -> str:
    return str(segno.make(url, error="m").png_data_uri(scale=5, border=2))


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def mfa_setup_view(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: while signing in (required, none yet) or from the account page."""
    signed_in = request.user.is_authenticated
    user = request.user if signed_in else _pending_user(request)
    if user is None:
        return redirect("accounts:login")
    assert isinstance(user, User)
    if not signed_in and selectors.mfa_enrolled(user):
        return redirect("accounts:mfa_verify")  # never replace a device before the second factor
    device = services.mfa_device_pending(user=user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        codes = services.mfa_enrol_confirm(
            actor=_actor(user), user=user, token=form.cleaned_data["code"]
        )
        if codes is not None:
            if not signed_in:
                nxt = request.session[PENDING]["next"]
                response = _complete(request, user, method="totp", nxt=nxt)
            else:
                request.session[MFA_DONE] = True
                response = redirect("accounts:profile")
            request.session[RECOVERY_CODES] = {"codes": codes, "then": response["Location"]}
            return redirect("accounts:recovery_codes")
        form.add_error("code", _("Kode tidak cocok. Periksa jam ponsel Anda, lalu coba kode baru."))
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return render(
        request,
        "accounts/mfa_setup.html",
        {
            "form": form,
            "qr": _qr_data_uri(device.config_url),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "required": selectors.mfa_required(user),
            "signing_in": not signed_in,
        },
    )


@login_required
@never_cache
def recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """The recovery codes just made, shown once."""
    shown = request.session.pop(RECOVERY_CODES, None)
    if not shown:
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/recovery_codes.html",
        {"codes": shown["codes"], "then": shown["then"]},
    )


# --- the account page, password change, sign-out --------------------------------------------------


@login_required
def profile_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    return render(
        request,
        "accounts/profile.html",
        {
            "mfa": selectors.mfa_enrolled(user),
            "mfa_required": selectors.mfa_required(user),
            "recovery_left": selectors.recovery_codes_left(user),
            "manages": bool(selectors.roles_assignable_by(user)),
        },
    )


@login_required
@require_POST
def recovery_codes_renew_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not selectors.mfa_enrolled(user):
        return redirect("accounts:profile")
    codes = services.mfa_recovery_codes_renew(actor=_actor(user), user=user)
    request.session[RECOVERY_CODES] = {"codes": codes, "then": reverse("accounts:profile")}
    return redirect("accounts:recovery_codes")


@login_required
@require_POST
def mfa_disable_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if selectors.mfa_required(user):
        raise PermissionDenied
    services.mfa_remove(actor=_actor(user), user=user, note="second factor removed by its user")
    request.session[MFA_DONE] = False
    messages.success(request, _("Verifikasi dua langkah dimatikan."))
    return redirect("accounts:profile")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@never_cache
def password_change_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        services.password_change(
            actor=_actor(user), user=user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)  # this session goes on, with a new key
        messages.success(request, _("Kata sandi Anda sudah diganti."))
        return redirect("accounts:profile")
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "forced": user.must_change_password},
    )


@require_POST
@csrf_protect
def logout_view(request: HttpRequest) -> HttpResponseBase:
    """POST only (a GET answers 405); the sign-out is audited before the session ends."""
    user = request.user
    if isinstance(user, User):
        services.sign_out_record(user=user, ip=client_ip(request), reason="user")
    logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- accounts managed by administrators ----------------------------------------------------------


def _manager(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not selectors.roles_assignable_by(user):
        raise PermissionDenied
    return user


@login_required
def user_list_view(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    search = request.GET.get("q", "").strip()[:100]
    return render(
        request,
        "accounts/user_list.html",
        {"rows": selectors.account_rows(manager, search=search), "q": search},
    )


def _operator_form(request: HttpRequest, manager: User, instance: User | None) -> OperatorForm:
    return OperatorForm(
        request.POST if request.method == "POST" else None,
        roles=selectors.roles_assignable_by(manager),
        units=selectors.units_assignable_by(manager),
        instance=instance,
    )


@login_required
def user_create_view(request: HttpRequest) -> HttpResponse:
    manager = _manager(request)
    form = _operator_form(request, manager, None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            user, code = services.operator_create(
                actor=_actor(manager),
                username=data["username"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                unit=data["unit"],
            )
            return render(request, "accounts/user_code.html", {"account": user, "code": code})
        if form.out_of_scope():
            raise PermissionDenied
    return render(request, "accounts/user_form.html", {"form": form, "account": None})


@login_required
def user_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    manager = _manager(request)
    account = selectors.user_get_for(manager, pk)
    editable = account.role in selectors.roles_assignable_by(manager)
    form = _operator_form(request, manager, account) if editable else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            services.operator_update(
                actor=_actor(manager),
                user=account,
                first_name=data["first_name"],
                last_name=data["last_name"],
                email=data["email"],
                role=data["role"],
                unit=data["unit"],
            )
            messages.success(request, _("Akun %(name)s disimpan.") % {"name": account.username})
            return redirect("accounts:user_detail", pk=account.pk)
        if form.out_of_scope():
            raise PermissionDenied
    return render(
        request,
        "accounts/user_form.html",
        {
            "form": form,
            "account": account,
            "lock": lockout_for(username=account.username, ip=None),
            "mfa": selectors.mfa_enrolled(account),
            "mfa_required": selectors.mfa_required(account),
        },
    )


@login_required
@require_POST
def user_action_view(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    manager = _manager(request)
    account = selectors.user_get_for(manager, pk)
    actor = _actor(manager)
    if action == "reset-password":
        code = services.password_reset_issue(actor=actor, user=account)
        return render(
            request, "accounts/user_code.html", {"account": account, "code": code, "reset": True}
        )
    if action == "deactivate":
        services.user_set_active(actor=actor, user=account, active=False)
        messages.success(request, _("Akun dinonaktifkan; sesinya berakhir."))
    elif action == "activate":
        services.user_set_active(actor=actor, user=account, active=True)
        messages.success(request, _("Akun diaktifkan kembali."))
    elif action == "unlock":
        services.lockout_clear(actor=actor, user=account)
        messages.success(request, _("Kunci akun dibuka."))
    elif action == "reset-mfa":
        services.mfa_remove(
            actor=actor, user=account, note="second factor reset by an administrator"
        )
        messages.success(
            request, _("Verifikasi dua langkah dihapus; pengguna menyiapkannya lagi saat masuk.")
        )
    else:
        raise PermissionDenied
    return redirect("accounts:user_detail", pk=account.pk)
