"""``cakupan participants load FILE [--dry-run] --json``: the branch's monthly participant counts.

A row per kabupaten/kota and date: ``kode wilayah``, ``per tanggal`` (or ``bulan`` YYYY-MM: its
last day), ``pu``, ``bpu``, ``jasa konstruksi`` (active participants), ``sumber``.
"""

from __future__ import annotations

from typing import Any

from cakupan.common.commands import ReportCommand
from cakupan.coverage.management.commands._load import add_file_arguments, load_file
from cakupan.coverage.services import participant_counts_load


class Command(ReportCommand):
    help = (
        "Jumlah peserta aktif BPJS Ketenagakerjaan per kabupaten/kota (PU, BPU, jasa konstruksi)."
    )

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="muat jumlah peserta dari berkas")
        add_file_arguments(load)
        super().add_arguments(load)

    def handle(self, *args: Any, **options: Any) -> None:
        load_file(self, options, "cakupan participants load", participant_counts_load)
