"""Heirs' bank accounts and children's schools encrypted at rest (issue 13, item 5).

The columns become text holding ``enc1:...`` (``cakupan.common.crypto``); existing rows are
encrypted here with the current key of ``FIELD_ENCRYPTION_KEYS``, and decrypted again when the
migration is reversed. The digits-only check on bank accounts moves to the service (a check
constraint cannot read ciphertext).
"""

import cakupan.common.fields
from django.db import migrations

_FIELDS = ("bank_account", "school_name")


def encrypt_existing(apps, schema_editor):
    from cakupan.common import crypto

    Heir = apps.get_model("claims", "Heir")
    db = schema_editor.connection.alias  # the migrating connection (the owner), not the default
    for heir in Heir.objects.using(db).all().iterator(chunk_size=2000):
        # Plain values read back as they are; saving seals them (EncryptedTextField).
        if any(getattr(heir, f) and not crypto.is_encrypted(getattr(heir, f)) for f in _FIELDS):
            heir.save(using=db, update_fields=list(_FIELDS))


def decrypt_existing(apps, schema_editor):
    from cakupan.common import crypto

    Heir = apps.get_model("claims", "Heir")
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT id, bank_account, school_name FROM claims_heir")
        for pk, account, school in cursor.fetchall():
            values = [
                crypto.decrypt(v, context=f"claims.heir.{f}") if v and crypto.is_encrypted(v) else v
                for f, v in zip(_FIELDS, (account, school), strict=True)
            ]
            cursor.execute(
                "UPDATE claims_heir SET bank_account = %s, school_name = %s WHERE id = %s",
                [*values, pk],
            )
    del Heir


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="heir",
            name="heir_bank_account_digits",
        ),
        migrations.AlterField(
            model_name="heir",
            name="bank_account",
            field=cakupan.common.fields.EncryptedTextField(
                blank=True, verbose_name="nomor rekening"
            ),
        ),
        migrations.AlterField(
            model_name="heir",
            name="school_name",
            field=cakupan.common.fields.EncryptedTextField(blank=True, verbose_name="nama sekolah"),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
