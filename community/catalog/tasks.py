"""Background tasks of the catalog: importing large shop-feed batches, delivering webhooks."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import TaskContext, task

from community.background import TRANSIENT_ERRORS, retried_on_transient_errors
from community.catalog import feed_batches, webhooks


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


@task()
def deliver_webhook(delivery_id: int) -> dict:
    """One attempt of a webhook delivery; schedules the next one itself while retries remain
    (``WEBHOOK_RETRY_DELAYS``). Idempotent: a finished delivery is left alone."""
    outcome = webhooks.webhook_deliver(delivery_id=delivery_id)
    if outcome.retry_in is not None:
        deliver_webhook.using(run_after=timezone.now() + timedelta(seconds=outcome.retry_in)).enqueue(delivery_id)
    return {"delivery": delivery_id, "delivered": outcome.delivered, "retry_in": outcome.retry_in}
