"""``cakupan nik check``: JSON shape and values against the region data in the test database."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cakupan.wilayah.models import Region

pytestmark = pytest.mark.django_db

LUWU_TIMUR = {
    "province": {"code": "73", "name": "Sulawesi Selatan"},
    "regency": {"code": "73.24", "name": "Kabupaten Luwu Timur"},
    "district": {"code": "73.24.01", "name": "Mangkutana"},
}


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command("nik", "check", *args, "--json")
    return json.loads(capsys.readouterr().out)


def test_region_names_used_below_are_in_the_database() -> None:
    names = dict(
        Region.objects.filter(code__in=["73", "73.24", "73.24.01", "91", "93.01"]).values_list(
            "code", "name"
        )
    )
    assert names == {
        "73": "Sulawesi Selatan",
        "73.24": "Kabupaten Luwu Timur",
        "73.24.01": "Mangkutana",
        "91": "Papua",
        "93.01": "Kabupaten Merauke",
    }
    assert not Region.objects.filter(code__startswith="91.01").exists()


def test_valid_luwu_timur_nik(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "7324 0117 0880 0001", "--sex", "L", "--birth-date", "1980-08-17")
    assert data == {
        "nik": "7324011708800001",
        "valid": True,
        "errors": [],
        "warnings": [],
        "sex": "L",
        "birth_date": "1980-08-17",
        "region": LUWU_TIMUR,
    }


def test_valid_woman(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "7324015708800001", "--sex", "p")
    assert (data["valid"], data["sex"], data["birth_date"]) == (True, "P", "1980-08-17")


def test_invalid_nik_exits_zero_and_lists_errors(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "7324013102800000", "--sex", "P")
    assert data["nik"] == "7324013102800000"
    assert data["valid"] is False
    assert [e["code"] for e in data["errors"]] == [
        "nik_birth_date_invalid",
        "nik_sequence_zero",
        "nik_sex_mismatch",
    ]
    assert all(set(e) == {"code", "message"} and e["message"] for e in data["errors"])
    assert data["errors"][2]["message"] == (
        "NIK menunjukkan laki-laki (tanggal lahir tidak ditambah 40), data menyebut perempuan."
    )
    assert data["warnings"] == []
    assert (data["sex"], data["birth_date"]) == ("L", None)
    assert data["region"] == LUWU_TIMUR


def test_birth_date_mismatch(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "7324011708800001", "--birth-date", "1980-08-18")
    assert data["errors"] == [
        {
            "code": "nik_birth_date_mismatch",
            "message": "Tanggal lahir di NIK 17-08-1980, data menyebut 18-08-1980.",
        }
    ]


def test_pre_split_merauke_nik_is_valid_with_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "9101015708900001")
    assert data["valid"] is True
    assert data["errors"] == []
    assert [w["code"] for w in data["warnings"]] == ["nik_regency_unknown"]
    assert "91.01" in data["warnings"][0]["message"]
    assert "pemekaran" in data["warnings"][0]["message"]
    assert data["region"] == {
        "province": {"code": "91", "name": "Papua"},
        "regency": {"code": "91.01", "name": None},
        "district": {"code": "91.01.01", "name": None},
    }
    assert (data["sex"], data["birth_date"]) == ("P", "1990-08-17")


def test_unknown_kecamatan_is_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "7324991708800001")
    assert data["valid"] is True
    assert [w["code"] for w in data["warnings"]] == ["nik_district_unknown"]
    assert data["region"]["district"] == {"code": "73.24.99", "name": None}


def test_unknown_province(capsys: pytest.CaptureFixture[str]) -> None:
    data = run_json(capsys, "9924011708800001")
    assert [e["code"] for e in data["errors"]] == ["nik_province_unknown"]
    assert data["region"]["province"] == {"code": "99", "name": None}


def test_no_usable_digits_gives_raw_input_and_null_regions(
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = run_json(capsys, "7.32401E+15")
    assert data == {
        "nik": "7.32401E+15",
        "valid": False,
        "errors": [data["errors"][0]],
        "warnings": [],
        "sex": None,
        "birth_date": None,
        "region": {"province": None, "regency": None, "district": None},
    }
    assert data["errors"][0]["code"] == "nik_excel_damaged"


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("nik", "check", "9101015708900001")
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "NIK 9101015708900001: valid",
        "  Peringatan: " + out.splitlines()[1].removeprefix("  Peringatan: "),
        "  Jenis kelamin: perempuan (P)",
        "  Tanggal lahir: 17-08-1990",
        "  Provinsi: 91 Papua",
        "  Kabupaten/kota: 91.01 (tidak ada di data wilayah)",
        "  Kecamatan: 91.01.01 (tidak ada di data wilayah)",
    ]
    assert out.splitlines()[1].endswith("[nik_regency_unknown]")


def test_text_output_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("nik", "check", "732401170880001")
    assert capsys.readouterr().out.splitlines() == [
        "NIK '732401170880001': tidak valid",
        "  Kesalahan: NIK harus 16 digit, ditemukan 15 digit. [nik_length]",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["--sex", "X"],
            "Jenis kelamin harus L (laki-laki) atau P (perempuan), bukan 'X'.",
            id="sex",
        ),
        pytest.param(
            ["--birth-date", "2020-13-01"],
            "Tanggal lahir harus tanggal yang ada, berformat YYYY-MM-DD, bukan '2020-13-01'.",
            id="birth-date-month-13",
        ),
        pytest.param(
            ["--birth-date", "17-08-1980"],
            "Tanggal lahir harus tanggal yang ada, berformat YYYY-MM-DD, bukan '17-08-1980'.",
            id="birth-date-dd-mm-yyyy",
        ),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("nik", "check", "7324011708800001", *args, "--json")
    assert excinfo.value.returncode == 2
    assert str(excinfo.value) == message
