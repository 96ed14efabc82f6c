"""``cakupan claims eligibility|list|show|summary`` and the corrected ``calc benefit``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import AuditEvent
from cakupan.billing import selectors as billing_selectors
from cakupan.billing import services as billing
from cakupan.billing.models import Bill
from cakupan.claims import payments, summary
from cakupan.claims.tests.builders import World, approved, complete_draft

D = dt.date
pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command(*args, "--json")
    return json.loads(capsys.readouterr().out)


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> dict[str, str]:
    with pytest.raises(CommandError) as info:
        call_command(*args, "--json")
    assert info.value.returncode == 2
    return json.loads(capsys.readouterr().out)["error"]


def test_calc_benefit_before_pp82_adds_no_scholarship_under_60_months(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The example of issue 10: 47 months of contributions in June 2019 give Rp24 juta only."""
    data = run(
        capsys, "calc", "benefit", "jkm", "--event-date", "2019-06-15",
        "--membership-start", "2015-07-01", "--child", "sd",
    )  # fmt: skip
    assert data["total"] == 24_000_000
    assert [line["amount"] for line in data["lines"]] == [16_200_000, 4_800_000, 3_000_000]
    assert "schedule" not in data
    assert (
        "Tidak ada beasiswa jalur JKM: masa iur 47 bulan penuh sejak 01-07-2015, kurang dari 60 "
        "bulan (PP 44/2015)." in data["explanation"]
    )


