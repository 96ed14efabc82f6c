"""Registry measures of regions and their children against the hand-counted world (conftest)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.models import Role
from cakupan.coverage.indicators import INDICATORS, PostFill
from cakupan.coverage.models import Denominator, ParticipantCount
from cakupan.coverage.selectors import (
    children_rows,
    measures_for,
    month_ends,
    place_get,
    rank_rows,
    region_stats,
    series,
)
from cakupan.coverage.tests.conftest import ON, World
from cakupan.testing.factories import make_user
from cakupan.wilayah.models import Region

D = dt.date


def test_a_kabupaten_on_the_day(world: World) -> None:
    m = measures_for(SYSTEM, [place_get("73.24")], ON)["73.24"]
    assert m.by_segment == {"perangkat_desa": 5, "bpd": 1, "pekerja_rentan": 2, "non_asn": 3}
    assert m.by_scheme == {"pu": 9, "bpu": 2}
    assert m.by_funding == {"apbdes_add": 6, "apbd_kabkota": 5}
    assert m.by_group == {
        "aparat-desa": 5,
        "anggota-bpd": 1,
        "pekerja-informal": 2,
        "tenaga-pendidik": 2,
        "tenaga-upah-jasa": 1,
    }
    assert m.desa_with_officials == 2
    assert m.desa == 125
    assert m.posts == {
        "perangkat_desa": PostFill(posts=11, filled=5, units=3),  # 3 of 4, 0 of 5, 2 of 2
        "non_asn": PostFill(posts=2, filled=2, units=1),  # 3 members, capped at 2 posts
    }
    assert str(INDICATORS["desa_officials"].compute(m).percent) == "1.6"  # 2 / 125
    assert str(INDICATORS["posts_filled"].compute(m).percent) == "53.8"  # 7 / 13


def test_children_of_a_kabupaten_in_one_table(world: World) -> None:
    rows, own = children_rows(SYSTEM, place_get("73.24"), ON)
    by_code = {row.place.code: row.measures for row in rows}
    assert len(rows) == 11  # every kecamatan, with or without members
    malili, wotu = by_code["73.24.04"], by_code["73.24.06"]
    assert (malili.active, malili.desa_with_officials, malili.desa) == (6, 1, 14)
    assert malili.posts["perangkat_desa"] == PostFill(posts=9, filled=3, units=2)
    assert (wotu.active, wotu.desa_with_officials, wotu.desa) == (2, 1, 17)
    assert by_code["73.24.01"].active == 0
    # The OPD sits at the kabupaten itself: its own row, not any kecamatan's.
    assert own is not None
    assert (own.place.code, own.measures.by_segment) == ("73.24", {"non_asn": 3})


def test_children_ranked_by_an_indicator(world: World) -> None:
    rows, _ = children_rows(SYSTEM, place_get("73.24"), ON)
    ranked = rank_rows(rows, "desa_officials")
    top = [(r.place.code, r.rank, str(r.figures["desa_officials"].percent)) for r in ranked[:3]]
    # Malili 1 of 14 desa = 7.1%, Wotu 1 of 17 = 5.9%, then nine kecamatan with 0.0% share rank 3.
    assert top == [("73.24.04", 1, "7.1"), ("73.24.06", 2, "5.9"), ("73.24.01", 3, "0.0")]
    assert {r.rank for r in ranked[2:]} == {3}


def test_scoping_a_camat_and_an_operator(world: World) -> None:
    camat = make_user(role=Role.CAMAT, region="73.24.04")
    m = measures_for(camat, [place_get("73.24")], ON)["73.24"]
    assert (m.active, m.desa_with_officials) == (6, 1)
    assert set(m.posts) == {"perangkat_desa"}
    rows, own = children_rows(camat, place_get("73.24"), ON)
    assert {r.place.code: r.measures.active for r in rows if r.measures.active} == {"73.24.04": 6}
    assert own is None
    operator = make_user(role=Role.OPERATOR_OPD, unit=world.opd)
    m = measures_for(operator, [place_get("73.24")], ON)["73.24"]
    assert (m.by_segment, m.desa_with_officials) == ({"non_asn": 3}, 0)


def test_as_of_dates(world: World) -> None:
    place = place_get("73.24.04.2002")  # Laskap: its perangkat desa starts on 2024-07-01
    before = measures_for(SYSTEM, [place], ON)[place.code]
    after = measures_for(SYSTEM, [place], D(2024, 7, 1))[place.code]
    assert (before.segment("perangkat_desa"), after.segment("perangkat_desa")) == (0, 1)
    assert (before.desa_with_officials, after.desa_with_officials) == (0, 1)
    harapan = place_get("73.24.04.2001")
    got = [
        measures_for(SYSTEM, [harapan], day)[harapan.code].segment("perangkat_desa")
        for day in (ON, D(2024, 6, 29))
    ]
    assert got == [3, 4]  # the fourth was covered up to and including 2024-06-29


def test_month_ends_and_series(world: World) -> None:
    assert month_ends(D(2024, 3, 14), 4) == [
        D(2023, 12, 31),
        D(2024, 1, 31),
        D(2024, 2, 29),
        D(2024, 3, 14),
    ]
    points = series(SYSTEM, place_get("73.24.04"), D(2024, 7, 15), months=3)
    assert [(day, m.active) for day, m in points] == [
        (D(2024, 5, 31), 7),  # 4 perangkat desa + BPD at Harapan, 2 rentan at Laskap
        (D(2024, 6, 30), 6),  # one perangkat desa left on the 29th
        (D(2024, 7, 15), 7),  # Laskap's perangkat desa started on the 1st
    ]


def test_region_stats_and_cli_give_ucj(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    Denominator.objects.create(
        region_id="73.24",
        kind="potential_workers",
        valid_from=D(2022, 1, 1),
        value=113_120,
        source="BPJS TK",
    )
    ParticipantCount.objects.create(
        region_id="73.24",
        as_of=D(2024, 5, 31),
        pu=30_000,
        bpu=20_000,
        construction=4_637,
        source="KC Malili",
    )
    stats = region_stats(user=SYSTEM, region=Region.objects.get(code="73.24"), on=ON)
    assert {k: stats["ucj"][k] for k in ("numerator", "denominator", "status")} == {
        "numerator": 54_637,
        "denominator": 113_120,
        "status": "ok",
    }
    assert str(stats["ucj"]["percent"]) == "48.3"
    call_command("stats", "73.24", "--on", "2024-06-30", "--json")
    printed = json.loads(capsys.readouterr().out)
    assert (printed["ucj"]["percent"], printed["ucj"]["numerator"]) == ("48.3", 54_637)
    assert printed["indicators"]["desa_officials"] == {
        "numerator": 2,
        "denominator": 125,
        "percent": "1.6",
        "status": "ok",
    }
    call_command("stats", "73.24", "--on", "2024-06-30")
    assert (
        "UCJ: 48,3% (54.637 peserta aktif dari 113.120 sasaran potensi)" in capsys.readouterr().out
    )
    call_command("stats", "73.24", "--on", "2021-06-30")
    assert "UCJ: belum ada data pembanding" in capsys.readouterr().out
