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

The package: ``keys`` (the key), ``container`` (the file), ``database`` (where, and what it holds),
``tools`` (which pg_dump and pg_restore), ``jobs`` (backup, restore, check).
"""

from __future__ import annotations

from cakupan.common.backup.container import CHUNK_SIZE, MAGIC, VERSION, read_backup, seal
from cakupan.common.backup.database import (
    DbTarget,
    chain_head,
    is_empty,
    table_counts,
    target_from_settings,
)
from cakupan.common.backup.errors import BackupError
from cakupan.common.backup.jobs import backup, check, restore
from cakupan.common.backup.keys import KEY_ENV, generate_key, key_from_env, key_id
from cakupan.common.backup.tools import BIN_ENV, Tool, candidate_bins, choose_tool

__all__ = [
    "BIN_ENV",
    "CHUNK_SIZE",
    "KEY_ENV",
    "MAGIC",
    "VERSION",
    "BackupError",
    "DbTarget",
    "Tool",
    "backup",
    "candidate_bins",
    "chain_head",
    "check",
    "choose_tool",
    "generate_key",
    "is_empty",
    "key_from_env",
    "key_id",
    "read_backup",
    "restore",
    "seal",
    "table_counts",
    "target_from_settings",
]
