"""The override table moves from billing to this app with its rows, and back (parameters 0001 and
billing 0006), inside the test's transaction (DDL rolls back)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cakupan.parameters.models import ParameterOverride
from cakupan.parameters.selectors import active_parameters

BEFORE: list[tuple[str, str | None]] = [
    ("parameters", None)
]  # undoes billing 0006 first, then parameters 0001
AFTER: list[tuple[str, str | None]] = [
    ("parameters", "0001_initial"),
    ("billing", "0006_parameteroverride_moves_to_parameters"),
]
ROWS = "SELECT id, key, value, valid_from, note FROM {table} ORDER BY id"
CONTENT_TYPE = "SELECT id, app_label FROM django_content_type WHERE model = 'parameteroverride'"


def _migrate(targets: list[tuple[str, str | None]]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def _fetch(sql: str) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _table(name: str) -> bool:
    return _fetch(f"SELECT to_regclass('{name}') IS NOT NULL")[0][0] is True


@pytest.mark.django_db
def test_overrides_written_under_billing_survive_the_move() -> None:
    (content_type_id, label), *_ = _fetch(CONTENT_TYPE)
    assert label == "parameters"

    _migrate(BEFORE)
    assert _table("billing_parameteroverride") and not _table("parameters_parameteroverride")
    assert _fetch(CONTENT_TYPE) == [(content_type_id, "billing")]
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO billing_parameteroverride (key, value, valid_from, note, set_at)
               VALUES ('jp.wage_cap', '11000000', '2026-03-01', 'surat BPJS TK', now()),
                      ('stmb.daily_wage_divisor', '31', '2015-07-01', 'uji', now())"""
        )
    rows = _fetch(ROWS.format(table="billing_parameteroverride"))

    _migrate(AFTER)
    assert _table("parameters_parameteroverride") and not _table("billing_parameteroverride")
    assert _fetch(ROWS.format(table="parameters_parameteroverride")) == rows
    assert _fetch(CONTENT_TYPE) == [(content_type_id, "parameters")]
    assert ParameterOverride.objects.count() == 2
    cap = active_parameters().for_month("jp.wage_cap", dt.date(2026, 3, 1))
    assert (cap.value, cap.overridden) == (Decimal(11_000_000), True)
    # The id sequence came along: the next row continues after the moved ones.
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO parameters_parameteroverride (key, value, valid_from, note, set_at)
               VALUES ('jp.wage_cap', '11100000', '2026-03-01', 'ralat', now()) RETURNING id"""
        )
        assert cursor.fetchone()[0] > max(int(str(r[0])) for r in rows)
