"""Cost of each page of the load benchmark's mix, in process: queries, server CPU, database CPU.

``python -m cakupan.bench pages`` (``make bench BENCH=pages``) loads the demo data as
``cakupan.bench.load`` does, signs in ``admin.lutim`` with Django's test client (``force_login``:
no password hashing) and asks for each page of the load mix (home, the people list, the membership
list filtered by segment and status, a person's page, the search POST and its result page), plus
``/favicon.ico`` (a redirect that runs the whole middleware stack, session and user included, and
nothing else: the per-request overhead), ``REPEATS`` times each after a warm-up round.

For each page it reports the median over the repeats of:

* **queries**: SQL statements sent (``CaptureQueriesContext``, in a separate pass, since capturing
  costs CPU itself);
* **app CPU**: CPU time of this process while the request is served (``time.process_time``; the
  test client's own work included, a few tenths of a millisecond);
* **PG CPU**: CPU time of the PostgreSQL backend serving this connection over the same request
  (``/proc/<pid>/schedstat``, nanoseconds), so only on a local server;
* **wall**: elapsed time (depends on how busy the machine is; the two CPU figures hardly do).

and the mix's mean CPU per request (the load benchmark asks each kind equally often, the search
being two requests): what one request costs the machine, the figure Little's law turns into
throughput (``docs/benchmarks.md``, "Load"). Nothing is judged: this is the tool for finding where
the time goes, and for before/after figures.

``bench_pages()`` also runs from ``cakupan shell`` on a database that already holds the demo.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cakupan.bench.harness import SCALE, detail

REPEATS = int(os.environ.get("CAKUPAN_BENCH_PAGES_REPEATS") or max(3, round(30 * SCALE)))
USERNAME = "admin.lutim"
LIST_PAGES = 20
# The load mix (``bench.load.KINDS``) and the middleware-only request.
KINDS = ("favicon", "home", "list", "list filtered", "detail", "search POST", "search results")
MIX = KINDS[1:]


@dataclass
class Sample:
    queries: list[int] = field(default_factory=list)
    app_ms: list[float] = field(default_factory=list)
    pg_ms: list[float] = field(default_factory=list)
    wall_ms: list[float] = field(default_factory=list)


def _backend_cpu_ns(pid: int) -> int:
    """CPU time of the PostgreSQL backend ``pid`` so far (ns), 0 where it cannot be read."""
    try:
        with open(f"/proc/{pid}/schedstat") as handle:
            return int(handle.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0


def _workload() -> tuple[Any, list[int], list[str], list[str]]:
    """The admin, and the people, list filters and search texts of the load benchmark."""
    from cakupan.accounts.models import User
    from cakupan.bench.load import workload_for

    if not User.objects.filter(username=USERNAME).exists():
        started = time.perf_counter()
        call_command("demo", skip_static=True, as_json=True, stdout=io.StringIO())
        detail(f"demo data loaded in {time.perf_counter() - started:.0f} s")
    admin = User.objects.get(username=USERNAME)
    workload = workload_for(admin)
    return admin, workload.person_ids, workload.filters, workload.searches


class _Pages:
    """One signed-in test client and the request of each kind for round ``i``."""

    def __init__(self) -> None:
        admin, self.people, self.filters, self.searches = _workload()
        self.client = Client()
        self.client.force_login(admin)
        self.pages = min(LIST_PAGES, max(1, len(self.people) // 50))
        self.result_url = ""

    def request(self, kind: str, i: int) -> tuple[Callable[[], Any], int]:
        c = self.client
        if kind == "favicon":
            return (lambda: c.get("/favicon.ico")), 302
        if kind == "home":
            return (lambda: c.get("/")), 200
        if kind == "list":
            page = i % self.pages + 1
            return (lambda: c.get(f"/orang/?page={page}")), 200
        if kind == "list filtered":
            query = self.filters[i % len(self.filters)]
            return (lambda: c.get(f"/kepesertaan/?{query}")), 200
        if kind == "detail":
            pk = self.people[i % len(self.people)]
            return (lambda: c.get(f"/orang/{pk}/")), 200
        if kind == "search POST":
            text = self.searches[i % len(self.searches)]

            def post() -> Any:
                response = c.post("/orang/", {"_cari": "1", "q": text})
                target = urlsplit(response.get("Location", ""))
                self.result_url = f"{target.path}?{target.query}"
                return response

            return post, 303
        url = self.result_url
        return (lambda: c.get(url)), 200


@contextlib.contextmanager
def _plain_template_rendering() -> Iterator[None]:
    """Templates rendered as in production, not through the test runner's instrumented render
    (``setup_test_environment`` makes every template, included ones too, send a signal)."""
    from django.template.base import Template

    instrumented = Template._render  # type: ignore[attr-defined]

    def render(self: Template, context: Any) -> Any:
        return self.nodelist.render(context)

    Template._render = render  # type: ignore[attr-defined]
    try:
        yield
    finally:
        Template._render = instrumented  # type: ignore[attr-defined]


def measure(repeats: int = REPEATS) -> dict[str, Sample]:
    """Each kind of request ``repeats`` times (after a warm-up round): see the module docstring."""
    with _plain_template_rendering():
        return _measure(repeats)


def _measure(repeats: int) -> dict[str, Sample]:
    pages = _Pages()
    connection.ensure_connection()
    backend = connection.connection.info.backend_pid
    samples = {kind: Sample() for kind in KINDS}
    for kind in KINDS:  # warm-up: templates compiled, caches filled
        call, _ = pages.request(kind, 0)
        call()
    for i in range(repeats):
        for kind in KINDS:
            call, expect = pages.request(kind, i)
            pg = _backend_cpu_ns(backend)
            cpu, wall = time.process_time(), time.perf_counter()
            response = call()
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            pg = _backend_cpu_ns(backend) - pg
            if response.status_code != expect:
                raise RuntimeError(f"{kind}: HTTP {response.status_code}, expected {expect}")
            s = samples[kind]
            s.app_ms.append(cpu * 1000)
            s.pg_ms.append(pg / 1e6)
            s.wall_ms.append(wall * 1000)
    for i in range(min(repeats, 10)):  # queries: a separate pass, capturing costs CPU
        for kind in KINDS:
            call, _ = pages.request(kind, i)
            with CaptureQueriesContext(connection) as captured:
                call()
            samples[kind].queries.append(len(captured.captured_queries))
    return samples


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def report(samples: dict[str, Sample]) -> dict[str, Any]:
    """Print the table; return the medians per kind and the mix's mean CPU per request."""
    out: dict[str, Any] = {}
    print(
        f"{'page':<16} {'queries':>7} {'app CPU':>9} {'PG CPU':>8} {'CPU':>8} {'wall':>8}"
        f"   (median of {len(samples['home'].app_ms)}, ms)"
    )
    for kind in KINDS:
        s = samples[kind]
        row = {
            "queries": int(_median(s.queries)),
            "app_ms": round(_median(s.app_ms), 1),
            "pg_ms": round(_median(s.pg_ms), 1),
            "wall_ms": round(_median(s.wall_ms), 1),
        }
        row["cpu_ms"] = round(row["app_ms"] + row["pg_ms"], 1)
        out[kind] = row
        print(
            f"{kind:<16} {row['queries']:>7} {row['app_ms']:>9.1f} {row['pg_ms']:>8.1f} "
            f"{row['cpu_ms']:>8.1f} {row['wall_ms']:>8.1f}"
        )
    mix = [statistics.fmean(samples[k].app_ms) + statistics.fmean(samples[k].pg_ms) for k in MIX]
    mean = sum(mix) / len(mix)
    cores = os.cpu_count() or 1
    out["mix_cpu_ms"] = round(mean, 1)
    detail(
        f"mix (the load benchmark's, each kind equally often): {mean:.1f} ms of CPU a request "
        f"(means), at most {cores * 1000 / mean:.0f} req/s on {cores} whole cores; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return out


def bench_pages() -> dict[str, Any]:
    print(f"pages: {USERNAME}, in-process test client, {REPEATS} rounds")
    return report(measure(REPEATS))
