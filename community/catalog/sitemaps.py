"""Sitemap sections of the catalog: categories and products (lastmod includes what other apps
show on a product page, through the ``product_sitemap_lastmod`` hook)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.db.models import Max
from wagtail import hooks

from community import seo
from community.catalog.models import CategoryPage, ProductPage


def _product_lastmod_expressions() -> dict:
    """``{name: Subquery}`` from the ``product_sitemap_lastmod`` hooks: callables returning a
    subquery over ``OuterRef("pk")`` (the product) giving the latest visible change the app
    shows on the product page (NULL when none)."""
    expressions = {}
    for n, hook in enumerate(hooks.get_hooks("product_sitemap_lastmod")):
        expressions[f"content_lastmod_{n}"] = hook()
    return expressions


class CategorySitemap(seo.CanonicalSitemap):
    """Live, public categories; lastmod: the category's last publication."""

    def items(self):
        return CategoryPage.objects.live().public().order_by("path").values("url_path", "last_published_at")

    def location(self, item: dict) -> str:
        return seo.path_from_url_path(item["url_path"])

    def lastmod(self, item: dict) -> datetime | None:
        return item["last_published_at"]

    def get_latest_lastmod(self) -> datetime | None:
        return CategoryPage.objects.live().public().aggregate(m=Max("last_published_at"))["m"]


class ProductSitemap(seo.CanonicalSitemap):
    """Live, public products; lastmod: the latest of the page's publication and the content
    other apps show on it (a new, edited or hidden review or answer moves it)."""

    @cached_property
    def _expressions(self) -> dict:
        return _product_lastmod_expressions()

    def _queryset(self):
        return ProductPage.objects.live().public().annotate(**self._expressions)

    def items(self):
        return self._queryset().order_by("path").values("url_path", "last_published_at", *self._expressions)

    def location(self, item: dict) -> str:
        return seo.path_from_url_path(item["url_path"])

    def lastmod(self, item: dict) -> datetime | None:
        return seo.latest(item["last_published_at"], *(item[name] for name in self._expressions))

    def get_latest_lastmod(self) -> datetime | None:
        # One aggregate per column: SQLite mis-converts several Max() over subqueries in one.
        queryset = self._queryset()
        return seo.latest(*(queryset.aggregate(m=Max(name))["m"] for name in ["last_published_at", *self._expressions]))
