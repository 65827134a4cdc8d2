"""Concurrent votes on one review are exact (PostgreSQL: real parallel transactions)."""

import threading

import pytest
from django.db import connection, connections

from reviews import aggregates, services
from reviews.models import Review, ReviewVote
from tests.factories import UserFactory
from tests.reviews.factories import write_review

VOTERS = 50


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        reason = ("needs PostgreSQL: SQLite serialises every writer with one database lock, so it cannot "
                  "show a race; run with DATABASE_URL=postgres://…")
        print(f"SKIPPED: {reason}")
        pytest.skip(reason)


def run_in_threads(work, count: int) -> list[BaseException]:
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def target(n):
        try:
            barrier.wait(timeout=30)
            work(n)
        except BaseException as error:  # noqa: BLE001  (reported by the test)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_fifty_threads_voting_on_one_review_give_exactly_fifty_votes(postgres_only, transactional_db, page_tree, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    author = UserFactory(username="author", verified=True)
    review = write_review(author, page_tree["products"][0])
    voters = [UserFactory(username=f"racer{n}", verified=True) for n in range(VOTERS)]

    errors = run_in_threads(
        lambda n: services.review_vote(voter=voters[n], review=Review(pk=review.pk), helpful=n % 5 != 0), VOTERS
    )

    assert errors == []
    review.refresh_from_db()
    assert ReviewVote.objects.filter(review=review).count() == VOTERS
    assert (review.helpful_count, review.unhelpful_count) == (40, 10)
    assert aggregates.review_aggregates_rebuild(fix=False).reviews_fixed == 0


def test_fifty_threads_changing_and_casting_votes_stay_exact(postgres_only, transactional_db, page_tree, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    author = UserFactory(username="author", verified=True)
    review = write_review(author, page_tree["products"][0])
    voters = [UserFactory(username=f"racer{n}", verified=True) for n in range(VOTERS)]
    for voter in voters[:25]:
        services.review_vote(voter=voter, review=review, helpful=True)

    def work(n):
        # The first 25 change their vote (or withdraw it), the other 25 vote afresh.
        helpful = True if n >= 25 else (None if n % 10 == 0 else False)
        services.review_vote(voter=voters[n], review=Review(pk=review.pk), helpful=helpful)

    assert run_in_threads(work, VOTERS) == []
    review.refresh_from_db()
    votes = ReviewVote.objects.filter(review=review)
    assert (review.helpful_count, review.unhelpful_count) == (
        votes.filter(helpful=True).count(), votes.filter(helpful=False).count()
    ) == (25, 22)


def test_two_reviews_of_the_same_product_stats_stay_exact_under_concurrency(postgres_only, transactional_db, page_tree, settings):
    settings.MODERATION_PREMODERATE_FIRST = 0
    product = page_tree["products"][0]
    authors = [UserFactory(username=f"writer{n}", verified=True) for n in range(20)]
    assert run_in_threads(lambda n: write_review(authors[n], product, rating=1 + n % 5), 20) == []
    from reviews.models import ProductReviewStats

    assert ProductReviewStats.objects.get(product=product).as_tuple() == (20, 60, 4, 4, 4, 4, 4)
