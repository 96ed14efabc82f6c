"""The polars rebuild writes exactly the rows of the SQL rebuild (``rollup.rebuild(engine=...)``)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest
from django.db import connection

from cakupan.coverage import rollup
from cakupan.coverage.models import RollupDirty, RollupMonth, RollupState
from cakupan.registry.models import (
    FundingSource,
    MembershipStatus,
    Occupation,
    Scheme,
    Segment,
    Unit,
    UnitFormation,
)
from cakupan.testing.factories import make_membership, make_unit
from cakupan.wilayah.models import Region

D = dt.date
HARAPAN, LASKAP, LAMPENAI = "73.24.04.2001", "73.24.04.2002", "73.24.06.2001"
COLUMNS = (
    "level",
    "code",
    "month",
    "measure",
    "segment",
    "scheme",
    "funding",
    "grp",
    "net",
    "days",
)


def _rows() -> list[tuple[Any, ...]]:
    return sorted(RollupMonth.objects.values_list(*COLUMNS))


def _both() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The rows of the SQL rebuild and of the polars rebuild, on the same registry."""
    rollup.rebuild(engine="sql")
    sql = _rows()
    rollup.rebuild()
    return sql, _rows()


def _row(level: int, code: str, month: dt.date, measure: str, **key: str) -> tuple[int, list[int]]:
    row = RollupMonth.objects.get(
        level=level,
        code=code,
        month=month,
        measure=measure,
        segment=key.get("segment", ""),
        scheme=key.get("scheme", ""),
        funding=key.get("funding", ""),
        grp=key.get("grp", ""),
    )
    return row.net, row.days


def _changes(days: list[int]) -> dict[int, int]:
    """The non-zero day changes of a row, by day of month."""
    return {d: v for d, v in enumerate(days, start=1) if v}


def _posts(
    unit: Unit, segment: str, posts: int, start: dt.date, end: dt.date | None = None
) -> None:
    UnitFormation.objects.create(
        unit=unit, segment=segment, posts=posts, valid_from=start, valid_to=end
    )


