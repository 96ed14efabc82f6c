"""The backup and restore drill (issue 13 item 8; SECURITY.md T21): ``cakupan backup`` of the test
database, restored into a second, fresh PostgreSQL server of the same version, compared table by
table and by ``cakupan audit verify`` on both.

pg_dump sees committed rows only, so this module commits a small world (a unit, people,
memberships, a user, and their audit rows in several transactions, hence several chain links) for
its own duration and removes it at the end, as the browser tests do with the demo
(``cakupan/e2e/conftest.py``): tables empty before are truncated, rows added to the others deleted
(the audit log's triggers switched off meanwhile, on this throwaway database only).
"""

from __future__ import annotations

import base64
import io
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from cakupan.accounts.audit import Actor, record_access, record_change, snapshot
from cakupan.accounts.chain import ChainReport, chain_verify
from cakupan.accounts.models import Action, Source
from cakupan.common import dbroles, pgserver
from cakupan.common.backup import KEY_ENV, BackupError, DbTarget, backup, restore, table_counts
from cakupan.common.management.commands._backup_cli import run
from cakupan.registry.models import Segment
from cakupan.testing.factories import make_membership, make_person, make_unit, make_user
from cakupan.testing.tables import Counts, put_back, row_counts

KEY = base64.b64encode(bytes(range(100, 132))).decode()
OTHER_KEY = base64.b64encode(bytes(range(32))).decode()
PEOPLE = 6


def _put_back(before: Counts) -> None:
    put_back(before)
    after = row_counts()
    assert {t: after[t][0] for t in before} == {t: n for t, (n, _) in before.items()}


def _build_world() -> None:
    """Committed: each ``atomic`` block is one block of the audit chain, linked at commit."""
    actor = Actor.system(source=Source.CLI, label="uji-cadangan")
    with transaction.atomic():
        unit = make_unit(name="Dinas Uji Cadangan")
        record_change(
            actor=actor,
            action=Action.CREATE,
            instance=unit,
            before=None,
            after=snapshot(unit, ["code", "name"]),
        )
    for i in range(PEOPLE):
        with transaction.atomic():
            person = make_person(name=f"Warga Cadangan {i}", sex="LP"[i % 2])
            membership = make_membership(person=person, unit=unit, segment=Segment.NON_ASN)
            for instance, fields in ((person, ["nik", "name"]), (membership, ["segment"])):
                record_change(
                    actor=actor,
                    action=Action.CREATE,
                    instance=instance,
                    before=None,
                    after=snapshot(instance, fields),
                )
    with transaction.atomic():
        user = make_user(username="petugas.cadangan")
        record_access(
            actor=Actor(user=user, source=Source.WEB), entity="registry.person", entity_id="*"
        )


@dataclass
class Drill:
    backup_report: dict[str, Any]
    source_counts: dict[str, int]
    source_chain: ChainReport
    restore_report: dict[str, Any]
    target: DbTarget
    app: DbTarget
    file: Path


def _set_key(monkeypatch: pytest.MonkeyPatch, key: str = KEY) -> None:
    monkeypatch.delenv(f"{KEY_ENV}_FILE", raising=False)
    monkeypatch.setenv(KEY_ENV, key)


@pytest.fixture(scope="module")
def drill(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Drill]:
    folder = tmp_path_factory.mktemp("cadangan")
    out = folder / "cakupan.cbk"
    with django_db_blocker.unblock(), pytest.MonkeyPatch.context() as monkeypatch:
        _set_key(monkeypatch)
        before = row_counts()
        try:
            _build_world()
            stdout = io.StringIO()
            call_command("backup", "--out", str(out), "--json", stdout=stdout)
            report = json.loads(stdout.getvalue())
            with psycopg.connect(**_django_params()) as conn:
                source_counts = table_counts(conn)
            source_chain = chain_verify()
            # A fresh server of the same PostgreSQL as the suite's (CAKUPAN_TEST_PG_BIN too), with
            # the two roles and an empty database as `cakupan db`/`dbroles.setup_sql` make them.
            embedded: Any = settings.DATABASES["default"].get("EMBEDDED") or {}
            bin_dir = embedded.get("bin_dir")
            address = pgserver.ensure_server(folder / "fresh", bin_dir=bin_dir, throwaway=True)
            pgserver.ensure_database(address, "cakupan", roles=True)
            where = {"host": address.socket_dir, "port": str(address.port), "dbname": "cakupan"}
            target = DbTarget(params={**where, "user": dbroles.OWNER_ROLE})
            restored = restore(source=out, target=target, key=base64.b64decode(KEY))
            yield Drill(
                backup_report=report,
                source_counts=source_counts,
                source_chain=source_chain,
                restore_report=restored,
                target=target,
                app=DbTarget(params={**where, "user": dbroles.APP_ROLE}),
                file=out,
            )
        finally:
            _put_back(before)


