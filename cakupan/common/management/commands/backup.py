"""``cakupan backup --out FILE [--json]``: an encrypted backup of the whole database.

``pg_dump`` in custom format, as the database owner, streamed through AES-256-GCM under
``CAKUPAN_BACKUP_KEY`` (``common.backup``). Exit 2 without a usable key or when FILE exists, 1
when pg_dump fails.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cakupan.common.backup import backup, key_from_env
from cakupan.common.commands import ReportCommand
from cakupan.common.management.commands._backup_cli import (
    chain_line,
    configured_target,
    megabytes,
    number,
    run,
    seconds,
)


class Command(ReportCommand):
    help = (
        "Cadangkan seluruh basis data ke satu berkas terenkripsi (pg_dump, kunci dari "
        "CAKUPAN_BACKUP_KEY)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", required=True, metavar="FILE", help="berkas cadangan baru")
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["as_json"]
        out = Path(options["out"]).expanduser().absolute()
        report = run(
            self,
            as_json,
            lambda: backup(target=configured_target(), out=out, key=key_from_env()),
        )
        chain = report["audit_chain"]
        lines = [
            f"Cadangan ditulis: {report['file']} ({megabytes(report['bytes'])}, kunci "
            f"{report['key_id']}).",
            f"Basis data {report['database']} (PostgreSQL {report['server_version']}): "
            f"{number(len(report['tables']))} tabel, {number(report['rows'])} baris; "
            f"pg_dump {report['pg_dump']['version']}; {seconds(report['duration_seconds'])}.",
            chain_line(chain),
        ]
        if chain.get("head_seq") is not None:
            lines.append(
                "Catat kepala rantai itu di luar server; setelah pemulihan periksa dengan "
                f"`cakupan audit verify --expect {chain['head_seq']}:{chain['head_hash']}`."
            )
        self.emit(report, lines, as_json=as_json)
