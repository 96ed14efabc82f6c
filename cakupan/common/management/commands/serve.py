"""``cakupan serve``: serve the web application; stop the embedded database on exit."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from cakupan.common import pgserver
from cakupan.common.management.commands.db import embedded_pgdata


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = "Jalankan aplikasi web di http://127.0.0.1:8000 (Ctrl-C untuk berhenti)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="alamat:port (bawaan 127.0.0.1:8000)"
        )
        parser.add_argument(
            "--keep-db", action="store_true", help="biarkan server basis data bawaan tetap jalan"
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="jangan jalankan pekerja latar belakang"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Cakupan melayani di http://{options['addr']}/ (Ctrl-C untuk berhenti)")
        # A service manager stops us with SIGTERM: treat it like Ctrl-C, so the worker and the
        # embedded database are stopped too instead of being left behind.
        signal.signal(signal.SIGTERM, _interrupt)
        worker = None
        if not options["no_worker"]:
            # The background worker (file checks, commits) lives exactly as long as the server.
            worker = subprocess.Popen(
                [sys.executable, "-m", "cakupan.cli", "worker", "--no-reload"]
            )
            self.stdout.write("Pekerja latar belakang berjalan.")
        try:
            # Django's own server, without the autoreloader: enough for a demo or a small office on a
            # LAN; larger deployments run gunicorn behind nginx (README, "Production").
            call_command("runserver", options["addr"], use_reloader=False, skip_checks=False)
        except KeyboardInterrupt:
            pass
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
            pgdata = embedded_pgdata()
            if pgdata and not options["keep_db"]:
                connections.close_all()
                if pgserver.stop_server(pgdata):
                    self.stdout.write("Server basis data bawaan dihentikan.")
