"""Claims pages: list, report, detail with the workflow buttons of the user's role, heirs,
documents, payments (scholarship instalments: ``scholarship_views``), overdue claims, the summary of
claims against contributions, and the handover PDF.

Views read the request, call one service or selector, and render. Reads go through
``claims.selectors`` (out of scope: 404); writes through the services, whose refusals
(``ClaimError``) come back as messages; ``PermissionDenied`` answers 403. Pages that show people
write the access log (the selectors do, or the view where it lists them).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cakupan.accounts.access import regions_plannable_by
from cakupan.accounts.audit import record_access
from cakupan.accounts.models import Action
from cakupan.claims import documents, payments, permissions, selectors, services, summary, workflow
from cakupan.claims.assessment import claim_parameters
from cakupan.claims.display import STATUS_CLASS
from cakupan.claims.forms import (
    ClaimFilterForm,
    HeirForm,
    PaymentForm,
    PreviewForm,
    ProofForm,
    RejectForm,
    ReportForm,
    StopForm,
    SummaryForm,
    UploadForm,
    heir_initial,
)
from cakupan.claims.models import (
    Claim,
    ClaimComponent,
    ClaimStatus,
    ClaimType,
)
from cakupan.claims.preview import claim_preview
from cakupan.claims.services import ClaimError
from cakupan.claims.storage import read_document
from cakupan.common import exports
from cakupan.common.charts import grouped_bar_chart
from cakupan.common.exports import Column, ExportLog
from cakupan.common.money import short_rupiah
from cakupan.common.web import CakupanRequest, is_fragment, web_actor
from cakupan.registry.models import Person, Segment, Unit
from cakupan.registry.selectors import export_record, full_data_annotation
from cakupan.wilayah.models import Region, RegionKind

PAGE_SIZE = 50


def _attachment(data: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, file_name) or "attachment"
    return response


def _regions(user: Any) -> list[Region]:
    """Regions offered in the filters: the user's own (with their kecamatan), or for a superadmin
    every kabupaten/kota that has units."""
    allowed = regions_plannable_by(user)
    if allowed is not None:
        return allowed
    codes = {code[:5] for code in Unit.objects.values_list("region_id", flat=True).distinct()}
    return list(
        Region.objects.filter(
            code__in=codes, kind__in=[RegionKind.KABUPATEN, RegionKind.KOTA]
        ).order_by("code")
    )


def region_choices(user: Any) -> list[tuple[str, str]]:
    """The kabupaten a user may filter claim and scholarship lists by, as form choices."""
    return [(r.code, f"{r.name} ({r.code})") for r in _regions(user)]


# The downloads of the claim lists (``common.exports``); the deceased's or injured worker's NIK
# masked for a user who may not read it in full, as on the person's page.
CLAIM_COLUMNS = (
    Column(gettext_lazy("Nomor klaim"), "number", width=18),
    Column(gettext_lazy("Jenis klaim"), "type", labels=dict(ClaimType.choices), width=24),
    Column(gettext_lazy("Status"), "status", labels=dict(ClaimStatus.choices), width=14),
    Column(gettext_lazy("Nama peserta"), "person__name", width=30),
    Column(gettext_lazy("NIK"), "person__nik", kind="nik", sensitive=True),
    Column(gettext_lazy("Kode unit"), "unit__code", width=16),
    Column(gettext_lazy("Unit"), "unit__name", width=30),
    Column(gettext_lazy("Segmen"), "segment", labels=dict(Segment.choices), width=18),
    Column(gettext_lazy("Kode wilayah"), "region_id", width=14),
    Column(gettext_lazy("Wilayah"), "region__name", width=20),
    Column(gettext_lazy("Tanggal peristiwa"), "event_date", kind="date", width=12),
    Column(gettext_lazy("Diterima BPJS"), "filed_on", kind="date", width=12),
    Column(gettext_lazy("Lunas"), "paid_on", kind="date", width=12),
    Column(gettext_lazy("Hak tunai (Rp)"), "cash_entitlement", kind="money", width=14),
)
OVERDUE_COLUMNS = (
    Column(gettext_lazy("Kantor cabang"), width=24),
    Column(gettext_lazy("Kabupaten/kota"), width=22),
    Column(gettext_lazy("Nomor klaim"), width=18),
    Column(gettext_lazy("Jenis klaim"), width=24),
    Column(gettext_lazy("Nama peserta"), width=30),
    Column(gettext_lazy("NIK"), kind="nik", sensitive=True),
    Column(gettext_lazy("Diterima BPJS"), kind="date", width=12),
    Column(gettext_lazy("Batas waktu"), kind="date", width=12),
    Column(gettext_lazy("Terlambat (hari kerja)"), kind="number", width=10),
    Column(gettext_lazy("Hak tunai (Rp)"), kind="money", width=14),
    Column(gettext_lazy("Denda 1%/hari (Rp)"), kind="money", width=14),
)


def _fully_visible(user: Any, person_ids: set[int]) -> set[int]:
    """Of ``person_ids``, the people ``user`` reads in full (``registry.selectors``)."""
    return set(
        Person.objects.filter(pk__in=person_ids)
        .annotate(export_full=full_data_annotation(user, "pk"))
        .filter(export_full=True)
        .values_list("pk", flat=True)
    )


def _log_rows(request: CakupanRequest, *, entity: str, ids: list[int], list_name: str) -> Any:
    """The ``log`` callback of an export of rows already in hand (``common.exports``)."""
    actor = web_actor(request)

    def log(export: ExportLog) -> None:
        export_record(
            actor=actor, entity=entity, ids=Person.objects.filter(pk__in=ids).values_list("pk"),
            export=export, list_name=list_name,
        )  # fmt: skip

    return log


@login_required
def claim_list(request: CakupanRequest) -> HttpResponseBase:
    """``/klaim/``: claims in the user's scope, newest event first (people logged as shown)."""
    form = ClaimFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {
            "status": data["status"] or None,
            "claim_type": data["type"] or None,
            "year": data["year"],
            "query": data["q"] or "",
        }
    claims = selectors.claim_list(user=request.user, **filters)
    fmt = exports.requested_format(request)
    if fmt:
        actor = web_actor(request)

        def log(export: ExportLog, qs: QuerySet[Any]) -> None:
            export_record(
                actor=actor, entity="registry.person", ids=qs.values_list("person_id"),
                export=export, list_name="daftar klaim",
            )  # fmt: skip

        annotated = claims.annotate(export_full=full_data_annotation(request.user, "person_id"))
        described = exports.describe_filters(
            {"status": filters.get("status"), "type": filters.get("claim_type"),
             "year": filters.get("year"), "q": filters.get("query")}
        )  # fmt: skip
        return exports.answer(
            request,
            lambda: exports.export_queryset(
                annotated,
                CLAIM_COLUMNS,
                fmt=fmt,
                file_stem="klaim",
                log=log,
                filters=described,
                full="export_full",
            ),
        )
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.list_view_record(actor=web_actor(request), claims=list(page))
    rows = [{"claim": c, "status_class": STATUS_CLASS.get(c.status, "")} for c in page]
    context = {
        "form": form,
        "page_obj": page,
        "rows": rows,
        "filtered": any(filters.values()),
        "may_report": request.user.role in permissions.REPORTER_ROLES,
        "downloads": exports.download_links(request),
    }
    return render(request, "claims/claim_list.html", context)


