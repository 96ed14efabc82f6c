"""Production settings (issue 13 item 10; SECURITY.md T1): ``check --deploy --fail-level WARNING``
passes with the environment README's "Production" section documents, and the settings refuse to
load without their secrets.

Each case runs Django in a fresh process, as a deployment does, with only the variables given.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import cakupan

ROOT = Path(cakupan.__file__).resolve().parents[1]
SETTINGS = "cakupan.config.settings.production"
# What README, "Production", asks for (the database is not reached by `check`).
DOCUMENTED = {
    "SECRET_KEY": "uji-" + "k3Y_" * 15,
    "ALLOWED_HOSTS": "cakupan.lutimkab.go.id",
    "CSRF_TRUSTED_ORIGINS": "https://cakupan.lutimkab.go.id",
    "CAKUPAN_FIELD_KEYS": "k1:" + base64.b64encode(bytes(range(32))).decode(),
    "CAKUPAN_PII_HASH_KEY": "uji-kunci-hash-pii-produksi",
    "DATABASE_URL": "postgres://cakupan_app:rahasia@db.invalid:5432/cakupan",
    "DATABASE_OWNER_URL": "postgres://cakupan_owner:rahasia@db.invalid:5432/cakupan",
    "CAKUPAN_PROXY_SSL_HEADER": "X-Forwarded-Proto",
}
SHOW = """
import json
from django.conf import settings as s
print(json.dumps({k: getattr(s, k) for k in (
    "DEBUG", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE", "SESSION_COOKIE_NAME", "ACCOUNTS_DEMO_WITHOUT_MFA",
    "SILENCED_SYSTEM_CHECKS")}))
"""


def _run(
    args: list[str], tmp_path: Path, **environment: str | None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CAKUPAN_", "DATABASE_", "SECRET_KEY", "DJANGO_"))
        and k not in ("ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS")
    }
    given = {**DOCUMENTED, **environment}
    env.update({k: v for k, v in given.items() if v is not None})
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        CAKUPAN_DATA_DIR=str(tmp_path / "data"),
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, cwd=tmp_path, check=False
    )


def _settings(tmp_path: Path, **environment: str | None) -> dict[str, object]:
    done = _run(["-c", "import django; django.setup()\n" + SHOW], tmp_path, **environment)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


CHECK = ["-m", "django", "check", "--deploy", "--fail-level", "WARNING"]


def test_check_deploy_passes_with_the_documented_environment(tmp_path: Path) -> None:
    done = _run(CHECK, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "System check identified no issues (1 silenced)."
    # No secret was generated next to the data: production takes them from the environment only.
    assert not (tmp_path / "data").exists()


def test_the_production_settings_are_https_only_without_hsts_preload(tmp_path: Path) -> None:
    assert _settings(tmp_path) == {
        "DEBUG": False,
        "SECURE_HSTS_SECONDS": 31_536_000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": False,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "ACCOUNTS_DEMO_WITHOUT_MFA": False,
        "SILENCED_SYSTEM_CHECKS": ["security.W021"],
    }


def test_the_proxy_header_is_trusted_only_when_configured(tmp_path: Path) -> None:
    assert _settings(tmp_path, CAKUPAN_PROXY_SSL_HEADER=None)["SECURE_PROXY_SSL_HEADER"] is None


def test_a_domain_owner_who_decided_for_preload_gets_it_and_the_check_unsilenced(
    tmp_path: Path,
) -> None:
    shown = _settings(tmp_path, CAKUPAN_HSTS_PRELOAD="1")
    assert shown["SECURE_HSTS_PRELOAD"] is True
    assert shown["SILENCED_SYSTEM_CHECKS"] == []
    done = _run(CHECK, tmp_path, CAKUPAN_HSTS_PRELOAD="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "System check identified no issues (0 silenced)."


def test_a_weak_secret_key_fails_the_check(tmp_path: Path) -> None:
    done = _run(CHECK, tmp_path, SECRET_KEY="rahasia")
    assert done.returncode == 1
    assert "security.W009" in done.stderr


@pytest.mark.parametrize(
    ("environment", "named"),
    [
        ({"SECRET_KEY": None}, "belum diisi: SECRET_KEY."),
        (
            {"SECRET_KEY": None, "ALLOWED_HOSTS": None, "CAKUPAN_FIELD_KEYS": None},
            "belum diisi: SECRET_KEY, ALLOWED_HOSTS, CAKUPAN_FIELD_KEYS.",
        ),
        ({"CAKUPAN_PII_HASH_KEY": ""}, "belum diisi: CAKUPAN_PII_HASH_KEY."),
        ({"CAKUPAN_DEBUG": "1"}, "tidak boleh menyala di produksi: CAKUPAN_DEBUG."),
        (
            {"CAKUPAN_DEMO_WITHOUT_MFA": "1"},
            "tidak boleh menyala di produksi: CAKUPAN_DEMO_WITHOUT_MFA.",
        ),
    ],
    ids=["no SECRET_KEY", "three missing", "blank PII key", "debug", "demo without MFA"],
)
def test_missing_secrets_and_forbidden_switches_fail_clearly(
    tmp_path: Path, environment: dict[str, str | None], named: str
) -> None:
    done = _run(CHECK, tmp_path, **environment)
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "django.core.exceptions.ImproperlyConfigured: Pengaturan produksi "
        "(cakupan.config.settings.production): "
    )
    assert named in last
    assert last.endswith('Lihat README, bagian "Production".')
    assert not (tmp_path / "data").exists()  # no secret_key generated to make up for it
