"""A worker killed (SIGKILL) in the middle of a commit: the batch is all there or not at all, and
a rerun completes it. Runs the real CLI in a child process against a database of its own."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from cakupan.common.nik import make_nik

ROWS = 20_000
DESA = "73.24.04.2001"


@pytest.fixture
def database(db: None, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A fresh, migrated database with the regions and one unit, on the test server."""
    params = connection.get_connection_params()
    host, port = str(params["host"]), str(params.get("port") or 5432)
    name = f"cakupan_kill_{uuid.uuid4().hex[:8]}"
    admin = psycopg.conninfo.make_conninfo(host=host, port=port, user="postgres", dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cakupan.config.settings.base",
        "DATABASE_URL": f"postgres://postgres@{quote(host, safe='')}:{port}/{name}",
        "CAKUPAN_DATA_DIR": str(tmp_path / "data"),
        "CAKUPAN_INTAKE_MAX_UPLOAD_MB": "50",
    }
    cli = [sys.executable, "-m", "cakupan.cli"]
    for command in (["migrate", "-v0"], ["regions", "load"]):
        subprocess.run([*cli, *command], env=env, check=True, capture_output=True)
    subprocess.run(
        [
            *cli,
            "shell",
            "-c",
            "from cakupan.registry.models import Unit; "
            f"Unit.objects.create(code='KILL', name='Pemerintah Desa Uji', kind='pemerintah_desa', region_id='{DESA}')",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    try:
        yield (
            psycopg.conninfo.make_conninfo(host=host, port=port, user="postgres", dbname=name),
            env,
        )
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _counts(conninfo: str) -> tuple[int, int, int, str | None]:
    with psycopg.connect(conninfo) as conn:
        people = conn.execute("SELECT count(*) FROM registry_person").fetchone()
        links = conn.execute("SELECT count(*) FROM intake_batchmembership").fetchone()
        audit = conn.execute("SELECT count(*) FROM accounts_auditevent").fetchone()
        status = conn.execute("SELECT status FROM intake_importbatch").fetchone()
    return people[0], links[0], audit[0], status[0] if status else None  # type: ignore[index]


def _audited(conninfo: str) -> tuple[int, int]:
    """People and memberships whose creation is recorded exactly once: by one batch row that
    created them (``person_created`` / ``membership_created``), under the batch's one provenance
    audit row."""
    with psycopg.connect(conninfo) as conn:
        row = conn.execute(
            """
            SELECT (SELECT count(*) FROM registry_person p
                     WHERE (SELECT count(*) FROM intake_batchmembership l
                              JOIN registry_membership m ON m.id = l.membership_id
                             WHERE l.person_created AND m.person_id = p.id) = 1),
                   (SELECT count(*) FROM registry_membership m
                     WHERE (SELECT count(*) FROM intake_batchmembership l
                             WHERE l.membership_created AND l.membership_id = m.id) = 1),
                   (SELECT count(*) FROM accounts_auditevent a JOIN intake_importbatch b
                        ON a.entity = 'intake.importbatch' AND a.action = 'create'
                       AND a.entity_id = b.id::text)
            """
        ).fetchone()
    assert row is not None and row[2] == 1
    return row[0], row[1]


def _letters(n: int) -> str:
    """A name part without digits (names with digits are rejected): 0 -> "a", 27 -> "bb"."""
    out = ""
    for _ in range(4):
        out, n = "abcdefghijklmnopqrstuvwxyz"[n % 26] + out, n // 26
    return out.capitalize()


@pytest.mark.parametrize("delay", [0.0, 1.0, 2.5])
def test_sigkill_in_the_middle_of_a_commit(
    database: tuple[str, dict[str, str]], tmp_path: Path, delay: float
) -> None:
    conninfo, env = database
    lines = ["NIK;Nama;L/P;Tanggal Lahir;Jabatan;Siltap"]
    for i in range(ROWS):
        born = dt.date(1970, 1, 1) + dt.timedelta(days=i % 10000)  # ages 29-56: within the limits
        sex = "LP"[i % 2]
        lines.append(
            f"{make_nik(district_code='73.24.04', birth_date=born, sex=sex, sequence=i // 10000 + 1)};"
            f"Orang {_letters(i)};{sex};{born:%d-%m-%Y};Staf Desa;2450000"
        )
    path = tmp_path / "besar.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    child = subprocess.Popen(
        [sys.executable, "-m", "cakupan.cli", "intake", str(path), "--unit", "KILL", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while time.monotonic() < deadline and child.poll() is None:
            row = conn.execute("SELECT phase FROM intake_importbatch").fetchone()
            # The last phase other sessions can see: the one transaction (stage, check, write) starts.
            if row and row[0] == "checking_registry":
                break
            time.sleep(0.02)
    time.sleep(delay)
    if child.poll() is None:
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=60)

    people, links, audit, status = _counts(conninfo)
    committed = status == "committed"
    # All or nothing: either the whole file is in the registry (with its provenance row) or none.
    assert (people, links, audit) == ((ROWS, ROWS, 1) if committed else (0, 0, 0))

    # A rerun of the same batch completes it, and nothing is written twice.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "cakupan.cli",
            "shell",
            "-c",
            "from cakupan.accounts.audit import Actor; from cakupan.intake.models import ImportBatch; "
            "from cakupan.intake.services import batch_process; "
            "batch_process(batch=ImportBatch.objects.get(), actor=Actor.system(source='cli'), commit=True)",
        ],
        env=env,
        check=True,
        capture_output=True,
    )
    assert _counts(conninfo) == (ROWS, ROWS, 1, "committed")
    # ... and every row written has its provenance (its batch row), none twice (ids drawn by the
    # killed run are simply never used).
    assert _audited(conninfo) == (ROWS, ROWS)
