"""Reading bills, payments, credit and arrears, always through the user's scope (``accounts.access``).

Amounts are whole rupiah (``Decimal``). "Arrears" on a day are the bills whose due date has passed
(``due_date < on``) and that are not fully paid; "credit" is the part of a payer's payments not yet
allocated to any bill.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from cakupan.accounts import access
from cakupan.accounts.access import MaybeViewer
from cakupan.accounts.audit import Actor, record_access
from cakupan.accounts.models import Action, Role
from cakupan.billing.models import (
    Allocation,
    ArrearsFlag,
    Bill,
    BillEntry,
    BillLine,
    MembershipLapse,
    Payment,
    RunRate,
)
from cakupan.common.fields import MoneyField
from cakupan.common.work import WorkItem
from cakupan.registry.models import Unit
from cakupan.registry.selectors import units_visible_to
from cakupan.rules.contribution import PROGRAMMES
from cakupan.wilayah.models import Region
from cakupan.wilayah.selectors import region_subtree_q

# Bills, payments and payers are scoped through the payer unit, exactly like units. A village
# operator sees the bills of the payers located in its desa, an OPD operator those of its OPD (and
# sub-units), region-scoped roles those of payers in their region, the public nothing.


def bills_visible_to(user: MaybeViewer) -> QuerySet[Bill]:
    """Bills whose payer ``user`` can see."""
    qs = Bill.objects.select_related("payer", "payer__region")
    return access.limit_to_units(user, qs, "payer__")


def bill_get_for(user: MaybeViewer, pk: Any, *, write: bool = False) -> Bill:
    """The bill ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return access.get_visible_or_404(user, bills_visible_to(user), write=write, pk=pk)


def payments_visible_to(user: MaybeViewer) -> QuerySet[Payment]:
    """Payments of the payers ``user`` can see."""
    qs = Payment.objects.select_related("payer", "payer__region")
    return access.limit_to_units(user, qs, "payer__")


def payment_get_for(user: MaybeViewer, pk: Any, *, write: bool = False) -> Payment:
    """The payment ``pk`` if ``user`` may see it (404 otherwise); 403 on write for read-only roles."""
    return access.get_visible_or_404(user, payments_visible_to(user), write=write, pk=pk)


def payer_get_for(user: MaybeViewer, code: str, *, write: bool = False) -> Unit:
    """The payer unit with ``code`` if ``user`` may see it (404 otherwise); 403 on write."""
    return access.get_visible_or_404(user, units_visible_to(user), write=write, code=code)


_ZERO = Decimal(0)
_ORDER = {programme: i for i, programme in enumerate(PROGRAMMES)}
# The bill list's "not fully paid" filter (open or partly paid), beside the statuses themselves.
UNPAID = "belum-lunas"
UNPAID_STATUSES = ("open", "partial")


def _money(expression: Any) -> Any:
    return Coalesce(expression, Value(_ZERO), output_field=MoneyField())


def bill_list(
    *,
    user: MaybeViewer,
    region_code: str | None = None,
    month: dt.date | None = None,
    payer: Unit | None = None,
    status: str | None = None,
) -> QuerySet[Bill]:
    """Bills visible to ``user``, newest month first, filtered by payer region, month, payer, status."""
    qs = bills_visible_to(user)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "payer__region__code"))
    if month is not None:
        qs = qs.filter(month=month.replace(day=1))
    if payer is not None:
        qs = qs.filter(payer=payer)
    if status == UNPAID:
        qs = qs.filter(status__in=UNPAID_STATUSES)
    elif status:
        qs = qs.filter(status=status)
    return qs.order_by("-month", "payer__code")


@dataclass(frozen=True)
class BillDetail:
    bill: Bill
    lines: list[BillLine]
    allocations: list[Allocation]
    rates: list[RunRate]


