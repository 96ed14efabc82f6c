"""The one ``NinjaAPI`` of Cakupan, mounted at ``/api/v1/`` (``cakupan.api.urls``).

OpenAPI document: ``/api/v1/openapi.json``; documentation page: ``/api/v1/docs`` (Swagger UI from
django-ninja's own static files, served by WhiteNoise: no CDN, so the site's CSP holds). Every
operation needs a token (``api.auth``); the document and the page do not.

Each area has one router module under ``api/routers/``; to add one, append it to :data:`ROUTERS`.
"""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI, Router
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation

from cakupan.api import errors
from cakupan.api.auth import token_auth
from cakupan.api.idempotency import HEADER, IDEMPOTENT_OPERATIONS
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

# The errors every operation may answer (``api.errors``), and those of writes besides.
ERROR_STATUSES = {
    "400": "Permintaan tidak dapat diproses (mis. kursor tidak sah, aturan domain dilanggar).",
    "401": "Token tidak ada, tidak dikenal, kedaluwarsa atau dicabut.",
    "403": "Tidak berwenang (peran, atau token hanya-baca pada perubahan).",
    "404": "Tidak ada, atau di luar cakupan pengguna token.",
    "422": "Isian tidak sah; details[].field menyebut isiannya.",
    "429": "Batas permintaan per menit terlampaui; lihat Retry-After.",
}
WRITE_ERROR_STATUSES = {
    "409": "Bertentangan dengan data yang ada, atau Idempotency-Key dipakai untuk permintaan lain.",
    "413": "Isi permintaan terlalu besar.",
}
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {},
            },
        }
    },
}


class CakupanAPI(NinjaAPI):
    """``NinjaAPI`` whose document names operations by their view and lists every error."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        # Views are named uniquely across routers (``person_list``, ``batch_create`` ...).
        return operation.view_func.__name__

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
        error_ref = {"$ref": "#/components/schemas/Error"}
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                statuses = dict(ERROR_STATUSES)
                if method != "get":
                    statuses |= WRITE_ERROR_STATUSES
                for status, description in statuses.items():
                    operation["responses"][status] = {
                        "description": description,
                        "content": {"application/json": {"schema": error_ref}},
                    }
                if operation.get("operationId") in IDEMPOTENT_OPERATIONS:
                    operation.setdefault("parameters", []).append(
                        {
                            "in": "header",
                            "name": HEADER,
                            "required": False,
                            "description": "Kunci unik permintaan (mis. UUID): permintaan yang "
                            "sama dengan kunci yang sama dalam 24 jam dijawab sama tanpa "
                            "menulis lagi; kunci yang sama untuk isi lain ditolak (409).",
                            "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                        }
                    )
        return schema


api = CakupanAPI(
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
