"""The reviews' part of the public API (``/api/v1/``): rating summaries for many SKUs at once,
a product's reviews (sorted and filtered like the site) and a single review.

Only published reviews of live products; authors as the site shows them. Each operation runs a
fixed number of queries whatever the number of reviews (tests assert it).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from community.api import (
    ERRORS,
    ApiError,
    AuthorOut,
    author_out,
    last_modified,
    media_url,
    possible_sku,
    product_by_sku,
    product_url,
)
from community.catalog.models import ProductPage
from community.moderation.models import Status
from community.seo import absolute_url, latest
from reviews import selectors
from reviews.models import RATINGS, ProductReviewStats, Review

router = Router(tags=["reviews"])

MAX_SKUS = 100


class StarCount(Schema):
    stars: int
    count: int


class RatingOut(Schema):
    sku: str
    product_url: str
    review_count: int
    average: float | None
    histogram: list[StarCount]


class RatingsOut(Schema):
    items: list[RatingOut]
    unknown: list[str]


class PhotoOut(Schema):
    url: str
    thumbnail_url: str
    width: int
    height: int


class ShopReplyOut(Schema):
    text_html: str
    created: datetime


class ReviewOut(Schema):
    id: int
    url: str
    sku: str
    rating: int
    title: str
    text_html: str
    pros_html: str
    cons_html: str
    verified_purchase: bool
    helpful_count: int
    unhelpful_count: int
    created: datetime
    edited_at: datetime | None
    author: AuthorOut
    photos: list[PhotoOut]
    shop_reply: ShopReplyOut | None


class ReviewPageOut(Schema):
    sku: str
    product_url: str
    count: int
    page: int
    pages: int
    page_size: int
    items: list[ReviewOut]


def _rating(product: ProductPage, stats: ProductReviewStats | None) -> dict:
    stats = stats or ProductReviewStats(product=product)
    average = stats.average
    return {
        "sku": product.sku,
        "product_url": product_url(product),
        "review_count": stats.review_count,
        "average": round(average, 2) if average is not None else None,
        "histogram": [{"stars": r, "count": stats.stars(r)} for r in reversed(RATINGS)],
    }


def _review(review: Review, *, sku: str) -> dict:
    photos = getattr(review, "visible_photos", [])
    reply = review.shop_reply
    return {
        "id": review.pk,
        "url": absolute_url(review.get_absolute_url()),
        "sku": sku,
        "rating": review.rating,
        "title": review.title,
        "text_html": review.text_html,
        "pros_html": review.pros_html,
        "cons_html": review.cons_html,
        "verified_purchase": review.verified_purchase,
        "helpful_count": review.helpful_count,
        "unhelpful_count": review.unhelpful_count,
        "created": review.created,
        "edited_at": review.edited_at,
        "author": author_out(review.author),
        "photos": [{"url": media_url(p.image), "thumbnail_url": media_url(p.thumbnail), "width": p.width,
                    "height": p.height} for p in photos],
        "shop_reply": {"text_html": reply.text_html, "created": reply.created} if reply is not None else None,
    }


def _changed(review: Review) -> datetime | None:
    return latest(review.created, review.edited_at, review.moderated_at)


def rating_summaries(skus: list[str]) -> dict:
    """Ratings of the live products among ``skus`` (one query), and the SKUs that are unknown."""
    products = ProductPage.objects.live().filter(sku__in=[s for s in skus if possible_sku(s)]).select_related(
        "review_stats")
    found = {}
    for product in products:
        try:
            stats = product.review_stats
        except ProductReviewStats.DoesNotExist:
            stats = None
        found[product.sku] = _rating(product, stats)
    return {"items": [found[sku] for sku in skus if sku in found], "unknown": [sku for sku in skus if sku not in found]}


@router.get("/ratings", response={200: RatingsOut, **ERRORS}, summary="Rating summaries of up to 100 SKUs")
def ratings(request: HttpRequest,
            sku: Annotated[list[str], Query(description="SKU; repeat or comma-separate, at most 100")]):
    """Average, count and histogram per SKU, for listing pages (one call for the whole page)."""
    skus = list(dict.fromkeys(part.strip() for value in sku for part in value.split(",") if part.strip()))
    if not skus:
        raise ApiError(400, "invalid", _("Give at least one SKU."), {"sku": [_("Give at least one SKU.")]})
    if len(skus) > MAX_SKUS:
        raise ApiError(400, "too_many_skus", _("At most %(max)d SKUs in one call.") % {"max": MAX_SKUS},
                       {"sku": [_("At most %(max)d SKUs in one call.") % {"max": MAX_SKUS}]})
    return rating_summaries(skus)


class ReviewQuery(Schema):
    sort: Literal["helpful", "newest", "highest", "lowest"] = "helpful"
    stars: int | None = None
    verified: bool = False
    photos: bool = False
    page: int = 1


@router.get("/products/{sku}/reviews", response={200: ReviewPageOut, **ERRORS},
            summary="A product's published reviews, 10 a page")
def product_reviews(request: HttpRequest, response: HttpResponse, sku: str, query: Query[ReviewQuery]):
    """Sorted like the site (most helpful — the Wilson lower bound —, newest, highest, lowest) and
    filtered by stars, verified purchase and photos."""
    if query.stars is not None and query.stars not in RATINGS:
        raise ApiError(400, "invalid", _("Stars are 1 to 5."), {"stars": [_("Stars are 1 to 5.")]})
    product = product_by_sku(sku)
    filters = selectors.ReviewFilters(sort=query.sort, stars=query.stars, verified=query.verified, photos=query.photos)
    try:
        listing = selectors.review_page(product=product, viewer=None, filters=filters, page_number=query.page)
    except selectors.PageOutOfRange:
        raise ApiError(404, "page_out_of_range", _("There is no such page.")) from None
    last_modified(response, *(_changed(r) for r in listing.reviews))
    return {
        "sku": product.sku,
        "product_url": product_url(product),
        "count": listing.page.paginator.count,
        "page": listing.page.number,
        "pages": listing.page.paginator.num_pages,
        "page_size": selectors.PAGE_SIZE,
        "items": [_review(review, sku=product.sku) for review in listing.reviews],
    }


@router.get("/reviews/{review_id}", response={200: ReviewOut, **ERRORS}, summary="One published review")
def review_detail(request: HttpRequest, response: HttpResponse, review_id: int):
    review = selectors.review_detail(pk=review_id, viewer=None)
    if review is None or not review.product.live or review.status in (Status.PENDING, Status.REJECTED):
        raise ApiError(404, "not_found", _("No such review."))
    if review.status != Status.PUBLISHED:
        raise ApiError(410, "gone", _("This review is no longer published."))
    last_modified(response, _changed(review), getattr(review.shop_reply, "updated", None))
    return _review(review, sku=review.product.sku)
