"""Denominators, BPJS participant counts and desa counts of regions on a date.

These figures are not personal data and are the same for every user who may see a region, so
nothing here is scoped (the views decide who may see which region).

Rules, written once here:

* **As of a day** a value is the latest one dated on or before that day (``valid_from`` of a
  denominator, ``as_of`` of a participant count). Before the first one there is none.
* **Counts add up**: a region without its own value (potential workers, working population,
  vulnerable workers, participants) takes the sum of its current children's values, when every one
  of them has one (recursively); if any child lacks one, the region has none. A partial sum would
  pass for the region's figure and make it look better or worse than it is.
* **The target of pekerja rentan per desa holds below**: set for a kabupaten, it is every desa's
  target there, unless a kecamatan or desa sets its own. As a denominator it is the sum of the
  targets of the region's desa; none when any desa of the region has no target.
* **Desa** are current regions of kind desa (kelurahan are not desa: they have no perangkat desa,
  BPD or APBDes), as the reports count them ("27 desa dari 125 desa").
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from cakupan.coverage.models import COUNT_KINDS, Denominator, DenominatorKind, ParticipantCount
from cakupan.wilayah.codes import ancestors_of
from cakupan.wilayah.models import Region, RegionDataset, RegionKind

NATION = ""  # the code under which figures of all of Indonesia are kept


@dataclass(frozen=True)
class Sourced:
    """A figure with where it comes from: one region's own value, or the sum of ``parts`` regions."""

    value: int
    as_of: dt.date  # the date of the value (of the most recent part, for a sum)
    source: str  # the source named with the value; for a sum, "" (see ``parts``)
    parts: int = 1  # 1: the region's own value; n: the sum of n regions' values


@dataclass(frozen=True)
class Participants:
    """Active BPJS TK participants by segment as the branch counts them."""

    pu: int
    bpu: int
    construction: int
    as_of: dt.date
    source: str
    parts: int = 1

    @property
    def total(self) -> int:
        return self.pu + self.bpu + self.construction


def _subtree_q(codes: Iterable[str], field: str = "region__code") -> Q:
    q = Q(pk__in=[])
    for code in codes:
        if code == NATION:
            return Q()
        q |= Q(**{field: code}) | Q(**{f"{field}__startswith": f"{code}."})
    return q


def _related_codes(codes: Iterable[str]) -> set[str]:
    """``codes`` and their ancestors (where inherited values come from)."""
    out: set[str] = set()
    for code in codes:
        if code != NATION:
            out.add(code)
            out.update(ancestors_of(code))
    return out


# --- desa counts -------------------------------------------------------------------------------

_DESA_CACHE: dict[object, dict[str, int]] = {}


def desa_counts() -> dict[str, int]:
    """Current desa per region code (provinsi, kabupaten/kota, kecamatan, desa itself; ``""``: all).

    Computed once per loaded region dataset and kept in the process (about 80,000 codes).
    """
    key = tuple(RegionDataset.objects.order_by("-id").values_list("id", "loaded_at")[:1])
    cached = _DESA_CACHE.get(key)
    if cached is not None:
        return cached
    counts: Counter[str] = Counter()
    for code in Region.objects.filter(kind=RegionKind.DESA, valid_to__isnull=True).values_list(
        "code", flat=True
    ):
        counts[NATION] += 1
        counts[code] += 1
        counts.update(ancestors_of(code))
    _DESA_CACHE.clear()
    _DESA_CACHE[key] = dict(counts)
    return _DESA_CACHE[key]


# --- children ----------------------------------------------------------------------------------


class _Tree:
    """Current children of regions, fetched once per parent while resolving sums."""

    def __init__(self) -> None:
        self._children: dict[str, list[str]] = {}

    def children(self, code: str) -> list[str]:
        if code not in self._children:
            qs = Region.objects.filter(valid_to__isnull=True)
            qs = qs.filter(level=1) if code == NATION else qs.filter(parent_id=code)
            self._children[code] = list(qs.order_by("code").values_list("code", flat=True))
        return self._children[code]


def _has_below(code: str, codes_with_rows: set[str]) -> bool:
    if code == NATION:
        return bool(codes_with_rows)
    prefix = f"{code}."
    return any(c.startswith(prefix) for c in codes_with_rows)


# --- denominators ------------------------------------------------------------------------------


def _latest_denominators(codes: Iterable[str], on: dt.date) -> dict[tuple[str, str], Denominator]:
    """The value in force on ``on`` for every region in or above ``codes`` and every kind."""
    codes = list(codes)
    rows = (
        Denominator.objects.filter(_subtree_q(codes) | Q(region_id__in=_related_codes(codes)))
        .filter(valid_from__lte=on)
        .order_by("region_id", "kind", "-valid_from")
        .distinct("region_id", "kind")
    )
    return {(row.region_id, row.kind): row for row in rows}


