"""The budget planner shows a user only the bills they may see (issue 13: the planner leaked an
OPD's bill for the whole kabupaten to a desa operator whose kelompok rentan that OPD pays for)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import User
from cakupan.billing.budget import Targets, budget_plan
from cakupan.billing.models import Bill
from cakupan.billing.services import billing_run
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import FundingSource, Scheme, Segment, UnitKind
from cakupan.testing.factories import make_membership, make_unit
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db
TODAY = dt.date(2025, 11, 20)


def _opd_paying_for_a_desa_group(world: PersonaWorld) -> tuple[Decimal, Decimal]:
    """The OPD pays for its 5 own staff and for 2 pekerja rentan of a group in the persona desa.

    Bills for January-March 2025; returns (the OPD's whole bills, the desa group's share).
    """
    group = make_unit(region=world.desa.code, kind=UnitKind.KELOMPOK_RENTAN, name="Kelompok Uji")
    group.payer = world.opd
    group.save()
    for _ in range(5):
        make_membership(
            unit=world.opd, segment=Segment.NON_ASN, wage=Decimal(3_000_000), risk_class=1
        )
    for _ in range(2):
        make_membership(
            unit=group,
            segment=Segment.PEKERJA_RENTAN,
            scheme=Scheme.BPU,
            wage=Decimal(1_000_000),
            risk_class=None,
            funding_source=FundingSource.APBD_KABKOTA,
        )
    actor = Actor.system(source="cli", label="uji")
    for month in (1, 2, 3):
        billing_run(actor=actor, month=dt.date(2025, month, 1), region_code="73.24")
    whole = sum((b.total for b in Bill.objects.filter(payer=world.opd)), Decimal(0))
    # BPU JKK 1% of Rp1,000,000 (Rp10,000) + JKM Rp6,800 = Rp16,800 a person-month.
    return whole, Decimal(2 * 3 * 16_800)


def _plan(user: object, world: PersonaWorld, region: object) -> dict[str, Decimal]:
    plan = budget_plan(
        user=user,  # type: ignore[arg-type]
        region=region,  # type: ignore[arg-type]
        year=2026,
        targets=Targets(),
        params=active_parameters(),
        today=TODAY,
    )
    return {p.key: p.billed_before for p in plan.payers}


def test_desa_operator_sees_only_its_groups_share_of_the_opds_bills(
    persona_world: PersonaWorld, operator_desa: object, admin_kabupaten: object
) -> None:
    whole, share = _opd_paying_for_a_desa_group(persona_world)
    assert whole > share > 0

    seen_by_desa = _plan(operator_desa, persona_world, persona_world.desa)
    assert seen_by_desa == {persona_world.opd.code: Decimal(100_800)}
    assert share == Decimal(100_800)

    seen_by_admin = _plan(admin_kabupaten, persona_world, persona_world.kabupaten)
    assert seen_by_admin[persona_world.opd.code] == whole


def test_the_budget_page_of_the_desa_operator_shows_the_share_not_the_whole(
    persona_world: PersonaWorld, operator_desa: User
) -> None:
    whole, _share = _opd_paying_for_a_desa_group(persona_world)
    client = Client()
    client.force_login(operator_desa)
    response = client.get(
        reverse("billing:budget"),
        {"region": persona_world.desa.code, "year": "2026", "continuing": "on"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "100.800" in page
    assert f"{whole:,.0f}".replace(",", ".") not in page
