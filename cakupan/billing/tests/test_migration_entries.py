"""Billing migration 0005 both ways, on billed data, inside the test's transaction (DDL rolls back)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cakupan.accounts.audit import Actor
from cakupan.billing import services
from cakupan.billing.tests.test_billing import LINE_HASH_FINGERPRINTS, MAY
from cakupan.registry.models import UnitKind
from cakupan.testing.factories import make_membership, make_unit

BEFORE = ("billing", "0004_reference_checks_take_the_billing_lock")
AFTER = ("billing", "0005_bill_entries")
ENTRY_SQL = "SELECT * FROM billing_billentry ORDER BY bill_id, membership_id"
LINE_SQL = "SELECT * FROM billing_billline ORDER BY bill_id, membership_id, programme"


def _rows(sql: str) -> list[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


def _migrate(target: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.mark.django_db
def test_lines_become_entries_and_back_with_the_same_amounts_and_fingerprints() -> None:
    opd = make_unit(code="OPD-M")
    make_membership(
        unit=opd, wage=Decimal(12_000_000), programmes=["jkk", "jkm", "jht", "jp"], risk_class=None
    )
    make_membership(unit=opd, wage=Decimal(3_000_000), risk_class=4)
    group = make_unit(kind=UnitKind.KELOMPOK_RENTAN, code="RENTAN-M")
    make_membership(
        unit=group, wage=Decimal(2_345_650), scheme="bpu", risk_class=None,
        segment="pekerja_rentan", programmes=["jkk", "jkm", "jht"],
    )  # fmt: skip
    services.billing_run(actor=Actor.system(source="cli", label="uji"), month=MAY)
    entries, lines = _rows(ENTRY_SQL), _rows(LINE_SQL)
    assert len(entries) == 3 and len(lines) == 4 + 2 + 3

    _migrate(BEFORE)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = 'billing_billline'")
        assert cursor.fetchone() == ("r",)  # a table again, with the same rows
        cursor.execute("SELECT to_regclass('billing_billentry')")
        assert cursor.fetchone() == (None,)
    assert _rows(LINE_SQL) == lines
    assert all(stored == hashed for _id, stored, hashed in _rows(LINE_HASH_FINGERPRINTS))

    _migrate(AFTER)
    assert _rows(ENTRY_SQL) == entries
    assert _rows(LINE_SQL) == lines
