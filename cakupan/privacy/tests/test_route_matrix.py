"""The route x role x scope matrix (issue 13; T2 and T3 of ``docs/security.md``).

Every route of the site (:func:`~cakupan.testing.routes.site_routes`, so a new route fails here
until it is given its row) is requested by an anonymous visitor and by every role, once as a user
whose scope holds the world's records and once as a user whose scope does not
(:func:`~cakupan.testing.routes.build_route_world`). Each route is asked with GET, and every route
that acts on a POST (the POST-only actions, which answer GET with 405, and the pages with a form
that writes, :data:`FORM_ROUTES`) with an empty POST too; each request runs in a savepoint rolled
back after it, so a write changes nothing for the next request.

The statuses are the design, written out route by route in :data:`EXPECTED` (columns in the order
of :data:`COLUMNS`): anonymous visitors are sent to the sign-in page (302) except on the public
pages; a record outside the user's scope answers 404 like an unknown one; a role that may not do
something gets 403; a POST-only action answers GET with 405. The Django admin is for superadmins:
every other signed-in user is sent to the admin's sign-in page (302).

Every refusal to a signed-in user (403, 404, and the admin's 302 for a non-superadmin) must write
exactly one ``denied`` row naming the user, the path and the status; nothing else may write one
(``accounts.middleware.DeniedAccessLogMiddleware``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cakupan.accounts.models import Action, AuditEvent, Role, User
from cakupan.common import search
from cakupan.registry.models import Person
from cakupan.testing.factories import make_user
from cakupan.testing.routes import Route, RouteWorld, site_routes

pytestmark = pytest.mark.django_db

COLUMNS: list[tuple[str, str | None]] = [
    ("anon", None),
    ("in", Role.SUPERADMIN),
    ("in", Role.ADMIN_KABUPATEN),
    ("in", Role.OPERATOR_DESA),
    ("in", Role.CAMAT),
    ("in", Role.PETUGAS_BPJS),
    ("in", Role.PIMPINAN),
    ("out", Role.ADMIN_KABUPATEN),
    ("out", Role.OPERATOR_DESA),
    ("out", Role.OPERATOR_OPD),
    ("out", Role.CAMAT),
    ("out", Role.PETUGAS_BPJS),
    ("out", Role.PIMPINAN),
]
COLUMN_IDS = [f"{side}-{role or 'anonymous'}" for side, role in COLUMNS]

# Which record a ``pk`` names, by route (then by namespace).
PK_KIND = {
    "registry:person_detail": "person",
    "registry:membership_detail": "membership",
    "privacy:person_reveal": "person",
    "privacy:membership_reveal": "membership",
    "privacy:person_history": "person",
    "privacy:membership_history": "membership",
    "privacy:batch_history": "batch",
    "claims:instalment_proof": "instalment",
    "claims:instalment_pay": "instalment",
    "claims:heir_edit": "heir",
    "claims:heir_remove": "heir",
    "claims:scholarship_stop": "heir",
    "claims:document_download": "document",
    "claims:document_remove": "document",
    "claims:component_pay": "component",
    "intake": "batch",
    "billing": "bill",
    "api_tokens": "token",
    "claims": "claim",
}
# Path parameters of the JSON API's routes, by the record kind they name.
API_PARAMS = {
    "person_id": "person",
    "membership_id": "membership",
    "batch_id": "batch",
    "bill_id": "bill",
    "claim_id": "claim",
}
# The world lies in Luwu Timur (73.24), Kecamatan Malili.
REGION_CODE = "73.24"
# Routes that read a NIK posted as a search (``common.search``): asked with the person's NIK.
NIK_SEARCH_ROUTES = (
    "privacy:subject_report",
    "privacy:subject_report_json",
    "privacy:subject_report_xlsx",
)

# Pages that answer GET with a form and write on POST (the other pages ignore the method).
FORM_ROUTES = {
    "accounts:login",
    "accounts:mfa_setup",
    "accounts:mfa_verify",
    "accounts:password_change",
    "accounts:user_create",
    "accounts:user_detail",
    "api_tokens:list",
    "api:intake_batch_create",
    "billing:billing_run",
    "claims:claim_report",
    "claims:heir_edit",
    "intake:upload",
    "intake:verify",
    "set_language",
}

# route -> (GET, POST) statuses by column; POST None: not asked (the admin, and pages that do not
# act on a POST).
# Columns: anon | in: super admin desa camat bpjs pimpinan | out: admin desa opd camat bpjs pimpinan
EXPECTED: dict[str, tuple[str, str | None]] = {
    "accounts:login": (
        "200 302 302 302 302 302 302 302 302 302 302 302 302",
        "200 302 302 302 302 302 302 302 302 302 302 302 302",
    ),
    "accounts:logout": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
    ),
    "accounts:mfa_disable": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 403 403 302 302 403 302 403 302 302 302 403 302",
    ),
    "accounts:mfa_setup": (
        "302 200 200 200 200 200 200 200 200 200 200 200 200",
        "302 200 200 200 200 200 200 200 200 200 200 200 200",
    ),
    "accounts:mfa_verify": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
    ),
    "accounts:password_change": (
        "302 200 200 200 200 200 200 200 200 200 200 200 200",
        "302 200 200 200 200 200 200 200 200 200 200 200 200",
    ),
    "accounts:profile": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "accounts:recovery_codes": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "accounts:recovery_codes_renew": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
    ),
    "accounts:user_action": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 403 403 403 403 404 403 403 403 403 403",
    ),
    "accounts:user_create": (
        "302 200 200 403 403 403 403 200 403 403 403 403 403",
        "302 200 200 403 403 403 403 200 403 403 403 403 403",
    ),
    "accounts:user_detail": (
        "302 200 200 403 403 403 403 404 403 403 403 403 403",
        "302 200 200 403 403 403 403 404 403 403 403 403 403",
    ),
    "accounts:user_list": ("302 200 200 403 403 403 403 200 403 403 403 403 403", None),
    # The JSON API takes a token, never a session: every operation answers 401 to these clients
    # (its own tests cover each role's scope with tokens: cakupan/api/tests). Its root is a 404
    # by django-ninja's design; the OpenAPI document and its page are public.
    "api:api-root": ("404 404 404 404 404 404 404 404 404 404 404 404 404", None),
    "api:arrears": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:bill_detail": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:bill_list": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:calc_benefit": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:calc_contribution": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:payment_create": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:claim_detail": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:claim_list": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:claim_overdue": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:claim_scholarships_due": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:coverage_followup": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:coverage_ranking": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:coverage_region": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:intake_annotated": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:intake_batch_create": (
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    # The list shares its path with the upload (POST): the upload's row asks the POST.
    "api:intake_batch_list": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:intake_batch_detail": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:intake_bpjs_export": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:intake_issues": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:intake_batch_rows": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:intake_bpjs_reply": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:intake_commit": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:intake_mark_sent": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:intake_return": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:intake_submit": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:intake_verify": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:membership_detail": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:membership_end": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:membership_list": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:nik_check": (
        "405 405 405 405 405 405 405 405 405 405 405 405 405",
        "401 401 401 401 401 401 401 401 401 401 401 401 401",
    ),
    "api:openapi-json": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "api:openapi-view": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "api:person_detail": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:person_list": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:region_children": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    "api:region_show": ("401 401 401 401 401 401 401 401 401 401 401 401 401", None),
    # Own tokens for everyone; the desa operator's token is revoked by its owner and by the
    # administrators who manage the owner (302 back to the list), a 404 for anyone else.
    "api_tokens:list": (
        "302 200 200 200 200 200 200 200 200 200 200 200 200",
        "302 200 200 200 200 200 200 200 200 200 200 200 200",
    ),
    "api_tokens:revoke": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 404 404 404 404 404 404 404 404 404",
    ),
    "admin:accounts_auditevent_add": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:accounts_auditevent_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:accounts_auditevent_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:accounts_auditevent_delete": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:accounts_auditevent_history": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:accounts_user_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:accounts_user_change": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:accounts_user_changelist": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:accounts_user_delete": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:accounts_user_history": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:app_list": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:auth_group_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:auth_group_change": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:auth_group_changelist": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:auth_group_delete": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:auth_group_history": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:auth_user_password_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:autocomplete": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:axes_accessattempt_add": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:axes_accessattempt_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessattempt_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessattempt_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessattempt_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessfailurelog_add": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessfailurelog_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessfailurelog_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessfailurelog_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accessfailurelog_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accesslog_add": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:axes_accesslog_change": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:axes_accesslog_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:axes_accesslog_delete": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:axes_accesslog_history": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:claims_claim_add": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:claims_claim_change": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:claims_claim_changelist": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:claims_claim_delete": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:claims_claim_history": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:coverage_denominator_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:coverage_denominator_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_denominator_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_denominator_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_denominator_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_participantcount_add": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_participantcount_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_participantcount_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_participantcount_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:coverage_participantcount_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:django_tasks_database_dbtaskresult_add": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:django_tasks_database_dbtaskresult_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:django_tasks_database_dbtaskresult_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:django_tasks_database_dbtaskresult_delete": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:django_tasks_database_dbtaskresult_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:index": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:jsi18n": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:login": ("302 403 403 403 403 403 403 403 403 403 403 403 403", None),
    "admin:logout": ("302 405 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:otp_static_staticdevice_add": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_static_staticdevice_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_static_staticdevice_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_static_staticdevice_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_static_staticdevice_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_totp_totpdevice_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:otp_totp_totpdevice_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_totp_totpdevice_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_totp_totpdevice_config": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_totp_totpdevice_delete": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_totp_totpdevice_history": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:otp_totp_totpdevice_qrcode": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:parameters_parameteroverride_add": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:parameters_parameteroverride_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:parameters_parameteroverride_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:parameters_parameteroverride_delete": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:parameters_parameteroverride_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:password_change": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:password_change_done": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_branchoffice_add": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_branchoffice_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_branchoffice_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_branchoffice_delete": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_branchoffice_history": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_cooperationagreement_add": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_cooperationagreement_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_cooperationagreement_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_cooperationagreement_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_cooperationagreement_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_membership_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_membership_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_membership_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_membership_delete": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_membership_history": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_occupation_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_occupation_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_occupation_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_occupation_delete": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_occupation_history": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_person_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_person_change": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_person_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_person_delete": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_person_history": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_unit_add": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_unit_change": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_unit_changelist": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_unit_delete": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_unit_history": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:registry_unitformation_add": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_unitformation_change": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_unitformation_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_unitformation_delete": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:registry_unitformation_history": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:view_on_site": ("302 404 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:wilayah_region_add": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:wilayah_region_change": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:wilayah_region_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:wilayah_region_delete": ("302 403 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:wilayah_region_history": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "admin:wilayah_regiondataset_add": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:wilayah_regiondataset_change": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:wilayah_regiondataset_changelist": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:wilayah_regiondataset_delete": (
        "302 403 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "admin:wilayah_regiondataset_history": (
        "302 200 302 302 302 302 302 302 302 302 302 302 302",
        None,
    ),
    "billing:arrears": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "billing:bill_detail": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "billing:bill_list": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "billing:bill_pdf": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "billing:bill_xlsx": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "billing:billing_run": (
        "302 200 200 403 403 403 403 200 403 403 403 403 403",
        "302 200 200 403 403 403 403 200 403 403 403 403 403",
    ),
    "billing:budget": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "billing:budget_xlsx": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "billing:payment_create": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 200 200 200 403 403 403 404 404 404 404 404 404",
    ),
    "billing:summary": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "claims:claim_detail": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "claims:claim_list": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "claims:claim_report": (
        "302 200 200 200 200 200 403 200 200 200 200 200 403",
        "302 200 200 200 200 200 403 200 200 200 200 200 403",
    ),
    "claims:claim_report_preview": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 200 200 200 200 200 403 200 200 200 200 200 403",
    ),
    "claims:claim_transition": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 302 404 404 404 404 404 404",
    ),
    "claims:component_pay": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 400 403 403 403 400 403 404 404 404 404 404 404",
    ),
    "claims:document_download": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "claims:document_remove": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 403 404 404 404 404 404 404",
    ),
    "claims:document_upload": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 400 400 400 400 400 403 404 404 404 404 404 404",
    ),
    "claims:handover_pdf": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "claims:heir_add": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 400 400 400 400 400 403 404 404 404 404 404 404",
    ),
    "claims:heir_edit": (
        "302 403 403 403 403 403 403 404 404 404 404 404 404",
        "302 403 403 403 403 403 403 404 404 404 404 404 404",
    ),
    "claims:heir_remove": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 403 404 404 404 404 404 404",
    ),
    "claims:instalment_pay": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 403 403 403 302 403 404 404 404 404 404 404",
    ),
    "claims:instalment_proof": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 403 404 404 404 404 404 404",
    ),
    "claims:instalments_due": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "claims:instalments_xlsx": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "claims:overdue": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "claims:scholarship_stop": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 302 302 403 404 404 404 404 404 404",
    ),
    "claims:summary": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "coverage:followup": ("302 200 200 404 404 200 200 404 404 200 404 404 404", None),
    "coverage:followup_xlsx": ("302 200 200 404 404 200 200 404 404 200 404 404 404", None),
    "coverage:league": ("302 404 404 404 404 404 404 404 404 404 404 404 404", None),
    "coverage:nation": ("302 200 302 302 302 302 302 302 302 302 302 302 302", None),
    "coverage:nation_league": ("302 200 404 404 404 404 404 404 404 404 404 404 404", None),
    "coverage:region": ("302 200 200 404 404 200 200 404 404 200 404 404 404", None),
    "favicon": ("302 302 302 302 302 302 302 302 302 302 302 302 302", None),
    "intake:annotated": ("302 302 302 302 302 302 302 404 404 404 404 404 404", None),
    "intake:batch_detail": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "intake:batch_list": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "intake:batch_progress": ("302 302 302 302 302 302 302 404 404 404 404 404 404", None),
    "intake:bpjs_export": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 403 403 302 403 404 404 404 404 404 404",
    ),
    "intake:bpjs_reply": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 403 403 302 403 404 404 404 404 404 404",
    ),
    "intake:commit": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 403 403 403 404 404 404 404 404 404",
    ),
    "intake:mapping": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 403 403 403 404 404 404 404 404 404",
    ),
    "intake:value_mapping": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 403 403 403 404 404 404 404 404 404",
    ),
    "intake:mark_sent": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 403 403 302 403 404 404 404 404 404 404",
    ),
    "intake:return": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 400 400 400 403 403 403 404 404 404 404 404 404",
    ),
    "intake:submit": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 302 302 302 403 403 403 404 404 404 404 404 404",
    ),
    "intake:template": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "intake:upload": (
        "302 200 200 200 403 403 403 200 200 200 403 403 403",
        "302 200 200 200 403 403 403 200 200 200 403 403 403",
    ),
    "intake:verify": (
        "302 302 302 302 302 302 302 404 404 404 404 404 404",
        "302 302 302 302 403 403 403 404 404 404 404 404 404",
    ),
    "parameters:calc_benefit": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "parameters:calc_contribution": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "parameters:calc_parameters": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "parameters:parameter_sources": ("302 200 404 404 404 404 404 404 404 404 404 404 404", None),
    "privacy:batch_history": ("302 200 200 403 403 403 403 404 403 403 403 403 403", None),
    "privacy:membership_history": ("302 200 200 403 403 403 403 404 403 403 403 403 403", None),
    "privacy:person_history": ("302 200 200 403 403 403 403 404 403 403 403 403 403", None),
    "privacy:membership_reveal": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 400 400 400 400 400 400 404 404 404 404 404 404",
    ),
    "privacy:person_reveal": (
        "302 405 405 405 405 405 405 405 405 405 405 405 405",
        "302 400 400 400 400 400 400 404 404 404 404 404 404",
    ),
    "privacy:subject_report": ("302 200 200 403 403 403 403 404 403 403 403 403 403", None),
    "privacy:subject_report_json": ("302 200 200 403 403 403 403 404 403 403 403 403 403", None),
    "privacy:subject_report_xlsx": ("302 200 200 403 403 403 403 404 403 403 403 403 403", None),
    "registry:home": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "registry:membership_detail": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "registry:membership_list": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "registry:person_detail": ("302 200 200 200 200 200 200 404 404 404 404 404 404", None),
    "registry:person_list": ("302 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "reports:kso_pdf": ("302 200 200 404 404 200 200 404 404 404 404 404 404", None),
    "reports:kso_xlsx": ("302 200 200 404 404 200 200 404 404 404 404 404 404", None),
    "reports:public": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "reports:public_region": ("200 200 200 200 200 200 200 200 200 200 200 200 200", None),
    "set_language": (
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
        "302 302 302 302 302 302 302 302 302 302 302 302 302",
    ),
    "targeting:enrolment_xlsx": ("302 404 404 403 403 403 403 404 403 403 403 403 403", None),
    "targeting:plan": ("302 200 200 403 403 403 403 200 403 403 403 403 403", None),
}


def _admin_kwargs(route: Route, world: RouteWorld) -> dict[str, Any]:
    """Path parameters of an admin route: the world's record where the admin lists its model."""
    kwargs: dict[str, Any] = {}
    own: dict[str, int] = {
        "registry_person": world.ids["person"],
        "registry_membership": world.ids["membership"],
        "claims_claim": world.ids["claim"],
        "accounts_user": world.users_in[Role.OPERATOR_DESA].pk,
    }
    for param in route.params:
        if param == "app_label":
            kwargs[param] = "registry"
        elif param == "id":
            kwargs[param] = world.users_in[Role.OPERATOR_DESA].pk
        elif param == "content_type_id":
            kwargs[param] = ContentType.objects.get_for_model(Person).pk
        elif param == "object_id" and route.name == "admin:view_on_site":
            kwargs[param] = world.ids["person"]
        elif param == "object_id":
            model_key = route.name.removeprefix("admin:").rsplit("_", 1)[0]
            if model_key in own:
                kwargs[param] = own[model_key]
            else:
                model = _admin_model(model_key)
                first = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
                kwargs[param] = first if first is not None else 0
        elif param == "pk":  # django-otp's device pages (the first device: a real page, not a 404)
            kwargs[param] = TOTPDevice.objects.order_by("pk").values_list("pk", flat=True).first()
        else:
            raise AssertionError(f"unknown path parameter {param!r} of {route.name}")
    return kwargs


