"""Read paths of reviews, each with its prefetching in one place.

A page of reviews costs a fixed number of queries whatever the number of reviews: the
reviews with their authors' profiles and the shop's reply (one query), their visible photos
(one), the viewer's votes on them (one), and a count only when a filter is applied (the
stored stats answer the unfiltered count).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.paginator import Page as PaginatorPage
from django.core.paginator import Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from community import json_rows
from community.catalog.models import ProductPage
from community.http import parse_int
from community.moderation.models import Status
from community.moderation.services import can_moderate
from reviews.models import RATINGS, ProductReviewStats, Review, ReviewPhoto, ReviewRevision, ReviewVote

PAGE_SIZE = 10


def review_for_author(*, author, product: ProductPage) -> Review | None:
    """The author's review of the product (whatever its status), or None (one query; none for
    an anonymous viewer)."""
    if author is None or not author.is_authenticated:
        return None
    return Review.objects.filter(author=author, product=product).first()

SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "helpful": (_("Most helpful"), ("-helpful_score", "-created", "-pk")),
    "newest": (_("Newest"), ("-created", "-pk")),
    "highest": (_("Highest rating"), ("-rating", "-created", "-pk")),
    "lowest": (_("Lowest rating"), ("rating", "-created", "-pk")),
}
DEFAULT_SORT = "helpful"


@dataclass(frozen=True)
class ReviewFilters:
    """What the visitor asked to see: sort order, star filter, verified only, with photos."""

    sort: str = DEFAULT_SORT
    stars: int | None = None
    verified: bool = False
    photos: bool = False

    @classmethod
    def from_query(cls, query: QueryDict) -> ReviewFilters:
        """Read the filters from GET parameters; unknown values fall back to the defaults."""
        sort = query.get("sort", DEFAULT_SORT)
        stars = query.get("stars", "")
        return cls(
            sort=sort if sort in SORTS else DEFAULT_SORT,
            stars=parse_int(stars) if parse_int(stars) in RATINGS else None,
            verified=query.get("verified") == "1",
            photos=query.get("photos") == "1",
        )

    @property
    def is_filtered(self) -> bool:
        return self.stars is not None or self.verified or self.photos

    @property
    def is_default(self) -> bool:
        return self == ReviewFilters()

    def params(self, **changes) -> dict[str, str]:
        """The GET parameters for these filters (defaults left out), with ``changes`` applied."""
        values = {"sort": self.sort, "stars": self.stars, "verified": self.verified, "photos": self.photos}
        values.update(changes)
        params = {}
        if values["sort"] != DEFAULT_SORT:
            params["sort"] = values["sort"]
        if values["stars"]:
            params["stars"] = str(values["stars"])
        if values["verified"]:
            params["verified"] = "1"
        if values["photos"]:
            params["photos"] = "1"
        return params

    def query(self, **changes) -> str:
        return urlencode(self.params(**changes))


@dataclass
class ReviewListing:
    page: PaginatorPage
    filters: ReviewFilters
    stats: ProductReviewStats
    reviews: list[Review] = field(default_factory=list)


def product_stats(product: ProductPage) -> ProductReviewStats:
    """The product's stored rating aggregates (zeros when it has no published review yet)."""
    return ProductReviewStats.objects.filter(product=product).first() or ProductReviewStats(product=product)


def _with_display_relations(queryset: QuerySet[Review], viewer, photos: bool = True) -> QuerySet[Review]:
    """Authors with their profiles and the shop's reply joined; photos (unless ``photos`` is
    False) and the viewer's votes prefetched into ``visible_photos`` and ``viewer_votes``."""
    queryset = queryset.select_related("author__profile", "reply")
    if photos:
        queryset = queryset.prefetch_related(Prefetch(
            "photos", queryset=ReviewPhoto.objects.visible().order_by("position", "pk"), to_attr="visible_photos"))
    if viewer is not None and viewer.is_authenticated:
        queryset = queryset.prefetch_related(
            Prefetch("votes", queryset=ReviewVote.objects.filter(voter=viewer), to_attr="viewer_votes")
        )
    return queryset


