"""Reading API tokens: a user's own, and those an administrator may revoke."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from cakupan.accounts.models import User
from cakupan.accounts.selectors import users_managed_by
from cakupan.api.models import ApiToken


def tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """Tokens ``user`` may see and revoke: their own, and those of the accounts they manage
    (``accounts.selectors.users_managed_by``: a superadmin all, an admin kabupaten its operators)."""
    managed = users_managed_by(user).values("pk")
    return (
        ApiToken.objects.select_related("user", "created_by", "revoked_by")
        .filter(Q(user=user) | Q(user__in=managed))
        .order_by("-created_at", "-id")
    )


def token_get_for(user: User, pk: Any) -> ApiToken:
    """One token ``user`` may revoke; 404 for any other (out of scope, unknown, malformed)."""
    try:
        return tokens_visible_to(user).get(pk=pk)
    except (ApiToken.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def token_list(*, username: str | None = None) -> QuerySet[ApiToken]:
    """Every token (the CLI), or one user's."""
    qs = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    return qs.filter(user__username=username) if username else qs
