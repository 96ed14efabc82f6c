"""The database to back up or restore into, and what it holds (tables, the audit chain's head)."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from cakupan.common import dbroles
from cakupan.common.backup.errors import BackupError

# The audit log's tables, named here rather than imported: ``common`` imports no app.
AUDIT_EVENTS = "accounts_auditevent"
AUDIT_LINKS = "accounts_auditlink"


# Connection options that libpq also reads from the environment (pg_dump and pg_restore get the
# connection that way, so no password ever appears on a command line).
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
_SSL_REQUIRED = {"require", "verify-ca", "verify-full"}


@dataclass(frozen=True, slots=True)
class DbTarget:
    """A database to back up or restore into, as libpq connection parameters."""

    # Not in the repr: it may hold a password, and a repr ends up in tracebacks and logs.
    params: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def dbname(self) -> str:
        return self.params.get("dbname", "")

    @property
    def needs_ssl(self) -> bool:
        return self.params.get("sslmode", "") in _SSL_REQUIRED

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.params)  # type: ignore[arg-type]

    def libpq_env(self) -> dict[str, str]:
        """The environment for pg_dump and pg_restore: this process's (libpq reads the same
        ``PG*`` defaults here), with the connection's own parameters on top."""
        return {**os.environ, **{_LIBPQ_ENV[k]: v for k, v in self.params.items()}}


def target_from_settings(settings_dict: Mapping[str, Any]) -> DbTarget:
    """The database of a Django connection, signed in as its owner.

    The owner is ``settings_dict["OWNER"]`` (the embedded server's ``cakupan_owner``, or
    ``DATABASE_OWNER_URL``), as ``cakupan migrate`` uses it. Without one, an embedded server is
    reached as the role the settings name (the test server's superuser); a server of your own
    without ``DATABASE_OWNER_URL`` is refused: the application role may not create tables, and a
    backup taken with it is not one the owner would restore the same way.
    """
    from cakupan.common.postgres.base import DatabaseWrapper

    changed: dict[str, Any] = copy.deepcopy(dict(settings_dict))
    owner = changed.get("OWNER")
    if owner:
        if changed.get("EMBEDDED"):
            changed["EMBEDDED"]["user"] = owner["USER"]
        else:
            changed.update(
                {k: v for k, v in owner.items() if k in ("USER", "PASSWORD", "HOST", "PORT")}
            )
    elif not changed.get("EMBEDDED"):
        raise BackupError(
            "DATABASE_OWNER_URL belum diisi: cadangan diambil dan dipulihkan sebagai pemilik "
            f"basis data ({dbroles.OWNER_ROLE}), bukan peran aplikasi. Lihat README, bagian "
            '"Production".',
            code="no_owner",
        )
    params = DatabaseWrapper(changed, alias="backup").get_connection_params()
    return DbTarget(
        params={k: str(v) for k, v in params.items() if k in _LIBPQ_ENV and v not in (None, "")}
    )


_TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY c.relname
"""
# Anything of our own in ``public``: a database with any of it is not empty.
_OBJECTS_SQL = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
"""


def table_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Every table of the ``public`` schema with its exact row count."""
    names = [name for (name,) in conn.execute(_TABLES_SQL).fetchall()]
    counts: dict[str, int] = {}
    for name in names:
        query = sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(name))
        row = conn.execute(query).fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def chain_head(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """The audit log's size and its chain's last link (``seq``, ``hash``), as ``cakupan audit
    verify`` prints it; all None where the tables do not exist."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{AUDIT_LINKS}"])
    row = exists.fetchone()
    if not row or not row[0]:
        return {"rows": None, "links": None, "head_seq": None, "head_hash": None}
    rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(AUDIT_EVENTS)))
    links = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(AUDIT_LINKS)))
    head = conn.execute(
        sql.SQL("SELECT seq, encode(hash, 'hex') FROM {} ORDER BY seq DESC LIMIT 1").format(
            sql.Identifier(AUDIT_LINKS)
        )
    ).fetchone()
    return {
        "rows": int(rows.fetchone()[0]),  # type: ignore[index]
        "links": int(links.fetchone()[0]),  # type: ignore[index]
        "head_seq": int(head[0]) if head else None,
        "head_hash": head[1] if head else None,
    }


def is_empty(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(_OBJECTS_SQL).fetchone()
    return row is not None and int(row[0]) == 0
