"""The demo (registry, coverage figures and the DTSEN list of Luwu Timur), loaded once per test
module inside a transaction that is rolled back when the module ends.

Each test still runs in its own savepoint (pytest-django's ``db``), so what a test writes is gone
before the next one; loading the demo once per module instead of once per test saves about 20 s a
test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from cakupan.accounts.audit import Actor


@pytest.fixture(scope="module")
def demo_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    from cakupan.demo.services import demo_load, demo_users_ensure
    from cakupan.demo.targeting import demo_targeting_load

    with django_db_blocker.unblock(), transaction.atomic():
        actor = Actor.system(source="cli", label="test demo")
        demo_load(actor=actor)
        demo_users_ensure()
        demo_targeting_load(actor=actor)
        yield
        transaction.set_rollback(True)
