"""Heirs (order of PP 44/2015 Pasal 37, NIK rules, scholarship children) and documents."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from cakupan.accounts.models import AuditEvent
from cakupan.claims import services
from cakupan.claims.checklist import missing
from cakupan.claims.models import Claim, ClaimDocument, Heir
from cakupan.claims.services import ClaimError
from cakupan.claims.storage import read_document
from cakupan.claims.tests.builders import PDF, TODAY, World, death, heir, spouse

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(world: World) -> Claim:
    return services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=death(), today=TODAY
    )


def test_heirs_are_ordered_by_pasal_37_and_bank_data_masked(world: World, claim: Claim) -> None:
    actor = world.actor("desa")
    services.heir_add(
        actor=actor, claim=claim, data=heir("Ibu Kandung", "parent", D(1950, 1, 1), sex="P"),
        today=TODAY,
    )  # fmt: skip
    wife = services.heir_add(actor=actor, claim=claim, data=spouse(), today=TODAY)
    services.heir_add(
        actor=actor, claim=claim, data=heir("Adik", "sibling", D(1980, 1, 1), sequence=3),
        today=TODAY,
    )  # fmt: skip
    assert [(h.name, h.group) for h in claim.heirs.all()] == [
        ("Hasnah", 1),
        ("Ibu Kandung", 2),
        ("Adik", 3),
    ]
    assert wife.masked_account == "****3456"
    assert wife.masked_nik == wife.nik[:4] + "********" + wife.nik[-4:]
    event = AuditEvent.objects.filter(entity="claims.heir", action="create").get(entity_id=wife.pk)
    # Encrypted at rest, so the audit log keeps only the last four digits (issue 13).
    assert (event.after or {})["bank_account"] == "****3456"


@pytest.mark.parametrize(
    ("nik", "code"),
    [
        ("12345", "heir_nik_invalid"),
        ("7324045203780000", "heir_nik_invalid"),  # sequence 0000
        ("7324041203780007", "heir_nik_invalid"),  # male day code, but born 3 Feb 1978
    ],
)
def test_heir_nik_follows_the_nik_rules(world: World, claim: Claim, nik: str, code: str) -> None:
    with pytest.raises(ClaimError) as info:
        services.heir_add(
            actor=world.actor("desa"),
            claim=claim,
            data=heir("Hasnah", "spouse", D(1978, 2, 3), nik=nik),
            today=TODAY,
        )
    assert info.value.code == code
    assert not Heir.objects.exists()


def test_heir_nik_may_not_be_the_deceaseds(world: World, claim: Claim) -> None:
    with pytest.raises(ClaimError) as info:
        services.heir_add(
            actor=world.actor("desa"),
            claim=claim,
            data=heir("Siapa", "spouse", world.deceased.birth_date, nik=world.deceased.nik),
            today=TODAY,
        )
    assert info.value.code == "heir_nik_is_participant"
    assert not Heir.objects.exists()


def test_scholarship_children_change_the_entitlement(world: World, claim: Claim) -> None:
    """56 months since 1 Jul 2019 >= 36: SD child 84M, SMA child 69M (DOMAIN 4.2)."""
    actor = world.actor("desa")
    services.heir_add(
        actor=actor, claim=claim,
        data=heir("Anak SD", "child", D(2015, 5, 1), sequence=11, scholarship=True, school_level="sd",
                  school_class=3),
        today=TODAY,
    )  # fmt: skip
    services.heir_add(
        actor=actor, claim=claim,
        data=heir("Anak SMA", "child", D(2008, 5, 1), sequence=12, scholarship=True,
                  school_level="sma", school_class=10),
        today=TODAY,
    )  # fmt: skip
    claim.refresh_from_db()
    assert claim.cash_entitlement == Decimal(42_000_000)
    assert claim.scholarship_entitlement == Decimal(153_000_000)
    assert [c["counted"] for c in claim.eligibility["children"]] == [True, True]


def test_a_third_scholarship_child_is_refused_and_nothing_is_written(
    world: World, claim: Claim
) -> None:
    actor = world.actor("desa")
    for n, born in enumerate((D(2010, 1, 1), D(2012, 1, 1)), start=1):
        services.heir_add(
            actor=actor, claim=claim,
            data=heir(f"Anak {n}", "child", born, sequence=20 + n, scholarship=True, school_level="sd"),
            today=TODAY,
        )  # fmt: skip
    with pytest.raises(ClaimError) as info:
        services.heir_add(
            actor=actor, claim=claim,
            data=heir("Anak 3", "child", D(2014, 1, 1), sequence=23, scholarship=True, school_level="sd"),
            today=TODAY,
        )  # fmt: skip
    assert info.value.code == "scholarship_children_too_many"
    assert info.value.message.startswith("Beasiswa paling banyak untuk 2 anak (PP 82/2019)")
    assert claim.heirs.count() == 2


@pytest.mark.parametrize(
    ("facts", "why"),
    [
        ({"born": D(2000, 1, 1)}, "berusia 24 tahun (batas 23 tahun, PP 82/2019)"),
        ({"married": True}, "sudah menikah"),
        ({"working": True}, "sudah bekerja"),
    ],
)
def test_a_child_over_23_married_or_working_gets_none_and_the_claim_says_why(
    world: World, claim: Claim, facts: dict[str, object], why: str
) -> None:
    born: dt.date = facts.pop("born", D(2004, 1, 1))  # type: ignore[assignment]
    services.heir_add(
        actor=world.actor("desa"), claim=claim,
        data=heir("Rahmat", "child", born, sequence=30, scholarship=True, school_level="pt",
                  **facts),  # type: ignore[arg-type]
        today=TODAY,
    )  # fmt: skip
    claim.refresh_from_db()
    assert claim.scholarship_entitlement == 0
    messages = [
        r["message"] for r in claim.eligibility["reasons"] if r["code"] == "child_not_eligible"
    ]
    assert messages == [f"Rahmat tidak mendapat beasiswa: {why}."]
    assert claim.eligibility["children"][0]["counted"] is False


def test_scholarship_only_for_a_child_with_a_level(world: World, claim: Claim) -> None:
    with pytest.raises(ClaimError) as info:
        services.heir_add(
            actor=world.actor("desa"), claim=claim,
            data=heir("Istri", "spouse", D(1980, 1, 1), sex="P", scholarship=True, school_level="pt"),
            today=TODAY,
        )  # fmt: skip
    assert info.value.code == "scholarship_not_child"


def test_documents_are_stored_with_their_hash_and_checked(world: World, claim: Claim) -> None:
    actor = world.actor("desa")
    assert [item.kind for item in missing(claim)] == [
        "akta_kematian",
        "kartu_keluarga",
        "ktp_ahli_waris",
        "surat_ahli_waris",
        "buku_rekening",
    ]
    document = services.document_upload(
        actor=actor, claim=claim, kind="akta_kematian", data=PDF, file_name="../../akta.pdf"
    )
    assert document.file_path.startswith("claims/")
    assert ".." not in document.file_path
    assert document.content_type == "application/pdf"
    assert len(document.file_sha256) == 64
    assert read_document(document.file_path) == PDF
    assert "akta_kematian" not in [item.kind for item in missing(claim)]
    for data, code in ((b"", "document_empty"), (b"MZ\x90\x00 not a pdf", "document_type")):
        with pytest.raises(ClaimError) as info:
            services.document_upload(
                actor=actor, claim=claim, kind="kartu_keluarga", data=data, file_name="x"
            )
        assert info.value.code == code
    assert ClaimDocument.objects.count() == 1


def test_others_cannot_touch_a_draft(world: World, claim: Claim) -> None:
    for name in ("pimpinan",):
        with pytest.raises(PermissionDenied):
            services.heir_add(actor=world.actor(name), claim=claim, data=spouse(), today=TODAY)
    with pytest.raises(PermissionDenied):
        services.document_upload(
            actor=world.actor("desa_other"),
            claim=claim,
            kind="akta_kematian",
            data=PDF,
            file_name="a",
        )
