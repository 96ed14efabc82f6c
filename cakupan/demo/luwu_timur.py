"""Kabupaten Luwu Timur (73.24): the 2021 APBD breakdown and the 2022 KSO figures."""

from __future__ import annotations

import datetime as dt

from cakupan.demo.builder import (
    Builder,
    D,
    between_dates,
    bpd_roles,
    branch_office,
    cooperation_agreement,
    perangkat_roles,
    split_total,
    village_officials,
)
from cakupan.registry.models import (
    CooperationAgreement,
    FundingSource,
    Scheme,
    Segment,
    Unit,
    UnitKind,
)
from cakupan.wilayah.models import Region, RegionKind

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
        upah_jasa_units, split_total(2272, [18, 14, 12, 16, 10, 9, 7, 4, 5, 5]), strict=True
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
        end = between_dates(rng, *between) if i in leaving else None
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages)),
            b.membership(
                unit,
                segment,
                occupation,
                apbd,
                wage + rng.choice((0, 50_000, 100_000)),
                between_dates(rng, *before),
                end,
            ),
        )

    # History that no report counts: contracts that ended before October 2021.
    for _ in range(150):
        start = between_dates(rng, D(2018, 1, 2), D(2020, 6, 30))
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages)),
            b.membership(
                rng.choice(upah_jasa_units),
                Segment.NON_ASN,
                "tenaga-upah-jasa",
                apbd,
                1_750_000,
                start,
                between_dates(rng, start + dt.timedelta(days=90), D(2021, 9, 30)),
            ),
        )
    # Joiners between the two reports: 4,889 - 480 + 126 = 4,535 non-ASN; 1,505 - 60 + 38 = 1,483.
    for _ in range(126):
        occupation = rng.choice(("tenaga-upah-jasa", "tenaga-kesehatan", "tenaga-administrasi"))
        unit = opd["DINKES"] if occupation == "tenaga-kesehatan" else rng.choice(upah_jasa_units)
        b.enrol(
            b.person(regency, kecamatan, domicile=rng.choice(villages), born=(1985, 2002)),
            b.membership(
                unit, Segment.NON_ASN, occupation, apbd, 1_900_000, between_dates(rng, *between)
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
                between_dates(rng, *between),
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
            officials += village_officials(
                b,
                regency,
                kecamatan,
                d,
                perangkat_roles(7 + (i in extra)),
                pemdes,
                Segment.PERANGKAT_DESA,
                window,
            )
            officials += village_officials(
                b, regency, kecamatan, d, bpd_roles(3), bpd, Segment.BPD, window
            )
    assert officials == 274

    # Pekerja rentan protected by the kabupaten (BPU, declared income Rp1 juta), from March 2022.
    rentan_desa = sorted(rng.sample(desa, 60), key=lambda r: r.code)
    for d, n in zip(
        rentan_desa, split_total(1665, [rng.randint(10, 40) for _ in rentan_desa]), strict=True
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
                    between_dates(rng, D(2022, 3, 1), D(2022, 11, 1)),
                    scheme=Scheme.BPU,
                ),
            )

    malili_office = branch_office("KC-MALILI", "Kantor Cabang Malili", ["73.24"])
    branch_office("KC-PALOPO", "Kantor Cabang Palopo", ["73.73", "73.17", "73.22"])
    cooperation_agreement(
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
