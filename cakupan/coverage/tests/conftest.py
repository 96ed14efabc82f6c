"""A small hand-counted Luwu Timur for the coverage tests.

On 2024-06-30 (``ON``), in Kabupaten Luwu Timur (73.24):

* Kecamatan Malili (73.24.04): desa Harapan has 3 perangkat desa and 1 BPD member protected (a
  fourth perangkat desa left on 2024-06-29), 4 perangkat desa posts; desa Laskap one perangkat
  desa who starts on 2024-07-01 (not yet protected) and 5 posts, and a kelompok pekerja rentan
  with 2 BPU members protected;
* Kecamatan Wotu (73.24.06): desa Lampenai has 2 perangkat desa protected, 2 posts;
* the Dinas Pendidikan (an OPD placed at the kabupaten itself): 3 non-ASN protected (a fourth is
  only a draft), 2 posts;
* Kabupaten Bulukumba (73.02): one non-ASN protected, outside everything above.

Malili has 14 desa (and one kelurahan), Wotu 17, Luwu Timur 125.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from cakupan.registry.models import (
    FundingSource,
    MembershipStatus,
    Scheme,
    Segment,
    Unit,
    UnitFormation,
)
from cakupan.testing.factories import make_membership, make_unit

D = dt.date
ON = D(2024, 6, 30)
HARAPAN, LASKAP = "73.24.04.2001", "73.24.04.2002"
LAMPENAI = "73.24.06.2001"


@dataclass
class World:
    pemdes_harapan: Unit
    bpd_harapan: Unit
    pemdes_laskap: Unit
    rentan_laskap: Unit
    pemdes_lampenai: Unit
    opd: Unit
    other: Unit


def _posts(unit: Unit, segment: str, posts: int) -> None:
    UnitFormation.objects.create(unit=unit, segment=segment, posts=posts, valid_from=D(2024, 1, 1))


@pytest.fixture
def world(db: Any) -> World:
    w = World(
        pemdes_harapan=make_unit(region=HARAPAN, kind="pemerintah_desa", code="HARAPAN"),
        bpd_harapan=make_unit(region=HARAPAN, kind="bpd", code="HARAPAN-BPD"),
        pemdes_laskap=make_unit(region=LASKAP, kind="pemerintah_desa", code="LASKAP"),
        rentan_laskap=make_unit(region=LASKAP, kind="kelompok_rentan", code="LASKAP-RENTAN"),
        pemdes_lampenai=make_unit(region=LAMPENAI, kind="pemerintah_desa", code="LAMPENAI"),
        opd=make_unit(region="73.24", kind="opd", code="DISDIK", name="Dinas Pendidikan"),
        other=make_unit(region="73.02", kind="opd", code="BULUKUMBA-OPD"),
    )
    village: dict[str, Any] = {
        "segment": Segment.PERANGKAT_DESA,
        "funding_source": FundingSource.APBDES_ADD,
        "occupation": "kepala-seksi",
    }
    for _ in range(3):
        make_membership(unit=w.pemdes_harapan, start_date=D(2023, 1, 1), **village)
    make_membership(
        unit=w.pemdes_harapan,
        start_date=D(2023, 1, 1),
        end_date=D(2024, 6, 29),
        status=MembershipStatus.ENDED,
        **village,
    )
    make_membership(
        unit=w.bpd_harapan,
        segment=Segment.BPD,
        funding_source=FundingSource.APBDES_ADD,
        occupation="ketua-bpd",
        start_date=D(2023, 3, 1),
    )
    make_membership(unit=w.pemdes_laskap, start_date=D(2024, 7, 1), **village)
    for _ in range(2):
        make_membership(
            unit=w.rentan_laskap,
            segment=Segment.PEKERJA_RENTAN,
            scheme=Scheme.BPU,
            risk_class=None,
            occupation="nelayan",
            start_date=D(2024, 1, 1),
        )
    for _ in range(2):
        make_membership(unit=w.pemdes_lampenai, start_date=D(2023, 6, 1), **village)
    for occupation in ("guru-sd", "guru-smp", "tenaga-upah-jasa"):
        make_membership(unit=w.opd, start_date=D(2022, 1, 1), occupation=occupation)
    make_membership(unit=w.opd, start_date=D(2024, 1, 1), status=MembershipStatus.DRAFT)
    make_membership(unit=w.other, start_date=D(2022, 1, 1))
    _posts(w.pemdes_harapan, Segment.PERANGKAT_DESA, 4)
    _posts(w.pemdes_laskap, Segment.PERANGKAT_DESA, 5)
    _posts(w.pemdes_lampenai, Segment.PERANGKAT_DESA, 2)
    _posts(w.opd, Segment.NON_ASN, 2)
    return w
