"""The pages of errors answered outside a view (400, the CSRF failure, 500) are one page
(``error_base.html``): the site's header, the active language, the way home."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

HEADER = '<header class="site-header"><div class="wrap header-bar"><a class="brand" href="/">'
HOME = '<p><a href="/">'


def _pages(language: str) -> dict[str, str]:
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["django_language"] = language
    bad = client.get("/kalkulator/", {"q": "a\x00b"})
    csrf = client.post("/akun/masuk/", {"username": "x", "password": "y"})
    with override_settings(ROOT_URLCONF="cakupan.common.tests.boom_urls", DEBUG=False):
        error = client.get("/uji-gagal/")
    assert (bad.status_code, csrf.status_code, error.status_code) == (400, 403, 500)
    return {
        "400": bad.content.decode(),
        "403_csrf": csrf.content.decode(),
        "500": error.content.decode(),
    }


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_error_pages_share_one_frame_in_the_active_language(language: str) -> None:
    for name, page in _pages(language).items():
        assert f'<html lang="{language}">' in page, name
        assert page.count(HEADER) == 1, name
        assert '<main id="isi" class="wrap">' in page, name
        assert page.count(HOME) == 1, name
        assert page.rstrip().endswith("</main>\n</body>\n</html>"), name
