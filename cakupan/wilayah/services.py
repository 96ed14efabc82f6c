"""Loading region master data."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

from cakupan.wilayah.dataset import RegionRow
from cakupan.wilayah.models import Region, RegionDataset


@dataclass(frozen=True, slots=True)
class RegionLoadResult:
    source: str
    loaded: bool
    inserted: int
    updated: int
    retired: int
    counts: dict[str, int]


def regions_load(
    *,
    rows: Iterable[RegionRow],
    source: str,
    valid_from: dt.date | None = None,
    force: bool = False,
) -> RegionLoadResult:
    """Load one edition of the region dataset, idempotently, in one transaction.

    New codes are inserted (``valid_from`` = the edition's date, NULL for the first edition ever
    loaded, meaning "known before records began"); changed names or parents are updated; codes that
    the edition no longer has are retired with ``valid_to`` = the day before ``valid_from``, never
    deleted. An edition already loaded is skipped unless ``force``.

    The rows go through ``COPY`` into a temporary table and two set-based statements, so the whole
    country (about 91,600 rows) loads in a few seconds.
    """
    if not force and RegionDataset.objects.filter(source=source).exists():
        dataset = RegionDataset.objects.get(source=source)
        return RegionLoadResult(source, False, 0, 0, 0, dict(dataset.counts))

    first_edition = not Region.objects.exists()
    edition_date = None if first_edition else (valid_from or dt.date.today())  # noqa: DTZ011
    counts: Counter[str] = Counter()
    table = Region._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            'CREATE TEMP TABLE region_staging (code text COLLATE "C" PRIMARY KEY, name text, '
            "kind text, level smallint, parent text) ON COMMIT DROP"
        )
        with cursor.copy(
            "COPY region_staging (code, name, kind, level, parent) FROM STDIN"
        ) as copy:
            for row in rows:
                counts[row.kind] += 1
                copy.write_row((row.code, row.name, row.kind, row.level, row.parent))
        cursor.execute(
            f"""
            WITH upserted AS (
                INSERT INTO {table} AS r (code, name, kind, level, parent_id, valid_from, valid_to, source)
                SELECT code, name, kind, level, parent, %s, NULL, %s FROM region_staging
                ON CONFLICT (code) DO UPDATE
                   SET name = EXCLUDED.name, kind = EXCLUDED.kind, level = EXCLUDED.level,
                       parent_id = EXCLUDED.parent_id, valid_to = NULL, source = EXCLUDED.source
                 WHERE (r.name, r.kind, r.level, r.parent_id, r.valid_to)
                       IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.level, EXCLUDED.parent_id, NULL)
                RETURNING (xmax = 0) AS inserted
            )
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM upserted
            """,  # noqa: S608 - the table name is our own model's, not input
            [edition_date, source],
        )
        inserted, updated = cursor.fetchone()
        retired = 0
        if edition_date is not None:
            cursor.execute(
                f"""
                UPDATE {table} SET valid_to = %s
                 WHERE valid_to IS NULL
                   AND NOT EXISTS (SELECT 1 FROM region_staging s WHERE s.code = {table}.code)
                """,  # noqa: S608
                [edition_date - dt.timedelta(days=1)],
            )
            retired = cursor.rowcount
        RegionDataset.objects.update_or_create(
            source=source,
            defaults={"valid_from": edition_date or dt.date(1900, 1, 1), "counts": dict(counts)},
        )
    return RegionLoadResult(source, True, inserted, updated, retired, dict(counts))
