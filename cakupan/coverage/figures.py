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
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

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
_DATASET: dict[str, Any] = {"checked": -1e9, "key": None}
DATASET_RECHECK_SECONDS = 60.0


def _dataset_key() -> object:
    """Which region dataset is loaded (asked of the database at most once a minute a process)."""
    now = time.monotonic()
    if now - _DATASET["checked"] > DATASET_RECHECK_SECONDS:
        _DATASET["key"] = tuple(
            RegionDataset.objects.order_by("-id").values_list("id", "loaded_at")[:1]
        )
        _DATASET["checked"] = now
    return _DATASET["key"]


def desa_counts() -> dict[str, int]:
    """Current desa per region code (provinsi, kabupaten/kota, kecamatan, desa itself; ``""``: all).

    Computed once per loaded region dataset and kept in the process (about 80,000 codes).
    """
    key = _dataset_key()
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

_TREE_CACHE: dict[object, dict[str, list[str]]] = {}


def _upper_tree() -> dict[str, list[str]]:
    """Current children of Indonesia, provinces and kabupaten/kota (kept per loaded dataset)."""
    key = _dataset_key()
    cached = _TREE_CACHE.get(key)
    if cached is not None:
        return cached
    tree: dict[str, list[str]] = {}
    for code, parent in (
        Region.objects.filter(valid_to__isnull=True, level__lte=3)
        .order_by("code")
        .values_list("code", "parent_id")
    ):
        tree.setdefault(parent or NATION, []).append(code)
    _TREE_CACHE.clear()
    _TREE_CACHE[key] = tree
    return tree


class _Tree:
    """Current children of regions: the upper levels from the cache, kecamatan's desa on demand."""

    def __init__(self) -> None:
        self._upper = _upper_tree()
        self._lower: dict[str, list[str]] = {}

    def children(self, code: str) -> list[str]:
        if code == NATION or code.count(".") < 2:
            return self._upper.get(code, [])
        if code not in self._lower:
            self._lower[code] = list(
                Region.objects.filter(valid_to__isnull=True, parent_id=code)
                .order_by("code")
                .values_list("code", flat=True)
            )
        return self._lower[code]


def _has_below(code: str, codes_with_rows: set[str]) -> bool:
    if code == NATION:
        return bool(codes_with_rows)
    prefix = f"{code}."
    return any(c.startswith(prefix) for c in codes_with_rows)


# --- the stored values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stored:
    day: dt.date  # valid_from of a denominator, as_of of a participant count
    values: tuple[int, ...]  # (value,) or (pu, bpu, construction)
    source: str


def _latest(history: list[_Stored] | None, on: dt.date) -> _Stored | None:
    """The value dated on or before ``on`` (``history`` ascending by day)."""
    if not history:
        return None
    position = bisect_right([h.day for h in history], on)
    return history[position - 1] if position else None


