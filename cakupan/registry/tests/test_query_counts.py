"""Queries per page of the load benchmark's mix (issue 13 item 9), pinned so that a regression shows.

The pages ``cakupan.bench.load`` asks for as the admin kabupaten (home, the people list, the
membership list filtered by segment and status, a person's page, the search POST and its result
page) and ``/favicon.ico`` (the middleware alone), each asked once before it is counted: the first
request of a session writes the session's "last seen" time (once a minute), which is not the cost
of the page. Every list and detail page still writes its one access-log row (UU 27/2022 PDP Pasal
31). The lists are also counted with many more rows, to show that no query runs per row.

The numbers are exact: a change that adds a query must change the number here, on purpose.
``python -m cakupan.bench pages`` measures what the queries cost.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from pytest_django import DjangoAssertNumQueries

from cakupan.accounts.models import Action, AuditEvent, User
from cakupan.coverage import rollup
from cakupan.registry.models import MembershipStatus, Person, Segment
from cakupan.testing.factories import make_membership, make_person
from cakupan.testing.personas import PersonaWorld

# Session and user (one query: the user with its region, which the page header shows).
MIDDLEWARE = 2
# The access-log row of a list or detail page (the hash chain is written by the database's
# triggers within the same INSERT).
ACCESS_LOG = 1


@pytest.fixture
def people(persona_world: PersonaWorld) -> list[Person]:
    """People with a membership each in the kabupaten's desa and OPD, some of them ended."""
    out = []
    for i in range(6):
        person = make_person(name=f"Andi Orang {i}", domicile=persona_world.desa.code)
        unit = persona_world.pemerintah_desa if i % 2 else persona_world.opd
        status = MembershipStatus.ACTIVE if i % 3 else MembershipStatus.ENDED
        make_membership(person=person, unit=unit, segment=Segment.NON_ASN, status=status)
        out.append(person)
    return out


@pytest.fixture
def admin_client(admin_kabupaten: User, people: list[Person], client: Client) -> Client:
    rollup.rebuild()  # as in the demo: the home page's figures come from the rollup
    client.force_login(admin_kabupaten)
    assert client.get(reverse("registry:home")).status_code == 200  # the session's first write
    return client


def _more_people(world: PersonaWorld, n: int) -> None:
    for i in range(n):
        person = make_person(name=f"Baso Orang {i}", domicile=world.desa.code)
        make_membership(person=person, unit=world.opd, status=MembershipStatus.ACTIVE)


def _get(client: Client, url: str, expect: int = 200) -> None:
    response = client.get(url)
    assert response.status_code == expect, url


def test_middleware_alone(
    admin_client: Client, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    with django_assert_num_queries(MIDDLEWARE):
        _get(admin_client, "/favicon.ico", 302)


def test_home(admin_client: Client, django_assert_num_queries: DjangoAssertNumQueries) -> None:
    # Middleware 2; people and memberships counted 2; work waiting: intake 1 (every kind in one
    # query), billing 3 (this month billed?, unpaid, arrears; the region from the request's
    # memo), the parameters 1, claims 3 (drafts, to verify, the service-level clock); the
    # kabupaten's figures, its kecamatan and its 24 months: the rollup 3 x 2 (built?, the read),
    # denominators and participants 3 x 2, regions 2 (the kecamatan, read once; the
    # breadcrumbs), occupation names 1 (once, for the groups and the APBD breakdown).
    with django_assert_num_queries(27):
        _get(admin_client, reverse("registry:home"))


def test_person_list(
    admin_client: Client,
    persona_world: PersonaWorld,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    url = reverse("registry:person_list")
    # Middleware, the count, the page (with the domicile), the access-log row.
    with django_assert_num_queries(MIDDLEWARE + 2 + ACCESS_LOG):
        _get(admin_client, url)
    _more_people(persona_world, 60)
    with django_assert_num_queries(MIDDLEWARE + 2 + ACCESS_LOG):
        _get(admin_client, f"{url}?page=2")


def test_membership_list_filtered(
    admin_client: Client,
    persona_world: PersonaWorld,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    url = f"{reverse('registry:membership_list')}?segment=non_asn&status=active"
    # Middleware, the count, the page (person, unit and occupation joined), the access-log row.
    with django_assert_num_queries(MIDDLEWARE + 2 + ACCESS_LOG):
        _get(admin_client, url)
    _more_people(persona_world, 60)
    with django_assert_num_queries(MIDDLEWARE + 2 + ACCESS_LOG):
        _get(admin_client, url)


def test_person_detail(
    admin_client: Client, people: list[Person], django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    url = reverse("registry:person_detail", args=[people[1].pk])
    before = AuditEvent.objects.count()
    # Middleware, the person (with the domicile), the memberships, the access-log row.
    with django_assert_num_queries(MIDDLEWARE + 2 + ACCESS_LOG):
        _get(admin_client, url)
    viewed = AuditEvent.objects.order_by("id")[before:]
    assert [(e.action, e.entity, e.entity_id) for e in viewed] == [
        (Action.VIEW, "registry.person", str(people[1].pk))
    ]


@pytest.mark.parametrize("text", ["Orang", "7324", "name-of-nobody"])
def test_search(
    admin_client: Client,
    people: list[Person],
    text: str,
    django_assert_num_queries: DjangoAssertNumQueries,
) -> None:
    query = people[0].nik if text == "7324" else text
    url = reverse("registry:person_list")
    # The POST keeps the text in the session (its one write) and answers 303.
    with django_assert_num_queries(MIDDLEWARE - 1 + 3):
        response = admin_client.post(url, {"_cari": "1", "q": query})
    assert response.status_code == 303
    target = urlsplit(response["Location"])
    found = text != "name-of-nobody"
    # The result page: middleware, the count, the page, and the access-log row when it showed
    # anyone (nothing shown, nothing to log).
    with django_assert_num_queries(MIDDLEWARE + (2 + ACCESS_LOG if found else 1)):
        _get(admin_client, f"{target.path}?{target.query}")
