"""The backup key: from the environment, never from the database or the settings."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from cakupan.common.backup.errors import BackupError

KEY_ENV = "CAKUPAN_BACKUP_KEY"


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
