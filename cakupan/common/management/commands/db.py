"""``cakupan db start|stop|status``: the embedded PostgreSQL server under ``.data/pg``."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

from cakupan.common import pgserver
from cakupan.common.commands import ReportCommand, usage_error


def embedded_pgdata() -> str | None:
    """The data directory of the embedded server, or None when ``DATABASE_URL`` points elsewhere."""
    embedded: Any = dict(settings.DATABASES["default"]).get("EMBEDDED")
    return str(embedded["pgdata"]) if embedded and not embedded.get("throwaway") else None


class Command(ReportCommand):
    help = "Server PostgreSQL bawaan (di .data/pg): start, stop, status."

    def add_arguments(self, parser: Any) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name, text in (
            ("start", "jalankan server"),
            ("stop", "hentikan server"),
            ("status", "status server"),
        ):
            super().add_arguments(sub.add_parser(name, help=text))

    def handle(self, *args: Any, **options: Any) -> None:
        pgdata = embedded_pgdata()
        if pgdata is None:
            raise usage_error("DATABASE_URL diisi: Cakupan tidak mengelola server basis data ini.")
        action = options["action"]
        if action == "start":
            connection.ensure_connection()
        elif action == "stop":
            connection.close()
            stopped = pgserver.stop_server(pgdata)
            self.emit(
                {"pgdata": pgdata, "stopped": stopped},
                ["Server dihentikan." if stopped else "Server tidak sedang berjalan."],
                as_json=options["as_json"],
            )
            return
        address = pgserver.server_status(pgdata)
        data = {
            "pgdata": pgdata,
            "running": address is not None,
            "socket_dir": address.socket_dir if address else None,
        }
        text = (
            f"Server berjalan, soket di {address.socket_dir}"
            if address
            else "Server tidak berjalan."
        )
        self.emit(data, [text], as_json=options["as_json"])
