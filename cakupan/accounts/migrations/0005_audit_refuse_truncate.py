"""The audit log refuses TRUNCATE too, not only UPDATE and DELETE (migration ``0002``).

A statement-level ``BEFORE TRUNCATE`` trigger raises for every role, the table's owner included,
with or without ``CASCADE`` (the same function as ``0002``, so the same message). Only an
explicit ``ALTER TABLE accounts_auditevent DISABLE TRIGGER`` by the owner gets around it, which
the browser tests' cleanup does on its throwaway database (``cakupan/e2e/conftest.py``); see
``docs/integrity.md``.
"""

from django.db import migrations

FORWARD = """
CREATE TRIGGER accounts_auditevent_no_truncate
    BEFORE TRUNCATE ON accounts_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_auditevent_refuse_change();
"""

REVERSE = """
DROP TRIGGER accounts_auditevent_no_truncate ON accounts_auditevent;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_audit_actor_no_db_constraint")]
    operations = [migrations.RunSQL(FORWARD, REVERSE)]
