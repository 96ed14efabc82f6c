"""What ``cakupan backup`` and ``cakupan restore`` share: the target, the error, the summary lines."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from cakupan.common.backup import BackupError, DbTarget, target_from_settings
from cakupan.common.commands import to_json, usage_error

# A refusal (no key, wrong key, damaged file, database not empty) is the user's to fix: exit 2.
# A tool that failed on a good file and a good database is exit 1.
FAILED = 1
_FAILURES = {"dump_failed", "restore_failed", "database"}


def configured_target() -> DbTarget:
    return target_from_settings(connections[DEFAULT_DB_ALIAS].settings_dict)


def run(command: BaseCommand, as_json: bool, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``work()``, with a :class:`BackupError` printed (as JSON too) and turned into the exit code;
    a database that cannot be reached or refuses a query is a failure (exit 1) with its message,
    not a traceback."""
    try:
        return work()
    except BackupError as error:
        failed = error
    except psycopg.Error as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        failed = BackupError(f"Basis data menolak atau tidak terjangkau: {detail}", code="database")
    if as_json:
        command.stdout.write(to_json({"error": failed.as_dict()}))
    if failed.code in _FAILURES:
        raise CommandError(failed.message, returncode=FAILED)
    raise usage_error(failed.message)


def number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + " detik"


def chain_line(chain: dict[str, Any]) -> str:
    if chain.get("head_seq") is None:
        return "Jejak audit: kosong."
    return (
        f"Jejak audit: {number(chain['rows'])} baris, kepala rantai "
        f"{chain['head_seq']}:{chain['head_hash']}"
    )
