"""Search-engine markup of catalog pages: the ``Product`` JSON-LD of a product page.

Built from the objects the page shows; other apps add what they show (ratings, reviews)
through the ``product_jsonld`` hook: callables ``(request, page, context) -> dict`` whose keys
are merged into the ``Product`` (return ``{}`` to add nothing).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from wagtail import hooks

from community import seo
from community.catalog.models import MAIN_IMAGE_SPEC, ProductPage, StockStatus
from community.text import plain_text

_AVAILABILITY = {
    StockStatus.IN_STOCK: "https://schema.org/InStock",
    StockStatus.LOW: "https://schema.org/LimitedAvailability",
    StockStatus.OUT_OF_STOCK: "https://schema.org/OutOfStock",
    StockStatus.PREORDER: "https://schema.org/PreOrder",
}


def product_image_url(page: ProductPage) -> str:
    """The absolute URL of the product's main image (the one the page and og:image show)."""
    if page.main_image is None:
        return ""
    return seo.absolute_url(page.main_image.get_rendition(MAIN_IMAGE_SPEC).url)


def product_description(page: ProductPage) -> str:
    return page.search_description or page.summary or plain_text(str(page.description or ""))[:500]


def product(*, request: HttpRequest, page: ProductPage, context: dict[str, Any]) -> dict[str, Any]:
    """Schema.org ``Product`` with its ``Offer``, plus what the ``product_jsonld`` hooks add."""
    url = seo.absolute_url(page.url)
    data: dict[str, Any] = {
        "@context": seo.SCHEMA, "@type": "Product",
        "name": page.title, "sku": page.sku, "url": url,
        "brand": {"@type": "Brand", "name": page.brand},
        "offers": {
            "@type": "Offer", "url": url, "price": f"{page.price:.2f}", "priceCurrency": page.currency,
            "availability": _AVAILABILITY.get(page.stock_status, "https://schema.org/InStock"),
        },
    }
    if description := product_description(page):
        data["description"] = description
    if image := context.get("product_image_url"):
        data["image"] = [image]
    for hook in hooks.get_hooks("product_jsonld"):
        data.update(hook(request, page, context) or {})
    return data


# --- the product page's version (conditional GETs, community/seo.py) ----------------------------
# Other apps add what they show on the page through the ``product_page_version`` hook: callables
# returning ``{name: expression over OuterRef("pk")}``, with a ``covers`` attribute naming the
# ``product_page_sections`` hooks whose content those expressions track. A product page gets
# validators only when every section is covered: an untracked section would make a 304 stale.

PRODUCT_ROUTE = r"^(?P<page>/(?:[^/]+/)+)$"


_PAGE_FIELDS = ("pk", "title", "last_published_at", "price", "currency", "stock_status", "stock_quantity")


def gallery_version() -> dict:
    """The page's gallery (changed by a publication, which the page's own fields track): its
    size, so that an empty gallery is known without a query (``page_cache.version_values``)."""
    from django.db.models import Count, OuterRef, Subquery

    from community.catalog.models import ProductGalleryImage

    rows = ProductGalleryImage.objects.filter(product=OuterRef("pk")).order_by().values("product")
    return {"gallery_n": Subquery(rows.annotate(n=Count("pk")).values("n")[:1])}


def _contributors() -> list | None:
    """The ``product_page_version`` hooks (after the page's own gallery), or None when a section
    is not covered by any."""
    contributors = [gallery_version, *hooks.get_hooks("product_page_version")]
    covered = {section for hook in contributors for section in getattr(hook, "covers", ())}
    if any(section not in covered for section in hooks.get_hooks("product_page_sections")):
        return None
    return contributors


# Which contributor and name each column of the version row after the page's own fields is,
# recorded when the row's query is built (once per process): ``version_values``.
_VERSION_COLUMNS: dict[tuple, list[tuple]] = {}


def _version_row(contributors: list, url_path: str, extra: dict | None = None):
    columns = [(hook, name, expression) for hook in contributors for name, expression in hook().items()]
    _VERSION_COLUMNS[tuple(contributors)] = [(hook, name) for hook, name, _expression in columns]
    expressions = {f"section_{n}_{name}": expression for n, (_hook, name, expression) in enumerate(columns)}
    return (ProductPage.objects.filter(url_path=url_path, live=True).annotate(**expressions, **(extra or {}))
            .values_list(*_PAGE_FIELDS, *expressions, *(extra or {})))


def version_values(version: seo.Version, hook) -> dict[str, Any] | None:
    """What ``hook``'s expressions read for ``version`` (a :func:`product_version`'s): a section
    may learn from it that it has nothing to show (no Experts, no photos) and skip its query.
    None when the version was read with other contributors (or by another process's code)."""
    contributors = _contributors()
    columns = _VERSION_COLUMNS.get(tuple(contributors)) if contributors is not None else None
    row = version[0]
    if columns is None or len(row) < len(_PAGE_FIELDS) + len(columns):
        return None
    values = row[len(_PAGE_FIELDS):len(_PAGE_FIELDS) + len(columns)]
    return {name: value for (owner, name), value in zip(columns, values, strict=True) if owner is hook}


def _as_version(row: tuple) -> seo.Version:
    return row, seo.latest(*(value for value in row if isinstance(value, datetime)))


def product_version(request: HttpRequest, *, page_url_path: str) -> seo.Version | None:
    """What a product page shows, in one query: the page's own fields (price and stock change
    without a publication) and what every section's app declares."""
    contributors = _contributors()
    if contributors is None:
        return None
    # Compiled once per process for this set of contributors (seo.prepared_row).
    row = seo.prepared_row(("product_version", *contributors),
                           lambda url_path: _version_row(contributors, url_path), page_url_path)
    return _as_version(row) if row is not None else None


# The names of each ``product_version_with`` query's extra columns, recorded when it is built
# (once per process, as the query itself is compiled).
_EXTRA_NAMES: dict[tuple, list[str]] = {}


def product_version_with(key: tuple, extra, page_url_path: str, *values: object) -> tuple[seo.Version, dict] | None:
    """:func:`product_version` and, by the same query, ``extra(*values)``'s expressions over the
    product's ``OuterRef("pk")`` (a signed-in viewer's state on the page, ``page_cache``): the
    version exactly as an anonymous request computes it, and ``{name: value}`` of the extra
    expressions. ``key`` names ``extra`` (the query is compiled once per process, see
    seo.prepared_row, with ``values`` as its parameters). None when the page has no version or
    no live page has that path (then the caller reads what it needs its own way)."""
    contributors = _contributors()
    if contributors is None:
        return None
    key = ("product_version_with", *contributors, *key)

    def build(url_path, *stand_ins):
        expressions = extra(*stand_ins)
        _EXTRA_NAMES[key] = list(expressions)
        return _version_row(contributors, url_path, {f"extra_{name}": value for name, value in expressions.items()})

    row = seo.prepared_row(key, build, page_url_path, *values)
    if row is None:
        return None
    names = _EXTRA_NAMES[key]
    width = len(row) - len(names)
    return _as_version(row[:width]), dict(zip(names, row[width:], strict=True))
