"""Calculator behaviour beyond the worked examples: refusals, the JP age rule, overrides, notes."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from cakupan.rules.benefits import BenefitInput, calculate_benefit
from cakupan.rules.contribution import ContributionInput, calculate_contribution, month_rates
from cakupan.rules.errors import InputError, RulesError
from cakupan.rules.params import (
    PP82_DATE_KEY,
    Override,
    ParameterError,
    Parameters,
    load_parameters,
)

D = Decimal
JKK_JKM = frozenset({"jkk", "jkm"})


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters()


@pytest.mark.parametrize(
    ("inp", "code"),
    [
        (ContributionInput("pbi", dt.date(2024, 1, 1), D(1), JKK_JKM, 1), "scheme_invalid"),
        (ContributionInput("pu", dt.date(2024, 1, 1), D(0), JKK_JKM, 1), "wage_invalid"),
        (ContributionInput("pu", dt.date(2024, 1, 1), D("100.5"), JKK_JKM, 1), "wage_invalid"),
        (ContributionInput("pu", dt.date(2024, 1, 1), D("NaN"), JKK_JKM, 1), "wage_invalid"),
        (
            ContributionInput("pu", dt.date(2024, 1, 1), D(1), frozenset({"jkk", "jkm", "jkn"}), 1),
            "programme_invalid",
        ),
        (
            ContributionInput("pu", dt.date(2024, 1, 1), D(1), frozenset({"jkk", "jht"}), 1),
            "programme_required",
        ),
        (
            ContributionInput("bpu", dt.date(2024, 1, 1), D(1), frozenset({"jkk", "jkm", "jp"})),
            "programme_not_allowed",
        ),
        (
            ContributionInput("bpu", dt.date(2024, 1, 1), D(1), frozenset({"jkk", "jkm", "jkp"})),
            "programme_not_allowed",
        ),
        (ContributionInput("pu", dt.date(2024, 1, 1), D(1), JKK_JKM), "risk_class_required"),
        (ContributionInput("pu", dt.date(2024, 1, 1), D(1), JKK_JKM, 6), "risk_class_invalid"),
        (ContributionInput("pu", dt.date(2015, 6, 30), D(1), JKK_JKM, 1), "month_out_of_range"),
        (
            ContributionInput("pu", dt.date(2021, 1, 1), D(1), frozenset({"jkk", "jkm", "jkp"}), 1),
            "programme_not_in_force",
        ),
    ],
)
def test_contribution_refusals(params: Parameters, inp: ContributionInput, code: str) -> None:
    with pytest.raises(InputError) as info:
        calculate_contribution(inp, params)
    assert isinstance(info.value, ValueError)
    assert info.value.code == code
    assert info.value.message  # Indonesian text for people


@pytest.mark.parametrize(
    ("birth", "month", "has_jp"),
    [
        # DOMAIN §4.5: retirement age 58 in 2022-2024, 59 from 2025 (PP 45/2015 Pasal 15).
        (dt.date(1966, 3, 2), (2024, 3), True),  # 57 on 1 March 2024
        (dt.date(1966, 3, 1), (2024, 3), False),  # 58 on 1 March 2024
        (dt.date(1966, 3, 1), (2024, 2), True),  # 57 on 1 February 2024
        (dt.date(1966, 1, 2), (2025, 1), True),  # 58 on 1 January 2025, the age is now 59
        (dt.date(1966, 1, 1), (2025, 1), False),  # 59 on 1 January 2025
    ],
)
def test_jp_stops_at_retirement_age(
    params: Parameters, birth: dt.date, month: tuple[int, int], has_jp: bool
) -> None:
    result = calculate_contribution(
        ContributionInput(
            "pu", dt.date(*month, 1), D(3_000_000), frozenset({"jkk", "jkm", "jp"}), 1, birth
        ),
        params,
    )
    assert ("jp" in [line.programme for line in result.lines]) is has_jp
    assert any(n.startswith("Tidak ada iuran JP") for n in result.notes) is not has_jp


def test_jp_age_note_text(params: Parameters) -> None:
    result = calculate_contribution(
        ContributionInput(
            "pu",
            dt.date(2024, 3, 1),
            D(3_000_000),
            frozenset({"jkk", "jkm", "jp"}),
            1,
            dt.date(1960, 5, 5),
        ),
        params,
    )
    assert result.notes[0].startswith(
        "Tidak ada iuran JP: pada 01-03-2024 peserta berusia 63 tahun, sudah mencapai usia pensiun "
        "58 tahun (PP 45/2015 Pasal 15)"
    )


def test_override_is_named_in_the_notes(params: Parameters) -> None:
    changed = params.with_overrides(
        [
            Override(
                "bpu.brackets",
                [
                    {"income_upto": 1_000_000, "jkk": 10_000, "jht": 20_000},
                    {"income_upto": 2_000_000, "jkk": 16_500, "jht": 40_000},
                ],
                dt.date(2024, 1, 1),
                None,
                "Lampiran PP 44/2015",
                "admin.pusat",
            )
        ]
    )
    result = calculate_contribution(
        ContributionInput(
            "bpu", dt.date(2024, 6, 1), D(1_500_000), frozenset({"jkk", "jkm", "jht"})
        ),
        changed,
    )
    assert [(line.programme, line.rate, line.worker) for line in result.lines] == [
        ("jkk", None, D(16_500)),
        ("jkm", None, D(6_800)),
        ("jht", None, D(40_000)),
    ]
    assert result.lines[0].explanation == (
        "JKK BPU: penghasilan Rp1.500.000 masuk tingkat sampai Rp2.000.000: Rp16.500 "
        "(PP 44/2015 Lampiran; tabel diubah admin: Lampiran PP 44/2015 (oleh admin.pusat))",
    )
    flags = {str(note): getattr(note, "flag", "") for note in result.notes}
    assert (
        flags[
            "Nilai Tabel nominal iuran BPU per tingkat penghasilan diubah admin: "
            "Lampiran PP 44/2015 (oleh admin.pusat)."
        ]
        == "overridden"
    )
    # Above the last bracket: the last bracket applies.
    top = calculate_contribution(
        ContributionInput("bpu", dt.date(2024, 6, 1), D(9_000_000), JKK_JKM), changed
    )
    assert top.lines[0].worker == D(16_500)


def test_unverified_values_are_noted(params: Parameters) -> None:
    result = calculate_contribution(
        ContributionInput(
            "pu", dt.date(2021, 3, 1), D(9_000_000), frozenset({"jkk", "jkm", "jp"}), 1
        ),
        params,
    )
    assert result.notes == (
        "Nilai yang belum terverifikasi terhadap naskah regulasi (admin dapat mengubahnya): "
        "Batas upah tertinggi JP per bulan (PP 45/2015).",
    )
    assert [note.flag for note in result.notes] == ["unverified"]  # type: ignore[attr-defined]


def test_pp49_explains_the_deferred_jp(params: Parameters) -> None:
    result = calculate_contribution(
        ContributionInput(
            "pu", dt.date(2020, 9, 1), D(4_000_000), frozenset({"jkk", "jkm", "jp"}), 1
        ),
        params,
    )
    jp = result.lines[2]
    assert jp.explanation[-1] == (
        "JP: 99% iuran ditunda (PP 49/2020); iuran penuh Rp120.000, ditagih bulan ini Rp1.200, "
        "sisanya Rp118.800 dibayar kemudian (15-05-2021 s.d. 15-04-2022)"
    )
    assert jp.source == "PP 45/2015 Pasal 29; PP 49/2020"


def test_jkp_explains_the_government_share(params: Parameters) -> None:
    result = calculate_contribution(
        ContributionInput(
            "pu", dt.date(2025, 2, 1), D(4_000_000), frozenset({"jkk", "jkm", "jkp"}), 1
        ),
        params,
    )
    assert result.lines[2].explanation == (
        "JKP 0,36% = 0,22% dibayar Pemerintah Pusat (tidak ditagih) + 0,14% dari iuran JKK (PP 6/2025)",
        "JKP (rekomposisi, dibayar pemberi kerja): 0,14% x Rp4.000.000 = Rp5.600 (PP 6/2025)",
    )
    assert result.lines[0].explanation == (
        "JKK kelas I: 0,24% - 0,14% direkomposisi ke JKP = 0,1% x Rp4.000.000 = Rp4.000 "
        "(PP 44/2015 Lampiran I; PP 6/2025)",
    )


def test_month_rates_rows(params: Parameters) -> None:
    rates = month_rates(dt.date(2024, 3, 19), params)
    assert rates.month == dt.date(2024, 3, 1)
    assert [(r.scheme, r.programme, r.risk_class) for r in rates.rows] == [
        ("pu", "jkk", 1),
        ("pu", "jkk", 2),
        ("pu", "jkk", 3),
        ("pu", "jkk", 4),
        ("pu", "jkk", 5),
        ("pu", "jkm", None),
        ("pu", "jht", None),
        ("pu", "jp", None),
        ("bpu", "jkk", None),
        ("bpu", "jkm", None),
        ("bpu", "jht", None),
    ]
    jp = rates.row("pu", "jp")
    assert (jp.employer_rate, jp.worker_rate, jp.cap) == (D("0.02"), D("0.01"), D(10_042_300))
    bpu_jkk = rates.row("bpu", "jkk")
    assert (bpu_jkk.worker_rate, bpu_jkk.minimum, bpu_jkk.flat) == (D("0.01"), D(10_000), None)
    assert rates.row("bpu", "jkm").flat == D(6_800)
    assert rates.bpu_brackets == ()
    with_jkp = month_rates(dt.date(2024, 3, 1), params, jkp=True)
    assert with_jkp.row("pu", "jkp").employer_rate == D("0.0024")
    assert with_jkp.row("pu", "jkk", 5).employer_rate == D("0.0160")


@pytest.mark.parametrize(
    ("inp", "code"),
    [
        (BenefitInput("jht", dt.date(2024, 1, 1)), "type_invalid"),
        (BenefitInput("jkm", dt.date(2015, 6, 30)), "event_date_out_of_range"),
        (BenefitInput("jkm", dt.date(2024, 1, 1), dt.date(2024, 1, 2)), "membership_start_invalid"),
        (BenefitInput("jkk-death", dt.date(2024, 1, 1)), "wage_required"),
        (BenefitInput("stmb", dt.date(2024, 1, 1), wage=D(-5), days=3), "wage_invalid"),
        (
            BenefitInput("jkk-partial-disability", dt.date(2024, 1, 1), wage=D(1)),
            "percent_required",
        ),
        (
            BenefitInput("jkk-partial-disability", dt.date(2024, 1, 1), wage=D(1), percent=D(101)),
            "percent_invalid",
        ),
        (BenefitInput("stmb", dt.date(2024, 1, 1), wage=D(1)), "days_required"),
        (BenefitInput("stmb", dt.date(2024, 1, 1), wage=D(1), days=0), "days_invalid"),
        (BenefitInput("jkm", dt.date(2024, 1, 1), children=("s1",)), "child_level_invalid"),
        (
            BenefitInput("scholarship", dt.date(2024, 1, 1), dt.date(2015, 7, 1)),
            "children_required",
        ),
        (
            BenefitInput("scholarship", dt.date(2024, 1, 1), children=("sd",)),
            "membership_start_required",
        ),
    ],
)
def test_benefit_refusals(params: Parameters, inp: BenefitInput, code: str) -> None:
    with pytest.raises(RulesError) as info:
        calculate_benefit(inp, params)
    assert info.value.code == code


def switch_overridable(params: Parameters) -> Parameters:
    """The data with the PP 82/2019 date overridable again, as it was while it was [L]."""
    return Parameters(
        replace(e, verified=False, overridable=True) if e.key == PP82_DATE_KEY else e
        for e in params.entries()
    )


def test_the_verified_pp82_date_cannot_be_overridden(params: Parameters) -> None:
    """PP 82/2019 is in force from 2 December 2019 (Pasal II, [H] since December 2026)."""
    entry = params.entry(PP82_DATE_KEY, dt.date(2024, 1, 1))
    assert (entry.value, entry.regulation, entry.article) == (
        dt.date(2019, 12, 2),
        "PP 82/2019",
        "Pasal II",
    )
    with pytest.raises(ParameterError) as info:
        params.with_overrides(
            [Override(PP82_DATE_KEY, dt.date(2019, 12, 18), dt.date(2015, 7, 1), None, "x", "a")]
        )
    assert info.value.code == "parameter_not_overridable"
    # No "near the switch date, unverified" note any more.
    near = calculate_benefit(BenefitInput("jkm", dt.date(2019, 12, 20)), params)
    assert not any(getattr(n, "flag", "") for n in near.notes)


def test_a_moved_pp82_date_moves_the_switch(params: Parameters) -> None:
    """The switch machinery, for a date the data leave overridable."""
    params = switch_overridable(params)
    changed = params.with_overrides(
        [
            Override(
                "benefit.pp82_2019_effective_date",
                dt.date(2019, 12, 18),
                dt.date(2015, 7, 1),
                None,
                "naskah PP 82/2019",
                "admin.pusat",
            )
        ]
    )
    before = calculate_benefit(BenefitInput("jkm", dt.date(2019, 12, 17)), changed)
    on = calculate_benefit(BenefitInput("jkm", dt.date(2019, 12, 18)), changed)
    assert (before.total, on.total) == (D(24_000_000), D(42_000_000))
    assert before.lines[0].source == "PP 44/2015"
    assert (
        "Nilai Tanggal berlaku manfaat PP 82/2019 diubah admin: naskah PP 82/2019 "
        "(oleh admin.pusat)." in before.notes
    )
    moved_earlier = params.with_overrides(
        [
            Override(
                "benefit.pp82_2019_effective_date",
                dt.date(2019, 11, 20),
                dt.date(2015, 7, 1),
                None,
                "x",
                "a",
            )
        ]
    )
    assert calculate_benefit(BenefitInput("jkm", dt.date(2019, 11, 25)), moved_earlier).total == D(
        42_000_000
    )


def test_jkm_scholarship_needs_the_membership_start(params: Parameters) -> None:
    result = calculate_benefit(BenefitInput("jkm", dt.date(2024, 1, 1), children=("sd",)), params)
    assert result.total == D(42_000_000)
    assert result.schedule == ()
    assert result.notes[0].startswith("Beasiswa tidak dihitung: tanggal mulai kepesertaan")


def test_total_disability_periodic_benefit_is_a_note_until_set(params: Parameters) -> None:
    base = calculate_benefit(
        BenefitInput("jkk-total-disability", dt.date(2024, 1, 1), wage=D(2_000_000)), params
    )
    assert [line.amount for line in base.lines] == [D(112_000_000)]
    assert any("belum diketahui besarnya" in note for note in base.notes)
    changed = params.with_overrides(
        [
            Override(
                "jkk.total_disability.periodic_total",
                12_000_000,
                dt.date(2019, 12, 2),
                None,
                "SE",
                "a",
            )
        ]
    )
    set_ = calculate_benefit(
        BenefitInput("jkk-total-disability", dt.date(2024, 1, 1), wage=D(2_000_000)), changed
    )
    assert set_.total == D(124_000_000)


def test_notes_carry_their_flag(params: Parameters) -> None:
    """The web badges notes by ``Note.flag``, set where the note is written (not by its words)."""
    near = calculate_benefit(BenefitInput("jkm", dt.date(2019, 12, 20)), switch_overridable(params))
    flags = [(getattr(n, "flag", ""), n.startswith("Peristiwa 20-12-2019")) for n in near.notes]
    assert ("unverified", True) in flags
    deferred = calculate_benefit(
        BenefitInput("jkm", dt.date(2020, 1, 10), dt.date(2015, 7, 1), children=("pt",)), params
    )
    assert [getattr(n, "flag", "") for n in deferred.notes if "baru dibayar sejak" in n] == [
        "unverified"
    ]
    far = calculate_benefit(BenefitInput("jkm", dt.date(2024, 1, 1)), params)
    assert not any(getattr(n, "flag", "") for n in far.notes)
    stmb = calculate_benefit(
        BenefitInput("stmb", dt.date(2024, 1, 1), wage=D(3_000_000), days=10), params
    )
    assert [(str(n)[:11], getattr(n, "flag", "")) for n in stmb.notes] == [
        ("Upah harian", ""),
        ("Untuk peser", "unverified"),  # the BPU rule
        ("Nilai yang ", "unverified"),  # the divisor (Konvensi Cakupan)
    ]
