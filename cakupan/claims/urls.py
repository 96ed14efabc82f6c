"""Claims URLs under ``klaim/``."""

from django.urls import path

from cakupan.claims import scholarship_views, views

app_name = "claims"
urlpatterns = [
    path("", views.claim_list, name="claim_list"),
    path("lapor/", views.claim_report, name="claim_report"),
    path("lapor/pratinjau/", views.claim_report_preview, name="claim_report_preview"),
    path("beasiswa/", scholarship_views.instalments_due, name="instalments_due"),
    path("beasiswa/xlsx/", scholarship_views.instalments_xlsx, name="instalments_xlsx"),
    path("beasiswa/<int:pk>/bukti/", scholarship_views.instalment_proof, name="instalment_proof"),
    path("beasiswa/<int:pk>/bayar/", scholarship_views.instalment_pay, name="instalment_pay"),
    path("terlambat/", views.overdue, name="overdue"),
    path("ringkasan/", views.claims_summary, name="summary"),
    path("ahli-waris/<int:pk>/ubah/", views.heir_edit, name="heir_edit"),
    path("ahli-waris/<int:pk>/hapus/", views.heir_remove, name="heir_remove"),
    path(
        "ahli-waris/<int:pk>/berhenti/", scholarship_views.scholarship_stop, name="scholarship_stop"
    ),
    path("dokumen/<int:pk>/", views.document_download, name="document_download"),
    path("dokumen/<int:pk>/hapus/", views.document_remove, name="document_remove"),
    path("komponen/<int:pk>/bayar/", views.component_pay, name="component_pay"),
    path("<int:pk>/", views.claim_detail, name="claim_detail"),
    path("<int:pk>/ahli-waris/", views.heir_add, name="heir_add"),
    path("<int:pk>/dokumen/", views.document_upload, name="document_upload"),
    path("<int:pk>/berita-acara.pdf", views.handover_pdf, name="handover_pdf"),
    path(
        "<int:pk>/<str:step>/",
        views.claim_transition,
        name="claim_transition",
    ),
]
