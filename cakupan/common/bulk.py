"""Bulk writes through PostgreSQL ``COPY``, for the paths that write thousands of rows at once.

Django's ``bulk_create`` spends most of its time building one huge parameterised INSERT (measured:
32 s for the 70,000 demo rows against under 3 s with COPY). Ids are reserved from the table's own
sequence first, so callers know every new row's primary key without reading rows back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from psycopg import sql
from psycopg.types.json import Jsonb


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Take ``count`` values from the sequence behind ``model``'s ``id`` column."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_rows(
    model: type[models.Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """``COPY`` ``rows`` into ``model``'s table; ``columns`` are database column names.

    Values go through psycopg's dumpers (lists become arrays; wrap JSON in ``psycopg.types.json.Jsonb``).
    Constraints and triggers apply as for any INSERT. Returns the number of rows written.
    """
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(model._meta.db_table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    n = 0
    with connection.cursor() as cursor, cursor.copy(statement.as_string(cursor.connection)) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def copy_instances(model: type[models.Model], instances: Sequence[models.Model]) -> int:
    """``COPY`` unsaved ``instances`` with every concrete column, as ``save()`` would write them.

    The primary key is written when the instances carry one (see :func:`reserve_ids`) and left to
    the sequence otherwise. ``auto_now`` fields are not filled in here: set them on the instances.
    """
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and instances and instances[0].pk is None)
    ]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}

    def value(instance: models.Model, attname: str) -> Any:
        raw = getattr(instance, attname)
        return Jsonb(raw) if attname in json_fields and raw is not None else raw

    return copy_rows(
        model,
        [f.column for f in fields],
        ([value(i, f.attname) for f in fields] for i in instances),
    )
