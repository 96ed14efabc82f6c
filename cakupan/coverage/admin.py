"""Django admin for denominators and participant counts (superadmins only, see ``accounts.admin``).

Every add, change and deletion is written to the audit log with the changed fields, as in the
registry's admin; these are not personal data, so opening a page is not logged.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from cakupan.accounts.audit import Actor, diff, record_change, snapshot
from cakupan.accounts.models import Action, Source
from cakupan.coverage.models import Denominator, ParticipantCount


class _AuditedAdmin(admin.ModelAdmin):
    def _actor(self, request: HttpRequest) -> Actor:
        return Actor(user=request.user, source=Source.WEB)  # type: ignore[arg-type]

    def _fields(self) -> tuple[str, ...]:
        return self.model.AUDITED_FIELDS

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = snapshot(type(obj).objects.get(pk=obj.pk), self._fields()) if change else None
        super().save_model(request, obj, form, change)
        after = snapshot(obj, self._fields())
        if before is None:
            record_change(
                actor=self._actor(request),
                action=Action.CREATE,
                instance=obj,
                before=None,
                after=after,
                note="admin",
            )
            return
        old, new = diff(before, after)
        if new:
            record_change(
                actor=self._actor(request),
                action=Action.UPDATE,
                instance=obj,
                before=old,
                after=new,
                note="admin",
            )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_change(
            actor=self._actor(request),
            action=Action.DELETE,
            instance=obj,
            before=snapshot(obj, self._fields()),
            after=None,
            note="admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Denominator)
class DenominatorAdmin(_AuditedAdmin):
    list_display = ("region", "kind", "valid_from", "value", "source")
    list_filter = ("kind",)
    search_fields = ("region__code", "region__name", "source")
    autocomplete_fields = ("region",)
    date_hierarchy = "valid_from"
    readonly_fields = ("updated_at",)


@admin.register(ParticipantCount)
class ParticipantCountAdmin(_AuditedAdmin):
    list_display = ("region", "as_of", "pu", "bpu", "construction", "source")
    search_fields = ("region__code", "region__name", "source")
    autocomplete_fields = ("region",)
    date_hierarchy = "as_of"
    readonly_fields = ("updated_at",)
