"""``cakupan serve``: serve the web application with gunicorn; ``--dev``: Django's development server.

Production (the default) runs gunicorn inside this process: this process is gunicorn's master and
forks the worker processes (``--workers``, each with ``--threads`` threads; by default as many
processes as the machine has cores, see :func:`default_workers`). Before the first fork the master
makes sure of three things the workers then inherit:

* the database is reachable and, for the embedded server, started, with its roles set up
  (``pgserver.ensure_server``/``ensure_database`` run once, here): workers never race to start or
  bootstrap it. The master closes its connections before every fork (``pre_fork``), so no worker
  shares a socket with another; each worker thread opens its own connection, kept ``CONN_MAX_AGE``
  seconds, so the server holds at most workers x threads connections for the web;
* the static files are collected (``collectstatic`` when the manifest is missing or older than a
  source file), which WhiteNoise (in ``MIDDLEWARE``) serves from ``STATIC_ROOT``: every asset comes
  from this server, none from a CDN;
* the access log passes through :class:`~cakupan.common.logs.AccessLogScrubber`, so a NIK typed into
  a URL is logged masked and hashed (:class:`ScrubbedGunicornLogger`).

SIGTERM stops gracefully (requests in progress finish, up to ``GRACEFUL_TIMEOUT`` seconds), Ctrl-C
at once; then the background worker and the embedded database are stopped. ``--dev`` runs Django's
``runserver`` with its autoreloader (``--no-reload`` without), for development only.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.wsgi import get_wsgi_application
from django.db import OperationalError, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger as GunicornLogger

from cakupan.common import pgserver
from cakupan.common.logs import AccessLogScrubber
from cakupan.common.management.commands.db import embedded_pgdata

# A worker silent this long is killed and replaced (a sync worker busy with one request, or a hung
# one); gthread workers keep reporting while their threads serve, so only a stuck process trips it.
TIMEOUT = 120
# SIGTERM: requests in progress get this long to finish before their worker is killed.
GRACEFUL_TIMEOUT = 30
# The combined log format plus the duration and the correlation id of the response (X-Request-ID),
# which ties an access line to the error log line of the same request.
ACCESS_LOG_FORMAT = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms %({x-request-id}o)s'
)


def cpu_count() -> int:
    """Cores this process may run on (the affinity mask, which containers and taskset narrow)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # pragma: no cover - not on Linux
        return max(os.cpu_count() or 1, 1)


def default_workers() -> int:
    """``CAKUPAN_WEB_WORKERS``, else one process per core (``docs/benchmarks.md``, load)."""
    return _env_positive("CAKUPAN_WEB_WORKERS") or cpu_count()


def default_threads() -> int:
    """``CAKUPAN_WEB_THREADS``, else 8: while threads wait on PostgreSQL (a query, a commit's
    fsync) others render; 8 served the most requests a second in ``docs/benchmarks.md`` (load)."""
    return _env_positive("CAKUPAN_WEB_THREADS") or 8