@pytest.fixture
def registry(db: Any) -> dict[str, Unit]:
    """A small registry with every edge the rollup has (see each comment)."""
    group = Occupation.objects.create(code="uji-kelompok", name="Kelompok uji")
    Occupation.objects.create(code="uji-anggota", name="Anggota uji", group=group)
    Occupation.objects.create(code="uji-tunggal", name="Tanpa kelompok")
    kelurahan = Region.objects.filter(code__startswith="73.24.04.", kind="kelurahan").first()
    assert kelurahan is not None
    units = {
        "harapan": make_unit(region=HARAPAN, kind="pemerintah_desa", code="F-HARAPAN"),
        "harapan_bpd": make_unit(region=HARAPAN, kind="bpd", code="F-HARAPAN-BPD"),
        "laskap": make_unit(region=LASKAP, kind="pemerintah_desa", code="F-LASKAP"),
        "lampenai": make_unit(region=LAMPENAI, kind="pemerintah_desa", code="F-LAMPENAI"),
        "kelurahan": make_unit(region=kelurahan.code, kind="kelurahan", code="F-KEL"),
        "opd": make_unit(region="73.24", kind="opd", code="F-OPD"),  # its level-3 code: 73.24
        "province": make_unit(region="73", kind="opd", code="F-PROV"),  # level 3 and 2: 73
        "elsewhere": make_unit(region="32.04", kind="opd", code="F-BANDUNG"),
    }
    village: dict[str, Any] = {
        "segment": Segment.PERANGKAT_DESA,
        "funding_source": FundingSource.APBDES_ADD,
    }
    # Harapan loses its only official on 2024-03-14 and gains another on 2024-03-15: never
    # without one, so its flag does not change then; it loses the last on 2024-05-31 (the change
    # falls on 1 June) and its BPD member (another unit of the same desa) keeps it covered later.
    make_membership(
        unit=units["harapan"], start_date=D(2024, 1, 31), end_date=D(2024, 3, 14),
        status=MembershipStatus.ENDED, occupation="uji-anggota", **village,
    )  # fmt: skip
    make_membership(
        unit=units["harapan"], start_date=D(2024, 3, 15), end_date=D(2024, 5, 31),
        status=MembershipStatus.ENDED, occupation="uji-tunggal", **village,
    )  # fmt: skip
    make_membership(
        unit=units["harapan_bpd"], segment=Segment.BPD, funding_source=FundingSource.APBDES_ADD,
        start_date=D(2024, 6, 1),
    )  # fmt: skip
    # Laskap: a one-day official (start = end, on 29 February of a leap year) and one whose end on
    # 28 February 2023 puts the change on 1 March; more members than posts.
    make_membership(
        unit=units["laskap"], start_date=D(2024, 2, 29), end_date=D(2024, 2, 29),
        status=MembershipStatus.ENDED, **village,
    )  # fmt: skip
    make_membership(
        unit=units["laskap"], start_date=D(2022, 12, 31), end_date=D(2023, 2, 28),
        status=MembershipStatus.LAPSED, **village,
    )  # fmt: skip
    for _ in range(3):
        make_membership(unit=units["laskap"], start_date=D(2023, 1, 1), **village)
    _posts(units["laskap"], Segment.PERANGKAT_DESA, 2, D(2023, 1, 1))
    # Lampenai: officials only as drafts and submitted (not protected), and a lembaga desa member
    # (not an official); a formation that ends, followed by a smaller one.
    make_membership(unit=units["lampenai"], start_date=D(2024, 1, 1), status="draft", **village)
    make_membership(unit=units["lampenai"], start_date=D(2024, 1, 1), status="submitted", **village)
    make_membership(
        unit=units["lampenai"], segment=Segment.LEMBAGA_DESA, start_date=D(2024, 1, 1),
        funding_source=FundingSource.APBDES_ADD,
    )  # fmt: skip
    _posts(units["lampenai"], Segment.PERANGKAT_DESA, 4, D(2023, 7, 1), D(2024, 1, 31))
    _posts(units["lampenai"], Segment.PERANGKAT_DESA, 3, D(2024, 2, 1))
    # A kelurahan's officials do not count as a desa's.
    make_membership(unit=units["kelurahan"], start_date=D(2024, 1, 1), **village)
    # OPD at the kabupaten: occupations with and without group and none; formation for a
    # segment with no members; a formation that ends on the last day of a 31-day month.
    for occupation in ("uji-anggota", "uji-tunggal", None, "guru-sd"):
        make_membership(unit=units["opd"], start_date=D(2024, 1, 31), occupation=occupation)
    _posts(units["opd"], Segment.NON_ASN, 3, D(2024, 1, 1), D(2024, 3, 31))
    _posts(units["opd"], Segment.PEKERJA_KEAGAMAAN, 5, D(2024, 2, 1))
    # A unit placed at the province, BPU members without posts; one in another province.
    for start in (D(2023, 12, 31), D(2024, 2, 1)):
        make_membership(
            unit=units["province"], segment=Segment.PEKERJA_RENTAN, scheme=Scheme.BPU,
            risk_class=None, funding_source=FundingSource.APBD_PROVINSI, start_date=start,
            end_date=D(2024, 4, 30), status=MembershipStatus.ENDED,
        )  # fmt: skip
    make_membership(unit=units["elsewhere"], start_date=D(2024, 2, 1), occupation="uji-anggota")
    # And a seeded spread of dates over units of their own (in Luwu, 73.17, and Bulukumba, 73.02,
    # so that the figures above stay hand-countable), many days and months touched.
    desa = Region.objects.filter(code__startswith="73.17.", kind="desa").order_by("code").first()
    assert desa is not None
    spread = [
        make_unit(region=desa.code, kind="pemerintah_desa", code="F-SPREAD-DESA"),
        make_unit(region=desa.code, kind="bpd", code="F-SPREAD-BPD"),
        make_unit(region="73.02", kind="opd", code="F-SPREAD-OPD"),
    ]
    _posts(spread[0], Segment.PERANGKAT_DESA, 2, D(2023, 6, 1), D(2024, 6, 30))
    _posts(spread[2], Segment.NON_ASN, 1, D(2023, 3, 15))
    rng = random.Random(11)  # noqa: S311 (test data, not secrets)
    segments = [Segment.NON_ASN, Segment.PERANGKAT_DESA, Segment.BPD, Segment.PEKERJA_RENTAN]
    statuses = ["active", "registered", "lapsed", "ended", "draft"]
    for _ in range(60):
        start = D(2023, 1, 1) + dt.timedelta(days=rng.randrange(700))
        end = start + dt.timedelta(days=rng.randrange(120)) if rng.random() < 0.5 else None
        make_membership(
            unit=rng.choice(spread),
            segment=rng.choice(segments),
            scheme=rng.choice([Scheme.PU, Scheme.BPU]),
            start_date=start,
            end_date=end,
            status=rng.choice(statuses),
            occupation=rng.choice(["uji-anggota", "uji-tunggal", "guru-sd", "nelayan", None]),
        )
    return units


def test_the_polars_rebuild_writes_the_rows_of_the_sql_rebuild(registry: dict[str, Unit]) -> None:
    sql, frame = _both()
    assert len(sql) > 400
    assert frame == sql
    assert (RollupState.objects.get().rows, RollupDirty.objects.exists()) == (len(sql), False)


