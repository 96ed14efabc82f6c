"""Bulk writes to the registry: set-based SQL over a staging table, never a loop over people.

The registry owns every write to its people and memberships; spreadsheet intake
(``intake.services.batch_process``) hands its validated rows to this module and keeps only its own
tables (the batch, its issues and its links to the memberships, written from :data:`MATCH`).

The validated rows of a file are copied (``COPY ... FORMAT csv``) into a temporary staging table,
then matched against the registry ONCE into a second temporary table (:data:`MATCH`): each staged
row with the person its NIK names (if any), the membership of this unit and segment it continues
(if any), and whether either would change. Every later step reads that table: the checks against
the registry (active elsewhere, name differences), the new/changed/unchanged counts, and on commit
the inserts, the updates with their audit rows and the provenance row, each one SQL statement.

What the audit trail holds (issue 15, item 5): every change to an existing person or membership has
its own row with the fields before and after. Created rows have no row each: one provenance row per
bulk write names its source (``intake.importbatch`` #id, the batch that records actor, time, file
name and SHA-256) and the counts; which row of that file created which person and membership is in
the source's own link table (``intake_batchmembership``: row number, ``person_created``,
``membership_created``). :func:`cakupan.registry.selectors.membership_history` joins the two.

Everything runs in the caller's transaction: a dry run rolls back, a commit keeps all of it or
nothing. The registry's own constraints (the no-overlap rule on memberships, the
foreign keys, the NIK's uniqueness) check every row these statements write, as for any other path.

Why the statements look the way they do (measured on 200,000 rows against 200,000 people, and in
``docs/benchmarks.md`` at full scale):

* one match instead of a join of staging, person and membership per statement (there were five);
* ids of new people and memberships are drawn from their sequences while matching, so inserts
  and the caller's links are plain ``INSERT ... SELECT`` from the match table with no
  ``RETURNING`` common table expression between them (those were materialised, and spilled to
  disk, once per statement);
* memberships go in ordered by person, the order of the ``membership_person`` index that both
  grows with them and serves the no-overlap check of the statement (registry migration 0005);
* the audit rows of updates hold only the fields that changed, computed field by field rather than
  through ``jsonb_each`` (which cost about 0.3 ms a row);
* the transaction's ``work_mem`` is raised so the hash joins over a million rows stay in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection

from cakupan.accounts import audit
from cakupan.accounts.models import Action
from cakupan.registry.models import COVERED_STATUSES, Membership, MembershipStatus, Person, Unit
from cakupan.wilayah.models import Region

STAGING = "intake_staging"
MATCH = "intake_match"
# Hash joins and sorts over the staged rows: enough to keep a million rows in memory, per node
# (PostgreSQL's hash_mem_multiplier doubles it for hashes). Set for the batch's transaction only.
WORK_MEM = "128MB"

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
    "occupation_title": "text",
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
    "occupation_title",
    "funding_source",
    "scheme",
    "wage",
    "risk_class",
    "programmes",
)
PENDING_STATUSES = (MembershipStatus.DRAFT, MembershipStatus.SUBMITTED)
# A membership still "holds" a person when it is not closed before today.
HOLDING_STATUSES = (MembershipStatus.DRAFT, MembershipStatus.SUBMITTED, *COVERED_STATUSES)

PERSON_ENTITY = Person._meta.label_lower
MEMBERSHIP_ENTITY = Membership._meta.label_lower


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
    _execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
    _execute(f"DROP TABLE IF EXISTS {STAGING}")
    _execute(f"CREATE TEMP TABLE {STAGING} ({columns}) ON COMMIT DROP")
    # Arrays travel as PostgreSQL array literals ("{jkk,jkm}") inside the CSV.
    frame = clean.select(list(STAGING_COLUMNS)).with_columns(
        pl.concat_str(pl.lit("{"), pl.col("programmes").list.join(","), pl.lit("}")).alias(
            "programmes"
        )
    )
    payload = frame.write_csv(include_header=False, null_value="\\N", date_format="%Y-%m-%d")
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {STAGING} ({', '.join(STAGING_COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
        ) as copy,
    ):
        copy.write(payload.encode("utf-8"))
        # No ANALYZE: the staging table is read once, by the match, whose plan (a hash join on the
        # NIK, the person table's statistics) does not need it (0.4 s per 100,000 rows).
    return frame.height


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


def match_rows(*, unit: Unit, segment: str, reserve_ids: bool) -> int:
    """Match every staged row against the registry once, into the temporary table :data:`MATCH`.

    One row per staged row and open membership of its person in this unit and segment (a staged
    row whose person has none gives one row with ``membership_id`` NULL): the staged values, the
    person's id (``person_new`` when the NIK is unknown), the membership's id (``membership_new``
    when there is none to continue), whether each would change, and the registry's name where
    it differs from the file's. With ``reserve_ids`` (a commit) new people and memberships get
    their ids from the tables' sequences here; a check leaves them NULL and draws none.
    """
    person, membership = Person._meta.db_table, Membership._meta.db_table
    params: dict[str, Any] = {
        "unit": unit.pk,
        "segment": segment,
        "pending": list(PENDING_STATUSES),
    }
    if reserve_ids:
        # The sequences are looked up once: pg_get_serial_sequence() per row reads the catalogs
        # each time (it made this statement ten times slower).
        [(params["person_seq"], params["membership_seq"])] = _execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')",
            [person, membership],
        )
        new_person_id = "nextval(%(person_seq)s::regclass)"
        new_membership_id = "nextval(%(membership_seq)s::regclass)"
    else:
        new_person_id = new_membership_id = "NULL::bigint"
    _execute(f"DROP TABLE IF EXISTS {MATCH}")
    # COALESCE evaluates its second argument only when the first is NULL: one nextval per new row.
    _execute(
        f"""
        CREATE TEMP TABLE {MATCH} ON COMMIT DROP AS
        SELECT s.*,
               coalesce(p.id, {new_person_id}) AS person_id,
               p.id IS NULL AS person_new,
               coalesce(p.id IS NOT NULL AND ({PERSON_CHANGED}), false) AS person_changed,
               CASE WHEN s.name <> p.name  -- the regular expressions only where the names differ
                     AND lower(regexp_replace(s.name, '\\s+', ' ', 'g'))
                         <> lower(regexp_replace(p.name, '\\s+', ' ', 'g'))
                    THEN p.name END AS registry_name,
               coalesce(m.id, {new_membership_id}) AS membership_id,
               m.id IS NULL AS membership_new,
               coalesce(m.id IS NOT NULL AND ({MEMBERSHIP_CHANGED}), false) AS membership_changed
          FROM {STAGING} s
          LEFT JOIN {person} p ON p.nik = s.nik
          LEFT JOIN {membership} m ON m.person_id = p.id
               AND m.unit_id = %(unit)s AND m.segment = %(segment)s
               AND (m.end_date IS NULL OR m.end_date >= s.start_date)
        """,  # noqa: S608 - table names are our models', values are parameters
        params,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {STAGING}")  # everything later reads the match
        # Statistics of the columns later statements filter and join on only (all columns: 0.5 s
        # per 100,000 rows, mostly for text columns nothing filters on).
        cursor.execute(
            f"ANALYZE {MATCH} (row_number, nik, birth_date, person_id, person_new, person_changed, "
            "membership_id, membership_new, membership_changed)"
        )
        cursor.execute(f"SELECT count(*) FROM {MATCH}")  # noqa: S608
        (count,) = cursor.fetchone()
    return int(count)


def holders_elsewhere(*, unit: Unit, segment: str, today: dt.date) -> list[Holder]:
    """Memberships outside this unit+segment that still hold a NIK of the file (double funding risk)."""
    rows = _execute(
        f"""
        SELECT x.row_number, m.id, u.code, u.name, m.segment, m.start_date, m.segment = %(segment)s
          FROM (SELECT DISTINCT row_number, person_id FROM {MATCH} WHERE NOT person_new) x
          JOIN {Membership._meta.db_table} m ON m.person_id = x.person_id
          JOIN {Unit._meta.db_table} u ON u.id = m.unit_id
         WHERE m.status = ANY(%(statuses)s)
           AND (m.end_date IS NULL OR m.end_date >= %(today)s)
           AND NOT (m.unit_id = %(unit)s AND m.segment = %(segment)s)
         ORDER BY x.row_number, m.start_date
        """,  # noqa: S608
        {"segment": segment, "statuses": list(HOLDING_STATUSES), "today": today, "unit": unit.pk},
    )
    return [Holder(*row) for row in rows]


def registry_names() -> list[tuple[Any, ...]]:
    """(row_number, name in the file, name in the registry, pg_trgm similarity of the two) where an
    existing person's name differs."""
    return _execute(
        f"SELECT DISTINCT row_number, name, registry_name, similarity(name, registry_name) "  # noqa: S608
        f"FROM {MATCH} WHERE registry_name IS NOT NULL ORDER BY row_number"
    )


