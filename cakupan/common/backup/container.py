"""The encrypted file: header, sealed chunks, a final chunk (format in the package docstring)."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from cakupan.common.backup.errors import BackupError
from cakupan.common.backup.keys import KEY_ENV, key_id

MAGIC = b"CKPNBAK\n"
VERSION = 1
CHUNK_SIZE = 1024 * 1024
_HEADER = len(MAGIC) + 1 + 4 + 8 + 16
_TAG = 16
# The manifest and the end record are small JSON; a limit keeps a damaged length from asking for
# gigabytes of memory.
_MAX_META = 4 * 1024 * 1024
KIND_MANIFEST, KIND_DATA, KIND_END = b"M", b"D", b"E"


def _chunk_key(key: bytes, salt: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"cakupan-backup/1")
    return hkdf.derive(key)


def _nonce(index: int, *, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class _Writer:
    """Seals records into ``out``, counting them for their nonces."""

    def __init__(self, out: IO[bytes], key: bytes, *, chunk_size: int) -> None:
        self.out = out
        self.chunk_size = chunk_size
        salt = os.urandom(16)
        self.header = (
            MAGIC
            + bytes([VERSION])
            + chunk_size.to_bytes(4, "big")
            + bytes.fromhex(key_id(key))
            + salt
        )
        self.aead = AESGCM(_chunk_key(key, salt))
        self.index = 0
        self.written = 0
        out.write(self.header)
        self.written += len(self.header)

    def record(self, kind: bytes, payload: bytes, *, final: bool = False) -> None:
        sealed = self.aead.encrypt(_nonce(self.index, final=final), kind + payload, self.header)
        self.out.write(len(sealed).to_bytes(4, "big"))
        self.out.write(sealed)
        self.written += 4 + len(sealed)
        self.index += 1


def seal(
    sink: IO[bytes],
    key: bytes,
    *,
    manifest: Mapping[str, Any],
    data: Iterable[bytes],
    chunk_size: int = CHUNK_SIZE,
) -> tuple[int, dict[str, Any]]:
    """Write a whole backup file to ``sink``: header, manifest, ``data`` in chunks of at most
    ``chunk_size`` bytes, end record. Returns the bytes written and the end record."""
    writer = _Writer(sink, key, chunk_size=chunk_size)
    writer.record(KIND_MANIFEST, json.dumps(dict(manifest), sort_keys=True).encode())
    digest = hashlib.sha256()
    length = 0
    for piece in data:
        for start in range(0, len(piece), chunk_size):
            part = piece[start : start + chunk_size]
            digest.update(part)
            length += len(part)
            writer.record(KIND_DATA, part)
    end = {"dump_bytes": length, "dump_sha256": digest.hexdigest()}
    writer.record(KIND_END, json.dumps(end).encode(), final=True)
    return writer.written, end


@dataclass(frozen=True, slots=True)
class BackupContents:
    """What an authenticated backup file holds: the manifest and the end record."""

    manifest: dict[str, Any]
    end: dict[str, Any]
    size: int
    key_id: str


class Reader:
    """Opens and authenticates records one by one; every failure is a :class:`BackupError`."""

    def __init__(self, source: IO[bytes], key: bytes) -> None:
        self.source = source
        header = source.read(_HEADER)
        if len(header) < _HEADER or not header.startswith(MAGIC):
            raise BackupError(
                "Berkas ini bukan berkas cadangan Cakupan (atau sudah rusak di awalnya).",
                code="not_a_backup",
            )
        version = header[len(MAGIC)]
        if version != VERSION:
            raise BackupError(
                f"Berkas cadangan versi {version} tidak dikenal versi Cakupan ini (versi {VERSION}).",
                code="unsupported_version",
            )
        offset = len(MAGIC) + 1
        self.chunk_size = int.from_bytes(header[offset : offset + 4], "big")
        file_key_id = header[offset + 4 : offset + 12].hex()
        if not hmac.compare_digest(file_key_id, key_id(key)):
            raise BackupError(
                f"Kunci cadangan salah: berkas ini dienkripsi dengan kunci {file_key_id}, "
                f"{KEY_ENV} berisi kunci {key_id(key)}. Tidak ada yang dipulihkan.",
                code="wrong_key",
            )
        self.key_id = file_key_id
        self.header = header
        self.aead = AESGCM(_chunk_key(key, header[offset + 12 : offset + 28]))
        self.index = 0
        self.size = len(header)
        self.finished = False

    def _truncated(self) -> BackupError:
        return BackupError(
            "Berkas cadangan terpotong: bagian akhirnya hilang. Tidak ada yang dipulihkan.",
            code="truncated",
        )

    def _tampered(self) -> BackupError:
        return BackupError(
            f"Berkas cadangan rusak atau diubah (bagian ke-{self.index + 1} tidak lolos "
            "pemeriksaan keaslian). Tidak ada yang dipulihkan.",
            code="tampered",
        )

    def _open(self, sealed: bytes) -> bytes:
        """The chunk's plaintext; only the last chunk opens with the final nonce."""
        try:
            return self.aead.decrypt(_nonce(self.index, final=False), sealed, self.header)
        except InvalidTag:
            pass
        try:
            plain = self.aead.decrypt(_nonce(self.index, final=True), sealed, self.header)
        except InvalidTag:
            raise self._tampered() from None
        self.finished = True
        return plain

    def records(self) -> Iterator[tuple[bytes, bytes]]:
        limit = max(self.chunk_size, _MAX_META) + 1 + _TAG
        while not self.finished:
            prefix = self.source.read(4)
            if len(prefix) < 4:
                raise self._truncated()
            length = int.from_bytes(prefix, "big")
            if length < 1 + _TAG or length > limit:
                raise self._tampered()
            sealed = self.source.read(length)
            if len(sealed) < length:
                raise self._truncated()
            self.size += 4 + length
            plain = self._open(sealed)
            if self.finished and self.source.read(1):
                raise BackupError(
                    "Berkas cadangan berisi data tambahan setelah bagian terakhirnya: "
                    "berkas diubah. Tidak ada yang dipulihkan.",
                    code="tampered",
                )
            kind = plain[:1]
            expected = (
                {KIND_MANIFEST}
                if self.index == 0
                else ({KIND_END} if self.finished else {KIND_DATA})
            )
            if kind not in expected:
                raise self._tampered()
            self.index += 1
            yield kind, plain[1:]


