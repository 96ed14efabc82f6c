from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cakupan.accounts.access import SYSTEM
from cakupan.coverage.selectors import percent, region_stats
from cakupan.registry.models import FundingSource, MembershipStatus, Scheme, Segment, UnitFormation
from cakupan.testing.factories import make_membership, make_unit, make_user
from cakupan.wilayah.models import Region

D = dt.date
pytestmark = pytest.mark.django_db
DESA_A, DESA_B = "73.24.04.2001", "73.24.04.2002"


@pytest.fixture
def scenario() -> dict[str, object]:
    """Two desa of Malili with officials, an OPD with non-ASN, and memberships around 2024-06-30."""
    pemdes_a = make_unit(region=DESA_A, kind="pemerintah_desa", code="A-PEMDES")
    bpd_a = make_unit(region=DESA_A, kind="bpd", code="A-BPD")
    pemdes_b = make_unit(region=DESA_B, kind="pemerintah_desa", code="B-PEMDES")
    opd = make_unit(region="73.24", kind="opd", code="OPD")
    for unit, segment, posts in (
        (pemdes_a, "perangkat_desa", 4),
        (pemdes_b, "perangkat_desa", 6),
        (opd, "non_asn", 2),
    ):
        UnitFormation.objects.create(
            unit=unit, segment=segment, posts=posts, valid_from=D(2024, 1, 1)
        )
    village: dict[str, Any] = {
        "funding_source": FundingSource.APBDES_ADD,
        "occupation": "kepala-seksi",
    }
    for _ in range(5):  # five members for four posts: filled is capped at 4
        make_membership(
            unit=pemdes_a, segment=Segment.PERANGKAT_DESA, start_date=D(2023, 1, 1), **village
        )
    make_membership(
        unit=bpd_a,
        segment=Segment.BPD,
        start_date=D(2023, 1, 1),
        occupation="ketua-bpd",
        funding_source=FundingSource.APBDES_ADD,
    )
    make_membership(
        unit=pemdes_b, segment=Segment.PERANGKAT_DESA, start_date=D(2024, 7, 1), **village
    )  # later
    make_membership(unit=opd, start_date=D(2022, 1, 1), occupation="guru-sd")
    make_membership(
        unit=opd,
        start_date=D(2022, 1, 1),
        end_date=D(2024, 6, 29),
        status=MembershipStatus.ENDED,
        occupation="guru-smp",
    )  # ended the day before
    make_membership(
        unit=opd, start_date=D(2024, 6, 30), occupation="tenaga-upah-jasa"
    )  # starts that day
    make_membership(
        unit=opd, start_date=D(2024, 1, 1), status=MembershipStatus.DRAFT
    )  # not yet registered
    make_membership(
        unit=make_unit(region=DESA_B, kind="kelompok_rentan"),
        segment=Segment.PEKERJA_RENTAN,
        scheme=Scheme.BPU,
        start_date=D(2024, 1, 1),
        occupation="nelayan",
        risk_class=None,
    )
    make_membership(unit=make_unit(region="73.02"), start_date=D(2022, 1, 1))  # another kabupaten
    return {"opd": opd}


def test_region_stats_counts_what_is_covered_on_the_day(scenario: dict[str, object]) -> None:
    stats = region_stats(user=SYSTEM, region=Region.objects.get(code="73.24"), on=D(2024, 6, 30))
    assert stats["active_memberships"] == 9
    assert stats["persons"] == 9
    assert stats["by_scheme"] == {"pu": 8, "bpu": 1}
    assert stats["by_segment"] == {
        "non_asn": 2,
        "perangkat_desa": 5,
        "bpd": 1,
        "lembaga_desa": 0,
        "pekerja_keagamaan": 0,
        "pekerja_rentan": 1,
        "penyelenggara_pemilu": 0,
    }
    assert stats["village_officials"] == 6
    assert stats["by_occupation"] == {
        "guru-sd": 1,
        "kepala-seksi": 5,
        "ketua-bpd": 1,
        "nelayan": 1,
        "tenaga-upah-jasa": 1,
    }
    assert stats["by_occupation_group"] == {
        "anggota-bpd": 1,
        "aparat-desa": 5,
        "pekerja-informal": 1,
        "tenaga-pendidik": 1,
        "tenaga-upah-jasa": 1,
    }
    assert stats["by_funding_source"]["apbd_kabkota"] == 3
    assert stats["by_funding_source"]["apbdes_add"] == 6
    assert stats["desa"] == 125
    assert stats["desa_with_village_officials"] == 1
    assert stats["posts"] == {
        "non_asn": {"units": 1, "posts": 2, "filled": 2, "percent": percent(2, 2)},
        "perangkat_desa": {"units": 2, "posts": 10, "filled": 4, "percent": percent(4, 10)},
    }


def test_region_stats_respects_the_users_scope(scenario: dict[str, object]) -> None:
    operator = make_user(role="operator_opd", unit=scenario["opd"])  # type: ignore[arg-type]
    stats = region_stats(user=operator, region=Region.objects.get(code="73.24"), on=D(2024, 6, 30))
    assert stats["active_memberships"] == 2
    assert stats["posts"] == {
        "non_asn": {"units": 1, "posts": 2, "filled": 2, "percent": percent(2, 2)}
    }


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [
        (878, 1000, "87.8"),
        (1042, 1187, "87.8"),
        (1, 3, "33.3"),
        (2, 3, "66.7"),
        (1, 8, "12.5"),
        (0, 5, "0.0"),
    ],
)
def test_percent_rounds_half_up_to_one_decimal(part: int, whole: int, expected: str) -> None:
    assert str(percent(part, whole)) == expected


def test_percent_of_nothing_is_none() -> None:
    assert percent(0, 0) is None


def test_stats_command_json(
    scenario: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("stats", "732404", "--on", "2024-06-30", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["region"] == {"code": "73.24.04", "name": "Malili", "kind": "kecamatan"}
    assert data["active_memberships"] == 7
    assert data["posts"]["perangkat_desa"]["percent"] == "40.0"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["99.99"], "Kode wilayah tidak dikenal: 99.99"),
        (["73.24", "--on", "2024-02-30"], "Tanggal tidak valid (pakai YYYY-MM-DD): 2024-02-30"),
    ],
)
def test_stats_command_usage_errors(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("stats", *args)
    assert (excinfo.value.returncode, str(excinfo.value)) == (2, message)


def test_units_list_command(
    scenario: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("units", "list", "--region", "7324042001", "--json")
    data = json.loads(capsys.readouterr().out)
    assert [(u["code"], u["kind"], u["region"]["code"]) for u in data] == [
        ("A-BPD", "bpd", DESA_A),
        ("A-PEMDES", "pemerintah_desa", DESA_A),
    ]
    call_command("units", "list", "--region", "73.24", "--kind", "opd", "--json")
    assert [u["code"] for u in json.loads(capsys.readouterr().out)] == ["OPD"]
    with pytest.raises(CommandError) as excinfo:
        call_command("units", "list", "--region", "00")
    assert excinfo.value.returncode == 2
