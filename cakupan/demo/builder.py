"""The demo builder: seeded people, units, memberships and the village posts every kabupaten uses."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker

from cakupan.accounts.audit import Actor
from cakupan.common.nik import make_nik
from cakupan.registry.models import (
    BranchOffice,
    CooperationAgreement,
    FundingSource,
    MembershipStatus,
    Scheme,
    Segment,
    Unit,
    UnitFormation,
    UnitKind,
)
from cakupan.registry.services import Enrolment, MembershipInput, PersonInput, enrol_bulk
from cakupan.wilayah.models import Region

SEED = 20211027
D = dt.date


def between_dates(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def split_total(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` into parts proportional to ``weights`` that add up exactly."""
    raw = [total * w / sum(weights) for w in weights]
    parts = [int(x) for x in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - parts[i], reverse=True)[
        : total - sum(parts)
    ]:
        parts[i] += 1
    return parts


@dataclass
class Builder:
    """Collects units and enrolments for one load; ``flush`` writes them through the services."""

    actor: Actor
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    fake: Faker = field(default_factory=lambda: Faker("id_ID"))
    enrolments: list[Enrolment] = field(default_factory=list)
    _sequence: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _kpj: int = 24_000_000_000

    def __post_init__(self) -> None:
        self.fake.seed_instance(SEED)

    # Regions -------------------------------------------------------------------------------
    @staticmethod
    def regions(parent: str, kind: str) -> list[Region]:
        return list(
            Region.objects.filter(
                code__startswith=f"{parent}.", kind=kind, valid_to__isnull=True
            ).order_by("code")
        )

    # Units -----------------------------------------------------------------------------------
    def opd(self, regency: Region, abbreviation: str, name: str) -> Unit:
        unit = self._unit(
            f"{regency.code.replace('.', '')}-{abbreviation}",
            f"{name} {self._short(regency)}",
            UnitKind.OPD,
            regency,
        )
        verifies = VERIFYING_DINAS.get(abbreviation, [])
        if unit.verifies_segments != verifies:
            unit.verifies_segments = verifies
            unit.save(update_fields=["verifies_segments"])
        return unit

    def village_unit(
        self, desa: Region, kind: str, parent: Unit | None = None, payer: Unit | None = None
    ) -> Unit:
        labels: dict[str, tuple[str, str]] = {
            UnitKind.PEMERINTAH_DESA: ("PEMDES", "Pemerintah Desa"),
            UnitKind.BPD: ("BPD", "BPD Desa"),
            UnitKind.LEMBAGA_DESA: ("LKD", "Lembaga Kemasyarakatan Desa"),
            UnitKind.KELOMPOK_RENTAN: ("RENTAN", "Kelompok Pekerja Rentan Desa"),
        }
        suffix, label = labels[kind]
        unit = self._unit(
            f"{desa.code.replace('.', '')}-{suffix}", f"{label} {desa.name}", kind, desa, parent
        )
        if payer is not None and unit.payer_id != payer.pk:
            unit.payer = payer
            unit.save(update_fields=["payer"])
        return unit

    @staticmethod
    def _short(regency: Region) -> str:
        return regency.name.removeprefix("Kabupaten ").removeprefix("Kota ")

    @staticmethod
    def _unit(code: str, name: str, kind: str, region: Region, parent: Unit | None = None) -> Unit:
        unit, _ = Unit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": kind, "region": region, "parent": parent}
        )
        return unit

    @staticmethod
    def formation(unit: Unit, segment: str, posts: int, valid_from: dt.date) -> None:
        UnitFormation.objects.get_or_create(
            unit=unit, segment=segment, valid_from=valid_from, defaults={"posts": posts}
        )

    # People ----------------------------------------------------------------------------------
    def person(
        self,
        regency: Region,
        kecamatan: Sequence[Region],
        *,
        domicile: Region | None = None,
        born: tuple[int, int] = (1966, 2001),
        sex: str | None = None,
    ) -> PersonInput:
        rng = self.rng
        sex = sex or rng.choice("LLLP" if born[0] < 1970 else "LP")
        birth = between_dates(rng, D(born[0], 1, 1), D(born[1], 12, 31))
        # Most people got their NIK where they live now; some moved in from elsewhere in the province.
        district = (
            domicile.code[:8] if domicile and rng.random() < 0.85 else rng.choice(kecamatan).code
        )
        prefix = f"{district}|{birth}|{sex}"
        self._sequence[prefix] += 1
        nik = make_nik(
            district_code=district, birth_date=birth, sex=sex, sequence=self._sequence[prefix]
        )
        first = self.fake.first_name_male() if sex == "L" else self.fake.first_name_female()
        name = f"{first} {self.fake.last_name()}"
        phone = "08" + "".join(rng.choice("0123456789") for _ in range(rng.choice((9, 10))))
        return PersonInput(
            nik=nik,
            name=name,
            sex=sex,
            birth_date=birth,
            domicile_code=domicile.code if domicile else None,
            phone=phone,
        )

    def kpj(self) -> str:
        self._kpj += self.rng.randint(1, 97)
        return str(self._kpj)

    def membership(
        self,
        unit: Unit,
        segment: str,
        occupation: str,
        funding: str,
        wage: int,
        start: dt.date,
        end: dt.date | None = None,
        scheme: str = Scheme.PU,
        risk_class: int | None = 1,
    ) -> MembershipInput:
        return MembershipInput(
            unit_id=unit.pk,
            segment=segment,
            occupation_code=occupation,
            funding_source=funding,
            scheme=scheme,
            wage=Decimal(wage),
            start_date=start,
            end_date=end,
            risk_class=risk_class if scheme == Scheme.PU else None,
            status=MembershipStatus.ENDED if end else MembershipStatus.ACTIVE,
            kpj_number=self.kpj(),
        )

    def enrol(self, person: PersonInput, *memberships: MembershipInput) -> None:
        self.enrolments.append(Enrolment(person=person, memberships=memberships))

    def flush(self) -> tuple[int, int]:
        return enrol_bulk(actor=self.actor, enrolments=self.enrolments)


