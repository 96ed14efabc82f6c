from django.urls import path, re_path

from cakupan.coverage import views

app_name = "coverage"
CODE = r"(?P<code>\d{2}(?:\.\d{2}(?:\.\d{2}(?:\.\d{4})?)?)?)"
urlpatterns = [
    path("cakupan/", views.region_page, {"code": ""}, name="nation"),
    path("cakupan/peringkat/", views.league_page, {"code": ""}, name="nation_league"),
    re_path(rf"^cakupan/{CODE}/$", views.region_page, name="region"),
    re_path(rf"^cakupan/{CODE}/peringkat/$", views.league_page, name="league"),
    re_path(rf"^cakupan/{CODE}/tindak-lanjut/$", views.followup_page, name="followup"),
    re_path(rf"^cakupan/{CODE}/tindak-lanjut\.xlsx$", views.followup_xlsx, name="followup_xlsx"),
]
