"""Administrator overrides of unverified parameters: checked by the rules, audited, used everywhere."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent, Role, Source
from cakupan.common.errors import DomainError
from cakupan.parameters.models import ParameterOverride
from cakupan.parameters.selectors import active_parameters
from cakupan.parameters.services import parameter_override_set, parameter_override_withdraw
from cakupan.testing.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> Actor:
    return Actor(user=make_user(role=Role.SUPERADMIN), source=Source.WEB)


def _bpu(month: str = "2026-01") -> dict[str, object]:
    out = io.StringIO()
    call_command(
        "calc",
        "contribution",
        "--scheme",
        "bpu",
        "--month",
        month,
        "--income",
        "3000000",
        "--programs",
        "jkk,jkm",
        "--json",
        stdout=out,
    )
    data: dict[str, object] = json.loads(out.getvalue())
    return data


def test_override_of_an_unverified_value_is_used_by_the_calculator_and_audited(
    actor: Actor,
) -> None:
    # The JP cap 2026 (DOMAIN.md section 11 item 1) is unverified: an admin with the BPJS TK letter
    # can set it; the months before March keep the 2025 cap.
    assert _bpu()["total"] == 30_000 + 6_800  # JKK 1% x 3,000,000 + JKM flat
    before = active_parameters().for_month("jp.wage_cap", dt.date(2026, 3, 1)).value
    assert before == Decimal(11_086_300)
    row = parameter_override_set(
        actor=actor,
        key="jp.wage_cap",
        value=11_000_000,
        valid_from=dt.date(2026, 3, 1),
        valid_to=None,
        note="Uji: surat BPJS TK",
    )
    entry = active_parameters().for_month("jp.wage_cap", dt.date(2026, 3, 1))
    assert (entry.value, entry.overridden) == (Decimal(11_000_000), True)
    assert active_parameters().for_month("jp.wage_cap", dt.date(2026, 2, 1)).value == Decimal(
        10_547_400
    )
    # The entity is the model's label: "billing.parameteroverride" before the model moved here.
    event = AuditEvent.objects.get(entity="parameters.parameteroverride", entity_id=str(row.pk))
    assert event.after is not None
    assert event.after["value"] == 11_000_000
    parameter_override_withdraw(actor=actor, override=row)
    assert active_parameters().for_month("jp.wage_cap", dt.date(2026, 3, 1)).value == before
    assert AuditEvent.objects.filter(entity="parameters.parameteroverride").count() == 2


def test_verified_values_cannot_be_overridden(actor: Actor) -> None:
    with pytest.raises(DomainError) as err:
        parameter_override_set(
            actor=actor,
            key="pu.jkm.rate",
            value="0.005",
            valid_from=dt.date(2026, 1, 1),
            valid_to=None,
            note="coba",
        )
    assert err.value.code == "parameter_not_overridable"
    assert ParameterOverride.objects.count() == 0


def test_a_note_is_required(actor: Actor) -> None:
    with pytest.raises(DomainError) as err:
        parameter_override_set(
            actor=actor,
            key="jp.wage_cap",
            value=11_000_000,
            valid_from=dt.date(2026, 3, 1),
            valid_to=None,
            note="  ",
        )
    assert err.value.code == "note_required"
