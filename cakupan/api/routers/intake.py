"""Intake: upload a file or post rows, follow the check, read its issues, commit, submit, verify,
the BPJS registration file and BPJS's reply.

The same services as the web and the CLI (``intake.services``, ``intake.workflow``) and the same
scoped selectors (``intake.selectors.batch_get_for``: a batch outside the token user's scope is
404, a write by a read-only role 403). Checking and committing run in the background like the
web's (``tasks.process_batch``): the POST answers with the batch as it stands (202 for a commit);
poll ``GET /intake/batches/{id}`` until ``phase`` is ``done``.

Rows posted as JSON become a CSV file (header: the fields' Indonesian column names, one line per
row) that is stored and read exactly like an uploaded one: the same batch, the same validation,
the same issue codes; row numbers are those of that file, so the first posted row is row 2 (row 1
holds the column names), the ``n``-th is row ``n + 1``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Annotated, Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import BeforeValidator, ConfigDict, StringConstraints, WithJsonSchema

from cakupan.accounts.models import Source
from cakupan.api.auth import api_actor, api_user
from cakupan.api.errors import ApiError
from cakupan.api.idempotency import idempotent
from cakupan.api.pagination import page_of
from cakupan.api.schemas.text import Text
from cakupan.common.web import XLSX, attachment
from cakupan.intake import selectors, services, tasks
from cakupan.intake.defaults import default_segment
from cakupan.intake.models import BatchStatus, ImportBatch, Phase
from cakupan.intake.schema import FIELD_LABELS, FileError
from cakupan.intake.schema import Field as IntakeField
from cakupan.intake.workflow import (
    batch_mark_sent,
    batch_return,
    batch_submit,
    batch_verify,
    bpjs_export,
    bpjs_reply_import,
    may_send_to_bpjs,
)
from cakupan.registry.models import Segment, Unit

router = Router(tags=["impor"])

DEFAULT_PAGE_SIZE = 50
SegmentCode = Literal[tuple(Segment.values)]  # type: ignore[valid-type]
StatusCode = Literal[tuple(BatchStatus.values)]  # type: ignore[valid-type]
PhaseCode = Literal[tuple(Phase.values)]  # type: ignore[valid-type]
ROWS_FILE_NAME = "baris-api.csv"

FILE_CONTENT = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX}


# --- schemas ------------------------------------------------------------------------------------


class UnitRef(Schema):
    id: int
    code: str
    name: str
    region_code: str


class Progress(Schema):
    done: int
    total: int


class FileProblem(Schema):
    code: str = Field(description="kode masalah berkas, sama dengan CLI (file_missing_columns ...)")
    message: str


class Actions(Schema):
    """What the token's user may do with the batch now (the buttons of the batch page)."""

    commit: bool
    submit: bool
    verify: bool
    bpjs_export: bool
    mark_sent: bool
    bpjs_reply: bool


class ReplyMismatch(Schema):
    row: int | None
    nik: str | None = Field(description="tersamar")
    code: str
    message: str


class ReplySummary(Schema):
    file_name: str
    at: str
    by: str
    registered: int
    rejected: int
    missing: int
    mismatches: list[ReplyMismatch]


class BatchOut(Schema):
    id: int
    unit: UnitRef
    segment: SegmentCode  # type: ignore[valid-type]
    status: StatusCode  # type: ignore[valid-type]
    phase: PhaseCode = Field(description="done: tidak sedang diperiksa atau disimpan")  # type: ignore[valid-type]
    progress: Progress
    file_name: str
    file_type: str
    source: str = Field(description="kanal unggah: web, cli, api")
    rows: int
    accepted: int
    rejected: int
    new: int
    changed: int
    unchanged: int
    issue_counts: dict[str, int] = Field(description="jumlah masalah per kode")
    file_error: FileProblem | None
    created_at: dt.datetime
    validated_at: dt.datetime | None
    committed_at: dt.datetime | None
    submitted_at: dt.datetime | None
    verified_at: dt.datetime | None
    returned_at: dt.datetime | None
    return_note: str
    sent_at: dt.datetime | None
    registered_at: dt.datetime | None
    reply: ReplySummary | None = Field(description="balasan BPJS terakhir yang dibaca")
    actions: Actions


