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
from community.catalog.models import ProductPage, StockStatus
from community.text import plain_text

PRODUCT_IMAGE_SPEC = "max-800x600|format-webp"
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
    return seo.absolute_url(page.main_image.get_rendition(PRODUCT_IMAGE_SPEC).url)


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


def product_version(request: HttpRequest, *, page_url_path: str) -> seo.Version | None:
    """What a product page shows, in one query: the page's own fields (price and stock change
    without a publication) and what every section's app declares."""
    contributors = list(hooks.get_hooks("product_page_version"))
    covered = {section for hook in contributors for section in getattr(hook, "covers", ())}
    if any(section not in covered for section in hooks.get_hooks("product_page_sections")):
        return None

    def build(url_path):
        expressions = {f"section_{n}_{name}": expression for n, hook in enumerate(contributors)
                       for name, expression in hook().items()}
        return (ProductPage.objects.filter(url_path=url_path, live=True).annotate(**expressions)
                .values_list("pk", "title", "last_published_at", "price", "currency", "stock_status",
                             "stock_quantity", *expressions))

    # Compiled once per process for this set of contributors (seo.prepared_row).
    row = seo.prepared_row(("product_version", *contributors), build, page_url_path)
    if row is None:
        return None
    return row, seo.latest(*(value for value in row if isinstance(value, datetime)))
