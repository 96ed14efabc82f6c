"""Password sign-in: Django's, refusing an administrator's one-time code once it has expired.

Also the user of every signed-in request (``get_user``): read with its region in the same query, since
the page header shows it and region-scoped selectors read it. Not the unit and branch office too:
joining five tables costs more to plan on every request (the favicon included) than the one extra
query saves on the pages of the roles that have them (``python -m cakupan.bench pages``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
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

    def get_user(self, user_id: Any) -> Any:
        """The signed-in user (None when gone or no longer allowed), its region joined."""
        model = get_user_model()
        try:
            user = model._default_manager.select_related("region").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
