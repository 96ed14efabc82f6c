"""The bill line reference checks and delete guards take the billing lock (closes a race of 0003).

The statement-level checks of migration 0003 lock nothing, unlike the foreign keys they replaced:
a transaction deleting a membership could pass its guard while a billing run was writing lines
for it (the run's lines not yet committed), and both commit. Every write to bills and lines
already holds the billing advisory lock (``billing.services._LOCK_KEY``); now the line checks and
both delete guards take it too, before checking. The deleting transaction therefore waits for a
running billing run to commit, then (READ COMMITTED: a fresh snapshot per statement) sees its
lines and is refused; or it deletes first, and the run then finds the membership gone.
"""

from django.db import migrations

LOCK = "PERFORM pg_advisory_xact_lock(730220241);  -- billing.services._LOCK_KEY"

SQL = f"""
CREATE OR REPLACE FUNCTION billing_billline_refs_check() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {LOCK}
    -- Distinct ids first: a month's lines name about 1,500 bills and each membership 2-5 times.
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT bill_id FROM billline_new) l
                WHERE NOT EXISTS (SELECT 1 FROM billing_bill b WHERE b.id = l.bill_id)) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'billing_billline: bill_id not present in billing_bill';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT membership_id FROM billline_new) l
                WHERE NOT EXISTS (SELECT 1 FROM registry_membership m
                                   WHERE m.id = l.membership_id)) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'billing_billline: membership_id not present in registry_membership';
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION billing_bill_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {LOCK}
    IF EXISTS (SELECT 1 FROM bill_old o JOIN billing_billline l ON l.bill_id = o.id) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'billing_bill: a deleted bill still has lines in billing_billline';
    END IF;
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION billing_membership_lines_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {LOCK}
    IF EXISTS (SELECT 1 FROM membership_old o
                 JOIN billing_billline l ON l.membership_id = o.id) THEN
        RAISE foreign_key_violation
            USING MESSAGE = 'registry_membership: a deleted membership still has bill lines';
    END IF;
    RETURN NULL;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0003_billline_statement_reference_checks")]

    # Backwards: 0003's functions are replaced again when 0003 itself is unapplied (it drops them).
    operations = [migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop)]
