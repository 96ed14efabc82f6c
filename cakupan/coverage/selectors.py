"""Reading coverage: a region's measures and indicators on a day, its children, league tables.

Registry counts (memberships, posts) always go through the user's scope: an operator sees only
what their unit has, a camat only their kecamatan. The region pages themselves are allowed by
:func:`region_view_get` (unknown or out-of-scope code: 404). Participant counts and denominators
are not personal data and belong to the region (``coverage.figures``).

Regions are addressed by code; ``""`` (:data:`~cakupan.coverage.figures.NATION`) is all of
Indonesia. Children of a region are grouped by the prefix of their units' region codes, so one
grouped query answers a whole table of children: units placed above the children's level (an OPD
sits at the kabupaten itself) are kept under the parent's own code and shown as their own row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least, Left
from django.http import Http404

from cakupan.accounts import access
from cakupan.accounts.access import MaybeViewer
from cakupan.common.dates import add_months, month_end, month_start, shift_month
from cakupan.common.memo import per_request
from cakupan.coverage import rollup
from cakupan.coverage.figures import NATION, FigureBook
from cakupan.coverage.indicators import (
    INDICATORS,
    MEASURE_PROVIDERS,
    Figure,
    Indicator,
    Measures,
    PostFill,
    indicators_for_level,
    percent,
)
from cakupan.registry.models import (
    VILLAGE_OFFICIAL_SEGMENTS,
    FundingSource,
    Membership,
    Scheme,
    Segment,
    UnitFormation,
)
from cakupan.registry.selectors import covered_on_q, memberships_visible_to
from cakupan.wilayah.codes import ancestors_of, in_region_subtree
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import (
    RegionNotFound,
    current_children,
    region_get,
    region_subtree_q,
)

__all__ = [
    "NATION",
    "Place",
    "measures_for",
    "percent",
    "region_stats",
]

CODE_LENGTH = {0: 0, 1: 2, 2: 5, 3: 8, 4: 13}


# --- scope ---------------------------------------------------------------------------------------
# The scoping primitives of ``accounts.access`` applied to the rows coverage counts.


def scoped_memberships(user: MaybeViewer) -> QuerySet[Membership]:
    return memberships_visible_to(user)


def scoped_formations(user: MaybeViewer) -> QuerySet[UnitFormation]:
    return access.limit_to_units(user, UnitFormation.objects.all(), "unit__")


def scope_is_whole(user: MaybeViewer, code: str) -> bool:
    """Whether ``user`` sees every unit of region ``code`` (then precomputed totals may be shown)."""
    from cakupan.registry.models import Unit

    q = access.unit_scope_q(user, "")
    if q is None:
        return True
    if code == NATION:
        return False
    if access.region_scope_covers(user, code):
        return True
    key = ("scope_is_whole", getattr(user, "pk", None), str(q), code)
    return per_request(
        key,
        lambda: not Unit.objects.filter(region_subtree_q(code, "region__code")).exclude(q).exists(),
    )


# --- places --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A region as the coverage pages address it, or all of Indonesia (``code == ""``)."""

    code: str
    name: str
    kind: str
    level: int  # 0 Indonesia, 1 provinsi ... 4 desa/kelurahan

    @classmethod
    def of(cls, region: Region) -> Place:
        return cls(region.code, region.name, region.kind, region.level)

    @property
    def is_nation(self) -> bool:
        return self.code == NATION

    @property
    def kind_label(self) -> str:
        if self.is_nation:
            return "Indonesia"
        return str(RegionKind(self.kind).label)


INDONESIA = Place(NATION, "Indonesia", "nasional", 0)


def place_get(code: str) -> Place:
    """The place with ``code`` (``""``: Indonesia); raises ``RegionNotFound``."""
    if code == NATION:
        return INDONESIA
    return Place.of(region_get(code))


def scope_roots(user: MaybeViewer) -> list[Place] | None:
    """The widest places ``user`` may open; None: all of Indonesia (superadmin, CLI)."""
    allowed = access.regions_plannable_by(user)
    if allowed is None:
        return None
    codes = {r.code for r in allowed}
    return [Place.of(r) for r in allowed if not any(a in codes for a in ancestors_of(r.code))]


def place_in_scope(place: Place, roots: list[Place] | None) -> bool:
    if roots is None:
        return True
    if place.is_nation:
        return False
    return any(in_region_subtree(place.code, r.code) for r in roots)


def region_view_get(user: MaybeViewer, code: str) -> Place:
    """The place ``code`` if ``user`` may open its coverage page; 404 otherwise (never 403)."""
    try:
        place = place_get(code)
    except RegionNotFound:
        raise Http404 from None
    if not place_in_scope(place, scope_roots(user)):
        raise Http404
    return place