# Which dinas verifies which segment's enrolment batches (Perbup Konawe Selatan 24/2021 names
# BKPSDM, DPMD and Disnakertrans as the technical dinas; religious workers sit with Kesra).
VERIFYING_DINAS: dict[str, list[str]] = {
    "DPMD": [Segment.PERANGKAT_DESA, Segment.BPD, Segment.LEMBAGA_DESA],
    "BKPSDM": [Segment.NON_ASN],
    "DISNAKERTRANS": [Segment.PEKERJA_RENTAN],
    "KESRA": [Segment.PEKERJA_KEAGAMAAN],
}


# ---------------------------------------------------------------------------------------------
# Village officials: the posts of a desa and what they are paid (siltap / tunjangan, Rp a month).
VILLAGE_POSTS = [
    ("kepala-desa", Segment.PERANGKAT_DESA, 3_150_000),
    ("sekretaris-desa", Segment.PERANGKAT_DESA, 2_850_000),
    ("kepala-urusan", Segment.PERANGKAT_DESA, 2_450_000),
    ("kepala-urusan", Segment.PERANGKAT_DESA, 2_450_000),
    ("kepala-seksi", Segment.PERANGKAT_DESA, 2_450_000),
    ("kepala-seksi", Segment.PERANGKAT_DESA, 2_450_000),
]
DUSUN_WAGE = 2_450_000
BPD_WAGES = {"ketua-bpd": 1_500_000, "anggota-bpd-biasa": 1_000_000}


def perangkat_roles(posts: int) -> list[tuple[str, int]]:
    """Occupations and wages for a desa with ``posts`` perangkat desa posts (kades first)."""
    roles = [(code, wage) for code, _, wage in VILLAGE_POSTS][:posts]
    roles += [("kepala-dusun", DUSUN_WAGE)] * (posts - len(roles))
    return roles


def bpd_roles(members: int) -> list[tuple[str, int]]:
    return [("ketua-bpd", BPD_WAGES["ketua-bpd"])] + [
        ("anggota-bpd-biasa", BPD_WAGES["anggota-bpd-biasa"])
    ] * (members - 1)


def village_officials(
    b: Builder,
    regency: Region,
    kecamatan: list[Region],
    desa: Region,
    roles: Iterable[tuple[str, int]],
    unit: Unit,
    segment: str,
    start: tuple[dt.date, dt.date],
    funding: str = FundingSource.APBDES_ADD,
) -> int:
    n = 0
    for occupation, wage in roles:
        b.enrol(
            b.person(regency, kecamatan, domicile=desa, born=(1963, 1998)),
            b.membership(unit, segment, occupation, funding, wage, between_dates(b.rng, *start)),
        )
        n += 1
    return n


def branch_office(code: str, name: str, regions: list[str]) -> BranchOffice:
    office, _ = BranchOffice.objects.get_or_create(code=code, defaults={"name": name})
    office.regions.set(Region.objects.filter(code__in=regions))
    return office


def cooperation_agreement(
    *,
    kind: str,
    number: str,
    region: Region,
    unit: Unit,
    office: BranchOffice,
    signed: dt.date,
    title: str,
    parties: str,
    segments: list[str],
    basis: str,
) -> None:
    CooperationAgreement.objects.get_or_create(
        branch_office=office,
        number=number,
        defaults={
            "kind": kind,
            "title": title,
            "region": region,
            "unit": unit,
            "parties": parties,
            "signed_on": signed,
            "valid_from": signed,
            "valid_to": D(signed.year + 1, 12, 31),
            "segments": segments,
            "legal_basis": basis,
        },
    )
