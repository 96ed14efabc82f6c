"""Reading import batches for the web, always through the user's scope (``accounts.access``).

Batches, their issues and their files are personal data: every batch comes from
``batches_visible_to`` / ``batch_get_for`` below (out of scope: 404), and every download of
a file holding people's data is written to the access log here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PureWindowsPath
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cakupan.accounts import access
from cakupan.accounts.access import MaybeViewer
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, Role
from cakupan.common.work import WorkItem
from cakupan.intake import readers, schema, services, storage
from cakupan.intake.headers import map_headers, normalise_header
from cakupan.intake.models import BatchStatus, HeaderMemory, ImportBatch, ImportIssue, Phase
from cakupan.intake.schema import FileError, FileIssue
from cakupan.intake.storage import intake_limits
from cakupan.intake.workflow import can_verify, may_send_to_bpjs
from cakupan.registry.models import Unit
from cakupan.registry.selectors import units_visible_to


def batches_visible_to(user: MaybeViewer) -> QuerySet[ImportBatch]:
    """Import batches of the units ``user`` can see (intake files are personal data too)."""
    qs = ImportBatch.objects.select_related("unit", "unit__region")
    return access.limit_to_units(user, qs, "unit__")


def batch_get_for(user: MaybeViewer, pk: Any, *, write: bool = False) -> ImportBatch:
    """The batch ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return access.get_visible_or_404(user, batches_visible_to(user), write=write, pk=pk)


SEVERITIES: list[tuple[str, Any]] = [("error", _("Kesalahan")), ("warning", _("Peringatan"))]
# Batches whose file was checked: they have a summary, issues and an annotated file.
CHECKED_STATUSES = (
    BatchStatus.VALIDATED,
    BatchStatus.COMMITTED,
    BatchStatus.SUBMITTED,
    BatchStatus.RETURNED,
    BatchStatus.VERIFIED,
    BatchStatus.SENT,
    BatchStatus.REGISTERED,
)
# A file that failed for these reasons can be fixed by telling which column is which.
MAPPABLE_FILE_ERRORS = (FileIssue.MISSING_COLUMNS,)


def issue_label(code: str) -> Any:
    """The short name of an issue code (``schema.ISSUE_LABELS``) in the user's language."""
    label = schema.issue_label(code)
    return _(label) if label != code else code


def issue_severity(code: str) -> str:
    return schema.issue_severity(code)


# --- lists ------------------------------------------------------------------------------------


def batch_list(
    *, user: MaybeViewer, unit_id: int | None = None, waiting: str = ""
) -> QuerySet[ImportBatch]:
    """Batches of the units ``user`` can see, newest first, optionally of one unit, optionally
    only those waiting for the user (``waiting``: one of :data:`WAITING_KINDS`)."""
    qs = (
        waiting_batches(user=user, kind=waiting)
        if waiting in WAITING_KINDS
        else batches_visible_to(user)
    ).select_related("created_by", "unit")
    if unit_id:
        qs = qs.filter(unit_id=unit_id)
    return qs.order_by("-created_at", "-id")


def batch_units(*, user: MaybeViewer) -> QuerySet[Unit]:
    """Units with at least one batch ``user`` can see: the choices of the list's unit filter."""
    return (
        units_visible_to(user)
        .filter(pk__in=batches_visible_to(user).values("unit_id"))
        .order_by("name", "code")
    )


def upload_units(*, user: MaybeViewer) -> QuerySet[Unit]:
    """Units ``user`` may upload a file for: every visible unit, for roles that write."""
    if not getattr(user, "can_write", False):
        return Unit.objects.none()
    return units_visible_to(user).order_by("name", "code")


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
    verify: bool  # verify, or return to the operator with a note
    export: bool  # download the BPJS registration file
    reply: bool
    remap: bool
    waiting_for_verifier: bool = False
    mark_sent: bool = False  # confirm the registration file was sent to BPJS
    revalue: bool = False  # map the coded values the vocabulary did not know (batch page)


def batch_actions(*, user: MaybeViewer, batch: ImportBatch) -> BatchActions:
    busy = batch.phase != Phase.DONE
    status = batch.status
    writes = bool(getattr(user, "can_write", False))
    idle = not busy
    verify = idle and status == BatchStatus.SUBMITTED and can_verify(user, batch)
    # The BPJS officer reads only, except for sending its kabupaten's batches (workflow). Asked
    # only where a sender has something to do: for the officer it is a query, per row of a list.
    sends = (
        idle
        and status in (BatchStatus.VERIFIED, BatchStatus.SENT, BatchStatus.REGISTERED)
        and may_send_to_bpjs(user, batch)
    )
    return BatchActions(
        busy=busy,
        checked=idle and status in CHECKED_STATUSES,
        commit=idle and writes and status == BatchStatus.VALIDATED and batch.accepted > 0,
        submit=idle and writes and status in (BatchStatus.COMMITTED, BatchStatus.RETURNED),
        verify=verify and writes,
        export=sends and status in (BatchStatus.VERIFIED, BatchStatus.SENT),
        reply=sends and status in (BatchStatus.SENT, BatchStatus.REGISTERED),
        remap=idle and writes and _mappable(batch),
        waiting_for_verifier=idle and status == BatchStatus.SUBMITTED and not verify,
        mark_sent=sends and status == BatchStatus.VERIFIED,
        revalue=idle
        and writes
        and status == BatchStatus.VALIDATED
        and bool((batch.mapping or {}).get("values")),
    )


