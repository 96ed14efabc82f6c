"""``/sasaran/``: the pekerja rentan plan with a form and a table, and its enrolment file.

For admin kabupaten/kota and the Disnaker (``selectors.may_plan``; others 403). The region choice
follows the user's scope (``accounts.access.regions_plannable_by``); a region outside it is a 404.
The page shows counts only; the enrolment file names people and its download is logged by
``selectors.enrolment_export``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cakupan.accounts.planning import planning_form
from cakupan.common.web import XLSX, CakupanRequest, attachment, web_actor
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.errors import RulesError
from cakupan.targeting.forms import PlanForm
from cakupan.targeting.plan import PlanRequest, TargetingPlan, targeting_plan
from cakupan.targeting.selectors import enrolment_export, lists_of, may_plan, plannable_regions
from cakupan.targeting.services import TargetingError


def _plan(request: CakupanRequest) -> tuple[PlanForm, TargetingPlan | None, str]:
    user = request.user
    if not may_plan(user):
        raise PermissionDenied
    today = timezone.localdate()
    form, region = planning_form(
        PlanForm,
        request.GET,
        allowed=plannable_regions(user),
        today=today,
        initial={"per_desa": 100},
    )
    if region is None:
        return form, None, ""
    data = form.cleaned_data
    try:
        plan = targeting_plan(
            region=region,
            request=PlanRequest(
                year=data["year"],
                per_desa=data["per_desa"],
                budget=data["budget"],
                desil_max=data["desil_max"],
                payer=data["payer"],
            ),
            params=active_parameters(),
            today=today,
        )
    except (TargetingError, RulesError) as error:
        return form, None, error.message
    return form, plan, ""


@login_required
def plan_page(request: CakupanRequest) -> HttpResponse:
    form, plan, refusal = _plan(request)
    context: dict[str, Any] = {"form": form, "plan": plan, "refusal": refusal}
    if plan is not None:
        context.update(
            query=request.GET.urlencode(),
            lists=lists_of(plan.region),
            selected_desa=sum(1 for d in plan.desa if d.selected),
            per_desa=plan.request.per_desa,
            left=(plan.request.budget - plan.total_cost) if plan.request.budget else None,
        )
    return render(request, "targeting/plan.html", context)


@login_required
def enrolment_xlsx(request: CakupanRequest) -> HttpResponse:
    _form, plan, _refusal = _plan(request)
    if plan is None:
        raise Http404
    desa = request.GET.get("desa") or None
    if desa is not None and desa not in {d.code for d in plan.desa}:
        raise Http404
    data = enrolment_export(actor=web_actor(request), plan=plan, desa=desa)
    suffix = (desa or plan.region.code).replace(".", "")
    return attachment(data, XLSX, f"pendaftaran-rentan-{suffix}-{plan.request.year}.xlsx")
