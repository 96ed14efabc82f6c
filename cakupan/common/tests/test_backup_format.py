"""The encrypted backup file (``common.backup``): what it refuses, without a database.

Every single flipped byte, every cut, chunks swapped or spliced from another file, a wrong key:
each is refused with its code before any data could reach pg_restore.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from pathlib import Path

import pytest

from cakupan.common.backup import (
    KEY_ENV,
    MAGIC,
    BackupError,
    key_from_env,
    key_id,
    read_backup,
    seal,
)

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
MANIFEST = {"format": 1, "tables": {"registry_person": 3}, "audit_chain": {"head_seq": 2}}
DUMP = b"PGDMP" + bytes(range(256)) * 3  # 773 bytes: 13 chunks of 64, the last one short
CHUNK = 64
HEADER = len(MAGIC) + 1 + 4 + 8 + 16
REFUSED = {"tampered", "truncated", "wrong_key", "not_a_backup", "unsupported_version"}


def sealed(key: bytes = KEY, data: bytes = DUMP) -> bytes:
    sink = io.BytesIO()
    seal(sink, key, manifest=MANIFEST, data=[data[:100], data[100:]], chunk_size=CHUNK)
    return sink.getvalue()


def record_offsets(blob: bytes) -> list[int]:
    """Where each record (length prefix) starts."""
    offsets, at = [], HEADER
    while at < len(blob):
        offsets.append(at)
        at += 4 + int.from_bytes(blob[at : at + 4], "big")
    assert at == len(blob)
    return offsets


def refusal(tmp_path: Path, blob: bytes, key: bytes = KEY) -> str:
    path = tmp_path / "b.cbk"
    path.write_bytes(blob)
    with pytest.raises(BackupError) as caught:
        read_backup(path, key)
    return caught.value.code


def test_a_sealed_file_reads_back_with_its_manifest_and_the_dump_digest(tmp_path: Path) -> None:
    blob = sealed()
    path = tmp_path / "b.cbk"
    path.write_bytes(blob)
    contents = read_backup(path, KEY)
    assert contents.manifest == MANIFEST
    assert contents.end == {"dump_bytes": 773, "dump_sha256": hashlib.sha256(DUMP).hexdigest()}
    assert contents.size == len(blob)
    assert contents.key_id == key_id(KEY)
    # header + manifest + 13 data chunks + end; nothing of the dump in clear
    assert len(record_offsets(blob)) == 15
    assert b"PGDMP" not in blob
    assert blob.startswith(MAGIC)


def test_two_files_of_the_same_data_and_key_share_no_ciphertext() -> None:
    first, second = sealed(), sealed()
    assert first[: HEADER - 16] == second[: HEADER - 16]  # magic, version, chunk size, key id
    assert first[HEADER - 16 : HEADER] != second[HEADER - 16 : HEADER]  # a fresh salt
    assert first[HEADER + 40 : HEADER + 80] != second[HEADER + 40 : HEADER + 80]


def test_a_wrong_key_is_named_before_anything_is_decrypted(tmp_path: Path) -> None:
    path = tmp_path / "b.cbk"
    path.write_bytes(sealed())
    with pytest.raises(BackupError) as caught:
        read_backup(path, OTHER_KEY)
    assert caught.value.code == "wrong_key"
    assert key_id(KEY) in caught.value.message
    assert key_id(OTHER_KEY) in caught.value.message


@pytest.mark.parametrize(
    ("blob", "code"),
    [
        (b"", "not_a_backup"),
        (b"PGDMP\x01\x0e\x00" + bytes(60), "not_a_backup"),
        (MAGIC + b"\x02" + bytes(40), "unsupported_version"),
    ],
    ids=["empty", "a plain pg_dump file", "a newer format"],
)
def test_what_is_not_a_backup_of_this_version_is_refused(
    tmp_path: Path, blob: bytes, code: str
) -> None:
    assert refusal(tmp_path, blob) == code


def test_every_cut_is_refused_as_truncated(tmp_path: Path) -> None:
    blob = sealed()
    offsets = record_offsets(blob)
    cuts = [*offsets, *(o + 2 for o in offsets), *(o + 30 for o in offsets), len(blob) - 1]
    codes = {cut: refusal(tmp_path, blob[:cut]) for cut in cuts}
    assert set(codes.values()) == {"truncated"}, codes


def test_every_single_flipped_byte_is_refused(tmp_path: Path) -> None:
    blob = sealed()
    codes: dict[str, set[int]] = {}
    for position in range(len(blob)):
        damaged = bytearray(blob)
        damaged[position] ^= 0x01
        codes.setdefault(refusal(tmp_path, bytes(damaged)), set()).add(position)
    assert set(codes) <= REFUSED
    # The header is authenticated with every chunk; the key id alone reads as another key.
    assert codes["wrong_key"] == set(range(len(MAGIC) + 5, len(MAGIC) + 13))
    body = set(range(HEADER, len(blob))) - {o + i for o in record_offsets(blob) for i in range(4)}
    assert body <= codes["tampered"]


def test_chunks_swapped_spliced_or_appended_are_refused(tmp_path: Path) -> None:
    blob = sealed()
    offsets = record_offsets(blob)
    second, third, fourth = offsets[2], offsets[3], offsets[4]
    swapped = blob[:second] + blob[third:fourth] + blob[second:third] + blob[fourth:]
    assert refusal(tmp_path, swapped) == "tampered"
    # The same chunk from another file under the same key: another salt, another chunk key.
    other = sealed()
    spliced = blob[:second] + other[second:third] + blob[third:]
    assert refusal(tmp_path, spliced) == "tampered"
    assert refusal(tmp_path, blob + blob[second:third]) == "tampered"
    # The end record dropped, the chunk before it then seen as the last: no final nonce.
    assert refusal(tmp_path, blob[: offsets[-1]]) == "truncated"


def test_the_key_comes_from_the_environment_or_a_file(tmp_path: Path) -> None:
    encoded = base64.b64encode(KEY).decode()
    assert key_from_env({KEY_ENV: encoded}) == KEY
    key_file = tmp_path / "kunci"
    key_file.write_text(encoded + "\n", encoding="utf-8")
    assert key_from_env({f"{KEY_ENV}_FILE": str(key_file)}) == KEY


@pytest.mark.parametrize(
    ("environ", "code"),
    [
        ({}, "no_key"),
        ({KEY_ENV: "  "}, "no_key"),
        ({KEY_ENV: "bukan-base64!"}, "bad_key"),
        ({KEY_ENV: base64.b64encode(os.urandom(16)).decode()}, "bad_key"),
        ({f"{KEY_ENV}_FILE": "/tidak/ada"}, "no_key"),
    ],
    ids=["unset", "blank", "not base64", "16 bytes", "missing file"],
)
def test_no_usable_key_is_refused_in_indonesian(environ: dict[str, str], code: str) -> None:
    with pytest.raises(BackupError) as caught:
        key_from_env(environ)
    assert caught.value.code == code
    assert KEY_ENV in caught.value.message or "tidak dapat dibaca" in caught.value.message