def landing_place(user: MaybeViewer) -> Place | None:
    """Where ``user``'s coverage starts: Indonesia, their region, or their unit's desa/kabupaten."""
    roots = scope_roots(user)
    if roots is None:
        return INDONESIA
    return roots[0] if roots else None


def children_of(place: Place) -> list[Place]:
    """Current child regions (provinces of Indonesia, kabupaten/kota of a province ...)."""
    if not place.is_nation:
        return [Place.of(r) for r in current_children(place.code)]
    qs = Region.objects.filter(valid_to__isnull=True, level=1)
    return [Place.of(r) for r in qs.order_by("code")]


def breadcrumbs(place: Place) -> list[Place]:
    """Indonesia, then the chain of parents down to (not including) ``place``."""
    if place.is_nation:
        return []
    chain = {r.code: r for r in Region.objects.filter(code__in=ancestors_of(place.code))}
    return [
        INDONESIA,
        *(Place.of(chain[c]) for c in reversed(ancestors_of(place.code)) if c in chain),
    ]


# --- measures ------------------------------------------------------------------------------------


def _area(length: int) -> Any:
    return Left("unit__region_id", length) if length else Value("")


def within_region(qs: QuerySet[Any], code: str, field: str) -> QuerySet[Any]:
    return qs if code == NATION else qs.filter(region_subtree_q(code, field))


def group_field() -> Any:
    """An occupation's group code, or its own code when it has no group (reports count by group)."""
    return Coalesce("occupation__group__code", "occupation__code")


def _registry_measures(
    user: MaybeViewer, *, within: str, length: int, on: dt.date
) -> dict[str, Measures]:
    """Registry counts on ``on`` of the areas ``Left(unit region, length)`` below ``within``."""
    out: dict[str, Measures] = {}

    def get(code: str) -> Measures:
        if code not in out:
            out[code] = Measures(code=code, on=on)
        return out[code]

    covered = within_region(
        scoped_memberships(user).filter(covered_on_q(on)), within, "unit__region__code"
    )
    rows = (
        covered.annotate(area=_area(length), grp=group_field())
        .values_list("area", "segment", "scheme", "funding_source", "grp")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for area, segment, scheme, funding, grp, n in rows:
        m = get(area)
        m.by_segment[segment] = m.by_segment.get(segment, 0) + n
        m.by_scheme[scheme] = m.by_scheme.get(scheme, 0) + n
        m.by_funding[funding] = m.by_funding.get(funding, 0) + n
        if grp:
            m.by_group[grp] = m.by_group.get(grp, 0) + n
            nested = m.by_funding_group.setdefault(funding, {})
            nested[grp] = nested.get(grp, 0) + n
    officials = (
        covered.filter(segment__in=VILLAGE_OFFICIAL_SEGMENTS, unit__region__kind=RegionKind.DESA)
        .annotate(area=_area(length))
        .values_list("area")
        .annotate(n=Count("unit__region_id", distinct=True))
        .order_by()
    )
    for area, n in officials:
        if n:  # grouped by a constant (all of Indonesia), an empty set still gives one row
            get(area).desa_with_officials = n
    for area, segment, posts, filled, units in _post_rows(
        user, within=within, length=length, on=on
    ):
        get(area).posts[segment] = PostFill(posts=posts, filled=filled, units=units)
    return out


def _post_rows(
    user: MaybeViewer, *, within: str, length: int, on: dt.date
) -> Iterable[tuple[str, str, int, int, int]]:
    """Posts and filled posts per area and segment: a unit's members in post, capped at its posts.

    Capped per unit, so an over-staffed OPD cannot hide an empty desa.
    """
    formations = within_region(
        scoped_formations(user)
        .filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on)),
        within,
        "unit__region__code",
    )
    members = (
        Membership.objects.filter(
            covered_on_q(on), unit=OuterRef("unit_id"), segment=OuterRef("segment")
        )
        .values("unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        formations.annotate(
            members=Coalesce(Subquery(members, output_field=IntegerField()), 0),
            area=_area(length),
        )
        .annotate(filled=Least(F("members"), F("posts"), output_field=IntegerField()))
        .values_list("area", "segment")
        .annotate(
            posts_total=Sum("posts"),
            filled_total=Sum("filled"),
            units=Count("unit", distinct=True),
        )
        .values_list("area", "segment", "posts_total", "filled_total", "units")
        .order_by()
    )


