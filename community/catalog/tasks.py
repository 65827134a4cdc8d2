"""Background tasks of the catalog: importing large shop-feed batches."""

from __future__ import annotations

from django_tasks import TaskContext, task

from community.background import TRANSIENT_ERRORS, retried_on_transient_errors
from community.catalog import feed_batches


@task(takes_context=True)
def import_feed_batch(context: TaskContext, batch_id: int, attempt: int = 1) -> dict | None:
    """Import the stored feed batch ``batch_id`` (idempotent); retried when the database hiccups."""

    def give_up(error: BaseException) -> None:
        feed_batches.feed_batch_fail(batch_id=batch_id, reason=f"{type(error).__name__}: {error}")

    with retried_on_transient_errors(context, attempt=attempt, args=(batch_id,), on_give_up=give_up):
        try:
            batch = feed_batches.feed_batch_import(batch_id=batch_id)
        except Exception as error:
            if not isinstance(error, TRANSIENT_ERRORS):  # a bug or bad stored data: final, recorded
                give_up(error)
            raise
        return {"batch": batch.pk, "status": batch.status}
    return None
