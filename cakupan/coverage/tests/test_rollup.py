"""The rollup gives exactly the figures counted from the memberships, on any day, and stays so."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.models import Role
from cakupan.coverage import rollup
from cakupan.coverage.models import RollupDirty, RollupMonth
from cakupan.coverage.selectors import (
    _registry_measures,
    measures_for,
    place_get,
    series,
)
from cakupan.coverage.tests.conftest import HARAPAN, ON, World
from cakupan.registry.models import Membership, MembershipStatus, Segment, UnitFormation
from cakupan.testing.factories import make_membership, make_unit, make_user

D = dt.date
DAYS = [
    D(2021, 12, 31),
    D(2022, 1, 1),
    D(2023, 1, 1),
    D(2023, 3, 1),
    D(2024, 1, 1),
    D(2024, 6, 29),
    ON,
    D(2024, 7, 1),
    D(2030, 1, 1),
]
# (within, length): Indonesia, its provinces, a province's kabupaten, one kabupaten, its kecamatan.
AREAS = [("", 0), ("", 2), ("73", 5), ("73.24", 5), ("73.24", 8)]


def _plain(m: Any, *, segments_only: bool) -> dict[str, Any]:
    out = {
        "by_segment": m.by_segment,
        "desa_with_officials": m.desa_with_officials,
        "posts": m.posts,
    }
    if not segments_only:
        out.update(
            by_scheme=m.by_scheme,
            by_funding=m.by_funding,
            by_group=m.by_group,
            by_funding_group=m.by_funding_group,
        )
    return out


def _compare() -> None:
    for within, length in AREAS:
        for day in DAYS:
            fast = rollup.measures(within=within, length=length, on=day)
            slow = _registry_measures(SYSTEM, within=within, length=length, on=day)
            only_segments = length == 8
            got = {c: _plain(m, segments_only=only_segments) for c, m in fast.items()}
            want = {c: _plain(m, segments_only=only_segments) for c, m in slow.items()}
            assert got == want, (within, length, day)


def test_the_rollup_equals_the_registry_counts(world: World) -> None:
    rollup.rebuild()
    assert RollupMonth.objects.filter(level=0).exists()
    assert not RollupDirty.objects.exists()
    _compare()


def test_series_from_the_rollup(world: World) -> None:
    rollup.rebuild()
    place = place_get("73.24")
    fast = series(SYSTEM, place, D(2024, 7, 15), months=8)
    slow = [
        (day, _registry_measures(SYSTEM, within="73.24", length=5, on=day)["73.24"])
        for day, _m in fast
    ]
    assert [(d, _plain(m, segments_only=False)) for d, m in fast] == [
        (d, _plain(m, segments_only=False)) for d, m in slow
    ]


def test_changes_are_marked_and_refreshed(world: World) -> None:
    rollup.rebuild()
    # A new desa unit in another kabupaten, an ended membership, a changed formation.
    luwu = make_unit(region="73.17.01.2005", kind="pemerintah_desa", code="LUWU-DESA")
    make_membership(unit=luwu, segment=Segment.PERANGKAT_DESA, start_date=D(2024, 3, 15))
    Membership.objects.filter(unit=world.pemdes_lampenai).update(
        end_date=D(2024, 6, 10), status=MembershipStatus.ENDED
    )
    UnitFormation.objects.filter(unit=world.pemdes_harapan).update(posts=3)
    assert set(RollupDirty.objects.values_list("code", flat=True)) == {"73.17", "73.24"}
    result = rollup.refresh()
    assert (result.kabupaten, RollupDirty.objects.exists()) == (2, False)
    _compare()
    nation = rollup.measures(within="", length=0, on=ON)[""]
    assert nation.desa_with_officials == 2  # Harapan and the new Luwu desa; Lampenai ended


def test_a_unit_that_moves_marks_both_kabupaten(world: World) -> None:
    rollup.rebuild()
    world.opd.region_id = "73.02"
    world.opd.save(update_fields=["region"])
    assert set(RollupDirty.objects.values_list("code", flat=True)) == {"73.02", "73.24"}
    rollup.refresh()
    _compare()


def test_reads_refresh_first_and_only_for_a_whole_scope(world: World) -> None:
    assert rollup.usable(SYSTEM, "73.24", ON) is False  # never built: counted from the registry
    rollup.rebuild()
    make_membership(unit=world.opd, start_date=D(2024, 6, 1))
    assert RollupDirty.objects.exists()
    m = measures_for(SYSTEM, [place_get("73.24")], ON)["73.24"]
    assert (m.segment("non_asn"), RollupDirty.objects.exists()) == (4, False)
    camat = make_user(role=Role.CAMAT, region="73.24.04")
    assert rollup.usable(camat, "73.24", ON) is False  # a camat sees part of the kabupaten
    assert rollup.usable(camat, "73.24.04", ON) is True
    admin = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    assert rollup.usable(admin, "73.24", ON) is True
    assert measures_for(camat, [place_get("73.24")], ON)["73.24"].active == 6


@pytest.mark.parametrize("day", [D(2024, 2, 29), D(2024, 3, 1), D(2024, 12, 31)])
def test_desa_page_and_kecamatan_page_stay_exact(world: World, day: dt.date) -> None:
    rollup.rebuild()
    for code in (HARAPAN, "73.24.04"):
        got = measures_for(SYSTEM, [place_get(code)], day)[code]
        want = _registry_measures(SYSTEM, within=code, length=len(code), on=day)[code]
        assert _plain(got, segments_only=False) == _plain(want, segments_only=False)


def test_refresh_command(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from django.core.management import call_command

    call_command("coverage", "refresh", "--json")  # never built: builds
    first = json.loads(capsys.readouterr().out)
    assert (first["rebuilt"], first["rows"] > 0) == (True, True)
    make_membership(unit=world.opd, start_date=D(2024, 6, 1))
    call_command("coverage", "refresh", "--json")
    second = json.loads(capsys.readouterr().out)
    assert (second["rebuilt"], second["kabupaten"]) == (False, 1)
