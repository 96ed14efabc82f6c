"""The home page shows the work waiting for the user, gathered from every app."""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django.utils import timezone

from cakupan.accounts.models import User
from cakupan.coverage.waiting import waiting_work
from cakupan.intake.models import BatchStatus, ImportBatch, Phase
from cakupan.registry.models import Segment
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)


def test_home_shows_the_waiting_work_with_links(
    persona_world: PersonaWorld, operator_desa: User, admin_kabupaten: User, camat: User
) -> None:
    n = next(_numbers)
    ImportBatch.objects.create(
        unit=persona_world.pemerintah_desa,
        segment=Segment.PERANGKAT_DESA,
        created_by=operator_desa,
        submitted_by=operator_desa,
        source="web",
        file_name="perangkat.xlsx",
        file_path=f"intake/{n}",
        file_sha256=f"{n:064d}",
        file_size=10,
        status=BatchStatus.SUBMITTED,
        phase=Phase.DONE,
    )
    groups = waiting_work(admin_kabupaten, timezone.localdate())
    assert [(g.key, [i.key for i in g.items]) for g in groups] == [
        ("intake", ["intake.verifikasi"]),
        ("billing", ["billing.not_billed"]),
    ]
    client = Client()
    client.force_login(admin_kabupaten)
    page = client.get("/").content.decode()
    assert "Pekerjaan yang menunggu" in page
    assert 'data-work="intake.verifikasi"' in page and 'href="/impor/?tunggu=verifikasi"' in page
    assert "batch menunggu verifikasi Anda" in page

    client.force_login(operator_desa)
    assert "Tidak ada yang menunggu Anda saat ini." in client.get("/").content.decode()
    client.force_login(camat)
    page = client.get("/").content.decode()
    assert 'data-work="intake.proses"' in page and "waiting-watch" in page
