"""Search texts kept on the server, so a NIK typed into a search never travels in a URL.

A search form posts its text (``q``); the server keeps it in the user's session under a random
token and answers with a redirect to the same page with ``?cari=<token>`` (and the other, harmless
filters) in the address. The page, its paging links, the browser's history and bookmarks, the
``Referer`` header and every access log see only the token. ``SearchTokenMiddleware``
(``common.middleware``) does the exchange for every page, so views keep reading
``request.GET["q"]`` as before.
"""

from __future__ import annotations

import secrets
from typing import Any

__all__ = ["FIELD", "MARKER", "TOKEN", "recall", "remember"]

FIELD = "q"  # the parameter that may hold a NIK
TOKEN = "cari"  # noqa: S105 - the parameter that names a kept search, not a secret
MARKER = "_cari"  # a form that posts this field is a search form
_SESSION_KEY = "cakupan_searches"
_KEPT = 30  # searches kept per session, newest last


def remember(session: Any, text: str) -> str:
    """Keep ``text`` in ``session`` and return its token (the same token for the same text)."""
    kept: dict[str, str] = dict(session.get(_SESSION_KEY, {}))
    for token, value in kept.items():
        if value == text:
            return token
    token = secrets.token_urlsafe(9)
    kept[token] = text
    while len(kept) > _KEPT:
        kept.pop(next(iter(kept)))
    session[_SESSION_KEY] = kept
    return token


def recall(session: Any, token: str) -> str | None:
    """The text kept under ``token``, or None (unknown, expired, another session's)."""
    kept = session.get(_SESSION_KEY, {})
    value = kept.get(token) if isinstance(kept, dict) else None
    return value if isinstance(value, str) else None