def _rollup_answers(user: MaybeViewer, within: str, length: int, on: dt.date) -> bool:
    """Whether the rollup holds these areas: Indonesia, provinces, kabupaten/kota, and the
    kecamatan of one kabupaten (by segment only: what its table of kecamatan shows)."""
    if length == CODE_LENGTH[4] or (length == CODE_LENGTH[3] and len(within) != CODE_LENGTH[2]):
        return False
    return rollup.usable(user, within, on)


def measures_for(
    user: MaybeViewer, places: list[Place], on: dt.date, *, parent: Place | None = None
) -> dict[str, Measures]:
    """Measures of each of ``places`` on ``on`` (all of one level; children of ``parent`` if given).

    With ``parent``, the result also holds, under the parent's own code, what belongs to none of
    the children (units placed at the parent itself). Registry counts come from the rollup
    (``coverage.rollup``) where it holds the areas and the user sees all of their units, otherwise
    from the memberships through the user's scope; both give the same figures.
    """
    if not places:
        return {}
    level = places[0].level
    length = CODE_LENGTH[level]
    groups = [(parent.code, length)] if parent is not None else [(p.code, length) for p in places]
    registry: dict[str, Measures] = {}
    for within, size in groups:
        if _rollup_answers(user, within, size, on):
            registry.update(rollup.measures(within=within, length=size, on=on))
        else:
            registry.update(_registry_measures(user, within=within, length=size, on=on))
    codes = [p.code for p in places]
    book = FigureBook(codes, on)
    dens = {code: book.denominators(code, on) for code in codes}
    parts = {code: book.participants(code, on) for code in codes}
    extras: dict[str, dict[str, Any]] = {}
    for provider in MEASURE_PROVIDERS:
        for code, values in provider(user, codes, on).items():
            extras.setdefault(code, {}).update(values)
    out: dict[str, Measures] = {}
    for place in places:
        m = registry.get(place.code) or Measures(code=place.code, on=on)
        m.participants = parts.get(place.code)
        m.denominators = dens.get(place.code)
        m.extra = extras.get(place.code, {})
        out[place.code] = m
    if parent is not None and parent.code in registry and parent.code not in out:
        out[parent.code] = registry[parent.code]
    return out


def place_measures(user: MaybeViewer, place: Place, on: dt.date) -> Measures:
    return measures_for(user, [place], on)[place.code]


def figures(m: Measures, indicators: Iterable[Indicator] | None = None) -> dict[str, Figure]:
    """Every indicator (or those given) of one region's measures."""
    return {i.code: i.compute(m) for i in (indicators or INDICATORS.values())}


# --- the CLI's figures ---------------------------------------------------------------------------


def region_stats(*, user: MaybeViewer, region: Region, on: dt.date) -> dict[str, Any]:
    """Everything ``cakupan stats`` shows for one region on one date.

    Counts are memberships (a person with two jobs counts twice), as BPJS branch reports count
    them; ``persons`` gives distinct people. ``indicators`` holds every indicator (``ucj``, the
    one the reports call UCJ, repeated at the top level), each with numerator, denominator and
    percentage (no percentage without a denominator).
    """
    place = Place.of(region)
    m = _registry_measures(user, within=place.code, length=len(place.code), on=on).get(
        place.code
    ) or Measures(code=place.code, on=on)
    book = FigureBook([place.code], on)
    m.denominators = book.denominators(place.code, on)
    m.participants = book.participants(place.code, on)
    qs = within_region(
        scoped_memberships(user).filter(covered_on_q(on)), place.code, "unit__region__code"
    )
    by_occupation = dict(
        qs.filter(occupation__isnull=False)
        .values_list("occupation__code")
        .annotate(n=Count("pk"))
        .values_list("occupation__code", "n")
        .order_by("occupation__code")
    )
    shown = figures(m)
    return {
        "region": {"code": region.code, "name": region.name, "kind": region.kind},
        "on": on,
        "active_memberships": m.active,
        "persons": qs.values("person").distinct().count(),
        "by_scheme": {s: m.by_scheme.get(s, 0) for s in Scheme.values},
        "by_segment": {s: m.segment(s) for s in Segment.values},
        "village_officials": sum(m.segment(s) for s in VILLAGE_OFFICIAL_SEGMENTS),
        "by_occupation": by_occupation,
        "by_occupation_group": dict(sorted(m.by_group.items())),
        "by_funding_source": {f: m.by_funding.get(f, 0) for f in FundingSource.values},
        "by_funding_source_occupation_group": {
            f: dict(sorted(groups.items())) for f, groups in sorted(m.by_funding_group.items())
        },
        "desa": m.desa,
        "desa_with_village_officials": m.desa_with_officials,
        "posts": {
            segment: {
                "units": fill.units,
                "posts": fill.posts,
                "filled": fill.filled,
                "percent": percent(fill.filled, fill.posts),
            }
            for segment, fill in sorted(m.posts.items())
        },
        "ucj": shown["ucj"].as_dict(),
        "indicators": {code: figure.as_dict() for code, figure in shown.items()},
    }


