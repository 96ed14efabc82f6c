"""The data-subject report (UU 27/2022 PDP Pasal 5-7, 31-33): everything held about one person,
and every access to it, as one document.

Gathering only; who may ask and the access row of the report itself live in
``privacy.selectors.subject_report``. The document is a plain dict (dates as ``datetime.date``,
money as ``Decimal``) so that the page, the JSON download and ``cakupan privacy report --json``
show the same content; :func:`subject_xlsx` lays it out as a workbook, one sheet per section.

What is gathered, always through the viewer's scope (an admin kabupaten answers for what its
kabupaten holds, the superadmin and the CLI for everything):

* the person's own fields;
* memberships (unit, payer, segment, dates, status, wage, KPJ);
* intake: the batches and row numbers each membership came from, with the issues found on those rows;
* bill lines naming the person (bill, month, payer, programme, basis and amounts);
* claims where the person is the insured, and claims where the person is an heir (then only the
  claim's number, type, status and the person's own heir entry: the insured is someone else, whose
  data the report does not show, Pasal 33);
* the audit trail: every change to those records (before and after), and every access (view,
  export, refusal) that named the person, one of the memberships, heir entries or batches, or a
  list that showed them.

Not found here: a row of an uploaded file that was rejected before it reached the registry names a
person only inside that file; finding it would mean reading every stored file. Such rows are
removed with the file by retention (``privacy.retention``).
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from cakupan.accounts.access import MaybeViewer
from cakupan.accounts.audit import DENIAL_ENTITY
from cakupan.accounts.models import Action, AuditEvent
from cakupan.billing import selectors as billing
from cakupan.billing.models import BillLine
from cakupan.claims import selectors as claims
from cakupan.claims.models import Heir
from cakupan.common.spreadsheet import write_cell, xlsx_workbook
from cakupan.intake import selectors as intake
from cakupan.intake.models import BatchMembership, ImportIssue
from cakupan.registry import selectors as registry
from cakupan.registry.models import Membership, Person

CHANGE_ACTIONS = (Action.CREATE, Action.UPDATE, Action.DELETE)
# Routes whose ``pk`` names a person or a membership: a refusal there concerns that record.
PERSON_ROUTES = ("registry:person_detail", "privacy:person_reveal")
MEMBERSHIP_ROUTES = ("registry:membership_detail", "privacy:membership_reveal")
# The page an access row without a note came from (detail pages log none).
PAGES = {
    "registry.person": "halaman orang /orang/{id}/",
    "registry.membership": "halaman kepesertaan /kepesertaan/{id}/",
}


def _region(region: Any) -> dict[str, str] | None:
    return {"code": region.code, "name": region.name} if region is not None else None


def _unit(unit: Any) -> dict[str, str] | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "nik": person.nik,
        "name": person.name,
        "sex": person.sex,
        "birth_date": person.birth_date,
        "domicile": _region(person.domicile),
        "phone": person.phone,
        "kk_number": person.kk_number,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _membership(m: Membership) -> dict[str, Any]:
    payer = m.unit.payer if m.unit.payer_id else m.unit
    return {
        "id": m.pk,
        "unit": _unit(m.unit),
        "unit_region": _region(m.unit.region),
        "payer": _unit(payer),
        "segment": m.segment,
        "occupation": m.occupation.name if m.occupation is not None else "",
        "funding_source": m.funding_source,
        "scheme": m.scheme,
        "programmes": list(m.programmes),
        "wage": m.wage,
        "risk_class": m.risk_class,
        "start_date": m.start_date,
        "end_date": m.end_date,
        "status": m.status,
        "kpj_number": m.kpj_number,
    }


def _intake(viewer: MaybeViewer, membership_ids: list[int]) -> list[dict[str, Any]]:
    batches = intake.batches_visible_to(viewer)
    links = list(
        BatchMembership.objects.filter(membership_id__in=membership_ids, batch__in=batches)
        .select_related("batch", "batch__unit")
        .order_by("batch__created_at", "batch_id", "row_number")
    )
    issues: dict[tuple[int, int], list[dict[str, str]]] = {}
    if links:
        wanted = Q(pk__in=[])
        for link in links:
            wanted |= Q(batch_id=link.batch_id, row_number=link.row_number)
        for issue in ImportIssue.objects.filter(wanted).order_by("batch_id", "row_number", "id"):
            issues.setdefault((issue.batch_id, issue.row_number), []).append(
                {
                    "column": issue.column,
                    "field": issue.field,
                    "code": issue.code,
                    "severity": issue.severity,
                    "message": issue.message,
                }
            )
    return [
        {
            "batch_id": link.batch_id,
            "file_name": link.batch.file_name,
            "unit": _unit(link.batch.unit),
            "segment": link.batch.segment,
            "status": link.batch.status,
            "uploaded_at": link.batch.created_at,
            "file_kept": bool(link.batch.file_path),
            "row_number": link.row_number,
            "membership_id": link.membership_id,
            "issues": issues.get((link.batch_id, link.row_number), []),
        }
        for link in links
    ]


def _bill_lines(viewer: MaybeViewer, person: Person) -> list[dict[str, Any]]:
    lines = (
        BillLine.objects.filter(person=person, bill__in=billing.bills_visible_to(viewer))
        .select_related("bill", "bill__payer")
        .order_by("bill__month", "bill_id", "membership_id", "programme")
    )
    return [
        {
            "bill_id": line.bill_id,
            "month": line.bill.month,
            "payer": _unit(line.bill.payer),
            "bill_status": line.bill.status,
            "membership_id": line.membership_id,
            "programme": line.programme,
            "basis": line.basis,
            "employer": line.employer,
            "worker": line.worker,
            "total": line.total,
        }
        for line in lines
    ]


def _heir(heir: Heir) -> dict[str, Any]:
    return {
        "id": heir.pk,
        "nik": heir.nik,
        "name": heir.name,
        "relation": heir.relation,
        "birth_date": heir.birth_date,
        "phone": heir.phone,
        "bank_name": heir.bank_name,
        "bank_account": heir.bank_account,
        "account_holder": heir.account_holder,
        "is_recipient": heir.is_recipient,
        "scholarship": heir.scholarship,
        "school_level": heir.school_level,
        "school_class": heir.school_class,
        "school_name": heir.school_name,
    }


def _claims(
    viewer: MaybeViewer, person: Person
) -> tuple[list[dict[str, Any]], list[int], list[int]]:
    """The claims (as insured, as heir), the ids of the claims as insured, and of the heir rows."""
    visible = claims.claims_visible_to(viewer)
    own = list(visible.filter(person=person).order_by("event_date", "id"))
    rows: list[dict[str, Any]] = [
        {
            "role": "insured",
            "id": c.pk,
            "number": c.number,
            "type": c.type,
            "status": c.status,
            "event_kind": c.event_kind,
            "event_date": c.event_date,
            "event_place": c.event_place,
            "cause": c.cause,
            "unit": _unit(c.unit),
            "membership_id": c.membership_id,
            "rejection_reason": c.rejection_reason,
            "paid_on": c.paid_on,
            "heir": None,
        }
        for c in own
    ]
    as_heir = list(
        Heir.objects.filter(nik=person.nik, claim__in=visible)
        .select_related("claim")
        .order_by("claim__event_date", "claim_id")
    )
    rows += [
        {
            "role": "heir",
            "id": h.claim_id,
            "number": h.claim.number,
            "type": h.claim.type,
            "status": h.claim.status,
            "event_kind": h.claim.event_kind,
            "event_date": h.claim.event_date,
            "heir": _heir(h),
        }
        for h in as_heir
    ]
    return rows, [c.pk for c in own], [h.pk for h in as_heir]


def _named(entity: str, ids: list[int]) -> Q:
    """Audit rows about the ``entity`` records ``ids``: one of them, or a list that showed one."""
    if not ids:
        return Q(pk__in=[])
    shown = Q(pk__in=[])
    for pk in ids:
        shown |= Q(after__shown__contains=[pk])
    return Q(entity=entity) & (Q(entity_id__in=[str(i) for i in ids]) | Q(entity_id="*") & shown)


def _refused(routes: tuple[str, ...], ids: list[int]) -> Q:
    if not ids:
        return Q(pk__in=[])
    return Q(
        entity=DENIAL_ENTITY,
        entity_id__in=routes,
        after__kwargs__pk__in=[str(i) for i in ids],
    )


def _trail(
    *,
    person: Person,
    membership_ids: list[int],
    batch_ids: list[int],
    claim_ids: list[int],
    heir_ids: list[int],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(changes, accesses) naming the person or their records, oldest first."""
    about = (
        _named("registry.person", [person.pk])
        | _named("registry.membership", membership_ids)
        | _named("claims.heir", heir_ids)
        | Q(entity="claims.claim", entity_id__in=[str(i) for i in claim_ids])
        # A batch's own changes (status, counts) are not about the person; its downloads are.
        | (
            Q(entity="intake.importbatch", entity_id__in=[str(i) for i in batch_ids])
            & ~Q(action__in=CHANGE_ACTIONS)
        )
        | _refused(PERSON_ROUTES, [person.pk])
        | _refused(MEMBERSHIP_ROUTES, membership_ids)
    )
    changes: list[dict[str, Any]] = []
    accesses: list[dict[str, Any]] = []
    for event in AuditEvent.objects.filter(about).order_by("at", "id"):
        row = {
            "at": event.at,
            "actor": event.actor_label,
            "source": event.source,
            "action": event.action,
            "entity": event.entity,
            "entity_id": event.entity_id,
            "note": event.note,
        }
        if event.action in CHANGE_ACTIONS:
            changes.append({**row, "before": event.before, "after": event.after})
        else:
            if event.action == Action.DENIED and event.after:
                row["note"] = f"{event.after.get('method', '')} {event.after.get('path', '')}"
                row["status"] = event.after.get("status")
            elif not event.note:
                # A detail page writes no note: name the page it was.
                row["note"] = PAGES.get(event.entity, "").format(id=event.entity_id)
            accesses.append(row)
    return changes, accesses


