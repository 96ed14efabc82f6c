"""Browser tests: Debian's Chromium (driven by Playwright) against pytest-django's ``live_server``.

The live server answers from its own threads, so the data it shows must be committed: the tests
here run on the transactional database. The demo is loaded into it once per module (about 15 s);
pytest-django's ``transactional_db`` would truncate every table after each test (the regions, the
occupations seeded by migrations and the demo with them), so this directory overrides it with a
module-wide database that is cleaned once, at the end of the module: tables that were empty when
the module began are truncated, and rows added to the others are deleted. Tests that run after the
module find the database as the session set it up.

Screenshots of the main steps go to ``$CAKUPAN_E2E_SHOTS`` (default: a pytest tmp directory); they
are for looking at, never committed.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.test import override_settings

from cakupan.testing.tables import Counts, put_back, row_counts

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Debian chromium is not installed"
# Without the networking flags Chromium's background connections fail noisily on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every browser test when Debian's Chromium is missing (CI machines may lack it)."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


# --- the database -------------------------------------------------------------------------------


def _restore(before: Counts) -> None:
    """Leave every table as ``before`` found it (see the module docstring)."""
    put_back(before)
    after = row_counts()
    changed = {
        t: (before[t][0], after[t][0]) for t in before if after.get(t, (0,))[0] != before[t][0]
    }
    assert not changed, f"tables not restored after the browser tests: {changed}"


@pytest.fixture(scope="module")
def demo_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[None]:
    """The demo (regions, units, people, sign-ins) committed to the test database for one module.

    Uploaded files go to a temporary directory instead of ``.data/files``.
    """
    from cakupan.accounts.audit import Actor
    from cakupan.demo.services import demo_load, demo_users_ensure
    from cakupan.wilayah.dataset import dataset_source, iter_regions
    from cakupan.wilayah.models import Region
    from cakupan.wilayah.services import regions_load

    files = tmp_path_factory.mktemp("e2e-files")
    storage = override_settings(
        STORAGES={
            **django_settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(files)},
            },
        }
    )
    with django_db_blocker.unblock():
        before = row_counts()
        storage.enable()
        try:
            if not Region.objects.exists():  # another transactional test may have flushed them
                regions_load(rows=iter_regions(), source=dataset_source())
            demo_load(actor=Actor.system(source="cli", label="e2e"))
            demo_users_ensure()
            yield
        finally:
            storage.disable()
            _restore(before)
    shutil.rmtree(files, ignore_errors=True)


@pytest.fixture
def transactional_db(demo_world: None, django_db_blocker: Any) -> Iterator[None]:
    """pytest-django's ``live_server`` asks for this: committed data, kept for the whole module."""
    with django_db_blocker.unblock():
        yield


# --- the browser --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless. Never a browser downloaded by ``playwright install``."""
    if not CHROMIUM.exists():
        pytest.skip(CHROMIUM_MISSING)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop in this thread; the test's own ORM calls are
    # plain synchronous code all the same.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            # While Playwright runs, its event loop counts as running in this thread, so Django
            # (asgiref's Local) gives the ORM calls made meanwhile a connection of their own.
            # Close it now, or the test database cannot be dropped at the end of the session.
            connections.close_all()
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: ``$CAKUPAN_E2E_SHOTS`` or a pytest tmp directory."""
    chosen = os.environ.get("CAKUPAN_E2E_SHOTS")
    path = Path(chosen) if chosen else tmp_path_factory.mktemp("e2e-shots")
    path.mkdir(parents=True, exist_ok=True)
    return path
