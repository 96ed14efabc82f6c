"""The registry rows that decide who may see what, changed in the Django admin, are audited.

A unit's region and parent scope its operators; a branch office's regions scope its BPJS officers.
Through the admin's own pages, as the superadmin persona.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Action, AuditEvent, User
from cakupan.testing.personas import PersonaWorld


@pytest.fixture
def admin_client(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


def _events(entity: str, pk: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(entity=entity, entity_id=str(pk)).order_by("id"))


def test_moving_a_unit_to_another_region_is_audited_with_before_and_after(
    admin_client: Client, persona_world: PersonaWorld, superadmin: User
) -> None:
    unit = persona_world.pemerintah_desa
    url = reverse("admin:registry_unit_change", args=[unit.pk])
    form = {
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "region": persona_world.kecamatan.code,
        "parent": "",
        "payer": "",
        "_save": "Simpan",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    changes = [e for e in _events("registry.unit", unit.pk) if e.action == Action.UPDATE]
    assert len(changes) == 1
    assert changes[0].before == {"region": persona_world.desa.code}
    assert changes[0].after == {"region": persona_world.kecamatan.code}
    assert changes[0].actor_id == superadmin.pk
    # Saving the same form again changes nothing and writes nothing.
    admin_client.post(url, form)
    assert len([e for e in _events("registry.unit", unit.pk) if e.action == Action.UPDATE]) == 1


def test_a_branch_office_serving_another_kabupaten_is_audited(
    admin_client: Client, persona_world: PersonaWorld
) -> None:
    office = persona_world.branch_office
    response = admin_client.post(
        reverse("admin:registry_branchoffice_change", args=[office.pk]),
        {
            "code": office.code,
            "name": office.name,
            "regions": [persona_world.kabupaten.code, "73.17"],
            "_save": "Simpan",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    changes = [e for e in _events("registry.branchoffice", office.pk) if e.action == Action.UPDATE]
    assert [(e.before, e.after) for e in changes] == [
        ({"regions": ["73.24"]}, {"regions": ["73.17", "73.24"]})
    ]
