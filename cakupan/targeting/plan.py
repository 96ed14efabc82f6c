"""The pekerja rentan plan: whom of the region's DTSEN/P3KE list to enrol next year, and its price.

Contract
- Input: a region (the kabupaten/kota of a loaded list, or a kecamatan or desa below it), a plan
  year, ``per_desa`` (N), optionally ``desil_max``, ``budget`` (rupiah) and the payer
  (``apbdes``: each desa pays for its own people from its APBDes, a kelurahan, which has no
  APBDes, from the APBD; ``apbd``: the kabupaten/kota pays for everyone).
- Who can be chosen: people of the region's *current* list whose desil is at most ``desil_max``,
  aged ``min_age`` to ``max_age`` (inclusive, whole years) on 1 January of the plan year, and not
  already covered: no membership in any segment, registered or pending (draft, submitted), that
  is open or ends on or after 1 January of the plan year. A person covered anywhere counts as
  covered, whoever may see that membership.
- Order in each desa: desil 1 first, then 2 and so on; within a desil the first person of every
  household before the second of any (households by Nomor KK or ID keluarga; a person without one
  is a household alone; within a household the eldest first); then by household and NIK, so the
  same list always gives the same plan. Each desa takes up to N.
- Price: one person-year is the BPU JKK + JKM contribution of each month of the plan year
  (``rules.contribution.calculate_contribution`` with the parameters in force for that month) on
  the declared ``income``, by default the minimum one (the income on which 1% JKK equals the JKK
  minimum: Rp1.000.000, so Rp16.800 a month at the current rates). Everyone is priced for the
  whole year; the cost is the selected count times the person-year.
- Budget: the plan funds the largest N' <= N per desa that fits (every desa gets up to N'), then
  spends what is left on one more person in as many desa as it can, in the order of their next
  person's desil and then desa code. It never costs more than the budget. A budget below one
  person-year is refused.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q

from cakupan.accounts.access import SYSTEM
from cakupan.common.money import format_rupiah, round_rupiah
from cakupan.registry.models import COVERED_STATUSES, MembershipStatus, Scheme, Segment, Unit
from cakupan.registry.models import UnitKind as Kind
from cakupan.registry.selectors import memberships_visible_to
from cakupan.rules.contribution import ContributionInput, calculate_contribution
from cakupan.rules.params import Parameters
from cakupan.targeting.models import Candidate, CandidateList
from cakupan.targeting.services import TargetingError
from cakupan.wilayah.codes import ancestors_of
from cakupan.wilayah.models import Region, RegionKind
from cakupan.wilayah.selectors import region_subtree_q

APBDES = "apbdes"
APBD = "apbd"
PAYERS = (APBDES, APBD)
PROGRAMMES = frozenset({"jkk", "jkm"})
# Pending enrolments count as covered too: the person is already on their way in.
COVERING_STATUSES = (*COVERED_STATUSES, MembershipStatus.DRAFT, MembershipStatus.SUBMITTED)


def default_age_limits() -> tuple[int, int]:
    """The pekerja rentan age limits of the installation (``INTAKE_AGE_LIMITS``: 18-65)."""
    low, high = settings.INTAKE_AGE_LIMITS[Segment.PEKERJA_RENTAN]
    return int(low), int(high)


@dataclass(frozen=True)
class PlanRequest:
    year: int
    per_desa: int
    budget: Decimal | None = None
    desil_max: int | None = None
    payer: str = APBDES
    min_age: int | None = None  # None: the installation's limits (default_age_limits)
    max_age: int | None = None
    income: Decimal | None = None  # None: the minimum declared income of the plan year


@dataclass
class DesaPlan:
    code: str
    name: str
    kind: str
    kecamatan: str
    listed: int = 0  # people of the list living here
    eligible: int = 0
    selected: int = 0
    by_desil: dict[int, int] = field(default_factory=dict)  # selected per desil
    cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class PayerCost:
    key: str  # "apbd" or "apbdes:<desa code>"
    name: str
    budget: str  # "apbd" | "apbdes"
    region_code: str
    people: int
    amount: Decimal


@dataclass
class TargetingPlan:
    region: Region
    candidate_list: CandidateList
    request: PlanRequest
    reference_day: dt.date  # 1 January of the plan year
    income: Decimal
    monthly: list[Decimal]  # one person's contribution, January..December
    desa: list[DesaPlan]
    selected: list[int]  # candidate ids, in desa and priority order
    excluded: dict[str, int]  # why listed people were left out: age, covered, desil
    funded_per_desa: int  # N, or what the budget allows for every desa
    extra_desa: int  # desa that got one more than funded_per_desa from the rest of the budget
    payers: list[PayerCost]
    notes: list[str]

    @property
    def person_year(self) -> Decimal:
        return sum(self.monthly, Decimal(0))

    @property
    def total_selected(self) -> int:
        return len(self.selected)

    @property
    def total_cost(self) -> Decimal:
        return self.person_year * self.total_selected

    @property
    def short_desa(self) -> list[DesaPlan]:
        """Desa that could not fill N (too few eligible people on the list)."""
        return [d for d in self.desa if d.eligible < self.request.per_desa]


def current_list_for(region: Region) -> CandidateList | None:
    """The current list of ``region``'s kabupaten/kota (the region itself or an ancestor)."""
    codes = [region.code, *ancestors_of(region.code)]
    return CandidateList.objects.filter(region_id__in=codes, is_current=True).first()


