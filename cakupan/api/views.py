"""The web page of API tokens (``/akun/token-api/``): a user makes and revokes their own; an
administrator also revokes the tokens of the accounts it manages. Thin: the form, one service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cakupan.api import selectors, services
from cakupan.api.forms import TokenForm
from cakupan.common.web import CakupanRequest, web_actor


@login_required
@never_cache
def token_list(request: CakupanRequest) -> HttpResponse:
    """The user's tokens and those they may revoke; the form that makes one (POST)."""
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.token_create(
                actor=web_actor(request),
                user=request.user,
                name=form.cleaned_data["name"],
                expires_days=form.cleaned_data["expires_days"],
                read_only=form.cleaned_data["read_only"],
            )
        except services.TokenInvalid as error:
            form.add_error(None, error.message)
        else:
            # Shown on this answer only: the token is stored as a hash and cannot be shown again.
            return render(request, "api/token_created.html", {"issued": issued})
    tokens = list(selectors.tokens_visible_to(request.user))
    return render(
        request,
        "api/token_list.html",
        {
            "form": form,
            "own": [t for t in tokens if t.user_id == request.user.pk],
            "others": [t for t in tokens if t.user_id != request.user.pk],
        },
    )


@login_required
@require_POST
def token_revoke(request: CakupanRequest, pk: int) -> HttpResponse:
    token = selectors.token_get_for(request.user, pk)
    services.token_revoke(actor=web_actor(request), token=token)
    messages.success(request, _("Token %(name)s dicabut.") % {"name": token.name})
    return redirect("api_tokens:list")
