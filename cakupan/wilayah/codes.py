"""Kemendagri region codes as text: normalising and taking apart. No database access."""

from __future__ import annotations

import re

_DOTTED = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$")
_UNDOTTED = re.compile(r"^\d{2}(\d{2}(\d{2}(\d{4})?)?)?$")


class InvalidRegionCode(ValueError):
    """The text cannot be a Kemendagri region code at all (wrong digits or shape)."""


def normalize_region_code(raw: str) -> str:
    """Return the dotted form of a region code, accepting undotted input.

    ``"7324"`` -> ``"73.24"``, ``"7324011001"`` -> ``"73.24.01.1001"``, ``" 73.24 "`` -> ``"73.24"``.
    Raises :class:`InvalidRegionCode` for anything else.
    """
    text = (raw or "").strip()
    if _DOTTED.match(text):
        return text
    if _UNDOTTED.match(text):
        return ".".join(part for part in (text[0:2], text[2:4], text[4:6], text[6:10]) if part)
    raise InvalidRegionCode(raw)


def level_of(code: str) -> int:
    """1 provinsi, 2 kabupaten/kota, 3 kecamatan, 4 desa/kelurahan."""
    return code.count(".") + 1


def parent_of(code: str) -> str | None:
    return code.rsplit(".", 1)[0] if "." in code else None


def ancestors_of(code: str) -> list[str]:
    """Codes above ``code``, nearest first: ``73.24.01`` -> ``["73.24", "73"]``."""
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def in_region_subtree(code: str, region_code: str) -> bool:
    """Whether ``code`` is ``region_code`` itself or a region below it (the trailing dot keeps
    ``73.2`` from matching ``73.24``): ``selectors.region_subtree_q`` for a code at hand."""
    return code == region_code or code.startswith(f"{region_code}.")
