"""Logging that never keeps a full NIK, and ties every line of a request to its correlation id.

* :data:`correlation_id` holds the id of the request being served (``RequestIdMiddleware`` sets
  it); :class:`CorrelationIdFilter` copies it onto every log record as ``record.correlation_id``,
  so the line Django writes for a server error carries the id the error page shows.
* :func:`scrub` replaces every run of 16 digits (the length of a NIK and of a KK number) with its
  masked form plus a keyed hash (:func:`cakupan.common.pii.nik_token`). Code never logs a NIK on
  purpose; this is the last guard for what slips through: a NIK typed into a URL, a query string
  in the access log, a value in an exception message. :class:`ScrubbingFormatter` applies it to the
  whole formatted line (message, arguments and traceback); ``cakupan serve``'s access log uses it
  through :class:`AccessLogScrubber`.
"""

from __future__ import annotations

import contextvars
import logging
import re

from cakupan.common.pii import nik_token

__all__ = [
    "AccessLogScrubber",
    "CorrelationIdFilter",
    "ScrubbingFormatter",
    "correlation_id",
    "scrub",
]

correlation_id: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")

# 16 digits not inside a longer run of digits: a NIK or a KK number (also URL-encoded, since %xx
# escapes are never digits-only runs of that length). Longer runs (bank references) are left alone.
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{16}(?![0-9])")


def scrub(text: str) -> str:
    """``text`` with each 16-digit run replaced by ``7324********0001#<keyed hash>``."""
    if len(text) < 16:
        return text
    return _SIXTEEN_DIGITS.sub(lambda m: nik_token(m.group(0)), text)


class CorrelationIdFilter(logging.Filter):
    """Adds ``correlation_id`` (the current request's, or ``-``) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = correlation_id.get()
        return True


class ScrubbingFormatter(logging.Formatter):
    """A formatter whose output never holds a run of 16 digits (see :func:`scrub`)."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "correlation_id"):
            record.correlation_id = correlation_id.get()
        return scrub(super().format(record))


class AccessLogScrubber(logging.Filter):
    """For access-log handlers that format elsewhere (gunicorn): scrub the message in place."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
