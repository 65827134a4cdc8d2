"""Sitemap sections of the catalog: categories and products (lastmod includes what other apps
show on a product page, through the ``product_sitemap_lastmod`` hook)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.db.models import Max
from wagtail import hooks

from community import seo
from community.catalog.models import CategoryPage, ProductPage


def _product_content_changes() -> list[seo.LatestChanges]:
    """What the ``product_sitemap_lastmod`` hooks declare: callables returning
    ``seo.LatestChanges`` keyed by the product's id — the latest visible change of what the app
    shows on the product page."""
    return [hook() for hook in hooks.get_hooks("product_sitemap_lastmod")]


class CategorySitemap(seo.CanonicalSitemap):
    """Live, public categories; lastmod: the category's last publication."""

    def items(self):
        return CategoryPage.objects.live().public().order_by("pk").values("pk", "url_path", "last_published_at")

    def location(self, item: dict) -> str:
        return seo.path_from_url_path(item["url_path"])

    def lastmod(self, item: dict) -> datetime | None:
        return item["last_published_at"]

    def get_latest_lastmod(self) -> datetime | None:
        return CategoryPage.objects.live().public().aggregate(m=Max("last_published_at"))["m"]


class ProductSitemap(seo.CanonicalSitemap):
    """Live, public products; lastmod: the latest of the page's publication and the content
    other apps show on it (a new, edited or hidden review or answer moves it).

    A fixed number of queries whatever the catalog's size: the products' rows, and one
    ``GROUP BY`` per kind of content (``seo.LatestChanges.by_key``), merged here."""

    @cached_property
    def _content_changed(self) -> dict[int, datetime]:
        return seo.merged_latest(_product_content_changes(), self.page_keys)

    def _queryset(self):
        return ProductPage.objects.live().public()

    def items(self):
        return self._queryset().order_by("pk").values("pk", "url_path", "last_published_at")

    @cached_property
    def _path(self):
        return seo.path_maker()

    def location(self, item: dict) -> str:
        return self._path(item["url_path"])

    def lastmod(self, item: dict) -> datetime | None:
        return seo.latest(item["last_published_at"], self._content_changed.get(item["pk"]))

    def get_latest_lastmod(self) -> datetime | None:
        products = self._queryset()
        return seo.latest(products.aggregate(m=Max("last_published_at"))["m"],
                          *(change.latest_among(products.values("pk")) for change in _product_content_changes()))
