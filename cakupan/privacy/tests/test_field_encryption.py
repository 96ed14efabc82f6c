"""Heirs' bank accounts and children's schools are encrypted at rest (issue 13, item 5)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from django.apps import apps
from django.db import connection

from cakupan.claims.models import Heir
from cakupan.claims.tests.builders import World, complete_draft
from cakupan.common import crypto

pytestmark = pytest.mark.django_db
ACCOUNT = "012301000123456"
KEY2 = "t2:" + "c2Vjb25kLWtleS0wMDAwMDAwMDAwMDAwMDAwMDAwMDA="


@pytest.fixture
def world(settings: Any, tmp_path: Any) -> World:
    from cakupan.claims.tests.builders import build_world

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return build_world()


def _raw(heir: Heir) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT bank_account, school_name FROM claims_heir WHERE id = %s", [heir.pk])
        return cursor.fetchone()


def test_the_column_holds_ciphertext_and_the_model_plain_text(world: World) -> None:
    claim = complete_draft(world)
    heir = claim.heirs.get()
    heir.school_name = "SMP Negeri 1 Malili"
    heir.save()
    account, school = _raw(heir)
    assert account.startswith("enc1:t1:") and ACCOUNT not in account
    assert school.startswith("enc1:t1:") and "Malili" not in school
    fresh = Heir.objects.get(pk=heir.pk)
    assert (fresh.bank_account, fresh.school_name) == (ACCOUNT, "SMP Negeri 1 Malili")
    # Two encryptions of one value differ (a fresh nonce each time): no equality leaks.
    assert crypto.encrypt(ACCOUNT, context="x") != crypto.encrypt(ACCOUNT, context="x")


def test_a_ciphertext_moved_to_another_column_or_altered_does_not_decrypt() -> None:
    sealed = crypto.encrypt(ACCOUNT, context="claims.heir.bank_account")
    with pytest.raises(InvalidTag):
        crypto.decrypt(sealed, context="claims.heir.school_name")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(InvalidTag):
        crypto.decrypt(tampered, context="claims.heir.bank_account")


def test_a_new_key_encrypts_while_the_old_one_still_decrypts(world: World, settings: Any) -> None:
    heir = complete_draft(world).heirs.get()
    settings.FIELD_ENCRYPTION_KEYS = [KEY2, *settings.FIELD_ENCRYPTION_KEYS]
    assert Heir.objects.get(pk=heir.pk).bank_account == ACCOUNT  # old key still reads
    heir.save()
    assert _raw(heir)[0].startswith("enc1:t2:")
    settings.FIELD_ENCRYPTION_KEYS = [KEY2]
    assert Heir.objects.get(pk=heir.pk).bank_account == ACCOUNT


def test_the_migration_encrypts_rows_written_before_it(world: World) -> None:
    heir = complete_draft(world).heirs.get()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE claims_heir SET bank_account = %s, school_name = %s WHERE id = %s",
            [ACCOUNT, "SD Negeri 2", heir.pk],
        )
    migration = importlib.import_module(
        "cakupan.claims.migrations.0002_heir_bank_account_school_encrypted"
    )
    editor = type("Editor", (), {"connection": connection})()
    migration.encrypt_existing(apps, editor)
    account, school = _raw(heir)
    assert crypto.decrypt(account, context="claims.heir.bank_account") == ACCOUNT
    assert crypto.decrypt(school, context="claims.heir.school_name") == "SD Negeri 2"
    migration.decrypt_existing(apps, editor)
    assert _raw(heir) == (ACCOUNT, "SD Negeri 2")


def test_the_service_still_refuses_an_account_that_is_not_digits(world: World) -> None:
    from cakupan.claims import services
    from cakupan.claims.tests.builders import TODAY, heir

    claim = complete_draft(world)
    with pytest.raises(services.ClaimError) as refused:
        services.heir_add(
            actor=world.actor("desa"),
            claim=claim,
            data=heir(
                "Ibu", "parent", __import__("datetime").date(1950, 1, 1), bank_account="12ab"
            ),
            today=TODAY,
        )
    assert refused.value.code == "heir_account_invalid"