def _event_input(data: dict[str, Any]) -> services.EventInput:
    return services.EventInput(
        kind=data["kind"],
        event_date=data["event_date"],
        place=data["place"],
        cause=data["cause"],
        at_work=data["at_work"],
        commuting=data["commuting"],
        occurred_at=data["occurred_at"],
        employer_reported_at=data["employer_reported_at"],
        stmb_days=data["stmb_days"],
        disability_percent=data["disability_percent"],
        total_disability=data["total_disability"],
    )


def _preview_event(data: dict[str, Any]) -> services.EventInput:
    return _event_input({**data, "place": "", "cause": ""})


@login_required
@require_POST
def claim_report_preview(request: CakupanRequest) -> HttpResponse:
    """POST ``/klaim/lapor/pratinjau/``: the rules result and reasons for the NIK, event and date
    typed so far, saving nothing (htmx: the fragment under the form; without JavaScript: the
    report page again with the preview)."""
    if request.user.role not in permissions.REPORTER_ROLES:
        raise PermissionDenied
    form = PreviewForm(request.POST)
    result = None
    if form.is_valid():
        result = claim_preview(
            actor=web_actor(request),
            nik=form.cleaned_data["nik"],
            event=_preview_event(form.cleaned_data),
            today=timezone.localdate(),
            params=claim_parameters(),
        )
    context = {"preview": result, "preview_form": form}
    if is_fragment(request):
        return render(request, "claims/snippets/preview.html", context)
    return render(
        request, "claims/claim_report.html", {"form": ReportForm(initial=request.POST), **context}
    )


