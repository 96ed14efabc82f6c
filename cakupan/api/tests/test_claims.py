"""Claims through the API, read only: each role's scope, the access log, NIKs masked as on the
web, the overdue list and the scholarship instalments due."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cakupan.accounts.models import Action, AuditEvent
from cakupan.api.tests.conftest import ApiClient
from cakupan.claims import services
from cakupan.claims.models import Claim, ScholarshipInstalment
from cakupan.claims.tests.builders import TODAY, World, approved, build_world, complete_draft, heir
from cakupan.common.nik import mask_nik

pytestmark = pytest.mark.django_db

CLAIMS = "/api/v1/claims"
# Who sees the world's claim (a death in a desa of Malili): the web's scope.
SEES = {"superadmin", "admin", "dpmd", "desa", "camat", "bpjs", "pimpinan"}
BLIND = {"admin_other", "desa_other", "opd", "camat_other", "bpjs_other"}
MASKED = {"camat", "pimpinan"}


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def claim(world: World) -> Claim:
    claim = complete_draft(world)
    services.heir_add(
        actor=world.actor("desa"),
        claim=claim,
        data=heir(
            "Nur Anak Uji", "child", TODAY.replace(year=2012), sex="P", sequence=61,
            scholarship=True, school_level="smp", school_class=8,
        ),
        today=TODAY,
    )  # fmt: skip
    return approved(world, claim)


@pytest.mark.parametrize("who", sorted(SEES | BLIND))
def test_each_role_lists_and_reads_its_scope_only(
    world: World, claim: Claim, api_client: Callable[..., ApiClient], who: str
) -> None:
    client = api_client(world.users[who])
    listed = client.get(CLAIMS).json()["items"]
    detail = client.get(f"{CLAIMS}/{claim.pk}")
    overdue = client.get(f"{CLAIMS}/overdue").json()["items"]
    if who in BLIND:
        assert listed == [] and overdue == []
        assert (detail.status_code, detail.json()["error"]["code"]) == (404, "not_found")
        return
    nik = world.deceased.nik
    expected_nik = mask_nik(nik) if who in MASKED else nik
    assert [(c["id"], c["person_nik"], c["masked"]) for c in listed] == [
        (claim.pk, expected_nik, who in MASKED)
    ]
    assert detail.status_code == 200
    body = detail.json()
    assert (body["number"], body["status"], body["person_nik"]) == (
        claim.number,
        "approved",
        expected_nik,
    )
    assert [h["name"] for h in body["heirs"]] == ["Hasnah", "Nur Anak Uji"]
    assert "nik" not in body["heirs"][0] and "bank_account" not in body["heirs"][0]
    assert [t["to_status"] for t in body["transitions"]][-1] == "approved"
    assert body["clock"]["overdue"] is True  # approved in 2024, never paid
    assert [r["claim"]["id"] for r in overdue] == [claim.pk]


def test_reads_are_written_to_the_access_log(
    world: World, claim: Claim, api_client: Callable[..., ApiClient]
) -> None:
    user = world.users["admin"]
    client = api_client(user)
    before = AuditEvent.objects.count()
    client.get(CLAIMS)
    listed = AuditEvent.objects.order_by("-id").first()
    assert listed is not None and AuditEvent.objects.count() == before + 1
    assert (listed.actor_id, listed.source, listed.action, listed.entity) == (
        user.pk,
        "api",
        Action.VIEW,
        "registry.person",
    )
    assert listed.note.endswith("API daftar klaim")
    client.get(f"{CLAIMS}/{claim.pk}")
    notes = sorted(
        AuditEvent.objects.filter(actor=user, note__contains=claim.number).values_list(
            "entity", "note"
        )
    )
    assert notes == [
        ("claims.heir", f"ahli waris klaim {claim.number} (lihat)"),
        ("registry.person", f"klaim {claim.number} (lihat)"),
    ]


def test_scholarship_instalments_due_per_school_year(
    world: World, claim: Claim, api_client: Callable[..., ApiClient]
) -> None:
    instalment = ScholarshipInstalment.objects.filter(claim=claim).order_by("year").first()
    assert instalment is not None
    client = api_client(world.users["desa"])
    due = client.get(f"{CLAIMS}/scholarships-due", {"year": instalment.year}).json()
    assert [(i["id"], i["child_name"], i["amount"]) for i in due["items"]] == [
        (instalment.pk, "Nur Anak Uji", int(instalment.amount))
    ]
    assert due["total"] == int(instalment.amount)
    assert AuditEvent.objects.filter(entity="claims.heir", source="api").exists()
    other = api_client(world.users["desa_other"])
    assert other.get(f"{CLAIMS}/scholarships-due", {"year": instalment.year}).json()["items"] == []
    bad = client.get(CLAIMS, {"status": "lost", "year": 1800})
    assert bad.status_code == 422
    assert sorted(d["field"] for d in bad.json()["error"]["details"]) == ["status", "year"]
    assert client.get(CLAIMS, {"region": "99.99"}).json()["error"]["code"] == "region_unknown"