def bill_detail(*, user: MaybeViewer, actor: Actor, pk: Any, purpose: str = "lihat") -> BillDetail:
    """A bill with its lines (people, NIK), the payments allocated to it and the rates used.

    The lines are personal data: the access is logged with the people shown (``purpose`` says
    how: "lihat", "PDF", "XLSX"). 404 when the bill is outside ``user``'s scope (``access.SYSTEM``
    for the CLI, whose ``actor`` has no user).
    """
    bill = bill_get_for(user, pk)
    lines = sorted(
        BillLine.objects.filter(bill=bill).select_related("person", "membership__unit"),
        key=lambda x: (x.person.name, x.person_id, x.membership_id, _ORDER.get(x.programme, 9)),
    )
    allocations = list(
        Allocation.objects.filter(bill=bill)
        .select_related("payment")
        .order_by("payment__paid_on", "payment_id")
    )
    rates = list(RunRate.objects.filter(run_id=bill.run_id).order_by("jkp", "scheme", "programme"))
    record_access(
        actor=actor,
        action=Action.VIEW if purpose == "lihat" else Action.EXPORT,
        entity="registry.person",
        entity_id="*",
        shown=sorted({line.person_id for line in lines}),
        note=f"tagihan #{bill.pk} ({purpose})",
    )
    return BillDetail(bill=bill, lines=lines, allocations=allocations, rates=rates)


def payer_credit(*, user: MaybeViewer, payer: Unit) -> Decimal:
    """The payer's credit: payments not yet allocated to a bill."""
    total = (
        payments_visible_to(user).filter(payer=payer).aggregate(s=_money(Sum("unallocated")))["s"]
    )
    return Decimal(total)


def arrears(
    *, user: MaybeViewer, on: dt.date, region_code: str | None = None
) -> list[dict[str, Any]]:
    """Per payer: the bills due before ``on`` and not fully paid (count, oldest month, amount).

    Paid means paid today (every allocation recorded so far), the figure a payer is chased for.
    """
    qs = bill_list(user=user, region_code=region_code).filter(
        due_date__lt=on, status__in=["open", "partial"]
    )
    rows = (
        qs.values("payer_id", "payer__code", "payer__name", "payer__region_id")
        .annotate(
            bills=Count("id"),
            oldest=Subquery(
                Bill.objects.filter(
                    payer=OuterRef("payer_id"), due_date__lt=on, status__in=["open", "partial"]
                )
                .order_by("month")
                .values("month")[:1]
            ),
            pu_months=Count("id", filter=Q(pu_total__gt=0)),
            amount=Sum(F("total") - F("paid")),
        )
        .order_by("payer__code")
    )
    return [
        {
            "payer": r["payer__code"],
            "name": r["payer__name"],
            "region": r["payer__region_id"],
            "bills": r["bills"],
            "pu_months": r["pu_months"],
            "oldest_month": f"{r['oldest']:%Y-%m}",
            "amount": r["amount"],
        }
        for r in rows
    ]


def open_arrears_flags(*, user: MaybeViewer) -> dict[int, ArrearsFlag]:
    """Open (not cleared) PU arrears flags of the payers ``user`` can see, by payer id."""
    flags = ArrearsFlag.objects.filter(cleared_on__isnull=True)
    q = access.unit_scope_q(user, "payer__")
    if q is not None:
        flags = flags.filter(q)
    return {flag.payer_id: flag for flag in flags}


def membership_lapses(*, user: MaybeViewer) -> QuerySet[MembershipLapse]:
    """BPU memberships lapsed for arrears in the units ``user`` can see, newest first.

    Personal data (the person of each membership): the caller logs what it shows.
    """
    lapses = MembershipLapse.objects.select_related(
        "membership__person", "membership__unit"
    ).order_by("-lapsed_on", "id")
    q = access.unit_scope_q(user, "membership__unit__")
    return lapses if q is None else lapses.filter(q)


def billed_by_payer(*, year: int, payer_codes: list[str]) -> dict[str, Decimal]:
    """What each payer (by unit code) was billed for the contribution months of ``year``.

    Used by the budget planner beside next year's plan; called with codes the caller already
    scoped.
    """
    rows = (
        Bill.objects.filter(month__year=year, payer__code__in=payer_codes)
        .values("payer__code")
        .annotate(total=Sum("total"))
    )
    return {r["payer__code"]: Decimal(r["total"]) for r in rows}


