"""Personal data as it may appear where the full value must not: masked forms and keyed hashes.

* :func:`nik_token` is what audit notes and logs hold instead of a NIK: the masked NIK plus the
  first 16 hex digits of HMAC-SHA256 under ``PII_HASH_KEY`` (``#`` between). The mask lets a person
  read it; the keyed hash lets an investigator match it to a NIK they already have
  (``cakupan privacy report`` does) without the log revealing the number. The NIK space is small
  (region, birth date, 4-digit serial), so an *unkeyed* hash could be reversed by enumeration;
  the key lives outside the database and its backups.
* :func:`redact_query` turns a search text into what may be logged: NIK-like digit runs hashed.
* :func:`mask_phone` and :func:`mask_amount` are the masked forms read-only roles see.

Pure functions except for reading the key from Django's settings (with a fallback when settings
are not configured, so the log formatter works in any process).
"""

from __future__ import annotations

import hashlib
import hmac
import re

__all__ = [
    "hash_key",
    "mask_amount",
    "mask_name",
    "mask_phone",
    "nik_digest",
    "nik_token",
    "redact_query",
]

_DIGIT_RUN = re.compile(r"[0-9][0-9 .\-]{4,}[0-9]")
_SEPARATORS = re.compile(r"[ .\-]")


def hash_key() -> bytes:
    """The key of the keyed hashes: ``settings.PII_HASH_KEY`` (bytes or str)."""
    try:
        from django.conf import settings

        key = settings.PII_HASH_KEY
    except Exception:  # settings not configured (a bare script): hashes still never leak NIKs
        key = "cakupan-unconfigured"
    return key.encode() if isinstance(key, str) else bytes(key)


def nik_digest(nik: str) -> str:
    """HMAC-SHA256 of the 16 digits under :func:`hash_key`, 16 hex digits (64 bits)."""
    return hmac.new(hash_key(), nik.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:16]


def _mask(digits: str) -> str:
    if len(digits) <= 8:
        return "*" * len(digits)
    return f"{digits[:4]}{'*' * (len(digits) - 8)}{digits[-4:]}"


def nik_token(nik: str) -> str:
    """``7324********0001#a1b2c3d4e5f60718``: what a log or an audit note holds for a NIK."""
    return f"{_mask(nik)}#{nik_digest(nik)}"


def redact_query(text: str) -> str:
    """A search text safe to log: a run of 16 digits (NIK, KK) becomes :func:`nik_token`; a
    shorter run of 6+ digits (a NIK prefix) keeps its first 4 digits and is hashed."""

    def replace(match: re.Match[str]) -> str:
        digits = _SEPARATORS.sub("", match.group(0))
        if len(digits) < 6:
            return match.group(0)
        if len(digits) == 16:
            return nik_token(digits)
        return f"{digits[:4]}{'*' * (len(digits) - 4)}#{nik_digest(digits)}"

    return _DIGIT_RUN.sub(replace, text)


def mask_phone(phone: str) -> str:
    """``0812****5678`` (first 4 and last 4 digits kept); short numbers fully hidden."""
    digits = "".join(c for c in phone if c.isdigit())
    if not digits:
        return ""
    return _mask(digits)


def mask_name(name: str) -> str:
    """A name with each word cut to its first letter and asterisks, as far as the word was long
    ("Wahyuni Lestari" -> "W****** L******"): enough for an operator who knows the person to
    recognise them, not enough to learn the name of whoever holds a NIK one typed."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in name.split())


def mask_amount(_amount: object) -> str:
    """An amount a role may not read: shown as hidden, never as a number."""
    return "Rp •••"
