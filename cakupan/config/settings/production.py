"""Production settings: ``DJANGO_SETTINGS_MODULE=cakupan.config.settings.production``.

``base`` plus what a deployment reached over the network must have, whatever the environment
forgets: HTTPS only (secure cookies with the ``__Host-`` prefix, SSL redirect, HSTS for a year with
subdomains), no debug, no demo sign-ins without a second factor. It refuses to load, with the list
of what is missing, without the secrets that ``base`` would otherwise generate into ``DATA_DIR``
(a production secret must not live next to the data it protects, nor in its backups):

* ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``CAKUPAN_FIELD_KEYS``, ``CAKUPAN_PII_HASH_KEY``.

Optional: ``CAKUPAN_PROXY_SSL_HEADER`` (e.g. ``X-Forwarded-Proto``), the header through which the
TLS proxy in front says a request came over HTTPS; set it only when that proxy sets the header on
every request and drops any value a client sent (otherwise a client could claim HTTPS), and leave
it unset when gunicorn terminates TLS itself. ``SECRET_KEY_FALLBACKS`` (comma-separated) while
rotating ``SECRET_KEY``. ``CAKUPAN_HSTS_PRELOAD=1``: see below.

``cakupan check --deploy --fail-level WARNING`` passes with these settings
(``common/tests/test_production_settings.py``); README, "Production", lists the environment.

HSTS preload (``security.W021``) is off by decision and that one check is silenced: a preload entry
is made for a registrable domain (``lutimkab.go.id``, not ``cakupan.lutimkab.go.id``) and, with
``includeSubDomains``, forces HTTPS on every host of it, the regency's other services included, for
months after removal. That is the domain owner's decision (the Diskominfo of each regency), not an
application's. A deployment whose domain owner has decided for it sets ``CAKUPAN_HSTS_PRELOAD=1``.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from cakupan.config.env import env_bool, env_list, env_str

REQUIRED_ENVIRONMENT = ("SECRET_KEY", "ALLOWED_HOSTS", "CAKUPAN_FIELD_KEYS", "CAKUPAN_PII_HASH_KEY")
# Switches that must never be on in production: refused rather than silently overridden, so the
# operator who set one learns that it has no effect here.
FORBIDDEN_ENVIRONMENT = ("CAKUPAN_DEBUG", "CAKUPAN_DEMO_WITHOUT_MFA")


def _check_environment() -> None:
    """Before ``base`` is imported: it would generate the missing secrets into ``DATA_DIR``."""
    missing = [name for name in REQUIRED_ENVIRONMENT if not (env_str(name) or "").strip()]
    forbidden = [name for name in FORBIDDEN_ENVIRONMENT if env_bool(name)]
    problems = []
    if missing:
        problems.append("variabel lingkungan wajib belum diisi: " + ", ".join(missing))
    if forbidden:
        problems.append("tidak boleh menyala di produksi: " + ", ".join(forbidden))
    if problems:
        raise ImproperlyConfigured(
            "Pengaturan produksi (cakupan.config.settings.production): "
            + "; ".join(problems)
            + '. Lihat README, bagian "Production".'
        )


_check_environment()

from cakupan.config.settings.base import *  # noqa: E402, F403

DEBUG = False
HTTPS = True
ACCOUNTS_DEMO_WITHOUT_MFA = False
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])

# Cookies: HTTPS only, and ``__Host-``: the browser refuses them unless Secure, for path / and with
# no Domain, so another host of the regency's domain cannot set or shadow them.
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken"

SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000  # one year (ASVS 3.4.1; SECURITY.md T1)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("CAKUPAN_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]


def _proxy_ssl_header() -> tuple[str, str] | None:
    header = (env_str("CAKUPAN_PROXY_SSL_HEADER") or "").strip()
    if not header:
        return None
    return ("HTTP_" + header.upper().replace("-", "_"), "https")


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()
