"""Django database backend: PostgreSQL, optionally started by Cakupan itself.

Identical to Django's ``postgresql`` backend, plus two things:

* when the settings carry an ``EMBEDDED`` entry, the local server it names is started on the first
  connection (not at import, so commands that never touch the database never start one);
* every connection checks that the server is PostgreSQL 15 or newer, the oldest version we test.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base
from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgresSchemaEditor

from cakupan.common import pgserver

MINIMUM_SERVER_VERSION = 150000


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        embedded = self.settings_dict.get("EMBEDDED")
        if embedded:
            address = pgserver.ensure_server(
                embedded["pgdata"],
                bin_dir=embedded.get("bin_dir"),
                throwaway=embedded.get("throwaway", False),
            )
            # ``user``: the role this alias connects as (the application's or the owner's, see
            # ``common.dbroles``); without it the server's superuser (the throwaway test server).
            self.settings_dict.update(
                HOST=address.socket_dir,
                PORT=str(address.port),
                USER=embedded.get("user") or address.user,
            )
            name = self.settings_dict.get("NAME")
            # The test runner creates (and drops) its own ``test_`` database; any other name is
            # created on first use, so a fresh server works without a manual CREATE DATABASE, and
            # gets the two roles when the settings ask for them.
            if name and name != "postgres" and not name.startswith("test_"):
                pgserver.ensure_database(address, name, roles=bool(embedded.get("roles")))
        return super().get_connection_params()

    def init_connection_state(self) -> None:
        super().init_connection_state()
        if self.pg_version < MINIMUM_SERVER_VERSION:
            raise ImproperlyConfigured(
                f"Cakupan needs PostgreSQL 15 or newer; the server reports {self.pg_version}."
            )


class DatabaseSchemaEditor(PostgresSchemaEditor):
    def _create_like_index_sql(self, model: Any, field: Any) -> Any:
        """Skip Django's second ``varchar_pattern_ops`` index on ``COLLATE "C"`` columns.

        Under the C collation the ordinary b-tree index already serves ``LIKE 'prefix%'``; the extra
        index only slowed bulk loads (1.8x on the NIK column, BASELINES.md).
        """
        collation = getattr(field, "db_collation", None)
        if not collation and field.is_relation:
            collation = getattr(field.target_field, "db_collation", None)
        if collation == "C":
            return None
        return super()._create_like_index_sql(model, field)  # type: ignore[misc]


DatabaseWrapper.SchemaEditorClass = DatabaseSchemaEditor
