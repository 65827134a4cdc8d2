"""Write paths of the catalog: the shop's feed (purchases, stock) and products' top-level category.

The same functions serve the ``import_purchases`` command and the shop's JSON endpoint. Each
good row is written in its own transaction; bad rows are reported with their line number and
never half-written; re-importing the same rows is a no-op.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from community import events
from community.catalog.models import CategoryPage, ProductPage, Purchase, StockStatus


class FeedError(Exception):
    """A feed that cannot be read at all (not CSV/JSON, wrong shape)."""


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ImportReport:
    imported: int = 0
    already_present: int = 0
    stock_updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "imported": self.imported,
            "already_present": self.already_present,
            "stock_updated": self.stock_updated,
            "errors": [{"line": e.line, "error": e.message} for e in self.errors],
        }


class RowInvalid(Exception):
    pass


def _parse_when(value) -> datetime:
    if not value:
        raise RowInvalid(_("no purchase date (purchased_at)"))
    text = str(value).strip()
    when = parse_datetime(text)
    if when is None:
        day = parse_date(text)
        if day is None:
            raise RowInvalid(_("the date “%(value)s” is not in ISO 8601 format") % {"value": text[:40]})
        when = datetime(day.year, day.month, day.day)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > timezone.now() + timezone.timedelta(days=1):
        raise RowInvalid(_("the purchase date is in the future"))
    return when


def _find_user(identifier):
    identifier = str(identifier or "").strip()
    if not identifier:
        raise RowInvalid(_("no buyer (user)"))
    user = get_user_model().objects.filter(Q(username=identifier) | Q(email__iexact=identifier)).first()
    if user is None:
        raise RowInvalid(_("buyer “%(user)s” not found") % {"user": identifier[:80]})
    return user


def _find_product(sku) -> ProductPage:
    sku = str(sku or "").strip()
    if not sku:
        raise RowInvalid(_("no product SKU (sku)"))
    product = ProductPage.objects.filter(sku=sku).first()
    if product is None:
        raise RowInvalid(_("no product with SKU “%(sku)s”") % {"sku": sku[:64]})
    return product


def purchase_record(*, row: Mapping) -> tuple[Purchase, bool]:
    """Record one purchase row ``{order_ref, user, sku, purchased_at}``; returns (purchase, created).

    Raises ``RowInvalid`` with a message for a bad row.
    """
    order_ref = str(row.get("order_ref") or "").strip()
    if not order_ref:
        raise RowInvalid(_("no order number (order_ref)"))
    if len(order_ref) > 64:
        raise RowInvalid(_("the order number is longer than 64 characters"))
    user = _find_user(row.get("user"))
    product = _find_product(row.get("sku"))
    when = _parse_when(row.get("purchased_at"))
    try:
        with transaction.atomic():
            purchase, created = Purchase.objects.get_or_create(
                order_ref=order_ref, user=user, product=product, defaults={"purchased_at": when}
            )
            if created:
                events.purchase_recorded.send(sender=Purchase, purchase=purchase)
    except IntegrityError:  # a concurrent import of the same row won the race
        return Purchase.objects.get(order_ref=order_ref, user=user, product=product), False
    return purchase, created


def stock_update(*, row: Mapping) -> ProductPage:
    """Apply one stock row ``{sku, status?, quantity}``; sends ``stock_changed`` when it changes."""
    product = _find_product(row.get("sku"))
    try:
        quantity = int(row.get("quantity", 0))
    except (TypeError, ValueError):
        raise RowInvalid(_("quantity must be a whole number")) from None
    if quantity < 0:
        raise RowInvalid(_("quantity cannot be negative"))
    status = row.get("status") or (StockStatus.IN_STOCK if quantity > 5 else StockStatus.LOW if quantity else StockStatus.OUT_OF_STOCK)
    if status not in StockStatus.values:
        raise RowInvalid(_("unknown stock status “%(status)s”") % {"status": str(status)[:32]})
    with transaction.atomic():
        locked = ProductPage.objects.select_for_update().get(pk=product.pk)
        previous = locked.stock_status
        if previous == status and locked.stock_quantity == quantity:
            return locked
        # A plain UPDATE: a stock change is shop data, not an editorial revision of the page.
        ProductPage.objects.filter(pk=locked.pk).update(stock_status=status, stock_quantity=quantity)
        locked.stock_status, locked.stock_quantity = status, quantity
        if previous != status:
            events.stock_changed.send(sender=ProductPage, product=locked, previous_status=previous)
    return locked


def feed_import(*, purchases: Iterable[tuple[int, Mapping]] = (), stock: Iterable[tuple[int, Mapping]] = ()) -> ImportReport:
    """Import numbered rows; each good row commits on its own, bad rows are listed."""
    report = ImportReport()
    for line, row in purchases:
        try:
            if not isinstance(row, Mapping):
                raise RowInvalid(_("the row must be an object"))
            _purchase, created = purchase_record(row=row)
        except RowInvalid as error:
            report.errors.append(RowError(line, str(error)))
            continue
        if created:
            report.imported += 1
        else:
            report.already_present += 1
    for line, row in stock:
        try:
            if not isinstance(row, Mapping):
                raise RowInvalid(_("the row must be an object"))
            stock_update(row=row)
        except RowInvalid as error:
            report.errors.append(RowError(line, str(error)))
            continue
        report.stock_updated += 1
    return report


def parse_feed(content: str, *, kind: str) -> dict[str, list[tuple[int, Mapping]]]:
    """Parse a CSV or JSON feed into numbered rows.

    CSV: a header ``order_ref,user,sku,purchased_at``; rows are numbered by their line in the
    file. JSON: a list of purchases, or ``{"purchases": [...], "stock": [...]}``; rows are
    numbered from 1 within their list.
    """
    if kind == "csv":
        reader = csv.DictReader(io.StringIO(content))
        missing = {"order_ref", "user", "sku", "purchased_at"} - set(reader.fieldnames or [])
        if missing:
            raise FeedError(_("the CSV lacks the columns: %(columns)s") % {"columns": ", ".join(sorted(missing))})
        return {"purchases": [(reader.line_num, row) for row in reader], "stock": []}
    if kind == "json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise FeedError(_("invalid JSON: %(error)s") % {"error": error}) from None
        return feed_from_data(data)
    raise FeedError(_("only .csv and .json files are supported"))


def feed_from_data(data) -> dict[str, list[tuple[int, Mapping]]]:
    if isinstance(data, list):
        data = {"purchases": data}
    if not isinstance(data, dict):
        raise FeedError(_("expected an object with the keys purchases and/or stock"))
    unknown = set(data) - {"purchases", "stock"}
    if unknown:
        raise FeedError(_("unknown keys: %(keys)s") % {"keys": ", ".join(sorted(map(str, unknown)))})
    result = {}
    for key in ("purchases", "stock"):
        rows = data.get(key, [])
        if not isinstance(rows, list):
            raise FeedError(_("%(key)s must be a list") % {"key": key})
        result[key] = list(enumerate(rows, start=1))
    return result


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
