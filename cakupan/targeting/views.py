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
from django.utils.translation import gettext as _

from cakupan.accounts import access
from cakupan.common.web import XLSX, CakupanRequest, attachment, web_actor
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.errors import RulesError
from cakupan.targeting.forms import PlanForm
from cakupan.targeting.plan import PlanRequest, TargetingPlan, targeting_plan
from cakupan.targeting.selectors import enrolment_export, lists_of, may_plan, plannable_regions
from cakupan.targeting.services import TargetingError
from cakupan.wilayah.selectors import RegionNotFound, region_get


def _plan(request: CakupanRequest) -> tuple[PlanForm, TargetingPlan | None, str]:
    user = request.user
    if not may_plan(user):
        raise PermissionDenied
    allowed = plannable_regions(user)
    today = timezone.localdate()
    if "year" not in request.GET:
        initial: dict[str, Any] = {"year": today.year + 1, "per_desa": 100}
        wanted = request.GET.get("region", "")
        if allowed:
            codes = [r.code for r in allowed]
            initial["region"] = wanted if wanted in codes else codes[0]
        elif wanted:
            initial["region"] = wanted
        return PlanForm(initial=initial, regions=allowed), None, ""
    form = PlanForm(request.GET, regions=allowed)
    if not form.is_valid():
        return form, None, ""
    data = form.cleaned_data
    try:
        region = region_get(data["region"])
    except RegionNotFound:
        form.add_error("region", _("Kode wilayah tidak dikenal."))
        return form, None, ""
    if not access.region_in_scope(region, allowed):
        raise Http404
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
