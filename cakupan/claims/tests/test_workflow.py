"""The four-eyes workflow: every transition allowed and refused, by role, audited before/after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from cakupan.accounts.models import AuditEvent
from cakupan.claims import payments, services, workflow
from cakupan.claims.models import Claim, ClaimComponent, ClaimStatus
from cakupan.claims.services import ClaimError
from cakupan.claims.tests.builders import TODAY, World, approved, complete_draft, death

D = dt.date
pytestmark = pytest.mark.django_db


def _status(claim: Claim) -> str:
    return Claim.objects.get(pk=claim.pk).status


def test_a_claim_is_not_submitted_while_a_document_is_missing(world: World) -> None:
    claim = services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=death(), today=TODAY
    )
    with pytest.raises(ClaimError) as info:
        workflow.claim_submit(actor=world.actor("desa"), claim=claim, today=TODAY)
    assert info.value.code == "documents_missing"
    assert info.value.message == (
        "Dokumen wajib belum lengkap: Akta kematian / surat keterangan kematian; Kartu keluarga "
        "(KK); KTP ahli waris; Surat keterangan ahli waris; Buku rekening penerima."
    )
    assert _status(claim) == "draft"


def test_the_whole_way_audited_with_before_and_after(world: World) -> None:
    claim = complete_draft(world)
    claim = workflow.claim_submit(actor=world.actor("desa"), claim=claim, today=TODAY)
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 2))
    claim = workflow.claim_approve(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 3))
    components = list(claim.components.all())
    assert [(c.item, c.entitlement) for c in components] == [
        ("Santunan kematian", Decimal(20_000_000)),
        ("Santunan berkala (dibayar sekaligus)", Decimal(12_000_000)),
        ("Biaya pemakaman", Decimal(10_000_000)),
    ]
    for component in components:
        payments.component_pay(
            actor=world.actor("bpjs"), component=component, amount=component.entitlement,
            paid_on=D(2024, 9, 4), reference=f"TRF-{component.position}",
        )  # fmt: skip
    claim.refresh_from_db()
    assert (claim.status, claim.paid_on) == ("paid", D(2024, 9, 4))
    assert list(claim.transitions.values_list("from_status", "to_status")) == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "verified"),
        ("verified", "filed"),
        ("filed", "approved"),
        ("approved", "paid"),
    ]
    updates = [
        (e.before or {}, e.after or {}, e.actor)
        for e in AuditEvent.objects.filter(entity="claims.claim", action="update").order_by("id")
    ]
    statuses = [(b.get("status"), a.get("status")) for b, a, _ in updates if "status" in a]
    assert statuses == [
        ("draft", "submitted"),
        ("submitted", "verified"),
        ("verified", "filed"),
        ("filed", "approved"),
        ("approved", "paid"),
    ]
    _, after, who = next(u for u in updates if u[1].get("status") == "verified")
    assert after["verified_by"] == world.users["dpmd"].pk
    assert who == world.users["dpmd"]


def test_four_eyes_the_submitter_never_verifies(world: World) -> None:
    claim = complete_draft(world, reporter="admin")
    claim = workflow.claim_submit(actor=world.actor("admin"), claim=claim, today=TODAY)
    with pytest.raises(ClaimError) as info:
        workflow.claim_verify(actor=world.actor("admin"), claim=claim)
    assert info.value.code == "four_eyes"
    assert _status(claim) == "submitted"
    # ... and the database says the same, whatever writes the row.
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(verified_by=world.users["admin"])


VERIFIERS = {
    "superadmin": True,
    "admin": True,
    "dpmd": True,  # its dinas verifies village segments
    "bkpsdm": False,  # non-ASN only
    "admin_other": False,
    "camat": False,
    "desa": False,
    "opd": False,
    "bpjs": False,
    "pimpinan": False,
}


@pytest.mark.parametrize(("name", "allowed"), VERIFIERS.items())
def test_who_verifies(world: World, name: str, allowed: bool) -> None:
    claim = workflow.claim_submit(
        actor=world.actor("desa"), claim=complete_draft(world), today=TODAY
    )
    if allowed:
        assert workflow.claim_verify(actor=world.actor(name), claim=claim).status == "verified"
    else:
        with pytest.raises(ClaimError) as info:
            workflow.claim_verify(actor=world.actor(name), claim=claim)
        # the desa operator submitted it: four eyes say no before the role does
        assert info.value.code == ("four_eyes" if name == "desa" else "claim_verify_forbidden")
        assert _status(claim) == "submitted"


BPJS_STEPS = {"bpjs": True, "superadmin": True, "bpjs_other": False, "admin": False, "dpmd": False}


@pytest.mark.parametrize(("name", "allowed"), BPJS_STEPS.items())
def test_who_files_decides_and_pays_for_bpjs(world: World, name: str, allowed: bool) -> None:
    claim = workflow.claim_submit(
        actor=world.actor("desa"), claim=complete_draft(world), today=TODAY
    )
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    actor = world.actor(name)
    if not allowed:
        with pytest.raises(ClaimError) as info:
            workflow.claim_file(actor=actor, claim=claim, on=D(2024, 9, 2))
        assert info.value.code == "claim_bpjs_forbidden"
        claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 2))
        for step in (workflow.claim_approve, workflow.claim_reject):
            kwargs: dict[str, Any] = {"reason": "x"} if step is workflow.claim_reject else {}
            with pytest.raises(ClaimError):
                step(actor=actor, claim=claim, **kwargs)
        claim = workflow.claim_approve(actor=world.actor("bpjs"), claim=claim)
        with pytest.raises(ClaimError):
            payments.component_pay(
                actor=actor, component=claim.components.first(), amount=Decimal(1),  # type: ignore[arg-type]
                paid_on=D(2024, 9, 4), reference="R",
            )  # fmt: skip
        assert _status(claim) == "approved"
    else:
        claim = workflow.claim_file(actor=actor, claim=claim, on=D(2024, 9, 2))
        claim = workflow.claim_approve(actor=actor, claim=claim)
        assert claim.status == "approved"


def test_steps_out_of_order_are_refused(world: World) -> None:
    claim = complete_draft(world)
    for step, actor in (
        (workflow.claim_verify, "dpmd"),
        (workflow.claim_file, "bpjs"),
        (workflow.claim_approve, "bpjs"),
    ):
        with pytest.raises(ClaimError) as info:
            step(actor=world.actor(actor), claim=claim)
        assert info.value.code == "claim_wrong_status"
    assert _status(claim) == "draft"
    assert claim.transitions.count() == 1


def test_submitters_by_role(world: World) -> None:
    for name in ("pimpinan", "desa_other", "bpjs_other"):
        with pytest.raises(ClaimError) as info:
            workflow.claim_submit(actor=world.actor(name), claim=complete_draft(world), today=TODAY)
        assert info.value.code == "claim_submit_forbidden"
        Claim.objects.all().delete()


def test_rejection_needs_a_reason(world: World) -> None:
    claim = workflow.claim_submit(
        actor=world.actor("desa"), claim=complete_draft(world), today=TODAY
    )
    claim = workflow.claim_verify(actor=world.actor("admin"), claim=claim)
    claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim)
    with pytest.raises(ClaimError) as info:
        workflow.claim_reject(actor=world.actor("bpjs"), claim=claim, reason="  ")
    assert info.value.code == "rejection_reason_required"
    claim = workflow.claim_reject(
        actor=world.actor("bpjs"), claim=claim, reason="Peserta meninggal sebelum terdaftar aktif"
    )
    assert (claim.status, claim.rejection_reason) == (
        "rejected",
        "Peserta meninggal sebelum terdaftar aktif",
    )
    # A rejected death may be reported again.
    again = services.claim_report(
        actor=world.actor("desa"), nik=world.deceased.nik, event=death(), today=TODAY
    )
    assert again.status == ClaimStatus.DRAFT


def test_a_payment_above_the_entitlement_needs_a_reason_and_differences_are_flagged(
    world: World,
) -> None:
    claim = approved(world, complete_draft(world))
    lump, periodic, funeral = claim.components.all()
    bpjs = world.actor("bpjs")
    with pytest.raises(ClaimError) as info:
        payments.component_pay(
            actor=bpjs, component=lump, amount=Decimal(21_000_000), paid_on=D(2024, 9, 4),
            reference="TRF-1",
        )  # fmt: skip
    assert info.value.code == "payment_above_entitlement"
    assert info.value.message.startswith(
        "Dibayar Rp21.000.000 melebihi hak Santunan kematian Rp20.000.000"
    )
    assert ClaimComponent.objects.get(pk=lump.pk).paid_on is None
    payments.component_pay(
        actor=bpjs, component=lump, amount=Decimal(21_000_000), paid_on=D(2024, 9, 4),
        reference="TRF-1", override_reason="Termasuk denda keterlambatan",
    )  # fmt: skip
    payments.component_pay(
        actor=bpjs, component=periodic, amount=Decimal(11_000_000), paid_on=D(2024, 9, 4),
        reference="TRF-2",
    )  # fmt: skip
    lump.refresh_from_db()
    periodic.refresh_from_db()
    assert (lump.differs, periodic.differs) == (True, True)
    event = AuditEvent.objects.filter(entity="claims.claimcomponent", entity_id=periodic.pk).get()
    assert "dibayar Rp11.000.000 berbeda dari hak Rp12.000.000" in event.note
    with pytest.raises(ClaimError) as again:
        payments.component_pay(
            actor=bpjs, component=periodic, amount=Decimal(1_000_000), paid_on=D(2024, 9, 5),
            reference="TRF-3",
        )  # fmt: skip
    assert again.value.code == "component_already_paid"
    assert Claim.objects.get(pk=claim.pk).status == "approved"  # the funeral is not paid yet
    payments.component_pay(
        actor=bpjs, component=funeral, amount=Decimal(10_000_000), paid_on=D(2024, 9, 6),
        reference="TRF-4",
    )  # fmt: skip
    claim.refresh_from_db()
    assert (claim.status, claim.paid_on) == ("paid", D(2024, 9, 6))
