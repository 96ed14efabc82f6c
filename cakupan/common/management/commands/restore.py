"""``cakupan restore FILE [--check] [--json]``: restore an encrypted backup into an empty database.

The whole file is authenticated first (wrong key, truncated or altered: exit 2, the database
untouched); a database that is not empty is refused (exit 2); ``pg_restore`` runs in one
transaction as the owner, then the application role is granted its rights. Exit 1 when the
restored row counts or audit chain head differ from the backup's. ``--check`` only authenticates
the file and prints what it holds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError

from cakupan.common.backup import check, key_from_env, restore
from cakupan.common.commands import ReportCommand
from cakupan.common.management.commands._backup_cli import (
    FAILED,
    chain_line,
    configured_target,
    megabytes,
    number,
    run,
    seconds,
)


class Command(ReportCommand):
    help = (
        "Pulihkan berkas cadangan ke basis data kosong (berkas diperiksa utuh dulu; kunci dari "
        "CAKUPAN_BACKUP_KEY)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", metavar="FILE", help="berkas cadangan")
        parser.add_argument(
            "--check",
            action="store_true",
            help="hanya periksa keaslian dan isi berkas, tanpa memulihkan",
        )
        super().add_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        as_json = options["as_json"]
        source = Path(options["file"]).expanduser().absolute()
        if options["check"]:
            report = run(self, as_json, lambda: check(source=source, key=key_from_env()))
            self.emit(
                report,
                [
                    f"Berkas cadangan utuh: {report['file']} ({megabytes(report['bytes'])}, "
                    f"kunci {report['key_id']}), dibuat {report['backup_created_at']}.",
                    f"Basis data {report['database']} (PostgreSQL {report['server_version']}): "
                    f"{number(len(report['tables']))} tabel, {number(report['rows'])} baris.",
                    chain_line(report["audit_chain"]),
                ],
                as_json=as_json,
            )
            return
        report = run(
            self,
            as_json,
            lambda: restore(source=source, target=configured_target(), key=key_from_env()),
        )
        chain = report["audit_chain"]
        lines = [
            f"Dipulihkan dari {report['file']} (dibuat {report['backup_created_at']}) ke basis "
            f"data {report['database']}: {number(len(report['tables']))} tabel, "
            f"{number(report['rows'])} baris; {seconds(report['duration_seconds'])}.",
            chain_line(chain),
        ]
        if report["app_role_granted"]:
            lines.append(f"Hak peran aplikasi {report['app_role_granted']} diberikan ulang.")
        if report["matches"]:
            lines.append("Jumlah baris setiap tabel dan kepala rantai audit sama dengan cadangan.")
            if chain.get("head_seq") is not None:
                lines.append(
                    "Periksa seluruh rantai: `cakupan audit verify --expect "
                    f"{chain['head_seq']}:{chain['head_hash']}`."
                )
        else:
            for name, pair in report["differences"].items():
                lines.append(
                    f"BEDA {name}: cadangan {pair['backup']}, dipulihkan {pair['restored']}"
                )
            if not chain["matches"]:
                lines.append("BEDA kepala rantai audit dari cadangan.")
        self.emit(report, lines, as_json=as_json)
        if not report["matches"]:
            raise CommandError("hasil pemulihan berbeda dari cadangan", returncode=FAILED)
