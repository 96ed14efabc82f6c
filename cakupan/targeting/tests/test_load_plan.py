"""Loading a DTSEN list and planning from it, on a small hand-made list of Luwu Timur.

Desa Harapan (73.24.04.2001) and Laskap (73.24.04.2002) in Kecamatan Malili. The list (CSV):

row 2  A  Harapan  desil 1  household K1  born 1980-05-01
row 3  B  Harapan  desil 1  household K1  born 1990-03-02   (second of K1)
row 4  C  Harapan  desil 1  household K2  born 1985-07-07
row 5  D  Harapan  desil 2  no household  born 1970-02-02
row 6  E  Harapan  desil 1  household K3  born 1960-06-06   (67 on 1 Jan 2027: too old)
row 7  F  Harapan  desil 1  household K4  born 2009-06-06   (17 on 1 Jan 2027: too young)
row 8  G  Harapan  desil 3  household K5  born 1988-01-01   (already covered, non-ASN)
row 9  H  Laskap   desil 4  household K6  born 1999-09-09
row 10 bad NIK (15 digits)
row 11 desa of Bulukumba (73.02.10.2001): outside the region
row 12 desil 11
"""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from cakupan.accounts.models import AuditEvent
from cakupan.common.nik import make_nik
from cakupan.registry.models import Occupation, Segment
from cakupan.targeting.models import Candidate, CandidateList
from cakupan.testing.factories import make_membership, make_person, make_unit

pytestmark = pytest.mark.django_db

D = dt.date
HARAPAN, LASKAP = "73.24.04.2001", "73.24.04.2002"
OUTSIDE = "73.02.10.2001"


def nik(born: dt.date, sex: str, seq: int) -> str:
    return make_nik(district_code="73.24.04", birth_date=born, sex=sex, sequence=seq)


PEOPLE = [
    ("A", HARAPAN, 1, "K1", D(1980, 5, 1), "L"),
    ("B", HARAPAN, 1, "K1", D(1990, 3, 2), "P"),
    ("C", HARAPAN, 1, "K2", D(1985, 7, 7), "L"),
    ("D", HARAPAN, 2, "", D(1970, 2, 2), "P"),
    ("E", HARAPAN, 1, "K3", D(1960, 6, 6), "L"),
    ("F", HARAPAN, 1, "K4", D(2009, 6, 6), "L"),
    ("G", HARAPAN, 3, "K5", D(1988, 1, 1), "P"),
    ("H", LASKAP, 4, "K6", D(1999, 9, 9), "L"),
]
NIKS = {name: nik(born, sex, i) for i, (name, _d, _s, _h, born, sex) in enumerate(PEOPLE, 1)}


def dtsen_csv() -> bytes:
    lines = ["NIK;Nama;Desa;Desil;Tanggal Lahir;Pekerjaan;ID Keluarga"]
    for name, desa, desil, household, born, _sex in PEOPLE:
        job = "Nelayan" if name != "D" else "Penjual jamu"
        lines.append(f"{NIKS[name]};Warga {name};{desa};{desil};{born:%d-%m-%Y};{job};{household}")
    lines.append(f"732404010180001;Warga X;{HARAPAN};1;01-01-1980;Buruh tani;K9")
    lines.append(f"{nik(D(1981, 1, 2), 'L', 50)};Warga Y;{OUTSIDE};1;02-01-1981;Buruh tani;K10")
    lines.append(f"{nik(D(1982, 1, 3), 'L', 51)};Warga Z;{HARAPAN};11;03-01-1982;Buruh tani;K11")
    return ("\n".join(lines) + "\n").encode()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command("targeting", *args, "--json")
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def loaded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    covered = make_person(nik=NIKS["G"], sex="P", birth_date=D(1988, 1, 1))
    make_membership(person=covered, segment=Segment.NON_ASN, start_date=D(2024, 1, 1))
    path = tmp_path / "dtsen-lutim.csv"
    path.write_bytes(dtsen_csv())
    return run(capsys, "load", str(path), "--region", "73.24")