@login_required
def claim_report(request: CakupanRequest) -> HttpResponse:
    """``/klaim/lapor/``: report a death, work accident or occupational disease by NIK."""
    if request.user.role not in permissions.REPORTER_ROLES:
        raise PermissionDenied
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            claim = services.claim_report(
                actor=web_actor(request),
                nik=form.cleaned_data["nik"],
                event=_event_input(form.cleaned_data),
            )
        except ClaimError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Klaim %(number)s dicatat sebagai draf. Lengkapi ahli waris dan dokumennya.")
                % {"number": claim.number},
            )
            return redirect("claims:claim_detail", pk=claim.pk)
    return render(request, "claims/claim_report.html", {"form": form})


def _detail_context(request: CakupanRequest, pk: int, **forms: Any) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    params = claim_parameters()
    detail = selectors.claim_detail(actor=web_actor(request), pk=pk, today=today, params=params)
    claim = detail.claim
    may_edit = permissions.may_edit(user, claim)
    may_bpjs = permissions.may_act_for_bpjs(user, claim)
    may_instalments = permissions.may_handle_instalments(user, claim)
    benefit = claim.eligibility.get("benefit") or {}
    lines = benefit.get("lines", [])
    cash_lines = [line for line in lines if not str(line["item"]).startswith("Beasiswa")]
    scholarship_lines = [line for line in lines if str(line["item"]).startswith("Beasiswa")]
    instalments = [
        {
            "instalment": i,
            "status_class": STATUS_CLASS.get(i.status, ""),
            "proof_form": ProofForm(prefix=f"i{i.pk}") if i.status == "scheduled" else None,
            "pay_form": (
                PaymentForm(
                    prefix=f"i{i.pk}",
                    initial={"amount": f"{int(i.amount):,}".replace(",", "."), "paid_on": today},
                )
                if i.status == "enrolled"
                else None
            ),
        }
        for i in detail.instalments
    ]
    components = [
        {
            "component": c,
            "form": forms.get(f"component_{c.pk}")
            or PaymentForm(
                prefix=f"c{c.pk}",
                initial={"amount": f"{int(c.entitlement):,}".replace(",", "."), "paid_on": today},
            ),
        }
        for c in detail.components
    ]
    running = {i.heir_id for i in detail.instalments if i.status in ("scheduled", "enrolled")}
    return {
        "detail": detail,
        "claim": claim,
        "status_class": STATUS_CLASS.get(claim.status, ""),
        "reasons": claim.eligibility.get("reasons", []),
        "cash_lines": cash_lines,
        "scholarship_lines": scholarship_lines,
        "schedule": benefit.get("schedule", []),
        "explanation": benefit.get("explanation", []),
        "components": components,
        "instalments": instalments,
        "stop_forms": [
            {"heir": h, "form": StopForm(prefix=f"s{h.pk}", initial={"on": today})}
            for h in detail.heirs
            if h.pk in running
        ],
        "missing": [item for item in detail.checklist if item.required and not item.count],
        "heir_form": forms.get("heir_form") or HeirForm(),
        "upload_form": forms.get("upload_form") or UploadForm(),
        "reject_form": forms.get("reject_form") or RejectForm(),
        "may_edit": may_edit,
        "may_submit": may_edit,
        "may_verify": claim.status == "submitted" and permissions.may_verify(user, claim),
        "may_file": claim.status == "verified" and may_bpjs,
        "may_decide": claim.status == "filed" and may_bpjs,
        "may_pay": claim.status == "approved" and may_bpjs,
        "may_bpjs": may_bpjs,
        "may_instalments": may_instalments and claim.status in ("approved", "paid"),
        "may_handover": claim.status in ("approved", "paid")
        and any(c.paid_on for c in detail.components),
        "four_eyes": claim.status == "submitted" and claim.submitted_by_id == user.pk,
        "today": today,
    }


