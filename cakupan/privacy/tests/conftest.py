"""One :class:`~cakupan.testing.routes.RouteWorld` per test module (rolled back at its end)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cakupan.testing.routes import RouteWorld, module_world


@pytest.fixture(scope="module")
def route_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RouteWorld]:
    with module_world(django_db_blocker, tmp_path_factory.mktemp("route-files")) as world:
        yield world
