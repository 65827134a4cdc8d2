"""Keeping the index in step with the database, after each commit.

``update_index(keys)`` is the one function that writes changes to the index: it rebuilds the
records of ``keys`` from the database and indexes what is published, removing the rest. It is
idempotent (running it twice, or late, gives the same index), so it can run as a background
task once the task queue exists; until then ``schedule`` runs it after the transaction that
made the change commits, so a rolled-back change never reaches the index and a hidden review
is gone as soon as the hiding commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction

from search.engines import get_engine
from search.records import records_for_keys

logger = logging.getLogger(__name__)


def update_index(keys: list[str]) -> tuple[int, int]:
    """Re-read ``keys`` (``"review:12"``, …) from the database; index or remove each.

    Returns (indexed, removed). A failure is logged, never raised into the request that
    caused it: ``manage.py reindex --check`` finds and ``reindex`` repairs what it missed.
    """
    try:
        records, gone = records_for_keys(keys)
        engine = get_engine()
        return engine.index(records), engine.remove(gone)
    except Exception:
        logger.exception("search index update failed for %d keys", len(keys))
        return 0, 0


def schedule(keys: Iterable[str]) -> None:
    """Update the index for ``keys`` once the current transaction commits (now outside one)."""
    keys = list(dict.fromkeys(keys))
    if keys:
        transaction.on_commit(lambda: update_index(keys))