def review_list_for_product(*, product: ProductPage, viewer, filters: ReviewFilters,
                            photos: bool = True) -> QuerySet[Review]:
    """Reviews of ``product`` as a visitor sees them, filtered and sorted.

    Everyone sees published reviews; moderators also see pending ones (marked in the list).
    The author's own pending review is shown to them in their own panel (:func:`own_review`).
    ``photos=False``: the caller reads the photos its own way (none are prefetched).
    """
    visible = Q(status=Status.PUBLISHED)
    if can_moderate(viewer):
        visible |= Q(status=Status.PENDING)
    queryset = Review.objects.filter(visible, product=product)
    if filters.stars is not None:
        queryset = queryset.filter(rating=filters.stars)
    if filters.verified:
        queryset = queryset.filter(verified_purchase=True)
    if filters.photos:
        queryset = queryset.filter(
            Exists(ReviewPhoto.objects.visible().filter(review=OuterRef("pk")))
        )
    return _with_display_relations(queryset.order_by(*SORTS[filters.sort][1]), viewer, photos=photos)


class PageOutOfRange(Exception):
    """A page number that does not exist (the view answers 404)."""


def review_page(
    *, product: ProductPage, viewer, filters: ReviewFilters, page_number: str | int | None = 1,
    stats: ProductReviewStats | None = None,
) -> ReviewListing:
    """One page (10) of the product's reviews, their visible photos read by the same query (a JSON
    column, not a prefetch). Raises :class:`PageOutOfRange` for a bad page."""
    stats = stats if stats is not None else product_stats(product)
    queryset = review_list_for_product(product=product, viewer=viewer, filters=filters, photos=False).annotate(
        photo_rows=json_rows.rows(ReviewPhoto.objects.visible().filter(review=OuterRef("pk")), "review"))
    paginator = Paginator(queryset, PAGE_SIZE)
    if not filters.is_filtered and not can_moderate(viewer):
        # The stored aggregate is the count of published reviews: no COUNT query needed.
        paginator.count = stats.review_count
    try:
        number = int(page_number or 1)
    except (TypeError, ValueError):
        raise PageOutOfRange from None
    if number < 1 or (number > 1 and number > paginator.num_pages):
        raise PageOutOfRange
    page = paginator.page(number)
    reviews = list(page.object_list)
    for review in reviews:
        review.visible_photos = sorted(json_rows.instances(ReviewPhoto, review.photo_rows),
                                       key=lambda photo: (photo.position, photo.pk))
        del review.photo_rows  # kept in the product page's shared cache: only the photos
    page.object_list = reviews
    return ReviewListing(page=page, filters=filters, stats=stats, reviews=reviews)


def first_page_from(*, reviews: list[Review], stats: ProductReviewStats) -> ReviewListing:
    """The default listing's first page as everyone sees it, from ``reviews`` already loaded (the
    product page keeps them in its shared cache): no query. The count is the stored aggregate,
    as :func:`review_page` uses it."""
    paginator = Paginator(Review.objects.none().order_by("pk"), PAGE_SIZE)
    paginator.count = stats.review_count
    page = paginator.page(1)
    page.object_list = reviews
    return ReviewListing(page=page, filters=ReviewFilters(), stats=stats, reviews=reviews)


def attach_viewer_votes(*, reviews: list[Review], viewer, votes: list[ReviewVote] | None = None) -> None:
    """Put ``viewer``'s votes on ``reviews`` as :func:`review_list_for_product` prefetches them
    (``viewer_votes``): one query, none when ``votes`` are the viewer's votes on the product's
    reviews already read (the viewer's state, :func:`viewer_votes`)."""
    mine: dict[int, list[ReviewVote]] = {}
    if votes is None and reviews:
        votes = list(ReviewVote.objects.filter(voter=viewer, review_id__in=[review.pk for review in reviews]))
    for vote in votes or ():
        mine.setdefault(vote.review_id, []).append(vote)
    for review in reviews:
        review.viewer_votes = mine.get(review.pk, [])


