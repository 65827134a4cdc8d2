"""Feed batches: a body the shop posted, stored once, imported once, with one status URL.

A batch is found again by the shop's ``batch_id`` (a re-send with the same id is the same batch;
the same id with another body is a conflict) or, without one, by the body's SHA-256 within
``SHOP_FEED_REPLAY_WINDOW`` seconds (a retried POST is the same batch; the same stock figures
sent again next day are a new batch). Small batches are imported in the request; large ones by
the ``import_feed_batch`` task, enqueued in the transaction that stores the batch.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.catalog import feed
from community.catalog.models import FeedBatch, FeedBatchStatus

BATCH_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class BatchConflict(Exception):
    """The shop reused a ``batch_id`` for a different body."""


def _client_batch_id(data) -> str | None:
    value = data.get("batch_id") if isinstance(data, dict) else None
    if value is None:
        return None
    if not isinstance(value, str) or not BATCH_ID_PATTERN.fullmatch(value):
        raise feed.FeedError(_("batch_id must be 1 to 64 letters, digits or . _ : -"))
    return value


def feed_batch_receive(*, body: bytes, data) -> tuple[FeedBatch, bool]:
    """Store a parsed feed body as a batch, or return the same batch received before.

    Returns ``(batch, created)``. Raises ``FeedError`` for a body of the wrong shape and
    ``BatchConflict`` for a known ``batch_id`` with another body. Large batches are enqueued for
    the worker in the same transaction.
    """
    rows = feed.feed_from_data(data)
    client_id = _client_batch_id(data)
    digest = feed.body_hash(body)
    payload = json.dumps({key: [row for _line, row in numbered] for key, numbered in rows.items()})
    count = sum(len(numbered) for numbered in rows.values())
    with transaction.atomic():
        previous = _previous_batch(client_id, digest)
        if previous is not None:
            return previous, False
        try:
            with transaction.atomic():
                batch = FeedBatch.objects.create(
                    client_batch_id=client_id, body_sha256=digest, payload=payload, rows=count
                )
        except IntegrityError:  # the same batch_id posted concurrently: the first one wins
            previous = _previous_batch(client_id, digest)
            if previous is None:
                raise
            return previous, False
        if count > settings.SHOP_FEED_SYNC_MAX_ROWS:
            from community.catalog.tasks import import_feed_batch

            import_feed_batch.enqueue(batch.pk)
    return batch, True


def _previous_batch(client_id: str | None, digest: str) -> FeedBatch | None:
    if client_id is not None:
        previous = FeedBatch.objects.filter(client_batch_id=client_id).first()
        if previous is not None and previous.body_sha256 != digest:
            raise BatchConflict(_("batch_id “%(id)s” was already used for a different body") % {"id": client_id})
        return previous
    since = timezone.now() - timezone.timedelta(seconds=settings.SHOP_FEED_REPLAY_WINDOW)
    return (
        FeedBatch.objects.filter(client_batch_id=None, body_sha256=digest, created__gte=since)
        .order_by("-pk").first()
    )


def feed_batch_import(*, batch_id: int) -> FeedBatch:
    """Import a stored batch unless it is finished already; returns the batch with its result.

    Idempotent: a finished batch is returned as it is; a batch left ``running`` by a worker
    that died is imported again, which adds nothing already imported (the import is).
    """
    with transaction.atomic():
        batch = FeedBatch.objects.select_for_update().get(pk=batch_id)
        if batch.is_finished:
            return batch
        batch.status = FeedBatchStatus.RUNNING
        batch.attempts += 1
        batch.save(update_fields=["status", "attempts"])
    rows = feed.feed_from_data(json.loads(batch.payload))
    report = feed.feed_import(purchases=rows["purchases"], stock=rows["stock"])
    batch.status, batch.result, batch.finished = FeedBatchStatus.DONE, report.as_dict(), timezone.now()
    batch.save(update_fields=["status", "result", "finished"])
    return batch


def feed_batch_fail(*, batch_id: int, reason: str) -> None:
    """Record that a batch could not be imported (the rows already imported stay)."""
    FeedBatch.objects.filter(pk=batch_id).exclude(status=FeedBatchStatus.DONE).update(
        status=FeedBatchStatus.FAILED, failure=reason[:2000], finished=timezone.now()
    )


def feed_batch_state(batch: FeedBatch) -> dict:
    """What the endpoint and the status URL answer: the same shape whether done or not."""
    result = batch.result or {}
    return {
        "batch": batch.pk,
        "batch_id": batch.client_batch_id,
        "status": batch.status,
        "rows": batch.rows,
        "imported": result.get("imported"),
        "already_present": result.get("already_present"),
        "stock_updated": result.get("stock_updated"),
        "errors": result.get("errors", []),
        "failure": batch.failure or None,
        "received": batch.created.isoformat(),
        "finished": batch.finished.isoformat() if batch.finished else None,
    }
