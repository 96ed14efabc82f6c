"""Two database roles: an owner that runs migrations, and the application's role that does not.

The application connects as ``cakupan_app`` (``DATABASES["default"]``): not a superuser, owner of
nothing, with SELECT, INSERT, UPDATE and DELETE on the tables, and only SELECT and INSERT on the
append-only audit log. So from the application's connection these all fail, whatever a bug or an
injected statement tries (``privacy/tests/test_db_roles.py``):

* ``UPDATE``, ``DELETE`` or ``TRUNCATE`` of the audit log (no privilege; the triggers too);
* ``ALTER TABLE ... DISABLE TRIGGER`` (only the owner may alter a table);
* ``SET session_replication_role = replica``, which would skip every trigger (superuser only);
* creating, dropping or altering tables, functions or roles.

``cakupan_owner`` owns the database, its ``public`` schema and every object in it, and runs the
migrations (``DATABASES["owner"]``; ``cakupan migrate`` uses it when it is configured). After each
``migrate`` the grants are applied again (:func:`grant_app`), so a new table is covered the day it
is added. The embedded server sets both roles up itself (:func:`bootstrap`); on a server of your
own, a superuser runs the SQL of :func:`setup_sql` once (README, "Production").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from psycopg import sql

__all__ = [
    "APPEND_ONLY_TABLES",
    "APP_ROLE",
    "OWNER_ROLE",
    "adopt",
    "bootstrap",
    "ensure_role",
    "grant_app",
    "setup_sql",
]

OWNER_ROLE = "cakupan_owner"
APP_ROLE = "cakupan_app"
# Tables the application may only read and append to.
# The audit log and the hash chain over its blocks (``accounts_auditlink``): the application may
# read and append, never rewrite; a rewritten link would otherwise only be caught by a later
# ``cakupan audit verify``.
APPEND_ONLY_TABLES = ("accounts_auditevent", "accounts_auditlink")
_ROLE_OPTIONS = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS LOGIN"


def _execute(cursor: Any, statement: sql.Composable | str, params: Iterable[Any] = ()) -> None:
    text = (
        statement.as_string(cursor.connection)
        if isinstance(statement, sql.Composable)
        else statement
    )
    cursor.execute(text, list(params) or None)


def ensure_role(cursor: Any, name: str, *, password: str | None = None) -> None:
    """Create login role ``name`` (no superuser, no role or database creation) if it is missing.
    Run as a superuser or a role with CREATEROLE."""
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    if cursor.fetchone() is None:
        _execute(cursor, sql.SQL(f"CREATE ROLE {{}} {_ROLE_OPTIONS}").format(sql.Identifier(name)))
    else:
        _execute(cursor, sql.SQL(f"ALTER ROLE {{}} {_ROLE_OPTIONS}").format(sql.Identifier(name)))
    if password:
        _execute(
            cursor,
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(
                sql.Identifier(name), sql.Literal(password)
            ),
        )


def adopt(cursor: Any, *, dbname: str, owner: str = OWNER_ROLE) -> None:
    """Make ``owner`` the owner of database ``dbname``, its ``public`` schema and everything in it
    (a database created before the two roles existed). Run as a superuser, connected to ``dbname``."""
    ident = sql.Identifier(owner)
    _execute(cursor, sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(dbname), ident))
    _execute(cursor, sql.SQL("ALTER SCHEMA public OWNER TO {}").format(ident))
    cursor.execute(
        """
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND pg_get_userbyid(c.relowner) <> %s
          AND NOT (c.relkind = 'S' AND EXISTS (
              SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i')))
        """,
        [owner],
    )
    for kind, name in cursor.fetchall():
        _execute(
            cursor,
            sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), sql.Identifier(name), ident),
        )
    cursor.execute(
        """
        SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> %s
        """,
        [owner],
    )
    for (signature,) in cursor.fetchall():
        _execute(cursor, sql.SQL("ALTER FUNCTION {} OWNER TO {}").format(sql.SQL(signature), ident))


def grant_app(cursor: Any, *, app: str = APP_ROLE) -> None:
    """The application role's privileges; idempotent. Run as the owner (or a superuser)."""
    role = sql.Identifier(app)
    cursor.execute("SELECT current_database()")
    (dbname,) = cursor.fetchone()
    statements = [
        sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
            sql.Identifier(dbname), role
        ),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"),
        sql.SQL("REVOKE CREATE ON SCHEMA public FROM {}").format(role),
        sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role),
        sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(
            role
        ),
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {}"
        ).format(role),
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {}"
        ).format(role),
    ]
    for statement in statements:
        _execute(cursor, statement)
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(%s)",
        [list(APPEND_ONLY_TABLES)],
    )
    for (table,) in cursor.fetchall():
        _execute(
            cursor,
            sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON {} FROM {}").format(
                sql.Identifier(table), role
            ),
        )
        _execute(
            cursor, sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(sql.Identifier(table), role)
        )


def bootstrap(cursor: Any, *, dbname: str, owner: str = OWNER_ROLE, app: str = APP_ROLE) -> None:
    """As a superuser connected to ``dbname``: both roles, ``owner`` owning everything, the grants
    (run with ``SET ROLE owner``, so the default privileges are the owner's)."""
    ensure_role(cursor, owner)
    ensure_role(cursor, app)
    adopt(cursor, dbname=dbname, owner=owner)
    _execute(cursor, sql.SQL("SET ROLE {}").format(sql.Identifier(owner)))
    try:
        grant_app(cursor, app=app)
    finally:
        cursor.execute("RESET ROLE")


def setup_sql(*, dbname: str = "cakupan", owner: str = OWNER_ROLE, app: str = APP_ROLE) -> str:
    """The SQL a superuser runs once on a server of your own (README, "Production")."""
    return f"""-- as a superuser (psql -U postgres):
CREATE ROLE {owner} {_ROLE_OPTIONS} PASSWORD 'change-me-owner';
CREATE ROLE {app} {_ROLE_OPTIONS} PASSWORD 'change-me-app';
CREATE DATABASE {dbname} OWNER {owner};
\\c {dbname}
ALTER SCHEMA public OWNER TO {owner};
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
-- then: DATABASE_OWNER_URL=postgres://{owner}:...@host/{dbname} cakupan migrate
-- (it grants {app} what it needs after every migration)
"""
