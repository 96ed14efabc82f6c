"""The database's bill line checks take the same advisory lock as the billing services."""

from __future__ import annotations

import importlib

from cakupan.billing import services


def test_the_migration_locks_with_the_services_key() -> None:
    migration = importlib.import_module(
        "cakupan.billing.migrations.0004_reference_checks_take_the_billing_lock"
    )
    assert f"pg_advisory_xact_lock({services._LOCK_KEY})" in migration.LOCK
    assert migration.SQL.count(migration.LOCK) == 3  # line check, bill guard, membership guard


def test_the_entry_checks_lock_with_the_services_key() -> None:
    migration = importlib.import_module("cakupan.billing.migrations.0005_bill_entries")
    assert f"pg_advisory_xact_lock({services._LOCK_KEY})" in migration.LOCK
    assert migration.FORWARD.count(migration.LOCK) == 3  # entry check, bill guard, member guard
