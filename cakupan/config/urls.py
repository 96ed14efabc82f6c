"""URLs. Error pages: Django's default handlers render ``400.html``, ``403.html`` and ``404.html``;
a server error shows ``500.html`` with the request's correlation id (``common.views.server_error``).

The admin is for superadmins only: ``cakupan.accounts.admin`` replaces ``admin.site.has_permission``
when the admin autodiscovers, so every other role is sent to the admin's login page, never served
an admin page.
"""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.cache import cache_control


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links (and for PDFs and downloads)."""
    return redirect(static("img/favicon.ico"))


urlpatterns: list[URLPattern | URLResolver] = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("cakupan.api.urls")),
    path("akun/token-api/", include("cakupan.api.web_urls")),
    path("akun/", include("cakupan.accounts.urls")),
    path("impor/", include("cakupan.intake.urls")),
    path("", include("cakupan.parameters.urls")),
    path("klaim/", include("cakupan.claims.urls")),
    path("", include("cakupan.billing.urls")),
    path("", include("cakupan.reports.urls")),
    path("sasaran/", include("cakupan.targeting.urls")),
    path("", include("cakupan.coverage.urls")),
    path("", include("cakupan.privacy.urls")),
    path("", include("cakupan.registry.urls")),
]

handler500 = "cakupan.common.views.server_error"
