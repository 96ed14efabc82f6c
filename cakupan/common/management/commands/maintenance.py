"""``cakupan maintenance [--json]``: daily housekeeping (``common.maintenance``), idempotent."""

from __future__ import annotations

from typing import Any

from cakupan.common.commands import ReportCommand
from cakupan.common.maintenance import TASK_RESULT_DAYS, housekeeping


class Command(ReportCommand):
    help = (
        "Pemeliharaan harian: hapus sesi kedaluwarsa, catatan gagal masuk yang tidak lagi "
        f"dihitung untuk penguncian, dan hasil tugas latar belakang lebih dari {TASK_RESULT_DAYS} "
        "hari. Aman dijalankan berulang."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        done = housekeeping()
        sessions = "-" if done.sessions is None else f"{done.sessions:,}".replace(",", ".")
        lines = [
            f"Sesi kedaluwarsa dihapus: {sessions}",
            f"Catatan gagal masuk kedaluwarsa dihapus: {done.signin_attempts:,}".replace(",", "."),
            f"Hasil tugas latar belakang lama dihapus: {done.task_results:,}".replace(",", "."),
        ]
        self.emit(done.as_dict(), lines, as_json=options["as_json"])
