"""Django admin: superadmins only; users with their role and scope; the audit log, read only.

Users are added, changed (role, scope, active flag, staff status, groups, permissions, password)
and deleted through ``accounts.services``, which audit every change; this module writes no audit
row itself. Other apps' admins act as :func:`admin_actor`.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import (
    AdminPasswordChangeForm,
    AdminUserCreationForm,
    UserChangeForm,
    UsernameField,
)
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from cakupan.accounts import services
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import ROLE_SCOPE, AuditEvent, Role, Source, User

SCOPE_FIELDS = ("region", "unit", "branch_office")
# Region levels a region-scoped role must have: 2 = kabupaten/kota, 3 = kecamatan.
ROLE_REGION_LEVELS = {Role.ADMIN_KABUPATEN: (2,), Role.PIMPINAN: (2,), Role.CAMAT: (3,)}


def superadmin_only(request: HttpRequest) -> bool:
    """``AdminSite.has_permission``: an active staff user with the superadmin role, nobody else."""
    user = request.user
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == Role.SUPERADMIN)


def admin_actor(request: HttpRequest) -> Actor:
    """The superadmin acting in the admin, as services and the audit log name them."""
    user = request.user
    assert isinstance(user, User), "the admin lets only signed-in superadmins in"
    return Actor(user=user, source=Source.WEB)


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's own login page is not used: Cakupan's sign-in (throttled, second factor) is.

    A signed-in user who is not a superadmin gets 403 rather than a loop back to the sign-in page.
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


admin.site.has_permission = superadmin_only  # type: ignore[method-assign]
admin.site.login = admin_login  # type: ignore[method-assign]
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


def _password_form(actor: Actor) -> type[AdminPasswordChangeForm]:
    """Django's password form, saving the password through ``services.user_set_password`` as ``actor``."""

    class PasswordForm(AdminPasswordChangeForm):
        def save(self, commit: bool = True) -> Any:
            if not commit:  # Django's view always commits; nothing else builds this form
                raise NotImplementedError
            password = (
                self.cleaned_data["password1"] if self.cleaned_data["set_usable_password"] else None
            )
            return services.user_set_password(
                actor=actor, user=self.user, password=password, note="admin"
            )

    return PasswordForm


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

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        """Through ``services.user_save``, groups and permissions included (when the form has them)."""
        cleaned = form.cleaned_data
        services.user_save(
            actor=admin_actor(request),
            user=obj,
            groups=cleaned.get("groups"),
            permissions=cleaned.get("user_permissions"),
            note="admin",
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """``save_model`` saved (and audited) the groups and permissions: no ``form.save_m2m()``."""
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def delete_model(self, request: HttpRequest, obj: User) -> None:
        services.user_delete(actor=admin_actor(request), users=[obj], note="admin")

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        services.user_delete(actor=admin_actor(request), users=list(queryset), note="admin")

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Django's password page, with the password saved (and audited) by the service.

        Django builds the form from ``self.change_password_form`` without the request, so a copy
        of this admin carries a form bound to the acting superadmin, for this request only.
        """
        page = copy.copy(self)
        page.change_password_form = _password_form(admin_actor(request))
        return UserAdmin.user_change_password(page, request, id, form_url)


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


# django-otp registers its own admin on import (above); this one replaces it.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class CakupanTOTPDeviceAdmin(TOTPDeviceAdmin):
    """django-otp's TOTP device admin, answering 404 for an unknown device.

    Its QR-code and configuration pages look the device up with ``objects.get``, so an unknown id
    was a server error (500) instead of the 404 every other page answers.
    """

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _device_or_404(pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        _device_or_404(pk)
        return super().qrcode_view(request, pk)


def _device_or_404(pk: int) -> None:
    if not TOTPDevice.objects.filter(pk=pk).exists():
        raise Http404
