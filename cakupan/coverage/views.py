"""Coverage pages: the home page by role, drill-down pages, league tables, follow-up lists.

Thin: read the query string, ask ``coverage.selectors`` / ``coverage.followup`` (scoped to the
user; a region outside the scope is a 404), shape the figures for the templates, render. The
charts are SVG drawn on the server (``common.charts``), each with a table of its figures.

Query string: ``on`` (the day, default today; an invalid date is reported and today is shown),
``indicator`` (the one charted or ranked), ``sort`` and ``dir`` (the table of children).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Min
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from cakupan.accounts.audit import record_access
from cakupan.accounts.models import Action, Role
from cakupan.common import exports
from cakupan.common.charts import horizontal_bar_chart, line_chart
from cakupan.common.exports import ExportLog
from cakupan.common.labels import SHORT_MONTH_NAMES
from cakupan.common.memo import per_request
from cakupan.common.middleware import bad_request_page
from cakupan.common.web import CakupanRequest, web_actor
from cakupan.coverage.exports import COLUMNS, followup_columns, followup_workbook
from cakupan.coverage.followup import DEFAULT_DAYS, followup_lists, membership_ids
from cakupan.coverage.forms import OnForm
from cakupan.coverage.indicators import (
    INDICATORS,
    Figure,
    Indicator,
    indicators_for_level,
    percent,
)
from cakupan.coverage.selectors import (
    INDONESIA,
    Place,
    Row,
    breadcrumbs,
    children_rows,
    figures,
    landing_place,
    league_table,
    place_in_scope,
    place_measures,
    region_view_get,
    scope_is_whole,
    scope_roots,
    scoped_memberships,
    series,
    sort_key,
    within_region,
)
from cakupan.coverage.waiting import waiting_work
from cakupan.registry import selectors as registry_selectors
from cakupan.registry.models import FundingSource, Occupation, Segment
from cakupan.rules.errors import ParameterError

MONTHS = SHORT_MONTH_NAMES
# Charted first when it has a value on the day, in this order.
PREFERRED = ("ucj", "desa_officials", "posts_filled", "posts_filled_village")
SERIES_MONTHS = 24
# The 2021 report's breakdown (seeds/001): APBD-funded formal workers by occupation group.
REPORT_GROUPS = ("tenaga-upah-jasa", "penyuluh-kb", "tenaga-pendidik", "petugas-keagamaan")


def _crumbs(user: Any, places: list[Place]) -> list[tuple[Place, str]]:
    """Breadcrumbs: a link for each place the user may open, plain text for the others."""
    roots = scope_roots(user)
    return [(p, place_url(p) if place_in_scope(p, roots) else "") for p in places]


def place_url(place: Place, name: str = "region") -> str:
    if place.is_nation:
        return reverse({"region": "coverage:nation", "league": "coverage:nation_league"}[name])
    return reverse(f"coverage:{name}", kwargs={"code": place.code})


def _on(request: CakupanRequest) -> tuple[dt.date, OnForm]:
    form = OnForm(request.GET if "on" in request.GET else None)
    today = timezone.localdate()
    if form.is_bound and form.is_valid() and form.cleaned_data["on"]:
        return form.cleaned_data["on"], form
    if not form.is_bound:
        form = OnForm(initial={"on": today})
    return today, form


def _pct(value: Decimal | None) -> str:
    return "" if value is None else f"{number_format(value, 1)}%"


def _month_label(day: dt.date) -> str:
    return f"{MONTHS[day.month - 1]} {day:%y}"


def _chart_indicator(
    request: CakupanRequest, level: int, shown: dict[str, Figure]
) -> Indicator | None:
    choices = indicators_for_level(level)
    wanted = request.GET.get("indicator", "")
    for indicator in choices:
        if indicator.code == wanted:
            return indicator
    for code in PREFERRED:
        figure = shown.get(code)
        if figure is not None and figure.percent is not None:
            return INDICATORS[code]
    return choices[0] if choices else None


def _series_context(
    request: CakupanRequest, place: Place, on: dt.date, indicator: Indicator | None
) -> dict[str, Any]:
    points = series(request.user, place, on, months=SERIES_MONTHS)
    rows: list[dict[str, Any]] = []
    for day, m in points:
        figure = indicator.compute(m) if indicator else None
        rows.append(
            {
                "day": day,
                "label": _month_label(day),
                "active": m.active,
                "figure": figure,
            }
        )
    percents: list[Decimal | None] = [r["figure"].percent if r["figure"] else None for r in rows]
    over = any(p is not None and p > 100 for p in percents)
    chart = line_chart(
        [(str(r["label"]), p) for r, p in zip(rows, percents, strict=True)],
        y_label=_pct,
        ceiling=None if over else Decimal(100),
        every=4,
        width=480,
        height=240,
    )
    active = line_chart(
        [(str(r["label"]), Decimal(r["active"])) for r in rows],
        y_label=lambda v: number_format(v, 0, force_grouping=True),
        every=4,
        width=480,
        height=240,
    )
    return {
        "series_rows": rows,
        "series_chart": chart if any(p is not None for p in percents) else None,
        "active_chart": active,
    }


def _segments(m: Any) -> list[dict[str, Any]]:
    return [
        {
            "value": value,
            "label": label,
            "active": m.segment(value),
            "posts": m.posts.get(value),
            "percent": (
                percent(m.posts[value].filled, m.posts[value].posts) if value in m.posts else None
            ),
        }
        for value, label in Segment.choices
    ]


def _occupation_names() -> dict[str, str]:
    """Occupation names by code, read once per request (the groups and the APBD breakdown)."""
    return per_request(
        "occupation_names", lambda: dict(Occupation.objects.values_list("code", "name"))
    )


def _groups(m: Any) -> list[dict[str, Any]]:
    names = _occupation_names()
    out = []
    for funding, label in FundingSource.choices:
        for group, n in sorted(m.by_funding_group.get(funding, {}).items(), key=lambda x: -x[1]):
            out.append({"funding": label, "group": names.get(group, group), "code": group, "n": n})
    return out


def _report_breakdown(m: Any) -> dict[str, Any] | None:
    apbd = m.by_funding_group.get(FundingSource.APBD_KABKOTA, {})
    rows = [(code, apbd.get(code, 0)) for code in REPORT_GROUPS]
    if not any(n for _code, n in rows):
        return None
    names = _occupation_names()
    return {
        "rows": [{"name": names.get(code, code), "n": n} for code, n in rows],
        "total": sum(n for _code, n in rows),
    }


def _sorted_rows(request: CakupanRequest, rows: list[Row], codes: list[str]) -> dict[str, Any]:
    sort = request.GET.get("sort", "")
    descending = request.GET.get("dir", "desc") != "asc"
    if sort in codes:
        rows = sorted(rows, key=sort_key(sort, descending))
    elif sort == "active":
        rows = sorted(rows, key=lambda r: -r.measures.active if descending else r.measures.active)
    elif sort == "name":
        rows = sorted(rows, key=lambda r: r.place.name, reverse=descending)
    else:
        sort, descending = "", True
    return {"rows": rows, "sort": sort, "descending": descending}


def _first_day(request: CakupanRequest, place: Place) -> dt.date | None:
    found: dt.date | None = within_region(
        scoped_memberships(request.user), place.code, "unit__region__code"
    ).aggregate(first=Min("start_date"))["first"]
    return found


def region_context(request: CakupanRequest, place: Place, on: dt.date) -> dict[str, Any]:
    """Everything a drill-down page shows of ``place`` on ``on`` (also the role home pages)."""
    user = request.user
    m = place_measures(user, place, on)
    level_indicators = indicators_for_level(place.level)
    shown = figures(m, level_indicators)
    chart_indicator = _chart_indicator(request, place.level, shown)
    rows, own = children_rows(user, place, on) if place.level < 4 else ([], None)
    child_indicators = indicators_for_level(place.level + 1) if rows else []
    has_data = bool(
        m.active
        or m.posts
        or any(f.numerator for f in shown.values())
        or any(r.measures.active for r in rows)
    )
    segment_chart = horizontal_bar_chart(
        [(str(label), m.segment(value)) for value, label in Segment.choices],
        value_label=lambda v: number_format(v, 0, force_grouping=True),
    )
    context: dict[str, Any] = {
        "place": place,
        "on": on,
        "measures": m,
        "cards": [{"indicator": i, "figure": shown[i.code]} for i in level_indicators],
        "chart_indicator": chart_indicator,
        "level_indicators": level_indicators,
        "child_indicators": child_indicators,
        "own": own,
        "segments": _segments(m),
        "segment_chart": segment_chart if m.active else None,
        "groups": _groups(m),
        "report_breakdown": _report_breakdown(m) if place.level == 2 else None,
        "village_officials": m.officials,
        "desa_figure": shown.get("desa_officials"),
        "has_data": has_data,
        "first_day": None if has_data else _first_day(request, place),
        "breadcrumbs": _crumbs(user, breadcrumbs(place)),
        "can_league": place.level <= 1,
        "can_followup": place.level >= 2,
        "whole_scope": scope_is_whole(user, place.code),
        "child_urls": {},
    }
    context.update(_sorted_rows(request, rows, [i.code for i in child_indicators]))
    roots = scope_roots(user)
    context["child_urls"] = {
        r.place.code: place_url(r.place) for r in rows if place_in_scope(r.place, roots)
    }
    context.update(_series_context(request, place, on, chart_indicator))
    return context


@login_required
def region_page(request: CakupanRequest, code: str) -> HttpResponse:
    if code == "" and scope_roots(request.user) is not None:
        # "Cakupan" in the menu: everyone but a superadmin starts at their own level.
        landing = landing_place(request.user)
        if landing is None:
            raise Http404
        query = f"?{request.GET.urlencode()}" if request.GET else ""
        return redirect(place_url(landing) + query)
    place = region_view_get(request.user, code)
    on, form = _on(request)
    context = region_context(request, place, on)
    context["form"] = form
    return render(request, "coverage/region.html", context)


@login_required
def league_page(request: CakupanRequest, code: str) -> HttpResponse:
    place = region_view_get(request.user, code)
    if place.level > 1:
        raise Http404
    on, form = _on(request)
    choices = indicators_for_level(place.level + 1)
    wanted = request.GET.get("indicator", "ucj")
    indicator = next((i for i in choices if i.code == wanted), choices[0])
    rows = league_table(request.user, place, indicator.code, on)
    context = {
        "place": place,
        "on": on,
        "form": form,
        "indicator": indicator,
        "choices": choices,
        "rows": [
            {"row": r, "figure": r.figures[indicator.code], "change": r.change(indicator.code)}
            for r in rows
        ],
        "has_values": any(r.figures[indicator.code].percent is not None for r in rows),
        "breadcrumbs": _crumbs(request.user, [*breadcrumbs(place), place]),
        "child_urls": {r.place.code: place_url(r.place) for r in rows},
    }
    return render(request, "coverage/league.html", context)


def _followup(request: CakupanRequest, code: str) -> tuple[Place, dt.date, OnForm, Any]:
    place = region_view_get(request.user, code)
    if place.level < 2:
        raise Http404
    on, form = _on(request)
    return place, on, form, followup_lists(request.user, place, on, days=DEFAULT_DAYS)


def _no_followup(request: CakupanRequest, error: ParameterError) -> HttpResponse:
    """400 for a date the regulation data has no value for (the lists need, e.g., the BPU grace
    period in force on that date): the reason named, never a server error."""
    return bad_request_page(
        request,
        _("Daftar tindak lanjut tidak dapat disusun per tanggal itu. %(reason)s")
        % {"reason": error},
    )


@login_required
def followup_page(request: CakupanRequest, code: str) -> HttpResponseBase:
    """``/cakupan/CODE/tindak-lanjut/``; ``?unduh=xlsx`` downloads every list as one workbook,
    ``?unduh=csv&daftar=KEY`` one list as CSV (``common.exports``)."""
    fmt = exports.requested_format(request)
    wanted = fmt == "xlsx" or (fmt == "csv" and request.GET.get("daftar") in COLUMNS)
    return _followup_answer(request, code, fmt if wanted and fmt else "")


def _followup_answer(request: CakupanRequest, code: str, fmt: str) -> HttpResponseBase:
    """The follow-up page, or with ``fmt`` its download; a 400 naming the reason where the
    regulation data have no value for the date asked."""
    try:
        place, on, form, lists = _followup(request, code)
    except ParameterError as error:
        return _no_followup(request, error)
    if fmt:
        return _followup_download(request, place, on, lists, fmt)
    shown = membership_ids(lists)
    if shown:
        record_access(
            actor=web_actor(request),
            action=Action.VIEW,
            entity="registry.membership",
            entity_id="*",
            shown=shown,
            note=f"daftar tindak lanjut {place.code} per {on}",
        )
    downloads = exports.download_links(request)
    context = {
        "place": place,
        "on": on,
        "form": form,
        "lists": lists,
        "days": DEFAULT_DAYS,
        "breadcrumbs": _crumbs(request.user, [*breadcrumbs(place), place]),
        "xlsx_url": downloads["xlsx"],
        "csv_urls": {key: f"{downloads['csv']}&daftar={key}" for key in lists},
    }
    return render(request, "coverage/followup.html", context)


def _followup_download(
    request: CakupanRequest, place: Place, on: dt.date, lists: Any, fmt: str
) -> HttpResponseBase:
    """The follow-up lists as a workbook (a cover sheet, a sheet per list) or one list as CSV.

    Every download is logged once with its row count and the memberships it names (the desa and
    unit lists name nobody). The lists are bounded by the region, so the workbook is built in
    memory; the row limit applies all the same.
    """
    chosen = request.GET.get("daftar", "") if fmt == "csv" else ""
    selected = {chosen: lists[chosen]} if chosen else lists
    # The memberships the download names: those of the lists of people it holds.
    shown = sorted(
        {
            row["membership"]
            for key, found in selected.items()
            if key in ("memberships_ending", "bpu_lapsing")
            for row in found.rows
        }
    )
    rows = sum(len(found.rows) for found in selected.values())
    filters = exports.describe_filters({"wilayah": place.code, "on": on, "daftar": chosen})
    actor = web_actor(request)

    def log(export: ExportLog) -> None:
        from cakupan.registry.models import Membership
        from cakupan.registry.selectors import export_record

        export_record(
            actor=actor,
            entity="registry.membership",
            ids=Membership.objects.filter(pk__in=shown).values_list("pk"),
            export=export,
            list_name=f"daftar tindak lanjut {place.code} per {on}",
        )

    def build() -> HttpResponseBase:
        if fmt == "csv":
            found = lists[chosen]
            columns = followup_columns(chosen)
            table = [[row.get(key) for key, _header in COLUMNS[chosen]] for row in found.rows]
            return exports.export_rows(
                table,
                columns,
                fmt="csv",
                file_stem=f"tindak-lanjut-{place.code.replace('.', '')}-{chosen.replace('_', '-')}",
                log=log,
                filters=filters,
            )
        exports.check_limit(rows)
        log(ExportLog(fmt="xlsx", rows=rows, filters=filters))
        name = f"tindak-lanjut-{place.code.replace('.', '')}-{on:%Y%m%d}.xlsx"
        response = HttpResponse(followup_workbook(place, on, lists), content_type=exports.XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    return exports.answer(request, build)


@login_required
def followup_xlsx(request: CakupanRequest, code: str) -> HttpResponseBase:
    """``/cakupan/CODE/tindak-lanjut.xlsx``: the older address of ``?unduh=xlsx``."""
    return _followup_answer(request, code, "xlsx")


@login_required
def home(request: CakupanRequest) -> HttpResponse:
    """Each role's own level: Indonesia (superadmin), the kabupaten (admin, pimpinan, BPJS officer
    with one kabupaten), the kecamatan (camat), the desa (desa operator); an OPD operator sees
    their unit's posts and people, a BPJS officer serving several kabupaten their table. Above the
    figures, what waits for the user (``coverage.waiting``)."""
    user = request.user
    on, form = _on(request)
    context: dict[str, Any] = {
        "form": form,
        "on": on,
        "person_count": registry_selectors.person_search(user=user).count(),
        "membership_count": registry_selectors.membership_search(user=user).count(),
        "work": waiting_work(user, timezone.localdate()),
    }
    roots = scope_roots(user)
    if user.role == Role.OPERATOR_OPD and user.unit is not None:
        unit_place = Place.of(user.unit.region)
        m = place_measures(user, unit_place, on)
        context.update(unit=user.unit, unit_measures=m, segments=_segments(m))
        return render(request, "coverage/home.html", context)
    if user.role == Role.PETUGAS_BPJS and roots is not None and len(roots) > 1:
        context["branch_rows"] = [
            {"place": p, "url": place_url(p), "figures": figures(place_measures(user, p, on))}
            for p in roots
        ]
        context["branch_indicators"] = indicators_for_level(2)
        return render(request, "coverage/home.html", context)
    place = landing_place(user)
    if place is not None:
        context.update(region_context(request, place, on))
        if user.role == Role.OPERATOR_DESA and user.unit is not None:
            context["unit"] = user.unit
    context.setdefault("place", INDONESIA if roots is None else None)
    return render(request, "coverage/home.html", context)