def _admin_model(model_key: str) -> Any:
    for model in apps.get_models():
        if f"{model._meta.app_label}_{model._meta.model_name}" == model_key:
            return model
    raise AssertionError(f"no model for admin route key {model_key!r}")


def path_of(route: Route, world: RouteWorld) -> str:
    """A concrete path for ``route`` naming the world's records."""
    if route.is_admin:
        return reverse(route.name, kwargs=_admin_kwargs(route, world))
    kwargs: dict[str, Any] = {}
    for param in route.params:
        if param == "pk" and route.name.startswith("accounts:"):
            kwargs["pk"] = world.users_in[Role.OPERATOR_DESA].pk
        elif param == "pk":
            kind = PK_KIND.get(route.name) or PK_KIND.get(route.name.split(":")[0])
            assert kind, f"no record kind for {route.name}"
            kwargs["pk"] = world.ids[kind]
        elif param in API_PARAMS:
            kwargs[param] = world.ids[API_PARAMS[param]]
        elif param == "step":
            kwargs["step"] = "ajukan"
        elif param == "action":
            kwargs["action"] = "unlock"
        elif param == "code":
            kwargs["code"] = REGION_CODE
        else:
            raise AssertionError(f"unknown path parameter {param!r} of {route.name}")
    return reverse(route.name, kwargs=kwargs)


