"""Correlation ids on server errors and in the log; NIKs scrubbed from every log line."""

from __future__ import annotations

import io
import logging
import re

import pytest
from django.test import Client, override_settings

from cakupan.common import logs, pii
from cakupan.common.logs import AccessLogScrubber, CorrelationIdFilter, ScrubbingFormatter, scrub

NIK = "7324041708850001"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="cakupan.common.tests.boom_urls", DEBUG=False)
def test_a_server_error_shows_the_correlation_id_that_is_in_the_log() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        ScrubbingFormatter("%(levelname)s [%(correlation_id)s] %(name)s: %(message)s")
    )
    handler.addFilter(CorrelationIdFilter())
    logger = logging.getLogger("django.request")
    logger.addHandler(handler)
    try:
        response = Client(raise_request_exception=False).get("/uji-gagal/")
    finally:
        logger.removeHandler(handler)
    assert response.status_code == 500
    request_id = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{16}", request_id)
    page = response.content.decode()
    assert f'<strong class="code" id="kode-kejadian">{request_id}</strong>' in page
    assert "Traceback" not in page and "RuntimeError" not in page
    logged = stream.getvalue()
    assert f"ERROR [{request_id}] django.request: Internal Server Error: /uji-gagal/" in logged
    assert "RuntimeError: kegagalan uji untuk NIK 7324********0001#" in logged
    assert NIK not in logged


def test_every_response_names_its_own_request_id(client: Client) -> None:
    first = client.get("/kalkulator/")
    second = client.get("/kalkulator/")
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


def test_scrub_masks_sixteen_digit_runs_and_keeps_other_numbers() -> None:
    line = f'127.0.0.1 "GET /orang/?q={NIK}&page=2 HTTP/1.1" 200 5120 ref=12345678901234567'
    cleaned = scrub(line)
    token = pii.nik_token(NIK)
    assert cleaned == (
        f'127.0.0.1 "GET /orang/?q={token}&page=2 HTTP/1.1" 200 5120 ref=12345678901234567'
    )
    assert token.startswith("7324********0001#") and len(token) == 16 + 1 + 16
    assert NIK not in cleaned


def test_the_keyed_hash_depends_on_the_key(settings: object) -> None:
    first = pii.nik_digest(NIK)
    settings.PII_HASH_KEY = "kunci-lain"  # type: ignore[attr-defined]
    assert pii.nik_digest(NIK) != first
    assert len(first) == 16


def test_redact_query_hashes_nik_and_prefixes_but_keeps_names() -> None:
    assert pii.redact_query("Andi Saputra") == "Andi Saputra"
    assert pii.redact_query(f"  {NIK} ") == f"  {pii.nik_token(NIK)} "
    assert pii.redact_query("7324 0417") == f"7324****#{pii.nik_digest('73240417')}"
    assert pii.redact_query("12345") == "12345"


def test_access_log_scrubber_rewrites_the_message_in_place() -> None:
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, __file__, 1, '"GET /orang/?q=%s"', (NIK,), None
    )
    assert AccessLogScrubber().filter(record)
    assert record.getMessage() == f'"GET /orang/?q={pii.nik_token(NIK)}"'


def test_log_lines_outside_a_request_carry_a_dash() -> None:
    logs.correlation_id.set("-")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "halo", None, None)
    CorrelationIdFilter().filter(record)
    assert record.correlation_id == "-"  # type: ignore[attr-defined]
