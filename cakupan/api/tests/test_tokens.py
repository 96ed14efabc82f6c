"""Tokens: stored hashed, 401 when unknown, revoked, expired or the user inactive; read-only
tokens refused on writes (403); the rate limit (429, Retry-After); the body limit (413); made and
revoked from the CLI and the web, audited each time."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from cakupan.accounts.models import Action, AuditEvent, Source, User
from cakupan.api.models import ApiToken
from cakupan.api.tests.conftest import ApiClient, issue_token
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db

REGION = "/api/v1/regions/73.24"


def _status(token: str | None, path: str = REGION) -> int:
    return ApiClient(token).get(path).status_code


def test_only_the_hash_is_stored_and_the_token_works_until_revoked(admin_kabupaten: User) -> None:
    secret = issue_token(admin_kabupaten)
    token = ApiToken.objects.get()
    assert secret.startswith(f"cak_{token.prefix}_")
    assert len(secret) == len("cak_") + 8 + 1 + 43
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert token.last_used_at is None
    assert _status(secret) == 200
    token.refresh_from_db()
    assert token.last_used_at is not None

    assert _status(None) == 401
    assert _status(secret[:-1] + ("A" if secret[-1] != "A" else "B")) == 401
    assert _status(f"cak_{token.prefix}_") == 401
    assert _status("bukan-token") == 401
    answer = ApiClient(None).get(REGION, headers={"Authorization": f"Basic {secret}"})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "unauthenticated"
    assert answer["WWW-Authenticate"] == 'Bearer realm="cakupan"'

    call_command("api", "token", "revoke", token.prefix, "--json")
    assert _status(secret) == 401


def test_an_expired_token_or_an_inactive_user_answers_401(operator_desa: User) -> None:
    secret = issue_token(operator_desa, days=1)
    assert _status(secret) == 200
    with time_machine.travel(timezone.now() + dt.timedelta(days=1, seconds=1)):
        assert _status(secret) == 401
    operator_desa.is_active = False
    operator_desa.save()
    assert _status(secret) == 401


def test_a_read_only_token_reads_and_checks_niks_but_may_not_write(
    admin_kabupaten: User, persona_world: PersonaWorld
) -> None:
    from cakupan.testing.factories import make_membership

    membership = make_membership(unit=persona_world.opd)
    client = ApiClient(issue_token(admin_kabupaten, read_only=True))
    assert client.get(f"/api/v1/memberships/{membership.pk}").status_code == 200
    assert client.post("/api/v1/nik/check", {"nik": "7324045708850001"}).status_code == 200
    answer = client.post(f"/api/v1/memberships/{membership.pk}/end", {"end_date": "2024-12-31"})
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "token_read_only"
    membership.refresh_from_db()
    assert membership.end_date is None


@override_settings(API_RATE_PER_MINUTE=3)
def test_the_rate_limit_counts_per_token_and_minute_and_says_when_to_retry(
    camat: User, pimpinan: User
) -> None:
    secret = issue_token(camat)
    other = issue_token(pimpinan)
    start = timezone.now().replace(second=10, microsecond=0)
    with time_machine.travel(start, tick=False):
        assert [_status(secret) for _ in range(3)] == [200, 200, 200]
        refused = ApiClient(secret).get(REGION)
        assert refused.status_code == 429
        assert refused["Retry-After"] == "50"
        assert refused.json()["error"]["code"] == "rate_limited"
        assert _status(other) == 200  # another token has its own count
    with time_machine.travel(start + dt.timedelta(seconds=50), tick=False):
        assert _status(secret) == 200


@override_settings(API_MAX_BODY_BYTES=1000)
def test_a_body_over_the_limit_is_refused_before_it_is_read(superadmin: User) -> None:
    client = ApiClient(issue_token(superadmin))
    answer = client.post("/api/v1/nik/check", {"nik": "1" * 16, "pad": "x" * 2000})
    assert answer.status_code == 413
    assert answer.json()["error"] == {
        "code": "too_large",
        "message": "Isi permintaan lebih dari 0 MB.",
        "details": {"max_bytes": 1000},
    }


def test_cli_creates_lists_and_revokes_tokens_and_audits_each(
    operator_desa: User, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "api", "token", "create", "--user", "desa.malili", "--name", "OpenSID Malili",
        "--expires", "30", "--read-only", "--json",
    )  # fmt: skip
    made = json.loads(capsys.readouterr().out)
    token = ApiToken.objects.get()
    assert made["token"].startswith(f"cak_{token.prefix}_")
    assert (made["user"], made["name"], made["read_only"], made["state"]) == (
        "desa.malili",
        "OpenSID Malili",
        True,
        "active",
    )
    assert token.expires_at is not None
    assert abs((token.expires_at - timezone.now()) - dt.timedelta(days=30)) < dt.timedelta(
        minutes=1
    )

    call_command("api", "token", "list", "--json")
    listed = json.loads(capsys.readouterr().out)["tokens"]
    assert [(t["prefix"], t["state"]) for t in listed] == [(token.prefix, "active")]
    assert "token" not in listed[0]

    call_command("api", "token", "revoke", f"cak_{token.prefix}", "--json")
    assert json.loads(capsys.readouterr().out)["state"] == "revoked"
    rows = list(
        AuditEvent.objects.filter(entity="api.apitoken", entity_id=str(token.pk))
        .order_by("pk")
        .values_list("action", "source", "after")
    )
    assert [(a, s) for a, s, _ in rows] == [
        (Action.CREATE, Source.CLI),
        (Action.UPDATE, Source.CLI),
    ]
    created, revoked = rows[0][2] or {}, rows[1][2] or {}
    assert created["name"] == "OpenSID Malili"
    assert "secret_hash" not in created
    assert set(revoked) == {"revoked_at"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["create", "--user", "tidak.ada"], "Pengguna tidak dikenal: tidak.ada"),
        (
            ["create", "--user", "desa.malili", "--expires", "0"],
            "Masa berlaku token harus 1 sampai",
        ),
        (["revoke", "deadbeef"], "Token tidak dikenal: deadbeef"),
    ],
)
def test_cli_usage_errors_exit_2_with_a_message(
    operator_desa: User, argv: list[str], message: str
) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError) as raised:
        call_command("api", "token", *argv)
    assert raised.value.returncode == 2
    assert message in str(raised.value)
    assert not ApiToken.objects.exists()


def test_the_web_page_makes_a_token_shown_once_and_revokes_it(
    operator_desa: User, admin_kabupaten: User, camat: User
) -> None:
    client = Client()
    client.force_login(operator_desa)
    page = client.post(
        reverse("api_tokens:list"), {"name": "OpenSID", "expires_days": "90", "read_only": "on"}
    )
    assert page.status_code == 200
    token = ApiToken.objects.get()
    secret = page.context["issued"].secret
    assert secret in page.content.decode()
    assert (token.user, token.read_only, token.created_by) == (operator_desa, True, operator_desa)
    listing = client.get(reverse("api_tokens:list")).content.decode()
    assert f"cak_{token.prefix}" in listing
    assert secret not in listing
    assert _status(secret) == 200

    # A camat does not manage the operator: the token does not exist for it.
    other = Client()
    other.force_login(camat)
    assert other.post(reverse("api_tokens:revoke", args=[token.pk])).status_code == 404
    # The admin kabupaten who manages the operator may revoke it.
    admin = Client()
    admin.force_login(admin_kabupaten)
    assert f"cak_{token.prefix}" in admin.get(reverse("api_tokens:list")).content.decode()
    answer = admin.post(reverse("api_tokens:revoke", args=[token.pk]))
    assert answer.status_code == 302
    token.refresh_from_db()
    assert token.revoked_by == admin_kabupaten
    assert _status(secret) == 401
    assert list(
        AuditEvent.objects.filter(entity="api.apitoken")
        .order_by("pk")
        .values_list("actor_id", "action", "source")
    ) == [
        (operator_desa.pk, Action.CREATE, Source.WEB),
        (admin_kabupaten.pk, Action.UPDATE, Source.WEB),
    ]


def test_the_web_form_refuses_a_validity_out_of_range(operator_desa: User) -> None:
    client = Client()
    client.force_login(operator_desa)
    page = client.post(reverse("api_tokens:list"), {"name": "x", "expires_days": "9999"})
    assert page.status_code == 200
    assert page.context["form"].errors["expires_days"]
    assert not ApiToken.objects.exists()


def test_purge_deletes_expired_keys_and_old_counters(
    superadmin: User, capsys: pytest.CaptureFixture[str]
) -> None:
    from cakupan.api.models import IdempotencyKey, RateWindow

    token = ApiToken.objects.get(prefix=issue_token(superadmin).split("_")[1])
    now = timezone.now()
    for hours in (1, 25):
        IdempotencyKey.objects.create(
            user=superadmin, key=f"k{hours}", method="POST", path="/", body_hash="0" * 64,
            created_at=now - dt.timedelta(hours=hours),
        )  # fmt: skip
    for minutes in (5, 61, 120):
        RateWindow.objects.create(token=token, minute=now - dt.timedelta(minutes=minutes), count=1)
    call_command("api", "purge", "--json")
    assert json.loads(capsys.readouterr().out) == {"idempotency_keys": 1, "rate_windows": 2}
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["k1"]
    assert RateWindow.objects.count() == 1


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=100)
def test_a_json_body_over_djangos_memory_limit_answers_413_in_the_shape(superadmin: User) -> None:
    client = ApiClient(issue_token(superadmin))
    answer = client.post("/api/v1/nik/check", {"nik": "7324045708850001", "pad": "x" * 200})
    assert answer.status_code == 413
    assert answer.json()["error"]["code"] == "too_large"
