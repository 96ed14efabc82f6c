"""Django admin for claims: read-mostly, for superadmins only (the admin site lets nobody else in,
``accounts.admin.superadmin_only``; the model pages check it again).

Nothing is edited in a form here: no claim is added or deleted, every field is read only. The
changes a superadmin may make are the workflow steps, as actions on the list, and each goes
through ``claims.workflow`` (the same checks, history and audit rows as the claims pages). Lists
show the participant's NIK masked and no heir data; the change page shows the heirs with NIK and
bank account masked, and opening it is written to the access log
(``claims.selectors.admin_view_record``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from cakupan.accounts.admin import admin_actor, superadmin_only
from cakupan.claims import selectors, workflow
from cakupan.claims.models import Claim, ClaimTransition, Heir
from cakupan.claims.services import ClaimError


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return superadmin_only(request)


class HeirInline(ReadOnlyInline):
    model = Heir
    fields = readonly_fields = (
        "name",
        "relation",
        "group",
        "nik_masked",
        "bank_name",
        "account_masked",
        "is_recipient",
        "scholarship",
        "school_level",
    )

    @admin.display(description=_("NIK"))
    def nik_masked(self, heir: Heir) -> str:
        return heir.masked_nik

    @admin.display(description=_("nomor rekening"))
    def account_masked(self, heir: Heir) -> str:
        return heir.masked_account or "-"


class TransitionInline(ReadOnlyInline):
    model = ClaimTransition
    fields = readonly_fields = ("at", "from_status", "to_status", "actor_label", "note")


def _step(
    name: str, run: Callable[..., Claim], description: Any
) -> Callable[[admin.ModelAdmin[Claim], HttpRequest, QuerySet[Claim]], None]:
    def action(
        model_admin: admin.ModelAdmin[Claim], request: HttpRequest, qs: QuerySet[Claim]
    ) -> None:
        actor = admin_actor(request)
        done = 0
        for claim in qs.order_by("id"):
            try:
                run(actor=actor, claim=claim)
            except ClaimError as error:
                model_admin.message_user(
                    request, f"{claim.number}: {error.message}", messages.ERROR
                )
            else:
                done += 1
        if done:
            model_admin.message_user(
                request, _("%(n)s klaim diproses.") % {"n": done}, messages.SUCCESS
            )

    action.__name__ = name
    return admin.action(description=description)(action)


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin[Claim]):
    list_display = (
        "number",
        "type",
        "status",
        "person_name",
        "nik_masked",
        "region",
        "event_date",
        "cash_entitlement",
    )
    list_filter = ("status", "type", "segment")
    search_fields = ("number", "person__name")
    list_select_related = ("person", "region")
    date_hierarchy = "event_date"
    show_full_result_count = False
    inlines = (HeirInline, TransitionInline)
    exclude = ("eligibility",)
    actions = (
        _step("verify", workflow.claim_verify, _("Verifikasi klaim terpilih (empat mata)")),
        _step("file", workflow.claim_file, _("Terima berkas lengkap (BPJS)")),
        _step("approve", workflow.claim_approve, _("Setujui klaim terpilih (BPJS)")),
    )

    @admin.display(description=_("peserta"), ordering="person__name")
    def person_name(self, claim: Claim) -> str:
        return claim.person.name

    @admin.display(description=_("NIK"))
    def nik_masked(self, claim: Claim) -> str:
        return claim.person.masked_nik

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Claim._meta.fields if f.name != "eligibility"] + [
            "person_name",
            "nik_masked",
        ]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # The person's row is shown as name and masked NIK, never the raw foreign key widget.
        return [
            "number",
            "person_name",
            "nik_masked",
            *[
                f.name
                for f in Claim._meta.fields
                if f.name not in ("id", "number", "person", "eligibility")
            ],
        ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return superadmin_only(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return superadmin_only(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            claim = Claim.objects.filter(pk=object_id).first() if object_id.isdigit() else None
            if claim is not None:
                selectors.admin_view_record(actor=admin_actor(request), claim=claim)
        return response