class _Resolver:
    def __init__(self, rows: dict[tuple[str, str], Denominator], desa: dict[str, int]) -> None:
        self.rows, self.desa, self.tree = rows, desa, _Tree()
        self.codes = {kind: {code for code, k in rows if k == kind} for kind in DenominatorKind}

    def count(self, code: str, kind: str) -> Sourced | None:
        own = self.rows.get((code, kind))
        if own is not None:
            return Sourced(own.value, own.valid_from, own.source)
        if not _has_below(code, self.codes[DenominatorKind(kind)]):
            return None
        parts = [self.count(child, kind) for child in self.tree.children(code)]
        if not parts or any(p is None for p in parts):
            return None
        found = [p for p in parts if p is not None]
        return Sourced(
            value=sum(p.value for p in found),
            as_of=max(p.as_of for p in found),
            source="",
            parts=sum(p.parts for p in found),
        )

    def target_per_desa(self, code: str) -> Denominator | None:
        """The per-desa target holding for ``code``: its own, else its nearest ancestor's."""
        for candidate in [code, *ancestors_of(code)] if code != NATION else []:
            row = self.rows.get((candidate, DenominatorKind.RENTAN_TARGET_PER_DESA))
            if row is not None:
                return row
        return None

    def rentan_target(self, code: str) -> Sourced | None:
        """The sum of the per-desa targets of the desa of ``code`` (none if any desa has none)."""
        desa = self.desa.get(code, 0)
        held = self.target_per_desa(code)
        if held is not None:
            return Sourced(held.value * desa, held.valid_from, held.source)
        if desa == 0:
            return None
        if not _has_below(code, self.codes[DenominatorKind.RENTAN_TARGET_PER_DESA]):
            return None
        parts = []
        for child in self.tree.children(code):
            if self.desa.get(child, 0) == 0:
                continue
            part = self.rentan_target(child)
            if part is None:
                return None
            parts.append(part)
        if not parts:
            return None
        return Sourced(
            value=sum(p.value for p in parts),
            as_of=max(p.as_of for p in parts),
            source="",
            parts=sum(p.parts for p in parts),
        )


@dataclass(frozen=True)
class Denominators:
    """Every denominator of one region on one day (None: no comparison figure recorded)."""

    potential_workers: Sourced | None
    working_population: Sourced | None
    vulnerable_workers: Sourced | None
    rentan_target: Sourced | None  # sum over the region's desa of their per-desa target
    rentan_target_per_desa: int | None  # the target holding for the region itself, if one does
    desa: int


def denominators_for(codes: list[str], on: dt.date) -> dict[str, Denominators]:
    """Denominators of each region of ``codes`` (``""`` for all of Indonesia) on ``on``."""
    desa = desa_counts()
    resolver = _Resolver(_latest_denominators(codes, on), desa)
    out: dict[str, Denominators] = {}
    for code in codes:
        counts = {kind: resolver.count(code, kind) for kind in COUNT_KINDS}
        held = resolver.target_per_desa(code)
        out[code] = Denominators(
            potential_workers=counts[DenominatorKind.POTENTIAL_WORKERS],
            working_population=counts[DenominatorKind.WORKING_POPULATION],
            vulnerable_workers=counts[DenominatorKind.VULNERABLE_WORKERS],
            rentan_target=resolver.rentan_target(code),
            rentan_target_per_desa=held.value if held is not None else None,
            desa=desa.get(code, 0),
        )
    return out


def rentan_targets_of_desa(parent: str, on: dt.date) -> dict[str, int]:
    """The per-desa target holding for each current desa below ``parent`` that has one."""
    desa = list(
        Region.objects.filter(_subtree_q([parent], "code"), kind=RegionKind.DESA)
        .filter(valid_to__isnull=True)
        .values_list("code", flat=True)
    )
    rows = (
        Denominator.objects.filter(kind=DenominatorKind.RENTAN_TARGET_PER_DESA, valid_from__lte=on)
        .filter(_subtree_q([parent]) | Q(region_id__in=_related_codes([parent])))
        .order_by("region_id", "-valid_from")
        .distinct("region_id")
    )
    by_region = {row.region_id: row.value for row in rows}
    out: dict[str, int] = {}
    for code in desa:
        for candidate in [code, *ancestors_of(code)]:
            if candidate in by_region:
                out[code] = by_region[candidate]
                break
    return out


# --- participants ------------------------------------------------------------------------------


def participants_for(codes: list[str], on: dt.date) -> dict[str, Participants | None]:
    """The branch's count of active participants of each region of ``codes`` on ``on``."""
    rows = {
        row.region_id: row
        for row in ParticipantCount.objects.filter(_subtree_q(codes), as_of__lte=on)
        .order_by("region_id", "-as_of")
        .distinct("region_id")
    }
    with_rows = set(rows)
    tree = _Tree()

    def resolve(code: str) -> Participants | None:
        own = rows.get(code)
        if own is not None:
            return Participants(own.pu, own.bpu, own.construction, own.as_of, own.source)
        if not _has_below(code, with_rows):
            return None
        parts = [resolve(child) for child in tree.children(code)]
        if not parts or any(p is None for p in parts):
            return None
        found = [p for p in parts if p is not None]
        return Participants(
            pu=sum(p.pu for p in found),
            bpu=sum(p.bpu for p in found),
            construction=sum(p.construction for p in found),
            as_of=max(p.as_of for p in found),
            source="",
            parts=sum(p.parts for p in found),
        )

    return {code: resolve(code) for code in codes}


def first_figure_date() -> dt.date | None:
    """The earliest date any participant count or denominator is dated (for "no data yet")."""
    dates = [
        ParticipantCount.objects.order_by("as_of").values_list("as_of", flat=True).first(),
        Denominator.objects.order_by("valid_from").values_list("valid_from", flat=True).first(),
    ]
    found = [d for d in dates if d is not None]
    return min(found) if found else None
