"""Budget planner: next year's contribution budget per payer, month by month (issue 4, section 5).

The plan answers the question a Bappeda/BPKAD and every village secretary must answer before the
fiscal year starts: *how much Jamsostek contribution goes into the APBD and into each APBDes?*

Contract
- Input: a region (kabupaten/kota or below), a fiscal year and a :class:`Targets` set.
- Heads, counted at the reference date (31 December of the year before the plan year, or today if
  that is earlier):
  * ``village_posts``: every perangkat desa and BPD post (``UnitFormation``) valid in the plan year.
    Filled posts are budgeted at their holders' wages and programmes; vacant posts at the average
    wage of the post's unit and segment, else the median of that segment in the region, else
    ``Targets.reference_wage`` (refused when none of those exists).
  * ``non_asn``: every non-ASN membership active at the reference date (BKPSDM's list).
  * ``rentan_per_desa``: N pekerja rentan per desa as BPU with ``Targets.rentan_income`` of declared
    income, JKK + JKM, paid from that desa's APBDes. Pekerja rentan already registered in a desa are
    part of its N, not added to it.
  * ``continuing``: every other membership active at the reference date continues at its wage.
- Amounts per month come from :func:`cakupan.rules.contribution.calculate_contribution` with the
  parameters in force for that contribution month (the JP cap changes in March, for example). A
  month for which no newer value is published uses the latest one; the plan says so in ``notes``.
- The budget burden (``beban``) is what the payer pays out of its budget: the employer share of PU
  lines and the whole BPU contribution (a government paying for BPU workers pays all of it). The
  worker share of PU lines (JHT 2%, JP 1%) is withheld from the wage; it is shown beside it.
- Payer: ``coalesce(unit.payer, unit)``. Units of a desa (pemerintah desa, BPD, lembaga desa,
  kelompok rentan) are budgeted in that desa's APBDes, every other unit in the region's APBD.
- Beside the plan: the amounts billed to the same payers in the year before (``billed_before``).

The calculation is grouped: one rules call per distinct (scheme, wage, programmes, risk class) and
month, multiplied by the number of people in the group, never a Python loop over people.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from cakupan.accounts.access import MaybeViewer
from cakupan.common.errors import DomainError
from cakupan.common.money import round_rupiah
from cakupan.registry.models import Scheme, Segment, Unit, UnitFormation, UnitKind
from cakupan.registry.selectors import covered_on_q, memberships_visible_to, units_visible_to
from cakupan.rules.contribution import ContributionInput, calculate_contribution
from cakupan.rules.params import Parameters
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

MONTHS = tuple(range(1, 13))
APBD = "apbd"
APBDES = "apbdes"
VILLAGE_UNIT_KINDS = (
    UnitKind.PEMERINTAH_DESA,
    UnitKind.BPD,
    UnitKind.LEMBAGA_DESA,
    UnitKind.KELOMPOK_RENTAN,
)
VILLAGE_POST_SEGMENTS = (Segment.PERANGKAT_DESA, Segment.BPD)
DEFAULT_PROGRAMMES = ("jkk", "jkm")


class BudgetError(DomainError):
    """A plan that cannot be made as asked (``code`` is stable, ``message`` Indonesian)."""


@dataclass(frozen=True)
class Targets:
    """What the plan funds. Amounts in whole rupiah."""

    village_posts: bool = True
    non_asn: bool = True
    rentan_per_desa: int = 0
    rentan_income: Decimal = Decimal(1_000_000)
    continuing: bool = True
    reference_wage: Decimal | None = None


@dataclass(frozen=True)
class Group:
    """People of one payer who cost the same: same scheme, wage, programmes and risk class."""

    scheme: str
    wage: Decimal
    programmes: tuple[str, ...]
    risk_class: int | None
    heads: int
    source: str  # which target put them here: "formasi", "non_asn", "rentan", "berjalan"
    prices: tuple[Decimal, ...] = ()  # budget burden per person, January..December
    worker_prices: tuple[Decimal, ...] = ()  # worker share per person (PU), January..December

    @property
    def total(self) -> Decimal:
        return sum(self.prices, Decimal(0)) * self.heads


@dataclass
class PayerPlan:
    key: str  # unit code, or "desa:<region code>" for a desa without a pemerintah desa unit
    name: str
    budget: str  # APBD or APBDES
    region_code: str
    region_name: str
    groups: list[Group] = field(default_factory=list)
    beban: list[Decimal] = field(default_factory=lambda: [Decimal(0)] * 12)
    worker: list[Decimal] = field(default_factory=lambda: [Decimal(0)] * 12)
    billed_before: Decimal = Decimal(0)

    @property
    def heads(self) -> int:
        return sum(g.heads for g in self.groups)

    @property
    def beban_total(self) -> Decimal:
        return sum(self.beban, Decimal(0))

    @property
    def worker_total(self) -> Decimal:
        return sum(self.worker, Decimal(0))


@dataclass
class BudgetPlan:
    region: Region
    year: int
    targets: Targets
    reference_date: dt.date
    payers: list[PayerPlan]
    notes: list[str]

    def total(self, budget: str | None = None) -> Decimal:
        return sum((p.beban_total for p in self.payers if budget in (None, p.budget)), Decimal(0))

    def monthly(self, budget: str | None = None) -> list[Decimal]:
        out = [Decimal(0)] * 12
        for p in self.payers:
            if budget in (None, p.budget):
                out = [a + b for a, b in zip(out, p.beban, strict=True)]
        return out

    def billed_before(self, budget: str | None = None) -> Decimal:
        return sum((p.billed_before for p in self.payers if budget in (None, p.budget)), Decimal(0))


def _reference_date(year: int, today: dt.date) -> dt.date:
    return min(dt.date(year - 1, 12, 31), today)


def _payer_of(unit: Unit, payers: dict[int, Unit]) -> Unit:
    payer_id = getattr(unit, "payer_id", None)
    return payers.get(payer_id, unit) if payer_id else unit


def _desa_of(unit: Unit) -> Region | None:
    region = unit.region
    if unit.kind in VILLAGE_UNIT_KINDS and region.kind == RegionKind.DESA:
        return region
    return None


class _Ledger:
    """Collects groups per payer while the targets are read."""

    def __init__(self, region: Region) -> None:
        self.region = region
        self.payers: dict[str, PayerPlan] = {}
        self.groups: dict[tuple[str, str, Decimal, tuple[str, ...], int | None, str], int] = (
            defaultdict(int)
        )

    def payer_for_unit(self, payer: Unit) -> PayerPlan:
        desa = _desa_of(payer)
        if payer.code not in self.payers:
            place = desa or payer.region
            self.payers[payer.code] = PayerPlan(
                key=payer.code,
                name=payer.name,
                budget=APBDES if desa else APBD,
                region_code=place.code,
                region_name=place.name,
            )
        return self.payers[payer.code]

    def payer_for_desa(self, desa: Region) -> PayerPlan:
        key = f"desa:{desa.code}"
        if key not in self.payers:
            self.payers[key] = PayerPlan(
                key=key,
                name=f"Pemerintah Desa {desa.name}",
                budget=APBDES,
                region_code=desa.code,
                region_name=desa.name,
            )
        return self.payers[key]

    def add(
        self,
        payer: PayerPlan,
        *,
        scheme: str,
        wage: Decimal,
        programmes: tuple[str, ...],
        risk_class: int | None,
        heads: int,
        source: str,
    ) -> None:
        if heads <= 0:
            return
        key = (payer.key, scheme, wage, tuple(sorted(programmes)), risk_class, source)
        self.groups[key] += heads

    def finish(self) -> list[PayerPlan]:
        for (key, scheme, wage, programmes, risk, source), heads in sorted(
            self.groups.items(), key=lambda kv: (kv[0][0], kv[0][5], kv[0][1], kv[0][2])
        ):
            self.payers[key].groups.append(Group(scheme, wage, programmes, risk, heads, source))
        return sorted(
            (p for p in self.payers.values() if p.groups),
            key=lambda p: (p.budget, p.region_code, p.key),
        )


def budget_plan(
    *,
    user: MaybeViewer,
    region: Region,
    year: int,
    targets: Targets,
    params: Parameters,
    today: dt.date,
) -> BudgetPlan:
    """The contribution budget of ``region`` for fiscal ``year``; see the module docstring."""
    if year < 2016 or year > today.year + 5:
        raise BudgetError(
            code="year_out_of_range", message=f"Tahun anggaran {year} di luar jangkauan."
        )
    if targets.rentan_per_desa < 0:
        raise BudgetError(
            code="rentan_invalid", message="Jumlah pekerja rentan per desa tidak boleh negatif."
        )
    ref = _reference_date(year, today)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ledger = _Ledger(region)
    units = units_visible_to(user).filter(region_subtree_q(region.code, "region__code"))
    unit_by_id = {u.pk: u for u in units.select_related("region")}
    payer_ids = {getattr(u, "payer_id", None) for u in unit_by_id.values()} - {None}
    payer_units = {u.pk: u for u in Unit.objects.filter(pk__in=payer_ids).select_related("region")}
    payer_units.update(unit_by_id)

    members = (
        memberships_visible_to(user)
        .filter(covered_on_q(ref), unit__in=list(unit_by_id))
        .values("unit", "segment", "scheme", "wage", "programmes", "risk_class")
        .annotate(n=Count("pk"))
        .order_by()
    )
    member_groups = list(members)
    taken: set[tuple[int, str]] = set()  # (unit, segment) already budgeted by a target

    if targets.village_posts:
        _village_posts(ledger, targets, unit_by_id, payer_units, member_groups, start, end, taken)
    if targets.non_asn:
        for row in member_groups:
            if row["segment"] == Segment.NON_ASN:
                taken.add((row["unit"], row["segment"]))
                _add_member_row(ledger, unit_by_id, payer_units, row, "non_asn")
    if targets.rentan_per_desa:
        _rentan(ledger, targets, region, unit_by_id, payer_units, member_groups, taken)
    if targets.continuing:
        for row in member_groups:
            if (row["unit"], row["segment"]) not in taken:
                _add_member_row(ledger, unit_by_id, payer_units, row, "berjalan")

    payers = ledger.finish()
    notes = _price(payers, year, params)
    _billed_before(payers, year - 1, user)
    return BudgetPlan(
        region=region, year=year, targets=targets, reference_date=ref, payers=payers, notes=notes
    )


def _add_member_row(
    ledger: _Ledger,
    unit_by_id: dict[int, Unit],
    payer_units: dict[int, Unit],
    row: dict[str, Any],
    source: str,
) -> None:
    payer = ledger.payer_for_unit(_payer_of(unit_by_id[row["unit"]], payer_units))
    ledger.add(
        payer,
        scheme=row["scheme"],
        wage=row["wage"],
        programmes=tuple(row["programmes"]),
        risk_class=row["risk_class"],
        heads=row["n"],
        source=source,
    )


def _village_posts(
    ledger: _Ledger,
    targets: Targets,
    unit_by_id: dict[int, Unit],
    payer_units: dict[int, Unit],
    member_groups: list[dict[str, Any]],
    start: dt.date,
    end: dt.date,
    taken: set[tuple[int, str]],
) -> None:
    formations = (
        UnitFormation.objects.filter(
            unit__in=list(unit_by_id), segment__in=VILLAGE_POST_SEGMENTS, valid_from__lte=end
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .order_by("unit_id", "segment", "-valid_from")
    )
    posts: dict[tuple[int, str], int] = {}
    for f in formations:  # the newest formation valid in the year wins
        posts.setdefault((f.unit_id, f.segment), f.posts)
    holders: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    by_segment: dict[str, list[Decimal]] = defaultdict(list)
    for row in member_groups:
        if row["segment"] in VILLAGE_POST_SEGMENTS:
            holders[(row["unit"], row["segment"])].append(row)
            by_segment[row["segment"]].extend([row["wage"]] * row["n"])
    for (unit_id, segment), n_posts in sorted(posts.items()):
        taken.add((unit_id, segment))
        rows = holders.get((unit_id, segment), [])
        filled = 0
        for row in sorted(rows, key=lambda r: -r["wage"]):
            take = min(row["n"], n_posts - filled)
            if take <= 0:
                break
            _add_member_row(ledger, unit_by_id, payer_units, {**row, "n": take}, "formasi")
            filled += take
        vacant = n_posts - filled
        if vacant <= 0:
            continue
        wage, programmes, risk = _vacant_post_terms(rows, by_segment[segment], targets, segment)
        payer = ledger.payer_for_unit(_payer_of(unit_by_id[unit_id], payer_units))
        ledger.add(
            payer,
            scheme=Scheme.PU,
            wage=wage,
            programmes=programmes,
            risk_class=risk,
            heads=vacant,
            source="formasi",
        )


def _vacant_post_terms(
    rows: list[dict[str, Any]], segment_wages: list[Decimal], targets: Targets, segment: str
) -> tuple[Decimal, tuple[str, ...], int | None]:
    if rows:
        heads = sum(r["n"] for r in rows)
        wage = sum((r["wage"] * r["n"] for r in rows), Decimal(0)) / heads
        common = max(rows, key=lambda r: r["n"])
        # A posted wage the vacancy would get: the average, to the whole rupiah like every amount.
        return round_rupiah(wage), tuple(common["programmes"]), common["risk_class"]
    if segment_wages:
        return round_rupiah(Decimal(statistics.median(segment_wages))), DEFAULT_PROGRAMMES, 1
    if targets.reference_wage is not None:
        return targets.reference_wage, DEFAULT_PROGRAMMES, 1
    raise BudgetError(
        code="reference_wage_required",
        message=f"Formasi {Segment(segment).label} tanpa pemegang dan tanpa upah pembanding: "
        "isi upah acuan untuk formasi kosong.",
    )


def _rentan(
    ledger: _Ledger,
    targets: Targets,
    region: Region,
    unit_by_id: dict[int, Unit],
    payer_units: dict[int, Unit],
    member_groups: list[dict[str, Any]],
    taken: set[tuple[int, str]],
) -> None:
    desa_list = list(
        Region.objects.filter(
            region_subtree_q(region.code), kind=RegionKind.DESA, valid_to__isnull=True
        ).order_by("code")
    )
    pemdes = {u.region_id: u for u in unit_by_id.values() if u.kind == UnitKind.PEMERINTAH_DESA}
    existing: dict[str, int] = defaultdict(int)
    for row in member_groups:
        if row["segment"] == Segment.PEKERJA_RENTAN:
            desa = _desa_of(unit_by_id[row["unit"]])
            if desa is not None:
                existing[desa.code] += row["n"]
                taken.add((row["unit"], row["segment"]))
                _add_member_row(ledger, unit_by_id, payer_units, row, "rentan")
    for desa in desa_list:
        unit = pemdes.get(desa.pk)
        payer = ledger.payer_for_unit(unit) if unit else ledger.payer_for_desa(desa)
        ledger.add(
            payer,
            scheme=Scheme.BPU,
            wage=targets.rentan_income,
            programmes=DEFAULT_PROGRAMMES,
            risk_class=None,
            heads=targets.rentan_per_desa - existing.get(desa.code, 0),
            source="rentan",
        )


def _price(payers: list[PayerPlan], year: int, params: Parameters) -> list[str]:
    """Fill ``beban``/``worker`` per month; one rules call per distinct group and month."""
    cache: dict[tuple[str, Decimal, tuple[str, ...], int | None, int], tuple[Decimal, Decimal]] = {}
    sources: set[str] = set()
    for payer in payers:
        priced = []
        for g in payer.groups:
            prices, worker_prices = [], []
            for m in MONTHS:
                key = (g.scheme, g.wage, g.programmes, g.risk_class, m)
                if key not in cache:
                    result = calculate_contribution(
                        ContributionInput(
                            scheme=g.scheme,
                            month=dt.date(year, m, 1),
                            wage=g.wage,
                            programmes=frozenset(g.programmes),
                            risk_class=g.risk_class or (1 if g.scheme == Scheme.PU else None),
                        ),
                        params,
                    )
                    if g.scheme == Scheme.PU:
                        cache[key] = (result.employer_total, result.worker_total)
                    else:
                        cache[key] = (result.total, Decimal(0))
                    sources.update(line.source for line in result.lines)
                beban, worker = cache[key]
                prices.append(beban)
                worker_prices.append(worker)
                payer.beban[m - 1] += beban * g.heads
                payer.worker[m - 1] += worker * g.heads
            priced.append(replace(g, prices=tuple(prices), worker_prices=tuple(worker_prices)))
        payer.groups = priced
    notes = [f"Dasar perhitungan: {s}" for s in sorted(sources)]
    latest = _latest_jp_cap_year(params)
    if latest is not None and latest < year:
        notes.append(
            f"Batas upah JP untuk tahun {year} belum terbit; dipakai nilai terakhir ({latest})."
        )
    return notes


def _latest_jp_cap_year(params: Parameters) -> int | None:
    years = [e.valid_from.year for e in params.entries() if e.key == "jp.wage_cap"]
    return max(years) if years else None


def _billed_before(payers: list[PayerPlan], year: int, user: MaybeViewer) -> None:
    """What the same payers were billed for contribution months of ``year`` (0 if none), as far
    as ``user`` may see it.

    A payer the user can see (the bills page shows its bills) counts its whole bills. A payer
    outside the user's scope, which is in the plan only because it pays for a unit the user sees
    (an OPD paying for a kelompok rentan in a desa), counts only the bill entries of memberships
    the user may see: a desa operator never learns the OPD's bill for the whole kabupaten.
    """
    from cakupan.billing.models import BillEntry
    from cakupan.billing.selectors import billed_by_payer

    codes = [p.key for p in payers]
    visible = set(units_visible_to(user).filter(code__in=codes).values_list("code", flat=True))
    billed = billed_by_payer(year=year, payer_codes=sorted(visible))
    hidden = [c for c in codes if c not in visible]
    if hidden:
        entries = (
            BillEntry.objects.filter(
                bill__month__year=year,
                bill__payer__code__in=hidden,
                membership__in=memberships_visible_to(user).values("pk"),
            )
            .values("bill__payer__code")
            .annotate(total=Sum("total"))
        )
        billed.update({r["bill__payer__code"]: Decimal(r["total"]) for r in entries})
    for p in payers:
        p.billed_before = billed.get(p.key, Decimal(0))


__all__ = ["APBD", "APBDES", "BudgetError", "BudgetPlan", "PayerPlan", "Targets", "budget_plan"]