def test_load_reports_bad_rows_like_intake(loaded: dict[str, Any]) -> None:
    assert (loaded["rows"], loaded["accepted"], loaded["rejected"]) == (11, 8, 3)
    errors = [
        (i["row_number"], i["column"], i["code"])
        for i in loaded["issues"]
        if i["severity"] == "error"
    ]
    assert errors == [
        (10, "NIK", "nik_length"),
        (11, "Desa", "desa_outside_unit"),
        (12, "Desil", "desil_invalid"),
    ]
    outside = next(i for i in loaded["issues"] if i["code"] == "desa_outside_unit")
    assert outside["message"] == (
        "Desa/kelurahan 73.02.10.2001 berada di luar wilayah Kabupaten Luwu Timur (73.24)."
    )
    # "Penjual jamu" is not an occupation on the list: kept as written, with a warning.
    assert [
        (i["row_number"], i["code"]) for i in loaded["issues"] if i["severity"] == "warning"
    ] == [(5, "occupation_unlisted")]
    people = Candidate.objects.filter(candidate_list_id=loaded["list_id"])
    assert sorted(people.values_list("name", flat=True)) == [f"Warga {n}" for n in "ABCDEFGH"]
    d = people.get(name="Warga D")
    assert (d.sex, d.occupation_id, d.occupation_text, d.household) == (
        "P",
        None,
        "Penjual jamu",
        "",
    )
    assert people.get(name="Warga A").occupation_id == Occupation.objects.get(code="nelayan").pk
    assert AuditEvent.objects.filter(entity="targeting.candidate", action="create").count() == 8