def gather(*, viewer: MaybeViewer, person: Person, generated_by: str) -> dict[str, Any]:
    """The report on ``person`` as ``viewer`` may see it (``person`` already scoped by the caller)."""
    memberships = list(
        registry.memberships_visible_to(viewer)
        .filter(person=person)
        .select_related("unit", "unit__region", "unit__payer", "occupation")
        .order_by("start_date", "id")
    )
    membership_ids = [m.pk for m in memberships]
    intake_rows = _intake(viewer, membership_ids)
    claim_rows, claim_ids, heir_ids = _claims(viewer, person)
    changes, accesses = _trail(
        person=person,
        membership_ids=membership_ids,
        batch_ids=sorted({r["batch_id"] for r in intake_rows}),
        claim_ids=claim_ids,
        heir_ids=heir_ids,
    )
    return {
        "generated_at": timezone.now(),
        "generated_by": generated_by,
        "person": _person(person),
        "memberships": [_membership(m) for m in memberships],
        "intake": intake_rows,
        "bill_lines": _bill_lines(viewer, person),
        "claims": claim_rows,
        "changes": changes,
        "accesses": accesses,
    }


# --- the workbook -------------------------------------------------------------------------------

_SHEETS: list[tuple[str, str, list[str]]] = [
    (
        "memberships",
        "Kepesertaan",
        [
            "id",
            "unit",
            "payer",
            "segment",
            "occupation",
            "funding_source",
            "scheme",
            "programmes",
            "wage",
            "start_date",
            "end_date",
            "status",
            "kpj_number",
        ],
    ),
    (
        "intake",
        "Impor",
        [
            "batch_id",
            "file_name",
            "unit",
            "segment",
            "status",
            "uploaded_at",
            "row_number",
            "issues",
        ],
    ),
    (
        "bill_lines",
        "Tagihan",
        [
            "bill_id",
            "month",
            "payer",
            "bill_status",
            "programme",
            "basis",
            "employer",
            "worker",
            "total",
        ],
    ),
    ("claims", "Klaim", ["role", "number", "type", "status", "event_kind", "event_date", "heir"]),
    (
        "changes",
        "Perubahan",
        ["at", "actor", "source", "action", "entity", "entity_id", "before", "after"],
    ),
    ("accesses", "Akses", ["at", "actor", "source", "action", "entity", "entity_id", "note"]),
]


