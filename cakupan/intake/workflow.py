"""After commit: submit (operator), verify or return with a note (the kabupaten's responsible
dinas), send to BPJS (download the registration file, then confirm it was sent), and read BPJS's
reply, which registers the memberships and reports every mismatch.

Memberships follow their batch: committed drafts become ``submitted`` on submit and
``registered`` (with KPJ number and start of coverage) when BPJS's reply confirms them.

Every step checks who acts here, not only in the views. Submitting needs the batch's unit in the
actor's scope with write access (``registry.selectors.unit_get_for``: ``Http404`` / ``PermissionDenied``). The
later steps belong to fewer people, all of whom can write in the batch's region, and refuse anyone
else with ``WorkflowError``: verification (and return) by the dinas that handles the segment
(:func:`can_verify`); the BPJS registration file, the confirmation that it was sent and BPJS's reply
by that verifier, the BPJS officer of the branch serving the batch's kabupaten, or a superadmin
(:func:`may_send_to_bpjs`). Downloading the file changes nothing: the batch is "sent" only when
someone confirms it (:func:`batch_mark_sent`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone

from cakupan.accounts.access import MaybeViewer, unit_scope_q
from cakupan.accounts.audit import (
    Actor,
    record_access,
    record_change,
    snapshot,
)
from cakupan.accounts.models import Action, Role
from cakupan.common.errors import DomainError
from cakupan.common.nik import mask_nik
from cakupan.intake import columns as C
from cakupan.intake import readers
from cakupan.intake.headers import normalise_header
from cakupan.intake.models import BatchStatus, ImportBatch
from cakupan.intake.storage import intake_limits
from cakupan.registry.models import Membership, MembershipStatus, Unit
from cakupan.registry.selectors import unit_get_for
from cakupan.registry.services import memberships_set_status
from cakupan.wilayah.codes import in_region_subtree


class WorkflowError(DomainError):
    code = "batch_workflow"


def _require(batch: ImportBatch, *statuses: str) -> None:
    if batch.status not in statuses:
        labels = ", ".join(str(BatchStatus(s).label) for s in statuses)
        raise WorkflowError(
            f"Batch #{batch.pk} berstatus {batch.get_status_display()}; tindakan ini hanya untuk: {labels}.",
            code="batch_wrong_status",
        )


def _linked(batch: ImportBatch) -> Any:
    return Membership.objects.filter(batch_links__batch=batch)


@transaction.atomic
def batch_submit(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """The operator hands a committed (or returned) batch to the kabupaten for verification."""
    unit_get_for(actor.user, batch.unit_id, write=True)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require(batch, BatchStatus.COMMITTED, BatchStatus.RETURNED)
    memberships_set_status(
        actor=actor,
        memberships=_linked(batch).filter(status=MembershipStatus.DRAFT),
        status=MembershipStatus.SUBMITTED,
        note=f"batch #{batch.pk} diajukan",
    )
    batch.status, batch.submitted_at, batch.submitted_by = (
        BatchStatus.SUBMITTED,
        timezone.now(),
        actor.user,
    )
    batch.save(update_fields=["status", "submitted_at", "submitted_by"])
    return batch


def can_verify(user: MaybeViewer, batch: ImportBatch) -> bool:
    """Superadmin, or an admin kabupaten of the batch's region whose dinas verifies its segment.

    An admin kabupaten attached to a dinas (``user.unit``) verifies only the segments that dinas
    handles (``Unit.verifies_segments``); one without a dinas verifies every segment of the region.
    Nobody verifies a batch they submitted themselves.
    """
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return False
    if batch.submitted_by_id is not None and batch.submitted_by_id == getattr(user, "pk", None):
        return False
    if user.role == Role.SUPERADMIN:
        return True
    if user.role != Role.ADMIN_KABUPATEN or not user.region_id:
        return False
    # The unit is usually loaded with the batch (lists select it): no query per batch.
    if not in_region_subtree(batch.unit.region_id, user.region_id):
        return False
    return user.unit_id is None or batch.segment in (
        getattr(user.unit, "verifies_segments", None) or []
    )


def may_send_to_bpjs(user: MaybeViewer, batch: ImportBatch) -> bool:
    """Export the BPJS registration file, confirm it was sent and import BPJS's reply: the
    verifier, the BPJS officer of a branch serving the batch's kabupaten, or a superadmin."""
    if user is None or isinstance(user, AnonymousUser) or not user.is_active:
        return False
    if user.role == Role.PETUGAS_BPJS:
        q = unit_scope_q(user)
        return q is not None and Unit.objects.filter(q, pk=batch.unit_id).exists()
    return user.role == Role.SUPERADMIN or can_verify(user, batch)


