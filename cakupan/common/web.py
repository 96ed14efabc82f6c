"""Web plumbing shared by every app's views: the request type, the acting user, htmx fragments.

Views stay thin (read the request, call one service or selector, render); what they all need to do
that lives here, so no app imports another app's views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django_htmx.middleware import HtmxDetails

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source

if TYPE_CHECKING:
    from cakupan.accounts.models import User

__all__ = [
    "PDF",
    "XLSX",
    "CakupanRequest",
    "attachment",
    "is_fragment",
    "render_page_or_fragment",
    "web_actor",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"


class CakupanRequest(HttpRequest):
    """A request after the middleware and ``login_required``: a signed-in user and htmx details."""

    htmx: HtmxDetails
    user: User


def web_actor(request: CakupanRequest) -> Actor:
    """The signed-in user acting through the web, as services and the audit log name them."""
    return Actor(user=request.user, source=Source.WEB)


def is_fragment(request: CakupanRequest) -> bool:
    """An htmx request for part of a page (not htmx's restore of a whole page from history)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page_or_fragment(
    request: CakupanRequest, page_template: str, fragment_template: str, context: dict[str, Any]
) -> HttpResponse:
    """The fragment for htmx (live search, filters, paging), the whole page otherwise.

    The response varies on ``HX-Request`` so no cache hands a fragment to a full page load.
    """
    response = render(
        request, fragment_template if is_fragment(request) else page_template, context
    )
    patch_vary_headers(response, ("HX-Request",))
    return response


def attachment(data: bytes, content_type: str, file_name: str) -> HttpResponse:
    """A download: ``data`` saved by the browser as ``file_name`` (RFC 6266 encoding for any name)."""
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name) or "attachment"
    return response
