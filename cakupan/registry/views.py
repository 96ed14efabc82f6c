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
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from cakupan.common import exports
from cakupan.common.exports import Column, ExportLog
from cakupan.common.web import CakupanRequest, render_page_or_fragment, web_actor
from cakupan.registry import selectors
from cakupan.registry.models import (
    FundingSource,
    MembershipStatus,
    Scheme,
    Segment,
    Sex,
)

PAGE_SIZE = 50
QUERY_MAX_LENGTH = 100


def _query(request: HttpRequest) -> str:
    return request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]


def _choice(request: HttpRequest, name: str, allowed: list[str]) -> str:
    """A filter value from the query string, or "" when absent or not one of ``allowed``."""
    value = request.GET.get(name, "")
    return value if value in allowed else ""


def _page(request: HttpRequest, rows: QuerySet[Any]) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


# The downloads of the two lists (``common.exports``): what the page shows, and what a worker's
# file needs beside it. NIK, KK, phone and wage are masked for a user who may not read them.
PERSON_COLUMNS = (
    Column(_("Nama"), "name", width=30),
    Column(_("NIK"), "nik", kind="nik", sensitive=True),
    Column(_("Jenis kelamin"), "sex", labels=dict(Sex.choices), width=12),
    Column(_("Tanggal lahir"), "birth_date", kind="date", width=12),
    Column(_("Kode desa/kelurahan domisili"), "domicile_id", width=14),
    Column(_("Desa/kelurahan domisili"), "domicile__name", width=24),
    Column(_("Nomor HP"), "phone", kind="phone", sensitive=True, width=15),
    Column(_("Nomor KK"), "kk_number", kind="nik", sensitive=True),
)
MEMBERSHIP_COLUMNS = (
    Column(_("Nama"), "person__name", width=30),
    Column(_("NIK"), "person__nik", kind="nik", sensitive=True),
    Column(_("Tanggal lahir"), "person__birth_date", kind="date", width=12),
    Column(_("Kode unit"), "unit__code", width=16),
    Column(_("Unit"), "unit__name", width=30),
    Column(_("Segmen"), "segment", labels=dict(Segment.choices), width=20),
    Column(_("Pekerjaan"), "occupation__name", width=20),
    Column(_("Sumber dana"), "funding_source", labels=dict(FundingSource.choices), width=16),
    Column(_("Skema"), "scheme", labels=dict(Scheme.choices), width=8),
    Column(_("Program"), "programmes", width=16),
    Column(_("Upah/penghasilan sebulan (Rp)"), "wage", kind="money", sensitive=True, width=14),
    Column(_("Mulai"), "start_date", kind="date", width=12),
    Column(_("Berakhir"), "end_date", kind="date", width=12),
    Column(_("Status"), "status", labels=dict(MembershipStatus.choices), width=14),
    Column(_("Nomor KPJ"), "kpj_number", width=14),
)


def _download(
    request: CakupanRequest,
    fmt: str,
    rows: QuerySet[Any],
    columns: tuple[Column, ...],
    *,
    entity: str,
    id_field: str,
    person_ref: str,
    file_stem: str,
    list_name: str,
    filters: dict[str, str],
) -> HttpResponseBase:
    """The list ``rows`` (the page's own queryset) as CSV or XLSX, logged, masked per row."""
    actor = web_actor(request)

    def log(export: ExportLog, qs: QuerySet[Any]) -> None:
        selectors.export_record(
            actor=actor,
            entity=entity,
            ids=qs.values_list(id_field),
            export=export,
            list_name=list_name,
        )

    annotated = rows.annotate(export_full=selectors.full_data_annotation(request.user, person_ref))
    return exports.answer(
        request,
        lambda: exports.export_queryset(
            annotated,
            columns,
            fmt=fmt,
            file_stem=file_stem,
            log=log,
            filters=exports.describe_filters(filters),
            full="export_full",
        ),
    )


@login_required
def person_list(request: CakupanRequest) -> HttpResponseBase:
    query = _query(request)
    people = selectors.person_search(user=request.user, query=query).select_related("domicile")
    fmt = exports.requested_format(request)
    if fmt:
        return _download(
            request, fmt, people, PERSON_COLUMNS,
            entity="registry.person", id_field="pk", person_ref="pk",
            file_stem="orang", list_name="daftar orang", filters={"q": query},
        )  # fmt: skip
    page = _page(request, people)
    selectors.list_view_record(
        actor=web_actor(request), entity="registry.person", ids=[p.pk for p in page], query=query
    )
    context = {"query": query, "page_obj": page, "downloads": exports.download_links(request)}
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
def membership_list(request: CakupanRequest) -> HttpResponseBase:
    query = _query(request)
    segment = _choice(request, "segment", Segment.values)
    status = _choice(request, "status", MembershipStatus.values)
    rows = selectors.membership_search(
        user=request.user, query=query, segment=segment, status=status
    )
    fmt = exports.requested_format(request)
    if fmt:
        return _download(
            request, fmt, rows, MEMBERSHIP_COLUMNS,
            entity="registry.membership", id_field="pk", person_ref="person_id",
            file_stem="kepesertaan", list_name="daftar kepesertaan",
            filters={"segment": segment, "status": status, "q": query},
        )  # fmt: skip
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
        "downloads": exports.download_links(request),
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
