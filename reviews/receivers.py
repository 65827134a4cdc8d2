"""Reviews react to other apps' domain events (moderation, the shop's purchase feed)."""

from __future__ import annotations

from django.dispatch import receiver

from community import events
from community.catalog.models import Purchase
from reviews import services
from reviews.models import Review


@receiver(events.content_moderated, sender=Review, dispatch_uid="reviews.content_moderated")
def keep_aggregates_on_moderation(sender, content: Review, action: str, previous_status: str, **kwargs) -> None:
    """A moderator (or the auto-hide of flags) changed a review's status: count it or not.

    Runs inside ``moderate``'s transaction with the review row locked.
    """
    services.review_status_changed(review=content, previous_status=previous_status, action=action)


@receiver(events.purchases_recorded, sender=Purchase, dispatch_uid="reviews.purchases_recorded")
def verify_reviews_of_new_purchases(sender, pairs: list[tuple[int, int]], **kwargs) -> None:
    """Purchases reported after the review was written still earn the badge (one UPDATE per chunk)."""
    services.mark_verified_purchases_bulk(pairs=pairs)
