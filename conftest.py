"""Test-wide fixtures: the whole Kemendagri region dataset is loaded once per run."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    from cakupan.wilayah.dataset import dataset_source, iter_regions
    from cakupan.wilayah.services import regions_load

    with django_db_blocker.unblock():
        regions_load(rows=iter_regions(), source=dataset_source())
