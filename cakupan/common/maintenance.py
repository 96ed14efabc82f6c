"""Housekeeping that nothing else does: rows that have served their purpose and only pile up.

Run daily (``cakupan maintenance --json``, README "Production", with the cron line). Each step
deletes only what has expired by its own rule, so running it again at once deletes nothing more and
running it late catches up:

* expired sessions (Django's ``clearsessions``): a session row outlives its cookie, and a search
  (``common.search``) keeps its text in the session until then;
* failed sign-ins that no longer count towards a lock (django-axes' records older than the lock
  time, the rule of ``accounts.throttle``); what a lock reads is untouched;
* background job results (django-tasks) finished more than :data:`TASK_RESULT_DAYS` days ago; the
  intake batch keeps its own state, the result row only the job's arguments and outcome.

The audit log is never touched, and retention of personal data is ``cakupan privacy purge`` (its
own periods, monthly).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from importlib import import_module

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.base_session import AbstractBaseSession
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

#: Finished background job results are kept this many days (for the admin's task list).
TASK_RESULT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Housekeeping:
    """How many rows each step deleted (``sessions`` is None for a session engine without rows)."""

    sessions: int | None
    signin_attempts: int
    task_results: int

    def as_dict(self) -> dict[str, int | None]:
        return asdict(self)


def _expired_sessions(now: dt.datetime) -> int | None:
    engine = import_module(settings.SESSION_ENGINE)
    store = engine.SessionStore
    count: int | None = None
    get_model = getattr(store, "get_model_class", None)
    if get_model is not None:
        model: type[AbstractBaseSession] = get_model()
        count = model.objects.filter(expire_date__lt=now).count()
    # The engine's own clean-up (what ``clearsessions`` calls): engine-independent.
    store.clear_expired()
    return count


def _expired_attempts(now: dt.datetime) -> int:
    # Axes's own clean-up needs a request; this is its rule (a record counts for the lock time after
    # its last failure), with the longer of the two settings that name the lock time.
    lock = max(settings.AXES_COOLOFF_TIME, dt.timedelta(minutes=settings.ACCOUNTS_LOCKOUT_MINUTES))
    _, per_model = AccessAttempt.objects.filter(attempt_time__lt=now - lock).delete()
    return int(per_model.get(AccessAttempt._meta.label, 0))


def housekeeping() -> Housekeeping:
    """Delete expired sessions, sign-in attempts past the lock time and old job results."""
    now = timezone.now()
    sessions = _expired_sessions(now)
    attempts = _expired_attempts(now)
    tasks, _ = (
        DBTaskResult.objects.finished()
        .filter(finished_at__lt=now - dt.timedelta(days=TASK_RESULT_DAYS))
        .delete()
    )
    return Housekeeping(sessions=sessions, signin_attempts=attempts, task_results=tasks)
