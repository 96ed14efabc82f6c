"""Each indicator definition against hand-counted measures (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cakupan.coverage.figures import Denominators, Participants, Sourced
from cakupan.coverage.indicators import (
    INDICATORS,
    NO_DENOMINATOR,
    OK,
    ZERO_DENOMINATOR,
    Figure,
    Indicator,
    Measures,
    PostFill,
    indicators_for_level,
    register,
)

D = dt.date
ON = D(2022, 11, 9)


def _den(**values: int | None) -> Denominators:
    def sourced(name: str) -> Sourced | None:
        value = values.get(name)
        return None if value is None else Sourced(value, D(2022, 1, 1), f"sumber {name}")

    return Denominators(
        potential_workers=sourced("potential_workers"),
        working_population=sourced("working_population"),
        vulnerable_workers=sourced("vulnerable_workers"),
        rentan_target=sourced("rentan_target"),
        rentan_target_per_desa=values.get("per_desa"),
        desa=values.get("desa") or 0,
    )


def measures(**kwargs: object) -> Measures:
    m = Measures(code="73.24", on=ON)
    for name, value in kwargs.items():
        setattr(m, name, value)
    return m


# A kabupaten as counted by hand: 3 PU + 1 BPU participants of the branch per segment below, and
# a registry holding 7 memberships in 3 segments.
HAND = measures(
    by_segment={"perangkat_desa": 4, "bpd": 1, "pekerja_rentan": 2},
    desa_with_officials=2,
    posts={
        "perangkat_desa": PostFill(posts=10, filled=4, units=2),
        "bpd": PostFill(posts=5, filled=1, units=1),
        "non_asn": PostFill(posts=3, filled=3, units=1),
    },
    participants=Participants(
        pu=30_000, bpu=20_000, construction=4_637, as_of=D(2022, 10, 31), source="KC Malili"
    ),
    denominators=_den(
        potential_workers=113_120,
        working_population=140_000,
        vulnerable_workers=50,
        rentan_target=8,
        per_desa=2,
        desa=4,
    ),
)


@pytest.mark.parametrize(
    ("code", "numerator", "denominator", "percent"),
    [
        ("ucj", 54_637, 113_120, "48.3"),  # 54,637 / 113,120 = 48.299...%
        ("ucj_working_population", 54_637, 140_000, "39.0"),  # 39.026...%
        ("desa_officials", 2, 4, "50.0"),
        ("posts_filled", 8, 18, "44.4"),  # (4 + 1 + 3) / (10 + 5 + 3)
        ("posts_filled_non_asn", 3, 3, "100.0"),
        ("posts_filled_village", 5, 15, "33.3"),  # perangkat desa and BPD
        ("posts_filled_perangkat_desa", 4, 10, "40.0"),
        ("rentan_target", 2, 8, "25.0"),
        ("rentan_registered", 2, 50, "4.0"),
    ],
)
def test_each_indicator_on_hand_counted_measures(
    code: str, numerator: int, denominator: int, percent: str
) -> None:
    figure = INDICATORS[code].compute(HAND)
    assert (figure.numerator, figure.denominator, str(figure.percent), figure.status) == (
        numerator,
        denominator,
        percent,
        OK,
    )


def test_without_denominators_no_indicator_has_a_percentage() -> None:
    bare = measures(by_segment={"pekerja_rentan": 5}, denominators=_den())
    got = {
        code: (i.compute(bare).percent, i.compute(bare).status) for code, i in INDICATORS.items()
    }
    assert got == {
        "ucj": (None, NO_DENOMINATOR),  # no participant count and no potential workers
        "ucj_working_population": (None, NO_DENOMINATOR),
        "desa_officials": (None, ZERO_DENOMINATOR),  # a kota: no desa at all
        "posts_filled": (None, ZERO_DENOMINATOR),  # no posts recorded
        "posts_filled_non_asn": (None, ZERO_DENOMINATOR),
        "posts_filled_village": (None, ZERO_DENOMINATOR),
        "posts_filled_perangkat_desa": (None, ZERO_DENOMINATOR),
        "rentan_target": (None, NO_DENOMINATOR),
        "rentan_registered": (None, NO_DENOMINATOR),
    }
    assert INDICATORS["rentan_target"].compute(bare).numerator == 5


def test_ucj_needs_both_the_participant_count_and_the_potential() -> None:
    only_potential = measures(denominators=_den(potential_workers=1000))
    figure = INDICATORS["ucj"].compute(only_potential)
    assert (figure.numerator, figure.denominator, figure.status) == (None, 1000, NO_DENOMINATOR)
    assert figure.status_text == "belum ada data pembanding"


def test_figure_as_dict_names_sources_and_sums() -> None:
    figure = INDICATORS["ucj"].compute(HAND)
    assert figure.as_dict() == {
        "numerator": 54_637,
        "denominator": 113_120,
        "percent": Decimal("48.3"),
        "status": "ok",
        "numerator_as_of": D(2022, 10, 31),
        "numerator_source": "KC Malili",
        "denominator_as_of": D(2022, 1, 1),
        "denominator_source": "sumber potential_workers",
    }
    summed = Figure(3, 10, denominator_source=Sourced(10, D(2022, 1, 1), "", parts=24))
    assert summed.as_dict()["denominator_source"] == "jumlah 24 wilayah"


def test_levels_and_registration() -> None:
    assert [i.code for i in indicators_for_level(4)] == [
        "posts_filled",
        "posts_filled_non_asn",
        "posts_filled_village",
        "posts_filled_perangkat_desa",
        "rentan_target",
        "rentan_registered",
    ]
    assert "ucj" in [i.code for i in indicators_for_level(2)]
    with pytest.raises(ValueError, match="already registered"):
        register(INDICATORS["ucj"])
    extension = Indicator(
        code="test_extension",
        label="x",
        short_label="x",
        numerator_label="a",
        denominator_label="b",
        definition="d",
        compute=lambda m: Figure(m.extra["a"], m.extra.get("b")),
    )
    register(extension)
    try:
        assert INDICATORS["test_extension"].compute(measures(extra={"a": 1, "b": 4})).percent == (
            Decimal("25.0")
        )
    finally:
        del INDICATORS["test_extension"]
