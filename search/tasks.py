"""Background tasks of search: bulk index updates after commits (see search/indexer.py), and the
words buyers mention, recomputed a while after a product's reviews change (search/mentions.py)."""

from __future__ import annotations

from django_tasks import TaskContext, task

from community.background import retried_on_transient_errors
from search import indexer, mentions


@task(takes_context=True)
def update_index(context: TaskContext, keys: list[str], attempt: int = 1) -> dict | None:
    """Re-read ``keys`` and index or remove each (idempotent: a rerun gives the same index);
    retried when the database hiccups."""
    with retried_on_transient_errors(context, attempt=attempt, args=(keys,)):
        indexed, removed = indexer.update_index(keys, raise_errors=True)
        return {"indexed": indexed, "removed": removed}
    return None


@task(takes_context=True)
def refresh_mentions(context: TaskContext, product_ids: list[int], attempt: int = 1) -> dict | None:
    """Recompute and store the mentions of ``product_ids`` (idempotent); retried when the
    database hiccups."""
    mentions.started(product_ids)
    with retried_on_transient_errors(context, attempt=attempt, args=(product_ids,)):
        return {"refreshed": mentions.refresh(product_ids)}
    return None
