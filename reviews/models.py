"""Product reviews: the review, its photos, edit history, helpful votes, the shop's reply and
the per-product rating aggregates.

Invariants (enforced here by constraints, kept by ``reviews.services``):

* one review per (author, product), rating 1–5;
* one vote per (voter, review);
* one shop reply per review;
* ``Review.helpful_count`` / ``unhelpful_count`` / ``helpful_score`` equal what the votes
  say, and ``ProductReviewStats`` equals what the product's *published* reviews say — both
  updated in the transaction of the change and rebuildable with
  ``manage.py rebuild_review_aggregates``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from community.accounts.trust import links_followed
from community.moderation.models import ModeratedContent, ModeratedQuerySet, Status, author_changes_index

MIN_RATING = 1
MAX_RATING = 5
RATINGS = range(MIN_RATING, MAX_RATING + 1)
TITLE_MAX_LENGTH = 120
TEXT_MAX_LENGTH = 10_000
PROS_CONS_MAX_LENGTH = 2_000
MAX_PHOTOS = 6


class ReviewQuerySet(ModeratedQuerySet):
    def for_product(self, product) -> ReviewQuerySet:
        return self.filter(product=product)


class Review(ModeratedContent):
    """A shopper's review of a product: rating, title, text, pros and cons, photos."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.CASCADE, related_name="reviews"
    )
    product = models.ForeignKey(
        "catalog.ProductPage", verbose_name=_("product"), on_delete=models.CASCADE, related_name="reviews"
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), validators=[MinValueValidator(MIN_RATING), MaxValueValidator(MAX_RATING)]
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    text_html = models.TextField(_("text (HTML)"), blank=True, editable=False)
    pros = models.TextField(_("pros"), max_length=PROS_CONS_MAX_LENGTH, blank=True)
    pros_html = models.TextField(_("pros (HTML)"), blank=True, editable=False)
    cons = models.TextField(_("cons"), max_length=PROS_CONS_MAX_LENGTH, blank=True)
    cons_html = models.TextField(_("cons (HTML)"), blank=True, editable=False)
    verified_purchase = models.BooleanField(_("verified purchase"), default=False)
    helpful_count = models.PositiveIntegerField(_("helpful votes"), default=0, editable=False)
    unhelpful_count = models.PositiveIntegerField(_("not helpful votes"), default=0, editable=False)
    helpful_score = models.FloatField(
        _("helpfulness score"), default=0.0, editable=False,
        help_text=_("Wilson lower bound (95%) of the share of helpful votes."),
    )
    created = models.DateTimeField(_("written"), auto_now_add=True, db_index=True)
    edited_at = models.DateTimeField(_("last edited"), null=True, blank=True, editable=False)

    objects = ReviewQuerySet.as_manager()

    SANITIZED_FIELDS = {"text": "text_html", "pros": "pros_html", "cons": "cons_html"}

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["author", "product"], name="review_one_per_author_and_product"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=MIN_RATING, rating__lte=MAX_RATING), name="review_rating_1_to_5"
            ),
        ]
        # One index per sort order of a product's reviews, each matching its ORDER BY to the
        # last column, so a page is read from the index whatever the number of reviews.
        indexes = [
            models.Index(fields=["product", "status", "-helpful_score", "-created", "-id"], name="review_most_helpful"),
            models.Index(fields=["product", "status", "-created", "-id"], name="review_newest"),
            models.Index(fields=["product", "status", "-rating", "-created", "-id"], name="review_highest"),
            models.Index(fields=["product", "status", "rating", "-created", "-id"], name="review_lowest"),
            author_changes_index("review_author_changes"),
        ]

    def __str__(self) -> str:
        return self.title or self.text[:60]

    def moderation_title(self) -> str:
        return f"{self.product_id and self.product.title}: {self}"

    def follow_links(self) -> bool:
        """Whether links in this review are followed (no ``nofollow``): Experts' are."""
        return links_followed(self.author)

    @property
    def vote_total(self) -> int:
        return self.helpful_count + self.unhelpful_count

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None

    @property
    def shop_reply(self) -> ShopReply | None:
        """The shop's reply, or None (``select_related("reply")`` makes this free)."""
        try:
            return self.reply
        except ObjectDoesNotExist:
            return None

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reviews:detail", args=[self.pk])


