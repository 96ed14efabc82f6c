"""``ParameterOverride`` leaves billing's state: the ``parameters`` app holds the model and its table
from parameters migration 0001 on (which renamed the table and kept the rows). No SQL here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0005_bill_entries"),
        ("parameters", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ParameterOverride")],
            database_operations=[],
        ),
    ]
