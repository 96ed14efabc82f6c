"""Scanning uploads with ClamAV's daemon (``clamd``), when one is configured.

``scan(data)`` streams the bytes to clamd with its ``INSTREAM`` command (zINSTREAM: chunks of
``<4-byte big-endian length><bytes>``, a zero-length chunk to end) over the Unix socket
``settings.CLAMD_SOCKET`` or the TCP address ``settings.CLAMD_ADDRESS`` (``host:port``), and reads
the verdict line: ``stream: OK``, ``stream: <signature> FOUND`` or ``... ERROR``.

Without a configured daemon the scan is skipped and says so (``Verdict.SKIPPED``, with a warning in
the log once per process): a demo or a small office has no ClamAV, and refusing every upload there
would stop the work; a deployment that wants scanning sets the address (README, "Production").
A configured daemon that cannot be reached, or answers an error, fails closed (``Verdict.ERROR``):
the caller refuses the file.

No third-party client: the protocol is a dozen lines, and the ``clamd`` package on PyPI was last
released in 2014.
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

__all__ = ["ScanResult", "Verdict", "scan"]

logger = logging.getLogger("cakupan.antivirus")
_CHUNK = 64 * 1024
_warned = False


class Verdict(StrEnum):
    CLEAN = "clean"
    INFECTED = "infected"
    SKIPPED = "skipped"  # no daemon configured
    ERROR = "error"  # configured but unreachable or failing: refuse the file


@dataclass(frozen=True, slots=True)
class ScanResult:
    verdict: Verdict
    detail: str = ""  # the signature found, or the error

    @property
    def accepted(self) -> bool:
        return self.verdict in (Verdict.CLEAN, Verdict.SKIPPED)


def _connect() -> socket.socket | None:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT_SECONDS", 30))
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(path)
        return sock
    address = getattr(settings, "CLAMD_ADDRESS", "")
    if address:
        host, _, port = address.rpartition(":")
        return socket.create_connection((host or "127.0.0.1", int(port)), timeout=timeout)
    return None


def scan(data: bytes) -> ScanResult:
    """The daemon's verdict on ``data`` (see the module docstring)."""
    global _warned
    try:
        sock = _connect()
    except (OSError, ValueError) as error:
        logger.error("clamd tidak dapat dihubungi: %s", error)
        return ScanResult(Verdict.ERROR, str(error))
    if sock is None:
        if not _warned:
            logger.warning(
                "Pemindaian antivirus dilewati: CAKUPAN_CLAMD_SOCKET/CAKUPAN_CLAMD_ADDRESS tidak diatur."
            )
            _warned = True
        return ScanResult(Verdict.SKIPPED)
    try:
        with sock:
            sock.sendall(b"zINSTREAM\0")
            for start in range(0, len(data), _CHUNK):
                chunk = data[start : start + _CHUNK]
                sock.sendall(struct.pack("!I", len(chunk)) + chunk)
            sock.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as error:
        logger.error("Pemindaian clamd gagal: %s", error)
        return ScanResult(Verdict.ERROR, str(error))
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    if answer.endswith("OK"):
        return ScanResult(Verdict.CLEAN)
    if answer.endswith("FOUND"):
        signature = answer.removeprefix("stream:").removesuffix("FOUND").strip()
        logger.warning("Berkas unggahan ditolak antivirus: %s", signature)
        return ScanResult(Verdict.INFECTED, signature)
    logger.error("Jawaban clamd tidak dikenali: %s", answer[:200])
    return ScanResult(Verdict.ERROR, answer[:200])
