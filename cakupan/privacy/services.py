"""Retention (UU 27/2022 PDP Pasal 16(2)(f), 43-44: personal data are erased or anonymised when
the purpose of processing is over; ASVS 5.0 14.2.7): ``cakupan privacy purge``.

Periods are settings (``config/settings/base.py``, ``docs/security.md``, "Retention"):

* ``RETENTION_INTAKE_MONTHS`` (``CAKUPAN_RETENTION_INTAKE_MONTHS``, default 12): an uploaded intake
  file, and the text of the issues found in its rows (they quote names and cell values of rejected
  rows), are removed that many months after the batch closed. Closed: registered by BPJS
  (``registered_at``), or failed, or never committed (draft, validated: the operator gave up), from
  the last time it was checked (``validated_at``, else the upload). The rows of BPJS's reply that
  did not fit (``reply_summary["mismatches"]``, which quote the reply's cells) go too. Batches still in the workflow
  (committed, submitted, returned, verified, sent) are kept whatever their age: someone still has
  to act on them. The registry holds what the accepted rows said; the batch keeps its counts,
  issue codes and rows (``issue_counts``, ``ImportIssue.code``), the file's name, size and SHA-256.
* ``RETENTION_MEMBERSHIP_YEARS`` (``CAKUPAN_RETENTION_MEMBERSHIP_YEARS``, default 5): a person whose
  every membership has ended (status ``ended``) at least that many years ago, who has no bill line
  on a bill not fully paid and no claim, is anonymised: NIK replaced by ``00`` and the person's id
  on 14 digits (province 00 does not exist, so it can never be a real NIK, and it stays unique),
  name by :data:`ANONYMOUS_NAME`, birth date by 1 January of its year, domicile, phone and KK number
  cleared; their memberships lose the KPJ number. Memberships (unit, segment, dates, status, wage),
  bills and their lines stay, so coverage figures, bills' totals and payments do not change.

The defaults are proposals for the regional government's retention schedule (JRA) to confirm:
12 months after a batch closes covers the year's budget cycle and the BPK audit that follows it;
five years after the last membership ended outlasts late claims and corrections of past
contributions. A person with a claim is kept: the claim, its heirs and a child's scholarship run
on their own clock (years of instalments), for which no rule is set yet.

The audit log is **not** purged. Its rows are the record of processing that Pasal 31 requires and
the database refuses to change them (``docs/integrity.md``); the before/after of earlier changes
keep the values they recorded, under the longer accountability period
(``RETENTION_AUDIT_YEARS``, default 10, applied by archiving whole chain blocks offline, not by
this command). What the purge writes there holds no personal data: one row per anonymised person
and per emptied batch (ids only), and one summary row with the counts.

One transaction: everything or nothing; files are deleted only after it commits.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from cakupan.accounts.audit import Actor, record_changes_bulk
from cakupan.accounts.models import Action
from cakupan.billing.models import BillEntry, BillStatus
from cakupan.claims.models import Claim
from cakupan.common.dates import add_months
from cakupan.intake.models import BatchStatus, ImportBatch, ImportIssue
from cakupan.registry.models import Membership, MembershipStatus, Person
from cakupan.registry.services import people_anonymise

logger = logging.getLogger("cakupan.privacy")

ANONYMOUS_NAME = "[dihapus: retensi]"
ANONYMOUS_NIK_PREFIX = "00"
RETENTION_ENTITY = "privacy.retention"
# Batches no one will act on again: closed by BPJS's reply, failed, or abandoned unchecked.
CLOSED_BATCH_STATUSES = (
    BatchStatus.REGISTERED,
    BatchStatus.FAILED,
    BatchStatus.DRAFT,
    BatchStatus.VALIDATED,
)


@dataclass(frozen=True)
class Periods:
    intake_months: int
    membership_years: int

    @classmethod
    def from_settings(cls) -> Periods:
        return cls(
            intake_months=settings.RETENTION_INTAKE_MONTHS,
            membership_years=settings.RETENTION_MEMBERSHIP_YEARS,
        )


@dataclass
class PurgeResult:
    """What a purge removed or anonymised (or, with ``dry_run``, would)."""

    on: dt.date
    dry_run: bool
    intake_cutoff: dt.date
    membership_cutoff: dt.date
    batches: int = 0  # batches whose file and issue texts were removed
    files: int = 0  # stored files deleted (a batch may have lost its file before)
    issues: int = 0  # issue texts cleared
    persons: int = 0  # people anonymised
    memberships: int = 0  # their memberships (KPJ cleared)
    batch_ids: list[int] = field(default_factory=list)
    person_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _years_before(day: dt.date, years: int) -> dt.date:
    return add_months(day, -12 * years)


def anonymous_nik(pk: int) -> str:
    """``00`` and the id on 14 digits: unique, and never a real NIK (no province 00)."""
    return f"{ANONYMOUS_NIK_PREFIX}{pk:014d}"


def batches_past_retention(*, cutoff: dt.date) -> QuerySet[ImportBatch]:
    """Closed batches (see the module docstring) closed on or before ``cutoff`` that still hold a
    file or an issue text."""
    tz = timezone.get_current_timezone()
    limit = dt.datetime.combine(cutoff + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    closed = Q(status=BatchStatus.REGISTERED, registered_at__lt=limit) | Q(
        status__in=[BatchStatus.FAILED, BatchStatus.DRAFT, BatchStatus.VALIDATED],
        last_checked__lt=limit,
    )
    texts = ImportIssue.objects.filter(batch=OuterRef("pk")).exclude(message="")
    return (
        ImportBatch.objects.annotate(last_checked=Coalesce("validated_at", "created_at"))
        .filter(closed)
        .filter(~Q(file_path="") | Exists(texts))
        .order_by("pk")
    )


def persons_past_retention(*, cutoff: dt.date) -> QuerySet[Person]:
    """People to anonymise (see the module docstring): every membership ended on or before
    ``cutoff``, no bill line on an unpaid bill, no claim, not anonymised yet."""
    memberships = Membership.objects.filter(person=OuterRef("pk"))
    still_held = memberships.filter(
        ~Q(status=MembershipStatus.ENDED) | Q(end_date__isnull=True) | Q(end_date__gt=cutoff)
    )
    unpaid = BillEntry.objects.filter(person=OuterRef("pk")).exclude(bill__status=BillStatus.PAID)
    claims = Claim.objects.filter(person=OuterRef("pk"))
    return (
        Person.objects.filter(Exists(memberships))
        .exclude(Exists(still_held))
        .exclude(Exists(unpaid))
        .exclude(Exists(claims))
        .exclude(nik__startswith=ANONYMOUS_NIK_PREFIX)
        .order_by("pk")
    )


def retention_purge(
    *,
    actor: Actor,
    on: dt.date | None = None,
    dry_run: bool = False,
    periods: Periods | None = None,
) -> PurgeResult:
    """Remove or anonymise the personal data past their retention period on ``on`` (today).

    ``dry_run``: count only; nothing is written, not even the audit log. Otherwise one transaction
    writes the changes and their audit rows (ids and counts, no personal data); stored files are
    deleted after it commits.
    """
    on = on or timezone.localdate()
    periods = periods or Periods.from_settings()
    result = PurgeResult(
        on=on,
        dry_run=dry_run,
        intake_cutoff=add_months(on, -periods.intake_months),
        membership_cutoff=_years_before(on, periods.membership_years),
    )
    with transaction.atomic():
        batches = list(
            batches_past_retention(cutoff=result.intake_cutoff)
            .select_for_update(of=("self",))
            .values_list("pk", "file_path")
        )
        result.batch_ids = [pk for pk, _path in batches]
        result.batches = len(batches)
        files = [path for _pk, path in batches if path]
        result.files = len(files)
        issues = ImportIssue.objects.filter(batch_id__in=result.batch_ids).exclude(message="")
        result.issues = issues.count()
        persons = persons_past_retention(cutoff=result.membership_cutoff).select_for_update()
        result.person_ids = list(persons.values_list("pk", flat=True))
        result.persons = len(result.person_ids)
        memberships = Membership.objects.filter(person_id__in=result.person_ids)
        result.memberships = memberships.count()
        if dry_run:
            return result
        issues.update(message="")
        ImportBatch.objects.filter(pk__in=result.batch_ids).update(file_path="")
        # BPJS's reply keeps its counts; the rows that did not fit quote what the file said.
        replies = ImportBatch.objects.filter(pk__in=result.batch_ids, reply_summary__isnull=False)
        for pk, summary in replies.values_list("pk", "reply_summary"):
            if summary and summary.get("mismatches"):
                kept = {
                    **summary,
                    "mismatches": [],
                    "mismatches_removed": len(summary["mismatches"]),
                }
                ImportBatch.objects.filter(pk=pk).update(reply_summary=kept)
        people_anonymise(
            person_ids=result.person_ids, nik_prefix=ANONYMOUS_NIK_PREFIX, name=ANONYMOUS_NAME
        )
        _audit(actor=actor, result=result, periods=periods)
        transaction.on_commit(lambda: _delete_files(files))
    logger.info(
        "retensi: %d batch (%d berkas, %d teks masalah), %d orang dianonimkan",
        result.batches,
        result.files,
        result.issues,
        result.persons,
    )
    return result


def _audit(*, actor: Actor, result: PurgeResult, periods: Periods) -> None:
    note = f"retensi per {result.on.isoformat()}"
    rows: list[tuple[str, str, Any, Any, Any]] = [
        (Action.UPDATE, "registry.person", pk, None, {"retention": "anonymised"})
        for pk in result.person_ids
    ]
    rows += [
        (
            Action.UPDATE,
            "intake.importbatch",
            pk,
            None,
            {"retention": "file_and_issue_texts_removed"},
        )
        for pk in result.batch_ids
    ]
    summary = {
        "on": result.on.isoformat(),
        "periods": asdict(periods),
        "intake_cutoff": result.intake_cutoff.isoformat(),
        "membership_cutoff": result.membership_cutoff.isoformat(),
        "batches": result.batches,
        "files": result.files,
        "issues": result.issues,
        "persons": result.persons,
        "memberships": result.memberships,
    }
    rows.append((Action.DELETE, RETENTION_ENTITY, "*", None, summary))
    record_changes_bulk(actor=actor, rows=rows, note=note)


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            # The row no longer points at it; a file that cannot be removed now is an orphan
            # for the operator to clear, and must not undo the committed purge.
            logger.warning("retensi: berkas %s tidak dapat dihapus", path)
