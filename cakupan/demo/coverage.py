"""Demo denominators and BPJS participant counts for the 24 kabupaten/kota of Sulawesi Selatan.

Calibrated to the KSO meeting of 9 November 2022 (seeds/000): Luwu Timur's UCJ is 48.3 % of about
113,000 potential workers (54,637 of 113,120, "55.000 ... dari sasaran potensi kurang lebih
113.000") and it ranks 7th of the 24 kabupaten/kota of the province. Every other regency gets a
UCJ on that day chosen so that six are above Luwu Timur and seventeen below (:data:`UCJ_2022`).

History: a participant count at the end of every month from January 2021 to December 2026 (the
branch's monthly figures), so the charts show a trend: each regency's UCJ grows by its own rate a
year from the calibrated month, with a little seeded noise except in October 2022, the month the
meeting's figures come from. Potential workers (BPJS TK) are dated 1 January of each year and
grow 1.2 % a year; the working population (BPS Sakernas, August) is about 1.24 times the potential.
Buol's "100 pekerja rentan di setiap desa" (seeds/004) is its target per desa from 2024.

Everything goes through the same loaders and services as a branch's or a BPS file
(``coverage.services``), as CSV made here; loading twice changes nothing. Sources say "data demo".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from decimal import Decimal

from cakupan.accounts.audit import Actor
from cakupan.common.dates import shift_month
from cakupan.coverage.indicators import percent
from cakupan.coverage.services import denominators_load, participant_counts_load

SEED = 20221109
CALIBRATION_MONTH = dt.date(2022, 10, 1)  # its last day is the latest count before 2022-11-09
FIRST_MONTH = dt.date(2021, 1, 1)
LAST_MONTH = dt.date(2026, 12, 1)
POTENTIAL_GROWTH = Decimal("1.012")
BUOL = "72.05"
BUOL_TARGET_PER_DESA = 100

# code: (potential workers on 1 January 2022, UCJ % on 9 November 2022, growth in points a year)
UCJ_2022: dict[str, tuple[int, Decimal, Decimal]] = {
    "73.71": (539_110, Decimal("63.4"), Decimal("2.1")),  # Kota Makassar
    "73.72": (56_550, Decimal("57.9"), Decimal("2.4")),  # Kota Parepare
    "73.73": (69_745, Decimal("55.2"), Decimal("2.8")),  # Kota Palopo
    "73.09": (150_800, Decimal("52.6"), Decimal("3.0")),  # Maros
    "73.10": (130_065, Decimal("50.8"), Decimal("2.6")),  # Pangkajene dan Kepulauan
    "73.14": (116_870, Decimal("49.5"), Decimal("3.1")),  # Sidenreng Rappang
    "73.24": (113_120, Decimal("48.3"), Decimal("4.2")),  # Luwu Timur (seeds/000)
    "73.11": (69_745, Decimal("46.1"), Decimal("2.2")),  # Barru
    "73.15": (150_800, Decimal("44.7"), Decimal("2.5")),  # Pinrang
    "73.06": (294_060, Decimal("43.2"), Decimal("3.4")),  # Gowa
    "73.12": (88_595, Decimal("41.8"), Decimal("1.9")),  # Soppeng
    "73.02": (164_750, Decimal("40.5"), Decimal("3.6")),  # Bulukumba
    "73.13": (148_915, Decimal("39.9"), Decimal("2.0")),  # Wajo
    "73.05": (113_100, Decimal("38.6"), Decimal("2.7")),  # Takalar
    "73.16": (84_825, Decimal("37.4"), Decimal("2.3")),  # Enrekang
    "73.22": (122_525, Decimal("36.8"), Decimal("3.3")),  # Luwu Utara
    "73.08": (305_370, Decimal("35.1"), Decimal("2.9")),  # Bone
    "73.17": (139_490, Decimal("34.6"), Decimal("3.0")),  # Luwu
    "73.07": (98_020, Decimal("33.2"), Decimal("2.1")),  # Sinjai
    "73.03": (74_645, Decimal("32.7"), Decimal("2.6")),  # Bantaeng
    "73.26": (99_905, Decimal("30.9"), Decimal("1.8")),  # Toraja Utara
    "73.18": (107_445, Decimal("29.8"), Decimal("1.7")),  # Tana Toraja
    "73.01": (51_650, Decimal("28.4"), Decimal("2.4")),  # Kepulauan Selayar
    "73.04": (152_685, Decimal("26.5"), Decimal("2.2")),  # Jeneponto
}
BRANCH = {"73.24": "Kantor Cabang Malili", "73.73": "Kantor Cabang Palopo"}


def _potential(code: str, year: int) -> int:
    base = Decimal(UCJ_2022[code][0])
    return int((base * POTENTIAL_GROWTH ** (year - 2022)).to_integral_value())


def _calibrated(potential: int, target: Decimal) -> int:
    """The participant count whose share of ``potential`` rounds to exactly ``target``."""
    count = int((Decimal(potential) * target / 100).to_integral_value())
    while percent(count, potential) != target:  # pragma: no cover - rounding lands on it
        count += 1 if percent(count, potential) < target else -1  # type: ignore[operator]
    return count


def _months() -> list[dt.date]:
    months, month = [], FIRST_MONTH
    while month <= LAST_MONTH:
        months.append(month)
        month = shift_month(month, 1)
    return months


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def denominators_csv() -> bytes:
    rows: list[list[object]] = []
    for code in UCJ_2022:
        for year in range(2021, LAST_MONTH.year + 1):
            rows.append(
                [
                    code,
                    "potential_workers",
                    _potential(code, year),
                    f"{year}-01-01",
                    f"BPJS Ketenagakerjaan, sasaran potensi pekerja {year} (data demo)",
                    f"{year - 1}-12-15",
                ]
            )
        for year in range(2020, LAST_MONTH.year):
            rows.append(
                [
                    code,
                    "working_population",
                    int(_potential(code, year + 1) * Decimal("1.24")),
                    f"{year}-08-01",
                    f"BPS, Sakernas Agustus {year}: penduduk bekerja (data demo)",
                    f"{year}-11-06",
                ]
            )
    rows.append(
        [
            BUOL,
            "rentan_target_per_desa",
            BUOL_TARGET_PER_DESA,
            "2024-01-01",
            "Instruksi Bupati Buol: 100 pekerja rentan di setiap desa (seeds/004)",
            "2024-05-29",
        ]
    )
    return _csv(
        ["kode wilayah", "jenis", "nilai", "berlaku sejak", "sumber", "tanggal sumber"], rows
    )


def participants_csv() -> bytes:
    rng = random.Random(SEED)
    rows: list[list[object]] = []
    for code, (_base, target, growth) in UCJ_2022.items():
        branch = BRANCH.get(code, "Kantor Cabang")
        for month in _months():
            potential = _potential(code, month.year)
            if month == CALIBRATION_MONTH:
                total = _calibrated(potential, target)
            else:
                years = Decimal((month.year - 2022) * 12 + month.month - 10) / 12
                noise = Decimal(rng.randint(-30, 30)) / 100
                share = min(target + growth * years + noise, Decimal(95))
                total = int((Decimal(potential) * share / 100).to_integral_value())
            pu = int(total * Decimal("0.63"))
            bpu = int(total * Decimal("0.22"))
            rows.append(
                [
                    code,
                    f"{month:%Y-%m}",
                    pu,
                    bpu,
                    total - pu - bpu,
                    f"BPJS Ketenagakerjaan {branch}, peserta aktif bulanan (data demo)",
                ]
            )
    return _csv(["kode wilayah", "bulan", "pu", "bpu", "jasa konstruksi", "sumber"], rows)


def coverage_figures_ensure(*, actor: Actor) -> dict[str, int]:
    """Load the demo denominators and participant counts (idempotent: a rerun changes nothing)."""
    denominators = denominators_load(
        actor=actor, data=denominators_csv(), filename="demo-pembanding.csv"
    )
    counts = participant_counts_load(
        actor=actor, data=participants_csv(), filename="demo-peserta.csv"
    )
    for result in (denominators, counts):
        if result.issues:  # pragma: no cover - the generated files are well formed
            raise RuntimeError(f"demo coverage figures rejected: {result.issues[:3]}")
    return {
        "denominators": denominators.created + denominators.updated + denominators.unchanged,
        "participant_counts": counts.created + counts.updated + counts.unchanged,
    }
