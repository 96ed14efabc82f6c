"""Load benchmark (issue 13 item 9): ``cakupan serve`` under 50 signed-in sessions for 60 seconds.

Called by ``make bench BENCH=load`` (``cakupan.bench.__main__``) once the test database exists:

1. loads the demo data into the bench's throwaway PostgreSQL exactly as ``cakupan demo`` does, and
   gives the admin kabupaten of Luwu Timur (``admin.lutim``) a password hash of the production
   hasher (the bench process hashes with the tests' MD5, which production settings do not accept);
2. starts ``cakupan serve`` as a real subprocess on a free loopback port, with the production
   settings (``cakupan.config.settings.base``: manifest static files, DEBUG off), a temporary
   ``CAKUPAN_DATA_DIR`` and ``DATABASE_URL`` pointing at the bench's database;
3. signs in ``SESSIONS`` browsers (the login form GET, then its POST with the CSRF token; demo
   sign-ins skip the second factor, ``CAKUPAN_DEMO_WITHOUT_MFA=1``), then runs them in a closed
   loop with no think time for ``SECONDS``: each repeats home, the people list (a random one of
   its first 20 pages), the membership list filtered by segment and status, a person's detail page
   and a search (the form's POST, answered 303 to ``?cari=<token>``, and the result page); the
   search text is a name part, a 6-digit NIK prefix or a whole NIK;
4. runs the same sessions (both servers share one secret key) against the development server
   ``cakupan serve`` ran before (``serve --dev --no-reload``, Django's threaded runserver): the
   yardstick of the same run.

PostgreSQL runs with ``fsync`` and synchronous commit on meanwhile (the throwaway server has them off):
every page writes the audit log and commits, and production pays for those commits.

Each request is timed from sending to the last byte of the body; an error is any other status
than the page's (200, 303 for the search POST) or a failed connection. The clients are threads
over ``http.client`` with keep-alive; their CPU is printed beside the server's and PostgreSQL's,
since client, server and database share the machine's cores.

Targets (issue 13 item 9): p95 of every request <= 500 ms and no errors, at 50 sessions for 60 s.
``CAKUPAN_BENCH_SCALE`` shrinks sessions and seconds; the verdict is then not judged. For tuning:
``CAKUPAN_BENCH_LOAD_SECONDS`` (a run under 60 s is not judged), ``CAKUPAN_BENCH_SERVE_ARGS``
(e.g. ``--workers 3 --threads 2``), ``CAKUPAN_BENCH_LOAD_BASELINE=0`` (no yardstick) and
``CAKUPAN_BENCH_LOAD_THINK`` (mean think time in seconds; not judged). ``bench_load()`` also runs
from ``cakupan shell`` on a database that already holds the demo (``cakupan demo``), without the
minutes of loading it.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.core.management import call_command

from cakupan.bench.harness import (
    SCALE,
    _children,
    _postmaster_pid,
    cakupan_environment,
    detail,
    durable_commits,
    verdict,
)

SESSIONS = max(2, round(50 * SCALE))
SECONDS = max(5.0, 60 * SCALE)
# For tuning runs (docs/benchmarks.md): a shorter run, extra ``cakupan serve`` arguments, no
# yardstick. A run shorter than 60 s is not judged.
SECONDS = float(os.environ.get("CAKUPAN_BENCH_LOAD_SECONDS") or SECONDS)
SERVE_ARGS = os.environ.get("CAKUPAN_BENCH_SERVE_ARGS", "").split()
WITH_BASELINE = os.environ.get("CAKUPAN_BENCH_LOAD_BASELINE", "1") != "0"
# Mean think time between a session's requests (seconds; each pause drawn from 0.5x-1.5x): 0, the
# closed loop the target is set for, unless given.
THINK = float(os.environ.get("CAKUPAN_BENCH_LOAD_THINK") or 0)
TARGET_P95 = 0.500
USERNAME = "admin.lutim"
HOST = "127.0.0.1"
KINDS = ("home", "list", "list filtered", "detail", "search POST", "search results")
LIST_PAGES = 20
_CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --------------------------------------------------------------------------------------------
# A browser session: cookies and one keep-alive connection


class Session:
    """One signed-in browser: its cookies and its own HTTP/1.1 connection to the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.resent = 0

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, bytes]:
        """Status, Location header and body of one request; cookies are kept as a browser would."""
        headers = {
            "Host": f"{HOST}:{self.port}",
            "User-Agent": "cakupan-bench-load",
            "Accept": "text/html",
            "Accept-Language": "id",
        }
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        # A kept-alive connection the server closed while it was idle (gunicorn after its
        # ``keepalive`` seconds) fails before any answer; a browser then sends the request again on
        # a new connection, and so do we, once, counting it.
        reused = self.conn.sock is not None
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()
            if not reused:
                raise
            self.resent += 1
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request opens a new connection
            raise
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            cookie_value = rest.split(";", 1)[0]
            if "max-age=0" in value.lower() or not cookie_value or cookie_value == '""':
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = cookie_value
        return response.status, response.headers.get("Location", ""), data

    def sign_in(self, password: str) -> None:
        status, _, page = self.request("GET", "/akun/masuk/")
        match = _CSRF_INPUT.search(page)
        if status != 200 or match is None:
            raise RuntimeError(f"login page: HTTP {status}")
        status, location, _ = self.request(
            "POST",
            "/akun/masuk/",
            {
                "csrfmiddlewaretoken": match.group(1).decode(),
                "username": USERNAME,
                "password": password,
                "next": "",
            },
        )
        if status != 302 or urlsplit(location).path != "/" or "sessionid" not in self.cookies:
            raise RuntimeError(f"sign-in: HTTP {status} to {location!r}")

    def close(self) -> None:
        self.conn.close()

    def retarget(self, port: int) -> None:
        """The same browser session against a server on ``port`` (same database and secret key)."""
        self.conn.close()
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=60)
        self.resent = 0


