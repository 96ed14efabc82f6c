"""Field-level encryption at rest: AES-256-GCM with a key ring from the settings.

For the few columns that get it (heirs' bank accounts, children's schools: ``docs/security.md``
explains why NIK, phone and KK rely on volume and backup encryption instead). A value is stored as
``enc1:<key id>:<base64 of nonce || ciphertext || tag>``; the associated data is the column's name
(``claims.heir.bank_account``), so a ciphertext copied into another column does not decrypt.

Keys: ``settings.FIELD_ENCRYPTION_KEYS``, a list of ``"<id>:<base64 of 32 bytes>"``; the first
encrypts, all decrypt (rotation: put the new key first, run ``cakupan privacy rekey``, drop the old
one). They come from the environment (``CAKUPAN_FIELD_KEYS``), never from the database, so a copy
of the database or of a backup without the environment reads only ciphertext.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["PREFIX", "decrypt", "encrypt", "generate_key", "is_encrypted", "key_ring"]

PREFIX = "enc1"
_NONCE = 12


@dataclass(frozen=True, slots=True)
class KeyRing:
    current: str
    keys: dict[str, bytes]


def generate_key(key_id: str = "k1") -> str:
    """A new key in the settings' format (for ``CAKUPAN_FIELD_KEYS``)."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


def key_ring() -> KeyRing:
    entries: list[str] = list(getattr(settings, "FIELD_ENCRYPTION_KEYS", []))
    if not entries:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set CAKUPAN_FIELD_KEYS.")
    keys: dict[str, bytes] = {}
    for entry in entries:
        key_id, _, encoded = entry.partition(":")
        key = base64.b64decode(encoded)
        if not key_id or len(key) != 32:
            raise ImproperlyConfigured("Each field key is '<id>:<base64 of 32 bytes>'.")
        keys[key_id] = key
    return KeyRing(current=entries[0].partition(":")[0], keys=keys)


def is_encrypted(value: str) -> bool:
    return value.startswith(f"{PREFIX}:")


def encrypt(plaintext: str, *, context: str) -> str:
    """``plaintext`` sealed under the current key, bound to ``context`` (the column)."""
    ring = key_ring()
    nonce = os.urandom(_NONCE)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(
        nonce, plaintext.encode("utf-8"), context.encode()
    )
    return f"{PREFIX}:{ring.current}:{base64.b64encode(nonce + sealed).decode()}"


def decrypt(stored: str, *, context: str) -> str:
    """The plaintext of a value written by :func:`encrypt` (InvalidTag if tampered with)."""
    _, key_id, encoded = stored.split(":", 2)
    ring = key_ring()
    if key_id not in ring.keys:
        raise ImproperlyConfigured(f"No field key {key_id!r} in FIELD_ENCRYPTION_KEYS.")
    blob = base64.b64decode(encoded)
    plain = AESGCM(ring.keys[key_id]).decrypt(blob[:_NONCE], blob[_NONCE:], context.encode())
    return plain.decode("utf-8")


def key_id_of(stored: str) -> str:
    return stored.split(":", 2)[1]