def _django_params() -> dict[str, Any]:
    params = connection.get_connection_params()
    return {k: params[k] for k in ("host", "port", "dbname", "user") if params.get(k)}


pytestmark = pytest.mark.django_db


def test_the_backup_reports_the_snapshot_it_dumped(drill: Drill) -> None:
    report = drill.backup_report
    assert report["tables"] == drill.source_counts
    assert report["rows"] == sum(drill.source_counts.values())
    assert report["tables"]["registry_person"] == PEOPLE
    assert report["tables"]["registry_membership"] == PEOPLE
    assert report["audit_chain"] == {
        "rows": drill.source_chain.rows,
        "links": drill.source_chain.links,
        "head_seq": drill.source_chain.head_seq,
        "head_hash": drill.source_chain.head_hash,
    }
    assert report["bytes"] == drill.file.stat().st_size
    assert drill.file.stat().st_mode & 0o777 == 0o600
    assert b"PGDMP" not in drill.file.read_bytes()  # pg_dump's custom format, never in clear
    assert [p.name for p in drill.file.parent.iterdir() if p.name.endswith(".part")] == []


def test_the_restore_has_every_row_and_the_same_audit_chain(drill: Drill) -> None:
    restored = drill.restore_report
    assert restored["matches"] is True
    assert restored["differences"] == {}
    assert restored["tables"] == drill.source_counts
    assert restored["audit_chain"]["head_seq"] == drill.source_chain.head_seq
    assert restored["audit_chain"]["head_hash"] == drill.source_chain.head_hash
    assert restored["app_role_granted"] == dbroles.APP_ROLE
    # `cakupan audit verify` on both: the whole chain recomputed on the restored server.
    assert drill.source_chain.ok
    assert drill.source_chain.links >= PEOPLE + 2
    with drill.app.connect() as app:
        verified = chain_verify(db=app)
    assert verified == drill.source_chain


