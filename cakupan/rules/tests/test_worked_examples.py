"""Worked examples computed by hand from the regulation values in /work/shared/DOMAIN.md.

Every row names the DOMAIN.md entry (section and the source it cites) its numbers come from. The
expected amounts are written out in the table (with the arithmetic in the comment), never derived
from the code under test. Rounding: per line and per party, half up to the rupiah.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cakupan.rules.benefits import BenefitInput, calculate_benefit
from cakupan.rules.contribution import ContributionInput, calculate_contribution, month_rates
from cakupan.rules.errors import InputError
from cakupan.rules.params import Parameters, load_parameters

D = Decimal
PU = "pu"
BPU = "bpu"
JKK_JKM = frozenset({"jkk", "jkm"})
ALL_PU = frozenset({"jkk", "jkm", "jht", "jp"})

# Citations used by the rows (DOMAIN.md section; the address it gives).
RATES = "DOMAIN §2.1 rates (parapuan.co 533140917; makassar.tribunnews 2020/09/08; artivisi/aplikasi-akunting)"
JHT = "DOMAIN §2.1 JHT 3.7%+2% (amp.kontan.co.id rincian-lengkap...iuran-jht)"
JP = "DOMAIN §2.1 JP 2%+1% (fame.grid.id 464028442)"
CAP = "DOMAIN §2.2 JP cap table (krishandsoftware; ptgasi; intercom.help FAST8Group; jatim.suaraindonesia; code refs)"
PP49 = "DOMAIN §2.5 PP 49/2020 (voi.id 13466; headlines.id; pasal.id pp-no-49-tahun-2020)"
JKP = "DOMAIN §2.4 JKP recomposition (pasal.id pp-no-6-tahun-2025/koreksi/5825012; economy.okezone 3114365)"
BPU_SRC = "DOMAIN §3 BPU (star.grid.id 453740395, 453695860; radarmukomuko 666514)"
JKM_BEN = "DOMAIN §4.1 JKM (satujuang.com; star.grid.id 453611373; suara.com 2019/11/02)"
SCHOLAR = "DOMAIN §4.2 scholarship (cinews.id 2024; bali.tribunnews 2021/05/04; beritau.id)"
SCHOLAR_PP44 = (
    "DOMAIN § corrections Dec 2026: scholarship before PP 82/2019 (harianjogja; antaranews jateng)"
)
JKK_BEN = (
    "DOMAIN §4.3 JKK (finance.detik.com d-5759152; kompasiana; bpjsketenagakerjaan.go.id 18913)"
)


@pytest.fixture(scope="module")
def params() -> Parameters:
    return load_parameters()


def contribution_case(
    case_id: str,
    ref: str,
    scheme: str,
    month: tuple[int, int],
    wage: int,
    programmes: frozenset[str],
    risk_class: int | None,
    lines: dict[str, tuple[int, int]],
) -> object:
    return pytest.param(ref, scheme, month, wage, programmes, risk_class, lines, id=case_id)


CONTRIBUTIONS = [
    # --- PU rates, DOMAIN §2.1 ---
    contribution_case(
        "jkk-I", RATES, PU, (2024, 1), 3_000_000, JKK_JKM, 1, {"jkk": (7_200, 0), "jkm": (9_000, 0)}
    ),  # 0.24% and 0.30% of 3,000,000
    contribution_case(
        "jkk-II",
        RATES,
        PU,
        (2024, 1),
        3_000_000,
        JKK_JKM,
        2,
        {"jkk": (16_200, 0), "jkm": (9_000, 0)},
    ),  # 0.54%
    contribution_case(
        "jkk-III",
        RATES,
        PU,
        (2024, 1),
        3_000_000,
        JKK_JKM,
        3,
        {"jkk": (26_700, 0), "jkm": (9_000, 0)},
    ),  # 0.89%
    contribution_case(
        "jkk-IV",
        RATES,
        PU,
        (2024, 1),
        3_000_000,
        JKK_JKM,
        4,
        {"jkk": (38_100, 0), "jkm": (9_000, 0)},
    ),  # 1.27%
    contribution_case(
        "jkk-V",
        RATES,
        PU,
        (2024, 1),
        3_000_000,
        JKK_JKM,
        5,
        {"jkk": (52_200, 0), "jkm": (9_000, 0)},
    ),  # 1.74%
    contribution_case(
        "jkk-rounding-up",
        RATES,
        PU,
        (2024, 1),
        2_083_333,
        JKK_JKM,
        1,
        # 2,083,333 x 0.0024 = 4,999.9992 -> 5,000; x 0.003 = 6,249.999 -> 6,250
        {"jkk": (5_000, 0), "jkm": (6_250, 0)},
    ),
    contribution_case(
        "jkm-half-up",
        RATES,
        PU,
        (2024, 1),
        1_500_500,
        JKK_JKM,
        1,
        # x 0.0024 = 3,601.2 -> 3,601; x 0.003 = 4,501.5 -> 4,502 (half up)
        {"jkk": (3_601, 0), "jkm": (4_502, 0)},
    ),
    contribution_case(
        "jht-split",
        JHT,
        PU,
        (2024, 1),
        3_000_000,
        frozenset({"jkk", "jkm", "jht"}),
        1,
        {"jkk": (7_200, 0), "jkm": (9_000, 0), "jht": (111_000, 60_000)},
    ),
    contribution_case(
        "jp-under-cap",
        JP,
        PU,
        (2025, 6),
        10_000_000,
        ALL_PU,
        1,
        # JP 2% / 1% of 10,000,000 (cap 10,547,400 not reached)
        {
            "jkk": (24_000, 0),
            "jkm": (30_000, 0),
            "jht": (370_000, 200_000),
            "jp": (200_000, 100_000),
        },
    ),
    contribution_case(
        "jp-half-up",
        JP,
        PU,
        (2024, 5),
        3_333_325,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # 3,333,325 x 2% = 66,666.5 -> 66,667; x 1% = 33,333.25 -> 33,333;
        # JKK 7,999.98 -> 8,000; JKM 9,999.975 -> 10,000
        {"jkk": (8_000, 0), "jkm": (10_000, 0), "jp": (66_667, 33_333)},
    ),
    # --- JP cap by month, DOMAIN §2.2 (wage 20,000,000 is over every cap) ---
    contribution_case(
        "jp-2015-07-first-month",
        CAP,
        PU,
        (2015, 7),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 7,000,000: 140,000 / 70,000; JKK 48,000; JKM 60,000
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (140_000, 70_000)},
    ),
    contribution_case(
        "jp-2016-02",
        CAP,
        PU,
        (2016, 2),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (140_000, 70_000)},
    ),
    contribution_case(
        "jp-2016-03",
        CAP,
        PU,
        (2016, 3),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 7,335,300: 146,706 / 73,353
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (146_706, 73_353)},
    ),
    contribution_case(
        "jp-2021-02",
        CAP,
        PU,
        (2021, 2),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 8,939,700: 178,794 / 89,397
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (178_794, 89_397)},
    ),
    contribution_case(
        "jp-2021-03-decrease",
        CAP,
        PU,
        (2021, 3),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 8,754,600 (went down): 175,092 / 87,546
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (175_092, 87_546)},
    ),
    contribution_case(
        "jp-2024-02",
        CAP,
        PU,
        (2024, 2),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 9,559,600: 191,192 / 95,596
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (191_192, 95_596)},
    ),
    contribution_case(
        "jp-2024-03",
        CAP,
        PU,
        (2024, 3),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 10,042,300: 200,846 / 100,423
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (200_846, 100_423)},
    ),
    contribution_case(
        "jp-2026-02",
        CAP,
        PU,
        (2026, 2),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 10,547,400: 210,948 / 105,474
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (210_948, 105_474)},
    ),
    contribution_case(
        "jp-2026-03",
        CAP,
        PU,
        (2026, 3),
        20_000_000,
        frozenset({"jkk", "jkm", "jp"}),
        1,
        # cap 11,086,300: 221,726 / 110,863
        {"jkk": (48_000, 0), "jkm": (60_000, 0), "jp": (221_726, 110_863)},
    ),
    # --- PP 49/2020 relief months, DOMAIN §2.5 (wage 4,000,000, class I) ---
    contribution_case(
        "pp49-2020-07-before",
        PP49,
        PU,
        (2020, 7),
        4_000_000,
        ALL_PU,
        1,
        # normal: JKK 9,600; JKM 12,000; JHT 148,000/80,000; JP 80,000/40,000
        {"jkk": (9_600, 0), "jkm": (12_000, 0), "jht": (148_000, 80_000), "jp": (80_000, 40_000)},
    ),
    contribution_case(
        "pp49-2020-08-first",
        PP49,
        PU,
        (2020, 8),
        4_000_000,
        ALL_PU,
        1,
        # JKK 0.24% x 1% = 0.0024% -> 96; JKM 0.003% -> 120; JHT unchanged;
        # JP 1% of 2%/1% paid now -> 800/400 (99% deferred)
        {"jkk": (96, 0), "jkm": (120, 0), "jht": (148_000, 80_000), "jp": (800, 400)},
    ),
    contribution_case(
        "pp49-2021-01-last",
        PP49,
        PU,
        (2021, 1),
        4_000_000,
        ALL_PU,
        1,
        {"jkk": (96, 0), "jkm": (120, 0), "jht": (148_000, 80_000), "jp": (800, 400)},
    ),
    contribution_case(
        "pp49-2021-02-after",
        PP49,
        PU,
        (2021, 2),
        4_000_000,
        ALL_PU,
        1,
        {"jkk": (9_600, 0), "jkm": (12_000, 0), "jht": (148_000, 80_000), "jp": (80_000, 40_000)},
    ),
    contribution_case(
        "pp49-class-V",
        PP49,
        PU,
        (2020, 10),
        4_000_000,
        JKK_JKM,
        5,
        # 1.74% x 1% = 0.0174% of 4,000,000 = 696
        {"jkk": (696, 0), "jkm": (120, 0)},
    ),
    # --- JKP recomposition, DOMAIN §2.4 (wage 4,000,000) ---
    contribution_case(
        "jkp-2025-01-pp37",
        JKP,
        PU,
        (2025, 1),
        4_000_000,
        frozenset({"jkk", "jkm", "jkp"}),
        1,
        # JKK 0.24-0.14 = 0.10% -> 4,000; JKM 0.30-0.10 = 0.20% -> 8,000;
        # JKP 0.14+0.10 = 0.24% -> 9,600 (total 21,600 = 0.54% as without JKP)
        {"jkk": (4_000, 0), "jkm": (8_000, 0), "jkp": (9_600, 0)},
    ),
    contribution_case(
        "jkp-2025-02-pp6",
        JKP,
        PU,
        (2025, 2),
        4_000_000,
        frozenset({"jkk", "jkm", "jkp"}),
        1,
        # PP 6/2025 from 7 Feb applies to contribution month Feb 2025:
        # JKK 0.10% -> 4,000; JKM 0.30% -> 12,000; JKP 0.14% -> 5,600
        {"jkk": (4_000, 0), "jkm": (12_000, 0), "jkp": (5_600, 0)},
    ),
    contribution_case(
        "jkp-class-V",
        JKP,
        PU,
        (2025, 3),
        4_000_000,
        frozenset({"jkk", "jkm", "jkp"}),
        5,
        # JKK 1.74-0.14 = 1.60% -> 64,000
        {"jkk": (64_000, 0), "jkm": (12_000, 0), "jkp": (5_600, 0)},
    ),
    # --- BPU, DOMAIN §3 (the participant's share is the worker column) ---
    contribution_case(
        "bpu-minimum-package",
        BPU_SRC,
        BPU,
        (2024, 1),
        1_000_000,
        JKK_JKM,
        None,
        # income bracket Rp1,000,000: JKK 10,000 + JKM 6,800 = 16,800
        {"jkk": (0, 10_000), "jkm": (0, 6_800)},
    ),
    contribution_case(
        "bpu-below-minimum",
        BPU_SRC,
        BPU,
        (2024, 1),
        500_000,
        JKK_JKM,
        None,
        # 1% = 5,000 < minimum 10,000
        {"jkk": (0, 10_000), "jkm": (0, 6_800)},
    ),
    contribution_case(
        "bpu-with-jht",
        BPU_SRC,
        BPU,
        (2024, 1),
        2_500_000,
        frozenset({"jkk", "jkm", "jht"}),
        None,
        # JKK 25,000; JKM 6,800; JHT 2% = 50,000
        {"jkk": (0, 25_000), "jkm": (0, 6_800), "jht": (0, 50_000)},
    ),
    contribution_case(
        "bpu-rounding",
        BPU_SRC,
        BPU,
        (2024, 1),
        1_234_567,
        frozenset({"jkk", "jkm", "jht"}),
        None,
        # 12,345.67 -> 12,346; 24,691.34 -> 24,691
        {"jkk": (0, 12_346), "jkm": (0, 6_800), "jht": (0, 24_691)},
    ),
    contribution_case(
        "bpu-pp49-relief",
        PP49 + "; " + BPU_SRC,
        BPU,
        (2020, 8),
        1_000_000,
        JKK_JKM,
        None,
        # [L] relief applied to BPU: minimum 10,000 x 1% = 100; JKM 6,800 x 1% = 68
        {"jkk": (0, 100), "jkm": (0, 68)},
    ),
]


@pytest.mark.parametrize(
    ("ref", "scheme", "month", "wage", "programmes", "risk_class", "lines"), CONTRIBUTIONS
)
def test_contribution(
    params: Parameters,
    ref: str,
    scheme: str,
    month: tuple[int, int],
    wage: int,
    programmes: frozenset[str],
    risk_class: int | None,
    lines: dict[str, tuple[int, int]],
) -> None:
    assert ref.startswith("DOMAIN §")
    result = calculate_contribution(
        ContributionInput(scheme, dt.date(*month, 1), D(wage), programmes, risk_class), params
    )
    got = {line.programme: (int(line.employer), int(line.worker)) for line in result.lines}
    assert got == lines
    assert result.employer_total == sum(e for e, _ in lines.values())
    assert result.worker_total == sum(w for _, w in lines.values())
    assert result.total == sum(e + w for e, w in lines.values())


DUE = [
    # (month, PU due date, BPU due date, late fee): DOMAIN §2.3 (keuangan.kontan.co.id siapa-yang-bayar
    # ...?page=3) and §2.5 PP 49/2020 (30th of the next month, 0.5%)
    pytest.param(
        (2020, 7), dt.date(2020, 8, 15), dt.date(2020, 7, 15), D("0.02"), id="due-2020-07"
    ),
    pytest.param(
        (2020, 8), dt.date(2020, 9, 30), dt.date(2020, 8, 15), D("0.005"), id="due-2020-08-pp49"
    ),
    pytest.param(
        (2021, 1),
        dt.date(2021, 2, 28),
        dt.date(2021, 1, 15),
        D("0.005"),
        id="due-2021-01-pp49-february",
    ),
    pytest.param(
        (2021, 2), dt.date(2021, 3, 15), dt.date(2021, 2, 15), D("0.02"), id="due-2021-02"
    ),
    pytest.param(
        (2024, 12),
        dt.date(2025, 1, 15),
        dt.date(2024, 12, 15),
        D("0.02"),
        id="due-2024-12-year-end",
    ),
]


@pytest.mark.parametrize(("month", "pu_due", "bpu_due", "late_fee"), DUE)
def test_due_dates_and_late_fee(
    params: Parameters, month: tuple[int, int], pu_due: dt.date, bpu_due: dt.date, late_fee: Decimal
) -> None:
    rates = month_rates(dt.date(*month, 1), params)
    assert (rates.pu_due_date, rates.bpu_due_date, rates.late_fee_rate) == (
        pu_due,
        bpu_due,
        late_fee,
    )


def test_june_2015_is_refused(params: Parameters) -> None:
    """DOMAIN §6 (UU 24/2011: full programme incl. JP from 1 Jul 2015)."""
    with pytest.raises(InputError) as info:
        calculate_contribution(
            ContributionInput(PU, dt.date(2015, 6, 1), D(3_000_000), JKK_JKM, 1), params
        )
    assert info.value.code == "month_out_of_range"


def test_explanation_cites_regulation_and_article(params: Parameters) -> None:
    result = calculate_contribution(
        ContributionInput(PU, dt.date(2024, 1, 1), D(3_000_000), JKK_JKM, 1), params
    )
    assert result.lines[0].explanation == (
        "JKK kelas I: 0,24% x Rp3.000.000 = Rp7.200 (PP 44/2015 Lampiran I)",
    )
    assert result.lines[0].source == "PP 44/2015 Lampiran I"


def benefit_case(
    case_id: str,
    ref: str,
    benefit_type: str,
    event: dt.date,
    expected: dict[str, int],
    total: int,
    **extra: object,
) -> object:
    return pytest.param(ref, benefit_type, event, extra, expected, total, id=case_id)


BENEFITS = [
    # --- JKM, DOMAIN §4.1; the PP 82/2019 switch date 2 Dec 2019 is [L] ---
    benefit_case(
        "jkm-2019-12-01-pp44",
        JKM_BEN,
        "jkm",
        dt.date(2019, 12, 1),
        {
            "Santunan kematian": 16_200_000,
            "Santunan berkala (dibayar sekaligus)": 4_800_000,
            "Biaya pemakaman": 3_000_000,
        },
        24_000_000,
    ),
    benefit_case(
        "jkm-2019-12-02-pp82",
        JKM_BEN,
        "jkm",
        dt.date(2019, 12, 2),
        {
            "Santunan kematian": 20_000_000,
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
        },
        42_000_000,
    ),
    benefit_case(
        "jkm-2024",
        JKM_BEN,
        "jkm",
        dt.date(2024, 8, 17),
        {
            "Santunan kematian": 20_000_000,
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
        },
        42_000_000,
    ),
    # --- JKK death, DOMAIN §4.3: max(48 x wage, Rp20M) + 12M + 10M ---
    benefit_case(
        "jkk-death-48x",
        JKK_BEN,
        "jkk-death",
        dt.date(2024, 6, 1),
        {
            "Santunan kematian akibat kecelakaan kerja": 240_000_000,  # 48 x 5,000,000
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
        },
        262_000_000,
        wage=5_000_000,
    ),
    benefit_case(
        "jkk-death-floor",
        JKK_BEN,
        "jkk-death",
        dt.date(2024, 6, 1),
        {
            "Santunan kematian akibat kecelakaan kerja": 20_000_000,  # 48 x 400,000 = 19.2M < 20M
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
        },
        42_000_000,
        wage=400_000,
    ),
    benefit_case(
        "jkk-death-just-above-floor",
        JKK_BEN,
        "jkk-death",
        dt.date(2024, 6, 1),
        {
            "Santunan kematian akibat kecelakaan kerja": 20_000_016,  # 48 x 416,667
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
        },
        42_000_016,
        wage=416_667,
    ),
    benefit_case(
        "jkk-death-pp44-floor",
        JKK_BEN + "; " + JKM_BEN + "; §11 item 13",
        "jkk-death",
        dt.date(2018, 5, 1),
        # 48 x 300,000 = 14.4M < JKM lump sum 16.2M; periodic 24 x 200,000; funeral 3M [L]
        {
            "Santunan kematian akibat kecelakaan kerja": 16_200_000,
            "Santunan berkala (dibayar sekaligus)": 4_800_000,
            "Biaya pemakaman": 3_000_000,
        },
        24_000_000,
        wage=300_000,
    ),
    # --- disability, DOMAIN §4.3 ---
    benefit_case(
        "total-disability-56x",
        JKK_BEN,
        "jkk-total-disability",
        dt.date(2024, 6, 1),
        {"Santunan cacat total tetap": 168_000_000},
        168_000_000,
        wage=3_000_000,
    ),
    benefit_case(
        "partial-disability-10pct",
        JKK_BEN,
        "jkk-partial-disability",
        dt.date(2024, 6, 1),
        {"Santunan cacat sebagian": 24_000_000},
        24_000_000,  # 10% x 80 x 3,000,000
        wage=3_000_000,
        percent=D(10),
    ),
    benefit_case(
        "partial-disability-2.5pct",
        JKK_BEN,
        "jkk-partial-disability",
        dt.date(2024, 6, 1),
        {"Santunan cacat sebagian": 5_000_000},
        5_000_000,  # 2.5% x 80 x 2,500,000
        wage=2_500_000,
        percent=D("2.5"),
    ),
    # --- STMB, DOMAIN §4.3: days 1-365 at 100%, then 50%; daily wage = wage / 30 ---
    benefit_case(
        "stmb-365-days",
        JKK_BEN,
        "stmb",
        dt.date(2024, 6, 1),
        {"STMB hari ke-1 s.d. 365 (100%)": 36_500_000},
        36_500_000,  # 365 x 100,000
        wage=3_000_000,
        days=365,
    ),
    benefit_case(
        "stmb-366-days-crosses-12-months",
        JKK_BEN,
        "stmb",
        dt.date(2024, 6, 1),
        {"STMB hari ke-1 s.d. 365 (100%)": 36_500_000, "STMB hari ke-366 s.d. 366 (50%)": 50_000},
        36_550_000,  # + 1 x 100,000 x 50%
        wage=3_000_000,
        days=366,
    ),
    benefit_case(
        "stmb-10-days-rounding",
        JKK_BEN,
        "stmb",
        dt.date(2024, 6, 1),
        {"STMB hari ke-1 s.d. 10 (100%)": 333_333},
        333_333,  # 10 x 1,000,000 / 30
        wage=1_000_000,
        days=10,
    ),
    # --- scholarships, DOMAIN §4.2 ---
    benefit_case(
        "scholarship-36-full-months",
        SCHOLAR,
        "scholarship",
        dt.date(2023, 3, 15),
        # SD 6 x 1.5M + SMP 3 x 2M + SMA 3 x 3M + PT 5 x 12M = 84M
        {"Beasiswa anak ke-1 (SD s.d. perguruan tinggi, paling banyak)": 84_000_000},
        84_000_000,
        membership_start=dt.date(2020, 3, 15),
        children=("sd",),
    ),
    benefit_case(
        "scholarship-35-months-30-days",
        SCHOLAR,
        "scholarship",
        dt.date(2022, 12, 31),
        {},
        0,
        membership_start=dt.date(2020, 1, 1),
        children=("sd",),
    ),
    benefit_case(
        "scholarship-two-children",
        SCHOLAR,
        "scholarship",
        dt.date(2024, 1, 10),
        # TK 2 x 1.5M + 84M = 87M; PT 5 x 12M = 60M
        {
            "Beasiswa anak ke-1 (TK s.d. perguruan tinggi, paling banyak)": 87_000_000,
            "Beasiswa anak ke-2 (perguruan tinggi, paling banyak)": 60_000_000,
        },
        147_000_000,
        membership_start=dt.date(2015, 7, 1),
        children=("tk", "pt"),
    ),
    benefit_case(
        "scholarship-third-child-not-counted",
        SCHOLAR,
        "scholarship",
        dt.date(2024, 1, 10),
        {
            "Beasiswa anak ke-1 (SMA s.d. perguruan tinggi, paling banyak)": 69_000_000,
            "Beasiswa anak ke-2 (SMP s.d. perguruan tinggi, paling banyak)": 75_000_000,
        },
        144_000_000,
        membership_start=dt.date(2015, 7, 1),
        children=("sma", "smp", "sd"),
    ),
    # --- scholarships before PP 82/2019 (DOMAIN corrections, December 2026): JKM deaths up to
    # 1 Dec 2019 need 5 years (60 full months) of contributions; one child, Rp12,000,000 at once.
    benefit_case(
        "scholarship-pp44-60-full-months-one-child-lump-sum",
        SCHOLAR_PP44,
        "scholarship",
        dt.date(2019, 6, 15),
        # 15 Jun 2014 + 60 months = 15 Jun 2019: qualifies; the second child is not counted
        {"Beasiswa anak ke-1 (sekaligus)": 12_000_000},
        12_000_000,
        membership_start=dt.date(2014, 6, 15),
        children=("smp", "sd"),
    ),
    benefit_case(
        "scholarship-pp44-59-months-none",
        SCHOLAR_PP44,
        "scholarship",
        dt.date(2019, 6, 15),
        # 16 Jun 2014 + 60 months = 16 Jun 2019 > 15 Jun 2019: 59 full months
        {},
        0,
        membership_start=dt.date(2014, 6, 16),
        children=("sd",),
    ),
    benefit_case(
        "scholarship-pp44-36-months-no-longer-enough",
        SCHOLAR_PP44,
        "scholarship",
        dt.date(2018, 7, 1),
        # 36 full months: enough under PP 82/2019, not before it
        {},
        0,
        membership_start=dt.date(2015, 7, 1),
        children=("smp", "sd"),
    ),
    benefit_case(
        "jkm-2019-06-15-47-months-cash-only",
        JKM_BEN + "; " + SCHOLAR_PP44,
        "jkm",
        dt.date(2019, 6, 15),
        # `calc benefit jkm --event-date 2019-06-15 --membership-start 2015-07-01 --child sd`:
        # 47 full months < 60, so Rp24,000,000 and no Rp12,000,000 scholarship
        {
            "Santunan kematian": 16_200_000,
            "Santunan berkala (dibayar sekaligus)": 4_800_000,
            "Biaya pemakaman": 3_000_000,
        },
        24_000_000,
        membership_start=dt.date(2015, 7, 1),
        children=("sd",),
    ),
    benefit_case(
        "jkm-2019-12-01-36-months-pp44-none",
        JKM_BEN + "; " + SCHOLAR_PP44,
        "jkm",
        dt.date(2019, 12, 1),
        # the day before the PP 82/2019 date: 36 months are not the 60 PP 44/2015 asks for
        {
            "Santunan kematian": 16_200_000,
            "Santunan berkala (dibayar sekaligus)": 4_800_000,
            "Biaya pemakaman": 3_000_000,
        },
        24_000_000,
        membership_start=dt.date(2016, 12, 1),
        children=("sd",),
    ),
    benefit_case(
        "jkm-2019-12-02-36-months-pp82-two-children",
        JKM_BEN + "; " + SCHOLAR,
        "jkm",
        dt.date(2019, 12, 2),
        # PP 82/2019 from 2 Dec 2019: 36 months suffice. Scholarships were paid only from 1 April
        # 2021 (Permenaker 5/2021): the schedule starts at school year 2020/2021 and leaves out
        # 2019/2020: SD 5 x 1.5M + SMP 3 x 2M + SMA 3 x 3M + PT 5 x 12M = 82.5M;
        # SMA 2 x 3M + PT 5 x 12M = 66M
        {
            "Santunan kematian": 20_000_000,
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
            "Beasiswa anak ke-1 (SD s.d. perguruan tinggi, paling banyak)": 82_500_000,
            "Beasiswa anak ke-2 (SMA s.d. perguruan tinggi, paling banyak)": 66_000_000,
        },
        190_500_000,
        membership_start=dt.date(2016, 12, 2),
        children=("sd", "sma"),
    ),
    benefit_case(
        "jkk-death-scholarship-no-minimum",
        JKK_BEN + "; " + SCHOLAR,
        "jkk-death",
        dt.date(2024, 6, 1),
        # 262M + SMA 3 x 3M + PT 5 x 12M = 69M, joined 1 month before
        {
            "Santunan kematian akibat kecelakaan kerja": 240_000_000,
            "Santunan berkala (dibayar sekaligus)": 12_000_000,
            "Biaya pemakaman": 10_000_000,
            "Beasiswa anak ke-1 (SMA s.d. perguruan tinggi, paling banyak)": 69_000_000,
        },
        331_000_000,
        wage=5_000_000,
        membership_start=dt.date(2024, 5, 1),
        children=("sma",),
    ),
]


@pytest.mark.parametrize(("ref", "benefit_type", "event", "extra", "expected", "total"), BENEFITS)
def test_benefit(
    params: Parameters,
    ref: str,
    benefit_type: str,
    event: dt.date,
    extra: dict[str, object],
    expected: dict[str, int],
    total: int,
) -> None:
    assert ref.startswith("DOMAIN §")
    if "wage" in extra:
        extra = {**extra, "wage": D(extra["wage"])}  # type: ignore[arg-type]
    result = calculate_benefit(BenefitInput(type=benefit_type, event_date=event, **extra), params)  # type: ignore[arg-type]
    assert {line.item: int(line.amount) for line in result.lines} == expected
    assert result.total == total


def test_scholarship_schedule_is_yearly_from_the_event_year(params: Parameters) -> None:
    """DOMAIN §4.2: SMA 3 years at Rp3M then PT 5 years at Rp12M; year 1 = the event's year."""
    result = calculate_benefit(
        BenefitInput("scholarship", dt.date(2024, 1, 10), dt.date(2015, 7, 1), children=("sma",)),
        params,
    )
    assert [(s.child, s.year, s.level, int(s.amount)) for s in result.schedule] == [
        (1, 2024, "sma", 3_000_000),
        (1, 2025, "sma", 3_000_000),
        (1, 2026, "sma", 3_000_000),
        (1, 2027, "pt", 12_000_000),
        (1, 2028, "pt", 12_000_000),
        (1, 2029, "pt", 12_000_000),
        (1, 2030, "pt", 12_000_000),
        (1, 2031, "pt", 12_000_000),
    ]
    assert any("23 tahun" in note for note in result.notes)


def test_third_child_gets_a_note(params: Parameters) -> None:
    result = calculate_benefit(
        BenefitInput(
            "scholarship", dt.date(2024, 1, 10), dt.date(2015, 7, 1), children=("sma", "smp", "sd")
        ),
        params,
    )
    assert (
        "Anak ke-3 (SD) tidak dihitung: beasiswa paling banyak 2 anak (PP 82/2019)." in result.notes
    )


def test_pp44_scholarship_note_cites_five_years(params: Parameters) -> None:
    """The refusal names the months counted, the 60 asked for and the regulation (DOMAIN.md names
    no article for the 60 months, so none is asserted)."""
    result = calculate_benefit(
        BenefitInput("jkm", dt.date(2019, 6, 15), dt.date(2015, 7, 1), children=("sd",)), params
    )
    assert (
        "Tidak ada beasiswa jalur JKM: masa iur 47 bulan penuh sejak 01-07-2015, kurang dari 60 "
        "bulan (PP 44/2015)." in result.notes
    )
    assert result.schedule == ()