def user_of(world: RouteWorld, side: str, role: str | None) -> User | None:
    if side == "anon":
        return None
    return (world.users_in if side == "in" else world.users_out)[role]  # type: ignore[index]


def _signed_in(user: User | None) -> Client:
    client = Client(raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    return client


def _query(client: Client, route: Route, world: RouteWorld) -> str:
    """``cari=<token>`` holding the world's person's NIK for routes that read a posted NIK."""
    if route.name not in NIK_SEARCH_ROUTES:
        return ""
    session = client.session
    if not session.session_key:
        return ""
    nik = Person.objects.values_list("nik", flat=True).get(pk=world.ids["person"])
    token = search.remember(session, nik)
    session.save()
    return f"{search.TOKEN}={token}"


def _denied(user: User | None, route: Route, status: int) -> bool:
    """Whether this answer refuses a signed-in user (and so must be logged)."""
    if user is None:
        return False
    if status in (403, 404):
        return True
    superadmin = user.role == Role.SUPERADMIN and user.is_staff and user.is_active
    return route.is_admin and status == 302 and not superadmin


def observe(
    client: Client, user: User | None, route: Route, world: RouteWorld, method: str, mark: int
) -> tuple[int, list[str]]:
    """The status of one request, and what is wrong with the denial log after it."""
    path = path_of(route, world)
    query = _query(client, route, world)
    cookie_before = client.cookies.get("sessionid")
    problems: list[str] = []
    with transaction.atomic():
        if method == "GET":
            response = client.get(path, QUERY_STRING=query)
        else:
            response = client.post(path + (f"?{query}" if query else ""), {})
        status = response.status_code
        rows = list(
            AuditEvent.objects.filter(action=Action.DENIED, pk__gt=mark).values(
                "actor_id", "entity", "entity_id", "after"
            )
        )
        transaction.set_rollback(True)
    if _denied(user, route, status):
        expected = {
            "actor_id": user.pk,  # type: ignore[union-attr]
            "entity": "route",
            "entity_id": route.name,
            "after": {
                "path": path,
                "method": method,
                "status": status,
                "kwargs": {k: str(v) for k, v in response.resolver_match.kwargs.items()}
                if response.resolver_match
                else {},
            },
        }
        if rows != [expected]:
            problems.append(f"{method} {route.name} {status}: denial rows {rows!r}")
    elif rows:
        problems.append(f"{method} {route.name} {status}: unexpected denial rows {rows!r}")
    # A request that ended the session (signing out) must not leave the next one anonymous.
    if user is not None and client.cookies.get("sessionid") != cookie_before:
        client.force_login(user)
    return status, problems


def _expected(route: Route, column: int) -> tuple[int, int | None]:
    row = EXPECTED.get(route.name)
    assert row is not None, f"{route.name} has no row in EXPECTED: add it (the design's answer)"
    get, post = row
    get_status = int(get.split()[column])
    return get_status, (int(post.split()[column]) if post is not None else None)


@pytest.mark.parametrize(("side", "role"), COLUMNS, ids=COLUMN_IDS)
def test_every_route_answers_each_role_and_scope_as_designed_and_logs_denials(
    route_world: RouteWorld, side: str, role: str | None
) -> None:
    column = COLUMNS.index((side, role))
    # A second factor for the admin's device pages, owned by an account no column signs in as.
    owner = make_user(role=Role.SUPERADMIN, username="pemilik.totp")
    TOTPDevice.objects.create(user=owner, name="uji", confirmed=True)
    user = user_of(route_world, side, role)
    client = _signed_in(user)
    mark = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    routes = site_routes()
    wrong: list[str] = []
    problems: list[str] = []
    for route in routes:
        want_get, want_post = _expected(route, column)
        got, issues = observe(client, user, route, route_world, "GET", mark)
        problems += issues
        if got != want_get:
            wrong.append(f"GET {route.name}: {got}, expected {want_get}")
        if want_post is not None:
            got, issues = observe(client, user, route, route_world, "POST", mark)
            problems += issues
            if got != want_post:
                wrong.append(f"POST {route.name}: {got}, expected {want_post}")
    assert wrong == []
    assert problems == []


def test_the_matrix_covers_every_route_and_only_routes_that_exist() -> None:
    names = {route.name for route in site_routes()}
    assert sorted(names - set(EXPECTED)) == []
    assert sorted(set(EXPECTED) - names) == []
    for name, (get, post) in EXPECTED.items():
        assert len(get.split()) == len(COLUMNS), name
        assert post is None or len(post.split()) == len(COLUMNS), name
        signed_in = get.split()[1:]
        acts_on_post = "405" in signed_in or name in FORM_ROUTES
        assert (post is not None) == (acts_on_post and not name.startswith("admin:")), name
