"""Keeping uploaded files: server-generated names, outside the static root, with their hash; upload limits."""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from cakupan.intake import readers


def intake_limits() -> readers.Limits:
    """The readers' limits from the settings (upload size, unpacked size, rows): for every upload."""
    return readers.Limits(
        max_bytes=settings.INTAKE_MAX_UPLOAD_BYTES,
        max_uncompressed_bytes=settings.INTAKE_MAX_UNCOMPRESSED_BYTES,
        max_rows=settings.INTAKE_MAX_ROWS,
    )


def store_upload(data: bytes) -> tuple[str, str]:
    """Save ``data`` under ``intake/YYYY/MM/<uuid>`` in the default storage; return (path, sha256).

    The operator's file name is never used as a path, so it can't traverse or overwrite anything.
    """
    digest = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    name = f"intake/{now:%Y/%m}/{uuid.uuid4().hex}"
    path = default_storage.save(name, ContentFile(data))
    return path, digest


def read_upload(path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        data: bytes = handle.read()
    return data
