# ruff: noqa: S608 - statements over our own tables; values are parameters
"""Foreign keys of the bulk tables checked per statement (registry and intake migrations 0007,
``cakupan.common.refchecks``): the same refusals as PostgreSQL's own foreign keys."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from cakupan.testing.factories import make_membership, make_person

pytestmark = pytest.mark.django_db


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("person_id", 987654, "registry_membership: person_id not present in registry_person"),
        ("unit_id", 987654, "registry_membership: unit_id not present in registry_unit"),
        (
            "occupation_id",
            987654,
            "registry_membership: occupation_id not present in registry_occupation",
        ),
    ],
)
def test_a_membership_naming_a_missing_row_is_refused(
    column: str, value: int, message: str
) -> None:
    membership = make_membership()
    # An INSERT of a copy that names the missing row, and an UPDATE to it: both refused.
    columns = ["person_id", "unit_id", "occupation_id"]
    select = ", ".join("%s" if c == column else c for c in columns)
    with pytest.raises(IntegrityError, match=message):
        _sql(
            f"INSERT INTO registry_membership ({', '.join(columns)}, segment, occupation_title, "
            "funding_source, scheme, programmes, wage, risk_class, start_date, status, "
            f"kpj_number, created_at, updated_at) SELECT {select}, 'bpd', occupation_title, "
            "funding_source, scheme, programmes, wage, risk_class, start_date, status, "
            "kpj_number, now(), now() FROM registry_membership WHERE id = %s",
            [value, membership.pk],
        )
    with pytest.raises(IntegrityError, match=message):
        _sql(f"UPDATE registry_membership SET {column} = %s WHERE id = %s", [value, membership.pk])


def test_the_insert_check_accepts_existing_rows_and_nulls() -> None:
    membership = make_membership()
    _sql("UPDATE registry_membership SET occupation_id = NULL WHERE id = %s", [membership.pk])
    person = make_person(domicile="73.24.04.2001")
    with pytest.raises(IntegrityError, match="registry_person: domicile_id not present"):
        _sql("UPDATE registry_person SET domicile_id = '99.99.99.9999' WHERE id = %s", [person.pk])


def test_deleting_a_referenced_row_is_refused() -> None:
    membership = make_membership()
    with pytest.raises(IntegrityError, match="registry_person: a deleted row is still referenced"):
        _sql("DELETE FROM registry_person WHERE id = %s", [membership.person_id])
    with pytest.raises(IntegrityError, match="registry_unit: a deleted row is still referenced"):
        _sql("DELETE FROM registry_unit WHERE id = %s", [membership.unit_id])
    with pytest.raises(IntegrityError, match="registry_person: a changed key is still referenced"):
        _sql("UPDATE registry_person SET id = id + 1000000 WHERE id = %s", [membership.person_id])
    # Not referenced: deleted.
    _sql("DELETE FROM registry_membership WHERE id = %s", [membership.pk])
    _sql("DELETE FROM registry_person WHERE id = %s", [membership.person_id])


def test_a_batch_link_naming_a_missing_membership_is_refused() -> None:
    with pytest.raises(IntegrityError, match="intake_batchmembership: batch_id not present"):
        _sql(
            "INSERT INTO intake_batchmembership (batch_id, membership_id, row_number) "
            "VALUES (987654, %s, 2)",
            [make_membership().pk],
        )


def test_a_delete_waits_for_a_writer_that_references_the_row() -> None:
    """As with a row foreign key: the check locks the person FOR KEY SHARE, so another session's
    DELETE of that person waits for this transaction (here: until its lock timeout)."""
    import psycopg

    from cakupan.registry.tests.test_overlap_trigger import _committed_copy, _conninfo

    template = make_membership()
    with psycopg.connect(_conninfo(), autocommit=True) as other:
        person = _committed_copy(
            other, "registry_person", template.person_id, nik="7324020101700099"
        )
        try:
            saved = transaction.savepoint()
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE registry_membership SET person_id = %s WHERE id = %s",
                    [person, template.pk],
                )
            other.execute("SET lock_timeout = '300ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("DELETE FROM registry_person WHERE id = %s", [person])
            # The savepoint's row locks go with it: the delete then passes.
            transaction.savepoint_rollback(saved)
        finally:
            other.execute("SET lock_timeout = '5s'")
            other.execute("DELETE FROM registry_person WHERE id = %s", [person])


def test_rows_the_writer_wrote_itself_are_found_without_a_lock() -> None:
    """A person this transaction inserted at its top level is not locked by the membership that
    names it (no other transaction can see it to delete it: its xmax stays 0); one inserted inside
    a savepoint carries the savepoint's id and is locked like any other row."""
    import psycopg

    from cakupan.registry.tests.test_overlap_trigger import _committed_copy, _conninfo

    template = make_membership()
    # Another session, one transaction, rolled back: its rows are its own top-level writes.
    with psycopg.connect(_conninfo()) as other:
        try:
            unit = _committed_copy(other, "registry_unit", template.unit_id, code="OWN-ROWS")

            def person_with_membership(nik: str) -> str:
                person = _committed_copy(other, "registry_person", template.person_id, nik=nik)
                _committed_copy(
                    other, "registry_membership", template.pk, person_id=person, unit_id=unit
                )
                row = other.execute(
                    "SELECT xmax::text FROM registry_person WHERE id = %s", [person]
                ).fetchone()
                assert row is not None
                return str(row[0])

            assert person_with_membership("7324020101700097") == "0"
            other.execute("SAVEPOINT inner_writes")
            assert person_with_membership("7324020101700098") != "0"
        finally:
            other.rollback()
