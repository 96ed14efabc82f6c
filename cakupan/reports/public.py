"""The public dashboard's figures: Indonesia, provinces and kabupaten/kota, aggregates only.

What a page holds is built here, already formatted and protected (``reports.disclosure``), as a
plain dictionary of strings and numbers that is cached on the server (``PUBLIC_CACHE_SECONDS``;
a change shows after at most that long); templates only print it. No query here returns a
person, a NIK or a unit: measures are counted over the whole registry (the system's scope, since
a public figure is everybody's figure, not a visitor's) and only their sums per region leave
this module. Units placed at a region itself (an OPD at the
kabupaten) have no row of their own; they take part in suppression as a hidden part of the total.

Pages: Indonesia (its indicators, the segments, the league table of provinces), a province (the
same with its kabupaten/kota), a kabupaten/kota (its indicators and segments; its rank is in its
province's table). Kecamatan and desa are not public: their counts are too small to show.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.urls import reverse

from cakupan.accounts.access import SYSTEM
from cakupan.coverage.indicators import indicators_for_level
from cakupan.coverage.selectors import (
    INDONESIA,
    Place,
    breadcrumbs,
    figures,
    league_table,
    place_get,
    place_measures,
)
from cakupan.registry.models import Segment
from cakupan.reports.disclosure import count_text, is_small, percent_text, protect

PUBLIC_CACHE_SECONDS = 15 * 60
PUBLIC_LEVELS = (0, 1, 2)
# Indicators whose numerator counts desa, not people: shown as they are.
NOT_PEOPLE = frozenset({"desa_officials"})
LEAGUE_PERCENTS = ("desa_officials", "posts_filled", "rentan_target")


def public_url(place: Place) -> str:
    if place.is_nation:
        return reverse("reports:public")
    return reverse("reports:public_region", kwargs={"code": place.code})


def _cards(place: Place, shown: dict[str, Any]) -> list[dict[str, str]]:
    cards = []
    for indicator in indicators_for_level(place.level):
        figure = shown[indicator.code]
        people = indicator.code not in NOT_PEOPLE
        small = people and is_small(figure.numerator)
        cards.append(
            {
                "code": indicator.code,
                "label": str(indicator.label),
                "definition": str(indicator.definition),
                "numerator": count_text(figure.numerator, small),
                "numerator_label": str(indicator.numerator_label),
                "denominator": count_text(figure.denominator, False),
                "denominator_label": str(indicator.denominator_label),
                "percent": percent_text(figure.percent, small),
                "status": figure.status_text,
            }
        )
    return cards


def _segments(m: Any) -> dict[str, Any]:
    values = [m.segment(value) for value, _label in Segment.choices]
    shield = protect(values, total=m.active)
    return {
        "rows": [
            {"label": str(label), "value": count_text(v, flag)}
            for (_value, label), v, flag in zip(Segment.choices, values, shield.cells, strict=True)
        ],
        "total": count_text(m.active, shield.total),
    }


def _league(place: Place, m: Any, on: dt.date) -> dict[str, Any] | None:
    rows = league_table(SYSTEM, place, "ucj", on)
    if not rows:
        return None
    participants = [
        r.measures.participants.total if r.measures.participants is not None else None for r in rows
    ]
    parent_participants = m.participants.total if m.participants is not None else None
    known = [p for p in participants if p is not None]
    hidden_participants = (
        max(0, parent_participants - sum(known))
        if parent_participants is not None and len(known) == len(participants)
        else 0
    )
    part_shield = protect(participants, total=parent_participants, hidden=hidden_participants)
    active = [r.measures.active for r in rows]
    active_shield = protect(active, total=m.active, hidden=max(0, m.active - sum(active)))
    out_rows = []
    for row, n_part, part_small, n_active, active_small in zip(
        rows, participants, part_shield.cells, active, active_shield.cells, strict=True
    ):
        ucj = row.figures["ucj"]
        change = row.change("ucj")
        cells = {
            "ucj": percent_text(ucj.percent, part_small),
            "participants": count_text(n_part, part_small),
            "potential": count_text(ucj.denominator, False),
            "change": (
                percent_text(None, True)
                if part_small
                else ("–" if change is None else f"{change:+}".replace(".", ",") + " poin")
            ),
            "active": count_text(n_active, active_small),
        }
        for code in LEAGUE_PERCENTS:
            figure = row.figures.get(code)
            if figure is None:
                cells[code] = "–"
                continue
            small = code not in NOT_PEOPLE and is_small(figure.numerator)
            cells[code] = percent_text(figure.percent, small)
        out_rows.append(
            {
                "rank": row.rank,
                "name": row.place.name,
                "url": public_url(row.place),
                "cells": cells,
            }
        )
    labels = {i.code: str(i.short_label) for i in indicators_for_level(place.level + 1)}
    return {
        "rows": out_rows,
        "percent_columns": [(code, labels.get(code, code)) for code in LEAGUE_PERCENTS],
        "totals": {
            "participants": count_text(parent_participants, part_shield.total),
            "active": count_text(m.active, active_shield.total),
        },
    }


def _build(place: Place, on: dt.date) -> dict[str, Any]:
    m = place_measures(SYSTEM, place, on)
    shown = figures(m, indicators_for_level(place.level))
    crumbs = [{"name": p.name, "url": public_url(p)} for p in breadcrumbs(place)]
    return {
        "code": place.code,
        "name": place.name if not place.is_nation else "Indonesia",
        "kind": place.kind_label,
        "level": place.level,
        "on": on.isoformat(),
        "crumbs": crumbs,
        "cards": _cards(place, shown),
        "segments": _segments(m),
        "league": _league(place, m, on) if place.level < 2 else None,
    }


def public_place(code: str) -> Place | None:
    """The place ``code`` if it has a public page (Indonesia, a province, a kabupaten/kota)."""
    try:
        place = INDONESIA if code == "" else place_get(code)
    except LookupError:
        return None
    return place if place.level in PUBLIC_LEVELS else None


def public_figures(place: Place, on: dt.date) -> dict[str, Any]:
    """The protected figures of ``place`` on ``on`` (cached; see the module docstring)."""
    key = f"reports:publik:v1:{place.code or 'id'}:{on.isoformat()}"
    data = cache.get(key)
    if data is None:
        data = _build(place, on)
        cache.set(key, data, PUBLIC_CACHE_SECONDS)
    return dict(data)


__all__ = ["PUBLIC_CACHE_SECONDS", "public_figures", "public_place", "public_url"]
