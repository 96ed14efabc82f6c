"""The database's no-overlap rule for memberships (migration registry 0005), on every write path.

The rule: one person never holds two memberships of the same unit and segment whose periods
(start to end, inclusive, an open end running forever) share a day.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
import pytest
from django.db import IntegrityError, connection, transaction
from psycopg import errors

from cakupan.common.nik import make_nik
from cakupan.registry.models import Membership, MembershipStatus, Segment
from cakupan.testing.factories import make_membership, make_person, make_unit

D = dt.date
CONSTRAINT = "membership_no_overlap_in_unit_segment"

# A copy of membership ``%(source)s`` with another period: every write below goes through SQL,
# as bulk paths do, so only the database stands between them and an overlap.
COPY_SQL = """
    INSERT INTO registry_membership (person_id, unit_id, segment, occupation_id, funding_source,
        scheme, programmes, wage, risk_class, start_date, end_date, status, kpj_number,
        created_at, updated_at)
    SELECT person_id, unit_id, segment, occupation_id, funding_source, scheme, programmes, wage,
        risk_class, v.start_date, v.end_date, status, kpj_number, now(), now()
    FROM registry_membership, (VALUES {values}) AS v(start_date, end_date)
    WHERE id = %(source)s
"""


def _copy(source: int, *periods: tuple[dt.date, dt.date | None]) -> None:
    values = ", ".join(f"(%(s{i})s::date, %(e{i})s::date)" for i in range(len(periods)))
    params: dict[str, Any] = {"source": source}
    for i, (start, end) in enumerate(periods):
        params[f"s{i}"], params[f"e{i}"] = start, end
    with connection.cursor() as cursor:
        cursor.execute(COPY_SQL.format(values=values), params)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("existing", "new", "overlaps"),
    [
        # (existing start, end), (new start, end), refused?
        ((D(2021, 1, 1), D(2021, 12, 31)), (D(2022, 1, 1), None), False),
        ((D(2021, 1, 1), D(2021, 12, 31)), (D(2021, 12, 31), None), True),  # one shared day
        ((D(2021, 1, 1), None), (D(2030, 1, 1), D(2030, 1, 31)), True),  # open end
        ((D(2021, 6, 1), D(2021, 6, 30)), (D(2021, 1, 1), D(2021, 5, 31)), False),
        ((D(2021, 6, 1), D(2021, 6, 30)), (D(2021, 1, 1), D(2021, 6, 1)), True),
        ((D(2021, 6, 1), D(2021, 6, 30)), (D(2021, 6, 10), D(2021, 6, 12)), True),  # inside
        ((D(2021, 6, 10), D(2021, 6, 12)), (D(2021, 1, 1), None), True),  # around
    ],
)
def test_insert_periods(
    existing: tuple[dt.date, dt.date | None], new: tuple[dt.date, dt.date | None], overlaps: bool
) -> None:
    membership = make_membership(start_date=existing[0], end_date=existing[1])
    if overlaps:
        with pytest.raises(IntegrityError, match="overlaps"), transaction.atomic():
            _copy(membership.pk, new)
        assert Membership.objects.count() == 1
    else:
        _copy(membership.pk, new)
        assert Membership.objects.count() == 2


@pytest.mark.django_db
def test_the_violation_names_the_constraint() -> None:
    membership = make_membership(start_date=D(2021, 1, 1))
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        _copy(membership.pk, (D(2024, 1, 1), None))
    cause = excinfo.value.__cause__
    assert isinstance(cause, errors.ExclusionViolation)
    assert cause.diag.constraint_name == CONSTRAINT
    assert cause.diag.table_name == "registry_membership"


@pytest.mark.django_db
def test_two_new_rows_of_one_statement_overlapping_each_other() -> None:
    membership = make_membership(start_date=D(2020, 1, 1), end_date=D(2020, 12, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        _copy(membership.pk, (D(2022, 1, 1), D(2022, 12, 31)), (D(2022, 12, 1), None))
    _copy(membership.pk, (D(2022, 1, 1), D(2022, 12, 31)), (D(2023, 1, 1), None))
    assert Membership.objects.count() == 3


@pytest.mark.django_db
def test_other_unit_segment_or_person_may_overlap() -> None:
    membership = make_membership(start_date=D(2021, 1, 1))
    other_unit = make_unit(code="LAIN")
    make_membership(person=membership.person, unit=other_unit, start_date=D(2021, 1, 1))
    make_membership(
        person=membership.person,
        unit=membership.unit,
        segment=Segment.BPD,
        start_date=D(2021, 1, 1),
    )
    make_membership(person=make_person(), unit=membership.unit, start_date=D(2021, 1, 1))
    assert Membership.objects.count() == 4


@pytest.mark.django_db
def test_updates_that_move_a_period_into_another_are_refused() -> None:
    first = make_membership(start_date=D(2021, 1, 1), end_date=D(2021, 12, 31))
    second = make_membership(person=first.person, unit=first.unit, start_date=D(2022, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=first.pk).update(end_date=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=second.pk).update(start_date=D(2021, 12, 31))
    other = make_membership(start_date=D(2021, 1, 1))  # another person
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=other.pk).update(person=first.person, unit=first.unit)
    # Updates that keep the periods apart, and updates of other fields, go through.
    Membership.objects.filter(pk=first.pk).update(end_date=D(2021, 6, 30))
    Membership.objects.filter(unit=first.unit).update(status=MembershipStatus.LAPSED)
    assert sorted(Membership.objects.values_list("status", flat=True)) == [
        "active",
        "lapsed",
        "lapsed",
    ]


def _conninfo(**extra: Any) -> str:
    params = connection.get_connection_params()
    return psycopg.conninfo.make_conninfo(
        host=str(params["host"]),
        port=str(params.get("port") or 5432),
        user=str(params["user"]),
        dbname=str(params["dbname"]),
        password=str(params.get("password") or ""),
        **extra,
    )


def _committed_copy(conn: psycopg.Connection[Any], table: str, pk: int, **changes: Any) -> int:
    """Insert, outside the test's transaction, a copy of row ``pk`` of ``table``, with changes.

    The tests below need rows that other connections see, without committing (and so without
    flushing afterwards) the test database, which holds the session's region dataset.
    """
    with connection.cursor() as cursor:
        # ``table`` is one of the registry's own table names, never input.
        cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE id = %s", [pk])  # noqa: S608
        row = json.loads(cursor.fetchone()[0])
    row.update(changes)
    del row["id"]
    columns = ", ".join(row)
    inserted = conn.execute(
        f"INSERT INTO {table} ({columns}) SELECT {columns} "  # noqa: S608
        f"FROM json_populate_record(NULL::{table}, %s::json) RETURNING id",
        [json.dumps(row, default=str)],
    ).fetchone()
    assert inserted is not None
    return int(inserted[0])


@contextmanager
def _committed_membership() -> Iterator[int]:
    """A committed membership (2020) with its own person and unit, removed afterwards."""
    template = make_membership(start_date=D(2020, 1, 1), end_date=D(2020, 12, 31))
    tag = uuid.uuid4().hex[:8]
    with psycopg.connect(_conninfo(), autocommit=True) as conn:
        unit = _committed_copy(conn, "registry_unit", template.unit_id, code=f"OVERLAP-{tag}")
        person = _committed_copy(
            conn,
            "registry_person",
            template.person_id,
            nik=make_nik(
                district_code="73.24.02",  # not the factories' district or birth date
                birth_date=D(1970, 1, 1),
                sex="L",
                sequence=1 + int(tag, 16) % 9999,
            ),
        )
        membership = _committed_copy(
            conn, "registry_membership", template.pk, unit_id=unit, person_id=person
        )
        try:
            yield membership
        finally:
            conn.execute("DELETE FROM registry_membership WHERE person_id = %s", [person])
            conn.execute("DELETE FROM registry_person WHERE id = %s", [person])
            conn.execute("DELETE FROM registry_unit WHERE id = %s", [unit])


def _count(conn: psycopg.Connection[Any], source: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM registry_membership WHERE person_id = "
        "(SELECT person_id FROM registry_membership WHERE id = %s)",
        [source],
    ).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.django_db
def test_concurrent_writers_cannot_both_pass_the_check() -> None:
    """The second writer waits for the first one's lock, then sees its committed row."""
    statement = COPY_SQL.format(values="(%(s0)s::date, %(e0)s::date)")
    outcome: dict[str, BaseException | None] = {}

    def second_writer(conn: psycopg.Connection[Any], source: int) -> None:
        try:
            with conn.transaction():
                conn.execute(statement, {"source": source, "s0": D(2022, 6, 1), "e0": None})
            outcome["second"] = None
        except BaseException as exc:  # reported to the test thread below
            outcome["second"] = exc

    with (
        _committed_membership() as source,
        psycopg.connect(_conninfo()) as first,
        psycopg.connect(_conninfo()) as second,
        psycopg.connect(_conninfo(), autocommit=True) as observer,
    ):
        second_pid = second.info.backend_pid
        with first.transaction():
            first.execute(statement, {"source": source, "s0": D(2022, 1, 1), "e0": None})
            thread = threading.Thread(target=second_writer, args=(second, source))
            thread.start()
            waited = False
            for _ in range(200):  # up to 10 s for the second writer to reach the lock
                row = observer.execute(
                    "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [second_pid]
                ).fetchone()
                if row is not None and row[0] == "Lock":
                    waited = True
                    break
                time.sleep(0.05)
            assert waited, "the second writer never waited for the first one's lock"
        thread.join(timeout=30)
        assert not thread.is_alive()
        assert isinstance(outcome["second"], errors.ExclusionViolation)
        assert _count(observer, source) == 2  # the 2020 row and the first writer's


@pytest.mark.django_db
def test_repeatable_read_writers_are_refused() -> None:
    with (
        _committed_membership() as source,
        psycopg.connect(_conninfo()) as conn,
    ):
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with pytest.raises(errors.FeatureNotSupported), conn.transaction():
            conn.execute(
                COPY_SQL.format(values="(%(s0)s::date, %(e0)s::date)"),
                {"source": source, "s0": D(2022, 1, 1), "e0": None},
            )
        conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        assert _count(conn, source) == 1
