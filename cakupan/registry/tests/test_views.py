"""Registry pages: login, scope (404), search, htmx fragments, the access log, headers, language."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views import defaults

from cakupan.accounts.models import Action, AuditEvent, User
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment
from cakupan.testing.factories import make_membership, make_person, make_unit
from cakupan.testing.personas import PersonaWorld

BULUKUMBA = "73.02"

# NIKs written out so that the search expectations are readable.
NIK_SITI = "7324015203900001"  # kecamatan 73.24.01, woman born 12-03-1990
NIK_ANDI = "7324011708850002"  # kecamatan 73.24.01, man born 17-08-1985
NIK_BASO = "7324021708850003"  # kecamatan 73.24.02
NIK_OUTSIDE = "7302011708850004"  # Bulukumba: outside every Luwu Timur user's scope


@dataclass
class Data:
    user: User
    siti: Person
    andi: Person
    baso: Person
    outside: Person
    m_siti: Membership
    m_andi: Membership
    m_baso: Membership
    m_outside: Membership


@pytest.fixture
def data(persona_world: PersonaWorld, admin_kabupaten: User) -> Data:
    """People of the personas' world: Siti in the desa, Andi and Baso in the OPD, one outside."""
    desa = persona_world.desa
    desa_unit = persona_world.pemerintah_desa
    opd = persona_world.opd
    outside_unit = make_unit(region=BULUKUMBA, name="Dinas Sosial Bulukumba")
    siti = make_person(
        name="Siti Aminah",
        sex="P",
        birth_date=dt.date(1990, 3, 12),
        nik=NIK_SITI,
        domicile=desa.code,
        phone="081234567890",
        kk_number="7324011203100007",
    )
    andi = make_person(name="Andi Saputra", nik=NIK_ANDI)
    baso = make_person(name="Andi Baso", district="73.24.02", nik=NIK_BASO)
    outside = make_person(name="Andi Bulukumba", district="73.02.01", nik=NIK_OUTSIDE)
    return Data(
        user=admin_kabupaten,
        siti=siti,
        andi=andi,
        baso=baso,
        outside=outside,
        m_siti=make_membership(
            person=siti,
            unit=desa_unit,
            segment=Segment.PERANGKAT_DESA,
            funding_source="apbdes_add",
            kpj_number="12345678901",
            programmes=["jkk", "jkm", "jht"],
        ),
        m_andi=make_membership(
            person=andi,
            unit=opd,
            status=MembershipStatus.ENDED,
            start_date=dt.date(2020, 1, 1),
            end_date=dt.date(2022, 12, 31),
        ),
        m_baso=make_membership(person=baso, unit=opd),
        m_outside=make_membership(person=outside, unit=outside_unit),
    )


@pytest.fixture
def client_in(data: Data, client: Client) -> Client:
    client.force_login(data.user)
    return client


def _pages(data: Data) -> list[str]:
    return [
        reverse("registry:home"),
        reverse("registry:person_list"),
        reverse("registry:person_detail", args=[data.siti.pk]),
        reverse("registry:membership_list"),
        reverse("registry:membership_detail", args=[data.m_siti.pk]),
    ]


def _rows(response: Any) -> list[Any]:
    return list(response.context["page_obj"].object_list)


# --- login, scope, headers ---------------------------------------------------------------------


def test_every_page_requires_login(data: Data, client: Client) -> None:
    login = reverse("accounts:login")
    for url in _pages(data):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next=")


def test_every_page_answers_200_in_scope(data: Data, client_in: Client) -> None:
    for url in _pages(data):
        assert client_in.get(url).status_code == 200, url


def test_out_of_scope_details_are_404_and_logged_only_as_denials(
    data: Data, client_in: Client
) -> None:
    before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    person = client_in.get(reverse("registry:person_detail", args=[data.outside.pk]))
    membership = client_in.get(reverse("registry:membership_detail", args=[data.m_outside.pk]))
    missing = client_in.get(reverse("registry:person_detail", args=[10**9]))
    assert (person.status_code, membership.status_code, missing.status_code) == (404, 404, 404)
    assert "Halaman tidak ditemukan" in person.content.decode()
    # No view of personal data; each refusal is one "denied" row (accounts.middleware), the
    # unknown id exactly like the out-of-scope ones.
    rows = AuditEvent.objects.filter(id__gt=before).order_by("id")
    assert [(e.action, e.entity_id, (e.after or {}).get("path")) for e in rows] == [
        (Action.DENIED, "registry:person_detail", f"/orang/{data.outside.pk}/"),
        (Action.DENIED, "registry:membership_detail", f"/kepesertaan/{data.m_outside.pk}/"),
        (Action.DENIED, "registry:person_detail", f"/orang/{10**9}/"),
    ]


