"""Cursor pagination: ``?limit=N&cursor=...``, answered as ``{"items": [...], "next_cursor": ...}``.

The cursor is opaque to clients: the last row's id, signed (``django.core.signing``) so that a
client cannot forge one and a damaged one answers 400 ``cursor_invalid`` rather than a wrong page.
Rows are taken in ascending id order after the cursor (keyset paging: a page costs the same deep in
a million rows as on the first page, and rows added meanwhile are not skipped or repeated).
``limit`` is capped by ``API_PAGE_SIZE_MAX``.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from cakupan.api.errors import ApiError

M = TypeVar("M", bound=Model)

_SALT = "cakupan.api.cursor"


def encode_cursor(last_id: int) -> str:
    return signing.dumps(last_id, salt=_SALT, compress=False)


def decode_cursor(cursor: str) -> int:
    try:
        value = signing.loads(cursor, salt=_SALT)
    except signing.BadSignature:
        value = None
    if not isinstance(value, int) or isinstance(value, bool):
        raise ApiError(
            400,
            "cursor_invalid",
            _("Kursor halaman tidak sah. Mulailah lagi dari halaman pertama (tanpa cursor)."),
            details=[{"field": "cursor", "location": "query"}],
        )
    return value


def page_of(qs: QuerySet[M], *, limit: int, cursor: str | None) -> tuple[list[M], str | None]:
    """One page of ``qs`` (ordered here by id) after ``cursor``, and the cursor of the next page."""
    limit = max(1, min(limit, settings.API_PAGE_SIZE_MAX))
    if cursor:
        qs = qs.filter(pk__gt=decode_cursor(cursor))
    rows = list(qs.order_by("pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last: Any = rows[-1].pk if rows else None
    return rows, encode_cursor(int(last)) if more and last is not None else None
