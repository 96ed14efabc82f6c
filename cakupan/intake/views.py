"""Import pages: upload a list, watch it being checked, fix it, and move it through the workflow.

Thin: read the request, call a scoped selector or a service, render or redirect.

* Every batch comes from ``selectors.batch_get_for``: a batch outside the user's scope answers 404, a
  POST by a read-only role (camat, pimpinan, petugas BPJS) answers 403.
* Checking and saving run in the background (``tasks.process_batch``); the batch page polls a
  small progress fragment with htmx and reloads itself when the work is done (``HX-Refresh``).
  Without JavaScript a ``<meta http-equiv="refresh">`` inside ``<noscript>`` does the same.
* Every action is a plain POST form with CSRF; a refusal by the workflow (``WorkflowError``) comes
  back as a message on the batch page. Verifying asks first: the verify URL answers GET with a page
  that shows what is verified and offers to verify or to return the batch with a note.
* The BPJS officer reads only, except for the batches of the kabupaten its branch serves: it
  downloads their registration file, confirms it was sent and uploads BPJS's reply (the workflow
  checks ``may_send_to_bpjs``; these views fetch the batch without ``write``). The reply upload
  redirects to the batch page, which shows the last reply (POST/redirect/GET).
* Downloads of personal data are written to the access log (``selectors.annotated_download``;
  ``workflow.bpjs_export`` logs its own).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cakupan.accounts.models import Source
from cakupan.common.web import XLSX, CakupanRequest, attachment, is_fragment, web_actor
from cakupan.intake import selectors, services, tasks
from cakupan.intake.forms import (
    ExportForm,
    IssueFilterForm,
    MappingForm,
    ReplyForm,
    ReturnForm,
    TemplateForm,
    UploadForm,
    ValueMappingForm,
)
from cakupan.intake.models import BatchStatus, ImportBatch, Phase
from cakupan.intake.schema import FileError
from cakupan.intake.workflow import (
    WorkflowError,
    batch_mark_sent,
    batch_return,
    batch_submit,
    batch_verify,
    bpjs_export,
    bpjs_reply_import,
    may_send_to_bpjs,
)
from cakupan.registry.selectors import units_visible_to

BATCH_PAGE_SIZE = 25
ISSUE_PAGE_SIZE = 50
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


def _to_batch(batch: ImportBatch) -> HttpResponse:
    return redirect("intake:batch_detail", pk=batch.pk)


def _start_processing(request: CakupanRequest, batch: ImportBatch, *, commit: bool) -> bool:
    """Queue a check (or a commit) of a batch that is not being processed; False if it is.

    The batch goes back to "waiting" at once, so the page shows the progress bar and a second click
    queues nothing.
    """
    claimed = services.batch_queue(actor=web_actor(request), batch=batch, commit=commit)
    if claimed:
        tasks.process_batch.enqueue(
            batch.pk, commit=commit, user_id=request.user.pk, source=Source.WEB.value
        )
    return claimed


# --- list, upload, template ---------------------------------------------------------------------


@login_required
def batch_list(request: CakupanRequest) -> HttpResponse:
    user = request.user
    units = selectors.batch_units(user=user)
    unit_id = _int(request.GET.get("unit"))
    if unit_id is not None and not units.filter(pk=unit_id).exists():
        unit_id = None
    waiting = request.GET.get("tunggu", "")
    waiting = waiting if waiting in selectors.WAITING_KINDS else ""
    batches = selectors.batch_list(user=user, unit_id=unit_id, waiting=waiting)
    page = Paginator(batches, BATCH_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page_obj": page,
        "units": units,
        "unit": unit_id,
        "can_upload": user.can_write,
        "waiting": waiting,
        "waiting_label": selectors.waiting_label(waiting),
    }
    template = (
        "intake/snippets/batch_table.html" if is_fragment(request) else "intake/batch_list.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def upload(request: CakupanRequest) -> HttpResponse:
    user = request.user
    if not user.can_write:
        raise PermissionDenied
    units = selectors.upload_units(user=user)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, units=units, user=user)
        if form.is_valid():
            uploaded = form.cleaned_data["file"]
            try:
                batch = services.batch_create(
                    actor=web_actor(request),
                    unit=form.cleaned_data["unit"],
                    segment=form.cleaned_data["segment"],
                    file_name=uploaded.name or "berkas",
                    data=uploaded.read(),
                )
            except FileError as error:
                form.add_error("file", error.message)
            else:
                tasks.process_batch.enqueue(
                    batch.pk, commit=False, user_id=user.pk, source=Source.WEB.value
                )
                return _to_batch(batch)
    else:
        initial = {k: request.GET[k] for k in ("unit", "segment") if request.GET.get(k)}
        form = UploadForm(initial=initial, units=units, user=user)
    own_unit = user.unit if user.unit_id and units.filter(pk=user.unit_id).exists() else None
    context = {
        "form": form,
        "own_unit": own_unit,
        "max_mb": settings.INTAKE_MAX_UPLOAD_BYTES // 2**20,
    }
    return render(request, "intake/upload.html", context)


@login_required
def template_download(request: CakupanRequest) -> HttpResponse:
    """The enrolment template (XLSX) of a visible unit; without a unit, the form to choose one."""
    units = units_visible_to(request.user).order_by("name", "code")
    if "unit" in request.GET:
        form = TemplateForm(request.GET, units=units)
        if form.is_valid():
            segment = form.cleaned_data["segment"]
            data = services.template_file(segment=segment, unit=form.cleaned_data["unit"])
            return attachment(data, XLSX, f"templat-{segment.replace('_', '-')}.xlsx")
    else:
        initial = {"unit": request.user.unit_id} if request.user.unit_id else {}
        form = TemplateForm(initial=initial, units=units)
    return render(request, "intake/template.html", {"form": form})


# --- the batch page -----------------------------------------------------------------------------


def _detail_context(request: CakupanRequest, batch: ImportBatch, **extra: Any) -> dict[str, Any]:
    user = request.user
    actions = selectors.batch_actions(user=user, batch=batch)
    context: dict[str, Any] = {"batch": batch, "actions": actions}
    if actions.checked:
        counts = selectors.issue_summary(batch=batch)
        filters = IssueFilterForm(request.GET, counts=counts)
        issues = selectors.issue_list(batch=batch, **filters.filters())
        page = Paginator(issues, ISSUE_PAGE_SIZE).get_page(request.GET.get("page"))
        for issue in page:
            setattr(issue, "label", selectors.issue_label(issue.code))  # noqa: B010
        context |= {
            "counts": counts,
            "filters": filters,
            "filtered": any(request.GET.get(k) for k in ("tingkat", "kode", "baris")),
            "page_obj": page,
            "steps": selectors.workflow_steps(batch=batch),
        }
    if actions.revalue and "value_form" not in extra:
        context["value_form"] = ValueMappingForm(
            values=(batch.mapping or {}).get("values") or {}, targets=selectors.value_targets()
        )
    mapping = selectors.column_mapping(batch=batch) if actions.remap else None
    if mapping is not None and "mapping_form" not in extra:
        context["mapping_form"] = MappingForm(mapping=mapping)
    if batch.status == BatchStatus.FAILED:
        # The header row as read, so the operator sees what Cakupan saw.
        context["file_headers"] = (batch.mapping or {}).get("headers") or (
            mapping.headers if mapping is not None else []
        )
    if actions.reply:
        context["reply_form"] = ReplyForm()
    if batch.reply_summary:
        context["reply_at"] = parse_datetime(str(batch.reply_summary.get("at", "")))
    return context | extra


@login_required
def batch_detail(request: CakupanRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for(request.user, pk)
    context = _detail_context(request, batch)
    if is_fragment(request) and "page_obj" in context:
        response = render(request, "intake/snippets/issue_table.html", context)
    else:
        response = render(request, "intake/batch_detail.html", context)
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def batch_progress(request: CakupanRequest, pk: int) -> HttpResponse:
    """The progress fragment the batch page polls; when the work is done, the page reloads."""
    batch = selectors.batch_get_for(request.user, pk)
    if not request.htmx:
        return _to_batch(batch)
    done = batch.phase == Phase.DONE
    response = render(
        request, "intake/snippets/progress.html", {"batch": batch, "polling": not done}
    )
    if done:
        response["HX-Refresh"] = "true"
    patch_vary_headers(response, ("HX-Request",))
    return response


@login_required
def annotated(request: CakupanRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for(request.user, pk)
    if not selectors.batch_actions(user=request.user, batch=batch).checked:
        messages.error(request, _("Berkas hasil pemeriksaan belum tersedia untuk batch ini."))
        return _to_batch(batch)
    try:
        data, file_name = selectors.annotated_download(actor=web_actor(request), batch=batch)
    except FileError as error:
        messages.error(request, error.message)
        return _to_batch(batch)
    return attachment(data, XLSX, file_name)


# --- actions (POST) -----------------------------------------------------------------------------


@login_required
@require_POST
def commit(request: CakupanRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for(request.user, pk, write=True)
    if not selectors.batch_actions(user=request.user, batch=batch).commit:
        messages.error(
            request,
            _("Batch #%(pk)s tidak dapat disimpan ke registri sekarang (status: %(status)s).")
            % {"pk": batch.pk, "status": batch.get_status_display()},
        )
    elif _start_processing(request, batch, commit=True):
        messages.success(
            request,
            _("Penyimpanan %(count)s baris yang diterima ke registri dimulai.")
            % {"count": batch.accepted},
        )
    else:
        messages.error(request, _("Batch ini sedang diproses. Tunggu sampai selesai."))
    return _to_batch(batch)


@login_required
@require_POST
def submit(request: CakupanRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_get_for(request.user, pk, write=True)
    try:
        batch_submit(actor=web_actor(request), batch=batch)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Batch #%(pk)s diajukan ke kabupaten. Dinas yang menangani segmennya akan memverifikasi."
            )
            % {"pk": batch.pk},
        )
    return _to_batch(batch)


@login_required
def verify(request: CakupanRequest, pk: int) -> HttpResponse:
    """GET: what is about to be verified, with the choice to verify or to return the batch;
    POST: verify."""
    batch = selectors.batch_get_for(request.user, pk, write=request.method == "POST")
    actions = selectors.batch_actions(user=request.user, batch=batch)
    if request.method != "POST":
        if not actions.verify:
            messages.error(request, _("Batch #%(pk)s tidak menunggu verifikasi Anda.") % {"pk": pk})
            return _to_batch(batch)
        return render(request, "intake/verify.html", _verify_context(batch, ReturnForm()))
    try:
        batch_verify(actor=web_actor(request), batch=batch)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Batch #%(pk)s diverifikasi. Berkas pendaftaran BPJS sekarang dapat diunduh.")
            % {"pk": batch.pk},
        )
    return _to_batch(batch)


def _verify_context(batch: ImportBatch, form: ReturnForm) -> dict[str, Any]:
    return {
        "batch": batch,
        "return_form": form,
        "counts": selectors.issue_summary(batch=batch),
        "linked": selectors.batch_membership_count(batch=batch),
    }


@login_required
@require_POST
def return_batch(request: CakupanRequest, pk: int) -> HttpResponse:
    """Send a submitted batch back to its operator with a note (the verifier only)."""
    batch = selectors.batch_get_for(request.user, pk, write=True)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        return render(request, "intake/verify.html", _verify_context(batch, form), status=400)
    try:
        batch_return(actor=web_actor(request), batch=batch, note=form.cleaned_data["note"])
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Batch #%(pk)s dikembalikan ke operator %(unit)s dengan catatan Anda.")
            % {"pk": batch.pk, "unit": batch.unit.name},
        )
    return _to_batch(batch)


def _sendable(request: CakupanRequest, pk: int) -> ImportBatch:
    """A batch the user may send to BPJS (the BPJS officer too, who otherwise reads only)."""
    batch = selectors.batch_get_for(request.user, pk)
    if not may_send_to_bpjs(request.user, batch):
        raise PermissionDenied
    return batch


@login_required
@require_POST
def bpjs_download(request: CakupanRequest, pk: int) -> HttpResponse:
    batch = _sendable(request, pk)
    form = ExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Pilih format berkas: CSV atau XLSX."))
        return _to_batch(batch)
    fmt = form.cleaned_data["fmt"]
    try:
        data = bpjs_export(actor=web_actor(request), batch=batch, fmt=fmt)
    except WorkflowError as error:
        messages.error(request, error.message)
        return _to_batch(batch)
    return attachment(data, CONTENT_TYPES[fmt], f"pendaftaran-bpjs-batch-{batch.pk}.{fmt}")


@login_required
@require_POST
def mark_sent(request: CakupanRequest, pk: int) -> HttpResponse:
    """The registration file went to BPJS: the batch now waits for BPJS's reply."""
    batch = _sendable(request, pk)
    try:
        batch_mark_sent(actor=web_actor(request), batch=batch)
    except WorkflowError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _(
                "Batch #%(pk)s dicatat sudah dikirim ke BPJS Ketenagakerjaan. Unggah balasannya "
                "di halaman ini bila sudah diterima."
            )
            % {"pk": batch.pk},
        )
    return _to_batch(batch)


