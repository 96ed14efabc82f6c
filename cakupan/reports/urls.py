from django.urls import path, re_path

from cakupan.reports import views

app_name = "reports"
REGENCY = r"(?P<code>\d{2}\.\d{2})"
PUBLIC = r"(?P<code>\d{2}(?:\.\d{2})?)"
urlpatterns = [
    path("publik/", views.public_page, name="public"),
    re_path(rf"^publik/{PUBLIC}/$", views.public_page, name="public_region"),
    re_path(rf"^laporan/kso/{REGENCY}\.pdf$", views.kso_pdf, name="kso_pdf"),
    re_path(rf"^laporan/kso/{REGENCY}\.xlsx$", views.kso_xlsx, name="kso_xlsx"),
]