@dataclass(frozen=True, slots=True)
class NearMatch:
    """A row that may be the same person as an earlier row or a person of the registry."""

    row_number: int
    other_row: int | None  # the earlier row of the file; None: a person of the registry
    other_nik: str
    other_desa: str | None  # the registry person's desa/kelurahan of domicile, if known
    similarity: float  # pg_trgm similarity of the names
    digits: int  # NIK digits that differ


def _digits_apart(a: str, b: str) -> str:
    # Position by position: a typo changes one digit, two swapped digits change two. Inline SQL
    # (16 comparisons) rather than a function call per pair.
    return " + ".join(f"(substr({a}, {i}, 1) <> substr({b}, {i}, 1))::int" for i in range(1, 17))


# Pairs are found by one equi-join each (hash joins, no pair-by-pair scan): the same birth date and
# the same name key (first letter of the name and of its last word: "Muhammad Rizki", "M. Rizky"
# and "Muhamad Rizky" all give "mr"). The NIK digits are compared within those pairs only: without
# the name key a pair would be nearly everyone born that day, which grows with the square of the
# file. Missed, and said so in the docs: name variants whose first letters differ.
_NAME_KEY = "lower(left({a}.name, 1) || right(split_part(reverse({a}.name), ' ', 1), 1))"


def fuzzy_duplicates(*, max_digits: int, min_similarity: float) -> list[NearMatch]:
    """Rows that may be a person already in the file (an earlier row) or in the registry.

    Same birth date, NIKs at most ``max_digits`` digits apart (but not equal: an equal NIK is an
    exact duplicate or the same person), names at least ``min_similarity`` alike (pg_trgm). Against
    the registry only rows whose NIK the registry does not know are compared. One match per row,
    the most similar (an earlier row of the file before the registry when equally similar).
    Set-based: one join of the file with itself and one with the person table, on the birth date
    and the name key. (The first version joined twice per side, on either half of the NIK as well;
    one join on the name key is a third faster and also finds a typo in each half. A stored,
    indexed name key of the person table made every insert of people slower than the search
    became faster: measured, and left out.)
    """
    params = {"digits": max_digits, "similarity": min_similarity}
    person = Person._meta.db_table
    # CASE: the cheap digit count first, the trigram similarity only for near NIKs.
    near = (
        f"CASE WHEN {_digits_apart('a.nik', 'b.nik')} <= %(digits)s"
        " THEN similarity(a.name, b.name) >= %(similarity)s ELSE false END"
    )
    # Hash joins, not merge joins: the planner picks merge joins here, whose sorts of the whole
    # file and the whole person table on text keys were two thirds of this statement (measured on
    # 100,000 rows against 100,000 people: 3.6 s). Only for this statement.
    [(merge_join,)] = _execute("SELECT current_setting('enable_mergejoin')")
    _execute("SELECT set_config('enable_mergejoin', 'off', true)")
    rows = _execute(
        f"""
        WITH rows_ AS MATERIALIZED (
            SELECT row_number, nik, name, birth_date, person_new,
                   {_NAME_KEY.format(a="x")} COLLATE "C" AS k
              FROM {MATCH} x
        ), found AS (
            SELECT b.row_number, a.row_number AS other_row, a.nik AS other_nik,
                   NULL AS domicile, similarity(a.name, b.name) AS score,
                   {_digits_apart("a.nik", "b.nik")} AS digits
              FROM rows_ a JOIN rows_ b
                ON b.birth_date = a.birth_date AND b.k = a.k
               AND a.row_number < b.row_number AND b.nik <> a.nik
             WHERE {near}
            UNION ALL
            SELECT a.row_number, NULL::integer, b.nik, b.domicile_id, similarity(a.name, b.name),
                   {_digits_apart("a.nik", "b.nik")}
              FROM rows_ a JOIN (SELECT x.nik, x.name, x.birth_date, x.domicile_id,
                                        {_NAME_KEY.format(a="x")} COLLATE "C" AS k
                                   FROM {person} x) b
                ON b.birth_date = a.birth_date AND b.k = a.k AND b.nik <> a.nik
             WHERE a.person_new AND {near}
        )
        SELECT DISTINCT ON (f.row_number) f.row_number, f.other_row, f.other_nik, r.name,
               f.score, f.digits
          FROM found f LEFT JOIN {Region._meta.db_table} r ON r.code = f.domicile
         ORDER BY f.row_number, f.score DESC, f.other_row NULLS LAST, f.other_nik
        """,  # noqa: S608 - table names are ours, values are parameters
        params,
    )
    _execute("SELECT set_config('enable_mergejoin', %s, true)", [merge_join])
    return [NearMatch(*row) for row in rows]