def _age_on_new_year(birth: dt.date, year: int) -> int:
    return year - birth.year - (0 if (birth.month, birth.day) == (1, 1) else 1)


def minimum_income(params: Parameters, month: dt.date) -> Decimal:
    """The declared income on which 1% JKK equals the JKK minimum (the BPU minimum package)."""
    minimum = Decimal(params.for_month("bpu.jkk.minimum", month).value)
    rate = Decimal(params.for_month("bpu.jkk.rate", month).value)
    return round_rupiah(minimum / rate)


def month_prices(year: int, income: Decimal, params: Parameters) -> tuple[list[Decimal], set[str]]:
    """One person's BPU JKK + JKM contribution for each month of ``year`` and the legal bases."""
    prices: list[Decimal] = []
    sources: set[str] = set()
    for month in range(1, 13):
        result = calculate_contribution(
            ContributionInput(
                scheme=Scheme.BPU,
                month=dt.date(year, month, 1),
                wage=income,
                programmes=PROGRAMMES,
            ),
            params,
        )
        prices.append(result.total)
        sources.update(line.source for line in result.lines)
    return prices, sources


def _covered_niks(candidates: Any, day: dt.date) -> set[str]:
    """NIKs of the list that hold a membership covering ``day`` or later, in any unit (SYSTEM scope:
    a person covered anywhere is covered)."""
    return set(
        memberships_visible_to(SYSTEM)
        .filter(person__nik__in=candidates.values("nik"), status__in=COVERING_STATUSES)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .values_list("person__nik", flat=True)
        .distinct()
    )


