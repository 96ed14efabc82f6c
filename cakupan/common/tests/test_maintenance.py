"""``cakupan maintenance``: expired sessions, sign-in failures past the lock time and old job
results go; what is still live stays; a second run deletes nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cakupan.accounts.throttle import lockout_for

pytestmark = pytest.mark.django_db


def _session(expires: dt.datetime) -> str:
    store = SessionStore()
    store["cari"] = "token"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expires)
    assert store.session_key is not None
    return store.session_key


def _failures(username: str, at: dt.datetime, failures: int) -> None:
    attempt = AccessAttempt.objects.create(
        username=username, ip_address="10.0.0.9", user_agent="uji", http_accept="*/*",
        path_info="/masuk/", get_data="", post_data="", failures_since_start=failures,
    )  # fmt: skip
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=at)


def _task(status: str, finished: dt.datetime | None) -> None:
    DBTaskResult.objects.create(
        status=status, finished_at=finished, args_kwargs={"args": [], "kwargs": {}},
        task_path="cakupan.intake.tasks.uji", backend_name="default", run_after=finished or timezone.now(),
        exception_class_path="", traceback="",
    )  # fmt: skip


def run(capsys: pytest.CaptureFixture[str]) -> Any:
    call_command("maintenance", "--json")
    return json.loads(capsys.readouterr().out)


@override_settings(ACCOUNTS_LOCKOUT_MINUTES=15, AXES_COOLOFF_TIME=dt.timedelta(minutes=15))
def test_maintenance_deletes_only_what_expired_and_is_idempotent(
    capsys: pytest.CaptureFixture[str],
) -> None:
    now = timezone.now()
    live = _session(now + dt.timedelta(hours=1))
    _session(now - dt.timedelta(minutes=1))
    _session(now - dt.timedelta(days=40))
    _failures("lama", now - dt.timedelta(minutes=16), 3)
    _failures("terkunci", now - dt.timedelta(minutes=5), 10)
    _task("SUCCESSFUL", now - dt.timedelta(days=31))
    _task("FAILED", now - dt.timedelta(days=31))
    _task("SUCCESSFUL", now - dt.timedelta(days=29))
    _task("READY", None)

    assert run(capsys) == {"sessions": 2, "signin_attempts": 1, "task_results": 2}

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["terkunci"]
    lock = lockout_for(username="terkunci", ip=None)
    assert lock is not None and lock.failures == 10  # the live lock is untouched
    assert sorted(DBTaskResult.objects.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]

    assert run(capsys) == {"sessions": 0, "signin_attempts": 0, "task_results": 0}


def test_maintenance_prints_what_it_did_in_indonesian(capsys: pytest.CaptureFixture[str]) -> None:
    _session(timezone.now() - dt.timedelta(days=1))
    call_command("maintenance")
    assert capsys.readouterr().out.splitlines() == [
        "Sesi kedaluwarsa dihapus: 1",
        "Catatan gagal masuk kedaluwarsa dihapus: 0",
        "Hasil tugas latar belakang lama dihapus: 0",
    ]
