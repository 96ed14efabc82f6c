"""What every benchmark shares: scale, rolled-back timing, report lines, target verdicts, memory.

A benchmark measures our path and, in the same run, the plain path it replaces (the yardstick), and
prints one ``line`` for the pair: rows, seconds, rows/s and the ratio ``x`` (yardstick time / ours).
Targets are printed with :func:`verdict` lines. ``CAKUPAN_BENCH_SCALE`` (default 1) shrinks every
row count for a quick check of the scripts themselves; a target set at full scale is then reported as
not judged, never as PASS or FAIL, because a smaller run proves nothing about the full one.
"""

from __future__ import annotations

import gc
import os
import re
import resource
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction

SCALE = float(os.environ.get("CAKUPAN_BENCH_SCALE", "1"))


def scaled(count: int) -> int:
    """``count`` rows at the run's scale."""
    return int(count * SCALE)


class _Rollback(Exception):
    pass


def rolled_back(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds ``fn`` takes inside a transaction that is rolled back afterwards, and its result.

    The clock stops before the rollback: a commit's own checks must be run inside ``fn`` (see
    :func:`commit_checks`) when they are part of what is measured.
    """
    start = time.perf_counter()
    result: Any = None
    elapsed = 0.0
    try:
        with transaction.atomic():
            result = fn()
            elapsed = time.perf_counter() - start
            raise _Rollback
    except _Rollback:
        pass
    return elapsed, result


def commit_checks() -> None:
    """Run now what a commit would run: the deferred constraint checks of the transaction.

    Steps measured with :func:`rolled_back` never commit, so without this the deferred (foreign key)
    checks of the rows written would never run and their cost would not be counted.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def empty_registry() -> None:
    """Remove the people and memberships an earlier benchmark of the same run committed.

    Each benchmark preloads its own registry with fixed ids and measures over all of it; what an
    earlier one left would collide with those ids and change what is measured. Everything that
    refers to people or memberships (bills, intake rows) goes with them; units, users, regions and
    the audit log stay.
    """
    from cakupan.registry.models import Membership, Person

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Person._meta.db_table}, {Membership._meta.db_table} CASCADE")


def copy_rows(table: str, columns: list[str], payload: bytes) -> None:
    """Stream CSV ``payload`` (``\\N`` for NULL) into ``columns`` of ``table`` with COPY."""
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        step = 1 << 20
        for i in range(0, len(payload), step):
            copy.write(payload[i : i + step])


def bulk_load(table: str, columns: list[str], payload: bytes) -> None:
    """COPY into ``table`` with its secondary indexes dropped and rebuilt afterwards (setup only).

    Rebuilding an index once is several times cheaper than maintaining it row by row; unique and
    exclusion constraints are dropped and added back under their own names, so the schema ends
    exactly as the migrations left it.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, "
            "pg_get_constraintdef(c.oid) FROM pg_index i LEFT JOIN pg_constraint c "
            "ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid "
            "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary",
            [table],
        )
        definitions = cursor.fetchall()
        for index, _, constraint, _ in definitions:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}")
            else:
                cursor.execute(f"DROP INDEX {index}")
        copy_rows(table, columns, payload)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the foreign keys are checked here
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _, index_sql, constraint, constraint_sql in definitions:
            if constraint:
                cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {constraint_sql}")
            else:
                cursor.execute(index_sql)


def load_frame(model: Any, frame: Any) -> None:
    """COPY a polars frame whose columns are ``model``'s into its table (see :func:`bulk_load`)."""
    bulk_load(
        model._meta.db_table,
        frame.columns,
        frame.write_csv(include_header=False, date_format="%Y-%m-%d", null_value="\\N").encode(),
    )


def after_preload(*models: Any) -> None:
    """Set the id sequences past the preloaded ids, then VACUUM ANALYZE the tables (setup only)."""
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {table}))",  # noqa: S608
                [table],
            )
            cursor.execute(f"VACUUM ANALYZE {table}")


def line(name: str, rows: int, ours: float, baseline_name: str, baseline: float) -> dict[str, Any]:
    """Print and return one measurement beside its yardstick (``x`` = yardstick time / ours)."""
    out = {
        "name": name,
        "rows": rows,
        "seconds": round(ours, 3),
        "rows_per_s": int(rows / ours),
        "baseline": baseline_name,
        "baseline_seconds": round(baseline, 3),
        "baseline_rows_per_s": int(rows / baseline),
        "speedup": round(baseline / ours, 2),
    }
    print(
        f"{name:<34} {rows:>8} rows  {ours:7.2f} s  {out['rows_per_s']:>9,} rows/s   "
        f"baseline {baseline_name}: {baseline:7.2f} s  {out['baseline_rows_per_s']:>9,} rows/s   "
        f"x{out['speedup']}"
    )
    return out


def detail(text: str) -> None:
    """An indented line under the last measurement."""
    print(f"    {text}")


def mib(n: float) -> str:
    return f"{n / 2**20:,.0f} MiB"


def verdict(name: str, value: str, ok: bool) -> str:
    """Print and return the verdict on one target: PASS or FAIL at full scale, else not judged.

    The line always says the scale it ran at, so a quick run cannot be mistaken for the real one.
    """
    if SCALE == 1:
        word = f"{'PASS' if ok else 'FAIL'} (scale 1)"
    else:
        word = f"NOT JUDGED (scale {SCALE:g}; the target is set at scale 1)"
    print(f"  target {name:<46} {value:>14}  {word}")
    return word.split(" ", 1)[0]


