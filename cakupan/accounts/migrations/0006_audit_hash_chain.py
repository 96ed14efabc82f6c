"""The audit log's hash chain, computed by the database on insert (docs/integrity.md).

Every row, whoever writes it (the ORM, ``COPY`` in ``record_changes_bulk``, ``INSERT ... SELECT``
in ``record_changes_sql``, ``psql``), goes through the ``BEFORE INSERT`` trigger: the rows of one
transaction form a block (a number from ``accounts_auditevent_chain_block_seq``), numbered from 1,
each row's ``chain_hash`` the SHA-256 of the previous row's hash and the row's own content. The
open block's number, position and last hash live in a transaction-local setting
(``cakupan.audit_chain``), which PostgreSQL also rolls back with a savepoint, so rows rolled back
leave no hole.

At commit, a deferred constraint trigger (queued only for each block's first row) links the block
into the chain of all blocks (``accounts_auditlink``): under the advisory lock ``730200001``, the
next ``seq`` after the last link, and a hash over the previous link's hash, the block's row count,
its last row hash and the link time. The lock is held from that moment to the end of the commit
only, so a long import does not hold up the audit rows of other transactions, and no transaction
waits for it while holding other locks (no deadlock with the billing or membership locks).

The chain assumes READ COMMITTED (as the membership triggers do): after taking the lock the trigger
must see the link committed just before. Under REPEATABLE READ a stale head makes ``seq`` collide
(unique) and the commit fails; the chain never forks.

Rows written before this migration become one block, linked first.
"""

from django.db import migrations, models

LOCK_KEY = 730200001

FUNCTIONS = f"""
CREATE SEQUENCE accounts_auditevent_chain_block_seq;

-- What a row's hash covers: everything in the row but the hash, as the text of one record (quoted
-- and escaped by PostgreSQL's record output; the time as exact epoch seconds, whatever TimeZone).
CREATE FUNCTION accounts_auditevent_row_hash(prev bytea, e accounts_auditevent) RETURNS bytea
LANGUAGE sql STABLE AS $$
    SELECT sha256(coalesce(prev, '\\x'::bytea) || convert_to(ROW(
        e.chain_block, e.chain_pos, e.id, extract(epoch FROM e.at),
        e.actor_id, e.actor_label, e.source, e.action, e.entity, e.entity_id,
        e.before, e.after, e.note)::text, 'UTF8'))
$$;

CREATE FUNCTION accounts_auditlink_hash(
    prev bytea, seq bigint, block bigint, n integer, last_hash bytea, at timestamptz
) RETURNS bytea LANGUAGE sql IMMUTABLE AS $$
    SELECT sha256(coalesce(prev, '\\x'::bytea) || convert_to(jsonb_build_array(
        seq, block, n, encode(last_hash, 'hex'),
        to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'))::text, 'UTF8'))
$$;

-- The open block's state, "block:position:last hash (hex)", in one transaction-local setting.
-- The row hash is written out here as in accounts_auditevent_row_hash (which verify uses): one
-- function call less per row; the tests check that both agree on every kind of writer.
CREATE FUNCTION accounts_auditevent_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    state text := current_setting('cakupan.audit_chain', true);
    block bigint;
    pos integer := 1;
    prev bytea := '\\x'::bytea;
BEGIN
    IF state IS NULL OR state = '' THEN
        block := nextval('accounts_auditevent_chain_block_seq');
    ELSE
        block := split_part(state, ':', 1)::bigint;
        pos := split_part(state, ':', 2)::integer + 1;
        prev := decode(split_part(state, ':', 3), 'hex');
    END IF;
    NEW.chain_block := block;
    NEW.chain_pos := pos;
    NEW.chain_hash := sha256(prev || convert_to(ROW(
        NEW.chain_block, NEW.chain_pos, NEW.id, extract(epoch FROM NEW.at),
        NEW.actor_id, NEW.actor_label, NEW.source, NEW.action, NEW.entity, NEW.entity_id,
        NEW.before, NEW.after, NEW.note)::text, 'UTF8'));
    PERFORM set_config(
        'cakupan.audit_chain', block || ':' || pos || ':' || encode(NEW.chain_hash, 'hex'), true
    );
    RETURN NEW;
END;
$$;

CREATE FUNCTION accounts_auditevent_link() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    state text := current_setting('cakupan.audit_chain', true);
    block bigint;
    n integer;
    last bytea;
    head record;
    next_seq bigint;
    at timestamptz := clock_timestamp();
BEGIN
    block := nullif(split_part(coalesce(state, ''), ':', 1), '')::bigint;
    IF block IS DISTINCT FROM NEW.chain_block THEN
        RAISE EXCEPTION 'audit chain: block % is not the open block (%)', NEW.chain_block, block
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    n := split_part(state, ':', 2)::integer;
    last := decode(split_part(state, ':', 3), 'hex');
    PERFORM pg_advisory_xact_lock({LOCK_KEY});
    SELECT l.seq, l.hash INTO head FROM accounts_auditlink l ORDER BY l.seq DESC LIMIT 1;
    next_seq := coalesce(head.seq, 0) + 1;
    INSERT INTO accounts_auditlink (seq, block, rows, last_hash, at, hash)
    VALUES (next_seq, block, n, last, at,
            accounts_auditlink_hash(head.hash, next_seq, block, n, last, at));
    -- Rows written after this (SET CONSTRAINTS ... IMMEDIATE fired it early) open a new block.
    PERFORM set_config('cakupan.audit_chain', '', true);
    RETURN NULL;
END;
$$;
"""

