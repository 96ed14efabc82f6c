"""Reference checks of batch links: memberships the writing transaction wrote itself are counted,
not locked (issue 15; ``cakupan.common.refchecks``). Only the check functions change."""

from django.db import migrations

from cakupan.common.refchecks import Ref, check_functions

SQL = check_functions(
    [
        Ref("intake_batchmembership", "batch_id", "intake_importbatch", "id"),
        Ref("intake_batchmembership", "membership_id", "registry_membership", "id"),
    ]
)


class Migration(migrations.Migration):
    dependencies = [("intake", "0007_statement_reference_checks")]

    # Going back keeps these functions: they give the same guarantee as 0007's.
    operations = [migrations.RunSQL(SQL, reverse_sql=migrations.RunSQL.noop)]