def _require_sender(actor: Actor, batch: ImportBatch) -> None:
    if not may_send_to_bpjs(actor.user, batch):
        raise WorkflowError(
            "Anda tidak berwenang mengirim batch ini ke BPJS Ketenagakerjaan atau membaca "
            "balasannya (hanya dinas verifikator segmennya, petugas BPJS kantor cabang yang "
            "melayani kabupaten/kotanya, atau superadmin).",
            code="batch_send_forbidden",
        )


@transaction.atomic
def batch_verify(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require(batch, BatchStatus.SUBMITTED)
    if not can_verify(actor.user, batch):
        raise WorkflowError(
            "Anda tidak berwenang memverifikasi batch ini (verifikasi oleh dinas yang menangani segmennya, "
            "dan bukan oleh pengaju).",
            code="batch_verify_forbidden",
        )
    batch.status, batch.verified_at, batch.verified_by = (
        BatchStatus.VERIFIED,
        timezone.now(),
        actor.user,
    )
    batch.save(update_fields=["status", "verified_at", "verified_by"])
    return batch


RETURN_NOTE_MAX = 2000


@transaction.atomic
def batch_return(*, actor: Actor, batch: ImportBatch, note: str) -> ImportBatch:
    """The verifier sends a submitted batch back to its operator with ``note`` (why, what to fix).

    Its memberships go back to draft (one audit row each); the batch becomes "returned", which
    the operator may submit again after fixing the registry or uploading a corrected file. Only
    for :func:`can_verify`; the note is required.
    """
    text = note.strip()
    if not text:
        raise WorkflowError(
            "Tulis catatan untuk operator: apa yang perlu diperbaiki.", code="return_note_required"
        )
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require(batch, BatchStatus.SUBMITTED)
    if not can_verify(actor.user, batch):
        raise WorkflowError(
            "Anda tidak berwenang mengembalikan batch ini (hanya dinas yang menangani segmennya, "
            "dan bukan pengaju).",
            code="batch_return_forbidden",
        )
    memberships_set_status(
        actor=actor,
        memberships=_linked(batch).filter(status=MembershipStatus.SUBMITTED),
        status=MembershipStatus.DRAFT,
        note=f"batch #{batch.pk} dikembalikan ke operator",
    )
    before = snapshot(batch, ("status", "return_note"))
    batch.status, batch.returned_at, batch.returned_by, batch.return_note = (
        BatchStatus.RETURNED,
        timezone.now(),
        actor.user,
        text[:RETURN_NOTE_MAX],
    )
    batch.save(update_fields=["status", "returned_at", "returned_by", "return_note"])
    record_change(
        actor=actor,
        action=Action.UPDATE,
        instance=batch,
        before=before,
        after=snapshot(batch, ("status", "return_note")),
        note=f"batch #{batch.pk} dikembalikan ke operator",
    )
    return batch


@transaction.atomic
def batch_mark_sent(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Someone who may send (:func:`may_send_to_bpjs`) confirms that the registration file of a
    verified batch was sent to BPJS Ketenagakerjaan: the batch becomes "sent" and waits for the
    reply. Downloading the file alone never does this."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require_sender(actor, batch)
    _require(batch, BatchStatus.VERIFIED)
    batch.status, batch.sent_at, batch.sent_by = BatchStatus.SENT, timezone.now(), actor.user
    batch.save(update_fields=["status", "sent_at", "sent_by"])
    return batch


@transaction.atomic
def bpjs_export(*, actor: Actor, batch: ImportBatch, fmt: str) -> bytes:
    """The BPJS registration upload file of a verified (or sent) batch, CSV or XLSX. The download
    is logged; the batch's status does not change (:func:`batch_mark_sent` does that).

    Only for :func:`may_send_to_bpjs` (``WorkflowError`` ``batch_send_forbidden`` otherwise).
    """
    from cakupan.intake.workbooks.registration import bpjs_registration_file

    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require_sender(actor, batch)
    _require(batch, BatchStatus.VERIFIED, BatchStatus.SENT)
    memberships = (
        _linked(batch)
        .filter(status=MembershipStatus.SUBMITTED)
        .select_related("person", "unit")
        .order_by("id")
    )
    rows = [
        {
            "nik": m.person.nik,
            "name": m.person.name,
            "birth_date": m.person.birth_date,
            "sex": m.person.sex,
            "phone": m.person.phone,
            "wage": int(m.wage),
            "programmes": list(m.programmes),
            "segment": m.segment,
            "unit_code": m.unit.code,
            "start_date": m.start_date,
            "membership_id": m.pk,
        }
        for m in memberships
    ]
    data = bpjs_registration_file(rows=rows, fmt=fmt)  # type: ignore[arg-type]
    record_access(
        actor=actor,
        action=Action.EXPORT,
        entity="registry.membership",
        entity_id="*",
        shown=[r["membership_id"] for r in rows],
        note=f"berkas pendaftaran BPJS batch #{batch.pk}",
    )
    return data


REPLY_COLUMNS = {
    "nik": {"nik", "no ktp", "nomor ktp", "nik ktp"},
    "kpj": {"kpj", "no kpj", "nomor kpj", "no kartu", "nomor kartu peserta"},
    "status": {"status", "status kepesertaan", "hasil", "status pendaftaran"},
    "start": {
        "tgl kepesertaan",
        "tanggal kepesertaan",
        "tmt",
        "tmt kepesertaan",
        "tgl mulai",
        "tanggal mulai",
        "mulai kepesertaan",
        "tgl efektif",
        "tanggal efektif",
    },
    "id": {"id cakupan", "idcakupan"},
}
REGISTERED_WORDS = {"terdaftar", "aktif", "registered", "berhasil", "sukses", "ok", "diterima"}
REJECTED_WORDS = {"ditolak", "gagal", "rejected", "tidak valid", "tolak"}


@dataclass
class ReplyResult:
    registered: int = 0
    rejected: int = 0
    missing: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    batch_status: str = ""

    def as_summary(self, *, file_name: str, actor: Actor) -> dict[str, Any]:
        """What the batch keeps of this reply (``ImportBatch.reply_summary``); NIKs are masked."""
        return {
            "file_name": file_name[:255],
            "at": timezone.now().isoformat(),
            "by": (actor.user.get_full_name() if actor.user is not None else "") or actor.name,
            "registered": self.registered,
            "rejected": self.rejected,
            "missing": self.missing,
            "mismatches": self.mismatches,
        }


def _reply_columns(headers: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for header in headers:
        key = normalise_header(header).replace("_", " ")
        for name, synonyms in REPLY_COLUMNS.items():
            if key in synonyms and name not in found:
                found[name] = header
    return found


@transaction.atomic
def bpjs_reply_import(
    *, actor: Actor, batch: ImportBatch, data: bytes, file_name: str
) -> ReplyResult:
    """Read BPJS's reply (NIK, KPJ, status, start of coverage): register what it confirms.

    Every row that does not fit is reported, never silently skipped: a NIK not in this batch, an
    ID that names another NIK, a bad KPJ or date, a NIK twice, a rejection by BPJS, a membership
    already registered under another KPJ; and the batch's memberships the reply does not mention.

    Only for :func:`may_send_to_bpjs` (``WorkflowError`` ``batch_send_forbidden`` otherwise). The
    file is read within the intake's limits (:func:`intake_limits`); one it cannot use raises
    ``FileError``.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    _require_sender(actor, batch)
    _require(batch, BatchStatus.SENT, BatchStatus.REGISTERED)
    sheet = readers.read_upload(data, file_name, limits=intake_limits())
    cols = _reply_columns(sheet.headers)
    missing_cols = [n for n in ("nik", "kpj", "status", "start") if n not in cols]
    if missing_cols:
        raise WorkflowError(
            "Kolom balasan BPJS tidak lengkap; perlu NIK, KPJ, STATUS dan TGL_KEPESERTAAN "
            f"(tidak ditemukan: {', '.join(missing_cols)}).",
            code="reply_missing_columns",
        )
    frame = sheet.frame
    niks = C.nik_columns(
        frame.get_column(cols["nik"]), today=timezone.localdate()
    ).values.get_column("nik")
    kpj = C.kpj_column(frame.get_column(cols["kpj"])).values.get_column("kpj_number")
    start = C.date_column(
        frame.get_column(cols["start"]),
        today=timezone.localdate(),
        field="start_date",
        allow_future=True,
    ).values.get_column("start_date")
    status_text = (
        frame.get_column(cols["status"]).fill_null("").str.strip_chars().str.to_lowercase()
    )
    ids = (
        frame.get_column(cols["id"])
        if "id" in cols
        else pl.Series([None] * frame.height, dtype=pl.String)
    )

    linked = {
        m.pk: m for m in _linked(batch).select_related("person").select_for_update(of=("self",))
    }
    by_nik = {m.person.nik: m for m in linked.values()}
    result = ReplyResult()
    seen: set[int] = set()
    to_register: list[tuple[Membership, str, dt.date]] = []

    def mismatch(row: int, code: str, message: str, nik: str | None = None) -> None:
        result.mismatches.append(
            {"row": row, "nik": mask_nik(nik) if nik else None, "code": code, "message": message}
        )

    for row, raw_nik, nik, number, begin, word, raw_id in zip(
        sheet.row_numbers.to_list(),
        frame.get_column(cols["nik"]).to_list(),
        niks.to_list(),
        kpj.to_list(),
        start.to_list(),
        status_text.to_list(),
        ids.to_list(),
        strict=True,
    ):
        if nik is None:
            mismatch(row, "reply_nik_invalid", f"NIK tidak valid: {str(raw_nik)[:30]!r}.")
            continue
        membership = by_nik.get(nik)
        if raw_id not in (None, ""):
            named = linked.get(int(raw_id)) if str(raw_id).strip().isdigit() else None
            if named is None or named.person.nik != nik:
                mismatch(
                    row,
                    "reply_id_mismatch",
                    f"ID_CAKUPAN {raw_id} tidak cocok dengan NIK ini di batch ini.",
                    nik,
                )
                continue
            membership = named
        if membership is None:
            mismatch(row, "reply_nik_not_in_batch", "NIK ini tidak ada di batch ini.", nik)
            continue
        if membership.pk in seen:
            mismatch(row, "reply_duplicate", "NIK ini muncul lebih dari sekali dalam balasan.", nik)
            continue
        seen.add(membership.pk)
        if word in REJECTED_WORDS:
            result.rejected += 1
            mismatch(row, "reply_rejected", f"Pendaftaran ditolak BPJS ({word}).", nik)
            continue
        if word not in REGISTERED_WORDS:
            mismatch(row, "reply_status_unknown", f"Status balasan tidak dikenal: {word!r}.", nik)
            continue
        if number is None:
            mismatch(
                row, "reply_kpj_invalid", "Nomor KPJ kosong atau tidak valid (8-20 digit).", nik
            )
            continue
        if begin is None:
            mismatch(
                row, "reply_date_invalid", "Tanggal mulai kepesertaan kosong atau tidak valid.", nik
            )
            continue
        if membership.status == MembershipStatus.REGISTERED and membership.kpj_number not in (
            "",
            number,
        ):
            mismatch(
                row,
                "reply_kpj_conflict",
                f"Sudah terdaftar dengan KPJ lain ({membership.kpj_number}); balasan menyebut {number}.",
                nik,
            )
            continue
        if membership.status not in (MembershipStatus.SUBMITTED, MembershipStatus.REGISTERED):
            mismatch(
                row,
                "reply_wrong_status",
                f"Kepesertaan berstatus {membership.get_status_display()}, bukan diajukan.",
                nik,
            )
            continue
        to_register.append((membership, number, begin))

    for membership, number, begin in to_register:
        memberships_set_status(
            actor=actor,
            memberships=Membership.objects.filter(pk=membership.pk),
            status=MembershipStatus.REGISTERED,
            note=f"balasan BPJS batch #{batch.pk}",
            kpj_number=number,
            start_date=begin,
        )
    result.registered = len(to_register)
    unmentioned = [
        m for pk, m in linked.items() if pk not in seen and m.status == MembershipStatus.SUBMITTED
    ]
    result.missing = len(unmentioned)
    for m in unmentioned:
        mismatch(
            0, "reply_missing", "Kepesertaan ini tidak disebut dalam balasan BPJS.", m.person.nik
        )
    still_open = _linked(batch).filter(status=MembershipStatus.SUBMITTED).exists()
    if not still_open:
        batch.status, batch.registered_at = BatchStatus.REGISTERED, timezone.now()
    batch.reply_summary = result.as_summary(file_name=file_name, actor=actor)
    batch.save(update_fields=["status", "registered_at", "reply_summary"])
    result.batch_status = batch.status
    return result
