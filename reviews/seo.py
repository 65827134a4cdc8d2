"""Reviews in a product's JSON-LD: ``aggregateRating`` and the reviews the page shows.

Registered as a ``product_jsonld`` hook (reviews/wagtail_hooks.py). Only published reviews are
marked up, exactly those the page lists and with the rating as shown (one decimal); the shop's
replies are not reviews and are left out.
"""

from __future__ import annotations

from typing import Any

from community import seo
from community.moderation.models import Status
from community.text import plain_text
from reviews.models import ProductReviewStats, Review


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