# What the own-review panel shows of a review that is not pending (a summary and the
# moderator's reason), read with the viewer's state: ``own_review(known=…)`` needs no query then.
_OWN_SUMMARY = {"reviews_own": "pk", "reviews_own_status": "status", "reviews_own_rating": "rating",
                "reviews_own_title": "title", "reviews_own_reason": "moderation_reason"}


_VOTE_FIELDS = ("id", "review_id", "helpful", "created")


def viewer_state(user) -> dict:
    """``product_viewer_state`` hook: the viewer's review of the product (its id, status, rating,
    title and the moderator's reason; one per author and product) and their votes on its reviews
    (expressions over the product's ``OuterRef("pk")``; the votes as JSON, :func:`viewer_votes`)."""
    own = Review.objects.filter(product=OuterRef("pk"), author_id=user.pk)
    return {
        **{name: Subquery(own.values(field)[:1]) for name, field in _OWN_SUMMARY.items()},
        # Only what the vote buttons show (a busy voter has hundreds of votes on a product).
        "reviews_votes": json_rows.rows(ReviewVote.objects.filter(review__product=OuterRef("pk"), voter_id=user.pk),
                                        "review__product", fields=_VOTE_FIELDS),
    }


def viewer_votes(state: dict, reviews: list[Review], *, viewer) -> list[ReviewVote] | None:
    """``viewer``'s votes on ``reviews`` (those the page shows) from their state on the product
    (:func:`viewer_state`), or None when the state does not hold them. Only those become model
    instances (a busy voter's state holds hundreds), with what the vote buttons show: the
    choice and the time (``updated`` is not read)."""
    if "reviews_votes" not in state:
        return None
    shown = {review.pk for review in reviews}
    votes = json_rows.instances(ReviewVote, [item for item in state["reviews_votes"] or ()
                                             if item.get("review_id") in shown])
    for vote in votes:
        vote.voter_id = viewer.pk
    return votes


def own_review(*, viewer, product: ProductPage, known: dict | None = None) -> Review | None:
    """The viewer's own review of ``product`` in any state, with its photos.

    ``known``: the viewer's state on the product page (:func:`viewer_state`'s values): no review
    costs no query, and one that is not pending is built from its summary there (the panel shows
    no more of it); a pending one is shown in full, so it is read."""
    if viewer is None or not viewer.is_authenticated:
        return None
    if known is not None:
        if known.get("reviews_own") is None:
            return None
        if known.get("reviews_own_status") != Status.PENDING:
            return Review(author=viewer, product=product,
                          **{field: known.get(name) for name, field in _OWN_SUMMARY.items()})
    return (
        Review.objects.filter(author=viewer, product=product)
        .select_related("author__profile", "reply")
        .prefetch_related(Prefetch("photos", queryset=ReviewPhoto.objects.order_by("position", "pk"),
                                   to_attr="visible_photos"))
        .first()
    )


def review_detail(*, pk: int, viewer) -> Review | None:
    """A review with what its page shows (None when it does not exist)."""
    return (
        _with_display_relations(Review.objects.filter(pk=pk), viewer)
        .select_related("product")
        .first()
    )


def review_history(*, review: Review) -> QuerySet[ReviewRevision]:
    return review.revisions.select_related("editor__profile").order_by("-created", "-pk")


def viewer_vote(review: Review) -> ReviewVote | None:
    """The viewer's vote prefetched by :func:`review_list_for_product` (None if none)."""
    votes = getattr(review, "viewer_votes", None)
    return votes[0] if votes else None


def helpful_reviews_latest(*, limit: int = 4) -> list[Review]:
    """The latest published reviews that more customers found helpful than not, with their
    product and author's profile (one query)."""
    return list(
        Review.objects.published()
        .filter(helpful_count__gt=0).filter(helpful_count__gt=F("unhelpful_count"))
        .select_related("author__profile", "product")
        .order_by("-created", "-pk")[:limit]
    )