class ReviewRevision(models.Model):
    """The state of a review before one of its edits (the edit history moderators see)."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("edited by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.PositiveSmallIntegerField(_("previous rating"))
    title = models.CharField(_("previous title"), max_length=TITLE_MAX_LENGTH, blank=True)
    text = models.TextField(_("previous text"))
    pros = models.TextField(_("previous pros"), blank=True)
    cons = models.TextField(_("previous cons"), blank=True)
    created = models.DateTimeField(_("edited at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review revision")
        verbose_name_plural = _("review revisions")
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"#{self.review_id} @ {self.created:%Y-%m-%d %H:%M}"


class ReviewPhotoQuerySet(ModeratedQuerySet):
    def visible(self) -> ReviewPhotoQuerySet:
        """Photos shown with their review (the review's own visibility is checked apart)."""
        return self.filter(status=Status.PUBLISHED)


class ReviewPhoto(ModeratedContent):
    """A photo attached to a review, stored re-encoded (WebP, metadata stripped).

    A photo has its own moderation state so that a moderator can take down one photo (a face,
    a document) without removing the whole review. It is shown only while both the review is
    visible and the photo is published. New photos start in the review's state: pending with a
    pending review, published with a published one; approving or rejecting the review carries
    its pending photos along. Photos have no ``author`` field of their own (the review's author
    is theirs), so they never count as separate contributions for pre-moderation.
    """

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="reviews/", max_length=200)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    thumbnail = models.ImageField(_("thumbnail"), upload_to="reviews/", max_length=200)
    thumbnail_width = models.PositiveIntegerField(_("thumbnail width"))
    thumbnail_height = models.PositiveIntegerField(_("thumbnail height"))
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    created = models.DateTimeField(_("uploaded"), auto_now_add=True)

    objects = ReviewPhotoQuerySet.as_manager()

    class Meta:
        verbose_name = _("review photo")
        verbose_name_plural = _("review photos")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.review} — {self.position + 1}"

    @property
    def author_id(self) -> int:
        """The review's author (the moderation services check it to refuse self-flags)."""
        return self.review.author_id

    def moderation_title(self) -> str:
        return str(_("Photo for the review “%(review)s”") % {"review": self.review})

    @property
    def file_names(self) -> list[str]:
        return [name for name in (self.image.name, self.thumbnail.name) if name]


class ReviewVote(models.Model):
    """A signed-in user's "helpful" / "not helpful" vote on someone else's review.

    Changeable or withdrawable for ``VOTE_CHANGE_WINDOW`` after ``created``, then locked.
    """

    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.CASCADE, related_name="review_votes"
    )
    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="votes")
    helpful = models.BooleanField(_("helpful"))
    created = models.DateTimeField(_("voted at"), auto_now_add=True)
    updated = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("review vote")
        verbose_name_plural = _("review votes")
        constraints = [models.UniqueConstraint(fields=["voter", "review"], name="review_vote_one_per_voter")]

    def __str__(self) -> str:
        return f"{self.voter_id} → {self.review_id}: {'+' if self.helpful else '−'}"


class ShopReply(models.Model):
    """The shop's one public reply under a review, written by a staff member."""

    review = models.OneToOneField(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="reply")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("text"), max_length=TEXT_MAX_LENGTH)
    text_html = models.TextField(_("text (HTML)"), blank=True, editable=False)
    created = models.DateTimeField(_("posted"), auto_now_add=True)
    updated = models.DateTimeField(_("changed at"), auto_now=True)

    SANITIZED_FIELDS = {"text": "text_html"}

    class Meta:
        verbose_name = _("shop reply")
        verbose_name_plural = _("shop replies")

    def __str__(self) -> str:
        return self.text[:60]

    def follow_links(self) -> bool:
        """The shop's own links are followed."""
        return True


class ProductReviewStats(models.Model):
    """Rating aggregates of one product's published reviews: count, sum and histogram."""

    product = models.OneToOneField(
        "catalog.ProductPage", verbose_name=_("product"), primary_key=True, on_delete=models.CASCADE,
        related_name="review_stats",
    )
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    rating_sum = models.PositiveIntegerField(_("sum of ratings"), default=0)
    stars_1 = models.PositiveIntegerField(_("1 star"), default=0)
    stars_2 = models.PositiveIntegerField(_("2 stars"), default=0)
    stars_3 = models.PositiveIntegerField(_("3 stars"), default=0)
    stars_4 = models.PositiveIntegerField(_("4 stars"), default=0)
    stars_5 = models.PositiveIntegerField(_("5 stars"), default=0)

    class Meta:
        verbose_name = _("product rating")
        verbose_name_plural = _("product ratings")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.review_count}"

    AGGREGATE_FIELDS = ("review_count", "rating_sum", "stars_1", "stars_2", "stars_3", "stars_4", "stars_5")

    @property
    def average(self) -> float | None:
        return self.rating_sum / self.review_count if self.review_count else None

    def stars(self, rating: int) -> int:
        return getattr(self, f"stars_{rating}")

    @property
    def histogram(self) -> list[tuple[int, int, int]]:
        """``(stars, count, percent)`` from 5 stars down to 1."""
        total = self.review_count or 1
        return [(r, self.stars(r), round(100 * self.stars(r) / total)) for r in reversed(RATINGS)]

    def as_tuple(self) -> tuple[int, ...]:
        return tuple(getattr(self, name) for name in self.AGGREGATE_FIELDS)
