"""The second-factor device pages of the Django admin (django-otp's own views).

django-otp's TOTP admin looks its device up with ``objects.get`` on its QR-code and configuration
pages, so an unknown id raised ``DoesNotExist``: a 500. It must be a 404 like every other page.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cakupan.accounts.models import User


@pytest.fixture
def admin_client(client: Client, superadmin: User) -> Client:
    client.force_login(superadmin)
    return client


@pytest.mark.parametrize("page", ["config", "qrcode"])
def test_an_unknown_totp_device_answers_404(admin_client: Client, page: str) -> None:
    missing = (TOTPDevice.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    response = admin_client.get(
        reverse(f"admin:otp_totp_totpdevice_{page}", kwargs={"pk": missing})
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("page", "content_type"), [("config", "text/html"), ("qrcode", "image/svg+xml")]
)
def test_a_known_totp_device_page_still_answers(
    admin_client: Client, superadmin: User, page: str, content_type: str
) -> None:
    device = TOTPDevice.objects.create(user=superadmin, name="uji", confirmed=True)
    response = admin_client.get(
        reverse(f"admin:otp_totp_totpdevice_{page}", kwargs={"pk": device.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