@login_required
def claim_detail(request: CakupanRequest, pk: int) -> HttpResponse:
    """``/klaim/<id>/``: the claim, its reasons, heirs (masked), documents, money and history."""
    return render(request, "claims/claim_detail.html", _detail_context(request, pk))


def back_to_claim(
    request: CakupanRequest, claim: Claim, error: ClaimError | None, ok: str
) -> HttpResponse:
    """Back to the claim's page with the service's refusal, or ``ok``, as a message."""
    if error is not None:
        messages.error(request, error.message)
    else:
        messages.success(request, ok)
    return redirect("claims:claim_detail", pk=claim.pk)


@login_required
@require_POST
def claim_transition(request: CakupanRequest, pk: int, step: str) -> HttpResponse:
    """POST ``/klaim/<id>/<step>/``: submit, verify, file, approve or reject."""
    claim = selectors.claim_get_for(request.user, pk)
    actor = web_actor(request)
    done = {
        "ajukan": _("Klaim diajukan untuk verifikasi."),
        "verifikasi": _("Klaim diverifikasi."),
        "terima": _("Klaim diterima BPJS Ketenagakerjaan; jam layanan berjalan."),
        "setujui": _("Klaim disetujui."),
        "tolak": _("Klaim ditolak."),
    }
    if step not in done:
        raise PermissionDenied
    try:
        if step == "ajukan":
            workflow.claim_submit(actor=actor, claim=claim)
        elif step == "verifikasi":
            workflow.claim_verify(actor=actor, claim=claim)
        elif step == "terima":
            workflow.claim_file(actor=actor, claim=claim)
        elif step == "setujui":
            workflow.claim_approve(actor=actor, claim=claim)
        else:
            form = RejectForm(request.POST)
            if not form.is_valid():
                return render(
                    request,
                    "claims/claim_detail.html",
                    _detail_context(request, pk, reject_form=form),
                    status=400,
                )
            workflow.claim_reject(actor=actor, claim=claim, reason=form.cleaned_data["reason"])
    except ClaimError as error:
        return back_to_claim(request, claim, error, "")
    return back_to_claim(request, claim, None, done[step])


