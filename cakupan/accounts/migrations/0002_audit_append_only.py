"""Make the audit log append-only in the database itself.

UPDATE and DELETE on ``accounts_auditevent`` raise an error for every role, the application's own
included. (TRUNCATE stays possible for the database owner, which test isolation needs; production
grants the application role no TRUNCATE.)
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION accounts_auditevent_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER accounts_auditevent_append_only
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_refuse_change();
"""

REVERSE = """
DROP TRIGGER accounts_auditevent_append_only ON accounts_auditevent;
DROP FUNCTION accounts_auditevent_refuse_change();
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, REVERSE)]
