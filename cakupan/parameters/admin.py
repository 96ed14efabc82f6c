"""Django admin (superadmins only): overrides of unverified regulation parameters.

Saving goes through :func:`cakupan.parameters.services.parameter_override_set`, so the rules engine
checks the value and the change is audited; rows are never edited or deleted, only withdrawn.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source
from cakupan.common.errors import DomainError
from cakupan.parameters.models import ParameterOverride
from cakupan.parameters.selectors import active_parameters
from cakupan.parameters.services import parameter_override_set, parameter_override_withdraw
from cakupan.rules.errors import RulesError
from cakupan.rules.params import KEYS, Override


class ParameterOverrideForm(forms.ModelForm):
    key = forms.ChoiceField(
        label=_("Parameter"), choices=[(k, f"{k}: {spec.label}") for k, spec in KEYS.items()]
    )

    class Meta:
        model = ParameterOverride
        fields = ["key", "value", "valid_from", "valid_to", "note"]
        help_texts = {
            "value": _(
                'Tulis seperti di berkas data: angka (10000), pecahan sebagai teks ("0.0024"), '
                'tanggal sebagai teks ("2019-12-02"), atau daftar untuk tabel.'
            ),
            "note": _(
                "Nomor dan tanggal regulasi atau surat BPJS Ketenagakerjaan yang menjadi dasar."
            ),
        }


@admin.register(ParameterOverride)
class ParameterOverrideAdmin(admin.ModelAdmin):
    form = ParameterOverrideForm
    list_display = ("key", "value", "valid_from", "valid_to", "set_by", "set_at", "withdrawn_at")
    list_filter = ("key",)
    actions = ["withdraw"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        try:
            saved = parameter_override_set(
                actor=Actor(user=request.user, source=Source.WEB),  # type: ignore[arg-type]
                key=data["key"],
                value=data["value"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                note=data["note"],
            )
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        obj.pk = saved.pk

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kw)

        class Checked(form):  # type: ignore[misc, valid-type]
            def clean(self) -> dict[str, Any]:
                data = super().clean()
                if self.errors:
                    return data
                try:
                    active_parameters().with_overrides(
                        [
                            Override(
                                key=data["key"],
                                value=data["value"],
                                valid_from=data["valid_from"],
                                valid_to=data.get("valid_to"),
                                note=data.get("note", ""),
                                set_by=request.user.get_username(),
                            )
                        ]
                    )
                except RulesError as exc:
                    raise ValidationError(exc.message) from None
                return data

        return Checked

    @admin.action(description=_("Cabut perubahan terpilih (nilai berkas data berlaku lagi)"))
    def withdraw(self, request: HttpRequest, queryset: QuerySet[ParameterOverride]) -> None:
        actor = Actor(user=request.user, source=Source.WEB)  # type: ignore[arg-type]
        for row in queryset:
            parameter_override_withdraw(actor=actor, override=row)
        messages.success(request, _("Perubahan dicabut."))
