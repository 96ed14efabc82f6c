"""``/anggaran/``: next year's contribution budget (APBD and each APBDes) with a chart, and its XLSX.

Signed-in users only. The region choice follows the user's scope (``accounts.access.regions_plannable_by``): a village
operator plans its desa, a kabupaten admin its kabupaten (or a kecamatan of it), a BPJS officer the
kabupaten its branch serves, a superadmin any region. A region outside the scope answers 404. The
plan itself is computed with ``user=request.user``, so ``budget_plan`` only counts the units and
memberships the user may see. Aggregates only: nothing personal is shown, so nothing is logged.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cakupan.accounts import access
from cakupan.accounts.planning import planning_form
from cakupan.billing.budget.forms import BudgetForm
from cakupan.billing.budget.plan import (
    APBD,
    APBDES,
    BudgetError,
    BudgetPlan,
    Targets,
    budget_plan,
)
from cakupan.billing.budget.workbook import budget_workbook
from cakupan.common.labels import SHORT_MONTH_NAMES as MONTH_NAMES
from cakupan.common.money import short_rupiah
from cakupan.common.web import XLSX, CakupanRequest, attachment
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.errors import RulesError
from cakupan.rules.regulations import regulations


def _plan_from_request(request: CakupanRequest) -> tuple[BudgetForm, BudgetPlan | None, str]:
    """The form, the plan when the form was submitted and valid, and a refusal message."""
    user = request.user
    today = timezone.localdate()
    form, region = planning_form(
        BudgetForm, request.GET, allowed=access.regions_plannable_by(user), today=today
    )
    if region is None:
        return form, None, ""
    data = form.cleaned_data
    targets = Targets(
        village_posts=data["village_posts"],
        non_asn=data["non_asn"],
        rentan_per_desa=data["rentan_per_desa"],
        rentan_income=data["rentan_income"],
        continuing=data["continuing"],
        reference_wage=data["reference_wage"],
    )
    try:
        plan = budget_plan(
            user=user,
            region=region,
            year=data["year"],
            targets=targets,
            params=active_parameters(),
            today=today,
        )
    except (BudgetError, RulesError) as error:
        return form, None, error.message
    return form, plan, ""


# The targets a group of people is budgeted under (``Group.source``), in the form's order.
SOURCES = (
    ("formasi", gettext_lazy("Formasi perangkat desa dan BPD")),
    ("non_asn", gettext_lazy("Pegawai non-ASN")),
    ("rentan", gettext_lazy("Pekerja rentan")),
    ("berjalan", gettext_lazy("Peserta lain yang berjalan")),
)
TOP_PAYERS = 10


def _bars(items: list[tuple[str, Decimal]]) -> list[dict[str, Any]]:
    """Rows of a bar list (a ``<progress>`` per row, so the bars and their labels wrap on a phone
    like any text): label, amount, short amount, and the largest amount as the bars' maximum."""
    peak = max((v for _, v in items), default=Decimal(0))
    return [
        {"label": label, "amount": value, "short": short_rupiah(value), "max": peak or 1}
        for label, value in items
    ]


def _by_source(plan: BudgetPlan) -> list[dict[str, Any]]:
    """The year's budget burden and heads per target and budget (APBD, APBDes): who pays for
    what, in one small table, the rentan split between the payers they have and the desa."""
    rows = []
    for source, label in SOURCES:
        cells = {APBD: Decimal(0), APBDES: Decimal(0)}
        heads = {APBD: 0, APBDES: 0}
        for payer in plan.payers:
            for group in payer.groups:
                if group.source == source:
                    cells[payer.budget] += group.total
                    heads[payer.budget] += group.heads
        if heads[APBD] or heads[APBDES]:
            rows.append(
                {
                    "source": source,
                    "label": label,
                    "apbd": cells[APBD],
                    "apbdes": cells[APBDES],
                    "total": cells[APBD] + cells[APBDES],
                    "heads_apbd": heads[APBD],
                    "heads_apbdes": heads[APBDES],
                    "heads": heads[APBD] + heads[APBDES],
                }
            )
    return rows


def _legal_bases(notes: list[str]) -> list[str]:
    """The plan's notes with each regulation named once: "Dasar perhitungan: PP 44/2015",
    "... PP 44/2015 Lampiran" and "... PP 44/2015 Lampiran I" become one line naming its parts."""
    prefix = "Dasar perhitungan: "
    names = sorted(regulations(), key=len, reverse=True)
    bases: dict[str, list[str]] = {}
    others = []
    for note in notes:
        if not note.startswith(prefix):
            others.append(note)
            continue
        for cited in note.removeprefix(prefix).split(";"):
            text = cited.strip()
            name = next((n for n in names if text.startswith(n)), text)
            parts = bases.setdefault(name, [])
            rest = text.removeprefix(name).strip(" ,")
            if rest and rest not in parts:
                parts.append(rest)
    lines = [
        prefix + name + (f" ({', '.join(parts)})" if parts else "")
        for name, parts in sorted(bases.items())
    ]
    return lines + others


def _summary(plan: BudgetPlan) -> list[dict[str, Any]]:
    rows = []
    for budget, label in ((APBD, "APBD"), (APBDES, "APBDes"), (None, _("Jumlah"))):
        total, before = plan.total(budget), plan.billed_before(budget)
        rows.append(
            {"label": label, "total": total, "billed_before": before, "difference": total - before}
        )
    return rows


@login_required
def budget(request: CakupanRequest) -> HttpResponse:
    form, plan, refusal = _plan_from_request(request)
    context: dict[str, Any] = {"form": form, "refusal": refusal, "plan": plan}
    if plan is not None:
        apbd, apbdes = plan.monthly(APBD), plan.monthly(APBDES)
        by_source = _by_source(plan)
        biggest = sorted(plan.payers, key=lambda p: (-p.beban_total, p.name))[:TOP_PAYERS]
        summary = _summary(plan)
        context.update(
            summary=summary,
            total=summary[-1],
            by_source=by_source,
            heads_total=sum(r["heads"] for r in by_source),
            rentan=next((r for r in by_source if r["source"] == "rentan"), None),
            month_names=MONTH_NAMES,
            source_bars=_bars([(str(r["label"]), r["total"]) for r in by_source]),
            payer_bars=_bars([(p.name, p.beban_total) for p in biggest]),
            top_payers=len(biggest),
            chart_rows=[
                {"month": name, "apbd": a, "apbdes": b, "total": a + b}
                for name, a, b in zip(MONTH_NAMES, apbd, apbdes, strict=True)
            ],
            payers=[
                {"payer": p, "difference": p.beban_total - p.billed_before} for p in plan.payers
            ],
            notes=_legal_bases(plan.notes),
            query=request.GET.urlencode(),
        )
    return render(request, "billing/budget.html", context)


@login_required
def budget_xlsx(request: CakupanRequest) -> HttpResponse:
    """The same plan as ``budget`` as an XLSX for drafting the RKA and the APBDes."""
    form, plan, refusal = _plan_from_request(request)
    if plan is None:
        # Without a valid plan there is nothing to download: show the form with its messages.
        return render(request, "billing/budget.html", {"form": form, "refusal": refusal})
    name = f"rencana-anggaran-{plan.region.code}-{plan.year}.xlsx"
    return attachment(budget_workbook(plan), XLSX, name)
