"""Kabupaten Bulukumba (73.02): officials of all 109 desa and their 2024 contributions of exactly Rp890,000,000."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal

from cakupan.demo.builder import (
    Builder,
    D,
    between_dates,
    bpd_roles,
    branch_office,
    cooperation_agreement,
    perangkat_roles,
)
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import (
    CooperationAgreement,
    FundingSource,
    Scheme,
    Segment,
    Unit,
    UnitKind,
)
from cakupan.rules.contribution import ContributionInput, calculate_contribution
from cakupan.wilayah.models import Region, RegionKind

# Bulukumba 2024 (seeds/003): contributions received from village institutions in 2024 were
# Rp890,000,000. The officials are registered on a reference wage, the UMP of Sulawesi Selatan for
# 2024, JKK class I + JKM (0.24% + 0.30%): Rp8,242 + Rp10,303 = Rp18,545 a person a month.
BULUKUMBA_2024_CONTRIBUTIONS = Decimal(890_000_000)
UMP_SULSEL_2024 = 3_434_298
HONORARIUM_FLOOR = 1_000_000  # the least a kader is registered on (one calibration bound)
BULUKUMBA_YEAR = 2024


@dataclass
class _Official:
    """One village institution member of Bulukumba, before enrolment (the calibration moves them)."""

    desa: Region
    unit: Unit
    segment: str
    occupation: str
    wage: int
    start: dt.date


@dataclass
class _Desa:
    region: Region
    lkd: Unit
    lkd_start: dt.date  # when the desa registered its lembaga members (after the NKS of 2024)
    lkd_members: list[_Official] = field(default_factory=list)


def _contribution(wage: int, month: dt.date) -> Decimal:
    """The bill of one official for one month: PU, JKK class I + JKM, by the rules engine."""
    return _price(wage, month)


@functools.cache
def _price(wage: int, month: dt.date) -> Decimal:
    params = active_parameters()
    return calculate_contribution(
        ContributionInput(
            scheme=Scheme.PU,
            month=month,
            wage=Decimal(wage),
            programmes=frozenset({"jkk", "jkm"}),
            risk_class=1,
        ),
        params,
    ).total


def _year_cost(o: _Official, year: int) -> Decimal:
    """What billing charges for ``o`` over ``year``: every month from the month it started."""
    return sum(
        (
            _contribution(o.wage, dt.date(year, m, 1))
            for m in range(1, 13)
            if o.start < dt.date(year + m // 12, m % 12 + 1, 1)
        ),
        Decimal(0),
    )


def _lkd_member(b: Builder, desa: _Desa) -> _Official:
    occupation = b.rng.choice(("ketua-rt", "ketua-rw", "kader-posyandu", "pengurus-lpm"))
    return _Official(
        desa.region, desa.lkd, Segment.LEMBAGA_DESA, occupation, UMP_SULSEL_2024, desa.lkd_start
    )


def calibrate_bulukumba(
    b: Builder,
    officials: list[_Official],
    villages: list[_Desa],
    target: Decimal,
    report: dict[str, int],
) -> list[_Official]:
    """Make the 2024 contributions of ``officials`` plus two late joiners come to ``target``.

    A small deterministic search, in three steps:

    1. whole lembaga members: add one (to the desa in turn, from the first) while the gap left is
       more than a member-year above what step 3 can absorb, or take the last added/drawn one away
       while the total is above the target;
    2. start months: move the registration month of lembaga members one month earlier (gap too
       large) or later (gap too small), one member at a time, until the gap lies within the range
       step 3 can fill (at most a few moves, each worth one person-month);
    3. two kader posyandu of the last desa registered on 1 December on their honorarium: their two
       wages, between ``HONORARIUM_FLOOR`` and the UMP, are searched (whole rupiah) so that their
       December contributions fill the gap exactly.

    Returns the two late joiners (the caller enrols them with the rest); ``report`` receives how
    many members were added, removed and moved, and the two wages.
    """
    december = dt.date(BULUKUMBA_YEAR, 12, 1)
    low = 2 * _contribution(HONORARIUM_FLOOR, december)
    high = 2 * _contribution(UMP_SULSEL_2024, december)
    total = sum((_year_cost(o, BULUKUMBA_YEAR) for o in officials), Decimal(0))
    gap = target - total
    turn = 0
    while gap < low:  # too many: the last lembaga members drawn are not registered after all
        desa = villages[-1 - turn % len(villages)]
        gone = desa.lkd_members.pop()
        officials.remove(gone)
        gap += _year_cost(gone, BULUKUMBA_YEAR)
        turn += 1
    report["removed"] = turn
    turn = 0
    while True:
        desa = villages[turn % len(villages)]
        member = _lkd_member(b, desa)
        cost = _year_cost(member, BULUKUMBA_YEAR)
        if gap - cost < high:
            break
        desa.lkd_members.append(member)
        officials.append(member)
        gap -= cost
        turn += 1
    report["added"] = turn
    movable = [o for o in officials if o.segment == Segment.LEMBAGA_DESA]
    turn = 0
    while not low <= gap <= high:
        member = movable[turn % len(movable)]
        before = _year_cost(member, BULUKUMBA_YEAR)
        shift = -1 if gap > high else 1
        month = member.start.month + shift
        if 1 <= month <= 12:
            member.start = member.start.replace(month=month, day=1)
            gap -= _year_cost(member, BULUKUMBA_YEAR) - before
            report["moved"] = report.get("moved", 0) + 1
        turn += 1
    first = gap // 2
    for _attempt in range(50):
        wages = [_wage_for(first, december), _wage_for(gap - first, december)]
        if None not in wages:
            break
        first -= 1
    else:  # pragma: no cover - c(w) steps by at most 2 rupiah, so a split is always found
        raise RuntimeError("Bulukumba calibration found no wages")
    last = villages[-1]
    joiners = [
        _Official(last.region, last.lkd, Segment.LEMBAGA_DESA, "kader-posyandu", w, december)
        for w in wages
        if w is not None
    ]
    assert sum((_year_cost(o, BULUKUMBA_YEAR) for o in officials + joiners), Decimal(0)) == target
    report.update(moved=report.get("moved", 0), wage_1=joiners[0].wage, wage_2=joiners[1].wage)
    return joiners


def _wage_for(amount: Decimal, month: dt.date) -> int | None:
    """The least whole-rupiah wage in [HONORARIUM_FLOOR, UMP] whose contribution is ``amount``."""
    lo, hi = HONORARIUM_FLOOR, UMP_SULSEL_2024
    while lo < hi:
        mid = (lo + hi) // 2
        if _contribution(mid, month) < amount:
            lo = mid + 1
        else:
            hi = mid
    return lo if _contribution(lo, month) == amount else None


def bulukumba(b: Builder) -> dict[str, int]:
    """73.02: perangkat desa, BPD and lembaga members of all 109 desa, paid from APBDes.

    Perangkat desa and BPD members were registered in 2022-2023; each desa registered its lembaga
    members (RT/RW heads, kader posyandu, LPM) in one month of February-July 2024, after the
    DPMD-BPJS agreement of January 2024. Everyone is registered on the UMP Sulawesi Selatan 2024 as
    reference wage, JKK class I + JKM; the pemerintah desa pays the bills of its BPD and lembaga.
    :func:`calibrate_bulukumba` makes their 2024 contributions exactly Rp890,000,000, which the
    billing run and the payments of ``demo.services`` then reproduce.
    """
    rng = b.rng
    regency = Region.objects.get(code="73.02")
    kecamatan = b.regions("73.02", RegionKind.KECAMATAN)
    desa = b.regions("73.02", RegionKind.DESA)
    dpmd = b.opd(regency, "DPMD", "Dinas Pemberdayaan Masyarakat dan Desa")
    officials: list[_Official] = []
    villages: list[_Desa] = []
    window = (D(2022, 1, 3), D(2023, 12, 28))
    for d in desa:
        pemdes = b.village_unit(d, UnitKind.PEMERINTAH_DESA, dpmd)
        bpd = b.village_unit(d, UnitKind.BPD, dpmd, payer=pemdes)
        lkd = b.village_unit(d, UnitKind.LEMBAGA_DESA, dpmd, payer=pemdes)
        n_posts, n_bpd, n_lkd = (
            rng.choice((9, 10, 11, 12)),
            rng.choice((5, 7, 9)),
            rng.randint(23, 33),
        )
        b.formation(pemdes, Segment.PERANGKAT_DESA, n_posts, D(2022, 1, 1))
        b.formation(bpd, Segment.BPD, n_bpd, D(2022, 1, 1))
        for occupation, _wage in perangkat_roles(n_posts):
            officials.append(
                _Official(
                    d, pemdes, Segment.PERANGKAT_DESA, occupation, UMP_SULSEL_2024,
                    between_dates(rng, *window),
                )
            )  # fmt: skip
        for occupation, _wage in bpd_roles(n_bpd):
            officials.append(
                _Official(
                    d, bpd, Segment.BPD, occupation, UMP_SULSEL_2024, between_dates(rng, *window)
                )
            )
        village = _Desa(d, lkd, D(BULUKUMBA_YEAR, rng.randint(2, 7), 1))
        village.lkd_members = [_lkd_member(b, village) for _ in range(n_lkd)]
        officials.extend(village.lkd_members)
        villages.append(village)
    calibration: dict[str, int] = {}
    officials += calibrate_bulukumba(
        b, officials, villages, BULUKUMBA_2024_CONTRIBUTIONS, calibration
    )
    for o in officials:
        b.enrol(
            b.person(regency, kecamatan, domicile=o.desa, born=(1963, 1998)),
            b.membership(
                o.unit, o.segment, o.occupation, FundingSource.APBDES_ADD, o.wage, o.start
            ),
        )
    office = branch_office("KC-BULUKUMBA", "Kantor Cabang Bulukumba", ["73.02"])
    cooperation_agreement(
        kind=CooperationAgreement.Kind.NOTA_KESEPAHAMAN,
        number="NKS/DPMD-BLK/2024",
        region=regency,
        unit=dpmd,
        office=office,
        signed=D(2024, 1, 15),
        title="Perlindungan jaminan sosial ketenagakerjaan perangkat kelembagaan desa dan pekerja rentan di desa",
        parties="DPMD Kabupaten Bulukumba; BPJS Ketenagakerjaan Cabang Bulukumba",
        segments=[
            Segment.PERANGKAT_DESA,
            Segment.BPD,
            Segment.LEMBAGA_DESA,
            Segment.PEKERJA_RENTAN,
        ],
        basis="UU 3/2024 tentang Desa",
    )
    return {"officials": len(officials), **{f"calibration_{k}": v for k, v in calibration.items()}}