# --------------------------------------------------------------------------------------------
# The server under test


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """``cakupan serve`` running in a subprocess; its output goes to files under ``workdir``."""

    args: list[str]
    workdir: Path
    secret_key: str
    port: int = field(default_factory=_free_port)
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # One secret key for both servers: the same sessions sign in once.
        env = cakupan_environment(self.workdir, self.secret_key) | {"CAKUPAN_DEMO_WITHOUT_MFA": "1"}
        command = [sys.executable, "-m", "cakupan.cli", "serve", "--addr", f"{HOST}:{self.port}"]
        with (
            open(self.workdir / "stdout.log", "ab") as out,
            open(self.workdir / "stderr.log", "ab") as err,
        ):
            self.process = subprocess.Popen(
                [*command, *self.args, "--no-worker", "--keep-db"],
                cwd=settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=err,
            )
        deadline = time.monotonic() + 180  # collectstatic and Django's start-up on a busy machine
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}): {self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                probe = http.client.HTTPConnection(HOST, self.port, timeout=5)
                probe.request("GET", "/akun/masuk/")
                if probe.getresponse().status == 200:
                    probe.close()
                    return
                probe.close()
            time.sleep(0.5)
        raise RuntimeError(f"server did not answer in time: {self.tail()}")

    def stop(self) -> float:
        """SIGTERM (graceful for gunicorn); seconds until the process had exited."""
        if self.process is None or self.process.poll() is not None:
            return 0.0
        start = time.perf_counter()
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.perf_counter() - start

    def tail(self) -> str:
        path = self.workdir / "stderr.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def _cpu_by_process(pid: int | None) -> dict[int, float]:
    """CPU seconds of ``pid`` and of each of its children (a child's reaped children included)."""
    if pid is None:
        return {}
    ticks = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for each in (pid, *_children(pid)):
        try:
            with open(f"/proc/{each}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # After the ")": state ppid ... utime is the 12th field, stime, cutime, cstime follow.
        out[each] = sum(int(x) for x in fields[11:15]) / ticks
    return out


def _cpu_seconds(pid: int | None) -> float:
    """CPU time of ``pid`` and of its children, living and (through cutime/cstime) reaped."""
    return sum(_cpu_by_process(pid).values())


# --------------------------------------------------------------------------------------------
# The load


@dataclass
class Workload:
    """What the sessions ask for: people in scope, list filters, search texts."""

    person_ids: list[int]
    list_pages: int
    filters: list[str]
    searches: list[str]
    people: int = 0  # in the admin's scope


@dataclass
class Result:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_examples: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.samples[kind].append(seconds)
            else:
                self.errors[kind] += 1
                if len(self.error_examples) < 5:
                    self.error_examples.append(f"{kind}: {error}")

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.samples.values()) + sum(self.errors.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _timed(
    result: Result, session: Session, kind: str, method: str, path: str, expect: int, **kw: Any
) -> str:
    start = time.perf_counter()
    try:
        status, location, _ = session.request(method, path, **kw)
    except (OSError, http.client.HTTPException) as exc:
        result.add(kind, time.perf_counter() - start, f"{type(exc).__name__}: {exc}")
        return ""
    elapsed = time.perf_counter() - start
    error = None if status == expect else f"HTTP {status} for {method} {path} (to {location!r})"
    result.add(kind, elapsed, error)
    return location if error is None else ""


def _loop(session: Session, workload: Workload, result: Result, seed: int, until: float) -> None:
    rng = random.Random(seed)
    step = seed  # sessions start at different pages, so the mix is even at every instant
    while time.monotonic() < until:
        if THINK:
            time.sleep(THINK * rng.uniform(0.5, 1.5))
        kind = KINDS[step % 5]
        step += 1
        if kind == "home":
            _timed(result, session, kind, "GET", "/", 200)
        elif kind == "list":
            page = rng.randint(1, workload.list_pages)
            _timed(result, session, kind, "GET", f"/orang/?page={page}", 200)
        elif kind == "list filtered":
            _timed(
                result, session, kind, "GET", f"/kepesertaan/?{rng.choice(workload.filters)}", 200
            )
        elif kind == "detail":
            _timed(result, session, kind, "GET", f"/orang/{rng.choice(workload.person_ids)}/", 200)
        else:
            form = {
                "csrfmiddlewaretoken": session.cookies.get("csrftoken", ""),
                "_cari": "1",
                "q": rng.choice(workload.searches),
            }
            location = _timed(result, session, "search POST", "POST", "/orang/", 303, form=form)
            if location:
                target = urlsplit(location)
                _timed(
                    result, session, "search results", "GET", f"{target.path}?{target.query}", 200
                )


def sign_in_all(port: int, password: str) -> tuple[list[Session], float]:
    """SESSIONS signed-in sessions (8 at a time) and the seconds it took."""
    sessions = [Session(port) for _ in range(SESSIONS)]
    started = time.perf_counter()
    errors: list[BaseException] = []

    def sign_in(chunk: list[Session]) -> None:
        try:
            for s in chunk:
                s.sign_in(password)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    signers = [threading.Thread(target=sign_in, args=(sessions[i::8],)) for i in range(8)]
    for t in signers:
        t.start()
    for t in signers:
        t.join()
    if errors:
        raise RuntimeError(f"signing in failed: {errors[0]}")
    return sessions, time.perf_counter() - started


def run_load(server: Server, sessions: list[Session], workload: Workload) -> dict[str, Any]:
    """Run the signed-in sessions against ``server`` for SECONDS; what it did meanwhile."""
    for s in sessions:  # idle since signing in (or on another server): fresh connections
        s.retarget(server.port)
    result = Result()
    assert server.process is not None
    server_cpu, pg_pid = _cpu_seconds(server.process.pid), _postmaster_pid()
    per_process = _cpu_by_process(server.process.pid)
    pg_cpu, client_cpu = _cpu_seconds(pg_pid), time.process_time()
    load_before = os.getloadavg()
    start = time.perf_counter()
    until = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=_loop, args=(s, workload, result, i, until), daemon=True)
        for i, s in enumerate(sessions)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    client_cpu = time.process_time() - client_cpu
    server_cpu = _cpu_seconds(server.process.pid) - server_cpu
    # gunicorn: how evenly the workers shared the work (kept-alive connections stay on the worker
    # that accepted them).
    spread = sorted(
        (
            round(cpu - per_process.get(pid, 0.0), 1)
            for pid, cpu in _cpu_by_process(server.process.pid).items()
        ),
        reverse=True,
    )
    pg_cpu = _cpu_seconds(pg_pid) - pg_cpu
    for s in sessions:
        s.close()
    everything = [x for values in result.samples.values() for x in values]
    return {
        "result": result,
        "wall": wall,
        "requests": result.requests,
        "rps": result.requests / wall,
        "p50": _percentile(everything, 50),
        "p95": _percentile(everything, 95),
        "p99": _percentile(everything, 99),
        "errors": result.error_count,
        "resent": sum(s.resent for s in sessions),
        "cpu": {"client": client_cpu, "server": server_cpu, "postgres": pg_cpu, "spread": spread},
        "load_before": load_before,
    }


