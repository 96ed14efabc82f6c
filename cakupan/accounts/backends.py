"""Password sign-in: Django's, refusing an administrator's one-time code once it has expired."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone


class AccountBackend(ModelBackend):
    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        expires = getattr(user, "reset_code_expires", None)
        return not (
            getattr(user, "must_change_password", False) and expires and expires <= timezone.now()
        )
