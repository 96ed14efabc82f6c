"""Public pages: the contribution and benefit calculators and the table of regulation parameters.

No login: anyone may check what the regulation gives (issue 4, section 6). The forms are GET forms,
so a result is a link that can be shared; they carry no personal data (no name, no NIK) and
nothing is stored or logged. Bad input is answered with the form again (status 200) and the
Indonesian message of the form or of the rules engine (``RulesError``), never with an error page.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.models import Role
from cakupan.common.dates import month_end
from cakupan.parameters.display import LEVEL_NAMES, flag_notes, format_value, legal_basis
from cakupan.parameters.forms import (
    BENEFIT_LABELS,
    BenefitForm,
    ContributionForm,
    ParameterFilterForm,
)
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import Programme
from cakupan.rules.benefits import BenefitInput, calculate_benefit
from cakupan.rules.contribution import ContributionInput, calculate_contribution
from cakupan.rules.errors import RulesError
from cakupan.rules.params import KEYS, Entry
from cakupan.rules.regulations import regulations
from cakupan.rules.text import format_percent

CONFIDENCE_LABELS = {"H": _("tinggi"), "M": _("sedang"), "L": _("rendah")}
PROGRAMME_LABELS = dict(Programme.choices)


def _submitted(request: HttpRequest, form_class: type[Any]) -> bool:
    """A GET form counts as submitted when any of its fields is in the query string."""
    return any(name in request.GET for name in form_class.base_fields)


def contribution(request: HttpRequest) -> HttpResponse:
    """``/kalkulator/``: one person's contribution for one month."""
    today = timezone.localdate()
    context: dict[str, Any] = {}
    if _submitted(request, ContributionForm):
        form = ContributionForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = calculate_contribution(
                    ContributionInput(
                        scheme=data["scheme"],
                        month=data["month"],
                        wage=data["wage"],
                        programmes=frozenset(data["programmes"]),
                        risk_class=int(data["risk_class"]) if data["scheme"] == "pu" else None,
                        birth_date=data["birth_date"],
                    ),
                    active_parameters(),
                )
            except RulesError as error:
                context["rules_error"] = error.message
            else:
                context.update(
                    result=result,
                    rows=[
                        {
                            "line": line,
                            "label": PROGRAMME_LABELS.get(line.programme, line.programme),
                            "rate": format_percent(line.rate) if line.rate is not None else None,
                        }
                        for line in result.lines
                    ],
                    explanation=[text for line in result.lines for text in line.explanation],
                    notes=flag_notes(result.notes),
                    parameters_on=month_end(result.month),
                )
    else:
        form = ContributionForm(initial={"month": today.replace(day=1)})
    context["form"] = form
    return render(request, "parameters/contribution.html", context)


def benefit(request: HttpRequest) -> HttpResponse:
    """``/kalkulator/manfaat/``: the cash benefit of one event, with the scholarship schedule."""
    context: dict[str, Any] = {}
    if _submitted(request, BenefitForm):
        form = BenefitForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = calculate_benefit(
                    BenefitInput(
                        type=data["type"],
                        event_date=data["event_date"],
                        membership_start=data["membership_start"],
                        wage=data["wage"],
                        percent=data["percent"],
                        days=data["days"],
                        children=form.children(),
                    ),
                    active_parameters(),
                )
            except RulesError as error:
                context["rules_error"] = error.message
            else:
                context.update(
                    result=result,
                    type_label=BENEFIT_LABELS[result.type],
                    schedule=_schedule(result.schedule),
                    notes=flag_notes(result.notes),
                    parameters_on=data["event_date"],
                )
    else:
        form = BenefitForm(initial={"event_date": timezone.localdate()})
    context["form"] = form
    return render(request, "parameters/benefit.html", context)


def _schedule(rows: Any) -> list[dict[str, Any]]:
    """The scholarship schedule grouped by child: years, level names and the child's total."""
    out = []
    for child, items in groupby(rows, key=lambda r: r.child):
        years = [
            {"year": r.year, "level": LEVEL_NAMES.get(r.level, r.level), "amount": r.amount}
            for r in items
        ]
        out.append({"child": child, "years": years, "total": sum(y["amount"] for y in years)})
    return out


def _groups(entries: list[Entry], *, today: dt.date) -> list[dict[str, Any]]:
    """Entries by key, in the order of ``KEYS`` (PU rates, BPU, relief, JKP, benefits)."""
    order = {key: i for i, key in enumerate(KEYS)}
    entries = sorted(entries, key=lambda e: (order[e.key], e.valid_from))
    groups = []
    for key, items in groupby(entries, key=lambda e: e.key):
        groups.append(
            {
                "key": key,
                "anchor": "p-" + key.replace(".", "-").replace("_", "-"),
                "label": KEYS[key].label,
                "entries": [
                    {
                        "entry": e,
                        "value": format_value(e),
                        "laws": legal_basis(e),
                        "confidence": CONFIDENCE_LABELS.get(e.confidence, e.confidence),
                        "current": e.covers(today),
                    }
                    for e in items
                ],
            }
        )
    return groups


def parameters(request: HttpRequest) -> HttpResponse:
    """``/kalkulator/parameter/``: every parameter value with its period and legal basis (the
    regulation, its article and its date). The research sources behind each value are not shown
    here: administrators read them on :func:`parameter_sources`."""
    form = ParameterFilterForm(request.GET or None)
    on: dt.date | None = None
    status = ""
    show_keys = False
    if form.is_bound and form.is_valid():
        on = form.cleaned_data["on"]
        status = form.cleaned_data["status"]
        show_keys = form.cleaned_data["kode"]
    entries = list(active_parameters().entries())
    all_count = len(entries)
    if on is not None:
        entries = [e for e in entries if e.covers(on)]
    if status == "unverified":
        entries = [e for e in entries if not e.verified and not e.overridden]
    elif status == "overridden":
        entries = [e for e in entries if e.overridden]
    user = getattr(request, "user", None)
    context = {
        "form": form,
        "groups": _groups(entries, today=timezone.localdate()),
        "on": on,
        "status": status,
        "show_keys": show_keys,
        "shown": len(entries),
        "all_count": all_count,
        "unverified_count": sum(1 for e in entries if not e.verified and not e.overridden),
        "overridden_count": sum(1 for e in entries if e.overridden),
        "may_see_sources": _may_see_sources(user),
    }
    return render(request, "parameters/parameters.html", context)


def _may_see_sources(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "role", None) == Role.SUPERADMIN
    )


@login_required
def parameter_sources(request: HttpRequest) -> HttpResponse:
    """``/kalkulator/parameter/sumber/``: the provenance of every value and regulation date (the
    research notes, news pages and code the values were taken from), for superadmins; 404 for
    everyone else, like any page outside a user's scope."""
    if not _may_see_sources(request.user):
        raise Http404
    entries = list(active_parameters().entries())
    context = {
        "groups": _groups(entries, today=timezone.localdate()),
        "regulations": sorted(regulations().values(), key=lambda r: r.name),
    }
    return render(request, "parameters/sources.html", context)
