"""Sitemap section of products' review pages (``<product>/reviews/``), and what reviews add to
the product and profile sections' lastmod (hooks registered in wagtail_hooks.py)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from community import seo
from community.accounts.trust import indexable_authors_q
from community.catalog.models import ProductPage
from community.moderation.models import Status
from reviews.models import Review


def product_reviews_changed() -> seo.LatestChanges:
    """Latest visible change of a product's reviews (``product_sitemap_lastmod`` hook)."""
    return seo.latest_change(Review.objects.all(), "product")


def author_reviews_changed() -> seo.LatestChanges:
    """Latest change of a user's published reviews (``profile_sitemap_lastmod`` hook)."""
    return seo.latest_change(Review.objects.filter(status=Status.PUBLISHED), "author")


class ReviewPagesSitemap(seo.CanonicalSitemap):
    """The review list of every live product with a published review by a non-Newcomer (a
    list showing only Newcomers' reviews is ``noindex``); lastmod: the latest review change."""

    @cached_property
    def _reviews_changed(self) -> dict[int, datetime]:
        return product_reviews_changed().by_key(self.page_keys)  # one GROUP BY for the page

    def _queryset(self):
        indexable = Review.objects.filter(indexable_authors_q("author__"), status=Status.PUBLISHED)
        return ProductPage.objects.live().public().filter(pk__in=indexable.values("product_id"))

    def items(self):
        return self._queryset().order_by("pk").values("pk", "url_path")

    @cached_property
    def _path(self):
        return seo.path_maker()

    @cached_property
    def _suffix(self) -> str:
        # The sub-route is the same for every product: resolve it once, not per item.
        return ProductPage().reverse_subpage("reviews")

    def location(self, item: dict) -> str:
        return self._path(item["url_path"]) + self._suffix

    def lastmod(self, item: dict) -> datetime | None:
        return self._reviews_changed.get(item["pk"])

    def get_latest_lastmod(self) -> datetime | None:
        return product_reviews_changed().latest_among(self._queryset().values("pk"))
