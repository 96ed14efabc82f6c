"""The audit log's hash chain: every writer is chained, tampering is found, writers never fork it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from cakupan.accounts.audit import (
    Actor,
    record_access,
    record_change,
    record_changes_bulk,
    record_changes_sql,
)
from cakupan.accounts.chain import chain_verify
from cakupan.accounts.models import Action, AuditEvent, AuditLink, Source, User

pytestmark = pytest.mark.django_db

CLI = Actor.system(Source.CLI)


def _link_now() -> None:
    """Write the open block's link now, as the commit would (the tests never commit)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS accounts_auditevent_link IMMEDIATE")
        cursor.execute("SET CONSTRAINTS accounts_auditevent_link DEFERRED")


def _tamper(sql: str, params: list[Any] | None = None) -> None:
    """What only the table's owner can do: switch the triggers off and rewrite the log."""
    _link_now()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params or [])
        cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER USER")


def _write_every_way(user: User) -> list[AuditEvent]:
    """One row through each writer: the ORM, COPY, INSERT ... SELECT, and plain SQL."""
    record_access(actor=CLI, entity="registry.person", entity_id=1)
    record_change(
        actor=Actor(user=user, source=Source.WEB),
        action=Action.UPDATE,
        instance=user,
        before={"first_name": "A"},
        after={"first_name": "B"},
    )
    record_changes_bulk(
        actor=CLI,
        rows=[
            (Action.CREATE, "registry.person", 2, None, {"name": "Dua"}),
            (Action.CREATE, "registry.person", 3, None, {"name": "Tiga"}),
        ],
    )
    record_changes_sql(
        actor=CLI,
        select="SELECT 'create', 'registry.person', g::text, NULL::jsonb, "
        "jsonb_build_object('n', g) FROM generate_series(4, 5) g",
        params={},
    )
    with connection.cursor() as cursor:
        # A writer that tries to choose its own chain values: the database ignores them.
        cursor.execute(
            "INSERT INTO accounts_auditevent (at, actor_label, source, action, entity, entity_id, "
            "note, chain_block, chain_pos, chain_hash) VALUES (now(), 'psql', 'system', 'view', "
            "'registry.person', '6', '', 1, 99, '\\x00')"
        )
    return list(AuditEvent.objects.order_by("id"))


def test_every_writer_is_chained_in_one_block(superadmin: User) -> None:
    events = _write_every_way(superadmin)
    assert len(events) == 7
    assert len({e.chain_block for e in events}) == 1
    assert [e.chain_pos for e in events] == [1, 2, 3, 4, 5, 6, 7]
    assert all(len(bytes(e.chain_hash)) == 32 for e in events)
    assert len({bytes(e.chain_hash) for e in events}) == 7
    report = chain_verify()
    assert report.ok, report
    assert report.rows == 7
    link = AuditLink.objects.get()
    assert (link.block, link.rows, bytes(link.last_hash)) == (
        events[0].chain_block,
        7,
        bytes(events[-1].chain_hash),
    )
    assert (report.links, report.head_seq, report.head_hash) == (
        1,
        link.seq,
        bytes(link.hash).hex(),
    )


def test_rows_rolled_back_with_a_savepoint_leave_no_hole(superadmin: User) -> None:
    record_access(actor=CLI, entity="registry.person", entity_id=1)
    savepoint = transaction.savepoint()
    record_access(actor=CLI, entity="registry.person", entity_id=2)
    transaction.savepoint_rollback(savepoint)
    record_access(actor=CLI, entity="registry.person", entity_id=3)
    assert list(AuditEvent.objects.order_by("id").values_list("entity_id", "chain_pos")) == [
        ("1", 1),
        ("3", 2),
    ]
    assert chain_verify().ok


def test_an_early_link_opens_a_new_block(superadmin: User) -> None:
    record_access(actor=CLI, entity="registry.person", entity_id=1)
    _link_now()
    record_access(actor=CLI, entity="registry.person", entity_id=2)
    first, second = AuditEvent.objects.order_by("id")
    assert first.chain_block != second.chain_block
    assert second.chain_pos == 1
    report = chain_verify()
    assert report.ok, report
    assert list(AuditLink.objects.values_list("seq", "block", "rows")) == [
        (1, first.chain_block, 1),
        (2, second.chain_block, 1),
    ]


@pytest.fixture
def five_rows(superadmin: User) -> list[AuditEvent]:
    for n in range(5):
        record_access(actor=CLI, entity="registry.person", entity_id=n)
    _link_now()
    return list(AuditEvent.objects.order_by("chain_pos"))


@pytest.mark.parametrize(
    ("tamper", "reason", "position"),
    [
        ("UPDATE accounts_auditevent SET note = 'ditulis ulang' WHERE id = %s", "row_hash", 3),
        ("UPDATE accounts_auditevent SET after = '{}'::jsonb WHERE id = %s", "row_hash", 3),
        ("UPDATE accounts_auditevent SET at = at - interval '1 day' WHERE id = %s", "row_hash", 3),
        ("DELETE FROM accounts_auditevent WHERE id = %s", "position", 4),
    ],
)
def test_a_rewritten_or_removed_row_is_the_first_broken_link(
    five_rows: list[AuditEvent], tamper: str, reason: str, position: int
) -> None:
    third = five_rows[2]
    _tamper(tamper, [third.pk])
    report = chain_verify()
    assert not report.ok
    broken = report.first_broken
    assert broken is not None
    assert (broken.link, broken.block, broken.position, broken.reason) == (
        1,
        third.chain_block,
        position,
        reason,
    )


