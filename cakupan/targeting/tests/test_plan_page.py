"""``/sasaran/``: the form's head says what is wrong: the form's errors, or why no plan."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import User

pytestmark = pytest.mark.django_db
PLAN = reverse("targeting:plan")


def _text(client: Client, query: dict[str, str]) -> str:
    response = client.get(PLAN, query)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_the_plan_form_says_what_is_wrong(client: Client, admin_kabupaten: User) -> None:
    client.force_login(admin_kabupaten)
    start = _text(client, {})
    assert "Periksa isian" not in start and "Rencana tidak dapat disusun" not in start
    bad = _text(
        client, {"region": "73.24", "year": "dua ribu", "per_desa": "10", "payer": "apbdes"}
    )
    assert "Periksa isian yang ditandai di bawah." in bad
    assert "Tulis tahun sebagai empat angka, misalnya 2027." in bad
    refused = _text(
        client, {"region": "73.24", "year": "2027", "per_desa": "10", "payer": "apbdes"}
    )
    assert (
        "<strong>Rencana tidak dapat disusun:</strong> Belum ada daftar DTSEN/P3KE untuk 73.24 "
        "Kabupaten Luwu Timur." in refused
    )


@pytest.mark.parametrize(
    ("language", "lead"),
    [
        ("id", "tiap desa paling banyak sejumlah isian “Orang per desa”, desil 1 lebih dulu"),
        ("en", "in each village at most the number entered in “People per village”, decile 1"),
    ],
)
def test_the_lead_names_the_field_that_sets_the_number_per_desa(
    client: Client, admin_kabupaten: User, language: str, lead: str
) -> None:
    client.force_login(admin_kabupaten)
    client.cookies["django_language"] = language
    text = _text(client, {})
    assert lead in text
    assert " N " not in text