class BatchPage(Schema):
    items: list[BatchOut]
    next_cursor: str | None


class BatchFilters(Schema):
    unit: int | None = Field(None, ge=1, le=2**63 - 1, description="id unit")
    status: StatusCode | None = None  # type: ignore[valid-type]
    waiting: Literal[tuple(selectors.WAITING_KINDS)] | None = Field(  # type: ignore[valid-type]
        None, description="hanya batch yang menunggu tindakan pengguna ini (seperti beranda)"
    )
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=settings.API_PAGE_SIZE_MAX)
    cursor: str | None = Field(None, max_length=200)


class IssueOut(Schema):
    id: int
    row: int = Field(
        description="nomor baris dalam berkas (baris judul kolom tidak dihitung ulang)"
    )
    column: str
    field: str
    code: str
    severity: Literal["error", "warning"]
    message: str


class IssuePage(Schema):
    items: list[IssueOut]
    next_cursor: str | None


class IssueFilters(Schema):
    severity: Literal["error", "warning"] | None = None
    code: str | None = Field(None, max_length=60)
    row: int | None = Field(None, ge=1, le=2**31 - 1)
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=settings.API_PAGE_SIZE_MAX)
    cursor: str | None = Field(None, max_length=200)


class UploadIn(Schema):
    unit: Text = Field(min_length=1, max_length=40, description="kode unit (cakupan units list)")
    segment: SegmentCode | None = Field(  # type: ignore[valid-type]
        None, description="segmen peserta dalam berkas; kosong: menurut jenis unit"
    )


MAX_CELL = 10**15


def _cell(value: Any) -> Any:
    """A whole number is a cell too (written as its digits); other JSON values are not."""
    if isinstance(value, bool) or not isinstance(value, int | str | None):
        raise ValueError("harus teks atau bilangan bulat")
    if isinstance(value, int):
        if abs(value) > MAX_CELL:
            raise ValueError("bilangan terlalu besar")
        return str(value)
    return value


# A cell as a file holds it: text (up to 500 characters) or a whole number.
Cell = Annotated[
    Annotated[Text, StringConstraints(max_length=500)] | None,
    BeforeValidator(_cell),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "maxLength": 500},
                {"type": "integer", "minimum": -MAX_CELL, "maximum": MAX_CELL},
                {"type": "null"},
            ]
        }
    ),
]


class RowIn(Schema):
    """One row of an enrolment list, as its cells would be written in a file: the same values are
    accepted and refused the same way (a bad date is an issue of the row, not a 422)."""

    model_config = ConfigDict(extra="forbid")

    nik: Cell = Field(None, examples=["7324041708850001"])
    name: Cell = None
    sex: Cell = Field(None, description="L/P, laki-laki, perempuan ...")
    birth_date: Cell = Field(None, examples=["17-08-1985"])
    birth_place: Cell = None
    desa: Cell = Field(None, description="kode Kemendagri atau nama desa/kelurahan")
    phone: Cell = None
    kk_number: Cell = None
    segment: Cell = None
    occupation: Cell = None
    funding_source: Cell = None
    scheme: Cell = None
    wage: Cell = Field(None, description="upah sebulan (Rp)", examples=[2450000])
    start_date: Cell = None
    end_date: Cell = None
    kpj_number: Cell = None
    risk_class: Cell = None


class RowsIn(UploadIn):
    rows: list[RowIn] = Field(min_length=1, max_length=settings.INTAKE_MAX_ROWS)


class ExportFilter(Schema):
    format: Literal["csv", "xlsx"] = "csv"


class ReplyOut(Schema):
    registered: int
    rejected: int
    missing: int
    mismatches: list[ReplyMismatch]
    batch: BatchOut


class ReturnIn(Schema):
    note: Text = Field(min_length=1, max_length=2000, description="apa yang perlu diperbaiki")


# --- helpers ------------------------------------------------------------------------------------


