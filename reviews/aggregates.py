"""Recompute reviews' stored aggregates from the rows they count, and repair what differs.

The services keep the aggregates right incrementally, in the transaction of each change:
per product (:class:`~reviews.models.ProductReviewStats`, only *published* reviews count) and
per review (helpful / not helpful, Wilson score). This is the check and the repair
(``manage.py rebuild_review_aggregates [--check]``), as :mod:`community.qa.aggregates` is for
Q&A. It takes the same locks as the writers (stats rows, review rows), so writes going on
meanwhile are neither lost nor counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum

from reviews.models import RATINGS, ProductReviewStats, Review, ReviewVote
from reviews.ranking import wilson_lower_bound


@dataclass
class RebuildReport:
    products_checked: int = 0
    products_fixed: int = 0
    reviews_checked: int = 0
    reviews_fixed: int = 0


def _computed_product_stats() -> dict[int, tuple[int, ...]]:
    rows = (
        Review.objects.published().values("product_id")
        .annotate(
            n=Count("pk"), total=Sum("rating"),
            **{f"s{r}": Count("pk", filter=Q(rating=r)) for r in RATINGS},
        )
        .order_by()
    )
    return {row["product_id"]: (row["n"], row["total"], *(row[f"s{r}"] for r in RATINGS)) for row in rows}


def _computed_vote_counts() -> dict[int, tuple[int, int]]:
    rows = (
        ReviewVote.objects.values("review_id")
        .annotate(up=Count("pk", filter=Q(helpful=True)), down=Count("pk", filter=Q(helpful=False)))
        .order_by()
    )
    return {row["review_id"]: (row["up"], row["down"]) for row in rows}


def review_aggregates_rebuild(*, fix: bool = True, chunk_size: int = 500) -> RebuildReport:
    """Recompute every stored aggregate from the rows and repair the ones that differ.

    Differences are found in bulk; then, chunk by chunk, the rows concerned are locked (stats
    rows, review rows), recounted and written, so writes going on meanwhile are neither lost
    nor counted twice (a writer holds the same lock while it changes a counter). With
    ``fix=False`` nothing is written: the report says what differs.
    """
    report = RebuildReport()
    zero = (0,) * len(ProductReviewStats.AGGREGATE_FIELDS)
    computed = _computed_product_stats()
    stored = {s.product_id: s.as_tuple() for s in ProductReviewStats.objects.all()}
    product_ids = sorted(set(computed) | set(stored))
    report.products_checked = len(product_ids)
    drifted_products = [pid for pid in product_ids if computed.get(pid, zero) != stored.get(pid, zero)]
    report.products_fixed = len(drifted_products)

    votes = _computed_vote_counts()
    drifted_reviews = []
    for review_id, helpful, unhelpful, score in Review.objects.values_list(
        "pk", "helpful_count", "unhelpful_count", "helpful_score"
    ).iterator(chunk_size=5000):
        report.reviews_checked += 1
        up, down = votes.get(review_id, (0, 0))
        if (up, down) != (helpful, unhelpful) or abs(score - wilson_lower_bound(up, up + down)) > 1e-9:
            drifted_reviews.append(review_id)
    report.reviews_fixed = len(drifted_reviews)
    if fix:
        for start in range(0, len(drifted_products), chunk_size):
            _rebuild_products(drifted_products[start:start + chunk_size])
        for start in range(0, len(drifted_reviews), chunk_size):
            _rebuild_reviews(drifted_reviews[start:start + chunk_size])
    return report


def _rebuild_products(product_ids: list[int]) -> None:
    """Recount the stats of these products under their stats rows' locks."""
    with transaction.atomic():
        existing = set(ProductReviewStats.objects.filter(product_id__in=product_ids).values_list("product_id", flat=True))
        ProductReviewStats.objects.bulk_create(
            [ProductReviewStats(product_id=pid) for pid in product_ids if pid not in existing], ignore_conflicts=True
        )
        rows = list(ProductReviewStats.objects.select_for_update().filter(product_id__in=product_ids).order_by("pk"))
        counts: dict[int, dict[int, int]] = {}
        for product_id, rating, n in (
            Review.objects.published().filter(product_id__in=product_ids)
            .values_list("product_id", "rating").annotate(n=Count("pk")).order_by()
        ):
            counts.setdefault(product_id, {})[rating] = n
        for stats in rows:
            by_rating = counts.get(stats.product_id, {})
            stats.review_count = sum(by_rating.values())
            stats.rating_sum = sum(rating * n for rating, n in by_rating.items())
            for rating in RATINGS:
                setattr(stats, f"stars_{rating}", by_rating.get(rating, 0))
        ProductReviewStats.objects.bulk_update(rows, list(ProductReviewStats.AGGREGATE_FIELDS))


def _rebuild_reviews(review_ids: list[int]) -> None:
    """Recount the votes of these reviews under their rows' locks."""
    with transaction.atomic():
        rows = list(Review.objects.select_for_update().filter(pk__in=review_ids).order_by("pk")
                    .only("pk", "helpful_count", "unhelpful_count", "helpful_score"))
        counts = {
            row["review_id"]: (row["up"], row["down"])
            for row in ReviewVote.objects.filter(review_id__in=review_ids).values("review_id")
            .annotate(up=Count("pk", filter=Q(helpful=True)), down=Count("pk", filter=Q(helpful=False))).order_by()
        }
        for review in rows:
            review.helpful_count, review.unhelpful_count = counts.get(review.pk, (0, 0))
            review.helpful_score = wilson_lower_bound(review.helpful_count, review.vote_total)
        Review.objects.bulk_update(rows, ["helpful_count", "unhelpful_count", "helpful_score"])