def _ranked(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One desa's eligible people in plan order (see the module docstring)."""
    members: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = row["household"] or f"nik:{row['nik']}"
        members[(row["desil"], key)].append(row)
    for (_desil, key), people in members.items():
        people.sort(key=lambda r: (r["birth_date"], r["nik"]))
        for rank, row in enumerate(people, start=1):
            row["rank"] = rank
            row["household_key"] = key
    return sorted(rows, key=lambda r: (r["desil"], r["rank"], r["household_key"], r["nik"]))


def _fund(
    ranked: dict[str, list[dict[str, Any]]], per_desa: int, price: Decimal, budget: Decimal | None
) -> tuple[dict[str, int], int, int]:
    """How many to take in each desa: (counts, funded_per_desa, desa with one extra)."""
    available = {code: min(len(rows), per_desa) for code, rows in ranked.items()}
    if budget is None or sum(available.values()) * price <= budget:
        return available, per_desa, 0
    people = int(budget // price)
    funded = 0
    for n in range(per_desa, -1, -1):
        if sum(min(a, n) for a in available.values()) <= people:
            funded = n
            break
    counts = {code: min(a, funded) for code, a in available.items()}
    rest = people - sum(counts.values())
    extra = 0
    waiting = sorted(
        (code for code, a in available.items() if a > funded),
        key=lambda code: (ranked[code][funded]["desil"], code),
    )
    for code in waiting[:rest]:
        counts[code] += 1
        extra += 1
    return counts, funded, extra


def _payer_units(region: Region) -> dict[str, Unit]:
    """The pemerintah desa of each desa below ``region`` (who pays from its APBDes)."""
    out: dict[str, Unit] = {}
    for unit in Unit.objects.filter(
        region_subtree_q(region.code, "region__code"), kind=Kind.PEMERINTAH_DESA
    ).order_by("code"):
        out.setdefault(unit.region_id, unit)
    return out


def targeting_plan(
    *, region: Region, request: PlanRequest, params: Parameters, today: dt.date
) -> TargetingPlan:
    """The plan of ``region`` (see the module docstring). Raises :class:`TargetingError`:
    ``year_out_of_range``, ``per_desa_invalid``, ``desil_invalid``, ``age_invalid``,
    ``payer_invalid``, ``no_list`` (no DTSEN/P3KE list loaded for the region) and
    ``budget_too_small`` (less than one person-year)."""
    year = request.year
    if year < 2016 or year > today.year + 5:
        raise TargetingError(code="year_out_of_range", message=f"Tahun {year} di luar jangkauan.")
    if request.per_desa < 1:
        raise TargetingError(
            code="per_desa_invalid", message="Jumlah orang per desa paling sedikit 1."
        )
    if request.desil_max is not None and not 1 <= request.desil_max <= 10:
        raise TargetingError(code="desil_invalid", message="Desil paling tinggi harus 1 sampai 10.")
    low, high = default_age_limits()
    min_age = low if request.min_age is None else request.min_age
    max_age = high if request.max_age is None else request.max_age
    if not 0 <= min_age <= max_age:
        raise TargetingError(code="age_invalid", message="Batas umur tidak valid.")
    if request.payer not in PAYERS:
        raise TargetingError(
            code="payer_invalid", message="Pembayar harus apbdes (APBDes tiap desa) atau apbd."
        )
    candidate_list = current_list_for(region)
    if candidate_list is None:
        raise TargetingError(
            code="no_list",
            message=f"Belum ada daftar DTSEN/P3KE untuk {region.code} {region.name}. Muat dulu "
            f"dengan: cakupan targeting load BERKAS --region {region.code[:5]}",
        )
    new_year = dt.date(year, 1, 1)
    income = request.income or minimum_income(params, new_year)
    monthly, sources = month_prices(year, income, params)
    person_year = sum(monthly, Decimal(0))
    if request.budget is not None and request.budget < person_year:
        raise TargetingError(
            code="budget_too_small",
            message=f"Anggaran {format_rupiah(request.budget)} kurang dari iuran satu orang setahun "
            f"({format_rupiah(person_year)} untuk {year}): tidak ada yang dapat dibiayai.",
        )

    places = list(
        Region.objects.filter(
            region_subtree_q(region.code),
            kind__in=[RegionKind.DESA, RegionKind.KELURAHAN],
            valid_to__isnull=True,
        ).order_by("code")
    )
    kecamatan = dict(
        Region.objects.filter(code__in={p.code[:8] for p in places}).values_list("code", "name")
    )
    desa = {p.code: DesaPlan(p.code, p.name, p.kind, kecamatan.get(p.code[:8], "")) for p in places}
    candidates = Candidate.objects.filter(candidate_list=candidate_list, desa_id__in=list(desa))
    covered = _covered_niks(candidates, new_year)
    excluded = {"age": 0, "covered": 0, "desil": 0}
    eligible: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in candidates.values("id", "nik", "desa_id", "desil", "birth_date", "household"):
        place = desa[row["desa_id"]]
        place.listed += 1
        age = _age_on_new_year(row["birth_date"], year)
        if not min_age <= age <= max_age:
            excluded["age"] += 1
        elif row["nik"] in covered:
            excluded["covered"] += 1
        elif request.desil_max is not None and row["desil"] > request.desil_max:
            excluded["desil"] += 1
        else:
            place.eligible += 1
            eligible[row["desa_id"]].append(dict(row))
    ranked = {code: _ranked(rows) for code, rows in eligible.items()}
    counts, funded, extra = _fund(ranked, request.per_desa, person_year, request.budget)

    selected: list[int] = []
    for code in sorted(ranked):
        take = ranked[code][: counts.get(code, 0)]
        place = desa[code]
        place.selected = len(take)
        place.cost = person_year * len(take)
        for chosen in take:
            place.by_desil[chosen["desil"]] = place.by_desil.get(chosen["desil"], 0) + 1
            selected.append(chosen["id"])

    payers = _payers(region, list(desa.values()), request.payer, person_year)
    notes = [f"Dasar perhitungan: {s}" for s in sorted(sources)]
    if request.payer == APBDES and any(
        d.kind == RegionKind.KELURAHAN and d.selected for d in desa.values()
    ):
        notes.append("Kelurahan tidak mempunyai APBDes: iuran warganya dibayar dari APBD.")
    return TargetingPlan(
        region=region,
        candidate_list=candidate_list,
        request=replace(request, min_age=min_age, max_age=max_age),
        reference_day=new_year,
        income=income,
        monthly=monthly,
        desa=list(desa.values()),
        selected=selected,
        excluded=excluded,
        funded_per_desa=funded,
        extra_desa=extra,
        payers=payers,
        notes=notes,
    )


def _payers(
    region: Region, desa: list[DesaPlan], payer: str, person_year: Decimal
) -> list[PayerCost]:
    regency = Region.objects.filter(code=region.code[:5]).first() or region
    apbd_people = sum(d.selected for d in desa)
    out: list[PayerCost] = []
    if payer == APBDES:
        units = _payer_units(region)
        apbd_people = 0
        for d in desa:
            if not d.selected:
                continue
            if d.kind == RegionKind.KELURAHAN:
                apbd_people += d.selected
                continue
            unit = units.get(d.code)
            out.append(
                PayerCost(
                    key=f"apbdes:{d.code}",
                    name=unit.name if unit else f"Pemerintah Desa {d.name}",
                    budget=APBDES,
                    region_code=d.code,
                    people=d.selected,
                    amount=person_year * d.selected,
                )
            )
    if apbd_people:
        out.append(
            PayerCost(
                key=APBD,
                name=f"Pemerintah {regency.name}",
                budget=APBD,
                region_code=regency.code,
                people=apbd_people,
                amount=person_year * apbd_people,
            )
        )
    return out
