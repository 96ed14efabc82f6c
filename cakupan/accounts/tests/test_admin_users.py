"""Users in the Django admin: every addition, change and deletion is audited, passwords never.

Through the admin's own pages, as a superadmin (the personas), the way an administrator works.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from cakupan.accounts import services
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Role, Source, User
from cakupan.testing.personas import PASSWORD, PersonaWorld

NEW_PASSWORD = "Kuda-lari-di-sawah-hijau-7"


@pytest.fixture
def admin_client(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


def _events(user: User, action: str | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(entity="accounts.user", entity_id=str(user.pk))
    if action is not None:
        qs = qs.filter(action=action)
    return list(qs.order_by("id"))


def _change_form(user: User, **changes: Any) -> dict[str, Any]:
    """The admin's change form for ``user`` as it stands, with ``changes``."""
    joined = user.date_joined
    values: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": user.is_active,
        "is_staff": user.is_staff,
        "is_superuser": user.is_superuser,
        "groups": [g.pk for g in user.groups.all()],
        "user_permissions": [p.pk for p in user.user_permissions.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": f"{joined:%Y-%m-%d}",
        "date_joined_1": f"{joined:%H:%M:%S}",
        "role": user.role,
        "region": user.region_id or "",
        "unit": user.unit_id or "",
        "branch_office": user.branch_office_id or "",
        "_save": "Simpan",
    }
    values.update(changes)
    # An unticked checkbox is simply not sent.
    return {k: ("on" if v is True else v) for k, v in values.items() if v is not False}


def _no_secret_in(event: AuditEvent, user: User) -> None:
    text = json.dumps([event.before, event.after, event.note])
    assert user.password not in text
    assert user.password.split("$")[-1] not in text
    assert PASSWORD not in text and NEW_PASSWORD not in text


def test_adding_a_user_is_audited_with_role_scope_and_no_password(
    admin_client: Client, superadmin: User, persona_world: PersonaWorld
) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "operator.baru",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "role": Role.OPERATOR_DESA,
            "unit": persona_world.pemerintah_desa.pk,
            # A scope the role does not use is dropped by the form, not stored.
            "region": persona_world.kabupaten.code,
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="operator.baru")
    assert user.check_password(NEW_PASSWORD)
    [event] = _events(user)
    assert (event.action, event.before, event.note) == (Action.CREATE, None, "admin")
    assert (event.actor_id, event.actor_label, event.source) == (superadmin.pk, "admin", Source.WEB)
    assert event.after == {
        "username": "operator.baru",
        "first_name": "",
        "last_name": "",
        "email": "",
        "role": Role.OPERATOR_DESA,
        "region": None,
        "unit": persona_world.pemerintah_desa.pk,
        "branch_office": None,
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
        "password": "set",
        "groups": [],
        "user_permissions": [],
    }
    _no_secret_in(event, user)


def test_a_refused_addition_writes_nothing(admin_client: Client) -> None:
    before = AuditEvent.objects.count()
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "camat.baru",
            "usable_password": "false",
            "role": Role.CAMAT,
            "region": "73.24",  # a camat needs a kecamatan
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="camat.baru").exists()
    assert AuditEvent.objects.count() == before


def test_changing_role_scope_and_active_flag_is_audited_field_by_field(
    admin_client: Client, operator_desa: User, persona_world: PersonaWorld
) -> None:
    group = Group.objects.create(name="Pemeriksa")
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[operator_desa.pk]),
        _change_form(
            operator_desa,
            role=Role.CAMAT,
            region=persona_world.kecamatan.code,
            unit="",
            is_active=False,
            first_name="Rahmat",
            groups=[group.pk],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    operator_desa.refresh_from_db()
    assert (operator_desa.role, operator_desa.region_id, operator_desa.unit_id) == (
        Role.CAMAT,
        persona_world.kecamatan.code,
        None,
    )
    assert not operator_desa.is_active
    [event] = _events(operator_desa)
    assert event.action == Action.UPDATE
    assert event.before == {
        "first_name": "",
        "role": Role.OPERATOR_DESA,
        "region": None,
        "unit": persona_world.pemerintah_desa.pk,
        "is_active": True,
        "groups": [],
    }
    assert event.after == {
        "first_name": "Rahmat",
        "role": Role.CAMAT,
        "region": persona_world.kecamatan.code,
        "unit": None,
        "is_active": False,
        "groups": [group.pk],
    }
    assert list(operator_desa.groups.all()) == [group]


def test_saving_an_unchanged_user_writes_nothing(admin_client: Client, camat: User) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[camat.pk]), _change_form(camat)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert _events(camat) == []


