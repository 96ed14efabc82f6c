"""NIK hygiene (issue 13, item 5): no NIK in a URL, in an audit note or in a log line; read-only
roles see NIK, phone, KK and wage masked, with a "tampilkan" that asks a reason and is logged."""

from __future__ import annotations

import logging
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Action, AuditEvent, User
from cakupan.common import pii
from cakupan.common.logs import ScrubbingFormatter
from cakupan.registry.models import MembershipStatus, Person, Segment
from cakupan.testing.factories import make_membership, make_person
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db
PHONE = "081234565678"
KK = "7324040101200003"
WAGE = Decimal(2_750_000)


@pytest.fixture
def andi(persona_world: PersonaWorld) -> Person:
    person = make_person(name="Andi Saputra", phone=PHONE, kk_number=KK)
    make_membership(
        person=person,
        unit=persona_world.pemerintah_desa,
        segment=Segment.PERANGKAT_DESA,
        wage=WAGE,
    )
    return person


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _search(client: Client, url: str, **fields: str) -> object:
    return client.post(url, {"_cari": "1", **fields})


# --- no NIK in a URL ----------------------------------------------------------------------------


def test_the_person_search_is_posted_and_the_url_holds_only_a_token(
    andi: Person, admin_kabupaten: User
) -> None:
    client = signed_in(admin_kabupaten)
    form = client.get(reverse("registry:person_list")).content.decode()
    assert '<form class="search" method="post"' in form
    assert (
        'hx-post="/orang/"' in form and "hx-get" not in form.split("<form", 1)[1].split("</form")[0]
    )

    response = _search(client, "/orang/", q=andi.nik)
    assert response.status_code == 303  # type: ignore[attr-defined]
    location = response["Location"]  # type: ignore[index]
    assert re.fullmatch(r"/orang/\?cari=[A-Za-z0-9_-]{12}", location)
    page = client.get(location)
    assert page.status_code == 200
    assert [p.pk for p in page.context["page_obj"]] == [andi.pk]
    html = page.content.decode()
    # The text is in the search box (the page is not stored: no-store), in no link or address.
    assert html.count(andi.nik) == 1 and f'name="q" value="{andi.nik}"' in html
    assert not re.search(r'(href|hx-get|hx-post|action)="[^"]*' + andi.nik, html)


def test_htmx_search_follows_the_redirect_and_pushes_the_token_url(
    andi: Person, admin_kabupaten: User
) -> None:
    client = signed_in(admin_kabupaten)
    response = client.post(
        "/kepesertaan/",
        {"_cari": "1", "q": andi.nik, "segment": Segment.PERANGKAT_DESA},
        headers={"HX-Request": "true"},
        follow=True,
    )
    assert response.status_code == 200
    pushed = response["HX-Push-Url"]
    assert re.fullmatch(r"/kepesertaan/\?segment=perangkat_desa&cari=[A-Za-z0-9_-]{12}", pushed)
    assert [m.person_id for m in response.context["page_obj"]] == [andi.pk]


def test_an_old_link_with_a_nik_is_moved_to_a_token_and_tokens_stay_in_their_session(
    andi: Person, admin_kabupaten: User, superadmin: User
) -> None:
    client = signed_in(admin_kabupaten)
    response = client.get("/orang/", {"q": andi.nik, "page": "1"})
    assert response.status_code == 303
    location = response["Location"]
    assert andi.nik not in location and "cari=" in location and "page" not in location
    assert [p.pk for p in client.get(location).context["page_obj"]] == [andi.pk]
    # Another session does not know the token: it searches for nothing (all its people).
    other = signed_in(superadmin).get(location)
    assert other.status_code == 200 and other.context["query"] == ""


def test_a_search_post_without_the_csrf_token_is_refused(admin_kabupaten: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_kabupaten)
    assert client.post("/orang/", {"_cari": "1", "q": "andi"}).status_code == 403


def test_the_claims_search_is_posted_too(admin_kabupaten: User) -> None:
    page = signed_in(admin_kabupaten).get(reverse("claims:claim_list")).content.decode()
    assert '<form class="panel filters" method="post" action="/klaim/"' in page


# --- audit notes and logs -----------------------------------------------------------------------


def test_the_audit_note_of_a_nik_search_holds_the_masked_nik_and_a_keyed_hash(
    andi: Person, admin_kabupaten: User
) -> None:
    client = signed_in(admin_kabupaten)
    client.post("/orang/", {"_cari": "1", "q": andi.nik}, follow=True)
    event = AuditEvent.objects.filter(entity="registry.person", entity_id="*").latest("id")
    assert event.note == f"daftar; pencarian: {pii.nik_token(andi.nik)}"
    assert andi.nik not in event.note
    assert event.note.startswith(f"daftar; pencarian: {andi.masked_nik}#")


