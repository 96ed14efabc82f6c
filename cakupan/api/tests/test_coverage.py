"""Coverage through the API against the hand-counted Luwu Timur of the coverage tests: a region's
indicators, league tables and follow-up lists, each role's scope, the access log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from cakupan.accounts.models import Action, AuditEvent, Role
from cakupan.api.tests.conftest import ApiClient
from cakupan.coverage.indicators import indicators_for_level
from cakupan.coverage.selectors import figures, place_get, place_measures
from cakupan.coverage.tests.conftest import HARAPAN, ON, World, world  # noqa: F401 - fixture
from cakupan.registry.models import MembershipStatus, Segment
from cakupan.testing.factories import make_membership, make_user

pytestmark = pytest.mark.django_db

REGIONS = "/api/v1/coverage/regions"


def test_a_region_s_indicators_are_the_page_s_and_keep_to_the_scope(
    world: World,  # noqa: F811
    api_client: Callable[..., ApiClient],
) -> None:
    admin = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    client = api_client(admin)
    body = client.get(f"{REGIONS}/73.24", {"on": ON.isoformat()}).json()
    assert body["region"] == {
        "code": "73.24",
        "name": "Kabupaten Luwu Timur",
        "kind": "kabupaten",
        "level": 2,
    }
    # Harapan 3 perangkat + 1 BPD, Laskap 2 BPU rentan, Lampenai 2 perangkat, the OPD 3 non-ASN.
    assert body["active_memberships"] == 11
    assert body["by_segment"][Segment.PERANGKAT_DESA] == 5
    assert body["by_segment"][Segment.NON_ASN] == 3
    assert body["village_officials"] == 6
    place = place_get("73.24")
    expected = figures(place_measures(admin, place, ON), indicators_for_level(2))
    assert {
        i["code"]: (i["numerator"], i["denominator"], i["status"]) for i in body["indicators"]
    } == {code: (f.numerator, f.denominator, f.status) for code, f in expected.items()}
    assert client.get(f"{REGIONS}/73.02").status_code == 404  # Bulukumba
    assert client.get(f"{REGIONS}/99.99").status_code == 404  # unknown, the same answer

    operator = api_client(make_user(role=Role.OPERATOR_DESA, unit=world.pemdes_harapan))
    assert operator.get(f"{REGIONS}/73.24").status_code == 404
    mine = operator.get(f"{REGIONS}/{HARAPAN}", {"on": ON.isoformat()}).json()
    assert (mine["active_memberships"], mine["village_officials"]) == (4, 4)

    bad = client.get(f"{REGIONS}/73.24", {"on": "2024-02-30"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "on"


def test_rankings_for_a_province_and_only_where_they_exist(
    world: World,  # noqa: F811
    api_client: Callable[..., ApiClient],
) -> None:
    superadmin = api_client(make_user(role=Role.SUPERADMIN))
    ranking = superadmin.get(
        "/api/v1/coverage/rankings", {"region": "73", "on": ON.isoformat(), "indicator": "ucj"}
    )
    assert ranking.status_code == 200
    body = ranking.json()
    assert (body["parent"]["code"], body["indicator"]) == ("73", "ucj")
    codes = [r["region"]["code"] for r in body["items"]]
    assert "73.24" in codes and "73.02" in codes
    assert all(r["region"]["level"] == 2 for r in body["items"])
    ranks = [r["rank"] for r in body["items"] if r["rank"] is not None]
    assert ranks == sorted(ranks)
    # Below a province there is no league table; a province outside the scope is 404.
    assert superadmin.get("/api/v1/coverage/rankings", {"region": "73.24"}).status_code == 404
    admin = api_client(make_user(role=Role.ADMIN_KABUPATEN, region="73.24"))
    assert admin.get("/api/v1/coverage/rankings", {"region": "73"}).status_code == 404
    assert admin.get("/api/v1/coverage/rankings").status_code == 404  # Indonesia
    bad = superadmin.get("/api/v1/coverage/rankings", {"indicator": "bogus"})
    assert bad.status_code == 422
    assert bad.json()["error"]["details"][0]["field"] == "indicator"


def test_followup_lists_are_scoped_and_logged(
    world: World,  # noqa: F811
    api_client: Callable[..., ApiClient],
) -> None:
    ending = make_membership(
        unit=world.pemdes_lampenai,
        segment=Segment.PERANGKAT_DESA,
        start_date=dt.date(2023, 1, 1),
        end_date=dt.date(2024, 8, 29),
        status=MembershipStatus.ENDED,
    )
    admin_user = make_user(role=Role.ADMIN_KABUPATEN, region="73.24")
    admin = api_client(admin_user)
    body = admin.get(f"{REGIONS}/73.24/followup", {"on": ON.isoformat()}).json()
    lists = {found["key"]: found for found in body["lists"]}
    assert list(lists) == [
        "desa_without_officials",
        "desa_below_rentan_target",
        "memberships_ending",
        "bpu_lapsing",
        "posts_unfilled",
    ]
    assert lists["desa_without_officials"]["count"] == 125 - 2
    assert [r["membership"] for r in lists["memberships_ending"]["rows"]] == [ending.pk]
    assert lists["memberships_ending"]["rows"][0]["nik"] == ending.person.masked_nik
    event = AuditEvent.objects.filter(actor=admin_user, entity="registry.membership").get()
    assert (event.action, event.source, event.after) == (
        Action.VIEW,
        "api",
        {"shown": [ending.pk]},
    )

    operator = api_client(make_user(role=Role.OPERATOR_DESA, unit=world.pemdes_harapan))
    assert operator.get(f"{REGIONS}/73.24/followup").status_code == 404
    mine = operator.get(f"{REGIONS}/{HARAPAN}/followup", {"on": ON.isoformat()}).json()
    posts = {found["key"]: found for found in mine["lists"]}["posts_unfilled"]["rows"]
    assert [(r["unit_code"], r["posts"], r["filled"], r["vacant"]) for r in posts] == [
        ("HARAPAN", 4, 3, 1)
    ]
    # A day the regulation's parameters do not reach: their refusal, by the field.
    early = admin.get(f"{REGIONS}/73.24/followup", {"on": "2000-01-01"})
    assert (early.status_code, early.json()["error"]["code"]) == (422, "parameter_missing")
    assert early.json()["error"]["details"] == [{"field": "on", "location": "query"}]
    # No follow-up lists above a kabupaten.
    superadmin = api_client(make_user(role=Role.SUPERADMIN))
    assert superadmin.get(f"{REGIONS}/73/followup").status_code == 404