@login_required
@require_POST
def reply_upload(request: CakupanRequest, pk: int) -> HttpResponse:
    """Read BPJS's reply, then back to the batch page, which shows the result (POST/redirect/GET)."""
    batch = _sendable(request, pk)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return _to_batch(batch)
    uploaded = form.cleaned_data["file"]
    try:
        result = bpjs_reply_import(
            actor=web_actor(request),
            batch=batch,
            data=uploaded.read(),
            file_name=uploaded.name or "balasan",
        )
    except (WorkflowError, FileError) as error:
        messages.error(request, error.message)
        return _to_batch(batch)
    text = _(
        "Balasan BPJS dibaca: %(registered)s kepesertaan terdaftar, %(rejected)s ditolak, "
        "%(missing)s tidak disebut."
    ) % {"registered": result.registered, "rejected": result.rejected, "missing": result.missing}
    if result.mismatches:
        messages.warning(request, text + " " + _("Lihat baris yang tidak cocok di bawah."))
    else:
        messages.success(request, text)
    return redirect(reverse("intake:batch_detail", kwargs={"pk": batch.pk}) + "#balasan")


@login_required
@require_POST
def mapping_save(request: CakupanRequest, pk: int) -> HttpResponse:
    """Remember which field an unrecognised column holds (for the unit), then check again."""
    batch = selectors.batch_get_for(request.user, pk, write=True)
    actions = selectors.batch_actions(user=request.user, batch=batch)
    mapping = selectors.column_mapping(batch=batch) if actions.remap else None
    if mapping is None:
        messages.error(request, _("Tidak ada kolom yang dapat dipetakan untuk batch ini."))
        return _to_batch(batch)
    form = MappingForm(request.POST, mapping=mapping)
    if not form.is_valid():
        return render(
            request, "intake/batch_detail.html", _detail_context(request, batch, mapping_form=form)
        )
    services.remember_mapping(unit=batch.unit, mapping=form.cleaned_data["mapping"])
    if _start_processing(request, batch, commit=False):
        messages.success(
            request,
            _(
                "Pemetaan kolom disimpan untuk %(unit)s dan dipakai lagi untuk berkas berikutnya. "
                "Berkas diperiksa ulang."
            )
            % {"unit": batch.unit.name},
        )
    else:
        messages.error(request, _("Batch ini sedang diproses. Tunggu sampai selesai."))
    return _to_batch(batch)


