"""Uploads: files 0600 in 0700 folders, the per-user daily quota, the antivirus hook (issue 13)."""

from __future__ import annotations

import os
import socket
import stat
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import Source, User
from cakupan.common import antivirus
from cakupan.intake import services
from cakupan.intake.models import ImportBatch
from cakupan.intake.schema import FileError
from cakupan.registry.models import Segment
from cakupan.testing.personas import PersonaWorld

pytestmark = pytest.mark.django_db
CSV = b"NIK,Nama\n7324041708850001,Andi\n"
# The EICAR test string: every antivirus reports it; harmless.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@pytest.fixture
def files(settings: Any, tmp_path: Path) -> Path:
    root = tmp_path / "berkas"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    return root


def _create(user: User, world: PersonaWorld, data: bytes = CSV) -> ImportBatch:
    return services.batch_create(
        actor=Actor(user=user, source=Source.WEB),
        unit=world.pemerintah_desa,
        segment=Segment.PERANGKAT_DESA,
        file_name="perangkat.csv",
        data=data,
    )


def test_uploaded_files_are_0600_in_0700_folders(
    files: Path, persona_world: PersonaWorld, operator_desa: User
) -> None:
    files.mkdir(mode=0o755)  # a folder left by an older version: tightened too
    batch = _create(operator_desa, persona_world)
    stored = files / batch.file_path
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    folder = stored.parent
    while True:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        if folder == files:
            break
        folder = folder.parent


def test_the_daily_quota_refuses_the_upload_that_exceeds_it(
    files: Path, settings: Any, persona_world: PersonaWorld, operator_desa: User, operator_opd: User
) -> None:
    settings.UPLOAD_QUOTA_FILES_PER_DAY = 2
    settings.UPLOAD_QUOTA_BYTES_PER_DAY = 10 * 1024 * 1024
    _create(operator_desa, persona_world)
    _create(operator_desa, persona_world)
    with pytest.raises(FileError) as refused:
        _create(operator_desa, persona_world)
    assert refused.value.code == "file_quota_exceeded"
    assert refused.value.message == (
        "Batas unggahan harian Anda sudah tercapai (0.0 MB dalam 2 berkas selama 24 jam "
        "terakhir; batas 10 MB dan 2 berkas). Coba lagi besok atau hubungi admin."
    )
    assert ImportBatch.objects.filter(created_by=operator_desa).count() == 2
    # The quota is per user; and older uploads stop counting after 24 hours.
    ImportBatch.objects.filter(created_by=operator_desa).update(created_at="2020-01-01T00:00:00Z")
    _create(operator_desa, persona_world)


def test_the_quota_counts_bytes(
    files: Path, settings: Any, persona_world: PersonaWorld, operator_desa: User
) -> None:
    settings.UPLOAD_QUOTA_BYTES_PER_DAY = len(CSV) * 2
    _create(operator_desa, persona_world)
    _create(operator_desa, persona_world)
    with pytest.raises(FileError) as refused:
        _create(operator_desa, persona_world)
    assert refused.value.code == "file_quota_exceeded"


class FakeClamd:
    """A clamd speaking zINSTREAM on a Unix socket: EICAR is found, anything else is OK."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(str(path))
        self.server.listen(4)
        self.received: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _read_exact(self, conn: socket.socket, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise EOFError
            data += part
        return data

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                assert self._read_exact(conn, 10) == b"zINSTREAM\0"
                body = b""
                while True:
                    (size,) = struct.unpack("!I", self._read_exact(conn, 4))
                    if size == 0:
                        break
                    body += self._read_exact(conn, size)
                self.received.append(body)
                found = b"EICAR-STANDARD-ANTIVIRUS-TEST-FILE" in body
                conn.sendall(b"stream: Eicar-Test-Signature FOUND\0" if found else b"stream: OK\0")

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def clamd(settings: Any, tmp_path: Path) -> Iterator[FakeClamd]:
    fake = FakeClamd(tmp_path / "clamd.sock")
    settings.CLAMD_SOCKET = str(fake.path)
    yield fake
    fake.close()


def test_clamd_verdicts(clamd: FakeClamd) -> None:
    assert antivirus.scan(CSV) == antivirus.ScanResult(antivirus.Verdict.CLEAN)
    big = os.urandom(200_000)
    assert antivirus.scan(big).verdict == antivirus.Verdict.CLEAN
    assert clamd.received[-1] == big  # streamed in chunks, whole
    assert antivirus.scan(EICAR) == antivirus.ScanResult(
        antivirus.Verdict.INFECTED, "Eicar-Test-Signature"
    )


def test_an_infected_upload_is_refused_with_a_message_and_not_kept(
    files: Path, clamd: FakeClamd, persona_world: PersonaWorld, operator_desa: User
) -> None:
    client = Client()
    client.force_login(operator_desa)
    response = client.post(
        reverse("intake:upload"),
        {
            "unit": persona_world.pemerintah_desa.pk,
            "segment": Segment.PERANGKAT_DESA,
            "file": SimpleUploadedFile("virus.csv", EICAR),
        },
    )
    assert response.status_code == 200
    assert (
        "Berkas ditolak karena terdeteksi berisi virus atau kode berbahaya "
        "(Eicar-Test-Signature)." in response.content.decode()
    )
    assert not ImportBatch.objects.exists()
    assert not files.exists() or not any(p.is_file() for p in files.rglob("*"))


def test_an_unreachable_daemon_fails_closed(
    files: Path, settings: Any, tmp_path: Path, persona_world: PersonaWorld, operator_desa: User
) -> None:
    settings.CLAMD_SOCKET = str(tmp_path / "tidak-ada.sock")
    with pytest.raises(FileError) as refused:
        _create(operator_desa, persona_world)
    assert refused.value.code == "file_scan_failed"


def test_without_a_daemon_the_scan_is_skipped_with_a_warning(
    settings: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CLAMD_SOCKET = ""
    settings.CLAMD_ADDRESS = ""
    monkeypatch.setattr(antivirus, "_warned", False)
    with caplog.at_level("WARNING", logger="cakupan.antivirus"):
        assert antivirus.scan(CSV).verdict == antivirus.Verdict.SKIPPED
        assert antivirus.scan(CSV).accepted
    assert [r.getMessage() for r in caplog.records] == [
        "Pemindaian antivirus dilewati: CAKUPAN_CLAMD_SOCKET/CAKUPAN_CLAMD_ADDRESS tidak diatur."
    ]
