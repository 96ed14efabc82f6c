"""Session rules for signed-in users, and no caching of their pages.

:class:`SessionPolicyMiddleware` (after Django's authentication and messages middleware) ends a
session that has been idle ``ACCOUNTS_IDLE_SECONDS`` or open ``SESSION_COOKIE_AGE`` since signing in
(the session cookie alone would slide), or that was opened without a second factor by a role that
now requires one; and keeps a user who must change their password (an administrator's one-time
code) on the password page. A deactivated account needs nothing here: Django's backend no longer
finds it, so its next request is anonymous.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from cakupan.accounts import services
from cakupan.accounts.models import Role, Source
from cakupan.accounts.selectors import mfa_required
from cakupan.accounts.throttle import client_ip
from cakupan.common.pii import nik_token

# Session keys written at sign-in (``accounts.views``).
SIGNED_IN_AT = "cakupan_signed_in_at"
SEEN_AT = "cakupan_seen_at"
MFA_DONE = "cakupan_mfa"
# The last request time is written at most this often (seconds): one session write a minute.
SEEN_RESOLUTION = 60


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = int(time.time())
        signed_in = session.get(SIGNED_IN_AT)
        seen = session.get(SEEN_AT)
        reason = ""
        if signed_in is None:
            session[SIGNED_IN_AT] = now  # a session opened by other means (tests' force_login)
        elif now - signed_in >= settings.SESSION_COOKIE_AGE:
            reason = "expired"
        if not reason and seen is not None and now - seen >= settings.ACCOUNTS_IDLE_SECONDS:
            reason = "idle"
        if not reason and session.get(MFA_DONE) is False and mfa_required(user):
            reason = "second_factor_required"
        if reason:
            services.sign_out_record(user=user, ip=client_ip(request), reason=reason)
            logout(request)
            messages.info(
                request,
                _("Sesi Anda berakhir karena tidak ada aktivitas. Silakan masuk lagi.")
                if reason == "idle"
                else _("Sesi Anda berakhir. Silakan masuk lagi."),
            )
            return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
        if seen is None or now - seen >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        if user.must_change_password and not _allowed_while_changing(request.path):
            return redirect("accounts:password_change")
        return self.get_response(request)


def _allowed_while_changing(path: str) -> bool:
    allowed = (
        reverse("accounts:password_change"),
        reverse("accounts:logout"),
        reverse("set_language"),
    )
    return path in allowed or path.startswith(
        settings.STATIC_URL if settings.STATIC_URL.startswith("/") else f"/{settings.STATIC_URL}"
    )


class NoStoreForSignedInMiddleware:
    """``Cache-Control: no-store`` on every page served to a signed-in user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)  # sets no-cache, no-store, must-revalidate, private
        return response


# A NIK typed into an address (``/orang/7324041708850001/``) is logged as its token, never whole.
_NIK_RUN = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")
# Answers that refuse: forbidden (a read-only role writing, a page not for the role) and not
# found (a record outside the user's scope answers exactly like an unknown one).
DENIED_STATUSES = (403, 404)


def _scrubbed(text: str) -> str:
    return _NIK_RUN.sub(lambda m: nik_token(m.group(0)), text)


class DeniedAccessLogMiddleware:
    """Every refusal to a signed-in user goes to the audit log as a ``denied`` row: the one place
    denials are logged (``accounts.audit``; ASVS 5.0 16.3.2, T3 of ``docs/security.md``).

    A refusal is a 403 or 404 answered by any view (``get_visible_or_404``, an app's own
    ``*_get_for``, ``require_write``, a page not offered to the role, a path no route matches), and
    a signed-in user who is not a superadmin sent away from the Django admin (its 302 to the sign-in
    page). Anonymous requests are not logged here: every page but the public ones sends them to the
    sign-in page before any record is looked up, and the sign-in log (``record_auth``) covers
    signing in. Static files are not pages and are not logged.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not self._denied(request, response):
            return response
        match = request.resolver_match
        kwargs = {k: _scrubbed(str(v)) for k, v in (match.kwargs if match else {}).items()}
        services.denial_record(
            user=user,
            route=match.view_name if match else "-",
            path=_scrubbed(request.path),
            method=request.method or "",
            status=response.status_code,
            kwargs=kwargs,
            # A request of the JSON API acts through its token (``api.auth``), not a session.
            source=Source.API if getattr(request, "api_token", None) is not None else Source.WEB,
        )
        return response

    @staticmethod
    def _denied(request: HttpRequest, response: HttpResponse) -> bool:
        if response.status_code in DENIED_STATUSES:
            return not request.path.startswith(_static_prefix())
        if response.status_code == 302 and request.path.startswith(_admin_prefix()):
            user = request.user  # the rule of ``accounts.admin.superadmin_only``
            return not (user.is_active and user.is_staff and user.role == Role.SUPERADMIN)
        return False


def _static_prefix() -> str:
    url = settings.STATIC_URL or "/static/"
    return url if url.startswith("/") else f"/{url}"


def _admin_prefix() -> str:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return "/admin/"