@login_required
@require_POST
def value_mapping_save(request: CakupanRequest, pk: int) -> HttpResponse:
    """Remember what the batch's unknown job titles, funding sources ... stand for (for the unit),
    then check the batch again."""
    batch = selectors.batch_get_for(request.user, pk, write=True)
    actions = selectors.batch_actions(user=request.user, batch=batch)
    if not actions.revalue:
        messages.error(request, _("Tidak ada nilai yang dapat dipetakan untuk batch ini."))
        return _to_batch(batch)
    form = ValueMappingForm(
        request.POST,
        values=(batch.mapping or {}).get("values") or {},
        targets=selectors.value_targets(),
    )
    if not form.is_valid():
        return render(
            request, "intake/batch_detail.html", _detail_context(request, batch, value_form=form)
        )
    actor = web_actor(request)
    for field_value, mapping in form.mappings().items():
        services.remember_values(actor=actor, unit=batch.unit, field=field_value, mapping=mapping)
    if _start_processing(request, batch, commit=False):
        messages.success(
            request,
            _(
                "Pemetaan nilai disimpan untuk %(unit)s dan dipakai lagi untuk berkas berikutnya. "
                "Berkas diperiksa ulang."
            )
            % {"unit": batch.unit.name},
        )
    else:
        messages.error(request, _("Batch ini sedang diproses. Tunggu sampai selesai."))
    return _to_batch(batch)
