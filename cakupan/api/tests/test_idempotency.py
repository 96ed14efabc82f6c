"""``Idempotency-Key``: one write per key, the first answer replayed, another body refused (409).

Exercised on ``POST /memberships/{id}/end`` (an audited write through the registry's service) and
on the decorator itself for what a single endpoint cannot show: a failing view stores nothing,
keys are per user, and a key expires after ``API_IDEMPOTENCY_HOURS``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cakupan.accounts.models import AuditEvent, User
from cakupan.api.idempotency import idempotency_purge
from cakupan.api.models import IdempotencyKey
from cakupan.api.tests.conftest import ApiClient
from cakupan.registry.models import Membership, MembershipStatus
from cakupan.testing.factories import make_membership
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db


@pytest.fixture
def membership(persona_world: PersonaWorld) -> Membership:
    return make_membership(unit=persona_world.opd, start_date=dt.date(2023, 1, 1))


def _end(client: ApiClient, membership: Membership, body: dict[str, str], key: str | None) -> Any:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(f"/api/v1/memberships/{membership.pk}/end", body, headers=headers)


def _audit_rows() -> int:
    return AuditEvent.objects.filter(entity="registry.membership").count()


def test_the_same_key_and_body_replays_the_first_answer_and_writes_nothing(
    membership: Membership, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    first = _end(client, membership, {"end_date": "2024-06-30"}, "kunci-1")
    assert first.status_code == 200
    assert first.json()["end_date"] == "2024-06-30"
    assert first.json()["status"] == "ended"
    assert "Idempotent-Replayed" not in first
    writes = _audit_rows()
    # Someone else changes the membership meanwhile: the replay still answers the first result.
    Membership.objects.filter(pk=membership.pk).update(end_date=dt.date(2024, 7, 31))

    again = _end(client, membership, {"end_date": "2024-06-30"}, "kunci-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert _audit_rows() == writes
    membership.refresh_from_db()
    assert membership.end_date == dt.date(2024, 7, 31)

    other_body = _end(client, membership, {"end_date": "2024-05-31"}, "kunci-1")
    assert other_body.status_code == 409
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    assert _audit_rows() == writes
    assert IdempotencyKey.objects.count() == 1


def test_without_a_key_every_call_writes(
    membership: Membership, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    before = _audit_rows()
    assert _end(client, membership, {"end_date": "2024-06-30"}, None).status_code == 200
    assert _end(client, membership, {"end_date": "2024-05-31"}, None).status_code == 200
    assert _audit_rows() == before + 2
    assert not IdempotencyKey.objects.exists()


def test_a_refused_write_stores_no_key_so_the_client_may_retry(
    membership: Membership, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    refused = _end(client, membership, {"end_date": "2022-12-31"}, "kunci-2")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "membership_invalid"
    assert not IdempotencyKey.objects.exists()
    assert _end(client, membership, {"end_date": "2023-12-31"}, "kunci-2").status_code == 200


def test_keys_are_per_user_and_expire_after_a_day(
    membership: Membership,
    admin_kabupaten: User,
    superadmin: User,
    api_client: Callable[..., ApiClient],
) -> None:
    admin = api_client(admin_kabupaten)
    assert _end(admin, membership, {"end_date": "2024-06-30"}, "kunci-3").status_code == 200
    # Another user's identical key is another key: the write is done again.
    before = _audit_rows()
    other = api_client(superadmin)
    answer = _end(other, membership, {"end_date": "2024-05-31"}, "kunci-3")
    assert answer.status_code == 200
    assert "Idempotent-Replayed" not in answer
    assert _audit_rows() == before + 1
    with time_machine.travel(timezone.now() + dt.timedelta(hours=24, minutes=1)):
        fresh = _end(admin, membership, {"end_date": "2024-04-30"}, "kunci-3")
        assert fresh.status_code == 200
        assert fresh.json()["end_date"] == "2024-04-30"
        assert idempotency_purge() == 1  # the superadmin's key, now a day old
    assert list(IdempotencyKey.objects.values_list("user_id", flat=True)) == [admin_kabupaten.pk]


def test_an_invalid_key_is_refused_with_422(
    membership: Membership, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    answer = _end(client, membership, {"end_date": "2024-06-30"}, "x" * 201)
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "idempotency_key_invalid"
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.ACTIVE


def test_scope_and_roles_hold_for_writes(
    membership: Membership,
    camat: User,
    operator_desa: User,
    admin_kabupaten: User,
    api_client: Callable[..., ApiClient],
) -> None:
    # The OPD is outside the desa: 404. A camat does not see a kabupaten OPD either: 404.
    for user in (operator_desa, camat):
        answer = _end(api_client(user), membership, {"end_date": "2024-06-30"}, "k")
        assert answer.status_code == 404, user.username
    # Schema-invalid bodies: 422 naming the field.
    client = api_client(admin_kabupaten)
    cases = {
        "end_date": {"status": "ended"},
        "status": {"end_date": "2024-06-30", "status": "mati"},
    }
    for field, body in cases.items():
        answer = _end(client, membership, body, None)
        assert answer.status_code == 422
        assert [d["field"] for d in answer.json()["error"]["details"]] == [field]
    membership.refresh_from_db()
    assert membership.end_date is None


@pytest.mark.django_db
def test_a_concurrent_duplicate_waits_for_the_first_then_inserts_nothing(
    admin_kabupaten: User,
) -> None:
    """The decorator's insert (``RESERVE_SQL``) on two connections at once: the second blocks on
    the key until the first commits, then returns no row, so it replays instead of writing."""
    import threading
    import time
    import uuid

    import psycopg

    from cakupan.api.idempotency import RESERVE_SQL
    from cakupan.registry.tests.test_overlap_trigger import _committed_copy, _conninfo

    tag = uuid.uuid4().hex[:8]
    params = ["bersamaan", "POST", "/api/v1/x", "0" * 64, timezone.now()]
    outcome: dict[str, Any] = {}
    with psycopg.connect(_conninfo(), autocommit=True) as setup:
        user = _committed_copy(setup, "accounts_user", admin_kabupaten.pk, username=f"idem-{tag}")
        try:
            with (
                psycopg.connect(_conninfo()) as first,
                psycopg.connect(_conninfo()) as second,
            ):
                second_pid = second.info.backend_pid

                def second_writer() -> None:
                    with second.transaction():
                        outcome["second"] = second.execute(RESERVE_SQL, [user, *params]).fetchone()

                with first.transaction():
                    outcome["first"] = first.execute(RESERVE_SQL, [user, *params]).fetchone()
                    thread = threading.Thread(target=second_writer)
                    thread.start()
                    waited = False
                    for _ in range(200):  # up to 10 s for the second insert to reach the lock
                        row = setup.execute(
                            "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s",
                            [second_pid],
                        ).fetchone()
                        if row is not None and row[0] == "Lock":
                            waited = True
                            break
                        time.sleep(0.05)
                    assert waited, "the second insert never waited for the first one's key"
                thread.join(timeout=30)
                assert not thread.is_alive()
            assert outcome["first"] is not None
            assert outcome["second"] is None
            count = setup.execute(
                "SELECT count(*) FROM api_idempotencykey WHERE user_id = %s", [user]
            ).fetchone()
            assert count == (1,)
        finally:
            setup.execute("DELETE FROM api_idempotencykey WHERE user_id = %s", [user])
            setup.execute("DELETE FROM accounts_user WHERE id = %s", [user])


def test_ending_writes_one_audit_row_with_before_and_after_and_refuses_an_end_before_the_start(
    membership: Membership, admin_kabupaten: User, api_client: Callable[..., ApiClient]
) -> None:
    client = api_client(admin_kabupaten)
    refused = _end(client, membership, {"end_date": "2022-12-31"}, None)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "membership_invalid"
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    answer = _end(client, membership, {"end_date": "2024-06-30", "status": "lapsed"}, None)
    assert answer.status_code == 200
    changes = AuditEvent.objects.filter(
        pk__gt=mark, entity="registry.membership", entity_id=str(membership.pk), action="update"
    )
    assert [(e.before, e.after) for e in changes] == [
        (
            {"status": "active", "end_date": None},
            {"status": "lapsed", "end_date": "2024-06-30"},
        )
    ]
    membership.refresh_from_db()
    assert (membership.status, membership.end_date) == (
        MembershipStatus.LAPSED,
        dt.date(2024, 6, 30),
    )
