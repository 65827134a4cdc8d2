"""Keeping the index in step with the database, after each commit.

``update_index(keys)`` is the one function that writes changes to the index: it rebuilds the
records of ``keys`` from the database and indexes what is published, removing the rest. It is
idempotent (running it twice, or late, gives the same index).

Two ways to call it, both after the transaction that made the change commits (a rolled-back
change never reaches the index):

* ``schedule(keys)`` — new and edited content, votes, stock, moves: one background task per
  event with all its keys (``search.tasks.update_index``, the django-tasks queue), so a
  request never waits for the index.
* ``schedule_now(keys)`` — content that may have become invisible (hidden, removed,
  unpublished): updated synchronously right after the commit, so a hidden review is gone from
  results the moment the hiding commits, not when a worker gets to it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from search import mentions
from search.engines import get_engine
from search.records import records_for_keys

logger = logging.getLogger(__name__)


def update_index(keys: list[str], *, raise_errors: bool = False) -> tuple[int, int]:
    """Re-read ``keys`` (``"review:12"``, …) from the database; index or remove each.

    Returns (indexed, removed). Unless ``raise_errors`` (the task, which retries), a failure is
    logged, never raised into the request that caused it: ``manage.py reindex --check`` finds
    and ``reindex`` repairs what it missed.
    """
    try:
        records, gone, reviewed = records_for_keys(keys)
        engine = get_engine()
        done = engine.index(records), engine.remove(gone)
        mentions.schedule(reviewed)  # the words buyers mention, recomputed a while later
        return done
    except Exception:
        if raise_errors:
            raise
        logger.exception("search index update failed for %d keys", len(keys))
        return 0, 0


def _enqueue(keys: list[str]) -> None:
    from search.tasks import update_index as update_index_task

    try:
        update_index_task.enqueue(keys)
    except Exception:  # the queue is unavailable: do it now rather than lose the change
        logger.exception("could not enqueue the search index update; updating %d keys now", len(keys))
        update_index(keys)


def schedule(keys: Iterable[str]) -> None:
    """Update the index for ``keys`` in the background once the current transaction commits."""
    keys = list(dict.fromkeys(keys))
    if keys:
        transaction.on_commit(lambda: _enqueue(keys))


def schedule_now(keys: Iterable[str]) -> None:
    """Update the index for ``keys`` right after the commit, in this process (visibility
    changes: what was hidden must not be found a moment longer)."""
    keys = list(dict.fromkeys(keys))
    if keys:
        transaction.on_commit(lambda: update_index(keys))
