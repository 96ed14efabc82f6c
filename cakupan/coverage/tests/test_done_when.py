"""Issue 11's figures on the demo data, through the CLI as JSON (seeds/000 and seeds/002)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from cakupan.accounts.audit import Actor
from cakupan.coverage.models import ParticipantCount
from cakupan.demo.services import demo_load
from cakupan.testing.factories import make_membership

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command(*args, "--json")
    return json.loads(capsys.readouterr().out)


def test_the_reports_figures_on_the_demo(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    demo_load(actor=Actor.system(source="cli", label="test"))

    # Luwu Timur on 9 November 2022: UCJ 48.3% of about 113,000 potential workers ...
    stats = run(capsys, "stats", "73.24", "--on", "2022-11-09")
    assert stats["ucj"] == {
        "numerator": 54_637,
        "denominator": 113_120,
        "percent": "48.3",
        "status": "ok",
        "numerator_as_of": "2022-10-31",
        "numerator_source": "BPJS Ketenagakerjaan Kantor Cabang Malili, peserta aktif bulanan (data demo)",
        "denominator_as_of": "2022-01-01",
        "denominator_source": "BPJS Ketenagakerjaan, sasaran potensi pekerja 2022 (data demo)",
    }
    # ... and the existing calibrated figures are unchanged.
    assert (stats["by_segment"]["non_asn"], stats["desa_with_village_officials"]) == (4535, 27)

    # ... 7th of the 24 kabupaten/kota of Sulawesi Selatan.
    ranking = run(
        capsys,
        "coverage",
        "ranking",
        "--province",
        "73",
        "--indicator",
        "ucj",
        "--on",
        "2022-11-09",
    )
    regions = ranking["regions"]
    assert len(regions) == 24
    assert [r["rank"] for r in regions] == list(range(1, 25))
    lutim = next(r for r in regions if r["code"] == "73.24")
    assert (lutim["rank"], lutim["value"], lutim["numerator"], lutim["denominator"]) == (
        7,
        "48.3",
        54_637,
        113_120,
    )
    assert [r["name"] for r in regions[:2]] == ["Kota Makassar", "Kota Parepare"]
    assert all(r["change"] is not None for r in regions)

    # Follow-up: the 98 desa of Luwu Timur without a protected official (125 - 27) ...
    lists = run(capsys, "coverage", "followup", "--region", "73.24", "--on", "2022-11-09")["lists"]
    without = lists["desa_without_officials"]
    assert (without["available"], without["count"]) == (True, 98)
    assert len({r["desa_code"] for r in without["rows"]}) == 98
    assert all(r["unit"].startswith("Pemerintah Desa ") for r in without["rows"])
    # ... and the 289 of Konawe Selatan on 27 October 2021 (336 - 47).
    path = tmp_path / "konsel.xlsx"
    konsel = run(
        capsys,
        "coverage",
        "followup",
        "--region",
        "74.05",
        "--on",
        "2021-10-27",
        "--xlsx",
        str(path),
    )
    assert konsel["lists"]["desa_without_officials"]["count"] == 289
    book = openpyxl.load_workbook(path, read_only=True)
    assert book.sheetnames == [
        "Ringkasan",
        "Desa tanpa aparat",
        "Desa di bawah target",
        "Kepesertaan berakhir",
        "BPU akan nonaktif",
        "Formasi kosong",
    ]
    assert book["Desa tanpa aparat"].max_row == 1 + 289

    # Buol's target of 100 pekerja rentan per desa: every desa is below it in the demo.
    buol = run(capsys, "coverage", "followup", "--region", "72.05", "--on", "2024-05-29")
    below = buol["lists"]["desa_below_rentan_target"]
    assert below["count"] == stats_desa(capsys, "72.05", "2024-05-29")
    assert {(r["covered"], r["target"]) for r in below["rows"]} == {(0, 100)}


def stats_desa(capsys: pytest.CaptureFixture[str], code: str, on: str) -> int:
    return int(run(capsys, "stats", code, "--on", on)["desa"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["ranking", "--province", "99", "--indicator", "ucj"],
            "Kode wilayah tidak dikenal: 99",
        ),
        (
            ["ranking", "--province", "73.24", "--indicator", "ucj"],
            "73.24 Kabupaten Luwu Timur bukan provinsi.",
        ),
        (
            ["ranking", "--province", "73", "--indicator", "rasio"],
            "Indikator tidak dikenal: rasio (pilihan: ucj, ucj_working_population, "
            "desa_officials, posts_filled, posts_filled_non_asn, posts_filled_village, "
            "posts_filled_perangkat_desa, rentan_target, rentan_registered)",
        ),
        (
            ["ranking", "--province", "72", "--indicator", "ucj", "--on", "2022-11-09"],
            "Belum ada data pembanding untuk UCJ di Sulawesi Tengah per 09-11-2022.",
        ),
        (
            ["ranking", "--province", "73", "--indicator", "ucj", "--on", "2020-12-31"],
            "Belum ada data pembanding untuk UCJ di Sulawesi Selatan per 31-12-2020.",
        ),
        (["followup", "--region", "73.24", "--on", "2021-13-01"], "Tanggal tidak valid"),
        (["followup", "--region", "00.00"], "Kode wilayah tidak dikenal: 00.00"),
        (["followup", "--region", "73.24", "--on", "2010-01-01"], "Belum ada data kepesertaan"),
    ],
)
def test_coverage_command_bad_input_exits_2(args: list[str], message: str) -> None:
    make_membership(start_date=dt.date(2021, 1, 1))
    ParticipantCount.objects.create(
        region_id="73.24",
        as_of=dt.date(2022, 10, 31),
        pu=1,
        bpu=0,
        construction=0,
        source="x",
    )
    with pytest.raises(CommandError) as excinfo:
        call_command("coverage", *args)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)