def test_a_second_list_replaces_the_first(
    loaded: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p3ke.csv"
    path.write_bytes(
        f"NIK,Nama,Desa,Desil,Tgl Lahir\n{NIKS['A']},Warga A,{HARAPAN},2,01-05-1980\n".encode()
    )
    second = run(capsys, "load", str(path), "--region", "73.24", "--source", "p3ke")
    assert (second["loaded"], second["accepted"], second["replaced_people"]) == (True, 1, 8)
    assert list(CandidateList.objects.filter(is_current=True).values_list("pk", flat=True)) == [
        second["list_id"]
    ]
    assert Candidate.objects.count() == 1
    assert AuditEvent.objects.filter(entity="targeting.candidate", action="delete").count() == 8


def test_plan_order_age_covered_and_price(
    loaded: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "daftar.xlsx"
    plan = run(
        capsys, "plan", "--region", "73.24", "--year", "2027", "--per-desa", "3", "--out", str(out)
    )
    harapan = next(d for d in plan["desa"] if d["code"] == HARAPAN)
    laskap = next(d for d in plan["desa"] if d["code"] == LASKAP)
    # E too old, F too young, G covered; of A, B, C (desil 1) and D (desil 2): A and C first
    # (one per household), then B (the second of K1) before D (desil 2).
    assert (harapan["listed"], harapan["eligible"], harapan["selected"], harapan["short"]) == (
        7,
        4,
        3,
        0,
    )
    assert harapan["by_desil"] == {"1": 3}
    assert (laskap["selected"], laskap["short"]) == (1, 2)
    assert plan["excluded"] == {"age": 2, "covered": 1, "desil": 0}
    assert (plan["criteria"]["min_age"], plan["criteria"]["max_age"]) == (18, 65)
    # BPU JKK Rp10.000 + JKM Rp6.800 on the minimum income Rp1.000.000, every month of 2027.
    assert plan["price"] == {"monthly": [16_800] * 12, "person_year": 201_600}
    assert plan["criteria"]["income"] == 1_000_000
    assert plan["total"]["selected"] == 4
    assert plan["total"]["cost"] == 4 * 201_600
    assert [(p["key"], p["people"], p["amount"]) for p in plan["payers"]] == [
        (f"apbdes:{HARAPAN}", 3, 604_800),
        (f"apbdes:{LASKAP}", 1, 201_600),
    ]
    sheet = openpyxl.load_workbook(out, read_only=True)["Data"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("NIK", "Nama", "Jenis kelamin (L/P)")
    assert [(r[0], r[1], r[5], r[9], r[10], r[11]) for r in rows[1:]] == [
        (NIKS["A"], "Warga A", HARAPAN, "APBDes (ADD)", 1_000_000, "01-01-2027"),
        (NIKS["C"], "Warga C", HARAPAN, "APBDes (ADD)", 1_000_000, "01-01-2027"),
        (NIKS["B"], "Warga B", HARAPAN, "APBDes (ADD)", 1_000_000, "01-01-2027"),
        (NIKS["H"], "Warga H", LASKAP, "APBDes (ADD)", 1_000_000, "01-01-2027"),
    ]
    exported = AuditEvent.objects.get(entity="targeting.candidate", action="export")
    assert exported.after is not None
    assert len(exported.after["shown"]) == 4

    # The file goes straight into the intake: every row accepted, nothing to fix.
    make_unit(region="73.24", kind="opd", code="7324-DISNAKERTRANS")
    call_command(
        "intake",
        str(out),
        "--unit",
        "7324-DISNAKERTRANS",
        "--segment",
        "pekerja_rentan",
        "--dry-run",
        "--json",
    )
    checked = json.loads(capsys.readouterr().out)
    assert (checked["rows"], checked["accepted"], checked["errors"]) == (4, 4, [])


def test_plan_with_budget_and_desil(
    loaded: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    # Two person-years and a bit: one per desa (Harapan's A, Laskap's H), nothing more.
    plan = run(
        capsys,
        "plan",
        "--region",
        "73.24",
        "--year",
        "2027",
        "--per-desa",
        "3",
        "--budget",
        "500000",
        "--payer",
        "apbd",
    )
    assert plan["budget"] == {
        "amount": 500_000,
        "funded_per_desa": 1,
        "desa_with_one_more": 0,
        "left": 500_000 - 2 * 201_600,
    }
    assert plan["total"]["cost"] <= 500_000
    assert [(p["key"], p["people"]) for p in plan["payers"]] == [("apbd", 2)]
    # Three person-years: two per desa (Laskap has only one).
    plan = run(
        capsys,
        "plan",
        "--region",
        "73.24",
        "--year",
        "2027",
        "--per-desa",
        "3",
        "--budget",
        "604800",
    )
    assert (plan["budget"]["funded_per_desa"], plan["budget"]["desa_with_one_more"]) == (2, 0)
    assert plan["total"]["cost"] == 604_800
    assert next(d for d in plan["desa"] if d["code"] == HARAPAN)["selected"] == 2
    plan = run(
        capsys, "plan", "--region", "73.24", "--year", "2027", "--per-desa", "9", "--desil-max", "1"
    )
    assert plan["excluded"] == {"age": 2, "covered": 1, "desil": 2}
    assert plan["total"]["selected"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["plan", "--region", "73.02", "--year", "2027", "--per-desa", "5"],
            "Belum ada daftar DTSEN/P3KE untuk 73.02 Kabupaten Bulukumba.",
        ),
        (
            [
                "plan",
                "--region",
                "73.24",
                "--year",
                "2027",
                "--per-desa",
                "5",
                "--budget",
                "200000",
            ],
            "Anggaran Rp200.000 kurang dari iuran satu orang setahun (Rp201.600 untuk 2027)",
        ),
        (["plan", "--region", "73.24", "--year", "2027", "--per-desa", "0"], "paling sedikit 1"),
        (
            ["plan", "--region", "73.24", "--year", "2027", "--per-desa", "5", "--min-age", "70"],
            "Batas umur tidak valid",
        ),
        (["plan", "--region", "99.99", "--year", "2027", "--per-desa", "5"], "tidak dikenal"),
        (["load", "tidak-ada.csv", "--region", "73.24"], "Berkas tidak ditemukan"),
    ],
)
def test_bad_input_exits_2(loaded: dict[str, Any], args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("targeting", *args)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("content", "region", "message"),
    [
        (b"NIK,Nama,Desa\nx,y,z\n", "73.24", "Kolom wajib tidak ditemukan: Tanggal lahir, Desil"),
        (b"\x00\x01\x02 binary", "73.24", "Berkas tidak dapat dibaca"),
        (b"NIK,Nama,Desa,Desil,Tgl Lahir\n", "73.24.04", "bukan kabupaten/kota"),
    ],
)
def test_unusable_files_exit_2(tmp_path: Path, content: bytes, region: str, message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    with pytest.raises(CommandError) as excinfo:
        call_command("targeting", "load", str(path), "--region", region)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)


def test_xlsx_list_with_nomor_kk(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["DATA P3KE KABUPATEN LUWU TIMUR"])
    sheet.append(["No. KTP", "Nama Lengkap", "Kelurahan/Desa", "Desil", "Tgl Lahir", "No KK", "JK"])
    sheet.append(
        [NIKS["A"], "Warga A", "Harapan", "Desil 1", "01-05-1980", "7324040101200001", "L"]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "p3ke.xlsx"
    path.write_bytes(buffer.getvalue())
    result = run(capsys, "load", str(path), "--region", "73.24")
    assert (result["accepted"], result["issues"]) == (1, [])
    person = Candidate.objects.get()
    assert (person.desa_id, person.desil, person.household) == (HARAPAN, 1, "7324040101200001")


def test_budget_spends_the_rest_on_the_next_desil() -> None:
    """Budget for 5 with 3 desa of 2 each: 1 per desa, then the 2 desa whose next is poorest."""
    from cakupan.targeting.plan import _fund

    ranked = {
        "a": [{"desil": 1}, {"desil": 3}],
        "b": [{"desil": 1}, {"desil": 1}],
        "c": [{"desil": 2}, {"desil": 2}],
    }
    counts, funded, extra = _fund(ranked, 2, Decimal(10), Decimal(55))
    assert (counts, funded, extra) == ({"a": 1, "b": 2, "c": 2}, 1, 2)
