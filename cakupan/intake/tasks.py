"""Background work: a thin wrapper that loads ids and calls the service."""

from __future__ import annotations

from django_tasks import task

from cakupan.accounts.audit import Actor
from cakupan.accounts.models import User
from cakupan.intake import services
from cakupan.intake.models import ImportBatch
from cakupan.intake.schema import FileError


@task()
def process_batch(
    batch_id: int, *, commit: bool, user_id: int | None, source: str
) -> dict[str, object]:
    """Check (or commit) one batch in the worker; progress is written to the batch as it goes.

    Idempotent: running it again for the same batch redoes the same work with the same result, so a
    worker killed in the middle (its transaction rolled back) is completed by a rerun.
    """
    batch = ImportBatch.objects.select_related("unit", "unit__region").get(pk=batch_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    actor = Actor(user=user, source=source) if user else Actor.system(source=source)
    try:
        outcome = services.batch_process(batch=batch, actor=actor, commit=commit)
    except FileError as error:
        return {"batch": batch_id, "error": {"code": error.code, "message": error.message}}
    return {"batch": batch_id, "status": outcome.batch.status, "rows": outcome.batch.rows}
