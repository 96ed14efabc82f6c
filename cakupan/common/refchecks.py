# ruff: noqa: S608 - SQL text built from our own table and column names, never from input
"""Foreign keys checked once per statement instead of once per row (issue 15, item 5).

PostgreSQL checks a foreign key with a row-level trigger: each inserted row queues an event that
runs one index lookup at commit (``DEFERRABLE INITIALLY DEFERRED``, Django's default), about 12 us
a row; an import of a million participants queued 3.5 million of them (42 s). The triggers built
here give the same guarantee with one anti-join per statement over its transition table, the
pattern of billing migrations 0003 and 0004:

* the referencing table: after every INSERT and UPDATE statement, every non-NULL key it wrote
  must exist in the referenced table (``foreign_key_violation`` otherwise);
* the referenced table: after every DELETE statement, no referencing row may name a deleted key;
  a row whose key changes (never done: the keys are ids and region codes) must not be referenced.

Concurrency, as with PostgreSQL's own foreign keys: the check first locks the referenced rows
``FOR KEY SHARE`` (in one statement, not one lookup per row), then looks for keys without a row
(one anti-join, a new statement and snapshot). A concurrent DELETE of a locked row waits for the
writer to commit; its guard, a new statement under READ COMMITTED, then sees the writer's rows and
refuses. A writer that comes second waits for the deleting transaction; once it commits, the
deleted row is neither locked nor found, and the check refuses. (Both need READ COMMITTED,
Django's isolation level.)

Rows the writing transaction wrote itself are not locked (registry and intake migrations 0008):
an import links a million memberships it has just inserted, and locking each of them wrote every
one of them again (a quarter of the import's time). Such a row's ``xmin`` is the transaction's own
id; no other transaction sees it before the writer commits (an inserted row), or a deleter waits
for the writer as it would for the lock (a row the writer updated). The test compares 32-bit ids, so
a frozen row whose id is ours modulo 2**32 (possible only after four billion transactions) would be
left unlocked: its deletion would still need to run in the writer's own window, and the deleter's
guard would still see every reference committed before it.

The SQL is generated here for the migrations that install it (``registry.0007``, ``intake.0007``;
the check functions replaced by ``0008``), which call :func:`statement_checks` and
:func:`check_functions` when they run: change what they generate only together with a migration
that replaces the installed functions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Ref:
    """``child.column`` references ``parent.key``."""

    child: str
    column: str
    parent: str
    key: str


def _keys(r: Ref, update: bool) -> str:
    """The keys a statement wrote that need checking (repeated keys included). An UPDATE checks
    only keys no row held before it (PostgreSQL too skips the check of a row whose key did not
    change), so a status change of a whole batch checks and locks nothing."""
    if update:
        return (
            f"SELECT n.{r.column} AS k FROM new_rows n WHERE n.{r.column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.{r.column} = n.{r.column})"
        )
    return f"SELECT {r.column} AS k FROM new_rows WHERE {r.column} IS NOT NULL"


# A statement that writes more than one row per this many rows of the referenced table checks its
# keys with hash joins (one scan of that table) instead of one index probe per key: the planner,
# which has no statistics of a transition table, estimates 200 distinct keys and probes (a million
# probes took twice as long as one scan of the table).
_HASH_RATIO = 5


def _check_body(child: str, refs: Sequence[Ref], update: bool) -> str:
    # First the referenced rows are locked FOR KEY SHARE, as a row foreign key locks them, so none
    # can be deleted until this transaction ends; then every key must be found, by a statement with
    # a snapshot taken after the locks (READ COMMITTED), which does not see a row a concurrent
    # transaction deleted and committed before. A referenced row this transaction wrote itself
    # (its xmin is the transaction's own id: inserted or updated here, outside any savepoint) is
    # not locked: no other transaction can see it to delete it before this one ends, or it waits
    # for this one, as it would for the lock. Rows written inside a savepoint carry the
    # savepoint's id and are locked. (DISTINCT: without it the locking join carried every whole
    # row of the transition table along, for a recheck it never needs, and was twice as slow.)
    return "\n".join(
        f"""    IF EXISTS ({_keys(r, update)}) THEN
        PERFORM set_config('enable_nestloop',
            CASE WHEN statement_rows * {_HASH_RATIO} > (
                      SELECT reltuples FROM pg_class WHERE oid = '{r.parent}'::regclass)
                 THEN 'off' ELSE nestloop END, true);
        PERFORM count(*) FROM (
            SELECT 1 FROM {r.parent} p
             WHERE p.{r.key} IN (SELECT DISTINCT k FROM ({_keys(r, update)}) n) AND p.xmin <> me
               FOR KEY SHARE OF p) x;
        IF EXISTS (SELECT 1 FROM ({_keys(r, update)}) n
                    WHERE NOT EXISTS (SELECT 1 FROM {r.parent} p WHERE p.{r.key} = n.k)) THEN
            RAISE foreign_key_violation
                USING MESSAGE = '{child}: {r.column} not present in {r.parent}';
        END IF;
    END IF;"""
        for r in refs
    )


def _check_functions(child: str, refs: Sequence[Ref]) -> str:
    functions = ""
    for suffix, update in (("check", False), ("update_check", True)):
        functions += f"""
