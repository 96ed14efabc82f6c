"""The one ``NinjaAPI`` of Cakupan, mounted at ``/api/v1/`` (``cakupan.api.urls``).

OpenAPI document: ``/api/v1/openapi.json``; documentation page: ``/api/v1/docs`` (Swagger UI from
django-ninja's own static files, served by WhiteNoise: no CDN, so the site's CSP holds). Every
operation needs a token (``api.auth``); the document and the page do not.

Each area has one router module under ``api/routers/``; to add one, append it to :data:`ROUTERS`.
"""

from __future__ import annotations

from ninja import NinjaAPI, Router

from cakupan.api import errors
from cakupan.api.auth import token_auth
from cakupan.api.routers import billing as billing_router
from cakupan.api.routers import claims as claims_router
from cakupan.api.routers import coverage as coverage_router
from cakupan.api.routers import intake as intake_router
from cakupan.api.routers import people, regions

# (URL prefix under /api/v1, router). Prefixes are empty: each router names its own paths.
ROUTERS: list[tuple[str, Router]] = [
    ("", regions.router),
    ("", people.router),
    ("", intake_router.router),
    ("", billing_router.router),
    ("", claims_router.router),
    ("", coverage_router.router),
]

DESCRIPTION = """\
API Cakupan: registri, impor, tagihan, klaim dan cakupan Universal Coverage Jamsostek untuk sistem
lain (OpenSID/OpenKab, sistem kepegawaian, BPJS Ketenagakerjaan, Kemendagri).

* **Token**: `Authorization: Bearer cak_...`; dibuat di halaman *Token API* (menu akun) atau dengan
  `cakupan api token create --user NAMA`. Token bertindak dengan peran dan cakupan wilayah
  penggunanya, tidak lebih; token hanya-baca ditolak (403) untuk perubahan.
* **Galat**: selalu `{"error": {"code", "message", "details"}}`; 401 token tidak sah, 403 tidak
  berwenang, 404 di luar cakupan atau tidak ada, 409 bentrok, 422 isian tidak sah (`details[].field`),
  429 batas permintaan (`Retry-After`).
* **Idempotency-Key**: kirim pada setiap POST yang membuat data; permintaan yang sama dengan kunci
  yang sama dalam 24 jam dijawab sama tanpa menulis lagi.
* **Halaman**: `limit` dan `cursor` (dari `next_cursor`).
"""

api = NinjaAPI(
    title="Cakupan API",
    version="1",
    description=DESCRIPTION,
    auth=token_auth,
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
)
errors.install(api)
for prefix, router in ROUTERS:
    api.add_router(prefix, router)
