"""Budget planner: worked examples computed by hand (PP 44/2015 and PP 45/2015 rates, DOMAIN.md 2.1-2.2)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cakupan.accounts.access import SYSTEM
from cakupan.billing.budget import APBD, APBDES, BudgetError, Targets, budget_plan
from cakupan.billing.budget.workbook import budget_workbook
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import FundingSource, Scheme, Segment, UnitFormation, UnitKind
from cakupan.testing.factories import make_membership, make_unit
from cakupan.wilayah.models import Region, RegionKind

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)
D = Decimal


@pytest.fixture
def desa() -> Region:
    return Region.objects.filter(code__startswith="73.24.04.", kind=RegionKind.DESA).order_by(
        "code"
    )[0]


def _village(desa: Region) -> dict[str, object]:
    """A desa with 3 perangkat posts (2 filled) and 2 BPD posts (1 filled), all paid by the desa."""
    pemdes = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA, name="Pemdes Uji")
    bpd = make_unit(region=desa.code, kind=UnitKind.BPD, name="BPD Uji")
    bpd.payer = pemdes
    bpd.save()
    UnitFormation.objects.create(
        unit=pemdes, segment=Segment.PERANGKAT_DESA, posts=3, valid_from=dt.date(2022, 1, 1)
    )
    UnitFormation.objects.create(
        unit=bpd, segment=Segment.BPD, posts=2, valid_from=dt.date(2022, 1, 1)
    )
    for wage in (2_000_000, 3_000_000):
        make_membership(
            unit=pemdes,
            segment=Segment.PERANGKAT_DESA,
            wage=D(wage),
            funding_source=FundingSource.APBDES_ADD,
        )
    make_membership(
        unit=bpd, segment=Segment.BPD, wage=D(1_000_000), funding_source=FundingSource.APBDES_ADD
    )
    return {"pemdes": pemdes, "bpd": bpd}


def test_village_posts_filled_and_vacant(desa: Region) -> None:
    units = _village(desa)
    plan = budget_plan(
        user=SYSTEM,
        region=desa,
        year=2027,
        targets=Targets(non_asn=False, continuing=False),
        params=active_parameters(),
        today=TODAY,
    )
    # JKK class I 0.24% + JKM 0.30% a month per person:
    #   2,000,000 -> 4,800 + 6,000 = 10,800;  3,000,000 -> 7,200 + 9,000 = 16,200
    #   vacant perangkat post at the unit's average 2,500,000 -> 6,000 + 7,500 = 13,500
    #   BPD 1,000,000 (holder and the vacant post at the same wage) -> 2 x 5,400 = 10,800
    assert [p.key for p in plan.payers] == [units["pemdes"].code]  # type: ignore[attr-defined]
    payer = plan.payers[0]
    assert payer.budget == APBDES
    assert payer.heads == 5
    assert payer.beban == [D(51_300)] * 12
    assert plan.total(APBDES) == D(615_600)
    assert plan.total(APBD) == D(0)
    assert plan.reference_date == TODAY  # the year before the plan year has not ended yet
    assert payer.billed_before == D(0)


def test_rentan_per_desa_counts_those_already_registered(desa: Region) -> None:
    group = make_unit(region=desa.code, kind=UnitKind.KELOMPOK_RENTAN, name="Kelompok Nelayan")
    pemdes = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA, name="Pemdes Uji")
    group.payer = pemdes
    group.save()
    make_membership(
        unit=group,
        segment=Segment.PEKERJA_RENTAN,
        scheme=Scheme.BPU,
        risk_class=None,
        wage=D(1_000_000),
        funding_source=FundingSource.APBDES_ADD,
    )
    plan = budget_plan(
        user=SYSTEM,
        region=desa,
        year=2027,
        targets=Targets(village_posts=False, non_asn=False, continuing=False, rentan_per_desa=3),
        params=active_parameters(),
        today=TODAY,
    )
    # BPU minimum package for Rp1,000,000 declared income: JKK 10,000 + JKM 6,800 = 16,800 a
    # month (DOMAIN.md 3); 1 registered + 2 more = 3 people -> 50,400 a month, 604,800 a year.
    assert len(plan.payers) == 1
    assert plan.payers[0].key == pemdes.code
    assert plan.payers[0].heads == 3
    assert plan.payers[0].beban == [D(50_400)] * 12
    assert plan.total() == D(604_800)


def test_rentan_in_a_desa_without_a_unit_is_budgeted_for_that_desa(desa: Region) -> None:
    plan = budget_plan(
        user=SYSTEM,
        region=desa,
        year=2027,
        targets=Targets(village_posts=False, non_asn=False, continuing=False, rentan_per_desa=100),
        params=active_parameters(),
        today=TODAY,
    )
    assert [(p.key, p.budget, p.heads) for p in plan.payers] == [(f"desa:{desa.code}", APBDES, 100)]
    assert plan.total() == D(100 * 16_800 * 12)


def test_non_asn_with_jht_and_jp_follows_the_march_jp_cap() -> None:
    opd = make_unit(region="73.24", kind=UnitKind.OPD, name="Dinas Uji")
    make_membership(
        unit=opd,
        segment=Segment.NON_ASN,
        wage=D(12_000_000),
        programmes=["jkk", "jkm", "jht", "jp"],
    )
    plan = budget_plan(
        user=SYSTEM,
        region=Region.objects.get(code="73.24"),
        year=2026,
        targets=Targets(village_posts=False, continuing=False),
        params=active_parameters(),
        today=TODAY,
    )
    # Employer: JKK 0.24% 28,800 + JKM 0.30% 36,000 + JHT 3.7% 444,000 + JP 2% of the cap:
    #   Jan-Feb cap 10,547,400 -> 210,948 (719,748 in all); Mar-Dec cap 11,086,300 -> 221,726
    #   (730,526). Worker: JHT 2% 240,000 + JP 1% 105,474 / 110,863.
    payer = plan.payers[0]
    assert payer.budget == APBD
    assert payer.beban == [D(719_748)] * 2 + [D(730_526)] * 10
    assert payer.worker == [D(345_474)] * 2 + [D(350_863)] * 10
    assert plan.total(APBD) == D(8_744_756)
    assert plan.reference_date == dt.date(2025, 12, 31)


def test_vacant_posts_without_any_wage_need_a_reference_wage(desa: Region) -> None:
    pemdes = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA, name="Pemdes Kosong")
    UnitFormation.objects.create(
        unit=pemdes, segment=Segment.PERANGKAT_DESA, posts=4, valid_from=dt.date(2022, 1, 1)
    )
    with pytest.raises(BudgetError) as err:
        budget_plan(
            user=SYSTEM,
            region=desa,
            year=2027,
            targets=Targets(non_asn=False, continuing=False),
            params=active_parameters(),
            today=TODAY,
        )
    assert err.value.code == "reference_wage_required"
    plan = budget_plan(
        user=SYSTEM,
        region=desa,
        year=2027,
        targets=Targets(non_asn=False, continuing=False, reference_wage=D(3_434_298)),
        params=active_parameters(),
        today=TODAY,
    )
    # 0.24% x 3,434,298 = 8,242.3 -> 8,242; 0.30% -> 10,302.9 -> 10,303; 4 posts -> 74,180 a month
    assert plan.payers[0].beban == [D(74_180)] * 12


def test_cli_json_and_xlsx(desa: Region, tmp_path: Path) -> None:
    _village(desa)
    out = io.StringIO()
    target = tmp_path / "rencana.xlsx"
    call_command(
        "budget",
        "plan",
        "--region",
        desa.code,
        "--year",
        "2027",
        "--rentan-per-desa",
        "2",
        "--xlsx",
        str(target),
        "--json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    # 51,300 (posts) + 2 x 16,800 (rentan) = 84,900 a month.
    assert data["totals"] == {
        "apbd": 0,
        "apbdes": 1_018_800,
        "all": 1_018_800,
        "billed_before": {"apbd": 0, "apbdes": 0, "all": 0},
    }
    assert data["monthly"]["apbdes"] == [84_900] * 12
    assert data["payers"][0]["heads"] == 7
    wb = openpyxl.load_workbook(target)
    assert wb.sheetnames == ["Ringkasan", "Rincian", "Catatan"]
    detail = list(wb["Rincian"].iter_rows(min_row=2, values_only=True))
    assert sum(row[7] for row in detail) == 1_018_800
    assert any(row[4] == "2 orang x 12 bulan" for row in detail)


def test_cli_usage_errors() -> None:
    with pytest.raises(CommandError) as err:
        call_command("budget", "plan", "--region", "99.99", "--year", "2027")
    assert err.value.returncode == 2
    with pytest.raises(CommandError) as err:
        call_command("budget", "plan", "--region", "73.24", "--year", "1999")
    assert err.value.returncode == 2


def test_workbook_escapes_names(desa: Region) -> None:
    pemdes = make_unit(region=desa.code, kind=UnitKind.PEMERINTAH_DESA, name="=HYPERLINK(1)")
    UnitFormation.objects.create(
        unit=pemdes, segment=Segment.PERANGKAT_DESA, posts=1, valid_from=dt.date(2022, 1, 1)
    )
    plan = budget_plan(
        user=SYSTEM,
        region=desa,
        year=2027,
        targets=Targets(non_asn=False, continuing=False, reference_wage=D(2_000_000)),
        params=active_parameters(),
        today=TODAY,
    )
    wb = openpyxl.load_workbook(io.BytesIO(budget_workbook(plan)))
    names = [row[2] for row in wb["Ringkasan"].iter_rows(min_row=4, max_row=4, values_only=True)]
    assert names == ["'=HYPERLINK(1)"]
