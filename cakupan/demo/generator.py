"""Synthetic demo data calibrated to the five source reports (``shared/seeds``).

People are made up (Faker ``id_ID`` names) but consistent: each NIK encodes the person's sex, birth
date and a real kecamatan; domiciles and units sit in real desa. The figures the reports give come
out exactly from ``cakupan stats`` on the dates they were reported:

* 73.24 Luwu Timur, 2022-11-09: non-ASN 4,535; perangkat desa + BPD 274 in 27 of 125 desa;
  pekerja keagamaan 1,483; pekerja rentan 1,665 (PU total 6,292).
* 73.24 Luwu Timur, 2021-10-31: APBD-funded tenaga upah jasa 2,272, penyuluh KB 540, tenaga
  pendidik 2,077, petugas keagamaan 1,505 (6,394).
* 74.05 Konawe Selatan, 2021-10-27: perangkat desa registered in 47 of 336 desa.
* 72.05 Buol, 2024-05-29: every non-ASN post filled; perangkat desa posts 87.8% filled.
* 73.02 Bulukumba: officials of all 109 desa; their 2024 contributions, billed and paid, come to
  exactly Rp890,000,000 (``cakupan billing summary --region 73.02 --year 2024``).

Everything is drawn from one seeded generator, so two loads give the same people.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker

from cakupan.accounts.audit import Actor
from cakupan.common.nik import make_nik
from cakupan.coverage.selectors import percent
from cakupan.parameters.selectors import active_parameters
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
from cakupan.rules.contribution import ContributionInput, calculate_contribution
from cakupan.wilayah.models import Region, RegionKind

SEED = 20211027
D = dt.date


def _between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randint(0, (end - start).days))


def _split(total: int, weights: Sequence[int]) -> list[int]:
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
        birth = _between(rng, D(born[0], 1, 1), D(born[1], 12, 31))
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


def _officials(
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
            b.membership(unit, segment, occupation, funding, wage, _between(b.rng, *start)),
        )
        n += 1
    return n


# ---------------------------------------------------------------------------------------------
LUTIM_2021 = D(2021, 10, 31)
LUTIM_2022 = D(2022, 11, 9)


def luwu_timur(b: Builder) -> dict[str, int]:
    """73.24: both Luwu Timur reports (Rakor 25 Nov 2021 on October data; KSO 9 Nov 2022)."""
    rng = b.rng
    regency = Region.objects.get(code="73.24")
    kecamatan = b.regions("73.24", RegionKind.KECAMATAN)
    desa = b.regions("73.24", RegionKind.DESA)
    villages = [*desa, *b.regions("73.24", RegionKind.KELURAHAN)]
    opd = {
        abbr: b.opd(regency, abbr, name)
        for abbr, name in [
            ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan"),
            ("DPPKB", "Dinas Pengendalian Penduduk dan Keluarga Berencana"),
            ("KESRA", "Bagian Kesejahteraan Rakyat Sekretariat Daerah"),
            ("DISNAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi"),
            ("SETDA", "Sekretariat Daerah"),
            ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
            ("DINKES", "Dinas Kesehatan"),
            ("RSUD", "RSUD I Lagaligo"),
            ("SATPOLPP", "Satuan Polisi Pamong Praja"),
            ("DLH", "Dinas Lingkungan Hidup"),
            ("DISHUB", "Dinas Perhubungan"),
            ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM"),
            ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
            ("BPKD", "Badan Pengelola Keuangan Daerah"),
        ]
    }
    upah_jasa_units = [
        opd[a]
        for a in (
            "SETDA",
            "DPUPR",
            "DINKES",
            "RSUD",
            "SATPOLPP",
            "DLH",
            "DISHUB",
            "BKPSDM",
            "DPMD",
            "BPKD",
        )
    ]
    apbd = FundingSource.APBD_KABKOTA
    before = (D(2019, 1, 2), D(2021, 10, 29))
    between = (D(2021, 11, 1), LUTIM_2022 - dt.timedelta(days=1))

    # Non-ASN and religious workers protected on 31 Oct 2021, with who of them leaves before Nov 2022.
    cohort: list[tuple[Unit, str, str, int, int]] = []  # unit, segment, occupation, wage, count
    for unit, n in zip(
        upah_jasa_units, _split(2272, [18, 14, 12, 16, 10, 9, 7, 4, 5, 5]), strict=True
    ):
        cohort.append((unit, Segment.NON_ASN, "tenaga-upah-jasa", 1_800_000, n))
    cohort.append((opd["DPPKB"], Segment.NON_ASN, "penyuluh-kb", 2_200_000, 540))
    for occupation, n in zip(("guru-paud", "guru-sd", "guru-smp"), (610, 1043, 424), strict=True):
        cohort.append((opd["DISDIKBUD"], Segment.NON_ASN, occupation, 1_500_000, n))
    for occupation, n in zip(
        ("guru-ngaji", "imam-masjid", "marbot", "pendeta"), (700, 420, 310, 75), strict=True
    ):
        cohort.append((opd["KESRA"], Segment.PEKERJA_KEAGAMAAN, occupation, 1_000_000, n))
    slots = [(unit, seg, occ, wage) for unit, seg, occ, wage, n in cohort for _ in range(n)]
    non_asn_slots = [i for i, s in enumerate(slots) if s[1] == Segment.NON_ASN]
    religious_slots = [i for i, s in enumerate(slots) if s[1] == Segment.PEKERJA_KEAGAMAAN]
    leaving = set(rng.sample(non_asn_slots, 480)) | set(rng.sample(religious_slots, 60))
    for i, (unit, segment, occupation, wage) in enumerate(slots):
        end = _between(rng, *between) if i in leaving else None
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages)),
            b.membership(
                unit,
                segment,
                occupation,
                apbd,
                wage + rng.choice((0, 50_000, 100_000)),
                _between(rng, *before),
                end,
            ),
        )

    # History that no report counts: contracts that ended before October 2021.
    for _ in range(150):
        start = _between(rng, D(2018, 1, 2), D(2020, 6, 30))
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages)),
            b.membership(
                rng.choice(upah_jasa_units),
                Segment.NON_ASN,
                "tenaga-upah-jasa",
                apbd,
                1_750_000,
                start,
                _between(rng, start + dt.timedelta(days=90), D(2021, 9, 30)),
            ),
        )
    # Joiners between the two reports: 4,889 - 480 + 126 = 4,535 non-ASN; 1,505 - 60 + 38 = 1,483.
    for _ in range(126):
        occupation = rng.choice(("tenaga-upah-jasa", "tenaga-kesehatan", "tenaga-administrasi"))
        unit = opd["DINKES"] if occupation == "tenaga-kesehatan" else rng.choice(upah_jasa_units)
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages), born=(1985, 2002)),
            b.membership(
                unit, Segment.NON_ASN, occupation, apbd, 1_900_000, _between(rng, *between)
            ),
        )
    for _ in range(38):
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages)),
            b.membership(
                opd["KESRA"],
                Segment.PEKERJA_KEAGAMAAN,
                rng.choice(("guru-ngaji", "imam-masjid", "marbot")),
                apbd,
                1_000_000,
                _between(rng, *between),
            ),
        )

    # Every desa has its government and BPD; 27 of the 125 registered their officials in 2022,
    # three of them in Kecamatan Malili (where the demo camat and desa operator work).
    malili = [d for d in desa if d.code.startswith("73.24.04.")]
    registered = sorted(
        rng.sample(malili, 3) + rng.sample([d for d in desa if d not in malili], 24),
        key=lambda r: r.code,
    )
    extra = set(rng.sample(range(27), 4))  # 27 x 10 + 4 = 274
    officials = 0
    for d in desa:
        pemdes = b.village_unit(d, UnitKind.PEMERINTAH_DESA, opd["DPMD"])
        # The BPD is paid for out of the APBDes, by its pemerintah desa.
        bpd = b.village_unit(d, UnitKind.BPD, opd["DPMD"], payer=pemdes)
        posts = rng.choice((9, 10, 11, 12))
        bpd_posts = rng.choice((5, 7, 9))
        b.formation(pemdes, Segment.PERANGKAT_DESA, posts, D(2020, 1, 1))
        b.formation(bpd, Segment.BPD, bpd_posts, D(2020, 1, 1))
        if d in registered:
            i = registered.index(d)
            window = (D(2022, 1, 3), D(2022, 11, 1))
            officials += _officials(
                b,
                regency,
                kecamatan,
                d,
                perangkat_roles(7 + (i in extra)),
                pemdes,
                Segment.PERANGKAT_DESA,
                window,
            )
            officials += _officials(
                b, regency, kecamatan, d, bpd_roles(3), bpd, Segment.BPD, window
            )
    assert officials == 274

    # Pekerja rentan protected by the kabupaten (BPU, declared income Rp1 juta), from March 2022.
    rentan_desa = sorted(rng.sample(desa, 60), key=lambda r: r.code)
    for d, n in zip(
        rentan_desa, _split(1665, [rng.randint(10, 40) for _ in rentan_desa]), strict=True
    ):
        # APBD pays for them: the Disnakertrans holds the budget and pays the bills.
        unit = b.village_unit(
            d, UnitKind.KELOMPOK_RENTAN, opd["DISNAKERTRANS"], payer=opd["DISNAKERTRANS"]
        )
        for _ in range(n):
            occupation = rng.choices(
                ("buruh-tani", "nelayan", "pedagang-kecil", "tukang-ojek", "pekerja-harian-lepas"),
                weights=(45, 20, 15, 10, 10),
            )[0]
            b.enrol(
                b.person(regency, kecamatan, domicile=d, born=(1962, 2003)),
                b.membership(
                    unit,
                    Segment.PEKERJA_RENTAN,
                    occupation,
                    apbd,
                    1_000_000,
                    _between(rng, D(2022, 3, 1), D(2022, 11, 1)),
                    scheme=Scheme.BPU,
                ),
            )

    malili_office = _branch("KC-MALILI", "Kantor Cabang Malili", ["73.24"])
    _branch("KC-PALOPO", "Kantor Cabang Palopo", ["73.73", "73.17", "73.22"])
    _agreement(
        kind=CooperationAgreement.Kind.KSO,
        number="KSO/DPMD-LUTIM/XI/2022",
        region=regency,
        unit=opd["DPMD"],
        office=malili_office,
        signed=LUTIM_2022,
        title="Kerja sama operasional perlindungan jaminan sosial ketenagakerjaan perangkat desa dan BPD",
        parties="Pemerintah Kabupaten Luwu Timur; BPJS Ketenagakerjaan Kantor Cabang Malili",
        segments=[Segment.PERANGKAT_DESA, Segment.BPD],
        basis="Inpres 2/2021",
    )
    return {"units": Unit.objects.filter(region__code__startswith="73.24").count()}


KONSEL_KSO = D(2021, 10, 27)


def konawe_selatan(b: Builder) -> dict[str, int]:
    """74.05: 47 of 336 desa had registered their officials at the KSO of 27 Oct 2021."""
    rng = b.rng
    regency = Region.objects.get(code="74.05")
    kecamatan = b.regions("74.05", RegionKind.KECAMATAN)
    desa = b.regions("74.05", RegionKind.DESA)
    opd = {
        abbr: b.opd(regency, abbr, name)
        for abbr, name in [
            ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM"),
            ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
            ("DISNAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi"),
            ("DISDIK", "Dinas Pendidikan"),
            ("DINKES", "Dinas Kesehatan"),
            ("SETDA", "Sekretariat Daerah"),
            ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
            ("SATPOLPP", "Satuan Polisi Pamong Praja"),
        ]
    }
    # About 3,000 non-ASN work for the kabupaten; after the KSO the OPDs register them.
    non_asn_units = [
        opd[a]
        for a in (
            "SETDA",
            "DISDIK",
            "DINKES",
            "DPUPR",
            "SATPOLPP",
            "BKPSDM",
            "DPMD",
            "DISNAKERTRANS",
        )
    ]
    posts = _split(3000, [14, 30, 22, 10, 8, 5, 6, 5])
    for unit, n in zip(non_asn_units, posts, strict=True):
        b.formation(unit, Segment.NON_ASN, n, D(2021, 1, 1))
        for _ in range(n * 4 // 5):
            occupation = {"DISDIK": "guru-sd", "DINKES": "tenaga-kesehatan"}.get(
                unit.code.split("-")[1], "tenaga-upah-jasa"
            )
            b.enrol(
                b.person(regency, kecamatan, domicile=rng.choice(desa)),
                b.membership(
                    unit,
                    Segment.NON_ASN,
                    occupation,
                    FundingSource.APBD_KABKOTA,
                    1_700_000,
                    _between(rng, D(2021, 11, 1), D(2022, 6, 30)),
                ),
            )
    registered = set(rng.sample(range(len(desa)), 47))
    later = set(rng.sample(sorted(set(range(len(desa))) - registered), 60))
    for i, d in enumerate(desa):
        pemdes = b.village_unit(d, UnitKind.PEMERINTAH_DESA, opd["DPMD"])
        n_posts = rng.choice((8, 9, 10, 11))
        b.formation(pemdes, Segment.PERANGKAT_DESA, n_posts, D(2020, 1, 1))
        if i in registered:
            window = (D(2021, 1, 4), KONSEL_KSO - dt.timedelta(days=1))
        elif i in later:
            window = (D(2021, 11, 15), D(2022, 12, 30))
        else:
            continue
        _officials(
            b,
            regency,
            kecamatan,
            d,
            perangkat_roles(n_posts - rng.choice((0, 0, 1))),
            pemdes,
            Segment.PERANGKAT_DESA,
            window,
        )
    office = _branch("KCP-KONSEL", "Kantor Cabang Perintis Konawe Selatan", ["74.05"])
    _agreement(
        kind=CooperationAgreement.Kind.KSO,
        number="KSO/KONSEL/X/2021",
        region=regency,
        unit=opd["BKPSDM"],
        office=office,
        signed=KONSEL_KSO,
        title="Kerja sama operasional jaminan sosial ketenagakerjaan pegawai non-ASN dan pekerja rentan",
        parties="Pemerintah Kabupaten Konawe Selatan; BPJS Ketenagakerjaan Konawe Selatan",
        segments=[Segment.NON_ASN, Segment.PERANGKAT_DESA, Segment.PEKERJA_RENTAN],
        basis="Perbup Konawe Selatan 24/2021",
    )
    return {}


BUOL_MEETING = D(2024, 5, 29)
BUOL_TARGET = Decimal("87.8")


def buol(b: Builder) -> dict[str, int]:
    """72.05: all non-ASN posts filled; 87.8% of perangkat desa posts filled on 29 May 2024."""
    rng = b.rng
    regency = Region.objects.get(code="72.05")
    kecamatan = b.regions("72.05", RegionKind.KECAMATAN)
    desa = b.regions("72.05", RegionKind.DESA)
    opd = {
        abbr: b.opd(regency, abbr, name)
        for abbr, name in [
            ("SETDA", "Sekretariat Daerah"),
            ("DISDIKBUD", "Dinas Pendidikan dan Kebudayaan"),
            ("DINKES", "Dinas Kesehatan"),
            ("RSUD", "RSUD Mokopido"),
            ("DPUPR", "Dinas Pekerjaan Umum dan Penataan Ruang"),
            ("SATPOLPP", "Satuan Polisi Pamong Praja"),
            ("DLH", "Dinas Lingkungan Hidup"),
            ("DISNAKERTRANS", "Dinas Tenaga Kerja dan Transmigrasi"),
            ("DPMD", "Dinas Pemberdayaan Masyarakat dan Desa"),
            ("BKPSDM", "Badan Kepegawaian dan Pengembangan SDM"),
            ("DISHUB", "Dinas Perhubungan"),
            ("BAPPEDA", "Badan Perencanaan Pembangunan Daerah"),
        ]
    }
    for unit in opd.values():
        n = rng.randint(40, 160)
        b.formation(unit, Segment.NON_ASN, n, D(2024, 1, 1))
        for _ in range(n):
            b.enrol(
                b.person(regency, kecamatan, domicile=rng.choice(desa)),
                b.membership(
                    unit,
                    Segment.NON_ASN,
                    "tenaga-upah-jasa",
                    FundingSource.APBD_KABKOTA,
                    1_900_000,
                    _between(rng, D(2019, 1, 2), D(2024, 5, 20)),
                ),
            )
    posts = [rng.choice((9, 10, 11, 12, 13)) for _ in desa]
    total = sum(posts)
    filled = round(total * BUOL_TARGET / 100)
    while (
        percent(filled, total) != BUOL_TARGET
    ):  # pragma: no cover - the rounding above lands on it
        filled += 1 if percent(filled, total) < BUOL_TARGET else -1  # type: ignore[operator]
    vacancies = [0] * len(desa)
    for _ in range(total - filled):
        i = rng.choice([i for i in range(len(desa)) if posts[i] - vacancies[i] > 1])
        vacancies[i] += 1
    for d, n_posts, vacant in zip(desa, posts, vacancies, strict=True):
        pemdes = b.village_unit(d, UnitKind.PEMERINTAH_DESA, opd["DPMD"])
        b.formation(pemdes, Segment.PERANGKAT_DESA, n_posts, D(2024, 1, 1))
        roles = perangkat_roles(n_posts)[: n_posts - vacant]
        _officials(
            b,
            regency,
            kecamatan,
            d,
            roles,
            pemdes,
            Segment.PERANGKAT_DESA,
            (D(2019, 7, 1), D(2024, 5, 28)),
        )
    _branch("KCP-BUOL", "Kantor Cabang Perintis Buol", ["72.05"])
    _branch("KC-PALU", "Kantor Cabang Palu", ["72.71", "72.10"])
    return {"perangkat_posts": total, "perangkat_filled": filled}


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
                    _between(rng, *window),
                )
            )  # fmt: skip
        for occupation, _wage in bpd_roles(n_bpd):
            officials.append(
                _Official(d, bpd, Segment.BPD, occupation, UMP_SULSEL_2024, _between(rng, *window))
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
    office = _branch("KC-BULUKUMBA", "Kantor Cabang Bulukumba", ["73.02"])
    _agreement(
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


def _branch(code: str, name: str, regions: list[str]) -> BranchOffice:
    office, _ = BranchOffice.objects.get_or_create(code=code, defaults={"name": name})
    office.regions.set(Region.objects.filter(code__in=regions))
    return office


def _agreement(
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
