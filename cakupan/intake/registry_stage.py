"""The registry side of an import: set-based SQL over a staging table, never a loop over people.

The validated rows of a file are copied (``COPY ... FORMAT csv``) into a temporary table; checks
against the registry (active elsewhere, name differences), the new/changed/unchanged counts, the
upserts and their audit rows are each one SQL statement over that table. Everything runs in the
caller's transaction: a dry run rolls back, a commit keeps all of it or nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent
from cakupan.intake.models import BatchMembership
from cakupan.registry.models import COVERED_STATUSES, Membership, MembershipStatus, Person, Unit

STAGING = "intake_staging"

# Columns of the staging table, in COPY order, with their SQL types.
STAGING_COLUMNS: dict[str, str] = {
    "row_number": "integer",
    "nik": 'text COLLATE "C"',
    "name": "text",
    "sex": "text",
    "birth_date": "date",
    "domicile": 'text COLLATE "C"',
    "phone": "text",
    "kk_number": "text",
    "occupation_id": "bigint",
    "funding_source": "text",
    "scheme": "text",
    "wage": "numeric(15,0)",
    "start_date": "date",
    "end_date": "date",
    "kpj_number": "text",
    "risk_class": "smallint",
    "programmes": "varchar(3)[]",
}

PERSON_FIELDS = ("name", "sex", "birth_date", "domicile", "phone", "kk_number")
# Membership fields an import may change on an existing membership. The start date only moves
# while BPJS has not registered the membership yet.
MEMBERSHIP_FIELDS = (
    "occupation_id",
    "funding_source",
    "scheme",
    "wage",
    "risk_class",
    "programmes",
)
PENDING_STATUSES = (MembershipStatus.DRAFT, MembershipStatus.SUBMITTED)
# A membership still "holds" a person when it is not closed before today.
HOLDING_STATUSES = (MembershipStatus.DRAFT, MembershipStatus.SUBMITTED, *COVERED_STATUSES)


@dataclass(frozen=True, slots=True)
class Holder:
    """A membership elsewhere that already covers a NIK of the file."""

    row_number: int
    membership_id: int
    unit_code: str
    unit_name: str
    segment: str
    start_date: dt.date
    same_segment: bool


@dataclass(frozen=True, slots=True)
class Classification:
    new: int
    changed: int
    unchanged: int


def _execute(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def stage_rows(clean: pl.DataFrame) -> int:
    """Create the temporary staging table and COPY ``clean`` (one row per accepted file row) in."""
    columns = ", ".join(f"{name} {kind}" for name, kind in STAGING_COLUMNS.items())
    _execute(f"DROP TABLE IF EXISTS {STAGING}")
    _execute(f"CREATE TEMP TABLE {STAGING} ({columns}) ON COMMIT DROP")
    # Arrays travel as PostgreSQL array literals ("{jkk,jkm}") inside the CSV.
    frame = clean.select(list(STAGING_COLUMNS)).with_columns(
        pl.concat_str(pl.lit("{"), pl.col("programmes").list.join(","), pl.lit("}")).alias(
            "programmes"
        )
    )
    payload = frame.write_csv(include_header=False, null_value="\\N", date_format="%Y-%m-%d")
    with connection.cursor() as cursor:
        with cursor.copy(
            f"COPY {STAGING} ({', '.join(STAGING_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        ) as copy:
            copy.write(payload.encode("utf-8"))
        cursor.execute(f"CREATE INDEX ON {STAGING} (nik)")
        cursor.execute(f"ANALYZE {STAGING}")
    return frame.height


def holders_elsewhere(*, unit: Unit, segment: str, today: dt.date) -> list[Holder]:
    """Memberships outside this unit+segment that still hold a NIK of the file (double funding risk)."""
    rows = _execute(
        f"""
        SELECT s.row_number, m.id, u.code, u.name, m.segment, m.start_date, m.segment = %(segment)s
          FROM {STAGING} s
          JOIN {Person._meta.db_table} p ON p.nik = s.nik
          JOIN {Membership._meta.db_table} m ON m.person_id = p.id
          JOIN {Unit._meta.db_table} u ON u.id = m.unit_id
         WHERE m.status = ANY(%(statuses)s)
           AND (m.end_date IS NULL OR m.end_date >= %(today)s)
           AND NOT (m.unit_id = %(unit)s AND m.segment = %(segment)s)
         ORDER BY s.row_number, m.start_date
        """,  # noqa: S608 - table names are our models', values are parameters
        {"segment": segment, "statuses": list(HOLDING_STATUSES), "today": today, "unit": unit.pk},
    )
    return [Holder(*row) for row in rows]


def registry_names() -> list[tuple[Any, ...]]:
    """(row_number, name in the file, name in the registry) where an existing person's name differs."""
    return _execute(
        f"""
        SELECT s.row_number, s.name, p.name
          FROM {STAGING} s JOIN {Person._meta.db_table} p ON p.nik = s.nik
         WHERE lower(regexp_replace(s.name, '\\s+', ' ', 'g')) <> lower(regexp_replace(p.name, '\\s+', ' ', 'g'))
         ORDER BY s.row_number
        """  # noqa: S608
    )


