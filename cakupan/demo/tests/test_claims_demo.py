"""The demo claims reproduce the claims figures of the source reports (seeds/003 and seeds/004)
through ``cakupan claims summary``, and Luwu Timur has a claim at every status."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command

from cakupan.accounts.access import SYSTEM
from cakupan.accounts.audit import Actor
from cakupan.claims.assessment import claim_parameters
from cakupan.claims.models import Claim, ClaimStatus, ScholarshipInstalment
from cakupan.claims.selectors import instalments_due, overdue_claims, school_year_of
from cakupan.coverage.selectors import region_stats
from cakupan.demo.claims import demo_claims_load
from cakupan.demo.services import demo_load, demo_users_ensure
from cakupan.wilayah.models import Region
from cakupan.wilayah.selectors import region_subtree_q

TODAY = dt.date(2026, 12, 5)
D = dt.date


@pytest.mark.django_db
def test_demo_claims_figures(
    settings: Any, tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    actor = Actor.system(source="cli", label="test demo")
    demo_load(actor=actor)
    demo_users_ensure()
    first = demo_claims_load(actor=actor, today=TODAY)
    assert first["loaded"] is True

    # Bulukumba 2024 (seeds/003): death benefits Rp1,077,000,000 against Rp890,000,000.
    call_command("claims", "summary", "--region", "73.02", "--year", "2024", "--json")
    bulukumba = json.loads(capsys.readouterr().out)["total"]
    assert bulukumba == {
        "claims_paid": {
            "jkm": 1_008_000_000,  # 24 deaths x Rp42,000,000
            "jkk-death": 0,
            "jkk-accident": 0,
            "scholarship": 69_000_000,
            "total": 1_077_000_000,
        },
        "claims": 24,
        "contributions": {"billed": 890_000_000, "paid": 890_000_000},
        "ratio": "121.0",
    }
    # ... all of it for village institution officials.
    segments = set(
        Claim.objects.filter(region__code__startswith="73.02.").values_list("segment", flat=True)
    )
    assert segments <= {"perangkat_desa", "bpd", "lembaga_desa"}

    # Buol 2024 (seeds/004): one JKM claim, more than 3 years of membership, Rp42 + Rp36 juta.
    call_command("claims", "summary", "--region", "72.05", "--year", "2024", "--json")
    buol = json.loads(capsys.readouterr().out)["total"]
    assert buol["claims_paid"] == {
        "jkm": 42_000_000,
        "jkk-death": 0,
        "jkk-accident": 0,
        "scholarship": 36_000_000,
        "total": 78_000_000,
    }
    assert buol["claims"] == 1
    claim = Claim.objects.get(region__code__startswith="72.05.")
    assert claim.eligibility["contribution_months"] > 36
    assert claim.segment == "perangkat_desa"
    stopped = ScholarshipInstalment.objects.filter(claim=claim, status="stopped")
    assert set(stopped.values_list("stop_reason", flat=True)) == {"working"}
    # The verified death ended the membership on the day of death; a successor fills the post
    # from 1 February 2024, so the report's 87.8% of posts filled on 29 May 2024 still holds.
    claim.membership.refresh_from_db()
    assert (claim.membership.end_date, claim.membership.status) == (D(2024, 1, 15), "ended")
    assert claim.coverage_ended["on"] == "2024-01-15"
    buol = region_stats(user=SYSTEM, region=Region.objects.get(code="72.05"), on=D(2024, 5, 29))
    assert buol["posts"]["perangkat_desa"]["percent"] == Decimal("87.8")

    # Luwu Timur: every status, one of them overdue, one refused.
    lutim = Claim.objects.filter(region_subtree_q("73.24", "region__code"))
    assert set(lutim.values_list("status", flat=True)) == set(ClaimStatus.values)
    overdue = overdue_claims(
        user=SYSTEM, today=TODAY, params=claim_parameters(), region_code="73.24"
    )
    assert [row.claim.status for row in overdue] == ["filed"]
    assert lutim.get(status="rejected").rejection_reason
    due = instalments_due(user=SYSTEM, year=school_year_of(TODAY), region_code="73.24")
    assert len(due) == 1

    # A second load changes nothing.
    count = Claim.objects.count()
    assert demo_claims_load(actor=actor, today=TODAY)["loaded"] is False
    assert Claim.objects.count() == count == 24 + 1 + 7
