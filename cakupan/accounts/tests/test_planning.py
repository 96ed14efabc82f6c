"""The planning pages' region and year (``accounts.planning``), shared by the budget planner and
the pekerja rentan plan: the start values, an unknown code, a region outside the scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404, QueryDict

from cakupan.accounts.planning import RegionYearForm, planning_form
from cakupan.billing.budget.forms import BudgetForm
from cakupan.targeting.forms import PlanForm
from cakupan.wilayah.models import Region

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 5)


def _allowed() -> list[Region]:
    return list(Region.objects.filter(code__in=["73.24", "73.24.04"]).order_by("code"))


def test_before_submitting_the_form_starts_at_next_year_and_the_region_asked_for() -> None:
    allowed = _allowed()
    form, region = planning_form(
        RegionYearForm, QueryDict("region=73.24.04"), allowed=allowed, today=TODAY
    )
    assert region is None and not form.is_bound
    assert form.initial == {"year": 2027, "region": "73.24.04"}
    # A region the user may not plan is not offered: the first one is.
    form, _ = planning_form(RegionYearForm, QueryDict("region=74.05"), allowed=allowed, today=TODAY)
    assert form.initial["region"] == "73.24"
    # A superadmin (any region) types a code; the page's own start values are added.
    form, _ = planning_form(
        PlanForm, QueryDict("region=74.05"), allowed=None, today=TODAY, initial={"per_desa": 100}
    )
    assert form.initial == {"year": 2027, "per_desa": 100, "region": "74.05"}
    assert form.fields["region"].help_text.startswith("Kode wilayah Kemendagri")


def test_a_submitted_form_gives_its_region_or_says_why_not() -> None:
    allowed = _allowed()
    _, region = planning_form(
        BudgetForm, QueryDict("region=73.24.04&year=2027"), allowed=allowed, today=TODAY
    )
    assert region is not None and region.code == "73.24.04"
    form, region = planning_form(
        RegionYearForm, QueryDict("region=99.99&year=2027"), allowed=None, today=TODAY
    )
    assert region is None
    assert form.errors == {"region": ["Kode wilayah tidak dikenal."]}
    with pytest.raises(Http404):
        planning_form(
            RegionYearForm, QueryDict("region=74.05&year=2027"), allowed=allowed, today=TODAY
        )


def test_each_planner_names_its_year() -> None:
    budget = BudgetForm({"region": "73.24"}, regions=_allowed())
    plan = PlanForm({"region": "73.24"}, regions=_allowed())
    assert (budget.fields["year"].label, plan.fields["year"].label) == ("Tahun anggaran", "Tahun")
    assert budget.errors["year"] == ["Isi tahun anggaran."]
    assert plan.errors["year"] == ["Isi tahun."]
    assert list(budget.fields)[:2] == list(plan.fields)[:2] == ["region", "year"]
