"""The route x role x scope matrix (issue 13; T2 and T3 of ``docs/security.md``).

Every route of the site (:func:`~cakupan.testing.routes.site_routes`, so a new route fails here
until it is given its row) is requested by an anonymous visitor and by every role, once as a user
whose scope holds the world's records and once as a user whose scope does not
(:func:`~cakupan.testing.routes.build_route_world`). Each route is asked with GET, and every route
outside the Django admin with an empty POST too; each request runs in a savepoint rolled back after
it, so a write changes nothing for the next request.

The statuses are the design, written out route by route in :data:`EXPECTED` (columns in the order
of :data:`COLUMNS`): anonymous visitors are sent to the sign-in page (302) except on the public
pages; a record outside the user's scope answers 404 like an unknown one; a role that may not do
something gets 403; a POST-only action answers GET with 405. The Django admin is for superadmins:
every other signed-in user is sent to the admin's sign-in page (302).

Every refusal to a signed-in user (403, 404, and the admin's 302 for a non-superadmin) must write
exactly one ``denied`` row naming the user, the path and the status; nothing else may write one
(``accounts.middleware.DeniedAccessLogMiddleware``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import reverse

from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.common import search
from cakupan.registry.models import Person
from cakupan.testing.routes import Route, RouteWorld, site_routes

pytestmark = pytest.mark.django_db

COLUMNS: list[tuple[str, str | None]] = [
    ("anon", None),
    ("in", Role.SUPERADMIN),
    ("in", Role.ADMIN_KABUPATEN),
    ("in", Role.OPERATOR_DESA),
    ("in", Role.CAMAT),
    ("in", Role.PETUGAS_BPJS),
    ("in", Role.PIMPINAN),
    ("out", Role.ADMIN_KABUPATEN),
    ("out", Role.OPERATOR_DESA),
    ("out", Role.OPERATOR_OPD),
    ("out", Role.CAMAT),
    ("out", Role.PETUGAS_BPJS),
    ("out", Role.PIMPINAN),
]
COLUMN_IDS = [f"{side}-{role or 'anonymous'}" for side, role in COLUMNS]

# Which record a ``pk`` names, by route (then by namespace).
PK_KIND = {
    "registry:person_detail": "person",
    "registry:membership_detail": "membership",
    "privacy:person_reveal": "person",
    "privacy:membership_reveal": "membership",
    "claims:instalment_proof": "instalment",
    "claims:instalment_pay": "instalment",
    "claims:heir_edit": "heir",
    "claims:heir_remove": "heir",
    "claims:scholarship_stop": "heir",
    "claims:document_download": "document",
    "claims:document_remove": "document",
    "claims:component_pay": "component",
    "intake": "batch",
    "billing": "bill",
    "claims": "claim",
}
# The world lies in Luwu Timur (73.24), Kecamatan Malili.
REGION_CODE = "73.24"
# Routes that read a NIK posted as a search (``common.search``): asked with the person's NIK.
NIK_SEARCH_ROUTES = (
    "privacy:subject_report",
    "privacy:subject_report_json",
    "privacy:subject_report_xlsx",
)

# route -> (GET, POST) statuses by column; POST is None for the admin (GET only).
# Columns: anon | in: super admin desa camat bpjs pimpinan | out: admin desa opd camat bpjs pimpinan
EXPECTED: dict[str, tuple[str, str | None]] = {}


def _admin_kwargs(route: Route, world: RouteWorld) -> dict[str, Any]:
    """Path parameters of an admin route: the world's record where the admin lists its model."""
    kwargs: dict[str, Any] = {}
    own: dict[str, int] = {
        "registry_person": world.ids["person"],
        "registry_membership": world.ids["membership"],
        "claims_claim": world.ids["claim"],
        "accounts_user": world.users_in[Role.OPERATOR_DESA].pk,
    }
    for param in route.params:
        if param == "app_label":
            kwargs[param] = "registry"
        elif param == "id":
            kwargs[param] = world.users_in[Role.OPERATOR_DESA].pk
        elif param == "content_type_id":
            kwargs[param] = ContentType.objects.get_for_model(Person).pk
        elif param == "object_id" and route.name == "admin:view_on_site":
            kwargs[param] = world.ids["person"]
        elif param == "object_id":
            model_key = route.name.removeprefix("admin:").rsplit("_", 1)[0]
            if model_key in own:
                kwargs[param] = own[model_key]
            else:
                model = _admin_model(model_key)
                first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
                kwargs[param] = first if first is not None else 0
        elif param == "pk":
            kwargs[param] = 0
        else:
            raise AssertionError(f"unknown path parameter {param!r} of {route.name}")
    return kwargs


def _admin_model(model_key: str) -> Any:
    for model in apps.get_models():
        if f"{model._meta.app_label}_{model._meta.model_name}" == model_key:
            return model
    raise AssertionError(f"no model for admin route key {model_key!r}")