def drop_rows(row_numbers: list[int]) -> None:
    """Remove rejected rows (an error found against the registry) from what is counted and written."""
    if row_numbers:
        _execute(f"DELETE FROM {MATCH} WHERE row_number = ANY(%s)", [row_numbers])  # noqa: S608


def classify() -> Classification:
    """Count staged rows that would add, change or leave the registry as it is."""
    [(new, changed, unchanged)] = _execute(
        f"""
        SELECT count(*) FILTER (WHERE person_new OR membership_new),
               count(*) FILTER (WHERE NOT (person_new OR membership_new)
                                  AND (person_changed OR membership_changed)),
               count(*) FILTER (WHERE NOT (person_new OR membership_new OR person_changed
                                           OR membership_changed))
          FROM {MATCH}
        """  # noqa: S608
    )
    return Classification(new, changed, unchanged)


# The audited fields (``Person.AUDITED_FIELDS``, ``Membership.AUDITED_FIELDS``) as SQL over a row
# alias ``{a}``, rendered as :func:`cakupan.accounts.audit.snapshot` renders them in Python.
_PERSON_SNAPSHOT = {
    "nik": "{a}.nik",
    "name": "{a}.name",
    "sex": "{a}.sex",
    "birth_date": "{a}.birth_date",
    "domicile": "{a}.domicile_id",
    "phone": "{a}.phone",
    "kk_number": "{a}.kk_number",
}
_MEMBERSHIP_SNAPSHOT = {
    "person": "{a}.person_id",
    "unit": "{a}.unit_id",
    "segment": "{a}.segment",
    "occupation": "{a}.occupation_id",
    "occupation_title": "{a}.occupation_title",
    "funding_source": "{a}.funding_source",
    "scheme": "{a}.scheme",
    "programmes": "to_jsonb({a}.programmes)",
    "wage": "{a}.wage::text",
    "risk_class": "{a}.risk_class",
    "start_date": "{a}.start_date",
    "end_date": "{a}.end_date",
    "status": "{a}.status",
    "kpj_number": "{a}.kpj_number",
}


