"""Middleware of every request: language, correlation id, refusal of invalid input, search tokens."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from cakupan.common import logs, memo, search


class LanguageMiddleware:
    """Activate the language the user picked (Django's language cookie), else ``LANGUAGE_CODE``.

    Unlike Django's ``LocaleMiddleware`` this ignores the browser's ``Accept-Language``: every screen
    speaks Bahasa Indonesia by default, even in a browser set to English, and English is one click
    away through the language switcher.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Only for this request: the thread's language is restored afterwards, so a request in
        # English leaves no English behind for whatever the thread runs next (a test, a job).
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class RequestIdMiddleware:
    """Give every request a correlation id: ``request.correlation_id``, the ``X-Request-ID``
    response header, every log line written while it is served (``common.logs``), and the page of
    a server error (``common.views.server_error``), so a user can quote it and an operator find the
    traceback. The id is always our own (never taken from the client)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = uuid.uuid4().hex[:16]
        request.correlation_id = request_id  # type: ignore[attr-defined]
        # Not reset afterwards: Django logs a 4xx response after the middleware returned, and that
        # line should carry the id too. The next request served by this thread sets its own.
        logs.correlation_id.set(request_id)
        # Values computed once per request (the user's scope: ``common.memo``), dropped at its end.
        with memo.request_scope():
            response = self.get_response(request)
        response.headers["X-Request-ID"] = request_id
        return response


# C0 control characters other than tab, line feed and carriage return, and DEL. PostgreSQL refuses
# NUL in text outright; the others have no business in a form field or a query parameter.
_INVALID_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def invalid_input(request: HttpRequest) -> bool:
    """Whether the path, a query parameter or a form field (name or value) holds a control
    character (NUL included). Uploaded files are not inspected: their bytes are their readers'."""
    if _INVALID_CHARACTERS.search(request.path):
        return True
    data = [request.GET]
    if request.method == "POST":
        data.append(request.POST)
    for query in data:
        for key, values in query.lists():
            if _INVALID_CHARACTERS.search(key):
                return True
            if any(_INVALID_CHARACTERS.search(v) for v in values if isinstance(v, str)):
                return True
    return False


class InvalidInputMiddleware:
    """Answer 400 with a message (never 500) when a request carries control characters.

    ``?q=%00`` used to reach PostgreSQL, which refuses NUL in text, and end as a server error. This
    guard stops such input before any view reads it, whatever the route; views still validate
    their own parameters (a malformed id is a 404, a bad date a form error).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            refused = invalid_input(request)
        except UnicodeDecodeError:
            refused = True
        if refused:
            return bad_request_page(
                request,
                _(
                    "Permintaan berisi karakter yang tidak sah (misalnya karakter NUL atau "
                    "karakter kendali). Periksa isian Anda lalu coba lagi."
                ),
            )
        return self.get_response(request)


def bad_request_page(request: HttpRequest, message: str) -> HttpResponse:
    """The 400 page with ``message`` (Bahasa Indonesia, or the user's language)."""
    return render(request, "400.html", {"message": message}, status=400)


# Where the JSON API lives (``cakupan.api.urls``); its own middleware (``api.middleware``) and the
# web's below tell its requests apart by it.
API_PREFIX = "/api/"


class SearchTokenMiddleware:
    """Search texts travel as server-side tokens, never in a URL (``common.search``).

    * A POST carrying ``_cari`` (a search form): the CSRF token is checked, ``q`` is kept in the
      session and the answer is a 303 to the same page with ``?cari=<token>`` and the form's other
      fields. htmx follows the redirect and pushes the final address (``HX-Push-Url``).
    * A GET with ``q`` (an old link or bookmark) gets the same redirect, so the text does not stay
      in the address bar, the history or the next page's ``Referer``.
    * A GET with ``cari``: ``q`` is put back into ``request.GET`` for the view. An unknown token
      (another session's, or from before a sign-in) searches for nothing.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        # The Django admin (superadmins only) keeps its own GET search: its changelist refuses
        # parameters it does not know and rebuilds its links from ``request.GET``. The JSON API
        # has no search text and no browser history: a redirect there only confuses its clients.
        if session is None or request.path.startswith((self.admin_prefix, API_PREFIX)):
            return self.get_response(request)
        if request.method == "POST" and search.MARKER in request.POST:
            refused = CsrfViewMiddleware(self.get_response).process_view(request, None, (), {})  # type: ignore[arg-type]
            if refused is not None:
                return refused
            return self._redirect(request, request.POST)
        if request.method == "GET" and search.FIELD in request.GET:
            return self._redirect(request, request.GET)
        if request.method == "GET" and search.TOKEN in request.GET:
            token = request.GET[search.TOKEN]
            text = (search.recall(session, token) if token else None) or ""
            query = request.GET.copy()
            query[search.FIELD] = text
            request.GET = query  # type: ignore[assignment]
            response = self.get_response(request)
            if request.headers.get("HX-Request"):
                response.headers.setdefault("HX-Push-Url", request.get_full_path())
            return response
        return self.get_response(request)

    @cached_property
    def admin_prefix(self) -> str:
        from django.urls import NoReverseMatch, reverse

        try:
            return reverse("admin:index")
        except NoReverseMatch:
            return "/admin/"

    def _redirect(self, request: HttpRequest, data: QueryDict) -> HttpResponse:
        query = QueryDict(mutable=True)
        for key, values in data.lists():
            if key in (search.FIELD, search.MARKER, search.TOKEN, "csrfmiddlewaretoken", "page"):
                continue
            kept = [v for v in values if v]
            if kept:
                query.setlist(key, kept)
        text = data.get(search.FIELD, "").strip()
        # Always named, even empty, so the page that follows knows it answers a search form.
        query[search.TOKEN] = search.remember(request.session, text) if text else ""
        target = f"{request.path}?{query.urlencode()}"
        return HttpResponseRedirect(target, status=303)