def _report(name: str, run: dict[str, Any]) -> None:
    result: Result = run["result"]
    print(
        f"{name:<34} {run['requests']:>8} req  {run['wall']:6.1f} s  {run['rps']:7.1f} req/s  "
        f"p50 {run['p50'] * 1000:5.0f} ms  p95 {run['p95'] * 1000:5.0f} ms  "
        f"p99 {run['p99'] * 1000:5.0f} ms  errors {run['errors']}"
    )
    if run["resent"]:
        detail(f"{run['resent']} requests sent again on a new connection (idle keep-alive closed)")
    for kind in KINDS:
        values = result.samples.get(kind, [])
        detail(
            f"{kind:<15} {len(values):>6} ok {result.errors.get(kind, 0):>4} err   "
            f"p50 {_percentile(values, 50) * 1000:5.0f}  p95 {_percentile(values, 95) * 1000:5.0f}"
            f"  p99 {_percentile(values, 99) * 1000:5.0f} ms"
        )
    cpu, cores = run["cpu"], os.cpu_count() or 1
    detail(
        f"CPU over the run ({cores} cores = {cores * run['wall']:.0f} core-s): "
        f"server {cpu['server']:.0f} s, PostgreSQL {cpu['postgres']:.0f} s, "
        f"client {cpu['client']:.0f} s ({cpu['client'] / run['wall']:.0%} of one core); "
        f"{(cpu['server'] + cpu['postgres']) / max(run['requests'], 1) * 1000:.0f} ms of server "
        f"and database CPU a request; per server process {cpu['spread']} s; load average "
        f"before {run['load_before'][0]:.2f}"
    )
    for example in result.error_examples:
        detail(f"error: {example}")