def test_operator_desa_cannot_open_an_opd_membership(
    data: Data, client: Client, operator_desa: User
) -> None:
    assert operator_desa.unit == data.m_siti.unit
    client.force_login(operator_desa)
    assert (
        client.get(reverse("registry:membership_detail", args=[data.m_siti.pk])).status_code == 200
    )
    assert (
        client.get(reverse("registry:membership_detail", args=[data.m_baso.pk])).status_code == 404
    )
    assert client.get(reverse("registry:person_detail", args=[data.baso.pk])).status_code == 404


def test_signed_in_pages_are_no_store_and_carry_the_csp(data: Data, client_in: Client) -> None:
    for url in _pages(data):
        response = client_in.get(url)
        assert "no-store" in response["Cache-Control"], url
        csp = response["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp
        assert "style-src 'self'" in csp


def test_pages_have_no_inline_script_or_style(data: Data, client_in: Client) -> None:
    for url in _pages(data):
        html = client_in.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert "<style" not in html, url
        assert not re.search(r"\sstyle=", html), url
        assert not re.search(r"\son[a-z]+=", html), url
        assert "django_htmx/htmx-2.min.js" in html  # htmx served from our own static files


# --- language ----------------------------------------------------------------------------------


def test_pages_speak_indonesian(data: Data, client_in: Client) -> None:
    html = client_in.get(reverse("registry:home")).content.decode()
    assert '<html lang="id">' in html
    for text in (
        "Beranda",
        "Orang",
        "Kepesertaan",
        "Keluar",
        "Admin kabupaten/kota",
        "Kabupaten Luwu Timur",
    ):
        assert text in html
    assert 'href="/admin/"' not in html  # the Admin link is for superadmins only


def test_language_switch_to_english(data: Data, client_in: Client) -> None:
    response = client_in.post(
        reverse("set_language"), {"language": "en", "next": reverse("registry:person_list")}
    )
    assert response.status_code == 302
    html = client_in.get(reverse("registry:person_list")).content.decode()
    assert '<html lang="en">' in html
    assert "Search by NIK or name" in html
    assert "People" in html


def test_superadmin_sees_the_admin_link(data: Data, client: Client, superadmin: User) -> None:
    client.force_login(superadmin)
    html = client.get(reverse("registry:home")).content.decode()
    assert 'href="/admin/"' in html
    assert "Seluruh wilayah" in html


# --- person list and search ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (NIK_ANDI, {"andi"}),
        ("7324 0117 0885 0002", {"andi"}),  # separators are ignored
        ("732401", {"siti", "andi"}),  # NIK prefix, 6 digits
        ("7324", set()),  # fewer than 6 digits is not a NIK prefix, and no name has digits
        ("andi", {"andi", "baso"}),  # a name part; Andi Bulukumba is out of scope
        ("saputra ANDI", {"andi"}),  # every word, any order, any case
        (NIK_OUTSIDE, set()),  # out of scope even by full NIK
        ("", {"siti", "andi", "baso"}),
    ],
)
def test_person_search(data: Data, client_in: Client, query: str, expected: set[str]) -> None:
    response = client_in.post(
        reverse("registry:person_list"), {"_cari": "1", "q": query}, follow=True
    )
    assert response.status_code == 200
    assert set(_rows(response)) == {getattr(data, name) for name in expected}


def test_person_list_masks_the_nik(data: Data, client_in: Client) -> None:
    html = client_in.get(reverse("registry:person_list")).content.decode()
    assert data.siti.masked_nik in html
    assert NIK_SITI not in html


def test_htmx_search_returns_only_the_table_fragment(data: Data, client_in: Client) -> None:
    response = client_in.post(
        reverse("registry:person_list"),
        {"_cari": "1", "q": "siti"},
        headers={"HX-Request": "true"},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert [t.name for t in response.templates] == [
        "registry/snippets/person_table.html",
        "snippets/downloads.html",
        "registry/snippets/pagination.html",
    ]
    assert "<table" in html and "Siti Aminah" in html and "Andi" not in html
    # One row, Siti's, with her masked NIK and birth date ({% masked_nik %}).
    nik = (
        '<span class="nik">7324********0001</span><span class="nik-beside">lahir 12-03-1990</span>'
    )
    assert html.count('<span class="nik">') == 1 and nik in html
    assert "<html" not in html and '<nav class="main-nav"' not in html and "<form" not in html
    assert "HX-Request" in response["Vary"]


def test_htmx_history_restore_gets_the_whole_page(data: Data, client_in: Client) -> None:
    response = client_in.get(
        reverse("registry:person_list"),
        headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
    )
    assert "<html" in response.content.decode()


def test_person_list_pages_by_50(data: Data, client_in: Client) -> None:
    desa = data.siti.domicile_id
    for n in range(50):
        make_person(name=f"Warga {n:02d}", domicile=desa)
    first = client_in.get(reverse("registry:person_list"))
    second = client_in.get(reverse("registry:person_list"), {"page": 2})
    assert len(_rows(first)) == 50
    assert len(_rows(second)) == 3
    assert "Halaman 1 dari 2" in first.content.decode()
    assert 'rel="next"' in first.content.decode()
    assert len(_rows(client_in.get(reverse("registry:person_list"), {"page": "x"}))) == 50


# --- person detail ------------------------------------------------------------------------------


def test_person_detail_shows_the_person_and_their_visible_memberships(
    data: Data, client_in: Client
) -> None:
    html = client_in.get(reverse("registry:person_detail", args=[data.siti.pk])).content.decode()
    for text in (
        NIK_SITI,
        "Siti Aminah",
        "Perempuan",
        "12-03-1990",
        data.siti.domicile.name,  # type: ignore[union-attr]
        "081234567890",
        "7324011203100007",
        data.m_siti.unit.name,
        "Kepala desa dan perangkat desa",
        "APBDes (ADD)",
        "Penerima Upah (PU)",
        "JKK",
        "JKM",
        "JHT",
        "Rp2.500.000",
        "01-01-2021",
        "Aktif",
        "12345678901",
    ):
        assert text in html, text


def test_person_detail_writes_one_view_event(data: Data, client_in: Client) -> None:
    before = AuditEvent.objects.count()
    client_in.get(reverse("registry:person_detail", args=[data.andi.pk]))
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.entity, event.entity_id) == (
        Action.VIEW,
        "registry.person",
        str(data.andi.pk),
    )
    assert (event.actor_id, event.source, event.actor_label) == (data.user.pk, "web", "admin.lutim")


