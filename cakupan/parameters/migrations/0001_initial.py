"""``ParameterOverride`` moves from billing to this app with its table and rows.

The model was created by billing migration 0002 (table ``billing_parameteroverride``). Here the new
app takes it over without copying anything:

1. the model enters this app's state on the existing table (``SeparateDatabaseAndState``: no SQL);
2. the table is renamed to this app's default name, ``parameters_parameteroverride``
   (``AlterModelTable``: ``ALTER TABLE ... RENAME``; constraints, the FK index and the id sequence
   keep their names, the rows and ids stay);
3. the content type ``billing.parameteroverride`` becomes ``parameters.parameteroverride``, so the
   admin's permissions and log entries follow the model (on a fresh database there is none yet:
   Django creates it after migrating).

Billing migration 0006 then drops the model from billing's state; it depends on this migration, so
billing never lets go of the table before this app holds it. ``migrate parameters zero`` undoes
both (billing 0006 first): the table gets its old name back.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

OLD_TABLE = "billing_parameteroverride"


def _relabel(apps, app_label, new_label):
    content_type = apps.get_model("contenttypes", "ContentType")
    taken = content_type.objects.filter(app_label=new_label, model="parameteroverride").exists()
    if not taken:
        content_type.objects.filter(app_label=app_label, model="parameteroverride").update(
            app_label=new_label
        )


def content_type_forwards(apps, schema_editor):
    _relabel(apps, "billing", "parameters")


def content_type_backwards(apps, schema_editor):
    _relabel(apps, "parameters", "billing")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("billing", "0005_bill_entries"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ParameterOverride",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=80, verbose_name="parameter")),
                        ("value", models.JSONField(verbose_name="nilai")),
                        ("valid_from", models.DateField(verbose_name="berlaku sejak")),
                        (
                            "valid_to",
                            models.DateField(blank=True, null=True, verbose_name="berlaku sampai"),
                        ),
                        ("note", models.TextField(verbose_name="dasar perubahan")),
                        (
                            "set_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="diubah pada"),
                        ),
                        (
                            "withdrawn_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="dicabut pada"
                            ),
                        ),
                        (
                            "set_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="diubah oleh",
                            ),
                        ),
                    ],
                    options={
                        "db_table": OLD_TABLE,
                        "verbose_name": "perubahan parameter regulasi",
                        "verbose_name_plural": "perubahan parameter regulasi",
                        "ordering": ["set_at", "id"],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("valid_to__isnull", True),
                                    ("valid_to__gte", models.F("valid_from")),
                                    _connector="OR",
                                ),
                                name="parameteroverride_period_order",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("note", ""), _negated=True),
                                name="parameteroverride_note_required",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="parameteroverride", table=None),
        migrations.RunPython(content_type_forwards, content_type_backwards),
    ]
