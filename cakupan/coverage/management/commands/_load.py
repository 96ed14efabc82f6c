"""Shared by ``cakupan denominators load`` and ``cakupan participants load``: the file, the
report, and intake's conventions (exit 0 when the file was processed, even with rejected rows;
2 when the file itself cannot be used, with ``{"error": {"code", "message"}}`` in JSON)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.common.commands import ReportCommand, to_json, usage_error
from cakupan.coverage.services import LoadResult
from cakupan.intake.schema import FileError


def load_file(
    command: ReportCommand,
    options: dict[str, Any],
    label: str,
    load: Callable[..., LoadResult],
    **extra: Any,
) -> None:
    path = Path(options["file"])
    if not path.is_file():
        raise usage_error(f"Berkas tidak ditemukan: {path}")
    actor = Actor.system(source=Source.CLI, label=label)
    try:
        result = load(
            actor=actor,
            data=path.read_bytes(),
            filename=path.name,
            dry_run=options["dry_run"],
            **extra,
        )
    except FileError as error:
        if options["as_json"]:
            command.stdout.write(to_json({"error": {"code": error.code, "message": error.message}}))
        raise usage_error(f"Berkas tidak dapat dipakai: {error.message}") from None
    lines = [
        f"{path.name}: {result.rows} baris; baru {result.created}, berubah {result.updated}, "
        f"tidak berubah {result.unchanged}, ditolak {result.rejected}"
        + (" (pemeriksaan saja, tidak disimpan)" if result.dry_run else ""),
        *(f"  baris {i.row}: [{i.code}] {i.message}" for i in result.issues[:50]),
    ]
    if len(result.issues) > 50:
        lines.append(f"  ... dan {len(result.issues) - 50} masalah lain")
    command.emit(result.as_dict(), lines, as_json=options["as_json"])


def add_file_arguments(parser: Any) -> None:
    parser.add_argument("file", help="berkas CSV, XLSX, XLS atau ODS")
    parser.add_argument("--dry-run", action="store_true", help="periksa saja, jangan simpan")
