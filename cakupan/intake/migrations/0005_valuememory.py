import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0004_batch_return_sent_reply"),
        ("registry", "0006_vocabulary"),
    ]

    operations = [
        migrations.CreateModel(
            name="ValueMemory",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("field", models.CharField(max_length=30, verbose_name="isian")),
                ("value", models.CharField(max_length=200, verbose_name="nilai (dinormalkan)")),
                ("target", models.CharField(max_length=40, verbose_name="dipetakan ke")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "unit",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="value_memory",
                        to="registry.unit",
                    ),
                ),
            ],
            options={
                "verbose_name": "pemetaan nilai tersimpan",
                "verbose_name_plural": "pemetaan nilai tersimpan",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit", "field", "value"), name="value_memory_unique"
                    )
                ],
            },
        ),
    ]