def test_a_change_the_form_refuses_writes_nothing(admin_client: Client, camat: User) -> None:
    response = admin_client.post(
        reverse("admin:accounts_user_change", args=[camat.pk]),
        _change_form(camat, region="73.24"),  # a kabupaten, not a kecamatan
    )
    assert response.status_code == 200
    camat.refresh_from_db()
    assert camat.region_id == "73.24.04"
    assert _events(camat) == []


def test_a_new_password_is_audited_as_changed_never_logged(
    admin_client: Client, pimpinan: User
) -> None:
    old_hash = pimpinan.password
    url = reverse("admin:auth_user_password_change", args=[pimpinan.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("admin:accounts_user_change", args=[pimpinan.pk])
    pimpinan.refresh_from_db()
    assert pimpinan.check_password(NEW_PASSWORD)
    [event] = _events(pimpinan)
    assert (event.action, event.before, event.after, event.note) == (
        Action.UPDATE,
        {"password": "set"},
        {"password": "changed"},
        "admin",
    )
    assert old_hash not in json.dumps([event.before, event.after])
    _no_secret_in(event, pimpinan)
    signed_in = Client().post(
        reverse("accounts:login"), {"username": "bupati.lutim", "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302


def test_disabling_password_sign_in_is_audited(admin_client: Client, pimpinan: User) -> None:
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[pimpinan.pk]),
        {"usable_password": "false", "unset-password": "1"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    pimpinan.refresh_from_db()
    assert not pimpinan.has_usable_password()
    [event] = _events(pimpinan)
    assert (event.before, event.after) == ({"password": "set"}, {"password": "unusable"})


def test_a_refused_password_writes_nothing(admin_client: Client, pimpinan: User) -> None:
    response = admin_client.post(
        reverse("admin:auth_user_password_change", args=[pimpinan.pk]),
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": "lain"},
    )
    assert response.status_code == 200
    pimpinan.refresh_from_db()
    assert pimpinan.check_password(PASSWORD)
    assert _events(pimpinan) == []


def test_deleting_a_user_is_audited_with_what_they_were(
    admin_client: Client, petugas_bpjs: User, persona_world: PersonaWorld
) -> None:
    pk = petugas_bpjs.pk
    response = admin_client.post(reverse("admin:accounts_user_delete", args=[pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=pk).exists()
    [event] = AuditEvent.objects.filter(entity="accounts.user", entity_id=str(pk))
    assert (event.action, event.after) == (Action.DELETE, None)
    assert event.before is not None
    assert (
        event.before["username"],
        event.before["role"],
        event.before["branch_office"],
        event.before["password"],
    ) == ("bpjs.malili", Role.PETUGAS_BPJS, persona_world.branch_office.pk, "set")


def test_deleting_users_in_bulk_audits_each(
    admin_client: Client, camat: User, pimpinan: User
) -> None:
    pks = sorted([camat.pk, pimpinan.pk])
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=pks).exists()
    deleted = AuditEvent.objects.filter(entity="accounts.user", action=Action.DELETE)
    assert sorted(int(e.entity_id) for e in deleted) == pks


def test_a_user_who_acted_cannot_be_deleted_and_nothing_is_logged(
    admin_client: Client, operator_opd: User
) -> None:
    services.user_save(
        actor=Actor(user=operator_opd, source=Source.WEB), user=operator_opd, note="uji"
    )  # unchanged: no row
    AuditEvent.objects.create(
        actor=operator_opd,
        actor_label=operator_opd.username,
        source=Source.WEB,
        action=Action.VIEW,
        entity="registry.person",
        entity_id="*",
    )
    before = AuditEvent.objects.count()
    response = admin_client.post(
        reverse("admin:accounts_user_delete", args=[operator_opd.pk]), {"post": "yes"}
    )
    assert response.status_code == 200  # Django's "cannot delete" page: the audit log protects
    assert User.objects.filter(pk=operator_opd.pk).exists()
    assert AuditEvent.objects.count() == before


def test_the_service_sets_a_password_without_a_form(camat: User, superadmin: User) -> None:
    actor = Actor(user=superadmin, source=Source.CLI)
    services.user_set_password(actor=actor, user=camat, password=NEW_PASSWORD)
    services.user_set_password(actor=actor, user=camat, password=None)
    services.user_set_password(actor=actor, user=camat, password=NEW_PASSWORD)
    assert [(e.before, e.after) for e in _events(camat)] == [
        ({"password": "set"}, {"password": "changed"}),
        ({"password": "set"}, {"password": "unusable"}),
        ({"password": "unusable"}, {"password": "set"}),
    ]
    assert camat.check_password(NEW_PASSWORD)
