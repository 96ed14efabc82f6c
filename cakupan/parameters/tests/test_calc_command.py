"""``cakupan calc``: the JSON contract of issue 4 §3, exact values, and usage errors (exit 2)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

# The calculators read the administrators' parameter overrides from the database.
pytestmark = pytest.mark.django_db


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command("calc", *args, "--json")
    return json.loads(capsys.readouterr().out)


def run_error(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[Any, str]:
    with pytest.raises(CommandError) as excinfo:
        call_command("calc", *args, "--json")
    assert excinfo.value.returncode == 2
    return json.loads(capsys.readouterr().out), str(excinfo.value)


def test_contribution_pu_json(capsys: pytest.CaptureFixture[str]) -> None:
    """DOMAIN §2.1-2.2: March 2024, wage Rp12.000.000 over the JP cap Rp10.042.300."""
    data = run_json(
        capsys,
        "contribution",
        "--scheme",
        "pu",
        "--month",
        "2024-03",
        "--wage",
        "12.000.000",
        "--risk-class",
        "1",
        "--programs",
        "jkk,jkm,jht,jp",
    )
    explanation = data.pop("explanation")
    assert data == {
        "month": "2024-03",
        "scheme": "pu",
        "lines": [
            {
                "program": "jkk",
                "basis": 12000000,
                "rate": "0.0024",
                "employer": 28800,
                "worker": 0,
                "total": 28800,
                "source": "PP 44/2015 Lampiran I",
            },
            {
                "program": "jkm",
                "basis": 12000000,
                "rate": "0.003",
                "employer": 36000,
                "worker": 0,
                "total": 36000,
                "source": "PP 44/2015",
            },
            {
                "program": "jht",
                "basis": 12000000,
                "rate": "0.057",
                "employer": 444000,
                "worker": 240000,
                "total": 684000,
                "source": "PP 46/2015",
            },
            {
                "program": "jp",
                "basis": 10042300,
                "rate": "0.03",
                "employer": 200846,
                "worker": 100423,
                "total": 301269,
                "source": "PP 45/2015 Pasal 29",
            },
        ],
        "employer_total": 709646,
        "worker_total": 340423,
        "total": 1050069,
    }
    assert explanation[0] == "JKK kelas I: 0,24% x Rp12.000.000 = Rp28.800 (PP 44/2015 Lampiran I)"
    assert all(isinstance(line, str) for line in explanation)


def test_contribution_bpu_minimum_package(capsys: pytest.CaptureFixture[str]) -> None:
    """DOMAIN §3: income Rp1.000.000 -> JKK Rp10.000 + JKM Rp6.800 = Rp16.800."""
    data = run_json(
        capsys,
        "contribution",
        "--scheme",
        "bpu",
        "--month",
        "2025-07",
        "--income",
        "1000000",
        "--programs",
        "jkk,jkm",
    )
    assert [
        (line["program"], line["rate"], line["employer"], line["worker"]) for line in data["lines"]
    ] == [
        ("jkk", "0.01", 0, 10000),
        ("jkm", None, 0, 6800),
    ]
    assert (data["employer_total"], data["worker_total"], data["total"]) == (0, 16800, 16800)


def test_contribution_jp_dropped_at_retirement_age(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(
        capsys,
        "contribution",
        "--scheme",
        "pu",
        "--month",
        "2025-01",
        "--wage",
        "3000000",
        "--risk-class",
        "1",
        "--programs",
        "jkk,jkm,jp",
        "--birth-date",
        "1960-05-05",
    )
    assert [line["program"] for line in data["lines"]] == ["jkk", "jkm"]
    assert data["total"] == 16200
    assert any(line.startswith("Tidak ada iuran JP") for line in data["explanation"])


def test_benefit_jkk_death_json(capsys: pytest.CaptureFixture[str]) -> None:
    """DOMAIN §4.3: 48 x Rp5.000.000 + Rp12.000.000 + Rp10.000.000; SMA child on the JKK route."""
    data = run_json(
        capsys,
        "benefit",
        "jkk-death",
        "--event-date",
        "2024-06-01",
        "--wage",
        "5000000",
        "--child",
        "sma",
    )
    data.pop("explanation")
    assert data == {
        "type": "jkk-death",
        "lines": [
            {
                "item": "Santunan kematian akibat kecelakaan kerja",
                "amount": 240000000,
                "source": "PP 44/2015; PP 82/2019",
            },
            {
                "item": "Santunan berkala (dibayar sekaligus)",
                "amount": 12000000,
                "source": "PP 82/2019",
            },
            {"item": "Biaya pemakaman", "amount": 10000000, "source": "PP 82/2019"},
            {
                "item": "Beasiswa anak ke-1 (SMA s.d. perguruan tinggi, paling banyak)",
                "amount": 69000000,
                "source": "PP 82/2019",
            },
        ],
        "total": 331000000,
        "schedule": [
            {"child": 1, "year": 2024, "level": "sma", "amount": 3000000},
            {"child": 1, "year": 2025, "level": "sma", "amount": 3000000},
            {"child": 1, "year": 2026, "level": "sma", "amount": 3000000},
            {"child": 1, "year": 2027, "level": "pt", "amount": 12000000},
            {"child": 1, "year": 2028, "level": "pt", "amount": 12000000},
            {"child": 1, "year": 2029, "level": "pt", "amount": 12000000},
            {"child": 1, "year": 2030, "level": "pt", "amount": 12000000},
            {"child": 1, "year": 2031, "level": "pt", "amount": 12000000},
        ],
    }


def test_benefit_without_scholarship_has_no_schedule(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "benefit", "jkm", "--event-date", "2019-12-01")
    assert set(data) == {"type", "lines", "total", "explanation"}
    assert data["total"] == 24000000


def test_benefit_stmb_and_partial(capsys: pytest.CaptureFixture[str]) -> None:
    stmb = run_json(
        capsys,
        "benefit",
        "stmb",
        "--event-date",
        "2024-06-01",
        "--wage",
        "3000000",
        "--days",
        "366",
    )
    assert [(line["item"], line["amount"]) for line in stmb["lines"]] == [
        ("STMB hari ke-1 s.d. 365 (100%)", 36500000),
        ("STMB hari ke-366 s.d. 366 (50%)", 50000),
    ]
    partial = run_json(
        capsys,
        "benefit",
        "jkk-partial-disability",
        "--event-date",
        "2024-06-01",
        "--wage",
        "2500000",
        "--percent",
        "2,5",
    )
    assert partial["total"] == 5000000


def test_text_output_is_a_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    call_command(
        "calc",
        "contribution",
        "--scheme",
        "bpu",
        "--month",
        "2024-01",
        "--income",
        "500000",
        "--programs",
        "jkk,jkm",
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Iuran bulan 01-2024, bukan penerima upah (BPU)"
    assert out[2].split() == [
        "Program",
        "Dasar",
        "Tarif",
        "Pemberi",
        "kerja",
        "Pekerja",
        "Jumlah",
        "Dasar",
        "hukum",
    ]
    assert out[3].split()[:6] == ["JKK", "Rp500.000", "nominal", "Rp0", "Rp10.000", "Rp10.000"]
    assert out[5].split() == ["Jumlah", "Rp0", "Rp16.800", "Rp16.800"]
    assert (
        "- JKK BPU: 1% x Rp500.000 = Rp5.000, kurang dari iuran paling sedikit Rp10.000; "
        "dipakai Rp10.000 (PP 44/2015 Lampiran)" in out
    )


@pytest.mark.parametrize(
    ("command", "code"),
    [
        (
            "contribution --scheme bpu --month 2015-06 --income 1000000 --programs jkk,jkm",
            "month_out_of_range",
        ),
        ("contribution --scheme pbu --month 2024-01 --wage 1 --programs jkk,jkm", "scheme_invalid"),
        ("contribution --month 2024-01 --wage 1 --programs jkk,jkm", "scheme_invalid"),
        (
            "contribution --scheme pu --month 2024-13 --wage 1 --programs jkk,jkm --risk-class 1",
            "month_invalid",
        ),
        (
            "contribution --scheme pu --month 2024-01 --wage 3.000.000,50 --programs jkk,jkm --risk-class 1",
            "wage_invalid",
        ),
        (
            "contribution --scheme pu --month 2024-01 --wage 1 --income 1 --programs jkk,jkm --risk-class 1",
            "wage_invalid",
        ),
        (
            "contribution --scheme pu --month 2024-01 --programs jkk,jkm --risk-class 1",
            "wage_invalid",
        ),
        (
            "contribution --scheme bpu --month 2024-01 --income 1000000 --programs jkk,jkm,jp",
            "programme_not_allowed",
        ),
        (
            "contribution --scheme pu --month 2024-01 --wage 1000000 --programs jkk,jkm",
            "risk_class_required",
        ),
        (
            "contribution --scheme pu --month 2024-01 --wage 1000000 --programs jkk,jkm --risk-class 6",
            "risk_class_invalid",
        ),
        (
            "contribution --scheme pu --month 2024-01 --wage 1000000 --programs jkk,jkm,jkn --risk-class 1",
            "programme_invalid",
        ),
        (
            "contribution --scheme pu --month 2024-01 --wage 1000000 --programs jkk,jkm,jp "
            "--risk-class 1 --birth-date 1960-02-30",
            "date_invalid",
        ),
        ("benefit jht --event-date 2024-01-01", "type_invalid"),
        ("benefit jkm", "date_invalid"),
        ("benefit jkk-death --event-date 2024-01-01", "wage_required"),
        ("benefit stmb --event-date 2024-01-01 --wage 1000000 --days x", "days_invalid"),
        (
            "benefit jkk-partial-disability --event-date 2024-01-01 --wage 1000000 --percent abc",
            "percent_invalid",
        ),
        ("benefit scholarship --event-date 2024-01-01 --child sd", "membership_start_required"),
        ("benefit jkm --event-date 2024-01-01 --child s2", "child_level_invalid"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], command: str, code: str) -> None:
    data, message = run_error(capsys, *command.split())
    assert set(data) == {"error"}
    assert data["error"]["code"] == code
    assert data["error"]["message"] == message


def test_usage_error_message(capsys: pytest.CaptureFixture[str]) -> None:
    _data, message = run_error(
        capsys,
        "contribution",
        "--scheme",
        "pu",
        "--month",
        "2024-01",
        "--wage",
        "1000000",
        "--programs",
        "jkk,jkm",
    )
    assert message == "Kelas risiko JKK (1-5) wajib untuk peserta penerima upah."


def test_usage_error_without_json_prints_nothing_on_stdout(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("calc", "benefit", "jht", "--event-date", "2024-01-01")
    assert excinfo.value.returncode == 2
    assert capsys.readouterr().out == ""
