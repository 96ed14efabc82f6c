"""Reference checks: rows the writing transaction wrote itself are counted, not locked (issue 15;
``cakupan.common.refchecks``). Only the check functions change; the triggers stay."""

from django.db import migrations

from cakupan.common.refchecks import Ref, check_functions

SQL = check_functions(
    [
        Ref("registry_person", "domicile_id", "wilayah_region", "code"),
        Ref("registry_membership", "person_id", "registry_person", "id"),
        Ref("registry_membership", "unit_id", "registry_unit", "id"),
        Ref("registry_membership", "occupation_id", "registry_occupation", "id"),
    ]
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0007_statement_reference_checks")]

    # Going back keeps these functions: they give the same guarantee as 0007's.
    operations = [migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop)]
