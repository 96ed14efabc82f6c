"""Signing in (SECURITY.md T5, T6): throttling and locks, passwords, one-time codes, sessions, MFA.

Time is moved with time-machine, never waited for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cakupan.accounts import services
from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Action, AuditEvent, Role, Source, User
from cakupan.testing.factories import make_user
from cakupan.testing.personas import PASSWORD, PersonaWorld

LOGIN = "/akun/masuk/"
HOME = "/"
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
STRONG = "Kuda-lari-di-sawah-hijau-7"


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _post_login(client: Client, username: str, password: str, ip: str = "10.0.0.1") -> Any:
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def _auth_events(action: str, user: User | None = None) -> list[AuditEvent]:
    qs = AuditEvent.objects.filter(entity="accounts.user", action=action)
    if user is not None:
        qs = qs.filter(entity_id=str(user.pk))
    return list(qs.order_by("id"))


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _token(device: TOTPDevice, offset: int = 0) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset)
    return f"{value:06d}"


def _enrol(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    return device


# --- throttling and locks (T5) -------------------------------------------------------------------


def test_ten_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(
    client: Client, camat: User, clock: Any
) -> None:
    for n in range(1, 11):
        response = _post_login(client, "camat.malili", f"salah-{n}")
        assert response.status_code == (429 if n == 10 else 200), n
    html = response.content.decode()
    assert "Akun ini dikunci sementara" in html and "Coba lagi setelah pukul 16:15" in html
    response = _post_login(client, "camat.malili", PASSWORD)
    assert response.status_code == 429
    assert not _signed_in(client)
    failed = _auth_events(Action.SIGN_IN_FAILED, camat)
    assert [(e.after or {})["reason"] for e in failed] == ["password"] * 10 + ["locked"]
    (lock,) = _auth_events(Action.LOCKOUT, camat)
    assert lock.after == {
        "ip": "10.0.0.1",
        "lock": "account",
        "failures": 10,
        "until": "2026-03-02T08:15:00+00:00",
    }


def test_after_the_cool_off_the_owner_signs_in(client: Client, camat: User, clock: Any) -> None:
    for n in range(10):
        _post_login(client, "camat.malili", f"salah-{n}")
    clock.shift(dt.timedelta(minutes=14, seconds=59))
    assert _post_login(client, "camat.malili", PASSWORD).status_code == 429
    clock.shift(dt.timedelta(seconds=2))
    response = _post_login(client, "camat.malili", PASSWORD)
    assert response.status_code == 302 and _signed_in(client)
    (event,) = _auth_events(Action.SIGN_IN, camat)
    assert event.after == {"ip": "10.0.0.1", "method": "password"}


def test_150_guesses_an_hour_from_rotating_addresses_evaluate_40(
    client: Client, camat: User, clock: Any
) -> None:
    """T5: one guess every 24 s for an hour, each from another address: locks every 10 evaluated."""
    for n in range(150):
        _post_login(client, "camat.malili", f"tebakan-{n}", ip=f"10.1.{n // 200}.{n % 200}")
        clock.shift(dt.timedelta(seconds=24))
    reasons = [(e.after or {})["reason"] for e in _auth_events(Action.SIGN_IN_FAILED, camat)]
    assert len(reasons) == 150
    assert (
        reasons.count("password") == 40
    )  # never more than 10 in any 15 minutes; ASVS allows 100 an hour


def test_a_spray_from_one_address_locks_the_address_not_the_accounts(
    client: Client, persona_world: PersonaWorld, camat: User, clock: Any
) -> None:
    for n in range(50):
        _post_login(client, f"tebak{n}", "bpjs2024", ip="10.9.9.9")
    response = _post_login(client, "camat.malili", PASSWORD, ip="10.9.9.9")
    assert response.status_code == 429
    assert "dari alamat jaringan ini" in response.content.decode()
    # The same owner from their own office's address is not locked.
    assert _post_login(client, "camat.malili", PASSWORD, ip="10.0.0.1").status_code == 302
    unknown = AuditEvent.objects.filter(action=Action.SIGN_IN_FAILED, entity_id="*")
    assert unknown.count() == 50
    assert all("tebak" not in str(e.after) for e in unknown)  # names of no account: not stored


def test_an_administrator_unlocks_at_once(
    client: Client, admin_kabupaten: User, operator_desa: User, clock: Any
) -> None:
    for n in range(10):
        _post_login(client, "desa.malili", f"salah-{n}")
    admin = Client()
    admin.force_login(admin_kabupaten)
    page = admin.get(reverse("accounts:user_detail", args=[operator_desa.pk])).content.decode()
    assert "Dikunci sampai pukul 16:15 (2 Maret 2026) setelah 10 kali gagal masuk." in page
    listing = admin.get(reverse("accounts:user_list")).content.decode()
    assert "dikunci sampai 16:15" in listing
    admin.post(reverse("accounts:user_action", args=[operator_desa.pk, "unlock"]))
    assert _post_login(client, "desa.malili", PASSWORD).status_code == 302
    (unlock,) = _auth_events(Action.UNLOCK, operator_desa)
    assert (unlock.actor_label, unlock.after) == ("admin.lutim", {"attempts": 1})


# --- sessions (T6) -------------------------------------------------------------------------------


def test_signing_in_gives_a_new_session_and_a_signed_out_cookie_is_dead(
    client: Client, camat: User
) -> None:
    client.get(LOGIN)
    client.session.save()
    before = client.session.session_key
    _post_login(client, "camat.malili", PASSWORD)
    after = client.session.session_key
    assert before and after and before != after
    stolen = client.cookies["sessionid"].value
    client.post(reverse("accounts:logout"))
    thief = Client()
    thief.cookies["sessionid"] = stolen
    assert thief.get(HOME).status_code == 302
    (event,) = _auth_events(Action.SIGN_OUT, camat)
    assert event.after == {"ip": "127.0.0.1", "reason": "user"}


def test_idle_for_30_minutes_ends_the_session(client: Client, camat: User, clock: Any) -> None:
    _post_login(client, "camat.malili", PASSWORD)
    clock.shift(dt.timedelta(minutes=29))
    assert client.get(HOME).status_code == 200
    clock.shift(dt.timedelta(minutes=29))
    assert client.get(HOME).status_code == 200
    clock.shift(dt.timedelta(minutes=30, seconds=1))
    response = client.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN}?next=")
    assert not _signed_in(client)
    (event,) = _auth_events(Action.SIGN_OUT, camat)
    assert event.after == {"ip": "127.0.0.1", "reason": "idle"}


def test_eight_hours_after_signing_in_the_session_ends_however_busy(
    client: Client, camat: User, clock: Any
) -> None:
    _post_login(client, "camat.malili", PASSWORD)
    for _ in range(23):  # a request every 20 minutes: 7 h 40 min
        clock.shift(dt.timedelta(minutes=20))
        assert client.get(HOME).status_code == 200
    clock.shift(dt.timedelta(minutes=20))
    assert client.get(HOME).status_code == 302
    (event,) = _auth_events(Action.SIGN_OUT, camat)
    assert (event.after or {})["reason"] == "expired"


def test_a_deactivated_users_next_request_is_unauthenticated(
    client: Client, operator_desa: User
) -> None:
    _post_login(client, "desa.malili", PASSWORD)
    assert client.get(HOME).status_code == 200
    operator_desa.is_active = False
    operator_desa.save()
    response = client.get(HOME)
    assert (response.status_code, response["Location"]) == (302, f"{LOGIN}?next=/")


def test_re_scoping_an_account_ends_its_sessions(
    client: Client, operator_desa: User, persona_world: PersonaWorld
) -> None:
    _post_login(client, "desa.malili", PASSWORD)
    operator_desa.unit = persona_world.opd
    operator_desa.save()
    assert client.get(HOME).status_code == 302


# --- passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("bpjs2024", "Kata sandi terlalu pendek. Harus mengandung setidaknya 12 karakter."),
        ("Bismillah123!", "terlalu mudah ditebak"),
        ("jakarta-2026-2026", "terlalu mudah ditebak"),
        ("password1234", "Kata sandi ini terlalu umum"),
        ("camat.malili.2026", "Kata sandi terlalu mirip dengan"),
        ("123456789012", "Kata sandi ini seluruhnya terdiri dari angka."),
    ],
)
def test_weak_passwords_are_refused(
    client: Client, camat: User, password: str, message: str
) -> None:
    client.force_login(camat)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": password, "new_password2": password},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    camat.refresh_from_db()
    assert camat.check_password(PASSWORD)


def test_changing_ones_password_is_audited_keeps_this_session_and_ends_the_others(
    client: Client, camat: User
) -> None:
    _post_login(client, "camat.malili", PASSWORD)
    other = Client()
    _post_login(other, "camat.malili", PASSWORD)
    passphrase = "kopi pahit di pagi yang cerah " + "x" * 34  # 64 characters are accepted
    assert len(passphrase) == 64
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": passphrase, "new_password2": passphrase},
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    assert other.get(HOME).status_code == 302
    event = AuditEvent.objects.get(action=Action.UPDATE, entity_id=str(camat.pk))
    assert (event.before, event.after, event.note) == (
        {"password": "set"},
        {"password": "changed"},
        "password change",
    )


def test_a_reset_code_signs_in_once_to_the_password_change_only(
    client: Client, admin_kabupaten: User, operator_desa: User, clock: Any
) -> None:
    admin = Client()
    admin.force_login(admin_kabupaten)
    page = admin.post(reverse("accounts:user_action", args=[operator_desa.pk, "reset-password"]))
    code = page.context["code"]
    assert len(code) == 19 and code.count("-") == 3
    assert _post_login(client, "desa.malili", PASSWORD).status_code == 200  # old password: gone
    response = _post_login(client, "desa.malili", code)
    assert response["Location"] == reverse("accounts:password_change")
    assert client.get(HOME)["Location"] == reverse("accounts:password_change")
    assert (
        "kode sekali pakai dari admin"
        in client.get(reverse("accounts:password_change")).content.decode()
    )
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": code, "new_password1": STRONG, "new_password2": STRONG},
    )
    assert response.status_code == 302
    assert client.get(HOME).status_code == 200
    client.post(reverse("accounts:logout"))
    assert _post_login(client, "desa.malili", code).status_code == 200  # used: gone
    assert _post_login(client, "desa.malili", STRONG).status_code == 302
    notes = [
        (e.actor_label, e.note, e.after)
        for e in AuditEvent.objects.filter(
            action=Action.UPDATE, entity_id=str(operator_desa.pk)
        ).order_by("id")
    ]
    assert notes == [
        ("admin.lutim", "password reset: one-time code issued", {"password": "changed"}),
        ("desa.malili", "password change", {"password": "changed"}),
    ]


def test_a_reset_code_expires(
    client: Client, admin_kabupaten: User, operator_desa: User, clock: Any
) -> None:
    code = services.password_reset_issue(
        actor=Actor(user=admin_kabupaten, source=Source.WEB), user=operator_desa
    )
    clock.shift(dt.timedelta(hours=24))
    assert _post_login(client, "desa.malili", code).status_code == 200
    assert not _signed_in(client)


# --- second factor (T6) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "required"),
    [
        ("superadmin", True),
        ("admin_kabupaten", True),
        ("petugas_bpjs", True),
        ("operator_opd", False),
        ("operator_desa", False),
        ("camat", False),
        ("pimpinan", False),
    ],
)
def test_the_second_factor_is_required_per_role(
    client: Client, request: pytest.FixtureRequest, fixture: str, required: bool
) -> None:
    user: User = request.getfixturevalue(fixture)
    response = _post_login(client, user.username, PASSWORD)
    assert response.status_code == 302
    if required:
        assert response["Location"] == reverse("accounts:mfa_setup")
        assert not _signed_in(client)
        assert client.get(HOME).status_code == 302
    else:
        assert response["Location"] == reverse("registry:home")
        assert _signed_in(client)


def test_setting_up_the_app_while_signing_in(
    client: Client, admin_kabupaten: User, clock: Any
) -> None:
    _post_login(client, "admin.lutim", PASSWORD)
    page = client.get(reverse("accounts:mfa_setup"))
    assert 'src="data:image/png;base64,' in page.content.decode()
    device = TOTPDevice.objects.get(user=admin_kabupaten, confirmed=False)
    assert client.post(reverse("accounts:mfa_setup"), {"code": "000000"}).status_code == 200
    clock.shift(dt.timedelta(seconds=30))
    response = client.post(reverse("accounts:mfa_setup"), {"code": _token(device)})
    assert response["Location"] == reverse("accounts:recovery_codes")
    assert _signed_in(client)
    codes = client.get(reverse("accounts:recovery_codes")).context["codes"]
    assert len(codes) == 10
    assert client.get(reverse("accounts:recovery_codes")).status_code == 302  # shown once
    set_up = AuditEvent.objects.get(note="second factor set up")
    assert (set_up.before, set_up.after) == (
        {"mfa": "none", "recovery_codes": 0},
        {"mfa": "totp", "recovery_codes": 10},
    )
    (event,) = _auth_events(Action.SIGN_IN, admin_kabupaten)
    assert (event.after or {})["method"] == "totp"


def test_a_used_code_is_refused_the_next_one_accepted_and_recovery_codes_work_once(
    client: Client, petugas_bpjs: User, clock: Any
) -> None:
    device = _enrol(petugas_bpjs)
    codes = services.mfa_recovery_codes_renew(
        actor=Actor(user=petugas_bpjs, source=Source.WEB), user=petugas_bpjs
    )
    code = _token(device)
    _post_login(client, "bpjs.malili", PASSWORD)
    assert not _signed_in(client)
    response = client.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 302 and _signed_in(client)
    client.post(reverse("accounts:logout"))
    # The same code again, within its 30 seconds: a replay.
    _post_login(client, "bpjs.malili", PASSWORD)
    response = client.post(reverse("accounts:mfa_verify"), {"code": code})
    assert response.status_code == 200 and not _signed_in(client)
    assert "Kode salah atau sudah dipakai" in response.content.decode()
    clock.shift(dt.timedelta(seconds=31))  # past django-otp's slow-down after a failure
    response = client.post(reverse("accounts:mfa_verify"), {"code": codes[0].upper()})
    assert response.status_code == 302 and _signed_in(client)
    client.post(reverse("accounts:logout"))
    _post_login(client, "bpjs.malili", PASSWORD)
    assert client.post(reverse("accounts:mfa_verify"), {"code": codes[0]}).status_code == 200
    methods = [(e.after or {})["method"] for e in _auth_events(Action.SIGN_IN, petugas_bpjs)]
    reasons = [(e.after or {})["reason"] for e in _auth_events(Action.SIGN_IN_FAILED, petugas_bpjs)]
    assert (methods, reasons) == (["totp", "recovery"], ["second_factor", "second_factor"])


def test_wrong_second_factor_codes_lock_the_account_too(
    client: Client, superadmin: User, clock: Any
) -> None:
    _enrol(superadmin)
    _post_login(client, "admin", PASSWORD)
    for _ in range(10):
        response = client.post(reverse("accounts:mfa_verify"), {"code": "123456"})
    assert response.status_code == 429
    assert _post_login(client, "admin", PASSWORD).status_code == 429


def test_a_password_reset_still_asks_for_the_second_factor(
    client: Client, superadmin: User, petugas_bpjs: User
) -> None:
    _enrol(petugas_bpjs)
    code = services.password_reset_issue(
        actor=Actor(user=superadmin, source=Source.WEB), user=petugas_bpjs
    )
    response = _post_login(client, "bpjs.malili", code)
    assert response["Location"] == reverse("accounts:mfa_verify")
    assert not _signed_in(client)


@pytest.mark.parametrize(("setting", "required"), [(True, False), (False, True)])
def test_demo_sign_ins_skip_the_second_factor_only_when_the_setting_says_so(
    client: Client, persona_world: PersonaWorld, setting: bool, required: bool
) -> None:
    user = make_user(role=Role.SUPERADMIN, username="admin.demo", password=PASSWORD)
    user.is_demo = True
    user.save()
    with override_settings(ACCOUNTS_DEMO_WITHOUT_MFA=setting):
        response = _post_login(client, "admin.demo", PASSWORD)
        assert _signed_in(client) is not required
        if not required:
            # The setting turned off later: that password-only session ends at its next request.
            with override_settings(ACCOUNTS_DEMO_WITHOUT_MFA=False):
                assert client.get(HOME).status_code == 302
            assert (_auth_events(Action.SIGN_OUT, user)[0].after or {})[
                "reason"
            ] == "second_factor_required"
        else:
            assert response["Location"] == reverse("accounts:mfa_setup")


def test_the_admin_login_page_sends_to_cakupan_sign_in(client: Client) -> None:
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/admin/"


def test_an_optional_second_factor_from_the_account_page(
    client: Client, camat: User, clock: Any
) -> None:
    _post_login(client, "camat.malili", PASSWORD)
    assert "Belum aktif" in client.get(reverse("accounts:profile")).content.decode()
    client.get(reverse("accounts:mfa_setup"))
    device = TOTPDevice.objects.get(user=camat)
    client.post(reverse("accounts:mfa_setup"), {"code": _token(device)})
    assert client.get(reverse("accounts:recovery_codes")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert _post_login(client, "camat.malili", PASSWORD)["Location"] == reverse(
        "accounts:mfa_verify"
    )


def test_what_axes_keeps_of_a_failure_masks_the_name_and_the_code(
    client: Client, superadmin: User
) -> None:
    from axes.models import AccessAttempt

    _enrol(superadmin)
    _post_login(client, "admin", PASSWORD)
    client.post(reverse("accounts:mfa_verify"), {"code": "654321"})
    (attempt,) = AccessAttempt.objects.all()
    assert "654321" not in attempt.post_data
    assert "code=********************" in attempt.post_data
