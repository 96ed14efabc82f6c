"""No overlapping memberships in one unit and segment: statement-level triggers instead of GiST.

The GiST exclusion constraint probed and grew a GiST index for every membership written, about a
third of a bulk import's membership insert (``docs/benchmarks.md``). The triggers below check each
INSERT or UPDATE statement once, over the rows it wrote (its transition table), joined to the
registry through the ``membership_person`` b-tree index.

Concurrency: before checking, a statement takes a transaction-scoped advisory lock for every
(unit, segment) it wrote to, in a fixed order. Two transactions that could create an overlap share
the unit and segment, so the second waits until the first commits or rolls back; under READ
COMMITTED (Django's default, and what Cakupan runs) its check then runs with a fresh snapshot that
sees the first one's rows. Under REPEATABLE READ the snapshot would be older than the lock, so the
trigger refuses writes there; SERIALIZABLE detects the conflict itself.

The violation keeps the constraint's name and SQLSTATE 23P01 (exclusion_violation), so callers
that catch ``IntegrityError`` behave as before.
"""

import django.db.models.deletion
from django.db import migrations, models

_CHECK = """
    IF current_setting('transaction_isolation') = 'repeatable read' THEN
        RAISE EXCEPTION 'registry_membership is written under READ COMMITTED or SERIALIZABLE only'
            USING ERRCODE = 'feature_not_supported',
                  HINT = 'the no-overlap check takes a lock, then needs a snapshot taken after it';
    END IF;
    -- One lock per (unit, segment) written, in order, so that writers never wait on each other
    -- in a cycle. The two-key form keeps these apart from single-key locks (billing).
    PERFORM pg_advisory_xact_lock(k.unit_id::integer, hashtext('membership:' || k.segment))
       FROM (SELECT DISTINCT c.unit_id, c.segment FROM changed c ORDER BY 1, 2) k;
    -- The join is planned for all its rows (a materialised CTE), not for LIMIT 1: a plan chosen
    -- to find a first clash early scans the whole registry once per written row when, as almost
    -- always, there is none.
    WITH clashes AS MATERIALIZED (
        SELECT c.id, m.id AS other_id
          FROM changed c
          JOIN registry_membership m
            ON m.person_id = c.person_id AND m.unit_id = c.unit_id AND m.segment = c.segment
           AND m.id <> c.id
           AND m.start_date <= coalesce(c.end_date, 'infinity'::date)
           AND c.start_date <= coalesce(m.end_date, 'infinity'::date)
    )
    SELECT * INTO clash FROM clashes LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'membership % overlaps membership % in the same unit and segment',
                        clash.id, clash.other_id
            USING ERRCODE = 'exclusion_violation',
                  CONSTRAINT = 'membership_no_overlap_in_unit_segment',
                  TABLE = 'registry_membership';
    END IF;
    RETURN NULL;
"""

# plpgsql cannot alias a transition table, so each function states its own source of ``changed``.
INSERT_FUNCTION = (
    """
CREATE FUNCTION registry_membership_no_overlap_insert() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
"""
    + _CHECK.replace("changed c", "new_rows c")
    + """
END $$;
"""
)

# An update is checked only for rows whose person, unit, segment or period changed: status and
# wage updates (billing lapses, renewals) touch many rows and cannot create an overlap.
UPDATE_FUNCTION = (
    """
CREATE FUNCTION registry_membership_no_overlap_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
"""
    + _CHECK.replace(
        "changed c",
        "(SELECT n.* FROM new_rows n JOIN old_rows o ON o.id = n.id"
        " WHERE (n.person_id, n.unit_id, n.segment, n.start_date, n.end_date)"
        " IS DISTINCT FROM (o.person_id, o.unit_id, o.segment, o.start_date, o.end_date)) c",
    )
    + """
END $$;
"""
)

TRIGGERS = """
CREATE TRIGGER membership_no_overlap_insert AFTER INSERT ON registry_membership
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry_membership_no_overlap_insert();
CREATE TRIGGER membership_no_overlap_update AFTER UPDATE ON registry_membership
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION registry_membership_no_overlap_update();
"""

DROP = """
DROP TRIGGER IF EXISTS membership_no_overlap_update ON registry_membership;
DROP TRIGGER IF EXISTS membership_no_overlap_insert ON registry_membership;
DROP FUNCTION IF EXISTS registry_membership_no_overlap_update();
DROP FUNCTION IF EXISTS registry_membership_no_overlap_insert();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_unit_payer"),
    ]

    operations = [
        # The triggers first: no moment without the rule.
        migrations.RunSQL(sql=[INSERT_FUNCTION, UPDATE_FUNCTION, TRIGGERS], reverse_sql=[DROP]),
        migrations.RemoveConstraint(
            model_name="membership",
            name="membership_no_overlap_in_unit_segment",
        ),
        migrations.AlterField(
            model_name="membership",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="registry.person",
                verbose_name="orang",
            ),
        ),
        migrations.AlterField(
            model_name="membership",
            name="unit",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="memberships",
                to="registry.unit",
                verbose_name="unit",
            ),
        ),
    ]
