"""Loading denominators and participant counts from files, through the CLI and the service."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
import xlsxwriter
from django.core.management import CommandError, call_command

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent
from cakupan.coverage.loaders import parse_count, parse_day
from cakupan.coverage.models import Denominator, ParticipantCount
from cakupan.coverage.services import denominators_load

D = dt.date
pytestmark = pytest.mark.django_db

DENOMINATORS_CSV = (
    "DATA PEMBANDING CAKUPAN JAMSOSTEK SULAWESI SELATAN\n"
    "Tahun 2022\n"
    "\n"
    "Kode Wilayah;Nama Wilayah;Jenis;Nilai;Berlaku Sejak;Sumber\n"
    "73.24;Luwu Timur;sasaran potensi;113.120;2022-01-01;BPJS TK Kanwil Sulselbar\n"
    "7324;Luwu Timur;penduduk bekerja;140000;01-08-2022;BPS Sakernas Agustus 2022\n"
    "73.02;Bulukumba;sasaran potensi;abc;2022-01-01;BPJS TK\n"
    "99.99;Entah;sasaran potensi;1000;2022-01-01;BPJS TK\n"
    "73.17;Luwu;jumlah sapi;1000;2022-01-01;BPJS TK\n"
    "73.22;Luwu Utara;sasaran potensi;90000;2022-02-30;BPJS TK\n"
    "73.73;Palopo;sasaran potensi;80000;2022-01-01;\n"
    "73.24;Luwu Timur;sasaran potensi;113000;2022-01-01;BPJS TK ulang\n"
)


def write(tmp_path: Path, name: str, data: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return str(path)


def test_denominators_from_csv_with_title_rows_and_row_issues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "pembanding.csv", DENOMINATORS_CSV)
    call_command("denominators", "load", path, "--json")
    report = json.loads(capsys.readouterr().out)
    assert {k: report[k] for k in ("rows", "created", "updated", "unchanged", "rejected")} == {
        "rows": 8,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 6,
    }
    assert [(i["row"], i["column"], i["code"]) for i in report["issues"]] == [
        (7, "Nilai", "number_invalid"),
        (8, "Kode Wilayah", "region_unknown"),
        (9, "Jenis", "kind_unknown"),
        (10, "Berlaku Sejak", "date_invalid"),
        (11, "Sumber", "value_required"),
        (12, "", "duplicate_row"),
    ]
    assert report["issues"][0]["message"] == "Bukan bilangan bulat tidak negatif: abc."
    assert report["issues"][5]["message"] == (
        "Baris ini mengulang wilayah dan tanggal baris 5; baris 5 yang dipakai."
    )
    assert sorted(Denominator.objects.values_list("region_id", "kind", "valid_from", "value")) == [
        ("73.24", "potential_workers", D(2022, 1, 1), 113_120),
        ("73.24", "working_population", D(2022, 8, 1), 140_000),
    ]
    assert AuditEvent.objects.filter(entity="coverage.denominator", action="create").count() == 2


def test_a_second_load_updates_what_changed_only(tmp_path: Path) -> None:
    actor = Actor.system(source="cli", label="uji")
    header = "kode wilayah,jenis,nilai,berlaku sejak,sumber\n"
    bulukumba = "73.02,potential_workers,50,2022-01-01,A\n"
    first = f"{header}73.24,potential_workers,100,2022-01-01,A\n{bulukumba}"
    second = f"{header}73.24,potential_workers,101,2022-01-01,A\n{bulukumba}"
    denominators_load(actor=actor, data=first.encode(), filename="a.csv")
    result = denominators_load(actor=actor, data=second.encode(), filename="b.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    update = AuditEvent.objects.get(entity="coverage.denominator", action="update")
    assert (update.before, update.after) == ({"value": 100}, {"value": 101})
    dry = denominators_load(actor=actor, data=first.encode(), filename="a.csv", dry_run=True)
    assert (dry.updated, dry.dry_run) == (1, True)
    assert Denominator.objects.get(region_id="73.24").value == 101  # rolled back


def test_denominators_from_xlsx_number_cells_and_a_kind_for_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("Target")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Target pekerja rentan per desa (Instruksi Bupati)"])
    sheet.write_row(2, 0, ["Kode", "Wilayah", "Nilai", "Tanggal", "Sumber"])
    sheet.write_number(3, 0, 7205)
    sheet.write_string(3, 1, "Buol")
    sheet.write_number(3, 2, 100)
    sheet.write_datetime(3, 3, dt.datetime(2024, 1, 2), dates)
    sheet.write_string(3, 4, "Instruksi Bupati Buol")
    book.close()
    path = write(tmp_path, "target.xlsx", buffer.getvalue())
    call_command("denominators", "load", path, "--kind", "rentan_target_per_desa", "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], report["issues"]) == (1, [])
    row = Denominator.objects.get()
    assert (row.region_id, row.kind, row.value, row.valid_from) == (
        "72.05",
        "rentan_target_per_desa",
        100,
        D(2024, 1, 2),
    )


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"%PDF-1.4 bukan tabel", "file_type_unsupported", "Jenis berkas tidak didukung"),
        (
            b"a,b\n1,2\n",
            "file_no_header",
            "Baris judul kolom (kode wilayah, jenis, nilai, berlaku sejak, sumber, "
            "tanggal sumber, catatan) tidak ditemukan",
        ),
        (
            b"kode wilayah,nilai,sumber\n73.24,1,A\n",
            "file_missing_columns",
            "Kolom wajib tidak ditemukan: berlaku sejak, jenis.",
        ),
    ],
)
def test_an_unusable_file_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, code: str, message: str
) -> None:
    path = write(tmp_path, "x.csv", content)
    with pytest.raises(CommandError) as excinfo:
        call_command("denominators", "load", path, "--json")
    assert excinfo.value.returncode == 2
    printed = json.loads(capsys.readouterr().out)
    assert printed["error"]["code"] == code
    assert message in printed["error"]["message"]
    assert message in str(excinfo.value)


def test_missing_file_is_a_usage_error() -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("participants", "load", "/tidak/ada.csv")
    assert (excinfo.value.returncode, str(excinfo.value)) == (
        2,
        "Berkas tidak ditemukan: /tidak/ada.csv",
    )


def test_participant_counts_by_month(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "Kode Wilayah,Kabupaten/Kota,Bulan,PU,BPU,Jasa Konstruksi,Sumber\n"
        "73.24,Luwu Timur,2022-10,30000,20000,4637,BPJS TK Cabang Malili\n"
        "73.24,Luwu Timur,2022-13,1,1,1,BPJS TK Cabang Malili\n"
        '73.02,Bulukumba,2022-10,"12,500",3000,0,BPJS TK Cabang Bulukumba\n'
    )
    call_command("participants", "load", write(tmp_path, "peserta.csv", text), "--json")
    report = json.loads(capsys.readouterr().out)
    assert (report["created"], [(i["row"], i["code"]) for i in report["issues"]]) == (
        2,
        [(3, "month_invalid")],
    )
    assert sorted(
        ParticipantCount.objects.values_list("region_id", "as_of", "pu", "bpu", "construction")
    ) == [
        ("73.02", D(2022, 10, 31), 12_500, 3_000, 0),
        ("73.24", D(2022, 10, 31), 30_000, 20_000, 4_637),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("113000", 113_000),
        ("113.000", 113_000),
        ("113,000", 113_000),
        ("1.234.567", 1_234_567),
        ("113000.0", 113_000),  # a spreadsheet number cell
        (" 12 500 ", 12_500),
        ("113.0", 113),
        ("1.234,5", None),
        ("-5", None),
        ("12.5", None),
        ("1,234.567", None),
    ],
)
def test_parse_count(text: str, expected: int | None) -> None:
    assert parse_count(text) == expected


def test_parse_day() -> None:
    assert [
        parse_day(t)
        for t in (
            "2022-11-09",
            "2022-11-09T00:00:00",
            "09-11-2022",
            "9/11/2022",
            "2022-02-30",
            "kemarin",
        )
    ] == [D(2022, 11, 9), D(2022, 11, 9), D(2022, 11, 9), D(2022, 11, 9), None, None]
