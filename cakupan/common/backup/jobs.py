"""``cakupan backup``, ``cakupan restore`` and ``cakupan restore --check``: the three jobs."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO, Any

import psycopg

from cakupan.common import dbroles
from cakupan.common.backup.container import (
    CHUNK_SIZE,
    KIND_DATA,
    VERSION,
    BackupContents,
    Reader,
    authenticate,
    open_backup,
    read_backup,
    seal,
)
from cakupan.common.backup.database import DbTarget, chain_head, is_empty, table_counts
from cakupan.common.backup.errors import BackupError
from cakupan.common.backup.keys import key_id
from cakupan.common.backup.tools import Tool, choose_tool


def _major(server_version: int) -> int:
    return server_version // 10000


def _version_text(server_version: int) -> str:
    return f"{server_version // 10000}.{server_version % 10000}"


def _run_error(tool: Tool, stderr: IO[bytes], code: str, what: str) -> BackupError:
    stderr.seek(0)
    tail = stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
    return BackupError(
        f"{what} gagal ({tool.path.name} {tool.version}): {' / '.join(tail) or 'tanpa pesan'}",
        code=code,
    )


def backup(
    *, target: DbTarget, out: Path, key: bytes, chunk_size: int = CHUNK_SIZE
) -> dict[str, Any]:
    """Write an encrypted backup of ``target`` to ``out`` (which must not exist yet).

    The file is written under a temporary name beside ``out`` (mode 0600) and only linked to
    ``out`` when complete, so a failed backup never leaves a file that looks like one.
    Returns the report ``cakupan backup --json`` prints.
    """
    started = time.monotonic()
    if out.exists():
        raise BackupError(
            f"Berkas {out} sudah ada: cadangan tidak menimpa berkas lain.", code="exists"
        )
    if not out.parent.is_dir():
        raise BackupError(f"Folder {out.parent} tidak ada.", code="no_folder")
    conn = target.connect()
    try:
        # One snapshot for everything: the counts and the chain head below, and pg_dump's rows.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        snapshot = str(row[0]) if row else ""
        server_version = conn.info.server_version
        counts = table_counts(conn)
        chain = chain_head(conn)
        tool = choose_tool(
            "pg_dump",
            at_least=_major(server_version),
            needs_ssl=target.needs_ssl,
            server=_major(server_version),
        )
        manifest = {
            "format": VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": target.dbname,
            "server_version": _version_text(server_version),
            "server_version_num": server_version,
            "pg_dump": tool.as_dict(),
            "tables": counts,
            "audit_chain": chain,
        }
        fd, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as sink, tempfile.TemporaryFile() as stderr:
                process = subprocess.Popen(
                    [
                        str(tool.path),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--no-password",
                        f"--dbname={target.dbname}",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    env=target.libpq_env(),
                )
                pipe = process.stdout
                assert pipe is not None
                with process:
                    size, end = seal(
                        sink,
                        key,
                        manifest=manifest,
                        data=iter(lambda: pipe.read(chunk_size), b""),
                        chunk_size=chunk_size,
                    )
                if process.returncode != 0:
                    raise _run_error(tool, stderr, "dump_failed", "pg_dump")
                sink.flush()
                os.fsync(sink.fileno())
            try:
                os.link(temp, out)  # fails rather than replace a file made meanwhile
            except FileExistsError:
                raise BackupError(
                    f"Berkas {out} sudah ada: cadangan tidak menimpa berkas lain.", code="exists"
                ) from None
        finally:
            temp.unlink(missing_ok=True)
    finally:
        conn.close()
    return {
        "file": str(out),
        "bytes": size,
        "key_id": key_id(key),
        "created_at": manifest["created_at"],
        "database": target.dbname,
        "server_version": manifest["server_version"],
        "pg_dump": tool.as_dict(),
        "tables": counts,
        "rows": sum(counts.values()),
        "audit_chain": chain,
        "dump_sha256": end["dump_sha256"],
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def restore(
    *, source: Path, target: DbTarget, key: bytes, app_role: str = dbroles.APP_ROLE
) -> dict[str, Any]:
    """Restore the backup ``source`` into the empty database ``target`` (signed in as its owner).

    The whole file is read and authenticated first: a wrong key, a truncated or altered file is
    refused before the database is touched. A database that already holds tables is refused too
    (there is no ``--force``): restoring over it would replace its audit log, the one record
    that must never be rewritten, so emptying a database is a separate, deliberate step.
    ``pg_restore`` runs in one transaction, so a failure leaves the database as empty as it was.
    Objects are created owned by ``target``'s role; the application role is then granted its
    rights (``dbroles.grant_app``) when it exists. Returns the report ``cakupan restore --json``
    prints, with every table's count and the audit chain's head beside the backup's.
    """
    started = time.monotonic()
    with open_backup(source) as handle:
        # Both passes read one open handle: a file renamed over this one meanwhile is not read.
        contents = authenticate(handle, key)
        handle.seek(0)
        return _restore(
            handle,
            contents,
            source=source,
            target=target,
            key=key,
            app_role=app_role,
            started=started,
        )


def _restore(
    handle: IO[bytes],
    contents: BackupContents,
    *,
    source: Path,
    target: DbTarget,
    key: bytes,
    app_role: str,
    started: float,
) -> dict[str, Any]:
    manifest = contents.manifest
    dump_major = int(manifest["pg_dump"]["major"])
    source_major = _major(int(manifest["server_version_num"]))
    with target.connect() as conn:
        server_version = conn.info.server_version
        if _major(server_version) < source_major:
            raise BackupError(
                f"Cadangan ini dari PostgreSQL {manifest['server_version']}; server tujuan "
                f"{_version_text(server_version)} lebih lama. Pulihkan ke PostgreSQL "
                f"{source_major} atau lebih baru.",
                code="server_too_old",
            )
        if not is_empty(conn):
            raise BackupError(
                f"Basis data {target.dbname} tidak kosong: pemulihan hanya ke basis data kosong, "
                "agar jejak audit yang ada tidak tertimpa. Buat basis data baru (atau kosongkan "
                "dengan sengaja), lalu ulangi.",
                code="not_empty",
            )
        role_row = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        app_role_exists = role_row.fetchone() is not None
    tool = choose_tool(
        "pg_restore",
        at_least=dump_major,
        needs_ssl=target.needs_ssl,
        server=_major(server_version),
    )
    with tempfile.TemporaryFile() as stderr:
        reader = Reader(handle, key)
        process = subprocess.Popen(
            [
                str(tool.path),
                f"--dbname={target.dbname}",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=target.libpq_env(),
        )
        assert process.stdin is not None
        try:
            for kind, payload in reader.records():
                if kind == KIND_DATA:
                    process.stdin.write(payload)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit code and message say why
        except BaseException:
            # The file changed since it was checked: kill pg_restore, whose transaction the
            # server then rolls back.
            process.kill()
            process.wait()
            raise
        if process.wait() != 0:
            raise _run_error(tool, stderr, "restore_failed", "pg_restore")
    with target.connect() as conn:
        if app_role_exists:
            with conn.cursor() as cursor:
                dbroles.grant_app(cursor, app=app_role)
            conn.commit()
        counts = table_counts(conn)
        chain = chain_head(conn)
    expected: dict[str, int] = manifest["tables"]
    differences = {
        name: {"backup": expected.get(name), "restored": counts.get(name)}
        for name in sorted(set(expected) | set(counts))
        if expected.get(name) != counts.get(name)
    }
    backed_up_chain = manifest["audit_chain"]
    chain_matches = all(chain[k] == backed_up_chain[k] for k in ("rows", "head_seq", "head_hash"))
    return {
        "file": str(source),
        "bytes": contents.size,
        "key_id": contents.key_id,
        "backup_created_at": manifest["created_at"],
        "database": target.dbname,
        "server_version": _version_text(server_version),
        "pg_restore": tool.as_dict(),
        "tables": counts,
        "rows": sum(counts.values()),
        "matches": not differences and chain_matches,
        "differences": differences,
        "audit_chain": {**chain, "backup": backed_up_chain, "matches": chain_matches},
        "app_role_granted": app_role if app_role_exists else None,
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def check(*, source: Path, key: bytes) -> dict[str, Any]:
    """Authenticate a backup file without restoring it (``cakupan restore FILE --check``)."""
    started = time.monotonic()
    contents = read_backup(source, key)
    manifest = contents.manifest
    return {
        "file": str(source),
        "bytes": contents.size,
        "key_id": contents.key_id,
        "backup_created_at": manifest["created_at"],
        "database": manifest["database"],
        "server_version": manifest["server_version"],
        "pg_dump": manifest["pg_dump"],
        "tables": manifest["tables"],
        "rows": sum(manifest["tables"].values()),
        "audit_chain": manifest["audit_chain"],
        "dump_sha256": contents.end["dump_sha256"],
        "duration_seconds": round(time.monotonic() - started, 3),
    }
