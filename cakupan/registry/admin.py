"""Django admin for the registry (superadmins only, see ``accounts.admin``).

Every addition, change and deletion made here (people, memberships, and the units, formations,
branch offices and agreements that decide who may see what) goes through
``registry.services.admin_save`` / ``admin_delete`` / ``admin_relations_changed``, which write it to
the audit log with the changed fields, and opening a change page is logged as a view
(``registry.selectors.admin_view_record``), like the registry pages. This module writes no audit
row itself. The forms repeat the checks the services make (NIK against sex and birth date, JKK/JKM
minimum, no overlapping membership) so that an admin gets a readable message instead of a database
error.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.admin import admin_actor
from cakupan.common.nik import parse_nik
from cakupan.registry import selectors, services
from cakupan.registry.models import (
    BranchOffice,
    CooperationAgreement,
    Membership,
    Occupation,
    Person,
    Programme,
    Scheme,
    Unit,
    UnitFormation,
)
from cakupan.wilayah.models import RegionKind
from cakupan.wilayah.selectors import region_names


class ChoiceArrayMixin:
    """Array columns whose items have choices (segments, programmes) as checkboxes, not CSV text."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> Any:
        if isinstance(db_field, ArrayField) and db_field.base_field.choices:
            return forms.TypedMultipleChoiceField(
                choices=db_field.base_field.choices,
                widget=forms.CheckboxSelectMultiple,
                required=not db_field.blank,
                label=db_field.verbose_name,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes through ``registry.services`` (which audit them); logs opened change pages."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        services.admin_save(actor=admin_actor(request), instance=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.admin_delete(actor=admin_actor(request), instances=[obj])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        services.admin_delete(actor=admin_actor(request), instances=list(queryset))

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        """No "history" (created/updated) fieldset on the add page: there is nothing to show yet."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None:
            return fieldsets
        return [
            (name, opts) for name, opts in fieldsets if "created_at" not in opts.get("fields", ())
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            selectors.admin_view_record(actor=admin_actor(request), model=self.model, pk=object_id)
        return response


class PersonAdminForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ("nik", "name", "sex", "birth_date", "domicile", "phone", "kk_number")

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        nik = cleaned.get("nik")
        if nik:
            result = parse_nik(
                nik,
                sex=cleaned.get("sex"),
                birth_date=cleaned.get("birth_date"),
                region_names=region_names,
            )
            if result.errors:
                self.add_error("nik", [issue.message for issue in result.errors])
            else:
                cleaned["nik"] = result.nik
        domicile = cleaned.get("domicile")
        if domicile is not None and domicile.kind not in (RegionKind.DESA, RegionKind.KELURAHAN):
            self.add_error("domicile", _("Domisili harus desa atau kelurahan."))
        kk = cleaned.get("kk_number")
        if kk and not (kk.isdigit() and len(kk) == 16):
            self.add_error("kk_number", _("Nomor KK harus 16 digit angka."))
        return cleaned


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    form = PersonAdminForm
    list_display = ("name", "masked_nik", "sex", "birth_date", "domicile")
    list_filter = ("sex",)
    search_fields = ("^nik", "name")
    autocomplete_fields = ("domicile",)
    list_select_related = ("domicile",)
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("nik", "name", "sex", "birth_date")}),
        (_("Alamat dan kontak"), {"fields": ("domicile", "phone", "kk_number")}),
        (_("Riwayat"), {"fields": ("created_at", "updated_at")}),
    )

    @admin.display(description=_("NIK"), ordering="nik")
    def masked_nik(self, obj: Person) -> str:
        return obj.masked_nik


class MembershipAdminForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = Membership.AUDITED_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        chosen = set(cleaned.get("programmes") or ())
        if "programmes" in cleaned and not {Programme.JKK, Programme.JKM} <= chosen:
            self.add_error("programmes", _("Program JKK dan JKM wajib diikuti."))
        if cleaned.get("scheme") == Scheme.BPU and {Programme.JP, Programme.JKP} & chosen:
            self.add_error("programmes", _("Peserta BPU tidak dapat mengikuti JP atau JKP."))
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("Tanggal berakhir tidak boleh sebelum tanggal mulai."))
        person, unit, segment = cleaned.get("person"), cleaned.get("unit"), cleaned.get("segment")
        if person and unit and segment and start and not self.errors:
            clash = Membership.objects.filter(person=person, unit=unit, segment=segment).filter(
                Q(end_date__isnull=True) | Q(end_date__gte=start)
            )
            if end is not None:
                clash = clash.filter(start_date__lte=end)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            other = clash.order_by("start_date").first()
            if other is not None:
                self.add_error(
                    None,
                    _(
                        "Periode kepesertaan di unit dan segmen yang sama tidak boleh tumpang tindih "
                        "(bentrok dengan kepesertaan #%(pk)s)."
                    )
                    % {"pk": other.pk},
                )
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ChoiceArrayMixin, AuditedAdmin):
    form = MembershipAdminForm
    list_display = ("person", "unit", "segment", "status", "start_date", "end_date", "kpj_number")
    list_filter = ("segment", "status", "scheme", "funding_source")
    search_fields = ("person__name", "^person__nik", "=kpj_number")
    autocomplete_fields = ("person", "unit", "occupation")
    list_select_related = ("person", "unit")
    readonly_fields = ("created_at", "updated_at")
    show_full_result_count = False
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("person", "unit", "segment", "occupation")}),
        (
            _("Program dan iuran"),
            {"fields": ("funding_source", "scheme", "programmes", "wage", "risk_class")},
        ),
        (_("Periode dan status"), {"fields": ("start_date", "end_date", "status", "kpj_number")}),
        (_("Riwayat"), {"fields": ("created_at", "updated_at")}),
    )


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ("code", "name", "kind", "region", "parent")
    list_filter = ("kind",)
    search_fields = ("^code", "name")
    autocomplete_fields = ("region", "parent")
    list_select_related = ("region", "parent")


@admin.register(UnitFormation)
class UnitFormationAdmin(AuditedAdmin):
    list_display = ("unit", "segment", "posts", "valid_from", "valid_to")
    list_filter = ("segment",)
    search_fields = ("unit__name", "^unit__code")
    autocomplete_fields = ("unit",)
    list_select_related = ("unit",)


@admin.register(BranchOffice)
class BranchOfficeAdmin(AuditedAdmin):
    list_display = ("code", "name")
    search_fields = ("^code", "name")
    autocomplete_fields = ("regions",)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The served regions (the BPJS officers' scope) are saved here, after the row: audit them."""
        office = form.instance
        before = list(office.regions.values_list("pk", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        services.admin_relations_changed(
            actor=admin_actor(request),
            instance=office,
            field="regions",
            before=before,
            after=office.regions.values_list("pk", flat=True),
        )


@admin.register(CooperationAgreement)
class CooperationAgreementAdmin(ChoiceArrayMixin, AuditedAdmin):
    list_display = ("__str__", "title", "region", "branch_office", "valid_from", "valid_to")
    list_filter = ("kind",)
    search_fields = ("number", "title")
    autocomplete_fields = ("region", "unit", "branch_office")
    list_select_related = ("region", "branch_office")


@admin.register(Occupation)
class OccupationAdmin(ChoiceArrayMixin, AuditedAdmin):
    list_display = ("code", "name", "group")
    search_fields = ("code", "name")
    autocomplete_fields = ("group",)
    list_select_related = ("group",)