def test_the_restored_database_is_the_owners_and_the_application_role_works(drill: Drill) -> None:
    with drill.app.connect() as app:
        owners = app.execute(
            "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S')"
        ).fetchall()
        assert owners == [(dbroles.OWNER_ROLE,)]
        names = app.execute(
            "SELECT name FROM registry_person WHERE name LIKE 'Warga Cadangan %' ORDER BY name"
        ).fetchall()
        assert [n for (n,) in names] == [f"Warga Cadangan {i}" for i in range(PEOPLE)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app.execute("UPDATE accounts_auditevent SET note = 'ubah'")
        app.rollback()
        # The chain goes on from the restored head: the triggers and sequences came back too.
        app.execute(
            "INSERT INTO accounts_auditevent (at, actor_label, source, action, entity, entity_id,"
            " note) VALUES (now(), 'uji', 'cli', 'view', 'registry.person', '*', 'setelah pulih')"
        )
        app.commit()
        after = chain_verify(db=app)
    assert after.ok
    assert after.head_seq == drill.source_chain.head_seq + 1  # type: ignore[operator]
    assert after.rows == drill.source_chain.rows + 1


def test_restore_refuses_a_database_that_is_not_empty(drill: Drill) -> None:
    with drill.target.connect() as conn:
        before = table_counts(conn)
    with pytest.raises(BackupError) as caught:
        restore(source=drill.file, target=drill.target, key=base64.b64decode(KEY))
    assert caught.value.code == "not_empty"
    with drill.target.connect() as conn:
        assert table_counts(conn) == before


def test_the_restore_command_refuses_the_configured_database_it_is_not_empty(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_key(monkeypatch)
    stdout = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("restore", str(drill.file), "--json", stdout=stdout)
    assert caught.value.returncode == 2
    assert json.loads(stdout.getvalue())["error"]["code"] == "not_empty"
    assert "tidak kosong" in str(caught.value)


def test_restore_check_authenticates_the_file_and_prints_what_it_holds(
    drill: Drill, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_key(monkeypatch)
    stdout = io.StringIO()
    call_command("restore", str(drill.file), "--check", "--json", stdout=stdout)
    checked = json.loads(stdout.getvalue())
    assert checked["tables"] == drill.source_counts
    assert checked["audit_chain"] == drill.backup_report["audit_chain"]
    assert checked["dump_sha256"] == drill.backup_report["dump_sha256"]
    text = io.StringIO()
    call_command("restore", str(drill.file), "--check", stdout=text)
    assert "Berkas cadangan utuh" in text.getvalue()
    assert f"kepala rantai {drill.source_chain.head_seq}:" in text.getvalue()


def _damaged(drill: Drill, tmp_path: Path, how: str) -> Path:
    blob = bytearray(drill.file.read_bytes())
    if how == "truncated":
        blob = blob[: len(blob) // 2]
    elif how == "flipped":
        blob[len(blob) // 2] ^= 0x40
    path = tmp_path / f"{how}.cbk"
    path.write_bytes(bytes(blob))
    return path


@pytest.mark.parametrize(
    ("how", "key", "code"),
    [
        ("intact", OTHER_KEY, "wrong_key"),
        ("truncated", KEY, "truncated"),
        ("flipped", KEY, "tampered"),
    ],
)
def test_a_wrong_key_or_a_damaged_file_is_refused_before_the_database(
    drill: Drill, tmp_path: Path, how: str, key: str, code: str
) -> None:
    path = drill.file if how == "intact" else _damaged(drill, tmp_path, how)
    # A server that does not exist: reaching it would fail with a connection error instead.
    nowhere = DbTarget(params={"host": str(tmp_path / "tidak-ada"), "dbname": "cakupan"})
    with pytest.raises(BackupError) as caught:
        restore(source=path, target=nowhere, key=base64.b64decode(key))
    assert caught.value.code == code


def test_the_commands_refuse_without_a_key_and_never_overwrite(
    drill: Drill, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    monkeypatch.delenv(f"{KEY_ENV}_FILE", raising=False)
    out = tmp_path / "baru.cbk"
    for args in (["backup", "--out", str(out)], ["restore", str(drill.file)]):
        with pytest.raises(CommandError) as caught:
            call_command(*args, stdout=io.StringIO())
        assert caught.value.returncode == 2
        assert f"Kunci cadangan belum diisi: isi {KEY_ENV}" in str(caught.value)
    assert not out.exists()
    _set_key(monkeypatch)
    stdout = io.StringIO()
    size = drill.file.stat().st_size
    with pytest.raises(CommandError) as caught:
        call_command("backup", "--out", str(drill.file), "--json", stdout=stdout)
    assert caught.value.returncode == 2
    assert json.loads(stdout.getvalue())["error"]["code"] == "exists"
    assert drill.file.stat().st_size == size
    assert os.listdir(tmp_path) == []


def test_the_backup_tells_people_where_it_went_and_the_head_to_keep(
    drill: Drill, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set_key(monkeypatch)
    out = tmp_path / "kedua.cbk"
    stdout = io.StringIO()
    call_command("backup", "--out", str(out), stdout=stdout)
    lines = stdout.getvalue().splitlines()
    head = f"{drill.source_chain.head_seq}:{drill.source_chain.head_hash}"
    assert lines[0].startswith(f"Cadangan ditulis: {out} (")
    assert lines[0].endswith(f" MB, kunci {drill.backup_report['key_id']}).")
    assert lines[1].startswith(f"Basis data {connection.settings_dict['NAME']} (PostgreSQL ")
    assert f"{len(drill.source_counts)} tabel" in lines[1]
    assert lines[2].endswith(f"kepala rantai {head}")
    assert lines[3].endswith(f"`cakupan audit verify --expect {head}`.")


def test_a_failing_pg_dump_leaves_no_file(drill: Drill, tmp_path: Path) -> None:
    """The application role may not read this sequence: pg_dump stops, and nothing that looks like
    a backup is left behind."""
    with drill.target.connect() as owner:
        owner.execute("CREATE SEQUENCE uji_rahasia")
        owner.execute(f"REVOKE ALL ON SEQUENCE uji_rahasia FROM {dbroles.APP_ROLE}")
    out = tmp_path / "gagal.cbk"
    with pytest.raises(BackupError) as caught:
        backup(target=drill.app, out=out, key=base64.b64decode(KEY))
    assert caught.value.code == "dump_failed"
    # pg_dump's own words differ by version; they name the sequence.
    assert caught.value.message.startswith("pg_dump gagal (pg_dump ")
    assert "uji_rahasia" in caught.value.message
    assert os.listdir(tmp_path) == []


def test_a_database_error_is_a_message_and_exit_1_not_a_traceback() -> None:
    class Command(BaseCommand):
        pass

    command = Command(stdout=io.StringIO())

    def unreachable() -> dict[str, Any]:
        raise psycopg.OperationalError('connection to server at "db" failed: Connection refused')

    with pytest.raises(CommandError) as caught:
        run(command, True, unreachable)
    assert caught.value.returncode == 1
    assert str(caught.value) == (
        'Basis data menolak atau tidak terjangkau: connection to server at "db" failed: '
        "Connection refused"
    )
    assert json.loads(command.stdout._out.getvalue())["error"]["code"] == "database"  # type: ignore[attr-defined]