# --------------------------------------------------------------------------------------------
# Setup and the run


def workload_for(admin: Any) -> Workload:
    """What the sessions of ``admin`` ask for: 500 people of its scope (a fixed sample), the list
    filters of every segment, and search texts (names, NIK prefixes, whole NIKs) of those people.
    The page benchmark (``bench.pages``) measures the same workload in process."""
    from cakupan.registry.models import MembershipStatus, Segment
    from cakupan.registry.selectors import person_search

    people = list(person_search(user=admin).values_list("pk", "nik", "name"))
    if not people:
        raise RuntimeError(f"{admin.username} sees no people in the demo data")
    rng = random.Random(13)
    sample = rng.sample(people, min(len(people), 500))
    searches = (
        [name.split()[0] for _, _, name in sample[:40]]
        + [nik[:6] for _, nik, _ in sample[40:50]]
        + [nik for _, nik, _ in sample[50:90]]
    )
    filters = [
        urlencode({"segment": segment, "status": MembershipStatus.ACTIVE})
        for segment in Segment.values
    ]
    pages = max(1, min(LIST_PAGES, len(people) // 50))  # 50 a page (registry.views)
    return Workload([pk for pk, _, _ in sample], pages, filters, searches, len(people))


def _prepare() -> tuple[Workload, str]:
    """The demo data as ``cakupan demo`` loads them; the admin's password hashed for production."""
    from cakupan.accounts.models import User
    from cakupan.demo.services import demo_password

    started = time.perf_counter()
    call_command("demo", skip_static=True, as_json=True, stdout=io.StringIO())
    password = demo_password()
    admin = User.objects.get(username=USERNAME)
    admin.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
    admin.save(update_fields=["password"])
    workload = workload_for(admin)
    detail(
        f"demo data loaded in {time.perf_counter() - started:.0f} s: {USERNAME} sees "
        f"{workload.people:,} people"
    )
    return workload, password


@contextlib.contextmanager
def _serving(args: list[str], workdir: Path, secret_key: str) -> Iterator[Server]:
    server = Server(args=args, workdir=workdir, secret_key=secret_key)
    server.start()
    try:
        yield server
    finally:
        stopped = server.stop()
        detail(f"server stopped by SIGTERM in {stopped:.1f} s (exit {server.process.returncode})")  # type: ignore[union-attr]


def bench_load() -> dict[str, Any]:
    load = os.getloadavg()
    print(
        f"load: {SESSIONS} sessions as {USERNAME}, {SECONDS:.0f} s each, think time {THINK:g} s, "
        "PostgreSQL "
        f"with fsync and synchronous commit on; load average before {load[0]:.2f} {load[1]:.2f} "
        f"{load[2]:.2f}"
    )
    workload, password = _prepare()
    with durable_commits():
        return _compare(workload, password)


def _compare(workload: Workload, password: str) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="cakupan-bench-load-"))
    baseline: dict[str, Any] | None = None
    secret_key = secrets.token_urlsafe(50)
    try:
        with _serving(SERVE_ARGS, workdir, secret_key) as server:
            sessions, seconds = sign_in_all(server.port, password)
            detail(f"{SESSIONS} sessions signed in in {seconds:.1f} s")
            ours = run_load(server, sessions, workload)
        _report(f"cakupan serve {' '.join(SERVE_ARGS) or '(gunicorn)'}", ours)
        if WITH_BASELINE:
            with _serving(["--dev", "--no-reload"], workdir, secret_key) as server:
                baseline = run_load(server, sessions, workload)
            _report("baseline: serve --dev (runserver), the same sessions", baseline)
            detail(
                f"throughput x{ours['rps'] / baseline['rps']:.2f}, p95 "
                f"x{baseline['p95'] / ours['p95']:.2f} against the development server"
            )
        targets = [
            (
                f"p95 over all requests <= {TARGET_P95 * 1000:.0f} ms",
                f"{ours['p95'] * 1000:.0f} ms",
                ours["p95"] <= TARGET_P95,
            ),
            ("errors (no 5xx, no refused connection)", str(ours["errors"]), ours["errors"] == 0),
        ]
        for name, value, ok in targets:
            if (SECONDS < 60 or THINK) and SCALE == 1:
                print(
                    f"  target {name:<46} {value:>14}  NOT JUDGED ({SECONDS:g} s, think time "
                    f"{THINK:g} s; set at 60 s, think time 0)"
                )
            else:
                verdict(name, value, ok)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return {"ours": ours, "baseline": baseline}
