"""A URLconf for the error-page tests: the site plus one view that fails."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, path

from cakupan.config import urls as site


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("kegagalan uji untuk NIK 7324041708850001")


handler500 = site.handler500
urlpatterns: list[URLPattern | URLResolver] = [path("uji-gagal/", boom), *site.urlpatterns]
