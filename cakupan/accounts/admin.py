"""Django admin: superadmins only; users with their role and scope; the audit log, read only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm, UsernameField
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.models import ROLE_SCOPE, AuditEvent, Role, User

SCOPE_FIELDS = ("region", "unit", "branch_office")
# Region levels a region-scoped role must have: 2 = kabupaten/kota, 3 = kecamatan.
ROLE_REGION_LEVELS = {Role.ADMIN_KABUPATEN: (2,), Role.PIMPINAN: (2,), Role.CAMAT: (3,)}


def superadmin_only(request: HttpRequest) -> bool:
    """``AdminSite.has_permission``: an active staff user with the superadmin role, nobody else."""
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.SUPERADMIN)


admin.site.has_permission = superadmin_only  # type: ignore[method-assign]
admin.site.site_header = _("Administrasi Cakupan")
admin.site.site_title = _("Admin Cakupan")
admin.site.index_title = _("Data induk dan pengguna")


def clean_scope(form: forms.ModelForm[User], cleaned: dict[str, Any]) -> None:
    """Require the one scope the role needs (at the right region level) and clear the others."""
    role = cleaned.get("role")
    if not role:
        return
    needed = ROLE_SCOPE.get(Role(role))
    for name in SCOPE_FIELDS:
        if name != needed:
            cleaned[name] = None
    if needed is None:
        return
    value = cleaned.get(needed)
    if value is None:
        messages = {
            "region": _("Peran ini memerlukan wilayah."),
            "unit": _("Peran ini memerlukan unit."),
            "branch_office": _("Peran ini memerlukan kantor cabang."),
        }
        form.add_error(needed, messages[needed])
        return
    levels = ROLE_REGION_LEVELS.get(Role(role))
    if needed == "region" and levels and value.level not in levels:
        form.add_error(
            "region",
            _(
                "Admin kabupaten/kota dan pimpinan memerlukan wilayah kabupaten/kota; camat memerlukan kecamatan."
            ),
        )


class CakupanUserChangeForm(UserChangeForm):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_scope(self, cleaned)
        return cleaned


class CakupanUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("username", "role", "region", "unit", "branch_office")
        field_classes = {"username": UsernameField}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        clean_scope(self, cleaned)
        return cleaned


@admin.register(User)
class CakupanUserAdmin(UserAdmin):
    form = CakupanUserChangeForm
    add_form = CakupanUserCreationForm
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            _("Peran dan cakupan data"),
            {
                "fields": ("role", "region", "unit", "branch_office"),
                "description": _(
                    "Admin kabupaten/kota dan pimpinan: wilayah kabupaten/kota. Camat: kecamatan. "
                    "Operator OPD dan operator desa: unit. Petugas BPJS: kantor cabang. Superadmin: tanpa batas."
                ),
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Peran dan cakupan data"), {"fields": ("role", "region", "unit", "branch_office")}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "region",
        "unit",
        "branch_office",
        "is_active",
    )
    list_filter = ("role", "is_active", "is_staff")
    search_fields = ("username", "first_name", "last_name", "email")
    autocomplete_fields = ("region", "unit", "branch_office")
    list_select_related = ("region", "unit", "branch_office")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """The append-only log: readable, never added to, changed or deleted from here."""

    list_display = ("at", "actor_label", "source", "action", "entity", "entity_id", "note")
    list_filter = ("action", "source", "entity")
    search_fields = ("=entity_id", "actor_label")
    date_hierarchy = "at"
    show_full_result_count = False
    readonly_fields = (
        "at",
        "actor",
        "actor_label",
        "source",
        "action",
        "entity",
        "entity_id",
        "before",
        "after",
        "note",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
