"""«Покупатели упоминают»: the words buyers use about a product more than about its category.

The engine computes them from the product's indexed reviews against its category's
(``significant_terms``: the database engine reads and stems up to 2,500 reviews), which is too
slow for a request. So they are stored (:class:`search.models.ProductMentions`), and the
product page reads the row with its route's query (``product_page_related``), at no query of
its own. They are recomputed:

* in the background, ``SEARCH_MENTIONS_DELAY_SECONDS`` after the index changes for a
  product's reviews (:func:`schedule`, called by the indexer): one task per product per
  delay, however many reviews are written, voted or hidden meanwhile (a flag in the shared
  cache, cleared when the task starts, so a change during the run schedules the next one);
* for every product by ``manage.py reindex`` and the demo (:func:`refresh_all`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from search.engines import get_engine
from search.models import ProductMentions

logger = logging.getLogger(__name__)

LIMIT = 8
_PENDING = "search:mentions:pending:{}"


def refresh(product_ids: Iterable[int]) -> int:
    """Recompute and store the mentions of ``product_ids``; returns how many were stored.

    A product the engine finds nothing for gets an empty row (shown as no chips), and a product
    that no longer exists is skipped."""
    from community.catalog.models import ProductPage

    engine = get_engine()
    existing = set(ProductPage.objects.filter(pk__in=set(product_ids)).values_list("pk", flat=True))
    rows = [ProductMentions(product_id=pk, computed_at=timezone.now(),
                            words=[[word, count] for word, count in engine.significant_terms(pk, limit=LIMIT)])
            for pk in sorted(existing)]
    ProductMentions.objects.bulk_create(rows, update_conflicts=True, unique_fields=["product"],
                                        update_fields=["words", "computed_at"])
    return len(rows)


def refresh_all(*, progress: Callable[[int], None] | None = None, chunk_size: int = 100) -> int:
    """Recompute every product's mentions (``reindex``, the demo); returns how many."""
    from community.catalog.models import ProductPage

    ids = list(ProductPage.objects.order_by("pk").values_list("pk", flat=True))
    done = 0
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start:start + chunk_size]
        done += refresh(chunk)
        if progress:
            progress(len(chunk))
    ProductMentions.objects.exclude(product_id__in=ids).delete()
    return done


def schedule(product_ids: Iterable[int]) -> int:
    """Recompute these products' mentions in the background after the delay, unless that is
    already scheduled (one task for them all); returns how many products were scheduled."""
    from search.tasks import refresh_mentions

    delay = settings.SEARCH_MENTIONS_DELAY_SECONDS
    due: list[int] = []
    try:  # never fails the index update that asked: the next change (or reindex) tries again
        due = [pk for pk in dict.fromkeys(product_ids)
               if pk is not None and cache.add(_PENDING.format(pk), 1, timeout=delay + 3600)]
        if due:
            task = refresh_mentions.using(run_after=timezone.now() + timedelta(seconds=delay)) if delay else refresh_mentions
            task.enqueue(due)
    except Exception:  # the cache or the queue is unavailable
        logger.exception("could not schedule the mentions of %d products", len(due))
        with contextlib.suppress(Exception):  # else the flags expire by themselves
            cache.delete_many([_PENDING.format(pk) for pk in due])
        return 0
    return len(due)


def started(product_ids: Iterable[int]) -> None:
    """The task has started: a change from now on schedules another run."""
    cache.delete_many([_PENDING.format(pk) for pk in product_ids])


def for_page(page) -> list[tuple[str, int]]:
    """The product's stored mentions: from the route's join when it brought them, else read."""
    if "buyers_mention" in page._state.fields_cache:
        row = page._state.fields_cache["buyers_mention"]
    else:
        row = ProductMentions.objects.filter(product_id=page.pk).first()
    return [tuple(pair) for pair in row.words] if row is not None else []