# --------------------------------------------------------------------------------------------
# Memory: this process (VmHWM, reset before the measured step) and PostgreSQL (sampled)


def _proc_status(pid: int | str = "self") -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for text in handle:
                key, _, value = text.partition(":")
                if value.strip().endswith("kB"):
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for text in handle:
                if text.startswith("Pss:"):
                    return int(text.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _children(parent: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                stat = handle.read()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after the last ")".
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
            out.append(int(entry))
    return out


def _postmaster_pid() -> int | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        with open(f"/proc/{backend}/stat") as handle:
            return int(handle.read().rsplit(")", 1)[1].split()[1])
    except OSError:  # a server on another machine (DATABASE_URL)
        return None


@dataclass
class MemoryPeak:
    process_start: int = 0
    process_peak: int = 0  # VmHWM of this process over the measured step
    pg_rss_peak: int = 0  # sum of the RSS of the server's processes (shared memory counted often)
    pg_pss_peak: int = 0  # sum of their PSS (shared memory counted once): the honest total
    samples: int = 0


class _Sampler(threading.Thread):
    def __init__(self, postmaster: int | None, peak: MemoryPeak, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.postmaster, self.peak, self.interval = postmaster, peak, interval
        self.stop = threading.Event()

    def sample(self) -> None:
        self.peak.samples += 1
        self.peak.process_peak = max(self.peak.process_peak, _proc_status().get("VmRSS", 0))
        if self.postmaster is None:
            return
        pids = [self.postmaster, *_children(self.postmaster)]
        rss = sum(_proc_status(pid).get("VmRSS", 0) for pid in pids)
        pss = sum(_pss(pid) for pid in pids)
        self.peak.pg_rss_peak = max(self.peak.pg_rss_peak, rss)
        self.peak.pg_pss_peak = max(self.peak.pg_pss_peak, pss)

    def run(self) -> None:
        while not self.stop.wait(self.interval):
            self.sample()


@contextmanager
def measure_memory() -> Iterator[MemoryPeak]:
    """Peak memory of this process (VmHWM, reset first) and of PostgreSQL while the block runs."""
    gc.collect()
    peak = MemoryPeak(process_start=_proc_status().get("VmRSS", 0))
    reset = False
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")  # resets VmHWM (peak RSS) to the current RSS, Linux >= 4.0
        reset = True
    except OSError:
        pass
    sampler = _Sampler(_postmaster_pid(), peak)
    sampler.sample()
    sampler.start()
    try:
        yield peak
    finally:
        sampler.stop.set()
        sampler.join()
        sampler.sample()
        hwm = _proc_status().get("VmHWM", 0)
        if reset:
            peak.process_peak = max(peak.process_peak, hwm)
        elif not peak.process_peak:
            peak.process_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


# Environment variables of ours that would change a process under test if they leaked into it.
_OWN_SETTINGS = re.compile(
    r"^(CAKUPAN_|DATABASE_|DJANGO_SETTINGS_MODULE$|SECRET_KEY|WEB_CONCURRENCY)"
)


def database_url() -> str:
    """The bench's database as ``DATABASE_URL`` for a process of its own."""
    params = connection.settings_dict
    host = quote(str(params["HOST"]), safe="")
    return f"postgres://{params['USER']}@{host}:{params['PORT']}/{params['NAME']}"


def cakupan_environment(workdir: Path, secret_key: str) -> dict[str, str]:
    """The environment of a ``cakupan`` process run by a benchmark (``serve``, ``intake``):
    production settings, this bench's database, its data under ``workdir``, and the field keys and
    PII hash key of this process, which wrote the data it reads."""
    env = {k: v for k, v in os.environ.items() if not _OWN_SETTINGS.match(k)}
    return env | {
        "DJANGO_SETTINGS_MODULE": "cakupan.config.settings.base",
        "DATABASE_URL": database_url(),
        "CAKUPAN_DATA_DIR": str(workdir / "data"),
        "SECRET_KEY": secret_key,
        "CAKUPAN_FIELD_KEYS": ",".join(settings.FIELD_ENCRYPTION_KEYS),
        "CAKUPAN_PII_HASH_KEY": settings.PII_HASH_KEY,
        "PYTHONPATH": str(settings.BASE_DIR),
    }


@contextmanager
def durable_commits() -> Iterator[None]:
    """PostgreSQL's own durability (fsync, synchronous commit) instead of the throwaway server's.

    Every page and every import writes to the audit log and commits; with ``fsync=off`` the commit
    would cost nothing and the figure would flatter the server a production database is.
    """
    names = ("fsync", "synchronous_commit", "full_page_writes")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        if not cursor.fetchone()[0]:  # not the bench's server: its settings are what they are
            yield
            return
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", [list(names)])
        before = dict(cursor.fetchall())
        for name in names:
            cursor.execute(f"ALTER SYSTEM RESET {name}")
        cursor.execute("SELECT pg_reload_conf()")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for name, value in before.items():
                cursor.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            cursor.execute("SELECT pg_reload_conf()")