def test_eligibility_json(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    data = run(
        capsys, "claims", "eligibility", world.deceased.nik, "--type", "jkm",
        "--event-date", "2024-03-10", "--child", "sd",
    )  # fmt: skip
    assert data["eligible"] is True
    assert data["membership"]["id"] == world.membership.pk
    assert data["membership"]["start"] == "2019-07-01"
    assert data["benefit"]["total"] == 126_000_000  # 42M + SD 84M
    assert data["cash_total"] == 42_000_000
    assert data["scholarship_total"] == 84_000_000
    assert data["benefit"]["lines"][0] == {
        "item": "Santunan kematian",
        "amount": 20_000_000,
        "source": "PP 82/2019",
    }
    assert [r["code"] for r in data["reasons"]][:3] == [
        "regulation",
        "covered",
        "contribution_period",
    ]
    assert data["nik"] == world.deceased.masked_nik


def test_not_eligible_still_exits_0(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    data = run(
        capsys, "claims", "eligibility", world.deceased.nik, "--type", "jkm",
        "--event-date", "2019-06-30",
    )  # fmt: skip
    assert data["eligible"] is False
    assert data["benefit"] is None
    assert data["reasons"][-1]["code"] == "event_before_membership"


@pytest.mark.parametrize(
    ("nik", "date", "code"),
    [
        ("7324", "2024-03-10", "nik_invalid"),
        ("7324041708800099", "2024-03-10", "person_unknown"),
        (None, "2099-01-01", "event_date_future"),
        (None, "10-03-2024", "date_invalid"),
    ],
)
def test_bad_input_exits_2(
    world: World, capsys: pytest.CaptureFixture[str], nik: str | None, date: str, code: str
) -> None:
    error = refused(
        capsys, "claims", "eligibility", nik or world.deceased.nik, "--type", "jkm",
        "--event-date", date,
    )  # fmt: skip
    assert error["code"] == code


def test_list_show_and_unknown(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    claim = complete_draft(world)
    listed = run(capsys, "claims", "list", "--region", "73.24", "--year", "2024")
    assert listed["count"] == 1
    assert listed["claims"][0]["number"] == claim.number
    assert listed["claims"][0]["person"]["nik"] == world.deceased.masked_nik
    assert run(capsys, "claims", "list", "--region", "73.24", "--status", "paid")["count"] == 0
    shown = run(capsys, "claims", "show", claim.number)
    assert shown["id"] == claim.pk
    assert shown["heirs"][0]["nik"].count("*") == 8
    assert shown["heirs"][0]["bank_account"] == "****3456"
    assert shown["missing_documents"] == []
    assert shown["history"][0]["to"] == "draft"
    assert AuditEvent.objects.filter(entity="claims.heir", action="view", source="cli").exists()
    assert refused(capsys, "claims", "show", "KL-0000-999999")["code"] == "claim_unknown"
    assert refused(capsys, "claims", "list", "--region", "99.99")["code"] == "region_unknown"


def test_summary_claims_against_contributions(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """One JKM claim paid (Rp42,000,000) beside January-June 2024 bills paid in full."""
    actor = Actor.system(source="cli", label="uji")
    for month in range(1, 7):
        billing.billing_run(actor=actor, month=D(2024, month, 1))
    total = sum((b.total for b in Bill.objects.all()), Decimal(0))
    billing.payment_record(
        actor=actor, payer=world.pemdes, amount=total, paid_on=D(2024, 7, 10), reference="SP2D/UJI"
    )
    claim = approved(world, complete_draft(world))
    for component in claim.components.all():
        payments.component_pay(
            actor=world.actor("bpjs"), component=component, amount=component.entitlement,
            paid_on=D(2024, 9, 4), reference=f"TRF-{component.position}",
        )  # fmt: skip
    data = run(capsys, "claims", "summary", "--region", "73.24", "--year", "2024")
    # 6 months x JKK 0.24% + JKM 0.30% of 2,850,000 = 6 x (6,840 + 8,550) = 92,340
    assert total == Decimal(92_340)
    assert data["total"] == {
        "claims_paid": {
            "jkm": 42_000_000,
            "jkk-death": 0,
            "jkk-accident": 0,
            "scholarship": 0,
            "total": 42_000_000,
        },
        "claims": 1,
        "contributions": {"billed": 92_340, "paid": 92_340},
        "ratio": "45484.1",
    }
    assert [(r["code"], r["claims_paid"]["total"]) for r in data["by_region"]] == [
        ("73.24.04", 42_000_000)
    ]
    assert data["by_payer"][0]["code"] == "PEMDES-UJI"
    # The same contributions as billing's own summary, with and without a segment.
    region = world.pemdes.region
    for segment in (None, "perangkat_desa"):
        ours = summary.claims_summary(user=None, region=region, year=2024, segment=segment)
        theirs = billing_selectors.billing_summary(
            user=SYSTEM, region=region, year=2024, segment=segment, on=D(2024, 12, 31)
        )["total"]
        assert (
            ours["total"]["contributions"]["billed"],
            ours["total"]["contributions"]["paid"],
        ) == (
            theirs["billed"],
            theirs["paid"],
        )
    assert (
        run(capsys, "claims", "summary", "--region", "73.24", "--year", "2024", "--segment", "bpd")[
            "total"
        ]["ratio"]
        is None
    )


def test_ratio_rounds_half_up() -> None:
    assert summary.ratio(Decimal(1_077_000_000), Decimal(890_000_000)) == Decimal("121.0")
    assert summary.ratio(Decimal(1), Decimal(8)) == Decimal("12.5")
    assert summary.ratio(Decimal(1), Decimal(0)) is None


def test_text_output(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    claim = complete_draft(world)
    call_command(
        "claims", "eligibility", world.deceased.nik, "--type", "jkm", "--event-date", "2024-03-10"
    )
    assert "LAYAK" in capsys.readouterr().out
    call_command("claims", "list", "--region", "73.24")
    assert claim.number in capsys.readouterr().out
    call_command("claims", "show", str(claim.pk))
    out = capsys.readouterr().out
    assert f"Klaim {claim.number}" in out
    assert "****3456" in out
    call_command("claims", "summary", "--region", "73.24", "--year", "2024")
    assert "Rasio klaim/iuran dibayar: -" in capsys.readouterr().out