# --- league tables and children ------------------------------------------------------------------


@dataclass
class Row:
    """One child region (or the parent's own units) in a table of children or a league table."""

    place: Place
    measures: Measures
    figures: dict[str, Figure]
    previous: dict[str, Figure] = field(default_factory=dict)  # a month earlier
    rank: int | None = None

    def change(self, code: str) -> Any:
        """Percentage points since a month earlier (None when either has no percentage)."""
        now, before = self.figures.get(code), self.previous.get(code)
        if now is None or before is None or now.percent is None or before.percent is None:
            return None
        return now.percent - before.percent


def sort_key(code: str, descending: bool = True) -> Any:
    """Rows by an indicator's percentage, those without one last, then by code."""

    def key(row: Row) -> tuple[int, Any, str]:
        figure = row.figures.get(code)
        value = figure.percent if figure is not None else None
        if value is None:
            return (1, 0, row.place.code)
        return (0, -value if descending else value, row.place.code)

    return key


def rank_rows(rows: list[Row], code: str) -> list[Row]:
    """Rows in rank order of indicator ``code``; equal values share a rank (1, 2, 2, 4); rows
    without a percentage come last, unranked."""
    ordered = sorted(rows, key=sort_key(code))
    last_value: Any = None
    last_rank: int | None = None
    for position, row in enumerate(ordered, start=1):
        figure = row.figures.get(code)
        value = figure.percent if figure is not None else None
        if value is None:
            row.rank = None
            continue
        row.rank = last_rank if value == last_value else position
        last_value, last_rank = value, row.rank
    return ordered


def children_rows(
    user: MaybeViewer, place: Place, on: dt.date, *, with_previous: bool = False
) -> tuple[list[Row], Row | None]:
    """A row per current child of ``place`` on ``on``, and one for the parent's own units.

    ``with_previous`` adds each row's figures a month earlier (the league table's change).
    """
    children = children_of(place)
    if not children:
        return [], None
    indicators = indicators_for_level(children[0].level)
    now = measures_for(user, children, on, parent=place)
    before = measures_for(user, children, add_months(on, -1), parent=place) if with_previous else {}
    rows = [
        Row(
            place=child,
            measures=now[child.code],
            figures=figures(now[child.code], indicators),
            previous=figures(before[child.code], indicators) if child.code in before else {},
        )
        for child in children
    ]
    own = None
    if place.code in now and now[place.code].active:
        own = Row(place=place, measures=now[place.code], figures={})
    return rows, own


def league_table(user: MaybeViewer, place: Place, code: str, on: dt.date) -> list[Row]:
    """The children of ``place`` (kabupaten/kota of a province, provinces of Indonesia) ranked by
    indicator ``code`` on ``on``, with the change since a month earlier."""
    rows, _own = children_rows(user, place, on, with_previous=True)
    return rank_rows(rows, code)


# --- time series ---------------------------------------------------------------------------------


def month_ends(on: dt.date, months: int) -> list[dt.date]:
    """The last day of each of the ``months`` months up to ``on``'s month; ``on`` itself last."""
    first = shift_month(month_start(on), -(months - 1))
    days = [month_end(shift_month(first, i)) for i in range(months - 1)]
    return [*days, on]


def series(
    user: MaybeViewer, place: Place, on: dt.date, *, months: int = 24
) -> list[tuple[dt.date, Measures]]:
    """The place's measures at the end of each month up to ``on`` (``on`` itself last)."""
    days = month_ends(on, months)
    by_day: dict[dt.date, Measures | None]
    if place.level <= 2 and rollup.usable(user, place.code, on):
        by_day = dict(rollup.series(code=place.code, days=days))
    else:
        by_day = {
            day: _registry_measures(user, within=place.code, length=len(place.code), on=day).get(
                place.code
            )
            for day in days
        }
    book = FigureBook([place.code], on, single_day=False)
    out = []
    for day in days:
        m = by_day.get(day) or Measures(code=place.code, on=day)
        m.denominators = book.denominators(place.code, day)
        m.participants = book.participants(place.code, day)
        out.append((day, m))
    return out
