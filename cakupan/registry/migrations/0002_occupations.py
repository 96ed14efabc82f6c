from django.db import migrations


def load(apps, schema_editor):
    from cakupan.registry.occupations import GROUPS, OCCUPATIONS

    Occupation = apps.get_model("registry", "Occupation")
    groups = {}
    for code, name, segments in GROUPS:
        groups[code], _ = Occupation.objects.update_or_create(
            code=code, defaults={"name": name, "segments": segments}
        )
    for code, name, group, segments in OCCUPATIONS:
        Occupation.objects.update_or_create(
            code=code, defaults={"name": name, "group": groups.get(group), "segments": segments}
        )


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
