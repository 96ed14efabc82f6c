"""Scholarship pages of the claims app: the instalments due in a school year (page, CSV and XLSX),
the proof of enrolment and the payment of one instalment, and stopping a child's scholarship
(PP 82/2019: beasiswa per school year until the age limit, marriage, work or leaving school).

Split from ``claims.views`` by job; the same rules hold: reads through ``claims.selectors`` (out
of scope: 404), writes through the services, refusals (``ClaimError``) back as messages.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cakupan.accounts.audit import record_access
from cakupan.accounts.models import Action
from cakupan.claims import documents, payments, permissions, selectors, services
from cakupan.claims.assessment import claim_parameters
from cakupan.claims.forms import PaymentForm, ProofForm, RegionYearForm, StopForm
from cakupan.claims.models import DocumentKind, Heir, ScholarshipInstalment
from cakupan.claims.services import ClaimError
from cakupan.claims.views import back_to_claim, region_choices
from cakupan.common import exports
from cakupan.common.exports import Column, ExportLog
from cakupan.common.web import CakupanRequest, web_actor
from cakupan.registry.selectors import export_record

INSTALMENT_COLUMNS = tuple(
    Column(
        gettext_lazy(name),
        kind="money" if i == 7 else "number" if i == 10 else "text",
        width=width,
    )
    for i, (name, width) in enumerate(documents.INSTALMENT_COLUMNS)
)


@login_required
@require_POST
def instalment_proof(request: CakupanRequest, pk: int) -> HttpResponse:
    instalment = selectors.instalment_get_for(request.user, pk)
    # A role that may not write answers 403 before its form is read (not a message about it).
    if not permissions.may_handle_instalments(request.user, instalment.claim):
        raise PermissionDenied
    form = ProofForm(request.POST, request.FILES, prefix=f"i{instalment.pk}")
    if not form.is_valid():
        messages.error(request, _("Lengkapi bukti sekolah: berkas dan nama sekolah."))
        return redirect("claims:claim_detail", pk=instalment.claim_id)
    uploaded = form.cleaned_data["file"]
    actor = web_actor(request)
    try:
        proof = services.document_upload(
            actor=actor,
            claim=instalment.claim,
            kind=DocumentKind.BUKTI_SEKOLAH,
            data=uploaded.read(),
            file_name=uploaded.name or "",
            heir=instalment.heir,
        )
        payments.instalment_enrol(
            actor=actor,
            instalment=instalment,
            proof=proof,
            school_name=form.cleaned_data["school_name"],
            school_class=form.cleaned_data["school_class"],
        )
    except ClaimError as error:
        return back_to_claim(request, instalment.claim, error, "")
    return back_to_claim(request, instalment.claim, None, _("Bukti sekolah diterima."))


@login_required
@require_POST
def instalment_pay(request: CakupanRequest, pk: int) -> HttpResponse:
    instalment = selectors.instalment_get_for(request.user, pk)
    if not permissions.may_act_for_bpjs(request.user, instalment.claim):
        raise PermissionDenied
    form = PaymentForm(request.POST, prefix=f"i{instalment.pk}")
    if not form.is_valid():
        messages.error(request, _("Isian pembayaran beasiswa belum benar."))
        return redirect("claims:claim_detail", pk=instalment.claim_id)
    data = form.cleaned_data
    try:
        payments.instalment_pay(
            actor=web_actor(request),
            instalment=instalment,
            amount=data["amount"],
            paid_on=data["paid_on"],
            reference=data["reference"],
            override_reason=data["override_reason"],
        )
    except ClaimError as error:
        return back_to_claim(request, instalment.claim, error, "")
    return back_to_claim(request, instalment.claim, None, _("Pembayaran beasiswa dicatat."))


@login_required
@require_POST
def scholarship_stop(request: CakupanRequest, pk: int) -> HttpResponse:
    heir = selectors.heir_get_for(request.user, pk)
    if not (
        permissions.may_handle_instalments(request.user, heir.claim)
        or permissions.may_act_for_bpjs(request.user, heir.claim)
    ):
        raise PermissionDenied
    form = StopForm(request.POST, prefix=f"s{heir.pk}")
    if not form.is_valid():
        messages.error(request, _("Pilih alasan dan tanggal berhenti."))
        return redirect("claims:claim_detail", pk=heir.claim_id)
    try:
        count = payments.scholarship_stop(
            actor=web_actor(request),
            heir=heir,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            on=form.cleaned_data["on"],
        )
    except ClaimError as error:
        return back_to_claim(request, heir.claim, error, "")
    return back_to_claim(
        request, heir.claim, None, _("Beasiswa dihentikan (%(n)s tahun ajaran).") % {"n": count}
    )


def _instalments(
    request: CakupanRequest,
) -> tuple[RegionYearForm, int, str | None, list[ScholarshipInstalment]]:
    form = RegionYearForm(request.GET or None, regions=region_choices(request.user))
    year = selectors.school_year_of(timezone.localdate())
    region = None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        region = form.cleaned_data["region"] or None
    rows = list(selectors.instalments_due(user=request.user, year=year, region_code=region))
    return form, year, region, rows


def _max_age(year: int) -> int | None:
    entry = claim_parameters().find("scholarship.max_age", dt.date(year, 7, 1))
    return entry.value if entry is not None else None


def _instalments_download(request: CakupanRequest, fmt: str) -> HttpResponseBase:
    """The instalments due as CSV or XLSX (``common.exports``); the children's NIKs masked, as
    on the page."""
    _form, year, region, rows = _instalments(request)
    table = documents.instalment_rows(rows, max_age=_max_age(year))
    actor = web_actor(request)
    heirs = sorted({i.heir_id for i in rows})

    def log(export: ExportLog) -> None:
        export_record(
            actor=actor, entity="claims.heir", ids=Heir.objects.filter(pk__in=heirs).values_list("pk"),
            export=export, list_name=f"beasiswa jatuh tempo {year}/{year + 1}",
        )  # fmt: skip

    return exports.answer(
        request,
        lambda: exports.export_rows(
            table,
            INSTALMENT_COLUMNS,
            fmt=fmt,
            file_stem=f"beasiswa-{year}-{year + 1}",
            log=log,
            filters=exports.describe_filters({"year": year, "region": region or ""}),
        ),
    )


@login_required
def instalments_due(request: CakupanRequest) -> HttpResponseBase:
    """``/klaim/beasiswa/``: instalments due this school year per kabupaten (children logged)."""
    fmt = exports.requested_format(request)
    if fmt:
        return _instalments_download(request, fmt)
    form, year, _region, rows = _instalments(request)
    if rows:
        record_access(
            actor=web_actor(request),
            action=Action.VIEW,
            entity="claims.heir",
            entity_id="*",
            shown=sorted({i.heir_id for i in rows}),
            note=f"beasiswa jatuh tempo {year}/{year + 1}",
        )
    table = documents.instalment_rows(rows, max_age=_max_age(year))
    context = {
        "form": form,
        "year": year,
        "rows": [{"instalment": i, "row": r} for i, r in zip(rows, table, strict=True)],
        "total": sum((i.amount for i in rows), Decimal(0)),
        "downloads": exports.download_links(request),
    }
    return render(request, "claims/instalments.html", context)


@login_required
def instalments_xlsx(request: CakupanRequest) -> HttpResponseBase:
    """``/klaim/beasiswa/xlsx/``: the older address of ``/klaim/beasiswa/?unduh=xlsx``."""
    return _instalments_download(request, "xlsx")