def drop_rows(row_numbers: list[int]) -> None:
    """Remove rejected rows from staging (an error found against the registry)."""
    if row_numbers:
        _execute(f"DELETE FROM {STAGING} WHERE row_number = ANY(%s)", [row_numbers])  # noqa: S608


# When a staged row changes a known person or membership. Optional person fields left empty in the
# file keep what the registry has; the update statements below apply exactly the same rule.
PERSON_CHANGED = (
    "p.name IS DISTINCT FROM s.name OR p.sex IS DISTINCT FROM s.sex "
    "OR p.birth_date IS DISTINCT FROM s.birth_date "
    "OR (s.domicile IS NOT NULL AND p.domicile_id IS DISTINCT FROM s.domicile) "
    "OR (s.phone IS NOT NULL AND p.phone IS DISTINCT FROM s.phone) "
    "OR (s.kk_number IS NOT NULL AND p.kk_number IS DISTINCT FROM s.kk_number)"
)
MEMBERSHIP_CHANGED = (
    " OR ".join(f"m.{f} IS DISTINCT FROM s.{f}" for f in MEMBERSHIP_FIELDS)
    + " OR (s.kpj_number IS NOT NULL AND m.kpj_number IS DISTINCT FROM s.kpj_number)"
    + " OR (m.status = ANY(%(pending)s) AND m.start_date IS DISTINCT FROM s.start_date)"
)


def _open_membership_join(alias: str = "m") -> str:
    """The membership of the staged row's person in this unit and segment that the row continues."""
    return (
        f"LEFT JOIN {Membership._meta.db_table} {alias} ON {alias}.person_id = p.id "
        f"AND {alias}.unit_id = %(unit)s AND {alias}.segment = %(segment)s "
        f"AND ({alias}.end_date IS NULL OR {alias}.end_date >= s.start_date)"
    )


def classify(*, unit: Unit, segment: str) -> Classification:
    """Count staged rows that would add, change or leave the registry as it is."""
    params = {"unit": unit.pk, "segment": segment, "pending": list(PENDING_STATUSES)}
    [(new, changed, unchanged)] = _execute(
        f"""
        SELECT count(*) FILTER (WHERE p.id IS NULL OR m.id IS NULL),
               count(*) FILTER (WHERE p.id IS NOT NULL AND m.id IS NOT NULL
                                  AND (({PERSON_CHANGED}) OR ({MEMBERSHIP_CHANGED}))),
               count(*) FILTER (WHERE p.id IS NOT NULL AND m.id IS NOT NULL
                                  AND NOT (({PERSON_CHANGED}) OR ({MEMBERSHIP_CHANGED})))
          FROM {STAGING} s
          LEFT JOIN {Person._meta.db_table} p ON p.nik = s.nik
          {_open_membership_join()}
        """,  # noqa: S608
        params,
    )
    return Classification(new, changed, unchanged)


def _audit_insert(select_sql: str) -> str:
    """INSERT INTO the audit log the rows of ``select_sql`` (entity_id, action, entity, before, after)."""
    # Our own table and SQL; every value is a query parameter.
    return (
        f"INSERT INTO {AuditEvent._meta.db_table} "  # noqa: S608
        "(at, actor_id, actor_label, source, action, entity, entity_id, before, after, note) "
        "SELECT %(now)s, %(actor_id)s, %(actor_label)s, %(source)s, a.action, a.entity, a.entity_id, "
        "a.before, a.after, %(note)s "
        f"FROM ({select_sql}) a"
    )


