"""The vocabulary's occupations, the job title as written, and pg_trgm for fuzzy duplicates.

* Occupations the vocabulary (``vocabulary.toml``) maps to that the first list lacked: the BPD's
  wakil ketua and sekretaris, tenaga kependidikan, and one "lainnya" per segment, where a job title
  no rule knows is counted (its text kept in ``Membership.occupation_title``).
* ``pg_trgm`` (a trusted extension: the database owner may create it) gives ``similarity()`` for
  the fuzzy-duplicate checks of intake (``registry.services.bulk.fuzzy_duplicates``).
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


def load(apps, schema_editor):
    from cakupan.registry.occupations import GROUPS, OCCUPATIONS, OTHERS

    Occupation = apps.get_model("registry", "Occupation")
    groups = {}
    for code, name, segments in GROUPS:
        groups[code], _ = Occupation.objects.get_or_create(
            code=code, defaults={"name": name, "segments": segments}
        )
    # get_or_create: an administrator's renaming of an existing occupation stays.
    for code, name, group, segments in (*OCCUPATIONS, *OTHERS):
        Occupation.objects.get_or_create(
            code=code, defaults={"name": name, "group": groups.get(group), "segments": segments}
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0005_membership_overlap_trigger")]
    operations = [
        TrigramExtension(),
        migrations.AddField(
            model_name="membership",
            name="occupation_title",
            field=models.CharField(
                blank=True,
                default="",
                db_default="",
                max_length=150,
                verbose_name="jabatan (seperti tertulis)",
            ),
        ),
        migrations.RunPython(load, migrations.RunPython.noop),
    ]
