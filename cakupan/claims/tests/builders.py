"""Builders for the claims tests: a village in Kecamatan Malili (Luwu Timur) whose secretary
died, and a user for every role (with one out of scope where the role has a scope)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Role, Source, User
from cakupan.claims import services, workflow
from cakupan.claims.checklist import REQUIRED
from cakupan.claims.models import Claim
from cakupan.common.nik import make_nik
from cakupan.registry.models import Membership, Person, Segment, Unit, UnitKind
from cakupan.testing.factories import (
    make_branch_office,
    make_membership,
    make_person,
    make_unit,
    make_user,
)

D = dt.date
MALILI_DESA = "73.24.04.2001"
OTHER_DESA = "73.24.04.2002"
PDF = b"%PDF-1.4\n% uji\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = D(2024, 9, 30)


@dataclass
class World:
    pemdes: Unit
    bpd: Unit
    opd: Unit
    dpmd: Unit
    deceased: Person
    membership: Membership
    users: dict[str, User]

    def actor(self, name: str) -> Actor:
        return Actor(user=self.users[name], source=Source.WEB)


def build_world() -> World:
    dpmd = make_unit(region="73.24", code="7324-DPMD-UJI", name="DPMD Luwu Timur")
    dpmd.verifies_segments = [Segment.PERANGKAT_DESA, Segment.BPD, Segment.LEMBAGA_DESA]
    dpmd.save()
    bkpsdm = make_unit(region="73.24", code="7324-BKPSDM-UJI", name="BKPSDM Luwu Timur")
    bkpsdm.verifies_segments = [Segment.NON_ASN]
    bkpsdm.save()
    pemdes = make_unit(
        region=MALILI_DESA, kind=UnitKind.PEMERINTAH_DESA, code="PEMDES-UJI", name="Pemdes Uji"
    )
    bpd = make_unit(region=MALILI_DESA, kind=UnitKind.BPD, code="BPD-UJI", name="BPD Uji")
    bpd.payer = pemdes
    bpd.save()
    opd = make_unit(region="73.24", code="OPD-UJI", name="Dinas Uji")
    other_desa = make_unit(region=OTHER_DESA, kind=UnitKind.PEMERINTAH_DESA, code="PEMDES-LAIN")
    deceased = make_person(name="Baharuddin Sekdes", birth_date=D(1975, 4, 12))
    membership = make_membership(
        person=deceased,
        unit=pemdes,
        segment=Segment.PERANGKAT_DESA,
        start_date=D(2019, 7, 1),
        wage=Decimal(2_850_000),
    )
    branch = make_branch_office()
    users = {
        "superadmin": make_user(role=Role.SUPERADMIN, username="super"),
        "admin": make_user(role=Role.ADMIN_KABUPATEN, region="73.24", username="admin.lutim"),
        "dpmd": make_user(role=Role.ADMIN_KABUPATEN, region="73.24", unit=dpmd, username="dpmd"),
        "bkpsdm": make_user(
            role=Role.ADMIN_KABUPATEN, region="73.24", unit=bkpsdm, username="bkpsdm"
        ),
        "admin_other": make_user(role=Role.ADMIN_KABUPATEN, region="74.05", username="konsel"),
        "desa": make_user(role=Role.OPERATOR_DESA, unit=pemdes, username="desa"),
        "desa_other": make_user(role=Role.OPERATOR_DESA, unit=other_desa, username="desa2"),
        "opd": make_user(role=Role.OPERATOR_OPD, unit=opd, username="opd"),
        "camat": make_user(role=Role.CAMAT, region="73.24.04", username="camat"),
        "camat_other": make_user(role=Role.CAMAT, region="73.24.01", username="camat2"),
        "bpjs": make_user(role=Role.PETUGAS_BPJS, branch_office=branch, username="bpjs"),
        "bpjs_other": make_user(
            role=Role.PETUGAS_BPJS,
            branch_office=make_branch_office(regions=("74.05",), name="KC Kendari"),
            username="bpjs2",
        ),
        "pimpinan": make_user(role=Role.PIMPINAN, region="73.24", username="bupati"),
    }
    return World(pemdes, bpd, opd, dpmd, deceased, membership, users)


DEATH_DAY = D(2024, 3, 10)


def death(day: dt.date = DEATH_DAY, **extra: Any) -> services.EventInput:
    values: dict[str, Any] = {
        "kind": "death",
        "event_date": day,
        "place": "Malili",
        "cause": "Sakit jantung",
    }
    values.update(extra)
    return services.EventInput(**values)


def child_nik(born: dt.date, sex: str = "L", sequence: int = 1) -> str:
    return make_nik(district_code="73.24.04", birth_date=born, sex=sex, sequence=sequence)


def heir(
    name: str,
    relation: str,
    born: dt.date,
    *,
    sex: str = "L",
    sequence: int = 1,
    **extra: Any,
) -> services.HeirInput:
    return services.HeirInput(
        nik=extra.pop("nik", None) or child_nik(born, sex, sequence),
        name=name,
        relation=relation,
        birth_date=born,
        **extra,
    )


def spouse() -> services.HeirInput:
    return heir(
        "Hasnah",
        "spouse",
        D(1978, 2, 3),
        sex="P",
        sequence=7,
        bank_name="BRI",
        bank_account="012301000123456",
        account_holder="Hasnah",
        is_recipient=True,
    )


def complete_draft(world: World, *, reporter: str = "desa", **event: Any) -> Claim:
    """A reported death with a recipient heir and every required document."""
    actor = world.actor(reporter)
    claim = services.claim_report(
        actor=actor, nik=world.deceased.nik, event=death(**event), today=TODAY
    )
    services.heir_add(actor=actor, claim=claim, data=spouse(), today=TODAY)
    for kind in REQUIRED[claim.type]:
        services.document_upload(
            actor=actor, claim=claim, kind=kind, data=PDF, file_name=f"{kind}.pdf"
        )
    claim.refresh_from_db()
    return claim


def approved(world: World, claim: Claim) -> Claim:
    claim = workflow.claim_submit(actor=world.actor("desa"), claim=claim, today=TODAY)
    claim = workflow.claim_verify(actor=world.actor("dpmd"), claim=claim)
    claim = workflow.claim_file(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 2))
    return workflow.claim_approve(actor=world.actor("bpjs"), claim=claim, on=D(2024, 9, 3))


__all__ = ["PDF", "TODAY", "D", "World", "approved", "complete_draft", "death", "heir", "spouse"]