def billing_summary(
    *,
    user: MaybeViewer,
    region: Region,
    year: int,
    segment: str | None = None,
    on: dt.date,
) -> dict[str, Any]:
    """Billed, paid, outstanding and arrears per contribution month of ``year`` and in total.

    Bills of the payers located in ``region`` and below that ``user`` may see. ``segment`` keeps
    only the lines of memberships in that segment; a bill's payments are then shared over its
    segments in proportion to their totals (rounded down per bill), since payments settle bills,
    not lines. ``arrears``: the unpaid part of bills whose due date is before ``on``.
    """
    qs = bill_list(user=user, region_code=region.code).filter(month__year=year)
    months = _summary_by_segment(qs, segment, on) if segment else _summary(qs, on)
    total = {
        key: sum((m[key] for m in months), _ZERO)
        for key in ("billed", "paid", "outstanding", "arrears")
    }
    payers_q = region_subtree_q(region.code, "payer__region__code")
    credit = payments_visible_to(user).filter(payers_q).aggregate(s=_money(Sum("unallocated")))["s"]
    return {
        "region": {"code": region.code, "name": region.name},
        "year": year,
        "segment": segment,
        "on": on,
        "months": months,
        "total": {**total, "bills": sum(m["bills"] for m in months)},
        "credit": Decimal(credit),
    }


def _summary(qs: QuerySet[Bill], on: dt.date) -> list[dict[str, Any]]:
    rows = (
        qs.order_by()
        .values("month")
        .annotate(
            bills=Count("id"),
            payers=Count("payer_id", distinct=True),
            billed_sum=_money(Sum("total")),
            paid_sum=_money(Sum("paid")),
            arrears_sum=_money(Sum(F("total") - F("paid"), filter=Q(due_date__lt=on))),
        )
        .order_by("month")
    )
    return [
        {
            "month": f"{r['month']:%Y-%m}",
            "bills": r["bills"],
            "payers": r["payers"],
            "billed": r["billed_sum"],
            "paid": r["paid_sum"],
            "outstanding": r["billed_sum"] - r["paid_sum"],
            "arrears": r["arrears_sum"],
        }
        for r in rows
    ]


