"""The data-subject report (issue 13, item 6; T8): everything held about one person and every
access to it, on the web (superadmin, admin kabupaten) and with ``cakupan privacy report``.

The world is the route world (:func:`~cakupan.testing.routes.build_route_world`): the secretary of a
desa in Malili who died (a membership, a January 2024 bill, an approved death claim with a spouse
and a child), plus, per test, the batch's one row committed to the registry (Andi Saputra) and the
child registered as a person of their own.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from openpyxl import load_workbook

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Role, Source, User
from cakupan.billing.models import BillLine
from cakupan.claims.models import Heir
from cakupan.intake import services as intake_services
from cakupan.intake.models import BatchMembership, ImportBatch
from cakupan.privacy import selectors
from cakupan.registry.models import Membership, Person
from cakupan.testing.factories import make_person
from cakupan.testing.routes import RouteWorld

pytestmark = pytest.mark.django_db
ANDI = "7324041708850001"  # the one row of the world's batch
MALILI_DESA = "73.24.04.2001"


def _client(user: User) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _ask(client: Client, nik: str) -> tuple[str, Any]:
    """Post the NIK as the form does; the redirect's address and the page it leads to."""
    posted = client.post("/privasi/laporan/", {"_cari": "1", "q": nik})
    assert posted.status_code == 303
    location = posted["Location"]
    return location, client.get(location)


def _deceased(world: RouteWorld) -> Person:
    return Person.objects.get(pk=world.ids["person"])


# --- who may run it -----------------------------------------------------------------------------


def test_the_report_shows_everything_held_and_every_access(route_world: RouteWorld) -> None:
    person = _deceased(route_world)
    admin = route_world.users_in[Role.ADMIN_KABUPATEN]
    # Accesses to report: the detail page, the person list, and a refusal of another kabupaten.
    _client(admin).get(f"/orang/{person.pk}/")
    _client(route_world.users_in[Role.CAMAT]).get("/orang/")
    _client(route_world.users_out[Role.ADMIN_KABUPATEN]).get(f"/orang/{person.pk}/")

    client = _client(admin)
    location, page = _ask(client, person.nik)
    assert re.fullmatch(r"/privasi/laporan/\?cari=[A-Za-z0-9_-]{12}", location)
    assert page.status_code == 200
    html = page.content.decode()
    assert person.nik not in location
    assert not re.search(r'(href|action)="[^"]*' + person.nik, html)
    assert person.name in html and person.nik in html
    report = page.context["report"]

    membership = Membership.objects.get(pk=route_world.ids["membership"])
    assert [m["id"] for m in report["memberships"]] == [membership.pk]
    assert report["memberships"][0]["unit"]["name"] == membership.unit.name
    lines = list(
        BillLine.objects.filter(person=person)
        .order_by("programme")
        .values_list("programme", "total")
    )
    assert lines  # the world's January 2024 bill
    assert sorted((b["programme"], b["total"]) for b in report["bill_lines"]) == lines
    assert {b["bill_id"] for b in report["bill_lines"]} == {route_world.ids["bill"]}
    assert [(c["role"], c["number"]) for c in report["claims"]] == [
        ("insured", route_world.names["claim"])
    ]
    assert report["intake"] == []

    accesses = [(a["actor"], a["action"], a["entity"], a["entity_id"]) for a in report["accesses"]]
    assert ("admin.lutim", Action.VIEW, "registry.person", str(person.pk)) in accesses
    viewed = [a for a in report["accesses"] if a["actor"] == "admin.lutim"]
    assert viewed[-1]["note"] == f"halaman orang /orang/{person.pk}/"
    assert ("camat", Action.VIEW, "registry.person", "*") in accesses
    denied = [a for a in report["accesses"] if a["action"] == Action.DENIED]
    assert [(a["actor"], a["status"], a["note"]) for a in denied] == [
        ("konsel", 404, f"GET /orang/{person.pk}/")
    ]
    changes = {(c["entity"], c["action"]) for c in report["changes"]}
    assert ("claims.claim", Action.UPDATE) in changes
    assert ("registry.membership", Action.UPDATE) in changes  # the death ended it

    # Running the report is itself an export of the person's data.
    last = AuditEvent.objects.filter(entity="registry.person", entity_id=str(person.pk)).first()
    assert last is not None
    assert (last.action, last.actor_id, last.note) == (
        Action.EXPORT,
        admin.pk,
        "laporan subjek data (lihat)",
    )


def test_downloads_hold_the_same_report_and_are_logged(route_world: RouteWorld) -> None:
    person = _deceased(route_world)
    client = _client(route_world.users_in[Role.SUPERADMIN])
    location, page = _ask(client, person.nik)
    token = location.split("cari=")[1]
    assert f"/privasi/laporan.json?cari={token}" in page.content.decode()

    got = client.get(f"/privasi/laporan.json?cari={token}")
    assert got.status_code == 200 and got["Content-Type"] == "application/json"
    data = json.loads(got.content)
    assert data["person"]["nik"] == person.nik
    assert [m["id"] for m in data["memberships"]] == [route_world.ids["membership"]]
    assert set(data) == {
        "generated_at",
        "generated_by",
        "person",
        "memberships",
        "intake",
        "bill_lines",
        "claims",
        "changes",
        "accesses",
    }

    got = client.get(f"/privasi/laporan.xlsx?cari={token}")
    assert got.status_code == 200
    book = load_workbook(io.BytesIO(got.content), read_only=True)
    assert book.sheetnames == [
        "Orang",
        "Kepesertaan",
        "Impor",
        "Tagihan",
        "Klaim",
        "Perubahan",
        "Akses",
    ]
    facts = {row[0]: row[1] for row in book["Orang"].iter_rows(values_only=True)}
    assert facts["nik"] == person.nik and facts["name"] == person.name
    notes = list(
        AuditEvent.objects.filter(entity="registry.person", entity_id=str(person.pk))
        .order_by("pk")
        .values_list("action", "note")
    )[-3:]
    assert notes == [
        (Action.EXPORT, "laporan subjek data (lihat)"),
        (Action.EXPORT, "laporan subjek data (JSON)"),
        (Action.EXPORT, "laporan subjek data (XLSX)"),
    ]


