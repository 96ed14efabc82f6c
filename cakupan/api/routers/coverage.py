"""Coverage: a region's indicators, league tables, follow-up lists, as the coverage pages show
them (``coverage.selectors``, ``coverage.followup``).

A region outside the token user's scope is 404, as on the web (``region_view_get``); the figures
count the memberships the user's scope holds. Rankings exist for Indonesia (the provinces, for a
superadmin: ``region`` left out) and for a province (its kabupaten/kota); follow-up lists for a
kabupaten/kota and below. The follow-up lists name people (NIK masked): the memberships shown are
written to the access log, as on the page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from cakupan.accounts.audit import record_access
from cakupan.accounts.models import Action
from cakupan.api.auth import api_actor, api_user
from cakupan.api.errors import ApiError
from cakupan.coverage.followup import DEFAULT_DAYS, followup_lists, membership_ids
from cakupan.coverage.indicators import INDICATORS, Figure, indicators_for_level
from cakupan.coverage.selectors import (
    Place,
    figures,
    league_table,
    place_measures,
    region_view_get,
)
from cakupan.registry.models import Segment
from cakupan.rules.errors import RulesError

router = Router(tags=["cakupan"])

IndicatorCode = Literal[tuple(INDICATORS)]  # type: ignore[valid-type]
FollowupKey = Literal[  # the lists of ``coverage.followup``
    "desa_without_officials",
    "desa_below_rentan_target",
    "memberships_ending",
    "bpu_lapsing",
    "posts_unfilled",
]


# --- schemas ------------------------------------------------------------------------------------


class PlaceOut(Schema):
    code: str = Field(description="kode Kemendagri; kosong: Indonesia")
    name: str
    kind: str
    level: int = Field(description="0 Indonesia, 1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa")


class FigureOut(Schema):
    numerator: int | None
    denominator: int | None = Field(description="null: penyebut belum tercatat")
    percent: Decimal | None = Field(description="persen, satu desimal")
    status: Literal["ok", "no_denominator", "zero_denominator"]


class IndicatorOut(FigureOut):
    code: IndicatorCode  # type: ignore[valid-type]
    label: str


class RegionCoverage(Schema):
    region: PlaceOut
    on: dt.date
    active_memberships: int = Field(description="kepesertaan terlindungi pada tanggal itu")
    by_segment: dict[str, int]
    village_officials: int
    indicators: list[IndicatorOut]


class OnFilter(Schema):
    on: dt.date | None = Field(
        None,
        ge=dt.date(1900, 1, 1),
        le=dt.date(2100, 12, 31),
        description="tanggal; kosong: hari ini",
    )


class RankingFilter(OnFilter):
    region: str | None = Field(
        None, max_length=20, description="provinsi; kosong: provinsi-provinsi se-Indonesia"
    )
    indicator: IndicatorCode = "ucj"  # type: ignore[valid-type]


class RankRow(FigureOut):
    rank: int | None = Field(description="null: tanpa persentase, di akhir")
    region: PlaceOut
    change: Decimal | None = Field(description="poin persen sejak sebulan sebelumnya")


class Ranking(Schema):
    parent: PlaceOut
    indicator: IndicatorCode  # type: ignore[valid-type]
    indicator_label: str
    on: dt.date
    items: list[RankRow]


class FollowupFilter(OnFilter):
    days: int = Field(DEFAULT_DAYS, ge=0, le=366, description="jangka ke depan (hari)")


class FollowupRow(Schema):
    """A row of one of the lists; each list fills its own fields (desa, person or unit)."""

    desa_code: str | None = None
    desa: str | None = None
    kecamatan: str | None = None
    covered: int | None = None
    target: int | None = None
    gap: int | None = None
    membership: int | None = Field(None, description="id kepesertaan")
    person: str | None = None
    nik: str | None = Field(None, description="tersamar")
    segment: str | None = None
    segment_label: str | None = None
    scheme: str | None = None
    unit_code: str | None = None
    unit: str | None = None
    region: str | None = None
    end_date: dt.date | None = None
    oldest_unpaid_month: dt.date | None = None
    lapses_on: dt.date | None = None
    overdue: bool | None = None
    posts: int | None = None
    filled: int | None = None
    vacant: int | None = None
    contact: str | None = Field(None, description="siapa yang dihubungi")


class FollowupListOut(Schema):
    key: FollowupKey
    title: str
    available: bool = Field(description="false: daftar ini bukan untuk cakupan pengguna ini")
    note: str
    count: int
    rows: list[FollowupRow]


class Followup(Schema):
    region: PlaceOut
    on: dt.date
    days: int
    lists: list[FollowupListOut]


# --- helpers ------------------------------------------------------------------------------------


def _place_out(place: Place) -> dict[str, Any]:
    return {"code": place.code, "name": place.name, "kind": place.kind, "level": place.level}


def _figure(figure: Figure) -> dict[str, Any]:
    return {
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "percent": figure.percent,
        "status": figure.status,
    }


def _on(value: dt.date | None) -> dt.date:
    return value or timezone.localdate()


# --- operations ---------------------------------------------------------------------------------


@router.get("/coverage/regions/{code}", response=RegionCoverage, url_name="coverage_region")
def coverage_region(request: HttpRequest, code: str, filters: Query[OnFilter]) -> dict[str, Any]:
    """The indicators of a region on a day (the cards of its coverage page), with the protected
    memberships per segment."""
    user = api_user(request)
    place = region_view_get(user, code[:20])
    on = _on(filters.on)
    m = place_measures(user, place, on)
    level_indicators = indicators_for_level(place.level)
    shown = figures(m, level_indicators)
    return {
        "region": _place_out(place),
        "on": on,
        "active_memberships": m.active,
        "by_segment": {s: m.segment(s) for s in Segment.values},
        "village_officials": m.officials,
        "indicators": [
            {"code": i.code, "label": str(i.label), **_figure(shown[i.code])}
            for i in level_indicators
        ],
    }


@router.get("/coverage/rankings", response=Ranking, url_name="coverage_ranking")
def coverage_ranking(request: HttpRequest, filters: Query[RankingFilter]) -> dict[str, Any]:
    """The league table of the children of a province (or of Indonesia) by an indicator, with
    the change since a month earlier. 404 for a region outside the scope or below a province."""
    user = api_user(request)
    place = region_view_get(user, (filters.region or "")[:20])
    if place.level > 1:
        raise ApiError(404)
    on = _on(filters.on)
    code = filters.indicator
    choices = {i.code for i in indicators_for_level(place.level + 1)}
    if code not in choices:
        raise ApiError(
            422,
            "indicator_level",
            _("Indikator %(code)s tidak berlaku untuk wilayah di bawah %(place)s.")
            % {"code": code, "place": place.name},
            details=[{"field": "indicator", "location": "query"}],
        )
    rows = league_table(user, place, code, on)
    return {
        "parent": _place_out(place),
        "indicator": code,
        "indicator_label": str(INDICATORS[code].label),
        "on": on,
        "items": [
            {
                "rank": r.rank,
                "region": _place_out(r.place),
                **_figure(r.figures[code]),
                "change": r.change(code),
            }
            for r in rows
        ],
    }


@router.get("/coverage/regions/{code}/followup", response=Followup, url_name="coverage_followup")
def coverage_followup(
    request: HttpRequest, code: str, filters: Query[FollowupFilter]
) -> dict[str, Any]:
    """The follow-up lists of a kabupaten/kota, kecamatan or desa (who to call next); the
    memberships they name are written to the access log."""
    user = api_user(request)
    place = region_view_get(user, code[:20])
    if place.level < 2:
        raise ApiError(404)
    on = _on(filters.on)
    try:
        lists = followup_lists(user, place, on, days=filters.days)
    except RulesError as error:  # a day the regulation parameters do not cover (BPU grace)
        raise ApiError(
            422, error.code, error.message, details=[{"field": "on", "location": "query"}]
        ) from None
    shown = membership_ids(lists)
    if shown:
        record_access(
            actor=api_actor(request),
            action=Action.VIEW,
            entity="registry.membership",
            entity_id="*",
            shown=shown,
            note=f"API daftar tindak lanjut {place.code} per {on}",
        )
    return {
        "region": _place_out(place),
        "on": on,
        "days": filters.days,
        "lists": [{"key": key, **found.as_dict()} for key, found in lists.items()],
    }
