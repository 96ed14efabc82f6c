"""The application's database role cannot defeat the append-only audit log (issue 13, item 4).

The suite's own connection is the throwaway server's superuser (it creates and drops the test
database). This module sets the two roles up on the test database as a deployment has them
(``common.dbroles.bootstrap``, committed), then:

* signs in as ``cakupan_app`` with a connection of its own, as the application does, and tries
  every way around the audit log: each must fail and leave the log as it was;
* runs the application's ordinary work with the application role's rights (``SET ROLE`` inside the
  test's transaction): reads, writes, audit rows, a temporary table, a whole page request.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test import Client

from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import AuditEvent, Source, User
from cakupan.common import dbroles
from cakupan.registry.models import Person, Segment
from cakupan.testing.factories import make_membership, make_person
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def roles(django_db_setup: None, django_db_blocker: Any) -> str:
    """Both roles on the test database, committed; returns the database's name. Tables change
    owner to ``cakupan_owner`` (the suite's superuser does not mind)."""
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        (dbname,) = cursor.fetchone()
        dbroles.bootstrap(cursor, dbname=dbname)
    return str(dbname)


@pytest.fixture
def app_login(roles: str) -> Iterator[psycopg.Connection[Any]]:
    """A connection signed in as the application role, in a transaction rolled back at the end."""
    params = connection.get_connection_params()
    conn = psycopg.connect(
        host=params.get("host"),
        port=params.get("port"),
        dbname=roles,
        user=dbroles.APP_ROLE,
    )
    yield conn
    conn.rollback()  # nothing these tests write is kept: the audit log could not forget it
    conn.close()


@pytest.fixture
def app_role(roles: str) -> Iterator[None]:
    """The test's own queries (in its transaction) run with the application role's rights."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {dbroles.APP_ROLE}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("RESET ROLE")


def test_the_application_role_is_neither_superuser_nor_owner(
    app_login: psycopg.Connection[Any],
) -> None:
    row = app_login.execute(
        "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls "
        "FROM pg_roles WHERE rolname = current_user"
    ).fetchone()
    assert row == ("cakupan_app", False, False, False, False)
    owned = app_login.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND pg_get_userbyid(c.relowner) = current_user"
    ).fetchone()
    assert owned == (0,)
    privileges = app_login.execute(
        "SELECT privilege_type FROM information_schema.table_privileges "
        "WHERE table_name = 'accounts_auditevent' AND grantee = 'cakupan_app' ORDER BY 1"
    ).fetchall()
    assert [p for (p,) in privileges] == ["INSERT", "SELECT"]


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        ("UPDATE accounts_auditevent SET note = 'diubah'", "permission denied"),
        ("DELETE FROM accounts_auditevent", "permission denied"),
        ("TRUNCATE accounts_auditevent", "permission denied"),
        ("TRUNCATE accounts_auditevent CASCADE", "permission denied"),
        ("ALTER TABLE accounts_auditevent DISABLE TRIGGER USER", "must be owner"),
        ("ALTER TABLE accounts_auditevent DISABLE TRIGGER ALL", "must be owner"),
        ("DROP TRIGGER accounts_auditevent_append_only ON accounts_auditevent", "must be owner"),
        ("DROP TRIGGER accounts_auditevent_no_truncate ON accounts_auditevent", "must be owner"),
        ("SET session_replication_role = replica", "permission denied"),
        ("ALTER TABLE accounts_auditevent OWNER TO cakupan_app", "must be owner"),
        ("DROP TABLE accounts_auditevent", "must be owner"),
        ("ALTER TABLE accounts_auditevent RENAME TO jejak_lama", "must be owner"),
        ("CREATE TABLE public.jejak_palsu (id int)", "permission denied"),
        (
            "CREATE FUNCTION public.f() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NULL; END $$",
            "permission denied",
        ),
        ("CREATE ROLE penyusup SUPERUSER", "permission denied"),
        ("ALTER ROLE cakupan_app SUPERUSER", "permission denied"),
        ("SET ROLE cakupan_owner", "permission denied"),
        ("SET ROLE postgres", "permission denied"),
        ("COPY accounts_auditevent FROM PROGRAM 'true'", "permission denied"),
        ("UPDATE accounts_auditlink SET hash = NULL", "permission denied"),
        ("DELETE FROM accounts_auditlink", "permission denied"),
        ("TRUNCATE accounts_auditlink", "permission denied"),
    ],
)
def test_attacks_on_the_audit_log_fail_from_the_application_connection(
    app_login: psycopg.Connection[Any], statement: str, message: str
) -> None:
    app_login.execute(
        "INSERT INTO accounts_auditevent (at, actor_label, source, action, entity, entity_id, note)"
        " VALUES (now(), 'uji', 'cli', 'view', 'registry.person', '1', 'sebelum serangan')"
    )
    before = app_login.execute("SELECT id, note FROM accounts_auditevent ORDER BY id").fetchall()
    with pytest.raises(psycopg.Error) as refused, app_login.transaction():  # a savepoint
        app_login.execute(statement)
    # 42501 insufficient_privilege ("permission denied", "must be owner", "must be superuser")
    assert refused.value.sqlstate == "42501", str(refused.value)
    assert message in str(refused.value).lower() or message == "permission denied"
    after = app_login.execute("SELECT id, note FROM accounts_auditevent ORDER BY id").fetchall()
    assert after == before
    assert app_login.execute("SELECT current_user, session_user").fetchone() == (
        "cakupan_app",
        "cakupan_app",
    )


def test_granting_itself_a_privilege_grants_nothing(app_login: psycopg.Connection[Any]) -> None:
    app_login.execute("GRANT UPDATE, DELETE, TRUNCATE ON accounts_auditevent TO cakupan_app")
    granted = app_login.execute(
        "SELECT has_table_privilege('accounts_auditevent', 'UPDATE'),"
        " has_table_privilege('accounts_auditevent', 'DELETE'),"
        " has_table_privilege('accounts_auditevent', 'TRUNCATE')"
    ).fetchone()
    assert granted == (False, False, False)


def test_the_application_still_does_its_work(
    app_role: None, admin_kabupaten: User, persona_world: PersonaWorld
) -> None:
    before = AuditEvent.objects.count()
    person = make_person(name="Siti Aminah")
    make_membership(person=person, unit=persona_world.pemerintah_desa, segment=Segment.BPD)
    Person.objects.filter(pk=person.pk).update(name="Siti Aminah Baru")
    record_access(
        actor=Actor(user=admin_kabupaten, source=Source.WEB),
        entity="registry.person",
        entity_id=person.pk,
    )
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE uji_sementara ON COMMIT DROP AS SELECT 1 AS x")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == ("cakupan_app",)
    client = Client()
    client.force_login(admin_kabupaten)
    page = client.get(f"/orang/{person.pk}/")
    assert page.status_code == 200 and "Siti Aminah Baru" in page.content.decode()
    assert AuditEvent.objects.count() == before + 2  # the access above and the page's


def test_setup_sql_names_both_roles() -> None:
    text = dbroles.setup_sql()
    assert "CREATE ROLE cakupan_owner NOSUPERUSER" in text
    assert "CREATE ROLE cakupan_app NOSUPERUSER" in text
    assert "REVOKE CREATE ON SCHEMA public FROM PUBLIC" in text
