"""Kabupaten Buol (72.05): every non-ASN post filled and 87.8% of perangkat desa posts on 29 May 2024."""

from __future__ import annotations

from decimal import Decimal

from cakupan.coverage.selectors import percent
from cakupan.demo.builder import (
    Builder,
    D,
    between_dates,
    branch_office,
    perangkat_roles,
    village_officials,
)
from cakupan.registry.models import (
    FundingSource,
    Segment,
    UnitKind,
)
from cakupan.wilayah.models import Region, RegionKind

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
                    between_dates(rng, D(2019, 1, 2), D(2024, 5, 20)),
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
        village_officials(
            b,
            regency,
            kecamatan,
            d,
            roles,
            pemdes,
            Segment.PERANGKAT_DESA,
            (D(2019, 7, 1), D(2024, 5, 28)),
        )
    branch_office("KCP-BUOL", "Kantor Cabang Perintis Buol", ["72.05"])
    branch_office("KC-PALU", "Kantor Cabang Palu", ["72.71", "72.10"])
    return {"perangkat_posts": total, "perangkat_filled": filled}
