"""Write paths of the catalog: products' top-level category (kept right across page moves).

The shop feed's write paths (purchases, stock, feed batches) live in ``feed.py`` and
``feed_batches.py``; its background task in ``tasks.py``.
"""

from __future__ import annotations

from django.db import transaction

from community import events
from community.catalog.models import CategoryPage, ProductPage

# --- products' top-level category ------------------------------------------------------------------
#
# ``ProductPage.top_category`` keys Expert status, per-category reputation and the ledger. It is
# derived from the page's tree path, and Wagtail moves a page's descendants with raw SQL (no
# ``save()``), so it is kept here and called after every change of the tree (see
# ``community/catalog/receivers.py``), for the page and all its descendants.

TOP_DEPTH = 3  # root → home → top-level category
CategoryMoves = dict[int, tuple[int | None, int | None]]  # product id → (previous, current) category id


def _top_paths() -> dict[str, int]:
    return dict(CategoryPage.objects.filter(depth=TOP_DEPTH).values_list("path", "pk"))


def _due(path: str, tops: dict[str, int]) -> int | None:
    top_length = TOP_DEPTH * ProductPage.steplen
    return tops.get(path[:top_length]) if len(path) > top_length else None


def _apply(moves: CategoryMoves) -> None:
    by_category: dict[int | None, list[int]] = {}
    for product_id, (_previous, current) in moves.items():
        by_category.setdefault(current, []).append(product_id)
    for category_id, product_ids in sorted(by_category.items(), key=lambda item: item[0] or 0):
        ProductPage.objects.filter(pk__in=product_ids).update(top_category_id=category_id)


def product_categories_sync(*, page=None, fix: bool = True, chunk_size: int = 2000, progress=None) -> CategoryMoves:
    """Bring ``top_category`` of ``page`` and every product below it (every product when
    ``page`` is None) in line with the tree; return what differed.

    Each chunk of products is one transaction: the products are re-keyed and
    ``product_category_changed`` is sent with them, so what reputation keys on the category
    (the ledger, per-category totals, Expert statuses) follows in the same transaction. With
    ``fix=False`` nothing is written or sent. ``progress`` (a tqdm bar) advances per product.
    """
    tops = _top_paths()
    products = ProductPage.objects.order_by("pk")
    if page is not None:
        products = products.filter(path__startswith=page.path)
    found: CategoryMoves = {}
    last_pk = 0
    while True:
        chunk = list(products.filter(pk__gt=last_pk).values_list("pk", "path", "top_category_id")[:chunk_size])
        if not chunk:
            return found
        last_pk = chunk[-1][0]
        moves = {pk: (current, due) for pk, path, current in chunk if (due := _due(path, tops)) != current}
        if moves and fix:
            with transaction.atomic():
                _apply(moves)
                events.product_category_changed.send(sender=ProductPage, moves=moves)
        found.update(moves)
        if progress is not None:
            progress.update(len(chunk))


def product_category_sync(*, product: ProductPage) -> CategoryMoves:
    """The same for one product just saved (created, edited, copied, published): one query to
    find its top-level category, one update only when it differs."""
    if not product.path:
        return {}
    top_length = TOP_DEPTH * product.steplen
    top = CategoryPage.objects.filter(path=product.path[:top_length]).first() if len(product.path) > top_length else None
    due = top.pk if top else None
    if due == product.top_category_id:
        product.top_category = top  # the caller reads it next (the product page's sections do)
        return {}
    moves = {product.pk: (product.top_category_id, due)}
    with transaction.atomic():
        _apply(moves)
        product.top_category = top
        events.product_category_changed.send(sender=ProductPage, moves=moves)
    return moves
