"""Privacy pages: the "tampilkan" of masked personal data (the subject report comes later).

Thin: read the form, call one selector, render. The reveal answers only POST (the reason is in the
body, nothing in the URL), and renders the registry's own detail page unmasked for that response.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from cakupan.common.web import CakupanRequest, web_actor
from cakupan.privacy import selectors
from cakupan.privacy.forms import RevealForm
from cakupan.registry import selectors as registry


def _error(form: RevealForm) -> str:
    return str(form.errors["alasan"][0])


@login_required
@require_POST
def person_reveal(request: CakupanRequest, pk: int) -> HttpResponse:
    form = RevealForm(request.POST)
    if not form.is_valid():
        person, memberships = registry.person_detail(actor=web_actor(request), pk=pk)
        context = {
            "person": person,
            "memberships": memberships,
            "masked": True,
            "reveal_error": _error(form),
            "reveal_reason": request.POST.get("alasan", "")[:300],
        }
        return render(request, "registry/person_detail.html", context, status=400)
    person, memberships = selectors.person_reveal(
        actor=web_actor(request), pk=pk, reason=form.cleaned_data["alasan"]
    )
    context = {"person": person, "memberships": memberships, "masked": False, "revealed": True}
    return render(request, "registry/person_detail.html", context)


@login_required
@require_POST
def membership_reveal(request: CakupanRequest, pk: int) -> HttpResponse:
    form = RevealForm(request.POST)
    if not form.is_valid():
        membership = registry.membership_detail(actor=web_actor(request), pk=pk)
        context = {
            "membership": membership,
            "masked": True,
            "reveal_error": _error(form),
            "reveal_reason": request.POST.get("alasan", "")[:300],
        }
        return render(request, "registry/membership_detail.html", context, status=400)
    membership = selectors.membership_reveal(
        actor=web_actor(request), pk=pk, reason=form.cleaned_data["alasan"]
    )
    context = {"membership": membership, "masked": False, "revealed": True}
    return render(request, "registry/membership_detail.html", context)
