"""The audit log in the database: rows are only ever added, whatever SQL is tried."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import AuditEvent, Source

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_row() -> AuditEvent:
    record_access(actor=Actor.system(Source.CLI), entity="registry.person", entity_id=1)
    with connection.cursor() as cursor:
        # Its chain link, as the commit writes it: the row is then like any committed row (no
        # trigger event pending, which TRUNCATE and ALTER TABLE would refuse for another reason).
        cursor.execute("SET CONSTRAINTS accounts_auditevent_link IMMEDIATE")
    return AuditEvent.objects.get()


@pytest.mark.parametrize(
    ("statement", "operation"),
    [
        ("UPDATE accounts_auditevent SET note = 'x'", "UPDATE"),
        ("DELETE FROM accounts_auditevent", "DELETE"),
        ("TRUNCATE accounts_auditevent", "TRUNCATE"),
        ("TRUNCATE accounts_auditevent CASCADE", "TRUNCATE"),
        ("TRUNCATE TABLE ONLY accounts_auditevent RESTART IDENTITY", "TRUNCATE"),
        # Among other tables (as Django's ``flush`` and pytest-django's ``transactional_db`` do).
        ("TRUNCATE registry_membership, accounts_auditevent CASCADE", "TRUNCATE"),
    ],
)
def test_the_log_cannot_be_rewritten_or_emptied(
    one_row: AuditEvent, statement: str, operation: str
) -> None:
    with (
        pytest.raises(DatabaseError, match=f"audit log is append-only: {operation} refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert list(AuditEvent.objects.all()) == [one_row]


def test_only_the_owner_switching_the_triggers_off_can_empty_it(one_row: AuditEvent) -> None:
    """What the browser tests' cleanup does on its throwaway database (``cakupan/e2e``)."""

    savepoint = transaction.savepoint()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
        cursor.execute("TRUNCATE accounts_auditevent")
    assert not AuditEvent.objects.exists()
    transaction.savepoint_rollback(savepoint)
    assert list(AuditEvent.objects.all()) == [one_row]
    with (
        pytest.raises(DatabaseError, match="TRUNCATE refused"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("TRUNCATE accounts_auditevent")
