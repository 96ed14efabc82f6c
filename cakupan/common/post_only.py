"""A page instead of Django's empty 405: someone opened the address of a button (a POST-only URL).

Typed in, bookmarked, shared, or reopened from the browser's history after a form: the person sees
what happened and where to go (the page the button belongs to, when the address says which) rather
than a blank screen. htmx requests and non-HTML clients keep the bare 405.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _parent(path: str) -> str:
    """``/impor/5/simpan/`` -> ``/impor/5/``: the page a button's address usually belongs to."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:-1]) + "/" if len(parts) > 1 else "/"


class MethodNotAllowedPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        accept = request.headers.get("Accept", "")
        wants_html = not accept or "text/html" in accept or "*/*" in accept
        if (
            response.status_code != 405
            or request.headers.get("HX-Request")
            or request.method not in ("GET", "HEAD")
            or not wants_html
        ):
            return response
        page = render(request, "405.html", {"back": _parent(request.path)}, status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
