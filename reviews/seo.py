"""Reviews in a product's JSON-LD: ``aggregateRating`` and the reviews the page shows.

Registered as a ``product_jsonld`` hook (reviews/wagtail_hooks.py). Only published reviews are
marked up, exactly those the page lists and with the rating as shown (one decimal); the shop's
replies are not reviews and are left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest

from community import seo
from community.accounts.trust import authors_standing
from community.catalog.models import ProductPage
from community.moderation.models import Status
from community.text import plain_text
from reviews.models import ProductReviewStats, Review, ReviewPhoto, ReviewVote, ShopReply


def aggregate_rating(stats: ProductReviewStats | None) -> dict[str, Any] | None:
    """``AggregateRating`` as the page shows it, or None without a published review."""
    if stats is None or not stats.review_count:
        return None
    return {
        "@type": "AggregateRating", "ratingValue": round(stats.average, 1),
        "reviewCount": stats.review_count, "bestRating": 5, "worstRating": 1,
    }


def review(item: Review) -> dict[str, Any]:
    name = item.title or plain_text(item.text_html)[:80]
    return {
        "@type": "Review",
        "author": {"@type": "Person", "name": item.author.profile.name},
        "datePublished": seo.iso_datetime(item.created),
        "name": name,
        "reviewBody": plain_text(item.text_html),
        "reviewRating": {"@type": "Rating", "ratingValue": item.rating, "bestRating": 5, "worstRating": 1},
    }


def product_markup(*, stats: ProductReviewStats | None, reviews: list[Review]) -> dict[str, Any]:
    rating = aggregate_rating(stats)
    if rating is None:
        return {}
    shown = [review(r) for r in reviews if r.status == Status.PUBLISHED]
    return {"aggregateRating": rating, **({"review": shown} if shown else {})}


def _aggregate(queryset, outer_field: str, **aggregates) -> dict[str, Subquery]:
    """Subqueries over ``OuterRef("pk")``: each aggregate of ``queryset``'s rows for that key."""
    rows = queryset.filter(**{outer_field: OuterRef("pk")}).order_by().values(outer_field)
    return {name: Subquery(rows.annotate(value=expression).values("value")[:1]) for name, expression in aggregates.items()}


# The review list's route (reviews/wagtail_hooks.py: ``<product>/reviews/``).
REVIEW_LIST_ROUTE = r"^(?P<page>/(?:[^/]+/)+)reviews/$"


def product_reviews_version() -> dict[str, Subquery]:
    """Subqueries over a product's ``OuterRef("pk")`` tracking everything its reviews show: the
    reviews' latest change (written, edited, moderated), votes (a vote changes it), shop replies
    and photos. Also the ``product_page_version`` hook of the reviews sections."""
    changed = Max(Greatest(Coalesce("moderated_at", "created"), Coalesce("edited_at", "created")))
    return {
        # The authors' standing shows on the page (badges, levels, noindex, nofollow) and the
        # whole anonymous page is cached under this version: a change of level, Expert status or
        # reputation of an author changes it too, and so does an author hiding their profile (the
        # name is then no link).
        **_aggregate(Review.objects.all(), "product", reviews_changed=changed, reviews_n=Count("pk"),
                     authors=authors_standing()),
        **_aggregate(ReviewVote.objects.all(), "review__product", votes_changed=Max("updated"), votes_n=Count("pk")),
        **_aggregate(ShopReply.objects.all(), "review__product", replies_changed=Max("updated"), replies_n=Count("pk")),
        **_aggregate(ReviewPhoto.objects.all(), "review__product",
                     photos_changed=Max(Coalesce("moderated_at", "created")), photos_n=Count("pk")),
    }


def review_list_version(request, *, page_url_path: str) -> seo.Version | None:
    """What a product's review list shows, in one query: its reviews (above), the stored
    aggregates and the product page itself. The URL's filters and page are part of the URL."""
    annotations = product_reviews_version()
    row = (ProductPage.objects.filter(url_path=page_url_path, live=True).annotate(**annotations)
           .values_list("pk", "title", "last_published_at", "review_stats__review_count",
                        "review_stats__rating_sum", *annotations).first())
    if row is None:
        return None
    return row, seo.latest(*(value for value in row if isinstance(value, datetime)))
