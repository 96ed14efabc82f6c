"""Keeping uploaded files: server-generated names, outside the static root, with their hash."""

from __future__ import annotations

import hashlib
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone


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
