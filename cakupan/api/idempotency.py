"""``Idempotency-Key``: a write retried with the same key is done once, and answered the same.

Put :func:`idempotent` under the router's decorator of every POST that creates something::

    @router.post("/batches", response={201: BatchOut}, url_name="batch_create")
    @idempotent
    def batch_create(request, ...) -> tuple[int, BatchOut]: ...

The view returns a schema instance, a dict, or ``Status(status, either)`` as django-ninja allows. With
the header (1-200 printable ASCII characters, e.g. a UUID), per user:

* a new key: the view runs and its answer is stored with the key, in the view's own transaction,
  so the key and the write commit or roll back together; an error (any exception: a 4xx refusal,
  a server error) stores nothing, so the client may retry with the same key;
* the same key with the same method, path and body within ``API_IDEMPOTENCY_HOURS``: the stored
  answer, status and body, with ``Idempotent-Replayed: true``; the view does not run, nothing is
  written;
* the same key with another method, path or body: 409 ``idempotency_key_reused``;
* the same key sent twice at once: the second waits for the first on the key's unique constraint
  (PostgreSQL blocks an insert of a key another open transaction has inserted), then is answered
  as a replay.

Without the header the view simply runs.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.responses import Status
from pydantic import BaseModel

from cakupan.api.errors import ApiError
from cakupan.api.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 200

F = TypeVar("F", bound=Callable[..., Any])

# Names of the views that take the header (their OpenAPI operation ids): the document lists the
# header on exactly these operations (``api.api``).
IDEMPOTENT_OPERATIONS: set[str] = set()


def _key_of(request: HttpRequest) -> str | None:
    raw = request.headers.get(HEADER)
    if raw is None:
        return None
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not all(" " <= c <= "~" for c in key):
        raise ApiError(
            422,
            "idempotency_key_invalid",
            _("Idempotency-Key harus 1 sampai 200 karakter ASCII yang dapat dicetak."),
            details=[{"field": HEADER, "location": "header"}],
        )
    return key


def body_fingerprint(request: HttpRequest) -> str:
    """SHA-256 over what the request asks: method, path, query and body. A multipart body (whose
    raw bytes Django has already consumed) by its fields and the contents of its files."""
    digest = hashlib.sha256()
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", "")):
        digest.update(part.encode("utf-8") + b"\0")
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"f:{name}={value}".encode() + b"\0")
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                digest.update(f"u:{name}:{upload.name}:".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
                digest.update(b"\0")
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _jsonable(data: Any) -> Any:
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", by_alias=True)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


# Insert-first: the unique (user_id, key) makes a concurrent insert of the same key wait for the
# transaction that holds it, then do nothing (and return no row) once that one has committed.
RESERVE_SQL = (
    f"INSERT INTO {IdempotencyKey._meta.db_table} "  # noqa: S608 - our table
    "(user_id, key, method, path, body_hash, created_at) VALUES (%s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (user_id, key) DO NOTHING RETURNING id"
)


def _reserve(*, user_id: int, key: str, method: str, path: str, fingerprint: str) -> int | None:
    """Insert the key's row; None when the key already has one (then committed: an insert of the
    same key by another open transaction makes this one wait until that one ends)."""
    with connection.cursor() as cursor:
        cursor.execute(
            RESERVE_SQL, [user_id, key, method[:10], path[:300], fingerprint, timezone.now()]
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def _replay(request: HttpRequest, existing: IdempotencyKey, fingerprint: str) -> Any:
    same = (
        existing.method == (request.method or "")[:10]
        and existing.path == request.path[:300]
        and existing.body_hash == fingerprint
    )
    if not same or existing.status is None:
        raise ApiError(
            409,
            "idempotency_key_reused",
            _(
                "Idempotency-Key ini sudah dipakai untuk permintaan lain dalam %(hours)d jam "
                "terakhir. Gunakan kunci baru untuk permintaan baru."
            )
            % {"hours": settings.API_IDEMPOTENCY_HOURS},
        )
    response = HttpResponse(
        json.dumps(existing.response, ensure_ascii=False),
        status=existing.status,
        content_type="application/json; charset=utf-8",
    )
    response[REPLAYED_HEADER] = "true"
    return response


def idempotent(view: F) -> F:
    """See the module docstring."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        key = _key_of(request)
        if key is None:
            return view(request, *args, **kwargs)
        user_id = int(request.user.pk or 0)  # TokenAuth has set a saved user
        fingerprint = body_fingerprint(request)
        horizon = timezone.now() - dt.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
        with transaction.atomic():
            IdempotencyKey.objects.filter(user_id=user_id, key=key, created_at__lt=horizon).delete()
            reserved = _reserve(
                user_id=user_id,
                key=key,
                method=request.method or "",
                path=request.path,
                fingerprint=fingerprint,
            )
            if reserved is None:
                existing = IdempotencyKey.objects.get(user_id=user_id, key=key)
                return _replay(request, existing, fingerprint)
            result = view(request, *args, **kwargs)
            if isinstance(result, Status):
                status, data = result.status_code, result.value
            elif isinstance(result, tuple):
                status, data = result
            else:
                status, data = 200, result
            body = _jsonable(data)
            IdempotencyKey.objects.filter(pk=reserved).update(status=status, response=body)
            return Status(status, body)

    # django-ninja reads the parameters' types from the signature; with postponed annotations they
    # are names in the view's module, which the wrapper's module cannot resolve: resolve them here.
    wrapper.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    IDEMPOTENT_OPERATIONS.add(view.__name__)
    return wrapper  # type: ignore[return-value]


def idempotency_purge(*, now: dt.datetime | None = None) -> int:
    """Delete keys older than ``API_IDEMPOTENCY_HOURS``; returns how many."""
    horizon = (now or timezone.now()) - dt.timedelta(hours=settings.API_IDEMPOTENCY_HOURS)
    deleted, _per_model = IdempotencyKey.objects.filter(created_at__lt=horizon).delete()
    return deleted
