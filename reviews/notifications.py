"""What reviews tell people (registered with the ``notification_kinds`` hook in ``wagtail_hooks``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from community.moderation.models import Status
from community.notifications.kinds import Announcement, NotificationKind
from community.notifications.models import Frequency


def my_review_helpful(*, vote, previous, **kwargs) -> list[Announcement]:
    """A new "helpful" vote (or "not helpful" turned helpful), batched per review:
    «5 человек сочли ваш отзыв полезным»."""
    if vote is None or not vote.helpful or (previous is not None and previous.helpful):
        return []
    review = vote.review
    if review.status != Status.PUBLISHED:
        return []
    return [Announcement(kind="reviews.helpful", cause=f"review:{review.pk}:voter:{vote.voter_id}",
                         url=review.get_absolute_url(), recipient_ids=[review.author_id], actor_id=vote.voter_id,
                         target=review, batch=True, params={"product": review.product.title})]


def review_on_followed_product(*, review, **kwargs) -> list[Announcement]:
    from community.notifications.follows import product_follower_ids

    if review.status != Status.PUBLISHED:
        return []
    return [Announcement(kind="reviews.followed_product", cause=f"review:{review.pk}", url=review.get_absolute_url(),
                         recipient_ids=product_follower_ids(review.product_id), actor_id=review.author_id,
                         target=review, params={"product": review.product.title})]


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(key="reviews.helpful", label=_("My review found helpful"), order=35,
                         message=_("Someone found your review of “%(product)s” helpful"),
                         batch_message=ngettext_lazy("%(count)s person found your review of “%(product)s” helpful",
                                                     "%(count)s people found your review of “%(product)s” helpful", "count"),
                         default_frequency=Frequency.WEEKLY, listens={"review_voted": my_review_helpful}),
        NotificationKind(key="reviews.followed_product", label=_("A new review of a product I follow"), order=55,
                         message=_("New review of “%(product)s”"),
                         default_frequency=Frequency.DAILY, listens={"review_published": review_on_followed_product}),
    ]
