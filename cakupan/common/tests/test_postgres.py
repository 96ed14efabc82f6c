from __future__ import annotations

import os

import pytest
from django.db import connection

from cakupan.common.postgres.base import MINIMUM_SERVER_VERSION


@pytest.mark.django_db
def test_suite_runs_on_the_server_it_was_asked_for() -> None:
    """``make test`` runs twice: embedded PostgreSQL 18, then Debian's 15 via CAKUPAN_TEST_PG_BIN."""
    version: int = connection.pg_version  # type: ignore[attr-defined]
    major = version // 10000
    if os.environ.get("CAKUPAN_TEST_PG_BIN"):
        assert major == 15
    elif not os.environ.get("DATABASE_URL"):
        assert major == 18
    assert version >= MINIMUM_SERVER_VERSION


@pytest.mark.django_db
def test_code_columns_have_no_second_pattern_index() -> None:
    """COLLATE "C" columns get one b-tree index, not Django's extra ``_like`` one (BASELINES.md)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename IN "
            "('registry_person', 'wilayah_region', 'registry_unit', 'registry_membership') "
            "AND indexname LIKE %s",
            ["%like"],
        )
        assert cursor.fetchall() == []
