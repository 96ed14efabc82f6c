"""Kabupaten Konawe Selatan (74.05): perangkat desa registered in 47 of 336 desa on 27 Oct 2021."""

from __future__ import annotations

import datetime as dt

from cakupan.demo.builder import (
    Builder,
    D,
    between_dates,
    branch_office,
    cooperation_agreement,
    perangkat_roles,
    split_total,
    village_officials,
)
from cakupan.registry.models import (
    CooperationAgreement,
    FundingSource,
    Segment,
    UnitKind,
)
from cakupan.wilayah.models import Region, RegionKind

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
    posts = split_total(3000, [14, 30, 22, 10, 8, 5, 6, 5])
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
                    between_dates(rng, D(2021, 11, 1), D(2022, 6, 30)),
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
        village_officials(
            b,
            regency,
            kecamatan,
            d,
            perangkat_roles(n_posts - rng.choice((0, 0, 1))),
            pemdes,
            Segment.PERANGKAT_DESA,
            window,
        )
    office = branch_office("KCP-KONSEL", "Kantor Cabang Perintis Konawe Selatan", ["74.05"])
    cooperation_agreement(
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
