"""An index for the data-subject report: the list and export rows of the audit log by the ids they
showed (``after -> 'shown'``, entity id ``"*"``).

The report (``privacy.subject``) finds every list page and download that showed a person with
``after -> 'shown' @> '[id]'``; without an index that reads every list row of the entity, and the
log only grows (UU PDP Pasal 31; T8 wants the report within a minute). Partial: only list and
export rows carry ``shown``, so the index costs nothing on the per-record rows bulk imports write.
In the privacy app because the report is its reader; the table stays ``accounts``'.
"""

from django.db import migrations

FORWARD = """
CREATE INDEX IF NOT EXISTS privacy_audit_shown
    ON accounts_auditevent USING gin ((after -> 'shown') jsonb_path_ops)
    WHERE entity_id = '*';
"""

REVERSE = "DROP INDEX IF EXISTS privacy_audit_shown;"


class Migration(migrations.Migration):
    dependencies = [("accounts", "0007_signin")]
    operations = [migrations.RunSQL(FORWARD, REVERSE)]