def _env_positive(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise CommandError(f"{name} harus bilangan bulat positif, bukan {value!r}.")
    return int(value)


class ScrubbedGunicornLogger(GunicornLogger):  # type: ignore[misc]
    """gunicorn's logger whose access and error lines never hold a run of 16 digits (a NIK, a KK)."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            if not any(isinstance(f, AccessLogScrubber) for f in log.filters):
                log.addFilter(AccessLogScrubber())


def close_connections_before_fork(server: Any, worker: Any) -> None:
    """gunicorn ``pre_fork``: the master holds no database connection a worker would inherit."""
    connections.close_all()


def gunicorn_options(*, addr: str, workers: int, threads: int) -> dict[str, Any]:
    """gunicorn's settings for ``cakupan serve`` (names as in gunicorn's configuration file)."""
    return {
        "bind": [addr],
        "workers": workers,
        # gthread even with one thread: it keeps connections alive between requests and reports
        # to the master while a long request (an export) runs.
        "worker_class": "gthread",
        "threads": threads,
        # Django is loaded once in the master and shared copy-on-write; the master also opened the
        # database (started the embedded server) before forking, see the module docstring.
        "preload_app": True,
        "pre_fork": close_connections_before_fork,
        "timeout": TIMEOUT,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "keepalive": 5,
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        # gunicorn's own start-up lines are English and say what ours already says.
        "loglevel": "warning",
        "logger_class": ScrubbedGunicornLogger,
        "proc_name": "cakupan",
        # gunicorn 25+ opens a control socket under $HOME by default: one per user, so a second
        # server (a test, the benchmark) would take it over. Nothing of ours uses it.
        "control_socket_disable": True,
    }


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn run in this process, serving ``application`` with ``options``."""

    def __init__(self, application: WSGIHandler, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        return self.application


def run_gunicorn(options: dict[str, Any]) -> None:
    """Serve until stopped (gunicorn's master loop; it ends by raising SystemExit)."""
    GunicornServer(get_wsgi_application(), options).run()


def run_devserver(addr: str, *, reload: bool) -> None:
    """Django's development server (with its autoreloader unless ``reload`` is False)."""
    call_command("runserver", addr, use_reloader=reload, skip_checks=False)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Jalankan aplikasi web (gunicorn) di http://127.0.0.1:8000 (Ctrl-C untuk berhenti); "
        "--dev menjalankan server pengembangan Django."
    )

    # Replaced in tests: the two servers this command can run.
    servers: dict[str, Callable[..., None]] = {
        "gunicorn": run_gunicorn,
        "runserver": run_devserver,
    }

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="alamat:port (bawaan 127.0.0.1:8000)"
        )
        parser.add_argument(
            "--dev",
            action="store_true",
            help="server pengembangan Django (memuat ulang kode yang berubah), bukan gunicorn",
        )
        parser.add_argument(
            "--no-reload",
            action="store_true",
            help="dengan --dev: tanpa memuat ulang kode yang berubah",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="jumlah proses gunicorn (bawaan CAKUPAN_WEB_WORKERS, atau satu per inti CPU)",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="utas per proses gunicorn (bawaan CAKUPAN_WEB_THREADS, atau 8)",
        )
        parser.add_argument(
            "--keep-db", action="store_true", help="biarkan server basis data bawaan tetap jalan"
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="jangan jalankan pekerja latar belakang"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        addr: str = options["addr"]
        dev: bool = options["dev"]
        workers = options["workers"] or default_workers()
        threads = options["threads"] or default_threads()
        if workers < 1 or threads < 1:
            raise CommandError("--workers dan --threads harus bilangan bulat positif.")
        # gunicorn's workers are forks of this process and the autoreloader's server is a child
        # running this command again: only the process that started first cleans up at the end.
        owner = os.getpid()
        reloaded_child = dev and os.environ.get(DJANGO_AUTORELOAD_ENV) == "true"
        if not reloaded_child:
            self._collect_static_if_stale()
        if not dev:
            self._open_database()
        worker = None
        if not reloaded_child:
            if dev:
                self.stdout.write(
                    f"Cakupan melayani di http://{addr}/ dengan server pengembangan Django "
                    "(Ctrl-C untuk berhenti)"
                )
                # A service manager stops us with SIGTERM: treat it like Ctrl-C, so the worker
                # and the embedded database are stopped too. (gunicorn handles SIGTERM itself.)
                signal.signal(signal.SIGTERM, _interrupt)
            else:
                self.stdout.write(
                    f"Cakupan melayani di http://{addr}/ (gunicorn: {workers} proses x {threads} "
                    "utas; Ctrl-C untuk berhenti)"
                )
            if not options["no_worker"]:
                # The background worker (file checks, commits) lives exactly as long as the server.
                worker = subprocess.Popen(
                    [sys.executable, "-m", "cakupan.cli", "worker", "--no-reload"]
                )
                self.stdout.write("Pekerja latar belakang berjalan.")
            self.stdout.flush()
        try:
            if dev:
                self.servers["runserver"](addr, reload=not options["no_reload"])
            else:
                self.servers["gunicorn"](
                    gunicorn_options(addr=addr, workers=workers, threads=threads)
                )
        except KeyboardInterrupt:
            pass
        finally:
            # In a gunicorn worker (a fork) the SystemExit that ends it passes through here too.
            if os.getpid() == owner and not reloaded_child:
                self._stop(worker, keep_db=options["keep_db"])

    def _open_database(self) -> None:
        """Connect once in the master: starts the embedded server and sets up its roles here, once."""
        try:
            connections["default"].ensure_connection()
        except OperationalError as exc:
            raise CommandError(f"Basis data tidak dapat dihubungi: {exc}") from exc
        finally:
            connections.close_all()

    def _collect_static_if_stale(self) -> None:
        """``collectstatic`` when the hashed-name manifest is missing or older than a source file.

        With the manifest storage every ``{% static %}`` needs the manifest, and WhiteNoise serves
        what is under ``STATIC_ROOT``: a checkout updated without ``collectstatic`` would otherwise
        fail on every page.
        """
        if not isinstance(staticfiles_storage, ManifestFilesMixin) or not settings.STATIC_ROOT:
            return
        manifest = Path(staticfiles_storage.path(staticfiles_storage.manifest_name))
        if manifest.exists():
            built = manifest.stat().st_mtime
            newest = max(
                (
                    os.stat(storage.path(path)).st_mtime
                    for finder in finders.get_finders()
                    for path, storage in finder.list([])
                ),
                default=0.0,
            )
            if newest <= built:
                return
        self.stdout.write("Menyiapkan berkas statis (collectstatic) ...")
        call_command("collectstatic", interactive=False, verbosity=0)

    def _stop(self, worker: subprocess.Popen[bytes] | None, *, keep_db: bool) -> None:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
        pgdata = embedded_pgdata()
        if pgdata and not keep_db:
            connections.close_all()
            if pgserver.stop_server(pgdata):
                self.stdout.write("Server basis data bawaan dihentikan.")
