"""The 200,000-row CSV of new people for one OPD through ``cakupan intake FILE --json`` (issue 15).

Called by ``make bench BENCH=intake-cli``. What it does, in one run:

1. loads the demo data into the bench's throwaway PostgreSQL exactly as ``cakupan demo`` does
   (its registry, units, vocabulary and users: "the demo database");
2. generates a CSV of 200,000 new people (no faulty rows, NIKs no demo person holds) for a
   kabupaten OPD of Luwu Timur, as an operator's spreadsheet saves it (title rows, ``;``);
3. with PostgreSQL's own durability (fsync and synchronous commit on, as in production), runs
   ``python -m cakupan.cli intake FILE --unit CODE --json`` as a new process against that database
   and times it from the process's start to its exit: Python and Django start-up, reading,
   checking and committing the file, the JSON answer. The yardsticks of the same run: the start-up
   of the same command alone (``intake --help``), and a plain ``COPY`` of the same rows into a
   table with the person table's indexes.

Target (issue 15): <= 6 s. Printed as PASS/FAIL; nothing here raises for a missed target.
"""

from __future__ import annotations

import io
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.core.management import call_command

from cakupan.bench.harness import (
    cakupan_environment,
    detail,
    durable_commits,
    line,
    mib,
    scaled,
    verdict,
)
from cakupan.bench.intake.data import canonical_csv, csv_bytes, faults, file_rows, population
from cakupan.bench.intake.data import regions as bench_regions
from cakupan.bench.intake.preload import plain_copy

ROWS = scaled(200_000)
TARGET_SECONDS = 6.0
# Added to the generated NIKs' sequence digits, so that no NIK of the file is a demo person's
# (the demo numbers its people per kecamatan and birth date from 0001 up).
SEQUENCE_OFFSET = 5000


def _people(reg: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(cells of the CSV, the same rows as typed columns) for ``ROWS`` new people, no faulty row."""
    pop = population(reg, n=ROWS + ROWS // 10)
    pop = pop.with_columns(
        nik=pl.concat_str(
            pl.col("nik").str.slice(0, 12),
            (pl.col("nik").str.slice(12, 4).cast(pl.Int32) + SEQUENCE_OFFSET)
            .cast(pl.String)
            .str.zfill(4),
        )
    )
    # ``file_rows`` changes wages and names of people in the CSV benchmark's "known" ranges; the
    # people here start above them.
    rows = file_rows(pop, [(0, pop.height)], seed=61)
    cells = faults(rows, reg, seed=71).filter(pl.col("fault").is_null()).head(ROWS)
    clean = rows.join(cells.select("pos"), on="pos", how="semi")
    return cells, clean


def _run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cakupan.cli", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return time.perf_counter() - start, done


def bench_intake_cli() -> dict[str, Any]:
    from cakupan.registry.models import Membership, Person, Unit, UnitKind

    started = time.perf_counter()
    call_command("demo", skip_static=True, as_json=True, stdout=io.StringIO())
    unit = (
        Unit.objects.filter(kind=UnitKind.OPD, region_id="73.24", name__icontains="pendidikan")
        .order_by("code")
        .first()
    )
    if unit is None:
        raise RuntimeError("the demo data have no education OPD of Luwu Timur")
    people_before = Person.objects.count()
    detail(
        f"demo data loaded in {time.perf_counter() - started:.0f} s (not timed): "
        f"{people_before:,} people, {Membership.objects.count():,} memberships; unit {unit.code} "
        f"{unit.name}"
    )
    cells, clean = _people(bench_regions())
    workdir = Path(tempfile.mkdtemp(prefix="cakupan-bench-intake-cli-"))
    try:
        path = workdir / "pegawai-baru-2026.csv"
        path.write_bytes(csv_bytes(cells, unit.name))
        detail(f"CSV of {cells.height:,} new people, {mib(path.stat().st_size)} (not timed)")
        copy_seconds = plain_copy(canonical_csv(clean))
        env = cakupan_environment(workdir, secrets.token_urlsafe(50))
        with durable_commits():
            startup, probe = _run(["intake", "--help"], env)
            if probe.returncode != 0:
                raise RuntimeError(f"cakupan intake --help failed: {probe.stderr[-2000:]}")
            seconds, done = _run(["intake", str(path), "--unit", unit.code, "--json"], env)
        if done.returncode != 0:
            raise RuntimeError(f"cakupan intake failed ({done.returncode}): {done.stderr[-2000:]}")
        answer = json.loads(done.stdout)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    created = Person.objects.count() - people_before
    counts = {
        k: answer.get(k) for k in ("status", "rows", "accepted", "new", "changed", "unchanged")
    }
    detail(f"cakupan intake --json answered {json.dumps(counts)}; {created:,} people created")
    detail(f"process start-up alone (cakupan intake --help): {startup:.2f} s")
    result = line(
        "cakupan intake CSV --json (process)", cells.height, seconds, "plain COPY", copy_seconds
    )
    verdict(
        f"{ROWS:,}-row CSV, cakupan intake --json <= {TARGET_SECONDS:g} s",
        f"{seconds:.1f} s",
        seconds <= TARGET_SECONDS,
    )
    return {**result, "startup": startup, "created": created}
