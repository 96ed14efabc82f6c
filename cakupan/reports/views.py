"""Report downloads: the KSO report of a kabupaten/kota as PDF or XLSX.

Thin: the region comes through ``coverage.selectors.region_view_get`` (out of scope: 404), the
report is offered only to users who see every unit of the kabupaten (an operator's partial
figures would pass for the kabupaten's), and ``?on=YYYY-MM-DD`` picks the day (default today).
The report names no person, so nothing is logged as an access to personal data.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_cache_control

from cakupan.common.web import PDF, XLSX, CakupanRequest, attachment
from cakupan.coverage.selectors import region_view_get, scope_is_whole
from cakupan.reports.kso import kso_report
from cakupan.reports.pdf import report_pdf
from cakupan.reports.public import PUBLIC_CACHE_SECONDS, public_figures, public_place
from cakupan.reports.xlsx import report_xlsx
from cakupan.wilayah.selectors import region_get


def _day(request: CakupanRequest) -> dt.date:
    text = request.GET.get("on", "")
    try:
        return dt.date.fromisoformat(text) if text else timezone.localdate()
    except ValueError:
        return timezone.localdate()


def _report(request: CakupanRequest, code: str) -> tuple[object, str]:
    place = region_view_get(request.user, code)
    if place.level != 2 or not scope_is_whole(request.user, place.code):
        raise Http404
    today = timezone.localdate()
    report = kso_report(user=request.user, region=region_get(code), on=_day(request), today=today)
    return report, report.file_stem


@login_required
def kso_pdf(request: CakupanRequest, code: str) -> HttpResponse:
    report, stem = _report(request, code)
    return attachment(report_pdf(report), PDF, f"{stem}.pdf")  # type: ignore[arg-type]


@login_required
def kso_xlsx(request: CakupanRequest, code: str) -> HttpResponse:
    report, stem = _report(request, code)
    return attachment(report_xlsx(report), XLSX, f"{stem}.xlsx")  # type: ignore[arg-type]


FIRST_PUBLIC_DAY = dt.date(2016, 1, 1)


def public_page(request: HttpRequest, code: str = "") -> HttpResponse:
    """``/publik/``: aggregates without sign-in (``reports.public``); kecamatan and desa: 404.

    ``?on=YYYY-MM-DD`` shows another day (not before 2016, not after today). The figures are
    cached on the server (``reports.public``) and the page may be kept by the visitor's browser
    for as long, but not by shared caches: the page carries the CSRF token of the language
    switch, which must not be handed to other visitors (a signed-in user's pages are never
    stored at all, ``NoStoreForSignedInMiddleware``).
    """
    place = public_place(code)
    if place is None:
        raise Http404
    today = timezone.localdate()
    on = _day(request)  # type: ignore[arg-type]
    if not FIRST_PUBLIC_DAY <= on <= today:
        on = today
    data = public_figures(place, on)
    response = render(request, "reports/public.html", {"data": data, "on": on, "today": today})
    patch_cache_control(response, private=True, max_age=PUBLIC_CACHE_SECONDS)
    return response
