"""Reading regions. Region master data is public; no user scoping applies here."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, Q, QuerySet

from cakupan.common.memo import per_request
from cakupan.wilayah.codes import InvalidRegionCode, ancestors_of, normalize_region_code
from cakupan.wilayah.models import Region, RegionKind


class RegionNotFound(LookupError):
    """No region has this code (or the text is not a region code)."""

    def __init__(self, raw: str) -> None:
        super().__init__(raw)
        self.raw = raw


def region_get(code: str) -> Region:
    """The region with ``code`` (dotted or undotted); raises :class:`RegionNotFound`."""
    try:
        normalized = normalize_region_code(code)
    except InvalidRegionCode:
        raise RegionNotFound(code) from None
    try:
        return Region.objects.get(code=normalized)
    except Region.DoesNotExist:
        raise RegionNotFound(code) from None


def current_children(code: str) -> list[Region]:
    """The current child regions of ``code``, by code; read once per request (the home page wants
    a kabupaten's kecamatan for the user's scope and for its table)."""
    return list(
        per_request(
            ("current_children", code),
            lambda: list(
                Region.objects.filter(parent_id=code, valid_to__isnull=True).order_by("code")
            ),
        )
    )


def region_ancestors(region: Region) -> list[Region]:
    """The parent chain, nearest first."""
    by_code = Region.objects.in_bulk(ancestors_of(region.code))
    return [by_code[code] for code in ancestors_of(region.code) if code in by_code]


def region_subtree_q(code: str, field: str = "code") -> Q:
    """A filter for ``code`` itself and every region below it, through the code prefix.

    ``field`` is the path to a region code, e.g. ``"unit__region__code"`` (Django turns that into
    a filter on the foreign key column itself, no join).
    The trailing dot keeps ``73.2`` from matching ``73.24``.
    """
    return Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})


def region_descendant_counts(
    region: Region, *, current_only: bool = True
) -> dict[str, dict[str, int]]:
    """Counts of the children and grandchildren of ``region`` by kind."""
    result: dict[str, dict[str, int]] = {}
    for label, depth in (("children", 1), ("grandchildren", 2)):
        qs = Region.objects.filter(code__startswith=f"{region.code}.", level=region.level + depth)
        if current_only:
            qs = qs.filter(valid_to__isnull=True)
        result[label] = {
            row["kind"]: row["n"]
            for row in qs.values("kind").annotate(n=Count("code")).order_by("kind")
        }
    return result


def region_names(codes: list[str]) -> dict[str, str]:
    """Names of the given codes that exist (current or retired)."""
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def region_list(
    *, parent: str | None = None, kind: str | None = None, current_only: bool = True
) -> QuerySet[Region]:
    qs = Region.objects.all()
    if parent is not None:
        qs = qs.filter(parent_id=parent)
    if kind is not None:
        qs = qs.filter(kind=kind)
    if current_only:
        qs = qs.filter(valid_to__isnull=True)
    return qs


def region_count_by_kind() -> dict[str, int]:
    counts = Counter(
        dict(
            Region.objects.filter(valid_to__isnull=True)
            .values_list("kind")
            .annotate(n=Count("code"))
            .values_list("kind", "n")
        )
    )
    return {kind: counts.get(kind, 0) for kind in RegionKind.values}
