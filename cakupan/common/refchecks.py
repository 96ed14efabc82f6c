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

Concurrency, as with PostgreSQL's own foreign keys: the check locks the referenced rows it found
``FOR KEY SHARE`` (in one statement, not one lookup per row). A concurrent DELETE of such a row
waits for the writer to commit; its guard, a new statement under READ COMMITTED, then sees the
writer's rows and refuses. A writer that comes second waits for the deleting transaction; once it
commits, the deleted row is not returned, fewer keys are found than written, and the check
refuses. (Both need READ COMMITTED, Django's isolation level.)

The SQL is generated here for the migrations that install it (``registry.0007``, ``intake.0007``),
which call :func:`statement_checks` when they run: change what it generates only together with a
migration that replaces the installed functions.
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
    """The distinct keys a statement wrote that need checking. An UPDATE checks only keys no row
    held before it (PostgreSQL too skips the check of a row whose key did not change), so a status
    change of a whole batch checks and locks nothing."""
    if update:
        return (
            f"SELECT DISTINCT n.{r.column} AS k FROM new_rows n WHERE n.{r.column} IS NOT NULL "
            f"AND NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.{r.column} = n.{r.column})"
        )
    return f"SELECT DISTINCT {r.column} AS k FROM new_rows WHERE {r.column} IS NOT NULL"


def _check_body(child: str, refs: Sequence[Ref], update: bool) -> str:
    # Each key must be found, and is locked FOR KEY SHARE as a row foreign key locks it; a key a
    # concurrent transaction deleted (and committed) is not returned, so fewer are found.
    return "\n".join(
        f"""    SELECT count(*) INTO wanted FROM ({_keys(r, update)}) n;
    IF wanted > 0 THEN
        SELECT count(*) INTO found FROM (
            SELECT 1 FROM {r.parent} p WHERE p.{r.key} IN (SELECT k FROM ({_keys(r, update)}) n)
               FOR KEY SHARE OF p) x;
        IF found < wanted THEN
            RAISE foreign_key_violation
                USING MESSAGE = '{child}: {r.column} not present in {r.parent}';
        END IF;
    END IF;"""
        for r in refs
    )


def _check_function(child: str, refs: Sequence[Ref]) -> str:
    functions = ""
    for suffix, update in (("check", False), ("update_check", True)):
        functions += f"""
CREATE FUNCTION {child}_refs_{suffix}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    wanted bigint;
    found bigint;
BEGIN
{_check_body(child, refs, update)}
    RETURN NULL;
END
$$;"""
    return (
        functions
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


def statement_checks(refs: Sequence[Ref]) -> tuple[str, str]:
    """(SQL installing the checks and guards of ``refs``, SQL removing them).

    All references of a child table are checked by one function, all references to a parent table
    guarded by one; a table given here must not already have such triggers (a later migration that
    adds a reference to a table replaces its function with ``CREATE OR REPLACE``).
    """
    by_child: dict[str, list[Ref]] = defaultdict(list)
    by_parent: dict[str, list[Ref]] = defaultdict(list)
    for ref in refs:
        by_child[ref.child].append(ref)
        by_parent[ref.parent].append(ref)
    forward = "".join(_check_function(c, r) for c, r in by_child.items()) + "".join(
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