def batch_membership_count(*, batch: ImportBatch) -> int:
    """How many memberships a committed batch created or confirmed."""
    return batch.links.count()


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
    # A returned batch is back where it was before it was submitted.
    status = BatchStatus.COMMITTED if batch.status == BatchStatus.RETURNED else batch.status
    reached = order.index(status) if status in order else -1
    return [
        Step(label=label, done=i <= reached, current=i == reached, at=getattr(batch, at))
        for i, (_status, label, at) in enumerate(_STEPS)
    ]


# --- column mapping ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ColumnMapping:
    """What the mapping form asks about: the file's columns no field was found for, and more.

    ``ignored`` are columns the unit once chose to ignore: offered again (preset to "ignore") when
    a required field is missing, since the operator may have ignored the very column that holds it.
    """

    unrecognised: list[str]
    missing: list[str]  # Field values
    taken: dict[str, str]  # Field value -> the header already recognised as it
    ignored: list[str] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # every header of the file, in file order


def _remembered(batch: ImportBatch) -> dict[str, str]:
    return dict(HeaderMemory.objects.filter(unit=batch.unit).values_list("header", "field"))


def column_mapping(*, batch: ImportBatch) -> ColumnMapping | None:
    """What the mapping form asks about; None when there is nothing the user could map.

    A checked batch keeps its mapping. A file that failed for missing columns is mapped again with
    the unit's remembered choices, from the headers stored with the batch when the failure stored
    them, otherwise by reading the file again (only its header row is needed, but the readers
    read the sheet whole).
    """
    if not _mappable(batch):
        return None
    stored = batch.mapping or {}
    if batch.status != BatchStatus.FAILED:
        headers = [str(h) for h in stored.get("unrecognised", []) if str(h).strip()]
        taken = {str(k): str(v) for k, v in (stored.get("columns") or {}).items()}
        return ColumnMapping(unrecognised=headers, missing=[], taken=taken) if headers else None
    remembered = _remembered(batch)
    if stored.get("headers"):
        file_headers = [str(h) for h in stored["headers"]]
    else:
        try:
            sheet = readers.read_upload(
                storage.read_upload(batch.file_path),
                batch.file_name,
                limits=intake_limits(),
                remembered=remembered,
            )
        except (FileError, OSError):
            return None
        file_headers = sheet.headers
    found = map_headers(file_headers, remembered=remembered)
    headers = [h for h in found.unrecognised if str(h).strip()]
    ignored = [h for h in found.ignored if normalise_header(h) in remembered]
    if not headers and not ignored:
        return None
    return ColumnMapping(
        unrecognised=headers,
        missing=[str(f) for f in found.missing],
        taken={str(k): v for k, v in found.columns.items()},
        ignored=ignored,
        headers=file_headers,
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


# --- work waiting for a user (the home page) -----------------------------------------------------

#: What ``batch_list(waiting=...)`` and :func:`waiting_work` name each kind of waiting batch.
WAITING_KINDS = ("simpan", "ajukan", "dikembalikan", "verifikasi", "kirim", "balasan", "proses")


def _verifiable_q(user: MaybeViewer) -> Q | None:
    """Submitted batches ``user`` may verify, as a filter (the rule of ``workflow.can_verify``);
    None when the user verifies nothing."""
    role = getattr(user, "role", None)
    if not getattr(user, "is_active", False) or not getattr(user, "can_write", False):
        return None
    if role == Role.SUPERADMIN:
        return Q(status=BatchStatus.SUBMITTED)
    if role != Role.ADMIN_KABUPATEN or not getattr(user, "region_id", None):
        return None
    q = Q(status=BatchStatus.SUBMITTED) & ~Q(submitted_by=getattr(user, "pk", None))
    unit = getattr(user, "unit", None)
    if unit is not None:
        q &= Q(segment__in=list(unit.verifies_segments or []))
    return q


def _sender_q(user: MaybeViewer) -> Q | None:
    """Batches ``user`` may send to BPJS (``workflow.may_send_to_bpjs``) whatever their status:
    the BPJS officer every visible batch (its branch's kabupaten), a verifier the segments its
    dinas handles, a superadmin all; None for anyone else."""
    role = getattr(user, "role", None)
    if not getattr(user, "is_active", False):
        return None
    if role in (Role.SUPERADMIN, Role.PETUGAS_BPJS):
        return Q()
    if role != Role.ADMIN_KABUPATEN or not getattr(user, "region_id", None):
        return None
    unit = getattr(user, "unit", None)
    return Q(segment__in=list(unit.verifies_segments or [])) if unit is not None else Q()


def waiting_batches(*, user: MaybeViewer, kind: str) -> QuerySet[ImportBatch]:
    """The visible batches waiting for ``user`` of one :data:`WAITING_KINDS`:

    * ``simpan``: checked files of theirs with accepted rows, not saved to the registry yet;
    * ``ajukan``: saved, not submitted yet (theirs);
    * ``dikembalikan``: returned by the verifier to them (they uploaded or submitted it);
    * ``verifikasi``: submitted, for them to verify;
    * ``kirim``: verified, the registration file to send to BPJS;
    * ``balasan``: sent to BPJS, the reply not read in full yet;
    * ``proses``: (for read-only roles) batches of their area waiting for verification or BPJS.
    """
    q = _waiting_q(user, kind)
    qs = batches_visible_to(user)
    return qs.filter(q) if q is not None else qs.none()


def _waiting_q(user: MaybeViewer, kind: str) -> Q | None:
    """The filter of :func:`waiting_batches` over the visible batches; None: no batch at all."""
    pk = getattr(user, "pk", None)
    mine = Q(created_by=pk) | Q(submitted_by=pk)
    if kind == "simpan":
        return Q(created_by=pk, status=BatchStatus.VALIDATED, accepted__gt=0)
    if kind == "ajukan":
        return Q(created_by=pk, status=BatchStatus.COMMITTED)
    if kind == "dikembalikan":
        return mine & Q(status=BatchStatus.RETURNED)
    if kind == "verifikasi":
        return _verifiable_q(user)
    if kind in ("kirim", "balasan"):
        q = _sender_q(user)
        status = BatchStatus.VERIFIED if kind == "kirim" else BatchStatus.SENT
        return q & Q(status=status) if q is not None else None
    if kind == "proses":
        return Q(status__in=[BatchStatus.SUBMITTED, BatchStatus.VERIFIED, BatchStatus.SENT])
    return None


_WAITING_LABELS: dict[str, Any] = {
    "simpan": _("berkas sudah diperiksa, belum disimpan ke registri"),
    "ajukan": _("batch tersimpan, belum diajukan ke kabupaten"),
    "dikembalikan": _("batch dikembalikan verifikator: perlu diperbaiki"),
    "verifikasi": _("batch menunggu verifikasi Anda"),
    "kirim": _("batch terverifikasi: berkas pendaftaran belum dikirim ke BPJS"),
    "balasan": _("batch terkirim: balasan BPJS belum diunggah"),
    "proses": _("batch di wilayah Anda sedang menunggu verifikasi atau BPJS"),
}


def waiting_work(*, user: MaybeViewer) -> list[WorkItem]:
    """The batches waiting for ``user``, one item per kind that has any (see
    :func:`waiting_batches`); the link opens the batch list filtered the same way."""
    writes = bool(getattr(user, "can_write", False))
    sends = _sender_q(user) is not None
    if writes:
        kinds = ["dikembalikan", "simpan", "ajukan", "verifikasi", "kirim", "balasan"]
    elif sends:
        kinds = ["kirim", "balasan"]
    else:
        kinds = ["proses"]
    # Every kind counted in one query over the visible batches (``waiting_batches`` filters alike).
    filters = {kind: _waiting_q(user, kind) for kind in kinds}
    counted = {kind: Count("pk", filter=q) for kind, q in filters.items() if q is not None}
    counts = batches_visible_to(user).aggregate(**counted) if counted else {}
    items = []
    list_url = reverse("intake:batch_list")
    for kind in kinds:
        count = counts.get(kind, 0)
        if count:
            items.append(
                WorkItem(
                    key=f"intake.{kind}",
                    label=str(_WAITING_LABELS[kind]),
                    count=count,
                    url=f"{list_url}?tunggu={kind}",
                    watch=kind == "proses",
                )
            )
    return items


def waiting_label(kind: str) -> str:
    """What a ``?tunggu=`` filter of the batch list shows (empty for none)."""
    return str(_WAITING_LABELS[kind]) if kind in _WAITING_LABELS else ""


# --- value mapping ------------------------------------------------------------------------------


def value_targets() -> dict[str, list[tuple[str, str]]]:
    """What each coded field's values may be mapped to on the batch page: (code, label).

    Occupations without members (groups are for counting, not for people), by name.
    """
    from cakupan.registry.models import FundingSource, Occupation, Scheme, Segment

    return {
        "occupation": list(
            Occupation.objects.filter(members__isnull=True)
            .order_by("name")
            .values_list("code", "name")
        ),
        "funding_source": [(str(v), str(label)) for v, label in FundingSource.choices],
        "scheme": [(str(v), str(label)) for v, label in Scheme.choices],
        "segment": [(str(v), str(label)) for v, label in Segment.choices],
    }
