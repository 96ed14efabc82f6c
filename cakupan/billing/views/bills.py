"""Bills, payments and arrears of the payers in the user's scope; billing a month from the web.

* Lists come from ``billing.selectors`` (scoped through ``accounts.access``); a bill outside the
  scope answers 404 (``selectors.bill_get_for``), a payment by a read-only role (camat, pimpinan,
  petugas BPJS) 403.
* The bill page shows names and NIKs: ``selectors.bill_detail`` writes the access log, and so do
  the PDF and XLSX downloads (``billing.documents``). The list of lapsed memberships names people
  too and is logged here.
* A payment is recorded by ``services.payment_record`` (allocated oldest month first, the rest is
  credit); a refusal (``BillingError``) comes back as a message on the bill page.
* Billing a month (``/tagihan/buat/``): an admin kabupaten for its kabupaten/kota, a superadmin for
  any region (``selectors.billing_regions``). The GET with a month shows what the run would bill
  (``selectors.billing_preview``: payers, people, totals, the bills already there); the POST runs
  ``services.billing_run`` and goes to the month's bills.
* ``/tagihan/ringkasan/``: ``cakupan billing summary`` as a page (billed, paid, arrears per month).
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import F, QuerySet
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cakupan.accounts import access
from cakupan.billing import documents, selectors, services
from cakupan.billing.forms import BillFilterForm, BillingRunForm, PaymentForm, SummaryForm
from cakupan.billing.models import BillStatus
from cakupan.common import exports
from cakupan.common.exports import Column, ExportLog
from cakupan.common.money import format_rupiah
from cakupan.common.web import PDF, XLSX, CakupanRequest, attachment, web_actor
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.models import Segment
from cakupan.registry.selectors import export_record, full_data_annotation, list_view_record
from cakupan.rules.text import format_percent
from cakupan.wilayah.models import Region
from cakupan.wilayah.selectors import RegionNotFound, region_get

PAGE_SIZE = 50

# The downloads of the bill list and of the lapsed memberships (``common.exports``).
BILL_COLUMNS = (
    Column(gettext_lazy("Bulan iuran"), "month", kind="date", width=12),
    Column(gettext_lazy("Kode pembayar"), "payer__code", width=16),
    Column(gettext_lazy("Pembayar"), "payer__name", width=32),
    Column(gettext_lazy("Peserta"), "memberships_count", kind="number", width=10),
    Column(gettext_lazy("Jatuh tempo"), "due_date", kind="date", width=12),
    Column(gettext_lazy("Jumlah (Rp)"), "total", kind="money", width=14),
    Column(gettext_lazy("Dibayar (Rp)"), "paid", kind="money", width=14),
    Column(gettext_lazy("Sisa (Rp)"), "export_outstanding", kind="money", width=14),
    Column(gettext_lazy("Status"), "status", labels=dict(BillStatus.choices), width=14),
)
LAPSE_COLUMNS = (
    Column(gettext_lazy("Nama"), "membership__person__name", width=30),
    Column(gettext_lazy("NIK"), "membership__person__nik", kind="nik", sensitive=True),
    Column(gettext_lazy("Kode unit"), "membership__unit__code", width=16),
    Column(gettext_lazy("Unit"), "membership__unit__name", width=30),
    Column(gettext_lazy("Segmen"), "membership__segment", labels=dict(Segment.choices), width=18),
    Column(gettext_lazy("Nonaktif sejak"), "lapsed_on", kind="date", width=12),
    Column(gettext_lazy("Bulan terakhir dibayar"), "last_paid_month", kind="date", width=12),
    Column(
        gettext_lazy("Bulan tertua belum dibayar"), "oldest_unpaid_month", kind="date", width=12
    ),
    Column(gettext_lazy("Alasan"), "reason", width=40),
)


def _download(
    request: CakupanRequest,
    fmt: str,
    rows: QuerySet[Any],
    columns: tuple[Column, ...],
    *,
    entity: str,
    id_field: str,
    file_stem: str,
    list_name: str,
    filters: dict[str, Any],
    person_ref: str | None = None,
) -> HttpResponseBase:
    """``rows`` (the page's own queryset) as CSV or XLSX, logged; masked per row where the list
    names people (``person_ref``)."""
    actor = web_actor(request)

    def log(export: ExportLog, qs: QuerySet[Any]) -> None:
        export_record(
            actor=actor, entity=entity, ids=qs.values_list(id_field), export=export,
            list_name=list_name,
        )  # fmt: skip

    full: bool | str = True
    if person_ref is not None:
        rows = rows.annotate(export_full=full_data_annotation(request.user, person_ref))
        full = "export_full"
    return exports.answer(
        request,
        lambda: exports.export_queryset(
            rows,
            columns,
            fmt=fmt,
            file_stem=file_stem,
            log=log,
            filters=exports.describe_filters(filters),
            full=full,
        ),
    )


@login_required
def bill_list(request: CakupanRequest) -> HttpResponseBase:
    """``/tagihan/``: bills per payer and month, newest month first."""
    user = request.user
    payers = selectors.bill_payers(user=user)
    form = BillFilterForm(
        request.GET or None, payers=[(code, f"{name} ({code})") for code, name in payers]
    )
    month = status = payer_code = None
    if form.is_bound and form.is_valid():
        month = form.cleaned_data["month"]
        status = form.cleaned_data["status"] or None
        payer_code = form.cleaned_data["payer"] or None
    payer = selectors.payer_get_for(user, payer_code) if payer_code else None
    bills = selectors.bill_list(user=user, month=month, payer=payer, status=status)
    fmt = exports.requested_format(request)
    if fmt:
        return _download(
            request, fmt, bills.annotate(export_outstanding=F("total") - F("paid")), BILL_COLUMNS,
            entity="billing.bill", id_field="pk", file_stem="tagihan", list_name="daftar tagihan",
            filters={"month": f"{month:%m-%Y}" if month else "", "status": status or "",
                     "payer": payer_code or ""},
        )  # fmt: skip
    page = Paginator(bills, PAGE_SIZE).get_page(request.GET.get("page"))
    years = selectors.bill_years(user=user)
    year = month.year if month else (years[0] if years else None)
    totals = selectors.bill_totals(user=user, year=year, payer=payer, status=status) if year else []
    by_month = {t.month: t for t in totals}
    context = {
        "form": form,
        "page_obj": page,
        "filtered": bool(month or status or payer),
        "can_write": user.can_write,
        "can_bill": selectors.billing_regions(user) != [],
        "year": year,
        "month_totals": totals,
        "year_total": {
            "bills": sum(t.bills for t in totals),
            "billed": sum(t.billed for t in totals),
            "paid": sum(t.paid for t in totals),
            "outstanding": sum(t.outstanding for t in totals),
        },
        # The page's rows grouped by month, each group with the month's totals (all its bills).
        "groups": [
            {"month": m, "bills": list(rows), "total": by_month.get(m)}
            for m, rows in groupby(page.object_list, key=lambda b: b.month)
        ],
        "this_month": timezone.localdate().replace(day=1),
        "downloads": exports.download_links(request),
    }
    return render(request, "billing/bill_list.html", context)


def _run_region(request: CakupanRequest, form: BillingRunForm) -> Region | None:
    """The region the user bills: their own kabupaten, or the code a superadmin typed."""
    allowed = selectors.billing_regions(request.user)
    if allowed:
        return allowed[0]
    code = (form.cleaned_data.get("region") or "").strip()
    if not code:
        form.add_error("region", _("Isi kode wilayah yang akan ditagih."))
        return None
    try:
        return region_get(code)
    except RegionNotFound:
        form.add_error("region", _("Kode wilayah tidak dikenal."))
        return None


@login_required
def billing_run(request: CakupanRequest) -> HttpResponse:
    """``/tagihan/buat/``: choose a month, see what would be billed, confirm."""
    allowed = selectors.billing_regions(request.user)
    if allowed == []:
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = BillingRunForm(data if "month" in data else None)
    if allowed:
        del form.fields["region"]
    context: dict[str, Any] = {"form": form, "fixed_region": allowed[0] if allowed else None}
    if not form.is_bound:
        form.initial = {"month": timezone.localdate().replace(day=1)}
        return render(request, "billing/billing_run.html", context)
    if not form.is_valid() or (region := _run_region(request, form)) is None:
        return render(request, "billing/billing_run.html", context)
    month = form.cleaned_data["month"]
    if request.method == "POST":
        try:
            result = services.billing_run(
                actor=web_actor(request), month=month, region_code=region.code
            )
        except services.BillingError as error:
            form.add_error(None, error.message)
            return render(request, "billing/billing_run.html", context)
        messages.success(
            request,
            _(
                "Tagihan %(month)s untuk %(region)s dibuat: %(payers)s pembayar, "
                "%(memberships)s kepesertaan, jumlah %(total)s (baru %(created)s, dihitung ulang "
                "%(updated)s, tetap %(unchanged)s, perlu penyesuaian %(adjusted)s)."
            )
            % {
                "month": f"{month:%m-%Y}",
                "region": region.name,
                "payers": result.payers,
                "memberships": result.memberships,
                "total": format_rupiah(result.total),
                "created": result.created,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "adjusted": result.adjusted,
            },
        )
        query = urlencode({"month": f"{month:%m-%Y}"})
        return redirect(f"{reverse('billing:bill_list')}?{query}")
    try:
        context["preview"] = selectors.billing_preview(
            user=request.user, month=month, region=region
        )
    except services.BillingError as error:
        form.add_error(None, error.message)
    context["region"] = region
    return render(request, "billing/billing_run.html", context)


@login_required
def summary(request: CakupanRequest) -> HttpResponse:
    """``/tagihan/ringkasan/``: billed, paid, outstanding and arrears per month of a year."""
    user = request.user
    allowed = access.regions_plannable_by(user)
    form = SummaryForm(request.GET or None, regions=allowed)
    today = timezone.localdate()
    years = selectors.bill_years(user=user)
    year = years[0] if years else today.year
    code = allowed[0].code if allowed else ""
    segment = None
    if form.is_bound and form.is_valid():
        year = form.cleaned_data["year"] or year
        code = form.cleaned_data["region"] or code
        segment = form.cleaned_data["segment"] or None
    elif not form.is_bound:
        form = SummaryForm(initial={"year": year, "region": code}, regions=allowed)
    context: dict[str, Any] = {
        "form": form,
        "year": year,
        "can_bill": selectors.billing_regions(user) != [],
    }
    if code and not form.errors:
        try:
            region = region_get(code)
        except RegionNotFound:
            form.add_error("region", _("Kode wilayah tidak dikenal."))
        else:
            if not access.region_in_scope(region, allowed):
                raise Http404
            context["summary"] = selectors.billing_summary(
                user=user, region=region, year=year, segment=segment, on=today
            )
            context["region"] = region
    return render(request, "billing/summary.html", context)


def _detail_context(request: CakupanRequest, pk: int, form: PaymentForm | None) -> dict[str, Any]:
    user = request.user
    detail = selectors.bill_detail(user=user, actor=web_actor(request), pk=pk)
    bill = detail.bill
    may_pay = user.can_write and bill.total > bill.paid
    if may_pay and form is None:
        form = PaymentForm(
            initial={
                "amount": format_rupiah(bill.total - bill.paid).removeprefix("Rp"),
                "paid_on": timezone.localdate(),
            }
        )
    people = []
    for _person, lines in groupby(detail.lines, key=lambda line: line.person_id):
        items = list(lines)
        people.append(
            {
                "person": items[0].person,
                "lines": [
                    {
                        "line": line,
                        "rate": format_percent(line.rate) if line.rate is not None else None,
                    }
                    for line in items
                ],
            }
        )
    return {
        "detail": detail,
        "people": people,
        "rates": [
            {
                "rate": rate,
                "employer": format_percent(rate.employer_rate),
                "worker": format_percent(rate.worker_rate),
            }
            for rate in detail.rates
        ],
        "bill": bill,
        "class_assumed": any(line.risk_class_assumed for line in detail.lines),
        "outstanding": bill.total - bill.paid,
        "credit": selectors.payer_credit(user=user, payer=bill.payer),
        "overdue": bill.due_date < timezone.localdate() and bill.paid < bill.total,
        "form": form if may_pay else None,
    }


@login_required
def bill_detail(request: CakupanRequest, pk: int) -> HttpResponse:
    """``/tagihan/<id>/``: a bill with a line per person and programme (logged)."""
    return render(request, "billing/bill_detail.html", _detail_context(request, pk, None))


@login_required
def bill_pdf(request: CakupanRequest, pk: int) -> HttpResponse:
    data = documents.bill_pdf(user=request.user, actor=web_actor(request), pk=pk)
    bill = selectors.bill_get_for(request.user, pk)
    return attachment(data, PDF, f"tagihan-{bill.payer.code}-{bill.month:%Y-%m}.pdf")


@login_required
def bill_xlsx(request: CakupanRequest, pk: int) -> HttpResponse:
    data = documents.bill_xlsx(user=request.user, actor=web_actor(request), pk=pk)
    bill = selectors.bill_get_for(request.user, pk)
    return attachment(data, XLSX, f"tagihan-{bill.payer.code}-{bill.month:%Y-%m}.xlsx")


@login_required
@require_POST
def payment_create(request: CakupanRequest, pk: int) -> HttpResponse:
    """Record a payment for bill ``pk`` (404 outside the scope, 403 for read-only roles)."""
    bill = selectors.bill_get_for(request.user, pk, write=True)
    form = PaymentForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.payment_record(
                actor=web_actor(request),
                payer=bill.payer,
                amount=data["amount"],
                paid_on=data["paid_on"],
                reference=data["reference"],
                bill=bill,
                note=data["note"],
            )
        except services.BillingError as error:
            form.add_error(None, error.message)
        else:
            text = _("Pembayaran %(ref)s dicatat.") % {"ref": result.payment.reference}
            if result.credit:
                text += " " + _("Sisa %(credit)s menjadi saldo untuk tagihan berikutnya.") % {
                    "credit": format_rupiah(result.credit)
                }
            messages.success(request, text)
            return redirect("billing:bill_detail", pk=bill.pk)
    return render(request, "billing/bill_detail.html", _detail_context(request, pk, form))


@login_required
def arrears(request: CakupanRequest) -> HttpResponseBase:
    """``/tagihan/tunggakan/``: payers with overdue bills, PU payers over the threshold, lapses.

    Its download (``?unduh=csv|xlsx``) is the list of lapsed memberships, the part that names
    people; the payers in arrears are on the page and in ``cakupan billing summary``.
    """
    user = request.user
    fmt = exports.requested_format(request)
    if fmt:
        return _download(
            request, fmt, selectors.membership_lapses(user=user), LAPSE_COLUMNS,
            entity="registry.person", id_field="membership__person_id",
            person_ref="membership__person_id", file_stem="kepesertaan-nonaktif-menunggak",
            list_name="daftar kepesertaan nonaktif karena menunggak", filters={},
        )  # fmt: skip
    today = timezone.localdate()
    threshold = active_parameters().value("pu.arrears_threshold_months", today)
    rows = selectors.arrears_flagged(user=user, on=today, threshold=threshold)
    page = Paginator(selectors.membership_lapses(user=user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = [lapse.membership.person_id for lapse in page]
    list_view_record(
        actor=web_actor(request),
        entity="registry.person",
        ids=shown,
        list_name="daftar kepesertaan nonaktif karena menunggak",
    )
    context = {
        "rows": rows,
        "today": today,
        "threshold": threshold,
        "flagged_count": sum(1 for r in rows if r["over_threshold"]),
        "can_bill": selectors.billing_regions(user) != [],
        "total": sum((r["amount"] for r in rows), 0),
        "page_obj": page,
        "downloads": exports.download_links(request),
    }
    return render(request, "billing/arrears.html", context)
