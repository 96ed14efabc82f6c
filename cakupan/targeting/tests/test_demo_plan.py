"""Issue 12's targeting figures on the demo: the Done-when of ``cakupan targeting plan``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import Q

from cakupan.accounts.access import SYSTEM
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import Membership
from cakupan.registry.selectors import memberships_visible_to
from cakupan.rules.contribution import apply_rate_row, month_rates
from cakupan.targeting.models import Candidate, CandidateList
from cakupan.targeting.plan import COVERING_STATUSES, PlanRequest, targeting_plan
from cakupan.wilayah.models import Region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_world")]

YEAR = 2027
NEW_YEAR = dt.date(YEAR, 1, 1)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    call_command("targeting", *args, "--json")
    return json.loads(capsys.readouterr().out)


def bpu_jkk_jkm_year() -> Decimal:
    """The year's BPU JKK + JKM on the minimum income, straight from each month's rate table."""
    params = active_parameters()
    total = Decimal(0)
    for month in range(1, 13):
        rates = month_rates(dt.date(YEAR, month, 1), params)
        for programme in ("jkk", "jkm"):
            employer, worker = apply_rate_row(rates.row("bpu", programme), Decimal(1_000_000))
            total += employer + worker
    return total


def age(born: dt.date) -> int:
    return YEAR - born.year - ((born.month, born.day) > (1, 1))


def test_demo_list() -> None:
    listed = CandidateList.objects.get(region_id="73.24", is_current=True)
    assert listed.rejected == 0
    assert listed.accepted == listed.rows
    desil = set(Candidate.objects.values_list("desil", flat=True))
    assert desil == {1, 2, 3, 4}
    # The kabupaten's protected pekerja rentan are on it.
    covered = Candidate.objects.filter(
        nik__in=Membership.objects.filter(segment="pekerja_rentan").values("person__nik")
    )
    assert covered.count() == 1665


def test_plan_100_per_desa(capsys: pytest.CaptureFixture[str]) -> None:
    plan = run(capsys, "plan", "--region", "73.24", "--year", str(YEAR), "--per-desa", "100")
    per_year = bpu_jkk_jkm_year()
    assert per_year == 201_600  # Rp16.800 a month
    assert plan["price"]["person_year"] == per_year
    selected = plan["total"]["selected"]
    assert plan["total"]["cost"] == selected * per_year
    assert max(d["selected"] for d in plan["desa"]) == 100
    short = [d for d in plan["desa"] if d["selected"] < 100]
    # Five small desa fall short; every other desa and kelurahan has its 100.
    assert len(short) == plan["total"]["desa_short"] == 5
    assert all(d["selected"] == d["eligible"] for d in short)
    assert selected == 100 * (len(plan["desa"]) - 5) + sum(d["selected"] for d in short)
    assert plan["excluded"]["covered"] == 1665
    assert sum(p["amount"] for p in plan["payers"]) == plan["total"]["cost"]

    # The same plan's people: 18-65 on 1 January, none already covered.
    same = targeting_plan(
        region=Region.objects.get(code="73.24"),
        request=PlanRequest(year=YEAR, per_desa=100),
        params=active_parameters(),
        today=dt.date(2026, 12, 5),
    )
    assert same.total_selected == selected
    people = Candidate.objects.filter(pk__in=same.selected)
    assert all(18 <= age(born) <= 65 for born in people.values_list("birth_date", flat=True))
    covered = (
        memberships_visible_to(SYSTEM)
        .filter(person__nik__in=people.values("nik"), status__in=COVERING_STATUSES)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=NEW_YEAR))
    )
    assert not covered.exists()


def test_plan_within_budget(capsys: pytest.CaptureFixture[str]) -> None:
    budget = 1_500_000_000
    plan = run(
        capsys,
        "plan",
        "--region",
        "73.24",
        "--year",
        str(YEAR),
        "--per-desa",
        "100",
        "--budget",
        str(budget),
    )
    assert plan["total"]["cost"] <= budget
    assert plan["total"]["cost"] == plan["total"]["selected"] * 201_600
    funded = plan["budget"]["funded_per_desa"]
    assert 0 < funded < 100
    assert {d["selected"] for d in plan["desa"] if d["eligible"] > funded} <= {funded, funded + 1}
    assert plan["budget"]["left"] == budget - plan["total"]["cost"]
    assert plan["budget"]["left"] < 201_600


def test_plan_page_and_enrolment_download() -> None:
    from django.test import Client

    from cakupan.accounts.models import AuditEvent, User
    from cakupan.registry.models import Unit
    from cakupan.testing.factories import make_user

    client = Client()
    client.force_login(User.objects.get(username="admin.lutim"))
    query = "region=73.24&year=2027&per_desa=100&payer=apbdes"
    page = client.get(f"/sasaran/?{query}")
    assert page.status_code == 200
    html = page.content.decode()
    plan = targeting_plan(
        region=Region.objects.get(code="73.24"),
        request=PlanRequest(year=YEAR, per_desa=100),
        params=active_parameters(),
        today=dt.date(2026, 12, 5),
    )
    total = f"{plan.total_selected:,}".replace(",", ".")
    assert f'<td class="num">{total}</td>' in html
    assert "Rp201.600" in html
    assert "dtsen-luwu-timur-2026-demo.csv" in html
    # No names on the page: counts only.
    first = Candidate.objects.get(pk=plan.selected[0])
    assert first.name not in html and first.nik not in html

    response = client.get(f"/sasaran/pendaftaran.xlsx?{query}")
    assert response.status_code == 200
    export = AuditEvent.objects.filter(entity="targeting.candidate", action="export").latest("id")
    assert export.after is not None and len(export.after["shown"]) == plan.total_selected
    desa = plan.desa[0].code
    assert client.get(f"/sasaran/pendaftaran.xlsx?{query}&desa={desa}").status_code == 200

    # The Disnaker's operator may plan too; a camat, the bupati and another kabupaten may not.
    disnaker = make_user(role="operator_opd", unit=Unit.objects.get(code="7324-DISNAKERTRANS"))
    client.force_login(disnaker)
    assert client.get(f"/sasaran/?{query}").status_code == 200
    for username, status in (
        ("camat.malili", 403),
        ("bupati.lutim", 403),
        ("admin.bulukumba", 404),
    ):
        client.force_login(User.objects.get(username=username))
        assert client.get(f"/sasaran/?{query}").status_code == status, username
