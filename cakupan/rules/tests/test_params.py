"""The parameter files and the ``Parameters`` API: validation, the month policy, overrides."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cakupan.rules.params import (
    DATA_DIR,
    KEYS,
    Entry,
    Override,
    ParameterError,
    Parameters,
    load_parameters,
    parse_entries,
    read_data_files,
)

D = Decimal


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters()


def value(**overrides: Any) -> dict[str, Any]:
    base = {
        "key": "pu.jkm.rate",
        "value": "0.003",
        "valid_from": dt.date(2015, 7, 1),
        "regulation": "PP 44/2015",
        "article": "",
        "source": "DOMAIN.md §2.1",
        "confidence": "H",
        "verified": True,
        "overridable": False,
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def parse(*values: dict[str, Any]) -> Parameters:
    return Parameters(parse_entries({"title": "t", "values": list(values)}, name="t.toml"))


# --- the data files --------------------------------------------------------------------------


def test_data_files_load_and_are_the_expected_regulations(params: Parameters) -> None:
    assert sorted(p.name for p in DATA_DIR.glob("*.toml")) == [
        "bpu.toml",
        "holidays_2024.toml",
        "holidays_2025.toml",
        "holidays_2026.toml",
        "payment.toml",
        "permenaker5_2021.toml",
        "pp37_2021_jkp.toml",
        "pp44_2015.toml",
        "pp45_2015_jp.toml",
        "pp46_2015_jht.toml",
        "pp49_2020.toml",
        "pp6_2025_jkp.toml",
        "pp82_2019.toml",
    ]
    assert read_data_files().entries() == params.entries()
    assert {e.key for e in params.entries()} == set(KEYS)


def test_every_entry_is_complete(params: Parameters) -> None:
    for entry in params.entries():
        assert entry.regulation and entry.source.startswith(("DOMAIN.md", "Not in DOMAIN.md"))
        assert entry.confidence in {"H", "M", "L"}
        assert entry.valid_to is None or entry.valid_from <= entry.valid_to
        assert not entry.overridden
        if entry.confidence == "L" or not entry.verified:
            assert entry.overridable, entry


JP_CAPS = [
    # (first month, last month, cap): DOMAIN.md §2.2, published values
    ((2015, 7), (2016, 2), 7_000_000),
    ((2016, 3), (2017, 2), 7_335_300),
    ((2017, 3), (2018, 2), 7_703_500),
    ((2018, 3), (2019, 2), 8_094_000),
    ((2019, 3), (2020, 2), 8_512_400),
    ((2020, 3), (2021, 2), 8_939_700),
    ((2021, 3), (2022, 2), 8_754_600),
    ((2022, 3), (2023, 2), 9_077_600),
    ((2023, 3), (2024, 2), 9_559_600),
    ((2024, 3), (2025, 2), 10_042_300),
    ((2025, 3), (2026, 2), 10_547_400),
    ((2026, 3), (2026, 3), 11_086_300),
]


def test_jp_cap_for_every_month_july_2015_to_march_2026(params: Parameters) -> None:
    expected = {}
    for (y1, m1), (y2, m2), cap in JP_CAPS:
        for index in range(y1 * 12 + m1 - 1, y2 * 12 + m2):
            expected[divmod(index, 12)] = cap
    assert len(expected) == 129  # July 2015 .. March 2026
    got = {
        (y, m0): params.for_month("jp.wage_cap", dt.date(y, m0 + 1, 1)).value
        for (y, m0) in expected
    }
    assert got == expected
    # Later months keep the last published value until a new one is entered.
    assert params.for_month("jp.wage_cap", dt.date(2027, 12, 1)).value == D(11_086_300)


@pytest.mark.parametrize(
    ("key", "on"),
    [
        ("jp.wage_cap", dt.date(2017, 3, 1)),
        ("jp.wage_cap", dt.date(2018, 3, 1)),
        ("jp.wage_cap", dt.date(2019, 3, 1)),
        ("jp.wage_cap", dt.date(2021, 3, 1)),
        ("jp.wage_cap", dt.date(2026, 3, 1)),
        ("bpu.brackets", dt.date(2024, 1, 1)),
        ("pu.jkk.government_class", dt.date(2024, 1, 1)),
        ("jkp.recomposition_jkm", dt.date(2024, 1, 1)),
        ("jkk.total_disability.periodic_total", dt.date(2024, 1, 1)),
        ("stmb.schedule", dt.date(2018, 1, 1)),
        ("stmb.daily_wage_divisor", dt.date(2024, 1, 1)),
        ("scholarship.first_payment_date", dt.date(2020, 1, 1)),
        ("relief.bpu_jkk_jkm_cut", dt.date(2020, 9, 1)),
        ("jp.benefit_min", dt.date(2026, 2, 1)),
        ("calendar.holidays", dt.date(2026, 1, 1)),  # 24 December 2026 not settled
    ],
)
def test_unverified_values_of_domain_section_11_are_flagged(
    params: Parameters, key: str, on: dt.date
) -> None:
    entry = params.entry(key, on)
    assert (entry.verified, entry.overridable) == (False, True)


@pytest.mark.parametrize(
    ("key", "on"),
    [
        ("pu.jkk.rate.1", dt.date(2024, 1, 1)),
        ("jp.wage_cap", dt.date(2024, 3, 1)),
        ("jkm.lump_sum", dt.date(2024, 1, 1)),
        ("jkp.recomposition_jkk", dt.date(2025, 2, 7)),
        ("relief.pu_jkk_jkm_cut", dt.date(2020, 8, 1)),
        # PP 82/2019 in force 2 December 2019 (Pasal II): confirmed by the December 2026 pass.
        ("benefit.pp82_2019_effective_date", dt.date(2024, 1, 1)),
    ],
)
def test_verified_values_are_not_overridable(params: Parameters, key: str, on: dt.date) -> None:
    entry = params.entry(key, on)
    assert (entry.verified, entry.overridable) == (True, False)


def test_bpu_bracket_table_is_empty_by_default(params: Parameters) -> None:
    assert params.value("bpu.brackets", dt.date(2025, 1, 1)) == ()


def test_values_have_exact_types(params: Parameters) -> None:
    assert params.value("pu.jkk.rate.1", dt.date(2020, 1, 1)) == D("0.0024")
    assert isinstance(params.value("pu.jkk.rate.1", dt.date(2020, 1, 1)), Decimal)
    assert params.value("jkm.funeral", dt.date(2020, 1, 1)) == D(10_000_000)
    assert params.value("jp.retirement_age", dt.date(2025, 1, 1)) == 59
    assert params.value("jp.retirement_age", dt.date(2024, 12, 31)) == 58
    assert params.value("jp.retirement_age", dt.date(2043, 1, 1)) == 65
    assert params.value("benefit.pp82_2019_effective_date", dt.date(2020, 1, 1)) == dt.date(
        2019, 12, 2
    )
    assert params.value("stmb.schedule", dt.date(2020, 1, 1)) == ((365, D(100)), (None, D(50)))
    assert params.value("scholarship.levels", dt.date(2020, 1, 1))[4] == ("pt", D(12_000_000), 5)


# --- lookups and the contribution-month policy -----------------------------------------------


def test_entry_by_day_and_by_contribution_month(params: Parameters) -> None:
    # PP 6/2025 is in force from 7 February 2025: by day it changes on the 7th ...
    assert params.entry("jkp.rate", dt.date(2025, 2, 6)).regulation == "PP 37/2021"
    assert params.entry("jkp.rate", dt.date(2025, 2, 7)).regulation == "PP 6/2025"
    # ... by contribution month the whole of February 2025 has the value of its last day.
    assert params.for_month("jkp.rate", dt.date(2025, 2, 1)).value == D("0.0036")
    assert params.for_month("jkp.rate", dt.date(2025, 1, 31)).value == D("0.0046")
    # A value valid from the 1st applies from that month.
    assert params.for_month("jp.wage_cap", dt.date(2024, 3, 31)).value == D(10_042_300)
    assert params.for_month("jp.wage_cap", dt.date(2024, 2, 1)).value == D(9_559_600)


def test_missing_value_raises(params: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        params.entry("pu.jkk.rate.1", dt.date(2015, 6, 30))
    assert info.value.code == "parameter_missing"
    assert "30-06-2015" in info.value.message
    assert params.find("relief.pu_jkk_jkm_cut", dt.date(2021, 2, 1)) is None
    with pytest.raises(ParameterError) as unknown:
        params.entry("pu.jkk.rate.9", dt.date(2020, 1, 1))
    assert unknown.value.code == "parameter_unknown"


def test_parameters_are_immutable(params: Parameters) -> None:
    with pytest.raises(AttributeError):
        params._entries = ()
    entry = params.entries()[0]
    with pytest.raises(AttributeError):
        entry.value = 1  # type: ignore[misc]


# --- the loader refuses bad files ------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (
            [
                value(valid_to=dt.date(2020, 12, 31)),
                value(valid_from=dt.date(2020, 12, 31)),
            ],
            "period_overlap",
        ),
        ([value(), value(valid_from=dt.date(2021, 1, 1))], "period_overlap"),
        ([value(valid_to=dt.date(2015, 6, 30))], "period_invalid"),
        ([value(key="pu.jkm.tarif")], "parameter_unknown"),
        ([value(value=0.003)], "value_invalid"),
        ([value(value="1.5")], "value_invalid"),
        ([value(key="jkm.funeral", value=-1)], "value_invalid"),
        ([value(key="jkm.funeral", value="10000000.5")], "value_invalid"),
        ([value(verified=False)], "file_invalid"),
        ([value(confidence="L")], "file_invalid"),
        ([value(confidence="X")], "file_invalid"),
        ([value(source="")], "file_invalid"),
        ([value(regulation=None)], "file_invalid"),
        ([value(extra="x")], "file_invalid"),
        (
            [
                value(
                    key="bpu.brackets",
                    value=[
                        {"income_upto": 2, "jkk": 1, "jht": 1},
                        {"income_upto": 1, "jkk": 1, "jht": 1},
                    ],
                )
            ],
            "value_invalid",
        ),
        (
            [value(key="stmb.schedule", value=[{"percent": "100"}, {"percent": "50"}])],
            "value_invalid",
        ),
        (
            [value(key="scholarship.levels", value=[{"level": "sd", "yearly": 1, "max_years": 1}])],
            "value_invalid",
        ),
    ],
)
def test_loader_refuses(values: list[dict[str, Any]], code: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse(*values)
    assert info.value.code == code


def test_adjacent_periods_are_accepted() -> None:
    got = parse(
        value(valid_to=dt.date(2020, 12, 31)), value(valid_from=dt.date(2021, 1, 1), value="0.004")
    )
    assert got.value("pu.jkm.rate", dt.date(2020, 12, 31)) == D("0.003")
    assert got.value("pu.jkm.rate", dt.date(2021, 1, 1)) == D("0.004")


def test_read_data_files_checks_jkp_parts(tmp_path: Path) -> None:
    text = (DATA_DIR / "pp6_2025_jkp.toml").read_text(encoding="utf-8")
    (tmp_path / "jkp.toml").write_text(text.replace('value = "0.0036"', 'value = "0.0037"'))
    for name in ("pp37_2021_jkp.toml", "pp82_2019.toml"):
        (tmp_path / name).write_text((DATA_DIR / name).read_text(encoding="utf-8"))
    with pytest.raises(ParameterError) as info:
        read_data_files(tmp_path)
    assert info.value.code == "file_invalid"
    assert "0.0037" in info.value.message


# --- overrides -------------------------------------------------------------------------------


def test_override_replaces_only_its_period(params: Parameters) -> None:
    changed = params.with_overrides(
        [
            Override(
                key="jp.wage_cap",
                value=8_900_000,
                valid_from=dt.date(2021, 3, 1),
                valid_to=dt.date(2021, 6, 30),
                note="SE BPJS TK 2021",
                set_by="admin.pusat",
            )
        ]
    )
    assert changed is not params
    entry = changed.for_month("jp.wage_cap", dt.date(2021, 4, 1))
    assert (entry.value, entry.overridden, entry.regulation) == (D(8_900_000), True, "PP 45/2015")
    assert entry.note == "SE BPJS TK 2021 (oleh admin.pusat)"
    after = changed.for_month("jp.wage_cap", dt.date(2021, 7, 1))
    assert (after.value, after.overridden) == (D(8_754_600), False)
    assert changed.for_month("jp.wage_cap", dt.date(2021, 2, 1)).value == D(8_939_700)
    # The original is untouched.
    assert params.for_month("jp.wage_cap", dt.date(2021, 4, 1)).value == D(8_754_600)


def test_override_of_a_verified_value_is_refused(params: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        params.with_overrides(
            [Override("pu.jkk.rate.1", "0.003", dt.date(2024, 1, 1), None, "x", "admin")]
        )
    assert info.value.code == "parameter_not_overridable"


def test_override_spanning_a_verified_period_is_refused(params: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        params.with_overrides(
            [
                Override(
                    "jp.wage_cap", 9_000_000, dt.date(2021, 1, 1), dt.date(2021, 12, 31), "x", "a"
                )
            ]
        )
    assert info.value.code == "parameter_not_overridable"


def test_override_fills_a_gap_of_an_overridable_key(params: Parameters) -> None:
    assert params.find("jp.benefit_max", dt.date(2024, 6, 1)) is None
    changed = params.with_overrides(
        [
            Override(
                "jp.benefit_max", 4_700_000, dt.date(2024, 1, 1), dt.date(2024, 12, 31), "SE", "a"
            )
        ]
    )
    assert changed.value("jp.benefit_max", dt.date(2024, 6, 1)) == D(4_700_000)


def test_override_value_is_checked(params: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        params.with_overrides(
            [Override("bpu.brackets", [{"income_upto": 1}], dt.date(2024, 1, 1), None, "x", "a")]
        )
    assert info.value.code == "value_invalid"
    with pytest.raises(ParameterError) as period:
        params.with_overrides(
            [Override("bpu.brackets", [], dt.date(2024, 1, 1), dt.date(2023, 1, 1), "x", "a")]
        )
    assert period.value.code == "period_invalid"
    with pytest.raises(ParameterError) as unknown:
        params.with_overrides([Override("x.y", 1, dt.date(2024, 1, 1), None, "x", "a")])
    assert unknown.value.code == "parameter_unknown"


def test_later_override_wins_where_periods_overlap(params: Parameters) -> None:
    changed = params.with_overrides(
        [
            Override("pu.jkk.government_class", 2, dt.date(2024, 1, 1), None, "Perbup", "a"),
            Override("pu.jkk.government_class", 3, dt.date(2025, 1, 1), None, "Perbup baru", "b"),
        ]
    )
    history = [
        (e.valid_from, e.valid_to, e.value) for e in changed.history("pu.jkk.government_class")
    ]
    assert history == [
        (dt.date(2015, 7, 1), dt.date(2023, 12, 31), 1),
        (dt.date(2024, 1, 1), dt.date(2024, 12, 31), 2),
        (dt.date(2025, 1, 1), None, 3),
    ]


def test_entry_dataclass_fields() -> None:
    assert list(Entry.__dataclass_fields__) == [
        "key",
        "value",
        "valid_from",
        "valid_to",
        "regulation",
        "article",
        "source",
        "confidence",
        "verified",
        "overridable",
        "note",
        "overridden",
    ]
