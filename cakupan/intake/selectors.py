"""Reading import batches for the web, always through the user's scope (``accounts.access``).

Batches, their issues and their files are personal data: every batch comes from
``access.batches_visible_to`` / ``access.batch_get_for`` (out of scope: 404), and every download of
a file holding people's data is written to the access log here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PureWindowsPath
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cakupan.accounts import access
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, Role
from cakupan.common.nik import NikCode
from cakupan.intake import readers, services, storage
from cakupan.intake.headers import map_headers
from cakupan.intake.models import BatchStatus, HeaderMemory, ImportBatch, ImportIssue, Phase
from cakupan.intake.schema import WARNING_CODES, FileError, FileIssue, RowIssue
from cakupan.intake.workflow import can_verify
from cakupan.registry.models import Unit

# Short names of the issue codes, for the summary and the filter. Codes not listed show as is.
ISSUE_LABELS: dict[str, Any] = {
    NikCode.EMPTY: _("NIK kosong"),
    NikCode.EXCEL_DAMAGED: _("NIK rusak oleh Excel"),
    NikCode.NOT_DIGITS: _("NIK berisi selain angka"),
    NikCode.LENGTH: _("NIK tidak 16 digit"),
    NikCode.PROVINCE_UNKNOWN: _("Kode provinsi NIK tidak dikenal"),
    NikCode.REGION_ZERO: _("Kode wilayah NIK 00"),
    NikCode.REGENCY_UNKNOWN: _("Kode kabupaten/kota NIK tidak ada di data terbaru"),
    NikCode.DISTRICT_UNKNOWN: _("Kode kecamatan NIK tidak ada di data terbaru"),
    NikCode.BIRTH_DATE_INVALID: _("Tanggal lahir di NIK tidak valid"),
    NikCode.BIRTH_DATE_FUTURE: _("Tanggal lahir di NIK di masa depan"),
    NikCode.SEQUENCE_ZERO: _("Nomor urut NIK 0000"),
    NikCode.SEX_MISMATCH: _("Jenis kelamin tidak cocok dengan NIK"),
    NikCode.BIRTH_DATE_MISMATCH: _("Tanggal lahir tidak cocok dengan NIK"),
    RowIssue.REQUIRED: _("Isian wajib kosong"),
    RowIssue.NAME_INVALID: _("Nama tidak valid"),
    RowIssue.SEX_INVALID: _("Jenis kelamin tidak valid"),
    RowIssue.SEX_NORMALIZED: _("Jenis kelamin dibaca ulang"),
    RowIssue.DATE_INVALID: _("Tanggal tidak valid"),
    RowIssue.DATE_AMBIGUOUS: _("Tanggal bermakna ganda"),
    RowIssue.DATE_NORMALIZED: _("Tanggal dibaca ulang"),
    RowIssue.DATE_FUTURE: _("Tanggal di masa depan"),
    RowIssue.BIRTH_PLACE_SPLIT: _("Tempat dan tanggal lahir dipisah"),
    RowIssue.AGE_OUT_OF_RANGE: _("Usia di luar batas"),
    RowIssue.DESA_UNKNOWN: _("Desa/kelurahan tidak dikenal"),
    RowIssue.DESA_AMBIGUOUS: _("Nama desa/kelurahan bermakna ganda"),
    RowIssue.DESA_OUTSIDE_UNIT: _("Desa/kelurahan di luar wilayah unit"),
    RowIssue.WAGE_INVALID: _("Upah tidak valid"),
    RowIssue.WAGE_NORMALIZED: _("Upah dibaca ulang"),
    RowIssue.WAGE_OUT_OF_BOUNDS: _("Upah di luar batas"),
    RowIssue.PHONE_INVALID: _("Nomor HP tidak valid"),
    RowIssue.KK_INVALID: _("Nomor KK tidak valid"),
    RowIssue.KPJ_INVALID: _("Nomor KPJ tidak valid"),
    RowIssue.SEGMENT_UNKNOWN: _("Segmen tidak dikenal"),
    RowIssue.OCCUPATION_UNKNOWN: _("Pekerjaan/jabatan tidak dikenal"),
    RowIssue.FUNDING_SOURCE_UNKNOWN: _("Sumber dana tidak dikenal"),
    RowIssue.SCHEME_UNKNOWN: _("Skema tidak dikenal"),
    RowIssue.RISK_CLASS_INVALID: _("Kelas risiko tidak valid"),
    RowIssue.END_BEFORE_START: _("Tanggal berakhir sebelum tanggal mulai"),
    RowIssue.NIK_DUPLICATE_IN_FILE: _("NIK ganda dalam berkas"),
    RowIssue.NIK_ACTIVE_ELSEWHERE: _("NIK sudah terdaftar di unit lain (segmen sama)"),
    RowIssue.NIK_ACTIVE_OTHER_SEGMENT: _("NIK terdaftar di segmen lain"),
    RowIssue.NAME_DIFFERS_FROM_REGISTRY: _("Nama berbeda dengan registri"),
}
SEVERITIES: list[tuple[str, Any]] = [("error", _("Kesalahan")), ("warning", _("Peringatan"))]
# Batches whose file was checked: they have a summary, issues and an annotated file.
CHECKED_STATUSES = (
    BatchStatus.VALIDATED,
    BatchStatus.COMMITTED,
    BatchStatus.SUBMITTED,
    BatchStatus.VERIFIED,
    BatchStatus.SENT,
    BatchStatus.REGISTERED,
)
# A file that failed for these reasons can be fixed by telling which column is which.
MAPPABLE_FILE_ERRORS = (FileIssue.MISSING_COLUMNS,)


def issue_label(code: str) -> Any:
    return ISSUE_LABELS.get(code, code)


def issue_severity(code: str) -> str:
    return "warning" if code in WARNING_CODES else "error"


# --- lists ------------------------------------------------------------------------------------


def batch_list(*, user: Any, unit_id: int | None = None) -> QuerySet[ImportBatch]:
    """Batches of the units ``user`` can see, newest first, optionally of one unit."""
    qs = access.batches_visible_to(user).select_related("created_by")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-created_at", "-id")


def batch_units(*, user: Any) -> QuerySet[Unit]:
    """Units with at least one batch ``user`` can see: the choices of the list's unit filter."""
    return (
        access.units_visible_to(user)
        .filter(pk__in=access.batches_visible_to(user).values("unit_id"))
        .order_by("name", "code")
    )


