"""The API's edge, outside every other middleware: the body size limit, and one error shape.

:class:`ApiEdgeMiddleware` sits right after ``RequestIdMiddleware``. For a path under ``/api/`` it

* refuses a body larger than ``API_MAX_BODY_BYTES`` (by its ``Content-Length``) with 413 before
  anything reads it (``InvalidInputMiddleware`` reads form fields, a multipart parser the files);
* takes the language from ``Accept-Language`` (messages in Bahasa Indonesia unless English is
  asked for);
* gives every error answered in the API's shape (``api.errors``), whoever made it: Django's 404 for
  a path no route matches, the 405 of a method a route does not take (and the HTML page
  ``MethodNotAllowedPageMiddleware`` makes of it), the 400 of ``InvalidInputMiddleware``.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext as _

from cakupan.api.errors import error_response
from cakupan.common.middleware import API_PREFIX


class ApiEdgeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.API_MAX_BODY_BYTES:
            limit_mb = settings.API_MAX_BODY_BYTES // (1024 * 1024)
            return error_response(
                413,
                message=_("Isi permintaan lebih dari %(mb)d MB.") % {"mb": limit_mb},
                details={"max_bytes": settings.API_MAX_BODY_BYTES},
            )
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            # A client of the API says its language by Accept-Language (Bahasa Indonesia unless it
            # asks for English); the web's LanguageMiddleware reads only the cookie, so it is set.
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = translation.get_language_from_request(
                request
            )
        response = self.get_response(request)
        if response.status_code < 400 or _is_error_shape(response):
            return response
        request_id = str(getattr(request, "correlation_id", ""))
        shaped = error_response(
            response.status_code,
            details={"request_id": request_id} if response.status_code >= 500 else None,
        )
        # Keep the security headers the inner middleware set (CSP, nosniff ...) and Allow.
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                shaped[header] = value
        return shaped


def _is_error_shape(response: HttpResponse) -> bool:
    if "application/json" not in response.get("Content-Type", ""):
        return False
    try:
        data = json.loads(response.content)
    except (ValueError, AttributeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("error"), dict)
