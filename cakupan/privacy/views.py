"""Privacy pages: the "tampilkan" of masked personal data, and the data-subject report.

Thin: read the form, call one selector, render. The reveal answers only POST (the reason is in the
body, nothing in the URL), and renders the registry's own detail page unmasked for that response.
The subject report's NIK is posted as a search (``common.search``): the address holds only a
token, the page and its JSON/XLSX downloads read the NIK back from the session.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from cakupan.common.commands import to_json
from cakupan.common.web import XLSX, CakupanRequest, attachment, web_actor
from cakupan.privacy import history, selectors
from cakupan.privacy.forms import RevealForm
from cakupan.privacy.subject import subject_xlsx
from cakupan.registry import selectors as registry


def _error(form: RevealForm) -> str:
    return str(form.errors["alasan"][0])


@login_required
@require_POST
def person_reveal(request: CakupanRequest, pk: int) -> HttpResponse:
    form = RevealForm(request.POST)
    if not form.is_valid():
        person, memberships = registry.person_detail(actor=web_actor(request), pk=pk)
        context = {
            "person": person,
            "memberships": memberships,
            "masked": True,
            "reveal_error": _error(form),
            "reveal_reason": request.POST.get("alasan", "")[:300],
        }
        return render(request, "registry/person_detail.html", context, status=400)
    person, memberships = selectors.person_reveal(
        actor=web_actor(request), pk=pk, reason=form.cleaned_data["alasan"]
    )
    context = {"person": person, "memberships": memberships, "masked": False, "revealed": True}
    return render(request, "registry/person_detail.html", context)


@login_required
@require_POST
def membership_reveal(request: CakupanRequest, pk: int) -> HttpResponse:
    form = RevealForm(request.POST)
    if not form.is_valid():
        membership = registry.membership_detail(actor=web_actor(request), pk=pk)
        context = {
            "membership": membership,
            "masked": True,
            "reveal_error": _error(form),
            "reveal_reason": request.POST.get("alasan", "")[:300],
        }
        return render(request, "registry/membership_detail.html", context, status=400)
    membership = selectors.membership_reveal(
        actor=web_actor(request), pk=pk, reason=form.cleaned_data["alasan"]
    )
    context = {"membership": membership, "masked": False, "revealed": True}
    return render(request, "registry/membership_detail.html", context)


# --- the data-subject report ---------------------------------------------------------------------


def _subject_query(request: CakupanRequest) -> str:
    """The NIK asked for: posted with the search form, kept in the session under the ``cari``
    token by ``SearchTokenMiddleware`` (never in the address), handed back as ``q``."""
    return request.GET.get("q", "").strip()


def _refuse_unless_allowed(request: CakupanRequest) -> None:
    if not selectors.may_run_subject_report(request.user):
        raise PermissionDenied


@login_required
@require_GET
def subject_report(request: CakupanRequest) -> HttpResponse:
    """``/privasi/laporan/``: the NIK form and, once posted, the report (superadmin and admin
    kabupaten only). Invalid NIK: 400 with the message; not found in scope: 404 with a message."""
    _refuse_unless_allowed(request)
    query = _subject_query(request)
    context: dict[str, Any] = {"query": query, "token": request.GET.get("cari", "")}
    if not query:
        return render(request, "privacy/subject_report.html", context)
    try:
        context["report"] = selectors.subject_report(
            actor=web_actor(request), nik=query, purpose="lihat"
        )
    except selectors.InvalidNik as error:
        context["error"] = error.message
        return render(request, "privacy/subject_report.html", context, status=400)
    except selectors.SubjectNotFound as error:
        context["error"] = error.message
        return render(request, "privacy/subject_report.html", context, status=404)
    return render(request, "privacy/subject_report.html", context)


def _download(request: CakupanRequest, fmt: str) -> HttpResponse:
    _refuse_unless_allowed(request)
    purpose = fmt.upper()
    try:
        report = selectors.subject_report(
            actor=web_actor(request), nik=_subject_query(request), purpose=purpose
        )
    except selectors.InvalidNik as error:
        return HttpResponse(error.message, status=400, content_type="text/plain; charset=utf-8")
    except selectors.SubjectNotFound as error:
        return HttpResponse(error.message, status=404, content_type="text/plain; charset=utf-8")
    name = f"laporan-subjek-data-{report['person']['id']}"
    if fmt == "json":
        return attachment(to_json(report).encode("utf-8"), "application/json", f"{name}.json")
    return attachment(subject_xlsx(report), XLSX, f"{name}.xlsx")


@login_required
@require_GET
def subject_report_json(request: CakupanRequest) -> HttpResponse:
    """``/privasi/laporan.json?cari=<token>``: the same report as a JSON download."""
    return _download(request, "json")


@login_required
@require_GET
def subject_report_xlsx(request: CakupanRequest) -> HttpResponse:
    """``/privasi/laporan.xlsx?cari=<token>``: the same report as a workbook."""
    return _download(request, "xlsx")


# --- the audit viewer (issue 15, item 6) ---------------------------------------------------------


@login_required
@require_GET
def person_history(request: CakupanRequest, pk: int) -> HttpResponse:
    """``/orang/<pk>/riwayat/``: who created this person (from which file and row) and every change
    with its fields before and after (superadmin and admin kabupaten, within scope)."""
    person, entries = history.person_history(actor=web_actor(request), pk=pk)
    context = {"kind": "person", "person": person, "entries": entries}
    return render(request, "privacy/history.html", context)


@login_required
@require_GET
def membership_history(request: CakupanRequest, pk: int) -> HttpResponse:
    """``/kepesertaan/<pk>/riwayat/``: the same for a membership (status, wage, KPJ ...)."""
    membership, entries = history.membership_history(actor=web_actor(request), pk=pk)
    context = {"kind": "membership", "membership": membership, "entries": entries}
    return render(request, "privacy/history.html", context)


@login_required
@require_GET
def batch_history(request: CakupanRequest, pk: int) -> HttpResponse:
    """``/impor/<pk>/riwayat/``: a batch's steps, what it created and what it changed."""
    found = history.batch_history(actor=web_actor(request), pk=pk)
    context = {"kind": "batch", "batch": found.batch, "found": found, "entries": found.entries}
    return render(request, "privacy/history.html", context)
