"""The claims tests' world (``builders.build_world``), with uploads in a temporary directory."""

from __future__ import annotations

from typing import Any

import pytest

from cakupan.claims.tests.builders import World, build_world


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return build_world()
