"""Stored aggregates equal what the rows say, after any sequence of changes; the rebuild
command recomputes them."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from community.moderation.services import flag, moderate
from reviews import aggregates, services
from reviews.models import ProductReviewStats, Review, ReviewVote
from tests.factories import UserFactory
from tests.reviews.factories import write_review


def snapshot() -> tuple[dict, dict]:
    stats = {s.product_id: s.as_tuple() for s in ProductReviewStats.objects.all() if s.review_count}
    reviews = {r.pk: (r.helpful_count, r.unhelpful_count, round(r.helpful_score, 9)) for r in Review.objects.all()}
    return stats, reviews


def test_stored_aggregates_equal_the_rebuilt_ones_after_many_kinds_of_change(page_tree, moderator, settings):
    laptop, other_laptop, phone = page_tree["products"]
    people = [UserFactory(username=f"p{n}", verified=True) for n in range(8)]
    settings.MODERATION_PREMODERATE_FIRST = 0
    r = [write_review(people[n], laptop, rating=1 + n % 5) for n in range(6)]
    phone_review = write_review(people[0], phone, rating=4)
    write_review(people[1], other_laptop, rating=2)
    settings.MODERATION_PREMODERATE_FIRST = 1
    pending = write_review(UserFactory(username="fresh", verified=True), phone, rating=1)

    # votes, changes and withdrawals
    for n, voter in enumerate(people):
        for review in r:
            if voter.pk != review.author_id:
                services.review_vote(voter=voter, review=review, helpful=(n + review.pk) % 3 != 0)
    services.review_vote(voter=people[7], review=r[0], helpful=False)
    services.review_vote(voter=people[7], review=r[1], helpful=None)
    services.review_vote(voter=people[6], review=phone_review, helpful=True)
    # publish, hide, remove, restore, reject
    moderate(moderator=moderator, content=pending, action="approve")
    moderate(moderator=moderator, content=r[2], action="hide", reason="Проверка")
    moderate(moderator=moderator, content=r[3], action="remove", reason="Спам")
    moderate(moderator=moderator, content=r[3], action="restore")
    moderate(moderator=moderator, content=r[4], action="remove", reason="Оскорбления")
    for n in range(3):
        flag(reporter=UserFactory(username=f"f{n}", verified=True), content=r[5], reason="spam")
    rejected = write_review(UserFactory(username="fresh2", verified=True), laptop, rating=5)
    moderate(moderator=moderator, content=rejected, action="reject", reason="Не о товаре")
    # edits of rating (published and hidden) and a deletion
    services.review_update(editor=people[0], review=r[0], rating=5, text="Передумал: отлично")
    services.review_update(editor=people[2], review=r[2], rating=1, text="Скрытый, но исправленный")
    services.review_update(editor=people[0], review=phone_review, rating=1, text="Сломался")
    services.review_delete(actor=people[1], review=r[1])

    stored = snapshot()
    assert stored[0], "the scenario left some counted reviews"
    call_command("rebuild_review_aggregates", "--check")  # nothing differs
    ProductReviewStats.objects.all().delete()
    Review.objects.update(helpful_count=0, unhelpful_count=0, helpful_score=0)
    with pytest.raises(CommandError):
        call_command("rebuild_review_aggregates", "--check")
    call_command("rebuild_review_aggregates")
    assert snapshot() == stored


def test_the_rebuild_repairs_drifted_counters(product, shopper, other_shopper, no_premoderation):
    review = write_review(shopper, product, rating=4)
    services.review_vote(voter=other_shopper, review=review, helpful=True)
    ProductReviewStats.objects.filter(product=product).update(review_count=7, stars_4=0)
    Review.objects.filter(pk=review.pk).update(helpful_count=9)
    report = aggregates.review_aggregates_rebuild()
    assert (report.products_fixed, report.reviews_fixed) == (1, 1)
    assert ProductReviewStats.objects.get(product=product).as_tuple() == (1, 4, 0, 0, 0, 1, 0)
    review.refresh_from_db()
    assert (review.helpful_count, review.unhelpful_count) == (1, 0)


def test_a_locked_vote_stays_counted_after_a_rebuild(product, shopper, other_shopper, no_premoderation):
    review = write_review(shopper, product)
    vote = services.review_vote(voter=other_shopper, review=review, helpful=False)
    ReviewVote.objects.filter(pk=vote.pk).update(created=timezone.now() - timezone.timedelta(hours=1))
    aggregates.review_aggregates_rebuild()
    review.refresh_from_db()
    assert (review.helpful_count, review.unhelpful_count) == (0, 1)