@login_required
@require_POST
def heir_add(request: CakupanRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(request.user, pk)
    # A role that may not write answers 403 before its form is read (not 400 for an empty form).
    if not permissions.may_report(request.user, claim.unit_id):
        raise PermissionDenied
    form = HeirForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.heir_add(
                actor=web_actor(request),
                claim=claim,
                data=services.HeirInput(
                    **{k: v for k, v in data.items() if k not in ("school_class",)},
                    school_class=data["school_class"],
                ),
            )
        except ClaimError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Ahli waris %(name)s dicatat.") % {"name": data["name"]})
            return redirect("claims:claim_detail", pk=claim.pk)
    context = _detail_context(request, pk, heir_form=form)
    return render(request, "claims/claim_detail.html", context, status=400)


#: The edit form's field names and ids (``id_ubah-nik``) differ from the add form's on one page.
EDIT_PREFIX = "ubah"


@login_required
def heir_edit(request: CakupanRequest, pk: int) -> HttpResponse:
    """``/klaim/ahli-waris/<id>/ubah/``: edit a recorded heir of a draft in place (GET: the form,
    as an htmx fragment under the heirs table or as a page; POST: ``services.heir_update``)."""
    actor = web_actor(request)
    if not permissions.may_edit(request.user, selectors.heir_get_for(request.user, pk).claim):
        raise PermissionDenied
    heir = selectors.heir_for_edit(actor=actor, pk=pk)
    claim = heir.claim
    if request.method == "POST":
        form = HeirForm(request.POST, prefix=EDIT_PREFIX)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.heir_update(actor=actor, heir=heir, data=services.HeirInput(**data))
            except ClaimError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, _("Ahli waris %(name)s diperbarui.") % {"name": data["name"]}
                )
                return redirect("claims:claim_detail", pk=claim.pk)
        status = 400
    else:
        form = HeirForm(initial=heir_initial(heir), prefix=EDIT_PREFIX)
        status = 200
    context = {"claim": claim, "heir": heir, "edit_form": form}
    template = "claims/snippets/heir_edit.html" if is_fragment(request) else "claims/heir_edit.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def heir_remove(request: CakupanRequest, pk: int) -> HttpResponse:
    heir = selectors.heir_get_for(request.user, pk)
    try:
        services.heir_remove(actor=web_actor(request), heir=heir)
    except ClaimError as error:
        return back_to_claim(request, heir.claim, error, "")
    return back_to_claim(request, heir.claim, None, _("Ahli waris dihapus."))


@login_required
@require_POST
def document_upload(request: CakupanRequest, pk: int) -> HttpResponse:
    claim = selectors.claim_get_for(request.user, pk)
    if not permissions.may_report(request.user, claim.unit_id):
        raise PermissionDenied
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        uploaded = form.cleaned_data["file"]
        try:
            services.document_upload(
                actor=web_actor(request),
                claim=claim,
                kind=form.cleaned_data["kind"],
                data=uploaded.read(),
                file_name=uploaded.name or "",
            )
        except ClaimError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Dokumen diunggah."))
            return redirect("claims:claim_detail", pk=claim.pk)
    context = _detail_context(request, pk, upload_form=form)
    return render(request, "claims/claim_detail.html", context, status=400)


@login_required
@require_POST
def document_remove(request: CakupanRequest, pk: int) -> HttpResponse:
    document = selectors.document_get_for(request.user, pk)
    try:
        services.document_remove(actor=web_actor(request), document=document)
    except ClaimError as error:
        return back_to_claim(request, document.claim, error, "")
    return back_to_claim(request, document.claim, None, _("Dokumen dihapus."))


@login_required
def document_download(request: CakupanRequest, pk: int) -> FileResponse:
    """A stored document, as an attachment (the download is logged)."""
    document = selectors.document_get_for(request.user, pk)
    record_access(
        actor=web_actor(request),
        action=Action.EXPORT,
        entity="claims.claimdocument",
        entity_id=document.pk,
        note=f"klaim {document.claim.number}: {document.get_kind_display()}",
    )
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        document.content_type, "bin"
    )
    return FileResponse(
        iter([read_document(document.file_path)]),
        as_attachment=True,
        filename=f"{document.claim.number}-{document.kind}-{document.pk}.{extension}",
        content_type=document.content_type,
    )


@login_required
@require_POST
def component_pay(request: CakupanRequest, pk: int) -> HttpResponse:
    claims = selectors.claims_visible_to(request.user)
    try:
        component = ClaimComponent.objects.get(pk=pk, claim__in=claims)
    except ClaimComponent.DoesNotExist:
        from django.http import Http404

        raise Http404 from None
    if not permissions.may_act_for_bpjs(request.user, component.claim):
        raise PermissionDenied
    form = PaymentForm(request.POST, prefix=f"c{component.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            payments.component_pay(
                actor=web_actor(request),
                component=component,
                amount=data["amount"],
                paid_on=data["paid_on"],
                reference=data["reference"],
                override_reason=data["override_reason"],
            )
        except ClaimError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Pembayaran %(item)s dicatat.") % {"item": component.item})
            return redirect("claims:claim_detail", pk=component.claim_id)
    context = _detail_context(request, component.claim_id, **{f"component_{component.pk}": form})
    return render(request, "claims/claim_detail.html", context, status=400)


