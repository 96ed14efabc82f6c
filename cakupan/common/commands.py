"""Shared pieces of the ``cakupan`` subcommands: JSON output and usage errors."""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterable
from typing import Any

from django.core.management.base import BaseCommand, CommandError

USAGE_ERROR = 2


def usage_error(message: str) -> CommandError:
    """An error in what the user typed: printed as the message alone, exit code 2."""
    return CommandError(message, returncode=USAGE_ERROR)


def _default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        # Whole rupiah (no fractional digits) print as integers; rates and percentages keep their
        # digits as strings ("87.8", "100.0", "0.0024") so no float ever rounds them.
        exponent = value.as_tuple().exponent
        return int(value) if isinstance(exponent, int) and exponent >= 0 else str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=_default)


class ReportCommand(BaseCommand):
    """A command that reports: ``--json`` prints one JSON document, otherwise readable text."""

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="cetak sebagai JSON"
        )

    def emit(self, data: Any, text_lines: Iterable[str], *, as_json: bool) -> None:
        if as_json:
            self.stdout.write(to_json(data))
        else:
            for line in text_lines:
                self.stdout.write(line)
