"""Billing: bills (list, detail), payments, arrears; the contribution and benefit calculators.

Scoped as the web: bills through ``billing.selectors`` (``bills_visible_to``, ``bill_get_for``;
a bill outside the token user's scope is 404, a payment by a read-only role 403). A bill's lines
name people: ``selectors.bill_detail`` writes the access log, as for the bill page; NIKs are shown
in full to the roles that write, masked to the others (the page's rule). The bill list and the
arrears are per payer (no personal data).

The calculators are ``cakupan calc`` (the rules engine with the parameters in force): they read
only, through a POST (``token_auth_reads``: a read-only token may use them); a refused input is
422 with the rules engine's code (``input_invalid``, ``parameter_error``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import field_validator

from cakupan.api.auth import api_actor, api_user, token_auth_reads
from cakupan.api.errors import ApiError
from cakupan.api.idempotency import idempotent
from cakupan.api.pagination import page_of
from cakupan.api.routers.regions import region_filter_code
from cakupan.api.schemas.text import Text
from cakupan.billing import selectors, services
from cakupan.billing.models import Bill, BillStatus
from cakupan.common.dates import parse_month
from cakupan.common.nik import mask_nik
from cakupan.parameters.selectors import active_parameters
from cakupan.rules.benefits import BENEFIT_TYPES, BenefitInput, calculate_benefit
from cakupan.rules.contribution import PROGRAMMES, ContributionInput, calculate_contribution
from cakupan.rules.errors import RulesError
from cakupan.rules.params import SCHOLARSHIP_LEVELS

router = Router(tags=["tagihan"])

DEFAULT_PAGE_SIZE = 100
BillStatusCode = Literal[tuple(BillStatus.values)]  # type: ignore[valid-type]
Programme = Literal[PROGRAMMES]  # type: ignore[valid-type]
BenefitType = Literal[BENEFIT_TYPES]  # type: ignore[valid-type]
Level = Literal[SCHOLARSHIP_LEVELS]  # type: ignore[valid-type]
MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
Money = int  # whole rupiah


# --- schemas ------------------------------------------------------------------------------------


class PayerRef(Schema):
    id: int
    code: str
    name: str
    region_code: str


class BillOut(Schema):
    id: int
    payer: PayerRef
    month: str = Field(description="bulan iuran YYYY-MM", examples=["2024-05"])
    due_date: dt.date
    memberships: int
    employer_total: Money
    worker_total: Money
    total: Money
    pu_total: Money
    bpu_total: Money
    paid: Money
    outstanding: Money
    adjustment: Money = Field(description="selisih yang perlu disesuaikan (Rp), bisa negatif")
    status: BillStatusCode  # type: ignore[valid-type]
    overdue: bool


class BillPage(Schema):
    items: list[BillOut]
    next_cursor: str | None


class BillFilters(Schema):
    month: str | None = Field(None, pattern=MONTH_PATTERN, description="YYYY-MM")
    status: Literal["open", "partial", "paid", "unpaid"] | None = Field(
        None, description="unpaid: belum lunas (open atau partial)"
    )
    payer: str | None = Field(None, max_length=40, description="kode unit pembayar")
    region: str | None = Field(
        None, max_length=20, description="wilayah pembayar (dan di bawahnya)"
    )
    limit: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=settings.API_PAGE_SIZE_MAX)
    cursor: str | None = Field(None, max_length=200)


class BillLineOut(Schema):
    person_id: int
    person_name: str
    person_nik: str = Field(description="tersamar untuk peran yang hanya membaca")
    membership_id: int
    unit_code: str
    scheme: Literal["pu", "bpu"]
    programme: Programme
    risk_class: int | None
    risk_class_assumed: bool
    basis: Money
    rate: str | None = Field(description='tarif sebagai pecahan desimal ("0.0024"); null: nominal')
    employer: Money
    worker: Money
    total: Money


class AllocationOut(Schema):
    payment_id: int
    reference: str
    paid_on: dt.date
    amount: Money


class BillDetailOut(BillOut):
    lines: list[BillLineOut]
    allocations: list[AllocationOut]
    payer_credit: Money = Field(description="saldo pembayar yang belum teralokasi")


class PaymentIn(Schema):
    amount: int = Field(gt=0, le=10**15, description="rupiah utuh")
    paid_on: dt.date
    reference: Text = Field(min_length=1, max_length=100, description="nomor referensi bank")
    note: Text = Field("", max_length=300)

    @field_validator("reference")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("nomor referensi wajib diisi")
        return value


class PaymentOut(Schema):
    id: int
    payer: PayerRef
    amount: Money
    paid_on: dt.date
    reference: str
    note: str
    allocations: dict[str, Money] = Field(description="jumlah yang dialokasikan per id tagihan")
    credit: Money = Field(description="sisa yang menjadi saldo untuk tagihan berikutnya")
    bill: BillOut


class ArrearsRow(Schema):
    payer: str
    name: str
    region: str
    bills: int = Field(description="tagihan lewat jatuh tempo yang belum lunas")
    pu_months: int
    oldest_month: str
    amount: Money
    over_threshold: bool = Field(description="bulan PU tertunggak melebihi ambang")
    flagged_since: dt.date | None = Field(description="tanda tunggakan PU yang masih terbuka")


class ArrearsOut(Schema):
    on: dt.date
    threshold_months: int
    total: Money
    items: list[ArrearsRow]


class ContributionIn(Schema):
    scheme: Literal["pu", "bpu"]
    month: str = Field(pattern=MONTH_PATTERN, examples=["2024-05"])
    wage: int = Field(ge=0, le=10**12, description="upah (PU) atau penghasilan (BPU) sebulan")
    programmes: list[Programme] = Field(min_length=1, max_length=5)
    risk_class: int | None = Field(None, ge=1, le=5)
    birth_date: dt.date | None = None


class ContributionLineOut(Schema):
    programme: Programme
    basis: Money
    rate: str | None
    employer: Money
    worker: Money
    total: Money
    source: str = Field(description="dasar hukum")


class ContributionOut(Schema):
    month: str
    scheme: Literal["pu", "bpu"]
    lines: list[ContributionLineOut]
    employer_total: Money
    worker_total: Money
    total: Money
    explanation: list[str]


class BenefitIn(Schema):
    type: BenefitType
    event_date: dt.date
    membership_start: dt.date | None = None
    wage: int | None = Field(None, ge=0, le=10**12)
    percent: Decimal | None = Field(None, ge=0, le=100, max_digits=6, decimal_places=3)
    days: int | None = Field(None, ge=0, le=100_000)
    children: list[Level] = Field(default_factory=list, max_length=20)


class BenefitLineOut(Schema):
    item: str
    amount: Money
    source: str


class ScholarshipOut(Schema):
    child: int
    year: int
    level: str
    amount: Money


class BenefitOut(Schema):
    type: BenefitType
    lines: list[BenefitLineOut]
    total: Money
    schedule: list[ScholarshipOut]
    explanation: list[str]


# --- helpers ------------------------------------------------------------------------------------


def _bill_out(bill: Bill, today: dt.date) -> dict[str, Any]:
    payer = bill.payer
    return {
        "id": bill.pk,
        "payer": {
            "id": payer.pk,
            "code": payer.code,
            "name": payer.name,
            "region_code": payer.region_id,
        },
        "month": f"{bill.month:%Y-%m}",
        "due_date": bill.due_date,
        "memberships": bill.memberships_count,
        "employer_total": int(bill.employer_total),
        "worker_total": int(bill.worker_total),
        "total": int(bill.total),
        "pu_total": int(bill.pu_total),
        "bpu_total": int(bill.bpu_total),
        "paid": int(bill.paid),
        "outstanding": int(bill.total - bill.paid),
        "adjustment": int(bill.adjustment),
        "status": bill.status,
        "overdue": bill.due_date < today and bill.paid < bill.total,
    }


def _rate(rate: Decimal | None) -> str | None:
    return None if rate is None else f"{rate.normalize():f}"


def _rules_refusal(error: RulesError) -> ApiError:
    return ApiError(422, error.code, error.message)


# --- bills --------------------------------------------------------------------------------------


@router.get("/billing/bills", response=BillPage, url_name="bill_list")
def bill_list(request: HttpRequest, filters: Query[BillFilters]) -> dict[str, Any]:
    """Bills of the payers the user sees, by id, filtered by month, status, payer, region."""
    user = api_user(request)
    payer = selectors.payer_get_for(user, filters.payer) if filters.payer else None
    status = {"unpaid": selectors.UNPAID}.get(filters.status or "", filters.status)
    bills = selectors.bill_list(
        user=user,
        region_code=region_filter_code(filters.region) if filters.region else None,
        month=parse_month(filters.month) if filters.month else None,
        payer=payer,
        status=status,
    )
    rows, next_cursor = page_of(bills, limit=filters.limit, cursor=filters.cursor)
    today = timezone.localdate()
    return {"items": [_bill_out(b, today) for b in rows], "next_cursor": next_cursor}


@router.get("/billing/bills/{bill_id}", response=BillDetailOut, url_name="bill_detail")
def bill_detail(request: HttpRequest, bill_id: int) -> dict[str, Any]:
    """A bill with a line per person, membership and programme, and the payments allocated to it
    (written to the access log)."""
    user = api_user(request)
    detail = selectors.bill_detail(user=user, actor=api_actor(request), pk=bill_id)
    bill = detail.bill
    full = user.can_write
    return {
        **_bill_out(bill, timezone.localdate()),
        "lines": [
            {
                "person_id": line.person_id,
                "person_name": line.person.name,
                "person_nik": line.person.nik if full else mask_nik(line.person.nik),
                "membership_id": line.membership_id,
                "unit_code": line.membership.unit.code,
                "scheme": line.scheme,
                "programme": line.programme,
                "risk_class": line.risk_class,
                "risk_class_assumed": line.risk_class_assumed,
                "basis": int(line.basis),
                "rate": _rate(line.rate),
                "employer": int(line.employer),
                "worker": int(line.worker),
                "total": int(line.total),
            }
            for line in detail.lines
        ],
        "allocations": [
            {
                "payment_id": a.payment_id,
                "reference": a.payment.reference,
                "paid_on": a.payment.paid_on,
                "amount": int(a.amount),
            }
            for a in detail.allocations
        ],
        "payer_credit": int(selectors.payer_credit(user=user, payer=bill.payer)),
    }


@router.post(
    "/billing/bills/{bill_id}/payments", response={201: PaymentOut}, url_name="payment_create"
)
@idempotent
def payment_create(request: HttpRequest, bill_id: int, payload: PaymentIn) -> Status:
    """Record a payment for a bill's payer: it settles this bill first, then the payer's oldest
    open bills; the rest is credit. 409 ``payment_duplicate`` for a reference already recorded
    for the payer."""
    user = api_user(request)
    bill = selectors.bill_get_for(user, bill_id, write=True)
    try:
        result = services.payment_record(
            actor=api_actor(request),
            payer=bill.payer,
            amount=Decimal(payload.amount),
            paid_on=payload.paid_on,
            reference=payload.reference,
            bill=bill,
            note=payload.note,
        )
    except services.BillingError as error:
        status = 409 if error.code == "payment_duplicate" else 422
        raise ApiError(status, error.code, error.message) from None
    payment = result.payment
    bill = selectors.bill_get_for(user, bill_id)
    return Status(
        201,
        {
            "id": payment.pk,
            "payer": {
                "id": bill.payer.pk,
                "code": bill.payer.code,
                "name": bill.payer.name,
                "region_code": bill.payer.region_id,
            },
            "amount": int(payment.amount),
            "paid_on": payment.paid_on,
            "reference": payment.reference,
            "note": payment.note,
            "allocations": {str(k): int(v) for k, v in sorted(result.allocations.items())},
            "credit": int(result.credit),
            "bill": _bill_out(bill, timezone.localdate()),
        },
    )


@router.get("/billing/arrears", response=ArrearsOut, url_name="arrears")
def arrears(request: HttpRequest) -> dict[str, Any]:
    """Payers with bills past due and not fully paid (as of today), with the PU arrears rule:
    more PU months past due than ``pu.arrears_threshold_months`` is flagged."""
    user = api_user(request)
    today = timezone.localdate()
    threshold = int(active_parameters().value("pu.arrears_threshold_months", today))
    rows = selectors.arrears_flagged(user=user, on=today, threshold=threshold)
    return {
        "on": today,
        "threshold_months": threshold,
        "total": int(sum((r["amount"] for r in rows), Decimal(0))),
        "items": [
            {
                "payer": r["payer"],
                "name": r["name"],
                "region": r["region"],
                "bills": r["bills"],
                "pu_months": r["pu_months"],
                "oldest_month": r["oldest_month"],
                "amount": int(r["amount"]),
                "over_threshold": r["over_threshold"],
                "flagged_since": r["flag"].flagged_on if r["flag"] is not None else None,
            }
            for r in rows
        ],
    }


# --- calculators --------------------------------------------------------------------------------


@router.post(
    "/calc/contribution",
    response=ContributionOut,
    url_name="calc_contribution",
    auth=token_auth_reads,
    tags=["kalkulator"],
)
def calc_contribution(request: HttpRequest, payload: ContributionIn) -> dict[str, Any]:
    """One person's contribution for one month (``cakupan calc contribution``)."""
    try:
        result = calculate_contribution(
            ContributionInput(
                scheme=payload.scheme,
                month=parse_month(payload.month),
                wage=Decimal(payload.wage),
                programmes=frozenset(payload.programmes),
                risk_class=payload.risk_class,
                birth_date=payload.birth_date,
            ),
            active_parameters(),
        )
    except RulesError as error:
        raise _rules_refusal(error) from None
    return {
        "month": f"{result.month:%Y-%m}",
        "scheme": result.scheme,
        "lines": [
            {
                "programme": line.programme,
                "basis": int(line.basis),
                "rate": _rate(line.rate),
                "employer": int(line.employer),
                "worker": int(line.worker),
                "total": int(line.total),
                "source": line.source,
            }
            for line in result.lines
        ],
        "employer_total": int(result.employer_total),
        "worker_total": int(result.worker_total),
        "total": int(result.total),
        "explanation": [t for line in result.lines for t in line.explanation] + list(result.notes),
    }


@router.post(
    "/calc/benefit",
    response=BenefitOut,
    url_name="calc_benefit",
    auth=token_auth_reads,
    tags=["kalkulator"],
)
def calc_benefit(request: HttpRequest, payload: BenefitIn) -> dict[str, Any]:
    """The benefit of one event (``cakupan calc benefit``)."""
    try:
        result = calculate_benefit(
            BenefitInput(
                type=payload.type,
                event_date=payload.event_date,
                membership_start=payload.membership_start,
                wage=Decimal(payload.wage) if payload.wage is not None else None,
                percent=payload.percent,
                days=payload.days,
                children=tuple(payload.children),
            ),
            active_parameters(),
        )
    except RulesError as error:
        raise _rules_refusal(error) from None
    return {
        "type": result.type,
        "lines": [
            {"item": line.item, "amount": int(line.amount), "source": line.source}
            for line in result.lines
        ],
        "total": int(result.total),
        "schedule": [
            {"child": s.child, "year": s.year, "level": s.level, "amount": int(s.amount)}
            for s in result.schedule
        ],
        "explanation": [line.explanation for line in result.lines] + list(result.notes),
    }
