"""The follow-up lists' downloads follow the reader's language: sheet names and headers included."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Role
from cakupan.coverage.tests.conftest import ON, World
from cakupan.testing.factories import make_user

MALILI = "73.24.04"
Q = {"on": ON.isoformat()}
SHEETS = {
    "id": [
        "Ringkasan",
        "Desa tanpa aparat",
        "Desa di bawah target",
        "Kepesertaan berakhir",
        "BPU akan nonaktif",
        "Formasi kosong",
    ],
    "en": [
        "Summary",
        "Villages without officials",
        "Villages below target",
        "Memberships ending",
        "BPU about to lapse",
        "Vacant posts",
    ],
}
HEADERS = {
    "id": ["Kode desa", "Desa", "Kecamatan", "Pekerja rentan terlindungi", "Target", "Kekurangan"],
    "en": [
        "Village code",
        "Village (desa)",
        "Subdistrict (kecamatan)",
        "Protected vulnerable workers",
        "Target",
        "Shortfall",
    ],
}


@pytest.mark.parametrize("language", ["id", "en"])
def test_follow_up_downloads_are_in_the_readers_language(
    world: World, client: Client, language: str
) -> None:
    client.force_login(make_user(role=Role.CAMAT, region=MALILI))
    client.cookies["django_language"] = language
    url = reverse("coverage:followup", kwargs={"code": MALILI})
    xlsx = client.get(url, {**Q, "unduh": "xlsx"})
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == SHEETS[language]
    below = next(book[SHEETS[language][2]].iter_rows(max_row=1, values_only=True))
    assert list(below[:6]) == HEADERS[language]
    csv = client.get(url, {**Q, "unduh": "csv", "daftar": "desa_below_rentan_target"})
    assert csv.status_code == 200
    first = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()[0]  # type: ignore[attr-defined]
    assert first.split(",")[:6] == HEADERS[language]
