"""``cakupan audit verify [--expect SEQ:HASH] [--json]``: check the audit log's hash chain."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from cakupan.accounts.chain import chain_verify
from cakupan.common.commands import ReportCommand, usage_error

BROKEN = 1


class Command(ReportCommand):
    help = (
        "Periksa rantai hash jejak audit: setiap baris dan setiap mata rantai dihitung ulang; "
        "melaporkan mata rantai pertama yang putus (kode keluar 1)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="periksa seluruh rantai")
        verify.add_argument(
            "--expect",
            metavar="SEQ:HASH",
            help="kepala rantai yang dicatat sebelumnya (di luar basis data): harus masih ada",
        )
        super().add_arguments(verify)

    def handle(self, *args: Any, **options: Any) -> None:
        expect_seq: int | None = None
        expect_hash: str | None = None
        if options.get("expect"):
            seq_text, _, hash_text = options["expect"].partition(":")
            try:
                expect_seq = int(seq_text)
            except ValueError:
                raise usage_error(
                    f"--expect harus SEQ:HASH, misalnya 42:ab12...: {options['expect']}"
                ) from None
            expect_hash = hash_text or None
        report = chain_verify(expect_seq=expect_seq, expect_hash=expect_hash)
        broken = report.first_broken
        lines = [
            f"Jejak audit: {report.rows:,} baris dalam {report.links:,} mata rantai.".replace(
                ",", "."
            ),
            f"Kepala rantai: {report.head_seq}:{report.head_hash}"
            if report.head_seq is not None
            else "Kepala rantai: (kosong)",
        ]
        if broken is None:
            lines.append("Rantai utuh.")
        else:
            lines.append(
                f"Rantai PUTUS pada mata rantai {broken.link}, blok {broken.block}, "
                f"urutan {broken.position}, baris audit {broken.event_id}: {broken.reason} "
                f"({broken.explanation})"
            )
        self.emit(report.as_dict(), lines, as_json=options["as_json"])
        if broken is not None:
            raise CommandError("rantai audit putus", returncode=BROKEN)
