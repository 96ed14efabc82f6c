"""Schemathesis over the whole OpenAPI document (T25 of ``docs/security.md``).

Every operation of ``/api/v1/openapi.json`` is called with generated requests (valid and invalid:
schemathesis mixes both) through the WSGI application, with the token of an admin kabupaten whose
scope holds a person and a membership, so that reads find something and writes reach the
services. Every check of schemathesis runs: no server error, every status and content type
documented, every body valid against its schema, invalid input refused. Examples are bounded
(``MAX_EXAMPLES`` per operation) so the run stays well under a minute in one process.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from cakupan.accounts.models import Role
from cakupan.api.tests.conftest import issue_token
from cakupan.registry.models import Segment
from cakupan.testing.factories import make_membership, make_person, make_unit, make_user

MAX_EXAMPLES = 15

# Schema-valid input the domain refuses is not a fault: an unknown region code in a filter (422
# ``region_unknown``), a cursor not made by the server (400 ``cursor_invalid``), an end date before
# the start (400 ``membership_invalid``). Query parameters the API does not know are ignored, as the
# web ignores them (a client's cache-buster must not break a call), so they are not generated.
# Everything else is as schemathesis expects.
CONFIG = schemathesis.config.SchemathesisConfig.from_dict(
    {
        "base-url": "http://localhost",
        "generation": {"allow-extra-parameters": False},
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "422", "429"]
            }
        },
    }
)
application = get_wsgi_application()
# Loaded through the application itself, as a client would: the document it serves is tested.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture
def keep_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request (Django's test client
    switches that off); here it would close the test's transaction, so it is off as well."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(db: None, keep_connection: None, settings: Any) -> str:
    settings.API_RATE_PER_MINUTE = 1_000_000  # the limit has its own test; here it would only cut
    admin = make_user(role=Role.ADMIN_KABUPATEN, username="admin.lutim.fuzz", region="73.24")
    unit = make_unit(region="73.24.04.2001")
    for n in range(3):
        make_membership(
            person=make_person(name=f"Orang Uji {n}"),
            unit=unit,
            segment=Segment.PERANGKAT_DESA,
            start_date=dt.date(2023, 1, 1),
        )
    return issue_token(admin)


@pytest.mark.django_db
@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_answers_as_documented_and_never_with_a_server_error(
    case: schemathesis.Case, token: str
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
