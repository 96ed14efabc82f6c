"""Registry pages. Thin: read the request, call a scoped selector, render.

Scoping and the access log live in ``registry.selectors`` and ``accounts.access``: a record outside
the user's scope raises ``Http404`` there, and detail selectors write the "view" audit row.

List pages answer an htmx request (live search, filters, paging) with the results fragment only;
everything else, including htmx's history restore, gets the whole page, so the pages work the same
without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cakupan.accounts.models import Role
from cakupan.common.web import CakupanRequest, render_page_or_fragment, web_actor
from cakupan.coverage.selectors import percent, region_stats
from cakupan.registry import selectors
from cakupan.registry.models import MembershipStatus, Segment

PAGE_SIZE = 50
QUERY_MAX_LENGTH = 100
# Roles whose scope is a region: the home page shows that region's coverage figures.
REGION_SCOPED_ROLES = (Role.ADMIN_KABUPATEN, Role.PIMPINAN, Role.CAMAT)


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]


def _choice(request: HttpRequest, name: str, allowed: list[str]) -> str:
    """A filter value from the query string, or "" when absent or not one of ``allowed``."""
    value = request.GET.get(name, "")
    return value if value in allowed else ""


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def home(request: CakupanRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "person_count": selectors.person_search(user=user).count(),
        "membership_count": selectors.membership_search(user=user).count(),
    }
    if user.role in REGION_SCOPED_ROLES and user.region is not None:
        stats = region_stats(user=user, region=user.region, on=timezone.localdate())
        context["stats"] = stats
        context["village_percent"] = percent(stats["desa_with_village_officials"], stats["desa"])
        context["segments"] = [
            {
                "label": label,
                "active": stats["by_segment"].get(value, 0),
                "posts": stats["posts"].get(value),
            }
            for value, label in Segment.choices
        ]
    return render(request, "registry/home.html", context)


@login_required
def person_list(request: CakupanRequest) -> HttpResponse:
    query = _query(request)
    people = selectors.person_search(user=request.user, query=query).select_related("domicile")
    page = _page(request, people)
    selectors.list_view_record(
        actor=web_actor(request), entity="registry.person", ids=[p.pk for p in page], query=query
    )
    context = {"query": query, "page_obj": page}
    return render_page_or_fragment(
        request, "registry/person_list.html", "registry/snippets/person_table.html", context
    )


@login_required
def person_detail(request: CakupanRequest, pk: int) -> HttpResponse:
    person, memberships = selectors.person_detail(actor=web_actor(request), pk=pk)
    masked = not selectors.full_data_visible(request.user, person)
    context = {"person": person, "memberships": memberships, "masked": masked}
    return render(request, "registry/person_detail.html", context)


@login_required
def membership_list(request: CakupanRequest) -> HttpResponse:
    query = _query(request)
    segment = _choice(request, "segment", Segment.values)
    status = _choice(request, "status", MembershipStatus.values)
    rows = selectors.membership_search(
        user=request.user, query=query, segment=segment, status=status
    )
    page = _page(request, rows)
    selectors.list_view_record(
        actor=web_actor(request),
        entity="registry.membership",
        ids=[m.pk for m in page],
        query=query,
    )
    context = {
        "query": query,
        "segment": segment,
        "status": status,
        "segments": Segment.choices,
        "statuses": MembershipStatus.choices,
        "page_obj": page,
    }
    return render_page_or_fragment(
        request, "registry/membership_list.html", "registry/snippets/membership_table.html", context
    )


@login_required
def membership_detail(request: CakupanRequest, pk: int) -> HttpResponse:
    membership = selectors.membership_detail(actor=web_actor(request), pk=pk)
    masked = not selectors.full_data_visible(request.user, membership.person)
    context = {"membership": membership, "masked": masked}
    return render(request, "registry/membership_detail.html", context)
