"""People and memberships through the API, as each role's token: exactly the web's scope.

The world: a village official of a desa in Malili (Luwu Timur), a non-ASN worker of a Luwu Timur
OPD, and a village official in Bulukumba (73.02), outside every persona's scope but the
superadmin's. Each list returns exactly the rows of the role's scope; a detail outside it is 404
(and logged as a denial, as on the web); every list and detail writes its access-log row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from cakupan.accounts.models import Action, AuditEvent, Role, Source, User
from cakupan.api.models import ApiToken
from cakupan.api.tests.conftest import ApiClient
from cakupan.registry.models import Membership, MembershipStatus, Person, Segment, UnitKind
from cakupan.testing.factories import make_membership, make_person, make_unit
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db

BULUKUMBA = "73.02"


@dataclass
class World:
    desa: Person
    opd: Person
    bulukumba: Person
    desa_membership: Membership
    opd_membership: Membership
    bulukumba_membership: Membership


@pytest.fixture
def world(persona_world: PersonaWorld) -> World:
    desa = make_person(name="Siti Aminah", sex="P")
    opd = make_person(name="Andi Saputra", phone="081234567890")
    bulukumba = make_person(name="Baso Tang", district="73.02.01")
    desa_m = make_membership(
        person=desa,
        unit=persona_world.pemerintah_desa,
        segment=Segment.PERANGKAT_DESA,
        start_date=dt.date(2023, 1, 1),
    )
    opd_m = make_membership(
        person=opd, unit=persona_world.opd, segment=Segment.NON_ASN, start_date=dt.date(2022, 1, 1)
    )
    bulukumba_unit = make_unit(region=BULUKUMBA, kind=UnitKind.PEMERINTAH_DESA)
    bulukumba_m = make_membership(
        person=bulukumba, unit=bulukumba_unit, segment=Segment.PERANGKAT_DESA
    )
    return World(desa, opd, bulukumba, desa_m, opd_m, bulukumba_m)


# Which of the world's people (and their memberships) each role sees.
SCOPE: dict[str, set[str]] = {
    Role.SUPERADMIN: {"desa", "opd", "bulukumba"},
    Role.ADMIN_KABUPATEN: {"desa", "opd"},
    Role.OPERATOR_OPD: {"opd"},
    Role.OPERATOR_DESA: {"desa"},
    Role.CAMAT: {"desa"},
    Role.PETUGAS_BPJS: {"desa", "opd"},
    Role.PIMPINAN: {"desa", "opd"},
}
# Roles that see NIK, phone and wage masked (the web's rule, ``full_data_visible``).
MASKED: set[str] = {Role.CAMAT, Role.PIMPINAN}


def _ids(world: World, names: set[str], kind: str = "person") -> list[int]:
    rows = {
        "desa": (world.desa, world.desa_membership),
        "opd": (world.opd, world.opd_membership),
        "bulukumba": (world.bulukumba, world.bulukumba_membership),
    }
    return sorted(rows[n][0 if kind == "person" else 1].pk for n in names)


@pytest.mark.parametrize("role", list(SCOPE))
def test_each_role_lists_exactly_its_scope_and_reads_nothing_else(
    world: World,
    personas: dict[str, User],
    api_client: Callable[..., ApiClient],
    role: str,
) -> None:
    client = api_client(personas[role])
    people = client.get("/api/v1/people").json()
    assert [p["id"] for p in people["items"]] == _ids(world, SCOPE[role])
    assert people["next_cursor"] is None
    memberships = client.get("/api/v1/memberships").json()
    assert [m["id"] for m in memberships["items"]] == _ids(world, SCOPE[role], "membership")

    for name in ("desa", "opd", "bulukumba"):
        person = getattr(world, name)
        membership = getattr(world, f"{name}_membership")
        person_answer = client.get(f"/api/v1/people/{person.pk}")
        membership_answer = client.get(f"/api/v1/memberships/{membership.pk}")
        if name in SCOPE[role]:
            assert person_answer.status_code == 200
            assert membership_answer.status_code == 200
            body = person_answer.json()
            assert body["name"] == person.name
            assert [m["id"] for m in body["memberships"]] == [membership.pk]
            assert body["masked"] is (role in MASKED)
            assert body["nik"] == (person.masked_nik if role in MASKED else person.nik)
            assert membership_answer.json()["wage"] == (None if role in MASKED else 2_500_000)
        else:
            assert person_answer.status_code == 404
            assert membership_answer.status_code == 404
            assert person_answer.json()["error"]["code"] == "not_found"


def test_a_lutim_admin_token_never_returns_a_bulukumba_person_whatever_the_filter(
    world: World, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    for query in ("region=73.02", "region=7302", "segment=perangkat_desa", "limit=500"):
        people = client.get(f"/api/v1/people?{query}").json()["items"]
        assert world.bulukumba.pk not in [p["id"] for p in people], query
        memberships = client.get(f"/api/v1/memberships?{query}").json()["items"]
        assert world.bulukumba_membership.pk not in [m["id"] for m in memberships], query
    assert client.get(f"/api/v1/memberships?person={world.bulukumba.pk}").json()["items"] == []


def test_lists_and_details_write_the_access_log_and_denials_are_logged_like_the_web(
    world: World, operator_desa: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(operator_desa)
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    client.get("/api/v1/people")
    client.get(f"/api/v1/memberships/{world.desa_membership.pk}")
    client.get(f"/api/v1/people/{world.opd.pk}")  # outside the desa: 404, a denial
    rows = list(
        AuditEvent.objects.filter(pk__gt=mark)
        .order_by("pk")
        .values("actor_id", "source", "action", "entity", "entity_id", "after")
    )
    assert rows == [
        {
            "actor_id": operator_desa.pk,
            "source": Source.API,
            "action": Action.VIEW,
            "entity": "registry.person",
            "entity_id": "*",
            "after": {"shown": [world.desa.pk]},
        },
        {
            "actor_id": operator_desa.pk,
            "source": Source.API,
            "action": Action.VIEW,
            "entity": "registry.membership",
            "entity_id": str(world.desa_membership.pk),
            "after": None,
        },
        {
            "actor_id": operator_desa.pk,
            "source": Source.API,
            "action": Action.DENIED,
            "entity": "route",
            "entity_id": "api:person_detail",
            "after": {
                "path": f"/api/v1/people/{world.opd.pk}",
                "method": "GET",
                "status": 404,
                "kwargs": {"person_id": str(world.opd.pk)},
            },
        },
    ]
    # The reads name the token that made them; the denial, written by the web's middleware, the user.
    labels = (
        AuditEvent.objects.filter(pk__gt=mark).order_by("pk").values_list("actor_label", flat=True)
    )
    token_prefix = ApiToken.objects.get(user=operator_desa).prefix
    named = f"desa.malili [token {token_prefix}]"
    assert list(labels) == [named, named, "desa.malili"]


def test_filters_select_memberships_by_region_unit_segment_status_and_date(
    world: World,
    superadmin: User,
    persona_world: PersonaWorld,
    api_client: Callable[..., ApiClient],
) -> None:
    ended = make_membership(
        person=world.opd,
        unit=persona_world.opd,
        segment=Segment.NON_ASN,
        start_date=dt.date(2020, 1, 1),
        end_date=dt.date(2020, 12, 31),
        status=MembershipStatus.ENDED,
    )
    client = api_client(superadmin)

    def memberships(query: str) -> list[int]:
        answer = client.get(f"/api/v1/memberships?{query}")
        assert answer.status_code == 200, answer.content
        return [m["id"] for m in answer.json()["items"]]

    def people(query: str) -> list[int]:
        return [p["id"] for p in client.get(f"/api/v1/people?{query}").json()["items"]]

    assert memberships("region=73.24") == sorted(
        [world.desa_membership.pk, world.opd_membership.pk, ended.pk]
    )
    assert memberships("region=73.24.04") == [world.desa_membership.pk]
    assert memberships(f"unit={persona_world.opd.pk}") == sorted(
        [world.opd_membership.pk, ended.pk]
    )
    assert memberships("segment=perangkat_desa&region=73.24") == [world.desa_membership.pk]
    assert memberships("status=ended") == [ended.pk]
    assert memberships("date=2020-06-01") == [ended.pk]
    assert memberships("date=2023-06-01&region=73.24") == sorted(
        [world.desa_membership.pk, world.opd_membership.pk]
    )
    assert people("region=73.02") == [world.bulukumba.pk]
    assert people("status=ended") == [world.opd.pk]
    assert people("segment=perangkat_desa") == sorted([world.desa.pk, world.bulukumba.pk])


def test_cursor_pages_walk_the_whole_list_once_and_the_page_size_is_capped(
    world: World, superadmin: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(superadmin)
    seen: list[int] = []
    cursor: str | None = None
    pages = 0
    while True:
        query: dict[str, Any] = {"limit": 2}
        if cursor:
            query["cursor"] = cursor
        body = client.get("/api/v1/people", query).json()
        seen += [p["id"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == _ids(world, {"desa", "opd", "bulukumba"})
    assert pages == 2
    too_many = client.get("/api/v1/people?limit=501")
    assert too_many.status_code == 422
    assert too_many.json()["error"]["details"] == [
        {
            "field": "limit",
            "location": "query",
            "type": "less_than_equal",
            "message": "Paling besar 500.",
        }
    ]
    forged = client.get("/api/v1/people?cursor=123")
    assert forged.status_code == 400
    assert forged.json()["error"]["code"] == "cursor_invalid"


def test_unknown_region_filter_and_bad_values_answer_422_with_the_field(
    world: World, superadmin: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(superadmin)
    cases = {
        "region=99.99": ("region", "region_unknown"),
        "segment=astronot": ("segment", "input_invalid"),
        "date=2024-02-30": ("date", "input_invalid"),
        "unit=abc": ("unit", "input_invalid"),
    }
    for query, (field, code) in cases.items():
        answer = client.get(f"/api/v1/memberships?{query}")
        assert answer.status_code == 422, query
        error = answer.json()["error"]
        assert (error["code"], error["details"][0]["field"]) == (code, field), query


def test_a_q_parameter_is_not_redirected_into_a_search_token(
    world: World, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    # The web turns ?q= into a session token by a 303; the API answers the request itself.
    answer = api_client(admin_kabupaten).get("/api/v1/people", {"q": "Andi"})
    assert answer.status_code == 200
    assert [p["id"] for p in answer.json()["items"]] == _ids(world, SCOPE[Role.ADMIN_KABUPATEN])