def _summary_by_segment(qs: QuerySet[Bill], segment: str, on: dt.date) -> list[dict[str, Any]]:
    """One grouped join (bill entries x memberships) per bill, then per month in Python."""
    rows = (
        BillEntry.objects.filter(bill__in=qs.values("pk"), membership__segment=segment)
        .values("bill_id", "bill__month", "bill__payer_id", "bill__total", "bill__paid")
        .annotate(part=Sum("total"), late=Count("bill_id", filter=Q(bill__due_date__lt=on)))
        .order_by()
    )
    months: dict[dt.date, dict[str, Any]] = {}
    for r in rows:
        part, total, paid = r["part"], r["bill__total"], r["bill__paid"]
        # Payments settle bills, not lines: a bill's payment is shared in proportion.
        part_paid = (part * paid // total) if total else _ZERO
        m = months.setdefault(
            r["bill__month"],
            {"bills": 0, "payers": set(), "billed": _ZERO, "paid": _ZERO, "arrears": _ZERO},
        )
        m["bills"] += 1
        m["payers"].add(r["bill__payer_id"])
        m["billed"] += part
        m["paid"] += part_paid
        if r["late"]:
            m["arrears"] += part - part_paid
    return [
        {
            "month": f"{month:%Y-%m}",
            "bills": m["bills"],
            "payers": len(m["payers"]),
            "billed": m["billed"],
            "paid": m["paid"],
            "outstanding": m["billed"] - m["paid"],
            "arrears": m["arrears"],
        }
        for month, m in sorted(months.items())
    ]


def payments_list(
    *, user: MaybeViewer, payer: Unit | None = None, region_code: str | None = None
) -> QuerySet[Payment]:
    qs = payments_visible_to(user)
    if payer is not None:
        qs = qs.filter(payer=payer)
    if region_code:
        qs = qs.filter(region_subtree_q(region_code, "payer__region__code"))
    return qs.order_by("-paid_on", "-id")


def bill_payers(*, user: MaybeViewer) -> list[tuple[str, str]]:
    """The payers of the bills ``user`` can see, as (unit code, name) by code: the bill list's
    payer filter."""
    return list(
        bill_list(user=user)
        .order_by("payer__code")
        .values_list("payer__code", "payer__name")
        .distinct()
    )


def arrears_flagged(*, user: MaybeViewer, on: dt.date, threshold: int) -> list[dict[str, Any]]:
    """:func:`arrears` on ``on``, each row with ``over_threshold`` (more PU months past due than
    ``threshold``, the flagging rule of ``services.lapse_check``) and ``flag``, the payer's open
    PU arrears flag (None when it has none)."""
    flags = open_arrears_flags(user=user)
    rows = arrears(user=user, on=on)
    payer_ids = dict(
        units_visible_to(user).filter(code__in=[r["payer"] for r in rows]).values_list("code", "pk")
    )
    for row in rows:
        row["over_threshold"] = row["pu_months"] > threshold
        row["flag"] = flags.get(payer_ids.get(row["payer"], 0))
    return rows


# --- billing from the web: who may run it, and what a run would bill ---------------------------


def billing_regions(user: MaybeViewer) -> list[Region] | None:
    """Where ``user`` may run billing from the web: ``None`` anywhere (a superadmin), an admin
    kabupaten their own kabupaten/kota, everyone else nowhere (``[]``). An admin kabupaten attached
    to a dinas (``user.unit``: the DPMD or BKPSDM verifiers) verifies, and does not bill."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return []
    role = getattr(user, "role", None)
    if role == Role.SUPERADMIN:
        return None
    region: Region | None = getattr(user, "region", None)
    if role == Role.ADMIN_KABUPATEN and region is not None and not getattr(user, "unit_id", None):
        return [region]
    return []


@dataclass(frozen=True)
class PreviewRow:
    """One payer of a billing preview: what the run would bill, beside the bill already there."""

    payer: Unit
    memberships: int
    people: int
    total: Decimal
    existing: Bill | None

    @property
    def change(self) -> str:
        """What the run does with this payer's bill: new, same, recomputed, adjusted (paid)."""
        if self.existing is None:
            return "new"
        if self.existing.total == self.total:
            return "same"
        return "adjust" if self.existing.paid > 0 else "update"


@dataclass(frozen=True)
class BillingPreview:
    month: dt.date
    region: Region
    rows: list[PreviewRow]
    unrated: int  # programme lines no rate prices (counted, never billed)
    orphans: list[Bill]  # bills of the month nobody would be billed for any more

    @property
    def memberships(self) -> int:
        return sum(r.memberships for r in self.rows)

    @property
    def people(self) -> int:
        return sum(r.people for r in self.rows)

    @property
    def total(self) -> Decimal:
        return sum((r.total for r in self.rows), _ZERO)

    @property
    def existing_total(self) -> Decimal:
        billed = sum((r.existing.total for r in self.rows if r.existing), _ZERO)
        return billed + sum((b.total for b in self.orphans), _ZERO)

    @property
    def billed_before(self) -> bool:
        return any(r.existing for r in self.rows) or bool(self.orphans)


def billing_preview(*, user: MaybeViewer, month: dt.date, region: Region) -> BillingPreview:
    """What ``services.billing_run`` would bill for contribution ``month`` to the payers located in
    ``region``: per payer the memberships, people and total, beside the month's bill already there.

    Computed by the run's own statements (``services.run.month_lines``) into a temporary table
    dropped at the end of this transaction; nothing is written. ``region`` must be one of
    :func:`billing_regions` (the caller checks). Aggregates only: no personal data is shown.
    Raises ``services.BillingError`` for a month the rules cannot price.
    """
    from django.db import connection, transaction

    from cakupan.billing.services.run import month_lines
    from cakupan.billing.sql import run as statements

    month = month.replace(day=1)
    _plain, _rates, lines = month_lines(month=month, region_code=region.code)
    with transaction.atomic(), connection.cursor() as raw:
        cursor: Any = raw  # the statements' parameters are typed as plain objects
        cursor.execute(statements.DROP_TEMP_TABLES)
        cursor.execute(statements.WORK_MEM)
        cursor.execute(statements.create_priced(lines.priced_sql), lines.priced_params)
        cursor.execute(statements.ANALYZE_PRICED)
        cursor.execute(
            "SELECT payer_id, count(*) FILTER (WHERE lines > 0), "  # noqa: S608 - our own SQL
            "count(DISTINCT person_id) FILTER (WHERE lines > 0), "
            "coalesce(sum(total) FILTER (WHERE lines > 0), 0), "
            "coalesce(sum(cardinality(unrated)), 0) "
            f"FROM ({lines.lines_sql}) l GROUP BY payer_id",
            lines.lines_params,
        )
        found = cursor.fetchall()
        cursor.execute(statements.DROP_TEMP_TABLES)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=[r[0] for r in found])}
    month_bills = bill_list(user=user, region_code=region.code, month=month)
    existing = {b.payer_id: b for b in month_bills}
    rows = [
        PreviewRow(
            payer=units[payer_id],
            memberships=int(memberships),
            people=int(people),
            total=Decimal(total),
            existing=existing.get(payer_id),
        )
        for payer_id, memberships, people, total, _unrated in found
        if memberships
    ]
    billed = {r.payer.pk for r in rows}
    rows.sort(key=lambda r: (r.payer.region_id, r.payer.name, r.payer.code))
    return BillingPreview(
        month=month,
        region=region,
        rows=rows,
        unrated=sum(int(r[4]) for r in found),
        orphans=[b for b in month_bills if b.payer_id not in billed],
    )


