"""Session rules for signed-in users, and no caching of their pages.

:class:`SessionPolicyMiddleware` (after Django's authentication and messages middleware) ends a
session that has been idle ``ACCOUNTS_IDLE_SECONDS`` or open ``SESSION_COOKIE_AGE`` since signing in
(the session cookie alone would slide), or that was opened without a second factor by a role that
now requires one; and keeps a user who must change their password (an administrator's one-time
code) on the password page. A deactivated account needs nothing here: Django's backend no longer
finds it, so its next request is anonymous.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from cakupan.accounts import services
from cakupan.accounts.selectors import mfa_required
from cakupan.accounts.throttle import client_ip

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
