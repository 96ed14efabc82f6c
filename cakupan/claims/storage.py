"""Keeping claim documents: server-generated names, outside the static root, with their hash.

Like intake's uploads: the uploader's file name is kept as a label only, never used as a path.
Accepted are PDF, JPEG and PNG, recognised by their first bytes (the declared type and the name
are not trusted), up to ``CLAIMS_MAX_UPLOAD_BYTES`` (10 MB unless the settings say otherwise).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from cakupan.common.errors import DomainError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


class DocumentRefused(DomainError):
    code = "document_invalid"


def max_upload_bytes() -> int:
    return int(getattr(settings, "CLAIMS_MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


@dataclass(frozen=True)
class StoredFile:
    path: str
    sha256: str
    size: int
    content_type: str


def content_type_of(data: bytes) -> str | None:
    return next((kind for magic, kind in _SIGNATURES if data.startswith(magic)), None)


def store_document(data: bytes) -> StoredFile:
    """Check and save ``data`` under ``claims/YYYY/MM/<uuid>``; ``DocumentRefused`` otherwise."""
    if not data:
        raise DocumentRefused("Berkas kosong.", code="document_empty")
    limit = max_upload_bytes()
    if len(data) > limit:
        raise DocumentRefused(
            f"Berkas terlalu besar ({len(data) // 1024} KB); paling besar {limit // 1024 // 1024} MB.",
            code="document_too_large",
        )
    content_type = content_type_of(data)
    if content_type is None:
        raise DocumentRefused(
            "Jenis berkas tidak diterima: unggah PDF, JPG atau PNG.", code="document_type"
        )
    name = f"claims/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    path = default_storage.save(name, ContentFile(data))
    return StoredFile(
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        content_type=content_type,
    )


def read_document(path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        data: bytes = handle.read()
    return data
