"""Invalid input answers 400 with a message or a form error, never 500 (issue 13, item 7).

The fuzz walks every route of the site that answers GET, learns which query parameters its view
reads (a recording ``request.GET``), then sends each parameter hostile values: NUL and other control
characters (400, always), numbers out of range, malformed dates, very long text, markup, path
traversal, invalid UTF-8. No answer may be a server error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.test import Client, override_settings

from cakupan.accounts.models import Role
from cakupan.privacy.tests.test_route_matrix import path_of as matrix_path_of
from cakupan.testing.routes import Route, RouteWorld, site_routes

pytestmark = pytest.mark.django_db

_read: set[str] = set()


class _RecordingQueryDict(QueryDict):
    def get(self, key: str, default: Any = None) -> Any:
        _read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        _read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        _read.add(str(key))
        return super().__contains__(key)

    def getlist(self, key: str, default: Any = None) -> Any:
        _read.add(key)
        return super().getlist(key, default)


class RecordGetParameters:
    """Test middleware: ``request.GET`` that notes every parameter name a view reads."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        recording = _RecordingQueryDict(request.META.get("QUERY_STRING", ""), mutable=True)
        request.GET = recording  # type: ignore[assignment]
        return self.get_response(request)


def path_of(route: Route, world: RouteWorld) -> str | None:
    """A concrete path for ``route`` in ``world`` (the matrix test's); None for the admin (its own
    fuzz is Django's) and the language switch."""
    if route.is_admin or route.name == "set_language":
        return None
    return matrix_path_of(route, world)


HOSTILE = [
    "%00",
    "a%00b",
    "%01",
    "%7F",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "2024-02-30",
    "0000-00-00",
    "9999-99",
    "%27%22%3C%3E",
    "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
    "..%2F..%2Fetc%2Fpasswd",
    "%ED%A0%80",  # a UTF-16 surrogate encoded as UTF-8: invalid
    "%FF%FE",
    quote("٣٤٥٦"),
    "x" * 3000,
    "7324041708850001",
]


def _get(client: Client, path: str, query: str) -> HttpResponse:
    return client.get(path, QUERY_STRING=query)  # type: ignore[return-value]


@pytest.mark.parametrize("role", [Role.SUPERADMIN, Role.OPERATOR_DESA])
def test_every_get_parameter_of_every_route_survives_hostile_values(
    route_world: RouteWorld, role: str
) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(route_world.users_in[role])
    middleware = ["cakupan.privacy.tests.test_invalid_input.RecordGetParameters"]
    failures: list[str] = []
    fuzzed = 0
    with override_settings(MIDDLEWARE=[*middleware, *settings.MIDDLEWARE]):
        for route in site_routes():
            path = path_of(route, route_world)
            if path is None:
                continue
            _read.clear()
            first = _get(client, path, "")
            if first.status_code == 405:
                continue  # a POST-only route: no GET parameters to fuzz
            names = set(_read)
            # Parameters read only when others are present (a submitted form reads all its fields).
            _read.clear()
            _get(client, path, "&".join(f"{n}=1" for n in sorted(names)))
            names |= _read
            for name in sorted(names):
                base = {n: "1" for n in names if n != name}
                for value in HOSTILE:
                    query = "&".join([*(f"{k}={v}" for k, v in base.items()), f"{name}={value}"])
                    response = _get(client, path, query)
                    fuzzed += 1
                    status = response.status_code
                    control = any(c in value for c in ("%00", "%01", "%7F"))
                    if status >= 500 or (control and status != 400):
                        failures.append(f"{route.name} {name}={value[:30]} -> {status}")
            # A parameter no view reads, holding NUL, is refused as well.
            if _get(client, path, "zzz=%00").status_code != 400:
                failures.append(f"{route.name} zzz=%00 not 400")
    assert fuzzed > 300
    assert failures == []


def test_nul_in_a_search_answers_400_with_a_message(route_world: RouteWorld) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(route_world.users_in[Role.ADMIN_KABUPATEN])
    response = client.get("/orang/", QUERY_STRING="q=%00")
    assert response.status_code == 400
    assert "karakter yang tidak sah" in response.content.decode()


def test_nul_in_a_form_field_or_the_path_answers_400(route_world: RouteWorld) -> None:
    client = Client(raise_request_exception=False)
    client.force_login(route_world.users_in[Role.OPERATOR_DESA])
    claim = route_world.ids["claim"]
    response = client.post(f"/klaim/{claim}/ahli-waris/", {"name": "a\x00b"})
    assert response.status_code == 400
    assert client.get("/klaim/1/a%00b/").status_code in (400, 404)
    assert client.get("/orang%00/").status_code == 400