def _alias(fields: Mapping[str, str], alias: str) -> dict[str, str]:
    return {key: expression.format(a=alias) for key, expression in fields.items()}


@dataclass(frozen=True, slots=True)
class Source:
    """Where the rows of a bulk write come from: a record that itself keeps who sent which file when
    (an import batch: actor, time, file name, SHA-256) and, in its own link table, which of its
    rows created or confirmed which membership. ``entity`` is its model label, ``pk`` its id."""

    entity: str
    pk: int
    note: str


def write(
    *, source: Source, unit: Unit, segment: str, actor: audit.Actor, now: dt.datetime
) -> dict[str, int]:
    """Insert new people and memberships, update changed ones, audit the write.

    Reads the match table that :func:`match_rows` built with ``reserve_ids=True``. Every update has
    its audit row with the changed fields before and after; the created rows have one provenance
    row together (action create on ``source``, with the counts), their row by row provenance being
    the source's links (see the module docstring). Returns the rows written per kind:
    persons_created, persons_updated, memberships_created, memberships_updated.
    """
    params: dict[str, Any] = {
        "unit": unit.pk,
        "segment": segment,
        "pending": list(PENDING_STATUSES),
        "now": now,
        "draft": MembershipStatus.DRAFT,
        "update": Action.UPDATE,
        "person_entity": PERSON_ENTITY,
        "membership_entity": MEMBERSHIP_ENTITY,
    }
    person, membership = Person._meta.db_table, Membership._meta.db_table
    changes: dict[str, Any] = {"actor": actor, "note": source.note, "at": now, "params": params}
    counts: dict[str, int] = {}
    with connection.cursor() as cursor:
        # 1. People whose NIK the registry does not know yet (one match row each), in id order.
        cursor.execute(
            f"""
            INSERT INTO {person} (id, nik, name, sex, birth_date, domicile_id, phone, kk_number,
                                  created_at, updated_at)
            SELECT x.person_id, x.nik, x.name, x.sex, x.birth_date, x.domicile,
                   coalesce(x.phone, ''), coalesce(x.kk_number, ''), %(now)s, %(now)s
              FROM {MATCH} x
             WHERE x.person_new
             ORDER BY x.person_id
            """,  # noqa: S608
            params,
        )
        counts["persons_created"] = cursor.rowcount
    # 2. Known people whose data in the file differ (staged values are coalesced like inserts).
    #    The rows are locked before their old values are read and the change is checked again on
    #    the locked values, so each audit row's "before" is exactly what its update replaced.
    before, after = audit.diff_sql(_alias(_PERSON_SNAPSHOT, "o"), _alias(_PERSON_SNAPSHOT, "u"))
    counts["persons_updated"] = audit.record_changes_sql(
        **changes,
        with_=f"""
        WITH old AS (
            SELECT p.* FROM {person} p
             WHERE p.id IN (SELECT person_id FROM {MATCH} WHERE person_changed)
               FOR UPDATE OF p
        ), updated AS (
            UPDATE {person} p
               SET name = s.name, sex = s.sex, birth_date = s.birth_date,
                   domicile_id = coalesce(s.domicile, p.domicile_id),
                   phone = coalesce(s.phone, p.phone),
                   kk_number = coalesce(s.kk_number, p.kk_number), updated_at = %(now)s
              FROM old JOIN {MATCH} s ON s.person_id = old.id
             WHERE p.id = old.id AND ({PERSON_CHANGED})
            RETURNING p.*
        )""",  # noqa: S608
        select=f"SELECT %(update)s, %(person_entity)s, u.id::text, {before}, {after} "  # noqa: S608
        "FROM updated u JOIN old o ON o.id = u.id",
    )
    with connection.cursor() as cursor:
        # 3. Memberships the registry does not have yet in this unit and segment: drafts, in
        #    person order (the order of the membership_person index the no-overlap check probes).
        cursor.execute(
            f"""
            INSERT INTO {membership} (id, person_id, unit_id, segment, occupation_id,
                                      occupation_title, funding_source, scheme, programmes, wage,
                                      risk_class, start_date, end_date, status, kpj_number,
                                      created_at, updated_at)
            SELECT x.membership_id, x.person_id, %(unit)s, %(segment)s, x.occupation_id,
                   x.occupation_title, x.funding_source, x.scheme, x.programmes, x.wage, x.risk_class, x.start_date,
                   x.end_date, %(draft)s, coalesce(x.kpj_number, ''), %(now)s, %(now)s
              FROM {MATCH} x
             WHERE x.membership_new
             ORDER BY x.person_id
            """,  # noqa: S608
            params,
        )
        counts["memberships_created"] = cursor.rowcount
    # 4. Open memberships in this unit and segment whose data in the file differ (locked first).
    before, after = audit.diff_sql(
        _alias(_MEMBERSHIP_SNAPSHOT, "o"), _alias(_MEMBERSHIP_SNAPSHOT, "u")
    )
    counts["memberships_updated"] = audit.record_changes_sql(
        **changes,
        with_=f"""
        WITH old AS (
            SELECT m.* FROM {membership} m
             WHERE m.id IN (SELECT membership_id FROM {MATCH} WHERE membership_changed)
               FOR UPDATE OF m
        ), updated AS (
            UPDATE {membership} m
               SET occupation_id = s.occupation_id, occupation_title = s.occupation_title,
                   funding_source = s.funding_source,
                   scheme = s.scheme, wage = s.wage, risk_class = s.risk_class,
                   programmes = s.programmes, kpj_number = coalesce(s.kpj_number, m.kpj_number),
                   start_date = CASE WHEN m.status = ANY(%(pending)s) THEN s.start_date
                                     ELSE m.start_date END,
                   updated_at = %(now)s
              FROM old JOIN {MATCH} s ON s.membership_id = old.id
             WHERE m.id = old.id AND ({MEMBERSHIP_CHANGED})
            RETURNING m.*
        )""",  # noqa: S608
        select=f"SELECT %(update)s, %(membership_entity)s, u.id::text, {before}, {after} "  # noqa: S608
        "FROM updated u JOIN old o ON o.id = u.id",
    )
    # 5. The provenance of the created rows: one row for the whole write (see the docstring).
    if counts["persons_created"] or counts["memberships_created"]:
        audit.record_changes_sql(
            **changes
            | {
                "params": params
                | {
                    "create": Action.CREATE,
                    "source_entity": source.entity,
                    "source_pk": str(source.pk),
                    "persons": counts["persons_created"],
                    "memberships": counts["memberships_created"],
                }
            },
            select="SELECT %(create)s, %(source_entity)s, %(source_pk)s, NULL::jsonb, "
            "jsonb_build_object(%(person_entity)s, %(persons)s::int, "
            "%(membership_entity)s, %(memberships)s::int)",
        )
    return counts
