"""Privacy URLs: the reveal of masked data and the audit histories, beside the registry's and
intake's detail pages, and the data-subject report (its NIK travels as a search token, never in the address)."""

from django.urls import path

from cakupan.privacy import views

app_name = "privacy"
urlpatterns = [
    path("orang/<int:pk>/tampilkan/", views.person_reveal, name="person_reveal"),
    path("kepesertaan/<int:pk>/tampilkan/", views.membership_reveal, name="membership_reveal"),
    path("orang/<int:pk>/riwayat/", views.person_history, name="person_history"),
    path("kepesertaan/<int:pk>/riwayat/", views.membership_history, name="membership_history"),
    path("impor/<int:pk>/riwayat/", views.batch_history, name="batch_history"),
    path("privasi/laporan/", views.subject_report, name="subject_report"),
    path("privasi/laporan.json", views.subject_report_json, name="subject_report_json"),
    path("privasi/laporan.xlsx", views.subject_report_xlsx, name="subject_report_xlsx"),
]