CREATE OR REPLACE FUNCTION {child}_refs_{suffix}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    -- This transaction's id as the 32-bit xid a row's xmin holds (pg_current_xact_id() is the
    -- 64-bit id with its epoch).
    me xid := (pg_current_xact_id()::text::bigint % 4294967296)::text::xid;
    nestloop text := current_setting('enable_nestloop');
    statement_rows bigint := (SELECT count(*) FROM new_rows);
BEGIN
{_check_body(child, refs, update)}
    PERFORM set_config('enable_nestloop', nestloop, true);
    RETURN NULL;
END
$$;"""
    return functions


def _checks_and_triggers(child: str, refs: Sequence[Ref]) -> str:
    return (
        _check_functions(child, refs)
        + f"""
CREATE TRIGGER {child}_refs_insert AFTER INSERT ON {child}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {child}_refs_check();
CREATE TRIGGER {child}_refs_update AFTER UPDATE ON {child}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {child}_refs_update_check();
"""
    )


def _guard_functions(parent: str, refs: Sequence[Ref]) -> str:
    key = refs[0].key
    deleted = "\n".join(
        f"""    IF EXISTS (SELECT 1 FROM old_rows o JOIN {r.child} c ON c.{r.column} = o.{key}) THEN
        RAISE foreign_key_violation
            USING MESSAGE = '{parent}: a deleted row is still referenced by {r.child}.{r.column}';
    END IF;"""
        for r in refs
    )
    changed = "\n".join(
        f"""    IF EXISTS (SELECT 1 FROM {r.child} c WHERE c.{r.column} = OLD.{key}) THEN
        RAISE foreign_key_violation
            USING MESSAGE = '{parent}: a changed key is still referenced by {r.child}.{r.column}';
    END IF;"""
        for r in refs
    )
    return f"""
CREATE FUNCTION {parent}_refs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{deleted}
    RETURN NULL;
END
$$;
CREATE TRIGGER {parent}_refs_delete AFTER DELETE ON {parent}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {parent}_refs_guard();
CREATE FUNCTION {parent}_refs_key_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
{changed}
    RETURN NULL;
END
$$;
CREATE TRIGGER {parent}_refs_key AFTER UPDATE ON {parent}
    FOR EACH ROW WHEN (OLD.{key} IS DISTINCT FROM NEW.{key})
    EXECUTE FUNCTION {parent}_refs_key_guard();
"""


def _by(refs: Sequence[Ref], table: str) -> dict[str, list[Ref]]:
    """``refs`` grouped by their ``child`` or ``parent`` table, in order."""
    grouped: dict[str, list[Ref]] = defaultdict(list)
    for ref in refs:
        grouped[getattr(ref, table)].append(ref)
    return grouped


def statement_checks(refs: Sequence[Ref]) -> tuple[str, str]:
    """(SQL installing the checks and guards of ``refs``, SQL removing them).

    All references of a child table are checked by one function, all references to a parent table
    guarded by one; a table given here must not already have such triggers (a later migration that
    adds a reference to a table replaces its function with ``CREATE OR REPLACE``).
    """
    by_child, by_parent = _by(refs, "child"), _by(refs, "parent")
    forward = "".join(_checks_and_triggers(c, r) for c, r in by_child.items()) + "".join(
        _guard_functions(p, r) for p, r in by_parent.items()
    )
    reverse = "".join(
        f"DROP TRIGGER {c}_refs_insert ON {c}; DROP TRIGGER {c}_refs_update ON {c}; "
        f"DROP FUNCTION {c}_refs_check(); DROP FUNCTION {c}_refs_update_check();\n"
        for c in by_child
    ) + "".join(
        f"DROP TRIGGER {p}_refs_delete ON {p}; DROP FUNCTION {p}_refs_guard();\n"
        f"DROP TRIGGER {p}_refs_key ON {p}; DROP FUNCTION {p}_refs_key_guard();\n"
        for p in by_parent
    )
    return forward, reverse


def check_functions(refs: Sequence[Ref]) -> str:
    """SQL replacing (``CREATE OR REPLACE``) the check functions of the child tables of ``refs``,
    their triggers left as they are: for a migration that changes how the checks run."""
    return "".join(_check_functions(c, r) for c, r in _by(refs, "child").items())