def test_the_edges_land_where_the_sql_puts_them(registry: dict[str, Unit]) -> None:
    sql, frame = _both()
    assert frame == sql
    # Perangkat desa of Malili: Laskap's from 31 December 2022 (its end on 28 February 2023 falls
    # on 1 March), its three of 1 January 2023, the kelurahan's of 1 January 2024, Harapan's of 31
    # January, Laskap's one day of 29 February 2024 (-1 on 1 March), Harapan's change of official
    # on 15 March (-1 and +1: the row is there, its 15th is 0), Harapan's end of 31 May (1 June).
    malili = {
        (m, r.net, tuple(_changes(r.days).items()), r.days[14])
        for m, r in (
            (r.month, r)
            for r in RollupMonth.objects.filter(
                level=3, code="73.24.04", measure="members", segment="perangkat_desa"
            )
        )
    }
    assert malili == {
        (D(2022, 12, 1), 1, ((31, 1),), 0),
        (D(2023, 1, 1), 3, ((1, 3),), 0),
        (D(2023, 3, 1), -1, ((1, -1),), 0),
        (D(2024, 1, 1), 2, ((1, 1), (31, 1)), 0),
        (D(2024, 2, 1), 1, ((29, 1),), 0),
        (D(2024, 3, 1), -1, ((1, -1),), 0),
        (D(2024, 6, 1), -1, ((1, -1),), 0),
    }
    # Desa with an official: Laskap from 31 December 2022, Harapan from 31 January 2024, never
    # without one (15 March, 1 June: another official or its BPD member the same day); the
    # kelurahan's official and Lampenai's drafts and lembaga desa member do not count.
    desa = RollupMonth.objects.filter(level=3, code__startswith="73.24.", measure="desa")
    assert sorted((r.code, r.month, r.net, tuple(_changes(r.days).items())) for r in desa) == [
        ("73.24.04", D(2022, 12, 1), 1, ((31, 1),)),
        ("73.24.04", D(2024, 1, 1), 1, ((31, 1),)),
    ]
    # Level 2 keys: scheme, funding source, occupation group (its group's code, or its own).
    assert _row(2, "73.24", D(2024, 2, 1), "members", segment="perangkat_desa", scheme="pu",
                funding="apbdes_add") == (1, [0] * 28 + [1, 0, 0])  # fmt: skip
    assert _row(2, "73.24", D(2024, 1, 1), "members", segment="perangkat_desa", scheme="pu",
                funding="apbdes_add", grp="uji-kelompok") == (1, [0] * 30 + [1])  # fmt: skip
    assert _row(2, "32.04", D(2024, 2, 1), "members", segment="non_asn", scheme="pu",
                funding="apbd_kabkota", grp="uji-kelompok") == (1, [1] + [0] * 30)  # fmt: skip
    # A unit at the kabupaten keeps 73.24 as its level-3 code, one at the province 73 (both
    # levels).
    assert _row(3, "73", D(2024, 5, 1), "members", segment="pekerja_rentan") == (
        -2,
        [-2] + [0] * 30,
    )
    assert _row(2, "73", D(2024, 2, 1), "members", segment="pekerja_rentan", scheme="bpu",
                funding="apbd_provinsi") == (1, [1] + [0] * 30)  # fmt: skip
    # Posts: the OPD's 3 non-ASN posts from 1 January to 31 March 2024 (off on 1 April), filled
    # by its 4 members from 31 January (capped at 3); a formation without members.
    assert _row(3, "73.24", D(2024, 1, 1), "posts", segment="non_asn") == (3, [3] + [0] * 30)
    assert _row(3, "73.24", D(2024, 1, 1), "filled", segment="non_asn") == (3, [0] * 30 + [3])
    for measure, change in (("posts", -3), ("units", -1), ("filled", -3)):
        assert _row(2, "73.24", D(2024, 4, 1), measure, segment="non_asn") == (
            change,
            [change] + [0] * 30,
        )
    assert _row(3, "73.24", D(2024, 2, 1), "units", segment="pekerja_keagamaan") == (
        1, [1] + [0] * 30
    )  # fmt: skip
    # Laskap: 4 members for 2 posts from 2023-01-01 (filled 2); its December member counts
    # nowhere before the posts exist. Lampenai's 4 posts become 3 on 1 February 2024.
    assert _row(3, "73.24.04", D(2023, 1, 1), "filled", segment="perangkat_desa") == (
        2, [2] + [0] * 30
    )  # fmt: skip
    assert not RollupMonth.objects.filter(level=3, code="73.24.04", month=D(2022, 12, 1),
                                          measure="filled").exists()  # fmt: skip
    assert _row(3, "73.24.06", D(2024, 2, 1), "posts", segment="perangkat_desa") == (
        -1, [-1] + [0] * 30
    )  # fmt: skip
    assert not RollupMonth.objects.filter(level=3, code="73.24.06", month=D(2024, 2, 1),
                                          measure="units").exists()  # fmt: skip


def test_a_value_outside_the_choices_falls_back_to_sql(registry: dict[str, Unit]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE registry_membership SET segment = 'lama' WHERE id = "
            "(SELECT min(id) FROM registry_membership WHERE status = 'active')"
        )
    sql, frame = _both()
    assert frame == sql
    assert RollupMonth.objects.filter(level=2, segment="lama").exists()


def test_an_empty_registry_rebuilds_to_nothing(db: Any) -> None:
    result = rollup.rebuild()
    assert (result.rows, RollupMonth.objects.count(), result.rebuilt) == (0, 0, True)