# --- memberships --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, {"m_siti", "m_andi", "m_baso"}),
        ({"segment": Segment.PERANGKAT_DESA}, {"m_siti"}),
        ({"status": MembershipStatus.ENDED}, {"m_andi"}),
        ({"q": "andi"}, {"m_andi", "m_baso"}),
        ({"q": "732401", "status": MembershipStatus.ACTIVE}, {"m_siti"}),
        ({"q": NIK_OUTSIDE}, set()),
        (
            {"segment": "bukan-segmen", "status": "?"},
            {"m_siti", "m_andi", "m_baso"},
        ),  # unknown filters ignored
    ],
)
def test_membership_list_filters(
    data: Data, client_in: Client, params: dict[str, str], expected: set[str]
) -> None:
    response = client_in.post(
        reverse("registry:membership_list"), {"_cari": "1", **params}, follow=True
    )
    assert set(_rows(response)) == {getattr(data, name) for name in expected}


def test_membership_list_htmx_fragment(data: Data, client_in: Client) -> None:
    response = client_in.get(
        reverse("registry:membership_list"), {"status": "ended"}, headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert response.templates[0].name == "registry/snippets/membership_table.html"
    assert "<html" not in html and "<select" not in html
    assert "Andi Saputra" in html and "31-12-2022" in html and "Berakhir" in html


def test_membership_detail_shows_and_logs(data: Data, client_in: Client) -> None:
    before = AuditEvent.objects.count()
    response = client_in.get(reverse("registry:membership_detail", args=[data.m_siti.pk]))
    html = response.content.decode()
    for text in (
        "Siti Aminah",
        data.siti.masked_nik,
        "Rp2.500.000",
        "Aktif",
        "12345678901",
        "01-01-2021",
    ):
        assert text in html, text
    assert NIK_SITI not in html  # the full NIK is on the person page only
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.action, event.entity, event.entity_id, event.source) == (
        Action.VIEW,
        "registry.membership",
        str(data.m_siti.pk),
        "web",
    )


# --- error pages --------------------------------------------------------------------------------


def test_error_pages_render_in_indonesian(data: Data, rf: RequestFactory) -> None:
    # 500.html is rendered without a request or context processors (Django's server_error).
    server_error = defaults.server_error(rf.get("/"))
    assert server_error.status_code == 500
    assert "Terjadi kesalahan di server" in server_error.content.decode()

    request = rf.get("/kepesertaan/1/")
    request.user = data.user
    denied = defaults.permission_denied(request, PermissionDenied())
    assert denied.status_code == 403
    assert "Akses ditolak" in denied.content.decode()


def test_list_pages_log_the_records_they_show(data: Data, client_in: Client) -> None:
    before = AuditEvent.objects.count()
    client_in.post(reverse("registry:person_list"), {"_cari": "1", "q": "andi"}, follow=True)
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1
    assert event is not None
    assert (event.action, event.entity, event.entity_id, event.note) == (
        Action.VIEW,
        "registry.person",
        "*",
        "daftar; pencarian: andi",
    )
    assert event.after == {
        "shown": sorted(
            [data.andi.pk, data.baso.pk], key=lambda pk: (Person.objects.get(pk=pk).name, pk)
        )
    }
    client_in.get(reverse("registry:membership_list"), {"segment": "perangkat_desa"})
    event = AuditEvent.objects.order_by("-id").first()
    assert event is not None
    assert (event.entity, event.after) == ("registry.membership", {"shown": [data.m_siti.pk]})
    client_in.post(
        reverse("registry:person_list"), {"_cari": "1", "q": "tidak-ada-orang-ini"}, follow=True
    )
    assert AuditEvent.objects.count() == before + 2  # an empty page shows nobody: nothing to log