def upload_units(*, user: Any) -> QuerySet[Unit]:
    """Units ``user`` may upload a file for: every visible unit, for roles that write."""
    if not getattr(user, "can_write", False):
        return Unit.objects.none()
    return access.units_visible_to(user).order_by("name", "code")


def issue_list(
    *, batch: ImportBatch, severity: str = "", code: str = "", row: int | None = None
) -> QuerySet[ImportIssue]:
    """The issues of a (visible) batch, in file order, filtered by severity, code and row."""
    qs = ImportIssue.objects.filter(batch=batch)
    if severity:
        qs = qs.filter(severity=severity)
    if code:
        qs = qs.filter(code=code)
    if row is not None:
        qs = qs.filter(row_number=row)
    return qs.order_by("row_number", "id")


# --- summary and what the user may do ----------------------------------------------------------


@dataclass(frozen=True)
class IssueCount:
    code: str
    label: Any
    severity: str
    count: int


def issue_summary(*, batch: ImportBatch) -> list[IssueCount]:
    """Issues per code (errors first, then the most frequent), with their short names."""
    counts = [
        IssueCount(code=code, label=issue_label(code), severity=issue_severity(code), count=n)
        for code, n in (batch.issue_counts or {}).items()
    ]
    return sorted(counts, key=lambda c: (c.severity != "error", -c.count, c.code))


@dataclass(frozen=True)
class BatchActions:
    """Which buttons the batch page shows to this user. The views enforce the same rules."""

    busy: bool  # being checked or saved right now
    checked: bool  # has a summary, issues and an annotated file
    commit: bool
    submit: bool
    verify: bool
    export: bool
    reply: bool
    remap: bool
    waiting_for_verifier: bool = False


