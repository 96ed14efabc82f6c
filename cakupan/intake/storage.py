"""Keeping uploaded files: server-generated names, outside the static root, with their hash; upload
limits, the per-user daily quota and the antivirus scan.

Files are readable by the service account only: 0600 in 0700 folders (``FILE_UPLOAD_PERMISSIONS``
and ``FILE_UPLOAD_DIRECTORY_PERMISSIONS`` for what the storage creates; :func:`store_upload` also
tightens folders created before those settings existed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Count, Sum
from django.utils import timezone

from cakupan.common import antivirus
from cakupan.intake import readers
from cakupan.intake.schema import FileIssue, file_error

logger = logging.getLogger("cakupan.intake")
FILE_MODE = 0o600
FOLDER_MODE = 0o700


def intake_limits() -> readers.Limits:
    """The readers' limits from the settings (upload size, unpacked size, rows): for every upload."""
    return readers.Limits(
        max_bytes=settings.INTAKE_MAX_UPLOAD_BYTES,
        max_uncompressed_bytes=settings.INTAKE_MAX_UNCOMPRESSED_BYTES,
        max_rows=settings.INTAKE_MAX_ROWS,
    )


def quota_check(*, uploader_id: int | None, size: int, now: dt.datetime | None = None) -> None:
    """FileError (``file_quota_exceeded``) when this upload would take the user past the daily quota.

    The quota is per user over the last 24 hours (``UPLOAD_QUOTA_BYTES_PER_DAY``,
    ``UPLOAD_QUOTA_FILES_PER_DAY``), counted from the batches they created. System uploads (the CLI,
    ``uploader_id`` None) have none: whoever runs the CLI holds the server already.
    """
    if uploader_id is None:
        return
    from cakupan.intake.models import ImportBatch

    since = (now or timezone.now()) - dt.timedelta(hours=24)
    used = ImportBatch.objects.filter(created_by_id=uploader_id, created_at__gte=since).aggregate(
        size=Sum("file_size"), files=Count("pk")
    )
    used_bytes, used_files = used["size"] or 0, used["files"] or 0
    limit_bytes = settings.UPLOAD_QUOTA_BYTES_PER_DAY
    limit_files = settings.UPLOAD_QUOTA_FILES_PER_DAY
    if used_bytes + size > limit_bytes or used_files + 1 > limit_files:
        raise file_error(
            FileIssue.QUOTA,
            used=round(used_bytes / 2**20, 1),
            files=used_files,
            limit=limit_bytes // 2**20,
            limit_files=limit_files,
        )


def virus_check(data: bytes) -> antivirus.ScanResult:
    """The antivirus verdict; FileError when the file is infected or could not be scanned."""
    result = antivirus.scan(data)
    if result.verdict == antivirus.Verdict.INFECTED:
        raise file_error(FileIssue.INFECTED, signature=result.detail or "?")
    if result.verdict == antivirus.Verdict.ERROR:
        raise file_error(FileIssue.SCAN_FAILED)
    return result


def store_upload(data: bytes, *, uploader_id: int | None = None) -> tuple[str, str]:
    """Check the quota, scan, then save ``data`` under ``intake/YYYY/MM/<uuid>``; (path, sha256).

    The operator's file name is never used as a path, so it can't traverse or overwrite anything.
    """
    quota_check(uploader_id=uploader_id, size=len(data))
    verdict = virus_check(data)
    digest = hashlib.sha256(data).hexdigest()
    now = timezone.now()
    name = f"intake/{now:%Y/%m}/{uuid.uuid4().hex}"
    path = default_storage.save(name, ContentFile(data))
    _restrict(path)
    logger.info("unggahan disimpan: %s (%d byte, antivirus: %s)", path, len(data), verdict.verdict)
    return path, digest


def _restrict(path: str) -> None:
    """0600 on the file and 0700 on its folders up to the storage root (local storage only)."""
    try:
        full = Path(default_storage.path(path))
        root = Path(default_storage.path("")).resolve()
    except NotImplementedError:  # a remote storage: its own access rules apply
        return
    os.chmod(full, FILE_MODE)
    folder = full.parent.resolve()
    while folder == root or root in folder.parents:
        os.chmod(folder, FOLDER_MODE)
        if folder == root:
            break
        folder = folder.parent


def read_upload(path: str) -> bytes:
    """The stored file; FileError (``file_purged``) once retention removed it (empty path)."""
    if not path:
        raise file_error(FileIssue.PURGED)
    with default_storage.open(path, "rb") as handle:
        data: bytes = handle.read()
    return data