class FigureBook:
    """The denominators and participant counts of some regions (and their subtrees, and for the
    per-desa target their ancestors), read once and asked for any day up to ``until``.

    ``single_day``: only the value in force on ``until`` is read per region and kind (one page of
    regions on one day); otherwise every value up to ``until`` (a time series).
    """

    def __init__(self, codes: list[str], until: dt.date, *, single_day: bool = True) -> None:
        self.tree = _Tree()
        self.desa = desa_counts()
        dens = Denominator.objects.filter(
            _subtree_q(codes) | Q(region_id__in=_related_codes(codes)), valid_from__lte=until
        )
        parts = ParticipantCount.objects.filter(_subtree_q(codes), as_of__lte=until)
        if single_day:
            dens = dens.order_by("region_id", "kind", "-valid_from").distinct("region_id", "kind")
            parts = parts.order_by("region_id", "-as_of").distinct("region_id")
        self.den: dict[tuple[str, str], list[_Stored]] = {}
        for region, kind, day, value, source in dens.values_list(
            "region_id", "kind", "valid_from", "value", "source"
        ):
            self.den.setdefault((region, kind), []).append(_Stored(day, (value,), source))
        self.part: dict[str, list[_Stored]] = {}
        for region, day, pu, bpu, construction, source in parts.values_list(
            "region_id", "as_of", "pu", "bpu", "construction", "source"
        ):
            self.part.setdefault(region, []).append(_Stored(day, (pu, bpu, construction), source))
        for history in (*self.den.values(), *self.part.values()):
            history.sort(key=lambda h: h.day)
        self.with_rows = {
            kind: {code for code, k in self.den if k == kind} for kind in DenominatorKind
        }
        self.with_participants = set(self.part)

    # Denominators
    def _count(self, code: str, kind: str, on: dt.date) -> Sourced | None:
        own = _latest(self.den.get((code, kind)), on)
        if own is not None:
            return Sourced(own.values[0], own.day, own.source)
        if not _has_below(code, self.with_rows[DenominatorKind(kind)]):
            return None
        parts = [self._count(child, kind, on) for child in self.tree.children(code)]
        if not parts or any(p is None for p in parts):
            return None
        found = [p for p in parts if p is not None]
        return Sourced(
            value=sum(p.value for p in found),
            as_of=max(p.as_of for p in found),
            source="",
            parts=sum(p.parts for p in found),
        )

    def _target_per_desa(self, code: str, on: dt.date) -> _Stored | None:
        """The per-desa target holding for ``code``: its own, else its nearest ancestor's."""
        for candidate in [code, *ancestors_of(code)] if code != NATION else []:
            held = _latest(self.den.get((candidate, DenominatorKind.RENTAN_TARGET_PER_DESA)), on)
            if held is not None:
                return held
        return None

    def _rentan_target(self, code: str, on: dt.date) -> Sourced | None:
        """The sum of the per-desa targets of the desa of ``code`` (none if any desa has none)."""
        desa = self.desa.get(code, 0)
        held = self._target_per_desa(code, on)
        if held is not None:
            return Sourced(held.values[0] * desa, held.day, held.source)
        if desa == 0:
            return None
        if not _has_below(code, self.with_rows[DenominatorKind.RENTAN_TARGET_PER_DESA]):
            return None
        parts = []
        for child in self.tree.children(code):
            if self.desa.get(child, 0) == 0:
                continue
            part = self._rentan_target(child, on)
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

    def denominators(self, code: str, on: dt.date) -> Denominators:
        counts = {kind: self._count(code, kind, on) for kind in COUNT_KINDS}
        held = self._target_per_desa(code, on)
        return Denominators(
            potential_workers=counts[DenominatorKind.POTENTIAL_WORKERS],
            working_population=counts[DenominatorKind.WORKING_POPULATION],
            vulnerable_workers=counts[DenominatorKind.VULNERABLE_WORKERS],
            rentan_target=self._rentan_target(code, on),
            rentan_target_per_desa=held.values[0] if held is not None else None,
            desa=self.desa.get(code, 0),
        )

    # Participants
    def participants(self, code: str, on: dt.date) -> Participants | None:
        own = _latest(self.part.get(code), on)
        if own is not None:
            pu, bpu, construction = own.values
            return Participants(pu, bpu, construction, own.day, own.source)
        if not _has_below(code, self.with_participants):
            return None
        parts = [self.participants(child, on) for child in self.tree.children(code)]
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
    book = FigureBook(codes, on)
    return {code: book.denominators(code, on) for code in codes}


def participants_for(codes: list[str], on: dt.date) -> dict[str, Participants | None]:
    """The branch's count of active participants of each region of ``codes`` on ``on``."""
    book = FigureBook(codes, on)
    return {code: book.participants(code, on) for code in codes}


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


def first_figure_date() -> dt.date | None:
    """The earliest date any participant count or denominator is dated (for "no data yet")."""
    dates = [
        ParticipantCount.objects.order_by("as_of").values_list("as_of", flat=True).first(),
        Denominator.objects.order_by("valid_from").values_list("valid_from", flat=True).first(),
    ]
    found = [d for d in dates if d is not None]
    return min(found) if found else None
