"""Accounts an admin kabupaten manages on the web: operators of its own kabupaten, audited."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.registry.models import UnitKind
from cakupan.testing.factories import make_unit, make_user
from cakupan.testing.personas import PersonaWorld

BULUKUMBA = "73.02"


@pytest.fixture
def admin_client(client: Client, admin_kabupaten: User) -> Client:
    client.force_login(admin_kabupaten)
    return client


def _form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "username": "operator.baru",
        "first_name": "Operator",
        "last_name": "Baru",
        "email": "",
        "role": Role.OPERATOR_DESA,
        "unit": "",
    }
    data.update(changes)
    return data


def _events(user: User) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(entity="accounts.user", entity_id=str(user.pk)).order_by("id")
    )


def test_the_list_holds_the_operators_of_the_kabupaten_only(
    admin_client: Client,
    persona_world: PersonaWorld,
    operator_desa: User,
    operator_opd: User,
    camat: User,
    pimpinan: User,
    petugas_bpjs: User,
) -> None:
    elsewhere = make_user(
        role=Role.OPERATOR_OPD,
        username="opd.bulukumba",
        unit=make_unit(region=BULUKUMBA, kind=UnitKind.OPD),
    )
    response = admin_client.get(reverse("accounts:user_list"))
    assert response.status_code == 200
    shown = [row.user.username for row in response.context["rows"]]
    assert shown == ["desa.malili", "opd.disdik.lutim"]
    for other in (elsewhere, camat, pimpinan, petugas_bpjs):
        assert admin_client.get(reverse("accounts:user_detail", args=[other.pk])).status_code == 404
        response = admin_client.post(
            reverse("accounts:user_action", args=[other.pk, "reset-password"])
        )
        assert response.status_code == 404


def test_creating_an_operator_of_the_kabupaten_is_audited_and_gives_a_one_time_code(
    admin_client: Client, admin_kabupaten: User, persona_world: PersonaWorld
) -> None:
    unit = persona_world.pemerintah_desa
    response = admin_client.post(reverse("accounts:user_create"), _form(unit=unit.pk))
    assert response.status_code == 200
    user = User.objects.get(username="operator.baru")
    assert (user.role, user.unit_id, user.must_change_password) == (
        Role.OPERATOR_DESA,
        unit.pk,
        True,
    )
    assert user.check_password(response.context["code"])
    (event,) = _events(user)
    assert (event.action, event.actor_label, event.note) == (
        Action.CREATE,
        "admin.lutim",
        "web: account created with a one-time code",
    )
    assert event.after is not None
    assert (event.after["role"], event.after["unit"], event.after["password"]) == (
        "operator_desa",
        unit.pk,
        "set",
    )


@pytest.mark.parametrize("role", [Role.SUPERADMIN, Role.ADMIN_KABUPATEN, Role.PETUGAS_BPJS])
def test_no_role_at_or_above_its_own(
    admin_client: Client, persona_world: PersonaWorld, role: str
) -> None:
    response = admin_client.post(
        reverse("accounts:user_create"), _form(role=role, unit=persona_world.opd.pk)
    )
    assert response.status_code == 403
    assert not User.objects.filter(username="operator.baru").exists()


def test_no_account_in_another_kabupaten(admin_client: Client, persona_world: PersonaWorld) -> None:
    elsewhere = make_unit(region=BULUKUMBA, kind=UnitKind.PEMERINTAH_DESA)
    response = admin_client.post(reverse("accounts:user_create"), _form(unit=elsewhere.pk))
    assert response.status_code == 403
    assert not User.objects.filter(username="operator.baru").exists()
    assert not AuditEvent.objects.filter(action=Action.CREATE, entity="accounts.user").exists()


def test_re_scoping_within_the_kabupaten_is_audited_before_and_after(
    admin_client: Client, operator_desa: User, persona_world: PersonaWorld
) -> None:
    url = reverse("accounts:user_detail", args=[operator_desa.pk])
    response = admin_client.post(
        url,
        _form(
            username="desa.malili",
            role=Role.OPERATOR_OPD,
            unit=persona_world.opd.pk,
            first_name="Andi",
            last_name="",
        ),
    )
    assert response.status_code == 302
    operator_desa.refresh_from_db()
    assert (operator_desa.role, operator_desa.unit_id, operator_desa.username) == (
        Role.OPERATOR_OPD,
        persona_world.opd.pk,
        "desa.malili",
    )
    (event,) = _events(operator_desa)
    assert event.before == {
        "first_name": "",
        "role": "operator_desa",
        "unit": persona_world.pemerintah_desa.pk,
    }
    assert event.after == {
        "first_name": "Andi",
        "role": "operator_opd",
        "unit": persona_world.opd.pk,
    }
    # Out of the kabupaten: refused, nothing changed.
    elsewhere = make_unit(region=BULUKUMBA, kind=UnitKind.OPD)
    response = admin_client.post(
        url, _form(username="desa.malili", role=Role.OPERATOR_OPD, unit=elsewhere.pk)
    )
    assert response.status_code == 403
    operator_desa.refresh_from_db()
    assert operator_desa.unit_id == persona_world.opd.pk
    assert len(_events(operator_desa)) == 1


def test_deactivating_ends_the_sessions_and_is_audited(
    admin_client: Client, operator_opd: User
) -> None:
    own = Client()
    own.force_login(operator_opd)
    assert own.get("/").status_code == 200
    admin_client.post(reverse("accounts:user_action", args=[operator_opd.pk, "deactivate"]))
    assert own.get("/").status_code == 302
    (event,) = _events(operator_opd)
    assert (event.action, event.before, event.after) == (
        Action.UPDATE,
        {"is_active": True},
        {"is_active": False},
    )
    admin_client.post(reverse("accounts:user_action", args=[operator_opd.pk, "activate"]))
    operator_opd.refresh_from_db()
    assert operator_opd.is_active


@pytest.mark.parametrize(
    "fixture", ["operator_opd", "operator_desa", "camat", "pimpinan", "petugas_bpjs"]
)
def test_other_roles_get_no_user_pages(
    client: Client, request: pytest.FixtureRequest, fixture: str, operator_desa: User
) -> None:
    client.force_login(request.getfixturevalue(fixture))
    assert client.get(reverse("accounts:user_list")).status_code == 403
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert (
        client.post(
            reverse("accounts:user_action", args=[operator_desa.pk, "deactivate"])
        ).status_code
        == 403
    )


def test_a_superadmin_manages_every_other_account_but_edits_operators_only(
    client: Client, superadmin: User, admin_kabupaten: User
) -> None:
    client.force_login(superadmin)
    page = client.get(reverse("accounts:user_detail", args=[admin_kabupaten.pk]))
    assert page.status_code == 200
    assert page.context["form"] is None
    response = client.post(
        reverse("accounts:user_detail", args=[admin_kabupaten.pk]), _form(username="admin.lutim")
    )
    assert response.status_code == 403
    response = client.post(reverse("accounts:user_action", args=[admin_kabupaten.pk, "reset-mfa"]))
    assert response.status_code == 302
    assert client.get(reverse("accounts:user_detail", args=[superadmin.pk])).status_code == 404
