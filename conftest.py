"""Test-wide fixtures: the whole Kemendagri region dataset is loaded once per run; the personas.

``cakupan.testing.personas``: one user per role (``superadmin``, ``camat`` ...) and the small world
they are scoped to, for every app's tests.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["cakupan.testing.personas"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from cakupan.wilayah.dataset import dataset_source, iter_regions
    from cakupan.wilayah.services import regions_load

    with django_db_blocker.unblock():
        regions_load(rows=iter_regions(), source=dataset_source())