def test_configured_log_handlers_scrub_niks() -> None:
    # The handlers of the settings' LOGGING (pytest adds capture handlers of its own beside them).
    handlers = logging.getLogger().handlers + logging.getLogger("django.server").handlers
    ours = [h for h in handlers if type(h) is logging.StreamHandler]
    assert len(ours) == 2
    assert all(isinstance(h.formatter, ScrubbingFormatter) for h in ours)


# --- masked for read-only roles, "tampilkan" with a reason --------------------------------------


def _facts(client: Client, person: Person) -> str:
    return client.get(reverse("registry:person_detail", args=[person.pk])).content.decode()


@pytest.mark.parametrize("role", ["pimpinan", "camat"])
def test_read_only_roles_see_nik_phone_kk_and_wage_masked(
    andi: Person, request: pytest.FixtureRequest, role: str
) -> None:
    page = _facts(signed_in(request.getfixturevalue(role)), andi)
    assert andi.masked_nik in page and andi.nik not in page
    assert "0812****5678" in page and PHONE not in page
    assert "7324********0003" in page and KK not in page
    assert "Rp2.750.000" not in page and "Rp •••" in page
    assert f'action="/orang/{andi.pk}/tampilkan/"' in page


def test_writers_see_the_data_in_full(andi: Person, admin_kabupaten: User) -> None:
    page = _facts(signed_in(admin_kabupaten), andi)
    assert andi.nik in page and PHONE in page and KK in page and "Rp2.750.000" in page
    assert "tampilkan/" not in page


def test_tampilkan_asks_a_reason_and_logs_it(andi: Person, pimpinan: User) -> None:
    client = signed_in(pimpinan)
    url = reverse("privacy:person_reveal", args=[andi.pk])
    assert client.get(url).status_code == 405  # never by a link: the reason travels in the body
    short = client.post(url, {"alasan": "cek"})
    assert short.status_code == 400
    assert "Alasan terlalu singkat: tulis paling sedikit 10 karakter." in short.content.decode()
    assert andi.nik not in short.content.decode()

    before = AuditEvent.objects.count()
    reason = f"verifikasi klaim peserta NIK {andi.nik}"
    shown = client.post(url, {"alasan": reason})
    assert shown.status_code == 200
    page = shown.content.decode()
    assert andi.nik in page and PHONE in page and KK in page and "Rp2.750.000" in page
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.entity, event.entity_id, event.actor_id) == (
        Action.VIEW,
        "registry.person",
        str(andi.pk),
        pimpinan.pk,
    )
    assert (
        event.note
        == f"tampilkan data lengkap: verifikasi klaim peserta NIK {pii.nik_token(andi.nik)}"
    )


def test_tampilkan_outside_the_scope_is_404(andi: Person, persona_world: PersonaWorld) -> None:
    from cakupan.accounts.models import Role
    from cakupan.testing.factories import make_user

    elsewhere = make_user(role=Role.PIMPINAN, region="74.05", username="bupati.konsel")
    response = signed_in(elsewhere).post(
        reverse("privacy:person_reveal", args=[andi.pk]), {"alasan": "ingin tahu saja ya"}
    )
    assert response.status_code == 404


def test_membership_wage_is_masked_then_revealed(andi: Person, camat: User) -> None:
    membership = andi.memberships.get()
    client = signed_in(camat)
    page = client.get(reverse("registry:membership_detail", args=[membership.pk])).content.decode()
    assert "Rp2.750.000" not in page and "Rp •••" in page
    shown = client.post(
        reverse("privacy:membership_reveal", args=[membership.pk]),
        {"alasan": "rekonsiliasi upah dengan OPD"},
    )
    assert "Rp2.750.000" in shown.content.decode()
    event = AuditEvent.objects.latest("id")
    assert event.note == (f"tampilkan data lengkap: rekonsiliasi upah dengan OPD; person={andi.pk}")


def test_bpjs_sees_in_full_only_the_people_handed_to_it(
    andi: Person, persona_world: PersonaWorld, petugas_bpjs: User
) -> None:
    client = signed_in(petugas_bpjs)
    assert andi.nik in _facts(client, andi)  # an active membership: the branch's work
    draft = make_person(name="Budi Draf", phone=PHONE)
    make_membership(
        person=draft,
        unit=persona_world.pemerintah_desa,
        segment=Segment.BPD,
        status=MembershipStatus.DRAFT,
    )
    page = _facts(client, draft)
    assert draft.nik not in page and draft.masked_nik in page and PHONE not in page