def _cell(value: Any) -> Any:
    """A report value as a spreadsheet cell: units by code and name, lists and dicts as text."""
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, dict):
        if set(value) == {"code", "name"}:
            return f"{value['code']} {value['name']}"
        return "; ".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(_text(v) for v in value)
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    return value


def _text(value: Any) -> str:
    cell = _cell(value)
    return "" if cell is None else str(cell)


def subject_xlsx(report: dict[str, Any]) -> bytes:
    """The report as a workbook: the person on the first sheet, then one sheet per section."""
    output = io.BytesIO()
    book = xlsx_workbook(output)
    bold = book.add_format({"bold": True})
    date = book.add_format({"num_format": "dd-mm-yyyy"})
    stamp = book.add_format({"num_format": "dd-mm-yyyy hh:mm:ss"})
    sheet = book.add_worksheet("Orang")
    facts = [("generated_at", report["generated_at"]), ("generated_by", report["generated_by"])]
    facts += list(report["person"].items())
    for row, (key, value) in enumerate(facts):
        write_cell(sheet, row, 0, key, bold)
        cell = _cell(value)
        fmt = (
            stamp if isinstance(cell, dt.datetime) else date if isinstance(cell, dt.date) else None
        )
        write_cell(sheet, row, 1, cell, fmt)
    sheet.set_column(0, 0, 18)
    sheet.set_column(1, 1, 40)
    for key, title, columns in _SHEETS:
        sheet = book.add_worksheet(title)
        for col, name in enumerate(columns):
            write_cell(sheet, 0, col, name, bold)
        for row, item in enumerate(report[key], start=1):
            for col, name in enumerate(columns):
                cell = _cell(item.get(name))
                if isinstance(cell, Decimal):
                    cell = int(cell) if cell == cell.to_integral_value() else cell
                fmt = (
                    stamp
                    if isinstance(cell, dt.datetime)
                    else date
                    if isinstance(cell, dt.date)
                    else None
                )
                write_cell(sheet, row, col, cell, fmt)
        sheet.set_column(0, len(columns) - 1, 16)
    book.close()
    return output.getvalue()
