"""One error shape for every failure of the API: ``{"error": {"code", "message", "details"}}``.

``code`` is stable (clients branch on it) and, where the CLI or a service already has one, the same
(``membership_invalid``, ``person_nik_exists``, ``nik_invalid``, ``batch_workflow`` ... from
:class:`~cakupan.common.errors.DomainError`); ``message`` is for people, in the request's language
(Bahasa Indonesia by default); ``details`` is an object or a list, or null.

The handlers are installed on the one ``NinjaAPI`` (:func:`install`); responses made outside
django-ninja under ``/api/`` (a path no route matches, a method a route does not take, a request
refused by a middleware before any view) are reshaped by ``api.middleware.ApiEdgeMiddleware``. A server
error never shows its cause: it answers ``server_error`` with the correlation id of the log line
that holds the traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError, ValidationError

from cakupan.common.errors import DomainError

if TYPE_CHECKING:
    from ninja import NinjaAPI

logger = logging.getLogger("cakupan.api")

__all__ = [
    "DOMAIN_STATUS",
    "ApiError",
    "error_body",
    "error_response",
    "install",
]

# HTTP status of a domain error by its code, else by its class's code (every intake workflow
# refusal is a ``batch_workflow`` 409 unless named here); any other domain error answers 400. A
# state that conflicts with what already exists is 409 (RFC 9110 15.5.10).
DOMAIN_STATUS: dict[str, int] = {
    "person_nik_exists": 409,
    "membership_overlap": 409,
    "batch_workflow": 409,
    "batch_verify_forbidden": 403,
    "batch_return_forbidden": 403,
    "batch_send_forbidden": 403,
    "return_note_required": 422,
    "reply_missing_columns": 422,
}


def domain_status(error: DomainError) -> int:
    """The HTTP status of ``error`` (:data:`DOMAIN_STATUS`)."""
    return DOMAIN_STATUS.get(error.code, DOMAIN_STATUS.get(type(error).code, 400))


def _status_messages() -> dict[int, tuple[str, str]]:
    """Code and message of each status, for errors that have nothing more to say."""
    return {
        400: ("bad_request", _("Permintaan tidak dapat diproses.")),
        401: (
            "unauthenticated",
            _("Token API tidak ada, tidak dikenal, kedaluwarsa atau sudah dicabut."),
        ),
        403: ("forbidden", _("Anda tidak berwenang melakukan tindakan ini.")),
        404: ("not_found", _("Data tidak ditemukan.")),
        405: ("method_not_allowed", _("Metode HTTP ini tidak didukung alamat ini.")),
        409: ("conflict", _("Permintaan bertentangan dengan data yang ada.")),
        413: ("too_large", _("Isi permintaan terlalu besar.")),
        415: ("unsupported_media_type", _("Jenis isi permintaan tidak didukung.")),
        422: ("input_invalid", _("Isian tidak sah.")),
        429: ("rate_limited", _("Terlalu banyak permintaan. Coba lagi nanti.")),
        500: ("server_error", _("Terjadi kesalahan pada server.")),
    }


class ApiError(Exception):
    """A refusal the API answers as it is: status, stable code, message, details, extra headers."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        *,
        details: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        default_code, default_message = _status_messages().get(status, ("error", ""))
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.details = details
        self.headers = headers or {}
        super().__init__(self.message)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details}}


def error_response(
    status: int,
    code: str | None = None,
    message: str | None = None,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    error = ApiError(status, code, message, details=details, headers=headers)
    response = JsonResponse(error_body(error.code, error.message, error.details), status=status)
    for name, value in error.headers.items():
        response[name] = value
    return response


def _field_path(loc: list[Any] | tuple[Any, ...]) -> str:
    """``["body", "payload", "end_date"]`` -> ``"end_date"``; ``["query", "limit"]`` -> ``"limit"``.

    django-ninja puts the source (body, query, path, form, file) and the parameter's own name in
    front of the field; clients know the field by its JSON path, given dotted (list items by index).
    """
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "form", "file") and len(parts) > 2:
        parts = parts[2:]
    elif parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    return ".".join(parts)


def _field_message(item: dict[str, Any]) -> str:
    """The message of one invalid field, in the request's language, by pydantic's error type
    (stable across pydantic versions, unlike its English text); pydantic's own text otherwise."""
    kind = str(item.get("type", ""))
    ctx = item.get("ctx") or {}
    if kind == "missing":
        return _("Wajib diisi.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Harus bilangan bulat.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Harus true atau false.")
    if kind in (
        "date_parsing",
        "date_type",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    ):
        return _("Harus tanggal yang ada, berformat YYYY-MM-DD.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Paling kecil %(limit)s.") % {"limit": ctx.get("ge", ctx.get("gt", ""))}
    if kind in ("less_than_equal", "less_than"):
        return _("Paling besar %(limit)s.") % {"limit": ctx.get("le", ctx.get("lt", ""))}
    if kind == "string_too_long":
        return _("Paling banyak %(limit)s karakter.") % {"limit": ctx.get("max_length", "")}
    if kind == "string_too_short":
        return _("Paling sedikit %(limit)s karakter.") % {"limit": ctx.get("min_length", "")}
    if kind == "string_pattern_mismatch":
        return _("Bentuknya tidak sah.")
    if kind in ("string_type", "string_unicode"):
        return _("Harus teks.")
    if kind in ("literal_error", "enum"):
        return _("Harus salah satu dari: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "value_error":
        return str(ctx.get("error", item.get("msg", "")))
    return str(item.get("msg", ""))


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for item in errors:
        loc = list(item.get("loc", ()))
        out.append(
            {
                "field": _field_path(loc),
                "location": str(loc[0]) if loc else "",
                "type": str(item.get("type", "")),
                "message": _field_message(item),
            }
        )
    return out


def _request_id(request: HttpRequest) -> str:
    return str(getattr(request, "correlation_id", ""))


def install(api: NinjaAPI) -> None:
    """Register the handlers of every failure on ``api``."""

    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)

    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return error_response(domain_status(exc), exc.code, exc.message, exc.details)

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return error_response(422, details=_validation_details(list(exc.errors)))

    def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, headers={"WWW-Authenticate": 'Bearer realm="cakupan"'})

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return error_response(exc.status_code)

    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404)

    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return error_response(403)

    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        # A JSON body is read into memory whole, so it keeps Django's in-memory limit
        # (DATA_UPLOAD_MAX_MEMORY_SIZE); a file upload streams to disk up to API_MAX_BODY_BYTES.
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
        return error_response(
            413,
            message=_(
                "Isi JSON lebih dari %(kb)d KB. Kirim baris sebanyak itu sebagai berkas "
                "(POST /api/v1/intake/batches)."
            )
            % {"kb": limit // 1024},
            details={"max_bytes": limit},
        )

    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        logger.error("API server error on %s %s", request.method, request.path, exc_info=exc)
        return error_response(500, details={"request_id": _request_id(request)})

    handlers: list[tuple[type[Exception], Callable[..., HttpResponse]]] = [
        (ApiError, api_error),
        (DomainError, domain_error),
        (ValidationError, validation_error),
        (AuthenticationError, authentication_error),
        (HttpError, http_error),
        (Http404, not_found),
        (PermissionDenied, forbidden),
        (RequestDataTooBig, too_big),
        (Exception, server_error),
    ]
    for exc_class, handler in handlers:
        api.add_exception_handler(exc_class, handler)
