"""The KSO report of Luwu Timur on 9 November 2022 (seeds/000), as PDF and XLSX, on the demo."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import openpyxl
import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from cakupan.accounts.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


def test_kso_pdf_and_xlsx_show_the_reported_figures(tmp_path: Path) -> None:
    pdf, xlsx = tmp_path / "kso.pdf", tmp_path / "kso.xlsx"
    call_command("report", "kso", "--region", "73.24", "--on", "2022-11-09", "--out", str(pdf))
    call_command("report", "kso", "--region", "73.24", "--on", "2022-11-09", "--out", str(xlsx))

    text = pdf_text(pdf.read_bytes())
    assert "PEMERINTAH KABUPATEN LUWU TIMUR" in text
    assert "Keadaan per 9 November 2022" in text
    for sentence in (
        "Pegawai pemerintah non-ASN terlindungi: 4.535 orang.",
        "Aparat desa dan BPD terlindungi: 274 orang di 27 dari 125 desa.",
        "Pekerja keagamaan terlindungi: 1.483 orang.",
        "Pekerja rentan terlindungi: 1.665 orang.",
        "UCJ 48,3%: 54.637 peserta aktif dari 113.120 sasaran potensi pekerja, peringkat 7 "
        "dari 24 kabupaten/kota di provinsi.",
        "98 dari 125 desa belum mempunyai satu pun aparat desa atau anggota BPD terlindungi.",
        "Iuran satu pekerja rentan setahun 2023 (BPU, JKK dan JKM, penghasilan Rp1.000.000): "
        "Rp201.600 (dua ratus satu ribu enam ratus rupiah).",
    ):
        assert sentence in text
    assert "Lampiran: desa tanpa aparat desa/BPD terlindungi" in text

    book = openpyxl.load_workbook(xlsx, read_only=True)
    assert book.sheetnames == [
        "Ringkasan",
        "Indikator",
        "Tren",
        "Segmen",
        "Kelompok pekerjaan",
        "Kecamatan",
        "Desa tanpa aparat",
        "Klaim dan iuran",
        "Pekerja rentan",
        "Tindak lanjut",
        "Lampiran desa",
    ]
    summary = {
        row[0]: row[1:4]
        for row in book["Ringkasan"].iter_rows(values_only=True)
        if row and isinstance(row[1], int | float)
    }
    assert summary["Pegawai pemerintah non-ASN terlindungi"][0] == 4535
    assert summary["Aparat desa dan BPD terlindungi"][0] == 274
    assert summary["Desa dengan aparat desa/BPD terlindungi"][:2] == (27, 125)
    assert summary["Pekerja keagamaan terlindungi"][0] == 1483
    assert summary["Pekerja rentan terlindungi"][0] == 1665
    assert summary["Universal Coverage Jamsostek (UCJ)"] == (54637, 113120, 48.3)
    annex = list(book["Lampiran desa"].iter_rows(values_only=True))
    assert sum(1 for row in annex if row and isinstance(row[0], int)) == 98
    kecamatan = list(book["Kecamatan"].iter_rows(values_only=True))
    total = next(row for row in kecamatan if row and row[0] == "Jumlah")
    assert total[2:5] == (274, 27, 125)


def test_kso_download_and_button() -> None:
    client = Client()
    client.force_login(User.objects.get(username="admin.lutim"))
    page = client.get("/cakupan/73.24/?on=2022-11-09")
    assert b"/laporan/kso/73.24.pdf?on=2022-11-09" in page.content
    response = client.get("/laporan/kso/73.24.pdf?on=2022-11-09")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "4.535" in pdf_text(response.content)
    response = client.get("/laporan/kso/73.24.xlsx?on=2022-11-09")
    assert response.status_code == 200
    # Out of scope, or not seeing the whole kabupaten: no report.
    for username in ("admin.bulukumba", "camat.malili", "opd.disdik.lutim"):
        client.force_login(User.objects.get(username=username))
        assert client.get("/laporan/kso/73.24.pdf").status_code == 404
    client.logout()
    assert client.get("/laporan/kso/73.24.pdf").status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--region", "73.24.04", "--out", "x.pdf"], "bukan kabupaten/kota"),
        (["--region", "99.99", "--out", "x.pdf"], "Kode wilayah tidak dikenal"),
        (["--region", "73.24", "--on", "2022-13-01", "--out", "x.pdf"], "Tanggal tidak valid"),
        (["--region", "73.24", "--out", "x.doc"], "berakhiran .pdf atau .xlsx"),
    ],
)
def test_bad_input_exits_2(args: list[str], message: str) -> None:
    with pytest.raises(CommandError) as excinfo:
        call_command("report", "kso", *args)
    assert excinfo.value.returncode == 2
    assert message in str(excinfo.value)


def test_the_english_kso_report_writes_amounts_and_its_letterhead_in_english() -> None:
    """Read in English (the language chosen on the site), the report's amounts in words and its
    letterhead are English too; the figures and region names are the same."""
    client = Client()
    client.force_login(User.objects.get(username="admin.lutim"))
    client.cookies["django_language"] = "en"
    response = client.get("/laporan/kso/73.24.pdf?on=2022-11-09")
    assert response.status_code == 200
    text = pdf_text(response.content)
    assert "GOVERNMENT OF KABUPATEN LUWU TIMUR" in text
    assert "PEMERINTAH" not in text
    assert "Rp201.600 (two hundred one thousand six hundred rupiah)" in text
    assert "rupiah)" in text and " ribu " not in text and " juta " not in text


@pytest.mark.parametrize(
    ("language", "axis", "date"),
    [("id", "Mei 22", "9 Mei 2022"), ("en", "May 22", "9 May 2022")],
)
def test_the_report_writes_months_in_the_readers_language(
    language: str, axis: str, date: str
) -> None:
    from cakupan.common.labels import local_long_date
    from cakupan.reports.kso import _short_month

    with translation.override(language):
        assert (_short_month(dt.date(2022, 5, 1)), local_long_date(dt.date(2022, 5, 9))) == (
            axis,
            date,
        )
