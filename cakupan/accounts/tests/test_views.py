"""Signing in and out, and the admin: superadmins only, with audited changes to personal data."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.registry.models import Membership, Person, Segment
from cakupan.testing.factories import make_membership, make_person
from cakupan.testing.personas import PASSWORD

# --- login and logout ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_is_indonesian(client: Client) -> None:
    response = client.get(reverse("accounts:login"))
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("Masuk ke Cakupan", "Nama pengguna", "Kata sandi", '<html lang="id">'):
        assert text in html
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_login_with_the_right_password(client: Client, camat: User) -> None:
    """A role without a required second factor (the others: ``test_signin.py``)."""
    response = client.post(
        reverse("accounts:login"), {"username": "camat.malili", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:home")
    assert client.get(reverse("registry:home")).status_code == 200


def test_login_honours_a_safe_next_and_ignores_an_external_one(
    client: Client, pimpinan: User
) -> None:
    nxt = reverse("registry:person_list")
    response = client.post(
        reverse("accounts:login"), {"username": "bupati.lutim", "password": PASSWORD, "next": nxt}
    )
    assert response["Location"] == nxt
    client.logout()
    response = client.post(
        reverse("accounts:login"),
        {"username": "bupati.lutim", "password": PASSWORD, "next": "https://contoh.test/"},
    )
    assert response["Location"] == reverse("registry:home")


def test_login_with_a_wrong_password_says_so_in_indonesian(
    client: Client, superadmin: User
) -> None:
    response = client.post(reverse("accounts:login"), {"username": "admin", "password": "salah"})
    assert response.status_code == 200
    assert "Nama pengguna atau kata sandi salah." in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_inactive_account_cannot_sign_in(client: Client, operator_desa: User) -> None:
    operator_desa.is_active = False
    operator_desa.save()
    response = client.post(
        reverse("accounts:login"), {"username": "desa.malili", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client: Client, camat: User) -> None:
    client.force_login(camat)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("registry:home")).status_code == 302


# --- admin: who gets in -------------------------------------------------------------------------


@pytest.mark.django_db
def test_superadmin_gets_the_admin(client: Client, superadmin: User) -> None:
    client.force_login(superadmin)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert "Administrasi Cakupan" in response.content.decode()


@pytest.mark.parametrize("role", [role for role in Role.values if role != Role.SUPERADMIN])
def test_other_roles_never_get_admin_pages(
    client: Client, personas: dict[str, User], role: str
) -> None:
    user = personas[role]
    # Even staff (and superuser) status does not open the admin to a role other than superadmin.
    user.is_staff = True
    user.is_superuser = True
    user.save()
    client.force_login(user)
    for url in ("/admin/", "/admin/registry/person/", "/admin/accounts/user/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        if response.status_code == 302:
            assert response["Location"].startswith("/admin/login/")


def test_superadmin_role_without_staff_status_is_refused(client: Client, superadmin: User) -> None:
    superadmin.is_staff = False
    superadmin.save()
    client.force_login(superadmin)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_anonymous_is_sent_to_the_admin_login(client: Client) -> None:
    response = client.get("/admin/")
    assert response.status_code == 302


# --- admin: changes to personal data are audited ------------------------------------------------


@pytest.fixture
def superadmin_client(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


def _person_form(person: Person, **changes: str) -> dict[str, str]:
    data = {
        "nik": person.nik,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date.isoformat(),
        "domicile": person.domicile_id or "",
        "phone": person.phone,
        "kk_number": person.kk_number,
        "_save": "Simpan",
    }
    data.update(changes)
    return data


def test_admin_change_of_a_person_is_audited(superadmin_client: Client) -> None:
    person = make_person(name="Andi Saputra", phone="0811")
    url = reverse("admin:registry_person_change", args=[person.pk])
    response = superadmin_client.post(
        url, _person_form(person, name="Andi Saputra Putra", phone="0812")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person.refresh_from_db()
    assert person.name == "Andi Saputra Putra"
    event = AuditEvent.objects.get(
        action=Action.UPDATE, entity="registry.person", entity_id=str(person.pk)
    )
    assert event.before == {"name": "Andi Saputra", "phone": "0811"}
    assert event.after == {"name": "Andi Saputra Putra", "phone": "0812"}
    assert (event.source, event.actor_label, event.note) == ("web", "admin", "admin")


def test_admin_person_form_checks_the_nik_against_sex_and_birth_date(
    superadmin_client: Client,
) -> None:
    person = make_person(name="Andi Saputra")  # a man: the NIK's day of birth is below 41
    url = reverse("admin:registry_person_change", args=[person.pk])
    before = AuditEvent.objects.count()
    response = superadmin_client.post(url, _person_form(person, sex="P"))
    assert response.status_code == 200
    assert "NIK menunjukkan laki-laki" in response.content.decode()
    person.refresh_from_db()
    assert person.sex == "L"
    assert AuditEvent.objects.count() == before


def test_admin_change_page_view_is_logged(superadmin_client: Client) -> None:
    person = make_person()
    response = superadmin_client.get(reverse("admin:registry_person_change", args=[person.pk]))
    assert response.status_code == 200
    assert (
        AuditEvent.objects.filter(
            action=Action.VIEW, entity="registry.person", entity_id=str(person.pk)
        ).count()
        == 1
    )


def test_admin_add_and_delete_of_a_person_are_audited(superadmin_client: Client) -> None:
    template = make_person(name="Contoh")
    nik = template.nik[:12] + "0999"
    response = superadmin_client.post(
        reverse("admin:registry_person_add"), _person_form(template, nik=nik, name="Orang Baru")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    person = Person.objects.get(nik=nik)
    created = AuditEvent.objects.get(
        action=Action.CREATE, entity="registry.person", entity_id=str(person.pk)
    )
    assert created.before is None
    assert (
        created.after is not None
        and created.after["name"] == "Orang Baru"
        and created.after["nik"] == nik
    )

    response = superadmin_client.post(
        reverse("admin:registry_person_delete", args=[person.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Person.objects.filter(pk=person.pk).exists()
    deleted = AuditEvent.objects.get(
        action=Action.DELETE, entity="registry.person", entity_id=str(person.pk)
    )
    assert deleted.before is not None and deleted.before["nik"] == nik
    assert deleted.after is None


def test_admin_change_of_a_membership_is_audited(superadmin_client: Client) -> None:
    membership = make_membership(segment=Segment.NON_ASN)
    url = reverse("admin:registry_membership_change", args=[membership.pk])
    data = {
        "person": membership.person_id,
        "unit": membership.unit_id,
        "segment": membership.segment,
        "occupation": "",
        "funding_source": membership.funding_source,
        "scheme": membership.scheme,
        "programmes": ["jkk", "jkm", "jht"],
        "wage": "3000000",
        "risk_class": "1",
        "start_date": membership.start_date.isoformat(),
        "end_date": "",
        "status": membership.status,
        "kpj_number": "",
        "_save": "Simpan",
    }
    response = superadmin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    membership.refresh_from_db()
    assert membership.programmes == ["jkk", "jkm", "jht"]
    event = AuditEvent.objects.get(
        action=Action.UPDATE, entity="registry.membership", entity_id=str(membership.pk)
    )
    assert event.before == {"programmes": ["jkk", "jkm"], "wage": "2500000"}
    assert event.after == {"programmes": ["jkk", "jkm", "jht"], "wage": "3000000"}


def test_admin_refuses_an_overlapping_membership(superadmin_client: Client) -> None:
    membership = make_membership()
    before = Membership.objects.count()
    data = {
        "person": membership.person_id,
        "unit": membership.unit_id,
        "segment": membership.segment,
        "occupation": "",
        "funding_source": membership.funding_source,
        "scheme": membership.scheme,
        "programmes": ["jkk", "jkm"],
        "wage": "2500000",
        "risk_class": "1",
        "start_date": "2023-01-01",
        "end_date": "",
        "status": "active",
        "kpj_number": "",
        "_save": "Simpan",
    }
    response = superadmin_client.post(reverse("admin:registry_membership_add"), data)
    assert response.status_code == 200
    assert "tidak boleh tumpang tindih" in response.content.decode()
    assert Membership.objects.count() == before


def test_audit_log_is_read_only_in_the_admin(superadmin_client: Client) -> None:
    person = make_person()
    superadmin_client.get(reverse("admin:registry_person_change", args=[person.pk]))
    event = AuditEvent.objects.latest("id")
    assert superadmin_client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200
    assert superadmin_client.get(reverse("admin:accounts_auditevent_add")).status_code == 403
    assert (
        superadmin_client.get(
            reverse("admin:accounts_auditevent_delete", args=[event.pk])
        ).status_code
        == 403
    )
    page = superadmin_client.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


def test_regions_are_read_only_in_the_admin(superadmin_client: Client) -> None:
    assert (
        superadmin_client.get(reverse("admin:wilayah_region_changelist") + "?q=Luwu").status_code
        == 200
    )
    assert superadmin_client.get(reverse("admin:wilayah_region_add")).status_code == 403
    page = superadmin_client.get(reverse("admin:wilayah_region_change", args=["73.24"]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "accounts/user/",
        "accounts/user/add/",
        "registry/unit/add/",
        "registry/unitformation/add/",
        "registry/branchoffice/add/",
        "registry/cooperationagreement/add/",
        "registry/occupation/add/",
        "registry/person/add/",
        "registry/membership/add/",
        "registry/membership/",
        "wilayah/region/",
    ],
)
def test_admin_pages_render(superadmin_client: Client, path: str) -> None:
    make_membership()
    assert superadmin_client.get(f"/admin/{path}").status_code == 200


def test_admin_user_form_requires_the_scope_of_the_role(superadmin_client: Client) -> None:
    response = superadmin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "camat.baru",
            "usable_password": "true",
            "password1": "Kuda-lari-di-sawah-hijau-7",
            "password2": "Kuda-lari-di-sawah-hijau-7",
            "role": Role.CAMAT,
            "region": "73.24",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="camat.baru").exists()
    response = superadmin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "camat.baru",
            "usable_password": "true",
            "password1": "Kuda-lari-di-sawah-hijau-7",
            "password2": "Kuda-lari-di-sawah-hijau-7",
            "role": Role.CAMAT,
            "region": "73.24.01",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="camat.baru")
    assert (user.role, user.region_id, user.unit_id) == (Role.CAMAT, "73.24.01", None)


@pytest.mark.django_db
def test_createsuperuser_makes_a_superadmin() -> None:
    call_command(
        "createsuperuser", "--noinput", "--username", "root", "--email", "root@example.org"
    )
    user = User.objects.get(username="root")
    assert (user.role, user.is_superuser, user.is_staff) == ("superadmin", True, True)


@pytest.mark.django_db
def test_browser_language_does_not_override_indonesian(client: Client) -> None:
    response = client.get("/akun/masuk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "id"
    assert "Masuk" in response.content.decode()
    client.cookies["django_language"] = "en"
    response = client.get("/akun/masuk/", HTTP_ACCEPT_LANGUAGE="id")
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_csrf_failure_page_is_indonesian_and_has_no_inline_style() -> None:
    response = Client(enforce_csrf_checks=True).post(
        "/akun/masuk/", {"username": "x", "password": "y"}
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert "Formulir kedaluwarsa" in body
    assert "style=" not in body and "<style" not in body
