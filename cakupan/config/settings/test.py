"""Test settings: a throwaway PostgreSQL server per run, fast hashing, no manifest storage.

``CAKUPAN_TEST_PG_BIN`` selects a system install (``make test`` sets it to Debian's PostgreSQL 15
for the second pass); ``DATABASE_URL`` points the suite at any other server.
"""

from __future__ import annotations

import os

from cakupan.config.settings.base import *  # noqa: F403
from cakupan.config.settings.base import STORAGES, database_settings

DATABASES = {
    "default": database_settings(
        throwaway=True, bin_dir=os.environ.get("CAKUPAN_TEST_PG_BIN") or None
    )
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests read static files through the finders; no collectstatic output is expected to exist.
STATIC_ROOT = None  # type: ignore[assignment]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tasks run at once, in the test's own transaction.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# A fixed field key: the tests' data are throwaway, and a second key proves rotation works.
FIELD_ENCRYPTION_KEYS = ["t1:" + "dGVzdC1rZXktMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDA="]
PII_HASH_KEY = "uji-kunci-hash-pii"
