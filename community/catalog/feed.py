"""The shop's feed of purchases (verified buyers) and stock changes: parse, validate, import in bulk.

The same functions serve the ``import_purchases`` command, the shop's JSON endpoint and the
background task that works large batches (``community.catalog.tasks``). Rows are imported in
chunks of :data:`CHUNK_SIZE`, set-based: the buyers and products of a chunk are looked up in one
query each, new purchases are inserted with one ``bulk_create`` (the unique constraint on
``(order_ref, user, product)`` makes a re-import a no-op, also against a concurrent import),
stock rows become one ``bulk_update``, and the domain events go out once per chunk with the
affected ids. Each chunk is one transaction; a bad row is reported with its line number and
never written, so nothing is half-written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice

from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from community import events
from community.catalog.models import ProductPage, Purchase, StockStatus

CHUNK_SIZE = 1000
#: The largest stock quantity a row may carry (the column is a 32-bit PositiveIntegerField).
MAX_QUANTITY = 2_147_483_647
#: JSON nested deeper than this is refused before it is parsed (a feed is two levels deep).
MAX_JSON_DEPTH = 32

Row = tuple[int, object]


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
            "errors": [{"line": e.line, "error": _printable(e.message)} for e in self.errors],
        }


def _printable(text: str) -> str:
    """``text`` with control characters and lone surrogates replaced (quoted user input in a message)."""
    return "".join("\ufffd" if ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


class RowInvalid(Exception):
    pass


# --- Reading ---------------------------------------------------------------------------------

def _json_depth_exceeds(content: str, limit: int) -> bool:
    """Whether brackets nest deeper than ``limit`` (strings skipped), without parsing."""
    depth = 0
    in_string = escaped = False
    for char in content:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def load_json(content: str):
    """Parse JSON text, refusing nesting deeper than :data:`MAX_JSON_DEPTH` with ``FeedError``.

    The depth is checked first: a 100,000-deep array would otherwise exhaust the recursion limit.
    """
    if _json_depth_exceeds(content, MAX_JSON_DEPTH):
        raise FeedError(_("the JSON is nested deeper than %(depth)d levels") % {"depth": MAX_JSON_DEPTH})
    try:
        return json.loads(content)
    except json.JSONDecodeError as error:
        raise FeedError(_("invalid JSON: %(error)s") % {"error": error}) from None
    except (RecursionError, ValueError) as error:  # belt and braces; ValueError: huge int literals
        raise FeedError(_("invalid JSON: %(error)s") % {"error": str(error)[:200]}) from None


def parse_feed(content: str, *, kind: str) -> dict[str, list[Row]]:
    """Parse a CSV or JSON feed into numbered rows.

    CSV: a header ``order_ref,user,sku,purchased_at`` (and optionally ``customer_id``); rows are numbered by their line in the
    file. JSON: a list of purchases, or ``{"purchases": [...], "stock": [...]}``; rows are
    numbered from 1 within their list.
    """
    if kind == "csv":
        try:
            reader = csv.DictReader(io.StringIO(content, newline=""))
            missing = {"order_ref", "user", "sku", "purchased_at"} - set(reader.fieldnames or [])
            if missing:
                raise FeedError(_("the CSV lacks the columns: %(columns)s") % {"columns": ", ".join(sorted(missing))})
            return {"purchases": [(reader.line_num, row) for row in reader], "stock": []}
        except csv.Error as error:
            raise FeedError(_("unreadable CSV: %(error)s") % {"error": error}) from None
    if kind == "json":
        return feed_from_data(load_json(content))
    raise FeedError(_("only .csv and .json files are supported"))


def feed_from_data(data) -> dict[str, list[Row]]:
    if isinstance(data, list):
        data = {"purchases": data}
    if not isinstance(data, dict):
        raise FeedError(_("expected an object with the keys purchases and/or stock"))
    unknown = set(data) - {"purchases", "stock", "batch_id"}
    if unknown:
        raise FeedError(_("unknown keys: %(keys)s") % {"keys": ", ".join(sorted(map(str, unknown)))[:200]})
    result = {}
    for key in ("purchases", "stock"):
        rows = data.get(key, [])
        if not isinstance(rows, list):
            raise FeedError(_("%(key)s must be a list") % {"key": key})
        result[key] = list(enumerate(rows, start=1))
    return result


def body_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


# --- Validating one row ----------------------------------------------------------------------

def _text(row: Mapping, key: str, *, missing: str, max_length: int) -> str:
    value = row.get(key)
    if isinstance(value, bool) or not isinstance(value, str | int):
        if value is None or value == "":
            raise RowInvalid(missing)
        raise RowInvalid(_("%(field)s must be text") % {"field": key})
    text = str(value).strip()
    if not text:
        raise RowInvalid(missing)
    if len(text) > max_length:
        raise RowInvalid(_("%(field)s is longer than %(max)d characters") % {"field": key, "max": max_length})
    if any(ord(char) < 32 or char == "\x7f" or 0xD800 <= ord(char) <= 0xDFFF for char in text):
        raise RowInvalid(_("%(field)s contains control characters") % {"field": key})
    return text


def _parse_when(value) -> datetime:
    if not value:
        raise RowInvalid(_("no purchase date (purchased_at)"))
    if not isinstance(value, str):
        raise RowInvalid(_("the purchase date must be text in ISO 8601 format"))
    text = value.strip()
    try:
        when = parse_datetime(text)
        if when is None:
            day = parse_date(text)
            if day is None:
                raise RowInvalid(_("the date “%(value)s” is not in ISO 8601 format") % {"value": text[:40]})
            when = datetime(day.year, day.month, day.day)
        if timezone.is_naive(when):
            when = timezone.make_aware(when)
    except (ValueError, OverflowError):  # a well-formed but impossible date (2026-02-30, year 0)
        raise RowInvalid(_("the date “%(value)s” is not in ISO 8601 format") % {"value": text[:40]}) from None
    if when > timezone.now() + timezone.timedelta(days=1):
        raise RowInvalid(_("the purchase date is in the future"))
    return when


@dataclass(frozen=True)
class _PurchaseRow:
    line: int
    order_ref: str
    user: str
    sku: str
    purchased_at: datetime
    customer_id: str = ""


def _purchase_row(line: int, row) -> _PurchaseRow:
    """One purchase row; the buyer is ``customer_id`` (the shop's id), ``user``, or both."""
    if not isinstance(row, Mapping):
        raise RowInvalid(_("the row must be an object"))
    order_ref = _text(row, "order_ref", missing=_("no order number (order_ref)"), max_length=64)
    customer_id = ""
    if row.get("customer_id") not in (None, ""):
        customer_id = _text(row, "customer_id", missing="", max_length=255)
    user = ""
    if not customer_id or row.get("user") not in (None, ""):
        user = _text(row, "user", missing=_("no buyer (user or customer_id)"), max_length=254)
    sku = _text(row, "sku", missing=_("no product SKU (sku)"), max_length=64)
    return _PurchaseRow(line, order_ref, user, sku, _parse_when(row.get("purchased_at")), customer_id)


@dataclass(frozen=True)
class _StockRow:
    line: int
    sku: str
    quantity: int
    status: str


def _stock_row(line: int, row) -> _StockRow:
    if not isinstance(row, Mapping):
        raise RowInvalid(_("the row must be an object"))
    sku = _text(row, "sku", missing=_("no product SKU (sku)"), max_length=64)
    raw = row.get("quantity", 0)
    if isinstance(raw, bool) or not isinstance(raw, int | str):
        raise RowInvalid(_("quantity must be a whole number"))
    if isinstance(raw, str):
        raw = raw.strip()
        if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 20:
            raise RowInvalid(_("quantity must be a whole number"))
    quantity = int(raw)
    if quantity < 0:
        raise RowInvalid(_("quantity cannot be negative"))
    if quantity > MAX_QUANTITY:
        raise RowInvalid(_("quantity cannot exceed %(max)d") % {"max": MAX_QUANTITY})
    status = row.get("status") or (
        StockStatus.IN_STOCK if quantity > 5 else StockStatus.LOW if quantity else StockStatus.OUT_OF_STOCK
    )
    if not isinstance(status, str) or status not in StockStatus.values:
        raise RowInvalid(_("unknown stock status “%(status)s”") % {"status": str(status)[:32]})
    return _StockRow(line, sku, quantity, str(status))


def _chunks(rows: Iterable[Row], size: int) -> Iterable[list[Row]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


# --- Writing in bulk -------------------------------------------------------------------------

def _users_by_identifier(identifiers: set[str]) -> dict[str, int]:
    """Map each username, and each lower-cased email, among ``identifiers`` to a user id."""
    user_model = get_user_model()
    lowered = {i.lower() for i in identifiers}
    found: dict[str, int] = {}
    for pk, username in user_model.objects.filter(username__in=identifiers).values_list("pk", "username"):
        found[username] = pk
    by_email = (
        user_model.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=lowered)
        .order_by("-pk").values_list("pk", "email_lower")
    )
    for pk, email in by_email:  # the oldest account wins when two share an address
        found[f"@email:{email}"] = pk
    return found


def _users_by_customer_id(customer_ids: set[str]) -> dict[str, int]:
    """Map each shop customer id among ``customer_ids`` to the community account signed in with it.

    The id is the shop's OpenID Connect ``sub``, stored as the ``uid`` of the account's link to the
    shop (``community.accounts.shop_sign_in``) when the customer first signs in with the shop.
    """
    if not customer_ids:
        return {}
    return dict(
        SocialAccount.objects.filter(provider=settings.SHOP_OIDC_PROVIDER_ID, uid__in=customer_ids)
        .values_list("uid", "user_id")
    )


def _purchases_chunk(rows: Sequence[Row], report: ImportReport) -> None:
    valid: list[_PurchaseRow] = []
    for line, row in rows:
        try:
            valid.append(_purchase_row(line, row))
        except RowInvalid as error:
            report.errors.append(RowError(line, str(error)))
    if not valid:
        return
    users = _users_by_identifier({r.user for r in valid if r.user})
    customers = _users_by_customer_id({r.customer_id for r in valid if r.customer_id})
    products = dict(ProductPage.objects.filter(sku__in={r.sku for r in valid}).values_list("sku", "pk"))
    wanted: dict[tuple[str, int, int], _PurchaseRow] = {}
    duplicates = 0
    for r in valid:
        # The shop's customer id first (it cannot be mistaken), then the username or e-mail.
        user_id = customers.get(r.customer_id) or users.get(r.user) or users.get(f"@email:{r.user.lower()}")
        if user_id is None:
            if r.user:
                message = _("buyer “%(user)s” not found") % {"user": r.user[:80]}
            else:
                message = _("no community account is linked to the shop customer “%(id)s” yet") % {
                    "id": r.customer_id[:80],
                }
            report.errors.append(RowError(r.line, message))
            continue
        product_id = products.get(r.sku)
        if product_id is None:
            report.errors.append(RowError(r.line, _("no product with SKU “%(sku)s”") % {"sku": r.sku[:64]}))
            continue
        key = (r.order_ref, user_id, product_id)
        if key in wanted:
            duplicates += 1  # the same line twice in one feed
        else:
            wanted[key] = r
    if not wanted:
        report.already_present += duplicates
        return
    with transaction.atomic():
        existing = set(
            Purchase.objects.filter(order_ref__in={k[0] for k in wanted}, user_id__in={k[1] for k in wanted})
            .values_list("order_ref", "user_id", "product_id")
        )
        new = [
            Purchase(order_ref=key[0], user_id=key[1], product_id=key[2], purchased_at=r.purchased_at)
            for key, r in wanted.items() if key not in existing
        ]
        # ignore_conflicts: a concurrent import of the same lines cannot fail this chunk.
        Purchase.objects.bulk_create(new, ignore_conflicts=True)
        if new:
            events.purchases_recorded.send(
                sender=Purchase, pairs=sorted({(p.user_id, p.product_id) for p in new}),
            )
    report.imported += len(new)
    report.already_present += len(wanted) - len(new) + duplicates


def _stock_chunk(rows: Sequence[Row], report: ImportReport) -> None:
    valid: list[_StockRow] = []
    for line, row in rows:
        try:
            valid.append(_stock_row(line, row))
        except RowInvalid as error:
            report.errors.append(RowError(line, str(error)))
    if not valid:
        return
    with transaction.atomic():
        # Locked in primary-key order, as every writer of these rows does, so two imports
        # touching the same products cannot deadlock or lose an update.
        products = {
            p.sku: p for p in ProductPage.objects.select_for_update(of=("self",)).filter(sku__in={r.sku for r in valid})
            .order_by("pk").only("pk", "sku", "stock_status", "stock_quantity", "title")
        }
        previous = {sku: p.stock_status for sku, p in products.items()}
        changed: dict[str, ProductPage] = {}
        for r in valid:  # in line order: the last row for a product wins, as if applied one by one
            product = products.get(r.sku)
            if product is None:
                report.errors.append(RowError(r.line, _("no product with SKU “%(sku)s”") % {"sku": r.sku[:64]}))
                continue
            report.stock_updated += 1
            if (product.stock_status, product.stock_quantity) != (r.status, r.quantity):
                product.stock_status, product.stock_quantity = r.status, r.quantity
                changed[r.sku] = product
        # A plain UPDATE: a stock change is shop data, not an editorial revision of the page.
        ProductPage.objects.bulk_update(list(changed.values()), ["stock_status", "stock_quantity"])
        for sku, product in changed.items():
            if product.stock_status != previous[sku]:
                events.stock_changed.send(sender=ProductPage, product=product, previous_status=previous[sku])


def feed_import(*, purchases: Iterable[Row] = (), stock: Iterable[Row] = ()) -> ImportReport:
    """Import numbered rows in chunks; good rows are written, bad rows are listed by line.

    Idempotent: importing the same rows again adds nothing (``already_present``) and leaves the
    stock as it is. Errors are sorted by line, purchases first.
    """
    report = ImportReport()
    for chunk in _chunks(purchases, CHUNK_SIZE):
        _purchases_chunk(chunk, report)
    purchase_errors = len(report.errors)
    for chunk in _chunks(stock, CHUNK_SIZE):
        _stock_chunk(chunk, report)
    report.errors[:purchase_errors] = sorted(report.errors[:purchase_errors], key=lambda e: e.line)
    report.errors[purchase_errors:] = sorted(report.errors[purchase_errors:], key=lambda e: e.line)
    return report

