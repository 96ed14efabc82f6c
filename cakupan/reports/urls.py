from django.urls import re_path

from cakupan.reports import views

app_name = "reports"
REGENCY = r"(?P<code>\d{2}\.\d{2})"
urlpatterns = [
    re_path(rf"^laporan/kso/{REGENCY}\.pdf$", views.kso_pdf, name="kso_pdf"),
    re_path(rf"^laporan/kso/{REGENCY}\.xlsx$", views.kso_xlsx, name="kso_xlsx"),
]