def path_of(route: Route, world: RouteWorld) -> str:
    """A concrete path for ``route`` naming the world's records."""
    if route.is_admin:
        return reverse(route.name, kwargs=_admin_kwargs(route, world))
    kwargs: dict[str, Any] = {}
    for param in route.params:
        if param == "pk" and route.name.startswith("accounts:"):
            kwargs["pk"] = world.users_in[Role.OPERATOR_DESA].pk
        elif param == "pk":
            kind = PK_KIND.get(route.name) or PK_KIND.get(route.name.split(":")[0])
            assert kind, f"no record kind for {route.name}"
            kwargs["pk"] = world.ids[kind]
        elif param == "step":
            kwargs["step"] = "ajukan"
        elif param == "action":
            kwargs["action"] = "unlock"
        elif param == "code":
            kwargs["code"] = REGION_CODE
        else:
            raise AssertionError(f"unknown path parameter {param!r} of {route.name}")
    return reverse(route.name, kwargs=kwargs)


def user_of(world: RouteWorld, side: str, role: str | None) -> User | None:
    if side == "anon":
        return None
    return (world.users_in if side == "in" else world.users_out)[role]  # type: ignore[index]


def _signed_in(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _query(client: Client, route: Route, world: RouteWorld) -> str:
    """``cari=<token>`` holding the world's person's NIK for routes that read a posted NIK."""
    if route.name not in NIK_SEARCH_ROUTES:
        return ""
    session = client.session
    if not session.session_key:
        return ""
    nik = Person.objects.values_list("nik", flat=True).get(pk=world.ids["person"])
    token = search.remember(session, nik)
    session.save()
    return f"{search.TOKEN}={token}"


def _denied(user: User | None, route: Route, status: int) -> bool:
    """Whether this answer refuses a signed-in user (and so must be logged)."""
    if user is None:
        return False
    if status in (403, 404):
        return True
    superadmin = user.role == Role.SUPERADMIN and user.is_staff and user.is_active
    return route.is_admin and status == 302 and not superadmin


def observe(
    client: Client, user: User | None, route: Route, world: RouteWorld, method: str, mark: int
) -> tuple[int, list[str]]:
    """The status of one request, and what is wrong with the denial log after it."""
    path = path_of(route, world)
    query = _query(client, route, world)
    cookie_before = client.cookies.get("sessionid")
    problems: list[str] = []
    with transaction.atomic():
        if method == "GET":
            response = client.get(path, QUERY_STRING=query)
        else:
            response = client.post(path + (f"?{query}" if query else ""), {})
        status = response.status_code
        rows = list(
            AuditEvent.objects.filter(action=Action.DENIED, pk__gt=mark).values(
                "actor_id", "entity", "entity_id", "after"
            )
        )
        transaction.set_rollback(True)
    if _denied(user, route, status):
        expected = {
            "actor_id": user.pk,  # type: ignore[union-attr]
            "entity": "route",
            "entity_id": route.name,
            "after": {
                "path": path,
                "method": method,
                "status": status,
                "kwargs": {k: str(v) for k, v in response.resolver_match.kwargs.items()}
                if response.resolver_match
                else {},
            },
        }
        if rows != [expected]:
            problems.append(f"{method} {route.name} {status}: denial rows {rows!r}")
    elif rows:
        problems.append(f"{method} {route.name} {status}: unexpected denial rows {rows!r}")
    # A request that ended the session (signing out) must not leave the next one anonymous.
    if user is not None and client.cookies.get("sessionid") != cookie_before:
        client.force_login(user)
    return status, problems


def _expected(route: Route, column: int) -> tuple[int, int | None]:
    row = EXPECTED.get(route.name)
    assert row is not None, f"{route.name} has no row in EXPECTED: add it (the design's answer)"
    get, post = row
    get_status = int(get.split()[column])
    return get_status, (int(post.split()[column]) if post is not None else None)


@pytest.mark.parametrize(("side", "role"), COLUMNS, ids=COLUMN_IDS)
def test_every_route_answers_each_role_and_scope_as_designed_and_logs_denials(
    route_world: RouteWorld, side: str, role: str | None
) -> None:
    column = COLUMNS.index((side, role))
    user = user_of(route_world, side, role)
    client = _signed_in(user)
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    routes = site_routes()
    wrong: list[str] = []
    problems: list[str] = []
    for route in routes:
        want_get, want_post = _expected(route, column)
        got, issues = observe(client, user, route, route_world, "GET", mark)
        problems += issues
        if got != want_get:
            wrong.append(f"GET {route.name}: {got}, expected {want_get}")
        if want_post is not None:
            got, issues = observe(client, user, route, route_world, "POST", mark)
            problems += issues
            if got != want_post:
                wrong.append(f"POST {route.name}: {got}, expected {want_post}")
    assert wrong == []
    assert problems == []


def test_the_matrix_covers_every_route_and_only_routes_that_exist() -> None:
    names = {route.name for route in site_routes()}
    assert sorted(names - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - names) == []
    for name, (get, post) in EXPECTED.items():
        assert len(get.split()) == len(COLUMNS), name
        assert post is None or len(post.split()) == len(COLUMNS), name
        assert (post is None) == name.startswith("admin:"), name
