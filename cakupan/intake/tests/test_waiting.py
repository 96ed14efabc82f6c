"""What waits for whom among the import batches (the home page's panel, issue 17 item 1).

Batches are made as rows in the statuses they wait in: the selectors read status, segment, unit
and who uploaded or submitted, nothing else.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Role, User
from cakupan.intake import selectors
from cakupan.intake.models import BatchStatus
from cakupan.registry.models import Segment
from cakupan.testing.factories import make_batch, make_branch_office, make_unit, make_user
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db


def kinds(user: User) -> dict[str, int]:
    return {item.key: item.count for item in selectors.waiting_work(user=user)}


def test_each_role_sees_what_waits_for_it(
    persona_world: PersonaWorld,
    operator_desa: User,
    operator_opd: User,
    admin_kabupaten: User,
    petugas_bpjs: User,
    camat: User,
    pimpinan: User,
) -> None:
    desa = persona_world.pemerintah_desa
    dpmd_unit = make_unit(region="73.24", code="7324-DPMD-W", name="DPMD Luwu Timur")
    dpmd_unit.verifies_segments = [Segment.PERANGKAT_DESA, Segment.BPD]
    dpmd_unit.save()
    dpmd = make_user(role=Role.ADMIN_KABUPATEN, region="73.24", unit=dpmd_unit, username="dpmd")
    make_batch(desa, BatchStatus.VALIDATED, operator_desa)
    make_batch(desa, BatchStatus.COMMITTED, operator_desa)
    make_batch(desa, BatchStatus.RETURNED, operator_desa)
    make_batch(desa, BatchStatus.SUBMITTED, operator_desa)
    make_batch(desa, BatchStatus.SUBMITTED, operator_desa)
    make_batch(persona_world.opd, BatchStatus.SUBMITTED, operator_opd, segment=Segment.NON_ASN)
    make_batch(desa, BatchStatus.VERIFIED, operator_desa)
    make_batch(desa, BatchStatus.SENT, operator_desa)
    make_batch(desa, BatchStatus.REGISTERED, operator_desa)  # done: waits for nobody

    assert kinds(operator_desa) == {
        "intake.dikembalikan": 1,
        "intake.simpan": 1,
        "intake.ajukan": 1,
    }
    assert kinds(operator_opd) == {}
    # The kabupaten admin verifies every segment and sends; DPMD only its segments.
    assert kinds(admin_kabupaten) == {
        "intake.verifikasi": 3,
        "intake.kirim": 1,
        "intake.balasan": 1,
    }
    assert kinds(dpmd) == {"intake.verifikasi": 2, "intake.kirim": 1, "intake.balasan": 1}
    # The BPJS officer sends and reads the reply; it does not verify.
    assert kinds(petugas_bpjs) == {"intake.kirim": 1, "intake.balasan": 1}
    other_branch = make_user(
        role=Role.PETUGAS_BPJS,
        branch_office=make_branch_office(regions=("73.02",), name="Kantor Cabang Bulukumba"),
    )
    assert kinds(other_branch) == {}
    # Read-only roles follow what is under way in their area.
    for user, expected in ((camat, 4), (pimpinan, 5)):  # the OPD is not in the kecamatan
        [item] = selectors.waiting_work(user=user)
        assert (item.key, item.count, item.watch) == ("intake.proses", expected, True)


def test_the_link_lists_exactly_the_waiting_batches(
    persona_world: PersonaWorld, operator_desa: User, admin_kabupaten: User
) -> None:
    desa = persona_world.pemerintah_desa
    waiting = make_batch(desa, BatchStatus.SUBMITTED, operator_desa)
    make_batch(desa, BatchStatus.VERIFIED, operator_desa)
    client = Client()
    client.force_login(admin_kabupaten)
    [item, *_rest] = selectors.waiting_work(user=admin_kabupaten)
    assert item.url == f"{reverse('intake:batch_list')}?tunggu=verifikasi"
    response = client.get(item.url)
    assert [b.pk for b in response.context["page_obj"]] == [waiting.pk]
    assert "Hanya batch menunggu verifikasi Anda." in response.content.decode()
    assert len(response.context["page_obj"].object_list) == item.count
