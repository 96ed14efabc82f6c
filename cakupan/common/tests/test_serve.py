"""``cakupan serve``: gunicorn by default, the development server with ``--dev``; static files and a
scrubbed access log under gunicorn (one real server in a subprocess)."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from gunicorn.config import Config

from cakupan.common import pii
from cakupan.common.management.commands import serve
from cakupan.common.management.commands.serve import (
    ACCESS_LOG_FORMAT,
    GunicornServer,
    ScrubbedGunicornLogger,
    close_connections_before_fork,
    gunicorn_options,
)

NIK = "7324041708850001"


@pytest.fixture
def servers(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """The servers ``serve`` would run, recorded instead of run; the database check recorded too."""
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(
        serve.Command,
        "servers",
        {
            "gunicorn": lambda options: calls.append(("gunicorn", options)),
            "runserver": lambda addr, reload: calls.append(("runserver", (addr, reload))),
        },
    )
    monkeypatch.setattr(
        serve.Command, "_open_database", lambda self: calls.append(("open database", None))
    )
    monkeypatch.delenv("CAKUPAN_WEB_WORKERS", raising=False)
    monkeypatch.delenv("CAKUPAN_WEB_THREADS", raising=False)
    return calls


@contextlib.contextmanager
def _sigterm_restored() -> Iterator[None]:
    before = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def test_serve_runs_gunicorn_by_default_after_opening_the_database(
    servers: list[tuple[str, Any]],
) -> None:
    call_command("serve", "--no-worker", "--addr", "127.0.0.1:8123", "--workers", "3")
    assert [name for name, _ in servers] == ["open database", "gunicorn"]
    options = servers[1][1]
    assert options == gunicorn_options(addr="127.0.0.1:8123", workers=3, threads=8)
    assert options["bind"] == ["127.0.0.1:8123"]
    assert (options["workers"], options["worker_class"], options["threads"]) == (3, "gthread", 8)
    assert options["preload_app"] is True
    assert options["pre_fork"] is close_connections_before_fork
    assert options["logger_class"] is ScrubbedGunicornLogger
    assert options["accesslog"] == "-"
    assert options["graceful_timeout"] == 30
    assert options["control_socket_disable"] is True


def test_workers_default_to_the_cores_and_follow_the_environment(
    servers: list[tuple[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    call_command("serve", "--no-worker")
    assert servers[-1][1]["workers"] == len(os.sched_getaffinity(0))
    assert servers[-1][1]["bind"] == ["127.0.0.1:8000"]
    monkeypatch.setenv("CAKUPAN_WEB_WORKERS", "5")
    monkeypatch.setenv("CAKUPAN_WEB_THREADS", "8")
    call_command("serve", "--no-worker")
    assert (servers[-1][1]["workers"], servers[-1][1]["threads"]) == (5, 8)
    call_command("serve", "--no-worker", "--threads", "1")
    assert (servers[-1][1]["workers"], servers[-1][1]["threads"]) == (5, 1)
    monkeypatch.setenv("CAKUPAN_WEB_WORKERS", "nol")
    with pytest.raises(CommandError, match="CAKUPAN_WEB_WORKERS harus bilangan bulat positif"):
        call_command("serve", "--no-worker")


def test_gunicorn_accepts_the_options() -> None:
    options = gunicorn_options(addr="127.0.0.1:8123", workers=2, threads=4)
    cfg = GunicornServer(lambda environ, start_response: [], options).cfg  # type: ignore[arg-type]
    assert cfg.address == [("127.0.0.1", 8123)]
    assert (cfg.workers, cfg.threads, cfg.worker_class_str) == (2, 4, "gthread")
    assert cfg.logger_class is ScrubbedGunicornLogger
    assert cfg.preload_app is True
    assert cfg.access_log_format == ACCESS_LOG_FORMAT
    assert cfg.control_socket_disable is True


def test_dev_runs_the_development_server_with_its_autoreloader(
    servers: list[tuple[str, Any]],
) -> None:
    with _sigterm_restored():
        call_command("serve", "--dev", "--no-worker", "--addr", "127.0.0.1:8124")
        call_command("serve", "--dev", "--no-reload", "--no-worker")
    assert servers == [
        ("runserver", ("127.0.0.1:8124", True)),
        ("runserver", ("127.0.0.1:8000", False)),
    ]


def test_the_access_log_masks_a_nik_in_the_request_line_and_the_referer(tmp_path: Path) -> None:
    cfg = Config()
    cfg.set("accesslog", str(tmp_path / "access.log"))
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = ScrubbedGunicornLogger(cfg)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/orang/?q={NIK}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.7",
        "HTTP_REFERER": f"http://cakupan.test/orang/{NIK}/",
    }
    response = SimpleNamespace(status="303 See Other", sent=512, headers=[("X-Request-ID", "abc")])
    try:
        logger.access(response, [], environ, dt.timedelta(milliseconds=12))
    finally:
        for log in (logger.access_log, logger.error_log):
            for handler in list(log.handlers):
                log.removeHandler(handler)
                handler.close()
    logged = (tmp_path / "access.log").read_text()
    token = pii.nik_token(NIK)
    assert (
        f'"GET /orang/?q={token} HTTP/1.1" 303 512 "http://cakupan.test/orang/{token}/"' in logged
    )
    assert logged.rstrip().endswith(" 12ms abc")
    assert NIK not in logged


# --- a real gunicorn -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, dict(response.headers.items()), response.read()
    finally:
        conn.close()


@pytest.mark.django_db
def test_gunicorn_serves_pages_and_static_files_and_logs_no_nik(tmp_path: Path) -> None:
    """Production settings (manifest static files, DEBUG off) in a subprocess on the test database."""
    connection.ensure_connection()
    params = connection.settings_dict
    database_url = (
        f"postgres://{params['USER']}@{quote(str(params['HOST']), safe='')}:{params['PORT']}/"
        f"{params['NAME']}"
    )
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAKUPAN_", "DATABASE_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="cakupan.config.settings.base",
        DATABASE_URL=database_url,
        CAKUPAN_DATA_DIR=str(tmp_path / "data"),
        CAKUPAN_PII_HASH_KEY=settings.PII_HASH_KEY,
        PYTHONPATH=str(settings.BASE_DIR),
    )
    out = tmp_path / "stdout.log"
    with open(out, "wb") as stdout, open(tmp_path / "stderr.log", "wb") as stderr:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "cakupan.cli", "serve", "--addr", f"127.0.0.1:{port}"),
                *("--no-worker", "--workers", "1", "--threads", "2"),
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 90
        status = 0
        while time.monotonic() < deadline and process.poll() is None:
            with contextlib.suppress(OSError):
                status, _, page = _get(port, "/akun/masuk/")
                break
            time.sleep(0.2)
        assert process.poll() is None, (tmp_path / "stderr.log").read_text()
        assert status == 200
        # The page links the hashed file names of the manifest; WhiteNoise serves them for a year.
        css = re.search(rb'href="(/static/css/cakupan\.[0-9a-f]{12}\.css)"', page)
        assert css is not None, page[:2000]
        status, headers, body = _get(port, css.group(1).decode())
        source = (settings.BASE_DIR / "cakupan/static/css/cakupan.css").read_bytes()
        assert (status, body) == (200, source)
        assert headers["Content-Type"].startswith("text/css")
        assert "immutable" in headers["Cache-Control"]
        status, _, body = _get(port, "/static/js/cakupan.js")
        assert (status, body) == (
            200,
            (settings.BASE_DIR / "cakupan/static/js/cakupan.js").read_bytes(),
        )
        status, _, _ = _get(port, f"/cari/{NIK}/?nik={NIK}")
        assert status == 404
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            returncode = process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert returncode == 0  # a graceful stop
    logged = out.read_text()
    assert "gunicorn: 1 proses x 2 utas" in logged
    token = pii.nik_token(NIK)
    assert f'"GET /cari/{token}/?nik={token} HTTP/1.1" 404' in logged
    assert NIK not in logged