def _batch_out(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    user = api_user(request)
    actions = selectors.batch_actions(user=user, batch=batch)
    unit = batch.unit
    return {
        "id": batch.pk,
        "unit": {
            "id": unit.pk,
            "code": unit.code,
            "name": unit.name,
            "region_code": unit.region_id,
        },
        "segment": batch.segment,
        "status": batch.status,
        "phase": batch.phase,
        "progress": {"done": batch.progress_done, "total": batch.progress_total},
        "file_name": batch.file_name,
        "file_type": batch.file_type,
        "source": batch.source,
        "rows": batch.rows,
        "accepted": batch.accepted,
        "rejected": batch.rejected,
        "new": batch.new,
        "changed": batch.changed,
        "unchanged": batch.unchanged,
        "issue_counts": dict(batch.issue_counts or {}),
        "file_error": batch.file_error or None,
        "created_at": batch.created_at,
        "validated_at": batch.validated_at,
        "committed_at": batch.committed_at,
        "submitted_at": batch.submitted_at,
        "verified_at": batch.verified_at,
        "returned_at": batch.returned_at,
        "return_note": batch.return_note,
        "sent_at": batch.sent_at,
        "registered_at": batch.registered_at,
        "reply": batch.reply_summary or None,
        "actions": {
            "commit": actions.commit,
            "submit": actions.submit,
            "verify": actions.verify,
            "bpjs_export": actions.export,
            "mark_sent": actions.mark_sent,
            "bpjs_reply": actions.reply,
        },
    }


def _fresh(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    return _batch_out(request, selectors.batch_get_for(api_user(request), batch_id))


def _file_refusal(error: FileError, field: str = "file") -> ApiError:
    return ApiError(
        422, str(error.code), error.message, details=[{"field": field, "location": "body"}]
    )


def _upload_unit(request: HttpRequest, code: str) -> Unit:
    """The unit the user may upload for, by code; 403 for roles that do not write, 422 for a code
    that is unknown or outside the user's scope (the web's form refuses it the same way)."""
    user = api_user(request)
    if not user.can_write:
        raise ApiError(403)
    unit = selectors.upload_units(user=user).filter(code=code).first()
    if unit is None:
        raise ApiError(
            422,
            "unit_unknown",
            _("Unit tidak dikenal atau di luar wilayah Anda: %(code)s") % {"code": code[:40]},
            details=[{"field": "unit", "location": "body"}],
        )
    return unit


def _segment(unit: Unit, segment: str | None) -> str:
    chosen = segment or default_segment(unit.kind)
    if chosen is None:
        raise ApiError(
            422,
            "segment_required",
            _("Segmen unit %(code)s tidak dapat ditebak; sebutkan segment.") % {"code": unit.code},
            details=[{"field": "segment", "location": "body"}],
        )
    return chosen


def _enqueue(request: HttpRequest, batch: ImportBatch, *, commit: bool) -> None:
    tasks.process_batch.enqueue(
        batch.pk, commit=commit, user_id=api_user(request).pk, source=Source.API.value
    )


def _create(request: HttpRequest, *, unit: Unit, segment: str, name: str, data: bytes) -> Any:
    try:
        batch = services.batch_create(
            actor=api_actor(request), unit=unit, segment=segment, file_name=name, data=data
        )
    except FileError as error:
        raise _file_refusal(error) from None
    _enqueue(request, batch, commit=False)
    return Status(201, _fresh(request, batch.pk))


def rows_csv(rows: list[RowIn]) -> bytes:
    """The posted rows as the CSV file a person would upload: a header line of the fields' column
    names (those given in any row, in the template's order), then one line per row."""
    given = [f for f in IntakeField if any(getattr(r, f.value) is not None for r in rows)]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=",", quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow([FIELD_LABELS[f] for f in given])
    for row in rows:
        cells = [getattr(row, f.value) for f in given]
        writer.writerow(["" if c is None else str(c) for c in cells])
    return out.getvalue().encode("utf-8")


# --- upload, rows, list, detail, issues ---------------------------------------------------------


@router.post("/intake/batches", response={201: BatchOut}, url_name="intake_batch_create")
@idempotent
def batch_create(request: HttpRequest, payload: Form[UploadIn], file: File[UploadedFile]) -> Status:
    """Upload an enrolment file (XLSX, XLS, ODS, CSV) for a unit the user may write for; the file
    is checked in the background (``phase``). A file that cannot be kept (empty, too large): 422
    with the CLI's code (``file_empty``, ``file_too_large``); one that cannot be read ends as
    status ``failed`` with ``file_error``."""
    unit = _upload_unit(request, payload.unit)
    segment = _segment(unit, payload.segment)
    return _create(
        request, unit=unit, segment=segment, name=file.name or "berkas", data=file.read()
    )


@router.post("/intake/batches/rows", response={201: BatchOut}, url_name="intake_batch_rows")
@idempotent
def batch_create_rows(request: HttpRequest, payload: RowsIn) -> Status:
    """Post the rows of an enrolment list as JSON: they become a CSV file (``file_name``
    ``baris-api.csv``) checked exactly as an upload; the first row is row 2 of its issues."""
    unit = _upload_unit(request, payload.unit)
    segment = _segment(unit, payload.segment)
    return _create(
        request, unit=unit, segment=segment, name=ROWS_FILE_NAME, data=rows_csv(payload.rows)
    )


@router.get("/intake/batches", response=BatchPage, url_name="intake_batch_list")
def batch_list(request: HttpRequest, filters: Query[BatchFilters]) -> dict[str, Any]:
    """Batches of the units the user sees (by id), optionally of one unit, of one status, or only
    those waiting for the user."""
    qs = selectors.batch_list(
        user=api_user(request), unit_id=filters.unit, waiting=filters.waiting or ""
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    rows, next_cursor = page_of(qs, limit=filters.limit, cursor=filters.cursor)
    return {"items": [_batch_out(request, b) for b in rows], "next_cursor": next_cursor}


@router.get("/intake/batches/{batch_id}", response=BatchOut, url_name="intake_batch_detail")
def batch_detail(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """A batch: status, progress of the check or commit, counts, what the user may do next."""
    return _fresh(request, batch_id)


@router.get("/intake/batches/{batch_id}/issues", response=IssuePage, url_name="intake_issues")
def issue_list(request: HttpRequest, batch_id: int, filters: Query[IssueFilters]) -> dict[str, Any]:
    """The issues found in the batch's rows, in file order (by id), filtered as on the batch
    page."""
    batch = selectors.batch_get_for(api_user(request), batch_id)
    qs = selectors.issue_list(
        batch=batch, severity=filters.severity or "", code=filters.code or "", row=filters.row
    )
    rows, next_cursor = page_of(qs, limit=filters.limit, cursor=filters.cursor)
    return {
        "items": [
            {
                "id": i.pk,
                "row": i.row_number,
                "column": i.column,
                "field": i.field,
                "code": i.code,
                "severity": i.severity,
                "message": i.message,
            }
            for i in rows
        ],
        "next_cursor": next_cursor,
    }


@router.get(
    "/intake/batches/{batch_id}/annotated",
    url_name="intake_annotated",
    openapi_extra={
        "responses": {
            200: {
                "description": "berkas yang diunggah dengan setiap masalah ditandai (XLSX)",
                "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def batch_annotated(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The checked file with every issue marked on its row (XLSX), as the batch page offers it;
    written to the access log. 409 ``batch_not_checked`` before the check is done."""
    user = api_user(request)
    batch = selectors.batch_get_for(user, batch_id)
    if not selectors.batch_actions(user=user, batch=batch).checked:
        raise ApiError(
            409,
            "batch_not_checked",
            _("Berkas hasil pemeriksaan belum tersedia untuk batch ini."),
        )
    try:
        data, file_name = selectors.annotated_download(actor=api_actor(request), batch=batch)
    except FileError as error:
        raise ApiError(409, str(error.code), error.message) from None
    return attachment(data, XLSX, file_name)


# --- workflow -----------------------------------------------------------------------------------


@router.post(
    "/intake/batches/{batch_id}/commit", response={202: BatchOut}, url_name="intake_commit"
)
@idempotent
def batch_commit(request: HttpRequest, batch_id: int) -> Status:
    """Save the accepted rows of a checked batch to the registry (in the background). 409
    ``batch_not_committable`` when the batch is not checked, has no accepted row or is saved
    already; 409 ``batch_busy`` while it is being processed."""
    user = api_user(request)
    batch = selectors.batch_get_for(user, batch_id, write=True)
    if not selectors.batch_actions(user=user, batch=batch).commit:
        raise ApiError(
            409,
            "batch_not_committable",
            _("Batch #%(pk)s tidak dapat disimpan ke registri sekarang (status: %(status)s).")
            % {"pk": batch.pk, "status": batch.get_status_display()},
        )
    if not services.batch_queue(actor=api_actor(request), batch=batch, commit=True):
        raise ApiError(409, "batch_busy", _("Batch ini sedang diproses. Tunggu sampai selesai."))
    _enqueue(request, batch, commit=True)
    return Status(202, _fresh(request, batch.pk))


@router.post("/intake/batches/{batch_id}/submit", response=BatchOut, url_name="intake_submit")
@idempotent
def batch_submit_view(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """Submit a committed (or returned) batch to the kabupaten for verification."""
    batch = selectors.batch_get_for(api_user(request), batch_id, write=True)
    batch_submit(actor=api_actor(request), batch=batch)
    return _fresh(request, batch_id)


@router.post("/intake/batches/{batch_id}/verify", response=BatchOut, url_name="intake_verify")
@idempotent
def batch_verify_view(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """Verify a submitted batch (the dinas that verifies its segment): 403
    ``batch_verify_forbidden`` for anyone else."""
    batch = selectors.batch_get_for(api_user(request), batch_id, write=True)
    batch_verify(actor=api_actor(request), batch=batch)
    return _fresh(request, batch_id)


@router.post("/intake/batches/{batch_id}/return", response=BatchOut, url_name="intake_return")
@idempotent
def batch_return_view(request: HttpRequest, batch_id: int, payload: ReturnIn) -> dict[str, Any]:
    """Send a submitted batch back to its operator with a note (the verifier only)."""
    batch = selectors.batch_get_for(api_user(request), batch_id, write=True)
    batch_return(actor=api_actor(request), batch=batch, note=payload.note)
    return _fresh(request, batch_id)


def _sendable(request: HttpRequest, batch_id: int) -> ImportBatch:
    """A batch the user may send to BPJS (the BPJS officer too, who otherwise reads only)."""
    user = api_user(request)
    batch = selectors.batch_get_for(user, batch_id)
    if not may_send_to_bpjs(user, batch):
        raise ApiError(403)
    return batch


@router.get(
    "/intake/batches/{batch_id}/bpjs-export",
    url_name="intake_bpjs_export",
    openapi_extra={
        "responses": {
            200: {
                "description": "berkas pendaftaran BPJS Ketenagakerjaan",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def batch_bpjs_export(
    request: HttpRequest, batch_id: int, filters: Query[ExportFilter]
) -> HttpResponse:
    """The BPJS registration file of a verified (or sent) batch, CSV or XLSX; written to the
    access log. Only for who may send the batch to BPJS (403 otherwise)."""
    batch = _sendable(request, batch_id)
    data = bpjs_export(actor=api_actor(request), batch=batch, fmt=filters.format)
    return attachment(
        data, FILE_CONTENT[filters.format], f"pendaftaran-bpjs-batch-{batch.pk}.{filters.format}"
    )


@router.post("/intake/batches/{batch_id}/sent", response=BatchOut, url_name="intake_mark_sent")
@idempotent
def batch_mark_sent_view(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    """Confirm that the registration file went to BPJS: the batch waits for the reply."""
    batch = _sendable(request, batch_id)
    batch_mark_sent(actor=api_actor(request), batch=batch)
    return _fresh(request, batch_id)


@router.post(
    "/intake/batches/{batch_id}/bpjs-reply", response=ReplyOut, url_name="intake_bpjs_reply"
)
@idempotent
def batch_bpjs_reply(
    request: HttpRequest, batch_id: int, file: File[UploadedFile]
) -> dict[str, Any]:
    """Upload BPJS's reply (NIK, KPJ, STATUS, TGL_KEPESERTAAN): what it confirms is registered;
    every row that does not fit is reported (NIK masked)."""
    batch = _sendable(request, batch_id)
    try:
        result = bpjs_reply_import(
            actor=api_actor(request),
            batch=batch,
            data=file.read(),
            file_name=file.name or "balasan",
        )
    except FileError as error:
        raise _file_refusal(error) from None
    return {
        "registered": result.registered,
        "rejected": result.rejected,
        "missing": result.missing,
        "mismatches": result.mismatches,
        "batch": _fresh(request, batch_id),
    }