def read_backup(path: Path, key: bytes) -> BackupContents:
    """Read and authenticate the whole file without decrypting it anywhere but in memory, one
    chunk at a time; the dump's length and SHA-256 must match its end record."""
    with open_backup(path) as source:
        return authenticate(source, key)


def authenticate(source: IO[bytes], key: bytes) -> BackupContents:
    reader = Reader(source, key)
    manifest: dict[str, Any] = {}
    end: dict[str, Any] = {}
    digest = hashlib.sha256()
    length = 0
    for kind, payload in reader.records():
        if kind == KIND_MANIFEST:
            manifest = json.loads(payload)
        elif kind == KIND_DATA:
            digest.update(payload)
            length += len(payload)
        else:
            end = json.loads(payload)
    if end.get("dump_bytes") != length or end.get("dump_sha256") != digest.hexdigest():
        raise BackupError(
            "Isi berkas cadangan tidak cocok dengan catatan penutupnya. Tidak ada yang dipulihkan.",
            code="tampered",
        )
    return BackupContents(manifest=manifest, end=end, size=reader.size, key_id=reader.key_id)


@contextlib.contextmanager
def open_backup(path: Path) -> Iterator[IO[bytes]]:
    try:
        handle = path.open("rb")
    except OSError as error:
        raise BackupError(
            f"Berkas cadangan {path} tidak dapat dibuka: {error.strerror}.", code="no_file"
        ) from None
    with handle:
        yield handle