def test_the_newest_row_removed_is_found_by_its_link(five_rows: list[AuditEvent]) -> None:
    _tamper("DELETE FROM accounts_auditevent WHERE id = %s", [five_rows[-1].pk])
    broken = chain_verify().first_broken
    assert broken is not None
    assert (broken.link, broken.reason, broken.position) == (1, "row_count", 4)


def test_a_rewritten_or_removed_link_is_found(five_rows: list[AuditEvent]) -> None:
    record_access(actor=CLI, entity="registry.person", entity_id=9)
    _link_now()  # a second link
    _tamper("UPDATE accounts_auditlink SET rows = rows + 0, at = at - interval '1 second'")
    broken = chain_verify().first_broken
    assert broken is not None
    assert (broken.link, broken.reason) == (1, "link_hash")


def test_rows_added_with_the_triggers_off_have_no_link(five_rows: list[AuditEvent]) -> None:
    first = five_rows[0]
    _tamper(
        "INSERT INTO accounts_auditevent (at, actor_label, source, action, entity, entity_id, "
        "note, chain_block, chain_pos, chain_hash) SELECT at, actor_label, source, action, "
        "entity, entity_id, note, 987654, 1, chain_hash FROM accounts_auditevent WHERE id = %s",
        [first.pk],
    )
    broken = chain_verify().first_broken
    assert broken is not None
    assert (broken.link, broken.block, broken.reason) == (None, 987654, "row_hash")


def test_an_expected_head_recorded_elsewhere_must_still_be_there(
    five_rows: list[AuditEvent],
) -> None:
    report = chain_verify()
    assert report.head_seq == 1 and report.head_hash is not None
    assert chain_verify(expect_seq=1, expect_hash=report.head_hash).ok
    stale = chain_verify(expect_seq=1, expect_hash="00" * 32)
    assert not stale.ok
    assert stale.first_broken is not None and stale.first_broken.reason == "expected_head"
    assert not chain_verify(expect_seq=2).ok


# --- the command ----------------------------------------------------------------------------------


def test_cli_verify_json_reports_an_intact_chain(five_rows: list[AuditEvent], capsys: Any) -> None:
    call_command("audit", "verify", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert (data["rows"], data["links"], data["head_seq"]) == (5, 1, 1)
    assert data["first_broken"] is None


def test_cli_verify_json_reports_the_first_broken_link_and_exits_1(
    five_rows: list[AuditEvent], capsys: Any
) -> None:
    second = five_rows[1]
    _tamper("UPDATE accounts_auditevent SET note = 'x' WHERE id = %s", [second.pk])
    with pytest.raises(CommandError) as error:
        call_command("audit", "verify", "--json")
    assert error.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert data["first_broken"] == {
        "link": 1,
        "block": second.chain_block,
        "position": 2,
        "event_id": second.pk,
        "reason": "row_hash",
        "explanation": "the row's hash does not match its content and the row before it",
    }


def test_cli_verify_text(five_rows: list[AuditEvent], capsys: Any) -> None:
    call_command("audit", "verify")
    out = capsys.readouterr().out
    assert "Jejak audit: 5 baris dalam 1 mata rantai." in out
    assert "Rantai utuh." in out


# --- two writers at once ------------------------------------------------------------------------


@pytest.fixture
def sessions() -> Iterator[list[Any]]:
    """Two more database sessions that commit for real; their rows are removed afterwards."""
    opened = [connection.get_new_connection(connection.get_connection_params()) for _ in range(3)]
    try:
        yield opened[:2]
    finally:
        for session in opened[:2]:
            session.rollback()
            session.close()
        cleaner = opened[2]
        with cleaner.cursor() as cursor:
            cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
            cursor.execute("DELETE FROM accounts_auditevent WHERE actor_label LIKE 'sesi-%%'")
            cursor.execute(
                "DELETE FROM accounts_auditlink l WHERE NOT EXISTS "
                "(SELECT 1 FROM accounts_auditevent e WHERE e.chain_block = l.block)"
            )
            cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER USER")
        cleaner.commit()
        cleaner.close()


def _insert(session: Any, label: str, n: int) -> None:
    with session.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_auditevent (at, actor_label, source, action, entity, "
            "entity_id, note) SELECT now(), %s, 'system', 'view', 'registry.person', g::text, '' "
            "FROM generate_series(1, %s) g",
            [label, n],
        )


def test_two_writers_at_once_never_fork_and_never_wait_for_each_other(
    sessions: list[Any],
) -> None:
    """A commits after B although A wrote first; B's commit does not wait for A's open rows."""
    a, b = sessions
    _insert(a, "sesi-a", 3)
    _insert(b, "sesi-b", 2)
    _insert(a, "sesi-a", 1)
    b.commit()  # with a lock taken at insert this would wait for A forever (no timeout here)
    a.commit()
    with a.cursor() as cursor:
        cursor.execute(
            "SELECT l.seq, l.rows, min(e.actor_label) FROM accounts_auditlink l "
            "JOIN accounts_auditevent e ON e.chain_block = l.block "
            "WHERE e.actor_label LIKE 'sesi-%%' GROUP BY l.seq, l.rows ORDER BY l.seq"
        )
        links = cursor.fetchall()
    assert [(rows, label) for _, rows, label in links] == [(2, "sesi-b"), (4, "sesi-a")]
    assert links[1][0] == links[0][0] + 1
    report = chain_verify(db=a)
    assert report.ok, report