@login_required
def handover_pdf(request: CakupanRequest, pk: int) -> HttpResponse:
    """The berita acara penyerahan santunan of claim ``pk`` (export logged)."""
    claim = selectors.claim_get_for(request.user, pk)
    data = documents.handover_pdf(actor=web_actor(request), pk=pk, params=claim_parameters())
    return _attachment(data, "application/pdf", f"berita-acara-{claim.number}.pdf")


@login_required
def overdue(request: CakupanRequest) -> HttpResponseBase:
    """``/klaim/terlambat/``: claims past their payment deadline, per branch and kabupaten."""
    rows = selectors.overdue_claims(
        user=request.user, today=timezone.localdate(), params=claim_parameters()
    )
    fmt = exports.requested_format(request)
    if fmt:
        full = _fully_visible(request.user, {r.claim.person_id for r in rows})
        table = [
            [
                r.branch, r.kabupaten, r.claim.number, r.claim.get_type_display(),
                r.claim.person.name, r.claim.person.nik, r.claim.filed_on, r.clock.deadline,
                r.clock.days_late, r.claim.cash_entitlement, r.clock.penalty,
                r.claim.person_id in full,
            ]
            for r in rows
        ]  # fmt: skip
        log = _log_rows(
            request, entity="registry.person", ids=sorted({r.claim.person_id for r in rows}),
            list_name="klaim terlambat",
        )  # fmt: skip
        return exports.answer(
            request,
            lambda: exports.export_rows(
                table,
                OVERDUE_COLUMNS,
                fmt=fmt,
                file_stem="klaim-terlambat",
                log=log,
                full=lambda row: bool(row[-1]),
            ),
        )
    selectors.list_view_record(
        actor=web_actor(request), claims=[r.claim for r in rows], note="klaim terlambat"
    )
    groups: dict[tuple[str, str], list[Any]] = {}
    for row in rows:
        groups.setdefault((row.branch, row.kabupaten), []).append(row)
    context = {
        "groups": [{"branch": b, "kabupaten": k, "rows": r} for (b, k), r in groups.items()],
        "count": len(rows),
        "today": timezone.localdate(),
        "downloads": exports.download_links(request),
    }
    return render(request, "claims/overdue.html", context)


@login_required
def claims_summary(request: CakupanRequest) -> HttpResponse:
    """``/klaim/ringkasan/``: claims paid against contributions, a table and a bar chart."""
    choices = region_choices(request.user)
    initial = {"region": choices[0][0] if choices else "", "year": timezone.localdate().year - 1}
    form = SummaryForm(request.GET or None, regions=choices, initial=initial)
    data = None
    if form.is_bound and form.is_valid():
        region = Region.objects.get(code=form.cleaned_data["region"])
        data = summary.claims_summary(
            user=request.user,
            region=region,
            year=form.cleaned_data["year"],
            segment=form.cleaned_data["segment"] or None,
        )
    chart = None
    if data and data["by_region"]:
        rows = data["by_region"]
        chart = grouped_bar_chart(
            [
                ("apbd", [r["claims_paid"]["total"] for r in rows]),
                ("apbdes", [r["contributions"]["paid"] for r in rows]),
            ],
            [r["name"] for r in rows],
            y_label=short_rupiah,
        )
    context = {
        "form": form,
        "data": data,
        "chart": chart,
        "benefits": [(key, summary.BENEFIT_LABELS[key]) for key in summary.BENEFIT_KEYS],
        "peak": short_rupiah(
            max(
                (
                    max(r["claims_paid"]["total"], r["contributions"]["paid"])
                    for r in (data["by_region"] if data else [])
                ),
                default=Decimal(0),
            )
        ),
    }
    return render(request, "claims/summary.html", context)
