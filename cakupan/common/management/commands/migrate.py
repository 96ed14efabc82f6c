"""``cakupan migrate``: Django's migrate, run as the database owner when one is configured.

The application's own role may not create or alter tables (``common.dbroles``). When the settings
name an owner (``DATABASES["default"]["OWNER"]``: the embedded server's ``cakupan_owner``, or
``DATABASE_OWNER_URL``), the default connection signs in as the owner for the whole migration, so
every migration, third-party data migrations included, runs on one connection as the owner; then
the application role is granted what it needs (new tables included), and the connection goes back
to the application role.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.management.commands import migrate
from django.db import DEFAULT_DB_ALIAS, connections

from cakupan.common import dbroles


def _as_owner(settings_dict: dict[str, Any], owner: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(settings_dict)
    if changed.get("EMBEDDED"):
        changed["EMBEDDED"]["user"] = owner["USER"]
    else:
        changed.update(
            {k: v for k, v in owner.items() if k in ("USER", "PASSWORD", "HOST", "PORT")}
        )
    return changed


class Command(migrate.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        alias = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[alias]
        owner = connection.settings_dict.get("OWNER")
        if not owner:
            super().handle(*args, **options)
            return
        app_settings = connection.settings_dict
        app_role = (app_settings.get("EMBEDDED") or {}).get("user") or app_settings.get("USER")
        connection.close()
        connection.settings_dict = _as_owner(app_settings, owner)
        try:
            super().handle(*args, **options)
            with connection.cursor() as cursor:
                dbroles.grant_app(cursor, app=str(app_role))
        finally:
            connection.close()
            connection.settings_dict = app_settings