_PERSON_JSON = (
    "jsonb_build_object('nik', {a}.nik, 'name', {a}.name, 'sex', {a}.sex, 'birth_date', {a}.birth_date, "
    "'domicile', {a}.domicile_id, 'phone', {a}.phone, 'kk_number', {a}.kk_number)"
)
_MEMBERSHIP_JSON = (
    "jsonb_build_object('person', {a}.person_id, 'unit', {a}.unit_id, 'segment', {a}.segment, "
    "'occupation', {a}.occupation_id, 'funding_source', {a}.funding_source, 'scheme', {a}.scheme, "
    "'programmes', to_jsonb({a}.programmes), 'wage', {a}.wage::text, 'risk_class', {a}.risk_class, "
    "'start_date', {a}.start_date, 'end_date', {a}.end_date, 'status', {a}.status, 'kpj_number', {a}.kpj_number)"
)
# Only the keys whose values differ, as the single-record services record them.
_DIFF = (
    "(SELECT coalesce(jsonb_object_agg(kv.key, kv.value), '{{}}') FROM jsonb_each({old}) kv "
    "WHERE kv.value IS DISTINCT FROM {new} -> kv.key)"
)


def write(
    *, batch_id: int, unit: Unit, segment: str, actor: Actor, note: str, now: dt.datetime
) -> dict[str, int]:
    """Insert new people and memberships, update changed ones, and audit every row written."""
    params: dict[str, Any] = {
        "batch": batch_id,
        "unit": unit.pk,
        "segment": segment,
        "pending": list(PENDING_STATUSES),
        "now": now,
        "actor_id": actor.user.pk if actor.user is not None else None,
        "actor_label": actor.name,
        "source": actor.source,
        "note": note[:300],
        "draft": MembershipStatus.DRAFT,
    }
    person, membership = Person._meta.db_table, Membership._meta.db_table
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        # 1. People whose NIK the registry does not know yet.
        cursor.execute(
            f"""
            WITH inserted AS (
                INSERT INTO {
                person
            } (nik, name, sex, birth_date, domicile_id, phone, kk_number, created_at, updated_at)
                SELECT s.nik, s.name, s.sex, s.birth_date, s.domicile, coalesce(s.phone, ''), coalesce(s.kk_number, ''),
                       %(now)s, %(now)s
                  FROM {STAGING} s
                 WHERE NOT EXISTS (SELECT 1 FROM {person} p WHERE p.nik = s.nik)
                RETURNING *
            )
            {
                _audit_insert(
                    f"SELECT 'create' AS action, 'registry.person' AS entity, i.id::text AS entity_id, "
                    f"NULL::jsonb AS before, {_PERSON_JSON.format(a='i')} AS after FROM inserted i"
                )
            }
            """,  # noqa: S608
            params,
        )
        counts["persons_created"] = cursor.rowcount
        # 2. Known people whose data in the file differ (staged values are coalesced like inserts).
        cursor.execute(
            f"""
            WITH old AS (
                SELECT p.* FROM {person} p JOIN {STAGING} s ON s.nik = p.nik
                 WHERE {PERSON_CHANGED}
                   FOR UPDATE OF p
            ), updated AS (
                UPDATE {person} p
                   SET name = s.name, sex = s.sex, birth_date = s.birth_date,
                       domicile_id = coalesce(s.domicile, p.domicile_id), phone = coalesce(s.phone, p.phone),
                       kk_number = coalesce(s.kk_number, p.kk_number), updated_at = %(now)s
                  FROM {STAGING} s, old
                 WHERE old.id = p.id AND s.nik = p.nik
                RETURNING p.*
            )
            {
                _audit_insert(
                    "SELECT 'update' AS action, 'registry.person' AS entity, u.id::text AS entity_id, "
                    + _DIFF.format(old=_PERSON_JSON.format(a="o"), new=_PERSON_JSON.format(a="u"))
                    + " AS before, "
                    + _DIFF.format(old=_PERSON_JSON.format(a="u"), new=_PERSON_JSON.format(a="o"))
                    + " AS after FROM updated u JOIN old o ON o.id = u.id"
                )
            }
            """,  # noqa: S608
            params,
        )
        counts["persons_updated"] = cursor.rowcount
        # 3. Memberships the registry does not have yet in this unit and segment: drafts.
        cursor.execute(
            f"""
            WITH inserted AS (
                INSERT INTO {
                membership
            } (person_id, unit_id, segment, occupation_id, funding_source, scheme,
                                          programmes, wage, risk_class, start_date, end_date, status, kpj_number,
                                          created_at, updated_at)
                SELECT p.id, %(unit)s, %(segment)s, s.occupation_id, s.funding_source, s.scheme, s.programmes,
                       s.wage, s.risk_class, s.start_date, s.end_date, %(draft)s, coalesce(s.kpj_number, ''),
                       %(now)s, %(now)s
                  FROM {STAGING} s JOIN {person} p ON p.nik = s.nik
                  {_open_membership_join()}
                 WHERE m.id IS NULL
                RETURNING *
            )
            {
                _audit_insert(
                    f"SELECT 'create' AS action, 'registry.membership' AS entity, i.id::text AS entity_id, "
                    f"NULL::jsonb AS before, {_MEMBERSHIP_JSON.format(a='i')} AS after FROM inserted i"
                )
            }
            """,  # noqa: S608
            params,
        )
        counts["memberships_created"] = cursor.rowcount
        # 4. Open memberships in this unit and segment whose data in the file differ.
        cursor.execute(
            f"""
            WITH old AS (
                SELECT m.*, s.row_number AS staged_row FROM {STAGING} s JOIN {
                person
            } p ON p.nik = s.nik
                  JOIN {
                membership
            } m ON m.person_id = p.id AND m.unit_id = %(unit)s AND m.segment = %(segment)s
                   AND (m.end_date IS NULL OR m.end_date >= s.start_date)
                 WHERE {MEMBERSHIP_CHANGED}
                   FOR UPDATE OF m
            ), updated AS (
                UPDATE {membership} m
                   SET occupation_id = s.occupation_id, funding_source = s.funding_source, scheme = s.scheme,
                       wage = s.wage, risk_class = s.risk_class, programmes = s.programmes,
                       kpj_number = coalesce(s.kpj_number, m.kpj_number),
                       start_date = CASE WHEN m.status = ANY(%(pending)s) THEN s.start_date ELSE m.start_date END,
                       updated_at = %(now)s
                  FROM old JOIN {STAGING} s ON s.row_number = old.staged_row
                 WHERE m.id = old.id
                RETURNING m.*
            )
            {
                _audit_insert(
                    "SELECT 'update' AS action, 'registry.membership' AS entity, u.id::text AS entity_id, "
                    + _DIFF.format(
                        old=_MEMBERSHIP_JSON.format(a="o"), new=_MEMBERSHIP_JSON.format(a="u")
                    )
                    + " AS before, "
                    + _DIFF.format(
                        old=_MEMBERSHIP_JSON.format(a="u"), new=_MEMBERSHIP_JSON.format(a="o")
                    )
                    + " AS after FROM updated u JOIN old o ON o.id = u.id"
                )
            }
            """,  # noqa: S608
            params,
        )
        counts["memberships_updated"] = cursor.rowcount
        # 5. Remember which membership each accepted row stands for (workflow, BPJS round trip).
        cursor.execute(
            f"""
            INSERT INTO {BatchMembership._meta.db_table} (batch_id, membership_id, row_number)
            SELECT DISTINCT ON (m.id) %(batch)s, m.id, s.row_number
              FROM {STAGING} s JOIN {person} p ON p.nik = s.nik
              JOIN {membership} m ON m.person_id = p.id AND m.unit_id = %(unit)s AND m.segment = %(segment)s
               AND (m.end_date IS NULL OR m.end_date >= s.start_date)
             ORDER BY m.id, s.row_number
            ON CONFLICT (batch_id, membership_id) DO NOTHING
            """,  # noqa: S608
            params,
        )
        counts["linked"] = cursor.rowcount
    return counts
