"""The whole intake of one file (``batch_create`` + ``batch_process``), timed by phase."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections

from cakupan.bench.harness import (
    MemoryPeak,
    detail,
    measure_memory,
)
from cakupan.bench.intake.config import SEGMENT, TODAY

# --------------------------------------------------------------------------------------------
# The whole intake, with its phases


@dataclass
class IntakeRun:
    rows: int
    seconds: float
    phases: list[tuple[str, float]]
    calls: dict[str, float]
    statements: list[tuple[float, str]]
    batch: Any
    written: dict[str, int]
    memory: MemoryPeak | None = None


_TIMED_CALLS = [
    ("cakupan.intake.services", "store_upload", "store: sha256 + save file"),
    ("cakupan.intake.services", "read_upload", "read: load stored file"),
    ("cakupan.intake.readers", "read_upload", "read: parse (readers.read_upload)"),
    ("cakupan.intake.services", "build_context", "validate: build_context"),
    ("cakupan.intake.services", "validate", "validate: validation.validate"),
    ("cakupan.registry.services.bulk", "stage_rows", "registry: stage_rows (COPY + ANALYZE)"),
    ("cakupan.registry.services.bulk", "match_rows", "registry: match_rows (one join, ids)"),
    ("cakupan.intake.services", "_registry_issues", "registry: holders + names"),
    ("cakupan.registry.services.bulk", "drop_rows", "registry: drop_rows"),
    ("cakupan.registry.services.bulk", "classify", "registry: classify"),
    ("cakupan.registry.services.bulk", "write", "write: registry bulk.write"),
    ("cakupan.intake.services", "_save_issues", "write: _save_issues"),
]


@contextmanager
def _instrumented() -> Iterator[tuple[dict[str, float], list[tuple[float, str]]]]:
    """Time the service's steps (by wrapping them in this process only) and every SQL statement."""
    import importlib

    calls: dict[str, float] = {}
    statements: list[tuple[float, str]] = []
    saved = []
    for module_name, attr, label in _TIMED_CALLS:
        module = importlib.import_module(module_name)
        original = getattr(module, attr)

        def wrapped(*a: Any, __f: Callable[..., Any] = original, __l: str = label, **k: Any) -> Any:
            t = time.perf_counter()
            try:
                return __f(*a, **k)
            finally:
                calls[__l] = calls.get(__l, 0.0) + time.perf_counter() - t

        saved.append((module, attr, original))
        setattr(module, attr, wrapped)

    def sql_timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((time.perf_counter() - t, " ".join(sql.split())))

    wrapper = connections[DEFAULT_DB_ALIAS]
    commit = wrapper.commit

    def timed_commit() -> None:
        t = time.perf_counter()
        try:
            commit()
        finally:
            label = "write: COMMIT (deferred FK checks)"
            calls[label] = calls.get(label, 0.0) + time.perf_counter() - t

    wrapper.commit = timed_commit  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(sql_timer):
            yield calls, statements
    finally:
        del wrapper.commit
        for module, attr, original in saved:
            setattr(module, attr, original)


def run_intake(unit: Any, data: bytes, file_name: str, *, commit: bool = True) -> IntakeRun:
    from cakupan.accounts.audit import Actor
    from cakupan.intake import services

    actor = Actor.system(source="cli", label="bench")
    marks: list[tuple[str, float]] = []
    _explain_slow_statements()

    def progress(phase: str, done: int, total: int) -> None:
        marks.append((phase, time.perf_counter()))

    with _instrumented() as (calls, statements), measure_memory() as peak:
        start = time.perf_counter()
        batch = services.batch_create(
            actor=actor, unit=unit, segment=SEGMENT, file_name=file_name, data=data
        )
        marks.append(("store", start))
        outcome = services.batch_process(
            batch=batch, actor=actor, commit=commit, today=TODAY, progress=progress
        )
        end = time.perf_counter()
    names = {
        "store": "store (batch_create)",
        "reading": "read",
        "validating": "validate",
        "checking_registry": "stage + registry checks",
        "writing": "write + audit + commit",
    }
    marks.sort(key=lambda m: m[1])
    phases = [
        (names.get(phase, phase), (marks[i + 1][1] if i + 1 < len(marks) else end) - t)
        for i, (phase, t) in enumerate(marks)
    ]
    return IntakeRun(
        rows=outcome.batch.rows,
        seconds=end - start,
        phases=phases,
        calls=calls,
        statements=statements,
        batch=outcome.batch,
        written=outcome.written,
        memory=peak,
    )


def _explain_slow_statements() -> None:
    """With ``CAKUPAN_BENCH_EXPLAIN=FILE``, append the plan (EXPLAIN ANALYZE, by ``auto_explain``)
    of every statement over 300 ms, trigger functions' statements included, to FILE: where the
    time of a statement goes, measured in the run itself."""
    path = os.environ.get("CAKUPAN_BENCH_EXPLAIN")
    if not path:
        return
    connection.ensure_connection()
    raw = connection.connection

    def keep(diagnostic: Any) -> None:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{diagnostic.message_primary}\n\n")

    if not getattr(raw, "_bench_explain", False):
        raw.add_notice_handler(keep)
        raw._bench_explain = True
    with connection.cursor() as cursor:
        cursor.execute("LOAD 'auto_explain'")
        for name, value in (
            ("log_min_duration", "300ms"),
            ("log_analyze", "on"),
            ("log_timing", "on"),
            ("log_nested_statements", "on"),
            ("log_level", "notice"),
            ("log_triggers", "on"),
        ):
            cursor.execute("SELECT set_config(%s, %s, false)", [f"auto_explain.{name}", value])


def describe(run: IntakeRun, label: str) -> None:
    b = run.batch
    detail(
        f"{label}: {b.rows:,} rows, {b.accepted:,} accepted, {b.rejected:,} rejected; "
        f"{b.new:,} new, {b.changed:,} changed, {b.unchanged:,} unchanged; written {run.written}"
    )
    issues = ", ".join(
        f"{k} {v:,}" for k, v in sorted(b.issue_counts.items(), key=lambda kv: -kv[1])
    )
    detail(f"{label} issues: {issues}")
    for name, seconds in run.phases:
        detail(f"{label} phase {name:<28} {seconds:7.2f} s  {100 * seconds / run.seconds:4.0f}%")
    for name, seconds in run.calls.items():
        detail(f"{label}   {name:<40} {seconds:7.2f} s")
    writing = dict(run.phases).get("write + audit + commit", 0.0)
    rest = writing - sum(v for k, v in run.calls.items() if k.startswith("write:"))
    detail(f"{label}   {'write: rest (batch row, issue counts)':<40} {rest:7.2f} s")
    for seconds, text in sorted(run.statements, reverse=True)[:10]:
        if seconds >= 0.05:
            detail(f"{label}   SQL {seconds:6.2f} s  {text[:110]}")
