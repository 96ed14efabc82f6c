"""The audit viewer (issue 15, item 6): the history of a person, a membership and a batch on the web.

The world is the route world (:func:`~cakupan.testing.routes.build_route_world`): its batch's one
row (Andi Saputra) is committed to the registry by the desa operator, then Andi's phone number
changes through the admin path and his membership is submitted through the batch workflow.
"""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Role, Source, User
from cakupan.intake import services as intake_services
from cakupan.intake.models import ImportBatch
from cakupan.intake.workflow import batch_submit
from cakupan.registry.models import Membership, Person
from cakupan.registry.services import admin_save
from cakupan.testing.routes import RouteWorld

pytestmark = pytest.mark.django_db
ANDI = "7324041708850001"  # the one row of the world's batch, row 2 of perangkat.csv


def _client(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _andi(world: RouteWorld) -> tuple[ImportBatch, Person, Membership]:
    batch = ImportBatch.objects.get(pk=world.ids["batch"])
    desa = Actor(user=world.users_in[Role.OPERATOR_DESA], source=Source.WEB)
    intake_services.batch_process(batch=batch, actor=desa, commit=True, today=dt.date(2024, 9, 30))
    andi = Person.objects.get(nik=ANDI)
    admin = Actor(user=world.users_in[Role.SUPERADMIN], source=Source.WEB)
    andi.phone = "081355500011"
    admin_save(actor=admin, instance=andi, note="nomor HP baru")
    batch_submit(actor=desa, batch=batch)
    return batch, andi, Membership.objects.get(person=andi)


def test_a_person_created_by_a_batch_then_changed_has_the_whole_history(
    route_world: RouteWorld,
) -> None:
    batch, andi, membership = _andi(route_world)
    admin = route_world.users_in[Role.ADMIN_KABUPATEN]
    page = _client(admin).get(f"/orang/{andi.pk}/riwayat/")
    assert page.status_code == 200
    text = html.unescape(page.content.decode())
    operator = route_world.users_in[Role.OPERATOR_DESA].get_username()
    assert f"Dibuat dari batch #{batch.pk}, baris 2 berkas perangkat.csv" in text
    assert f"{operator} (web)" in text  # who committed the batch
    assert batch.file_sha256[:16] in text
    # Then the change, with who, and the field before and after.
    superadmin = route_world.users_in[Role.SUPERADMIN].get_username()
    assert f"{superadmin} (web)" in text and "nomor HP baru" in text
    assert "<td>nomor HP</td><td>–</td><td>081355500011</td>" in " ".join(text.split())
    assert text.index("Dibuat dari batch") < text.index("nomor HP baru")
    # Seeing the history is seeing personal data: logged like a detail page.
    assert AuditEvent.objects.filter(
        actor=admin, action=Action.VIEW, entity="registry.person", entity_id=str(andi.pk)
    ).exists()

    page = _client(admin).get(f"/kepesertaan/{membership.pk}/riwayat/")
    text = " ".join(html.unescape(page.content.decode()).split())
    assert f"Dibuat dari batch #{batch.pk}, baris 2 berkas perangkat.csv" in text
    assert f"batch #{batch.pk} diajukan" in text
    assert "<td>status</td><td>draft</td><td>submitted</td>" in text

    page = _client(admin).get(f"/impor/{batch.pk}/riwayat/")
    text = " ".join(html.unescape(page.content.decode()).split())
    assert page.status_code == 200
    assert "<dt>Orang baru</dt><dd>1</dd>" in text
    assert "<dt>Kepesertaan baru</dt><dd>1</dd>" in text
    assert "<td>orang baru</td><td>–</td><td>1</td>" in text  # the batch's provenance row


def test_pages_link_to_the_history_for_admins_only(route_world: RouteWorld) -> None:
    batch, andi, membership = _andi(route_world)
    admin = _client(route_world.users_in[Role.ADMIN_KABUPATEN])
    operator = _client(route_world.users_in[Role.OPERATOR_DESA])
    for page, target in [
        (f"/orang/{andi.pk}/", f"/orang/{andi.pk}/riwayat/"),
        (f"/kepesertaan/{membership.pk}/", f"/kepesertaan/{membership.pk}/riwayat/"),
        (f"/impor/{batch.pk}/", f"/impor/{batch.pk}/riwayat/"),
    ]:
        assert f'href="{target}"' in admin.get(page).content.decode()
        assert f'href="{target}"' not in operator.get(page).content.decode()
        assert operator.get(target).status_code == 403