def test_only_superadmin_and_the_admin_of_the_persons_kabupaten_get_it(
    route_world: RouteWorld,
) -> None:
    person = _deceased(route_world)
    for role in (Role.OPERATOR_DESA, Role.CAMAT, Role.PETUGAS_BPJS, Role.PIMPINAN):
        client = _client(route_world.users_in[role])
        assert client.get("/privasi/laporan/").status_code == 403, role
        _location, page = _ask(client, person.nik)
        assert page.status_code == 403, role
    other = route_world.users_out[Role.ADMIN_KABUPATEN]
    _location, page = _ask(_client(other), person.nik)
    assert page.status_code == 404
    assert "Tidak ada orang dengan NIK 7324********" in page.content.decode()
    refused = AuditEvent.objects.filter(action=Action.DENIED, actor=other).first()
    assert refused is not None and (refused.after or {}).get("path") == "/privasi/laporan/"
    # Out of scope and unknown look the same.
    _location, unknown = _ask(
        _client(route_world.users_in[Role.ADMIN_KABUPATEN]), "7324040101990009"
    )
    assert unknown.status_code == 404
    assert "Tidak ada orang dengan NIK 7324********0009" in unknown.content.decode()


def test_an_invalid_nik_answers_400_with_the_reason(route_world: RouteWorld) -> None:
    client = _client(route_world.users_in[Role.SUPERADMIN])
    _location, page = _ask(client, "73240417088")
    assert page.status_code == 400
    assert "NIK tidak sah. NIK harus 16 digit, ditemukan 11 digit." in page.content.decode()
    token = _location.split("cari=")[1]
    assert client.get(f"/privasi/laporan.json?cari={token}").status_code == 400


def test_intake_rows_and_claims_as_heir_and_no_one_elses_data(route_world: RouteWorld) -> None:
    batch = ImportBatch.objects.get(pk=route_world.ids["batch"])
    desa = Actor(user=route_world.users_in[Role.OPERATOR_DESA], source=Source.WEB)
    intake_services.batch_process(batch=batch, actor=desa, commit=True, today=dt.date(2024, 9, 30))
    andi = Person.objects.get(nik=ANDI)
    link = BatchMembership.objects.get(batch=batch)
    child_heir = Heir.objects.get(pk=route_world.ids["heir"])
    child = make_person(nik=child_heir.nik, name=child_heir.name, sex="P", domicile=MALILI_DESA)
    actor = Actor(user=route_world.users_in[Role.ADMIN_KABUPATEN], source=Source.WEB)

    report = selectors.subject_report(actor=actor, nik=ANDI, purpose="lihat")
    assert [(r["batch_id"], r["row_number"], r["membership_id"]) for r in report["intake"]] == [
        (batch.pk, link.row_number, link.membership_id)
    ]
    assert report["person"]["name"] == andi.name

    report = selectors.subject_report(actor=actor, nik=child.nik, purpose="lihat")
    assert report["memberships"] == []
    assert [(c["role"], c["number"], c["heir"]["id"]) for c in report["claims"]] == [
        ("heir", route_world.names["claim"], child_heir.pk)
    ]
    text = json.dumps(report, default=str)
    deceased = _deceased(route_world)
    assert deceased.nik not in text and deceased.name not in text  # Pasal 33: another person's
    shown = AuditEvent.objects.filter(entity="claims.heir", entity_id="*").first()
    assert shown is not None and shown.after == {"shown": [child_heir.pk]}


def test_cli_report_json_and_errors(
    route_world: RouteWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    person = _deceased(route_world)
    call_command("privacy", "report", person.nik, "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["person"]["nik"] == person.nik
    assert data["generated_by"] == "cli:privacy report"
    event = AuditEvent.objects.filter(entity="registry.person", entity_id=str(person.pk)).first()
    assert event is not None
    assert (event.action, event.source, event.note) == (
        Action.EXPORT,
        Source.CLI,
        "laporan subjek data (CLI)",
    )
    call_command("privacy", "report", person.nik)
    text = capsys.readouterr().out
    assert f"Laporan subjek data: {person.name} (NIK {person.nik})" in text
    assert "Kepesertaan (1):" in text

    for nik, code, message in (
        ("12345", "nik_invalid", "NIK tidak sah. NIK harus 16 digit, ditemukan 5 digit."),
        (
            "7324040101990009",
            "person_unknown",
            "Tidak ada orang dengan NIK 7324********0009 dalam cakupan Anda di registri.",
        ),
    ):
        with pytest.raises(CommandError) as error:
            call_command("privacy", "report", nik, "--json")
        assert error.value.returncode == 2
        assert str(error.value) == message
        assert json.loads(capsys.readouterr().out)["error"] == {
            "code": code,
            "message": message,
            **({"details": "nik_length"} if code == "nik_invalid" else {}),
        }