def may_send_to_bpjs(user: Any, batch: ImportBatch) -> bool:
    """Export the BPJS registration file and import BPJS's reply: the verifier, or a superadmin."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == Role.SUPERADMIN or can_verify(user, batch)


def batch_actions(*, user: Any, batch: ImportBatch) -> BatchActions:
    busy = batch.phase != Phase.DONE
    status = batch.status
    writes = bool(getattr(user, "can_write", False))
    idle = not busy
    verify = idle and status == BatchStatus.SUBMITTED and can_verify(user, batch)
    sends = idle and writes and may_send_to_bpjs(user, batch)
    return BatchActions(
        busy=busy,
        checked=idle and status in CHECKED_STATUSES,
        commit=idle and writes and status == BatchStatus.VALIDATED and batch.accepted > 0,
        submit=idle and writes and status == BatchStatus.COMMITTED,
        verify=verify and writes,
        export=sends and status in (BatchStatus.VERIFIED, BatchStatus.SENT),
        reply=sends and status in (BatchStatus.SENT, BatchStatus.REGISTERED),
        remap=idle and writes and _mappable(batch),
        waiting_for_verifier=idle and status == BatchStatus.SUBMITTED and not verify,
    )


def _mappable(batch: ImportBatch) -> bool:
    if batch.status == BatchStatus.FAILED:
        return (batch.file_error or {}).get("code") in MAPPABLE_FILE_ERRORS
    return batch.status == BatchStatus.VALIDATED and bool((batch.mapping or {}).get("unrecognised"))


@dataclass(frozen=True)
class Step:
    label: Any
    done: bool
    current: bool
    at: Any = None


# The workflow of a batch, in order: the status it reaches and when it reached it.
_STEPS: tuple[tuple[str, Any, str], ...] = (
    (BatchStatus.VALIDATED, _("Diperiksa"), "validated_at"),
    (BatchStatus.COMMITTED, _("Disimpan ke registri"), "committed_at"),
    (BatchStatus.SUBMITTED, _("Diajukan ke kabupaten"), "submitted_at"),
    (BatchStatus.VERIFIED, _("Diverifikasi"), "verified_at"),
    (BatchStatus.SENT, _("Dikirim ke BPJS"), "sent_at"),
    (BatchStatus.REGISTERED, _("Terdaftar di BPJS"), "registered_at"),
)


def workflow_steps(*, batch: ImportBatch) -> list[Step]:
    """The six steps of a checked batch: which are done and which one it has reached."""
    order = [status for status, _label, _at in _STEPS]
    reached = order.index(batch.status) if batch.status in order else -1
    return [
        Step(label=label, done=i <= reached, current=i == reached, at=getattr(batch, at))
        for i, (_status, label, at) in enumerate(_STEPS)
    ]


# --- column mapping ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """The file's columns no field was found for, and the required fields still missing."""

    unrecognised: list[str]
    missing: list[str]  # Field values
    taken: dict[str, str]  # Field value -> the header already recognised as it


def column_mapping(*, batch: ImportBatch) -> ColumnMapping | None:
    """What the mapping form asks about; None when there is nothing the user could map.

    A checked batch keeps its mapping; a file that failed for missing columns is read again (only
    its header row is needed, but the readers read the sheet whole).
    """
    if not _mappable(batch):
        return None
    if batch.status != BatchStatus.FAILED:
        mapping = batch.mapping or {}
        headers = [str(h) for h in mapping.get("unrecognised", []) if str(h).strip()]
        taken = {str(k): str(v) for k, v in (mapping.get("columns") or {}).items()}
        return ColumnMapping(unrecognised=headers, missing=[], taken=taken) if headers else None
    limits = readers.Limits(
        max_bytes=settings.INTAKE_MAX_UPLOAD_BYTES,
        max_uncompressed_bytes=settings.INTAKE_MAX_UNCOMPRESSED_BYTES,
        max_rows=settings.INTAKE_MAX_ROWS,
    )
    try:
        sheet = readers.read_upload(
            storage.read_upload(batch.file_path), batch.file_name, limits=limits
        )
    except (FileError, OSError):
        return None
    remembered = dict(HeaderMemory.objects.filter(unit=batch.unit).values_list("header", "field"))
    found = map_headers(sheet.headers, remembered=remembered)
    headers = [h for h in found.unrecognised if str(h).strip()]
    if not headers:
        return None
    return ColumnMapping(
        unrecognised=headers,
        missing=[str(f) for f in found.missing],
        taken={str(k): v for k, v in found.columns.items()},
    )


# --- downloads ---------------------------------------------------------------------------------


def file_stem(file_name: str) -> str:
    """The operator's file name without folders and extension (a Windows path too)."""
    name = PureWindowsPath(file_name).name
    stem = name.rsplit(".", 1)[0] if "." in name.strip(".") else name
    return stem.strip() or "berkas"


def annotated_download(*, actor: Actor, batch: ImportBatch) -> tuple[bytes, str]:
    """The checked file with its issues marked (XLSX) and its file name; the export is logged.

    The file repeats every row of the upload (names, NIKs, dates of birth): a download of personal
    data (UU 27/2022 PDP Pasal 31). Raises ``FileError`` if the stored file cannot be read again.
    """
    data = services.annotated_file(batch=batch)
    record_access(
        actor=actor,
        action=Action.EXPORT,
        entity="intake.importbatch",
        entity_id=batch.pk,
        note=f"berkas hasil pemeriksaan batch #{batch.pk}",
    )
    return data, f"{file_stem(batch.file_name)}-hasil-periksa.xlsx"
