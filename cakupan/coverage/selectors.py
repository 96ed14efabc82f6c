"""Coverage figures: who is protected on a date, by segment, occupation, funding and posts."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, Least

from cakupan.accounts.access import MaybeViewer
from cakupan.registry.models import (
    VILLAGE_OFFICIAL_SEGMENTS,
    FundingSource,
    Membership,
    Scheme,
    Segment,
    UnitFormation,
)
from cakupan.registry.selectors import covered_on_q, memberships_visible_to, units_visible_to
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

PERCENT = Decimal("0.1")


def percent(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` in percent, one decimal, half up; None when ``whole`` is 0."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(PERCENT, rounding=ROUND_HALF_UP)


def _counts(qs: Any, field: str) -> dict[str, int]:
    return {
        key: n
        for key, n in qs.values_list(field)
        .annotate(n=Count("pk"))
        .values_list(field, "n")
        .order_by(field)
        if key
    }


def covered_memberships(*, user: MaybeViewer, region: Region, on: dt.date) -> Any:
    """Memberships of units in ``region`` (and below) protected on ``on``, within the user's scope."""
    return memberships_visible_to(user).filter(
        region_subtree_q(region.code, "unit__region__code"), covered_on_q(on)
    )


def post_fill(*, user: MaybeViewer, region: Region, on: dt.date) -> dict[str, dict[str, Any]]:
    """Posts (formasi) and how many are filled, per segment, in ``region`` on ``on``.

    A unit's filled posts are its protected members in that segment, capped at its posts, so an
    over-staffed OPD cannot hide an empty desa.
    """
    formations = (
        UnitFormation.objects.filter(
            region_subtree_q(region.code, "unit__region__code"),
            valid_from__lte=on,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
        .filter(unit__in=units_visible_to(user).values("pk"))
    )
    filled_sub = (
        Membership.objects.filter(
            covered_on_q(on), unit=OuterRef("unit_id"), segment=OuterRef("segment")
        )
        .values("unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        formations.annotate(members=Coalesce(Subquery(filled_sub, output_field=IntegerField()), 0))
        .annotate(filled=Least(F("members"), F("posts"), output_field=IntegerField()))
        .values("segment")
        .annotate(
            posts_total=Sum("posts"), filled_total=Sum("filled"), units=Count("unit", distinct=True)
        )
        .order_by("segment")
    )
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out[row["segment"]] = {
            "units": row["units"],
            "posts": row["posts_total"],
            "filled": row["filled_total"],
            "percent": percent(row["filled_total"], row["posts_total"]),
        }
    return out


def region_stats(*, user: MaybeViewer, region: Region, on: dt.date) -> dict[str, Any]:
    """Everything ``cakupan stats`` and the coverage page show for one region on one date.

    Counts are memberships (a person with two jobs counts twice), as BPJS branch reports count them;
    ``persons`` gives distinct people.
    """
    qs = covered_memberships(user=user, region=region, on=on)
    by_segment = _counts(qs, "segment")
    by_scheme = _counts(qs, "scheme")
    by_funding = _counts(qs, "funding_source")
    group_field = Coalesce("occupation__group__code", "occupation__code")
    by_group: dict[str, int] = {}
    nested: dict[str, dict[str, int]] = {}
    for funding, group, n in (
        qs.filter(occupation__isnull=False)
        .annotate(grp=group_field)
        .values_list("funding_source", "grp")
        .annotate(n=Count("pk"))
        .values_list("funding_source", "grp", "n")
        .order_by("funding_source", "grp")
    ):
        by_group[group] = by_group.get(group, 0) + n
        nested.setdefault(funding, {})[group] = n
    desa = Region.objects.filter(
        region_subtree_q(region.code), kind=RegionKind.DESA, valid_to__isnull=True
    )
    officials = qs.filter(segment__in=VILLAGE_OFFICIAL_SEGMENTS, unit__region__kind=RegionKind.DESA)
    return {
        "region": {"code": region.code, "name": region.name, "kind": region.kind},
        "on": on,
        "active_memberships": qs.count(),
        "persons": qs.values("person").distinct().count(),
        "by_scheme": {s: by_scheme.get(s, 0) for s in Scheme.values},
        "by_segment": {s: by_segment.get(s, 0) for s in Segment.values},
        "village_officials": sum(by_segment.get(s, 0) for s in VILLAGE_OFFICIAL_SEGMENTS),
        "by_occupation": _counts(qs, "occupation__code"),
        "by_occupation_group": dict(sorted(by_group.items())),
        "by_funding_source": {f: by_funding.get(f, 0) for f in FundingSource.values},
        "by_funding_source_occupation_group": nested,
        "desa": desa.count(),
        "desa_with_village_officials": officials.values("unit__region").distinct().count(),
        "posts": post_fill(user=user, region=region, on=on),
    }
