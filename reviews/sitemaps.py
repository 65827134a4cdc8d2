"""Sitemap section of products' review pages (``<product>/reviews/``), and what reviews add to
the product and profile sections' lastmod (hooks registered in wagtail_hooks.py)."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property

from django.db.models import Exists, Max, OuterRef, Subquery

from community import seo
from community.accounts.trust import indexable_authors_q
from community.catalog.models import ProductPage
from community.moderation.models import Status
from reviews.models import Review


def product_reviews_changed() -> Subquery:
    """Latest visible change of a product's reviews (``product_sitemap_lastmod`` hook)."""
    return seo.latest_change(Review.objects.all(), "product")


def author_reviews_changed() -> Subquery:
    """Latest change of a user's published reviews (``profile_sitemap_lastmod`` hook)."""
    return seo.latest_change(Review.objects.filter(status=Status.PUBLISHED), "author")


class ReviewPagesSitemap(seo.CanonicalSitemap):
    """The review list of every live product with a published review by a non-Newcomer (a
    list showing only Newcomers' reviews is ``noindex``); lastmod: the latest review change."""

    def _queryset(self):
        indexable = Review.objects.filter(indexable_authors_q("author__"), product=OuterRef("pk"),
                                          status=Status.PUBLISHED)
        return (ProductPage.objects.live().public().filter(Exists(indexable))
                .annotate(reviews_changed=product_reviews_changed()))

    def items(self):
        return self._queryset().order_by("path").values("url_path", "reviews_changed")

    @cached_property
    def _suffix(self) -> str:
        # The sub-route is the same for every product: resolve it once, not per item.
        return ProductPage().reverse_subpage("reviews")

    def location(self, item: dict) -> str:
        return seo.path_from_url_path(item["url_path"]) + self._suffix

    def lastmod(self, item: dict) -> datetime | None:
        return item["reviews_changed"]

    def get_latest_lastmod(self) -> datetime | None:
        return self._queryset().aggregate(m=Max("reviews_changed"))["m"]