@dataclass(frozen=True)
class MonthTotal:
    month: dt.date
    bills: int
    billed: Decimal
    paid: Decimal

    @property
    def outstanding(self) -> Decimal:
        return self.billed - self.paid


def bill_totals(
    *,
    user: MaybeViewer,
    year: int,
    payer: Unit | None = None,
    status: str | None = None,
) -> list[MonthTotal]:
    """Bills, billed and paid per contribution month of ``year`` (the bill list's totals), with
    the same payer and status filters as the list."""
    qs = bill_list(user=user, payer=payer, status=status).filter(month__year=year)
    rows = (
        qs.order_by()
        .values("month")
        .annotate(n=Count("id"), billed=_money(Sum("total")), paid_sum=_money(Sum("paid")))
        .order_by("month")
    )
    return [
        MonthTotal(month=r["month"], bills=r["n"], billed=r["billed"], paid=r["paid_sum"])
        for r in rows
    ]


def bill_years(*, user: MaybeViewer) -> list[int]:
    """The contribution years of the bills ``user`` can see, newest first."""
    return sorted({d.year for d in bills_visible_to(user).dates("month", "year")}, reverse=True)


# --- work waiting for a user (the home page) -----------------------------------------------------


def waiting_work(*, user: MaybeViewer, today: dt.date) -> list[WorkItem]:
    """What billing asks of ``user``: bills not fully paid yet (not due), payers in arrears (due
    and unpaid), and for whoever bills from the web a month not billed yet in their region.
    Read-only roles (camat, pimpinan, BPJS officer) get the same figures to follow (``watch``)."""
    from django.urls import reverse

    watch = not getattr(user, "can_write", False)
    items: list[WorkItem] = []
    regions = billing_regions(user)
    if regions:
        month = today.replace(day=1)
        region = regions[0]
        billed = bills_visible_to(user).filter(
            region_subtree_q(region.code, "payer__region__code"), month=month
        )
        if not billed.exists():
            items.append(
                WorkItem(
                    key="billing.not_billed",
                    label=str(
                        _("tagihan bulan %(month)s belum dibuat") % {"month": f"{month:%m-%Y}"}
                    ),
                    count=1,
                    url=f"{reverse('billing:billing_run')}?month={month:%m-%Y}",
                )
            )
    unpaid = bill_list(user=user, status=UNPAID)
    due = unpaid.filter(due_date__gte=today).aggregate(
        n=Count("id"), amount=_money(Sum(F("total") - F("paid")))
    )
    if due["n"]:
        items.append(
            WorkItem(
                key="billing.unpaid",
                label=str(_("tagihan belum lunas, belum jatuh tempo")),
                count=due["n"],
                amount=Decimal(due["amount"]),
                url=f"{reverse('billing:bill_list')}?status={UNPAID}",
                watch=watch,
            )
        )
    late = unpaid.filter(due_date__lt=today).aggregate(
        n=Count("payer", distinct=True), amount=_money(Sum(F("total") - F("paid")))
    )
    if late["n"]:
        items.append(
            WorkItem(
                key="billing.arrears",
                label=str(_("pembayar menunggak (lewat jatuh tempo)")),
                count=late["n"],
                amount=Decimal(late["amount"]),
                url=reverse("billing:arrears"),
                watch=watch,
            )
        )
    return items