# Rows already written: one block in id order, linked first.
BACKFILL = """
ALTER TABLE accounts_auditevent DISABLE TRIGGER accounts_auditevent_append_only;
DO $$
DECLARE
    block bigint;
    r record;
    prev bytea := NULL;
    n integer;
    at timestamptz := clock_timestamp();
BEGIN
    SELECT count(*) INTO n FROM accounts_auditevent;
    IF n = 0 THEN
        RETURN;
    END IF;
    block := nextval('accounts_auditevent_chain_block_seq');
    UPDATE accounts_auditevent e SET chain_block = block, chain_pos = o.pos
      FROM (SELECT id, row_number() OVER (ORDER BY id) AS pos FROM accounts_auditevent) o
     WHERE o.id = e.id;
    CREATE TEMPORARY TABLE audit_chain_backfill (id bigint PRIMARY KEY, h bytea) ON COMMIT DROP;
    FOR r IN SELECT e AS rec, e.id FROM accounts_auditevent e ORDER BY e.chain_pos LOOP
        prev := accounts_auditevent_row_hash(prev, r.rec);
        INSERT INTO audit_chain_backfill VALUES (r.id, prev);
    END LOOP;
    UPDATE accounts_auditevent e SET chain_hash = b.h FROM audit_chain_backfill b WHERE b.id = e.id;
    INSERT INTO accounts_auditlink (seq, block, rows, last_hash, at, hash)
    VALUES (1, block, n, prev, at, accounts_auditlink_hash(NULL, 1, block, n, prev, at));
END;
$$;
ALTER TABLE accounts_auditevent ENABLE TRIGGER accounts_auditevent_append_only;
"""

TRIGGERS = """
CREATE TRIGGER accounts_auditevent_chain
    BEFORE INSERT ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION accounts_auditevent_chain();
CREATE CONSTRAINT TRIGGER accounts_auditevent_link
    AFTER INSERT ON accounts_auditevent
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (NEW.chain_pos = 1) EXECUTE FUNCTION accounts_auditevent_link();
"""

REVERSE = """
DROP TRIGGER accounts_auditevent_link ON accounts_auditevent;
DROP TRIGGER accounts_auditevent_chain ON accounts_auditevent;
DROP FUNCTION accounts_auditevent_link();
DROP FUNCTION accounts_auditevent_chain();
DROP FUNCTION accounts_auditlink_hash(bytea, bigint, bigint, integer, bytea, timestamptz);
DROP FUNCTION accounts_auditevent_row_hash(bytea, accounts_auditevent);
DROP SEQUENCE accounts_auditevent_chain_block_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_audit_refuse_truncate")]

    operations = [
        migrations.CreateModel(
            name="AuditLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("seq", models.BigIntegerField(unique=True, verbose_name="urutan")),
                ("block", models.BigIntegerField(unique=True, verbose_name="blok")),
                ("rows", models.IntegerField(verbose_name="jumlah baris")),
                (
                    "last_hash",
                    models.BinaryField(max_length=32, verbose_name="hash baris terakhir"),
                ),
                ("at", models.DateTimeField(verbose_name="waktu")),
                ("hash", models.BinaryField(max_length=32, verbose_name="hash")),
            ],
            options={
                "verbose_name": "mata rantai audit",
                "verbose_name_plural": "mata rantai audit",
                "ordering": ["seq"],
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_block",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="blok rantai"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_pos",
            field=models.IntegerField(editable=False, null=True, verbose_name="urutan dalam blok"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="chain_hash",
            field=models.BinaryField(
                editable=False, max_length=32, null=True, verbose_name="hash rantai"
            ),
        ),
        migrations.RunSQL(FUNCTIONS + BACKFILL + TRIGGERS, REVERSE),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_block",
            field=models.BigIntegerField(editable=False, verbose_name="blok rantai"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_pos",
            field=models.IntegerField(editable=False, verbose_name="urutan dalam blok"),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="chain_hash",
            field=models.BinaryField(editable=False, max_length=32, verbose_name="hash rantai"),
        ),
    ]
