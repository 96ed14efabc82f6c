"""Privacy URLs: the reveal of masked data, beside the registry's detail pages, and the
data-subject report (its NIK travels as a search token, never in the address)."""

from django.urls import path

from cakupan.privacy import views

app_name = "privacy"
urlpatterns = [
    path("orang/<int:pk>/tampilkan/", views.person_reveal, name="person_reveal"),
    path("kepesertaan/<int:pk>/tampilkan/", views.membership_reveal, name="membership_reveal"),
    path("privasi/laporan/", views.subject_report, name="subject_report"),
    path("privasi/laporan.json", views.subject_report_json, name="subject_report_json"),
    path("privasi/laporan.xlsx", views.subject_report_xlsx, name="subject_report_xlsx"),
]
