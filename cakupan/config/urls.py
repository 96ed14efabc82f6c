from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("akun/", include("cakupan.accounts.urls")),
    path("", include("cakupan.registry.urls")),
]
