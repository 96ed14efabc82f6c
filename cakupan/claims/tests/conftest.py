"""The claims tests' world (``builders.build_world``), with uploads in a temporary directory."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation

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


@pytest.fixture(autouse=True)
def indonesian() -> Iterator[None]:
    """Messages are asserted in Indonesian, whatever language an earlier test of the same worker
    left active (a request in English leaves it on the thread: pytest-xdist with ``loadfile``
    runs other apps' files before these in one process)."""
    with translation.override("id"):
        yield
