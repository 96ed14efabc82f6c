"""Mark the kabupaten whose coverage changed, so the rollup refreshes only those (``rollup``).

Statement-level triggers (one run per INSERT, UPDATE, DELETE or COPY, whatever writes the rows)
on memberships, unit formations and units record the kabupaten/kota of every unit written to
(``left(region_id, 5)``) in ``coverage_rollupdirty``. A unit that moves records both its old and
its new kabupaten. The distinct units of the statement are taken first, so a million-row COPY
costs one aggregate over its transition table and a join of its few units.
"""

from django.db import migrations

_FUNCTION = """
CREATE FUNCTION coverage_mark_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage_rollupdirty (code)
    SELECT DISTINCT left(u.region_id, 5)
      FROM (SELECT DISTINCT unit_id FROM {source}) c
      JOIN registry_unit u ON u.id = c.unit_id;
    RETURN NULL;
END $$;
"""

_UNIT_FUNCTION = """
CREATE FUNCTION coverage_mark_unit_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO coverage_rollupdirty (code)
    SELECT DISTINCT k FROM (
        SELECT left(o.region_id, 5) AS k FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE n.region_id IS DISTINCT FROM o.region_id
        UNION ALL
        SELECT left(n.region_id, 5) FROM old_rows o JOIN new_rows n ON n.id = o.id
         WHERE n.region_id IS DISTINCT FROM o.region_id
    ) moved;
    RETURN NULL;
END $$;
"""

TABLES = ("registry_membership", "registry_unitformation")


def _forward() -> list[str]:
    sql = []
    for table in TABLES:
        short = table.removeprefix("registry_")
        sql.append(_FUNCTION.format(name=f"{short}_new", source="new_rows"))
        sql.append(_FUNCTION.format(name=f"{short}_old", source="old_rows"))
        sql.append(
            f"CREATE TRIGGER coverage_mark_insert AFTER INSERT ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION coverage_mark_{short}_new()"
        )
        sql.append(
            f"CREATE TRIGGER coverage_mark_update_new AFTER UPDATE ON {table} "
            f"REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION coverage_mark_{short}_new()"
        )
        sql.append(
            f"CREATE TRIGGER coverage_mark_update_old AFTER UPDATE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION coverage_mark_{short}_old()"
        )
        sql.append(
            f"CREATE TRIGGER coverage_mark_delete AFTER DELETE ON {table} "
            f"REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION coverage_mark_{short}_old()"
        )
    sql.append(_UNIT_FUNCTION)
    sql.append(
        "CREATE TRIGGER coverage_mark_unit_moved AFTER UPDATE ON registry_unit "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION coverage_mark_unit_moved()"
    )
    return sql


def _backward() -> list[str]:
    sql = ["DROP TRIGGER IF EXISTS coverage_mark_unit_moved ON registry_unit"]
    for table in TABLES:
        short = table.removeprefix("registry_")
        for trigger in ("insert", "update_new", "update_old", "delete"):
            sql.append(f"DROP TRIGGER IF EXISTS coverage_mark_{trigger} ON {table}")
        sql.append(f"DROP FUNCTION IF EXISTS coverage_mark_{short}_new()")
        sql.append(f"DROP FUNCTION IF EXISTS coverage_mark_{short}_old()")
    sql.append("DROP FUNCTION IF EXISTS coverage_mark_unit_moved()")
    return sql


class Migration(migrations.Migration):
    dependencies = [
        ("coverage", "0002_rollup"),
        ("registry", "0005_membership_overlap_trigger"),
    ]

    operations = [migrations.RunSQL(sql=_forward(), reverse_sql=_backward())]
