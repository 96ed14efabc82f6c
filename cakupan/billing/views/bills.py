"""Bills, payments and arrears of the payers in the user's scope.

* Lists come from ``billing.selectors`` (scoped through ``accounts.access``); a bill outside the
  scope answers 404 (``selectors.bill_get_for``), a payment by a read-only role (camat, pimpinan,
  petugas BPJS) 403.
* The bill page shows names and NIKs: ``selectors.bill_detail`` writes the access log, and so do
  the PDF and XLSX downloads (``billing.documents``). The list of lapsed memberships names people
  too and is logged here.
* A payment is recorded by ``services.payment_record`` (allocated oldest month first, the rest is
  credit); a refusal (``BillingError``) comes back as a message on the bill page.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cakupan.billing import documents, selectors, services
from cakupan.billing.forms import BillFilterForm, PaymentForm
from cakupan.common.money import format_rupiah
from cakupan.common.web import PDF, XLSX, CakupanRequest, attachment, web_actor
from cakupan.parameters.selectors import active_parameters
from cakupan.registry.selectors import list_view_record
from cakupan.rules.text import format_percent

PAGE_SIZE = 50


@login_required
def bill_list(request: CakupanRequest) -> HttpResponse:
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
    page = Paginator(bills, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page,
        "filtered": bool(month or status or payer),
        "can_write": user.can_write,
    }
    return render(request, "billing/bill_list.html", context)


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
def arrears(request: CakupanRequest) -> HttpResponse:
    """``/tagihan/tunggakan/``: payers with overdue bills, PU payers over the threshold, lapses."""
    user = request.user
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
        "total": sum((r["amount"] for r in rows), 0),
        "page_obj": page,
    }
    return render(request, "billing/arrears.html", context)
