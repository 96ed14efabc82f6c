"""The one error of backups and restores."""

from __future__ import annotations

from cakupan.common.errors import DomainError


class BackupError(DomainError):
    """A backup or restore refused or failed; ``code`` is stable, ``message`` Indonesian."""

    code = "backup_error"
