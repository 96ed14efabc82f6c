"""Denominators and participant counts as of a day: latest value, sums of children, targets."""

from __future__ import annotations

import datetime as dt

import pytest

from cakupan.coverage.figures import (
    NATION,
    Sourced,
    denominators_for,
    desa_counts,
    participants_for,
    rentan_targets_of_desa,
)
from cakupan.coverage.models import Denominator, DenominatorKind, ParticipantCount
from cakupan.wilayah.models import Region

D = dt.date
pytestmark = pytest.mark.django_db
POTENTIAL = DenominatorKind.POTENTIAL_WORKERS
TARGET = DenominatorKind.RENTAN_TARGET_PER_DESA
SULSEL_REGENCIES = 24


def den(region: str, kind: str, valid_from: dt.date, value: int, source: str = "uji") -> None:
    Denominator.objects.create(
        region_id=region, kind=kind, valid_from=valid_from, value=value, source=source
    )


def count(region: str, as_of: dt.date, pu: int, bpu: int = 0, construction: int = 0) -> None:
    ParticipantCount.objects.create(
        region_id=region, as_of=as_of, pu=pu, bpu=bpu, construction=construction, source="KC"
    )


def test_desa_counts_come_from_the_region_table() -> None:
    counts = desa_counts()
    assert (counts["73.24"], counts["73.24.04"], counts["73.24.04.2001"]) == (125, 14, 1)
    assert counts.get("73.24.04.1003", 0) == 0  # a kelurahan is not a desa
    assert counts["74.05"] == 336
    assert counts[NATION] == Region.objects.filter(kind="desa", valid_to__isnull=True).count()


def test_a_value_holds_from_its_date_until_the_next() -> None:
    den("73.24", POTENTIAL, D(2021, 1, 1), 110_000, "potensi 2021")
    den("73.24", POTENTIAL, D(2022, 1, 1), 113_120, "potensi 2022")
    got = {
        day: denominators_for(["73.24"], day)["73.24"].potential_workers
        for day in (D(2020, 12, 31), D(2021, 1, 1), D(2021, 12, 31), D(2022, 11, 9))
    }
    assert got == {
        D(2020, 12, 31): None,  # before any data
        D(2021, 1, 1): Sourced(110_000, D(2021, 1, 1), "potensi 2021"),
        D(2021, 12, 31): Sourced(110_000, D(2021, 1, 1), "potensi 2021"),
        D(2022, 11, 9): Sourced(113_120, D(2022, 1, 1), "potensi 2022"),
    }


def test_a_province_adds_up_its_regencies_only_when_all_have_a_value() -> None:
    regencies = list(
        Region.objects.filter(parent_id="73", valid_to__isnull=True).values_list("code", flat=True)
    )
    assert len(regencies) == SULSEL_REGENCIES
    for i, code in enumerate(regencies[:-1]):
        den(code, POTENTIAL, D(2022, 1, 1), 1000 + i)
    assert denominators_for(["73"], D(2022, 6, 1))["73"].potential_workers is None
    den(regencies[-1], POTENTIAL, D(2022, 3, 1), 5000)
    total = sum(1000 + i for i in range(23)) + 5000
    assert denominators_for(["73"], D(2022, 6, 1))["73"].potential_workers == Sourced(
        total, D(2022, 3, 1), "", parts=24
    )
    # Before the last one was in force the province has none again.
    assert denominators_for(["73"], D(2022, 2, 1))["73"].potential_workers is None
    # Its own value wins over the sum.
    den("73", POTENTIAL, D(2022, 1, 1), 999)
    assert denominators_for(["73"], D(2022, 6, 1))["73"].potential_workers.value == 999  # type: ignore[union-attr]


def test_the_per_desa_target_holds_below_and_adds_up_over_desa() -> None:
    den("72.05", TARGET, D(2024, 1, 1), 100)  # Buol: 100 pekerja rentan in every desa
    den("72.05.01", TARGET, D(2024, 1, 1), 50)  # ... except one kecamatan that set 50
    buol = desa_counts()
    first = buol["72.05.01"]
    found = denominators_for(["72.05", "72.05.01", "72.05.02"], D(2024, 5, 29))
    assert found["72.05"].rentan_target_per_desa == 100
    assert found["72.05"].rentan_target == Sourced(100 * buol["72.05"], D(2024, 1, 1), "uji")
    assert found["72.05.01"].rentan_target == Sourced(50 * first, D(2024, 1, 1), "uji")
    assert found["72.05.02"].rentan_target == Sourced(100 * buol["72.05.02"], D(2024, 1, 1), "uji")
    targets = rentan_targets_of_desa("72.05.01", D(2024, 5, 29))
    assert len(targets) == first
    assert set(targets.values()) == {50}
    # A province where only Buol has a target has none as a whole.
    assert denominators_for(["72"], D(2024, 5, 29))["72"].rentan_target is None
    assert denominators_for(["72.05"], D(2023, 12, 31))["72.05"].rentan_target is None


def test_participants_latest_on_the_day_and_summed_upwards() -> None:
    count("73.24", D(2022, 9, 30), 30_000, 20_000, 4_000)
    count("73.24", D(2022, 10, 31), 30_000, 20_000, 4_637)
    count("73.24", D(2022, 11, 30), 31_000, 20_000, 4_637)
    found = participants_for(["73.24", "73.24.04", "73"], D(2022, 11, 9))
    lutim = found["73.24"]
    assert lutim is not None
    assert (lutim.total, lutim.as_of, lutim.parts) == (54_637, D(2022, 10, 31), 1)
    assert found["73.24.04"] is None  # branches count kabupaten, not kecamatan
    assert found["73"] is None  # 23 regencies have no count
    assert participants_for(["73.24"], D(2022, 9, 29))["73.24"] is None
