"""Snapshot and put back whole tables, for tests that must commit (browser tests, the backup drill).

Such tests cannot run inside a rolled-back transaction: a live server or ``pg_dump`` only sees
committed rows. They take :func:`row_counts` before and call :func:`put_back` after, which deletes
every row added since (by id) and empties the tables that were empty.
"""

from __future__ import annotations

from django.db import connection

Counts = dict[str, tuple[int, int | None]]


def row_counts() -> Counts:
    """Per table but ``django_migrations``: its row count and its largest integer ``id`` (None
    without one)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND column_name = 'id' AND data_type IN ('smallint', 'integer', 'bigint')"
        )
        with_id = {name for (name,) in cursor.fetchall()}
        counts: Counts = {}
        for table in connection.introspection.table_names(cursor):
            if table == "django_migrations":
                continue
            max_id = "max(id)" if table in with_id else "NULL"
            cursor.execute(f'SELECT count(*), {max_id} FROM "{table}"')  # noqa: S608
            count, largest = cursor.fetchone()
            counts[table] = (count, largest)
    return counts


def put_back(before: Counts) -> None:
    """Leave every table as ``before`` found it: rows added since deleted, empty tables emptied.

    The audit log refuses TRUNCATE and DELETE (``docs/integrity.md``): as the owner of the
    throwaway test database, this switches its triggers off while it runs. Rows changed in place
    are not restored; the callers' tests only add rows.
    """
    empty = [t for t, (count, _) in before.items() if count == 0]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER")
        try:
            if empty:
                cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in empty) + " CASCADE")
            for table, (count, max_id) in before.items():
                if count and max_id is not None:
                    cursor.execute(f'DELETE FROM "{table}" WHERE id > %s', [max_id])  # noqa: S608
        finally:
            cursor.execute("ALTER TABLE accounts_auditevent ENABLE TRIGGER USER")
