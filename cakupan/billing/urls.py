"""Billing URLs, included at the site root: the budget planner under ``anggaran/``, bills and
arrears under ``tagihan/``. The public calculators (``kalkulator/``) are the ``parameters`` app's."""

from django.urls import path

from cakupan.billing.budget import views as budget
from cakupan.billing.views import bills

app_name = "billing"
urlpatterns = [
    path("anggaran/", budget.budget, name="budget"),
    path("anggaran/xlsx/", budget.budget_xlsx, name="budget_xlsx"),
    path("tagihan/", bills.bill_list, name="bill_list"),
    path("tagihan/tunggakan/", bills.arrears, name="arrears"),
    path("tagihan/buat/", bills.billing_run, name="billing_run"),
    path("tagihan/ringkasan/", bills.summary, name="summary"),
    path("tagihan/<int:pk>/", bills.bill_detail, name="bill_detail"),
    path("tagihan/<int:pk>/pdf/", bills.bill_pdf, name="bill_pdf"),
    path("tagihan/<int:pk>/xlsx/", bills.bill_xlsx, name="bill_xlsx"),
    path("tagihan/<int:pk>/bayar/", bills.payment_create, name="payment_create"),
]
