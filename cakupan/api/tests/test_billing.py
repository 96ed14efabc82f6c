"""Billing through the API: bills per role's scope, the bill's lines (logged, masked for readers),
payments (idempotent), arrears, and the calculators giving exactly ``cakupan calc``'s figures."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.management import call_command

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role, User
from cakupan.api.tests.conftest import ApiClient
from cakupan.billing import services
from cakupan.billing.models import Bill, Payment
from cakupan.registry.models import Person, UnitKind
from cakupan.testing.factories import make_membership, make_person, make_unit
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db

BILLS = "/api/v1/billing/bills"
MAY = dt.date(2024, 5, 1)


@dataclass
class World:
    desa: Bill
    opd: Bill
    bulukumba: Bill
    siti: Person


@pytest.fixture
def world(persona_world: PersonaWorld) -> World:
    siti = make_person(name="Siti Aminah", sex="P")
    make_membership(person=siti, unit=persona_world.pemerintah_desa, segment="perangkat_desa")
    make_membership(person=make_person(name="Andi Saputra"), unit=persona_world.opd)
    bulukumba = make_unit(region="73.02", kind=UnitKind.PEMERINTAH_DESA)
    make_membership(
        person=make_person(name="Baso Tang", district="73.02.01"),
        unit=bulukumba,
        segment="perangkat_desa",
    )
    services.billing_run(actor=Actor.system(source="cli", label="uji"), month=MAY)
    return World(
        desa=Bill.objects.get(payer=persona_world.pemerintah_desa),
        opd=Bill.objects.get(payer=persona_world.opd),
        bulukumba=Bill.objects.get(payer=bulukumba),
        siti=siti,
    )


SCOPE = {
    Role.SUPERADMIN: {"desa", "opd", "bulukumba"},
    Role.ADMIN_KABUPATEN: {"desa", "opd"},
    Role.OPERATOR_OPD: {"opd"},
    Role.OPERATOR_DESA: {"desa"},
    Role.CAMAT: {"desa"},
    Role.PETUGAS_BPJS: {"desa", "opd"},
    Role.PIMPINAN: {"desa", "opd"},
}
READERS = {Role.CAMAT, Role.PETUGAS_BPJS, Role.PIMPINAN}


@pytest.mark.parametrize("role", list(SCOPE))
def test_each_role_lists_and_reads_exactly_the_bills_of_its_scope(
    world: World,
    personas: dict[str, User],
    api_client: Callable[..., ApiClient],
    role: Role,
) -> None:
    client = api_client(personas[role])
    listed = client.get(BILLS).json()
    assert [b["id"] for b in listed["items"]] == sorted(
        getattr(world, name).pk for name in SCOPE[role]
    )
    for name in ("desa", "opd", "bulukumba"):
        bill = getattr(world, name)
        answer = client.get(f"{BILLS}/{bill.pk}")
        if name not in SCOPE[role]:
            assert answer.status_code == 404
            continue
        assert answer.status_code == 200
        body = answer.json()
        assert (body["month"], body["total"], body["paid"]) == ("2024-05", int(bill.total), 0)
        assert body["total"] == sum(line["total"] for line in body["lines"])
        if name == "desa":
            niks = {line["person_nik"] for line in body["lines"]}
            expected = world.siti.masked_nik if role in READERS else world.siti.nik
            assert niks == {expected}
    pay = client.post(
        f"{BILLS}/{world.desa.pk}/payments",
        {"amount": 1000, "paid_on": "2024-06-01", "reference": f"TRF-{role}"},
    )
    if "desa" not in SCOPE[role]:
        assert pay.status_code == 404
    elif role in READERS:
        assert pay.status_code == 403
    else:
        assert pay.status_code == 201


def test_the_bill_detail_is_written_to_the_access_log(
    world: World, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    before = AuditEvent.objects.count()
    assert client.get(f"{BILLS}/{world.desa.pk}").status_code == 200
    event = AuditEvent.objects.order_by("-id").first()
    assert AuditEvent.objects.count() == before + 1 and event is not None
    assert (event.actor_id, event.source, event.entity) == (
        admin_kabupaten.pk,
        "api",
        "registry.person",
    )
    assert event.note == f"tagihan #{world.desa.pk} (lihat)"


def test_a_payment_settles_the_bill_once_whatever_the_retries(
    world: World, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    total = int(world.desa.total)
    body = {"amount": total + 5000, "paid_on": "2024-06-10", "reference": "TRF-001"}
    key = {"Idempotency-Key": "pay-desa-2024-05"}
    first = client.post(f"{BILLS}/{world.desa.pk}/payments", body, headers=key)
    assert first.status_code == 201
    paid = first.json()
    assert paid["allocations"] == {str(world.desa.pk): total}
    assert (paid["credit"], paid["bill"]["status"], paid["bill"]["outstanding"]) == (
        5000,
        "paid",
        0,
    )
    again = client.post(f"{BILLS}/{world.desa.pk}/payments", body, headers=key)
    assert (again.status_code, again.json()) == (201, paid)
    assert Payment.objects.count() == 1
    # Without the key, the same reference is refused by the service: 409.
    duplicate = client.post(f"{BILLS}/{world.desa.pk}/payments", body)
    assert (duplicate.status_code, duplicate.json()["error"]["code"]) == (409, "payment_duplicate")
    # A bad body: 422 with the field.
    bad = client.post(
        f"{BILLS}/{world.desa.pk}/payments",
        {"amount": -5, "paid_on": "2024-13-01", "reference": ""},
    )
    assert bad.status_code == 422
    assert sorted(d["field"] for d in bad.json()["error"]["details"]) == [
        "amount",
        "paid_on",
        "reference",
    ]
    # A read-only token may not pay.
    reader = api_client(admin_kabupaten, read_only=True)
    refused = reader.post(f"{BILLS}/{world.desa.pk}/payments", {**body, "reference": "TRF-002"})
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "token_read_only")
    assert Payment.objects.count() == 1


def test_filters_and_arrears_keep_to_the_scope(
    world: World, admin_kabupaten: User, superadmin: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    by_payer = client.get(BILLS, {"payer": world.opd.payer.code}).json()
    assert [b["id"] for b in by_payer["items"]] == [world.opd.pk]
    # A payer outside the scope is unknown.
    assert client.get(BILLS, {"payer": world.bulukumba.payer.code}).status_code == 404
    assert client.get(BILLS, {"region": "73.02"}).json()["items"] == []
    assert client.get(BILLS, {"month": "2024-06"}).json()["items"] == []
    assert client.get(BILLS, {"status": "unpaid"}).json()["items"][0]["overdue"] is True
    bad = client.get(BILLS, {"month": "0001-05"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "month"

    arrears = client.get("/api/v1/billing/arrears").json()
    assert [r["payer"] for r in arrears["items"]] == sorted(
        [world.desa.payer.code, world.opd.payer.code]
    )
    assert arrears["total"] == int(world.desa.total + world.opd.total)
    everything = api_client(superadmin).get("/api/v1/billing/arrears").json()
    assert world.bulukumba.payer.code in [r["payer"] for r in everything["items"]]


def _cli(*args: str) -> Any:
    out = io.StringIO()
    call_command("calc", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def test_the_calculators_give_the_cli_figures_and_read_only_tokens_may_use_them(
    operator_desa: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(operator_desa, read_only=True)
    response = client.post(
        "/api/v1/calc/contribution",
        {
            "scheme": "pu",
            "month": "2024-05",
            "wage": 3000000,
            "programmes": ["jkk", "jkm", "jht"],
            "risk_class": 2,
        },
    )
    assert response.status_code == 200
    cli = _cli(
        "contribution", "--scheme", "pu", "--month", "2024-05", "--wage", "3000000",
        "--programs", "jkk,jkm,jht", "--risk-class", "2",
    )  # fmt: skip
    body = response.json()
    assert [(x["programme"], x["rate"], x["total"]) for x in body["lines"]] == [
        (x["program"], x["rate"], x["total"]) for x in cli["lines"]
    ]
    assert (body["total"], body["explanation"]) == (cli["total"], cli["explanation"])

    benefit = client.post(
        "/api/v1/calc/benefit",
        {"type": "jkm", "event_date": "2024-05-01", "children": ["sd", "smp"]},
    )
    assert benefit.status_code == 200
    cli = _cli("benefit", "jkm", "--event-date", "2024-05-01", "--child", "sd", "--child", "smp")
    assert benefit.json()["total"] == cli["total"]
    assert [s["amount"] for s in benefit.json()["schedule"]] == [
        s["amount"] for s in cli.get("schedule", [])
    ]

    # The rules engine's refusal: 422 with its code; a schema refusal: 422 with the field.
    refused = client.post(
        "/api/v1/calc/contribution",
        {"scheme": "pu", "month": "2024-05", "wage": 3000000, "programmes": ["jkk", "jkm"]},
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "risk_class_required"
    wrong = client.post("/api/v1/calc/benefit", {"type": "jht", "event_date": "2024-05-01"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["details"][0]["field"] == "type"
